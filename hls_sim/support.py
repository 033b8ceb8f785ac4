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
from hls_sim.agents.person import People, wellbeing_into
from hls_sim.agents.worker import Workforce
from hls_sim.compiled import clip, inline, kernel, maximum, minimum, row_total
from hls_sim.learning import Context, indicator_sees

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
    gain: np.ndarray  # per supported row: the change in their wellbeing


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
    """One week of support for every supported person, in the order a worker's week runs.

    ``measured`` is each case's indicator reading. How near the threshold it is
    (``gaming.near_threshold``) is reckoned in numpy, and trust moves by
    ``trust.supported``; the rest of the week is one kernel, ``_deliver_support``.
    """
    params, indicator = scenario.support, scenario.indicator
    relationships, learning = scenario.relationships, scenario.learning
    providers = len(spend_budgets)
    if rules.threshold_pays:
        near = gaming.near_threshold(measured, rules.threshold, scenario.gaming)
    else:
        near = np.ones(len(rows))
    hours, gain = np.empty(len(rows)), np.empty(len(rows))
    practice = np.zeros((providers, people.domains, context.effectiveness.shape[1]))
    spend = np.zeros(providers)
    _deliver_support(
        people.needs,
        people.goals,
        people.goal_weights,
        people.goal_weight_total,
        people.understanding,
        people.assessed_domain,
        people.relationship,
        people.entrenchment,
        people.recording_bias,
        people.approach,
        people.assets,
        people.hours_received,
        people.tariff_weight,
        people.worker,
        people.provider,
        workforce.support,
        workforce.stakes,
        workforce.motivation,
        workforce.gaming,
        workforce.morale,
        workforce.skill,
        workforce.relational_skill,
        context.effectiveness,
        context.appearance,
        context.validity,
        rows,
        near,
        rules.discretion,
        spend_budgets,
        rules.threshold_pays,
        rules.aligned,
        rules.gaming_leverage,
        people.assets_weight,
        scenario.gaming.mission_weight,
        scenario.gaming.parking_motivation_weight,
        params.need_weight_floor,
        params.max_hours_per_person,
        indicator.bias_per_gaming_hour,
        indicator.appearance_bias_per_hour,
        indicator.max_recording_bias,
        params.package_breadth,
        params.goal_weight,
        params.craft_floor,
        params.relationship_floor,
        params.skill_floor,
        params.entrenchment_drag,
        params.need_reduction_per_hour,
        params.discretionary_spend,
        params.spend_effect,
        params.spend_relationship,
        relationships.morale_floor,
        relationships.growth,
        relationships.full_hours,
        relationships.skill_floor,
        relationships.understanding_rate,
        params.strengths_gain,
        params.dependency_loss,
        learning.skill_rate,
        learning.practice_rate,
        hours,
        practice,
        spend,
        gain,
    )
    trust.supported(people, rows, hours, scenario.trust)
    return SupportResult(practice_hours=practice, spend=spend, hours=hours, gain=gain)


