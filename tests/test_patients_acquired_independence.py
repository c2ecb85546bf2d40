"""Endocrine independence acquired over time by an ER+ patient's dormant cells
(:mod:`dormancy.patients.natural_history`, record ``endocrine_independence_per_year``)."""

from __future__ import annotations

import numpy as np

from dormancy.patients import CareSpec, CohortSpec, PopulationSpec, simulate_cohort
from dormancy.patients.parameters import SET_NAME

LAM = f"{SET_NAME}.endocrine_independence_per_year"
#: Columns of the DTC history (the kernel's); the non-DTC events have their own endocrine reduction.
HISTORY = ["dtc_at_diagnosis", "escapes", "dead_dtcs", "dormant_at_end", "recurrence_years", "bone_metastasis_years"]


def _cohort(care: CareSpec, lam: float, *, n: int = 1500, chunk_size: int = 100_000):
    spec = CohortSpec(n, followup_years=12.0, population=PopulationSpec(), care=care)
    return simulate_cohort(spec, seed=11, parameters={LAM: lam}, chunk_size=chunk_size).table


def test_the_acquired_independence_is_the_same_whatever_the_chunking():
    care = CareSpec(era="modern")
    assert _cohort(care, 0.1, chunk_size=317).equals(_cohort(care, 0.1))


def test_er_negative_patients_are_untouched_and_er_positive_ones_change_only_after_diagnosis():
    care = CareSpec("node_positive", 5.0)
    base, acquired = _cohort(care, 0.0), _cohort(care, 0.15)
    er = base["er_positive"].to_numpy()
    assert 0 < er.sum() < len(er)
    assert base.loc[~er, HISTORY].equals(acquired.loc[~er, HISTORY])  # bit for bit
    assert not base.loc[er, HISTORY].equals(acquired.loc[er, HISTORY])
    # the seeding at diagnosis draws no independence at t = 0
    assert np.array_equal(base["dtc_at_diagnosis"].to_numpy(), acquired["dtc_at_diagnosis"].to_numpy())
