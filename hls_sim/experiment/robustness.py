"""Robustness of claims over the plausible space: where each claim holds, what it depends on, where it fails.

A spec with a ``[sample]`` draws its parameter points from the plausible space
(Latin hypercube or Sobol, ``scipy.stats.qmc``); every point runs every arm on
the same seeds. For each claim comparing two arms this module gives:

- **where it holds**: at each point, the mean over the point's seeds of the
  paired difference (first arm minus second); the claim holds there when
  that mean lies on the claimed side (beyond ``min_effect`` if given, within
  ``tolerance`` for "equal"). With one seed per point it is that seed's
  difference, so a point near the boundary can fall either side by luck. The
  share of points where it holds has an exact Clopper-Pearson interval
  (``statistics.share_holding``).
- **what it depends on**: first-order sensitivity indices of the per-point
  difference to every sampled parameter, by RBD-FAST as given-data estimator
  (SALib ``rbd_fast``: Plischke 2010, with Tissot and Prieur's 2012 bias
  correction), with SALib's bootstrap intervals. It needs nothing but the
  points and their outcomes, so it is valid on the Latin hypercube (or Sobol)
  sample the sweep drew; Sobol's Saltelli estimator or Morris would need
  their own designs, n (k + 2) or r (k + 1) points for k = 135 parameters.
  First-order indices miss what a parameter does only through interactions.
- **where it fails**: PRIM scenario discovery (Friedman and Fisher 1999;
  Bryant and Lempert 2010) of the points where it does not hold, with the
  EMA Workbench's maintained implementation. Of the boxes along the peeling
  trajectory the report takes the one with the largest harmonic mean of
  coverage and density (equal weight on both, our choice); the whole
  trajectory is in the tables.

The EMA Workbench takes 10 to 15 s to import, so it is imported only when a
report asks for PRIM, never by workers.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import rbd_fast

from hls_sim.experiment.spec import Claim, at_point
from hls_sim.experiment.statistics import CONFIDENCE, kish_effective_size, share_holding

TOP_PARAMETERS = 5
# SALib's default number of harmonics for RBD-FAST; fewer with few points, so that the
# bias correction 2M / N stays at most MAX_HARMONIC_SHARE (Tissot and Prieur 2012).
MAX_HARMONICS = 10
MAX_HARMONIC_SHARE = 0.1
BOOTSTRAP_RESAMPLES = 100
# PRIM's own defaults (EMA Workbench 3.0): peel or paste 5% of the box at a time,
# stop when a box holds less than 5% of the points.
PRIM_ALPHA = 0.05
PRIM_MASS_MIN = 0.05


def robustness_tables(runs: pd.DataFrame, spec: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Per claim comparing two arms: share holding, sensitivity indices, PRIM box of failure.

    Returns the tables ``robustness`` (one row per claim), ``robustness_points``
    (each point's difference and whether the claim holds), ``robustness_sensitivity``
    (every parameter's index), ``robustness_boxes`` (the chosen box's limits) and
    ``robustness_trajectories`` (every PRIM box on the peeling trajectory).
    """
    keys = [p["key"] for p in spec["parameters"]] + list((spec.get("sample") or {}).get("ranges", {}))
    first_arm = (spec["arms"] or [{"name": "as-written"}])[0]["name"]
    tables: dict[str, list[dict[str, Any]]] = {
        name: [] for name in ("robustness", "points", "sensitivity", "boxes", "trajectories")
    }
    for raw in spec["claims"]:
        claim = Claim.model_validate(raw)
        if not claim.compare:
            continue
        label = claim.describe(first_arm)
        points = point_differences(runs, claim)
        x = _parameters(runs, points.index, keys)
        effective = None
        if (spec.get("sample") or {}).get("method") == "posterior" and len(x):
            # Draws of the same particle are the same runs (every point shares the seeds).
            effective = kish_effective_size(x.value_counts(dropna=False).to_numpy())
        share = share_holding(points["holds"].to_numpy(), effective=effective)
        indices = sensitivity_indices(x, points["difference"].to_numpy(), seed=spec.get("root_seed") or 0)
        box = failure_box(x, ~points["holds"].to_numpy(bool))
        tables["robustness"].append(
            {
                "claim": label,
                "expect": claim.expectation(),
                **asdict(share),
                "left_out": int(_where(runs, claim.where)["point"].nunique()) - len(points),
                "seeds_per_point": int(points["seeds"].min()) if len(points) else 0,
                "mean_difference": float(points["difference"].mean()) if len(points) else np.nan,
                "top_parameters": "; ".join(indices.head(TOP_PARAMETERS)["parameter"])
                if len(indices)
                else "",
                **box["summary"],
            }
        )
        tables["points"] += [
            {"claim": label, "point": point, **row} for point, row in points.to_dict("index").items()
        ]
        tables["sensitivity"] += [{"claim": label, **row} for row in indices.to_dict("records")]
        tables["boxes"] += [{"claim": label, **row} for row in box["limits"]]
        tables["trajectories"] += [{"claim": label, **row} for row in box["trajectory"]]
    return {
        "robustness": pd.DataFrame(tables["robustness"], columns=ROBUSTNESS_COLUMNS),
        "robustness_points": pd.DataFrame(tables["points"]),
        "robustness_sensitivity": pd.DataFrame(tables["sensitivity"]),
        "robustness_boxes": pd.DataFrame(tables["boxes"]),
        "robustness_trajectories": pd.DataFrame(tables["trajectories"]),
    }


