"""The runs behind Trainer mode: Campbell's Law measured on a small place.

Campbell (1979) warned that the more a quantitative indicator is used to make
decisions, the more it is corrupted and the less it tells you about what it was
meant to measure. Lowe and Plimmer (2019, "Learning and accountability") take
this as a reason to stop paying on targets. Here the warning is a hypothesis:
these functions run the model at rising stakes (``funding.pbr_share``, the share
of payment that rides on the reported indicator) and report what it measured,
so Trainer mode can show the pattern when it appears and say so when it does not.

Everything here is data (dataclasses, dicts and pandas tables); nothing draws.
Runs are cached per process, keyed by stakes, seed and overrides, so a second
presentation in the same server costs nothing, and they are made one at a time
(a process-wide lock) so that two rooms presenting at once share the cache
instead of doubling the load.

The measure of meaning is the *closure correlation*: over every case closed in
a run, the correlation between "reported to the commissioner as a success" and
"really a success" (both yes/no, so this is the phi coefficient). It is 1 when
the report tells the truth about every case and 0 when it says nothing about it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import hls_sim
from hls_sim.parameters.measurement import INDICATOR_WINDOW
from hls_sim.scenario import Scenario, load_scenario

# The shipped small place (scenarios/small-place.toml): a fraction of a second a run.
SMALL_PLACE: Scenario = load_scenario("small-place")
# Payment by results throughout, so only the share riding on the indicator changes.
TARGET_FUNDING: dict[str, Any] = {"funding.mode": "target"}
STAKES: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
SEEDS: tuple[int, ...] = (1, 2, 3)
HIGH_STAKES = 0.8
SCREEN_SEED = 1
# Where Campbell's Law should fail (docs/ODD.md, fact 1): the indicator is the
# outcome and every report is audited.
COUNTER_SETTING: dict[str, Any] = {"indicator.aligned": True, "indicator.audit_rate": 1.0}
WEEKLY = ("week", "indicator_reported", "indicator_true", "wellbeing_mean", "gaming_gap")
SWEEP_MEASURES = ("indicator_reported", "indicator_true", "wellbeing_mean", "gaming_gap", "correlation")
# Changes smaller than these (highest stakes minus none) are read as "no change".
TOLERANCE = {
    "indicator_reported": 0.02,
    "indicator_true": 0.02,
    "wellbeing_mean": 0.005,
    "gaming_gap": 0.02,
    "correlation": 0.05,
}


@dataclass(frozen=True)
class RunResult:
    """What Trainer mode needs from one finished run."""

    pbr_share: float
    seed: int
    settings: tuple[tuple[str, Any], ...]
    summary: dict[str, float]
    weekly: pd.DataFrame
    correlation: float


@dataclass(frozen=True)
class LessonState:
    """How far the lesson's runs have got, and what is ready to show."""

    done: int
    total: int
    screens: dict[str, RunResult] | None = None
    sweep: pd.DataFrame | None = None


def closure_correlation(reported: np.ndarray, true: np.ndarray) -> float:
    """Phi coefficient between reported and true success over closures; NaN if either never varies."""
    reported = np.asarray(reported, dtype=float)
    true = np.asarray(true, dtype=float)
    if len(reported) < 2 or reported.std() == 0 or true.std() == 0:
        return float("nan")
    return float(np.corrcoef(reported, true)[0, 1])


def settings(overrides: Mapping[str, Any] | None = None) -> tuple[tuple[str, Any], ...]:
    """The hashable key of a lesson's overrides (on top of the small place and target funding)."""
    return tuple(sorted({**TARGET_FUNDING, **dict(overrides or {})}.items()))


_RUN_LOCK = threading.Lock()


@functools.lru_cache(maxsize=512)
def _cached_run(pbr_share: float, seed: int, key: tuple[tuple[str, Any], ...]) -> RunResult:
    model = hls_sim.simulate(SMALL_PLACE, seed=seed, overrides={**dict(key), "funding.pbr_share": pbr_share})
    # The per-closure log behind the summary's indicator (``Observations.records``): the summary
    # holds only its means, and the correlation needs the cases themselves.
    records = model.observe.records
    return RunResult(
        pbr_share=pbr_share,
        seed=seed,
        settings=key,
        summary=model.summary(),
        weekly=model.weekly_table().loc[:, list(WEEKLY)].copy(),
        correlation=closure_correlation(records.closure_reported, records.closure_true),
    )


def run_at(pbr_share: float, seed: int, overrides: Mapping[str, Any] | None = None) -> RunResult:
    """One small-place run at these stakes and seed (cached; one run at a time per process)."""
    with _RUN_LOCK:
        return _cached_run(float(pbr_share), int(seed), settings(overrides))


