"""Compiled kernels: a mechanism's per-person loop, run as machine code by numba.

Most of a week is whole-array numpy. Where a mechanism is a long chain of small
array operations over the same people, each operation pays numpy's call and
allocation cost again; a loop over the people that does the chain once per person
is several times quicker. Such loops are written in the mechanism's own module
and decorated with ``kernel``.

A kernel gives exactly the numbers the numpy chain gave: the same operations in
the same order on the same float64 values, no fused multiply-add, and numpy's
rules where they differ from plain arithmetic (``maximum``, ``minimum`` and
``clip`` below, dividing by zero). ``exp``, ``log`` and powers, whose compiled
versions differ from numpy's in the last bit, stay in numpy, outside the
kernels. A kernel may draw from the model's generator (``stream`` and
``generator_at`` below): numba's draws are numpy's own, from the same bit
generator, so a kernel that draws what the numpy code drew, in the same order,
leaves the generator exactly where numpy would have.
``tests/test_same_seed_same_run.py`` holds the model to all this: its reference
runs were recorded before any kernel existed.

Without numba (``HLS_SIM_PURE_PYTHON=1``, or where it is not installed) a
kernel runs as plain Python: the same results, far slower.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hls_sim.rowwise import PARTIALS

try:
    if os.environ.get("HLS_SIM_PURE_PYTHON"):
        raise ImportError("HLS_SIM_PURE_PYTHON is set")
    import numba
    from numba import njit
    from numba.core import cgutils
    from numba.extending import intrinsic
except ImportError:  # pragma: no cover - numba is a dependency; this is the fallback
    numba = njit = None


@functools.cache
def cache_dir() -> str:
    """Where numba keeps the compiled kernels: a folder named for the model's source.

    Numba checks a cached kernel against its own source file only, but a kernel
    has the helpers it calls compiled into it, and those may live in another
    module (this one above all). Naming the folder for the source of every module
    of the model (``hls_sim/*.py`` and ``hls_sim/agents/*.py``) makes any edit to
    them recompile every kernel, once. ``NUMBA_CACHE_DIR``, where set, is the
    folder's parent.
    """
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted([*package.glob("*.py"), *package.glob("agents/*.py")]):
        digest.update(path.read_bytes())
    parent = os.environ.get("NUMBA_CACHE_DIR") or str(package / "__pycache__")
    return os.path.join(parent, f"numba-{digest.hexdigest()}")


def _compile[Function: Callable[..., Any]](function: Function, **options: Any) -> Function:
    """numba's ``njit`` with the cache in ``cache_dir()`` (where it can be written), numpy's float rules."""
    assert numba is not None
    saved = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = cache_dir()  # read once, as the kernel's cache is set up
    try:
        return njit(cache=True, nogil=True, error_model="numpy", **options)(function)
    finally:
        numba.config.CACHE_DIR = saved


def kernel[Function: Callable[..., Any]](function: Function) -> Function:
    """Compile ``function`` (cached on disk), or leave it as Python without numba."""
    if njit is None:
        return function
    return _compile(function)


def inline[Function: Callable[..., Any]](function: Function) -> Function:
    """``kernel`` for a small helper of kernels: compiled into each kernel that calls it.

    A call from one compiled kernel to another costs about as much as a few dozen
    additions; a helper called once per person or per need is inlined instead.
    """
    if njit is None:
        return function
    return _compile(function, inline="always")


@inline
def maximum(a: float, b: float) -> float:
    """``np.maximum(a, b)`` for two numbers (not NaN): ``a`` if ``a > b``, else ``b``, down to signed zeros.

    Built from Python's ``max``, which numba compiles to a select rather than a
    branch: a branch on data that changes from person to person is mispredicted
    half the time, which made some kernels several times slower.
    """
    return max(b, a)


@inline
def minimum(a: float, b: float) -> float:
    """``np.minimum(a, b)`` for two numbers (not NaN): ``a`` if ``a < b``, else ``b``."""
    return min(b, a)


@inline
def clip(x: float, low: float, high: float) -> float:
    """``np.clip(x, low, high)`` for one number (not NaN)."""
    return min(max(x, low), high)


@inline
def add_partials(partial: np.ndarray) -> float:
    """numpy's sum of its 8 partial sums: ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7)).

    ``partial`` is used up.
    """
    width = 1
    while width < PARTIALS:
        for j in range(0, PARTIALS, 2 * width):
            partial[j] += partial[j + width]
        width *= 2
    return partial[0]


@inline
def row_sum_of(values: np.ndarray) -> float:
    """``hls_sim.rowwise.row_sum`` of one row (numpy's order of addition); rows of under 16 items."""
    columns = len(values)
    if columns < PARTIALS:
        total = values[0] + 0.0
        for column in range(1, columns):
            total += values[column]
        return total
    if columns >= 2 * PARTIALS:
        raise ValueError("row_sum_of takes rows of fewer than 16 items")
    total = add_partials(values[:PARTIALS].copy())
    total += 0.0
    for column in range(PARTIALS, columns):
        total += values[column]
    return total


@inline
def row_max_of(values: np.ndarray) -> float:
    """``hls_sim.rowwise.row_max`` of one row."""
    best = values[0]
    for column in range(1, len(values)):
        best = maximum(best, values[column])
    return best


@inline
def row_total(table: np.ndarray, row: int) -> float:
    """``row_sum_of(table[row])`` (numpy's order of addition), read from the table in place.

    A view of the row costs a reference count each time, which in a loop over
    people costs more than the sum. From ``PARTIALS`` columns numpy adds the first
    eight in pairs, then pairs of pairs, before adding the rest in turn.
    """
    columns = table.shape[1]
    if columns < PARTIALS:
        total = table[row, 0] + 0.0
        for column in range(1, columns):
            total += table[row, column]
        return total
    if columns >= 2 * PARTIALS:
        raise ValueError("row_total takes rows of fewer than 16 items")
    half = PARTIALS // 2
    quarter = half // 2
    total = (table[row, 0] + table[row, 1]) + (table[row, quarter] + table[row, quarter + 1])
    total += (table[row, half] + table[row, half + 1]) + (
        table[row, half + quarter] + table[row, half + quarter + 1]
    )
    total += 0.0
    for column in range(PARTIALS, columns):
        total += table[row, column]
    return total


@inline
def row_highest(table: np.ndarray, row: int) -> float:
    """``row_max_of(table[row])``, read from the table in place (see ``row_total``)."""
    best = table[row, 0]
    for column in range(1, table.shape[1]):
        best = maximum(best, table[row, column])
    return best


@inline
def kept(items: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``items[keep]`` for 1-D arrays in a kernel, with no branch on each item (which often mispredicts)."""
    chosen = np.empty_like(items)
    count = 0
    for i in range(len(items)):
        chosen[count] = items[i]
        count += keep[i]
    return chosen[:count]


# numpy sums a contiguous run of more than this many floats as two halves (its PW_BLOCKSIZE).
PAIRWISE_BLOCK = 128


@kernel
def pairwise_sum(values: np.ndarray) -> float:
    """``values.sum()`` of a 1-D float array in numpy's order of addition (its pairwise summation)."""
    return 0.0 + _pairwise(values)


@kernel
def _pairwise(values: np.ndarray) -> float:
    n = len(values)
    if n < PARTIALS:
        total = 0.0
        for i in range(n):
            total += values[i]
        return total
    if n <= PAIRWISE_BLOCK:
        partial = values[:PARTIALS].copy()
        i = PARTIALS
        while i < n - n % PARTIALS:
            for j in range(PARTIALS):
                partial[j] += values[i + j]
            i += PARTIALS
        total = add_partials(partial)
        while i < n:
            total += values[i]
            i += 1
        return total
    half = n // 2
    half -= half % PARTIALS
    return _pairwise(values[:half]) + _pairwise(values[half:])


# --- drawing inside a kernel ---------------------------------------------------------------------
class Stream(np.ndarray):
    """A generator's bit generator addresses (``stream``), holding the generator while they are used."""

    generator: np.random.Generator


def stream(rng: np.random.Generator) -> Any:
    """``rng`` as a kernel takes it: the addresses of its bit generator's state and functions.

    Handing numba the ``Generator`` itself costs about 6 microseconds a call (numba
    looks the addresses up through ``ctypes`` each time); these addresses, looked up
    once, cost well under one. The array keeps ``rng`` alive, so the addresses stay
    good while it is in use. Without numba this is ``rng`` itself.
    """
    if njit is None:
        return rng
    interface = rng.bit_generator.ctypes

    def address(function: Any) -> int:
        return ctypes.cast(function, ctypes.c_void_p).value or 0

    addresses = np.array(
        [
            interface.state_address,
            interface.state.value,
            address(interface.next_double),
            address(interface.next_uint64),
            address(interface.next_uint32),
            interface.bit_generator.value,
        ],
        dtype=np.uintp,
    ).view(Stream)
    addresses.generator = rng
    return addresses


if njit is None:

    def generator_at(addresses: Any) -> Any:
        """Inside a kernel, the generator that ``stream`` gave: here (without numba) the generator itself."""
        return addresses

else:
    _GENERATOR = numba.types.NumPyRandomGeneratorType("generator")
    _BIT_GENERATOR = numba.types.NumPyRandomBitGeneratorType("bit_generator")
    # The fields of numba's bit generator, in the order ``stream`` lists their values.
    _FIELDS = (
        "state_address",
        "state",
        "fnptr_next_double",
        "fnptr_next_uint64",
        "fnptr_next_uint32",
        "bit_generator",
    )

    @intrinsic
    def generator_at(typingctx: Any, addresses: Any) -> Any:
        """Inside a kernel, the generator that ``stream`` gave, built as numba builds one from a Generator.

        Its draws (``random()``, ``integers(low, high)``, ``poisson(lam)``, ...) are
        numpy's, one at a time, from the model's bit generator.
        """

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            values = context.make_array(signature.args[0])(context, builder, args[0]).data
            bits = cgutils.create_struct_proxy(_BIT_GENERATOR)(context, builder)
            bits.parent = cgutils.get_null_value(bits.parent.type)
            for index, field in enumerate(_FIELDS):
                place = builder.gep(values, [context.get_constant(numba.types.intp, index)])
                setattr(bits, field, builder.load(place))
            generator = cgutils.create_struct_proxy(_GENERATOR)(context, builder)
            generator.bit_generator = bits._getvalue()
            generator.meminfo = cgutils.get_null_value(generator.meminfo.type)
            generator.parent = cgutils.get_null_value(generator.parent.type)
            return generator._getvalue()

        return _GENERATOR(addresses), codegen


if njit is None:

    def draw_below(rng: Any, n: int) -> int:
        """``rng.integers(0, n)``: a whole number from 0 up to ``n`` (here, without numba, numpy's own)."""
        return int(rng.integers(0, n))

else:
    from numba.np.random.random_methods import buffered_bounded_lemire_uint32

    @inline
    def draw_below(rng: Any, n: int) -> int:
        """``rng.integers(0, n)`` in a kernel, for ``n`` below 2**32: numpy's draw (Lemire's method).

        numba's own ``integers`` builds an array for every draw, several times the cost
        of the draw. Like numpy, it draws nothing when there is only one number to give.
        """
        if n == 1:
            return 0
        return np.int64(buffered_bounded_lemire_uint32(rng.bit_generator, n - 1))


@inline
def gumbel(rng: Any) -> float:
    """numpy's standard Gumbel draw (``rng.gumbel(0.0, 1.0)``) in a kernel, which numba lacks.

    numpy draws again in the (all but impossible) case of a uniform of exactly 0.
    """
    u = 1.0 - rng.random()
    while u >= 1.0:
        u = 1.0 - rng.random()
    return 0.0 - math.log(-math.log(u))
