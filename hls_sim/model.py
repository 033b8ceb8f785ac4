"""SupportSystemModel: a place's support system as a Mesa model, one step a week.

People who may need help, workers who help them, providers that employ the
workers and a commissioner who pays the providers, under a funding regime
(target-based or trust-based) and a market regime (competition or alliance).
It lets users test the claims of Lowe and Plimmer (2019), "Exploring the New
World": that targets and competition corrupt what they measure, turn people
away at great cost and stop learning, while trust and alliances do better,
and it lets those claims fail (see docs/ODD.md).

This module sets the place up and holds the week's schedule (``step``); each
mechanism lives in a module of its own, named for it. Regimes change rules
(incentives, information, constraints, selection); outcomes come from what
agents do.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from hls_sim import (
    candour,
    closure,
    compiled,
    contracts,
    gaming,
    indicators,
    intake,
    learning,
    life,
    metrics,
    money,
    practice,
    queue,
    staffing,
    work,
)
from hls_sim.agents.commissioner import Commissioner
from hls_sim.agents.person import SUPPORTED, WAITING, People, Person
from hls_sim.agents.provider import Provider, ProviderTable
from hls_sim.agents.worker import Worker, Workforce
from hls_sim.indicators import measured_value, recorded_reading, true_value
from hls_sim.journeys import JourneyLog
from hls_sim.learning import Context
from hls_sim.motivation import draw_motivation, oversight
from hls_sim.observation import Observations
from hls_sim.parameters.calendar import WEEKS_PER_YEAR
from hls_sim.regimes import Regime
from hls_sim.scenario import (
    DOMAIN_NAMES,
    Scenario,
    apply_overrides,
    apply_regime_change,
    flat_to_dotted,
    load_scenario,
)
from hls_sim.support import SupportRules, deliver_support

if TYPE_CHECKING:
    import pandas as pd


class SupportSystemModel(mesa.Model):
    """A support system under a funding and market regime.

    Args:
        scenario: a ``Scenario``, a path or name of a scenario file, or ``None`` for the default.
        rng: seed or generator; every random draw in the model comes from it.
        record_journeys: also keep every person's events and weekly state for the stories
            (``hls_sim.journeys``); it changes nothing in the run but costs memory.
        **overrides: scenario keys in flat form, e.g. ``funding_pbr_share=0.8`` or
            ``market_mode="alliance"`` (dotted keys with ``.`` replaced by ``_``): only an
            adapter so that ``mesa.batch_run`` and ``SolaraViz`` can drive the model.
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
        self._stream_of: np.random.Generator | None = None
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
        self.journeys = JourneyLog(self, enabled=record_journeys)
        self.observe = Observations(self, self.journeys)
        self.context = Context(self.rng, self.domains, scenario.context, validity=self.indicator_validity())
        self.people = People(scenario, capacity=2 * scenario.population.size)
        self.person_agents: list[Person | None] = []
        self.add_people(scenario.population.size)
        self.workforce = Workforce(self.domains, capacity=2 * scenario.workforce.workers)
        self.worker_agents: dict[int, Worker] = {}
        self.providers = ProviderTable(
            self.domains, scenario.context.approaches, scenario.gaming.typical_chance_start
        )
        self.provider_list: list[Provider] = []
        self.create_providers()
        self.commissioner = Commissioner(self)
        self.providers_decide()
        self.forum_week = False
        self.latest: dict[str, float] = {}
        self.datacollector = metrics.WeeklyCollector()

    # --- set-up ------------------------------------------------------------------------------
    def add_people(self, count: int) -> None:
        rows = self.people.add(self.rng, self.params, count, self.week, self.stream)
        self.person_agents.extend(Person(self, int(row)) for row in rows)

    def create_providers(self) -> None:
        """Providers with differing management cultures and missions, and their first staff."""
        params = self.params
        count = params.providers.count
        spread = params.providers.pressure_spread * self.rng.uniform(-1, 1, count)
        pressures = np.clip(params.providers.pressure_mean + spread, 0, 1)
        missions = draw_motivation(self.rng, count, params.workforce.knave_share, params.motivation)
        for pressure, mission in zip(pressures, missions, strict=True):
            beliefs = learning.naive_beliefs(
                self.rng, self.domains, params.context.approaches, params.learning
            )
            contracts.add_provider(self, 1.0 / count, float(pressure), float(mission), beliefs)
        workers_each = np.full(count, params.workforce.workers // count)
        workers_each[: params.workforce.workers % count] += 1
        for index, n in enumerate(workers_each):
            for _ in range(int(n)):
                staffing.hire(self, index)

    # --- the week ----------------------------------------------------------------------------
    def step(self) -> None:
        """One week, in order."""
        self.week = self.steps - 1 - self.params.burn_in
        if self.week == 0:
            self.observe.start_recording(already_waiting=len(self.people.in_status(WAITING)))
        self.apply_regime_changes()
        self.change_context()
        self.providers_decide()
        contacts, times = self.demand()
        intake.take_contacts(self, contacts, times)
        self.run_waiting_lists()
        self.plan_work()
        self.support_and_learn()
        self.commissioner.commission()
        self.hold_forum()
        self.manage_money_and_staff()
        self.population_changes()
        if self.week >= 0:
            self.record_week()
        if self.week >= self.params.weeks - 1:
            self.running = False

    def apply_regime_changes(self) -> None:
        """Switch regime at the weeks the scenario names; the mechanisms do the rest."""
        for change in self.params.regime_change:
            if change.week != self.week:
                continue
            self.params = apply_regime_change(self.params, change)
            self.context.validity = self.indicator_validity()
            self.regime = Regime.from_scenario(self.params)
            if change.market is not None:
                contracts.relet_contracts(self)

    def change_context(self) -> None:
        self.context.drift(self.params.context.drift, self.stream)
        if self.week in self.params.context.shock_weeks:
            self.context.shock(self.params.context.shock_size)
            self.observe.shock(self.week)

    def demand(self) -> tuple[np.ndarray, np.ndarray]:
        """Life events, entrenchment and crises; returns who contacts services and when in the week."""
        people, rng, params, stream = self.people, self.rng, self.params, self.stream
        present = people.present()
        # Needs stay as life left them until support: one worst need serves all that follows.
        hit, domains, worst = life.live_week(people, present, params, rng, stream)
        self.observe.life_events(hit, domains)
        life.entrench(people, present, params, worst)
        in_crisis = life.crises(people, present, params, rng, worst, stream)
        self.observe.crises(in_crisis, *life.crisis_costs(people, in_crisis, self.week, params))
        community, community_worst = life.in_community(people, present, worst)
        if params.queue.arrival_rate:
            arriving = min(len(community), int(rng.poisson(params.queue.arrival_rate)))
            contacts = rng.choice(community, size=arriving, replace=False)
        else:
            contacts = life.seeks_help(people, community, in_crisis, params, rng, community_worst, stream)
        return life.in_week_order(contacts, stream)

    def providers_decide(self) -> None:
        """Each provider sets its practice (how far it devolves) and its culture moves (candour)."""
        table, params = self.providers, self.params
        active = table.active_indices()
        stakes = self.stakes(active)
        practice.set_discretion(
            table.discretion, active, stakes, table.mission, self.regime, params.indicator.aligned, params
        )
        candour.move(table.candour, active, stakes, table.blame, table.funder_trust, params.candour)

    def run_waiting_lists(self) -> None:
        """Cases end during the week and their places go, as they free up, to the front of each list."""
        table = self.providers
        active = table.active_indices()
        # Only a provider with people on its list has places to fill.
        listed = [int(p) for p in active if table.waiting[p]]
        at_start = queue.free_at_start(self, listed)
        occupied = int(self.occupied(active).sum())
        capacity = int(self.places(active).sum())
        ending, times, resolved = closure.cases_ending(self)
        freed = closure.close(self, ending, times, resolved)
        used = occupied - float((1.0 - times).sum())
        week = queue.run_week(self, listed, at_start.join(freed))
        queue.give_up(self, week)
        queue.start_cases(self, week)
        for line, (queue_time, place_time) in enumerate(zip(week.queue_times, week.place_times, strict=True)):
            used += place_time
            if week.ended and len(week.ended[line]):
                closure.close(self, week.ended[line], week.end_times[line])
                used -= float((1.0 - week.end_times[line]).sum())
            self.observe.queue_time(queue_time)
        self.observe.places(used, capacity)

    def plan_work(self) -> None:
        """Every worker splits the week; forums take hours in forum weeks."""
        table, workforce = self.providers, self.workforce
        self.forum_week = self.regime.is_forum_week(self.week)
        slots = workforce.slots()
        stakes = self.stakes(slice(None))
        seen = oversight(table.dialogue_hours, self.params.motivation)
        forum_hours = self.regime.forum_hours if self.forum_week else 0.0
        work.plan_week(
            workforce,
            slots,
            stakes,
            table.blame,
            seen,
            forum_hours,
            self.regime,
            self.params,
            self.gaming_leverage,
        )
        self.observe.hours_planned(slots)

    def support_and_learn(self) -> None:
        """Every worker supports their caseload; providers learn from what they can see of it."""
        workforce, table = self.workforce, self.providers
        table.spend[:] = 0.0
        rows = self.people.in_status(SUPPORTED)
        offered = float(compiled.pairwise_sum(workforce.support[: workforce.count]))
        if len(rows) == 0:
            self.observe.support(rows, np.zeros(0), offered)
            self.note_success_seen(rows, np.zeros(0))
            return
        rules = SupportRules(
            threshold=self.params.indicator.threshold,
            discretion=table.discretion,
            gaming_leverage=self.gaming_leverage,
            aligned=self.params.indicator.aligned,
            threshold_pays=self.regime.tariff != indicators.DISTANCE,
        )
        result = deliver_support(
            self.people,
            rows,
            workforce,
            self.context,
            self.measure(rows),
            rules,
            money.discretionary_budgets(self),
            self.params,
        )
        table.spend[: len(result.spend)] = result.spend
        self.observe.support(rows, result.hours, offered)
        self.note_success_seen(rows, result.gain)
        self.learn(result.practice_hours)

    def note_success_seen(self, rows: np.ndarray, gain: np.ndarray) -> None:
        """What each worker sees of their work: the share of their caseload doing better this week.

        A worker with nobody on their caseload sees ``morale.neutral_success``.
        """
        _share_doing_better(
            self.people.worker, rows, gain, self.params.morale.neutral_success, self.workforce.success_seen
        )

    def learn(self, practice_hours: np.ndarray) -> None:
        """Providers update their beliefs from this week's practice, as far as their candour lets them see."""
        table = self.providers
        learning.learn_from_practice(
            self.stream,
            self.context,
            practice_hours[: table.count],
            table.candour,
            table.active,
            table.beliefs,
            table.evidence,
            self.params.learning,
        )

    def hold_forum(self) -> None:
        """At a forum week, providers pool what they choose to disclose of what they know."""
        if self.forum_week:
            members = self.providers.active_indices()
            forum = self.params.forum
            openness = learning.openness(
                self.regime.rivals_retender, self.regime.open_books, len(members), forum.guardedness
            )
            moved = learning.pool_knowledge(
                self.providers.beliefs, self.providers.evidence, members, openness, forum.uptake
            )
            self.observe.knowledge_shared(moved)

    def manage_money_and_staff(self) -> None:
        staffing.pay_wages(self)
        staffing.plan_workforce(self)
        staffing.reflect_and_leave(self)

    def population_changes(self) -> None:
        """People move away or die, and new residents arrive."""
        params = self.params.population
        leaving, arrivals = self.people.turnover(
            self.stream, params.exit_rate / WEEKS_PER_YEAR, params.arrival_rate / WEEKS_PER_YEAR
        )
        self.people_leave(leaving)
        if arrivals:
            self.add_people(arrivals)

    def people_leave(self, rows: np.ndarray) -> None:
        """``rows`` leave the place: off any waiting list or caseload, and out of the model."""
        people = self.people
        row_list = rows.tolist()
        status = people.status[rows].tolist()
        waiting = {row for row, now in zip(row_list, status, strict=True) if now == WAITING}
        self.observe.left(rows, len(waiting))
        if waiting:
            for provider in sorted(set(people.provider[list(waiting)].tolist())):
                queue.drop(self, provider, waiting)
        caseload = self.workforce.caseload
        for worker, now in zip(people.worker[rows].tolist(), status, strict=True):
            if now == SUPPORTED:
                caseload[worker] -= 1
        people.leave(rows)
        for row in row_list:
            agent = self.person_agents[row]
            if agent is not None:
                agent.remove()
                self.person_agents[row] = None

    def record_week(self) -> None:
        self.latest = metrics.weekly_metrics(self)
        self.datacollector.collect(self)
        self.journeys.note_week()

    @property
    def stream(self) -> np.ndarray:
        """The model's generator as compiled kernels take it (``hls_sim.compiled.stream``)."""
        if self._stream_of is not self.rng:
            self._stream, self._stream_of = compiled.stream(self.rng), self.rng
        return self._stream

    # --- what agents read -------------------------------------------------------------------------
    def stakes(self, provider):
        """How much the indicator matters to staff at ``provider`` (an index, an array of them or a slice)."""
        return gaming.felt_stakes(
            self.regime.pbr_share, self.providers.pressure[provider], self.pooled_over()
        )

    def pooled_over(self) -> int:
        """How many providers' results are pooled into each one's stakes (``gaming.felt_stakes``)."""
        return len(self.providers.active_indices()) if self.regime.pooled_results else 1

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
        if aligned:
            return measured_value(None, None, people.wellbeing(rows), aligned)
        return recorded_reading(people.needs, people.recorded_domain, people.recording_bias, rows)

    def true_indicator(self, rows: np.ndarray) -> np.ndarray:
        people, aligned = self.people, self.params.indicator.aligned
        if aligned:
            return true_value(None, people.wellbeing(rows), aligned)
        return true_value(people.need_in(rows, people.assessed_domain[rows]), None, aligned)

    def places(self, provider):
        """How many people ``provider`` (an index or an array of them) can support at once.

        Its workers' caseloads, or the fixed places of the docking configuration.
        """
        fixed = self.params.queue.places
        if fixed:
            return np.round(fixed * self.providers.share[provider]).astype(np.int64)
        return self.workforce.headcount(self.providers.count)[provider] * self.params.workforce.max_caseload

    def occupied(self, provider):
        """How many people ``provider`` (an index or an array of them) is supporting."""
        return self.workforce.caseloads(self.providers.count)[provider]

    def active_provider_count(self) -> int:
        return len(self.providers.active_indices())

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


@compiled.kernel
def _share_doing_better(
    worker: np.ndarray, rows: np.ndarray, gain: np.ndarray, neutral: float, success_seen: np.ndarray
) -> None:
    """``note_success_seen``: each worker with a caseload sees the share of it whose ``gain`` is above 0.

    The others see ``neutral``. ``worker`` is everyone's; ``gain`` is each row's.
    """
    cases, better = np.zeros(len(success_seen), dtype=np.int64), np.zeros(len(success_seen))
    for i in range(len(rows)):
        cases[worker[rows[i]]] += 1
        better[worker[rows[i]]] += np.float64(gain[i] > 0)
    for slot in range(len(success_seen)):
        success_seen[slot] = better[slot] / cases[slot] if cases[slot] > 0 else neutral
