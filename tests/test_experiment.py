"""The experiment runner: specs, seeds, executors, the resumable store, failures, report, sensitivity.

Runs are tiny (300 people, 20 weeks) because these tests check the plumbing;
the shipped experiments are full size.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import TINY_PLACE, write_spec
from scipy import stats

import hls_sim
from hls_sim.cli import main
from hls_sim.experiment import ExperimentError, load_experiment, load_runs, load_steps, sweep, write_report
from hls_sim.experiment.plan import plan_tasks, resolver, run_seeds
from hls_sim.experiment.spec import EXPERIMENT_DIR, experiment_from_dict
from hls_sim.experiment.tasks import FAILED, OK, Task, run_task
from hls_sim.metrics import SUMMARY_KEYS

TINY = {
    "name": "tiny",
    "hypothesis": "Target funding games more than trust funding; the gaming gap rises with the stakes.",
    "seeds": 3,
    "root_seed": 7,
    "weeks": 20,
    "metrics": ["wellbeing_mean", "gaming_gap"],
    "set": TINY_PLACE,
    "arms": [
        {"name": "target", "set": {"funding.mode": "target"}},
        {"name": "trust", "set": {"funding.mode": "trust"}},
    ],
    "parameters": [{"key": "funding.pbr_share", "values": [0.0, 0.8]}],
    "claims": [
        {"metric": "gaming_gap", "compare": ["target", "trust"], "expect": "greater"},
        {"metric": "gaming_gap", "along": "funding.pbr_share", "arm": "target", "expect": "greater"},
    ],
}


def tiny(**changes: object) -> dict:
    spec = copy.deepcopy(TINY)
    spec.update(changes)
    return spec


def metric_values(folder: Path) -> pd.DataFrame:
    """The stored results without what legitimately differs between sessions (timings)."""
    return load_runs(folder).drop(columns=["run_seconds"])


# ---------------------------------------------------------------- specs


def test_every_shipped_experiment_loads_and_plans():
    names = sorted(path.stem for path in EXPERIMENT_DIR.glob("*.toml"))
    shipped = {"regimes-2x2", "campbell", "turn-away", "learning", "trust-failure", "transition"}
    assert shipped | {"regimes-calibrated"} <= set(names)
    for name in names:
        experiment = load_experiment(name)
        tasks = plan_tasks(experiment)
        assert len(tasks) == len({task.run_id for task in tasks}) > 0
        assert experiment.spec.claims, f"{name} states no checkable claim"


def resolved_tasks(name: str) -> list[Task]:
    experiment = load_experiment(name)
    return [resolver(experiment)(task) for task in plan_tasks(experiment)]


def test_the_calibrated_comparison_draws_the_shipped_posterior_with_paired_seeds():
    experiment = load_experiment("regimes-calibrated")
    sample = experiment.spec.sample
    assert sample.method == "posterior" and sample.digest, "the shipped posterior is read and its digest kept"
    tasks = resolved_tasks("regimes-calibrated")
    arms = {task.arm for task in tasks}
    assert arms == {
        "target-competition",
        "target-alliance",
        "trust-competition",
        "trust-alliance",
        "steelman-pbr",
    }
    by_point: dict[int, dict[str, set[int]]] = {}
    for task in tasks:
        by_point.setdefault(task.point, {}).setdefault(task.arm, set()).add(task.seed)
    assert len(by_point) == sample.n
    for seeds in by_point.values():
        assert len({frozenset(s) for s in seeds.values()}) == 1, "every arm at a point runs on the same seeds"


def test_regimes_2x2_runs_the_four_presets():
    tasks = resolved_tasks("regimes-2x2")
    modes = {(t.arm, t.scenario.funding.mode, t.scenario.market.mode) for t in tasks}
    assert modes == {(f"{f}-{m}", f, m) for f in ("target", "trust") for m in ("competition", "alliance")}


def test_campbell_counter_setting_is_a_perfect_audited_indicator():
    tasks = resolved_tasks("campbell")
    counter = [t for t in tasks if t.arm == "counter-setting"]
    assert all(t.scenario.indicator.aligned and t.scenario.indicator.audit_rate == 1.0 for t in counter)
    stakes = sorted({t.scenario.funding.pbr_share for t in tasks})
    assert stakes[0] == 0.0 and stakes[-1] == 1.0


def test_transition_counterfactual_stays_put():
    tasks = resolved_tasks("transition")
    assert {t.arm: len(t.scenario.regime_change) for t in tasks} == {"switch": 1, "stay-put": 0}


BASE = """
    name = "bad"
    hypothesis = "h"
