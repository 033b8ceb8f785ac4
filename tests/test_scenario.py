"""The scenario schema: shipped files load, presets fill the gaps, bad input fails clearly.

A bad scenario must name the file, the key and the value (DESIGN, non-negotiable 5),
so every error test checks all three appear in the message.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from hls_sim.regimes import FUNDING_MODES, MARKET_MODES, PRESETS
from hls_sim.scenario import (
    SCENARIO_DIR,
    Scenario,
    ScenarioError,
    apply_overrides,
    apply_regime_change,
    flat_to_dotted,
    load_scenario,
    parse_value,
    scenario_from_dict,
    settable_keys,
)

SHIPPED = sorted(SCENARIO_DIR.glob("*.toml"))
EXPECTED_NAMES = {
    "default",
    "payment-by-results",
    "trust-based-philanthropy",
    "plymouth-style-alliance",
    "evolving-contract",
    "transition",
}


def write(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return str(caught.value)


# Shipped scenarios


def test_the_named_scenarios_are_shipped():
    assert EXPECTED_NAMES <= {path.stem for path in SHIPPED}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_every_shipped_scenario_loads_and_says_what_it_models(path: Path):
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.description
    assert path.read_text(encoding="utf-8").startswith("#"), "start with a comment on the source"


def test_default_file_is_the_schema_defaults_written_out():
    from_file = load_scenario(SCENARIO_DIR / "default.toml")
    built_in = Scenario()
    ignore = {"name", "description"}
    assert from_file.model_dump(exclude=ignore) == built_in.model_dump(exclude=ignore)


def test_default_is_a_mid_sized_old_world_place():
    scenario = load_scenario(None)
    assert scenario.population.size >= 2000
    assert scenario.providers.count == 6
    assert scenario.workforce.workers == 60
    assert scenario.weeks == 260
    assert (scenario.funding.mode, scenario.market.mode) == ("target", "competition")


def test_a_bare_name_finds_the_shipped_file():
    assert load_scenario("transition") == load_scenario(SCENARIO_DIR / "transition.toml")


def test_payment_by_results_puts_more_at_stake_than_default():
    default, pbr = load_scenario("default"), load_scenario("payment-by-results")
    assert pbr.funding.pbr_share > default.funding.pbr_share
    assert 0 < pbr.market.contract_weeks < default.market.contract_weeks


def test_transition_switches_both_presets_whole_at_week_104():
    scenario = load_scenario("transition")
    (change,) = scenario.regime_change
    assert (change.week, change.funding, change.market) == (104, "trust", "alliance")
    after = apply_regime_change(scenario, change)
    for key, value in PRESETS["funding"]["trust"].items():
        assert getattr(after.funding, key) == value
    for key, value in PRESETS["market"]["alliance"].items():
        assert getattr(after.market, key) == value
    assert scenario.funding.mode == "target", "the scenario passed in is left alone"


def test_evolving_contract_moves_its_dials_in_year_two_and_three():
    scenario = load_scenario("evolving-contract")
    assert scenario.weeks == 364
    assert [change.week for change in scenario.regime_change] == [52, 104]
    year_two = apply_regime_change(scenario, scenario.regime_change[0])
    year_three = apply_regime_change(year_two, scenario.regime_change[1])
    assert year_two.learning.exploration > scenario.learning.exploration
    assert year_three.learning.exploration < year_two.learning.exploration
    assert year_three.market.forum_weeks != year_two.market.forum_weeks
    assert year_three.funding.mode == scenario.funding.mode == "trust"


# Presets


@pytest.mark.parametrize("mode", FUNDING_MODES)
def test_funding_mode_alone_gives_its_preset(mode: str):
    funding = scenario_from_dict({"funding": {"mode": mode}}).funding
    assert {key: getattr(funding, key) for key in PRESETS["funding"][mode]} == PRESETS["funding"][mode]


@pytest.mark.parametrize("mode", MARKET_MODES)
def test_market_mode_alone_gives_its_preset(mode: str):
    market = scenario_from_dict({"market": {"mode": mode}}).market
    assert {key: getattr(market, key) for key in PRESETS["market"][mode]} == PRESETS["market"][mode]


def test_default_target_mode_takes_the_preset_pbr_share():
    assert Scenario().funding.pbr_share == PRESETS["funding"]["target"]["pbr_share"]


def test_an_explicit_value_beats_the_preset():
    scenario = scenario_from_dict({"funding": {"mode": "trust", "pbr_share": 0.3}})
    assert scenario.funding.pbr_share == 0.3
    assert scenario.funding.dialogue_hours == PRESETS["funding"]["trust"]["dialogue_hours"]


# Overrides


def test_switching_mode_brings_the_whole_new_preset():
    pbr = load_scenario("payment-by-results")
    switched = apply_overrides(pbr, {"funding.mode": "trust"})
    for key, value in PRESETS["funding"]["trust"].items():
        assert getattr(switched.funding, key) == value


@pytest.mark.parametrize(
    "overrides",
    [
        {"funding.mode": "trust", "funding.pbr_share": 0.3},
        {"funding.pbr_share": 0.3, "funding.mode": "trust"},
    ],
    ids=["mode-first", "mode-last"],
)
def test_a_key_set_with_the_mode_survives_the_preset(overrides: dict):
    switched = apply_overrides(load_scenario("payment-by-results"), overrides)
    assert switched.funding.mode == "trust"
    assert switched.funding.pbr_share == 0.3
    assert switched.funding.dialogue_hours == PRESETS["funding"]["trust"]["dialogue_hours"]


def test_overrides_of_other_keys_keep_explicit_values():
    pbr = load_scenario("payment-by-results")
    changed = apply_overrides(pbr, {"weeks": 52, "indicator.audit_rate": 0.5})
    assert (changed.weeks, changed.indicator.audit_rate) == (52, 0.5)
    assert changed.funding.pbr_share == 0.8


def test_a_pickled_scenario_comes_back_equal_with_its_key_names_interned():
    """A sweep pickles each scenario to its worker; the key names must come back as the
    interned strings attribute lookup compares by identity, or every read of a key is slow."""
    scenario = load_scenario("payment-by-results")
    copy = pickle.loads(pickle.dumps(scenario))
    assert copy == scenario
    sections = [copy] + [value for value in vars(copy).values() if isinstance(value, BaseModel)]
    assert len(sections) > 30
    for section in sections:
        for name in vars(section):
            assert name is sys.intern(name), (type(section).__name__, name)


def test_apply_overrides_mutates_neither_the_scenario_nor_the_overrides():
    scenario = load_scenario("payment-by-results")
    before = scenario.model_dump()
    overrides = {"funding.mode": "trust", "market.forum_weeks": 2}
    apply_overrides(scenario, overrides)
    assert scenario.model_dump() == before
    assert overrides == {"funding.mode": "trust", "market.forum_weeks": 2}


def test_an_unknown_override_names_the_key_and_the_value():
    with pytest.raises(ScenarioError) as caught:
        apply_overrides(Scenario(), {"funding.pbr_shar": 0.4}, source="--set")
    message = str(caught.value)
    assert "--set" in message and "funding.pbr_shar" in message and "0.4" in message
    assert "funding.pbr_share" in message, "suggests the near miss"


def test_a_section_named_as_a_key_says_so_and_gives_an_example():
    with pytest.raises(ScenarioError) as caught:
        apply_overrides(Scenario(), {"population": 3}, source="--set")
    message = str(caught.value)
    assert "is a section" in message and "'population.size'" in message


@pytest.mark.parametrize(
    ("key", "value"),
    [("funding.pbr_share", 1.5), ("funding.mode", "market"), ("population.size", "many")],
)
def test_a_bad_override_value_names_the_key_and_the_value(key: str, value: object):
    with pytest.raises(ScenarioError) as caught:
        apply_overrides(Scenario(), {key: value}, source="--set")
    message = str(caught.value)
    assert "--set" in message and key in message and repr(value) in message


# Bad files: each message names the file, the key and the value

BAD_FILES = {
    "unknown top-level key": ("fundng = 3\n", "fundng", "3"),
    "unknown key in a section": ("[funding]\npbr_shar = 0.4\n", "funding.pbr_shar", "0.4"),
    "wrong type": ("[population]\nsize = 2.5\n", "population.size", "2.5"),
    "wrong type, string for a number": (
        '[funding]\npbr_share = "high"\n',
        "funding.pbr_share",
        "'high'",
    ),
    "wrong type, boolean": ('[market]\nreferrals = "maybe"\n', "market.referrals", "'maybe'"),
    "out of range, above": ("[funding]\npbr_share = 1.2\n", "funding.pbr_share", "1.2"),
    "out of range, below": ("[workforce]\nworkers = 0\n", "workforce.workers", "0"),
    "out of range, weeks": ("weeks = -1\n", "weeks", "-1"),
    "unknown funding mode": ('[funding]\nmode = "vibes"\n', "funding.mode", "'vibes'"),
    "unknown market mode": ('[market]\nmode = "cartel"\n', "market.mode", "'cartel'"),
    "section that is not a table": ("funding = 3\n", "funding", "3"),
    "unknown regime change mode": (
        '[[regime_change]]\nweek = 10\nfunding = "vibes"\n',
        "regime_change.0.funding",
        "'vibes'",
    ),
    "unknown key in a regime change": (
        "[[regime_change]]\nweek = 10\nfundin = 3\n",
        "regime_change.0.fundin",
        "3",
    ),
    "unknown key in regime_change.set": (
        '[[regime_change]]\nweek = 10\nset = { "funding.pbr_shar" = 0.3 }\n',
        "regime_change.0.set.funding.pbr_shar",
        "0.3",
    ),
    "out of range in regime_change.set": (
        "[[regime_change]]\nweek = 10\n[regime_change.set]\nfunding.pbr_share = 3\n",
        "regime_change.0.set.funding.pbr_share",
        "3",
    ),
    "mode key in regime_change.set": (
        '[[regime_change]]\nweek = 10\nset = { "funding.mode" = "trust" }\n',
        "regime_change.0.set.funding.mode",
        "'trust'",
    ),
    "regime change after the run": (
        'weeks = 52\n[[regime_change]]\nweek = 52\nfunding = "trust"\n',
        "regime_change.0.week",
        "52",
    ),
    "boolean for a number": ("[funding]\npbr_share = true\n", "funding.pbr_share", "True"),
    "float for a whole number": ("[providers]\ncount = 3.0\n", "providers.count", "3.0"),
    "run-length key in regime_change.set": (
        '[[regime_change]]\nweek = 10\nset = { "weeks" = 52 }\n',
        "regime_change.0.set.weeks",
        "52",
    ),
}


@pytest.mark.parametrize(("text", "key", "value"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_names_the_file_the_key_and_the_value(tmp_path: Path, text: str, key: str, value: str):
    path = write(tmp_path, text)
    message = load_error(path)
    assert str(path) in message
    assert f"{key} = {value}" in message


def test_a_bad_regime_change_is_numbered_as_written_in_the_file(tmp_path: Path):
    path = write(
        tmp_path,
        "[[regime_change]]\nweek = 200\nset = { 'funding.pbr_share' = 7 }\n[[regime_change]]\nweek = 10\n",
    )
    assert "regime_change.0.set.funding.pbr_share = 7" in load_error(path)


def test_a_missing_regime_change_week_is_named(tmp_path: Path):
    path = write(tmp_path, '[[regime_change]]\nfunding = "trust"\n')
    message = load_error(path)
    assert str(path) in message and "regime_change.0.week" in message


def test_every_problem_in_a_file_gets_its_own_line(tmp_path: Path):
    path = write(tmp_path, "[funding]\npbr_share = 2\ndialogue_hours = -1\n")
    lines = load_error(path).splitlines()
    assert len(lines) == 2
    assert all(line.startswith(str(path)) for line in lines)


def test_a_range_error_says_what_the_key_means(tmp_path: Path):
    path = write(tmp_path, "[funding]\npbr_share = 2\n")
    assert "less than or equal to 1" in load_error(path)
    assert "indicator" in load_error(path)


def test_malformed_toml_names_the_file(tmp_path: Path):
    path = write(tmp_path, "[funding\npbr_share = 0.3\n")
    message = load_error(path)
    assert str(path) in message and "not valid TOML" in message and "line 1" in message


def test_a_missing_file_names_the_file(tmp_path: Path):
    path = tmp_path / "nowhere.toml"
    message = load_error(path)
    assert str(path) in message and "no such scenario file" in message


def test_an_unknown_bare_name_lists_the_shipped_scenarios():
    message = load_error(Path("plymuth"))
    assert "plymuth" in message and "plymouth-style-alliance" in message


def test_a_folder_is_not_a_scenario(tmp_path: Path):
    message = load_error(tmp_path)
    assert str(tmp_path) in message and "folder" in message


def test_a_binary_file_is_not_a_scenario(tmp_path: Path):
    path = tmp_path / "image.toml"
    path.write_bytes(b"\xff\xfe\x00\x01")
    message = load_error(path)
    assert str(path) in message and "UTF-8" in message


# Regime changes


def test_regime_change_set_accepts_quoted_and_dotted_keys_alike(tmp_path: Path):
    quoted = write(
        tmp_path, "[[regime_change]]\nweek = 5\nset = { 'learning.exploration' = 0.3 }\n", "a.toml"
    )
    dotted = write(tmp_path, "[[regime_change]]\nweek = 5\n[regime_change.set]\nlearning.exploration = 0.3\n")
    assert load_scenario(quoted).regime_change == load_scenario(dotted).regime_change
    assert load_scenario(dotted).regime_change[0].set == {"learning.exploration": 0.3}


def test_regime_changes_come_out_in_week_order():
    scenario = scenario_from_dict(
        {"regime_change": [{"week": 200, "funding": "trust"}, {"week": 50, "market": "alliance"}]}
    )
    assert [change.week for change in scenario.regime_change] == [50, 200]


def test_a_regime_change_keeps_what_it_does_not_touch():
    scenario = load_scenario("payment-by-results")
    change = scenario_from_dict(
        {"regime_change": [{"week": 3, "set": {"learning.exploration": 0.4}}]}
    ).regime_change[0]
    after = apply_regime_change(scenario, change)
    assert after.learning.exploration == 0.4
    assert after.funding.pbr_share == 0.8


# Keyword names and command-line values


@pytest.mark.parametrize("dotted", sorted(settable_keys()))
def test_every_key_has_a_flat_keyword_form(dotted: str):
    assert flat_to_dotted(dotted.replace(".", "_")) == dotted
    assert flat_to_dotted(dotted) == dotted


def test_flat_to_dotted_example():
    assert flat_to_dotted("funding_pbr_share") == "funding.pbr_share"


def test_an_unknown_keyword_is_rejected_by_name():
    with pytest.raises(ScenarioError, match="funding_pbr_shar"):
        flat_to_dotted("funding_pbr_shar")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.3", 0.3),
        ("3", 3),
        ("-2", -2),
        ("1e-3", 0.001),
        ("true", True),
        ("false", False),
        ("trust", "trust"),
        ('"trust"', "trust"),
        ("[52, 104]", [52, 104]),
        ("substance use", "substance use"),
    ],
)
def test_parse_value_reads_numbers_booleans_and_strings(text: str, value: object):
    parsed = parse_value(text)
    assert parsed == value and type(parsed) is type(value)


# Properties

shares = st.floats(min_value=0.0, max_value=1.0)
not_shares = st.one_of(
    st.floats(max_value=-1e-9, allow_nan=False), st.floats(min_value=1.000001, allow_nan=False)
)


@given(shares)
def test_any_pbr_share_in_the_unit_interval_is_accepted(share: float):
    assert scenario_from_dict({"funding": {"pbr_share": share}}).funding.pbr_share == share


@given(not_shares)
def test_any_pbr_share_outside_the_unit_interval_is_rejected(share: float):
    with pytest.raises(ScenarioError, match="funding.pbr_share"):
        scenario_from_dict({"funding": {"pbr_share": share}}, source="prop.toml")


@given(st.sampled_from(FUNDING_MODES), shares)
def test_a_share_set_with_any_mode_survives(mode: str, share: float):
    changed = apply_overrides(Scenario(), {"funding.mode": mode, "funding.reporting_hours_per_case": share})
    assert changed.funding.reporting_hours_per_case == share
    assert changed.funding.pbr_share == PRESETS["funding"][mode]["pbr_share"]


def test_a_regime_change_in_the_last_week_is_accepted_and_one_after_it_refused(tmp_path: Path):
    last = write(tmp_path, 'weeks = 52\n[[regime_change]]\nweek = 51\nfunding = "trust"\n', "last.toml")
    assert load_scenario(last).regime_change[0].week == 51
    late = write(tmp_path, 'weeks = 52\n[[regime_change]]\nweek = 99999\nfunding = "trust"\n', "late.toml")
    message = load_error(late)
    assert message.count("\n") == 0
    assert "regime_change.0.week = 99999" in message and "weeks 0 to 51" in message


def test_shortening_the_run_past_a_regime_change_is_refused():
    with pytest.raises(ScenarioError, match=r"regime_change\.0\.week = 104: is outside the run"):
        apply_overrides(load_scenario("transition"), {"weeks": 100}, source="--weeks")


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("funding.pbr_share", True, "a valid number from 0 to 1, not true or false"),
        ("providers.count", True, "a valid integer from 1 to 1,000, not true or false"),
        ("providers.count", 3.0, "written without a decimal point (3, not 3.0)"),
        ("funding.pbr_share", "0.5", "written without quotes"),
        ("workforce.hours", False, "above 0 and at most 80, not true or false"),
        ("indicator.aligned", 1, "a valid boolean, true or false"),
    ],
)
def test_a_value_of_the_wrong_type_is_told_what_is_allowed(key: str, value: object, says: str):
    with pytest.raises(ScenarioError) as caught:
        apply_overrides(Scenario(), {key: value}, source="--set")
    assert str(caught.value).startswith(f"--set: {key} = {value!r}: input should be ")
    assert says in str(caught.value)
