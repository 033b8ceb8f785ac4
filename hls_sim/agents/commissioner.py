"""The commissioner or funder: pays, checks, talks, and re-lets contracts.

Its week: ``pay`` core funding and accrue the results pot; each quarter
``settle_results`` (audit the reported successes, strike out what is caught,
claw back a penalty and pay the rest of the pot by the reported rate);
``hold_dialogue`` where it funds on trust (visits and learning conversations
that give it partial but honest sight of true outcomes, at a cost in its own
hours); and, when contracts run out under competition, a re-tender
(``hls_sim.contracts``).

The commissioner never reads a person's true wellbeing directly: it sees the
indicator, what audit corrects, and what dialogue lets it see.
Sources: Lowe and Plimmer (2019) "Trust-based funding", "Accountability for
learning"; Le Grand (2007) on choice and competition.
"""

from __future__ import annotations

import mesa
import numpy as np

from hls_sim import indicators, money
from hls_sim.motivation import oversight
from hls_sim.parameters.calendar import WEEKS_PER_QUARTER, WEEKS_PER_YEAR


class Commissioner(mesa.Agent):
    """The funder of the whole system."""

    def __init__(self, model: mesa.Model):
        super().__init__(model)
        self.outlay = 0.0
        self.results_pot: dict[int, float] = {}
        self.trust_in: dict[int, float] = {}
        self.weeks_since_letting = 0
        self.hours_spent = 0.0

    def commission(self) -> None:
        """The commissioner's week: pay, talk, settle the quarter's results, re-let contracts when due."""
        from hls_sim import contracts

        model = self.model
        self.pay()
        if model.regime.dialogue_hours > 0:
            self.hold_dialogue()
        if (model.week + model.params.burn_in) % WEEKS_PER_QUARTER == WEEKS_PER_QUARTER - 1:
            self.settle_results()
        if model.regime.is_tender_week(self.weeks_since_letting):
            contracts.retender(model)

    def pay(self) -> None:
        """Weekly core payment; the results share of the contract waits for the quarter's report."""
        model = self.model
        pbr = model.regime.pbr_share
        for provider in model.providers.active_indices():
            weekly = model.params.funding.budget / WEEKS_PER_YEAR * model.providers.share[provider]
            self.transfer(int(provider), (1 - pbr) * weekly)
            self.results_pot[int(provider)] = self.results_pot.get(int(provider), 0.0) + pbr * weekly
        self.weeks_since_letting += 1

    def transfer(self, provider: int, amount: float) -> None:
        if amount > 0:
            money.receive(self.model, provider, amount)
            self.outlay += amount
            self.model.observe.outlay(amount)

    def settle_results(self) -> None:
        """Quarterly: audit, then pay each results pot by the reported success rate."""
        model = self.model
        params = model.params
        indicator = params.indicator
        table = model.providers
        providers = [int(p) for p in table.active_indices()]
        results = {
            p: indicators.audit(
                table.log[p], indicator.audit_rate, indicator.reclassification_detection, model.rng
            )
            for p in providers
        }
        pooled_reported = sum(r.reported_successes for r in results.values())
        pooled_closures = sum(r.closures for r in results.values())
        for provider in providers:
            result = results[provider]
            # Payment is for results reported: a quarter with no closed cases earns nothing.
            if model.regime.pooled_results:
                rate = pooled_reported / pooled_closures if pooled_closures else 0.0
            else:
                rate = result.reported_successes / result.closures if result.closures else 0.0
            pot = self.results_pot.pop(provider, 0.0)
            earned = pot * min(1.0, rate / indicator.reference_rate)
            per_success = pot / max(1.0, indicator.reference_rate * result.closures)
            payment = max(0.0, earned - indicator.audit_penalty * per_success * result.caught)
            self.transfer(provider, payment)
            if pot > 0:
                moved = params.providers.results_expectation_rate
                table.expected_results_ratio[provider] = (1 - moved) * table.expected_results_ratio[
                    provider
                ] + moved * payment / pot
            self.spend_hours(params.commissioner.audit_hours_per_check * result.checked)
            table.caught[provider] += result.caught
            self.trust_in[provider] = float(
                np.clip(
                    self.trust_in.get(provider, params.commissioner.trust_start)
                    - params.commissioner.trust_caught_loss * result.caught
                    + params.commissioner.trust_quarter_gain,
                    0.0,
                    1.0,
                )
            )
            if result.closures:
                table.contract_reported[provider].append(result.reported_successes / result.closures)
                table.contract_seen[provider].append(self.seen_true_rate(provider))
            model.observe.quarter(result)
            table.log[provider] = indicators.ClosureLog()

    def seen_true_rate(self, provider: int) -> float:
        """What dialogue lets the commissioner see of a provider's true success rate (nan if nothing)."""
        model = self.model
        hours = model.regime.dialogue_hours * WEEKS_PER_QUARTER
        sample = int(hours * model.params.dialogue.cases_seen_per_hour)
        true = np.asarray(model.providers.log[provider].true, dtype=bool)
        if sample == 0 or len(true) == 0:
            return float("nan")
        seen = model.rng.choice(true, size=min(sample, len(true)), replace=False)
        return float(seen.mean())

    def mean_trust(self, providers: np.ndarray) -> float:
        """How far the commissioner trusts the providers it funds (its starting trust before experience)."""
        start = self.model.params.commissioner.trust_start
        if len(providers) == 0:
            return start
        return float(np.mean([self.trust_in.get(int(p), start) for p in providers]))

    def spend_hours(self, hours: float) -> None:
        """Commissioner time is not free: it is costed into the system's total cost."""
        self.hours_spent += hours
        self.model.observe.commissioner_cost(hours * self.model.params.costs.commissioner_hour)

    def hold_dialogue(self) -> None:
        """Time spent with providers; builds mutual trust, costs the commissioner's hours."""
        model = self.model
        hours = model.regime.dialogue_hours
        params = model.params.commissioner
        for provider in model.providers.active_indices():
            self.spend_hours(hours)
            current = self.trust_in.get(int(provider), params.trust_start)
            seen = oversight(hours, model.params.motivation)
            self.trust_in[int(provider)] = current + params.trust_dialogue_rate * seen * (1 - current)
