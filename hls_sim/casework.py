"""A case's changes of state, from joining a waiting list to closure, and what counts as failure demand.

These are the bookkeeping of a person's journey, used by the mechanisms that
decide: intake (``hls_sim.intake``), the waiting list (``hls_sim.queue``),
hand-offs (``hls_sim.staffing``) and closure (``hls_sim.closure``).

A failure to help is remembered with the need it left unmet: the need assessed
at a turn-away or when someone gave up waiting, or the worst need left at an
unresolved closure. A later contact is failure demand (Seddon 2003, 2008) when
it comes within a window of that failure and the same need is still high: it is
caused by the failure. A contact because of a new need in another domain is
not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hls_sim import trust
from hls_sim.agents.person import COMMUNITY, SUPPORTED, WAITING, People
from hls_sim.compiled import inline, kernel, maximum, row_highest, row_sum_of
from hls_sim.rowwise import PARTIALS
from hls_sim.trust import moved_trust

if TYPE_CHECKING:
    from hls_sim.scenario import Scenario


def is_failure_demand(
    people: People, rows: np.ndarray, week: int, window: int, high_need: float
) -> np.ndarray:
    """Contacts caused by a failure to help within ``window`` weeks: the need it left is still high."""
    failure = np.empty(len(rows), dtype=bool)
    _failure_demand(
        people.failed_at, people.failed_domain, people.needs, rows, week, window, high_need, failure
    )
    return failure


@kernel
def _failure_demand(
    failed_at: np.ndarray,
    failed_domain: np.ndarray,
    needs: np.ndarray,
    rows: np.ndarray,
    week: int,
    window: int,
    high_need: float,
    failure: np.ndarray,
) -> None:
    """``is_failure_demand`` contact by contact, into ``failure``."""
    for i in range(len(rows)):
        row = rows[i]
        domain = failed_domain[row]
        failure[i] = domain >= 0 and week - failed_at[row] <= window and needs[row, domain] >= high_need


def remember_failure(people: People, rows: np.ndarray, domains: np.ndarray, week: int) -> None:
    """Remember that ``rows`` were failed this week, and which need was left unmet."""
    people.failed_at[rows] = week
    people.failed_domain[rows] = domains


def turn_away(people: People, rows: np.ndarray, week: int, scenario: Scenario) -> None:
    """Refuse support: the person goes back to the community, trusting services less."""
    _turn_away(
        people.status,
        people.last_turnaway,
        people.turnaways,
        people.provider,
        people.failed_at,
        people.failed_domain,
        people.assessed_domain,
        rows,
        week,
    )
    trust.turned_away(people, rows, scenario.trust)


@kernel
def _turn_away(
    status: np.ndarray,
    last_turnaway: np.ndarray,
    turnaways: np.ndarray,
    provider: np.ndarray,
    failed_at: np.ndarray,
    failed_domain: np.ndarray,
    assessed_domain: np.ndarray,
    rows: np.ndarray,
    week: int,
) -> None:
    """``turn_away`` person by person, but for trust."""
    for row in rows:
        _refuse(
            status, last_turnaway, turnaways, provider, failed_at, failed_domain, assessed_domain, row, week
        )


@inline
def _refuse(
    status: np.ndarray,
    last_turnaway: np.ndarray,
    turnaways: np.ndarray,
    provider: np.ndarray,
    failed_at: np.ndarray,
    failed_domain: np.ndarray,
    assessed_domain: np.ndarray,
    row: int,
    week: int,
) -> None:
    """One person turned away, but for trust: the failure remembered with the assessed need."""
    status[row] = COMMUNITY
    last_turnaway[row] = week
    turnaways[row] += 1
    provider[row] = -1
    failed_at[row] = week
    failed_domain[row] = assessed_domain[row]


def settle_assessments(
    people: People,
    rows: np.ndarray,
    providers: np.ndarray,
    accept: np.ndarray,
    times: np.ndarray,
    weight: np.ndarray,
    week: int,
    scenario: Scenario,
) -> None:
    """After assessment: the accepted join their provider's list, the rest are turned away.

    Each accepted row joins at ``week + times`` (``join_waiting_list``) with the tariff
    ``weight`` its assessment fixed and nothing yet recorded against the spell; each
    other row is turned away (``turn_away``), trust and all. ``rows`` are distinct.
    """
    _settle_assessments(
        people.status,
        people.provider,
        people.worker,
        people.queued_at,
        people.tariff_weight,
        people.recording_bias,
        people.last_turnaway,
        people.turnaways,
        people.failed_at,
        people.failed_domain,
        people.assessed_domain,
        people.trust,
        rows,
        providers,
        accept,
        times,
        weight,
        week,
        -scenario.trust.turned_away,
    )


@kernel
def _settle_assessments(
    status: np.ndarray,
    provider: np.ndarray,
    worker: np.ndarray,
    queued_at: np.ndarray,
    tariff_weight: np.ndarray,
    recording_bias: np.ndarray,
    last_turnaway: np.ndarray,
    turnaways: np.ndarray,
    failed_at: np.ndarray,
    failed_domain: np.ndarray,
    assessed_domain: np.ndarray,
    trust: np.ndarray,
    rows: np.ndarray,
    providers: np.ndarray,
    accept: np.ndarray,
    times: np.ndarray,
    weight: np.ndarray,
    week: int,
    refusal_trust: float,
) -> None:
    """``settle_assessments`` case by case (trust moved by ``trust.moved_trust``)."""
    for i in range(len(rows)):
        row = rows[i]
        if accept[i]:
            status[row] = WAITING
            provider[row] = providers[i]
            worker[row] = -1
            queued_at[row] = week + times[i]
            tariff_weight[row] = weight[i]
            recording_bias[row] = 0.0
        else:
            _refuse(
                status,
                last_turnaway,
                turnaways,
                provider,
                failed_at,
                failed_domain,
                assessed_domain,
                row,
                week,
            )
            trust[row] = moved_trust(trust[row], refusal_trust)


def give_up(people: People, rows: np.ndarray, week: int, scenario: Scenario) -> None:
    """Leave a waiting list after waiting too long: as good as turned away, and trust dented."""
    people.status[rows] = COMMUNITY
    people.provider[rows] = -1
    people.last_turnaway[rows] = week
    remember_failure(people, rows, people.assessed_domain[rows], week)
    trust.gave_up(people, rows, scenario.trust)


def join_waiting_list(people: People, rows: np.ndarray, provider: int, time: float | np.ndarray) -> None:
    """``rows`` join ``provider``'s list at ``time`` (weeks, with the fraction of the week)."""
    people.status[rows] = WAITING
    people.provider[rows] = provider
    people.worker[rows] = -1
    people.queued_at[rows] = time


