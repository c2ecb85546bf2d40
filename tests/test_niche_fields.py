"""Niche fields: the LOD implicit solver against analytic solutions, conservation, boundaries, thread independence.

Error norms: ``relative L2`` is ``||c - c_exact||_2 / ||c_exact||_2`` over the grid's voxel centres; ``max/c0`` is the
largest absolute error divided by the boundary value.
"""

import os
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest

from dormancy.errors import InputError
from dormancy.niche import FIELD_NAMES, FieldSpec, Geometry, default_section, diffuse, initial_fields, load_field_specs
from dormancy.params import load_registry


def box(shape, *, bone=None, vessel=None, spacing_um=1.0):
    """Return a geometry of the given shape, all marrow unless bone/vessel masks are given."""
    empty = np.zeros(shape, dtype=bool)
    vessel = empty if vessel is None else vessel
    return Geometry(
        spacing_um=spacing_um, bone=empty if bone is None else bone, vessel=vessel, sprouting=np.zeros_like(empty)
    )


def spec(diffusion, decay, vessel_value=None, initial=0.0):
    """Return a field spec with the given constants."""
    return FieldSpec("TGFB1", "relative", diffusion, decay, vessel_value, initial)


def gaussian(geometry, sigma2, centre):
    """Return a unit-mass Gaussian of variance ``sigma2`` per axis sampled at the voxel centres (per voxel volume)."""
    axes = geometry.voxel_centres_um()
    grids = np.meshgrid(*axes, indexing="ij")
    r2 = sum((g - c) ** 2 for g, c in zip(grids, centre, strict=True))
    return np.exp(-r2 / (2 * sigma2)) / (2 * np.pi * sigma2) ** (geometry.ndim / 2)


def run(values, specs, geometry, dt, steps, **kwargs):
    """Advance ``steps`` steps of ``dt``."""
    for _ in range(steps):
        values = diffuse(values, specs=specs, geometry=geometry, dt_min=dt, **kwargs)
    return values


def relative_l2(numerical, exact):
    """Return the relative L2 error."""
    return float(np.linalg.norm(numerical - exact) / np.linalg.norm(exact))


@pytest.mark.parametrize(
    ("shape", "sigma0", "t_end", "dt"),
    [((101, 101), 4.0, 10.0, 0.05), ((41, 41, 41), 3.0, 4.0, 0.05)],
    ids=["2D", "3D"],
)
def test_decaying_gaussian_spreads_and_decays_as_the_analytic_solution(shape, sigma0, t_end, dt):
    # A Gaussian of variance s0² stays Gaussian with variance s0² + 2 D t per axis; decay scales its mass by e^(-λt).
    diffusion, decay = 1.0, 0.05
    geometry = box(shape)
    centre = [n / 2 for n in shape]
    initial = gaussian(geometry, sigma0**2, centre)[None]
    final = run(initial, [spec(diffusion, decay)], geometry, dt, round(t_end / dt))[0]
    exact = np.exp(-decay * t_end) * gaussian(geometry, sigma0**2 + 2 * diffusion * t_end, centre)
    assert relative_l2(final, exact) < 0.01
    assert final.sum() / exact.sum() == pytest.approx(1.0, rel=0.01)
    variance = np.sum(final * (geometry.voxel_centres_um()[0][:, None] - centre[0]) ** 2) / final.sum()
    if geometry.ndim == 2:
        assert variance == pytest.approx(sigma0**2 + 2 * diffusion * t_end, rel=0.01)


@pytest.mark.parametrize("shape", [(80, 4), (80, 3, 3)], ids=["2D", "3D"])
def test_steady_state_with_decay_is_the_cosh_profile(shape):
    # A vessel plane x = 0 held at c0, no flux at the far face x = L: c = c0 cosh((L - x)/ℓ) / cosh(L/ℓ), ℓ = √(D/λ).
    # The LOD steady state has D(1 + λΔt) in place of D (reaction split from diffusion), so λΔt ends at 1e-2.
    diffusion, decay, c0, dt = 64.0, 1.0, 5.0, 1e-2
    vessel = np.zeros(shape, dtype=bool)
    vessel[0] = True
    geometry = box(shape, vessel=vessel)
    specs = [spec(diffusion, decay, vessel_value=c0)]
    values = run(initial_fields(specs, geometry), specs, geometry, 0.05, 100)
    values = run(values, specs, geometry, dt, 300)
    x = geometry.voxel_centres_um()[0] - geometry.voxel_centres_um()[0][0]
    length, ell = x[-1] + 0.5, np.sqrt(diffusion / decay)
    exact = c0 * np.cosh((length - x) / ell) / np.cosh(length / ell)
    profile = values[0].reshape(shape[0], -1)
    assert np.ptp(profile, axis=1).max() < 1e-9 * c0
    assert np.max(np.abs(profile[:, 0] - exact)) / c0 < 0.01
    assert relative_l2(profile[:, 0], exact) < 0.01


