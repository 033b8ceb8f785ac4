"""Statistics for the experiment report: how sure we are of a mean, a difference and a trend.

Every run of a scenario is one draw from a stochastic model, so a result is an
estimate with an interval, never a single number. The unit of analysis is the
seed: runs that share a seed share their people, their crises and their luck
(common random numbers), so each seed gives one independent observation.

- ``mean_ci``: the mean of a metric over seeds with a Student t interval.
- ``paired_difference``: the mean of ``a - b`` over seeds run under both
  settings with its t interval; the standardised effect d_z (mean difference
  over the standard deviation of the differences) with Hedges' small-sample
  correction and an exact noncentral-t interval; and a Wilcoxon signed-rank
  p-value (exact for up to 50 seeds without ties or zeros).
- ``trend``: the slope of a metric along a swept parameter, as the mean of each
  seed's own least-squares slope, with a t interval over seeds and its p-value.
- ``claim_test`` and ``verdict``: whether the per-seed values bear out a claim
  (a direction, a direction beyond a minimum effect, or equivalence within a
  tolerance by two one-sided tests, TOST).
- ``adjusted_p_values``: Benjamini-Hochberg false discovery rate control.
- ``ratio_of_means``: a ratio of two mean paired differences (a rule group's
  share of a gap) with Fieller's interval.
- ``share_holding``: the share of sampled points at which a claim holds, with
  the exact (Clopper-Pearson) binomial interval.
- ``simulated_coverage`` and ``simulated_ratio_coverage``: how often these
  intervals hold the true value at a given number of seeds, on normal and on
  skewed synthetic data.

Why t intervals and not the bootstrap: at the 5 to 30 seeds an experiment
affords, the bootstrap runs narrow. ``benchmarks/interval_coverage.py`` measured, with
2,000 synthetic experiments per cell: the BCa interval of a mean covered 84%,
91% and 95% of normal samples of 5, 12 and 30 (t: 96%, 96%, 95%) and was no
better than t on lognormal samples of skewness 1.75 (81 to 91% against 92 to
93%); bootstrapping d_z gave no interval at all from 5 seeds and covered 84% on
30 strongly skewed ones, where the exact noncentral-t interval covers 95% on
normal data and errs wide on skewed data; the percentile bootstrap of a slope
over seeds covered 84% and 91% at 5 and 12 seeds, the t interval over
per-seed slopes 95%. The bootstrap was kept nowhere: in the one cell where it
beat t (a mean of 30 lognormal values of skewness 6.2, 89% against 87%) the
gap is about 1.5 standard errors, and both miss 95% by far. Spearman's rho over runs, with a
bootstrap over seeds, was dropped: resampling seeds shrinks the spread of
their shared luck, which that rho depends on, and the interval missed the
truth most of the time.

Why pair, and why per-seed slopes: differencing within seed removes the luck
the two settings share, so the interval of the differences is far narrower
than one that treats the runs as independent. A slope is estimated within each
seed for the same reason, and the seeds' slopes, being independent, give a t
interval with n - 1 degrees of freedom. When every seed ran every point, their
mean is the pooled least-squares slope.

Why Fieller for a share of a gap: the share is a ratio of two means over the
same seeds, E[effect] / E[gap]. Fieller's interval (Fieller 1954) inverts the
t test of effect - share * gap, which is exact when the per-seed pairs are
bivariate normal, the same assumption as the t interval; it is bounded exactly
when the gap's own interval excludes zero, and otherwise is no interval at
all (a share of a gap that may be zero is unknown). A t interval of per-seed
shares would estimate another quantity, E[effect / gap], and blows up when a
seed's gap is near zero; a delta-method interval is symmetric where the
ratio's distribution is not and runs narrow when the gap is noisy.

NaNs in the inputs are dropped; ``n`` (or ``n_seeds``) says how many
observations were used. Nothing here draws random numbers except
``simulated_coverage``, which is seeded.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special, stats
from scipy.optimize import elementwise

CONFIDENCE = 0.95
EXPECTATIONS = ("greater", "less", "equal")
Verdict = Literal["supported", "contradicted", "inconclusive"]

# A slope needs spread in the parameter; below this share of the sum of squares
# the spread is rounding error, not a sweep.
MIN_PARAMETER_SPREAD = 1e-12
# The exact Wilcoxon distribution is what scipy uses up to this many pairs.
WILCOXON_EXACT_UP_TO = 50
# Log-sd of the skewed (lognormal) distribution the simulated coverage is
# reported for: skewness 1.75. Over 30 seeds of regimes-2x2 (default scenario)
# only 1 of 40 metric-by-arm samples and 2 of 60 paired differences were more
# skewed (largest 2.2, turnaway_cost); the median was 0.4.
SKEWED_LOG_SD = 0.5


@dataclass(frozen=True)
class Estimate:
    """A mean with its confidence interval, over ``n`` observations."""

    mean: float
    low: float
    high: float
    n: int


@dataclass(frozen=True)
class Difference:
    """A paired difference ``a - b`` over ``n`` seeds run under both settings.

    ``effect_size`` is d_z with Hedges' correction (unbiased for the population
    d_z under normality); ``effect_low`` and ``effect_high`` are the exact
    noncentral-t interval of the population d_z. ``p_value`` is the two-sided
    Wilcoxon signed-rank p-value.
    """

    mean: float
    low: float
    high: float
    n: int
    effect_size: float
    effect_low: float
    effect_high: float
    p_value: float


@dataclass(frozen=True)
class Trend:
    """How a metric moves with a swept parameter.

    ``slope`` is the mean over seeds of each seed's least-squares slope, with
    its t interval and two-sided p-value; ``n_seeds`` seeds had a slope (runs
    at two or more parameter values), ``n_points`` is the number of distinct
    parameter values.
    """

    slope: float
    low: float
    high: float
    n_seeds: int
    n_points: int
    p_value: float


@dataclass(frozen=True)
class Ratio:
    """A ratio of two means over the same ``n`` seeds, with Fieller's interval.

    ``low`` and ``high`` are NaN when there is no bounded interval, and
    ``note`` says why.
    """

    estimate: float
    low: float
    high: float
    n: int
    note: str


@dataclass(frozen=True)
class Share:
    """``holding`` of ``points`` sampled points bear out a claim: their share and its exact interval."""

    share: float
    low: float
    high: float
    holding: int
    points: int
    effective: float  # the effective number of points the interval rests on


@dataclass(frozen=True)
class ClaimResult:
    """A claim decided from per-seed values (differences or slopes).

    ``p_value`` is the one-sided t-test against the claim's threshold for
    "greater" and "less", the TOST p-value for "equal".
    """

    estimate: float
    low: float
    high: float
    n: int
    p_value: float
    verdict: Verdict
    note: str


# ---------------------------------------------------------------- vectorised intervals


def t_intervals(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Student t interval of the mean along the last axis (NaN below two values).

    Values that are all equal give that value as the interval: the t statistic
    is undefined, but every seed said the same.
    """
    values = np.asarray(values, dtype=float)
    if values.shape[-1] < 2:
        nan = np.full(values.shape[:-1], np.nan)
        return nan, nan
    with warnings.catch_warnings():
        # scipy warns that nearly identical values lose precision; they give a point interval.
        warnings.simplefilter("ignore", RuntimeWarning)
        interval = stats.ttest_1samp(values, 0.0, axis=-1).confidence_interval(confidence)
    constant = np.ptp(values, axis=-1) == 0
    mean = np.mean(values, axis=-1)
    return np.where(constant, mean, interval.low), np.where(constant, mean, interval.high)


