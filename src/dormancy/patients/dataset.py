"""Stream a cohort to a partitioned Parquet dataset, chunk by chunk, with its summaries computed on the way.

:func:`stream_cohort` runs the same chunks as :func:`dormancy.patients.simulate_cohort` (same seed, same rows) but
keeps none: each chunk's rows are written to their own Parquet file as soon as they are simulated — in this process,
or on the Dask worker that simulated them, which returns only the chunk's small statistics
(:class:`dormancy.patients.cohort_summary.CohortSummary`), merged as chunks finish — so memory is bounded by a chunk
(plus the merged summaries' event tables, ~22 bytes a patient at 20 years), whatever the cohort size. Default ids go
to a worker as chunk bounds, and tasks are submitted a few per worker at a time, so the client holds no per-patient
array and no more than a few tasks. String columns are stored dictionary-encoded
(categorical): eight text columns took 399 of 582 MiB per million rows in memory.

The dataset folder::

    manifest.json          the cohort's provenance (dormancy.patients.cohort.MANIFEST_FILE, format dormancy.result)
    dataset.json           format "dormancy.cohort-dataset", version, chunks, rows, layout, dictionary columns
    summary.json           the tables ``dormancy cohort`` prints (hazards by ER status, survival, sites)
    patients/part-000000.parquet, part-000001.parquet, ...   one file a chunk, in patient order

is written into ``.<name>.partial`` next to it and renamed into place at the end (atomic: a reader sees the old
folder or the complete new one). A run that is stopped leaves the partial folder; the next run with the same
inputs (cohort, seed, overrides, treatment, ids, chunk size, package version) resumes it: chunks already on disk are
read back for their statistics instead of simulated again (a chunk file is itself written to a temporary name and
renamed, so a file on disk is complete). Different inputs discard the partial folder. Workers on other machines
must see the destination's folder (a shared file system). :func:`read_cohort` reads the rows back;
:func:`iter_cohort_chunks` one chunk at a time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dormancy._version import __version__
from dormancy.atomic import atomic_file, check_destination, publish_folder
from dormancy.coupling.tables import TableCache
from dormancy.distributed import connect
from dormancy.errors import InputError, Problem
from dormancy.patients.cohort import (
    COLUMNS,
    DEFAULT_CHUNK_SIZE,
    MANIFEST_FILE,
    PreparedChunk,
    _Inputs,
    _manifest,
    _plan,
    chunk_rows,
    prepare_chunk,
    run_chunk_kernel,
    simulate_chunk,
)
from dormancy.patients.cohort_summary import CohortSummary, SummaryAccumulator, hazard_intervals
from dormancy.patients.kernel_io import PatientHistories
from dormancy.patients.specs import CohortSpec
from dormancy.pkpd import Strategy
from dormancy.provenance import Manifest

__all__ = ["DATASET_FORMAT", "StreamedCohort", "iter_cohort_chunks", "read_cohort", "stream_cohort"]

DATASET_FORMAT = "dormancy.cohort-dataset"
DATASET_VERSION = 1
DATASET_FILE = "dataset.json"
SUMMARY_FILE = "summary.json"
PARTS_FOLDER = "patients"
STATE_FILE = "stream.json"
#: Text columns stored dictionary-encoded (pandas categorical); read back as text with ``categorical=False``.
DICTIONARY_COLUMNS: tuple[str, ...] = (
    "subtype",
    "t_stage",
    "n_stage",
    "recurrence_site",
    "status",
    "treatment",
    "first_recurrence",
    "death_cause",
)
#: Dask tasks in flight per worker thread (one running, one queued), and at least this many in all.
TASKS_PER_THREAD = 2
MIN_WINDOW = 4
#: Horizons (years) of the survival table in ``summary.json``, cut at the follow-up.
SUMMARY_HORIZONS: tuple[float, ...] = (5.0, 10.0, 15.0, 20.0, 25.0, 30.0)


@dataclass(frozen=True)
class StreamedCohort:
    """A cohort streamed to disk.

    Parameters
    ----------
    path : Path
        The dataset folder.
    manifest : Manifest
        Provenance (as :class:`dormancy.patients.CohortResult`'s).
    summary : CohortSummary
        The merged statistics of every patient.
    n_chunks, resumed_chunks : int
        Chunk files, and how many of them were found on disk from an interrupted run.
    """

    path: Path
    manifest: Manifest
    summary: CohortSummary
    n_chunks: int
    resumed_chunks: int = 0


def part_name(index: int) -> str:
    """Return the file name of chunk ``index`` in the ``patients`` folder."""
    return f"part-{index:06d}.parquet"


def _encode(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy(deep=False)
    for column in DICTIONARY_COLUMNS:
        table[column] = pd.Categorical(table[column])
    return table


def _write_part(table: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with atomic_file(path) as temporary:
        pq.write_table(pa.Table.from_pandas(_encode(table), preserve_index=False), temporary)


def _chunk_arrays(ids: Any, starts: Any) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Return a chunk's patient ids and treatment start steps from their arrays or their compact forms.

    ``ids`` is an array or ``(start, stop)`` (the ids ``start .. stop - 1``, the default ids' chunk); ``starts`` an
    array or one step for every patient. The compact forms keep the client's memory and the tasks small.
    """
    if isinstance(ids, tuple):
        ids = np.arange(ids[0], ids[1], dtype=np.int64)
    if np.ndim(starts) == 0:
        starts = np.full(len(ids), int(starts), np.int64)
    return ids, starts


def _part_inputs(base: _Inputs, ids: Any, starts: Any) -> _Inputs:
    """Return one chunk's inputs (``ids``, ``starts``: see :func:`_chunk_arrays`)."""
    ids, starts = _chunk_arrays(ids, starts)
    return dataclasses.replace(
        base, patient_ids=ids, treat_start_step=starts, visit_steps=np.zeros((len(ids), 0), np.int64)
    )


def _simulate_part(base: _Inputs, ids: Any, starts: Any) -> pd.DataFrame:
    """Simulate one chunk's rows (``ids``, ``starts``: see :func:`_chunk_arrays`)."""
    inputs = _part_inputs(base, ids, starts)
    return simulate_chunk(inputs, 0, len(inputs.patient_ids))[0]


def _prepare_part(base: _Inputs, ids: Any, starts: Any) -> PreparedChunk:
    """Prepare one chunk's kernel inputs (the first stage of :func:`dormancy.patients.cohort.simulate_chunk`)."""
    inputs = _part_inputs(base, ids, starts)
    return prepare_chunk(inputs, 0, len(inputs.patient_ids))


def _finish_part(table: pd.DataFrame, path: str, intervals: tuple[tuple[float, float], ...]) -> CohortSummary:
    """Write a chunk's rows to ``path`` and return its statistics."""
    _write_part(table, Path(path))
    return CohortSummary.from_table(table, intervals=intervals)


def _finish_prepared(
    prepared: PreparedChunk, history: PatientHistories, path: str, intervals: tuple[tuple[float, float], ...]
) -> CohortSummary:
    """Build a chunk's rows from the kernel's output, write them to ``path`` and return their statistics."""
    return _finish_part(chunk_rows(prepared, history)[0], path, intervals)


def _stream_chunk(
    base: _Inputs, ids: Any, starts: Any, path: str, intervals: tuple[tuple[float, float], ...]
) -> CohortSummary:
    """Simulate one chunk, write its rows to ``path`` and return only its statistics (the task a worker runs)."""
    return _finish_part(_simulate_part(base, ids, starts), path, intervals)


def _read_part(path: Path, rows: int, intervals) -> CohortSummary | None:
    """Return the statistics of a chunk file from an interrupted run, or None if it is not the expected chunk."""
    try:
        table = pd.read_parquet(path)
    except Exception:
        return None
    if len(table) != rows or list(table.columns) != list(COLUMNS):
        return None
    return CohortSummary.from_table(table, intervals=intervals)


def _fingerprint(spec: CohortSpec, seed: int, parameters, inputs: _Inputs, context, chunk_size: int) -> str:
    """Return a digest of everything that decides the chunks' rows (to resume only the same run)."""
    digest = hashlib.sha256()
    strategy = context["strategy"]
    head = {
        "version": __version__,
        "seed": int(seed),
        "chunk_size": int(chunk_size),
        "overrides": {str(k): float(v) for k, v in (parameters or {}).items()},
        "tables": context["tables_key"],
        "treatment": None if strategy is None else strategy.to_dict(),
        "spec": repr(spec),
    }
    digest.update(json.dumps(head, sort_keys=True, default=str).encode())
    digest.update(np.ascontiguousarray(inputs.patient_ids).tobytes())
    digest.update(np.ascontiguousarray(inputs.treat_start_step).tobytes())
    return digest.hexdigest()


def _partial_folder(path: Path, fingerprint: str, resume: bool) -> Path:
    """Return the partial folder for ``path``: the interrupted run's when it is the same run, else a new one."""
    partial = path.parent / f".{path.name}.partial"
    state = partial / STATE_FILE
    if partial.is_dir() and not partial.is_symlink():
        try:
            same = json.loads(state.read_text(encoding="utf-8")).get("fingerprint") == fingerprint
        except (OSError, ValueError):
            same = False
        if resume and same:
            for stale in (partial / PARTS_FOLDER).glob(".part-*.tmp"):
                stale.unlink(missing_ok=True)
            return partial
        if not state.is_file():
            raise FileExistsError(f"{partial} exists and was not written by dormancy; refusing to replace it")
        shutil.rmtree(partial)
    elif os.path.lexists(partial):
        raise FileExistsError(f"{partial} exists and is not a folder; refusing to replace it")
    (partial / PARTS_FOLDER).mkdir(parents=True)
    state.write_text(json.dumps({"format_name": DATASET_FORMAT, "fingerprint": fingerprint}) + "\n", encoding="utf-8")
    return partial


def _json_frame(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()}
        for row in json.loads(frame.to_json(orient="records"))
    ]


