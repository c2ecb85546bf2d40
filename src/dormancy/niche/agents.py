"""Agents of the marrow niche as structs of arrays, and the compiled kernels that move and count them.

Two populations, each a frozen dataclass of equal-length arrays (never an object per agent):

- :class:`Dtcs`, disseminated tumour cells: id, position (µm), the switch's node activities, cell-cycle state
  (:data:`CYCLING`, :data:`DORMANT`, :data:`DEAD`) and the hours spent in the current cycle, clone, the niche where
  its lineage landed and the step it arrived.
- :class:`Residents`, the niche's own cells: osteoblasts and osteoclasts on the endosteal surface, MSCs (``primed``
  once a tumour cell has touched them [59]), NK and CD8 T cells, macrophages (``m1`` true for M1, false for M2).
  Vessels are voxels of the geometry, not agents.

Arrays are kept sorted by id; ids are never reused. Kernels work on 3-D grids (a 2-D section is one voxel thick) so
one compiled version serves both; each loop over agents writes only that agent's output, so results do not depend
on the number of threads.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numba
import numpy as np
from numpy.typing import NDArray

from dormancy.jit import serial_and_parallel
from dormancy.rng import UNIFORM_TAG

__all__ = [
    "CYCLING",
    "DEAD",
    "DORMANT",
    "DTC_STATES",
    "RESIDENT_KINDS",
    "Dtcs",
    "Residents",
    "box_sum",
    "count_grid",
    "migrate",
    "uniforms",
    "voxel_of",
]

CYCLING, DORMANT, DEAD = 0, 1, 2
#: DTC state codes → names (``proliferating`` = in the cycle, ``dormant`` = quiescent).
DTC_STATES: tuple[str, ...] = ("proliferating", "dormant", "dead")
OSTEOBLAST, OSTEOCLAST, MSC, NK, CD8, MACROPHAGE = range(6)
RESIDENT_KINDS: tuple[str, ...] = ("osteoblast", "osteoclast", "msc", "nk", "cd8", "macrophage")


@dataclass(frozen=True)
class Dtcs:
    """Disseminated tumour cells (struct of arrays, sorted by ``id``).

    Parameters
    ----------
    id : numpy.ndarray of int64, (n,)
        Unique, never reused.
    position_um : numpy.ndarray, (n, ndim)
        Position, µm, inside the domain and outside bone and vessel voxels.
    switch : numpy.ndarray, (n, n_nodes)
        Node activities of the dormancy switch (``SwitchModel.wiring.internal`` order), in [0, 1].
    state : numpy.ndarray of int8, (n,)
        :data:`CYCLING`, :data:`DORMANT` or :data:`DEAD` (dead cells are removed at the end of a step).
    cycle_hours : numpy.ndarray, (n,)
        Hours since the cell's last division or arrival spent cycling (its cycle clock).
    clone : numpy.ndarray of int32, (n,)
        Clone index, inherited by daughters.
    landing_niche : numpy.ndarray of int8, (n,)
        Niche code (``outputs.NICHES``) of the voxel where the cell's lineage arrived.
    arrival_step : numpy.ndarray of int64, (n,)
        Step at which the cell's lineage arrived.
    """

    id: NDArray[np.int64]
    position_um: NDArray[np.float64]
    switch: NDArray[np.float64]
    state: NDArray[np.int8]
    cycle_hours: NDArray[np.float64]
    clone: NDArray[np.int32]
    landing_niche: NDArray[np.int8]
    arrival_step: NDArray[np.int64]

    @classmethod
    def empty(cls, ndim: int, n_nodes: int) -> Dtcs:
        """Return a population of zero cells."""
        return cls(
            np.zeros(0, np.int64),
            np.zeros((0, ndim)),
            np.zeros((0, n_nodes)),
            np.zeros(0, np.int8),
            np.zeros(0),
            np.zeros(0, np.int32),
            np.zeros(0, np.int8),
            np.zeros(0, np.int64),
        )

    def __len__(self) -> int:
        return len(self.id)

    @property
    def alive(self) -> NDArray[np.bool_]:
        """Cells that are not dead."""
        return self.state != DEAD

    def select(self, mask: NDArray[np.bool_] | NDArray[np.intp]) -> Dtcs:
        """Return the cells picked by a boolean mask or an index array (order kept)."""
        return Dtcs(*(np.ascontiguousarray(getattr(self, f)[mask]) for f in _DTC_FIELDS))

    def concat(self, other: Dtcs) -> Dtcs:
        """Return this population followed by ``other`` (whose ids must all be larger)."""
        return Dtcs(*(np.concatenate([getattr(self, f), getattr(other, f)]) for f in _DTC_FIELDS))

    def with_(self, **changes: NDArray) -> Dtcs:
        """Return a copy with some arrays replaced."""
        return replace(self, **changes)


_DTC_FIELDS = ("id", "position_um", "switch", "state", "cycle_hours", "clone", "landing_niche", "arrival_step")


@dataclass(frozen=True)
class Residents:
    """Resident cells of the niche (struct of arrays, sorted by ``id``).

    Parameters
    ----------
    id : numpy.ndarray of int64, (n,)
        Unique; resident ids come before any DTC id.
    kind : numpy.ndarray of int8, (n,)
        Index into :data:`RESIDENT_KINDS`.
    position_um : numpy.ndarray, (n, ndim)
        Position, µm.
    primed : numpy.ndarray of bool, (n,)
        MSCs that have touched a tumour cell (exosomes become more pro-dormant [59]); false for other kinds.
    m1 : numpy.ndarray of bool, (n,)
        Macrophages in the M1 state (false: M2); false for other kinds.
    """

    id: NDArray[np.int64]
    kind: NDArray[np.int8]
    position_um: NDArray[np.float64]
    primed: NDArray[np.bool_]
    m1: NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.id)

    def of_kind(self, kind: int) -> NDArray[np.bool_]:
        """Return the mask of residents of one kind (index into :data:`RESIDENT_KINDS`)."""
        return self.kind == kind

    def with_(self, **changes: NDArray) -> Residents:
        """Return a copy with some arrays replaced."""
        return replace(self, **changes)


def voxel_of(position_um: NDArray[np.float64], spacing_um: float, shape: tuple[int, ...]) -> NDArray[np.intp]:
    """Return the voxel index ``floor(x / h)`` of each position, clipped into the grid, shape ``(n, ndim)``."""
    index = np.floor(np.asarray(position_um) / spacing_um).astype(np.intp)
    return np.clip(index, 0, np.asarray(shape, dtype=np.intp) - 1)


def _as3(grid: NDArray) -> NDArray:
    return grid if grid.ndim == 3 else grid[:, :, np.newaxis]


@numba.njit(cache=True)
def _deposit(
    flat: NDArray[np.intp], weights: NDArray[np.float64], out: NDArray[np.float64]
) -> None:  # pragma: no cover
    for i in range(flat.shape[0]):  # serial: a fixed summation order
        out[flat[i]] += weights[i]


def count_grid(
    voxels: NDArray[np.intp], shape: tuple[int, ...], weights: NDArray[np.float64] | None = None
) -> NDArray[np.float64]:
    """Return the number (or the summed ``weights``) of agents in each voxel, an array of ``shape``."""
    out = np.zeros(int(np.prod(shape)))
    if len(voxels):
        flat = np.ravel_multi_index(tuple(voxels.T), shape)
        w = np.ones(len(voxels)) if weights is None else np.ascontiguousarray(weights, dtype=np.float64)
        _deposit(flat.astype(np.intp), w, out)
    return out.reshape(shape)


def box_sum(grid: NDArray[np.float64], half_width: int) -> NDArray[np.float64]:
    """Return, for each voxel, the sum of ``grid`` over the box of ``half_width`` voxels around it (clipped at edges).

    Summed-area tables (one cumulative sum per axis), so the cost does not grow with the width.
    """
    if half_width <= 0:
        return grid.astype(np.float64, copy=True)
    out = grid.astype(np.float64)
    for axis in range(out.ndim):
        n = out.shape[axis]
        pad = [(0, 0)] * out.ndim
        pad[axis] = (1, 0)
        cumulative = np.pad(np.cumsum(out, axis=axis), pad)
        upper = np.minimum(np.arange(n) + half_width + 1, n)
        lower = np.maximum(np.arange(n) - half_width, 0)
        out = np.take(cumulative, upper, axis=axis) - np.take(cumulative, lower, axis=axis)
    return out


@numba.njit(cache=True, inline="always")
def _index(x, spacing, n):  # pragma: no cover - compiled
    return min(max(int(np.floor(x / spacing)), 0), n - 1)


@numba.njit(cache=True, inline="always")
def _slope(attractant, i, j, k, axis, shape, spacing):  # pragma: no cover - compiled
    """Central-difference derivative along ``axis`` at voxel (i, j, k); one-sided at the edges, 0 if one voxel."""
    n = shape[axis]
    c = (i, j, k)[axis]
    lo, hi = max(c - 1, 0), min(c + 1, n - 1)
    if hi == lo:
        return 0.0
    if axis == 0:
        return (attractant[hi, j, k] - attractant[lo, j, k]) / ((hi - lo) * spacing)
    if axis == 1:
        return (attractant[i, hi, k] - attractant[i, lo, k]) / ((hi - lo) * spacing)
    return (attractant[i, j, hi] - attractant[i, j, lo]) / ((hi - lo) * spacing)


def _migrate(  # pragma: no cover - compiled
    position, normals, attractant, blocked, adhesive, spacing, speed, gradient_half, motility, adhesion, dt, out
):
    n, ndim = position.shape
    shape = blocked.shape
    step = np.sqrt(2.0 * motility * dt)
    for a in numba.prange(n):
        i = _index(position[a, 0], spacing, shape[0])
        j = _index(position[a, 1], spacing, shape[1]) if ndim > 1 else 0
        k = _index(position[a, 2], spacing, shape[2]) if ndim > 2 else 0
        g0 = g1 = g2 = 0.0
        if speed > 0.0:
            g0 = _slope(attractant, i, j, k, 0, shape, spacing)
            g1 = _slope(attractant, i, j, k, 1, shape, spacing) if ndim > 1 else 0.0
            g2 = _slope(attractant, i, j, k, 2, shape, spacing) if ndim > 2 else 0.0
        scale = speed * dt / (np.sqrt(g0 * g0 + g1 * g1 + g2 * g2) + gradient_half) if speed > 0.0 else 0.0
        factor = 1.0 - adhesion if adhesive[i, j, k] else 1.0
        x0 = position[a, 0] + factor * (scale * g0 + step * normals[a, 0])
        x0 = min(max(x0, 0.0), shape[0] * spacing * (1.0 - 1e-12))
        x1 = x2 = 0.0
        if ndim > 1:
            x1 = position[a, 1] + factor * (scale * g1 + step * normals[a, 1])
            x1 = min(max(x1, 0.0), shape[1] * spacing * (1.0 - 1e-12))
        if ndim > 2:
            x2 = position[a, 2] + factor * (scale * g2 + step * normals[a, 2])
            x2 = min(max(x2, 0.0), shape[2] * spacing * (1.0 - 1e-12))
        ti = _index(x0, spacing, shape[0])
        tj = _index(x1, spacing, shape[1]) if ndim > 1 else 0
        tk = _index(x2, spacing, shape[2]) if ndim > 2 else 0
        if blocked[ti, tj, tk]:
            for d in range(ndim):
                out[a, d] = position[a, d]
        else:
            out[a, 0] = x0
            if ndim > 1:
                out[a, 1] = x1
            if ndim > 2:
                out[a, 2] = x2


_migrate_serial, _migrate_parallel = serial_and_parallel(_migrate, cache=True)
PARALLEL_MOVES = 50_000
"""From this many agents on, :func:`migrate` runs in threads; below, one thread (thread start-up costs milliseconds
under load, a serial move of a few thousand agents tens of microseconds). Results are the same either way."""


def migrate(
    position_um: NDArray[np.float64],
    normals: NDArray[np.float64],
    *,
    attractant: NDArray[np.float64] | None,
    blocked: NDArray[np.bool_],
    adhesive: NDArray[np.bool_],
    spacing_um: float,
    speed_um_per_min: float,
    gradient_half_per_um: float,
    motility_um2_per_min: float,
    adhesion: float,
    dt_min: float,
) -> NDArray[np.float64]:
    r"""Move agents one step: chemotaxis up ``attractant`` plus a random walk, slowed on adhesive voxels.

    .. math::

        \Delta x = (1 - a\,[\text{adhesive}]) \left( v_{max}\,\Delta t\,\frac{\nabla c}{|\nabla c| + g_{1/2}}
        + \sqrt{2 D \Delta t}\,\xi \right)

    with :math:`\nabla c` the central-difference gradient at the agent's voxel and :math:`\xi` standard normal
    draws (``normals``). A move that ends in a ``blocked`` voxel (bone, vessel lumen) is not taken; positions are
    clipped to the domain. CXCL12 → CXCR4 chemotaxis [19–25]; adhesion to the endosteal surface [23, 26, 36, 43].

    Parameters
    ----------
    position_um : numpy.ndarray, (n, ndim)
        Current positions, µm.
    normals : numpy.ndarray, (n, ndim)
        Standard normal draws.
    attractant : numpy.ndarray or None
        Chemoattractant field on the grid (None: random walk only).
    blocked, adhesive : numpy.ndarray of bool
        Voxels agents may not enter; voxels where motility is reduced by ``adhesion``.
    spacing_um, speed_um_per_min, gradient_half_per_um, motility_um2_per_min, adhesion, dt_min : float
        Voxel size (µm), maximal chemotactic speed (µm/min), half-saturating gradient (1/µm), random motility
        (µm²/min), fraction of motility lost on adhesive voxels, time step (min).

    Returns
    -------
    numpy.ndarray, (n, ndim)
        New positions.
    """
    out = np.empty_like(position_um)
    if len(position_um) == 0:
        return out
    field = np.zeros(_as3(blocked).shape) if attractant is None else _as3(np.ascontiguousarray(attractant))
    kernel = _migrate_parallel if len(position_um) >= PARALLEL_MOVES else _migrate_serial
    kernel(
        np.ascontiguousarray(position_um),
        np.ascontiguousarray(normals),
        field,
        _as3(np.ascontiguousarray(blocked)),
        _as3(np.ascontiguousarray(adhesive)),
        float(spacing_um),
        float(speed_um_per_min) if attractant is not None else 0.0,
        float(gradient_half_per_um),
        float(motility_um2_per_min),
        float(adhesion),
        float(dt_min),
        out,
    )
    return out


_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)
_LOW32 = np.uint64(0xFFFFFFFF)


def _philox_uniforms(k0, k1, ids, step, n_draws, out):  # pragma: no cover - compiled
    n_blocks = (n_draws + 1) // 2
    thirty_two = np.uint64(32)
    eleven = np.uint64(11)
    scale = 2.0**-53
    for a in numba.prange(ids.shape[0]):
        lo = ids[a] & _LOW32
        hi = ids[a] >> thirty_two
        for b in range(n_blocks):
            c0, c1, c2, c3 = np.uint64(b), lo, hi, np.uint64(step)
            key0, key1 = k0, k1
            for r in range(10):
                if r:
                    key0 = (key0 + _W0) & _LOW32
                    key1 = (key1 + _W1) & _LOW32
                p0 = _M0 * c0
                p1 = _M1 * c2
                c0, c1, c2, c3 = (
                    (p1 >> thirty_two) ^ c1 ^ key0,
                    p1 & _LOW32,
                    (p0 >> thirty_two) ^ c3 ^ key1,
                    p0 & _LOW32,
                )
            out[a, 2 * b] = float(((c0 << thirty_two) | c1) >> eleven) * scale
            if 2 * b + 1 < n_draws:
                out[a, 2 * b + 1] = float(((c2 << thirty_two) | c3) >> eleven) * scale


_philox_serial, _philox_parallel = serial_and_parallel(_philox_uniforms, cache=True)
PARALLEL_DRAWS = 200_000  # below this many draws, starting threads costs more than it saves


def uniforms(seed: int, agent_ids: NDArray[np.int64], step: int, n_draws: int, *, stream: int = 0) -> NDArray:
    """Return exactly :func:`dormancy.rng.agent_uniforms` (same key, counter layout and bits), compiled and threaded.

    The Philox4x32-10 rounds run in a Numba kernel per agent instead of on NumPy arrays; ``tests/test_niche_agents``
    checks bit equality with the reference implementation.
    """
    k0, k1 = np.random.SeedSequence(seed, spawn_key=(UNIFORM_TAG, stream)).generate_state(2, np.uint32)
    ids = np.ascontiguousarray(agent_ids, dtype=np.int64).astype(np.uint64)
    out = np.empty((len(ids), n_draws))
    if len(ids) and n_draws:
        kernel = _philox_parallel if len(ids) * n_draws >= PARALLEL_DRAWS else _philox_serial
        kernel(np.uint64(k0), np.uint64(k1), ids, np.uint64(step), int(n_draws), out)
    return out
