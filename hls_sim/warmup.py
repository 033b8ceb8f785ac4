"""Choosing the burn-in: how long a run must go before what it records is in steady state.

A run starts from a population drawn afresh, with nobody supported, no
relationships, no history. Each regime then takes years to settle (trust-based
funding keeps building people's strengths; competition keeps selecting
cultures), so a regime gap measured too early depends on the run length. The
burn-in is chosen by MSER-5 (White 1997; White, Cobb and Spratt 2000; Hoad,
Robinson and Davies 2010 found it the best-performing automated warm-up
method): batch the weekly series in fives and cut the number of batches that
minimises the squared standard error of the mean of what remains, searching
the first half of the series. Pilot runs with no burn-in are made for each
regime over several seeds, their weekly mean is searched, and the burn-in is
the longest cut any regime needs, rounded up to a whole quarter.

pyMSER, the maintained MSER package on PyPI, requires PyTorch, which is far too
heavy for this: the rule is written out here instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hls_sim.parameters.calendar import WEEKS_PER_QUARTER
from hls_sim.scenario import Scenario, apply_overrides

BATCH = 5


def mser5(series: np.ndarray) -> int:
    """The number of leading weeks MSER-5 cuts from ``series``."""
    values = np.asarray(series, dtype=float)
    batches = len(values) // BATCH
    if batches < 2:
        return 0
    means = values[: batches * BATCH].reshape(batches, BATCH).mean(axis=1)
    remaining = np.arange(batches, 0, -1)
    # Sums over each tail means[d:], d = 0 .. batches-1, computed from the end.
    tail_sum = np.cumsum(means[::-1])[::-1]
    tail_square = np.cumsum((means**2)[::-1])[::-1]
    spread = tail_square - tail_sum**2 / remaining
    score = spread / remaining**2
    cut = int(np.argmin(score[: batches // 2 + 1]))
    return cut * BATCH


@dataclass(frozen=True)
class WarmUp:
    """What the pilot runs found: each regime's cut and the burn-in that covers them all."""

    metric: str
    weeks: int
    seeds: tuple[int, ...]
    cuts: dict[str, int]

    @property
    def burn_in(self) -> int:
        longest = max(self.cuts.values(), default=0)
        return int(np.ceil(longest / WEEKS_PER_QUARTER) * WEEKS_PER_QUARTER)


def pilot_series(
    scenario: Scenario, regime: str, seeds: Sequence[int], weeks: int, metric: str
) -> np.ndarray:
    """The weekly ``metric`` of ``regime`` with no burn-in, averaged over ``seeds``."""
    from hls_sim.api import simulate
    from hls_sim.regimes import regime_overrides

    steady = scenario.model_copy(update={"regime_change": []})
    base = apply_overrides(steady, {**regime_overrides(regime), "burn_in": 0, "weeks": weeks})
    runs = [simulate(base, seed=seed).weekly_table()[metric].to_numpy(dtype=float) for seed in seeds]
    return np.mean(runs, axis=0)


def choose_burn_in(
    scenario: Scenario,
    regimes: Sequence[str],
    seeds: Sequence[int] = (1, 2, 3),
    weeks: int = 520,
    metric: str = "wellbeing_mean",
) -> WarmUp:
    """MSER-5 on pilot runs of each regime; the burn-in is the longest cut, in whole quarters."""
    cuts = {regime: mser5(pilot_series(scenario, regime, seeds, weeks, metric)) for regime in regimes}
    return WarmUp(metric=metric, weeks=weeks, seeds=tuple(seeds), cuts=cuts)
