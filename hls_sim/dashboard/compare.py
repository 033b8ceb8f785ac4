"""Compare A/B: two settings on the same seeds, so only the settings differ, and the answer first.

A commissioner opening the page lands here with the old world (targets and
competition) on side A and HLS (trust and an alliance) on side B. Both sides
start running at once, on several seeds each (``comparison``), in worker
processes, while the page is already usable. What shows, top to bottom:

1. the headline (``headline``): six measures, which side did better and in how
   many seeds, filling in as runs finish;
2. the runs' progress and the controls: run again, seeds, the one-page summary;
3. each side's settings (folded), with upload, name and export;
4. the charts, A and B on one chart with a band over the seeds;
5. every measure, behind a fold.

Explore, Perspectives and Stories look at one run of each side made week by
week in this process with every journey recorded (``state``); the page starts
those when one of them is opened (``app.Tabbed``), not here.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import solara

from hls_sim.dashboard import comparison as runs
from hls_sim.dashboard import state
from hls_sim.dashboard.compare_charts import draw_all
from hls_sim.dashboard.comparison import SIDES, Comparison, Side
from hls_sim.dashboard.controls import SeedControl, SettingsPanel
from hls_sim.dashboard.export import ExportPanel
from hls_sim.dashboard.glossary import Term, sentence
from hls_sim.dashboard.headline import Headline
from hls_sim.dashboard.measures import better_side, difference, direction_words, measure, written
from hls_sim.dashboard.summary_page import summary_filename, summary_html
from hls_sim.dashboard.text import Folded
from hls_sim.metrics import SUMMARY_KEYS
from hls_sim.scenario import ScenarioError

GREY = {"font-size": "0.85em", "color": "#444"}


def summary_table(
    summary_a: dict[str, float], summary_b: dict[str, float], names: dict[str, str] | None = None
) -> pd.DataFrame:
    """Every summary measure for A and B, B minus A and which side is better, in plain words."""
    names = names or {"A": "A", "B": "B"}
    rows = []
    for key in [*SUMMARY_KEYS, *(key for key in summary_a if key not in SUMMARY_KEYS)]:
        a, b = summary_a.get(key, math.nan), summary_b.get(key, math.nan)
        better = better_side(key, a, b)
        rows.append(
            {
                "measure": measure(key).name,
                "A": written(key, a),
                "B": written(key, b),
                "B minus A": difference(key, b - a),
                "better": names[better] if better else ("level" if measure(key).better else "—"),
                "direction": direction_words(key),
                "key": key,
            }
        )
    return pd.DataFrame(rows)


def mean_summary(comparison: Comparison, side: str) -> dict[str, float]:
    """Each measure's average over the seeds both sides have finished."""
    seeds = comparison.paired_seeds()
    summaries = comparison.summaries(side)
    keys = summaries[seeds[0]].keys() if seeds else []
    return {
        key: float(np.nanmean([summaries[seed][key] for seed in seeds]))
        if any(math.isfinite(summaries[seed][key]) for seed in seeds)
        else math.nan
        for key in keys
    }


def wanted_sides() -> dict[str, Side] | None:
    """What the sides are set to now, as the comparison runs them; ``None`` if a setting is bad."""
    names = state.side_names()
    try:
        return {
            side: Side(
                names[side], state.side_label(state.settings[side].value), state.settings[side].value.build()
            )
            for side in SIDES
        }
    except ScenarioError:
        return None


def wanted_seeds() -> tuple[int, ...]:
    first = state.seed.value
    return tuple(range(first, first + state.seeds_per_side.value))


def opening() -> tuple[list, tuple[int, ...]]:
    """The scenarios and seeds of the comparison the page opens with (for ``pool.warm``)."""
    scenarios = [
        state.Settings(state.default_scenario_name(), state.DEFAULT_REGIMES[side]).build() for side in SIDES
    ]
    return scenarios, tuple(range(state.DEFAULT_SEED, state.DEFAULT_SEED + state.seeds_per_side.value))


def start_comparison() -> None:
    sides = wanted_sides()
    if sides is not None:
        runs.run(sides, wanted_seeds(), draw_all)


def up_to_date(comparison: Comparison | None) -> bool:
    sides = wanted_sides()
    return comparison is not None and sides is not None and comparison.same_settings(sides, wanted_seeds())


