"""Niche agents: grid kernels, scenario validation, the pure step, fates and signal maps."""

from __future__ import annotations

import numpy as np
import pytest

from dormancy.errors import InputError
from dormancy.niche.agents import (
    CYCLING,
    DORMANT,
    PARALLEL_DRAWS,
    _migrate_parallel,
    _migrate_serial,
    box_sum,
    count_grid,
    migrate,
    uniforms,
    voxel_of,
)
from dormancy.niche.model import _arrivals, build_niche_model, dtc_inputs, immune_kill_rate, init, step
from dormancy.niche.scenario import (
    default_niche_scenario,
    dump_niche_scenario,
    load_niche_scenario,
    niche_scenario_from_dict,
)
from dormancy.rng import agent_uniforms


@pytest.fixture(scope="module")
def small_model():
    scenario = default_niche_scenario(domain={"size_um": 300.0}, days=1.0, dtc={"count": 60}, seed=3)
    return build_niche_model(scenario)


def test_box_sum_equals_brute_force_in_2d_and_3d():
    generator = np.random.default_rng(0)
    for shape in ((9, 7), (6, 5, 4)):
        grid = generator.integers(0, 3, size=shape).astype(float)
        for half in (0, 1, 2):
            expected = np.zeros(shape)
            for index in np.ndindex(shape):
                window = tuple(slice(max(i - half, 0), i + half + 1) for i in index)
                expected[index] = grid[window].sum()
            np.testing.assert_array_equal(box_sum(grid, half), expected)


def test_count_grid_counts_and_weights():
    voxels = np.array([[0, 1], [0, 1], [2, 2]])
    counts = count_grid(voxels, (3, 3))
    assert counts[0, 1] == 2 and counts[2, 2] == 1 and counts.sum() == 3
    weighted = count_grid(voxels, (3, 3), np.array([0.5, 0.25, 2.0]))
    assert weighted[0, 1] == 0.75 and weighted[2, 2] == 2.0


def test_migration_climbs_the_gradient_and_never_enters_blocked_voxels():
    shape = (20, 20)
    x = np.arange(20, dtype=float)[:, None] * np.ones(shape)
    blocked = np.zeros(shape, dtype=bool)
    blocked[15:, :] = True
    position = np.full((50, 2), 105.0)
    options = dict(
        blocked=blocked,
        adhesive=np.zeros(shape, dtype=bool),
        spacing_um=10.0,
        gradient_half_per_um=0.01,
        adhesion=0.0,
    )
    moved = migrate(
        position,
        np.zeros((50, 2)),
        attractant=x,
        speed_um_per_min=1.0,
        motility_um2_per_min=0.0,
        dt_min=10.0,
        **options,
    )
    # gradient 0.1/µm along x: drift = 1 µm/min × 10 min × 0.1 / (0.1 + 0.01)
    np.testing.assert_allclose(moved[:, 0], 105.0 + 10.0 * 0.1 / 0.11)
    np.testing.assert_allclose(moved[:, 1], 105.0)
    for repeat in range(5):
        walk = np.random.default_rng(repeat).normal(size=(50, 2))
        position = migrate(
            position, walk, attractant=x, speed_um_per_min=5.0, motility_um2_per_min=50.0, dt_min=10.0, **options
        )
        assert not blocked[tuple(voxel_of(position, 10.0, shape).T)].any()
        assert (position >= 0).all() and (position < 200).all()


def test_serial_and_threaded_migration_kernels_agree_to_the_bit():
    rng = np.random.default_rng(4)
    shape = (30, 30, 30)
    attractant = rng.uniform(size=shape)
    blocked = rng.uniform(size=shape) < 0.2
    adhesive = rng.uniform(size=shape) < 0.3
    position = rng.uniform(0.0, 300.0, size=(2000, 3))
    normals = rng.normal(size=(2000, 3))
    args = (attractant, blocked, adhesive, 10.0, 2.0, 0.01, 30.0, 0.5, 60.0)
    serial, threaded = np.empty_like(position), np.empty_like(position)
    _migrate_serial(position, normals, *args, serial)
    _migrate_parallel(position, normals, *args, threaded)
    assert np.array_equal(serial, threaded)
    assert not np.array_equal(serial, position)


def test_adhesion_slows_cells_on_adhesive_voxels():
    shape = (10, 10)
    normals = np.ones((1, 2))
    common = dict(
        attractant=None,
        blocked=np.zeros(shape, dtype=bool),
        spacing_um=10.0,
        speed_um_per_min=0.0,
        gradient_half_per_um=1.0,
        motility_um2_per_min=1.0,
        dt_min=2.0,
    )
    free = migrate(np.array([[50.0, 50.0]]), normals, adhesive=np.zeros(shape, dtype=bool), adhesion=0.8, **common)
    stuck = migrate(np.array([[50.0, 50.0]]), normals, adhesive=np.ones(shape, dtype=bool), adhesion=0.8, **common)
    np.testing.assert_allclose(stuck - 50.0, 0.2 * (free - 50.0))


