"""Dashboard views rendered without a browser (``solara.render``).

Every test runs a small place for a few weeks, so a full run takes well
under a second; the page's state is reset before each test.
"""

from __future__ import annotations

import time
from pathlib import Path

import ipyvuetify as v
import pytest
import solara

from hls_sim import SUMMARY_KEYS, load_scenario
from hls_sim.cli import main
from hls_sim.dashboard import comparison, state
from hls_sim.dashboard.app import Page
from hls_sim.dashboard.charts import EXPLORE_CHARTS, describe, numbers_table
from hls_sim.dashboard.compare import CompareView, summary_table
from hls_sim.dashboard.compare_charts import COMPARE_CHARTS
from hls_sim.dashboard.controls import check, label, main_keys
from hls_sim.dashboard.explore import ExploreView
from hls_sim.dashboard.export import scenario_toml
from hls_sim.dashboard.perspectives import PERSPECTIVES, REVEALED_CHARTS, PerspectivesView, hour_shares
from hls_sim.dashboard.stories_view import StoriesView
from hls_sim.scenario import Scenario, settable_keys
from hls_sim.stories import STORY_KINDS, find_people

RUN_TIMEOUT = 60
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


@pytest.fixture
def small(tmp_path: Path) -> str:
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return str(path)


@pytest.fixture(autouse=True)
def fresh_state(small: str):
    """Each test starts with side A as the old world and B as HLS on the small place."""
    for side in state.SIDES:
        state.settings[side].value = state.Settings(small, state.DEFAULT_REGIMES[side])
        state.runs[side].value = None
        state.views[side].value = None
    state.seed.value = 1
    state.seeds_per_side.value = 3
    state.message.value = ""
    comparison.current.value = None
    yield
    if state.advance.pending:
        state.advance.cancel()
    if comparison.run.pending:
        comparison.run.cancel()


def text_of(widget) -> str:
    if isinstance(widget, str):
        return widget
    return " ".join(text_of(child) for child in (getattr(widget, "children", None) or []))


def button(rc, label_: str):
    """The one button whose text (beside any icon) is ``label_``."""
    found = [widget for widget in rc.find(v.Btn).widgets if own_text(widget) == label_]
    assert len(found) == 1, f"{len(found)} buttons labelled {label_!r}"
    return found[0]


def click(rc, label_: str) -> None:
    button(rc, label_).click()


def own_text(widget) -> str:
    """A widget's own words, leaving out the name of any icon beside them."""
    return " ".join(child for child in widget.children if isinstance(child, str)).strip()


def toggle(rc, label_: str) -> None:
    """Press a toggle button as the browser does: its group's value becomes the button's index."""
    for group in rc.find(v.BtnToggle).widgets:
        labels = [own_text(child) for child in group.children]
        if label_ in labels:
            group.v_model = labels.index(label_)
            return
    raise AssertionError(f"no toggle button labelled {label_!r}")


def wait_until(condition, timeout: float = RUN_TIMEOUT) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out waiting for the run"
        time.sleep(0.05)


def finished(*sides: str) -> bool:
    views = [state.views[side].value for side in sides]
    return all(view is not None and view.finished for view in views) and not state.advance.pending


def chart_labels(rc) -> list[str]:
    return [figure.attributes["aria-label"] for figure in rc.find(v.Html, tag="figure").widgets]


def enter(rc, label_: str, text: str) -> None:
    field = rc.find(v.TextField, label=label_).widget
    field.v_model = text
    field.fire_event("keyup.enter", None)


# --- Explore ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_explore_steps_runs_and_draws_every_chart_with_its_words():
    box, rc = solara.render(ExploreView(), handle_error=False)
    for _ in range(5):
        click(rc, "Step one week")
    assert state.views["A"].value.steps_done == 5
    assert text_of(rc.find(v.Html, tag="span", class_="hls-status-A").widget) == "2 of 30 weeks run."
    click(rc, "Run")
    wait_until(lambda: finished("A"))
    assert len(rc.find(v.Html, tag="figure").widgets) == len(EXPLORE_CHARTS)
    labels = chart_labels(rc)
    assert labels[0].startswith("True wellbeing and the reported indicator")
    assert "at the end" in labels[0]
    rc.close()


