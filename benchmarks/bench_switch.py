"""Benchmark: the compiled switch integrators against libroadrunner looping over cells.

100,000 cells with random niche inputs, drug effects and initial states (``switch_er_negative``) are integrated over
14 days (336 h) with hourly output at rtol 1e-6, atol 1e-9:

* ``integrate_cells`` (compiled exponential Runge-Kutta, each cell with its own adaptive step, threads over cells)
  on all 100,000 cells, in chunks of ``CELL_CHUNK`` cells so that the hourly states of a chunk fit in memory, with
  both step formulas: ETD3RK (the default) and ETDRK4 (``method="etdrk4"``);
* ``integrate_batch`` (NumPy Dormand-Prince sharing one step per batch) on all 100,000 cells in batches of ``CHUNK``;
* libroadrunner (CVODE, the exported SBML, same tolerances, same hourly grid) looping cell by cell over the first
  ``SAMPLE`` of the same cells, each run starting from its own state and inputs. Looping over all 100,000 cells is
  too slow for a small machine, so its time is extrapolated linearly to 100,000 cells (the runs are independent
  and equally hard on average, as the cells are drawn independently); the printout says so.

All must agree on the sampled cells (within ``AGREEMENT`` absolute), so they did the same work. Equal tolerances
are not equal accuracy (each solver's error is measured against a tight reference), so the ratio is also printed
at about equal accuracy: ``integrate_cells`` at the looser tolerance ``MATCHED`` at which its error is no smaller
than libroadrunner's at rtol 1e-6 (checked). ETDRK4 is less accurate per unit of tolerance than ETD3RK, so it is
also timed at ``FOURTH_MATCHED``, where both its maximum and its median error are no larger than libroadrunner's at
rtol 1e-6 (checked). Throughput is in cell·days per second of wall-clock time, and also per CPU-second (all
threads summed): other jobs sharing the machine disturb that less, and it compares one core with one core. Run with
``python -m pytest -m benchmark benchmarks/bench_switch.py -s``.
"""

import os
import time

import numba
import numpy as np
import pytest

from dormancy.params import load_registry
from dormancy.signalling.exponential import integrate_cells
from dormancy.signalling.model import SwitchModel
from dormancy.signalling.sbml_export import switch_to_sbml
from dormancy.signalling.switch import integrate_batch

roadrunner = pytest.importorskip("roadrunner")

CELLS = 100_000
CHUNK = 1_000
CELL_CHUNK = 10_000
SINGLE_BATCH = 10_000
SAMPLE = 1_000
DAYS = 14
HOURS = np.arange(0.0, DAYS * 24 + 1.0)
RTOL, ATOL = 1e-6, 1e-9
AGREEMENT = 1e-3  # absolute, on activities in [0, 1], at rtol 1e-6
TIGHT = (1e-8, 1e-11)  # libroadrunner tolerances at which its error matches integrate_batch's at RTOL, ATOL
MATCHED = (1e-5, 1e-8)  # integrate_cells tolerances at which its error matches libroadrunner's at RTOL, ATOL
FOURTH_MATCHED = (1e-7, 1e-10)  # ETDRK4 tolerances at which its max and median errors are below libroadrunner's


def roadrunner_loop(runner, model, inputs, initial, rtol, atol):
    runner.integrator.relative_tolerance = rtol
    runner.integrator.absolute_tolerance = atol
    runner.timeCourseSelections = ["time", *model.wiring.internal]
    start, start_cpu = time.perf_counter(), time.process_time()
    states = np.empty((len(HOURS), len(inputs), len(model.wiring.internal)))
    for cell in range(len(inputs)):
        for name, value in zip(model.wiring.inputs, inputs[cell], strict=True):
            runner[name] = float(value)
        for name, value in zip(model.wiring.internal, initial[cell], strict=True):
            runner[name] = float(value)
        states[:, cell, :] = np.asarray(runner.simulate(HOURS[0], HOURS[-1], len(HOURS)))[:, 1:]
    return states, time.perf_counter() - start, time.process_time() - start_cpu


