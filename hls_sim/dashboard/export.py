"""Hand-off: the current settings as a scenario file, and a run's weekly table as CSV.

The scenario file is written out in full (every key, the regime's preset
values included), so ``hls-sim run FILE`` and ``hls-sim sweep`` run exactly what
the page ran, and ``load_scenario`` reads it back to an equal ``Scenario``.
TOML is written here by hand: the schema is two levels deep with a list of
regime changes, which a few lines cover without a new dependency.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import solara

from hls_sim.dashboard import state
from hls_sim.scenario import Scenario, ScenarioError


def toml_value(value: Any) -> str:
    """One value in TOML: booleans, numbers, strings and lists of them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} cannot be written to a scenario file")
        return repr(value)
    if isinstance(value, str):
        # A JSON string with only ASCII escapes is a valid TOML basic string.
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise ValueError(f"{value!r} cannot be written to a scenario file")


def scenario_toml(scenario: Scenario, seed: int | None = None) -> str:
    """The scenario as a TOML file that ``load_scenario`` reads back to an equal Scenario."""
    data = scenario.model_dump()
    changes = data.pop("regime_change")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# Written by the hls-sim dashboard on {stamp}."]
    if seed is not None:
        lines.append(f"# The page ran it with seed {seed}: hls-sim run THIS_FILE --seed {seed}")
    lines.append("")
    tables = {key: value for key, value in data.items() if isinstance(value, dict)}
    for key, value in data.items():
        if key not in tables:
            lines.append(f"{key} = {toml_value(value)}")
    for section, values in tables.items():
        lines += ["", f"[{section}]"]
        lines += [f"{key} = {toml_value(value)}" for key, value in values.items() if value is not None]
    for change in changes:
        lines += ["", "[[regime_change]]"]
        lines += [
            f"{key} = {toml_value(value)}"
            for key, value in change.items()
            if key != "set" and value is not None
        ]
        if change["set"]:
            lines.append("[regime_change.set]")
            lines += [f"{json.dumps(key)} = {toml_value(value)}" for key, value in change["set"].items()]
    return "\n".join(lines) + "\n"


def weekly_csv(weekly: pd.DataFrame) -> str:
    """The per-week table as CSV, one row a week, columns as in ``hls_sim.metrics.WEEKLY_COLUMNS``."""
    return weekly.to_csv(index=False)


def file_stem(scenario: Scenario, regime: str) -> str:
    return f"{scenario.name}-{regime}".replace(" ", "-")


def regime_name(scenario: Scenario) -> str:
    return f"{scenario.funding.mode}-{scenario.market.mode}"


@solara.component
def ExportPanel(side: str):
    """Downloads for one side: its settings as a scenario file and its run's weekly table."""
    try:
        scenario = state.settings[side].value.build()
    except ScenarioError:
        solara.Warning("Fix the settings marked in red to download them as a scenario file.")
        return
    snapshot = state.views[side].value
    stem = file_stem(scenario, regime_name(scenario))
    with solara.Row(gap="8px", classes=[f"hls-export-{side}"]):
        solara.FileDownload(
            lambda: scenario_toml(scenario, state.seed.value),
            filename=f"{stem}.toml",
            label="Settings as scenario file (TOML)",
            mime_type="application/toml",
        )
        if snapshot is not None and not snapshot.weekly.empty:
            solara.FileDownload(
                lambda: weekly_csv(snapshot.weekly),
                filename=f"{stem}-seed{snapshot.seed}-weekly.csv",
                label="Weekly table (CSV)",
                mime_type="text/csv",
            )