"""


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("seeds = 0", "seeds = 0: input should be greater than or equal to 1"),
        ('metrics = ["happiness"]', "unknown metric 'happiness'"),
        ('colour = "blue"', "colour = 'blue': unknown key"),
        (
            '[[parameters]]\nkey = "funding.pbr_sharee"\nvalues = [0.1]',
            "'funding.pbr_sharee' is not a scenario key",
        ),
        ('[[parameters]]\nkey = "funding.pbr_share"\nrange = [0, 1]', "needs steps = N"),
        ('[[parameters]]\nkey = "funding.pbr_share"\nvalues = [0.2, 1.5]', "funding.pbr_share = 1.5"),
        ('[sample]\nmethod = "halton"\nn = 4\nranges = {"funding.pbr_share" = [0, 1]}', "sample.method"),
        (
            '[sample]\nmethod = "latin"\nn = 4\nranges = {"funding.pbr_share" = [1, 0]}',
            "low end must be below",
        ),
        ('[[arms]]\nname = "a"\nregime = "trust-everything"', "arms.0.regime"),
        (
            '[[claims]]\nmetric = "wellbeing_mean"\ncompare = ["a", "b"]\nexpect = "greater"',
            "no arm named 'a'",
        ),
        (
            '[[claims]]\nmetric = "wellbeing_mean"\nalong = "funding.pbr_share"\nexpect = "greater"',
            "is not varied",
        ),
        (
            '[[arms]]\nname = "a"\n[[arms]]\nname = "b"\n'
            '[[claims]]\nmetric = "wellbeing_mean"\ncompare = ["a", "b"]\nexpect = "equal"',
            "needs a tolerance",
        ),
        ('scenarios = ["atlantis"]', "atlantis: no such scenario file"),
        (
            '[[arms]]\nname = "a"\n[[arms]]\nname = "b"\n'
            '[[claims]]\nmetric = "wellbeing_mean"\ncompare = ["a", "b"]\nexpect = "greater"\n'
            "tolerance = 0.1",
            "tolerance goes with expect = 'equal'",
        ),
        (
            '[[arms]]\nname = "a"\n[[arms]]\nname = "b"\n[[claims]]\nmetric = "wellbeing_mean"\n'
            'compare = ["a", "b"]\nexpect = "equal"\ntolerance = 0.1\nmin_effect = 0.1',
            "min_effect goes with expect = 'greater' or 'less'",
        ),
        (
            '[[arms]]\nname = "perfect"\nset = { "indicator.aligned" = true, "indicator.audit_rate" = 1.0 }\n'
            '[[arms]]\nname = "b"\n[[claims]]\nmetric = "gaming_gap"\ncompare = ["b", "perfect"]\n'
            'expect = "greater"',
            "claims.0 (gaming_gap: b minus perfect): in arm 'perfect' gaming_gap is the same in every run "
            "by construction: the indicator measures the true outcome",
        ),
    ],
)
def test_bad_spec_is_refused_with_file_key_and_value_and_nothing_written(tmp_path, capsys, extra, expected):
    metrics = "" if extra.startswith("metrics") else 'metrics = ["wellbeing_mean"]\n'
    path = write_spec(tmp_path, BASE + metrics + extra + "\n")
    out = tmp_path / "results"
    code = main(["sweep", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert str(path) in err and expected in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert not out.exists()


def test_unreadable_and_missing_specs(tmp_path, capsys):
    broken = write_spec(tmp_path, "name = \n")
    assert main(["sweep", str(broken), "--out", str(tmp_path / "r")]) == 2
    assert "not valid TOML" in capsys.readouterr().err
    assert main(["sweep", "no-such-experiment", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "no such experiment file" in err and "campbell" in err
    assert not (tmp_path / "r").exists()


def test_out_folder_that_is_not_a_store_is_refused_untouched(tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ExperimentError, match="not an hls-sim results folder"):
        sweep(experiment_from_dict(tiny()), out, workers=1, progress=False)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_a_store_refuses_a_different_spec(tmp_path):
    out = tmp_path / "results"
    sweep(experiment_from_dict(tiny(seeds=1)), out, workers=1, progress=False)
    before = metric_values(out)
    with pytest.raises(ExperimentError, match="different spec"):
        sweep(experiment_from_dict(tiny(seeds=1, weeks=21)), out, workers=1, progress=False)
    pd.testing.assert_frame_equal(metric_values(out), before)
    # What is said about the runs may change: the runs stay, the report follows the new claims.
    restated = tiny(seeds=1, hypothesis="Restated.", metrics=["gaming_gap"], claims=[])
    assert sweep(experiment_from_dict(restated), out, workers=1, progress=False).ran == 0
    assert "Restated." in write_report(out).read_text()


# ---------------------------------------------------------------- seeds


def test_seeds_come_from_the_root_seed_sequence_and_grow_by_prefix():
    assert run_seeds(7, 5) == run_seeds(7, 10)[:5]
    assert run_seeds(7, 3) != run_seeds(8, 3)
    expected = [int(child.generate_state(1)[0]) for child in np.random.SeedSequence(7).spawn(3)]
    assert run_seeds(7, 3) == expected


def test_every_arm_and_point_uses_the_same_seed_list():
    tasks = plan_tasks(experiment_from_dict(tiny()))
    by_group: dict[tuple, list[int]] = {}
    for task in tasks:
        by_group.setdefault((task.arm, task.point), []).append(task.seed)
    assert len(by_group) == 4
    assert all(seeds == run_seeds(7, 3) for seeds in by_group.values())


def test_a_stored_run_is_reproduced_by_its_seed(tmp_path):
    sweep(experiment_from_dict(tiny(seeds=1)), tmp_path / "r", workers=1, progress=False)
    row = load_runs(tmp_path / "r").iloc[-1]
    again = hls_sim.run(
        seed=int(row["seed"]),
        weeks=20,
        overrides={**TINY_PLACE, "funding.mode": row["arm"], "funding.pbr_share": row["funding.pbr_share"]},
    )
    assert all(
        row[key] == again[key] or (np.isnan(row[key]) and np.isnan(again[key])) for key in SUMMARY_KEYS
    )


def test_stored_weeks_are_the_model_weekly_table(uninterrupted):
    """The runner reads the weeks without building the model's DataFrame; they must be the same table."""
    from hls_sim.model import SupportSystemModel

    experiment = experiment_from_dict(tiny())
    task = resolver(experiment)(plan_tasks(experiment)[-1])
    model = SupportSystemModel(scenario=task.scenario, rng=task.seed)
    model.run_to_end()
    stored = load_steps(uninterrupted, run_ids=[task.run_id]).drop(columns="run_id")
    pd.testing.assert_frame_equal(stored, model.weekly_table())


