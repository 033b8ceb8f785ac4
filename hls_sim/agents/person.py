"""People who may need support: their needs, strengths, trust and journey.

Each person is a ``Person`` Mesa agent, but their state lives in the columns of
one ``People`` table (numpy arrays) so that a week for thousands of people is a
handful of array operations. ``Person`` is a view onto its row. What a person
does in their own week (life events, recovery, entrenchment, crises, asking
for help) is in ``hls_sim.life``.
"""

from __future__ import annotations

import math
from enum import IntEnum, auto
from typing import TYPE_CHECKING

import mesa
import numpy as np

from hls_sim import compiled
from hls_sim.compiled import clip, generator_at, gumbel, kept, kernel, row_sum_of, row_total
from hls_sim.rowwise import PARTIALS, row_max, row_sum

if TYPE_CHECKING:
    from hls_sim.scenario import Scenario


class Status(IntEnum):
    """Where a person is in their journey."""

    COMMUNITY = 0
    WAITING = auto()
    SUPPORTED = auto()
    EXITED = auto()


COMMUNITY, WAITING, SUPPORTED, EXITED = Status
STATUS_NAMES = {COMMUNITY: "in community", WAITING: "waiting", SUPPORTED: "supported", EXITED: "exited"}
# "Never happened" for event weeks: far enough before any week a run can have (burn-in included).
NEVER = np.iinfo(np.int32).min
# Keeps the log-odds of the mean need finite when it is 0 or 1.
LOGIT_GUARD = 1e-9


def wellbeing(
    needs: np.ndarray, goals: np.ndarray, assets: np.ndarray, assets_weight: float, goal_weight: float
) -> np.ndarray:
    """The true outcome: low needs, above all in the domains that matter to the person, and assets."""
    weights = goal_weights(goals, goal_weight)
    return weighted_wellbeing(needs, weights, row_sum(weights), assets, assets_weight)


def goal_weights(goals: np.ndarray, goal_weight: float) -> np.ndarray:
    """How much each domain counts in a person's wellbeing: more where it matters to them."""
    return 1.0 + goal_weight * goals


def weighted_wellbeing(
    needs: np.ndarray, weights: np.ndarray, total_weight: np.ndarray, assets: np.ndarray, assets_weight: float
) -> np.ndarray:
    """``wellbeing`` from each person's ``goal_weights`` and their sum (``total_weight``)."""
    weighted_need = row_sum(needs * weights) / total_weight
    return (1.0 - assets_weight) * (1.0 - weighted_need) + assets_weight * assets


