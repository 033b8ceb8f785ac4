"""Trust in services: how each experience of them moves a person's trust.

Refusals, waits that end in giving up, hand-offs and cases closed with needs
unmet dent trust; a good relationship with a worker and a case closed with
needs met rebuild it. Low trust delays asking for help (``hls_sim.life``).
Sources: Lowe and Plimmer (2019), "What does this way of working achieve?"
and "Responding with empathy"; Cottam (2018) on relationships.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hls_sim.agents.person import People
from hls_sim.compiled import clip, inline, kernel

if TYPE_CHECKING:
    from hls_sim.parameters.sections import Trust


def adjust(people: People, rows: np.ndarray, change: float | np.ndarray) -> None:
    """Move trust, keeping it within 0 and 1 (``change`` is one for all or one per row)."""
    if isinstance(change, np.ndarray):
        _adjust(people.trust, rows, change)
    else:
        _adjust_all(people.trust, rows, change)


@inline
def moved_trust(trust: float, change: float) -> float:
    """One person's trust after ``change``, kept within 0 and 1."""
    return clip(trust + change, 0.0, 1.0)


@kernel
def _adjust(trust: np.ndarray, rows: np.ndarray, change: np.ndarray) -> None:
    """``adjust`` row by row: all rows moved from their trust as it was, then written (as numpy does)."""
    moved = np.empty(len(rows))
    for i in range(len(rows)):
        moved[i] = moved_trust(trust[rows[i]], change[i])
    for i in range(len(rows)):
        trust[rows[i]] = moved[i]


@kernel
def _adjust_all(trust: np.ndarray, rows: np.ndarray, change: float) -> None:
    """``adjust`` by the same ``change`` for every row."""
    moved = np.empty(len(rows))
    for i in range(len(rows)):
        moved[i] = moved_trust(trust[rows[i]], change)
    for i in range(len(rows)):
        trust[rows[i]] = moved[i]


def turned_away(people: People, rows: np.ndarray, params: Trust) -> None:
    adjust(people, rows, -params.turned_away)


def gave_up(people: People, rows: np.ndarray, params: Trust) -> None:
    adjust(people, rows, -params.gave_up)


def handed_off(people: People, rows: np.ndarray, params: Trust) -> None:
    adjust(people, rows, -params.handed_off)


def case_closed(people: People, rows: np.ndarray, resolved: np.ndarray, params: Trust) -> None:
    adjust(people, rows, np.where(resolved, params.resolved, -params.unresolved))


def supported(people: People, rows: np.ndarray, hours: np.ndarray, params: Trust) -> None:
    """A week of support rebuilds trust in proportion to the relationship."""
    _rebuild(people.trust, people.relationship, rows, hours, params.relationship)


@kernel
def _rebuild(
    trust: np.ndarray, relationship: np.ndarray, rows: np.ndarray, hours: np.ndarray, rate: float
) -> None:
    """``supported`` row by row: the change is ``rate`` times the relationship if it got hours, else 0."""
    moved = np.empty(len(rows))
    for i in range(len(rows)):
        change = rate * relationship[rows[i]] * np.float64(hours[i] > 0)
        moved[i] = moved_trust(trust[rows[i]], change)
    for i in range(len(rows)):
        trust[rows[i]] = moved[i]
