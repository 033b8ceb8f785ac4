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
from hls_sim.compiled import clip, generator_at, inline, kernel, pairwise_sum, row_highest
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
    order = _by_provider(choice, len(providers))
    accepted = assess_and_decide(model, providers[choice[order]], contacts[order], times[order])
    refused = len(contacts) - int(np.count_nonzero(accepted))
    # Assessments wasted on refusals or caused by an earlier failure, each counted once.
    wasted = refused + int(np.count_nonzero(failure[order] & accepted))
    model.observe.refusals(refused, wasted * model.params.eligibility.assessment_hours)


@kernel
def _by_provider(choice: np.ndarray, providers: int) -> np.ndarray:
    """``np.argsort(choice, kind="stable")`` for ``choice`` in 0 to ``providers - 1``: a counting sort."""
    start = np.zeros(providers + 1, dtype=np.int64)
    for provider in choice:
        start[provider + 1] += 1
    for provider in range(providers):
        start[provider + 1] += start[provider]
    order = np.empty(len(choice), dtype=np.int64)
    for i in range(len(choice)):
        order[start[choice[i]]] = i
        start[choice[i]] += 1
    return order


def assess(people: People, rows: np.ndarray, noise: float, stream: np.ndarray) -> np.ndarray:
    """An assessment: the assessor's noisy view of each need. Sets the assessed (primary) domain.

    The assessed domain is the need seen as highest and the second domain the next.
    Where needs seen as equal (at 0 or 1, say) share one of those places, numpy's sort
    of the row (``np.argsort``) decides, as it always has; it orders equals by the
    pattern of the whole row, so each pattern is sorted once and remembered
    (``_TIED_PLACES``).
    """
    keys, places = _TIED_PLACES.get(people.domains, (NO_PATTERNS, NO_PLACES))
    observed = np.empty((len(rows), people.domains))
    unknown = np.empty(len(rows), dtype=np.int64)
    patterns = np.empty(len(rows), dtype=np.int64)
    domains = people.assessed_domain, people.second_domain, people.recorded_domain
    count = _assess(stream, people.needs, rows, noise, keys, places, observed, *domains, unknown, patterns)
    if count:
        at = unknown[:count]
        ranked = np.argsort(-observed[at], axis=1)[:, :2]
        people.assessed_domain[rows[at]] = ranked[:, 0]
        people.second_domain[rows[at]] = ranked[:, 1]
        people.recorded_domain[rows[at]] = ranked[:, 0]
        new, first = np.unique(patterns[:count], return_index=True)
        keys, places = np.concatenate([keys, new]), np.concatenate([places, ranked[first]])
        by_key = np.argsort(keys)
        _TIED_PLACES[people.domains] = keys[by_key], places[by_key]
    return observed


# For each number of domains, the patterns of ties sorted so far (``tie_pattern``, in order)
# and the first two places numpy's sort gave each.
_TIED_PLACES: dict[int, tuple[np.ndarray, np.ndarray]] = {}
NO_PATTERNS = np.zeros(0, dtype=np.int64)
NO_PLACES = np.zeros((0, 2), dtype=np.int64)


@kernel
def _assess(
    stream: np.ndarray,
    needs: np.ndarray,
    rows: np.ndarray,
    noise: float,
    keys: np.ndarray,
    places: np.ndarray,
    observed: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
    recorded: np.ndarray,
    unknown: np.ndarray,
    patterns: np.ndarray,
) -> int:
    """``assess`` case by case: each need plus a normal error, kept within 0 and 1 (into ``observed``).

    Draws case by case, need by need. Sets each row's ``first`` (and ``recorded``) and
    ``second`` domain: the highest and next highest seen or, where equals share one of
    those places, the places listed for the row's pattern (``places`` of the sorted
    ``keys``). Returns how many cases have a pattern not listed; their positions and
    patterns go into ``unknown`` and ``patterns``.
    """
    rng = generator_at(stream)
    domains = observed.shape[1]
    count = 0
    for i in range(len(rows)):
        row = rows[i]
        for j in range(domains):
            observed[i, j] = clip(needs[row, j] + rng.normal(0.0, noise), 0.0, 1.0)
        seen = observed[i]
        best = 0
        for j in range(1, domains):
            if seen[j] > seen[best]:
                best = j
        next_ = -1
        for j in range(domains):
            if j != best and (next_ < 0 or seen[j] > seen[next_]):
                next_ = j
        tied = False
        for j in range(domains):
            if j != best and (seen[j] == seen[best] or (j != next_ and seen[j] == seen[next_])):
                tied = True
        if tied:
            pattern = tie_pattern(seen)
            at = np.searchsorted(keys, pattern)
            if at == len(keys) or keys[at] != pattern:
                unknown[count] = i
                patterns[count] = pattern
                count += 1
                continue
            best, next_ = places[at, 0], places[at, 1]
        first[row] = best
        recorded[row] = best
        second[row] = next_
    return count


