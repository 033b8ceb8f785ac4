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

from hls_sim.agents.person import SUPPORTED, People
from hls_sim.compiled import clip, kernel, maximum, row_max_of, row_sum_of

if TYPE_CHECKING:
    from hls_sim.scenario import Scenario


def live_week(
    people: People, rows: np.ndarray, scenario: Scenario, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Life events raise needs, needs pull on each other, people recover some on their own.

    Returns who had a life event and in which domain, and each row's worst need after the week.
    """
    life = scenario.life
    n = len(rows)
    chance = life.event_rate * np.exp(life.vulnerability_effect * people.vulnerability[rows])
    hit = rng.random(n) < chance
    domain = rng.integers(0, people.domains, n)
    spread = rng.uniform(1.0 - life.event_size_spread, 1.0 + life.event_size_spread, n)
    worst = np.empty(n)
    _live(
        people.needs,
        rows,
        hit,
        domain,
        spread,
        people.assets,
        people.entrenchment,
        life.event_size,
        life.asset_buffer,
        life.spillover,
        life.recovery_rate,
        life.recovery_floor,
        worst,
    )
    return rows[hit], domain[hit], worst


@kernel
def _live(
    needs: np.ndarray,
    rows: np.ndarray,
    hit: np.ndarray,
    domain: np.ndarray,
    spread: np.ndarray,
    assets: np.ndarray,
    entrenchment: np.ndarray,
    event_size: float,
    asset_buffer: float,
    spillover: float,
    recovery_rate: float,
    recovery_floor: float,
    worst: np.ndarray,
) -> None:
    """``live_week`` person by person, in place: the event, the pull of the other needs, recovery."""
    d = needs.shape[1]
    for i in range(len(rows)):
        row = rows[i]
        if hit[i]:
            needs[row, domain[i]] += event_size * spread[i] * (1.0 - asset_buffer * assets[row])
        total = row_sum_of(needs[row])
        recovery = recovery_rate * assets[row] * (1.0 - entrenchment[row])
        for j in range(d):
            need = needs[row, j]
            # Each need moves toward the mean of the others, only ever upward.
            pull = maximum(0.0, (total - need) / (d - 1) - need)
            need = need + pull * spillover
            need = need - recovery * np.float64(need > recovery_floor)
            needs[row, j] = clip(need, 0.0, 1.0)
        worst[i] = row_max_of(needs[row])


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
) -> np.ndarray:
    """Crises (A&E, police, eviction) happen to people with severe, entrenched needs; returns who.

    ``worst`` is each row's worst need, where the caller has it.
    """
    params = scenario.crisis
    high = people.worst_need(rows) if worst is None else worst
    excess = np.maximum(0.0, high - params.severe_need)
    chance = (
        params.rate
        * excess
        / (1.0 - params.severe_need)
        * (1.0 + params.entrenchment_factor * people.entrenchment[rows])
    )
    happened = rows[rng.random(len(rows)) < chance]
    people.crises[happened] += 1
    return happened


def seeks_help(
    people: People,
    rows: np.ndarray,
    in_crisis: np.ndarray,
    scenario: Scenario,
    rng: np.random.Generator,
    worst: np.ndarray | None = None,
) -> np.ndarray:
    """Who in the community contacts services this week.

    People with low trust wait until needs are worse; a crisis brings people in
    regardless (referral from A&E or the police). ``worst`` is each row's worst
    need, where the caller has it.
    """
    params = scenario.help_seeking
    high = people.worst_need(rows) if worst is None else worst
    threshold = params.threshold + params.distrust_delay * (1.0 - people.trust[rows])
    willing = (high > threshold) & (rng.random(len(rows)) < params.weekly_chance)
    crisis = np.zeros(people.count, dtype=bool)
    crisis[in_crisis] = True
    return rows[willing | crisis[rows]]
