"""The ``hls-sim`` command: run or sweep regimes, report, serve the dashboard, validate, list parameters.

Every input is checked before any simulation starts, and every problem is a
message on stderr naming the file, key or value and what is allowed, with exit
code 2: a commissioner trying a scenario should never see a traceback, and a
long run should never die at the end because of a typo at the start.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from hls_sim.api import simulate
from hls_sim.experiment.executors import EXECUTORS
from hls_sim.metrics import SUMMARY_KEYS
from hls_sim.outputs import (
    RegimeResult,
    check_output_dir,
    format_summary_table,
    summaries_as_json,
    write_run_outputs,
)
from hls_sim.parameters import KINDS, catalogue
from hls_sim.regimes import PRESETS, REGIME_NAMES, regime_overrides
from hls_sim.scenario import (
    MODE_KEYS,
    Scenario,
    ScenarioError,
    apply_overrides,
    load_scenario,
    parse_value,
)

USAGE_ERROR = 2
INTERRUPTED = 130
REGIME_CHOICES = (*REGIME_NAMES, "all", "scenario")


class UsageError(Exception):
    """A problem with the command line that is not about the scenario itself."""


class _Parser(argparse.ArgumentParser):
    """Reports a malformed option in one line, like every other error of the command."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"hls-sim: error: {message} (see '{self.prog} --help')\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hls-sim`` console script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else USAGE_ERROR
    try:
        return args.command(args)
    except (ScenarioError, UsageError) as error:
        print(f"hls-sim: error: {error}", file=sys.stderr)
        return USAGE_ERROR


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; argparse itself reports malformed options with exit code 2."""
    parser = _Parser(
        prog="hls-sim",
        description="Simulate support systems under target-based and trust-based funding.",
    )
    commands = parser.add_subparsers(dest="name", required=True, metavar="COMMAND")
    _add_run(commands)
    _add_sweep(commands)
    _add_report(commands)
    _add_sensitivity(commands)
    _add_calibrate(commands)
    _add_validate(commands)
    _add_warmup(commands)
    _add_params(commands)
    _add_dashboard(commands)
    return parser


def _add_run(commands: Any) -> None:
    run = commands.add_parser("run", help="run one scenario under one or all regimes")
    run.add_argument(
        "scenario",
        nargs="?",
        metavar="SCENARIO",
        help="a TOML file or the name of one in scenarios/ (default: built-in)",
    )
    run.add_argument(
        "--regime",
        choices=REGIME_CHOICES,
        default=None,
        metavar="REGIME",
        help=(
            f"one of {', '.join(REGIME_CHOICES)}; 'scenario' keeps the scenario's own "
            "(default: all four for the built-in scenario, the file's own regime for a SCENARIO)"
        ),
    )
    run.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        type=_key_value,
        metavar="KEY=VALUE",
        help="override a scenario key, e.g. funding.pbr_share=0.3",
    )
    run.add_argument("--seed", type=_whole_number(minimum=0), default=1, help="random seed (default: 1)")
    run.add_argument(
        "--weeks",
        type=_whole_number(minimum=1),
        help="weeks to record after burn-in (default: the scenario's)",
    )
    run.add_argument("--json", action="store_true", help="print {regime: summary} as JSON instead of a table")
    run.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="also write weekly tables, summaries and a chart to this new folder",
    )
    run.set_defaults(command=run_command)


def _add_pool_options(command: Any, unit: str) -> None:
    """--workers, --executor and --scheduler: where the ``unit`` (runs, jobs) go."""
    command.add_argument(
        "--workers",
        type=_whole_number(minimum=1),
        metavar="N",
        help=f"parallel {unit} (default: one per core)",
    )
    command.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="local",
        help="local process pool (default) or a Dask cluster",
    )
    command.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local Dask cluster)",
    )


def _add_executor_options(command: Any) -> None:
    command.add_argument("--out", type=Path, required=True, metavar="DIR", help="results folder")
    _add_pool_options(command, "runs")
    command.add_argument(
        "--seeds", type=_whole_number(minimum=1), metavar="N", help="seeds per point (default: the spec's)"
    )
    command.add_argument("--no-report", action="store_true", help="do not write report.md at the end")


def _add_sweep(commands: Any) -> None:
    sweep = commands.add_parser("sweep", help="run an experiment spec into a resumable results folder")
    sweep.add_argument(
        "experiment", metavar="EXPERIMENT", help="a spec file or the name of one in experiments/"
    )
    _add_executor_options(sweep)
    sweep.add_argument(
        "--samples",
        type=_whole_number(minimum=1),
        metavar="N",
        help="sampled parameter points (default: the spec's [sample] n); a new N needs a new --out",
    )
    sweep.set_defaults(command=sweep_command)


def _add_report(commands: Any) -> None:
    report = commands.add_parser("report", help="write report.md, charts and CSV tables for a results folder")
    report.add_argument("folder", type=Path, metavar="DIR")
    report.set_defaults(command=report_command)


def _add_sensitivity(commands: Any) -> None:
    sensitivity = commands.add_parser("sensitivity", help="Morris or Sobol sensitivity analysis with SALib")
    sensitivity.add_argument("experiment", metavar="EXPERIMENT", help="a spec with a [sensitivity] section")
    sensitivity.add_argument("--method", choices=("morris", "sobol"), default="morris")
    _add_executor_options(sensitivity)
    sensitivity.set_defaults(command=sweep_command)


def sweep_command(args: argparse.Namespace) -> int:
    """Run (or resume) a sweep, then report; exit 1 if any run failed, 130 if interrupted."""
    from hls_sim.experiment import load_experiment, sensitivity, sweep, write_report

    options = {
        "executor": args.executor,
        "workers": args.workers,
        "scheduler": args.scheduler,
        "seeds": args.seeds,
    }
    try:
        if getattr(args, "method", None):
            outcome = sensitivity(args.experiment, args.out, method=args.method, **options)
        else:
            experiment = load_experiment(args.experiment).with_samples(args.samples)
            outcome = sweep(experiment, args.out, **options)
    except KeyboardInterrupt:
        print(
            f"hls-sim: interrupted; finished runs are stored in {args.out}; "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return INTERRUPTED
    if not args.no_report:
        print(f"hls-sim: wrote {write_report(outcome.folder)}", file=sys.stderr)
    print(f"hls-sim: {outcome.last_line()}")
    return 1 if outcome.failed else 0


def _add_calibrate(commands: Any) -> None:
    calibrate = commands.add_parser(
        "calibrate", help="fit behavioural parameters to real-world patterns (ABC-SMC with pyabc)"
    )
    calibrate.add_argument(
        "patterns", metavar="PATTERNS", help="a patterns file, e.g. calibration/patterns.toml"
    )
    calibrate.add_argument("--out", type=Path, required=True, metavar="DIR", help="calibration folder")
    calibrate.add_argument(
        "--budget",
        type=_whole_number(minimum=1),
        default=200,
        metavar="N",
        help="most model runs to count, the posterior check included (default: 200)",
    )
    _add_pool_options(calibrate, "jobs")
    calibrate.add_argument(
        "--place",
        choices=("small", "default"),
        default="small",
        help="run the settings at the small place (default) or as their scenario files are written",
    )
    calibrate.add_argument("--seed", type=_whole_number(minimum=0), default=1, help="root seed (default: 1)")
    calibrate.add_argument(
        "--population",
        type=_whole_number(minimum=2),
        metavar="N",
        help="particles a generation (default: from the budget, fixed by the first session)",
    )
    calibrate.add_argument(
        "--check-draws",
        type=_whole_number(minimum=1),
        metavar="N",
        help="posterior draws run afresh for the predictive check (default: from the budget)",
    )
    calibrate.set_defaults(command=calibrate_command)


def calibrate_command(args: argparse.Namespace) -> int:
    """Run or resume a calibration, then write its report; 130 if interrupted."""
    from hls_sim.calibration.run import calibrate

    try:
        outcome = calibrate(
            args.patterns,
            args.out,
            budget=args.budget,
            workers=args.workers,
            executor=args.executor,
            scheduler=args.scheduler,
            place=args.place,
            seed=args.seed,
            population=args.population,
            check_draws=args.check_draws,
        )
    except KeyboardInterrupt:
        print(
            f"hls-sim: interrupted; finished generations are stored in {args.out}; "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return INTERRUPTED
    print(f"hls-sim: wrote {outcome.folder / 'report.md'}", file=sys.stderr)
    print(f"hls-sim: {outcome.last_line()}")
    return 0


def report_command(args: argparse.Namespace) -> int:
    from hls_sim.experiment import write_report

    print(f"hls-sim: wrote {write_report(args.folder)}", file=sys.stderr)
    return 0


def _add_validate(commands: Any) -> None:
    validate = commands.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(command=validate_command)


def _add_params(commands: Any) -> None:
    params = commands.add_parser(
        "params", help="list every parameter: default, plausible range, unit, meaning, source, mechanism"
    )
    params.add_argument("--json", action="store_true", help="print a JSON list of objects instead of a table")
    params.add_argument(
        "--kind",
        choices=KINDS,
        metavar="KIND",
        help=f"only parameters of this kind: {', '.join(KINDS)}",
    )
    params.set_defaults(command=params_command)


def params_command(args: argparse.Namespace) -> int:
    """Print the parameter catalogue as a table that fits the terminal, or as JSON."""
    from hls_sim.parameters.document import terminal_table

    entries = catalogue(args.kind)
    if args.json:
        print(json.dumps([entry.as_dict() for entry in entries], indent=2))
    else:
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        print(terminal_table(entries, width))
    return 0


def _add_warmup(commands: Any) -> None:
    warmup = commands.add_parser(
        "warmup", help="choose a burn-in by MSER-5 on pilot runs of each regime (no burn-in, long run)"
    )
    warmup.add_argument("scenario", nargs="?", metavar="SCENARIO", help="a TOML file or a shipped name")
    warmup.add_argument(
        "--weeks", type=_whole_number(minimum=20), default=520, help="length of each pilot run (default: 520)"
    )
    warmup.add_argument("--seeds", type=_whole_number(minimum=1), default=3, help="pilot seeds (default: 3)")
    warmup.add_argument(
        "--metric",
        default="wellbeing_mean",
        metavar="COLUMN",
        help="weekly column searched (default: wellbeing_mean)",
    )
    warmup.set_defaults(command=warmup_command)


def warmup_command(args: argparse.Namespace) -> int:
    """Print each regime's MSER-5 cut and the burn-in that covers them all."""
    from hls_sim.metrics import WEEKLY_COLUMNS
    from hls_sim.warmup import choose_burn_in

    if args.metric not in WEEKLY_COLUMNS or args.metric in ("week", "regime"):
        raise UsageError(
            f"--metric {args.metric!r}: not a weekly column; allowed: {', '.join(WEEKLY_COLUMNS[2:])}"
        )
    scenario = load_scenario(args.scenario)
    found = choose_burn_in(
        scenario, REGIME_NAMES, seeds=range(1, args.seeds + 1), weeks=args.weeks, metric=args.metric
    )
    print(
        f"MSER-5 on weekly {found.metric}, {found.weeks}-week pilot runs with no burn-in, "
        f"seeds 1 to {args.seeds}:"
    )
    for regime, cut in found.cuts.items():
        limit = (
            " (the most MSER-5 searches: the series is still moving; try longer pilots)"
            if cut >= args.weeks // 2 - 4
            else ""
        )
        print(f"  {regime:20s} cut {cut:4d} weeks{limit}")
    print(f"burn-in covering every regime, in whole quarters: {found.burn_in} weeks")
    return 0


