"""Metrics: what every run reports, per week and as a summary (DESIGN section 7).

Metrics only observe: nothing here changes the model. Each metric is defined
in docs/ODD.md ("Observation"). The summary keys in ``CONTRACT_KEYS`` are a
public contract used by the CLI, the experiment runner and the dashboard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
import pandas as pd

from hls_sim.agents.person import SUPPORTED, WAITING
from hls_sim.agents.provider import share_weighted
from hls_sim.compiled import kernel, pairwise_sum
from hls_sim.learning import errors_and_regrets
from hls_sim.parameters.calendar import WEEKS_PER_QUARTER, WEEKS_PER_YEAR
from hls_sim.parameters.measurement import (
    BUNCHING_BAND,
    BUNCHING_SHARE_BAND,
    DRIFT_WEEKS,
    FEWEST_FOR_CREAMING,
    GOAL_MET,
    HARDEST_FIFTH_VULNERABILITY,
    HIGH_NEED,
    LEARNING_WINDOW,
    PRE_SHOCK_WEEKS,
    RECOVERY_TOLERANCE,
    hardest_share,
)

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
    "bunching_share",
    "admin_share",
    "spare_hours_share",
    "utilisation",
    "queue_length_mean",
    "gave_up_count",
    "discretion_mean",
    "candour_mean",
    "wellbeing_drift",
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
    "discretion_mean",
    "candour_mean",
    "trust_in_services",
    "trust_between_actors",
    "providers_active",
    "population",
)

# How worker hours are spent: the parts of each worker's week, with support hours nobody could
# use (light caseloads) counted as "spare" (see ``Observations.support``).
HOUR_PARTS = ("support", "admin", "assessment", "forum", "gaming", "slack", "spare")
# What the public purse pays: the contracts, the commissioner's own time, and crises elsewhere.
COST_PARTS = ("outlay", "commissioning_cost", "entrenchment_cost")
# Keeps the turnover rate defined when there were no workers.
NO_WORKERS = 1e-9


def weekly_metrics(model: SupportSystemModel) -> dict[str, float]:
    """This week's metrics (one row of the weekly table)."""
    people, records = model.people, model.observe.records
    present = people.present()
    (
        wellbeing_mean,
        goals_met_share,
        wellbeing_hardest_fifth,
        unmet_need,
        waiting,
        supported,
        trust_in_services,
    ) = _people_means(
        people.needs,
        people.goals,
        people.goal_count,
        people.vulnerability,
        people.status,
        people.trust,
        present,
        people.wellbeing(present),
    )

    closures_now = len(records.closure_reported) - records.closures_at_last_week
    start = len(records.closure_reported) - closures_now
    records.weekly_closures.append(
        (sum(records.closure_reported[start:]), sum(records.closure_true[start:]), closures_now)
    )
    reported, true, closed = (sum(part) for part in zip(*records.weekly_closures, strict=True))
    indicator_reported = reported / closed if closed else float("nan")
    indicator_true = true / closed if closed else float("nan")

    week = model.observe.week_ended()
    paid = sum(week.hours(part) for part in HOUR_PARTS)
    contacts = week.contacts
    table = model.providers
    workers = model.workforce.by_provider()
    knowledge_error, regret, discretion_mean, candour_mean, morale_mean, motivation_mean = _provider_means(
        table.beliefs,
        model.context.effectiveness,
        table.active,
        table.share,
        table.discretion,
        table.candour,
        model.workforce.morale,
        model.workforce.motivation,
        workers,
    )
    return {
        "week": model.week,
        "regime": model.regime.name,
        "wellbeing_mean": wellbeing_mean,
        "goals_met_share": goals_met_share,
        "wellbeing_hardest_fifth": wellbeing_hardest_fifth,
        "unmet_need": unmet_need,
        "indicator_reported": indicator_reported,
        "indicator_true": indicator_true,
        "gaming_gap": indicator_reported - indicator_true,
        "gaming_hours_share": week.hours_gaming / paid if paid else 0.0,
        "admin_share": week.hours_admin / paid if paid else 0.0,
        "contacts": contacts,
        "turnaways": week.turnaways,
        "failure_demand_share": week.failure_demand / contacts if contacts else 0.0,
        "assessment_hours": week.assessment_hours,
        "waiting": waiting,
        "supported": supported,
        "crises": week.crises,
        "entrenchment_cost": week.entrenchment_cost,
        "commissioner_outlay": week.outlay,
        "total_cost": sum(getattr(week, part) for part in COST_PARTS),
        "morale_mean": morale_mean,
        "motivation_mean": motivation_mean,
        "workers": float(len(workers)),
        "leavers": week.leavers,
        "handoffs": week.handoffs,
        "knowledge_error": knowledge_error,
        "regret": regret,
        "discretion_mean": discretion_mean,
        "candour_mean": candour_mean,
        "trust_in_services": trust_in_services,
        "trust_between_actors": checks_held_up(model.observe.tally),
        "providers_active": float(model.active_provider_count()),
        "population": float(len(present)),
    }


