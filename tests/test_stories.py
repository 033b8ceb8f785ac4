"""Journeys and stories: recording changes nothing, agrees with the metrics, and tells true stories.

Runs are on the small place of ``test_stylized_facts`` (600 people, 3 providers,
two years), under the old world and under trust and alliance.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from conftest import small_run

import hls_sim
from hls_sim.agents.person import EXITED, SUPPORTED, WAITING
from hls_sim.api import resolve_scenario
from hls_sim.stories import STORY_KINDS, find_people, headline, journey, tell

REGIMES = {
    "target-competition": {"funding.mode": "target", "market.mode": "competition"},
    "trust-alliance": {"funding.mode": "trust", "market.mode": "alliance"},
}
LINE = re.compile(r"^Weeks? (\d+)(?:–(\d+))?: \S")


def run(regime: str, seed: int, record: bool) -> hls_sim.SupportSystemModel:
    """A finished small-place run, shared with other modules (conftest.py)."""
    return small_run(seed, REGIMES[regime], record)


def recorded(regime: str = "target-competition") -> hls_sim.SupportSystemModel:
    return run(regime, 1, True)


def events(model: hls_sim.SupportSystemModel, kind: str) -> pd.DataFrame:
    return model.journeys.events(kind)


def per_week(model: hls_sim.SupportSystemModel, kind: str) -> np.ndarray:
    """Events of ``kind`` in each recorded week."""
    weeks = len(model.weekly_table())
    return np.bincount(events(model, kind)["week"].to_numpy(dtype=int), minlength=weeks)


def start_week(line: str) -> int:
    match = LINE.match(line)
    assert match, f"not a timeline line: {line!r}"
    return int(match.group(1))


class TestRecordingIsNeutral:
    """The journey log only observes: a run is bit for bit the same with it on or off."""

    @pytest.mark.parametrize("regime", REGIMES)
    @pytest.mark.parametrize("seed", (1, 2))
    def test_summary_and_weekly_table_identical(self, regime, seed):
        on, off = run(regime, seed, True), run(regime, seed, False)
        assert on.journeys.enabled and not off.journeys.enabled
        summary_on, summary_off = on.summary(), off.summary()
        assert summary_on.keys() == summary_off.keys()
        np.testing.assert_array_equal(list(summary_on.values()), list(summary_off.values()))
        pd.testing.assert_frame_equal(on.weekly_table(), off.weekly_table(), check_exact=True)

    @pytest.mark.parametrize("regime", REGIMES)
    def test_no_random_numbers_drawn(self, regime):
        on, off = run(regime, 1, True), run(regime, 1, False)
        assert on.rng.bit_generator.state == off.rng.bit_generator.state

    def test_nothing_kept_when_off(self):
        model = run("target-competition", 1, False)
        assert not model.journeys.chunks and not model.journeys.weeks


class TestEventsAgreeWithMetrics:
    """Every event is counted where the model counts it, week by week."""

    @pytest.mark.parametrize("regime", REGIMES)
    def test_run_totals(self, regime):
        model = recorded(regime)
        summary, tally = model.summary(), model.observe.tally
        assert len(events(model, "turned-away")) == summary["turnaway_count"] > 0
        assert len(events(model, "handed-off")) == tally.handoffs > 0
        assert len(events(model, "crisis")) == summary["crises"] > 0
        assert len(events(model, "contact")) == tally.contacts == len(events(model, "assessed"))

    def test_queue_entries(self):
        """Everyone waiting at week 0 is a queue entry then; every later entry is a ``waiting`` event."""
        scenario = resolve_scenario("small-place", REGIMES["target-competition"])
        model = hls_sim.SupportSystemModel(scenario, rng=3, record_journeys=True)
        while model.week < -1:
            model.step()
        waiting_at_start = len(model.people.in_status(WAITING))
        model.run_to_end()
        assert len(events(model, "waiting")) + waiting_at_start == model.observe.tally.queue_entries

    @pytest.mark.parametrize("regime", REGIMES)
    def test_closures_and_what_the_indicator_said(self, regime):
        model = recorded(regime)
        closed, records = events(model, "closed"), model.observe.records
        assert len(closed) == len(records.closure_reported) > 0
        assert closed["reported_success"].sum() == sum(records.closure_reported)
        assert closed["true_success"].sum() == sum(records.closure_true)

    @pytest.mark.parametrize(
        ("kind", "column"),
        [
            ("turned-away", "turnaways"),
            ("handed-off", "handoffs"),
            ("contact", "contacts"),
            ("crisis", "crises"),
        ],
    )
    def test_weekly_counts(self, kind, column):
        model = recorded()
        np.testing.assert_array_equal(per_week(model, kind), model.weekly_table()[column].to_numpy())

    def test_weekly_state_matches_weekly_table(self):
        model = recorded()
        table, log = model.weekly_table(), model.journeys
        status = log.everyone("status", missing=-1)
        np.testing.assert_array_equal((status == SUPPORTED).sum(axis=1), table["supported"])
        np.testing.assert_array_equal((status == WAITING).sum(axis=1), table["waiting"])
        wellbeing = log.everyone("wellbeing", missing=np.nan)
        present = (status >= 0) & (status != EXITED)
        mean = np.nansum(np.where(present, wellbeing, 0.0), axis=1) / present.sum(axis=1)
        np.testing.assert_allclose(mean, table["wellbeing_mean"], rtol=1e-5)

    def test_turn_away_reasons_are_the_models(self):
        """Creaming needs money on the indicator: none under trust-based funding."""
        assert set(events(recorded(), "turned-away")["reason"]) == {"below threshold", "creamed"}
        assert set(events(recorded("trust-alliance"), "turned-away")["reason"]) == {"below threshold"}


class TestFindPeople:
    @pytest.mark.parametrize("kind", STORY_KINDS)
    def test_deterministic_distinct_and_limited(self, kind):
        model = recorded()
        found = find_people(model, kind, limit=5)
        assert 0 < len(found) <= 5
        assert len(set(found)) == len(found)
        assert all(type(person) is int for person in found)
        assert found == find_people(model, kind, limit=5)
        assert find_people(model, kind, limit=0) == []

    def test_turned_away_people_were_turned_away_most(self):
        model = recorded()
        found = find_people(model, "turned-away", limit=10)
        counts = events(model, "turned-away")["person"].value_counts()
        for person in found:
            assert "turned-away" in set(journey(model, person).events["kind"])
        assert [counts[p] for p in found] == sorted(counts[found], reverse=True)
        assert counts[found[0]] == counts.max()

    @pytest.mark.parametrize(("kind", "event"), [("many-handoffs", "handed-off"), ("crisis", "crisis")])
    def test_ranked_by_count_then_id(self, kind, event):
        model = recorded()
        counts = events(model, event)["person"].value_counts()
        expected = sorted(counts.index, key=lambda person: (-counts[person], person))[:10]
        assert find_people(model, kind) == expected

    def test_waited_longest(self):
        model = recorded()
        waits = pd.concat([events(model, "allocated"), events(model, "gave-up")])
        longest = find_people(model, "waited-longest", limit=1)[0]
        assert waits.loc[waits["person"] == longest, "waited"].max() == waits["waited"].max()

    def test_goals_met_with_a_workers_help(self):
        model = recorded()
        for person in find_people(model, "goals-met", limit=5):
            story = journey(model, person)
            met_weeks = story.events.loc[story.events["kind"] == "goals-met", "week"]
            closed_weeks = story.events.loc[story.events["kind"] == "closed", "week"]
            # A worker had them when their goals came to be met (taken on before the run
            # was recorded, perhaps), or their case closed that week.
            helped = story.weekly.set_index("week")["worker"].reindex(met_weeks).fillna(-1) >= 0
            assert helped.any() or met_weeks.isin(closed_weeks).any()


class TestJourney:
    def test_columns(self):
        model = recorded()
        story = journey(model, find_people(model, "anyone", limit=1)[0])
        assert {"week", "kind", "provider", "worker", "text"} <= set(story.events.columns)
        needs = {f"need_{name}" for name in model.domain_names}
        expected = {"week", "status", "worker", "wellbeing", "need", "goals_met", "relationship", *needs}
        assert expected <= set(story.weekly.columns)
        assert story.events["week"].is_monotonic_increasing
        assert story.weekly["week"].is_monotonic_increasing
        assert story.goals

    def test_relationship_only_with_a_worker(self):
        model = recorded()
        story = journey(model, find_people(model, "many-handoffs", limit=1)[0])
        weekly = story.weekly
        assert weekly.loc[weekly["worker"].isna(), "relationship"].isna().all()
        assert weekly.loc[weekly["worker"].notna(), "relationship"].notna().all()

    def test_weekly_state_is_the_persons(self):
        model = recorded()
        person = next(p for p in find_people(model, "anyone", limit=50) if model.person_agents[p] is not None)
        last = journey(model, person).weekly.iloc[-1]
        assert last["wellbeing"] == pytest.approx(model.person_agents[person].wellbeing, rel=1e-6)
        assert last["status"] == model.person_agents[person].status


class TestTelling:
    def test_many_handoffs_story_names_every_worker(self):
        model = recorded()
        story = journey(model, find_people(model, "many-handoffs", limit=1)[0])
        handed = story.events[story.events["kind"] == "handed-off"]
        workers = set(story.events["worker"].dropna()) | set(handed["previous_worker"].dropna())
        assert len(workers) >= 2
        text = "\n".join(tell(story))
        for worker in workers:
            assert re.search(rf"\bworker {worker}\b", text), worker
        assert "handed on" in headline(story)

    @pytest.mark.parametrize("kind", STORY_KINDS)
    def test_timeline_is_chronological_and_within_the_run(self, kind):
        model = recorded()
        weeks = model.params.weeks
        for person in find_people(model, kind, limit=3):
            lines = tell(journey(model, person))
            starts = [start_week(line) for line in lines]
            assert lines and starts == sorted(starts)
            assert 0 <= starts[0] and starts[-1] < weeks

    def test_runs_of_weeks_are_compressed(self):
        model = recorded()
        story = journey(model, find_people(model, "waited-longest", limit=1)[0])
        lines = tell(story)
        waits = [line for line in lines if "waited for a worker" in line]
        assert waits
        for line in waits:
            first, last = LINE.match(line).groups()
            length = int(last or first) - int(first) + 1
            assert f"({length} week" in line
        assert len(lines) < len(story.weekly) + len(story.events)

    def test_turned_away_story_says_so_and_why(self):
        model = recorded()
        story = journey(model, find_people(model, "turned-away", limit=1)[0])
        refusals = (story.events["kind"] == "turned-away").sum()
        text = "\n".join(tell(story))
        assert text.count("turned away:") == refusals
        assert headline(story).startswith("Turned away")

    def test_someone_who_left_before_recording(self):
        model = recorded()
        status_at_start = model.journeys.everyone("status", missing=-1)[0]
        person = int(np.flatnonzero(status_at_start == EXITED)[0])
        story = journey(model, person)
        assert story.events.empty and story.weekly.empty
        assert tell(story) == ["Not in the place during the recorded weeks."]
        assert headline(story) == "Not in the place during the recorded weeks."

    def test_headline_is_one_sentence(self):
        model = recorded()
        for kind in STORY_KINDS:
            line = headline(journey(model, find_people(model, kind, limit=1)[0]))
            assert line[0].isupper() and line.endswith(".") and "\n" not in line
            assert "goals" in line


class TestErrors:
    def test_unknown_kind_names_it_and_the_allowed_ones(self):
        with pytest.raises(ValueError, match="'lost'.*turned-away.*many-handoffs"):
            find_people(recorded(), "lost")

    @pytest.mark.parametrize("limit", (-1, 2.5, True))
    def test_bad_limit(self, limit):
        with pytest.raises(ValueError, match="limit"):
            find_people(recorded(), "anyone", limit=limit)

    @pytest.mark.parametrize("person", (-1, 10**6, 3.0, True, "7"))
    def test_bad_person_id(self, person):
        with pytest.raises(ValueError, match="person_id"):
            journey(recorded(), person)

    def test_model_not_recording(self):
        model = run("target-competition", 1, False)
        with pytest.raises(ValueError, match="record_journeys=True"):
            journey(model, 0)
        with pytest.raises(ValueError, match="record_journeys=True"):
            find_people(model, "anyone")