def screen_runs(
    seed: int = SCREEN_SEED, stakes: float = HIGH_STAKES, overrides: Mapping[str, Any] | None = None
) -> dict[str, RunResult]:
    """The two runs of screens 1 to 4: ``"none"`` (nothing on the indicator) and ``"stakes"``."""
    return {"none": run_at(0.0, seed, overrides), "stakes": run_at(stakes, seed, overrides)}


def sweep_table(
    stakes: tuple[float, ...] = STAKES,
    seeds: tuple[int, ...] = SEEDS,
    overrides: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """One row per run of the sweep: stakes, seed and the measures of ``SWEEP_MEASURES``."""
    rows = []
    for pbr_share in stakes:
        for seed in seeds:
            result = run_at(pbr_share, seed, overrides)
            rows.append(
                {
                    "pbr_share": float(pbr_share),
                    "seed": seed,
                    **{key: result.summary[key] for key in SWEEP_MEASURES if key != "correlation"},
                    "correlation": result.correlation,
                }
            )
    return pd.DataFrame(rows, columns=["pbr_share", "seed", *SWEEP_MEASURES])


def campbell_sweep(
    stakes: tuple[float, ...] = STAKES,
    seeds: tuple[int, ...] = SEEDS,
    overrides: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """One row per stake: the number of runs, and each measure's mean, lowest and highest over seeds.

    Columns: ``pbr_share``, ``runs``, then each of ``SWEEP_MEASURES`` (the mean), then
    ``<measure>_low`` and ``<measure>_high``.
    """
    groups = sweep_table(stakes, seeds, overrides).groupby("pbr_share", sort=True)
    measures = list(SWEEP_MEASURES)
    low = groups[measures].min().add_suffix("_low")
    high = groups[measures].max().add_suffix("_high")
    means = groups[measures].mean()
    means.insert(0, "runs", groups.size())
    return pd.concat([means, low, high], axis=1).reset_index()


def change(sweep: pd.DataFrame, measure: str) -> float:
    """The measure at the highest stakes minus at the lowest."""
    ordered = sweep.sort_values("pbr_share")
    return float(ordered[measure].iloc[-1] - ordered[measure].iloc[0])


def direction(difference: float, tolerance: float) -> str:
    """``"rose"``, ``"fell"`` or ``"held level"``: the word for a change, given what counts as none."""
    if not np.isfinite(difference):
        return "could not be measured"
    if difference > tolerance:
        return "rose"
    if difference < -tolerance:
        return "fell"
    return "held level"


def trend(sweep: pd.DataFrame, measure: str) -> str:
    """The direction of a measure across the sweep (see ``direction`` and ``TOLERANCE``)."""
    return direction(change(sweep, measure), TOLERANCE[measure])


def full_quarters(result: RunResult) -> pd.DataFrame:
    """The weekly rows whose indicator covers a whole quarter of closures.

    The weekly indicator is read over the last ``INDICATOR_WINDOW`` weeks, so the
    first weeks of a run rest on a handful of cases and swing from 0 to 100%.
    """
    return result.weekly[result.weekly["week"] >= INDICATOR_WINDOW - 1]


def weekly_agreement(result: RunResult) -> dict[str, float]:
    """How closely the weekly reported indicator follows the true one, over the full-quarter weeks.

    ``correlation`` is across weeks; ``gap`` the mean reported minus true.
    """
    weekly = full_quarters(result).dropna(subset=["indicator_reported", "indicator_true"])
    reported, true = weekly["indicator_reported"], weekly["indicator_true"]
    correlation = float(reported.corr(true)) if len(weekly) > 2 else float("nan")
    return {"correlation": correlation, "gap": float((reported - true).mean())}


def lesson_runs(
    stakes: tuple[float, ...] = STAKES,
    seeds: tuple[int, ...] = SEEDS,
    screen_seed: int = SCREEN_SEED,
    high_stakes: float = HIGH_STAKES,
) -> list[tuple[float, int]]:
    """Every (stakes, seed) the lesson needs, the two screen runs first."""
    first = [(0.0, screen_seed), (high_stakes, screen_seed)]
    rest = [(float(p), s) for p in stakes for s in seeds if (float(p), s) not in first]
    return first + rest


def prepare_lesson(overrides: Mapping[str, Any] | None = None) -> Iterator[LessonState]:
    """Make the lesson's runs one by one, yielding progress; screens come ready before the sweep."""
    needed = lesson_runs()
    screens = None
    for done, (pbr_share, seed) in enumerate(needed, start=1):
        run_at(pbr_share, seed, overrides)
        if done == 2:
            screens = screen_runs(overrides=overrides)
        yield LessonState(done=done, total=len(needed), screens=screens)
    yield LessonState(
        done=len(needed),
        total=len(needed),
        screens=screen_runs(overrides=overrides),
        sweep=campbell_sweep(overrides=overrides),
    )
