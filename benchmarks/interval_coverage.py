"""Simulated coverage of the report's 95% intervals: method x n x distribution, before and after issue 12.

Each cell draws ``--replicates`` synthetic experiments of n seeds from a known
distribution, builds the interval, and counts how often it holds the true
value. Monte Carlo standard error of a cell near 95% is sqrt(0.95 * 0.05 / R):
0.49 points at R = 2000.

"before" are the methods of the report up to commit d1d0511, rebuilt here with
the same scipy calls and settings so the table can be reproduced after they
were replaced:

- mean / paired difference: BCa bootstrap, 4999 resamples (percentile where BCa fails);
- d_z: BCa bootstrap of the ratio mean / sd of the differences, 4999 resamples;
- slope: percentile bootstrap resampling whole seeds, 1999 resamples;
- Spearman's rho: no interval (rho of the per-point means).

"after" are the methods now in ``hls_sim.experiment.statistics``:

- mean / paired difference: Student t interval (``scipy.stats.ttest_1samp``);
- d_z: exact noncentral-t interval (``scipy.stats.nct`` inverted by root finding);
- slope: t interval over the seeds' own least-squares slopes (n - 1 degrees of freedom).

"considered and dropped": Spearman's rho over all runs with a BCa bootstrap
resampling whole seeds, which issue 12 suggested; it misses badly when seeds
carry large shared luck, so the report no longer gives rho.

Distributions: normal, and lognormal with log-sd sigma (skewness 1.75 at
sigma = 0.5, 6.18 at sigma = 1). For d_z the differences are shifted so their
true standardised mean is 0.5; for slopes each seed's own slope deviates from
the true slope (2) by a draw of the distribution, scaled to sd 1.

    uv run python benchmarks/interval_coverage.py                      # both tables, 2000 replicates
    uv run python benchmarks/interval_coverage.py --replicates 500     # quicker, noisier
    uv run python benchmarks/interval_coverage.py --only after --json coverage.json
    uv run python benchmarks/interval_coverage.py --only "considered and dropped" --spearman-replicates 300
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections.abc import Callable

import numpy as np
from scipy import stats

from hls_sim.experiment.statistics import effect_size_intervals, skewed_or_normal_draws, t_intervals, trend

SIZES = (5, 12, 30)
TRUE_EFFECT = 0.5
TRUE_SLOPE = 2.0
POINTS = np.linspace(0.0, 1.0, 5)


def draw(rng: np.random.Generator, distribution: str, shape: tuple[int, ...]) -> tuple[np.ndarray, float]:
    """Draws with sd 1 and their true mean: "normal", or "lognormal-SIGMA" rescaled."""
    if distribution == "normal":
        return skewed_or_normal_draws(rng, "normal", shape)
    log_sd = float(distribution.removeprefix("lognormal-"))
    return skewed_or_normal_draws(rng, "lognormal", shape, log_sd=log_sd)


def sweep_runs(rng: np.random.Generator, distribution: str, seeds: int) -> np.ndarray:
    """One experiment's runs of a five-point sweep: seeds x points, with large shared seed luck."""
    deviation, mean = draw(rng, distribution, (seeds,))
    slope = TRUE_SLOPE + deviation - mean
    luck = rng.normal(0.0, 5.0, seeds)
    return luck[:, None] + slope[:, None] * POINTS + rng.normal(0.0, 0.3, (seeds, POINTS.size))


# ---------------------------------------------------------------- before (commit d1d0511)


