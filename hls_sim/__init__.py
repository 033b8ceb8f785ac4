"""hls_sim: an agent-based model of support systems under different funding regimes.

It makes testable the claims of Lowe and Plimmer (2019), *Exploring the New
World: Practical insights for funding, commissioning and managing in
complexity*: that target-based funding and competitive tendering corrupt what
they measure, turn people away at great later cost and stop organisations
learning, while trust-based funding and alliances do better; and it lets those
claims fail where they should.
"""

from hls_sim.api import run, simulate
from hls_sim.metrics import SUMMARY_KEYS
from hls_sim.model import SupportSystemModel
from hls_sim.regimes import REGIME_NAMES
from hls_sim.scenario import Scenario, ScenarioError, apply_overrides, load_scenario

# The experiment runner is loaded on first use: a single run, and every worker
# process, should not pay for Dask, SALib and the report's charts.
_EXPERIMENT_NAMES = ("load_experiment", "load_runs", "load_steps", "sensitivity", "sweep", "write_report")


def __getattr__(name: str) -> object:
    if name in _EXPERIMENT_NAMES:
        from hls_sim import experiment

        return getattr(experiment, name)
    raise AttributeError(f"module 'hls_sim' has no attribute {name!r}")


__all__ = [
    *_EXPERIMENT_NAMES,
    "REGIME_NAMES",
    "SUMMARY_KEYS",
    "Scenario",
    "ScenarioError",
    "SupportSystemModel",
    "apply_overrides",
    "load_scenario",
    "run",
    "simulate",
]
