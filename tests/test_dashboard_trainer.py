"""Trainer mode: the lesson's data, and the five screens rendered without a browser.

The runs are the small place of the stylized-fact tests; they are cached per
process, so the sweep is made once for the data tests and the screens.
"""

from __future__ import annotations

import time

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara

from hls_sim.dashboard import campbell
from hls_sim.dashboard.trainer import (
    PREDICTIONS,
    SCREENS,
    TITLES,
    Progress,
    TrainerMode,
    sweep_figure,
    sweep_story,
)

RUN_TIMEOUT = 120


# --- the data ---------------------------------------------------------------------------------
class TestClosureCorrelation:
    def test_a_truthful_report_correlates_perfectly(self):
        true = np.array([True, False, True, True, False])
        assert campbell.closure_correlation(true, true) == pytest.approx(1.0)

    def test_a_report_that_says_success_for_everyone_says_nothing(self):
        true = np.array([True, False, True, False])
        assert np.isnan(campbell.closure_correlation(np.ones(4, dtype=bool), true))

    def test_a_contrary_report_correlates_negatively(self):
        true = np.array([True, False, True, False])
        assert campbell.closure_correlation(~true, true) == pytest.approx(-1.0)


class TestDirection:
    @pytest.mark.parametrize(
        ("difference", "word"), [(0.1, "rose"), (-0.1, "fell"), (0.01, "held level"), (float("nan"), "could")]
    )
    def test_words(self, difference, word):
        assert campbell.direction(difference, 0.02).startswith(word)


def test_lesson_runs_put_the_screens_first_and_cover_the_sweep():
    runs = campbell.lesson_runs()
    assert runs[:2] == [(0.0, campbell.SCREEN_SEED), (campbell.HIGH_STAKES, campbell.SCREEN_SEED)]
    assert len(set(runs)) == len(runs)
    assert {(p, s) for p in campbell.STAKES for s in campbell.SEEDS} <= set(runs)


class TestCampbellSweep:
    """Campbell's Law on the small place, and the counter-setting where it must not show."""

    def test_reported_indicator_rises_with_the_stakes(self):
        sweep = campbell.campbell_sweep()
        assert list(sweep["pbr_share"]) == list(campbell.STAKES)
        assert (sweep["runs"] == len(campbell.SEEDS)).all()
        assert campbell.trend(sweep, "indicator_reported") == "rose", sweep
        assert sweep["indicator_reported"].iloc[1:].min() > sweep["indicator_reported"].iloc[0], sweep

    def test_truth_does_not_follow_and_the_correlation_decays(self):
        sweep = campbell.campbell_sweep()
        assert campbell.change(sweep, "indicator_true") <= 0, sweep
        assert campbell.change(sweep, "wellbeing_mean") <= 0.005, sweep
        assert campbell.change(sweep, "correlation") < -0.3, sweep
        assert campbell.trend(sweep, "gaming_gap") == "rose"

    def test_sweep_is_the_mean_of_its_runs(self):
        runs = campbell.sweep_table()
        sweep = campbell.campbell_sweep()
        at_top = runs[runs["pbr_share"] == campbell.STAKES[-1]]
        assert sweep["correlation"].iloc[-1] == pytest.approx(at_top["correlation"].mean())
        assert sweep["correlation_low"].iloc[-1] == at_top["correlation"].min()
        assert sweep["correlation_high"].iloc[-1] == at_top["correlation"].max()

    def test_no_gap_growth_with_the_outcome_as_indicator_and_full_audit(self):
        sweep = campbell.campbell_sweep(overrides=campbell.COUNTER_SETTING)
        assert sweep["gaming_gap"].abs().max() < 0.02, sweep
        assert campbell.trend(sweep, "gaming_gap") == "held level"
        assert campbell.trend(sweep, "correlation") == "held level"


