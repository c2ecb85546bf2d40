r"""Reaction–diffusion fields of the niche: oxygen, signalling factors and drug on the voxel grid.

Every field obeys

.. math:: \partial_t c = D \nabla^2 c - \lambda c - u(x) c + s(x)

with no flux across the domain's edges and into bone, and ``c = c_v`` held in vessel voxels when the field has a
vessel value. One time step is the locally one-dimensional (LOD) scheme of BioFVM (Ghaffarizadeh et al. 2016,
``ghaffarizadeh2016``): first the reaction, implicitly and voxel by voxel, ``c* = (c + Δt s) / (1 + Δt (λ + u))``;
then one backward-Euler diffusion solve along each axis in turn, ``(1 - Δt D ∂²_axis) c** = c*``, each a
tridiagonal system per grid line solved by the Thomas algorithm. Every sub-step is an M-matrix solve, so the scheme is
unconditionally stable and keeps non-negative fields non-negative; it is first order in Δt (the splitting error), and
second order in space (the finite-volume 3-point Laplacian). The diffusion sweeps conserve mass exactly (each
matrix has unit column sums) when there is no Dirichlet voxel, and a uniform field without sources decays by
exactly ``1 / (1 + λ Δt)`` per step.

The splitting has a cost at long steps: the fixed point of a LOD step solves ``λ c = D (1 + (λ + u) Δt) ∇²c + s``
instead of ``λ c = D ∇²c + s``, so a steady profile's decay length is ``√(1 + (λ + u) Δt)`` times too long. Keep
``(λ + u) Δt`` well below 1 where the profile matters (for TGF-β, λ ≈ 0.01/min: Δt ≲ 5 min for 2.5%), or use
``scheme="coupled"``: the unsplit backward-Euler step ``(I + Δt(λ + u) − Δt D ∇²) c' = c + Δt s``, solved by SuperLU
on grids up to :data:`DIRECT_SOLVE_VOXELS` voxels and by Jacobi-preconditioned conjugate gradients (serial, relative
residual :data:`CG_TOLERANCE`) above; it is exact at steady state, conserves mass, keeps fields non-negative and has
no splitting error, at a higher cost (30–55 ms per field at 2D 100², ~0.25 s per field at 50³ and several seconds at
100³; see benchmarks/README.md). Oxygen with cellular uptake (u ≈ 10–25/min in occupied voxels) needs the coupled
scheme at any step of a minute or more.

Units: O2 in mmHg. The signalling factors, exosomal miR-222/223 and the drug are relative concentrations: 1 is the
factor's reference level, the local level at which the niche agents' map from concentration to the switch input is
half-saturated (``c / (1 + c)``); it stands for the level a few cell diameters from a surface lined with secreting
cells at the default secretion rates of ``niche_agents``. It is not calibrated to ng/mL. For the drug, 1 is the
plasma concentration held in vessels while the drug is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numba
import numpy as np
import scipy.sparse
import scipy.sparse.linalg
from numpy.typing import NDArray

from dormancy.errors import InputError, Problem
from dormancy.niche.geometry import Geometry

FIELD_NAMES: tuple[str, ...] = (
    "O2",
    "TGFB1",
    "TGFB2",
    "BMP7",
    "CXCL12",
    "IL1B",
    "VEGF",
    "TSP1",
    "POSTN",
    "MIR222_223",
    "PTHRP",
    "DRUG",
)
"""Names of the fields, in their default order."""

FIELD_UNITS: dict[str, str] = {name: ("mmHg" if name == "O2" else "relative") for name in FIELD_NAMES}
"""Unit of each field: mmHg for oxygen, a relative concentration (1 = reference level) for the others."""

SCHEMES: tuple[str, ...] = ("lod", "coupled")
"""Time-stepping schemes of :func:`diffuse`."""

SMALL_GRID = 200_000
"""Below this many voxel-fields, :func:`diffuse` runs on one thread unless told otherwise."""

_OPEN, _BONE, _VESSEL = 0, 1, 2


@dataclass(frozen=True)
class FieldSpec:
    """Transport constants of one field.

    Parameters
    ----------
    name : str
        One of :data:`FIELD_NAMES`.
    unit : str
        ``"mmHg"`` or ``"relative"`` (1 = the reference level; see the module docstring).
    diffusion_um2_per_min : float
        Diffusion coefficient ``D``, µm²/min.
    decay_per_min : float
        First-order decay rate ``λ``, 1/min.
    vessel_value : float or None
        Value held in vessel voxels (Dirichlet); ``None`` when vessels are ordinary tissue for this field.
    initial : float
        Uniform initial value in marrow and vessel voxels (bone holds 0).
    """

    name: str
    unit: str
    diffusion_um2_per_min: float
    decay_per_min: float
    vessel_value: float | None
    initial: float


def load_field_specs(
    names: Sequence[str] = FIELD_NAMES,
    *,
    parameter_set: str = "niche_transport",
    overrides: Mapping[str, float] | None = None,
) -> tuple[FieldSpec, ...]:
    """Return the transport constants of the named fields from a parameter set of the registry.

    The set holds, per field ``X``, the records ``D_X`` (µm²/min), ``decay_X`` (1/min), ``initial_X`` and, for the
    fields that vessels hold fixed, ``vessel_X``.

    Parameters
    ----------
    names : sequence of str
        Fields wanted, in the order of the returned specs (any subset of :data:`FIELD_NAMES`, no repeats).
    parameter_set : str
        Name of the parameter set.
    overrides : mapping of str to float, optional
        New values by record symbol (``{"vessel_DRUG": 1.0, "D_O2": 5e4}``).

    Returns
    -------
    tuple of FieldSpec

    Raises
    ------
    InputError
        For an unknown field name or override symbol, a repeated name, or a negative or non-finite value.
    """
    from dormancy.params import load_registry

    problems = []
    names = tuple(names)
    for i, name in enumerate(names):
        if name not in FIELD_NAMES:
            problems.append(Problem(f"fields[{i}]", f"one of {', '.join(FIELD_NAMES)}", repr(name)))
    if len(set(names)) != len(names):
        problems.append(Problem("fields", "each field once", ", ".join(names)))
    registry = load_registry()
    if parameter_set not in registry.sets:
        problems.append(Problem("parameter_set", "a parameter set of the registry", repr(parameter_set)))
    if problems:
        raise InputError(problems)
    values = dict(registry.sets[parameter_set].values())
    for symbol, value in (overrides or {}).items():
        if symbol not in values:
            problems.append(Problem(f"overrides.{symbol}", f"a record of {parameter_set}", "no such record"))
        elif not (isinstance(value, int | float) and np.isfinite(value) and value >= 0):
            problems.append(Problem(f"overrides.{symbol}", "a finite non-negative number", repr(value)))
        else:
            values[symbol] = float(value)
    if problems:
        raise InputError(problems)
    return tuple(
        FieldSpec(
            name=name,
            unit=FIELD_UNITS[name],
            diffusion_um2_per_min=values[f"D_{name}"],
            decay_per_min=values[f"decay_{name}"],
            vessel_value=values.get(f"vessel_{name}"),
            initial=values[f"initial_{name}"],
        )
        for name in names
    )


def initial_fields(specs: Sequence[FieldSpec], geometry: Geometry) -> NDArray[np.float64]:
    """Return the initial fields: each spec's initial value, its vessel value in vessels, 0 in bone.

    Parameters
    ----------
    specs : sequence of FieldSpec
    geometry : Geometry

    Returns
    -------
    ndarray, shape (n_fields, *geometry.shape)
    """
    values = np.empty((len(specs), *geometry.shape), dtype=np.float64)
    for i, spec in enumerate(specs):
        values[i] = spec.initial
        if spec.vessel_value is not None:
            values[i][geometry.vessel] = spec.vessel_value
        values[i][geometry.bone] = 0.0
    return values


@numba.njit(parallel=True, cache=True)
def _sweep(values, kind, bases, stride, length, ratio, dirichlet, vessel_value):  # pragma: no cover - compiled
    """Solve ``(I - ratio L) x = values`` along every line of one axis, in place.

    ``L`` is the 3-point Laplacian with no flux at the line's ends and into bone (kind 1); bone rows hold 0 and
    vessel rows (kind 2) hold ``vessel_value`` for fields with ``dirichlet``.
    """
    n_fields = values.shape[0]
    n_lines = bases.shape[0]
    for job in numba.prange(n_fields * n_lines):
        f = job // n_lines
        base = bases[job % n_lines]
        r = ratio[f]
        use_vessel = dirichlet[f]
        vv = vessel_value[f]
        cprime = np.empty(length)
        dprime = np.empty(length)
        previous_c = 0.0
        previous_d = 0.0
        for i in range(length):
            p = base + i * stride
            k = kind[p]
            if k == 1:
                a, b, c, d = 0.0, 1.0, 0.0, 0.0
            elif k == 2 and use_vessel:
                a, b, c, d = 0.0, 1.0, 0.0, vv
            else:
                a = 0.0
                c = 0.0
                b = 1.0
                if i > 0 and kind[p - stride] != 1:
                    a = -r
                    b += r
                if i < length - 1 and kind[p + stride] != 1:
                    c = -r
                    b += r
                d = values[f, p]
            denominator = b - a * previous_c
            previous_c = c / denominator
            previous_d = (d - a * previous_d) / denominator
            cprime[i] = previous_c
            dprime[i] = previous_d
        x = dprime[length - 1]
        values[f, base + (length - 1) * stride] = x
        for i in range(length - 2, -1, -1):
            x = dprime[i] - cprime[i] * x
            values[f, base + i * stride] = x


def _line_bases(shape: tuple[int, ...], axis: int) -> tuple[NDArray[np.int64], int, int]:
    """Return the flat start index of every grid line along ``axis``, the stride along it and its length."""
    strides = np.cumprod((1, *shape[::-1]))[:-1][::-1]
    others = [np.arange(n) * s for a, (n, s) in enumerate(zip(shape, strides, strict=True)) if a != axis]
    bases = np.zeros(1, dtype=np.int64)
    for offsets in others:
        bases = (bases[:, None] + offsets[None, :]).ravel()
    return np.ascontiguousarray(bases, dtype=np.int64), int(strides[axis]), int(shape[axis])


def _neighbour_pairs(geometry: Geometry) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Return the flat indices (i, j) of every pair of face neighbours that are both outside bone."""
    index = np.arange(int(np.prod(geometry.shape))).reshape(geometry.shape)
    tissue = ~geometry.bone
    first, second = [], []
    for axis in range(geometry.ndim):
        low = [slice(None)] * geometry.ndim
        high = [slice(None)] * geometry.ndim
        low[axis], high[axis] = slice(0, -1), slice(1, None)
        pair = tissue[tuple(low)] & tissue[tuple(high)]
        first.append(index[tuple(low)][pair])
        second.append(index[tuple(high)][pair])
    return np.concatenate(first), np.concatenate(second)


