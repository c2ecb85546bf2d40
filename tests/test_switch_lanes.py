"""Cells as SIMD lanes (``method="etd3rk-lanes"``, ``"etdrk4-lanes"``): accuracy, blocks, per-cell values, failures."""

import numpy as np
import pytest

from dormancy.signalling import load_switch
from dormancy.signalling.exponential import CELL_NONFINITE, CELL_OK, integrate_cells
from dormancy.signalling.lanes import LANES, compressed_slots, distinct_rates, hill_terms
from dormancy.signalling.switch import SwitchKinetics, integrate_batch

HOURS = np.arange(0.0, 49.0)
LANE_METHODS = ("etd3rk-lanes", "etdrk4-lanes")


@pytest.fixture(scope="module")
def model():
    return load_switch("negative")


@pytest.fixture(scope="module")
def cells(model):
    rng = np.random.default_rng(11)
    cells = 2 * LANES + 5  # two full blocks and an incomplete one
    inputs = rng.uniform(0.0, 1.0, size=(cells, len(model.wiring.inputs)))
    initial = rng.uniform(0.0, 1.0, size=(cells, len(model.wiring.internal)))
    return inputs, initial


def _reference(model, kinetics, initial, inputs, times):
    return integrate_batch(model.wiring, kinetics, initial, inputs, times, rtol=1e-11, atol=1e-13).states


def test_hill_terms_are_shared_by_edges_with_the_same_source_and_constants(model):
    source = model.wiring.edge_source.astype(np.int64)
    n_internal = len(model.wiring.internal)
    hill = model.kinetics.hill_coefficient.reshape(1, -1)
    threshold = model.kinetics.threshold.reshape(1, -1)
    term_source, term_edge, term_power, edge_term = hill_terms(source, hill, threshold, n_internal)
    internal = np.flatnonzero(source < n_internal)
    assert (edge_term[internal] >= 0).all()
    assert (edge_term[source >= n_internal] == -1).all()
    # Every edge's term has its source, Hill coefficient and threshold; distinct terms differ in one of them.
    for e in internal:
        u = edge_term[e]
        assert term_source[u] == source[e]
        assert hill[0, term_edge[u]] == hill[0, e]
        assert threshold[0, term_edge[u]] == threshold[0, e]
    keys = {(source[e], hill[0, e], threshold[0, e]) for e in internal}
    assert len(term_source) == len(keys) < len(internal)
    assert set(term_power) <= {3, 4}  # the package network uses n = 3 and 4: powers by multiplication
    # A Hill coefficient that differs between rows (cells) splits nothing it should not, and is computed by pow.
    varied = np.vstack([hill, hill])
    varied[1, internal[0]] = 2.5
    _, _, power_varied, _ = hill_terms(source, varied, np.vstack([threshold, threshold]), n_internal)
    assert 0 in power_varied


def test_compressed_slots_and_rates_index_the_wiring(model):
    wiring = model.wiring
    source = wiring.edge_source.astype(np.int64)
    n_internal = len(wiring.internal)
    pointer, edges = compressed_slots(wiring.activator_slots, source, n_internal)
    for node, row in enumerate(wiring.activator_slots):
        expected = [slot for slot in row if slot < wiring.n_edges and source[slot] < n_internal]
        assert list(edges[pointer[node] : pointer[node + 1]]) == expected
    tau = model.kinetics.time_constant_hours.reshape(1, -1)
    rate_of = distinct_rates(tau)
    assert rate_of.max() + 1 == len(np.unique(tau))
    for i in range(n_internal):
        for j in range(n_internal):
            assert (rate_of[i] == rate_of[j]) == (tau[0, i] == tau[0, j])
    assert np.array_equal(distinct_rates(np.vstack([tau, tau])), np.arange(n_internal))


@pytest.mark.parametrize("method", LANE_METHODS)
def test_as_accurate_as_the_per_cell_method_at_equal_tolerance(model, cells, method):
    # A block steps as finely as its hardest cell, so at equal tolerance no cell is less accurate than with its own
    # step (within a factor for the different step sequence) and the block as a whole is more accurate.
    inputs, initial = cells
    reference = _reference(model, model.kinetics, initial, inputs, HOURS)
    lanes = integrate_cells(model.wiring, model.kinetics, initial, inputs, HOURS, method=method)
    alone = integrate_cells(model.wiring, model.kinetics, initial, inputs, HOURS, method=method.removesuffix("-lanes"))
    assert lanes.ok.all()
    lanes_error = np.abs(lanes.states - reference).max(axis=(0, 2))
    alone_error = np.abs(alone.states - reference).max(axis=(0, 2))
    assert np.median(lanes_error) <= np.median(alone_error)
    assert lanes_error.max() <= 2.0 * alone_error.max()
    assert lanes_error.max() < 1e-3
    # Each cell of a block takes the block's steps: at least as many as the same cell alone needs, on median.
    assert np.median(lanes.steps) >= np.median(alone.steps)


@pytest.mark.parametrize("method", LANE_METHODS)
def test_a_cell_depends_only_on_its_block(model, cells, method):
    inputs, initial = cells
    whole = integrate_cells(model.wiring, model.kinetics, initial, inputs, HOURS, method=method)
    second = slice(LANES, 2 * LANES)
    block = integrate_cells(model.wiring, model.kinetics, initial[second], inputs[second], HOURS, method=method)
    assert np.array_equal(whole.states[:, second], block.states)
    assert np.array_equal(whole.steps[second], block.steps)
    # The incomplete last block is padded with copies of its last cell, which change nothing.
    last = slice(2 * LANES, None)
    tail = integrate_cells(model.wiring, model.kinetics, initial[last], inputs[last], HOURS, method=method)
    assert np.array_equal(whole.states[:, last], tail.states)


@pytest.mark.parametrize("method", LANE_METHODS)
def test_per_cell_kinetics_and_an_uneven_output_grid(model, cells, method):
    # Per-cell time constants (weights exponentials per lane), a non-integer Hill coefficient in some cells (pow
    # instead of multiplication) and an uneven output grid (no exponential recurrence) against the reference.
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
    reference = _reference(model, per_cell, initial, inputs, times)
    result = integrate_cells(model.wiring, per_cell, initial, inputs, times, rtol=1e-8, atol=1e-11, method=method)
    assert result.ok.all()
    assert np.abs(result.states - reference).max() < 1e-5
    # The same cells with shared kinetics give other trajectories: the per-cell values were used.
    shared = integrate_cells(model.wiring, kinetics, initial, inputs, times, rtol=1e-8, atol=1e-11, method=method)
    assert np.abs(shared.states - result.states).max() > 1e-3


@pytest.mark.parametrize("method", LANE_METHODS)
def test_a_non_finite_cell_drops_out_of_its_block(model, cells, method):
    inputs, initial = cells
    broken = initial[:LANES].copy()
    broken[3, 0] = np.nan
    result = integrate_cells(model.wiring, model.kinetics, broken, inputs[:LANES], HOURS, method=method)
    assert result.status[3] == CELL_NONFINITE
    assert np.isnan(result.states[-1, 3]).all()
    others = np.arange(LANES) != 3
    assert (result.status[others] == CELL_OK).all()
    reference = _reference(model, model.kinetics, initial[:LANES][others], inputs[:LANES][others], HOURS)
    assert np.abs(result.states[:, others] - reference).max() < 1e-3
