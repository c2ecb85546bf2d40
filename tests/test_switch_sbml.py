"""SBML export of the dormancy switch, cross-checked against libroadrunner (an independent CVODE solver)."""

from dataclasses import replace

import libsbml
import numpy as np
import pytest

from dormancy.params import load_registry
from dormancy.signalling.model import SwitchModel
from dormancy.signalling.sbml_export import switch_sbml_model, switch_to_sbml
from dormancy.signalling.switch import integrate_batch, switch_rhs

SETS = ["switch_er_negative", "switch_er_positive"]
CELLS = 20
HOURS = np.arange(0.0, 14 * 24 + 1.0)  # 14 days, hourly output; time is in hours
RELATIVE = 1e-6
# Node activities live in [0, 1]; one decaying towards 0 is resolved only to the solvers' absolute tolerances
# (atol 1e-12 and 1e-14), so a relative error of a value near 0 measures noise. Below this floor the values must
# agree absolutely instead.
FLOOR = 1e-6


@pytest.fixture(scope="module", params=SETS)
def model(request):
    return SwitchModel.from_parameter_set(load_registry().sets[request.param])


def random_cells(model, cells, seed):
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(0.0, 1.0, size=(cells, len(model.wiring.inputs)))
    initial = rng.uniform(0.0, 1.0, size=(cells, len(model.wiring.internal)))
    return inputs, initial


def set_cell(runner, model, inputs, initial):
    for name, value in zip(model.wiring.inputs, inputs, strict=True):
        runner[name] = float(value)
    for name, value in zip(model.wiring.internal, initial, strict=True):
        runner[name] = float(value)


def make_runner(roadrunner, document, rtol, atol):
    runner = roadrunner.RoadRunner(document)
    runner.integrator.relative_tolerance = rtol
    runner.integrator.absolute_tolerance = atol
    runner.integrator.maximum_num_steps = 1_000_000
    return runner


@pytest.mark.slow
def test_sbml_export_agrees_with_libroadrunner_over_14_days(model):
    roadrunner = pytest.importorskip("roadrunner")
    inputs, initial = random_cells(model, CELLS, seed=20240611)
    ours = integrate_batch(model.wiring, model.kinetics, initial, inputs, HOURS, rtol=1e-10, atol=1e-12).states
    runner = make_runner(roadrunner, switch_to_sbml(model), rtol=1e-12, atol=1e-14)
    runner.timeCourseSelections = ["time", *model.wiring.internal]
    for cell in range(CELLS):
        set_cell(runner, model, inputs[cell], initial[cell])  # every run starts from its own state and inputs
        result = np.asarray(runner.simulate(HOURS[0], HOURS[-1], len(HOURS)))
        np.testing.assert_allclose(result[:, 0], HOURS, rtol=0, atol=1e-9)
        mine, reference = ours[:, cell, :], result[:, 1:]
        above = np.abs(reference) > FLOOR
        relative_error = np.abs(mine[above] - reference[above]) / np.abs(reference[above])
        assert relative_error.max() < RELATIVE, f"cell {cell}: max relative error {relative_error.max():.2e}"
        assert np.abs(mine[~above] - reference[~above]).max(initial=0.0) < FLOOR, f"cell {cell}"


def rates_of_change(runner, model, inputs, state):
    set_cell(runner, model, inputs, state)
    return np.array([runner[f"{name}'"] for name in model.wiring.internal])


def test_sbml_rate_rules_equal_the_vectorised_right_hand_side(model):
    roadrunner = pytest.importorskip("roadrunner")
    inputs, states = random_cells(model, 30, seed=7)
    states[0] = 0.0  # the guarded power at exactly zero activity
    states[1, :3] = -1e-9  # slightly negative activities are treated as 0 by both
    ours = switch_rhs(model.wiring, model.kinetics, states, inputs)
    runner = roadrunner.RoadRunner(switch_to_sbml(model))
    theirs = np.array([rates_of_change(runner, model, u, x) for u, x in zip(inputs, states, strict=True)])
    np.testing.assert_allclose(theirs, ours, rtol=1e-12, atol=1e-14)