ROBUSTNESS_COLUMNS = [
    "claim",
    "expect",
    "share",
    "low",
    "high",
    "holding",
    "points",
    "effective",
    "left_out",
    "seeds_per_point",
    "mean_difference",
    "top_parameters",
    "failure_share",
    "box_coverage",
    "box_density",
    "box_mass",
    "box_points",
    "box_note",
]


def point_differences(runs: pd.DataFrame, claim: Claim) -> pd.DataFrame:
    """Per parameter point: the mean over seeds of first arm minus second, its seeds, and whether it holds.

    Each seed's runs of an arm at a point are averaged first (over scenarios,
    if the arm runs in several); seeds missing from either arm (a failed run,
    or a metric with no value in that run) are left out, and so are points
    with no seed in both.
    """
    first, second = claim.compare
    chosen = _where(runs, claim.where)
    per_seed = chosen.groupby(["arm", "point", "seed_index"])[claim.metric].mean()
    both = pd.concat(
        [per_seed.xs(first, level="arm").rename("a"), per_seed.xs(second, level="arm").rename("b")], axis=1
    ).dropna()
    differences = (both["a"] - both["b"]).groupby(level="point")
    table = pd.DataFrame({"difference": differences.mean(), "seeds": differences.size()})
    table["holds"] = holds(table["difference"].to_numpy(), claim)
    return table


def holds(differences: np.ndarray, claim: Claim) -> np.ndarray:
    """Whether each difference is on the claimed side: beyond the minimum effect, or within tolerance."""
    if claim.expect == "greater":
        return differences > claim.min_effect
    if claim.expect == "less":
        return differences < -claim.min_effect
    return np.abs(differences) < claim.tolerance


def _where(runs: pd.DataFrame, where: dict[str, Any]) -> pd.DataFrame:
    if not where or not len(runs):
        return runs
    keep = [at_point(point, where) for point in runs[list(where)].to_dict("records")]
    return runs[np.array(keep, dtype=bool)]


def _parameters(runs: pd.DataFrame, points: pd.Index, keys: list[str]) -> pd.DataFrame:
    """The value of every varied key at each point, in the order of ``points``."""
    return runs.groupby("point")[keys].first().reindex(points)


def harmonics(points: int) -> int:
    """RBD-FAST harmonics: SALib's 10, fewer with few points so that 2M / N stays at most 0.1."""
    return min(MAX_HARMONICS, int(points * MAX_HARMONIC_SHARE / 2))


def sensitivity_indices(x: pd.DataFrame, outcome: np.ndarray, *, seed: int) -> pd.DataFrame:
    """RBD-FAST first-order index of ``outcome`` for every column of ``x``, largest first.

    ``low`` and ``high`` are SALib's interval: the index plus or minus the
    normal 97.5% quantile times the standard deviation of the index over
    bootstrap resamples of half the points. Empty when there are too few
    points for one harmonic (fewer than 20) or the outcome does not vary.
    """
    columns = ["parameter", "S1", "low", "high", "rank"]
    m = harmonics(len(x))
    if m < 1 or not len(x.columns) or np.ptp(outcome) == 0:
        return pd.DataFrame(columns=columns)
    problem = {
        "num_vars": len(x.columns),
        "names": list(x.columns),
        "bounds": [[float(x[key].min()), float(x[key].max()) + 1e-12] for key in x.columns],
    }
    result = rbd_fast.analyze(
        problem,
        x.to_numpy(float),
        np.asarray(outcome, dtype=float),
        M=m,
        num_resamples=BOOTSTRAP_RESAMPLES,
        conf_level=CONFIDENCE,
        seed=seed % 2**32,
    )
    s1, half_width = np.asarray(result["S1"], float), np.asarray(result["S1_conf"], float)
    table = pd.DataFrame(
        {"parameter": list(x.columns), "S1": s1, "low": s1 - half_width, "high": s1 + half_width}
    )
    table = table.sort_values("S1", ascending=False, kind="stable").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table[columns]