@kernel
def _people_means(
    needs: np.ndarray,
    goals: np.ndarray,
    goal_count: np.ndarray,
    vulnerability: np.ndarray,
    status: np.ndarray,
    trust: np.ndarray,
    present: np.ndarray,
    wellbeing: np.ndarray,
) -> tuple[float, float, float, float, float, float, float]:
    """The weekly metrics read from every person present, as numpy's means give them.

    In order: mean wellbeing, the mean share of goals met, mean wellbeing of the
    hardest fifth, the share with an unmet high need, how many are waiting and
    supported, and mean trust in services. Each mean adds its values in numpy's
    order (``pairwise_sum``); the mean of nobody (no one in the hardest fifth) is NaN.
    """
    n = len(present)
    goals_met, trust_present = np.empty(n), np.empty(n)
    hardest = np.empty(n)
    in_hardest = unmet = waiting = supported = 0
    for i in range(n):
        row = present[i]
        met = 0
        high = False
        for j in range(needs.shape[1]):  # tests, not arithmetic on booleans: twice as quick here
            if goals[row, j] and needs[row, j] < GOAL_MET:
                met += 1
            if needs[row, j] > HIGH_NEED:
                high = True
        goals_met[i] = met / goal_count[row]
        trust_present[i] = trust[row]
        if vulnerability[row] >= HARDEST_FIFTH_VULNERABILITY:
            hardest[in_hardest] = wellbeing[i]
            in_hardest += 1
        unmet += high & (status[row] != SUPPORTED)
        waiting += status[row] == WAITING
        supported += status[row] == SUPPORTED
    hardest_mean = pairwise_sum(hardest[:in_hardest]) / in_hardest if in_hardest else np.nan
    return (
        pairwise_sum(wellbeing) / n,
        pairwise_sum(goals_met) / n,
        hardest_mean,
        unmet / n,
        float(waiting),
        float(supported),
        pairwise_sum(trust_present) / n,
    )


@kernel
def _provider_means(
    beliefs: np.ndarray,
    effectiveness: np.ndarray,
    active: np.ndarray,
    share: np.ndarray,
    discretion: np.ndarray,
    candour: np.ndarray,
    morale: np.ndarray,
    motivation: np.ndarray,
    workers: np.ndarray,
) -> tuple[float, float, float, float, float, float]:
    """The weekly metrics read from providers and their staff, in one call.

    Knowledge error, regret, discretion and candour, each averaged by contract
    share (``errors_and_regrets``, ``share_weighted``); then morale and motivation,
    averaged over the ``workers`` employed.
    """
    errors, regrets = np.empty(len(beliefs)), np.empty(len(beliefs))
    errors_and_regrets(beliefs, effectiveness, errors, regrets)
    return (
        share_weighted(active, share, errors),
        share_weighted(active, share, regrets),
        share_weighted(active, share, discretion),
        share_weighted(active, share, candour),
        _mean_at(morale, workers),
        _mean_at(motivation, workers),
    )


@kernel
def _mean_at(values: np.ndarray, rows: np.ndarray) -> float:
    """``np.mean(values[rows])``, added in numpy's order; NaN for no rows."""
    if len(rows) == 0:
        return np.nan
    return pairwise_sum(values[rows]) / len(rows)


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


class WeeklyCollector(mesa.DataCollector):
    """Mesa's DataCollector for the weekly metrics, which ``weekly_metrics`` has already computed.

    The week's row is numbers and the regime's name, none of which can change
    afterwards, so ``collect`` appends them as they are instead of calling each
    reporter and deep-copying what it returns (a third of the time of a recorded week).
    The table it keeps, and reads back, is Mesa's.
    """

    def __init__(self) -> None:
        super().__init__(model_reporters=weekly_reporters())

    def collect(self, model: SupportSystemModel) -> None:
        self._collection_steps.append(model.time)
        for name, values in self.model_vars.items():
            values.append(model.latest[name])


def _reporter(name: str):
    def read(model: SupportSystemModel) -> Any:
        return model.latest[name]

    read.__name__ = f"read_{name}"
    return read


def weekly_table(model: SupportSystemModel) -> pd.DataFrame:
    table = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    return table


def weekly_columns(model: SupportSystemModel) -> dict[str, np.ndarray]:
    """The weekly table's numeric columns as float arrays, without building the table."""
    return {
        name: np.asarray(values, dtype=float)
        for name, values in model.datacollector.model_vars.items()
        if name != "regime"
    }


