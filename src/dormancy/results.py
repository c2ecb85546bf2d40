"""The result of any simulation, and its folder on disk.

A :class:`Result` holds time series (an :class:`xarray.Dataset` over ``entity`` and ``time``), a table with one
row per entity (its status, a message and summary measures) and a :class:`~dormancy.provenance.Manifest`.
:func:`save_result` writes it atomically to a folder::

    <path>/manifest.json     provenance, format name and version (UTF-8 JSON)
    <path>/timeseries.zarr   the time series (Zarr format 2, consolidated metadata)
    <path>/table.parquet     the per-entity table (Parquet, written by pyarrow)

and :func:`load_result` reads it back into an equal result.
"""

from __future__ import annotations

import enum
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import xarray as xr

from dormancy.atomic import atomic_folder
from dormancy.provenance import FORMAT_NAME, FORMAT_VERSION, Manifest, ResultFormatError

__all__ = ["Manifest", "Result", "ResultFormatError", "Status", "load_result", "save_result"]

MANIFEST_FILE = "manifest.json"
TIMESERIES_STORE = "timeseries.zarr"
TABLE_FILE = "table.parquet"


class Status(enum.StrEnum):
    """Outcome of one entity (replicate, patient, cell, lab run, trial replicate): the package's one vocabulary.

    Failure is data: in a batch a failure is recorded per entity, with its status and a message, not raised, so
    one diverging replicate never loses the others. Members equal their string values (``Status.OK == "ok"``),
    which is what result tables and manifests store; each has a :attr:`message` for people. Compiled kernels
    that keep statuses as ``int8`` codes map them onto members with a tuple indexed by code
    (``signalling.compiled.CELL_STATUSES``, ``patients.natural_history.STATUS_CODES``). Every scale uses it:
    the ODE runs (:func:`dormancy.simulate`, the lifetime bone, pharmacokinetics), the switch's per-cell
    integrators, the patients' kernel, the niche run, the lab and the trials.
    """

    OK = "ok"
    SOLVER_FAILED = "solver_failed"
    NONFINITE = "nonfinite"
    OUT_OF_DOMAIN = "out_of_domain"
    TOO_MANY_STEPS = "too_many_steps"
    MODEL_ERROR = "model_error"
    UNDER_ENROLLED = "under-enrolled"
    FAILED = "failed"

    @property
    def message(self) -> str:
        """What the status means, one sentence."""
        return _STATUS_MESSAGES[self]

    @property
    def is_ok(self) -> bool:
        """Whether the entity completed normally."""
        return self is Status.OK


_STATUS_MESSAGES = {
    Status.OK: "completed normally",
    Status.SOLVER_FAILED: "the numerical solver stopped before the end",
    Status.NONFINITE: "a state or rate became infinite or NaN",
    Status.OUT_OF_DOMAIN: "a value left the range where the model is defined",
    Status.TOO_MANY_STEPS: "the integrator needed more steps than allowed",
    Status.MODEL_ERROR: "the model could not be evaluated for these parameters (the message says why)",
    Status.UNDER_ENROLLED: "fewer patients met the eligibility criteria than the target",
    Status.FAILED: "the run failed (the message says why)",
}


def _check_timeseries(timeseries: xr.Dataset) -> xr.Dataset:
    """Validate the dataset and return it with string entity ids as fixed-width unicode (``<U``)."""
    for dim in ("entity", "time"):
        if dim not in timeseries.dims or dim not in timeseries.coords:
            raise ValueError(f"Result timeseries needs an {dim!r} dimension and coordinate; found {timeseries.sizes}")
    if timeseries["time"].dtype.kind not in "iuf":
        raise ValueError(f"Result time must be numbers of days; found dtype {timeseries['time'].dtype}")
    unlabelled = [str(name) for name, v in timeseries.data_vars.items() if not {"units", "long_name"} <= set(v.attrs)]
    if unlabelled:
        raise ValueError(f"Result timeseries variables need 'units' and 'long_name' attrs; missing on {unlabelled}")
    entity = timeseries["entity"]
    if entity.dtype.kind in "OT" and all(isinstance(value, str) for value in entity.values.tolist()):
        fixed = np.array(entity.values.tolist(), dtype=str)
        timeseries = timeseries.assign_coords(entity=entity.copy(data=fixed))
        entity = timeseries["entity"]
    if entity.dtype.kind not in "iuU":
        raise ValueError(f"Result entity ids must be integers or strings; found dtype {entity.dtype}")
    if not timeseries.indexes["entity"].is_unique:
        raise ValueError("Result entity ids must be unique")
    return timeseries


