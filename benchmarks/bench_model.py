"""Time the model: the default place and the same place at ten times the population.

Usage (from the repository root)::

    uv run python benchmarks/bench_model.py                   # both cases, table
    uv run python benchmarks/bench_model.py --json bench.json # also write the results
    uv run python benchmarks/bench_model.py --scale-providers # providers x10 too
    uv run python benchmarks/bench_model.py --cases default --profile

Each repeat of each case runs in a fresh subprocess pinned to one core, so peak
memory (``ru_maxrss``, which sees numpy's buffers, unlike tracemalloc) belongs
to that case alone and the time is a one-core time. The timed part is what
``hls_sim.simulate`` does: build the model and step it until it stops (burn-in
included); interpreter start-up and imports are not timed. Person-weeks are
counted exactly: the people present at the start of every step, burn-in
included, counted outside the timed region.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULT_TAG = "BENCH_RESULT "
# Keys that grow with the size of a place; everything else is a rate, a share or per person.
PLACE_KEYS = ("population.size", "workforce.workers", "funding.budget")
PROVIDER_KEY = "providers.count"
# Growth counts as "at most linear" when the time ratio is within this factor of the size factor.
NOISE = 0.10
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


# --- the child: one timed run ------------------------------------------------------------------
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
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def build_scenario(scenario_path: str | None, overrides: dict[str, Any]):
    import hls_sim

    scenario = hls_sim.load_scenario(scenario_path)
    return hls_sim.apply_overrides(scenario, overrides) if overrides else scenario


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """One run in this (fresh) process: pin, import, build, step to the end, measure."""
    core = pin_to_one_core(spec["core"])
    import numpy as np

    import hls_sim
    from hls_sim.agents.person import EXITED

    scenario = build_scenario(spec["scenario"], spec["overrides"])
    rss_before = max_rss_mib()
    start = time.perf_counter()
    model = hls_sim.SupportSystemModel(scenario=scenario, rng=spec["seed"])
    build = time.perf_counter() - start
    stepping = 0.0
    person_weeks = 0
    while model.running:
        people = model.people
        person_weeks += int(np.count_nonzero(people.status[: people.count] != EXITED))
        tick = time.perf_counter()
        model.step()
        stepping += time.perf_counter() - tick
    return {
        "seconds": build + stepping,
        "build_seconds": build,
        "steps": int(model.steps),
        "person_weeks": person_weeks,
        "people_at_end": int(len(model.people.present())),
        "regime": model.regime.name,
        "providers_at_start": int(scenario.providers.count),
        "peak_rss_mib": max_rss_mib(),
        "rss_before_model_mib": rss_before,
        "core": core,
        "hls_sim": str(Path(hls_sim.__file__).resolve().parent),
    }


def run_child(spec: dict[str, Any]) -> dict[str, Any]:
    """Run ``child(spec)`` in a fresh interpreter and return what it measured."""
    env = dict(os.environ)
    for name in THREAD_VARS:  # one core: no point in BLAS or OpenMP thread pools
        env.setdefault(name, "1")
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"bench_model: the {spec['label']} run failed (exit code {done.returncode})")
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_TAG):
            return json.loads(line[len(RESULT_TAG) :])
    sys.stderr.write(done.stdout + done.stderr)
    raise SystemExit(f"bench_model: the {spec['label']} run printed no result")


# --- the parent: cases, table, JSON, profile ----------------------------------------------------
def scaled_overrides(scenario_path: str | None, factor: int, scale_providers: bool) -> dict[str, Any]:
    """The overrides that make the place ``factor`` times bigger."""
    base = build_scenario(scenario_path, {}).model_dump()
    keys = PLACE_KEYS + ((PROVIDER_KEY,) if scale_providers else ())
    overrides: dict[str, Any] = {}
    for key in keys:
        section, name = key.split(".")
        overrides[key] = base[section][name] * factor
    return overrides


def bench_case(label: str, spec: dict[str, Any], repeats: int) -> dict[str, Any]:
    runs = []
    for i in range(repeats):
        print(f"  {label}: run {i + 1}/{repeats} ...", file=sys.stderr, flush=True)
        runs.append(run_child({**spec, "label": label}))
    best = min(runs, key=lambda r: r["seconds"])
    return {
        "label": label,
        "overrides": spec["overrides"],
        "repeats": repeats,
        "seconds_all": [r["seconds"] for r in runs],
        "seconds_best": best["seconds"],
        "build_seconds_best": best["build_seconds"],
        "steps": best["steps"],
        "person_weeks": best["person_weeks"],
        "person_weeks_per_second": best["person_weeks"] / best["seconds"],
        "people_at_end": best["people_at_end"],
        "regime": best["regime"],
        "providers_at_start": best["providers_at_start"],
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        "rss_before_model_mib": min(r["rss_before_model_mib"] for r in runs),
        "core": best["core"],
        "hls_sim": best["hls_sim"],
    }


def print_table(cases: list[dict[str, Any]]) -> None:
    header = (
        f"{'case':<8} {'people':>7} {'workers':>7} {'provs':>5} {'runs':>4} {'best s':>8} "
        f"{'build s':>7} {'steps':>5} {'person-weeks':>12} {'pw/s':>9} {'peak MiB':>8} {'base MiB':>8}"
    )
    print(header)
    print("-" * len(header))
    for case in cases:
        people = case["overrides"].get("population.size", case.get("base_people"))
        workers = case["overrides"].get("workforce.workers", case.get("base_workers"))
        print(
            f"{case['label']:<8} {people:>7} {workers:>7} {case['providers_at_start']:>5} "
            f"{case['repeats']:>4} {case['seconds_best']:>8.2f} {case['build_seconds_best']:>7.2f} "
            f"{case['steps']:>5} {case['person_weeks']:>12,} {case['person_weeks_per_second']:>9,.0f} "
            f"{case['peak_rss_mib']:>8.0f} {case['rss_before_model_mib']:>8.0f}"
        )
    print(
        "best s = build + all steps (burn-in included), best of the runs; pw/s = person-weeks per second;\n"
        "peak MiB = ru_maxrss of the run's own process; base MiB = the same before the model was built\n"
        "(interpreter and imports)."
    )


def compare(default: dict[str, Any], big: dict[str, Any], factor: int) -> dict[str, Any]:
    ratio = big["seconds_best"] / default["seconds_best"]
    size_ratio = big["person_weeks"] / default["person_weeks"]
    linear = ratio <= factor * (1 + NOISE)
    memory = (big["peak_rss_mib"] - big["rss_before_model_mib"]) / max(
        default["peak_rss_mib"] - default["rss_before_model_mib"], 1e-9
    )
    print(
        f"\ntime ratio x{factor}/default: {ratio:.2f} for {size_ratio:.2f}x the person-weeks "
        f"-> growth {'at most linear' if linear else 'WORSE than linear'} "
        f"(linear means ratio <= {factor} within {NOISE:.0%} noise)"
    )
    print(f"memory ratio x{factor}/default (peak above the pre-model baseline): {memory:.2f}")
    return {
        "time_ratio": ratio,
        "person_week_ratio": size_ratio,
        "at_most_linear": linear,
        "memory_ratio_above_baseline": memory,
    }


def profile_default(scenario_path: str | None, seed: int, core: int, top: int) -> None:
    """Print the top ``top`` cProfile entries (by tottime) of one default run in this process."""
    pinned = pin_to_one_core(core)
    import hls_sim

    scenario = build_scenario(scenario_path, {})
    profiler = cProfile.Profile()
    profiler.enable()
    model = hls_sim.SupportSystemModel(scenario=scenario, rng=seed)
    model.run_to_end()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    where = f"core {pinned}" if pinned is not None else "unpinned"
    print(f"\ncProfile of one default run (seed {seed}, {where}), top {top} by tottime:")
    print(out.getvalue().rstrip())


def load_average() -> float:
    """The one-minute load average, or NaN where the OS has none."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return float("nan")


