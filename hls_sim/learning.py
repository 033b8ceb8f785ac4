"""Context drift and provider knowledge: what works, and what providers believe works.

The context is the true effectiveness of each approach (way of working) for
each domain of need. It drifts week by week and can shift suddenly, so what
worked stops working; this is why learning matters in complex systems (Lowe
and Plimmer 2019, "Creating a learning culture").

A provider's knowledge is a table of beliefs about that effectiveness. It
learns only from what it observes: the true outcomes of its work, in the
measure that its error culture is honest, and otherwise the indicator it is
paid on, which rewards approaches that look good on the form (so it can
learn the wrong thing). Alliance partners pool what they know at forums.
The learning rate is never set: it is measured from how knowledge error falls.
"""

from __future__ import annotations

import numpy as np

EVIDENCE_RETENTION = 0.987


class Context:
    """True effectiveness of each approach for each domain, and how the indicator sees it.

    ``effectiveness[d, a]`` is how much an hour of approach ``a`` reduces a need in
    domain ``d`` (relative units, 0.05 to 1). ``indicator_view[d, a]`` is how much the
    same hour moves the measured indicator: equal to effectiveness when the
    indicator is valid, partly unrelated to it when it is not.
    """

    def __init__(self, rng: np.random.Generator, domains: int, approaches: int, validity: float):
        self.rng = rng
        self.effectiveness = rng.uniform(0.15, 1.0, size=(domains, approaches))
        self.appearance = rng.uniform(0.15, 1.0, size=(domains, approaches))
        self.validity = validity

    @property
    def indicator_view(self) -> np.ndarray:
        return self.validity * self.effectiveness + (1 - self.validity) * self.appearance

    def drift(self, size: float) -> None:
        """Random-walk drift of what works: small changes every week."""
        if size > 0:
            step = self.rng.normal(0.0, size, size=self.effectiveness.shape)
            self.effectiveness = np.clip(self.effectiveness + step, 0.05, 1.0)

    def shock(self, share: float) -> None:
        """A sudden change (a policy change, a recession): part of the table is redrawn."""
        redraw = self.rng.random(self.effectiveness.shape) < share
        fresh = self.rng.uniform(0.15, 1.0, size=self.effectiveness.shape)
        self.effectiveness = np.where(redraw, fresh, self.effectiveness)

    def best_effectiveness(self) -> np.ndarray:
        return self.effectiveness.max(axis=1)


class Knowledge:
    """One provider's beliefs about which approach helps which need."""

    def __init__(self, beliefs: np.ndarray, evidence: np.ndarray | None = None):
        self.beliefs = beliefs
        self.evidence = np.zeros_like(beliefs) if evidence is None else evidence

    @classmethod
    def naive(cls, rng: np.random.Generator, domains: int, approaches: int) -> Knowledge:
        """Starting beliefs: a rough, noisy prior with no evidence behind it."""
        return cls(rng.uniform(0.3, 0.8, size=(domains, approaches)))

    def copy(self) -> Knowledge:
        return Knowledge(self.beliefs.copy(), self.evidence.copy())

    def chosen_approaches(self) -> np.ndarray:
        """The approach believed best for each domain."""
        return self.beliefs.argmax(axis=1)

    def update(self, hours: np.ndarray, signal: np.ndarray, rate: float) -> None:
        """Move beliefs toward this week's observed signal where there was practice.

        ``hours[d, a]`` is how much practice produced the observation; more
        practice moves the belief further (diminishing returns).
        """
        weight = rate * (1.0 - np.exp(-hours / 10.0))
        self.beliefs += weight * (signal - self.beliefs)
        # Old evidence counts for less with each week of new practice (a half-life of about a year).
        self.evidence = EVIDENCE_RETENTION * self.evidence + hours

    def error(self, context: Context) -> float:
        """Mean absolute gap between belief and true effectiveness."""
        return float(np.abs(self.beliefs - context.effectiveness).mean())

    def regret(self, context: Context) -> float:
        """Effectiveness lost by using the believed-best approach instead of the truly best."""
        chosen = self.chosen_approaches()
        used = context.effectiveness[np.arange(len(chosen)), chosen]
        return float((context.best_effectiveness() - used).mean())


def observed_signal(
    rng: np.random.Generator,
    context: Context,
    hours: np.ndarray,
    honest_feedback: float,
    noise: float = 0.25,
) -> np.ndarray:
    """What a provider sees of how well each approach worked this week.

    The true result where its error culture lets it see and admit it (share
    ``honest_feedback``), otherwise the indicator's view. Noise shrinks with
    the amount of practice observed.
    """
    seen = honest_feedback * context.effectiveness + (1 - honest_feedback) * context.indicator_view
    spread = noise / np.sqrt(1.0 + hours)
    return seen + rng.normal(0.0, 1.0, size=seen.shape) * spread


def pool_knowledge(knowledges: list[Knowledge], sharing: float) -> float:
    """A learning forum: each provider moves its beliefs toward the evidence-weighted pool.

    Returns how far beliefs moved on average (knowledge shared).
    """
    if len(knowledges) < 2 or sharing <= 0:
        return 0.0
    weights = np.stack([k.evidence for k in knowledges]) + 1e-9
    beliefs = np.stack([k.beliefs for k in knowledges])
    pooled = (weights * beliefs).sum(axis=0) / weights.sum(axis=0)
    moved = 0.0
    for knowledge in knowledges:
        change = sharing * (pooled - knowledge.beliefs)
        knowledge.beliefs += change
        moved += float(np.abs(change).mean())
    return moved / len(knowledges)