def _check_table(table: pd.DataFrame, entities: pd.Index) -> pd.DataFrame:
    """Validate the table against the entity ids and return it with Status members stored as plain strings."""
    if table.index.name != "entity":
        raise ValueError(f"Result table index must be named 'entity'; found {table.index.name!r}")
    if not table.index.equals(entities):
        raise ValueError(f"Result table index must equal the entity coordinate; found {table.index} vs {entities}")
    missing = [column for column in ("status", "message") if column not in table.columns]
    if missing:
        raise ValueError(f"Result table needs columns 'status' and 'message'; missing {missing}")
    allowed = {status.value for status in Status}
    invalid = sorted({repr(value) for value in table["status"] if value not in allowed})
    if invalid:
        raise ValueError(f"Result table status must be one of {sorted(allowed)}; found {', '.join(invalid)}")
    if not all(isinstance(message, str) for message in table["message"]):
        raise ValueError("Result table message must be a string in every row (empty when there is nothing to say)")
    if any(type(value) is not str for value in table["status"]):
        table = table.assign(status=[Status(value).value for value in table["status"]])
    return table


@dataclass(frozen=True, eq=False)
class Result:
    """Time series, per-entity table and provenance of one run.

    Validated on construction. String entity ids are stored as fixed-width unicode (``<U``) and ``Status``
    members in the table as their string values, so a saved and loaded result is identical to the original.
    Compare results part by part (``Dataset.identical``, ``pandas.testing.assert_frame_equal``, ``==`` on
    manifests); ``==`` on results is identity.

    Parameters
    ----------
    timeseries : xarray.Dataset
        Dims include ``entity`` (integer or string ids) and ``time`` (numbers of days), both with coordinates;
        every variable has ``units`` and ``long_name`` attrs.
    table : pandas.DataFrame
        One row per entity, index named ``entity`` and equal to the entity coordinate, with columns ``status``
        (values of :class:`Status`) and ``message`` (str), plus any others.
    manifest : Manifest
        Provenance.

    Raises
    ------
    ValueError
        When the parts do not fit together as described.
    """

    timeseries: xr.Dataset
    table: pd.DataFrame
    manifest: Manifest

    def __post_init__(self) -> None:
        if not isinstance(self.manifest, Manifest):
            raise ValueError(f"Result manifest must be a Manifest; found {type(self.manifest).__name__}")
        timeseries = _check_timeseries(self.timeseries)
        object.__setattr__(self, "timeseries", timeseries)
        object.__setattr__(self, "table", _check_table(self.table, timeseries.indexes["entity"]))

    @property
    def entities(self) -> pd.Index:
        """Entity ids, in table order."""
        return self.table.index

    @property
    def status(self) -> pd.Series:
        """Status value of each entity, indexed by entity."""
        return self.table["status"]

    @property
    def ok(self) -> pd.Series:
        """Boolean mask of the entities whose status is ``ok``, indexed by entity."""
        return (self.status == Status.OK.value).rename("ok")

    def summary(self) -> str:
        """Return a few lines for people: model, scenario and seed, entity counts by status, time span."""
        counts = self.status.value_counts()
        total, ok = len(self.table), int(self.ok.sum())
        failed = ", ".join(f"{s.value} {counts[s.value]}" for s in Status if s is not Status.OK and s.value in counts)
        time = self.timeseries["time"].values
        span = f"{time.min():g} to {time.max():g} days ({time.size} points)" if time.size else "no time points"
        scenario = self.manifest.scenario.get("name", "unnamed")
        return "\n".join(
            [
                f"model: {self.manifest.model}",
                f"scenario: {scenario} (seed {self.manifest.seed})",
                f"entities: {total} ({ok} ok, {total - ok} failed{': ' + failed if failed else ''})",
                f"time: {span}",
            ]
        )


