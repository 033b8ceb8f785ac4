"""Statistics for the experiment report: how sure we are of a mean, a difference and a trend.

Every run of a scenario is one draw from a stochastic model, so a result is an
estimate with an interval, never a single number.

- ``mean_ci``: the mean of a metric over seeds, with a 95% bootstrap
  confidence interval.
- ``paired_difference``: the mean of ``a - b`` over seeds run under both
  settings, its interval, the standardised effect (Cohen's d_z: mean
  difference over the standard deviation of the differences) with its own
  interval, and a Wilcoxon signed-rank p-value.
- ``trend``: the least-squares slope of a metric on a swept parameter, its
  interval, and the Spearman rank correlation of the per-value means.
- ``verdict``: whether an interval supports, contradicts or cannot settle an
  expected direction.

Why the bootstrap: model metrics are shares, counts and waiting times, often
skewed or bounded, so normal-theory intervals can be off with the 20 to 50
seeds an experiment affords. The BCa bootstrap (Efron 1987, "Better bootstrap
confidence intervals", JASA 82) corrects the plain percentile interval for bias
and skew; where BCa cannot be computed (some very small samples) the percentile
interval stands in, and values that are all equal give that value as the
interval. Bootstrap intervals run a little narrow in small samples: from 30
normal values a 95% interval covers about 93% of the time (see
tests/test_statistics.py); more seeds close the gap.

Why pair: settings are compared with common random numbers, the same seeds
under each, so each seed's two runs share their people, their crises and their
luck. Differencing within seed removes that shared noise, and the interval of
the differences is far narrower than one that treats the two sets of runs as
independent. For the same reason a trend's interval comes from a cluster
bootstrap that resamples whole seeds, keeping each seed's points along the
sweep together, rather than resampling runs as if they were independent.

Intervals are deterministic given ``seed``. NaNs in the inputs are dropped;
``n`` (or ``n_seeds``) says how many observations were used.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

EXPECTATIONS = ("greater", "less", "equal")

# A slope needs spread in the parameter; below this share of the sum of squares
# the spread is rounding error, not a sweep.
MIN_PARAMETER_SPREAD = 1e-12


@dataclass(frozen=True)
class Estimate:
    """A mean with its confidence interval, over ``n`` observations."""

    mean: float
    low: float
    high: float
    n: int


@dataclass(frozen=True)
class Difference:
    """A paired difference ``a - b`` over ``n`` seeds run under both settings."""

    mean: float
    low: float
    high: float
    n: int
    effect_size: float
    effect_low: float
    effect_high: float
    p_value: float


@dataclass(frozen=True)
class Trend:
    """How a metric moves with a swept parameter.

    ``n_points`` is the number of distinct parameter values, ``n_seeds`` the
    number of seeds whose runs were used.
    """

    slope: float
    low: float
    high: float
    n_seeds: int
    n_points: int
    spearman: float


def mean_ci(
    values: ArrayLike, *, confidence: float = 0.95, n_resamples: int = 4999, seed: int = 0
) -> Estimate:
    """Mean of ``values`` with a BCa bootstrap interval (percentile where BCa is degenerate)."""
    _check_confidence(confidence)
    values = _observations(values, "values")
    values = values[~np.isnan(values)]
    if values.size == 0:
        return Estimate(np.nan, np.nan, np.nan, 0)
    low, high = _interval(values, _mean, confidence, n_resamples, seed)
    return Estimate(float(np.mean(values)), low, high, values.size)


def paired_difference(
    a: ArrayLike, b: ArrayLike, *, confidence: float = 0.95, n_resamples: int = 4999, seed: int = 0
) -> Difference:
    """Mean of ``a - b`` over seeds, with intervals for it and for Cohen's d_z.

    ``a`` and ``b`` hold the same seeds in the same order; a seed missing from
    either (NaN) is dropped from both. The mean and d_z intervals are drawn
    from the same resamples of seeds.
    """
    _check_confidence(confidence)
    a, b = _observations(a, "a"), _observations(b, "b")
    if a.size != b.size:
        raise ValueError(f"a and b must be aligned by seed; got lengths {a.size} and {b.size}")
    differences = (a - b)[~(np.isnan(a) | np.isnan(b))]
    if differences.size < 2:
        mean = float(differences[0]) if differences.size else np.nan
        return Difference(mean, np.nan, np.nan, differences.size, np.nan, np.nan, np.nan, np.nan)
    low, high = _interval(differences, _mean, confidence, n_resamples, seed)
    effect_low, effect_high = _interval(differences, standardised_mean, confidence, n_resamples, seed)
    return Difference(
        mean=float(np.mean(differences)),
        low=low,
        high=high,
        n=differences.size,
        effect_size=float(standardised_mean(differences)),
        effect_low=effect_low,
        effect_high=effect_high,
        p_value=signed_rank_p_value(differences),
    )


def trend(
    x: ArrayLike,
    y: ArrayLike,
    groups: ArrayLike,
    *,
    confidence: float = 0.95,
    n_resamples: int = 1999,
    seed: int = 0,
) -> Trend:
    """Least-squares slope of ``y`` on ``x``, with an interval from resampling whole seeds.

    One row per run: ``x`` the parameter value, ``y`` the metric, ``groups``
    the seed. A run with any of the three missing is dropped.
    """
    _check_confidence(confidence)
    runs = _runs(x, y, groups)
    seed_sums = _seed_sums(runs)
    slope = float(_slope(*seed_sums, axis=-1))
    low, high = np.nan, np.nan
    if len(seed_sums[0]) >= 2:
        low, high = _bootstrap(seed_sums, _slope, "percentile", confidence, n_resamples, seed)
    return Trend(
        slope=slope,
        low=low,
        high=high,
        n_seeds=int(runs["seed"].nunique()),
        n_points=int(runs["x"].nunique()),
        spearman=_spearman_of_means(runs),
    )


def verdict(
    low: float, high: float, expect: str, tolerance: float = 0.0
) -> Literal["supported", "contradicted", "inconclusive"]:
    """Whether an interval for a difference or slope bears out an expectation.

    ``expect`` is "greater" (above 0), "less" (below 0) or "equal" (within
    ``[-tolerance, tolerance]``). The interval supports the expectation when it
    lies wholly inside that set, contradicts it when wholly outside (so for
    "greater" an interval ending at exactly 0 contradicts: 0 is not greater),
    and is inconclusive otherwise, including when a bound is NaN.
    """
    if expect not in EXPECTATIONS:
        raise ValueError(f"expect={expect!r} is not one of {', '.join(map(repr, EXPECTATIONS))}")
    if np.isnan(low) or np.isnan(high):
        return "inconclusive"
    if expect == "greater":
        supported, contradicted = low > 0, high <= 0
    elif expect == "less":
        supported, contradicted = high < 0, low >= 0
    else:
        supported = -tolerance <= low and high <= tolerance
        contradicted = low > tolerance or high < -tolerance
    if supported:
        return "supported"
    return "contradicted" if contradicted else "inconclusive"


def standardised_mean(differences: np.ndarray, axis: int = -1) -> np.ndarray:
    """Cohen's d_z: mean difference in units of the differences' standard deviation.

    With no spread the ratio is undefined (NaN), except that all-zero
    differences are no effect at all (0). Needs at least two differences.
    Vectorised along ``axis`` so the bootstrap can call it on all resamples at once.
    """
    mean = np.mean(differences, axis=axis)
    spread = np.ptp(differences, axis=axis) > 0
    sd = np.std(differences, axis=axis, ddof=1)
    ratio = np.divide(mean, sd, out=np.full_like(mean, np.nan), where=spread)
    return np.where(spread, ratio, np.where(mean == 0, 0.0, np.nan))


def signed_rank_p_value(differences: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value; 1 when nothing differs, NaN below two pairs."""
    if differences.size < 2:
        return np.nan
    if not np.any(differences):
        return 1.0
    return float(stats.wilcoxon(differences).pvalue)


