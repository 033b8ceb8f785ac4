"""Where runs execute: a local process pool or a Dask cluster, both as ``concurrent.futures`` executors.

The sweep only ever calls ``Workers.executor.submit(function, task)`` and waits
on the futures, so swapping the executor changes nothing else (the EMA Workbench's
split between model, evaluator and analysis). Local workers are forked from a
fork server that imports the model once, rather than each paying for a fresh
interpreter.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

from hls_sim.experiment.spec import ExperimentError
from hls_sim.experiment.tasks import start_worker

EXECUTORS = ("local", "dask")


class Workers:
    """The executor a sweep submits to, opened as a context; a local pool that breaks is replaced."""

    def __init__(self, kind: str, count: int, scheduler: str | None = None) -> None:
        if kind not in EXECUTORS:
            raise ExperimentError(f"executor {kind!r}: allowed: {', '.join(EXECUTORS)}")
        if scheduler is not None and kind != "dask":
            raise ExperimentError("--scheduler goes with --executor dask")
        self.kind = kind
        self.count = count
        self.scheduler = scheduler
        self.executor: Executor | None = None
        self._closers: list = []

    def __enter__(self) -> Workers:
        if self.kind == "local":
            self.executor = _local_pool(self.count)
        else:
            client = self._dask_client()
            self.executor = client.get_executor(pure=False)
            self.count = max(1, sum(client.nthreads().values()))
        return self

    def __exit__(self, *exc: object) -> None:
        if isinstance(self.executor, ProcessPoolExecutor):
            self.executor.shutdown(wait=True, cancel_futures=True)
        for close in reversed(self._closers):
            close()

    def replace_broken(self) -> bool:
        """Start a fresh local pool after a worker process died; Dask replaces its own workers."""
        if not isinstance(self.executor, ProcessPoolExecutor):
            return False
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = _local_pool(self.count)
        return True

    def _dask_client(self) -> Any:
        """A client of the cluster at ``scheduler``, or of a local cluster of ``count`` processes."""
        from distributed import Client, LocalCluster

        if self.scheduler is not None:
            try:
                client = Client(self.scheduler, timeout="10s")
            except OSError as error:
                raise ExperimentError(
                    f"--scheduler {self.scheduler}: cannot reach a Dask scheduler: {error}"
                ) from None
        else:
            cluster = LocalCluster(
                n_workers=self.count, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self._closers.append(cluster.close)
            client = Client(cluster)
        self._closers.append(client.close)
        return client


def _local_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of workers forked from a fork server that has imported the model (the first is started now).

    The driver is never forked itself: numpy's and Arrow's threads already run
    in it, and a thread holding a lock at a fork leaves the child deadlocked.
    The fork server is a fresh single-threaded process that imports the model
    once; each worker is forked from it in milliseconds. The fork server also
    runs the main script (under a ``__main__`` guard, as any script that starts
    processes must be), which a worker would otherwise run again when it starts:
    for ``hls-sim`` that is the whole command line. A worker then has nothing to
    import: what it runs, its start-up included (``tasks.start_worker``), is in
    the modules the fork server imported, and the model's compiled kernels are
    loaded (``hls_sim.preload``). Where there is no fork server (Windows),
    workers are spawned.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["__main__", "hls_sim.experiment.tasks", "hls_sim.preload"])
    else:
        context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=start_worker)
    pool.submit(int).result()
    return pool
