"""Planning a sweep: every run of an experiment, its identity and its seed.

Seeds are spawned from one ``numpy.random.SeedSequence`` (the experiment's root
seed), so the seed list is fixed by the spec and grows by prefix: ten seeds are
the first ten of twenty. Every arm and parameter point gets the same list
(common random numbers), so differences between them are paired.

A planned task is light (names, parameter values, seed), so planning a sweep of
any size costs little memory. Just before it is submitted it is *resolved*: it
gets its full, validated scenario.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from hls_sim.experiment.global_sensitivity import sample_points as sensitivity_points
from hls_sim.experiment.spec import Experiment
from hls_sim.experiment.tasks import Task
from hls_sim.scenario import Scenario


def run_seeds(root_seed: int, count: int) -> list[int]:
    """The run seeds: one 32-bit integer from each of ``count`` children of the root SeedSequence."""
    children = np.random.SeedSequence(root_seed).spawn(count)
    return [int(child.generate_state(1)[0]) for child in children]


def plan_tasks(experiment: Experiment) -> list[Task]:
    """Every run of the experiment, in a fixed order: scenario, arm, point, seed.

    A run is labelled with the scenario it runs: the arm's own, if it names one.
    """
    spec = experiment.spec
    seeds = run_seeds(spec.root_seed, spec.seeds)
    tasks = []
    points = sensitivity_points(experiment) if experiment.sensitivity_method else spec.points()
    for spec_scenario in spec.scenarios:
        for arm in spec.arm_list():
            scenario_name = arm.scenario or spec_scenario
            for point_index, point in enumerate(points):
                for seed_index, seed in enumerate(seeds):
                    identity = [spec.name, scenario_name, arm.name, point_index, point, seed]
                    tasks.append(
                        Task(
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


def resolver(experiment: Experiment) -> Callable[[Task], Task]:
    """A function giving a task its validated scenario, built once per (scenario, arm, point).

    Every seed of a point shares one scenario, so a sweep validates each
    point once, not once per run.
    """
    arms = {arm.name: arm for arm in experiment.spec.arm_list()}

    @functools.lru_cache(maxsize=256)
    def scenario(name: str, arm: str, point: int, parameters: str) -> Scenario:
        return experiment.scenario_for(name, arms[arm], json.loads(parameters))

    def resolve(task: Task) -> Task:
        parameters = json.dumps(task.parameters, sort_keys=True)
        return replace(task, scenario=scenario(task.scenario_name, task.arm, task.point, parameters))

    return resolve


def _digest(identity: list[Any]) -> str:
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:20]
