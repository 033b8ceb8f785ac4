"""Decomposition of the gap between two arms into rule groups (issue 8, point 6).

The spec side: which arms a ``[decomposition]`` table adds, with which values,
and which tables it refuses. The analysis side: on synthetic runs whose group
effects are known, the report's effects, shares and interactions recover
them. One tiny sweep checks the whole path to report.md.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from conftest import TINY_PLACE, write_spec

from hls_sim.cli import main
from hls_sim.experiment import load_experiment, sweep, write_report
from hls_sim.experiment.decomposition import decomposition_table
from hls_sim.experiment.plan import plan_tasks, resolver
from hls_sim.experiment.spec import experiment_from_dict
from hls_sim.regimes import PRESETS

TINY = {
    "name": "tiny-decomposition",
    "hypothesis": "Payment alone does not make the gap.",
    "seeds": 3,
    "root_seed": 11,
    "weeks": 20,
    "metrics": ["wellbeing_mean", "gaming_gap"],
    "set": TINY_PLACE,
    "arms": [
        {"name": "old", "regime": "target-competition"},
        {"name": "new", "regime": "trust-alliance"},
    ],
    "decomposition": {
        "from": "old",
        "to": "new",
        "groups": {"payment": ["funding.pbr_share"], "forums": ["market.forum_weeks", "market.forum_hours"]},
    },
    "claims": [{"metric": "wellbeing_mean", "compare": ["new", "old plus payment"], "expect": "greater"}],
}


def tiny(**changes: object) -> dict:
    spec = copy.deepcopy(TINY)
    spec.update(changes)
    return spec


# ---------------------------------------------------------------- the arms a decomposition adds


def test_shipped_decomposition_switches_each_group_both_ways_with_the_presets_values():
    experiment = load_experiment("decomposition")
    arms = {arm.name: arm for arm in experiment.spec.arms}
    groups = experiment.spec.decomposition.groups
    assert len(arms) == 2 + 2 * len(groups)
    target, trust = PRESETS["funding"]["target"], PRESETS["funding"]["trust"]
    assert arms["target-competition plus payment"].set == {"funding.pbr_share": trust["pbr_share"]}
    assert arms["trust-alliance minus payment"].set == {"funding.pbr_share": target["pbr_share"]}
    alliance = PRESETS["market"]["alliance"]
    assert arms["target-competition plus forums"].set == {
        f"market.{key}": alliance[key] for key in ("forum_weeks", "forum_hours", "open_books")
    }
    assert arms["target-competition plus forums"].regime == "target-competition"
    assert arms["trust-alliance minus forums"].regime == "trust-alliance"


def test_every_rule_of_the_two_presets_is_in_some_group_of_the_shipped_decomposition():
    grouped = {
        key for keys in load_experiment("decomposition").spec.decomposition.groups.values() for key in keys
    }
    preset_keys = {
        f"{section}.{key}"
        for section, modes in PRESETS.items()
        for values in modes.values()
        for key in values
    }
    assert grouped == preset_keys


def test_a_switched_arm_runs_the_other_arms_values_and_nothing_else():
    experiment = experiment_from_dict(tiny())
    resolve = resolver(experiment)
    scenarios = {task.arm: resolve(task).scenario for task in plan_tasks(experiment) if task.seed_index == 0}
    old, new, forward = scenarios["old"], scenarios["new"], scenarios["old plus forums"]
    assert (forward.market.forum_weeks, forward.market.forum_hours) == (
        new.market.forum_weeks,
        new.market.forum_hours,
    )
    unchanged = old.model_dump()
    switched = forward.model_dump()
    for key in ("forum_weeks", "forum_hours"):
        unchanged["market"].pop(key), switched["market"].pop(key)
    assert switched == unchanged
    backward = scenarios["new minus payment"]
    assert backward.funding.pbr_share == old.funding.pbr_share
    assert backward.funding.mode == "trust"


def test_values_come_from_the_arms_own_settings_not_only_the_presets():
    spec = tiny()
    spec["arms"][0]["set"] = {"funding.pbr_share": 0.2}
    arms = {arm.name: arm for arm in experiment_from_dict(spec).spec.arms}
    assert arms["new minus payment"].set == {"funding.pbr_share": 0.2}
    assert arms["old plus payment"].set == {"funding.pbr_share": 0.0}


ARMS = """
name = "bad"
hypothesis = "h"
metrics = ["wellbeing_mean"]
[[arms]]
name = "old"
regime = "target-competition"
[[arms]]
name = "new"
regime = "trust-alliance"
"""


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('from = "gone"\nto = "new"\ngroups = {p = ["funding.pbr_share"]}', "decomposition.from = 'gone'"),
        ('from = "old"\nto = "old"\ngroups = {p = ["funding.pbr_share"]}', "from and to are both 'old'"),
        ('from = "old"\nto = "new"\ngroups = {p = ["funding.pbr_sharee"]}', "'funding.pbr_sharee' is not"),
        ('from = "old"\nto = "new"\ngroups = {p = ["funding.mode"]}', "switches a whole preset"),
        ('from = "old"\nto = "new"\ngroups = {p = []}', "group 'p' names no key"),
        (
            'from = "old"\nto = "new"\ngroups = {p = ["funding.pbr_share"], q = ["funding.pbr_share"]}',
            "funding.pbr_share is in groups 'p' and 'q'",
        ),
        (
            'from = "old"\nto = "new"\ngroups = {p = ["funding.pbr_share"], t = ["funding.tariff"]}',
            "decomposition.groups.t: 'old' and 'new' both have funding.tariff = 'flat'",
        ),
        ('from = "old"\nto = "new"', "groups"),
        ('from = "old"\nto = "new"\ngroups = {p = ["funding.pbr_share"]}\ncolour = 1', "colour"),
    ],
)
def test_a_bad_decomposition_is_refused_in_one_line_and_nothing_is_written(tmp_path, capsys, table, expected):
    path = write_spec(tmp_path, ARMS + "[decomposition]\n" + table + "\n")
    out = tmp_path / "results"
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and expected in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert not out.exists()


def test_a_group_key_also_varied_or_a_scenario_that_switches_rules_is_refused(tmp_path, capsys):
    varied = write_spec(
        tmp_path,
        ARMS
        + '[[parameters]]\nkey = "funding.pbr_share"\nvalues = [0.1, 0.2]\n'
        + '[decomposition]\nfrom = "old"\nto = "new"\ngroups = {p = ["funding.pbr_share"]}\n',
    )
    assert main(["sweep", str(varied), "--out", str(tmp_path / "r")]) == 2
    assert "also varied" in capsys.readouterr().err
    switching = write_spec(
        tmp_path,
        ARMS.replace('hypothesis = "h"', 'hypothesis = "h"\nscenarios = ["transition"]')
        + '[decomposition]\nfrom = "old"\nto = "new"\ngroups = {p = ["funding.pbr_share"]}\n',
    )
    assert main(["sweep", str(switching), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "regime_changes = false" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_a_claim_may_compare_an_added_arm_but_not_an_unknown_one():
    assert experiment_from_dict(tiny()).spec.claims[0].compare == ("new", "old plus payment")
    spec = tiny(
        claims=[{"metric": "wellbeing_mean", "compare": ["new", "old plus nothing"], "expect": "greater"}]
    )
    with pytest.raises(Exception, match="no arm named 'old plus nothing'"):
        experiment_from_dict(spec)


# ---------------------------------------------------------------- the analysis, on known effects

GROUPS = {"payment": ["funding.pbr_share"], "forums": ["market.forum_weeks"]}
SPEC = {
    "scenarios": ["default"],
    "metrics": ["wellbeing_mean"],
    "decomposition": {"from": "old", "to": "new", "groups": GROUPS},
}


def synthetic_runs(
    effects: dict[str, float], extra: float, seeds: int = 12, noise: float = 0.002
) -> pd.DataFrame:
    """Runs whose metric is a seed's luck plus the effects of the groups each arm has switched on.

    ``extra`` is added when both groups are on: an interaction, what they do only together.
    """
    rng = np.random.default_rng(40)
    luck = rng.normal(0.0, 0.05, seeds)
    arms = {
        "old": set(),
        "new": set(GROUPS),
        "old plus payment": {"payment"},
        "old plus forums": {"forums"},
        "new minus payment": {"forums"},
        "new minus forums": {"payment"},
    }
    rows = []
    for arm, switched in arms.items():
        value = sum(effects[group] for group in switched) + (extra if switched == set(GROUPS) else 0.0)
        for seed in range(seeds):
            rows.append(
                {
                    "scenario": "default",
                    "arm": arm,
                    "point": 0,
                    "seed_index": seed,
                    "wellbeing_mean": 0.5 + luck[seed] + value + rng.normal(0.0, noise),
                }
            )
    return pd.DataFrame(rows)


def rows_of(table: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    return {(row["component"], row["direction"]): row for _, row in table.iterrows()}


def test_additive_groups_give_equal_effects_both_ways_their_shares_and_no_interaction():
    table = rows_of(decomposition_table(synthetic_runs({"payment": 0.03, "forums": 0.01}, extra=0.0), SPEC))
    gap = table["gap", "total"]
    assert gap["mean"] == pytest.approx(0.04, abs=0.002) and gap["low"] < 0.04 < gap["high"]
    for direction in ("forward", "backward"):
        payment, forums = table["payment", direction], table["forums", direction]
        assert payment["low"] < 0.03 < payment["high"] and forums["low"] < 0.01 < forums["high"]
        assert payment["share_low"] < 0.75 < payment["share_high"]
        assert forums["share_low"] < 0.25 < forums["share_high"]
        interaction = table["interaction", direction]
        assert interaction["low"] < 0.0 < interaction["high"]
        assert payment["share"] + forums["share"] + interaction["share"] == pytest.approx(1.0)


def test_groups_that_act_only_together_show_as_interaction_and_differ_by_direction():
    table = rows_of(decomposition_table(synthetic_runs({"payment": 0.02, "forums": 0.0}, extra=0.02), SPEC))
    assert table["gap", "total"]["mean"] == pytest.approx(0.04, abs=0.002)
    forward, backward = table["forums", "forward"], table["forums", "backward"]
    assert forward["low"] < 0.0 < forward["high"], "forums alone do nothing in the old world"
    assert backward["low"] < 0.02 < backward["high"], "taking forums away from the new world costs the extra"
    assert table["interaction", "forward"]["low"] < 0.02 < table["interaction", "forward"]["high"]
    assert table["interaction", "forward"]["low"] > 0.0
    assert table["interaction", "backward"]["mean"] == pytest.approx(-0.02, abs=0.002)


def test_no_share_interval_when_the_gap_may_be_zero():
    runs = synthetic_runs({"payment": 0.0, "forums": 0.0}, extra=0.0, noise=0.01)
    table = decomposition_table(runs, SPEC)
    shares = table[table["component"] != "gap"]
    assert shares["share_low"].isna().all() and shares["share_note"].str.contains("includes 0").all()


def test_a_seed_missing_from_an_arm_is_left_out_of_what_reads_it():
    runs = synthetic_runs({"payment": 0.03, "forums": 0.01}, extra=0.0)
    runs = runs[~((runs["arm"] == "old plus forums") & (runs["seed_index"] == 0))]
    table = rows_of(decomposition_table(runs, SPEC))
    assert table["forums", "forward"]["n"] == 11 and table["payment", "forward"]["n"] == 12
    assert table["interaction", "forward"]["n"] == 11


# ---------------------------------------------------------------- end to end


def test_a_decomposition_sweep_writes_its_section_and_table(tmp_path):
    out = tmp_path / "results"
    outcome = sweep(experiment_from_dict(tiny()), out, workers=1, progress=False)
    assert outcome.failed == 0 and outcome.total == 6 * 3
    report = write_report(out).read_text()
    assert "## Decomposition of the gap from old to new" in report
    assert "**Decomposition.**" in report and "Fieller" in report
    table = pd.read_csv(out / "tables" / "decomposition.csv")
    assert set(table["component"]) == {"gap", "payment", "forums", "interaction"}
    assert len(table) == 2 * (1 + 2 * 3)
    claims = pd.read_csv(out / "tables" / "claims.csv")
    assert claims.loc[0, "claim"] == "wellbeing_mean: new minus old plus payment"
    again = sweep(experiment_from_dict(tiny()), out, workers=1, progress=False)
    assert again.skipped == again.total, "a decomposition resumes like any sweep"
