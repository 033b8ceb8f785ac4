"""Scenario schema: every parameter of a run, typed, bounded and explained once.

A scenario is a TOML file of sections (``[funding]``, ``[market]`` ...). Each
field below carries its default and a one-line meaning. Fields left as ``None``
are filled from the preset of the chosen regime (``regimes.PRESETS``), so a
scenario can name a regime and still set any of its parameters one by one.

Data flows one way: TOML -> ``Scenario`` (validated) -> model. Nothing in the
model writes back here.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from hls_sim.parameters import STRUCTURE, param
from hls_sim.parameters import sections as S
from hls_sim.parameters.sections import Section
from hls_sim.regimes import FUNDING_MODES, MARKET_MODES, PRESETS

DOMAIN_NAMES = (
    "housing",
    "money",
    "health",
    "relationships",
    "purpose",
    "work",
    "safety",
    "substance use",
)

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"


class ScenarioError(ValueError):
    """A scenario, override or file that cannot be used, with a message fit for a user."""


class RegimeChange(Section):
    week: int = Field(..., ge=0, description="Week (after burn-in) at which the change happens.")
    funding: Literal[FUNDING_MODES] | None = Field(None, description="New funding mode; its preset applies.")
    market: Literal[MARKET_MODES] | None = Field(None, description="New market mode; its preset applies.")
    set: dict[str, Any] = Field(default_factory=dict, description="Further dotted keys to set at that week.")

    @field_validator("set", mode="before")
    @classmethod
    def _flatten(cls, value: Any) -> Any:
        """Accept ``funding.pbr_share = 0.3`` unquoted: TOML reads it as a nested table."""
        if not isinstance(value, dict):
            return value
        flat: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(item, dict):
                flat.update({f"{key}.{inner}": v for inner, v in cls._flatten(item).items()})
            else:
                flat[key] = item
        return flat


class Scenario(Section):
    """Every parameter of a run: the place, the regime's rules and the behaviour assumed."""

    name: str = Field("default", description="Short name of the scenario.")
    description: str = Field("", description="What the scenario represents.")
    weeks: int = param(
        260,
        None,
        None,
        "weeks",
        "Weeks recorded after burn-in.",
        "judgement: five years of weekly steps",
        "schedule",
        kind=STRUCTURE,
        ge=1,
        le=50_000,
    )
    burn_in: int = param(
        260,
        None,
        None,
        "weeks",
        "Weeks run before recording starts, so the system is settled.",
        "MSER-5 on 520-week pilot runs of each regime (hls-sim warmup; docs/ODD.md, 2.1)",
        "schedule",
        kind=STRUCTURE,
        ge=0,
        le=5200,
    )
    population: S.Population = Field(default_factory=S.Population)
    wellbeing: S.Wellbeing = Field(default_factory=S.Wellbeing)
    life: S.Life = Field(default_factory=S.Life)
    entrenchment: S.Entrenchment = Field(default_factory=S.Entrenchment)
    crisis: S.Crisis = Field(default_factory=S.Crisis)
    help_seeking: S.HelpSeeking = Field(default_factory=S.HelpSeeking)
    trust: S.Trust = Field(default_factory=S.Trust)
    workforce: S.Workforce = Field(default_factory=S.Workforce)
    motivation: S.Motivation = Field(default_factory=S.Motivation)
    morale: S.Morale = Field(default_factory=S.Morale)
    providers: S.Providers = Field(default_factory=S.Providers)
    funding: S.Funding = Field(default_factory=S.Funding)
    market: S.Market = Field(default_factory=S.Market)
    queue: S.Queue = Field(default_factory=S.Queue)
    referrals: S.Referrals = Field(default_factory=S.Referrals)
    indicator: S.Indicator = Field(default_factory=S.Indicator)
    eligibility: S.Eligibility = Field(default_factory=S.Eligibility)
    support: S.Support = Field(default_factory=S.Support)
    relationships: S.Relationships = Field(default_factory=S.Relationships)
    closure: S.Closure = Field(default_factory=S.Closure)
    gaming: S.Gaming = Field(default_factory=S.Gaming)
    practice: S.Practice = Field(default_factory=S.Practice)
    candour: S.Candour = Field(default_factory=S.Candour)
    forum: S.Forum = Field(default_factory=S.Forum)
    dialogue: S.Dialogue = Field(default_factory=S.Dialogue)
    commissioner: S.Commissioner = Field(default_factory=S.Commissioner)
    tendering: S.Tendering = Field(default_factory=S.Tendering)
    context: S.Context = Field(default_factory=S.Context)
    learning: S.Learning = Field(default_factory=S.Learning)
    costs: S.Costs = Field(default_factory=S.Costs)
    regime_change: list[RegimeChange] = Field(
        default_factory=list, description="Switches of regime during the run."
    )

    @model_validator(mode="after")
    def _fill_presets(self) -> Scenario:
        for section, mode in (("funding", self.funding.mode), ("market", self.market.mode)):
            fill_preset(self, section, mode, overwrite=False)
        self._check_regime_change_weeks()
        self._check_regime_changes()
        object.__setattr__(self, "regime_change", sorted(self.regime_change, key=lambda change: change.week))
        return self

    def _check_regime_change_weeks(self) -> None:
        """A change at or after the end of the run would never happen, so it is refused, not ignored."""
        late = [
            f"regime_change.{index}.week = {change.week}: is outside the run; "
            f"a change must fall in weeks 0 to {self.weeks - 1} (weeks = {self.weeks})"
            for index, change in enumerate(self.regime_change)
            if change.week >= self.weeks
        ]
        if late:
            raise PydanticCustomError("regime_change_week", "{detail}", {"detail": "\n".join(late)})

    def _check_regime_changes(self) -> None:
        """Play the changes in week order on a copy, so a bad key or value in ``set`` fails at load.

        Messages number the changes as they are written in the file.
        """
        state = self.model_copy(update={"regime_change": []})
        in_week_order = sorted(enumerate(self.regime_change), key=lambda pair: pair[1].week)
        for index, change in in_week_order:
            where = f"regime_change.{index}.set"
            problems = [
                _describe_set_key(f"{where}.{key}", key, value)
                for key, value in change.set.items()
                if key not in REGIME_CHANGE_KEYS
            ]
            if not problems:
                try:
                    state = scenario_from_dict(
                        _overridden(state, regime_change_overrides(change), where), where
                    )
                except ScenarioError as error:
                    problems = [
                        f"{where}.{line.removeprefix(where + ': ')}" for line in str(error).splitlines()
                    ]
            if problems:
                raise PydanticCustomError("regime_change_set", "{detail}", {"detail": "\n".join(problems)})

    def get(self, dotted: str) -> Any:
        """Value of a dotted key such as ``funding.pbr_share``."""
        section, _, field = dotted.partition(".")
        return getattr(getattr(self, section), field) if field else getattr(self, section)


