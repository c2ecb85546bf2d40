"""Figures from results, using only the public result API and matplotlib's object interface (no global pyplot state)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from dormancy.atomic import atomic_file
from dormancy.results import Result


def plot_bone_cells(results: Sequence[Result], *, titles: Sequence[str] | None = None) -> Figure:
    """Plot osteoclasts, osteoblasts and bone mass over time, one column per result, all replicates overlaid.

    Parameters
    ----------
    results : sequence of Result
        Results of a bone-remodelling model with variables ``osteoclasts``, ``osteoblasts`` and ``bone_mass``.
    titles : sequence of str, optional
        Column titles; the scenario names by default.

    Returns
    -------
    matplotlib.figure.Figure
        Three rows (osteoclasts on a log axis, since they dip by orders of magnitude between cycles; osteoblasts;
        bone mass in %) by ``len(results)`` columns.
    """
    figure = Figure(figsize=(5.0 * len(results), 8.0), layout="constrained")
    axes = figure.subplots(3, len(results), squeeze=False, sharex="col")
    for column, result in enumerate(results):
        data = result.timeseries
        days = data["time"].to_numpy()
        title = titles[column] if titles else str(result.manifest.scenario.get("name", ""))
        for row, variable in enumerate(("osteoclasts", "osteoblasts", "bone_mass")):
            axis = axes[row, column]
            values = data[variable].to_numpy()
            for replicate in range(values.shape[0]):
                axis.plot(days, values[replicate], linewidth=1.0, alpha=0.8 if values.shape[0] > 1 else 1.0)
            unit = data[variable].attrs.get("units", "")
            axis.set_ylabel(f"{variable.replace('_', ' ')} ({unit})")
            if variable == "osteoclasts":
                axis.set_yscale("log")
            axis.grid(True, alpha=0.3)
        axes[0, column].set_title(title)
        axes[-1, column].set_xlabel("time (days)")
    return figure


def save_figure(figure: Figure, path: str | os.PathLike[str], *, dpi: int = 120) -> Path:
    """Write a figure atomically (temporary file in the same folder, then rename); the format follows the suffix.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure.
    path : path-like
        Destination, e.g. ``bone.png``.
    dpi : int
        Resolution for raster formats.
    """
    with atomic_file(path) as temporary:
        FigureCanvasAgg(figure).print_figure(temporary, dpi=dpi, format=Path(path).suffix.lstrip(".") or "png")
    return Path(path)


def plot_fate_response(
    levels: np.ndarray,
    from_dormant: Mapping[str, np.ndarray],
    from_proliferating: Mapping[str, np.ndarray],
    *,
    xlabel: str,
    title: str = "",
) -> Figure:
    """Plot fate rates against an input from a dormant and a proliferating start: the hysteresis loop.

    Parameters
    ----------
    levels : numpy.ndarray
        The scanned input levels (x axis).
    from_dormant, from_proliferating : mapping of str to numpy.ndarray
        Fate outputs (:func:`dormancy.signalling.model.fate_rates`) of the steady states reached from each start.
    xlabel : str
        Label of the x axis, with unit.
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Left: net quiescence flux (entry − exit, per day; above 0 the cell is dormant) on both branches, where they
        part is the memory window. Right: proliferation and apoptosis rates (per day).
    """
    figure = Figure(figsize=(11.0, 4.2), layout="constrained")
    loop, rates = figure.subplots(1, 2)
    for label, data, style in (("from dormant", from_dormant, "-"), ("from proliferating", from_proliferating, "--")):
        net = data["quiescence_entry_rate"] - data["quiescence_exit_rate"]
        loop.plot(levels, net, style, label=label, linewidth=1.8)
        rates.plot(levels, data["proliferation_rate"], style, color="tab:green", label=f"proliferation, {label}")
        rates.plot(levels, data["apoptosis_rate"], style, color="tab:red", label=f"apoptosis, {label}")
    loop.axhline(0.0, color="grey", linewidth=0.8)
    loop.set_ylabel("quiescence entry − exit (1/day)\n> 0: dormant")
    rates.set_ylabel("rate (1/day)")
    for axis in (loop, rates):
        axis.set_xlabel(xlabel)
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    if title:
        figure.suptitle(title)
    return figure


def plot_bone_lifetime(run: xr.Dataset, *, title: str = "") -> Figure:
    """Plot a lifetime bone run (:func:`dormancy.bone.simulate_bone`) against age.

    Parameters
    ----------
    run : xarray.Dataset
        The run, with its ``age`` coordinate (years).
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Four panels: bone volume (% of start) and tumour burden; osteoclast and osteoblast activity relative to the
        start; RANKL and matrix TGF-β release relative to the start, with the drug effects; the niche signals a
        DTC reads (inputs of the switch, in [0, 1]).
    """
    age = run["age"].values
    figure = Figure(figsize=(11.0, 7.5), layout="constrained")
    (bone, cells), (ligands, signals) = figure.subplots(2, 2, sharex=True)
    bone.plot(age, run["bone_volume"], color="black", label="bone volume (% of start)")
    bone.set_ylabel("bone volume (%)")
    burden = bone.twinx()
    burden.plot(age, run["tumour_burden"], color="tab:purple", linestyle="--", label="tumour burden")
    burden.set_ylabel("tumour burden (fraction of site)")
    burden.set_ylim(0.0, 1.05)
    for name, color in (("active_osteoclasts", "tab:red"), ("active_osteoblasts", "tab:blue")):
        values = run[name].values
        cells.plot(age, values / values[0], color=color, label=f"{name.replace('_', ' ')} (× start)")
    cells.set_ylabel("activity relative to start")
    for name, color in (("rankl", "tab:orange"), ("matrix_tgfb_release", "tab:brown")):
        values = run[name].values
        ligands.plot(age, values / values[0], color=color, label=f"{name.replace('_', ' ')} (× start)")
    for name in (variable for variable in run.data_vars if str(variable).startswith("drug_")):
        if float(run[name].max()) > 0.0:
            ligands.plot(age, run[name], linestyle=":", label=f"{str(name)[5:].replace('_', ' ')} effect")
    ligands.set_ylabel("relative level / drug effect")
    for name in (variable for variable in run.data_vars if str(variable).startswith("signal_")):
        signals.plot(age, run[name], label=str(name)[7:])
    signals.set_ylabel("niche signal at the DTC (0–1)")
    signals.set_ylim(0.0, 1.0)
    for axis in (bone, cells, ligands, signals):
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8, loc="best")
    for axis in (ligands, signals):
        axis.set_xlabel("age (years)")
    if title:
        figure.suptitle(title)
    return figure
