r"""Cell mechanics: pairwise repulsion and adhesion in PhysiCell's form, stepped on a mechanics grid.

Cells are overdamped spheres (Ghaffarizadeh et al. 2018, PLoS Comput Biol 14:e1005991, ``ghaffarizadeh2018``): the
velocity of cell i is the sum over cells j within interaction range of

.. math::

    \mathbf{v}_{ij} = \left[ c_{r} \left(1 - \frac{d}{R}\right)^2_{d<R}
        - c_{a} \left(1 - \frac{d}{R_A}\right)^2_{d<R_A} \right] \frac{\mathbf{x}_i - \mathbf{x}_j}{d}

with :math:`d = |\mathbf{x}_i - \mathbf{x}_j|`, :math:`R = r_i + r_j` (contact), :math:`R_A = s (r_i + r_j)` (the
largest adhesion distance, :math:`s` = ``relative_adhesion_distance``), :math:`c_r` and :math:`c_a` the repulsion and
adhesion strengths in µm/min (PhysiCell's defaults: 10 and 0.4 µm/min, s = 1.25, radius 8.41 µm, mechanics step 0.1
min). Pairs are found on a grid of boxes of edge :math:`\ge R_A` (each cell looks in its own and the neighbouring
boxes), so the cost grows with the number of cells, not its square; :func:`relax` keeps Verlet lists (pairs within
:math:`R_A` plus a skin of :data:`SKIN` radii, rebuilt when a cell has moved half the skin) and skips cells with no
neighbour, so scattered single cells cost nothing per mechanics step. Positions advance by the second-order
Adams–Bashforth rule PhysiCell uses, :math:`\mathbf{x} \mathrel{+}= \Delta t (\tfrac32 \mathbf{v}_n - \tfrac12
\mathbf{v}_{n-1})`, the first step of a call by forward Euler (a call starts from rest: the niche does not carry
velocities between its hourly steps). A move that ends in a blocked voxel (bone, vessel lumen) is not taken and
positions stay in the domain, as for migration.

The pair terms are antisymmetric, so without walls the centre of mass does not move (tested to rounding); two equal
cells pushed apart follow :math:`d(t) = R\,[1 - 1/(1/y_0 + 2 c_r t / R)]`, :math:`y_0 = 1 - d_0/R` (tested); with
adhesion they settle at :math:`d^* = (\sqrt{c_r} - \sqrt{c_a}) / (\sqrt{c_r}/R - \sqrt{c_a}/R_A)` (PhysiCell's
effective strengths for equal cells), so a relaxed colony packs at a density that does not depend on its size (tested).
Each cell's velocity is summed over its neighbours in a fixed order, so results do not depend on the thread count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import NDArray

from dormancy.jit import serial_and_parallel

PARALLEL_CELLS = 20_000
"""From this many cells on, :func:`pair_velocities` computes in threads; below, on one thread (same results)."""

SKIN = 0.5
"""Verlet-list skin of :func:`relax`, in cell radii: lists hold pairs within reach plus this, rebuilt once a cell has
moved half of it."""


@dataclass(frozen=True)
class Mechanics:
    """Constants of the pairwise potentials and the mechanics time step.

    Parameters
    ----------
    repulsion_um_per_min : float
        :math:`c_r`, speed of two cells pushed apart at full overlap, µm/min.
    adhesion_um_per_min : float
        :math:`c_a`, adhesion strength, µm/min.
    radius_um : float
        Cell radius, µm.
    relative_adhesion_distance : float
        :math:`s`: cells adhere up to :math:`s (r_i + r_j)` apart (≥ 1).
    dt_min : float
        Mechanics time step, minutes.
    """

    repulsion_um_per_min: float = 10.0
    adhesion_um_per_min: float = 0.4
    radius_um: float = 8.41
    relative_adhesion_distance: float = 1.25
    dt_min: float = 0.1

    @property
    def equilibrium_distance_um(self) -> float:
        """Distance at which two equal cells' repulsion and adhesion balance, µm."""
        contact = 2.0 * self.radius_um
        reach = self.relative_adhesion_distance * contact
        root_r, root_a = math.sqrt(self.repulsion_um_per_min), math.sqrt(self.adhesion_um_per_min)
        return (root_r - root_a) / (root_r / contact - root_a / reach)


