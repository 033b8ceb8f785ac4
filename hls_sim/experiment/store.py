"""The results store: a folder that a sweep fills, resumes and never leaves half-written.

Layout of ``DIR``:

- ``manifest.json``: provenance (experiment spec, root seed entropy, package
  versions, git commit and whether the tree was dirty, host, each session's
  start and end).
- ``journal/runs-*.parquet``: finished runs, in the order they were written.
  Runs are committed in numbered *batches*: each is written to a temporary
  file, flushed and renamed, so it is either whole or absent.
- ``steps/steps-*.parquet``: the per-week tables of the runs of the same
  batches (a ``run_id`` column joins them). A steps batch is renamed into place
  before its runs batch, so a run in the journal always has its weeks; weeks
  whose runs were never committed are an interrupted write, ignored by readers
  and removed when the store is opened again.
- ``runs.parquet``: the journal consolidated into one table, one row per run
  (the latest record of a run wins, so a failed run retried later is stored
  once), in the spec's order. Rewritten at the end of every sweep, a few
  thousand rows at a time, so the sweep never holds every run's row.

The journal is compacted as it grows, so a long sweep leaves a handful of
files, not one per batch. A file is named for the batches it holds:
``runs-000007.parquet`` is batch 7, ``runs-000001-000016.parquet`` batches 1 to
16. Whenever ``MERGE_FANOUT`` files of the same size are the newest, they are
merged into one (so a session holds at most ``MERGE_FANOUT - 1`` files of each
size: 1, 16, 256... batches), and at the end of a session all its files are
merged into one. A merge writes the new file in full and renames it in before
deleting the files it replaces; a file whose batches a wider file also holds is
a leftover of an interrupted merge, ignored by readers and removed on opening.

A sweep killed at any moment (Ctrl-C or kill -9) loses only the runs not yet
in a batch; run again, it skips every run in the journal.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from hls_sim.experiment.spec import Experiment, ExperimentError
from hls_sim.experiment.tasks import OK
from hls_sim.metrics import SUMMARY_KEYS

MANIFEST = "manifest.json"
RUNS = "runs.parquet"
JOURNAL = "journal"
STEPS = "steps"
# Files of the same size merged into one as the journal grows; bytes per row group of a merged file.
MERGE_FANOUT = 16
ROW_GROUP_BYTES = 4 << 20
# runs.parquet is written this many rows at a time, from at most this many row groups held at once.
RUNS_CHUNK = 4096
CACHED_ROW_GROUPS = 4
ORDER_COLUMNS = ["run_id", "scenario", "arm", "point", "seed_index"]
READ_ATTEMPTS = 5
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
        self._next_batch = 1 + max((segment.last for segment in self._runs()), default=0)

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
        store._remove_leftovers()
        write_json(manifest_path, manifest)
        return store, experiment

    def done_run_ids(self) -> set[str]:
        """Runs already stored as OK; failed runs are run again."""
        done: set[str] = set()
        for table in read_segments(self._runs, columns=["run_id", "status"]):
            latest = table.to_pandas().drop_duplicates("run_id", keep="last")
            done.update(latest.loc[latest["status"] == OK, "run_id"])
        return done

    def write_batch(self, rows: list[dict[str, Any]], steps: list[pa.RecordBatch]) -> None:
        """Commit a batch of finished runs (weeks first, then the runs that point at them); compact."""
        if not rows:
            return
        number = self._next_batch
        self._next_batch += 1
        if steps:
            weeks = pa.concat_tables(
                [pa.Table.from_batches([part]) for part in steps], promote_options="permissive"
            )
            write_atomically(self.folder / STEPS / _file_name(STEPS, number, number), _parquet_writer(weeks))
        runs = pa.Table.from_pandas(runs_frame(rows), preserve_index=False)
        write_atomically(self.folder / JOURNAL / _file_name(JOURNAL, number, number), _parquet_writer(runs))
        self._merge_full_tiers()
        give_back_arrow_memory()

    def close_session(self, session: dict[str, Any]) -> None:
        """End a sweep's session: merge its journal files into one, rewrite ``runs.parquet``, record it."""
        unsealed = self._unsealed()
        if len(unsealed) > 1:
            self._merge(unsealed[0].first, unsealed[-1].last)
        if unsealed:
            self.manifest["journal_sealed_through"] = unsealed[-1].last
        write_runs_in_spec_order(self.folder, self.manifest, self.folder / RUNS)
        self.manifest.setdefault("sessions", []).append(session)
        self.manifest["seeds"] = max(self.manifest.get("seeds", 0), session.get("seeds", 0))
        write_json(self.folder / MANIFEST, self.manifest)

    def _runs(self) -> list[Segment]:
        return visible_segments(self.folder / JOURNAL)

    def _unsealed(self) -> list[Segment]:
        """This session's journal files (and those of any earlier session that was killed)."""
        sealed = self.manifest.get("journal_sealed_through", 0)
        return [segment for segment in self._runs() if segment.first > sealed]

    def _merge_full_tiers(self) -> None:
        """Merge the newest ``MERGE_FANOUT`` files while they are all the same size."""
        while True:
            newest = self._unsealed()[-MERGE_FANOUT:]
            if len(newest) < MERGE_FANOUT or len({segment.size for segment in newest}) > 1:
                return
            self._merge(newest[0].first, newest[-1].last)

    def _merge(self, first: int, last: int) -> None:
        """Replace the journal and steps files of batches ``first`` to ``last`` by one file each.

        The steps go first, as when a batch is written. Until the old files are
        deleted, the new ones hold the same batches, and readers take the widest.
        """
        replaced = []
        for kind in (STEPS, JOURNAL):
            target = self.folder / kind / _file_name(kind, first, last)
            sources = [s for s in visible_segments(self.folder / kind) if first <= s.first and s.last <= last]
            if sources and [s.path for s in sources] != [target]:
                merge_parquet([s.path for s in sources], target)
                replaced += sources
        for segment in replaced:
            segment.path.unlink()
        give_back_arrow_memory()

    def _remove_leftovers(self) -> None:
        """Remove what an interrupted write or merge left: temporary, replaced and orphaned files."""
        for kind in (STEPS, JOURNAL):
            visible = set(visible_segments(self.folder / kind))
            for segment in segments(self.folder / kind):
                if segment not in visible:
                    segment.path.unlink()
        for segment in orphaned_steps(self.folder):
            segment.path.unlink()
        for path in self.folder.rglob(".*.tmp"):
            path.unlink()


