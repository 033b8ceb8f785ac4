"""Support: what a week of a worker's time does for the people on their caseload.

Standardised practice spends the hours on the package for the need assessed at
intake (``support.package_breadth`` of them reach the person's other needs
too). Bespoke practice lets the worker spend them where the person's real
needs and goals are, as far as the relationship has let the worker see them
(empathy grows with continuity). How far practice is bespoke is the worker's
discretion, which their provider gives them within what the contract specifies
(``hls_sim.practice``). Strengths-based work builds assets;
deficit-led packages erode them (dependency: "trapped in the system").
Where decisions are devolved a worker can also spend a little money (a bus
pass, a coffee) to remove a practical barrier.

Sources: Lowe and Plimmer (2019) "Bespoke by default", "Responding with
empathy", "Responding to strengths", "Devolved power and decision making";
Cottam (2018) on relational practice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hls_sim import gaming, trust
from hls_sim.agents.person import People
from hls_sim.agents.worker import Workforce
from hls_sim.compiled import clip, inline, kernel, maximum, minimum, row_sum_of
from hls_sim.learning import Context

if TYPE_CHECKING:
    from hls_sim.scenario import Scenario

# Keeps shares and spend defined for an empty caseload or a zero limit.
NOTHING = 1e-12
NO_SPEND = 1e-9


@dataclass
class SupportResult:
    """What the week of support produced, for learning, money and metrics."""

    practice_hours: np.ndarray  # [provider, domain, approach]
    spend: np.ndarray  # [provider] discretionary spend in pounds
    hours: np.ndarray  # per supported row


@dataclass(frozen=True)
class SupportRules:
    """What shapes this week's support: each provider's discretion and what the indicator rewards.

    ``discretion`` is indexed by provider. Where a threshold pays (``threshold_pays``),
    indicator-minded hours go to cases near it, weighted by what their success would pay.
    """

    threshold: float
    discretion: np.ndarray
    gaming_leverage: float
    aligned: bool
    threshold_pays: bool


def practice_hours(
    provider: np.ndarray, approach: np.ndarray, by_domain: np.ndarray, providers: int, approaches: int
) -> np.ndarray:
    """Each provider's hours of practice this week, by domain and approach (``approach`` is each case's).

    Added case by case, domain by domain, in order (as ``np.add.at`` adds them).
    """
    practice = np.zeros((providers, by_domain.shape[1], approaches))
    _add_practice(provider, approach, by_domain, practice)
    return practice


@kernel
def _add_practice(
    provider: np.ndarray, approach: np.ndarray, by_domain: np.ndarray, practice: np.ndarray
) -> None:
    for i in range(len(provider)):
        for j in range(by_domain.shape[1]):
            practice[provider[i], j, approach[i, j]] += by_domain[i, j]


def deliver_support(
    people: People,
    rows: np.ndarray,
    workforce: Workforce,
    context: Context,
    measured: np.ndarray,
    rules: SupportRules,
    spend_budgets: np.ndarray,
    scenario: Scenario,
) -> SupportResult:
    """One week of support for every supported person, in the order a worker's week runs."""
    slots = people.worker[rows]
    providers = len(spend_budgets)
    provider = people.provider[rows]
    params = scenario.support
    discretion = rules.discretion[provider]
    hours, near_share = allocate_hours(people, rows, workforce, measured, rules, scenario)
    if not rules.aligned:
        record_indicator_work(
            people, rows, workforce.gaming[slots] * near_share, rules.gaming_leverage, scenario
        )
    relational = workforce.relational_skill[slots]
    by_domain, craft = direct_hours(people, rows, hours, relational, discretion, scenario)
    approach = people.approach.take(rows, axis=0)
    needs = people.needs_of(rows)
    relationship = people.relationship[rows]
    needs -= help_with_needs(
        people, rows, context, workforce.skill.take(slots, axis=0), hours, craft, approach, scenario
    )
    if not rules.aligned:
        record_flattering_results(people, rows, context, by_domain, approach, scenario)
    spend = np.zeros(providers)
    if params.discretionary_spend > 0 and (discretion > 0).any():
        spend, relationship = spend_at_discretion(
            needs, relationship, provider, hours, spend_budgets, discretion, scenario
        )
    people.set_needs(rows, needs.clip(0.0, 1.0))
    grow_relationships(people, rows, relationship, hours, workforce.morale[slots], relational, scenario)
    bespoke_hours = hours * discretion
    build_or_erode_assets(people, rows, bespoke_hours, relationship, discretion, scenario)
    people.hours_received[rows] += hours
    trust.supported(people, rows, hours, scenario.trust)

    practice = practice_hours(provider, approach, by_domain, providers, context.effectiveness.shape[1])
    practise(workforce, slots, by_domain, bespoke_hours, scenario)
    return SupportResult(practice_hours=practice, spend=spend, hours=hours)