def cosh_setup(shape, diffusion, decay, c0):
    """Return a geometry with a vessel plane at x = 0, its field spec and the exact steady cosh profile."""
    vessel = np.zeros(shape, dtype=bool)
    vessel[0] = True
    geometry = box(shape, vessel=vessel)
    x = geometry.voxel_centres_um()[0] - geometry.voxel_centres_um()[0][0]
    length = x[-1] + 0.5

    def exact(effective_diffusion):
        ell = np.sqrt(effective_diffusion / decay)
        return c0 * np.cosh((length - x) / ell) / np.cosh(length / ell)

    return geometry, [spec(diffusion, decay, vessel_value=c0)], exact


@pytest.mark.parametrize("shape", [(80, 4), (40, 3, 3)], ids=["2D", "3D"])
def test_coupled_scheme_reaches_the_exact_steady_state_in_long_steps(shape):
    diffusion, decay, c0 = 64.0, 1.0, 5.0
    geometry, specs, exact = cosh_setup(shape, diffusion, decay, c0)
    values = run(initial_fields(specs, geometry), specs, geometry, 50.0, 3, scheme="coupled")
    profile = values[0].reshape(shape[0], -1)
    assert np.max(np.abs(profile[:, 0] - exact(diffusion))) / c0 < 0.01


def test_lod_steady_state_decay_length_is_stretched_by_the_step():
    # the documented splitting bias: the LOD fixed point has D (1 + λΔt) in place of D
    diffusion, decay, c0, dt = 16.0, 1.0, 5.0, 1.0
    geometry, specs, exact = cosh_setup((80, 3), diffusion, decay, c0)
    values = run(initial_fields(specs, geometry), specs, geometry, dt, 200)
    profile = values[0][:, 0]
    assert np.max(np.abs(profile - exact(diffusion * (1 + decay * dt)))) / c0 < 0.01
    assert np.max(np.abs(profile - exact(diffusion))) / c0 > 0.1


def test_coupled_scheme_conserves_mass_keeps_signs_and_holds_vessels():
    geometry = default_section(size_um=300.0, seed=1)
    rng = np.random.default_rng(2)
    values = rng.uniform(0.0, 1.0, (1, *geometry.shape)) * ~geometry.bone
    closed = [spec(500.0, 0.0)]
    step = diffuse(values, specs=closed, geometry=geometry, dt_min=30.0, scheme="coupled")
    assert abs(step.sum() / values.sum() - 1) < 1e-12
    point = np.zeros_like(values)
    point[0][tuple(np.argwhere(geometry.marrow)[10])] = 1.0
    specs = [spec(1e5, 0.01, vessel_value=0.5)]
    uptake = rng.uniform(0.0, 25.0, (1, *geometry.shape))
    final = diffuse(point, specs=specs, geometry=geometry, dt_min=60.0, uptake=uptake, scheme="coupled")
    assert final.min() >= 0.0
    assert np.all(final[0][geometry.vessel] == 0.5) and np.all(final[0][geometry.bone] == 0.0)


def test_error_falls_first_order_in_the_time_step():
    geometry = box((41, 41))
    specs = [spec(2.0, 0.5)]
    initial = gaussian(geometry, 9.0, [20.5, 20.5])[None]
    t_end = 2.0
    reference = run(initial, specs, geometry, t_end / 512, 512)
    errors = [relative_l2(run(initial, specs, geometry, t_end / n, n), reference) for n in (8, 16, 32)]
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all((orders > 0.85) & (orders < 1.2)), orders


