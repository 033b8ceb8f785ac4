"""Intake's kernels give what the numpy they replaced gave, ties and draws included."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from hls_sim import intake
from hls_sim.compiled import stream


def assessed_by_numpy(needs: np.ndarray, rows: np.ndarray, noise: float, rng: np.random.Generator):
    """The assessment as numpy made it: the noisy view, and the first two places of its sort."""
    observed = (needs.take(rows, axis=0) + rng.normal(0.0, noise, (len(rows), needs.shape[1]))).clip(0.0, 1.0)
    ranked = np.argsort(-observed, axis=1)
    return observed, ranked[:, 0], ranked[:, 1]


@pytest.mark.parametrize("seed", range(40))
def test_assessment_ranks_tied_needs_as_numpy_sorts_them(seed):
    rng = np.random.default_rng(seed)
    domains, n = int(rng.integers(2, 9)), int(rng.integers(0, 60))
    # Many needs beyond 0 and 1, so that many views of them are clipped to equal values.
    needs = np.where(
        rng.random((100, domains)) < 0.5,
        rng.choice([-0.5, 0.0, 1.0, 1.5], (100, domains)),
        rng.random((100, domains)),
    )
    rows = rng.choice(100, n, replace=False)
    people = SimpleNamespace(domains=domains, needs=needs)
    for name in ("assessed_domain", "second_domain", "recorded_domain"):
        setattr(people, name, np.full(100, -1, dtype=np.int64))
    noise = float(rng.choice([0.0, 0.1]))
    numpy_rng, kernel_rng = np.random.default_rng(seed + 1), np.random.default_rng(seed + 1)
    observed, first, second = assessed_by_numpy(needs, rows, noise, numpy_rng)
    assert np.array_equal(intake.assess(people, rows, noise, stream(kernel_rng)), observed)
    assert np.array_equal(people.assessed_domain[rows], first)
    assert np.array_equal(people.recorded_domain[rows], first)
    assert np.array_equal(people.second_domain[rows], second)
    assert numpy_rng.random() == kernel_rng.random(), "the kernel drew as many numbers as numpy"


@pytest.mark.parametrize("seed", range(20))
def test_contacts_are_grouped_by_provider_as_a_stable_sort_groups_them(seed):
    rng = np.random.default_rng(seed)
    providers = int(rng.integers(1, 8))
    choice = rng.integers(0, providers, int(rng.integers(0, 100)))
    assert np.array_equal(intake._by_provider(choice, providers), np.argsort(choice, kind="stable"))
