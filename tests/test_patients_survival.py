"""Deaths and survival endpoints: life-table mortality, breast-cancer deaths, competing risks and trial endpoints."""

from __future__ import annotations

import warnings
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from dormancy.errors import InputError
from dormancy.params import load_registry
from dormancy.patients import CohortSpec, PopulationSpec, simulate_cohort
from dormancy.patients import survival as deaths
from dormancy.patients.outcomes import OUTCOME_COLUMNS, cumulative_incidence, survival_outcomes
from dormancy.trials.analysis import cumulative_incidence as fast_incidence
from dormancy.trials.endpoints import patient_endpoints

SEED = 20_261_207
N_PATIENTS = 4000
VALUES = load_registry().sets[deaths.SET_NAME].values()


def raw_life_table() -> pd.DataFrame:
    """The shipped CSV read independently of the module: q by age (rows) and calendar year (columns)."""
    path = resources.files("dormancy.patients").joinpath("data").joinpath("life_table_female.csv")
    with resources.as_file(path) as file:
        frame = pd.read_csv(file, comment="#", index_col="age")
    frame.columns = frame.columns.astype(int)
    return frame


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    spec = CohortSpec(N_PATIENTS, followup_years=20.0, population=PopulationSpec(diagnosis_year=1990))
    return simulate_cohort(spec, seed=SEED).table


# --- the life table ---------------------------------------------------------------------------------------------


def test_life_table_is_a_probability_table_rising_with_age():
    table = raw_life_table()
    assert table.index.min() <= 25 and table.index.max() == 119
    assert table.columns.min() <= 1970 and table.columns.max() >= 2075
    q = table.to_numpy()
    assert ((q > 0) & (q < 1)).all()
    # from 35 on, mortality rises with age in every calendar year (Gompertz), and falls over calendar time at 70
    assert (np.diff(table.loc[35:105].to_numpy(), axis=0) > 0).all()
    assert table.loc[70, 2015] < table.loc[70, 1990] < table.loc[70, 1970]


@pytest.mark.parametrize(("age", "year"), [(45, 1985), (60, 1990), (75, 2010)])
def test_mortality_alone_reproduces_life_table_survival_within_2_percent(age, year):
    """A cohort without cancer events: the drawn other-cause deaths reproduce the life table's survival."""
    table = raw_life_table()
    n = 200_000  # binomial standard error below 0.5 % of the survival at every horizon tested
    times = deaths.other_cause_death_years(
        seed=SEED, ids=np.arange(n), age_at_diagnosis=np.full(n, float(age)), diagnosis_year=year, max_years=25.0
    )
    for horizon in (5, 10, 20):
        expected = np.prod([1.0 - table.loc[age + k, year + k] for k in range(horizon)])
        observed = np.mean(times > horizon)
        assert observed == pytest.approx(expected, rel=0.02), (age, year, horizon)


def test_survival_function_matches_the_table_exactly_at_whole_years():
    table = raw_life_table()
    survival = deaths.other_cause_survival(age_at_diagnosis=[50.0, 70.0], diagnosis_year=2000, years=[1, 7, 15])
    for row, age in enumerate((50, 70)):
        for column, horizon in enumerate((1, 7, 15)):
            expected = np.prod([1.0 - table.loc[age + k, 2000 + k] for k in range(horizon)])
            assert survival[row, column] == pytest.approx(expected, rel=1e-9)


def test_cohort_other_cause_deaths_follow_the_life_table(cohort):
    """In the full simulation, other-cause survival (breast-cancer deaths censored) matches the table within 2 %."""
    ok = cohort[cohort["status"] == "ok"]
    expected = deaths.other_cause_survival(
        age_at_diagnosis=ok["age_at_diagnosis"].to_numpy(), diagnosis_year=1990, years=[5.0, 10.0, 20.0]
    ).mean(axis=0)
    dead = ok["death_years"].notna().to_numpy()
    other = (ok["death_cause"] == "other").to_numpy()
    exit_years = np.where(dead, ok["death_years"].to_numpy(float), ok["end_of_followup_years"].to_numpy(float))
    from lifelines import KaplanMeierFitter

    fitter = KaplanMeierFitter().fit(exit_years, event_observed=other)
    observed = fitter.survival_function_at_times([5.0, 10.0, 20.0]).to_numpy()
    np.testing.assert_allclose(observed, expected, rtol=0.02)


