"""Benchmark: the niche's LOD field solver against the analytic decaying Gaussian and a sparse direct solver.

Four fields with the diffusion and decay constants of ``niche_transport`` (TGF-β1, CXCL12, IL-1β, VEGF) start as the
same narrow Gaussian (σ0 = 30 µm) in the middle of a 1 mm square (2D, 100 × 100 voxels of 10 µm) or cube (3D,
100 × 100 × 100) with no-flux walls, and are advanced 30 minutes. The exact solution is the decaying Gaussian of
variance σ0² + 2Dt per axis and mass e^(−λt), reflected at the walls (method of images). Printed per grid: the
relative L2 error of each field, and the wall time per step (all four fields) of :func:`dormancy.niche.diffuse` with
the default ``scheme="lod"`` (Numba, 2 threads and 1 thread; the results are bit-identical).

Reference, on the 2D problem, measured in the same process: the full (non-split) backward-Euler system
``(I + Δt λ − Δt D ∇²) c' = c`` solved by ``scipy.sparse.linalg.spsolve`` each step (what ``scheme="coupled"``
does), and the same with the matrix factorised once (``splu``) and reused, against the LOD solver on one thread
(the direct solvers are single-threaded); the printout gives the time ratios and their errors at the same step.
Run with ``python -m pytest -m benchmark benchmarks/bench_niche_fields.py -s``.
"""

import time

import numba
import numpy as np
import pytest
import scipy.sparse
import scipy.sparse.linalg

from dormancy.niche import Geometry, diffuse, load_field_specs
from dormancy.niche.fields import backward_euler_matrix

FIELDS = ("TGFB1", "CXCL12", "IL1B", "VEGF")
SIZE_UM, SPACING_UM, SIGMA0_UM, T_END_MIN = 1000.0, 10.0, 30.0, 30.0


def open_box(ndim):
    """Return a 1 mm all-marrow geometry of 100 voxels per axis."""
    n = round(SIZE_UM / SPACING_UM)
    empty = np.zeros((n,) * ndim, dtype=bool)
    return Geometry(spacing_um=SPACING_UM, bone=empty, vessel=empty, sprouting=empty)


def reflected_gaussian_1d(x, centre, variance, length):
    """Return the 1D unit-mass Gaussian with no-flux walls at 0 and ``length`` (images up to ±3 periods)."""
    total = np.zeros_like(x)
    for k in range(-3, 4):
        for image in (2 * k * length + centre, 2 * k * length - centre):
            total += np.exp(-((x - image) ** 2) / (2 * variance))
    return total / np.sqrt(2 * np.pi * variance)


def gaussian_field(geometry, variance):
    """Return the separable reflected Gaussian on the voxel centres."""
    axes = geometry.voxel_centres_um()
    factors = [reflected_gaussian_1d(x, SIZE_UM / 2, variance, SIZE_UM) for x in axes]
    result = factors[0]
    for factor in factors[1:]:
        result = np.multiply.outer(result, factor)
    return result


def exact_fields(specs, geometry, t):
    """Return the exact fields at time ``t``."""
    return np.stack(
        [
            np.exp(-s.decay_per_min * t) * gaussian_field(geometry, SIGMA0_UM**2 + 2 * s.diffusion_um2_per_min * t)
            for s in specs
        ]
    )


def relative_errors(values, exact):
    """Return the relative L2 error of each field."""
    axes = tuple(range(1, values.ndim))
    return np.sqrt(((values - exact) ** 2).sum(axis=axes) / (exact**2).sum(axis=axes))


def run_lod(specs, geometry, dt, steps, threads=None):
    """Return the final fields and the seconds per step of the LOD solver."""
    values = exact_fields(specs, geometry, 0.0)
    diffuse(values, specs=specs, geometry=geometry, dt_min=dt, threads=threads)  # compile / load the kernel
    start = time.perf_counter()
    for _ in range(steps):
        values = diffuse(values, specs=specs, geometry=geometry, dt_min=dt, threads=threads)
    return values, (time.perf_counter() - start) / steps


