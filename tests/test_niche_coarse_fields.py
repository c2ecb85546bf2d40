"""Fields on a grid twice as coarse (``field_scheme: implicit`` with ``coarse_field_decay_voxels``).

Checked: the conservative trilinear prolongation (restriction is its exact left inverse; linear fields reproduced),
the amount of a field (exact balance of sources and decay, as on the fine grid), the steady state against the
fine-grid one on a 3D section with 5 % of voxels secreting, which fields are coarsened, and the scenario's validation.
"""

import numpy as np
import pytest

from dormancy.errors import InputError
from dormancy.niche import default_section, initial_fields, load_field_specs
from dormancy.niche import multigrid as multigrid_module
from dormancy.niche.implicit_stepper import build_implicit_stepper, coarse_field_indices
from dormancy.niche.scenario import SWITCH_FIELDS, default_niche_scenario

NAMES = ["TGFB2", "MIR222_223", "PTHRP", "CXCL12", "VEGF"]


@pytest.fixture(scope="module")
def secreting():
    geometry = default_section(ndim=3, size_um=400.0, seed=3)
    specs = load_field_specs(NAMES)
    rng = np.random.default_rng(0)
    sources = np.stack([0.05 * (rng.uniform(size=geometry.shape) < 0.05) * ~geometry.bone for _ in NAMES])
    values = initial_fields(specs, geometry)
    uptake = np.zeros_like(values)
    fine = build_implicit_stepper(specs, geometry, 60.0)
    coarse = build_implicit_stepper(specs, geometry, 60.0, coarse_decay_voxels=10.0)
    return {
        "geometry": geometry,
        "specs": specs,
        "sources": sources,
        "uptake": uptake,
        "coarse": coarse,
        "fine_steady": fine.steady_state(values, sources, uptake),
        "coarse_steady": coarse.steady_state(values, sources, uptake),
    }


def test_restriction_is_the_exact_left_inverse_of_the_conservative_prolongation():
    geometry = default_section(ndim=3, size_um=210.0, seed=5)  # 21 voxels: odd, the last blocks have one child
    unknown = ~geometry.bone
    hierarchy = multigrid_module.Hierarchy(unknown, np.zeros_like(unknown), ratio=10.0, mass=1.1)
    coarse_unknown = hierarchy.levels[1].unknown
    rng = np.random.default_rng(2)
    coarse = rng.uniform(0.0, 1.0, coarse_unknown.shape) * coarse_unknown
    fine = np.empty(unknown.shape)
    multigrid_module.prolong_conservative(coarse, coarse_unknown, unknown, fine)
    back = np.empty(coarse.shape)
    multigrid_module.restrict_mean(fine, unknown, coarse_unknown, back)
    assert np.abs(back - coarse).max() < 1e-13
    assert (fine[~unknown] == 0).all()  # (a rough field may dip below 0 after the shift: the stepper clips at 0)


def test_the_prolongation_reproduces_a_linear_field_inside_the_grid():
    shape = (16, 12, 10)
    unknown = np.ones(shape, dtype=bool)
    coarse_unknown = np.ones((8, 6, 5), dtype=bool)
    centre = [np.arange(n) + 0.5 for n in (8, 6, 5)]
    ci, cj, ck = np.meshgrid(*centre, indexing="ij")
    coarse = 1.0 + 0.3 * ci - 0.2 * cj + 0.1 * ck  # coarse cell centres in coarse units
    fine = np.empty(shape)
    multigrid_module.prolong_conservative(coarse, coarse_unknown, unknown, fine)
    fi, fj, fk = np.meshgrid(*[(np.arange(n) + 0.5) / 2.0 for n in shape], indexing="ij")
    exact = 1.0 + 0.3 * fi - 0.2 * fj + 0.1 * fk
    inner = (slice(2, -2),) * 3  # the outermost blocks: no coarse neighbour outward (own value, block mean kept)
    assert np.abs(fine[inner] - exact[inner]).max() < 1e-12


def test_the_fields_with_long_decay_lengths_are_coarsened():
    geometry = default_section(ndim=3, size_um=200.0, seed=0)
    specs = load_field_specs(SWITCH_FIELDS)
    picked = [specs[f].name for f in coarse_field_indices(specs, geometry, 10.0)]
    assert picked == ["TGFB1", "TGFB2", "BMP7", "CXCL12", "IL1B", "VEGF", "MIR222_223", "PTHRP"]  # not O2, TSP1, POSTN
    assert coarse_field_indices(specs, geometry, None) == ()


def test_a_coarse_step_keeps_the_balance_of_sources_and_decay(secreting):
    geometry, specs, coarse = secreting["geometry"], secreting["specs"], secreting["coarse"]
    rng = np.random.default_rng(4)
    values = rng.uniform(0.0, 1.0, (len(specs), *geometry.shape)) * ~geometry.bone
    new = coarse.advance(values, secreting["sources"], secreting["uptake"])
    for f, spec in enumerate(specs):  # no flux leaves the domain or enters bone: amount' = (amount + dt S)/(1 + dt λ)
        expected = (values[f].sum() + 60.0 * secreting["sources"][f].sum()) / (1.0 + 60.0 * spec.decay_per_min)
        assert new[f].sum() == pytest.approx(expected, rel=1e-4)
    assert coarse.coarse_fields == tuple(range(len(specs)))


@pytest.mark.parametrize(("name", "bound"), [("TGFB2", 0.03), ("MIR222_223", 0.05), ("PTHRP", 0.003),
                                             ("CXCL12", 0.002), ("VEGF", 0.006)])  # fmt: skip
def test_the_coarse_steady_state_is_close_to_the_fine_one(secreting, name, bound):
    """Decay lengths 14.6 (miR) to 173 (CXCL12) voxels; 5 % of voxels secrete (point sources: the hardest case)."""
    f = NAMES.index(name)
    fine, coarse = secreting["fine_steady"][f], secreting["coarse_steady"][f]
    assert np.abs(coarse - fine).max() <= bound * fine.max()
    source = secreting["sources"][f] > 0
    assert np.median(np.abs(coarse - fine)[source] / fine[source]) <= bound / 2


def test_a_field_at_its_coarse_steady_state_costs_no_iteration(secreting):
    coarse = secreting["coarse"]
    coarse.advance(secreting["coarse_steady"], secreting["sources"], secreting["uptake"])
    assert coarse.iterations == [0] * len(NAMES)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"coarse_field_decay_voxels": 10.0}, "null unless field_scheme is implicit"),
        ({"coarse_field_decay_voxels": 2.0, "field_scheme": "implicit"}, "coarse_field_decay_voxels"),
    ],
)
def test_the_scenario_rejects_a_coarse_grid_it_cannot_use(changes, message):
    with pytest.raises(InputError, match=message) as raised:
        default_niche_scenario(**changes)
    assert "coarse_field_decay_voxels" in str(raised.value)


def test_the_niche_model_runs_with_coarse_fields():
    from dormancy.niche import build_niche_model, init, step

    scenario = default_niche_scenario(domain={"ndim": 3, "size_um": 150.0}, dtc={"count": 20}, days=0.1,
                                      field_scheme="implicit", coarse_field_decay_voxels=10.0)  # fmt: skip
    model = build_niche_model(scenario)
    state = init(model)
    after = step(state, model)
    assert np.array_equal(step(state, model).fields, after.fields) and len(after.dtcs) == 20
    assert len(model.field_steppers[0].coarse_fields) == 8