def allocate_hours(
    people: People,
    rows: np.ndarray,
    workforce: Workforce,
    measured: np.ndarray,
    rules: SupportRules,
    scenario: Scenario,
) -> tuple[np.ndarray, np.ndarray]:
    """Each person's hours this week, and their share of their worker's indicator-minded attention.

    Parking: hours follow need, tilted toward cases near the target by the stakes.
    Nobody can use more than so many hours a week, so a light caseload leaves hours spare.
    """
    slots = people.worker[rows]
    size = workforce.count
    if rules.threshold_pays:
        near = gaming.near_threshold(measured, rules.threshold, scenario.gaming) * people.tariff_weight[rows]
    else:
        near = np.ones(len(rows))
    tilt = gaming.parking_tilt(workforce.stakes[slots], workforce.motivation[slots], scenario.gaming)
    hours, by_indicator = np.empty(len(rows)), np.empty(len(rows))
    _allocate_hours(
        people.needs,
        rows,
        slots,
        workforce.support,
        size,
        near,
        tilt,
        scenario.support.need_weight_floor,
        scenario.support.max_hours_per_person,
        hours,
        by_indicator,
    )
    return hours, by_indicator


@kernel
def _allocate_hours(
    needs: np.ndarray,
    rows: np.ndarray,
    slots: np.ndarray,
    support: np.ndarray,
    workers: int,
    near: np.ndarray,
    tilt: np.ndarray,
    need_weight_floor: float,
    max_hours: float,
    hours: np.ndarray,
    by_indicator: np.ndarray,
) -> None:
    """``allocate_hours`` person by person.

    Each person's share of their worker's caseload by need, and by what they could do
    for the indicator (``by_indicator``; each worker's shares sum to 1), then the split
    of the worker's support hours between the two that the tilt sets.
    """
    n, d = len(rows), needs.shape[1]
    by_need = np.empty(n)
    need_total, near_total = np.zeros(workers), np.zeros(workers)
    for i in range(n):
        by_need[i] = row_sum_of(needs[rows[i]]) / d + need_weight_floor
        need_total[slots[i]] += by_need[i]
        near_total[slots[i]] += near[i]
    for i in range(n):
        by_need[i] = by_need[i] / maximum(need_total[slots[i]], NOTHING)
        by_indicator[i] = near[i] / maximum(near_total[slots[i]], NOTHING)
        share = (1 - tilt[i]) * by_need[i] + tilt[i] * by_indicator[i]
        hours[i] = minimum(support[slots[i]] * share, max_hours)


def record_indicator_work(
    people: People, rows: np.ndarray, gaming_hours: np.ndarray, leverage: float, scenario: Scenario
) -> None:
    """Indicator work lowers the recorded need of the cases closest to the threshold, not the real one."""
    indicator = scenario.indicator
    bias = people.recording_bias[rows] + indicator.bias_per_gaming_hour * leverage * gaming_hours
    people.recording_bias[rows] = np.minimum(indicator.max_recording_bias, bias)


