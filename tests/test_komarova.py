"""Komarova 2003 bone remodelling: closed-form steady state, remodelling cycles, direction of effects."""

import math

import numpy as np
import pytest

from dormancy.bone import komarova
from dormancy.ode import SaveTimes, SolverSettings, integrate
from dormancy.params import load_registry

TIGHT = SolverSettings(method="DOP853", rtol=1e-12, atol=1e-14)


def values(set_name, **overrides):
    parameter_set = load_registry().sets[set_name]
    if overrides:
        parameter_set = parameter_set.with_values(overrides)
    return parameter_set, komarova.KomarovaParameters.from_set(parameter_set)


def run(parameter_set, p, t_end, dt=1.0, initial=None):
    start = komarova.initial_state(parameter_set) if initial is None else np.asarray(initial, dtype=float)
    return integrate(komarova.make_rhs(p), start, solver=TIGHT, save=SaveTimes(t_end, dt))


@pytest.mark.parametrize(
    ("set_name", "published"),
    [("komarova2003", (1.06, 212.1)), ("ayati2010", (1.159, 231.7))],
)
def test_closed_form_steady_state_matches_published_and_zeroes_the_rhs(set_name, published):
    _, p = values(set_name)
    osteoclasts, osteoblasts = komarova.steady_state(p)
    # published to the digits printed: BioModels BIOMD0000000148 (1.06, 212.1); Ayati 2010 without tumour (1.159, 231.7)
    assert osteoclasts == pytest.approx(published[0], abs=0.006)
    assert osteoblasts == pytest.approx(published[1], abs=0.06)
    derivative = komarova.make_rhs(p)(0.0, np.array([osteoclasts, osteoblasts, 100.0]))
    assert np.abs(derivative[:2] / np.array([osteoclasts, osteoblasts])).max() < 1e-12
    assert derivative[2] == 0.0


def test_steady_variant_completes_one_cycle_and_returns_to_rest():
    parameter_set, p = values("komarova2003")
    trajectory = run(parameter_set, p, 1000.0)
    assert trajectory.status.value == "ok"
    osteoclasts_steady, osteoblasts_steady = komarova.steady_state(p)
    osteoclasts, osteoblasts, bone = trajectory.states
    assert osteoclasts[-1] == pytest.approx(osteoclasts_steady, rel=1e-6)
    assert osteoblasts[-1] == pytest.approx(osteoblasts_steady, rel=1e-6)
    # resorption first (bone falls while osteoclasts are elevated), then formation refills the cavity
    trough = int(np.argmin(bone))
    assert 10 < trajectory.time[trough] < 100
    assert bone[trough] < 98.0
    # Komarova 2003: after one cycle bone mass is restored (here to 99.97 %)
    assert bone[-1] == pytest.approx(100.0, abs=0.1)
    # osteoblasts peak after osteoclasts (coupling: resorption precedes formation)
    assert np.argmax(osteoblasts) > np.argmax(osteoclasts)


def test_oscillating_variant_small_cycles_have_the_linear_period():
    parameter_set, p = values("ayati2010")
    growth, frequency = komarova.linear_frequency(p)
    assert growth == pytest.approx(0.0, abs=1e-15)  # g11 = 1.1 is the critical value: trace of the Jacobian is 0
    osteoclasts_steady, osteoblasts_steady = komarova.steady_state(p)
    trajectory = run(parameter_set, p, 1600.0, dt=0.05, initial=[1.01 * osteoclasts_steady, osteoblasts_steady, 100])
    starts = komarova.cycle_starts(trajectory.time, trajectory.states[1], osteoblasts_steady)
    assert len(starts) >= 9
    assert np.diff(starts).mean() == pytest.approx(2 * math.pi / frequency, rel=1e-4)  # 157.08 days


def test_oscillating_variant_cycles_are_closed_and_bone_mass_returns():
    parameter_set, p = values("ayati2010")
    trajectory = run(parameter_set, p, 1500.0, dt=0.05)
    assert trajectory.status.value == "ok"
    osteoclasts_steady, osteoblasts_steady = komarova.steady_state(p)
    osteoclasts, osteoblasts, bone = trajectory.states
    starts = komarova.cycle_starts(trajectory.time, osteoblasts, osteoblasts_steady)
    periods = np.diff(starts)
    assert len(periods) >= 3
    # a centre: every cycle has the same period (amplitude-dependent, ~299 days from x = (13, 300))
    assert periods.std() < 1e-3 * periods.mean()
    assert 250 < periods.mean() < 350
    # the state returns to itself: osteoclasts at each start of a cycle agree to 1e-6 relative
    at_starts = np.interp(starts, trajectory.time, osteoclasts)
    assert np.ptp(at_starts) < 1e-5 * at_starts.mean()
    # bone mass swings by more than 10 % within a cycle but returns to within 0.5 % after each one
    bone_at_starts = np.interp(starts, trajectory.time, bone)
    assert np.ptp(bone) > 10.0
    assert np.abs(np.diff(bone_at_starts)).max() < 0.5
    # osteoclasts dip far below their steady state between bursts of resorption
    assert osteoclasts.min() < 1e-3 * osteoclasts_steady


@pytest.mark.parametrize("direction", [-1, 1])
def test_more_resorption_means_less_bone_and_more_formation_more_bone(direction):
    parameter_set, p = values("komarova2003")
    base = run(parameter_set, p, 600.0).states[2, -1]
    symbol = "resorption_rate" if direction < 0 else "formation_rate"
    factor = 1.5
    changed_set, changed = values("komarova2003", **{symbol: parameter_set[symbol].value * factor})
    changed_bone = run(changed_set, changed, 600.0).states[2, -1]
    assert np.sign(changed_bone - base) == direction


def test_gamma_zero_has_no_steady_state():
    _, p = values("komarova2003")
    degenerate = komarova.KomarovaParameters(**{**p.__dict__, "g11": 1.5, "g21": -0.5, "g12": 1.0, "g22": 0.0})
    assert degenerate.gamma == 0.0
    with pytest.raises(ValueError, match="Γ"):
        komarova.steady_state(degenerate)
