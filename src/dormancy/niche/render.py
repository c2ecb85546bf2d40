"""Pictures of the niche: PNG snapshots of a section (bone, vessels, one field, agents) and movies from them.

Figures use matplotlib's object interface with the Agg canvas (no pyplot, no global state); every file is written to a
temporary path and renamed into place (:mod:`dormancy.atomic`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from numpy.typing import NDArray

from dormancy._optional import require_optional
from dormancy.atomic import atomic_file
from dormancy.errors import InputError, Problem
from dormancy.niche.fields import FIELD_NAMES, FIELD_UNITS
from dormancy.niche.geometry import Geometry

TISSUE_COLOURS = {"bone": "#e8e4d8", "stable vessel": "#c0392b", "sprouting vessel": "#f39c12"}
"""Colours of bone, stable vessel and sprouting vessel voxels."""

DTC_STATE_COLOURS = {"proliferating": "#e61fe6", "dormant": "#ffffff", "dead": "#969696"}  # not the vessels red
"""Fill colours of disseminated tumour cells by state (the cells the movie is about)."""

KIND_COLOURS = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")
STATE_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def _agent_table(agents, ndim: int) -> dict[str, NDArray]:
    """Return the agents as columns (``x_um``, ``y_um``, optional ``z_um``, ``kind``, ``state``)."""
    if agents is None:
        return {"x_um": np.zeros(0), "y_um": np.zeros(0), "kind": np.zeros(0, dtype=str), "state": np.zeros(0, str)}
    columns = {name: np.asarray(agents[name]) for name in agents} if isinstance(agents, Mapping) else None
    if columns is None:  # a pandas DataFrame or anything with columns
        columns = {name: np.asarray(agents[name]) for name in agents.columns}
    required = ["x_um", "y_um", "kind"] + (["z_um"] if ndim == 3 else [])
    missing = [name for name in required if name not in columns]
    if missing:
        raise InputError(
            [Problem(f"agents.{missing[0]}", "columns x_um, y_um, kind (state, z_um optional)", "missing")]
        )
    n = len(columns["x_um"])
    if "state" not in columns:
        columns["state"] = np.full(n, "", dtype=object)
    for name in ("y_um", "kind", "state", *(["z_um"] if ndim == 3 else [])):
        if len(columns[name]) != n:
            raise InputError([Problem(f"agents.{name}", f"{n} entries (as x_um)", f"{len(columns[name])}")])
    return columns


def render_snapshot(
    geometry: Geometry,
    fields: NDArray | None = None,
    field: str | int | None = None,
    agents: Mapping[str, NDArray] | object | None = None,
    *,
    path: str | os.PathLike[str],
    title: str | None = None,
    field_names: Sequence[str] = FIELD_NAMES,
    slab_um: float | None = None,
    dpi: int = 100,
) -> Path:
    """Write a PNG of a 2D section (in 3D, the mid-plane z slice): one field, bone, vessels and agents.

    Parameters
    ----------
    geometry : Geometry
    fields : ndarray, shape (n_fields, *geometry.shape), optional
        Concentrations; ``None`` draws the tissue only.
    field : str or int, optional
        Which field to draw: a name of ``field_names`` or a row index of ``fields`` (default: the first row).
    agents : mapping of str to array or pandas.DataFrame, optional
        Columns ``x_um``, ``y_um`` (and ``z_um`` in 3D), ``kind`` (str) and optional ``state`` (str). DTCs (kind
        ``dtc``) are drawn large and coloured by state (:data:`DTC_STATE_COLOURS`); other cells small, coloured by
        kind with the marker shape showing the state. The legend sits under the section, DTCs first.
    path : path-like
        Destination PNG (written atomically).
    title : str, optional
        Figure title.
    field_names : sequence of str
        Names of the rows of ``fields`` (default :data:`~dormancy.niche.fields.FIELD_NAMES`).
    slab_um : float, optional
        In 3D, agents within this distance of the mid-plane are drawn (default one voxel and a half).
    dpi : int
        Resolution.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InputError
        For a field that is not there, fields of the wrong shape or agents without the required columns.
    """
    path = Path(path)
    extent_x, extent_y = geometry.extent_um[0], geometry.extent_um[1]
    middle = geometry.shape[2] // 2 if geometry.ndim == 3 else None

    def plane(array: NDArray) -> NDArray:
        return array[:, :, middle] if middle is not None else array

    figure = Figure(figsize=(6.6, 6.0), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    image_extent = (0.0, extent_x, 0.0, extent_y)
    if fields is not None:
        fields = np.asarray(fields, dtype=np.float64)
        if fields.ndim != geometry.ndim + 1 or fields.shape[1:] != geometry.shape:
            raise InputError([Problem("fields", f"shape (n_fields, *{geometry.shape})", f"shape {fields.shape}")])
        names = list(field_names)[: fields.shape[0]]
        if field is None:
            index = 0
        elif isinstance(field, str):
            if field not in names:
                raise InputError([Problem("field", f"one of {', '.join(names)}", repr(field))])
            index = names.index(field)
        else:
            index = int(field)
            if not 0 <= index < fields.shape[0]:
                raise InputError([Problem("field", f"an index below {fields.shape[0]}", repr(field))])
        name = names[index] if index < len(names) else f"field {index}"
        values = np.ma.masked_array(plane(fields[index]), mask=plane(geometry.bone))
        shown = axes.imshow(values.T, origin="lower", extent=image_extent, cmap="viridis", interpolation="nearest")
        colourbar = figure.colorbar(shown, ax=axes, fraction=0.046, pad=0.04)
        colourbar.set_label(f"{name} ({FIELD_UNITS.get(name, 'relative')})")
    tissue = np.zeros(plane(geometry.bone).shape, dtype=np.int8)
    tissue[plane(geometry.bone)] = 1
    tissue[plane(geometry.vessel)] = 2
    tissue[plane(geometry.sprouting)] = 3
    colours = ListedColormap(["none", *TISSUE_COLOURS.values()])
    axes.imshow(tissue.T, origin="lower", extent=image_extent, cmap=colours, vmin=0, vmax=3, interpolation="nearest")
    table = _agent_table(agents, geometry.ndim)
    x, y = np.asarray(table["x_um"], dtype=float), np.asarray(table["y_um"], dtype=float)
    visible = np.ones(len(x), dtype=bool)
    if middle is not None:
        half = 1.5 * geometry.spacing_um if slab_um is None else slab_um
        visible = np.abs(np.asarray(table["z_um"], dtype=float) - (middle + 0.5) * geometry.spacing_um) <= half
    kinds = np.asarray(table["kind"]).astype(str)
    states = np.asarray(table["state"]).astype(str)
    # residents small and muted, one colour per kind (marker by state); DTCs large, coloured by state, on top
    residents = sorted(set(kinds[visible]) - {"dtc"})
    for k, kind in enumerate(residents):
        for s, state in enumerate(sorted(set(states[visible & (kinds == kind)]))):
            chosen = visible & (kinds == kind) & (states == state)
            axes.scatter(
                x[chosen],
                y[chosen],
                s=7,
                c=KIND_COLOURS[(k + 3) % len(KIND_COLOURS)],
                marker=STATE_MARKERS[s % len(STATE_MARKERS)],
                alpha=0.7,
                linewidths=0,
                label=f"{kind} ({state})" if state not in ("", "resident") else kind,
            )
    for state in sorted(set(states[visible & (kinds == "dtc")])):
        chosen = visible & (kinds == "dtc") & (states == state)
        axes.scatter(
            x[chosen],
            y[chosen],
            s=46,
            c=DTC_STATE_COLOURS.get(state, "#ffffff"),
            marker="o",
            edgecolors="black",
            linewidths=0.8,
            label=f"DTC {state}",
            zorder=3,
        )
    for label, colour in TISSUE_COLOURS.items():
        axes.scatter([], [], marker="s", s=30, c=colour, label=label)
    handles, labels = axes.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: (not labels[i].startswith("DTC"), i))  # DTCs first
    axes.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        ncol=4,
        fontsize=7,
        frameon=False,
        columnspacing=1.0,
        handletextpad=0.3,
    )
    axes.set_xlim(0.0, extent_x)
    axes.set_ylim(0.0, extent_y)
    axes.set_aspect("equal")
    axes.set_xlabel("x (µm)")
    axes.set_ylabel("y (µm)")
    plane_note = f" (z = {(middle + 0.5) * geometry.spacing_um:.0f} µm)" if middle is not None else ""
    axes.set_title((title or "") + plane_note, fontsize=10)
    figure.subplots_adjust(left=0.1, right=0.92, bottom=0.24, top=0.94)
    with atomic_file(path) as temporary:
        figure.savefig(temporary, format="png", dpi=dpi)
    figure.clear()
    return path


def _frame_array(frame: str | os.PathLike[str] | NDArray) -> NDArray[np.uint8]:
    import imageio.v3 as iio

    image = np.asarray(iio.imread(frame)) if isinstance(frame, str | os.PathLike) else np.asarray(frame)
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise InputError([Problem("frames", "RGB(A) images", f"an array of shape {image.shape}")])
    if image.dtype != np.uint8:
        image = np.clip(np.asarray(image, dtype=np.float64) * (255.0 if image.max() <= 1.0 else 1.0), 0, 255)
        image = image.astype(np.uint8)
    return np.ascontiguousarray(image[:, :, :3])


def write_movie(
    frames: Sequence[str | os.PathLike[str] | NDArray], path: str | os.PathLike[str], *, fps: float = 5.0
) -> Path:
    """Write frames (PNG paths or RGB arrays) to an MP4 (H.264 via imageio-ffmpeg) or an animated GIF, by suffix.

    Frames are padded with white to the largest frame (and, for MP4, to a multiple of 16 pixels, the codec's block
    size) and written to a temporary file that is renamed into place.

    Parameters
    ----------
    frames : sequence of path-like or ndarray
        At least one frame.
    path : path-like
        Destination ending in ``.mp4`` or ``.gif``.
    fps : float
        Frames per second.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InputError
        For no frames, an unknown suffix or a non-positive frame rate.
    """
    import imageio.v3 as iio

    path = Path(path)
    suffix = path.suffix.lower()
    problems = []
    if suffix not in (".mp4", ".gif"):
        problems.append(Problem("movie", "a path ending in .mp4 or .gif", repr(str(path))))
    if len(frames) == 0:
        problems.append(Problem("frames", "at least one frame", "none"))
    if not fps > 0:
        problems.append(Problem("fps", "a positive frame rate", repr(fps)))
    if problems:
        raise InputError(problems)
    imageio_ffmpeg = require_optional("imageio_ffmpeg") if suffix == ".mp4" else None
    images = [_frame_array(frame) for frame in frames]
    height = max(image.shape[0] for image in images)
    width = max(image.shape[1] for image in images)
    if suffix == ".mp4":
        height, width = -(-height // 16) * 16, -(-width // 16) * 16
    padded = np.full((len(images), height, width, 3), 255, dtype=np.uint8)
    for i, image in enumerate(images):
        padded[i, : image.shape[0], : image.shape[1]] = image
    with atomic_file(path) as temporary:
        if suffix == ".gif":
            iio.imwrite(temporary, padded, extension=".gif", duration=1000.0 / fps, loop=0)
        else:
            writer = imageio_ffmpeg.write_frames(
                str(temporary),
                (width, height),
                fps=fps,
                codec="libx264",
                pix_fmt_out="yuv420p",
                macro_block_size=16,
                output_params=["-f", "mp4"],
                ffmpeg_log_level="error",
            )
            writer.send(None)
            try:
                for image in padded:
                    writer.send(np.ascontiguousarray(image))
            finally:
                writer.close()
    return path
