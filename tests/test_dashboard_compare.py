"""Compare's parts without a browser: the runs over seeds, the headline, the words, sharing and keeping.

The place is the browser tests' small one (a few weeks, a few hundred people),
so every run takes a moment.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from hls_sim import load_scenario
from hls_sim.dashboard import comparison, state, urlstate
from hls_sim.dashboard.compare_charts import COMPARE_CHARTS, draw_all
from hls_sim.dashboard.comparison import Comparison, Side
from hls_sim.dashboard.export import scenario_toml
from hls_sim.dashboard.headline import HEADLINE_KEYS, rows, summary_sentence, verdict
from hls_sim.dashboard.measures import MEASURES, better_side, difference_range, measure, written
from hls_sim.dashboard.summary_page import differences, summary_html
from hls_sim.dashboard.upload import load_into, settings_from_file
from hls_sim.dashboard.worker import SeedRun, run_seed
from hls_sim.metrics import SUMMARY_KEYS
from hls_sim.scenario import ScenarioError

SMALL = """\
name = "small"
description = "A small place for quick checks."
weeks = 30
burn_in = 3

[population]
size = 250

[workforce]
workers = 10

[providers]
count = 3
"""
SEEDS = (1, 2, 3)


@pytest.fixture
def small(tmp_path: Path) -> str:
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return str(path)


@pytest.fixture
def sides(small: str) -> dict[str, Side]:
    return {
        side: Side(name, name, state.Settings(small, regime).build())
        for side, name, regime in (("A", "Old world", "target-competition"), ("B", "HLS", "trust-alliance"))
    }


@pytest.fixture
def finished(sides) -> Comparison:
    runs = {(side, seed): run_seed(0, sides[side].scenario, seed) for side in sides for seed in SEEDS}
    return Comparison(sides, SEEDS, runs)


# --- measures in words ---------------------------------------------------------------------------
class TestMeasures:
    def test_every_summary_key_has_a_plain_name_and_a_meaning(self):
        for key in SUMMARY_KEYS:
            assert key in MEASURES and MEASURES[key].meaning, key
        assert measure("something_new").name == "Something new" and measure("something_new").better is None

    @pytest.mark.parametrize(
        ("key", "value", "text"),
        [
            ("goals_met_share", 0.523, "52%"),
            ("wellbeing_mean", 0.617, "62 of 100"),
            ("total_cost", -11_036_155.4, "−£11,036,155"),
            ("providers_active", 6.0, "6"),
            ("turnaway_count", 3040.0, "3,040"),
            ("turnover_rate", 1.3, "130% a year"),
            ("gaming_gap", 0.01, "1 point"),
            ("bunching", 0.8, "1.8 to 1"),
            ("wait_weeks_mean", 1.988, "2.0 weeks"),
            ("cost_per_wellbeing", math.nan, "n/a"),
        ],
    )
    def test_values_are_written_as_a_reader_would(self, key, value, text):
        assert written(key, value) == text

    def test_differences_are_written_once_with_their_unit(self):
        assert difference_range("goals_met_share", 0.29, 0.37) == "+29 to +37 points"
        assert difference_range("total_cost", -18.3e6, -5.4e6) == "£5.4m to £18.3m less"
        assert difference_range("turnaway_count", 12.0, 12.0) == "+12"

    def test_which_side_is_better_follows_the_direction_and_ignores_ties(self):
        assert better_side("goals_met_share", 0.5, 0.6) == "B"
        assert better_side("total_cost", 100.0, 200.0) == "A"
        assert better_side("goals_met_share", 0.5, 0.502) is None
        assert better_side("indicator_reported", 0.5, 0.9) is None


# --- the headline --------------------------------------------------------------------------------
class TestHeadline:
    def test_rows_count_each_seed_and_use_only_seeds_both_sides_finished(self, finished: Comparison):
        found = rows(finished)
        assert [row.key for row in found] == list(HEADLINE_KEYS)
        for row in found:
            assert row.seeds == len(SEEDS)
            assert row.wins["A"] + row.wins["B"] + row.wins["level"] == len(SEEDS)
            for index, seed in enumerate(SEEDS):
                a = finished.runs[("A", seed)].summary[row.key]
                b = finished.runs[("B", seed)].summary[row.key]
                assert row.values["A"][index] == a and row.differences[index] == b - a
        half = Comparison(
            finished.sides, SEEDS, {key: run for key, run in finished.runs.items() if key != ("B", 3)}
        )
        assert all(row.seeds == 2 for row in rows(half))

    def test_the_verdict_counts_seeds(self, finished: Comparison):
        names = {"A": "Old world", "B": "HLS"}
        for row in rows(finished):
            text = verdict(row, names)
            if row.better:
                assert text == f"{names[row.better]} better in {row.wins[row.better]} of 3 seeds"
            else:
                assert text.startswith("No")
        assert summary_sentence(rows(finished), names).startswith("Over 3 seeds, ")

    def test_nothing_to_say_before_a_pair_of_runs(self, finished: Comparison):
        only_a = Comparison(
            finished.sides, SEEDS, {key: run for key, run in finished.runs.items() if key[0] == "A"}
        )
        assert rows(only_a) == []


# --- the runs in the background ------------------------------------------------------------------
def test_the_comparison_runs_every_seed_of_both_sides_in_the_pool(sides, finished: Comparison):
    comparison.current.value = None
    comparison.run(sides, SEEDS, draw_all)
    end = time.monotonic() + 120
    while comparison.run.pending or comparison.current.value is None or not comparison.current.value.finished:
        assert time.monotonic() < end, "the comparison did not finish"
        time.sleep(0.05)
    done = comparison.current.value
    assert done.error is None and set(done.runs) == set(finished.runs)
    for key, run in done.runs.items():
        # The same seed gives the same run in a worker process as here.
        assert run.summary == pytest.approx(finished.runs[key].summary, nan_ok=True)
    assert [chart.key for chart in done.charts] == [chart.key for chart in COMPARE_CHARTS]
    assert done.charted == len(done.runs) and comparison.progress.value == 1.0
    picture = done.charts[0]
    assert picture.png.startswith(b"\x89PNG") and picture.filename.startswith(
        "success-A-target-competition-vs-B"
    )
    assert "A (Old world)" in picture.description and "B (HLS)" in picture.description


def test_a_run_already_made_comes_from_the_cache(sides):
    comparison.current.value = None
    comparison.run(sides, (7,), draw_all)
    while comparison.run.pending:
        time.sleep(0.05)
    first = comparison.current.value.runs
    comparison.run(sides, (7,), draw_all)
    while comparison.run.pending:
        time.sleep(0.05)
    assert all(comparison.current.value.runs[key] is run for key, run in first.items())


# --- the printable summary -----------------------------------------------------------------------
def test_the_summary_page_is_one_self_contained_file(finished: Comparison):
    drawn = Comparison(finished.sides, SEEDS, finished.runs, charts=draw_all(finished))
    page = summary_html(drawn)
    assert page.startswith("<!DOCTYPE html>") and "@media print" in page and "@page" in page
    assert "src='http" not in page and 'src="http' not in page and "href=" not in page
    assert page.count("data:image/png;base64,") == 2
    for row in rows(drawn):
        assert verdict(row, {"A": "Old world", "B": "HLS"}) in page
    assert "What differs between A and B" in page


def test_the_summary_lists_what_differs_between_the_sides(sides):
    changed = differences(sides["A"].scenario, sides["B"].scenario)
    labels = [label for label, _, _ in changed]
    assert "Share of payment riding on the indicator" in labels
    assert ("Share of payment riding on the indicator", "50%", "0%") in changed


# --- keeping and sharing settings ----------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["default", "small-place", "payment-by-results", "transition", "evolving-contract"]
)
def test_an_exported_scenario_loads_back_as_the_same_scenario(name):
    scenario = load_scenario(name)
    settings = settings_from_file(f"{name}.toml", scenario_toml(scenario, seed=3))
    assert settings.build() == scenario
    if scenario.regime_change:
        assert settings.document is not None
    else:
        assert settings.document is None and settings.scenario == "default"


def test_an_edited_side_survives_export_and_upload(small):
    edited = state.Settings(small, "trust-alliance").with_override("funding.dialogue_hours", 3.5)
    scenario = edited.build()
    assert scenario.name == "small-changed"
    assert settings_from_file("mine.toml", scenario_toml(scenario)).build() == scenario
    named = edited.with_override("name", "Our town, with dialogue")
    assert (
        settings_from_file("mine.toml", scenario_toml(named.build())).build().name
        == "Our town, with dialogue"
    )


def test_a_bad_file_is_refused_with_the_validators_words_and_the_side_keeps_its_settings():
    before = state.settings["B"].value
    said = load_into("B", "bad.toml", b"[funding]\npbr_share = 2\n")
    assert said.startswith("Nothing was loaded. bad.toml: funding.pbr_share = 2: input should be less than")
    assert load_into("B", "bad.toml", b"weeks = [").startswith(
        "Nothing was loaded. bad.toml: not a scenario file"
    )
    assert "not a text file" in load_into("B", "x.toml", b"\xff\xfe\x00")
    assert state.settings["B"].value == before
    with pytest.raises(ScenarioError):
        settings_from_file("bad.toml", "[nowhere]\nx = 1\n")


def test_a_link_carries_the_settings_and_reads_back_the_same(small):
    page = urlstate.PageState(
        {
            "A": state.Settings("default", "target-competition").with_override("funding.pbr_share", 0.3),
            "B": state.Settings("default", "trust-competition")
            .with_override("context.shock_weeks", [52, 104])
            .with_override("name", "Trust, no alliance"),
        },
        seed=4,
        seeds=3,
        view="trainer",
    )
    query = urlstate.encode(page)
    assert (
        "a.funding.pbr_share=0.3" in query
        and "b.regime=trust-competition" in query
        and "view=trainer" in query
    )
    back = urlstate.decode(query)
    assert back.problems == []
    assert (back.seed, back.seeds, back.view) == (4, 3, "trainer")
    for side in ("A", "B"):
        assert back.settings[side].build() == page.settings[side].build()
    assert urlstate.encode(urlstate.decode("")) == ""


def test_a_bad_link_is_used_as_far_as_it_can_be_and_says_what_was_left_out():
    back = urlstate.decode("a.funding.pbr_share=7&b.regime=nonsense&seeds=99&colour=red&a.weeks=52")
    assert back.settings["A"].build().weeks == 52
    assert back.settings["A"].build().funding.pbr_share == 0.5
    assert back.settings["B"].regime == state.DEFAULT_REGIMES["B"] and back.seeds == 5
    assert len(back.problems) == 4
    assert any("funding.pbr_share = “7” was left out" in problem for problem in back.problems)


def test_seed_runs_keep_the_weekly_table(sides):
    run = run_seed(0, sides["A"].scenario, 1)
    assert isinstance(run, SeedRun) and len(run.weekly) == 30 and set(SUMMARY_KEYS) <= set(run.summary)


def test_a_side_with_regime_changes_is_left_out_of_the_link_and_the_page_says_so():
    import ipyvuetify as v
    import solara

    from hls_sim.dashboard.compare import CompareControls

    before = state.settings["B"].value
    try:
        text = scenario_toml(load_scenario("transition"))
        assert load_into("B", "transition.toml", text.encode()) == "Loaded “transition.toml” into side B."
        assert "b." not in urlstate.encode(urlstate.current("compare"))
        box, rc = solara.render(CompareControls(), handle_error=False)
        said = rc.find(v.Html, class_="hls-unlinked").widget.children[0]
        assert said.startswith("Side B has regime changes")
        rc.close()
    finally:
        state.settings["B"].value = before
