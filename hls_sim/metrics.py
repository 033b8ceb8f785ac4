"""Metrics: what every run reports, per week and as a summary (DESIGN section 7).

Metrics only observe: nothing here changes the model. Each metric is defined
in docs/ODD.md ("Observation"). The summary keys in ``CONTRACT_KEYS`` are a
public contract used by the CLI, the experiment runner and the dashboard.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hls_sim.agents.person import GOAL_MET, HIGH_NEED, SUPPORTED, WAITING
from hls_sim.agents.provider import share_weighted

if TYPE_CHECKING:
    from hls_sim.model import SupportSystemModel

CONTRACT_KEYS = (
    "wellbeing_mean",
    "goals_met_share",
    "wellbeing_hardest_fifth",
    "indicator_reported",
    "gaming_gap",
    "gaming_hours_share",
    "creaming_index",
    "parking_index",
    "turnaway_count",
    "assessment_hours",
    "failure_demand_share",
    "entrenchment_cost",
    "turnaway_cost",
    "knowledge_error",
    "learning_rate",
    "total_cost",
    "cost_per_wellbeing",
    "morale_mean",
    "turnover_rate",
    "handoffs_per_person",
)
EXTRA_KEYS = (
    "indicator_true",
    "unmet_need",
    "misreports_caught",
    "misreports_uncaught",
    "reclassifications_caught",
    "bunching",
    "admin_share",
    "regret",
    "recovery_weeks",
    "knowledge_shared",
    "commissioner_outlay",
    "commissioning_cost",
    "crises",
    "wait_weeks_mean",
    "waiting_mean",
    "queue_entries_per_week",
    "trust_in_services",
    "trust_between_actors",
    "providers_active",
)
SUMMARY_KEYS = CONTRACT_KEYS + EXTRA_KEYS
# Columns of the weekly table, in order (see ``weekly_metrics``).
WEEKLY_COLUMNS = (
    "week",
    "regime",
    "wellbeing_mean",
    "goals_met_share",
    "wellbeing_hardest_fifth",
    "unmet_need",
    "indicator_reported",
    "indicator_true",
    "gaming_gap",
    "gaming_hours_share",
    "admin_share",
    "contacts",
    "turnaways",
    "failure_demand_share",
    "assessment_hours",
    "waiting",
    "supported",
    "crises",
    "entrenchment_cost",
    "commissioner_outlay",
    "total_cost",
    "morale_mean",
    "motivation_mean",
    "workers",
    "leavers",
    "handoffs",
    "knowledge_error",
    "regret",
    "trust_in_services",
    "trust_between_actors",
    "providers_active",
    "population",
)

# Vulnerability is standard normal for everyone who arrives: its top fifth starts here
# (scipy.stats.norm.ppf(0.8)), so "the hardest-to-help fifth" is a fixed group of people.
HARDEST_FIFTH_VULNERABILITY = 0.8416212335729143
# Weeks over which the reported and true indicator are read each week (one quarter).
INDICATOR_WINDOW = 13
# How worker hours are spent: the parts of ``Worker.split``, with support hours nobody could
# use (light caseloads) moved to "spare" (see ``SupportSystemModel.support_and_learn``).
HOUR_PARTS = ("support", "admin", "assessment", "forum", "gaming", "slack", "spare")
# What the public purse pays: the contracts, the commissioner's own time, and crises elsewhere.
COST_PARTS = ("outlay", "commissioning_cost", "entrenchment_cost")
# Width of the band either side of the threshold used to measure bunching.
BUNCHING_BAND = 0.05


@dataclass
class RunRecords:
    """Raw observations gathered during the recorded weeks."""

    eligible_difficulty: list[float] = field(default_factory=list)
    eligible_accepted: list[bool] = field(default_factory=list)
    closure_measured: list[float] = field(default_factory=list)
    closure_reported: list[bool] = field(default_factory=list)
    closure_true: list[bool] = field(default_factory=list)
    wellbeing_gain: float = 0.0
    waits: list[float] = field(default_factory=list)
    quarters: list[Any] = field(default_factory=list)
    shocks: list[int] = field(default_factory=list)
    hard_hours: float = 0.0
    hard_weeks: int = 0
    other_hours: float = 0.0
    other_weeks: int = 0
    ever_supported: set[int] = field(default_factory=set)
    weekly_closures: deque = field(default_factory=lambda: deque(maxlen=INDICATOR_WINDOW))
    last_counters: dict[str, float] = field(default_factory=dict)
    closures_at_last_week: int = 0

    def start(self, model: SupportSystemModel) -> None:
        self.last_counters = dict(model.counters)

    def note_assessments(self, model: SupportSystemModel, rows: np.ndarray, accepted: np.ndarray) -> None:
        if model.week < 0:
            return
        self.eligible_difficulty.extend(model.people.difficulty(rows).tolist())
        self.eligible_accepted.extend(accepted.tolist())

    def note_support(self, model: SupportSystemModel, rows: np.ndarray, hours: np.ndarray) -> None:
        if model.week < 0:
            return
        self.ever_supported.update(rows.tolist())
        difficulty = model.people.difficulty(rows)
        hard = difficulty >= np.quantile(difficulty, 0.8)
        self.hard_hours += float(hours[hard].sum())
        self.hard_weeks += int(hard.sum())
        self.other_hours += float(hours[~hard].sum())
        self.other_weeks += int((~hard).sum())

    def note_closures(
        self,
        model: SupportSystemModel,
        rows: np.ndarray,
        measured: np.ndarray,
        reported: np.ndarray,
        true: np.ndarray,
    ) -> None:
        if model.week < 0:
            return
        people = model.people
        self.wellbeing_gain += float((people.wellbeing(rows) - people.start_wellbeing[rows]).sum())
        self.closure_measured.extend(measured.tolist())
        self.closure_reported.extend(reported.tolist())
        self.closure_true.extend(true.tolist())


def _delta(model: SupportSystemModel, key: str) -> float:
    return model.counters.get(key, 0.0) - model.records.last_counters.get(key, 0.0)


def weekly_metrics(model: SupportSystemModel) -> dict[str, float]:
    """This week's metrics (one row of the weekly table)."""
    people, records = model.people, model.records
    present = people.present()
    needs = people.needs[present]
    wellbeing = people.wellbeing(present)
    hardest = people.vulnerability[present] >= HARDEST_FIFTH_VULNERABILITY
    goals = people.goals[present]
    goals_met = ((needs < GOAL_MET) & goals).sum(axis=1) / goals.sum(axis=1)
    high = needs.max(axis=1) > HIGH_NEED
    supported = people.status[present] == SUPPORTED

    closures_now = len(records.closure_reported) - records.closures_at_last_week
    start = len(records.closure_reported) - closures_now
    records.weekly_closures.append(
        (sum(records.closure_reported[start:]), sum(records.closure_true[start:]), closures_now)
    )
    reported, true, closed = (sum(part) for part in zip(*records.weekly_closures, strict=True))
    indicator_reported = reported / closed if closed else float("nan")
    indicator_true = true / closed if closed else float("nan")

    hours = {part: _delta(model, f"hours_{part}") for part in HOUR_PARTS}
    paid = sum(hours.values())
    contacts = _delta(model, "contacts")
    workers = [w for p in model.active_providers() for w in p.workers]
    row = {
        "week": model.week,
        "regime": model.regime.name,
        "wellbeing_mean": float(wellbeing.mean()),
        "goals_met_share": float(goals_met.mean()),
        "wellbeing_hardest_fifth": float(wellbeing[hardest].mean()),
        "unmet_need": float((high & ~supported).mean()),
        "indicator_reported": indicator_reported,
        "indicator_true": indicator_true,
        "gaming_gap": indicator_reported - indicator_true,
        "gaming_hours_share": hours["gaming"] / paid if paid else 0.0,
        "admin_share": hours["admin"] / paid if paid else 0.0,
        "contacts": contacts,
        "turnaways": _delta(model, "turnaways"),
        "failure_demand_share": _delta(model, "failure_demand") / contacts if contacts else 0.0,
        "assessment_hours": _delta(model, "assessment_hours"),
        "waiting": float((people.status[present] == WAITING).sum()),
        "supported": float(supported.sum()),
        "crises": _delta(model, "crises"),
        "entrenchment_cost": _delta(model, "entrenchment_cost"),
        "commissioner_outlay": _delta(model, "outlay"),
        "total_cost": sum(_delta(model, part) for part in COST_PARTS),
        "morale_mean": float(np.mean([w.morale for w in workers])) if workers else float("nan"),
        "motivation_mean": float(np.mean([w.motivation for w in workers])) if workers else float("nan"),
        "workers": float(len(workers)),
        "leavers": _delta(model, "leavers"),
        "handoffs": _delta(model, "handoffs"),
        "knowledge_error": share_weighted(model.provider_list, lambda p: p.knowledge.error(model.context)),
        "regret": share_weighted(model.provider_list, lambda p: p.knowledge.regret(model.context)),
        "trust_in_services": float(people.trust[present].mean()),
        "trust_between_actors": model.commissioner.mean_trust(model.active_providers()),
        "providers_active": float(model.active_provider_count()),
        "population": float(len(present)),
    }
    records.last_counters = dict(model.counters)
    records.closures_at_last_week = len(records.closure_reported)
    return row


