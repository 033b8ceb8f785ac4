"""The run's summary measures in plain words: a name, a unit, which way is better, and what it means.

The keys are the model's (``hls_sim.SUMMARY_KEYS``, defined in docs/ODD.md
section 8.2); this module only says how a commissioner reads them. A measure
the model adds later without an entry here is still shown, under its own name
with no verdict, so the page never hides a number.

Units decide how a value is written (``written``): shares as whole percentages,
money in pounds with the sign in front (−£11,036,155, never £-11,036,155),
counts as whole numbers, scores (0 to 1) out of 100.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Unit = Literal[
    "share", "points", "score", "money", "count", "hours", "weeks", "per-year", "ratio", "index", "rate"
]
Better = Literal["higher", "lower"] | None


@dataclass(frozen=True)
class Measure:
    key: str
    name: str
    unit: Unit
    better: Better
    meaning: str


_MEASURES = (
    Measure(
        "wellbeing_mean",
        "Wellbeing of the average person",
        "score",
        "higher",
        "A score out of 100 made of a person's needs (those that matter to them count double) and strengths.",
    ),
    Measure(
        "goals_met_share",
        "Personal goals met",
        "share",
        "higher",
        "Of the things that matter most to each person, the share where their need is now low.",
    ),
    Measure(
        "wellbeing_hardest_fifth",
        "Wellbeing of the hardest-to-help fifth",
        "score",
        "higher",
        "The wellbeing score of the fifth of people most vulnerable to begin with.",
    ),
    Measure(
        "indicator_reported",
        "Success rate reported to the funder",
        "share",
        None,
        "Closed cases reported as a success: what the funder sees and, under targets, pays for.",
    ),
    Measure(
        "gaming_gap",
        "Reported success above the real rate",
        "points",
        "lower",
        "Reported success rate minus the real one, in percentage points: how far the number flatters.",
    ),
    Measure(
        "gaming_hours_share",
        "Worker time spent moving the number",
        "share",
        "lower",
        "Share of paid hours spent on making the indicator look better rather than helping (gaming).",
    ),
    Measure(
        "creaming_index",
        "Creaming: hardest-to-help taken on less often",
        "points",
        "lower",
        "How much less often the hardest-to-help fifth of eligible people were accepted than the rest.",
    ),
    Measure(
        "parking_index",
        "Parking: hardest-to-help given fewer hours",
        "share",
        "lower",
        "How many fewer support hours the hardest-to-help got than the rest (negative: more).",
    ),
    Measure(
        "turnaway_count",
        "People turned away",
        "count",
        "lower",
        "Refusals after assessment over the run, including people refused because they were hard to help.",
    ),
    Measure(
        "assessment_hours",
        "Hours spent on assessments",
        "hours",
        "lower",
        "Worker hours spent assessing people, whether or not they were taken on.",
    ),
    Measure(
        "failure_demand_share",
        "Failure demand",
        "share",
        "lower",
        "Share of contacts caused by an earlier failure to help: people coming back, worse.",
    ),
    Measure(
        "entrenchment_cost",
        "Cost of crises to other services",
        "money",
        "lower",
        "What crises (A&E, police, eviction) cost other public services over the run.",
    ),
    Measure(
        "turnaway_cost",
        "Cost of turning people away",
        "money",
        "lower",
        "Wasted assessment time plus the crises of people turned away, over the run.",
    ),
    Measure(
        "knowledge_error",
        "How wrong providers are about what works",
        "index",
        "lower",
        "Average gap between what providers believe works and what really works (0 = they know).",
    ),
    Measure(
        "learning_rate",
        "Learning: error removed each quarter",
        "share",
        "higher",
        "Share of providers' knowledge error removed per quarter after a start or a shock.",
    ),
    Measure(
        "total_cost",
        "Total cost to the public purse",
        "money",
        "lower",
        "Paid to providers, plus the funder's own time, plus the cost of crises, over the run.",
    ),
    Measure(
        "cost_per_wellbeing",
        "Cost per point of wellbeing gained",
        "money",
        "lower",
        "Total cost divided by the wellbeing (out of 100) people gained while supported.",
    ),
    Measure(
        "morale_mean", "Worker morale", "score", "higher", "How workers feel about their work, out of 100."
    ),
    Measure(
        "turnover_rate",
        "Workers leaving each year",
        "per-year",
        "lower",
        "Leavers and lay-offs a year, as a share of the workforce (over 100%: more than a full turnover).",
    ),
    Measure(
        "handoffs_per_person",
        "Hand-offs per person supported",
        "rate",
        "lower",
        "How often a person was passed to a new worker because theirs left.",
    ),
    Measure(
        "indicator_true",
        "Real success rate of closed cases",
        "share",
        "higher",
        "Closed cases that really were a success, whatever was reported.",
    ),
    Measure(
        "unmet_need",
        "People with a high need and no support",
        "share",
        "lower",
        "Share of residents with a high need who are not being supported (waiting counts as unmet).",
    ),
    Measure(
        "misreports_caught",
        "Misreports caught by audit",
        "count",
        None,
        "Failures reported as successes that the funder's checks found.",
    ),
    Measure(
        "misreports_uncaught",
        "Misreports never caught",
        "count",
        "lower",
        "Failures reported as successes that no check found.",
    ),
    Measure(
        "reclassifications_caught",
        "Reclassified cases caught by audit",
        "count",
        None,
        "Cases recorded against an easier need, found by the funder's checks.",
    ),
    Measure(
        "bunching",
        "Bunching just inside the target line",
        "ratio",
        "lower",
        "Cases closed just inside the success line for each one just outside (1 to 1 = no bunching).",
    ),
    Measure(
        "admin_share",
        "Worker time on admin and reporting",
        "share",
        "lower",
        "Share of paid hours spent on admin and reporting returns.",
    ),
    Measure(
        "regret",
        "Regret",
        "index",
        "lower",
        "Outcome lost because providers used an approach that was not the best one (0 = none lost).",
    ),
    Measure(
        "recovery_weeks",
        "Weeks to recover after a shock",
        "weeks",
        "lower",
        "Weeks until providers' knowledge is back to where it was before what works changed.",
    ),
    Measure(
        "knowledge_shared",
        "Knowledge shared at forums",
        "index",
        None,
        "How far providers' beliefs moved at learning forums, added up over the run.",
    ),
    Measure(
        "commissioner_outlay",
        "Paid to providers",
        "money",
        None,
        "What the funder paid providers over the run.",
    ),
    Measure(
        "commissioning_cost",
        "Cost of the funder's own time",
        "money",
        None,
        "The funder's hours in dialogue and audit, costed.",
    ),
    Measure("crises", "Crises", "count", "lower", "Crises over the run (A&E visits, arrests, evictions)."),
    Measure(
        "wait_weeks_mean", "Average wait", "weeks", "lower", "Average length of a wait for support, in weeks."
    ),
    Measure(
        "waiting_mean", "People waiting", "count", "lower", "People on waiting lists in an average week."
    ),
    Measure(
        "queue_entries_per_week",
        "People joining waiting lists a week",
        "rate",
        None,
        "New entries to waiting lists in an average week.",
    ),
    Measure(
        "trust_in_services",
        "People's trust in services",
        "score",
        "higher",
        "How far people trust services to help, out of 100; low trust delays asking for help.",
    ),
    Measure(
        "trust_between_actors",
        "Funder's checks that held up",
        "share",
        "higher",
        "Of the cases the funder checked (audit or conversation), the share whose report was true.",
    ),
    Measure(
        "providers_active",
        "Providers still in contract",
        "count",
        None,
        "Providers holding a contract at the end.",
    ),
    Measure(
        "utilisation",
        "Places in use",
        "share",
        None,
        "Time-average share of support places (workers times caseload) in use; 100% means rationing.",
    ),
    Measure(
        "spare_hours_share",
        "Paid hours nobody could use",
        "share",
        None,
        "Share of paid hours offered as support that no one could take up: places to spare.",
    ),
    Measure(
        "queue_length_mean",
        "People waiting (time average)",
        "count",
        "lower",
        "People on waiting lists at an average moment, counting those who later gave up.",
    ),
    Measure(
        "gave_up_count",
        "People who gave up waiting",
        "count",
        "lower",
        "People who left a waiting list before their support began.",
    ),
    Measure(
        "discretion_mean",
        "Workers' freedom to shape support",
        "share",
        None,
        "How far providers let workers fit support to the person rather than a set package.",
    ),
    Measure(
        "candour_mean",
        "Providers' candour about failure",
        "share",
        "higher",
        "How openly providers report what did not work, given what is at stake and how they are treated.",
    ),
    Measure(
        "wellbeing_drift",
        "Drift in wellbeing across the run",
        "points",
        None,
        "Average wellbeing in the last weeks minus the first: near 0 means the run has settled.",
    ),
    Measure(
        "bunching_share",
        "Closures bunched just inside the line",
        "share",
        "lower",
        "Share of closures just inside the success line.",
    ),
)
MEASURES: dict[str, Measure] = {measure.key: measure for measure in _MEASURES}
# A difference smaller than this is "no difference" when counting which side did better in a seed.
TIES: dict[Unit, float] = {
    "share": 0.005,
    "points": 0.005,
    "score": 0.005,
    "per-year": 0.005,
    "count": 0.5,
    "hours": 0.5,
    "weeks": 0.05,
    "rate": 0.005,
    "ratio": 0.01,
    "index": 0.001,
}
MONEY_TIE = 0.005  # money: half a per cent of the larger amount


def measure(key: str) -> Measure:
    """The measure of ``key``; a key without an entry gets its own name, a plain number and no verdict."""
    if key in MEASURES:
        return MEASURES[key]
    return Measure(key, key.replace("_", " ").capitalize(), "index", None, "")


def _sign(value: float) -> str:
    return "−" if value < 0 else ""


def written(key: str, value: float, short: bool = False) -> str:
    """A measure's value as a reader would write it: 52%, 38 of 100, −£11,036,155, 3,040.

    ``short`` writes large amounts of money in thousands or millions (£12.6m).
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    unit = measure(key).unit
    if unit in ("share", "per-year"):
        text = f"{_sign(value)}{abs(value) * 100:.0f}%"
        return text + (" a year" if unit == "per-year" and not short else "")
    if unit == "points":
        return f"{_sign(value)}{round(abs(value) * 100)}" if short else f"{_sign(value)}{points(value)}"
    if unit == "score":
        return f"{value * 100:.0f}" if short else f"{value * 100:.0f} of 100"
    if unit == "money":
        return money(value, short)
    if unit in ("count", "hours"):
        return f"{_sign(value)}{abs(value):,.0f}" + (" hours" if unit == "hours" and not short else "")
    if unit == "weeks":
        return f"{value:,.1f} weeks"
    if unit == "ratio":
        return f"{1 + value:.1f} to 1"
    return f"{_sign(value)}{abs(value):.2f}"


