"""Patient simulator end to end: directions the biology demands, invariants and reproducibility.

Every test here runs the compiled kernel on small cohorts (the niche tables take ~15 s once per session), so the
module is marked slow.
"""

import math

import numpy as np
import pandas as pd
import pytest

from dormancy.params import load_registry
from dormancy.patients import CareSpec, CohortSpec, PopulationSpec, save_cohort, simulate_cohort
from dormancy.patients.aspirate import DIAGNOSIS_VISIT, positive_probability, read_aspirate
from dormancy.patients.parameters import SET_NAME
from dormancy.patients.summaries import annual_hazard

pytestmark = pytest.mark.slow
VALUES = load_registry().sets[SET_NAME].values()


def P(symbol):
    return f"{SET_NAME}.{symbol}"


@pytest.fixture(scope="module")
def cohort():
    return simulate_cohort(CohortSpec(4000), seed=11)


def cumulative(table, years):
    return float((table["recurrence_years"] < years).mean())


def test_table_has_the_interface_columns_and_types(cohort):
    table = cohort.table
    for column in (
        "patient",
        "age_at_diagnosis",
        "postmenopausal",
        "subtype",
        "er_positive",
        "t_stage",
        "n_stage",
        "grade",
        "bmi",
        "inflammation",
        "chemotherapy",
        "endocrine_years",
        "dtc_at_diagnosis",
        "dtc_positive",
        "dormant_at_5y",
        "dormant_at_10y",
        "micrometastases_at_10y",
        "escapes",
        "recurrence_years",
        "recurrence_site",
        "recurred",
        "bone_metastasis_years",
        "followup_years",
        "end_of_followup_years",
        "status",
    ):
        assert column in table.columns
    assert np.array_equal(table["patient"], np.arange(4000))
    assert set(table["recurrence_site"]) <= {"", "bone", "lung", "liver", "brain", "other"}
    assert (table["recurred"] == table["recurrence_years"].notna()).all()
    assert (table.loc[table["recurred"], "recurrence_site"] != "").all()
    # without a distant recurrence, time at risk ends at death or at the end of follow-up (20 years)
    end = np.fmin(20.0, table["death_years"].to_numpy(float))
    assert np.allclose(table.loc[~table["recurred"], "followup_years"], end[~table["recurred"].to_numpy()], atol=0.05)
    assert (table["status"] == "ok").all()
    assert table["inflammation"].between(0, 1).all()
    assert (table.loc[~table["er_positive"], "endocrine_years"] == 0).all()
    assert cohort.manifest.seed == 11
    assert any(record["name"] == P("clonogenic_fraction") for record in cohort.manifest.parameters)


def test_dtc_counts_are_conserved(cohort):
    # every seeded DTC is still dormant, has died, or has escaped to found a focus
    table = cohort.table
    seeded = table["dtc_at_diagnosis"] + table["dtc_other_sites"]
    assert (table["dormant_at_end"] + table["dead_dtcs"] + table["escapes"] == seeded).all()
    observed = table["dormant_at_10y"].dropna()
    assert (observed <= seeded[observed.index]).all()


def test_dtc_positivity_matches_the_analytic_mixture_and_braun_associations(cohort):
    # the aspirate at diagnosis reads the kernel's marrow count: positive as often as its closed form says
    table = cohort.table
    expected = positive_probability(table["dtc_at_diagnosis"].to_numpy())
    assert (table["dtc_cells_found"] <= table["dtc_at_diagnosis"]).all()
    assert ((table["dtc_cells_found"] > 0) == table["dtc_positive"]).all()
    reading = read_aspirate(
        table["dtc_at_diagnosis"].to_numpy(),
        seed=11,
        patient_ids=table["patient"].to_numpy(),
        visit=DIAGNOSIS_VISIT,
    )
    np.testing.assert_array_equal(reading.cells_found, table["dtc_cells_found"].to_numpy())
    standard_error = np.sqrt(expected.mean() * (1 - expected.mean()) / len(table))
    assert abs(table["dtc_positive"].mean() - expected.mean()) < 4 * standard_error
    rate = table.groupby("n_stage")["dtc_positive"].mean()
    assert rate["N10+"] > rate["N0"]
    er = table.groupby("er_positive")["dtc_positive"].mean()
    assert er[False] > er[True]