@pytest.mark.benchmark
def test_integrate_batch_versus_libroadrunner_for_100k_cells():
    model = SwitchModel.from_parameter_set(load_registry().sets["switch_er_negative"])
    rng = np.random.default_rng(2024)
    inputs = rng.uniform(0.0, 1.0, size=(CELLS, len(model.wiring.inputs)))
    initial = rng.uniform(0.0, 1.0, size=(CELLS, len(model.wiring.internal)))
    cell_days = CELLS * DAYS
    print(
        f"\nDormancy switch, {CELLS:,} cells x {DAYS} days, hourly output, rtol {RTOL:g}, atol {ATOL:g}, "
        f"{os.cpu_count()} CPU cores"
    )

    integrate_cells(model.wiring, model.kinetics, initial[:2], inputs[:2], HOURS)  # compile (or load the cache)
    cpu_rates = {}

    def run_cells(rtol, atol, method="etd3rk"):
        start, start_cpu = time.perf_counter(), time.process_time()
        sample, steps = None, []
        for first in range(0, CELLS, CELL_CHUNK):
            part = slice(first, min(first + CELL_CHUNK, CELLS))
            result = integrate_cells(
                model.wiring, model.kinetics, initial[part], inputs[part], HOURS, rtol=rtol, atol=atol, method=method
            )
            assert result.ok.all()
            steps.append(result.steps + result.rejected)
            if first == 0:
                sample = result.states[:, :SAMPLE].copy()
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
        steps = np.concatenate(steps)
        cpu_rates[(method, rtol)] = cell_days / cpu_seconds
        print(
            f"integrate_cells {method} at rtol {rtol:g}, atol {atol:g}, all {CELLS:,} cells, "
            f"{numba.get_num_threads()} threads: "
            f"{seconds:.1f} s, {cell_days / seconds:,.0f} cell-days/s (attempted steps per cell: median "
            f"{np.median(steps):.0f}, max {steps.max()}); {cell_days / cpu_seconds:,.0f} cell-days per CPU-second"
        )
        return sample, cell_days / seconds

    cells_states, cells_rate = run_cells(RTOL, ATOL)
    matched_states, matched_rate = run_cells(*MATCHED)
    fourth_states, fourth_rate = run_cells(RTOL, ATOL, "etdrk4")
    fourth_matched_states, fourth_matched_rate = run_cells(*FOURTH_MATCHED, "etdrk4")

    start = time.perf_counter()
    sample_states = None
    steps = []
    for first in range(0, CELLS, CHUNK):
        part = slice(first, min(first + CHUNK, CELLS))
        trajectory = integrate_batch(
            model.wiring, model.kinetics, initial[part], inputs[part], HOURS, rtol=RTOL, atol=ATOL
        )
        steps.append(trajectory.steps + trajectory.rejected)
        if first == 0:
            sample_states = trajectory.states[:, :SAMPLE]
    ours_seconds = time.perf_counter() - start
    ours_rate = cell_days / ours_seconds
    print(
        f"integrate_batch, all {CELLS:,} cells in batches of {CHUNK:,}: {ours_seconds:.1f} s, "
        f"{ours_rate:,.0f} cell-days/s (attempted steps per batch {min(steps)}-{max(steps)})"
    )

    start = time.perf_counter()
    single = integrate_batch(
        model.wiring, model.kinetics, initial[:SINGLE_BATCH], inputs[:SINGLE_BATCH], HOURS, rtol=RTOL, atol=ATOL
    )
    single_seconds = time.perf_counter() - start
    print(
        f"integrate_batch, one batch of the first {SINGLE_BATCH:,} cells: {single_seconds:.1f} s, "
        f"{SINGLE_BATCH * DAYS / single_seconds:,.0f} cell-days/s ({single.steps + single.rejected} attempted steps)"
    )

    start = time.perf_counter()
    runner = roadrunner.RoadRunner(switch_to_sbml(model))
    runner.integrator.maximum_num_steps = 100_000
    setup_seconds = time.perf_counter() - start
    theirs, sample_seconds, sample_cpu = roadrunner_loop(runner, model, inputs[:SAMPLE], initial[:SAMPLE], RTOL, ATOL)
    theirs_rate = SAMPLE * DAYS / sample_seconds
    theirs_cpu_rate = SAMPLE * DAYS / sample_cpu
    print(
        f"libroadrunner {roadrunner.__version__} (CVODE), looping over the first {SAMPLE:,} of the same cells: "
        f"{sample_seconds:.2f} s, {theirs_rate:,.0f} cell-days/s, {theirs_cpu_rate:,.0f} cell-days per CPU-second "
        f"(SBML export and JIT compilation "
        f"{setup_seconds:.2f} s, not counted)"
    )
    print(f"  NOT run on all cells: extrapolated linearly to {CELLS:,} cells: {sample_seconds * CELLS / SAMPLE:.0f} s")
    print(f"RATIO integrate_cells / libroadrunner throughput at equal tolerance: {cells_rate / theirs_rate:.1f}")
    print(
        f"RATIO integrate_cells etdrk4 / libroadrunner throughput at equal tolerance: {fourth_rate / theirs_rate:.1f}"
    )
    # Other jobs may share the machine: the ratio of CPU time (all our threads summed) is less sensitive to them, and
    # it is per core (libroadrunner runs on one): on an idle machine the wall-clock ratio is about it x threads.
    print(
        "ratio per CPU-second at equal tolerance: "
        + ", ".join(f"{m} rtol {r:g}: {rate / theirs_cpu_rate:.1f}" for (m, r), rate in cpu_rates.items())
    )
    print(
        f"ratio integrate_batch / libroadrunner throughput at equal tolerance: {ours_rate / theirs_rate:.2f} "
        f"(one batch of {SINGLE_BATCH:,}: {SINGLE_BATCH * DAYS / single_seconds / theirs_rate:.2f})"
    )
    for label, states in (
        ("integrate_cells", cells_states),
        ("integrate_cells etdrk4", fourth_states),
        ("integrate_batch", sample_states),
    ):
        difference = np.abs(states - theirs).max()
        print(f"agreement of {label} with libroadrunner on {SAMPLE:,} sampled cells: max |difference| {difference:.1e}")
        assert difference < AGREEMENT
    assert np.abs(single.states[:, :SAMPLE] - theirs).max() < AGREEMENT

    # Equal tolerances are not equal accuracy: measure each solver's error against a tight reference, and time
    # libroadrunner again at the tighter tolerance at which its error matches that of integrate_batch.
    reference = integrate_batch(
        model.wiring, model.kinetics, initial[:SAMPLE], inputs[:SAMPLE], HOURS, rtol=1e-11, atol=1e-13
    ).states
    tight, tight_seconds, _ = roadrunner_loop(runner, model, inputs[:SAMPLE], initial[:SAMPLE], *TIGHT)
    tight_rate = SAMPLE * DAYS / tight_seconds
    errors = {}
    for label, states in (
        (f"integrate_cells at rtol {RTOL:g}", cells_states),
        (f"integrate_cells at rtol {MATCHED[0]:g}", matched_states),
        (f"integrate_cells etdrk4 at rtol {RTOL:g}", fourth_states),
        (f"integrate_cells etdrk4 at rtol {FOURTH_MATCHED[0]:g}", fourth_matched_states),
        (f"integrate_batch at rtol {RTOL:g}", sample_states),
        (f"libroadrunner at rtol {RTOL:g}", theirs),
        (f"libroadrunner at rtol {TIGHT[0]:g}, atol {TIGHT[1]:g}", tight),
    ):
        error = np.abs(states - reference).max(axis=(0, 2))
        errors[label] = error
        print(f"  error of {label} (vs rtol 1e-11): max {error.max():.1e}, median {np.median(error):.1e}")
    print(
        f"libroadrunner at rtol {TIGHT[0]:g}: {tight_rate:,.0f} cell-days/s; integrate_batch ratio at about equal "
        f"accuracy: {ours_rate / tight_rate:.2f}"
    )
    # integrate_cells at MATCHED is no more accurate than libroadrunner at RTOL: a fair equal-accuracy comparison.
    theirs_error = errors[f"libroadrunner at rtol {RTOL:g}"]
    assert errors[f"integrate_cells at rtol {MATCHED[0]:g}"].max() >= 0.5 * theirs_error.max()
    print(
        f"RATIO integrate_cells at rtol {MATCHED[0]:g} / libroadrunner at rtol {RTOL:g} (about equal accuracy): "
        f"{matched_rate / theirs_rate:.1f}"
    )
    # ETDRK4 at FOURTH_MATCHED is at least as accurate as libroadrunner at RTOL, by the maximum and the median error.
    fourth_error = errors[f"integrate_cells etdrk4 at rtol {FOURTH_MATCHED[0]:g}"]
    assert fourth_error.max() <= theirs_error.max()
    assert np.median(fourth_error) <= np.median(theirs_error)
    print(
        f"RATIO integrate_cells etdrk4 at rtol {FOURTH_MATCHED[0]:g} / libroadrunner at rtol {RTOL:g} (etdrk4 no less "
        f"accurate by max and median error): {fourth_matched_rate / theirs_rate:.1f}"
    )