def start_support(
    people: People,
    rows: np.ndarray,
    slots: np.ndarray,
    approaches: np.ndarray,
    week: int,
    scenario: Scenario,
    caseload: np.ndarray,
) -> None:
    """A worker takes the person on: a new relationship, the provider's chosen approaches, one more case.

    ``caseload`` is every worker's (``Workforce.caseload``).
    """
    _start_support(
        rows,
        slots,
        caseload,
        approaches,
        week,
        scenario.relationships.start,
        scenario.relationships.understanding_start,
        people.wellbeing(rows),
        people.status,
        people.worker,
        people.episode_start,
        people.relationship,
        people.understanding,
        people.recording_bias,
        people.approach,
        people.start_wellbeing,
        people.episodes,
    )


@kernel
def _start_support(
    rows: np.ndarray,
    slots: np.ndarray,
    caseload: np.ndarray,
    approaches: np.ndarray,
    week: int,
    relationship_start: float,
    understanding_start: float,
    wellbeing: np.ndarray,
    status: np.ndarray,
    worker: np.ndarray,
    episode_start: np.ndarray,
    relationship: np.ndarray,
    understanding: np.ndarray,
    recording_bias: np.ndarray,
    approach: np.ndarray,
    start_wellbeing: np.ndarray,
    episodes: np.ndarray,
) -> None:
    """``start_support`` person by person (``wellbeing`` is each one's as support starts)."""
    for i in range(len(rows)):
        row = rows[i]
        caseload[slots[i]] += 1
        status[row] = SUPPORTED
        worker[row] = slots[i]
        episode_start[row] = week
        relationship[row] = relationship_start
        understanding[row] = understanding_start
        recording_bias[row] = 0.0
        approach[row] = approaches[i]
        start_wellbeing[row] = wellbeing[i]
        episodes[row] += 1


