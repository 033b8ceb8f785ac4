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

import pandas as pd
import solara
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from hls_sim.dashboard.state import Snapshot

# Okabe and Ito (2008), ordered so the first two series (truth and report) are the
# most distinct pair; yellow is left out because it is faint on white.
SERIES_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
LINE_STYLES = ("-", "--", ":", "-.")
# Weeks averaged in the table behind a chart: a quarter.
TABLE_WEEKS = 13


@dataclass(frozen=True)
class Chart:
    """One chart: what it is called, its unit and how to read its series from a snapshot."""

    key: str
    title: str
    unit: str
    data: Callable[[Snapshot], pd.DataFrame]
    stacked: bool = False
    money: bool = False

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
            "Worker morale": table["morale_mean"],
            "Workers leaving (yearly rate, 13-week average)": leaving.rolling(13, min_periods=1).mean(),
        }
    )


EXPLORE_CHARTS: tuple[Chart, ...] = (
    Chart(
        "truth-and-report",
        "True wellbeing and the reported indicator",
        "share (0 to 1)",
        lambda s: weekly(
            s,
            {
                "True wellbeing (average person)": "wellbeing_mean",
                "Reported indicator (what the funder sees)": "indicator_reported",
                "Indicator as it really was": "indicator_true",
            },
        ),
    ),
    Chart(
        "gaming",
        "Worker hours spent moving the indicator",
        "share of paid hours",
        lambda s: weekly(
            s, {"Gaming the indicator": "gaming_hours_share", "Admin and reporting": "admin_share"}
        ),
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
    Chart("morale", "Worker morale and turnover", "share (0 to 1)", _morale),
    Chart(
        "knowledge",
        "How wrong providers are about what works",
        "knowledge error",
        lambda s: weekly(s, {"Providers' knowledge error": "knowledge_error"}),
    ),
)


def shared_limits(chart: Chart, frames: Sequence[pd.DataFrame]) -> tuple[float, float] | None:
    """One y-range for the same chart of both sides, so A and B line up."""
    values = [frame.sum(axis=1) if chart.stacked else frame.stack() for frame in frames if not frame.empty]
    if not values:
        return None
    numbers = pd.concat(values).astype(float)
    numbers = numbers[numbers.map(math.isfinite)]
    if numbers.empty:
        return None
    low, high = min(0.0, float(numbers.min())), float(numbers.max())
    return low, high * 1.05 if high > 0 else 1.0


def figure(chart: Chart, frame: pd.DataFrame, limits: tuple[float, float] | None = None) -> Figure:
    """The chart drawn for one side (Figure, not pyplot: no global state, safe in threads)."""
    # Fixed margins rather than a layout engine: drawing is most of the cost of a live chart.
    fig = Figure(figsize=(6.4, 3.6))
    fig.subplots_adjust(left=0.12, right=0.97, top=0.9, bottom=0.32)
    ax = fig.subplots()
    ax.set_title(chart.title, fontsize=10)
    if frame.empty:
        ax.text(0.5, 0.5, "No recorded weeks yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        return fig
    if chart.stacked:
        colours = [SERIES_COLOURS[i % len(SERIES_COLOURS)] for i in range(len(frame.columns))]
        ax.stackplot(frame.index, frame.T.to_numpy(), labels=frame.columns, colors=colours, alpha=0.85)
    else:
        for index, column in enumerate(frame.columns):
            ax.plot(
                frame.index,
                frame[column],
                LINE_STYLES[index % len(LINE_STYLES)],
                color=SERIES_COLOURS[index % len(SERIES_COLOURS)],
                label=column,
                linewidth=1.6,
            )
    ax.set_xlabel("Week (after burn-in)")
    ax.set_ylabel(chart.unit)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if chart.money:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"£{value:,.0f}"))
    if limits is not None:
        ax.set_ylim(*limits)
    elif (frame.min(numeric_only=True) >= 0).all():
        ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, frameon=False)
    return fig


def png_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120)
    return buffer.getvalue()


def number(value: float, money: bool = False) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    if money:
        return f"£{value:,.0f}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3f}"


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
            f"{column}: {number(series.iloc[0], chart.money)} at the start, "
            f"{number(series.iloc[-1], chart.money)} at the end, "
            f"{number(series.mean(), chart.money)} on average"
        )
    weeks = f"weeks {int(frame.index.min())} to {int(frame.index.max())}"
    return f"{chart.title} ({chart.unit}), {weeks}. " + "; ".join(parts) + "."


def numbers_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The numbers behind a chart: each series averaged over each quarter."""
    if frame.empty:
        return frame
    quarters = (frame.index // TABLE_WEEKS) * TABLE_WEEKS
    table = frame.groupby(quarters).mean().round(3)
    table.index = [f"weeks {start}-{start + TABLE_WEEKS - 1}" for start in table.index]
    return table.rename_axis("quarter").reset_index()


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
    fig = solara.use_memo(lambda: figure(chart, frame, limits), [stamp])
    text = describe(chart, frame)
    with solara.Column(gap="4px", classes=["hls-chart", f"hls-chart-{chart.key}"]):
        image = solara.FigureMatplotlib(fig, dependencies=[stamp], format="png", dpi=100)
        solara.v.Html(
            tag="figure",
            attributes={"role": "img", "aria-label": text},
            style_="margin: 0",
            children=[
                image,
                solara.v.Html(
                    tag="figcaption",
                    children=[text],
                    class_="hls-chart-description",
                    style_="font-size: 0.85em",
                ),
            ],
        )
        solara.FileDownload(
            lambda: png_bytes(fig),
            filename=f"{chart.key}-{side}.png",
            label="Chart as PNG",
            mime_type="image/png",
        )
        with solara.Details(summary="Numbers behind this chart"):
            solara.DataFrame(numbers_table(frame), items_per_page=25)


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
