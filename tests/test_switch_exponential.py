"""The compiled exponential integrator of the switch: accuracy, exactness, tolerance proportionality, determinism."""

from decimal import Decimal, getcontext

import numba
import numpy as np
import pytest

from dormancy.signalling import Wiring, load_switch
from dormancy.signalling.exponential import (
    CELL_OK,
    CELL_TOO_MANY_STEPS,
    METHODS,
    _exp_phi123,
    integrate_cells,
)
from dormancy.signalling.switch import SwitchKinetics, integrate_batch

HOURS = np.arange(0.0, 73.0)


@pytest.fixture(scope="module")
def model():
    return load_switch("negative")


@pytest.fixture(scope="module")
def cells(model):
    rng = np.random.default_rng(7)
    inputs = rng.uniform(0.0, 1.0, size=(60, len(model.wiring.inputs)))
    initial = rng.uniform(0.0, 1.0, size=(60, len(model.wiring.internal)))
    return inputs, initial


@pytest.fixture(scope="module")
def reference(model, cells):
    inputs, initial = cells
    return integrate_batch(model.wiring, model.kinetics, initial, inputs, HOURS, rtol=1e-11, atol=1e-13).states


def _phi_reference(z: float) -> tuple[float, float, float, float]:
    getcontext().prec = 60
    exact = Decimal(z).exp()
    zd = Decimal(z)
    if z == 0.0:
        return 1.0, 1.0, 0.5, 1.0 / 6.0
    phi1 = (exact - 1) / zd
    phi2 = (phi1 - 1) / zd
    phi3 = (phi2 - Decimal("0.5")) / zd
    return float(exact), float(phi1), float(phi2), float(phi3)