def hand_off(people: People, rows: np.ndarray, scenario: Scenario) -> None:
    """The person's worker changes: relationship and understanding mostly lost, trust dented."""
    people.handoffs[rows] += 1
    people.relationship[rows] *= scenario.relationships.kept_at_handoff
    people.understanding[rows] *= scenario.relationships.understanding_kept
    trust.handed_off(people, rows, scenario.trust)


def remaining_need(people: People, rows: np.ndarray, scenario: Scenario) -> np.ndarray:
    """What is left to do, as a worker judges it: unmet goals and high needs; 0 when the person is well."""
    params = scenario.closure
    left = np.empty(len(rows))
    remaining_need_into(
        people.needs, people.goals, people.goal_count, rows, params.goal_met, params.high_need, left
    )
    return left


@kernel
def remaining_need_into(
    needs: np.ndarray,
    goals: np.ndarray,
    goal_count: np.ndarray,
    rows: np.ndarray,
    goal_met: float,
    high_need: float,
    left: np.ndarray,
) -> None:
    """``remaining_need`` person by person, into ``left``: the mean shortfall on goals, and any high need.

    The shortfalls are added as numpy adds a row (``row_sum_of``); a short row is
    added as it is read, which is quicker than storing it and reading it back.
    """
    d = needs.shape[1]
    unmet = np.empty(d)
    for i in range(len(rows)):
        row = rows[i]
        if d < PARTIALS:
            total = maximum(0.0, needs[row, 0] - goal_met) * np.float64(goals[row, 0]) + 0.0
            for j in range(1, d):
                total += maximum(0.0, needs[row, j] - goal_met) * np.float64(goals[row, j])
        else:
            for j in range(d):
                unmet[j] = maximum(0.0, needs[row, j] - goal_met) * np.float64(goals[row, j])
            total = row_sum_of(unmet)
        left[i] = total / goal_count[row] + maximum(0.0, row_highest(needs, row) - high_need)


def reclassify(people: People, rows: np.ndarray) -> None:
    """Record the case under its second presenting need, which is arguable as the primary one."""
    people.recorded_domain[rows] = people.second_domain[rows]


def end_support(
    people: People, rows: np.ndarray, resolved: np.ndarray, week: int, scenario: Scenario
) -> None:
    """Close cases: back to the community; an unresolved closure is remembered with its worst need.

    A resolved one clears any earlier failure: a later contact is new demand.
    """
    _end_support(
        rows,
        resolved,
        week,
        people.needs,
        people.status,
        people.worker,
        people.provider,
        people.failed_at,
        people.failed_domain,
    )
    trust.case_closed(people, rows, resolved, scenario.trust)


@kernel
def _end_support(
    rows: np.ndarray,
    resolved: np.ndarray,
    week: int,
    needs: np.ndarray,
    status: np.ndarray,
    worker: np.ndarray,
    provider: np.ndarray,
    failed_at: np.ndarray,
    failed_domain: np.ndarray,
) -> None:
    """``end_support`` case by case, but for trust; an unresolved case's failure is remembered
    (``remember_failure``) with its worst need (the first, of equal needs)."""
    for i in range(len(rows)):
        row = rows[i]
        status[row] = COMMUNITY
        worker[row] = -1
        provider[row] = -1
        if resolved[i]:
            failed_domain[row] = -1
        else:
            worst = 0
            for j in range(1, needs.shape[1]):
                if needs[row, j] > needs[row, worst]:
                    worst = j
            failed_at[row] = week
            failed_domain[row] = worst
