"""What a niche run records: a time series (xarray), a per-cell table (pandas, AnnData) and snapshots (Zarr).

- :func:`record` summarises one state as a row: DTCs by niche (where they are now, and where their lineage landed)
  and state, cumulative events, resident cells (primed MSCs, M1 and M2 macrophages) and each field's mean, minimum
  and maximum over marrow voxels. :func:`timeseries` stacks rows into an ``xarray.Dataset`` over ``time_days``.
- :func:`cell_table` is one row per live DTC: state, position, niche, landing niche, local signals, switch inputs,
  node levels and fate rates; :func:`to_anndata` turns it into AnnData (X = node levels, obs = the rest), the shape
  single-cell and spatial-transcriptomics tools read.
- :func:`agents_frame` lists every agent with ``x_um``, ``y_um`` (``z_um``), ``kind`` and ``state`` for rendering.
- :func:`write_snapshot` stores fields and agent arrays of one state in a Zarr (format 2) group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray

from dormancy.niche.agents import DTC_STATES, MACROPHAGE, MSC, RESIDENT_KINDS, voxel_of
from dormancy.niche.model import COUNTERS, NICHES, NicheModel, NicheState, dtc_inputs
from dormancy.signalling import fate_rates

if TYPE_CHECKING:
    import anndata

__all__ = [
    "RESIDENT_SUMMARY",
    "agents_frame",
    "cell_table",
    "record",
    "timeseries",
    "to_anndata",
    "write_snapshot",
]

LIVE_STATES: tuple[str, ...] = DTC_STATES[:2]
RESIDENT_SUMMARY: tuple[str, ...] = ("msc_primed", "macrophage_m1", "macrophage_m2", "nk", "cd8")
AXES = ("x_um", "y_um", "z_um")


def _niche_of(model: NicheModel, position_um: NDArray[np.float64]) -> NDArray[np.int8]:
    g = model.geometry
    return model.niche_map[tuple(voxel_of(position_um, g.spacing_um, g.shape).T)]


def record(model: NicheModel, state: NicheState) -> dict[str, NDArray[np.float64]]:
    """Return the summary of one state as arrays (one row of the time series).

    Returns
    -------
    dict of str to numpy.ndarray
        ``time_days`` (scalar), ``dtc`` (niche × state: where cells are now), ``landed`` (niche × state: where
        their lineage arrived), ``events`` (:data:`dormancy.niche.model.COUNTERS`), ``residents``
        (:data:`RESIDENT_SUMMARY`), ``field_mean``, ``field_min``, ``field_max`` (per field, over marrow voxels).
    """
    dtcs, res = state.dtcs, state.residents
    now = _niche_of(model, dtcs.position_um)
    by_now = np.zeros((len(NICHES), len(LIVE_STATES)))
    by_landing = np.zeros((len(NICHES), len(LIVE_STATES)))
    np.add.at(by_now, (now, dtcs.state), 1.0)
    np.add.at(by_landing, (dtcs.landing_niche, dtcs.state), 1.0)
    residents = np.array(
        [
            np.sum((res.kind == MSC) & res.primed),
            np.sum((res.kind == MACROPHAGE) & res.m1),
            np.sum((res.kind == MACROPHAGE) & ~res.m1),
            np.sum(res.kind == RESIDENT_KINDS.index("nk")),
            np.sum(res.kind == RESIDENT_KINDS.index("cd8")),
        ],
        dtype=np.float64,
    )
    marrow = model.geometry.marrow
    values = state.fields[:, marrow]
    return {
        "time_days": np.array(state.step * model.dt_hours / 24.0),
        "dtc": by_now,
        "landed": by_landing,
        "events": state.counters.astype(np.float64),
        "residents": residents,
        "field_mean": values.mean(axis=1),
        "field_min": values.min(axis=1),
        "field_max": values.max(axis=1),
    }


def timeseries(model: NicheModel, rows: Sequence[Mapping[str, NDArray[np.float64]]]) -> xr.Dataset:
    """Stack :func:`record` rows into a Dataset over ``time_days`` (counts as float64, fields in their units)."""
    stacked = {key: np.stack([np.asarray(row[key]) for row in rows]) for key in rows[0]} if rows else {}
    if not rows:
        n_f = len(model.field_names)
        stacked = {
            "time_days": np.zeros(0),
            "dtc": np.zeros((0, len(NICHES), 2)),
            "landed": np.zeros((0, len(NICHES), 2)),
            "events": np.zeros((0, len(COUNTERS))),
            "residents": np.zeros((0, len(RESIDENT_SUMMARY))),
            **{k: np.zeros((0, n_f)) for k in ("field_mean", "field_min", "field_max")},
        }
    units = {spec.name: spec.unit for spec in model.field_specs}
    data = xr.Dataset(
        {
            "dtc": (("time_days", "niche", "state"), stacked["dtc"], {"description": "live DTCs by current niche"}),
            "dtc_by_landing": (
                ("time_days", "niche", "state"),
                stacked["landed"],
                {"description": "live DTCs by the niche where their lineage landed"},
            ),
            "events": (("time_days", "event"), stacked["events"], {"description": "cumulative events"}),
            "residents": (("time_days", "resident"), stacked["residents"]),
            "field_mean": (("time_days", "field"), stacked["field_mean"], {"description": "mean over marrow"}),
            "field_min": (("time_days", "field"), stacked["field_min"]),
            "field_max": (("time_days", "field"), stacked["field_max"]),
        },
        coords={
            "time_days": stacked["time_days"],
            "niche": list(NICHES),
            "state": list(LIVE_STATES),
            "event": list(COUNTERS),
            "resident": list(RESIDENT_SUMMARY),
            "field": list(model.field_names),
            "field_unit": ("field", [units[name] for name in model.field_names]),
        },
        attrs={"scenario": model.scenario.name, "dt_hours": model.dt_hours},
    )
    return data


def cell_table(model: NicheModel, state: NicheState) -> pd.DataFrame:
    """Return one row per live DTC: identity, state, position, niches, local signals, inputs, nodes and fate rates.

    Columns: ``id``, ``clone``, ``state``, ``x_um``, ``y_um`` (``z_um``), ``niche``, ``landing_niche``,
    ``arrival_day``, ``cycle_hours``, local signals (``field_<NAME>``, neighbour counts), switch inputs
    ``input_<NAME>``, node activities ``node_<NAME>``, and the fate outputs of
    :func:`dormancy.signalling.fate_rates` (rates per day).
    """
    dtcs, sw = state.dtcs, model.switch
    inputs, local = dtc_inputs(model, state)
    table: dict[str, object] = {
        "id": dtcs.id,
        "clone": dtcs.clone,
        "state": pd.Categorical.from_codes(dtcs.state.astype(np.int64), categories=list(DTC_STATES)),
    }
    for d in range(model.geometry.ndim):
        table[AXES[d]] = dtcs.position_um[:, d]
    table["niche"] = pd.Categorical.from_codes(_niche_of(model, dtcs.position_um).astype(np.int64), list(NICHES))
    table["landing_niche"] = pd.Categorical.from_codes(dtcs.landing_niche.astype(np.int64), list(NICHES))
    table["arrival_day"] = dtcs.arrival_step * model.dt_hours / 24.0
    table["cycle_hours"] = dtcs.cycle_hours
    table.update(local)
    table.update({f"input_{name}": inputs[:, i] for i, name in enumerate(sw.wiring.inputs)})
    table.update({f"node_{name}": dtcs.switch[:, i] for i, name in enumerate(sw.wiring.internal)})
    table.update(fate_rates(sw, dtcs.switch))
    return pd.DataFrame(table)


def to_anndata(table: pd.DataFrame) -> anndata.AnnData:
    """Return the cell table as AnnData: X = switch node levels, obs = every other column, var = node names.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`cell_table`.
    """
    import anndata

    nodes = [c for c in table.columns if c.startswith("node_")]
    obs = table.drop(columns=nodes).copy()
    obs.index = obs["id"].astype(str)
    var = pd.DataFrame(index=[c.removeprefix("node_") for c in nodes])
    return anndata.AnnData(X=table[nodes].to_numpy(dtype=np.float64), obs=obs, var=var)


def agents_frame(model: NicheModel, state: NicheState) -> pd.DataFrame:
    """Return every agent with ``x_um``, ``y_um`` (``z_um`` in 3D), ``kind`` and ``state`` (for rendering).

    DTCs have kind ``dtc`` and state ``proliferating`` or ``dormant``; MSCs ``primed`` or ``resting``; macrophages
    ``M1`` or ``M2``; other residents ``resident``.
    """
    dtcs, res = state.dtcs, state.residents
    res_state = np.where(
        res.kind == MSC,
        np.where(res.primed, "primed", "resting"),
        np.where(res.kind == MACROPHAGE, np.where(res.m1, "M1", "M2"), "resident"),
    )
    frame: dict[str, object] = {}
    position = np.concatenate([dtcs.position_um, res.position_um])
    for d in range(model.geometry.ndim):
        frame[AXES[d]] = position[:, d]
    frame["kind"] = np.concatenate([np.full(len(dtcs), "dtc"), np.asarray(RESIDENT_KINDS)[res.kind]])
    frame["state"] = np.concatenate([np.asarray(DTC_STATES)[dtcs.state], res_state])
    return pd.DataFrame(frame)


def write_snapshot(group_path: str | Path, model: NicheModel, state: NicheState) -> None:
    """Write fields and agent arrays of ``state`` into ``<group_path>/step_<k>`` of a Zarr (format 2) store."""
    import zarr

    root = zarr.open_group(str(group_path), mode="a", zarr_format=2)
    group = root.require_group(f"step_{state.step:08d}")
    group.attrs.update(
        {"time_days": state.step * model.dt_hours / 24.0, "fields": list(model.field_names), "step": state.step}
    )
    arrays = {
        "fields": state.fields,
        "dtc_id": state.dtcs.id,
        "dtc_position_um": state.dtcs.position_um,
        "dtc_state": state.dtcs.state,
        "dtc_switch": state.dtcs.switch,
        "resident_id": state.residents.id,
        "resident_kind": state.residents.kind,
        "resident_position_um": state.residents.position_um,
    }
    for name, values in arrays.items():
        group.create_array(name, data=np.ascontiguousarray(values), overwrite=True)