@kernel
def _deliver_support(
    needs: np.ndarray,
    goals: np.ndarray,
    goal_weights: np.ndarray,
    goal_weight_total: np.ndarray,
    understanding: np.ndarray,
    assessed_domain: np.ndarray,
    relationships: np.ndarray,
    entrenchment: np.ndarray,
    recording_bias: np.ndarray,
    approach: np.ndarray,
    assets: np.ndarray,
    hours_received: np.ndarray,
    tariff_weight: np.ndarray,
    worker: np.ndarray,
    provider_of: np.ndarray,
    support: np.ndarray,
    stakes: np.ndarray,
    motivation: np.ndarray,
    gaming_hours: np.ndarray,
    morale: np.ndarray,
    skill: np.ndarray,
    relational_skill: np.ndarray,
    effectiveness: np.ndarray,
    appearance: np.ndarray,
    validity: float,
    rows: np.ndarray,
    near: np.ndarray,
    discretion_of: np.ndarray,
    spend_budgets: np.ndarray,
    threshold_pays: bool,
    aligned: bool,
    gaming_leverage: float,
    assets_weight: float,
    mission_weight: float,
    parking_weight: float,
    need_weight_floor: float,
    max_hours: float,
    bias_per_gaming_hour: float,
    appearance_bias_per_hour: float,
    max_bias: float,
    breadth: float,
    goal_weight: float,
    craft_floor: float,
    relationship_floor: float,
    skill_floor: float,
    entrenchment_drag: float,
    need_reduction_per_hour: float,
    spend_limit: float,
    spend_effect: float,
    spend_relationship: float,
    morale_floor: float,
    growth: float,
    full_hours: float,
    relational_floor: float,
    understanding_rate: float,
    strengths_gain: float,
    dependency_loss: float,
    skill_rate: float,
    practice_rate: float,
    hours: np.ndarray,
    practice: np.ndarray,
    spend: np.ndarray,
    gain: np.ndarray,
) -> None:
    """``deliver_support`` after ``near``, in place: each step of the week for every row in turn.

    Hours (``allocate_hours``) and indicator work; where the hours go
    (``direct_hours``) and what they do for needs; flattering results; small
    spends; needs kept within 0 and 1; relationships, assets and hours received;
    then what providers and workers learn by practice. Each row's hours and change
    in wellbeing go into ``hours`` and ``gain``, each provider's practice and
    discretionary spend into ``practice`` and ``spend``.
    """
    n, d = len(rows), needs.shape[1]
    before = np.empty(n)
    wellbeing_into(needs, goal_weights, goal_weight_total, assets, rows, assets_weight, before)
    slots, provider = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    discretion, relational, relationship = np.empty(n), np.empty(n), np.empty(n)
    spends = False
    for i in range(n):
        slots[i], provider[i] = worker[rows[i]], provider_of[rows[i]]
        discretion[i] = discretion_of[provider[i]]
        relational[i] = relational_skill[slots[i]]
        relationship[i] = relationships[rows[i]]
        spends = spends or discretion[i] > 0
        if threshold_pays:
            near[i] *= tariff_weight[rows[i]]
    by_indicator = np.empty(n)
    allocate_hours(
        needs,
        rows,
        slots,
        support,
        stakes,
        motivation,
        near,
        mission_weight,
        parking_weight,
        need_weight_floor,
        max_hours,
        hours,
        by_indicator,
    )
    if not aligned:
        record_indicator_work(
            recording_bias,
            rows,
            slots,
            gaming_hours,
            by_indicator,
            bias_per_gaming_hour,
            gaming_leverage,
            max_bias,
        )
    by_domain, craft = np.empty((n, d)), np.empty((n, d))
    _direct_hours(
        needs,
        goals,
        understanding,
        assessed_domain,
        rows,
        hours,
        relational,
        discretion,
        breadth,
        goal_weight,
        craft_floor,
        by_domain,
        craft,
    )
    help_with_needs(
        needs,
        effectiveness,
        relationships,
        entrenchment,
        rows,
        slots,
        skill,
        hours,
        craft,
        approach,
        relationship_floor,
        skill_floor,
        entrenchment_drag,
        need_reduction_per_hour,
    )
    if not aligned:
        record_flattering_results(
            recording_bias,
            assessed_domain,
            rows,
            effectiveness,
            appearance,
            validity,
            by_domain,
            approach,
            appearance_bias_per_hour,
            max_bias,
        )
    if spend_limit > 0 and spends:
        spend_at_discretion(
            needs,
            rows,
            relationship,
            provider,
            hours,
            spend_budgets,
            discretion,
            spend_limit,
            spend_effect,
            spend_relationship,
            spend,
        )
    for i in range(n):
        for j in range(d):
            needs[rows[i], j] = clip(needs[rows[i], j], 0.0, 1.0)
    grow_relationships(
        relationships,
        understanding,
        rows,
        slots,
        relationship,
        hours,
        morale,
        relational,
        morale_floor,
        growth,
        full_hours,
        relational_floor,
        understanding_rate,
    )
    bespoke_hours = np.empty(n)
    for i in range(n):
        bespoke_hours[i] = hours[i] * discretion[i]
        hours_received[rows[i]] += hours[i]
    build_or_erode_assets(
        assets, rows, bespoke_hours, relationship, discretion, strengths_gain, dependency_loss
    )
    practice_hours(provider, approach, rows, by_domain, practice)
    practise(skill, relational_skill, slots, by_domain, bespoke_hours, skill_rate, practice_rate)
    wellbeing_into(needs, goal_weights, goal_weight_total, assets, rows, assets_weight, gain)
    for i in range(n):
        gain[i] -= before[i]


@kernel
def practice_hours(
    provider: np.ndarray, approach: np.ndarray, rows: np.ndarray, by_domain: np.ndarray, practice: np.ndarray
) -> None:
    """Each provider's hours of practice this week, by domain and approach, added to ``practice``.

    ``provider`` and ``by_domain`` are each row's; ``approach`` is everyone's. Added
    case by case, domain by domain, in order (as ``np.add.at`` adds them).
    """
    for i in range(len(rows)):
        for j in range(by_domain.shape[1]):
            practice[provider[i], j, approach[rows[i], j]] += by_domain[i, j]


