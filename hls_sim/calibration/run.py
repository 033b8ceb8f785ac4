"""ABC-SMC calibration with pyabc: a resumable folder, a budget of model runs, a posterior and its check.

A calibration folder holds

- ``manifest.json``: what was asked (patterns file and its hash, place, seed,
  population, check draws), provenance (package versions, git commit, host),
  each session (budget, executor, workers, runs counted and started, why it
  stopped) and the runs spent so far;
- ``history.db``: pyabc's SQLite history, one population per finished
  generation; a rerun of the same command loads it (``ABCSMC.load``) and goes on;
- ``posterior.parquet``: one row per accepted parameter set of every
  generation, with its weight, distance and each pattern's model value;
- ``check.parquet``: the posterior predictive check (fresh runs of draws from
  the last generation);
- ``report.md`` and ``figures/`` (see ``hls_sim.calibration.report``).

The budget caps the model runs the command counts: every evaluation a stored
generation used (its jobs up to the N-th accepted particle, times the runs a
particle costs), those of a generation stopped by the cap, and the posterior
check's. Before each generation the driver predicts what it will cost from the
last acceptance rate and stops if that would pass the budget; the sampler also
refuses to hand out more jobs than the budget has left.
"""

from __future__ import annotations

import json
import logging
import math
import os
import platform
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hls_sim.calibration.particle import ParticleModel, StandardisedDistance, run_settings
from hls_sim.calibration.patterns import CalibrationError, Patterns, dotted_name, load_patterns, pyabc_name
from hls_sim.experiment.executors import EXECUTORS, Workers
from hls_sim.experiment.store import git_state, now, package_versions, write_atomically, write_json

MANIFEST = "manifest.json"
HISTORY = "history.db"
POSTERIOR = "posterior.parquet"
CHECK = "check.parquet"
# Stream of the SeedSequence for the posterior check's draws and model seeds.
CHECK_STREAM = 2
# Defaults when the first session does not say: a check of about a tenth of the budget, and a
# population that leaves room for about five generations' worth of evaluations.
FEWEST_CHECK_DRAWS, MOST_CHECK_DRAWS = 4, 20
FEWEST_PARTICLES, MOST_PARTICLES = 4, 200
GENERATIONS_AIMED_AT = 5


@dataclass
class Outcome:
    """What one session did: the folder, the runs it counted, and why it stopped."""

    folder: Path
    generations: int
    runs_counted: int
    runs_started: int
    stopped: str
    sessions: list[dict[str, Any]] = field(default_factory=list)

    def last_line(self) -> str:
        return (
            f"{self.generations} generation(s) stored; {self.runs_counted} model runs counted against the "
            f"budget in all ({self.runs_started} started); stopped: {self.stopped}"
        )


def calibrate(
    patterns_file: str | Path,
    out: str | Path,
    *,
    budget: int = 200,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    place: str = "small",
    seed: int = 1,
    population: int | None = None,
    check_draws: int | None = None,
    report: bool = True,
) -> Outcome:
    """Run or resume an ABC-SMC calibration into ``out``; everything is checked before anything runs."""
    patterns = load_patterns(patterns_file, place=place)
    folder = Path(out)
    if executor not in EXECUTORS:
        raise CalibrationError(f"--executor {executor!r}: allowed: {', '.join(EXECUTORS)}")
    if scheduler is not None and executor != "dask":
        raise CalibrationError("--scheduler goes with --executor dask")
    if budget < 1:
        raise CalibrationError(f"--budget {budget}: must be at least 1 model run")
    manifest = _open_manifest(folder, patterns, place, seed, population, check_draws, budget)
    runs_per_particle = patterns.runs_per_particle
    minimum = (manifest["population"] + manifest["check_draws"]) * runs_per_particle
    if budget < minimum:
        raise CalibrationError(
            f"--budget {budget}: too small for one generation of {manifest['population']} particles and a "
            f"check of {manifest['check_draws']} draws at {runs_per_particle} runs each: at least {minimum}"
        )
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / MANIFEST, manifest)
    session: dict[str, Any] = {
        "started": now(),
        "budget": budget,
        "executor": executor,
        "scheduler": scheduler,
        "workers": None,
        "runs_counted": 0,
        "runs_started": 0,
    }
    with Workers(executor, workers or os.cpu_count() or 1, scheduler) as pool:
        session["workers"] = pool.count
        try:
            stopped = _run_generations(folder, patterns, manifest, session, pool, budget)
            _posterior_check(folder, patterns, manifest, session, pool, budget)
        finally:
            session["ended"] = now()
            manifest.setdefault("sessions", []).append(session)
            write_json(folder / MANIFEST, manifest)
    session["stopped"] = stopped
    write_json(folder / MANIFEST, manifest)
    history = _history(folder, manifest)
    _write_posterior(folder, history, patterns)
    if report:
        from hls_sim.calibration.report import write_report

        write_report(folder)
    return Outcome(
        folder=folder,
        generations=int(history.n_populations),
        runs_counted=manifest["runs"]["counted"],
        runs_started=manifest["runs"]["started"],
        stopped=stopped,
        sessions=manifest["sessions"],
    )