def test_sweep_chart_draws_the_sweep():
    sweep = campbell.campbell_sweep()
    axes = sweep_figure(sweep).axes[0]
    drawn = {line.get_label(): line for line in axes.lines}
    for label, column in (
        ("Reported as a success", "indicator_reported"),
        ("Really a success", "indicator_true"),
        ("Mean wellbeing", "wellbeing_mean"),
        ("Report-truth correlation", "correlation"),
    ):
        np.testing.assert_allclose(drawn[label].get_xdata(), sweep["pbr_share"] * 100)
        np.testing.assert_allclose(drawn[label].get_ydata(), sweep[column])


class TestSweepStory:
    """The words on screen 5 follow the measurements, whichever way they go."""

    @staticmethod
    def sweep(correlation: list[float], reported: list[float]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "pbr_share": [0.0, 1.0],
                "runs": [3, 3],
                "indicator_reported": reported,
                "indicator_true": [0.5, 0.5],
                "wellbeing_mean": [0.6, 0.6],
                "gaming_gap": [0.0, 0.0],
                "correlation": correlation,
            }
        )

    def test_decay_is_called_campbells_law(self):
        story = " ".join(sweep_story(self.sweep([0.9, 0.2], [0.5, 0.8])))
        assert "That is Campbell's Law" in story and "rose (50% to 80%)" in story

    def test_a_small_change_is_called_slight(self):
        story = " ".join(sweep_story(self.sweep([0.9, 0.2], [0.5, 0.53])))
        assert "rose slightly (50% to 53%)" in story

    def test_kept_meaning_says_the_law_does_not_show(self):
        story = " ".join(sweep_story(self.sweep([0.9, 0.9], [0.5, 0.8])))
        assert "does not show Campbell's Law" in story and "That is" not in story


# --- the screens ------------------------------------------------------------------------------
# The lesson's runs re-render the page from a background thread, and a click made while that
# thread renders is rendered by it a moment later; so every look at the page waits, under the
# render lock, until what it expects is there.


def text_of(widget) -> str:
    if isinstance(widget, str):
        return widget
    return " ".join(text_of(child) for child in (getattr(widget, "children", None) or []))


def widget(rc, cls=v.Html, timeout: float = RUN_TIMEOUT, **matches):
    """The single widget matching, once it is there."""
    deadline = time.time() + timeout
    while True:
        with rc.thread_lock:
            found = rc.find(cls, **matches).widgets
        if len(found) == 1:
            return found[0]
        if time.time() > deadline:
            raise TimeoutError(f"no single {cls.__name__} matching {matches}: {found}")
        time.sleep(0.02)


def screen_text(rc, screen: int) -> str:
    return text_of(widget(rc, class_=f"trainer-screen trainer-screen-{screen}"))


def cell(rc, **data: object) -> str:
    """The value shown in the table cell with these data-attributes (without the range after it)."""
    attributes = {f"data-{key}": str(value) for key, value in data.items()}
    return widget(rc, tag="td", attributes=attributes).children[0]


def click(rc, label: str, then_screen: int) -> None:
    """Press a navigation button and wait for the screen it leads to."""
    widget(rc, v.Btn, children=[label]).click()
    widget(rc, class_=f"trainer-screen trainer-screen-{then_screen}")


def title(rc) -> str:
    return text_of(widget(rc, tag="h2", class_="trainer-title"))


@pytest.fixture
def trainer():
    box, rc = solara.render(TrainerMode(), handle_error=False)
    yield rc
    rc.close()


def test_progress_says_how_many_runs_are_done():
    box, rc = solara.render(Progress(campbell.LessonState(done=3, total=18), "the sweep"), handle_error=False)
    assert "3 of 18 runs done" in text_of(rc.find(v.Html, tag="p").widget)
    rc.close()


def test_next_and_back_step_through_five_titled_screens(trainer):
    rc = trainer
    assert title(rc) == TITLES[1]
    assert widget(rc, v.Btn, children=["Back"]).disabled
    for screen in range(2, SCREENS + 1):
        click(rc, "Next", screen)
        assert title(rc) == TITLES[screen]
    assert widget(rc, v.Btn, children=["Next"]).disabled
    click(rc, "Back", SCREENS - 1)
    assert title(rc) == TITLES[SCREENS - 1]


