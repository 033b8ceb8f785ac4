"""Compare the experiment runner with ``mesa.batch_run`` on the same runs and seeds: time, memory, efficiency.

Usage (from the repository root)::

    uv run python benchmarks/bench_runner.py                      # 2,000 runs, 1 and 2 workers
    uv run python benchmarks/bench_runner.py --runs 200 2000 5000 # memory as a sweep grows
    uv run python benchmarks/bench_runner.py --runs 200 --workers 2 --json out.json
    uv run python benchmarks/bench_runner.py --overhead 100          # each tool's own CPU per run

The workload: the small place (``scenarios/small-place.toml``: 600 people, 18
workers, 3 providers) for 26 recorded weeks (``--weeks``) after its 13 weeks of burn-in,
``funding.pbr_share`` at 5 values, and ``runs / 5`` seeds at each, spawned from
one root seed, so both tools run exactly the same models; the script checks
that they do (each run's last-week wellbeing must be equal). Both keep every
week of every run: ``mesa.batch_run`` with ``data_collection_period=1`` (in
memory, as the list of dicts it returns), the runner in its Parquet store (on
disk; the driver holds one batch at most).

Before the first case, a subprocess fills numba's cache of the model's
kernels (on a fresh clone, the first run compiles them), so no case pays
for compiling; each case then loads them, as any new process does.

Each case runs in a fresh subprocess, so its memory is its own:

- ``driver MiB``: the peak resident memory of the process that ran the sweep
  (``ru_maxrss``); ``growth MiB`` that peak less the same figure taken after
  both tools were imported (what the sweep itself held);
- ``worker MiB``: the largest peak of any one worker process;
- ``total MiB``: the peak of the proportional set size (PSS) summed over the
  driver and every process under it, sampled every second. PSS shares a page
  among the processes that map it, so workers forked from one fork server
  are not counted once per worker for the pages they share. Reading it is not
  free: the kernel walks every page of every process, about 20 ms of CPU for
  these five processes. Read every 0.2 s, it took a tenth of a core from the
  sweeps it measured, which at 2 workers, with both cores busy, slowed them by
  about 2 s.

``CPU s`` is the CPU time (user + system) of the driver and every process
under it, from the same samples. Parallel efficiency is t(1 worker) /
(2 * t(2 workers)). Times include starting the workers, since a user waits for
that too. They are only meaningful on a quiet machine: the load average (1
minute) is printed as each case starts, and ``--repeats N`` runs every case N
times, in turn, and reports the fastest (all times are shown).

``--overhead N`` measures instead what each tool adds to a run, the one figure
where the tools can differ, since they run the same model: in this process,
for each of N runs of the same workload, the bare model (built and run to its
end), the function ``mesa.batch_run`` runs each run with (its private
``_model_run_func``: the model from keywords, run, every week as a dict), and
the runner's worker function on it (``run_chunk(run_task, [task])``: the run,
its summary row and its weeks as Arrow), back to back, each timed in CPU
seconds. What a tool adds is its time less the bare model's on the same run;
run by run, load from other work on the machine falls on all three alike, so
the medians hold on a busy machine where the sweep times above do not. It
leaves out what is not per run: starting workers, and the driver's handling of
results (the runner's, on its own core while a worker runs, is about 0.5 ms a
run).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

RESULT_TAG = "BENCH_RESULT "
SMALL_PLACE = Path(__file__).resolve().parent.parent / "scenarios" / "small-place.toml"
STAKES = (0.0, 0.25, 0.5, 0.75, 1.0)
ROOT_SEED = 2019
TOOLS = {"mesa": "mesa.batch_run", "runner": "hls-sim sweep"}


def seeds(count: int) -> list[int]:
    from hls_sim.experiment.plan import run_seeds

    return run_seeds(ROOT_SEED, count)


def peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def run_mesa(runs: int, processes: int, weeks: int) -> tuple[dict[str, Any], dict[str, float]]:
    """``mesa.batch_run`` over the same points and seeds; the model takes flat keyword names."""
    import mesa

    from hls_sim import SupportSystemModel

    parameters = {"scenario": str(SMALL_PLACE), "weeks": weeks, "funding_pbr_share": list(STAKES)}
    started = time.perf_counter()
    results = mesa.batch_run(
        SupportSystemModel,
        parameters,
        number_processes=processes,
        rng=seeds(runs // len(STAKES)),
        data_collection_period=1,
        max_steps=10_000,
        display_progress=False,
    )
    seconds = time.perf_counter() - started
    last_week = {}
    for row in results:
        last_week[row["RunId"]] = max(last_week.get(row["RunId"], row), row, key=lambda r: r["Step"])
    wellbeing = {f"{r['funding_pbr_share']}/{r['rng']}": r["wellbeing_mean"] for r in last_week.values()}
    return {"seconds": seconds, "runs": len(last_week), "rows_in_memory": len(results)}, wellbeing


def run_runner(runs: int, workers: int, weeks: int, folder: Path) -> tuple[dict[str, Any], Any]:
    """The experiment runner, local process pool, into a store in ``folder``."""
    from hls_sim.experiment import sweep
    from hls_sim.experiment.spec import experiment_from_dict

    spec = {
        "name": "bench",
        "hypothesis": "benchmark",
        "scenarios": [str(SMALL_PLACE)],
        "weeks": weeks,
        "seeds": runs // len(STAKES),
        "root_seed": ROOT_SEED,
        "metrics": ["wellbeing_mean"],
        "parameters": [{"key": "funding.pbr_share", "values": list(STAKES)}],
    }
    started = time.perf_counter()
    outcome = sweep(experiment_from_dict(spec), folder / "store", workers=workers, progress=False)
    seconds = time.perf_counter() - started
    files = sum(1 for path in (folder / "store").rglob("*") if path.is_file())
    return {"seconds": seconds, "runs": outcome.ran, "failed": outcome.failed, "store_files": files}, outcome


def runner_wellbeing(folder: Path) -> dict[str, float]:
    """Each run's last-week wellbeing from the store, keyed as for ``mesa.batch_run``."""
    from hls_sim.experiment import load_runs, load_steps

    runs = load_runs(folder / "store").set_index("run_id")
    steps = load_steps(folder / "store")
    last = steps.sort_values("week").groupby("run_id").tail(1).set_index("run_id")
    return {
        f"{runs.at[run_id, 'funding.pbr_share']}/{runs.at[run_id, 'seed']}": value
        for run_id, value in last["wellbeing_mean"].items()
    }


