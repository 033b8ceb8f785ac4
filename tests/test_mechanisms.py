"""Each mechanism on its own: the pure functions, small hand-built People tables, tiny models.

One or more tests per mechanism, named for what the mechanism should do, so a
failure says which piece of theory the code no longer encodes. Model-level
tests use tiny runs (a few hundred people, a few weeks).
"""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import numpy as np
import pytest

from hls_sim import casework, closure, compiled, gaming, indicators, intake, queue, routing, rowwise, support
from hls_sim.agents.person import COMMUNITY, NEVER, SUPPORTED, People, wellbeing
from hls_sim.indicators import ClosureLog, audit, measured_value
from hls_sim.learning import Context, learn_from_practice, openness, pool_knowledge
from hls_sim.life import crises, entrench, live_week, seeks_help
from hls_sim.model import SupportSystemModel
from hls_sim.motivation import crowd_motivation, effort, leaving_chance, oversight
from hls_sim.parameters import measurement, sections
from hls_sim.regimes import PRESETS
from hls_sim.scenario import Scenario, apply_overrides, scenario_from_dict
from hls_sim.support import SupportRules, deliver_support

PACKAGE = Path(__file__).resolve().parent.parent / "hls_sim"
MOTIVATIONS = np.linspace(0.0, 1.0, 11)
DEFAULTS = Scenario()
GAMING = DEFAULTS.gaming
MOTIVATION = DEFAULTS.motivation


def make_people(n: int, domains: int = 5, seed: int = 0) -> People:
    """A small People table of ``n`` fresh residents, to be set by hand."""
    scenario = apply_overrides(DEFAULTS, {"population.domains": domains})
    people = People(scenario, capacity=n)
    people.add(np.random.default_rng(seed), scenario, n, week=0)
    return people


def tiny_model(rng: int = 1, **overrides) -> SupportSystemModel:
    """A few hundred people, a handful of workers: big enough for a mechanism to show."""
    settings = dict(population_size=200, workforce_workers=8, providers_count=2, weeks=30, burn_in=0)
    settings.update(overrides)
    return SupportSystemModel(rng=rng, **settings)


# --- gaming ------------------------------------------------------------------------------------


def creams(stakes: float, mission: float, chance: np.ndarray, typical_chance: float) -> np.ndarray:
    """``gaming.creams`` (one case at a time) for each of ``chance``."""
    return np.array(
        [gaming.creams(stakes, mission, c, typical_chance, GAMING.mission_weight) for c in chance]
    )


def test_no_gaming_decision_fires_with_zero_stakes():
    chance = np.linspace(0.0, 1.0, 11)
    for motivation in MOTIVATIONS:
        m = np.full(11, motivation)
        assert not creams(0.0, motivation, chance, 0.9).any()
        assert not gaming.stops_at_threshold(np.zeros(11), m, np.linspace(0, 1, 11), GAMING).any()
        assert not gaming.reclassifies(np.zeros(11), m, GAMING).any()
        for audit_rate in (0.0, 0.5, 1.0):
            assert not gaming.misreports(np.zeros(11), m, audit_rate, 3.0, GAMING).any()
        assert gaming.gaming_share(0.0, motivation, leverage=5.0) == 0.0
        assert gaming.parking_tilt(0.0, motivation, GAMING) == 0.0
    assert gaming.felt_stakes(0.0, pressure=1.0, pooled_over=1) == 0.0


def test_creaming_declines_only_low_chance_cases_and_only_when_stakes_are_high():
    chance = np.array([0.0, 0.2, 0.6, 0.8, 1.0])
    high = creams(0.5, 0.2, chance, 0.6)
    assert high[:2].all(), "hard cases are declined when much money rides on the rate"
    assert not high[2:].any(), "cases at least as likely as typical to score are never declined"
    assert not creams(0.01, 0.2, chance, 0.6).any()
    # A stronger mission holds out against the same stakes.
    assert not creams(0.5, 10.0, chance, 0.6).any()


def test_misreporting_stops_as_audit_becomes_certain():
    stakes, motivation = np.array([0.5]), np.array([0.05])
    rates = np.linspace(0.0, 1.0, 101)
    fires = np.array([gaming.misreports(stakes, motivation, r, 3.0, GAMING)[0] for r in rates])
    assert fires[0], "an unwatched, low-motivation worker under high stakes misreports"
    assert not fires[-1], "nobody misreports when every success is checked"
    assert (np.diff(fires.astype(int)) <= 0).all(), "more audit never makes misreporting likelier"


