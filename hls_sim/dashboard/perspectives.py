"""Perspectives: one run seen from where each actor stands.

Lowe and Plimmer (2019) argue that everyone in a support system sees only
part of it: the person their own journey, the worker their week, the provider
its contract and its cash, the commissioner the numbers it is sent. These
views show the same run from each of those places. The commissioner's view
shows only what is reported until the user asks to see what was really
happening, which is the gap the report's argument turns on.
"""

from __future__ import annotations

import pandas as pd
import solara

from hls_sim.dashboard import state
from hls_sim.dashboard.charts import EXPLORE_CHARTS, Chart, ChartGrid, weekly
from hls_sim.dashboard.glossary import sentence
from hls_sim.dashboard.text import heading

HOUR_LABELS = {
    "support": "Support and relationships",
    "admin": "Admin and reporting",
    "assessment": "Assessments",
    "forum": "Learning forums",
    "gaming": "Moving the indicator (gaming)",
    "slack": "Slack",
    "spare": "Spare (no one to use them)",
}


def hour_shares(snapshot: state.Snapshot) -> pd.DataFrame:
    hours = snapshot.hours.set_index("week")[list(HOUR_LABELS)]
    shares = hours.div(hours.sum(axis=1).replace(0, float("nan")), axis=0)
    return shares.rename(columns=HOUR_LABELS).rolling(4, min_periods=1).mean()


def by_provider(column: str, smooth: int = 1):
    """A chart's data: one series per provider that ever held a contract."""

    def data(snapshot: state.Snapshot) -> pd.DataFrame:
        table = snapshot.providers.pivot(index="week", columns="provider", values=column)
        return table.rolling(smooth, min_periods=1).mean() if smooth > 1 else table

    return data


PERSON_CHARTS = (
    Chart(
        "person-outcomes",
        "How people are doing",
        "% (wellbeing and trust: out of 100)",
        lambda s: weekly(
            s,
            {
                "Personal goals met": "goals_met_share",
                "Wellbeing, hardest-to-help fifth": "wellbeing_hardest_fifth",
                "Trust in services": "trust_in_services",
                "Unmet high need": "unmet_need",
            },
        ),
        percent=True,
    ),
    Chart(
        "person-events",
        "Turned away and handed on (4-week average)",
        "people per week",
        lambda s: weekly(s, {"Turned away": "turnaways", "Handed to a new worker": "handoffs"}, smooth=4),
    ),
    Chart(
        "person-waiting",
        "Waiting and being supported",
        "people",
        lambda s: weekly(s, {"Waiting": "waiting", "Being supported": "supported"}),
    ),
)
WORKER_CHARTS = (
    Chart(
        "worker-hours",
        "How workers' hours are spent (4-week average)",
        "% of paid hours",
        hour_shares,
        stacked=True,
        percent=True,
    ),
    Chart(
        "worker-morale",
        "Morale and motivation",
        "out of 100",
        lambda s: weekly(s, {"Morale": "morale_mean", "Intrinsic motivation": "motivation_mean"}),
        percent=True,
    ),
    next(chart for chart in EXPLORE_CHARTS if chart.key == "morale"),
)
PROVIDER_CHARTS = (
    Chart("provider-cash", "Cash in hand, by provider", "pounds", by_provider("cash"), money=True),
    Chart(
        "provider-contracts",
        "Share of the contract, by provider",
        "% of the contract",
        by_provider("contract_share"),
        stacked=True,
        percent=True,
    ),
    Chart(
        "provider-knowledge",
        "How wrong each provider is about what works",
        "knowledge error",
        by_provider("knowledge_error"),
    ),
)
COMMISSIONER_CHARTS = (
    Chart(
        "commissioner-reported",
        "The reported indicator",
        "% of closed cases reported a success",
        lambda s: weekly(s, {"Reported indicator": "indicator_reported"}),
        percent=True,
    ),
    Chart(
        "commissioner-paid",
        "What the funder pays providers (13-week average)",
        "pounds per week",
        lambda s: weekly(s, {"Paid to providers": "commissioner_outlay"}, smooth=13),
        money=True,
    ),
    Chart(
        "commissioner-trust",
        "The funder's trust in providers",
        "trust (out of 100)",
        lambda s: weekly(s, {"Funder's trust in providers": "trust_between_actors"}),
        percent=True,
    ),
    Chart(
        "commissioner-providers",
        "Providers in contract",
        "providers",
        lambda s: weekly(s, {"Providers in contract": "providers_active"}),
    ),
)
REVEALED_CHARTS = (
    EXPLORE_CHARTS[0],
    Chart(
        "commissioner-gap",
        "Reported minus true indicator",
        "percentage points",
        lambda s: weekly(s, {"Gap (reported minus true)": "gaming_gap"}),
        percent=True,
    ),
)
PERSPECTIVES = {
    "person": (
        "The person",
        "What people live through: their outcomes, goals met, waits, hand-offs and turn-aways.",
        PERSON_CHARTS,
    ),
    "worker": (
        "The worker",
        "How a front-line worker's week is split between relationships, admin, assessment and "
        "moving the indicator, and how they feel about it.",
        WORKER_CHARTS,
    ),
    "provider": (
        "The provider",
        "Each organisation's cash, its share of the contract and how well it knows what works.",
        PROVIDER_CHARTS,
    ),
    "commissioner": (
        "The commissioner",
        "Only what the funder is sent and pays for. The truth is hidden until you reveal it.",
        COMMISSIONER_CHARTS,
    ),
}


@solara.component
def PerspectivesView():
    side, set_side = solara.use_state("A")
    who, set_who = solara.use_state("person")
    revealed, set_revealed = solara.use_state(False)
    snapshot = state.views[side].value
    title, explanation, charts = PERSPECTIVES[who]
    with solara.Column(classes=["hls-perspectives"]):
        with solara.Row(gap="16px", style={"align-items": "center"}):
            solara.ToggleButtonsSingle(value=side, values=list(state.SIDES), on_value=set_side)
            solara.Text(f"Run: {snapshot.label if snapshot else 'not run yet'}", classes=["hls-run-label"])
        solara.ToggleButtonsSingle(
            value=who,
            on_value=set_who,
            children=[solara.Button(PERSPECTIVES[key][0], value=key) for key in PERSPECTIVES],
        )
        if snapshot is None:
            solara.Info("Run side A in Explore, or both sides in Compare, to see them from each place.")
            return
        heading(title)
        sentence(explanation)
        ChartGrid(charts, snapshot, side)
        if who == "commissioner":
            if revealed:
                heading("What was really happening")
                ChartGrid(REVEALED_CHARTS, snapshot, side)
                solara.Button("Hide the truth again", on_click=lambda: set_revealed(False), outlined=True)
            else:
                solara.Button(
                    "Reveal what was really happening", on_click=lambda: set_revealed(True), color="primary"
                )