@pytest.mark.slow
def test_pause_keeps_the_run_where_it_stopped_and_run_carries_on():
    state.settings["A"].value = state.settings["A"].value.with_override("weeks", 400)
    box, rc = solara.render(ExploreView(), handle_error=False)
    click(rc, "Run")
    wait_until(lambda: state.advance.pending)
    time.sleep(0.3)
    click(rc, "Pause")
    wait_until(lambda: not state.advance.pending)
    paused_at = state.runs["A"].value.model.steps
    assert 0 < paused_at < 403
    click(rc, "Run")
    wait_until(lambda: finished("A"))
    assert state.runs["A"].value.model.steps == 403
    rc.close()


@pytest.mark.slow
def test_same_seed_same_run_and_new_seed_changes_it():
    box, rc = solara.render(ExploreView(), handle_error=False)
    click(rc, "Run")
    wait_until(lambda: finished("A"))
    first = state.views["A"].value.weekly
    assert button(rc, "Run").disabled, "a finished run has nothing left to run until something changes"
    click(rc, "Reset")
    click(rc, "Run")
    wait_until(lambda: finished("A"))
    assert state.views["A"].value.weekly.equals(first)
    click(rc, "New seed")
    assert state.seed.value != 1
    click(rc, "Run")
    wait_until(lambda: finished("A"))
    assert not state.views["A"].value.weekly.equals(first)
    rc.close()


@pytest.mark.slow
def test_stepping_on_from_a_finished_run_asks_before_throwing_it_away():
    box, rc = solara.render(ExploreView(), handle_error=False)
    click(rc, "Run")
    wait_until(lambda: finished("A"))
    first = state.runs["A"].value
    # The page is redrawn by the run's thread a moment after the run ends.
    wait_until(lambda: rc.find(v.Html, class_="hls-run-reason").widgets)
    assert "greyed out because this run has finished" in text_of(
        rc.find(v.Html, class_="hls-run-reason").widget
    )
    click(rc, "Step one week")
    wait_until(lambda: dialog_open(rc))
    assert state.runs["A"].value is first
    assert "would be thrown away" in text_of(rc.find(v.Dialog).widget)
    click(rc, "Keep the run")
    wait_until(lambda: not dialog_open(rc))
    assert state.runs["A"].value is first
    click(rc, "Reset")
    wait_until(lambda: dialog_open(rc))
    assert state.runs["A"].value is first
    click(rc, "Start again")
    wait_until(lambda: state.runs["A"].value is not first)
    assert state.views["A"].value.steps_done == 0
    rc.close()


def dialog_open(rc) -> bool:
    return rc.find(v.Dialog).widget.v_model is True


@pytest.mark.slow
def test_a_changed_setting_says_the_run_is_out_of_date_until_run_again():
    box, rc = solara.render(ExploreView(), handle_error=False)
    click(rc, "Step one week")
    rc.find(v.Alert, type="warning").assert_empty()
    enter(rc, label("funding.pbr_share"), "0.9")
    rc.find(v.Alert, type="warning").assert_single()
    click(rc, "Run")
    wait_until(lambda: finished("A"))
    assert state.views["A"].value.scenario.funding.pbr_share == 0.9
    rc.find(v.Alert, type="warning").assert_empty()
    rc.close()


@pytest.mark.slow  # renders and runs a whole view
def test_a_bad_value_gets_a_plain_message_beside_its_control_and_is_not_taken():
    box, rc = solara.render(ExploreView(), handle_error=False)
    enter(rc, label("funding.pbr_share"), "1.5")
    problems = [text_of(widget) for widget in rc.find(v.Html, class_="hls-problem").widgets]
    assert problems == [
        "“1.5” is more than 1, the most a share can be. Write a share from 0 to 1 (such as 0.5) or as a "
        "percentage (such as 50%): did you mean 1.5%? Still using 50%."
    ]
    assert "funding.pbr_share" not in dict(state.settings["A"].value.overrides)
    enter(rc, label("funding.pbr_share"), "0.8")
    assert dict(state.settings["A"].value.overrides) == {"funding.pbr_share": 0.8}
    assert not rc.find(v.Html, class_="hls-problem").widgets
    enter(rc, "Seed", "minus one")
    assert "not a whole number" in text_of(rc.find(v.Html, class_="hls-problem").widget)
    assert state.seed.value == 1
    rc.close()


