"""Benchmark: the compiled switch integrator against libroadrunner looping over cells (issue 3).

100,000 cells with random niche inputs, drug effects and initial states (``switch_er_negative``) are integrated over
14 days (336 h) with hourly output at rtol 1e-6, atol 1e-9 (the same tolerances for every solver):

* ``integrate_cells`` on all 100,000 cells, in chunks of ``CELL_CHUNK`` cells (a multiple of the lane count, so
  the blocks of the ``-lanes`` methods are the same as in one call) so that the hourly states of a chunk fit in
  memory, with the per-cell default ETD3RK and the two lane methods (blocks of ``LANES`` cells sharing one step,
  computed in vector registers). Each chunk's states are written into the array of the previous chunk
  (``out=``), as a caller consuming chunk by chunk would; ``etdrk4-lanes`` is also timed with a new array per
  chunk (the cost of the operating system mapping fresh memory);
* libroadrunner (CVODE with BDF, its default and here its fastest setting: Adams was ~3x slower; the exported SBML,
  same tolerances, same hourly grid, same initial states and inputs set by index) looping cell by cell over the
  first ``SAMPLE`` of the same cells. Looping over all 100,000 cells is too slow for a small machine, so its rate
  is that of the sample (the cells are drawn independently, so the sample is as hard on average as the rest); the
  printout says so. Several instances are timed (the first one loaded in a process, a second one, one compiled
  with LLVM's aggressive optimisation) and the fastest per CPU-second is the reference, so that the reference is
  not handicapped by how it happens to be loaded.

Each side is timed ``REPEATS`` times in this process and the fastest run counts (the machine is shared). Rates are
cell·days per second of wall-clock time (ours on all Numba threads, libroadrunner on one) and per CPU-second (all
threads summed; compares one core with one core and is less disturbed by other jobs). Accuracy is measured, not
assumed: every solver's error on the sampled cells against ``integrate_batch`` at rtol 1e-11 (per cell, the largest
deviation over nodes and hours; maximum and median over cells), and a method counts as fair only if both are no
larger than libroadrunner's. The sample holds ill-conditioned cells (two of the 1,000 since the miR-222/223 -| ERK
edge: near the p38/ERK threshold, where every solver's error is about 3,000 times its rtol, libroadrunner's
included), so at rtol 1e-6 the lane kernels can lose on the max while winning on the median by 5-10x;
``etdrk4-lanes`` is therefore also timed at ``MATCHED``'s tighter rtol, where it must be at least as accurate as
libroadrunner at rtol 1e-6 by both measures (asserted), and its ratio there is the like-for-like one.
Run with ``python -m pytest -m benchmark benchmarks/bench_switch.py -s``.
"""

import os
import time

import numba
import numpy as np
import pytest

from dormancy.params import load_registry
from dormancy.signalling.exponential import integrate_cells
from dormancy.signalling.lanes import LANES
from dormancy.signalling.model import SwitchModel
from dormancy.signalling.sbml_export import switch_to_sbml
from dormancy.signalling.switch import integrate_batch

roadrunner = pytest.importorskip("roadrunner")

CELLS = 100_000
CELL_CHUNK = 10_000
SAMPLE = 1_000
REPEATS = 2
RUNNER_REPEATS = 3
DAYS = 14
HOURS = np.arange(0.0, DAYS * 24 + 1.0)
RTOL, ATOL = 1e-6, 1e-9
#: The same model: libroadrunner's and our median error against the tight reference (absolute, activities in [0, 1]).
SAME_MODEL = 1e-4
METHODS = ("etd3rk", "etd3rk-lanes", "etdrk4-lanes")
#: ``etdrk4-lanes`` also at a tighter tolerance, where it is at least as accurate as libroadrunner at RTOL by max and
#: median error on the sample even when the sample holds ill-conditioned cells (see the module docstring).
MATCHED = ("etdrk4-lanes", 3e-7)


