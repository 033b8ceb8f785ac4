"""Run state of the dashboard: what each side (A and B) is set to, and its run.

The page has two sides so that A/B comparison is the same machinery as
exploring one setting: Explore drives side A; Compare runs A and B on one seed,
so the only difference between them is what the user changed. A run is a model
stepped week by week in a background thread (``advance``), which publishes an
immutable ``Snapshot`` every so often; the page only ever draws snapshots, so
it never reads a model while the thread is changing it.

Data flows one way: settings -> Scenario -> model -> snapshot -> charts. The
dashboard reads the model's outputs and never writes into a model.
"""

from __future__ import annotations

import functools
import os
import random
import time
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import solara

from hls_sim import learning
from hls_sim.dashboard.comparison import DEFAULT_SEEDS
from hls_sim.metrics import HOUR_PARTS
from hls_sim.model import SupportSystemModel
from hls_sim.regimes import REGIME_NAMES, regime_overrides
from hls_sim.scenario import (
    SCENARIO_DIR,
    Scenario,
    ScenarioError,
    apply_overrides,
    load_scenario,
    scenario_from_dict,
)

SIDES = ("A", "B")
AS_WRITTEN = "as written in the scenario"
REGIME_CHOICES = (*REGIME_NAMES, AS_WRITTEN)
REGIME_LABELS = {
    "target-competition": "Old world: targets and competition",
    "target-alliance": "Targets, with an alliance",
    "trust-competition": "Trust, with competition",
    "trust-alliance": "HLS: trust and an alliance",
    AS_WRITTEN: "As written in the scenario file",
}
SHORT_NAMES = {
    "target-competition": "Old world",
    "target-alliance": "Targets with an alliance",
    "trust-competition": "Trust with competition",
    "trust-alliance": "HLS",
}
# What a commissioner sees on opening the page: the old world against HLS.
DEFAULT_REGIMES = {"A": "target-competition", "B": "trust-alliance"}
DEFAULT_SEED = 1
# How often, at most, the running thread publishes what it has, in seconds: often
# enough to watch the run move; ``advance`` waits longer if drawing is slow.
PUBLISH_SECONDS = 1.0
# How long the running thread steps aside each simulated week (see ``advance``).
YIELD_SECONDS = 0.002


@dataclass(frozen=True)
class Settings:
    """What one side is set to: a scenario, a regime and the user's own changes.

    ``scenario`` is a shipped scenario's name or a file's path; an uploaded file
    is kept as its text (``document``, named ``scenario``) so that its regime
    changes, which no single key can hold, come with it. ``overrides`` are
    dotted keys (``"name"`` included, when the user names the scenario).
    """

    scenario: str = "default"
    regime: str = "target-competition"
    overrides: tuple[tuple[str, Any], ...] = ()
    document: str | None = None

    def __hash__(self) -> int:
        # Overrides may hold lists (``context.shock_weeks``), so hash their spelling.
        return hash((self.scenario, self.regime, repr(self.overrides), self.document))

    def with_override(self, key: str, value: Any) -> Settings:
        changes = dict(self.overrides) | {key: value}
        return replace(self, overrides=tuple(changes.items()))

    def without_override(self, key: str) -> Settings:
        return replace(self, overrides=tuple(item for item in self.overrides if item[0] != key))

    def with_regime(self, regime: str) -> Settings:
        return replace(self, regime=regime)

    def changes(self) -> dict[str, Any]:
        """The user's own changes, as ``apply_overrides`` takes them."""
        return dict(self.overrides)

    def edited(self) -> bool:
        """Whether the user changed any setting of the run (naming it is not a change of the run)."""
        return any(key not in ("name", "description") for key, _ in self.overrides)

    def base(self) -> Scenario:
        """The scenario file with the regime's preset, before the user's own changes."""
        return _base(self.scenario, self.regime, self.document)

    def build(self) -> Scenario:
        """The validated scenario these settings describe; raises ScenarioError.

        A scenario the user changed but did not name is called "<name>-changed",
        so a file written from it is never mistaken for the one it came from.
        """
        return _build(self)


@functools.lru_cache(maxsize=64)
def _base(scenario: str, regime: str, document: str | None) -> Scenario:
    if document is not None:
        base = scenario_from_dict(tomllib.loads(document), source=scenario)
    else:
        base = load_scenario(scenario)
    if regime == AS_WRITTEN:
        return base
    return apply_overrides(base, regime_overrides(regime), source="regime")


@functools.lru_cache(maxsize=256)
def _build(settings: Settings) -> Scenario:
    base = settings.base()
    changes = settings.changes()
    if settings.edited() and "name" not in changes:
        changes["name"] = f"{base.name}-changed"
    return apply_overrides(base, changes, source="settings") if changes else base


def default_scenario_name() -> str:
    """The scenario the page starts from: ``hls-sim dashboard --scenario`` or the built-in default."""
    return os.environ.get("HLS_SIM_DASHBOARD_SCENARIO", "default")


