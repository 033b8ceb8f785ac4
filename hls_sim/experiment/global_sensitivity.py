"""Global sensitivity analysis with SALib: which inputs move which outcomes, and how surely.

Two methods (Saltelli et al. 2008, *Global Sensitivity Analysis: The Primer*):

- **Morris** elementary effects: cheap screening, ``n`` trajectories of
  ``k + 1`` points; ``mu_star`` ranks how much an input matters and ``sigma``
  flags non-linearity or interaction.
- **Sobol** variance decomposition: ``n * (k + 2)`` points; ``S1`` is the
  share of the outcome's variance an input explains alone and ``ST`` with
  all its interactions.

The points SALib draws run through the ordinary sweep (same executors, same
store, same resumption), each with the spec's ``sensitivity.seeds`` seeds;
the outcome analysed at a point is its mean over those seeds, on common random
numbers, so seed noise is not mistaken for sensitivity. The sample is seeded
from the experiment's root seed, so it is reproducible.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analysis
from SALib.analyze import sobol as sobol_analysis
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from hls_sim.experiment.spec import Experiment, ExperimentError, as_key_type

METHODS = ("morris", "sobol")


def problem(ranges: dict[str, tuple[float, float]]) -> dict[str, Any]:
    """SALib's description of the inputs."""
    return {
        "num_vars": len(ranges),
        "names": list(ranges),
        "bounds": [list(bounds) for bounds in ranges.values()],
    }


def sensitivity_experiment(experiment: Experiment, method: str) -> Experiment:
    """The experiment whose runs are the SALib sample: first arm only, no grid, its own name."""
    spec = experiment.spec
    if method not in METHODS:
        raise ExperimentError(f"--method {method!r}: allowed: {', '.join(METHODS)}")
    if spec.sensitivity is None:
        raise ExperimentError(
            f"{experiment.source}: has no [sensitivity] section (ranges = {{key = [low, high]}}, n, seeds)"
        )
    narrowed = spec.model_copy(
        update={
            "name": f"{spec.name}-{method}",
            "arms": spec.arm_list()[:1],
            "parameters": [],
            "sample": None,
            "claims": [],
            "seeds": spec.sensitivity.seeds,
        }
    )
    return Experiment(narrowed, experiment.source, experiment.scenarios, sensitivity_method=method)


def sample(method: str, ranges: dict[str, tuple[float, float]], n: int, levels: int, seed: int) -> np.ndarray:
    """The SALib sample: one row per point, one column per input."""
    salib_seed = seed % 2**32
    if method == "morris":
        return morris_sample.sample(problem(ranges), n, num_levels=levels, seed=salib_seed)
    return sobol_sample.sample(problem(ranges), n, calc_second_order=False, seed=salib_seed)


def sample_points(experiment: Experiment) -> list[dict[str, Any]]:
    """The sample as parameter points (whole-number keys rounded)."""
    settings = experiment.spec.sensitivity
    rows = sample(
        experiment.sensitivity_method, settings.ranges, settings.n, settings.levels, experiment.spec.root_seed
    )
    keys = list(settings.ranges)
    return [{key: as_key_type(key, value) for key, value in zip(keys, row, strict=True)} for row in rows]


def indices(runs: pd.DataFrame, spec: dict[str, Any], method: str) -> pd.DataFrame:
    """Sensitivity indices with 95% intervals for each compared metric, from stored runs.

    Needs every point of the sample to have at least one successful run: SALib's
    estimators use the design as a whole.
    """
    settings = spec["sensitivity"]
    ranges = {key: tuple(bounds) for key, bounds in settings["ranges"].items()}
    design = sample(method, ranges, settings["n"], settings["levels"], spec["root_seed"])
    ok = runs[runs["status"] == "OK"]
    rows = []
    for metric in spec["metrics"]:
        outcome = ok.groupby("point")[metric].mean().reindex(range(len(design)))
        if outcome.isna().any():
            missing = int(outcome.isna().sum())
            raise ExperimentError(
                f"sensitivity: {missing} of {len(design)} sample points have no result for {metric}"
            )
        rows += _analyse(method, ranges, design, outcome.to_numpy(float), metric, settings["levels"])
    return pd.DataFrame(rows)


def _analyse(
    method: str, ranges: dict, design: np.ndarray, outcome: np.ndarray, metric: str, levels: int
) -> list[dict[str, Any]]:
    if method == "morris":
        result = morris_analysis.analyze(problem(ranges), design, outcome, num_levels=levels, seed=1)
        return [
            {
                "metric": metric,
                "input": name,
                "mu_star": result["mu_star"][i],
                "mu_star_low": result["mu_star"][i] - result["mu_star_conf"][i],
                "mu_star_high": result["mu_star"][i] + result["mu_star_conf"][i],
                "mu": result["mu"][i],
                "sigma": result["sigma"][i],
            }
            for i, name in enumerate(ranges)
        ]
    result = sobol_analysis.analyze(problem(ranges), outcome, calc_second_order=False, seed=1)
    return [
        {
            "metric": metric,
            "input": name,
            "S1": result["S1"][i],
            "S1_low": result["S1"][i] - result["S1_conf"][i],
            "S1_high": result["S1"][i] + result["S1_conf"][i],
            "ST": result["ST"][i],
            "ST_low": result["ST"][i] - result["ST_conf"][i],
            "ST_high": result["ST"][i] + result["ST_conf"][i],
        }
        for i, name in enumerate(ranges)
    ]
