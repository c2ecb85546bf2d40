"""Geometry of a bone-marrow section: bone, sinusoidal vessels and marrow on a regular voxel grid.

A :class:`Geometry` is a regular 2D or 3D grid of cubic voxels of edge ``spacing_um``. Voxel ``i`` along an axis covers
``[i h, (i + 1) h)`` µm, so its centre is at ``(i + 1/2) h``. Every voxel is one of: mineralised bone (no diffusion,
no agents), vessel lumen (a Dirichlet boundary for fields that have a vessel value; stable or sprouting) or marrow.
The endosteal surface is the marrow within one voxel (the 3×3 or 3×3×3 neighbourhood) of bone.

Two sources of geometry: :func:`default_section`, a seeded generator of a 1 mm marrow section with a cortical plate,
trabeculae and sinusoids (a few of them sprouting), and :func:`geometry_from_mask`, a user's label image or array.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from dormancy.errors import InputError, Problem

MARROW, BONE, STABLE_VESSEL, SPROUTING_VESSEL = 0, 1, 2, 3
"""Integer labels of a mask (:func:`geometry_from_mask`, :func:`geometry_labels`)."""

LABEL_NAMES: dict[int, str] = {
    MARROW: "marrow",
    BONE: "bone",
    STABLE_VESSEL: "stable vessel",
    SPROUTING_VESSEL: "sprouting vessel",
}

MASK_COLOURS: dict[tuple[int, int, int], int] = {
    (0, 0, 0): MARROW,
    (255, 255, 255): BONE,
    (255, 0, 0): STABLE_VESSEL,
    (0, 255, 0): SPROUTING_VESSEL,
}
"""RGB colours of a colour mask image: black marrow, white bone, red stable vessel, green sprouting vessel."""

_LABELS_EXPECTED = "labels 0 (marrow), 1 (bone), 2 (stable vessel), 3 (sprouting vessel)"


@dataclass(frozen=True, eq=False)
class Geometry:
    """A 2D or 3D marrow domain on a regular grid of cubic voxels.

    Parameters
    ----------
    spacing_um : float
        Voxel edge length, µm.
    bone : ndarray of bool, shape (nx, ny) or (nx, ny, nz)
        Mineralised bone: no diffusion into it, no agents in it.
    vessel : ndarray of bool, same shape
        Sinusoid lumen voxels: a Dirichlet boundary for fields with a vessel value. Disjoint from ``bone``.
    sprouting : ndarray of bool, same shape
        The sprouting (neovascular) tips among ``vessel``; the rest of ``vessel`` is stable vessel.

    Raises
    ------
    InputError
        When the arrays disagree in shape, are not 2D or 3D, overlap, or the spacing is not positive.
    """

    spacing_um: float
    bone: NDArray[np.bool_]
    vessel: NDArray[np.bool_]
    sprouting: NDArray[np.bool_]

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        if not (np.isfinite(self.spacing_um) and self.spacing_um > 0):
            problems.append(Problem("spacing_um", "a positive number of µm", repr(self.spacing_um)))
        arrays = {}
        for name in ("bone", "vessel", "sprouting"):
            array = np.asarray(getattr(self, name))
            if array.dtype != np.bool_:
                problems.append(Problem(name, "a boolean array", f"dtype {array.dtype}"))
            arrays[name] = np.ascontiguousarray(array, dtype=np.bool_)
            arrays[name].setflags(write=False)
            object.__setattr__(self, name, arrays[name])
        shape = arrays["bone"].shape
        if len(shape) not in (2, 3) or min(shape, default=0) < 1:
            problems.append(Problem("bone", "a non-empty 2D or 3D array", f"shape {shape}"))
        for name in ("vessel", "sprouting"):
            if arrays[name].shape != shape:
                problems.append(Problem(name, f"the shape of bone {shape}", f"shape {arrays[name].shape}"))
        if not problems:
            if np.any(arrays["bone"] & arrays["vessel"]):
                problems.append(Problem("vessel", "no voxel that is also bone", "vessel voxels inside bone"))
            if np.any(arrays["sprouting"] & ~arrays["vessel"]):
                problems.append(Problem("sprouting", "a subset of vessel", "sprouting voxels outside vessels"))
        if problems:
            raise InputError(problems)

    @property
    def ndim(self) -> int:
        """Number of spatial dimensions (2 or 3)."""
        return self.bone.ndim

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of voxels along each axis."""
        return tuple(int(n) for n in self.bone.shape)

    @property
    def extent_um(self) -> tuple[float, ...]:
        """Size of the domain along each axis, µm."""
        return tuple(n * float(self.spacing_um) for n in self.shape)

    @property
    def voxel_volume_um3(self) -> float:
        """Volume of one voxel, µm³ (in 2D, the area times one voxel of depth)."""
        return float(self.spacing_um) ** 3

    @cached_property
    def marrow(self) -> NDArray[np.bool_]:
        """Marrow voxels: neither bone nor vessel."""
        return _frozen(~self.bone & ~self.vessel)

    @cached_property
    def endosteal(self) -> NDArray[np.bool_]:
        """Marrow voxels within one voxel of bone (edge or corner neighbours): the endosteal bone surface."""
        neighbourhood = np.ones((3,) * self.ndim, dtype=bool)
        return _frozen(self.marrow & ndimage.binary_dilation(self.bone, structure=neighbourhood))

    def voxel_index(self, positions_um: NDArray) -> NDArray[np.intp]:
        """Return the voxel holding each position, clipped into the domain.

        Parameters
        ----------
        positions_um : ndarray, shape (n, ndim)
            Positions, µm, from the domain's corner at the origin.

        Returns
        -------
        ndarray of intp, shape (n, ndim)
            ``floor(x / spacing_um)`` per axis, clipped to ``[0, n_axis - 1]``.
        """
        positions = np.asarray(positions_um, dtype=np.float64)
        if positions.ndim != 2 or positions.shape[1] != self.ndim:
            raise InputError([Problem("positions_um", f"an array of shape (n, {self.ndim})", f"{positions.shape}")])
        index = np.floor(positions / float(self.spacing_um)).astype(np.intp)
        return np.clip(index, 0, np.asarray(self.shape, dtype=np.intp) - 1)

    def voxel_centres_um(self) -> tuple[NDArray[np.float64], ...]:
        """Return the coordinates of the voxel centres along each axis, µm."""
        return tuple((np.arange(n) + 0.5) * float(self.spacing_um) for n in self.shape)

    @cached_property
    def _distance_to_bone(self) -> NDArray[np.float64]:
        return _distance_um(self.bone, float(self.spacing_um))

    @cached_property
    def _distance_to_vessel(self) -> NDArray[np.float64]:
        return _distance_um(self.vessel, float(self.spacing_um))

    def distance_to_bone_um(self) -> NDArray[np.float64]:
        """Return the Euclidean distance from each voxel centre to the nearest bone voxel centre, µm.

        Zero in bone; ``inf`` everywhere when there is no bone (``scipy.ndimage.distance_transform_edt``).
        """
        return self._distance_to_bone

    def distance_to_vessel_um(self) -> NDArray[np.float64]:
        """Return the Euclidean distance from each voxel centre to the nearest vessel voxel centre, µm.

        Zero in vessels; ``inf`` everywhere when there is no vessel.
        """
        return self._distance_to_vessel