def test_per_edge_hill_constants_without_records_are_exported_with_the_models_values(model):
    roadrunner = pytest.importorskip("roadrunner")
    n_edges = model.wiring.n_edges
    rng = np.random.default_rng(11)
    kinetics = replace(
        model.kinetics,
        hill_coefficient=rng.uniform(1.5, 6.0, n_edges),
        threshold=np.full(n_edges, 0.4),  # one common value: the shared record, with the model's value
    )
    changed = replace(model, kinetics=kinetics)
    spec = switch_sbml_model(changed)
    symbols = {record.symbol: record for record in spec.parameters}
    assert {f"hill__{name}" for name in model.wiring.edge_names} <= set(symbols)
    assert "hill_coefficient" not in symbols
    assert symbols["hill_threshold"].value == 0.4
    assert "registry value 0.5" in symbols["hill_threshold"].note
    inputs, states = random_cells(model, 5, seed=3)
    runner = roadrunner.RoadRunner(switch_to_sbml(changed))
    theirs = np.array([rates_of_change(runner, model, u, x) for u, x in zip(inputs, states, strict=True)])
    np.testing.assert_allclose(theirs, switch_rhs(model.wiring, kinetics, states, inputs), rtol=1e-12, atol=1e-14)


def test_sbml_validates_with_one_rate_rule_per_node_and_cited_weights(model):
    document = libsbml.readSBMLFromString(switch_to_sbml(model, {"TGFB2": 0.7, "EVEROLIMUS": 1.0}))
    document.checkConsistency()
    errors = [
        document.getError(i).getMessage()
        for i in range(document.getNumErrors())
        if document.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR
    ]
    assert errors == []
    sbml = document.getModel()
    rules = [sbml.getRule(i) for i in range(sbml.getNumRules())]
    assert all(rule.isRate() for rule in rules)
    assert sorted(rule.getVariable() for rule in rules) == sorted(model.wiring.internal)
    assert sbml.getParameter("TGFB2").getValue() == 0.7 and sbml.getParameter("EVEROLIMUS").getValue() == 1.0
    assert sbml.getParameter("BMP7").getValue() == 0.0 and sbml.getParameter("BMP7").getConstant()
    assert "Time is in hours" in sbml.getNotesString()
    parameter_set = load_registry().sets[model.parameter_set]
    for edge in model.network.edges:
        parameter = sbml.getParameter(f"weight__{edge.name}")
        assert parameter.getConstant() and parameter.getValue() == parameter_set[f"weight__{edge.name}"].value
        resources = [
            parameter.getCVTerm(i).getResourceURI(j)
            for i in range(parameter.getNumCVTerms())
            for j in range(parameter.getCVTerm(i).getNumResources())
        ]
        assert len(resources) >= len(edge.sources) > 0
        notes = parameter.getNotesString()
        assert all(f"[{key}]" in notes for key in edge.sources), edge.name
    # each edge uses its own Hill coefficient where the set has one, and the shared one otherwise
    for edge in model.network.edges:
        rule = libsbml.formulaToL3String(sbml.getRateRule(edge.target).getMath())
        n, k = (
            f"{own}__{edge.name}" if f"{own}__{edge.name}" in parameter_set else shared
            for own, shared in (("hill", "hill_coefficient"), ("threshold", "hill_threshold"))
        )
        assert f"piecewise({edge.source}, {edge.source} > 0, 0)^{n} * (1 + {k}^{n})" in rule, (edge.name, n, k)
        assert sbml.getParameter(n).getValue() == parameter_set[n].value
        assert sbml.getParameter(k).getValue() == parameter_set[k].value
    # only records the rate rules use are exported
    assert sbml.getParameter("max_proliferation_rate") is None


def test_sbml_declares_hours_as_its_time_unit():
    import libsbml

    from dormancy.signalling import load_switch

    document = libsbml.readSBMLFromString(switch_to_sbml(load_switch("negative")))
    model = document.getModel()
    assert model.getTimeUnits() == "hour"
    unit = model.getUnitDefinition("hour").getUnit(0)
    assert unit.getMultiplier() == 3600.0
