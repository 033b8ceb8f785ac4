"""Setting controls, generated from the scenario schema, in plain words.

Every dotted key a scenario accepts gets a control: a tick box for yes/no keys,
a text box for numbers and lists. The one-line explanation under each control
is the key's own description in ``hls_sim/scenario.py``, so the dashboard and
the scenario files can never explain a key differently. The keys a
commissioner is most likely to want come first, with labels in plain words;
the rest sit in folded sections.

A value is checked the moment it is entered, by applying it to the scenario
(``apply_overrides``): a bad or inconsistent value is not taken, and the reason
appears beside the control, in words, never as a traceback.
"""

from __future__ import annotations

from typing import Any

import solara

from hls_sim.dashboard import state
from hls_sim.dashboard.text import heading
from hls_sim.scenario import (
    MODE_KEYS,
    SECTION_NAMES,
    Scenario,
    ScenarioError,
    apply_overrides,
    parse_value,
    settable_keys,
)

# The keys a commissioner reaches for first, with labels in plain words.
KEY_LABELS = {
    "funding.pbr_share": "Share of payment riding on the indicator",
    "funding.reporting_hours_per_case": "Reporting time per case (hours a week)",
    "funding.dialogue_hours": "Funder's time in conversation with each provider (hours a week)",
    "funding.specification": "Does the contract prescribe the support, or leave it to providers",
    "funding.tariff": "How results are priced",
    "market.contract_weeks": "Weeks between re-tenders",
    "market.forum_weeks": "Weeks between learning forums",
    "market.open_books": "Providers must share what they learn at forums",
    "market.referrals": "Pass people to the provider that fits them best",
    "market.pooled_results": "Share results payments across providers",
    "indicator.aligned": "The indicator is the true outcome itself",
    "indicator.validity": "How well the indicator tracks what really helps",
    "indicator.audit_rate": "Share of reported successes the funder checks",
    "eligibility.threshold": "How severe needs must be before help is given",
    "workforce.knave_share": "Share of workers with low motivation",
    "population.size": "People living in the place",
    "workforce.workers": "Front-line workers",
    "providers.count": "Provider organisations",
    "funding.budget": "Yearly budget (pounds)",
    "weeks": "Weeks to simulate",
    "burn_in": "Weeks to settle before recording",
    "context.drift": "How fast what works changes",
}
SECTION_LABELS = {
    "population": "The place and its people",
    "workforce": "Workers",
    "providers": "Providers",
    "funding": "Funding",
    "market": "Market",
    "indicator": "The indicator and audit",
    "eligibility": "Eligibility and waiting",
    "support": "Support",
    "context": "What works, and how it changes",
    "learning": "Learning",
    "costs": "Costs",
}
# Set elsewhere on the page (the regime picker) or not a parameter of the run.
NOT_CONTROLS = frozenset({*MODE_KEYS, "name", "description"})


def label(key: str) -> str:
    """The plain label of a key: chosen words for the main ones, else the key's own name."""
    if key in KEY_LABELS:
        return KEY_LABELS[key]
    return key.rpartition(".")[2].replace("_", " ").capitalize()


def explanation(key: str) -> str:
    return settable_keys()[key].description or ""


def is_yes_no(key: str) -> bool:
    return settable_keys()[key].annotation in (bool, bool | None)


def other_keys(section: str) -> list[str]:
    return [
        key
        for key in settable_keys()
        if key.startswith(f"{section}.") and key not in KEY_LABELS and key not in NOT_CONTROLS
    ]


