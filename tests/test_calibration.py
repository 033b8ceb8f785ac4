"""``hls-sim calibrate``: the patterns file is checked like a scenario, and a calibration is reproducible.

The calibrations here are tiny (two settings, two patterns, two parameters, a
small place run for 20 weeks after 10 of burn-in, budgets of a few dozen runs):
they check the machinery (budget, resuming, worker counts, outputs), not what
the real patterns say.
"""

from __future__ import annotations

import copy
import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hls_sim.calibration.patterns import (
    MISSING_DISCREPANCY,
    Pattern,
    load_patterns,
    patterns_from_dict,
)
from hls_sim.cli import main

SHIPPED = Path(__file__).resolve().parent.parent / "calibration" / "patterns.toml"

TINY: dict = {
    "name": "tiny",
    "parameters": ["workforce.admin_hours", "workforce.base_turnover"],
    "set": {"weeks": 20, "burn_in": 10, "population.size": 300, "workforce.workers": 9},
    "settings": {
        "old-world": {"regime": "target-competition"},
        "new-world": {"regime": "trust-alliance"},
    },
    "patterns": [
        {
            "name": "admin",
            "description": "admin share",
            "metric": "admin_share",
            "setting": "old-world",
            "figure": 0.35,
            "interval": [0.25, 0.6],
            "source": "a survey",
            "verified": True,
        },
        {
            "name": "turnover-ratio",
            "description": "turnover, old over new",
            "metric": "turnover_rate",
            "ratio": ["old-world", "new-world"],
            "figure": 1.5,
            "sd": 0.5,
            "source": "a report",
            "verified": False,
        },
    ],
}


# Enough model runs for the tiny file to reach a second generation (two runs a particle).
TINY_BUDGET = 60


