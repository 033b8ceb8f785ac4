"""Trainer mode: Campbell's Law in five minutes, for a trainer in front of a room.

Five screens, stepped through with a big Next button (and Back):

1. nothing rides on the number: the reported indicator and the truth move together;
2. the room predicts what money on the number will do (no answer shown);
3. what the commissioner sees: only the reported indicator;
4. the reveal: the true outcome and the gaming behind the gap, each counted;
5. the stakes raised step by step: indicator, truth and their correlation.

Every number on screen comes from model runs made when the component mounts
(``hls_sim.dashboard.campbell``), in a background thread with progress shown.
The words that interpret the numbers depend on what was measured, so when the
model does not show Campbell's Law (try the counter-case switch on screen 5:
the indicator is the outcome and every report is audited) the screens say so.

It is a presenter view: it fills the screen, and each screen fits a 1280 by
720 projector in large type with nothing below the fold. The words sit on the
left and the chart on the right; the numbers behind a chart (its text
alternative) take the chart's place at the press of Numbers.

Selectors for browser tests (stable; please keep them in step with the tests):

- ``.trainer``: the whole mode; ``.trainer-screen`` and ``.trainer-screen-N``
  (N = 1 to 5): the current screen's container; ``h2.trainer-title``: its title
  (titles in ``TITLES``).
- Buttons with the text ``Next`` (class ``trainer-next``, access key N) and
  ``Back`` (class ``trainer-back``, access key B), beside the title; Next is
  disabled on screen 5. ``Leave trainer mode`` (a close button, ``.trainer-exit``)
  when the page gives a way back. ``.trainer-position`` reads "Screen N of 5". With the
  focus anywhere in ``.trainer`` (it has ``tabindex=0``; click the page), the
  right arrow and Page Down go forward, the left arrow and Page Up back.
- ``.trainer-progress``: shown while runs are being made (about 20 small runs,
  half a second each on a free core; screens 1, 3 and 4 need only the first
  two). Wait for ``table.trainer-weekly`` on screen 1 and ``table.trainer-sweep``
  on screen 5. ``.trainer-setting``: a banner on every screen while the
  counter-case is on.
- ``.trainer-choice``: the prediction buttons on screen 2 (``data-choice`` = the
  key in ``PREDICTIONS``); ``.trainer-prediction`` echoes the room's pick.
- ``figure.trainer-figure``: each chart, with an ``aria-label``;
  ``table.trainer-table``: the numbers behind it (``table.trainer-weekly`` for
  the charts of screens 1 and 3), in ``.trainer-numbers-view``, shown in place of
  ``.trainer-chart-view`` by the buttons ``Chart`` and ``Numbers``
  (``.trainer-view-chart``, ``.trainer-view-numbers``). ``table.trainer-gaming`` on
  screen 4 has cells ``td[data-measure=<summary key>][data-run=none|stakes]``;
  ``table.trainer-sweep`` on screen 5 has ``td[data-stake=<row>][data-measure=<column>]``.
- ``.trainer-counter``: the counter-case switch on screen 5 (a Vuetify switch:
  click ``.trainer-counter label``; its input is hidden). Turning it on re-runs
  the whole lesson with the indicator equal to the outcome and full audit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import matplotlib
import pandas as pd
import solara
from matplotlib.figure import Figure

from hls_sim.dashboard import campbell
from hls_sim.dashboard.campbell import LessonState, RunResult
from hls_sim.outputs import OKABE_ITO
from hls_sim.parameters.measurement import INDICATOR_WINDOW

SCREENS = 5
TITLES = {
    1: "Nothing rides on the number",
    2: "What happens when money rides on the number?",
    3: "What the commissioner sees",
    4: "What was really happening",
    5: "Raise the stakes, step by step",
}
PREDICTIONS = {
    "better": "The number goes up, and people really do better",
    "gamed": "The number goes up, but people do no better, or worse",
    "same": "Nothing much changes",
    "worse": "The number goes down",
}
# Keys that step through the screens: the arrows, and what a presentation clicker sends.
KEYS = {"ArrowRight": 1, "PageDown": 1, "ArrowLeft": -1, "PageUp": -1}
# Okabe-Ito colours, each with one meaning on every screen: orange what is reported, green
# what is real, blue a run with nothing on the number; wellbeing purple, the correlation black.
REPORTED, REALLY, BASELINE, WELLBEING = OKABE_ITO[0], OKABE_ITO[4], OKABE_ITO[3], OKABE_ITO[5]
CORRELATION = "#000000"
CHART_STYLE = {
    "font.size": 22,
    "axes.titlesize": 26,
    "axes.labelsize": 24,
    "xtick.labelsize": 22,
    "ytick.labelsize": 22,
    "legend.fontsize": 20,
    "lines.linewidth": 4,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
CSS = """
.trainer { position: fixed; inset: 0; z-index: 100; overflow: hidden; display: flex; flex-direction: column;
           font-size: 24px; line-height: 1.35; color: #000; background: #fff; padding: 10px 28px 8px; }
.trainer p, .trainer figcaption, .trainer td, .trainer th, .trainer caption { color: #000; }
.trainer .trainer-top { display: flex; align-items: center; gap: 24px; min-height: 64px; margin-bottom: 6px; }
.trainer h2.trainer-title { font-size: 36px; line-height: 1.1; font-weight: 700; margin: 0; flex: 1; }
.trainer p { font-size: 23px; margin: 0 0 12px; }
.trainer .trainer-screen { flex: 1; min-height: 0; display: flex; flex-direction: column; }
.trainer .trainer-body { flex: 1; min-height: 0; display: grid; grid-template-columns: minmax(300px, 2fr) 3fr;
                         gap: 8px 32px; align-items: start; margin-top: 8px; }
.trainer .trainer-visual { min-height: 0; height: 100%; display: flex; flex-direction: column; }
.trainer .trainer-figure { margin: 0; }
.trainer .trainer-figure img { display: block; max-width: 100%; max-height: calc(100vh - 200px);
                               width: auto; height: auto; }
.trainer .trainer-figure figcaption { font-size: 17px; margin-top: 2px; }
.trainer .trainer-numbers-view { display: none; overflow: hidden; }
.trainer .trainer-body:has(.show-numbers) { grid-template-columns: 1fr; }
.trainer .trainer-body:has(.show-numbers) .trainer-words { display: none; }
.trainer .show-numbers .trainer-numbers-view { display: block; }
.trainer .show-numbers .trainer-chart-view { display: none; }
.trainer table.trainer-table { border-collapse: collapse; font-size: 21px; margin: 0 0 12px; }
.trainer .trainer-table caption { text-align: left; font-size: 21px; font-weight: 700; padding-bottom: 4px; }
.trainer .trainer-table th, .trainer .trainer-table td { border-bottom: 2px solid #000; padding: 3px 14px;
                                                       text-align: left; vertical-align: top; }
.trainer .trainer-table td.number { text-align: right; font-variant-numeric: tabular-nums;
                                    white-space: nowrap; }
.trainer .v-btn.trainer-button { font-size: 22px !important; height: 52px !important;
                                 min-width: 120px !important; text-transform: none !important;
                                 letter-spacing: 0 !important; }
.trainer .v-btn.trainer-choice { font-size: 22px !important; height: auto !important; min-height: 52px;
                                 white-space: normal; text-transform: none !important;
                                 letter-spacing: 0 !important; justify-content: flex-start; margin: 5px 0;
                                 width: 100%; max-width: 50em; }
.trainer .v-btn.trainer-choice .v-btn__content { white-space: normal; text-align: left; padding: 6px 0; }
.trainer .v-btn:focus-visible { outline: 5px solid #0072B2; outline-offset: 3px; }
.trainer:focus { outline: none; }
.trainer .trainer-nav { display: flex; align-items: center; gap: 16px; }
.trainer .trainer-position { font-size: 22px; white-space: nowrap; }
.trainer .trainer-progress { font-size: 23px; margin: 12px 0; }
.trainer .trainer-prediction { font-weight: 700; }
.trainer .trainer-spread { font-size: 17px; }
.trainer .trainer-setting { font-size: 21px; font-weight: 700; border-left: 8px solid #E69F00;
                            padding: 2px 14px; margin: 4px 0 0; }
.trainer .trainer-counter .v-label { font-size: 21px !important; line-height: 1.3 !important;
                                     height: auto !important; color: #000 !important; }
.trainer .trainer-views { display: flex; gap: 8px; margin-bottom: 6px; }
.trainer .v-btn.trainer-view { font-size: 19px !important; text-transform: none !important;
                               letter-spacing: 0 !important; }
"""


# --- formatting -------------------------------------------------------------------------------
def percent(value: float) -> str:
    """A share as a whole percentage, ``"n/a"`` when it could not be measured."""
    return f"{value * 100:.0f}%" if math.isfinite(value) else "n/a"


def points(value: float) -> str:
    """A difference of shares in percentage points, with its sign."""
    return f"{value * 100:+.0f} points" if math.isfinite(value) else "n/a"


def count(value: float) -> str:
    return f"{value:.0f}" if math.isfinite(value) else "n/a"


def wellbeing(value: float) -> str:
    return f"{value:.3f}" if math.isfinite(value) else "n/a"


def correlation(value: float) -> str:
    return f"{value:.2f}" if math.isfinite(value) else "n/a"


def fewer_hours(value: float) -> str:
    """The parking index as hours given to the hardest fifth relative to the rest."""
    if not math.isfinite(value):
        return "n/a"
    return f"{value * 100:.0f}% fewer" if value >= 0 else f"{-value * 100:.0f}% more"


def less_often(value: float) -> str:
    """The creaming index as how much less often the hardest fifth were taken on."""
    if not math.isfinite(value):
        return "n/a"
    return f"{value * 100:.0f} points less" if value >= 0 else f"{-value * 100:.0f} points more"


def to_one(value: float) -> str:
    """The bunching index as closures just inside the line for each one just outside."""
    return f"{1 + value:.1f} to 1" if math.isfinite(value) else "n/a"


# What screen 4 counts, in order: summary key, what it means in plain words, format.
GAMING_EVIDENCE: tuple[tuple[str, str, Callable[[float], str]], ...] = (
    ("indicator_reported", "Closed cases reported as a success", percent),
    ("indicator_true", "Closed cases that really were a success", percent),
    ("gaming_gap", "Gap: reported minus real", points),
    ("creaming_index", "Creaming: how often the hardest-to-help fifth were taken on", less_often),
    ("parking_index", "Parking: support hours for the hardest fifth, against the rest", fewer_hours),
    ("bunching", "Threshold effect: cases closed just inside the target line, per case just outside", to_one),
    ("misreports_uncaught", "Misreporting: failures reported as successes, never caught", count),
    ("misreports_caught", "Misreporting caught by audit", count),
    ("gaming_hours_share", "Worker hours spent on moving the number", percent),
    ("wellbeing_mean", "Mean wellbeing of everyone in the town (0 to 1)", wellbeing),
)
SWEEP_COLUMNS: tuple[tuple[str, str, Callable[[float], str]], ...] = (
    ("indicator_reported", "Reported as a success", percent),
    ("indicator_true", "Really a success", percent),
    ("wellbeing_mean", "Mean wellbeing", wellbeing),
    ("correlation", "Correlation, report and truth", correlation),
)


# --- charts -----------------------------------------------------------------------------------
Line = tuple[str, pd.DataFrame, str, str, str]


def weekly_figure(lines: list[Line], title: str) -> Figure:
    """Weekly lines (label, full-quarter weeks, column, colour, line style) on a 0 to 100% scale."""
    with matplotlib.rc_context(CHART_STYLE):
        figure = Figure(figsize=(10, 7.5), layout="constrained")
        axes = figure.subplots()
        # Earlier lines are drawn on top, the second one wider, so that a line lying exactly
        # on another (a report that tells the truth) still shows as a line on a line.
        for order, (label, weekly, column, colour, style) in enumerate(lines):
            axes.plot(
                weekly["week"],
                weekly[column] * 100,
                color=colour,
                linestyle=style,
                linewidth=4 + 3 * (order == 1),
                zorder=10 - order,
                label=label,
            )
        axes.set_ylim(0, 100)
        axes.set_xlabel("Week")
        axes.set_ylabel("% of closed cases")
        axes.set_title(title, loc="left")
        axes.grid(axis="y", alpha=0.3)
        figure.legend(loc="outside lower center", ncols=1, frameon=False)
    return figure


def sweep_figure(sweep: pd.DataFrame) -> Figure:
    """Screen 5's chart: each measure's mean over seeds against the stakes."""
    stakes = sweep["pbr_share"] * 100
    lines = (
        ("indicator_reported", "Reported as a success", REPORTED, "-", "o"),
        ("indicator_true", "Really a success", REALLY, "-", "s"),
        ("wellbeing_mean", "Mean wellbeing", WELLBEING, "--", "^"),
        ("correlation", "Report-truth correlation", CORRELATION, ":", "D"),
    )
    with matplotlib.rc_context(CHART_STYLE):
        figure = Figure(figsize=(10, 7.5), layout="constrained")
        axes = figure.subplots()
        for order, (column, label, colour, style, marker) in enumerate(lines):
            axes.fill_between(
                stakes, sweep[f"{column}_low"], sweep[f"{column}_high"], color=colour, alpha=0.15
            )
            axes.plot(
                stakes,
                sweep[column],
                color=colour,
                linestyle=style,
                marker=marker,
                markersize=13 + 5 * (order == 1),
                linewidth=4 + 3 * (order == 1),
                zorder=10 - order,
                label=label,
            )
        axes.set_ylim(0, 1.05)
        axes.set_xticks(stakes)
        axes.set_xlabel("Share of payment riding on the number (%)")
        axes.set_ylabel("Share, wellbeing or correlation")
        axes.set_title("Raising the stakes", loc="left")
        axes.grid(axis="y", alpha=0.3)
        figure.legend(loc="outside lower center", ncols=2, frameon=False)
    return figure


# --- small building blocks --------------------------------------------------------------------
def paragraph(text: str, classes: str = "") -> solara.v.Html:
    return solara.v.Html(tag="p", children=[text], class_=classes or None)


def cell(
    text: str, header: bool = False, number: bool = False, spread: str = "", **data: Any
) -> solara.v.Html:
    """A table cell; ``spread`` is shown small after the value; ``data`` become data-attributes."""
    attributes = {f"data-{key.replace('_', '-')}": str(value) for key, value in data.items()}
    extra = [solara.v.Html(tag="span", class_="trainer-spread", children=[spread])] if spread else []
    return solara.v.Html(
        tag="th" if header else "td",
        children=[text, *extra],
        class_="number" if number else None,
        attributes=attributes or None,
    )


def table(caption: str, header: list[str], rows: list[list[solara.v.Html]], classes: str) -> solara.v.Html:
    """An HTML table with a caption: the text alternative of a chart."""
    return solara.v.Html(
        tag="table",
        class_=f"trainer-table {classes}",
        children=[
            solara.v.Html(tag="caption", children=[caption]),
            solara.v.Html(
                tag="thead",
                children=[solara.v.Html(tag="tr", children=[cell(text, header=True) for text in header])],
            ),
            solara.v.Html(tag="tbody", children=[solara.v.Html(tag="tr", children=row) for row in rows]),
        ],
    )


def spread(row: pd.Series, measure: str, fmt: Callable[[float], str]) -> str:
    """The lowest to highest seed of a sweep measure, in brackets."""
    return f" ({fmt(row[f'{measure}_low'])} to {fmt(row[f'{measure}_high'])})"


def run_key(result: RunResult) -> tuple[Any, ...]:
    """What identifies a run's data: its stakes, seed and settings."""
    return (result.pbr_share, result.seed, result.settings)


@solara.component
def Chart(draw: Callable[[], Figure], description: str, caption: str, key: Any):
    """A chart as an image inside a ``<figure>`` with an aria-label and a visible caption.

    ``key`` names the data drawn: the figure is drawn again only when it changes.
    """
    figure = solara.use_memo(draw, dependencies=[key])
    image = solara.FigureMatplotlib(figure, dependencies=[key])
    solara.v.Html(
        tag="figure",
        class_="trainer-figure",
        attributes={"role": "img", "aria-label": description},
        children=[image, solara.v.Html(tag="figcaption", children=[caption])],
    )


WeeklyLines = list[tuple[str, RunResult, str, str, str]]


@solara.component
def WeeklyChart(lines: WeeklyLines, title: str, description: str, numbers: bool = True):
    """A weekly chart of runs' indicators (label, run, column, colour, line style).

    With ``numbers``, the numbers behind it follow in a table; without, the screen
    must show ``weekly_numbers`` for the same lines itself.
    """
    quarters = [
        (label, campbell.full_quarters(run), column, colour, style)
        for label, run, column, colour, style in lines
    ]
    Chart(
        lambda: weekly_figure(quarters, title),
        description + " A table on this screen gives the numbers.",
        f"Each point: the cases closed in the {INDICATOR_WINDOW} weeks up to that week. "
        f"One model run each (seed {lines[0][1].seed}).",
        key=(title, tuple((label, run_key(run), column) for label, run, column, _, _ in lines)),
    )
    if numbers:
        weekly_numbers(lines)


def weekly_numbers(lines: WeeklyLines) -> solara.v.Html:
    """The numbers behind a weekly chart: each line over the two years, and its lowest and highest week."""
    rows = []
    for label, run, column, _, _ in lines:
        weekly = campbell.full_quarters(run)[column].dropna()
        rows.append(
            [
                cell(label),
                cell(percent(run.summary[column]), number=True),
                cell(percent(weekly.min()), number=True),
                cell(percent(weekly.max()), number=True),
            ]
        )
    return table(
        "The numbers behind the chart",
        ["Line", "All two years", "Lowest week", "Highest week"],
        rows,
        "trainer-weekly",
    )


@solara.component
def Visual(chart: Callable[[], Any], numbers: Callable[[], Any]):
    """A screen's right-hand side: the chart, or (at the press of Numbers) the numbers behind it.

    Both are on the page (the numbers are the chart's text alternative); one is
    shown at a time, so each fits a 1280 by 720 projector with nothing below the fold.
    """
    showing, set_showing = solara.use_state("chart")
    with solara.Div(classes=["trainer-visual"] + (["show-numbers"] if showing == "numbers" else [])):
        with solara.Div(classes=["trainer-views"]):
            for view, words in (("chart", "Chart"), ("numbers", "Numbers")):
                solara.Button(
                    words,
                    on_click=lambda view=view: set_showing(view),
                    outlined=showing != view,
                    color="#0072B2",
                    dark=showing == view,
                    small=True,
                    classes=["trainer-view", f"trainer-view-{view}"],
                    attributes={"aria-pressed": "true" if showing == view else "false"},
                )
        with solara.Div(classes=["trainer-chart-view"]):
            chart()
        with solara.Div(classes=["trainer-numbers-view"]):
            numbers()


@solara.component
def Progress(state: LessonState | None, needs: str):
    done, total = (state.done, state.total) if state else (0, len(campbell.lesson_runs()))
    with solara.Div(classes=["trainer-progress"]):
        solara.v.ProgressLinear(value=100 * done / total if total else 0, height=16, color="#0072B2")
        paragraph(f"Running the model for {needs}: {done} of {total} runs done.")


def town() -> str:
    """The small place in words, from its settings."""
    place = campbell.SMALL_PLACE
    return (
        f"A small town: {place.population.size} residents, {place.workforce.workers} support workers "
        f"in {place.providers.count} providers, over {place.weeks / 52:.0f} years."
    )


# --- the screens ------------------------------------------------------------------------------
@solara.component
def NoStakes(runs: dict[str, RunResult]):
    none = runs["none"]
    agreement = campbell.weekly_agreement(none)
    together = agreement["correlation"] >= 0.7 and abs(agreement["gap"]) <= 0.1
    measured = (
        f"correlation across weeks {correlation(agreement['correlation'])}; on average the report "
        f"differs from the truth by {points(agreement['gap'])}"
    )
    with solara.Div(classes=["trainer-body"]):
        with solara.Div(classes=["trainer-words"]):
            paragraph(f"{town()} The providers are paid the same whatever their figures say.")
            paragraph(
                "Orange: the share of closed cases reported to the commissioner as a success. "
                "Green, dashed: the share that really were."
            )
            if together:
                paragraph(f"The two lines travel together ({measured}). Here the number is a fair guide.")
            else:
                paragraph(f"Even with nothing riding on it, the number is a poor guide here ({measured}).")
        lines = [
            ("Reported as a success", none, "indicator_reported", REPORTED, "-"),
            ("Really a success", none, "indicator_true", REALLY, "--"),
        ]
        Visual(
            lambda: WeeklyChart(
                lines,
                "Nothing on the number",
                "Line chart over two years of the share of closed cases reported as a success and the "
                "share that really were, with nothing riding on the number.",
                numbers=False,
            ),
            lambda: weekly_numbers(lines),
        )


@solara.component
def Predict(prediction: str | None, on_prediction: Callable[[str], None]):
    share = percent(campbell.HIGH_STAKES)
    paragraph(
        f"Now the commissioner holds back {share} of each provider's payment and pays it only for "
        "cases reported as a success. Same town, same people, same workers, the same money on offer."
    )
    paragraph("Before we look: what will happen to the reported success rate, and to how people really do?")
    for key, text in PREDICTIONS.items():
        solara.Button(
            text,
            on_click=lambda key=key: on_prediction(key),
            outlined=prediction != key,
            color="#0072B2",
            dark=prediction == key,
            classes=["trainer-choice"],
            attributes={"data-choice": key, "aria-pressed": "true" if prediction == key else "false"},
        )
    if prediction:
        paragraph(f"The room's prediction: {PREDICTIONS[prediction]}.", "trainer-prediction")
    else:
        paragraph("Take a show of hands, click the room's choice, then press Next.")


@solara.component
def CommissionerView(runs: dict[str, RunResult]):
    none, stakes = runs["none"], runs["stakes"]
    share = percent(stakes.pbr_share)
    before, after = none.summary["indicator_reported"], stakes.summary["indicator_reported"]
    moved = change_word(after - before, "indicator_reported")
    verdict = {
        "rose": "Judged by the report, the new contract works.",
        "held level": "Judged by the report, the new contract changed little.",
        "fell": "Here the report itself got worse: the model does not show the number improving.",
    }.get(
        campbell.direction(after - before, campbell.TOLERANCE["indicator_reported"]),
        "The model could not measure the change.",
    )
    with solara.Div(classes=["trainer-body"]):
        with solara.Div(classes=["trainer-words"]):
            paragraph(
                f"With {share} of the payment riding on it, the reported success rate {moved}: "
                f"{percent(before)} with nothing on the number, {percent(after)} with {share} on it "
                "(all cases closed over two years)."
            )
            paragraph(verdict)
            paragraph("This is all the commissioner sees.")
        lines = [
            (f"Reported, {share} on the number", stakes, "indicator_reported", REPORTED, "-"),
            ("Reported, nothing on the number", none, "indicator_reported", BASELINE, "--"),
        ]
        Visual(
            lambda: WeeklyChart(
                lines,
                "The reported success rate",
                f"Line chart of the reported success rate over two years, with {share} of payment on the "
                "number and with nothing on it.",
                numbers=False,
            ),
            lambda: weekly_numbers(lines),
        )


def gaming_rows(none: RunResult, stakes: RunResult) -> list[list[solara.v.Html]]:
    """Screen 4's table: what the model counted in each run (cells carry measure and run)."""
    return [
        [
            cell(label),
            cell(fmt(none.summary[key]), number=True, measure=key, run="none"),
            cell(fmt(stakes.summary[key]), number=True, measure=key, run="stakes"),
        ]
        for key, label, fmt in GAMING_EVIDENCE
    ]


def sweep_rows(sweep: pd.DataFrame) -> list[list[solara.v.Html]]:
    """Screen 5's table: each stake's means over seeds, with the lowest and highest seed."""
    return [
        [cell(percent(row["pbr_share"]), stake=index, measure="pbr_share")]
        + [
            cell(fmt(row[key]), number=True, spread=spread(row, key, fmt), stake=index, measure=key)
            for key, _, fmt in SWEEP_COLUMNS
        ]
        for index, row in sweep.reset_index(drop=True).iterrows()
    ]


@solara.component
def Reveal(runs: dict[str, RunResult]):
    none, stakes = runs["none"], runs["stakes"]
    share = percent(stakes.pbr_share)
    really_before, really_after = none.summary["indicator_true"], stakes.summary["indicator_true"]
    really = change_word(really_after - really_before, "indicator_true")
    gap_change = stakes.summary["gaming_gap"] - none.summary["gaming_gap"]
    widened = campbell.direction(gap_change, campbell.TOLERANCE["gaming_gap"])
    lines = [
        (f"Reported, {share} on the number", stakes, "indicator_reported", REPORTED, "-"),
        (f"Really a success, {share} on the number", stakes, "indicator_true", REALLY, "-"),
        ("Really a success, nothing on the number", none, "indicator_true", BASELINE, "--"),
    ]
    with solara.Div(classes=["trainer-body"]):
        with solara.Div(classes=["trainer-words"]):
            paragraph(
                f"The share of closed cases that really were a success {really}: {percent(really_before)} "
                f"with nothing on the number, {percent(really_after)} with {share} on it, while the report "
                f"said {percent(stakes.summary['indicator_reported'])}."
            )
            if widened == "rose":
                paragraph(
                    "The gap is gaming: choices that pay under this contract, made by people doing their "
                    f"jobs. With {share} on the number, "
                    f"{percent(stakes.summary['gaming_hours_share'])} of worker hours went on moving it, and "
                    f"{count(stakes.summary['misreports_uncaught'])} failures were reported as successes and "
                    "never caught. Press Numbers to see each kind counted."
                )
            else:
                paragraph(
                    f"At this setting the gap between report and truth did not widen ({points(gap_change)}): "
                    "the model found no corruption of the number here. Press Numbers to see what it counted."
                )
        Visual(
            lambda: WeeklyChart(
                lines,
                "Reported against real",
                f"Line chart over two years: the reported success rate with {share} of payment on the "
                "number, the real success rate with it, and the real success rate with nothing on it.",
                numbers=False,
            ),
            lambda: table(
                "What the model counted over two years",
                ["Measure", "Nothing on the number", f"{share} on the number"],
                gaming_rows(none, stakes),
                "trainer-gaming",
            ),
        )


def change_word(difference: float, measure: str) -> str:
    """How a measure moved, in words: "rose", "fell slightly", "held level" (``campbell.TOLERANCE``)."""
    tolerance = campbell.TOLERANCE[measure]
    word = campbell.direction(difference, tolerance)
    if word in ("rose", "fell") and abs(difference) < 3 * tolerance:
        word += " slightly"
    return word


def sweep_story(sweep: pd.DataFrame) -> list[str]:
    """Screen 5's sentences, each following the direction the sweep measured."""
    first, last = sweep.iloc[0], sweep.iloc[-1]

    def moved(measure: str, fmt: Callable[[float], str]) -> str:
        word = change_word(campbell.change(sweep, measure), measure)
        return f"{word} ({fmt(first[measure])} to {fmt(last[measure])})"

    reported = campbell.trend(sweep, "indicator_reported")
    meaning = campbell.trend(sweep, "correlation")
    sentences = [
        f"The same town, {int(first['runs'])} runs at each of {len(sweep)} stakes, from nothing to "
        f"{percent(last['pbr_share'])} of the payment riding on the number.",
        f"As the stakes went up, the reported success rate {moved('indicator_reported', percent)}, "
        f"the real success rate {moved('indicator_true', percent)} and mean wellbeing "
        f"{moved('wellbeing_mean', wellbeing)}.",
        f"Case by case, the correlation between a reported success and a real one "
        f"{moved('correlation', correlation)}.",
    ]
    if reported == "rose" and meaning == "fell":
        sentences.append(
            "That is Campbell's Law: the more money rides on a number, the less the number means."
        )
    elif meaning in ("held level", "rose"):
        sentences.append(
            "Here the number kept its meaning: the model does not show Campbell's Law at this setting."
        )
    else:
        sentences.append("The model shows only part of Campbell's Law at this setting.")
    return sentences


@solara.component
def Sweep(sweep: pd.DataFrame, prediction: str | None, counter: bool, on_counter: Callable[[bool], None]):
    with solara.Div(classes=["trainer-body"]):
        with solara.Div(classes=["trainer-words"]):
            for sentence in sweep_story(sweep):
                paragraph(sentence)
            if prediction:
                paragraph(f"The room predicted: {PREDICTIONS[prediction]}.", "trainer-prediction")
            solara.Switch(
                label="Counter-case: the number is the outcome itself, and every report is audited",
                value=counter,
                on_value=on_counter,
                classes=["trainer-counter"],
            )
        Visual(
            lambda: Chart(
                lambda: sweep_figure(sweep),
                "Line chart against the share of payment riding on the number: reported success rate, real "
                "success rate, mean wellbeing, and the correlation between reported and real success. "
                "Numbers gives the table.",
                "Lines: means over seeds; shading: lowest to highest seed. "
                "Correlation (the phi coefficient): "
                "1 means the report tells the truth about every closed case, 0 that it tells you nothing.",
                key=tuple(map(tuple, sweep.to_numpy().round(9))),
            ),
            lambda: table(
                "Mean over seeds (lowest to highest seed)",
                ["Payment on the number", *(label for _, label, _ in SWEEP_COLUMNS)],
                sweep_rows(sweep),
                "trainer-sweep",
            ),
        )


@solara.component
def Navigation(screen: int, on_screen: Callable[[int], None], on_exit: Callable[[], None] | None = None):
    with solara.Div(classes=["trainer-nav"]):
        solara.Button(
            "Back",
            on_click=lambda: on_screen(screen - 1),
            disabled=screen <= 1,
            outlined=True,
            classes=["trainer-button", "trainer-back"],
            attributes={"accesskey": "b"},
        )
        solara.v.Html(tag="span", class_="trainer-position", children=[f"Screen {screen} of {SCREENS}"])
        solara.Button(
            "Next",
            on_click=lambda: on_screen(screen + 1),
            disabled=screen >= SCREENS,
            color="#0072B2",
            dark=screen < SCREENS,
            classes=["trainer-button", "trainer-next"],
            attributes={"accesskey": "n"},
        )
        if on_exit is not None:
            solara.Button(
                icon_name="mdi-close",
                on_click=on_exit,
                icon=True,
                classes=["trainer-exit"],
                attributes={"aria-label": "Leave trainer mode", "title": "Leave trainer mode"},
            )


@solara.component
def TrainerMode(on_exit: Callable[[], None] | None = None):
    """The five-screen lesson, filling the screen; see the module docstring for what each screen shows.

    ``on_exit``: what the close button does (it is shown only when given).
    """
    screen, set_screen = solara.use_state(1)
    prediction, set_prediction = solara.use_state(None)
    counter, set_counter = solara.use_state(False)

    def prepare():
        yield from campbell.prepare_lesson(campbell.COUNTER_SETTING if counter else None)

    lesson = solara.use_thread(prepare, dependencies=[counter], intrusive_cancel=False)
    state: LessonState | None = lesson.value if isinstance(lesson.value, LessonState) else None

    def go(value: int) -> None:
        set_screen(min(SCREENS, max(1, value)))

    # tabindex lets a click anywhere on the page give it the keyboard, so the arrow keys and
    # a presentation clicker (which sends Page Down and Page Up) step through the screens.
    with solara.v.Html(tag="div", class_="trainer", attributes={"tabindex": "0"}) as main:
        solara.Style(CSS)
        with solara.Div(classes=["trainer-screen", f"trainer-screen-{screen}"]):
            with solara.Div(classes=["trainer-top"]):
                solara.v.Html(tag="h2", class_="trainer-title", children=[TITLES[screen]])
                Navigation(screen, go, on_exit)
            if counter:
                paragraph(
                    "Counter-case: the number is the outcome itself and every report is audited.",
                    "trainer-setting",
                )
            if lesson.error is not None:
                paragraph(f"The model runs failed: {lesson.error}")
            elif screen == 2:
                Predict(prediction, set_prediction)
            elif screen == 5:
                if state is not None and state.sweep is not None:
                    Sweep(state.sweep, prediction, counter, set_counter)
                else:
                    Progress(state, "the sweep of stakes")
            elif state is not None and state.screens is not None:
                {1: NoStakes, 3: CommissionerView, 4: Reveal}[screen](state.screens)
            else:
                Progress(state, "this screen")

    def on_key(_widget: Any, _event: str, data: dict[str, Any] | None) -> None:
        step = KEYS.get((data or {}).get("key", ""), 0)
        if step:
            go(screen + step)

    solara.v.use_event(main, "keydown", on_key)
    return main
