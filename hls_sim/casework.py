"""The case from first contact to closure: assessment, eligibility, waiting, hand-offs, closure.

Demand that comes back because a person was turned away, or because their
case was closed with needs unmet, is failure demand (Seddon 2003, 2008): it
costs a second assessment, and by then the need is more entrenched. Waiting
lists are first in, first out; people who wait too long give up and lose
trust. Hand-offs, when a worker leaves or a contract moves, break the
relationship and the worker's understanding of the person.
Sources: Seddon, "Freedom from Command and Control" (2003) and "Systems
Thinking in the Public Sector" (2008); Lowe and Plimmer (2019) on turning
people away and on relationships.
"""

from __future__ import annotations

import numpy as np

from hls_sim import gaming
from hls_sim.agents.person import (
    COMMUNITY,
    GOAL_MET,
    HIGH_NEED,
    SUPPORTED,
    WAITING,
    People,
    adjust_trust,
)

# How long after a turn-away or an unresolved closure a new contact counts as failure demand.
FAILURE_DEMAND_WEEKS = 52
# How noisy an assessment is: what the assessor sees of each need.
ASSESSMENT_NOISE = 0.08


def is_failure_demand(people: People, rows: np.ndarray, week: int) -> np.ndarray:
    """Contacts caused by an earlier failure to help: a recent turn-away or an unresolved closure."""
    recent = np.maximum(people.last_turnaway[rows], people.last_unresolved[rows])
    return week - recent <= FAILURE_DEMAND_WEEKS


def assess(people: People, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An assessment: the assessor's noisy view of each need. Sets the assessed (primary) domain."""
    observed = np.clip(
        people.needs[rows] + rng.normal(0.0, ASSESSMENT_NOISE, people.needs[rows].shape), 0.0, 1.0
    )
    ranked = np.argsort(-observed, axis=1)
    people.assessed_domain[rows] = ranked[:, 0]
    people.second_domain[rows] = ranked[:, 1]
    people.recorded_domain[rows] = people.assessed_domain[rows]
    return observed


def eligible(observed: np.ndarray, threshold: float) -> np.ndarray:
    """Eligibility: the assessed primary need must reach the threshold."""
    return observed.max(axis=1) >= threshold


def turn_away(people: People, rows: np.ndarray, week: int) -> None:
    """Refuse support: the person goes back to the community, trusting services less."""
    people.status[rows] = COMMUNITY
    people.last_turnaway[rows] = week
    people.turnaways[rows] += 1
    people.provider[rows] = -1
    adjust_trust(people, rows, -0.15)


def join_waiting_list(people: People, rows: np.ndarray, provider: int, week: int) -> None:
    people.status[rows] = WAITING
    people.provider[rows] = provider
    people.wait_start[rows] = week


def start_support(
    people: People, rows: np.ndarray, slots: np.ndarray, approaches: np.ndarray, week: int
) -> None:
    """A worker takes the person on: a new relationship, and the provider's chosen approaches."""
    people.status[rows] = SUPPORTED
    people.worker[rows] = slots
    people.episode_start[rows] = week
    people.relationship[rows] = 0.1
    people.understanding[rows] = 0.1
    people.recording_bias[rows] = 0.0
    people.approach[rows] = approaches
    people.start_wellbeing[rows] = people.wellbeing(rows)
    people.episodes[rows] += 1


def hand_off(people: People, rows: np.ndarray) -> None:
    """The person's worker changes: relationship and understanding mostly lost, trust dented."""
    people.handoffs[rows] += 1
    people.relationship[rows] *= 0.3
    people.understanding[rows] *= 0.5
    adjust_trust(people, rows, -0.05)


def remaining_need(people: People, rows: np.ndarray) -> np.ndarray:
    """How much is left to do: unmet goals and high needs, 0 when the person is doing well."""
    needs = people.needs[rows]
    goals = people.goals[rows]
    unmet_goals = (np.maximum(0.0, needs - GOAL_MET) * goals).sum(axis=1) / goals.sum(axis=1)
    return unmet_goals + np.maximum(0.0, needs.max(axis=1) - HIGH_NEED)


def closure_decisions(
    people: People,
    rows: np.ndarray,
    *,
    week: int,
    measured: np.ndarray,
    threshold: float,
    stakes: np.ndarray,
    motivation: np.ndarray,
    discretion: float,
    package_weeks: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Which supported cases close this week, and which of those close resolved.

    A case closes when the person is doing well (resolved), when the worker
    stops once the indicator is met (threshold effect), when the package runs
    out and the worker has no discretion to extend it, or when a person with
    no relationship to speak of drops out.
    """
    length = week - people.episode_start[rows]
    left = remaining_need(people, rows)
    resolved = left <= 0.0
    at_threshold = (measured < threshold) & gaming.stops_at_threshold(stakes, motivation, left)
    extends = (rng.random(len(rows)) < discretion) & (length < 3 * package_weeks)
    package_over = (length >= package_weeks) & ~extends
    drops_out = (people.relationship[rows] < 0.2) & (length > 8) & (rng.random(len(rows)) < 0.03)
    return resolved | at_threshold | package_over | drops_out, resolved


def reclassify(people: People, rows: np.ndarray) -> None:
    """Record the case under its second presenting need, which is arguable as the primary one."""
    people.recorded_domain[rows] = people.second_domain[rows]


def end_support(people: People, rows: np.ndarray, resolved: np.ndarray, week: int) -> None:
    """Close cases: back to the community; an unresolved closure is remembered (failure demand)."""
    people.status[rows] = COMMUNITY
    people.worker[rows] = -1
    people.provider[rows] = -1
    people.last_unresolved[rows[~resolved]] = week
    adjust_trust(people, rows, np.where(resolved, 0.05, -0.03))
