"""The indicator: what the commissioner measures and pays for, how it can be moved, and how audit checks it.

A closed case is measured on one recorded need at closure, as the provider's
records show it (so indicator work and reclassification can bias it), unless
the indicator is aligned: then it measures the true outcome itself (overall
need, one minus wellbeing), which neither indicator work nor reclassification
can move. Misreporting can corrupt either; audit catches what it checks.

What a result earns depends on the tariff (``funding.tariff``): a flat
tariff pays each case measured below the threshold alike; a differential one
pays more for cases that looked less likely to succeed at intake (the Work
Programme's payment groups); a distance tariff pays for the fall in the
measure from intake to closure, so there is no threshold to stop at or bunch
past. Campbell (1979): the more a quantitative indicator is used for social
decision-making, the more it is corrupted and corrupts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hls_sim.compiled import clip, inline, kernel, maximum, minimum

FLAT, DIFFERENTIAL, DISTANCE = "flat", "differential", "distance"


def measured_value(
    need: np.ndarray,
    bias: np.ndarray,
    wellbeing: np.ndarray | None,
    aligned: bool,
) -> np.ndarray:
    """The indicator's reading for each case, as the provider's records show it.

    ``need`` is each case's need in the domain it is recorded under (``People.need_in``);
    ``wellbeing`` is needed only for an aligned indicator.
    """
    if aligned:
        return 1.0 - wellbeing
    measured = np.empty(len(need))
    _less_bias(need, bias, measured)
    return measured


@kernel
def _less_bias(need: np.ndarray, bias: np.ndarray, measured: np.ndarray) -> None:
    """``reading`` case by case, into ``measured``."""
    for i in range(len(measured)):
        measured[i] = reading(need[i], bias[i])


@inline
def reading(need: float, bias: float) -> float:
    """One case's reading of a recorded need: the need less the recording's bias, within 0 and 1."""
    return clip(need - bias, 0.0, 1.0)


@kernel
def recorded_reading(
    needs: np.ndarray, recorded_domain: np.ndarray, bias: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """``measured_value`` of ``rows`` of the people table, case by case, for an indicator that is not aligned.

    ``needs``, ``recorded_domain`` and ``bias`` are everyone's (``People``).
    """
    values = np.empty(len(rows))
    for i in range(len(rows)):
        row = rows[i]
        values[i] = reading(needs[row, recorded_domain[row]], bias[row])
    return values


def true_value(need: np.ndarray, wellbeing: np.ndarray | None, aligned: bool) -> np.ndarray:
    """The same indicator measured on true state: ``need`` in the domain assessed at intake, no bias."""
    if aligned:
        return 1.0 - wellbeing
    return need


def tariff_weight(chance: np.ndarray, tariff: str, groups: int, reference_rate: float) -> np.ndarray:
    """What a success of each case is worth relative to a typical one, set at intake.

    A differential tariff prices each band of predicted success so that a case
    in it is worth about as much in expectation as a typical one: the reference
    rate over the band's middle chance.
    """
    if tariff != DIFFERENTIAL:
        return np.ones(len(chance))
    band = np.minimum(groups - 1, np.floor(chance * groups))
    middle = (band + 0.5) / groups
    return reference_rate / middle


@inline
def score(value: float, start: float, weight: float, distance: bool, threshold: float) -> float:
    """What one closed case earns toward the results payment, measured at ``value``.

    Under a distance tariff, the fall in the measure since intake; otherwise the
    case's weight if it is below the threshold.
    """
    if distance:
        return maximum(0.0, start - value)
    return np.float64(value < threshold) * weight


def inside(threshold: float) -> float:
    """The value a misreport claims at most: just inside the threshold."""
    return float(np.nextafter(threshold, 0.0))


@inline
def claim(value: float, misreported: bool, at_most: float) -> float:
    """What one report claims: a misreport claims the case ended just inside the threshold (``inside``)."""
    if misreported:
        return minimum(value, at_most)
    return value


# The columns of a ``ClosureLog``, one entry per closed case.
CLOSURE_COLUMNS = ("reported", "reported_score", "true", "true_score", "misreported", "reclassified")
REPORTED, REPORTED_SCORE, TRUE, TRUE_SCORE, MISREPORTED, RECLASSIFIED = range(len(CLOSURE_COLUMNS))


@dataclass
class ClosureLog:
    """One provider's closures in the current reporting period, in the batches they closed in.

    Each batch is a table of floats, one row per closed case and one column each of
    ``CLOSURE_COLUMNS`` (the yes-or-no columns as 1.0 or 0.0).
    """

    batches: list[np.ndarray] = field(default_factory=list)

    def add(
        self,
        reported: np.ndarray,
        reported_score: np.ndarray,
        true: np.ndarray,
        true_score: np.ndarray,
        misreported: np.ndarray,
        reclassified: np.ndarray,
    ) -> None:
        self.add_rows(
            np.column_stack((reported, reported_score, true, true_score, misreported, reclassified))
        )

    def add_rows(self, rows: np.ndarray) -> None:
        """Log a batch already laid out as rows of ``CLOSURE_COLUMNS``."""
        self.batches.append(np.asarray(rows, dtype=float))

    def rows(self) -> np.ndarray:
        """Every case logged, in the order logged: the batches joined into one, which then stands for them."""
        if len(self.batches) != 1:
            joined = np.concatenate(self.batches) if self.batches else np.zeros((0, len(CLOSURE_COLUMNS)))
            self.batches = [joined]
        return self.batches[0]

    def column(self, name: str) -> np.ndarray:
        """One of ``CLOSURE_COLUMNS`` for every case logged, in the order logged (a view: read only)."""
        return self.rows()[:, CLOSURE_COLUMNS.index(name)]

    def __len__(self) -> int:
        return sum(len(batch) for batch in self.batches)


@dataclass
class AuditResult:
    reported_successes: int
    reported_points: float
    true_successes: int
    closures: int
    checked: int
    caught: int
    misreports_caught: int
    misreports_uncaught: int


def audit(log: ClosureLog, audit_rate: float, detection: float, rng: np.random.Generator) -> AuditResult:
    """Check a random share of reported successes; what is caught is struck out.

    Misreports are always caught when checked; reclassifications only with
    probability ``detection`` (``indicator.reclassification_detection``). A caught
    case earns what it truly scored.
    """
    rows = log.rows()
    check_draws = rng.random(len(rows))
    spot_draws = rng.random(len(rows))
    points = np.empty(len(rows))
    kept, true, checked, caught, misreports_caught, misreports_uncaught = _audit(
        rows, check_draws, spot_draws, audit_rate, detection, points
    )
    return AuditResult(
        reported_successes=kept,
        reported_points=float(points.sum()),
        true_successes=true,
        closures=len(rows),
        checked=checked,
        caught=caught,
        misreports_caught=misreports_caught,
        misreports_uncaught=misreports_uncaught,
    )


@kernel
def _audit(
    rows: np.ndarray,
    check_draws: np.ndarray,
    spot_draws: np.ndarray,
    audit_rate: float,
    detection: float,
    points: np.ndarray,
) -> tuple[int, int, int, int, int, int]:
    """``audit`` case by case: the points each case earns (into ``points``) and the counts of the result."""
    kept = true = checked = caught = misreports_caught = misreports_uncaught = 0
    for i in range(len(rows)):
        reported = rows[i, REPORTED] != 0.0
        false_claim = rows[i, MISREPORTED] != 0.0
        reclassified = rows[i, RECLASSIFIED] != 0.0 and reported and not false_claim
        is_checked = reported and check_draws[i] < audit_rate
        is_caught = is_checked and (false_claim or (reclassified and spot_draws[i] < detection))
        points[i] = rows[i, TRUE_SCORE] if is_caught else rows[i, REPORTED_SCORE]
        if rows[i, TRUE] != 0.0:
            true += 1
        if is_checked:
            checked += 1
        if is_caught:
            caught += 1
            if false_claim:
                misreports_caught += 1
        elif reported:
            kept += 1
            if false_claim:
                misreports_uncaught += 1
    return kept, true, checked, caught, misreports_caught, misreports_uncaught
