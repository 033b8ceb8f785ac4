"""Stories: one person's journey through a run, told in plain words.

Totals say how many were turned away; a story says what that was like for
one of them: when they asked for help, who assessed them and why they were
refused, how long they waited, which workers they had, how their case closed
(and whether the indicator told the truth about it), and how their needs and
wellbeing moved meanwhile. The report argues from such journeys (Lowe and
Plimmer 2019, on people "bounced around" a system that turns them away and
hands them on); these let a commissioner see them in a run of the model.

Everything here reads the ``JourneyLog`` of a model built with
``record_journeys=True`` (``hls_sim.journeys``) and never touches the run.
The dashboard's "Stories" view relies on these names: ``Journey``,
``journey``, ``find_people``, ``STORY_KINDS``, ``tell`` and ``headline``.
People are the rows of ``model.people`` (``Person.row``); workers are their
slots (``Worker.slot``); providers are their index (``Provider.index``).
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hls_sim.agents.person import COMMUNITY, EXITED, STATUS_NAMES, SUPPORTED, WAITING
from hls_sim.journeys import CREAMED, EVENT_COLUMNS, JourneyLog

if TYPE_CHECKING:
    from hls_sim.model import SupportSystemModel

STORY_KINDS = {
    "anyone": "Anyone who asked for help",
    "turned-away": "Someone who was turned away",
    "many-handoffs": "Someone passed from worker to worker",
    "crisis": "Someone who had crises",
    "goals-met": "Someone whose goals came to be met",
    "waited-longest": "Someone who waited a long time",
}
# Event kinds folded into the lines for runs of weeks rather than told one by one.
FOLDED_KINDS = ("life-event",)
NOT_IN_THE_PLACE = "Not in the place during the recorded weeks."


@dataclass
class Journey:
    """One person's journey over the recorded weeks.

    ``events`` has one row per event, in the order they happened (columns ``week``,
    ``kind``, ``provider``, ``worker``, ``text`` and each kind's own details);
    ``weekly`` has one row per week the person lived in the place (``week``,
    ``status``, ``provider``, ``worker``, ``wellbeing``, ``need`` (the highest),
    ``need_<domain>`` for each domain, ``goals_met``, ``relationship`` and
    ``understanding`` with the current worker, ``trust``, ``entrenchment``).
    """

    person_id: int
    goals: list[str]
    events: pd.DataFrame
    weekly: pd.DataFrame


# --- building a journey -------------------------------------------------------------------------
def journey(model: SupportSystemModel, person_id: int) -> Journey:
    """The journey of person ``person_id`` (a row of ``model.people``) in a finished or running model."""
    log = journey_log(model)
    people = model.people
    if isinstance(person_id, bool) or not isinstance(person_id, Integral):
        raise ValueError(f"person_id must be a whole number, not {person_id!r}")
    if not 0 <= person_id < people.count:
        raise ValueError(
            f"person_id {person_id} is not a person in this run: ids run from 0 to {people.count - 1}"
        )
    person_id = int(person_id)
    goals = [model.domain_names[d] for d in np.flatnonzero(people.goals[person_id])]
    return Journey(person_id, goals, person_events(log, person_id), person_weeks(log, person_id))


def journey_log(model: SupportSystemModel) -> JourneyLog:
    """The model's journey log, or a clear error if it was not recording."""
    if not model.journeys.enabled:
        raise ValueError(
            "this model did not record journeys: build it with "
            "SupportSystemModel(..., record_journeys=True) or hls_sim.simulate(..., record_journeys=True)"
        )
    return model.journeys


def person_events(log: JourneyLog, person_id: int) -> pd.DataFrame:
    """The person's events in the order they happened, each with its text; -1 ids become missing."""
    frames = [log.events(kind, person_id).assign(kind=kind) for kind in EVENT_COLUMNS]
    events = pd.concat([frame for frame in frames if len(frame)] or frames[:1], ignore_index=True)
    events = events.sort_values("sequence", ignore_index=True)
    for name in ("provider", "worker", "previous_worker", "previous_provider", "waited"):
        if name not in events:
            events[name] = -1
        events[name] = events[name].fillna(-1).astype("Int64")
        if name != "waited":
            events[name] = events[name].mask(events[name] < 0)
    events["text"] = [describe(event) for event in events.itertuples()]
    columns = ["week", "kind", "provider", "worker", "text"]
    details = [name for name in events.columns if name not in (*columns, "person", "sequence")]
    return events[columns + details]


def person_weeks(log: JourneyLog, person_id: int) -> pd.DataFrame:
    """The person's weekly state while they lived in the place; relationship only while supported."""
    state = log.state(person_id)
    present = state["status"] != EXITED
    needs = state.pop("needs").reshape(len(present), log.model.domains)[present]
    weekly = pd.DataFrame(state)[present].reset_index(drop=True)
    weekly.insert(5, "need", needs.max(axis=1, initial=0.0))
    for index, name in enumerate(log.model.domain_names):
        weekly.insert(6 + index, f"need_{name}", needs[:, index])
    without_worker = weekly["worker"] < 0
    weekly.loc[without_worker, ["relationship", "understanding"]] = np.nan
    for name in ("provider", "worker"):
        weekly[name] = weekly[name].astype("Int64").replace(-1, pd.NA)
    weekly["status"] = weekly["status"].map(STATUS_NAMES)
    return weekly


# --- finding people worth a story ---------------------------------------------------------------
def find_people(model: SupportSystemModel, kind: str, limit: int = 10) -> list[int]:
    """Up to ``limit`` people whose journey fits ``kind`` (a key of ``STORY_KINDS``), best fits first.

    No randomness: people are ranked by a count or a week (most turn-aways,
    hand-offs or crises; longest single wait; longest time with goals met, for
    those whose goals came to be met with a worker's help; for "anyone", everyone
    who asked for help, by id), ties by id.
    """
    if kind not in STORY_KINDS:
        raise ValueError(f"unknown story kind {kind!r}; the kinds are: {', '.join(STORY_KINDS)}")
    if isinstance(limit, bool) or not isinstance(limit, Integral) or limit < 0:
        raise ValueError(f"limit must be a whole number of people, 0 or more, not {limit!r}")
    scores = story_scores(journey_log(model), kind)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [int(person) for person, _ in ranked[:limit]]


def story_scores(log: JourneyLog, kind: str) -> pd.Series:
    """Each candidate's score for ``kind``, by person; higher is a better fit."""
    if kind == "anyone":
        return pd.Series(0, index=log.events("contact")["person"].unique())
    if kind == "waited-longest":
        waits = pd.concat([log.events("allocated"), log.events("gave-up")])
        return waits.groupby("person")["waited"].max()
    if kind == "goals-met":
        return weeks_goals_met_with_help(log)
    counted = {"turned-away": "turned-away", "many-handoffs": "handed-off", "crisis": "crisis"}[kind]
    return log.events(counted)["person"].value_counts()


def weeks_goals_met_with_help(log: JourneyLog) -> pd.Series:
    """For people whose goals all came to be met while a worker had them: weeks they stayed met.

    "With help" is the week they were supported or their case closed. Someone
    whose goals were met and stayed met tells the story better than someone
    who crossed the line for a week.
    """
    people = log.model.people
    met = log.events("goals-met")
    closed = log.events("closed")
    index = np.searchsorted(log.weeks, met["week"].to_numpy())
    supported = log.everyone("worker", missing=-1)[index, met["person"].to_numpy()] >= 0
    closing = pd.MultiIndex.from_frame(met[["person", "week"]]).isin(
        pd.MultiIndex.from_frame(closed[["person", "week"]])
    )
    first = met[supported | closing].groupby("person")["week"].min()
    all_met = log.everyone("goals_met", missing=-1) == people.goals[: people.count].sum(axis=1)
    weeks_met_from = np.cumsum(all_met[::-1], axis=0)[::-1]
    since = np.searchsorted(log.weeks, first.to_numpy())
    return pd.Series(weeks_met_from[since, first.index.to_numpy()], index=first.index)


# --- telling ------------------------------------------------------------------------------------
def tell(journey: Journey) -> list[str]:
    """The journey as a short timeline, one line per week with events or run of similar weeks.

    Runs of weeks in the same situation (living without support, waiting,
    supported by one worker) become one line with what changed over them; the
    weeks with events get a line of their own, in the order things happened.
    """
    lines = [(week, 0, f"Week {week}: {week_text(events)}.") for week, events in notable_weeks(journey)]
    lines += [(int(run["week"].iloc[0]), 1, run_text(run, journey)) for run in runs(journey)]
    if not lines:
        return [NOT_IN_THE_PLACE]
    return [text for _, _, text in sorted(lines, key=lambda line: line[:2])]


def notable_weeks(journey: Journey) -> list[tuple[int, pd.DataFrame]]:
    events = journey.events[~journey.events["kind"].isin(FOLDED_KINDS)]
    return [(int(week), group) for week, group in events.groupby("week", sort=True)]


def week_text(events: pd.DataFrame) -> str:
    text = "; ".join(events["text"])
    return text[0].upper() + text[1:]


def runs(journey: Journey) -> list[pd.DataFrame]:
    """Consecutive weeks with the same status and worker; asking for help starts a new run."""
    weekly = journey.weekly
    if weekly.empty:
        return []
    asked = weekly["week"].isin(journey.events.loc[journey.events["kind"] == "contact", "week"])
    changed = (weekly["status"] != weekly["status"].shift()) | (
        weekly["worker"].fillna(-1) != weekly["worker"].fillna(-1).shift()
    )
    run_number = (changed | asked).cumsum()
    return [run for _, run in weekly.groupby(run_number, sort=True)]


def run_text(run: pd.DataFrame, journey: Journey) -> str:
    first, last = int(run["week"].iloc[0]), int(run["week"].iloc[-1])
    weeks = f"Week {first}" if first == last else f"Weeks {first}–{last}"
    details = [situation(run), change("wellbeing", run["wellbeing"])]
    if run["status"].iloc[0] == STATUS_NAMES[SUPPORTED]:
        details.append(change("relationship", run["relationship"]))
    met = run["goals_met"]
    if met.iloc[0] != met.iloc[-1]:
        details.append(f"goals met {met.iloc[0]} → {met.iloc[-1]} of {len(journey.goals)}")
    details.append(setbacks(journey.events, first, last))
    return f"{weeks}: " + "; ".join(detail for detail in details if detail) + "."


def situation(run: pd.DataFrame) -> str:
    status, length = run["status"].iloc[0], len(run)
    span = f"{length} week{'s' if length > 1 else ''}"
    if status == STATUS_NAMES[WAITING]:
        return f"waited for a worker at provider {run['provider'].iloc[0]} ({span})"
    if status == STATUS_NAMES[SUPPORTED]:
        return f"supported by worker {run['worker'].iloc[0]} at provider {run['provider'].iloc[0]} ({span})"
    return f"living without support ({span})"


def change(name: str, values: pd.Series) -> str:
    start, end = float(values.iloc[0]), float(values.iloc[-1])
    if abs(end - start) < 0.01:
        return f"{name} steady at {end:.2f}"
    return f"{name} {start:.2f} → {end:.2f}"


def setbacks(events: pd.DataFrame, first: int, last: int) -> str:
    hits = events[(events["kind"] == "life-event") & events["week"].between(first, last)]
    if hits.empty:
        return ""
    areas = ", ".join(dict.fromkeys(hits["domain"]))
    return f"{len(hits)} life event{'s' if len(hits) > 1 else ''} set them back ({areas})"


def describe(event) -> str:
    """One event in plain words (``event`` is a row of ``Journey.events``)."""
    provider, worker = f"provider {event.provider}", f"worker {event.worker}"
    match event.kind:
        case "life-event":
            return f"a life event set them back ({event.domain})"
        case "crisis":
            return "a crisis (such as A&E, the police or eviction)"
        case "contact":
            return "came back for help" if event.failure_demand else "asked for help"
        case "assessed":
            return f"assessed by {provider} (main need seen: {event.main_need})"
        case "turned-away" if event.reason == CREAMED:
            return "turned away: eligible, but judged unlikely to count as a success (creaming)"
        case "turned-away":
            return "turned away: needs judged below the eligibility threshold"
        case "waiting" if event.after_handoff:
            return f"back on {provider}'s waiting list"
        case "waiting":
            return f"put on {provider}'s waiting list"
        case "gave-up":
            return f"gave up waiting after {weeks_of(event.waited)}"
        case "allocated":
            wait = f"after {weeks_of(event.waited)} waiting" if event.waited else "straight away"
            return f"taken on by {worker} at {provider} {wait}"
        case "closed":
            return f"case closed by {worker}: {closure_outcome(event)}"
        case "transferred":
            return f"provider {event.previous_provider} lost its contract; {provider} took the case over"
        case "handed-off" if pd.isna(event.worker):
            return f"worker {event.previous_worker} left and nobody could take over"
        case "handed-off":
            return f"worker {event.previous_worker} left; handed on to {worker}"
        case "left":
            return "left the place (moved away or died)"
        case "goals-met":
            return "all their goals met"
    raise ValueError(f"no wording for event kind {event.kind!r}")


def closure_outcome(event) -> str:
    """Whether needs were met, and whether the indicator told the truth about the case."""
    needs = "needs met" if event.resolved else "needs still unmet"
    if event.reported_success and event.true_success:
        return f"{needs}; counted as a success, rightly"
    if event.reported_success:
        return f"{needs}; counted as a success, though the true measure said not"
    if event.true_success:
        return f"{needs}; not counted as a success, though the true measure said it was"
    return f"{needs}; not counted as a success"


def weeks_of(count: int) -> str:
    return "1 week" if count == 1 else f"{count} weeks"


# --- the one-sentence headline ------------------------------------------------------------------
def headline(journey: Journey) -> str:
    """One sentence: turn-aways, crises, workers and hand-offs, and when (or whether) goals were met."""
    if journey.weekly.empty:
        return NOT_IN_THE_PLACE
    events = journey.events
    count = events["kind"].value_counts()
    parts = []
    if not count.get("contact", 0) and (journey.weekly["status"] == STATUS_NAMES[COMMUNITY]).all():
        parts.append("never in touch with services")
    if count.get("turned-away", 0):
        parts.append(f"turned away {times(count['turned-away'])}")
    if count.get("gave-up", 0):
        parts.append(f"gave up waiting {times(count['gave-up'])}")
    parts.append(crisis_part(events))
    parts.append(workers_part(events))
    parts = [part for part in parts if part]
    sentence = ", ".join(parts) if parts else "asked for help"
    return sentence[0].upper() + sentence[1:] + "; " + ending(journey) + "."


def crisis_part(events: pd.DataFrame) -> str:
    """The crises; "then" when they came after being turned away or giving up (failure demand)."""
    crises = events.loc[events["kind"] == "crisis", "week"]
    refused = events.loc[events["kind"].isin(["turned-away", "gave-up"]), "week"]
    if crises.empty:
        return ""
    text = "had 1 crisis" if len(crises) == 1 else f"had {len(crises)} crises"
    return "then " + text if not refused.empty and crises.min() > refused.min() else text


def workers_part(events: pd.DataFrame) -> str:
    workers = events.loc[events["kind"].isin(["allocated", "handed-off"]), "worker"].dropna().unique()
    handoffs = int((events["kind"] == "handed-off").sum())
    if len(workers) == 0:
        return "never taken on by a worker" if (events["kind"] == "contact").any() else ""
    helped = "helped by 1 worker" if len(workers) == 1 else f"helped by {len(workers)} workers"
    return helped + (f" (handed on {times(handoffs)})" if handoffs else "")


def ending(journey: Journey) -> str:
    """When goals were first met in the run; or that they were met all along, or not met."""
    events, weekly = journey.events, journey.weekly
    met = events.loc[events["kind"] == "goals-met", "week"]
    left = events.loc[events["kind"] == "left", "week"]
    if not met.empty:
        text = f"goals met in week {int(met.iloc[0])}"
    elif (weekly["goals_met"] == len(journey.goals)).all():
        text = "goals met all along"
    else:
        text = f"goals not met by week {int(weekly['week'].iloc[-1])}"
    return text + (f"; left the place in week {int(left.iloc[0])}" if not left.empty else "")


def times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(int(count), f"{int(count)} times")
