"""Calibration targets: real-world patterns, each a figure with its uncertainty and the setting it applies to.

A patterns file (``calibration/patterns.toml``) names

- the *settings* the model is run in to compare with the world: a scenario file
  for the rules, an optional regime preset and dotted keys (``set``);
- the *patterns*: a real figure with an interval or a standard deviation, its
  source, and the summary metric it is compared with, in one setting, or as the
  ratio or difference of the metric between two settings;
- the behavioural *parameters* to calibrate, each with a uniform prior over its
  catalogued plausible range (``hls_sim.parameters.plausible_ranges``).

It is checked as a whole before anything runs, with the same kind of message
as a bad scenario: the file, the key, the value and what is allowed. Each
setting is validated at the low and at the high end of every calibrated range,
at the place it will run in, so no particle can fail for a bad key.

Every pattern is scored by its *standardised discrepancy*: the model's value
less the figure, over the distance from the figure to the end of the
plausible range on the model's side (for ``sd``, two standard deviations).
So ``|z| <= 1`` means "inside the real figure's uncertainty", whatever the
units, and patterns weigh comparably in the distance.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hls_sim.metrics import SUMMARY_KEYS
from hls_sim.parameters import BEHAVIOUR, plausible_ranges
from hls_sim.regimes import REGIME_NAMES, regime_overrides
from hls_sim.scenario import (
    SCENARIO_DIR,
    Scenario,
    ScenarioError,
    apply_overrides,
    describe_validation_error,
    load_scenario,
    read_toml,
    settable_keys,
)

CALIBRATION_DIR = Path(__file__).resolve().parent.parent.parent / "calibration"
# The places a calibration can run in: the scenario each setting names, as written ("default"),
# or shrunk to the small place (the keys small-place.toml sets: size, workforce, budget, weeks).
PLACES = ("small", "default")
SMALL_PLACE = SCENARIO_DIR / "small-place.toml"
# How many standard deviations a pattern given as ``sd`` may be off and still count as inside.
SD_RANGE = 2.0
# The standardised discrepancy given to a pattern the model cannot compute (for example a
# ratio over a setting with no crises at all): a clear miss, without an infinite distance.
MISSING_DISCREPANCY = 10.0
# Prefix of the pyabc parameter names: pyabc stores names as given, and a dot in them is
# awkward in its database and tables, so ``life.event_rate`` is stored as ``life__event_rate``.
DOT = "__"


class CalibrationError(ScenarioError):
    """A patterns file or calibration folder that cannot be used, with a message fit for a user."""


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Setting(_Part):
    """Where a pattern is observed: a scenario's rules, an optional regime preset, and dotted keys."""

    scenario: str = Field("default", min_length=1, description="Scenario name or TOML path (its rules).")
    regime: Literal[REGIME_NAMES] | None = Field(  # type: ignore[valid-type]
        None, description="One of the four regime presets, applied before `set`."
    )
    set: dict[str, Any] = Field(default_factory=dict, description="Dotted scenario keys and their values.")
    description: str = Field("", description="What this setting stands for in the world.")