def test_older_patients_die_more_of_other_causes(cohort):
    ok = cohort[cohort["status"] == "ok"]
    age = ok["age_at_diagnosis"].to_numpy()
    young, old = ok[age < 50], ok[age >= 65]
    cif_young = survival_outcomes(young, horizons=[10.0])["cif_other_death"].iloc[0]
    cif_old = survival_outcomes(old, horizons=[10.0])["cif_other_death"].iloc[0]
    # binomial standard error of the difference; the gap must exceed four of them
    se = np.sqrt(cif_young * (1 - cif_young) / len(young) + cif_old * (1 - cif_old) / len(old))
    assert cif_old - cif_young > 4 * se, (cif_young, cif_old, se)
    # and the hazard itself rises with age in every year of the table
    hazard = deaths.other_cause_hazard(np.arange(40, 100)[:, None], np.array([1980, 2000, 2020])[None, :])
    assert (np.diff(hazard, axis=0) > 0).all()


# --- breast-cancer deaths -----------------------------------------------------------------------------------------


def test_bone_first_survives_longer_than_visceral_and_unknown_sites_are_visceral():
    subtypes = np.array(["ER+/HER2-", "HER2+", "HER2+", "TN"])
    er = np.array([True, True, False, False])
    bone = deaths.median_survival_after_recurrence(VALUES, subtype=subtypes, er_positive=er, site=["bone"] * 4)
    for site in ("lung", "liver", "brain", "other", "peritoneum"):
        visceral = deaths.median_survival_after_recurrence(VALUES, subtype=subtypes, er_positive=er, site=[site] * 4)
        np.testing.assert_allclose(bone / visceral, VALUES["bone_to_visceral_median_ratio"])
    # Kennecke 2010's ordering: luminal > luminal/HER2 > HER2-enriched > basal-like
    assert bone[0] > bone[1] > bone[2] > bone[3]


def test_deaths_after_recurrence_and_no_event_after_death(cohort):
    ok = cohort[cohort["status"] == "ok"]
    death = ok["death_years"].to_numpy(float)
    cause = ok["death_cause"].to_numpy(str)
    assert set(cause) <= set(deaths.CAUSES)
    assert ((cause == "") == np.isnan(death)).all()
    cancer = cause == "breast cancer"
    assert cancer.any() and (cause == "other").any()
    recurrence = ok["recurrence_years"].to_numpy(float)
    assert (recurrence[cancer] < death[cancer]).all()  # a breast-cancer death follows a distant recurrence
    for column in ("recurrence_years", "locoregional_years", "contralateral_years", "bone_metastasis_years"):
        times = ok[column].to_numpy(float)
        both = ~np.isnan(times) & ~np.isnan(death)
        assert (times[both] <= death[both]).all(), column
    end = ok["end_of_followup_years"].to_numpy(float)
    np.testing.assert_array_equal(end, np.fmin(20.0, death))
    assert (ok["followup_years"].to_numpy(float) <= end).all()
    dormant = ok["dormant_at_10y"]
    assert dormant[death < 10.0].isna().all()


def test_bone_first_recurrences_live_longer_in_the_cohort(cohort):
    ok = cohort[(cohort["status"] == "ok") & cohort["recurrence_years"].notna()]
    from lifelines import KaplanMeierFitter

    medians = {}
    for site, part in ok.groupby(ok["recurrence_site"] == "bone"):
        dead = part["death_years"].notna().to_numpy()
        after = np.where(dead, part["death_years"], part["end_of_followup_years"]) - part["recurrence_years"]
        fitter = KaplanMeierFitter().fit(after, event_observed=(part["death_cause"] == "breast cancer").to_numpy())
        medians[site] = fitter.median_survival_time_
    assert medians[True] > 1.3 * medians[False], medians