@numba.njit(cache=True)
def _cell_list(position, box):
    """Sort cells into boxes of edge ``box``: (origin, dims, cells by box then index, start of each box)."""
    n, ndim = position.shape
    origin = np.zeros(3)
    dims = np.ones(3, dtype=np.int64)
    for d in range(ndim):
        low = position[0, d]
        high = position[0, d]
        for i in range(n):
            low = min(low, position[i, d])
            high = max(high, position[i, d])
        origin[d] = low
        dims[d] = int((high - low) / box) + 1
    n_boxes = dims[0] * dims[1] * dims[2]
    cell_box = np.empty(n, dtype=np.int64)
    box_start = np.zeros(n_boxes + 1, dtype=np.int64)
    for i in range(n):
        flat = 0
        for d in range(3):
            k = min(int((position[i, d] - origin[d]) / box), dims[d] - 1) if d < ndim else 0
            flat = flat * dims[d] + k
        cell_box[i] = flat
        box_start[flat + 1] += 1
    for b in range(n_boxes):
        box_start[b + 1] += box_start[b]
    fill = box_start[:-1].copy()
    order = np.empty(n, dtype=np.int64)
    for i in range(n):  # counting sort, stable: cells of a box in index order
        order[fill[cell_box[i]]] = i
        fill[cell_box[i]] += 1
    return origin, dims, order, box_start


def _velocities(position, radius, repulsion, adhesion, reach_factor, box, out):
    """Sum every cell's pair velocities over the cells in its own and the neighbouring boxes (fixed order)."""
    n, ndim = position.shape
    origin, dims, order, box_start = _cell_list(position, box)
    for i in numba.prange(n):
        k0 = min(int((position[i, 0] - origin[0]) / box), dims[0] - 1)
        k1 = min(int((position[i, 1] - origin[1]) / box), dims[1] - 1) if ndim > 1 else 0
        k2 = min(int((position[i, 2] - origin[2]) / box), dims[2] - 1) if ndim > 2 else 0
        v0 = 0.0
        v1 = 0.0
        v2 = 0.0
        for a in range(max(k0 - 1, 0), min(k0 + 2, dims[0])):
            for b in range(max(k1 - 1, 0), min(k1 + 2, dims[1])):
                for c in range(max(k2 - 1, 0), min(k2 + 2, dims[2])):
                    flat = (a * dims[1] + b) * dims[2] + c
                    for slot in range(box_start[flat], box_start[flat + 1]):
                        j = order[slot]
                        if j == i:
                            continue
                        dx0 = position[i, 0] - position[j, 0]
                        dx1 = position[i, 1] - position[j, 1] if ndim > 1 else 0.0
                        dx2 = position[i, 2] - position[j, 2] if ndim > 2 else 0.0
                        distance = math.sqrt(dx0 * dx0 + dx1 * dx1 + dx2 * dx2)
                        contact = radius[i] + radius[j]
                        limit = reach_factor * contact
                        if distance >= limit or distance <= 1e-12 * contact:
                            continue
                        speed = 0.0
                        if distance < contact:
                            overlap = 1.0 - distance / contact
                            speed += repulsion * overlap * overlap
                        gap = 1.0 - distance / limit
                        speed -= adhesion * gap * gap
                        scale = speed / distance
                        v0 += scale * dx0
                        v1 += scale * dx1
                        v2 += scale * dx2
        out[i, 0] = v0
        if ndim > 1:
            out[i, 1] = v1
        if ndim > 2:
            out[i, 2] = v2


_velocities_serial, _velocities_parallel = serial_and_parallel(_velocities, cache=True)


