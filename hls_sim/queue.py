"""Waiting lists: first in, first out, filled as places free up; people who wait too long give up.

Each provider keeps one list. Each week it fills every free place of its
workers (``workforce.max_caseload`` less the caseload), least-loaded workers
first, from the front of the list, and fixes the approach it believes best for
each of the person's domains (trying something else in a share of cases). People who have
waited longer than ``eligibility.max_wait_weeks`` give up and go back to the
community trusting services less; their return counts as failure demand.
Little's law holds for the lists (Little 1961; docs/ODD.md, 7.3).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from hls_sim import casework, trust
from hls_sim.agents.person import COMMUNITY, WAITING

if TYPE_CHECKING:
    from hls_sim.model import SupportSystemModel


def give_up_waiting(model: SupportSystemModel) -> None:
    """People who have waited too long leave the list, trusting services less."""
    people = model.people
    waiting = people.in_status(WAITING)
    gave_up = waiting[model.week - people.wait_start[waiting] > model.params.eligibility.max_wait_weeks]
    if len(gave_up) == 0:
        return
    model.observe.gave_up(gave_up)
    gone = set(gave_up.tolist())
    for provider in model.providers.active_indices():
        drop(model, int(provider), gone)
    people.status[gave_up] = COMMUNITY
    people.provider[gave_up] = -1
    people.last_turnaway[gave_up] = model.week
    trust.gave_up(people, gave_up, model.params.trust)


def drop(model: SupportSystemModel, provider: int, rows: set[int]) -> None:
    """Take ``rows`` off ``provider``'s list."""
    lists = model.providers.waiting
    lists[provider] = deque(row for row in lists[provider] if row not in rows)


def allocate(model: SupportSystemModel, provider: int) -> None:
    """Give ``provider``'s free places to people in the order they joined its list."""
    waiting = model.providers.waiting[provider]
    staff = model.workforce.staff(provider)
    if not waiting or len(staff) == 0:
        return
    caseload = model.workforce.caseload
    slots = staff[np.argsort(caseload[staff], kind="stable")]
    free = model.params.workforce.max_caseload - caseload[slots]
    places = np.repeat(slots, np.maximum(free, 0))[: len(waiting)]
    if len(places) == 0:
        return
    rows = np.array([waiting.popleft() for _ in range(len(places))])
    np.add.at(caseload, places, 1)
    approaches = choose_approaches(model, provider, len(rows))
    model.observe.waits_ended(rows)
    casework.start_support(model.people, rows, places, approaches, model.week, model.params)
    model.observe.allocated(rows, provider)


def choose_approaches(model: SupportSystemModel, provider: int, count: int) -> np.ndarray:
    """The approach believed best for each domain; a share of cases try something else."""
    rng, params = model.rng, model.params
    believed_best = model.providers.beliefs[provider].argmax(axis=1)
    best = np.broadcast_to(believed_best, (count, model.domains)).copy()
    explore = rng.random(best.shape) < params.learning.exploration
    best[explore] = rng.integers(0, params.context.approaches, explore.sum())
    return best
