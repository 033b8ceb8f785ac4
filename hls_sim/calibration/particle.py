"""One particle of the calibration: a parameter set run in every setting, scored against every pattern.

This is what a worker runs, so it imports the model and the patterns, never
pyabc. A particle's model seeds are a pure function of the calibration's root
seed and the parameter values (a ``SeedSequence`` of both), so the same
parameter set gives the same pattern values in any process, on any executor,
in any order; every setting of one particle uses the same seeds (paired, like
the arms of an experiment).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hls_sim.calibration.patterns import Patterns, dotted_name, particle_overrides
from hls_sim.model import SupportSystemModel
from hls_sim.scenario import apply_overrides

# Stream of the SeedSequence that seeds particles' model runs (the posterior check uses another).
PARTICLE_STREAM = 0


def particle_seeds(
    root_seed: int, values: Sequence[float], replicates: int, stream: int = PARTICLE_STREAM
) -> list[int]:
    """The model seeds of one parameter set: spawned from the root seed and the values' exact bits."""
    bits = np.asarray(values, dtype=np.float64).view(np.uint32).tolist()
    sequence = np.random.SeedSequence([root_seed, stream, *bits])
    return [int(child.generate_state(1)[0]) for child in sequence.spawn(replicates)]


def run_settings(
    patterns: Patterns, values: Sequence[float], seeds: Sequence[int]
) -> dict[str, dict[str, float]]:
    """Each setting's summary metrics for one parameter set, averaged over the seeds."""
    overrides = particle_overrides(patterns.ranges, values)
    metrics = {}
    for name, base in patterns.scenarios.items():
        scenario = apply_overrides(base, overrides, source=f"particle in setting {name}")
        runs = []
        for seed in seeds:
            model = SupportSystemModel(scenario=scenario, rng=seed)
            model.run_to_end()
            runs.append(model.summary())
        metrics[name] = {key: float(np.mean([run[key] for run in runs])) for key in runs[0]}
    return metrics


class ParticleModel:
    """The model pyabc calls: parameters in, each pattern's model value out.

    Picklable (it holds validated scenarios and plain numbers), so pyabc ships
    it to local processes or Dask workers as it is.
    """

    __name__ = "hls_sim"

    def __init__(self, patterns: Patterns, root_seed: int) -> None:
        self.patterns = patterns
        self.root_seed = root_seed

    def values_of(self, parameters: Mapping[str, Any]) -> list[float]:
        """The parameter values in calibrated-key order, from pyabc's names."""
        named = {dotted_name(name): float(value) for name, value in parameters.items()}
        return [named[key] for key in self.patterns.keys]

    def __call__(self, parameters: Mapping[str, Any]) -> dict[str, float]:
        values = self.values_of(parameters)
        seeds = particle_seeds(self.root_seed, values, self.patterns.spec.replicates)
        return self.patterns.values(run_settings(self.patterns, values, seeds))


class StandardisedDistance:
    """pyabc's distance: the root mean square of each pattern's standardised discrepancy."""

    def __init__(self, patterns: Patterns) -> None:
        self.patterns = patterns

    def __call__(self, simulated: Mapping[str, float], observed: Mapping[str, float]) -> float:
        return self.patterns.distance(simulated)
