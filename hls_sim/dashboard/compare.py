"""Compare A/B: two settings side by side on the same seed, so only the settings differ.

A commissioner opening the page lands here with the old world (targets and
competition) on side A and HLS (trust and an alliance) on side B, both on the
default scenario; the comparison starts on its own.
"""

from __future__ import annotations

import math

import pandas as pd
import solara

from hls_sim.dashboard import state
from hls_sim.dashboard.charts import EXPLORE_CHARTS, ChartCard, number, shared_limits
from hls_sim.dashboard.controls import SeedControl, SettingsPanel
from hls_sim.dashboard.explore import RunControls
from hls_sim.dashboard.export import ExportPanel
from hls_sim.dashboard.text import heading, paragraph
from hls_sim.metrics import SUMMARY_KEYS

SUMMARY_LABELS = {
    "wellbeing_mean": "True wellbeing (average)",
    "goals_met_share": "Share of personal goals met",
    "wellbeing_hardest_fifth": "Wellbeing of the hardest-to-help fifth",
    "indicator_reported": "Reported indicator",
    "gaming_gap": "Gap between reported and true indicator",
    "gaming_hours_share": "Share of hours spent gaming",
    "creaming_index": "Creaming (hardest accepted less)",
    "parking_index": "Parking (hardest given fewer hours)",
    "turnaway_count": "People turned away",
    "assessment_hours": "Hours spent on assessments",
    "failure_demand_share": "Failure demand (share of contacts)",
    "entrenchment_cost": "Cost of crises in other services (£)",
    "turnaway_cost": "Cost of turning people away (£)",
    "knowledge_error": "Providers' knowledge error",
    "learning_rate": "Learning rate (error removed per quarter)",
    "total_cost": "Total cost to the public purse (£)",
    "cost_per_wellbeing": "Cost per unit of wellbeing gained (£)",
    "morale_mean": "Worker morale",
    "turnover_rate": "Worker turnover (per year)",
    "handoffs_per_person": "Hand-offs per person supported",
    "indicator_true": "Indicator as it really was",
    "unmet_need": "Share of people with unmet high need",
    "misreports_caught": "Misreports caught",
    "misreports_uncaught": "Misreports not caught",
    "reclassifications_caught": "Reclassifications caught",
    "bunching": "Bunching just past the threshold",
    "bunching_share": "Share of closures just inside the threshold",
    "admin_share": "Share of hours on admin and reporting",
    "spare_hours_share": "Share of paid hours nobody could use",
    "utilisation": "Share of places in use",
    "queue_length_mean": "People waiting (time average)",
    "gave_up_count": "People who gave up waiting",
    "discretion_mean": "Workers' discretion over support",
    "candour_mean": "Providers' candour about failure",
    "wellbeing_drift": "Drift in wellbeing across the run",
    "regret": "Regret (outcome lost to wrong approaches)",
    "recovery_weeks": "Weeks to recover from a shock",
    "knowledge_shared": "Knowledge shared",
    "commissioner_outlay": "Paid to providers (£)",
    "commissioning_cost": "Cost of commissioner time (£)",
    "crises": "Crises",
    "wait_weeks_mean": "Average wait (weeks)",
    "waiting_mean": "People waiting (average)",
    "queue_entries_per_week": "People joining waiting lists per week",
    "trust_in_services": "People's trust in services",
    "trust_between_actors": "Share of the funder's checks that matched the reports",
    "providers_active": "Providers still in contract",
}


def summary_table(summary_a: dict[str, float], summary_b: dict[str, float]) -> pd.DataFrame:
    """Every summary metric for A and B and the difference B minus A, in plain words."""
    rows = []
    for key in SUMMARY_KEYS:
        a, b = summary_a.get(key, math.nan), summary_b.get(key, math.nan)
        money = "£" in SUMMARY_LABELS[key]
        rows.append(
            {
                "measure": SUMMARY_LABELS[key],
                "A": number(a, money),
                "B": number(b, money),
                "B minus A": number(b - a, money),
                "key": key,
            }
        )
    return pd.DataFrame(rows)


def both_finished(a: state.Snapshot | None, b: state.Snapshot | None) -> bool:
    return all(side is not None and side.finished and not side.error for side in (a, b))


@solara.component
def SummaryTable(a: state.Snapshot | None, b: state.Snapshot | None):
    ready = both_finished(a, b)
    table = solara.use_memo(
        lambda: summary_table(a.model.summary(), b.model.summary()) if ready else None, [id(a), id(b), ready]
    )
    if table is None:
        solara.Info("The table of summary measures appears when both runs have finished.")
        return
    heading(f"Summary over the run (A: {a.label}; B: {b.label}; seed {a.seed})", 4)
    with solara.Div(classes=["hls-summary-table"]):
        solara.DataFrame(table, items_per_page=len(table))


@solara.component
def CompareCharts():
    """The charts of A and B in aligned pairs, each pair on one scale, then the summary table."""
    a, b = state.views["A"].value, state.views["B"].value
    for chart in EXPLORE_CHARTS:
        frames = [chart.frame(a), chart.frame(b)]
        limits = shared_limits(chart, frames)
        with solara.Columns([1, 1], classes=[f"hls-pair-{chart.key}"]):
            for side, snapshot in zip(state.SIDES, (a, b), strict=True):
                label = snapshot.label if snapshot else state.side_label(state.settings[side].value)
                with solara.Column(gap="0px"):
                    solara.Text(f"{side}: {label}", style={"font-weight": "bold"})
                    ChartCard(chart, snapshot, limits, side=side)
    SummaryTable(a, b)


@solara.component
def CompareView():
    def open_with_comparison() -> None:
        if all(state.views[side].value is None for side in state.SIDES) and not state.advance.pending:
            state.start(state.SIDES)

    solara.use_effect(open_with_comparison, [])
    with solara.Column(classes=["hls-compare"]):
        paragraph(
            "Two ways of funding the same place, run on the same seed: the people, their "
            "life events and the workers are the same, so any difference comes from the settings. "
            "Side A starts as the old world (targets and competition), side B as HLS "
            "(trust and an alliance)."
        )
        with solara.Row(gap="24px", style={"align-items": "flex-start"}):
            SeedControl()
            RunControls(state.SIDES, run_label="Run both")
        with solara.Columns([1, 1]):
            for side in state.SIDES:
                label = state.side_label(state.settings[side].value)
                with solara.Details(summary=f"Settings of side {side}: {label}"):
                    SettingsPanel(side, f"Side {side}")
                    ExportPanel(side)
        CompareCharts()
