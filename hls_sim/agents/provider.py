"""Provider organisations: the ``ProviderTable`` of their state, and ``Provider``, a Mesa view of one.

A provider's week runs through the mechanisms: it assesses and accepts or
turns people away (``hls_sim.intake``, creaming when stakes are high), fills
free places from its waiting list (``hls_sim.queue``), logs the cases its
workers close for the indicator (``hls_sim.closure``), learns from what its
information lets it see (``hls_sim.learning``), and pays, hires and lays off
(``hls_sim.money``, ``hls_sim.staffing``).

Management ``pressure`` is how hard the provider pushes its staff on the
indicator: its culture. Under competition, entrants copy the culture and
knowledge of whoever won, so gaming can spread without anyone intending it
(Smaldino and McElreath 2016, "The natural selection of bad science";
Braganza 2022 on proxy-based selection). ``mission`` is the organisation's
own motivation, drawn like a worker's (knights and knaves).
"""

from __future__ import annotations

import mesa
import numpy as np

from hls_sim import indicators
from hls_sim.compiled import kernel, pairwise_sum


class ProviderTable:
    """Every provider's state, one index each, in the order they entered; indices are never reused.

    Besides the provider's own state (share, culture, money, knowledge, waiting
    list) each row holds what its funder has decided about it: its trust in it,
    how much it audits and talks with it, and the price it pays.
    """

    FLOAT_COLUMNS = (
        "share",
        "pressure",
        "mission",
        "cash",
        "received",
        "expected_results_ratio",
        "spend",
        "discretion",
        "candour",
        "blame",
        "funder_trust",
        "audit_rate",
        "dialogue_hours",
        "price",
        "results_pot",
    )
    INT_COLUMNS = ("caught",)

    def __init__(self, domains: int, approaches: int, typical_value: float):
        self.count = 0
        self.active = np.zeros(0, dtype=bool)
        for name in self.FLOAT_COLUMNS:
            setattr(self, name, np.zeros(0))
        for name in self.INT_COLUMNS:
            setattr(self, name, np.zeros(0, dtype=np.int64))
        self.beliefs = np.zeros((0, domains, approaches))
        self.evidence = np.zeros((0, domains, approaches))
        self.waiting: list[list[int]] = []
        self.log: list[indicators.ClosureLog] = []
        self.vacancies: list[list[int]] = []
        self.contract_reported: list[list[float]] = []
        self.contract_seen: list[list[float]] = []
        # The expected score of a case among eligible people, as providers sense it: what
        # creaming compares a case with.
        self.typical_value = typical_value

    def add(self, beliefs: np.ndarray, evidence: np.ndarray, **values: float) -> int:
        """A new provider with these ``beliefs`` and ``evidence`` and starting ``values`` of its columns."""
        index = self.count
        self.count += 1
        for name in ("active", *self.FLOAT_COLUMNS, *self.INT_COLUMNS):
            old = getattr(self, name)
            setattr(self, name, np.concatenate([old, np.zeros(1, dtype=old.dtype)]))
        self.beliefs = np.concatenate([self.beliefs, beliefs[None]])
        self.evidence = np.concatenate([self.evidence, evidence[None]])
        self.active[index] = True
        for name, value in values.items():
            getattr(self, name)[index] = value
        self.pressure[index] = float(np.clip(self.pressure[index], 0.0, 1.0))
        self.waiting.append([])
        self.log.append(indicators.ClosureLog())
        self.vacancies.append([])
        self.contract_reported.append([])
        self.contract_seen.append([])
        return index

    def active_indices(self) -> np.ndarray:
        return self.active.nonzero()[0]


class Provider(mesa.Agent):
    """One provider organisation, as a Mesa agent: a view of its index in the ``ProviderTable``."""

    def __init__(self, model: mesa.Model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def _table(self) -> ProviderTable:
        return self.model.providers

    @property
    def active(self) -> bool:
        return bool(self._table.active[self.index])

    @property
    def share(self) -> float:
        return float(self._table.share[self.index])

    @property
    def pressure(self) -> float:
        return float(self._table.pressure[self.index])

    @property
    def mission(self) -> float:
        return float(self._table.mission[self.index])

    @property
    def cash(self) -> float:
        return float(self._table.cash[self.index])

    @property
    def received(self) -> float:
        """Everything the commissioner has paid it."""
        return float(self._table.received[self.index])

    @property
    def beliefs(self) -> np.ndarray:
        return self._table.beliefs[self.index]

    @property
    def waiting(self) -> list[int]:
        return self._table.waiting[self.index]

    @property
    def discretion(self) -> float:
        return float(self._table.discretion[self.index])

    @property
    def candour(self) -> float:
        return float(self._table.candour[self.index])

    @property
    def workers(self) -> list:
        """Its workers (Mesa agents), in the order they joined it."""
        model = self.model
        return [model.worker_agents[slot] for slot in model.workforce.staff(self.index)]


@kernel
def share_weighted(active: np.ndarray, share: np.ndarray, values: np.ndarray) -> float:
    """A provider-level quantity averaged over active providers, weighted by contract share.

    ``active`` and ``share`` are the ``ProviderTable`` columns; sums are added in
    numpy's order (``pairwise_sum``).
    """
    weights = share[active]
    weighted = weights * values[active]
    total = pairwise_sum(weights)
    return pairwise_sum(weighted) / (SHARE_GUARD if SHARE_GUARD > total else total)


# Keeps the share-weighted mean defined when no provider holds a share.
SHARE_GUARD = 1e-12
