"""Front-line workers: the ``Workforce`` table of their state, and ``Worker``, a Mesa view of one row.

A worker's week is a story in four verbs, each a mechanism of its own home:
plan the week (paperwork first, then assessments and forums, then effort split
between real support and moving the indicator: ``hls_sim.work``), support
the caseload (``hls_sim.support``), reflect (motivation crowded in or out,
morale moved by the week: ``hls_sim.motivation``) and decide whether to leave
(``hls_sim.staffing``). The state of all workers lives in arrays indexed by a
worker's slot, so that each verb is a handful of array operations over the
whole workforce; slots are never reused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from hls_sim.compiled import kernel

if TYPE_CHECKING:
    from hls_sim.agents.provider import Provider

# How a worker's paid hours are split each week (``hls_sim.work.plan_week``).
HOUR_PARTS = ("support", "admin", "assessment", "forum", "gaming", "slack")


class Workforce:
    """Every worker's state, one slot each, in the order they were hired."""

    FLOAT_COLUMNS = (
        "hours",
        "motivation",
        "baseline_motivation",
        "morale",
        "stakes",
        "assessment_hours",
        "accountability_hours",
        "relational_skill",
        "success_seen",
        *HOUR_PARTS,
    )
    INT_COLUMNS = ("provider", "caseload", "joined")

    def __init__(self, domains: int, capacity: int):
        self.count = 0
        self.joins = 0
        # Each provider's staff in joining order, rebuilt only after someone joins or leaves.
        self._staff: dict[int, np.ndarray] | None = None
        self.skill = np.zeros((capacity, domains))
        self.active = np.zeros(capacity, dtype=bool)
        for name in self.FLOAT_COLUMNS:
            setattr(self, name, np.zeros(capacity))
        for name in self.INT_COLUMNS:
            setattr(self, name, np.zeros(capacity, dtype=np.int64))

    def _grow(self) -> None:
        capacity = len(self.active)
        for name in ("skill", "active", *self.FLOAT_COLUMNS, *self.INT_COLUMNS):
            old = getattr(self, name)
            grown = np.zeros((capacity * 2, *old.shape[1:]), dtype=old.dtype)
            grown[:capacity] = old
            setattr(self, name, grown)

    def new_slot(
        self,
        provider: int,
        hours: float,
        motivation: float,
        morale: float,
        skill: np.ndarray,
        relational_skill: float,
    ) -> int:
        if self.count == len(self.active):
            self._grow()
        slot = self.count
        self.count += 1
        self.active[slot] = True
        self.hours[slot] = hours
        self.baseline_motivation[slot] = motivation
        self.motivation[slot] = motivation
        self.morale[slot] = morale
        self.skill[slot] = skill
        self.relational_skill[slot] = relational_skill
        self.join(slot, provider)
        return slot

    def join(self, slot: int, provider: int) -> None:
        """The worker joins ``provider``'s staff, at the end of its staff list."""
        self.provider[slot] = provider
        self.joined[slot] = self.joins
        self.joins += 1
        self._staff = None

    def leave(self, slot: int) -> None:
        """The worker leaves the workforce; the slot is never reused."""
        self.active[slot] = False
        self._staff = None

    def slots(self) -> np.ndarray:
        """Every worker employed, in the order they were hired."""
        return self.active[: self.count].nonzero()[0]

    def staff(self, provider: int) -> np.ndarray:
        """``provider``'s workers, in the order they joined it."""
        if self._staff is None:
            self._group()
        return self._staff.get(provider, NO_STAFF)

    def by_provider(self) -> np.ndarray:
        """Every worker employed, provider by provider, each provider's in the order they joined it."""
        if self._staff is None:
            self._group()
        return self._ordered

    def _group(self) -> None:
        ordered, self._headcount = _group_by_provider(self.slots(), self.provider, self.joined)
        self._headcount.flags.writeable = False
        self._ordered = ordered
        self._staff = {}
        start = 0
        for provider, count in enumerate(self._headcount.tolist()):
            if count:
                self._staff[provider] = ordered[start : start + count]
                start += count

    def headcount(self, providers: int) -> np.ndarray:
        """Workers employed by each of the first ``providers`` providers (read-only)."""
        if self._staff is None:
            self._group()
        counts = self._headcount
        if len(counts) < providers:
            counts = np.concatenate([counts, np.zeros(providers - len(counts), dtype=counts.dtype)])
        return counts

    def caseloads(self, providers: int) -> np.ndarray:
        """People supported by each provider's workers."""
        return _caseloads(self.active[: self.count], self.provider, self.caseload, providers)


NO_STAFF = np.zeros(0, dtype=np.int64)


@kernel
def _caseloads(active: np.ndarray, provider: np.ndarray, caseload: np.ndarray, providers: int) -> np.ndarray:
    """``Workforce.caseloads``, worker by worker."""
    total = np.zeros(providers, dtype=np.int64)
    for slot in range(len(active)):
        if active[slot]:
            total[provider[slot]] += caseload[slot]
    return total


@kernel
def _group_by_provider(
    slots: np.ndarray, provider: np.ndarray, joined: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``slots`` provider by provider, each provider's in joining order, and each provider's headcount.

    The headcounts run from provider 0 to the last provider with staff.
    """
    order = np.argsort(joined[slots])  # joining turns are never shared, so any sort gives one order
    groups = 0
    for slot in slots:
        groups = max(groups, provider[slot] + 1)
    headcount = np.zeros(groups, dtype=np.int64)
    for slot in slots:
        headcount[provider[slot]] += 1
    place = np.zeros(groups, dtype=np.int64)
    for group in range(1, groups):
        place[group] = place[group - 1] + headcount[group - 1]
    ordered = np.empty(len(slots), dtype=np.int64)
    for index in order:
        slot = slots[index]
        ordered[place[provider[slot]]] = slot
        place[provider[slot]] += 1
    return ordered, headcount


class Worker(mesa.Agent):
    """One front-line worker, as a Mesa agent: a view of its slot in the ``Workforce`` table."""

    def __init__(self, model: mesa.Model, slot: int):
        super().__init__(model)
        self.slot = slot

    @property
    def _workforce(self) -> Workforce:
        return self.model.workforce

    @property
    def provider(self) -> Provider:
        return self.model.provider_list[int(self._workforce.provider[self.slot])]

    @property
    def caseload(self) -> int:
        return int(self._workforce.caseload[self.slot])

    @property
    def free_places(self) -> int:
        return max(0, self.model.params.workforce.max_caseload - self.caseload)

    @property
    def skill(self) -> np.ndarray:
        return self._workforce.skill[self.slot]

    @property
    def relational_skill(self) -> float:
        """Skill at bespoke, relational, strengths-based practice, learnt by doing it."""
        return float(self._workforce.relational_skill[self.slot])

    @property
    def motivation(self) -> float:
        return float(self._workforce.motivation[self.slot])

    @property
    def morale(self) -> float:
        return float(self._workforce.morale[self.slot])

    @property
    def stakes(self) -> float:
        return float(self._workforce.stakes[self.slot])

    @property
    def split(self) -> dict[str, float]:
        """This week's hours by part (``HOUR_PARTS``)."""
        return {part: float(getattr(self._workforce, part)[self.slot]) for part in HOUR_PARTS}
