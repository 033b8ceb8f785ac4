"""Compare the experiment runner with ``mesa.batch_run`` on the same model, points and seeds.

Usage (from the repository root)::

    uv run python benchmarks/bench_runner.py                 # 200 runs, the table
    uv run python benchmarks/bench_runner.py --runs 40       # a quick look
    uv run python benchmarks/bench_runner.py --json out.json # also write the results

The workload: a short scenario (the small place of the stylized-fact tests,
26 recorded weeks after 13 of burn-in), ``funding.pbr_share`` at 5 values, and
``runs / 5`` seeds at each, so both tools run exactly the same models. Both keep
every week of every run: ``mesa.batch_run`` with ``data_collection_period=1``
(in memory, as a list of dicts it returns), the runner in its Parquet store
(on disk; the driver holds one batch at most).

Each case runs in a fresh subprocess, so its peak memory is its own:
``driver MiB`` is the peak resident memory of the process that ran the sweep
(``ru_maxrss``), ``growth MiB`` that peak less the same figure taken after
both tools were imported (what the sweep itself held), ``worker MiB`` the
largest peak of any worker process it started. The speed-up and parallel efficiency compare the runner with 2
workers against itself with 1 (efficiency = t1 / (2 * t2)). Times include
starting the workers, since a user waits for that too. Only meaningful on a
quiet machine: the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULT_TAG = "BENCH_RESULT "
SHORT_PLACE = {
    "population.size": 600,
    "workforce.workers": 18,
    "providers.count": 3,
    "funding.budget": 675_000.0,
    "weeks": 26,
    "burn_in": 13,
}
STAKES = (0.0, 0.25, 0.5, 0.75, 1.0)
ROOT_SEED = 2019


def seeds(count: int) -> list[int]:
    from hls_sim.experiment.plan import run_seeds

    return run_seeds(ROOT_SEED, count)


def peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def run_mesa(runs: int, processes: int) -> dict[str, Any]:
    """``mesa.batch_run`` over the same points and seeds (flat keyword names, as it needs)."""
    import mesa

    from hls_sim import SupportSystemModel

    parameters = {key.replace(".", "_"): value for key, value in SHORT_PLACE.items()}
    parameters["funding_pbr_share"] = list(STAKES)
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
    finished = {(row["RunId"]) for row in results}
    return {"seconds": seconds, "runs": len(finished), "rows_in_memory": len(results)}


def run_runner(runs: int, workers: int) -> dict[str, Any]:
    """The experiment runner, local process pool, into a temporary store."""
    from hls_sim.experiment import sweep
    from hls_sim.experiment.spec import experiment_from_dict

    spec = {
        "name": "bench",
        "hypothesis": "benchmark",
        "seeds": runs // len(STAKES),
        "root_seed": ROOT_SEED,
        "metrics": ["wellbeing_mean"],
        "set": SHORT_PLACE,
        "parameters": [{"key": "funding.pbr_share", "values": list(STAKES)}],
    }
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        outcome = sweep(experiment_from_dict(spec), Path(folder) / "store", workers=workers, progress=False)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "runs": outcome.ran, "failed": outcome.failed}


def child(case: str, runs: int, workers: int) -> None:
    import mesa  # noqa: F401 - both tools' imports count in the base, not in the growth

    import hls_sim.experiment.runner  # noqa: F401

    base = peak_mib(resource.RUSAGE_SELF)
    result = run_mesa(runs, workers) if case == "mesa" else run_runner(runs, workers)
    driver = peak_mib(resource.RUSAGE_SELF)
    result |= {"base_mib": base, "driver_mib": driver, "growth_mib": driver - base}
    result["worker_mib"] = peak_mib(resource.RUSAGE_CHILDREN)
    print(RESULT_TAG + json.dumps(result))


def measure(case: str, runs: int, workers: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", case, "--runs", str(runs), "--workers", str(workers)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith(RESULT_TAG))
    return {"case": case, "workers": workers, **json.loads(line.removeprefix(RESULT_TAG))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="total runs (a multiple of 5)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", choices=("mesa", "runner"), help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.runs, args.workers)
        return
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {platform.platform()}")
    cases = [("mesa", 1), ("mesa", 2), ("runner", 1), ("runner", 2)]
    results = [measure(case, args.runs, workers) for case, workers in cases]
    print(f"load average after: {os.getloadavg()[0]:.2f}\n")
    columns = [("workers", 8), ("runs", 6), ("seconds", 10), ("runs/s", 8)]
    columns += [("driver MiB", 12), ("growth MiB", 12), ("worker MiB", 12)]
    print(f"{'tool':<16}" + "".join(f"{name:>{width}}" for name, width in columns))
    for result in results:
        name = "mesa.batch_run" if result["case"] == "mesa" else "hls-sim sweep"
        rate = result["runs"] / result["seconds"]
        print(
            f"{name:<16}{result['workers']:>8}{result['runs']:>6}{result['seconds']:>10.1f}{rate:>8.2f}"
            f"{result['driver_mib']:>12.0f}{result['growth_mib']:>12.1f}{result['worker_mib']:>12.0f}"
        )
    timing = {(r["case"], r["workers"]): r["seconds"] for r in results}
    efficiency = timing[("runner", 1)] / (2 * timing[("runner", 2)])
    print(
        f"\nrunner speed-up 1 -> 2 workers: {timing[('runner', 1)] / timing[('runner', 2)]:.2f}x "
        f"(parallel efficiency {efficiency:.0%})"
    )
    for workers in (1, 2):
        ratio = timing[("mesa", workers)] / timing[("runner", workers)]
        print(f"runner vs mesa.batch_run at {workers} worker(s): {ratio:.2f}x as fast")
    if args.json:
        args.json.write_text(json.dumps({"runs": args.runs, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