def _add_dashboard(commands: Any) -> None:
    dashboard = commands.add_parser("dashboard", help="open the dashboard in a browser (works offline)")
    dashboard.add_argument("--port", type=_whole_number(minimum=0), default=8765, help="port (default: 8765)")
    dashboard.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    dashboard.add_argument(
        "--scenario", metavar="SCENARIO", help="the scenario the page starts from (default: built-in)"
    )
    dashboard.set_defaults(command=dashboard_command)


def dashboard_command(args: argparse.Namespace) -> int:
    """Serve the dashboard until interrupted; a bad --scenario is refused before the server starts."""
    from hls_sim.dashboard.server import serve

    if args.scenario is not None:
        load_scenario(args.scenario)
    serve(args.host, args.port, args.scenario)


def run_command(args: argparse.Namespace) -> int:
    """Check everything, run every regime, then print and write; nothing is written on error."""
    scenario = load_scenario(args.scenario)
    if args.regime is None:
        args.regime = "all" if args.scenario is None else "scenario"
    settings = dict(args.settings)
    scenarios = resolve_regimes(scenario, args.regime, settings, args.weeks)
    if args.out is not None:
        _check_out(args.out)
    _note_replaced(preset_replaced(scenario, args.regime, settings))
    results = {name: _run_regime(name, chosen, args.seed) for name, chosen in scenarios.items()}
    if args.json:
        print(summaries_as_json(results))
    else:
        print(_heading(next(iter(scenarios.values())), args.seed))
        print(format_summary_table(results, SUMMARY_KEYS))
    return _write(args.out, results, args.seed) if args.out is not None else 0


