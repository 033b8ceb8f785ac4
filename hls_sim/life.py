"""A person's own week: life events, recovery, entrenchment, crises, and asking for help.

Needs rise with life events, and a high need in one domain drags the others up,
so fixing one domain while others stay high does not last (variety: Lowe and
Plimmer 2019, "Responding to variety: bespoke by default"). People recover
some on their own, faster with more assets. Needs left high without help
become entrenched, and severe, entrenched needs bring crises that other public
services pay for (the report's point that turning people away makes problems
more entrenched and more expensive: "Cost savings"). People ask for help when
their worst need passes a threshold that is higher the less they trust
services, or when a crisis brings them in (DESIGN section 3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hls_sim import compiled
from hls_sim.agents.person import COMMUNITY, SUPPORTED, People
from hls_sim.compiled import clip, generator_at, inline, kept, kernel, maximum, pairwise_sum, row_total
from hls_sim.parameters.measurement import FAILURE_DEMAND_WEEKS
from hls_sim.rowwise import PARTIALS

if TYPE_CHECKING:
    from hls_sim.scenario import Scenario


def live_week(
    people: People,
    rows: np.ndarray,
    scenario: Scenario,
    rng: np.random.Generator,
    stream: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Life events raise needs, needs pull on each other, people recover some on their own.

    Returns who had a life event and in which domain, and each row's worst need after the week.
    ``stream`` is ``rng`` as kernels take it (``hls_sim.compiled.stream``), where the caller has it.
    """
    life = scenario.life
    # How much likelier than average each person's events are (``exp`` stays in numpy).
    likelihood = people.vulnerability.take(rows)
    likelihood *= life.vulnerability_effect
    np.exp(likelihood, out=likelihood)
    worst = np.empty(len(rows))
    hit, domains = _live(
        compiled.stream(rng) if stream is None else stream,
        people.needs,
        rows,
        likelihood,
        people.assets,
        people.entrenchment,
        life.event_rate,
        1.0 - life.event_size_spread,
        1.0 + life.event_size_spread,
        life.event_size,
        life.asset_buffer,
        life.spillover,
        life.recovery_rate,
        life.recovery_floor,
        worst,
    )
    return hit, domains, worst


