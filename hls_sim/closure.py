"""Closing cases, and what providers report when they do.

A case closes when the person is doing well (resolved), when the worker stops
once the indicator is met (the threshold effect), when the package runs out
and the worker has no discretion to extend it, or when a person with no
relationship to speak of drops out. At closure a worker with stakes may record
the case under a need that flatters it (reclassification) or report a success
that was not (misreporting): ``hls_sim.gaming`` decides, case by case. The
provider logs what it reports for the quarter's payment (``indicators``).
Sources: Hood (2006); Bevan and Hood (2006); Lowe and Plimmer (2019).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hls_sim import casework, gaming
from hls_sim.agents.person import SUPPORTED, People

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
    discretion: float,
    scenario: Scenario,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Which supported cases close this week, and which of those close resolved.

    A worker with discretion may extend a case past its package, a week at a
    time, up to ``closure.extension_cap`` package lengths.
    """
    params, package_weeks = scenario.closure, scenario.support.package_weeks
    length = week - people.episode_start[rows]
    left = casework.remaining_need(people, rows, scenario)
    resolved = left <= 0.0
    at_threshold = (measured < scenario.indicator.threshold) & gaming.stops_at_threshold(
        stakes, motivation, left, scenario.gaming
    )
    extends = (rng.random(len(rows)) < discretion) & (length < params.extension_cap * package_weeks)
    package_over = (length >= package_weeks) & ~extends
    drops_out = (
        (people.relationship[rows] < params.dropout_relationship)
        & (length > params.dropout_after_weeks)
        & (rng.random(len(rows)) < params.dropout_rate)
    )
    return resolved | at_threshold | package_over | drops_out, resolved


def close_cases(model: SupportSystemModel) -> None:
    """Workers close the cases that end this week; providers log them for the indicator."""
    people, params, workforce = model.people, model.params, model.workforce
    rows = people.in_status(SUPPORTED)
    if len(rows) == 0:
        return
    slots = people.worker[rows]
    stakes, motivation = workforce.stakes[slots], workforce.motivation[slots]
    threshold = params.indicator.threshold
    measured = model.measure(rows)
    closing, resolved = closure_decisions(
        people,
        rows,
        week=model.week,
        measured=measured,
        stakes=stakes,
        motivation=motivation,
        discretion=model.regime.discretion,
        scenario=params,
        rng=model.rng,
    )
    if not closing.any():
        return
    rows, stakes, motivation = rows[closing], stakes[closing], motivation[closing]
    resolved, measured = resolved[closing], measured[closing]
    reclassified = np.zeros(len(rows), dtype=bool)
    if not params.indicator.aligned:
        reclassified = (measured >= threshold) & gaming.reclassifies(stakes, motivation, params.gaming)
        casework.reclassify(people, rows[reclassified])
        measured = model.measure(rows)
    success = measured < threshold
    misreported = ~success & gaming.misreports(
        stakes, motivation, params.indicator.audit_rate, params.indicator.audit_penalty, params.gaming
    )
    reported = success | misreported
    true = model.true_indicator(rows) < threshold
    provider_of = people.provider[rows]
    table = model.providers
    for provider in table.active_indices():
        mine = provider_of == provider
        if mine.any():
            table.log[provider].add(
                reported[mine], true[mine], misreported[mine], (reclassified & success)[mine]
            )
    model.observe.closures(rows, resolved, measured, reported, true)
    np.subtract.at(workforce.caseload, people.worker[rows], 1)
    casework.end_support(people, rows, resolved, model.week, params)
