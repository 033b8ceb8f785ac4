"""The gaming repertoire: decisions agents take because they pay, not switches a regime flips.

Each function is one decision, weighing what the indicator is worth to the
decider (its ``stakes``: the share of money riding on it, passed down by
management pressure) against what helping people is worth to them (their
intrinsic ``motivation``, weighted by ``gaming.mission_weight``) and, for
misreporting, against the chance and cost of being caught. With no stakes,
none of them ever fires. Every function works on arrays, one entry per decision.

Sources: Hood (2006) "Gaming in Targetworld"; Bevan and Hood (2006) on
ratchet, threshold and output distortion; Lowe and Wilson (2017) on creaming
and parking under outcome-based commissioning; Rees, Whitworth and Carter
(2014) on the UK Work Programme; Holmstrom and Milgrom (1991) and Kerr (1975)
on multitask effort; Lowe and Plimmer (2019) on Campbell's Law.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from hls_sim.compiled import clip, inline, kernel, maximum, row_highest

if TYPE_CHECKING:
    from hls_sim.parameters.sections import Gaming

# Keeps the parking tilt defined for a decider with neither stakes nor motivation.
NO_WEIGHT = 1e-9


@inline
def felt_stakes(pbr_share: float, pressure: Any, pooled_over: int) -> Any:
    """How much the indicator matters to a decider at one provider.

    Money on the indicator, times how hard managers push it; when results are
    pooled across an alliance one provider's effort moves only its share of the
    pooled result, so the stakes are divided.
    """
    return pbr_share * pressure / max(1, pooled_over)


def success_chance(
    observed_needs: np.ndarray,
    entrenchment: np.ndarray,
    assets: np.ndarray,
    threshold: float,
    high_need: float,
    params: Gaming,
) -> np.ndarray:
    """A provider's rough prediction of whether a case will hit the indicator.

    Hard cases (a severe primary need, several other high needs, entrenched,
    few assets) look unlikely to score.
    """
    chance = np.empty(len(observed_needs))
    _success_chance(
        observed_needs,
        entrenchment,
        assets,
        threshold,
        high_need,
        params.chance_need_scale,
        params.chance_other_needs,
        params.chance_entrenchment,
        params.chance_assets,
        chance,
    )
    return chance


@kernel
def _success_chance(
    observed_needs: np.ndarray,
    entrenchment: np.ndarray,
    assets: np.ndarray,
    threshold: float,
    high_need: float,
    need_scale: float,
    other_needs: float,
    entrenchment_weight: float,
    assets_weight: float,
    chance: np.ndarray,
) -> None:
    """``success_chance`` case by case, into ``chance``."""
    for i in range(len(chance)):
        primary = row_highest(observed_needs, i)
        others_high = -np.int64(primary > high_need)  # the other needs above ``high_need``
        for j in range(observed_needs.shape[1]):
            others_high += np.int64(observed_needs[i, j] > high_need)
        likely = (
            1.0
            - (primary - threshold) / need_scale
            - other_needs * others_high
            - entrenchment_weight * entrenchment[i]
            + assets_weight * assets[i]
        )
        chance[i] = clip(likely, 0.0, 1.0)


@inline
def creams(
    stakes: float, mission: float, chance: float, typical_chance: float, mission_weight: float
) -> bool:
    """Creaming: decline an eligible person whose expected score would pull the rate down.

    Declines when the expected loss of results income (the ``stakes`` times how far
    the case's ``chance`` falls short of the typical one) outweighs what serving the
    person is worth to the provider's ``mission``. One case at a time, in a kernel
    (``intake``) or from Python.
    """
    return stakes * maximum(0.0, typical_chance - chance) > mission * mission_weight


def parking_tilt(stakes: np.ndarray, motivation: np.ndarray, params: Gaming) -> np.ndarray:
    """Parking: how far a worker steers hours from need toward cases near the target.

    0 means hours follow need; 1 means hours follow only the chance of moving
    the indicator, so hard cases far from the threshold get little.
    """
    return tilting(stakes, motivation, params.mission_weight, params.parking_motivation_weight)


@inline
def tilting(stakes: Any, motivation: Any, mission_weight: float, motivation_weight: float) -> Any:
    """``parking_tilt`` with its parameters spelt out, for arrays or (in a kernel) one worker."""
    held = motivation * mission_weight * motivation_weight
    return stakes / (stakes + held + NO_WEIGHT)


def near_threshold(measured: np.ndarray, threshold: float, params: Gaming) -> np.ndarray:
    """How much an hour could move a case across the threshold: highest just above it."""
    near = np.exp((threshold - measured) / params.near_width)
    _far_attention(measured, threshold, params.far_attention, near)
    return near


@kernel
def _far_attention(measured: np.ndarray, threshold: float, far_attention: float, near: np.ndarray) -> None:
    """``near_threshold`` of the cases not above the threshold, in place: the same for all of them."""
    for i in range(len(near)):
        if not measured[i] - threshold > 0:
            near[i] = far_attention


@inline
def gaming_share(stakes: float, motivation: float, leverage: float) -> float:
    """Multitask effort: the share of a worker's effortful hours spent moving the indicator.

    With linear rewards and convex effort costs, hours go to each task in
    proportion to its marginal return (Holmstrom and Milgrom 1991). An hour of
    indicator work returns ``leverage`` times what an hour of support does to
    the indicator, and nothing to the person; an hour of support returns to
    both. A valid indicator gives gaming no leverage.
    """
    gaming = stakes * leverage
    total = gaming + (stakes + motivation)
    return gaming / total if total > 0 else 0.0


def stops_at_threshold(
    stakes: np.ndarray, motivation: np.ndarray, remaining_need: np.ndarray, params: Gaming
) -> np.ndarray:
    """Threshold effect: close the case once the indicator is met, though needs remain.

    Stops when a free place for a new scoring case is worth more than the work
    still to do with this person.
    """
    return stops(
        stakes,
        motivation,
        remaining_need,
        params.mission_weight,
        params.threshold_stop_weight,
        params.next_case_value,
    )


@inline
def stops(
    stakes: Any,
    motivation: Any,
    remaining_need: Any,
    mission_weight: float,
    stop_weight: float,
    next_case_value: float,
) -> Any:
    """``stops_at_threshold`` with its parameters spelt out, for arrays or (in a kernel) one case."""
    still_to_do = motivation * mission_weight * remaining_need * stop_weight
    return stakes * next_case_value > still_to_do


def reclassifies(stakes: np.ndarray, motivation: np.ndarray, params: Gaming) -> np.ndarray:
    """Reclassification: record the case under another presenting need that makes it a success."""
    return reclassifying(stakes, motivation, params.reclassification_cost)


@inline
def reclassifying(stakes: Any, motivation: Any, cost: float) -> Any:
    """``reclassifies`` with its parameter spelt out, for arrays or (in a kernel) one case."""
    return stakes > motivation * cost


def misreports(
    stakes: np.ndarray, motivation: np.ndarray, audit_rate: float, penalty: float, params: Gaming
) -> np.ndarray:
    """Misreporting: report a success that was not, if the expected gain beats the risk.

    Expected gain is the stakes when not audited; expected loss is the penalty
    when audited plus the felt cost of lying.
    """
    return misreporting(stakes, motivation, audit_rate, penalty, params.honesty_cost)


@inline
def misreporting(stakes: Any, motivation: Any, audit_rate: Any, penalty: float, honesty_cost: float) -> Any:
    """``misreports`` with its parameter spelt out, for arrays or (in a kernel) one case."""
    gain = stakes * (1.0 - audit_rate)
    loss = stakes * audit_rate * penalty + motivation * honesty_cost
    return gain > loss