def failure_box(x: pd.DataFrame, fails: np.ndarray) -> dict[str, Any]:
    """PRIM's box of the points where the claim fails: summary, restricted limits, peeling trajectory.

    No box when the claim fails nowhere or everywhere (there is nothing to
    tell apart). Of the boxes on the peeling trajectory the one with the
    largest harmonic mean of coverage (share of all failures inside it) and
    density (share of the points inside it that fail) is chosen; if that is
    the first box, the whole space, no region concentrates the failures.
    """
    summary = {
        "failure_share": float(fails.mean()) if fails.size else np.nan,
        "box_coverage": np.nan,
        "box_density": np.nan,
        "box_mass": np.nan,
        "box_points": 0,
        "box_note": "",
    }
    if not fails.any() or fails.all():
        summary["box_note"] = "no box: the claim " + (
            "fails nowhere" if not fails.any() else "fails everywhere"
        )
        return {"summary": summary, "limits": [], "trajectory": []}
    # Whole-number keys go in as floats: the workbench's pasting writes a float limit into an
    # integer column, which pandas 3 refuses; the limits it finds are the same.
    box = _prim_box(x.reset_index(drop=True).astype(float), fails.astype(bool))
    trajectory = box.peeling_trajectory[["coverage", "density", "mass", "n", "k", "res_dim"]].copy()
    trajectory["f1"] = (
        2 * trajectory["coverage"] * trajectory["density"] / (trajectory["coverage"] + trajectory["density"])
    )
    trajectory["step"] = np.arange(len(trajectory))
    chosen = int(trajectory["f1"].to_numpy().argmax())
    trajectory["chosen"] = trajectory["step"] == chosen
    row = trajectory.iloc[chosen]
    summary.update(
        box_coverage=float(row["coverage"]),
        box_density=float(row["density"]),
        box_mass=float(row["mass"]),
        box_points=int(row["n"]),
    )
    limits = _restricted_limits(box, chosen, x)
    if not limits:
        summary["box_note"] = "no region concentrates the failures: the best box is the whole space"
    return {"summary": summary, "limits": limits, "trajectory": trajectory.to_dict("records")}


def _prim_box(x: pd.DataFrame, fails: np.ndarray) -> Any:
    with warnings.catch_warnings():
        # The workbench warns that optional parallel back-ends are missing (PRIM needs none) and
        # uses pandas calls pandas has deprecated; neither concerns the result.
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        search = prim.Prim(x, fails, peel_alpha=PRIM_ALPHA, paste_alpha=PRIM_ALPHA, mass_min=PRIM_MASS_MIN)
        return search.find_box()


def _restricted_limits(box: Any, step: int, x: pd.DataFrame) -> list[dict[str, Any]]:
    """The restricted parameters of the box at ``step``: limits, the sampled range, quasi-p values."""
    _, limits = box.inspect(step, style="data")[0]
    rows = []
    for parameter, values in limits.iterrows():
        low, high, qp_low, qp_high = (float(value) for value in values.to_numpy())
        rows.append(
            {
                "parameter": parameter,
                "box_low": low,
                "box_high": high,
                "sampled_low": float(x[parameter].min()),
                "sampled_high": float(x[parameter].max()),
                "qp_low": qp_low,
                "qp_high": qp_high,
            }
        )
    return rows


def draw_robustness(tables: dict[str, pd.DataFrame], runs: pd.DataFrame, folder: Path) -> dict[str, str]:
    """One PNG per claim: each point's difference against the claim's most influential parameter."""
    import matplotlib.pyplot as plt

    from hls_sim.outputs import OKABE_ITO

    figures = {}
    points, indices = tables["robustness_points"], tables["robustness_sensitivity"]
    boxes = tables["robustness_boxes"]
    for number, row in enumerate(tables["robustness"].itertuples(), start=1):
        mine = points[points["claim"] == row.claim] if len(points) else points
        ranked = indices[indices["claim"] == row.claim] if len(indices) else indices
        if not len(mine) or not len(ranked):
            continue
        parameter = ranked.iloc[0]["parameter"]
        values = runs.groupby("point")[parameter].first().reindex(mine["point"]).to_numpy(float)
        fig, ax = plt.subplots(figsize=(7, 4.5))
        held = mine["holds"].to_numpy(bool)
        ax.scatter(values[held], mine["difference"][held], s=12, color=OKABE_ITO[2], label="holds")
        ax.scatter(values[~held], mine["difference"][~held], s=12, color=OKABE_ITO[5], label="fails")
        ax.axhline(0.0, color="grey", lw=0.8)
        restricted = (
            boxes[(boxes["claim"] == row.claim) & (boxes["parameter"] == parameter)] if len(boxes) else boxes
        )
        for limit in restricted.itertuples():
            ax.axvspan(
                limit.box_low, limit.box_high, color=OKABE_ITO[5], alpha=0.1, label="PRIM box (failures)"
            )
        ax.set_xlabel(parameter)
        ax.set_ylabel("difference at the point (mean over its seeds)")
        ax.set_title(row.claim, fontsize=9)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        name = f"robustness-{number}.png"
        fig.savefig(folder / name, dpi=120)
        plt.close(fig)
        figures[f"robustness {row.claim}"] = f"figures/{name}"
    return figures
