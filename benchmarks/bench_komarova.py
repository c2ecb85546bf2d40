"""Benchmark: the Komarova engine (scipy DOP853) against libroadrunner (CVODE) on the exported SBML.

Both integrate the oscillating variant (ayati2010) over 1000 days with daily output at rtol 1e-10, in the same
process, and report runs per second and the ratio. Run with ``python -m pytest -m benchmark benchmarks -s``.
"""

import time

import numpy as np
import pytest

from dormancy.bone import komarova
from dormancy.ode import SaveTimes, SolverSettings, integrate
from dormancy.params import load_registry

roadrunner = pytest.importorskip("roadrunner")


def best_of(function, repeats=5):
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return min(timings)


@pytest.mark.benchmark
def test_komarova_engine_versus_libroadrunner():
    parameter_set = load_registry().sets["ayati2010"]
    p = komarova.KomarovaParameters.from_set(parameter_set)
    settings = SolverSettings(method="DOP853", rtol=1e-10, atol=1e-12)
    save = SaveTimes(1000.0, 1.0)

    def ours():
        return integrate(komarova.make_rhs(p), komarova.initial_state(parameter_set), solver=settings, save=save)

    runner = roadrunner.RoadRunner(komarova.to_sbml(parameter_set))
    runner.integrator.relative_tolerance = 1e-10
    runner.integrator.absolute_tolerance = 1e-12

    def theirs():
        runner.resetAll()
        return runner.simulate(0.0, 1000.0, 1001)

    # a sanity check that both integrate the same model; phase errors of a centre grow slowly over cycles
    np.testing.assert_allclose(ours().states[1], np.asarray(theirs())[:, 2], rtol=1e-4)
    ours_seconds, theirs_seconds = best_of(ours), best_of(theirs)
    print(
        f"\nKomarova 1000 days, daily output, rtol 1e-10: dormancy {1 / ours_seconds:.1f} runs/s, "
        f"libroadrunner {1 / theirs_seconds:.1f} runs/s, ratio dormancy/libroadrunner = "
        f"{theirs_seconds / ours_seconds:.3f}"
    )