def write_toml(path: Path, data: dict) -> Path:
    """A minimal TOML writer for the tiny files above (tables, arrays, strings, numbers, booleans)."""

    def value(item: object) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, str):
            return json.dumps(item)
        if isinstance(item, list):
            return "[" + ", ".join(value(part) for part in item) + "]"
        if isinstance(item, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(v)}" for k, v in item.items()) + " }"
        return repr(item)

    lines = [f"{key} = {value(item)}" for key, item in data.items() if key not in ("settings", "patterns")]
    for name, setting in data.get("settings", {}).items():
        lines.append(f"[settings.{name}]")
        lines += [f"{key} = {value(item)}" for key, item in setting.items()]
    for pattern in data.get("patterns", []):
        lines.append("[[patterns]]")
        lines += [f"{key} = {value(item)}" for key, item in pattern.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tomllib.loads(path.read_text())
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- the shipped file ---------------------------------------------------------------------------


@pytest.mark.parametrize("place", ["small", "default"])
def test_shipped_patterns_load_at_both_places(place):
    patterns = load_patterns(SHIPPED, place=place)
    assert len(patterns.spec.patterns) >= 8
    assert set(patterns.scenarios) == {"old-world", "no-stakes", "new-world", "steelman"}
    assert patterns.runs_per_particle == 4
    for pattern in patterns.spec.patterns:
        assert pattern.source.strip() and pattern.description.strip()
    if place == "small":
        assert {scenario.population.size for scenario in patterns.scenarios.values()} == {600}
    else:
        assert patterns.scenarios["steelman"].eligibility.no_decline
        assert patterns.scenarios["new-world"].funding.mode == "trust"


# --- how a pattern is scored --------------------------------------------------------------------


def pattern(**changes: object) -> Pattern:
    return Pattern.model_validate({**copy.deepcopy(TINY["patterns"][0]), **changes})


def test_discrepancy_is_zero_at_the_figure_and_one_at_either_end_of_its_range():
    admin = pattern()
    assert admin.discrepancy(0.35) == 0
    assert admin.discrepancy(0.6) == pytest.approx(1)
    assert admin.discrepancy(0.25) == pytest.approx(-1)
    assert admin.discrepancy(0.85) == pytest.approx(2)
    assert admin.discrepancy(0.15) == pytest.approx(-2)


def test_a_standard_deviation_counts_two_of_them_as_the_range():
    ratio = Pattern.model_validate(TINY["patterns"][1])
    assert ratio.bounds() == (0.5, 2.5)
    assert ratio.discrepancy(2.5) == pytest.approx(1)


def test_a_pattern_the_model_cannot_compute_is_a_clear_miss_not_an_infinite_distance():
    ratio = Pattern.model_validate(TINY["patterns"][1])
    assert math.isnan(ratio.value({"old-world": {"turnover_rate": 0.3}, "new-world": {"turnover_rate": 0.0}}))
    assert ratio.discrepancy(float("nan")) == MISSING_DISCREPANCY
    assert ratio.value(
        {"old-world": {"turnover_rate": 0.3}, "new-world": {"turnover_rate": 0.2}}
    ) == pytest.approx(1.5)


def test_distance_weighs_patterns_by_their_uncertainty_not_their_units():
    patterns = patterns_from_dict(copy.deepcopy(TINY), place="small")
    at_edges = patterns.distance({"admin": 0.6, "turnover-ratio": 0.5})
    assert at_edges == pytest.approx(1)
    assert patterns.distance({"admin": 0.35, "turnover-ratio": 1.5}) == 0


# --- bad files ----------------------------------------------------------------------------------


def broken(change) -> dict:
    data = copy.deepcopy(TINY)
    change(data)
    return data


BAD = {
    "unknown top-level key": (lambda d: d.update(budget=10), "budget"),
    "unknown pattern key": (lambda d: d["patterns"][0].update(weight=2), "weight"),
    "unknown metric": (lambda d: d["patterns"][0].update(metric="happiness"), "happiness"),
    "boolean figure": (lambda d: d["patterns"][0].update(figure=True), "figure"),
    "string figure": (lambda d: d["patterns"][0].update(figure="0.3"), "figure"),
    "two comparisons": (lambda d: d["patterns"][0].update(ratio=["old-world", "new-world"]), "exactly one"),
    "no comparison": (lambda d: d["patterns"][0].pop("setting"), "exactly one"),
    "interval not around figure": (lambda d: d["patterns"][0].update(interval=[0.4, 0.6]), "interval"),
    "interval and sd": (lambda d: d["patterns"][0].update(sd=0.1), "uncertainty"),
    "no uncertainty": (lambda d: d["patterns"][0].pop("interval"), "uncertainty"),
    "negative sd": (lambda d: d["patterns"][1].update(sd=-0.5), "sd"),
    "unknown setting": (lambda d: d["patterns"][0].update(setting="nowhere"), "nowhere"),
    "duplicate pattern name": (lambda d: d["patterns"][1].update(name="admin"), "admin"),
    "bad pattern name": (lambda d: d["patterns"][1].update(name="Has Spaces"), "name"),
    "no source": (lambda d: d["patterns"][0].update(source=""), "source"),
    "unknown parameter": (lambda d: d.update(parameters=["workforce.admin_hour"]), "workforce.admin_hour"),
    "rule as parameter": (lambda d: d.update(parameters=["funding.pbr_share"]), "funding.pbr_share"),
    "parameter twice": (lambda d: d.update(parameters=["life.event_rate", "life.event_rate"]), "twice"),
    "unknown regime": (lambda d: d["settings"]["old-world"].update(regime="target-market"), "regime"),
    "unknown scenario": (lambda d: d["settings"]["old-world"].update(scenario="atlantis"), "atlantis"),
    "bad key in set": (lambda d: d["settings"]["old-world"].update(set={"funding.pbr": 0.5}), "funding.pbr"),
    "bad value in set": (
        lambda d: d["settings"]["old-world"].update(set={"funding.pbr_share": 2.0}),
        "pbr_share",
    ),
    "calibrated key fixed": (
        lambda d: d["settings"]["new-world"].update(set={"workforce.admin_hours": 2.0}),
        "both calibrated and fixed",
    ),
    "zero replicates": (lambda d: d.update(replicates=0), "replicates"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_patterns_file_gets_one_message_exit_2_and_nothing_written(case, tmp_path, capsys):
    change, named = BAD[case]
    path = write_toml(tmp_path / "bad.toml", broken(change))
    out = tmp_path / "out"
    code, stdout, err = run_cli(capsys, "calibrate", str(path), "--out", str(out), "--budget", "50")
    assert code == 2
    assert stdout == ""
    assert err.startswith("hls-sim: error: ") and str(path) in err and named in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_not_toml_and_a_missing_file_are_refused(tmp_path, capsys):
    path = tmp_path / "broken.toml"
    path.write_text("name = [", encoding="utf-8")
    for target in (path, tmp_path / "missing.toml"):
        code, _, err = run_cli(capsys, "calibrate", str(target), "--out", str(tmp_path / "out"))
        assert code == 2 and str(target) in err
    assert not (tmp_path / "out").exists()


def test_a_budget_too_small_for_one_generation_is_refused_before_anything_runs(tmp_path, capsys):
    path = write_toml(tmp_path / "tiny.toml", copy.deepcopy(TINY))
    code, _, err = run_cli(capsys, "calibrate", str(path), "--out", str(tmp_path / "out"), "--budget", "5")
    assert code == 2 and "--budget 5" in err and "at least" in err
    assert not (tmp_path / "out").exists()


def test_a_folder_holding_something_else_is_refused(tmp_path, capsys):
    path = write_toml(tmp_path / "tiny.toml", copy.deepcopy(TINY))
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, _, err = run_cli(capsys, "calibrate", str(path), "--out", str(out))
    assert code == 2 and "not a calibration folder" in err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


# --- tiny calibrations --------------------------------------------------------------------------


def calibrate(capsys, path: Path, out: Path, budget: int, workers: int, *extra: str) -> dict:
    code, stdout, err = run_cli(
        capsys,
        "calibrate", str(path), "--out", str(out), "--budget", str(budget), "--workers", str(workers),
        "--population", "3", "--check-draws", "2", "--seed", "7", *extra,
    )  # fmt: skip
    assert code == 0, err
    return json.loads((out / "manifest.json").read_text())


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory):
    """One tiny calibration at one worker, the same at two, and the same again in two sessions."""
    root = tmp_path_factory.mktemp("calibration")
    path = write_toml(root / "tiny.toml", copy.deepcopy(TINY))
    capsys = _NoCapture()
    one = calibrate(capsys, path, root / "one", TINY_BUDGET, 1)
    two = calibrate(capsys, path, root / "two", TINY_BUDGET, 2)
    calibrate(capsys, path, root / "split", 16, 2)
    split = calibrate(capsys, path, root / "split", TINY_BUDGET, 2)
    return root, path, {"one": one, "two": two, "split": split}


class _NoCapture:
    """A stand-in for capsys in a module-scoped fixture: main's output is simply not read."""

    def readouterr(self) -> tuple[str, str]:
        return "", ""


@pytest.mark.slow
def test_a_calibration_writes_its_posterior_report_and_provenance(tiny_runs):
    root, path, manifests = tiny_runs
    folder = root / "one"
    posterior = pd.read_parquet(folder / "posterior.parquet")
    assert {"generation", "weight", "distance", "workforce.admin_hours", "workforce.base_turnover"} <= set(
        posterior.columns
    )
    assert {"pattern.admin", "pattern.turnover-ratio"} <= set(posterior.columns)
    assert posterior.groupby("generation")["weight"].sum().to_numpy() == pytest.approx(1.0)
    assert posterior["generation"].max() >= 1
    for key, (low, high) in {"workforce.admin_hours": (1, 4), "workforce.base_turnover": (0.08, 0.2)}.items():
        assert posterior[key].between(low, high).all()
    report = (folder / "report.md").read_text()
    for heading in ("Posterior predictive check", "posterior against prior", "pull against each other"):
        assert heading in report
    assert "[workforce]" in report and "admin_hours = " in report
    last = posterior[posterior["generation"] == posterior["generation"].max()]["weight"]
    assert "Effective sample size of the last generation's weights (Kish, (Σw)² / Σw²): " in report
    assert f"{last.sum() ** 2 / (last**2).sum():.1f} of {len(last)} particles" in report
    for figure in ("predictive.png", "posteriors.png"):
        assert (folder / "figures" / figure).stat().st_size > 1000
    manifest = manifests["one"]
    assert manifest["seed"] == 7 and manifest["place"] == "small"
    assert manifest["packages"]["pyabc"] and "git_commit" in manifest
    assert manifest["patterns_hash"] and manifest["runs_per_particle"] == 2


@pytest.mark.slow
def test_the_budget_caps_the_runs_counted(tiny_runs):
    _, _, manifests = tiny_runs
    for manifest in manifests.values():
        assert manifest["runs"]["counted"] <= TINY_BUDGET
        # two draws at two runs each, once for each session that ended on a new generation
        assert manifest["runs"]["check"] in (4, 8)
        assert sum(session["runs_counted"] for session in manifest["sessions"]) == manifest["runs"]["counted"]


@pytest.mark.slow
def test_the_same_calibration_at_one_and_two_workers_is_the_same(tiny_runs):
    root, _, _ = tiny_runs
    for name in ("posterior.parquet", "check.parquet"):
        one = pd.read_parquet(root / "one" / name)
        two = pd.read_parquet(root / "two" / name)
        pd.testing.assert_frame_equal(one, two)


@pytest.mark.slow
def test_a_calibration_resumed_in_a_second_session_goes_on_where_it_stopped(tiny_runs):
    root, _, manifests = tiny_runs
    assert len(manifests["split"]["sessions"]) == 2
    one = pd.read_parquet(root / "one" / "posterior.parquet")
    split = pd.read_parquet(root / "split" / "posterior.parquet")
    common = min(one["generation"].max(), split["generation"].max())
    pd.testing.assert_frame_equal(
        one[one["generation"] <= common].reset_index(drop=True),
        split[split["generation"] <= common].reset_index(drop=True),
    )


@pytest.mark.slow
def test_rerunning_a_finished_calibration_runs_nothing_more(tiny_runs, capsys):
    root, path, manifests = tiny_runs
    before = pd.read_parquet(root / "one" / "posterior.parquet")
    again = calibrate(capsys, path, root / "one", TINY_BUDGET, 1)
    assert again["runs"]["counted"] == manifests["one"]["runs"]["counted"]
    pd.testing.assert_frame_equal(before, pd.read_parquet(root / "one" / "posterior.parquet"))


@pytest.mark.slow
def test_a_different_patterns_file_or_seed_in_the_same_folder_is_refused(tiny_runs, tmp_path, capsys):
    root, path, _ = tiny_runs
    data = copy.deepcopy(TINY)
    data["patterns"][0]["figure"] = 0.3
    other = write_toml(tmp_path / "other.toml", data)
    for args in ([str(other)], [str(path), "--seed", "8"], [str(path), "--place", "default"]):
        before = (root / "one" / "manifest.json").read_text()
        out = ["--out", str(root / "one"), "--budget", str(TINY_BUDGET)]
        code, _, err = run_cli(capsys, "calibrate", *args, *out)
        assert code == 2 and "choose a new --out folder" in err
        assert (root / "one" / "manifest.json").read_text() == before


def test_particle_seeds_depend_on_the_parameter_values_and_the_root_seed_only():
    from hls_sim.calibration.particle import particle_seeds

    assert particle_seeds(1, [0.5, 2.0], 2) == particle_seeds(1, [0.5, 2.0], 2)
    assert particle_seeds(1, [0.5, 2.0], 2) != particle_seeds(2, [0.5, 2.0], 2)
    assert particle_seeds(1, [0.5, 2.0], 2) != particle_seeds(1, [0.5, np.nextafter(2.0, 3.0)], 2)
    assert len(set(particle_seeds(1, [0.5, 2.0], 3))) == 3


@pytest.mark.slow
def test_a_calibration_on_a_local_dask_cluster_matches_the_local_pool(tiny_runs, tmp_path, capsys):
    root, path, _ = tiny_runs
    calibrate(capsys, path, tmp_path / "dask", TINY_BUDGET, 2, "--executor", "dask")
    for name in ("posterior.parquet", "check.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(root / "one" / name), pd.read_parquet(tmp_path / "dask" / name)
        )
