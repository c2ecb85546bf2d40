"""Virtual trials: spec validation, eligibility, randomisation, endpoints, the replicate engine, report and CLI."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from dormancy.cli import app
from dormancy.errors import InputError
from dormancy.trials import (
    design_names,
    dump_trial,
    run_trial,
    trial_from_dict,
    trial_from_text,
    write_report,
)
from dormancy.trials.allocation import (
    covariates_eligible,
    draw_entry_and_follow_up,
    randomisation_generator,
    randomise,
    screening_times,
)
from dormancy.trials.endpoints import BMFS_FIRST_SITE, DFS_ANY, DFS_DISTANT_ONLY, patient_endpoints

PLACEBO = {
    "name": "placebo",
    "enrolment": {"target": 120},
    "eligibility": {"years_since_diagnosis": [0.0, 0.5]},
    "screening": {"candidates_per_enrolled": 1.5},
    "randomisation": {"stratify_by": ["er_status"], "block_multiplier": 2},
    "arms": [{"name": "control"}, {"name": "placebo"}],
    "control_arm": "control",
    "follow_up": {"min_years": 4.0, "max_years": 6.0},
    "analysis": {"subgroups": ["menopausal_status"]},
}


def problem_fields(data):
    with pytest.raises(InputError) as caught:
        trial_from_dict(data)
    return [problem.field for problem in caught.value.problems]


# --- spec ---------------------------------------------------------------------------------------------------------


def test_a_trial_round_trips_through_yaml():
    spec = trial_from_dict(PLACEBO)
    assert trial_from_text(dump_trial(spec)) == spec
    assert spec.with_target(60).enrolment.target == 60


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"arms": [{"name": "control", "ratio": 0}, {"name": "placebo"}]}, "arms.0.ratio"),
        ({"control_arm": "nobody"}, "control_arm"),
        ({"population": {"age_mean": 50}}, "population.age_mean"),
        ({"population": {"age_mean_years": 120}}, "population.age_mean_years"),
        ({"care": {"chemotherapy": "sometimes"}}, "care.chemotherapy"),
        ({"eligibility": {"years_since_diagnosis": [3.0, 1.0]}}, "eligibility.years_since_diagnosis"),
        ({"eligibility": {"n_stages": ["N7"]}}, "eligibility.n_stages"),
        ({"enrolment": {"target": 1}}, "enrolment.target"),
        ({"follow_up": {"min_years": 5, "max_years": 2}}, "follow_up"),
        ({"analysis": {"primary_endpoint": "dtc_clearance"}}, "analysis.primary_endpoint"),
        ({"unknown": 1}, "unknown"),
        ({"format": "dormancy.scenario"}, "format"),
    ],
)
def test_a_bad_field_is_named(change, field):
    assert problem_fields({**PLACEBO, **change}) == [field]


def test_strategies_are_checked_by_name_and_inline():
    fields = problem_fields({**PLACEBO, "arms": [{"name": "control"}, {"name": "x", "strategy": "no-such-drug"}]})
    assert fields == ["arms.1.strategy"]
    inline = {"name": "mine", "kind": "killing", "courses": [{"schedule": "hydroxychloroquine:600mg:q12h"}]}
    fields = problem_fields({**PLACEBO, "arms": [{"name": "control"}, {"name": "x", "strategy": inline}]})
    assert len(fields) == 1 and fields[0].startswith("arms.1.strategy")
    good = {**inline, "courses": [{"schedule": "hydroxychloroquine:600mg:q12h", "duration": "168d"}]}
    spec = trial_from_dict({**PLACEBO, "arms": [{"name": "control"}, {"name": "x", "strategy": good}]})
    assert spec.arm("x").strategy == good


def test_yaml_errors_are_input_errors():
    with pytest.raises(InputError, match="valid YAML"):
        trial_from_text("name: [unclosed")
    with pytest.raises(InputError, match="a mapping of trial fields"):
        trial_from_text("")


@pytest.mark.parametrize("name", ["abcsg18", "azure", "clever", "dcare", "ebctcg"])
def test_every_design_loads(name):
    from dormancy.trials import load_design

    spec = load_design(name)
    assert spec.name == name
    assert spec.arm(spec.control_arm).strategy is None
    assert any(arm.strategy is not None for arm in spec.arms)


def test_the_five_replicas_are_shipped():
    assert set(design_names()) == {"abcsg18", "azure", "clever", "dcare", "ebctcg"}


# --- screening, eligibility, randomisation ------------------------------------------------------------------------


def test_per_patient_draws_depend_only_on_seed_and_id():
    spec = trial_from_dict(PLACEBO)
    ids = np.arange(1000)
    first, follow = draw_entry_and_follow_up(7, ids, spec.eligibility, spec.follow_up)
    subset_first, subset_follow = draw_entry_and_follow_up(7, ids[500:520], spec.eligibility, spec.follow_up)
    np.testing.assert_array_equal(first[500:520], subset_first)
    np.testing.assert_array_equal(follow[500:520], subset_follow)
    assert first.min() >= 0.0 and first.max() <= 0.5
    assert follow.min() >= 4.0 and follow.max() <= 6.0
    assert stats.kstest((first - 0.0) / 0.5, "uniform").pvalue > 1e-3


def test_rescreening_times_stay_inside_the_window():
    spec = trial_from_dict(
        {**PLACEBO, "eligibility": {"years_since_diagnosis": [0.5, 5.0]}, "screening": {"rescreen_interval_years": 1}}
    )
    first = np.array([0.5, 2.2, 4.9])
    times = screening_times(first, spec.eligibility, spec.screening)
    np.testing.assert_allclose(times[0], [0.5, 1.5, 2.5, 3.5, 4.5])
    np.testing.assert_allclose(times[1, :3], [2.2, 3.2, 4.2])
    assert np.isnan(times[1, 3:]).all() and np.isnan(times[2, 1:]).all()


def covariate_table():
    return pd.DataFrame(
        {
            "status": ["ok"] * 5,
            "recurrence_years": [np.nan, 0.5, 3.0, np.nan, np.nan],
            "t_stage": ["T1", "T2", "T3", "T2", "T1"],
            "n_stage": ["N0", "N1-3", "N0", "N4-9", "N0"],
            "subtype": ["ER+/HER2-", "TN", "ER+/HER2-", "HER2+", "TN"],
            "er_positive": [True, False, True, False, False],
            "grade": [1, 3, 2, 3, 2],
            "age_at_diagnosis": [45.0, 60.0, 49.5, 40.0, 70.0],
            "menopause_age": [50.0, 50.0, 50.0, 50.0, 50.0],
        }
    )


def test_eligibility_at_entry():
    table = covariate_table()
    entry = np.full(5, 1.0)
    base = trial_from_dict(PLACEBO).eligibility
    # patient 1 recurred before entry
    np.testing.assert_array_equal(covariates_eligible(table, entry, base), [True, False, True, True, True])
    risky = base.model_copy(update={"high_risk_any_of": ("node_positive", "triple_negative")})
    np.testing.assert_array_equal(covariates_eligible(table, entry, risky), [False, False, False, True, True])
    post = base.model_copy(update={"menopausal_status": "post"})
    # patient 2 turns 50.5 at entry: postmenopausal then, though not at diagnosis
    np.testing.assert_array_equal(covariates_eligible(table, entry, post), [False, False, True, False, True])
    er = base.model_copy(update={"er_status": "positive"})
    np.testing.assert_array_equal(covariates_eligible(table, entry, er), [True, False, True, False, False])
    # a locoregional or contralateral recurrence before entry also excludes (patient 3); after entry does not (4)
    local = table.assign(any_recurrence_years=table["recurrence_years"].to_numpy(float))
    local.loc[3, "any_recurrence_years"], local.loc[4, "any_recurrence_years"] = 0.5, 2.0
    np.testing.assert_array_equal(covariates_eligible(local, entry, base), [True, False, True, False, True])


def test_permuted_blocks_balance_every_stratum_and_are_reproducible():
    rng = np.random.default_rng(0)
    stratum = rng.choice(["a", "b", "c"], size=997)
    ratios, multiplier = (1, 2), 2
    arms = randomise(stratum, ratios, multiplier, randomisation_generator(5, 0))
    block = multiplier * sum(ratios)
    for label in "abc":
        members = arms[stratum == label]
        complete = len(members) // block * block
        counts = np.bincount(members[:complete], minlength=2)
        assert counts[1] == 2 * counts[0]  # exact ratio over every complete block
        assert np.all(np.bincount(members[complete:], minlength=2) <= np.array(ratios) * multiplier)
    again = randomise(stratum, ratios, multiplier, randomisation_generator(5, 0))
    np.testing.assert_array_equal(arms, again)
    other = randomise(stratum, ratios, multiplier, randomisation_generator(5, 1))
    assert not np.array_equal(arms, other)


# --- endpoints ----------------------------------------------------------------------------------------------------


def test_endpoints_are_measured_from_entry_and_censored_at_follow_up():
    table = pd.DataFrame(
        {"recurrence_years": [np.nan, 2.0, 9.0, 3.0], "recurrence_site": ["", "bone", "other", "other"]}
    )
    entry = np.array([0.5, 0.5, 0.5, 1.0])
    follow = np.array([5.0, 5.0, 5.0, 5.0])
    endpoints = patient_endpoints(table, entry, follow)
    np.testing.assert_allclose(endpoints["dfs_years"], [5.0, 1.5, 5.0, 2.0])
    np.testing.assert_array_equal(endpoints["dfs_event"], [False, True, False, True])
    np.testing.assert_array_equal(endpoints["rfs_event"], endpoints["ddfs_event"])
    np.testing.assert_array_equal(endpoints["bmfs_event"], [False, True, False, False])
    assert (endpoints["bmfs_definition"] == BMFS_FIRST_SITE).all()
    with_bone = table.assign(bone_metastasis_years=[np.nan, 2.0, np.nan, 4.5])
    later = patient_endpoints(with_bone, entry, follow)
    np.testing.assert_array_equal(later["bmfs_event"], [False, True, False, True])
    np.testing.assert_allclose(later["bmfs_years"], [5.0, 1.5, 5.0, 3.5])
    assert (endpoints["dfs_definition"] == DFS_DISTANT_ONLY).all()


def test_dfs_counts_local_and_contralateral_events_and_rfs_local_ones():
    table = pd.DataFrame(
        {
            "recurrence_years": [np.nan, 4.0, 9.0, 3.0, np.nan],
            "recurrence_site": ["", "bone", "other", "other", ""],
            "locoregional_years": [2.0, np.nan, 7.0, 2.5, np.nan],
            "contralateral_years": [1.0, 3.0, np.nan, np.nan, np.nan],
        }
    )
    entry = np.array([0.5, 0.5, 0.5, 1.0, 0.5])
    follow = np.full(5, 5.0)
    endpoints = patient_endpoints(table, entry, follow)
    np.testing.assert_allclose(endpoints["ddfs_years"], [5.0, 3.5, 5.0, 2.0, 5.0])
    np.testing.assert_array_equal(endpoints["ddfs_event"], [False, True, False, True, False])
    np.testing.assert_allclose(endpoints["rfs_years"], [1.5, 3.5, 5.0, 1.5, 5.0])
    np.testing.assert_array_equal(endpoints["rfs_event"], [True, True, False, True, False])
    np.testing.assert_allclose(endpoints["dfs_years"], [0.5, 2.5, 5.0, 1.5, 5.0])
    np.testing.assert_array_equal(endpoints["dfs_event"], [True, True, False, True, False])
    # every DFS event comes no later than the RFS and DDFS events: DFS <= RFS <= DDFS
    assert (endpoints["dfs_years"] <= endpoints["rfs_years"]).all()
    assert (endpoints["rfs_years"] <= endpoints["ddfs_years"]).all()
    assert (endpoints["dfs_definition"] == DFS_ANY).all()


# --- the engine ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def placebo_result():
    return run_trial(trial_from_dict(PLACEBO), seed=3, replicates=120)


def test_placebo_against_placebo_gives_hazard_ratio_one_and_uniform_p_values(placebo_result):
    comparisons = placebo_result.comparisons
    overall = comparisons[(comparisons["endpoint"] == "dfs") & (comparisons["subgroup"] == "all")]
    assert len(overall) == 120
    log_hr = np.log(overall["hazard_ratio"].dropna())
    assert abs(float(np.median(log_hr))) < 0.15
    p = overall["p_value"].dropna().to_numpy()
    assert stats.kstest(p, "uniform").pvalue > 1e-3
    assert np.mean(p < 0.05) <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / len(p))
    assert set(comparisons["subgroup"]) == {"all", "menopausal_status=post", "menopausal_status=pre"}
    summary = placebo_result.summary().set_index(["endpoint", "subgroup"]).loc[("dfs", "all")]
    assert summary["hr_pooled_low"] < 1.0 < summary["hr_pooled_high"]
    assert summary["hr_pooled_high"] / summary["hr_pooled_low"] < 1.6  # 120 pooled trials: a narrow interval


def test_every_replica_reports_os_bcss_and_competing_incidences(placebo_result):
    competing = placebo_result.competing
    per_cell = competing.groupby(["replicate", "arm"]).size()
    assert len(per_cell) == 2 * 120 and (per_cell == 6).all()
    wide = competing.pivot_table(index=["replicate", "arm"], columns="measure", values="value")
    assert ((wide >= 0) & (wide <= 1)).all().all()
    assert (wide["cif_distant"] + wide["cif_death_without_distant"] <= 1 + 1e-12).all()
    np.testing.assert_allclose(wide["cif_breast_cancer_death"] + wide["cif_other_death"], 1 - wide["os"], atol=1e-12)
    assert {"os", "bcss"} <= set(placebo_result.summary()["endpoint"])  # analysed by default
    summary = placebo_result.competing_summary()
    assert set(summary["measure"]) == set(wide.columns) and set(summary["arm"]) == {"control", "placebo"}


def test_enrolment_and_randomisation_follow_the_spec(placebo_result):
    patients = placebo_result.patients
    assert placebo_result.status == "ok"
    assert (patients.groupby("replicate").size() == 120).all()
    assert patients.groupby("replicate")["patient"].nunique().eq(120).all()
    assert (patients["entry_years"].between(0.0, 0.5)).all()
    counts = patients.groupby(["replicate", "arm"]).size().unstack()
    assert (abs(counts["control"] - counts["placebo"]) <= 2 * 2).all()  # two strata, half a block each at most
    recurred = patients["dfs_event"].mean()
    assert 0.02 < recurred < 0.6


def test_replicate_r_does_not_depend_on_how_many_run(placebo_result):
    few = run_trial(trial_from_dict(PLACEBO), seed=3, replicates=3)
    head = placebo_result.patients[placebo_result.patients["replicate"] < 3].reset_index(drop=True)
    pd.testing.assert_frame_equal(few.patients, head)
    other_seed = run_trial(trial_from_dict(PLACEBO), seed=4, replicates=3)
    assert not other_seed.patients["patient"].equals(few.patients["patient"]) or not np.array_equal(
        other_seed.patients["dfs_years"], few.patients["dfs_years"]
    )


def test_too_few_candidates_is_a_status_not_an_error():
    spec = trial_from_dict(
        {**PLACEBO, "screening": {"candidates_per_enrolled": 1.0}, "eligibility": {"er_status": "positive"}}
    )
    result = run_trial(spec, seed=1, replicates=2)
    assert result.status == "under-enrolled"
    assert (result.screening["enrolled"] < 120).all()
    assert result.manifest.settings["under_enrolled_replicates"] == 2


@pytest.mark.parametrize(("seed", "replicates"), [(-1, 2), (1, 0), (True, 2)])
def test_bad_run_options_are_input_errors(seed, replicates):
    with pytest.raises(InputError):
        run_trial(trial_from_dict(PLACEBO), seed=seed, replicates=replicates)


# --- report and command line --------------------------------------------------------------------------------------


def test_the_report_folder_is_complete_and_never_overwritten_silently(placebo_result, tmp_path):
    folder = write_report(placebo_result, tmp_path / "out")
    names = {path.name for path in folder.iterdir()}
    assert {"report.html", "manifest.json", "summary.csv", "patients.csv", "trial.yaml", "comparisons.csv"} <= names
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 1 + len(placebo_result.spec.analysis.endpoints)
    assert "What the model cannot see" in html
    assert trial_from_text((folder / "trial.yaml").read_text()) == placebo_result.spec
    with pytest.raises(FileExistsError):
        write_report(placebo_result, folder)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_command_line_lists_runs_and_rejects_bad_input(tmp_path):
    runner = CliRunner()
    listed = runner.invoke(app, ["trial", "list"])
    assert listed.exit_code == 0 and "clever" in listed.output
    bad = runner.invoke(app, ["trial", "no-such-trial", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "TARGET" in bad.output and "Traceback" not in bad.output
    path = tmp_path / "trial.yaml"
    path.write_text(dump_trial(trial_from_dict({**PLACEBO, "enrolment": {"target": 40}})), encoding="utf-8")
    done = runner.invoke(app, ["trial", str(path), "--out", str(tmp_path / "run"), "--replicates", "3"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "run" / "report.html").exists()
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\narms: []\n", encoding="utf-8")
    failed = runner.invoke(app, ["trial", str(broken), "--out", str(tmp_path / "never")])
    assert failed.exit_code == 2 and not (tmp_path / "never").exists()


def test_power_by_size_under_the_null_stays_near_alpha():
    from dormancy.trials import power_by_size

    spec = trial_from_dict({**PLACEBO, "analysis": {"endpoints": ["dfs"], "primary_endpoint": "dfs"}})
    power = power_by_size(spec, [40, 80], seed=9, replicates=60)
    assert list(power["enrolled"].unique()) == [40, 80]
    overall = power[power["subgroup"] == "all"]
    assert (overall["power"] <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 60)).all()
    with pytest.raises(InputError, match="sizes"):
        power_by_size(spec, [1], seed=9, replicates=2)


@pytest.mark.slow
def test_results_are_identical_for_any_worker_count_and_chunking(two_workers):
    spec = trial_from_dict({**PLACEBO, "enrolment": {"target": 40}})
    alone = run_trial(spec, seed=12, replicates=4)
    spread = run_trial(spec, seed=12, replicates=4, scheduler=two_workers, chunk_size=37)
    pd.testing.assert_frame_equal(alone.patients, spread.patients)
    pd.testing.assert_frame_equal(alone.comparisons, spread.comparisons)


@pytest.mark.slow
def test_a_killing_arm_clears_more_dtcs_than_the_same_patients_untreated():
    """Direction on outcomes: HCQ + everolimus lowers the marrow DTCs and raises the measured clearance.

    Counterfactual with common random numbers: the treated arm's patients are simulated again untreated (same
    seed and ids, so the same history up to entry and the same aspirate draws), which isolates the treatment
    effect from patient-to-patient variation; the arm-against-arm comparison of a trial this size could not.
    """
    from dormancy.patients import CohortSpec, aspirate_positive, simulate_cohort
    from dormancy.trials.engine import ASSESSMENT_VISIT_OFFSET

    spec = trial_from_dict(
        {
            "name": "killing",
            "enrolment": {"target": 400},
            "eligibility": {"years_since_diagnosis": [0.5, 3.0], "dtc_status": "positive"},
            "screening": {"candidates_per_enrolled": 6.0},
            "arms": [{"name": "observation"}, {"name": "killing", "strategy": "hcq+everolimus"}],
            "control_arm": "observation",
            "assessments": [{"name": "after", "days_after_entry": 350}],
            "follow_up": {"min_years": 1.5, "max_years": 1.5},
            "analysis": {"endpoints": ["rfs"], "primary_endpoint": "dtc_clearance"},
        }
    )
    result = run_trial(spec, seed=4, replicates=1)
    patients = result.patients
    treated = patients[(patients["arm"] == "killing") & (patients["dtc_after"] != "not done")]
    ids = treated["patient"].to_numpy()
    visits = (treated["entry_years"].to_numpy() + 350 / 365.25)[:, None]
    untreated = simulate_cohort(
        CohortSpec(len(ids), followup_years=3.0 + 1.5 + 0.1), seed=4, patient_ids=ids, visits_years=visits
    )
    counterfactual = untreated.visits.set_index("patient").loc[ids, "marrow_dtcs"].astype(float).to_numpy()
    observed = treated["marrow_dtcs_after"].to_numpy(float)
    assert len(ids) > 100
    assert np.mean(observed < counterfactual) > 0.9
    assert np.median(np.log(observed + 1) - np.log(counterfactual + 1)) < 0
    negative_untreated = ~aspirate_positive(counterfactual, seed=4, patient_ids=ids, visit=ASSESSMENT_VISIT_OFFSET)
    negative_treated = treated["dtc_after"].to_numpy(str) == "negative"
    assert negative_treated.sum() > negative_untreated.sum()
    assert (negative_treated & ~negative_untreated).sum() > (negative_untreated & ~negative_treated).sum()


@pytest.mark.slow
def test_a_replica_runs_and_writes_its_report(tmp_path):
    """AZURE at a reduced size (each treated regimen's niche tables take minutes to build on a loaded machine, so
    the other replicas are run from the command line, not here: see benchmarks/README.md and the report)."""
    from dormancy.trials import load_design

    for name in ["azure"]:
        spec = load_design(name)
        small = spec.with_target(max(60, 4 * sum(arm.ratio for arm in spec.arms)))
        result = run_trial(small, seed=1, replicates=2)
        folder = write_report(result, tmp_path / name)
        assert result.status == "ok", name
        assert set(result.patients["arm"]) == {arm.name for arm in spec.arms}
        assert (folder / "report.html").stat().st_size > 10_000
        treated = [arm.name for arm in spec.arms if arm.strategy is not None]
        assert set(result.comparisons["arm"]) == set(treated)