class Pattern(_Part):
    """One real-world figure the model should reproduce, with its uncertainty and source."""

    name: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$", description="Short id, e.g. ae-gap.")
    description: str = Field(min_length=1, description="The pattern in words.")
    metric: str = Field(description="A summary metric (hls_sim.SUMMARY_KEYS).")
    setting: str | None = Field(None, description="Compare the metric in this setting ...")
    ratio: list[str] | None = Field(
        None, min_length=2, max_length=2, description="... or its ratio first / second ..."
    )
    difference: list[str] | None = Field(
        None, min_length=2, max_length=2, description="... or its difference first - second."
    )
    figure: float = Field(description="The real figure, in the metric's units (or as a ratio).")
    interval: list[float] | None = Field(
        None, min_length=2, max_length=2, description="Range [low, high] the real figure plausibly lies in."
    )
    sd: float | None = Field(None, gt=0, description="Or its standard deviation (range: figure ± 2 sd).")
    source: str = Field(min_length=1, description="Full citation(s) of the figure.")
    verified: bool = Field(description="Whether the figure was checked at its source.")
    note: str = Field("", description="How the figure maps onto the metric, and caveats.")

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, metric: str) -> str:
        if metric not in SUMMARY_KEYS:
            raise ValueError(f"unknown metric {metric!r}; allowed: {', '.join(SUMMARY_KEYS)}")
        return metric

    @model_validator(mode="after")
    def _one_comparison_one_uncertainty(self) -> Pattern:
        given = [name for name in ("setting", "ratio", "difference") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of setting = NAME, ratio = [first, second] or difference = [first, second]"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if (self.interval is None) == (self.sd is None):
            raise ValueError("give exactly one uncertainty: interval = [low, high] or sd = number")
        if self.interval is not None:
            low, high = self.interval
            if not low < self.figure < high:
                raise ValueError(
                    f"interval = [{low:g}, {high:g}] must have its low end below the figure "
                    f"({self.figure:g}) and its high end above it"
                )
        return self

    def settings_used(self) -> tuple[str, ...]:
        """The settings this pattern reads."""
        return (self.setting,) if self.setting is not None else tuple(self.ratio or self.difference or ())

    def compared_as(self) -> str:
        """What the model value is, in words: 'gaming_gap in old-world', 'crises: old-world / new-world'."""
        if self.setting is not None:
            return f"{self.metric} in {self.setting}"
        first, second = self.ratio or self.difference
        return f"{self.metric}: {first} {'/' if self.ratio else '-'} {second}"

    def bounds(self) -> tuple[float, float]:
        """The range the real figure plausibly lies in."""
        if self.interval is not None:
            return self.interval[0], self.interval[1]
        return self.figure - SD_RANGE * self.sd, self.figure + SD_RANGE * self.sd

    def value(self, metrics: Mapping[str, Mapping[str, float]]) -> float:
        """The model's value of this pattern from each setting's summary metrics."""
        if self.setting is not None:
            return float(metrics[self.setting][self.metric])
        first, second = (float(metrics[name][self.metric]) for name in self.ratio or self.difference)
        if self.difference is not None:
            return first - second
        return first / second if second != 0 else float("nan")

    def discrepancy(self, value: float) -> float:
        """Standardised discrepancy: 0 at the figure, ±1 at the ends of its plausible range."""
        if not math.isfinite(value):
            return MISSING_DISCREPANCY
        low, high = self.bounds()
        scale = high - self.figure if value >= self.figure else self.figure - low
        return (value - self.figure) / scale


class PatternsSpec(_Part):
    """The whole patterns file as written."""

    name: str = Field(min_length=1, description="Short name of this set of patterns.")
    description: str = Field("", description="What the patterns are for.")
    parameters: list[str] | Literal["behaviour"] = Field(
        description="Behavioural keys to calibrate, or 'behaviour' for every one with a plausible range."
    )
    replicates: int = Field(1, ge=1, le=100, description="Seeds run in each setting for one parameter set.")
    set: dict[str, Any] = Field(default_factory=dict, description="Dotted keys fixed in every setting.")
    settings: dict[str, Setting] = Field(min_length=1, description="Named settings the patterns refer to.")
    patterns: list[Pattern] = Field(min_length=1, description="The real-world patterns.")

    @model_validator(mode="after")
    def _consistent(self) -> PatternsSpec:
        names = [pattern.name for pattern in self.patterns]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"pattern names must differ; {twice[0]!r} is used twice")
        for index, pattern in enumerate(self.patterns):
            for setting in pattern.settings_used():
                if setting not in self.settings:
                    raise ValueError(
                        f"patterns.{index} ({pattern.name}): no setting named {setting!r}; "
                        f"settings: {', '.join(self.settings)}"
                    )
        return self

    def keys(self) -> list[str]:
        """The calibrated keys, in catalogue order for 'behaviour', else as listed."""
        ranges = plausible_ranges(BEHAVIOUR)
        return list(ranges) if self.parameters == "behaviour" else list(self.parameters)

    def settings_used(self) -> list[str]:
        """The settings some pattern reads, in file order: only these are run."""
        used = {name for pattern in self.patterns for name in pattern.settings_used()}
        return [name for name in self.settings if name in used]