def stream_cohort(
    spec: CohortSpec,
    path: str | os.PathLike[str],
    *,
    seed: int,
    parameters: Mapping[str, float] | None = None,
    scheduler: str | Any | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
    patient_ids: NDArray[np.integer] | None = None,
    treatment: Strategy | str | Mapping | None = None,
    treatment_start_years: float | NDArray[np.float64] = 0.0,
    cache: TableCache | None = None,
    overwrite: bool = False,
    resume: bool = True,
) -> StreamedCohort:
    """Simulate a cohort as :func:`dormancy.patients.simulate_cohort` does, writing it chunk by chunk to ``path``.

    Parameters
    ----------
    spec, seed, parameters, scheduler, chunk_size, progress, patient_ids, treatment, treatment_start_years, cache
        As for :func:`dormancy.patients.simulate_cohort` (visits are not streamed). With a scheduler, every worker
        must be able to write into ``path``'s parent folder.
    path : path-like
        The dataset folder to create (see the module docstring); its parent must exist.
    overwrite : bool
        Replace an existing result folder written by this package.
    resume : bool
        Continue an interrupted run of the same inputs (skip the chunks on disk); False starts afresh.

    Returns
    -------
    StreamedCohort
        The folder, the manifest and the merged summary.

    Raises
    ------
    InputError
        As :func:`dormancy.patients.simulate_cohort`.
    FileExistsError, FileNotFoundError
        When ``path`` exists (without ``overwrite``, or is not ours) or its parent does not.
    """
    path = Path(path)
    inputs, context, bounds = _plan(
        spec, seed, parameters, patient_ids, treatment, treatment_start_years, None, cache, chunk_size
    )
    check_destination(path, overwrite=overwrite, what="a cohort", marker=MANIFEST_FILE)
    total = len(inputs.patient_ids)
    intervals = hazard_intervals(spec.followup_years)
    partial = _partial_folder(path, _fingerprint(spec, seed, parameters, inputs, context, chunk_size), resume)
    parts = partial / PARTS_FOLDER
    accumulator = SummaryAccumulator(len(bounds))
    todo, done = [], 0
    for index, (start, stop) in enumerate(bounds):
        summary = None
        if (parts / part_name(index)).is_file():
            summary = _read_part(parts / part_name(index), stop - start, intervals)
        if summary is None:
            todo.append(index)
        else:
            accumulator.add(index, summary)
            done += stop - start
    resumed = len(bounds) - len(todo)
    if progress is not None and done:
        progress(done, total)
    base = dataclasses.replace(
        inputs,
        patient_ids=np.zeros(0, np.int64),
        treat_start_step=np.zeros(0, np.int64),
        visit_steps=np.zeros((0, 0), np.int64),
    )
    # the default ids go to a chunk as its bounds, a start step shared by all as one number: the client keeps neither
    all_ids = None if patient_ids is None else inputs.patient_ids
    starts = inputs.treat_start_step
    all_starts = int(starts[0]) if starts.size and (starts == starts[0]).all() else starts
    del inputs, starts

    def arguments(index: int) -> tuple:
        start, stop = bounds[index]
        ids = (start, stop) if all_ids is None else all_ids[start:stop].copy()
        starts = all_starts if np.ndim(all_starts) == 0 else all_starts[start:stop].copy()
        return ids, starts

    def finished(index: int, summary: CohortSummary) -> None:
        nonlocal done
        accumulator.add(index, summary)
        done += bounds[index][1] - bounds[index][0]
        if progress is not None:
            progress(done, total)

    if scheduler is None:
        _run_here(todo, base, arguments, parts, intervals, finished)
    else:
        _run_on_cluster(scheduler, todo, base, arguments, parts, intervals, finished)
    summary = accumulator.result()
    manifest = _manifest(
        spec,
        seed,
        parameters,
        context,
        patient_ids,
        total,
        chunk_size,
        scheduler,
        storage={"format": DATASET_FORMAT, "version": DATASET_VERSION, "file": DATASET_FILE},
    )
    dataset = {
        "format_name": DATASET_FORMAT,
        "format_version": DATASET_VERSION,
        "storage": "parquet (pyarrow), one file a chunk, in patient order",
        "parts_folder": PARTS_FOLDER,
        "parts": [part_name(i) for i in range(len(bounds))],
        "rows_per_part": [stop - start for start, stop in bounds],
        "rows": total,
        "columns": list(COLUMNS),
        "dictionary_columns": list(DICTIONARY_COLUMNS),
    }
    horizons = [h for h in SUMMARY_HORIZONS if h <= spec.followup_years] or [float(spec.followup_years)]
    summary_data = {
        "hazards_by_er": _json_frame(summary.hazards()),
        "survival": _json_frame(summary.survival_outcomes(horizons)),
        "cumulative_distant_recurrence_by_er": _json_frame(summary.cumulative_recurrence(horizons)),
        "first_sites_by_subtype": _json_frame(summary.site_table()),
        "dtc_positive": summary.dtc_positive,
        "failed": summary.failed,
    }
    for name, data in (
        (MANIFEST_FILE, manifest.to_dict()),
        (DATASET_FILE, dataset),
        (SUMMARY_FILE, summary_data),
    ):
        text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        (partial / name).write_text(text, encoding="utf-8")
    (partial / STATE_FILE).unlink()
    publish_folder(partial, path, overwrite=overwrite, what="the cohort", marker=MANIFEST_FILE)
    return StreamedCohort(path, manifest, summary, len(bounds), resumed)


