"""The virtual laboratory's protocol interface: a named experiment, its options, its run, its readouts.

A :class:`Protocol` is plain data: a CLI name, a title, the experimental system of the review's Table 1 it stands
for, its citations (bibliography keys), a pydantic options model (defaults from the literature protocol, units in
the field descriptions, ranges validated), a ``run(spec, seed) -> LabResult`` and a ``figure(result)``. Protocol
modules call :func:`register` at their bottom; :func:`run_protocol` validates options and runs one by name, and
:func:`save_lab_result` writes the readouts table, the figure and the manifest into a folder atomically.
"""

from __future__ import annotations

import json
import operator
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from pydantic import BaseModel, ValidationError

from dormancy.atomic import atomic_folder
from dormancy.errors import InputError, Problem, problems_from_validation
from dormancy.inputs import check_finite
from dormancy.provenance import Manifest
from dormancy.results import Status

__all__ = [
    "ANNDATA_FILE",
    "CELLS_FILE",
    "FIGURE_FILE",
    "MANIFEST_FILE",
    "PROTOCOLS",
    "TABLE_FILE",
    "LabResult",
    "Protocol",
    "lab_manifest",
    "protocol_names",
    "quick_options",
    "register",
    "run_protocol",
    "save_lab_result",
    "validate_options",
]

TABLE_FILE = "readouts.csv"
FIGURE_FILE = "figure.png"
MANIFEST_FILE = "manifest.json"
CELLS_FILE = "cells.csv"
ANNDATA_FILE = "cells.h5ad"
#: Statuses a lab run may have: the package's one vocabulary (:class:`dormancy.results.Status`).
STATUSES = tuple(status.value for status in Status)


@dataclass(frozen=True)
class LabResult:
    """The outcome of one virtual experiment.

    Parameters
    ----------
    protocol : str
        Name of the protocol that ran (a key of :data:`PROTOCOLS`).
    table : pandas.DataFrame
        Tidy readouts: one row per condition × time × readout (columns at least ``condition``, ``readout``,
        ``value``, ``unit``; ``time_days`` or ``time_hours`` where the readout is a time course), or one row per
        cell or track point.
    manifest : Manifest
        Provenance: package version, commit, options, parameter records, seed.
    cells : pandas.DataFrame or None
        Per-cell states at the end of the experiment, for the AnnData export (the same column convention as the
        niche's :func:`dormancy.niche.outputs.cell_table`, so a niche cell table can be passed as is): switch node
        levels as columns ``node_<NAME>`` (every internal node), ``dormant`` (bool) or the niche's ``state``
        column, a ``condition`` column, and positions ``x_um``, ``y_um`` (``z_um``) when the protocol is spatial.
        None when the protocol has no cells to export.
    status : str
        A :class:`dormancy.results.Status` value: ``"ok"``, or what stopped the run (``"model_error"`` when the
        model raised for these options; the table is then empty and ``message`` says why).
    message : str
        What went wrong; empty when the status is ``ok``.
    """

    protocol: str
    table: pd.DataFrame
    manifest: Manifest
    cells: pd.DataFrame | None = None
    status: str = Status.OK.value
    message: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"LabResult status must be one of {STATUSES}; found {self.status!r}")
        object.__setattr__(self, "status", Status(self.status).value)


@dataclass(frozen=True)
class Protocol:
    """A ready, parameterised virtual experiment.

    Parameters
    ----------
    name : str
        CLI name, lower case with hyphens (``"coculture-indirect"``).
    title : str
        One-line description for ``dormancy lab list``.
    system : str
        The experimental system of the review's Table 1 it models (``"2D co-culture"``, ``"hypoxia"``, ...).
    citation : tuple of str
        Bibliography keys (``review:61``) of the protocol and the findings its directions rest on.
    spec : type of pydantic.BaseModel
        The options model: defaults from the literature protocol, units in field descriptions, ranges validated,
        unknown options forbidden (``model_config = ConfigDict(extra="forbid")``).
    run : callable
        ``run(spec, seed) -> LabResult`` with ``spec`` an instance of ``spec`` and ``seed`` a non-negative int.
    figure : callable
        ``figure(result) -> matplotlib.figure.Figure`` (object interface; no pyplot).
    quick : mapping, optional
        Options that make a run of a few seconds (fewer cells, shorter time), for tests and demonstrations; the
        results are not meant to be read biologically.
    """

    name: str
    title: str
    system: str
    citation: tuple[str, ...]
    spec: type[BaseModel]
    run: Callable[[Any, int], LabResult]
    figure: Callable[[LabResult], Figure]
    quick: Mapping[str, Any] = field(default_factory=dict)


