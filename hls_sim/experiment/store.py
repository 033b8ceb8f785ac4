"""The results store: a folder that a sweep fills, resumes and never leaves half-written.

Layout of ``DIR``:

- ``manifest.json``: provenance (experiment spec, root seed entropy, package
  versions, git commit and whether the tree was dirty, host, each session's
  start and end).
- ``journal/runs-NNNNNN.parquet``: finished runs, one batch per file, in the
  order they were written. A batch is the unit of commitment: it is written to
  a temporary file, flushed and renamed, so it is either whole or absent.
- ``steps/steps-NNNNNN.parquet``: the per-week tables of the runs in the batch
  with the same number (a ``run_id`` column joins them). A steps batch is
  renamed into place before its runs batch, so a run in the journal always
  has its weeks; a steps batch without its runs batch is an interrupted write
  and is removed when the store is opened again.
- ``runs.parquet``: the journal consolidated into one table, one row per run
  (the latest record of a run wins, so a failed run retried later is stored
  once), in the spec's order. Rewritten at the end of every sweep.

A sweep killed at any moment (Ctrl-C or kill -9) loses only the runs not yet
in a batch; run again, it skips every run in the journal.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from hls_sim.experiment.spec import Experiment, ExperimentError
from hls_sim.experiment.tasks import OK, TaskResult
from hls_sim.metrics import SUMMARY_KEYS

MANIFEST = "manifest.json"
RUNS = "runs.parquet"
JOURNAL = "journal"
STEPS = "steps"
PACKAGES = (
    "hls-sim",
    "mesa",
    "numpy",
    "pandas",
    "scipy",
    "pyarrow",
    "pydantic",
    "dask",
    "distributed",
    "SALib",
)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_atomically(path: Path, write: Any) -> None:
    """Call ``write(temporary_path)``, flush it to disk, then rename it over ``path``."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_json(path: Path, data: dict[str, Any]) -> None:
    write_atomically(path, lambda target: target.write_text(json.dumps(data, indent=2, default=str) + "\n"))


class ResultsStore:
    """One experiment's results folder; opening it checks it belongs to this experiment."""

    def __init__(self, folder: Path, manifest: dict[str, Any]) -> None:
        self.folder = folder
        self.manifest = manifest
        self._next_batch = 1 + max((_batch_number(path) for path in self._journal_files()), default=0)

    @classmethod
    def open(cls, folder: str | Path, experiment: Experiment) -> tuple[ResultsStore, Experiment]:
        """Open (or create) the store for ``experiment``; returns it with the root seed fixed.

        Nothing is written until the checks pass: a folder that is not a store,
        or a store of another experiment, is refused.
        """
        folder = Path(folder)
        manifest_path = folder / MANIFEST
        if manifest_path.exists():
            manifest = read_manifest(folder)
            if experiment.spec.root_seed is None:
                experiment = experiment.with_root_seed(manifest["root_seed"])
            if manifest["spec_hash"] != experiment.spec.comparable_hash():
                raise ExperimentError(_different_spec(folder, manifest))
            manifest["spec"] = experiment.spec.model_dump(mode="json")
        elif folder.exists() and any(folder.iterdir()):
            raise ExperimentError(
                f"{folder}: exists and is not an hls-sim results folder (no {MANIFEST}); "
                "choose a new --out folder"
            )
        else:
            if experiment.spec.root_seed is None:
                experiment = experiment.with_root_seed(int(np.random.SeedSequence().entropy))
            manifest = new_manifest(experiment)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / JOURNAL).mkdir(exist_ok=True)
        (folder / STEPS).mkdir(exist_ok=True)
        store = cls(folder, manifest)
        store._remove_orphan_steps()
        write_json(manifest_path, manifest)
        return store, experiment

    def done_run_ids(self) -> set[str]:
        """Runs already stored as OK; failed runs are run again."""
        done: set[str] = set()
        for path in self._journal_files():
            table = pq.read_table(path, columns=["run_id", "status"]).to_pandas()
            latest = table.drop_duplicates("run_id", keep="last")
            done.update(latest.loc[latest["status"] == OK, "run_id"])
        return done

    def write_batch(self, results: list[TaskResult]) -> None:
        """Commit a batch of finished runs: weeks first, then the runs that point at them."""
        if not results:
            return
        number = self._next_batch
        self._next_batch += 1
        frames = [pd.DataFrame(r.steps).assign(run_id=r.row["run_id"]) for r in results if r.steps]
        if frames:
            steps = pd.concat(frames, ignore_index=True)
            write_atomically(self.folder / STEPS / f"steps-{number:06d}.parquet", _parquet_writer(steps))
        rows = runs_frame([result.row for result in results])
        write_atomically(self.folder / JOURNAL / f"runs-{number:06d}.parquet", _parquet_writer(rows))

    def consolidate(self) -> pd.DataFrame:
        """Rewrite ``runs.parquet`` from the journal; returns the table written."""
        runs = collect_runs(self.folder, self.manifest)
        write_atomically(self.folder / RUNS, _parquet_writer(runs))
        return runs

    def record_session(self, session: dict[str, Any]) -> None:
        """Append one invocation's record (executor, counts, times) to the manifest."""
        self.manifest.setdefault("sessions", []).append(session)
        self.manifest["seeds"] = max(self.manifest.get("seeds", 0), session.get("seeds", 0))
        write_json(self.folder / MANIFEST, self.manifest)

    def _journal_files(self) -> list[Path]:
        return sorted((self.folder / JOURNAL).glob("runs-*.parquet"))

    def _remove_orphan_steps(self) -> None:
        committed = {_batch_number(path) for path in self._journal_files()}
        for path in (self.folder / STEPS).glob("steps-*.parquet"):
            if _batch_number(path) not in committed:
                path.unlink()
        for path in self.folder.rglob(".*.tmp"):
            path.unlink()


