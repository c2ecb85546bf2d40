"""SBML export of the Komarova model, cross-checked against libroadrunner (an independent CVODE solver)."""

import libsbml
import numpy as np
import pytest

from dormancy.bone import komarova
from dormancy.ode import SaveTimes, SolverSettings, integrate
from dormancy.params import load_registry

roadrunner = pytest.importorskip("roadrunner")

DAYS = 1000.0
RELATIVE = 1e-6
FLOOR = 1e-6  # of each variable's range over the run


def roadrunner_solution(document, t_end, points):
    runner = roadrunner.RoadRunner(document)
    runner.integrator.relative_tolerance = 1e-12
    runner.integrator.absolute_tolerance = 1e-16
    runner.integrator.maximum_num_steps = 200_000
    runner.timeCourseSelections = ["time", "osteoclasts", "osteoblasts", "bone_mass"]
    result = runner.simulate(0.0, t_end, points)
    return runner, np.asarray(result)


@pytest.mark.slow
@pytest.mark.parametrize("set_name", ["komarova2003", "ayati2010"])
def test_sbml_export_agrees_with_libroadrunner_over_1000_days(set_name):
    parameter_set = load_registry().sets[set_name]
    p = komarova.KomarovaParameters.from_set(parameter_set)
    ours = integrate(
        komarova.make_rhs(p),
        komarova.initial_state(parameter_set),
        solver=SolverSettings(method="DOP853", rtol=1e-13, atol=1e-16),
        save=SaveTimes(DAYS, 1.0),
    )
    assert ours.status.value == "ok"
    runner, theirs = roadrunner_solution(komarova.to_sbml(parameter_set), DAYS, int(DAYS) + 1)
    np.testing.assert_allclose(theirs[:, 0], ours.time, rtol=0, atol=1e-9)
    # the closed-form steady state, evaluated by roadrunner from the SBML initial assignments
    assert runner["osteoclasts_steady"] == pytest.approx(komarova.steady_state(p)[0], rel=1e-12)
    assert runner["osteoblasts_steady"] == pytest.approx(komarova.steady_state(p)[1], rel=1e-12)
    for column, name in enumerate(("osteoclasts", "osteoblasts", "bone_mass"), start=1):
        mine, reference = ours.states[column - 1], theirs[:, column]
        floor = FLOOR * np.ptp(reference)
        # Relative agreement is demanded where the variable is above the floor. In the oscillating variant
        # osteoclasts fall to ~1e-6 cells between bursts (their range is ~13 cells): there both solvers' absolute
        # tolerances dominate, a relative error is meaningless, and only the absolute floor can apply.
        above = np.abs(reference) > floor
        relative_error = np.abs(mine[above] - reference[above]) / np.abs(reference[above])
        assert relative_error.max() < RELATIVE, f"{name}: max relative error {relative_error.max():.2e}"
        assert np.abs(mine[~above] - reference[~above]).max(initial=0.0) < floor, name


def test_sbml_carries_sources_for_every_parameter():
    parameter_set = load_registry().sets["komarova2003"]
    document = libsbml.readSBMLFromString(komarova.to_sbml(parameter_set))
    assert document.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    model = document.getModel()
    assert (document.getLevel(), document.getVersion()) == (3, 2)
    for record in parameter_set:
        parameter = model.getParameter(record.symbol)
        assert parameter is not None and parameter.getConstant()
        assert parameter.getValue() == record.value
        resources = [
            parameter.getCVTerm(i).getResourceURI(j)
            for i in range(parameter.getNumCVTerms())
            for j in range(parameter.getCVTerm(i).getNumResources())
        ]
        assert len(resources) == len(record.source)
        if "komarova2003" in record.source:
            assert "https://doi.org/10.1016/S8756-3282(03)00157-1" in resources
        assert "https://www.ebi.ac.uk/biomodels/BIOMD0000000148" in resources
        assert record.name in parameter.getNotesString()
    assert model.getNumRules() == 3