def roadrunner_loop(runner, model, inputs, initial, rtol, atol):
    """Integrate cell by cell: set the inputs and initial state by index (faster than by name), then simulate."""
    runner.integrator.relative_tolerance = rtol
    runner.integrator.absolute_tolerance = atol
    runner.timeCourseSelections = ["time", *model.wiring.internal]
    ids = list(runner.model.getGlobalParameterIds())
    input_index = np.array([ids.index(name) for name in model.wiring.inputs], dtype=np.int32)
    state_index = np.array([ids.index(name) for name in model.wiring.internal], dtype=np.int32)
    start, start_cpu = time.perf_counter(), time.process_time()
    states = np.empty((len(HOURS), len(inputs), len(model.wiring.internal)))
    for cell in range(len(inputs)):
        runner.model.setGlobalParameterValues(input_index, inputs[cell])
        runner.model.setGlobalParameterValues(state_index, initial[cell])
        states[:, cell, :] = np.asarray(runner.simulate(HOURS[0], HOURS[-1], len(HOURS)))[:, 1:]
    return states, time.perf_counter() - start, time.process_time() - start_cpu


def roadrunner_candidates(model):
    """Reference instances: CVODE (BDF, its default) as loaded, twice (the first instance in a process ran ~1.5x slower
    than later ones in our measurements), and with LLVM's aggressive optimisation; the fastest one counts."""
    sbml = switch_to_sbml(model)
    config = roadrunner.Config
    level = config.getValue(config.LLJIT_OPTIMIZATION_LEVEL)
    runners = {"first instance": roadrunner.RoadRunner(sbml), "second instance": roadrunner.RoadRunner(sbml)}
    config.setValue(config.LLJIT_OPTIMIZATION_LEVEL, config.AGGRESSIVE)
    try:
        runners["LLVM aggressive optimisation"] = roadrunner.RoadRunner(sbml)
    finally:
        config.setValue(config.LLJIT_OPTIMIZATION_LEVEL, level)
    for runner in runners.values():
        runner.integrator.maximum_num_steps = 100_000
    return runners


