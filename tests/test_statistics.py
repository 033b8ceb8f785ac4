"""The report's statistics on synthetic data with known answers.

Coverage tests draw a few hundred samples from a known distribution and count
how often the 95% interval holds the true value; an interval that is too
narrow, too wide or off-centre fails them. Everything is seeded, so a failure
is a change in behaviour, not bad luck.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from hls_sim.experiment.statistics import mean_ci, paired_difference, trend, verdict

REPLICATES = 300
RESAMPLES = 999
# A bootstrap interval from 30 values is a little narrow (it scales by the
# normal quantile and the n divisor, not Student's t): over 3,000 replicates
# these designs cover 0.925 (paired), 0.935 (mean) and 0.94 (trend), so a 0.92
# floor would fail on noise. Too narrow or too wide an interval still fails.
COVERAGE = (0.90, 0.98)


def covers(low: float, high: float, truth: float) -> bool:
    """Whether the interval holds the true value."""
    return low <= truth <= high


def sweep(rng: np.random.Generator, slope: float, seeds: int = 20, seed_slope_sd: float = 0.0):
    """Runs of a five-point sweep under common random numbers: every seed at every value.

    Each seed shifts all its runs by a large shared amount (its luck), and may
    have its own slope; the population slope is ``slope``.
    """
    seed_ids = np.repeat(np.arange(seeds), 5)
    x = np.tile(np.linspace(0.0, 1.0, 5), seeds)
    seed_effect = rng.normal(0.0, 5.0, seeds)[seed_ids]
    seed_slope = slope + rng.normal(0.0, seed_slope_sd, seeds)[seed_ids]
    y = seed_slope * x + seed_effect + rng.normal(0.0, 0.3, x.size)
    return x, y, seed_ids


def correlated_pairs(rng: np.random.Generator, shift: float, n: int = 30):
    """Two settings run on the same seeds: a large shared seed component plus small own noise."""
    shared = rng.normal(10.0, 3.0, n)
    return shared + shift + rng.normal(0.0, 1.0, n), shared + rng.normal(0.0, 1.0, n)


def test_mean_ci_covers_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(11)
    hits = [
        covers(*_bounds(mean_ci(rng.normal(3.0, 2.0, 30), n_resamples=RESAMPLES, seed=i)), 3.0)
        for i in range(REPLICATES)
    ]
    assert COVERAGE[0] <= np.mean(hits) <= COVERAGE[1]


def test_paired_difference_covers_the_true_shift_about_95_percent_of_the_time():
    rng = np.random.default_rng(12)
    hits = [
        covers(*_bounds(paired_difference(*correlated_pairs(rng, 0.5), n_resamples=RESAMPLES, seed=i)), 0.5)
        for i in range(REPLICATES)
    ]
    assert COVERAGE[0] <= np.mean(hits) <= COVERAGE[1]


def test_pairing_gives_a_narrower_interval_than_treating_the_runs_as_independent():
    a, b = correlated_pairs(np.random.default_rng(13), 0.5)
    paired = paired_difference(a, b)
    unpaired = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert paired.high - paired.low < 0.5 * (unpaired.high - unpaired.low)


def test_effect_size_recovers_a_known_standardised_shift():
    rng = np.random.default_rng(14)
    baseline = rng.normal(0.0, 5.0, 400)
    result = paired_difference(baseline + rng.normal(0.5, 1.0, 400), baseline)
    assert result.effect_size == pytest.approx(0.5, abs=0.1)
    assert result.effect_low < 0.5 < result.effect_high
    assert result.p_value < 1e-6


def test_effect_size_is_nan_without_spread_and_zero_without_difference():
    assert np.isnan(paired_difference([2.0, 3.0, 4.0], [1.0, 2.0, 3.0]).effect_size)
    same = paired_difference([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert (same.effect_size, same.effect_low, same.effect_high) == (0.0, 0.0, 0.0)
    assert same.p_value == 1.0


def test_paired_difference_drops_a_seed_missing_from_either_setting():
    result = paired_difference([1.0, np.nan, 3.0, 4.0], [0.0, 5.0, 1.0, np.nan])
    assert result.n == 2
    assert result.mean == pytest.approx(1.5)


def test_paired_difference_needs_aligned_settings():
    with pytest.raises(ValueError, match="lengths 3 and 2"):
        paired_difference([1.0, 2.0, 3.0], [1.0, 2.0])


def test_paired_difference_of_fewer_than_two_seeds_has_no_interval_or_test():
    one = paired_difference([3.0], [1.0])
    assert (one.mean, one.n) == (2.0, 1)
    assert np.isnan([one.low, one.high, one.effect_size, one.effect_low, one.p_value]).all()
    none = paired_difference([np.nan], [1.0])
    assert none.n == 0 and np.isnan(none.mean)


def test_trend_recovers_a_known_slope_despite_large_seed_effects():
    result = trend(*sweep(np.random.default_rng(15), slope=2.0))
    assert result.low < 2.0 < result.high
    assert result.low > 0
    assert result.high - result.low < 1.0, "each seed's shared luck should cancel within seed"
    assert (result.n_seeds, result.n_points, result.spearman) == (20, 5, pytest.approx(1.0))


def test_trend_of_a_flat_metric_covers_zero():
    result = trend(*sweep(np.random.default_rng(16), slope=0.0))
    assert result.low < 0 < result.high


def test_trend_interval_resamples_whole_seeds():
    """Runs of one seed share its luck and its own slope; resampling runs would misjudge both.

    Resampling runs here covers every time: the seeds' shared luck, which
    cancels within seed, is counted as noise.
    """
    rng = np.random.default_rng(17)
    hits = [
        covers(*_bounds(trend(*sweep(rng, 2.0, seed_slope_sd=1.0), n_resamples=RESAMPLES, seed=i)), 2.0)
        for i in range(200)
    ]
    assert COVERAGE[0] <= np.mean(hits) <= COVERAGE[1]


def test_trend_drops_incomplete_runs_and_needs_two_seeds_for_an_interval():
    result = trend([0.0, 1.0, 2.0, np.nan], [0.0, 1.0, 2.0, 5.0], [7, 7, 7, 8])
    assert (result.slope, result.n_seeds, result.n_points) == (pytest.approx(1.0), 1, 3)
    assert np.isnan([result.low, result.high]).all()


def test_trend_without_parameter_spread_has_no_slope():
    result = trend([1.0, 1.0, 1.0], [1.0, 2.0, 3.0], [0, 1, 2])
    assert np.isnan([result.slope, result.low, result.high, result.spearman]).all()


def test_trend_needs_one_entry_per_run():
    with pytest.raises(ValueError, match="one entry per run"):
        trend([0.0, 1.0], [0.0, 1.0], [0])


@pytest.mark.parametrize(
    ("low", "high", "expect", "tolerance", "expected"),
    [
        (0.1, 0.5, "greater", 0.0, "supported"),
        (-0.5, -0.1, "greater", 0.0, "contradicted"),
        (-0.5, 0.0, "greater", 0.0, "contradicted"),
        (-0.1, 0.5, "greater", 0.0, "inconclusive"),
        (-0.5, -0.1, "less", 0.0, "supported"),
        (0.1, 0.5, "less", 0.0, "contradicted"),
        (-0.1, 0.5, "less", 0.0, "inconclusive"),
        (-0.05, 0.05, "equal", 0.1, "supported"),
        (0.0, 0.0, "equal", 0.0, "supported"),
        (0.2, 0.5, "equal", 0.1, "contradicted"),
        (-0.5, -0.2, "equal", 0.1, "contradicted"),
        (0.05, 0.5, "equal", 0.1, "inconclusive"),
        (np.nan, 0.5, "greater", 0.0, "inconclusive"),
        (0.1, np.nan, "equal", 0.1, "inconclusive"),
    ],
)
def test_verdict(low, high, expect, tolerance, expected):
    assert verdict(low, high, expect, tolerance) == expected


def test_verdict_names_the_bad_expectation_and_the_allowed_ones():
    with pytest.raises(ValueError, match="'bigger'.*'greater', 'less', 'equal'"):
        verdict(0.1, 0.5, "bigger")


def test_mean_ci_of_constant_values_is_the_value():
    result = mean_ci(np.full(20, 0.1))
    assert result.mean == result.low == result.high == pytest.approx(0.1)
    assert result.n == 20


def test_mean_ci_drops_nans_and_reports_how_many_values_it_used():
    result = mean_ci([1.0, np.nan, 2.0, 3.0, np.nan])
    assert (result.mean, result.n) == (2.0, 3)
    assert 1.0 <= result.low < 2.0 < result.high <= 3.0


def test_mean_ci_of_no_values_or_one_value():
    empty = mean_ci([np.nan])
    assert empty.n == 0 and np.isnan([empty.mean, empty.low, empty.high]).all()
    one = mean_ci([4.0])
    assert (one.mean, one.n) == (4.0, 1) and np.isnan([one.low, one.high]).all()


@pytest.mark.parametrize("bad", [{"confidence": 95}, {"confidence": 0.0}])
def test_confidence_must_be_a_share(bad):
    with pytest.raises(ValueError, match="confidence"):
        mean_ci([1.0, 2.0], **bad)


def test_inputs_must_be_one_dimensional():
    with pytest.raises(ValueError, match="values must be one-dimensional"):
        mean_ci(np.ones((3, 2)))


def test_same_seed_same_result_and_other_seed_other_interval():
    rng = np.random.default_rng(18)
    values = rng.exponential(1.0, 25)
    a, b = correlated_pairs(rng, 0.3)
    x, y, seeds = sweep(rng, 1.0, seeds=8)
    assert mean_ci(values, seed=3) == mean_ci(values, seed=3)
    assert paired_difference(a, b, seed=3) == paired_difference(a, b, seed=3)
    assert trend(x, y, seeds, seed=3) == trend(x, y, seeds, seed=3)
    assert mean_ci(values, seed=3).low != mean_ci(values, seed=4).low
    assert trend(x, y, seeds, seed=3).low != trend(x, y, seeds, seed=4).low


def _bounds(result) -> tuple[float, float]:
    """An estimate's interval."""
    return result.low, result.high