def child(case: str, runs: int, workers: int, weeks: int, wellbeing_file: Path) -> None:
    import mesa  # noqa: F401 - both tools' imports count in the base, not in the growth

    import hls_sim.experiment.runner  # noqa: F401

    base = peak_mib(resource.RUSAGE_SELF)
    with tempfile.TemporaryDirectory() as folder:
        if case == "mesa":
            result, wellbeing = run_mesa(runs, workers, weeks)
        else:
            result, _ = run_runner(runs, workers, weeks, Path(folder))
        driver = peak_mib(resource.RUSAGE_SELF)
        result |= {"base_mib": base, "driver_mib": driver, "growth_mib": driver - base}
        result["worker_mib"] = peak_mib(resource.RUSAGE_CHILDREN)
        if case == "runner":
            wellbeing = runner_wellbeing(Path(folder))
    wellbeing_file.write_text(json.dumps(wellbeing))
    print(RESULT_TAG + json.dumps(result))


class TreeSampler(threading.Thread):
    """Samples a process and all its descendants (Linux only).

    Keeps the CPU time each used (user + system, as last seen every ``every`` s:
    a process's last fraction of a sample is missed), and the peak of their
    summed PSS, read every ``pss_every`` s because reading it costs CPU.
    """

    def __init__(self, pid: int, every: float = 0.2, pss_every: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.every = every
        self.pss_every = pss_every
        self.peak_kib = 0
        self.cpu_ticks: dict[int, int] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        pss_due = time.monotonic()
        while not self.stopped.wait(self.every):
            stats = _tree_stats(self.pid)
            if time.monotonic() >= pss_due:
                self.peak_kib = max(self.peak_kib, sum(_pss_kib(pid) for pid in stats))
                pss_due += self.pss_every
            self.cpu_ticks.update(stats)

    def stop(self) -> tuple[float, float]:
        """The peak PSS in MiB and the CPU seconds of the whole tree."""
        self.stopped.set()
        self.join()
        return self.peak_kib / 1024, sum(self.cpu_ticks.values()) / os.sysconf("SC_CLK_TCK")


def _tree_stats(root: int) -> dict[int, int]:
    """The CPU ticks (user + system) of ``root`` and each of its descendants now alive."""
    ticks, frontier = {}, [root]
    while frontier:
        pid = frontier.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            for thread in Path(f"/proc/{pid}/task").iterdir():
                frontier += [int(child) for child in (thread / "children").read_text().split()]
        except OSError:
            continue
        ticks[pid] = int(fields[11]) + int(fields[12])
    return ticks


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(case: str, runs: int, workers: int, weeks: int) -> tuple[dict[str, Any], dict[str, float]]:
    load = os.getloadavg()[0]
    with tempfile.NamedTemporaryFile(suffix=".json") as wellbeing_file:
        command = [sys.executable, __file__, "--child", case, "--runs", str(runs), "--workers", str(workers)]
        command += ["--weeks", str(weeks), "--wellbeing-file", wellbeing_file.name]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        sampler = TreeSampler(process.pid)
        sampler.start()
        output, _ = process.communicate()
        total, cpu = sampler.stop()
        if process.returncode:
            raise SystemExit(f"{case} with {workers} worker(s) failed (exit {process.returncode})")
        wellbeing = json.loads(Path(wellbeing_file.name).read_text())
    line = next(line for line in output.splitlines() if line.startswith(RESULT_TAG))
    result = {"case": case, "workers": workers, "load": load, "total_mib": total, "cpu_seconds": cpu}
    return result | json.loads(line.removeprefix(RESULT_TAG)), wellbeing


def report(size: int, results: list[dict[str, Any]], same: bool) -> None:
    """Print the best (fastest) of the repeats of each case, and what it says against the goals."""
    best: dict[tuple[str, int], dict[str, Any]] = {}
    for r in results:
        key = (r["case"], r["workers"])
        if key not in best or r["seconds"] < best[key]["seconds"]:
            best[key] = r
    columns = [("workers", 8), ("runs", 6), ("seconds", 9), ("all seconds", 18), ("CPU s", 8)]
    columns += [("driver MiB", 11), ("growth MiB", 11), ("worker MiB", 11), ("total MiB", 10), ("load", 6)]
    print(f"\n{'tool':<16}" + "".join(f"{name:>{width}}" for name, width in columns))
    for (case, workers), r in best.items():
        every = " ".join(
            f"{x['seconds']:.1f}" for x in results if (x["case"], x["workers"]) == (case, workers)
        )
        print(
            f"{TOOLS[case]:<16}{workers:>8}{r['runs']:>6}{r['seconds']:>9.1f}{every:>18}{r['cpu_seconds']:>8.1f}"
            f"{r['driver_mib']:>11.0f}{r['growth_mib']:>11.1f}{r['worker_mib']:>11.0f}{r['total_mib']:>10.0f}"
            f"{r['load']:>6.2f}"
        )
    print(f"same runs under both tools (last-week wellbeing of every run equal): {'yes' if same else 'NO'}")
    for workers in sorted({workers for _, workers in best}):
        mesa, runner = best.get(("mesa", workers)), best.get(("runner", workers))
        if mesa and runner:
            print(
                f"{workers} worker(s): runner {mesa['seconds'] / runner['seconds']:.2f}x as fast as batch_run"
                f" (CPU {runner['cpu_seconds'] / mesa['cpu_seconds']:.2f}x); "
                "memory as a share of batch_run's: "
                f"driver {runner['driver_mib'] / mesa['driver_mib']:.2f}, "
                f"growth {runner['growth_mib'] / mesa['growth_mib']:.2f}, "
                f"total {runner['total_mib'] / mesa['total_mib']:.2f}"
            )
    for case in TOOLS:
        if (case, 1) in best and (case, 2) in best:
            efficiency = best[(case, 1)]["seconds"] / (2 * best[(case, 2)]["seconds"])
            print(f"{TOOLS[case]}: parallel efficiency at 2 workers {efficiency:.2f}")
    runner_files = [r["store_files"] for r in results if r["case"] == "runner"]
    if runner_files:
        print(f"files in the runner's store after {size} runs: {max(runner_files)}")


def overhead(runs: int, weeks: int) -> None:
    """Each tool's CPU per run above the bare model's, run by run in this process (see the docstring)."""
    import mesa

    from hls_sim import SupportSystemModel
    from hls_sim.experiment.plan import plan_tasks, resolver
    from hls_sim.experiment.spec import experiment_from_dict
    from hls_sim.experiment.tasks import run_chunk, run_task

    spec = {
        "name": "overhead",
        "hypothesis": "benchmark",
        "scenarios": [str(SMALL_PLACE)],
        "weeks": weeks,
        "seeds": max(1, runs // len(STAKES)),
        "root_seed": ROOT_SEED,
        "metrics": ["wellbeing_mean"],
        "parameters": [{"key": "funding.pbr_share", "values": list(STAKES)}],
    }
    experiment = experiment_from_dict(spec)
    tasks = [resolver(experiment)(task) for task in plan_tasks(experiment)]

    def bare(task: Any) -> None:
        SupportSystemModel(scenario=task.scenario, rng=task.seed).run_to_end()

    # What batch_run maps over its runs (a private function: its own set-up is per batch, not per run).
    batch_run_one = functools.partial(
        mesa.batchrunner._model_run_func, SupportSystemModel, max_steps=10_000, data_collection_period=1
    )

    def batch_run(task: Any) -> None:
        stake = task.parameters["funding.pbr_share"]
        kwargs = {"scenario": str(SMALL_PLACE), "weeks": weeks, "funding_pbr_share": stake, "rng": task.seed}
        batch_run_one((0, 0, kwargs))

    def runner(task: Any) -> None:
        run_chunk(run_task, [task])

    ways = {"bare model": bare, TOOLS["mesa"]: batch_run, TOOLS["runner"]: runner}
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    for way in ways.values():
        way(tasks[0])
    seconds: dict[str, list[float]] = {name: [] for name in ways}
    for task in tasks:
        for name, way in ways.items():
            started = time.process_time()
            way(task)
            seconds[name].append(time.process_time() - started)
    print(f"load average before: {load}")
    print(f"CPU ms per run, {len(tasks)} runs, each run three ways in turn in one process")
    print(f"{'':<16}{'median':>8}{'mean':>8}   added to the bare model: median, mean (95% interval)")
    for name, values in seconds.items():
        line = f"{name:<16}{1000 * statistics.median(values):>8.2f}{1000 * statistics.mean(values):>8.2f}"
        if name != "bare model":
            added = [1000 * (a - b) for a, b in zip(values, seconds["bare model"], strict=True)]
            half = 1.96 * statistics.stdev(added) / len(added) ** 0.5
            mean = statistics.mean(added)
            line += f"   {statistics.median(added):.2f}, {mean:.2f} ({mean - half:.2f} to {mean + half:.2f})"
        print(line)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def compile_kernels() -> None:
    """Fill numba's cache of the model's kernels before any case is timed.

    On a fresh clone the first run compiles them, about half a minute: whichever
    case came first would pay for it. Each case still loads them from the cache,
    as any new process does (``mesa.batch_run`` on its first run, the runner in
    its fork server).
    """
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from hls_sim.api import warm_up; warm_up()"], check=True)
    print(f"model kernels compiled or found in numba's cache: {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[2000], help="total runs (multiples of 5)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to run")
    parser.add_argument("--weeks", type=int, default=26, help="recorded weeks per run (after 13 of burn-in)")
    parser.add_argument(
        "--repeats", type=int, default=1, help="run every case this many times; keep the best"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--overhead", type=int, metavar="RUNS", help="only measure each tool's CPU per run, over RUNS runs"
    )
    parser.add_argument("--child", choices=tuple(TOOLS), help=argparse.SUPPRESS)
    parser.add_argument("--wellbeing-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.runs[0], args.workers[0], args.weeks, args.wellbeing_file)
        return
    if args.overhead:
        overhead(args.overhead, args.weeks)
        return
    print(f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"small place, {args.weeks} recorded weeks per run after 13 of burn-in")
    compile_kernels()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    everything = []
    for size in args.runs:
        results, wellbeing = [], []
        for _ in range(args.repeats):
            for workers in args.workers:
                for case in TOOLS:
                    result, values = measure(case, size, workers, args.weeks)
                    results.append(result | {"size": size})
                    wellbeing.append(values)
        report(size, results, all(values == wellbeing[0] for values in wellbeing))
        everything += results
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps({"results": everything}, indent=2) + "\n")


if __name__ == "__main__":
    main()
