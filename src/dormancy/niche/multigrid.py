r"""Geometric multigrid for one unsplit backward-Euler step of a field, as the preconditioner of conjugate gradients.

The step :math:`(I + \Delta t(\lambda + u) - \Delta t D\nabla^2)\,c' = c + \Delta t\,s` on the voxels outside bone
(and outside vessels for a field that vessels hold fixed) is a symmetric M-matrix :math:`A`: per unknown voxel a
diagonal :math:`m_p + \sum_q w_{pq}` with mass :math:`m_p = 1 + \Delta t(\lambda + u_p)` (plus
:math:`r = D\Delta t/h^2` per face to a fixed vessel voxel) and a coupling :math:`-w_{pq} = -r` per face between two
unknowns (none across bone: no flux). It is stored as arrays on the grid (mass, one face weight per axis), never
as a sparse matrix, so the hierarchy costs a few array passes to build and the operator changes (uptake) cost one
pass per level.

**Hierarchy.** Cell-centred coarsening by 2 along every axis longer than 1 (2×2×2 blocks; 2×2 in 2D), to at most
:data:`COARSEST_CELLS` cells. Interpolation :math:`P` copies a block's value to its unknown children, restriction is
:math:`R = P^T/2^k` (the mean over the block, :math:`k` axes coarsened), and the coarse operator is
:math:`R A P` with its coupling part halved: mass :math:`\bar m` = block mean of the children's masses, face weight =
sum of the fine face weights across the coarse face :math:`/ 2^{k+1}`. Where blocks are full this is the
rediscretised operator (face weight :math:`r/4` on a grid twice as coarse; the unhalved Galerkin product of
piecewise-constant interpolation is twice too stiff, Braess 1995), and where bone cuts a block it keeps the
fine faces that are open, so thin bone stays a barrier on coarse grids. A block without unknown children is no
unknown.

**Cycle.** One symmetric V-cycle from zero: :data:`SMOOTHING_SWEEPS` lexicographic Gauss–Seidel sweeps forward on
the way down, as many backward on the way up, and on the coarsest grid :data:`COARSEST_SWEEPS` forward–backward
pairs. It is a fixed symmetric positive definite linear operator, so it can precondition conjugate gradients.

**Stopping.** Conjugate gradients from the current field stop when :math:`\|b - Ax\|_\infty \le \tau \|b\|_\infty`
(:data:`RESIDUAL_TOLERANCE`). Because :math:`A` is an M-matrix whose rows sum to at least :math:`1 + \Delta t\lambda`,
:math:`\|A^{-1}\|_\infty \le 1/(1 + \Delta t\lambda) \le 1`, so every voxel's value is within
:math:`\tau \|b\|_\infty` (τ times the largest concentration) of the exact step. A field already at its steady state
(sources unchanged) meets the test before any iteration and costs one residual pass.

Everything is serial Numba loops and sums in a fixed order: the same numbers for any number of threads.

References: Braess D (1995) Towards algebraic multigrid for elliptic problems of second order. Computing 55:379–393.
Trottenberg U, Oosterlee CW, Schüller A (2001) Multigrid. Academic Press (cell-centred coarsening, ch. 2.8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import NDArray

SMOOTHING_SWEEPS = 2
"""Gauss–Seidel sweeps before and after the coarse-grid correction on every level but the coarsest (2 halves the
iterations of 1 in the 3D niche: 28 against 52 a step at 60³ for τ = 1e-5)."""

COARSEST_CELLS = 64
"""The hierarchy stops at a grid of at most this many cells."""

COARSEST_SWEEPS = 20
"""Forward–backward Gauss–Seidel pairs on the coarsest grid (an exact-enough solve of at most 64 cells)."""

RESIDUAL_TOLERANCE = 1e-5
r"""Relative max-norm residual :math:`\tau` at which conjugate gradients stop (every voxel within τ × the largest
right-hand side of the exact step)."""

MAX_ITERATIONS = 200
"""Conjugate gradients give up (``RuntimeError``) after this many iterations (0–8 are usual in the niche)."""


@numba.njit(cache=True, inline="always")
def _neighbours(x, wx, wy, wz, i, j, k):
    """Return the off-diagonal part at one cell: face weights times the six neighbours inside the grid."""
    nx, ny, nz = x.shape
    s = 0.0
    if i > 0:
        s += wx[i - 1, j, k] * x[i - 1, j, k]
    if i < nx - 1:
        s += wx[i, j, k] * x[i + 1, j, k]
    if j > 0:
        s += wy[i, j - 1, k] * x[i, j - 1, k]
    if j < ny - 1:
        s += wy[i, j, k] * x[i, j + 1, k]
    if k > 0:
        s += wz[i, j, k - 1] * x[i, j, k - 1]
    if k < nz - 1:
        s += wz[i, j, k] * x[i, j, k + 1]
    return s


@numba.njit(cache=True)
def _smooth(x, b, inverse, wx, wy, wz, forward):
    """One lexicographic Gauss–Seidel sweep on ``A x = b`` (cells with ``inverse == 0`` are no unknowns)."""
    nx, ny, nz = x.shape
    for ii in range(nx):
        i = ii if forward else nx - 1 - ii
        for jj in range(ny):
            j = jj if forward else ny - 1 - jj
            for kk in range(nz):
                k = kk if forward else nz - 1 - kk
                inv = inverse[i, j, k]
                if inv == 0.0:
                    continue
                s = b[i, j, k]
                s += _neighbours(x, wx, wy, wz, i, j, k)
                x[i, j, k] = s * inv


@numba.njit(cache=True)
def _apply(x, diagonal, wx, wy, wz, out):
    """``out = A x`` (0 at cells that are no unknowns)."""
    nx, ny, nz = x.shape
    for i in range(nx):
        for j in range(ny):
            for k in range(nz):
                d = diagonal[i, j, k]
                if d == 0.0:
                    out[i, j, k] = 0.0
                    continue
                s = d * x[i, j, k]
                s -= _neighbours(x, wx, wy, wz, i, j, k)
                out[i, j, k] = s


@numba.njit(cache=True)
def _restrict_residual(x, b, diagonal, wx, wy, wz, coarse, scale):
    """``coarse = R (b - A x)``: the residual summed over each block, times ``scale`` (``1 / 2^k``)."""
    nx, ny, nz = x.shape
    sx, sy, sz = coarse.shape[0] < nx, coarse.shape[1] < ny, coarse.shape[2] < nz
    coarse[:] = 0.0
    for i in range(nx):
        for j in range(ny):
            for k in range(nz):
                d = diagonal[i, j, k]
                if d == 0.0:
                    continue
                s = b[i, j, k] - d * x[i, j, k]
                s += _neighbours(x, wx, wy, wz, i, j, k)
                coarse[(i >> 1) if sx else i, (j >> 1) if sy else j, (k >> 1) if sz else k] += s * scale


@numba.njit(cache=True)
def _prolong_add(x, diagonal, coarse):
    """``x += P coarse``: each unknown cell takes its block's value."""
    nx, ny, nz = x.shape
    sx, sy, sz = coarse.shape[0] < nx, coarse.shape[1] < ny, coarse.shape[2] < nz
    for i in range(nx):
        ci = (i >> 1) if sx else i
        for j in range(ny):
            cj = (j >> 1) if sy else j
            for k in range(nz):
                if diagonal[i, j, k] != 0.0:
                    x[i, j, k] += coarse[ci, cj, (k >> 1) if sz else k]


