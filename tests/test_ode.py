"""ODE integration helper: output grid, and failure returned as a status instead of raised."""

import numpy as np
import pytest

from dormancy.ode import SaveTimes, SolverSettings, integrate
from dormancy.results import Status


def test_grid_includes_both_ends_even_when_not_a_multiple():
    assert SaveTimes(10.0, 3.0).grid().tolist() == [0.0, 3.0, 6.0, 9.0, 10.0]
    assert SaveTimes(9.0, 3.0).grid().tolist() == [0.0, 3.0, 6.0, 9.0]


@pytest.mark.parametrize("method", ["DOP853", "RK45", "Radau", "BDF", "LSODA"])
def test_exponential_decay_matches_the_analytic_solution(method):
    trajectory = integrate(
        lambda t, y: -0.3 * y,
        np.array([2.0]),
        solver=SolverSettings(method=method, rtol=1e-9, atol=1e-12),
        save=SaveTimes(10.0, 0.5),
    )
    assert trajectory.status is Status.OK
    np.testing.assert_allclose(trajectory.states[0], 2.0 * np.exp(-0.3 * trajectory.time), rtol=1e-6)


def test_blow_up_is_a_status_not_an_exception():
    # dy/dt = y^2 from y(0) = 1 reaches infinity at t = 1
    trajectory = integrate(lambda t, y: y**2, np.array([1.0]), solver=SolverSettings(), save=SaveTimes(2.0, 0.1))
    assert trajectory.status in (Status.SOLVER_FAILED, Status.NONFINITE)
    assert trajectory.message
    assert np.isnan(trajectory.states[0, -1])
    assert np.all(np.isfinite(trajectory.states[0, trajectory.time < 0.9]))


def test_division_by_zero_inside_the_rhs_is_a_status():
    def rhs(t, y):
        return np.array([-(0.0**-0.5) if t > 1 else -1.0])

    trajectory = integrate(rhs, np.array([1.0]), solver=SolverSettings(), save=SaveTimes(3.0, 1.0))
    assert trajectory.status is Status.SOLVER_FAILED
    assert "ZeroDivisionError" in trajectory.message
