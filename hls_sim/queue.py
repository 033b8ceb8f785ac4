"""Waiting lists: first in, first out, in continuous time within each week.

Each provider keeps one list. Within a week people join the list at the moment
they made contact, and places free up at the moments cases close; a place
freed mid-week is taken mid-week by whoever is at the front of the list. The
places free at the start of the week go to the least-loaded workers first.
Someone who has waited ``eligibility.max_wait_weeks`` without a place gives up
at that moment and goes back to the community trusting services less (their
return counts as failure demand). In the docking configuration
(``queue.mean_service_weeks``) a case may start and end within one week, and
its place is taken again the same week.

The rule is exact for first-come-first-served service with identical places:
in line order, each person starts at the later of their arrival and the
earliest place nobody ahead of them has taken (Kleinrock 1975). It is the same
code in every run, so the full model's queue can be checked against Erlang-C
(``scenarios/queue-docking.toml``); Little's law holds on it (Little 1961;
docs/ODD.md, 7.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hls_sim import casework

if TYPE_CHECKING:
    from hls_sim.model import SupportSystemModel


@dataclass
class Places:
    """Places that come free during the week: when (a fraction of the week) and in whose caseload."""

    times: np.ndarray
    slots: np.ndarray

    @classmethod
    def none(cls) -> Places:
        return cls(np.zeros(0), np.zeros(0, dtype=np.int64))

    def join(self, other: Places) -> Places:
        return Places(np.concatenate([self.times, other.times]), np.concatenate([self.slots, other.slots]))

    def where(self, keep: np.ndarray) -> Places:
        return Places(self.times[keep], self.slots[keep])


@dataclass
class Filled:
    """What first come, first served gave the people in line this week (indices are line positions)."""

    started: np.ndarray
    start_times: np.ndarray
    slots: np.ndarray
    gave_up: np.ndarray
    give_up_times: np.ndarray
    ended: np.ndarray
    end_times: np.ndarray
    queue_time: float


def free_at_start(model: SupportSystemModel, provider: int) -> Places:
    """The places free as the week begins, least-loaded workers first."""
    workforce = model.workforce
    staff = workforce.staff(provider)
    if len(staff) == 0:
        return Places.none()
    staff = staff[np.argsort(workforce.caseload[staff], kind="stable")]
    if model.params.queue.places:
        free = max(0, model.places(provider) - model.occupied(provider))
        slots = np.resize(staff, free)
    else:
        free = np.maximum(model.params.workforce.max_caseload - workforce.caseload[staff], 0)
        slots = np.repeat(staff, free)
    return Places(np.zeros(len(slots)), slots)


def fill(
    arrivals: np.ndarray, deadlines: np.ndarray, places: Places, service: np.ndarray | None = None
) -> Filled:
    """First come, first served within one week.

    ``arrivals`` and ``deadlines`` (when each would give up) are fractions of the
    week for the people in line, in line order (an arrival in an earlier week
    counts as 0). Where ``service`` gives each person's service time, a service
    that ends within the week frees its place again for whoever is next.
    """
    line = np.arange(len(arrivals))
    quits: list[int] = []
    again = Places.none()
    again_people = np.zeros(0, dtype=np.int64)
    while True:
        free = places.join(again)
        order = np.argsort(free.times, kind="stable")
        k = min(len(line), len(order))
        starts = np.maximum(arrivals[line[:k]], free.times[order[:k]])
        reached = np.concatenate([starts, np.ones(len(line) - k)])
        early = np.flatnonzero(deadlines[line] < reached)
        if len(early):
            quits.append(int(line[early[0]]))
            line = np.delete(line, early[0])
            continue
        slots = free.slots[order[:k]]
        ends = np.full(k, np.inf) if service is None else starts + service[line[:k]]
        within = np.flatnonzero(ends < 1.0)
        if not np.array_equal(line[within], again_people) or not np.array_equal(ends[within], again.times):
            again_people, again = line[within], Places(ends[within], slots[within])
            continue
        gave_up = np.array(sorted(quits), dtype=np.int64)
        in_line_until = np.ones(len(arrivals))
        in_line_until[line[:k]] = starts
        in_line_until[gave_up] = np.minimum(deadlines[gave_up], 1.0)
        return Filled(
            started=line[:k],
            start_times=starts,
            slots=slots,
            gave_up=gave_up,
            give_up_times=in_line_until[gave_up],
            ended=line[within],
            end_times=ends[within],
            queue_time=float((in_line_until - arrivals).sum()),
        )


def run_week(model: SupportSystemModel, provider: int, places: Places) -> Filled:
    """Fill ``places`` over the week from ``provider``'s list; the week's starters and quitters leave it."""
    table, people = model.providers, model.people
    line = np.asarray(table.waiting[provider], dtype=np.int64)
    week = model.week
    arrivals = np.maximum(people.queued_at[line] - week, 0.0)
    deadlines = people.queued_at[line] + model.params.eligibility.max_wait_weeks - week
    service = people.service_time[line] if model.params.queue.mean_service_weeks else None
    filled = fill(arrivals, deadlines, places, service)
    leaving = np.zeros(len(line), dtype=bool)
    leaving[filled.started] = True
    leaving[filled.gave_up] = True
    table.waiting[provider] = line[~leaving].tolist()
    return Filled(
        started=line[filled.started],
        start_times=filled.start_times,
        slots=filled.slots,
        gave_up=line[filled.gave_up],
        give_up_times=filled.give_up_times,
        ended=line[filled.ended],
        end_times=filled.end_times,
        queue_time=filled.queue_time,
    )


def start_cases(model: SupportSystemModel, provider: int, filled: Filled) -> None:
    """The people who reached a place start support with the provider's chosen approaches."""
    rows = filled.started
    if len(rows) == 0:
        return
    people = model.people
    np.add.at(model.workforce.caseload, filled.slots, 1)
    approaches = choose_approaches(model, provider, len(rows))
    model.observe.started(rows, model.week + filled.start_times)
    casework.start_support(people, rows, filled.slots, approaches, model.week, model.params)
    if model.params.queue.mean_service_weeks:
        people.service_end[rows] = model.week + filled.start_times + people.service_time[rows]
    model.observe.allocated(rows, provider, model.week + filled.start_times)


def give_up(model: SupportSystemModel, filled: Filled) -> None:
    """People who waited too long leave the list, trusting services less."""
    if len(filled.gave_up) == 0:
        return
    model.observe.gave_up(filled.gave_up, model.week + filled.give_up_times)
    casework.give_up(model.people, filled.gave_up, model.week, model.params)


def drop(model: SupportSystemModel, provider: int, rows: set[int]) -> None:
    """Take ``rows`` off ``provider``'s list."""
    lists = model.providers.waiting
    lists[provider] = [row for row in lists[provider] if row not in rows]


def choose_approaches(model: SupportSystemModel, provider: int, count: int) -> np.ndarray:
    """The approach believed best for each domain; a share of cases try something else."""
    rng, params = model.rng, model.params
    believed_best = model.providers.beliefs[provider].argmax(axis=1)
    best = np.broadcast_to(believed_best, (count, model.domains)).copy()
    explore = rng.random(best.shape) < params.learning.exploration
    best[explore] = rng.integers(0, params.context.approaches, explore.sum())
    return best
