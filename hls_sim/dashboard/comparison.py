"""Compare's runs: both sides over several seeds, made in the worker pool, collected as they finish.

One seed is one draw of the people, their life events and the workers; a
difference between A and B on one seed could be luck. So Compare runs each
side on several seeds (5 by default), the same seeds for both, and reports how
often one side did better. The runs go to ``pool`` (other processes); this
module only collects them, in a background task of the browser session, and
publishes what it has:

- ``progress`` (0 to 1, counting the weeks inside runs) a few times a second;
- ``current``, a ``Comparison``, each time a run finishes, with the charts
  redrawn at most every ``CHART_SECONDS`` and once at the end, drawn here in
  the task's thread, so a redraw on the page only swaps finished pictures.

Data flows one way: settings -> scenarios -> runs -> Comparison -> page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
import solara

from hls_sim.dashboard import pool
from hls_sim.dashboard.worker import SeedRun
from hls_sim.scenario import Scenario

SIDES = ("A", "B")
DEFAULT_SEEDS = 5
MAX_SEEDS = 20
# How often the task looks at the workers' progress, and how often, at most, it redraws the charts.
PROGRESS_SECONDS = 0.25
CHART_SECONDS = 2.0


@dataclass(frozen=True)
class Side:
    """What one side of the comparison was run with."""

    name: str  # short, for sentences: "HLS"
    label: str  # long: "HLS: trust and an alliance"
    scenario: Scenario

    @property
    def regime(self) -> str:
        return f"{self.scenario.funding.mode}-{self.scenario.market.mode}"


@dataclass(frozen=True, eq=False)
class Comparison:
    """Both sides' finished runs so far, and the charts drawn from them."""

    sides: dict[str, Side]
    seeds: tuple[int, ...]
    runs: dict[tuple[str, int], SeedRun] = field(default_factory=dict)
    error: str | None = None
    charts: tuple[Any, ...] = ()
    charted: int = 0  # how many runs the charts were drawn from
    seconds: float = 0.0  # from start to the last run finished

    @property
    def total(self) -> int:
        return len(SIDES) * len(self.seeds)

    @property
    def finished(self) -> bool:
        return len(self.runs) >= self.total

    def paired_seeds(self) -> list[int]:
        """Seeds both sides have finished, in order: the ones a side-by-side verdict can use."""
        return [seed for seed in self.seeds if all((side, seed) in self.runs for side in SIDES)]

    def summaries(self, side: str) -> dict[int, dict[str, float]]:
        return {seed: run.summary for (name, seed), run in self.runs.items() if name == side}

    def weekly(self, side: str) -> list[pd.DataFrame]:
        return [self.runs[(side, seed)].weekly for seed in self.seeds if (side, seed) in self.runs]

    def same_settings(self, sides: dict[str, Side], seeds: tuple[int, ...]) -> bool:
        return self.seeds == seeds and all(
            self.sides[side].scenario == sides[side].scenario for side in SIDES
        )


# One of each per browser session (Solara keeps reactive values per kernel).
current: solara.Reactive[Comparison | None] = solara.reactive(None)
progress = solara.reactive(0.0)

Draw = Callable[[Comparison], tuple[Any, ...]]


def _draw_nothing(comparison: Comparison) -> tuple[Any, ...]:
    return ()


@solara.lab.task(prefer_threaded=True)
def run(sides: dict[str, Side], seeds: tuple[int, ...], draw: Draw = _draw_nothing) -> None:
    """Run both sides on every seed (cached runs are taken as they are) and publish as they finish.

    Starting it again (new settings) cancels the previous one: its runs still
    being made finish in the pool and go to the cache; nothing of them is shown.
    """
    started = time.monotonic()
    comparison = Comparison(sides=sides, seeds=seeds)
    runs: dict[tuple[str, int], SeedRun] = {}
    jobs: dict[Future, tuple[str, int, int]] = {}
    for seed in seeds:
        for side in SIDES:
            hit = pool.cached(sides[side].scenario, seed)
            if hit is not None:
                runs[(side, seed)] = hit
            else:
                job, future = pool.submit(sides[side].scenario, seed)
                jobs[future] = (side, seed, job)
    comparison = replace(comparison, runs=dict(runs))
    progress.value = len(runs) / comparison.total
    current.value = comparison
    last_drawn = 0.0
    error = None
    while jobs and run.is_current():
        finished, _ = wait(list(jobs), timeout=PROGRESS_SECONDS, return_when=FIRST_COMPLETED)
        for future in finished:
            side, seed, job = jobs.pop(future)
            pool.forget([job])
            try:
                result = future.result()
            except Exception as failure:  # noqa: BLE001 - a failed run becomes a message on the page
                error = f"The model stopped on side {side}, seed {seed}: {type(failure).__name__}: {failure}"
                continue
            pool.remember(sides[side].scenario, result)
            runs[(side, seed)] = result
        inside = sum(pool.progress([job for _, _, job in jobs.values()]).values())
        if not run.is_current():
            break
        progress.value = min(1.0, (len(runs) + inside) / comparison.total)
        if finished or error:
            comparison = replace(comparison, runs=dict(runs), error=error, seconds=time.monotonic() - started)
            if time.monotonic() - last_drawn >= CHART_SECONDS and len(runs) > comparison.charted:
                comparison = replace(comparison, charts=draw(comparison), charted=len(runs))
                last_drawn = time.monotonic()
            current.value = comparison
        if error:
            break
    if not run.is_current():
        for future in jobs:
            future.cancel()
        return
    if len(runs) > comparison.charted or not comparison.charts:
        comparison = replace(comparison, charts=draw(comparison), charted=len(runs))
    current.value = replace(comparison, runs=dict(runs), error=error, seconds=time.monotonic() - started)
    progress.value = 1.0
