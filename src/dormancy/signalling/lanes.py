r"""Cells as SIMD lanes: the switch's exponential Runge–Kutta steps for blocks of cells that share one step.

The step formulas, error estimates and continuous output are those of ETD3RK and ETDRK4 in
:mod:`dormancy.signalling.exponential` (Cox & Matthews 2002, J Comput Phys 176:430-455; ``method="etd3rk-lanes"``
and ``"etdrk4-lanes"``). What differs is the layout: :data:`LANES` cells are stored node by node with the cells
innermost (``[node, lane]``), so every operation of a step runs on all of them at once in vector registers, and
they take the same step. The step is accepted when every cell's own error norm (RMS over nodes, scaled by
:math:`atol + rtol \max(|x_n|, |x_{n+1}|)`) is at most 1, and the next step is chosen from the largest of those
norms: no cell's local error estimate exceeds the tolerance, and a block takes as many steps as its hardest cell
needs at each moment (more steps per cell than alone, and smaller errors: ``benchmarks/README.md``). The step
weights (exponentials and :math:`\varphi` functions, once per distinct time constant) and the weights of the
output are computed once per block and shared by its cells when the time constants are the same for every cell;
with per-cell time constants they are computed per cell. On an evenly spaced output grid, the exponential of each
output after the first within a step is the previous one times :math:`e^{-\Delta t/\tau}`.

Hill terms :math:`x^n/(x^n + k^n)` are computed once per (source node, :math:`n`, :math:`k`) and shared by the
edges that have them (17 terms for 30 edges between internal nodes in the package network), then scaled by each
edge's weight. The products of :mod:`dormancy.signalling.hill` are taken in the same order as in the per-cell
kernel, but the shared Hill term changes rounding, and the steps differ, so results agree with the per-cell
methods to the tolerance, not to the bit.

Blocks are cells ``[LANES*b, LANES*(b+1))`` of a call; a last, incomplete block is filled with copies of its last
cell (which changes nothing: a copy has the same error norm as its original). A cell's result therefore depends on
the other cells of its block, and is bit-identical whatever the number of threads and whenever the same cells
form its block (e.g. when a large call is split into chunks of a multiple of :data:`LANES` cells). A cell whose
state turns non-finite drops out of its block (:data:`~dormancy.signalling.compiled.CELL_NONFINITE`); the others go on.

The kernel lets the compiler fuse a multiplication and an addition into one correctly rounded fused multiply-add
(``fastmath={"contract"}``, nothing else: no reassociation, NaN and infinity kept), which was 8% faster here. The
results on one machine are unchanged by it in every respect above; between processors with and without FMA
instructions they may differ in the last bits (2e-10 at most in a 4,000-cell, 14-day test against the unfused kernel).
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import NDArray

from dormancy.signalling.compiled import CELL_NONFINITE, CELL_OK, CELL_TOO_MANY_STEPS, phi123, power

#: Cells per block (vector lanes sharing one step).
LANES = 16


@numba.njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _lane_target(state, network, out):
    """Write B(state) of every lane into ``out`` (``[node, lane]``), from the shared Hill terms."""
    (term_source, term_power, term_n, k_power, scaled_weight, edge_term, act_ptr, act_edge, inh_ptr, inh_edge,
     has_act, none_active, constant, hill_value, product) = network  # fmt: skip
    lanes = state.shape[1]
    for u in range(term_source.shape[0]):
        s = term_source[u]
        p = term_power[u]
        if p == 3:
            for lane in range(lanes):
                v = max(state[s, lane], 0.0)
                x_n = v * v * v
                hill_value[u, lane] = x_n / (x_n + k_power[u, lane])
        elif p == 4:
            for lane in range(lanes):
                v = max(state[s, lane], 0.0)
                v = v * v
                x_n = v * v
                hill_value[u, lane] = x_n / (x_n + k_power[u, lane])
        elif p == 2:
            for lane in range(lanes):
                v = max(state[s, lane], 0.0)
                x_n = v * v
                hill_value[u, lane] = x_n / (x_n + k_power[u, lane])
        elif p == 1:
            for lane in range(lanes):
                x_n = max(state[s, lane], 0.0)
                hill_value[u, lane] = x_n / (x_n + k_power[u, lane])
        else:
            for lane in range(lanes):
                x_n = max(state[s, lane], 0.0) ** term_n[u, lane]
                hill_value[u, lane] = x_n / (x_n + k_power[u, lane])
    for node in range(out.shape[0]):
        if has_act[node]:
            for lane in range(lanes):
                product[lane] = none_active[node, lane]
            for j in range(act_ptr[node], act_ptr[node + 1]):
                e = act_edge[j]
                u = edge_term[e]
                for lane in range(lanes):
                    product[lane] *= 1.0 - scaled_weight[e, lane] * hill_value[u, lane]
            for lane in range(lanes):
                out[node, lane] = constant[node, lane] * (1.0 - product[lane])
        else:
            for lane in range(lanes):
                out[node, lane] = constant[node, lane]
        for j in range(inh_ptr[node], inh_ptr[node + 1]):
            e = inh_edge[j]
            u = edge_term[e]
            for lane in range(lanes):
                out[node, lane] *= 1.0 - scaled_weight[e, lane] * hill_value[u, lane]


@numba.njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _step_weights(h, lane_rate, shared, decay, half_decay, weight_x, weight_mid, weight_end):
    """Fill the weights of a step ``h``: e^(-r/2), e^(-r) and the weights of B at the three stages."""
    n_rates, lanes = lane_rate.shape
    for q in range(n_rates):
        for lane in range(lanes if not shared else 1):
            r = h * lane_rate[q, lane]
            half = math.exp(-0.5 * r)
            exp_z = half * half
            phi1, phi2, phi3 = phi123(-r, exp_z)
            w_x = r * (phi1 - 3.0 * phi2 + 4.0 * phi3)
            w_mid = r * 4.0 * (phi2 - 2.0 * phi3)
            w_end = r * (4.0 * phi3 - phi2)
            for each in range(lane if not shared else 0, lane + 1 if not shared else lanes):
                half_decay[q, each] = half
                decay[q, each] = exp_z
                weight_x[q, each] = w_x
                weight_mid[q, each] = w_mid
                weight_end[q, each] = w_end


@numba.njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _output_weights(h, theta, lane_rate, shared, recurrence, spacing_decay, decay, weight_x, weight_mid, weight_end):
    """Fill the weights of the continuous output at ``theta`` in (0, 1) of a step ``h`` (``decay``: e^(-theta r)).

    With ``recurrence``, ``decay`` holds the previous output's e^(-theta r), one output spacing earlier.
    """
    n_rates, lanes = lane_rate.shape
    for q in range(n_rates):
        for lane in range(lanes if not shared else 1):
            r = h * lane_rate[q, lane]
            z = -theta * r
            exp_z = decay[q, lane] * spacing_decay[q, lane] if recurrence else math.exp(z)
            phi1, phi2, phi3 = phi123(z, exp_z)
            p1, p2, p3 = theta * phi1, theta * theta * phi2, theta * theta * theta * phi3
            w_x = r * (p1 - 3.0 * p2 + 4.0 * p3)
            w_mid = r * 4.0 * (p2 - 2.0 * p3)
            w_end = r * (4.0 * p3 - p2)
            for each in range(lane if not shared else 0, lane + 1 if not shared else lanes):
                decay[q, each] = exp_z
                weight_x[q, each] = w_x
                weight_mid[q, each] = w_mid
                weight_end[q, each] = w_end


@numba.njit(cache=True, parallel=True, error_model="numpy", fastmath={"contract"})
def integrate_lanes_kernel(
    initial, inputs, times, source, weight, hill, threshold, tau, basal, activator_slots, inhibitor_slots,
    has_act, term_source, term_edge, term_power, edge_term, act_ptr, act_edge, inh_ptr, inh_edge,
    rate_of, lanes, fourth_order, rtol, atol, first_step, max_steps, states, steps, rejected, status,
):  # fmt: skip
    """Integrate blocks of ``lanes`` cells, each block with one shared adaptive step (ETD3RK or ETDRK4)."""
    n_cells, n_internal = initial.shape
    n_edges = source.shape[0]
    n_terms = term_source.shape[0]
    n_times = times.shape[0]
    n_blocks = (n_cells + lanes - 1) // lanes
    spacing = times[1] - times[0] if n_times > 1 else 0.0
    shared = tau.shape[0] == 1
    order = 4.0 if fourth_order else 3.0
    n_rates = rate_of.max() + 1 if n_internal > 0 else 0
    for parallel_index in numba.prange(n_blocks):
        first_cell = np.int64(parallel_index) * lanes
        n_real = min(lanes, n_cells - first_cell)
        cell_of = np.empty(lanes, dtype=np.int64)
        for lane in range(lanes):
            cell_of[lane] = first_cell + min(lane, n_real - 1)
        k_power = np.empty((n_terms, lanes))
        term_n = np.empty((n_terms, lanes))
        scaled_weight = np.empty((n_edges, lanes))
        none_active = np.ones((n_internal, lanes))
        constant = np.ones((n_internal, lanes))
        lane_rate = np.empty((n_rates, lanes))
        x = np.empty((n_internal, lanes))
        edges = np.empty(n_edges)
        for lane in range(lanes):
            cell = cell_of[lane]
            row_w = cell if weight.shape[0] > 1 else 0
            row_n = cell if hill.shape[0] > 1 else 0
            row_k = cell if threshold.shape[0] > 1 else 0
            row_t = cell if tau.shape[0] > 1 else 0
            row_b = cell if basal.shape[0] > 1 else 0
            for u in range(n_terms):
                e = term_edge[u]
                term_n[u, lane] = hill[row_n, e]
                k_power[u, lane] = power(threshold[row_k, e], hill[row_n, e])
            for e in range(n_edges):
                k_e = power(threshold[row_k, e], hill[row_n, e])
                scaled_weight[e, lane] = weight[row_w, e] * (1.0 + k_e)
                edges[e] = 0.0
                if source[e] >= n_internal:
                    x_n = power(max(inputs[cell, source[e] - n_internal], 0.0), hill[row_n, e])
                    edges[e] = scaled_weight[e, lane] * x_n / (x_n + k_e)
            # Inputs are constant within a run: fold their effects into two factors per node.
            for node in range(n_internal):
                for slot in activator_slots[node]:
                    if slot < n_edges and source[slot] >= n_internal:
                        none_active[node, lane] *= 1.0 - edges[slot]
                constant[node, lane] = 1.0 if has_act[node] else basal[row_b, node]
                for slot in inhibitor_slots[node]:
                    if slot < n_edges and source[slot] >= n_internal:
                        constant[node, lane] *= 1.0 - edges[slot]
                lane_rate[rate_of[node], lane] = 1.0 / tau[row_t, node]
                x[node, lane] = initial[cell, node]
        spacing_decay = np.empty((n_rates, lanes))
        for q in range(n_rates):
            for lane in range(lanes):
                spacing_decay[q, lane] = math.exp(-spacing * lane_rate[q, lane])
        hill_value = np.empty((n_terms, lanes))
        product = np.empty(lanes)
        network = (term_source, term_power, term_n, k_power, scaled_weight, edge_term, act_ptr, act_edge, inh_ptr,
                   inh_edge, has_act, none_active, constant, hill_value, product)  # fmt: skip
        half_decay = np.empty((n_rates, lanes))
        decay = np.empty((n_rates, lanes))
        weight_x = np.empty((n_rates, lanes))
        weight_mid = np.empty((n_rates, lanes))
        weight_end = np.empty((n_rates, lanes))
        x_new = np.empty((n_internal, lanes))
        stage_a = np.empty((n_internal, lanes))
        stage = np.empty((n_internal, lanes))
        b_x = np.empty((n_internal, lanes))
        b_a = np.empty((n_internal, lanes))
        b_b = np.empty((n_internal, lanes))
        b_mid = np.empty((n_internal, lanes))
        b_end = np.empty((n_internal, lanes))
        b_new = np.empty((n_internal, lanes))
        lane_norm = np.empty(lanes)
        alive = np.ones(lanes, dtype=np.bool_)
        stopped_at = np.full(lanes, n_times, dtype=np.int64)
        code = np.full(lanes, CELL_OK, dtype=np.int8)
        for lane in range(n_real):
            for i in range(n_internal):
                states[first_cell + lane, 0, i] = x[i, lane]
        t = times[0]
        t_end = times[n_times - 1]
        h = min(first_step, t_end - t)
        _lane_target(x, network, b_x)
        index = 1
        accepted = 0
        failed = 0
        while index < n_times:
            if accepted + failed >= max_steps:
                for lane in range(lanes):
                    if alive[lane]:
                        code[lane] = CELL_TOO_MANY_STEPS
                        stopped_at[lane] = index
                break
            h = min(h, t_end - t)
            _step_weights(h, lane_rate, shared, decay, half_decay, weight_x, weight_mid, weight_end)
            for i in range(n_internal):
                q = rate_of[i]
                for lane in range(lanes):
                    half = half_decay[q, lane]
                    stage_a[i, lane] = half * x[i, lane] + (1.0 - half) * b_x[i, lane]
            _lane_target(stage_a, network, b_a)
            if fourth_order:
                for i in range(n_internal):
                    q = rate_of[i]
                    for lane in range(lanes):
                        half = half_decay[q, lane]
                        stage[i, lane] = half * x[i, lane] + (1.0 - half) * b_a[i, lane]
                _lane_target(stage, network, b_b)
                for i in range(n_internal):
                    q = rate_of[i]
                    for lane in range(lanes):
                        half = half_decay[q, lane]
                        stage[i, lane] = half * stage_a[i, lane] + (1.0 - half) * (2.0 * b_b[i, lane] - b_x[i, lane])
                        b_mid[i, lane] = 0.5 * (b_a[i, lane] + b_b[i, lane])
            else:
                for i in range(n_internal):
                    q = rate_of[i]
                    for lane in range(lanes):
                        full = decay[q, lane]
                        stage[i, lane] = full * x[i, lane] + (1.0 - full) * (2.0 * b_a[i, lane] - b_x[i, lane])
                        b_mid[i, lane] = b_a[i, lane]
            _lane_target(stage, network, b_end)
            for i in range(n_internal):
                q = rate_of[i]
                for lane in range(lanes):
                    x_new[i, lane] = (
                        decay[q, lane] * x[i, lane]
                        + weight_x[q, lane] * b_x[i, lane]
                        + weight_mid[q, lane] * b_mid[i, lane]
                        + weight_end[q, lane] * b_end[i, lane]
                    )
            if fourth_order:
                _lane_target(x_new, network, b_new)
            for lane in range(lanes):
                lane_norm[lane] = 0.0
            for i in range(n_internal):
                q = rate_of[i]
                for lane in range(lanes):
                    if fourth_order:
                        error = weight_end[q, lane] * (b_end[i, lane] - b_new[i, lane])
                    else:
                        error = weight_end[q, lane] * (b_x[i, lane] - 2.0 * b_a[i, lane] + b_end[i, lane])
                    scaled = error / (atol + rtol * max(abs(x[i, lane]), abs(x_new[i, lane])))
                    lane_norm[lane] += scaled * scaled
            norm = 0.0
            for lane in range(lanes):
                if alive[lane]:
                    lane_error = math.sqrt(lane_norm[lane] / n_internal)
                    if math.isfinite(lane_error):
                        norm = max(norm, lane_error)
                    else:
                        alive[lane] = False
                        code[lane] = CELL_NONFINITE
                        stopped_at[lane] = index
            if not alive.any():
                break
            if norm <= 1.0:
                reached = t_end if h >= t_end - t else t + h
                previous_in_step = False
                while index < n_times and times[index] <= reached:
                    if times[index] == reached:
                        for lane in range(n_real):
                            if alive[lane]:
                                for i in range(n_internal):
                                    states[first_cell + lane, index, i] = x_new[i, lane]
                    else:
                        # On an even output grid, e^z of the next output is that of the previous times e^(-spacing/tau).
                        recurrence = previous_in_step and times[index] - times[index - 1] == spacing
                        _output_weights(h, (times[index] - t) / h, lane_rate, shared, recurrence, spacing_decay,
                                        decay, weight_x, weight_mid, weight_end)  # fmt: skip
                        for lane in range(n_real):
                            if alive[lane]:
                                cell = first_cell + lane
                                for i in range(n_internal):
                                    q = rate_of[i]
                                    states[cell, index, i] = (
                                        decay[q, lane] * x[i, lane]
                                        + weight_x[q, lane] * b_x[i, lane]
                                        + weight_mid[q, lane] * b_mid[i, lane]
                                        + weight_end[q, lane] * b_end[i, lane]
                                    )
                        previous_in_step = True
                    index += 1
                t = reached
                x[:, :] = x_new
                if fourth_order:
                    b_x[:, :] = b_new
                else:
                    _lane_target(x, network, b_x)
                accepted += 1
            else:
                failed += 1
            growth = 5.0 if norm == 0.0 else 0.9 * norm ** (-1.0 / order)
            h = h * min(5.0, max(0.2, growth))
        for lane in range(n_real):
            cell = first_cell + lane
            steps[cell] = accepted
            rejected[cell] = failed
            status[cell] = code[lane]
            for later in range(stopped_at[lane], n_times):
                for i in range(n_internal):
                    states[cell, later, i] = np.nan


def hill_terms(
    source: NDArray[np.int64], hill: NDArray[np.float64], threshold: NDArray[np.float64], n_internal: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Group the edges from internal nodes that share their source, Hill coefficient and threshold in every row.

    Returns
    -------
    term_source, term_edge, term_power : numpy.ndarray of int
        Per term: its source node, one of its edges (for its :math:`n` and :math:`k`), and :math:`n` when it is the
        same integer 1-4 in every row (computed by multiplication), else 0.
    edge_term : numpy.ndarray of int
        Per edge: its term (-1 for edges from inputs).
    """
    edge_term = np.full(len(source), -1, dtype=np.int64)
    keys: dict[tuple[int, bytes, bytes], int] = {}
    term_edge = []
    for e in np.flatnonzero(source < n_internal):
        key = (int(source[e]), hill[:, e].tobytes(), threshold[:, e].tobytes())
        if key not in keys:
            keys[key] = len(term_edge)
            term_edge.append(int(e))
        edge_term[e] = keys[key]
    term_edge_array = np.array(term_edge, dtype=np.int64)
    term_power = np.zeros(len(term_edge), dtype=np.int64)
    for u, e in enumerate(term_edge):
        values = np.unique(hill[:, e])
        if len(values) == 1 and values[0] in (1.0, 2.0, 3.0, 4.0):
            term_power[u] = int(values[0])
    return source[term_edge_array].astype(np.int64), term_edge_array, term_power, edge_term


def compressed_slots(slots: NDArray[np.intp], source: NDArray[np.intp], n_internal: int) -> tuple[NDArray, NDArray]:
    """Return per-node pointers and edge indices of the edges from internal nodes (compressed rows)."""
    n_edges = len(source)
    rows = [[int(slot) for slot in row if slot < n_edges and source[slot] < n_internal] for row in slots]
    pointer = np.zeros(len(rows) + 1, dtype=np.int64)
    pointer[1:] = np.cumsum([len(row) for row in rows])
    flat = np.array([slot for row in rows for slot in row], dtype=np.int64)
    return pointer, flat


def distinct_rates(tau: NDArray[np.float64]) -> NDArray[np.int64]:
    """Per node, the index of its time constant among the distinct ones (the same for every row, else per node)."""
    if tau.shape[0] > 1:
        return np.arange(tau.shape[1], dtype=np.int64)
    _, inverse = np.unique(tau[0], return_inverse=True)
    order = {}
    rate_of = np.empty(tau.shape[1], dtype=np.int64)
    for node, value in enumerate(inverse):
        rate_of[node] = order.setdefault(int(value), len(order))
    return rate_of
