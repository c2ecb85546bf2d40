"""Benchmark: the virtual-patient cohort, 1,000,000 patients × 20 years, against a per-patient Python loop.

* ``simulate_cohort`` in-process (compiled kernel, Numba threads over patients, chunks of 65,536) on
  ``PATIENTS`` patients × 20 years: wall time, patient-years per second and peak resident memory (``ru_maxrss``,
  which includes the Numba-allocated arrays tracemalloc cannot see). The niche tables are built (or read from the
  disk cache) and the kernel compiled before timing, by a small warm-up cohort.
* The same with one Numba thread on ``ONE_THREAD`` patients (thread scaling).
* Reference: the same kernel run as plain Python (a subprocess with ``NUMBA_DISABLE_JIT=1``: a per-patient,
  per-step Python loop) on the first ``SAMPLE`` patients of the same cohort; its rate is extrapolated linearly
  (patients are independent), and its rows must equal the compiled ones (same seed, same ids). The subprocess
  reads the niche tables from the benchmark's own disk cache (a ``TableCache`` on a temporary folder).

Target (issue 6): 1,000,000 patients × 20 years in at most 60 s on 2 cores. Run with
``python -m pytest -m benchmark benchmarks/bench_cohort.py -s``.
"""

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import pandas as pd
import pytest

from dormancy.coupling.tables import TableCache
from dormancy.patients import CohortSpec, simulate_cohort

PATIENTS = 1_000_000
ONE_THREAD = 200_000
SAMPLE = 100
SEED = 2026


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


CACHE_FOLDER = Path(tempfile.mkdtemp(prefix="dormancy-bench-tables-"))
CACHE = TableCache(CACHE_FOLDER)  # on disk, so that the plain-Python subprocess reads the same tables


def _timed(n: int) -> tuple[float, object]:
    start = time.perf_counter()
    result = simulate_cohort(CohortSpec(n), seed=SEED, cache=CACHE)
    return time.perf_counter() - start, result


@pytest.mark.benchmark
def test_cohort_throughput():
    simulate_cohort(CohortSpec(2_000), seed=SEED, cache=CACHE)  # tables and compilation, not timed
    threads = numba.get_num_threads()
    seconds, result = _timed(PATIENTS)
    table = result.table
    years = PATIENTS * 20.0
    print(
        f"\n{PATIENTS:,} patients × 20 y, {threads} Numba threads: {seconds:.1f} s, "
        f"{years / seconds:,.0f} patient-years/s"
    )
    print(
        f"peak resident memory {_peak_mib():,.0f} MiB; recurred {table['recurred'].mean():.3f}; "
        f"statuses {dict(table['status'].value_counts())}"
    )

    numba.set_num_threads(1)
    try:
        one_seconds, _ = _timed(ONE_THREAD)
    finally:
        numba.set_num_threads(threads)
    one_rate = ONE_THREAD * 20.0 / one_seconds
    print(
        f"1 thread: {ONE_THREAD:,} patients in {one_seconds:.1f} s, {one_rate:,.0f} patient-years/s; "
        f"{threads} threads / 1 thread = {(years / seconds) / one_rate:.2f}"
    )

    script = (
        "import sys, time; from pathlib import Path; from dormancy.patients import CohortSpec, simulate_cohort; "
        "from dormancy.coupling.tables import TableCache; "
        f"t = time.perf_counter(); r = simulate_cohort(CohortSpec({SAMPLE}), seed={SEED}, "
        f"cache=TableCache(Path({str(CACHE_FOLDER)!r}))); "
        "print(time.perf_counter() - t); r.table.to_parquet(sys.argv[1])"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "reference.parquet"
        environment = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
        run = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", script, str(path)],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
        loop_seconds = float(run.stdout.strip().splitlines()[-1])
        reference = pd.read_parquet(path)
    same = table.iloc[:SAMPLE].reset_index(drop=True)
    pd.testing.assert_frame_equal(reference, same, check_dtype=False)
    loop_rate = SAMPLE * 20.0 / loop_seconds
    print(
        f"pure-Python per-patient loop (the kernel with NUMBA_DISABLE_JIT=1; niche tables from the cache) on {SAMPLE} "
        f"patients: {loop_seconds:.1f} s, {loop_rate:,.0f} patient-years/s, identical rows; "
        f"compiled / loop = {(years / seconds) / loop_rate:,.0f}×"
    )
    assert seconds > 0
