"""How much of the gap between two arms each group of rules makes, measured both ways.

A spec's ``[decomposition]`` names two arms, ``from`` and ``to`` (say
target-competition and trust-alliance), and groups of rule keys. At load the
spec gains, for each group, the arm ``from plus GROUP`` (``from`` with the
group switched to ``to``'s values) and ``to minus GROUP`` (``to`` with it
switched back); see ``spec.decomposition_arms``. Every arm runs on the same
seeds, so every quantity below is a paired difference per seed, averaged over
the parameter points if the spec varies any (as a claim is):

- the **gap**: ``to - from``;
- a group's **forward effect**: ``(from plus GROUP) - from``, what switching
  the group alone does in the ``from`` world;
- its **backward effect**: ``to - (to minus GROUP)``, what the group adds in
  the ``to`` world;
- each effect's **share of the gap**: mean effect over mean gap, with
  Fieller's interval (``statistics.ratio_of_means``), which exists only when
  the gap's own interval excludes zero;
- the **interaction** each way: the gap minus the sum of the effects. If the
  groups acted additively and independently of each other, both interactions
  would be zero and forward and backward effects equal.

Differences have the t interval over seeds (``statistics.paired_difference``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd

from hls_sim.experiment.spec import Decomposition
from hls_sim.experiment.statistics import paired_difference, ratio_of_means

GAP = "gap"
INTERACTION = "interaction"
COLUMNS = [
    "scenario",
    "metric",
    "component",
    "direction",
    "mean",
    "low",
    "high",
    "n",
    "p_value",
    "share",
    "share_low",
    "share_high",
    "share_note",
]


def decomposition_table(runs: pd.DataFrame, spec: dict[str, Any]) -> pd.DataFrame:
    """Gap, forward and backward effects of each group, their shares of the gap, and the interactions.

    One row per (scenario, metric, component, direction); ``direction`` is
    "total" for the gap, else "forward" or "backward". Computed within each
    scenario of the spec.
    """
    decomposition = Decomposition.model_validate(spec["decomposition"])
    blocks = runs.groupby("scenario", sort=False) if len(spec["scenarios"]) > 1 else [(None, runs)]
    rows = []
    for scenario, block in blocks:
        label = scenario if scenario is not None else spec["scenarios"][0]
        for metric in spec["metrics"]:
            by_seed = block.groupby(["seed_index", "arm"])[metric].mean().unstack("arm")
            rows += [
                {"scenario": label, "metric": metric, **row} for row in _components(by_seed, decomposition)
            ]
    return pd.DataFrame(rows, columns=COLUMNS)


def _components(by_seed: pd.DataFrame, decomposition: Decomposition) -> list[dict[str, Any]]:
    """The rows of one metric from a table of one value per seed (rows) and arm (columns)."""

    def arm(name: str) -> np.ndarray:
        return by_seed[name].to_numpy(float) if name in by_seed else np.full(len(by_seed), np.nan)

    start, end = arm(decomposition.start), arm(decomposition.end)
    gap = end - start
    rows = [_row(GAP, "total", end, start, None)]
    for direction in ("forward", "backward"):
        effects = []
        for group in decomposition.groups:
            if direction == "forward":
                switched, base = arm(decomposition.forward_arm(group)), start
            else:
                switched, base = end, arm(decomposition.backward_arm(group))
            effects.append(switched - base)
            rows.append(_row(group, direction, switched, base, gap))
        summed = np.sum(effects, axis=0)
        rows.append(_row(INTERACTION, direction, gap, summed, gap))
    return rows


def _row(component: str, direction: str, a: np.ndarray, b: np.ndarray, gap: np.ndarray | None) -> dict:
    """``a - b`` as a paired difference over seeds, and as a share of ``gap`` (none for the gap itself)."""
    difference = paired_difference(a, b)
    row = {
        "component": component,
        "direction": direction,
        **{key: getattr(difference, key) for key in ("mean", "low", "high", "n", "p_value")},
    }
    if gap is None:
        return {**row, "share": 1.0, "share_low": np.nan, "share_high": np.nan, "share_note": ""}
    share = asdict(ratio_of_means(a - b, gap))
    return {
        **row,
        "share": share["estimate"],
        "share_low": share["low"],
        "share_high": share["high"],
        "share_note": share["note"],
    }
