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

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hls_sim import casework
from hls_sim.compiled import draw_below, generator_at, kernel, maximum, minimum, pairwise_sum

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

    ``fill`` gives positions in the line.
    """

    started: np.ndarray
    start_times: np.ndarray
    slots: np.ndarray
    gave_up: np.ndarray
    give_up_times: np.ndarray
    ended: np.ndarray
    end_times: np.ndarray
    queue_time: float


@dataclass
class Week:
    """What the week gave the people on the lists, line by line (one line a provider), as rows.

    ``started``, ``start_times``, ``slots`` and ``provider`` are for the people who
    reached a place, line after line, each line in order; ``gave_up`` and
    ``give_up_times`` for those who gave up. ``queue_times`` and ``place_times`` are
    each line's person-weeks of waiting and the place-weeks its starters used.
    ``ended`` and ``end_times`` hold, line by line, the cases that also ended within
    the week (only where cases have service times, the docking configuration).
    """

    started: np.ndarray
    start_times: np.ndarray
    slots: np.ndarray
    provider: np.ndarray
    gave_up: np.ndarray
    give_up_times: np.ndarray
    queue_times: list[float]
    place_times: list[float]
    ended: list[np.ndarray]
    end_times: list[np.ndarray]


def free_at_start(model: SupportSystemModel, providers: list[int]) -> Places:
    """The places free as the week begins at ``providers``, each provider's least-loaded workers first."""
    workforce = model.workforce
    if model.params.queue.places:
        return _fixed_places_free(model, providers)
    listed = np.zeros(model.providers.count, dtype=bool)
    listed[providers] = True
    staff = workforce.by_provider()
    slots = np.empty(len(staff) * model.params.workforce.max_caseload, dtype=np.int64)
    free = _free_slots(
        staff, workforce.provider, workforce.caseload, listed, model.params.workforce.max_caseload, slots
    )
    return Places(np.zeros(free), slots[:free])


@kernel
def _free_slots(
    staff: np.ndarray,
    provider: np.ndarray,
    caseload: np.ndarray,
    listed: np.ndarray,
    max_caseload: int,
    slots: np.ndarray,
) -> int:
    """Into ``slots``, each free place's worker: listed providers' staff (``staff`` is grouped by
    provider, each provider's in joining order), each provider's sorted by caseload (ties in
    joining order), each as often as they have room. Returns how many places.
    """
    order = np.empty(len(staff), dtype=np.int64)
    free = 0
    start = 0
    while start < len(staff):
        owner = provider[staff[start]]
        end = start + 1
        while end < len(staff) and provider[staff[end]] == owner:
            end += 1
        if listed[owner]:
            for k in range(start, end):  # a stable insertion sort by caseload
                at = k
                while at > start and caseload[order[at - 1]] > caseload[staff[k]]:
                    order[at] = order[at - 1]
                    at -= 1
                order[at] = staff[k]
            for k in range(start, end):
                for _ in range(max(max_caseload - caseload[order[k]], 0)):
                    slots[free] = order[k]
                    free += 1
        start = end
    return free


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


# What the week gave each person on a list (``fill_lines``).
WAITS, STARTS, GIVES_UP = 0, 1, 2


@dataclass
class Lines:
    """What first come, first served gave the people of several lines (``fill_lines``).

    Person by person: ``outcome`` (``WAITS``, ``STARTS`` or ``GIVES_UP``), ``times``
    (when they started or gave up, as a fraction of the week; 1 for those still
    waiting) and ``slots`` (the slot of the place taken; -1 for none). Line by line:
    how many ``started`` and ``gave_up``, the person-weeks spent waiting
    (``queue_times``) and the place-weeks the starters used (``place_times``).
    """

    outcome: np.ndarray
    times: np.ndarray
    slots: np.ndarray
    started: np.ndarray
    gave_up: np.ndarray
    queue_times: np.ndarray
    place_times: np.ndarray

    @classmethod
    def empty(cls, people: int, lines: int) -> Lines:
        """Everyone still waiting, nothing yet counted, for ``people`` in ``lines`` lines."""
        return cls(
            outcome=np.zeros(people, dtype=np.int64),
            times=np.ones(people),
            slots=np.full(people, -1, dtype=np.int64),
            started=np.zeros(lines, dtype=np.int64),
            gave_up=np.zeros(lines, dtype=np.int64),
            queue_times=np.zeros(lines),
            place_times=np.zeros(lines),
        )