def direct_hours(
    people: People,
    rows: np.ndarray,
    hours: np.ndarray,
    relational: np.ndarray,
    discretion: np.ndarray,
    scenario: Scenario,
) -> tuple[np.ndarray, np.ndarray]:
    """Where the hours go, and how well: the assessed need, or what the worker has come to see.

    Returns the hours per domain and the craft of each hour per domain: bespoke
    work done well takes relational skill, which is learnt by doing it.

    The standard package is for the need assessed at intake; ``support.package_breadth``
    of its hours reach the person's other needs too, in proportion to them (a
    keyworker who helps with more than the referral). A person with no need left
    keeps the whole package on the assessed need.
    """
    params = scenario.support
    by_domain = np.empty((len(rows), people.domains))
    craft = np.empty_like(by_domain)
    _direct_hours(
        people.needs,
        people.goals,
        people.understanding,
        people.assessed_domain,
        rows,
        hours,
        relational,
        discretion,
        params.package_breadth,
        params.goal_weight,
        params.craft_floor,
        by_domain,
        craft,
    )
    return by_domain, craft


@kernel
def _direct_hours(
    needs: np.ndarray,
    goals: np.ndarray,
    understanding: np.ndarray,
    assessed_domain: np.ndarray,
    rows: np.ndarray,
    hours: np.ndarray,
    relational: np.ndarray,
    discretion: np.ndarray,
    breadth: float,
    goal_weight: float,
    craft_floor: float,
    by_domain: np.ndarray,
    craft: np.ndarray,
) -> None:
    """``direct_hours`` person by person, into ``by_domain`` and ``craft``."""
    d = needs.shape[1]
    package = np.empty(d)  # the standard package's share of each domain, beyond the assessed need
    judged = np.empty(d)
    for i in range(len(rows)):
        row, assessed = rows[i], assessed_domain[rows[i]]
        if breadth:
            total = row_sum_of(needs[row])
            for j in range(d):
                package[j] = needs[row, j] / total if total > 0 else 0.0
            package[assessed] += np.float64(total <= 0)
        # What the worker judges the person needs: what they have come to see, the package for the rest.
        seen = understanding[row]
        for j in range(d):
            judged[j] = seen * (needs[row, j] + goal_weight * np.float64(goals[row, j]))
        _add_package(judged, assessed, breadth, package, 1 - seen)
        total = row_sum_of(judged)
        standard = 1 - discretion[i]
        skilled = craft_floor + (1.0 - craft_floor) * relational[i]
        for j in range(d):
            bespoke = discretion[i] * (judged[j] / total)
            by_domain[i, j] = bespoke
            craft[i, j] = bespoke * skilled
        _add_package(by_domain[i], assessed, breadth, package, standard)
        _add_package(craft[i], assessed, breadth, package, standard)
        for j in range(d):
            by_domain[i, j] *= hours[i]


@inline
def _add_package(
    table: np.ndarray, assessed: int, breadth: float, package: np.ndarray, weight: float
) -> None:
    """Add ``weight`` times one person's standard package to their row of ``table``, in place."""
    table[assessed] += (1.0 - breadth) * weight
    if breadth:
        for j in range(len(table)):
            table[j] += breadth * weight * package[j]


def help_with_needs(
    people: People,
    rows: np.ndarray,
    context: Context,
    skill: np.ndarray,
    hours: np.ndarray,
    craft: np.ndarray,
    approach: np.ndarray,
    scenario: Scenario,
) -> np.ndarray:
    """How much each need falls: hours, craft, what works, skill, relationship, entrenchment.

    ``skill`` is each row's worker's skill by domain; ``approach`` each row's approach by domain.
    """
    params = scenario.support
    fall = np.empty_like(craft)
    _help_with_needs(
        context.effectiveness,
        people.relationship,
        people.entrenchment,
        rows,
        skill,
        hours,
        craft,
        approach,
        params.relationship_floor,
        params.skill_floor,
        params.entrenchment_drag,
        params.need_reduction_per_hour,
        fall,
    )
    return fall


@kernel
def _help_with_needs(
    effectiveness: np.ndarray,
    relationship: np.ndarray,
    entrenchment: np.ndarray,
    rows: np.ndarray,
    skill: np.ndarray,
    hours: np.ndarray,
    craft: np.ndarray,
    approach: np.ndarray,
    relationship_floor: float,
    skill_floor: float,
    entrenchment_drag: float,
    need_reduction_per_hour: float,
    fall: np.ndarray,
) -> None:
    """``help_with_needs`` person by person, into ``fall``."""
    for i in range(len(rows)):
        row = rows[i]
        related = relationship_floor + (1.0 - relationship_floor) * relationship[row]
        drag = 1 - entrenchment_drag * entrenchment[row]
        for j in range(craft.shape[1]):
            # What works in this domain, with the approach the case uses there.
            works = effectiveness[j, approach[i, j]]
            quality = (skill_floor + (1.0 - skill_floor) * skill[i, j]) * related * drag
            fall[i, j] = need_reduction_per_hour * hours[i] * craft[i, j] * works * quality


