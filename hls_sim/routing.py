"""Which provider a contact reaches.

A contact goes to a provider with room (free places beyond its waiting list),
chosen in proportion to contract shares; only when every provider is full does
it join the shortest list for its size. Where providers pass people on (an
alliance's referrals) it goes, among those with room, to the provider that
seems to fit the person's main need best (Lowe and Plimmer 2019, Plymouth's
alliance). Contacts are routed in the order they arrive in the week, each
taking up the room it is sent to. Where the commissioner fixes catchments
(``market.catchments``), a contact goes by contract share whether or not the
provider has room.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hls_sim.model import SupportSystemModel


def route(model: SupportSystemModel, contacts: np.ndarray, providers: np.ndarray) -> np.ndarray:
    """For each contact (in arrival order), the position in ``providers`` of the provider it reaches."""
    table, rng, regime = model.providers, model.rng, model.regime
    shares = table.share[providers]
    if regime.catchments:
        return rng.choice(len(providers), size=len(contacts), p=shares / shares.sum())
    capacity = model.places(providers).astype(float)
    queued = np.array([len(table.waiting[p]) for p in providers], dtype=float)
    room = capacity - model.occupied(providers) - queued
    if regime.referrals:
        domain = model.people.needs_of(contacts).argmax(axis=1)
        noise = rng.normal(0.0, model.params.referrals.noise, (len(contacts), len(providers)))
        preference = table.beliefs[providers].max(axis=2).T[domain] + noise
    else:
        # Share-weighted random choice: the largest share-weighted exponential draw wins.
        preference = np.log(shares)[None, :] - np.log(-np.log(rng.random((len(contacts), len(providers)))))
    return _take_room(preference, room, np.maximum(capacity, 1.0))


def _take_room(preference: np.ndarray, room: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Each contact in turn: its most preferred provider with room, else the least crowded one.

    Rooms only shrink, so the contacts fall into runs in which the same providers have
    room; a run ends with the contact that takes a provider's last place. Once no
    provider has room, each contact joins the provider with the most room for its size.
    """
    contacts, providers = preference.shape
    choice = np.empty(contacts, dtype=np.int64)
    room = room.copy()
    start = 0
    while start < contacts:
        has_room = room > 0
        if not has_room.any():
            choice[start:] = _least_crowded(room, capacity, contacts - start)
            break
        wants = _best_with_room(preference[start:], has_room)
        taken = np.cumsum(wants[:, None] == np.arange(providers), axis=0)
        filled_up = ((taken >= room) & has_room).any(axis=1).nonzero()[0]
        end = int(filled_up[0]) + 1 if len(filled_up) else len(wants)
        choice[start : start + end] = wants[:end]
        room -= taken[end - 1]
        start += end
    return choice


def _best_with_room(preference: np.ndarray, has_room: np.ndarray) -> np.ndarray:
    """Each row's most preferred provider among those with room (the first, if several)."""
    best = np.where(has_room, preference, -np.inf).argmax(axis=1)
    for row in (~has_room[best]).nonzero()[0]:  # only if a provider with room is preferred at -inf
        open_ = has_room.nonzero()[0]
        best[row] = open_[int(np.argmax(preference[row, open_]))]
    return best


def _least_crowded(room: np.ndarray, capacity: np.ndarray, contacts: int) -> np.ndarray:
    """Where ``contacts`` go in turn when nobody has room: each to the most room for its size.

    Each provider's room for its size falls with every contact it takes, so the
    choices, in turn, are the largest of all the values each provider would offer
    (ties to the provider listed first).
    """
    providers = np.repeat(np.arange(len(room)), contacts)
    offers = (np.repeat(room, contacts) - np.tile(np.arange(contacts), len(room))) / np.repeat(
        capacity, contacts
    )
    return providers[np.lexsort((providers, -offers))[:contacts]]