PROTOCOLS: dict[str, Protocol] = {}


def register(protocol: Protocol) -> Protocol:
    """Add ``protocol`` to :data:`PROTOCOLS` under its name and return it.

    Raises
    ------
    ValueError
        When another protocol already has that name.
    """
    existing = PROTOCOLS.get(protocol.name)
    if existing is not None and existing is not protocol:
        raise ValueError(f"a lab protocol named {protocol.name!r} is already registered")
    PROTOCOLS[protocol.name] = protocol
    return protocol


def protocol_names() -> tuple[str, ...]:
    """Return the registered protocol names, sorted."""
    return tuple(sorted(PROTOCOLS))


def quick_options(name: str) -> dict[str, Any]:
    """Return the fast option set of protocol ``name``: its ``quick`` field, else its module's ``QUICK_OPTIONS``."""
    protocol = _protocol(name)
    if protocol.quick:
        return dict(protocol.quick)
    module = sys.modules.get(getattr(protocol.run, "__module__", ""), None)
    return dict(getattr(module, "QUICK_OPTIONS", {}))


def _protocol(name: str) -> Protocol:
    try:
        return PROTOCOLS[name]
    except KeyError:
        allowed = ", ".join(protocol_names()) or "(none registered)"
        raise InputError([Problem("protocol", f"one of {allowed}", repr(name))]) from None


def validate_options(name: str, options: Mapping[str, Any] | None = None) -> BaseModel:
    """Return the options of protocol ``name`` validated by its spec model.

    Parameters
    ----------
    name : str
        A registered protocol name.
    options : mapping, optional
        Option name to value; missing options take the protocol's defaults. Strings are converted by pydantic
        (``"7"`` → 7 for an integer option).

    Raises
    ------
    InputError
        Naming the protocol or each bad option and what is allowed there.
    """
    protocol = _protocol(name)
    try:
        spec = protocol.spec.model_validate(dict(options or {}))
    except ValidationError as error:
        problems = problems_from_validation(
            error.errors(include_url=False), documentation=f"`dormancy lab list` and the {name} options"
        )
        allowed = ", ".join(sorted(protocol.spec.model_fields))
        problems = [
            Problem(p.field, f"one of the options {allowed}", p.found) if p.expected.startswith("no such field") else p
            for p in problems
        ]
        raise InputError(problems, source=name) from None
    problems = check_finite(spec.model_dump())
    if problems:
        raise InputError(problems, source=name)
    return spec


def run_protocol(name: str, *, seed: int, options: Mapping[str, Any] | None = None) -> LabResult:
    """Validate ``options`` for protocol ``name`` and run it.

    Parameters
    ----------
    name : str
        A registered protocol name (``dormancy lab list``).
    seed : int
        Non-negative seed; the same seed and options give an identical table.
    options : mapping, optional
        Protocol options (see the protocol's spec model); missing ones take their defaults.

    Returns
    -------
    LabResult
        The readouts, per-cell states and provenance.

    Raises
    ------
    InputError
        When the name, the seed or an option is not allowed.
    """
    try:
        number = -1 if isinstance(seed, bool) else operator.index(seed)
    except TypeError:
        number = -1
    if number < 0:
        raise InputError([Problem("seed", "a non-negative integer", repr(seed))])
    spec = validate_options(name, options)
    try:
        return PROTOCOLS[name].run(spec, int(number))
    except InputError:
        raise
    except (ArithmeticError, ValueError, np.linalg.LinAlgError) as error:  # failure is data: a result that says so
        message = f"{type(error).__name__}: {str(error)[:200]}"
        manifest = lab_manifest(name, spec, int(number), parameters=[], settings={"error": message})
        table = pd.DataFrame({column: pd.Series(dtype=object) for column in ("condition", "readout", "value", "unit")})
        return LabResult(name, table, manifest, None, Status.MODEL_ERROR.value, message)