def test_deaths_do_not_depend_on_chunking_or_on_the_other_patients(cohort):
    spec = CohortSpec(N_PATIENTS, followup_years=20.0, population=PopulationSpec(diagnosis_year=1990))
    ids = np.arange(7, N_PATIENTS, 97)
    part = simulate_cohort(spec, seed=SEED, patient_ids=ids, chunk_size=5).table
    whole = cohort.set_index("patient").loc[ids]
    np.testing.assert_array_equal(part["death_years"].to_numpy(), whole["death_years"].to_numpy())
    np.testing.assert_array_equal(part["death_cause"].to_numpy(), whole["death_cause"].to_numpy())


def test_without_deaths_nobody_dies_and_the_dtc_history_is_the_same():
    population = PopulationSpec(diagnosis_year=1990)
    alive = simulate_cohort(CohortSpec(300, followup_years=20.0, population=population, deaths=False), seed=3).table
    dying = simulate_cohort(CohortSpec(300, followup_years=20.0, population=population), seed=3).table
    assert alive["death_years"].isna().all() and (alive["death_cause"] == "").all()
    np.testing.assert_array_equal(alive["dtc_at_diagnosis"], dying["dtc_at_diagnosis"])
    seen = dying["recurrence_years"].notna()
    np.testing.assert_array_equal(alive["recurrence_years"][seen], dying["recurrence_years"][seen])


@pytest.mark.parametrize("year", [1950, 2036, 1990.5, "1990", True, None])
def test_diagnosis_year_outside_the_table_is_an_input_error(year):
    with pytest.raises(InputError) as error:
        PopulationSpec(diagnosis_year=year)
    assert error.value.problems[0].field == "population.diagnosis_year"


def test_deaths_switch_must_be_boolean():
    with pytest.raises(InputError) as error:
        CohortSpec(10, deaths="yes")
    assert error.value.problems[0].field == "cohort.deaths"


# --- competing risks ----------------------------------------------------------------------------------------------


def test_cumulative_incidences_are_non_decreasing_and_sum_to_at_most_one(cohort):
    horizons = np.arange(0.5, 20.01, 0.5)
    outcomes = survival_outcomes(cohort, horizons=horizons)
    assert set(OUTCOME_COLUMNS) <= set(outcomes.columns)
    for column in OUTCOME_COLUMNS:
        values = outcomes[column].to_numpy()
        assert ((values >= 0) & (values <= 1)).all(), column
        step = np.diff(values)
        assert (step <= 1e-12).all() if column in ("os", "bcss") else (step >= -1e-12).all(), column
    first = outcomes["cif_distant"] + outcomes["cif_death_without_distant"]
    deaths_sum = outcomes["cif_breast_cancer_death"] + outcomes["cif_other_death"]
    assert (first <= 1.0).all() and (deaths_sum <= 1.0).all()
    # the two causes of death add up to one minus overall survival (Aalen-Johansen identity)
    np.testing.assert_allclose(deaths_sum, 1.0 - outcomes["os"], atol=1e-9)
    # breast-cancer-specific survival (other deaths censored) lies above 1 - CIF of breast-cancer death's complement
    assert (outcomes["bcss"] <= 1.0 - outcomes["cif_breast_cancer_death"] + 1e-12).all()


