"""Run a niche scenario: steps with a progress callback, periodic atomic checkpoints, exact resume, a result folder.

A checkpoint (``.npz``) holds the whole state (fields, every agent array including each DTC's switch state, the
id counter and the event counters), the time-series rows recorded so far and the scenario it belongs to. Because
every random draw is keyed by (seed, agent id, step), a run resumed from a checkpoint reaches exactly the state an
uninterrupted run reaches.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from dormancy.atomic import atomic_file, atomic_folder
from dormancy.errors import InputError, Problem
from dormancy.niche.agents import Dtcs, Residents
from dormancy.niche.fields import initial_fields
from dormancy.niche.model import COUNTERS, NicheModel, NicheState, init, step
from dormancy.niche.outputs import cell_table, record, timeseries, write_snapshot
from dormancy.niche.scenario import MAX_STEPS
from dormancy.params import load_registry
from dormancy.provenance import Manifest
from dormancy.results import Status

__all__ = ["CHECKPOINT_FORMAT", "NicheRun", "load_checkpoint", "run_niche", "save_checkpoint", "save_niche_run"]

CHECKPOINT_FORMAT = "dormancy.niche-checkpoint/1"
_DTC = ("id", "position_um", "switch", "state", "cycle_hours", "clone", "landing_niche", "arrival_step")
_RES = ("id", "kind", "position_um", "primed", "m1")
_ROW_KEYS = ("time_days", "dtc", "landed", "events", "residents", "field_mean", "field_min", "field_max")


@dataclass(frozen=True)
class NicheRun:
    """The outcome of :func:`run_niche`.

    Parameters
    ----------
    model : NicheModel
        The model that ran.
    state : NicheState
        The final state.
    timeseries : xarray.Dataset
        Recorded summaries (:func:`dormancy.niche.outputs.timeseries`).
    cells : pandas.DataFrame
        The final per-cell table (:func:`dormancy.niche.outputs.cell_table`).
    status : str
        A :class:`dormancy.results.Status` value: ``"ok"``; ``"nonfinite"`` when a field stopped being finite,
        ``"model_error"`` when a step raised. The run then stops at the last good state, which ``state``,
        ``timeseries`` and ``cells`` describe (failure is data: the run is still saved).
    message : str
        What went wrong; empty when the status is ``ok``.
    """

    model: NicheModel
    state: NicheState
    timeseries: xr.Dataset
    cells: pd.DataFrame
    status: str = Status.OK.value
    message: str = ""


def _scenario_text(model: NicheModel) -> str:
    return json.dumps(model.scenario.to_dict(), sort_keys=True)


def save_checkpoint(path: str | os.PathLike[str], model: NicheModel, state: NicheState, rows: list[dict]) -> Path:
    """Write ``state`` and the rows recorded so far to ``path`` (``.npz``), atomically (temporary file, rename)."""
    arrays: dict[str, np.ndarray] = {
        "format": np.array(CHECKPOINT_FORMAT),
        "scenario": np.array(_scenario_text(model)),
        "step": np.array(state.step),
        "seed": np.array(state.seed, dtype=np.uint64),
        "next_id": np.array(state.next_id),
        "fields": state.fields,
        "counters": state.counters,
        "n_rows": np.array(len(rows)),
    }
    arrays.update({f"dtc_{name}": getattr(state.dtcs, name) for name in _DTC})
    arrays.update({f"res_{name}": getattr(state.residents, name) for name in _RES})
    for key in _ROW_KEYS:
        if rows:
            arrays[f"row_{key}"] = np.stack([np.asarray(row[key]) for row in rows])
    path = Path(path)
    with atomic_file(path) as temporary, open(temporary, "wb") as stream:
        np.savez(stream, **arrays)
        stream.flush()
        os.fsync(stream.fileno())
    return path


def load_checkpoint(path: str | os.PathLike[str], model: NicheModel) -> tuple[NicheState, list[dict]]:
    """Read a checkpoint written by :func:`save_checkpoint` for this model's scenario.

    Raises
    ------
    InputError
        If the file is missing or unreadable, not a niche checkpoint, or belongs to a different scenario.
    """
    try:  # read whole first: np.load keeps a failed file open
        data = np.load(io.BytesIO(Path(path).read_bytes()), allow_pickle=False)
    except FileNotFoundError:
        raise InputError([Problem("resume", "an existing niche checkpoint (.npz)", f"no such file {path}")]) from None
    except Exception as error:  # not a zip, not numpy, truncated: whatever it is, it is not a checkpoint
        found = f"{path} ({type(error).__name__}: {str(error)[:120]})"
        raise InputError([Problem("resume", "a readable niche checkpoint (.npz)", found)]) from None
    if not hasattr(data, "files"):  # a bare .npy array, not an archive
        raise InputError([Problem("resume", f"a checkpoint of format {CHECKPOINT_FORMAT}", f"{path}: a bare array")])
    with data:
        try:
            if "format" not in data or str(data["format"]) != CHECKPOINT_FORMAT:
                raise InputError([Problem("resume", f"a checkpoint of format {CHECKPOINT_FORMAT}", "another file")])
            if str(data["scenario"]) != _scenario_text(model):
                raise InputError([Problem("resume", "a checkpoint of the same scenario", "a different scenario")])
            state = NicheState(
                step=int(data["step"]),
                seed=int(data["seed"]),
                fields=data["fields"].copy(),
                dtcs=Dtcs(*(data[f"dtc_{name}"].copy() for name in _DTC)),
                residents=Residents(*(data[f"res_{name}"].copy() for name in _RES)),
                next_id=int(data["next_id"]),
                counters=data["counters"].copy(),
            )
            n_rows = int(data["n_rows"])
            rows = [{key: data[f"row_{key}"][i].copy() for key in _ROW_KEYS} for i in range(n_rows)]
        except InputError:
            raise
        except Exception as error:  # a missing array, a wrong shape or type: a damaged checkpoint
            found = f"{path} ({type(error).__name__}: {str(error)[:120]})"
            raise InputError([Problem("resume", "a complete niche checkpoint", found)]) from None
        fields = initial_fields(model.field_specs, model.geometry)
        if state.fields.shape != fields.shape or state.counters.shape != (len(COUNTERS),):
            raise InputError([Problem("resume", "a checkpoint of this model's grid", f"{path}: other array shapes")])
    return state, rows


def run_niche(
    model: NicheModel,
    *,
    days: float | None = None,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    observer: Callable[[NicheState], None] | None = None,
    checkpoint_every: int | None = None,
    checkpoint_path: str | os.PathLike[str] | None = None,
    resume: str | os.PathLike[str] | None = None,
    snapshots: str | os.PathLike[str] | None = None,
    stop_after: int | None = None,
) -> NicheRun:
    """Run the model from :func:`init` (or a checkpoint) to the end, recording summaries on the way.

    Parameters
    ----------
    model : NicheModel
        The model.
    days : float, optional
        Duration; the scenario's ``days`` by default.
    seed : int, optional
        Seed; the scenario's by default (ignored when resuming: the checkpoint's seed is used).
    progress : callable, optional
        Called as ``progress(steps_done, steps_total)`` after every step.
    observer : callable, optional
        Called with the state at every recording time (e.g. to render movie frames).
    checkpoint_every : int, optional
        Write a checkpoint to ``checkpoint_path`` every this many steps.
    checkpoint_path : path-like, optional
        Where checkpoints go (replaced atomically each time).
    resume : path-like, optional
        A checkpoint to continue from.
    snapshots : path-like, optional
        A Zarr store to which fields and agents are written at every recording time.
    stop_after : int, optional
        Stop after this many steps in total (a deliberately interrupted run, for testing resume).

    Returns
    -------
    NicheRun
    """
    scenario = model.scenario
    if days is not None and not (isinstance(days, int | float) and 0 < days <= 3650):
        raise InputError([Problem("days", "a number of days in (0, 3650]", repr(days))])
    total = max(1, round((scenario.days if days is None else days) * 24.0 / scenario.dt_hours))
    if total > MAX_STEPS:
        expected = f"at most {MAX_STEPS:,} steps of dt_hours {scenario.dt_hours:g}"
        raise InputError([Problem("days", expected, f"{total:,} steps")])
    every = max(1, round(scenario.outputs.every_hours / scenario.dt_hours))
    if checkpoint_every is not None and (checkpoint_every < 1 or checkpoint_path is None):
        raise InputError([Problem("checkpoint_every", "a positive step count with a checkpoint path", "")])
    if resume is not None:
        state, rows = load_checkpoint(resume, model)
    else:
        state = init(model, seed=seed)
        rows = [record(model, state)]
        if observer is not None:
            observer(state)
        if snapshots is not None:
            write_snapshot(snapshots, model, state)
    last = total if stop_after is None else min(total, stop_after)
    status, message = Status.OK, ""
    while state.step < last:
        try:
            following = step(state, model, state.step)
        except InputError:
            raise
        except (ArithmeticError, ValueError, np.linalg.LinAlgError) as error:  # failure is data: stop, record
            status, message = Status.MODEL_ERROR, f"step {state.step + 1}: {type(error).__name__}: {str(error)[:200]}"
            break
        if not np.isfinite(following.fields).all():
            status, message = Status.NONFINITE, f"a field is not finite after step {following.step}"
            break
        state = following
        if state.step % every == 0 or state.step == total:
            rows.append(record(model, state))
            if observer is not None:
                observer(state)
            if snapshots is not None:
                write_snapshot(snapshots, model, state)
        if checkpoint_every is not None and (state.step % checkpoint_every == 0 or state.step == last):
            save_checkpoint(checkpoint_path, model, state, rows)
        if progress is not None:
            progress(state.step, total)
    if status is not Status.OK:  # the last good state closes the time series
        final = record(model, state)
        if float(final["time_days"]) != float(rows[-1]["time_days"]):
            rows.append(final)
    series = timeseries(model, rows).assign_attrs(status=status.value, message=message)
    return NicheRun(model, state, series, cell_table(model, state), status.value, message)


def _manifest(run: NicheRun) -> Manifest:
    registry = load_registry()
    sets = (run.model.parameters, registry.sets["niche_transport"], registry.sets[run.model.switch.parameter_set])
    parameters = [{"name": p.name, "value": p.value, "unit": p.unit, "source": list(p.source)} for s in sets for p in s]
    return Manifest.create(
        model="niche",
        scenario=run.model.scenario.to_dict(),
        parameters=parameters,
        seed=run.state.seed,
        settings={
            "steps": run.state.step,
            "dt_hours": run.model.dt_hours,
            "switch": run.model.switch.parameter_set,
            "status": run.status,
            "message": run.message,
        },
    )


def save_niche_run(
    run: NicheRun, path: str | os.PathLike[str], *, snapshots: str | os.PathLike[str] | None = None
) -> Path:
    """Write a run to a new folder, atomically: ``manifest.json``, ``timeseries.zarr`` (Zarr 2), ``cells.parquet``.

    ``snapshots``, a Zarr store written by :func:`run_niche`, is moved in as ``snapshots.zarr``.

    Raises
    ------
    FileExistsError
        If ``path`` exists.
    """
    path = Path(path)
    with atomic_folder(path, overwrite=False, what="a niche run") as temporary:
        run.timeseries.to_zarr(temporary / "timeseries.zarr", mode="w-", zarr_format=2, consolidated=True)
        run.cells.to_parquet(temporary / "cells.parquet")
        text = json.dumps(_manifest(run).to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        (temporary / "manifest.json").write_text(text, encoding="utf-8")
        if snapshots is not None:
            shutil.move(str(snapshots), temporary / "snapshots.zarr")
    return path
