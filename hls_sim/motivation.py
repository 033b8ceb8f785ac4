"""Intrinsic motivation, effort, crowding, morale and the chance of leaving.

Workers differ in intrinsic motivation: knights who want to help and knaves
who mostly do not (Le Grand 1997, 2003). Control and targets can crowd out
intrinsic motivation while autonomy and trust crowd it in (Frey 1993; Frey
and Jegen 2001; Falk and Kosfeld 2006). Knaves exploit trust where no one
looks: effort beyond what motivation gives needs accountability, from money
on an indicator or from a funder who visits and listens. Morale follows
autonomy, paperwork, target pressure and seeing people do well; low morale
drives people out, which breaks relationships (Lowe and Plimmer 2019,
"Devolved power and decision making"; "Responding with empathy").

``effort``, ``crowd_motivation`` and ``leaving_chance`` are the rules for one
worker (or provider), compiled into the kernels that use them and callable from
Python; ``reflect`` goes through the workforce worker by worker in a compiled
kernel. ``draw_motivation`` draws for several at once, ``draw_one_motivation``
for one inside a kernel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hls_sim.compiled import clip, inline, kernel, maximum, minimum
from hls_sim.parameters.calendar import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from hls_sim.agents.worker import Workforce
    from hls_sim.parameters.sections import Motivation
    from hls_sim.scenario import Scenario


def draw_motivation(
    rng: np.random.Generator, count: int, knave_share: float, params: Motivation
) -> np.ndarray:
    """Baseline intrinsic motivation: knights high, knaves low (Beta-distributed about each type's mean)."""
    knight_a, knight_b, knave_a, knave_b = beta_shapes(params)
    knave = rng.random(count) < knave_share
    knights = rng.beta(knight_a, knight_b, size=count)
    knaves = rng.beta(knave_a, knave_b, size=count)
    return np.where(knave, knaves, knights)


def beta_shapes(params: Motivation) -> tuple[float, float, float, float]:
    """The Beta shapes of knights' and knaves' motivation: their means times the concentration."""
    knight_a = params.knight_mean * params.concentration
    knave_a = params.knave_mean * params.concentration
    return knight_a, params.concentration - knight_a, knave_a, params.concentration - knave_a


@inline
def draw_one_motivation(
    rng: np.random.Generator,
    knave_share: float,
    knight_a: float,
    knight_b: float,
    knave_a: float,
    knave_b: float,
) -> float:
    """``draw_motivation`` of one, inside a kernel: the same draws in the same order."""
    knave = rng.random() < knave_share
    as_knight = rng.beta(knight_a, knight_b)
    as_knave = rng.beta(knave_a, knave_b)
    return as_knave if knave else as_knight


def oversight(dialogue_hours: float, params: Motivation) -> float:
    """How much of a provider's real work the funder sees through dialogue (0 to 1)."""
    return seen_through(dialogue_hours, params.oversight_half_hours)


@inline
def seen_through(dialogue_hours: float, half_hours: float) -> float:
    """``oversight`` with its parameter given: usable in a kernel, and on arrays from Python."""
    return dialogue_hours / (dialogue_hours + half_hours)


@inline
def effort(
    motivation: float, stakes: float, seen: float, stakes_accountability: float, seen_sanction: float
) -> float:
    """Share of available hours actually worked, by one worker or provider.

    Motivation gives its own effort; the rest comes only from consequences:
    money riding on results (stakes, weighed by ``motivation.stakes_accountability``),
    or a funder who sees the work (oversight) and whose seeing is felt as a
    consequence (``motivation.seen_sanction``). Knaves respond to consequences,
    not to being watched as such (Le Grand 2003).
    """
    accountability = minimum(1.0, stakes_accountability * stakes + seen_sanction * seen)
    return motivation + (1.0 - motivation) * accountability


@inline
def crowd_motivation(
    motivation: float,
    baseline: float,
    control: float,
    autonomy: float,
    rate: float,
    control_effect: float,
    autonomy_effect: float,
) -> float:
    """Crowding: control pushes motivation down, autonomy lets it return toward baseline and above.

    One worker's motivation after a week, moving at ``rate`` toward its target.
    """
    target = clip(
        baseline * (1.0 - control_effect * control) + autonomy_effect * autonomy * baseline, 0.0, 1.0
    )
    return motivation + rate * (target - motivation)


@inline
def leaving_chance(morale: float, base_turnover: float, morale_turnover: float) -> float:
    """Weekly chance that a worker leaves: base turnover, multiplied when morale is low."""
    return base_turnover / WEEKS_PER_YEAR * (1.0 + morale_turnover * (1.0 - morale))


def reflect(
    workforce: Workforce,
    slots: np.ndarray,
    start: int,
    autonomy: np.ndarray,
    draws: np.ndarray,
    scenario: Scenario,
) -> int:
    """How the week leaves each worker of ``slots`` from ``start`` on, in turn, until one leaves.

    Each worker's motivation is crowded in or out (``crowd_motivation``) by
    how controlled they felt (money on the indicator and paperwork) and the
    autonomy their provider gave them (``autonomy``, one entry per provider);
    their morale moves toward how the week felt: autonomy, paperwork, target
    pressure, seeing people do well, and overload as the caseload nears its
    limit. The worker leaves if their draw of ``draws`` falls below their
    chance of leaving (``leaving_chance``). Returns the position in ``slots``
    of the worker who leaves (their new state already written), or
    ``len(slots)`` if nobody does: a leaver's caseload moves before the next
    worker reflects.
    """
    params, morale, workers = scenario.motivation, scenario.morale, scenario.workforce
    return _reflect(
        slots,
        start,
        draws,
        autonomy,
        workforce.provider,
        workforce.hours,
        workforce.admin,
        workforce.stakes,
        workforce.caseload,
        workforce.success_seen,
        workforce.baseline_motivation,
        workforce.motivation,
        workforce.morale,
        params.stakes_control,
        params.control_effect,
        params.autonomy_effect,
        workers.crowding_rate,
        workers.max_caseload,
        morale.overload_start,
        morale.overload_scale,
        morale.base,
        morale.autonomy,
        morale.admin,
        morale.stakes,
        morale.success,
        morale.neutral_success,
        morale.overload,
        morale.rate,
        workers.base_turnover,
        workers.morale_turnover,
    )


@kernel
def _reflect(
    slots: np.ndarray,
    start: int,
    draws: np.ndarray,
    autonomy_of: np.ndarray,
    provider: np.ndarray,
    hours: np.ndarray,
    admin: np.ndarray,
    stakes: np.ndarray,
    caseload: np.ndarray,
    success_seen: np.ndarray,
    baseline: np.ndarray,
    motivation: np.ndarray,
    morale: np.ndarray,
    stakes_control: float,
    control_effect: float,
    autonomy_effect: float,
    crowding_rate: float,
    max_caseload: int,
    overload_start: float,
    overload_scale: float,
    morale_base: float,
    morale_autonomy: float,
    morale_admin: float,
    morale_stakes: float,
    morale_success: float,
    neutral_success: float,
    morale_overload: float,
    morale_rate: float,
    base_turnover: float,
    morale_turnover: float,
) -> int:
    """``reflect`` worker by worker, writing each one's motivation and morale; the leaver's position."""
    for i in range(start, len(slots)):
        slot = slots[i]
        autonomy = autonomy_of[provider[slot]]
        admin_share = admin[slot] / hours[slot]
        control = minimum(1.0, stakes_control * stakes[slot] + admin_share)
        motivation[slot] = crowd_motivation(
            motivation[slot],
            baseline[slot],
            control,
            autonomy,
            crowding_rate,
            control_effect,
            autonomy_effect,
        )
        overloaded = maximum(0.0, caseload[slot] / max_caseload - overload_start) * overload_scale
        felt = clip(
            morale_base
            + morale_autonomy * autonomy
            - morale_admin * admin_share
            - morale_stakes * stakes[slot]
            + morale_success * (success_seen[slot] - neutral_success)
            - morale_overload * overloaded,
            0.0,
            1.0,
        )
        morale[slot] += morale_rate * (felt - morale[slot])
        if draws[i] < leaving_chance(morale[slot], base_turnover, morale_turnover):
            return i
    return len(slots)