def fixed_by_construction(metric: str, scenario: Any) -> str | None:
    """Why ``metric`` cannot vary across runs of ``scenario``, or ``None`` if it can.

    A claim about such a metric would be true (or false) by construction, not
    by evidence, so the experiment runner refuses it. ``scenario`` is a
    validated ``Scenario``.
    """
    indicator = scenario.indicator
    if metric in ("gaming_gap", "misreports_uncaught") and indicator.aligned and indicator.audit_rate >= 1.0:
        return (
            "the indicator measures the true outcome (indicator.aligned = true) and every reported "
            "success is audited (indicator.audit_rate = 1), so reported and true results are the same "
            "in every run"
        )
    return None


def weekly_reporters() -> dict[str, Any]:
    """DataCollector reporters: each reads this week's already computed metric."""
    return {name: _reporter(name) for name in WEEKLY_COLUMNS}


def _reporter(name: str):
    def read(model: SupportSystemModel) -> Any:
        return model.latest[name]

    read.__name__ = f"read_{name}"
    return read


def weekly_table(model: SupportSystemModel) -> pd.DataFrame:
    table = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    return table


def creaming_index(difficulty: np.ndarray, accepted: np.ndarray) -> float:
    """Acceptance rate of the rest minus that of the hardest fifth, among eligible people assessed.

    Restricting to people who met the eligibility rule isolates the provider's
    choice from who happens to come forward; positive means the hardest are creamed off.
    """
    if len(difficulty) < 10:
        return float("nan")
    hard = difficulty >= np.quantile(difficulty, 0.8)
    if hard.all() or not hard.any():
        return float("nan")
    return float(accepted[~hard].mean() - accepted[hard].mean())


