r"""Vectorised right-hand side of the dormancy switch and a batch integrator for many cells at once.

State is a struct of arrays: ``state`` has shape ``(cells, internal nodes)``, ``inputs`` ``(cells, inputs)``; every
kinetic array broadcasts over cells, so N cells with N input sets and N parameter sets integrate together.
The kinetics are the normalised-Hill (HillCube) formalism of :mod:`dormancy.signalling.hill`; time is in hours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dormancy.signalling.hill import normalised_hill, target_activity
from dormancy.signalling.network import Wiring


@dataclass(frozen=True)
class SwitchKinetics:
    r"""Kinetic parameters of the switch, each broadcastable over cells.

    Parameters
    ----------
    weights : numpy.ndarray
        Edge weights in [0, 1], shape ``(n_edges,)`` or ``(cells, n_edges)``.
    hill_coefficient : float or numpy.ndarray
        Hill steepness :math:`n` (dimensionless), scalar, ``(n_edges,)`` or ``(cells, n_edges)``.
    threshold : float or numpy.ndarray
        Hill threshold :math:`k` in (0, 1), shaped like ``hill_coefficient``.
    time_constant_hours : numpy.ndarray
        Relaxation time :math:`\tau` of each internal node, hours, ``(n_internal,)`` or ``(cells, n_internal)``.
    basal : numpy.ndarray
        Activity of internal nodes without activators, ``(n_internal,)`` or ``(cells, n_internal)``.
    """

    weights: NDArray[np.float64]
    hill_coefficient: float | NDArray[np.float64]
    threshold: float | NDArray[np.float64]
    time_constant_hours: NDArray[np.float64]
    basal: NDArray[np.float64]


def switch_rhs(
    wiring: Wiring, kinetics: SwitchKinetics, state: NDArray[np.float64], inputs: NDArray[np.float64]
) -> NDArray[np.float64]:
    r"""Return :math:`dx/dt = (B(x, u) - x)/\tau` for every cell, per hour, shape ``(cells, n_internal)``.

    Parameters
    ----------
    wiring : Wiring
        Index arrays of the network.
    kinetics : SwitchKinetics
        Parameters (broadcast over cells).
    state : numpy.ndarray
        Internal node activities, ``(cells, n_internal)``, in [0, 1].
    inputs : numpy.ndarray
        Niche inputs then drug target effects, ``(cells, n_inputs)``, in [0, 1].
    """
    values = np.concatenate([state, inputs], axis=1)
    effects = kinetics.weights * normalised_hill(
        values[:, wiring.edge_source], kinetics.hill_coefficient, kinetics.threshold
    )
    padded = np.concatenate([effects, np.zeros((effects.shape[0], 1))], axis=1)
    target = target_activity(
        padded[:, wiring.activator_slots], padded[:, wiring.inhibitor_slots], wiring.has_activators, kinetics.basal
    )
    return (target - state) / kinetics.time_constant_hours


# Dormand & Prince (1980) 5(4) tableau, as in Hairer, Nørsett & Wanner, Solving ODEs I, Table 5.2.
_C = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0])
_A = (
    (),
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
_B5 = np.array([35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0])
_B4 = np.array([5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40])
# Shampine (1986, Math Comput 46:135-150) quartic continuous extension of Dormand-Prince 5(4):
# y(t + θh) = y + h Σ_i (Σ_j P_ij θ^(j+1)) k_i, exact at θ = 1 (each row sums to the 5th-order weight b_i).
_P = np.array(
    [
        [1.0, -8048581381 / 2820520608, 8663915743 / 2820520608, -12715105075 / 11282082432],
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 131558114200 / 32700410799, -68118460800 / 10900136933, 87487479700 / 32700410799],
        [0.0, -1754552775 / 470086768, 14199869525 / 1410260304, -10690763975 / 1880347072],
        [0.0, 127303824393 / 49829197408, -318862633887 / 49829197408, 701980252875 / 199316789632],
        [0.0, -282668133 / 205662961, 2019193451 / 616988883, -1453857185 / 822651844],
        [0.0, 40617522 / 29380423, -110615467 / 29380423, 69997945 / 29380423],
    ]
)


@dataclass(frozen=True)
class BatchTrajectory:
    """States of a batch of cells on the output grid.

    Parameters
    ----------
    time_hours : numpy.ndarray
        Output times, hours, ``(n_times,)``.
    states : numpy.ndarray
        ``(n_times, cells, n_internal)``.
    steps : int
        Accepted steps (shared by the batch).
    rejected : int
        Rejected steps.
    """

    time_hours: NDArray[np.float64]
    states: NDArray[np.float64]
    steps: int
    rejected: int


def integrate_batch(
    wiring: Wiring,
    kinetics: SwitchKinetics,
    initial_state: NDArray[np.float64],
    inputs: NDArray[np.float64],
    output_hours: NDArray[np.float64],
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    max_steps: int = 1_000_000,
) -> BatchTrajectory:
    r"""Integrate a batch of cells together with an adaptive Dormand–Prince 5(4) method.

    All cells share the step size; the step is accepted when the *worst* cell's error norm is at most 1, so each
    cell meets the tolerance on its own (the error of one cell is never averaged away by the others):
    :math:`\max_c \sqrt{\mathrm{mean}_i (e_{ci} / (atol + rtol \max(|y_{ci}|, |\hat y_{ci}|)))^2} \le 1`.
    Steps are not shortened for output: states at the output times come from the method's quartic continuous
    extension (Shampine 1986), so a cell at rest takes long steps however fine the output grid.

    Parameters
    ----------
    wiring, kinetics
        The network and its parameters.
    initial_state : numpy.ndarray
        ``(cells, n_internal)`` at the first output time.
    inputs : numpy.ndarray
        ``(cells, n_inputs)``, held constant.
    output_hours : numpy.ndarray
        Increasing output times, hours; the first is the start.
    rtol, atol : float
        Tolerances on node activities (dimensionless).
    max_steps : int
        Give up (``RuntimeError``) after this many attempted steps.

    Returns
    -------
    BatchTrajectory
    """
    times = np.asarray(output_hours, dtype=np.float64)
    y = np.array(initial_state, dtype=np.float64, copy=True)
    states = np.empty((len(times), *y.shape))
    states[0] = y
    t, t_end = float(times[0]), float(times[-1])
    f = switch_rhs(wiring, kinetics, y, inputs)
    step = min(0.01, t_end - t) if t_end > t else 0.0
    accepted = rejected = 0
    index = 1
    while index < len(times):
        if accepted + rejected >= max_steps:
            raise RuntimeError(f"integrate_batch: more than {max_steps} steps before t = {t_end} h")
        h = min(step, t_end - t)
        stages = [f]
        for row in range(1, 7):
            increment = sum(a * k for a, k in zip(_A[row], stages, strict=False))
            stages.append(switch_rhs(wiring, kinetics, y + h * increment, inputs))
        y_new = y + h * sum(b * k for b, k in zip(_B5, stages, strict=True) if b != 0.0)
        error = h * sum((b5 - b4) * k for b5, b4, k in zip(_B5, _B4, stages, strict=True) if b5 != b4)
        scale = atol + rtol * np.maximum(np.abs(y), np.abs(y_new))
        norm = float(np.sqrt(np.mean((error / scale) ** 2, axis=1)).max())
        if norm <= 1.0:
            reached = t_end if h == t_end - t else t + h
            while index < len(times) and times[index] <= reached:
                if times[index] == reached:
                    states[index] = y_new
                else:
                    theta = (times[index] - t) / h
                    weights = _P @ (theta ** np.arange(1, 5))
                    states[index] = y + h * sum(w * k for w, k in zip(weights, stages, strict=True) if w != 0.0)
                index += 1
            t, y, f = reached, y_new, stages[6]
            accepted += 1
        else:
            rejected += 1
        step = h * (5.0 if norm == 0.0 else min(5.0, max(0.2, 0.9 * norm ** (-1 / 5))))
    return BatchTrajectory(times, states, accepted, rejected)