def test_gaming_share_needs_leverage_rises_with_stakes_falls_with_motivation():
    stakes = np.linspace(0.0, 1.0, 11)
    assert all(gaming.gaming_share(s, m, 0.0) == 0.0 for s in stakes for m in MOTIVATIONS)
    by_stakes = [gaming.gaming_share(s, 0.5, 1.0) for s in stakes]
    assert (np.diff(by_stakes) > 0).all()
    by_motivation = [gaming.gaming_share(0.5, m, 1.0) for m in MOTIVATIONS]
    assert (np.diff(by_motivation) < 0).all()
    assert all(0.0 <= share < 1.0 for share in by_stakes + by_motivation)


def test_parking_tilt_rises_with_stakes():
    tilt = [gaming.parking_tilt(s, 0.7, GAMING) for s in np.linspace(0.0, 1.0, 11)]
    assert tilt[0] == 0.0
    assert (np.diff(tilt) > 0).all()
    assert all(0.0 <= t <= 1.0 for t in tilt)


def test_stops_at_threshold_when_a_new_case_is_worth_more_than_the_work_left():
    stakes = np.array([0.5, 0.5, 0.05])
    motivation = np.array([0.1, 0.9, 0.9])
    remaining = np.array([0.1, 1.0, 0.1])
    stops = gaming.stops_at_threshold(stakes, motivation, remaining, GAMING)
    assert stops.tolist() == [True, False, False]


# --- indicators ---------------------------------------------------------------------------------


def test_aligned_indicator_ignores_recording_bias_and_recorded_domain():
    rng = np.random.default_rng(3)
    needs = rng.random((20, 5))
    well = rng.random(20)
    first = measured_value(
        needs[np.arange(20), rng.integers(0, 5, 20)], rng.random(20) * 0.08, well, aligned=True
    )
    second = measured_value(needs[np.arange(20), rng.integers(0, 5, 20)], np.zeros(20), well, aligned=True)
    np.testing.assert_allclose(first, 1.0 - well)
    np.testing.assert_allclose(second, 1.0 - well)


def test_proxy_indicator_reads_the_recorded_domain_less_bias():
    needs = np.array([[0.6, 0.2, 0.9], [0.5, 0.4, 0.1]])
    measured = measured_value(needs[[0, 1], [0, 2]], np.array([0.05, 0.0]), None, aligned=False)
    np.testing.assert_allclose(measured, [0.55, 0.1])
    true = indicators.true_value(needs[[0, 1], [0, 0]], None, aligned=False)
    np.testing.assert_allclose(true, [0.6, 0.5])


def misreported_log(n: int = 200) -> ClosureLog:
    log = ClosureLog()
    misreported = np.arange(n) % 2 == 0
    reported = np.ones(n, dtype=bool)
    log.add(reported, reported * 1.0, ~misreported, ~misreported * 1.0, misreported, np.zeros(n, dtype=bool))
    return log


def test_full_audit_catches_every_misreport_and_no_audit_catches_none():
    rng = np.random.default_rng(0)
    full = audit(misreported_log(), 1.0, 0.5, rng)
    assert full.misreports_caught == 100 and full.misreports_uncaught == 0
    assert full.checked == 200 and full.caught == 100
    assert full.reported_successes == 100
    none = audit(misreported_log(), 0.0, 0.5, rng)
    assert none.misreports_caught == 0 and none.misreports_uncaught == 100
    assert none.checked == 0
    assert none.reported_successes == 200
    assert full.true_successes == none.true_successes == 100


# --- learning -----------------------------------------------------------------------------------


def test_context_drifts_only_when_drift_is_positive_and_stays_in_range():
    context = Context(np.random.default_rng(0), 5, sections.Context(approaches=4), validity=0.3)
    before = context.effectiveness.copy()
    context.drift(0.0)
    np.testing.assert_array_equal(context.effectiveness, before)
    context.drift(0.02)
    assert not np.array_equal(context.effectiveness, before)
    for _ in range(200):
        context.drift(0.5)
        assert context.effectiveness.min() >= 0.05 and context.effectiveness.max() <= 1.0


@pytest.mark.parametrize("share", [0.0, 0.3, 0.7, 1.0])
def test_shock_redraws_about_the_share_asked(share):
    context = Context(np.random.default_rng(1), 8, sections.Context(approaches=12), validity=0.3)
    changed = []
    for _ in range(20):
        before = context.effectiveness.copy()
        context.shock(share)
        changed.append((context.effectiveness != before).mean())
    assert np.mean(changed) == pytest.approx(share, abs=0.04)


