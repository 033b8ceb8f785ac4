"""How far providers devolve decisions about support to their workers.

Where the contract prescribes the packages of support, workers keep only a
little leeway (``practice.prescribed_discretion``). Where it leaves delivery to
the provider (trust-based funding, or payment by results with a "black box"),
the provider decides. Devolving lets workers respond to what really matters to
each person, which is what a provider's mission values; but when money rides
on a proxy indicator (one need, measured at closure), bespoke work spreads
hours away from what is measured, so managers under stakes standardise practice
to keep the number up. The provider weighs the two as a worker weighs helping
against the indicator (``gaming``): discretion is ``max_discretion`` times the
mission's share of the pull. An indicator that is the outcome itself gives
standardising no pull.
Sources: Lowe and Plimmer (2019), "Responding to variety: bespoke by default"
and "Devolved power and decision making"; Lowe and Wilson (2017) and Hood
(2006) on management by numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hls_sim.regimes import Regime
    from hls_sim.scenario import Scenario


def discretion(
    stakes: np.ndarray, mission: np.ndarray, regime: Regime, aligned: bool, scenario: Scenario
) -> np.ndarray:
    """The discretion each provider gives its workers this week (0: set packages, 1: fully devolved)."""
    params = scenario.practice
    valued = mission * scenario.gaming.mission_weight
    pull = 0.0 if aligned else params.control_pull
    pressed = pull * stakes
    weighing = valued + pressed
    share = np.divide(valued, weighing, out=np.ones_like(weighing), where=weighing > 0)
    chosen = params.max_discretion * share
    if regime.prescribed:
        return np.minimum(chosen, params.prescribed_discretion)
    return chosen