@solara.component
def Progress():
    """How far the comparison has got; its own component, so progress redraws nothing else."""
    comparison = runs.current.value
    running = runs.run.pending
    if running:
        solara.ProgressLinear(value=100 * runs.progress.value, color="#0072B2")
    if comparison is None:
        return
    done = len(comparison.runs)
    seeds = comparison.seeds
    if comparison.error:
        solara.Error(f"{comparison.error} The page still works: change a setting and press Run both.")
    elif running and done < comparison.total:
        solara.Text(
            f"Running: {done} of {comparison.total} runs done "
            f"(seeds {seeds[0]} to {seeds[-1]} for each side). "
            "You can use the page meanwhile.",
            classes=["hls-compare-status"],
        )
    elif running:
        solara.Text(f"All {comparison.total} runs done; drawing the charts.", classes=["hls-compare-status"])
    elif comparison.finished:
        solara.Text(
            f"Finished: {comparison.total} runs, seeds {seeds[0]} to {seeds[-1]} for each side, "
            f"in {comparison.seconds:.1f} s.",
            classes=["hls-compare-status"],
        )


@solara.component
def SeedsControl():
    problem, set_problem = solara.use_state("")

    def take(text: str) -> None:
        cleaned = text.strip()
        if not cleaned.isdigit() or not 1 <= int(cleaned) <= runs.MAX_SEEDS:
            set_problem(
                f"“{cleaned}” cannot be used: enter a whole number of seeds from 1 to {runs.MAX_SEEDS}."
            )
            return
        set_problem("")
        state.seeds_per_side.value = int(cleaned)

    with solara.Column(gap="0px"):
        solara.InputText(
            "Seeds per side",
            value=str(state.seeds_per_side.value),
            on_value=take,
            dense=True,
            style={"max-width": "9em"},
        ).key(f"seeds-{state.seeds_per_side.value}-{problem}")
        if problem:
            solara.Text(problem, classes=["hls-problem"], style={"color": "#B00020", "font-size": "0.85em"})
        sentence("More seeds: a surer answer, a longer wait.", classes="hls-hint")


@solara.component
def CompareControls():
    comparison = runs.current.value
    running = runs.run.pending
    fresh = up_to_date(comparison)
    bad = wanted_sides() is None
    with solara.Row(gap="24px", style={"align-items": "flex-start", "flex-wrap": "wrap"}):
        with solara.Column(gap="2px"):
            solara.Button(
                "Run both",
                on_click=start_comparison,
                disabled=bad or (fresh and (running or (comparison is not None and comparison.finished))),
                color="primary",
                icon_name="mdi-play",
            )
            if bad:
                reason = "A setting cannot be used: see the message in the side's settings."
            elif fresh and running:
                reason = "Running these settings now."
            elif fresh and comparison is not None and comparison.finished:
                reason = "These settings have been run: change a setting or the seeds to run again."
            else:
                reason = "Settings changed since these results: press Run both to see the new answer."
            solara.Text(reason, classes=["hls-run-reason"], style=GREY)
        SeedControl("First seed")
        SeedsControl()
        unlinked = [side for side in SIDES if state.settings[side].value.document is not None]
        if unlinked:
            solara.Text(
                f"Side {' and '.join(unlinked)} has regime changes, which the page's address cannot hold: "
                "a link opens that side as the default; share its scenario file instead.",
                classes=["hls-unlinked"],
                style=GREY,
            )
        if comparison is not None and comparison.finished and not comparison.error:
            with solara.Column(gap="2px"):
                solara.FileDownload(
                    lambda: summary_html(comparison),
                    filename=summary_filename(comparison),
                    label="One-page summary to print (HTML)",
                    mime_type="text/html",
                )
                solara.Text("Opens in any browser, with no internet; print it on one page.", style=GREY)