@dataclass(frozen=True)
class Segment:
    """One journal or steps file and the batches it holds, ``first`` to ``last``."""

    path: Path
    first: int
    last: int

    @property
    def size(self) -> int:
        return self.last - self.first + 1


def _file_name(kind: str, first: int, last: int) -> str:
    prefix = "runs" if kind == JOURNAL else "steps"
    batches = f"{first:06d}" if first == last else f"{first:06d}-{last:06d}"
    return f"{prefix}-{batches}.parquet"


def segments(directory: Path) -> list[Segment]:
    """Every journal or steps file in ``directory``, by first batch (widest first on a tie)."""
    found = []
    for path in directory.glob("*-*.parquet"):
        numbers = [int(part) for part in path.stem.split("-")[1:]]
        found.append(Segment(path, numbers[0], numbers[-1]))
    return sorted(found, key=lambda segment: (segment.first, -segment.last))


def visible_segments(directory: Path) -> list[Segment]:
    """The files readers use: each batch once, from the widest file that holds it.

    A merge only ever joins whole files, so two files either hold disjoint
    batches or one holds all of the other's (a leftover of an interrupted merge).
    """
    visible: list[Segment] = []
    for segment in segments(directory):
        if not visible or segment.first > visible[-1].last:
            visible.append(segment)
    return visible


def committed_steps(folder: Path) -> list[Segment]:
    """The steps files whose every batch is in the journal."""
    journal = visible_segments(folder / JOURNAL)
    return [segment for segment in visible_segments(folder / STEPS) if _held(segment, journal)]


def orphaned_steps(folder: Path) -> list[Segment]:
    committed = set(committed_steps(folder))
    return [segment for segment in visible_segments(folder / STEPS) if segment not in committed]


