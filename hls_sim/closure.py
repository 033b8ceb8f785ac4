"""Closing cases, and what providers report when they do.

A case closes when the person is doing well (resolved), when the worker stops
once the indicator is met (the threshold effect, only where a threshold is what
pays), when the package runs out and the worker has no discretion to extend
it, or when a person with no relationship to speak of drops out. Cases close
at some moment in the week, and the place is taken again from the list the
same week (``hls_sim.queue``). In the docking configuration
(``queue.mean_service_weeks``) a case instead lasts its exponential service
time, whatever happens to the person.

At closure a worker with stakes may record the case under a need that flatters
it (reclassification) or report a success that was not (misreporting):
``hls_sim.gaming`` decides, case by case, weighing the provider's audit rate.
The provider logs what the report claims, and what each case truly scored, for
the quarter's payment (``indicators``).
Sources: Hood (2006); Bevan and Hood (2006); Lowe and Plimmer (2019).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hls_sim import casework, indicators
from hls_sim.agents.person import SUPPORTED, People
from hls_sim.casework import remaining_need_into
from hls_sim.compiled import generator_at, kernel
from hls_sim.gaming import misreporting, reclassifying, stops
from hls_sim.indicators import claim, reading, score
from hls_sim.queue import Places

if TYPE_CHECKING:
    from hls_sim.model import SupportSystemModel
    from hls_sim.scenario import Scenario


def closure_decisions(
    people: People,
    rows: np.ndarray,
    *,
    week: int,
    measured: np.ndarray,
    stakes: np.ndarray,
    motivation: np.ndarray,
    discretion: np.ndarray,
    threshold_pays: bool,
    scenario: Scenario,
    stream: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Which supported cases close this week, and which of those close resolved.

    ``measured`` is each case's indicator reading; ``stakes`` and ``motivation`` are
    each worker's (by slot, ``people.worker``) and ``discretion`` each provider's.
    A worker with discretion may extend a case past its package, a week at a
    time, up to ``closure.extension_cap`` package lengths. The draws come from
    ``stream`` (``hls_sim.compiled.stream`` of the model's generator).
    """
    params, gaming_params = scenario.closure, scenario.gaming
    package_weeks = scenario.support.package_weeks
    closing, resolved = np.zeros(len(rows), dtype=bool), np.zeros(len(rows), dtype=bool)
    _closure_decisions(
        stream,
        rows,
        week,
        people.episode_start,
        people.relationship,
        people.worker,
        people.provider,
        people.needs,
        people.goals,
        people.goal_count,
        measured,
        stakes,
        motivation,
        discretion,
        threshold_pays,
        scenario.indicator.threshold,
        params.goal_met,
        params.high_need,
        gaming_params.mission_weight,
        gaming_params.threshold_stop_weight,
        gaming_params.next_case_value,
        package_weeks,
        params.extension_cap * package_weeks,
        params.dropout_relationship,
        params.dropout_after_weeks,
        params.dropout_rate,
        closing,
        resolved,
    )
    return closing, resolved


@kernel
def _closure_decisions(
    stream: np.ndarray,
    rows: np.ndarray,
    week: int,
    episode_start: np.ndarray,
    relationship: np.ndarray,
    worker: np.ndarray,
    provider: np.ndarray,
    needs: np.ndarray,
    goals: np.ndarray,
    goal_count: np.ndarray,
    measured: np.ndarray,
    stakes: np.ndarray,
    motivation: np.ndarray,
    discretion: np.ndarray,
    threshold_pays: bool,
    threshold: float,
    goal_met: float,
    high_need: float,
    mission_weight: float,
    stop_weight: float,
    next_case_value: float,
    package_weeks: int,
    extension_weeks: float,
    dropout_relationship: float,
    dropout_after_weeks: int,
    dropout_rate: float,
    closing: np.ndarray,
    resolved: np.ndarray,
) -> None:
    """``closure_decisions`` case by case: first every case's draw to extend, then every draw to drop out.

    What is left to do is ``casework.remaining_need``.
    """
    rng = generator_at(stream)
    left = np.empty(len(rows))
    remaining_need_into(needs, goals, goal_count, rows, goal_met, high_need, left)
    for i in range(len(rows)):
        row, slot = rows[i], worker[rows[i]]
        length = week - episode_start[row]
        extends = (rng.random() < discretion[provider[row]]) & (length < extension_weeks)
        resolved[i] = left[i] <= 0.0
        at_threshold = (
            threshold_pays
            & (measured[i] < threshold)
            & stops(stakes[slot], motivation[slot], left[i], mission_weight, stop_weight, next_case_value)
        )
        package_over = (length >= package_weeks) & (not extends)
        closing[i] = resolved[i] | at_threshold | package_over
    for i in range(len(rows)):
        row = rows[i]
        drops_out = (
            (relationship[row] < dropout_relationship)
            & (week - episode_start[row] > dropout_after_weeks)
            & (rng.random() < dropout_rate)
        )
        closing[i] = closing[i] | drops_out