def _frozen(array: NDArray) -> NDArray:
    array.setflags(write=False)
    return array


def _distance_um(target: NDArray[np.bool_], spacing_um: float) -> NDArray[np.float64]:
    if not target.any():
        return _frozen(np.full(target.shape, np.inf))
    return _frozen(ndimage.distance_transform_edt(~target, sampling=spacing_um).astype(np.float64))


def geometry_labels(geometry: Geometry) -> NDArray[np.uint8]:
    """Return the label array of a geometry: 0 marrow, 1 bone, 2 stable vessel, 3 sprouting vessel.

    The inverse of :func:`geometry_from_mask` for arrays.
    """
    labels = np.zeros(geometry.shape, dtype=np.uint8)
    labels[geometry.bone] = BONE
    labels[geometry.vessel] = STABLE_VESSEL
    labels[geometry.sprouting] = SPROUTING_VESSEL
    return labels


def label_image(geometry: Geometry) -> NDArray[np.uint8]:
    """Return a 2D geometry's labels as an image array (rows from the top = y from the top, columns = x).

    Writing this array as a greyscale PNG gives a mask that :func:`geometry_from_mask` reads back to the same geometry.
    """
    if geometry.ndim != 2:
        raise InputError([Problem("geometry", "a 2D geometry for an image", f"{geometry.ndim}D")])
    return np.ascontiguousarray(np.flipud(geometry_labels(geometry).T))