@numba.njit(cache=True)
def _coarsen_faces(w, axis, coarse_shape, scale):
    """Face weights of the coarse grid along ``axis``: fine faces across each coarse face, summed, times ``scale``."""
    nx, ny, nz = w.shape
    out = np.zeros(coarse_shape)
    sx, sy, sz = coarse_shape[0] < nx, coarse_shape[1] < ny, coarse_shape[2] < nz
    for i in range(nx):
        for j in range(ny):
            for k in range(nz):
                v = w[i, j, k]
                if v == 0.0:
                    continue
                index = (i, j, k)[axis]
                coarsened = (sx, sy, sz)[axis]
                if coarsened and index % 2 == 0:
                    continue  # a face inside a block
                ci = (i >> 1) if sx else i
                cj = (j >> 1) if sy else j
                ck = (k >> 1) if sz else k
                out[ci, cj, ck] += v * scale
    return out


@numba.njit(cache=True)
def _block_mean(values, coarse_shape, scale):
    """Sum of each block's values times ``scale``."""
    nx, ny, nz = values.shape
    out = np.zeros(coarse_shape)
    sx, sy, sz = coarse_shape[0] < nx, coarse_shape[1] < ny, coarse_shape[2] < nz
    for i in range(nx):
        for j in range(ny):
            for k in range(nz):
                out[(i >> 1) if sx else i, (j >> 1) if sy else j, (k >> 1) if sz else k] += values[i, j, k] * scale
    return out


