"""Setting controls, generated from the scenario schema, in plain words.

Every dotted key a scenario accepts gets a control (``keys.key_spec`` says
which): a switch for yes/no keys, a menu for choices, and for numbers a
slider over the key's plausible range beside a box where any allowed value can
be typed, in the form people write it ("50%", "£1,000,000"; ``entry``). The
one-line explanation under each control is the key's own description in the
schema, so the dashboard and the scenario files never explain a key
differently. The keys a commissioner is most likely to want come first, with
labels in plain words; the rest sit in folded sections.

A value is checked the moment it is entered: first read as typed
(``entry.read``, whose errors say in plain English what is wrong and what is
allowed), then applied to the scenario (``apply_overrides``), which checks how
keys fit together. A refused value is not used: the message says what was
typed and why, and the control goes back to showing the value in use.
"""

from __future__ import annotations

from typing import Any

import solara
from solara.alias import rv

from hls_sim.dashboard import state
from hls_sim.dashboard.entry import EntryError, read, shown
from hls_sim.dashboard.keys import KeySpec, key_spec
from hls_sim.dashboard.text import heading
from hls_sim.dashboard.upload import ScenarioUpload
from hls_sim.scenario import MODE_KEYS, SECTION_NAMES, Scenario, ScenarioError, apply_overrides, settable_keys

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
    "burn_in": "Weeks to settle before recording (burn-in)",
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
# Set elsewhere on the page (the regime picker, the name box) or not a parameter of the run.
NOT_CONTROLS = frozenset({*MODE_KEYS, "name", "description"})
# The seed is not a scenario key, but is typed like one: a whole number of 0 or more.
SEED = KeySpec("seed", "whole", "The seed of the run's random numbers.", low=0.0)
# Steps across a slider's range.
SLIDER_STEPS = 200
GREY = {"font-size": "0.8em", "color": "#444"}
PROBLEM = {"color": "#B00020", "font-size": "0.85em"}


def main_keys() -> list[str]:
    """The first keys shown, those of ``KEY_LABELS`` the schema has."""
    return [key for key in KEY_LABELS if key in settable_keys()]


def label(key: str) -> str:
    """The plain label of a key: chosen words for the main ones, else the key's own name."""
    if key in KEY_LABELS:
        return KEY_LABELS[key]
    return key.rpartition(".")[2].replace("_", " ").capitalize()


def explanation(key: str) -> str:
    return key_spec(key).meaning


def other_keys(section: str) -> list[str]:
    return [
        key
        for key in settable_keys()
        if key.startswith(f"{section}.") and key not in KEY_LABELS and key not in NOT_CONTROLS
    ]


def plain_problem(error: ScenarioError, key: str) -> str:
    """The reason a value was refused, without the file-and-key prefix of the full message."""
    reasons = []
    for line in str(error).splitlines():
        _, found, rest = line.partition(f"{key} = ")
        reasons.append(rest.partition(": ")[2] if found else line.partition(": ")[2] or line)
    text = "; ".join(reasons)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def take_value(settings: state.Settings, key: str, value: Any) -> tuple[state.Settings, str]:
    """The settings with ``key`` set to ``value``, or the same settings and why not, in words."""
    try:
        base = settings.base()
        apply_overrides(base, settings.changes() | {key: value}, source="settings")
    except ScenarioError as error:
        return settings, plain_problem(error, key)
    if base.get(key) == value:
        return settings.without_override(key), ""
    return settings.with_override(key, value), ""


def check(settings: state.Settings, key: str, text: str) -> tuple[state.Settings, str]:
    """The settings with ``key`` set from what was typed, or the same settings and why not."""
    try:
        value = read(text, key_spec(key))
    except EntryError as error:
        return settings, str(error)
    return take_value(settings, key, value)


def slider_position(value: Any, spec: KeySpec) -> float:
    """Where ``value`` sits on the slider (shares in %), held inside the slider's ends."""
    low, high = spec.slider
    number = min(max(float(value), low), high)
    return number * 100 if spec.kind == "share" else number


def slider_value(position: float, spec: KeySpec) -> Any:
    """The value a slider position stands for (whole numbers for whole keys)."""
    if spec.kind == "whole":
        return int(round(position))
    value = position / 100 if spec.kind == "share" else position
    return round(value, 6)


def slider_step(spec: KeySpec) -> float:
    low, high = spec.slider
    span = (high - low) * (100 if spec.kind == "share" else 1)
    if spec.kind == "whole":
        return max(1, round(span / SLIDER_STEPS))
    return span / SLIDER_STEPS


@solara.component
def Slider(spec: KeySpec, value: Any, title: str, on_value):
    """A slider over the key's plausible range; it sets the value when let go (or by the arrow keys)."""
    low, high = spec.slider
    scale = 100 if spec.kind == "share" else 1
    slider = rv.Slider(
        v_model=slider_position(value, spec),
        min=low * scale,
        max=high * scale,
        step=slider_step(spec),
        hide_details=True,
        dense=True,
        class_="hls-slider",
        attributes={"aria-label": f"Slider: {title.lower()}"},
        style_="flex: 1; min-width: 120px",
    )

    def let_go(_widget: Any, _event: str, position: Any) -> None:
        on_value(slider_value(float(position), spec))

    rv.use_event(slider, "change", let_go)
    return slider