@numba.njit(cache=True)
def _neighbour_lists(position, radius, reach_factor, skin):
    """Verlet lists: per cell, the cells within its adhesion reach plus ``skin`` (CSR; in box-scan order)."""
    n, ndim = position.shape
    box = reach_factor * 2.0 * radius.max() + skin
    origin, dims, order, box_start = _cell_list(position, box)
    pointer = np.zeros(n + 1, dtype=np.int64)
    neighbours = np.empty(0, dtype=np.int64)
    for fill in range(2):  # count, then fill
        for i in range(n):
            k = np.zeros(3, dtype=np.int64)
            for d in range(ndim):
                k[d] = min(int((position[i, d] - origin[d]) / box), dims[d] - 1)
            at = pointer[i]
            for a in range(max(k[0] - 1, 0), min(k[0] + 2, dims[0])):
                for b in range(max(k[1] - 1, 0), min(k[1] + 2, dims[1])):
                    for c in range(max(k[2] - 1, 0), min(k[2] + 2, dims[2])):
                        flat = (a * dims[1] + b) * dims[2] + c
                        for slot in range(box_start[flat], box_start[flat + 1]):
                            j = order[slot]
                            if j == i:
                                continue
                            squared = 0.0
                            for d in range(ndim):
                                squared += (position[i, d] - position[j, d]) ** 2
                            limit = reach_factor * (radius[i] + radius[j]) + skin
                            if squared < limit * limit:
                                if fill:
                                    neighbours[at] = j
                                    at += 1
                                else:
                                    pointer[i + 1] += 1
        if not fill:
            for i in range(n):
                pointer[i + 1] += pointer[i]
            neighbours = np.empty(pointer[n], dtype=np.int64)
    return pointer, neighbours


@numba.njit(cache=True)
def _relax_loop(position, radius, repulsion, adhesion, reach_factor, skin, steps, dt, blocked, spacing, walls):
    """Adams–Bashforth 2 mechanics steps in place (forward Euler first) on Verlet neighbour lists.

    A list holds the pairs within reach plus ``skin`` and is rebuilt once a cell has moved ``skin / 2`` since it was
    built, so every pair within reach is always in it. Cells with an empty list have no velocity and are skipped.
    Moves into ``blocked`` voxels are not taken.
    """
    n, ndim = position.shape
    velocity = np.zeros((n, ndim))
    previous = np.zeros((n, ndim))
    built_at = position.copy()
    active = np.empty(0, dtype=np.int64)
    pointer = np.zeros(n + 1, dtype=np.int64)
    neighbours = np.empty(0, dtype=np.int64)
    rebuild = True
    for step in range(steps):
        if rebuild:
            pointer, neighbours = _neighbour_lists(position, radius, reach_factor, skin)
            active = np.flatnonzero(pointer[1:] > pointer[:-1])
            built_at[:, :] = position
            rebuild = False
        moving = False
        for i in active:
            v0 = v1 = v2 = 0.0
            for slot in range(pointer[i], pointer[i + 1]):
                j = neighbours[slot]
                dx0 = position[i, 0] - position[j, 0]
                dx1 = position[i, 1] - position[j, 1] if ndim > 1 else 0.0
                dx2 = position[i, 2] - position[j, 2] if ndim > 2 else 0.0
                distance = math.sqrt(dx0 * dx0 + dx1 * dx1 + dx2 * dx2)
                contact = radius[i] + radius[j]
                limit = reach_factor * contact
                if distance >= limit or distance <= 1e-12 * contact:
                    continue
                speed = 0.0
                if distance < contact:
                    overlap = 1.0 - distance / contact
                    speed += repulsion * overlap * overlap
                gap = 1.0 - distance / limit
                speed -= adhesion * gap * gap
                scale = speed / distance
                v0 += scale * dx0
                v1 += scale * dx1
                v2 += scale * dx2
            velocity[i, 0] = v0
            if ndim > 1:
                velocity[i, 1] = v1
            if ndim > 2:
                velocity[i, 2] = v2
            moving = moving or v0 != 0.0 or v1 != 0.0 or v2 != 0.0
        if step == 0 and not moving:
            return  # no pair within reach: nothing will ever move
        farthest = 0.0
        for i in active:
            x0 = x1 = x2 = 0.0
            for d in range(ndim):
                change = dt * velocity[i, d] if step == 0 else dt * (1.5 * velocity[i, d] - 0.5 * previous[i, d])
                value = position[i, d] + change
                if walls:
                    value = min(max(value, 0.0), blocked.shape[d] * spacing * (1.0 - 1e-12))
                if d == 0:
                    x0 = value
                elif d == 1:
                    x1 = value
                else:
                    x2 = value
            blocked_move = False
            if walls:
                w0 = min(int(x0 / spacing), blocked.shape[0] - 1)
                w1 = min(int(x1 / spacing), blocked.shape[1] - 1) if ndim > 1 else 0
                w2 = min(int(x2 / spacing), blocked.shape[2] - 1) if ndim > 2 else 0
                blocked_move = blocked[w0, w1, w2]
            if not blocked_move:
                position[i, 0] = x0
                if ndim > 1:
                    position[i, 1] = x1
                if ndim > 2:
                    position[i, 2] = x2
            moved = 0.0
            for d in range(ndim):
                moved += (position[i, d] - built_at[i, d]) ** 2
                previous[i, d] = velocity[i, d]
            farthest = max(farthest, moved)
        if farthest > 0.25 * skin * skin:
            rebuild = True