@numba.njit(cache=True)
def _diagonal(mass, unknown, wx, wy, wz, out):
    """Diagonal = mass + the face weights of the cell (0 where the cell is no unknown)."""
    nx, ny, nz = mass.shape
    for i in range(nx):
        for j in range(ny):
            for k in range(nz):
                if not unknown[i, j, k]:
                    out[i, j, k] = 0.0
                    continue
                s = mass[i, j, k]
                if i > 0:
                    s += wx[i - 1, j, k]
                s += wx[i, j, k]
                if j > 0:
                    s += wy[i, j - 1, k]
                s += wy[i, j, k]
                if k > 0:
                    s += wz[i, j, k - 1]
                s += wz[i, j, k]
                out[i, j, k] = s


@numba.njit(cache=True)
def restrict_mean(fine, unknown, coarse_unknown, out):
    """``out`` = mean of ``fine`` over each block's unknown children (0 where a block has none)."""
    nx, ny, nz = fine.shape
    sx, sy, sz = out.shape[0] < nx, out.shape[1] < ny, out.shape[2] < nz
    count = np.zeros(out.shape)
    out[:] = 0.0
    for i in range(nx):
        for j in range(ny):
            for k in range(nz):
                if unknown[i, j, k]:
                    c = ((i >> 1) if sx else i, (j >> 1) if sy else j, (k >> 1) if sz else k)
                    out[c] += fine[i, j, k]
                    count[c] += 1.0
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            for k in range(out.shape[2]):
                if coarse_unknown[i, j, k]:
                    out[i, j, k] /= count[i, j, k]


@numba.njit(cache=True, inline="always")
def _corner(i, coarsened, n_coarse):
    """Own coarse index, neighbour coarse index and the own cell's weight along one axis (cell-centred, 3/4–1/4)."""
    if not coarsened:
        return i, i, 1.0
    own = i >> 1
    other = own - 1 if i % 2 == 0 else own + 1
    if other < 0 or other >= n_coarse:
        return own, own, 1.0
    return own, other, 0.75


