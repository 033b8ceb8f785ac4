"""The ``hls-sim`` command: what a user sees, what it writes, and how it refuses bad input.

Runs are kept tiny (20 weeks, 300 people) because these tests check the
plumbing, not the model's behaviour.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from hls_sim.cli import main, resolve_regimes
from hls_sim.metrics import SUMMARY_KEYS
from hls_sim.parameters import KINDS
from hls_sim.regimes import REGIME_NAMES
from hls_sim.scenario import SCENARIO_DIR, Scenario, load_scenario

FAST = [
    "--weeks",
    "20",
    "--set",
    "burn_in=13",
    "--set",
    "population.size=300",
    "--set",
    "workforce.workers=12",
    "--set",
    "providers.count=3",
]


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def table_header(out: str) -> list[str]:
    """The column names of the printed table (the line that starts with 'metric')."""
    line = next(line for line in out.splitlines() if line.startswith("metric"))
    return line.split()[1:]


def test_default_run_prints_every_metric_for_all_four_regimes(capsys):
    code, out, err = run_cli(capsys, "run", *FAST)
    assert code == 0, err
    assert table_header(out) == list(REGIME_NAMES)
    rows = {line.split()[0] for line in out.splitlines() if line.strip()}
    assert set(SUMMARY_KEYS) <= rows
    assert "scenario: " in out and "seed: 1" in out and "weeks: 20" in out


def test_json_is_only_json_keyed_by_regime(capsys):
    code, out, err = run_cli(capsys, "run", *FAST, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert list(data) == list(REGIME_NAMES)
    for summary in data.values():
        assert list(summary) == list(SUMMARY_KEYS)
        assert all(value is None or isinstance(value, int | float) for value in summary.values())


def test_one_regime_gives_one_column(capsys):
    code, out, err = run_cli(capsys, "run", "--regime", "trust-alliance", *FAST)
    assert code == 0, err
    assert table_header(out) == ["trust-alliance"]


def test_set_beats_the_regime_preset(capsys):
    resolved = resolve_regimes(Scenario(), "trust-alliance", {"funding.pbr_share": 0.9}, None)
    assert resolved["trust-alliance"].funding.pbr_share == 0.9
    assert resolved["trust-alliance"].funding.dialogue_hours == 3.0  # rest of the preset stays

    base = ["run", "--regime", "trust-alliance", *FAST, "--json"]
    _, preset_out, _ = run_cli(capsys, *base)
    code, changed_out, err = run_cli(capsys, *base, "--set", "funding.pbr_share=0.9")
    assert code == 0, err
    assert json.loads(preset_out) != json.loads(changed_out)


def test_regime_scenario_keeps_the_files_own_regime(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('[funding]\nmode = "trust"\npbr_share = 0.25\n', encoding="utf-8")
    resolved = resolve_regimes(load_scenario(path), "scenario", {}, None)
    assert list(resolved) == ["trust-competition"]
    assert resolved["trust-competition"].funding.pbr_share == 0.25


def test_a_scenario_file_runs_as_written_unless_a_regime_is_named(capsys, tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('[funding]\nmode = "trust"\npbr_share = 0.25\n', encoding="utf-8")
    code, out, err = run_cli(capsys, "run", str(path), *FAST)
    assert code == 0, err
    assert table_header(out) == ["trust-competition"]
    code, out, err = run_cli(capsys, "run", str(path), "--regime", "all", *FAST)
    assert code == 0, err
    assert table_header(out) == list(REGIME_NAMES)


def test_out_writes_tables_summaries_and_chart(capsys, tmp_path):
    out_dir = tmp_path / "results"
    code, out, err = run_cli(capsys, "run", *FAST, "--json", "--out", str(out_dir))
    assert code == 0, err
    printed = json.loads(out)
    for regime in REGIME_NAMES:
        weekly = pd.read_parquet(out_dir / regime / "weekly.parquet")
        assert len(weekly) > 0 and "week" in weekly.columns and "wellbeing_mean" in weekly
        summary = json.loads((out_dir / regime / "summary.json").read_text(encoding="utf-8"))
        assert summary == printed[regime]
    assert (out_dir / "main-series.png").read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in tmp_path.iterdir()] == ["results"]  # no staging folder left


def test_out_refuses_a_folder_that_holds_files(capsys, tmp_path):
    out_dir = tmp_path / "results"
    out_dir.mkdir()
    (out_dir / "keep.txt").write_text("earlier run", encoding="utf-8")
    code, out, err = run_cli(capsys, "run", *FAST, "--out", str(out_dir))
    assert code == 2 and "already exists" in err and out == ""
    assert [p.name for p in out_dir.iterdir()] == ["keep.txt"]


def test_nan_in_a_summary_becomes_null():
    from hls_sim.outputs import RegimeResult, summaries_as_json

    result = RegimeResult(Scenario(), {"a": math.nan, "b": math.inf, "c": 1.5}, pd.DataFrame())
    assert json.loads(summaries_as_json({"x": result})) == {"x": {"a": None, "b": None, "c": 1.5}}


BROKEN_FILES = {
    "malformed.toml": "[population\nsize = 300\n",
    "unknown-key.toml": "[population]\nsise = 300\n",
    "unknown-section.toml": "[populaton]\nsize = 300\n",
    "wrong-type.toml": '[population]\nsize = "lots"\n',
    "out-of-range.toml": "[funding]\npbr_share = 1.5\n",
    "bad-mode.toml": '[funding]\nmode = "vibes"\n',
}


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    folder = tmp_path / "broken"
    folder.mkdir()
    for name, text in BROKEN_FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


BAD_ARGUMENTS = [
    (["--set", "populaton.size=300"], "populaton.size"),
    (["--set", "nothing=1"], "nothing"),
    (["--set", "population.size"], "population.size"),
    (["--set", "=300"], "=300"),
    (["--set", "population.size=many"], "many"),
    (["--set", "population.size=2.5"], "2.5"),
    (["--set", "funding.pbr_share=1.5"], "1.5"),
    (["--set", "providers.entry=maybe"], "maybe"),
    (["--set", "funding.pbr_share=true"], "funding.pbr_share = True"),
    (["--set", "providers.count=true"], "providers.count = True"),
    (["--set", "market.contract_weeks=true"], "market.contract_weeks = True"),
    (["--set", "burn_in=true"], "burn_in = True"),
    (["--set", "eligibility.threshold=true"], "eligibility.threshold = True"),
    (["--set", "indicator.audit_rate=true"], "indicator.audit_rate = True"),
    (["--set", "providers.count=3.0"], "providers.count = 3.0"),
    (["--set", 'funding.pbr_share="0.5"'], "funding.pbr_share = '0.5'"),
    (["--set", "weeks=true"], "weeks = True"),
    (["--regime", "trust-everything"], "trust-everything"),
    (["--regime", "trust-alliance", "--set", "funding.mode=target"], "funding.mode"),
    (["--weeks", "0"], "0"),
    (["--weeks", "many"], "many"),
    (["--weeks", "999999"], "999999"),
    (["--seed=-1"], "-1"),
    (["--seed", "x"], "'x'"),
]


@pytest.mark.parametrize(("extra", "named"), BAD_ARGUMENTS)
def test_bad_arguments_exit_2_with_one_clear_message(capsys, tmp_path, extra, named):
    out_dir = tmp_path / "results"
    code, out, err = run_cli(capsys, "run", *FAST, *extra, "--out", str(out_dir))
    assert_refused(code, out, err, named, out_dir)


@pytest.mark.parametrize("name", [*BROKEN_FILES, "missing.toml"])
def test_bad_scenario_files_exit_2_naming_the_file(capsys, tmp_path, broken, name):
    out_dir = tmp_path / "results"
    code, out, err = run_cli(capsys, "run", str(broken / name), *FAST, "--out", str(out_dir))
    assert_refused(code, out, err, name, out_dir)


def test_weeks_that_end_the_run_before_a_regime_change_are_refused(capsys, tmp_path):
    out_dir = tmp_path / "results"
    code, out, err = run_cli(capsys, "run", "transition", *FAST, "--out", str(out_dir))
    assert_refused(code, out, err, "--weeks: regime_change.0.week = 104", out_dir)


def test_no_command_is_a_usage_error(capsys):
    code, out, err = run_cli(capsys)
    assert code == 2 and "COMMAND" in err and "Traceback" not in err


def assert_refused(code: int, out: str, err: str, named: str, out_dir: Path) -> None:
    assert code == 2
    assert named in err
    assert err.startswith("hls-sim: error: ") and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert out == ""
    assert not out_dir.exists()


@pytest.mark.parametrize("path", sorted(SCENARIO_DIR.glob("*.toml")), ids=lambda path: path.name)
def test_validate_accepts_every_shipped_scenario(capsys, path):
    code, out, err = run_cli(capsys, "validate", str(path))
    assert code == 0, err
    assert out == f"{path}: ok\n"


def test_validate_reports_each_broken_file(capsys, broken):
    good = broken.parent / "good.toml"
    good.write_text('name = "fine"\n', encoding="utf-8")
    files = [str(good), *(str(broken / name) for name in BROKEN_FILES), "missing.toml"]
    code, out, err = run_cli(capsys, "validate", *files)
    assert code == 2
    assert out == f"{good}: ok\n"
    for name in [*BROKEN_FILES, "missing.toml"]:
        assert name in err
    assert "Traceback" not in err


def test_console_script_runs_as_a_real_process(tmp_path):
    command = [
        sys.executable,
        "-m",
        "hls_sim.cli",
        "run",
        "--regime",
        "trust-alliance",
        *FAST,
        "--json",
    ]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    assert list(json.loads(finished.stdout)) == ["trust-alliance"]


def test_a_named_regime_says_which_of_the_files_values_its_preset_replaces(tmp_path):
    from hls_sim.cli import preset_replaced

    path = tmp_path / "tuned.toml"
    path.write_text("[funding]\npbr_share = 0.8\ndialogue_hours = 0.5\n", encoding="utf-8")
    scenario = load_scenario(path)
    assert preset_replaced(scenario, "all", {}) == [
        "funding.pbr_share = 0.8",
        "funding.dialogue_hours = 0.5",
    ]
    assert preset_replaced(scenario, "all", {"funding.pbr_share": 0.8}) == ["funding.dialogue_hours = 0.5"]
    assert preset_replaced(scenario, "scenario", {}) == []
    assert preset_replaced(Scenario(), "all", {}) == []


def test_each_metric_row_is_formatted_in_one_style():
    from hls_sim.outputs import format_row

    assert format_row([2558.0, 258.0, 9.0]) == ["2,558", "258", "9"]
    assert format_row([87976.2, 950.1]) == ["87,976", "950"]
    assert format_row([0.5, 0.0, math.nan]) == ["0.500", "0.000", "n/a"]


# --- hls-sim params ------------------------------------------------------------------------------
CATALOGUE_FIELDS = ["key", "kind", "default", "low", "high", "unit", "meaning", "source", "mechanism"]


def test_params_prints_every_parameter_on_its_own_line(capsys):
    from hls_sim.parameters import catalogue

    code, out, err = run_cli(capsys, "params")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["key", "kind", "default", "plausible"]
    keys = [line.split()[0] for line in lines[2:]]
    assert keys == [entry.key for entry in catalogue()]
    pbr_share = next(line for line in lines if line.startswith("funding.pbr_share "))
    assert "target: 0.5; trust: 0" in pbr_share and "0 to 1" in pbr_share and "payments, gaming" in pbr_share


def test_params_json_is_a_list_with_exactly_the_catalogue_fields(capsys):
    from hls_sim.parameters import catalogue

    code, out, err = run_cli(capsys, "params", "--json")
    assert code == 0 and err == ""
    entries = json.loads(out)
    assert [entry["key"] for entry in entries] == [entry.key for entry in catalogue()]
    assert all(list(entry) == CATALOGUE_FIELDS for entry in entries)
    by_key = {entry["key"]: entry for entry in entries}
    assert by_key["funding.pbr_share"]["default"] == {"target": 0.5, "trust": 0.0}
    size = by_key["population.size"]
    assert size["low"] < size["default"] < size["high"]
    assert all(isinstance(entry["mechanism"], list) and entry["mechanism"] for entry in entries)


@pytest.mark.parametrize("kind", KINDS)
def test_params_kind_lists_only_that_kind(capsys, kind):
    code, out, err = run_cli(capsys, "params", "--json", "--kind", kind)
    assert code == 0 and err == ""
    entries = json.loads(out)
    assert entries and {entry["kind"] for entry in entries} == {kind}
    _, table, _ = run_cli(capsys, "params", "--kind", kind)
    assert [line.split()[0] for line in table.splitlines()[2:]] == [entry["key"] for entry in entries]


def test_the_kinds_together_are_the_whole_catalogue(capsys):
    everything = json.loads(run_cli(capsys, "params", "--json")[1])
    parts = [json.loads(run_cli(capsys, "params", "--json", "--kind", kind)[1]) for kind in KINDS]
    assert sorted(entry["key"] for part in parts for entry in part) == sorted(e["key"] for e in everything)


@pytest.mark.parametrize("extra", [["--kind", "behavior"], ["--kind"], ["--format", "csv"]])
def test_params_refuses_a_bad_option_in_one_line(capsys, extra):
    code, out, err = run_cli(capsys, "params", *extra)
    assert code == 2 and out == ""
    assert err.startswith("hls-sim: error: ") and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def test_params_table_wraps_to_the_terminal_width():
    from hls_sim.parameters import catalogue
    from hls_sim.parameters.document import terminal_table

    entries = catalogue()
    table = terminal_table(entries, 180).splitlines()
    assert max(len(line) for line in table) <= 180
    starts = [line.split()[0] for line in table[2:] if line and not line.startswith(" ")]
    assert starts == [entry.key for entry in entries]
    flat = terminal_table(entries, None).splitlines()
    assert len(flat) == 2 + len(entries)