def column_mean(values: np.ndarray) -> float:
    """The mean of a weekly column over the weeks where it is defined, as pandas takes it.

    NaN (a week where the metric has no value) counts neither in the sum nor in the
    count; the sum is numpy's, over the column with those weeks as 0.
    """
    defined = ~np.isnan(values)
    count = int(np.count_nonzero(defined))
    if count == 0:
        return float("nan")
    return float(np.where(defined, values, 0.0).sum() / count)


def creaming_index(difficulty: np.ndarray, accepted: np.ndarray) -> float:
    """How much likelier the rest are to be taken on than the hardest fifth, among eligible people assessed.

    ``accepted`` is whether each eligible assessment led to support (not refused,
    and not given up on or left before a place came). Restricting to people who met
    the eligibility rule isolates the provider's choice from who comes forward; positive
    means the hardest are creamed off. Without stakes it is noise around 0.
    """
    if len(difficulty) < FEWEST_FOR_CREAMING:
        return float("nan")
    hard = hardest_share(difficulty)
    if hard.all() or not hard.any():
        return float("nan")
    return float(accepted[~hard].mean() - accepted[hard].mean())


def checks_held_up(tally: Any) -> float:
    """Share of the funder's checks so far (audited claims, cases seen in dialogue) whose report held up."""
    return tally.funder_matches / tally.funder_checks if tally.funder_checks else float("nan")


def parking_index(tally: Any) -> float:
    """How far the hardest fifth of supported people get fewer hours than their needs warrant.

    One minus their share of the hours delivered over the share they would have had if
    the same hours had been shared across the place in proportion to need
    (``measurement.need_shares``), over every recorded week of support. About 0 when
    hours follow need (caseloads differ, so not exactly), positive when the hardest are parked.
    """
    if tally.hours_all <= 0 or tally.hours_by_need_hard <= 0:
        return float("nan")
    return 1.0 - (tally.hours_hard / tally.hours_all) / (tally.hours_by_need_hard / tally.hours_by_need_all)


def bunching_share(measured: np.ndarray, threshold: float, band: float = BUNCHING_SHARE_BAND) -> float:
    """Share of closures measured just inside the threshold, in [threshold - band, threshold)."""
    if len(measured) == 0:
        return float("nan")
    return float(((measured >= threshold - band) & (measured < threshold)).mean())


def drift(weekly: np.ndarray, weeks: int = DRIFT_WEEKS) -> float:
    """Stationarity diagnostic: the mean of the last ``weeks`` recorded weeks less that of the first."""
    if len(weekly) < 2 * weeks:
        return float("nan")
    return float(weekly[-weeks:].mean() - weekly[:weeks].mean())


def bunching(measured: np.ndarray, threshold: float, band: float = BUNCHING_BAND) -> float:
    """Excess of closures measured just past the threshold over those just short of it.

    Ratio of counts in [threshold - band, threshold) to [threshold, threshold + band), minus 1.
    """
    below = ((measured >= threshold - band) & (measured < threshold)).sum()
    above = ((measured >= threshold) & (measured < threshold + band)).sum()
    return float(below / above - 1.0) if above else float("nan")


def learning_rate(errors: np.ndarray, shocks: list[int], window: int = LEARNING_WINDOW) -> float:
    """How fast providers unlearn a shock: the share of the excess knowledge error removed per quarter.

    After each context shock the error jumps above the level it had settled at
    (its mean over the quarter before the shock). The excess is fitted as an
    exponential decay over ``window`` weeks (log excess against week, where the
    excess is still positive); the rate is 1 - exp(13 * slope), averaged over
    shocks. Positive means providers learn what works now. It needs a shock with
    a quarter of recorded weeks before it, and does not depend on the burn-in.
    """
    rates = []
    for shock in shocks:
        if shock < WEEKS_PER_QUARTER or shock >= len(errors):
            continue
        settled = np.nanmean(errors[shock - WEEKS_PER_QUARTER : shock])
        excess = errors[shock : shock + window] - settled
        weeks = np.flatnonzero(np.isfinite(excess) & (excess > 0))
        if len(weeks) >= PRE_SHOCK_WEEKS:
            slope = np.polyfit(weeks, np.log(excess[weeks]), 1)[0]
            rates.append(1.0 - np.exp(WEEKS_PER_QUARTER * slope))
    return float(np.mean(rates)) if rates else float("nan")


