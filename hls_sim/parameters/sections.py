"""The scenario's sections, one per part of the place or mechanism, every key catalogued.

A section groups the keys one mechanism reads (``[life]``, ``[crisis]``,
``[morale]`` ...) or one part of the place and its rules (``[population]``,
``[funding]``, ``[market]`` ...). Keys left ``None`` are rules filled from the
preset of the chosen funding or market mode (``hls_sim.regimes.PRESETS``).

Sources marked "judgement:" are the modeller's, with the reason; they are what
the robustness analysis (experiments/robustness.toml) varies over their
plausible range, and what calibration (calibration/patterns.toml) fits. The
defaults of the 21 keys that calibration/patterns.toml names are the posterior
median of the shipped calibration (calibration/posterior.parquet; docs/ODD.md,
section 9); their sources give the judgement behind the plausible range.
"""

# fmt: off
# Each key is one call of ``param`` on a few lines: a table to read down, not code to reflow.
from __future__ import annotations

import sys
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hls_sim.parameters import BEHAVIOUR, RULE, STRUCTURE, param
from hls_sim.regimes import FUNDING_MODES, MARKET_MODES, SPECIFICATIONS, TARIFFS

LOWE_PLIMMER = "Lowe and Plimmer (2019), Exploring the New World"
LE_GRAND = "Le Grand (1997, 2003), knights and knaves"
CROWDING = "Frey (1993); Frey and Jegen (2001); Falk and Kosfeld (2006)"
MULTITASK = "Holmstrom and Milgrom (1991); Kerr (1975)"
GAMING = "Hood (2006); Bevan and Hood (2006)"
SEDDON = "Seddon (2003, 2008), failure demand"
WORK_PROGRAMME = "Rees, Whitworth and Carter (2014), the Work Programme"
SELECTION = "Smaldino and McElreath (2016); Braganza (2022)"
MAX_DOMAINS = 8


class Section(BaseModel):
    """A table of keys; unknown keys are refused, and so are booleans given for numbers."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, strict=True)

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle with the key names interned, as a section built here has them.

        A sweep sends each scenario to its worker pickled. Pydantic restores a
        section's keys as new strings, not the interned ones Python's attribute
        lookup compares by identity first, so every read of a key (the model
        reads hundreds a week) took the slow path: about 4 times as long, a
        millisecond or two of each short run.
        """
        state["__dict__"] = {sys.intern(name): value for name, value in state["__dict__"].items()}
        super().__setstate__(state)


# --- the place -------------------------------------------------------------------------------
class Population(Section):
    """Who lives in the place, and how needs, strengths and trust are spread among them."""

    size: int = param(
        2000, 500, 20_000, "people", "People living in the place at the start.",
        "judgement: a mid-sized neighbourhood or small town's population at risk", "population",
        kind=STRUCTURE, ge=10, le=1_000_000,
    )
    domains: int = param(
        5, 3, 8, "domains", "Life domains in which a person can have needs.",
        f"{LOWE_PLIMMER}, 'Responding to variety' (needs across housing, money, health, relationships, purpose)",
        ("population", "support"), kind=STRUCTURE, ge=2, le=MAX_DOMAINS,
    )
    need_mean: float = param(
        0.3, 0.2, 0.4, "need (0 to 1)", "Typical (median) starting severity of a need.",
        "judgement: most residents have low needs; a minority high ones", "population",
        kind=STRUCTURE, ge=0.0, le=1.0,
    )
    need_correlation: float = param(
        0.4, 0.2, 0.6, "correlation", "How strongly needs in different domains go together.",
        f"{LOWE_PLIMMER}, 'Responding to variety' (problems cluster in people's lives)", "population",
        kind=STRUCTURE, ge=0.0, le=1.0,
    )
    need_vulnerability_weight: float = param(
        0.9, 0.5, 1.3, "log-odds per sd", "How far a person's general vulnerability raises every need.",
        "judgement: vulnerability (one standard-normal trait) shifts all needs together", "population",
        kind=STRUCTURE, ge=0.0, le=5.0,
    )
    need_domain_weight: float = param(
        1.1, 0.7, 1.5, "log-odds per sd", "How far needs differ between a person's domains.",
        "judgement: gives people a mix of high and low domains", "population",
        kind=STRUCTURE, ge=0.0, le=5.0,
    )
    goals_per_person: int = param(
        2, 1, 3, "domains", "Domains that matter most to each person ('what matters to me').",
        f"{LOWE_PLIMMER}, Plymouth's outcome measure of personal goals", ("population", "wellbeing"),
        kind=STRUCTURE, ge=1, le=MAX_DOMAINS,
    )
    goal_need_weight: float = param(
        2.0, 1.0, 4.0, "log-odds per need", "How much more a person's worst needs are among the goals they choose.",
        "judgement: people's goals mostly, not always, follow their worst problems", ("population", "wellbeing"),
        kind=STRUCTURE, ge=0.0, le=100.0,
    )
    assets_mean: float = param(
        0.5, 0.35, 0.65, "assets (0 to 1)", "Average strengths and networks at the start.",
        "judgement: the middle of the scale", "population", kind=STRUCTURE, ge=0.0, le=1.0,
    )
    assets_concentration: float = param(
        8.0, 4.0, 16.0, "beta a + b", "How tightly starting assets cluster round their mean (higher is tighter).",
        "judgement: a Beta(4, 4) spread", "population", kind=STRUCTURE, gt=0.0, le=1000.0,
    )
    assets_vulnerability: float = param(
        0.08, 0.0, 0.16, "assets per sd", "How far vulnerability lowers starting assets.",
        "judgement: vulnerable people tend to have thinner networks", "population",
        kind=STRUCTURE, ge=0.0, le=1.0,
    )
    trust_mean: float = param(
        0.625, 0.45, 0.75, "trust (0 to 1)", "Average trust in services at the start.",
        "judgement: a Beta(5, 3) spread, most people moderately trusting", "population",
        kind=STRUCTURE, ge=0.0, le=1.0,
    )
    trust_concentration: float = param(
        8.0, 4.0, 16.0, "beta a + b", "How tightly starting trust clusters round its mean.",
        "judgement: a Beta(5, 3) spread", "population", kind=STRUCTURE, gt=0.0, le=1000.0,
    )
    arrival_rate: float = param(
        0.08, 0.04, 0.12, "per resident per year", "New residents per resident per year.",
        "judgement: typical UK local-authority in-migration", "population", kind=STRUCTURE, ge=0.0, le=1.0,
    )
    exit_rate: float = param(
        0.08, 0.04, 0.12, "per year", "Share of residents who leave the place in a year.",
        "judgement: balances arrivals, so the population stays about the same size", "population",
        kind=STRUCTURE, ge=0.0, le=1.0,
    )


