"""The indicator: what the commissioner measures, how it can be moved, and how audit checks it.

A closed case counts as a success when its measured value is below the
threshold. The default indicator is a proxy, as most KPIs are: the need in one
recorded domain at closure, as recorded (so it can be biased by indicator work
and by reclassification). An aligned indicator measures the true outcome
itself (overall need, one minus wellbeing), which neither indicator work nor
reclassification can move. Misreporting can corrupt either; audit catches
what it checks. Campbell (1979): the more a quantitative indicator is used for
social decision-making, the more it is corrupted and corrupts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def measured_value(
    needs: np.ndarray,
    recorded_domain: np.ndarray,
    bias: np.ndarray,
    wellbeing: np.ndarray | None,
    aligned: bool,
) -> np.ndarray:
    """The indicator's reading for each case, as the provider's records show it.

    ``wellbeing`` is needed only for an aligned indicator.
    """
    if aligned:
        return 1.0 - wellbeing
    rows = np.arange(len(recorded_domain))
    return np.clip(needs[rows, recorded_domain] - bias, 0.0, 1.0)


def true_value(
    needs: np.ndarray, assessed_domain: np.ndarray, wellbeing: np.ndarray | None, aligned: bool
) -> np.ndarray:
    """The same indicator measured on true state: the domain assessed at intake, no bias."""
    if aligned:
        return 1.0 - wellbeing
    rows = np.arange(len(assessed_domain))
    return needs[rows, assessed_domain]


@dataclass
class ClosureLog:
    """One provider's closures in the current reporting period."""

    reported: list[bool] = field(default_factory=list)
    true: list[bool] = field(default_factory=list)
    misreported: list[bool] = field(default_factory=list)
    reclassified: list[bool] = field(default_factory=list)

    def add(
        self, reported: np.ndarray, true: np.ndarray, misreported: np.ndarray, reclassified: np.ndarray
    ) -> None:
        self.reported.extend(reported.tolist())
        self.true.extend(true.tolist())
        self.misreported.extend(misreported.tolist())
        self.reclassified.extend(reclassified.tolist())


@dataclass
class AuditResult:
    reported_successes: int
    true_successes: int
    closures: int
    checked: int
    caught: int
    misreports_caught: int
    misreports_uncaught: int


def audit(log: ClosureLog, audit_rate: float, detection: float, rng: np.random.Generator) -> AuditResult:
    """Check a random share of reported successes; what is caught is struck out.

    Misreports are always caught when checked; reclassifications only with
    probability ``detection`` (``indicator.reclassification_detection``).
    """
    reported = np.asarray(log.reported, dtype=bool)
    false_claim = np.asarray(log.misreported, dtype=bool)
    reclassified = np.asarray(log.reclassified, dtype=bool) & reported & ~false_claim
    checked = reported & (rng.random(len(reported)) < audit_rate)
    spotted = false_claim | (reclassified & (rng.random(len(reported)) < detection))
    caught = checked & spotted
    return AuditResult(
        reported_successes=int((reported & ~caught).sum()),
        true_successes=int(np.asarray(log.true, dtype=bool).sum()),
        closures=len(reported),
        checked=int(checked.sum()),
        caught=int(caught.sum()),
        misreports_caught=int((caught & false_claim).sum()),
        misreports_uncaught=int((reported & false_claim & ~caught).sum()),
    )
