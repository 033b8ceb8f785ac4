"""Compare's charts: A and B on one chart, each in its own colour, with a band over the seeds.

Two charts side by side make the eye do the comparing; one chart with both
sides does it for you. Each chart shows one or two measures over the weeks:
for each side the average over its seeds as a line and the lowest to the
highest seed as a shaded band, A in vermilion and B in blue (Okabe and Ito),
with a line style per measure so nothing depends on colour alone. Shares are
drawn in %, money in pounds, and each axis is fitted to its data.

Charts are drawn to PNG in the comparison's background task (``draw_all``),
so the page only shows finished pictures. Each picture says which sides,
regimes and seeds it shows, in the picture itself and in its file name.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from hls_sim.dashboard.comparison import SIDES, Comparison
from hls_sim.dashboard.measures import money

SIDE_COLOURS = {"A": "#D55E00", "B": "#0072B2"}
STYLES = ("-", "--", ":")
TABLE_WEEKS = 13
STYLE = {
    "font.size": 11,
    "axes.titlesize": 12.5,
    "axes.labelsize": 11,
    "legend.fontsize": 10.5,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}

Series = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class CompareChart:
    """One chart: its title, the y-axis title, how values are written, and its measures."""

    key: str
    title: str
    axis: str
    scale: str  # "percent", "score", "money" or "count"
    series: tuple[tuple[str, Series], ...]


@dataclass(frozen=True)
class DrawnChart:
    key: str
    title: str
    png: bytes
    description: str
    table: pd.DataFrame
    filename: str


def column(name: str, smooth: int = 1) -> Series:
    def read(weekly: pd.DataFrame) -> pd.Series:
        values = weekly.set_index("week")[name].astype(float)
        return values.rolling(smooth, min_periods=1).mean() if smooth > 1 else values

    return read


def _leaving(weekly: pd.DataFrame) -> pd.Series:
    table = weekly.set_index("week")
    yearly = table["leavers"] / table["workers"].clip(lower=1) * 52
    return yearly.rolling(13, min_periods=1).mean()


COMPARE_CHARTS: tuple[CompareChart, ...] = (
    CompareChart(
        "success",
        "Success: real, and as reported to the funder",
        "% of closed cases",
        "percent",
        (
            ("Really a success", column("indicator_true")),
            ("Reported as a success", column("indicator_reported")),
        ),
    ),
    CompareChart(
        "wellbeing",
        "Wellbeing: the average person and the hardest-to-help fifth",
        "wellbeing (out of 100)",
        "score",
        (
            ("Average person", column("wellbeing_mean")),
            ("Hardest-to-help fifth", column("wellbeing_hardest_fifth")),
        ),
    ),
    CompareChart(
        "goals", "Personal goals met", "% of goals", "percent", (("Goals met", column("goals_met_share")),)
    ),
    CompareChart(
        "unmet",
        "People with a high need and no support",
        "% of residents",
        "percent",
        (("High need, no support", column("unmet_need")),),
    ),
    CompareChart(
        "turned-away",
        "People turned away (4-week average)",
        "people a week",
        "count",
        (("Turned away", column("turnaways", smooth=4)),),
    ),
    CompareChart(
        "cost",
        "Cost to the public purse (13-week average)",
        "pounds a week",
        "money",
        (("Total cost", column("total_cost", smooth=13)),),
    ),
    CompareChart(
        "morale", "Worker morale", "morale (out of 100)", "score", (("Morale", column("morale_mean")),)
    ),
    CompareChart(
        "leaving",
        "Workers leaving (yearly rate, 13-week average)",
        "% of workers a year",
        "percent",
        (("Leaving", _leaving),),
    ),
)


def spread(frames: list[pd.DataFrame], series: Series) -> pd.DataFrame:
    """Per week: the mean, lowest and highest over the seeds' runs."""
    values = pd.concat([series(frame) for frame in frames], axis=1)
    return pd.DataFrame({"mean": values.mean(axis=1), "low": values.min(axis=1), "high": values.max(axis=1)})


def _scaled(chart: CompareChart, values: pd.Series | np.ndarray) -> pd.Series | np.ndarray:
    return values * 100 if chart.scale in ("percent", "score") else values