def bunching(measured: np.ndarray, threshold: float, band: float = BUNCHING_BAND) -> float:
    """Excess of closures measured just past the threshold over those just short of it.

    Ratio of counts in [threshold - band, threshold) to [threshold, threshold + band), minus 1.
    """
    below = ((measured >= threshold - band) & (measured < threshold)).sum()
    above = ((measured >= threshold) & (measured < threshold + band)).sum()
    return float(below / above - 1.0) if above else float("nan")


def learning_rate(errors: np.ndarray, starts: list[int], window: int = 26) -> float:
    """Share of knowledge error removed per quarter just after the start and after each shock.

    Fits log(error) against week over ``window`` weeks from each start; the rate is
    1 - exp(13 * slope), averaged over starts. Positive means providers are learning.
    """
    rates = []
    for start in starts:
        part = errors[start : start + window]
        part = part[np.isfinite(part) & (part > 0)]
        if len(part) >= 4:
            slope = np.polyfit(np.arange(len(part)), np.log(part), 1)[0]
            rates.append(1.0 - np.exp(13 * slope))
    return float(np.mean(rates)) if rates else float("nan")


def recovery_weeks(errors: np.ndarray, shocks: list[int], tolerance: float = 0.1) -> float:
    """Mean weeks after a shock until knowledge error is back within 10% of its pre-shock level."""
    times = []
    for shock in shocks:
        if shock < 4 or shock >= len(errors):
            continue
        before = errors[shock - 4 : shock].mean()
        after = np.flatnonzero(errors[shock + 1 :] <= before * (1 + tolerance))
        times.append(float(after[0] + 1) if len(after) else float(len(errors) - shock))
    return float(np.mean(times)) if times else float("nan")


