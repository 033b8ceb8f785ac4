"""Context drift and provider knowledge: what works, and what providers believe works.

The context is the true effectiveness of each approach (way of working) for
each domain of need. It drifts week by week and can shift suddenly, so what
worked stops working; this is why learning matters in complex systems (Lowe
and Plimmer 2019, "Creating a learning culture").

A provider's knowledge is a table of beliefs about that effectiveness
(``beliefs[d, a]``), with the practice evidence behind each belief. It learns
only from what it observes: the true outcomes of its work, in the measure that
its error culture is honest, and otherwise the indicator it is paid on, which
rewards approaches that look good on the form (so it can learn the wrong
thing). Alliance partners pool what they know at forums. The learning rate is
never set: it is measured from how knowledge error falls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from hls_sim import compiled
from hls_sim.compiled import clip, generator_at, inline, kernel, pairwise_sum, row_max_of

if TYPE_CHECKING:
    from hls_sim.parameters.sections import Context as ContextParameters
    from hls_sim.parameters.sections import Learning

# Keeps the pooled belief defined where no provider has evidence yet.
NO_EVIDENCE = 1e-9


class Context:
    """True effectiveness of each approach for each domain, and how the indicator sees it.

    ``effectiveness[d, a]`` is how much an hour of approach ``a`` reduces a need in
    domain ``d`` (relative units, up to 1). ``indicator_view[d, a]`` is how much the
    same hour moves the measured indicator: equal to effectiveness when the
    indicator is valid, partly unrelated to it when it is not.
    """

    def __init__(self, rng: np.random.Generator, domains: int, params: ContextParameters, validity: float):
        self.rng = rng
        self.params = params
        shape = (domains, params.approaches)
        self.effectiveness = rng.uniform(params.effectiveness_low, 1.0, size=shape)
        self.appearance = rng.uniform(params.effectiveness_low, 1.0, size=shape)
        self.validity = validity

    @property
    def indicator_view(self) -> np.ndarray:
        return indicator_sees(self.validity, self.effectiveness, self.appearance)

    def drift(self, size: float, stream: np.ndarray | None = None) -> None:
        """Random-walk drift of what works: small changes every week.

        The steps are drawn from ``stream`` (``hls_sim.compiled.stream`` of this context's
        generator; made here if not given).
        """
        if size > 0:
            self.effectiveness = _drifted(
                compiled.stream(self.rng) if stream is None else stream,
                self.effectiveness,
                size,
                self.params.effectiveness_floor,
            )

    def shock(self, share: float) -> None:
        """A sudden change (a policy change, a recession): part of the table is redrawn."""
        redraw = self.rng.random(self.effectiveness.shape) < share
        fresh = self.rng.uniform(self.params.effectiveness_low, 1.0, size=self.effectiveness.shape)
        self.effectiveness = np.where(redraw, fresh, self.effectiveness)

    def best_effectiveness(self) -> np.ndarray:
        return self.effectiveness.max(axis=1)


@kernel
def _drifted(stream: np.ndarray, effectiveness: np.ndarray, size: float, floor: float) -> np.ndarray:
    """``Context.drift``: a new table, each cell moved by a normal step of sd ``size`` (drawn in
    row order) and kept within ``floor`` and 1."""
    rng = generator_at(stream)
    moved = np.empty_like(effectiveness)
    for d in range(effectiveness.shape[0]):
        for a in range(effectiveness.shape[1]):
            moved[d, a] = clip(effectiveness[d, a] + rng.normal(0.0, size), floor, 1.0)
    return moved


@inline
def indicator_sees(validity: float, effectiveness: Any, appearance: Any) -> Any:
    """``Context.indicator_view`` for arrays or (in a kernel) one approach in one domain."""
    return validity * effectiveness + (1 - validity) * appearance


def naive_beliefs(rng: np.random.Generator, domains: int, approaches: int, params: Learning) -> np.ndarray:
    """Starting beliefs: a rough, noisy prior with no evidence behind it."""
    return rng.uniform(params.prior_low, params.prior_high, size=(domains, approaches))


def error(beliefs: np.ndarray, context: Context) -> float:
    """Mean absolute gap between belief and true effectiveness."""
    return float(np.abs(beliefs - context.effectiveness).mean())


def regret(beliefs: np.ndarray, context: Context) -> float:
    """Effectiveness lost by using the believed-best approach instead of the truly best."""
    chosen = beliefs.argmax(axis=1)
    used = context.effectiveness[np.arange(len(chosen)), chosen]
    return float((context.best_effectiveness() - used).mean())


@kernel
def errors_and_regrets(
    beliefs: np.ndarray, effectiveness: np.ndarray, errors: np.ndarray, regrets: np.ndarray
) -> None:
    """``error`` and ``regret`` of each provider's beliefs (``beliefs[p, d, a]``), in ``errors``, ``regrets``.

    ``effectiveness`` is the context's. Each mean is added in numpy's order
    (``pairwise_sum``); the believed-best approach is the first of the highest
    beliefs (or the first NaN), as ``argmax`` takes it.
    """
    domains, approaches = effectiveness.shape
    gaps, lost = np.empty(domains * approaches), np.empty(domains)
    for p in range(len(beliefs)):
        for d in range(domains):
            chosen = 0
            for a in range(approaches):
                gaps[d * approaches + a] = abs(beliefs[p, d, a] - effectiveness[d, a])
                belief, best = beliefs[p, d, a], beliefs[p, d, chosen]
                if best == best and (belief > best or belief != belief):
                    chosen = a
            lost[d] = row_max_of(effectiveness[d]) - effectiveness[d, chosen]
        errors[p] = pairwise_sum(gaps) / len(gaps)
        regrets[p] = pairwise_sum(lost) / domains


def learn_from_practice(
    stream: np.ndarray,
    context: Context,
    practice: np.ndarray,
    candour: np.ndarray,
    active: np.ndarray,
    beliefs: np.ndarray,
    evidence: np.ndarray,
    params: Learning,
) -> None:
    """Each active provider with practice this week observes how it went and updates its beliefs (in place).

    ``practice[p, d, a]`` is provider ``p``'s hours of approach ``a`` in domain ``d``.
    It sees the true result as far as its error culture lets staff admit it (its
    ``candour``: ``hls_sim.candour``), otherwise the indicator's view; the noise
    shrinks with the amount of practice observed. Beliefs move toward what was
    seen where there was practice, further the more practice (with diminishing
    returns), and old evidence counts for less with each week of new practice.
    The noise is drawn from ``stream`` (``hls_sim.compiled.stream``).
    """
    _learn_from_practice(
        stream,
        practice,
        np.exp(practice / -params.practice_saturation_hours),
        np.asarray(candour, dtype=float),
        active,
        context.effectiveness,
        context.appearance,
        context.validity,
        params.signal_noise,
        params.belief_rate,
        params.evidence_retention,
        beliefs,
        evidence,
    )


@kernel
def _learn_from_practice(
    stream: np.ndarray,
    practice: np.ndarray,
    unsaturated: np.ndarray,
    candour: np.ndarray,
    active: np.ndarray,
    effectiveness: np.ndarray,
    appearance: np.ndarray,
    validity: float,
    noise: float,
    rate: float,
    retention: float,
    beliefs: np.ndarray,
    evidence: np.ndarray,
) -> None:
    """``learn_from_practice`` provider by provider; ``unsaturated`` is ``exp(-hours / saturation)``."""
    rng = generator_at(stream)
    domains, approaches = effectiveness.shape
    for p in range(len(active)):
        if not (active[p] and (practice[p] > 0).any()):
            continue
        for d in range(domains):
            for a in range(approaches):
                hours = practice[p, d, a]
                view = indicator_sees(validity, effectiveness[d, a], appearance[d, a])
                seen = candour[p] * effectiveness[d, a] + (1 - candour[p]) * view
                signal = seen + rng.normal(0.0, 1.0) * (noise / np.sqrt(1.0 + hours))
                weight = rate * (1.0 - unsaturated[p, d, a])
                beliefs[p, d, a] += weight * (signal - beliefs[p, d, a])
                evidence[p, d, a] = evidence[p, d, a] * retention + hours


def pool_knowledge(
    beliefs: np.ndarray, evidence: np.ndarray, members: np.ndarray, openness: np.ndarray, uptake: float
) -> float:
    """A learning forum: each member moves its beliefs toward what it now knows (in place).

    ``beliefs`` and ``evidence`` are indexed by provider; ``members`` are those at
    the forum and ``openness`` how much of its evidence each discloses. A member
    knows its own evidence and what the others disclosed, and moves its beliefs
    ``uptake`` of the way toward the evidence-weighted mean of that. Returns
    how far beliefs moved on average (knowledge shared).
    """
    if len(members) < 2 or uptake <= 0:
        return 0.0
    own = evidence[members] + NO_EVIDENCE
    shared = openness[:, None, None] * own
    total_weight = shared.sum(axis=0)
    total = (shared * beliefs[members]).sum(axis=0)
    moved = 0.0
    for position, member in enumerate(members):
        others_weight = total_weight - shared[position]
        known = (own[position] * beliefs[member] + total - shared[position] * beliefs[member]) / (
            own[position] + others_weight
        )
        change = uptake * (known - beliefs[member])
        beliefs[member] += change
        moved += float(np.abs(change).mean())
    return moved / len(members)


def openness(rivals_retender: bool, open_books: bool, members: int, guardedness: float) -> np.ndarray:
    """How much of its evidence each forum member discloses.

    Under open books everything; otherwise a provider that will tender against
    the others holds back ``forum.guardedness`` of it ("keepers of secrets").
    """
    held_back = 0.0 if open_books or not rivals_retender else guardedness
    return np.full(members, 1.0 - held_back)
