"""People who may need support: their needs, strengths, trust and journey.

Each person is a ``Person`` Mesa agent, but their state lives in the columns of
one ``People`` table (numpy arrays) so that a week for thousands of people is a
handful of array operations. ``Person`` is a view onto its row.

Mechanisms here are the person's own week: life events and recovery, needs
that pull on each other (variety: Lowe and Plimmer 2019, "Bespoke by
default"), entrenchment of needs left unmet and the crises that follow (the
report's point that turning people away makes problems more entrenched and
more expensive), and help-seeking that waits for crisis when trust in
services is low.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from hls_sim.scenario import Population

COMMUNITY, WAITING, SUPPORTED, EXITED = 0, 1, 2, 3
STATUS_NAMES = {COMMUNITY: "in community", WAITING: "waiting", SUPPORTED: "supported", EXITED: "exited"}
NEVER = -10_000

# Need above which a domain counts as high, and a person's need as unmet.
HIGH_NEED = 0.5
# A goal counts as met when the need in that domain is below this.
GOAL_MET = 0.3


def wellbeing(needs: np.ndarray, goals: np.ndarray, assets: np.ndarray) -> np.ndarray:
    """The true outcome: low needs, above all in the domains that matter to the person, and assets."""
    weights = 1.0 + goals
    weighted_need = (needs * weights).sum(axis=-1) / weights.sum(axis=-1)
    return 0.75 * (1.0 - weighted_need) + 0.25 * assets


class People:
    """The state of every person ever present, one row each; rows are never reused."""

    FLOAT_COLUMNS = (
        "assets",
        "trust",
        "entrenchment",
        "relationship",
        "understanding",
        "vulnerability",
        "recording_bias",
        "start_wellbeing",
        "hours_received",
    )
    INT_COLUMNS = (
        "status",
        "provider",
        "worker",
        "assessed_domain",
        "second_domain",
        "recorded_domain",
        "wait_start",
        "episode_start",
        "last_turnaway",
        "last_unresolved",
        "arrived",
        "contacts",
        "turnaways",
        "handoffs",
        "crises",
        "episodes",
    )

    def __init__(self, domains: int, capacity: int):
        self.domains = domains
        self.count = 0
        self.needs = np.zeros((capacity, domains))
        self.goals = np.zeros((capacity, domains), dtype=bool)
        self.approach = np.zeros((capacity, domains), dtype=np.int64)
        for name in self.FLOAT_COLUMNS:
            setattr(self, name, np.zeros(capacity))
        for name in self.INT_COLUMNS:
            setattr(self, name, np.zeros(capacity, dtype=np.int64))

    def _grow(self, needed: int) -> None:
        capacity = len(self.assets)
        if needed <= capacity:
            return
        new = max(needed, capacity * 2)
        for name in ("needs", "goals", "approach", *self.FLOAT_COLUMNS, *self.INT_COLUMNS):
            old = getattr(self, name)
            grown = np.zeros((new, *old.shape[1:]), dtype=old.dtype)
            grown[:capacity] = old
            setattr(self, name, grown)

    def add(self, rng: np.random.Generator, params: Population, n: int, week: int) -> np.ndarray:
        """Add ``n`` new people drawn from the population's distribution; returns their rows."""
        self._grow(self.count + n)
        rows = np.arange(self.count, self.count + n)
        self.count += n
        d = self.domains
        vulnerability = rng.normal(0.0, 1.0, n)
        shared = np.sqrt(params.need_correlation)
        own = np.sqrt(1.0 - params.need_correlation)
        latent = shared * rng.normal(0.0, 1.0, (n, 1)) + own * rng.normal(0.0, 1.0, (n, d))
        base = np.log(params.need_mean / (1.0 - params.need_mean + 1e-9) + 1e-9)
        needs = 1.0 / (1.0 + np.exp(-(base + 0.9 * vulnerability[:, None] + 1.1 * latent)))
        self.needs[rows] = needs
        self.vulnerability[rows] = vulnerability
        self.assets[rows] = np.clip(
            rng.beta(4, 4, n) + (params.assets_mean - 0.5) - 0.08 * vulnerability, 0.0, 1.0
        )
        preference = needs * 2.0 + rng.gumbel(0.0, 1.0, (n, d))
        top = np.argsort(-preference, axis=1)[:, : min(params.goals_per_person, d)]
        goals = np.zeros((n, d), dtype=bool)
        np.put_along_axis(goals, top, True, axis=1)
        self.goals[rows] = goals
        self.trust[rows] = np.clip(rng.beta(5, 3, n), 0.0, 1.0)
        self.status[rows] = COMMUNITY
        for name in ("provider", "worker", "assessed_domain", "second_domain", "recorded_domain"):
            getattr(self, name)[rows] = -1
        for name in ("wait_start", "episode_start", "last_turnaway", "last_unresolved"):
            getattr(self, name)[rows] = NEVER
        self.arrived[rows] = week
        return rows

    def present(self) -> np.ndarray:
        return np.flatnonzero(self.status[: self.count] != EXITED)

    def in_status(self, status: int) -> np.ndarray:
        return np.flatnonzero(self.status[: self.count] == status)

    def wellbeing(self, rows: np.ndarray) -> np.ndarray:
        return wellbeing(self.needs[rows], self.goals[rows], self.assets[rows])

    def difficulty(self, rows: np.ndarray) -> np.ndarray:
        """How hard a person is to help as a worker would see it: severe, many, entrenched, few assets."""
        needs = self.needs[rows]
        return (
            needs.mean(axis=1)
            + 0.1 * (needs > HIGH_NEED).sum(axis=1)
            + 0.3 * self.entrenchment[rows]
            - 0.2 * self.assets[rows]
        )


