"""Explore: set up one place and one way of funding it, run it and watch it unfold.

Side A of the page's state; the same run is what Perspectives and Stories look at.
"""

from __future__ import annotations

from typing import cast

import solara

from hls_sim.dashboard import state
from hls_sim.dashboard.charts import EXPLORE_CHARTS, ChartGrid
from hls_sim.dashboard.controls import SeedControl, SettingsPanel
from hls_sim.dashboard.export import ExportPanel
from hls_sim.dashboard.glossary import sentence


def finished_runs(sides: tuple[str, ...]) -> list[str]:
    """The sides whose run has finished: starting again would throw it away."""
    return [side for side in sides if state.runs[side].value is not None and state.runs[side].value.finished]


@solara.component
def RunControls(sides: tuple[str, ...], run_label: str = "Run"):
    """Run, pause, step and reset the sides, with progress; the run happens off the UI thread.

    Stepping on from a finished run, or resetting a run under way, starts again
    from week 0; the page asks first, because what was run would be lost.
    """
    running = state.advance.pending
    snapshots = [state.views[side].value for side in sides]
    asking, set_asking = solara.use_state(cast(str | None, None))
    lose = finished_runs(sides)
    started = [
        side for side in sides if state.runs[side].value is not None and state.runs[side].value.model.steps
    ]

    def step() -> None:
        if lose:
            set_asking("step")
        else:
            state.step_once(sides)

    def reset() -> None:
        if started:
            set_asking("reset")
        else:
            state.reset(sides)

    def confirmed() -> None:
        action, _ = asking, set_asking(None)
        if action == "step":
            state.step_once(sides)
        elif action == "reset":
            state.reset(sides)

    which = " and ".join(lose if asking == "step" else started)
    solara.lab.ConfirmationDialog(
        asking is not None,
        on_close=lambda: set_asking(None),
        title="Start again from week 0?",
        content=(
            f"The run of side {which} would be thrown away and a new one started from week 0 "
            "with the current settings and seed."
        ),
        ok="Start again",
        on_ok=confirmed,
        cancel="Keep the run",
    )
    with solara.Column(gap="4px", classes=["hls-run-controls"]):
        with solara.Row(gap="8px"):
            can_run = any(state.can_run(side) for side in sides)
            solara.Button(
                run_label,
                on_click=lambda: state.start(sides),
                disabled=running or not can_run,
                color="primary",
                icon_name="mdi-play",
            )
            solara.Button("Pause", on_click=state.pause, disabled=not running, icon_name="mdi-pause")
            solara.Button("Step one week", on_click=step, disabled=running, icon_name="mdi-step-forward")
            solara.Button("Reset", on_click=reset, disabled=running, icon_name="mdi-restore")
        if not running and not can_run:
            solara.Text(
                "Run is greyed out because this run has finished: change a setting or the seed to run again.",
                classes=["hls-run-reason"],
                style={"font-size": "0.85em", "color": "#444"},
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

    def mark_drawn() -> None:
        state.drawn.value = snapshot.steps_done if snapshot is not None else 0

    solara.use_effect(mark_drawn, [id(snapshot)])
    if snapshot is None:
        solara.Info("Press Run to start, or Step one week to go slowly.")
    ChartGrid(EXPLORE_CHARTS, snapshot, side="A")


@solara.component
def ExploreView():
    def watch():
        state.watching.value += 1

        def stop() -> None:
            state.watching.value -= 1

        return stop

    solara.use_effect(watch, [])
    with solara.Columns([1, 2], classes=["hls-explore"]):
        with solara.Column(style={"max-height": "85vh", "overflow-y": "auto"}):
            SeedControl()
            SettingsPanel("A", "Settings (side A)")
        with solara.Column():
            sentence(
                "Set up a place and a way of funding it on the left, then run it. "
                "The first chart is the point: the solid line is how people really are, "
                "the dashed line is what the funder is told."
            )
            RunControls(("A",))
            ExportPanel("A")
            ExploreCharts()
