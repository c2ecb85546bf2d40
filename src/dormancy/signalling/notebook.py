"""The switch for notebooks: one call, the command line's units and default niche, an xarray Dataset back.

:func:`run_switch` is ``dormancy switch`` as a function and :func:`scan_switch` is ``dormancy switch --scan``:
inputs not given keep the default marrow niche (:data:`~dormancy.signalling.DEFAULT_NICHE`, not 0), ``O2`` is the
oxygen *fraction* (0.01 = 1 %) as on the command line, every other input and drug an activity in [0, 1].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import xarray as xr

from dormancy.errors import InputError, Problem
from dormancy.signalling.analysis import hysteresis
from dormancy.signalling.exponential import integrate_cells
from dormancy.signalling.model import (
    DEFAULT_NICHE,
    DORMANT_PREPARATION,
    PROLIFERATING_PREPARATION,
    SwitchModel,
    fate_rates,
    is_dormant,
    load_switch,
    steady_states,
)

__all__ = ["niche_activities", "run_switch", "scan_switch"]

_ACTIVITY = "activity (dimensionless, 0-1)"


def niche_activities(model: SwitchModel, inputs: Mapping[str, float] | None = None) -> dict[str, float]:
    """Return the switch's input activities: the default niche updated with ``inputs`` (``O2`` as a fraction).

    Parameters
    ----------
    model : SwitchModel
        The switch (for the oxygen reference and the input names).
    inputs : mapping of str to float, optional
        Input or drug name to value: ``O2`` an oxygen fraction in [0, 1], others activities in [0, 1].

    Raises
    ------
    InputError
        For an unknown name or a value out of range, naming each.
    """
    given = dict(inputs or {})
    problems = [
        Problem(f"inputs[{name!r}]", "a number", repr(value))
        for name, value in given.items()
        if not isinstance(value, int | float | np.floating | np.integer) or value != value
    ]
    if problems:
        raise InputError(problems)
    converted = {name: float(model.oxygen_activity(v)) if name == "O2" else float(v) for name, v in given.items()}
    if "O2" in given and not 0.0 <= given["O2"] <= 1.0:
        raise InputError([Problem("inputs['O2']", "an oxygen fraction in [0, 1] (0.01 = 1 %)", repr(given["O2"]))])
    niche = {**DEFAULT_NICHE, **converted}
    model.inputs(niche)  # validates names and ranges
    return niche


def _model(er: Literal["negative", "positive"]) -> SwitchModel:
    if er not in ("negative", "positive"):
        raise InputError([Problem("er", "'negative' or 'positive'", repr(er))])
    return load_switch(er)


def run_switch(
    inputs: Mapping[str, float] | None = None,
    *,
    days: float = 14.0,
    er: Literal["negative", "positive"] = "negative",
    start: Literal["dormant", "proliferating"] = "dormant",
    samples_per_day: int = 24,
) -> xr.Dataset:
    """Run one DTC's dormancy switch in a niche and return its trajectory, fate rates and fate.

    The cell is first relaxed to its steady state in the default niche plus a dormant (TGF-β2) or proliferating
    (TGF-β1) preparation, then put in the niche ``inputs`` for ``days`` — what ``dormancy switch`` does.

    Parameters
    ----------
    inputs : mapping of str to float, optional
        Niche inputs and drugs by node name; unset ones keep :data:`~dormancy.signalling.DEFAULT_NICHE`. ``O2`` is
        the oxygen fraction (0.01 = 1 %); others are activities in [0, 1].
    days : float
        Duration, days (0.01 to 3650).
    er : {"negative", "positive"}
        ER status of the cell (parameter sets ``switch_er_negative`` / ``switch_er_positive``).
    start : {"dormant", "proliferating"}
        State the cell is prepared in.
    samples_per_day : int
        Output points per day (24: hourly).

    Returns
    -------
    xarray.Dataset
        ``activity`` (time, node) in [0, 1]; one variable per fate rate (1/day) or score, at the end; attributes
        ``fate`` ("dormant" or "proliferating"), ``dormant`` (bool), ``parameter_set``, ``start`` and the niche
        activities used (``input_NAME``). ``time`` is in days.

    Raises
    ------
    InputError
        For an unknown input, a value out of range, a bad ``days``, ``er`` or ``start``.
    """
    problems = []
    if not 0.01 <= float(days) <= 3650.0:
        problems.append(Problem("days", "a duration in [0.01, 3650] days", repr(days)))
    if start not in ("dormant", "proliferating"):
        problems.append(Problem("start", "'dormant' or 'proliferating'", repr(start)))
    if not 1 <= int(samples_per_day) <= 1440:
        problems.append(Problem("samples_per_day", "an integer in [1, 1440]", repr(samples_per_day)))
    if problems:
        raise InputError(problems)
    model = _model(er)
    niche = niche_activities(model, inputs)
    preparation = DORMANT_PREPARATION if start == "dormant" else PROLIFERATING_PREPARATION
    initial = steady_states(model, model.inputs({**niche, **preparation}), 0.0)
    steps = max(1, round(float(days) * samples_per_day))
    hours = np.linspace(0.0, float(days) * 24.0, steps + 1)
    trajectory = integrate_cells(model.wiring, model.kinetics, initial, model.inputs(niche), hours)
    final = trajectory.states[-1]
    rates = fate_rates(model, final)
    dormant = bool(is_dormant(model, final)[0])
    data = xr.Dataset(
        {"activity": (("time", "node"), trajectory.states[:, 0, :], {"units": _ACTIVITY})},
        coords={
            "time": ("time", hours / 24.0, {"units": "day"}),
            "node": ("node", list(model.wiring.internal)),
        },
        attrs={
            "fate": "dormant" if dormant else "proliferating",
            "dormant": int(dormant),
            "parameter_set": model.parameter_set,
            "start": start,
            **{f"input_{name}": value for name, value in sorted(niche.items())},
        },
    )
    for key, value in rates.items():
        data[key] = ((), float(value[0]), {"units": "1/day" if key.endswith("rate") else "score (dimensionless)"})
    return data


def scan_switch(
    name: str,
    low: float,
    high: float,
    *,
    points: int = 41,
    inputs: Mapping[str, float] | None = None,
    er: Literal["negative", "positive"] = "negative",
) -> xr.Dataset:
    """Scan one input from a dormant and from a proliferating start: the fate response and the memory window.

    Parameters
    ----------
    name : str
        The input scanned (``O2`` as an oxygen fraction; others activities).
    low, high : float
        The range scanned.
    points : int
        Levels in the scan (3 to 2001).
    inputs : mapping of str to float, optional
        The other inputs, as in :func:`run_switch`.
    er : {"negative", "positive"}
        ER status of the cell.

    Returns
    -------
    xarray.Dataset
        Dimension ``level`` (the scanned values, in the units given); ``dormant_from_dormant``,
        ``dormant_from_proliferating`` and ``bistable`` (bool); each fate rate from both starts
        (``RATE_from_dormant``, ``RATE_from_proliferating``). Attributes ``window_low`` / ``window_high`` bound the
        memory window (NaN if none).
    """
    model = _model(er)
    niche = niche_activities(model, inputs)
    if name not in model.wiring.inputs:
        raise InputError([Problem("name", f"one of {', '.join(model.wiring.inputs)}", repr(name))])
    if not 3 <= int(points) <= 2001:
        raise InputError([Problem("points", "an integer in [3, 2001]", repr(points))])
    raw = np.linspace(float(low), float(high), int(points))
    levels = model.oxygen_activity(raw) if name == "O2" else raw
    if levels.min() < 0.0 or levels.max() > 1.0:
        raise InputError([Problem("low, high", "levels in [0, 1]", f"{low}..{high}")])
    loop = hysteresis(
        model,
        name,
        levels,
        niche=niche,
        dormant_niche=DORMANT_PREPARATION,
        proliferating_niche=PROLIFERATING_PREPARATION,
    )
    units = "oxygen fraction" if name == "O2" else _ACTIVITY
    data = xr.Dataset(
        {
            "dormant_from_dormant": ("level", loop.dormant_from_dormant),
            "dormant_from_proliferating": ("level", loop.dormant_from_proliferating),
            "bistable": ("level", loop.bistable),
        },
        coords={"level": ("level", raw, {"units": units, "long_name": name})},
        attrs={"input": name, "parameter_set": model.parameter_set},
    )
    for branch, states in (("dormant", loop.from_dormant), ("proliferating", loop.from_proliferating)):
        for key, value in fate_rates(model, states).items():
            unit = "1/day" if key.endswith("rate") else "score (dimensionless)"
            data[f"{key}_from_{branch}"] = ("level", np.asarray(value, dtype=float), {"units": unit})
    window = raw[loop.bistable]
    data.attrs["window_low"] = float(window.min()) if window.size else float("nan")
    data.attrs["window_high"] = float(window.max()) if window.size else float("nan")
    return data
