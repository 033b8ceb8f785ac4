"""Intrinsic motivation, effort, morale and turnover of front-line workers.

Workers differ in intrinsic motivation: knights who want to help and knaves
who mostly do not (Le Grand 1997, 2003). Control and targets can crowd out
intrinsic motivation while autonomy and trust crowd it in (Frey 1993; Frey
and Jegen 2001; Falk and Kosfeld 2006). Knaves exploit trust where no one
looks: effort beyond what motivation gives needs accountability, from money
on an indicator or from a funder who visits and listens. Morale follows
autonomy, paperwork, target pressure and seeing people do well; low morale
drives people out, which breaks relationships (Lowe and Plimmer 2019,
"Devolved power and decision making"; "Responding with empathy").
"""

from __future__ import annotations

import numpy as np

WEEKS_PER_YEAR = 52


def draw_motivation(rng: np.random.Generator, count: int, knave_share: float) -> np.ndarray:
    """Baseline intrinsic motivation: knights high, knaves low."""
    knave = rng.random(count) < knave_share
    knights = rng.beta(8, 2, size=count)
    knaves = rng.beta(2, 8, size=count)
    return np.where(knave, knaves, knights)


def oversight(dialogue_hours: float) -> float:
    """How much of a provider's real work the funder sees through dialogue (0 to 1)."""
    return dialogue_hours / (dialogue_hours + 2.0)


def effort(motivation: float, stakes: float, seen: float) -> float:
    """Share of available hours a worker actually works.

    Motivation gives its own effort; the rest comes only when someone is
    looking (oversight) or money rides on results (stakes).
    """
    accountability = min(1.0, 2.0 * stakes + seen)
    return motivation + (1.0 - motivation) * accountability


def crowd_motivation(
    motivation: float, baseline: float, control: float, autonomy: float, rate: float
) -> float:
    """Crowding: control pushes motivation down, autonomy lets it return toward baseline and above."""
    target = _unit(baseline * (1.0 - 0.5 * control) + 0.15 * autonomy * baseline)
    return motivation + rate * (target - motivation)


def morale_target(
    autonomy: float, admin_share: float, stakes: float, success_seen: float, overload: float
) -> float:
    """The morale a worker drifts toward given how their work feels this week."""
    value = (
        0.55 + 0.3 * autonomy - 0.6 * admin_share - 0.8 * stakes + 0.3 * (success_seen - 0.5) - 0.3 * overload
    )
    return _unit(value)


def _unit(value: float) -> float:
    """Clamp to [0, 1] (plain floats: this runs for every worker every week)."""
    return min(1.0, max(0.0, float(value)))


def leaving_chance(morale: float, base_turnover: float, morale_turnover: float) -> float:
    """Weekly chance that a worker leaves: base turnover, multiplied when morale is low."""
    return base_turnover / WEEKS_PER_YEAR * (1.0 + morale_turnover * (1.0 - morale))