@pytest.mark.parametrize(("ndim", "size"), [(2, 400.0), (3, 200.0)], ids=["2D", "3D"])
def test_mass_is_conserved_with_no_flux_edges_and_bone(ndim, size):
    geometry = default_section(ndim=ndim, size_um=size, spacing_um=10.0, seed=3, n_vessels=0, n_sprouts=0)
    assert geometry.bone.any() and not geometry.vessel.any()
    rng = np.random.default_rng(11)
    values = rng.uniform(0.0, 1.0, (2, *geometry.shape)) * ~geometry.bone
    specs = [spec(1000.0, 0.0), spec(50.0, 0.0)]
    final = run(values, specs, geometry, 2.0, 25)
    assert np.all(final[:, geometry.bone] == 0.0)
    axes = tuple(range(1, final.ndim))
    relative = np.abs(final.sum(axis=axes) - values.sum(axis=axes)) / values.sum(axis=axes)
    assert relative.max() < 1e-12
    assert not np.allclose(final, values)


def test_uniform_field_decays_by_the_implicit_factor_per_step():
    geometry = box((12, 9, 5))
    specs = [spec(300.0, 0.3), spec(10.0, 0.0)]
    values = np.stack([np.full(geometry.shape, 2.0), np.full(geometry.shape, 7.0)])
    final = run(values, specs, geometry, 0.5, 3)
    np.testing.assert_allclose(final[0], 2.0 / (1 + 0.3 * 0.5) ** 3, rtol=1e-13)
    np.testing.assert_allclose(final[1], 7.0, rtol=1e-13)


def test_vessels_hold_their_value_and_fields_stay_non_negative():
    geometry = default_section(size_um=300.0, seed=1)
    assert geometry.vessel.any()
    specs = load_field_specs(("O2", "TGFB1", "DRUG"), overrides={"vessel_DRUG": 1.0})
    rng = np.random.default_rng(5)
    uptake = rng.uniform(0.0, 20.0, (3, *geometry.shape))
    sources = rng.uniform(0.0, 1.0, (3, *geometry.shape)) * (rng.uniform(size=(3, *geometry.shape)) < 0.05)
    values = initial_fields(specs, geometry)
    before = values.copy()
    final = run(values, specs, geometry, 5.0, 10, sources=sources, uptake=uptake)
    assert np.array_equal(values, before)
    assert np.all(final[0][geometry.vessel] == 38.0)
    assert np.all(final[2][geometry.vessel] == 1.0)
    assert np.all(final >= 0.0)
    assert np.all(final[:, geometry.bone] == 0.0)
    # uptake depletes oxygen below the vessel value away from vessels; secretion raises TGF-β1 above 0
    assert final[0][geometry.marrow].min() < 38.0
    assert final[1].max() > 0.0


@pytest.mark.parametrize("dt", [0.01, 1.0, 60.0, 6000.0])
def test_a_point_mass_stays_non_negative_at_any_step(dt):
    geometry = default_section(size_um=300.0, seed=2)
    values = np.zeros((1, *geometry.shape))
    values[0][tuple(np.argwhere(geometry.marrow)[50])] = 1.0
    final = diffuse(values, specs=[spec(1e5, 0.01)], geometry=geometry, dt_min=dt)
    assert final.min() >= 0.0
    # the coupling D Δt / h² reaches 6e6 here; the Thomas solves then round the mass at ~1e-10
    assert final.sum() == pytest.approx(1.0 / (1.0 + 0.01 * dt), rel=1e-8)


def test_sources_add_concentration_per_minute():
    geometry = box((6, 6))
    specs = [spec(100.0, 0.0)]
    sources = np.full((1, *geometry.shape), 0.2)
    final = run(np.zeros((1, *geometry.shape)), specs, geometry, 0.5, 4, sources=sources)
    np.testing.assert_allclose(final, 0.2 * 2.0, rtol=1e-13)