def money(value: float, short: bool = False) -> str:
    """Pounds with the sign in front; ``short``: £12.6m, £840k."""
    if not math.isfinite(value):
        return "n/a"
    size = abs(value)
    if short and size >= 1e6:
        return f"{_sign(value)}£{size / 1e6:.1f}m"
    if short and size >= 1e4:
        return f"{_sign(value)}£{size / 1e3:.0f}k"
    return f"{_sign(value)}£{size:,.0f}"


def points(value: float) -> str:
    """A difference of shares in percentage points, without its sign: "1 point", "12 points"."""
    size = round(abs(value) * 100)
    return f"{size} point" if size == 1 else f"{size} points"


def _signed(value: float, size: str) -> str:
    return f"{'+' if value >= 0 else '−'}{size}"


def difference(key: str, value: float) -> str:
    """A difference between two sides in the measure's own terms: +12 points, £1.2m less, 340 more."""
    return difference_range(key, value, value)


def difference_range(key: str, low: float, high: float) -> str:
    """A range of differences written once with its unit: "+12 to +18 points", "£1.0m to £2.4m less"."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "n/a"
    unit = measure(key).unit
    same = math.isclose(low, high)
    if unit == "money":
        words = ("more", "less")
        if (low >= 0) == (high >= 0):
            word = words[0] if low >= 0 else words[1]
            ends = sorted((abs(low), abs(high)))
            sizes = (
                money(ends[0], short=True)
                if same
                else f"{money(ends[0], short=True)} to {money(ends[1], short=True)}"
            )
            return f"{sizes} {word}"
        return f"{money(abs(low), short=True)} less to {money(high, short=True)} more"
    if unit in ("count", "hours"):
        size = lambda value: f"{abs(value):,.0f}"  # noqa: E731
        suffix = ""
    elif unit == "weeks":
        size = lambda value: f"{abs(value):,.1f}"  # noqa: E731
        suffix = " weeks"
    elif unit in ("share", "points", "per-year"):
        size = lambda value: f"{round(abs(value) * 100)}"  # noqa: E731
        suffix = " point" if same and round(abs(low) * 100) == 1 else " points"
    elif unit == "score":
        size = lambda value: f"{abs(value) * 100:.0f}"  # noqa: E731
        suffix = " (out of 100)"
    else:
        size = lambda value: f"{abs(value):.2f}"  # noqa: E731
        suffix = ""
    if same:
        return _signed(low, size(low)) + suffix
    return f"{_signed(low, size(low))} to {_signed(high, size(high))}{suffix}"


def tie(key: str, a: float, b: float) -> float:
    """The smallest difference between ``a`` and ``b`` that counts as a difference for this measure."""
    unit = measure(key).unit
    if unit == "money":
        return MONEY_TIE * max(abs(a), abs(b))
    return TIES.get(unit, 0.0)


def better_side(key: str, a: float, b: float) -> str | None:
    """``"A"``, ``"B"`` or ``None`` (no verdict, no real difference, or a value missing)."""
    direction = measure(key).better
    if direction is None or not (math.isfinite(a) and math.isfinite(b)) or abs(b - a) <= tie(key, a, b):
        return None
    b_higher = b > a
    return "B" if b_higher == (direction == "higher") else "A"


def direction_words(key: str) -> str:
    better = measure(key).better
    return {"higher": "higher is better", "lower": "lower is better"}.get(better or "", "neither is better")