def practice_once(context: Context, practice: np.ndarray, candour: float, learning, beliefs=None):
    """One provider's beliefs and evidence after a week of ``practice`` (from 0.5 and no evidence)."""
    beliefs = np.full((1, *practice.shape), 0.5) if beliefs is None else beliefs[None].copy()
    evidence = np.zeros_like(beliefs)
    learn_from_practice(
        compiled.stream(np.random.default_rng(3)),
        context,
        practice[None],
        np.array([candour]),
        np.array([True]),
        beliefs,
        evidence,
        learning,
    )
    return beliefs[0], evidence[0]


def test_beliefs_move_toward_what_was_seen_only_where_there_was_practice():
    context = Context(np.random.default_rng(2), 2, sections.Context(approaches=3), validity=1.0)
    context.effectiveness = np.array([[0.9, 0.1, 0.9], [0.1, 0.9, 0.1]])
    hours = np.array([[10.0, 10.0, 0.0], [0.0, 40.0, 0.0]])
    learning = sections.Learning(belief_rate=0.5, signal_noise=0.0)
    updated, evidence = practice_once(context, hours, 1.0, learning)
    gap_before = np.abs(0.5 - context.effectiveness)
    gap_after = np.abs(updated - context.effectiveness)
    practised = hours > 0
    assert (gap_after[practised] < gap_before[practised]).all()
    np.testing.assert_array_equal(updated[~practised], 0.5)
    assert gap_after[1, 1] < gap_after[0, 1], "more practice moves the belief further"
    np.testing.assert_array_equal(evidence, hours)
    unchanged, no_evidence = practice_once(context, np.zeros_like(hours), 1.0, learning)
    assert (unchanged == 0.5).all() and (no_evidence == 0).all(), "no practice, nothing learnt"


def test_honest_feedback_with_much_practice_shows_true_effectiveness():
    context = Context(np.random.default_rng(2), 5, sections.Context(approaches=4), validity=0.0)
    learning = DEFAULTS.learning.model_copy(update={"belief_rate": 1.0})
    seen, _ = practice_once(context, np.full((5, 4), 1e6), 1.0, learning)
    np.testing.assert_allclose(seen, context.effectiveness, atol=0.01)
    blind, _ = practice_once(context, np.full((5, 4), 1e6), 0.0, learning)
    np.testing.assert_allclose(blind, context.indicator_view, atol=0.01)


def belief_spread(beliefs: np.ndarray) -> float:
    """How far providers' beliefs (stacked on the first axis) differ."""
    return float(beliefs.std(axis=0).mean())


def test_pooling_brings_beliefs_together_and_does_nothing_without_sharing():
    rng = np.random.default_rng(4)
    beliefs, evidence = rng.random((4, 5, 4)), rng.random((4, 5, 4)) * 10
    everyone = np.arange(4)
    frozen = beliefs.copy()
    open_books = np.ones(4)
    assert pool_knowledge(beliefs, evidence, everyone, open_books, 0.0) == 0.0
    np.testing.assert_array_equal(beliefs, frozen)
    spread = belief_spread(beliefs)
    assert pool_knowledge(beliefs, evidence, everyone, open_books, 0.8) > 0.0
    assert belief_spread(beliefs) == pytest.approx(0.2 * spread)
    assert pool_knowledge(beliefs, evidence, everyone[:1], open_books[:1], 0.8) == 0.0


def test_guarded_rivals_share_less_at_a_forum():
    rng = np.random.default_rng(5)
    start, evidence = rng.random((4, 5, 4)), rng.random((4, 5, 4)) * 10
    moved = {}
    for disclosed in (1.0, 0.2, 0.0):
        beliefs = start.copy()
        moved[disclosed] = pool_knowledge(beliefs, evidence, np.arange(4), np.full(4, disclosed), 0.8)
    assert moved[1.0] > moved[0.2] > 1e-3 > moved[0.0] == pytest.approx(0.0, abs=1e-12)
    assert openness(rivals_retender=True, open_books=False, members=3, guardedness=0.8) == pytest.approx(0.2)
    assert (openness(rivals_retender=True, open_books=True, members=3, guardedness=0.8) == 1.0).all()
    assert (openness(rivals_retender=False, open_books=False, members=3, guardedness=0.8) == 1.0).all()


# --- motivation ---------------------------------------------------------------------------------


ACCOUNTABILITY = (MOTIVATION.stakes_accountability, MOTIVATION.seen_sanction)
CROWDING = (MOTIVATION.control_effect, MOTIVATION.autonomy_effect)


def test_knave_works_less_unwatched_than_watched():
    knave = 0.1
    unwatched = effort(knave, 0.0, 0.0, *ACCOUNTABILITY)
    assert unwatched == pytest.approx(knave)
    assert effort(knave, 0.0, oversight(3.0, MOTIVATION), *ACCOUNTABILITY) > unwatched
    assert effort(knave, 0.3, 0.0, *ACCOUNTABILITY) > unwatched
    assert effort(0.9, 0.0, 0.0, *ACCOUNTABILITY) > unwatched, "a knight works without being watched"