def _batch_number(path: Path) -> int:
    return int(path.stem.rpartition("-")[2])


def _parquet_writer(frame: pd.DataFrame) -> Any:
    def write(target: Path) -> None:
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), target)

    return write


def runs_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a table whose metric columns are always present and always floats."""
    frame = pd.DataFrame(list(rows))
    for key in (*SUMMARY_KEYS, "run_seconds"):
        frame[key] = pd.to_numeric(frame[key], errors="coerce") if key in frame else float("nan")
    return frame.astype({key: "float64" for key in (*SUMMARY_KEYS, "run_seconds")})


def collect_runs(folder: str | Path, manifest: dict[str, Any] | None = None) -> pd.DataFrame:
    """Every stored run, latest record of each, in the spec's order (scenario, arm, point, seed)."""
    folder = Path(folder)
    manifest = manifest or read_manifest(folder)
    files = sorted((folder / JOURNAL).glob("runs-*.parquet"))
    if not files:
        return runs_frame([])
    runs = pd.concat([pq.read_table(path).to_pandas() for path in files], ignore_index=True)
    runs = runs.drop_duplicates("run_id", keep="last")
    spec = manifest["spec"]
    scenario_rank = {name: rank for rank, name in enumerate(spec["scenarios"])}
    arm_rank = {arm["name"]: rank for rank, arm in enumerate(spec["arms"] or [{"name": "as-written"}])}
    keys = pd.DataFrame(
        {
            "s": runs["scenario"].map(scenario_rank),
            "a": runs["arm"].map(arm_rank),
            "p": runs["point"],
            "i": runs["seed_index"],
        }
    )
    order = keys.sort_values(["s", "a", "p", "i"], kind="stable").index
    return runs.loc[order].reset_index(drop=True)


def read_manifest(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / MANIFEST
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ExperimentError(f"{folder}: not an hls-sim results folder (no {MANIFEST})") from None
    except json.JSONDecodeError as error:
        raise ExperimentError(f"{path}: damaged manifest: {error}") from None


def new_manifest(experiment: Experiment) -> dict[str, Any]:
    """Provenance written when the store is created."""
    commit, dirty = git_state()
    return {
        "experiment": experiment.name,
        "spec_file": experiment.source,
        "spec": experiment.spec.model_dump(mode="json"),
        "spec_hash": experiment.spec.comparable_hash(),
        "sensitivity_method": experiment.sensitivity_method,
        "root_seed": experiment.spec.root_seed,
        "seed_sequence": "numpy.random.SeedSequence(root_seed).spawn(seeds); seed = generate_state(1)[0]",
        "seeds": experiment.spec.seeds,
        "created": now(),
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": package_versions(),
        "git_commit": commit,
        "git_dirty": dirty,
        "sessions": [],
    }


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_state() -> tuple[str | None, bool | None]:
    """The commit of the code that ran, and whether it had uncommitted changes."""
    source = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=source, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=source,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None, None
    return commit, bool(status.strip())


def _different_spec(folder: Path, manifest: dict[str, Any]) -> str:
    return (
        f"{folder}: holds results of experiment {manifest['experiment']!r} run with a different spec "
        "(between sessions only the seeds, metrics, claims and words may change); choose a new --out folder"
    )


def load_runs(folder: str | Path) -> pd.DataFrame:
    """Every stored run of a results folder as a DataFrame, one row per run."""
    return collect_runs(folder)


def load_steps(folder: str | Path, run_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """The per-week tables of a results folder (optionally only some runs), with a run_id column."""
    folder = Path(folder)
    read_manifest(folder)
    files = sorted((folder / STEPS).glob("steps-*.parquet"))
    if not files:
        return pd.DataFrame()
    wanted = None if run_ids is None else set(run_ids)
    frames = []
    for path in files:
        frame = pq.read_table(path).to_pandas()
        frames.append(frame if wanted is None else frame[frame["run_id"].isin(wanted)])
    return pd.concat(frames, ignore_index=True)
