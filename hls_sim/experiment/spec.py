"""Experiment specs: which scenarios, settings, parameter points and seeds to run, and why.

A spec is a TOML file under ``experiments/``. It names the scenarios, the
*arms* (named settings compared with each other, such as the four regimes or
a counter-setting), the parameters to vary (a grid of values, or a Latin
hypercube or Sobol sample of ``n`` points drawn with ``scipy.stats.qmc``,
over named ranges or over every behavioural parameter of the catalogue),
the number of seeds, the metrics to compare, the hypothesis in words and the
*claims* that make it checkable. Every run is one (scenario, arm, parameter
point, seed); every arm and point uses the same seeds, so comparisons are
paired (common random numbers).

A ``[decomposition]`` table asks how much of the gap between two arms each
named group of rules makes: at load it adds, for each group, the first arm
with that group switched to the second arm's values and the second arm with
it switched back (``decomposition_arms``).

A spec is checked as a whole before anything runs, with the same kind of
message as a bad scenario: the file, the key, the value and what is allowed.
Every grid point is validated against every scenario and arm it will run
with; a sampled parameter is validated at both ends of its range.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from scipy.stats import qmc

from hls_sim.metrics import SUMMARY_KEYS, fixed_by_construction
from hls_sim.parameters import plausible_ranges
from hls_sim.regimes import REGIME_NAMES, regime_overrides
from hls_sim.scenario import (
    MODE_KEYS,
    Scenario,
    ScenarioError,
    apply_overrides,
    describe_validation_error,
    load_scenario,
    read_toml,
    scenario_from_dict,
    settable_keys,
)

EXPERIMENT_DIR = Path(__file__).resolve().parent.parent.parent / "experiments"


class ExperimentError(ScenarioError):
    """An experiment spec or results folder that cannot be used, with a message fit for a user."""


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Arm(_Part):
    """A named setting every parameter point and seed runs under, e.g. a regime or a counter-setting."""

    name: str = Field(min_length=1, description="Label of the arm in tables and charts.")
    regime: Literal[REGIME_NAMES] | None = Field(  # type: ignore[valid-type]
        None, description="One of the four regime presets, applied before `set`."
    )
    set: dict[str, Any] = Field(default_factory=dict, description="Dotted scenario keys and their values.")
    regime_changes: bool = Field(
        True, description="Keep the scenario's [[regime_change]] entries; false means staying put."
    )
    scenario: str | None = Field(
        None,
        min_length=1,
        description=(
            "Run this arm on this scenario (a name in scenarios/ or a TOML path) instead of the spec's, "
            "e.g. a steelman to compare the regimes with; the spec must then list one scenario."
        ),
    )


class Parameter(_Part):
    """One key of the grid: a list of values, or a range split into evenly spaced steps."""

    key: str = Field(description="A dotted scenario key, e.g. funding.pbr_share.")
    values: list[Any] | None = Field(None, min_length=1, description="The values to run.")
    range: tuple[float, float] | None = Field(None, description="Lowest and highest value.")
    steps: int | None = Field(None, ge=2, le=1000, description="Evenly spaced values across `range`.")

    @model_validator(mode="after")
    def _values_or_range(self) -> Parameter:
        if (self.values is None) == (self.range is None):
            raise ValueError("give either values = [...] or range = [low, high] with steps = N")
        if self.range is not None and self.steps is None:
            raise ValueError("range = [low, high] needs steps = N (how many values to run)")
        if self.values is not None and self.steps is not None:
            raise ValueError("steps only goes with range, not with values")
        return self

    def points(self) -> list[Any]:
        """The values this parameter takes, in order."""
        if self.values is not None:
            return list(self.values)
        low, high = self.range
        return [as_key_type(self.key, value) for value in np.linspace(low, high, self.steps)]


class Sample(_Part):
    """A space-filling sample of parameter points (instead of, or crossed with, a grid).

    ``parameters = "behaviour"`` samples every catalogued behaviour parameter
    with a plausible range over that range (``hls_sim.parameters``); explicit
    ``ranges`` add keys or replace a catalogued range. Once validated,
    ``ranges`` holds every sampled key, so the manifest records exactly what
    was sampled.
    """

    method: Literal["latin", "sobol", "posterior"] = Field(
        description="Latin hypercube, scrambled Sobol sequence, or draws from a calibration's posterior."
    )
    n: int = Field(ge=1, le=1_000_000, description="Points to draw (a power of two suits Sobol).")
    parameters: Literal["behaviour"] | None = Field(
        None,
        description="'behaviour': every catalogued behaviour parameter, over its plausible range.",
    )
    ranges: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="Each sampled dotted key and its [low, high]."
    )
    posterior: str | None = Field(
        None,
        description="With method = 'posterior': the posterior.parquet that `hls-sim calibrate` wrote "
        "(relative to the working folder, else to the project).",
    )
    digest: str | None = Field(
        None, description="The posterior file's SHA-256, filled in at load (a changed file is a new sample)."
    )

    @field_validator("ranges")
    @classmethod
    def _ordered(cls, ranges: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        for key, (low, high) in ranges.items():
            if not low < high:
                raise ValueError(f"{key} = [{low}, {high}]: the low end must be below the high end")
        return ranges

    @model_validator(mode="after")
    def _every_sampled_key(self) -> Sample:
        if self.method == "posterior":
            return self._from_posterior()
        if self.posterior is not None:
            raise ValueError(f"posterior = {self.posterior!r} needs method = 'posterior'")
        if self.parameters is None and not self.ranges:
            raise ValueError("give ranges = {key = [low, high]}, or parameters = 'behaviour', or both")
        if self.parameters is not None:
            self.ranges = {**plausible_ranges(self.parameters), **self.ranges}
        return self

    def _from_posterior(self) -> Sample:
        """The posterior's parameters, each over the range of its particles, and the file's digest."""
        if self.posterior is None:
            raise ValueError("method = 'posterior' needs posterior = 'path/to/posterior.parquet'")
        if self.parameters is not None or self.ranges:
            raise ValueError(
                "method = 'posterior' draws every calibrated parameter: drop parameters and ranges"
            )
        path = posterior_path(self.posterior)
        table = last_generation(path)
        self.ranges = {
            key: (float(table[key].min()), float(table[key].max())) for key in posterior_keys(table)
        }
        self.digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return self


class Claim(_Part):
    """One checkable part of the hypothesis, decided from a confidence interval over seeds.

    Either a paired difference between two arms (``compare = [a, b]``: is a - b
    greater than, less than or equal to zero?) or a trend along a swept
    parameter within one arm (``along = key``: is the slope above, below or
    within ``tolerance`` of zero?). A direction may state the smallest effect
    that matters (``min_effect``); "equal" needs the band that counts as none
    (``tolerance``) and is decided by an equivalence test.
    """

    metric: str = Field(description="A summary metric.")
    expect: Literal["greater", "less", "equal"] = Field(
        description="greater or less than zero, or equal to zero within tolerance."
    )
    compare: tuple[str, str] | None = Field(None, description="Two arms: the claim is about first - second.")
    along: str | None = Field(None, description="A swept parameter: the claim is about the slope along it.")
    arm: str | None = Field(None, description="The arm the trend is measured in (default: the first).")
    tolerance: float = Field(
        0.0, ge=0, description="expect = 'equal' only: half-width of the band that counts as no effect."
    )
    min_effect: float = Field(
        0.0,
        ge=0,
        description=(
            "greater or less only: smallest effect of interest, in the metric's units (per unit of the "
            "swept key for a trend); supported needs the interval wholly beyond it."
        ),
    )
    where: dict[str, Any] = Field(
        default_factory=dict, description="Only the parameter points with these values (swept keys)."
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Claim:
        if (self.compare is None) == (self.along is None):
            raise ValueError("give either compare = [arm, arm] or along = parameter key")
        if self.expect == "equal" and self.tolerance == 0:
            raise ValueError("expect = 'equal' needs a tolerance above 0 (what difference counts as none)")
        if self.expect == "equal" and self.min_effect > 0:
            raise ValueError("min_effect goes with expect = 'greater' or 'less'; 'equal' uses tolerance")
        if self.expect != "equal" and self.tolerance > 0:
            raise ValueError(
                f"tolerance goes with expect = 'equal'; for expect = {self.expect!r} state the smallest "
                "effect of interest as min_effect"
            )
        return self

    def arms_involved(self, first_arm: str) -> tuple[str, ...]:
        """The arms whose runs the claim reads: both compared arms, or the trend's arm."""
        return self.compare or (self.arm or first_arm,)

    def describe(self, first_arm: str) -> str:
        """The claim in words, e.g. 'wellbeing_mean: trust minus target where funding.pbr_share=0.5'."""
        if self.compare:
            what = f"{self.metric}: {self.compare[0]} minus {self.compare[1]}"
        else:
            what = f"{self.metric}: slope along {self.along} ({self.arm or first_arm})"
        where = ", ".join(f"{key}={_short(value)}" for key, value in self.where.items())
        return what + (f" where {where}" if where else "")

    def expectation(self) -> str:
        """What the claim expects, in words: 'above 0', 'below -0.02', 'within ±0.05 of 0'."""
        if self.expect == "equal":
            return f"within ±{self.tolerance:g} of 0"
        if self.expect == "greater":
            return f"above {self.min_effect:g}"
        return f"below {-self.min_effect:g}" if self.min_effect else "below 0"


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def at_point(point: dict[str, Any], where: dict[str, Any]) -> bool:
    """Whether a parameter point has the ``where`` values; numbers match within rounding.

    So ``where = {x = 0.3}`` finds the 0.30000000000000004 of an evenly spaced range.
    """
    for key, wanted in where.items():
        value = point.get(key)
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (value, wanted))
        if not (math.isclose(value, wanted, rel_tol=1e-9, abs_tol=1e-12) if numbers else value == wanted):
            return False
    return True


