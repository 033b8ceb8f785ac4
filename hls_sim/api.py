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


# A place just big enough to reach every compiled kernel within a few weeks.
WARM_UP_PLACE = {
    "population.size": 120,
    "workforce.workers": 6,
    "providers.count": 2,
    "funding.budget": 140_000.0,
    "burn_in": 2,
}
# Long enough for a quarter's settlement and audit.
WARM_UP_WEEKS = 14


def warm_up() -> None:
    """Run a tiny place for a few weeks under every regime, loading the model's compiled kernels.

    Numba loads each kernel from its cache on the first call in a process (about a
    fifth of a second for all of them). A process that forks workers calls this
    first, so that every worker starts with the kernels in memory.
    """
    from hls_sim.regimes import REGIME_NAMES

    for regime in REGIME_NAMES:
        funding, market = regime.split("-")
        simulate(
            None,
            overrides={**WARM_UP_PLACE, "funding.mode": funding, "market.mode": market},
            weeks=WARM_UP_WEEKS,
        )