def geometry_from_mask(mask: str | Path | NDArray, *, spacing_um: float) -> Geometry:
    """Build a geometry from a user's mask: an image file or an integer label array.

    Conventions
    -----------
    - An integer array (2D or 3D) is indexed ``[x, y]`` or ``[x, y, z]`` and holds labels 0 marrow, 1 bone,
      2 stable vessel, 3 sprouting vessel.
    - An image file (PNG or anything ``imageio`` reads) is 2D, shown as it would be on screen: column = x from the
      left, row = y from the top of the image downwards to y = 0 at the bottom row (so the picture and
      :func:`dormancy.niche.render.render_snapshot` look the same). A greyscale image holds the labels 0–3 as grey
      values; an RGB(A) image uses colours black marrow, white bone, red (255, 0, 0) stable vessel and green
      (0, 255, 0) sprouting vessel, with full opacity. ``.npy`` files are read as label arrays.

    Parameters
    ----------
    mask : str, Path or ndarray
        The file or the label array.
    spacing_um : float
        Voxel (pixel) edge length, µm.

    Returns
    -------
    Geometry

    Raises
    ------
    InputError
        Naming ``mask`` (unreadable file, wrong dimension, unknown label or colour) or ``spacing_um``.
    """
    if not (isinstance(spacing_um, int | float) and np.isfinite(spacing_um) and spacing_um > 0):
        raise InputError([Problem("spacing_um", "a positive number of µm", repr(spacing_um))])
    if isinstance(mask, str | Path):
        labels = _read_mask_file(Path(mask))
    else:
        labels = np.asarray(mask)
        if labels.dtype == np.bool_ or not np.issubdtype(labels.dtype, np.integer):
            raise InputError([Problem("mask", f"an integer array of {_LABELS_EXPECTED}", f"dtype {labels.dtype}")])
    if labels.ndim not in (2, 3) or labels.size == 0:
        raise InputError([Problem("mask", "a non-empty 2D or 3D label array", f"shape {labels.shape}")])
    unknown = np.setdiff1d(np.unique(labels), [MARROW, BONE, STABLE_VESSEL, SPROUTING_VESSEL])
    if unknown.size:
        found = ", ".join(str(v) for v in unknown[:5].tolist())
        raise InputError([Problem("mask", _LABELS_EXPECTED, f"label(s) {found}")])
    vessel = (labels == STABLE_VESSEL) | (labels == SPROUTING_VESSEL)
    return Geometry(
        spacing_um=float(spacing_um), bone=labels == BONE, vessel=vessel, sprouting=labels == SPROUTING_VESSEL
    )


def _read_mask_file(path: Path) -> NDArray:
    if not path.is_file():
        raise InputError([Problem("mask", "an existing image or .npy file", f"no file {path}")])
    if path.suffix.lower() == ".npy":
        try:
            labels = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as error:
            raise InputError([Problem("mask", "a readable .npy label array", f"{error}")]) from None
        if not np.issubdtype(labels.dtype, np.integer):
            raise InputError([Problem("mask", f"an integer array of {_LABELS_EXPECTED}", f"dtype {labels.dtype}")])
        return labels
    import imageio.v3 as iio

    try:
        image = np.asarray(iio.imread(path))
    except Exception as error:  # imageio raises many kinds for unreadable files
        raise InputError([Problem("mask", "a readable image file (PNG)", f"{type(error).__name__}: {error}")]) from None
    if image.ndim == 2:
        labels = image.astype(np.int64)
    elif image.ndim == 3 and image.shape[2] in (3, 4):
        if image.dtype != np.uint8:
            raise InputError([Problem("mask", "an 8-bit RGB(A) image", f"dtype {image.dtype}")])
        if image.shape[2] == 4 and np.any(image[..., 3] != 255):
            raise InputError([Problem("mask", "an opaque image (alpha 255 everywhere)", "transparent pixels")])
        rgb = image[..., :3].astype(np.int64)
        code = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
        labels = np.full(code.shape, -1, dtype=np.int64)
        for (red, green, blue), label in MASK_COLOURS.items():
            labels[code == ((red << 16) | (green << 8) | blue)] = label
        if np.any(labels < 0):
            row, column = (int(i) for i in np.argwhere(labels < 0)[0])
            colour = tuple(int(c) for c in rgb[row, column])
            raise InputError(
                [
                    Problem(
                        "mask",
                        "colours black (marrow), white (bone), red (stable vessel), green (sprouting vessel)",
                        f"colour {colour} at row {row}, column {column}",
                    )
                ]
            )
    else:
        raise InputError([Problem("mask", "a greyscale or RGB(A) 2D image", f"image of shape {image.shape}")])
    return np.flipud(labels).T


def _segment_distance(points: NDArray, start: NDArray, end: NDArray) -> NDArray:
    """Return the distance from each point (n, d) to the segment from ``start`` to ``end``."""
    direction = end - start
    length2 = float(direction @ direction)
    t = np.clip(((points - start) @ direction) / length2, 0.0, 1.0) if length2 > 0 else np.zeros(len(points))
    return np.linalg.norm(points - start - t[:, None] * direction, axis=1)


