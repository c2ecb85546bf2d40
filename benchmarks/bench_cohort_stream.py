"""Benchmark: a cohort streamed to a Parquet dataset (issue 21, item 5), in-process and on Dask workers.

Cases (each run in its own process, so its peak resident memory is its own; ``ru_maxrss``, which counts the
Numba-allocated arrays):

* ``inprocess``: :func:`dormancy.patients.stream_cohort` of ``--patients`` (default 10,000,000) × 20 years in this
  process (Numba threads over the chunk's patients). Start-up (niche tables from the disk cache, kernel load, a
  small warm-up cohort) is timed apart.
* ``dask``: the same on a ``LocalCluster`` of ``--workers`` worker processes (one thread and one Numba thread each);
  the workers write their chunks and return only their statistics. Peak memory of the client, of every worker and
  of the scheduler. Start-up (cluster, kernel load and a warm-up cohort on every worker) is timed apart.
* ``scaling``: ``--patients`` (default 2,000,000) on 1 then 2 workers (one Numba thread each), start-up excluded
  and reported apart; the speed-up of 2 workers over 1.

Every figure is printed with the machine's load average (1, 5, 15 min) before and after, and with the CPU seconds
the run took (this process, and with Dask its workers too): the machine is shared, and under load the wall time
measures the others' work as much as ours.
Targets (issue 21): 10M × 20 y in ≤ 3 min with peak memory ≤ 2 GB in-process and with 2 workers; 2 workers ≥ 1.7×
one on 2M. Run: ``python benchmarks/bench_cohort_stream.py inprocess|dask|scaling [--patients N] [--years Y]`` (use
``nice`` on a shared machine; ``--years`` shorter than 20 makes the workers' part cheaper when only the client's memory
is measured, which does not depend on the follow-up except through the event tables' ties). The niche tables are
cached in ``$TMPDIR/dormancy-bench-stream-tables``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

SEED = 2026
YEARS = 20.0
CACHE_FOLDER = Path(tempfile.gettempdir()) / "dormancy-bench-stream-tables"


def _load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process and its finished children so far."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _cache():
    from dormancy.coupling.tables import TableCache

    CACHE_FOLDER.mkdir(exist_ok=True)
    return TableCache(CACHE_FOLDER)


def _warm(cache_folder: str) -> float:
    """Load the kernel and simulate a small cohort in this process (a worker's start-up); return its peak MiB."""
    from dormancy.coupling.tables import TableCache
    from dormancy.patients import CohortSpec, simulate_cohort

    simulate_cohort(CohortSpec(500, followup_years=YEARS), seed=SEED, cache=TableCache(Path(cache_folder)))
    return _peak_mib()


def _numba_threads() -> int:
    import numba

    return numba.get_num_threads()


def _report(label: str, n: int, seconds: float, result, before: str, cpu: float) -> None:
    summary = result.summary
    size = sum(f.stat().st_size for f in (result.path / "patients").iterdir()) / 2**20
    print(
        f"{label}: {n:,} patients × {YEARS:g} y streamed in {seconds:.1f} s wall, {cpu:.1f} CPU-s "
        f"({n * YEARS / seconds:,.0f} patient-years/s), {result.n_chunks} chunks, {size:,.0f} MiB of Parquet; "
        f"recurred {summary.er_recurred.sum() / summary.patients:.4f}; {before} → {_load()}",
        flush=True,
    )


def in_process(n: int, folder: Path) -> None:
    from dormancy.patients import CohortSpec, stream_cohort

    before = _load()
    start = time.perf_counter()
    _warm(str(CACHE_FOLDER))
    cache = _cache()
    print(f"in-process start-up (tables from cache, kernel, warm-up): {time.perf_counter() - start:.1f} s; {before}")
    before, cpu = _load(), _cpu_s()
    start = time.perf_counter()
    result = stream_cohort(CohortSpec(n, followup_years=YEARS), folder / "cohort", seed=SEED, cache=cache)
    seconds = time.perf_counter() - start
    _report("in-process", n, seconds, result, before, _cpu_s() - cpu)
    print(f"in-process peak resident memory: {_peak_mib():,.0f} MiB (the whole process)", flush=True)


def _cluster(workers: int):
    from distributed import Client

    from dormancy.distributed import local_cluster

    cluster = local_cluster(workers)  # the cluster `--workers N` starts: one thread and one Numba thread a worker
    client = Client(cluster, set_as_default=False)
    client.run(_warm, str(CACHE_FOLDER))
    return cluster, client


def on_dask(n: int, folder: Path, workers: int, *, label: str = "dask") -> float:
    from dormancy.patients import CohortSpec, stream_cohort

    before = _load()
    start = time.perf_counter()
    cluster, client = _cluster(workers)
    threads = sorted(set(client.run(_numba_threads).values()))
    print(
        f"{label} {workers} worker(s) start-up (cluster, kernel and warm-up cohort on every worker): "
        f"{time.perf_counter() - start:.1f} s; Numba threads per worker {threads}; {before}",
        flush=True,
    )
    try:
        spec = CohortSpec(n, followup_years=YEARS)
        before, cpu = _load(), sum(client.run(_cpu_s).values()) + _cpu_s()
        start = time.perf_counter()
        result = stream_cohort(spec, folder / f"cohort-{workers}", seed=SEED, cache=_cache(), scheduler=client)
        seconds = time.perf_counter() - start
        cpu = sum(client.run(_cpu_s).values()) + _cpu_s() - cpu
        _report(f"{label} {workers} worker(s)", n, seconds, result, before, cpu)
        peaks = client.run(_peak_mib)
        print(
            f"{label} {workers} worker(s) peak resident memory: workers "
            + ", ".join(f"{v:,.0f}" for v in peaks.values())
            + f" MiB; client (with the scheduler, LocalCluster runs it in this process) {_peak_mib():,.0f} MiB; "
            f"sum {sum(peaks.values()) + _peak_mib():,.0f} MiB",
            flush=True,
        )
    finally:
        client.close()
        cluster.close()
    return seconds


def scaling(n: int, folder: Path) -> None:
    one = on_dask(n, folder, 1, label="scaling")
    shutil.rmtree(folder / "cohort-1", ignore_errors=True)
    two = on_dask(n, folder, 2, label="scaling")
    print(f"scaling: 2 workers / 1 worker on {n:,} patients = {one / two:.2f}× (start-up excluded); {_load()}")


def main() -> None:
    global YEARS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=["inprocess", "dask", "scaling"])
    parser.add_argument("--patients", type=int, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--years", type=float, default=YEARS)
    arguments = parser.parse_args()
    YEARS = arguments.years
    n = arguments.patients or (2_000_000 if arguments.case == "scaling" else 10_000_000)
    folder = Path(tempfile.mkdtemp(prefix="dormancy-bench-stream-"))
    try:
        if arguments.case == "inprocess":
            in_process(n, folder)
        elif arguments.case == "dask":
            on_dask(n, folder, arguments.workers)
        else:
            scaling(n, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
