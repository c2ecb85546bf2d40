"""One loader for every kind of result folder, and one export of cells to AnnData.

:func:`load` reads any folder that ``dormancy`` writes — a scenario run (``dormancy run``), a niche run
(``dormancy niche``), a cohort (``dormancy cohort``), a lab protocol (``dormancy lab run``) or a trial
(``dormancy trial``) — into a :class:`ResultFolder`: its kind, its manifest, its tables (pandas) and its time
series (xarray). :func:`to_anndata` turns the cells of a lab result, a niche or lab folder, or a cell table into
AnnData with marker-gene levels (:func:`dormancy.lab.to_anndata`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from dormancy.errors import InputError, Problem

if TYPE_CHECKING:  # pragma: no cover
    import anndata
    import xarray as xr

    from dormancy.lab.protocol import LabResult
    from dormancy.results import Result

__all__ = ["ResultFolder", "load", "to_anndata"]

Kind = Literal["scenario", "niche", "cohort", "lab", "trial"]


@dataclass(frozen=True)
class ResultFolder:
    """A result folder read back.

    Parameters
    ----------
    kind : {"scenario", "niche", "cohort", "lab", "trial"}
        Which command wrote it.
    path : pathlib.Path
        The folder.
    manifest : dict
        ``manifest.json``: package version, git commit, seed, scenario, parameters, platform.
    tables : dict of str to pandas.DataFrame
        Its tables by name: ``table`` (scenario), ``cells`` (niche, lab), ``patients`` and ``visits`` (cohort),
        ``readouts`` (lab), one per CSV file (trial: ``patients``, ``hazard_ratios`` ...).
    timeseries : xarray.Dataset or None
        The time series (scenario and niche runs), loaded into memory.
    result : Result or None
        For a scenario run, the :class:`dormancy.Result` (:func:`dormancy.load_result`).
    """

    kind: Kind
    path: Path
    manifest: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    timeseries: xr.Dataset | None = None
    result: Result | None = None

    def __repr__(self) -> str:
        tables = ", ".join(f"{name} {len(table)}x{table.shape[1]}" for name, table in self.tables.items())
        series = "" if self.timeseries is None else f"; timeseries {dict(self.timeseries.sizes)}"
        return f"ResultFolder({self.kind}, {str(self.path)!r}; tables: {tables or 'none'}{series})"

    def to_anndata(self) -> anndata.AnnData:
        """Return its cells as AnnData (:func:`to_anndata`); for niche and lab folders with cells."""
        return to_anndata(self)


def _kind(folder: Path) -> Kind | None:
    if (folder / "report.html").is_file():
        return "trial"
    if (folder / "readouts.csv").is_file():
        return "lab"
    if (folder / "patients.parquet").is_file() or (folder / "dataset.json").is_file():
        return "cohort"
    if (folder / "cells.parquet").is_file() and (folder / "timeseries.zarr").exists():
        return "niche"
    if (folder / "table.parquet").is_file() and (folder / "timeseries.zarr").exists():
        return "scenario"
    return None


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:  # a table with nothing in it (e.g. clearance without assessments)
        return pd.DataFrame()


def load(path: str | os.PathLike[str]) -> ResultFolder:
    """Read any result folder written by ``dormancy`` (scenario, niche, cohort, lab or trial).

    Parameters
    ----------
    path : str or path-like
        The folder (the ``--out`` of the command that wrote it).

    Returns
    -------
    ResultFolder
        Kind, manifest, tables and time series.

    Raises
    ------
    InputError
        For a path that is not a folder, or a folder that no ``dormancy`` command wrote.
    """
    folder = Path(path)
    kind = _kind(folder) if folder.is_dir() else None
    if kind is None or not (folder / "manifest.json").is_file():
        expected = "a result folder written by dormancy (run, niche, cohort, lab run or trial) with manifest.json"
        raise InputError([Problem("path", expected, str(folder))])
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if kind == "scenario":
        from dormancy.results import load_result

        result = load_result(folder)
        return ResultFolder(kind, folder, manifest, {"table": result.table}, result.timeseries, result)
    tables: dict[str, pd.DataFrame] = {}
    timeseries = None
    if kind == "niche":
        import xarray as xr

        tables["cells"] = pd.read_parquet(folder / "cells.parquet")
        timeseries = xr.open_zarr(folder / "timeseries.zarr").load()
    elif kind == "cohort":
        if (folder / "patients.parquet").is_file():
            tables["patients"] = pd.read_parquet(folder / "patients.parquet")
        else:  # a streamed cohort (dormancy.patients.dataset): one Parquet file a chunk, listed in dataset.json
            parts = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
            files = [folder / parts["parts_folder"] / name for name in parts["parts"]]
            tables["patients"] = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        if (folder / "visits.parquet").is_file():
            tables["visits"] = pd.read_parquet(folder / "visits.parquet")
    elif kind == "lab":
        tables["readouts"] = pd.read_csv(folder / "readouts.csv")
        if (folder / "cells.csv").is_file():
            tables["cells"] = pd.read_csv(folder / "cells.csv")
    else:  # trial
        tables = {csv.stem: _read_csv(csv) for csv in sorted(folder.glob("*.csv"))}
    return ResultFolder(kind, folder, manifest, tables, timeseries)


def to_anndata(source: ResultFolder | LabResult | pd.DataFrame) -> anndata.AnnData:
    """Return cells as AnnData: ``X`` marker-gene levels (and MKI67), ``obs`` the rest, ``obsm["spatial"]``.

    The one export for every source of cells: a lab result, a lab or niche folder (:func:`load`), or a cell table
    with ``node_<NAME>`` columns (a lab result's ``cells``, :func:`dormancy.niche.cell_table`). Genes and the
    dormancy signature are those of :func:`dormancy.lab.to_anndata`; score them with
    :func:`dormancy.lab.score_dormancy` (the ``scanpy`` extra).

    Parameters
    ----------
    source : ResultFolder, LabResult or pandas.DataFrame
        Where the cells are.

    Raises
    ------
    InputError
        For a folder without cells.
    """
    from dormancy.lab.expression import to_anndata as cells_to_anndata

    if isinstance(source, ResultFolder):
        if "cells" not in source.tables:
            raise InputError([Problem("source", "a niche or lab folder with cells", f"a {source.kind} folder")])
        adata = cells_to_anndata(source.tables["cells"])
        adata.uns["source"] = {"kind": source.kind, "path": str(source.path)}
        return adata
    return cells_to_anndata(source)
