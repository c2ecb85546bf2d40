"""Side measurement for issue 3: would a looser tolerance on our side buy speed at libroadrunner's accuracy?

``etdrk4-lanes`` at rtol 1e-6 ... 3e-4 (atol 1e-9) on 16,000 of ``bench_switch``'s cells against libroadrunner
(the fastest of ``bench_switch.roadrunner_candidates``, rtol 1e-6) looping over the first 500; errors of both
against ``integrate_batch`` at rtol 1e-11 on those 500 cells (per cell the largest deviation over nodes and hours);
rates per CPU-second, so run on one thread: ``NUMBA_NUM_THREADS=1 PYTHONPATH=src:benchmarks python
benchmarks/switch_accuracy_matched.py``. Results are in ``benchmarks/README.md``.
"""

import time

import numpy as np

import bench_switch
from dormancy.params import load_registry
from dormancy.signalling.exponential import integrate_cells
from dormancy.signalling.model import SwitchModel
from dormancy.signalling.switch import integrate_batch

CELLS, SAMPLE = 16_000, 500
RTOLS = (1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4)
HOURS, DAYS = bench_switch.HOURS, bench_switch.DAYS


def main() -> None:
    model = SwitchModel.from_parameter_set(load_registry().sets["switch_er_negative"])
    rng = np.random.default_rng(2024)  # the benchmark's cells: the same draws, the first CELLS of them
    inputs = rng.uniform(0.0, 1.0, size=(bench_switch.CELLS, len(model.wiring.inputs)))[:CELLS]
    initial = rng.uniform(0.0, 1.0, size=(bench_switch.CELLS, len(model.wiring.internal)))[:CELLS]
    wiring, kinetics = model.wiring, model.kinetics
    reference = integrate_batch(wiring, kinetics, initial[:SAMPLE], inputs[:SAMPLE], HOURS, rtol=1e-11, atol=1e-13)

    best = None
    for label, runner in bench_switch.roadrunner_candidates(model).items():
        cpu = np.inf
        for _ in range(3):
            states, _, seconds = bench_switch.roadrunner_loop(
                runner, model, inputs[:SAMPLE], initial[:SAMPLE], 1e-6, 1e-9
            )
            cpu = min(cpu, seconds)
        if best is None or SAMPLE * DAYS / cpu > best[0]:
            best = (SAMPLE * DAYS / cpu, states, label)
    runner_rate, runner_states, runner_label = best
    runner_error = np.abs(runner_states - reference.states).max(axis=(0, 2))
    print(
        f"libroadrunner ({runner_label}) rtol 1e-6: {runner_rate:,.0f} cell-days/CPU-s, "
        f"error max {runner_error.max():.1e} median {np.median(runner_error):.1e}"
    )

    integrate_cells(wiring, kinetics, initial[:2], inputs[:2], HOURS, method="etdrk4-lanes")  # compile
    buffer = None
    for rtol in RTOLS:
        cpu = np.inf
        for _ in range(2):
            start = time.process_time()
            result = integrate_cells(
                wiring, kinetics, initial, inputs, HOURS, rtol=rtol, atol=1e-9, method="etdrk4-lanes", out=buffer
            )
            cpu = min(cpu, time.process_time() - start)
            buffer = result.states
        error = np.abs(result.states[:, :SAMPLE] - reference.states).max(axis=(0, 2))
        rate = CELLS * DAYS / cpu
        fair = error.max() <= runner_error.max() and np.median(error) <= np.median(runner_error)
        print(
            f"etdrk4-lanes rtol {rtol:g}: {rate:,.0f} cell-days/CPU-s, ratio {rate / runner_rate:.1f}, attempted steps "
            f"median {np.median(result.steps + result.rejected):.0f}, error max {error.max():.1e} median "
            f"{np.median(error):.1e}, {'as accurate' if fair else 'less accurate'}"
        )


if __name__ == "__main__":
    main()