def _write(result: Result, folder: Path) -> None:
    result.timeseries.drop_encoding().to_zarr(folder / TIMESERIES_STORE, mode="w-", zarr_format=2, consolidated=True)
    pq.write_table(pa.Table.from_pandas(result.table, preserve_index=True), folder / TABLE_FILE)
    text = json.dumps(result.manifest.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    (folder / MANIFEST_FILE).write_text(text, encoding="utf-8")


def save_result(
    result: Result,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    extra: Callable[[Path], object] | None = None,
) -> Path:
    """Write ``result`` to the folder ``path``, atomically.

    Everything is written to a hidden temporary sibling (``.<name>.tmp-<uuid>``), flushed to disk and then
    renamed to ``path``, so ``path`` is never a half-written folder; on any error the temporary folder is removed
    and the error re-raised. With ``overwrite``, the old folder is renamed aside, the new one renamed in, and then
    the old one deleted.

    Parameters
    ----------
    result : Result
        The result.
    path : path-like
        The result folder; its parent must exist.
    overwrite : bool, default False
        Replace an existing result folder at ``path`` (only one written by this package).
    extra : callable, optional
        Called with the temporary folder to write more files into it (a figure), inside the atomic save: the
        folder appears with them or not at all.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    FileExistsError
        When ``path`` exists and ``overwrite`` is False, or it exists and is not a folder this package wrote (no
        ``manifest.json`` naming a dormancy format, and not an empty folder), which is never replaced.
    FileNotFoundError
        When the parent folder of ``path`` does not exist.
    """
    path = Path(path)
    with atomic_folder(path, overwrite=overwrite, what="a result", marker=MANIFEST_FILE) as temporary:
        _write(result, temporary)
        if extra is not None:
            extra(temporary)
    return path


def load_result(path: str | os.PathLike[str]) -> Result:
    """Read a result folder written by :func:`save_result`.

    Parameters
    ----------
    path : path-like
        The result folder.

    Returns
    -------
    Result
        With the time series loaded fully into memory (the store is closed) and no storage encoding left.

    Raises
    ------
    ResultFormatError
        When ``path`` is not a folder, lacks one of its files, or its manifest is not of format
        ``dormancy.result`` version 1 (the error names what was expected and what was found).
    """
    path = Path(path)
    expected = f"a {FORMAT_NAME} version {FORMAT_VERSION} folder"
    if not path.is_dir():
        raise ResultFormatError(f"{path}: expected {expected}; found {'a file' if path.exists() else 'nothing'}")
    for name in (MANIFEST_FILE, TIMESERIES_STORE, TABLE_FILE):
        if not (path / name).exists():
            raise ResultFormatError(f"{path}: expected {expected} with {name}; found no {name}")
    try:
        data = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ResultFormatError(f"{path / MANIFEST_FILE}: expected UTF-8 JSON; found {error}") from error
    try:
        manifest = Manifest.from_dict(data)
    except ResultFormatError as error:
        raise ResultFormatError(f"{path / MANIFEST_FILE}: {error}") from error
    store = xr.open_dataset(
        path / TIMESERIES_STORE, engine="zarr", chunks=None, consolidated=True, decode_timedelta=False
    )
    try:
        timeseries = store.load()
    finally:
        store.close()
    table = pq.read_table(path / TABLE_FILE).to_pandas()
    return Result(timeseries=timeseries.drop_encoding(), table=table, manifest=manifest)