def test_arrow_and_clicker_keys_step_through_the_screens(trainer):
    rc = trainer
    main = widget(rc, class_="trainer")
    for key, screen in (("ArrowRight", 2), ("PageDown", 3), ("Enter", 3), ("PageUp", 2), ("ArrowLeft", 1)):
        main.fire_event("keydown", {"key": key})
        widget(rc, class_=f"trainer-screen trainer-screen-{screen}")
    assert title(rc) == TITLES[1]


def test_screens_show_what_the_runs_measured(trainer):
    rc = trainer
    widget(rc, tag="table", class_="trainer-table trainer-weekly")
    runs = campbell.screen_runs()
    figure = widget(rc, tag="figure", class_="trainer-figure")
    assert figure.attributes["role"] == "img" and "table on this screen" in figure.attributes["aria-label"]
    assert "travel together" in screen_text(rc, 1)

    click(rc, "Next", 2)
    widget(rc, v.Btn, attributes={"data-choice": "gamed", "aria-pressed": "false"}).click()
    assert PREDICTIONS["gamed"] in text_of(widget(rc, class_="trainer-prediction"))

    click(rc, "Next", 3)
    widget(rc, tag="table", class_="trainer-table trainer-weekly")
    reported = runs["stakes"].summary["indicator_reported"]
    screen = screen_text(rc, 3)
    assert f"{reported * 100:.0f}%" in screen and "really" not in screen.lower()

    click(rc, "Next", 4)
    widget(rc, tag="table", class_="trainer-table trainer-gaming")
    for run in ("none", "stakes"):
        summary = runs[run].summary
        assert cell(rc, measure="misreports_uncaught", run=run) == f"{summary['misreports_uncaught']:.0f}"
        assert cell(rc, measure="misreports_caught", run=run) == f"{summary['misreports_caught']:.0f}"
        assert cell(rc, measure="indicator_true", run=run) == f"{summary['indicator_true'] * 100:.0f}%"
        creaming = summary["creaming_index"]
        assert cell(rc, measure="creaming_index", run=run).startswith(f"{abs(creaming) * 100:.0f} points ")
        assert cell(rc, measure="bunching", run=run) == f"{summary['bunching'] + 1:.1f} to 1"
        parking = summary["parking_index"]
        assert cell(rc, measure="parking_index", run=run).startswith(f"{abs(parking) * 100:.0f}% ")
    gaming_hours = runs["stakes"].summary["gaming_hours_share"]
    assert cell(rc, measure="gaming_hours_share", run="stakes") == f"{gaming_hours * 100:.0f}%"

    click(rc, "Next", 5)
    widget(rc, tag="table", class_="trainer-table trainer-sweep")
    sweep = campbell.campbell_sweep()
    for row, values in sweep.iterrows():
        assert cell(rc, stake=row, measure="pbr_share") == f"{values['pbr_share'] * 100:.0f}%"
        for measure in ("indicator_reported", "indicator_true"):
            assert cell(rc, stake=row, measure=measure) == f"{values[measure] * 100:.0f}%"
        assert cell(rc, stake=row, measure="correlation") == f"{values['correlation']:.2f}"
    screen = screen_text(rc, 5)
    assert "That is Campbell's Law" in screen and PREDICTIONS["gamed"] in screen


def test_counter_case_switch_lets_the_model_disagree(trainer):
    rc = trainer
    for screen in range(2, SCREENS + 1):
        click(rc, "Next", screen)
    widget(rc, tag="table", class_="trainer-table trainer-sweep")
    widget(rc, v.Switch).v_model = True
    widget(rc, tag="p", class_="trainer-setting")
    expected = campbell.campbell_sweep(overrides=campbell.COUNTER_SETTING)
    last = len(expected) - 1
    want = f"{expected['correlation'].iloc[last]:.2f}"
    deadline = time.time() + RUN_TIMEOUT
    while cell(rc, stake=last, measure="correlation") != want and time.time() < deadline:
        time.sleep(0.05)
    assert "does not show Campbell's Law" in screen_text(rc, 5)