def test_without_a_root_seed_one_is_drawn_recorded_and_reused(tmp_path):
    spec = tiny(seeds=1)
    del spec["root_seed"]
    out = tmp_path / "r"
    sweep(experiment_from_dict(spec), out, workers=1, progress=False)
    manifest = load_manifest(out)
    assert isinstance(manifest["root_seed"], int)
    outcome = sweep(experiment_from_dict(spec), out, workers=1, progress=False)
    assert outcome.ran == 0 and outcome.skipped == 4


def load_manifest(folder: Path) -> dict:
    from hls_sim.experiment.store import read_manifest

    return read_manifest(folder)


# ---------------------------------------------------------------- executors and the store


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Path:
    """The tiny sweep run once, start to finish, on one worker."""
    out = tmp_path_factory.mktemp("sweeps") / "one-worker"
    outcome = sweep(experiment_from_dict(tiny()), out, workers=1, progress=False)
    assert outcome.ran == 12 and outcome.failed == 0
    return out


def test_store_layout_and_provenance(uninterrupted):
    runs = load_runs(uninterrupted)
    assert len(runs) == 12 and (runs["status"] == OK).all()
    assert set(SUMMARY_KEYS) <= set(runs.columns)
    assert {"experiment", "scenario", "arm", "funding.pbr_share", "seed", "run_seconds"} <= set(runs.columns)
    on_disk = pd.read_parquet(uninterrupted / "runs.parquet")
    pd.testing.assert_frame_equal(on_disk, runs)
    steps = load_steps(uninterrupted)
    assert set(steps["run_id"]) == set(runs["run_id"])
    assert (steps.groupby("run_id").size() == 20).all()
    manifest = load_manifest(uninterrupted)
    assert manifest["root_seed"] == 7 and manifest["spec"]["name"] == "tiny"
    assert manifest["packages"]["mesa"] == "3.5.1"
    assert {"git_commit", "git_dirty", "host", "created"} <= set(manifest)
    assert manifest["sessions"][0]["status"] == "finished"


def test_two_workers_give_the_same_results_as_one(tmp_path, uninterrupted):
    sweep(experiment_from_dict(tiny()), tmp_path / "two", workers=2, progress=False)
    pd.testing.assert_frame_equal(metric_values(tmp_path / "two"), metric_values(uninterrupted))


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_results_as_local_processes(tmp_path, uninterrupted):
    """A cluster reached at its scheduler's address, as on a real cluster."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        out = tmp_path / "dask"
        sweep(experiment_from_dict(tiny()), out, executor="dask", scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(metric_values(out), metric_values(uninterrupted))
    session = load_manifest(out)["sessions"][0]
    assert (session["executor"], session["workers"]) == ("dask", 2)


@pytest.mark.slow
def test_an_unreachable_scheduler_or_a_stray_one_is_a_usage_error_and_writes_nothing(tmp_path, capsys):
    spec = tmp_path / "tiny.toml"
    spec.write_text(toml_text(tiny()))
    out = tmp_path / "r"
    dask = ["--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"]
    assert main(["sweep", str(spec), "--out", str(out), *dask]) == 2
    assert "cannot reach a Dask scheduler" in capsys.readouterr().err
    assert main(["sweep", str(spec), "--out", str(out), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "--scheduler goes with --executor dask" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.filterwarnings("error::DeprecationWarning")
def test_a_driver_running_threads_is_never_forked_and_gives_the_same_results(tmp_path, uninterrupted):
    """As from a Jupyter kernel: forking a process with threads risks a deadlocked worker."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        sweep(experiment_from_dict(tiny()), tmp_path / "threads", workers=2, progress=False)
    finally:
        stop.set()
        thread.join()
    pd.testing.assert_frame_equal(metric_values(tmp_path / "threads"), metric_values(uninterrupted))


