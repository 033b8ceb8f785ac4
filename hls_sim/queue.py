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
from hls_sim.compiled import generator_at, kernel

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
    """What first come, first served gave the people in one line this week.

    ``fill`` gives positions in the line; ``run_week`` gives people's rows and the ``provider``.
    """

    started: np.ndarray
    start_times: np.ndarray
    slots: np.ndarray
    gave_up: np.ndarray
    give_up_times: np.ndarray
    ended: np.ndarray
    end_times: np.ndarray
    queue_time: float
    provider: int = -1


def free_at_start(model: SupportSystemModel, providers: list[int]) -> Places:
    """The places free as the week begins at ``providers``, each provider's least-loaded workers first."""
    workforce = model.workforce
    if model.params.queue.places:
        return _fixed_places_free(model, providers)
    staff = workforce.by_provider()
    listed = np.zeros(model.providers.count, dtype=bool)
    listed[providers] = True
    staff = staff[listed[workforce.provider[staff]]]
    # Grouped by provider, each provider's staff in joining order: sort each group by caseload.
    staff = staff[np.lexsort((workforce.caseload[staff], workforce.provider[staff]))]
    free = np.maximum(model.params.workforce.max_caseload - workforce.caseload[staff], 0)
    slots = np.repeat(staff, free)
    return Places(np.zeros(len(slots)), slots)


def _fixed_places_free(model: SupportSystemModel, providers: list[int]) -> Places:
    """Fixed places (the docking configuration): those not taken, over the staff, least-loaded first."""
    workforce = model.workforce
    slots = []
    for provider in providers:
        staff = workforce.staff(provider)
        staff = staff[np.argsort(workforce.caseload[staff], kind="stable")]
        free = max(0, int(model.places(provider)) - int(model.occupied(provider)))
        slots.append(np.resize(staff, free) if len(staff) else staff)
    slots = np.concatenate(slots) if slots else np.zeros(0, dtype=np.int64)
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
        early = (deadlines[line] < reached).nonzero()[0]
        if len(early):
            quits.append(int(line[early[0]]))
            line = np.delete(line, early[0])
            continue
        slots = free.slots[order[:k]]
        ends = np.full(k, np.inf) if service is None else starts + service[line[:k]]
        within = (ends < 1.0).nonzero()[0]
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


def fill_lists(
    arrivals: np.ndarray, deadlines: np.ndarray, sizes: np.ndarray, places: Places, place_owner: np.ndarray
) -> list[Filled]:
    """``fill`` for several lines at once, without service times: the same answer for each line.

    The people of the lines come line by line, each line in order, ``sizes[i]`` of them
    in line ``i``; place ``j`` is for line ``place_owner[j]`` (-1: for none). Where nobody
    would give up, the ``k``-th person in a line takes its ``k``-th earliest place,
    which is what ``fill`` finds in one pass; a line where someone would give up is
    left to ``fill`` itself, which takes quitters out one at a time.
    """
    lines = len(sizes)
    owner = np.repeat(np.arange(lines), sizes)
    first = np.cumsum(sizes) - sizes
    rank = np.arange(len(owner)) - first[owner]
    taken = place_owner >= 0
    own_places = Places(places.times[taken], places.slots[taken])
    place_owner = place_owner[taken]
    # Each line's places, earliest first (ties in the order given, as ``fill``'s stable sort).
    order = np.lexsort((own_places.times, place_owner))
    times, slots = own_places.times[order], own_places.slots[order]
    counts = np.bincount(place_owner, minlength=lines)
    place_first = np.cumsum(counts) - counts
    placed = rank < counts[owner]
    where = place_first[owner[placed]] + rank[placed]
    reached = np.ones(len(owner))
    reached[placed] = np.maximum(arrivals[placed], times[where])
    quitting = np.bincount(owner[deadlines < reached], minlength=lines)
    waited = reached - arrivals
    filled = []
    bounds = zip(first.tolist(), sizes.tolist(), place_first.tolist(), counts.tolist(), strict=True)
    for index, (start, size, place, count) in enumerate(bounds):
        end = start + size
        if quitting[index]:
            mine = own_places.where(place_owner == index)
            filled.append(fill(arrivals[start:end], deadlines[start:end], mine))
            continue
        k = min(size, count)
        filled.append(
            Filled(
                started=np.arange(k),
                start_times=reached[start : start + k],
                slots=slots[place : place + k],
                gave_up=NOBODY,
                give_up_times=NO_TIMES,
                ended=NOBODY,
                end_times=NO_TIMES,
                queue_time=float(np.add.reduce(waited[start:end])),
            )
        )
    return filled


NOBODY = np.zeros(0, dtype=np.int64)
NO_TIMES = np.zeros(0)