def _legacy_bootstrap(samples, statistic, method, resamples, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        result = stats.bootstrap(
            samples,
            statistic,
            paired=True,
            vectorized=True,
            method=method,
            n_resamples=resamples,
            rng=np.random.default_rng(seed),
        )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def _legacy_interval(values, statistic, seed):
    """BCa, or percentile where BCa fails, as the old ``statistics._interval``."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            low, high = _legacy_bootstrap((values,), statistic, "BCa", 4999, seed)
        except RuntimeWarning:
            low, high = np.nan, np.nan
    if np.isfinite(low) and np.isfinite(high):
        return low, high
    return _legacy_bootstrap((values,), statistic, "percentile", 4999, seed)


def _legacy_d_z(differences, axis=-1):
    """The old ``statistics.standardised_mean``: NaN without spread, 0 when every difference is 0."""
    mean = np.mean(differences, axis=axis)
    spread = np.ptp(differences, axis=axis) > 0
    sd = np.std(differences, axis=axis, ddof=1)
    ratio = np.divide(mean, sd, out=np.full_like(mean, np.nan), where=spread)
    return np.where(spread, ratio, np.where(mean == 0, 0.0, np.nan))


def before_mean(rng, distribution, n, replicates):
    hits = []
    for i in range(replicates):
        values, truth = draw(rng, distribution, (n,))
        low, high = _legacy_interval(values, lambda v, axis=-1: np.mean(v, axis=axis), i)
        hits.append(low <= truth <= high)
    return np.mean(hits)


def before_d_z(rng, distribution, n, replicates):
    hits = []
    for i in range(replicates):
        values, mean = draw(rng, distribution, (n,))
        differences = values - mean + TRUE_EFFECT
        low, high = _legacy_interval(differences, _legacy_d_z, i)
        hits.append(low <= TRUE_EFFECT <= high)
    return np.mean(hits)


def before_slope(rng, distribution, n, replicates):
    centred = POINTS - POINTS.mean()
    hits = []
    for i in range(replicates):
        runs = sweep_runs(rng, distribution, n)
        # Balanced design: the pooled slope over resampled seeds is the sum of their
        # centred cross-products over the sum of their centred squares.
        cross = (runs - runs.mean()) @ centred

        def pooled(seed_cross, axis=-1):
            return np.sum(seed_cross, axis=axis) / (seed_cross.shape[axis] * np.sum(centred**2))

        low, high = _legacy_bootstrap((cross,), pooled, "percentile", 1999, i)
        hits.append(low <= TRUE_SLOPE <= high)
    return np.mean(hits)


# ---------------------------------------------------------------- after (hls_sim.experiment.statistics)


def after_mean(rng, distribution, n, replicates):
    values, truth = draw(rng, distribution, (replicates, n))
    low, high = t_intervals(values)
    return np.mean((low <= truth) & (truth <= high))


def after_d_z(rng, distribution, n, replicates):
    values, mean = draw(rng, distribution, (replicates, n))
    low, high = effect_size_intervals(values - mean + TRUE_EFFECT)
    return np.mean((low <= TRUE_EFFECT) & (TRUE_EFFECT <= high))


def after_slope(rng, distribution, n, replicates):
    hits = []
    for _ in range(replicates):
        runs = sweep_runs(rng, distribution, n)
        seeds = np.repeat(np.arange(n), POINTS.size)
        result = trend(np.tile(POINTS, n), runs.ravel(), seeds)
        hits.append(result.low <= TRUE_SLOPE <= result.high)
    return np.mean(hits)


def true_spearman(distribution: str) -> float:
    """Spearman's rho over all runs of a very large experiment: the value an interval should hold."""
    runs = sweep_runs(np.random.default_rng(0), distribution, 200_000)
    x = np.broadcast_to(POINTS, runs.shape)
    return float(stats.spearmanr(x.ravel(), runs.ravel()).statistic)


def _rank_correlation(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's rho along the last axis."""
    rank_x, rank_y = stats.rankdata(x, axis=-1), stats.rankdata(y, axis=-1)
    rank_x -= rank_x.mean(axis=-1, keepdims=True)
    rank_y -= rank_y.mean(axis=-1, keepdims=True)
    return np.sum(rank_x * rank_y, axis=-1) / np.sqrt(np.sum(rank_x**2, axis=-1) * np.sum(rank_y**2, axis=-1))


def considered_spearman(rng, distribution, n, replicates, method="BCa"):
    """Rho over all runs with a bootstrap over whole seeds: considered for issue 12, and dropped.

    Resampling seeds shrinks the spread of the seeds' shared luck, which rho
    over runs depends on, so the bootstrap distribution sits above the
    estimate and the interval misses the truth.
    """
    truth = true_spearman(distribution)
    x = np.broadcast_to(POINTS, (n, POINTS.size))
    hits = []
    for i in range(replicates):
        runs = sweep_runs(rng, distribution, n)

        def statistic(chosen, axis=-1, runs=runs):
            chosen = chosen.astype(int)
            flat = (*chosen.shape[:-1], -1)
            return _rank_correlation(x[chosen].reshape(flat), runs[chosen].reshape(flat))

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            interval = stats.bootstrap(
                (np.arange(n),),
                statistic,
                vectorized=True,
                method=method,
                n_resamples=999,
                rng=np.random.default_rng(i),
            ).confidence_interval
        hits.append(interval.low <= truth <= interval.high)
    return np.mean(hits)


CASES: dict[str, dict[str, tuple[str, Callable]]] = {
    "before": {
        "mean / difference": ("BCa bootstrap", before_mean),
        "d_z": ("BCa bootstrap of the ratio", before_d_z),
        "slope": ("percentile bootstrap over seeds", before_slope),
    },
    "after": {
        "mean / difference": ("t interval", after_mean),
        "d_z": ("exact noncentral t", after_d_z),
        "slope": ("t over per-seed slopes", after_slope),
    },
    "considered and dropped": {
        "Spearman rho (runs)": ("BCa bootstrap over seeds", considered_spearman),
    },
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--distributions", nargs="+", default=["normal", "lognormal-0.5", "lognormal-1"])
    parser.add_argument("--only", choices=list(CASES))
    parser.add_argument("--spearman-replicates", type=int, default=500, help="its bootstrap is slow")
    parser.add_argument("--json", help="also write the table here")
    args = parser.parse_args()
    with open("/proc/loadavg") as load:
        print(f"load average at start: {load.read().split()[:3]}")
    rows = []
    for when, methods in CASES.items():
        if args.only and when != args.only:
            continue
        print(f"\n## {when}\n")
        header = "| statistic | method | n | " + " | ".join(args.distributions) + " |"
        print(header)
        print("|---" * (3 + len(args.distributions)) + "|")
        for statistic, (method, function) in methods.items():
            replicates = args.spearman_replicates if statistic.startswith("Spearman") else args.replicates
            for n in args.sizes:
                cells = []
                for index, distribution in enumerate(args.distributions):
                    clock = time.perf_counter()
                    rng = np.random.default_rng([n, index, 12])
                    coverage = float(function(rng, distribution, n, replicates))
                    rows.append(
                        {
                            "when": when,
                            "statistic": statistic,
                            "method": method,
                            "n": n,
                            "distribution": distribution,
                            "replicates": replicates,
                            "coverage": coverage,
                            "seconds": time.perf_counter() - clock,
                        }
                    )
                    cells.append(f"{coverage:.3f}")
                print(f"| {statistic} | {method} | {n} | " + " | ".join(cells) + " |", flush=True)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(rows, out, indent=1)


if __name__ == "__main__":
    main()