def fill_preset(scenario: Scenario, section: str, mode: str, *, overwrite: bool) -> None:
    """Write the presets of ``mode`` into ``section``; explicit values stay unless ``overwrite``."""
    part = getattr(scenario, section)
    for key, value in PRESETS[section][mode].items():
        if overwrite or getattr(part, key) is None:
            object.__setattr__(part, key, value)


def settable_keys() -> dict[str, Any]:
    """Every dotted key a user may set, mapped to its field information."""
    keys: dict[str, Any] = {}
    for name, info in Scenario.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, Section):
            for field, finfo in annotation.model_fields.items():
                keys[f"{name}.{field}"] = finfo
        elif name != "regime_change":
            keys[name] = info
    return keys


MODE_KEYS = ("funding.mode", "market.mode")
SECTION_NAMES = tuple(
    name
    for name, info in Scenario.model_fields.items()
    if isinstance(info.annotation, type) and issubclass(info.annotation, Section)
)
# A regime change may set any section key except the modes, which have their own
# fields (``funding = "trust"``), and except what fixes the shape of the place at the
# start; top-level keys such as ``weeks`` cannot change mid-run either.
STRUCTURAL_KEYS = frozenset(
    {
        "population.size",
        "population.domains",
        "population.goals_per_person",
        "workforce.workers",
        "providers.count",
        "providers.pressure_spread",
        "context.approaches",
        "funding.budget",
        # People's wellbeing weights are fixed when they arrive.
        "wellbeing.assets_weight",
        "wellbeing.goal_weight",
    }
)
REGIME_CHANGE_KEYS = frozenset(
    key for key in settable_keys() if "." in key and key not in STRUCTURAL_KEYS.union(MODE_KEYS)
)