def default_section(
    *,
    ndim: int = 2,
    size_um: float = 1000.0,
    spacing_um: float = 10.0,
    seed: int = 0,
    cortical_thickness_um: float = 100.0,
    n_trabeculae: int = 4,
    trabecula_radius_um: float = 25.0,
    n_vessels: int | None = None,
    vessel_radius_um: float = 12.0,
    n_sprouts: int | None = None,
    sprout_length_um: float = 120.0,
    sprout_tip_um: float = 60.0,
) -> Geometry:
    """Return a seeded marrow section: a cortical plate, trabeculae, sinusoids and sprouting vessel tips.

    The section is a square (cube in 3D) of side ``size_um``. Bone is a cortical plate of ``cortical_thickness_um``
    along the low-y side (y < thickness), plus ``n_trabeculae`` rods (capsules of radius ``trabecula_radius_um``)
    rising from the plate into the marrow at random positions and angles. Sinusoids are ``n_vessels`` straight
    tubes of radius ``vessel_radius_um`` crossing the marrow at random; ``n_sprouts`` branches of length
    ``sprout_length_um`` leave random points of them, and the last ``sprout_tip_um`` of each branch is sprouting
    vessel. Vessel voxels never overlap bone. The layout is a cartoon of the trabecular marrow of a long-bone
    metaphysis (sinusoid diameter 20–30 µm, trabecular thickness ~50–100 µm), not a reconstruction.

    Parameters
    ----------
    ndim : {2, 3}
        Dimension.
    size_um, spacing_um : float
        Side of the domain and voxel edge, µm.
    seed : int
        Seed of the layout (``numpy.random.SeedSequence``); the same seed gives the same geometry.
    cortical_thickness_um, trabecula_radius_um, vessel_radius_um, sprout_length_um, sprout_tip_um : float
        Sizes, µm.
    n_trabeculae : int
        Number of trabeculae.
    n_vessels, n_sprouts : int, optional
        Numbers of sinusoids and sprouts; default 4 and 6 in 2D, 30 and 30 in 3D (a plane cuts few of the 3D tubes).

    Returns
    -------
    Geometry
    """
    problems = []
    if ndim not in (2, 3):
        problems.append(Problem("ndim", "2 or 3", repr(ndim)))
    if not (spacing_um > 0 and size_um >= 4 * spacing_um):
        problems.append(Problem("size_um", "at least four voxels (spacing_um > 0)", f"{size_um} / {spacing_um}"))
    if problems:
        raise InputError(problems)
    n = round(size_um / spacing_um)
    n_vessels = (4 if ndim == 2 else 30) if n_vessels is None else n_vessels
    n_sprouts = (6 if ndim == 2 else 30) if n_sprouts is None else n_sprouts
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(5, ndim)))
    shape = (n,) * ndim
    grids = np.meshgrid(*[(np.arange(n) + 0.5) * spacing_um for _ in range(ndim)], indexing="ij")
    points = np.stack([g.ravel() for g in grids], axis=1)
    bone = (points[:, 1] < cortical_thickness_um).copy()
    for _ in range(n_trabeculae):
        start = rng.uniform(0.1, 0.9, ndim) * size_um
        start[1] = cortical_thickness_um * 0.5
        angle = rng.uniform(-0.6, 0.6)
        length = rng.uniform(0.25, 0.55) * size_um
        direction = np.zeros(ndim)
        direction[1] = np.cos(angle)
        direction[0] = np.sin(angle)
        if ndim == 3:
            direction[2] = rng.uniform(-0.4, 0.4)
            direction /= np.linalg.norm(direction)
        bone |= _segment_distance(points, start, start + length * direction) <= trabecula_radius_um
    vessel = np.zeros(len(points), dtype=bool)
    segments = []
    for _ in range(n_vessels):
        centre = rng.uniform(0.05, 0.95, ndim) * size_um
        centre[1] = rng.uniform(cortical_thickness_um + 2 * vessel_radius_um, size_um - vessel_radius_um)
        direction = rng.normal(size=ndim)
        direction[1] *= 0.3
        direction /= np.linalg.norm(direction)
        start, end = centre - 2 * size_um * direction, centre + 2 * size_um * direction
        segments.append((start, end))
        vessel |= _segment_distance(points, start, end) <= vessel_radius_um
    sprouting = np.zeros(len(points), dtype=bool)
    for _ in range(n_sprouts):
        start, end = segments[int(rng.integers(len(segments)))]
        origin = start + rng.uniform(0.4, 0.6) * (end - start)
        direction = rng.normal(size=ndim)
        direction /= np.linalg.norm(direction)
        tip = origin + sprout_length_um * direction
        branch = _segment_distance(points, origin, tip) <= vessel_radius_um
        tip_start = tip - sprout_tip_um * direction
        vessel |= branch
        sprouting |= branch & (_segment_distance(points, tip_start, tip) <= vessel_radius_um)
    vessel &= ~bone
    sprouting &= vessel
    return Geometry(
        spacing_um=float(spacing_um),
        bone=bone.reshape(shape),
        vessel=vessel.reshape(shape),
        sprouting=sprouting.reshape(shape),
    )