def _run_here(todo, base, arguments, parts, intervals, finished) -> None:
    """Simulate the chunks ``todo`` in this process, the kernel of one overlapping the Python work of its neighbours.

    A pipeline of two threads. This one runs chunk ``i``'s kernel (:func:`dormancy.patients.cohort.run_chunk_kernel`,
    which releases the GIL and keeps the Numba threads busy); meanwhile a helper thread builds chunk ``i - 1``'s rows
    from its kernel output (deaths, aspirate, the table: :func:`dormancy.patients.cohort.chunk_rows`), writes its
    Parquet file and computes its statistics, then prepares chunk ``i + 1``'s covariates and kernel inputs
    (:func:`dormancy.patients.cohort.prepare_chunk`), in that order. Every stage depends only on its own chunk's
    inputs, so the rows and files do not depend on the timing; chunks are reported to ``finished`` (the merge and
    the progress callback) in this thread and in ``todo`` order, each once its file is on disk. At most three chunks
    are held: ``i + 1``'s inputs, ``i``'s kernel output and ``i - 1``'s rows.
    """
    from concurrent.futures import ThreadPoolExecutor

    if not todo:
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dormancy-stream") as helper:
        preparing = helper.submit(_prepare_part, base, *arguments(todo[0]))
        finishing = None
        for position, index in enumerate(todo):
            prepared = preparing.result()
            if position + 1 < len(todo):  # queued behind chunk i - 1's rows, file and statistics
                preparing = helper.submit(_prepare_part, base, *arguments(todo[position + 1]))
            history = run_chunk_kernel(prepared)  # the helper works on the neighbours meanwhile
            if finishing is not None:
                finished(finishing[0], finishing[1].result())
            path = str(parts / part_name(index))
            finishing = (index, helper.submit(_finish_prepared, prepared, history, path, intervals))
            del prepared, history
        finished(finishing[0], finishing[1].result())


