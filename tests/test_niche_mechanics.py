"""Cell mechanics (PhysiCell's potentials): two-cell relaxation, adhesion equilibrium, packing density, invariants."""

import math

import numba
import numpy as np
import pytest

from dormancy.niche.mechanics import Mechanics, _velocities_parallel, _velocities_serial, pair_velocities, relax


def two_cells(distance, ndim=2):
    position = np.zeros((2, ndim))
    position[1, 0] = distance
    return position


def test_two_cells_pushed_apart_follow_the_analytic_relaxation():
    # No adhesion: d' = 2 c (1 - d/R)^2, so y = 1 - d/R obeys y' = -(2c/R) y^2: 1/y = 1/y0 + 2ct/R.
    mechanics = Mechanics(adhesion_um_per_min=0.0, dt_min=0.01)
    radius = np.full(2, mechanics.radius_um)
    contact = 2 * mechanics.radius_um
    d0 = 0.4 * contact
    for t in (0.5, 2.0, 5.0):
        moved = relax(two_cells(d0), radius, mechanics, t)
        distance = moved[1, 0] - moved[0, 0]
        exact = contact * (1 - 1 / (1 / (1 - d0 / contact) + 2 * mechanics.repulsion_um_per_min * t / contact))
        assert distance == pytest.approx(exact, rel=1e-4)
        assert moved[0, 0] + moved[1, 0] == pytest.approx(d0, abs=1e-12)  # symmetric: the midpoint stays
    # second order in the mechanics step (Adams-Bashforth 2)
    t = 3.0
    exact = contact * (1 - 1 / (1 / (1 - d0 / contact) + 2 * mechanics.repulsion_um_per_min * t / contact))
    errors = []
    for dt in (0.1, 0.05):
        moved = relax(two_cells(d0), radius, Mechanics(adhesion_um_per_min=0.0, dt_min=dt), t)
        errors.append(abs(moved[1, 0] - moved[0, 0] - exact))
    assert 3.5 < errors[0] / errors[1] < 4.5


def test_adhesion_holds_two_cells_at_the_balance_distance():
    mechanics = Mechanics()
    radius = np.full(2, mechanics.radius_um)
    equilibrium = mechanics.equilibrium_distance_um
    assert 2 * mechanics.radius_um * 0.9 < equilibrium < 2 * mechanics.radius_um
    for start in (0.6 * equilibrium, 1.2 * equilibrium):  # pushed apart, or pulled together
        moved = relax(two_cells(start, ndim=3), radius, mechanics, 300.0)
        assert moved[1, 0] - moved[0, 0] == pytest.approx(equilibrium, rel=1e-3)
    far = two_cells(2.6 * mechanics.radius_um)  # beyond the adhesion distance: no force
    assert not pair_velocities(far, radius, mechanics).any()


def test_pair_forces_cancel_so_the_centre_of_mass_stays():
    rng = np.random.default_rng(0)
    position = rng.normal(scale=15.0, size=(60, 3))
    radius = rng.uniform(7.0, 10.0, size=60)
    mechanics = Mechanics()
    velocity = pair_velocities(position, radius, mechanics)
    assert np.abs(velocity.sum(axis=0)).max() < 1e-9 * np.abs(velocity).max()
    moved = relax(position, radius, mechanics, 20.0)
    assert np.allclose(moved.mean(axis=0), position.mean(axis=0), atol=1e-9)
    assert not np.allclose(moved, position)


def test_grid_search_equals_all_pairs():
    rng = np.random.default_rng(1)
    position = rng.uniform(0.0, 120.0, size=(150, 2))
    radius = rng.uniform(6.0, 9.0, size=150)
    mechanics = Mechanics()
    brute = np.zeros_like(position)
    for i in range(len(position)):
        for j in range(len(position)):
            if i == j:
                continue
            delta = position[i] - position[j]
            d = float(np.linalg.norm(delta))
            contact = radius[i] + radius[j]
            reach = mechanics.relative_adhesion_distance * contact
            if d >= reach:
                continue
            speed = mechanics.repulsion_um_per_min * max(0.0, 1 - d / contact) ** 2 * (d < contact)
            speed -= mechanics.adhesion_um_per_min * (1 - d / reach) ** 2
            brute[i] += speed * delta / d
    assert np.allclose(pair_velocities(position, radius, mechanics), brute, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cells", [40, 160])
def test_a_relaxed_colony_packs_at_a_density_independent_of_its_size(cells):
    # Cells dropped into a crowded disc spread until neighbours sit near the balance distance d*: close packing in
    # the plane, one cell per (√3/2) d*² — the same for a small and a four times larger colony.
    mechanics = Mechanics(dt_min=0.2)
    rng = np.random.default_rng(cells)
    angle = rng.uniform(0, 2 * np.pi, cells)
    spread = 0.5 * mechanics.radius_um * math.sqrt(cells) * np.sqrt(rng.uniform(size=cells))
    position = np.stack([spread * np.cos(angle), spread * np.sin(angle)], axis=1)
    moved = relax(position, np.full(cells, mechanics.radius_um), mechanics, 600.0)
    distance = np.linalg.norm(moved[:, None] - moved[None], axis=-1)
    np.fill_diagonal(distance, np.inf)
    nearest = distance.min(axis=1)
    equilibrium = mechanics.equilibrium_distance_um
    assert np.median(nearest) == pytest.approx(equilibrium, rel=0.05)
    assert nearest.min() > 0.8 * equilibrium  # no cell left inside another
    centre = moved.mean(axis=0)
    inner = np.linalg.norm(moved - centre, axis=1)
    radius_half = np.sort(inner)[cells // 2]
    density = (cells // 2) / (np.pi * radius_half**2)
    close_packed = 1 / (np.sqrt(3) / 2 * equilibrium**2)
    assert density == pytest.approx(close_packed, rel=0.2)


def test_walls_and_thread_count():
    mechanics = Mechanics()
    blocked = np.zeros((10, 10), dtype=bool)
    blocked[:, 6:] = True
    position = np.array([[50.0, 52.0], [50.0, 58.0]])
    moved = relax(position, np.full(2, mechanics.radius_um), mechanics, 30.0, blocked=blocked, spacing_um=10.0)
    assert moved[1, 1] < 60.0 and (moved >= 0).all()
    rng = np.random.default_rng(2)
    crowd = rng.uniform(0.0, 300.0, size=(3000, 2))
    radius = np.full(3000, mechanics.radius_um)
    previous = numba.get_num_threads()
    try:
        results = []
        for threads in (1, numba.config.NUMBA_NUM_THREADS):
            numba.set_num_threads(threads)
            results.append(relax(crowd, radius, mechanics, 1.0))
    finally:
        numba.set_num_threads(previous)
    assert np.array_equal(results[0], results[1])
    serial, threaded = np.empty_like(crowd), np.empty_like(crowd)
    arguments = (crowd, radius, 10.0, 0.4, 1.25, 2.5 * mechanics.radius_um)
    _velocities_serial(*arguments, serial)
    _velocities_parallel(*arguments, threaded)
    assert np.array_equal(serial, threaded) and np.abs(serial).max() > 0
