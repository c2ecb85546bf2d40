r"""The niche's fields, stepped by solvers set up once per model: no set-up, validation or factorisation per step.

:func:`build_field_stepper` prepares, for one geometry, field set and step length, everything the step needs; the
niche model builds one per step length it uses and :meth:`FieldStepper.advance` then advances all fields.

* **Fields without cellular uptake** (every field but O2) take LOD steps (:func:`dormancy.niche.fields.diffuse`,
  ``scheme="lod"``; BioFVM's scheme, Ghaffarizadeh et al. 2016) with **their own number of sub-steps**: the LOD
  scheme is unconditionally stable, so the count comes from accuracy alone, :math:`n_f = \lceil \Delta t \lambda_f /`
  :data:`LOD_DECAY_STEP` :math:`\rceil` (the steady decay length of field f is then within
  :math:`\sqrt{1 + \lambda_f \Delta t / n_f} \le \sqrt{1.05}`, 2.5 %, of the exact one; CXCL12, with
  λ = 0.001/min, takes 2 sub-steps an hour where TSP1 takes 12). The arithmetic is that of ``diffuse`` operation for
  operation, so a sub-step gives bit-identical values (tested), but the Thomas solves run on batches of grid lines
  interleaved in the inner loop, which hides the division latency of each line's recurrence (several times faster
  than one line at a time), and the line tables are built once.
* **Fields with uptake** (O2: cells take up 10–25/min) take one unsplit backward-Euler step,
  :math:`(I + \Delta t(\lambda + u) - \Delta t D\nabla^2) c' = c + \Delta t s` on the voxels outside bone and vessels
  (vessel values moved to the right-hand side), a symmetric positive definite system. Its matrix changes whenever a
  cell moves, so it is not refactorised; instead the matrix without uptake, fixed for the run, is factorised once
  (SuperLU, minimum-degree ordering, up to :data:`DIRECT_SOLVE_VOXELS` free voxels) or given a classical
  (Ruge–Stüben) algebraic multigrid hierarchy (pyamg; larger grids, e.g. 3D; one symmetric V-cycle per iteration),
  and that preconditions conjugate gradients on the current matrix, started from the current field, to a relative
  residual of :data:`CG_TOLERANCE`. The uptake is a diagonal change at a few voxels, so few iterations are needed
  (7–8 in the 2D default scenario and at 50³). The iteration is
  serial and its inner products are NumPy sums (no threaded BLAS), so the result is the same for any thread count.

Every solve is checked in ``tests/test_niche_field_stepper.py``: the LOD path against ``diffuse`` (to 1e-12) and
against the decaying Gaussian; the uptake path against the analytic cosh profile and against the exact steady state
of the coupled O2 problem with cells taking it up.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np
import pyamg
import scipy.sparse
import scipy.sparse.linalg
from numpy.typing import NDArray

from dormancy.jit import serial_and_parallel
from dormancy.niche.fields import CG_TOLERANCE, DIRECT_SOLVE_VOXELS, FieldSpec, backward_euler_matrix
from dormancy.niche.geometry import Geometry

LOD_DECAY_STEP = 0.05
"""Largest :math:`\\lambda \\Delta t` of one LOD sub-step (accuracy of the steady decay length, 2.5 %)."""

MAX_CG_ITERATIONS = 500
"""An uptake field's conjugate gradients give up (``RuntimeError``) after this many iterations (7–12 are usual)."""

LINES_PER_BATCH = 16
"""Grid lines along the contiguous axis solved together (interleaved) by one task of the LOD kernel."""

COLUMNS_PER_BATCH = 64
"""Grid lines along a strided axis solved together (adjacent in memory) by one task of the LOD kernel."""

PARALLEL_VOXELS = 4_000_000
"""From this many voxels on, the LOD kernel runs batches of lines in threads. Measured on the 2-core development
machine at load 3–5: at 100³ one thread took 9.7 ns per voxel and axis, two threads 24 ns (one parallel region per
sub-step and axis; waking threads under load costs more than the sweep); at 100² two threads took ~1 µs."""

TABLE_BYTES = 64 * 2**20
"""Fields' Thomas coefficients are tabulated once (3 arrays per voxel, axis and distinct ``D Δt``) when they take at
most this many bytes (2D sections, small 3D cubes); larger grids compute them in every sweep (one division)."""

_OPEN, _BONE, _VESSEL = 0, 1, 2


