"""Staff: hiring toward what income pays for, paying wages, layoffs, leavers, and the hand-offs they cause.

A provider plans its front-line staffing from the income it expects, less
overheads. A mission-driven provider staffs fully; one with little mission
skims the contract unless money rides on results or the funder is looking:
trust can be abused where nobody looks (Le Grand 1997). Vacancies take weeks
to fill. Workers reflect on their week (``hls_sim.motivation``) and may leave;
a leaver's people are handed to colleagues with room or put back at the front
of the waiting list, losing most of the relationship (Lowe and Plimmer 2019,
"Responding with empathy").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hls_sim import casework, gaming, money, motivation
from hls_sim.agents.person import SUPPORTED
from hls_sim.agents.worker import HOUR_PARTS, Worker
from hls_sim.compiled import clip, generator_at, kernel
from hls_sim.motivation import draw_one_motivation
from hls_sim.parameters.calendar import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from hls_sim.model import SupportSystemModel


def hire(model: SupportSystemModel, provider: int) -> Worker:
    """A recruit joins ``provider``: motivation drawn as a knight or a knave, skill round the place's mean."""
    params = model.params.workforce
    skill = np.empty(model.domains)
    drawn, relational = _recruit(
        model.stream,
        params.knave_share,
        *motivation.beta_shapes(model.params.motivation),
        params.skill_mean,
        params.skill_spread,
        params.skill_floor,
        params.recruit_relational_skill,
        skill,
    )
    slot = model.workforce.new_slot(provider, params.hours, drawn, params.start_morale, skill, relational)
    model.workforce.success_seen[slot] = model.params.morale.neutral_success  # nothing seen yet
    worker = Worker(model, slot)
    model.worker_agents[slot] = worker
    return worker


@kernel
def _recruit(
    stream: np.ndarray,
    knave_share: float,
    knight_a: float,
    knight_b: float,
    knave_a: float,
    knave_b: float,
    skill_mean: float,
    skill_spread: float,
    skill_floor: float,
    relational_mean: float,
    skill: np.ndarray,
) -> tuple[float, float]:
    """A recruit's draws: motivation, ``skill`` in each domain (written in) and relational skill, returned."""
    rng = generator_at(stream)
    drawn = draw_one_motivation(rng, knave_share, knight_a, knight_b, knave_a, knave_b)
    for domain in range(len(skill)):
        skill[domain] = clip(rng.normal(skill_mean, skill_spread), skill_floor, 1.0)
    return drawn, clip(rng.normal(relational_mean, skill_spread), skill_floor, 1.0)


def staffing_budgets(model: SupportSystemModel, providers: np.ndarray) -> np.ndarray:
    """What each of ``providers`` means to spend on front-line wages a week.

    Its wage share of the income it expects, as far as it keeps to planned
    staffing: a provider's ``motivation.effort`` (its mission, and the
    accountability of money on results and of a funder who sees its work),
    above ``providers.staffing_floor``.
    """
    params, table = model.params, model.providers
    budgets = np.empty(len(providers))
    _staffing_budgets(
        providers,
        model.regime.pbr_share,
        table.pressure,
        model.pooled_over(),
        table.mission,
        table.dialogue_hours,
        params.motivation.oversight_half_hours,
        table.share,
        table.price,
        table.expected_results_ratio,
        params.funding.budget / WEEKS_PER_YEAR,
        params.motivation.stakes_accountability,
        params.motivation.seen_sanction,
        params.providers.staffing_floor,
        params.providers.wage_share,
        budgets,
    )
    return budgets


@kernel
def _staffing_budgets(
    providers: np.ndarray,
    pbr_share: float,
    pressure: np.ndarray,
    pooled_over: int,
    mission: np.ndarray,
    dialogue_hours: np.ndarray,
    half_hours: float,
    share: np.ndarray,
    price: np.ndarray,
    expected_results_ratio: np.ndarray,
    budget_week: float,
    stakes_accountability: float,
    seen_sanction: float,
    floor: float,
    wage_share: float,
    budgets: np.ndarray,
) -> None:
    """``staffing_budgets`` provider by provider, into ``budgets``."""
    for i in range(len(providers)):
        at = providers[i]
        stakes = gaming.felt_stakes(pbr_share, pressure[at], pooled_over)
        seen = motivation.seen_through(dialogue_hours[at], half_hours)
        worked = motivation.effort(mission[at], stakes, seen, stakes_accountability, seen_sanction)
        income = money.expected_income(
            money.core_value(budget_week, share[at], price[at]), pbr_share, expected_results_ratio[at]
        )
        budgets[i] = wage_share * (floor + (1.0 - floor) * worked) * income


def pay_wages(model: SupportSystemModel) -> None:
    """Every provider pays staff and discretionary spend; it lays staff off rather than spend money it lacks.

    Discretionary spend was already held within ``money.discretionary_budgets``.
    """
    table = model.providers
    providers = table.active_indices()
    for provider in money.short_of_cash(model, providers).tolist():
        while len(staff := model.workforce.staff(provider)) and table.cash[provider] - money.wage_bill(
            model, provider
        ) < -money.borrowing_limit(model, provider):
            lay_off(model, int(staff[-1]))
    money.pay_staff(model, providers)