def cases_ending(model: SupportSystemModel) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The cases that end this week, when (a fraction of the week), and which end resolved (if known)."""
    people = model.people
    rows = people.in_status(SUPPORTED)
    if model.params.queue.mean_service_weeks:
        ending = rows[people.service_end[rows] < model.week + 1]
        return ending, np.maximum(people.service_end[ending] - model.week, 0.0), None
    if len(rows) == 0:
        return rows, np.zeros(0), None
    workforce = model.workforce
    closing, resolved = closure_decisions(
        people,
        rows,
        week=model.week,
        measured=model.measure(rows),
        stakes=workforce.stakes,
        motivation=workforce.motivation,
        discretion=model.providers.discretion,
        threshold_pays=model.regime.tariff != indicators.DISTANCE,
        scenario=model.params,
        stream=model.stream,
    )
    ending = rows[closing]
    return ending, model.rng.random(len(ending)), resolved[closing]


def close(
    model: SupportSystemModel, rows: np.ndarray, times: np.ndarray, resolved: np.ndarray | None = None
) -> Places:
    """Close ``rows`` at ``times``: report them for the indicator, end support. Returns the places freed.

    ``resolved`` says which close with the person doing well, if the caller knows.
    """
    if len(rows) == 0:
        return Places.none()
    people, params, workforce, table = model.people, model.params, model.workforce, model.providers
    if resolved is None:
        resolved = casework.remaining_need(people, rows, params) <= 0.0
    measured = model.measure(rows)
    report = Report(len(rows), table.count)
    _report(
        rows,
        measured,
        model.true_indicator(rows),
        people.worker,
        people.provider,
        people.needs,
        people.second_domain,
        people.recording_bias,
        people.measured_start,
        people.tariff_weight,
        workforce.stakes,
        workforce.motivation,
        workforce.caseload,
        table.audit_rate,
        model.regime.tariff != indicators.DISTANCE and not params.indicator.aligned,
        params.indicator.threshold,
        indicators.inside(params.indicator.threshold),
        model.regime.tariff == indicators.DISTANCE,
        params.gaming.reclassification_cost,
        params.indicator.audit_penalty,
        params.gaming.honesty_cost,
        report.slots,
        report.reclassified,
        report.reported,
        report.true,
        report.logged,
        report.counts,
    )
    casework.reclassify(people, rows[report.reclassified])
    # Each provider logs its own closures, in the order they closed.
    ends = np.cumsum(report.counts)
    for provider in report.counts.nonzero()[0].tolist():
        table.log[provider].add_rows(report.logged[ends[provider] - report.counts[provider] : ends[provider]])
    model.observe.closures(rows, resolved, measured, report.reported, report.true)
    casework.end_support(people, rows, resolved, model.week, params)
    return Places(times, report.slots)


class Report:
    """What closing cases report (``_report``): per case, and the log rows of each provider."""

    def __init__(self, cases: int, providers: int):
        self.slots = np.empty(cases, dtype=np.int64)
        self.reclassified = np.zeros(cases, dtype=bool)
        self.reported = np.zeros(cases, dtype=bool)
        self.true = np.zeros(cases, dtype=bool)
        self.logged = np.empty((cases, len(indicators.CLOSURE_COLUMNS)))
        self.counts = np.zeros(providers, dtype=np.int64)


@kernel
def _report(
    rows: np.ndarray,
    measured: np.ndarray,
    true_value: np.ndarray,
    worker: np.ndarray,
    provider_of: np.ndarray,
    needs: np.ndarray,
    second_domain: np.ndarray,
    recording_bias: np.ndarray,
    measured_start: np.ndarray,
    tariff_weight: np.ndarray,
    stakes: np.ndarray,
    motivation: np.ndarray,
    caseload: np.ndarray,
    audit_rate: np.ndarray,
    games_records: bool,
    threshold: float,
    inside: float,
    distance: bool,
    reclassification_cost: float,
    audit_penalty: float,
    honesty_cost: float,
    slots: np.ndarray,
    reclassified: np.ndarray,
    reported: np.ndarray,
    true: np.ndarray,
    logged: np.ndarray,
    counts: np.ndarray,
) -> None:
    """Case by case, what the worker reports at closure and what it scores, reported and true.

    Where a threshold pays and the indicator reads one recorded need
    (``games_records``), a worker with stakes may record a case that misses the
    threshold under its second need (``measured`` then reads that); any worker may
    report a success that was not. The log rows (``CLOSURE_COLUMNS``) go into
    ``logged`` grouped by provider, each provider's in the order they closed,
    ``counts`` of them each. Each case's worker (``slots``) has one case fewer.
    """
    for i in range(len(rows)):
        counts[provider_of[rows[i]]] += 1
    first = np.zeros(len(counts), dtype=np.int64)
    for provider in range(1, len(counts)):
        first[provider] = first[provider - 1] + counts[provider - 1]
    for i in range(len(rows)):
        row = rows[i]
        slot, provider = worker[row], provider_of[row]
        slots[i] = slot
        caseload[slot] -= 1
        reclassified[i] = (
            games_records
            and measured[i] >= threshold
            and reclassifying(stakes[slot], motivation[slot], reclassification_cost)
        )
        if reclassified[i]:
            measured[i] = reading(needs[row, second_domain[row]], recording_bias[row])
        success = measured[i] < threshold
        misreported = (not success) and misreporting(
            stakes[slot], motivation[slot], audit_rate[provider], audit_penalty, honesty_cost
        )
        claimed = claim(measured[i], misreported, inside)
        start, weight = measured_start[row], tariff_weight[row]
        reported[i] = claimed < threshold
        true[i] = true_value[i] < threshold
        at = first[provider]
        logged[at, 0] = reported[i]
        logged[at, 1] = score(claimed, start, weight, distance, threshold)
        logged[at, 2] = true[i]
        logged[at, 3] = score(true_value[i], start, weight, distance, threshold)
        logged[at, 4] = misreported
        logged[at, 5] = reclassified[i] and success
        first[provider] += 1
