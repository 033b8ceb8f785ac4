"""The speed work keeps every number: compiled kernels give numpy's, bit for bit, and so does the fallback.

``tests/test_same_seed_same_run.py`` holds whole runs to the summaries recorded
before any kernel existed; these tests hold the kernels' building blocks to
numpy's rules (signed zeros, ties, order of addition), the pure-Python
fallback and a bounds-checked build to the compiled run, and the summary's
column means to the ones its pandas table gave.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from hls_sim import compiled, rowwise
from hls_sim.metrics import column_mean


@compiled.kernel
def _draw_in_a_kernel(stream: np.ndarray, out: np.ndarray, sizes: np.ndarray) -> None:
    """Uniforms, integers below 3, Poisson(2.5) and Poisson(300) counts, normals, integers below 7
    and below 1 (``draw_below``) and Gumbel draws, one at a time."""
    rng = compiled.generator_at(stream)
    at = 0
    for kind in range(len(sizes)):
        for _ in range(sizes[kind]):
            if kind == 0:
                out[at] = rng.random()
            elif kind == 1:
                out[at] = rng.integers(0, 3)
            elif kind == 2:
                out[at] = rng.poisson(2.5)
            elif kind == 3:
                out[at] = rng.poisson(300.0)
            elif kind == 4:
                out[at] = rng.normal(0.0, 1.0)
            elif kind == 5:
                out[at] = compiled.draw_below(rng, 7)
            elif kind == 6:
                out[at] = compiled.draw_below(rng, 1)  # numpy draws nothing for this
            else:
                out[at] = compiled.gumbel(rng)
            at += 1


SPECIAL = np.array([-0.0, 0.0, 1.0, -1.0, 0.5, 2.0, np.inf, -np.inf])


def same_bits(a: float, b: float) -> bool:
    return bool(a == b and np.signbit(a) == np.signbit(b))


def test_maximum_minimum_and_clip_keep_numpys_signed_zeros_and_ties():
    first, second = np.repeat(SPECIAL, len(SPECIAL)), np.tile(SPECIAL, len(SPECIAL))
    # Arrays long enough for numpy's vectorised loops, which are the ones the model's arrays meet.
    first, second = np.tile(first, 8), np.tile(second, 8)
    biggest, smallest = np.maximum(first, second), np.minimum(first, second)
    for i in range(len(first)):
        assert same_bits(compiled.maximum(first[i], second[i]), biggest[i])
        assert same_bits(compiled.minimum(first[i], second[i]), smallest[i])
    values = np.tile(SPECIAL, 8)
    for low, high in ((0.0, 1.0), (-0.0, 1.0), (0.0, 0.5)):
        clipped = np.clip(values, low, high)
        for i, value in enumerate(values):
            assert same_bits(compiled.clip(value, low, high), clipped[i])


@pytest.mark.parametrize("columns", range(1, 16))
def test_one_rows_sum_and_max_are_rowwises(columns):
    rng = np.random.default_rng(columns)
    table = rng.random((200, columns)) * rng.choice([1e-3, 1.0, 1e3, -1.0], (200, columns))
    table[rng.random(table.shape) < 0.1] = -0.0
    table[rng.random(table.shape) < 0.1] = 0.5  # ties
    sums, maxima = rowwise.row_sum(table), rowwise.row_max(table)
    for i, row in enumerate(table):
        assert same_bits(compiled.row_sum_of(row), sums[i])
        assert same_bits(compiled.row_max_of(row), maxima[i])
        assert same_bits(compiled.row_total(table, i), sums[i])
        assert same_bits(compiled.row_highest(table, i), maxima[i])


def test_a_kernel_draws_what_numpy_draws_and_leaves_the_generator_where_numpy_would():
    sizes = np.array([5, 7, 9, 3, 11, 13, 4, 6])
    numpy_rng, kernel_rng = np.random.default_rng(8), np.random.default_rng(8)
    stream = compiled.stream(kernel_rng)
    expected, drawn = [], []
    for _ in range(3):  # kernel draws between numpy's own, on the same generator
        expected += [
            numpy_rng.random(5),
            numpy_rng.integers(0, 3, 7),
            numpy_rng.poisson(2.5, 9),
            numpy_rng.poisson(300.0, 3),
            numpy_rng.normal(0.0, 1.0, 11),
            numpy_rng.integers(0, 7, 13),
            numpy_rng.integers(0, 1, 4),
            numpy_rng.gumbel(0.0, 1.0, 6),
            numpy_rng.random(2),
        ]
        out = np.zeros(sizes.sum())
        _draw_in_a_kernel(stream, out, sizes)
        drawn += [out, kernel_rng.random(2)]
    assert np.array_equal(np.concatenate(expected), np.concatenate(drawn))
    assert numpy_rng.bit_generator.state == kernel_rng.bit_generator.state


@pytest.mark.parametrize("size", [*range(0, 140), 255, 256, 257, 1000, 4097, 20_000])
def test_pairwise_sum_is_numpys_sum(size):
    rng = np.random.default_rng(size)
    values = rng.normal(size=size) * 10 ** rng.uniform(-3, 3, size)
    values[rng.random(size) < 0.05] = -0.0
    assert same_bits(compiled.pairwise_sum(values), values.sum())


TINY_RUN = (
    "import json, hls_sim, hls_sim.compiled as c;"
    "s = hls_sim.run('small-place', seed=3, overrides={'population.size': 150, 'workforce.workers': 6,"
    " 'funding.budget': 170000.0, 'burn_in': 4}, weeks=8);"
    "print(json.dumps({'compiled': c.njit is not None, 'summary': repr(s)}))"
)


def tiny_run(**environment: str) -> dict[str, object]:
    """A tiny run in a fresh process with ``environment`` set: whether it was compiled, and its summary."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("HLS_SIM_PURE_PYTHON", "NUMBA_BOUNDSCHECK")
    }
    env.update(environment)
    done = subprocess.run(
        [sys.executable, "-c", TINY_RUN], env=env, capture_output=True, text=True, check=True, timeout=600
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_without_numba_a_run_gives_the_compiled_runs_numbers():
    """The fallback (plain Python kernels) is the same model: a tiny run gives the same summary."""
    compiled, pure = tiny_run(), tiny_run(HLS_SIM_PURE_PYTHON="1")
    assert (compiled["compiled"], pure["compiled"]) == (True, False)
    assert compiled["summary"] == pure["summary"]


@pytest.mark.slow
def test_no_kernel_reads_or_writes_outside_its_arrays(tmp_path):
    """Compiled kernels skip bounds checks; with them on (and a cache of their own) a run is the same."""
    checked = tiny_run(NUMBA_BOUNDSCHECK="1", NUMBA_CACHE_DIR=str(tmp_path))
    assert checked["summary"] == tiny_run()["summary"]


@pytest.mark.parametrize("size", [0, 1, 7, 8, 9, 130, 260, 1000])
def test_a_weekly_columns_mean_is_the_one_pandas_gave(size):
    """The summary takes column means from arrays as it took them from its pandas table: NaN weeks skipped."""
    rng = np.random.default_rng(size)
    values = rng.normal(size=size) * 10 ** rng.uniform(-3, 3, size)
    values[rng.random(size) < 0.2] = np.nan
    expected = float(pd.Series(values).mean())
    assert same_bits(column_mean(values), expected) or (np.isnan(expected) and np.isnan(column_mean(values)))