def test_chunking_does_not_change_the_table():
    spec = CohortSpec(300, followup_years=12.0)
    whole = simulate_cohort(spec, seed=5, chunk_size=1000).table
    pieces = simulate_cohort(spec, seed=5, chunk_size=7).table
    pd.testing.assert_frame_equal(whole, pieces)
    other = simulate_cohort(spec, seed=6).table
    assert not other["dtc_at_diagnosis"].equals(whole["dtc_at_diagnosis"])


def test_without_awakening_or_arrival_nobody_recurs():
    quiet = {
        P("awakening_scale_er_negative"): 1e-7,  # the prior's floor: a ten-millionth of the switch's exits
        P("awakening_scale_er_positive"): 1e-7,
        P("clonogenic_fraction"): 1e-6,
        P("niche_fraction_perivascular_sprouting"): 0.0,
    }
    table = simulate_cohort(CohortSpec(2000), seed=2, parameters=quiet).table
    assert table["recurred"].sum() == 0
    assert table["escapes"].sum() <= 2


def test_inflammation_brings_more_awakening_and_bone_recurrence():
    # without cells awake on arrival, recurrences come from awakening, which IL-1β promotes through the switch
    care = CareSpec(chemotherapy="none", endocrine_years=0.0)
    no_arrival = {P("niche_fraction_perivascular_sprouting"): 0.0}
    calm = simulate_cohort(CohortSpec(4000, care=care), seed=8, parameters=no_arrival).table
    inflamed = simulate_cohort(
        CohortSpec(4000, population=PopulationSpec(extra_inflammation_mean=0.4), care=care),
        seed=8,
        parameters=no_arrival,
    ).table
    assert inflamed["inflammation"].mean() > calm["inflammation"].mean() + 0.2
    # escapes are counted up to the first recurrence, so compare them per year at risk (inflamed patients recur sooner)

    def escape_rate(table):
        return table["escapes"].sum() / table["followup_years"].sum()

    assert escape_rate(inflamed) > 1.05 * escape_rate(calm)
    assert (inflamed["recurrence_site"] == "bone").sum() > (calm["recurrence_site"] == "bone").sum()
    assert cumulative(inflamed, 20.0) > cumulative(calm, 20.0)


def test_chemotherapy_lowers_early_but_not_late_recurrence():
    population = PopulationSpec.only(er_positive=False)
    none = simulate_cohort(CohortSpec(4000, population=population, care=CareSpec("none")), seed=4).table
    chemo = simulate_cohort(CohortSpec(4000, population=population, care=CareSpec("all")), seed=4).table
    assert cumulative(chemo, 1.0) < 0.85 * cumulative(none, 1.0)

    def late_hazard(table):  # annual hazard over years 8-20 among those free of recurrence at 8 years
        at_risk = table[table["followup_years"] > 8.0]
        return at_risk["recurred"].sum() / (at_risk["followup_years"] - 8.0).sum()

    assert late_hazard(chemo) > 0.85 * late_hazard(none)


def test_endocrine_therapy_lowers_er_positive_recurrence_mostly_while_taken():
    population = PopulationSpec.only(er_positive=True)
    none = simulate_cohort(CohortSpec(4000, population=population, care=CareSpec("none", 0.0)), seed=7).table
    endo = simulate_cohort(CohortSpec(4000, population=population, care=CareSpec("none", 5.0)), seed=7).table
    during = cumulative(endo, 5.0) / cumulative(none, 5.0)
    assert during < 0.6
    assert cumulative(endo, 20.0) < cumulative(none, 20.0)

    def after(table):  # recurrence in years 5-15 among those free at 5 years
        free = table[table["followup_years"] > 5.0]
        return cumulative(free, 15.0)

    assert after(endo) / after(none) > during


def test_longer_lived_er_positive_dormant_cells_recur_later_and_leave_er_negative_patients_alone():
    # r_+ scales only the ER+ dormant-death hazard: ER− histories are bit-identical, ER+ pools last longer
    spec = CohortSpec(4000, care=CareSpec("none", 0.0))
    same = simulate_cohort(spec, seed=12, parameters={P("dormant_death_ratio_er_positive"): 1.0}).table
    longer = simulate_cohort(spec, seed=12, parameters={P("dormant_death_ratio_er_positive"): 0.2}).table
    negative = ~same["er_positive"]
    pd.testing.assert_frame_equal(same[negative], longer[negative])
    positive = same["er_positive"]
    assert longer.loc[positive, "dormant_at_10y"].sum() > 1.2 * same.loc[positive, "dormant_at_10y"].sum()
    assert longer.loc[positive, "escapes"].sum() > same.loc[positive, "escapes"].sum()

    def late(table):  # ER+ recurrence in years 10-20 among those free at 10 years
        free = table[table["er_positive"] & (table["followup_years"] > 10.0)]
        return cumulative(free, 20.0)

    assert late(longer) > late(same)


