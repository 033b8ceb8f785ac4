"""Stories: one person's journey through a run, as a short timeline in words.

Totals say how many people were turned away; a story says what it was like
for one of them. The user picks a run (side A or B), the kind of story ("show
me someone who was turned away") and a person, and reads their journey:
contacts, assessments, turn-aways, waits, workers, their relationship, and how
their needs and goals moved. The words and the picking come from
``hls_sim.stories``; this view only lays them out.
"""

from __future__ import annotations

import pandas as pd
import solara

from hls_sim import stories
from hls_sim.dashboard import state
from hls_sim.dashboard.charts import Chart, ChartCard
from hls_sim.dashboard.glossary import sentence
from hls_sim.dashboard.text import heading

PEOPLE_SHOWN = 12
# A person's series come from their journey (``journey_frame``), handed to ChartCard ready-made.
JOURNEY_CHART = Chart(
    "journey",
    "Their wellbeing, needs, goals and relationship",
    "% (wellbeing and need: out of 100)",
    lambda snapshot: pd.DataFrame(),
    percent=True,
)
EVENT_COLUMNS = ["week", "kind", "provider", "worker", "text"]


def journey_frame(journey: stories.Journey) -> pd.DataFrame:
    """The person's weekly state as the chart's series, in plain words."""
    weekly = journey.weekly.set_index("week")
    goals = max(1, len(journey.goals))
    return pd.DataFrame(
        {
            "Wellbeing": weekly["wellbeing"],
            "Highest need": weekly["need"],
            "Share of their goals met": weekly["goals_met"] / goals,
            "Relationship with their worker": weekly["relationship"],
        }
    ).astype(float)


def facts(journey: stories.Journey) -> list[str]:
    """The short summary above the timeline: what matters to them, and how they were at the start and end."""
    lines = []
    if journey.goals:
        lines.append(f"What matters to them: {', '.join(journey.goals)}.")
    weekly = journey.weekly
    if not weekly.empty:
        first, last = weekly.iloc[0], weekly.iloc[-1]
        lines.append(
            f"Wellbeing {first['wellbeing'] * 100:.0f} of 100 in week {int(first['week'])}, "
            f"{last['wellbeing'] * 100:.0f} in week {int(last['week'])}; "
            f"highest need {first['need'] * 100:.0f}% then {last['need'] * 100:.0f}%."
        )
    return lines


@solara.component
def Story(snapshot: state.Snapshot, person: int, side: str):
    """A story that fits a screen: the headline and summary, the chart, then the timeline folded."""
    journey = solara.use_memo(lambda: stories.journey(snapshot.model, person), [id(snapshot), person])
    lines = stories.tell(journey)
    with solara.Column(classes=["hls-story"], gap="6px"):
        heading(f"Person {person}: {stories.headline(journey)}", 4)
        with solara.Columns([2, 3]):
            with solara.Column(gap="4px", classes=["hls-story-summary"]):
                for line in facts(journey):
                    sentence(line)
                sentence(f"The timeline below has {len(lines)} entries; open it to read the whole journey.")
            if not journey.weekly.empty:
                ChartCard(
                    JOURNEY_CHART, snapshot, side=f"{side}-person-{person}", frame=journey_frame(journey)
                )
        with solara.Details(summary=f"The whole journey, week by week ({len(lines)} entries)"):
            solara.v.Html(
                tag="ol",
                class_="hls-story-timeline",
                children=[solara.v.Html(tag="li", children=[line]) for line in lines],
            )
        with solara.Details(summary="Every event, as a table"):
            solara.DataFrame(journey.events[EVENT_COLUMNS], items_per_page=20)


@solara.component
def PersonPicker(people: list[int], chosen: int, on_person):
    """One button per person, wrapping onto more lines rather than running off the page."""
    with solara.Div(
        classes=["hls-person-picker"], style={"display": "flex", "flex-wrap": "wrap", "gap": "6px"}
    ):
        for someone in people:
            solara.Button(
                f"Person {someone}",
                on_click=lambda someone=someone: on_person(someone),
                outlined=someone != chosen,
                color="primary",
                small=True,
                attributes={"aria-pressed": "true" if someone == chosen else "false"},
            )


@solara.component
def StoriesView():
    side, set_side = solara.use_state("A")
    kind, set_kind = solara.use_state("turned-away")
    person, set_person = solara.use_state(None)
    snapshot = state.views[side].value
    ready = snapshot is not None and snapshot.finished and not snapshot.error
    people = solara.use_memo(
        lambda: stories.find_people(snapshot.model, kind, PEOPLE_SHOWN) if ready else [],
        [id(snapshot), kind, ready],
    )
    with solara.Column(classes=["hls-stories"]):
        sentence(
            "Pick a run and a kind of story, then a person, to read their journey through the run. "
            "The people are the model's own; every line is what happened to them."
        )
        with solara.Row(gap="16px", style={"align-items": "center"}):
            solara.ToggleButtonsSingle(value=side, values=list(state.SIDES), on_value=set_side)
            solara.Text(f"Run: {snapshot.label if snapshot else 'not run yet'}", classes=["hls-run-label"])
        if not ready:
            solara.Info("Stories need a finished run: run side A in Explore, or both sides in Compare.")
            return
        kinds = {label: key for key, label in stories.STORY_KINDS.items()}
        solara.Select(
            "Show me",
            values=list(kinds),
            value=stories.STORY_KINDS[kind],
            on_value=lambda label: (set_kind(kinds[label]), set_person(None)),
        )
        if not people:
            solara.Info("Nobody in this run fits that story.")
            return
        chosen = person if person in people else people[0]
        PersonPicker(people, chosen, set_person)
        Story(snapshot, chosen, side)