@numba.njit(cache=True, inline="always")
def _solve_batch(values, kind, start, count, line_step, elem_step, length, ratio, dirichlet, vessel_value):
    """Solve ``(I - ratio L) x = values`` on a batch of lines of one axis, in place (Thomas, lines interleaved).

    Per line the operations are those of :func:`dormancy.niche.fields._sweep` except that each row divides once
    (by multiplying with the inverse of its pivot).
    """
    cprime = np.empty((length, count))
    dprime = np.empty((length, count))
    for i in range(length):
        for b in range(count):
            p = start + b * line_step + i * elem_step
            k = kind[p]
            if k == 1:
                a, diag, c, d = 0.0, 1.0, 0.0, 0.0
            elif k == 2 and dirichlet:
                a, diag, c, d = 0.0, 1.0, 0.0, vessel_value
            else:
                a = 0.0
                c = 0.0
                diag = 1.0
                if i > 0 and kind[p - elem_step] != 1:
                    a = -ratio
                    diag += ratio
                if i < length - 1 and kind[p + elem_step] != 1:
                    c = -ratio
                    diag += ratio
                d = values[p]
            previous_c = cprime[i - 1, b] if i > 0 else 0.0
            previous_d = dprime[i - 1, b] if i > 0 else 0.0
            inverse = 1.0 / (diag - a * previous_c)
            cprime[i, b] = c * inverse
            dprime[i, b] = (d - a * previous_d) * inverse
    for b in range(count):
        values[start + b * line_step + (length - 1) * elem_step] = dprime[length - 1, b]
    for i in range(length - 2, -1, -1):
        for b in range(count):
            p = start + b * line_step + i * elem_step
            values[p] = dprime[i, b] - cprime[i, b] * values[p + elem_step]


@numba.njit(cache=True, inline="always")
def _solve_batch_tabled(values, kind, start, count, line_step, elem_step, length, lower, cprime, inverse, dirichlet,
                        vessel_value):  # fmt: skip
    """:func:`_solve_batch` with the coefficients from :func:`_coefficients`: the same numbers, no division."""
    dprime = np.empty((length, count))
    for i in range(length):
        for b in range(count):
            p = start + b * line_step + i * elem_step
            k = kind[p]
            d = 0.0 if k == 1 else (vessel_value if k == 2 and dirichlet else values[p])
            previous_d = dprime[i - 1, b] if i > 0 else 0.0
            dprime[i, b] = (d - lower[p] * previous_d) * inverse[p]
    for b in range(count):
        values[start + b * line_step + (length - 1) * elem_step] = dprime[length - 1, b]
    for i in range(length - 2, -1, -1):
        for b in range(count):
            p = start + b * line_step + i * elem_step
            values[p] = dprime[i, b] - cprime[p] * values[p + elem_step]


def _lod_field(values, source, kind, decay, dt, substeps, axis_ptr, starts, counts, line_steps, elem_steps, lengths,
               ratio, dirichlet, vessel_value, tabled, lower, cprime, inverse):  # fmt: skip
    """Advance one field by ``substeps`` LOD steps of ``dt`` in place: reaction per voxel, then a sweep per axis.

    Tasks (batches of lines) of one axis run in parallel (``prange``) in the threaded build; each writes only its
    own lines, so the result does not depend on the number of threads.
    """
    factor = 1.0 + dt * decay
    for _ in range(substeps):
        for p in range(values.shape[0]):
            values[p] = (values[p] + dt * source[p]) / factor
        for axis in range(axis_ptr.shape[0] - 1):
            line_step, elem_step, length = line_steps[axis], elem_steps[axis], lengths[axis]
            for task in numba.prange(axis_ptr[axis], axis_ptr[axis + 1]):
                if tabled:
                    _solve_batch_tabled(values, kind, starts[task], counts[task], line_step, elem_step, length,
                                        lower[axis], cprime[axis], inverse[axis], dirichlet, vessel_value)  # fmt: skip
                else:
                    _solve_batch(values, kind, starts[task], counts[task], line_step, elem_step, length, ratio,
                                 dirichlet, vessel_value)  # fmt: skip


_lod_field_serial, _lod_field_parallel = serial_and_parallel(_lod_field, cache=True)


