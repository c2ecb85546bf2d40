"""Between-patient endocrine sensitivity (:mod:`dormancy.patients.endocrine_resistance`) in the patient kernel."""

from __future__ import annotations

import numpy as np
import pytest

from dormancy.errors import InputError
from dormancy.patients import CareSpec, CohortSpec, PopulationSpec, simulate_cohort
from dormancy.patients.care import care_plan
from dormancy.patients.care_checks import rate_ratio
from dormancy.patients.covariates import sample_covariates
from dormancy.patients.endocrine_resistance import (
    aromatase_inhibitor_resistant_years,
    endocrine_resistant_years,
    endocrine_sensitivity,
)
from dormancy.patients.parameters import SET_NAME, resolve_parameters

R = f"{SET_NAME}.endocrine_resistant_fraction"
LAMBDA = f"{SET_NAME}.endocrine_acquired_resistance_per_year"
SIGMA = f"{SET_NAME}.endocrine_response_sd_log"
ER_POSITIVE = PopulationSpec.only(er_positive=True)
#: Columns of the DTC history (the kernel's); the non-DTC events have their own endocrine reduction.
HISTORY = ["dtc_at_diagnosis", "escapes", "dead_dtcs", "dormant_at_end", "recurrence_years", "bone_metastasis_years"]


def test_no_resistance_means_never_resistant():
    ids = np.arange(50)
    er = ids % 2 == 0
    values = {"endocrine_resistant_fraction": 0.0, "endocrine_acquired_resistance_per_year": 0.0}
    assert np.all(np.isinf(endocrine_resistant_years(values, seed=1, ids=ids, er_positive=er)))


def test_resistance_times_follow_the_fraction_and_hazard_and_depend_only_on_seed_and_patient():
    ids = np.arange(40_000)
    er = np.ones(len(ids), dtype=bool)
    values = {"endocrine_resistant_fraction": 0.25, "endocrine_acquired_resistance_per_year": 0.1}
    times = endocrine_resistant_years(values, seed=7, ids=ids, er_positive=er)
    de_novo = times == 0.0
    # binomial share within 4 standard errors; the others exponential with mean 1/lambda (10 years)
    assert abs(de_novo.mean() - 0.25) < 4 * np.sqrt(0.25 * 0.75 / len(ids))
    acquired = times[~de_novo]
    assert abs(acquired.mean() - 10.0) < 4 * 10.0 / np.sqrt(len(acquired))
    # any subset, in any order, gets the same times; ER- patients are never resistant
    subset = ids[::-7]
    assert np.array_equal(endocrine_resistant_years(values, seed=7, ids=subset, er_positive=er[subset]), times[subset])
    assert np.all(np.isinf(endocrine_resistant_years(values, seed=7, ids=ids, er_positive=~er)))
    assert not np.array_equal(endocrine_resistant_years(values, seed=8, ids=ids, er_positive=er), times)


def test_bad_resistance_values_are_input_errors():
    with pytest.raises(InputError) as error:
        endocrine_resistant_years(
            {"endocrine_resistant_fraction": 1.5, "endocrine_acquired_resistance_per_year": -1.0},
            seed=1,
            ids=np.arange(3),
            er_positive=np.ones(3, dtype=bool),
        )
    assert {p.field for p in error.value.problems} == {
        "endocrine_resistant_fraction",
        "endocrine_acquired_resistance_per_year",
    }


def test_an_aromatase_inhibitor_overcomes_only_a_share_of_the_de_novo_resistance():
    ids = np.arange(40_000)
    er = ids % 5 != 0
    values = {"endocrine_resistant_fraction": 0.3, "endocrine_acquired_resistance_per_year": 0.05}
    tamoxifen = endocrine_resistant_years(values, seed=3, ids=ids, er_positive=er)
    same = aromatase_inhibitor_resistant_years(values, ai_sensitive_fraction=0.0, seed=3, ids=ids, er_positive=er)
    assert np.array_equal(same, tamoxifen)
    phi = 0.32
    on_ai = aromatase_inhibitor_resistant_years(values, ai_sensitive_fraction=phi, seed=3, ids=ids, er_positive=er)
    de_novo = tamoxifen == 0.0
    # only de novo resistant patients change; a share phi of them (binomial, 4 SE) become sensitive until the
    # acquisition time they would have had (exponential, mean 1 / lambda = 20 years)
    assert np.array_equal(on_ai[~de_novo], tamoxifen[~de_novo])
    switched = de_novo & (on_ai > 0.0)
    share = switched.sum() / de_novo.sum()
    assert abs(share - phi) < 4 * np.sqrt(phi * (1 - phi) / de_novo.sum())
    assert abs(on_ai[switched].mean() - 20.0) < 4 * 20.0 / np.sqrt(switched.sum())
    assert np.all(np.isinf(on_ai[~er]))
    # with their own escape hazard (faster than the others' acquisition) the same patients switch, sooner
    escaping = aromatase_inhibitor_resistant_years(
        values, ai_sensitive_fraction=phi, escape_per_year=2.5, seed=3, ids=ids, er_positive=er
    )
    assert np.array_equal(escaping > 0.0, on_ai > 0.0) and np.array_equal(escaping[~de_novo], tamoxifen[~de_novo])
    assert abs(escaping[switched].mean() - 0.4) < 4 * 0.4 / np.sqrt(switched.sum())
    everyone = aromatase_inhibitor_resistant_years(values, ai_sensitive_fraction=1.0, seed=3, ids=ids, er_positive=er)
    assert not np.any(everyone == 0.0)
    subset = ids[::-9]
    again = aromatase_inhibitor_resistant_years(
        values, ai_sensitive_fraction=phi, seed=3, ids=subset, er_positive=er[subset]
    )
    assert np.array_equal(again, on_ai[subset])
    with pytest.raises(InputError) as error:
        aromatase_inhibitor_resistant_years(values, ai_sensitive_fraction=1.2, seed=3, ids=ids, er_positive=er)
    assert error.value.problems[0].field == "ai_sensitive_fraction_of_tamoxifen_resistant"
    with pytest.raises(InputError) as error:
        aromatase_inhibitor_resistant_years(
            values, ai_sensitive_fraction=phi, escape_per_year=-1.0, seed=3, ids=ids, er_positive=er
        )
    assert error.value.problems[0].field == "ai_escape_per_year_of_tamoxifen_resistant"


