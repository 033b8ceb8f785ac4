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
from hls_sim.rowwise import row_sum

if TYPE_CHECKING:
    from hls_sim.scenario import Scenario


def live_week(
    people: People, rows: np.ndarray, scenario: Scenario, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Life events raise needs, needs pull on each other, people recover some on their own.

    Returns who had a life event and in which domain.
    """
    life = scenario.life
    n, d = len(rows), people.domains
    needs = people.needs_of(rows)
    assets = people.assets[rows]
    chance = life.event_rate * np.exp(life.vulnerability_effect * people.vulnerability[rows])
    hit = rng.random(n) < chance
    domain = rng.integers(0, d, n)
    spread = rng.uniform(1.0 - life.event_size_spread, 1.0 + life.event_size_spread, n)
    size = life.event_size * spread * (1.0 - life.asset_buffer * assets)
    needs[hit, domain[hit]] += size[hit]
    pull = row_sum(needs)[:, None] - needs
    pull /= d - 1  # the mean of the other needs
    pull -= needs
    np.maximum(0.0, pull, out=pull)
    pull *= life.spillover
    needs += pull
    recovery = life.recovery_rate * assets * (1.0 - people.entrenchment[rows])
    needs -= recovery[:, None] * (needs > life.recovery_floor)
    people.set_needs(rows, needs.clip(0.0, 1.0, out=needs))
    return rows[hit], domain[hit]


def entrench(people: People, rows: np.ndarray, scenario: Scenario, worst: np.ndarray | None = None) -> None:
    """Needs left high without help become entrenched; help and low need loosen them slowly.

    Waiting counts as without help. ``worst`` is each row's worst need, where the caller has it.
    """
    params = scenario.entrenchment
    high = people.worst_need(rows) if worst is None else worst
    unsupported = people.status[rows] != SUPPORTED
    scale = 1.0 - params.severe_need
    grow = np.where(
        unsupported & (high > params.severe_need), params.growth * (high - params.severe_need) / scale, 0.0
    )
    ease = np.where(~unsupported, params.ease_supported, 0.0) + np.where(
        high < params.low_need, params.ease_low_need, 0.0
    )
    people.entrenchment[rows] = (people.entrenchment[rows] + grow - ease).clip(0.0, 1.0)


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