def test_running_again_skips_stored_runs_and_more_seeds_extend(tmp_path, uninterrupted):
    out = tmp_path / "grow"
    sweep(experiment_from_dict(tiny(seeds=2)), out, workers=1, progress=False)
    again = sweep(experiment_from_dict(tiny(seeds=2)), out, workers=1, progress=False)
    assert (again.ran, again.skipped) == (0, 8)
    grown = sweep(experiment_from_dict(tiny()), out, workers=1, progress=False)
    assert (grown.ran, grown.skipped) == (4, 8)
    pd.testing.assert_frame_equal(metric_values(out), metric_values(uninterrupted))


# Long enough that, once the first batches are committed, the signal lands well before the end.
LONG_SEEDS = 30
LONG_RUNS = 4 * LONG_SEEDS


def wait_for_batches(journal: Path, count: int, timeout: float = 600) -> None:
    """Wait until a sweep in another process has committed ``count`` batches (slow on a busy machine)."""
    deadline = time.monotonic() + timeout
    while len(list(journal.glob("runs-*.parquet"))) < count:
        assert time.monotonic() < deadline, f"no {count} committed batches in {journal} after {timeout} s"
        time.sleep(0.05)


KILLABLE = """
import sys
import hls_sim.experiment.runner as runner
import hls_sim.experiment.store as store
from hls_sim.experiment.spec import experiment_from_dict
runner.BATCH_RUNS = 2  # commit often, so the kill lands between committed batches
store.MERGE_FANOUT = 3  # and merge often, so it may land in a merge
if __name__ == "__main__":
    runner.sweep(experiment_from_dict({spec!r}), sys.argv[1], workers=2, progress=False)
"""