def _held(segment: Segment, journal: list[Segment]) -> bool:
    """Whether the journal files, contiguous batches each, hold every batch of ``segment``."""
    needed = segment.first
    for held in journal:
        if held.first <= needed <= held.last:
            needed = held.last + 1
        if needed > segment.last:
            return True
    return False


def read_segments(listing: Callable[[], list[Segment]], columns: list[str] | None = None) -> list[pa.Table]:
    """Read every file of a listing; if a sweep merged files meanwhile, one may be gone: list again."""
    for attempt in range(READ_ATTEMPTS):
        try:
            return [pq.read_table(segment.path, columns=columns, use_threads=False) for segment in listing()]
        except FileNotFoundError:
            if attempt == READ_ATTEMPTS - 1:
                raise
    return []


def merge_parquet(sources: list[Path], target: Path) -> None:
    """Write the rows of ``sources``, in order, as one Parquet file ``target``, a few MB at a time.

    Columns are widened where files differ (a column of whole numbers in one
    file and fractions in another becomes fractions; a missing column is null).
    Row groups are read on this thread: Arrow's reader threads each keep their
    own allocator heap, which would hold on to memory after the merge.
    """
    schema = _unified_schema(sources)

    def write(temporary: Path) -> None:
        with pq.ParquetWriter(temporary, schema) as writer:
            pending: list[pa.Table] = []
            for path in sources:
                with pq.ParquetFile(path) as source:
                    for index in range(source.num_row_groups):
                        pending.append(_conform(source.read_row_group(index, use_threads=False), schema))
                        if sum(part.nbytes for part in pending) >= ROW_GROUP_BYTES:
                            writer.write_table(pa.concat_tables(pending))
                            pending = []
                            give_back_arrow_memory()
            if pending:
                writer.write_table(pa.concat_tables(pending))

    write_atomically(target, write)


@contextmanager
def arrow_memory_from_the_system() -> Iterator[None]:
    """Within this block, Arrow allocates from the C library's allocator, not its default.

    A sweep's driver reads and writes Parquet in bursts. Arrow's default
    allocator (mimalloc here) holds on to several times what a burst used,
    in heaps it does not give back: reading the five ordering columns of a
    20,000-run journal (2 MiB) left the driver 23 MiB larger, against 6 MiB
    with the C library's. Buffers made before or after keep their own allocator.
    """
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def give_back_arrow_memory() -> None:
    """Return to the system what Arrow's allocator freed.

    An allocator keeps freed memory for reuse (mimalloc in heaps that grow
    with each burst of work, the C library's on its free lists): after every
    batch, merge step or chunk of ``runs.parquet``, the sweep's driver would
    otherwise hold as much as its largest write ever used, and more.
    """
    pa.default_memory_pool().release_unused()


