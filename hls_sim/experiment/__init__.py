"""Experiments: many runs over scenarios, settings, parameters and seeds, with honest statistics.

Data flows one way: spec (``spec``) -> planned runs (``plan``) -> workers
(``executors`` running ``tasks``) -> results store (``store``) -> statistics and
report (``statistics``, ``report``, ``global_sensitivity``). The sweep (``runner``)
drives it. Names are loaded on first use, so a worker that imports
``hls_sim.experiment.tasks`` does not pay for the report's charts or SALib.
"""

from importlib import import_module

_HOMES = {
    "Experiment": "spec",
    "ExperimentError": "spec",
    "load_experiment": "spec",
    "SweepOutcome": "runner",
    "sensitivity": "runner",
    "sweep": "runner",
    "load_runs": "store",
    "load_steps": "store",
    "write_report": "report",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> object:
    if name in _HOMES:
        return getattr(import_module(f"hls_sim.experiment.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'hls_sim.experiment' has no attribute {name!r}")
