"""The taxane's eradication of cycling disease and the CDK4/6 inhibitor in endocrine-resistant disease (issue 17).

The taxane (``care_modern.taxane_pcr_gain``, NSABP B-27's pCR gain) eradicates every growing focus of a random share
of the patients given it at the end of the chemotherapy course (:func:`dormancy.patients.care.taxane_eradicated`);
dormant cells are spared. The kernel's ``resistant_growth_factor`` multiplies the growth of the foci of an ER+
patient once her disease is endocrine-resistant; the modern care gives abemaciclib's
(``cdk46_resistant_growth_factor``, MONARCH 2) to monarchE-eligible patients for its two years. At neutral values
nothing may change (bit for bit); stronger effects must mean fewer recurrences for the patients who get them, and
nothing for anyone else (common random numbers).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from dormancy.patients import CareSpec, CohortSpec, PopulationSpec, simulate_cohort
from dormancy.patients import cohort as cohort_module
from dormancy.patients.care import (
    ERADICATION_LOG10_KILL,
    care_groups,
    care_parameters,
    care_plan,
    monarche_eligible,
    taxane_eradicated,
)
from dormancy.patients.covariates import sample_covariates
from dormancy.patients.endocrine_resistance import endocrine_resistant_years
from dormancy.patients.kernel_io import RegimenSteps
from dormancy.patients.parameters import SET_NAME, resolve_parameters

STEP_DAYS = 30.4375
STEP_YEARS = STEP_DAYS / 365.25


def test_taxane_eradication_follows_its_share_and_depends_only_on_seed_and_patient():
    values = care_parameters()
    p = values["taxane_pcr_gain"]
    assert 0.05 <= p <= 0.25  # the record's prior; B-27: 26.1 % - 13.7 %
    ids = np.arange(40_000, dtype=np.int64)
    drawn = taxane_eradicated(values, seed=7, ids=ids)
    assert abs(drawn.mean() - p) < 4 * np.sqrt(p * (1 - p) / len(ids))
    subset = ids[::-7]
    assert np.array_equal(taxane_eradicated(values, seed=7, ids=subset), drawn[subset])
    assert not np.array_equal(taxane_eradicated(values, seed=8, ids=ids), drawn)
    assert not taxane_eradicated({**values, "taxane_pcr_gain": 0.0}, seed=7, ids=ids).any()


@pytest.fixture(scope="module")
def plan_inputs():
    values = resolve_parameters(None)[SET_NAME].values()
    ids = np.arange(4000, dtype=np.int64)
    covariates = sample_covariates(PopulationSpec(), seed=5, ids=ids, values=values)
    chemotherapy = (covariates["n_stage"] != "N0") | ~covariates["er_positive"]
    return ids, covariates, chemotherapy


def _plan(plan_inputs, care, values=None):
    ids, covariates, chemotherapy = plan_inputs
    return care_plan(
        care, covariates, chemotherapy, step_days=STEP_DAYS, chemotherapy_years=0.5, values=values, seed=3, ids=ids
    )


def test_care_plan_eradicates_only_chemotherapy_patients_given_the_taxane_at_the_course_end(plan_inputs):
    ids, _, chemotherapy = plan_inputs
    plan = _plan(plan_inputs, CareSpec(era="modern", chemotherapy_regimen="anthracycline_taxane"))
    chemo_step = int(np.ceil(0.5 / STEP_YEARS - 1e-9)) - 1
    eradicated = plan.taxane_eradicated
    assert eradicated.any() and not eradicated[~chemotherapy].any()
    expected = chemotherapy & taxane_eradicated(care_parameters(), seed=3, ids=ids)
    assert np.array_equal(eradicated, expected)
    assert np.all(plan.log10_kill[eradicated, chemo_step] >= ERADICATION_LOG10_KILL)
    assert np.all(plan.log10_kill[~eradicated, chemo_step] < ERADICATION_LOG10_KILL)
    # no other step carries it, and the anthracycline alone eradicates no one
    others = np.delete(plan.log10_kill, chemo_step, axis=1)
    assert np.all(others[eradicated] < ERADICATION_LOG10_KILL)
    anthracycline = _plan(plan_inputs, CareSpec(era="modern", chemotherapy_regimen="anthracycline"))
    assert not anthracycline.taxane_eradicated.any()
    assert np.all(anthracycline.log10_kill < ERADICATION_LOG10_KILL)


def test_care_plan_gives_the_resistant_growth_factor_to_monarche_patients_for_two_years(plan_inputs):
    _, covariates, _ = plan_inputs
    values = care_parameters()
    g = values["cdk46_resistant_growth_factor"]
    assert values["cdk46_growth_factor"] <= g < 1.0  # MONARCH 2 (resistant) acts less than neoMONARCH (sensitive)
    plan = _plan(plan_inputs, CareSpec(era="modern"))
    on = (np.arange(plan.resistant_growth_factor.shape[1]) + 0.5) * STEP_YEARS < values["cdk46_years"]
    treated = plan.cdk46_inhibitor
    assert treated.any() and np.array_equal(treated, monarche_eligible(covariates))
    assert np.all(plan.resistant_growth_factor[np.ix_(treated, on)] == g)
    assert np.all(plan.resistant_growth_factor[:, ~on] == 1.0)
    assert np.all(plan.resistant_growth_factor[~treated] == 1.0)
    for rows, regimen in care_groups(plan):
        assert np.all(plan.resistant_growth_factor[rows] == regimen.resistant_growth_factor)


KERNEL_PATIENTS = 3000
REGIMEN_STEPS = 24
RESISTANCE = {
    f"{SET_NAME}.endocrine_resistant_fraction": 0.4,
    f"{SET_NAME}.endocrine_acquired_resistance_per_year": 0.0,
}


def _kernel_run(resistant_growth):
    """ER+ histories under 24 no-effect regimen steps from diagnosis, with the given resistant growth factor."""
    spec = CohortSpec(KERNEL_PATIENTS, followup_years=6.0, population=PopulationSpec.only(er_positive=True))
    inputs, _ = cohort_module._prepare(spec, 3, RESISTANCE)
    regimen = RegimenSteps(
        np.zeros(REGIMEN_STEPS, np.int64),
        np.zeros(REGIMEN_STEPS),
        np.ones(REGIMEN_STEPS),
        np.zeros(REGIMEN_STEPS),
        None,
        resistant_growth,
    )
    inputs = dataclasses.replace(inputs, treat_start_step=np.zeros(KERNEL_PATIENTS, np.int64), regimen=regimen)
    table, _ = cohort_module.simulate_chunk(inputs, 0, KERNEL_PATIENTS)
    return table


@pytest.mark.slow
def test_kernel_resistant_growth_factor_of_one_is_bit_identical_and_acts_only_on_resistant_patients():
    none = _kernel_run(None)
    pd.testing.assert_frame_equal(none, _kernel_run(np.ones(REGIMEN_STEPS)))
    slowed = _kernel_run(np.full(REGIMEN_STEPS, 0.3))
    values = {"endocrine_resistant_fraction": 0.4, "endocrine_acquired_resistance_per_year": 0.0}
    resistant = (
        endocrine_resistant_years(
            values, seed=3, ids=np.arange(KERNEL_PATIENTS), er_positive=none["er_positive"].to_numpy()
        )
        == 0.0
    )
    assert 0.3 < resistant.mean() < 0.5
    # sensitive patients: the factor does not act on them, bit for bit
    pd.testing.assert_frame_equal(slowed.loc[~resistant], none.loc[~resistant])
    # resistant patients: slower foci, fewer recurrences within 6 years; their DTCs at diagnosis unchanged
    assert slowed.loc[resistant, "recurred"].sum() < none.loc[resistant, "recurred"].sum()
    assert np.array_equal(slowed["dtc_at_diagnosis"], none["dtc_at_diagnosis"])


N_PATIENTS = 4000


def _modern_cohort(monkeypatch, **changes):
    values = {**care_parameters(), **changes}
    monkeypatch.setattr(cohort_module, "care_parameters", lambda: values)
    spec = CohortSpec(N_PATIENTS, followup_years=10.0, care=CareSpec(era="modern"))
    return simulate_cohort(spec, seed=20261207).table


@pytest.mark.slow
def test_taxane_eradication_cuts_recurrence_of_its_patients_and_changes_no_one_else(monkeypatch):
    without = _modern_cohort(monkeypatch, taxane_pcr_gain=0.0)
    with_ = _modern_cohort(monkeypatch)
    ids = np.arange(N_PATIENTS, dtype=np.int64)
    eradicated = without["chemotherapy"].to_numpy() & taxane_eradicated(care_parameters(), seed=20261207, ids=ids)
    assert eradicated.sum() > 100
    pd.testing.assert_frame_equal(with_.loc[~eradicated], without.loc[~eradicated])
    on, off = with_.loc[eradicated], without.loc[eradicated]
    assert on["recurred"].sum() < off["recurred"].sum()
    # dormant cells are spared: the DTCs at diagnosis are the same, and recurrences remain (awakened cells)
    assert np.array_equal(on["dtc_at_diagnosis"], off["dtc_at_diagnosis"])
    assert on["recurred"].sum() > 0


#: Patients per arm of the monarchE time-course test (about 7,800 eligible, 300-700 events per period and arm).
MONARCHE_PATIENTS = 10_000


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="monarchE's benefit persisted and deepened after abemaciclib stopped at 2 years: DRFS HR 0.725 in the "
    "first year, 0.581 in the fourth, absolute DRFS benefit 2.5 / 4.1 / 5.9 % at 2 / 3 / 4 years (Johnston, SABCS "
    "2022, as reported at physiciansweekly.com). Model (10k per arm, seed 20261207, calibration run 11): RR 0.44 "
    "(0.36-0.52) in years 0-2 and 1.13 (0.97-1.32) in years 2-5, 0.745 over 0-5 (the check, met); without the "
    "resistant-disease factor 0.64 and 0.97. Cytostasis only "
    "delays the foci, which surface once the drug stops; a lasting effect (senescence, immune clearance or "
    "eradication under CDK4/6 and endocrine blockade) has no sourced value in the model",
)
def test_monarche_benefit_lasts_after_abemaciclib_stops():
    from dormancy.patients.care_checks import CARE_CHECKS, rate_ratio

    check = next(c for c in CARE_CHECKS if c.name == "monarche_abemaciclib")
    arms = [
        simulate_cohort(
            CohortSpec(MONARCHE_PATIENTS, followup_years=5.0, population=check.population, care=care), seed=20261207
        ).table
        for care in (check.control, check.experimental)
    ]
    keep = check.eligible(arms[0])
    times = [arm["recurrence_years"].to_numpy()[keep] for arm in arms]
    on_drug = rate_ratio(*times, period=(0.0, 2.0))
    after = rate_ratio(*times, period=(2.0, 5.0))
    assert min(on_drug[3:]) > 100 and min(after[3:]) > 100
    assert on_drug[0] < 1.0
    # the published yearly HRs stay well below 1 after stopping (0.58-0.7): demand at least a benefit
    assert after[2] < 1.0, after