@numba.njit(cache=True)
def _coefficients(kind, starts, counts, line_step, elem_step, length, ratio, dirichlet, lower, cprime, inverse):
    """Fill the Thomas coefficients of ``(I - ratio L)`` along one axis, per voxel (the matrix is fixed for a run)."""
    for task in range(starts.shape[0]):
        start = starts[task]
        for b in range(counts[task]):
            previous_c = 0.0
            for i in range(length):
                p = start + b * line_step + i * elem_step
                k = kind[p]
                a, diag, c = 0.0, 1.0, 0.0
                if not (k == 1 or (k == 2 and dirichlet)):
                    if i > 0 and kind[p - elem_step] != 1:
                        a = -ratio
                        diag += ratio
                    if i < length - 1 and kind[p + elem_step] != 1:
                        c = -ratio
                        diag += ratio
                inv = 1.0 / (diag - a * previous_c)
                previous_c = c * inv
                lower[p] = a
                cprime[p] = previous_c
                inverse[p] = inv


@dataclass(frozen=True)
class _Axis:
    """Batches of grid lines along one axis: start of each batch, lines in it, and the two strides."""

    starts: NDArray[np.int64]
    counts: NDArray[np.int64]
    line_step: int
    elem_step: int
    length: int


@dataclass(frozen=True)
class _Lines:
    """Every axis's batches packed for :func:`_lod_field` (tasks of axis a: ``axis_ptr[a]:axis_ptr[a + 1]``)."""

    axis_ptr: NDArray[np.int64]
    starts: NDArray[np.int64]
    counts: NDArray[np.int64]
    line_steps: NDArray[np.int64]
    elem_steps: NDArray[np.int64]
    lengths: NDArray[np.int64]

    @classmethod
    def pack(cls, axes: Sequence[_Axis]) -> _Lines:
        return cls(
            axis_ptr=np.cumsum([0] + [len(a.starts) for a in axes]).astype(np.int64),
            starts=np.concatenate([a.starts for a in axes]).astype(np.int64),
            counts=np.concatenate([a.counts for a in axes]).astype(np.int64),
            line_steps=np.array([a.line_step for a in axes], dtype=np.int64),
            elem_steps=np.array([a.elem_step for a in axes], dtype=np.int64),
            lengths=np.array([a.length for a in axes], dtype=np.int64),
        )


def _axis_batches(shape: tuple[int, ...], axis: int) -> _Axis:
    length = shape[axis]
    stride = int(np.prod(shape[axis + 1 :], dtype=np.int64))
    outer = int(np.prod(shape[:axis], dtype=np.int64))
    if stride > 1:  # lines side by side in memory: a batch is a run of adjacent columns of one slab
        first = np.arange(0, stride, COLUMNS_PER_BATCH)
        starts = (np.arange(outer)[:, None] * length * stride + first[None, :]).ravel()
        counts = np.tile(np.minimum(COLUMNS_PER_BATCH, stride - first), outer)
        return _Axis(starts.astype(np.int64), counts.astype(np.int64), 1, stride, length)
    first = np.arange(0, outer, LINES_PER_BATCH)
    counts = np.minimum(LINES_PER_BATCH, outer - first)
    return _Axis((first * length).astype(np.int64), counts.astype(np.int64), length, 1, length)


@dataclass(frozen=True)
class _UptakeSolver:
    """The unsplit backward-Euler step of one field on the free voxels, with a preconditioner fixed for the run."""

    free: NDArray[np.intp]
    base: scipy.sparse.csr_matrix
    diagonal_slots: NDArray[np.intp]
    vessel_term: NDArray[np.float64]
    preconditioner: object
    dt: float


def _v_cycle(levels, coarse_solver, level, b):
    """One multigrid V-cycle for ``A x = b`` from ``x = 0`` (forward Gauss–Seidel down, backward up: symmetric).

    pyamg's own cycle also computes residual norms (threaded BLAS, a third of its time here); this one does not.
    """
    here = levels[level]
    x = np.zeros_like(b)
    here.presmoother(here.A, x, b)
    coarse_b = here.R @ (b - here.A @ x)
    if level + 2 == len(levels):
        coarse_x = coarse_solver(levels[-1].A, coarse_b)
    else:
        coarse_x = _v_cycle(levels, coarse_solver, level + 1, coarse_b)
    x += here.P @ coarse_x
    here.postsmoother(here.A, x, b)
    return x


