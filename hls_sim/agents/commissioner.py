"""The commissioner or funder: pays, checks, talks, trusts, and re-lets contracts.

Its week: ``pay`` core funding and accrue the results pot; ``hold_dialogue``
where the contract buys it (visits and learning conversations, allotted by how
little it trusts each provider: ``hls_sim.dialogue``); each quarter
``settle_results`` (audit the reported successes, strike out what is caught,
claw back a penalty and pay the rest of the pot by the reported results, then
update its trust in each provider from what audit and dialogue showed it, and
set next quarter's audit rate from that trust); and, when contracts run out,
a re-tender (``hls_sim.contracts``).

The commissioner never reads a person's true wellbeing directly: it sees the
indicator, what audit corrects, and what dialogue lets it see.
Sources: Lowe and Plimmer (2019) "Trust-based funding", "Learning and
accountability"; Le Grand (2007) on choice and competition.
"""

from __future__ import annotations

import mesa
import numpy as np

from hls_sim import candour, contracts, dialogue, indicators, money
from hls_sim.compiled import kernel
from hls_sim.parameters.calendar import WEEKS_PER_QUARTER, WEEKS_PER_YEAR


class Commissioner(mesa.Agent):
    """The funder of the whole system."""

    def __init__(self, model: mesa.Model):
        super().__init__(model)
        self.outlay = 0.0
        self.weeks_since_letting = 0
        self.hours_spent = 0.0

    def commission(self) -> None:
        """The commissioner's week: pay, talk, settle the quarter's results, re-let contracts when due."""
        model = self.model
        self.pay()
        self.hold_dialogue()
        if (model.week + model.params.burn_in) % WEEKS_PER_QUARTER == WEEKS_PER_QUARTER - 1:
            self.settle_results()
        if model.regime.is_tender_week(self.weeks_since_letting):
            contracts.retender(model)

    def pay(self) -> None:
        """Weekly core payment at the contract's price; the results share waits for the quarter's report."""
        model, table = self.model, self.model.providers
        paid = _pay_week(
            table.active_indices(),
            table.share,
            table.price,
            model.params.funding.budget / WEEKS_PER_YEAR,
            model.regime.pbr_share,
            table.cash,
            table.received,
            table.results_pot,
        )
        for amount in paid.tolist():
            self.note_outlay(amount)
        self.weeks_since_letting += 1

    def transfer(self, provider: int, amount: float) -> None:
        if amount > 0:
            money.receive(self.model, provider, amount)
            self.note_outlay(amount)

    def note_outlay(self, amount: float) -> None:
        self.outlay += amount
        self.model.observe.outlay(amount)

    def hold_dialogue(self) -> None:
        """Time with providers, more with those it trusts less; both sides' hours are costed."""
        model, table = self.model, self.model.providers
        active = table.active_indices()
        table.dialogue_hours[:] = 0.0
        if model.regime.dialogue_hours <= 0 or len(active) == 0:
            return
        hours = dialogue.allocate(
            model.regime.dialogue_hours, table.funder_trust[active], model.params.dialogue
        )
        table.dialogue_hours[active] = hours
        self.spend_hours(float(hours.sum()))
        workforce = model.workforce
        _share_dialogue_hours(
            active,
            hours,
            model.params.dialogue.provider_hours,
            workforce.by_provider(),
            workforce.headcount(table.count),
            workforce.accountability_hours,
        )

    def settle_results(self) -> None:
        """Quarterly: audit, pay each results pot by the reported results, then revise trust and audit."""
        model, table, params = self.model, self.model.providers, self.model.params
        indicator, regime = params.indicator, model.regime
        providers = [int(p) for p in table.active_indices()]
        results = {
            p: indicators.audit(
                table.log[p], table.audit_rate[p], indicator.reclassification_detection, model.rng
            )
            for p in providers
        }
        pooled_points = sum(r.reported_points for r in results.values())
        pooled_closures = sum(r.closures for r in results.values())
        reference = self.reference()
        for provider in providers:
            result = results[provider]
            # Payment is for results reported: a quarter with no closed cases earns nothing.
            if regime.pooled_results:
                rate = pooled_points / pooled_closures if pooled_closures else 0.0
            else:
                rate = result.reported_points / result.closures if result.closures else 0.0
            pot = table.results_pot[provider]
            table.results_pot[provider] = 0.0
            earned = pot * min(1.0, rate / reference)
            per_success = pot / max(1.0, reference * result.closures)
            payment = max(0.0, earned - indicator.audit_penalty * per_success * result.caught)
            self.transfer(provider, payment)
            if pot > 0:
                moved = params.providers.results_expectation_rate
                table.expected_results_ratio[provider] = (1 - moved) * table.expected_results_ratio[
                    provider
                ] + moved * payment / pot
            self.spend_hours(params.commissioner.audit_hours_per_check * result.checked)
            table.caught[provider] += result.caught
            self.review(provider, result)
            model.observe.quarter(result)
            table.log[provider] = indicators.ClosureLog()

    def review(self, provider: int, result: indicators.AuditResult) -> None:
        """What the quarter's checks showed of ``provider``, and what the commissioner does about it.

        Trust moves toward the share of checked reports that held up (audited
        claims not caught, and cases seen in dialogue whose report matched the
        truth); the next quarter's audit rate rises above the contract's as
        trust falls below where it started (risk-based audit). The provider's
        staff feel the blame of what was caught.
        """
        model, table, params = self.model, self.model.providers, self.model.params
        log = table.log[provider]
        seen = dialogue.shown(
            log, table.dialogue_hours[provider], table.candour[provider], params.dialogue, model.rng
        )
        matches, checks, seen_true = result.checked - result.caught, result.checked, float("nan")
        if len(seen):
            reported, true = log.column("reported")[seen].astype(bool), log.column("true")[seen].astype(bool)
            matches += int((reported == true).sum())
            checks += len(seen)
            seen_true = float(true.mean())
        model.observe.funder_checks(matches, checks)
        trust = params.commissioner
        if checks:
            table.funder_trust[provider] += trust.trust_rate * (
                matches / checks - table.funder_trust[provider]
            )
        distrust = max(0.0, trust.trust_start - table.funder_trust[provider])
        table.audit_rate[provider] = min(
            1.0, params.indicator.audit_rate * (1.0 + trust.audit_response * distrust)
        )
        caught_share = result.caught / result.closures if result.closures else 0.0
        table.blame[provider] = candour.blame_after_quarter(
            table.blame[provider], caught_share, params.candour
        )
        if result.closures:
            # What the funder pays on: the results claimed per case, over the rate that earns the full pot.
            table.contract_reported[provider].append(
                result.reported_points / result.closures / self.reference()
            )
            table.contract_seen[provider].append(seen_true)

    def reference(self) -> float:
        """The results per case that earn the whole results pot under the tariff in force."""
        indicator = self.model.params.indicator
        return (
            indicator.reference_distance
            if self.model.regime.tariff == indicators.DISTANCE
            else indicator.reference_rate
        )

    def spend_hours(self, hours: float) -> None:
        """Commissioner time is not free: it is costed into the system's total cost."""
        self.hours_spent += hours
        self.model.observe.commissioner_cost(hours * self.model.params.costs.commissioner_hour)

    def mean_trust(self, providers: np.ndarray) -> float:
        """How far the commissioner trusts the providers it funds."""
        table = self.model.providers
        return float(table.funder_trust[providers].mean()) if len(providers) else float("nan")


