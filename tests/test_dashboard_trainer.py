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
from hls_sim.dashboard.trainer import PREDICTIONS, SCREENS, TITLES, TrainerMode, sweep_story

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

    def test_reported_indicator_rises_at_every_step_of_the_stakes(self):
        sweep = campbell.campbell_sweep()
        assert list(sweep["pbr_share"]) == list(campbell.STAKES)
        assert (sweep["runs"] == len(campbell.SEEDS)).all()
        assert (np.diff(sweep["indicator_reported"]) > 0).all(), sweep

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

    def test_no_gap_growth_with_the_outcome_as_indicator_and_full_audit(self):
        sweep = campbell.campbell_sweep(overrides=campbell.COUNTER_SETTING)
        assert sweep["gaming_gap"].abs().max() < 0.02, sweep
        assert campbell.trend(sweep, "gaming_gap") == "held level"
        assert campbell.trend(sweep, "correlation") == "held level"


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

    def test_kept_meaning_says_the_law_does_not_show(self):
        story = " ".join(sweep_story(self.sweep([0.9, 0.9], [0.5, 0.8])))
        assert "does not show Campbell's Law" in story and "That is" not in story


# --- the screens ------------------------------------------------------------------------------
def text_of(widget) -> str:
    if isinstance(widget, str):
        return widget
    return " ".join(text_of(child) for child in (getattr(widget, "children", None) or []))


def wait_for(rc, timeout: float = RUN_TIMEOUT, **matches):
    return rc.find(v.Html, **matches).wait_for(timeout=timeout)


def cell(rc, **data: str) -> str:
    attributes = {f"data-{key}": str(value) for key, value in data.items()}
    return text_of(rc.find(v.Html, tag="td", attributes=attributes).widget)


def title(rc) -> str:
    return text_of(rc.find(v.Html, tag="h2", class_="trainer-title").widget)


@pytest.fixture
def trainer():
    box, rc = solara.render(TrainerMode(), handle_error=False)
    yield rc
    rc.close()


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def test_next_and_back_step_through_five_titled_screens(trainer):
    rc = trainer
    assert title(rc) == TITLES[1]
    assert rc.find(v.Btn, children=["Back"]).widget.disabled
    for screen in range(2, SCREENS + 1):
        click(rc, "Next")
        assert title(rc) == TITLES[screen]
        rc.find(v.Html, class_=f"trainer-screen trainer-screen-{screen}").assert_single()
    assert rc.find(v.Btn, children=["Next"]).widget.disabled
    click(rc, "Back")
    assert title(rc) == TITLES[SCREENS - 1]


def test_screens_show_what_the_runs_measured(trainer):
    rc = trainer
    wait_for(rc, tag="table", class_="trainer-table trainer-weekly")
    runs = campbell.screen_runs()
    rc.find(v.Html, tag="figure", class_="trainer-figure").assert_single()
    assert "travel together" in text_of(rc.find(v.Html, class_="trainer-screen trainer-screen-1").widget)

    click(rc, "Next")
    rc.find(v.Btn, attributes={"data-choice": "gamed", "aria-pressed": "false"}).widget.click()
    prediction = text_of(rc.find(v.Html, class_="trainer-prediction").widget)
    assert PREDICTIONS["gamed"] in prediction

    click(rc, "Next")
    screen = text_of(rc.find(v.Html, class_="trainer-screen trainer-screen-3").widget)
    reported = runs["stakes"].summary["indicator_reported"]
    assert f"{reported * 100:.0f}%" in screen and "really" not in screen.lower()

    click(rc, "Next")
    wait_for(rc, tag="table", class_="trainer-table trainer-gaming")
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
    assert cell(rc, measure="gaming_hours_share", run="stakes") == (
        f"{runs['stakes'].summary['gaming_hours_share'] * 100:.0f}%"
    )

    click(rc, "Next")
    wait_for(rc, tag="table", class_="trainer-table trainer-sweep")
    sweep = campbell.campbell_sweep()
    for row, values in sweep.iterrows():
        assert cell(rc, stake=row, measure="pbr_share") == f"{values['pbr_share'] * 100:.0f}%"
        assert (
            cell(rc, stake=row, measure="indicator_reported") == f"{values['indicator_reported'] * 100:.0f}%"
        )
        assert cell(rc, stake=row, measure="indicator_true") == f"{values['indicator_true'] * 100:.0f}%"
        assert cell(rc, stake=row, measure="correlation") == f"{values['correlation']:.2f}"
    screen = text_of(rc.find(v.Html, class_="trainer-screen trainer-screen-5").widget)
    assert "That is Campbell's Law" in screen and PREDICTIONS["gamed"] in screen
    figure = rc.find(v.Html, tag="figure", class_="trainer-figure").widget
    assert figure.attributes["role"] == "img" and "table below" in figure.attributes["aria-label"]


def test_counter_case_switch_lets_the_model_disagree(trainer):
    rc = trainer
    for _ in range(SCREENS - 1):
        click(rc, "Next")
    wait_for(rc, tag="table", class_="trainer-table trainer-sweep")
    rc.find(v.Switch).widget.v_model = True
    deadline = time.time() + RUN_TIMEOUT
    expected = campbell.campbell_sweep(overrides=campbell.COUNTER_SETTING)
    want = f"{expected['correlation'].iloc[-1]:.2f}"
    while time.time() < deadline:
        found = rc.find(
            v.Html, tag="td", attributes={"data-stake": str(len(expected) - 1), "data-measure": "correlation"}
        )
        if (
            found.widgets
            and text_of(found.widget) == want
            and "kept its meaning"
            in text_of(rc.find(v.Html, class_="trainer-screen trainer-screen-5").widget)
        ):
            break
        time.sleep(0.05)
    screen = text_of(rc.find(v.Html, class_="trainer-screen trainer-screen-5").widget)
    assert "does not show Campbell's Law" in screen, screen
