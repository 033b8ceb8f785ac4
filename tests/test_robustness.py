"""Robustness over the plausible space (issue 9, point 3).

The spec side: sampling every behavioural parameter, arms with their own
scenario, ``--samples``. The analysis side, on synthetic points with known
answers: where a claim holds, which parameter it depends on, and PRIM's box
of where it fails. One tiny sweep checks the whole path to report.md.
"""

from __future__ import annotations

import copy
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import TINY_PLACE, write_spec
from scipy.stats import qmc

from hls_sim.cli import main
from hls_sim.experiment import ExperimentError, load_experiment, load_runs, sweep, write_report
from hls_sim.experiment.plan import plan_tasks, resolver
from hls_sim.experiment.report import over_sample
from hls_sim.experiment.robustness import failure_box, harmonics, point_differences, sensitivity_indices
from hls_sim.experiment.spec import Claim, experiment_from_dict
from hls_sim.experiment.statistics import kish_effective_size, share_holding
from hls_sim.parameters import plausible_ranges

TINY = {
    "name": "tiny-robustness",
    "hypothesis": "Trust games less than targets wherever behaviour lies.",
    "seeds": 1,
    "root_seed": 13,
    "weeks": 15,
    "steps": False,
    "metrics": ["wellbeing_mean", "gaming_gap"],
    "set": TINY_PLACE,
    "sample": {"method": "latin", "n": 24, "parameters": "behaviour"},
    "arms": [
        {"name": "target", "regime": "target-competition"},
        {"name": "trust", "regime": "trust-alliance"},
    ],
    "claims": [
        {"metric": "gaming_gap", "compare": ["trust", "target"], "expect": "less"},
        {"metric": "wellbeing_mean", "compare": ["trust", "target"], "expect": "greater"},
    ],
}


def tiny(**changes: object) -> dict:
    spec = copy.deepcopy(TINY)
    spec.update(changes)
    return spec


# ---------------------------------------------------------------- the spec


def test_behaviour_samples_every_catalogued_behaviour_range_and_explicit_ranges_replace_or_add():
    spec = tiny()
    spec["sample"]["ranges"] = {"workforce.knave_share": [0.1, 0.3], "funding.pbr_share": [0.2, 0.6]}
    spec["arms"] = [{"name": "target", "regime": "target-competition"}]
    spec["claims"] = []
    ranges = experiment_from_dict(spec).spec.sample.ranges
    catalogue = plausible_ranges("behaviour")
    assert list(ranges)[: len(catalogue)] == list(catalogue), "catalogue order, then added keys"
    assert ranges["workforce.knave_share"] == (0.1, 0.3)
    assert ranges["funding.pbr_share"] == (0.2, 0.6)
    assert len(ranges) == len(catalogue) + 1


def test_sampled_points_fill_their_ranges_and_whole_number_keys_stay_whole():
    experiment = experiment_from_dict(tiny())
    points = experiment.spec.points()
    ranges = experiment.spec.sample.ranges
    assert len(points) == 24 and len({tuple(point.values()) for point in points}) == 24
    for key, (low, high) in ranges.items():
        values = np.array([point[key] for point in points], dtype=float)
        assert values.min() >= low - 0.5 and values.max() <= high + 0.5
    whole = [key for key in ranges if isinstance(points[0][key], int)]
    assert whole, "the catalogue has whole-number behaviour keys"
    for key in whole:
        assert all(isinstance(point[key], int) for point in points)
    resolve = resolver(experiment)
    assert all(resolve(task).scenario is not None for task in plan_tasks(experiment))


def test_the_manifest_records_the_ranges_that_were_sampled(tmp_path):
    experiment = experiment_from_dict(tiny(sample={"method": "sobol", "n": 2, "parameters": "behaviour"}))
    out = tmp_path / "results"
    sweep(experiment, out, workers=1, progress=False)
    ranges = load_runs(out).filter(like=".").columns
    assert set(plausible_ranges("behaviour")) <= set(ranges)
    manifest = (out / "manifest.json").read_text()
    assert '"parameters": "behaviour"' in manifest and '"life.event_rate"' in manifest