def t_statistics(values: np.ndarray) -> np.ndarray:
    """The one-sample t statistic against 0 along the last axis (infinite or NaN without spread)."""
    values = np.asarray(values, dtype=float)
    n = values.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.mean(values, axis=-1) / (np.std(values, axis=-1, ddof=1) / np.sqrt(n))


def hedges_correction(n: int | np.ndarray) -> np.ndarray:
    """Hedges' factor J(n - 1): multiplying d_z by it removes d_z's small-sample bias under normality.

    J(m) = Gamma(m / 2) / (sqrt(m / 2) Gamma((m - 1) / 2)) (Hedges 1981, J. Educ. Stat. 6:107).
    """
    m = np.asarray(n, dtype=float) - 1
    return np.exp(special.gammaln(m / 2) - special.gammaln((m - 1) / 2)) / np.sqrt(m / 2)


def effect_sizes(differences: np.ndarray) -> np.ndarray:
    """d_z with Hedges' correction along the last axis; NaN where the differences have no spread."""
    differences = np.asarray(differences, dtype=float)
    n = differences.shape[-1]
    sd = np.std(differences, axis=-1, ddof=1)
    spread = np.ptp(differences, axis=-1) > 0
    d_z = np.divide(np.mean(differences, axis=-1), sd, out=np.full(sd.shape, np.nan), where=spread)
    return d_z * hedges_correction(n)


