"""Lanes with their own step (``method="etd3rk-own"``, ``"etdrk4-own"``): a cell's result is its own."""

import numba
import numpy as np
import pytest

from dormancy.signalling import load_switch
from dormancy.signalling.exponential import CELL_NONFINITE, CELL_OK, integrate_cells
from dormancy.signalling.lanes import LANES
from dormancy.signalling.own_lanes import SERIAL_CELLS
from dormancy.signalling.switch import SwitchKinetics, integrate_batch

HOURS = np.arange(0.0, 49.0)
OWN = ("etd3rk-own", "etdrk4-own")
PER_CELL = {"etd3rk-own": "etd3rk", "etdrk4-own": "etdrk4"}


@pytest.fixture(scope="module")
def model():
    return load_switch("negative")


@pytest.fixture(scope="module")
def cells(model):
    rng = np.random.default_rng(11)
    cells = 2 * LANES + 5
    inputs = rng.uniform(0.0, 1.0, size=(cells, len(model.wiring.inputs)))
    initial = rng.uniform(0.0, 1.0, size=(cells, len(model.wiring.internal)))
    return inputs, initial


def _run(model, initial, inputs, method, times=HOURS, kinetics=None, **options):
    return integrate_cells(model.wiring, kinetics or model.kinetics, initial, inputs, times, method=method, **options)


@pytest.mark.parametrize("method", OWN)
def test_each_lane_steps_as_its_cell_would_alone(model, cells, method):
    # Same accepted and rejected steps as the per-cell method, states equal up to rounding (fused multiply-adds),
    # and as accurate against a tight reference.
    inputs, initial = cells
    own = _run(model, initial, inputs, method)
    alone = _run(model, initial, inputs, PER_CELL[method])
    assert own.ok.all()
    assert np.array_equal(own.steps, alone.steps) and np.array_equal(own.rejected, alone.rejected)
    assert np.abs(own.states - alone.states).max() < 1e-10
    reference = integrate_batch(model.wiring, model.kinetics, initial, inputs, HOURS, rtol=1e-11, atol=1e-13).states
    assert np.abs(own.states - reference).max() < 5e-4


@pytest.mark.parametrize("method", OWN)
def test_a_cell_does_not_depend_on_its_block_mates_or_position(model, cells, method):
    inputs, initial = cells
    whole = _run(model, initial, inputs, method)
    order = np.random.default_rng(3).permutation(len(inputs))
    shuffled = _run(model, initial[order], inputs[order], method)
    assert np.array_equal(shuffled.states, whole.states[:, order])
    assert np.array_equal(shuffled.steps, whole.steps[order])
    for cell in (0, LANES - 1, LANES + 3, len(inputs) - 1):
        alone = _run(model, initial[cell : cell + 1], inputs[cell : cell + 1], method)
        assert np.array_equal(alone.states[:, 0], whole.states[:, cell])
    # A population that loses some cells (the niche's case): the survivors are unchanged to the bit.
    survivors = np.setdiff1d(np.arange(len(inputs)), [1, 7, 20])
    after = _run(model, initial[survivors], inputs[survivors], method)
    assert np.array_equal(after.states, whole.states[:, survivors])


def test_serial_and_threaded_kernels_agree_to_the_bit(model):
    rng = np.random.default_rng(5)
    n = SERIAL_CELLS + 40  # above the threshold: the threaded kernel
    inputs = rng.uniform(0.0, 1.0, size=(n, len(model.wiring.inputs)))
    initial = rng.uniform(0.0, 1.0, size=(n, len(model.wiring.internal)))
    threaded = _run(model, initial, inputs, "etdrk4-own")
    previous = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one_thread = _run(model, initial, inputs, "etdrk4-own")
    finally:
        numba.set_num_threads(previous)
    serial = _run(model, initial[:40], inputs[:40], "etdrk4-own")  # below the threshold: the serial kernel
    assert np.array_equal(one_thread.states, threaded.states)
    assert np.array_equal(serial.states, threaded.states[:, :40])


@pytest.mark.parametrize("method", OWN)
def test_per_cell_kinetics_and_an_uneven_output_grid(model, cells, method):
    inputs, initial = cells
    n = len(inputs)
    kinetics = model.kinetics
    tau = np.tile(kinetics.time_constant_hours, (n, 1))
    tau[::2] *= 1.7
    hill = np.tile(kinetics.hill_coefficient, (n, 1))
    hill[::3, 0] = 2.5
    per_cell = SwitchKinetics(
        weights=kinetics.weights,
        hill_coefficient=hill,
        threshold=kinetics.threshold,
        time_constant_hours=tau,
        basal=kinetics.basal,
    )
    times = np.array([0.0, 0.3, 1.0, 2.5, 2.75, 7.0, 20.0, 21.0, 22.0, 40.0])
    reference = integrate_batch(model.wiring, per_cell, initial, inputs, times, rtol=1e-11, atol=1e-13).states
    result = _run(model, initial, inputs, method, times, per_cell, rtol=1e-8, atol=1e-11)
    assert result.ok.all()
    assert np.abs(result.states - reference).max() < 1e-5
    shared = _run(model, initial, inputs, method, times, rtol=1e-8, atol=1e-11)
    assert np.abs(shared.states - result.states).max() > 1e-3


@pytest.mark.parametrize("method", OWN)
def test_a_non_finite_cell_fails_alone(model, cells, method):
    inputs, initial = cells
    bad = initial.copy()
    bad[4, 0] = np.nan
    result = _run(model, bad, inputs, method)
    assert result.status[4] == CELL_NONFINITE and np.isnan(result.states[1:, 4]).all()
    others = np.setdiff1d(np.arange(len(inputs)), [4])
    assert (result.status[others] == CELL_OK).all()
    clean = _run(model, initial, inputs, method)
    assert np.array_equal(result.states[:, others], clean.states[:, others])