class Decomposition(_Part):
    """How much of the gap between two arms each named group of rules makes, in both directions.

    For each group the experiment runs ``from`` with the group switched to
    ``to``'s values (the forward effect) and ``to`` with the group switched
    back to ``from``'s (the backward effect). The values are read from the two
    arms' resolved scenarios when the spec is loaded.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    start: str = Field(alias="from", min_length=1, description="The arm the gap starts from.")
    end: str = Field(alias="to", min_length=1, description="The arm the gap goes to.")
    groups: dict[str, list[str]] = Field(
        min_length=1, description="Named groups of dotted rule keys, each switched as one."
    )

    @field_validator("groups")
    @classmethod
    def _distinct_rule_keys(cls, groups: dict[str, list[str]]) -> dict[str, list[str]]:
        owner: dict[str, str] = {}
        for name, keys in groups.items():
            if not keys:
                raise ValueError(f"group {name!r} names no key")
            for key in keys:
                if key in MODE_KEYS:
                    raise ValueError(
                        f"group {name!r}: {key} switches a whole preset, not one rule; name the preset's "
                        "keys instead (hls_sim/regimes.py, PRESETS)"
                    )
                if key in owner:
                    raise ValueError(
                        f"{key} is in groups {owner[key]!r} and {name!r}; each key belongs to one group, "
                        "or the effects would count it twice"
                    )
                owner[key] = name
        return groups

    def arm_names(self) -> list[str]:
        """The arms the decomposition adds: every group forward, then every group backward."""
        return [self.forward_arm(group) for group in self.groups] + [
            self.backward_arm(group) for group in self.groups
        ]

    def forward_arm(self, group: str) -> str:
        """The name of the arm ``from`` with ``group`` switched to ``to``'s values."""
        return f"{self.start} plus {group}"

    def backward_arm(self, group: str) -> str:
        """The name of the arm ``to`` with ``group`` switched back to ``from``'s values."""
        return f"{self.end} minus {group}"