def test_the_shipped_robustness_spec_is_at_least_500_points_of_every_behaviour_parameter_and_the_steelman():
    experiment = load_experiment("robustness")
    spec = experiment.spec
    assert spec.sample.n >= 500 and spec.sample.parameters == "behaviour"
    assert set(plausible_ranges("behaviour")) <= set(spec.sample.ranges)
    arms = {arm.name: arm for arm in spec.arms}
    assert {arm.regime for arm in spec.arms if arm.regime} == {
        "target-competition",
        "target-alliance",
        "trust-competition",
        "trust-alliance",
    }
    assert arms["steelman-pbr"].scenario == "steelman-pbr"
    compared = {(claim.metric, claim.compare) for claim in spec.claims}
    for metric in ("wellbeing_mean", "gaming_gap", "total_cost", "knowledge_error"):
        assert (metric, ("trust-alliance", "target-competition")) in compared
    assert ("wellbeing_mean", ("trust-competition", "target-alliance")) in compared
    assert ("wellbeing_mean", ("trust-alliance", "steelman-pbr")) in compared
    assert ("total_cost", ("trust-alliance", "steelman-pbr")) in compared


def test_an_arm_with_its_own_scenario_runs_it_and_is_labelled_with_it():
    experiment = load_experiment("robustness").with_samples(2).with_seeds(1)
    resolve = resolver(experiment)
    tasks = {task.arm: resolve(task) for task in plan_tasks(experiment)}
    steelman = tasks["steelman-pbr"]
    assert steelman.scenario_name == "steelman-pbr"
    assert steelman.scenario.eligibility.no_decline and steelman.scenario.funding.tariff == "differential"
    assert tasks["trust-alliance"].scenario_name == "default"
    assert steelman.parameters == tasks["trust-alliance"].parameters, "every arm runs the same points"


def test_samples_overrides_the_sample_size_and_nothing_else():
    experiment = load_experiment("robustness")
    smaller = experiment.with_samples(7)
    assert smaller.spec.sample.n == 7 and len(smaller.spec.points()) == 7
    assert smaller.spec.sample.ranges == experiment.spec.sample.ranges
    assert experiment.with_samples(None) is experiment
    with pytest.raises(ExperimentError, match="has no \\[sample\\] table"):
        load_experiment("regimes-2x2").with_samples(5)


BASE = """
name = "bad"
hypothesis = "h"
metrics = ["wellbeing_mean"]
"""


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            '[sample]\nmethod = "latin"\nn = 4',
            "give ranges = {key = [low, high]}, or parameters = 'behaviour'",
        ),
        ('[sample]\nmethod = "latin"\nn = 4\nparameters = "rules"', "sample.parameters"),
        (
            'set = {"workforce.knave_share" = 0.3}\n'
            '[sample]\nmethod = "latin"\nn = 4\nparameters = "behaviour"',
            "set: workforce.knave_share is also sampled",
        ),
        ('[[arms]]\nname = "a"\nscenario = "atlantis"', "arms.0.scenario: atlantis: no such scenario file"),
        (
            'scenarios = ["default", "small-place"]\n[[arms]]\nname = "a"\nscenario = "steelman-pbr"',
            "an arm with its own scenario needs the spec to list one scenario",
        ),
    ],
)
def test_a_bad_sample_or_arm_scenario_is_refused_in_one_line_and_nothing_is_written(
    tmp_path, capsys, extra, expected
):
    path = write_spec(tmp_path, BASE + extra + "\n")
    out = tmp_path / "results"
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and expected in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert not out.exists()


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--samples", "0"], "--samples: 0 is below the smallest allowed, 1"),
        (["--samples", "many"], "--samples: 'many' is not a whole number"),
        (["--samples", "2000000"], "n = 2000000: input should be less than or equal to 1000000"),
    ],
)
def test_a_bad_samples_option_is_refused_in_one_line_and_nothing_is_written(
    tmp_path, capsys, arguments, expected
):
    out = tmp_path / "results"
    assert main(["sweep", "robustness", "--out", str(out), *arguments]) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()


