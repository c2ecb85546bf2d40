"""Patient simulator, stage by stage: random streams, covariates, seeding and aspirate, specs and parameters.

These tests do not run the compiled cohort kernel (see test_patients_natural_history.py for that).
"""

import numpy as np
import pytest

from dormancy.errors import InputError
from dormancy.params import load_registry
from dormancy.patients import CareSpec, CohortSpec, PopulationSpec
from dormancy.patients.covariates import sample_covariates
from dormancy.patients.kernel_random import philox_block
from dormancy.patients.parameters import FREE_PARAMETERS, SET_NAME, resolve_parameters
from dormancy.patients.seeding import aspirate_positive_probability, expected_positive_fraction, seeding_mean
from dormancy.rng import philox4x32

VALUES = load_registry().sets[SET_NAME].values()


def test_compiled_philox_equals_the_package_generator():
    rng = np.random.default_rng(1)
    counters = rng.integers(0, 2**32, size=(50, 4), dtype=np.uint64)
    keys = rng.integers(0, 2**32, size=(50, 2), dtype=np.uint64)
    expected = philox4x32(counters, keys)
    for counter, key, words in zip(counters, keys, expected, strict=True):
        got = philox_block(*(np.uint64(c) for c in counter), np.uint64(key[0]), np.uint64(key[1]))
        assert [int(w) for w in got] == [int(w) for w in words]


def test_covariate_marginals_match_the_population():
    population = PopulationSpec()
    draws = sample_covariates(population, seed=3, ids=np.arange(40_000), values=VALUES)
    n = len(draws["age_at_diagnosis"])
    tolerance = 4.0 / np.sqrt(n)  # four binomial standard errors at p = 0.25 is about 0.01
    for column, fractions in (
        ("subtype", population.subtype_fractions),
        ("t_stage", population.t_stage_fractions),
        ("n_stage", population.n_stage_fractions),
    ):
        for key, fraction in fractions.items():
            assert abs(np.mean(draws[column] == key) - fraction) < tolerance, (column, key)
    for subtype, grades in population.grade_fractions.items():
        chosen = draws["subtype"] == subtype
        observed = np.bincount(draws["grade"][chosen], minlength=4)[1:] / chosen.sum()
        assert np.allclose(observed, grades, atol=0.03), subtype
    er_positive = population.subtype_fractions["ER+/HER2-"] + 0.5 * population.subtype_fractions["HER2+"]
    assert abs(draws["er_positive"].mean() - er_positive) < tolerance
    assert abs(np.mean(draws["age_at_diagnosis"]) - population.age_mean_years) < 0.3
    assert abs(np.median(draws["bmi"]) - population.bmi_median) < 0.2
    assert abs(np.mean(draws["menopause_age"]) - VALUES["menopause_age_mean"]) < 0.2
    assert np.array_equal(draws["postmenopausal"], draws["age_at_diagnosis"] >= draws["menopause_age"])
    # most women past 55 are postmenopausal, few under 45
    assert draws["postmenopausal"][draws["age_at_diagnosis"] > 58].all()
    assert draws["postmenopausal"][draws["age_at_diagnosis"] < 40].sum() == 0


def test_a_patients_covariates_depend_only_on_seed_and_id():
    population = PopulationSpec()
    whole = sample_covariates(population, seed=9, ids=np.arange(100), values=VALUES)
    part = sample_covariates(population, seed=9, ids=np.arange(40, 60), values=VALUES)
    for column, values in part.items():
        assert np.array_equal(values, whole[column][40:60]), column
    other = sample_covariates(population, seed=10, ids=np.arange(100), values=VALUES)
    assert not np.array_equal(other["age_at_diagnosis"], whole["age_at_diagnosis"])


def test_stratum_populations_contain_only_that_stratum():
    draws = sample_covariates(
        PopulationSpec.only(er_positive=True, t_stage="T2", n_stage="N4-9"), seed=1, ids=np.arange(2000), values=VALUES
    )
    assert draws["er_positive"].all()
    assert set(draws["t_stage"]) == {"T2"} and set(draws["n_stage"]) == {"N4-9"}
    assert set(draws["subtype"]) <= {"ER+/HER2-", "HER2+"}
    negative = sample_covariates(PopulationSpec.only(er_positive=False), seed=1, ids=np.arange(2000), values=VALUES)
    assert not negative["er_positive"].any() and "ER+/HER2-" not in set(negative["subtype"])


def test_seeding_mean_rises_with_stage_and_grade_and_is_higher_in_er_negative():
    def mean(t="T1", n="N0", grade=2, er=True):
        return float(seeding_mean(VALUES, t_stage=[t], n_stage=[n], grade=[grade], er_positive=[er])[0])

    assert mean() == pytest.approx(VALUES["seeding_mean_reference"])
    assert mean() < mean(t="T2") < mean(t="T3")
    assert mean() < mean(n="N1-3") < mean(n="N4-9") < mean(n="N10+")
    assert mean(grade=1) < mean() < mean(grade=3)
    assert mean(er=False) > mean()


def test_aspirate_positivity_is_poisson_thinning():
    # each of N marrow DTCs lands in the aspirate with probability f: P(at least one) = 1 - (1 - f)^N -> 1 - e^{-fN}
    f = 2e-6
    for count in (0, 1_000, 300_000, 2_000_000):
        exact = 1.0 - (1.0 - f) ** count
        assert aspirate_positive_probability(count, f) == pytest.approx(exact, rel=1e-5, abs=1e-12)
    # mixing the Poisson detection over the gamma-Poisson count gives the closed form
    rng = np.random.default_rng(0)
    mean, shape = 2e5, 1.5
    counts = rng.poisson(rng.gamma(shape, mean / shape, size=400_000))
    simulated = aspirate_positive_probability(counts, f).mean()
    assert simulated == pytest.approx(float(expected_positive_fraction(mean, shape, f)), abs=3e-3)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: CohortSpec(0), "cohort.n_patients"),
        (lambda: CohortSpec(10, followup_years=-1.0), "cohort.followup_years"),
        (lambda: CareSpec(chemotherapy="sometimes"), "care.chemotherapy"),
        (lambda: CareSpec(endocrine_years=30.0), "care.endocrine_years"),
        (lambda: PopulationSpec(subtype_fractions={"ER+/HER2-": 1.0}), "population.subtype_fractions"),
        (lambda: PopulationSpec(t_stage_fractions={"T1": 0.5, "T2": 0.2, "T3": 0.1}), "population.t_stage_fractions"),
        (lambda: PopulationSpec.only(n_stage="N2"), "population.n_stage_fractions"),
    ],
)
def test_bad_specs_name_the_field(build, field):
    with pytest.raises(InputError) as caught:
        build()
    assert caught.value.problems[0].field == field


def test_overrides_are_checked_against_priors_by_record_name():
    name = f"{SET_NAME}.clonogenic_fraction"
    with pytest.raises(InputError) as caught:
        resolve_parameters({name: 5.0, "nonsense.thing": 1.0})
    fields = {problem.field for problem in caught.value.problems}
    assert fields == {f"parameters.{name}", "parameters.nonsense.thing"}
    assert resolve_parameters({name: 0.01})[SET_NAME]["clonogenic_fraction"].value == 0.01


def test_free_parameters_are_registry_records():
    registry = load_registry()
    assert 6 <= len(FREE_PARAMETERS) <= 12
    for name in FREE_PARAMETERS:
        record = registry.parameter(name)
        assert record.prior.contains(record.value)