def test_field_specs_come_from_the_registry_with_overrides():
    specs = load_field_specs()
    assert tuple(s.name for s in specs) == FIELD_NAMES
    o2 = specs[0]
    assert (o2.unit, o2.diffusion_um2_per_min, o2.decay_per_min, o2.vessel_value) == ("mmHg", 1e5, 0.1, 38.0)
    assert all(s.vessel_value is None for s in specs if s.name not in ("O2", "DRUG"))
    transport = load_registry().sets["niche_transport"]
    assert all(p.unit for p in transport)
    (drug,) = load_field_specs(["DRUG"], overrides={"vessel_DRUG": 2.0, "D_DRUG": 5e3})
    assert (drug.vessel_value, drug.diffusion_um2_per_min) == (2.0, 5e3)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"names": ["O2", "NOPE"]}, "fields[1]"),
        ({"overrides": {"D_NOPE": 1.0}}, "overrides.D_NOPE"),
        ({"overrides": {"D_O2": -1.0}}, "overrides.D_O2"),
        ({"parameter_set": "nope"}, "parameter_set"),
    ],
)
def test_bad_field_requests_name_the_field(kwargs, field):
    with pytest.raises(InputError, match=field.replace("[", r"\[").replace("]", r"\]")):
        load_field_specs(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"dt_min": 0.0}, "dt_min"),
        ({"values": np.zeros((1, 3, 3))}, "values"),
        ({"sources": -np.ones((1, 4, 4))}, "sources"),
        ({"uptake": np.ones((1, 4, 5))}, "uptake"),
        ({"threads": 0}, "threads"),
        ({"scheme": "adi"}, "scheme"),
    ],
)
def test_bad_diffuse_arguments_name_the_field(kwargs, field):
    geometry = box((4, 4))
    arguments = {"values": np.zeros((1, 4, 4)), "specs": [spec(1.0, 0.0)], "geometry": geometry, "dt_min": 1.0}
    with pytest.raises(InputError, match=field):
        diffuse(**(arguments | kwargs))


DETERMINISM_SCRIPT = """
import sys, numpy as np
from dormancy.niche import default_section, diffuse, initial_fields, load_field_specs
geometry = default_section(ndim=3, size_um=300.0, seed=2)
specs = load_field_specs(("O2", "TGFB1", "CXCL12"))
rng = np.random.default_rng(3)
sources = rng.uniform(0, 1, (3, *geometry.shape))
uptake = rng.uniform(0, 5, (3, *geometry.shape))
values = initial_fields(specs, geometry)
for _ in range(3):
    values = diffuse(values, specs=specs, geometry=geometry, dt_min=2.0, sources=sources, uptake=uptake)
sys.stdout.buffer.write(values.tobytes())
"""


def test_results_do_not_depend_on_the_thread_count():
    geometry = default_section(size_um=500.0, seed=4)
    specs = load_field_specs(("O2", "VEGF"))
    rng = np.random.default_rng(8)
    sources = rng.uniform(0, 1, (2, *geometry.shape))
    values = initial_fields(specs, geometry)
    one = diffuse(values, specs=specs, geometry=geometry, dt_min=3.0, sources=sources, threads=1)
    many = diffuse(
        values, specs=specs, geometry=geometry, dt_min=3.0, sources=sources, threads=numba.config.NUMBA_NUM_THREADS
    )
    assert one.tobytes() == many.tobytes()


@pytest.mark.slow
def test_results_do_not_depend_on_numba_num_threads_in_fresh_processes():
    source = str(Path(__file__).resolve().parents[1] / "src")
    outputs = []
    for threads in ("1", "2"):
        env = os.environ | {"NUMBA_NUM_THREADS": threads, "PYTHONPATH": source}
        result = subprocess.run(
            [sys.executable, "-c", DETERMINISM_SCRIPT], env=env, capture_output=True, check=True, timeout=300
        )
        outputs.append(result.stdout)
    assert len(outputs[0]) == 3 * 30**3 * 8
    assert outputs[0] == outputs[1]


@pytest.mark.slow
@pytest.mark.parametrize("ndim", [2, 3])
def test_coupled_step_by_conjugate_gradients_equals_the_direct_solve(ndim, monkeypatch):
    import dormancy.niche.fields as fields_module

    geometry = default_section(ndim=ndim, size_um=300.0 if ndim == 2 else 200.0, seed=3)
    specs = load_field_specs(("O2", "TGFB1", "DRUG"), overrides={"vessel_DRUG": 1.0})
    rng = np.random.default_rng(4)
    uptake = rng.uniform(0.0, 25.0, (3, *geometry.shape)) * (rng.uniform(size=(3, *geometry.shape)) < 0.1)
    sources = rng.uniform(0.0, 0.1, (3, *geometry.shape))
    values = initial_fields(specs, geometry)
    options = {"specs": specs, "geometry": geometry, "dt_min": 60.0, "sources": sources, "uptake": uptake}
    direct = diffuse(values, scheme="coupled", **options)
    monkeypatch.setattr(fields_module, "DIRECT_SOLVE_VOXELS", 0)
    iterative = diffuse(values, scheme="coupled", **options)
    scale = np.abs(direct).max(axis=tuple(range(1, direct.ndim)), keepdims=True)
    assert np.max(np.abs(iterative - direct) / scale) < 1e-8
    assert iterative.min() >= 0.0