class Person(mesa.Agent):
    """One person, as a Mesa agent; reads and writes its row of the ``People`` table."""

    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = row

    @property
    def _people(self) -> People:
        return self.model.people

    @property
    def needs(self) -> np.ndarray:
        return self._people.needs[self.row]

    @property
    def goals(self) -> list[str]:
        names = self.model.domain_names
        return [names[d] for d in np.flatnonzero(self._people.goals[self.row])]

    @property
    def assets(self) -> float:
        return float(self._people.assets[self.row])

    @property
    def trust_in_services(self) -> float:
        return float(self._people.trust[self.row])

    @property
    def entrenchment(self) -> float:
        return float(self._people.entrenchment[self.row])

    @property
    def relationship(self) -> float:
        return float(self._people.relationship[self.row])

    @property
    def status(self) -> str:
        return STATUS_NAMES[int(self._people.status[self.row])]

    @property
    def wellbeing(self) -> float:
        return float(self._people.wellbeing(np.array([self.row]))[0])


def live_week(
    people: People, rows: np.ndarray, params: Population, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Life events raise needs; people recover some on their own, faster with more assets.

    Needs pull on each other: a high need in one domain drags the others up,
    so fixing one domain while others stay high does not last. Returns who had
    a life event and in which domain (for the journeys).
    """
    n, d = len(rows), people.domains
    needs = people.needs[rows]
    assets = people.assets[rows]
    chance = params.shock_rate * np.exp(0.35 * people.vulnerability[rows])
    hit = rng.random(n) < chance
    domain = rng.integers(0, d, n)
    size = params.shock_size * rng.uniform(0.5, 1.5, n) * (1.0 - 0.5 * assets)
    needs[hit, domain[hit]] += size[hit]
    mean_other = (needs.sum(axis=1, keepdims=True) - needs) / (d - 1)
    needs += 0.01 * np.maximum(0.0, mean_other - needs)
    recovery = params.recovery_rate * assets * (1.0 - people.entrenchment[rows])
    needs -= recovery[:, None] * (needs > 0.05)
    people.needs[rows] = np.clip(needs, 0.0, 1.0)
    return rows[hit], domain[hit]


def entrench(people: People, rows: np.ndarray) -> None:
    """Needs left high without help become entrenched; help and recovery loosen them slowly."""
    high = people.needs[rows].max(axis=1)
    unsupported = people.status[rows] != SUPPORTED
    grow = np.where(unsupported & (high > 0.6), 0.012 * (high - 0.6) / 0.4, 0.0)
    ease = np.where(~unsupported, 0.004, 0.0) + np.where(high < 0.4, 0.003, 0.0)
    people.entrenchment[rows] = np.clip(people.entrenchment[rows] + grow - ease, 0.0, 1.0)


def crises(people: People, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Crises (A&E, police, eviction) happen to people with severe, entrenched needs; returns who."""
    high = people.needs[rows].max(axis=1)
    chance = 0.03 * np.maximum(0.0, high - 0.6) / 0.4 * (1.0 + 2.0 * people.entrenchment[rows])
    happened = rows[rng.random(len(rows)) < chance]
    people.crises[happened] += 1
    return happened


def seeks_help(
    people: People, rows: np.ndarray, in_crisis: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Who in the community contacts services this week.

    People with low trust wait until needs are worse; a crisis brings people in
    regardless (referral from A&E or police).
    """
    high = people.needs[rows].max(axis=1)
    threshold = 0.35 + 0.4 * (1.0 - people.trust[rows])
    willing = (high > threshold) & (rng.random(len(rows)) < 0.3)
    return rows[willing | np.isin(rows, in_crisis)]


def adjust_trust(people: People, rows: np.ndarray, change: float | np.ndarray) -> None:
    """Trust in services moves with each experience of them."""
    people.trust[rows] = np.clip(people.trust[rows] + change, 0.0, 1.0)
