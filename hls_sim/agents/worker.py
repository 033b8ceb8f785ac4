"""Front-line workers: how they split their week, how they feel about it, and whether they stay.

A worker's week is a story in four verbs: ``plan_week`` (paperwork first, then
assessments and forums, then effort split between real support and moving the
indicator), the support itself (``hls_sim.support``), ``reflect`` (motivation
crowded in or out, morale moved by the week), and ``decide_whether_to_leave``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from hls_sim import gaming
from hls_sim.motivation import crowd_motivation, effort, leaving_chance, morale_target, oversight

if TYPE_CHECKING:
    from hls_sim.agents.provider import Provider

# Hours a week of fixed admin (supervision, team meetings) before any reporting.
BASE_ADMIN_HOURS = 2.0


class Worker(mesa.Agent):
    """One front-line worker employed by a provider."""

    def __init__(
        self,
        model: mesa.Model,
        provider: Provider,
        motivation: float,
        skill: np.ndarray,
        relational_skill: float,
    ):
        super().__init__(model)
        self.provider = provider
        self.slot = model.workforce.new_slot(skill, relational_skill)
        self.hours = model.params.workforce.hours
        self.baseline_motivation = motivation
        self.motivation = motivation
        self.morale = 0.7
        self.stakes = 0.0
        self.assessment_hours = 0.0
        self.split = dict.fromkeys(("support", "admin", "assessment", "forum", "gaming", "slack"), 0.0)

    @property
    def caseload(self) -> int:
        return int(self.model.workforce.caseload[self.slot])

    @property
    def skill(self) -> np.ndarray:
        return self.model.workforce.skill[self.slot]

    @property
    def relational_skill(self) -> float:
        """Skill at bespoke, relational, strengths-based practice, learnt by doing it."""
        return float(self.model.workforce.relational_skill[self.slot])

    @property
    def free_places(self) -> int:
        return max(0, self.model.params.workforce.max_caseload - self.caseload)

    def plan_week(self, forum_hours: float) -> None:
        """Split the week: paperwork and assessments first, then effort between helping and the indicator."""
        regime = self.model.regime
        self.stakes = self.provider.stakes()
        admin = BASE_ADMIN_HOURS + regime.reporting_hours_per_case * self.caseload
        fixed = min(self.hours, admin + self.assessment_hours + forum_hours)
        available = self.hours - fixed
        seen = oversight(regime.dialogue_hours)
        working = available * effort(self.motivation, self.stakes, seen)
        gaming_part = gaming.gaming_share(self.stakes, self.motivation, self.model.gaming_leverage)
        scale = fixed / max(admin + self.assessment_hours + forum_hours, 1e-9)
        self.split = {
            "admin": admin * scale,
            "assessment": self.assessment_hours * scale,
            "forum": forum_hours * scale,
            "support": working * (1.0 - gaming_part),
            "gaming": working * gaming_part,
            "slack": available - working,
        }
        self.assessment_hours = 0.0

    def reflect(self, success_seen: float) -> None:
        """Motivation is crowded in or out; morale moves toward how the week felt."""
        regime = self.model.regime
        admin_share = self.split["admin"] / self.hours
        control = min(1.0, 2.0 * self.stakes + admin_share)
        self.motivation = crowd_motivation(
            self.motivation,
            self.baseline_motivation,
            control,
            regime.discretion,
            self.model.params.workforce.crowding_rate,
        )
        overload = max(0.0, self.caseload / self.model.params.workforce.max_caseload - 0.9) * 5
        target = morale_target(regime.discretion, admin_share, self.stakes, success_seen, overload)
        self.morale += 0.05 * (target - self.morale)

    def decide_whether_to_leave(self) -> bool:
        """Low morale makes leaving likelier; returns whether this worker leaves this week."""
        params = self.model.params.workforce
        chance = leaving_chance(self.morale, params.base_turnover, params.morale_turnover)
        return bool(self.model.rng.random() < chance)


class Workforce:
    """Per-worker arrays (skill, weekly hours) indexed by a worker's slot, for vectorised support."""

    def __init__(self, domains: int, capacity: int = 64):
        self.skill = np.zeros((capacity, domains))
        self.relational_skill = np.zeros(capacity)
        self.caseload = np.zeros(capacity, dtype=np.int64)
        self.count = 0

    def new_slot(self, skill: np.ndarray, relational_skill: float) -> int:
        if self.count == len(self.caseload):
            self.skill = np.vstack([self.skill, np.zeros_like(self.skill)])
            self.relational_skill = np.concatenate(
                [self.relational_skill, np.zeros_like(self.relational_skill)]
            )
            self.caseload = np.concatenate([self.caseload, np.zeros_like(self.caseload)])
        slot = self.count
        self.skill[slot] = skill
        self.relational_skill[slot] = relational_skill
        self.count += 1
        return slot