def _unified_schema(sources: list[Path]) -> pa.Schema:
    """One schema for the rows of several files (see ``merge_parquet``)."""
    schemas = [pq.read_schema(path).remove_metadata() for path in sources]
    return pa.unify_schemas(schemas, promote_options="permissive")


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    columns = [
        table.column(field.name).cast(field.type)
        if field.name in table.column_names
        else pa.nulls(len(table), field.type)
        for field in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def _parquet_writer(table: pa.Table) -> Any:
    """Write without pandas' metadata, so a file reads the same before and after a merge."""

    def write(target: Path) -> None:
        pq.write_table(table.replace_schema_metadata(None), target)

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
    runs = consolidated_runs(folder, manifest or read_manifest(folder))
    return runs_frame([]) if runs is None else runs.to_pandas()


def consolidated_runs(folder: Path, manifest: dict[str, Any]) -> pa.Table | None:
    """The journal as one table, latest record of each run, in the spec's order; None if it is empty.

    Done in Arrow rather than pandas: this holds every run's row, and pandas
    would hold several copies of it.
    """
    tables = read_segments(lambda: visible_segments(folder / JOURNAL))
    if not tables:
        return None
    runs = pa.concat_tables(
        [table.replace_schema_metadata(None) for table in tables], promote_options="permissive"
    )
    return runs.take(_latest_in_spec_order(runs, manifest))


def write_runs_in_spec_order(folder: Path, manifest: dict[str, Any], target: Path) -> None:
    """Write ``consolidated_runs`` to ``target`` holding only its ordering columns and a few row groups.

    The order is found from the columns that give it (``ORDER_COLUMNS``); the
    rows are then gathered ``RUNS_CHUNK`` at a time from the row groups that
    hold them. The journal is written in about the spec's order, so each chunk
    reads few groups, and the sweep's driver does not hold every run's row at
    the end of a long sweep.
    """
    sources = [segment.path for segment in visible_segments(folder / JOURNAL)]
    if not sources:
        write_atomically(target, _parquet_writer(pa.Table.from_pandas(runs_frame([]), preserve_index=False)))
        return
    keys = pa.concat_tables(
        [pq.read_table(path, columns=ORDER_COLUMNS, use_threads=False) for path in sources],
        promote_options="permissive",
    )
    order = _latest_in_spec_order(keys, manifest).to_numpy()
    del keys
    schema = _unified_schema(sources)

    def write(temporary: Path) -> None:
        with _RowGroups(sources, schema) as rows, pq.ParquetWriter(temporary, schema) as writer:
            for start in range(0, len(order), RUNS_CHUNK):
                writer.write_table(rows.take(order[start : start + RUNS_CHUNK]))
                give_back_arrow_memory()

    write_atomically(target, write)


def _latest_in_spec_order(runs: pa.Table, manifest: dict[str, Any]) -> pa.Array:
    """The row numbers of each run's latest record, in the spec's order (scenario, arm, point, seed)."""
    rows = pa.table({"run_id": runs["run_id"], "row": np.arange(len(runs))})
    latest = rows.group_by("run_id", use_threads=False).aggregate([("row", "max")])["row_max"]
    spec = manifest["spec"]
    arms = [arm["name"] for arm in spec["arms"] or [{"name": "as-written"}]]
    keys = pa.table(
        {
            "scenario": pc.index_in(runs["scenario"].take(latest), value_set=pa.array(spec["scenarios"])),
            "arm": pc.index_in(runs["arm"].take(latest), value_set=pa.array(arms)),
            "point": runs["point"].take(latest),
            "seed_index": runs["seed_index"].take(latest),
        }
    )
    order = pc.sort_indices(keys, sort_keys=[(name, "ascending") for name in keys.column_names])
    return latest.take(order)


class _RowGroups:
    """The rows of several Parquet files, numbered on through them, read a row group at a time.

    Keeps the ``CACHED_ROW_GROUPS`` groups read last, each conformed to one schema.
    """

    def __init__(self, sources: list[Path], schema: pa.Schema) -> None:
        self.schema = schema
        self.files = [pq.ParquetFile(path) for path in sources]
        self.groups = [(file, group) for file in self.files for group in range(file.num_row_groups)]
        sizes = [file.metadata.row_group(group).num_rows for file, group in self.groups]
        self.starts = np.cumsum([0, *sizes], dtype=np.int64)
        self.cache: dict[int, pa.Table] = {}

    def __enter__(self) -> _RowGroups:
        return self

    def __exit__(self, *exc: object) -> None:
        for file in self.files:
            file.close()

    def take(self, rows: np.ndarray) -> pa.Table:
        """The given rows, in the given order."""
        group_of = np.searchsorted(self.starts, rows, side="right") - 1
        parts, positions = [], []
        for group in np.unique(group_of):
            here = np.flatnonzero(group_of == group)
            parts.append(self._group(group).take(pa.array(rows[here] - self.starts[group])))
            positions.append(here)
        gathered = pa.concat_tables(parts)
        return gathered.take(pa.array(np.argsort(np.concatenate(positions), kind="stable")))

    def _group(self, index: int) -> pa.Table:
        if index not in self.cache:
            if len(self.cache) >= CACHED_ROW_GROUPS:
                del self.cache[next(iter(self.cache))]
            file, group = self.groups[index]
            self.cache[index] = _conform(file.read_row_group(group, use_threads=False), self.schema)
        return self.cache[index]


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
    tables = read_segments(lambda: committed_steps(folder))
    if not tables:
        return pd.DataFrame()
    if run_ids is not None:
        wanted = pa.array(sorted(set(run_ids)), pa.string())
        tables = [table.filter(pc.is_in(table["run_id"], wanted)) for table in tables]
    return pa.concat_tables(tables, promote_options="permissive").to_pandas()