def test_scenario_round_trips_and_errors_name_fields(tmp_path):
    scenario = default_niche_scenario()
    path = tmp_path / "niche.yaml"
    path.write_text(dump_niche_scenario(scenario), encoding="utf-8")
    assert load_niche_scenario(path) == scenario
    data = scenario.to_dict() | {"days": -1, "fields": ["O2", "NOPE"], "parameters": {"nk_kill_rate": 1e3}}
    with pytest.raises(InputError) as caught:
        niche_scenario_from_dict(data, source="x.yaml")
    fields = {problem.field for problem in caught.value.problems}
    assert {"days", "fields", "parameters.nk_kill_rate"} <= fields
    with pytest.raises(InputError, match="format"):
        niche_scenario_from_dict({"format": "dormancy.scenario"})
    with pytest.raises(InputError, match=r"dtc"):
        niche_scenario_from_dict(scenario.to_dict() | {"dtc": {"seeding": "trickle", "per_day": 0}})


def test_step_is_pure_and_ids_are_unique_sorted_and_never_reused(small_model):
    state = init(small_model)
    seen: set[int] = set(state.residents.id.tolist())
    fields_before = state.fields.copy()
    after = step(state, small_model, 0)
    np.testing.assert_array_equal(state.fields, fields_before)
    assert len(state.dtcs) == 0 and after.step == 1
    for k in range(1, 15):
        ids = after.dtcs.id
        assert (np.diff(ids) > 0).all()
        new = set(ids.tolist()) - seen
        assert all(i >= min(new, default=after.next_id) for i in new)
        seen |= set(ids.tolist())
        assert after.next_id > max(seen)
        after = step(after, small_model, k)
    assert after.counter("arrived") == 60
    alive = len(after.dtcs)
    died = after.counter("apoptosis") + after.counter("immune_killed")
    assert alive == 60 + after.counter("divided") - died
    g = small_model.geometry
    assert not small_model.blocked[tuple(voxel_of(after.dtcs.position_um, g.spacing_um, g.shape).T)].any()
    assert set(np.unique(after.dtcs.state)) <= {CYCLING, DORMANT}
    with pytest.raises(ValueError, match="step_index"):
        step(after, small_model, 0)


def test_cells_land_in_marrow_voxels_touching_a_vessel(small_model):
    arrived, count = _arrivals(small_model, init(small_model))
    assert count == 60
    g = small_model.geometry
    voxels = voxel_of(arrived.position_um, g.spacing_um, g.shape)
    assert g.marrow[tuple(voxels.T)].all()
    np.testing.assert_array_equal(g.distance_to_vessel_um()[tuple(voxels.T)], g.spacing_um)
    np.testing.assert_array_equal(arrived.landing_niche, small_model.niche_map[tuple(voxels.T)])


def test_oxygen_maps_through_the_switch_reference(small_model):
    state = step(init(small_model), small_model, 0)
    inputs, local = dtc_inputs(small_model, state)
    switch = small_model.switch
    oxygen = inputs[:, switch.wiring.inputs.index("O2")]
    expected = np.minimum(1.0, local["field_O2"] / 760.0 / switch.oxygen_reference_fraction)
    np.testing.assert_allclose(oxygen, expected)
    assert (inputs >= 0).all() and (inputs <= 1).all()


def test_immune_killing_falls_with_pdl1_and_suppression(small_model):
    ones = np.ones(3)
    rate = immune_kill_rate(small_model, ones, ones, np.zeros(3), np.array([0.0, 0.5, 1.0]))
    assert rate[0] > rate[1] > rate[2] > 0
    suppressed = immune_kill_rate(small_model, ones, ones, np.full(3, 3.0), np.zeros(3))
    assert (suppressed < rate[0]).all()
    assert (immune_kill_rate(small_model, np.zeros(3), np.zeros(3), np.zeros(3), np.zeros(3)) == 0).all()


def test_compiled_uniforms_are_bit_identical_to_the_reference_philox():
    ids = np.array([0, 1, 5, 2**33 + 7, 123456789, 2**62 + 3], dtype=np.int64)
    for n_draws in (1, 2, 3, 5):
        for stream in (0, 4):
            np.testing.assert_array_equal(
                uniforms(42, ids, 17, n_draws, stream=stream), agent_uniforms(42, ids, 17, n_draws, stream=stream)
            )
    many = np.arange(PARALLEL_DRAWS, dtype=np.int64)  # the threaded kernel
    np.testing.assert_array_equal(uniforms(7, many, 3, 1), agent_uniforms(7, many, 3, 1))