@kernel
def _live(
    stream: np.ndarray,
    needs: np.ndarray,
    rows: np.ndarray,
    likelihood: np.ndarray,
    assets: np.ndarray,
    entrenchment: np.ndarray,
    event_rate: float,
    smallest: float,
    largest: float,
    event_size: float,
    asset_buffer: float,
    spillover: float,
    recovery_rate: float,
    recovery_floor: float,
    worst: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``live_week`` person by person, in place: the event, the pull of the other needs, recovery.

    Draws as numpy did: whether each row has an event, then each row's domain, then each
    row's size (a share between ``smallest`` and ``largest`` of ``event_size``).
    """
    rng = generator_at(stream)
    n, d = len(rows), needs.shape[1]
    hit = np.empty(n, dtype=np.bool_)
    for i in range(n):
        hit[i] = rng.random() < event_rate * likelihood[i]
    domain = np.empty(n, dtype=np.int64)
    for i in range(n):
        domain[i] = compiled.draw_below(rng, d)
    spread = np.empty(n)
    for i in range(n):
        spread[i] = rng.uniform(smallest, largest)
    for i in range(n):
        row = rows[i]
        # The event's rise in its domain is added as each need is read: storing it first, then
        # reading the row back, stalls the processor (about half the loop's time).
        event, rise = -1, 0.0
        if hit[i]:
            event, rise = domain[i], event_size * spread[i] * (1.0 - asset_buffer * assets[row])
        if d < PARTIALS:
            # ``row_sum_of``: numpy adds a short row in turn.
            total = _with_event(needs[row, 0], 0, event, rise) + 0.0
            for j in range(1, d):
                total += _with_event(needs[row, j], j, event, rise)
        else:
            if event >= 0:
                needs[row, event] += rise
                event = -1
            total = row_total(needs, row)
        recovery = recovery_rate * assets[row] * (1.0 - entrenchment[row])
        highest = 0.0
        for j in range(d):
            need = _with_event(needs[row, j], j, event, rise)
            # Each need moves toward the mean of the others, only ever upward.
            pull = maximum(0.0, (total - need) / (d - 1) - need)
            need = need + pull * spillover
            need = need - recovery * np.float64(need > recovery_floor)
            need = clip(need, 0.0, 1.0)
            needs[row, j] = need
            highest = need if j == 0 else maximum(highest, need)  # ``row_max_of``
        worst[i] = highest
    return kept(rows, hit), kept(domain, hit)


@inline
def _with_event(need: float, j: int, event: int, rise: float) -> float:
    """A need in domain ``j``, raised by ``rise`` if this week's life ``event`` is in that domain."""
    return need + rise if j == event else need


def entrench(people: People, rows: np.ndarray, scenario: Scenario, worst: np.ndarray | None = None) -> None:
    """Needs left high without help become entrenched; help and low need loosen them slowly.

    Waiting counts as without help. ``worst`` is each row's worst need, where the caller has it.
    """
    params = scenario.entrenchment
    _entrench(
        people.entrenchment,
        people.status,
        rows,
        people.worst_need(rows) if worst is None else worst,
        params.severe_need,
        params.growth,
        params.ease_supported,
        params.low_need,
        params.ease_low_need,
    )


@kernel
def _entrench(
    entrenchment: np.ndarray,
    status: np.ndarray,
    rows: np.ndarray,
    worst: np.ndarray,
    severe_need: float,
    growth: float,
    ease_supported: float,
    low_need: float,
    ease_low_need: float,
) -> None:
    """``entrench`` person by person, in place."""
    scale = 1.0 - severe_need
    for i in range(len(rows)):
        row, high = rows[i], worst[i]
        unsupported = status[row] != SUPPORTED
        grow = growth * (high - severe_need) / scale if unsupported & (high > severe_need) else 0.0
        ease = (0.0 if unsupported else ease_supported) + (ease_low_need if high < low_need else 0.0)
        entrenchment[row] = clip(entrenchment[row] + grow - ease, 0.0, 1.0)


def crises(
    people: People,
    rows: np.ndarray,
    scenario: Scenario,
    rng: np.random.Generator,
    worst: np.ndarray | None = None,
    stream: np.ndarray | None = None,
) -> np.ndarray:
    """Crises (A&E, police, eviction) happen to people with severe, entrenched needs; returns who.

    ``worst`` is each row's worst need, and ``stream`` is ``rng`` as kernels take it, where the
    caller has them.
    """
    params = scenario.crisis
    return _crises(
        compiled.stream(rng) if stream is None else stream,
        rows,
        people.worst_need(rows) if worst is None else worst,
        people.entrenchment,
        people.crises,
        params.rate,
        params.severe_need,
        params.entrenchment_factor,
    )


@kernel
def _crises(
    stream: np.ndarray,
    rows: np.ndarray,
    worst: np.ndarray,
    entrenchment: np.ndarray,
    crises: np.ndarray,
    rate: float,
    severe_need: float,
    entrenchment_factor: float,
) -> np.ndarray:
    """``crises`` person by person: one draw each, then the count of each who had one goes up."""
    rng = generator_at(stream)
    scale = 1.0 - severe_need
    happened = np.empty(len(rows), dtype=np.bool_)
    for i in range(len(rows)):
        excess = maximum(0.0, worst[i] - severe_need)
        chance = rate * excess / scale * (1.0 + entrenchment_factor * entrenchment[rows[i]])
        happened[i] = rng.random() < chance
        crises[rows[i]] += happened[i]
    return kept(rows, happened)


def crisis_costs(people: People, rows: np.ndarray, week: int, scenario: Scenario) -> tuple[float, float]:
    """What the crises of ``rows`` cost other services: in all, and for those turned away.

    The second counts people turned away (or who gave up waiting) within the last
    ``FAILURE_DEMAND_WEEKS`` and not helped since. Costs grow with entrenchment.
    """
    costs = scenario.costs
    cost, cost_after_refusal = _crisis_costs(
        rows,
        people.entrenchment,
        people.last_turnaway,
        people.episode_start,
        week - FAILURE_DEMAND_WEEKS,
        costs.crisis,
        costs.entrenchment_multiplier,
    )
    return float(cost), float(cost_after_refusal)


@kernel
def _crisis_costs(
    rows: np.ndarray,
    entrenchment: np.ndarray,
    last_turnaway: np.ndarray,
    episode_start: np.ndarray,
    window_start: int,
    crisis: float,
    entrenchment_multiplier: float,
) -> tuple[float, float]:
    """``crisis_costs`` person by person, each total summed as numpy sums an array."""
    cost = np.empty(len(rows))
    after_refusal = np.empty(len(rows))
    refused = 0
    for i in range(len(rows)):
        row = rows[i]
        cost[i] = crisis * (1.0 + entrenchment_multiplier * entrenchment[row])
        refused_at = last_turnaway[row]
        if refused_at > episode_start[row] and refused_at >= window_start:
            after_refusal[refused] = cost[i]
            refused += 1
    return pairwise_sum(cost), pairwise_sum(after_refusal[:refused])


def seeks_help(
    people: People,
    rows: np.ndarray,
    in_crisis: np.ndarray,
    scenario: Scenario,
    rng: np.random.Generator,
    worst: np.ndarray | None = None,
    stream: np.ndarray | None = None,
) -> np.ndarray:
    """Who in the community contacts services this week.

    People with low trust wait until needs are worse; a crisis brings people in
    regardless (referral from A&E or the police). ``worst`` is each row's worst
    need, and ``stream`` is ``rng`` as kernels take it, where the caller has them.
    """
    params = scenario.help_seeking
    return _seeks_help(
        compiled.stream(rng) if stream is None else stream,
        rows,
        in_crisis,
        people.worst_need(rows) if worst is None else worst,
        people.trust,
        people.count,
        params.threshold,
        params.distrust_delay,
        params.weekly_chance,
    )


@kernel
def _seeks_help(
    stream: np.ndarray,
    rows: np.ndarray,
    in_crisis: np.ndarray,
    worst: np.ndarray,
    trust: np.ndarray,
    count: int,
    threshold: float,
    distrust_delay: float,
    weekly_chance: float,
) -> np.ndarray:
    """``seeks_help`` person by person: everyone draws, whether or not their need is high enough."""
    rng = generator_at(stream)
    crisis = np.zeros(count, dtype=np.bool_)
    for row in in_crisis:
        crisis[row] = True
    seeking = np.empty(len(rows), dtype=np.bool_)
    for i in range(len(rows)):
        row = rows[i]
        willing = rng.random() < weekly_chance
        high = worst[i] > threshold + distrust_delay * (1.0 - trust[row])
        seeking[i] = (high & willing) | crisis[row]
    return kept(rows, seeking)


def in_community(people: People, rows: np.ndarray, worst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Those of ``rows`` in the community (not waiting or supported), and their worst needs (of ``worst``)."""
    return _in_community(rows, people.status, worst)


@kernel
def _in_community(rows: np.ndarray, status: np.ndarray, worst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``in_community`` in one pass, each row written and kept only if it is in the community (no branch)."""
    chosen, chosen_worst = np.empty(len(rows), dtype=np.int64), np.empty(len(rows))
    count = 0
    for i in range(len(rows)):
        row = rows[i]
        chosen[count], chosen_worst[count] = row, worst[i]
        count += status[row] == COMMUNITY
    return chosen[:count], chosen_worst[:count]


def in_week_order(contacts: np.ndarray, stream: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """When in the week each of ``contacts`` gets in touch (a share of the week, uniform at random).

    Returns the contacts in that order, and their moments. ``stream`` is the model's generator
    as kernels take it (``hls_sim.compiled.stream``).
    """
    return _in_week_order(stream, contacts)


@kernel
def _in_week_order(stream: np.ndarray, contacts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``in_week_order``: a draw for each contact in turn, then a stable sort by moment."""
    rng = generator_at(stream)
    times = np.empty(len(contacts))
    for i in range(len(contacts)):
        times[i] = rng.random()
    order = np.argsort(times, kind="mergesort")
    return contacts[order], times[order]