def summary(model: SupportSystemModel) -> dict[str, float]:
    """The run's summary metrics; see docs/ODD.md for each definition."""
    table = weekly_table(model)
    records, counters, params = model.records, model.counters, model.params
    weeks = max(1, len(table))
    reported = np.asarray(records.closure_reported, dtype=bool)
    true = np.asarray(records.closure_true, dtype=bool)
    indicator_reported = float(reported.mean()) if len(reported) else float("nan")
    indicator_true = float(true.mean()) if len(true) else float("nan")
    paid = sum(counters.get(f"hours_{part}", 0.0) for part in HOUR_PARTS)
    wage_per_hour = params.workforce.wage / params.workforce.hours
    wasted_hours = counters.get("wasted_assessment_hours", 0.0)
    outlay = counters.get("outlay", 0.0)
    entrenchment_cost = counters.get("entrenchment_cost", 0.0)
    total_cost = sum(counters.get(part, 0.0) for part in COST_PARTS)
    errors = table["knowledge_error"].to_numpy(dtype=float) if weeks else np.array([])
    hard_rate = records.hard_hours / max(1, records.hard_weeks)
    other_rate = records.other_hours / max(1, records.other_weeks)
    workers_mean = float(table["workers"].mean()) if len(table) else float("nan")
    contacts = counters.get("contacts", 0.0)
    values = {
        "wellbeing_mean": float(table["wellbeing_mean"].mean()),
        "goals_met_share": float(table["goals_met_share"].mean()),
        "wellbeing_hardest_fifth": float(table["wellbeing_hardest_fifth"].mean()),
        "indicator_reported": indicator_reported,
        "gaming_gap": indicator_reported - indicator_true,
        "gaming_hours_share": counters.get("hours_gaming", 0.0) / paid if paid else 0.0,
        "creaming_index": creaming_index(
            np.asarray(records.eligible_difficulty), np.asarray(records.eligible_accepted, dtype=bool)
        ),
        "parking_index": 1.0 - hard_rate / other_rate if other_rate > 0 else float("nan"),
        "turnaway_count": counters.get("turnaways", 0.0),
        "assessment_hours": counters.get("assessment_hours", 0.0),
        "failure_demand_share": counters.get("failure_demand", 0.0) / contacts if contacts else 0.0,
        "entrenchment_cost": entrenchment_cost,
        "turnaway_cost": float(
            wasted_hours * wage_per_hour + counters.get("crisis_cost_after_turnaway", 0.0)
        ),
        "knowledge_error": float(np.mean(errors)),
        "learning_rate": learning_rate(errors, [0, *records.shocks]),
        "total_cost": total_cost,
        "cost_per_wellbeing": total_cost / records.wellbeing_gain
        if records.wellbeing_gain > 0
        else float("nan"),
        "morale_mean": float(table["morale_mean"].mean()),
        "turnover_rate": (counters.get("leavers", 0.0) + counters.get("layoffs", 0.0))
        / max(workers_mean, 1e-9)
        / (weeks / 52),
        "handoffs_per_person": counters.get("handoffs", 0.0) / max(1, len(records.ever_supported)),
        "indicator_true": indicator_true,
        "unmet_need": float(table["unmet_need"].mean()),
        "misreports_caught": float(sum(q.misreports_caught for q in records.quarters)),
        "misreports_uncaught": float(sum(q.misreports_uncaught for q in records.quarters)),
        "reclassifications_caught": float(sum(q.caught - q.misreports_caught for q in records.quarters)),
        "bunching": bunching(np.asarray(records.closure_measured), params.indicator.threshold),
        "admin_share": counters.get("hours_admin", 0.0) / paid if paid else 0.0,
        "regret": float(table["regret"].mean()),
        "recovery_weeks": recovery_weeks(errors, records.shocks),
        "knowledge_shared": counters.get("knowledge_shared", 0.0),
        "commissioner_outlay": outlay,
        "commissioning_cost": counters.get("commissioning_cost", 0.0),
        "crises": counters.get("crises", 0.0),
        "wait_weeks_mean": float(np.mean(records.waits)) if records.waits else float("nan"),
        "waiting_mean": float(table["waiting"].mean()),
        "queue_entries_per_week": counters.get("queue_entries", 0.0) / weeks,
        "trust_in_services": float(table["trust_in_services"].mean()),
        "trust_between_actors": float(table["trust_between_actors"].mean()),
        "providers_active": float(model.active_provider_count()),
    }
    return {key: values[key] for key in SUMMARY_KEYS}
