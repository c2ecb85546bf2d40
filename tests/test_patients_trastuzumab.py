"""Trastuzumab's kill of dormant DTCs (issue 17): the kernel's per-step dormant death hazard and the care path.

The kernel adds a regimen step's ``dormant_death_per_year`` to the death hazard of every dormant DTC while the
step is on (:mod:`dormancy.patients.natural_history`, *Treatment*); the modern care gives it to HER2+ patients on
trastuzumab (``care_modern.trastuzumab_dormant_death_per_year``). At 0 nothing may change (bit for bit); more kill
must mean fewer dormant DTCs and fewer recurrences for those patients, and nothing for anyone else (common random
numbers: the other patients' regimens are the same, so their histories are identical).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from dormancy.patients import CareSpec, CohortSpec, PopulationSpec, simulate_cohort
from dormancy.patients import cohort as cohort_module
from dormancy.patients.care import care_groups, care_parameters, care_plan
from dormancy.patients.covariates import sample_covariates
from dormancy.patients.kernel_io import RegimenSteps
from dormancy.patients.parameters import SET_NAME, resolve_parameters

KERNEL_PATIENTS = 3000
REGIMEN_STEPS = 24


def _kernel_run(dormant_death):
    """Histories of a cohort under a regimen of 24 no-effect steps from diagnosis, with the given dormant kill."""
    spec = CohortSpec(KERNEL_PATIENTS, followup_years=6.0)
    inputs, _ = cohort_module._prepare(spec, 3, None)
    regimen = RegimenSteps(
        np.zeros(REGIMEN_STEPS, np.int64),
        np.zeros(REGIMEN_STEPS),
        np.ones(REGIMEN_STEPS),
        np.zeros(REGIMEN_STEPS),
        dormant_death,
    )
    inputs = dataclasses.replace(inputs, treat_start_step=np.zeros(KERNEL_PATIENTS, np.int64), regimen=regimen)
    table, _ = cohort_module.simulate_chunk(inputs, 0, KERNEL_PATIENTS)
    return table


@pytest.mark.slow
def test_kernel_dormant_death_of_zero_is_bit_identical_and_a_positive_one_clears_dormant_cells():
    none = _kernel_run(None)
    zeros = _kernel_run(np.zeros(REGIMEN_STEPS))
    pd.testing.assert_frame_equal(none, zeros)
    killed = _kernel_run(np.full(REGIMEN_STEPS, 2.0))
    # two years at 2 per year: each dormant cell survives the kill with probability e^-4 on top of its own hazards
    assert killed["dead_dtcs"].sum() > none["dead_dtcs"].sum()
    both = (none["dormant_at_5y"] >= 0) & (killed["dormant_at_5y"] >= 0)
    kept = killed.loc[both, "dormant_at_5y"].sum() / none.loc[both, "dormant_at_5y"].sum()
    assert 0.0 < kept < 0.1, kept
    assert killed["recurred"].sum() < none["recurred"].sum()
    # the DTCs at diagnosis are drawn before any treatment: unchanged
    assert np.array_equal(killed["dtc_at_diagnosis"], none["dtc_at_diagnosis"])


@pytest.fixture(scope="module")
def plan_inputs():
    values = resolve_parameters(None)[SET_NAME].values()
    ids = np.arange(3000, dtype=np.int64)
    covariates = sample_covariates(PopulationSpec(), seed=8, ids=ids, values=values)
    chemotherapy = (covariates["n_stage"] != "N0") | (covariates["subtype"] == "HER2+")
    plan = care_plan(CareSpec(era="modern"), covariates, chemotherapy, step_days=30.4375, chemotherapy_years=0.5)
    return covariates, chemotherapy, plan


def test_care_plan_gives_the_dormant_kill_to_her2_positive_patients_on_trastuzumab_for_its_year(plan_inputs):
    covariates, chemotherapy, plan = plan_inputs
    values = care_parameters()
    h = values["trastuzumab_dormant_death_per_year"]
    assert 1.0 <= h <= 10.0  # the record's prior (Georgoulias 2012 clearance)
    step = 30.4375 / 365.25
    on_year = (np.arange(plan.dormant_death_per_year.shape[1]) + 0.5) * step < values["trastuzumab_years"]
    treated = plan.trastuzumab
    assert treated.any() and np.array_equal(treated, (covariates["subtype"] == "HER2+") & chemotherapy)
    assert np.all(plan.dormant_death_per_year[np.ix_(treated, on_year)] == h)
    assert np.all(plan.dormant_death_per_year[:, ~on_year] == 0.0)
    assert np.all(plan.dormant_death_per_year[~treated] == 0.0)
    for rows, regimen in care_groups(plan):
        assert np.all(plan.dormant_death_per_year[rows] == regimen.dormant_death_per_year)


N_PATIENTS = 4000


def _modern_cohort(monkeypatch, dormant_death, **options):
    values = {**care_parameters(), "trastuzumab_dormant_death_per_year": dormant_death}
    monkeypatch.setattr(cohort_module, "care_parameters", lambda: values)
    spec = CohortSpec(N_PATIENTS, followup_years=10.0, care=CareSpec(era="modern"))
    return simulate_cohort(spec, seed=20261207, **options).table


@pytest.mark.slow
def test_more_trastuzumab_dormant_kill_means_fewer_her2_dtcs_and_recurrences_and_nothing_for_others(monkeypatch):
    default = care_parameters()["trastuzumab_dormant_death_per_year"]
    tables = {h: _modern_cohort(monkeypatch, h) for h in (0.0, default, 10.0)}
    base = tables[0.0]
    treated = ((base["subtype"] == "HER2+") & base["chemotherapy"]).to_numpy()
    assert treated.sum() > 300
    others = base.loc[~treated].reset_index(drop=True)
    dormant, recurred = [], []
    for table in tables.values():
        # no effect on anyone not on trastuzumab (HER2- patients, HER2+ without chemotherapy): bit-identical
        pd.testing.assert_frame_equal(table.loc[~treated].reset_index(drop=True), others)
        on = table.loc[treated]
        recurred.append(int(on["recurred"].sum()))
        dormant.append(on["dormant_at_5y"])
    seen = np.logical_and.reduce([d.to_numpy() >= 0 for d in dormant])  # free of recurrence at 5 y in every arm
    sums = [int(d.to_numpy()[seen].sum()) for d in dormant]
    assert sums[0] > sums[1] > sums[2], sums
    # recurrences fall, then saturate: once nearly every dormant cell dies, the growing foci are left
    assert recurred[0] > recurred[1] >= recurred[2], recurred


@pytest.mark.slow
def test_trastuzumab_dormant_kill_is_reproducible_whatever_the_chunking(monkeypatch):
    whole = _modern_cohort(monkeypatch, 5.0)
    chunked = _modern_cohort(monkeypatch, 5.0, chunk_size=333)
    pd.testing.assert_frame_equal(whole, chunked)