def _open_manifest(
    folder: Path,
    patterns: Patterns,
    place: str,
    seed: int,
    population: int | None,
    check_draws: int | None,
    budget: int,
) -> dict[str, Any]:
    """The folder's manifest: a new one, or the stored one if this command may resume it."""
    path = folder / MANIFEST
    if path.exists():
        manifest = read_manifest(folder)
        asked = {"patterns_hash": patterns.file_hash, "place": place, "seed": seed}
        if population is not None:
            asked["population"] = population
        if check_draws is not None:
            asked["check_draws"] = check_draws
        for key, value in asked.items():
            if manifest.get(key) != value:
                raise CalibrationError(
                    f"{folder}: holds a calibration with {key} = {manifest.get(key)!r}, not {value!r}; "
                    "a calibration resumes only with the same patterns file, place, seed, population and "
                    "check draws (the budget may grow): choose a new --out folder"
                )
        return manifest
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise CalibrationError(f"{folder}: exists and is not a calibration folder; choose a new --out folder")
    runs_per_particle = patterns.runs_per_particle
    draws = check_draws or min(MOST_CHECK_DRAWS, max(FEWEST_CHECK_DRAWS, budget // (10 * runs_per_particle)))
    evaluations = max(0, budget // runs_per_particle - draws)
    particles = population or min(MOST_PARTICLES, max(FEWEST_PARTICLES, evaluations // GENERATIONS_AIMED_AT))
    commit, dirty = git_state()
    return {
        "kind": "hls-sim calibration",
        "patterns_file": patterns.source,
        "patterns_name": patterns.spec.name,
        "patterns_hash": patterns.file_hash,
        "place": place,
        "seed": seed,
        "population": particles,
        "check_draws": draws,
        "runs_per_particle": runs_per_particle,
        "parameters": patterns.keys,
        "ranges": {key: list(bounds) for key, bounds in patterns.ranges.items()},
        "patterns_spec": patterns.spec.model_dump(mode="json"),
        "abc_id": None,
        "runs": {"counted": 0, "started": 0, "check": 0},
        "created": now(),
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": {**package_versions(), **_pyabc_version()},
        "git_commit": commit,
        "git_dirty": dirty,
        "sessions": [],
    }


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """A calibration folder's manifest."""
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise CalibrationError(f"{folder}: not a calibration folder (no {MANIFEST})") from None
    except json.JSONDecodeError as error:
        raise CalibrationError(f"{path}: damaged manifest: {error}") from None
    if manifest.get("kind") != "hls-sim calibration":
        raise CalibrationError(
            f"{folder}: holds something other than a calibration; choose a new --out folder"
        )
    return manifest


def _pyabc_version() -> dict[str, str]:
    from importlib import metadata

    return {"pyabc": metadata.version("pyabc")}


def _quiet_pyabc() -> None:
    """pyabc logs every generation at INFO under "ABC"; the command prints its own line a generation."""
    logging.getLogger("ABC").setLevel(logging.WARNING)


def _abc(folder: Path, patterns: Patterns, manifest: dict[str, Any], sampler: Any) -> Any:
    """pyabc's ABCSMC for this calibration, new or loaded from the folder's history."""
    import pyabc

    _quiet_pyabc()
    # The first generation takes the prior as it comes (every particle accepted) rather than
    # spending a separate calibration sample on the first threshold; each later threshold is the
    # weighted median distance of the generation before (pyabc's default schedule). pyabc keeps
    # that schedule in memory only, so a resumed calibration recomputes the next threshold from
    # the last stored generation ("from_sample" reads it from the history, running nothing): the
    # same value an uninterrupted run would have used.
    resumed = manifest["abc_id"] is not None and _history(folder, manifest).n_populations > 0
    prior = pyabc.Distribution(
        **{
            pyabc_name(key): pyabc.RV("uniform", low, high - low)
            for key, (low, high) in patterns.ranges.items()
        }
    )
    abc = pyabc.ABCSMC(
        models=pyabc.FunctionModel(ParticleModel(patterns, manifest["seed"]), name="hls_sim"),
        parameter_priors=prior,
        distance_function=StandardisedDistance(patterns),
        population_size=manifest["population"],
        sampler=sampler,
        eps=pyabc.MedianEpsilon(initial_epsilon="from_sample" if resumed else math.inf),
    )
    database = f"sqlite:///{(folder / HISTORY).resolve()}"
    if manifest["abc_id"] is None:
        (folder / HISTORY).unlink(missing_ok=True)
        abc.new(database, patterns.figures())
        manifest["abc_id"] = abc.history.id
        write_json(folder / MANIFEST, manifest)
    else:
        abc.load(database, manifest["abc_id"])
    return abc


def _history(folder: Path, manifest: dict[str, Any]) -> Any:
    import pyabc

    return pyabc.History(f"sqlite:///{(folder / HISTORY).resolve()}", _id=manifest["abc_id"])


def _run_generations(
    folder: Path,
    patterns: Patterns,
    manifest: dict[str, Any],
    session: dict[str, Any],
    pool: Workers,
    budget: int,
) -> str:
    """Run generations until the next would pass the budget; returns why it stopped."""
    from hls_sim.calibration.sampler import SeededFutureSampler

    sampler = SeededFutureSampler(pool.executor, jobs=pool.count, root_seed=manifest["seed"])
    abc = _abc(folder, patterns, manifest, sampler)
    runs_per_particle = patterns.runs_per_particle
    reserve = manifest["check_draws"] * runs_per_particle
    particles = manifest["population"]
    while True:
        generation = abc.history.max_t + 1
        left = budget - reserve - manifest["runs"]["counted"]
        predicted = math.ceil(particles / forecast_acceptance(abc.history))
        if predicted * runs_per_particle > left:
            return (
                f"budget: generation {generation} would need about {predicted * runs_per_particle} runs "
                f"and {max(left, 0)} are left for it (the check keeps {reserve})"
            )
        sampler.max_evaluations = left // runs_per_particle
        _say(f"generation {generation}: up to {left // runs_per_particle} evaluations ({predicted} expected)")
        abc.run(max_nr_populations=1)
        counted = sampler.nr_evaluations_ * runs_per_particle
        started = sampler.started_ * runs_per_particle
        for book in (manifest["runs"], session):
            book["runs_counted" if book is session else "counted"] += counted
            book["runs_started" if book is session else "started"] += started
        write_json(folder / MANIFEST, manifest)
        if abc.history.max_t < generation:
            return (
                f"budget: generation {generation} reached the cap of {left // runs_per_particle} evaluations "
                "before it had enough accepted particles; it is not stored"
            )
        epsilon = abc.history.get_all_populations().set_index("t").loc[generation, "epsilon"]
        _say(
            f"generation {generation} stored: epsilon {epsilon:.3g}, acceptance "
            f"{acceptance_rates(abc.history)[-1]:.2f}, {manifest['runs']['counted']} runs counted so far"
        )


def acceptance_rates(history: Any) -> list[float]:
    """Each stored generation's acceptance rate, in order."""
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0].sort_values("t")
    return (populations["particles"] / populations["samples"].clip(lower=1)).astype(float).tolist()


def forecast_acceptance(history: Any) -> float:
    """The acceptance rate the next generation is expected to have, from the stored ones.

    The first generation takes the prior as it comes (rate 1). The second's threshold is the
    median distance of the first, so about half its proposals pass. After that the rate is
    assumed to keep falling as it last fell: each threshold is the median of the generation
    before, and proposals narrow more slowly than thresholds do.
    """
    rates = acceptance_rates(history)
    if not rates:
        return 1.0
    if len(rates) == 1:
        return 0.5
    return rates[-1] * min(1.0, rates[-1] / rates[-2])


def _posterior_check(
    folder: Path,
    patterns: Patterns,
    manifest: dict[str, Any],
    session: dict[str, Any],
    pool: Workers,
    budget: int,
) -> None:
    """Fresh runs of draws from the last generation; reused if already done for that generation.

    The budget keeps room for the check, except when a folder is resumed with a smaller budget
    than it has already spent: then the check is skipped rather than run past the budget.
    """
    history = _history(folder, manifest)
    if history.n_populations == 0:
        return
    generation = int(history.max_t)
    path = folder / CHECK
    if (
        path.exists()
        and int(pd.read_parquet(path, columns=["generation"])["generation"].iloc[0]) == generation
    ):
        return
    if manifest["runs"]["counted"] + manifest["check_draws"] * patterns.runs_per_particle > budget:
        _say(f"posterior check of generation {generation} skipped: it would pass --budget {budget}")
        return
    frame, weights = history.get_distribution(m=0, t=generation)
    frame = frame.rename(columns=dotted_name)[patterns.keys]
    draws = manifest["check_draws"]
    sequence = np.random.SeedSequence([manifest["seed"], CHECK_STREAM, generation])
    rng = np.random.default_rng(sequence)
    chosen = rng.choice(len(frame), size=draws, replace=True, p=np.asarray(weights) / np.sum(weights))
    children = sequence.spawn(draws)
    tasks = []
    for draw, (row, child) in enumerate(zip(chosen, children, strict=True)):
        values = frame.iloc[row].to_numpy(dtype=float).tolist()
        seeds = [int(c.generate_state(1)[0]) for c in child.spawn(patterns.spec.replicates)]
        tasks.append((draw, values, pool.executor.submit(check_draw, patterns, values, seeds)))
    _say(
        f"posterior check: {draws} draws from generation {generation}, "
        f"{draws * patterns.runs_per_particle} runs"
    )
    rows = []
    for draw, values, future in tasks:
        found = future.result()
        rows.append(
            {"generation": generation, "draw": draw, **dict(zip(patterns.keys, values, strict=True)), **found}
        )
    runs = draws * patterns.runs_per_particle
    manifest["runs"]["counted"] += runs
    manifest["runs"]["started"] += runs
    manifest["runs"]["check"] += runs
    session["runs_counted"] += runs
    session["runs_started"] += runs
    table = pd.DataFrame(rows)
    write_atomically(path, lambda target: table.to_parquet(target, index=False))


def check_draw(patterns: Patterns, values: list[float], seeds: list[int]) -> dict[str, float]:
    """One posterior predictive draw in a worker: each pattern's model value."""
    return patterns.values(run_settings(patterns, values, seeds))


def _write_posterior(folder: Path, history: Any, patterns: Patterns) -> None:
    """posterior.parquet: every accepted particle of every generation, with weight, distance and values."""
    rows = []
    for generation in range(int(history.max_t) + 1):
        population = history.get_population(t=generation)
        for particle in population.particles:
            parameters = {dotted_name(name): float(value) for name, value in particle.parameter.items()}
            rows.append(
                {
                    "generation": generation,
                    "weight": float(particle.weight),
                    "distance": float(particle.distance),
                    **{key: parameters[key] for key in patterns.keys},
                    **{f"pattern.{name}": float(value) for name, value in particle.sum_stat.items()},
                }
            )
    table = pd.DataFrame(rows)
    write_atomically(folder / POSTERIOR, lambda target: table.to_parquet(target, index=False))


def _say(message: str) -> None:
    print(f"hls-sim: {message}", file=sys.stderr, flush=True)