def test_bone_metastases_are_recorded_at_any_time_and_the_first_recurrence_is_unchanged(cohort):
    table = cohort.table
    bone = table["bone_metastasis_years"]
    first_bone = table["recurrence_site"] == "bone"
    first_other = table["recurrence_site"].isin(["lung", "liver", "brain", "other"])
    # a first recurrence in bone is the first bone metastasis; a later one comes after a first one elsewhere
    assert np.array_equal(bone[first_bone], table.loc[first_bone, "recurrence_years"])
    later = bone[first_other].dropna()
    assert (later >= table.loc[later.index, "recurrence_years"]).all()
    assert bone[~table["recurred"]].isna().all()
    assert (bone.dropna() <= table["end_of_followup_years"][bone.notna()]).all()
    # the foci left after a first recurrence elsewhere keep growing: some reach bone detection later
    assert len(later) > 0.05 * first_other.sum()
    # counts up to the first recurrence: the cohort's first-site statistics do not see the later history
    short = simulate_cohort(CohortSpec(300, followup_years=6.0), seed=11).table
    head = table.iloc[:300]
    within = head["recurred"] & (head["recurrence_years"] < 6.0)
    assert np.array_equal(short.loc[within, "recurrence_years"], head.loc[within, "recurrence_years"])
    assert np.array_equal(short.loc[within, "escapes"], head.loc[within, "escapes"])


def test_bone_incidence_counts_later_bone_metastases_beyond_the_first_site():
    from dormancy.patients.summaries import bone_incidence

    table = simulate_cohort(CohortSpec(3000), seed=13).table
    first_site_only = table.drop(columns=["bone_metastasis_years"])
    for start, end in ((0, 5), (5, 10), (10, 15)):
        assert bone_incidence(table, start, end) >= bone_incidence(first_site_only, start, end)
    assert bone_incidence(table, 0, 20) > 1.1 * bone_incidence(first_site_only, 0, 20)


def test_growth_heterogeneity_spreads_recurrence_times_and_leaves_the_other_er_group_alone():
    # v+ draws one lognormal growth factor per ER+ patient from its own stream: ER− histories are bit-identical
    spec = CohortSpec(4000, care=CareSpec("none", 0.0))
    uniform = simulate_cohort(spec, seed=14, parameters={P("growth_rate_cv_er_positive"): 0.0}).table
    spread = simulate_cohort(spec, seed=14, parameters={P("growth_rate_cv_er_positive"): 1.0}).table
    negative = ~uniform["er_positive"]
    pd.testing.assert_frame_equal(uniform[negative], spread[negative])
    positive = uniform["er_positive"]
    # seeding and the aspirate come before growth: the same cells in every patient
    assert uniform.loc[positive, "dtc_at_diagnosis"].equals(spread.loc[positive, "dtc_at_diagnosis"])

    def early_peak(table):  # ER+ hazard in years 0-2 over that in years 2-5
        hazard = annual_hazard(table[positive], [(0, 2), (2, 5)])["hazard_percent"].to_numpy()
        return hazard[0] / hazard[1]

    # foci present at diagnosis no longer reach detection together: the early peak flattens
    assert early_peak(uniform) > 1.2
    assert early_peak(spread) < 0.8 * early_peak(uniform)


def test_awakening_frailty_spreads_escapes_between_patients_with_the_same_seeding():
    spec = CohortSpec(4000, care=CareSpec("none", 0.0))
    uniform = simulate_cohort(spec, seed=15).table
    frail = simulate_cohort(spec, seed=15, parameters={P("awakening_cv"): 1.5}).table
    assert uniform["dtc_at_diagnosis"].equals(frail["dtc_at_diagnosis"])

    # Jensen: with a mean-1 factor on the awakening hazard, more patients see no cell escape at all
    assert (frail["escapes"] == 0).mean() > (uniform["escapes"] == 0).mean() + 0.015


