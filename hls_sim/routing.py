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

from hls_sim.compiled import generator_at, kernel, row_max_of

if TYPE_CHECKING:
    from hls_sim.model import SupportSystemModel


def route(model: SupportSystemModel, contacts: np.ndarray, providers: np.ndarray) -> np.ndarray:
    """For each contact (in arrival order), the position in ``providers`` of the provider it reaches."""
    table, rng, regime = model.providers, model.rng, model.regime
    shares = table.share[providers]
    if regime.catchments:
        return rng.choice(len(providers), size=len(contacts), p=shares / shares.sum())
    capacity = model.places(providers).astype(float)
    queued = np.array([len(table.waiting[p]) for p in providers.tolist()], dtype=float)
    room = capacity - model.occupied(providers) - queued
    if regime.referrals:
        preference = np.empty((len(contacts), len(providers)))
        noise = model.params.referrals.noise
        _fit(model.stream, model.people.needs, contacts, table.beliefs, providers, noise, preference)
    else:
        # Share-weighted random choice: the largest share-weighted exponential draw wins.
        preference = np.log(shares) - np.log(-np.log(rng.random((len(contacts), len(providers)))))
    return _take_room(preference, room, np.maximum(capacity, 1.0))


@kernel
def _fit(
    stream: np.ndarray,
    needs: np.ndarray,
    contacts: np.ndarray,
    beliefs: np.ndarray,
    providers: np.ndarray,
    noise: float,
    preference: np.ndarray,
) -> None:
    """How well each provider seems to fit each contact (into ``preference``).

    A provider's fit is its belief in its best approach to the contact's main need (the
    first of its highest needs), plus a normal error drawn contact by contact, provider
    by provider.
    """
    rng = generator_at(stream)
    for i in range(len(contacts)):
        row = contacts[i]
        main = 0
        for domain in range(1, needs.shape[1]):
            if needs[row, domain] > needs[row, main]:
                main = domain
        for j in range(len(providers)):
            preference[i, j] = row_max_of(beliefs[providers[j], main]) + rng.normal(0.0, noise)


@kernel
def _take_room(preference: np.ndarray, room: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Each contact in turn: its most preferred provider with room, else the least crowded one.

    A contact takes up the room it is sent to. Once no provider has room, each contact
    joins the provider with the most room for its size (ties to the provider listed first).
    """
    contacts, providers = preference.shape
    choice = np.empty(contacts, dtype=np.int64)
    room = room.copy()
    for contact in range(contacts):
        best = -1
        for provider in range(providers):  # the first of the most preferred, among those with room
            if room[provider] > 0 and (best < 0 or preference[contact, provider] > preference[contact, best]):
                best = provider
        if best < 0:  # nobody has room: the most room for its size
            best = 0
            for provider in range(1, providers):
                if room[provider] / capacity[provider] > room[best] / capacity[best]:
                    best = provider
        choice[contact] = best
        room[best] -= 1
    return choice