def test_control_crowds_motivation_out_and_autonomy_lets_it_back():
    baseline = motivation = 0.8
    for _ in range(200):
        motivation = crowd_motivation(motivation, baseline, 1.0, 0.0, 0.02, *CROWDING)
        assert 0.0 <= motivation <= 1.0
    crowded_out = motivation
    assert crowded_out < 0.75 * baseline
    for _ in range(400):
        motivation = crowd_motivation(motivation, baseline, 0.0, 1.0, 0.02, *CROWDING)
        assert 0.0 <= motivation <= 1.0
    assert motivation >= baseline > crowded_out


def test_low_morale_makes_leaving_likelier():
    chances = [leaving_chance(m, 0.12, 4.0) for m in np.linspace(0.0, 1.0, 11)]
    assert (np.diff(chances) < 0).all()
    assert chances[-1] == pytest.approx(0.12 / 52)


# --- casework -----------------------------------------------------------------------------------


def test_eligibility_needs_the_assessed_primary_need_to_reach_the_threshold():
    observed = np.array([[0.2, 0.44, 0.1], [0.45, 0.0, 0.0], [0.9, 0.9, 0.9]])
    assert intake.eligible_needs(observed, 0.45).tolist() == [False, True, True]
    assert intake.eligible_needs(observed, 0.0).all()
    assert intake.eligible_needs(observed, 1.0).sum() == 0


def test_failure_demand_is_a_contact_for_the_same_need_left_high_by_a_turn_away_or_unresolved_closure():
    people = make_people(5)
    rows = np.arange(5)
    people.needs[rows] = 0.2
    people.needs[rows, 1] = 0.7
    people.assessed_domain[rows] = 1
    casework.turn_away(people, rows[[0, 4]], 10, DEFAULTS)
    people.status[1:3] = SUPPORTED
    casework.end_support(people, rows[[1, 2]], np.array([False, True]), 10, DEFAULTS)
    assert people.status[:5].tolist() == [COMMUNITY] * 5
    # Person 4's need that was turned away has since fallen; a new need brings them back.
    people.needs[4, 1] = 0.3
    people.needs[4, 3] = 0.9
    failure = casework.is_failure_demand(people, rows, 10 + 52, 52, 0.5)
    assert failure.tolist() == [True, True, False, False, False]
    assert not casework.is_failure_demand(people, rows, 10 + 53, 52, 0.5).any()
    assert people.last_turnaway[3] == NEVER


def test_hand_off_is_counted_and_breaks_the_relationship():
    people = make_people(3)
    rows = np.arange(3)
    people.relationship[rows] = 0.8
    people.understanding[rows] = 0.6
    trust = people.trust[rows].copy()
    casework.hand_off(people, rows[:2], DEFAULTS)
    assert people.handoffs[rows].tolist() == [1, 1, 0]
    assert (people.relationship[:2] < 0.8).all() and people.relationship[2] == 0.8
    assert (people.understanding[:2] < 0.6).all()
    assert (people.trust[:2] <= trust[:2]).all() and (people.trust[:2] < trust[:2]).any()


def open_cases(n: int, length: int, week: int = 100) -> People:
    """``n`` supported people ``length`` weeks into their package, still with needs, well related."""
    people = make_people(n)
    rows = np.arange(n)
    people.status[rows] = SUPPORTED
    people.episode_start[rows] = week - length
    people.relationship[rows] = 0.9
    people.needs[rows] = 0.6
    return people


def closing(
    people: People,
    *,
    discretion: float,
    stakes: float = 0.0,
    measured: float = 0.9,
    package_weeks: int = 26,
    seed: int = 0,
):
    rows = np.arange(people.count)
    people.worker[rows], people.provider[rows] = rows, 0  # a worker each, at one provider
    scenario = apply_overrides(
        DEFAULTS, {"indicator.threshold": 0.35, "support.package_weeks": package_weeks}
    )
    return closure.closure_decisions(
        people,
        rows,
        week=100,
        measured=np.full(len(rows), measured),
        stakes=np.full(len(rows), stakes),
        motivation=np.full(len(rows), 0.5),
        discretion=np.array([discretion]),
        threshold_pays=True,
        scenario=scenario,
        stream=compiled.stream(np.random.default_rng(seed)),
    )


def test_package_ends_cases_when_workers_have_no_discretion():
    closes, resolved = closing(open_cases(50, length=26), discretion=0.0)
    assert closes.all() and not resolved.any()
    closes, _ = closing(open_cases(50, length=25), discretion=0.0)
    assert not closes.any()
    closes, _ = closing(open_cases(50, length=26), discretion=1.0)
    assert not closes.any(), "full discretion extends the package while needs remain"
    closes, _ = closing(open_cases(50, length=78), discretion=1.0)
    assert closes.all(), "extensions run out at three packages"