def run_week(model: SupportSystemModel, providers: list[int], places: Places) -> list[Filled]:
    """Fill ``places`` over the week from the lists of ``providers``; starters and quitters leave them.

    A place goes to the list of the provider whose worker it is with.
    """
    table, people = model.providers, model.people
    lines = [np.asarray(table.waiting[provider], dtype=np.int64) for provider in providers]
    line = np.concatenate(lines) if lines else NOBODY
    sizes = np.array([len(one) for one in lines], dtype=np.int64)
    position = np.full(table.count, -1)
    position[providers] = np.arange(len(providers))
    place_owner = position[model.workforce.provider[places.slots]]
    week = model.week
    arrivals = np.maximum(people.queued_at[line] - week, 0.0)
    deadlines = people.queued_at[line] + model.params.eligibility.max_wait_weeks - week
    if model.params.queue.mean_service_weeks:
        owner = np.repeat(np.arange(len(lines)), sizes)
        service = people.service_time[line]
        fills = [
            fill(
                arrivals[owner == i],
                deadlines[owner == i],
                places.where(place_owner == i),
                service[owner == i],
            )
            for i in range(len(lines))
        ]
    else:
        fills = fill_lists(arrivals, deadlines, sizes, places, place_owner)
    result = []
    for provider, line, filled in zip(providers, lines, fills, strict=True):
        if len(filled.gave_up):
            leaving = np.zeros(len(line), dtype=bool)
            leaving[filled.started] = True
            leaving[filled.gave_up] = True
            table.waiting[provider] = line[~leaving].tolist()
        else:  # nobody gave up: the first in line started
            table.waiting[provider] = table.waiting[provider][len(filled.started) :]
        result.append(
            Filled(
                started=line[filled.started],
                start_times=filled.start_times,
                slots=filled.slots,
                gave_up=line[filled.gave_up],
                give_up_times=filled.give_up_times,
                ended=line[filled.ended],
                end_times=filled.end_times,
                queue_time=filled.queue_time,
                provider=provider,
            )
        )
    return result


def start_cases(model: SupportSystemModel, lists: list[Filled]) -> None:
    """The people who reached a place start support with their provider's chosen approaches."""
    lists = [filled for filled in lists if len(filled.started)]
    if not lists:
        return
    people, week = model.people, model.week
    rows = np.concatenate([filled.started for filled in lists])
    slots = np.concatenate([filled.slots for filled in lists])
    times = week + np.concatenate([filled.start_times for filled in lists])
    provider = np.repeat([filled.provider for filled in lists], [len(filled.started) for filled in lists])
    np.add.at(model.workforce.caseload, slots, 1)
    approaches = choose_approaches(model, provider)
    model.observe.started(rows, times)
    casework.start_support(people, rows, slots, approaches, week, model.params)
    if model.params.queue.mean_service_weeks:
        people.service_end[rows] = times + people.service_time[rows]
    model.observe.allocated(rows, provider, times)


def give_up(model: SupportSystemModel, lists: list[Filled]) -> None:
    """People who waited too long leave the lists, trusting services less."""
    lists = [filled for filled in lists if len(filled.gave_up)]
    if not lists:
        return
    rows = np.concatenate([filled.gave_up for filled in lists])
    times = model.week + np.concatenate([filled.give_up_times for filled in lists])
    model.observe.gave_up(rows, times)
    casework.give_up(model.people, rows, model.week, model.params)


def drop(model: SupportSystemModel, provider: int, rows: set[int]) -> None:
    """Take ``rows`` off ``provider``'s list."""
    lists = model.providers.waiting
    lists[provider] = [row for row in lists[provider] if row not in rows]


def choose_approaches(model: SupportSystemModel, provider: np.ndarray) -> np.ndarray:
    """The approach believed best for each domain; a share of cases try something else.

    ``provider`` is each new case's provider, grouped provider by provider.
    """
    best = model.providers.beliefs.argmax(axis=2)[provider]
    params = model.params
    _explore(model.stream, best, provider, params.learning.exploration, params.context.approaches)
    return best


@kernel
def _explore(
    stream: np.ndarray, best: np.ndarray, provider: np.ndarray, exploration: float, approaches: int
) -> None:
    """Provider by provider (each its own draws, as when each provider starts its cases in turn):
    for each case and domain whether it explores, then an approach at random for each that does.
    """
    rng = generator_at(stream)
    cases, domains = best.shape
    explore = np.zeros((cases, domains), dtype=np.bool_)
    start = 0
    while start < cases:
        end = start + 1
        while end < cases and provider[end] == provider[start]:
            end += 1
        for case in range(start, end):
            for domain in range(domains):
                explore[case, domain] = rng.random() < exploration
        for case in range(start, end):
            for domain in range(domains):
                if explore[case, domain]:
                    best[case, domain] = rng.integers(0, approaches)
        start = end