class Wellbeing(Section):
    """What the true outcome is made of (``agents/person.wellbeing``)."""

    assets_weight: float = param(
        0.25, 0.1, 0.4, "share", "Weight of strengths and networks in wellbeing (the rest is low needs).",
        f"judgement: {LOWE_PLIMMER}, 'Responding to strengths' (a good life is more than absent need)",
        "wellbeing", kind=STRUCTURE, ge=0.0, le=1.0,
    )
    goal_weight: float = param(
        1.0, 0.5, 2.0, "multiplier", "Extra weight of the domains that matter to the person.",
        f"judgement: {LOWE_PLIMMER}, 'what matters to me' counts double", "wellbeing",
        kind=STRUCTURE, ge=0.0, le=10.0,
    )


class Life(Section):
    """The person's own week: life events, needs pulling on each other, recovery (``life.py``)."""

    event_rate: float = param(
        0.0435, 0.02, 0.06, "per week", "Weekly chance of a life event raising a need (for average vulnerability).",
        "judgement: about two events a year", "life", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    event_size: float = param(
        0.3, 0.2, 0.4, "need (0 to 1)", "Typical rise in need from one life event.",
        "judgement: one event takes a need from low to moderate", "life", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    event_size_spread: float = param(
        0.5, 0.25, 0.75, "share", "Spread of event sizes: each is the typical size times U(1 - this, 1 + this).",
        "judgement", "life", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    vulnerability_effect: float = param(
        0.35, 0.15, 0.55, "log rate per sd", "How much likelier life events are for vulnerable people.",
        "judgement: adversity clusters", "life", kind=BEHAVIOUR, ge=0.0, le=3.0,
    )
    asset_buffer: float = param(
        0.5, 0.25, 0.75, "share", "Share of an event's impact that full assets absorb.",
        f"{LOWE_PLIMMER}, 'Responding to strengths' (networks buffer shocks)", "life",
        kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    spillover: float = param(
        0.01, 0.0, 0.02, "per week", "Weekly pull of a person's other needs on a lower one.",
        f"{LOWE_PLIMMER}, 'Responding to variety' (needs interact)", "life", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    recovery_rate: float = param(
        0.004, 0.002, 0.008, "need per week", "Weekly fall in needs people manage on their own, at full assets.",
        "judgement: unaided recovery takes years", "life", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    recovery_floor: float = param(
        0.05, 0.02, 0.1, "need (0 to 1)", "Need below which self-recovery stops.",
        "judgement", "life", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )


class Entrenchment(Section):
    """Needs left high without help harden; help and low need loosen them (``life.entrench``)."""

    severe_need: float = param(
        0.6, 0.5, 0.7, "need (0 to 1)", "Need above which, unsupported, it starts to entrench.",
        f"{LOWE_PLIMMER}, 'Cost savings' (problems left unhelped harden)", "entrenchment",
        kind=BEHAVIOUR, ge=0.0, lt=1.0,
    )
    growth: float = param(
        0.0158, 0.006, 0.024, "per week", "Weekly growth of entrenchment at the highest need, unsupported.",
        "judgement: a year or two of unmet severe need entrenches it fully", "entrenchment",
        kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    ease_supported: float = param(
        0.004, 0.002, 0.008, "per week", "Weekly loosening of entrenchment while supported.",
        "judgement: loosening is slower than hardening", "entrenchment", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    ease_low_need: float = param(
        0.003, 0.0015, 0.006, "per week", "Weekly loosening of entrenchment while all needs are low.",
        "judgement", "entrenchment", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    low_need: float = param(
        0.4, 0.3, 0.5, "need (0 to 1)", "Highest need below which entrenchment loosens on its own.",
        "judgement", "entrenchment", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )


class Crisis(Section):
    """Crises (A&E, police, eviction) of people with severe, entrenched needs (``life.crises``)."""

    rate: float = param(
        0.0377, 0.015, 0.06, "per week", "Weekly chance of a crisis at the highest need, not entrenched.",
        "judgement: a few crises a year for the most severe", "crisis", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    severe_need: float = param(
        0.6, 0.5, 0.7, "need (0 to 1)", "Need above which crises can happen.",
        "judgement", "crisis", kind=BEHAVIOUR, ge=0.0, lt=1.0,
    )
    entrenchment_factor: float = param(
        1.65, 1.0, 4.0, "multiplier", "Extra crisis risk of fully entrenched needs (1 + this times as likely).",
        f"{LOWE_PLIMMER}, 'Cost savings'", "crisis", kind=BEHAVIOUR, ge=0.0, le=20.0,
    )


class HelpSeeking(Section):
    """Who contacts services, and when (``life.seeks_help``)."""

    threshold: float = param(
        0.35, 0.25, 0.45, "need (0 to 1)", "Worst need at which someone who fully trusts services asks for help.",
        "judgement", "help_seeking", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    distrust_delay: float = param(
        0.4, 0.2, 0.6, "need (0 to 1)", "How much worse things must get before someone with no trust asks.",
        "DESIGN section 3: low trust delays help-seeking until crisis", "help_seeking",
        kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    weekly_chance: float = param(
        0.281, 0.15, 0.5, "per week", "Weekly chance that someone past their threshold makes contact.",
        "judgement: people put off asking for a few weeks", "help_seeking", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )


class Trust(Section):
    """How each experience of services moves a person's trust in them (``trust.py``)."""

    turned_away: float = param(
        0.15, 0.05, 0.25, "trust (0 to 1)", "Trust lost when turned away at assessment.",
        f"{LOWE_PLIMMER}, 'What does this way of working achieve?'", "trust", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    gave_up: float = param(
        0.10, 0.05, 0.2, "trust (0 to 1)", "Trust lost when giving up on a waiting list.",
        "judgement: a little less than a refusal", "trust", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    handed_off: float = param(
        0.05, 0.02, 0.1, "trust (0 to 1)", "Trust lost when a worker changes.",
        f"{LOWE_PLIMMER}, 'Responding with empathy' (telling one's story again)", "trust",
        kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    resolved: float = param(
        0.05, 0.02, 0.1, "trust (0 to 1)", "Trust gained when a case closes with needs met.",
        "judgement", "trust", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    unresolved: float = param(
        0.03, 0.01, 0.06, "trust (0 to 1)", "Trust lost when a case closes with needs unmet.",
        "judgement", "trust", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    relationship: float = param(
        0.005, 0.002, 0.01, "trust per week", "Weekly trust gained from a full relationship with a worker.",
        "Cottam (2018), Radical Help (relationships rebuild trust)", "trust", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )


class Workforce(Section):
    """Front-line workers: how many, their hours and pay, and what they bring."""

    workers: int = param(
        60, 20, 200, "workers", "Front-line workers at the start, across all providers.",
        "judgement: sized to the budget", "staffing", kind=STRUCTURE, ge=1, le=100_000,
    )
    hours: float = param(
        37.5, 35.0, 40.0, "hours per week", "Paid hours per worker per week.",
        "UK full-time standard", "work", kind=STRUCTURE, gt=0.0, le=80.0,
    )
    max_caseload: int = param(
        15, 10, 25, "people", "Most people one worker will hold at once.",
        "judgement: UK social work caseloads of about 15 to 25", ("queue", "morale"),
        kind=STRUCTURE, ge=1, le=200,
    )
    knave_share: float = param(
        0.2, 0.05, 0.5, "share", "Share of workers and providers with low intrinsic motivation (knaves).",
        LE_GRAND, "motivation", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    skill_mean: float = param(
        0.5, 0.35, 0.65, "skill (0 to 1)", "Average starting skill of a worker in a domain.",
        "judgement", "staffing", kind=STRUCTURE, ge=0.0, le=1.0,
    )
    skill_spread: float = param(
        0.1, 0.05, 0.2, "skill (sd)", "Spread of a recruit's skill between domains and recruits.",
        "judgement", "staffing", kind=STRUCTURE, ge=0.0, le=1.0,
    )
    recruit_relational_skill: float = param(
        0.4, 0.25, 0.55, "skill (0 to 1)", "Typical skill at bespoke, relational work of a new recruit.",
        "judgement: learnt mostly by doing it", "staffing", kind=STRUCTURE, ge=0.0, le=1.0,
    )
    skill_floor: float = param(
        0.05, 0.0, 0.1, "skill (0 to 1)", "Lowest skill a recruit can bring.", "judgement", "staffing",
        kind=STRUCTURE, ge=0.0, le=1.0,
    )
    wage: float = param(
        650.0, 550.0, 800.0, "pounds per week", "Cost of one worker per week, wages and on-costs.",
        "judgement: about 34,000 pounds a year with on-costs", ("money", "staffing"),
        kind=STRUCTURE, gt=0.0, le=1_000_000.0,
    )
    admin_hours: float = param(
        2.96, 1.0, 4.0, "hours per week", "Fixed admin (supervision, team meetings) before any reporting.",
        "judgement", "work", kind=BEHAVIOUR, ge=0.0, le=40.0,
    )
    defensive_recording: float = param(
        0.342, 0.0, 0.6, "hours per case per week",
        "Extra recording per case a fully fearful worker does to cover themselves, beyond what is required.",
        "Munro (2011): a compliance and blame culture multiplies recording", "work", kind=BEHAVIOUR, ge=0.0, le=40.0,
    )
    start_morale: float = param(
        0.7, 0.5, 0.8, "morale (0 to 1)", "Morale of a new recruit.", "judgement", "morale",
        kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    base_turnover: float = param(
        0.097, 0.08, 0.2, "per year", "Share of workers who leave in a year when morale is high.",
        "judgement: below adult social care's overall turnover of about 30% a year (Skills for Care), which includes low morale",
        "turnover", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    morale_turnover: float = param(
        4.0, 2.0, 6.0, "multiplier",
        "Extra leaving chance of a fully demoralised worker (it leaves 1 + this times as often).",
        "judgement: demoralised staff leave several times as often", "turnover",
        kind=BEHAVIOUR, ge=0.0, le=100.0,
    )
    crowding_rate: float = param(
        0.02, 0.01, 0.04, "per week", "Weekly speed at which control crowds out, and trust crowds in, motivation.",
        CROWDING, "motivation", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    vacancy_weeks: int = param(
        6, 4, 12, "weeks", "Weeks to fill a vacancy.", "judgement: typical recruitment time", "staffing",
        kind=STRUCTURE, ge=0, le=104,
    )


class Motivation(Section):
    """Knights and knaves, effort when someone is looking, crowding (``motivation.py``)."""

    knight_mean: float = param(
        0.8, 0.7, 0.9, "motivation (0 to 1)", "Mean intrinsic motivation of a knight.", LE_GRAND, "motivation",
        kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    knave_mean: float = param(
        0.2, 0.1, 0.3, "motivation (0 to 1)", "Mean intrinsic motivation of a knave.", LE_GRAND, "motivation",
        kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    concentration: float = param(
        10.0, 5.0, 20.0, "beta a + b", "How tightly motivation clusters round a type's mean.",
        "judgement: Beta(8, 2) knights, Beta(2, 8) knaves", "motivation", kind=BEHAVIOUR, gt=0.0, le=1000.0,
    )
    stakes_accountability: float = param(
        2.0, 1.0, 4.0, "multiplier", "How strongly money on the indicator makes people work (effort per unit stakes).",
        MULTITASK, "effort", kind=BEHAVIOUR, ge=0.0, le=100.0,
    )
    oversight_half_hours: float = param(
        2.0, 1.0, 6.0, "hours per week", "Dialogue hours a week at which the funder sees half of a provider's work.",
        f"judgement: {LOWE_PLIMMER}, 'Trust-based funding' (visits and stories show part of the work)",
        ("effort", "dialogue"), kind=BEHAVIOUR, gt=0.0, le=100.0,
    )
    seen_sanction: float = param(
        0.5, 0.2, 1.0, "share",
        "How far being seen by the funder makes a worker act as if shirking would cost them (1: as much as money on results).",
        f"{LE_GRAND}: knaves respond to consequences, not to being watched as such", "effort",
        kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    control_effect: float = param(
        0.5, 0.25, 0.75, "share", "Share of intrinsic motivation full control crowds out.", CROWDING,
        "motivation", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    autonomy_effect: float = param(
        0.15, 0.05, 0.3, "share", "Rise in motivation above baseline from full autonomy (crowding in).",
        CROWDING, "motivation", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    stakes_control: float = param(
        2.0, 1.0, 4.0, "multiplier", "How controlling money on the indicator feels (control per unit stakes).",
        CROWDING, "motivation", kind=BEHAVIOUR, ge=0.0, le=100.0,
    )


class Morale(Section):
    """How a worker's week feels, and so whether they stay (``motivation.reflect``)."""

    base: float = param(
        0.55, 0.45, 0.65, "morale (0 to 1)", "Morale of a week with no autonomy, paperwork, stakes or overload.",
        "judgement", "morale", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    autonomy: float = param(
        0.3, 0.15, 0.45, "morale per unit", "Morale from full discretion over practice.",
        f"{LOWE_PLIMMER}, 'Devolved power and decision making'", "morale", kind=BEHAVIOUR, ge=0.0, le=2.0,
    )
    admin: float = param(
        0.6, 0.3, 0.9, "morale per share", "Morale lost per share of the week spent on admin.",
        "Munro (2011): recording crowds out direct work and demoralises", "morale",
        kind=BEHAVIOUR, ge=0.0, le=3.0,
    )
    stakes: float = param(
        0.749, 0.4, 1.2, "morale per unit", "Morale lost per unit of target pressure.",
        f"{CROWDING}; {LOWE_PLIMMER}", "morale", kind=BEHAVIOUR, ge=0.0, le=3.0,
    )
    success: float = param(
        0.3, 0.15, 0.45, "morale per share", "Morale from seeing people do better (per share above half).",
        "judgement: seeing people do well keeps workers going", "morale", kind=BEHAVIOUR, ge=0.0, le=2.0,
    )
    overload: float = param(
        0.3, 0.15, 0.45, "morale per unit", "Morale lost per unit of caseload overload.", "judgement", "morale",
        kind=BEHAVIOUR, ge=0.0, le=2.0,
    )
    overload_start: float = param(
        0.9, 0.8, 1.0, "share of caseload", "Share of the largest caseload past which a worker feels overloaded.",
        "judgement", "morale", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    overload_scale: float = param(
        5.0, 2.5, 10.0, "multiplier", "How fast overload grows past its start (overload 0.5 at a full caseload).",
        "judgement", "morale", kind=BEHAVIOUR, ge=0.0, le=100.0,
    )
    rate: float = param(
        0.05, 0.025, 0.1, "per week", "Weekly speed at which morale moves toward how the week felt.",
        "judgement: morale follows weeks of experience", "morale", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    neutral_success: float = param(
        0.5, 0.4, 0.6, "share", "Share of one's caseload doing better that feels neither good nor bad.",
        "judgement", "morale", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )


class Providers(Section):
    """Provider organisations: how many, their management cultures and their money."""

    count: int = param(
        6, 3, 12, "providers", "Provider organisations at the start.", "judgement", "providers",
        kind=STRUCTURE, ge=1, le=1000,
    )
    pressure_mean: float = param(
        0.6, 0.4, 0.8, "pressure (0 to 1)", "How hard a typical provider's managers push the indicator.",
        "judgement", "gaming", kind=STRUCTURE, ge=0.0, le=1.0,
    )
    pressure_spread: float = param(
        0.3, 0.1, 0.4, "pressure (0 to 1)", "Spread between providers in how hard managers push the indicator.",
        "judgement", "gaming", kind=STRUCTURE, ge=0.0, le=1.0,
    )
    overdraft: float = param(
        0.0, 0.0, 8.0, "weeks of income", "Weeks of contract income a provider may borrow; 0 means never.",
        "judgement: small charities rarely borrow", "money", kind=RULE, ge=0.0, le=520.0,
    )
    entry: bool = param(
        True, None, None, "switch", "Under competition, whether new providers enter and copy the winners.",
        SELECTION, "tendering", kind=RULE,
    )
    start_cash_weeks: float = param(
        4.0, 2.0, 12.0, "weeks of income", "Reserves a provider starts with.", "judgement", "money",
        kind=STRUCTURE, ge=0.0, le=520.0,
    )
    wage_share: float = param(
        0.9, 0.8, 0.95, "share", "Share of expected income a provider plans to spend on front-line wages.",
        "judgement: overheads of about 10%", "staffing", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    staffing_floor: float = param(
        0.6, 0.4, 0.8, "share", "Share of planned staffing a provider with no mission keeps when unwatched.",
        f"{LE_GRAND}: trust can be abused where nobody looks", "staffing", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    results_expectation_start: float = param(
        0.8, 0.6, 0.9, "share", "Share of the results pot a provider expects to earn before any quarter.",
        "judgement", "staffing", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    results_expectation_rate: float = param(
        0.5, 0.25, 0.75, "share", "How far one quarter's results payment moves that expectation.",
        "judgement", "staffing", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    entrant_pressure_noise: float = param(
        0.05, 0.0, 0.1, "pressure (sd)", "How far an entrant's culture differs from the winner it copies.",
        SELECTION, "tendering", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    transfer_morale_loss: float = param(
        0.15, 0.05, 0.25, "morale (0 to 1)", "Morale a worker loses when transferred to a winning provider.",
        "judgement: TUPE transfers unsettle staff", "tendering", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )


# --- the regime's rules ----------------------------------------------------------------------
class Funding(Section):
    """How the commissioner pays: on a reported indicator, or on trust; what the contract specifies."""

    mode: Literal[FUNDING_MODES] = param(
        "target", None, None, "mode",
        "target: pay on a reported indicator; trust: core funding, accountability by dialogue.",
        LOWE_PLIMMER, "payments", kind=RULE,
    )
    budget: float = param(
        2_400_000.0, 1_800_000.0, 3_000_000.0, "pounds per year", "Commissioner's budget per year.",
        "judgement: wages for the workforce plus headroom", "payments", kind=STRUCTURE, gt=0.0, le=1e12,
    )
    pbr_share: float | None = param(
        None, 0.0, 1.0, "share", "Share of payment that depends on the reported indicator.",
        f"{WORK_PROGRAMME}; {LOWE_PLIMMER}", ("payments", "gaming"), kind=RULE, ge=0.0, le=1.0,
    )
    reporting_hours_per_case: float | None = param(
        None, 0.1, 1.0, "hours per case per week",
        "Worker hours per case per week the contract requires for reporting and monitoring returns.",
        "Munro (2011) on recording demands", "work", kind=RULE, ge=0.0, le=40.0,
    )
    dialogue_hours: float | None = param(
        None, 0.0, 6.0, "hours per provider per week",
        "Commissioner hours per provider per week in visits, stories and learning conversations.",
        f"{LOWE_PLIMMER}, 'Trust-based funding'", ("dialogue", "effort"), kind=RULE, ge=0.0, le=168.0,
    )
    specification: Literal[SPECIFICATIONS] | None = param(
        None, None, None, "mode",
        "prescribed: the contract specifies the packages of support; black-box: providers decide how to help.",
        f"{LOWE_PLIMMER}, Introduction (old-world contracts specify services and activities); "
        "Work Programme 'black box' delivery (DWP 2012; Rees, Whitworth and Carter 2014)",
        ("practice", "support"), kind=RULE,
    )
    tariff: Literal[TARIFFS] = param(
        "flat", None, None, "mode",
        "How a result is priced: flat (each success alike), differential (harder cases pay more, in "
        "tariff_groups bands of predicted success), or distance (pay for distance travelled, no threshold).",
        f"{WORK_PROGRAMME} (nine payment groups); Social Outcomes Partnership rate cards",
        ("payments", "gaming", "creaming"), kind=RULE,
    )
    tariff_groups: int = param(
        9, 3, 12, "bands", "Price bands of a differential tariff, by predicted chance of success.",
        f"{WORK_PROGRAMME} (nine payment groups)", ("payments", "creaming"), kind=RULE, ge=1, le=100,
    )


class Market(Section):
    """How contracts are let: competitive tendering, or one pooled alliance contract."""

    mode: Literal[MARKET_MODES] = param(
        "competition", None, None, "mode",
        "competition: re-tender to the best reported performer; alliance: one pooled contract.",
        LOWE_PLIMMER, "tendering", kind=RULE,
    )
    contract_weeks: int | None = param(
        None, 52, 260, "weeks", "Weeks between re-tenders (0 = never re-tendered).",
        "judgement: contracts of two to five years", "tendering", kind=RULE, ge=0, le=5200,
    )
    forum_weeks: int | None = param(
        None, 2, 13, "weeks", "Weeks between learning forums where providers share knowledge (0 = none).",
        f"{LOWE_PLIMMER}, Plymouth's alliance", "forum", kind=RULE, ge=0, le=520,
    )
    forum_hours: float | None = param(
        None, 1.0, 6.0, "hours", "Hours each worker spends at a learning forum.", "judgement", "forum",
        kind=RULE, ge=0.0, le=168.0,
    )
    open_books: bool | None = param(
        None, None, None, "switch",
        "Whether the contract requires providers to share their data and know-how at forums (open books).",
        f"{LOWE_PLIMMER}, alliance contracting ('keepers of secrets' otherwise)", "forum", kind=RULE,
    )
    referrals: bool | None = param(
        None, None, None, "switch", "Whether providers pass people to whichever provider fits them best.",
        f"{LOWE_PLIMMER}, Plymouth's alliance", "routing", kind=RULE,
    )
    pooled_results: bool | None = param(
        None, None, None, "switch", "Whether results payments are shared across providers (pooled risk).",
        f"{LOWE_PLIMMER}, alliance contracting", ("payments", "gaming"), kind=RULE,
    )
    catchments: bool = param(
        False, None, None, "switch",
        "True: each contact goes to a provider by contract share (a fixed catchment), whether or not it has room; "
        "false: to a provider with room.",
        "judgement: fixed catchments are a commissioning choice", "routing", kind=RULE,
    )
    price_weight: float = param(
        0.0, 0.0, 0.5, "share", "Weight a re-tender gives to the price bid, against reported performance.",
        "UK public procurement: tenders scored on the most economically advantageous mix of price and quality",
        "tendering", kind=RULE, ge=0.0, le=1.0,
    )


class Queue(Section):
    """Where demand comes from and how places are counted; the defaults are the full model.

    Setting all three makes the waiting list an M/M/s queue (scenarios/queue-docking.toml).
    """

    arrival_rate: float = param(
        0.0, None, None, "people per week",
        "0: people ask for help when their needs and trust lead them to; above 0: contacts arrive as a "
        "Poisson process at this rate, drawn at random from the community (for docking the queue).",
        "Erlang (1917); Kleinrock (1975)", ("help_seeking", "queue"), kind=STRUCTURE, ge=0.0, le=100_000.0,
    )
    mean_service_weeks: float = param(
        0.0, None, None, "weeks",
        "0: cases end by the workers' closure decisions; above 0: each case lasts an exponential time with "
        "this mean, whatever happens to the person (for docking the queue).",
        "Erlang (1917); Kleinrock (1975)", "closure", kind=STRUCTURE, ge=0.0, le=5200.0,
    )
    places: int = param(
        0, None, None, "places",
        "0: a provider's places are its workers' caseloads; above 0: this many places in all, one person "
        "each, whatever the workforce (for docking the queue).",
        "Erlang (1917); Kleinrock (1975)", "queue", kind=STRUCTURE, ge=0, le=1_000_000,
    )


class Referrals(Section):
    """How people are passed to the provider that fits them best (``routing.py``)."""

    noise: float = param(
        0.05, 0.0, 0.1, "belief units (sd)", "Noise in judging which provider fits a person best.", "judgement",
        "routing", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )


class Indicator(Section):
    """What the commissioner measures, how it can be moved, and how it is audited."""

    aligned: bool = param(
        False, None, None, "switch",
        "True: the indicator measures the true outcome itself; false: one need in one domain at case closure.",
        "Campbell (1979); Bevan and Hood (2006)", ("indicator", "gaming"), kind=RULE,
    )
    threshold: float = param(
        0.35, 0.25, 0.45, "need (0 to 1)", "A closed case counts as a success when the measured need is below this.",
        GAMING, ("indicator", "gaming", "closure"), kind=RULE, ge=0.0, le=1.0,
    )
    validity: float = param(
        0.3, 0.0, 1.0, "share", "How far what moves the indicator is what really helps (1 = a perfect proxy).",
        "Campbell (1979)", ("indicator", "learning"), kind=RULE, ge=0.0, le=1.0,
    )
    gaming_leverage: float = param(
        1.45, 0.5, 2.0, "multiplier",
        "How far an hour of indicator work moves the measured indicator (1 = the standard effect, 0 = not at all).",
        GAMING, "gaming", kind=BEHAVIOUR, ge=0.0, le=100.0,
    )
    reference_rate: float = param(
        0.6, 0.4, 0.8, "share", "Success rate that earns the full results payment.", WORK_PROGRAMME,
        "payments", kind=RULE, gt=0.0, le=1.0,
    )
    reference_distance: float = param(
        0.25, 0.15, 0.35, "need (0 to 1)",
        "Mean distance travelled on the measure (fall in measured need) that earns the full payment, under a distance tariff.",
        "judgement: outcome-star style distance-travelled measures", "payments", kind=RULE, gt=0.0, le=1.0,
    )
    audit_rate: float = param(
        0.05, 0.0, 0.5, "share", "Share of reported successes the commissioner checks.", GAMING, "audit",
        kind=RULE, ge=0.0, le=1.0,
    )
    audit_penalty: float = param(
        3.0, 1.0, 5.0, "multiple of earnings", "Results payments clawed back per misreport caught.", GAMING,
        "audit", kind=RULE, ge=0.0, le=1000.0,
    )
    max_recording_bias: float = param(
        0.08, 0.04, 0.16, "need (0 to 1)", "Most that recording can talk a measured need below the true one.",
        GAMING, "gaming", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    bias_per_gaming_hour: float = param(
        0.003, 0.0015, 0.006, "need per hour", "How far an hour of indicator work lowers a case's measured need.",
        GAMING, "gaming", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    appearance_bias_per_hour: float = param(
        0.01, 0.005, 0.02, "need per hour",
        "Recording bias from an hour of an approach that looks better on the form than it works.",
        "Campbell (1979)", "gaming", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    reclassification_detection: float = param(
        0.5, 0.25, 0.75, "share", "Share of checked reclassifications an audit spots (a judgement is hard to disprove).",
        GAMING, "audit", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )


class Eligibility(Section):
    """Who is accepted after assessment, and what assessment costs."""

    threshold: float = param(
        0.45, 0.35, 0.6, "need (0 to 1)", "Lowest assessed need a provider will accept; higher is tighter.",
        f"{LOWE_PLIMMER}, 'Cost savings'", "intake", kind=RULE, ge=0.0, le=1.0,
    )
    no_decline: bool = param(
        False, None, None, "switch",
        "True: providers must take every eligible referral (no creaming by refusal); false: they may decline.",
        f"{WORK_PROGRAMME} (referral was mandatory)", ("intake", "creaming"), kind=RULE,
    )
    assessment_hours: float = param(
        2.0, 1.0, 4.0, "hours", "Worker hours one assessment takes, whether or not the person is accepted.",
        SEDDON, ("intake", "work"), kind=RULE, ge=0.0, le=40.0,
    )
    assessment_noise: float = param(
        0.08, 0.04, 0.16, "need (sd)", "How noisy an assessment is: the sd of what the assessor sees of a need.",
        "judgement", "intake", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    max_wait_weeks: int = param(
        26, 13, 52, "weeks", "Weeks a person will wait before giving up.", "judgement", "queue",
        kind=BEHAVIOUR, ge=1, le=10_000,
    )


class Support(Section):
    """What an hour of support does (``support.py``)."""

    package_weeks: int = param(
        26, 13, 52, "weeks", "Length of a standard package of support.", "judgement: six-month packages",
        "closure", kind=RULE, ge=1, le=520,
    )
    max_hours_per_person: float = param(
        4.0, 2.0, 6.0, "hours per week", "Most hours of support one person can use in a week.", "judgement",
        "support", kind=BEHAVIOUR, gt=0.0, le=168.0,
    )
    discretionary_spend: float = param(
        15.0, 5.0, 30.0, "pounds per week",
        "Most a worker may spend on a person in a week where decisions are devolved.",
        f"{LOWE_PLIMMER}, 'Devolved power' (small, unspectacular purchases)", "support",
        kind=RULE, ge=0.0, le=100_000.0,
    )
    need_reduction_per_hour: float = param(
        0.0468, 0.025, 0.1, "need per hour", "Need reduced by one hour of fully effective, skilled, trusted support.",
        "judgement", "support", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    need_weight_floor: float = param(
        0.05, 0.0, 0.1, "need (0 to 1)", "Need added to everyone's when workers spread hours by need.",
        "judgement: even a low-need person gets some time", "support", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    goal_weight: float = param(
        0.719, 0.25, 1.0, "need units", "How much a person's goals draw a bespoke worker's hours.",
        f"{LOWE_PLIMMER}, 'what matters to me'", "support", kind=BEHAVIOUR, ge=0.0, le=10.0,
    )
    package_breadth: float = param(
        0.411, 0.0, 0.5, "share",
        "Share of a standard package's hours that reach the person's other needs, in proportion to them.",
        f"judgement: {LOWE_PLIMMER}, 'Bespoke by default', describes packages specified for the assessed "
        "need; keyworkers often help with more, so the range starts at none (the narrow end)",
        "support", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    craft_floor: float = param(
        0.406, 0.2, 0.6, "share", "Share of full effect bespoke work has with no relational skill.", "judgement",
        "support", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    skill_floor: float = param(
        0.4, 0.2, 0.6, "share", "Share of full effect an hour has with no domain skill.", "judgement",
        "support", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    relationship_floor: float = param(
        0.4, 0.2, 0.6, "share", "Share of full effect an hour has with no relationship.",
        "Cottam (2018): change happens through relationships", "support", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    entrenchment_drag: float = param(
        0.6, 0.4, 0.8, "share", "Share of an hour's effect fully entrenched needs cancel.",
        f"{LOWE_PLIMMER}, 'Cost savings'", "support", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    spend_effect: float = param(
        0.01, 0.005, 0.02, "need", "Fall in the worst need from a full week's discretionary spend.",
        "judgement: a bus pass removes a barrier", "support", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    spend_relationship: float = param(
        0.01, 0.005, 0.02, "share", "Share of the gap to a full relationship a full week's spend closes.",
        "judgement", "support", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    strengths_gain: float = param(
        0.004, 0.002, 0.008, "assets per hour", "Weekly rise in assets from an hour of strengths-based support.",
        f"{LOWE_PLIMMER}, 'Responding to strengths'", "assets", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    dependency_loss: float = param(
        0.00262, 0.001, 0.004, "assets per week", "Weekly fall in assets while in deficit-led support.",
        f"{LOWE_PLIMMER}, 'Responding to strengths' ('trapped in the system')", "assets",
        kind=BEHAVIOUR, ge=0.0, le=1.0,
    )


class Relationships(Section):
    """How a worker and a person come to know each other (``support.grow_relationships``)."""

    start: float = param(
        0.1, 0.05, 0.2, "relationship (0 to 1)", "Relationship at the first week of support.", "judgement",
        "relationships", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    understanding_start: float = param(
        0.1, 0.05, 0.2, "understanding (0 to 1)", "Worker's understanding of the person at the start.",
        "judgement", "relationships", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    growth: float = param(
        0.1, 0.05, 0.2, "per week", "Weekly share of the gap to a full relationship that continuity closes.",
        f"{LOWE_PLIMMER}, 'Responding with empathy'", "relationships", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    full_hours: float = param(
        1.5, 1.0, 3.0, "hours per week", "Weekly hours at which a relationship grows at its full rate.",
        "judgement", "relationships", kind=BEHAVIOUR, gt=0.0, le=168.0,
    )
    morale_floor: float = param(
        0.5, 0.25, 0.75, "share", "Share of the growth rate a demoralised worker still achieves.", "judgement",
        "relationships", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    skill_floor: float = param(
        0.5, 0.25, 0.75, "share", "Share of the growth rate a worker with no relational skill achieves.",
        "judgement", "relationships", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    understanding_rate: float = param(
        0.06, 0.03, 0.12, "per week", "Weekly share of the gap to full understanding a full relationship closes.",
        "judgement", "relationships", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    kept_at_handoff: float = param(
        0.3, 0.1, 0.5, "share", "Share of the relationship that survives a change of worker.",
        f"{LOWE_PLIMMER}, 'Responding with empathy'", "relationships", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    understanding_kept: float = param(
        0.5, 0.3, 0.7, "share", "Share of the understanding of the person that the case notes pass on.",
        "judgement", "relationships", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )


class Closure(Section):
    """When cases end (``closure.py``)."""

    goal_met: float = param(
        0.3, 0.2, 0.4, "need (0 to 1)", "Need below which a worker judges a goal met.", "judgement",
        "closure", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    high_need: float = param(
        0.5, 0.4, 0.6, "need (0 to 1)", "Need above which a worker judges a case unfinished.", "judgement",
        ("closure", "gaming"), kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    extension_cap: float = param(
        3.0, 2.0, 4.0, "packages", "Longest a worker with discretion extends a case, in package lengths.",
        "judgement", "closure", kind=BEHAVIOUR, ge=1.0, le=100.0,
    )
    dropout_relationship: float = param(
        0.2, 0.1, 0.3, "relationship (0 to 1)", "Relationship below which a person may drop out.", "judgement",
        "closure", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    dropout_after_weeks: int = param(
        8, 4, 12, "weeks", "Weeks of support before a poor relationship can lead to drop-out.", "judgement",
        "closure", kind=BEHAVIOUR, ge=0, le=520,
    )
    dropout_rate: float = param(
        0.03, 0.01, 0.06, "per week", "Weekly chance of dropping out with a poor relationship.", "judgement",
        "closure", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )


class Gaming(Section):
    """When gaming pays: the weights agents put on the indicator and on helping (``gaming.py``)."""

    mission_weight: float = param(
        0.15, 0.075, 0.3, "indicator units",
        "What helping one person is worth to a fully motivated decider, in units of expected indicator score.",
        f"{LE_GRAND}; {WORK_PROGRAMME}", "gaming", kind=BEHAVIOUR, ge=0.0, le=10.0,
    )
    next_case_value: float = param(
        0.5, 0.25, 0.75, "indicator units", "Worth of a free place for a new case likelier to score.",
        GAMING, "gaming", kind=BEHAVIOUR, ge=0.0, le=10.0,
    )
    honesty_cost: float = param(
        1.79, 0.5, 2.0, "indicator units per motivation", "Felt cost of recording a success one knows is false.",
        "judgement: most people will not lie outright", "gaming", kind=BEHAVIOUR, ge=0.0, le=100.0,
    )
    reclassification_cost: float = param(
        0.6, 0.3, 1.0, "indicator units per motivation", "Felt cost of recording a case under a need that flatters it.",
        "judgement: a greyer area than lying", "gaming", kind=BEHAVIOUR, ge=0.0, le=100.0,
    )
    parking_motivation_weight: float = param(
        1.97, 1.0, 4.0, "multiplier", "How strongly motivation holds hours to need against the indicator's pull.",
        WORK_PROGRAMME, "gaming", kind=BEHAVIOUR, ge=0.0, le=100.0,
    )
    threshold_stop_weight: float = param(
        4.25, 2.0, 8.0, "multiplier", "How much the work still to do weighs against stopping at the threshold.",
        GAMING, "gaming", kind=BEHAVIOUR, ge=0.0, le=100.0,
    )
    near_width: float = param(
        0.186, 0.075, 0.3, "need (0 to 1)", "How far above the threshold a case still draws indicator-minded hours.",
        GAMING, "gaming", kind=BEHAVIOUR, gt=0.0, le=1.0,
    )
    far_attention: float = param(
        0.05, 0.0, 0.1, "weight", "Indicator-minded attention left for a case already past the threshold.",
        "judgement", "gaming", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    chance_need_scale: float = param(
        0.8, 0.6, 1.0, "need (0 to 1)", "Primary need above the threshold at which a case looks hopeless.",
        WORK_PROGRAMME, "creaming", kind=BEHAVIOUR, gt=0.0, le=1.0,
    )
    chance_other_needs: float = param(
        0.12, 0.06, 0.24, "chance per need", "Chance of scoring a provider deducts per other high need.",
        WORK_PROGRAMME, "creaming", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    chance_entrenchment: float = param(
        0.3, 0.15, 0.45, "chance", "Chance of scoring a provider deducts for fully entrenched needs.",
        WORK_PROGRAMME, "creaming", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    chance_assets: float = param(
        0.2, 0.1, 0.3, "chance", "Chance of scoring a provider adds for full assets.", WORK_PROGRAMME,
        "creaming", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    typical_chance_start: float = param(
        0.5, 0.3, 0.7, "chance", "A provider's sense of the going rate of success before any assessment.",
        "judgement", "creaming", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    typical_chance_rate: float = param(
        0.1, 0.05, 0.2, "share", "How far each week's assessments move the sense of the going rate.",
        "judgement", "creaming", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )


class Practice(Section):
    """How far providers devolve decisions about support to their workers (``practice.py``)."""

    prescribed_discretion: float = param(
        0.158, 0.1, 0.3, "share", "Discretion workers keep when the contract prescribes the packages.",
        f"judgement: {LOWE_PLIMMER}, 'Bespoke by default' (workers bend packages a little)",
        "practice", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    max_discretion: float = param(
        0.8, 0.6, 0.95, "share", "Discretion a provider free to choose devolves when nothing pulls against it.",
        f"judgement: {LOWE_PLIMMER}, 'Devolved power and decision making' (within the bounds of safety and law)",
        "practice", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    control_pull: float = param(
        1.21, 0.0, 2.0, "multiplier",
        "How strongly money on a proxy indicator makes a free provider standardise practice (0: not at all).",
        "Lowe and Wilson (2017); Hood (2006): management by numbers tightens control of practice",
        "practice", kind=BEHAVIOUR, ge=0.0, le=100.0,
    )


class Candour(Section):
    """A provider's error culture: how much of its failures its staff admit and its managers see (``candour.py``)."""

    stakes_fear: float = param(
        2.0, 0.5, 4.0, "fear per unit stakes", "How strongly money riding on results makes failure something to hide.",
        "Edmondson (1999), psychological safety; Lowe and Plimmer (2019), 'Creating a learning culture'",
        "candour", kind=BEHAVIOUR, ge=0.0, le=100.0,
    )
    blame: float = param(
        2.0, 0.5, 4.0, "fear per share caught", "Fear from the share of a quarter's reports caught as false.",
        "Edmondson (1999); Munro (2011) on blame cultures", "candour", kind=BEHAVIOUR, ge=0.0, le=100.0,
    )
    blame_memory: float = param(
        0.9, 0.8, 0.95, "per quarter", "Share of last quarter's blame still felt this quarter.", "judgement",
        "candour", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    safety_floor: float = param(
        0.2, 0.1, 0.4, "share", "Candour of a fearless provider that has no trusting relationship with its funder.",
        "judgement", "candour", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    rate: float = param(
        0.05, 0.02, 0.1, "per week", "Weekly speed at which an error culture moves toward what stakes and trust make it.",
        "judgement: cultures change over months", "candour", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    start: float = param(
        0.5, 0.3, 0.7, "share", "A provider's candour at the start.", "judgement", "candour",
        kind=BEHAVIOUR, ge=0.0, le=1.0,
    )


class Forum(Section):
    """What providers take from, and give to, a learning forum (``learning.pool_knowledge``)."""

    uptake: float = param(
        0.8, 0.4, 1.0, "share", "How far a forum moves a member's beliefs toward the evidence shared there.",
        f"judgement: {LOWE_PLIMMER}, Plymouth's alliance", "forum", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    guardedness: float = param(
        0.8, 0.4, 1.0, "share",
        "How much of what it knows a provider without open books holds back from rivals it will tender against.",
        f"{LOWE_PLIMMER} ('keepers of secrets'); {SELECTION}", "forum", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )


class Dialogue(Section):
    """What dialogue costs and lets the commissioner see (``dialogue.py``)."""

    cases_seen_per_hour: float = param(
        0.5, 0.25, 1.0, "cases per hour", "Cases a commissioner sees through one hour of dialogue.",
        f"{LOWE_PLIMMER}, 'Trust-based funding' (stories and visits)", "dialogue", kind=BEHAVIOUR, ge=0.0, le=100.0,
    )
    provider_hours: float = param(
        1.0, 0.5, 2.0, "hours per hour", "Provider staff hours each hour of dialogue takes (preparing, meeting, showing).",
        f"{LOWE_PLIMMER}, 'Trust-based funding' (accountability is work on both sides)", ("dialogue", "work"),
        kind=BEHAVIOUR, ge=0.0, le=100.0,
    )
    presentation: float = param(
        1.0, 0.0, 3.0, "multiplier",
        "How far a provider with no candour tilts what the funder sees toward its successes (0: not at all).",
        "judgement: a provider chooses which stories and cases to show", "dialogue", kind=BEHAVIOUR, ge=0.0, le=100.0,
    )
    distrust_focus: float = param(
        1.0, 0.0, 3.0, "multiplier", "How much more of its dialogue time the funder gives a provider it does not trust.",
        "judgement", "dialogue", kind=BEHAVIOUR, ge=0.0, le=100.0,
    )


class Commissioner(Section):
    """The commissioner's own time and its trust in providers (``agents/commissioner.py``)."""

    audit_hours_per_check: float = param(
        2.0, 1.0, 4.0, "hours", "Commissioner hours to check one reported success.", "judgement", "audit",
        kind=STRUCTURE, ge=0.0, le=168.0,
    )
    trust_start: float = param(
        0.5, 0.3, 0.7, "trust (0 to 1)", "The commissioner's trust in a provider before any experience.",
        "judgement", "commissioning", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    trust_rate: float = param(
        0.3, 0.15, 0.6, "per quarter",
        "How far one quarter's checks (audit and dialogue) move the commissioner's trust toward what they found.",
        "judgement", "commissioning", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    audit_response: float = param(
        2.0, 0.0, 4.0, "multiplier", "How much more than the contract's rate the commissioner audits a provider it has come to trust less (0: not at all).",
        "judgement: risk-based audit", ("audit", "commissioning"), kind=BEHAVIOUR, ge=0.0, le=100.0,
    )


class Tendering(Section):
    """How a re-tender moves contracts (``contracts.py``)."""

    selection_strength: float = param(
        0.6, 0.3, 1.2, "log share per sd", "How strongly a re-tender moves contract shares toward the best scores.",
        SELECTION, "tendering", kind=RULE, ge=0.0, le=100.0,
    )
    exit_share: float = param(
        0.25, 0.1, 0.4, "share of an equal share", "Contract share below which a provider loses it and leaves.",
        SELECTION, "tendering", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    score_spread_floor: float = param(
        0.05, 0.025, 0.1, "score", "Least spread of bid scores a tender treats as meaningful.", "judgement",
        "tendering", kind=RULE, gt=0.0, le=1.0,
    )
    caught_score_penalty: float = param(
        0.05, 0.0, 0.1, "score per misreport", "Bid score deducted per misreport caught.", GAMING, "tendering",
        kind=RULE, ge=0.0, le=1.0,
    )
    max_discount: float = param(
        0.2, 0.1, 0.3, "share", "Largest cut on the contract price a provider with no mission bids when price counts fully.",
        "judgement: keen pricing and the race to the bottom in care tendering", "tendering",
        kind=BEHAVIOUR, ge=0.0, le=0.9,
    )


class Context(Section):
    """What works: the true effectiveness of each approach, and how it changes (``learning.Context``)."""

    approaches: int = param(
        4, 3, 6, "approaches", "Ways of working a provider can choose between for a need.", "judgement",
        "context", kind=STRUCTURE, ge=2, le=12,
    )
    drift: float = param(
        0.01, 0.005, 0.02, "effectiveness (sd) per week", "Weekly change in how well each approach works for each need.",
        f"{LOWE_PLIMMER}, 'The role of complexity'", "context", kind=STRUCTURE, ge=0.0, le=1.0,
    )
    shock_weeks: list[Annotated[int, Field(ge=0)]] = param(
        lambda: [52, 156], None, None, "weeks", "Weeks (after burn-in) at which what works changes suddenly.",
        "judgement: a policy change or a recession", "context", kind=STRUCTURE,
    )
    shock_size: float = param(
        0.7, 0.4, 0.9, "share", "Share of the effectiveness table redrawn at a shock.", "judgement", "context",
        kind=STRUCTURE, ge=0.0, le=1.0,
    )
    effectiveness_low: float = param(
        0.15, 0.05, 0.3, "effectiveness", "Least effectiveness an approach is drawn with.", "judgement", "context",
        kind=STRUCTURE, ge=0.0, lt=1.0,
    )
    effectiveness_floor: float = param(
        0.05, 0.0, 0.1, "effectiveness", "Least effectiveness drift can take an approach to.", "judgement",
        "context", kind=STRUCTURE, ge=0.0, lt=1.0,
    )


class Learning(Section):
    """How providers and workers learn what works (``learning.py``)."""

    belief_rate: float = param(
        0.08, 0.04, 0.16, "share", "How far one observation moves a provider's belief.", "judgement", "learning",
        kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    practice_saturation_hours: float = param(
        10.0, 5.0, 20.0, "hours", "Practice hours in a week at which an observation counts about two-thirds.",
        "judgement", "learning", kind=BEHAVIOUR, gt=0.0, le=1000.0,
    )
    signal_noise: float = param(
        0.25, 0.1, 0.4, "effectiveness (sd)", "Noise in what a week of practice shows about an approach.",
        "judgement", "learning", kind=BEHAVIOUR, ge=0.0, le=10.0,
    )
    evidence_retention: float = param(
        0.987, 0.974, 0.993, "per week", "Share of old evidence kept each week (0.987: a half-life of about a year).",
        "judgement", "forum", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    prior_low: float = param(
        0.3, 0.2, 0.4, "effectiveness", "Lowest starting belief about an approach.", "judgement", "learning",
        kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    prior_high: float = param(
        0.8, 0.7, 0.9, "effectiveness", "Highest starting belief about an approach.", "judgement", "learning",
        kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    skill_rate: float = param(
        0.002, 0.001, 0.004, "per hour", "Weekly gain in a worker's skill per hour of practice in a domain.",
        "judgement", "learning", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    practice_rate: float = param(
        0.001, 0.0005, 0.002, "per hour", "Gain in a worker's skill at bespoke, relational practice per hour of it.",
        "judgement", "learning", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )
    exploration: float = param(
        0.1, 0.05, 0.2, "share", "Share of cases where a provider tries an approach other than its best guess.",
        "judgement", "learning", kind=BEHAVIOUR, ge=0.0, le=1.0,
    )


class Costs(Section):
    """What the public purse pays besides the contracts."""

    crisis: float = param(
        1800.0, 900.0, 3600.0, "pounds", "Cost to other public services of one crisis (A&E, police, eviction).",
        "judgement: the order of a few A&E attendances, police call-outs or an eviction", "crisis", kind=STRUCTURE,
        gt=0.0, le=1e9,
    )
    entrenchment_multiplier: float = param(
        2.0, 1.0, 4.0, "multiplier", "How much more a crisis costs when needs are fully entrenched.",
        f"{LOWE_PLIMMER}, 'Cost savings'", "crisis", kind=STRUCTURE, ge=0.0, le=100.0,
    )
    commissioner_hour: float = param(
        45.0, 30.0, 60.0, "pounds per hour", "Cost of an hour of commissioner time (dialogue, audit).",
        "judgement: a local-authority officer's hourly cost", ("dialogue", "audit"), kind=STRUCTURE,
        ge=0.0, le=1e6,
    )