def backward_euler_matrix(
    spec: FieldSpec, geometry: Geometry, *, dt_min: float, rate: NDArray[np.float64]
) -> scipy.sparse.csr_matrix:
    r"""Return the matrix of one unsplit backward-Euler step, :math:`I + \Delta t\,(\lambda + u) - \Delta t D \nabla^2`.

    Rows of bone voxels, and of vessel voxels when the field has a vessel value, are identity rows (their right-hand
    side is 0 or the vessel value); a vessel voxel's value enters its marrow neighbours' rows.

    Parameters
    ----------
    spec : FieldSpec
    geometry : Geometry
    dt_min : float
        Time step, minutes.
    rate : ndarray, shape geometry.shape
        Decay plus uptake per voxel, 1/min.

    Returns
    -------
    scipy.sparse.csr_matrix
        Square, one row per voxel (C order).
    """
    n = int(np.prod(geometry.shape))
    coupling = spec.diffusion_um2_per_min * dt_min / float(geometry.spacing_um) ** 2
    first, second = _neighbour_pairs(geometry)
    fixed = geometry.bone.ravel().copy()
    if spec.vessel_value is not None:
        fixed |= geometry.vessel.ravel()
    diagonal = 1.0 + dt_min * np.broadcast_to(rate, geometry.shape).ravel()
    rows = np.concatenate([first, second])
    columns = np.concatenate([second, first])
    free_rows = ~fixed[rows]
    np.add.at(diagonal, rows[free_rows], coupling)
    diagonal[fixed] = 1.0
    off = scipy.sparse.csr_matrix(
        (np.full(int(free_rows.sum()), -coupling), (rows[free_rows], columns[free_rows])), shape=(n, n)
    )
    return (off + scipy.sparse.diags(diagonal)).tocsr()


