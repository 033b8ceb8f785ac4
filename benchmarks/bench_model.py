"""Time the model: the default run against the numpy floor, growth with population, and each phase of a week.

Usage (from the repository root)::

    uv run python benchmarks/bench_model.py                    # all three tables
    uv run python benchmarks/bench_model.py --tables floor     # only the default run against the floor
    uv run python benchmarks/bench_model.py --repeats 7 --json bench.json

1. **floor**: ``hls_sim.run()`` (the default scenario, seed 1, its summary
   included) against two plain-numpy sketches of person dynamics run for the same
   number of weekly steps (burn-in + weeks): the shared one that acceptance uses
   (``../shared/checks/numpy_floor_sketch.py``, also at its own 286 weeks) and
   ``benchmarks/floor.py``; and the default place run for the shared sketch's
   286 weeks (burn-in 26, as when issue 13 was written), against the sketch at
   286 weeks. All in one process, taking turns, best of
   ``--repeats``, so the ratios share the machine's load.
2. **scaling**: the default place and the same place ten times bigger
   (``population.size``, ``workforce.workers`` and ``funding.budget`` times 10):
   ``hls_sim.simulate`` (build and every step), each run in a fresh process.
   Growth is "at most linear" when the time ratio is at most 11. The compiled
   kernels are loaded before the clock starts (``hls_sim.api.warm_up``).
3. **phases**: where a default run's time goes, per phase of ``model.step``.

Every process is pinned to one core (Linux), with BLAS and OpenMP threads at 1;
peak memory is the ``ru_maxrss`` of the run's own process. Times are wall-clock
(``perf_counter``) and CPU (``process_time``): on a busy machine CPU time, which
leaves out the time other work held the core, is the steadier of the two. The
load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "benchmarks"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

RESULT_TAG = "BENCH_RESULT "
SHARED_SKETCH = ROOT.parent / "shared" / "checks" / "numpy_floor_sketch.py"
# The weeks of the shared sketch when it was written (26 burn-in + 260 recorded weeks).
SKETCH_WEEKS = 286
AT_SKETCH_WEEKS = f"default place, {SKETCH_WEEKS} weekly steps"
# Keys that grow with the size of a place; everything else is a rate, a share or per person.
PLACE_KEYS = ("population.size", "workforce.workers", "funding.budget")
FACTOR = 10
# Growth counts as "at most linear" when the time ratio is at most this.
LINEAR_LIMIT = 11.0
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")
# The phases of ``SupportSystemModel.step``: its own methods, then what it calls elsewhere.
MODEL_PHASES = (
    "apply_regime_changes",
    "change_context",
    "providers_decide",
    "demand",
    "run_waiting_lists",
    "plan_work",
    "support_and_learn",
    "hold_forum",
    "manage_money_and_staff",
    "population_changes",
    "record_week",
)


# --- in a child process ------------------------------------------------------------------------
def pin_to_one_core(core: int) -> int | None:
    """Pin this process to ``core`` (or the first core it may use); the core used, or None."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    chosen = core if core in allowed else allowed[0]
    try:
        os.sched_setaffinity(0, {chosen})
    except OSError:
        return None
    return chosen


