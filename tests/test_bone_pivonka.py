"""Pivonka 2008 remodelling: published steady state, verified constants, directions, SBML cross-check."""

import dataclasses

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from dormancy.bone import pivonka as pv
from dormancy.params import load_registry


@pytest.fixture(scope="module")
def parameter_set():
    return load_registry().sets["pivonka2008"]


@pytest.fixture(scope="module")
def p(parameter_set):
    return pv.PivonkaParameters.from_set(parameter_set)


def test_reproduces_the_published_steady_state(p):
    np.testing.assert_allclose(pv.steady_state(p), pv.PUBLISHED_STEADY_STATE, rtol=1e-6)


@pytest.mark.parametrize(
    ("symbol", "paper_value"),
    [
        ("rankl_activation_osteoclast_precursor", 13.06),
        ("rankl_production", 1.684195714712206e4),
        ("opg_production_per_osteoblast", 1.464e8),
        ("rankl_per_osteoblast_precursor", 3e6),
        ("osteoclast_precursor_differentiation", 2.1e-1),
        ("osteoblast_precursor_differentiation", 5.348),
    ],
)
def test_each_flagged_alternative_misses_the_published_steady_state(parameter_set, symbol, paper_value):
    # The registry keeps the value that reproduces the reported steady state; the alternative printed elsewhere
    # (see each record's note) moves it by more than 1 %.
    # (Two alternatives lie outside the prior, so replace the constant directly, not through the registry.)
    alternative = dataclasses.replace(pv.PivonkaParameters.from_set(parameter_set), **{symbol: paper_value})
    moved = pv.steady_state(alternative)
    assert np.abs(moved / np.array(pv.PUBLISHED_STEADY_STATE) - 1.0).max() > 0.01
    assert symbol in parameter_set.values()


def test_the_steady_state_is_stable(p):
    start = np.array(pv.PUBLISHED_STEADY_STATE) * np.array([1.3, 0.7, 2.0])
    solution = solve_ivp(lambda t, y: pv.cell_rates(y, p), (0.0, 3000.0), start, rtol=1e-10, atol=1e-16)
    np.testing.assert_allclose(solution.y[:, -1], pv.PUBLISHED_STEADY_STATE, rtol=1e-4)


def test_pthrp_raises_rankl_lowers_opg_and_raises_osteoclasts(p):
    rest = pv.steady_state(p)
    drive = pv.BoneDrive(pth_external=1000.0)
    driven = pv.steady_state(p, drive)
    assert pv.ligands(driven, p, drive).rankl > pv.ligands(rest, p).rankl
    assert pv.ligands(rest, p, drive).opg < pv.ligands(rest, p).opg
    assert driven[2] > 1.2 * rest[2]


def test_rankl_neutralisation_and_osteoclast_apoptosis_lower_osteoclasts(p):
    rest = pv.steady_state(p)
    assert pv.steady_state(p, pv.BoneDrive(rankl_neutralised=0.5))[2] < 0.9 * rest[2]
    assert pv.steady_state(p, pv.BoneDrive(osteoclast_apoptosis_factor=2.0))[2] < 0.9 * rest[2]


def test_a_rankl_clamp_removes_the_effect_of_neutralisation_but_not_of_apoptosis(p):
    rankl = pv.ligands(pv.steady_state(p), p).rankl
    clamped = pv.steady_state(p, pv.BoneDrive(rankl_clamp=rankl))
    neutralised = pv.steady_state(p, pv.BoneDrive(rankl_clamp=rankl, rankl_neutralised=0.8))
    np.testing.assert_allclose(neutralised, clamped, rtol=1e-12)
    killed = pv.steady_state(p, pv.BoneDrive(rankl_clamp=rankl, osteoclast_apoptosis_factor=2.0))
    assert killed[2] < 0.9 * clamped[2]


@pytest.mark.parametrize(
    "drive",
    [
        pv.BoneDrive(),
        pv.BoneDrive(pth_external=1000.0, rankl_external=50.0, tgfb_external=1e-4),
        pv.BoneDrive(rankl_neutralised=0.6, osteoclast_apoptosis_factor=2.5, opg_production_factor=0.7),
    ],
    ids=["rest", "tumour", "drugs"],
)
def test_sbml_export_agrees_with_libroadrunner(parameter_set, p, drive):
    roadrunner = pytest.importorskip("roadrunner")
    start = np.array(pv.PUBLISHED_STEADY_STATE) * np.array([1.0, 0.8, 2.0])
    runner = roadrunner.RoadRunner(pv.to_sbml(parameter_set, drive, start))
    runner.integrator.relative_tolerance = 1e-11
    runner.integrator.absolute_tolerance = 1e-18
    runner.timeCourseSelections = ["time", *pv.STATES]
    theirs = np.asarray(runner.simulate(0.0, 1000.0, 201))
    ours = solve_ivp(
        lambda t, y: pv.cell_rates(y, p, drive), (0.0, 1000.0), start, t_eval=theirs[:, 0], rtol=1e-12, atol=1e-19,
        method="DOP853",
    ).y.T  # fmt: skip
    scale = np.abs(ours).max(axis=0)
    floor = 1e-6 * scale
    assert (np.abs(theirs[:, 1:] - ours) <= 1e-6 * np.abs(ours) + floor).all()


def test_sbml_refuses_a_clamp(parameter_set):
    with pytest.raises(ValueError, match="clamp"):
        pv.to_sbml(parameter_set, pv.BoneDrive(rankl_clamp=1.0))