def fill_lines(
    arrivals: np.ndarray, deadlines: np.ndarray, sizes: np.ndarray, places: Places, place_owner: np.ndarray
) -> Lines:
    """``fill`` for several lines at once, without service times: the same answer for each line.

    The people of the lines come line by line, each line in order, ``sizes[i]`` of them
    in line ``i``; place ``j`` is for line ``place_owner[j]`` (-1: for none).
    """
    filled = Lines.empty(len(arrivals), len(sizes))
    _fill_lines(
        arrivals,
        deadlines,
        sizes,
        places.times,
        places.slots,
        place_owner,
        filled.outcome,
        filled.times,
        filled.slots,
        filled.started,
        filled.gave_up,
        filled.queue_times,
        filled.place_times,
    )
    return filled


@kernel
def _fill_lines(
    arrivals: np.ndarray,
    deadlines: np.ndarray,
    sizes: np.ndarray,
    place_times: np.ndarray,
    place_slots: np.ndarray,
    place_owner: np.ndarray,
    outcome: np.ndarray,
    times: np.ndarray,
    slots: np.ndarray,
    started: np.ndarray,
    gave_up: np.ndarray,
    queue_times: np.ndarray,
    used: np.ndarray,
) -> None:
    """Line by line, each person in turn takes the earliest place nobody ahead has taken.

    A person whose deadline comes before that place (or, with no place left, before
    the week ends) gives up at their deadline instead and leaves the place to the next.
    This is ``fill``'s answer: there each person after a quitter moves up one place,
    which is the place they reach here. Of places free at the same moment, the one
    listed first goes first.
    """
    lines = len(sizes)
    first_place = np.zeros(lines + 1, dtype=np.int64)
    for owner in place_owner:
        if owner >= 0:
            first_place[owner + 1] += 1
    for line in range(lines):
        first_place[line + 1] += first_place[line]
    # Each line's places, earliest first (a stable insertion sort: few places, mostly in order).
    order = np.empty(first_place[lines], dtype=np.int64)
    placed = first_place[:lines].copy()
    for j in range(len(place_owner)):
        owner = place_owner[j]
        if owner < 0:
            continue
        at = placed[owner]
        while at > first_place[owner] and place_times[order[at - 1]] > place_times[j]:
            order[at] = order[at - 1]
            at -= 1
        order[at] = j
        placed[owner] += 1
    start = 0
    for line in range(lines):
        end = start + sizes[line]
        place, last_place = first_place[line], first_place[line + 1]
        waited = np.empty(sizes[line])
        unused = np.empty(min(sizes[line], last_place - place))
        for person in range(start, end):
            reached = 1.0
            if place < last_place:
                reached = maximum(arrivals[person], place_times[order[place]])
            if deadlines[person] < reached:
                outcome[person] = GIVES_UP
                times[person] = minimum(deadlines[person], 1.0)
                gave_up[line] += 1
            elif place < last_place:
                outcome[person] = STARTS
                times[person] = reached
                slots[person] = place_slots[order[place]]
                unused[started[line]] = 1.0 - reached
                started[line] += 1
                place += 1
            waited[person - start] = times[person] - arrivals[person]
        queue_times[line] = pairwise_sum(waited)
        used[line] = pairwise_sum(unused[: started[line]])
        start = end


