"""What a run leaves behind: the summary table, JSON, weekly tables and the main chart.

This module only reads finished results; it never runs or changes a model.
Files are written all-or-nothing: everything goes into a hidden folder beside
the target, which is renamed into place only once every file is complete, so
an interrupted or failed write never leaves a half-filled output folder that a
later analysis could mistake for a finished run.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import pandas as pd

from hls_sim.scenario import Scenario

# Okabe and Ito (2008), "Color Universal Design": distinguishable with every
# common colour-vision deficiency. Each regime keeps its colour in every chart.
OKABE_ITO = ("#D55E00", "#E69F00", "#56B4E9", "#0072B2", "#009E73", "#CC79A7", "#F0E442")
REGIME_COLOURS = {
    "target-competition": "#D55E00",
    "target-alliance": "#E69F00",
    "trust-competition": "#56B4E9",
    "trust-alliance": "#0072B2",
}

# One panel per question the report asks; the first sets what is real beside
# what is reported, because the gap between them is the report's central claim.
PANELS: tuple[tuple[str, tuple[tuple[str, str], ...], str], ...] = (
    (
        "Wellbeing (solid) and reported indicator (dashed)",
        (("wellbeing_mean", "-"), ("indicator_reported", "--")),
        "Share (0 to 1)",
    ),
    ("Gaming", (("gaming_hours_share", "-"),), "Share of worker hours"),
    ("Turn-aways", (("turnaways", "-"),), "People turned away per week"),
    ("Total cost to the public purse", (("total_cost", "-"),), "Pounds per week"),
    ("Worker morale", (("morale_mean", "-"),), "Mean morale (0 to 1)"),
    ("Knowledge error", (("knowledge_error", "-"),), "Error in providers' beliefs"),
)


@dataclass(frozen=True)
class RegimeResult:
    """What one regime's run produced, detached from the model that made it."""

    scenario: Scenario
    summary: dict[str, float]
    weekly: pd.DataFrame


def json_number(value: Any) -> Any:
    """A value JSON can hold: NaN and infinities become null, numpy numbers plain ones."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        number = float(value)
        return number if math.isfinite(number) else None
    return value


def summaries_as_json(results: Mapping[str, RegimeResult]) -> str:
    """``{regime: summary}`` as strict JSON (``allow_nan=False`` makes a stray NaN fail loudly)."""
    data = {name: _jsonable(result.summary) for name, result in results.items()}
    return json.dumps(data, indent=2, allow_nan=False)


def format_row(values: Sequence[float]) -> list[str]:
    """One metric across regimes, in one style so the column reads at a glance.

    Counts and pounds (whole numbers, or anything in the thousands) get
    thousands separators and no decimals; shares and rates get three decimals.
    """
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    whole = bool(finite) and (all(v.is_integer() for v in finite) or any(abs(v) >= 1000 for v in finite))
    return [_format_number(value, whole) for value in values]


def format_summary_table(results: Mapping[str, RegimeResult], keys: Sequence[str]) -> str:
    """A plain-text table: one row per metric in ``keys`` order, one column per regime."""
    header = ["metric", *results]
    rows = [[key, *format_row([r.summary.get(key, math.nan) for r in results.values()])] for key in keys]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [_table_line(header, widths), _table_line(["-" * w for w in widths], widths)]
    lines += [_table_line(row, widths) for row in rows]
    return "\n".join(lines)


def write_run_outputs(out_dir: str | Path, results: Mapping[str, RegimeResult], *, seed: int) -> Path:
    """Write every regime's weekly table, summary and scenario, plus the main chart.

    ``out_dir`` must not exist or be empty. Returns the finished folder.
    """
    target = Path(out_dir)
    check_output_dir(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # mkdir rather than mkdtemp, so the folder gets the user's usual permissions, not 0700.
    staging = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.partial"
    staging.mkdir()
    try:
        _write_all(staging, results, seed)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def check_output_dir(target: Path) -> None:
    """Refuse a folder that already holds files, so one run never mixes with another."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(
            f"{target}: already exists and is not an empty folder; choose a new folder or remove it"
        )


def plot_main_series(results: Mapping[str, RegimeResult], path: str | Path) -> None:
    """Small multiples of the main weekly series, one colour per regime."""
    # Imported here: matplotlib takes seconds to load and only --out draws a chart.
    # Figure draws without pyplot, so no global backend is chosen or changed.
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    figure = Figure(figsize=(11, 10), layout="constrained")
    axes = figure.subplots(3, 2, sharex=True).flat
    for ax, (title, series, ylabel) in zip(axes, PANELS, strict=True):
        for index, (name, result) in enumerate(results.items()):
            colour = REGIME_COLOURS.get(name, OKABE_ITO[index % len(OKABE_ITO)])
            for column, style in series:
                ax.plot(
                    result.weekly["week"],
                    result.weekly[column],
                    style,
                    color=colour,
                    label=name if style == "-" else None,
                    linewidth=1.4,
                )
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    for ax in figure.axes[-2:]:
        ax.set_xlabel("Week (after burn-in)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.axes[3].yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"£{value:,.0f}"))
    handles, labels = figure.axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
    figure.savefig(path, dpi=120)


def _write_all(folder: Path, results: Mapping[str, RegimeResult], seed: int) -> None:
    for name, result in results.items():
        regime_dir = folder / name
        regime_dir.mkdir()
        result.weekly.to_parquet(regime_dir / "weekly.parquet", engine="pyarrow", index=False)
        _write_json(regime_dir / "summary.json", _jsonable(result.summary))
        (regime_dir / "scenario.json").write_text(
            result.scenario.model_dump_json(indent=2) + "\n", encoding="utf-8"
        )
    _write_json(folder / "run.json", {"seed": seed, "regimes": list(results)})
    plot_main_series(results, folder / "main-series.png")


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def _jsonable(summary: Mapping[str, Any]) -> dict[str, Any]:
    return {key: json_number(value) for key, value in summary.items()}


def _format_number(value: float | None, whole: bool) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    if whole:
        return f"{value:,.0f}"
    return f"{value:.3f}" if value == 0 or abs(value) >= 0.001 else f"{value:.2e}"


def _table_line(cells: Sequence[str], widths: Sequence[int]) -> str:
    first, *rest = cells
    parts = [first.ljust(widths[0])]
    parts += [cell.rjust(width) for cell, width in zip(rest, widths[1:], strict=True)]
    return "  ".join(parts).rstrip()
