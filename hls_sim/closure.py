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

from hls_sim import casework, gaming, indicators
from hls_sim.agents.person import SUPPORTED, People
from hls_sim.compiled import generator_at, kernel
from hls_sim.gaming import stops
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
    discretion: np.ndarray | float,
    threshold_pays: bool,
    scenario: Scenario,
    stream: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Which supported cases close this week, and which of those close resolved.

    A worker with discretion may extend a case past its package, a week at a
    time, up to ``closure.extension_cap`` package lengths. The draws come from
    ``stream`` (``hls_sim.compiled.stream`` of the model's generator).
    """
    params, gaming_params = scenario.closure, scenario.gaming
    package_weeks = scenario.support.package_weeks
    if np.ndim(discretion) == 0:
        discretion = np.full(len(rows), discretion)
    closing, resolved = np.zeros(len(rows), dtype=bool), np.zeros(len(rows), dtype=bool)
    _closure_decisions(
        stream,
        rows,
        week - people.episode_start[rows],
        casework.remaining_need(people, rows, scenario),
        people.relationship[rows],
        measured,
        stakes,
        motivation,
        discretion,
        threshold_pays,
        scenario.indicator.threshold,
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
    length: np.ndarray,
    left: np.ndarray,
    relationship: np.ndarray,
    measured: np.ndarray,
    stakes: np.ndarray,
    motivation: np.ndarray,
    discretion: np.ndarray,
    threshold_pays: bool,
    threshold: float,
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
    """``closure_decisions`` case by case: first every case's draw to extend, then every draw to drop out."""
    rng = generator_at(stream)
    for i in range(len(rows)):
        extends = (rng.random() < discretion[i]) & (length[i] < extension_weeks)
        resolved[i] = left[i] <= 0.0
        at_threshold = (
            threshold_pays
            & (measured[i] < threshold)
            & stops(stakes[i], motivation[i], left[i], mission_weight, stop_weight, next_case_value)
        )
        package_over = (length[i] >= package_weeks) & (not extends)
        closing[i] = resolved[i] | at_threshold | package_over
    for i in range(len(rows)):
        drops_out = (
            (relationship[i] < dropout_relationship)
            & (length[i] > dropout_after_weeks)
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
    slots = people.worker[rows]
    workforce = model.workforce
    closing, resolved = closure_decisions(
        people,
        rows,
        week=model.week,
        measured=model.measure(rows),
        stakes=workforce.stakes[slots],
        motivation=workforce.motivation[slots],
        discretion=model.providers.discretion[people.provider[rows]],
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
    regime = model.regime
    slots = people.worker[rows]
    provider_of = people.provider[rows]
    stakes, motivation = workforce.stakes[slots], workforce.motivation[slots]
    threshold = params.indicator.threshold
    if resolved is None:
        resolved = casework.remaining_need(people, rows, params) <= 0.0
    measured = model.measure(rows)
    reclassified = np.zeros(len(rows), dtype=bool)
    threshold_pays = regime.tariff != indicators.DISTANCE
    if threshold_pays and not params.indicator.aligned:
        reclassified = (measured >= threshold) & gaming.reclassifies(stakes, motivation, params.gaming)
        casework.reclassify(people, rows[reclassified])
        measured[reclassified] = model.measure(rows[reclassified])
    success = measured < threshold
    misreported = ~success & gaming.misreports(
        stakes, motivation, table.audit_rate[provider_of], params.indicator.audit_penalty, params.gaming
    )
    claimed = indicators.claimed_value(measured, misreported, threshold)
    true_value = model.true_indicator(rows)
    weight, start = people.tariff_weight[rows], people.measured_start[rows]
    reported_score = indicators.scores(claimed, start, weight, regime.tariff, threshold)
    true_score = indicators.scores(true_value, start, weight, regime.tariff, threshold)
    reported, true = claimed < threshold, true_value < threshold
    # Each provider logs its own closures, in the order they closed.
    logged = np.column_stack(
        (reported, reported_score, true, true_score, misreported, reclassified & success)
    )[np.argsort(provider_of, kind="stable")]
    counts = np.bincount(provider_of)
    ends = np.cumsum(counts)
    for provider in counts.nonzero()[0].tolist():
        table.log[provider].add_rows(logged[ends[provider] - counts[provider] : ends[provider]])
    model.observe.closures(rows, resolved, measured, reported, true)
    np.subtract.at(workforce.caseload, slots, 1)
    casework.end_support(people, rows, resolved, model.week, params)
    return Places(times, slots)