@inline
def tie_pattern(seen: np.ndarray) -> int:
    """A number for the order of ``seen``, ties and all.

    Its digit ``j`` (in base ``len(seen)``) counts the items above item ``j``.
    """
    pattern = 0
    for j in range(len(seen) - 1, -1, -1):
        above = 0
        for k in range(len(seen)):
            above += seen[k] > seen[j]
        pattern = pattern * len(seen) + above
    return pattern


def eligible_needs(observed: np.ndarray, threshold: float) -> np.ndarray:
    """Eligibility: the assessed primary need must reach the threshold."""
    eligible = np.empty(len(observed), dtype=bool)
    _eligible(observed, threshold, eligible)
    return eligible


@kernel
def _eligible(observed: np.ndarray, threshold: float, eligible: np.ndarray) -> None:
    """``eligible_needs`` case by case, into ``eligible``."""
    for i in range(len(observed)):
        eligible[i] = row_highest(observed, i) >= threshold


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
    """Each provider assesses the ``rows`` that reached it; the accepted join its list.

    ``providers`` is each row's provider, grouped provider by provider in the order of their indices.

    Returns which rows were accepted.
    """
    people, params, table, regime = model.people, model.params, model.providers, model.regime
    observed = assess(people, rows, params.eligibility.assessment_noise, model.stream)
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
    charge_assessment_hours(model, providers, params.eligibility.assessment_hours)
    accept = np.empty(len(rows), dtype=bool)
    joined = np.zeros(table.count, dtype=np.int64)
    table.typical_value = _decide(
        providers,
        value,
        eligible,
        table.typical_value,
        params.gaming.typical_chance_rate,
        not regime.no_decline,
        model.stakes(providers),
        table.mission,
        params.gaming.mission_weight,
        accept,
        joined,
    )
    model.observe.intake(rows, providers, eligible, accept)
    casework.settle_assessments(people, rows, providers, accept, times, weight, model.week, params)
    taken = rows[accept]
    people.measured_start[taken] = model.measure(taken)
    if params.queue.mean_service_weeks:
        people.service_time[taken] = model.rng.exponential(params.queue.mean_service_weeks, len(taken))
    # The accepted join the back of their provider's list, provider by provider.
    taken_list, start = taken.tolist(), 0
    for provider, count in enumerate(joined.tolist()):
        if count:
            table.waiting[provider].extend(taken_list[start : start + count])
            start += count
    return accept


@kernel
def _decide(
    providers: np.ndarray,
    value: np.ndarray,
    eligible: np.ndarray,
    typical: float,
    rate: float,
    may_decline: bool,
    stakes: np.ndarray,
    mission: np.ndarray,
    mission_weight: float,
    accept: np.ndarray,
    joined: np.ndarray,
) -> float:
    """Which cases are accepted (into ``accept``), and the typical value after all.

    ``providers`` is each case's provider, grouped. Provider by provider, each eligible
    case is accepted unless the provider creams it off (``gaming.creams``, where it
    ``may_decline``) against the typical value as it stands; then the mean value of the
    provider's eligible cases moves the typical value. ``joined`` counts the cases each
    provider accepts.
    """
    start = 0
    while start < len(providers):
        end = start + 1
        while end < len(providers) and providers[end] == providers[start]:
            end += 1
        for i in range(start, end):
            accept[i] = eligible[i] and not (
                may_decline
                and gaming.creams(stakes[i], mission[providers[i]], value[i], typical, mission_weight)
            )
            joined[providers[i]] += accept[i]
        values = value[start:end][eligible[start:end]]
        if len(values):
            typical += rate * (pairwise_sum(values) / len(values) - typical)
        start = end
    return typical


def charge_assessment_hours(model: SupportSystemModel, providers: np.ndarray, hours: float) -> None:
    """Assessments take ``hours`` each from the provider's workers, accepted or not, shared equally.

    ``providers`` is the provider of each assessment, grouped.
    """
    workforce = model.workforce
    charged = np.zeros(model.providers.count)
    _charge(
        providers, hours, workforce.by_provider(), workforce.provider, workforce.assessment_hours, charged
    )
    model.observe.assessment_hours(charged)


@kernel
def _charge(
    providers: np.ndarray,
    hours: float,
    staff: np.ndarray,
    owner: np.ndarray,
    assessment_hours: np.ndarray,
    charged: np.ndarray,
) -> None:
    """Each provider's assessment hours (into ``charged``), shared equally among its ``staff``.

    ``owner`` is each worker's provider.
    """
    start = 0
    while start < len(providers):
        end = start + 1
        while end < len(providers) and providers[end] == providers[start]:
            end += 1
        charged[providers[start]] = (end - start) * hours
        start = end
    headcount = np.zeros(len(charged), dtype=np.int64)
    for worker in staff:
        headcount[owner[worker]] += 1
    for worker in staff:
        provider = owner[worker]
        if charged[provider] > 0:
            assessment_hours[worker] += charged[provider] / headcount[provider]
