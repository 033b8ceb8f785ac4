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

import operator
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from hls_sim.compiled import kernel, maximum, pairwise_sum
from hls_sim.parameters.measurement import (
    HARDEST_QUANTILE,
    INDICATOR_WINDOW,
    difficulty,
    difficulty_into,
    inner_quantile,
    need_shares_into,
)

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
    queue_exits: float = 0.0
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
    hours_by_need_hard: float = 0.0
    hours_by_need_all: float = 0.0
    hours_hard: float = 0.0
    hours_all: float = 0.0
    queue_time: float = 0.0
    place_time_used: float = 0.0
    place_time: float = 0.0
    gave_up: float = 0.0
    funder_matches: float = 0.0
    funder_checks: float = 0.0
    outlay: float = 0.0
    commissioning_cost: float = 0.0
    leavers: float = 0.0
    layoffs: float = 0.0
    handoffs: float = 0.0
    knowledge_shared: float = 0.0

    def since(self, earlier: Tally) -> Tally:
        """What was added since ``earlier`` (a copy of this tally taken then, fields in the same order)."""
        now, before = vars(self), vars(earlier)
        return _tally_of(dict(zip(now, map(operator.sub, now.values(), before.values()), strict=True)))

    def copy(self) -> Tally:
        return _tally_of(vars(self).copy())

    def hours(self, part: str) -> float:
        return getattr(self, f"hours_{part}")


def _tally_of(totals: dict[str, float]) -> Tally:
    """A tally holding ``totals`` (every field, in order), made without ``__init__``'s cost."""
    tally = object.__new__(Tally)
    tally.__dict__ = totals
    return tally


@dataclass
class Records:
    """Raw observations of the recorded weeks that the summary needs beyond the tally."""

    eligible_difficulty: list[float] = field(default_factory=list)
    eligible_taken_on: list[bool] = field(default_factory=list)
    closure_measured: list[float] = field(default_factory=list)
    closure_reported: list[bool] = field(default_factory=list)
    closure_true: list[bool] = field(default_factory=list)
    wellbeing_gain: float = 0.0
    waits: list[float] = field(default_factory=list)
    quarters: list[Any] = field(default_factory=list)
    shocks: list[int] = field(default_factory=list)
    # Whether each person (by row) has been supported in a recorded week.
    ever_supported: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    weekly_closures: deque = field(default_factory=lambda: deque(maxlen=INDICATOR_WINDOW))
    closures_at_last_week: int = 0


