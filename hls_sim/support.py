"""Support: what a week of a worker's time does for the people on their caseload.

Standardised practice spends the hours on the package for the need assessed at
intake. Bespoke practice lets the worker spend them where the person's real
needs and goals are, as far as the relationship has let the worker see them
(empathy grows with continuity). How far practice is bespoke is the worker's
discretion, a constraint the regime sets. Strengths-based work builds assets;
deficit-led packages erode them (dependency: "trapped in the system").
Where decisions are devolved a worker can also spend a little money (a bus
pass, a coffee) to remove a practical barrier.

Sources: Lowe and Plimmer (2019) "Bespoke by default", "Responding with
empathy", "Responding to strengths", "Devolved power and decision making";
Cottam (2018) on relational practice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hls_sim import gaming
from hls_sim.agents.person import People, adjust_trust
from hls_sim.agents.worker import Workforce
from hls_sim.indicators import BIAS_PER_GAMING_HOUR, MAX_RECORDING_BIAS
from hls_sim.learning import Context

# Need reduced by one hour of fully effective, skilled, trusted support.
NEED_REDUCTION_PER_HOUR = 0.05
# Weekly rise in trust in services from a full relationship with a worker.
TRUST_FROM_RELATIONSHIP = 0.005
# Recording bias from an hour of an approach that looks better than it is.
APPEARANCE_BIAS_PER_HOUR = 0.01


@dataclass
class WorkerWeek:
    """This week's decisions of every worker, by slot."""

    support_hours: np.ndarray
    gaming_hours: np.ndarray
    stakes: np.ndarray
    motivation: np.ndarray
    morale: np.ndarray


@dataclass
class SupportResult:
    """What the week of support produced, for learning, money and metrics."""

    practice_hours: np.ndarray  # [provider, domain, approach]
    spend: np.ndarray  # [provider] discretionary spend in pounds
    hours: np.ndarray  # per supported row


