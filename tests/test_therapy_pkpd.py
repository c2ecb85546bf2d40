"""Therapy drugs and strategies (issue 7): PK/PD of every new drug, strategy parsing, the library, resistance."""

import math

import numpy as np
import pytest

from dormancy.errors import InputError
from dormancy.params import load_registry
from dormancy.pkpd import (
    DRUG_NAMES,
    STRATEGY_KINDS,
    STRATEGY_NAMES,
    TARGETS,
    Course,
    Strategy,
    load_drug,
    named_strategy,
    parse_schedule,
    parse_strategy,
    simulate_pk,
    strategy_effects,
    target_effects,
)

#: A typical regimen of every therapy drug and the target it must hit.
REGIMENS = {
    "hydroxychloroquine": ("hydroxychloroquine:600mg:q12h:at1d", "autophagy_inhibition"),
    "everolimus": ("everolimus:10mg:qd:at1d", "mtor_inhibition"),
    "palbociclib": ("palbociclib:125mg:qd:at1d", "cdk46_inhibition"),
    "abemaciclib": ("abemaciclib:150mg:q12h:at1d", "cdk46_inhibition"),
    "ribociclib": ("ribociclib:600mg:qd:at1d", "cdk46_inhibition"),
    "entinostat": ("entinostat:5mg:q1w:at1d", "hdac_inhibition"),
    "nr2f1_agonist_c26": ("nr2f1_agonist_c26:50mg:q12h:at1d", "nr2f1_activation"),
    "plerixafor": ("plerixafor:17mg:qd:at1d", "cxcr4_blockade"),
    "canakinumab": ("canakinumab:150mg:q4w:at1d", "il1_blockade"),
    "anakinra": ("anakinra:100mg:qd:at1d", "il1_blockade"),
    "docetaxel": ("docetaxel:135mg:q3w:x6:at1d", "cycling_cell_kill"),
    "tamoxifen": ("tamoxifen:20mg:qd:at1d", "er_signalling_blockade"),
    "letrozole": ("letrozole:2.5mg:qd:at1d", "er_signalling_blockade"),
    "antagomir_msc": ("antagomir_msc:1mg:q1w:x4:at1d", "mir222_223_blockade"),
}


@pytest.mark.parametrize("drug", sorted(REGIMENS))
def test_every_therapy_acts_on_its_target_only_after_the_first_dose(drug):
    text, target = REGIMENS[drug]
    times = np.concatenate([[0.0, 0.5, 0.99], np.arange(1.0, 60.0, 0.25)])
    effects = target_effects([parse_schedule(text)], times)
    assert set(effects) == set(TARGETS)
    assert np.all(effects[target][:3] == 0.0)  # before the first dose (day 1)
    assert effects[target][3:].max() > 0.1
    assert all(np.all(values == 0.0) for name, values in effects.items() if name != target)
    assert np.all((effects[target] >= 0.0) & (effects[target] <= 1.0))


def test_every_drug_has_a_registry_set_of_the_pkpd_model():
    registry = load_registry()
    for drug in DRUG_NAMES:
        loaded = load_drug(drug)
        assert registry.sets[loaded.parameter_set].model == "pkpd"
    assert set(REGIMENS) <= set(DRUG_NAMES)


def test_hydroxychloroquine_accumulates_over_months_with_its_long_half_life():
    times = np.arange(0.0, 400.0, 0.5)
    pk = simulate_pk(parse_schedule("hydroxychloroquine:600mg:q12h:for168d"), times)
    blood = pk.concentrations_mg_per_l["central"]
    # rises for months (t½ 45 days) and washes out slowly after the last dose on day 167.5
    assert blood[times == 150.0][0] > 2.0 * blood[times == 14.0][0]
    assert blood[times == 168.0 + 45.0][0] == pytest.approx(0.5 * blood[times == 168.0][0], rel=0.1)


def test_six_docetaxel_cycles_give_the_patient_models_chemotherapy_log_kill():
    drug = load_drug("docetaxel")
    times = np.arange(0.0, 6 * 21.0, 0.002)
    effect = target_effects([parse_schedule("docetaxel:135mg:q3w:x6")], times)["cycling_cell_kill"]
    log10_kill = drug.constants["cycling_cell_kill_max_rate"] * np.trapezoid(effect, times) / math.log(10.0)
    expected = load_registry().sets["patients_natural_history"].values()["chemotherapy_log_kill"]
    assert log10_kill == pytest.approx(expected, rel=0.02)


@pytest.mark.parametrize("text", ["tamoxifen:20mg:qd", "letrozole:2.5mg:qd"])
def test_endocrine_drugs_reach_the_patient_models_endocrine_effect_at_steady_state(text):
    times = np.arange(60.0, 90.0, 0.25)
    effect = target_effects([parse_schedule(text)], times)["er_signalling_blockade"]
    expected = load_registry().sets["patients_natural_history"].values()["endocrine_target_effect"]
    assert effect.mean() == pytest.approx(expected, abs=0.02)