def shipped_scenarios() -> list[str]:
    """Scenario names to pick from, starting with the one the page was started with."""
    names = sorted(path.stem for path in SCENARIO_DIR.glob("*.toml"))
    start = default_scenario_name()
    return names if start in names else [start, *names]


def new_seed() -> int:
    """A fresh seed for the "new seed" button; the run itself stays reproducible from it."""
    return random.SystemRandom().randrange(1, 100_000)


@dataclass(frozen=True, eq=False)
class Snapshot:
    """What one side's run has produced so far, detached from the running thread."""

    label: str
    scenario: Scenario
    seed: int
    steps_done: int
    weekly: pd.DataFrame
    hours: pd.DataFrame
    providers: pd.DataFrame
    error: str | None
    model: SupportSystemModel | None

    @property
    def total_steps(self) -> int:
        return self.scenario.burn_in + self.scenario.weeks

    @property
    def finished(self) -> bool:
        return self.steps_done >= self.total_steps

    @property
    def progress(self) -> float:
        return min(1.0, self.steps_done / self.total_steps)

    def status(self) -> str:
        if self.error:
            return self.error
        if self.finished:
            return f"Finished: {self.scenario.weeks} weeks, seed {self.seed}."
        burn_in = self.scenario.burn_in
        if self.steps_done < burn_in:
            return f"Settling in: week {self.steps_done} of {burn_in} before recording starts."
        return f"{self.steps_done - burn_in} of {self.scenario.weeks} weeks run."


@dataclass(eq=False)
class Run:
    """One side's model and what the dashboard observes of it each week.

    Besides the model's own weekly table it keeps how workers' hours split
    (the worker's perspective) and each provider's cash, contract share and
    knowledge error (the provider's perspective). It only reads the model.
    """

    label: str
    scenario: Scenario
    seed: int
    model: SupportSystemModel
    hour_rows: list[dict[str, float]] = field(default_factory=list)
    provider_rows: list[dict[str, float]] = field(default_factory=list)
    error: str | None = None
    _last_hours: dict[str, float] = field(default_factory=dict)

    @classmethod
    def start(cls, label: str, scenario: Scenario, seed: int) -> Run:
        # Journeys are recorded so the Stories view can tell any person's; it changes nothing in the run.
        model = SupportSystemModel(scenario=scenario, rng=seed, record_journeys=True)
        return cls(label, scenario, seed, model)

    @property
    def finished(self) -> bool:
        return self.error is not None or self.model.steps >= self.scenario.burn_in + self.scenario.weeks

    def step(self) -> None:
        """One week; a model error stops this run with a message instead of an exception."""
        if self.finished:
            return
        try:
            self.model.step()
            self.observe()
        except Exception as error:  # noqa: BLE001 - any model failure becomes a message on the page
            self.error = f"The model stopped at week {self.model.week}: {type(error).__name__}: {error}"

    def observe(self) -> None:
        model = self.model
        hours = {part: float(model.observe.tally.hours(part)) for part in HOUR_PARTS}
        if model.week >= 0:
            row = {part: hours[part] - self._last_hours.get(part, 0.0) for part in HOUR_PARTS}
            self.hour_rows.append({"week": model.week, **row})
            for provider in model.provider_list:
                self.provider_rows.append(
                    {
                        "week": model.week,
                        # Numbered as the stories number them (``Provider.index``).
                        "provider": f"Provider {provider.index}",
                        "active": provider.active,
                        "cash": float(provider.cash),
                        "contract_share": float(provider.share) if provider.active else 0.0,
                        "workers": len(provider.workers),
                        "knowledge_error": learning.error(provider.beliefs, model.context),
                    }
                )
        self._last_hours = hours

    def snapshot(self) -> Snapshot:
        weekly = self.model.weekly_table() if self.model.week >= 0 else pd.DataFrame()
        return Snapshot(
            label=self.label,
            scenario=self.scenario,
            seed=self.seed,
            steps_done=self.model.steps,
            weekly=weekly,
            hours=pd.DataFrame(self.hour_rows),
            providers=pd.DataFrame(self.provider_rows),
            error=self.error,
            model=self.model,
        )


def side_label(settings: Settings) -> str:
    """The long label of a side: its regime in words, and how many settings the user changed."""
    regime = REGIME_LABELS.get(settings.regime, settings.regime)
    if settings.regime == AS_WRITTEN:
        regime = f"{Path(settings.scenario).stem} as written"
    named = dict(settings.overrides).get("name")
    count = sum(key not in ("name", "description") for key, _ in settings.overrides)
    changed = f", {count} setting{'s' if count != 1 else ''} changed" if count else ""
    return f"{named}: {regime}{changed}" if named else f"{regime}{changed}"


def side_name(settings: Settings) -> str:
    """A side's short name for sentences ("HLS better in 5 of 5 seeds"): the user's or the regime's."""
    named = dict(settings.overrides).get("name")
    if named:
        return str(named)
    if settings.regime == AS_WRITTEN:
        return Path(settings.scenario).stem
    return SHORT_NAMES.get(settings.regime, settings.regime) + (" (changed)" if settings.edited() else "")


