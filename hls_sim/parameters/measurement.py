"""How the metrics measure: definitions of the observation, not assumptions about behaviour.

Changing one of these changes what a metric means, never what happens in a
run, so they are fixed definitions rather than scenario keys; docs/ODD.md
(section 8) gives each its reason.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from hls_sim.compiled import kernel, pairwise_sum, row_total

if TYPE_CHECKING:
    from hls_sim.agents.person import People

# Weeks over which the reported and true indicator are read each week (one quarter).
INDICATOR_WINDOW = 13
# Width of the band either side of the threshold used to measure ``bunching`` (the ratio).
BUNCHING_BAND = 0.05
# Width of the band just inside the threshold for ``bunching_share``: the share of closures
# measured in [threshold - 0.02, threshold), 2% of the measure's range, as the last 20 minutes
# before four hours are 8% of an A&E wait's window (Locker and Mason 2005; Mason et al. 2012).
BUNCHING_SHARE_BAND = 0.02
# Weeks at each end of the recorded window compared by the stationarity diagnostic.
DRIFT_WEEKS = 26
# How long after a failure to help (a turn-away, giving up on a list, an unresolved closure) a
# contact or a crisis counts as caused by it.
FAILURE_DEMAND_WEEKS = 52
# The hardest-to-help fifth: people whose vulnerability is in its top fifth. Vulnerability is
# standard normal for everyone who arrives, so this is scipy.stats.norm.ppf(0.8), a fixed group.
HARDEST_FIFTH_VULNERABILITY = 0.8416212335729143
HARDEST_QUANTILE = 0.8
# Need above which a domain counts as high (unmet need, difficulty) and below which a goal is met.
HIGH_NEED = 0.5
GOAL_MET = 0.3
# Fewest eligible assessments for a creaming index.
FEWEST_FOR_CREAMING = 10
# Knowledge error after a shock: weeks fitted for the learning rate (against the level of the
# quarter before the shock); the weeks before a shock whose mean recovery is measured against,
# which are also the fewest weeks of excess error a learning-rate fit needs; and how close to
# that mean (10%) counts as recovered.
LEARNING_WINDOW = 26
PRE_SHOCK_WEEKS = 4
RECOVERY_TOLERANCE = 0.1
# How a worker would see how hard a person is to help: several high needs, entrenched, few assets.
DIFFICULTY_PER_HIGH_NEED = 0.1
DIFFICULTY_ENTRENCHMENT = 0.3
DIFFICULTY_ASSETS = 0.2


def difficulty(people: People, rows: np.ndarray) -> np.ndarray:
    """How hard a person is to help as a worker would see it: severe, many, entrenched, few assets."""
    values = np.empty(len(rows))
    difficulty_into(people.needs, people.entrenchment, people.assets, rows, values)
    return values


@kernel
def difficulty_into(
    needs: np.ndarray, entrenchment: np.ndarray, assets: np.ndarray, rows: np.ndarray, values: np.ndarray
) -> None:
    """``difficulty`` person by person, into ``values``."""
    for i in range(len(rows)):
        row = rows[i]
        high = 0
        for j in range(needs.shape[1]):
            high += needs[row, j] > HIGH_NEED
        values[i] = (
            row_total(needs, row) / needs.shape[1]
            + DIFFICULTY_PER_HIGH_NEED * high
            + DIFFICULTY_ENTRENCHMENT * entrenchment[row]
            - DIFFICULTY_ASSETS * assets[row]
        )


def need_shares(people: People, rows: np.ndarray, hours: float, floor: float, cap: float) -> np.ndarray:
    """The hours each person would get if ``hours`` were shared in proportion to need alone.

    Need is the weight workers give it (``support.need_weight_floor`` added to mean need);
    nobody gets more than ``cap`` hours, and what the cap frees is shared among the rest
    in the same proportion (water-filling), as it is between every caseload in the place.
    """
    shares = np.zeros(len(rows))
    need_shares_into(people.needs, rows, hours, floor, cap, shares)
    return shares


@kernel
def need_shares_into(
    needs: np.ndarray, rows: np.ndarray, hours: float, floor: float, cap: float, shares: np.ndarray
) -> None:
    """``need_shares`` into ``shares``: share what is left among those under the cap, until none is capped."""
    weight = np.empty(len(rows))
    for i in range(len(rows)):
        weight[i] = row_total(needs, rows[i]) / needs.shape[1] + floor
    open_ = np.arange(len(rows))  # those under the cap, in order
    left = hours
    while len(open_) > 0 and left > 0:
        total = pairwise_sum(weight[open_])
        proposal = np.empty(len(open_))
        capped = 0
        for k in range(len(open_)):
            proposal[k] = left * weight[open_[k]] / total
            capped += proposal[k] >= cap - shares[open_[k]]
        if capped == 0:
            for k in range(len(open_)):
                shares[open_[k]] += proposal[k]
            break
        freed, still_open = np.empty(capped), np.empty(len(open_) - capped, dtype=np.int64)
        at_cap = under = 0
        for k in range(len(open_)):
            if proposal[k] >= cap - shares[open_[k]]:
                freed[at_cap] = cap - shares[open_[k]]
                shares[open_[k]] = cap
                at_cap += 1
            else:
                still_open[under] = open_[k]
                under += 1
        left -= pairwise_sum(freed)
        open_ = still_open


def hardest_share(values: np.ndarray) -> np.ndarray:
    """Who is in the top fifth of ``values``."""
    return values >= quantile(values, HARDEST_QUANTILE)


def quantile(values: np.ndarray, q: float) -> float:
    """``np.quantile(values, q)`` of 1-D values without NaN, the same number by a shorter road.

    numpy's default method (linear, Hyndman and Fan's 7th): the order statistics
    either side of position ``q * (n - 1)``, interpolated as numpy's ``_lerp`` does
    (from the nearer end). ``tests/test_mechanisms.py`` checks it against numpy.
    """
    count = len(values)
    if count == 0 or (count - 1) * q >= count - 1:
        return float(np.quantile(values, q))
    return inner_quantile(values, q)


@kernel
def inner_quantile(values: np.ndarray, q: float) -> float:
    """``quantile`` where position ``q * (n - 1)`` falls short of the last value (so at least two values).

    The two order statistics either side are numpy's whatever the order of selection.
    """
    position = (len(values) - 1) * q
    below = math.floor(position)
    gamma = position - below
    around = np.partition(values, below + 1)
    low, high = around[: below + 1].max(), around[below + 1]
    step = high - low
    return float(high - step * (1 - gamma) if gamma >= 0.5 else low + step * gamma)
