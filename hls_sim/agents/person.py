"""People who may need support: their needs, strengths, trust and journey.

Each person is a ``Person`` Mesa agent, but their state lives in the columns of
one ``People`` table (numpy arrays) so that a week for thousands of people is a
handful of array operations. ``Person`` is a view onto its row. What a person
does in their own week (life events, recovery, entrenchment, crises, asking
for help) is in ``hls_sim.life``.
"""

from __future__ import annotations

from enum import IntEnum, auto
from typing import TYPE_CHECKING

import mesa
import numpy as np

from hls_sim.compiled import kernel, row_sum_of
from hls_sim.rowwise import row_count, row_max, row_sum

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
            setattr(self, name, np.zeros(capacity, dtype=np.int64))

    def _grow(self, needed: int) -> None:
        capacity = len(self.assets)
        if needed <= capacity:
            return
        new = max(needed, capacity * 2)
        for name in ("needs", "goals", "goal_weights", "approach", *self.FLOAT_COLUMNS, *self.INT_COLUMNS):
            old = getattr(self, name)
            grown = np.zeros((new, *old.shape[1:]), dtype=old.dtype)
            grown[:capacity] = old
            setattr(self, name, grown)

    def add(self, rng: np.random.Generator, scenario: Scenario, n: int, week: int) -> np.ndarray:
        """Add ``n`` new people drawn from the population's distribution; returns their rows.

        Needs are logit-normal: one vulnerability trait shared by all of a person's
        domains plus correlated domain terms; assets and trust are Beta-distributed.
        """
        params = scenario.population
        self._grow(self.count + n)
        rows = np.arange(self.count, self.count + n)
        new = slice(self.count, self.count + n)  # the same rows, written as a slice (quicker)
        self.count += n
        d = self.domains
        vulnerability = rng.normal(0.0, 1.0, n)
        shared = np.sqrt(params.need_correlation)
        own = np.sqrt(1.0 - params.need_correlation)
        latent = shared * rng.normal(0.0, 1.0, (n, 1)) + own * rng.normal(0.0, 1.0, (n, d))
        base = np.log(params.need_mean / (1.0 - params.need_mean + LOGIT_GUARD) + LOGIT_GUARD)
        needs = 1.0 / (
            1.0
            + np.exp(
                -(
                    base
                    + params.need_vulnerability_weight * vulnerability[:, None]
                    + params.need_domain_weight * latent
                )
            )
        )
        self.needs[new] = needs
        self.vulnerability[new] = vulnerability
        half = params.assets_concentration / 2
        centre = half / params.assets_concentration  # the mean of Beta(half, half)
        self.assets[new] = np.clip(
            rng.beta(half, half, n)
            + (params.assets_mean - centre)
            - params.assets_vulnerability * vulnerability,
            0.0,
            1.0,
        )
        preference = needs * params.goal_need_weight + rng.gumbel(0.0, 1.0, (n, d))
        top = np.argsort(-preference, axis=1)[:, : min(params.goals_per_person, d)]
        goals = np.zeros((n, d), dtype=bool)
        goals[np.arange(n)[:, None], top] = True
        self.goals[new] = goals
        weights = goal_weights(goals, self.goal_weight)
        self.goal_weights[new] = weights
        self.goal_weight_total[new] = row_sum(weights)
        self.goal_count[new] = row_count(goals)
        trusting = params.trust_mean * params.trust_concentration
        self.trust[new] = np.clip(rng.beta(trusting, params.trust_concentration - trusting, n), 0.0, 1.0)
        self.status[new] = COMMUNITY
        for name in (
            "provider",
            "worker",
            "assessed_domain",
            "second_domain",
            "recorded_domain",
            "failed_domain",
            "assessment_record",
        ):
            getattr(self, name)[new] = -1
        for name in ("episode_start", "last_turnaway", "failed_at"):
            getattr(self, name)[new] = NEVER
        self.arrived[new] = week
        self._present = None
        return rows

    def present(self) -> np.ndarray:
        """The rows of everyone who has not left (read-only: kept until someone arrives or leaves)."""
        if self._present is None:
            self._present = (self.status[: self.count] != EXITED).nonzero()[0]
            self._present.flags.writeable = False
        return self._present

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
        _wellbeing(
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
def _wellbeing(
    needs: np.ndarray,
    weights: np.ndarray,
    total_weight: np.ndarray,
    assets: np.ndarray,
    rows: np.ndarray,
    assets_weight: float,
    values: np.ndarray,
) -> None:
    """``weighted_wellbeing`` of ``rows``, person by person, into ``values``."""
    weighted = np.empty(needs.shape[1])
    for i in range(len(rows)):
        row = rows[i]
        for j in range(needs.shape[1]):
            weighted[j] = needs[row, j] * weights[row, j]
        weighted_need = row_sum_of(weighted) / total_weight[row]
        values[i] = (1.0 - assets_weight) * (1.0 - weighted_need) + assets_weight * assets[row]


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
