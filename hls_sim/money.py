"""Providers' money: contract income, what they expect to earn, wages, discretionary spend and borrowing.

A provider pays its workers every week and spends on people only from what
is left once wages are covered; it lays staff off rather than spend money it
lacks (it may borrow up to ``providers.overdraft`` weeks of contract income).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hls_sim.compiled import inline, kernel, maximum
from hls_sim.parameters.calendar import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from hls_sim.model import SupportSystemModel


def weekly_core_value(model: SupportSystemModel, provider):
    """A week of ``provider``'s contract (an index or an array of them): ``core_value``."""
    table = model.providers
    return core_value(
        model.params.funding.budget / WEEKS_PER_YEAR, table.share[provider], table.price[provider]
    )


@inline
def core_value(budget_week: float, share: float, price: float) -> float:
    """A week of a provider's contract: its share of the week's budget, at the price it bid."""
    return budget_week * share * price


@inline
def expected_income(core: float, pbr_share: float, expected_results_ratio: float) -> float:
    """A provider's core payment ``core`` plus the results payment it expects, given past quarters."""
    return core * ((1 - pbr_share) + pbr_share * expected_results_ratio)


def borrowing_limit(model: SupportSystemModel, provider):
    """How far below zero the provider's cash may go: some weeks of its contract income."""
    return model.params.providers.overdraft * weekly_core_value(model, provider)


def wage_bill(model: SupportSystemModel, provider):
    """What ``provider`` (an index or an array of them) pays its staff a week."""
    return model.workforce.headcount(model.providers.count)[provider] * model.params.workforce.wage


def short_of_cash(model: SupportSystemModel, providers: np.ndarray) -> np.ndarray:
    """Those of ``providers`` whose wage bill would take their cash below their ``borrowing_limit``."""
    table, params = model.providers, model.params
    return _short_of_cash(
        providers,
        model.workforce.headcount(table.count),
        params.workforce.wage,
        table.cash,
        table.share,
        table.price,
        params.funding.budget / WEEKS_PER_YEAR,
        params.providers.overdraft,
    )


@kernel
def _short_of_cash(
    providers: np.ndarray,
    headcount: np.ndarray,
    wage: float,
    cash: np.ndarray,
    share: np.ndarray,
    price: np.ndarray,
    budget_week: float,
    overdraft: float,
) -> np.ndarray:
    """``short_of_cash`` provider by provider (``wage_bill``, ``borrowing_limit``)."""
    short = np.zeros(len(providers), dtype=np.bool_)
    for i in range(len(providers)):
        at = providers[i]
        short[i] = cash[at] - headcount[at] * wage < -(
            overdraft * core_value(budget_week, share[at], price[at])
        )
    return providers[short]


def pay_staff(model: SupportSystemModel, providers: np.ndarray) -> None:
    """Each of ``providers`` pays its ``wage_bill`` and this week's discretionary spend."""
    table = model.providers
    _pay_staff(
        providers,
        model.workforce.headcount(table.count),
        model.params.workforce.wage,
        table.spend,
        table.cash,
    )


@kernel
def _pay_staff(
    providers: np.ndarray, headcount: np.ndarray, wage: float, spend: np.ndarray, cash: np.ndarray
) -> None:
    """``pay_staff`` provider by provider."""
    for at in providers:
        cash[at] -= headcount[at] * wage + spend[at]


def discretionary_budgets(model: SupportSystemModel) -> np.ndarray:
    """What each provider has left for discretionary spend this week once wages are covered (0 if closed)."""
    table, params = model.providers, model.params
    left = np.empty(table.count)
    _discretionary_budgets(
        table.active,
        table.cash,
        table.share,
        model.workforce.headcount(table.count),
        params.funding.budget / WEEKS_PER_YEAR,
        params.providers.overdraft,
        params.workforce.wage,
        left,
    )
    return left


@kernel
def _discretionary_budgets(
    active: np.ndarray,
    cash: np.ndarray,
    share: np.ndarray,
    headcount: np.ndarray,
    budget_week: float,
    overdraft: float,
    wage: float,
    left: np.ndarray,
) -> None:
    """``discretionary_budgets`` provider by provider, into ``left``."""
    for at in range(len(left)):
        room = cash[at] + overdraft * (budget_week * share[at]) - headcount[at] * wage
        left[at] = maximum(0.0, room) if active[at] else 0.0


def receive(model: SupportSystemModel, provider: int, amount: float) -> None:
    model.providers.cash[provider] += amount
    model.providers.received[provider] += amount
