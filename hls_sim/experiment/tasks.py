"""Runs of an experiment as a worker sees them: what to run, and how to run it.

A task arrives with its full, validated scenario (see ``plan.resolver``), so a
worker needs nothing but this module and the model, and the same task runs the
same on a local process or on a Dask worker on another machine. This module
imports no more than that, because every worker imports it.

Workers get tasks in *chunks* of several runs (``run_chunk``) and send back one
``ChunkResult`` per chunk: the summary rows as plain dicts and the weeks of all
its runs as one Arrow record batch. Short runs then cost one round trip and one
pickled batch per chunk rather than per run, and the driver never builds a
per-run frame.
"""

from __future__ import annotations

import gc
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from hls_sim.model import SupportSystemModel
from hls_sim.scenario import Scenario

OK = "OK"
FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
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
    """One run's outcome: the summary row, and the per-week table as one array per column."""

    row: dict[str, Any]
    steps: dict[str, np.ndarray] | None


TaskFunction = Callable[[Task], TaskResult]


def run_task(task: Task) -> TaskResult:
    """Run one task in a worker; an error is caught and returned as a FAILED row, never raised."""
    started = time.perf_counter()
    try:
        model = SupportSystemModel(scenario=task.scenario, rng=task.seed)
        model.run_to_end()
        summary = model.summary()
        steps = weekly_columns(model) if task.keep_steps else None
    except Exception as error:  # noqa: BLE001 - any failure of one run must not stop the sweep
        return failed_result(task, error, traceback.format_exc(), time.perf_counter() - started)
    row = {**task.labels(), "status": OK, "error": "", "traceback": "", **summary}
    row["run_seconds"] = time.perf_counter() - started
    return TaskResult(row=row, steps=steps)


def weekly_columns(model: SupportSystemModel) -> dict[str, np.ndarray]:
    """The run's weekly table (``model.weekly_table()``) as one array per column.

    Read from the model's DataCollector, as ``mesa.batch_run`` reads it: building
    the DataFrame and taking it apart again costs about 0.7 ms a run, a tenth of
    a short run once the model is fast. A test checks the two agree.
    """
    return {name: np.asarray(values) for name, values in model.datacollector.model_vars.items()}


def failed_result(task: Task, error: BaseException, trace: str, seconds: float = float("nan")) -> TaskResult:
    """The stored record of a run that raised, or whose worker died."""
    message = f"{type(error).__name__}: {error}"
    row = {**task.labels(), "status": FAILED, "error": message, "traceback": trace, "run_seconds": seconds}
    return TaskResult(row=row, steps=None)


@dataclass
class ChunkResult:
    """What a worker sends back for a chunk of runs: summary rows, and all their weeks in one batch."""

    rows: list[dict[str, Any]]
    steps: pa.RecordBatch | None

    @classmethod
    def of(cls, results: list[TaskResult]) -> ChunkResult:
        """Gather the runs' results; the weeks are joined to their run by a ``run_id`` column."""
        with_steps = [result for result in results if result.steps]
        steps = None
        if with_steps:
            columns = {
                name: np.concatenate([result.steps[name] for result in with_steps])
                for name in with_steps[0].steps
            }
            weeks = [len(next(iter(result.steps.values()))) for result in with_steps]
            run_ids = [result.row["run_id"] for result in with_steps]
            columns["run_id"] = np.repeat(np.array(run_ids, dtype=object), weeks)
            steps = pa.RecordBatch.from_pydict(columns)
        return cls(rows=[result.row for result in results], steps=steps)

    def failed(self) -> int:
        return sum(row["status"] == FAILED for row in self.rows)


def run_chunk(task_function: TaskFunction, tasks: list[Task]) -> ChunkResult:
    """Run several tasks one after another in a worker; one run's failure does not touch the others."""
    results = []
    for task in tasks:
        try:
            results.append(task_function(task))
        except Exception as error:  # noqa: BLE001 - a custom task function may raise; record, go on
            results.append(failed_result(task, error, traceback.format_exc()))
    return ChunkResult.of(results)


def start_worker() -> None:
    """Make a new local worker process ready for chunks (the initializer of ``executors``' pool).

    It lives here rather than beside the pool so that a worker forked from the
    fork server, which has imported this module, has nothing to import before
    its first run: the executors module would bring the spec, and with it SciPy
    (about 0.3 s of CPU and 60 MiB of its own memory a worker).
    """
    _leave_interrupts_to_the_driver()
    _share_what_the_fork_server_imported()


def _share_what_the_fork_server_imported() -> None:
    """Keep the pages a worker shares with the fork server shared.

    A worker's memory is the fork server's (the model and its libraries,
    imported once) until it writes to it. The cyclic garbage collector writes to
    every object it visits, so a full collection in a worker would give it its
    own copy of all of them. Objects that exist at the fork are never garbage
    of a run: they are moved out of the collector's sight.
    """
    gc.freeze()


def _leave_interrupts_to_the_driver() -> None:
    """Ctrl-C reaches every process of the terminal; only the driver should act on it.

    The driver then commits the finished runs and stops the pool, instead of
    each worker printing a traceback.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