def _dot(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    return float(np.add.reduce(a * b))  # not BLAS: the same sum for any number of BLAS threads


def _pcg(matrix, b, x, preconditioner) -> NDArray[np.float64]:
    """Preconditioned conjugate gradients from ``x`` to a relative residual of :data:`CG_TOLERANCE`."""
    target = CG_TOLERANCE * math.sqrt(_dot(b, b))
    residual = b - matrix @ x
    direction = np.zeros_like(b)
    rz_previous = 1.0
    for _ in range(MAX_CG_ITERATIONS):
        if math.sqrt(_dot(residual, residual)) <= target:
            return x
        z = preconditioner(residual)
        rz = _dot(residual, z)
        direction = z + (rz / rz_previous) * direction
        product = matrix @ direction
        step = rz / _dot(direction, product)
        x = x + step * direction
        residual = residual - step * product
        rz_previous = rz
    raise RuntimeError(f"conjugate gradients did not reach a relative residual of {CG_TOLERANCE}")


def _uptake_solver(spec: FieldSpec, geometry: Geometry, dt: float) -> _UptakeSolver:
    fixed = geometry.bone | (geometry.vessel if spec.vessel_value is not None else np.zeros_like(geometry.bone))
    free = np.flatnonzero(~fixed.ravel())
    full = backward_euler_matrix(spec, geometry, dt_min=dt, rate=np.full(geometry.shape, spec.decay_per_min))
    rows = full[free]
    base = rows[:, free].tocsr()
    base.sort_indices()
    vessel_term = np.zeros(len(free))
    if spec.vessel_value is not None:
        vessel = np.flatnonzero(geometry.vessel.ravel())
        vessel_term = -(rows[:, vessel] @ np.full(len(vessel), spec.vessel_value))
    slots = np.empty(len(free), dtype=np.intp)
    for row in range(len(free)):  # position of each diagonal entry in the CSR data
        begin, end = base.indptr[row], base.indptr[row + 1]
        slots[row] = begin + int(np.searchsorted(base.indices[begin:end], row))
    if len(free) <= DIRECT_SOLVE_VOXELS:
        factor = scipy.sparse.linalg.splu(
            base.tocsc(), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True}
        )
        preconditioner = factor.solve
    else:
        hierarchy = pyamg.ruge_stuben_solver(
            base,
            coarse_solver="splu",
            presmoother=("gauss_seidel", {"sweep": "forward"}),
            postsmoother=("gauss_seidel", {"sweep": "backward"}),
        )
        preconditioner = functools.partial(_v_cycle, tuple(hierarchy.levels), hierarchy.coarse_solver, 0)
    return _UptakeSolver(free, base, slots, vessel_term, preconditioner, dt)