DIRECT_SOLVE_VOXELS = 40_000
"""Grids up to this many voxels take the coupled step by SuperLU; larger ones by conjugate gradients."""

CG_TOLERANCE = 1e-10
"""Relative residual ``||b - A x|| / ||b||`` at which the conjugate-gradient solve of the coupled step stops."""


@numba.njit(cache=True)
def _apply(x, free, diagonal, coupling, out):  # pragma: no cover - compiled
    """``out = A x`` on the free voxels (3D arrays; 2D grids have nz = 1), 0 elsewhere."""
    nx, ny, nz = x.shape
    for i in range(nx):
        for j in range(ny):
            for k in range(nz):
                if not free[i, j, k]:
                    out[i, j, k] = 0.0
                    continue
                around = 0.0
                if i > 0 and free[i - 1, j, k]:
                    around += x[i - 1, j, k]
                if i < nx - 1 and free[i + 1, j, k]:
                    around += x[i + 1, j, k]
                if j > 0 and free[i, j - 1, k]:
                    around += x[i, j - 1, k]
                if j < ny - 1 and free[i, j + 1, k]:
                    around += x[i, j + 1, k]
                if k > 0 and free[i, j, k - 1]:
                    around += x[i, j, k - 1]
                if k < nz - 1 and free[i, j, k + 1]:
                    around += x[i, j, k + 1]
                out[i, j, k] = diagonal[i, j, k] * x[i, j, k] - coupling * around