@numba.njit(cache=True)
def prolong_conservative(coarse, coarse_unknown, unknown, out):
    r"""Prolong ``coarse`` to ``out`` (unknown fine cells) keeping every block's mean.

    ``out`` is the trilinear (cell-centred, weights 3/4 and 1/4 per axis) interpolation of ``coarse``, shifted per
    block so that the mean over each block's unknown children equals its coarse value. Corners that are no unknowns
    are left out and the weights renormalised. The shift makes :func:`restrict_mean` an exact left inverse (the
    field's amount in every block is kept); it is :math:`O(h^2 \nabla^2 c)`.
    """
    nx, ny, nz = out.shape
    cx, cy, cz = coarse.shape
    sx, sy, sz = cx < nx, cy < ny, cz < nz
    total = np.zeros(coarse.shape)
    count = np.zeros(coarse.shape)
    for i in range(nx):
        ai, bi, wi = _corner(i, sx, cx)
        for j in range(ny):
            aj, bj, wj = _corner(j, sy, cy)
            for k in range(nz):
                if not unknown[i, j, k]:
                    out[i, j, k] = 0.0
                    continue
                ak, bk, wk = _corner(k, sz, cz)
                s = 0.0
                w = 0.0
                for ci, vi in ((ai, wi), (bi, 1.0 - wi)):
                    if vi == 0.0:
                        continue
                    for cj, vj in ((aj, wj), (bj, 1.0 - wj)):
                        if vj == 0.0:
                            continue
                        for ck, vk in ((ak, wk), (bk, 1.0 - wk)):
                            if vk == 0.0 or not coarse_unknown[ci, cj, ck]:
                                continue
                            weight = vi * vj * vk
                            s += weight * coarse[ci, cj, ck]
                            w += weight
                value = s / w  # the own corner is always an unknown with weight > 0
                out[i, j, k] = value
                c = ((i >> 1) if sx else i, (j >> 1) if sy else j, (k >> 1) if sz else k)
                total[c] += value
                count[c] += 1.0
    for i in range(nx):
        for j in range(ny):
            for k in range(nz):
                if unknown[i, j, k]:
                    c = ((i >> 1) if sx else i, (j >> 1) if sy else j, (k >> 1) if sz else k)
                    out[i, j, k] += coarse[c] - total[c] / count[c]


@dataclass
class _Level:
    unknown: NDArray[np.bool_]
    mass: NDArray[np.float64]
    wx: NDArray[np.float64]
    wy: NDArray[np.float64]
    wz: NDArray[np.float64]
    diagonal: NDArray[np.float64]
    inverse: NDArray[np.float64]
    scale: float  # 1 / 2^k of the restriction to the next level


def _finish(level: _Level) -> None:
    _diagonal(level.mass, level.unknown, level.wx, level.wy, level.wz, level.diagonal)
    np.divide(1.0, level.diagonal, out=level.inverse, where=level.diagonal != 0.0)
    level.inverse[level.diagonal == 0.0] = 0.0


def block_sum(values: NDArray[np.float64], coarse_shape: tuple[int, ...], scale: float) -> NDArray[np.float64]:
    """Return the sum of ``values`` (3D) over each block of the coarse grid, times ``scale``."""
    return _block_mean(np.ascontiguousarray(values, dtype=np.float64), tuple(coarse_shape), float(scale))


