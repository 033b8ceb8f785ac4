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
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from hls_sim.regimes import FUNDING_MODES, MARKET_MODES, PRESETS

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]
NonNegative = Annotated[float, Field(ge=0.0)]

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


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Population(Section):
    size: int = Field(2000, ge=10, le=1_000_000, description="People living in the place at the start.")
    domains: int = Field(
        5, ge=2, le=len(DOMAIN_NAMES), description="Life domains in which a person can have needs."
    )
    need_mean: Share = Field(0.3, description="Typical (median) starting severity of a need.")
    need_correlation: Share = Field(0.4, description="How strongly needs in different domains go together.")
    goals_per_person: int = Field(2, ge=1, le=8, description="Domains that matter most to each person.")
    assets_mean: Share = Field(0.5, description="Average strengths and networks at the start.")
    shock_rate: Share = Field(0.04, description="Weekly chance of a life event raising a need.")
    shock_size: Share = Field(0.3, description="Typical rise in need from one life event.")
    recovery_rate: Share = Field(
        0.004, description="Weekly fall in needs people manage on their own, scaled by assets."
    )
    arrival_rate: Share = Field(0.08, description="New residents per resident per year.")
    exit_rate: Share = Field(0.08, description="Share of residents who leave the place in a year.")


class Workforce(Section):
    workers: int = Field(
        60, ge=1, le=100_000, description="Front-line workers at the start, across all providers."
    )
    hours: Positive = Field(37.5, description="Paid hours per worker per week.")
    max_caseload: int = Field(15, ge=1, le=200, description="Most people one worker will hold at once.")
    knave_share: Share = Field(
        0.2, description="Share of workers with low intrinsic motivation (Le Grand's knaves)."
    )
    skill_mean: Share = Field(0.5, description="Average starting skill of a worker in a domain.")
    wage: Positive = Field(650.0, description="Cost of one worker per week, in pounds.")
    base_turnover: Share = Field(
        0.12, description="Share of workers who leave in a year when morale is high."
    )
    morale_turnover: NonNegative = Field(
        4.0,
        description="Extra leaving chance of a fully demoralised worker (it leaves 1 + this times as often).",
    )
    crowding_rate: Share = Field(
        0.02,
        description="Weekly speed at which control crowds out, and trust crowds in, motivation.",
    )
    vacancy_weeks: int = Field(6, ge=0, le=104, description="Weeks to fill a vacancy.")


class Providers(Section):
    count: int = Field(6, ge=1, le=1000, description="Provider organisations at the start.")
    pressure_spread: Share = Field(
        0.3, description="Spread between providers in how hard managers push the indicator."
    )
    overdraft: NonNegative = Field(
        0.0,
        description="Weeks of contract income a provider may borrow; 0 means it never spends money it lacks.",
    )
    entry: bool = Field(
        True, description="Under competition, whether new providers enter and copy the winners."
    )


class Funding(Section):
    mode: Literal[FUNDING_MODES] = Field(
        "target",
        description=("target: pay on a reported indicator; trust: core funding, accountability by dialogue."),
    )
    budget: Positive = Field(2_400_000.0, description="Commissioner's budget per year, in pounds.")
    pbr_share: Share | None = Field(
        None, description="Share of payment that depends on the reported indicator."
    )
    reporting_hours_per_case: NonNegative | None = Field(
        None, description="Worker hours per case per week on reporting and monitoring returns."
    )
    dialogue_hours: NonNegative | None = Field(
        None,
        description=(
            "Commissioner hours per provider per week in visits, stories and learning conversations."
        ),
    )
    discretion: Share | None = Field(
        None,
        description=("How far workers decide what support to give (1 = fully devolved, 0 = set packages)."),
    )
    honest_feedback: Share | None = Field(
        None,
        description=("How much of the true outcomes providers see and admit (a positive error culture)."),
    )


class Market(Section):
    mode: Literal[MARKET_MODES] = Field(
        "competition",
        description=("competition: re-tender to the best reported performer; alliance: one pooled contract."),
    )
    contract_weeks: int | None = Field(
        None, ge=0, le=5200, description="Weeks between re-tenders (0 = never re-tendered)."
    )
    forum_weeks: int | None = Field(
        None,
        ge=0,
        le=520,
        description="Weeks between learning forums where providers share knowledge (0 = none).",
    )
    forum_hours: NonNegative | None = Field(None, description="Hours each worker spends at a learning forum.")
    sharing: Share | None = Field(
        None, description="How much of their knowledge providers share at a forum (open books)."
    )
    referrals: bool | None = Field(
        None, description="Whether providers pass people to whichever provider fits them best."
    )
    pooled_results: bool | None = Field(
        None, description="Whether results payments are shared across providers (pooled risk)."
    )


class Indicator(Section):
    aligned: bool = Field(
        False,
        description=(
            "True: the indicator measures the true outcome itself; false: one need in one domain "
            "at case closure."
        ),
    )
    threshold: Share = Field(
        0.35, description="A closed case counts as a success when the measured need is below this."
    )
    validity: Share = Field(
        0.3,
        description="How far what moves the indicator is what really helps (1 = a perfect proxy).",
    )
    gaming_leverage: NonNegative = Field(
        1.0,
        description=(
            "How far an hour of indicator work moves the measured indicator (1 = the standard effect, "
            "0 = not at all); workers weigh it against helping when they split their time."
        ),
    )
    reference_rate: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.6, description="Success rate that earns the full results payment."
    )
    audit_rate: Share = Field(0.05, description="Share of reported successes the commissioner checks.")
    audit_penalty: NonNegative = Field(
        3.0,
        description=("Results payments clawed back per misreport caught, in multiples of what it earned."),
    )


