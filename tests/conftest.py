"""Shared for every test module: finished small-place runs, cached for the whole session.

Stylized facts, stories and anything else that reads a finished run of the small
place (``scenarios/small-place.toml``: 600 people, 3 providers, two years after
one of burn-in) asks ``small_run`` for it, so a run several modules read is made
once. The quick lane (``uv run pytest -m "not slow"``) leaves out the tests
marked ``slow`` (browser, interrupted sweeps, Dask, end-to-end calibration and
robustness sweeps, whole-page dashboard runs, long statistical coverage checks).
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import hls_sim

SMALL_PLACE = "small-place"
# A place small enough for sweeps of a few seconds in tests (applied as dotted overrides).
TINY_PLACE = {
    "population.size": 300,
    "workforce.workers": 9,
    "providers.count": 3,
    "funding.budget": 340_000.0,
    "burn_in": 5,
}


def write_spec(tmp_path: Path, text: str) -> Path:
    """Write ``text`` (dedented) as ``spec.toml`` in ``tmp_path``."""
    path = tmp_path / "spec.toml"
    path.write_text(textwrap.dedent(text))
    return path


def _key(overrides: Mapping[str, Any] | None) -> tuple[tuple[str, Any], ...]:
    """Overrides as a hashable key (lists as tuples), in a fixed order."""
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in (overrides or {}).items()))


@functools.cache
def _finished(seed: int, key: tuple[tuple[str, Any], ...], record: bool) -> hls_sim.SupportSystemModel:
    settings = {k: list(v) if isinstance(v, tuple) else v for k, v in key}
    return hls_sim.simulate(SMALL_PLACE, seed=seed, overrides=settings, record_journeys=record)


@functools.cache
def _summary(seed: int, key: tuple[tuple[str, Any], ...]) -> dict[str, float]:
    return _finished(seed, key, False).summary()


def small_run(
    seed: int, overrides: Mapping[str, Any] | None = None, record: bool = False
) -> hls_sim.SupportSystemModel:
    """A finished small-place run with these dotted overrides; the same object on every call.

    Readers must not change it.
    """
    return _finished(seed, _key(overrides), record)


def small_summary(seed: int, overrides: Mapping[str, Any] | None = None) -> dict[str, float]:
    """The summary metrics of ``small_run(seed, overrides)`` (a copy each call)."""
    return dict(_summary(seed, _key(overrides)))
