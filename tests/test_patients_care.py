"""Standard care by era (:mod:`dormancy.patients.care`), the in-silico checks of the modern therapies
(:mod:`dormancy.patients.care_checks`) and the EBCTCG 2011 tamoxifen rate ratios by period."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dormancy.errors import InputError
from dormancy.patients import CareSpec, CohortSpec, PopulationSpec, simulate_cohort
from dormancy.patients.care import care_groups, care_plan, monarche_eligible
from dormancy.patients.care_checks import CARE_CHECKS, rate_ratio, run_care_checks
from dormancy.patients.covariates import sample_covariates
from dormancy.patients.parameters import SET_NAME, resolve_parameters


def test_default_care_is_the_calibrated_1980s_care():
    care = CareSpec()
    assert care.is_1980s and care.era == "1980s"
    assert (care.chemotherapy, care.endocrine_years, care.chemotherapy_regimen, care.endocrine_agent) == (
        "risk_based",
        5.0,
        "cmf",
        "tamoxifen",
    )
    assert not care.trastuzumab and not care.cdk46_inhibitor
    assert CareSpec("node_positive", 0.0).is_1980s  # the calibration cohorts' positional form still works


def test_modern_era_switches_every_component_on_and_each_can_be_chosen():
    modern = CareSpec(era="modern")
    assert not modern.is_1980s
    assert (modern.chemotherapy, modern.chemotherapy_regimen, modern.endocrine_agent) == (
        "risk_based_her2",
        "anthracycline_taxane",
        "aromatase_inhibitor",
    )
    assert modern.trastuzumab and modern.cdk46_inhibitor and modern.extended_endocrine == "node_positive"
    assert not CareSpec(trastuzumab=True).is_1980s
    assert not CareSpec(era="modern", trastuzumab=False).trastuzumab
    # the neutral control of a comparison: modern era with 1980s components still takes the care regimen
    neutral = CareSpec(
        era="modern",
        chemotherapy_regimen="cmf",
        endocrine_agent="tamoxifen",
        ovarian_suppression="none",
        extended_endocrine="none",
        trastuzumab=False,
        cdk46_inhibitor=False,
    )
    assert not neutral.is_1980s


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"era": "1990s"}, "care.era"),
        ({"endocrine_agent": "letrozole"}, "care.endocrine_agent"),
        ({"trastuzumab": "yes"}, "care.trastuzumab"),
        ({"cdk46_inhibitor": 1}, "care.cdk46_inhibitor"),
        ({"extended_to_years": 12.0}, "care.extended_to_years"),
        ({"extended_endocrine": "all", "endocrine_years": 9.0, "extended_to_years": 8.0}, "care.extended_to_years"),
        ({"chemotherapy": "some"}, "care.chemotherapy"),
    ],
)
def test_bad_care_names_its_field(changes, field):
    with pytest.raises(InputError) as error:
        CareSpec(**changes)
    assert field in {problem.field for problem in error.value.problems}


def test_components_are_keyword_only():
    with pytest.raises(TypeError):
        CareSpec("risk_based", 5.0, "modern")  # type: ignore[misc]


@pytest.fixture(scope="module")
def plan_inputs():
    values = resolve_parameters(None)[SET_NAME].values()
    ids = np.arange(4000, dtype=np.int64)
    covariates = sample_covariates(PopulationSpec(), seed=5, ids=ids, values=values)
    node_positive = covariates["n_stage"] != "N0"
    chemotherapy = node_positive | ~covariates["er_positive"] | (covariates["subtype"] == "HER2+")
    plan = care_plan(CareSpec(era="modern"), covariates, chemotherapy, step_days=30.4375, chemotherapy_years=0.5)
    return covariates, chemotherapy, plan


def test_each_modern_therapy_reaches_only_its_patients(plan_inputs):
    covariates, chemotherapy, plan = plan_inputs
    er = covariates["er_positive"]
    her2 = covariates["subtype"] == "HER2+"
    assert plan.trastuzumab.any() and np.array_equal(plan.trastuzumab, her2 & chemotherapy)
    assert plan.cdk46_inhibitor.any() and np.array_equal(plan.cdk46_inhibitor, monarche_eligible(covariates))
    assert not plan.cdk46_inhibitor[~er | her2].any()
    assert plan.aromatase_inhibitor.any() and not plan.aromatase_inhibitor[~er].any()
    # an aromatase inhibitor before the menopause only with ovarian suppression
    pre_ai = plan.aromatase_inhibitor & ~covariates["postmenopausal"]
    assert np.all(plan.ovarian_suppression[pre_ai] | (plan.endocrine_years[pre_ai] > 5.0))
    assert np.all(plan.endocrine_years[~er] == 0.0)
    extended = er & (covariates["n_stage"] != "N0")
    assert np.all(plan.endocrine_years[extended] == 10.0) and np.all(plan.endocrine_years[er & ~extended] == 5.0)
    # nothing acts on a patient who receives none of them: a neutral regimen
    none = ~(plan.trastuzumab | plan.cdk46_inhibitor | plan.aromatase_inhibitor | chemotherapy)
    assert none.any()
    assert np.all(plan.log10_kill[none] == 0.0) and np.all(plan.growth_factor[none] == 1.0)
    assert np.all(plan.er_inhibition == 0.0)
    # cytostatic and cytotoxic effects only during their courses
    step = 30.4375 / 365.25
    after_two_years = int(np.ceil(2.0 / step))
    assert np.all(plan.growth_factor[plan.cdk46_inhibitor, :after_two_years] < 1.0)
    assert np.all(plan.log10_kill[:, int(np.ceil(1.0 / step)) :] == 0.0)


def test_effects_combine_and_a_neutral_value_changes_nothing(plan_inputs):
    from dormancy.patients.care import care_parameters

    covariates, chemotherapy, plan = plan_inputs
    values = dict(care_parameters())
    both = plan.cdk46_inhibitor & plan.aromatase_inhibitor
    assert both.any()
    expected = (1.0 - values["aromatase_inhibitor_extra_inhibition"]) * values["cdk46_growth_factor"]
    assert np.allclose(plan.growth_factor[both, 0], expected)
    neutral = care_plan(
        CareSpec(era="modern"),
        covariates,
        chemotherapy,
        step_days=30.4375,
        chemotherapy_years=0.5,
        values={
            **values,
            "cdk46_growth_factor": 1.0,
            "trastuzumab_log_kill_per_year": 0.0,
            "trastuzumab_dormant_death_per_year": 0.0,
            "cdk46_resistant_growth_factor": 1.0,
        },
    )
    without = care_plan(
        CareSpec(era="modern", cdk46_inhibitor=False, trastuzumab=False),
        covariates,
        chemotherapy,
        step_days=30.4375,
        chemotherapy_years=0.5,
    )
    for name in ("log10_kill", "growth_factor", "er_inhibition", "dormant_death_per_year", "resistant_growth_factor"):
        assert np.array_equal(getattr(neutral, name), getattr(without, name)), name


def test_care_groups_partition_the_patients(plan_inputs):
    *_, plan = plan_inputs
    groups = care_groups(plan)
    rows = np.sort(np.concatenate([group for group, _ in groups]))
    assert np.array_equal(rows, np.arange(len(plan.endocrine_years)))
    for group, regimen in groups:
        assert np.all(plan.log10_kill[group] == regimen.log10_kill)
        assert np.all(plan.growth_factor[group] == regimen.growth_factor)


def test_modern_cohort_is_reproducible_whatever_the_chunking():
    spec = CohortSpec(600, followup_years=12.0, care=CareSpec(era="modern"))
    whole = simulate_cohort(spec, seed=11).table
    chunked = simulate_cohort(spec, seed=11, chunk_size=77).table
    pd.testing.assert_frame_equal(whole, chunked)
    assert (whole.loc[whole["er_positive"] & (whole["n_stage"] != "N0"), "endocrine_years"] == 10.0).all()


def test_modern_care_records_its_parameters_and_refuses_a_treatment_on_top():
    result = simulate_cohort(CohortSpec(50, followup_years=3.0, care=CareSpec(era="modern")), seed=1)
    assert "taxane_pcr_gain" in str(result.manifest.to_dict()["parameters"])
    with pytest.raises(InputError) as error:
        simulate_cohort(
            CohortSpec(50, followup_years=3.0, care=CareSpec(era="modern")), seed=1, treatment="zoledronic_acid"
        )
    assert "treatment" in {problem.field for problem in error.value.problems}


def test_rate_ratio_of_exponential_arms_with_half_the_hazard():
    rng = np.random.default_rng(3)
    control = rng.exponential(1 / 0.2, 40_000)
    experimental = rng.exponential(1 / 0.1, 40_000)
    ratio, low, high, d0, d1 = rate_ratio(
        np.where(control < 10, control, np.nan), np.where(experimental < 10, experimental, np.nan), period=(2.0, 6.0)
    )
    assert d0 > d1 > 0 and low < ratio < high
    # within 3.3 standard errors of the truth (a 1-in-1000 miss) and the Poisson interval's width as stated
    se = math.sqrt(1.0 / d0 + 1.0 / d1)
    assert abs(math.log(ratio / 0.5)) < 3.3 * se
    assert math.isclose(math.log(high / low), 2 * 1.96 * se)
    assert math.isnan(rate_ratio(np.array([np.nan]), np.array([1.0]), period=(0.0, 2.0))[0])


def test_rate_ratio_with_censoring_estimates_the_hazard_ratio_and_drops_those_censored_before_the_start():
    rng = np.random.default_rng(5)
    n = 60_000
    control = 4.0 + rng.exponential(1 / 0.2, n)
    experimental = 4.0 + rng.exponential(1 / 0.1, n)
    ends = 4.0 + rng.uniform(0.1, 5.0, n)  # staggered follow-up after a landmark at 4 years, the same in both arms
    ratio, low, high, d0, d1 = rate_ratio(
        control, experimental, period=(4.0, 10.0), control_end=ends, experimental_end=ends
    )
    se = math.sqrt(1.0 / d0 + 1.0 / d1)
    assert abs(math.log(ratio / 0.5)) < 3.3 * se and low < ratio < high
    # events after a patient's end are not counted; a patient whose end is before the start is left out
    assert d0 == int((control < ends).sum())
    times, end = np.array([4.5, 4.5, 4.5]), np.array([5.0, 4.2, 3.0])
    assert rate_ratio(times, times, period=(4.0, 6.0), control_end=end, experimental_end=end)[3] == 1
    # without ends the result is the one without censoring
    assert rate_ratio(control, experimental, period=(4.0, 6.0)) == rate_ratio(
        control, experimental, period=(4.0, 6.0), control_end=np.full(n, np.nan), experimental_end=np.full(n, np.nan)
    )


def test_ma17_replica_follows_the_trial_design():
    from dormancy.patients.care_checks import FOLLOWUP_STREAM, MA17_FOLLOWUP_YEARS, _observation

    check = {c.name: c for c in CARE_CHECKS}["ma17_extended_letrozole"]
    assert check.landmark_event_free and check.followup_range_years == MA17_FOLLOWUP_YEARS
    assert check.period == (5.0, 5.0 + 61.4 / 12.0) and check.followup_years >= check.period[1]
    # postmenopausal at randomisation (after 5 years of tamoxifen), not at diagnosis
    table = pd.DataFrame(
        {
            "patient": np.arange(5),
            "age_at_diagnosis": [48.0, 44.0, 60.0, 60.0, 60.0],
            "menopause_age": [51.0, 51.0, 50.0, 50.0, 50.0],
            "any_recurrence_years": [np.nan, np.nan, 3.0, np.nan, 7.0],
            "death_years": [np.nan, np.nan, np.nan, 4.0, np.nan],
        }
    )
    assert list(check.eligible(table)) == [True, False, True, True, True]
    keep, ends = _observation(check, [table, table], seed=3)
    # free of any recurrence and alive at the landmark
    assert list(keep) == [True, True, False, False, True]
    assert FOLLOWUP_STREAM not in (0x4C4F43, 0x4D4554, 0x444541, 0x434F56, 0x544158, 0x545249)
    follow = ends[0] - 5.0
    assert np.array_equal(ends[0][[0, 1, 2, 4]], ends[1][[0, 1, 2, 4]])
    assert ends[0][3] == 4.0  # observation ends at death
    low, high = MA17_FOLLOWUP_YEARS
    assert np.all((follow[[0, 1, 2, 4]] >= low) & (follow[[0, 1, 2, 4]] <= high))


# ------------------------------------------------------------------------------ in-silico checks (slow)
#: Patients per arm in the suite (the larger run of docs/modern-care.md used 100,000).
CHECK_PATIENTS = 20_000
#: Checks the model misses at this size, with the numbers of this size (seed 20261207) and of a larger run, and the
#: suspected mechanism (docs/modern-care.md).
MISSES: dict[str, str] = {}
# MA.17 (ma17_extended_letrozole) left the strict xfails in calibration run 15, when its replica was brought to the
# trial's design (docs/calibration-run-15): at this size and seed 0.452 (0.37-0.55), 293 / 134 events, inside the
# published 0.60 (0.43-0.84); but at 100,000 per arm 0.430 (seed 20261207) and 0.419 (seed 1), on or just below the
# lower limit: a boundary pass by sampling. The mechanism's miss stands (the sensitive women's late recurrences fall
# 96-98 % on letrozole; docs/modern-care.md, runs 13-15).


@pytest.fixture(scope="module")
def checks() -> pd.DataFrame:
    return run_care_checks(n_patients=CHECK_PATIENTS, seed=20261207).set_index("check")


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            check.name,
            marks=pytest.mark.xfail(strict=True, reason=MISSES[check.name]) if check.name in MISSES else (),
        )
        for check in CARE_CHECKS
    ],
)
def test_in_silico_rate_ratio_lies_in_the_published_ci(checks, name):
    row = checks.loc[name]
    assert row["events_control"] > 100 and row["events_experimental"] > 30
    assert row["published_low"] <= row["model_rr"] <= row["published_high"], row.to_dict()


@pytest.mark.slow
def test_ebctcg_2011_tamoxifen_rate_ratios_by_period_are_met():
    from dormancy.patients.summaries import tamoxifen_rate_ratios
    from dormancy.patients.targets import load_targets

    population = PopulationSpec.only(er_positive=True)
    arms = {
        years: simulate_cohort(
            CohortSpec(
                10_000,
                followup_years=20.0,
                population=population,
                care=CareSpec(chemotherapy="node_positive", endocrine_years=years),
            ),
            seed=20261207,
        ).table
        for years in (0.0, 5.0)
    }
    ratios = tamoxifen_rate_ratios(arms[0.0], arms[5.0])
    targets = [t for t in load_targets() if t.name == "tamoxifen_effect_by_period_er_positive"]
    assert len(targets) == 4
    for target in targets:
        value = ratios[target.statistic.removeprefix("ebctcg.tamoxifen_rr.")]
        assert target.within(value), (target.label, value)
    # a large effect while taken, a smaller one after, none lost later (no rebound)
    assert ratios["0-5"] < ratios["5-10"] < 1.0


def test_cohort_command_takes_the_era(tmp_path):
    import json

    from typer.testing import CliRunner

    from dormancy.cli import app

    runner = CliRunner()
    out = tmp_path / "modern"
    result = runner.invoke(app, ["cohort", "--patients", "60", "--years", "3", "--era", "modern", "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    care = manifest["scenario"]["cohort"]["care"]
    assert (care["era"], care["chemotherapy"], care["trastuzumab"]) == ("modern", "risk_based_her2", True)
    bad = runner.invoke(app, ["cohort", "--patients", "5", "--era", "1990s", "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "era" in bad.output
