"""Benchmark: a virtual-lab dish, one integrator call per phase against one call per population step.

The default ``coculture-exosomes`` dish (2,000 tumour cells as 48 switch clones, ER−) is grown for 7 days in primed
MSC exosomes, 1-hour population steps. Ours (:func:`dormancy.lab.dish.culture`) integrates the switch once per phase
with outputs at the steps; the reference, in the same process, calls ``integrate_cells`` once per step (restarting
the integrator every hour), then applies the same tau-leaping. Printed: wall time of each, their ratio, cells at
the end (same seed, so both population processes use the same draws) and the largest difference in node activity
at day 7 (the continuous output against restarts).

Run with ``python -m pytest -m benchmark benchmarks/bench_lab.py -s``.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from dormancy.lab.dish import Phase, _leap_step, condition_stream, culture, medium_inputs, seed_dish, switch_inputs
from dormancy.rng import replicate_generator
from dormancy.signalling import integrate_cells

DAYS = 7.0
REPEATS = 3


def _per_step(dish, phase, seed):
    rng = replicate_generator(seed, condition_stream("x"))
    inputs = switch_inputs(dish.model, phase.inputs, len(dish.states))
    for _ in range(int(phase.hours)):
        trajectory = integrate_cells(
            dish.model.wiring, dish.kinetics, dish.states, inputs, np.array([0.0, 1.0]), first_step_hours=1.0
        )
        dish = _leap_step(replace(dish, states=np.ascontiguousarray(trajectory.states[-1])), phase, 1.0, rng)
    return dish


@pytest.mark.benchmark
def test_dish_per_phase_against_per_step():
    dish = seed_dish(seed=1, cells=2000, clones=48)
    v = dish.values
    phase = Phase(DAYS * 24.0, {**medium_inputs(v), "MIR222_223": v["primed_exosome_mir"] * 0.67}, label="exosomes")
    culture(dish, [Phase(2.0, phase.inputs)], seed=1, condition="warm-up")
    _per_step(dish, Phase(2.0, phase.inputs), 1)
    ours, reference = [], []
    for _ in range(REPEATS):
        start = time.perf_counter()
        grown, _ = culture(dish, [phase], seed=1, condition="x", step_hours=1.0)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        stepped = _per_step(dish, phase, 1)
        reference.append(time.perf_counter() - start)
    best, ref = min(ours), min(reference)
    difference = float(np.abs(grown.states - stepped.states).max())
    print(
        f"\ndish 7 d, 48 clones, 168 steps: per phase {best:.3f} s, per step {ref:.3f} s, ratio {ref / best:.1f}x; "
        f"cells {grown.total} vs {stepped.total}; max node difference at day 7 {difference:.2e}"
    )
    assert difference < 1e-3
