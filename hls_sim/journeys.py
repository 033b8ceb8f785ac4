"""Journeys: what happened to each person, event by event and week by week (observe only).

The stories (``hls_sim.stories``) need more than totals: who asked for help,
who assessed them, why they were turned away, how long they waited, which
workers they had, how their case closed, and how their needs moved. The
model's mechanisms call a one-line ``note_...`` hook of the ``JourneyLog`` the
model owns where each event happens, and the log reads the week's state of
everyone at the end of each recorded week.

The log only observes: it draws no random numbers and writes nothing back, so
a run is bit for bit the same with it on or off (``tests/test_stories.py``).
It is off unless asked for (``record_journeys=True``) because the weekly state
of every person costs memory: about 45 bytes a person a week, some 30 MB for
the default scenario, ten times that for a place ten times bigger.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hls_sim.agents.person import EXITED
from hls_sim.parameters.measurement import GOAL_MET

if TYPE_CHECKING:
    from hls_sim.model import SupportSystemModel

# Each kind of event and its columns besides ``person`` and ``week``, in the order they can
# happen within a week (``SupportSystemModel.step``).
EVENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "life-event": ("domain",),
    "crisis": (),
    "contact": ("failure_demand",),
    "assessed": ("provider", "main_need"),
    "turned-away": ("provider", "reason"),
    "waiting": ("provider", "after_handoff"),
    "gave-up": ("provider", "waited"),
    "allocated": ("provider", "worker", "waited"),
    "closed": ("provider", "worker", "resolved", "reported_success", "true_success"),
    "transferred": ("provider", "previous_provider"),
    "handed-off": ("provider", "worker", "previous_worker"),
    "left": (),
    "goals-met": (),
}
# Why an assessment turned someone away (``intake.assess_and_decide``). The waiting list has no cap,
# so nobody is refused for want of capacity: they wait, and may give up (``gave-up``).
BELOW_THRESHOLD = "below threshold"
CREAMED = "creamed"
# The state read for every person at the end of each recorded week.
WEEKLY_COLUMNS = (
    "status",
    "provider",
    "worker",
    "wellbeing",
    "needs",
    "goals_met",
    "relationship",
    "understanding",
    "trust",
    "entrenchment",
)


def whole_weeks(span: np.ndarray) -> np.ndarray:
    """A wait, in weeks and fractions of a week, to the nearest whole week (as a story tells it)."""
    return np.rint(span).astype(np.int64)


class JourneyLog:
    """Every person's events and weekly state over the recorded weeks (week 0 onward).

    Events are kept per kind as chunks of columns, one chunk per hook call, each
    event with a running sequence number so that events within a week keep their order.
    """

    def __init__(self, model: SupportSystemModel, enabled: bool):
        self.model = model
        self.enabled = enabled
        self.chunks: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        self.sequence = 0
        self.weeks: list[int] = []
        self.states: dict[str, list[np.ndarray]] = {name: [] for name in WEEKLY_COLUMNS}

    @property
    def recording(self) -> bool:
        return self.enabled and self.model.week >= 0

    def add(self, kind: str, rows: np.ndarray, **columns: Any) -> None:
        """Keep one event of ``kind`` per row; scalar columns apply to every row.

        Copies, so that the model may reuse its arrays; scalars are widened only when read.
        """
        if len(rows) == 0:
            return
        sequence = np.arange(self.sequence, self.sequence + len(rows))
        self.sequence += len(rows)
        chunk = {name: np.copy(value) for name, value in columns.items()}
        self.chunks[kind].append(
            chunk | {"person": np.copy(rows), "week": self.model.week, "sequence": sequence}
        )

    # --- hooks, one per place an event happens ---------------------------------------------------
    def note_life_events(self, rows: np.ndarray, domains: np.ndarray) -> None:
        if self.recording:
            self.add("life-event", rows, domain=np.asarray(self.model.domain_names)[domains])

    def note_crises(self, rows: np.ndarray) -> None:
        if self.recording:
            self.add("crisis", rows)

    def note_contacts(self, rows: np.ndarray, failure_demand: np.ndarray) -> None:
        if self.recording:
            self.add("contact", rows, failure_demand=failure_demand)

    def note_intake(
        self, rows: np.ndarray, provider: np.ndarray, eligible: np.ndarray, accepted: np.ndarray
    ) -> None:
        """Assessed by their ``provider``; then on its waiting list, or turned away and why."""
        if not self.recording:
            return
        people = self.model.people
        main_need = np.asarray(self.model.domain_names)[people.assessed_domain[rows]]
        self.add("assessed", rows, provider=provider, main_need=main_need)
        refused = ~accepted
        reason = np.where(eligible[refused], CREAMED, BELOW_THRESHOLD)
        self.add("turned-away", rows[refused], provider=provider[refused], reason=reason)
        self.add("waiting", rows[accepted], provider=provider[accepted], after_handoff=False)

    def note_gave_up(self, rows: np.ndarray, times: np.ndarray) -> None:
        """Called while the people are still on the list, so their provider and wait are known."""
        if self.recording:
            people = self.model.people
            waited = whole_weeks(times - people.queued_at[rows])
            self.add("gave-up", rows, provider=people.provider[rows], waited=waited)

    def note_allocations(self, rows: np.ndarray, provider: int, times: np.ndarray) -> None:
        """Called once support has started; ``times`` are when (in weeks) each reached a place."""
        if self.recording:
            people = self.model.people
            waited = whole_weeks(times - people.queued_at[rows])
            self.add("allocated", rows, provider=provider, worker=people.worker[rows], waited=waited)

    def note_closures(
        self, rows: np.ndarray, resolved: np.ndarray, reported: np.ndarray, true: np.ndarray
    ) -> None:
        """Called before the case ends, so the worker and provider are still known."""
        if self.recording:
            people = self.model.people
            self.add(
                "closed",
                rows,
                provider=people.provider[rows],
                worker=people.worker[rows],
                resolved=resolved,
                reported_success=reported,
                true_success=true,
            )

    def note_transfers(self, rows: np.ndarray, previous: int, successor: int) -> None:
        if self.recording:
            self.add("transferred", rows, provider=successor, previous_provider=previous)

    def note_handoffs(self, rows: np.ndarray, previous_worker: int) -> None:
        """Called after ``reassign``: the new worker, or -1 for those put back on the list."""
        if not self.recording:
            return
        people = self.model.people
        worker = people.worker[rows]
        self.add(
            "handed-off",
            rows,
            provider=people.provider[rows],
            worker=worker,
            previous_worker=previous_worker,
        )
        back = rows[worker < 0]
        self.add("waiting", back, provider=people.provider[back], after_handoff=True)

    def note_leaving(self, rows: np.ndarray) -> None:
        if self.recording:
            self.add("left", rows)

    def note_week(self) -> None:
        """Everyone's state at the end of the week; a ``goals-met`` event when all goals come to be met."""
        if not self.recording:
            return
        people = self.model.people
        count = people.count
        rows = np.arange(count)
        goals_met = ((people.needs[:count] < GOAL_MET) & people.goals[:count]).sum(axis=1)
        all_met = goals_met == people.goals[:count].sum(axis=1)
        if self.weeks:
            before = self.states["goals_met"][-1]
            was_met = np.ones(count, dtype=bool)
            was_met[: len(before)] = before == people.goals[: len(before)].sum(axis=1)
            present = people.status[:count] != EXITED
            self.add("goals-met", rows[all_met & ~was_met & present])
        self.weeks.append(self.model.week)
        state = {
            "status": people.status[:count].astype(np.int8),
            "provider": people.provider[:count].astype(np.int16),
            "worker": people.worker[:count].astype(np.int32),
            "wellbeing": people.wellbeing(rows).astype(np.float32),
            "needs": people.needs[:count].astype(np.float32),
            "goals_met": goals_met.astype(np.int8),
            "relationship": people.relationship[:count].astype(np.float32),
            "understanding": people.understanding[:count].astype(np.float32),
            "trust": people.trust[:count].astype(np.float32),
            "entrenchment": people.entrenchment[:count].astype(np.float32),
        }
        for name, values in state.items():
            self.states[name].append(values)

    # --- reading ---------------------------------------------------------------------------------
    def events(self, kind: str, person: int | None = None) -> pd.DataFrame:
        """Events of one kind, or one person's: ``person``, ``week``, ``sequence``, the kind's columns."""
        names = ("person", "week", "sequence", *EVENT_COLUMNS[kind])
        chunks = self.chunks.get(kind, [])
        if not chunks:
            return pd.DataFrame({name: np.array([], dtype=np.int64) for name in names})
        # Joined into one chunk of full columns when read: later reads are quick, new events still append.
        widened = [
            {name: np.broadcast_to(chunk[name], len(chunk["person"])) for name in names} for chunk in chunks
        ]
        self.chunks[kind] = [{name: np.concatenate([chunk[name] for chunk in widened]) for name in names}]
        columns = self.chunks[kind][0]
        if person is None:
            return pd.DataFrame(columns)
        mine = columns["person"] == person
        return pd.DataFrame({name: values[mine] for name, values in columns.items()})

    def state(self, person: int) -> dict[str, np.ndarray]:
        """One person's weekly state, over the recorded weeks from the one they arrived in."""
        lengths = np.array([len(values) for values in self.states["status"]], dtype=np.int64)
        first = int(np.searchsorted(lengths, person, side="right"))
        columns = {"week": np.asarray(self.weeks[first:], dtype=np.int64)}
        for name, weeks in self.states.items():
            columns[name] = np.array([values[person] for values in weeks[first:]])
        return columns

    def everyone(self, name: str, missing: float) -> np.ndarray:
        """One weekly column for everyone: weeks by people, ``missing`` before a person arrived."""
        weeks = self.states[name]
        table = np.full((len(weeks), self.model.people.count), missing, dtype=np.float64)
        for index, values in enumerate(weeks):
            table[index, : len(values)] = values
        return table
