"""A provider's error culture: how much of what goes wrong its staff admit and its managers see.

Learning needs failures to be seen. Staff hide failure when it costs money or
brings blame, and admit it where it is safe to (psychological safety:
Edmondson 1999). So a provider's candour drifts toward a target set by fear
(money riding on results, and the blame of being caught misreporting, which
fades quarter by quarter) and by the safety of its relationship with its
funder (the funder's trust, built from what it has seen: ``agents.commissioner``).
Candour decides what a provider learns from: true outcomes in its measure,
otherwise the indicator it is paid on (``learning.learn_from_practice``), and how
well it presents itself in dialogue (``dialogue``). Fear also makes workers
record defensively (``work``). Source: Lowe and Plimmer (2019), "Creating a
learning culture"; Munro (2011) on blame and recording.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hls_sim.compiled import inline, kernel, minimum

if TYPE_CHECKING:
    from hls_sim.parameters.sections import Candour


@inline
def fear(stakes: float, blame: float, stakes_fear: float) -> float:
    """How much a provider's staff fear failure: money on results and recent blame (0 to 1)."""
    return minimum(1.0, stakes_fear * stakes + blame)


def move(
    candour: np.ndarray,
    providers: np.ndarray,
    stakes: np.ndarray,
    blame: np.ndarray,
    funder_trust: np.ndarray,
    params: Candour,
) -> None:
    """Each of ``providers`` moves its ``candour`` toward its target; ``stakes`` is one per provider listed.

    The target is the safety its funder's trust gives, less fear.
    """
    _move(
        candour,
        providers,
        stakes,
        blame,
        funder_trust,
        params.stakes_fear,
        params.safety_floor,
        params.rate,
    )


@kernel
def _move(
    candour: np.ndarray,
    providers: np.ndarray,
    stakes: np.ndarray,
    blame: np.ndarray,
    funder_trust: np.ndarray,
    stakes_fear: float,
    safety_floor: float,
    rate: float,
) -> None:
    """``move`` provider by provider."""
    for i in range(len(providers)):
        at = providers[i]
        safety = safety_floor + (1.0 - safety_floor) * funder_trust[at]
        target = (1.0 - fear(stakes[i], blame[at], stakes_fear)) * safety
        candour[at] += rate * (target - candour[at])


def blame_after_quarter(blame: np.ndarray, caught_share: np.ndarray, params: Candour) -> np.ndarray:
    """Blame fades quarter by quarter and rises with the share of reports caught as false."""
    return params.blame_memory * blame + params.blame * caught_share