def test_samples_on_a_spec_without_a_sample_is_refused(tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["sweep", "regimes-2x2", "--out", str(out), "--samples", "5"]) == 2
    err = capsys.readouterr().err
    assert "--samples 5" in err and "regimes-2x2.toml has no [sample] table" in err
    assert not out.exists()


# ---------------------------------------------------------------- the analysis, on known answers


def synthetic_runs(
    points: int = 400, seeds: int = 2, noise: float = 0.05
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two arms over a Latin hypercube of four parameters; trust - target = 1 - 2 * (a > 0.7 and b < 0.4).

    ``d`` is whole-numbered (0 to 10), as some behaviour keys are.

    So the claim "trust above target" fails exactly in the box a > 0.7, b < 0.4
    (12% of the space), and only ``a`` and ``b`` matter.
    """
    rng = np.random.default_rng(50)
    x = pd.DataFrame(qmc.LatinHypercube(d=4, rng=rng).random(points), columns=["a", "b", "c", "d"])
    x["d"] = (x["d"] * 10).round().astype(int)
    difference = 1.0 - 2.0 * ((x["a"] > 0.7) & (x["b"] < 0.4)).to_numpy()
    rows = []
    for point in range(points):
        for seed in range(seeds):
            luck = rng.normal(0.0, 1.0)
            base = {"scenario": "default", "point": point, "seed_index": seed, **x.iloc[point].to_dict()}
            rows.append({**base, "arm": "target", "m": luck})
            rows.append({**base, "arm": "trust", "m": luck + difference[point] + rng.normal(0.0, noise)})
    return pd.DataFrame(rows), x


def test_point_differences_pair_seeds_and_judge_each_point_by_its_mean():
    runs, _ = synthetic_runs(points=50)
    claim = Claim(metric="m", compare=("trust", "target"), expect="greater")
    table = point_differences(runs, claim)
    assert len(table) == 50 and (table["seeds"] == 2).all()
    assert table["holds"].mean() == pytest.approx((table["difference"] > 0).mean())
    stricter = point_differences(
        runs, Claim(metric="m", compare=("trust", "target"), expect="greater", min_effect=2)
    )
    assert not stricter["holds"].any(), "no point beats a minimum effect of 2"
    equal = point_differences(
        runs, Claim(metric="m", compare=("trust", "target"), expect="equal", tolerance=1.5)
    )
    assert equal["holds"].all()


def test_a_seed_missing_from_one_arm_is_left_out_of_its_point():
    runs, _ = synthetic_runs(points=10)
    runs = runs[~((runs["arm"] == "trust") & (runs["point"] == 3) & (runs["seed_index"] == 1))]
    table = point_differences(runs, Claim(metric="m", compare=("trust", "target"), expect="greater"))
    assert table.loc[3, "seeds"] == 1 and (table.drop(index=3)["seeds"] == 2).all()


def test_sensitivity_ranks_the_parameters_the_claim_depends_on_first():
    runs, x = synthetic_runs()
    table = point_differences(runs, Claim(metric="m", compare=("trust", "target"), expect="greater"))
    indices = sensitivity_indices(x, table["difference"].to_numpy(), seed=1)
    assert set(indices["parameter"].head(2)) == {"a", "b"}
    inert = indices[indices["parameter"].isin(["c", "d"])]
    assert (inert["low"] <= 0.0).all(), "parameters that do nothing have intervals reaching 0"
    assert (indices.head(2)["low"] > 0.0).all()
    assert list(indices["rank"]) == [1, 2, 3, 4]


def test_sensitivity_needs_enough_points_for_one_harmonic():
    assert harmonics(19) == 0 and harmonics(40) == 2 and harmonics(500) == 10
    x = pd.DataFrame({"a": np.linspace(0, 1, 10)})
    assert sensitivity_indices(x, np.arange(10.0), seed=1).empty
    assert sensitivity_indices(pd.DataFrame({"a": np.linspace(0, 1, 40)}), np.ones(40), seed=1).empty


@pytest.mark.slow
def test_prim_finds_the_box_where_the_claim_fails():
    runs, x = synthetic_runs()
    table = point_differences(runs, Claim(metric="m", compare=("trust", "target"), expect="greater"))
    box = failure_box(x, ~table["holds"].to_numpy())
    summary = box["summary"]
    assert summary["failure_share"] == pytest.approx(0.12, abs=0.02)
    assert summary["box_coverage"] >= 0.9 and summary["box_density"] >= 0.9
    limits = {row["parameter"]: row for row in box["limits"]}
    assert set(limits) == {"a", "b"}
    assert limits["a"]["box_low"] == pytest.approx(0.7, abs=0.05)
    assert limits["b"]["box_high"] == pytest.approx(0.4, abs=0.05)
    chosen = [step for step in box["trajectory"] if step["chosen"]]
    assert len(chosen) == 1 and chosen[0]["f1"] == max(step["f1"] for step in box["trajectory"])


def test_prim_restricts_a_whole_number_parameter():
    """The workbench's pasting writes a float limit into an integer column, which pandas 3 refuses."""
    rng = np.random.default_rng(51)
    x = pd.DataFrame(qmc.LatinHypercube(d=3, rng=rng).random(300), columns=["a", "b", "weeks"])
    x["weeks"] = (x["weeks"] * 12 + 1).round().astype(int)
    fails = ((x["a"] > 0.6) & (x["weeks"] <= 5)).to_numpy()
    limits = {row["parameter"]: row for row in failure_box(x, fails)["limits"]}
    assert limits["weeks"]["box_high"] <= 6 and limits["a"]["box_low"] == pytest.approx(0.6, abs=0.05)


@pytest.mark.parametrize(("fails", "note"), [(False, "fails nowhere"), (True, "fails everywhere")])
def test_no_box_when_the_claim_fails_nowhere_or_everywhere(fails, note):
    x = pd.DataFrame({"a": np.linspace(0, 1, 30)})
    box = failure_box(x, np.full(30, fails))
    assert box["summary"]["box_note"] == f"no box: the claim {note}" and not box["limits"]


@pytest.mark.slow
def test_a_report_does_not_import_the_workbench_until_it_runs_prim():
    """ema_workbench takes 10 to 15 s to import: workers and the report module must not pay for it."""
    code = (
        "import sys, hls_sim.experiment.report, hls_sim.experiment.tasks; "
        "print('ema_workbench' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# ---------------------------------------------------------------- end to end


TINY_TOML = """
name = "tiny-robustness"
hypothesis = "Trust games less than targets wherever behaviour lies."
seeds = 1
root_seed = 13
weeks = 15
steps = false
metrics = ["wellbeing_mean", "gaming_gap"]

[set]
burn_in = 5
"population.size" = 300
"workforce.workers" = 9
"providers.count" = 3
"funding.budget" = 340000.0

[sample]
method = "latin"
n = 500
parameters = "behaviour"

[[arms]]
name = "target"
regime = "target-competition"

[[arms]]
name = "trust"
regime = "trust-alliance"

[[claims]]
metric = "gaming_gap"
compare = ["trust", "target"]
expect = "less"

[[claims]]
metric = "wellbeing_mean"
compare = ["trust", "target"]
expect = "greater"
"""


@pytest.mark.slow
def test_a_robustness_sweep_writes_shares_sensitivities_and_boxes(tmp_path, capsys):
    out = tmp_path / "results"
    path = write_spec(tmp_path, TINY_TOML)
    assert main(["sweep", str(path), "--out", str(out), "--samples", "24", "--workers", "1"]) == 0
    assert "48 runs: 0 already stored, 48 run now" in capsys.readouterr().out
    report = (out / "report.md").read_text()
    assert "## Robustness over the plausible space" in report
    assert "**Robustness over the plausible space.**" in report and "Clopper–Pearson" in report
    assert "With one seed per point it is that seed's difference" in report
    summary = pd.read_csv(out / "tables" / "robustness.csv")
    assert list(summary["claim"]) == ["gaming_gap: trust minus target", "wellbeing_mean: trust minus target"]
    assert (summary["points"] + summary["left_out"] == 24).all() and (summary["seeds_per_point"] == 1).all()
    for row in summary.itertuples():
        assert row.low <= row.share <= row.high
    points = pd.read_csv(out / "tables" / "robustness-points.csv")
    assert len(points) == summary["points"].sum()
    sensitivity = pd.read_csv(out / "tables" / "robustness-sensitivity.csv")
    assert len(sensitivity) == 2 * len(plausible_ranges("behaviour"))
    assert (out / "figures" / "robustness-1.png").exists()
    assert f"over {len(plausible_ranges('behaviour'))} parameters" in report
    write_report(out)
    assert main(["sweep", str(path), "--out", str(out), "--samples", "24", "--workers", "1"]) == 0
    assert "48 already stored, 0 run now" in capsys.readouterr().out


def test_estimates_of_a_sampled_spec_average_each_seed_over_the_points_within_grid_cells():
    rows = [
        {
            "scenario": "s",
            "arm": arm,
            "g": g,
            "point": point,
            "seed_index": seed,
            "seed": 100 + seed,
            "m": value,
        }
        for arm in ("x", "y")
        for g in (0.1, 0.2)
        for point, value in enumerate([1.0, 3.0])
        for seed in (0, 1)
    ]
    averaged = over_sample(pd.DataFrame(rows), ["m"], ["g"])
    assert len(averaged) == 2 * 2 * 2, "one row per arm, grid cell and seed"
    assert (averaged["m"] == 2.0).all()
    assert sorted(averaged["point"].unique()) == [0, 1] and set(averaged["seed"]) == {100, 101}


# ---------------------------------------------------------------- over a calibrated posterior


def write_posterior(path, weights=(0.0, 0.25, 0.75)) -> None:
    """A posterior as `hls-sim calibrate` writes it: two generations, the last with known weights."""
    rows = [
        {
            "generation": 0,
            "weight": 1.0,
            "distance": 3.0,
            "life.event_rate": 0.9,
            "workforce.knave_share": 0.9,
        }
    ]
    rows += [
        {
            "generation": 1,
            "weight": weight,
            "distance": 1.0,
            "life.event_rate": 0.01 * (i + 1),
            "workforce.knave_share": 0.1 * (i + 1),
            "pattern.ae-gap": 0.2,
        }
        for i, weight in enumerate(weights)
    ]
    pd.DataFrame(rows).to_parquet(path, index=False)


def posterior_spec(path, n: int = 40) -> dict:
    return tiny(sample={"method": "posterior", "n": n, "posterior": str(path)})


def test_posterior_points_are_last_generation_particles_drawn_by_weight(tmp_path):
    write_posterior(tmp_path / "posterior.parquet")
    experiment = experiment_from_dict(posterior_spec(tmp_path / "posterior.parquet", n=400))
    sample = experiment.spec.sample
    assert sample.ranges == {
        "life.event_rate": (0.01, 0.03),
        "workforce.knave_share": (0.1, 0.30000000000000004),
    }
    assert len(sample.digest) == 64
    points = experiment.spec.points()
    assert points == experiment_from_dict(posterior_spec(tmp_path / "posterior.parquet", n=400)).spec.points()
    drawn = pd.Series([point["life.event_rate"] for point in points]).value_counts()
    assert 0.01 not in drawn.index, "a particle of weight 0 is never drawn, nor one of an earlier generation"
    assert set(drawn.index) == {0.02, 0.03}
    assert drawn[0.03] / len(points) == pytest.approx(0.75, abs=0.07)
    assert all(
        point["workforce.knave_share"] == pytest.approx(10 * point["life.event_rate"]) for point in points
    )


def test_a_changed_posterior_is_a_new_sample(tmp_path):
    write_posterior(tmp_path / "posterior.parquet")
    before = experiment_from_dict(posterior_spec(tmp_path / "posterior.parquet")).spec.comparable_hash()
    write_posterior(tmp_path / "posterior.parquet", weights=(0.5, 0.25, 0.25))
    after = experiment_from_dict(posterior_spec(tmp_path / "posterior.parquet")).spec.comparable_hash()
    assert before != after


@pytest.mark.parametrize(
    ("sample", "words"),
    [
        ({"method": "posterior", "n": 4}, "needs posterior = "),
        ({"method": "posterior", "n": 4, "posterior": "nowhere.parquet"}, "no such file"),
        ({"method": "latin", "n": 4, "parameters": "behaviour", "posterior": "p.parquet"}, "needs method"),
        ({"method": "posterior", "n": 4, "posterior": "{bad}", "parameters": "behaviour"}, "drop parameters"),
        ({"method": "posterior", "n": 4, "posterior": "{bad}"}, "cannot be read as parquet"),
        ({"method": "posterior", "n": 4, "posterior": "{table}"}, "not a posterior"),
    ],
)
def test_a_bad_posterior_sample_is_refused_with_what_is_wrong(tmp_path, sample, words):
    (tmp_path / "bad.parquet").write_text("not parquet")
    pd.DataFrame({"x": [1.0]}).to_parquet(tmp_path / "table.parquet")
    sample = {
        key: value.format(bad=tmp_path / "bad.parquet", table=tmp_path / "table.parquet")
        if isinstance(value, str)
        else value
        for key, value in sample.items()
    }
    with pytest.raises(ExperimentError, match="sample") as error:
        experiment_from_dict(tiny(sample=sample))
    assert words in str(error.value)


def test_a_sweep_over_a_posterior_reports_probabilities(tmp_path):
    write_posterior(tmp_path / "posterior.parquet")
    out = tmp_path / "out"
    sweep(experiment_from_dict(posterior_spec(tmp_path / "posterior.parquet", n=24)), out, workers=1)
    write_report(out)
    report = (out / "report.md").read_text()
    assert "## Probability over the calibrated ensemble" in report
    assert "**Probability over the calibrated ensemble.**" in report and "last generation" in report
    summary = pd.read_csv(out / "tables" / "robustness.csv")
    assert (summary["points"] + summary["left_out"] == 24).all()
    # Two distinct particles drawn about 1:3: the interval rests on their effective number, not 24.
    assert (summary["effective"] < 3).all() and (summary["effective"] >= 1).all()
    assert "effectively" in report


def test_repeated_points_widen_the_share_interval_to_their_effective_number():
    holds = np.array([True] * 18 + [False] * 6)
    plain = share_holding(holds)
    repeated = share_holding(holds, effective=kish_effective_size([18, 6]))
    assert repeated.share == plain.share == 0.75
    assert repeated.effective == pytest.approx(24**2 / (18**2 + 6**2))
    assert repeated.low < plain.low and repeated.high >= plain.high
    # At a whole effective number it is the exact Clopper-Pearson interval of that many points.
    whole = share_holding(holds, effective=8.0)
    exact = share_holding(np.arange(8) < 6)
    assert (whole.low, whole.high) == pytest.approx((exact.low, exact.high))
    assert share_holding(holds, effective=100.0) == plain, "never narrower than the points themselves"
