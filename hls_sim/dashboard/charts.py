"""Charts of a run: what each shows, drawn with matplotlib, each with its numbers in words.

A chart is declared once (``Chart``): a title, a unit and a function that picks
its series out of a snapshot as a week-indexed table with plain column names.
The same declaration draws the figure, writes the text alternative (first,
last and average of each series), gives the table of numbers behind it and
the PNG to download, so what is drawn and what is said can never disagree.
Colours are Okabe and Ito's, and every series also has its own line style, so
no chart depends on telling colours apart.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib
import pandas as pd
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from hls_sim.dashboard.measures import money
from hls_sim.dashboard.state import Snapshot
from hls_sim.dashboard.text import Folded

# Okabe and Ito (2008), ordered so the first two series (truth and report) are the
# most distinct pair; yellow is left out because it is faint on white.
SERIES_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
LINE_STYLES = ("-", "--", ":", "-.")
# Weeks averaged in the table behind a chart: a quarter.
TABLE_WEEKS = 13
STYLE = {
    "font.size": 10.5,
    "axes.titlesize": 11.5,
    "legend.fontsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass(frozen=True)
class Chart:
    """One chart: what it is called, its unit and how to read its series from a snapshot."""

    key: str
    title: str
    unit: str
    data: Callable[[Snapshot], pd.DataFrame]
    stacked: bool = False
    money: bool = False
    # Shares and scores from 0 to 1 are drawn and written as percentages.
    percent: bool = False

    def frame(self, snapshot: Snapshot | None) -> pd.DataFrame:
        """The chart's series (index: week after burn-in), empty until recording starts."""
        if snapshot is None or snapshot.weekly.empty:
            return pd.DataFrame()
        return self.data(snapshot)


def weekly(snapshot: Snapshot, columns: dict[str, str | pd.Series], smooth: int = 1) -> pd.DataFrame:
    """Columns of the weekly table (or derived series) renamed to plain words, indexed by week."""
    table = snapshot.weekly.set_index("week")
    data = {
        label: (table[source] if isinstance(source, str) else source.set_axis(table.index))
        for label, source in columns.items()
    }
    frame = pd.DataFrame(data)
    return frame.rolling(smooth, min_periods=1).mean() if smooth > 1 else frame


def _turnaways(snapshot: Snapshot) -> pd.DataFrame:
    table = snapshot.weekly
    return weekly(
        snapshot,
        {
            "Turned away": "turnaways",
            "Failure demand (contacts caused by earlier failure)": table["failure_demand_share"]
            * table["contacts"],
        },
        smooth=4,
    )


def _morale(snapshot: Snapshot) -> pd.DataFrame:
    table = snapshot.weekly.set_index("week")
    leaving = table["leavers"] / table["workers"].clip(lower=1) * 52
    return pd.DataFrame(
        {
            "Worker morale (out of 100)": table["morale_mean"],
            "Workers leaving (% a year, 13-week average)": leaving.rolling(13, min_periods=1).mean(),
        }
    )


EXPLORE_CHARTS: tuple[Chart, ...] = (
    Chart(
        "truth-and-report",
        "True wellbeing and the reported indicator",
        "% (wellbeing: out of 100)",
        lambda s: weekly(
            s,
            {
                "True wellbeing (average person)": "wellbeing_mean",
                "Reported indicator (what the funder sees)": "indicator_reported",
                "Indicator as it really was": "indicator_true",
            },
        ),
        percent=True,
    ),
    Chart(
        "gaming",
        "Worker hours spent moving the indicator",
        "% of paid hours",
        lambda s: weekly(
            s, {"Gaming the indicator": "gaming_hours_share", "Admin and reporting": "admin_share"}
        ),
        percent=True,
    ),
    Chart("turnaways", "Turn-aways and failure demand (4-week average)", "people per week", _turnaways),
    Chart(
        "cost",
        "Cost to the public purse (13-week average: results are paid quarterly)",
        "pounds per week",
        lambda s: weekly(
            s,
            {
                "Total cost": "total_cost",
                "Paid to providers": "commissioner_outlay",
                "Crises in other services": "entrenchment_cost",
            },
            smooth=13,
        ),
        money=True,
    ),
    Chart(
        "morale",
        "Worker morale and workers leaving",
        "% (morale: out of 100; leaving: a year)",
        _morale,
        percent=True,
    ),
    Chart(
        "knowledge",
        "How wrong providers are about what works",
        "knowledge error (0 = they know)",
        lambda s: weekly(s, {"Providers' knowledge error": "knowledge_error"}),
    ),
)


def shared_limits(chart: Chart, frames: Sequence[pd.DataFrame]) -> tuple[float, float] | None:
    """One y-range for the same chart of several runs, fitted to their data (in the chart's units)."""
    values = [frame.sum(axis=1) if chart.stacked else frame.stack() for frame in frames if not frame.empty]
    if not values:
        return None
    numbers = pd.concat(values).astype(float)
    numbers = numbers[numbers.map(math.isfinite)]
    if numbers.empty:
        return None
    scale = 100 if chart.percent else 1
    low, high = float(numbers.min()) * scale, float(numbers.max()) * scale
    pad = (high - low) * 0.06 or max(abs(high) * 0.1, 1.0)
    return (0.0 if low >= 0 and low - pad < 0 else low - pad), high + pad


