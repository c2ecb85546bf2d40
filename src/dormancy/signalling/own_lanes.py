r"""Cells as SIMD lanes, each lane with its own step: fast, and a cell's result independent of its block-mates.

``method="etd3rk-own"`` and ``"etdrk4-own"`` of :func:`dormancy.signalling.integrate_cells`. The layout and the step
formulas are those of :mod:`dormancy.signalling.lanes` (:data:`~dormancy.signalling.lanes.LANES` cells stored node by
node with the cells innermost, Hill terms shared by the edges that have them, ETD3RK or ETDRK4 of Cox & Matthews
2002, J Comput Phys 176:430-455), so every stage still runs on all lanes at once in vector registers. What differs is
the step control: each lane has its own time, step size, error norm, acceptance, output index and step counter, so
a lane steps exactly as its cell would alone. The step weights (exponentials and :math:`\varphi` functions, per
distinct time constant) are computed per lane from that lane's step. A lane whose cell has reached the last output
time (or failed) idles with a zero step (its state is not changed) until the other lanes of its block finish.

Every floating-point operation on a lane reads only that lane's values, in an order that does not depend on the
lane's position or on the other lanes, so **a cell's result is bit-identical whatever cells share its block, its
position in the block, the number of cells in the call and the number of threads** (tested). This is what the niche
needs: its population changes every step, and with the shared-step ``-lanes`` methods a cell's state moved at 1e-13
when a block-mate died. The price against the shared-step methods is the per-lane weights and idle lanes: a block
takes as many iterations as its slowest cell needs steps.

As in :mod:`dormancy.signalling.lanes`, the compiler may fuse a multiplication and an addition
(``fastmath={"contract"}``); results on one machine are unchanged by it in every respect above.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from dormancy.jit import serial_and_parallel
from dormancy.signalling.compiled import CELL_NONFINITE, CELL_OK, CELL_TOO_MANY_STEPS, phi123, power
from dormancy.signalling.lanes import _lane_target

#: Below this many cells one thread integrates them: measured at load 5 on 2 cores, two threads took 24 ms for 100
#: cells (serial 2 ms), 27 ms for 400 (serial 11 ms) and 77 ms for 3,000 (serial 63 ms).
SERIAL_CELLS = 4096


@numba.njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _own_step_weights(h, lane_rate, decay, half_decay, weight_x, weight_mid, weight_end):
    """Fill the weights of each lane's step ``h[lane]``: e^(-r/2), e^(-r) and the weights of B at three stages."""
    n_rates, lanes = lane_rate.shape
    for q in range(n_rates):
        for lane in range(lanes):
            r = h[lane] * lane_rate[q, lane]
            half = math.exp(-0.5 * r)
            exp_z = half * half
            phi1, phi2, phi3 = phi123(-r, exp_z)
            half_decay[q, lane] = half
            decay[q, lane] = exp_z
            weight_x[q, lane] = r * (phi1 - 3.0 * phi2 + 4.0 * phi3)
            weight_mid[q, lane] = r * 4.0 * (phi2 - 2.0 * phi3)
            weight_end[q, lane] = r * (4.0 * phi3 - phi2)


@numba.njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _write_output(row, lane, h, theta, lane_rate, rate_of, x, b_x, b_mid, b_end):
    """Write the continuous output of one lane at ``theta`` in (0, 1) of its step ``h`` into ``row``."""
    for i in range(row.shape[0]):
        r = h * lane_rate[rate_of[i], lane]
        z = -theta * r
        exp_z = math.exp(z)
        phi1, phi2, phi3 = phi123(z, exp_z)
        p1, p2, p3 = theta * phi1, theta * theta * phi2, theta * theta * theta * phi3
        row[i] = (
            exp_z * x[i, lane]
            + r * (p1 - 3.0 * p2 + 4.0 * p3) * b_x[i, lane]
            + r * 4.0 * (p2 - 2.0 * p3) * b_mid[i, lane]
            + r * (4.0 * p3 - p2) * b_end[i, lane]
        )


