"""Which provider a contact reaches.

Without referrals a contact reaches a provider in proportion to its contract
share (its catchment). Where providers pass people on (an alliance's
referrals), a contact goes to the provider that seems to fit the person's main
need best, unless it is already full (Lowe and Plimmer 2019, Plymouth's
alliance).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hls_sim.model import SupportSystemModel


def route(model: SupportSystemModel, contacts: np.ndarray, providers: np.ndarray) -> np.ndarray:
    """For each contact, the position in ``providers`` (active provider indices) of the one it reaches."""
    table, rng = model.providers, model.rng
    shares = table.share[providers]
    if not model.regime.referrals:
        return rng.choice(len(providers), size=len(contacts), p=shares / shares.sum())
    params = model.params.referrals
    domain = model.people.needs[contacts].argmax(axis=1)
    fit = table.beliefs[providers].max(axis=2).T[domain]
    free = np.maximum(0, model.params.workforce.max_caseload - model.workforce.caseload)
    room = np.array([free[model.workforce.staff(p)].sum() - len(table.waiting[p]) for p in providers])
    crowding = np.clip(-room / (params.crowding_scale * shares * len(providers) + 1.0), 0.0, 1.0)
    score = fit - params.crowding_weight * crowding + rng.normal(0.0, params.noise, fit.shape)
    return score.argmax(axis=1)