@pytest.mark.benchmark
@pytest.mark.parametrize(("ndim", "dt"), [(2, 0.5), (3, 0.5)], ids=["2D", "3D"])
def test_lod_against_the_analytic_decaying_gaussian(ndim, dt):
    specs = load_field_specs(FIELDS)
    geometry = open_box(ndim)
    steps = round(T_END_MIN / dt)
    values, per_step = run_lod(specs, geometry, dt, steps, threads=numba.config.NUMBA_NUM_THREADS)
    one_thread, per_step_one = run_lod(specs, geometry, dt, steps, threads=1)
    assert one_thread.tobytes() == values.tobytes()
    errors = relative_errors(values, exact_fields(specs, geometry, T_END_MIN))
    print(f"\n{ndim}D {geometry.shape}, 4 fields, Δt = {dt} min, {steps} steps")
    for spec, error in zip(specs, errors, strict=True):
        print(f"  {spec.name:7s} D = {spec.diffusion_um2_per_min:7.0f} µm²/min  relative L2 error {error:.2e}")
    for threads, seconds in ((numba.config.NUMBA_NUM_THREADS, per_step), (1, per_step_one)):
        print(
            f"  LOD, {threads} thread(s): {seconds * 1e3:.1f} ms per step (4 fields), "
            f"{seconds / values.size * 1e9:.1f} ns per voxel-field"
        )
    assert np.all(errors < 0.05)


@pytest.mark.benchmark
def test_lod_against_a_sparse_direct_backward_euler_solve():
    specs = load_field_specs(FIELDS)
    geometry = open_box(2)
    dt = 0.5
    steps = round(T_END_MIN / dt)
    exact = exact_fields(specs, geometry, T_END_MIN)
    lod, lod_step = run_lod(specs, geometry, dt, steps, threads=1)
    initial = exact_fields(specs, geometry, 0.0)
    zero_rate = np.zeros(geometry.shape)
    start = time.perf_counter()
    direct = initial.reshape(len(specs), -1).copy()
    for _ in range(steps):
        for f, spec in enumerate(specs):
            matrix = backward_euler_matrix(spec, geometry, dt_min=dt, rate=zero_rate + spec.decay_per_min)
            direct[f] = scipy.sparse.linalg.spsolve(matrix.tocsc(), direct[f])
    spsolve_step = (time.perf_counter() - start) / steps
    start = time.perf_counter()
    factors = [
        scipy.sparse.linalg.splu(
            backward_euler_matrix(spec, geometry, dt_min=dt, rate=zero_rate + spec.decay_per_min).tocsc()
        )
        for spec in specs
    ]
    factored = initial.reshape(len(specs), -1).copy()
    for _ in range(steps):
        for f in range(len(specs)):
            factored[f] = factors[f].solve(factored[f])
    splu_step = (time.perf_counter() - start) / steps
    direct = direct.reshape(lod.shape)
    assert scipy.sparse.issparse(backward_euler_matrix(specs[0], geometry, dt_min=dt, rate=zero_rate))
    assert np.allclose(direct, factored.reshape(lod.shape), rtol=1e-9, atol=1e-15)
    lod_errors, direct_errors = relative_errors(lod, exact), relative_errors(direct, exact)
    print(f"\n2D {geometry.shape}, 4 fields, Δt = {dt} min, {steps} steps")
    print(
        f"  LOD (Numba, 1 thread):            {lod_step * 1e3:8.2f} ms/step, max rel. L2 error {lod_errors.max():.2e}"
    )
    print(
        f"  full BE, spsolve each step:       {spsolve_step * 1e3:8.2f} ms/step, max rel. L2 error "
        f"{direct_errors.max():.2e}  -> LOD is {spsolve_step / lod_step:.1f}x faster"
    )
    print(
        f"  full BE, splu once + solve:       {splu_step * 1e3:8.2f} ms/step (factorisation included) "
        f"-> LOD is {splu_step / lod_step:.1f}x faster"
    )
    assert np.all(lod_errors < 0.05) and np.all(direct_errors < 0.05)