def max_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def timed(work: Callable[[], Any]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one call of ``work``."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def load_shared_sketch(path: Path) -> Callable[..., float] | None:
    if not path.is_file():
        return None
    namespace: dict[str, Any] = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace["sketch"]


def floor_child(spec: dict[str, Any]) -> dict[str, Any]:
    """The default run and the floor sketches, taking turns in this process; every time of each."""
    core = pin_to_one_core(spec["core"])
    from floor import floor

    import hls_sim

    scenario = hls_sim.load_scenario(None)
    steps = scenario.burn_in + scenario.weeks
    cases: dict[str, Callable[[], Any]] = {"default run": lambda: hls_sim.run(seed=spec["seed"])}
    sketch = load_shared_sketch(Path(spec["shared_sketch"]))
    if sketch is not None:
        cases[f"shared sketch, {steps} weeks"] = lambda: sketch(people=2000, weeks=steps)
        cases[f"shared sketch, {SKETCH_WEEKS} weeks"] = lambda: sketch(people=2000, weeks=SKETCH_WEEKS)
    cases[f"benchmarks/floor.py, {steps} weeks"] = lambda: floor(people=2000, weeks=steps)
    # The default place run for the shared sketch's own weeks (the burn-in when the issue was written).
    short = {"burn_in": SKETCH_WEEKS - scenario.weeks}
    cases[AT_SKETCH_WEEKS] = lambda: hls_sim.run(seed=spec["seed"], overrides=short)
    for work in cases.values():  # warm up: imports, caches, first allocations
        work()
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(spec["repeats"]):
        for name, work in cases.items():
            times[name].append(timed(work))
    return {"steps": steps, "core": core, "times": times, "peak_rss_mib": max_rss_mib()}


def scale_child(spec: dict[str, Any]) -> dict[str, Any]:
    """One ``simulate`` of the scenario with ``overrides`` in this (fresh) process."""
    core = pin_to_one_core(spec["core"])
    import numpy as np

    import hls_sim
    from hls_sim.agents.person import EXITED
    from hls_sim.api import warm_up

    scenario = hls_sim.apply_overrides(hls_sim.load_scenario(None), spec["overrides"])
    warm_up()  # load the compiled kernels first: their loading is not the run's cost
    rss_before = max_rss_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    model = hls_sim.SupportSystemModel(scenario=scenario, rng=spec["seed"])
    model.run_to_end()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    people = model.people
    return {
        "seconds": wall,
        "cpu_seconds": cpu,
        "steps": int(model.steps),
        "people_at_end": int(np.count_nonzero(people.status[: people.count] != EXITED)),
        "peak_rss_mib": max_rss_mib(),
        "rss_before_model_mib": rss_before,
        "core": core,
    }


def phases_child(spec: dict[str, Any]) -> dict[str, Any]:
    """Where a default run's time goes: each phase of ``step`` timed (CPU) over every step; best run."""
    core = pin_to_one_core(spec["core"])
    import hls_sim
    from hls_sim import intake

    def clocked(spent: dict[str, float], name: str, work: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return work(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - start

        return run

    best: dict[str, Any] | None = None
    for _ in range(spec["repeats"]):
        model = hls_sim.SupportSystemModel(None, rng=spec["seed"])
        spent: dict[str, float] = dict.fromkeys(("take_contacts", *MODEL_PHASES, "commission"), 0.0)

        for name in MODEL_PHASES:
            setattr(model, name, clocked(spent, name, getattr(model, name)))
        model.commissioner.commission = clocked(spent, "commission", model.commissioner.commission)
        take_contacts = intake.take_contacts
        intake.take_contacts = clocked(spent, "take_contacts", take_contacts)
        try:
            start = time.process_time()
            model.run_to_end()
            total = time.process_time() - start
        finally:
            intake.take_contacts = take_contacts
        if best is None or total < best["total"]:
            best = {"total": total, "steps": int(model.steps), "spent": spent}
    assert best is not None
    best["core"] = core
    return best


CHILDREN = {"floor": floor_child, "scale": scale_child, "phases": phases_child}


def run_child(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run ``CHILDREN[kind](spec)`` in a fresh interpreter and return what it measured."""
    env = dict(os.environ)
    for name in THREAD_VARS:  # one core: no point in BLAS or OpenMP thread pools
        env.setdefault(name, "1")
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", kind, json.dumps(spec)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in reversed(done.stdout.splitlines()):
        if done.returncode == 0 and line.startswith(RESULT_TAG):
            return json.loads(line[len(RESULT_TAG) :])
    sys.stderr.write(done.stdout + done.stderr)
    raise SystemExit(f"bench_model: the {kind} run failed (exit code {done.returncode})")


# --- the tables ----------------------------------------------------------------------------------
def floor_table(args: argparse.Namespace) -> dict[str, Any]:
    print(f"1. The default run against the numpy floor (one process, best of {args.repeats})\n", flush=True)
    result = run_child(
        "floor",
        {
            "core": args.core,
            "seed": args.seed,
            "repeats": args.repeats,
            "shared_sketch": str(args.shared_sketch),
        },
    )
    best = {
        name: (min(wall for wall, _ in runs), min(cpu for _, cpu in runs))
        for name, runs in result["times"].items()
    }
    model_wall, model_cpu = best["default run"]
    short_wall, short_cpu = best.pop(AT_SKETCH_WEEKS)
    print(f"{'':34} {'wall s':>7} {'cpu s':>7} {'ms/week':>8} {'model/this (wall, cpu)':>24}".rstrip())
    for name, (wall, cpu) in best.items():
        weeks = SKETCH_WEEKS if name.endswith(f"{SKETCH_WEEKS} weeks") else result["steps"]
        ratio = "" if name == "default run" else f"{model_wall / wall:10.1f}x {model_cpu / cpu:10.1f}x"
        print(f"{name:34} {wall:7.3f} {cpu:7.3f} {1000 * cpu / weeks:8.3f} {ratio:>24}".rstrip())
    if not Path(args.shared_sketch).is_file():
        print(f"(the shared sketch is not at {args.shared_sketch}; --shared-sketch PATH to name it)")
    print(
        f"default run: {result['steps']} weekly steps (burn-in + weeks), summary included; "
        f"ms/week = cpu / steps"
    )
    sketch_key = f"shared sketch, {SKETCH_WEEKS} weeks"
    if sketch_key in best:
        sketch_wall, sketch_cpu = best[sketch_key]
        print(
            f"{AT_SKETCH_WEEKS} (the default run with the issue's shorter burn-in): "
            f"wall {short_wall:.3f} s, cpu {short_cpu:.3f} s; against the shared sketch at {SKETCH_WEEKS} "
            f"weeks {short_wall / sketch_wall:.1f}x (wall), {short_cpu / sketch_cpu:.1f}x (cpu)"
        )
    print()
    best[AT_SKETCH_WEEKS] = (short_wall, short_cpu)
    result["best"] = best
    return result


def scale_table(args: argparse.Namespace) -> dict[str, Any]:
    import hls_sim

    base = hls_sim.load_scenario(None)
    overrides = {key: base.get(key) * FACTOR for key in PLACE_KEYS}
    print(
        f"2. Growth with the size of the place: x{FACTOR} = {', '.join(PLACE_KEYS)} times {FACTOR}\n",
        flush=True,
    )
    rows = []
    for label, changes, repeats in (
        ("default", {}, args.repeats),
        (f"x{FACTOR}", overrides, args.repeats_big),
    ):
        runs = [
            run_child("scale", {"core": args.core, "seed": args.seed, "overrides": changes})
            for _ in range(repeats)
        ]
        rows.append(
            {
                "label": label,
                "people": base.population.size * (FACTOR if changes else 1),
                "workers": base.workforce.workers * (FACTOR if changes else 1),
                "runs": repeats,
                "seconds": min(run["seconds"] for run in runs),
                "cpu_seconds": min(run["cpu_seconds"] for run in runs),
                "steps": runs[0]["steps"],
                "people_at_end": runs[0]["people_at_end"],
                "peak_rss_mib": max(run["peak_rss_mib"] for run in runs),
                "rss_before_model_mib": min(run["rss_before_model_mib"] for run in runs),
            }
        )
    print(
        f"{'case':8} {'people':>7} {'workers':>7} {'runs':>4} {'wall s':>7} {'cpu s':>7} {'steps':>5}", end=""
    )
    print(f" {'peak MiB':>8}")
    for row in rows:
        print(
            f"{row['label']:8} {row['people']:>7} {row['workers']:>7} {row['runs']:>4} "
            f"{row['seconds']:>7.2f} {row['cpu_seconds']:>7.2f} {row['steps']:>5} {row['peak_rss_mib']:>8.0f}"
        )
    small, big = rows
    ratio, cpu_ratio = big["seconds"] / small["seconds"], big["cpu_seconds"] / small["cpu_seconds"]
    verdict = "at most linear" if cpu_ratio <= LINEAR_LIMIT else "WORSE than linear"
    print(
        f"time ratio x{FACTOR}/default: wall {ratio:.2f}, cpu {cpu_ratio:.2f} -> {verdict} "
        f"(at most {LINEAR_LIMIT:g}); memory above the imports "
        f"{big['peak_rss_mib'] - big['rss_before_model_mib']:.0f} vs "
        f"{small['peak_rss_mib'] - small['rss_before_model_mib']:.0f} MiB\n"
    )
    return {"rows": rows, "wall_ratio": ratio, "cpu_ratio": cpu_ratio}


def phases_table(args: argparse.Namespace) -> dict[str, Any]:
    print(f"3. Where a default run's time goes (cpu, best of {args.repeats} runs)\n", flush=True)
    result = run_child("phases", {"core": args.core, "seed": args.seed, "repeats": args.repeats})
    total, steps = result["total"], result["steps"]
    spent = dict(result["spent"])
    spent["rest of step"] = total - sum(spent.values())
    print(f"{'phase':24} {'us/step':>8} {'share':>6}")
    for name, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"{name:24} {1e6 * seconds / steps:8.0f} {seconds / total:6.1%}")
    print(f"{'all':24} {1e6 * total / steps:8.0f} {1:6.0%}   ({steps} steps, {total:.3f} s)")
    print("record_week runs only in the recorded weeks (after the burn-in)\n")
    return result


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except (AttributeError, OSError):
        return "unknown"


def git_revision() -> str:
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tables", nargs="+", choices=("floor", "scale", "phases"), default=["floor", "scale", "phases"]
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of the default case; best is kept")
    parser.add_argument("--repeats-big", type=int, default=1, help="runs of the x10 case; best is kept")
    parser.add_argument("--core", type=int, default=0, help="core to pin runs to (Linux only)")
    parser.add_argument("--shared-sketch", type=Path, default=SHARED_SKETCH, help="the shared floor sketch")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH", help="also write the results here")
    parser.add_argument("--child", nargs=2, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.repeats_big < 1:
        parser.error("--repeats and --repeats-big must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        kind, spec = args.child
        print(RESULT_TAG + json.dumps(CHILDREN[kind](json.loads(spec))), flush=True)
        return 0
    import mesa
    import numpy

    before = load_average()
    print(
        f"hls_sim {git_revision()}, python {platform.python_version()}, numpy {numpy.__version__}, "
        f"mesa {mesa.__version__}, {os.cpu_count()} cores; runs pinned to core {args.core}\n"
        f"load average before: {before}\n",
        flush=True,
    )
    results: dict[str, Any] = {"load_average_before": before}
    tables = {"floor": floor_table, "scale": scale_table, "phases": phases_table}
    for name in ("floor", "scale", "phases"):
        if name in args.tables:
            results[name] = tables[name](args)
    results["load_average_after"] = load_average()
    print(f"load average before / after: {before} / {results['load_average_after']}")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