@kernel
def _planned_in_order(
    admin_total: float,
    assessment_total: float,
    forum_total: float,
    gaming_total: float,
    slack_total: float,
    admin: np.ndarray,
    assessment: np.ndarray,
    forum: np.ndarray,
    gaming: np.ndarray,
    slack: np.ndarray,
    slots: np.ndarray,
) -> tuple[float, float, float, float, float]:
    """``Observations.hours_planned``: each total plus its part's hours of each of ``slots`` in turn.

    Rounds as repeated ``+=`` would: an accumulation adds in order, where a sum adds pairwise.
    """
    for slot in slots:
        admin_total += admin[slot]
        assessment_total += assessment[slot]
        forum_total += forum[slot]
        gaming_total += gaming[slot]
        slack_total += slack[slot]
    return (
        float(admin_total),
        float(assessment_total),
        float(forum_total),
        float(gaming_total),
        float(slack_total),
    )


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
        self.last_week = self.tally.copy()

    def week_ended(self) -> Tally:
        """This week's additions to the tally."""
        week = self.tally.since(self.last_week)
        self.last_week = self.tally.copy()
        self.records.closures_at_last_week = len(self.records.closure_reported)
        return week

    # --- a person's own week -----------------------------------------------------------------
    def life_events(self, rows: np.ndarray, domains: np.ndarray) -> None:
        self.journeys.note_life_events(rows, domains)

    def crises(self, rows: np.ndarray, cost: float, cost_after_refusal: float) -> None:
        """Crises and their cost; ``cost_after_refusal``, that of people turned away and not helped since."""
        self.journeys.note_crises(rows)
        self.tally.crises += len(rows)
        self.tally.entrenchment_cost += cost
        self.tally.crisis_cost_after_turnaway += cost_after_refusal

    def contacts(self, rows: np.ndarray, failure_demand: np.ndarray) -> None:
        self.journeys.note_contacts(rows, failure_demand)
        self.tally.contacts += len(rows)
        self.tally.failure_demand += int(np.count_nonzero(failure_demand))

    # --- intake and the waiting list ---------------------------------------------------------
    def assessment_hours(self, hours: np.ndarray) -> None:
        """Hours of assessment this week at each provider, added provider by provider."""
        total = self.tally.assessment_hours
        for provider_hours in hours.tolist():
            total += provider_hours
        self.tally.assessment_hours = total

    def intake(
        self, rows: np.ndarray, provider: np.ndarray, eligible: np.ndarray, accepted: np.ndarray
    ) -> None:
        """Assessments: each eligible person's is kept, to see later whether they were taken on."""
        if self.recording:
            people, records = self.model.people, self.records
            assessed = rows[eligible]
            first = len(records.eligible_difficulty)
            records.eligible_difficulty.extend(difficulty(people, assessed).tolist())
            records.eligible_taken_on.extend([False] * len(assessed))
            people.assessment_record[assessed] = np.arange(first, first + len(assessed))
        self.tally.queue_entries += int(np.count_nonzero(accepted))
        self.journeys.note_intake(rows, provider, eligible, accepted)

    def refusals(self, refused: int, wasted_hours: float) -> None:
        self.tally.turnaways += refused
        self.tally.wasted_assessment_hours += wasted_hours

    def started(self, rows: np.ndarray, times: np.ndarray) -> None:
        """People reaching a place at ``times`` (weeks): their wait, counted from week 0 at the earliest."""
        people = self.model.people
        self.tally.queue_exits += len(rows)
        if self.recording:
            waits, taken = _waits_and_assessments(rows, times, people.queued_at, people.assessment_record)
            self.records.waits.extend(waits.tolist())
            taken_on = self.records.eligible_taken_on
            for record in taken.tolist():
                taken_on[record] = True
        people.assessment_record[rows] = -1

    def gave_up(self, rows: np.ndarray, times: np.ndarray) -> None:
        """People leaving a list at ``times`` (weeks) without a place, before their state is cleared."""
        self.tally.gave_up += len(rows)
        self.tally.queue_exits += len(rows)
        self.model.people.assessment_record[rows] = -1
        self.journeys.note_gave_up(rows, times)

    def queue_time(self, person_weeks: float) -> None:
        """Time people spent waiting this week, summed (for the time-average list length)."""
        self.tally.queue_time += person_weeks

    def places(self, used: float, capacity: int) -> None:
        """Place-weeks in use and place-weeks paid for this week (utilisation)."""
        self.tally.place_time_used += used
        self.tally.place_time += capacity

    def funder_checks(self, matches: int, checks: int) -> None:
        """Reports the funder checked (audit and dialogue) and how many matched what it found."""
        self.tally.funder_matches += matches
        self.tally.funder_checks += checks

    def allocated(self, rows: np.ndarray, provider: int, times: np.ndarray) -> None:
        self.journeys.note_allocations(rows, provider, times)

    def back_on_list(self, count: int) -> None:
        self.tally.queue_entries += count

    # --- work and support --------------------------------------------------------------------
    def hours_planned(self, slots: np.ndarray) -> None:
        """Each worker's planned hours, but support, which counts once delivered."""
        workforce, tally = self.model.workforce, self.tally
        (
            tally.hours_admin,
            tally.hours_assessment,
            tally.hours_forum,
            tally.hours_gaming,
            tally.hours_slack,
        ) = _planned_in_order(
            tally.hours_admin,
            tally.hours_assessment,
            tally.hours_forum,
            tally.hours_gaming,
            tally.hours_slack,
            workforce.admin,
            workforce.assessment,
            workforce.forum,
            workforce.gaming,
            workforce.slack,
            slots,
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
        people, tally = self.model.people, self.tally
        records = self.records
        if len(records.ever_supported) < people.count:
            records.ever_supported = np.concatenate(
                [records.ever_supported, np.zeros(2 * people.count - len(records.ever_supported), dtype=bool)]
            )
        support = self.model.params.support
        hours_hard, by_need_hard, by_need_all = _hours_to_hardest(
            people.needs,
            people.entrenchment,
            people.assets,
            rows,
            hours,
            delivered,
            support.need_weight_floor,
            support.max_hours_per_person,
            records.ever_supported,
        )
        tally.hours_hard += hours_hard
        tally.hours_all += delivered
        tally.hours_by_need_hard += by_need_hard
        tally.hours_by_need_all += by_need_all

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

    def left(self, rows: np.ndarray, waiting: int) -> None:
        """People move away or die (``waiting``: how many of them from a waiting list)."""
        self.tally.queue_exits += waiting
        self.journeys.note_leaving(rows)


@kernel
def _waits_and_assessments(
    rows: np.ndarray, times: np.ndarray, queued_at: np.ndarray, assessment_record: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each starter's wait, counted from week 0 at the earliest, and the assessment records kept for them.

    The records (``Observations.intake``) are those of starters who have one, in order.
    """
    waits, taken = np.empty(len(rows)), np.empty(len(rows), dtype=np.int64)
    kept = 0
    for i in range(len(rows)):
        waits[i] = times[i] - maximum(queued_at[rows[i]], 0.0)
        if assessment_record[rows[i]] >= 0:
            taken[kept] = assessment_record[rows[i]]
            kept += 1
    return waits, taken[:kept]


@kernel
def _hours_to_hardest(
    needs: np.ndarray,
    entrenchment: np.ndarray,
    assets: np.ndarray,
    rows: np.ndarray,
    hours: np.ndarray,
    delivered: float,
    floor: float,
    cap: float,
    ever_supported: np.ndarray,
) -> tuple[float, float, float]:
    """``Observations.support``'s sums: marks ``rows`` as ever supported, then gives the hours of
    the hardest to help (``measurement.hardest_share`` of their ``difficulty``), their hours had
    ``delivered`` been shared by need alone (``measurement.need_shares``), and all the hours so
    shared, each added as numpy adds.
    """
    for i in range(len(rows)):
        ever_supported[rows[i]] = True
    values = np.empty(len(rows))
    difficulty_into(needs, entrenchment, assets, rows, values)
    # One value is its own quantile.
    cut = inner_quantile(values, HARDEST_QUANTILE) if len(rows) > 1 else values[0]
    by_need = np.zeros(len(rows))
    need_shares_into(needs, rows, delivered, floor, cap, by_need)
    hard_hours, hard_by_need = np.empty(len(rows)), np.empty(len(rows))
    hard = 0
    for i in range(len(rows)):
        if values[i] >= cut:
            hard_hours[hard] = hours[i]
            hard_by_need[hard] = by_need[i]
            hard += 1
    return (
        float(pairwise_sum(hard_hours[:hard])),
        float(pairwise_sum(hard_by_need[:hard])),
        float(pairwise_sum(by_need)),
    )
