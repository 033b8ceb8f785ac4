"""One run of an experiment: its identity, its seed, and how a worker process runs it.

Seeds are spawned from one ``numpy.random.SeedSequence`` (the experiment's root
seed), so the seed list is fixed by the spec and grows by prefix: ten seeds are
the first ten of twenty. Every arm and parameter point gets the same list
(common random numbers), so differences between them are paired.

A planned task is light (names, parameter values, seed), so planning a sweep of
any size costs little memory. Just before it is submitted it is *resolved*: it
gets its full, validated scenario, so a worker needs nothing but this module
and the model, and the same task runs the same on a local process or on a
Dask worker on another machine.
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from hls_sim.experiment import sensitivity
from hls_sim.experiment.spec import Experiment
from hls_sim.model import SupportSystemModel
from hls_sim.scenario import Scenario

OK = "OK"
FAILED = "FAILED"


@dataclass(frozen=True)
class Task:
    """One (scenario, arm, parameter point, seed) of an experiment."""

    order: int
    run_id: str
    experiment: str
    scenario_name: str
    arm: str
    point: int
    parameters: dict[str, Any]
    seed_index: int
    seed: int
    keep_steps: bool = True
    scenario: Scenario | None = field(default=None, repr=False)

    def labels(self) -> dict[str, Any]:
        """The columns that say which run this is, as stored beside its results."""
        return {
            "experiment": self.experiment,
            "run_id": self.run_id,
            "scenario": self.scenario_name,
            "arm": self.arm,
            "point": self.point,
            **self.parameters,
            "seed_index": self.seed_index,
            "seed": self.seed,
        }


@dataclass
class TaskResult:
    """What a worker sends back: the summary row, and the per-week table as columns."""

    row: dict[str, Any]
    steps: dict[str, list] | None


def run_seeds(root_seed: int, count: int) -> list[int]:
    """The run seeds: one 32-bit integer from each of ``count`` children of the root SeedSequence."""
    children = np.random.SeedSequence(root_seed).spawn(count)
    return [int(child.generate_state(1)[0]) for child in children]


def plan_tasks(experiment: Experiment) -> list[Task]:
    """Every run of the experiment, in a fixed order: scenario, arm, point, seed."""
    spec = experiment.spec
    seeds = run_seeds(spec.root_seed, spec.seeds)
    tasks = []
    points = sensitivity.sample_points(experiment) if experiment.sensitivity_method else spec.points()
    for scenario_name in spec.scenarios:
        for arm in spec.arm_list():
            for point_index, point in enumerate(points):
                for seed_index, seed in enumerate(seeds):
                    identity = [spec.name, scenario_name, arm.name, point_index, point, seed]
                    tasks.append(
                        Task(
                            order=len(tasks),
                            run_id=_digest(identity),
                            experiment=spec.name,
                            scenario_name=scenario_name,
                            arm=arm.name,
                            point=point_index,
                            parameters=point,
                            seed_index=seed_index,
                            seed=seed,
                            keep_steps=spec.steps,
                        )
                    )
    return tasks


def resolved(task: Task, experiment: Experiment) -> Task:
    """The task with its validated scenario, ready to send to a worker."""
    arm = next(arm for arm in experiment.spec.arm_list() if arm.name == task.arm)
    scenario = experiment.scenario_for(task.scenario_name, arm, task.parameters)
    return replace(task, scenario=scenario)


def _digest(identity: list[Any]) -> str:
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:20]


def run_task(task: Task) -> TaskResult:
    """Run one task in a worker; an error is caught and returned as a FAILED row, never raised."""
    started = time.perf_counter()
    try:
        model = SupportSystemModel(scenario=task.scenario, rng=task.seed)
        model.run_to_end()
        summary = model.summary()
        steps = model.weekly_table().to_dict(orient="list") if task.keep_steps else None
    except Exception as error:  # noqa: BLE001 - any failure of one run must not stop the sweep
        return failed_result(task, error, traceback.format_exc(), time.perf_counter() - started)
    row = {**task.labels(), "status": OK, "error": "", "traceback": "", **summary}
    row["run_seconds"] = time.perf_counter() - started
    return TaskResult(row=row, steps=steps)


def failed_result(task: Task, error: BaseException, trace: str, seconds: float = float("nan")) -> TaskResult:
    """The stored record of a run that raised, or whose worker died."""
    message = f"{type(error).__name__}: {error}"
    row = {**task.labels(), "status": FAILED, "error": message, "traceback": trace, "run_seconds": seconds}
    return TaskResult(row=row, steps=None)