def _not_a_key(key: str) -> str:
    """Why ``key`` cannot be set: a section named without a key, or no key at all."""
    if key in SECTION_NAMES:
        example = next(k for k in settable_keys() if k.startswith(f"{key}."))
        return f"is a section, not a key; name a key in it, such as {example!r}"
    return f"names no scenario key{_suggest(key)}"


def _suggest(key: str) -> str:
    close = difflib.get_close_matches(key, [*SECTION_NAMES, *settable_keys()], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _describe_set_key(location: str, key: str, value: Any) -> str:
    if key in MODE_KEYS:
        section = key.partition(".")[0]
        reason = f"set the mode with {section} = {value!r} in the regime_change entry instead"
    elif key in settable_keys():
        reason = "cannot change during a run: it fixes the shape of the place or the run"
    else:
        reason = f"unknown key{_suggest(key)}"
    return f"{location} = {value!r}: {reason}"


def describe_validation_error(error: ValidationError, source: str, values: dict | None = None) -> str:
    """One readable message per problem: where, which key, which value, what is allowed."""
    lines = []
    for problem in error.errors():
        location = ".".join(str(part) for part in problem["loc"])
        value = problem.get("input")
        kind = problem["type"]
        if kind in ("regime_change_set", "regime_change_week"):
            lines.extend(f"{source}: {line}" for line in problem["msg"].splitlines())
            continue
        if kind == "extra_forbidden":
            message = f"unknown key{_suggest(location)}"
        elif kind.startswith("literal_error"):
            message = f"must be {problem['ctx']['expected']}"
        elif kind == "model_type" and location in SECTION_NAMES:
            message = f"must be a table of keys (a [{location}] section)"
        else:
            message = problem["msg"][:1].lower() + problem["msg"][1:]
            if kind in ("int_type", "float_type", "bool_type"):
                message += _allowed_instead(location, value)
            described = settable_keys().get(location)
            if described is not None and described.description:
                message += f" ({described.description.rstrip('.')})"
        shown = "" if isinstance(value, dict) else f" = {value!r}"
        lines.append(f"{source}: {location}{shown}: {message}")
    return "\n".join(lines)


def _allowed_instead(location: str, value: Any) -> str:
    """For a value of the wrong type: the range the key allows, and why a near miss is refused.

    Booleans are not numbers here and ``3.0`` is not a whole number (the sections
    validate strictly), so a message says so rather than leaving the user to guess.
    """
    info = settable_keys().get(location)
    if info is None:
        return ""
    if info.annotation is bool or info.annotation == bool | None:
        return ", true or false"
    limits = {
        name: getattr(item, name)
        for item in info.metadata
        for name in ("ge", "gt", "le", "lt")
        if hasattr(item, name)
    }
    if "ge" in limits and "le" in limits:
        allowed = f" from {_number(limits['ge'])} to {_number(limits['le'])}"
    elif limits:
        words = {"ge": "at least", "gt": "above", "le": "at most", "lt": "below"}
        allowed = " " + " and ".join(f"{words[name]} {_number(limit)}" for name, limit in limits.items())
    else:
        allowed = ""
    if isinstance(value, bool):
        return f"{allowed}, not true or false"
    if isinstance(value, str) and isinstance(parse_value(value), int | float):
        return f"{allowed}, written without quotes"
    if isinstance(value, float) and value.is_integer():
        return f"{allowed}, written without a decimal point ({int(value)}, not {value})"
    return allowed


def _number(limit: float) -> str:
    return f"{int(limit):,}" if float(limit).is_integer() else f"{limit:g}"


def scenario_from_dict(data: dict[str, Any], source: str = "scenario") -> Scenario:
    """Validate a nested dict into a Scenario, raising ScenarioError with a clear message."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(describe_validation_error(error, source)) from None


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Load and validate a scenario TOML file; ``None`` or ``"default"`` gives the built-in default.

    A bare name such as ``"transition"`` is looked up in the shipped ``scenarios/`` folder.
    """
    if path is None:
        path = "default"
    path = Path(path)
    if not path.exists() and path.suffix == "" and (SCENARIO_DIR / f"{path}.toml").exists():
        path = SCENARIO_DIR / f"{path}.toml"
    if not path.exists():
        if str(path) == "default":
            return Scenario()
        shipped = ", ".join(sorted(file.stem for file in SCENARIO_DIR.glob("*.toml")))
        hint = f" (shipped scenarios: {shipped})" if shipped else ""
        raise ScenarioError(f"{path}: no such scenario file{hint}")
    if path.is_dir():
        raise ScenarioError(f"{path}: is a folder, not a scenario file")
    data, _ = read_toml(path)
    return scenario_from_dict(data, source=str(path))


def read_toml(path: Path, error: type[ScenarioError] = ScenarioError) -> tuple[dict[str, Any], bytes]:
    """A TOML file's contents and its raw bytes; anything unreadable is ``error`` naming the file.

    Scenario, experiment and patterns files are all read here, so they fail with the same words.
    """
    try:
        raw = path.read_bytes()
        return tomllib.loads(raw.decode("utf-8")), raw
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{path}: not valid TOML: {problem}") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not a text file (expected UTF-8 TOML)") from None
    except OSError as problem:
        raise error(f"{path}: cannot be read: {problem.strerror}") from None