def test_cdk46_inhibitor_effect_fades_as_resistance_grows_with_cumulative_exposure():
    strategy = Strategy("palbo", "sleeping", (Course(parse_schedule("palbociclib:125mg:qd"), duration_days=1461.0),))
    times = np.arange(0.0, 1461.0, 0.25)
    raw = target_effects(strategy.dose_schedules(), times)["cdk46_inhibition"]
    faded = strategy_effects(strategy, times)["cdk46_inhibition"]
    assert np.all(faded <= raw + 1e-12)
    early, late = slice(40, 400), slice(-400, None)
    assert faded[late].mean() < 0.5 * faded[early].mean()
    assert raw[late].mean() == pytest.approx(raw[early].mean(), rel=0.05)  # the PK itself does not fade
    # analytic: faded = raw * 2^(-X / X_half) with X the time integral of the raw effect, in years
    half = load_drug("palbociclib").constants["resistance_half_exposure"]
    exposure = np.concatenate([[0.0], np.cumsum(0.5 * (raw[1:] + raw[:-1]) * np.diff(times))]) / 365.25
    np.testing.assert_allclose(faded, raw * 2.0 ** (-exposure / half), rtol=1e-12)


def test_a_course_in_cycles_gives_doses_only_on_the_days_on():
    course = Course(parse_schedule("palbociclib:125mg:qd:for21d"), cycle_days=28.0, cycles=3, start_days=10.0)
    days = np.concatenate([s.dose_times_days(1e4) for s in course.dose_schedules()])
    expected = np.concatenate([10.0 + 28.0 * k + np.arange(21.0) for k in range(3)])
    np.testing.assert_array_equal(np.sort(days), expected)
    assert course.last_dose_day == expected[-1]


def test_a_course_is_cut_at_its_duration():
    course = Course(parse_schedule("everolimus:10mg:qd"), duration_days=168.0)
    (schedule,) = course.dose_schedules()
    assert schedule.count == 168 and schedule.dose_times_days(1e4)[-1] == 167.0


@pytest.mark.parametrize("name", STRATEGY_NAMES)
def test_every_library_strategy_round_trips_through_a_mapping(name):
    strategy = named_strategy(name)
    assert strategy.kind in STRATEGY_KINDS and strategy.description
    assert Strategy.from_dict(strategy.to_dict()) == strategy
    assert parse_strategy(name) == strategy
    assert math.isfinite(strategy.last_dose_day)


def test_clever_arms_and_the_awakening_strategy_hold_the_drugs_they_name():
    assert named_strategy("hcq+everolimus").drugs == ("hydroxychloroquine", "everolimus")
    assert set(named_strategy("awakening+chemotherapy").drugs) == {"antagomir_msc", "docetaxel"}
    azure = named_strategy("zoledronic_acid_azure")
    doses = np.concatenate([s.dose_times_days(1e5) for s in azure.dose_schedules()])
    assert doses.size == 19  # AZURE: 19 doses over 5 years
    assert doses.max() < 5 * 365.25


def test_strategy_from_a_mapping_with_text_times():
    strategy = parse_strategy(
        {
            "name": "observe then treat",
            "kind": "killing",
            "courses": [{"schedule": "everolimus:10mg:qd", "start": "3mo", "duration": "24w"}],
        }
    )
    (course,) = strategy.courses
    assert course.start_days == pytest.approx(3 * 365.25 / 12) and course.duration_days == 168.0


def test_bad_strategy_fields_give_one_input_error_naming_each_field():
    with pytest.raises(InputError) as caught:
        Strategy.from_dict(
            {
                "name": "",
                "kind": "hibernating",
                "dose": 3,
                "courses": [
                    {"schedule": "aspirin:100mg:qd", "duration": "1y"},
                    {"schedule": "everolimus:10mg:qd", "start": -1, "duration": "soon"},
                    {"schedule": "palbociclib:125mg:qd:for21d", "cycles": 6},
                    {"schedule": "everolimus:10mg:qd"},
                ],
            }
        )
    fields = [problem.field for problem in caught.value.problems]
    assert "strategy.name" in fields and "strategy.kind" in fields and "strategy.dose" in fields
    assert any(f.startswith("strategy.courses[0].schedule") and f.endswith("drug") for f in fields)
    assert "strategy.courses[1].start" in fields and "strategy.courses[1].duration" in fields
    assert "strategy.courses[2].cycle" in fields
    assert "strategy.courses[3].duration" in fields  # a course that never ends
    assert "hibernating" in str(caught.value)


def test_unknown_strategy_names_and_non_mappings_are_input_errors():
    with pytest.raises(InputError, match="one of hcq"):
        named_strategy("cure-all")
    with pytest.raises(InputError):
        parse_strategy(["hcq"])
    with pytest.raises(InputError):
        Strategy("x", "killing", ())