def _own_lanes(
    initial, inputs, times, source, weight, hill, threshold, tau, basal, activator_slots, inhibitor_slots,
    has_act, term_source, term_edge, term_power, edge_term, act_ptr, act_edge, inh_ptr, inh_edge,
    rate_of, lanes, fourth_order, rtol, atol, first_step, max_steps, states, steps, rejected, status,
):  # fmt: skip
    """Integrate blocks of ``lanes`` cells, each lane with its own adaptive step (ETD3RK or ETDRK4)."""
    n_cells, n_internal = initial.shape
    n_edges = source.shape[0]
    n_terms = term_source.shape[0]
    n_times = times.shape[0]
    n_blocks = (n_cells + lanes - 1) // lanes
    order = 4.0 if fourth_order else 3.0
    n_rates = rate_of.max() + 1 if n_internal > 0 else 0
    t_end = times[n_times - 1]
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
        t = np.full(lanes, times[0])
        h = np.empty(lanes)
        h_try = np.empty(lanes)
        index = np.ones(lanes, dtype=np.int64)
        accepted = np.zeros(lanes, dtype=np.int64)
        failed = np.zeros(lanes, dtype=np.int64)
        active = np.ones(lanes, dtype=np.bool_)
        code = np.full(lanes, CELL_OK, dtype=np.int8)
        stopped_at = np.full(lanes, n_times, dtype=np.int64)
        for lane in range(lanes):
            h[lane] = min(first_step, t_end - times[0])
            if n_times < 2 or lane >= n_real:
                active[lane] = False  # padding lanes idle
        for lane in range(n_real):
            for i in range(n_internal):
                states[first_cell + lane, 0, i] = x[i, lane]
        _lane_target(x, network, b_x)
        while active.any():
            for lane in range(lanes):
                if active[lane] and accepted[lane] + failed[lane] >= max_steps:
                    active[lane] = False
                    code[lane] = CELL_TOO_MANY_STEPS
                    stopped_at[lane] = index[lane]
                h_try[lane] = min(h[lane], t_end - t[lane]) if active[lane] else 0.0
            if not active.any():
                break
            _own_step_weights(h_try, lane_rate, decay, half_decay, weight_x, weight_mid, weight_end)
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
            any_accepted = False
            for lane in range(lanes):
                if not active[lane]:
                    continue
                norm = math.sqrt(lane_norm[lane] / n_internal)
                if not math.isfinite(norm):
                    active[lane] = False
                    code[lane] = CELL_NONFINITE
                    stopped_at[lane] = index[lane]
                    continue
                step = h_try[lane]
                if norm <= 1.0:
                    reached = t_end if step >= t_end - t[lane] else t[lane] + step
                    cell = first_cell + lane
                    while index[lane] < n_times and times[index[lane]] <= reached:
                        if lane < n_real:
                            row = states[cell, index[lane]]
                            if times[index[lane]] == reached:
                                for i in range(n_internal):
                                    row[i] = x_new[i, lane]
                            else:
                                theta = (times[index[lane]] - t[lane]) / step
                                _write_output(row, lane, step, theta, lane_rate, rate_of, x, b_x, b_mid, b_end)
                        index[lane] += 1
                    t[lane] = reached
                    for i in range(n_internal):
                        x[i, lane] = x_new[i, lane]
                        if fourth_order:
                            b_x[i, lane] = b_new[i, lane]
                    any_accepted = True
                    accepted[lane] += 1
                    if index[lane] >= n_times:
                        active[lane] = False
                else:
                    failed[lane] += 1
                growth = 5.0 if norm == 0.0 else 0.9 * norm ** (-1.0 / order)
                h[lane] = step * min(5.0, max(0.2, growth))
            if any_accepted and not fourth_order:
                _lane_target(x, network, b_x)  # unchanged lanes get the same values again
        for lane in range(n_real):
            cell = first_cell + lane
            steps[cell] = accepted[lane]
            rejected[cell] = failed[lane]
            status[cell] = code[lane]
            for later in range(stopped_at[lane], n_times):
                for i in range(n_internal):
                    states[cell, later, i] = np.nan


_JIT = dict(cache=True, error_model="numpy", fastmath={"contract"})
own_lanes_serial, own_lanes_parallel = serial_and_parallel(_own_lanes, **_JIT)
"""The kernel on one thread (for fewer than :data:`SERIAL_CELLS` cells), and with blocks in threads (``prange``)."""
