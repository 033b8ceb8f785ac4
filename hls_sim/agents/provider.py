"""Provider organisations: who they accept, how they manage, what they report, how they learn.

A provider's week: ``intake`` (assess and accept or turn away: eligibility,
and creaming when stakes are high), ``allocate`` (first come, first served
from the waiting list to workers with room), ``report_closures`` (the cases its
workers closed, some reclassified or misreported: see ``model.close_cases``),
``learn`` (from what its information lets it see), then ``pay_wages`` and
``plan_workforce``.

Management ``pressure`` is how hard the provider pushes its staff on the
indicator: its culture. Under competition, entrants copy the culture and
knowledge of whoever won, so gaming can spread without anyone intending it
(Smaldino and McElreath 2016, "The natural selection of bad science";
Braganza 2022 on proxy-based selection).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

import mesa
import numpy as np

from hls_sim import casework, gaming, indicators
from hls_sim.learning import Knowledge, observed_signal
from hls_sim.motivation import effort, oversight

if TYPE_CHECKING:
    from hls_sim.agents.worker import Worker

# Share of income a provider plans to spend on front-line wages (the rest is overhead).
WAGE_SHARE = 0.9


class Provider(mesa.Agent):
    """One provider organisation."""

    def __init__(
        self, model: mesa.Model, share: float, pressure: float, mission: float, knowledge: Knowledge
    ):
        super().__init__(model)
        self.mission = mission
        self.index = len(model.provider_list)
        model.provider_list.append(self)
        self.share = share
        self.pressure = float(np.clip(pressure, 0.0, 1.0))
        self.knowledge = knowledge
        self.cash = 4 * self.weekly_core_value()
        self.received = 0.0
        self.workers: list[Worker] = []
        self.waiting: deque[int] = deque()
        self.log = indicators.ClosureLog()
        self.vacancies: list[int] = []
        self.active = True
        self.expected_results_ratio = 0.8
        self.contract_reported: list[float] = []
        self.contract_seen: list[float] = []
        self.caught = 0

    # --- incentives -------------------------------------------------------------------------
    def stakes(self) -> float:
        """How much the indicator matters to this provider's staff this week."""
        regime = self.model.regime
        pooled_over = self.model.active_provider_count() if regime.pooled_results else 1
        return gaming.felt_stakes(regime.pbr_share, self.pressure, pooled_over)

    def staffing_commitment(self) -> float:
        """Share of planned front-line staffing the provider actually keeps.

        A mission-driven provider staffs fully; one with little mission skims the
        contract unless money rides on results or the funder is looking: trust
        can be abused where nobody looks (Le Grand 1997).
        """
        seen = oversight(self.model.regime.dialogue_hours)
        return 0.6 + 0.4 * effort(self.mission, self.stakes(), seen)

    def weekly_core_value(self) -> float:
        return self.model.params.funding.budget / 52 * self.share

    # --- intake -----------------------------------------------------------------------------
    def intake(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Assess each contact; accept onto the waiting list or turn away. Returns (accepted, refused)."""
        model, people = self.model, self.model.people
        if len(rows) == 0:
            return rows, rows
        observed = casework.assess(people, rows, model.rng)
        self.charge_assessment_hours(len(rows) * model.params.eligibility.assessment_hours)
        eligible = casework.eligible(observed, model.params.eligibility.threshold)
        chance = gaming.success_chance(
            observed, people.entrenchment[rows], people.assets[rows], model.params.indicator.threshold
        )
        creamed = gaming.creams(self.stakes(), self.mission, chance, model.typical_success_chance)
        accept = eligible & ~creamed
        if eligible.any():
            # The going rate of success among eligible people: what creaming compares a case with.
            model.typical_success_chance += 0.1 * (
                float(chance[eligible].mean()) - model.typical_success_chance
            )
        model.record_assessments(rows, eligible, accept)
        casework.join_waiting_list(people, rows[accept], self.index, model.week)
        self.waiting.extend(rows[accept].tolist())
        casework.turn_away(people, rows[~accept], model.week)
        model.journeys.note_intake(rows, self.index, eligible, accept)
        return rows[accept], rows[~accept]

    def charge_assessment_hours(self, hours: float) -> None:
        """Assessments take hours from the provider's workers, accepted or not."""
        if self.workers:
            each = hours / len(self.workers)
            for worker in self.workers:
                worker.assessment_hours += each
        self.model.counters["assessment_hours"] += hours

    # --- waiting list -----------------------------------------------------------------------
    def allocate(self) -> None:
        """Give free places to people in the order they joined the waiting list."""
        if not self.waiting or not self.workers:
            return
        people, caseload = self.model.people, self.model.workforce.caseload
        slots = np.array([worker.slot for worker in self.workers])
        slots = slots[np.argsort(caseload[slots], kind="stable")]
        free = self.model.params.workforce.max_caseload - caseload[slots]
        places = np.repeat(slots, np.maximum(free, 0))[: len(self.waiting)]
        if len(places) == 0:
            return
        rows = np.array([self.waiting.popleft() for _ in range(len(places))])
        np.add.at(caseload, places, 1)
        taken_slots = places
        approaches = self.choose_approaches(len(rows))
        self.model.record_waits(rows)
        casework.start_support(people, rows, taken_slots, approaches, self.model.week)
        self.model.journeys.note_allocations(rows, self.index)

    def choose_approaches(self, count: int) -> np.ndarray:
        """The approach believed best for each domain; a share of cases try something else."""
        rng = self.model.rng
        best = np.broadcast_to(self.knowledge.chosen_approaches(), (count, self.model.domains)).copy()
        explore = rng.random(best.shape) < self.model.params.learning.exploration
        best[explore] = rng.integers(0, self.model.params.context.approaches, explore.sum())
        return best

    def drop_from_waiting(self, rows: set[int]) -> None:
        self.waiting = deque(row for row in self.waiting if row not in rows)

    # --- closure and reporting --------------------------------------------------------------
    def report_closures(
        self, reported: np.ndarray, true: np.ndarray, misreported: np.ndarray, reclassified: np.ndarray
    ) -> None:
        """Log this week's closures for the quarter's report (the commissioner sees only ``reported``)."""
        self.log.add(reported, true, misreported, reclassified)

    # --- learning ---------------------------------------------------------------------------
    def learn(self, practice_hours: np.ndarray) -> None:
        """Update beliefs from this week's practice, as far as honest feedback lets it see."""
        if practice_hours.sum() <= 0:
            return
        model = self.model
        signal = observed_signal(model.rng, model.context, practice_hours, model.regime.honest_feedback)
        self.knowledge.update(practice_hours, signal, model.params.learning.belief_rate)

    # --- money and staff --------------------------------------------------------------------
    def receive(self, amount: float) -> None:
        self.cash += amount
        self.received += amount

    def expected_income(self) -> float:
        pbr = self.model.regime.pbr_share
        return self.weekly_core_value() * ((1 - pbr) + pbr * self.expected_results_ratio)

    def borrowing_limit(self) -> float:
        """How far below zero the provider's cash may go: some weeks of its contract income."""
        return self.model.params.providers.overdraft * self.weekly_core_value()

    def wage_bill(self) -> float:
        return len(self.workers) * self.model.params.workforce.wage

    def discretionary_budget(self) -> float:
        """What is left for discretionary spend this week once wages are covered."""
        return max(0.0, self.cash + self.borrowing_limit() - self.wage_bill())

    def pay_wages(self, spend: float) -> None:
        """Pay staff and discretionary spend; lay staff off rather than spend money it lacks.

        Discretionary spend was already held within ``discretionary_budget``.
        """
        while self.workers and self.cash - self.wage_bill() < -self.borrowing_limit():
            self.model.lay_off(self.workers[-1])
        self.cash -= self.wage_bill() + spend

    def plan_workforce(self) -> None:
        """Hire toward what expected income pays for, or shed staff beyond it."""
        model = self.model
        wage = model.params.workforce.wage
        budget = WAGE_SHARE * self.staffing_commitment() * self.expected_income()
        target = int(budget // wage) if self.active else 0
        arriving = [week for week in self.vacancies if week <= model.week]
        self.vacancies = [week for week in self.vacancies if week > model.week]
        for _ in arriving:
            if len(self.workers) < target and self.cash > wage:
                model.hire(self)
        planned = len(self.workers) + len(self.vacancies)
        if planned < target:
            self.vacancies.extend([model.week + model.params.workforce.vacancy_weeks] * (target - planned))
        while len(self.workers) > target:
            model.lay_off(self.workers[-1])


def share_weighted(providers: list[Provider], value: Callable[[Provider], float]) -> float:
    """A provider-level quantity averaged over active providers, weighted by contract share."""
    active = [p for p in providers if p.active]
    weights = np.array([p.share for p in active])
    values = np.array([value(p) for p in active])
    return float((weights * values).sum() / max(weights.sum(), 1e-12))