@kernel
def _pay_week(
    providers: np.ndarray,
    share: np.ndarray,
    price: np.ndarray,
    budget_week: float,
    pbr_share: float,
    cash: np.ndarray,
    received: np.ndarray,
    results_pot: np.ndarray,
) -> np.ndarray:
    """``Commissioner.pay`` for each of ``providers`` (``money.receive``); returns the payments, in turn."""
    paid = np.empty(len(providers))
    count = 0
    for i in range(len(providers)):
        at = providers[i]
        weekly = money.core_value(budget_week, share[at], price[at])
        amount = (1 - pbr_share) * weekly
        if amount > 0:
            cash[at] += amount
            received[at] += amount
            paid[count] = amount
            count += 1
        results_pot[at] += pbr_share * weekly
    return paid[:count]


@kernel
def _share_dialogue_hours(
    providers: np.ndarray,
    hours: np.ndarray,
    provider_hours: float,
    by_provider: np.ndarray,
    headcount: np.ndarray,
    accountability_hours: np.ndarray,
) -> None:
    """Each of ``providers``' staff takes an equal share of its side of the dialogue ``hours`` it had.

    ``by_provider`` and ``headcount`` are ``Workforce.by_provider`` and ``Workforce.headcount``.
    """
    first = np.zeros(len(headcount), dtype=np.int64)
    for provider in range(1, len(headcount)):
        first[provider] = first[provider - 1] + headcount[provider - 1]
    for i in range(len(providers)):
        at = providers[i]
        if headcount[at]:
            share = hours[i] * provider_hours / headcount[at]
            for slot in by_provider[first[at] : first[at] + headcount[at]]:
                accountability_hours[slot] += share