def effect_size_intervals(
    differences: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """Exact interval of the population d_z along the last axis, by inverting the noncentral t.

    With n differences, t = sqrt(n) d_z follows a noncentral t with n - 1
    degrees of freedom and noncentrality sqrt(n) times the population d_z
    (normal differences). The interval's ends are the noncentralities under
    which the observed t sits at the upper and lower (1 - confidence) / 2
    quantiles (Steiger and Fouladi 1997; Cumming and Finch 2001), found with
    scipy's vectorised bracketing and root finding. NaN without spread.
    """
    differences = np.asarray(differences, dtype=float)
    n = differences.shape[-1]
    sd = np.std(differences, axis=-1, ddof=1)
    spread = np.ptp(differences, axis=-1) > 0
    t = np.divide(np.mean(differences, axis=-1) * np.sqrt(n), sd, out=np.zeros(sd.shape), where=spread)
    tail = (1 - confidence) / 2
    # The noncentral t is symmetric (t, ncp) -> (-t, -ncp); scipy's cdf is accurate in the
    # upper half, where the roots for a large negative t would otherwise be lost, so solve for |t|.
    near, far = (_noncentrality(np.abs(t), n - 1, quantile) / np.sqrt(n) for quantile in (1 - tail, tail))
    negative = t < 0
    low, high = np.where(negative, -far, near), np.where(negative, -near, far)
    return np.where(spread, low, np.nan), np.where(spread, high, np.nan)


def _noncentrality(t: np.ndarray, df: int, quantile: float) -> np.ndarray:
    """The noncentrality under which ``t`` is the ``quantile`` of a noncentral t (increasing in it)."""

    def gap(noncentrality: np.ndarray, t: np.ndarray) -> np.ndarray:
        return stats.nct.cdf(t, df, noncentrality) - quantile

    bracket = elementwise.bracket_root(gap, t - 1.0, t + 1.0, args=(t,))
    root = elementwise.find_root(gap, bracket.bracket, args=(t,))
    return np.where(bracket.success & root.success, root.x, np.nan)


# ---------------------------------------------------------------- one experiment's numbers


def mean_ci(values: ArrayLike, *, confidence: float = CONFIDENCE) -> Estimate:
    """Mean of ``values`` with its t interval."""
    _check_confidence(confidence)
    values = _observations(values, "values")
    values = values[~np.isnan(values)]
    if values.size == 0:
        return Estimate(np.nan, np.nan, np.nan, 0)
    low, high = t_intervals(values, confidence)
    return Estimate(float(np.mean(values)), float(low), float(high), values.size)


def paired_difference(a: ArrayLike, b: ArrayLike, *, confidence: float = CONFIDENCE) -> Difference:
    """Mean of ``a - b`` over seeds, with its t interval, bias-corrected d_z and its exact interval.

    ``a`` and ``b`` hold the same seeds in the same order; a seed missing from
    either (NaN) is dropped from both.
    """
    _check_confidence(confidence)
    differences = paired_values(a, b)
    if differences.size < 2:
        mean = float(differences[0]) if differences.size else np.nan
        return Difference(mean, np.nan, np.nan, differences.size, np.nan, np.nan, np.nan, np.nan)
    low, high = t_intervals(differences, confidence)
    effect_low, effect_high = effect_size_intervals(differences, confidence)
    return Difference(
        mean=float(np.mean(differences)),
        low=float(low),
        high=float(high),
        n=differences.size,
        effect_size=float(effect_sizes(differences)),
        effect_low=float(effect_low),
        effect_high=float(effect_high),
        p_value=signed_rank_p_value(differences),
    )


def paired_values(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """``a - b`` for the seeds present in both."""
    a, b = _observations(a, "a"), _observations(b, "b")
    if a.size != b.size:
        raise ValueError(f"a and b must be aligned by seed; got lengths {a.size} and {b.size}")
    return (a - b)[~(np.isnan(a) | np.isnan(b))]


def signed_rank_p_value(differences: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value; 1 when nothing differs, NaN below two pairs.

    scipy's default: the exact null distribution up to 50 pairs without ties
    or zeros, a permutation distribution with ties or zeros up to 13 pairs,
    the normal approximation otherwise.
    """
    if differences.size < 2:
        return np.nan
    if not np.any(differences):
        return 1.0
    return float(stats.wilcoxon(differences).pvalue)


def smallest_exact_p(n: int) -> float:
    """The smallest two-sided p-value the exact signed-rank test can give with ``n`` pairs: 2 / 2**n."""
    return 2.0 ** (1 - n)


def trend(
    x: ArrayLike,
    y: ArrayLike,
    groups: ArrayLike,
    *,
    confidence: float = CONFIDENCE,
) -> Trend:
    """Slope of ``y`` on ``x`` within seeds, with its t interval over seeds and its p-value.

    One row per run: ``x`` the parameter value, ``y`` the metric, ``groups``
    the seed. A run with any of the three missing is dropped.
    """
    _check_confidence(confidence)
    runs = _runs(x, y, groups)
    slopes = seed_slopes(runs["x"], runs["y"], runs["seed"])
    low, high = t_intervals(slopes, confidence)
    return Trend(
        slope=float(np.mean(slopes)) if slopes.size else np.nan,
        low=float(low),
        high=float(high),
        n_seeds=int(slopes.size),
        n_points=int(runs["x"].nunique()),
        p_value=_t_test_p(slopes),
    )


def seed_slopes(x: ArrayLike, y: ArrayLike, groups: ArrayLike) -> np.ndarray:
    """Each seed's least-squares slope of ``y`` on ``x``, in order of first appearance.

    A seed whose runs do not spread over two parameter values has no slope
    and is left out. Centring first keeps the sums of squares free of
    cancellation when the parameter is far from zero.
    """
    runs = _runs(x, y, groups)
    seed = pd.factorize(runs["seed"])[0]
    x = (runs["x"] - runs["x"].mean()).to_numpy()
    y = (runs["y"] - runs["y"].mean()).to_numpy()
    n, sx, sy, sxy, sxx = (np.bincount(seed, weights=part) for part in (np.ones_like(x), x, y, x * y, x * x))
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = sxx - sx**2 / n
        covariation = sxy - sx * sy / n
    has_spread = (spread > 0) & (spread > MIN_PARAMETER_SPREAD * sxx)
    return (covariation / np.where(has_spread, spread, 1.0))[has_spread]


# ---------------------------------------------------------------- claims and families


def claim_test(
    values: ArrayLike,
    expect: str,
    *,
    tolerance: float = 0.0,
    minimum: float = 0.0,
    confidence: float = CONFIDENCE,
) -> ClaimResult:
    """Decide a claim from per-seed values: differences between two arms, or per-seed slopes.

    "greater" claims the mean exceeds ``minimum`` (0 unless a minimum effect of
    interest is stated), "less" that it is below ``-minimum``, "equal" that it
    lies within ``tolerance`` of 0. The verdict follows ``verdict`` on the t
    interval; the p-value is the matching one-sided t-test (TOST for "equal"),
    which is below (1 - confidence) / 2 exactly when the claim is supported.
    Values with no spread at all decide nothing (inconclusive): every seed
    gave the same number, which is the mark of a result fixed by construction.
    """
    values = _observations(values, "values")
    values = values[~np.isnan(values)]
    if values.size < 2:
        return ClaimResult(
            np.nan, np.nan, np.nan, values.size, np.nan, "inconclusive", "fewer than two seeds"
        )
    estimate = float(np.mean(values))
    if np.ptp(values) == 0:
        note = "every seed gave the same value, so the runs cannot tell evidence from construction"
        return ClaimResult(estimate, estimate, estimate, values.size, np.nan, "inconclusive", note)
    low, high = (float(end) for end in t_intervals(values, confidence))
    if expect == "equal":
        p_value = equivalence_p_value(values, tolerance)
    else:
        threshold = minimum if expect == "greater" else -minimum
        p_value = float(stats.ttest_1samp(values, threshold, alternative=expect).pvalue)
    decided = verdict(low, high, expect, tolerance, minimum)
    return ClaimResult(estimate, low, high, values.size, p_value, decided, "")


def equivalence_p_value(values: np.ndarray, tolerance: float) -> float:
    """Two one-sided t-tests (TOST, Schuirmann 1987) that the mean lies within ``tolerance`` of 0.

    The larger of the two one-sided p-values: the mean is shown to be above
    ``-tolerance`` and below ``tolerance`` at that level.
    """
    above = stats.ttest_1samp(values, -tolerance, alternative="greater").pvalue
    below = stats.ttest_1samp(values, tolerance, alternative="less").pvalue
    return float(max(above, below))


def verdict(low: float, high: float, expect: str, tolerance: float = 0.0, minimum: float = 0.0) -> Verdict:
    """Whether an interval for a difference or slope bears out an expectation.

    "greater" holds when the interval lies wholly above ``minimum`` (0 unless
    a minimum effect of interest is stated) and is contradicted when it lies
    wholly at or below it (so an interval ending at exactly 0 contradicts: 0
    is not greater). "less" is the mirror image below ``-minimum``. "equal"
    holds when the interval lies wholly inside ``(-tolerance, tolerance)``
    (the TOST at the interval's level) and is contradicted when it lies wholly
    outside ``[-tolerance, tolerance]``. Anything else, including a NaN bound,
    is inconclusive.
    """
    if expect not in EXPECTATIONS:
        raise ValueError(f"expect={expect!r} is not one of {', '.join(map(repr, EXPECTATIONS))}")
    if np.isnan(low) or np.isnan(high):
        return "inconclusive"
    if expect == "greater":
        supported, contradicted = low > minimum, high <= minimum
    elif expect == "less":
        supported, contradicted = high < -minimum, low >= -minimum
    else:
        supported = -tolerance < low and high < tolerance
        contradicted = low > tolerance or high < -tolerance
    if supported:
        return "supported"
    return "contradicted" if contradicted else "inconclusive"


def adjusted_p_values(p_values: ArrayLike) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (scipy's ``false_discovery_control``); NaNs stay NaN.

    Rejecting where the adjusted value is below q keeps the expected share of
    false discoveries among the rejections at most q (independent or
    positively dependent tests).
    """
    p_values = np.asarray(p_values, dtype=float)
    adjusted = np.full(p_values.shape, np.nan)
    present = ~np.isnan(p_values)
    if present.any():
        adjusted[present] = stats.false_discovery_control(p_values[present], method="bh")
    return adjusted


# ---------------------------------------------------------------- ratios and shares


def fieller_intervals(
    numerators: np.ndarray, denominators: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """Fieller's interval of mean(numerators) / mean(denominators) along the last axis.

    The ratio r is in the interval when the t test of mean(numerator - r *
    denominator) = 0 does not reject: (a - r b)^2 <= t^2 (v_aa - 2 r v_ab +
    r^2 v_bb), with a and b the means, v the variances and covariance of the
    means and t the two-sided t quantile with n - 1 degrees of freedom. The
    set is a bounded interval exactly when b^2 > t^2 v_bb (the denominator's
    own t interval excludes 0); elsewhere it is unbounded and both ends are
    NaN. Pairs that are all equal give the ratio as a point.
    """
    a, b = np.asarray(numerators, dtype=float), np.asarray(denominators, dtype=float)
    n = a.shape[-1]
    if n < 2:
        nan = np.full(a.shape[:-1], np.nan)
        return nan, nan
    t = stats.t.ppf(1 - (1 - confidence) / 2, n - 1)
    mean_a, mean_b = a.mean(axis=-1), b.mean(axis=-1)
    centred_a, centred_b = a - mean_a[..., None], b - mean_b[..., None]
    v_aa = (centred_a**2).sum(axis=-1) / (n - 1) / n
    v_bb = (centred_b**2).sum(axis=-1) / (n - 1) / n
    v_ab = (centred_a * centred_b).sum(axis=-1) / (n - 1) / n
    quadratic = mean_b**2 - t**2 * v_bb
    half_linear = mean_a * mean_b - t**2 * v_ab
    constant = mean_a**2 - t**2 * v_aa
    bounded = quadratic > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(np.maximum(half_linear**2 - quadratic * constant, 0.0))
        low = (half_linear - root) / quadratic
        high = (half_linear + root) / quadratic
    return np.where(bounded, low, np.nan), np.where(bounded, high, np.nan)


def ratio_of_means(numerator: ArrayLike, denominator: ArrayLike, *, confidence: float = CONFIDENCE) -> Ratio:
    """mean(numerator) / mean(denominator) over seeds present in both, with Fieller's interval.

    Used for a rule group's share of a gap: the numerator holds each seed's
    effect of the group, the denominator each seed's gap.
    """
    _check_confidence(confidence)
    a, b = _observations(numerator, "numerator"), _observations(denominator, "denominator")
    if a.size != b.size:
        raise ValueError(f"numerator and denominator must be aligned by seed; got {a.size} and {b.size}")
    present = ~(np.isnan(a) | np.isnan(b))
    a, b = a[present], b[present]
    n = int(a.size)
    if n == 0 or np.mean(b) == 0:
        return Ratio(np.nan, np.nan, np.nan, n, "no gap to take a share of")
    estimate = float(np.mean(a) / np.mean(b))
    if n < 2:
        return Ratio(estimate, np.nan, np.nan, n, "one seed: no interval")
    low, high = (float(end) for end in fieller_intervals(a, b, confidence))
    note = "" if not np.isnan(low) else f"the gap's {confidence:.0%} interval includes 0: no bounded interval"
    return Ratio(estimate, low, high, n, note)


def share_holding(
    holds: ArrayLike, *, confidence: float = CONFIDENCE, effective: float | None = None
) -> Share:
    """The share of points where a claim holds, with the exact Clopper-Pearson interval (scipy).

    The interval assumes independent points. Points of a Latin hypercube are
    not independent, but for any outcome the variance of a Latin hypercube
    mean is at most n / (n - 1) times that of as many independent points
    (Owen 1997, Ann. Statist. 25:1541), so the interval errs, if at all, wide.

    ``effective`` (at most the number of points) is for points that repeat one
    another, such as draws with replacement from a weighted posterior: the
    interval is then Clopper-Pearson's beta quantiles at that many points, with
    the share of them holding (a count that need not be whole), the usual
    effective-sample-size correction (Kish 1965).
    """
    _check_confidence(confidence)
    holds = np.asarray(holds, dtype=bool)
    points, holding = int(holds.size), int(holds.sum())
    if points == 0:
        return Share(np.nan, np.nan, np.nan, 0, 0, np.nan)
    share = holding / points
    if effective is None or effective >= points:
        interval = stats.binomtest(holding, points).proportion_ci(confidence_level=confidence, method="exact")
        return Share(share, float(interval.low), float(interval.high), holding, points, float(points))
    n, k = float(effective), share * float(effective)
    tail = (1 - confidence) / 2
    low = float(stats.beta.ppf(tail, k, n - k + 1)) if k > 0 else 0.0
    high = float(stats.beta.ppf(1 - tail, k + 1, n - k)) if k < n else 1.0
    return Share(share, low, high, holding, points, n)


def kish_effective_size(multiplicities: ArrayLike) -> float:
    """Kish's effective sample size, (sum m)^2 / sum m^2, of points repeated m times each."""
    m = np.asarray(multiplicities, dtype=float)
    return float(m.sum() ** 2 / (m**2).sum()) if m.size else 0.0


# ---------------------------------------------------------------- simulated coverage


def simulated_coverage(n: int, *, replicates: int = 4000, seed: int = 2019) -> dict[str, dict[str, float]]:
    """Share of ``replicates`` synthetic experiments of ``n`` seeds whose 95% intervals hold the truth.

    For the t interval of a mean (which is also the interval of a paired
    difference and, over per-seed slopes, of a slope) and the exact interval
    of d_z (true d_z 0.5), on normal data and on lognormal data with log-sd
    ``SKEWED_LOG_SD``. Its Monte Carlo standard error is about 0.35 points at
    4,000 replicates. Deterministic given ``seed``.
    """
    rng = np.random.default_rng([seed, n])
    coverage: dict[str, dict[str, float]] = {"t": {}, "noncentral t": {}}
    for distribution in ("normal", "lognormal"):
        values, mean = skewed_or_normal_draws(rng, distribution, (replicates, n))
        low, high = t_intervals(values)
        coverage["t"][distribution] = float(np.mean((low <= mean) & (mean <= high)))
        low, high = effect_size_intervals(values - mean + 0.5)
        coverage["noncentral t"][distribution] = float(np.mean((low <= 0.5) & (0.5 <= high)))
    return coverage


# The synthetic decomposition ``simulated_ratio_coverage`` draws: per seed, a gap
# of mean RATIO_GAP_MEAN standard deviations and an effect that is RATIO_TRUE_SHARE
# of it plus independent noise of RATIO_EFFECT_NOISE standard deviations.
RATIO_GAP_MEAN = 1.5
RATIO_TRUE_SHARE = 0.4
RATIO_EFFECT_NOISE = 0.5


def simulated_ratio_coverage(
    n: int, *, replicates: int = 4000, seed: int = 2019
) -> dict[str, dict[str, float]]:
    """How often Fieller's 95% interval of a share of a gap holds the true share, at ``n`` seeds.

    Per seed, gap = RATIO_GAP_MEAN + z_1 and effect = RATIO_TRUE_SHARE * gap +
    RATIO_EFFECT_NOISE * z_2, with z standard normal or rescaled lognormal
    (``skewed_or_normal_draws``), so the true share is RATIO_TRUE_SHARE.
    ``covered`` is the coverage of Fieller's confidence set, bounded or not
    (95% under normality at any n); ``bounded`` is the share of replicates
    whose set is a bounded interval and ``covered_when_bounded`` the coverage
    among them, which is what a report shows. Deterministic given ``seed``.
    """
    rng = np.random.default_rng([seed, n, 1])
    coverage: dict[str, dict[str, float]] = {}
    for distribution in ("normal", "lognormal"):
        noise_gap, mean_gap = skewed_or_normal_draws(rng, distribution, (replicates, n))
        noise_effect, mean_effect = skewed_or_normal_draws(rng, distribution, (replicates, n))
        gap = RATIO_GAP_MEAN + noise_gap - mean_gap
        effect = RATIO_TRUE_SHARE * gap + RATIO_EFFECT_NOISE * (noise_effect - mean_effect)
        low, high = fieller_intervals(effect, gap)
        bounded = ~np.isnan(low)
        # The truth is in the confidence set when the t test of effect - share * gap does not reject it.
        holds = np.abs(t_statistics(effect - RATIO_TRUE_SHARE * gap)) <= stats.t.ppf(
            1 - (1 - CONFIDENCE) / 2, n - 1
        )
        coverage[distribution] = {
            "covered": float(np.mean(holds)),
            "bounded": float(np.mean(bounded)),
            "covered_when_bounded": float(np.mean(holds[bounded])) if bounded.any() else np.nan,
        }
    return coverage


def skewed_or_normal_draws(
    rng: np.random.Generator, distribution: str, shape: tuple[int, ...], log_sd: float = SKEWED_LOG_SD
) -> tuple[np.ndarray, float]:
    """Draws with standard deviation 1 and their true mean: standard normal, or lognormal rescaled."""
    if distribution == "normal":
        return rng.normal(0.0, 1.0, shape), 0.0
    sd = np.sqrt((np.exp(log_sd**2) - 1) * np.exp(log_sd**2))
    return rng.lognormal(0.0, log_sd, shape) / sd, float(np.exp(log_sd**2 / 2) / sd)


# ---------------------------------------------------------------- helpers


def _t_test_p(values: np.ndarray) -> float:
    """Two-sided one-sample t-test p-value against 0; NaN below two values or without spread."""
    if values.size < 2 or np.ptp(values) == 0:
        return np.nan
    return float(stats.ttest_1samp(values, 0.0).pvalue)


def _runs(x: ArrayLike, y: ArrayLike, groups: ArrayLike) -> pd.DataFrame:
    """One row per usable run: parameter, metric and seed, with incomplete runs dropped."""
    columns = {"x": _observations(x, "x"), "y": _observations(y, "y"), "seed": np.asarray(groups)}
    lengths = {name: len(column) for name, column in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"x, y and groups must have one entry per run; got lengths {lengths}")
    return pd.DataFrame(columns).dropna()


def _observations(values: ArrayLike, name: str) -> np.ndarray:
    """``values`` as a 1-D float array, NaNs kept for the caller to drop."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {array.shape}")
    return array


def _check_confidence(confidence: float) -> None:
    """Reject a confidence level outside (0, 1) before scipy sees it."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must lie strictly between 0 and 1")