class Sensitivity(_Part):
    """Inputs for ``hls-sim sensitivity``: the factors, their ranges and the sample size."""

    ranges: dict[str, tuple[float, float]] = Field(
        min_length=2, description="Each factor and its [low, high]."
    )
    n: int = Field(
        8, ge=2, le=100_000, description="Morris trajectories, or Sobol base samples (a power of 2)."
    )
    levels: int = Field(4, ge=2, le=20, description="Grid levels of the Morris method.")
    seeds: int = Field(3, ge=1, le=1000, description="Seeds run at each sampled point (outcomes averaged).")


class ExperimentSpec(_Part):
    """The whole spec as written in the TOML file."""

    name: str = Field(min_length=1, description="Short name of the experiment.")
    description: str = Field("", description="What the experiment is for.")
    hypothesis: str = Field(min_length=1, description="The hypothesis tested, in words.")
    scenarios: list[str] = Field(["default"], min_length=1, description="Scenario names or TOML paths.")
    seeds: int = Field(10, ge=1, le=100_000, description="Seeds run at every point of every arm.")
    root_seed: int | None = Field(
        None, ge=0, description="Entropy of the SeedSequence the run seeds are spawned from."
    )
    weeks: int | None = Field(None, ge=1, le=5200, description="Weeks recorded, if not the scenario's.")
    metrics: list[str] = Field(min_length=1, description="Summary metrics compared in the report.")
    steps: bool = Field(True, description="Keep each run's per-week table under steps/.")
    set: dict[str, Any] = Field(default_factory=dict, description="Dotted keys fixed for every run.")
    arms: list[Arm] = Field(default_factory=list, description="Named settings compared with each other.")
    parameters: list[Parameter] = Field(default_factory=list, description="The grid: every combination runs.")
    sample: Sample | None = Field(None, description="A space-filling sample of parameter points.")
    claims: list[Claim] = Field(default_factory=list, description="Checkable parts of the hypothesis.")
    sensitivity: Sensitivity | None = Field(None, description="Factors for hls-sim sensitivity.")
    decomposition: Decomposition | None = Field(
        None, description="Rule groups whose share of the gap between two arms the report estimates."
    )

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, metrics: list[str]) -> list[str]:
        unknown = [name for name in metrics if name not in SUMMARY_KEYS]
        if unknown:
            raise ValueError(f"unknown metric {unknown[0]!r}; allowed: {', '.join(SUMMARY_KEYS)}")
        return metrics

    @model_validator(mode="after")
    def _consistent(self) -> ExperimentSpec:
        names = [arm.name for arm in self.arm_list()]
        if len(set(names)) != len(names):
            raise ValueError(f"arm names must differ; got {names}")
        swept = self.swept_keys()
        if len(set(swept)) != len(swept):
            raise ValueError(f"a key is varied twice: {swept}")
        _check_sampled_keys_are_not_fixed(self)
        if len(self.scenarios) > 1 and any(arm.scenario for arm in self.arms):
            raise ValueError(
                f"an arm with its own scenario needs the spec to list one scenario; it lists {self.scenarios}"
            )
        if self.decomposition:
            _check_decomposition(self.decomposition, names, swept)
        # A claim may compare the arms a decomposition adds at load.
        added = [] if self.decomposition is None else self.decomposition.arm_names()
        for claim in self.claims:
            _check_claim(claim, [*names, *(name for name in added if name not in names)], swept)
        return self

    def arm_list(self) -> list[Arm]:
        """The arms, or one arm named 'as-written' when the spec lists none."""
        return self.arms or [Arm(name="as-written")]

    def swept_keys(self) -> list[str]:
        """Every varied key: the grid's, then the sample's."""
        sampled = list(self.sample.ranges) if self.sample else []
        return [parameter.key for parameter in self.parameters] + sampled

    def points(self) -> list[dict[str, Any]]:
        """Every parameter point: the grid crossed with the sample (one empty point if neither)."""
        grid = [
            dict(zip([p.key for p in self.parameters], values, strict=True))
            for values in itertools.product(*(p.points() for p in self.parameters))
        ]
        if self.sample is None:
            return grid
        return [{**cell, **drawn} for cell in grid for drawn in sample_points(self.sample, self.root_seed)]

    def comparable_hash(self) -> str:
        """Identity of the runs the spec asks for, for resuming.

        The number of seeds may change (the seed list grows by prefix), and so
        may what is said about the runs (description, hypothesis, metrics,
        claims), which only changes the report.
        """
        said = {"seeds", "description", "hypothesis", "metrics", "claims"}
        text = json.dumps(self.model_dump(exclude=said), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _check_sampled_keys_are_not_fixed(spec: ExperimentSpec) -> None:
    """A sampled key set elsewhere would be silently overridden by each point: refuse it."""
    sampled = set(spec.sample.ranges) if spec.sample else set()
    fixed = [("set", spec.set)] + [(f"arms.{i}.set", arm.set) for i, arm in enumerate(spec.arms)]
    for where, table in fixed:
        both = [key for key in table if key in sampled]
        if both:
            raise ValueError(
                f"{where}: {both[0]} is also sampled ([sample]); each point would override it, so set it "
                "in one place only"
            )


def _check_decomposition(decomposition: Decomposition, arms: list[str], swept: list[str]) -> None:
    for end, name in (("from", decomposition.start), ("to", decomposition.end)):
        if name not in arms:
            raise ValueError(f"decomposition.{end} = {name!r}: no arm named so; arms: {', '.join(arms)}")
    if decomposition.start == decomposition.end:
        raise ValueError(f"decomposition: from and to are both {decomposition.start!r}; name two arms")
    for group, keys in decomposition.groups.items():
        varied = [key for key in keys if key in swept]
        if varied:
            raise ValueError(
                f"decomposition.groups.{group}: {varied[0]} is also varied by the grid or sample, which "
                "would undo the switch at every point"
            )


def _check_claim(claim: Claim, arms: list[str], swept: list[str]) -> None:
    for arm in [*(claim.compare or ()), *([claim.arm] if claim.arm else [])]:
        if arm not in arms:
            raise ValueError(f"claim on {claim.metric}: no arm named {arm!r}; arms: {', '.join(arms)}")
    if claim.along is not None and claim.along not in swept:
        allowed = ", ".join(swept) or "none (the spec varies no parameter)"
        raise ValueError(f"claim on {claim.metric}: along = {claim.along!r} is not varied; varied: {allowed}")
    for key in claim.where:
        if key not in swept:
            raise ValueError(f"claim on {claim.metric}: where {key!r} is not a varied key")
    if claim.metric not in SUMMARY_KEYS:
        raise ValueError(f"claim: unknown metric {claim.metric!r}; allowed: {', '.join(SUMMARY_KEYS)}")


# Columns of posterior.parquet that are not parameters (hls_sim.calibration.run).
POSTERIOR_BOOKKEEPING = ("generation", "weight", "distance")


def posterior_path(name: str) -> Path:
    """A posterior file named in a spec: relative to the working folder, else to the project."""
    path = Path(name)
    if not path.is_absolute() and not path.exists() and (EXPERIMENT_DIR.parent / path).exists():
        path = EXPERIMENT_DIR.parent / path
    if not path.is_file():
        raise ValueError(f"posterior = {name!r}: no such file (run `hls-sim calibrate` to write one)")
    return path


def last_generation(path: Path) -> pd.DataFrame:
    """The particles of the posterior's last ABC-SMC generation, with their weights."""
    try:
        table = pd.read_parquet(path)
    except (OSError, ValueError) as error:
        raise ValueError(f"posterior = {str(path)!r}: cannot be read as parquet: {error}") from None
    missing = [column for column in POSTERIOR_BOOKKEEPING if column not in table]
    if missing or not posterior_keys(table) or table.empty:
        raise ValueError(
            f"posterior = {str(path)!r}: not a posterior from `hls-sim calibrate` (it needs the columns "
            f"{', '.join(POSTERIOR_BOOKKEEPING)} and at least one parameter and one particle)"
        )
    last = table[table["generation"] == table["generation"].max()]
    unknown = [key for key in posterior_keys(last) if key not in settable_keys()]
    if unknown:
        raise ValueError(f"posterior = {str(path)!r}: {unknown[0]} is not a scenario key")
    return last


def posterior_keys(table: pd.DataFrame) -> list[str]:
    return [
        column
        for column in table.columns
        if column not in POSTERIOR_BOOKKEEPING and not column.startswith("pattern.")
    ]


def sample_points(sample: Sample, root_seed: int | None) -> list[dict[str, float]]:
    """The sampled points, scaled to their ranges; scrambling (or resampling) is seeded from the root seed.

    From a posterior the points are ``n`` particles of its last generation drawn
    with replacement in proportion to their weights, so each point stands for an
    equal share of the posterior.
    """
    keys = list(sample.ranges)
    seed = np.random.SeedSequence(root_seed if root_seed is not None else 0).spawn(1)[0]
    rng = np.random.default_rng(seed)
    types = [key_type(key) for key in keys]
    if sample.method == "posterior":
        particles = last_generation(posterior_path(sample.posterior or ""))
        weights = particles["weight"].to_numpy(float)
        chosen = rng.choice(len(particles), size=sample.n, replace=True, p=weights / weights.sum())
        rows = particles[keys].to_numpy(float)[chosen]
    elif sample.method == "latin":
        rows = scaled(qmc.LatinHypercube(d=len(keys), rng=rng).random(sample.n), sample, keys)
    else:
        rows = scaled(qmc.Sobol(d=len(keys), scramble=True, rng=rng).random(sample.n), sample, keys)
    return [
        {key: as_type(value) for key, as_type, value in zip(keys, types, row, strict=True)} for row in rows
    ]


def scaled(unit: np.ndarray, sample: Sample, keys: list[str]) -> np.ndarray:
    """Points of the unit cube scaled to the sample's ranges."""
    lows = [sample.ranges[key][0] for key in keys]
    highs = [sample.ranges[key][1] for key in keys]
    return qmc.scale(unit, lows, highs)


def as_key_type(key: str, value: float) -> float | int:
    """A drawn or spaced number in the key's own type: whole-number keys are rounded."""
    return key_type(key)(value)


def key_type(key: str) -> Callable[[float], float | int]:
    """The conversion ``as_key_type`` applies to the key's numbers (looked up once for a whole sample)."""
    info = settable_keys().get(key)
    if info is not None and info.annotation is int:
        return _whole
    return float


def _whole(value: float) -> int:
    return int(round(float(value)))


class Experiment:
    """A checked spec with its scenarios loaded: what the runner needs, nothing more.

    ``sensitivity_method`` (morris or sobol) marks an experiment whose points
    are a SALib sample rather than the spec's grid.
    """

    def __init__(
        self,
        spec: ExperimentSpec,
        source: str,
        scenarios: dict[str, Scenario],
        sensitivity_method: str | None = None,
    ) -> None:
        self.spec = spec
        self.source = source
        self.scenarios = scenarios
        self.sensitivity_method = sensitivity_method

    @property
    def name(self) -> str:
        return self.spec.name

    def _with(self, **changes: Any) -> Experiment:
        return Experiment(
            self.spec.model_copy(update=changes), self.source, self.scenarios, self.sensitivity_method
        )

    def with_seeds(self, seeds: int | None) -> Experiment:
        """The same experiment with another number of seeds (the seed list only grows or shrinks)."""
        return self if seeds is None else self._with(seeds=seeds)

    def with_root_seed(self, root_seed: int) -> Experiment:
        return self._with(root_seed=root_seed)

    def with_samples(self, samples: int | None) -> Experiment:
        """The same experiment with another number of sampled points (``--samples N``)."""
        if samples is None:
            return self
        if self.spec.sample is None:
            raise ExperimentError(f"--samples {samples}: {self.source} has no [sample] table to resize")
        try:
            sample = Sample.model_validate({**self.spec.sample.model_dump(), "n": samples})
        except ValidationError as error:
            raise ExperimentError(
                describe_validation_error(error, f"--samples: {self.source}: sample")
            ) from None
        return self._with(sample=sample)

    def scenario_for(self, scenario: str, arm: Arm, point: dict[str, Any]) -> Scenario:
        """The validated scenario of one run: scenario file (the arm's own, if it names one), then fixed
        keys, arm, point, weeks."""
        base = self.scenarios[arm.scenario or scenario]
        if not arm.regime_changes:
            base = scenario_from_dict({**base.model_dump(), "regime_change": []}, source=scenario)
        changes = {
            **self.spec.set,
            **(regime_overrides(arm.regime) if arm.regime else {}),
            **arm.set,
            **point,
        }
        if self.spec.weeks is not None:
            changes["weeks"] = self.spec.weeks
        return apply_overrides(base, changes, source=f"{self.source}: arm {arm.name}")


def load_experiment(path: str | Path) -> Experiment:
    """Load and check an experiment spec; a bare name is looked up in ``experiments/``."""
    path = _locate(Path(path))
    data, _ = read_toml(path, ExperimentError)
    return experiment_from_dict(data, source=str(path))


def experiment_from_dict(data: dict[str, Any], source: str = "experiment") -> Experiment:
    """Check a spec given as a dict (as parsed from TOML) and load its scenarios."""
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as error:
        raise ExperimentError(describe_validation_error(error, source)) from None
    _check_keys(spec, source)
    scenarios = {}
    wanted = [("scenarios", name) for name in spec.scenarios]
    wanted += [(f"arms.{i}.scenario", arm.scenario) for i, arm in enumerate(spec.arms) if arm.scenario]
    for where, name in wanted:
        try:
            scenarios.setdefault(name, load_scenario(name))
        except ScenarioError as error:
            raise ExperimentError(f"{source}: {where}: {error}") from None
    experiment = Experiment(spec, source, scenarios)
    if spec.decomposition:
        experiment = Experiment(decomposition_arms(experiment), source, scenarios)
    _check_runs(experiment)
    _check_claims_can_fail(experiment)
    return experiment


def _locate(path: Path) -> Path:
    if not path.exists() and path.suffix == "" and (EXPERIMENT_DIR / f"{path}.toml").exists():
        return EXPERIMENT_DIR / f"{path}.toml"
    if not path.exists():
        shipped = ", ".join(sorted(file.stem for file in EXPERIMENT_DIR.glob("*.toml")))
        raise ExperimentError(f"{path}: no such experiment file (shipped experiments: {shipped})")
    if path.is_dir():
        raise ExperimentError(f"{path}: is a folder, not an experiment file")
    return path


def _check_keys(spec: ExperimentSpec, source: str) -> None:
    """Every key named anywhere in the spec must be a scenario key."""
    keys = settable_keys()
    named = [("set", key) for key in spec.set]
    named += [(f"arms.{i}.set", key) for i, arm in enumerate(spec.arms) for key in arm.set]
    named += [(f"parameters.{i}.key", p.key) for i, p in enumerate(spec.parameters)]
    if spec.sample:
        named += [("sample.ranges", key) for key in spec.sample.ranges]
    if spec.sensitivity:
        named += [("sensitivity.ranges", key) for key in spec.sensitivity.ranges]
    if spec.decomposition:
        named += [
            (f"decomposition.groups.{group}", key)
            for group, keys in spec.decomposition.groups.items()
            for key in keys
        ]
    for where, key in named:
        if key not in keys:
            raise ExperimentError(
                f"{source}: {where}: {key!r} is not a scenario key (see docs/ODD.md, inputs)"
            )


def decomposition_arms(experiment: Experiment) -> ExperimentSpec:
    """The spec with the decomposition's arms added: each group switched forward, then each switched back.

    A group's values are read from the resolved scenarios of the ``from`` and
    ``to`` arms (so a regime's preset counts as much as an explicit ``set``);
    they must be the same in every scenario of the spec, and differ between the
    two arms in at least one key of every group.
    """
    spec, source = experiment.spec, experiment.source
    decomposition = spec.decomposition
    arms = {arm.name: arm for arm in spec.arm_list()}
    start, end = arms[decomposition.start], arms[decomposition.end]
    keys = [key for group in decomposition.groups.values() for key in group]
    values = {arm.name: _rule_values(experiment, arm, keys) for arm in (start, end)}
    for group, group_keys in decomposition.groups.items():
        if all(values[start.name][key] == values[end.name][key] for key in group_keys):
            same = ", ".join(f"{key} = {values[start.name][key]!r}" for key in group_keys)
            raise ExperimentError(
                f"{source}: decomposition.groups.{group}: {start.name!r} and {end.name!r} both have {same}; "
                "a group must differ between the two arms, or its effect is zero by construction"
            )

    def switched(arm: Arm, name: str, group_keys: list[str], to: dict[str, Any]) -> Arm:
        return arm.model_copy(update={"name": name, "set": {**arm.set, **{k: to[k] for k in group_keys}}})

    groups = decomposition.groups.items()
    added = [switched(start, decomposition.forward_arm(g), k, values[end.name]) for g, k in groups]
    added += [switched(end, decomposition.backward_arm(g), k, values[start.name]) for g, k in groups]
    data = {**spec.model_dump(), "arms": [arm.model_dump() for arm in [*spec.arms, *added]]}
    try:
        return ExperimentSpec.model_validate(data)
    except ValidationError as error:
        raise ExperimentError(describe_validation_error(error, f"{source}: decomposition")) from None


def _rule_values(experiment: Experiment, arm: Arm, keys: list[str]) -> dict[str, Any]:
    """Each key's value in the arm's resolved scenario, the same in every scenario of the spec."""
    source = experiment.source
    found: dict[str, Any] = {}
    for name in experiment.spec.scenarios:
        try:
            scenario = experiment.scenario_for(name, arm, {})
        except ScenarioError as error:
            raise ExperimentError(f"{error} (scenario {name})") from None
        if arm.regime_changes and scenario.regime_change:
            raise ExperimentError(
                f"{source}: decomposition: arm {arm.name!r} keeps the regime changes of scenario {name!r}, "
                "which would switch rules mid-run; set regime_changes = false in the arm"
            )
        for key in keys:
            value = scenario.get(key)
            if key in found and found[key] != value:
                raise ExperimentError(
                    f"{source}: decomposition: in arm {arm.name!r}, {key} is {found[key]!r} in one scenario "
                    f"and {value!r} in {name!r}; a decomposition needs one value per arm"
                )
            found[key] = value
    return found


def _check_runs(experiment: Experiment) -> None:
    """Validate every run's scenario up front: grid points in full, sampled ranges at both ends."""
    spec = experiment.spec
    grid = [
        dict(zip([p.key for p in spec.parameters], values, strict=True))
        for values in itertools.product(*(p.points() for p in spec.parameters))
    ]
    ends: list[tuple[str, dict[str, Any]]] = [("", {})]
    for name, ranges in (
        ("sample", spec.sample.ranges if spec.sample else {}),
        ("sensitivity", spec.sensitivity.ranges if spec.sensitivity else {}),
    ):
        if ranges:
            ends += [
                (f"the {end} end of every {name} range", {k: as_key_type(k, r[i]) for k, r in ranges.items()})
                for i, end in enumerate(("low", "high"))
            ]
    for scenario, arm, cell, (end, values) in itertools.product(spec.scenarios, spec.arm_list(), grid, ends):
        try:
            experiment.scenario_for(scenario, arm, {**cell, **values})
        except ScenarioError as error:
            where = ", ".join(part for part in (f"point {cell}" if cell else "", end) if part)
            raise ExperimentError(f"{error} (scenario {scenario}{', ' + where if where else ''})") from None


def _check_claims_can_fail(experiment: Experiment) -> None:
    """Refuse a claim whose metric cannot vary in a run it reads: its verdict would be set by construction.

    Every scenario, arm and parameter point the claim reads is built as the
    sweep will build it and put to ``metrics.fixed_by_construction``.
    """
    spec = experiment.spec
    arms = {arm.name: arm for arm in spec.arm_list()}
    first = spec.arm_list()[0].name
    points = spec.points()
    built: dict[tuple[str, str, int], Scenario] = {}  # claims share arms: build each run's scenario once
    for index, claim in enumerate(spec.claims):
        chosen = [number for number, point in enumerate(points) if at_point(point, claim.where)]
        for scenario, arm, number in itertools.product(spec.scenarios, claim.arms_involved(first), chosen):
            point = points[number]
            if (scenario, arm, number) not in built:
                built[scenario, arm, number] = experiment.scenario_for(scenario, arms[arm], point)
            reason = fixed_by_construction(claim.metric, built[scenario, arm, number])
            if reason:
                shown = point if len(point) <= 6 else f"number {number} of the sample"
                at = f" (scenario {scenario}, point {shown})" if point or len(spec.scenarios) > 1 else ""
                raise ExperimentError(
                    f"{experiment.source}: claims.{index} ({claim.describe(first)}): in arm {arm!r}{at} "
                    f"{claim.metric} is the same in every run by construction: {reason}. A claim about it "
                    "would hold or fail without evidence; drop it, or claim something that can fail "
                    "(for example expect = 'equal' with a tolerance on a metric that varies)"
                )