@solara.component
def ChartPicture(chart):
    """A chart drawn in the background: the picture, its words, a PNG download and the numbers behind it."""
    image = solara.Image(chart.png, format="png", width="100%")
    with solara.Column(gap="4px", classes=["hls-chart", f"hls-chart-{chart.key}"]):
        solara.v.Html(
            tag="figure",
            attributes={"role": "img", "aria-label": chart.description},
            style_="margin: 0",
            children=[
                image,
                solara.v.Html(
                    tag="figcaption",
                    children=[chart.description],
                    class_="hls-chart-description",
                    style_="font-size: 0.8em",
                ),
            ],
        )
        with solara.Row(gap="8px", style={"align-items": "center"}):
            solara.FileDownload(
                chart.png, filename=chart.filename, label="Chart as PNG", mime_type="image/png"
            )
        Folded("Numbers behind this chart", lambda: solara.DataFrame(chart.table, items_per_page=25))


@solara.component
def CompareCharts():
    comparison = runs.current.value
    if comparison is None or not comparison.charts:
        solara.Info(
            "The charts are drawn as soon as the runs have finished "
            "(during the runs too, when they take long)."
        )
        return
    with solara.Row(gap="6px", style={"align-items": "center"}):
        solara.Text("Lines: the average over seeds; ")
        Term("band", "band", meaning=None)
        solara.Text(f": lowest to highest seed. Drawn from {comparison.charted} of {comparison.total} runs.")
    charts = comparison.charts
    for start in range(0, len(charts), 2):
        with solara.Columns([1, 1]):
            for chart in charts[start : start + 2]:
                ChartPicture(chart)


def html_table(table: pd.DataFrame, names: dict[str, str]) -> solara.v.Html:
    """The full table as plain HTML: no index column, the measure's meaning on hover."""
    header = ["Measure", f"A: {names['A']}", f"B: {names['B']}", "B minus A", "Better", "Which way is better"]
    body = []
    for row in table.to_dict("records"):
        info = measure(row["key"])
        name = [Term(row["measure"], meaning=info.meaning)] if info.meaning else [row["measure"]]
        cells = [
            solara.v.Html(tag="td", children=name),
            *(
                solara.v.Html(tag="td", class_="hls-number", children=[row[column]])
                for column in ("A", "B", "B minus A", "better")
            ),
            solara.v.Html(tag="td", children=[row["direction"]]),
        ]
        body.append(solara.v.Html(tag="tr", children=cells, attributes={"data-key": row["key"]}))
    return solara.v.Html(
        tag="table",
        class_="hls-full-table",
        children=[
            solara.v.Html(
                tag="thead",
                children=[
                    solara.v.Html(tag="tr", children=[solara.v.Html(tag="th", children=[h]) for h in header])
                ],
            ),
            solara.v.Html(tag="tbody", children=body),
        ],
    )


@solara.component
def SummaryTable():
    comparison = runs.current.value
    if comparison is None or not comparison.paired_seeds():
        return
    names = {side: comparison.sides[side].name for side in SIDES}

    def content() -> None:
        table = summary_table(mean_summary(comparison, "A"), mean_summary(comparison, "B"), names)
        seeds = comparison.paired_seeds()
        sentence(f"Averages over seeds {seeds[0]} to {seeds[-1]}; money over the whole run.")
        html_table(table, names)

    with solara.Div(classes=["hls-summary-table"]):
        Folded(f"Every measure ({len(SUMMARY_KEYS)}): plain names, units, and which way is better", content)


@solara.component
def SideSettings(side: str):
    label = state.side_label(state.settings[side].value)

    def content() -> None:
        SettingsPanel(side, f"Side {side}")
        ExportPanel(side)

    Folded(f"Settings of side {side}: {label}", content, classes=[f"hls-side-{side}"])


@solara.component
def HeadlineView():
    """The headline of the comparison as it stands; its own component, so new runs redraw only this."""
    Headline(runs.current.value)


@solara.component
def CompareView():
    def open_with_comparison() -> None:
        if runs.current.value is None and not runs.run.pending:
            start_comparison()

    solara.use_effect(open_with_comparison, [])
    with solara.Column(classes=["hls-compare"]):
        sentence(
            "Two ways of funding the same place. Each side runs on several seeds; A and B share each "
            "seed, so the people, their life events and the workers are the same and any difference "
            "within a seed comes from the settings. Side A starts as the old world (targets and "
            "competition), side B as HLS (trust and an alliance)."
        )
        HeadlineView()
        Progress()
        CompareControls()
        with solara.Columns([1, 1]):
            for side in SIDES:
                SideSettings(side)
        CompareCharts()
        SummaryTable()