def lab_manifest(
    protocol: str,
    spec: BaseModel,
    seed: int,
    *,
    parameters: list[dict[str, Any]],
    settings: Mapping[str, Any] | None = None,
) -> Manifest:
    """Return the manifest of a lab run: the protocol and its options as the scenario, the parameter records used.

    Parameters
    ----------
    protocol : str
        Protocol name.
    spec : pydantic.BaseModel
        The validated options.
    seed : int
        The run's seed.
    parameters : list of dict
        Parameter records (``record.to_dict()``) of every registry set the run read.
    settings : mapping, optional
        Numerical settings (steps, cell numbers) that are not options.
    """
    return Manifest.create(
        model=f"dormancy.lab ({protocol})",
        scenario={"protocol": protocol, "options": spec.model_dump(mode="json")},
        parameters=parameters,
        seed=int(seed),
        settings=dict(settings or {}),
    )


def shade_phase(axes: Any, table: pd.DataFrame, phase: str, *, label: str | None = None, hours: bool = False) -> None:
    """Shade the time span of a protocol phase on a time-course panel (from the last time point before it).

    Parameters
    ----------
    axes : matplotlib.axes.Axes
        The panel (time on x, in days, or hours with ``hours``).
    table : pandas.DataFrame
        The tidy readout table (``time_days``, ``phase``).
    phase : str
        The phase to shade; nothing is drawn when it is absent.
    label : str, optional
        Legend text (default: the phase name).
    hours : bool
        Whether the panel's time axis is in hours.
    """
    times = table.loc[table["phase"] == phase, "time_days"]
    if times.empty:
        return
    before = table.loc[table["time_days"] < times.min(), "time_days"]
    low, high = (before.max() if len(before) else times.min()), times.max()
    scale = 24.0 if hours else 1.0
    axes.axvspan(low * scale, high * scale, color="tab:red", alpha=0.1, zorder=0, label=label or phase)


def _save_figure(figure: Figure, path: Path) -> None:
    if figure.canvas is None or not isinstance(figure.canvas, FigureCanvasAgg):
        FigureCanvasAgg(figure)
    figure.savefig(path, format="png", dpi=120)


def _failure_figure(result: LabResult) -> Figure:
    """Return a figure saying the run did not complete and why (a failed run still gets its figure file)."""
    figure = Figure(figsize=(6, 2))
    axes = figure.add_subplot()
    axes.axis("off")
    axes.text(0.5, 0.5, f"{result.protocol}: {result.status}\n{result.message[:90]}", ha="center", va="center")
    return figure


def save_lab_result(
    result: LabResult, folder: str | os.PathLike[str], *, overwrite: bool = False, anndata: bool = False
) -> Path:
    """Write ``readouts.csv``, ``figure.png``, ``manifest.json`` (and ``cells.csv``) into ``folder`` atomically.

    Everything is written into a temporary folder next to ``folder`` and renamed into place, so a failure leaves
    nothing half-written.

    Parameters
    ----------
    result : LabResult
        A lab run.
    folder : path-like
        The folder to create.
    overwrite : bool
        Replace an existing folder.
    anndata : bool
        Also write the cells as ``cells.h5ad`` with dormancy-signature scores
        (:func:`dormancy.lab.expression.write_h5ad`); the result must have cells.

    Returns
    -------
    pathlib.Path
        The folder.

    Raises
    ------
    FileExistsError
        When ``folder`` exists and ``overwrite`` is False.
    FileNotFoundError
        When the parent folder does not exist.
    """
    path = Path(folder)
    if anndata and result.cells is None:
        raise ValueError(f"the {result.protocol} result has no cells to write as AnnData")
    with atomic_folder(path, overwrite=overwrite, what="a lab result", marker=MANIFEST_FILE) as temporary:
        result.table.to_csv(temporary / TABLE_FILE, index=False)
        if result.cells is not None:
            result.cells.to_csv(temporary / CELLS_FILE, index=False)
        if anndata:
            from dormancy.lab.expression import write_h5ad  # anndata and scanpy load only when asked for

            write_h5ad(result, temporary / ANNDATA_FILE)
        figure = PROTOCOLS[result.protocol].figure(result) if result.status == Status.OK else _failure_figure(result)
        _save_figure(figure, temporary / FIGURE_FILE)
        manifest = result.manifest.to_dict()
        manifest["settings"] = {**manifest["settings"], "lab_status": result.status, "lab_message": result.message}
        text = json.dumps(manifest, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        (temporary / MANIFEST_FILE).write_text(text, encoding="utf-8")
    return path
