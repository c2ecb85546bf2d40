"""Where the time of a posterior-predictive trial goes on 1 and 2 Dask workers (issue 18's speed-up target).

For the same CLEVER job (``--draws`` draws x ``--replicates`` replicates) on a LocalCluster of 1 and of 2 worker
processes, prints the wall time and the load-independent figures:

* the client's CPU seconds during the run (its serial work: building tasks, scattering, gathering, merging rows);
* each worker's CPU seconds during the run (``time.process_time`` of the worker process, all its threads);
* the task stream: per task, the seconds spent computing, deserialising and transferring; the workers' busy
  fraction (compute seconds / (workers x wall)) and the longest task (the tail);
* the bytes of a result.

Run: ``nice -n 15 python benchmarks/profile_trial_workers.py --draws 16 --replicates 20 --cache /tmp/benchcache``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_posterior import SEED, _warm, near_shipped_posterior
from dormancy.distributed import executor
from dormancy.patients import therapy
from dormancy.trials import load_design, run_trial_posterior


def _cpu() -> float:
    return time.process_time()


def _instrument() -> int:
    """In a worker: make ``dormancy.trials.posterior._trial_draw`` (pickled by name) record its thread's CPU-s."""
    from dormancy.trials import posterior

    if not hasattr(posterior, "_TASK_CPU"):
        original, record = posterior._trial_draw, []

        def timed(*arguments):
            start = time.thread_time()
            try:
                return original(*arguments)
            finally:
                record.append(time.thread_time() - start)

        posterior._trial_draw, posterior._TASK_CPU = timed, record
    posterior._TASK_CPU.clear()
    return os.getpid()


def _task_cpu() -> list[float]:
    from dormancy.trials import posterior

    return list(posterior._TASK_CPU)


def profile(workers: int, draws: int, replicates: int, folder: str) -> tuple[dict[str, float], pd.DataFrame]:
    spec = load_design("clever")
    posterior = near_shipped_posterior(100)
    with executor(workers=workers) as place:
        client = place.client
        client.run(_warm, 0, folder)  # every worker, once: imports, kernels, tables
        client.run(_instrument)
        idle = client.run(_cpu)
        time.sleep(10.0)
        idle = {w: (c - idle[w]) / 10.0 for w, c in client.run(_cpu).items()}
        before = client.run(_cpu)
        from distributed import get_task_stream

        with get_task_stream(client=client) as stream:
            load = os.getloadavg()[0]
            wall, cpu = time.perf_counter(), time.process_time()
            result = run_trial_posterior(
                spec, seed=SEED, posterior=posterior, posterior_draws=draws, replicates=replicates, executor=place
            )
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        after = client.run(_cpu)
        tasks_cpu = client.run(_task_cpu)
    worker_cpu = {w: after[w] - before[w] for w in after}
    task_cpu = [c for cs in tasks_cpu.values() for c in cs]
    compute = transfer = deserialise = 0.0
    longest = 0.0
    starts, stops = [], []
    for task in stream.data:
        for part in task["startstops"]:
            seconds = part["stop"] - part["start"]
            if part["action"] == "compute":
                compute += seconds
                longest = max(longest, seconds)
                starts.append(part["start"])
                stops.append(part["stop"])
            elif part["action"] == "transfer":
                transfer += seconds
            elif part["action"] == "deserialize":
                deserialise += seconds
    tasks = sum(1 for t in stream.data if any(p["action"] == "compute" for p in t["startstops"]))
    numbers = {
        "workers": workers,
        "wall_s": wall,
        "client_cpu_s": cpu,
        "workers_cpu_s": sum(worker_cpu.values()),
        "compute_s": compute,
        "tasks": tasks,
        "longest_task_s": longest,
        "transfer_s": transfer,
        "deserialise_s": deserialise,
        "busy_fraction": compute / (workers * wall),
        "task_cpu_s": sum(task_cpu),
        "task_cpu_max_s": max(task_cpu),
        "idle_cpu_per_s_per_worker": sum(idle.values()) / workers,
        "first_start_to_last_stop_s": (max(stops) - min(starts)) if starts else float("nan"),
        "load_1min": load,
    }
    print(
        f"{workers} worker(s): "
        + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in numbers.items())
    )
    print("  per worker CPU-s:", {w.rsplit(":", 1)[-1]: round(c, 2) for w, c in worker_cpu.items()})
    print("  per worker task CPU-s:", {w.rsplit(":", 1)[-1]: round(sum(c), 2) for w, c in tasks_cpu.items()})
    print("  task CPU-s:", [round(c, 2) for c in task_cpu])
    print(f"  result rows: draws {len(result.draws)}, replicates {len(result.replicates_table)}")
    return numbers, result.draws


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=16)
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--cache", default="/tmp/benchcache")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    arguments = parser.parse_args()
    therapy.use_table_cache_folder(arguments.cache)
    start = time.perf_counter()
    _warm(0, arguments.cache)  # tables on disk before the workers start
    print(f"in-process warm-up {time.perf_counter() - start:.1f} s")
    print(f"uptime: {os.popen('uptime').read().strip()}")
    frames, walls = {}, {}
    for workers in arguments.workers:
        numbers, frames[workers] = profile(workers, arguments.draws, arguments.replicates, arguments.cache)
        walls[workers] = numbers["wall_s"]
    if 1 in frames and 2 in frames:
        pd.testing.assert_frame_equal(frames[1], frames[2])
        print(f"speed-up 2 / 1: {walls[1] / walls[2]:.2f}x; results identical")
    print(f"uptime: {os.popen('uptime').read().strip()}")


if __name__ == "__main__":
    main()
