"""The sweep: plan the runs, skip the stored ones, run the rest on an executor, stream results to disk.

Only a bounded number of runs is in flight and only one batch of results is
held in the driver, so memory stays flat however many runs a sweep has. A
batch is committed every ``BATCH_RUNS`` runs or ``BATCH_SECONDS`` seconds,
whichever comes first, which bounds the work a kill -9 can lose.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from hls_sim.experiment.executors import Workers
from hls_sim.experiment.global_sensitivity import sensitivity_experiment
from hls_sim.experiment.plan import plan_tasks, resolver
from hls_sim.experiment.spec import Experiment, load_experiment
from hls_sim.experiment.store import ResultsStore, now
from hls_sim.experiment.tasks import FAILED, Task, TaskResult, failed_result, run_task

BATCH_RUNS = 64
BATCH_SECONDS = 15.0
RUNS_IN_FLIGHT_PER_WORKER = 2
POOL_RESTARTS = 3

TaskFunction = Callable[[Task], TaskResult]


@dataclass(frozen=True)
class SweepOutcome:
    """What one invocation of a sweep did."""

    folder: Path
    total: int
    skipped: int
    ran: int
    failed: int
    seconds: float

    def last_line(self) -> str:
        return (
            f"{self.total} runs: {self.skipped} already stored, {self.ran} run now "
            f"in {self.seconds:.1f} s, {self.failed} failed"
        )


def sweep(
    spec: Experiment | str | Path,
    out: str | Path,
    *,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    seeds: int | None = None,
    progress: bool | None = None,
    task_function: TaskFunction = run_task,
) -> SweepOutcome:
    """Run every stored-not-yet run of an experiment into the results folder ``out``.

    ``progress=None`` shows a progress bar only when stderr is a terminal. An
    interruption (Ctrl-C) commits the finished runs before it propagates.
    """
    experiment = spec if isinstance(spec, Experiment) else load_experiment(spec)
    experiment = experiment.with_seeds(seeds)
    with Workers(executor, workers or os.cpu_count() or 1, scheduler) as pool:
        store, experiment = ResultsStore.open(out, experiment)
        return _sweep_into(store, experiment, pool, progress, task_function)


def _sweep_into(
    store: ResultsStore,
    experiment: Experiment,
    pool: Workers,
    progress: bool | None,
    task_function: TaskFunction,
) -> SweepOutcome:
    tasks = plan_tasks(experiment)
    done = store.done_run_ids()
    todo = [task for task in tasks if task.run_id not in done]
    clock = time.perf_counter()
    session = {"start": now(), "executor": pool.kind, "workers": pool.count, "seeds": experiment.spec.seeds}
    bar = tqdm(
        total=len(todo),
        desc=experiment.name,
        unit="run",
        file=sys.stderr,
        disable=None if progress is None else not progress,
    )
    counts = {"ran": 0, "failed": 0}
    status = "interrupted"
    try:
        for result in _results(todo, experiment, pool, task_function, store):
            counts["ran"] += 1
            counts["failed"] += result.row["status"] == FAILED
            bar.update()
            bar.set_postfix(failed=counts["failed"], refresh=False)
        status = "finished"
    finally:
        bar.close()
        store.consolidate()
        store.record_session({**session, "end": now(), "status": status, "runs": len(tasks), **counts})
    return SweepOutcome(
        folder=store.folder,
        total=len(tasks),
        skipped=len(tasks) - len(todo),
        ran=counts["ran"],
        failed=counts["failed"],
        seconds=time.perf_counter() - clock,
    )


def _results(
    todo: list[Task], experiment: Experiment, pool: Workers, task_function: TaskFunction, store: ResultsStore
) -> Iterator[TaskResult]:
    """Yield each finished run, committing them in batches; a broken local pool is replaced."""
    remaining = list(todo)
    for _ in range(POOL_RESTARTS + 1):
        batch = _Batch(store)
        try:
            yield from _run_on(pool, remaining, experiment, task_function, batch)
        finally:
            batch.commit()
        remaining = [task for task in remaining if task.run_id not in batch.finished]
        if not remaining or not pool.replace_broken():
            return


class _Batch:
    """Finished runs waiting to be committed together."""

    def __init__(self, store: ResultsStore) -> None:
        self.store = store
        self.results: list[TaskResult] = []
        self.finished: set[str] = set()
        self.since = time.monotonic()

    def add(self, result: TaskResult) -> None:
        self.results.append(result)
        if len(self.results) >= BATCH_RUNS or self.age() >= BATCH_SECONDS:
            self.commit()

    def age(self) -> float:
        return time.monotonic() - self.since

    def commit(self) -> None:
        self.store.write_batch(self.results)
        self.finished.update(result.row["run_id"] for result in self.results)
        self.results = []
        self.since = time.monotonic()


def _run_on(
    pool: Workers, tasks: list[Task], experiment: Experiment, task_function: TaskFunction, batch: _Batch
) -> Iterator[TaskResult]:
    """Keep a bounded number of runs in flight and yield each result as it arrives.

    A run whose future raises (its worker died, or a custom task function
    raised) is recorded as FAILED. A broken local pool ends this pass: the
    runs in flight are recorded as FAILED and the caller reopens the pool.
    """
    queue = iter(tasks)
    resolve = resolver(experiment)
    in_flight: dict[Future, Task] = {}
    limit = pool.count * RUNS_IN_FLIGHT_PER_WORKER
    broken = False
    while True:
        while not broken and len(in_flight) < limit:
            task = next(queue, None)
            if task is None:
                break
            try:
                in_flight[pool.executor.submit(task_function, resolve(task))] = task
            except BrokenProcessPool:
                broken = True
        if not in_flight:
            return
        finished, _ = wait(in_flight, timeout=BATCH_SECONDS, return_when=FIRST_COMPLETED)
        for future in finished:
            result, died = _outcome(future, in_flight.pop(future))
            broken = broken or died
            batch.add(result)
            yield result
        if batch.results and batch.age() >= BATCH_SECONDS:
            batch.commit()


def _outcome(future: Future, task: Task) -> tuple[TaskResult, bool]:
    """The run's result, or a FAILED record if the future raised; and whether the pool broke."""
    try:
        return future.result(), False
    except BrokenProcessPool as error:
        return failed_result(task, error, "the worker process running this task died"), True
    except Exception as error:  # noqa: BLE001 - one run's failure must not stop the sweep
        return failed_result(task, error, "".join(traceback.format_exception(error))), False


def sensitivity(
    spec: Experiment | str | Path,
    out: str | Path,
    *,
    method: str = "morris",
    executor: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    seeds: int | None = None,
    progress: bool | None = None,
) -> SweepOutcome:
    """Run the SALib sample of the spec's ``[sensitivity]`` section into ``out`` (a sweep like any other)."""
    experiment = spec if isinstance(spec, Experiment) else load_experiment(spec)
    return sweep(
        sensitivity_experiment(experiment, method),
        out,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        seeds=seeds,
        progress=progress,
    )