def share_within(groups: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """Each row's share of its group's total weight (rows of one worker sum to 1)."""
    totals = np.bincount(groups, weights=weights, minlength=size)
    return weights / np.maximum(totals[groups], 1e-12)


@dataclass(frozen=True)
class SupportRules:
    """What shapes a week of support: the regime's constraints and the scenario's rates."""

    threshold: float
    discretion: float
    spend_limit: float
    strengths_gain: float
    dependency_loss: float
    skill_rate: float
    practice_rate: float
    max_hours_per_person: float
    gaming_leverage: float
    aligned: bool


def deliver_support(
    people: People,
    rows: np.ndarray,
    week: WorkerWeek,
    context: Context,
    workforce: Workforce,
    measured: np.ndarray,
    rules: SupportRules,
    spend_budgets: np.ndarray,
) -> SupportResult:
    """One week of support for every supported person, in the order a worker's week runs."""
    slots = people.worker[rows]
    providers = len(spend_budgets)
    provider = people.provider[rows]
    hours, near_share = allocate_hours(people, rows, week, measured, rules)
    if not rules.aligned:
        record_indicator_work(people, rows, week.gaming_hours[slots] * near_share, rules.gaming_leverage)
    relational = workforce.relational_skill[slots]
    by_domain, craft = direct_hours(people, rows, hours, relational, rules.discretion)
    approach = people.approach[rows]
    needs = people.needs[rows]
    relationship = people.relationship[rows]
    needs -= help_with_needs(people, rows, context, workforce.skill[slots], hours, craft, approach)
    if not rules.aligned:
        record_flattering_results(people, rows, context, by_domain, approach)
    spend = np.zeros(providers)
    if rules.discretion > 0 and rules.spend_limit > 0:
        spend, relationship = spend_at_discretion(
            needs, relationship, provider, hours, spend_budgets, rules.spend_limit, rules.discretion
        )
    people.needs[rows] = np.clip(needs, 0.0, 1.0)
    grow_relationships(people, rows, relationship, hours, week.morale[slots], relational)
    bespoke_hours = hours * rules.discretion
    build_or_erode_assets(people, rows, bespoke_hours, relationship, rules)
    people.hours_received[rows] += hours
    # A good relationship with a worker rebuilds trust in services.
    adjust_trust(people, rows, TRUST_FROM_RELATIONSHIP * people.relationship[rows] * (hours > 0))

    practice = np.zeros((providers, people.domains, context.effectiveness.shape[1]))
    np.add.at(practice, (provider[:, None], np.arange(people.domains)[None, :], approach), by_domain)
    practise(workforce, slots, by_domain, bespoke_hours, rules.skill_rate, rules.practice_rate)
    return SupportResult(practice_hours=practice, spend=spend, hours=hours)


def allocate_hours(
    people: People, rows: np.ndarray, week: WorkerWeek, measured: np.ndarray, rules: SupportRules
) -> tuple[np.ndarray, np.ndarray]:
    """Each person's hours this week, and their share of their worker's indicator-minded attention.

    Parking: hours follow need, tilted toward cases near the target by the stakes.
    Nobody can use more than so many hours a week, so a light caseload leaves hours spare.
    """
    slots = people.worker[rows]
    size = len(week.support_hours)
    near = gaming.near_threshold(measured, rules.threshold)
    tilt = np.array([gaming.parking_tilt(s, m) for s, m in zip(week.stakes, week.motivation, strict=True)])
    tilt = tilt[slots]
    by_need = share_within(slots, people.needs[rows].mean(axis=1) + 0.05, size)
    by_indicator = share_within(slots, near, size)
    hours = week.support_hours[slots] * ((1 - tilt) * by_need + tilt * by_indicator)
    return np.minimum(hours, rules.max_hours_per_person), by_indicator


def record_indicator_work(
    people: People, rows: np.ndarray, gaming_hours: np.ndarray, leverage: float
) -> None:
    """Indicator work lowers the recorded need of the cases closest to the threshold, not the real one."""
    bias = people.recording_bias[rows] + BIAS_PER_GAMING_HOUR * leverage * gaming_hours
    people.recording_bias[rows] = np.minimum(MAX_RECORDING_BIAS, bias)


def direct_hours(
    people: People, rows: np.ndarray, hours: np.ndarray, relational: np.ndarray, discretion: float
) -> tuple[np.ndarray, np.ndarray]:
    """Where the hours go, and how well: the assessed need, or what the worker has come to see.

    Returns the hours per domain and the craft of each hour per domain: bespoke
    work done well takes relational skill, which is learnt by doing it.
    """
    n, d = len(rows), people.domains
    assessed = np.zeros((n, d))
    assessed[np.arange(n), people.assessed_domain[rows]] = 1.0
    seen = people.understanding[rows][:, None]
    judged = seen * (people.needs[rows] + 0.5 * people.goals[rows]) + (1 - seen) * assessed
    judged /= judged.sum(axis=1, keepdims=True)
    by_domain = hours[:, None] * ((1 - discretion) * assessed + discretion * judged)
    craft = (1 - discretion) * assessed + discretion * judged * (0.4 + 0.6 * relational)[:, None]
    return by_domain, craft


def help_with_needs(
    people: People,
    rows: np.ndarray,
    context: Context,
    skill: np.ndarray,
    hours: np.ndarray,
    craft: np.ndarray,
    approach: np.ndarray,
) -> np.ndarray:
    """How much each need falls: hours, craft, what works, skill, relationship, entrenchment."""
    effectiveness = context.effectiveness[np.arange(people.domains)[None, :], approach]
    quality = (
        (0.4 + 0.6 * skill)
        * (0.4 + 0.6 * people.relationship[rows])[:, None]
        * (1 - 0.6 * people.entrenchment[rows])[:, None]
    )
    return NEED_REDUCTION_PER_HOUR * hours[:, None] * craft * effectiveness * quality


def record_flattering_results(
    people: People, rows: np.ndarray, context: Context, by_domain: np.ndarray, approach: np.ndarray
) -> None:
    """Approaches that look better than they work lower the recorded need, not the real one."""
    n, d = len(rows), people.domains
    effectiveness = context.effectiveness[np.arange(d)[None, :], approach]
    looks = context.indicator_view[np.arange(d)[None, :], approach] - effectiveness
    flattering = (by_domain * np.maximum(0.0, looks))[np.arange(n), people.assessed_domain[rows]]
    people.recording_bias[rows] = np.minimum(
        MAX_RECORDING_BIAS, people.recording_bias[rows] + APPEARANCE_BIAS_PER_HOUR * flattering
    )


def spend_at_discretion(
    needs: np.ndarray,
    relationship: np.ndarray,
    provider: np.ndarray,
    hours: np.ndarray,
    spend_budgets: np.ndarray,
    spend_limit: float,
    discretion: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Small spends that remove a practical barrier, only from money the provider has to spare.

    Lowers the worst need in place; returns the spend per provider and the relationships it helped.
    """
    providers = len(spend_budgets)
    wanted = spend_limit * discretion * (hours > 0)
    asked = np.bincount(provider, weights=wanted, minlength=providers)
    affordable = np.minimum(1.0, spend_budgets / np.maximum(asked, 1e-9))
    amount = wanted * affordable[provider]
    worst = needs.argmax(axis=1)
    needs[np.arange(len(needs)), worst] -= 0.01 * amount / max(spend_limit, 1e-9)
    relationship = relationship + 0.01 * amount / max(spend_limit, 1e-9) * (1 - relationship)
    return np.bincount(provider, weights=amount, minlength=providers), relationship


def grow_relationships(
    people: People,
    rows: np.ndarray,
    relationship: np.ndarray,
    hours: np.ndarray,
    morale: np.ndarray,
    relational: np.ndarray,
) -> None:
    """Continuity builds the relationship, and the relationship lets the worker understand more."""
    growth = 0.1 * np.minimum(1, hours / 1.5) * (1 - relationship) * (0.5 + 0.5 * morale)
    people.relationship[rows] = relationship + growth * (0.5 + 0.5 * relational)
    people.understanding[rows] += 0.06 * people.relationship[rows] * (1 - people.understanding[rows])


def build_or_erode_assets(
    people: People, rows: np.ndarray, bespoke_hours: np.ndarray, relationship: np.ndarray, rules: SupportRules
) -> None:
    """Strengths-based hours build assets; deficit-led packages erode them (dependency)."""
    gain = rules.strengths_gain * bespoke_hours * relationship
    loss = rules.dependency_loss * (1 - rules.discretion)
    people.assets[rows] = np.clip(people.assets[rows] + gain - loss, 0.0, 1.0)


def practise(
    workforce: Workforce,
    slots: np.ndarray,
    by_domain: np.ndarray,
    bespoke_hours: np.ndarray,
    skill_rate: float,
    practice_rate: float,
) -> None:
    """Workers learn by practice: skill in a domain, and at relational work, grow with hours of it."""
    gained = np.zeros_like(workforce.skill)
    np.add.at(gained, slots, by_domain)
    workforce.skill += skill_rate * gained * (1 - workforce.skill)
    relational = np.bincount(slots, weights=bespoke_hours, minlength=len(workforce.relational_skill))
    workforce.relational_skill += practice_rate * relational * (1 - workforce.relational_skill)
