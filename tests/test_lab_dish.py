"""The dish: its birth–death process against the linear ODE it approximates, the multinomial leap, clone spread."""

import numpy as np
import pytest
from scipy.linalg import expm

from dormancy.lab.dish import (
    CYCLING,
    DORMANT,
    Phase,
    _leap,
    clone_kinetics,
    culture,
    medium_inputs,
    readouts,
    seed_dish,
)
from dormancy.rng import replicate_generator
from dormancy.signalling import fate_rates, load_switch


def test_counts_follow_the_two_compartment_ode_in_the_mean():
    """At steady state in medium the rates are constant, so E[counts] = expm(A t) · counts(0) per clone."""
    dish = seed_dish(seed=3, cells=4000, clones=12)
    medium = medium_inputs(dish.values)
    hours = 72.0
    rates = fate_rates(dish.model, dish.states)
    expected = 0.0
    for i in range(len(dish.states)):
        r, d = rates["proliferation_rate"][i], rates["apoptosis_rate"][i]
        q_in, q_out = rates["quiescence_entry_rate"][i], rates["quiescence_exit_rate"][i]
        matrix = np.array([[r - d - q_in, q_out], [q_in, -d - q_out]])
        expected += expm(matrix * hours / 24.0) @ dish.counts[i, [CYCLING, DORMANT]].astype(float)
    totals = [
        culture(dish, [Phase(hours, medium)], seed=seed, condition="medium", step_hours=0.5)[0].counts.sum(axis=0)
        for seed in range(4)
    ]
    simulated = np.mean(totals, axis=0)[[CYCLING, DORMANT]]
    assert simulated.sum() == pytest.approx(expected.sum(), rel=0.03)
    assert simulated[1] == pytest.approx(expected[1], rel=0.1)


def test_leap_probabilities_are_the_competing_exponential_ones():
    rng = replicate_generator(0, 0)
    n = np.full(20_000, 50, dtype=np.int64)
    rates, dt = [0.5, 1.5, 0.0], 0.4
    events = _leap(rng, n, rates, dt)
    total = sum(rates)
    for rate, counted in zip(rates, events, strict=True):
        expected = 50 * rate / total * -np.expm1(-total * dt)
        assert counted.mean() == pytest.approx(expected, rel=0.01, abs=1e-12)


def test_clone_spread_is_log_normal_with_the_documented_sigma_and_zero_gives_identical_clones():
    model = load_switch("negative")
    same = clone_kinetics(model, 5, seed=1, cv=0.0)
    assert np.array_equal(same.weights, np.broadcast_to(model.kinetics.weights, same.weights.shape))
    spread = clone_kinetics(model, 400, seed=1, cv=0.15)
    inside = (model.kinetics.weights > 0.05) & (model.kinetics.weights < 0.5)  # far from the clip at 1
    log_ratio = np.log(spread.weights[:, inside] / model.kinetics.weights[inside])
    assert log_ratio.std() == pytest.approx(0.15, rel=0.05)
    assert np.all((spread.weights >= 0.0) & (spread.weights <= 1.0))


def test_readouts_are_population_weighted():
    dish = seed_dish(seed=2, cells=1000, clones=8)
    values = readouts(dish)
    assert values["cells"] == 1000
    assert 0.0 <= values["ki67_fraction"] <= 1.0
    assert values["ki67_fraction"] + values["dormant_fraction"] == pytest.approx(1.0)