def parse_value(text: str) -> Any:
    """Read a command-line value as TOML (numbers, booleans, lists), else as a plain string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def flat_to_dotted(key: str) -> str:
    """``funding_pbr_share`` -> ``funding.pbr_share`` (the keyword form Mesa's tools use)."""
    if key in settable_keys():
        return key
    for dotted in settable_keys():
        if dotted.replace(".", "_") == key:
            return dotted
    raise ScenarioError(f"keyword {key!r}: names no scenario key{_suggest(key.replace('_', '.', 1))}")


def apply_overrides(scenario: Scenario, overrides: dict[str, Any], source: str = "override") -> Scenario:
    """A new Scenario with dotted-key overrides applied; the given one is left untouched.

    Mode keys go first; a mode that changes brings its preset, so later keys can override
    a preset, while restating the current mode keeps a tuned scenario as it is.
    """
    return scenario_from_dict(_overridden(scenario, overrides, source), source=source)


def regime_change_overrides(change: RegimeChange) -> dict[str, Any]:
    """The dotted-key overrides one regime change makes: its modes, then its ``set`` table."""
    overrides: dict[str, Any] = {}
    if change.funding is not None:
        overrides["funding.mode"] = change.funding
    if change.market is not None:
        overrides["market.mode"] = change.market
    return {**overrides, **change.set}


def apply_regime_change(scenario: Scenario, change: RegimeChange) -> Scenario:
    """The scenario in force after ``change``: a new mode brings its whole preset, as at load."""
    return apply_overrides(
        scenario, regime_change_overrides(change), source=f"regime change at week {change.week}"
    )


def _overridden(scenario: Scenario, overrides: dict[str, Any], source: str) -> dict[str, Any]:
    """The scenario as a plain dict with ``overrides`` written in, not yet validated."""
    data = scenario.model_dump()
    ordered = sorted(overrides.items(), key=lambda item: item[0] not in MODE_KEYS)
    keys = settable_keys()
    for key, value in ordered:
        if key not in keys:
            raise ScenarioError(f"{source}: {key} = {value!r}: {_not_a_key(key)}")
        section, _, field = key.partition(".")
        if not field:
            data[section] = value
            continue
        changes_mode = key in MODE_KEYS and data[section][field] != value
        data[section][field] = value
        if changes_mode:
            for preset_key in PRESETS[section].get(str(value), {}):
                if f"{section}.{preset_key}" not in overrides:
                    data[section][preset_key] = None
    return data