def figure(
    chart: Chart, frame: pd.DataFrame, limits: tuple[float, float] | None = None, footer: str = ""
) -> Figure:
    """The chart drawn for one run (Figure, not pyplot: no global state, safe in threads).

    ``footer`` says which run it is (side, regime, seed), so a saved picture says so too.
    """
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(6.4, 4.0), layout="constrained")
        ax = fig.subplots()
        ax.set_title(chart.title, loc="left")
        if footer:
            fig.text(0.005, 0.005, footer, fontsize=7.5, color="#444", ha="left", va="bottom")
            fig.get_layout_engine().set(h_pad=0.1)
        if frame.empty:
            ax.text(0.5, 0.5, "No recorded weeks yet", ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
            return fig
        shown = frame * 100 if chart.percent else frame
        if chart.stacked:
            colours = [SERIES_COLOURS[i % len(SERIES_COLOURS)] for i in range(len(shown.columns))]
            ax.stackplot(shown.index, shown.T.to_numpy(), labels=shown.columns, colors=colours, alpha=0.85)
        else:
            for index, column in enumerate(shown.columns):
                ax.plot(
                    shown.index,
                    shown[column],
                    LINE_STYLES[index % len(LINE_STYLES)],
                    color=SERIES_COLOURS[index % len(SERIES_COLOURS)],
                    label=column,
                    linewidth=1.8,
                )
        ax.set_xlabel("Week (after the settling-in weeks)")
        ax.set_ylabel(chart.unit)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if chart.money:
            ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: money(value, short=True)))
        ax.set_ylim(*(limits or shared_limits(chart, [frame]) or (0, 1)))
        ax.grid(alpha=0.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, frameon=False)
    return fig


def png_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def number(value: float, money_: bool = False, percent: bool = False) -> str:
    """A chart's value in words: pounds with the sign in front, percentages, or a plain number."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if money_:
        return money(value)
    if percent:
        return f"{value * 100:.0f}%"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def describe(chart: Chart, frame: pd.DataFrame) -> str:
    """The chart in words: for each series its first, last and average value."""
    if frame.empty:
        return f"{chart.title}: no recorded weeks yet."
    parts = []
    for column in frame.columns:
        series = frame[column].dropna()
        if series.empty:
            parts.append(f"{column}: no values yet")
            continue
        parts.append(
            f"{column}: {number(series.iloc[0], chart.money, chart.percent)} at the start, "
            f"{number(series.iloc[-1], chart.money, chart.percent)} at the end, "
            f"{number(series.mean(), chart.money, chart.percent)} on average"
        )
    weeks = f"weeks {int(frame.index.min())} to {int(frame.index.max())}"
    return f"{chart.title} ({chart.unit}), {weeks}. " + "; ".join(parts) + "."


def numbers_table(frame: pd.DataFrame, chart: Chart | None = None) -> pd.DataFrame:
    """The numbers behind a chart: each series averaged over each quarter, written as on the chart."""
    if frame.empty:
        return frame
    quarters = (frame.index // TABLE_WEEKS) * TABLE_WEEKS
    table = frame.groupby(quarters).mean().round(3)
    if chart is not None and (chart.money or chart.percent):
        table = table.map(lambda value: number(value, chart.money, chart.percent))
    table.index = [f"weeks {start}-{start + TABLE_WEEKS - 1}" for start in table.index]
    return table.rename_axis("quarter").reset_index()


def run_footer(snapshot: Snapshot | None, side: str) -> str:
    """Which run a picture shows: the side, its regime and its seed."""
    if snapshot is None:
        return f"Side {side}"
    regime = f"{snapshot.scenario.funding.mode}-{snapshot.scenario.market.mode}"
    letter = side.split("-")[0]
    return f"Side {letter}: {snapshot.label} ({regime}) · {snapshot.scenario.name} · seed {snapshot.seed}"


def png_name(chart: Chart, snapshot: Snapshot | None, side: str) -> str:
    if snapshot is None:
        return f"{chart.key}-{side}.png"
    regime = f"{snapshot.scenario.funding.mode}-{snapshot.scenario.market.mode}"
    return f"{chart.key}-{side}-{regime}-seed{snapshot.seed}.png"


@solara.component
def ChartCard(
    chart: Chart,
    snapshot: Snapshot | None,
    limits: tuple[float, float] | None = None,
    side: str = "A",
    frame: pd.DataFrame | None = None,
):
    """A chart with its description, the table behind it and a PNG download.

    The series come from ``snapshot`` through the chart's own ``data``, or are
    given ready as ``frame`` (a person's journey, which is not a snapshot).
    """
    stamp = (chart.key, id(snapshot), snapshot.steps_done if snapshot else -1, limits, id(frame))
    frame = chart.frame(snapshot) if frame is None else frame
    footer = run_footer(snapshot, side)
    picture = solara.use_memo(lambda: png_bytes(figure(chart, frame, limits, footer)), [stamp])
    text = describe(chart, frame)
    with solara.Column(gap="4px", classes=["hls-chart", f"hls-chart-{chart.key}"]):
        solara.v.Html(
            tag="figure",
            attributes={"role": "img", "aria-label": text},
            style_="margin: 0",
            children=[
                solara.Image(picture, format="png", width="100%"),
                solara.v.Html(
                    tag="figcaption",
                    children=[text],
                    class_="hls-chart-description",
                    style_="font-size: 0.85em",
                ),
            ],
        )
        solara.FileDownload(
            lambda: picture,
            filename=png_name(chart, snapshot, side),
            label="Chart as PNG",
            mime_type="image/png",
        )
        Folded(
            "Numbers behind this chart",
            lambda: solara.DataFrame(numbers_table(frame, chart), items_per_page=25),
        )


@solara.component
def ChartGrid(charts: Sequence[Chart], snapshot: Snapshot | None, side: str = "A"):
    """Charts two to a row; each row as tall as its taller chart, so nothing overlaps."""
    for start in range(0, len(charts), 2):
        with solara.Columns([1, 1]):
            row = charts[start : start + 2]
            for chart in row:
                ChartCard(chart, snapshot, side=side)
            if len(row) == 1:
                solara.Div()