@kernel
def allocate_hours(
    needs: np.ndarray,
    rows: np.ndarray,
    slots: np.ndarray,
    support: np.ndarray,
    stakes: np.ndarray,
    motivation: np.ndarray,
    near: np.ndarray,
    mission_weight: float,
    parking_weight: float,
    need_weight_floor: float,
    max_hours: float,
    hours: np.ndarray,
    by_indicator: np.ndarray,
) -> None:
    """Each person's hours this week, and their share of their worker's indicator-minded attention.

    Parking: hours follow need, tilted toward cases near the target by the stakes
    (``gaming.parking_tilt``); ``near`` is how near each case is, as far as it pays.
    Nobody can use more than so many hours a week, so a light caseload leaves hours spare.

    Person by person: each person's share of their worker's caseload by need, and by
    what they could do for the indicator (``by_indicator``; each worker's shares sum
    to 1), then the split of the worker's support hours between the two that the tilt sets.
    """
    n, d = len(rows), needs.shape[1]
    by_need = np.empty(n)
    need_total, near_total = np.zeros(len(support)), np.zeros(len(support))
    for i in range(n):
        by_need[i] = row_total(needs, rows[i]) / d + need_weight_floor
        need_total[slots[i]] += by_need[i]
        near_total[slots[i]] += near[i]
    for i in range(n):
        worker = slots[i]
        by_need[i] = by_need[i] / maximum(need_total[worker], NOTHING)
        by_indicator[i] = near[i] / maximum(near_total[worker], NOTHING)
        tilt = gaming.tilting(stakes[worker], motivation[worker], mission_weight, parking_weight)
        share = (1 - tilt) * by_need[i] + tilt * by_indicator[i]
        hours[i] = minimum(support[worker] * share, max_hours)


@kernel
def record_indicator_work(
    recording_bias: np.ndarray,
    rows: np.ndarray,
    slots: np.ndarray,
    gaming_hours: np.ndarray,
    by_indicator: np.ndarray,
    bias_per_hour: float,
    leverage: float,
    max_bias: float,
) -> None:
    """Indicator work lowers the recorded need of the cases closest to the threshold, not the real one.

    Each worker's ``gaming_hours`` go to their cases in their shares ``by_indicator``.
    """
    for i in range(len(rows)):
        worked = gaming_hours[slots[i]] * by_indicator[i]
        bias = recording_bias[rows[i]] + bias_per_hour * leverage * worked
        recording_bias[rows[i]] = minimum(max_bias, bias)


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
    """``direct_hours`` person by person, into ``by_domain`` and ``craft``.

    In three passes over the people (a short loop is quicker than one long one): the
    package's share of each domain, what the worker judges each person needs (in
    their row of ``by_domain``), then the hours and their craft.
    """
    n, d = len(rows), needs.shape[1]
    package = np.zeros((n, d))  # the standard package's share of each domain, beyond the assessed need
    if breadth:
        for i in range(n):
            row = rows[i]
            total = row_total(needs, row)
            for j in range(d):
                package[i, j] = needs[row, j] / total if total > 0 else 0.0
            package[i, assessed_domain[row]] += np.float64(total <= 0)
    # What the worker judges the person needs: what they have come to see, the package for the rest.
    for i in range(n):
        row, assessed = rows[i], assessed_domain[rows[i]]
        seen = understanding[row]
        for j in range(d):
            judged = seen * (needs[row, j] + goal_weight * np.float64(goals[row, j]))
            by_domain[i, j] = _with_package(judged, j == assessed, breadth, package[i, j], 1 - seen)
    for i in range(n):
        assessed, total = assessed_domain[rows[i]], row_total(by_domain, i)
        standard = 1 - discretion[i]
        skilled = craft_floor + (1.0 - craft_floor) * relational[i]
        for j in range(d):
            bespoke = discretion[i] * (by_domain[i, j] / total)
            by_domain[i, j] = (
                _with_package(bespoke, j == assessed, breadth, package[i, j], standard) * hours[i]
            )
            craft[i, j] = _with_package(bespoke * skilled, j == assessed, breadth, package[i, j], standard)


@inline
def _with_package(value: float, assessed: bool, breadth: float, package: float, weight: float) -> float:
    """``value`` plus ``weight`` times the standard package's share of one domain.

    ``package`` is the share beyond the assessed need; ``assessed`` says whether
    this is the assessed need, which takes the rest of the package.
    """
    value = value + (1.0 - breadth) * weight if assessed else value  # a choice, not a branch
    if breadth:
        value += breadth * weight * package
    return value


@kernel
def help_with_needs(
    needs: np.ndarray,
    effectiveness: np.ndarray,
    relationship: np.ndarray,
    entrenchment: np.ndarray,
    rows: np.ndarray,
    slots: np.ndarray,
    skill: np.ndarray,
    hours: np.ndarray,
    craft: np.ndarray,
    approach: np.ndarray,
    relationship_floor: float,
    skill_floor: float,
    entrenchment_drag: float,
    need_reduction_per_hour: float,
) -> None:
    """Each need falls, in place: hours, craft, what works, skill, relationship, entrenchment.

    ``skill`` is each worker's by domain, ``approach`` each person's by domain;
    ``hours`` and ``craft`` are each row's.
    """
    for i in range(len(rows)):
        row = rows[i]
        related = relationship_floor + (1.0 - relationship_floor) * relationship[row]
        drag = 1 - entrenchment_drag * entrenchment[row]
        for j in range(craft.shape[1]):
            # What works in this domain, with the approach the case uses there.
            works = effectiveness[j, approach[row, j]]
            quality = (skill_floor + (1.0 - skill_floor) * skill[slots[i], j]) * related * drag
            needs[row, j] -= need_reduction_per_hour * hours[i] * craft[i, j] * works * quality