@pytest.mark.benchmark
def test_integrate_cells_versus_libroadrunner_for_100k_cells():
    assert CELL_CHUNK % LANES == 0
    model = SwitchModel.from_parameter_set(load_registry().sets["switch_er_negative"])
    rng = np.random.default_rng(2024)
    inputs = rng.uniform(0.0, 1.0, size=(CELLS, len(model.wiring.inputs)))
    initial = rng.uniform(0.0, 1.0, size=(CELLS, len(model.wiring.internal)))
    cell_days = CELLS * DAYS
    load = os.getloadavg()
    print(
        f"\nDormancy switch, {CELLS:,} cells x {DAYS} days, hourly output, rtol {RTOL:g}, atol {ATOL:g}, "
        f"{os.cpu_count()} CPU cores, {numba.get_num_threads()} Numba threads, load average {load[0]:.1f}"
    )

    rates, samples = {}, {}
    timed = [(method, RTOL, True) for method in METHODS] + [("etdrk4-lanes", RTOL, False), (*MATCHED, True)]
    for method, rtol, reuse in timed:
        label = method if rtol == RTOL else f"{method} at rtol {rtol:g}"
        label = label if reuse else f"{label} (new output array per chunk)"
        integrate_cells(model.wiring, model.kinetics, initial[:2], inputs[:2], HOURS, method=method)  # compile
        best_wall = best_cpu = np.inf
        for _ in range(REPEATS):
            start, start_cpu = time.perf_counter(), time.process_time()
            steps, buffer = [], None
            for first in range(0, CELLS, CELL_CHUNK):
                part = slice(first, min(first + CELL_CHUNK, CELLS))
                result = integrate_cells(
                    model.wiring, model.kinetics, initial[part], inputs[part], HOURS, rtol=rtol, atol=ATOL,
                    method=method, out=buffer,
                )  # fmt: skip
                assert result.ok.all()
                steps.append(result.steps + result.rejected)
                if first == 0 and reuse:
                    samples[label] = result.states[:, :SAMPLE].copy()
                if reuse and part.stop - part.start == CELL_CHUNK:
                    buffer = result.states
            best_wall = min(best_wall, time.perf_counter() - start)
            best_cpu = min(best_cpu, time.process_time() - start_cpu)
        steps = np.concatenate(steps)
        rates[label] = (cell_days / best_wall, cell_days / best_cpu)
        print(
            f"integrate_cells {label}, all {CELLS:,} cells: {best_wall:.1f} s, {rates[label][0]:,.0f} cell-days/s, "
            f"{rates[label][1]:,.0f} cell-days per CPU-second (attempted steps per cell: median "
            f"{np.median(steps):.0f}, max {steps.max()})"
        )

    start = time.perf_counter()
    runners = roadrunner_candidates(model)
    setup_seconds = time.perf_counter() - start
    runner_rates, runner_states = {}, {}
    for label, runner in runners.items():
        best_wall = best_cpu = np.inf
        for _ in range(RUNNER_REPEATS):
            states, seconds, cpu_seconds = roadrunner_loop(runner, model, inputs[:SAMPLE], initial[:SAMPLE], RTOL, ATOL)
            best_wall, best_cpu = min(best_wall, seconds), min(best_cpu, cpu_seconds)
        runner_rates[label] = (SAMPLE * DAYS / best_wall, SAMPLE * DAYS / best_cpu)
        runner_states[label] = states
        print(
            f"libroadrunner {roadrunner.__version__} (CVODE), {label}, looping over the first {SAMPLE:,} of the same "
            f"cells: {best_wall:.2f} s, {runner_rates[label][0]:,.0f} cell-days/s, {runner_rates[label][1]:,.0f} "
            "cell-days per CPU-second"
        )
    fastest = max(runner_rates, key=lambda label: runner_rates[label][1])
    theirs_rate, theirs_cpu_rate = runner_rates[fastest]
    theirs = runner_states[fastest]
    for label, states in runner_states.items():
        difference = np.abs(states - theirs).max()
        print(f"  libroadrunner {label} against {fastest}: largest difference {difference:.1e}")
        assert difference < SAME_MODEL  # the same solver, loaded differently
    print(
        f"  reference: the fastest per CPU-second ({fastest}); SBML export and JIT compilation of all "
        f"{len(runners)} instances {setup_seconds:.2f} s, not counted; NOT run on all cells: at that rate "
        f"{CELLS:,} cells would take {CELLS * DAYS / theirs_rate:.0f} s"
    )

    reference = integrate_batch(
        model.wiring, model.kinetics, initial[:SAMPLE], inputs[:SAMPLE], HOURS, rtol=1e-11, atol=1e-13
    ).states
    errors = {}
    for label, states in (*samples.items(), ("libroadrunner", theirs)):
        errors[label] = np.abs(states - reference).max(axis=(0, 2))
        print(
            f"  error of {label} (vs integrate_batch at rtol 1e-11, {SAMPLE:,} cells): max {errors[label].max():.1e}, "
            f"median {np.median(errors[label]):.1e}; cells off by more than 1e-3: {(errors[label] > 1e-3).sum()}"
        )
        assert np.median(errors[label]) < SAME_MODEL, f"{label} does not solve the reference's model"
    fair = {
        label: errors[label].max() <= errors["libroadrunner"].max()
        and np.median(errors[label]) <= np.median(errors["libroadrunner"])
        for label in samples
    }
    for label in samples:
        wall, cpu = rates[label]
        print(
            f"RATIO integrate_cells {label} / libroadrunner at rtol {RTOL:g}: {wall / theirs_rate:.1f} wall-clock "
            f"({numba.get_num_threads()} threads against 1), {cpu / theirs_cpu_rate:.1f} per CPU-second; "
            f"{'at least as accurate by max and median error' if fair[label] else 'LESS ACCURATE than libroadrunner'}"
        )
    wall, cpu = rates["etdrk4-lanes (new output array per chunk)"]
    print(
        f"RATIO integrate_cells etdrk4-lanes, new output array per chunk / libroadrunner: {wall / theirs_rate:.1f}"
        f" wall-clock, {cpu / theirs_cpu_rate:.1f} per CPU-second"
    )
    # The fast kernel must have a tolerance at which it does not buy speed with accuracy.
    matched = f"{MATCHED[0]} at rtol {MATCHED[1]:g}"
    assert fair[matched], f"{matched} is less accurate than libroadrunner at rtol {RTOL:g}"