def test_values_are_checked_as_the_scenario_would_check_them():
    settings = state.settings["A"].value
    unchanged, problem = check(settings, "funding.pbr_share", "plenty")
    assert unchanged == settings and problem.startswith("“plenty” is not a number. Enter a percentage")
    assert check(settings, "context.shock_weeks", "[5, -1]")[0] == settings
    changed, problem = check(settings, "context.shock_weeks", "[5, 10]")
    assert problem == "" and dict(changed.overrides) == {"context.shock_weeks": [5, 10]}
    default = "[" + ", ".join(str(week) for week in Scenario().context.shock_weeks) + "]"
    assert check(changed, "context.shock_weeks", default)[0] == settings


def test_every_key_has_a_control_with_an_explanation():
    box, rc = solara.render(ExploreView(), handle_error=False)
    boxes = {widget.label.removesuffix(" (changed)") for widget in rc.find(v.TextField).widgets}
    ticks = {widget.label.removesuffix(" (changed)") for widget in rc.find(v.Switch).widgets}
    choices = {widget.label.removesuffix(" (changed)") for widget in rc.find(v.Select).widgets}
    for key in settable_keys():
        if key in ("funding.mode", "market.mode", "name", "description"):
            continue
        assert label(key) in boxes | ticks | choices, key
        assert settable_keys()[key].description, key
    assert set(main_keys()) <= set(settable_keys())
    rc.close()


@pytest.mark.slow
def test_a_model_error_is_a_message_and_the_page_stays_usable(monkeypatch):
    def broken_step(model):
        raise RuntimeError("a deliberate failure")

    box, rc = solara.render(ExploreView(), handle_error=False)
    # Mesa wraps step when a model is built, so the failure is planted before Run builds one.
    monkeypatch.setattr(state.SupportSystemModel, "step", broken_step)
    click(rc, "Run")
    wait_until(lambda: not state.advance.pending and state.views["A"].value.error)
    error = text_of(rc.find(v.Alert, type="error").widget)
    assert "The model stopped" in error and "a deliberate failure" in error
    monkeypatch.undo()
    click(rc, "Reset")
    click(rc, "Run")
    wait_until(lambda: finished("A"))
    assert state.views["A"].value.error is None
    rc.close()


# --- Compare ------------------------------------------------------------------------------------
def test_compare_opens_with_the_old_world_against_hls_and_runs_on_its_own():
    box, rc = solara.render(CompareView(), handle_error=False)
    wait_until(lambda: comparison.current.value is not None and not comparison.run.pending)
    done = comparison.current.value
    a, b = done.sides["A"].scenario, done.sides["B"].scenario
    assert (a.funding.mode, a.market.mode) == ("target", "competition")
    assert (b.funding.mode, b.market.mode) == ("trust", "alliance")
    assert done.finished and done.seeds == (1, 2, 3) and done.paired_seeds() == [1, 2, 3]
    # Each headline row counted over the three seeds both sides share.
    verdicts = [text_of(widget) for widget in rc.find(v.Html, class_="hls-verdict").widgets]
    assert len(verdicts) == 6 and all(text.endswith("of 3 seeds") for text in verdicts), verdicts
    assert len(rc.find(v.Html, tag="figure").widgets) == len(COMPARE_CHARTS)
    table = rc.find(v.Html, class_="hls-summary-table")
    table.assert_single()
    rc.close()


def test_summary_table_has_every_measure_and_the_difference():
    table = summary_table(
        {"wellbeing_mean": 0.5, "total_cost": 1000.0}, {"wellbeing_mean": 0.6, "total_cost": 1500.0}
    )
    assert len(table) == len(SUMMARY_KEYS)
    row = table.set_index("key").loc["wellbeing_mean"]
    assert (row["A"], row["B"], row["B minus A"]) == ("50 of 100", "60 of 100", "+10 (out of 100)")
    assert (row["better"], row["direction"]) == ("B", "higher is better")
    assert table.set_index("key").loc["total_cost", "B minus A"] == "£500 more"
    assert table.set_index("key").loc["total_cost", "better"] == "A"


def test_same_defaults_for_a_commissioner():
    assert state.DEFAULT_REGIMES == {"A": "target-competition", "B": "trust-alliance"}