def _coarse_shape(shape: tuple[int, int, int]) -> tuple[int, int, int]:
    return tuple((n + 1) // 2 if n > 1 else 1 for n in shape)  # type: ignore[return-value]


class Hierarchy:
    r"""The multigrid hierarchy of one field's backward-Euler operator on a fixed set of unknowns.

    Parameters
    ----------
    unknown : numpy.ndarray of bool, 2D or 3D
        Voxels whose value is solved for (outside bone, and outside vessels for a field vessels hold fixed).
    fixed : numpy.ndarray of bool, same shape
        Voxels of given value next to which an unknown gains a face of weight ``ratio`` in its diagonal (vessels of
        a field with a vessel value); faces to any other non-unknown voxel (bone, the domain edge) carry no flux.
    ratio : float
        :math:`r = D\Delta t / h^2`.
    mass : float
        :math:`1 + \Delta t\lambda`; :meth:`set_mass` adds uptake.
    """

    def __init__(self, unknown: NDArray[np.bool_], fixed: NDArray[np.bool_], *, ratio: float, mass: float) -> None:
        self.grid_shape = unknown.shape
        shape3 = tuple(unknown.shape) + (1,) * (3 - unknown.ndim)
        unknown3 = np.ascontiguousarray(unknown.reshape(shape3))
        fixed3 = np.ascontiguousarray(fixed.reshape(shape3))
        faces = []
        for axis in range(3):
            w = np.zeros(shape3)
            lo = [slice(None)] * 3
            hi = [slice(None)] * 3
            lo[axis], hi[axis] = slice(0, -1), slice(1, None)
            both = unknown3[tuple(lo)] & unknown3[tuple(hi)]
            w[tuple(lo)] = np.where(both, ratio, 0.0)
            faces.append(w)
        # a face to a fixed voxel adds `ratio` to the unknown's diagonal: counted in its mass
        to_fixed = np.zeros(shape3)
        for axis in range(3):
            if shape3[axis] < 2:
                continue
            lo = [slice(None)] * 3
            hi = [slice(None)] * 3
            lo[axis], hi[axis] = slice(0, -1), slice(1, None)
            to_fixed[tuple(lo)] += unknown3[tuple(lo)] & fixed3[tuple(hi)]
            to_fixed[tuple(hi)] += unknown3[tuple(hi)] & fixed3[tuple(lo)]
        self.fixed_faces = ratio * to_fixed * unknown3
        self.base_mass = mass
        fine_mass = np.where(unknown3, mass, 0.0) + self.fixed_faces
        self.levels: list[_Level] = []
        level = _Level(unknown3, fine_mass, *faces, np.empty(shape3), np.empty(shape3), 1.0)
        while True:
            n = level.unknown.shape
            coarse = _coarse_shape(n)
            if int(np.prod(n)) <= COARSEST_CELLS or coarse == n:
                _finish(level)
                self.levels.append(level)
                break
            k = sum(1 for a, b in zip(n, coarse, strict=True) if b < a)
            level.scale = 1.0 / 2**k
            _finish(level)
            self.levels.append(level)
            face_scale = 1.0 / 2 ** (k + 1)
            unknown_c = _block_mean(level.unknown.astype(np.float64), coarse, 1.0) > 0.0
            level = _Level(
                unknown_c,
                _block_mean(level.mass, coarse, level.scale),
                *(_coarsen_faces(w, a, coarse, face_scale) for a, w in enumerate((level.wx, level.wy, level.wz))),
                np.empty(coarse),
                np.empty(coarse),
                1.0,
            )
        self._scratch = [np.empty(lv.unknown.shape) for lv in self.levels]

    def coarse_view(self) -> Hierarchy:
        """Return the hierarchy from the second level down: the same step's operator on a grid twice as coarse.

        It shares the level objects, so :meth:`set_mass` on this hierarchy updates it.
        """
        if len(self.levels) < 2:
            raise ValueError("the grid is too small to coarsen")
        view = object.__new__(Hierarchy)
        view.grid_shape = self.levels[1].unknown.shape
        view.fixed_faces = np.zeros(view.grid_shape)
        view.base_mass = self.base_mass
        view.levels = self.levels[1:]
        view._scratch = self._scratch[1:]
        return view

    @property
    def fine(self) -> _Level:
        """The finest level (the grid of the field, as a 3D view)."""
        return self.levels[0]

    def set_mass(self, mass: NDArray[np.float64]) -> None:
        """Replace the fine mass (``1 + Δt(λ + u)`` per voxel, grid-shaped) and rebuild the coarse masses."""
        fine = self.levels[0]
        mass = np.broadcast_to(np.asarray(mass, dtype=np.float64), self.grid_shape).reshape(fine.unknown.shape)
        fine.mass = np.where(fine.unknown, mass, 0.0) + self.fixed_faces
        _finish(fine)
        for upper, lower in zip(self.levels[:-1], self.levels[1:], strict=True):
            lower.mass = _block_mean(upper.mass, lower.unknown.shape, upper.scale)
            _finish(lower)

    def v_cycle(self, residual: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return one symmetric V-cycle's approximation of ``A^{-1} residual`` (grid-shaped, 3D view)."""
        return self._cycle(0, residual)

    def _cycle(self, index: int, b: NDArray[np.float64]) -> NDArray[np.float64]:
        level = self.levels[index]
        x = np.zeros(level.unknown.shape)
        if index == len(self.levels) - 1:
            for _ in range(COARSEST_SWEEPS):
                _smooth(x, b, level.inverse, level.wx, level.wy, level.wz, True)
                _smooth(x, b, level.inverse, level.wx, level.wy, level.wz, False)
            return x
        for _ in range(SMOOTHING_SWEEPS):
            _smooth(x, b, level.inverse, level.wx, level.wy, level.wz, True)
        coarse_b = self._scratch[index + 1]
        _restrict_residual(x, b, level.diagonal, level.wx, level.wy, level.wz, coarse_b, level.scale)
        correction = self._cycle(index + 1, coarse_b)
        _prolong_add(x, level.diagonal, correction)
        for _ in range(SMOOTHING_SWEEPS):
            _smooth(x, b, level.inverse, level.wx, level.wy, level.wz, False)
        return x

    def solve(
        self, b: NDArray[np.float64], x: NDArray[np.float64], *, scale: float | None = None
    ) -> tuple[NDArray[np.float64], int]:
        r"""Solve ``A x = b`` by V-cycle-preconditioned conjugate gradients from ``x``.

        Stops when :math:`\|b - Ax\|_\infty \le \tau s` (τ = :data:`RESIDUAL_TOLERANCE`, ``s = scale``, by default
        :math:`\|b\|_\infty`); every value is then within :math:`\tau s` of the exact solution. ``b`` and ``x`` are
        grid-shaped (the shape given at construction) and 0 at cells that are no unknowns; returns the solution
        (same shape) and the number of iterations.
        """
        fine = self.levels[0]
        shape3 = fine.unknown.shape
        b = np.ascontiguousarray(b, dtype=np.float64).reshape(shape3)
        x = np.array(x, dtype=np.float64).reshape(shape3)
        target = RESIDUAL_TOLERANCE * (float(np.abs(b).max()) if scale is None else scale)
        product = np.empty(shape3)
        _apply(x, fine.diagonal, fine.wx, fine.wy, fine.wz, product)
        residual = b - product
        direction = np.zeros(shape3)
        rz_previous = 1.0
        largest = float(np.abs(residual).max())
        flat = (x.ravel(), residual.ravel(), direction.ravel(), product.ravel())
        for iteration in range(MAX_ITERATIONS + 1):
            if largest <= target:
                return x.reshape(self.grid_shape), iteration
            if iteration == MAX_ITERATIONS:
                break
            z = self.v_cycle(residual)
            rz = _new_direction(flat[2], z.ravel(), flat[1], rz_previous)
            _apply(direction, fine.diagonal, fine.wx, fine.wy, fine.wz, product)
            largest = _cg_step(*flat, rz)
            rz_previous = rz
        raise RuntimeError(f"multigrid conjugate gradients did not reach a residual of {RESIDUAL_TOLERANCE}")

    def apply(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return ``A x`` (grid-shaped)."""
        fine = self.levels[0]
        out = np.empty(fine.unknown.shape)
        _apply(np.ascontiguousarray(x, dtype=np.float64).reshape(out.shape), fine.diagonal, fine.wx, fine.wy,
               fine.wz, out)  # fmt: skip
        return out.reshape(self.grid_shape)


@numba.njit(cache=True)
def _new_direction(direction, z, residual, rz_previous):
    """``rz = residual·z``; ``direction = z + (rz / rz_previous) direction``; returns ``rz`` (serial sums)."""
    rz = 0.0
    for i in range(z.shape[0]):
        rz += residual[i] * z[i]
    beta = rz / rz_previous
    for i in range(z.shape[0]):
        direction[i] = z[i] + beta * direction[i]
    return rz


@numba.njit(cache=True)
def _cg_step(x, residual, direction, product, rz):
    """``x += a d``, ``residual -= a A d`` with ``a = rz / (d·A d)``; returns the largest residual magnitude."""
    curvature = 0.0
    for i in range(x.shape[0]):
        curvature += direction[i] * product[i]
    step = rz / curvature
    largest = 0.0
    for i in range(x.shape[0]):
        x[i] += step * direction[i]
        residual[i] -= step * product[i]
        largest = max(largest, abs(residual[i]))
    return largest