def recovery_weeks(errors: np.ndarray, shocks: list[int], tolerance: float = RECOVERY_TOLERANCE) -> float:
    """Mean weeks after a shock until knowledge error is back within 10% of its pre-shock level."""
    times = []
    for shock in shocks:
        if shock < PRE_SHOCK_WEEKS or shock >= len(errors):
            continue
        before = errors[shock - PRE_SHOCK_WEEKS : shock].mean()
        after = np.flatnonzero(errors[shock + 1 :] <= before * (1 + tolerance))
        times.append(float(after[0] + 1) if len(after) else float(len(errors) - shock))
    return float(np.mean(times)) if times else float("nan")


def summary(model: SupportSystemModel) -> dict[str, float]:
    """The run's summary metrics; see docs/ODD.md for each definition."""
    table = weekly_columns(model)
    records, tally, params = model.observe.records, model.observe.tally, model.params
    weeks = max(1, len(table["week"]))
    reported = np.asarray(records.closure_reported, dtype=bool)
    true = np.asarray(records.closure_true, dtype=bool)
    indicator_reported = float(reported.mean()) if len(reported) else float("nan")
    indicator_true = float(true.mean()) if len(true) else float("nan")
    paid = sum(tally.hours(part) for part in HOUR_PARTS)
    wage_per_hour = params.workforce.wage / params.workforce.hours
    total_cost = sum(getattr(tally, part) for part in COST_PARTS)
    errors = table["knowledge_error"]
    workers_mean = column_mean(table["workers"])
    contacts = tally.contacts
    values = {
        "wellbeing_mean": column_mean(table["wellbeing_mean"]),
        "goals_met_share": column_mean(table["goals_met_share"]),
        "wellbeing_hardest_fifth": column_mean(table["wellbeing_hardest_fifth"]),
        "indicator_reported": indicator_reported,
        "gaming_gap": indicator_reported - indicator_true,
        "gaming_hours_share": tally.hours_gaming / paid if paid else 0.0,
        "creaming_index": creaming_index(
            np.asarray(records.eligible_difficulty), np.asarray(records.eligible_taken_on, dtype=bool)
        ),
        "parking_index": parking_index(tally),
        "turnaway_count": tally.turnaways,
        "assessment_hours": tally.assessment_hours,
        "failure_demand_share": tally.failure_demand / contacts if contacts else 0.0,
        "entrenchment_cost": tally.entrenchment_cost,
        "turnaway_cost": float(
            tally.wasted_assessment_hours * wage_per_hour + tally.crisis_cost_after_turnaway
        ),
        "knowledge_error": float(np.mean(errors)),
        "learning_rate": learning_rate(errors, records.shocks),
        "total_cost": total_cost,
        "cost_per_wellbeing": total_cost / records.wellbeing_gain
        if records.wellbeing_gain > 0
        else float("nan"),
        "morale_mean": column_mean(table["morale_mean"]),
        "turnover_rate": (tally.leavers + tally.layoffs)
        / max(workers_mean, NO_WORKERS)
        / (weeks / WEEKS_PER_YEAR),
        "handoffs_per_person": tally.handoffs / max(1, int(np.count_nonzero(records.ever_supported))),
        "indicator_true": indicator_true,
        "unmet_need": column_mean(table["unmet_need"]),
        "misreports_caught": float(sum(q.misreports_caught for q in records.quarters)),
        "misreports_uncaught": float(sum(q.misreports_uncaught for q in records.quarters)),
        "reclassifications_caught": float(sum(q.caught - q.misreports_caught for q in records.quarters)),
        "bunching": bunching(np.asarray(records.closure_measured), params.indicator.threshold),
        "bunching_share": bunching_share(np.asarray(records.closure_measured), params.indicator.threshold),
        "admin_share": tally.hours_admin / paid if paid else 0.0,
        "spare_hours_share": tally.hours_spare / paid if paid else 0.0,
        "utilisation": tally.place_time_used / tally.place_time if tally.place_time else float("nan"),
        "queue_length_mean": tally.queue_time / weeks,
        "gave_up_count": tally.gave_up,
        "discretion_mean": column_mean(table["discretion_mean"]),
        "candour_mean": column_mean(table["candour_mean"]),
        "wellbeing_drift": drift(table["wellbeing_mean"]),
        "regret": column_mean(table["regret"]),
        "recovery_weeks": recovery_weeks(errors, records.shocks),
        "knowledge_shared": tally.knowledge_shared,
        "commissioner_outlay": tally.outlay,
        "commissioning_cost": tally.commissioning_cost,
        "crises": tally.crises,
        "wait_weeks_mean": float(np.mean(records.waits)) if records.waits else float("nan"),
        "waiting_mean": column_mean(table["waiting"]),
        "queue_entries_per_week": tally.queue_entries / weeks,
        "trust_in_services": column_mean(table["trust_in_services"]),
        "trust_between_actors": checks_held_up(tally),
        "providers_active": float(model.active_provider_count()),
    }
    return {key: values[key] for key in SUMMARY_KEYS}
