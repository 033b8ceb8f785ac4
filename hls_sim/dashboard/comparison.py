"""Compare's runs: both sides over several seeds, made in the worker pool, collected as they finish.

One seed is one draw of the people, their life events and the workers; a
difference between A and B on one seed could be luck. So Compare runs each
side on several seeds (5 by default), the same seeds for both, and reports how
often one side did better. The runs go to ``pool`` (other processes); this
module only collects them, in a background task of the browser session, and
publishes what it has:

- ``progress`` (0 to 1, counting the weeks inside runs) a few times a second;
- ``current``, a ``Comparison``, each time a run finishes (the headline fills
  in), with the charts drawn in a thread of their own once every run is done.
  On this 2-core machine drawing takes a core from the runs, so while runs go on
  the charts are only drawn when the comparison is a long one (``LONG_SECONDS``),
  then at most every ``CHART_SECONDS``. The page only swaps finished pictures.

Data flows one way: settings -> scenarios -> runs -> Comparison -> page.
"""

from __future__ import annotations

import math
import threading
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
# How often the task looks at the workers' progress; how often, at most, it redraws the charts
# while runs go on, and after how long a comparison counts as long enough to draw while it runs.
PROGRESS_SECONDS = 0.25
CHART_SECONDS = 2.0
LONG_SECONDS = 30.0


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
# Counts comparisons started, so a chart drawn for an earlier one is never shown over a later one.
generation = solara.reactive(0)

Draw = Callable[[Comparison], tuple[Any, ...]]


def _draw_nothing(comparison: Comparison) -> tuple[Any, ...]:
    return ()


class Publisher:
    """Puts what the runs and the charts have produced together, from two threads, into ``current``.

    The task's own thread collects runs and publishes each at once (the
    headline); a second thread draws the charts, at most every ``CHART_SECONDS``,
    so drawing never holds back a finished run.
    """

    def __init__(self, comparison: Comparison, draw: Draw, still_wanted: Callable[[], bool]):
        self.started = time.monotonic()
        self.comparison = comparison
        self.draw = draw
        self.still_wanted = still_wanted
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.closing = False
        self.drawer = threading.Thread(target=self._draw_loop, name="hls-sim-compare-charts", daemon=True)

    def runs(self, runs: dict[tuple[str, int], SeedRun], error: str | None, seconds: float) -> None:
        with self.lock:
            self.comparison = replace(self.comparison, runs=dict(runs), error=error, seconds=seconds)
            self._publish()
        self.wake.set()

    def _publish(self) -> None:
        if self.still_wanted():
            current.value = self.comparison

    def _draw_loop(self) -> None:
        last, took = -math.inf, 0.0
        while True:
            self.wake.wait()
            self.wake.clear()
            if not self.still_wanted():
                return
            with self.lock:
                comparison, closing = self.comparison, self.closing
            long = time.monotonic() - self.started > LONG_SECONDS
            ready = closing or (long and bool(comparison.paired_seeds()))
            if ready and (len(comparison.runs) > comparison.charted or (closing and not comparison.charts)):
                # Drawing takes a core from the runs: while they go on, draw at most every
                # CHART_SECONDS, and less often when drawing is slow (a busy machine).
                pause = max(CHART_SECONDS, 2 * took) - (time.monotonic() - last)
                if pause > 0 and not closing:
                    time.sleep(pause)
                    with self.lock:
                        comparison, closing = self.comparison, self.closing
                last = time.monotonic()
                charts = self.draw(comparison)
                took = time.monotonic() - last
                with self.lock:
                    self.comparison = replace(self.comparison, charts=charts, charted=len(comparison.runs))
                    self._publish()
                    drawn_all = self.comparison.charted == len(self.comparison.runs)
                if closing and drawn_all:
                    return
                if not drawn_all:
                    self.wake.set()
            elif closing:
                return

    def start(self) -> None:
        self.drawer.start()
        self.wake.set()

    def finish(self) -> None:
        """Draw from every run, then stop the drawing thread (returns once the last charts are up)."""
        with self.lock:
            self.closing = True
        self.wake.set()
        self.drawer.join()


@solara.lab.task(prefer_threaded=True)
def run(sides: dict[str, Side], seeds: tuple[int, ...], draw: Draw = _draw_nothing) -> None:
    """Run both sides on every seed (cached runs are taken as they are) and publish as they finish.

    Starting it again (new settings) cancels the previous one: its runs still
    being made finish in the pool and go to the cache; nothing of them is shown.
    """
    started = time.monotonic()
    generation.value += 1
    mine = generation.value
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
    publisher = Publisher(Comparison(sides=sides, seeds=seeds), draw, lambda: generation.value == mine)
    total = publisher.comparison.total
    progress.value = len(runs) / total
    publisher.runs(runs, None, 0.0)
    publisher.start()
    error = None
    while jobs and run.is_current() and error is None:
        finished, _ = wait(list(jobs), timeout=PROGRESS_SECONDS, return_when=FIRST_COMPLETED)
        for future in finished:
            side, seed, job = jobs.pop(future)
            pool.forget([job])
            if future.cancelled():
                # Another page's comparison gave this run up before it started: make it again.
                job, again = pool.submit(sides[side].scenario, seed)
                jobs[again] = (side, seed, job)
                continue
            try:
                runs[(side, seed)] = future.result()
            except Exception as failure:  # noqa: BLE001 - a failed run becomes a message on the page
                error = f"The model stopped on side {side}, seed {seed}: {type(failure).__name__}: {failure}"
        inside = sum(pool.progress([job for _, _, job in jobs.values()]).values())
        if not run.is_current():
            break
        progress.value = min(1.0, (len(runs) + inside) / total)
        if finished or error:
            publisher.runs(runs, error, time.monotonic() - started)
    if not run.is_current():
        # Runs not yet started are given up; those under way finish into the cache.
        for future in jobs:
            future.cancel()
        publisher.wake.set()
        return
    progress.value = 1.0
    publisher.finish()
