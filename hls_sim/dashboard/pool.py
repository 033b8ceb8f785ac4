"""The dashboard's worker processes: the comparison's runs are made here, off the page's process.

A run holds the CPU for about a second; made in the server's own process it
would also hold Python's lock, and every click and redraw of every open page
would wait behind it. So the runs go to a small pool of processes (two by
default, ``HLS_SIM_DASHBOARD_WORKERS``), started from a fork server that has
imported the model once (as ``hls_sim.experiment`` does), and the page's
process only collects what they send back.

The pool is shared by every browser tab of one server, and so is a cache of
finished runs keyed by the full scenario and the seed: a second tab, or a
return to settings already run, shows its results at once, and a run asked
for while it is being made is not made twice. Runs are reproducible from their
seed, so a cached result is the run itself. The server starts the runs of the
page's opening comparison as it starts (``prefetch``), before anyone asks.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import count

from hls_sim.dashboard.worker import SeedRun, run_seed, start_worker
from hls_sim.scenario import Scenario

CACHE_RUNS = 400

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_queue: multiprocessing.Queue | None = None
_jobs = count(1)
_progress: dict[int, float] = {}
_cache: OrderedDict[tuple[str, int], SeedRun] = OrderedDict()
_making: dict[tuple[str, int], tuple[int, Future]] = {}


def workers() -> int:
    """How many worker processes: ``HLS_SIM_DASHBOARD_WORKERS``, else 2 (or 1 on a one-core machine)."""
    setting = os.environ.get("HLS_SIM_DASHBOARD_WORKERS", "")
    if setting.isdigit() and int(setting) > 0:
        return int(setting)
    return max(1, min(2, os.cpu_count() or 1))


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["hls_sim.dashboard.worker", "hls_sim.preload"])
        return context
    return multiprocessing.get_context("spawn")


def pool() -> ProcessPoolExecutor:
    """The shared pool, started on first use and started again if a worker died."""
    global _pool, _queue
    with _lock:
        if _pool is None or getattr(_pool, "_broken", False):
            context = _context()
            _queue = context.Queue()
            _pool = ProcessPoolExecutor(
                max_workers=workers(),
                mp_context=context,
                initializer=start_worker,
                initargs=(_queue, os.getpid()),
            )
        return _pool


def warm(opening: Callable[[], tuple[list[Scenario], tuple[int, ...]]] | None = None) -> None:
    """Start the pool and its workers in the background, so the first page does not wait for them.

    ``opening`` gives the scenarios and seeds the page opens with; their runs start at once.
    """

    def start() -> None:
        try:
            executor = pool()
            for future in [executor.submit(int) for _ in range(workers())]:
                future.result()
        except RuntimeError:  # the interpreter is shutting down before the pool started: nothing to warm
            return
        if opening is not None:
            prefetch(*opening())

    threading.Thread(target=start, name="hls-sim-pool-warm", daemon=True).start()


def cache_key(scenario: Scenario, seed: int) -> tuple[str, int]:
    return scenario.model_dump_json(), seed


def cached(scenario: Scenario, seed: int) -> SeedRun | None:
    with _lock:
        return _cache.get(cache_key(scenario, seed))


def submit(scenario: Scenario, seed: int) -> tuple[int, Future]:
    """Start one run in the pool, or join it if it is being made; returns its job number and future.

    The finished run goes to the cache whoever asked for it.
    """
    key = cache_key(scenario, seed)
    with _lock:
        if key in _making:
            return _making[key]
    job = next(_jobs)
    try:
        future = pool().submit(run_seed, job, scenario, seed)
    except BrokenProcessPool:
        future = pool().submit(run_seed, job, scenario, seed)
    with _lock:
        _making[key] = (job, future)
    future.add_done_callback(lambda done: _settle(key, done))
    return job, future


def _settle(key: tuple[str, int], future: Future) -> None:
    with _lock:
        _making.pop(key, None)
        if future.cancelled() or future.exception() is not None:
            return
        _cache[key] = future.result()
        while len(_cache) > CACHE_RUNS:
            _cache.popitem(last=False)


def prefetch(scenarios: list[Scenario], seeds: tuple[int, ...]) -> None:
    """Start the runs of ``scenarios`` on ``seeds`` now, so that they are ready (or under way) when asked."""
    for seed in seeds:
        for scenario in scenarios:
            if cached(scenario, seed) is None:
                submit(scenario, seed)


def progress(jobs: list[int]) -> dict[int, float]:
    """How far each job has got (0 to 1), from what the workers have sent so far."""
    with _lock:
        source = _queue
        while source is not None:
            try:
                job, done = source.get_nowait()
            except (queue.Empty, OSError, EOFError):
                break
            _progress[job] = done
        return {job: _progress.get(job, 0.0) for job in jobs}


def forget(jobs: list[int]) -> None:
    with _lock:
        for job in jobs:
            _progress.pop(job, None)
