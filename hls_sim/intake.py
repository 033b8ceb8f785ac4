"""Intake: every contact is assessed, and accepted onto a waiting list or turned away.

Each contact is routed to a provider (``hls_sim.routing``), which assesses it.
An assessment costs worker hours whether or not the person is accepted. The
provider accepts those whose assessed primary need reaches the eligibility
threshold, unless it creams them off because they look unlikely to score
(``gaming.creams``), which a no-decline rule forbids (``eligibility.no_decline``,
as the Work Programme's mandatory referrals did). The rest are turned away,
trusting services less. An accepted person joins the list at the moment in the
week they made contact; a differential tariff fixes what their success will be
worth, and a distance tariff measures where they start.
Sources: Lowe and Plimmer (2019), "What does this way of working achieve?",
"Cost savings" (assessments that decide whether a problem is serious enough
cost money in themselves); Seddon (2003, 2008) on failure demand; Rees,
Whitworth and Carter (2014) on the Work Programme.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hls_sim import casework, gaming, indicators, routing
from hls_sim.compiled import kernel, pairwise_sum
from hls_sim.parameters.measurement import FAILURE_DEMAND_WEEKS, HIGH_NEED
from hls_sim.rowwise import row_max

if TYPE_CHECKING:
    from hls_sim.agents.person import People
    from hls_sim.model import SupportSystemModel


def take_contacts(model: SupportSystemModel, contacts: np.ndarray, times: np.ndarray) -> None:
    """Route each contact (in the order they arrive in the week) to a provider, which assesses it."""
    if len(contacts) == 0:
        return
    people = model.people
    people.contacts[contacts] += 1
    failure = casework.is_failure_demand(people, contacts, model.week, FAILURE_DEMAND_WEEKS, HIGH_NEED)
    model.observe.contacts(contacts, failure)
    providers = model.providers.active_indices()
    choice = routing.route(model, contacts, providers)
    # Provider by provider, each in the order its contacts arrived.
    order = np.argsort(choice, kind="stable")
    accepted = assess_and_decide(model, providers[choice[order]], contacts[order], times[order])
    refused = np.zeros(len(contacts), dtype=bool)
    refused[order] = ~accepted
    # Assessments wasted on refusals or caused by an earlier failure, each counted once.
    wasted = int((refused | failure).sum())
    model.observe.refusals(int(refused.sum()), wasted * model.params.eligibility.assessment_hours)


def assess(people: People, rows: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """An assessment: the assessor's noisy view of each need. Sets the assessed (primary) domain."""
    needs = people.needs_of(rows)
    observed = (needs + rng.normal(0.0, noise, needs.shape)).clip(0.0, 1.0)
    ranked = np.argsort(-observed, axis=1)
    people.assessed_domain[rows] = ranked[:, 0]
    people.second_domain[rows] = ranked[:, 1]
    people.recorded_domain[rows] = people.assessed_domain[rows]
    return observed


def eligible_needs(observed: np.ndarray, threshold: float) -> np.ndarray:
    """Eligibility: the assessed primary need must reach the threshold."""
    return row_max(observed) >= threshold


def expected_value(chance: np.ndarray, weight: np.ndarray, observed: np.ndarray, tariff: str) -> np.ndarray:
    """What a case is expected to earn on the indicator: its chance of success times what success pays.

    Under a distance tariff a case earns by how far it travels, so a high start is worth more.
    """
    if tariff == indicators.DISTANCE:
        return chance * row_max(observed)
    return chance * weight


def assess_and_decide(
    model: SupportSystemModel, providers: np.ndarray, rows: np.ndarray, times: np.ndarray
) -> np.ndarray:
    """Each provider assesses the ``rows`` that reached it (grouped by provider); the accepted join its list.

    Returns which rows were accepted.
    """
    people, params, table, regime = model.people, model.params, model.providers, model.regime
    observed = assess(people, rows, params.eligibility.assessment_noise, model.rng)
    eligible = eligible_needs(observed, params.eligibility.threshold)
    chance = gaming.success_chance(
        observed,
        people.entrenchment[rows],
        people.assets[rows],
        params.indicator.threshold,
        params.closure.high_need,
        params.gaming,
    )
    weight = indicators.tariff_weight(
        chance, regime.tariff, regime.tariff_groups, params.indicator.reference_rate
    )
    value = expected_value(chance, weight, observed, regime.tariff)
    blocks = _blocks(providers)
    charge_assessment_hours(model, blocks, params.eligibility.assessment_hours)
    # Each provider in turn compares its cases with the typical value as it stands, then its
    # eligible cases move it.
    typical = np.empty(len(rows))
    table.typical_value = _typical_values(
        providers, value, eligible, table.typical_value, params.gaming.typical_chance_rate, typical
    )
    accept = eligible.copy()
    if not regime.no_decline:
        stakes, mission = model.stakes(providers), table.mission[providers]
        accept &= ~gaming.creams(stakes, mission, value, typical, params.gaming)
    model.observe.intake(rows, providers, eligible, accept)
    taken = rows[accept]
    casework.join_waiting_list(people, taken, providers[accept], model.week + times[accept])
    people.tariff_weight[taken] = weight[accept]
    people.recording_bias[taken] = 0.0  # a new assessment: nothing recorded against this spell yet
    people.measured_start[taken] = model.measure(taken)
    if params.queue.mean_service_weeks:
        people.service_time[taken] = model.rng.exponential(params.queue.mean_service_weeks, len(taken))
    for provider, block in _blocks(providers[accept]):
        table.waiting[provider].extend(taken[block].tolist())
    casework.turn_away(people, rows[~accept], model.week, params)
    return accept


@kernel
def _typical_values(
    providers: np.ndarray,
    value: np.ndarray,
    eligible: np.ndarray,
    typical: float,
    rate: float,
    seen: np.ndarray,
) -> float:
    """The typical value each case was compared with (into ``seen``), and the typical value after all.

    ``providers`` is each case's provider, grouped: each provider's cases see the
    typical value as it stands, then the mean of its eligible cases moves it.
    """
    start = 0
    while start < len(providers):
        end = start + 1
        while end < len(providers) and providers[end] == providers[start]:
            end += 1
        seen[start:end] = typical
        values = value[start:end][eligible[start:end]]
        if len(values):
            typical += rate * (pairwise_sum(values) / len(values) - typical)
        start = end
    return typical


def _blocks(grouped: np.ndarray) -> list[tuple[int, slice]]:
    """Each value of ``grouped`` (already grouped) with the slice of its run."""
    if len(grouped) == 0:
        return []
    edges = [0, *((grouped[1:] != grouped[:-1]).nonzero()[0] + 1).tolist(), len(grouped)]
    bounds = zip(edges[:-1], edges[1:], strict=True)
    return [(int(grouped[start]), slice(start, end)) for start, end in bounds]


def charge_assessment_hours(model: SupportSystemModel, blocks: list[tuple[int, slice]], hours: float) -> None:
    """Assessments take ``hours`` each from the provider's workers, accepted or not, shared equally.

    ``blocks`` are each assessing provider and the slice of its assessments.
    """
    workforce, table = model.workforce, model.providers
    charged = np.zeros(table.count)
    for provider, block in blocks:
        charged[provider] = (block.stop - block.start) * hours
        model.observe.assessment_hours(float(charged[provider]))
    staff = workforce.by_provider()
    owner = workforce.provider[staff]
    headcount = np.bincount(owner, minlength=table.count)
    assessing = charged[owner] > 0
    staff, owner = staff[assessing], owner[assessing]
    workforce.assessment_hours[staff] += charged[owner] / headcount[owner]
