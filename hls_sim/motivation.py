"""Intrinsic motivation, effort, crowding, morale and the chance of leaving, for the whole workforce at once.

Workers differ in intrinsic motivation: knights who want to help and knaves
who mostly do not (Le Grand 1997, 2003). Control and targets can crowd out
intrinsic motivation while autonomy and trust crowd it in (Frey 1993; Frey
and Jegen 2001; Falk and Kosfeld 2006). Knaves exploit trust where no one
looks: effort beyond what motivation gives needs accountability, from money
on an indicator or from a funder who visits and listens. Morale follows
autonomy, paperwork, target pressure and seeing people do well; low morale
drives people out, which breaks relationships (Lowe and Plimmer 2019,
"Devolved power and decision making"; "Responding with empathy").

Every function takes arrays (one entry per worker) or plain numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hls_sim.parameters.calendar import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from hls_sim.agents.worker import Workforce
    from hls_sim.parameters.sections import Morale, Motivation
    from hls_sim.scenario import Scenario


def draw_motivation(
    rng: np.random.Generator, count: int, knave_share: float, params: Motivation
) -> np.ndarray:
    """Baseline intrinsic motivation: knights high, knaves low (Beta-distributed about each type's mean)."""
    knave = rng.random(count) < knave_share
    knight_a = params.knight_mean * params.concentration
    knights = rng.beta(knight_a, params.concentration - knight_a, size=count)
    knave_a = params.knave_mean * params.concentration
    knaves = rng.beta(knave_a, params.concentration - knave_a, size=count)
    return np.where(knave, knaves, knights)


def oversight(dialogue_hours: float, params: Motivation) -> float:
    """How much of a provider's real work the funder sees through dialogue (0 to 1)."""
    return dialogue_hours / (dialogue_hours + params.oversight_half_hours)


def effort(motivation, stakes, seen: float, params: Motivation):
    """Share of available hours actually worked.

    Motivation gives its own effort; the rest comes only from consequences:
    money riding on results (stakes), or a funder who sees the work (oversight)
    and whose seeing is felt as a consequence (``motivation.seen_sanction``).
    Knaves respond to consequences, not to being watched as such (Le Grand 2003).
    """
    accountability = np.minimum(1.0, params.stakes_accountability * stakes + params.seen_sanction * seen)
    return motivation + (1.0 - motivation) * accountability


def crowd_motivation(
    motivation: np.ndarray,
    baseline: np.ndarray,
    control: np.ndarray,
    autonomy: np.ndarray | float,
    rate: float,
    params: Motivation,
) -> np.ndarray:
    """Crowding: control pushes motivation down, autonomy lets it return toward baseline and above."""
    target = np.clip(
        baseline * (1.0 - params.control_effect * control) + params.autonomy_effect * autonomy * baseline,
        0.0,
        1.0,
    )
    return motivation + rate * (target - motivation)


def control_felt(stakes: np.ndarray, admin_share: np.ndarray, params: Motivation) -> np.ndarray:
    """How controlled a worker feels: money on the indicator and paperwork."""
    return np.minimum(1.0, params.stakes_control * stakes + admin_share)


def overload(caseload: np.ndarray, max_caseload: int, params: Morale) -> np.ndarray:
    """How overloaded a worker feels: nothing until the caseload nears its limit."""
    return np.maximum(0.0, caseload / max_caseload - params.overload_start) * params.overload_scale


def morale_target(
    autonomy: np.ndarray | float,
    admin_share: np.ndarray,
    stakes: np.ndarray,
    success_seen: np.ndarray,
    overloaded: np.ndarray,
    params: Morale,
) -> np.ndarray:
    """The morale a worker drifts toward given how their work feels this week."""
    value = (
        params.base
        + params.autonomy * autonomy
        - params.admin * admin_share
        - params.stakes * stakes
        + params.success * (success_seen - params.neutral_success)
        - params.overload * overloaded
    )
    return np.clip(value, 0.0, 1.0)


def leaving_chance(morale: np.ndarray, base_turnover: float, morale_turnover: float) -> np.ndarray:
    """Weekly chance that a worker leaves: base turnover, multiplied when morale is low."""
    return base_turnover / WEEKS_PER_YEAR * (1.0 + morale_turnover * (1.0 - morale))


def reflect(
    workforce: Workforce, slots: np.ndarray, autonomy: np.ndarray, scenario: Scenario
) -> tuple[np.ndarray, np.ndarray]:
    """How the week leaves each worker: motivation crowded in or out, morale moved toward how it felt.

    Returns the new motivation and morale of ``slots``; the caller decides when they take effect.
    """
    params = scenario.motivation
    admin_share = workforce.admin[slots] / workforce.hours[slots]
    stakes = workforce.stakes[slots]
    control = control_felt(stakes, admin_share, params)
    motivation = crowd_motivation(
        workforce.motivation[slots],
        workforce.baseline_motivation[slots],
        control,
        autonomy,
        scenario.workforce.crowding_rate,
        params,
    )
    overloaded = overload(workforce.caseload[slots], scenario.workforce.max_caseload, scenario.morale)
    target = morale_target(
        autonomy, admin_share, stakes, workforce.success_seen[slots], overloaded, scenario.morale
    )
    morale = workforce.morale[slots]
    return motivation, morale + scenario.morale.rate * (target - morale)
