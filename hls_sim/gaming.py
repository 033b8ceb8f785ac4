"""The gaming repertoire: decisions agents take because they pay, not switches a regime flips.

Each function is one decision, weighing what the indicator is worth to the
decider (its ``stakes``: the share of money riding on it, passed down by
management pressure) against what helping people is worth to them (their
intrinsic ``motivation``) and, for misreporting, against the chance and cost
of being caught. With no stakes, none of them ever fires.

Sources: Hood (2006) "Gaming in Targetworld"; Bevan and Hood (2006) on
ratchet, threshold and output distortion; Lowe and Wilson (2017) on creaming
and parking under outcome-based commissioning; Rees, Whitworth and Carter
(2014) on the UK Work Programme; Holmstrom and Milgrom (1991) and Kerr (1975)
on multitask effort; Lowe and Plimmer (2019) on Campbell's Law.
"""

from __future__ import annotations

import numpy as np

# What helping one person matters to a fully motivated decider, in the same
# units as a unit of expected indicator score.
MISSION_WEIGHT = 0.15
# How much a free place for a new, likelier-to-score case is worth relative
# to finishing the work with a current one.
NEXT_CASE_VALUE = 0.5
# Felt cost, per unit of motivation, of recording a success one knows is false,
# and of recording a case under a need that flatters it (a greyer area).
HONESTY_COST = 1.0
RECLASSIFICATION_COST = 0.6


def felt_stakes(pbr_share: float, pressure: float, pooled_over: int) -> float:
    """How much the indicator matters to a decider at one provider.

    Money on the indicator, times how hard managers push it; when results are
    pooled across an alliance one provider's effort moves only its share of the
    pooled result, so the stakes are divided.
    """
    return pbr_share * pressure / max(1, pooled_over)


def success_chance(
    observed_needs: np.ndarray, entrenchment: np.ndarray, assets: np.ndarray, threshold: float
) -> np.ndarray:
    """A provider's rough prediction of whether a case will hit the indicator.

    Hard cases (a severe primary need, several other high needs, entrenched,
    few assets) look unlikely to score.
    """
    primary = observed_needs.max(axis=-1)
    others_high = (observed_needs > 0.5).sum(axis=-1) - 1
    chance = 1.0 - (primary - threshold) / 0.8 - 0.12 * others_high - 0.3 * entrenchment + 0.2 * assets
    return np.clip(chance, 0.0, 1.0)


def creams(stakes: float, mission: float, chance: np.ndarray, typical_chance: float) -> np.ndarray:
    """Creaming: decline eligible people whose expected score would pull the rate down.

    Declines when the expected loss of results income outweighs what serving
    the person is worth to the provider's mission.
    """
    expected_loss = stakes * np.maximum(0.0, typical_chance - chance)
    return expected_loss > mission * MISSION_WEIGHT


def parking_tilt(stakes: float, motivation: float) -> float:
    """Parking: how far a worker steers hours from need toward cases near the target.

    0 means hours follow need; 1 means hours follow only the chance of moving
    the indicator, so hard cases far from the threshold get little.
    """
    return stakes / (stakes + motivation * MISSION_WEIGHT * 2 + 1e-9)


def near_threshold(measured: np.ndarray, threshold: float, width: float = 0.15) -> np.ndarray:
    """How much an hour could move a case across the threshold: highest just above it."""
    distance = measured - threshold
    return np.where(distance > 0, np.exp(-distance / width), 0.05)


def gaming_share(stakes: float, motivation: float, leverage: float) -> float:
    """Multitask effort: the share of effortful hours spent moving the indicator.

    With linear rewards and convex effort costs, hours go to each task in
    proportion to its marginal return (Holmstrom and Milgrom 1991). An hour of
    indicator work returns ``leverage`` times what an hour of support does to
    the indicator, and nothing to the person; an hour of support returns to
    both. A valid indicator gives gaming no leverage.
    """
    gaming = stakes * leverage
    support = stakes + motivation
    total = gaming + support
    return gaming / total if total > 0 else 0.0


def stops_at_threshold(stakes: np.ndarray, motivation: np.ndarray, remaining_need: np.ndarray) -> np.ndarray:
    """Threshold effect: close the case once the indicator is met, though needs remain.

    Stops when a free place for a new scoring case is worth more than the work
    still to do with this person.
    """
    return stakes * NEXT_CASE_VALUE > motivation * MISSION_WEIGHT * remaining_need * 4


def reclassifies(stakes: np.ndarray, motivation: np.ndarray) -> np.ndarray:
    """Reclassification: record the case under another presenting need that makes it a success."""
    return stakes > motivation * RECLASSIFICATION_COST


def misreports(stakes: np.ndarray, motivation: np.ndarray, audit_rate: float, penalty: float) -> np.ndarray:
    """Misreporting: report a success that was not, if the expected gain beats the risk.

    Expected gain is the stakes when not audited; expected loss is the penalty
    when audited plus the felt cost of lying.
    """
    gain = stakes * (1.0 - audit_rate)
    loss = stakes * audit_rate * penalty + motivation * HONESTY_COST
    return gain > loss
