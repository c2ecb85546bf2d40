r"""Compartmental kinetics: rate matrices, mammillary disposition and piecewise integration between doses.

A drug's amounts :math:`A` (mg, one entry per compartment) obey

.. math::

    \frac{dA}{dt} = K A - s(A), \qquad
    s(A) = \frac{V_\max \, C}{K_m + C} \,(e_\mathrm{from} - e_\mathrm{to}), \quad C = A_\mathrm{from} / V

where :math:`K` (1/day) holds the first-order transfers (:math:`K_{ji}` is the rate constant from compartment
:math:`i` to :math:`j`, and :math:`K_{ii}` minus the sum of everything leaving :math:`i`) and :math:`s` an optional
saturable (Michaelis–Menten) elimination, as used for target-mediated drug disposition. Doses are boluses added to
the entry compartment. Eliminated drug goes to *sink* compartments (amounts that only grow), so the total amount is
conserved and mass balance is testable.

Between two doses a linear system is solved exactly, :math:`A(t + \Delta) = e^{K \Delta} A(t)`, with
:func:`scipy.linalg.expm` (scaling and squaring with a Padé approximant, accurate to about machine precision
relative to the matrix norm); a system with saturable elimination is integrated with
:func:`scipy.integrate.solve_ivp` (LSODA, rtol 1e-10, absolute tolerance 1e-14 of the largest dose, analytic
Jacobian), restarted at every dose. LSODA switches between Adams and BDF methods, so a declaration that makes the
system stiff (fast distribution next to slow elimination) is still integrated efficiently; on denosumab it is
about 100 times faster than Radau at equal accuracy (relative error below 1e-6 against Radau at rtol 1e-12).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import polynomial
from scipy.integrate import solve_ivp
from scipy.linalg import expm

from dormancy.results import Status

#: Relative tolerance of the ODE solver used for saturable elimination.
SATURABLE_RTOL = 1e-10
#: Absolute tolerance of that solver, as a fraction of the largest dose (mg).
SATURABLE_ATOL_PER_DOSE = 1e-14


@dataclass(frozen=True)
class SaturableElimination:
    r"""A Michaelis–Menten elimination :math:`V_\max C / (K_m + C)` from one compartment to a sink.

    Parameters
    ----------
    source : str
        Compartment the drug is eliminated from.
    sink : str
        Compartment that collects the eliminated drug.
    vmax_mg_per_day : float
        Maximal elimination rate, mg/day.
    km_mg_per_l : float
        Concentration of half-maximal rate, mg/L.
    volume_l : float
        Volume of the source compartment, L (its concentration is amount / volume).
    """

    source: str
    sink: str
    vmax_mg_per_day: float
    km_mg_per_l: float
    volume_l: float


def rate_matrix(compartments: Sequence[str], transfers: Mapping[tuple[str, str], float]) -> np.ndarray:
    """Return the first-order rate matrix K (1/day) with ``dA/dt = K A``.

    Parameters
    ----------
    compartments : sequence of str
        Compartment names, in state order.
    transfers : mapping of (str, str) to float
        Rate constant (1/day, non-negative) from the first compartment of the key to the second.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, n)``; every column sums to zero (mass conservation).

    Raises
    ------
    ValueError
        For an unknown compartment, a transfer to itself or a negative or non-finite rate.
    """
    index = {name: i for i, name in enumerate(compartments)}
    matrix = np.zeros((len(compartments), len(compartments)))
    for (source, target), rate in transfers.items():
        if source not in index or target not in index or source == target:
            raise ValueError(f"transfer {source} → {target}: both must be different compartments of {compartments}")
        if not (np.isfinite(rate) and rate >= 0.0):
            raise ValueError(f"transfer {source} → {target}: rate must be finite and >= 0, got {rate}")
        matrix[index[target], index[source]] += rate
        matrix[index[source], index[source]] -= rate
    return matrix


def mammillary_rates(half_lives: Sequence[float], weights: Sequence[float]) -> dict[str, object]:
    r"""Return the micro-constants of a mammillary model that has a given multi-exponential bolus response.

    After an IV bolus the central amount of an n-compartment mammillary model (central compartment 1 exchanging
    with peripheral compartments 2..n, eliminated from the centre only) is
    :math:`A_1(t) = D \sum_i w_i e^{-\lambda_i t}` with :math:`\sum_i w_i = 1`. Its transfer function is

    .. math::

        \frac{\hat A_1(s)}{D} = \sum_i \frac{w_i}{s + \lambda_i}
        = \frac{\prod_{j \ge 2} (s + k_{j1})}{\prod_i (s + \lambda_i)},

    so the return rates :math:`k_{j1}` are minus the roots of :math:`N(s) = \sum_i w_i \prod_{l \ne i}(s + \lambda_l)`,
    the elimination rate is :math:`k_{10} = \prod_i \lambda_i / \prod_j k_{j1}`, and from the partial fractions of
    :math:`1 / (\hat A_1/D) = s + k_{10} + \sum_j k_{1j} - \sum_j k_{1j} k_{j1} / (s + k_{j1})` the outflows are
    :math:`k_{1j} = -r_j / k_{j1}` with :math:`r_j = D(-k_{j1}) / N'(-k_{j1})` and :math:`D(s) = \prod_i(s + \lambda_i)`
    (Gibaldi & Perrier, Pharmacokinetics, ch. 3).

    Parameters
    ----------
    half_lives : sequence of float
        Disposition half-lives :math:`\ln 2 / \lambda_i`, days, all different.
    weights : sequence of float
        Fractions :math:`w_i` of the zero-time central amount in each phase, positive, summing to 1.

    Returns
    -------
    dict
        ``elimination`` (:math:`k_{10}`, 1/day), ``outflows`` (:math:`k_{1j}`, 1/day) and ``returns``
        (:math:`k_{j1}`, 1/day), the last two ordered from the fastest return to the slowest.

    Raises
    ------
    ValueError
        When the inputs are invalid or correspond to no mammillary model with positive rate constants.
    """
    lam = np.log(2.0) / np.asarray(half_lives, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if lam.shape != w.shape or lam.size < 2:
        raise ValueError("need at least two half-lives and as many weights")
    if not (np.all(np.isfinite(lam)) and np.all(lam > 0) and np.all(w > 0) and abs(w.sum() - 1.0) < 1e-9):
        raise ValueError(f"half-lives must be positive and weights positive summing to 1; got {half_lives}, {weights}")
    if len(np.unique(lam)) != lam.size:
        raise ValueError(f"half-lives must all differ, got {half_lives}")
    denominator = polynomial.polyfromroots(-lam)
    numerator = np.zeros(lam.size)
    for i in range(lam.size):
        numerator = numerator + w[i] * polynomial.polyfromroots(-np.delete(lam, i))
    roots = polynomial.polyroots(numerator)
    if np.any(np.abs(roots.imag) > 1e-9 * np.abs(roots.real).max()) or np.any(roots.real >= 0):
        raise ValueError("these half-lives and weights correspond to no mammillary model")
    returns = np.sort(-roots.real)[::-1]
    elimination = float(np.prod(lam) / np.prod(returns))
    derivative = polynomial.polyder(numerator)
    residues = polynomial.polyval(-returns, denominator) / polynomial.polyval(-returns, derivative)
    outflows = -residues / returns
    if elimination <= 0 or np.any(outflows <= 0):
        raise ValueError("these half-lives and weights give a non-positive rate constant")
    return {"elimination": elimination, "outflows": tuple(outflows.tolist()), "returns": tuple(returns.tolist())}


@dataclass(frozen=True)
class Propagation:
    """Amounts on the output times, with the status of the integration.

    Parameters
    ----------
    amounts : numpy.ndarray
        Shape ``(n_times, n_compartments)``, mg; NaN from a failure on.
    status : Status
        ``ok``, or ``solver_failed`` / ``nonfinite`` (failure is data, never raised).
    message : str
        What went wrong, or empty.
    """

    amounts: np.ndarray
    status: Status
    message: str


def propagate(
    matrix: np.ndarray,
    dose_times: np.ndarray,
    dose_amounts: np.ndarray,
    times: np.ndarray,
    *,
    saturable: tuple[int, int, float, float, float] | None = None,
) -> Propagation:
    """Return the amounts at ``times`` after boluses, exactly (linear) or with the ODE solver (saturable).

    Parameters
    ----------
    matrix : numpy.ndarray
        First-order rate matrix K, 1/day, shape ``(n, n)``.
    dose_times : numpy.ndarray
        Strictly increasing dose times, days, shape ``(n_doses,)``.
    dose_amounts : numpy.ndarray
        Amount added to each compartment at each dose, mg, shape ``(n_doses, n)``.
    times : numpy.ndarray
        Non-decreasing output times, days. A time equal to a dose time reports the state just after the dose;
        times before the first dose report zeros.
    saturable : tuple, optional
        ``(source index, sink index, vmax mg/day, km mg/L, volume L)`` of a Michaelis–Menten elimination.

    Returns
    -------
    Propagation
        Amounts on ``times`` and the status.
    """
    n = matrix.shape[0]
    amounts = np.zeros((times.size, n))
    if dose_times.size == 0 or times.size == 0:
        return Propagation(amounts, Status.OK, "")
    # Output times grouped by the dose interval they fall in: segment k is [dose k, dose k+1).
    segment_of_time = np.searchsorted(dose_times, times, side="right") - 1
    if saturable is None:
        return _propagate_linear(matrix, dose_times, dose_amounts, times, segment_of_time, amounts)
    return _propagate_saturable(matrix, dose_times, dose_amounts, times, segment_of_time, amounts, saturable)


def _propagate_linear(
    matrix: np.ndarray,
    dose_times: np.ndarray,
    dose_amounts: np.ndarray,
    times: np.ndarray,
    segment_of_time: np.ndarray,
    amounts: np.ndarray,
) -> Propagation:
    # Walk through doses and outputs in time order, each step exact: A ← expm(K Δ) A. Steps of equal length (a
    # regular grid) share one matrix exponential; all distinct ones are computed in a single batched call.
    events: list[tuple[float, int]] = []  # (time, output index or -1 - dose index), doses first at equal times
    for k, dose_time in enumerate(dose_times):
        events.append((float(dose_time), -1 - k))
    first = int(np.searchsorted(segment_of_time, 0))
    events.extend((float(times[i]), i) for i in range(first, times.size))
    events.sort(key=lambda event: (event[0], event[1] >= 0))
    event_times = np.array([event[0] for event in events])
    steps = np.diff(event_times)
    unique_steps, step_index = np.unique(steps, return_inverse=True)
    propagators = expm(matrix[None, :, :] * unique_steps[:, None, None]) if unique_steps.size else np.empty((0, 0, 0))
    state = np.zeros(matrix.shape[0])
    for position, (_, label) in enumerate(events):
        if position > 0 and steps[position - 1] > 0.0:
            state = propagators[step_index[position - 1]] @ state
        if label < 0:
            state = state + dose_amounts[-1 - label]
        else:
            amounts[label] = state
    if not np.all(np.isfinite(amounts)):
        return Propagation(amounts, Status.NONFINITE, "amounts are not finite")
    return Propagation(amounts, Status.OK, "")


def _propagate_saturable(
    matrix: np.ndarray,
    dose_times: np.ndarray,
    dose_amounts: np.ndarray,
    times: np.ndarray,
    segment_of_time: np.ndarray,
    amounts: np.ndarray,
    saturable: tuple[int, int, float, float, float],
) -> Propagation:
    source, sink, vmax, km, volume = saturable
    direction = np.zeros(matrix.shape[0])
    direction[source], direction[sink] = -1.0, 1.0

    def rhs(t: float, a: np.ndarray) -> np.ndarray:
        concentration = max(a[source], 0.0) / volume
        return matrix @ a + direction * (vmax * concentration / (km + concentration))

    def jacobian(t: float, a: np.ndarray) -> np.ndarray:
        concentration = max(a[source], 0.0) / volume
        slope = vmax * km / (km + concentration) ** 2 / volume
        result = matrix.copy()
        result[:, source] += direction * slope
        return result

    scale = max(float(np.abs(dose_amounts).sum(axis=1).max()), np.finfo(float).tiny)
    state = np.zeros(matrix.shape[0])
    last_time = float(times[-1])
    for k, dose_time in enumerate(dose_times):
        state = state + dose_amounts[k]
        end = float(dose_times[k + 1]) if k + 1 < dose_times.size else max(last_time, float(dose_time))
        outputs = np.flatnonzero(segment_of_time == k)
        if end <= dose_time:
            amounts[outputs] = state
            continue
        # Evaluate at the outputs of this interval and at its end (the state the next dose is added to).
        evaluate_at = times[outputs]
        if evaluate_at.size == 0 or evaluate_at[-1] < end:
            evaluate_at = np.append(evaluate_at, end)
        with np.errstate(all="ignore"):
            solution = solve_ivp(
                rhs,
                (float(dose_time), end),
                state,
                method="LSODA",
                t_eval=evaluate_at,
                jac=jacobian,
                rtol=SATURABLE_RTOL,
                atol=SATURABLE_ATOL_PER_DOSE * scale,
            )
        if not solution.success:
            amounts[times >= dose_time] = np.nan
            return Propagation(
                amounts, Status.SOLVER_FAILED, f"after the dose at day {dose_time:g}: {solution.message}"
            )
        amounts[outputs] = solution.y[:, : outputs.size].T
        state = solution.y[:, -1]
    if not np.all(np.isfinite(amounts)):
        return Propagation(amounts, Status.NONFINITE, "amounts are not finite")
    return Propagation(amounts, Status.OK, "")
