"""Stylized facts on small runs over several seeds, each beside the setting where it must fail.

These check direction and rough size on a small place (600 people, 3 providers,
two years), paired by seed (common random numbers). The experiment runner does
the full-size, many-seed versions with confidence intervals.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import hls_sim

SEEDS = (1, 2, 3)
PERFECT_INDICATOR = {"indicator.aligned": True, "indicator.audit_rate": 1.0}


@functools.cache
def summary(seed: int, overrides: tuple[tuple[str, object], ...]) -> dict[str, float]:
    """One run's summary; cached, since several facts read the same runs."""
    return hls_sim.run("small-place", seed=seed, overrides=dict(overrides))


def metric(name: str, **overrides: object) -> np.ndarray:
    """The metric over the seeds, for the small place with these dotted overrides."""
    key = tuple(sorted(overrides.items()))
    return np.array([summary(seed, key)[name] for seed in SEEDS])


def dotted(**pairs: object) -> dict[str, object]:
    """Keyword form ``funding__pbr_share`` to dotted keys, for readable test bodies."""
    return {key.replace("__", "."): value for key, value in pairs.items()}


class TestCampbellsLaw:
    """Raising the money on an imperfect indicator opens a gap between it and the truth."""

    def test_gaming_gap_rises_with_pbr_share(self):
        low = metric("gaming_gap", **dotted(funding__pbr_share=0.0))
        high = metric("gaming_gap", **dotted(funding__pbr_share=0.8))
        assert (high > low).all(), (low, high)
        assert (high - low).mean() > 0.2

    def test_reported_indicator_rises_while_wellbeing_does_not(self):
        low = dotted(funding__pbr_share=0.0)
        high = dotted(funding__pbr_share=0.8)
        assert metric("indicator_reported", **high).mean() > metric("indicator_reported", **low).mean()
        assert metric("wellbeing_mean", **high).mean() <= metric("wellbeing_mean", **low).mean() + 0.01

    def test_no_gap_with_a_perfect_indicator_and_full_audit(self):
        low = metric("gaming_gap", **dotted(funding__pbr_share=0.0), **PERFECT_INDICATOR)
        high = metric("gaming_gap", **dotted(funding__pbr_share=0.8), **PERFECT_INDICATOR)
        assert np.abs(high - low).max() < 0.02, (low, high)
        assert np.abs(high).max() < 0.02


class TestThresholdBunching:
    """Closures pile up just past the target threshold when money rides on it."""

    def test_bunching_appears_with_stakes(self):
        high = metric("bunching", **dotted(funding__pbr_share=0.8))
        assert (high > 1.0).all(), high

    def test_no_bunching_when_nothing_rides_on_the_indicator(self):
        none = metric("bunching", **dotted(funding__pbr_share=0.0))
        high = metric("bunching", **dotted(funding__pbr_share=0.8))
        assert (none < 1.0).all() and (none < high).all(), (none, high)


class TestCreaming:
    """Payment on a threshold indicator makes providers turn the hardest-to-help away."""

    def test_hardest_accepted_less_under_high_pbr_than_under_trust(self):
        target = metric("creaming_index", **dotted(funding__mode="target", funding__pbr_share=0.8))
        trust = metric("creaming_index", **dotted(funding__mode="trust"))
        assert (target > trust + 0.05).all(), (target, trust)

    def test_no_creaming_when_nothing_rides_on_the_indicator(self):
        no_stakes = metric(
            "creaming_index",
            **dotted(funding__mode="target", funding__pbr_share=0.0, market__mode="alliance"),
        )
        trust = metric("creaming_index", **dotted(funding__mode="trust", market__mode="alliance"))
        assert no_stakes.mean() <= trust.mean() + 0.02, (no_stakes, trust)


class TestLearning:
    """Under drift, an alliance with honest feedback knows better what works than competition on a proxy."""

    DRIFT = {"context.drift": 0.02}
    EQUAL_FOOTING = {"funding.honest_feedback": 0.5, "market.sharing": 0.0, "indicator.validity": 1.0}

    def error(self, funding: str, market: str, **extra: object) -> np.ndarray:
        return metric(
            "knowledge_error", **dotted(funding__mode=funding, market__mode=market), **self.DRIFT, **extra
        )

    def test_honest_alliance_has_less_knowledge_error(self):
        old_world = self.error("target", "competition")
        hls = self.error("trust", "alliance")
        assert (hls < old_world).all(), (hls, old_world)
        assert (old_world - hls).mean() > 0.04

    def test_advantage_mostly_goes_with_equal_feedback_no_sharing_and_a_valid_indicator(self):
        gap = (self.error("target", "competition") - self.error("trust", "alliance")).mean()
        level = (
            self.error("target", "competition", **self.EQUAL_FOOTING)
            - self.error("trust", "alliance", **self.EQUAL_FOOTING)
        ).mean()
        assert level < 0.3 * gap, (level, gap)


class TestCrowdingOut:
    """Target pressure lowers morale and drives workers out, breaking relationships."""

    NO_MORALE_CHANNEL = {"workforce.morale_turnover": 0.0, "workforce.crowding_rate": 0.0}

    def turnover_gap(self, **extra: object) -> float:
        high = metric("turnover_rate", **dotted(funding__pbr_share=0.8), **extra)
        low = metric("turnover_rate", **dotted(funding__pbr_share=0.0), **extra)
        return float((high - low).mean())

    def test_pressure_lowers_morale_and_raises_turnover(self):
        high = metric("morale_mean", **dotted(funding__pbr_share=0.8))
        low = metric("morale_mean", **dotted(funding__pbr_share=0.0))
        assert (high < low).all(), (high, low)
        assert self.turnover_gap() > 0.05

    def test_turnover_gap_goes_when_morale_does_not_drive_leaving(self):
        assert abs(self.turnover_gap(**self.NO_MORALE_CHANNEL)) < self.turnover_gap() / 3


class TestTrustCanFail:
    """With knaves everywhere and nobody looking, trust does worse than money on results.

    Discretion, honest feedback and reporting are held equal, so the comparison is
    of funding on trust without dialogue against funding on an indicator.
    """

    EQUAL_FOOTING = {
        "funding.discretion": 0.8,
        "funding.honest_feedback": 0.8,
        "funding.reporting_hours_per_case": 0.15,
    }

    def wellbeing(self, knave_share: float) -> tuple[np.ndarray, np.ndarray]:
        shared = {**self.EQUAL_FOOTING, "workforce.knave_share": knave_share}
        trust = metric("wellbeing_mean", **{"funding.mode": "trust", "funding.dialogue_hours": 0.0}, **shared)
        target = metric("wellbeing_mean", **{"funding.mode": "target"}, **shared)
        return trust, target

    def test_unwatched_trust_in_knaves_does_worse_than_targets(self):
        trust, target = self.wellbeing(knave_share=1.0)
        assert (trust < target).all(), (trust, target)

    def test_with_mostly_knights_trust_does_better(self):
        trust, target = self.wellbeing(knave_share=0.2)
        assert (trust > target).all(), (trust, target)


@pytest.mark.parametrize("regime", hls_sim.REGIME_NAMES)
def test_every_regime_runs_and_reports_the_contract(regime):
    funding, market = regime.split("-")
    summary = hls_sim.run(
        "small-place", seed=1, overrides={"weeks": 26, "funding.mode": funding, "market.mode": market}
    )
    assert set(hls_sim.metrics.CONTRACT_KEYS) <= set(summary)
    assert 0.0 <= summary["wellbeing_mean"] <= 1.0