def _run_on_cluster(scheduler, todo, base, arguments, parts, intervals, finished) -> None:
    """Run the chunks ``todo`` as tasks on a Dask cluster, a bounded window of them in flight at a time.

    The window is :data:`TASKS_PER_THREAD` tasks per worker thread (at least :data:`MIN_WINDOW`): tasks are submitted
    as others finish, so the client and the scheduler hold a few tasks' arguments (a chunk's bounds, or its ids when
    they were given) and results, not the whole cohort's.
    """
    from distributed import as_completed

    client, own = connect(scheduler)  # dormancy.distributed: the one place that opens clients
    try:
        shared = client.scatter(base, broadcast=True)
        queue = iter(todo)
        running: dict[Any, int] = {}

        def refill() -> list[Any]:
            """Submit tasks until the window (asked again each time: workers may come and go) is full."""
            window = max(MIN_WINDOW, TASKS_PER_THREAD * sum(client.nthreads().values()))
            submitted = []
            while len(running) < window:
                index = next(queue, None)
                if index is None:
                    break
                ids, starts = arguments(index)
                future = client.submit(
                    _stream_chunk, shared, ids, starts, str(parts / part_name(index)), intervals, pure=False
                )
                running[future] = index
                submitted.append(future)
            return submitted

        completed = as_completed(refill(), loop=client.loop)
        for future in completed:
            index = running.pop(future)
            summary = future.result()
            future.release()
            completed.update(refill())
            finished(index, summary)
    finally:
        if own:
            client.close()


