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
