"""Accountability by dialogue: costed on both sides, partial, and open to a provider's self-presentation.

Under trust-based funding the funder spends time with providers instead of
reading KPI returns: visits, stories, learning conversations (Lowe and Plimmer
2019, "Trust-based funding"; "Learning and accountability"). Here that time is
neither free nor perfect. It costs the commissioner's hours and the provider's
staff hours. It lets the funder see a sample of cases, and the provider
chooses what to show: the less candid its culture, the more the sample leans
toward its successes. The funder gives more of its time to providers it
trusts less. What it sees, with what audit finds, is what its trust in each
provider is built from (``agents.commissioner``), and that trust decides how
hard it audits and where it talks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hls_sim.parameters.calendar import WEEKS_PER_QUARTER

if TYPE_CHECKING:
    from hls_sim.indicators import ClosureLog
    from hls_sim.parameters.sections import Dialogue


def allocate(hours_each: float, trust: np.ndarray, params: Dialogue) -> np.ndarray:
    """The funder's dialogue hours per provider: the same total, leaning toward those it trusts less."""
    need = 1.0 + params.distrust_focus * (1.0 - trust)
    return hours_each * len(trust) * need / need.sum()


def shown(
    log: ClosureLog, weekly_hours: float, candour: float, params: Dialogue, rng: np.random.Generator
) -> np.ndarray:
    """Which of the quarter's closed cases the provider shows the funder (indices into the log).

    The funder can look at so many cases an hour; the provider picks which,
    leaning toward its true successes the less candid its culture is.
    """
    true = log.column("true").astype(bool)
    sample = int(weekly_hours * WEEKS_PER_QUARTER * params.cases_seen_per_hour)
    if sample == 0 or len(true) == 0:
        return np.zeros(0, dtype=np.int64)
    lean = 1.0 + params.presentation * (1.0 - candour) * true
    return rng.choice(len(true), size=min(sample, len(true)), replace=False, p=lean / lean.sum())
