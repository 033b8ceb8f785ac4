"""The commissioner or funder: pays, checks, talks, and decides who holds the contracts.

Its week: ``pay`` core funding and accrue the results pot; each quarter
``settle_results`` (audit the reported successes, strike out what is caught,
claw back a penalty and pay the rest of the pot by the reported rate);
``hold_dialogue`` where it funds on trust (visits and learning conversations
that give it partial but honest sight of true outcomes, at a cost in its own
hours); and, when contracts run out under competition, ``retender`` to the
best reported (and, where it has sight, best seen) performers.

The commissioner never reads a person's true wellbeing directly: it sees the
indicator, what audit corrects, and what dialogue lets it see.
Sources: Lowe and Plimmer (2019) "Trust-based funding", "Accountability for
learning"; Le Grand (2007) on choice and competition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from hls_sim import indicators
from hls_sim.motivation import oversight

if TYPE_CHECKING:
    from hls_sim.agents.provider import Provider

QUARTER = 13
# A provider whose contract share falls below this fraction of an equal share loses it and leaves.
EXIT_SHARE = 0.25
# How strongly a re-tender moves contract shares toward the best scores.
SELECTION_STRENGTH = 0.6
# Cases a commissioner sees through one hour of dialogue.
CASES_SEEN_PER_HOUR = 0.5
# Commissioner hours to check one reported success.
AUDIT_HOURS_PER_CHECK = 2.0


class Commissioner(mesa.Agent):
    """The funder of the whole system."""

    def __init__(self, model: mesa.Model):
        super().__init__(model)
        self.outlay = 0.0
        self.results_pot: dict[int, float] = {}
        self.trust_in: dict[int, float] = {}
        self.weeks_since_letting = 0
        self.hours_spent = 0.0

    def pay(self) -> None:
        """Weekly core payment; the results share of the contract waits for the quarter's report."""
        pbr = self.model.regime.pbr_share
        for provider in self.model.active_providers():
            weekly = self.model.params.funding.budget / 52 * provider.share
            self.transfer(provider, (1 - pbr) * weekly)
            self.results_pot[provider.index] = self.results_pot.get(provider.index, 0.0) + pbr * weekly
        self.weeks_since_letting += 1

    def transfer(self, provider: Provider, amount: float) -> None:
        if amount > 0:
            provider.receive(amount)
            self.outlay += amount
            self.model.counters["outlay"] += amount

    def settle_results(self) -> None:
        """Quarterly: audit, then pay each results pot by the reported success rate."""
        model = self.model
        params = model.params.indicator
        providers = model.active_providers()
        results = {p.index: indicators.audit(p.log, params.audit_rate, model.rng) for p in providers}
        pooled_reported = sum(r.reported_successes for r in results.values())
        pooled_closures = sum(r.closures for r in results.values())
        for provider in providers:
            result = results[provider.index]
            # Payment is for results reported: a quarter with no closed cases earns nothing.
            if model.regime.pooled_results:
                rate = pooled_reported / pooled_closures if pooled_closures else 0.0
            else:
                rate = result.reported_successes / result.closures if result.closures else 0.0
            pot = self.results_pot.pop(provider.index, 0.0)
            earned = pot * min(1.0, rate / params.reference_rate)
            per_success = pot / max(1.0, params.reference_rate * result.closures)
            payment = max(0.0, earned - params.audit_penalty * per_success * result.caught)
            self.transfer(provider, payment)
            if pot > 0:
                provider.expected_results_ratio = 0.5 * provider.expected_results_ratio + 0.5 * payment / pot
            self.spend_hours(AUDIT_HOURS_PER_CHECK * result.checked)
            provider.caught += result.caught
            self.trust_in[provider.index] = float(
                np.clip(self.trust_in.get(provider.index, 0.5) - 0.2 * result.caught + 0.02, 0.0, 1.0)
            )
            if result.closures:
                provider.contract_reported.append(result.reported_successes / result.closures)
                provider.contract_seen.append(self.seen_true_rate(provider))
            model.records.quarters.append(result)
            provider.log = indicators.ClosureLog()

    def seen_true_rate(self, provider: Provider) -> float:
        """What dialogue lets the commissioner see of a provider's true success rate (nan if nothing)."""
        hours = self.model.regime.dialogue_hours * QUARTER
        sample = int(hours * CASES_SEEN_PER_HOUR)
        true = np.asarray(provider.log.true, dtype=bool)
        if sample == 0 or len(true) == 0:
            return float("nan")
        seen = self.model.rng.choice(true, size=min(sample, len(true)), replace=False)
        return float(seen.mean())

    def mean_trust(self, providers: list[Provider]) -> float:
        """How far the commissioner trusts the providers it funds (0.5 before any experience)."""
        return float(np.mean([self.trust_in.get(p.index, 0.5) for p in providers])) if providers else 0.5

    def spend_hours(self, hours: float) -> None:
        """Commissioner time is not free: it is costed into the system's total cost."""
        self.hours_spent += hours
        self.model.counters["commissioning_cost"] += hours * self.model.params.costs.commissioner_hour

    def hold_dialogue(self) -> None:
        """Time spent with providers; builds mutual trust, costs the commissioner's hours."""
        hours = self.model.regime.dialogue_hours
        for provider in self.model.active_providers():
            self.spend_hours(hours)
            current = self.trust_in.get(provider.index, 0.5)
            self.trust_in[provider.index] = current + 0.01 * oversight(hours) * (1 - current)

    def relet_contracts(self) -> None:
        """A new market means new contracts: pooled equal shares for an alliance, a tender otherwise.

        Restructuring is not free: providers whose share shrinks lay staff off
        (hand-offs), and those whose share grows must recruit (vacancies).
        """
        providers = self.model.active_providers()
        if self.model.regime.pooled_results:
            for provider in providers:
                provider.share = 1.0 / len(providers)
            self.weeks_since_letting = 0
        else:
            self.retender()

    def retender(self) -> None:
        """Re-let contracts: shares move toward the best scores; the weakest leave; entrants copy the best."""
        model = self.model
        providers = model.active_providers()
        self.weeks_since_letting = 0
        if len(providers) < 2:
            return
        visibility = oversight(model.regime.dialogue_hours)
        scores = np.array([self.score(p, visibility) for p in providers])
        spread = scores.std() + 0.05
        shares = np.array([p.share for p in providers])
        shares = shares * np.exp(SELECTION_STRENGTH * (scores - scores.mean()) / spread)
        shares /= shares.sum()
        for provider, share in zip(providers, shares, strict=True):
            provider.share = float(share)
            provider.contract_reported.clear()
            provider.contract_seen.clear()
        winner = providers[int(scores.argmax())]
        exit_below = EXIT_SHARE / len(providers)
        losers = [p for p in providers if p.share < exit_below and p is not winner]
        for provider in losers:
            model.close_provider(provider, successor=winner)
        if model.params.providers.entry and (
            losers or len(model.active_providers()) < model.params.providers.count
        ):
            model.enter_provider(copying=winner)

    def score(self, provider: Provider, visibility: float) -> float:
        """Bid score: reported performance, blended with what dialogue has shown, less misreports caught."""
        reported = float(np.mean(provider.contract_reported)) if provider.contract_reported else 0.0
        seen_values = [v for v in provider.contract_seen if not np.isnan(v)]
        seen = float(np.mean(seen_values)) if seen_values else reported
        return (1 - visibility) * reported + visibility * seen - 0.05 * provider.caught
