"""The Python entry points: load a scenario, run it, get the summary or the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hls_sim.model import SupportSystemModel
from hls_sim.scenario import Scenario, apply_overrides, load_scenario


def resolve_scenario(
    scenario: Scenario | str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    weeks: int | None = None,
) -> Scenario:
    """A validated Scenario from a Scenario, a path or name, or ``None`` for the default."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    changes = dict(overrides or {})
    if weeks is not None:
        changes["weeks"] = weeks
    return apply_overrides(scenario, changes) if changes else scenario


def simulate(
    scenario: Scenario | str | Path | None = None,
    *,
    seed: int = 1,
    overrides: dict[str, Any] | None = None,
    weeks: int | None = None,
    record_journeys: bool = False,
) -> SupportSystemModel:
    """Build and run a model to its end; returns the finished model.

    ``record_journeys=True`` keeps each person's journey for ``hls_sim.stories``.
    """
    scenario = resolve_scenario(scenario, overrides, weeks)
    model = SupportSystemModel(scenario=scenario, rng=seed, record_journeys=record_journeys)
    model.run_to_end()
    return model


def run(
    scenario: Scenario | str | Path | None = None,
    *,
    seed: int = 1,
    overrides: dict[str, Any] | None = None,
    weeks: int | None = None,
) -> dict[str, float]:
    """Run one scenario with one seed and return its summary metrics (see docs/ODD.md)."""
    return simulate(scenario, seed=seed, overrides=overrides, weeks=weeks).summary()
