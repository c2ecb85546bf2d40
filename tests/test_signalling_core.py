"""Dormancy-switch machinery: normalised Hill kinetics, the network table, batch integration, bistable memory."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from dormancy.errors import InputError
from dormancy.signalling import (
    SwitchKinetics,
    integrate_batch,
    network_from_mapping,
    normalised_hill,
    switch_rhs,
    target_activity,
    wire,
)


def toy_mapping():
    """p38/ERK mutual antagonism: a dormancy signal drives p38, fibronectin drives ERK [61, 164-166]."""
    return {
        "format": "dormancy.network",
        "version": 1,
        "name": "toy",
        "description": "p38/ERK core",
        "nodes": [
            {"name": "DORMANCY_SIGNAL", "kind": "input", "sources": ["review:61"]},
            {"name": "FIBRONECTIN", "kind": "input", "sources": ["review:164"]},
            {"name": "P38", "kind": "internal", "sources": ["review:61"]},
            {"name": "ERK", "kind": "internal", "sources": ["review:165"]},
        ],
        "edges": [
            {"source": "DORMANCY_SIGNAL", "target": "P38", "effect": "activates", "sources": ["review:61"]},
            {"source": "FIBRONECTIN", "target": "ERK", "effect": "activates", "sources": ["review:164"]},
            {"source": "ERK", "target": "P38", "effect": "inhibits", "sources": ["review:165"]},
            {"source": "P38", "target": "ERK", "effect": "inhibits", "sources": ["review:165"]},
        ],
    }


TOY = network_from_mapping(toy_mapping())
WIRING = wire(TOY)
KINETICS = SwitchKinetics(
    weights=np.array([1.0, 1.0, 0.9, 0.9]),
    hill_coefficient=4.0,
    threshold=0.5,
    time_constant_hours=np.array([1.0, 2.0]),
    basal=np.zeros(2),
)


def test_normalised_hill_maps_0_to_0_and_1_to_1_monotonically():
    x = np.linspace(0.0, 1.0, 101)
    for n, k in [(1.0, 0.5), (3.0, 0.2), (6.0, 0.8)]:
        values = normalised_hill(x, n, k)
        assert values[0] == 0.0 and values[-1] == pytest.approx(1.0, abs=1e-15)
        assert np.all(np.diff(values) > 0)
        assert normalised_hill(k, n, k) == pytest.approx((1 + k**n) / 2)


def test_target_activity_is_or_of_activators_and_not_of_inhibitors():
    activation = np.array([[[0.5, 0.5], [0.0, 0.0]]])
    inhibition = np.array([[[0.5], [0.25]]])
    result = target_activity(activation, inhibition, np.array([True, False]), np.array([0.0, 0.8]))
    np.testing.assert_allclose(result, [[(1 - 0.25) * 0.5, 0.8 * 0.75]])


def test_network_rows_become_index_arrays():
    assert WIRING.internal == ("P38", "ERK") and WIRING.inputs == ("DORMANCY_SIGNAL", "FIBRONECTIN")
    assert WIRING.edge_names[2] == "ERK_inhibits_P38"
    assert WIRING.activator_slots.tolist() == [[0], [1]]
    assert WIRING.inhibitor_slots.tolist() == [[2], [3]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda m: m["edges"].append(
                {"source": "P38", "target": "NOPE", "effect": "activates", "sources": ["review:1"]}
            ),
            "edges[4].target",
        ),
        (
            lambda m: m["edges"].append(
                {"source": "P38", "target": "FIBRONECTIN", "effect": "inhibits", "sources": ["review:1"]}
            ),
            "edges[4].target",
        ),
        (lambda m: m["edges"][0].update(effect="boosts"), "edges[0].effect"),
        (lambda m: m["edges"][0].update(sources=["nobody2020"]), "edges[0].sources"),
        (lambda m: m["edges"][0].update(sources=[]), "edges[0].sources"),
        (lambda m: m["edges"][2].update(source="P38"), "edges[2]"),
        (lambda m: m["nodes"].append({"name": "ORPHAN", "kind": "internal", "sources": ["review:1"]}), "nodes.ORPHAN"),
        (lambda m: m["nodes"][0].update(name="2bad"), "nodes[0].name"),
    ],
)
def test_bad_network_rows_are_reported_by_field(change, field):
    mapping = toy_mapping()
    change(mapping)
    with pytest.raises(InputError) as caught:
        network_from_mapping(mapping)
    assert field in [problem.field for problem in caught.value.problems]


def test_batch_integration_matches_scipy_per_cell():
    rng = np.random.default_rng(3)
    cells = 12
    inputs = rng.random((cells, 2))
    start = rng.random((cells, 2))
    weights = rng.uniform(0.5, 1.0, (cells, 4))
    kinetics = SwitchKinetics(weights, 3.0, 0.4, np.array([0.5, 3.0]), np.zeros(2))
    hours = np.linspace(0.0, 48.0, 49)
    batch = integrate_batch(WIRING, kinetics, start, inputs, hours, rtol=1e-9, atol=1e-12)
    for cell in range(cells):
        one = SwitchKinetics(weights[cell : cell + 1], 3.0, 0.4, np.array([0.5, 3.0]), np.zeros(2))

        def rhs(t, y, one=one, cell=cell):
            return switch_rhs(WIRING, one, y[None, :], inputs[cell : cell + 1])[0]

        reference = solve_ivp(rhs, (0, 48), start[cell], t_eval=hours, method="DOP853", rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(batch.states[:, cell, :], reference.y.T, rtol=1e-6, atol=1e-8)


def test_p38_erk_antagonism_is_bistable_with_hysteresis():
    # Dormancy has memory [164-166]: a dormant cell (high p38) needs more fibronectin/uPAR-integrin signalling to
    # escape than the level below which a proliferating cell (high ERK) falls dormant.
    fibronectin = np.linspace(0.0, 1.0, 201)
    inputs = np.column_stack([np.full_like(fibronectin, 0.6), fibronectin])
    hours = np.array([0.0, 400.0])
    from_dormant = integrate_batch(WIRING, KINETICS, np.tile([1.0, 0.0], (201, 1)), inputs, hours).states[-1]
    from_proliferating = integrate_batch(WIRING, KINETICS, np.tile([0.0, 1.0], (201, 1)), inputs, hours).states[-1]
    stays_dormant = from_dormant[:, 0] > from_dormant[:, 1]
    stays_proliferating = from_proliferating[:, 1] > from_proliferating[:, 0]
    assert stays_dormant[0] and not stays_dormant[-1]
    assert stays_proliferating[-1] and not stays_proliferating[0]
    escape = fibronectin[np.argmin(stays_dormant)]  # lowest level at which a dormant cell wakes
    entry = fibronectin[np.argmax(stays_proliferating)]  # below this a proliferating cell falls dormant
    assert escape > entry + 0.2, (escape, entry)
    assert (stays_dormant & stays_proliferating).sum() > 40  # the bistable window
    # both branches are true steady states: the right-hand side vanishes there
    for state in (from_dormant, from_proliferating):
        assert np.abs(switch_rhs(WIRING, KINETICS, state, inputs)).max() < 1e-6


def test_duplicate_node_names_are_reported():
    mapping = toy_mapping()
    mapping["nodes"].append({"name": "P38", "kind": "internal", "sources": ["review:61"]})
    with pytest.raises(InputError) as caught:
        network_from_mapping(mapping)
    assert any(p.field == "nodes" and "P38" in p.found for p in caught.value.problems)