@numba.njit(cache=True)
def _pcg(x, b, free, diagonal, coupling, tolerance, max_iterations):  # pragma: no cover - compiled
    """Jacobi-preconditioned conjugate gradients for ``A x = b`` in place (serial: same result on any machine).

    Returns the number of iterations, or -1 when ``max_iterations`` did not reach the tolerance.
    """
    product = np.empty_like(x)
    _apply(x, free, diagonal, coupling, product)
    inverse = np.where(free, 1.0 / diagonal, 0.0)
    residual = b - product
    z = inverse * residual
    direction = z.copy()
    rz = np.sum(residual * z)
    target = tolerance * np.sqrt(np.sum(b * b))
    for iteration in range(max_iterations):
        if np.sqrt(np.sum(residual * residual)) <= target:
            return iteration
        _apply(direction, free, diagonal, coupling, product)
        step = rz / np.sum(direction * product)
        x += step * direction
        residual -= step * product
        z = inverse * residual
        rz_next = np.sum(residual * z)
        direction = z + (rz_next / rz) * direction
        rz = rz_next
    return -1


def _conjugate_gradients(spec, geometry, *, dt, rate, right, start):
    """Solve the coupled step on the free voxels by Jacobi-preconditioned conjugate gradients."""
    shape3 = geometry.shape + (1,) * (3 - geometry.ndim)
    coupling = spec.diffusion_um2_per_min * dt / float(geometry.spacing_um) ** 2
    fixed = geometry.bone | (geometry.vessel if spec.vessel_value is not None else np.zeros_like(geometry.bone))
    free = np.ascontiguousarray(~fixed).reshape(shape3)
    tissue = (~geometry.bone).reshape(shape3).astype(np.float64)
    padded = np.pad(tissue, 1)
    neighbours = sum(
        np.roll(padded, shift, axis)[1:-1, 1:-1, 1:-1] for axis in range(3) for shift in (1, -1) if shape3[axis] > 1
    )
    diagonal = np.ascontiguousarray(
        1.0 + dt * np.broadcast_to(rate, geometry.shape).reshape(shape3) + coupling * neighbours
    )
    b = np.where(free, right.reshape(shape3), 0.0)
    if spec.vessel_value is not None:
        held = np.pad((geometry.vessel.reshape(shape3)).astype(np.float64), 1)
        vessel_neighbours = sum(
            np.roll(held, shift, axis)[1:-1, 1:-1, 1:-1] for axis in range(3) for shift in (1, -1) if shape3[axis] > 1
        )
        b = b + np.where(free, coupling * spec.vessel_value * vessel_neighbours, 0.0)
    x = np.ascontiguousarray(np.where(free, start.reshape(shape3), 0.0))
    iterations = _pcg(x, np.ascontiguousarray(b), free, diagonal, coupling, CG_TOLERANCE, 20 * sum(shape3) + 1000)
    if iterations < 0:
        raise RuntimeError(f"{spec.name}: conjugate gradients did not reach a relative residual of {CG_TOLERANCE}")
    return np.maximum(x, 0.0).reshape(geometry.shape)  # the exact solution is non-negative; drop rounding below 0


