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

from hls_sim.compiled import kernel, minimum

if TYPE_CHECKING:
    from hls_sim.regimes import Regime
    from hls_sim.scenario import Scenario


def set_discretion(
    discretion: np.ndarray,
    providers: np.ndarray,
    stakes: np.ndarray,
    mission: np.ndarray,
    regime: Regime,
    aligned: bool,
    scenario: Scenario,
) -> None:
    """The ``discretion`` each of ``providers`` gives its workers this week (0: set packages, 1: devolved).

    ``stakes`` is one per provider listed; ``mission`` is every provider's.
    """
    params = scenario.practice
    _set_discretion(
        discretion,
        providers,
        stakes,
        mission,
        scenario.gaming.mission_weight,
        0.0 if aligned else params.control_pull,
        params.max_discretion,
        regime.prescribed,
        params.prescribed_discretion,
    )


@kernel
def _set_discretion(
    discretion: np.ndarray,
    providers: np.ndarray,
    stakes: np.ndarray,
    mission: np.ndarray,
    mission_weight: float,
    pull: float,
    max_discretion: float,
    prescribed: bool,
    prescribed_discretion: float,
) -> None:
    """``set_discretion`` provider by provider: the mission's share of the pull, within any prescription."""
    for i in range(len(providers)):
        at = providers[i]
        valued = mission[at] * mission_weight
        weighing = valued + pull * stakes[i]
        chosen = max_discretion * (valued / weighing if weighing > 0 else 1.0)
        discretion[at] = minimum(chosen, prescribed_discretion) if prescribed else chosen
