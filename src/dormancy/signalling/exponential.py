r"""A compiled exponential integrator for the dormancy switch: every cell with its own adaptive step.

Every internal node obeys :math:`dx/dt = (B(x, u) - x)/\tau` (:mod:`dormancy.signalling.hill`): a linear decay with
a diagonal rate :math:`-1/\tau` plus the nonlinear target :math:`B/\tau`. Exponential time differencing (ETD)
integrates the decay exactly and approximates only :math:`B` along the step (Cox & Matthews 2002, J Comput Phys
176:430-455). With :math:`r = h/\tau` per node and :math:`\varphi_k` the functions
:math:`\varphi_1(z) = (e^z - 1)/z`, :math:`\varphi_{k+1}(z) = (\varphi_k(z) - 1/k!)/z`, one step of their
third-order method ETD3RK is

.. math::

    a &= e^{-r/2} x_n + (1 - e^{-r/2}) B(x_n) \\
    b &= e^{-r} x_n + (1 - e^{-r}) (2 B(a) - B(x_n)) \\
    x_{n+1} &= e^{-r} x_n + r \big[(\varphi_1 - 3\varphi_2 + 4\varphi_3) B(x_n)
        + 4(\varphi_2 - 2\varphi_3) B(a) + (4\varphi_3 - \varphi_2) B(b)\big],
        \qquad \varphi_k = \varphi_k(-r).

The embedded second-order solution (the ETD2 midpoint rule, weights :math:`\varphi_1 - 2\varphi_2` and
:math:`2\varphi_2`) differs from it by :math:`r (4\varphi_3 - \varphi_2)(B(x_n) - 2B(a) + B(b))`, the local error
estimate; the step is accepted when its RMS over nodes, scaled by :math:`atol + rtol \max(|x_n|, |x_{n+1}|)`, is at
most 1, and the third-order solution is kept (local extrapolation). For a constant target the method is exact, so
a cell at rest takes steps as long as the output allows, whatever :math:`\tau`; an explicit Runge–Kutta method is
held to :math:`h \lesssim 3.3\,\tau_{min}` there by stability.

The fourth-order method ETDRK4 of the same paper (``method="etdrk4"``; Kassam & Trefethen 2005, SIAM J Sci Comput
26:1214-1233, write it in the form used here) has stages

.. math::

    a &= e^{-r/2} x_n + (1 - e^{-r/2}) B(x_n), \qquad
    b = e^{-r/2} x_n + (1 - e^{-r/2}) B(a), \\
    c &= e^{-r/2} a + (1 - e^{-r/2}) (2 B(b) - B(x_n)), \\
    x_{n+1} &= e^{-r} x_n + r \big[(\varphi_1 - 3\varphi_2 + 4\varphi_3) B(x_n)
        + 2(\varphi_2 - 2\varphi_3) (B(a) + B(b)) + (4\varphi_3 - \varphi_2) B(c)\big].

Its error estimate uses the target at the new state, :math:`B(x_{n+1})`, which the next step needs anyway (first
same as last): replacing :math:`B(c)` by it gives a third-order solution (in the non-stiff limit, the classical RK4
weights with :math:`b_4 = 0`, :math:`b_5 = 1/6`, which satisfy every third-order condition), so the estimate is
:math:`r (4\varphi_3 - \varphi_2)(B(c) - B(x_{n+1}))`, four target evaluations per step against three for ETD3RK,
and the step-size exponent is 1/4 instead of 1/3. ETDRK4 takes about three times fewer steps at equal tolerance,
but it is not more accurate per unit of tolerance: its global error at a given rtol is a few times larger than
ETD3RK's (``benchmarks/README.md`` gives the figures), so compare them at equal accuracy, not equal tolerance.

Output between steps comes from the continuous extension with the same stages: at :math:`t_n + \theta h` the weights
are those of the step formula with :math:`\theta r` in place of :math:`r` and the stage weights
:math:`\theta\varphi_1(-\theta r)`, :math:`\theta^2\varphi_2(-\theta r)`, :math:`\theta^3\varphi_3(-\theta r)` (the
order conditions of the three stages at :math:`c = 0, 1/2, 1`; at :math:`\theta = 1` it is the step itself; for
ETDRK4, :math:`(B(a) + B(b))/2` takes the place of the midpoint stage and :math:`B(c)` of the end stage, which in
the non-stiff limit is the standard third-order dense output of RK4).

Cost per step: the Hill terms of edges from inputs are constant within a run, so they are folded into two factors
per node once per cell; exponentials and :math:`\varphi` functions are computed once per distinct time constant
(one ``exp`` each per step, :math:`e^{-r} = (e^{-r/2})^2`). Cells are independent, so they run in parallel threads
with identical results for any thread count; each cell's output is written contiguously.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

from dormancy.signalling.compiled import CELL_NONFINITE, CELL_OK, CELL_TOO_MANY_STEPS, phi123, power
from dormancy.signalling.lanes import LANES, compressed_slots, distinct_rates, hill_terms, integrate_lanes_kernel
from dormancy.signalling.network import Wiring
from dormancy.signalling.own_lanes import SERIAL_CELLS, own_lanes_parallel, own_lanes_serial
from dormancy.signalling.switch import SwitchKinetics

#: Step formulas of :func:`integrate_cells`.
METHODS = ("etd3rk", "etdrk4", "etd3rk-lanes", "etdrk4-lanes", "etd3rk-own", "etdrk4-own")


@numba.njit(cache=True)
def _exp_phi123(z: float) -> tuple[float, float, float, float]:
    """Return exp(z), phi_1(z), phi_2(z), phi_3(z) for z <= 0 (as the integrator computes them)."""
    exp_z = math.exp(z)
    phi1, phi2, phi3 = phi123(z, exp_z)
    return exp_z, phi1, phi2, phi3


@numba.njit(cache=True)
def _target(state, edges, source, internal_edges, scaled_weight, k_power, hill, activators, inhibitors, none_active,
            constant, has_act, out):  # fmt: skip
    """Write B(state) into ``out``, given the input-only factors ``none_active`` and ``constant`` of each node.

    Only edges from internal nodes are evaluated (``edges`` holds their effects, with a zero slot at the end for
    padding); the effects of the constant inputs are folded into the two per-node factors once per cell.
    """
    for e in internal_edges:
        x_n = power(max(state[source[e]], 0.0), hill[e])
        edges[e] = scaled_weight[e] * x_n / (x_n + k_power[e])
    for node in range(out.shape[0]):
        value = constant[node]
        if has_act[node]:
            none = none_active[node]
            for slot in activators[node]:
                none *= 1.0 - edges[slot]
            value *= 1.0 - none
        for slot in inhibitors[node]:
            value *= 1.0 - edges[slot]
        out[node] = value


@numba.njit(cache=True, parallel=True)
def _integrate_cells_kernel(
    initial, inputs, times, source, internal_edges, weight, hill, threshold, tau, basal,
    activator_slots, inhibitor_slots, internal_activators, internal_inhibitors, has_act,
    fourth_order, rtol, atol, first_step, max_steps, states, steps, rejected, status,
):  # fmt: skip
    n_cells, n_internal = initial.shape
    n_edges = source.shape[0]
    n_times = times.shape[0]
    order = 4.0 if fourth_order else 3.0
    for parallel_index in numba.prange(n_cells):
        cell = np.int64(parallel_index)
        row_w = cell if weight.shape[0] > 1 else np.int64(0)
        row_n = cell if hill.shape[0] > 1 else np.int64(0)
        row_k = cell if threshold.shape[0] > 1 else np.int64(0)
        row_t = cell if tau.shape[0] > 1 else np.int64(0)
        row_b = cell if basal.shape[0] > 1 else np.int64(0)
        n = hill[row_n]
        k_power = np.empty(n_edges)
        scaled_weight = np.empty(n_edges)
        edges = np.zeros(n_edges + 1)
        u = inputs[cell]
        for e in range(n_edges):
            k_power[e] = power(threshold[row_k, e], n[e])
            scaled_weight[e] = weight[row_w, e] * (1.0 + k_power[e])
            if source[e] >= n_internal:
                x_n = power(max(u[source[e] - n_internal], 0.0), n[e])
                edges[e] = scaled_weight[e] * x_n / (x_n + k_power[e])
        # Inputs are constant within a run: fold their effects into two factors per node.
        none_active = np.ones(n_internal)
        constant = np.ones(n_internal)
        for node in range(n_internal):
            for slot in activator_slots[node]:
                if slot < n_edges and source[slot] >= n_internal:
                    none_active[node] *= 1.0 - edges[slot]
            constant[node] = 1.0 if has_act[node] else basal[row_b, node]
            for slot in inhibitor_slots[node]:
                if slot < n_edges and source[slot] >= n_internal:
                    constant[node] *= 1.0 - edges[slot]
        # Nodes often share a time constant: exponentials and phi functions are computed once per distinct rate.
        rates = np.empty(n_internal)
        rate_of = np.empty(n_internal, dtype=np.int64)
        n_rates = 0
        for i in range(n_internal):
            rate = 1.0 / tau[row_t, i]
            found = -1
            for q in range(n_rates):
                if rates[q] == rate:
                    found = q
                    break
            if found < 0:
                rates[n_rates] = rate
                found = n_rates
                n_rates += 1
            rate_of[i] = found
        half_decay = np.empty(n_rates)
        decay = np.empty(n_rates)
        weight_x = np.empty(n_rates)
        weight_mid = np.empty(n_rates)
        weight_end = np.empty(n_rates)
        x = initial[cell].copy()
        x_new = np.empty(n_internal)
        stage_a = np.empty(n_internal)
        stage = np.empty(n_internal)
        b_x = np.empty(n_internal)
        b_a = np.empty(n_internal)
        b_b = np.empty(n_internal)
        b_mid = np.empty(n_internal)
        b_end = np.empty(n_internal)
        b_new = np.empty(n_internal)
        states[cell, 0] = x
        t = times[0]
        t_end = times[n_times - 1]
        h = min(first_step, t_end - t)
        _target(x, edges, source, internal_edges, scaled_weight, k_power, n, internal_activators,
                internal_inhibitors, none_active, constant, has_act, b_x)  # fmt: skip
        index = 1
        accepted = 0
        failed = 0
        code = CELL_OK
        while index < n_times:
            if accepted + failed >= max_steps:
                code = CELL_TOO_MANY_STEPS
                break
            h = min(h, t_end - t)
            for q in range(n_rates):
                r = h * rates[q]
                half = math.exp(-0.5 * r)
                full = half * half
                phi1, phi2, phi3 = phi123(-r, full)
                half_decay[q] = half
                decay[q] = full
                weight_x[q] = r * (phi1 - 3.0 * phi2 + 4.0 * phi3)
                weight_mid[q] = r * 4.0 * (phi2 - 2.0 * phi3)
                weight_end[q] = r * (4.0 * phi3 - phi2)
            for i in range(n_internal):
                half = half_decay[rate_of[i]]
                stage_a[i] = half * x[i] + (1.0 - half) * b_x[i]
            _target(stage_a, edges, source, internal_edges, scaled_weight, k_power, n, internal_activators,
                    internal_inhibitors, none_active, constant, has_act, b_a)  # fmt: skip
            if fourth_order:
                for i in range(n_internal):
                    half = half_decay[rate_of[i]]
                    stage[i] = half * x[i] + (1.0 - half) * b_a[i]
                _target(stage, edges, source, internal_edges, scaled_weight, k_power, n, internal_activators,
                        internal_inhibitors, none_active, constant, has_act, b_b)  # fmt: skip
                for i in range(n_internal):
                    half = half_decay[rate_of[i]]
                    stage[i] = half * stage_a[i] + (1.0 - half) * (2.0 * b_b[i] - b_x[i])
                    b_mid[i] = 0.5 * (b_a[i] + b_b[i])
            else:
                for i in range(n_internal):
                    full = decay[rate_of[i]]
                    stage[i] = full * x[i] + (1.0 - full) * (2.0 * b_a[i] - b_x[i])
                    b_mid[i] = b_a[i]
            _target(stage, edges, source, internal_edges, scaled_weight, k_power, n, internal_activators,
                    internal_inhibitors, none_active, constant, has_act, b_end)  # fmt: skip
            for i in range(n_internal):
                q = rate_of[i]
                x_new[i] = decay[q] * x[i] + weight_x[q] * b_x[i] + weight_mid[q] * b_mid[i] + weight_end[q] * b_end[i]
            if fourth_order:
                _target(x_new, edges, source, internal_edges, scaled_weight, k_power, n, internal_activators,
                        internal_inhibitors, none_active, constant, has_act, b_new)  # fmt: skip
            norm = 0.0
            for i in range(n_internal):
                if fourth_order:
                    error = weight_end[rate_of[i]] * (b_end[i] - b_new[i])
                else:
                    error = weight_end[rate_of[i]] * (b_x[i] - 2.0 * b_a[i] + b_end[i])
                scale = atol + rtol * max(abs(x[i]), abs(x_new[i]))
                norm += (error / scale) ** 2
            norm = math.sqrt(norm / n_internal)
            if not math.isfinite(norm):
                code = CELL_NONFINITE
                break
            if norm <= 1.0:
                reached = t_end if h >= t_end - t else t + h
                while index < n_times and times[index] <= reached:
                    if times[index] == reached:
                        states[cell, index] = x_new
                    else:
                        theta = (times[index] - t) / h
                        for q in range(n_rates):
                            r = h * rates[q]
                            z = -theta * r
                            exp_z = math.exp(z)
                            phi1, phi2, phi3 = phi123(z, exp_z)
                            p1, p2, p3 = theta * phi1, theta * theta * phi2, theta * theta * theta * phi3
                            decay[q] = exp_z
                            weight_x[q] = r * (p1 - 3.0 * p2 + 4.0 * p3)
                            weight_mid[q] = r * (4.0 * p2 - 8.0 * p3)
                            weight_end[q] = r * (4.0 * p3 - p2)
                        for i in range(n_internal):
                            q = rate_of[i]
                            states[cell, index, i] = (
                                decay[q] * x[i]
                                + weight_x[q] * b_x[i]
                                + weight_mid[q] * b_mid[i]
                                + weight_end[q] * b_end[i]
                            )
                    index += 1
                t = reached
                x[:] = x_new
                if fourth_order:
                    b_x[:] = b_new
                else:
                    _target(x, edges, source, internal_edges, scaled_weight, k_power, n, internal_activators,
                            internal_inhibitors, none_active, constant, has_act, b_x)  # fmt: skip
                accepted += 1
            else:
                failed += 1
            growth = 5.0 if norm == 0.0 else 0.9 * norm ** (-1.0 / order)
            h = h * min(5.0, max(0.2, growth))
        steps[cell] = accepted
        rejected[cell] = failed
        status[cell] = code
        for later in range(index, n_times):
            for i in range(n_internal):
                states[cell, later, i] = np.nan


def _internal_slots(slots: NDArray[np.intp], source: NDArray[np.intp], n_internal: int) -> NDArray[np.int64]:
    """Keep only the slots of edges from internal nodes, padded with the zero slot ``n_edges``."""
    n_edges = len(source)
    kept = [[slot for slot in row if slot < n_edges and source[slot] < n_internal] for row in slots]
    width = max(1, max(len(row) for row in kept))
    return np.array([row + [n_edges] * (width - len(row)) for row in kept], dtype=np.int64).reshape(-1, width)


@dataclass(frozen=True)
class CellTrajectories:
    """States of independently stepped cells on a shared output grid.

    Parameters
    ----------
    time_hours : numpy.ndarray
        Output times, hours, ``(n_times,)``.
    states : numpy.ndarray
        ``(n_times, cells, n_internal)``; NaN after a cell failed. A transposed view of a cell-major array (each
        cell's trajectory is contiguous in memory, which makes writing the output several times cheaper).
    steps, rejected : numpy.ndarray of int
        Accepted and rejected steps per cell, ``(cells,)``.
    status : numpy.ndarray of int
        Per-cell outcome: :data:`CELL_OK`, :data:`CELL_TOO_MANY_STEPS` or :data:`CELL_NONFINITE`.
    """

    time_hours: NDArray[np.float64]
    states: NDArray[np.float64]
    steps: NDArray[np.int64]
    rejected: NDArray[np.int64]
    status: NDArray[np.int8]

    @property
    def ok(self) -> NDArray[np.bool_]:
        """Cells that reached the last output time."""
        return self.status == CELL_OK


def _plain(values: ArrayLike, dtype: type) -> NDArray:
    """Return a C-contiguous, writeable array (a read-only view would compile a second kernel)."""
    return np.require(values, dtype=dtype, requirements=("C", "W"))


def _rows(values: float | NDArray[np.float64], width: int, cells: int, name: str) -> NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64)
    array = np.broadcast_to(array, (width,)) if array.ndim == 0 else array
    array = array.reshape(1, width) if array.ndim == 1 else array
    if array.shape[1] != width or array.shape[0] not in (1, cells):
        raise ValueError(f"integrate_cells: {name} has shape {array.shape}; expected ({width},) or ({cells}, {width})")
    return _plain(array, np.float64)


def _cell_major(out: NDArray[np.float64] | None, shape: tuple[int, int, int]) -> NDArray[np.float64]:
    """Return a new ``(cells, n_times, n_internal)`` array, or the cell-major array behind ``out`` (checked)."""
    n_times, cells, n_internal = shape
    if out is None:
        return np.empty((cells, n_times, n_internal))
    if not isinstance(out, np.ndarray) or out.dtype != np.float64 or out.shape != shape:
        found = f"{out.dtype} array of shape {out.shape}" if isinstance(out, np.ndarray) else type(out).__name__
        raise ValueError(f"integrate_cells: out is a {found}; expected a float64 array of shape {shape}")
    states = out.transpose(1, 0, 2)
    if not (states.flags.c_contiguous and states.flags.writeable):
        raise ValueError(
            "integrate_cells: out must be the writeable states of an earlier call (a transposed view of a "
            "C-contiguous (cells, n_times, n_internal) array)"
        )
    return states


def integrate_cells(
    wiring: Wiring,
    kinetics: SwitchKinetics,
    initial_state: NDArray[np.float64],
    inputs: NDArray[np.float64],
    output_hours: NDArray[np.float64],
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    first_step_hours: float = 0.01,
    max_steps: int = 100_000,
    method: str = "etd3rk",
    out: NDArray[np.float64] | None = None,
) -> CellTrajectories:
    r"""Integrate cells with adaptive exponential Runge–Kutta steps (compiled, threaded over cells or blocks).

    Same equations and arguments as :func:`dormancy.signalling.switch.integrate_batch`, but with step size and error
    control per cell (``"etd3rk"``, the default, and ``"etdrk4"``: an easy cell is never held back by a hard one)
    or per block of cells (the ``-lanes`` methods: every cell's error within the tolerance), the decay integrated
    exactly (so cells at rest take long steps) and a failing cell reported in ``status`` instead of raising.
    Results do not depend on the number of threads.

    Parameters
    ----------
    wiring, kinetics
        The network and its parameters (each kinetic array ``(width,)`` or ``(cells, width)``).
    initial_state : numpy.ndarray or float
        ``(cells, n_internal)`` at the first output time (or anything that broadcasts to it).
    inputs : numpy.ndarray
        ``(cells, n_inputs)``, held constant.
    output_hours : numpy.ndarray
        Increasing output times, hours; the first is the start.
    rtol, atol : float
        Tolerances on the local error estimate of node activities (dimensionless).
    first_step_hours : float
        Trial first step, hours.
    max_steps : int
        A cell that needs more attempted steps stops with :data:`CELL_TOO_MANY_STEPS`.
    method : {"etd3rk", "etdrk4", "etd3rk-lanes", "etdrk4-lanes", "etd3rk-own", "etdrk4-own"}
        Step formula (module docstring): third-order ETD3RK with a second-order estimate (the more accurate per
        unit of tolerance), or fourth-order ETDRK4 with a third-order estimate (fewer, costlier steps), each cell
        with its own step. The ``-lanes`` variants (:mod:`dormancy.signalling.lanes`) use the same formulas on blocks of
        :data:`~dormancy.signalling.lanes.LANES` consecutive cells that share one step, every cell's own error
        held to the tolerance, computed in vector registers: several times faster, and more accurate at a given
        tolerance (a block steps as finely as its hardest cell), but a cell's result then depends on the other cells
        of its block (it stays the same for any thread count and for any split of a call into chunks of a multiple
        of ``LANES`` cells). ``"etdrk4-lanes"`` is the fastest, and at equal tolerance more accurate than
        libroadrunner by maximum and median error (``benchmarks/README.md``); it is not the default because
        callers rely on a cell's result not depending on the other cells of the call (e.g. identical inputs giving
        bit-identical states wherever they sit in a batch). The ``-own`` variants
        (:mod:`dormancy.signalling.own_lanes`) keep the lanes but give each its own step, so a cell's result is
        bit-identical whatever its block-mates (and on one thread below
        :data:`~dormancy.signalling.own_lanes.SERIAL_CELLS` cells).
    out : numpy.ndarray, optional
        Where to write the states instead of a new array: the ``states`` of an earlier call with as many cells and
        output times (any method), whose values are overwritten and which is returned as ``states``. Reusing it
        across calls (e.g. chunks of a large batch consumed one by one) saves allocating and first touching
        ``cells * n_times * n_internal * 8`` bytes per call (memory the operating system maps page by page).

    Returns
    -------
    CellTrajectories
    """
    if method not in METHODS:
        raise ValueError(f"integrate_cells: method {method!r} is not one of {', '.join(METHODS)}")
    times = _plain(output_hours, np.float64)
    if times.ndim != 1 or len(times) < 1 or np.any(np.diff(times) <= 0):
        raise ValueError("integrate_cells: output_hours must be a non-empty, strictly increasing 1-D array")
    inputs = _plain(inputs, np.float64)
    if inputs.ndim != 2 or inputs.shape[1] != len(wiring.inputs):
        raise ValueError(f"integrate_cells: inputs has shape {inputs.shape}; expected (cells, {len(wiring.inputs)})")
    cells, n_internal = inputs.shape[0], len(wiring.internal)
    initial = _plain(np.broadcast_to(np.asarray(initial_state, dtype=np.float64), (cells, n_internal)), np.float64)
    n_edges = wiring.n_edges
    states = _cell_major(out, (len(times), cells, n_internal))
    steps = np.zeros(cells, dtype=np.int64)
    rejected = np.zeros(cells, dtype=np.int64)
    status = np.zeros(cells, dtype=np.int8)
    source = _plain(wiring.edge_source, np.int64)
    if method.endswith(("-lanes", "-own")):
        hill = _rows(kinetics.hill_coefficient, n_edges, cells, "hill_coefficient")
        threshold = _rows(kinetics.threshold, n_edges, cells, "threshold")
        tau = _rows(kinetics.time_constant_hours, n_internal, cells, "time_constant_hours")
        activator_slots = _plain(wiring.activator_slots, np.int64)
        inhibitor_slots = _plain(wiring.inhibitor_slots, np.int64)
        own = method.endswith("-own")
        kernel = (own_lanes_serial if cells < SERIAL_CELLS else own_lanes_parallel) if own else integrate_lanes_kernel
        kernel(
            initial,
            inputs,
            times,
            source,
            _rows(kinetics.weights, n_edges, cells, "weights"),
            hill,
            threshold,
            tau,
            _rows(kinetics.basal, n_internal, cells, "basal"),
            activator_slots,
            inhibitor_slots,
            _plain(wiring.has_activators, np.bool_),
            *hill_terms(source, hill, threshold, n_internal),
            *compressed_slots(activator_slots, source, n_internal),
            *compressed_slots(inhibitor_slots, source, n_internal),
            distinct_rates(tau),
            LANES,
            method.startswith("etdrk4"),
            float(rtol),
            float(atol),
            float(first_step_hours),
            int(max_steps),
            states,
            steps,
            rejected,
            status,
        )
        return CellTrajectories(times, states.transpose(1, 0, 2) if out is None else out, steps, rejected, status)
    _integrate_cells_kernel(
        initial,
        inputs,
        times,
        source,
        np.flatnonzero(source < n_internal).astype(np.int64),
        _rows(kinetics.weights, n_edges, cells, "weights"),
        _rows(kinetics.hill_coefficient, n_edges, cells, "hill_coefficient"),
        _rows(kinetics.threshold, n_edges, cells, "threshold"),
        _rows(kinetics.time_constant_hours, n_internal, cells, "time_constant_hours"),
        _rows(kinetics.basal, n_internal, cells, "basal"),
        _plain(wiring.activator_slots, np.int64),
        _plain(wiring.inhibitor_slots, np.int64),
        _internal_slots(wiring.activator_slots, source, n_internal),
        _internal_slots(wiring.inhibitor_slots, source, n_internal),
        _plain(wiring.has_activators, np.bool_),
        method == "etdrk4",
        float(rtol),
        float(atol),
        float(first_step_hours),
        int(max_steps),
        states,
        steps,
        rejected,
        status,
    )
    return CellTrajectories(times, states.transpose(1, 0, 2) if out is None else out, steps, rejected, status)