def _coupled_step(values, rate, sources, *, specs, geometry, dt):
    """Return one unsplit backward-Euler step per field: SuperLU on small grids, conjugate gradients on large ones."""
    result = np.empty_like(values)
    rate = np.broadcast_to(rate, values.shape)
    direct = int(np.prod(geometry.shape)) <= DIRECT_SOLVE_VOXELS
    for f, spec in enumerate(specs):
        right = values[f] + (0.0 if sources is None else dt * np.asarray(sources[f], dtype=np.float64))
        right = np.array(right, dtype=np.float64)
        right[geometry.bone] = 0.0
        if spec.vessel_value is not None:
            right[geometry.vessel] = spec.vessel_value
        if direct:
            matrix = backward_euler_matrix(spec, geometry, dt_min=dt, rate=rate[f])
            solved = scipy.sparse.linalg.spsolve(matrix.tocsc(), right.ravel()).reshape(geometry.shape)
        else:
            solved = _conjugate_gradients(spec, geometry, dt=dt, rate=rate[f], right=right, start=values[f])
        fixed = geometry.bone | (geometry.vessel if spec.vessel_value is not None else False)
        result[f] = np.where(fixed, right, solved)  # identity rows, exactly (the solver's scaling rounds them)
    return result


def _check_rates(name: str, array: NDArray | None, shape: tuple[int, ...]) -> list[Problem]:
    if array is None:
        return []
    array = np.asarray(array)
    if array.shape != shape:
        return [Problem(name, f"an array of shape {shape}", f"shape {array.shape}")]
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        return [Problem(name, "finite non-negative rates (per minute)", "negative or non-finite entries")]
    return []