def git_revision() -> str:
    """The commit of the code timed, with ``-dirty`` when the working tree differs from it."""
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return done.stdout.strip()


def versions() -> dict[str, str]:
    import mesa
    import numpy

    return {
        "hls_sim": git_revision(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "mesa": mesa.__version__,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default=None, help="scenario file or name (default: the default)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--factor", type=int, default=10, help="how many times bigger the big place is")
    parser.add_argument("--repeats", type=int, default=3, help="runs of the default case; best is kept")
    parser.add_argument("--repeats-big", type=int, default=1, help="runs of the big case; best is kept")
    parser.add_argument(
        "--scale-providers", action="store_true", help="scale providers.count by the factor too"
    )
    parser.add_argument(
        "--cases", choices=("both", "default", "big", "none"), default="both", help="which cases to time"
    )
    parser.add_argument("--core", type=int, default=0, help="core to pin runs to (Linux only)")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH", help="write the results here")
    parser.add_argument(
        "--profile", action="store_true", help="also print the top cProfile entries of one default run"
    )
    parser.add_argument("--profile-top", type=int, default=20, help="entries to print with --profile")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.repeats_big < 1 or args.factor < 1:
        parser.error("--repeats, --repeats-big and --factor must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        print(RESULT_TAG + json.dumps(child(json.loads(args.child))), flush=True)
        return 0

    base = build_scenario(args.scenario, {})
    factor = args.factor
    big_label = f"x{factor}"
    common = {"scenario": args.scenario, "seed": args.seed, "core": args.core}
    big_overrides = scaled_overrides(args.scenario, factor, args.scale_providers)
    print(f"scenario {base.name!r}, seed {args.seed}: {base.burn_in} burn-in + {base.weeks} recorded weeks")
    print(
        f"{big_label} scales {', '.join(big_overrides)} by {factor}; "
        + (
            f"providers.count scaled too ({base.providers.count} -> {big_overrides[PROVIDER_KEY]})"
            if args.scale_providers
            else f"providers.count kept at {base.providers.count} (use --scale-providers to scale it)"
        )
    )
    print(f"each run in a fresh process pinned to core {args.core} (where the OS allows)\n", flush=True)

    load_before = load_average()
    cases: list[dict[str, Any]] = []
    if args.cases in ("both", "default"):
        cases.append(bench_case("default", {**common, "overrides": {}}, args.repeats))
    if args.cases in ("both", "big"):
        cases.append(bench_case(big_label, {**common, "overrides": big_overrides}, args.repeats_big))
    for case in cases:
        case["base_people"] = base.population.size
        case["base_workers"] = base.workforce.workers

    comparison = None
    if cases:
        regimes = sorted({c["regime"] for c in cases})
        print(f"\nregime: {', '.join(regimes)} (the scenario's own)")
        print(f"code: {cases[0]['hls_sim']} (git {git_revision()})\n")
        print_table(cases)
        default = next((c for c in cases if c["label"] == "default"), None)
        if default is not None:
            verdict = "meets" if default["seconds_best"] < 3.0 else "misses"
            print(f"\ndefault: {default['seconds_best']:.2f} s on one core, {verdict} the 3 s target")
        if len(cases) == 2:
            comparison = compare(cases[0], cases[1], factor)
        print(
            f"load average (1 min) before/after: {load_before:.2f}/{load_average():.2f} "
            f"on {os.cpu_count()} cores; other work on core {args.core} inflates the times"
        )

    if args.json is not None:
        payload = {
            "scenario": base.name,
            "seed": args.seed,
            "factor": factor,
            "scale_providers": args.scale_providers,
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "versions": versions(),
            "load_average_before": load_before,
            "load_average_after": load_average(),
            "cpu_count": os.cpu_count(),
            "cases": cases,
            "comparison": comparison,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"\nwrote {args.json}")

    if args.profile:
        profile_default(args.scenario, args.seed, args.core, args.profile_top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