def record_flattering_results(
    people: People,
    rows: np.ndarray,
    context: Context,
    by_domain: np.ndarray,
    approach: np.ndarray,
    scenario: Scenario,
) -> None:
    """Approaches that look better than they work lower the recorded need, not the real one.

    Only the recorded (assessed) need is measured.
    """
    indicator = scenario.indicator
    _record_flattering_results(
        people.recording_bias,
        people.assessed_domain,
        rows,
        context.indicator_view,
        context.effectiveness,
        by_domain,
        approach,
        indicator.appearance_bias_per_hour,
        indicator.max_recording_bias,
    )


@kernel
def _record_flattering_results(
    recording_bias: np.ndarray,
    assessed_domain: np.ndarray,
    rows: np.ndarray,
    indicator_view: np.ndarray,
    effectiveness: np.ndarray,
    by_domain: np.ndarray,
    approach: np.ndarray,
    bias_per_hour: float,
    max_bias: float,
) -> None:
    """``record_flattering_results`` person by person, in place."""
    for i in range(len(rows)):
        row = rows[i]
        domain = assessed_domain[row]
        used = approach[i, domain]
        looks = indicator_view[domain, used] - effectiveness[domain, used]
        flattering = by_domain[i, domain] * maximum(0.0, looks)
        recording_bias[row] = minimum(max_bias, recording_bias[row] + bias_per_hour * flattering)


def spend_at_discretion(
    needs: np.ndarray,
    relationship: np.ndarray,
    provider: np.ndarray,
    hours: np.ndarray,
    spend_budgets: np.ndarray,
    discretion: np.ndarray,
    scenario: Scenario,
) -> tuple[np.ndarray, np.ndarray]:
    """Small spends that remove a practical barrier, only from money the provider has to spare.

    Each worker with discretion would spend up to the limit on each person they saw this
    week; a provider whose spare money falls short scales every spend down alike. A spend
    lowers the person's worst need in place and helps the relationship. Returns the spend
    per provider and the relationships.
    """
    params = scenario.support
    spend = np.zeros(len(spend_budgets))
    helped = np.empty_like(relationship)
    _spend_at_discretion(
        needs,
        relationship,
        provider,
        hours,
        spend_budgets,
        discretion,
        params.discretionary_spend,
        params.spend_effect,
        params.spend_relationship,
        spend,
        helped,
    )
    return spend, helped


@kernel
def _spend_at_discretion(
    needs: np.ndarray,
    relationship: np.ndarray,
    provider: np.ndarray,
    hours: np.ndarray,
    spend_budgets: np.ndarray,
    discretion: np.ndarray,
    limit: float,
    spend_effect: float,
    spend_relationship: float,
    spend: np.ndarray,
    helped: np.ndarray,
) -> None:
    """``spend_at_discretion`` person by person: what is asked, what each provider affords, what it does."""
    n = len(provider)
    wanted = np.empty(n)
    asked = np.zeros(len(spend_budgets))
    for i in range(n):
        wanted[i] = limit * discretion[i] * np.float64(hours[i] > 0)
        asked[provider[i]] += wanted[i]
    affordable = np.empty(len(spend_budgets))
    for p in range(len(spend_budgets)):
        affordable[p] = minimum(1.0, spend_budgets[p] / maximum(asked[p], NO_SPEND))
    scale = max(limit, NO_SPEND)
    for i in range(n):
        amount = wanted[i] * affordable[provider[i]]
        worst = 0  # the first of the worst needs, as argmax finds it
        for j in range(1, needs.shape[1]):
            if needs[i, j] > needs[i, worst]:
                worst = j
        needs[i, worst] -= spend_effect * amount / scale
        helped[i] = relationship[i] + spend_relationship * amount / scale * (1 - relationship[i])
        spend[provider[i]] += amount