def diffuse(
    values: NDArray,
    *,
    specs: Sequence[FieldSpec],
    geometry: Geometry,
    dt_min: float,
    sources: NDArray | None = None,
    uptake: NDArray | None = None,
    threads: int | None = None,
    scheme: str = "lod",
) -> NDArray[np.float64]:
    r"""Advance every field by one unconditionally stable implicit step of the reaction–diffusion equation.

    The equation is :math:`\partial_t c = D\nabla^2 c - \lambda c - u c + s`.

    The step is BioFVM's locally one-dimensional scheme (Ghaffarizadeh et al. 2016, ``ghaffarizadeh2016``): the
    reaction implicitly per voxel, :math:`c^* = (c + \Delta t\, s) / (1 + \Delta t(\lambda + u))`, then a
    backward-Euler diffusion solve along x, y (and z), each a tridiagonal system per line (Thomas algorithm), lines in
    parallel. No flux crosses the domain's edges or enters bone; vessel voxels hold ``vessel_value`` for fields that
    have one. Bone voxels hold 0. The result does not depend on the number of threads (lines are independent).

    Parameters
    ----------
    values : ndarray, shape (n_fields, *geometry.shape)
        Concentrations (O2 in mmHg; others relative).
    specs : sequence of FieldSpec
        One per field, in the order of ``values``.
    geometry : Geometry
    dt_min : float
        Time step, minutes (> 0).
    sources : ndarray, optional
        Same shape as ``values``: production per voxel, concentration units per minute (non-negative).
    uptake : ndarray, optional
        Same shape as ``values``: first-order uptake rate per voxel, 1/min (non-negative).
    threads : int, optional
        Numba threads for this call. Default: Numba's current setting, but one thread for grids of fewer than
        :data:`SMALL_GRID` voxel-fields, where starting threads costs more than it saves (much more on a busy
        machine). The result is the same for any thread count.
    scheme : {"lod", "coupled"}
        ``"lod"`` (default): the split scheme above, fast, first order in Δt, with a steady-state decay length too long
        by ``√(1 + (λ + u) Δt)``. ``"coupled"``: one unsplit backward-Euler step per field
        (:func:`backward_euler_matrix`; SuperLU on small grids, conjugate gradients on large ones), exact at steady
        state, slower and single-threaded.

    Returns
    -------
    ndarray, shape (n_fields, *geometry.shape)
        The new concentrations (a new array; the inputs are not modified).

    Raises
    ------
    InputError
        For arrays of the wrong shape, negative or non-finite rates, a non-positive time step or a bad thread count.
    """
    specs = tuple(specs)
    values = np.asarray(values, dtype=np.float64)
    shape = (len(specs), *geometry.shape)
    problems = []
    if values.shape != shape:
        problems.append(Problem("values", f"an array of shape {shape} (fields, *grid)", f"shape {values.shape}"))
    if not (isinstance(dt_min, int | float) and np.isfinite(dt_min) and dt_min > 0):
        problems.append(Problem("dt_min", "a positive number of minutes", repr(dt_min)))
    problems += _check_rates("sources", sources, shape)
    problems += _check_rates("uptake", uptake, shape)
    if threads is not None and not (isinstance(threads, int) and 1 <= threads <= numba.config.NUMBA_NUM_THREADS):
        problems.append(Problem("threads", f"an integer from 1 to {numba.config.NUMBA_NUM_THREADS}", repr(threads)))
    if scheme not in SCHEMES:
        problems.append(Problem("scheme", f"one of {', '.join(SCHEMES)}", repr(scheme)))
    if problems:
        raise InputError(problems)
    dt = float(dt_min)
    h2 = float(geometry.spacing_um) ** 2
    rate = np.array([spec.decay_per_min for spec in specs]).reshape((-1,) + (1,) * geometry.ndim)
    if uptake is not None:
        rate = rate + np.asarray(uptake, dtype=np.float64)
    kind = np.full(geometry.shape, _OPEN, dtype=np.int8)
    kind[geometry.vessel] = _VESSEL
    kind[geometry.bone] = _BONE
    kind = kind.ravel()
    diffusion = np.array([spec.diffusion_um2_per_min for spec in specs])
    ratio = diffusion * dt / h2
    dirichlet = np.array([spec.vessel_value is not None for spec in specs])
    vessel_value = np.array([0.0 if spec.vessel_value is None else spec.vessel_value for spec in specs])
    if scheme == "coupled":
        return _coupled_step(values, rate, sources, specs=specs, geometry=geometry, dt=dt)
    numerator = values if sources is None else values + dt * np.asarray(sources, dtype=np.float64)
    result = np.ascontiguousarray(numerator / (1.0 + dt * rate)).reshape(len(specs), -1)
    previous_threads = numba.get_num_threads()
    if threads is None and values.size < SMALL_GRID:
        threads = 1
    if threads is not None:
        numba.set_num_threads(threads)
    try:
        for axis in range(geometry.ndim):
            bases, stride, length = _line_bases(geometry.shape, axis)
            _sweep(result, kind, bases, stride, length, ratio, dirichlet, vessel_value)
    finally:
        numba.set_num_threads(previous_threads)
    return result.reshape(shape)
