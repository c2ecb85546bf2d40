"""Where independent tasks run: in this process, on a local Dask cluster, or on an existing Dask cluster.

One small executor layer for every embarrassingly parallel loop of the package: posterior-predictive draws
(:mod:`dormancy.params.propagation` and the engines' posterior runners), trial replicates, cohort chunks, and the
calibration and sensitivity loops that want it. Three places, one concept:

- **in-process** (the default, ``scheduler=None, workers=None``): tasks run one after the other in this process
  (the compiled kernels still use their own threads);
- **a local cluster** (``workers=N``): a ``distributed.LocalCluster`` of ``N`` worker processes on this machine's
  loopback, one thread each, started and closed by :func:`executor`;
- **an existing cluster** (``scheduler="tcp://host:port"``, a ``distributed.Client`` or a cluster object): tasks
  are submitted to its workers.

Results are returned in task order whatever order the workers finish in, and every task's randomness is derived
from its own (seed, index) by the caller, so results are bit-identical for any worker count. ``distributed`` is
imported only when a cluster is asked for.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from dormancy.errors import InputError, Problem

__all__ = [
    "CONNECT_TIMEOUT_S",
    "SCHEDULER_ADDRESS",
    "Executor",
    "check_placement",
    "connect",
    "executor",
    "local_cluster",
]

#: Form of a scheduler address: protocol, host and port.
SCHEDULER_ADDRESS = re.compile(r"(tcp|tls|ucx|ws|wss)://[A-Za-z0-9_.\-\[\]:]+:\d{1,5}")
#: Seconds to wait for a scheduler to answer.
CONNECT_TIMEOUT_S = 10
#: Most worker processes a local cluster may start.
MAX_WORKERS = 256


def check_placement(
    scheduler: object = None,
    workers: object = None,
    *,
    scheduler_field: str = "scheduler",
    workers_field: str = "workers",
) -> None:
    """Raise one :class:`InputError` for a bad ``scheduler`` / ``workers`` pair (naming the given field names).

    ``workers`` must be an integer in [1, :data:`MAX_WORKERS`]; ``scheduler`` a ``tcp://host:port``-like address
    (or a client or cluster object); not both at once.
    """
    problems = []
    if scheduler is not None and workers is not None:
        problems.append(Problem(workers_field, f"not together with {scheduler_field}", repr(workers)))
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS
    ):
        problems.append(Problem(workers_field, f"an integer in [1, {MAX_WORKERS}]", repr(workers)))
    if isinstance(scheduler, str) and not SCHEDULER_ADDRESS.fullmatch(scheduler):
        problems.append(
            Problem(scheduler_field, "a Dask scheduler address such as tcp://127.0.0.1:8786", repr(scheduler)[:80])
        )
    if problems:
        raise InputError(problems)


def local_cluster(workers: int, *, dashboard: bool = False, threads_per_worker: int = 1):
    """Start a ``distributed.LocalCluster`` of ``workers`` processes on the loopback (the caller closes it).

    Each worker process has ``threads_per_worker`` Dask threads and as many Numba threads (``NUMBA_NUM_THREADS``),
    so ``N`` workers use ``N × threads_per_worker`` cores. No dashboard unless ``dashboard`` (then on
    http://127.0.0.1:8787); distributed's HTTP server, which runs even without one, takes a free port.

    The thread counts are given to the worker processes *before they start* (distributed's
    ``distributed.nanny.pre-spawn-environ``): Numba fixes the size of its thread pool when it is first imported,
    which in a spawned worker happens while its main module is re-imported, before ``LocalCluster(env=...)`` is
    applied. Passed as ``env`` only, each worker ran every parallel kernel on as many threads as the machine has
    cores, so ``N`` one-thread workers oversubscribed the cores (2 workers gave 1.28× one on trial draws instead
    of 1.73×; ``benchmarks/profile_trial_workers.py``). The nannies set these variables in this process's
    environment while they spawn; the previous values are restored afterwards.
    """
    check_placement(None, workers)
    import dask
    from distributed import LocalCluster

    threads = {"NUMBA_NUM_THREADS": str(threads_per_worker), "OMP_NUM_THREADS": str(threads_per_worker)}
    before = {name: os.environ.get(name) for name in threads}
    spawn_environment = {**dask.config.get("distributed.nanny.pre-spawn-environ", default={}), **threads}
    try:
        with dask.config.set({"distributed.nanny.pre-spawn-environ": spawn_environment}):
            return LocalCluster(
                n_workers=workers,
                threads_per_worker=threads_per_worker,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:8787" if dashboard else None,
                scheduler_kwargs=None if dashboard else {"dashboard_address": "127.0.0.1:0"},
                env=threads,
            )
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def connect(scheduler: Any) -> tuple[Any, bool]:
    """Return ``(client, owned)`` for a scheduler address, a ``distributed.Client`` or a cluster object.

    ``owned`` is True when this call opened the client (the caller closes it).

    Raises
    ------
    InputError
        For a malformed address or a scheduler that does not answer within :data:`CONNECT_TIMEOUT_S` seconds.
    """
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler, False
    address = scheduler if isinstance(scheduler, str) else getattr(scheduler, "scheduler_address", None)
    # a string must look like an address; a cluster object's own address is trusted (inproc:// for threads)
    if not isinstance(address, str) or (isinstance(scheduler, str) and not SCHEDULER_ADDRESS.fullmatch(address)):
        expected = "a Dask scheduler address such as tcp://127.0.0.1:8786, a Client or a cluster"
        raise InputError([Problem("scheduler", expected, repr(address if address is not None else scheduler)[:80])])
    try:
        return Client(address, set_as_default=False, timeout=CONNECT_TIMEOUT_S), True
    except (OSError, TimeoutError) as error:
        expected = f"a Dask scheduler answering within {CONNECT_TIMEOUT_S} s"
        raise InputError([Problem("scheduler", expected, f"{address}: {type(error).__name__}")]) from None


class Executor:
    """Run independent tasks in this process or on a Dask client; results come back in task order.

    Parameters
    ----------
    client : distributed.Client, optional
        None: run in this process.
    """

    def __init__(self, client: Any = None) -> None:
        self.client = client

    @property
    def description(self) -> str:
        """``"in-process"`` or ``"dask.distributed (N workers)"`` (for manifests)."""
        if self.client is None:
            return "in-process"
        workers = len(self.client.scheduler_info().get("workers", {}))
        return f"dask.distributed ({workers} workers)"

    def map(
        self,
        function: Callable[..., Any],
        items: Sequence[Any],
        *arguments: Any,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[Any]:
        """Return ``[function(item, *arguments) for item in items]``, computed here or on the cluster's workers.

        ``progress(done, total)`` is called as tasks finish. A task's exception is raised here (the first one).
        """
        items = list(items)
        total = len(items)
        if self.client is None:
            results = []
            for done, item in enumerate(items, start=1):
                results.append(function(item, *arguments))
                if progress is not None:
                    progress(done, total)
            return results
        from distributed import as_completed

        # hash=False: a fresh key per call (scattering equal data twice would share, then release, one key)
        shared = [self.client.scatter(argument, broadcast=True, hash=False) for argument in arguments]
        futures = [self.client.submit(function, item, *shared, pure=False) for item in items]
        position = {future.key: index for index, future in enumerate(futures)}
        results: list[Any] = [None] * total
        for done, future in enumerate(as_completed(futures, loop=self.client.loop), start=1):
            results[position[future.key]] = future.result()
            if progress is not None:
                progress(done, total)
        return results


@contextlib.contextmanager
def executor(scheduler: Any = None, workers: int | None = None, *, dashboard: bool = False) -> Iterator[Executor]:
    """Open the place where tasks run (see the module docstring) and close what was opened on exit.

    Parameters
    ----------
    scheduler : str, distributed.Client or cluster, optional
        An existing cluster.
    workers : int, optional
        Start a local cluster of this many worker processes.
    dashboard : bool
        With ``workers``, serve the Dask dashboard on http://127.0.0.1:8787.

    Raises
    ------
    InputError
        For both ``scheduler`` and ``workers``, a bad worker count or address, or a scheduler that does not answer.
    """
    check_placement(scheduler, workers)
    if scheduler is None and workers is None:
        yield Executor(None)
        return
    cluster = local_cluster(workers, dashboard=dashboard) if workers is not None else None
    try:
        client, owned = connect(cluster if cluster is not None else scheduler)
        try:
            yield Executor(client)
        finally:
            if owned:
                client.close()
    finally:
        if cluster is not None:
            cluster.close()
