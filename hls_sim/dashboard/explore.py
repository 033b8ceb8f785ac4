"""Explore: set up one place and one way of funding it, run it and watch it unfold.

Side A of the page's state; the same run is what Perspectives and Stories look at.
"""

from __future__ import annotations

import solara

from hls_sim.dashboard import state
from hls_sim.dashboard.charts import EXPLORE_CHARTS, ChartGrid
from hls_sim.dashboard.controls import SeedControl, SettingsPanel
from hls_sim.dashboard.export import ExportPanel
from hls_sim.dashboard.text import paragraph


@solara.component
def RunControls(sides: tuple[str, ...], run_label: str = "Run"):
    """Run, pause, step and reset the sides, with progress; the run happens off the UI thread."""
    running = state.advance.pending
    snapshots = [state.views[side].value for side in sides]
    with solara.Column(gap="4px", classes=["hls-run-controls"]):
        with solara.Row(gap="8px"):
            solara.Button(
                run_label,
                on_click=lambda: state.start(sides),
                disabled=running or not any(state.can_run(side) for side in sides),
                color="primary",
                icon_name="mdi-play",
            )
            solara.Button("Pause", on_click=state.pause, disabled=not running, icon_name="mdi-pause")
            solara.Button(
                "Step one week",
                on_click=lambda: state.step_once(sides),
                disabled=running,
                icon_name="mdi-step-forward",
            )
            solara.Button(
                "Reset", on_click=lambda: state.reset(sides), disabled=running, icon_name="mdi-restore"
            )
        if running:
            progress = state.advance.progress
            solara.ProgressLinear(value=progress if progress is not None else True)
        for side, snapshot in zip(sides, snapshots, strict=True):
            if snapshot is None:
                continue
            text = f"{side}: {snapshot.status()}" if len(sides) > 1 else snapshot.status()
            if snapshot.error:
                solara.Error(text + " The page still works: change a setting and press Reset.")
            else:
                solara.Text(text, classes=[f"hls-status-{side}"])
        if state.message.value:
            solara.Error(state.message.value)
        if state.advance.error:
            solara.Error(f"The run stopped: {state.advance.exception}. Press Reset to start again.")
        changed = [side for side in sides if not running and state.out_of_date(side)]
        if changed:
            solara.Warning(
                f"Settings or seed changed since the run of side {' and '.join(changed)} started: "
                "Run or Reset starts afresh with them.",
                classes=["hls-out-of-date"],
            )


@solara.component
def ExploreCharts():
    """The run's charts; its own component so a new snapshot redraws these, not the settings."""
    snapshot = state.views["A"].value
    if snapshot is None:
        solara.Info("Press Run to start, or Step one week to go slowly.")
    ChartGrid(EXPLORE_CHARTS, snapshot, side="A")


@solara.component
def ExploreView():
    with solara.Columns([1, 2], classes=["hls-explore"]):
        with solara.Column(style={"max-height": "85vh", "overflow-y": "auto"}):
            SeedControl()
            SettingsPanel("A", "Settings (side A)")
        with solara.Column():
            paragraph(
                "Set up a place and a way of funding it on the left, then run it. "
                "The first chart is the point: the solid line is how people really are, "
                "the dashed line is what the funder is told."
            )
            RunControls(("A",))
            ExportPanel("A")
            ExploreCharts()