def resolve_regimes(
    scenario: Scenario, regime: str, settings: dict[str, Any], weeks: int | None
) -> dict[str, Scenario]:
    """The validated scenario for each regime to run, keyed by the regime's name.

    The regime's preset comes first and ``--set`` pairs after, so an explicit
    setting beats the preset. ``--weeks`` comes last, once every ``--set`` value
    has been checked, so a bad ``--set weeks=...`` is refused rather than
    silently replaced. Setting a mode by hand is refused unless the regime is
    the scenario's own, because the column would be named for a regime that
    did not run.
    """
    names = REGIME_NAMES if regime == "all" else (regime,)
    if regime != "scenario":
        clash = sorted(set(settings) & set(MODE_KEYS))
        if clash:
            raise UsageError(
                f"--set {clash[0]}={settings[clash[0]]!r} conflicts with "
                f"--regime {regime}; use --regime scenario to choose modes by hand"
            )
    resolved = {}
    for name in names:
        preset = {} if name == "scenario" else regime_overrides(name)
        chosen = apply_overrides(scenario, preset | settings, source="--set")
        if weeks is not None:
            chosen = apply_overrides(chosen, {"weeks": weeks}, source="--weeks")
        resolved[f"{chosen.funding.mode}-{chosen.market.mode}"] = chosen
    return resolved


