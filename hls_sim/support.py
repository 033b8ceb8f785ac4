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


def deliver_support(
    people: People,
    rows: np.ndarray,
    week: WorkerWeek,
    context: Context,
    workforce: Workforce,
    measured: np.ndarray,
    *,
    threshold: float,
    discretion: float,
    spend_limit: float,
    spend_budgets: np.ndarray,
    providers: int,
    strengths_gain: float,
    dependency_loss: float,
    skill_rate: float,
    practice_rate: float,
    max_hours_per_person: float,
    gaming_leverage: float,
    aligned: bool,
) -> SupportResult:
    """One week of support for every supported person."""
    slots = people.worker[rows]
    size = len(week.support_hours)
    n, d = len(rows), people.domains
    needs = people.needs[rows]

    # Parking: hours follow need, tilted toward cases near the target by the stakes.
    near = gaming.near_threshold(measured, threshold)
    tilt = np.array([gaming.parking_tilt(s, m) for s, m in zip(week.stakes, week.motivation, strict=True)])[
        slots
    ]
    by_need = share_within(slots, needs.mean(axis=1) + 0.05, size)
    by_indicator = share_within(slots, near, size)
    hours = week.support_hours[slots] * ((1 - tilt) * by_need + tilt * by_indicator)
    # Nobody can use more than so many hours a week: a light caseload leaves hours spare.
    hours = np.minimum(hours, max_hours_per_person)

    # Indicator work lands on the cases closest to the threshold.
    gaming_hours = week.gaming_hours[slots] * by_indicator
    if not aligned:
        bias = people.recording_bias[rows] + BIAS_PER_GAMING_HOUR * gaming_leverage * gaming_hours
        people.recording_bias[rows] = np.minimum(MAX_RECORDING_BIAS, bias)

    # Where the hours go: the assessed need, or what the worker has come to see.
    assessed = np.zeros((n, d))
    assessed[np.arange(n), people.assessed_domain[rows]] = 1.0
    seen = people.understanding[rows][:, None]
    judged = seen * (needs + 0.5 * people.goals[rows]) + (1 - seen) * assessed
    judged /= judged.sum(axis=1, keepdims=True)
    by_domain = hours[:, None] * ((1 - discretion) * assessed + discretion * judged)
    # Bespoke work done well takes relational skill, which is learnt by doing it.
    relational = workforce.relational_skill[slots]
    craft = (1 - discretion) * assessed + discretion * judged * (0.4 + 0.6 * relational)[:, None]

    approach = people.approach[rows]
    effectiveness = context.effectiveness[np.arange(d)[None, :], approach]
    relationship = people.relationship[rows]
    quality = (
        (0.4 + 0.6 * workforce.skill[slots])
        * (0.4 + 0.6 * relationship)[:, None]
        * (1 - 0.6 * people.entrenchment[rows])[:, None]
    )
    needs -= NEED_REDUCTION_PER_HOUR * hours[:, None] * craft * effectiveness * quality

    # Approaches that look better than they work lower the recorded need, not the real one.
    if not aligned:
        looks = context.indicator_view[np.arange(d)[None, :], approach] - effectiveness
        flattering = (by_domain * np.maximum(0.0, looks))[np.arange(n), people.assessed_domain[rows]]
        people.recording_bias[rows] = np.minimum(
            MAX_RECORDING_BIAS, people.recording_bias[rows] + APPEARANCE_BIAS_PER_HOUR * flattering
        )

    # Discretionary spend, only where devolved and only from money the provider has to spare.
    provider = people.provider[rows]
    spend = np.zeros(providers)
    if discretion > 0 and spend_limit > 0:
        wanted = spend_limit * discretion * (hours > 0)
        asked = np.bincount(provider, weights=wanted, minlength=providers)
        affordable = np.minimum(1.0, spend_budgets / np.maximum(asked, 1e-9))
        amount = wanted * affordable[provider]
        spend = np.bincount(provider, weights=amount, minlength=providers)
        worst = needs.argmax(axis=1)
        needs[np.arange(n), worst] -= 0.01 * amount / max(spend_limit, 1e-9)
        relationship = relationship + 0.01 * amount / max(spend_limit, 1e-9) * (1 - relationship)

    people.needs[rows] = np.clip(needs, 0.0, 1.0)
    morale = week.morale[slots]
    people.relationship[rows] = relationship + 0.1 * np.minimum(1, hours / 1.5) * (1 - relationship) * (
        0.5 + 0.5 * morale
    ) * (0.5 + 0.5 * relational)
    people.understanding[rows] += 0.06 * people.relationship[rows] * (1 - people.understanding[rows])
    bespoke_hours = hours * discretion
    people.assets[rows] = np.clip(
        people.assets[rows]
        + strengths_gain * bespoke_hours * relationship
        - dependency_loss * (1 - discretion),
        0.0,
        1.0,
    )
    people.hours_received[rows] += hours
    # A good relationship with a worker rebuilds trust in services.
    adjust_trust(people, rows, TRUST_FROM_RELATIONSHIP * people.relationship[rows] * (hours > 0))

    practice = np.zeros((providers, d, context.effectiveness.shape[1]))
    np.add.at(practice, (provider[:, None], np.arange(d)[None, :], approach), by_domain)
    practise(workforce, slots, by_domain, bespoke_hours, skill_rate, practice_rate)
    return SupportResult(practice_hours=practice, spend=spend, hours=hours)


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