def shown(value: Any) -> str:
    """A value as the user would type it (TOML spelling: true, [52, 104])."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(shown(item) for item in value) + "]"
    return str(value)


def plain_problem(error: ScenarioError, key: str) -> str:
    """The reason a value was refused, without the file-and-key prefix of the full message."""
    reasons = []
    for line in str(error).splitlines():
        _, found, rest = line.partition(f"{key} = ")
        reasons.append(rest.partition(": ")[2] if found else line.partition(": ")[2] or line)
    return "; ".join(reasons)


def check(settings: state.Settings, key: str, text: str) -> tuple[state.Settings, str]:
    """The settings with ``key`` set from ``text``, or the same settings and why not."""
    value = parse_value(text.strip())
    try:
        base = settings.base()
        apply_overrides(base, dict(settings.overrides) | {key: value}, source="settings")
    except ScenarioError as error:
        return settings, plain_problem(error, key)
    if base.get(key) == value:
        return settings.without_override(key), ""
    return settings.with_override(key, value), ""


@solara.component
def SettingControl(side: str, key: str, current: Scenario):
    """One key: its control, its explanation, and the reason if a value was refused."""
    settings = state.settings[side]
    problem, set_problem = solara.use_state("")
    draft, set_draft = solara.use_state(None)
    value = current.get(key)
    changed = key in dict(settings.value.overrides)

    def take(text: str) -> None:
        new, reason = check(settings.value, key, text)
        set_problem(reason)
        set_draft(text if reason else None)
        settings.value = new

    title = label(key) + (" (changed)" if changed else "")
    with solara.Column(gap="0px", classes=["hls-control"], style={"padding-top": "12px"}):
        if is_yes_no(key):
            solara.Checkbox(label=title, value=bool(value), on_value=lambda on: take(shown(bool(on))))
        else:
            solara.InputText(
                label=title,
                value=draft if draft is not None else shown(value),
                on_value=take,
                error=problem or False,
                dense=True,
                hide_details=True,
            )
        if problem:
            solara.Text(problem, classes=["hls-problem"], style={"color": "#B00020", "font-size": "0.85em"})
        solara.Text(explanation(key), style={"font-size": "0.8em", "color": "#555"})


@solara.component
def SettingsPanel(side: str, title: str = "Settings"):
    """Scenario, regime, seed and every key for one side."""
    settings = state.settings[side]
    try:
        current = settings.value.build()
    except ScenarioError as error:
        solara.Error(f"These settings cannot be used: {error}")
        return

    def pick_scenario(name: str) -> None:
        regime = state.AS_WRITTEN if name != "default" else settings.value.regime
        settings.value = state.Settings(name, regime)

    def pick_regime(regime: str) -> None:
        settings.value = state.Settings(settings.value.scenario, regime, settings.value.overrides)

    with solara.Column(gap="6px", classes=[f"hls-settings-{side}"]):
        heading(title, 4)
        solara.Select(
            "Scenario",
            values=state.shipped_scenarios(),
            value=settings.value.scenario,
            on_value=pick_scenario,
        )
        solara.Text(current.description or "", style={"font-size": "0.8em", "color": "#555"})
        regimes = {state.REGIME_LABELS[regime]: regime for regime in state.REGIME_CHOICES}
        solara.Select(
            "Funding and market regime",
            values=list(regimes),
            value=state.REGIME_LABELS[settings.value.regime],
            on_value=lambda chosen: pick_regime(regimes[chosen]),
        )
        solara.Text(
            f"{current.funding.mode} funding, {current.market.mode}. A regime sets what is paid for, what is "
            "measured and shared, and who decides; it never sets the outcomes.",
            style={"font-size": "0.8em", "color": "#555"},
        )
        if settings.value.overrides:
            solara.Button(
                "Undo my changes",
                on_click=lambda: setattr(
                    settings, "value", state.Settings(settings.value.scenario, settings.value.regime)
                ),
                text=True,
            )
        for key in KEY_LABELS:
            SettingControl(side, key, current)
        for section in SECTION_NAMES:
            keys = other_keys(section)
            if keys:
                with solara.Details(summary=f"More: {SECTION_LABELS.get(section, section)}"):
                    for key in keys:
                        SettingControl(side, key, current)


@solara.component
def SeedControl():
    """The seed both sides share, so A and B differ only in their settings."""
    problem, set_problem = solara.use_state("")

    def take(text: str) -> None:
        try:
            number = int(text)
        except ValueError:
            set_problem(f"{text!r} is not a whole number")
            return
        if number < 0:
            set_problem("the seed must be 0 or more")
            return
        set_problem("")
        state.seed.value = number

    with solara.Column(gap="0px"):
        with solara.Row(gap="8px", style={"align-items": "center"}):
            solara.InputText(
                "Seed", value=str(state.seed.value), on_value=take, error=problem or False, dense=True
            )
            solara.Button("New seed", on_click=lambda: state.seed.set(state.new_seed()), outlined=True)
        if problem:
            solara.Text(problem, classes=["hls-problem"], style={"color": "#B00020", "font-size": "0.85em"})
        solara.Text(
            "The seed fixes every chance event, so the same seed and settings give the same run.",
            style={"font-size": "0.8em", "color": "#555"},
        )