def _interval(
    values: np.ndarray,
    statistic: Callable[..., np.ndarray],
    confidence: float,
    n_resamples: int,
    seed: int,
) -> tuple[float, float]:
    """Bootstrap interval of ``statistic``: BCa, or percentile when BCa fails.

    Values that are all equal make every resample the sample itself, so the
    interval is the point. BCa divides by the spread of jackknife values, which
    can be zero or undefined in other small samples; numpy then warns of an
    invalid division, and the percentile interval stands in.
    """
    if values.size < 2:
        return np.nan, np.nan
    if np.ptp(values) == 0:
        point = float(statistic(values))
        return point, point
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            low, high = _bootstrap((values,), statistic, "BCa", confidence, n_resamples, seed)
        except RuntimeWarning:
            low, high = np.nan, np.nan
    if np.isfinite(low) and np.isfinite(high):
        return low, high
    return _bootstrap((values,), statistic, "percentile", confidence, n_resamples, seed)


def _bootstrap(
    samples: tuple[np.ndarray, ...],
    statistic: Callable[..., np.ndarray],
    method: str,
    confidence: float,
    n_resamples: int,
    seed: int,
) -> tuple[float, float]:
    """One scipy bootstrap interval, resampling the samples' rows together.

    A fresh generator per call means every interval from one ``seed`` uses the
    same resamples. A statistic undefined in some resamples (d_z with no
    spread, a slope with no parameter spread) gives a NaN bound, which is the
    answer; scipy's warning about it is silenced.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        result = stats.bootstrap(
            samples,
            statistic,
            paired=True,
            vectorized=True,
            method=method,
            confidence_level=confidence,
            n_resamples=n_resamples,
            rng=np.random.default_rng(seed),
        )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def _mean(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """The mean, in the vectorised form scipy's bootstrap calls."""
    return np.mean(values, axis=axis)