def grow_relationships(
    people: People,
    rows: np.ndarray,
    relationship: np.ndarray,
    hours: np.ndarray,
    morale: np.ndarray,
    relational: np.ndarray,
    scenario: Scenario,
) -> None:
    """Continuity builds the relationship, and the relationship lets the worker understand more."""
    params = scenario.relationships
    _grow_relationships(
        people.relationship,
        people.understanding,
        rows,
        relationship,
        hours,
        morale,
        relational,
        params.morale_floor,
        params.growth,
        params.full_hours,
        params.skill_floor,
        params.understanding_rate,
    )


@kernel
def _grow_relationships(
    relationships: np.ndarray,
    understanding: np.ndarray,
    rows: np.ndarray,
    relationship: np.ndarray,
    hours: np.ndarray,
    morale: np.ndarray,
    relational: np.ndarray,
    morale_floor: float,
    growth: float,
    full_hours: float,
    skill_floor: float,
    understanding_rate: float,
) -> None:
    """``grow_relationships`` person by person, in place."""
    for i in range(len(rows)):
        row = rows[i]
        keen = morale_floor + (1.0 - morale_floor) * morale[i]
        grown = growth * minimum(1.0, hours[i] / full_hours) * (1 - relationship[i]) * keen
        now = relationship[i] + grown * (skill_floor + (1.0 - skill_floor) * relational[i])
        relationships[row] = now
        understanding[row] = understanding[row] + understanding_rate * now * (1 - understanding[row])


def build_or_erode_assets(
    people: People,
    rows: np.ndarray,
    bespoke_hours: np.ndarray,
    relationship: np.ndarray,
    discretion: np.ndarray,
    scenario: Scenario,
) -> None:
    """Strengths-based hours build assets; deficit-led packages erode them (dependency)."""
    params = scenario.support
    _build_or_erode_assets(
        people.assets,
        rows,
        bespoke_hours,
        relationship,
        discretion,
        params.strengths_gain,
        params.dependency_loss,
    )


@kernel
def _build_or_erode_assets(
    assets: np.ndarray,
    rows: np.ndarray,
    bespoke_hours: np.ndarray,
    relationship: np.ndarray,
    discretion: np.ndarray,
    strengths_gain: float,
    dependency_loss: float,
) -> None:
    """``build_or_erode_assets`` person by person, in place."""
    for i in range(len(rows)):
        gain = strengths_gain * bespoke_hours[i] * relationship[i]
        loss = dependency_loss * (1 - discretion[i])
        assets[rows[i]] = clip(assets[rows[i]] + gain - loss, 0.0, 1.0)


def practise(
    workforce: Workforce,
    slots: np.ndarray,
    by_domain: np.ndarray,
    bespoke_hours: np.ndarray,
    scenario: Scenario,
) -> None:
    """Workers learn by practice: skill in a domain, and at relational work, grow with hours of it."""
    params = scenario.learning
    _practise(
        workforce.skill,
        workforce.relational_skill,
        slots,
        by_domain,
        bespoke_hours,
        params.skill_rate,
        params.practice_rate,
    )


@kernel
def _practise(
    skill: np.ndarray,
    relational_skill: np.ndarray,
    slots: np.ndarray,
    by_domain: np.ndarray,
    bespoke_hours: np.ndarray,
    skill_rate: float,
    practice_rate: float,
) -> None:
    """``practise``: each worker's hours this week, by domain and of bespoke work, then the gain in skill."""
    gained = np.zeros(skill.shape)
    relational = np.zeros(len(relational_skill))
    for i in range(len(slots)):
        for j in range(skill.shape[1]):
            gained[slots[i], j] += by_domain[i, j]
        relational[slots[i]] += bespoke_hours[i]
    for worker in range(skill.shape[0]):
        for j in range(skill.shape[1]):
            skill[worker, j] += skill_rate * gained[worker, j] * (1 - skill[worker, j])
        relational_skill[worker] += practice_rate * relational[worker] * (1 - relational_skill[worker])
