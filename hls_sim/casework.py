"""A case's changes of state, from joining a waiting list to closure, and what counts as failure demand.

These are the bookkeeping of a person's journey, used by the mechanisms that
decide: intake (``hls_sim.intake``), the waiting list (``hls_sim.queue``),
hand-offs (``hls_sim.staffing``) and closure (``hls_sim.closure``). Demand
that comes back because a person was turned away, or because their case was
closed with needs unmet, is failure demand (Seddon 2003, 2008).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hls_sim import trust
from hls_sim.agents.person import COMMUNITY, SUPPORTED, WAITING, People

if TYPE_CHECKING:
    from hls_sim.scenario import Scenario


def is_failure_demand(people: People, rows: np.ndarray, week: int, window: int) -> np.ndarray:
    """Contacts within ``window`` weeks of a failure to help: a turn-away or an unresolved closure."""
    recent = np.maximum(people.last_turnaway[rows], people.last_unresolved[rows])
    return week - recent <= window


def turn_away(people: People, rows: np.ndarray, week: int, scenario: Scenario) -> None:
    """Refuse support: the person goes back to the community, trusting services less."""
    people.status[rows] = COMMUNITY
    people.last_turnaway[rows] = week
    people.turnaways[rows] += 1
    people.provider[rows] = -1
    trust.turned_away(people, rows, scenario.trust)


def join_waiting_list(people: People, rows: np.ndarray, provider: int, week: int) -> None:
    people.status[rows] = WAITING
    people.provider[rows] = provider
    people.wait_start[rows] = week


def start_support(
    people: People, rows: np.ndarray, slots: np.ndarray, approaches: np.ndarray, week: int, scenario: Scenario
) -> None:
    """A worker takes the person on: a new relationship, and the provider's chosen approaches."""
    people.status[rows] = SUPPORTED
    people.worker[rows] = slots
    people.episode_start[rows] = week
    people.relationship[rows] = scenario.relationships.start
    people.understanding[rows] = scenario.relationships.understanding_start
    people.recording_bias[rows] = 0.0
    people.approach[rows] = approaches
    people.start_wellbeing[rows] = people.wellbeing(rows)
    people.episodes[rows] += 1


def hand_off(people: People, rows: np.ndarray, scenario: Scenario) -> None:
    """The person's worker changes: relationship and understanding mostly lost, trust dented."""
    people.handoffs[rows] += 1
    people.relationship[rows] *= scenario.relationships.kept_at_handoff
    people.understanding[rows] *= scenario.relationships.understanding_kept
    trust.handed_off(people, rows, scenario.trust)


def remaining_need(people: People, rows: np.ndarray, scenario: Scenario) -> np.ndarray:
    """What is left to do, as a worker judges it: unmet goals and high needs; 0 when the person is well."""
    params = scenario.closure
    needs = people.needs[rows]
    goals = people.goals[rows]
    unmet_goals = (np.maximum(0.0, needs - params.goal_met) * goals).sum(axis=1) / goals.sum(axis=1)
    return unmet_goals + np.maximum(0.0, needs.max(axis=1) - params.high_need)


def reclassify(people: People, rows: np.ndarray) -> None:
    """Record the case under its second presenting need, which is arguable as the primary one."""
    people.recorded_domain[rows] = people.second_domain[rows]


def end_support(
    people: People, rows: np.ndarray, resolved: np.ndarray, week: int, scenario: Scenario
) -> None:
    """Close cases: back to the community; an unresolved closure is remembered (failure demand)."""
    people.status[rows] = COMMUNITY
    people.worker[rows] = -1
    people.provider[rows] = -1
    people.last_unresolved[rows[~resolved]] = week
    trust.case_closed(people, rows, resolved, scenario.trust)
