"""Per-focus endocrine independence of an ER+ patient's disseminated disease (:mod:`dormancy.patients.natural_history`,
record ``endocrine_independent_focus_fraction``)."""

from __future__ import annotations

import pytest

from dormancy.patients import CareSpec, CohortSpec, PopulationSpec, simulate_cohort
from dormancy.patients.care_checks import rate_ratio
from dormancy.patients.parameters import SET_NAME

Q = f"{SET_NAME}.endocrine_independent_focus_fraction"
#: Columns of the DTC history (the kernel's); the non-DTC events have their own endocrine reduction.
HISTORY = ["dtc_at_diagnosis", "escapes", "dead_dtcs", "dormant_at_end", "recurrence_years", "bone_metastasis_years"]


def _cohort(care: CareSpec, q: float, *, n: int = 1500, chunk_size: int = 100_000, population=None):
    spec = CohortSpec(n, followup_years=12.0, population=population or PopulationSpec(), care=care)
    return simulate_cohort(spec, seed=11, parameters={Q: q}, chunk_size=chunk_size).table


def test_the_independence_is_the_same_whatever_the_chunking():
    care = CareSpec(era="modern")
    assert _cohort(care, 0.3, chunk_size=317).equals(_cohort(care, 0.3))


def test_er_negative_patients_are_untouched_and_er_positive_ones_change():
    care = CareSpec("node_positive", 5.0)
    base, independent = _cohort(care, 0.0), _cohort(care, 0.3)
    er = base["er_positive"].to_numpy()
    assert 0 < er.sum() < len(er)
    assert base.loc[~er, HISTORY].equals(independent.loc[~er, HISTORY])  # bit for bit
    assert not base.loc[er, HISTORY].equals(independent.loc[er, HISTORY])


@pytest.mark.slow
def test_endocrine_therapy_loses_part_of_its_effect_as_more_foci_are_independent():
    """Tamoxifen for 5 years vs none, postmenopausal ER+ women, years 0-5: the RR rises with q (0, the sourced 0.225,
    the prior's upper limit 0.3; common random numbers) and stays a clear benefit at q = 0."""
    population = PopulationSpec.only(er_positive=True, age_mean_years=66.0, age_sd_years=5.0)
    ratios = {}
    for q in (0.0, 0.225, 0.3):
        arms = [_cohort(CareSpec("node_positive", years), q, n=5000, population=population) for years in (0.0, 5.0)]
        ratios[q] = rate_ratio(*(a["recurrence_years"].to_numpy() for a in arms), period=(0.0, 5.0))
    assert ratios[0.0][0] < ratios[0.225][0] < ratios[0.3][0] < 1.0, ratios
    assert ratios[0.0][2] < 0.8, ratios