@solara.component
def SettingControl(side: str, key: str, current: Scenario):
    """One key: its control, its explanation, and the reason if a value was refused."""
    settings = state.settings[side]
    spec = key_spec(key)
    problem, set_problem = solara.use_state("")
    # Bumped when a typed value is refused, so the box is drawn afresh with the value in use.
    attempt, set_attempt = solara.use_state(0)
    value = current.get(key)
    changed = key in dict(settings.value.overrides)

    def apply(new: state.Settings, reason: str, typed: str | None = None) -> None:
        if reason:
            typed_text = f" You typed {typed!r}." if typed and typed not in reason else ""
            set_problem(f"{reason}{typed_text} Still using {shown(value, spec)}.")
            set_attempt(attempt + 1)
        else:
            set_problem("")
        settings.value = new

    def take_text(text: str) -> None:
        new, reason = check(settings.value, key, text)
        apply(new, reason, text)

    def take(new_value: Any) -> None:
        apply(*take_value(settings.value, key, new_value))

    title = label(key) + (" (changed)" if changed else "")
    classes = ["hls-control", f"hls-control-{key.replace('.', '-')}"]
    with solara.Column(gap="0px", classes=classes, style={"padding-top": "10px"}):
        if spec.kind == "yes-no":
            solara.Switch(label=title, value=bool(value), on_value=take)
        elif spec.kind == "choice":
            solara.Select(label=title, values=list(spec.choices), value=str(value), on_value=take)
        else:
            solara.InputText(
                label=title,
                value=shown(value, spec),
                on_value=take_text,
                error=bool(problem),
                dense=True,
                hide_details=True,
                classes=["hls-entry"],
            ).key(f"entry-{key}-{attempt}")
            if spec.slider is not None:
                low, high = spec.slider
                with solara.Row(gap="8px", style={"align-items": "center"}, classes=["hls-slider-row"]):
                    solara.Text(shown(low, spec), style=GREY)
                    Slider(spec, value, label(key), take)
                    solara.Text(shown(high, spec), style=GREY)
        if problem:
            solara.Text(problem, classes=["hls-problem"], style=PROBLEM)
        solara.Text(spec.meaning, style=GREY)


@solara.component
def NameControl(side: str):
    """The scenario's name: what a file written from this side is called, and what sentences call it."""
    settings = state.settings[side]
    problem, set_problem = solara.use_state("")
    current = dict(settings.value.overrides).get("name", "")

    def take(text: str) -> None:
        if not text.strip():
            set_problem("")
            settings.value = settings.value.without_override("name")
            return
        try:
            name = read(text, key_spec("name"))
        except EntryError as error:
            set_problem(str(error))
            return
        set_problem("")
        settings.value = settings.value.with_override("name", name)

    with solara.Column(gap="0px", classes=["hls-name"]):
        solara.InputText(
            "Name of this scenario",
            value=current,
            on_value=take,
            dense=True,
            hide_details=True,
            classes=["hls-name-entry"],
        )
        if problem:
            solara.Text(problem, classes=["hls-problem"], style=PROBLEM)
        solara.Text(
            f"Used in sentences, saved files and the summary; now: {state.side_name(settings.value)}.",
            style=GREY,
        )


@solara.component
def SettingsPanel(side: str, title: str = "Settings"):
    """Scenario, regime, name and every key for one side."""
    settings = state.settings[side]
    try:
        current = settings.value.build()
    except ScenarioError as error:
        solara.Error(f"These settings cannot be used: {error}")
        solara.Button(
            "Start again from the scenario file",
            on_click=lambda: setattr(
                settings, "value", state.Settings(settings.value.scenario, state.AS_WRITTEN)
            ),
        )
        return

    def pick_scenario(name: str) -> None:
        regime = state.AS_WRITTEN if name != "default" else settings.value.regime
        settings.value = state.Settings(name, regime)

    def pick_regime(regime: str) -> None:
        settings.value = settings.value.with_regime(regime)

    with solara.Column(gap="6px", classes=[f"hls-settings-{side}"]):
        heading(title, 4)
        NameControl(side)
        scenarios = state.shipped_scenarios()
        if settings.value.scenario not in scenarios:
            scenarios = [settings.value.scenario, *scenarios]
        solara.Select("Scenario", values=scenarios, value=settings.value.scenario, on_value=pick_scenario)
        solara.Text(current.description or "", style=GREY)
        ScenarioUpload(side)
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
            style=GREY,
        )
        if settings.value.overrides:
            solara.Button(
                "Undo my changes",
                on_click=lambda: setattr(
                    settings,
                    "value",
                    state.Settings(
                        settings.value.scenario, settings.value.regime, document=settings.value.document
                    ),
                ),
                text=True,
            )
        for key in main_keys():
            SettingControl(side, key, current)
        for section in SECTION_NAMES:
            keys = other_keys(section)
            if keys:
                with solara.Details(summary=f"More: {SECTION_LABELS.get(section, section)}"):
                    for key in keys:
                        SettingControl(side, key, current)


@solara.component
def SeedControl(label_: str = "Seed"):
    """The seed both sides share, so A and B differ only in their settings."""
    problem, set_problem = solara.use_state("")

    def take(text: str) -> None:
        try:
            seed = read(text, SEED)
        except EntryError as error:
            set_problem(str(error))
            return
        set_problem("")
        state.seed.value = seed

    with solara.Column(gap="0px", classes=["hls-seed"]):
        with solara.Row(gap="8px", style={"align-items": "center"}):
            solara.InputText(
                label_,
                value=str(state.seed.value),
                on_value=take,
                error=bool(problem),
                dense=True,
                style={"max-width": "10em"},
            )
            solara.Button("New seed", on_click=lambda: state.seed.set(state.new_seed()), outlined=True)
        if problem:
            solara.Text(problem, classes=["hls-problem"], style=PROBLEM)
        solara.Text(
            "The seed fixes every chance event, so the same seed and settings give the same run.", style=GREY
        )
