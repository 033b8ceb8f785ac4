"""Who holds the contracts: re-tenders under competition, one pooled contract in an alliance, entry and exit.

Under competition, contracts are re-let every ``market.contract_weeks`` to the
best scores: reported performance, blended with what dialogue has shown, less
misreports caught, and, as far as the tender weighs price
(``market.price_weight``), the price bid. The bid is each provider's decision:
one with little mission cuts its price to win, planning to spend less on
staff. Shares move toward the best scores; a provider whose share
falls too low loses it and leaves, its staff and people moving to the winner;
entrants copy the winner's culture and know-how, so gaming can spread by
selection without anyone intending it (Smaldino and McElreath 2016; Braganza
2022). A move to an alliance re-lets one pooled contract in equal shares.
Restructuring is not free: providers whose share shrinks lay staff off
(hand-offs), and those whose share grows must recruit (vacancies).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hls_sim.agents.provider import Provider
from hls_sim.motivation import draw_motivation, oversight
from hls_sim.parameters.calendar import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from hls_sim.model import SupportSystemModel


def relet_contracts(model: SupportSystemModel) -> None:
    """A new market means new contracts: pooled equal shares for an alliance, a tender otherwise."""
    providers = model.providers.active_indices()
    if model.regime.pooled_results:
        model.providers.share[providers] = 1.0 / len(providers)
        model.providers.price[providers] = 1.0  # one contract at its full value
        model.commissioner.weeks_since_letting = 0
    else:
        retender(model)


def retender(model: SupportSystemModel) -> None:
    """Re-let contracts: shares move toward the best scores; the weakest leave; entrants copy the best."""
    table, params = model.providers, model.params.tendering
    providers = table.active_indices()
    model.commissioner.weeks_since_letting = 0
    if len(providers) < 2:
        return
    scores = np.array([score(model, int(p)) for p in providers])
    price_weight = model.regime.price_weight
    bids = 1.0 - price_weight * params.max_discount * (1.0 - table.mission[providers])
    if price_weight > 0:
        scores = (1 - price_weight) * scores + price_weight * bids.min() / bids
    table.price[providers] = bids  # the full value when price does not count
    spread = scores.std() + params.score_spread_floor
    shares = table.share[providers] * np.exp(params.selection_strength * (scores - scores.mean()) / spread)
    shares /= shares.sum()
    for provider, share in zip(providers, shares, strict=True):
        table.share[provider] = float(share)
        table.contract_reported[provider].clear()
        table.contract_seen[provider].clear()
    winner = int(providers[int(scores.argmax())])
    exit_below = params.exit_share / len(providers)
    losers = [int(p) for p in providers if table.share[p] < exit_below and p != winner]
    for provider in losers:
        close_provider(model, provider, successor=winner)
    if model.params.providers.entry and (
        losers or len(table.active_indices()) < model.params.providers.count
    ):
        enter_provider(model, copying=winner)


def score(model: SupportSystemModel, provider: int) -> float:
    """A bid's quality score: reported results, blended with what dialogue showed, less misreports caught."""
    table = model.providers
    visibility = oversight(table.dialogue_hours[provider], model.params.motivation)
    reported_rates = table.contract_reported[provider]
    reported = float(np.mean(reported_rates)) if reported_rates else 0.0
    seen_values = [v for v in table.contract_seen[provider] if not np.isnan(v)]
    seen = float(np.mean(seen_values)) if seen_values else reported
    penalty = model.params.tendering.caught_score_penalty * table.caught[provider]
    return (1 - visibility) * reported + visibility * seen - penalty


def close_provider(model: SupportSystemModel, provider: int, successor: int) -> None:
    """A provider that lost its contract leaves; staff and people transfer to the successor."""
    table, workforce, people = model.providers, model.workforce, model.people
    table.active[provider] = False
    loss = model.params.providers.transfer_morale_loss
    for slot in workforce.staff(provider):
        workforce.join(int(slot), successor)
        workforce.morale[slot] = max(0.0, workforce.morale[slot] - loss)
    moved = np.flatnonzero(people.provider[: people.count] == provider)
    people.provider[moved] = successor
    model.observe.transfers(moved, provider, successor)
    table.waiting[successor].extend(table.waiting[provider])
    table.waiting[provider].clear()
    table.share[successor] += table.share[provider]
    table.share[provider] = 0.0
    table.cash[successor] += max(0.0, table.cash[provider])
    table.cash[provider] = min(0.0, table.cash[provider])


def enter_provider(model: SupportSystemModel, copying: int) -> None:
    """A new provider enters and copies the winner's culture and know-how."""
    table, params, rng = model.providers, model.params, model.rng
    active = table.active_indices()
    share = 1.0 / (len(active) + 1)
    table.share[active] *= 1 - share
    pressure = table.pressure[copying] + rng.normal(0.0, params.providers.entrant_pressure_noise)
    mission = float(draw_motivation(rng, 1, params.workforce.knave_share, params.motivation)[0])
    add_provider(
        model, share, pressure, mission, table.beliefs[copying].copy(), table.evidence[copying].copy()
    )


def add_provider(
    model: SupportSystemModel,
    share: float,
    pressure: float,
    mission: float,
    beliefs: np.ndarray,
    evidence: np.ndarray | None = None,
) -> Provider:
    """A provider joins the place with ``share`` of the budget and reserves of some weeks of it."""
    params = model.params
    weekly = params.funding.budget / WEEKS_PER_YEAR * share
    index = model.providers.add(
        beliefs,
        np.zeros_like(beliefs) if evidence is None else evidence,
        share=share,
        pressure=pressure,
        mission=mission,
        cash=params.providers.start_cash_weeks * weekly,
        expected_results_ratio=params.providers.results_expectation_start,
        candour=params.candour.start,
        funder_trust=params.commissioner.trust_start,
        audit_rate=params.indicator.audit_rate,
        price=1.0,
    )
    provider = Provider(model, index)
    model.provider_list.append(provider)
    return provider