def _runs(x: ArrayLike, y: ArrayLike, groups: ArrayLike) -> pd.DataFrame:
    """One row per usable run: parameter, metric and seed, with incomplete runs dropped."""
    columns = {"x": _observations(x, "x"), "y": _observations(y, "y"), "seed": np.asarray(groups)}
    lengths = {name: len(column) for name, column in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"x, y and groups must have one entry per run; got lengths {lengths}")
    return pd.DataFrame(columns).dropna()


def _seed_sums(runs: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """Per seed: run count and the sums a least-squares slope is built from.

    Resampling seeds then only means adding up their sums, so the cluster
    bootstrap is one vectorised pass. Centring first keeps the sums of
    squares free of cancellation when the parameter is far from zero.
    """
    seed = pd.factorize(runs["seed"])[0]
    x = (runs["x"] - runs["x"].mean()).to_numpy()
    y = (runs["y"] - runs["y"].mean()).to_numpy()
    return tuple(np.bincount(seed, weights=part) for part in (np.ones_like(x), x, y, x * y, x * x))


def _slope(
    count: np.ndarray, x: np.ndarray, y: np.ndarray, xy: np.ndarray, xx: np.ndarray, axis: int = -1
) -> np.ndarray:
    """Least-squares slope from per-seed sums added up along ``axis``; NaN without parameter spread."""
    n, sx, sy, sxy, sxx = (np.sum(part, axis=axis) for part in (count, x, y, xy, xx))
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = sxx - sx**2 / n
        covariation = sxy - sx * sy / n
    has_spread = spread > MIN_PARAMETER_SPREAD * sxx
    return np.divide(covariation, spread, out=np.full_like(spread, np.nan), where=has_spread)


def _spearman_of_means(runs: pd.DataFrame) -> float:
    """Spearman rho between parameter values and the metric's mean at each; NaN if either is constant."""
    means = runs.groupby("x")["y"].mean()
    if len(means) < 2 or means.nunique() < 2:
        return np.nan
    return float(stats.spearmanr(means.index, means.to_numpy()).statistic)


def _observations(values: ArrayLike, name: str) -> np.ndarray:
    """``values`` as a 1-D float array, NaNs kept for the caller to drop."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {array.shape}")
    return array


def _check_confidence(confidence: float) -> None:
    """Reject a confidence level outside (0, 1) before scipy sees it."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must lie strictly between 0 and 1")
