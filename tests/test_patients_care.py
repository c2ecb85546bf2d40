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


# ------------------------------------------------------------------------------ in-silico checks (slow)
#: Patients per arm in the suite (the larger run of docs/modern-care.md used 100,000).
CHECK_PATIENTS = 20_000
#: Checks the model misses at this size, with the numbers of this size (seed 20261207) and of a larger run, and the
#: suspected mechanism (docs/modern-care.md).
MISSES = {
    "ma17_extended_letrozole": "20k run (calibration run 10, unchanged by the tamoxifen-specific resistance: MA.17 "
    "starts on tamoxifen): model RR 0.41 (0.36-0.47), published 0.60 (0.43-0.84); before the endocrine resistance "
    "0.11 (0.09-0.14). Continued endocrine therapy in years 5-10 (eradication h_endo, growth and founding inhibition, "
    "the switch under ER blockade, and the AI's growth factor) still nearly abolishes the late recurrences of the "
    "sensitive patients: sensitivity is all-or-none and one eradication hazard acts alike on every focus, so the "
    "disease left after 5 years of tamoxifen is not enriched for less sensitive foci or patients (a continuous "
    "sensitivity would need a refit to the EBCTCG 2011 periods); the fitted acquired-resistance hazard (0.013 per "
    "year) leaves few sensitive patients resistant by year 5. Diagnostic (10k): patients resistant by year 5 (23 %) "
    "carry 148 of 367 control events, untouched; the sensitive patients' 219 fall to 5 on letrozole (-98 %; the "
    "published RR would need about -67 %). A continuous response of the sensitive patients with a sourced spread "
    "(endocrine_response_sd_log = 0.64, AMEERA-4's letrozole Ki-67 change; shipped at 0, docs/calibration-run-13) "
    "selects the disease left at 5 years for weak responders: at 10k the sensitive patients' RR on letrozole rises "
    "from 0.023 to 0.13 and MA.17 to 0.445 (0.37-0.53); 20k 0.432 (0.38-0.49), inside by 0.002 only, while "
    "monarchE moves out (0.778 vs 0.774); the typical "
    "responder's late recurrences are still almost abolished (middle third of the response: 69 -> 2 events). "
    "Per-focus endocrine independence (endocrine_independent_focus_fraction, shipped at 0; docs/calibration-run-14) "
    "at the sourced q = 0.225 (ER+ to ER- conversion of metastases, Schrijver 2018) brings MA.17 inside at 10k "
    "(0.76, 0.66-0.87; 485 / 369 events) but monarchE out (0.87, 0.81-0.95, vs 0.59-0.77): the independent foci, "
    "untouched by the AI and only slowed by abemaciclib, dominate the early events of both arms",
}


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