def test_resolved_cases_close_whatever_the_package():
    people = open_cases(20, length=1)
    people.needs[:20] = 0.1
    closes, resolved = closing(people, discretion=1.0)
    assert closes.all() and resolved.all()


def test_threshold_effect_closes_met_cases_only_when_stakes_are_high():
    closes, resolved = closing(open_cases(20, length=3), discretion=1.0, stakes=0.5, measured=0.2)
    assert closes.all() and not resolved.any()
    closes, _ = closing(open_cases(20, length=3), discretion=1.0, stakes=0.0, measured=0.2)
    assert not closes.any()


# --- a person's week ----------------------------------------------------------------------------


def test_wellbeing_is_in_unit_range_falls_with_needs_and_rises_with_assets():
    rng = np.random.default_rng(5)
    needs, assets = rng.random((500, 5)), rng.random(500)
    goals = rng.random((500, 5)) < 0.4
    weights = (DEFAULTS.wellbeing.assets_weight, DEFAULTS.wellbeing.goal_weight)
    values = wellbeing(needs, goals, assets, *weights)
    assert values.min() >= 0.0 and values.max() <= 1.0
    assert wellbeing(np.zeros((1, 5)), goals[:1], np.ones(1), *weights)[0] == pytest.approx(1.0)
    assert wellbeing(np.ones((1, 5)), goals[:1], np.zeros(1), *weights)[0] == pytest.approx(0.0)
    worse = needs.copy()
    worse[:, 2] = np.minimum(1.0, worse[:, 2] + 0.1)
    raised = worse[:, 2] > needs[:, 2]
    assert (wellbeing(worse, goals, assets, *weights)[raised] < values[raised]).all()
    assert (wellbeing(needs, goals, assets + 0.1, *weights) > values).all()


@pytest.mark.parametrize("columns", range(1, 20))
def test_row_reductions_equal_numpys_bit_for_bit(columns):
    """The fast reductions over a person's domains give numpy's own results, rounding and all."""
    rng = np.random.default_rng(columns)
    values = rng.random((300, columns)) * rng.choice([1e-3, 1.0, 1e3, -1.0], (300, columns))
    values[rng.random(values.shape) < 0.1] = -0.0
    values[rng.random(values.shape) < 0.1] = 0.5  # ties
    for table in (values, values[::2], np.asfortranarray(values)):
        total = rowwise.row_sum(table)
        assert np.array_equal(total, table.sum(axis=1))
        assert np.array_equal(np.signbit(total), np.signbit(table.sum(axis=1)))
        assert np.array_equal(rowwise.row_mean(table), table.mean(axis=1))
        assert np.array_equal(rowwise.row_max(table), table.max(axis=1))
        flags = table > 0.3
        assert np.array_equal(rowwise.row_count(flags), flags.sum(axis=1))


