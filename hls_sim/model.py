"""SupportSystemModel: a place's support system as a Mesa model, one step a week.

People who may need help, workers who help them, providers that employ the
workers and a commissioner who pays the providers, under a funding regime
(target-based or trust-based) and a market regime (competition or alliance).
It lets users test the claims of Lowe and Plimmer (2019), "Exploring the New
World": that targets and competition corrupt what they measure, turn people
away at great cost and stop learning, while trust and alliances do better,
and it lets those claims fail (see docs/ODD.md).

The week, in order, is in ``step``. Regimes change rules (incentives,
information, constraints, selection); outcomes come from what agents do.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from hls_sim import casework, gaming, metrics
from hls_sim.agents.commissioner import QUARTER, Commissioner
from hls_sim.agents.person import (
    COMMUNITY,
    EXITED,
    SUPPORTED,
    WAITING,
    People,
    Person,
    adjust_trust,
    crises,
    entrench,
    live_week,
    seeks_help,
)
from hls_sim.agents.provider import Provider
from hls_sim.agents.worker import Worker, Workforce
from hls_sim.indicators import measured_value, true_value
from hls_sim.journeys import JourneyLog
from hls_sim.learning import Context, Knowledge, pool_knowledge
from hls_sim.motivation import draw_motivation
from hls_sim.regimes import Regime
from hls_sim.scenario import (
    DOMAIN_NAMES,
    Scenario,
    apply_overrides,
    apply_regime_change,
    flat_to_dotted,
    load_scenario,
)
from hls_sim.support import SupportRules, WorkerWeek, deliver_support

if TYPE_CHECKING:
    import pandas as pd

# Typical skill at bespoke, relational work of a new recruit (see ``support.practise``).
RECRUIT_RELATIONAL_SKILL = 0.4


class SupportSystemModel(mesa.Model):
    """A support system under a funding and market regime.

    Args:
        scenario: a ``Scenario``, a path or name of a scenario file, or ``None`` for the default.
        rng: seed or generator; every random draw in the model comes from it.
        record_journeys: also keep every person's events and weekly state for the stories
            (``hls_sim.journeys``); it changes nothing in the run but costs memory.
        **overrides: scenario keys in flat form, e.g. ``funding_pbr_share=0.8`` or
            ``market_mode="alliance"`` (dotted keys with ``.`` replaced by ``_``), so that
            ``mesa.batch_run`` and ``SolaraViz`` can drive the model.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        *,
        rng: Any = None,
        record_journeys: bool = False,
        **overrides: Any,
    ):
        super().__init__(rng=rng)
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if overrides:
            scenario = apply_overrides(
                scenario, {flat_to_dotted(k): v for k, v in overrides.items()}, source="model keyword"
            )
        self.params = scenario
        self.regime = Regime.from_scenario(scenario)
        self.domains = scenario.population.domains
        self.domain_names = DOMAIN_NAMES[: self.domains]
        self.week = -scenario.burn_in
        self.counters: defaultdict[str, float] = defaultdict(float)
        self.records = metrics.RunRecords()
        self.journeys = JourneyLog(self, enabled=record_journeys)
        self.typical_success_chance = 0.5
        self.context = Context(
            self.rng, self.domains, scenario.context.approaches, validity=self.indicator_validity()
        )
        self.people = People(self.domains, capacity=int(scenario.population.size * 1.5) + 16)
        self.person_agents: list[Person | None] = []
        self.add_people(scenario.population.size)
        self.workforce = Workforce(self.domains, capacity=scenario.workforce.workers + 16)
        self.provider_list: list[Provider] = []
        self.create_providers()
        self.commissioner = Commissioner(self)
        self.latest: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(model_reporters=metrics.weekly_reporters())

    # --- set-up ------------------------------------------------------------------------------
    def add_people(self, count: int) -> None:
        rows = self.people.add(self.rng, self.params.population, count, self.week)
        self.person_agents.extend(Person(self, int(row)) for row in rows)

    def create_providers(self) -> None:
        params = self.params
        count = params.providers.count
        pressures = np.clip(0.6 + params.providers.pressure_spread * self.rng.uniform(-1, 1, count), 0, 1)
        missions = draw_motivation(self.rng, count, params.workforce.knave_share)
        for pressure, mission in zip(pressures, missions, strict=True):
            knowledge = Knowledge.naive(self.rng, self.domains, params.context.approaches)
            Provider(
                self, share=1.0 / count, pressure=float(pressure), mission=float(mission), knowledge=knowledge
            )
        workers_each = np.full(count, params.workforce.workers // count)
        workers_each[: params.workforce.workers % count] += 1
        for provider, n in zip(self.provider_list, workers_each, strict=True):
            for _ in range(int(n)):
                self.hire(provider)

    def hire(self, provider: Provider) -> Worker:
        params = self.params.workforce
        motivation = float(draw_motivation(self.rng, 1, params.knave_share)[0])
        skill = np.clip(self.rng.normal(params.skill_mean, 0.1, self.domains), 0.05, 1.0)
        # Recruits arrive with some relational skill; the rest comes from practising it here.
        relational = float(np.clip(self.rng.normal(RECRUIT_RELATIONAL_SKILL, 0.1), 0.05, 1.0))
        worker = Worker(self, provider, motivation, skill, relational)
        provider.workers.append(worker)
        return worker

    # --- the week ----------------------------------------------------------------------------
    def step(self) -> None:
        """One week."""
        self.week = self.steps - 1 - self.params.burn_in
        if self.week == 0:
            self.start_recording()
        self.apply_regime_changes()
        self.change_context()
        contacts = self.people_live_their_week()
        self.take_contacts(contacts)
        self.give_up_waiting()
        for provider in self.active_providers():
            provider.allocate()
        forum = self.regime.is_forum_week(self.week)
        for worker in self.agents_by_type[Worker]:
            worker.plan_week(self.regime.forum_hours if forum else 0.0)
        self.support_and_learn()
        self.close_cases()
        self.commission()
        if forum:
            self.counters["knowledge_shared"] += pool_knowledge(
                [p.knowledge for p in self.active_providers()], self.regime.sharing
            )
        self.manage_money_and_staff()
        self.population_changes()
        if self.week >= 0:
            self.latest = metrics.weekly_metrics(self)
            self.datacollector.collect(self)
            self.journeys.note_week()
        if self.week >= self.params.weeks - 1:
            self.running = False

    def start_recording(self) -> None:
        """Metrics count from week 0: burn-in only settles the system."""
        self.counters.clear()
        # People already waiting enter the recorded window now (for Little's law).
        self.counters["queue_entries"] = len(self.people.in_status(WAITING))
        self.records = metrics.RunRecords()
        self.records.start(self)

    def apply_regime_changes(self) -> None:
        """Switch regime at the weeks the scenario names; the mechanisms do the rest."""
        for change in self.params.regime_change:
            if change.week != self.week:
                continue
            self.params = apply_regime_change(self.params, change)
            self.context.validity = self.indicator_validity()
            self.regime = Regime.from_scenario(self.params)
            if change.market is not None:
                self.commissioner.relet_contracts()

    def change_context(self) -> None:
        self.context.drift(self.params.context.drift)
        if self.week in self.params.context.shock_weeks:
            self.context.shock(self.params.context.shock_size)
            self.records.shocks.append(self.week)

    def people_live_their_week(self) -> np.ndarray:
        """Life events, entrenchment and crises; returns who contacts services."""
        people, rng = self.people, self.rng
        present = people.present()
        hit, domains = live_week(people, present, self.params.population, rng)
        self.journeys.note_life_events(hit, domains)
        entrench(people, present)
        in_crisis = crises(people, present, rng)
        self.journeys.note_crises(in_crisis)
        cost = self.params.costs
        self.counters["crises"] += len(in_crisis)
        crisis_cost = cost.crisis * (1 + cost.entrenchment_multiplier * people.entrenchment[in_crisis])
        self.counters["entrenchment_cost"] += float(crisis_cost.sum())
        # Crises of people turned away (or who gave up waiting) and not helped since, within the
        # same window that makes a contact failure demand.
        refused_at = people.last_turnaway[in_crisis]
        after_refusal = (refused_at > people.episode_start[in_crisis]) & (
            self.week - refused_at <= casework.FAILURE_DEMAND_WEEKS
        )
        self.counters["crisis_cost_after_turnaway"] += float(crisis_cost[after_refusal].sum())
        community = present[people.status[present] == COMMUNITY]
        return seeks_help(people, community, in_crisis, rng)

    def take_contacts(self, contacts: np.ndarray) -> None:
        """Route each contact to a provider, which assesses and accepts or turns away."""
        if len(contacts) == 0:
            return
        people = self.people
        people.contacts[contacts] += 1
        failure = casework.is_failure_demand(people, contacts, self.week)
        self.journeys.note_contacts(contacts, failure)
        self.counters["contacts"] += len(contacts)
        self.counters["failure_demand"] += int(failure.sum())
        providers = self.active_providers()
        choice = self.route(contacts, providers)
        refused = np.zeros(len(contacts), dtype=bool)
        for index, provider in enumerate(providers):
            mine = np.flatnonzero(choice == index)
            _, turned_away = provider.intake(contacts[mine])
            refused[mine] = np.isin(contacts[mine], turned_away)
        self.counters["turnaways"] += int(refused.sum())
        # Assessments wasted on refusals or caused by an earlier failure, each counted once.
        wasted = int((refused | failure).sum())
        self.counters["wasted_assessment_hours"] += wasted * self.params.eligibility.assessment_hours

    def route(self, contacts: np.ndarray, providers: list[Provider]) -> np.ndarray:
        """Which provider each contact reaches: by contract share, or by best fit where referrals work."""
        shares = np.array([p.share for p in providers])
        if not self.regime.referrals:
            return self.rng.choice(len(providers), size=len(contacts), p=shares / shares.sum())
        domain = self.people.needs[contacts].argmax(axis=1)
        fit = np.stack([p.knowledge.beliefs.max(axis=1) for p in providers], axis=1)[domain]
        room = np.array([sum(w.free_places for w in p.workers) - len(p.waiting) for p in providers])
        crowding = np.clip(-room / (10.0 * shares * len(providers) + 1.0), 0.0, 1.0)
        score = fit - 0.5 * crowding + self.rng.normal(0.0, 0.05, fit.shape)
        return score.argmax(axis=1)

    def give_up_waiting(self) -> None:
        """People who have waited too long leave the list, trusting services less."""
        people = self.people
        waiting = people.in_status(WAITING)
        gave_up = waiting[self.week - people.wait_start[waiting] > self.params.eligibility.max_wait_weeks]
        if len(gave_up) == 0:
            return
        self.record_waits(gave_up)
        self.journeys.note_gave_up(gave_up)
        gone = set(gave_up.tolist())
        for provider in self.active_providers():
            provider.drop_from_waiting(gone)
        people.status[gave_up] = COMMUNITY
        people.provider[gave_up] = -1
        people.last_turnaway[gave_up] = self.week
        adjust_trust(people, gave_up, -0.1)

    def worker_week(self) -> WorkerWeek:
        size = self.workforce.count
        columns = {
            name: np.zeros(size)
            for name in ("support_hours", "gaming_hours", "stakes", "motivation", "morale")
        }
        for worker in self.agents_by_type[Worker]:
            columns["support_hours"][worker.slot] = worker.split["support"]
            columns["gaming_hours"][worker.slot] = worker.split["gaming"]
            columns["stakes"][worker.slot] = worker.stakes
            columns["motivation"][worker.slot] = worker.motivation
            columns["morale"][worker.slot] = worker.morale
            for part, hours in worker.split.items():
                if part != "support":  # counted once delivered, in support_and_learn
                    self.counters[f"hours_{part}"] += hours
        return WorkerWeek(**columns)

    def support_and_learn(self) -> None:
        """Every worker supports their caseload; providers learn from what they can see of it."""
        self.this_week = self.worker_week()
        self.weekly_spend = np.zeros(len(self.provider_list))
        self.success_seen: dict[int, float] = {}
        rows = self.people.in_status(SUPPORTED)
        offered = float(self.this_week.support_hours.sum())
        if len(rows) == 0:
            self.counters["hours_spare"] += offered
            return
        before = self.people.wellbeing(rows)
        budgets = np.array([p.discretionary_budget() if p.active else 0.0 for p in self.provider_list])
        rules = self.support_rules()
        result = deliver_support(
            self.people,
            rows,
            self.this_week,
            self.context,
            self.workforce,
            self.measure(rows),
            rules,
            budgets,
        )
        self.weekly_spend = result.spend
        # Support hours nobody could use (light caseloads) are spare, not support.
        delivered = float(result.hours.sum())
        self.counters["hours_support"] += delivered
        self.counters["hours_spare"] += offered - delivered
        self.success_seen = self.improving_share_by_slot(rows, self.people.wellbeing(rows) - before)
        self.records.note_support(self, rows, result.hours)
        for provider in self.active_providers():
            provider.learn(result.practice_hours[provider.index])

    def support_rules(self) -> SupportRules:
        """The rules this week's support follows: the regime's discretion, the scenario's rates."""
        params = self.params
        return SupportRules(
            threshold=params.indicator.threshold,
            discretion=self.regime.discretion,
            spend_limit=params.support.discretionary_spend,
            strengths_gain=params.support.strengths_gain,
            dependency_loss=params.support.dependency_loss,
            skill_rate=params.learning.skill_rate,
            practice_rate=params.learning.practice_rate,
            max_hours_per_person=params.support.max_hours_per_person,
            gaming_leverage=self.gaming_leverage,
            aligned=params.indicator.aligned,
        )

    def improving_share_by_slot(self, rows: np.ndarray, gain: np.ndarray) -> dict[int, float]:
        """What each worker sees of their work: the share of their caseload doing better this week."""
        slots = self.people.worker[rows]
        improving = np.bincount(slots, weights=(gain > 0).astype(float))
        counts = np.bincount(slots)
        return {int(slot): improving[slot] / counts[slot] for slot in np.flatnonzero(counts)}

    def close_cases(self) -> None:
        """Workers close the cases that end this week; providers log them for the indicator.

        Reclassification and misreporting are decided here, case by case, by the
        worker's stakes and motivation (``hls_sim.gaming``).
        """
        people, params = self.people, self.params
        rows = people.in_status(SUPPORTED)
        if len(rows) == 0:
            return
        slots = people.worker[rows]
        stakes, motivation = self.this_week.stakes[slots], self.this_week.motivation[slots]
        threshold = params.indicator.threshold
        measured = self.measure(rows)
        closing, resolved = casework.closure_decisions(
            people,
            rows,
            week=self.week,
            measured=measured,
            threshold=threshold,
            stakes=stakes,
            motivation=motivation,
            discretion=self.regime.discretion,
            package_weeks=params.support.package_weeks,
            rng=self.rng,
        )
        if not closing.any():
            return
        rows, stakes, motivation = rows[closing], stakes[closing], motivation[closing]
        resolved, measured = resolved[closing], measured[closing]
        reclassified = np.zeros(len(rows), dtype=bool)
        if not params.indicator.aligned:
            reclassified = (measured >= threshold) & gaming.reclassifies(stakes, motivation)
            casework.reclassify(people, rows[reclassified])
            measured = self.measure(rows)
        success = measured < threshold
        misreported = ~success & gaming.misreports(
            stakes, motivation, params.indicator.audit_rate, params.indicator.audit_penalty
        )
        reported = success | misreported
        true = self.true_indicator(rows) < threshold
        provider_of = people.provider[rows]
        for provider in self.active_providers():
            mine = provider_of == provider.index
            if mine.any():
                provider.report_closures(
                    reported[mine], true[mine], misreported[mine], (reclassified & success)[mine]
                )
        self.records.note_closures(self, rows, measured, reported, true)
        self.journeys.note_closures(rows, resolved, reported, true)
        np.subtract.at(self.workforce.caseload, people.worker[rows], 1)
        casework.end_support(people, rows, resolved, self.week)

    def commission(self) -> None:
        commissioner = self.commissioner
        commissioner.pay()
        if self.regime.dialogue_hours > 0:
            commissioner.hold_dialogue()
        if (self.week + self.params.burn_in) % QUARTER == QUARTER - 1:
            commissioner.settle_results()
        if self.regime.is_tender_week(commissioner.weeks_since_letting):
            commissioner.retender()

    def manage_money_and_staff(self) -> None:
        spend = self.weekly_spend
        for provider in self.active_providers():
            extra = spend[provider.index] if provider.index < len(spend) else 0.0
            provider.pay_wages(float(extra))
            provider.plan_workforce()
        for worker in list(self.agents_by_type[Worker]):
            worker.reflect(self.success_seen.get(worker.slot, 0.5))
            if worker.decide_whether_to_leave():
                self.counters["leavers"] += 1
                self.release_worker(worker)

    def population_changes(self) -> None:
        """People move away or die, and new residents arrive."""
        params = self.params.population
        people = self.people
        present = people.present()
        leaving = present[self.rng.random(len(present)) < params.exit_rate / 52]
        for row in leaving:
            self.person_leaves(int(row))
        arrivals = self.rng.poisson(params.arrival_rate / 52 * len(present))
        if arrivals:
            self.add_people(int(arrivals))

    def person_leaves(self, row: int) -> None:
        people = self.people
        self.journeys.note_leaving(row)
        if people.status[row] == WAITING:
            self.record_waits(np.array([row]))
            provider = self.provider_list[people.provider[row]]
            provider.drop_from_waiting({row})
        elif people.status[row] == SUPPORTED:
            self.workforce.caseload[people.worker[row]] -= 1
        people.status[row] = EXITED
        people.worker[row] = -1
        people.provider[row] = -1
        agent = self.person_agents[row]
        if agent is not None:
            agent.remove()
            self.person_agents[row] = None

    # --- workers leaving, providers entering and leaving ---------------------------------------
    def release_worker(self, worker: Worker, *, replace: bool = True) -> None:
        """A worker leaves: their caseload is handed to colleagues with room, or back to the list.

        A provider replaces a leaver (after a vacancy delay) but not someone it laid off.
        """
        provider = worker.provider
        provider.workers.remove(worker)
        people = self.people
        rows = people.in_status(SUPPORTED)
        rows = rows[people.worker[rows] == worker.slot]
        self.workforce.caseload[worker.slot] = 0
        worker.remove()
        self.reassign(rows, provider)
        self.journeys.note_handoffs(rows, previous_worker=worker.slot)
        if replace and provider.active:
            provider.vacancies.append(self.week + self.params.workforce.vacancy_weeks)

    def lay_off(self, worker: Worker) -> None:
        self.counters["layoffs"] += 1
        worker.provider.vacancies.clear()
        self.release_worker(worker, replace=False)

    def reassign(self, rows: np.ndarray, provider: Provider) -> None:
        """Hand people to colleagues at ``provider`` with room; the rest go to the front of its list."""
        if len(rows) == 0:
            return
        people = self.people
        casework.hand_off(people, rows)
        self.counters["handoffs"] += len(rows)
        remaining = list(rows)
        for other in sorted(provider.workers, key=lambda w: w.caseload):
            while remaining and other.free_places > 0:
                row = remaining.pop()
                people.worker[row] = other.slot
                people.provider[row] = provider.index
                self.workforce.caseload[other.slot] += 1
        if remaining:
            back = np.array(remaining)
            casework.join_waiting_list(people, back, provider.index, self.week)
            people.worker[back] = -1
            provider.waiting.extendleft(reversed(remaining))
            self.counters["queue_entries"] += len(back)

    def close_provider(self, provider: Provider, successor: Provider) -> None:
        """A provider that lost its contract leaves; staff and people transfer to the successor."""
        provider.active = False
        people = self.people
        for worker in list(provider.workers):
            worker.provider = successor
            worker.morale = max(0.0, worker.morale - 0.15)
            successor.workers.append(worker)
        provider.workers.clear()
        moved = np.flatnonzero(people.provider[: people.count] == provider.index)
        people.provider[moved] = successor.index
        self.journeys.note_transfers(moved, provider.index, successor.index)
        successor.waiting.extend(provider.waiting)
        provider.waiting.clear()
        successor.share += provider.share
        provider.share = 0.0
        successor.cash += max(0.0, provider.cash)
        provider.cash = min(0.0, provider.cash)

    def enter_provider(self, copying: Provider) -> None:
        """A new provider enters and copies the winner's culture and know-how."""
        active = self.active_providers()
        share = 1.0 / (len(active) + 1)
        for provider in active:
            provider.share *= 1 - share
        pressure = copying.pressure + self.rng.normal(0.0, 0.05)
        mission = float(draw_motivation(self.rng, 1, self.params.workforce.knave_share)[0])
        Provider(self, share=share, pressure=pressure, mission=mission, knowledge=copying.knowledge.copy())

    # --- helpers read by agents -----------------------------------------------------------------
    def active_providers(self) -> list[Provider]:
        return [p for p in self.provider_list if p.active]

    def active_provider_count(self) -> int:
        return sum(p.active for p in self.provider_list)

    def indicator_validity(self) -> float:
        """How far the indicator tracks what really helps: fully, when it measures the outcome itself."""
        indicator = self.params.indicator
        return 1.0 if indicator.aligned else indicator.validity

    @property
    def gaming_leverage(self) -> float:
        """A valid (aligned) indicator cannot be moved by indicator work."""
        return 0.0 if self.params.indicator.aligned else self.params.indicator.gaming_leverage

    def measure(self, rows: np.ndarray) -> np.ndarray:
        people, aligned = self.people, self.params.indicator.aligned
        wellbeing = people.wellbeing(rows) if aligned else None
        return measured_value(
            people.needs[rows], people.recorded_domain[rows], people.recording_bias[rows], wellbeing, aligned
        )

    def true_indicator(self, rows: np.ndarray) -> np.ndarray:
        people, aligned = self.people, self.params.indicator.aligned
        wellbeing = people.wellbeing(rows) if aligned else None
        return true_value(people.needs[rows], people.assessed_domain[rows], wellbeing, aligned)

    # --- records for metrics (observe only) -------------------------------------------------------
    def record_assessments(self, rows: np.ndarray, eligible: np.ndarray, accepted: np.ndarray) -> None:
        self.records.note_assessments(self, rows[eligible], accepted[eligible])
        self.counters["queue_entries"] += int(accepted.sum())

    def record_waits(self, rows: np.ndarray) -> None:
        """Waits of people leaving the list, counted from the start of recording at the earliest."""
        if self.week >= 0:
            started = np.maximum(self.people.wait_start[rows], 0)
            self.records.waits.extend((self.week - started).tolist())

    # --- running ------------------------------------------------------------------------------
    def run_to_end(self) -> None:
        while self.running:
            self.step()

    def summary(self) -> dict[str, float]:
        """The run's summary metrics (the public contract; see docs/ODD.md)."""
        return metrics.summary(self)

    def weekly_table(self) -> pd.DataFrame:
        """One row per recorded week: the per-week metrics."""
        return metrics.weekly_table(self)
