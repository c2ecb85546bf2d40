"""Integrate ordinary differential equations with a status instead of an exception.

One entry point, :func:`integrate`, over two frozen specifications: :class:`SolverSettings` (how to integrate)
and :class:`SaveTimes` (which output times to keep). A numerical failure is returned as a status so that a batch
of parameter sets goes on (failure is data).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.integrate import solve_ivp

from dormancy.results import Status

SolverMethod = Literal["DOP853", "RK45", "Radau", "BDF", "LSODA"]
SOLVER_METHODS: tuple[str, ...] = ("DOP853", "RK45", "Radau", "BDF", "LSODA")


@dataclass(frozen=True)
class SolverSettings:
    """How to integrate an ODE system with :func:`scipy.integrate.solve_ivp`.

    Parameters
    ----------
    method : {"DOP853", "RK45", "Radau", "BDF", "LSODA"}
        Integration method; DOP853 (explicit Runge–Kutta of order 8) suits smooth non-stiff models and tight
        tolerances, Radau/BDF/LSODA stiff ones.
    rtol, atol : float
        Relative and absolute local error tolerances (absolute in the state's own unit).
    max_step : float
        Largest step, in days; ``inf`` lets the method choose.
    """

    method: SolverMethod = "DOP853"
    rtol: float = 1e-8
    atol: float = 1e-10
    max_step: float = math.inf


@dataclass(frozen=True)
class SaveTimes:
    """Output grid: from 0 to ``t_end`` in steps of ``dt`` (days), both ends included.

    Parameters
    ----------
    t_end : float
        Last output time, days.
    dt : float
        Output spacing, days; ``t_end`` need not be a multiple (the last point is ``t_end``).
    """

    t_end: float
    dt: float = 1.0

    def grid(self) -> np.ndarray:
        """Return the output times in days (float64, strictly increasing, starting at 0, ending at ``t_end``)."""
        count = math.floor(self.t_end / self.dt + 1e-9)
        times = np.arange(count + 1, dtype=np.float64) * self.dt
        if self.t_end - times[-1] > 1e-9 * self.dt:
            times = np.append(times, self.t_end)
        return times


@dataclass(frozen=True)
class Trajectory:
    """States on the output grid, with a status.

    Parameters
    ----------
    time : numpy.ndarray
        Output times, days, shape ``(n_times,)``.
    states : numpy.ndarray
        Shape ``(n_states, n_times)``; NaN after a failure.
    status : Status
        ``ok``, ``solver_failed`` or ``nonfinite``.
    message : str
        The solver's message, or what went wrong.
    """

    time: np.ndarray
    states: np.ndarray
    status: Status
    message: str


def integrate(
    rhs: Callable[[float, np.ndarray], np.ndarray],
    initial_state: np.ndarray,
    *,
    solver: SolverSettings,
    save: SaveTimes,
) -> Trajectory:
    """Integrate ``dy/dt = rhs(t, y)`` from ``y(0) = initial_state`` and return the states on the save grid.

    Parameters
    ----------
    rhs : callable
        Right-hand side ``rhs(t, y) -> dy/dt`` (per day).
    initial_state : numpy.ndarray
        State at t = 0, shape ``(n_states,)``.
    solver : SolverSettings
        Method and tolerances.
    save : SaveTimes
        Output grid.

    Returns
    -------
    Trajectory
        Never raises for a numerical failure: the status says what happened and the missing points are NaN.
    """
    times = save.grid()
    states = np.full((len(initial_state), len(times)), np.nan)
    if not np.all(np.isfinite(initial_state)):
        return Trajectory(times, states, Status.NONFINITE, "initial state is not finite")
    with np.errstate(all="ignore"):
        try:
            solution = solve_ivp(
                rhs,
                (0.0, float(times[-1])),
                np.asarray(initial_state, dtype=np.float64),
                method=solver.method,
                t_eval=times,
                rtol=solver.rtol,
                atol=solver.atol,
                max_step=solver.max_step,
            )
        except (ValueError, FloatingPointError, ZeroDivisionError, OverflowError) as error:
            return Trajectory(times, states, Status.SOLVER_FAILED, f"{type(error).__name__}: {error}")
    reached = solution.y.shape[1]
    states[:, :reached] = solution.y
    if not solution.success:
        return Trajectory(times, states, Status.SOLVER_FAILED, str(solution.message))
    if not np.all(np.isfinite(states)):
        first_bad = int(np.argmax(~np.all(np.isfinite(states), axis=0)))
        return Trajectory(times, states, Status.NONFINITE, f"state not finite from t = {times[first_bad]:g} days")
    return Trajectory(times, states, Status.OK, str(solution.message))