@pytest.mark.parametrize("seed", range(40))
def test_lines_filled_together_fill_as_each_line_alone(seed):
    """Several waiting lists filled in one pass get exactly what each gets from ``queue.fill`` alone."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, 12, rng.integers(1, 5))
    owner = np.repeat(np.arange(len(sizes)), sizes)
    arrivals = np.where(rng.random(len(owner)) < 0.5, 0.0, rng.random(len(owner)))
    deadlines = arrivals + rng.uniform(-0.2, 3.0, len(owner))  # some give up within the week
    count = rng.integers(0, 30)
    places = queue.Places(
        np.where(rng.random(count) < 0.3, 0.0, rng.random(count)), rng.integers(0, 99, count)
    )
    place_owner = rng.integers(-1, len(sizes), count)
    together = queue.fill_lines(arrivals, deadlines, sizes, places, place_owner)
    for line in range(len(sizes)):
        mine = owner == line
        alone = queue.fill(arrivals[mine], deadlines[mine], places.where(place_owner == line))
        outcome, times = together.outcome[mine], together.times[mine]
        starting, quitting = outcome == queue.STARTS, outcome == queue.GIVES_UP
        assert np.array_equal(starting.nonzero()[0], alone.started)
        assert np.array_equal(times[starting], alone.start_times)
        assert np.array_equal(together.slots[mine][starting], alone.slots)
        assert np.array_equal(quitting.nonzero()[0], alone.gave_up)
        assert np.array_equal(times[quitting], alone.give_up_times)
        assert (together.started[line], together.gave_up[line]) == (len(alone.started), len(alone.gave_up))
        assert together.queue_times[line] == alone.queue_time
        assert together.place_times[line] == float((1.0 - alone.start_times).sum())


def route_one_at_a_time(preference: np.ndarray, room: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """The routing rule as it reads: each contact in turn takes room where it can."""
    rooms, choice = room.tolist(), []
    for wants in preference.tolist():
        open_ = [p for p in range(len(rooms)) if rooms[p] > 0]
        if open_:
            chosen = max(open_, key=wants.__getitem__)
        else:
            chosen = max(range(len(rooms)), key=lambda p: rooms[p] / capacity[p])
        choice.append(chosen)
        rooms[chosen] -= 1
    return np.array(choice, dtype=np.int64)


@pytest.mark.parametrize("seed", range(60))
def test_contacts_routed_in_one_pass_go_where_they_would_one_at_a_time(seed):
    rng = np.random.default_rng(seed)
    contacts, providers = int(rng.integers(0, 60)), int(rng.integers(1, 7))
    preference = rng.normal(size=(contacts, providers))
    preference[rng.random(preference.shape) < 0.05] = 0.0  # ties
    capacity = rng.integers(1, 30, providers).astype(float)
    room = capacity - rng.integers(0, 40, providers)
    routed = routing._take_room(preference, room, capacity)
    assert np.array_equal(routed, route_one_at_a_time(preference, room, capacity))


def test_setting_needs_row_by_row_writes_what_indexing_writes():
    people = make_people(50)
    rows = np.array([3, 7, 8, 20, 49])
    values = np.random.default_rng(1).random((len(rows), people.domains))
    expected = people.needs.copy()
    expected[rows] = values
    people.set_needs(rows, values)
    assert np.array_equal(people.needs, expected)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 6, 10, 11, 57, 900])
def test_quantile_is_numpys_to_the_last_bit(count):
    rng = np.random.default_rng(count)
    for _ in range(50):
        values = rng.normal(size=count) * rng.choice([1e-3, 1.0, 1e3])
        values[rng.random(count) < 0.2] = 0.5  # ties
        for q in (0.8, 0.5, 0.1, 0.95):
            assert measurement.quantile(values, q) == np.quantile(values, q)


def test_unmet_high_needs_entrench_but_supported_ones_do_not():
    people = make_people(2)
    people.needs[:2] = 0.9
    people.entrenchment[:2] = 0.2
    people.status[1] = SUPPORTED
    for _ in range(10):
        entrench(people, np.arange(2), DEFAULTS)
    assert people.entrenchment[0] > 0.2
    assert people.entrenchment[1] <= 0.2


def test_low_trust_people_seek_help_later_than_high_trust_people():
    n = 4000
    rows = np.arange(n)
    first_need = {}
    for trust in (0.9, 0.1):
        people = make_people(n)
        people.trust[rows] = trust
        for need in np.round(np.arange(0.0, 1.0001, 0.05), 2):
            people.needs[rows] = need
            seeking = seeks_help(people, rows, np.array([], dtype=int), DEFAULTS, np.random.default_rng(6))
            if len(seeking) > 0:
                first_need[trust] = need
                break
    assert first_need[0.1] > first_need[0.9]
    # A crisis brings anyone in, whatever their trust.
    people.needs[rows] = 0.0
    assert seeks_help(people, rows, rows[:10], DEFAULTS, np.random.default_rng(6)).tolist() == list(range(10))


def test_crises_are_likelier_when_needs_are_entrenched():
    n = 20000
    counts = {}
    for entrenchment in (0.0, 1.0):
        people = make_people(n)
        people.needs[:n] = 0.9
        people.entrenchment[:n] = entrenchment
        counts[entrenchment] = len(crises(people, np.arange(n), DEFAULTS, np.random.default_rng(7)))
        assert people.crises[:n].sum() == counts[entrenchment]
    assert counts[1.0] > 2 * counts[0.0] > 0
    calm = make_people(n)
    calm.needs[:n] = 0.55
    assert len(crises(calm, np.arange(n), DEFAULTS, np.random.default_rng(7))) == 0


# --- support ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def supporting_model() -> SupportSystemModel:
    """A tiny model six weeks in, with people on caseloads."""
    model = tiny_model()
    for _ in range(6):
        model.step()
    assert len(model.people.in_status(SUPPORTED)) >= 20
    return model


def support_once(model: SupportSystemModel, people: People, discretion: float, overrides: dict | None = None):
    rows = people.in_status(SUPPORTED)
    measured = measured_value(
        people.need_in(rows, people.recorded_domain[rows]), people.recording_bias[rows], None, aligned=False
    )
    rules = SupportRules(
        threshold=model.params.indicator.threshold,
        discretion=np.full(len(model.provider_list), discretion),
        gaming_leverage=model.gaming_leverage,
        aligned=False,
        threshold_pays=True,
    )
    return rows, deliver_support(
        people,
        rows,
        copy.deepcopy(model.workforce),
        model.context,
        measured,
        rules,
        np.zeros(len(model.provider_list)),
        apply_overrides(model.params, {"support.discretionary_spend": 0.0, **(overrides or {})}),
    )


def test_supported_people_needs_fall_more_than_the_same_people_unsupported(supporting_model):
    model = supporting_model
    helped, alone = copy.deepcopy(model.people), copy.deepcopy(model.people)
    rows, result = support_once(model, helped, discretion=0.5)
    assert result.hours.sum() > 0
    assert (helped.needs[rows] <= alone.needs[rows]).all()
    for people in (helped, alone):  # the same life events for both
        live_week(people, rows, model.params, np.random.default_rng(8))
    fall_helped = model.people.needs[rows].mean() - helped.needs[rows].mean()
    fall_alone = model.people.needs[rows].mean() - alone.needs[rows].mean()
    assert fall_helped > fall_alone


def test_discretion_spreads_hours_across_domains_standard_packages_do_not(supporting_model):
    model = supporting_model
    narrow = {"support.package_breadth": 0.0}  # the package reaches the assessed need only
    spread = {}
    for discretion in (0.0, 1.0):
        people = copy.deepcopy(model.people)
        rows = people.in_status(SUPPORTED)
        people.assessed_domain[rows] = 0
        people.understanding[rows] = 0.5
        _, result = support_once(model, people, discretion, narrow)
        practice = result.practice_hours
        assert practice.sum() == pytest.approx(result.hours.sum())
        spread[discretion] = practice[:, 1:, :].sum() / practice.sum()
    assert spread[0.0] == 0.0, "set packages put every hour on the assessed need"
    assert spread[1.0] > 0.2

    people = copy.deepcopy(model.people)
    rows = people.in_status(SUPPORTED)
    people.assessed_domain[rows] = 0
    people.understanding[rows] = 0.0
    _, result = support_once(model, people, 1.0, narrow)
    assert result.practice_hours[:, 1:, :].sum() == 0.0, "discretion needs understanding to act on"


@pytest.mark.parametrize("breadth", [0.0, 0.3])
def test_a_broad_package_reaches_other_needs_in_proportion_and_a_narrow_one_does_not(
    supporting_model, breadth
):
    model = supporting_model
    people = copy.deepcopy(model.people)
    rows = people.in_status(SUPPORTED)
    people.assessed_domain[rows] = 0
    people.needs[rows] = np.array([0.8, 0.6, 0.0, 0.0, 0.2])
    scenario = apply_overrides(model.params, {"support.package_breadth": breadth})
    by_domain, _ = support.direct_hours(
        people, rows, np.ones(len(rows)), np.zeros(len(rows)), np.zeros(len(rows)), scenario
    )
    reach = by_domain.mean(axis=0)
    expected = (1 - breadth) * np.array([1.0, 0, 0, 0, 0]) + breadth * np.array([0.5, 0.375, 0, 0, 0.125])
    assert reach == pytest.approx(expected)


# --- regimes ------------------------------------------------------------------------------------


def test_trust_funding_buys_dialogue_instead_of_results_and_providers_feel_no_stakes():
    spent = {}
    for mode in ("target", "trust"):
        model = tiny_model(funding_mode=mode, weeks=13)
        model.run_to_end()
        tally = model.observe.tally
        spent[mode] = (
            tally.commissioning_cost,
            tally.hours_gaming,
            model.stakes(model.providers.active_indices()),
        )
    cost, gaming, stakes = spent["trust"]
    assert cost > 0 and gaming == 0 and (stakes == 0).all(), "dialogue costs hours; no stakes, no gaming"
    cost, gaming, stakes = spent["target"]
    assert gaming > 0 and (stakes > 0).all(), "money on the indicator gives stakes, and gaming"
    assert tiny_model(funding_mode="trust", funding_pbr_share=0.3).regime.pbr_share == 0.3


def test_regime_change_switches_the_rules_at_the_week_named():
    scenario = scenario_from_dict(
        {
            "weeks": 8,
            "burn_in": 2,
            "population": {"size": 150},
            "workforce": {"workers": 6},
            "providers": {"count": 2},
            "regime_change": [{"week": 5, "funding": "trust", "market": "alliance"}],
        }
    )
    model = SupportSystemModel(scenario, rng=3)
    seen = {}
    while model.running:
        model.step()
        seen[model.week] = (model.regime.pbr_share, model.regime.open_books)
    before = (PRESETS["funding"]["target"]["pbr_share"], PRESETS["market"]["competition"]["open_books"])
    after = (PRESETS["funding"]["trust"]["pbr_share"], PRESETS["market"]["alliance"]["open_books"])
    assert before != after
    assert seen[-2] == seen[4] == before
    assert seen[5] == seen[7] == after
    regimes = model.weekly_table().set_index("week")["regime"]
    assert (regimes.loc[:4] == "target-competition").all()
    assert (regimes.loc[5:] == "trust-alliance").all()


def shares_by_week(market: str, **overrides) -> list[list[float]]:
    model = tiny_model(
        rng=4,
        population_size=300,
        workforce_workers=9,
        providers_count=3,
        weeks=40,
        market_mode=market,
        **overrides,
    )
    shares = []
    while model.running:
        model.step()
        shares.append([p.share if p.active else 0.0 for p in model.provider_list])
    return shares


def test_competition_retenders_and_moves_contract_shares():
    shares = shares_by_week("competition", market_contract_weeks=13)
    assert np.allclose(shares[11][:3], 1 / 3)
    assert not np.allclose(shares[12][:3], 1 / 3), "the first re-tender (week 12) moves shares"
    assert all(sum(week) == pytest.approx(1.0) for week in shares)


def test_alliance_never_retenders():
    """The alliance preset lets one contract run for the whole run (``contract_weeks = 0``)."""
    shares = shares_by_week("alliance")
    assert np.allclose(shares, 1 / 3)


def test_learning_forum_brings_provider_beliefs_together():
    spread = {}
    for uptake in (0.0, 0.8):
        model = tiny_model(rng=5, providers_count=4, market_mode="alliance", forum_uptake=uptake)
        for _ in range(9):
            model.step()
        spread[uptake] = belief_spread(model.providers.beliefs[model.providers.active_indices()])
    assert spread[0.8] < 0.5 * spread[0.0]


# --- no outcome code reads the regime's name ------------------------------------------------------

OUTCOME_MODULES = (
    "support.py",
    "casework.py",
    "life.py",
    "trust.py",
    "intake.py",
    "routing.py",
    "queue.py",
    "closure.py",
    "practice.py",
    "candour.py",
    "dialogue.py",
    "work.py",
    "staffing.py",
    "money.py",
    "agents/person.py",
    "gaming.py",
    "indicators.py",
    "learning.py",
    "motivation.py",
    "agents/worker.py",
)
NAME_PATTERNS = (
    r"regime\.name",
    r"funding_mode",
    r"market_mode",
    r"\.mode\b",
    r"==\s*[\"'](target|trust|alliance|competition)[\"']",
)
MODE_NAMES = {
    "target",
    "trust",
    "alliance",
    "competition",
    "target-competition",
    "target-alliance",
    "trust-competition",
    "trust-alliance",
}


@pytest.mark.parametrize("module", OUTCOME_MODULES)
def test_outcome_code_never_mentions_the_regime_name(module):
    text = (PACKAGE / module).read_text(encoding="utf-8")
    found = [p for p in NAME_PATTERNS if re.search(p, text)]
    assert not found, f"{module} reads the regime's name ({found}); use the regime's parameters"


# The one place outside regimes.py, scenario.py and metrics.py allowed to read a mode:
# the schedule switching regime at the weeks a scenario names.
REGIME_SWITCH = "apply_regime_changes"


def regime_name_reads(tree: ast.AST) -> list[str]:
    """Code (not docstrings) that reads a mode or regime name, or compares with a mode name."""
    allowed = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == REGIME_SWITCH
        for inner in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in allowed:
            continue
        if isinstance(node, ast.Attribute) and node.attr in {"funding_mode", "market_mode", "mode"}:
            found.append(f"line {node.lineno}: .{node.attr}")
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "name"
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "regime"
        ):
            found.append(f"line {node.lineno}: regime.name")
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                if isinstance(side, ast.Constant) and side.value in MODE_NAMES:
                    found.append(f"line {node.lineno}: comparison with {side.value!r}")
    return found


def test_the_name_check_finds_a_regime_test_in_code_but_not_in_docstrings():
    code = ast.parse(
        'def f(model):\n    """When the regime == "trust" ..."""\n'
        '    if model.regime.funding_mode == "trust":\n        return model.regime.name\n'
        "def apply_regime_changes(self):\n    return self.params.funding.mode\n"
    )
    assert len(regime_name_reads(code)) == 3


@pytest.mark.parametrize(
    "module", ["model.py", "agents/provider.py", "agents/commissioner.py", "contracts.py"]
)
def test_agents_and_schedule_act_on_regime_parameters_not_its_name(module):
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    assert regime_name_reads(tree) == []