def side_names() -> dict[str, str]:
    """Both sides' short names, told apart by their letter when they would read the same."""
    names = {side: side_name(settings[side].value) for side in SIDES}
    if names["A"] == names["B"]:
        names = {side: f"{name} ({side})" for side, name in names.items()}
    return names


# Reactive state, one copy per browser session (Solara keeps reactive values per kernel).
settings = {side: solara.reactive(Settings(default_scenario_name(), DEFAULT_REGIMES[side])) for side in SIDES}
seed = solara.reactive(DEFAULT_SEED)
# Compare runs each side on this many seeds, from ``seed`` up.
seeds_per_side = solara.reactive(DEFAULT_SEEDS)
runs: dict[str, solara.Reactive[Run | None]] = {side: solara.reactive(None) for side in SIDES}
views: dict[str, solara.Reactive[Snapshot | None]] = {side: solara.reactive(None) for side in SIDES}
message = solara.reactive("")
# How many views that draw a run as it goes are on screen (Explore): only then does a run
# publish its progress week by week, because each publication redraws their charts, and
# a redraw holds up every click on the page. ``drawn`` is the week (model steps) of the last
# snapshot they finished drawing: a run publishes again only once that one is on the page,
# so a busy machine gets fewer pictures rather than a page that never stops redrawing.
watching = solara.reactive(0)
drawn = solara.reactive(0)
# Which tab the page shows ("compare", "explore", "perspectives", "stories" or "trainer").
view = solara.reactive("compare")


def publish(sides: tuple[str, ...]) -> None:
    for side in sides:
        run = runs[side].value
        views[side].value = run.snapshot() if run is not None else None


def reset(sides: tuple[str, ...]) -> bool:
    """Start each side afresh from its settings and the shared seed; False if a setting is bad."""
    built = {}
    for side in sides:
        try:
            built[side] = settings[side].value.build()
        except ScenarioError as error:
            message.value = f"Side {side} cannot start: {error}"
            return False
    message.value = ""
    for side, scenario in built.items():
        runs[side].value = Run.start(side_label(settings[side].value), scenario, seed.value)
    publish(sides)
    return True


def out_of_date(side: str) -> bool:
    """Whether side's run was started from other settings or another seed than those now set."""
    run = runs[side].value
    if run is None:
        return False
    try:
        return run.seed != seed.value or settings[side].value.build() != run.scenario
    except ScenarioError:
        return True


def can_run(side: str) -> bool:
    """Whether Run has anything to do: no run yet, one under way, or settings changed since."""
    run = runs[side].value
    return run is None or not run.finished or out_of_date(side)


def needs_reset(side: str) -> bool:
    """Whether side's run is missing, finished or out of date with its settings or seed."""
    run = runs[side].value
    return run is None or run.finished or out_of_date(side)


def step_once(sides: tuple[str, ...]) -> None:
    """Advance each side one week on the UI thread (cheap enough for a single week)."""
    if any(runs[side].value is None or runs[side].value.finished for side in sides) and not reset(sides):
        return
    for side in sides:
        runs[side].value.step()
    publish(sides)


@solara.lab.task(prefer_threaded=True)
def advance(sides: tuple[str, ...]) -> None:
    """Step the sides' models to the end off the UI thread, publishing progress as it goes.

    Pausing cancels the task; the models keep their place, so Run carries on.
    """
    chosen = [runs[side].value for side in sides]
    published = min(run.model.steps for run in chosen)
    asked = shown = time.monotonic()
    gap = PUBLISH_SECONDS
    while advance.is_current():
        going = [run for run in chosen if not run.finished]
        if not going:
            break
        for run in going:
            run.step()
        # The run shares this process (and Python's lock) with the page: pausing a moment each
        # week lets the page answer clicks at once instead of waiting its turn behind the model.
        time.sleep(YIELD_SECONDS)
        if not watching.value:
            continue
        if drawn.value >= published and shown < asked:
            # The last snapshot is on the page: leave the page twice as long as it took to draw,
            # so that clicks get their turn between redraws.
            shown = time.monotonic()
            gap = max(PUBLISH_SECONDS, 2 * (shown - asked))
        if shown >= asked and time.monotonic() - shown > gap:
            done = sum(run.model.steps for run in chosen)
            total = sum(run.scenario.burn_in + run.scenario.weeks for run in chosen)
            advance.progress = 100 * done / total
            asked = time.monotonic()
            publish(sides)
            published = min(run.model.steps for run in chosen)
    publish(sides)


def start(sides: tuple[str, ...]) -> None:
    """Run (or carry on running) the sides to the end in the background."""
    if any(needs_reset(side) for side in sides) and not reset(sides):
        return
    advance(sides)


def pause() -> None:
    if advance.pending:
        advance.cancel()