def test_save_cohort_writes_parquet_and_manifest_atomically(tmp_path, cohort):
    folder = save_cohort(cohort, tmp_path / "run")
    table = pd.read_parquet(folder / "patients.parquet")
    pd.testing.assert_frame_equal(table, cohort.table, check_dtype=False)
    assert (folder / "manifest.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
    with pytest.raises(FileExistsError):
        save_cohort(cohort, folder)


def test_two_dask_workers_give_the_in_process_table(two_workers):
    # the session's 2-process cluster (tests/conftest.py): started once for all the 2-worker tests
    spec = CohortSpec(400, followup_years=10.0)
    local = simulate_cohort(spec, seed=21, chunk_size=64).table
    spread = simulate_cohort(spec, seed=21, chunk_size=64, scheduler=two_workers).table
    pd.testing.assert_frame_equal(local, spread)


def test_cohort_command_writes_the_table_and_prints_recurrence(tmp_path):
    from typer.testing import CliRunner

    from dormancy.cli import app

    out = tmp_path / "cohort"
    result = CliRunner().invoke(app, ["cohort", "--patients", "300", "--years", "6", "--seed", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "ER+" in result.output and "ER−" in result.output and "DTC-positive" in result.output
    table = pd.read_parquet(out / "patients.parquet")
    assert len(table) == 300 and (out / "manifest.json").is_file()
    expected = simulate_cohort(CohortSpec(300, followup_years=6.0), seed=3).table
    pd.testing.assert_frame_equal(table, expected, check_dtype=False)


@pytest.mark.parametrize(
    "arguments",
    [
        ["--chemotherapy", "sometimes"],
        ["--scheduler", "tcp://127.0.0.1:1", "--workers", "2"],
        ["--patients", "0"],
    ],
)
def test_cohort_command_rejects_bad_input_and_writes_nothing(tmp_path, arguments):
    from typer.testing import CliRunner

    from dormancy.cli import app

    out = tmp_path / "cohort"
    result = CliRunner().invoke(app, ["cohort", "--out", str(out), *arguments])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_niche_tables_carry_the_switch_and_bone_directions(cohort):
    from dormancy.coupling import NICHE_NAMES
    from dormancy.coupling.tables import RATE_FIELDS, tabulate
    from dormancy.patients.parameters import resolve_parameters
    from dormancy.patients.therapy import DEFAULT_CACHE

    tables = tabulate(resolve_parameters(), cache=DEFAULT_CACHE)
    exit_ratio = RATE_FIELDS.index("log_awakening_rate")
    awake = RATE_FIELDS.index("awake_on_arrival")
    endosteal, sprouting = NICHE_NAMES.index("endosteal"), NICHE_NAMES.index("perivascular_sprouting")
    negative_off = tables.rates[0, 0]
    # the reference cell (ER- endosteal, no deficiency, no inflammation) wakes at the rate the tables carry
    assert math.exp(negative_off[endosteal, 0, 0, exit_ratio]) == pytest.approx(tables.reference["awakening_rate"])
    # IL-1β raises the awakening propensity in every marrow niche (review [140-145])
    assert (negative_off[:4, :, -1, exit_ratio] > negative_off[:4, :, 0, exit_ratio]).all()
    # sprouting tips (POSTN, TGF-β1) keep arriving cells awake; the endosteal niche puts them to sleep (review [55, 61])
    assert (tables.rates[:, 0, sprouting, :, :, awake] == 1.0).all()
    assert (tables.rates[:, :, endosteal, :, :, awake] == 0.0).all()
    # blocking ER signalling lowers an ER+ cell's awakening propensity and leaves ER- cells untouched
    assert (tables.rates[1, 1, :4, :, :, exit_ratio] <= tables.rates[1, 0, :4, :, :, exit_ratio] + 1e-9).all()
    assert np.array_equal(tables.rates[0, 1], tables.rates[0, 0])
    # the vicious cycle only accelerates bone foci, more with burden
    assert (tables.vicious_factor >= 1.0 - 1e-9).all()
    assert (np.diff(tables.vicious_factor, axis=2) >= 0).all()
    assert tables.vicious_factor[0, 0, -1] > 1.2