def preset_replaced(scenario: Scenario, regime: str, settings: dict[str, Any]) -> list[str]:
    """The scenario's own funding and market values that a named regime's preset will replace.

    A regime name brings its whole preset, so a file tuned away from its own
    preset (say ``pbr_share = 0.8``) silently loses that tuning in every column;
    saying so keeps a reader from taking a preset run for the file's.
    """
    if regime == "scenario":
        return []
    replaced = []
    for section in ("funding", "market"):
        part = getattr(scenario, section)
        for key, preset_value in PRESETS[section][part.mode].items():
            value = getattr(part, key)
            if value != preset_value and f"{section}.{key}" not in settings:
                replaced.append(f"{section}.{key} = {value!r}")
    return replaced


def validate_command(args: argparse.Namespace) -> int:
    """Report each file as ok or with its problems; exit 2 if any file is bad."""
    status = 0
    for file in args.files:
        try:
            load_scenario(file)
        except ScenarioError as error:
            print(error, file=sys.stderr)
            status = USAGE_ERROR
        else:
            print(f"{file}: ok")
    return status


def _run_regime(name: str, scenario: Scenario, seed: int) -> RegimeResult:
    if sys.stderr.isatty():
        print(f"hls-sim: running {name} ({scenario.weeks} weeks)...", file=sys.stderr)
    model = simulate(scenario, seed=seed)
    return RegimeResult(scenario=scenario, summary=model.summary(), weekly=model.weekly_table())


def _note_replaced(replaced: list[str]) -> None:
    if replaced:
        print(
            f"hls-sim: note: each regime's preset replaces the scenario's own "
            f"{', '.join(replaced)}; use --regime scenario to run it as written",
            file=sys.stderr,
        )


def _heading(scenario: Scenario, seed: int) -> str:
    return (
        f"scenario: {scenario.name}   seed: {seed}   "
        f"weeks: {scenario.weeks} (after {scenario.burn_in} weeks of burn-in)\n"
    )


def _check_out(out: Path) -> None:
    try:
        check_output_dir(out)
    except FileExistsError as error:
        raise UsageError(str(error)) from None


def _write(out: Path, results: dict[str, RegimeResult], seed: int) -> int:
    """Write the outputs; a full disk or a locked folder is not a usage error, so exit 1."""
    try:
        folder = write_run_outputs(out, results, seed=seed)
    except OSError as error:
        print(f"hls-sim: error: {out}: could not write outputs: {error}", file=sys.stderr)
        return 1
    print(f"hls-sim: wrote {folder}", file=sys.stderr)
    return 0


def _key_value(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with the value read as TOML; argparse turns the error into exit code 2."""
    key, equals, value = text.partition("=")
    if not equals or not key.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE (for example funding.pbr_share=0.3)")
    return key.strip(), parse_value(value.strip())


def _whole_number(minimum: int) -> Any:
    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"{text} is below the smallest allowed, {minimum}")
        return number

    parse.__name__ = f"whole number >= {minimum}"
    return parse


if __name__ == "__main__":
    raise SystemExit(main())
