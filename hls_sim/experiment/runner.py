"""The sweep: plan the runs, skip the stored ones, run the rest on an executor, stream results to disk.

Runs go to the workers in chunks of several, sized so that a chunk takes about
``CHUNK_SECONDS``: short runs then cost one round trip per chunk, not per run.
Only a bounded number of chunks is in flight and only one batch of results is
held in the driver, so memory stays flat however many runs a sweep has. A
batch is committed every ``BATCH_RUNS`` runs or ``BATCH_SECONDS`` seconds,
whichever comes first, which bounds the work a kill -9 can lose.
"""

from __future__ import annotations

import math
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from tqdm import tqdm

from hls_sim.experiment.executors import Workers
from hls_sim.experiment.global_sensitivity import sensitivity_experiment
from hls_sim.experiment.plan import plan_tasks, resolver
from hls_sim.experiment.spec import Experiment, load_experiment
from hls_sim.experiment.store import ResultsStore, arrow_memory_from_the_system, now
from hls_sim.experiment.tasks import ChunkResult, Task, TaskFunction, failed_result, run_chunk, run_task

BATCH_RUNS = 256
BATCH_SECONDS = 15.0
CHUNK_SECONDS = 0.5
MAX_CHUNK_RUNS = 128
# Chunks in flight per worker: one running, one waiting, so a worker never idles between chunks.
CHUNKS_IN_FLIGHT_PER_WORKER = 2
# Near the end chunks shrink, so that the last ones finish together rather than one worker
# running a long chunk while the others wait: at most 1/TAIL_CHUNKS of each worker's remaining share.
TAIL_CHUNKS = 4
POOL_RESTARTS = 3


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
    with Workers(executor, workers or os.cpu_count() or 1, scheduler) as pool, arrow_memory_from_the_system():
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
        for chunk in _results(todo, experiment, pool, task_function, store):
            counts["ran"] += len(chunk.rows)
            counts["failed"] += chunk.failed()
            bar.update(len(chunk.rows))
            bar.set_postfix(failed=counts["failed"], refresh=False)
        status = "finished"
    finally:
        bar.close()
        store.close_session({**session, "end": now(), "status": status, "runs": len(tasks), **counts})
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
) -> Iterator[ChunkResult]:
    """Yield each finished chunk, committing them in batches; a broken local pool is replaced.

    Runs in flight when a pool breaks are recorded as FAILED (rerunning the
    sweep retries them); the runs not yet sent go to the new pool.
    """
    chunks = _Chunks(todo, resolver(experiment), pool.count)
    for _ in range(POOL_RESTARTS + 1):
        batch = _Batch(store)
        try:
            yield from _run_on(pool, chunks, task_function, batch)
        finally:
            batch.commit()
        if chunks.all_taken() or not pool.replace_broken():
            return


class _Batch:
    """Finished runs waiting to be committed together: their rows, and their weeks as Arrow batches."""

    def __init__(self, store: ResultsStore) -> None:
        self.store = store
        self.rows: list[dict] = []
        self.steps: list[pa.RecordBatch] = []
        self.since = time.monotonic()

    def add(self, chunk: ChunkResult) -> None:
        self.rows += chunk.rows
        if chunk.steps is not None:
            self.steps.append(chunk.steps)
        if len(self.rows) >= BATCH_RUNS or self.age() >= BATCH_SECONDS:
            self.commit()

    def age(self) -> float:
        return time.monotonic() - self.since

    def commit(self) -> None:
        self.store.write_batch(self.rows, self.steps)
        self.rows, self.steps = [], []
        self.since = time.monotonic()


class _Chunks:
    """Cuts the queue of runs into chunks of about ``CHUNK_SECONDS`` of work, from the runs timed so far.

    The first chunks are single runs, until there is a time to go by.
    """

    def __init__(self, tasks: list[Task], resolve: Callable[[Task], Task], workers: int) -> None:
        self.tasks = tasks
        self.resolve = resolve
        self.workers = workers
        self.taken = 0
        self.timed_runs = 0
        self.timed_seconds = 0.0

    def observe(self, chunk: ChunkResult) -> None:
        for row in chunk.rows:
            if math.isfinite(row["run_seconds"]):
                self.timed_runs += 1
                self.timed_seconds += row["run_seconds"]

    def take(self) -> list[Task]:
        """The next chunk, each task with its scenario; empty when all are taken."""
        remaining = len(self.tasks) - self.taken
        size = 1
        if self.timed_runs:
            per_run = self.timed_seconds / self.timed_runs
            size = min(MAX_CHUNK_RUNS, int(CHUNK_SECONDS / max(per_run, 1e-6)))
        size = max(1, min(size, remaining // (self.workers * TAIL_CHUNKS)))
        chunk = self.tasks[self.taken : self.taken + size]
        self.taken += len(chunk)
        return [self.resolve(task) for task in chunk]

    def put_back(self, chunk: list[Task]) -> None:
        """Return the chunk just taken, which could not be sent."""
        self.taken -= len(chunk)

    def all_taken(self) -> bool:
        return self.taken == len(self.tasks)


def _run_on(
    pool: Workers, chunks: _Chunks, task_function: TaskFunction, batch: _Batch
) -> Iterator[ChunkResult]:
    """Keep a bounded number of chunks in flight and yield each one's result as it arrives.

    A chunk whose future raises (its worker died) has its runs recorded as
    FAILED. A broken local pool ends this pass: the runs in flight are recorded
    as FAILED and the caller reopens the pool.
    """
    in_flight: dict[Future, list[Task]] = {}
    limit = pool.count * CHUNKS_IN_FLIGHT_PER_WORKER
    broken = False
    while True:
        while not broken and len(in_flight) < limit:
            chunk = chunks.take()
            if not chunk:
                break
            try:
                in_flight[pool.executor.submit(run_chunk, task_function, chunk)] = chunk
            except BrokenProcessPool:
                chunks.put_back(chunk)
                broken = True
        if not in_flight:
            return
        finished, _ = wait(in_flight, timeout=BATCH_SECONDS, return_when=FIRST_COMPLETED)
        for future in finished:
            result, died = _outcome(future, in_flight.pop(future))
            broken = broken or died
            chunks.observe(result)
            batch.add(result)
            yield result
        if batch.rows and batch.age() >= BATCH_SECONDS:
            batch.commit()


def _outcome(future: Future, chunk: list[Task]) -> tuple[ChunkResult, bool]:
    """The chunk's result, or FAILED records of its runs if the future raised; and whether the pool broke."""
    try:
        return future.result(), False
    except BrokenProcessPool as error:
        message = "the worker process running this task died"
        return ChunkResult.of([failed_result(task, error, message) for task in chunk]), True
    except Exception as error:  # noqa: BLE001 - one chunk's failure must not stop the sweep
        trace = "".join(traceback.format_exception(error))
        return ChunkResult.of([failed_result(task, error, trace) for task in chunk]), False


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
