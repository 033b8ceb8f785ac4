"""Reductions across the few columns of each row (a person's domains), fast and bit-identical to numpy's.

numpy reduces along a short last axis one row at a time, at some 40 ns a row:
``needs.max(axis=1)`` over 2,000 people and 5 domains takes about 80 us, while
the same reduction done as a few whole-column operations takes 2 to 5 us. The
model reduces over domains dozens of times a week, so this matters. (``argmax``
has a quick path of its own in numpy and needs no help.)

The results are exactly numpy's. A maximum and a count do not depend on order.
A sum does: numpy's ``add.reduce`` starts from 0.0 and adds the items of a
contiguous row in turn when there are fewer than 8 of them, and with 8
interleaved partial sums (pairwise) from 8 up to its block of 128; ``row_sum``
follows the same order up to 15 columns and leaves anything else to numpy.
``tests/test_mechanisms.py`` checks each against numpy.
"""

from __future__ import annotations

import numpy as np

# numpy's pairwise summation keeps 8 partial sums; below that it adds in turn.
PARTIALS = 8


def row_max(values: np.ndarray) -> np.ndarray:
    """``values.max(axis=1)`` of a 2-D array."""
    best = values[:, 0].copy()
    for column in range(1, values.shape[1]):
        np.maximum(best, values[:, column], out=best)
    return best


def row_sum(values: np.ndarray) -> np.ndarray:
    """``values.sum(axis=1)`` of a 2-D float array, in numpy's order of addition."""
    columns = values.shape[1]
    if values.dtype != np.float64 or columns >= 2 * PARTIALS or not values.flags.c_contiguous:
        return values.sum(axis=1)
    if columns < PARTIALS:
        total = values[:, 0] + 0.0
        for column in range(1, columns):
            total += values[:, column]
        return total
    partial = [values[:, column] for column in range(PARTIALS)]
    total = ((partial[0] + partial[1]) + (partial[2] + partial[3])) + (
        (partial[4] + partial[5]) + (partial[6] + partial[7])
    )
    total += 0.0
    for column in range(PARTIALS, columns):
        total += values[:, column]
    return total


def row_mean(values: np.ndarray) -> np.ndarray:
    """``values.mean(axis=1)`` of a 2-D float array."""
    return row_sum(values) / values.shape[1]


def row_count(flags: np.ndarray) -> np.ndarray:
    """``flags.sum(axis=1)`` of a 2-D boolean array: how many are set in each row."""
    count = flags[:, 0].astype(np.int64)
    for column in range(1, flags.shape[1]):
        count += flags[:, column]
    return count