@kernel
def record_flattering_results(
    recording_bias: np.ndarray,
    assessed_domain: np.ndarray,
    rows: np.ndarray,
    effectiveness: np.ndarray,
    appearance: np.ndarray,
    validity: float,
    by_domain: np.ndarray,
    approach: np.ndarray,
    bias_per_hour: float,
    max_bias: float,
) -> None:
    """Approaches that look better than they work lower the recorded need, not the real one.

    Only the recorded (assessed) need is measured. How the indicator sees an approach
    is ``Context.indicator_view``; ``by_domain`` is each row's hours.
    """
    for i in range(len(rows)):
        row = rows[i]
        domain = assessed_domain[row]
        used = approach[row, domain]
        works = effectiveness[domain, used]
        looks = indicator_sees(validity, works, appearance[domain, used]) - works
        flattering = by_domain[i, domain] * maximum(0.0, looks)
        recording_bias[row] = minimum(max_bias, recording_bias[row] + bias_per_hour * flattering)


@kernel
def spend_at_discretion(
    needs: np.ndarray,
    rows: np.ndarray,
    relationship: np.ndarray,
    provider: np.ndarray,
    hours: np.ndarray,
    spend_budgets: np.ndarray,
    discretion: np.ndarray,
    limit: float,
    spend_effect: float,
    spend_relationship: float,
    spend: np.ndarray,
) -> None:
    """Small spends that remove a practical barrier, only from money the provider has to spare.

    Each worker with discretion would spend up to the limit on each person they saw this
    week; a provider whose spare money falls short scales every spend down alike. A spend
    lowers the person's worst need and helps their ``relationship`` (each row's), both in
    place, and is added to its provider's ``spend``.
    """
    n = len(rows)
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
        row = rows[i]
        amount = wanted[i] * affordable[provider[i]]
        worst, highest = 0, needs[row, 0]  # the first of the worst needs, as argmax finds it
        for j in range(1, needs.shape[1]):
            # Chosen without a branch: which need is worst changes from person to person.
            higher = needs[row, j] > highest
            worst, highest = (j, needs[row, j]) if higher else (worst, highest)
        needs[row, worst] -= spend_effect * amount / scale
        relationship[i] = relationship[i] + spend_relationship * amount / scale * (1 - relationship[i])
        spend[provider[i]] += amount


@kernel
def grow_relationships(
    relationships: np.ndarray,
    understanding: np.ndarray,
    rows: np.ndarray,
    slots: np.ndarray,
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
    """Continuity builds the relationship, and the relationship lets the worker understand more.

    ``relationship`` (this week's, before it grows) and ``relational`` (the worker's
    relational skill) are each row's; ``morale`` is each worker's.
    """
    for i in range(len(rows)):
        row = rows[i]
        keen = morale_floor + (1.0 - morale_floor) * morale[slots[i]]
        grown = growth * minimum(1.0, hours[i] / full_hours) * (1 - relationship[i]) * keen
        now = relationship[i] + grown * (skill_floor + (1.0 - skill_floor) * relational[i])
        relationships[row] = now
        understanding[row] = understanding[row] + understanding_rate * now * (1 - understanding[row])


@kernel
def build_or_erode_assets(
    assets: np.ndarray,
    rows: np.ndarray,
    bespoke_hours: np.ndarray,
    relationship: np.ndarray,
    discretion: np.ndarray,
    strengths_gain: float,
    dependency_loss: float,
) -> None:
    """Strengths-based hours build assets; deficit-led packages erode them (dependency)."""
    for i in range(len(rows)):
        gain = strengths_gain * bespoke_hours[i] * relationship[i]
        loss = dependency_loss * (1 - discretion[i])
        assets[rows[i]] = clip(assets[rows[i]] + gain - loss, 0.0, 1.0)


@kernel
def practise(
    skill: np.ndarray,
    relational_skill: np.ndarray,
    slots: np.ndarray,
    by_domain: np.ndarray,
    bespoke_hours: np.ndarray,
    skill_rate: float,
    practice_rate: float,
) -> None:
    """Workers learn by practice: skill in a domain, and at relational work, grow with hours of it.

    Each worker's hours this week, by domain and of bespoke work, then the gain in skill.
    """
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