def test_only_an_aromatase_inhibitor_from_diagnosis_takes_its_own_resistance():
    population = PopulationSpec.only(er_positive=True, age_mean_years=60.0, age_sd_years=12.0)
    ids = np.arange(400, dtype=np.int64)
    values = resolve_parameters(None)[SET_NAME].values()
    covariates = sample_covariates(population, seed=2, ids=ids, values=values)
    chemotherapy = np.zeros(len(ids), dtype=bool)
    flags = {}
    for agent, extended in (("aromatase_inhibitor", "none"), ("tamoxifen", "all")):
        care = CareSpec(era="modern", endocrine_agent=agent, extended_endocrine=extended, ovarian_suppression="none")
        plan = care_plan(care, covariates, chemotherapy, step_days=30.4375, chemotherapy_years=0.5)
        flags[agent] = plan.upfront_aromatase_inhibitor
    post = covariates["postmenopausal"]
    assert np.array_equal(flags["aromatase_inhibitor"], post & covariates["er_positive"])
    assert not flags["tamoxifen"].any()  # tamoxifen then an AI in the extension keeps the tamoxifen resistance


def _cohort(care: CareSpec, parameters: dict, *, n: int = 1500, chunk_size: int = 100_000, population=None):
    spec = CohortSpec(n, followup_years=12.0, population=population or PopulationSpec(), care=care)
    return simulate_cohort(spec, seed=11, parameters=parameters, chunk_size=chunk_size).table


def test_fully_sensitive_cohort_is_the_same_whether_resistance_never_comes_or_comes_after_follow_up():
    # s = 1 throughout: r = 0 and lambda = 0 (every T_R infinite) against a hazard so small that every T_R is
    # finite but far beyond follow-up: the kernel's comparisons then change nothing, bit for bit
    care = CareSpec(era="modern")
    never = _cohort(care, {R: 0.0, LAMBDA: 0.0})
    late = _cohort(care, {R: 0.0, LAMBDA: 1e-9})
    assert never[HISTORY].equals(late[HISTORY])


def test_a_resistant_patient_lives_as_without_endocrine_therapy_and_er_negative_patients_are_untouched():
    parameters = {R: 0.4, LAMBDA: 0.0}
    resistant = _cohort(CareSpec("node_positive", 5.0), parameters)
    untreated = _cohort(CareSpec("node_positive", 0.0), parameters)
    sensitive = _cohort(CareSpec("node_positive", 5.0), {R: 0.0, LAMBDA: 0.0})
    er = resistant["er_positive"].to_numpy()
    times = endocrine_resistant_years(
        {"endocrine_resistant_fraction": 0.4}, seed=11, ids=np.arange(len(er)), er_positive=er
    )
    de_novo = times == 0.0
    assert 0.3 < de_novo.sum() / er.sum() < 0.5
    # de novo resistant: the DTC history of the same patient without endocrine therapy, bit for bit
    assert resistant.loc[de_novo, HISTORY].equals(untreated.loc[de_novo, HISTORY])
    # ER- patients: no endocrine effect either way; sensitive ER+ patients: as with r = 0
    assert resistant.loc[~er, HISTORY].equals(sensitive.loc[~er, HISTORY])
    assert resistant.loc[er & ~de_novo, HISTORY].equals(sensitive.loc[er & ~de_novo, HISTORY])
    assert not resistant.loc[de_novo, HISTORY].equals(sensitive.loc[de_novo, HISTORY])


def test_resistance_is_the_same_whatever_the_chunking():
    parameters = {R: 0.3, LAMBDA: 0.1}
    care = CareSpec(era="modern")
    assert _cohort(care, parameters, chunk_size=317).equals(_cohort(care, parameters))