# --- Perspectives -------------------------------------------------------------------------------
@pytest.mark.slow  # renders and runs a whole view
def test_perspectives_show_each_actor_and_the_commissioner_sees_the_truth_only_when_revealed():
    state.reset(state.SIDES)
    state.advance(state.SIDES)
    wait_until(lambda: finished("A", "B"))
    box, rc = solara.render(PerspectivesView(), handle_error=False)
    for key, (title, _, charts) in PERSPECTIVES.items():
        toggle(rc, title)
        assert text_of(rc.find(v.Html, tag="h3").widgets[0]) == title
        labels = chart_labels(rc)
        assert [text.split(" (")[0] for text in labels] == [chart.title.split(" (")[0] for chart in charts], (
            key
        )
    assert not any(label_.startswith("True wellbeing") for label_ in chart_labels(rc))
    click(rc, "Reveal what was really happening")
    revealed = chart_labels(rc)
    assert any(text.startswith(REVEALED_CHARTS[0].title) for text in revealed)
    toggle(rc, "B")
    assert "HLS" in text_of(rc.find(v.Html, class_="hls-run-label").widget)
    rc.close()


def test_worker_hours_add_up_to_every_paid_hour():
    state.reset(("A",))
    state.advance(("A",))
    wait_until(lambda: finished("A"))
    snapshot = state.views["A"].value
    shares = hour_shares(snapshot)
    assert ((shares.sum(axis=1) - 1).abs() < 1e-9).all()
    assert len(snapshot.providers["provider"].unique()) >= 3


# --- Stories ------------------------------------------------------------------------------------
def test_stories_tell_the_journey_of_someone_turned_away():
    state.reset(state.SIDES)
    state.advance(state.SIDES)
    wait_until(lambda: finished("A", "B"))
    box, rc = solara.render(StoriesView(), handle_error=False)
    model = state.views["A"].value.model
    first = find_people(model, "turned-away", 12)[0]
    heading_ = text_of(rc.find(v.Html, tag="h4").widget)
    assert heading_.startswith(f"Person {first}:") and "turned away" in heading_.lower()
    timeline = rc.find(v.Html, tag="ol", class_="hls-story-timeline").widget
    assert len(timeline.children) >= 2
    assert any("turned" in text_of(item).lower() for item in timeline.children)
    rc.find(v.Html, tag="figure").assert_single()
    chooser = rc.find(v.Select, label="Show me").widget
    chooser.v_model = STORY_KINDS["many-handoffs"]
    chosen = find_people(model, "many-handoffs", 12)[0]
    assert text_of(rc.find(v.Html, tag="h4").widget).startswith(f"Person {chosen}:")
    rc.close()


# --- Export -------------------------------------------------------------------------------------
def test_exported_settings_load_back_as_the_same_scenario_and_validate(tmp_path, capsys):
    settings = state.settings["B"].value.with_override("funding.pbr_share", 0.25)
    scenario = settings.build()
    path = tmp_path / "exported.toml"
    path.write_text(scenario_toml(scenario, seed=7), encoding="utf-8")
    assert load_scenario(path) == scenario
    assert main(["validate", str(path)]) == 0
    assert f"{path}: ok" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["default", "transition", "evolving-contract"])
def test_shipped_scenarios_survive_the_round_trip(tmp_path, name):
    scenario = load_scenario(name)
    path = tmp_path / f"{name}.toml"
    path.write_text(scenario_toml(scenario), encoding="utf-8")
    assert load_scenario(path) == scenario


def test_charts_describe_their_numbers():
    state.reset(("A",))
    state.advance(("A",))
    wait_until(lambda: finished("A"))
    frame = EXPLORE_CHARTS[0].frame(state.views["A"].value)
    text = describe(EXPLORE_CHARTS[0], frame)
    assert "weeks 0 to 29" in text and "on average" in text
    table = numbers_table(frame)
    assert list(table["quarter"]) == ["weeks 0-12", "weeks 13-25", "weeks 26-38"]


# --- The page and the command -------------------------------------------------------------------
def test_page_has_a_tab_for_each_view():
    box, rc = solara.render(Page(), handle_error=False)
    assert [own_text(tab) for tab in rc.find(v.Tab).widgets] == [
        "Compare A/B",
        "Explore",
        "Perspectives",
        "Stories",
        "Trainer mode",
    ]
    rc.close()


def test_dashboard_command_refuses_a_bad_scenario_before_starting(capsys):
    assert main(["dashboard", "--scenario", "no-such-place"]) == 2
    assert "no such scenario file" in capsys.readouterr().err
