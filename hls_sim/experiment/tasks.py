"""One run of an experiment as a worker sees it: what to run, and how to run it.

A task arrives with its full, validated scenario (see ``plan.resolver``), so a
worker needs nothing but this module and the model, and the same task runs the
same on a local process or on a Dask worker on another machine. This module
imports no more than that, because every worker imports it.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from hls_sim.model import SupportSystemModel
from hls_sim.scenario import Scenario

OK = "OK"
FAILED = "FAILED"


@dataclass(frozen=True)
class Task:
    """One (scenario, arm, parameter point, seed) of an experiment."""

    run_id: str
    experiment: str
    scenario_name: str
    arm: str
    point: int
    parameters: dict[str, Any]
    seed_index: int
    seed: int
    keep_steps: bool = True
    scenario: Scenario | None = field(default=None, repr=False)

    def labels(self) -> dict[str, Any]:
        """The columns that say which run this is, as stored beside its results."""
        return {
            "experiment": self.experiment,
            "run_id": self.run_id,
            "scenario": self.scenario_name,
            "arm": self.arm,
            "point": self.point,
            **self.parameters,
            "seed_index": self.seed_index,
            "seed": self.seed,
        }


@dataclass
class TaskResult:
    """What a worker sends back: the summary row, and the per-week table as columns."""

    row: dict[str, Any]
    steps: dict[str, list] | None


def run_task(task: Task) -> TaskResult:
    """Run one task in a worker; an error is caught and returned as a FAILED row, never raised."""
    started = time.perf_counter()
    try:
        model = SupportSystemModel(scenario=task.scenario, rng=task.seed)
        model.run_to_end()
        summary = model.summary()
        steps = model.weekly_table().to_dict(orient="list") if task.keep_steps else None
    except Exception as error:  # noqa: BLE001 - any failure of one run must not stop the sweep
        return failed_result(task, error, traceback.format_exc(), time.perf_counter() - started)
    row = {**task.labels(), "status": OK, "error": "", "traceback": "", **summary}
    row["run_seconds"] = time.perf_counter() - started
    return TaskResult(row=row, steps=steps)


def failed_result(task: Task, error: BaseException, trace: str, seconds: float = float("nan")) -> TaskResult:
    """The stored record of a run that raised, or whose worker died."""
    message = f"{type(error).__name__}: {error}"
    row = {**task.labels(), "status": FAILED, "error": message, "traceback": trace, "run_seconds": seconds}
    return TaskResult(row=row, steps=None)