@pytest.mark.slow
def test_more_resistance_brings_the_endocrine_effects_closer_to_one():
    """Tamoxifen vs none and an AI vs tamoxifen (years 0-5): the RR rises towards 1 with r (0 to 0.4, λ = 0)."""
    ratios = {}
    for r in (0.0, 0.4):
        parameters = {R: r, LAMBDA: 0.0}
        arms = [
            _cohort(CareSpec("node_positive", years), parameters, n=6000, population=ER_POSITIVE)
            for years in (0.0, 5.0)
        ]
        tamoxifen = rate_ratio(*(a["recurrence_years"].to_numpy() for a in arms), period=(0.0, 5.0))
        modern = [
            _cohort(
                CareSpec(era="modern", chemotherapy="node_positive", endocrine_agent=agent, extended_endocrine="none"),
                parameters,
                n=6000,
                population=PopulationSpec.only(er_positive=True, age_mean_years=64.0, age_sd_years=8.0),
            )
            for agent in ("tamoxifen", "aromatase_inhibitor")
        ]
        ai = rate_ratio(*(a["recurrence_years"].to_numpy() for a in modern), period=(0.0, 5.0))
        ratios[r] = (tamoxifen, ai)
    for which in (0, 1):
        low, high = ratios[0.0][which], ratios[0.4][which]
        assert low[0] < 1.0 and high[0] < 1.0
        assert high[0] > low[0], (which, ratios)
        # separated by more than the two intervals' half-widths (common random numbers make this conservative)
        assert high[1] > low[2] or high[0] - low[0] > 0.1, (which, ratios)


def test_no_response_spread_means_the_calibrated_response_for_everyone():
    ids = np.arange(50)
    er = ids % 2 == 0
    values = {"endocrine_growth_inhibition": 0.74, "endocrine_response_sd_log": 0.0}
    assert np.array_equal(endocrine_sensitivity(values, seed=1, ids=ids, er_positive=er), np.ones(50))
    assert np.array_equal(endocrine_sensitivity({}, seed=1, ids=ids, er_positive=er), np.ones(50))


def test_the_growth_factor_on_therapy_is_lognormal_about_the_calibrated_one_and_depends_only_on_seed_and_patient():
    ids = np.arange(40_000)
    er = ids % 4 != 0
    epsilon, sigma = 0.74, 0.64
    values = {"endocrine_growth_inhibition": epsilon, "endocrine_response_sd_log": sigma}
    s = endocrine_sensitivity(values, seed=5, ids=ids, er_positive=er)
    assert np.all(s[~er] == 1.0)
    assert np.all((s >= 0.0) & (s <= 1.0 / epsilon))
    factor = 1.0 - epsilon * s[er]  # the growth factor on therapy, f_i = min(1, (1 - eps) e^{sigma z})
    # median (1 - eps): half of the patients respond better than the calibrated response, half worse
    assert abs(np.mean(factor < 1.0 - epsilon) - 0.5) < 4 * 0.5 / np.sqrt(er.sum())
    # below the cap at 1 the log factor is normal with SD sigma: its quartiles are ln(1 - eps) -/+ 0.674 sigma
    quartiles = np.log(np.quantile(factor, [0.25, 0.75]))
    assert np.allclose(quartiles, np.log(1.0 - epsilon) + np.array([-0.6745, 0.6745]) * sigma, atol=0.03)
    # capped where the factor would exceed 1 (no endocrine effect): P(z > -ln(1 - eps) / sigma)
    from scipy.stats import norm

    capped = norm.sf(-np.log(1.0 - epsilon) / sigma)
    assert abs(np.mean(s[er] == 0.0) - capped) < 4 * np.sqrt(capped * (1 - capped) / er.sum()) + 1e-3
    subset = ids[::-7]
    assert np.array_equal(endocrine_sensitivity(values, seed=5, ids=subset, er_positive=er[subset]), s[subset])
    assert not np.array_equal(endocrine_sensitivity(values, seed=6, ids=ids, er_positive=er), s)
    with pytest.raises(InputError) as error:
        endocrine_sensitivity({"endocrine_response_sd_log": -0.1}, seed=1, ids=ids, er_positive=er)
    assert error.value.problems[0].field == "endocrine_response_sd_log"


def test_the_response_spread_changes_only_ER_positive_patients_on_endocrine_therapy():
    untreated = [_cohort(CareSpec("node_positive", 0.0), {SIGMA: sigma}, n=400) for sigma in (0.0, 0.64)]
    assert untreated[0].equals(untreated[1])  # untreated histories, bit for bit
    treated = [_cohort(CareSpec("node_positive", 5.0), {SIGMA: sigma}, n=400) for sigma in (0.0, 0.64)]
    er = treated[0]["er_positive"].to_numpy()
    assert treated[0].loc[~er, HISTORY].equals(treated[1].loc[~er, HISTORY])
    assert not treated[0].loc[er, HISTORY].equals(treated[1].loc[er, HISTORY])