@pytest.mark.slow
def test_a_sweep_killed_with_sigkill_resumes_to_the_same_results(tmp_path):
    spec = tiny(seeds=LONG_SEEDS)
    out = tmp_path / "killed"
    script = tmp_path / "killable.py"
    script.write_text(KILLABLE.format(spec=spec))
    process = subprocess.Popen([sys.executable, str(script), str(out)], start_new_session=True)
    journal = out / "journal"
    wait_for_batches(journal, 2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    stored = len(load_runs(out))
    assert 0 < stored < LONG_RUNS, f"the kill should land part way through ({stored} of {LONG_RUNS} stored)"

    resumed = sweep(experiment_from_dict(spec), out, workers=2, progress=False)
    assert resumed.skipped == stored and resumed.ran == LONG_RUNS - stored
    straight = tmp_path / "straight"
    sweep(experiment_from_dict(spec), straight, workers=2, progress=False)
    pd.testing.assert_frame_equal(metric_values(out), metric_values(straight))
    assert not list(out.rglob("*.tmp"))
    assert set(load_steps(out)["run_id"]) == set(load_runs(out)["run_id"])


INTERRUPTIBLE = """
import signal
import sys
import hls_sim.experiment.runner as runner
from hls_sim.cli import main
runner.BATCH_RUNS = 2
# As in a terminal: a shell starts background jobs with Ctrl-C ignored, and CI may be one.
signal.signal(signal.SIGINT, signal.default_int_handler)
if __name__ == "__main__":
    raise SystemExit(main(["sweep", sys.argv[1], "--out", sys.argv[2], "--workers", "2", "--no-report"]))
"""


@pytest.mark.slow
def test_ctrl_c_commits_finished_runs_says_how_to_resume_and_exits_130(tmp_path):
    spec = tmp_path / "tiny.toml"
    spec.write_text(toml_text(tiny(seeds=LONG_SEEDS)))
    script = tmp_path / "interruptible.py"
    script.write_text(INTERRUPTIBLE)
    out = tmp_path / "interrupted"
    process = subprocess.Popen(
        [sys.executable, str(script), str(spec), str(out)], stderr=subprocess.PIPE, text=True
    )
    wait_for_batches(out / "journal", 1)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "run the same command again to resume" in err and "Traceback" not in err, err
    stored = len(load_runs(out))
    assert 0 < stored < LONG_RUNS
    manifest = load_manifest(out)
    assert manifest["sessions"][-1]["status"] == "interrupted"
    resumed = sweep(experiment_from_dict(tiny(seeds=LONG_SEEDS)), out, workers=2, progress=False)
    assert resumed.skipped == stored and resumed.skipped + resumed.ran == LONG_RUNS


def journal_files(folder: Path) -> tuple[list[str], list[str]]:
    return sorted(p.name for p in (folder / "journal").iterdir()), sorted(
        p.name for p in (folder / "steps").iterdir()
    )


def weeks_per_run(folder: Path) -> pd.Series:
    return load_steps(folder).groupby("run_id").size()


def test_the_journal_is_compacted_as_it_grows_and_to_one_file_per_session(
    tmp_path, uninterrupted, monkeypatch
):
    """A week-long sweep commits thousands of batches; the store must not keep a file for each."""
    import hls_sim.experiment.runner as runner
    from hls_sim.experiment import store

    monkeypatch.setattr(runner, "BATCH_RUNS", 1)
    monkeypatch.setattr(runner, "MAX_CHUNK_RUNS", 1)
    monkeypatch.setattr(store, "MERGE_FANOUT", 2)
    counts = []
    write_batch = store.ResultsStore.write_batch

    def counting(self, rows, steps):
        write_batch(self, rows, steps)
        if rows:
            counts.append(len(journal_files(self.folder)[0]))

    monkeypatch.setattr(store.ResultsStore, "write_batch", counting)
    out = tmp_path / "compacted"
    sweep(experiment_from_dict(tiny(seeds=2)), out, workers=1, progress=False)
    assert len(counts) == 8, "one batch per run"
    assert max(counts) <= 3, f"files of 1, 2 and 4 batches at most, once each: {counts}"
    assert journal_files(out) == (["runs-000001-000008.parquet"], ["steps-000001-000008.parquet"])

    sweep(experiment_from_dict(tiny()), out, workers=1, progress=False)
    assert journal_files(out) == (
        ["runs-000001-000008.parquet", "runs-000009-000012.parquet"],
        ["steps-000001-000008.parquet", "steps-000009-000012.parquet"],
    )
    pd.testing.assert_frame_equal(metric_values(out), metric_values(uninterrupted))
    assert (weeks_per_run(out) == 20).all() and len(weeks_per_run(out)) == 12


def test_the_driver_allocates_arrow_memory_from_the_system_during_a_sweep_only(tmp_path, monkeypatch):
    """The store's Parquet bursts go to the C library's allocator; the caller's default comes back."""
    import pyarrow as pa

    from hls_sim.experiment import store

    before = pa.default_memory_pool().backend_name
    seen = []
    write_batch = store.ResultsStore.write_batch

    def recording(self, rows, steps):
        seen.append(pa.default_memory_pool().backend_name)
        write_batch(self, rows, steps)

    monkeypatch.setattr(store.ResultsStore, "write_batch", recording)
    sweep(experiment_from_dict(tiny(seeds=1)), tmp_path / "pool", workers=1, progress=False)
    assert seen and set(seen) == {"system"}
    assert pa.default_memory_pool().backend_name == before


def test_runs_parquet_gathered_a_chunk_at_a_time_is_the_journal_read_whole(tmp_path, monkeypatch):
    """The latest written record of each run, in the spec's order, whatever files, row groups and
    order the runs were written in, retried runs and columns that differ between files included."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hls_sim.experiment import store

    monkeypatch.setattr(store, "RUNS_CHUNK", 5)
    monkeypatch.setattr(store, "CACHED_ROW_GROUPS", 2)
    manifest = {"spec": {"scenarios": ["b", "a"], "arms": [{"name": "y"}, {"name": "x"}]}}
    spec_order = [
        (scenario, arm, point, seed)
        for scenario in ("b", "a")
        for arm in ("y", "x")
        for point in range(3)
        for seed in range(2)
    ]
    rng = np.random.default_rng(11)
    retried = [spec_order[i] for i in rng.choice(len(spec_order), 6, replace=False)]
    records = [key + (0,) for key in spec_order] + [key + (1,) for key in retried]
    records = [records[i] for i in rng.permutation(len(records))]
    (tmp_path / store.JOURNAL).mkdir()
    for number, part in enumerate(np.array_split(np.arange(len(records)), 4), start=1):
        rows = [records[i] for i in part]
        columns = {
            "run_id": [f"{s}{a}{p}{d}" for s, a, p, d, _ in rows],
            "scenario": [row[0] for row in rows],
            "arm": [row[1] for row in rows],
            "point": [row[2] for row in rows],
            "seed_index": [row[3] for row in rows],
            "attempt": [row[4] for row in rows],
            # whole numbers in one file, fractions in the others; a column one file lacks
            "value": [row[4] + (0 if number == 2 else 0.5) for row in rows],
        }
        if number != 3:
            columns["extra"] = [f"note {row[4]}" for row in rows]
        name = store._file_name(store.JOURNAL, number, number)
        pq.write_table(pa.table(columns), tmp_path / store.JOURNAL / name, row_group_size=3)

    store.write_runs_in_spec_order(tmp_path, manifest, tmp_path / store.RUNS)
    written = pq.read_table(tmp_path / store.RUNS)
    assert written.equals(store.consolidated_runs(tmp_path, manifest))
    frame = written.to_pandas()
    assert list(frame["run_id"]) == [f"{s}{a}{p}{d}" for s, a, p, d in spec_order]
    last_written = {record[:4]: record[4] for record in records}
    assert list(frame["attempt"]) == [last_written[key] for key in spec_order]
    assert set(frame["attempt"]) == {0, 1}
    assert frame["value"].dtype == np.float64 and frame["extra"].isna().sum() > 0


@pytest.mark.slow
def test_a_merge_interrupted_at_any_point_loses_and_doubles_nothing(tmp_path, uninterrupted, monkeypatch):
    """A kill in a merge leaves new files beside old ones; readers take each batch once, reopening tidies."""
    import shutil

    import hls_sim.experiment.runner as runner
    from hls_sim.experiment import store

    monkeypatch.setattr(runner, "BATCH_RUNS", 1)
    monkeypatch.setattr(runner, "MAX_CHUNK_RUNS", 1)
    kept = tmp_path / "kept"
    merge = store.merge_parquet

    def keeping_sources(sources, target):
        for source in sources:
            (kept / source.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copy(source, kept / source.parent.name / source.name)
        merge(sources, target)

    monkeypatch.setattr(store, "merge_parquet", keeping_sources)
    out = tmp_path / "merged"
    sweep(experiment_from_dict(tiny()), out, workers=1, progress=False)
    monkeypatch.undo()
    assert journal_files(out) == (["runs-000001-000012.parquet"], ["steps-000001-000012.parquet"])
    assert len(list((kept / "journal").iterdir())) == len(list((kept / "steps").iterdir())) == 12

    def restore(kind: str, every: slice = slice(None)) -> None:
        for source in sorted((kept / kind).iterdir())[every]:
            shutil.copy(source, out / kind / source.name)

    def unseal() -> None:
        """The manifest as it was before the session's end, where the merge was interrupted."""
        manifest = load_manifest(out)
        del manifest["journal_sealed_through"]
        (out / "manifest.json").write_text(json.dumps(manifest))

    def holds_every_run_once() -> None:
        pd.testing.assert_frame_equal(metric_values(out), metric_values(uninterrupted))
        weeks = weeks_per_run(out)
        assert len(weeks) == 12 and (weeks == 20).all()

    def reopened_and_tidied() -> None:
        again = sweep(experiment_from_dict(tiny()), out, workers=1, progress=False)
        assert (again.ran, again.skipped) == (0, 12)
        assert journal_files(out) == (["runs-000001-000012.parquet"], ["steps-000001-000012.parquet"])
        holds_every_run_once()

    # Killed while deleting the old files: both new files in, some old ones of each still there.
    restore("journal", slice(0, 5))
    restore("steps", slice(7, None))
    unseal()
    holds_every_run_once()
    reopened_and_tidied()

    # Killed between the two merges: the new steps file in, the journal still in its old files.
    (out / "journal" / "runs-000001-000012.parquet").unlink()
    restore("journal")
    restore("steps")
    unseal()
    holds_every_run_once()
    reopened_and_tidied()


def counting_chunks(monkeypatch) -> list[int]:
    """Record the size of every chunk the driver gets back."""
    import hls_sim.experiment.runner as runner

    sizes: list[int] = []
    outcome = runner._outcome

    def recording(future, chunk):
        sizes.append(len(chunk))
        return outcome(future, chunk)

    monkeypatch.setattr(runner, "_outcome", recording)
    return sizes


# ---------------------------------------------------------------- failures


def fail_on_second_seed(task: Task):
    """A task function that breaks on purpose for one seed of every point."""
    if task.seed_index == 1:
        raise RuntimeError(f"deliberate failure at point {task.point}")
    return run_task(task)


def test_a_failing_run_is_stored_as_failed_and_the_sweep_goes_on(tmp_path, uninterrupted):
    out = tmp_path / "failures"
    outcome = sweep(
        experiment_from_dict(tiny()), out, workers=2, progress=False, task_function=fail_on_second_seed
    )
    assert (outcome.ran, outcome.failed) == (12, 4)
    assert outcome.last_line().endswith("4 failed")
    runs = load_runs(out)
    failed = runs[runs["status"] == FAILED]
    assert sorted(failed["seed_index"]) == [1, 1, 1, 1]
    assert failed["error"].str.startswith("RuntimeError: deliberate failure").all()
    assert failed["traceback"].str.contains("fail_on_second_seed").all()
    assert failed["wellbeing_mean"].isna().all()
    report = write_report(out).read_text()
    assert "4 failed" in report and "deliberate failure" in report

    retried = sweep(experiment_from_dict(tiny()), out, workers=2, progress=False)
    assert (retried.ran, retried.failed, retried.skipped) == (4, 0, 8)
    pd.testing.assert_frame_equal(metric_values(out), metric_values(uninterrupted))


def test_runs_go_in_chunks_and_a_failing_run_fails_alone_in_its_chunk(tmp_path, uninterrupted, monkeypatch):
    import hls_sim.experiment.runner as runner

    monkeypatch.setattr(runner, "TAIL_CHUNKS", 1)
    sizes = counting_chunks(monkeypatch)
    out = tmp_path / "chunks"
    outcome = sweep(
        experiment_from_dict(tiny()), out, workers=1, progress=False, task_function=fail_on_second_seed
    )
    assert sum(sizes) == 12 and max(sizes) > 1, sizes
    assert (outcome.ran, outcome.failed) == (12, 4)
    runs = load_runs(out)
    assert sorted(runs.loc[runs["status"] == FAILED, "seed_index"]) == [1, 1, 1, 1]
    assert set(load_steps(out)["run_id"]) == set(runs.loc[runs["status"] == OK, "run_id"])
    sweep(experiment_from_dict(tiny()), out, workers=1, progress=False)
    pd.testing.assert_frame_equal(metric_values(out), metric_values(uninterrupted))


def die_on_one_run(task: Task):
    """A task function whose worker process dies at one run, as on a segfault or the kernel's OOM killer."""
    if (task.point, task.seed_index) == (1, 2):
        os._exit(1)
    return run_task(task)


@pytest.mark.slow
def test_a_worker_that_dies_fails_its_runs_and_the_sweep_goes_on_on_a_new_pool(tmp_path, uninterrupted):
    out = tmp_path / "died"
    outcome = sweep(
        experiment_from_dict(tiny()), out, workers=1, progress=False, task_function=die_on_one_run
    )
    assert outcome.ran == 12 and outcome.failed >= 1
    runs = load_runs(out)
    failed = runs[runs["status"] == FAILED]
    assert ((failed["point"] == 1) & (failed["seed_index"] == 2)).any()
    assert failed["traceback"].str.contains("worker process running this task died").all()
    assert (runs["status"] == OK).sum() == 12 - outcome.failed
    retried = sweep(experiment_from_dict(tiny()), out, workers=1, progress=False)
    assert (retried.ran, retried.failed) == (outcome.failed, 0)
    pd.testing.assert_frame_equal(metric_values(out), metric_values(uninterrupted))


def test_cli_exit_code_and_last_line_count_failures(tmp_path, capsys, monkeypatch):
    import hls_sim.experiment as experiment

    original = experiment.sweep

    def failing_sweep(*args, **kwargs):
        return original(*args, **kwargs, task_function=fail_on_second_seed)

    monkeypatch.setattr(experiment, "sweep", failing_sweep)
    spec = tmp_path / "tiny.toml"
    spec.write_text(toml_text(tiny()))
    code = main(["sweep", str(spec), "--out", str(tmp_path / "r"), "--workers", "1", "--no-report"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.strip().splitlines()[-1].endswith("4 failed")
    assert not (tmp_path / "r" / "report.md").exists()


def toml_text(spec: dict) -> str:
    """A minimal TOML writer for the tiny spec (tomllib only reads)."""

    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return f'"{v}"'
        if isinstance(v, dict):
            return "{ " + ", ".join(f'"{k}" = {value(x)}' for k, x in v.items()) + " }"
        if isinstance(v, list | tuple):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    lines = [
        f"{k} = {value(v)}"
        for k, v in spec.items()
        if not isinstance(v, list) or not v or not isinstance(v[0], dict)
    ]
    for table in ("arms", "parameters", "claims"):
        for entry in spec.get(table, []):
            lines.append(f"[[{table}]]")
            lines += [f"{k} = {value(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- report, loaders, sensitivity


def restated(folder: Path, tmp_path: Path, **changes: object) -> Path:
    """A copy of a results folder whose spec says something else about the same runs."""
    target = tmp_path / "restated"
    shutil.copytree(folder, target)
    assert sweep(experiment_from_dict(tiny(**changes)), target, workers=1, progress=False).ran == 0
    return target


def test_report_states_the_hypothesis_the_verdicts_and_the_runs(uninterrupted, tmp_path):
    # Trust's gaming gap also rises with the stakes (its discretion lets workers game as hard
    # as under targets), so the model contradicts the third claim: a report must be able to say so.
    # Three seeds cannot tell the two arms' gaps apart, so the first claim stays open.
    claims = [
        *TINY["claims"],
        {"metric": "gaming_gap", "along": "funding.pbr_share", "arm": "trust", "expect": "less"},
    ]
    folder = restated(uninterrupted, tmp_path, claims=claims)
    text = write_report(folder).read_text()
    assert TINY["hypothesis"] in text
    assert "12 runs stored (12 OK, 0 failed)" in text
    assert "## Do the data support the hypothesis?" in text
    table = pd.read_csv(folder / "tables" / "claims.csv")
    assert list(table["verdict"]) == ["inconclusive", "supported", "contradicted"], table
    assert list(table["seeds"]) == [3, 3, 3] and list(table["points"]) == [2, 2, 2]
    assert "contradict the hypothesis in 1 of 3 claims" in text
    runs = load_runs(folder)
    means = pd.read_csv(folder / "tables" / "means.csv")
    target = runs[(runs["arm"] == "target") & (runs["point"] == 1)]["gaming_gap"]
    row = means[(means["arm"] == "target") & (means["point"] == 1) & (means["metric"] == "gaming_gap")].iloc[
        0
    ]
    assert row["mean"] == pytest.approx(target.mean())
    assert row["low"] <= row["mean"] <= row["high"]
    differences = pd.read_csv(folder / "tables" / "differences.csv")
    assert {"effect_size", "effect_low", "effect_high", "p_value", "p_adjusted"} <= set(differences.columns)
    assert (differences["p_adjusted"] >= differences["p_value"]).all()
    trends = pd.read_csv(folder / "tables" / "trends.csv")
    assert {"slope", "low", "high", "p_value", "p_adjusted", "n_seeds"} <= set(trends.columns)
    for figure in ("wellbeing_mean", "gaming_gap"):
        assert (folder / "figures" / f"{figure}.png").stat().st_size > 1000
        assert f"figures/{figure}.png" in text


def test_a_compare_claim_is_decided_on_per_seed_differences_averaged_over_its_points(uninterrupted):
    write_report(uninterrupted)
    runs = load_runs(uninterrupted)
    by_seed = runs.groupby(["arm", "seed_index"])["gaming_gap"].mean().unstack("arm")
    differences = by_seed["target"] - by_seed["trust"]
    claim = pd.read_csv(uninterrupted / "tables" / "claims.csv").iloc[0]
    interval = stats.ttest_1samp(differences, 0.0).confidence_interval(0.95)
    assert (claim["estimate"], claim["low"], claim["high"]) == pytest.approx(
        (differences.mean(), interval.low, interval.high)
    )
    assert claim["p_value"] == pytest.approx(
        stats.ttest_1samp(differences, 0.0, alternative="greater").pvalue
    )


def test_report_methods_say_how_every_number_was_made(uninterrupted):
    text = write_report(uninterrupted).read_text()
    methods = text[text.index("## Methods") : text.index("## Do the data support")]
    seeds = pd.read_csv(uninterrupted / "tables" / "seeds.csv")
    assert list(seeds["seed"]) == run_seeds(7, 3)
    for said in (
        "n = 3 seeds",
        "`numpy.random.SeedSequence(7)`",
        "tables/seeds.csv",
        "paired by seed",
        "Student t 95% confidence intervals with n − 1 = 2 degrees of freedom",
        "each seed's least-squares slope",
        "Hedges' small-sample correction (J = 0.564 at n = 3)",
        "noncentral t",
        "No interval is bootstrapped",
        "In a simulation at n = 3",
        "Wilcoxon signed-rank",
        "at n = 3 the smallest p-value it can give is 0.25",
        "TOST",
        "smallest effect of interest",
        "The 2 claims form one family, tested as an intersection–union",
        "Benjamini–Hochberg",
        "2 further families: the 4 paired differences (pairs × metrics) and the 4 trends",
        "averages each seed's runs over the parameter points it covers (of funding.pbr_share)",
    ):
        assert said in methods, said
    assert "cannot give a p-value below 0.25" in text
    assert "| p adj. |" in text


def test_a_report_never_shows_a_zero_width_interval_as_evidence(uninterrupted, tmp_path):
    """Every run of a seed giving the same value is no evidence: the claim stays inconclusive."""
    claim = {"metric": "gaming_gap", "compare": ["target", "trust"], "expect": "equal", "tolerance": 0.05}
    folder = restated(uninterrupted, tmp_path, claims=[{**claim, "where": {"funding.pbr_share": 0.0}}])
    write_report(folder)
    row = pd.read_csv(folder / "tables" / "claims.csv").iloc[0]
    assert row["verdict"] == "inconclusive" and "same value" in row["note"]


def test_report_command_and_duckdb_query_over_the_store(uninterrupted, capsys):
    assert main(["report", str(uninterrupted)]) == 0
    duckdb = pytest.importorskip("duckdb")
    query = f"""
        SELECT arm, count(*) AS runs, avg(gaming_gap) AS gap
        FROM '{uninterrupted / "runs.parquet"}' WHERE status = 'OK' GROUP BY arm ORDER BY arm
    """
    rows = duckdb.sql(query).fetchall()
    assert [(arm, runs) for arm, runs, _ in rows] == [("target", 6), ("trust", 6)]


def test_report_of_a_folder_that_is_not_a_store(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "not an hls-sim results folder" in capsys.readouterr().err


def test_python_api_is_reachable_from_the_package(uninterrupted):
    assert hls_sim.load_runs is load_runs
    assert callable(hls_sim.sweep) and callable(hls_sim.sensitivity)


def test_morris_sensitivity_runs_the_salib_sample_and_reports_indices(tmp_path):
    spec = tiny(
        seeds=1,
        arms=[{"name": "target", "set": {"funding.mode": "target"}}],
        parameters=[],
        claims=[],
        sensitivity={
            "ranges": {"funding.pbr_share": [0.0, 1.0], "indicator.audit_rate": [0.0, 1.0]},
            "n": 3,
            "seeds": 1,
        },
    )
    out = tmp_path / "morris"
    outcome = hls_sim.sensitivity(experiment_from_dict(spec), out, method="morris", workers=2, progress=False)
    assert outcome.ran == 3 * (2 + 1) and outcome.failed == 0
    text = write_report(out).read_text()
    assert "## Sensitivity" in text and "mu*" in text
    table = pd.read_csv(out / "tables" / "sensitivity.csv")
    assert set(table["input"]) == {"funding.pbr_share", "indicator.audit_rate"}
    assert (table["mu_star"] >= 0).all()
    assert set(table["metric"]) == {"wellbeing_mean", "gaming_gap"}


def test_sensitivity_needs_a_sensitivity_section(tmp_path, capsys):
    path = tmp_path / "spec.toml"
    path.write_text(toml_text(tiny()))
    assert main(["sensitivity", str(path), "--out", str(tmp_path / "s")]) == 2
    assert "no [sensitivity] section" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()