def plan_workforce(model: SupportSystemModel) -> None:
    """Every provider hires toward what expected income pays for, or sheds staff beyond it."""
    params, table, week = model.params, model.providers, model.week
    wage = params.workforce.wage
    providers = table.active_indices()
    budgets = staffing_budgets(model, providers)
    # One provider's hiring and layoffs leave the others' headcounts as they were.
    headcount = model.workforce.headcount(table.count).tolist()
    for provider, budget in zip(providers.tolist(), budgets.tolist(), strict=True):
        target = int(budget // wage)
        vacancies = table.vacancies[provider]
        table.vacancies[provider] = still_open = [due for due in vacancies if due > week]
        arriving = len(vacancies) - len(still_open)
        vacancies = still_open
        staffed = headcount[provider]
        if arriving and table.cash[provider] > wage:
            # Each vacancy filled this week is filled while staff are below target.
            for _ in range(min(arriving, target - staffed)):
                hire(model, provider)
                staffed += 1
        if staffed + len(vacancies) < target:
            vacancies.extend([week + params.workforce.vacancy_weeks] * (target - staffed - len(vacancies)))
        if staffed > target:
            # The latest to join go first.
            for slot in model.workforce.staff(provider)[target:][::-1].tolist():
                lay_off(model, slot)


def reflect_and_leave(model: SupportSystemModel) -> None:
    """Every worker reflects on the week, in hiring order, and may leave.

    A leaver's people go to colleagues before later workers reflect, so those
    colleagues feel the extra caseload in the same week.
    """
    slots = model.workforce.slots()
    draws = model.rng.random(len(slots))
    discretion = model.providers.discretion
    start = 0
    while (
        leaver := motivation.reflect(model.workforce, slots, start, discretion, draws, model.params)
    ) < len(slots):
        model.observe.leaver()
        release_worker(model, int(slots[leaver]))
        start = leaver + 1


def release_worker(model: SupportSystemModel, slot: int, *, replace: bool = True) -> None:
    """A worker leaves: their caseload is handed to colleagues with room, or back to the list.

    A provider replaces a leaver (after a vacancy delay) but not someone it laid off.
    """
    workforce, people = model.workforce, model.people
    provider = int(workforce.provider[slot])
    colleagues = workforce.staff(provider)
    colleagues = colleagues[colleagues != slot]
    workforce.leave(slot)
    rows = _caseload_of(people.status, people.worker, people.count, slot, int(SUPPORTED))
    workforce.caseload[slot] = 0
    workforce.stakes[slot] = 0.0
    workforce.accountability_hours[slot] = 0.0
    for part in HOUR_PARTS:
        getattr(workforce, part)[slot] = 0.0
    model.worker_agents.pop(slot).remove()
    reassign(model, rows, provider, colleagues)
    model.observe.handoffs(rows, previous_worker=slot)
    if replace and model.providers.active[provider]:
        model.providers.vacancies[provider].append(model.week + model.params.workforce.vacancy_weeks)


@kernel
def _caseload_of(status: np.ndarray, worker: np.ndarray, count: int, slot: int, supported: int) -> np.ndarray:
    """The rows of the people the worker in ``slot`` supports, in row order."""
    rows = np.empty(count, dtype=np.int64)
    found = 0
    for row in range(count):
        rows[found] = row
        found += (status[row] == supported) & (worker[row] == slot)
    return rows[:found].copy()


def lay_off(model: SupportSystemModel, slot: int) -> None:
    model.observe.layoff()
    model.providers.vacancies[int(model.workforce.provider[slot])].clear()
    release_worker(model, slot, replace=False)


def reassign(model: SupportSystemModel, rows: np.ndarray, provider: int, colleagues: np.ndarray) -> None:
    """Hand people to ``colleagues`` at ``provider`` with room; the rest go to the front of its list."""
    if len(rows) == 0:
        return
    people, workforce = model.people, model.workforce
    casework.hand_off(people, rows, model.params)
    model.observe.handoff_count(len(rows))
    left = _hand_to_colleagues(
        rows,
        colleagues,
        workforce.caseload,
        model.params.workforce.max_caseload,
        people.worker,
        people.provider,
        provider,
    )
    if left:
        back = rows[:left]
        # Back at the front of the list, waiting from the start of next week.
        casework.join_waiting_list(people, back, provider, model.week + 1.0)
        model.providers.waiting[provider][:0] = back.tolist()
        model.observe.back_on_list(left)


@kernel
def _hand_to_colleagues(
    rows: np.ndarray,
    colleagues: np.ndarray,
    caseload: np.ndarray,
    max_caseload: int,
    worker: np.ndarray,
    provider_of: np.ndarray,
    provider: int,
) -> int:
    """``rows``, the last first, go to ``colleagues`` with room, least loaded first (ties in joining order).

    Returns how many are left over: the first ones of ``rows``.
    """
    left = len(rows)
    for other in colleagues[np.argsort(caseload[colleagues], kind="mergesort")]:
        while left > 0 and caseload[other] < max_caseload:
            left -= 1
            worker[rows[left]] = other
            provider_of[rows[left]] = provider
            caseload[other] += 1
    return left