@dataclass(frozen=True)
class FieldStepper:
    """Solvers of every field for one geometry and one step length, set up once (:func:`build_field_stepper`).

    Parameters
    ----------
    specs : tuple of FieldSpec
        The fields, in array order.
    geometry : Geometry
    dt_min : float
        Step length, minutes.
    uptake_fields : tuple of int
        Indices of the fields with cellular uptake (unsplit implicit step).
    substeps : tuple of int
        LOD sub-steps per step of each field (0 for the uptake fields).
    """

    specs: tuple[FieldSpec, ...]
    geometry: Geometry
    dt_min: float
    uptake_fields: tuple[int, ...]
    substeps: tuple[int, ...]
    _kind: NDArray[np.int8]
    _lines: _Lines
    _solvers: tuple[_UptakeSolver, ...]
    _parallel: bool
    _tables: tuple[tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]] | None, ...]

    def advance(
        self, values: NDArray[np.float64], sources: NDArray[np.float64], uptake: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Return the fields one step of :attr:`dt_min` later (a new array; the inputs are not modified).

        Parameters
        ----------
        values : numpy.ndarray, (n_fields, *shape)
            Concentrations (O2 in mmHg, the others in reference units).
        sources : numpy.ndarray, (n_fields, *shape)
            Production per voxel, units per minute (non-negative).
        uptake : numpy.ndarray, (n_fields, *shape)
            Uptake rate per voxel, 1/min (non-negative; read for the uptake fields only).
        """
        out = np.empty(values.shape)
        flat_out = out.reshape(len(self.specs), -1)
        flat_values = values.reshape(len(self.specs), -1)
        flat_sources = sources.reshape(len(self.specs), -1)
        kernel = _lod_field_parallel if self._parallel else _lod_field_serial
        lines = self._lines
        untabled = np.empty((len(lines.lengths), 1))
        for f, spec in enumerate(self.specs):
            if f in self.uptake_fields:
                solver = self._solvers[self.uptake_fields.index(f)]
                flat_out[f] = self._uptake_step(f, solver, flat_values[f], flat_sources[f], uptake[f].ravel())
                continue
            n = self.substeps[f]
            dt = self.dt_min / n
            ratio = spec.diffusion_um2_per_min * dt / float(self.geometry.spacing_um) ** 2
            tables = self._tables[f]
            flat_out[f] = flat_values[f]
            kernel(flat_out[f], np.ascontiguousarray(flat_sources[f]), self._kind, spec.decay_per_min, dt, n,
                   lines.axis_ptr, lines.starts, lines.counts, lines.line_steps, lines.elem_steps, lines.lengths,
                   ratio, spec.vessel_value is not None, 0.0 if spec.vessel_value is None else float(spec.vessel_value),
                   tables is not None, *(tables or (untabled, untabled, untabled)))  # fmt: skip
        return out

    def _uptake_step(self, f, solver, values, sources, uptake):
        """One unsplit backward-Euler step of an uptake field by preconditioned conjugate gradients."""
        spec, free, dt = self.specs[f], solver.free, solver.dt
        matrix = solver.base.copy()
        matrix.data[solver.diagonal_slots] += dt * uptake[free]
        b = values[free] + dt * sources[free] + solver.vessel_term
        x = _pcg(matrix, b, values[free].copy(), solver.preconditioner)
        result = np.zeros(values.shape)
        if spec.vessel_value is not None:
            result[self.geometry.vessel.ravel()] = spec.vessel_value
        result[free] = np.maximum(x, 0.0)  # the exact solution is non-negative; drop rounding below 0
        return result


def lod_substeps(spec: FieldSpec, dt_min: float) -> int:
    r"""Return the LOD sub-steps a field needs per step of ``dt_min``, at least 1.

    :math:`n = \lceil \lambda \Delta t / 0.05 \rceil` (:data:`LOD_DECAY_STEP`): LOD is unconditionally stable, so
    the count is set by accuracy alone (the steady decay length within 2.5 %).
    """
    return max(1, math.ceil(dt_min * spec.decay_per_min / LOD_DECAY_STEP - 1e-12))


def build_field_stepper(
    specs: Sequence[FieldSpec], geometry: Geometry, dt_min: float, *, uptake_fields: Sequence[str] = ("O2",)
) -> FieldStepper:
    """Set up the solvers of every field for steps of ``dt_min`` minutes.

    Parameters
    ----------
    specs : sequence of FieldSpec
    geometry : Geometry
    dt_min : float
        Step length, minutes.
    uptake_fields : sequence of str
        Names of the fields cells take up (unsplit implicit step); the others take LOD sub-steps.

    Returns
    -------
    FieldStepper
    """
    specs = tuple(specs)
    kind = np.full(geometry.shape, _OPEN, dtype=np.int8)
    kind[geometry.vessel] = _VESSEL
    kind[geometry.bone] = _BONE
    kind = kind.ravel()
    taking_up = tuple(i for i, spec in enumerate(specs) if spec.name in uptake_fields)
    substeps = tuple(0 if i in taking_up else lod_substeps(spec, dt_min) for i, spec in enumerate(specs))
    axes = tuple(_axis_batches(geometry.shape, axis) for axis in range(geometry.ndim))
    keys = {}
    for f, spec in enumerate(specs):
        if f not in taking_up:
            ratio = spec.diffusion_um2_per_min * (float(dt_min) / substeps[f]) / float(geometry.spacing_um) ** 2
            keys[f] = (ratio, spec.vessel_value is not None)
    table_bytes = len(set(keys.values())) * geometry.ndim * 3 * 8 * kind.size
    tables: dict[tuple[float, bool], tuple] = {}
    if table_bytes <= TABLE_BYTES:
        for ratio, dirichlet in set(keys.values()):
            arrays = tuple(np.empty((geometry.ndim, kind.size)) for _ in range(3))
            for a, axis in enumerate(axes):
                _coefficients(kind, axis.starts, axis.counts, axis.line_step, axis.elem_step, axis.length, ratio,
                              dirichlet, *(array[a] for array in arrays))  # fmt: skip
            tables[(ratio, dirichlet)] = arrays
    return FieldStepper(
        specs=specs,
        geometry=geometry,
        dt_min=float(dt_min),
        uptake_fields=taking_up,
        substeps=substeps,
        _kind=kind,
        _lines=_Lines.pack(axes),
        _solvers=tuple(_uptake_solver(specs[i], geometry, float(dt_min)) for i in taking_up),
        _parallel=int(np.prod(geometry.shape)) >= PARALLEL_VOXELS,
        _tables=tuple(tables.get(keys[f]) if f in keys else None for f in range(len(specs))),
    )