def test_fast_aalen_johansen_matches_lifelines():
    rng = np.random.default_rng(5)
    n = 400
    times = rng.exponential(5.0, n)
    causes = rng.integers(0, 3, n)
    grid = np.array([0.5, 1.0, 3.0, 6.0, 12.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reference = cumulative_incidence(times, causes, grid)
    np.testing.assert_allclose(fast_incidence(times, causes, grid), reference, atol=1e-12)


# --- trial endpoints ----------------------------------------------------------------------------------------------


def test_trial_endpoints_count_deaths_as_steep_defines_them():
    nan = np.nan
    table = pd.DataFrame(
        {
            "recurrence_years": [nan, 2.0, nan, nan],
            "recurrence_site": ["", "bone", "", ""],
            "locoregional_years": [nan, nan, 1.0, nan],
            "contralateral_years": [nan, nan, nan, nan],
            "bone_metastasis_years": [nan, 2.0, nan, nan],
            "death_years": [3.0, 4.0, nan, nan],
            "death_cause": ["other", "breast cancer", "", ""],
        }
    )
    entry = np.zeros(4)
    follow = np.full(4, 5.0)
    endpoints = patient_endpoints(table, entry, follow)
    # DFS keeps its meaning (recurrence only) and is censored at death
    np.testing.assert_allclose(endpoints["dfs_years"], [3.0, 2.0, 1.0, 5.0])
    np.testing.assert_array_equal(endpoints["dfs_event"], [False, True, True, False])
    # IDFS counts death from any cause
    np.testing.assert_array_equal(endpoints["idfs_event"], [True, True, True, False])
    np.testing.assert_allclose(endpoints["idfs_years"], [3.0, 2.0, 1.0, 5.0])
    np.testing.assert_array_equal(endpoints["drfs_event"], [True, True, False, False])
    np.testing.assert_array_equal(endpoints["os_event"], [True, True, False, False])
    np.testing.assert_allclose(endpoints["os_years"], [3.0, 4.0, 5.0, 5.0])
    np.testing.assert_array_equal(endpoints["bcss_event"], [False, True, False, False])
    np.testing.assert_allclose(endpoints["bcss_years"], [3.0, 4.0, 5.0, 5.0])
    assert (endpoints["os_years"] >= endpoints["idfs_years"]).all()


# --- command line -------------------------------------------------------------------------------------------------


def test_cohort_command_prints_survival_and_rejects_a_bad_diagnosis_year(tmp_path):
    from typer.testing import CliRunner

    from dormancy.cli import app

    runner = CliRunner()
    arguments = ["cohort", "--patients", "60", "--years", "6", "--diagnosis-year", "2005", "--out"]
    result = runner.invoke(app, [*arguments, str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    for text in ("overall survival", "breast-cancer-specific survival", "death from other causes (CIF)", "5 y"):
        assert text in result.output
    table = pd.read_parquet(tmp_path / "c" / "patients.parquet")
    assert {"death_years", "death_cause"} <= set(table.columns)
    bad = runner.invoke(app, ["cohort", "--patients", "60", "--diagnosis-year", "1900", "--out", str(tmp_path / "d")])
    assert bad.exit_code != 0 and "population.diagnosis_year" in bad.output


# --- the metastatic course's bone metastases under deaths -------------------------------------------------------


def test_route_before_death_is_the_exponential_truncated_at_death():
    m, room, n = 0.75, 1.2, 200_000
    u = (np.arange(n) + 0.5) / n
    route = -m * np.log1p(-u)  # recurrence at 0
    moved = deaths.route_before_death(
        route, recurrence_years=np.zeros(n), breast_cancer_death_years=np.full(n, room), mean_delay_years=m
    )
    assert (moved < room).all() and (np.diff(moved) > 0).all()
    # mean of Exp(m) truncated at L: m - L e^{-L/m} / (1 - e^{-L/m})
    expected = m - room * np.exp(-room / m) / -np.expm1(-room / m)
    assert moved.mean() == pytest.approx(expected, rel=1e-3)
    kept = deaths.route_before_death(
        [np.nan, 2.0], recurrence_years=[1.0, 1.0], breast_cancer_death_years=[3.0, np.nan], mean_delay_years=m
    )
    assert np.isnan(kept[0]) and kept[1] == 2.0


def test_bone_metastases_after_a_visceral_first_site_come_before_death_as_often_as_solomayer(cohort):
    """Solomayer 2000: 46 % of patients whose first site was not bone developed bone metastases before death."""
    p = load_registry().sets["patients_natural_history"].values()["bone_after_visceral_probability"]
    ok = cohort[(cohort["status"] == "ok") & (cohort["recurrence_site"] == "other")]
    died = ok[ok["death_cause"] == "breast cancer"]
    later = died["bone_metastasis_years"].notna().to_numpy()
    se = np.sqrt(p * (1 - p) / len(died))
    assert later.mean() > p - 4 * se, (later.mean(), p, len(died))
    assert (died["bone_metastasis_years"].dropna() < died["death_years"][later]).all()
