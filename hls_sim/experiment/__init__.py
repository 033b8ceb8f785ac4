"""Experiments: many runs over scenarios, settings, parameters and seeds, with honest statistics.

Data flows one way: spec (``spec``) -> planned runs (``tasks``) -> executors
(``executors``) -> results store (``store``) -> statistics and report
(``statistics``, ``report``, ``sensitivity``). The sweep (``runner``) drives it.
"""

from hls_sim.experiment.report import write_report
from hls_sim.experiment.runner import SweepOutcome, sensitivity, sweep
from hls_sim.experiment.spec import Experiment, ExperimentError, load_experiment
from hls_sim.experiment.store import load_runs, load_steps

__all__ = [
    "Experiment",
    "ExperimentError",
    "SweepOutcome",
    "load_experiment",
    "load_runs",
    "load_steps",
    "sensitivity",
    "sweep",
    "write_report",
]