class Eligibility(Section):
    threshold: Share = Field(
        0.45, description="Lowest assessed need a provider will accept; higher is tighter."
    )
    assessment_hours: NonNegative = Field(
        2.0, description="Worker hours one assessment takes, whether or not the person is accepted."
    )
    max_wait_weeks: int = Field(26, ge=1, le=520, description="Weeks a person will wait before giving up.")


class Support(Section):
    package_weeks: int = Field(26, ge=1, le=520, description="Length of a standard package of support.")
    max_hours_per_person: Positive = Field(
        4.0,
        description="Most hours of support one person can use in a week; a worker's spare hours go unused.",
    )
    discretionary_spend: NonNegative = Field(
        15.0,
        description=(
            "Most a worker may spend on a person in a week where decisions are devolved, in pounds."
        ),
    )
    strengths_gain: Share = Field(
        0.004, description="Weekly rise in assets from an hour of strengths-based support."
    )
    dependency_loss: Share = Field(0.002, description="Weekly fall in assets while in deficit-led support.")


class Context(Section):
    approaches: int = Field(
        4, ge=2, le=12, description="Ways of working a provider can choose between for a need."
    )
    drift: Share = Field(0.01, description="Weekly change in how well each approach works for each need.")
    shock_weeks: list[Annotated[int, Field(ge=0)]] = Field(
        default_factory=list, description="Weeks at which what works changes suddenly."
    )
    shock_size: Share = Field(0.7, description="Share of the effectiveness table redrawn at a shock.")


class Learning(Section):
    belief_rate: Share = Field(0.08, description="How far one observation moves a provider's belief.")
    skill_rate: Share = Field(
        0.002, description="Weekly gain in a worker's skill per hour of practice in a domain."
    )
    practice_rate: Share = Field(
        0.001,
        description="Gain in a worker's skill at bespoke, relational practice per hour of it.",
    )
    exploration: Share = Field(
        0.1,
        description="Share of cases where a provider tries an approach other than its best guess.",
    )


class Costs(Section):
    crisis: Positive = Field(
        1800.0,
        description=("Cost to other public services of one crisis (A&E, police, eviction), in pounds."),
    )
    entrenchment_multiplier: NonNegative = Field(
        2.0, description="How much more a crisis costs when needs are fully entrenched."
    )
    commissioner_hour: NonNegative = Field(
        45.0, description="Cost of an hour of commissioner time (dialogue, audit), in pounds."
    )


class RegimeChange(Section):
    week: int = Field(..., ge=0, description="Week (after burn-in) at which the change happens.")
    funding: Literal[FUNDING_MODES] | None = Field(None, description="New funding mode; its preset applies.")
    market: Literal[MARKET_MODES] | None = Field(None, description="New market mode; its preset applies.")
    set: dict[str, Any] = Field(default_factory=dict, description="Further dotted keys to set at that week.")

    @field_validator("set", mode="before")
    @classmethod
    def _flatten(cls, value: Any) -> Any:
        """Accept ``funding.discretion = 0.9`` unquoted: TOML reads it as a nested table."""
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
    name: str = Field("default", description="Short name of the scenario.")
    description: str = Field("", description="What the scenario represents.")
    weeks: int = Field(260, ge=1, le=5200, description="Weeks recorded after burn-in.")
    burn_in: int = Field(
        26, ge=0, le=520, description="Weeks run before recording starts, so the system is settled."
    )
    population: Population = Field(default_factory=Population)
    workforce: Workforce = Field(default_factory=Workforce)
    providers: Providers = Field(default_factory=Providers)
    funding: Funding = Field(default_factory=Funding)
    market: Market = Field(default_factory=Market)
    indicator: Indicator = Field(default_factory=Indicator)
    eligibility: Eligibility = Field(default_factory=Eligibility)
    support: Support = Field(default_factory=Support)
    context: Context = Field(default_factory=Context)
    learning: Learning = Field(default_factory=Learning)
    costs: Costs = Field(default_factory=Costs)
    regime_change: list[RegimeChange] = Field(
        default_factory=list, description="Switches of regime during the run."
    )

    @model_validator(mode="after")
    def _fill_presets(self) -> Scenario:
        for section, mode in (("funding", self.funding.mode), ("market", self.market.mode)):
            fill_preset(self, section, mode, overwrite=False)
        self._check_regime_changes()
        object.__setattr__(self, "regime_change", sorted(self.regime_change, key=lambda change: change.week))
        return self

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
        if kind == "regime_change_set":
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
            described = settable_keys().get(location)
            if described is not None and described.description:
                message += f" ({described.description.rstrip('.')})"
        shown = "" if isinstance(value, dict) else f" = {value!r}"
        lines.append(f"{source}: {location}{shown}: {message}")
    return "\n".join(lines)


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
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{path}: not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a text file (expected UTF-8 TOML)") from None
    except OSError as error:
        raise ScenarioError(f"{path}: cannot be read: {error.strerror}") from None
    return scenario_from_dict(data, source=str(path))


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