@pytest.mark.parametrize("z", [0.0, -1e-9, -1e-4, -0.05, -0.1999, -0.2, -0.2001, -0.7, -3.0, -40.0, -700.0])
def test_phi_functions_match_a_60_digit_reference(z):
    for ours, exact in zip(_exp_phi123(z), _phi_reference(z), strict=True):
        assert ours == pytest.approx(exact, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("method", METHODS)
def test_agrees_with_the_dormand_prince_reference_to_the_order_of_the_tolerance(model, cells, reference, method):
    inputs, initial = cells
    result = integrate_cells(model.wiring, model.kinetics, initial, inputs, HOURS, rtol=1e-8, atol=1e-11, method=method)
    assert (result.status == CELL_OK).all()
    assert np.abs(result.states - reference).max() < 1e-5


@pytest.mark.parametrize("method", METHODS)
def test_error_shrinks_with_the_tolerance(model, cells, reference, method):
    inputs, initial = cells
    errors = []
    for rtol in (1e-4, 1e-6, 1e-8):
        result = integrate_cells(
            model.wiring, model.kinetics, initial, inputs, HOURS, rtol=rtol, atol=rtol * 1e-3, method=method
        )
        errors.append(np.abs(result.states - reference).max())
    # The error estimate is of order p (p = 3, 4) and controls steps: 100x tighter tolerance buys >= 10x less error.
    assert errors[1] < errors[0] / 10
    assert errors[2] < errors[1] / 10


@pytest.mark.parametrize("method", METHODS)
def test_exact_for_a_constant_target_whatever_the_step(method):
    # One node without regulators relaxes to its basal activity: x(t) = b + (x0 - b) exp(-t / tau), exactly.
    # Node A has no regulators (basal 0.3); node B is driven by the constant input U alone (padding slot = 1).
    wiring = Wiring(
        internal=("A", "B"),
        inputs=("U",),
        edge_names=("U_activates_B",),
        edge_source=np.array([2]),
        activator_slots=np.array([[1], [0]]),
        inhibitor_slots=np.array([[1], [1]]),
        has_activators=np.array([False, True]),
    )
    kinetics = SwitchKinetics(
        weights=np.array([1.0]),
        hill_coefficient=3.0,
        threshold=0.5,
        time_constant_hours=np.array([2.0, 5.0]),
        basal=np.array([0.3, 0.0]),
    )
    times = np.array([0.0, 0.7, 3.0, 11.0, 500.0])
    result = integrate_cells(wiring, kinetics, np.array([[0.9, 0.1]]), np.array([[0.6]]), times, method=method)
    target_b = 0.6**3 * (1 + 0.5**3) / (0.6**3 + 0.5**3)
    exact_a = 0.3 + (0.9 - 0.3) * np.exp(-times / 2.0)
    exact_b = target_b + (0.1 - target_b) * np.exp(-times / 5.0)
    np.testing.assert_allclose(result.states[:, 0, 0], exact_a, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(result.states[:, 0, 1], exact_b, rtol=1e-13, atol=1e-15)
    # No error at all, so every step grows 5x from 0.01 h: 0.01 (1 + 5 + ... + 5^7) = 976 h >= 500 h after 8 steps.
    assert result.steps[0] == 8
    assert result.rejected[0] == 0


@pytest.mark.parametrize(
    ("method", "least_ratio", "most_ratio"),
    [("etd3rk", 8.0, 16.0), ("etdrk4", 20.0, 64.0), ("etd3rk-lanes", 8.0, 16.0), ("etdrk4-lanes", 20.0, 64.0)],
)
def test_one_step_error_falls_with_the_order_of_the_method(model, cells, method, least_ratio, most_ratio):
    # A single step of size h from a random state (tolerances so loose that it is accepted): its local error is
    # O(h^(p+1)), so halving h divides it by about 2^(p+1): 16 for ETD3RK (p = 3), 32 for ETDRK4 (p = 4).
    inputs, initial = cells
    errors = []
    for h in (0.2, 0.1, 0.05):
        end = np.array([0.0, h])
        exact = integrate_batch(model.wiring, model.kinetics, initial, inputs, end, rtol=1e-12, atol=1e-14).states[-1]
        one = integrate_cells(
            model.wiring, model.kinetics, initial, inputs, end, rtol=1e6, atol=1e6, first_step_hours=h, method=method
        )
        assert (one.steps == 1).all()
        errors.append(np.abs(one.states[-1] - exact).max())
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert (ratios > least_ratio).all()
    assert (ratios < most_ratio).all()


@pytest.mark.parametrize("method", METHODS)
def test_cells_at_rest_take_long_steps(model, method):
    inputs = model.inputs({"O2": 0.8, "NUTRIENTS": 0.6}, cells=3)
    rest = integrate_cells(model.wiring, model.kinetics, 0.2, inputs, np.array([0.0, 2000.0])).states[-1]
    days = np.arange(0.0, 24 * 60 + 1.0, 24.0)
    result = integrate_cells(model.wiring, model.kinetics, rest, inputs, days, method=method)
    # An explicit Runge-Kutta method is held to h < ~3.3 tau_min = 1.65 h here: more than 800 steps for 60 days.
    assert result.steps.max() < 40
    np.testing.assert_allclose(result.states[-1], rest, atol=1e-8)


@pytest.mark.parametrize("method", METHODS)
def test_identical_for_one_or_two_threads(model, cells, method):
    inputs, initial = cells
    previous = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = integrate_cells(model.wiring, model.kinetics, initial, inputs, HOURS, method=method)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = integrate_cells(model.wiring, model.kinetics, initial, inputs, HOURS, method=method)
    finally:
        numba.set_num_threads(previous)
    assert np.array_equal(one.states, two.states)
    assert np.array_equal(one.steps, two.steps)


def test_a_cell_does_not_depend_on_its_batch(model, cells):
    inputs, initial = cells
    batch = integrate_cells(model.wiring, model.kinetics, initial, inputs, HOURS, method="etd3rk")
    alone = integrate_cells(model.wiring, model.kinetics, initial[5:6], inputs[5:6], HOURS, method="etd3rk")
    assert np.array_equal(batch.states[:, 5:6], alone.states)


def test_per_cell_parameters_equal_separate_runs(model, cells):
    inputs, initial = cells
    kinetics = model.kinetics
    slow = SwitchKinetics(
        weights=kinetics.weights,
        hill_coefficient=kinetics.hill_coefficient,
        threshold=kinetics.threshold,
        time_constant_hours=kinetics.time_constant_hours * 2.0,
        basal=kinetics.basal,
    )
    stacked = SwitchKinetics(
        weights=np.stack([kinetics.weights, slow.weights]),
        hill_coefficient=np.stack([kinetics.hill_coefficient] * 2),
        threshold=np.stack([kinetics.threshold] * 2),
        time_constant_hours=np.stack([kinetics.time_constant_hours, slow.time_constant_hours]),
        basal=np.stack([kinetics.basal] * 2),
    )
    both = integrate_cells(model.wiring, stacked, initial[:2], inputs[:2], HOURS, method="etd3rk")
    first = integrate_cells(model.wiring, kinetics, initial[:1], inputs[:1], HOURS, method="etd3rk")
    second = integrate_cells(model.wiring, slow, initial[1:2], inputs[1:2], HOURS, method="etd3rk")
    assert np.array_equal(both.states[:, :1], first.states)
    assert np.array_equal(both.states[:, 1:], second.states)


def test_a_failing_cell_is_reported_not_raised(model, cells):
    inputs, initial = cells
    result = integrate_cells(model.wiring, model.kinetics, initial[:3], inputs[:3], HOURS, max_steps=5)
    assert (result.status == CELL_TOO_MANY_STEPS).all()
    assert not result.ok.any()
    assert np.isnan(result.states[-1]).all()


def test_the_fourth_order_method_needs_fewer_steps_at_equal_tolerance(model, cells):
    inputs, initial = cells
    third = integrate_cells(model.wiring, model.kinetics, initial, inputs, HOURS, method="etd3rk")
    fourth = integrate_cells(model.wiring, model.kinetics, initial, inputs, HOURS, method="etdrk4")
    assert np.median(fourth.steps) < 0.6 * np.median(third.steps)


def test_rejects_an_unknown_method(model, cells):
    inputs, initial = cells
    with pytest.raises(ValueError, match="etd3rk, etdrk4, etd3rk-lanes, etdrk4-lanes"):
        integrate_cells(model.wiring, model.kinetics, initial[:1], inputs[:1], HOURS, method="rk45")


def test_rejects_a_bad_output_grid(model, cells):
    inputs, initial = cells
    with pytest.raises(ValueError, match="strictly increasing"):
        integrate_cells(model.wiring, model.kinetics, initial[:1], inputs[:1], np.array([0.0, 2.0, 1.0]))


@pytest.mark.parametrize("method", METHODS)
def test_states_written_into_an_earlier_calls_array_are_the_same(model, cells, method):
    inputs, initial = cells
    fresh = integrate_cells(model.wiring, model.kinetics, initial, inputs, HOURS, method=method)
    # An earlier call on other cells (one of them failing, so its buffer holds NaN) provides the memory.
    broken = initial[::-1].copy()
    broken[7, 0] = np.nan
    earlier = integrate_cells(model.wiring, model.kinetics, broken, inputs[::-1], HOURS, method=method)
    assert np.isnan(earlier.states).any()
    reused = integrate_cells(model.wiring, model.kinetics, initial, inputs, HOURS, method=method, out=earlier.states)
    assert reused.states is earlier.states
    assert np.array_equal(reused.states, fresh.states)
    assert np.array_equal(reused.steps, fresh.steps)


def test_rejects_an_output_array_it_cannot_write_into(model, cells):
    inputs, initial = cells
    shape = (len(HOURS), 4, len(model.wiring.internal))
    time_major = np.zeros(shape)  # right shape, but each cell's trajectory is not contiguous
    read_only = integrate_cells(model.wiring, model.kinetics, initial[:4], inputs[:4], HOURS).states
    read_only.flags.writeable = False
    for out, message in (
        (np.zeros((len(HOURS), 5, len(model.wiring.internal))), r"shape \(73, 4, 18\)"),
        (np.zeros(shape, dtype=np.float32), "float64"),
        (time_major, "transposed view"),
        (read_only, "writeable"),
    ):
        before = out.copy()
        with pytest.raises(ValueError, match=message):
            integrate_cells(model.wiring, model.kinetics, initial[:4], inputs[:4], HOURS, out=out)
        assert np.array_equal(out, before)
