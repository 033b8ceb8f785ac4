"""What the run saw: one call per event, into a typed tally and, if asked for, the journeys.

Mechanisms report each event once, where it happens, to the model's
``Observations`` (``model.observe``): ``observe.crises(...)``,
``observe.closures(...)`` and so on. Each call adds to the ``Tally`` of running
totals since recording began, keeps what the summary needs in ``Records``, and
passes the event on to the ``JourneyLog`` when journeys are recorded. The
metrics (``hls_sim.metrics``) read only these. Observing changes nothing in the
run and draws no random numbers.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from hls_sim.agents.worker import HOUR_PARTS
from hls_sim.parameters.measurement import INDICATOR_WINDOW, difficulty, hardest_share

if TYPE_CHECKING:
    from hls_sim.journeys import JourneyLog
    from hls_sim.model import SupportSystemModel


@dataclass
class Tally:
    """Running totals since recording began (week 0)."""

    contacts: float = 0.0
    failure_demand: float = 0.0
    turnaways: float = 0.0
    assessment_hours: float = 0.0
    wasted_assessment_hours: float = 0.0
    queue_entries: float = 0.0
    crises: float = 0.0
    entrenchment_cost: float = 0.0
    crisis_cost_after_turnaway: float = 0.0
    hours_support: float = 0.0
    hours_admin: float = 0.0
    hours_assessment: float = 0.0
    hours_forum: float = 0.0
    hours_gaming: float = 0.0
    hours_slack: float = 0.0
    hours_spare: float = 0.0
    outlay: float = 0.0
    commissioning_cost: float = 0.0
    leavers: float = 0.0
    layoffs: float = 0.0
    handoffs: float = 0.0
    knowledge_shared: float = 0.0

    def since(self, earlier: Tally) -> Tally:
        """What was added since ``earlier`` (a copy of this tally taken then)."""
        return Tally(
            **{f.name: getattr(self, f.name) - getattr(earlier, f.name) for f in dataclasses.fields(self)}
        )

    def hours(self, part: str) -> float:
        return getattr(self, f"hours_{part}")


@dataclass
class Records:
    """Raw observations of the recorded weeks that the summary needs beyond the tally."""

    eligible_difficulty: list[float] = field(default_factory=list)
    eligible_accepted: list[bool] = field(default_factory=list)
    closure_measured: list[float] = field(default_factory=list)
    closure_reported: list[bool] = field(default_factory=list)
    closure_true: list[bool] = field(default_factory=list)
    wellbeing_gain: float = 0.0
    waits: list[float] = field(default_factory=list)
    quarters: list[Any] = field(default_factory=list)
    shocks: list[int] = field(default_factory=list)
    hard_hours: float = 0.0
    hard_weeks: int = 0
    other_hours: float = 0.0
    other_weeks: int = 0
    ever_supported: set[int] = field(default_factory=set)
    weekly_closures: deque = field(default_factory=lambda: deque(maxlen=INDICATOR_WINDOW))
    closures_at_last_week: int = 0


def add_in_order(total: float, values: np.ndarray) -> float:
    """``total`` plus each value in turn, rounding as repeated ``+=`` would (not pairwise)."""
    for value in values.tolist():
        total += value
    return total


class Observations:
    """The model's single channel of observation."""

    def __init__(self, model: SupportSystemModel, journeys: JourneyLog):
        self.model = model
        self.journeys = journeys
        self.tally = Tally()
        self.records = Records()
        self.last_week = Tally()

    @property
    def recording(self) -> bool:
        return self.model.week >= 0

    def start_recording(self, already_waiting: int) -> None:
        """Counts start at week 0: the burn-in only settles the system.

        People already waiting enter the recorded window now (for Little's law).
        """
        self.tally = Tally(queue_entries=float(already_waiting))
        self.records = Records()
        self.last_week = dataclasses.replace(self.tally)

    def week_ended(self) -> Tally:
        """This week's additions to the tally."""
        week = self.tally.since(self.last_week)
        self.last_week = dataclasses.replace(self.tally)
        self.records.closures_at_last_week = len(self.records.closure_reported)
        return week

    # --- a person's own week -----------------------------------------------------------------
    def life_events(self, rows: np.ndarray, domains: np.ndarray) -> None:
        self.journeys.note_life_events(rows, domains)

    def crises(self, rows: np.ndarray, cost: np.ndarray, after_refusal: np.ndarray) -> None:
        """Crises and their cost; ``after_refusal`` marks those of people turned away and not helped since."""
        self.journeys.note_crises(rows)
        self.tally.crises += len(rows)
        self.tally.entrenchment_cost += float(cost.sum())
        self.tally.crisis_cost_after_turnaway += float(cost[after_refusal].sum())

    def contacts(self, rows: np.ndarray, failure_demand: np.ndarray) -> None:
        self.journeys.note_contacts(rows, failure_demand)
        self.tally.contacts += len(rows)
        self.tally.failure_demand += int(failure_demand.sum())

    # --- intake and the waiting list ---------------------------------------------------------
    def assessment_hours(self, hours: float) -> None:
        self.tally.assessment_hours += hours

    def intake(self, rows: np.ndarray, provider: int, eligible: np.ndarray, accepted: np.ndarray) -> None:
        if self.recording:
            self.records.eligible_difficulty.extend(difficulty(self.model.people, rows[eligible]).tolist())
            self.records.eligible_accepted.extend(accepted[eligible].tolist())
        self.tally.queue_entries += int(accepted.sum())
        self.journeys.note_intake(rows, provider, eligible, accepted)

    def refusals(self, refused: int, wasted_hours: float) -> None:
        self.tally.turnaways += refused
        self.tally.wasted_assessment_hours += wasted_hours

    def waits_ended(self, rows: np.ndarray) -> None:
        """Waits of people leaving the list, counted from the start of recording at the earliest."""
        if self.recording:
            started = np.maximum(self.model.people.wait_start[rows], 0)
            self.records.waits.extend((self.model.week - started).tolist())

    def gave_up(self, rows: np.ndarray) -> None:
        self.waits_ended(rows)
        self.journeys.note_gave_up(rows)

    def allocated(self, rows: np.ndarray, provider: int) -> None:
        self.journeys.note_allocations(rows, provider)

    def back_on_list(self, count: int) -> None:
        self.tally.queue_entries += count

    # --- work and support --------------------------------------------------------------------
    def hours_planned(self, slots: np.ndarray) -> None:
        """Each worker's planned hours, but support, which counts once delivered."""
        workforce = self.model.workforce
        for part in HOUR_PARTS:
            if part != "support":
                name = f"hours_{part}"
                setattr(
                    self.tally, name, add_in_order(getattr(self.tally, name), getattr(workforce, part)[slots])
                )

    def support(self, rows: np.ndarray, hours: np.ndarray, offered: float) -> None:
        """Hours delivered to each supported person; offered hours nobody could use are spare."""
        if len(rows) == 0:
            self.tally.hours_spare += offered
            return
        delivered = float(hours.sum())
        self.tally.hours_support += delivered
        self.tally.hours_spare += offered - delivered
        if not self.recording:
            return
        records = self.records
        records.ever_supported.update(rows.tolist())
        hard = hardest_share(difficulty(self.model.people, rows))
        records.hard_hours += float(hours[hard].sum())
        records.hard_weeks += int(hard.sum())
        records.other_hours += float(hours[~hard].sum())
        records.other_weeks += int((~hard).sum())

    def closures(
        self,
        rows: np.ndarray,
        resolved: np.ndarray,
        measured: np.ndarray,
        reported: np.ndarray,
        true: np.ndarray,
    ) -> None:
        """Cases closing this week, before their worker and provider are cleared."""
        if self.recording:
            people, records = self.model.people, self.records
            records.wellbeing_gain += float((people.wellbeing(rows) - people.start_wellbeing[rows]).sum())
            records.closure_measured.extend(measured.tolist())
            records.closure_reported.extend(reported.tolist())
            records.closure_true.extend(true.tolist())
        self.journeys.note_closures(rows, resolved, reported, true)

    # --- money, staff and contracts ------------------------------------------------------------
    def outlay(self, amount: float) -> None:
        self.tally.outlay += amount

    def commissioner_cost(self, amount: float) -> None:
        self.tally.commissioning_cost += amount

    def quarter(self, result: Any) -> None:
        self.records.quarters.append(result)

    def leaver(self) -> None:
        self.tally.leavers += 1

    def layoff(self) -> None:
        self.tally.layoffs += 1

    def handoffs(self, rows: np.ndarray, previous_worker: int) -> None:
        """After ``staffing.reassign``: the new worker, or -1 for those put back on the list."""
        self.journeys.note_handoffs(rows, previous_worker=previous_worker)

    def handoff_count(self, count: int) -> None:
        self.tally.handoffs += count

    def transfers(self, rows: np.ndarray, previous: int, successor: int) -> None:
        self.journeys.note_transfers(rows, previous, successor)

    def knowledge_shared(self, moved: float) -> None:
        self.tally.knowledge_shared += moved

    def shock(self, week: int) -> None:
        self.records.shocks.append(week)

    def left(self, row: int) -> None:
        self.journeys.note_leaving(row)