def run_week(model: SupportSystemModel, providers: list[int], places: Places) -> Week:
    """Fill ``places`` over the week from the lists of ``providers``; starters and quitters leave them.

    A place goes to the list of the provider whose worker it is with.
    """
    table, people = model.providers, model.people
    lines = [table.waiting[provider] for provider in providers]
    sizes = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    line = np.fromiter(itertools.chain.from_iterable(lines), dtype=np.int64, count=int(sizes.sum()))
    week, max_wait = model.week, model.params.eligibility.max_wait_weeks
    if model.params.queue.mean_service_weeks:
        position = np.full(table.count, -1)
        position[providers] = np.arange(len(providers))
        place_owner = position[model.workforce.provider[places.slots]]
        arrivals = np.maximum(people.queued_at[line] - week, 0.0)
        deadlines = people.queued_at[line] + max_wait - week
        return _run_with_service_times(
            model, providers, line, sizes, arrivals, deadlines, places, place_owner
        )
    (
        outcome,
        started,
        gave_up,
        queue_times,
        place_times,
        started_rows,
        start_times,
        start_slots,
        start_provider,
        gave_up_rows,
        give_up_times,
    ) = _run_lines(
        line,
        sizes,
        np.asarray(providers, dtype=np.int64),
        people.queued_at,
        week,
        max_wait,
        model.workforce.provider,
        places.times,
        places.slots,
        table.count,
    )
    first = 0
    for provider, size, starters, quitters in zip(
        providers, sizes.tolist(), started.tolist(), gave_up.tolist(), strict=True
    ):
        if quitters:
            waits = outcome[first : first + size] == WAITS
            table.waiting[provider] = line[first : first + size][waits].tolist()
        else:  # nobody gave up: the first in line started
            table.waiting[provider] = table.waiting[provider][starters:]
        first += size
    return Week(
        started=started_rows,
        start_times=start_times,
        slots=start_slots,
        provider=start_provider,
        gave_up=gave_up_rows,
        give_up_times=give_up_times,
        queue_times=queue_times.tolist(),
        place_times=place_times.tolist(),
        ended=[],
        end_times=[],
    )


@kernel
def _run_lines(
    line: np.ndarray,
    sizes: np.ndarray,
    providers: np.ndarray,
    queued_at: np.ndarray,
    week: int,
    max_wait: int,
    slot_provider: np.ndarray,
    place_times: np.ndarray,
    place_slots: np.ndarray,
    provider_count: int,
) -> tuple[np.ndarray, ...]:
    """``run_week``'s lines filled (``_fill_lines``) from the people's rows.

    Each person arrives at the start of the week or, if they joined during it, when
    they joined, and gives up ``max_wait`` weeks after joining. Returns each
    person's outcome; each line's starters, quitters, waiting time and place-weeks
    used (``Lines``); then the starters' rows, start times, slots and providers and
    the quitters' rows and times (``Week``).
    """
    people, lines = len(line), len(sizes)
    arrivals, deadlines = np.empty(people), np.empty(people)
    for i in range(people):
        arrivals[i] = maximum(queued_at[line[i]] - week, 0.0)
        deadlines[i] = queued_at[line[i]] + max_wait - week
    position = np.full(provider_count, -1)
    for index in range(lines):
        position[providers[index]] = index
    place_owner = np.empty(len(place_slots), dtype=np.int64)
    for j in range(len(place_slots)):
        place_owner[j] = position[slot_provider[place_slots[j]]]
    outcome, times = np.zeros(people, dtype=np.int64), np.ones(people)
    slots = np.full(people, -1, dtype=np.int64)
    started, gave_up = np.zeros(lines, dtype=np.int64), np.zeros(lines, dtype=np.int64)
    queue_times, used = np.zeros(lines), np.zeros(lines)
    _fill_lines(
        arrivals,
        deadlines,
        sizes,
        place_times,
        place_slots,
        place_owner,
        outcome,
        times,
        slots,
        started,
        gave_up,
        queue_times,
        used,
    )
    starts, quits = started.sum(), gave_up.sum()
    started_rows, start_times = np.empty(starts, dtype=np.int64), np.empty(starts)
    start_slots, start_provider = np.empty(starts, dtype=np.int64), np.empty(starts, dtype=np.int64)
    gave_up_rows, give_up_times = np.empty(quits, dtype=np.int64), np.empty(quits)
    starters = quitters = person = 0
    for index in range(lines):
        for _ in range(sizes[index]):
            if outcome[person] == STARTS:
                started_rows[starters] = line[person]
                start_times[starters] = times[person]
                start_slots[starters] = slots[person]
                start_provider[starters] = providers[index]
                starters += 1
            elif outcome[person] == GIVES_UP:
                gave_up_rows[quitters] = line[person]
                give_up_times[quitters] = times[person]
                quitters += 1
            person += 1
    return (
        outcome,
        started,
        gave_up,
        queue_times,
        used,
        started_rows,
        start_times,
        start_slots,
        start_provider,
        gave_up_rows,
        give_up_times,
    )