class People:
    """The state of every person ever present, one row each; rows are never reused."""

    FLOAT_COLUMNS = (
        "queued_at",
        "service_time",
        "service_end",
        "tariff_weight",
        "measured_start",
        "assets",
        "trust",
        "entrenchment",
        "relationship",
        "understanding",
        "vulnerability",
        "recording_bias",
        "start_wellbeing",
        "hours_received",
        "goal_weight_total",
    )
    INT_COLUMNS = (
        "status",
        "provider",
        "worker",
        "assessed_domain",
        "second_domain",
        "recorded_domain",
        "episode_start",
        "last_turnaway",
        "failed_at",
        "failed_domain",
        "assessment_record",
        "arrived",
        "contacts",
        "turnaways",
        "handoffs",
        "crises",
        "episodes",
        "goal_count",
    )

    # A newcomer's values where they are not 0: rows not yet taken hold them already.
    NEWCOMER = {
        "status": COMMUNITY,
        **dict.fromkeys(
            (
                "provider",
                "worker",
                "assessed_domain",
                "second_domain",
                "recorded_domain",
                "failed_domain",
                "assessment_record",
            ),
            -1,
        ),
        **dict.fromkeys(("episode_start", "last_turnaway", "failed_at"), NEVER),
    }

    def __init__(self, scenario: Scenario, capacity: int):
        self.domains = scenario.population.domains
        self.assets_weight = scenario.wellbeing.assets_weight
        self.goal_weight = scenario.wellbeing.goal_weight
        self.count = 0
        self._present: np.ndarray | None = None
        self.needs = np.zeros((capacity, self.domains))
        self.goals = np.zeros((capacity, self.domains), dtype=bool)
        # Goals are fixed at arrival, and so (a structural key) is the weight they carry in wellbeing.
        self.goal_weights = np.zeros((capacity, self.domains))
        self.approach = np.zeros((capacity, self.domains), dtype=np.int64)
        for name in self.FLOAT_COLUMNS:
            setattr(self, name, np.zeros(capacity))
        for name in self.INT_COLUMNS:
            setattr(self, name, np.full(capacity, self.NEWCOMER.get(name, 0), dtype=np.int64))

    def _grow(self, needed: int) -> None:
        capacity = len(self.assets)
        if needed <= capacity:
            return
        new = max(needed, capacity * 2)
        for name in ("needs", "goals", "goal_weights", "approach", *self.FLOAT_COLUMNS, *self.INT_COLUMNS):
            old = getattr(self, name)
            grown = np.zeros((new, *old.shape[1:]), dtype=old.dtype)
            grown[:capacity] = old
            grown[capacity:] = self.NEWCOMER.get(name, 0)
            setattr(self, name, grown)

    def add(
        self,
        rng: np.random.Generator,
        scenario: Scenario,
        n: int,
        week: int,
        stream: np.ndarray | None = None,
    ) -> np.ndarray:
        """Add ``n`` new people drawn from the population's distribution; returns their rows.

        Needs are logit-normal: one vulnerability trait shared by all of a person's
        domains plus correlated domain terms; assets and trust are Beta-distributed.
        ``stream`` is ``rng`` as kernels take it (``hls_sim.compiled.stream``), where the caller has it.
        """
        params = scenario.population
        self._grow(self.count + n)
        first = self.count
        self.count += n
        half = params.assets_concentration / 2
        centre = half / params.assets_concentration  # the mean of Beta(half, half)
        trusting = params.trust_mean * params.trust_concentration
        # Each need's log-odds, negated: the logistic's ``exp`` stays in numpy.
        exponent, noise = _draw_newcomers(
            compiled.stream(rng) if stream is None else stream,
            first,
            n,
            self.domains,
            self.vulnerability,
            self.assets,
            self.trust,
            math.sqrt(params.need_correlation),
            math.sqrt(1.0 - params.need_correlation),
            np.log(params.need_mean / (1.0 - params.need_mean + LOGIT_GUARD) + LOGIT_GUARD),
            params.need_vulnerability_weight,
            params.need_domain_weight,
            half,
            params.assets_mean - centre,
            params.assets_vulnerability,
            trusting,
            params.trust_concentration - trusting,
        )
        np.exp(exponent, out=exponent)
        _settle_newcomers(
            first,
            exponent,
            noise,
            self.needs,
            self.goals,
            self.goal_weights,
            self.goal_weight_total,
            self.goal_count,
            params.goal_need_weight,
            min(params.goals_per_person, self.domains),
            self.goal_weight,
        )
        self.arrived[first : self.count] = week
        self._present = None
        return np.arange(first, self.count)

    def present(self) -> np.ndarray:
        """The rows of everyone who has not left (read-only: kept until someone arrives or leaves)."""
        if self._present is None:
            self._present = _present(self.status, self.count)
            self._present.flags.writeable = False
        return self._present

    def turnover(self, stream: np.ndarray, exit_chance: float, arrival_rate: float) -> tuple[np.ndarray, int]:
        """Who of those present leaves this week, and how many people arrive.

        Each leaves with ``exit_chance``; arrivals are Poisson, ``arrival_rate`` for each
        person present. ``stream`` is the model's generator as kernels take it.
        """
        leaving, arrivals = _turnover(stream, self.present(), exit_chance, arrival_rate)
        return leaving, int(arrivals)

    def leave(self, rows: np.ndarray) -> None:
        """``rows`` leave the place for good."""
        self.status[rows] = EXITED
        self.worker[rows] = -1
        self.provider[rows] = -1
        self._present = None

    def in_status(self, status: int) -> np.ndarray:
        return (self.status[: self.count] == status).nonzero()[0]

    def needs_of(self, rows: np.ndarray) -> np.ndarray:
        """``needs[rows]``: ``take`` gathers whole rows several times faster than indexing does."""
        return self.needs.take(rows, axis=0)

    def set_needs(self, rows: np.ndarray, values: np.ndarray) -> None:
        """``needs[rows] = values``, each row copied whole as one item: several times faster than indexing."""
        whole = np.dtype((np.void, self.needs.strides[0]))
        new = np.ascontiguousarray(values, dtype=self.needs.dtype).view(whole).reshape(-1)
        self.needs.view(whole).reshape(-1).put(rows, new)

    def need_in(self, rows: np.ndarray, domains: np.ndarray) -> np.ndarray:
        """Each row's need in its own domain of ``domains`` (read from the flat table)."""
        return self.needs.reshape(-1).take(rows * self.domains + domains)

    def worst_need(self, rows: np.ndarray) -> np.ndarray:
        """Each row's highest need."""
        return row_max(self.needs_of(rows))

    def goals_of(self, rows: np.ndarray) -> np.ndarray:
        """``goals[rows]``, gathered as ``needs_of`` does."""
        return self.goals.take(rows, axis=0)

    def wellbeing(self, rows: np.ndarray) -> np.ndarray:
        """Each row's wellbeing (``weighted_wellbeing``)."""
        values = np.empty(len(rows))
        wellbeing_into(
            self.needs,
            self.goal_weights,
            self.goal_weight_total,
            self.assets,
            rows,
            self.assets_weight,
            values,
        )
        return values


