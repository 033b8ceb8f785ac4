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

if TYPE_CHECKING:
    from hls_sim.parameters.sections import Candour


def fear(stakes: np.ndarray, blame: np.ndarray, params: Candour) -> np.ndarray:
    """How much a provider's staff fear failure: money on results and recent blame (0 to 1)."""
    return np.minimum(1.0, params.stakes_fear * stakes + blame)


def target(fear_felt: np.ndarray, funder_trust: np.ndarray, params: Candour) -> np.ndarray:
    """The candour a provider's culture tends toward: safety from its funder, less fear."""
    safety = params.safety_floor + (1.0 - params.safety_floor) * funder_trust
    return (1.0 - fear_felt) * safety


def blame_after_quarter(blame: np.ndarray, caught_share: np.ndarray, params: Candour) -> np.ndarray:
    """Blame fades quarter by quarter and rises with the share of reports caught as false."""
    return params.blame_memory * blame + params.blame * caught_share