def _run_with_service_times(
    model: SupportSystemModel,
    providers: list[int],
    line: np.ndarray,
    sizes: np.ndarray,
    arrivals: np.ndarray,
    deadlines: np.ndarray,
    places: Places,
    place_owner: np.ndarray,
) -> Week:
    """``run_week`` where each case has a service time (the docking configuration): ``fill`` line by line."""
    table = model.providers
    owner = np.repeat(np.arange(len(providers)), sizes)
    service = model.people.service_time[line]
    fills = []
    for index, provider in enumerate(providers):
        mine = owner == index
        filled = fill(arrivals[mine], deadlines[mine], places.where(place_owner == index), service[mine])
        rows = line[mine]
        leaving = np.zeros(len(rows), dtype=bool)
        leaving[filled.started] = True
        leaving[filled.gave_up] = True
        table.waiting[provider] = rows[~leaving].tolist()
        fills.append((rows, filled))
    return Week(
        started=_joined([rows[filled.started] for rows, filled in fills], NOBODY),
        start_times=_joined([filled.start_times for _, filled in fills], NO_TIMES),
        slots=_joined([filled.slots for _, filled in fills], NOBODY),
        provider=np.repeat(np.asarray(providers, dtype=np.int64), [len(f.started) for _, f in fills]),
        gave_up=_joined([rows[filled.gave_up] for rows, filled in fills], NOBODY),
        give_up_times=_joined([filled.give_up_times for _, filled in fills], NO_TIMES),
        queue_times=[filled.queue_time for _, filled in fills],
        place_times=[float((1.0 - filled.start_times).sum()) for _, filled in fills],
        ended=[rows[filled.ended] for rows, filled in fills],
        end_times=[filled.end_times for _, filled in fills],
    )


NOBODY = np.zeros(0, dtype=np.int64)
NO_TIMES = np.zeros(0)


def _joined(arrays: list[np.ndarray], empty: np.ndarray) -> np.ndarray:
    return np.concatenate(arrays) if arrays else empty


def start_cases(model: SupportSystemModel, week: Week) -> None:
    """The people who reached a place start support with their provider's chosen approaches."""
    rows = week.started
    if len(rows) == 0:
        return
    people = model.people
    times = model.week + week.start_times
    approaches = choose_approaches(model, week.provider)
    model.observe.started(rows, times)
    casework.start_support(
        people, rows, week.slots, approaches, model.week, model.params, model.workforce.caseload
    )
    if model.params.queue.mean_service_weeks:
        people.service_end[rows] = times + people.service_time[rows]
    model.observe.allocated(rows, week.provider, times)


def give_up(model: SupportSystemModel, week: Week) -> None:
    """People who waited too long leave the lists, trusting services less."""
    rows = week.gave_up
    if len(rows) == 0:
        return
    times = model.week + week.give_up_times
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
    params = model.params
    return _choose_approaches(
        model.stream,
        model.providers.beliefs,
        provider,
        params.learning.exploration,
        params.context.approaches,
    )


@kernel
def _choose_approaches(
    stream: np.ndarray, beliefs: np.ndarray, provider: np.ndarray, exploration: float, approaches: int
) -> np.ndarray:
    """Each case's approach in each domain: its provider's best belief (the first, of equals).

    Provider by provider (each its own draws, as when each provider starts its cases
    in turn): for each case and domain whether it explores, then an approach at
    random for each that does.
    """
    rng = generator_at(stream)
    cases, domains = len(provider), beliefs.shape[1]
    best = np.empty((cases, domains), dtype=np.int64)
    for case in range(cases):
        for domain in range(domains):
            believed = beliefs[provider[case], domain]
            chosen = 0
            for approach in range(1, len(believed)):
                if believed[approach] > believed[chosen]:
                    chosen = approach
            best[case, domain] = chosen
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
                    best[case, domain] = draw_below(rng, approaches)
        start = end
    return best