def pair_velocities(position_um: NDArray[np.float64], radius_um: NDArray[np.float64], mechanics: Mechanics):
    """Return every cell's velocity from its neighbours' repulsion and adhesion, µm/min, ``(n, ndim)``.

    Parameters
    ----------
    position_um : numpy.ndarray, (n, ndim)
        Cell centres, µm.
    radius_um : numpy.ndarray, (n,)
        Cell radii, µm.
    mechanics : Mechanics
    """
    position = np.ascontiguousarray(position_um, dtype=np.float64)
    n, ndim = position.shape
    out = np.zeros((n, ndim))
    if n < 2:
        return out
    radius = np.ascontiguousarray(radius_um, dtype=np.float64)
    box = mechanics.relative_adhesion_distance * 2.0 * float(radius.max())
    kernel = _velocities_parallel if n >= PARALLEL_CELLS else _velocities_serial
    kernel(position, radius, mechanics.repulsion_um_per_min, mechanics.adhesion_um_per_min,
           mechanics.relative_adhesion_distance, box, out)  # fmt: skip
    return out


def relax(
    position_um: NDArray[np.float64],
    radius_um: NDArray[np.float64],
    mechanics: Mechanics,
    duration_min: float,
    *,
    blocked: NDArray[np.bool_] | None = None,
    spacing_um: float = 1.0,
) -> NDArray[np.float64]:
    """Move cells by their pair velocities for ``duration_min`` minutes in mechanics steps (Adams–Bashforth 2).

    Parameters
    ----------
    position_um : numpy.ndarray, (n, ndim)
        Cell centres, µm.
    radius_um : numpy.ndarray, (n,)
        Cell radii, µm.
    mechanics : Mechanics
    duration_min : float
        Time to advance, minutes (``round(duration / dt)`` steps, at least 1).
    blocked : numpy.ndarray of bool, optional
        Voxels no cell may enter; with it, positions are also kept inside the grid.
    spacing_um : float
        Voxel edge of ``blocked``, µm.

    Returns
    -------
    numpy.ndarray, (n, ndim)
        New positions (the input is not modified).
    """
    position = np.array(position_um, dtype=np.float64, order="C")
    if len(position) < 2:
        return position
    radius = np.ascontiguousarray(radius_um, dtype=np.float64)
    steps = max(1, round(duration_min / mechanics.dt_min))
    walls = blocked is not None
    grid = np.zeros((1, 1, 1), dtype=bool) if blocked is None else np.ascontiguousarray(blocked)
    grid = grid.reshape(grid.shape + (1,) * (3 - grid.ndim))
    _relax_loop(position, radius, mechanics.repulsion_um_per_min, mechanics.adhesion_um_per_min,
                mechanics.relative_adhesion_distance, SKIN * float(radius.max()), steps, duration_min / steps, grid,
                float(spacing_um), walls)  # fmt: skip
    return position