def written(chart: CompareChart, value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    if chart.scale == "percent":
        return f"{value * 100:.0f}%"
    if chart.scale == "score":
        return f"{value * 100:.0f} of 100"
    if chart.scale == "money":
        return money(value)
    return f"{value:,.1f}"


def footer(comparison: Comparison) -> str:
    """What a saved picture shows: each side's name and regime, and the seeds."""
    seeds = comparison.seeds
    sides = " · ".join(
        f"{side}: {comparison.sides[side].name} ({comparison.sides[side].regime})" for side in SIDES
    )
    return f"{sides} · seeds {seeds[0]} to {seeds[-1]} · line: average over seeds; band: lowest to highest"


def figure(chart: CompareChart, comparison: Comparison) -> Figure:
    """The chart with both sides' lines and bands, fitted to its data and titles."""
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(7.2, 4.3), layout="constrained")
        ax = fig.subplots()
        ax.set_title(chart.title, loc="left")
        lowest, highest = math.inf, -math.inf
        for side in SIDES:
            frames = comparison.weekly(side)
            if not frames:
                continue
            name = comparison.sides[side].name
            for index, (label, series) in enumerate(chart.series):
                band = spread(frames, series)
                low, high, mean = (_scaled(chart, band[part]) for part in ("low", "high", "mean"))
                colour = SIDE_COLOURS[side]
                ax.fill_between(band.index, low, high, color=colour, alpha=0.18, linewidth=0)
                legend = f"{side}: {name}" + (f", {label.lower()}" if len(chart.series) > 1 else "")
                ax.plot(
                    band.index, mean, STYLES[index % len(STYLES)], color=colour, linewidth=2.2, label=legend
                )
                finite = pd.concat([low, high]).replace([np.inf, -np.inf], np.nan).dropna()
                if not finite.empty:
                    lowest, highest = min(lowest, finite.min()), max(highest, finite.max())
        ax.set_xlabel("Week (after the settling-in weeks)")
        ax.set_ylabel(chart.axis)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if chart.scale == "money":
            ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: money(value, short=True)))
        if math.isfinite(lowest):
            pad = (highest - lowest) * 0.08 or max(abs(highest) * 0.1, 1.0)
            bottom = 0.0 if lowest >= 0 and lowest - pad < 0 else lowest - pad
            ax.set_ylim(bottom, highest + pad)
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, frameon=False)
        else:
            ax.text(0.5, 0.5, "Waiting for the first runs", ha="center", va="center", transform=ax.transAxes)
        ax.grid(alpha=0.3)
        fig.text(0.005, 0.005, footer(comparison), fontsize=7.5, color="#444", ha="left", va="bottom")
        fig.get_layout_engine().set(h_pad=0.12)
    return fig


def describe(chart: CompareChart, comparison: Comparison) -> str:
    """The chart in words: each side's average over the seeds at the start, at the end and overall."""
    parts = []
    for side in SIDES:
        frames = comparison.weekly(side)
        if not frames:
            continue
        for label, series in chart.series:
            mean = spread(frames, series)["mean"].dropna()
            if mean.empty:
                continue
            what = f"{side} ({comparison.sides[side].name})" + (
                f", {label.lower()}" if len(chart.series) > 1 else ""
            )
            parts.append(
                f"{what}: {written(chart, mean.iloc[0])} at the start, "
                f"{written(chart, mean.iloc[-1])} at the end, "
                f"{written(chart, mean.mean())} on average"
            )
    if not parts:
        return f"{chart.title}: no runs finished yet."
    seeds = comparison.seeds
    return (
        f"{chart.title} ({chart.axis}), average over seeds {seeds[0]} to {seeds[-1]}. "
        + "; ".join(parts)
        + "."
    )


def numbers(chart: CompareChart, comparison: Comparison) -> pd.DataFrame:
    """The numbers behind the chart: each side's average over seeds, quarter by quarter."""
    columns = {}
    for side in SIDES:
        frames = comparison.weekly(side)
        for label, series in chart.series:
            if frames:
                mean = spread(frames, series)["mean"]
                name = f"{side}: {comparison.sides[side].name}" + (
                    f", {label.lower()}" if len(chart.series) > 1 else ""
                )
                columns[name] = mean
    if not columns:
        return pd.DataFrame()
    table = pd.DataFrame(columns)
    quarters = (table.index // TABLE_WEEKS) * TABLE_WEEKS
    table = table.groupby(quarters).mean()
    table = table.map(lambda value: written(chart, value))
    table.index = [f"weeks {start}-{start + TABLE_WEEKS - 1}" for start in table.index]
    return table.rename_axis("quarter").reset_index()


def filename(chart: CompareChart, comparison: Comparison) -> str:
    seeds = comparison.seeds
    a, b = (comparison.sides[side].regime for side in SIDES)
    return f"{chart.key}-A-{a}-vs-B-{b}-seeds-{seeds[0]}-{seeds[-1]}.png"


def png(fig: Figure, dpi: int = 100) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def draw(chart: CompareChart, comparison: Comparison) -> DrawnChart:
    return DrawnChart(
        key=chart.key,
        title=chart.title,
        png=png(figure(chart, comparison)),
        description=describe(chart, comparison),
        table=numbers(chart, comparison),
        filename=filename(chart, comparison),
    )


def draw_all(comparison: Comparison) -> tuple[DrawnChart, ...]:
    """Every Compare chart drawn from the runs finished so far (called in the comparison's task)."""
    return tuple(draw(chart, comparison) for chart in COMPARE_CHARTS)
