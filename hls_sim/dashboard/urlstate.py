"""The page's settings in its address, so that a link reopens the same comparison.

Only what differs from what the page opens with goes in, so the plain address
stays plain. For each side (``a.`` and ``b.``): the scenario, the regime and
each changed key in TOML spelling (``a.funding.pbr_share=0.3``); then the
first seed, the seeds per side, and the view when it is not Compare (a
trainer's link, ``?view=trainer``, opens Trainer mode without starting
Compare's runs). A link is read as carefully as a file: a value that cannot be
used is left out and the page says which and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from hls_sim.dashboard import state
from hls_sim.dashboard.comparison import DEFAULT_SEEDS, MAX_SEEDS
from hls_sim.dashboard.export import toml_value
from hls_sim.scenario import ScenarioError, parse_value

PREFIX = {"A": "a", "B": "b"}
VIEWS = ("compare", "explore", "perspectives", "stories", "trainer")


@dataclass
class PageState:
    """Everything a link carries."""

    settings: dict[str, state.Settings]
    seed: int = state.DEFAULT_SEED
    seeds: int = DEFAULT_SEEDS
    view: str = "compare"
    problems: list[str] = field(default_factory=list)


def current(view: str) -> PageState:
    """What the page is set to now."""
    return PageState(
        {side: state.settings[side].value for side in state.SIDES},
        state.seed.value,
        state.seeds_per_side.value,
        view,
    )


def encode(page: PageState) -> str:
    """The query string (without "?") for ``page``: only what differs from the page's opening state."""
    pairs: list[tuple[str, str]] = []
    for side in state.SIDES:
        settings, prefix = page.settings[side], PREFIX[side]
        if settings.document is not None:
            # Regime changes cannot travel in a link; Compare says so beside its controls.
            continue
        if settings.scenario != state.default_scenario_name():
            pairs.append((f"{prefix}.scenario", settings.scenario))
        if settings.regime != state.DEFAULT_REGIMES[side]:
            pairs.append((f"{prefix}.regime", settings.regime))
        pairs += [(f"{prefix}.{key}", toml_value(value)) for key, value in settings.overrides]
    if page.seed != state.DEFAULT_SEED:
        pairs.append(("seed", str(page.seed)))
    if page.seeds != DEFAULT_SEEDS:
        pairs.append(("seeds", str(page.seeds)))
    if page.view != "compare":
        pairs.append(("view", page.view))
    return urlencode(pairs)


def _whole(text: str, name: str, low: int, high: int, problems: list[str]) -> int | None:
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    problems.append(f"{name} = “{text}” was left out: it must be a whole number from {low} to {high}.")
    return None


def decode(query: str | None) -> PageState:
    """The page state a query string describes; what cannot be used is left out, with a reason."""
    page = PageState(
        {
            side: state.Settings(state.default_scenario_name(), state.DEFAULT_REGIMES[side])
            for side in state.SIDES
        }
    )
    parts: dict[str, dict[str, Any]] = {side: {} for side in state.SIDES}
    for name, value in parse_qsl(query or "", keep_blank_values=True):
        side = next((s for s, prefix in PREFIX.items() if name.startswith(prefix + ".")), None)
        if side is not None:
            parts[side][name[len(PREFIX[side]) + 1 :]] = value
        elif name == "seed":
            seed = _whole(value, "seed", 0, 2**32 - 1, page.problems)
            page.seed = page.seed if seed is None else seed
        elif name == "seeds":
            seeds = _whole(value, "seeds", 1, MAX_SEEDS, page.problems)
            page.seeds = page.seeds if seeds is None else seeds
        elif name == "view":
            if value in VIEWS:
                page.view = value
            else:
                page.problems.append(f"view = “{value}” was left out: it must be one of {', '.join(VIEWS)}.")
        else:
            page.problems.append(f"“{name}” in the link was left out: the page does not know it.")
    for side in state.SIDES:
        page.settings[side] = _side(side, parts[side], page.problems)
    return page


def _side(side: str, part: dict[str, Any], problems: list[str]) -> state.Settings:
    settings = state.Settings(
        part.pop("scenario", state.default_scenario_name()), part.pop("regime", state.DEFAULT_REGIMES[side])
    )
    if settings.regime not in state.REGIME_CHOICES:
        problems.append(
            f"Side {side}'s regime “{settings.regime}” was left out: it is not one the page knows."
        )
        settings = state.Settings(settings.scenario, state.DEFAULT_REGIMES[side])
    try:
        settings.base()
    except ScenarioError as error:
        problems.append(f"Side {side}'s scenario was left out: {error}")
        settings = state.Settings(state.default_scenario_name(), settings.regime)
    for key, text in part.items():
        candidate = settings.with_override(key, parse_value(text))
        try:
            candidate.build()
        except ScenarioError as error:
            problems.append(
                f"Side {side}: {key} = “{text}” was left out: {str(error).partition(': ')[2] or error}"
            )
            continue
        settings = candidate
    return settings