@kernel
def wellbeing_into(
    needs: np.ndarray,
    weights: np.ndarray,
    total_weight: np.ndarray,
    assets: np.ndarray,
    rows: np.ndarray,
    assets_weight: float,
    values: np.ndarray,
) -> None:
    """``weighted_wellbeing`` of ``rows``, person by person, into ``values``.

    The weighted needs are added as numpy adds a row (``row_sum_of``); a short row is
    added as it is read, which is quicker than storing it and reading it back.
    """
    d = needs.shape[1]
    weighted = np.empty(d)
    for i in range(len(rows)):
        row = rows[i]
        if d < PARTIALS:
            total = needs[row, 0] * weights[row, 0] + 0.0
            for j in range(1, d):
                total += needs[row, j] * weights[row, j]
        else:
            for j in range(d):
                weighted[j] = needs[row, j] * weights[row, j]
            total = row_sum_of(weighted)
        weighted_need = total / total_weight[row]
        values[i] = (1.0 - assets_weight) * (1.0 - weighted_need) + assets_weight * assets[row]


@kernel
def _present(status: np.ndarray, count: int) -> np.ndarray:
    """The rows, of the first ``count``, of everyone who has not left, in order."""
    rows = np.empty(count, dtype=np.int64)
    found = 0
    for row in range(count):
        rows[found] = row
        found += status[row] != EXITED
    return rows[:found]


@kernel
def _turnover(
    stream: np.ndarray, present: np.ndarray, exit_chance: float, arrival_rate: float
) -> tuple[np.ndarray, int]:
    """``People.turnover``: a draw for each person present, then the number of arrivals."""
    rng = generator_at(stream)
    leaving = np.empty(len(present), dtype=np.bool_)
    for i in range(len(present)):
        leaving[i] = rng.random() < exit_chance
    return kept(present, leaving), rng.poisson(arrival_rate * len(present))


@kernel
def _draw_newcomers(
    stream: np.ndarray,
    first: int,
    n: int,
    d: int,
    vulnerability: np.ndarray,
    assets: np.ndarray,
    trust: np.ndarray,
    shared: float,
    own: float,
    base: float,
    vulnerability_weight: float,
    domain_weight: float,
    half: float,
    assets_shift: float,
    assets_vulnerability: float,
    trusting: float,
    distrusting: float,
) -> tuple[np.ndarray, np.ndarray]:
    """``People.add``'s draws, in numpy's order, for rows ``first`` on.

    Writes vulnerability, assets and trust; returns each need's negated log-odds and
    the Gumbel noise on each domain's preference as a goal.
    """
    rng = generator_at(stream)
    for i in range(n):
        vulnerability[first + i] = rng.normal(0.0, 1.0)
    common = np.empty(n)
    for i in range(n):
        common[i] = rng.normal(0.0, 1.0)
    exponent = np.empty((n, d))
    for i in range(n):
        lift = base + vulnerability_weight * vulnerability[first + i]
        for j in range(d):
            latent = shared * common[i] + own * rng.normal(0.0, 1.0)
            exponent[i, j] = -(lift + domain_weight * latent)
    for i in range(n):
        start = rng.beta(half, half) + assets_shift - assets_vulnerability * vulnerability[first + i]
        assets[first + i] = clip(start, 0.0, 1.0)
    noise = np.empty((n, d))
    for i in range(n):
        for j in range(d):
            noise[i, j] = gumbel(rng)
    for i in range(n):
        trust[first + i] = clip(rng.beta(trusting, distrusting), 0.0, 1.0)
    return exponent, noise


@kernel
def _settle_newcomers(
    first: int,
    odds: np.ndarray,
    noise: np.ndarray,
    needs: np.ndarray,
    goals: np.ndarray,
    goal_weights: np.ndarray,
    goal_weight_total: np.ndarray,
    goal_count: np.ndarray,
    goal_need_weight: float,
    goals_each: int,
    goal_weight: float,
) -> None:
    """Newcomers' needs (``odds``: exp of each need's negated log-odds) and goals, rows ``first`` on.

    A person's goals are the ``goals_each`` domains they prefer most: a higher need, plus ``noise``.
    """
    n, d = odds.shape
    preference = np.empty(d)
    for i in range(n):
        row = first + i
        for j in range(d):
            need = 1.0 / (1.0 + odds[i, j])
            needs[row, j] = need
            preference[j] = need * goal_need_weight + noise[i, j]
            goals[row, j] = False
        for _ in range(goals_each):
            best = -1
            for j in range(d):
                if not goals[row, j] and (best < 0 or preference[j] > preference[best]):
                    best = j
            goals[row, best] = True
        for j in range(d):
            goal_weights[row, j] = 1.0 + goal_weight * np.float64(goals[row, j])
        goal_weight_total[row] = row_total(goal_weights, row)
        goal_count[row] = goals_each


class Person(mesa.Agent):
    """One person, as a Mesa agent; reads its row of the ``People`` table."""

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