def _dataset_info(path: Path) -> dict[str, Any]:
    try:
        info = json.loads((path / DATASET_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError([Problem("path", "a cohort dataset folder (dataset.json)", f"{path}: {error}")]) from None
    if info.get("format_name") != DATASET_FORMAT or info.get("format_version") != DATASET_VERSION:
        expected = f"{DATASET_FORMAT} version {DATASET_VERSION}"
        got = f"{info.get('format_name')!r} version {info.get('format_version')!r}"
        raise InputError([Problem("dataset.json", expected, got)])
    return info


def _decode(table: pd.DataFrame, categorical: bool) -> pd.DataFrame:
    if categorical:
        return table
    for column in DICTIONARY_COLUMNS:
        if column in table:
            table[column] = table[column].astype(str).astype(object)
    return table


def iter_cohort_chunks(
    path: str | os.PathLike[str], *, columns: list[str] | None = None, categorical: bool = True
) -> Iterator[pd.DataFrame]:
    """Yield the rows of a streamed cohort one chunk at a time, in patient order (memory: one chunk).

    Parameters
    ----------
    path : path-like
        A folder written by :func:`stream_cohort`.
    columns : list of str, optional
        Columns to read (default all).
    categorical : bool
        Keep the text columns of :data:`DICTIONARY_COLUMNS` categorical (False: text, as in memory).
    """
    path = Path(path)
    info = _dataset_info(path)
    for name in info["parts"]:
        yield _decode(pd.read_parquet(path / info["parts_folder"] / name, columns=columns), categorical)


def read_cohort(
    path: str | os.PathLike[str], *, columns: list[str] | None = None, categorical: bool = True
) -> pd.DataFrame:
    """Return every row of a streamed cohort, in patient order (the table ``simulate_cohort`` returns).

    Parameters
    ----------
    path : path-like
        A folder written by :func:`stream_cohort`.
    columns : list of str, optional
        Columns to read (default all).
    categorical : bool
        Keep the text columns of :data:`DICTIONARY_COLUMNS` categorical (about a third of the memory); False gives
        them as text, the dtypes of :func:`dormancy.patients.simulate_cohort`'s table.
    """
    import pyarrow.dataset as ds

    path = Path(path)
    info = _dataset_info(path)
    files = [str(path / info["parts_folder"] / name) for name in info["parts"]]
    table = ds.dataset(files, format="parquet").to_table(columns=columns).to_pandas()
    return _decode(table, categorical)