@dataclass(frozen=True)
class Patterns:
    """A checked patterns file with each setting's scenario built for one place."""

    spec: PatternsSpec
    source: str
    file_hash: str
    place: str
    scenarios: dict[str, Scenario]
    ranges: dict[str, tuple[float, float]]

    @property
    def keys(self) -> list[str]:
        return list(self.ranges)

    @property
    def runs_per_particle(self) -> int:
        """Model runs one parameter set costs: every setting used, times the replicates."""
        return len(self.scenarios) * self.spec.replicates

    def values(self, metrics: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
        """Each pattern's model value from each setting's summary metrics."""
        return {pattern.name: pattern.value(metrics) for pattern in self.spec.patterns}

    def discrepancies(self, values: Mapping[str, float]) -> dict[str, float]:
        """Each pattern's standardised discrepancy."""
        return {pattern.name: pattern.discrepancy(values[pattern.name]) for pattern in self.spec.patterns}

    def distance(self, values: Mapping[str, float]) -> float:
        """Root mean square of the standardised discrepancies: 1 means 'on average at the edge'."""
        found = self.discrepancies(values)
        return math.sqrt(sum(z * z for z in found.values()) / len(found))

    def figures(self) -> dict[str, float]:
        """The real figures, keyed by pattern name (pyabc's observed data)."""
        return {pattern.name: pattern.figure for pattern in self.spec.patterns}


def load_patterns(path: str | Path, place: str = "small") -> Patterns:
    """Load and check a patterns file for a place; a bare name is looked up in ``calibration/``."""
    if place not in PLACES:
        raise CalibrationError(f"--place {place!r}: allowed: {', '.join(PLACES)}")
    path = _locate(Path(path))
    data, raw = read_toml(path, CalibrationError)
    return patterns_from_dict(data, source=str(path), place=place, file_hash=hashlib.sha256(raw).hexdigest())


def patterns_from_dict(
    data: dict[str, Any], source: str = "patterns", place: str = "small", file_hash: str = ""
) -> Patterns:
    """Check a patterns file given as a dict (as parsed from TOML) and build its settings' scenarios."""
    try:
        spec = PatternsSpec.model_validate(data)
    except ValidationError as error:
        raise CalibrationError(describe_validation_error(error, source)) from None
    ranges = _calibrated_ranges(spec, source)
    scenarios = {name: _setting_scenario(spec, name, place, source, ranges) for name in spec.settings_used()}
    return Patterns(spec, source, file_hash, place, scenarios, ranges)


def _locate(path: Path) -> Path:
    if not path.exists() and path.suffix == "" and (CALIBRATION_DIR / f"{path}.toml").exists():
        return CALIBRATION_DIR / f"{path}.toml"
    if not path.exists():
        raise CalibrationError(f"{path}: no such patterns file (shipped: calibration/patterns.toml)")
    if path.is_dir():
        raise CalibrationError(f"{path}: is a folder, not a patterns file")
    return path


def _calibrated_ranges(spec: PatternsSpec, source: str) -> dict[str, tuple[float, float]]:
    """Each calibrated key's plausible range; anything else named is refused."""
    ranges = plausible_ranges(BEHAVIOUR)
    keys = spec.keys()
    for index, key in enumerate(keys):
        if key not in ranges:
            kind = "not a scenario key" if key not in settable_keys() else "not a behavioural parameter"
            raise CalibrationError(
                f"{source}: parameters.{index} = {key!r}: {kind} with a plausible range; allowed: the keys "
                "of `hls-sim params --kind behaviour` that have a low and a high, or parameters = 'behaviour'"
            )
    if len(set(keys)) != len(keys):
        twice = next(key for key in keys if keys.count(key) > 1)
        raise CalibrationError(f"{source}: parameters: {twice!r} is listed twice")
    return {key: ranges[key] for key in keys}


def place_overrides(place: str) -> dict[str, Any]:
    """The keys a place sets over each setting's scenario: the small place's size, staff and run length."""
    if place == "default":
        return {}
    data = tomllib.loads(SMALL_PLACE.read_text(encoding="utf-8"))
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("name", "description"):
            continue
        if isinstance(value, dict):
            flat.update({f"{key}.{field}": item for field, item in value.items()})
        else:
            flat[key] = value
    return flat


def setting_overrides(spec: PatternsSpec, name: str, place: str) -> dict[str, Any]:
    """Everything a setting sets over its scenario file, in order: place, fixed keys, regime, own keys."""
    setting = spec.settings[name]
    return {
        **place_overrides(place),
        **spec.set,
        **(regime_overrides(setting.regime) if setting.regime else {}),
        **setting.set,
    }


def _setting_scenario(
    spec: PatternsSpec, name: str, place: str, source: str, ranges: dict[str, tuple[float, float]]
) -> Scenario:
    """A setting's scenario at the place, checked at both ends of every calibrated range."""
    setting = spec.settings[name]
    where = f"{source}: settings.{name}"
    fixed = sorted((set(spec.set) | set(setting.set)) & set(ranges))
    if fixed:
        raise CalibrationError(
            f"{where}: {fixed[0]!r} is both calibrated and fixed by `set`; calibrate it or fix it, not both"
        )
    try:
        base = load_scenario(setting.scenario)
        scenario = apply_overrides(base, setting_overrides(spec, name, place), source=where)
        for end in (0, 1):
            apply_overrides(
                scenario, particle_overrides(ranges, [r[end] for r in ranges.values()]), source=where
            )
    except ScenarioError as error:
        message = str(error)
        raise CalibrationError(message if message.startswith(source) else f"{where}: {message}") from None
    return scenario


def particle_overrides(ranges: Mapping[str, tuple[float, float]], values: Any) -> dict[str, Any]:
    """Dotted-key overrides for one parameter set, each in its key's own type (whole numbers rounded)."""
    keys = settable_keys()
    overrides: dict[str, Any] = {}
    for key, value in zip(ranges, values, strict=True):
        overrides[key] = int(round(float(value))) if keys[key].annotation is int else float(value)
    return overrides


def pyabc_name(key: str) -> str:
    """The name pyabc stores a dotted key under."""
    return key.replace(".", DOT)


def dotted_name(name: str) -> str:
    """The dotted key of a pyabc parameter name."""
    return name.replace(DOT, ".")
