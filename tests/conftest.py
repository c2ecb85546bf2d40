"""Test-suite settings shared by every test file.

Hypothesis runs with a fixed profile: no example database, its cache in the temporary folder (nothing is written
into the repository, in CI or locally) and derandomised generation, so the fuzz suite (``tests/test_fuzz.py``)
draws the same examples on every run and machine; each test states its own ``max_examples`` to keep the suite's
time bounded.
"""

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis caches what it learns from the source in its home folder; keep it out of the repository.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "dormancy-hypothesis")

settings.register_profile(
    "dormancy",
    database=None,
    derandomize=True,
    deadline=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("dormancy")


@pytest.fixture(scope="session")
def two_workers():
    """One real Dask LocalCluster of 2 worker processes, shared by every test that checks results over 2 workers.

    Started once per session by the package's own :func:`dormancy.distributed.local_cluster` (the cluster
    ``--workers 2`` starts): worker processes take tens of seconds to start (imports, compiled kernels), so one
    cluster for all such tests instead of one each. Tests pass it as ``scheduler=`` (a client is opened and closed
    per call); what a task sends is pickled to another process, as on a real cluster.
    """
    pytest.importorskip("distributed")
    from dormancy.distributed import local_cluster

    cluster = local_cluster(2)
    try:
        yield cluster
    finally:
        cluster.close()


# --- running on two worker processes (pytest-xdist: the README's `pytest -n 2`) ----------------------------------

#: The xdist unit of work of every test file that uses :func:`two_workers`: one worker runs them all, one cluster.
DASK_UNIT = "dask-cluster"


@pytest.hookimpl(optionalhook=True)  # an xdist hook: no error where xdist is not loaded
def pytest_xdist_make_scheduler(config, log):
    """Under ``pytest -n N``: a test file is one unit of work; the files that start the Dask cluster are one unit.

    A file runs whole on one worker, so a module-scoped fixture (an expensive simulation shared by the file's tests)
    is computed once, not once per worker; the files that mention :func:`two_workers` share a worker, so one Dask
    cluster starts (two clusters would be 2 x 2 worker processes on 2 cores). Units are handed out in the order of
    the collected items (``--no-loadscope-reorder``, pyproject.toml), which :func:`pytest_collection_modifyitems`
    sets. (xdist's ``--dist loadgroup`` cannot do this here: on pytest 9.2 it silently stops grouping,
    pytest-dev/pytest-xdist#1386.)
    """
    from xdist.scheduler import LoadScopeScheduling

    if config.getoption("dist") != "loadscope":
        return None
    dask_files = {
        path.relative_to(config.rootpath).as_posix()
        for path in Path(__file__).parent.glob("test_*.py")
        if "two_workers" in path.read_text(encoding="utf-8")
    }

    class FileScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            file = nodeid.split("::")[0]
            return DASK_UNIT if file in dask_files else file

    return FileScheduling(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """On an xdist worker: the files with the most ``slow`` tests first, the Dask-cluster files together.

    The scheduler hands out whole files in this order, so no long file is left for the end while the other worker
    idles. Otherwise the order is the usual one; a run without ``-n`` is not reordered.
    """
    if not hasattr(config, "workerinput"):
        return

    units, dask = {}, {}
    for item in items:
        file = item.nodeid.split("::")[0]
        if file not in dask:
            dask[file] = "two_workers" in Path(item.path).read_text(encoding="utf-8")
        units.setdefault(DASK_UNIT if dask[file] else file, []).append(item)
    slow = {name: sum(item.get_closest_marker("slow") is not None for item in group) for name, group in units.items()}
    order = sorted(units, key=lambda name: -slow[name])  # stable: the usual order among equals
    items[:] = [item for name in order for item in units[name]]
