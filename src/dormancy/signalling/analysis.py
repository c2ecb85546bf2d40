"""Analysis of the switch: steady states and fate along an input (dense scan), and the hysteresis loop.

Bistability is found by relaxing every scanned input value from two starts, a dormant and a proliferating cell,
all in one batch: where the two end states differ, the cell remembers where it came from. The entry threshold is
the input level at which a proliferating cell falls dormant; the escape threshold the level at which a dormant cell
wakes. For an escape-promoting input, memory means escape > entry.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from dormancy.atomic import atomic_file
from dormancy.signalling.model import SwitchModel, fate_rates, is_dormant, steady_states


@dataclass(frozen=True)
class Hysteresis:
    """Both branches of a dense input scan.

    Parameters
    ----------
    input_name : str
        The scanned input.
    values : numpy.ndarray
        Scanned input levels, increasing.
    from_dormant, from_proliferating : numpy.ndarray
        Steady states ``(len(values), n_internal)`` reached from a dormant and from a proliferating start.
    dormant_from_dormant, dormant_from_proliferating : numpy.ndarray of bool
        Whether each end state is dormant (:func:`dormancy.signalling.model.is_dormant`).
    """

    input_name: str
    values: NDArray[np.float64]
    from_dormant: NDArray[np.float64]
    from_proliferating: NDArray[np.float64]
    dormant_from_dormant: NDArray[np.bool_]
    dormant_from_proliferating: NDArray[np.bool_]

    @property
    def bistable(self) -> NDArray[np.bool_]:
        """Input levels at which the fate depends on the starting state."""
        return self.dormant_from_dormant != self.dormant_from_proliferating

    def threshold(self, branch: str) -> float:
        """Return the first scanned level where the fate on ``branch`` differs from its fate at the lowest level.

        Parameters
        ----------
        branch : {"dormant", "proliferating"}
            Which start.

        Returns
        -------
        float
            The level, or NaN when the fate does not change over the scan.
        """
        fate = self.dormant_from_dormant if branch == "dormant" else self.dormant_from_proliferating
        changed = np.flatnonzero(fate != fate[0])
        return float(self.values[changed[0]]) if changed.size else float("nan")


def hysteresis(
    model: SwitchModel,
    input_name: str,
    values: NDArray[np.float64],
    *,
    niche: Mapping[str, float] | None = None,
    dormant_niche: Mapping[str, float],
    proliferating_niche: Mapping[str, float],
    hours: float = 2000.0,
) -> Hysteresis:
    """Scan one input from a dormant and a proliferating start (one batch of ``2 len(values)`` cells).

    Parameters
    ----------
    model : SwitchModel
        The model.
    input_name : str
        Input node to scan.
    values : numpy.ndarray
        Levels in [0, 1].
    niche : mapping, optional
        The other inputs during the scan.
    dormant_niche, proliferating_niche : mapping
        Inputs (added to ``niche``) under which the two starting cells are prepared.
    hours : float
        Relaxation time of each scanned cell.
    """
    niche = dict(niche or {})
    values = np.asarray(values, dtype=np.float64)
    starts = [
        steady_states(model, model.inputs({**niche, **prepare}), 0.0, hours=hours)[0]
        for prepare in (dormant_niche, proliferating_niche)
    ]
    inputs = model.inputs(niche, cells=2 * len(values))
    inputs[:, model.wiring.inputs.index(input_name)] = np.tile(values, 2)
    initial = np.repeat(np.stack(starts), len(values), axis=0)
    ends = steady_states(model, inputs, initial, hours=hours)
    from_dormant, from_proliferating = ends[: len(values)], ends[len(values) :]
    return Hysteresis(
        input_name,
        values,
        from_dormant,
        from_proliferating,
        is_dormant(model, from_dormant),
        is_dormant(model, from_proliferating),
    )


FATE_NAMES: tuple[str, ...] = (
    "proliferation_rate",
    "quiescence_entry_rate",
    "quiescence_exit_rate",
    "apoptosis_rate",
    "immune_evasion",
    "stemness",
)


def _surface_key(
    model: SwitchModel,
    grid: Mapping[str, NDArray[np.float64]],
    niche: Mapping[str, float],
    start: Mapping[str, float],
    hours: float,
) -> str:
    payload = {
        "edges": model.wiring.edge_names,
        "weights": model.kinetics.weights.tolist(),
        "hill": np.asarray(model.kinetics.hill_coefficient).tolist(),
        "threshold": np.asarray(model.kinetics.threshold).tolist(),
        "tau": model.kinetics.time_constant_hours.tolist(),
        "basal": model.kinetics.basal.tolist(),
        "fate": dict(sorted(model.fate.items())),
        "grid": {name: np.asarray(values).tolist() for name, values in grid.items()},
        "niche": dict(sorted(niche.items())),
        "start": dict(sorted(start.items())),
        "hours": hours,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def fate_surface(
    model: SwitchModel,
    grid: Mapping[str, NDArray[np.float64]],
    *,
    niche: Mapping[str, float] | None = None,
    start: Mapping[str, float] | None = None,
    hours: float = 2000.0,
    cache_dir: str | os.PathLike[str] | None = None,
) -> xr.Dataset:
    """Tabulate the steady-state fate rates over a grid of inputs (what the patient scale interpolates).

    Every grid point is one cell of a single batch. The start state is the steady state under ``niche`` plus
    ``start`` (e.g. ``{"TGFB2": 1.0}`` for cells arriving dormant), since the switch is bistable.

    Parameters
    ----------
    model : SwitchModel
        The model.
    grid : mapping of str to numpy.ndarray
        Input name to the levels to tabulate (each a dimension of the result).
    niche : mapping, optional
        The other inputs, held fixed.
    start : mapping, optional
        Inputs added to ``niche`` to prepare the starting cell.
    hours : float
        Relaxation time.
    cache_dir : path-like, optional
        When given, the surface is stored there under a hash of everything it depends on (parameters, network,
        grid, niche, start) and read back on the next call; a change of any of them recomputes it.

    Returns
    -------
    xarray.Dataset
        One variable per fate output (:data:`FATE_NAMES`, per day or score) over the grid dimensions.
    """
    niche, start = dict(niche or {}), dict(start or {})
    grid = {name: np.asarray(values, dtype=np.float64) for name, values in grid.items()}
    path = None
    if cache_dir is not None:
        path = Path(cache_dir) / f"fate-surface-{_surface_key(model, grid, niche, start, hours)}.nc"
        if path.is_file():
            with xr.open_dataset(path, engine="scipy") as cached:
                return cached.load()
    mesh = np.meshgrid(*grid.values(), indexing="ij")
    cells = mesh[0].size if mesh else 1
    inputs = model.inputs(niche, cells=cells)
    for name, values in zip(grid, mesh, strict=True):
        inputs[:, model.wiring.inputs.index(name)] = values.ravel()
    initial = steady_states(model, model.inputs({**niche, **start}), 0.0, hours=hours)
    states = steady_states(model, inputs, np.repeat(initial, cells, axis=0), hours=hours)
    rates = fate_rates(model, states)
    shape = tuple(len(values) for values in grid.values())
    surface = xr.Dataset(
        {name: (tuple(grid), rates[name].reshape(shape)) for name in FATE_NAMES},
        coords={name: values for name, values in grid.items()},
        attrs={"parameter_set": model.parameter_set, "niche": json.dumps(niche), "start": json.dumps(start)},
    )
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path) as temporary:
            surface.to_netcdf(temporary, engine="scipy")
    return surface
