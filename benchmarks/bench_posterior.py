"""Benchmark (issue 18): posterior-predictive CLEVER and AZURE over posterior draws, and 2 Dask workers against 1.

Targets of the issue: CLEVER and AZURE over 100 posterior draws in at most 15 minutes on 2 cores; the speed-up of 2
Dask workers over 1 on the same job at least 1.7x.

* Posterior: the shipped one (``patients_posterior.parquet``, the default of ``--posterior``).
  :func:`near_shipped_posterior` (draws of the free parameters near the shipped values) remains for the profile
  script and the tests, where the cost of a draw, not the calibration, is measured.
* Tables: a disk table cache in a temporary folder; a one-draw warm-up of each design (niche and regimen tables
  built, kernels compiled) is timed separately.
* Timed: ``run_trial_posterior`` in-process (Numba's threads on both cores) with ``--draws`` draws, ``--clever``
  and ``--azure`` published-size replicates per draw; the time per draw extrapolates linearly to 100 draws (draws
  are independent, each with the same work).
* Speed-up: the same CLEVER job on a LocalCluster of 1 worker process and of 2 (one thread and one Numba thread
  each), after one warm-up run on every worker (``client.run``); the two results must be identical. The two
  clusters run alternately ``--repeats`` times and the median of the paired ratios is printed: on this shared
  virtual machine the same task's CPU time varies by 10-25 % between minutes. Printed with
  the load-independent figures: the client process's CPU seconds (its serial work, plus the scheduler and nannies
  that run in it) and each worker's CPU seconds during the run (busy = CPU / wall).

Run: ``nice python benchmarks/bench_posterior.py --draws 10 --clever 20 --azure 2 --speedup-draws 8``
(or ``python -m pytest -m benchmark benchmarks/bench_posterior.py -s`` for the defaults below).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time

import numpy as np
import pandas as pd
import pytest

from dormancy.distributed import executor
from dormancy.params import load_registry
from dormancy.params.posterior import Posterior, load_posterior
from dormancy.patients import FREE_PARAMETERS, therapy
from dormancy.trials import load_design, run_trial_posterior

SEED = 2026


def near_shipped_posterior(n: int = 100, *, seed: int = 18, spread: float = 0.15) -> Posterior:
    """Equal-weight draws of the free parameters near the shipped values (a stand-in for the real posterior)."""
    registry = load_registry()
    rng = np.random.default_rng(seed)
    columns = []
    for name in FREE_PARAMETERS:
        record = registry.parameter(name)
        columns.append(
            np.clip(record.value * np.exp(spread * rng.standard_normal(n)), record.prior.low, record.prior.high)
        )
    return Posterior(FREE_PARAMETERS, np.column_stack(columns), np.ones(n), {"method": "benchmark: near shipped"})


def _timed(spec, posterior, draws: int, replicates: int, place=None) -> tuple[float, object]:
    start, cpu = time.perf_counter(), time.process_time()
    result = run_trial_posterior(
        spec, seed=SEED, posterior=posterior, posterior_draws=draws, replicates=replicates, executor=place
    )
    # this process's CPU time, all its threads: the whole run in-process; on a LocalCluster the client's serial
    # work plus the scheduler's and nannies' (they run in this process)
    _timed.cpu = time.process_time() - cpu
    return time.perf_counter() - start, result


def run(
    draws: int,
    clever: int,
    azure: int,
    speedup_draws: int,
    speedup_replicates: int,
    cache: str | None = None,
    repeats: int = 3,
) -> dict[str, float]:
    print(f"load average at start: {os.getloadavg()}")
    posterior = load_posterior()
    numbers: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as temporary:
        folder = cache or temporary
        therapy.use_table_cache_folder(folder)
        for name, replicates in (("clever", clever), ("azure", azure)):
            spec = load_design(name)
            warm, _ = _timed(spec, posterior, 1, 2)
            seconds, result = _timed(spec, posterior, draws, replicates)
            per_draw = seconds / draws
            numbers[f"{name}_per_draw_s"] = per_draw
            numbers[f"{name}_cpu_per_draw_s"] = _timed.cpu / draws
            print(
                f"{name}: warm-up (1 draw x 2 replicates, tables built) {warm:.1f} s; {draws} draws x {replicates} "
                f"replicates in-process {seconds:.1f} s = {per_draw:.2f} s per draw -> 100 draws {100 * per_draw:.0f} s"
                f"; CPU {_timed.cpu:.1f} s = {_timed.cpu / draws:.2f} CPU-s per draw"
            )
            summary = result.summary()
            primary = summary[summary["primary"]].head(3)
            print(primary[["endpoint", "arm", "median", "cri_low", "cri_high", "probability_positive"]].to_string())
            print(f"load average: {os.getloadavg()}")
        total = 100 * (numbers["clever_per_draw_s"] + numbers["azure_per_draw_s"])
        numbers["both_100_draws_s"] = total
        print(f"CLEVER + AZURE, 100 draws (extrapolated): {total:.0f} s = {total / 60:.1f} min (target <= 15 min)")
        cpu = 100 * (numbers["clever_cpu_per_draw_s"] + numbers["azure_cpu_per_draw_s"])
        print(f"CPU time of 100 draws of both: {cpu:.0f} CPU-s = {cpu / 120:.1f} min on 2 fully used cores")
        if speedup_draws < 1:
            return numbers
        spec = load_design("clever")
        timings: dict[int, list[float]] = {1: [], 2: []}
        frames = {}
        with contextlib.ExitStack() as stack:
            places = {workers: stack.enter_context(executor(workers=workers)) for workers in (1, 2)}
            for place in places.values():
                # every worker exactly once (client.run), untimed: imports, kernels and tables. A map of `workers`
                # tasks may put two on one worker and leave the other cold for the timed run.
                place.client.run(_warm, 0, folder)
            # 1 and 2 workers alternate, so a slow spell of the machine falls on both; the idle cluster's
            # background is a few per cent of a core
            for repeat in range(repeats):
                for workers, place in places.items():
                    before, load = place.client.run(_cpu_s), os.getloadavg()[0]
                    seconds, result = _timed(spec, posterior, speedup_draws, speedup_replicates, place)
                    after = place.client.run(_cpu_s)
                    busy = {w: after[w] - before[w] for w in after}
                    timings[workers].append(seconds)
                    frames[workers] = result.draws
                    print(
                        f"repeat {repeat + 1}, {workers} worker(s): {speedup_draws} CLEVER draws x "
                        f"{speedup_replicates} replicates {seconds:.1f} s (load {load:.1f}); client process (client, "
                        f"scheduler, nannies) {_timed.cpu:.1f} CPU-s; workers {sum(busy.values()):.1f} CPU-s "
                        f"({', '.join(f'{c:.1f}' for c in busy.values())}), busy "
                        f"{sum(busy.values()) / (workers * seconds):.0%} of their wall time"
                    )
                pd.testing.assert_frame_equal(frames[1], frames[2])
        ratios = [one / two for one, two in zip(timings[1], timings[2], strict=True)]
        numbers["speedup_2_over_1"] = float(np.median(ratios))
        print(
            f"speed-up 2 workers / 1: {numbers['speedup_2_over_1']:.2f}x, median of {repeats} paired runs "
            f"({', '.join(f'{r:.2f}' for r in ratios)}) (target >= 1.7); results identical"
        )
        print(f"load average at end: {os.getloadavg()}")
        therapy.use_table_cache_folder(None)
    return numbers


def _cpu_s() -> float:
    """CPU seconds of this process, all its threads."""
    return time.process_time()


def _warm(_: int, folder: str) -> int:
    """Import the trial stack and read the tables in a worker (one small draw)."""
    therapy.share_table_folder(folder)
    spec = load_design("clever")
    run_trial_posterior(spec, seed=0, posterior=near_shipped_posterior(2), posterior_draws=1, replicates=2)
    return os.getpid()


@pytest.mark.benchmark
def test_posterior_predictive_clever_and_azure():
    run(draws=10, clever=20, azure=2, speedup_draws=8, speedup_replicates=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10)
    parser.add_argument("--clever", type=int, default=20, help="CLEVER replicates per draw")
    parser.add_argument("--azure", type=int, default=2, help="AZURE replicates per draw")
    parser.add_argument("--speedup-draws", type=int, default=8)
    parser.add_argument("--speedup-replicates", type=int, default=10)
    parser.add_argument("--cache", help="table cache folder to keep between runs (default: a temporary one)")
    parser.add_argument("--repeats", type=int, default=3, help="paired 1- and 2-worker runs (median ratio)")
    arguments = parser.parse_args()
    run(
        arguments.draws,
        arguments.clever,
        arguments.azure,
        arguments.speedup_draws,
        arguments.speedup_replicates,
        arguments.cache,
        arguments.repeats,
    )
