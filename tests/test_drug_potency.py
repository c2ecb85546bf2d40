"""Drug potency from preclinical experiments (issue 17): HCQ and everolimus PK/PD and the mouse dormant-cell protocols.

The chain is PK (human or mouse) -> target inhibition (Emax/Hill) -> the switch's dormant death rate -> survival over
the course. Tests check the PK's invariants and compartments, the human pharmacodynamics the records must honour
(Rangwala 2014; everolimus troughs and S6K1 at 10 mg/day), the preclinical experiments within the tolerance stated
in ``dormancy.lab.dormant_drugs.EXPERIMENTS``, and their directions. Where the model cannot match a source, a strict
xfail says by how much and why.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from dormancy.lab import run_protocol
from dormancy.lab.dormant_drugs import (
    EXPERIMENTS,
    SIGNIFICANT_DECREASE,
    arm_exposure,
    extra_death_rate,
    largest_significant_ratio,
    model_relative_to_vehicle,
    mouse_drugs,
    summary,
)
from dormancy.params import load_registry
from dormancy.pkpd import load_drug, parse_schedule, simulate_pk, target_effects

ROOT = Path(__file__).resolve().parents[1]
LN2 = math.log(2.0)


def _values(name):
    return load_registry().sets[name].values()


def _css(dose_mg, interval_days, *, f, volume, half_life):
    return f * dose_mg / (volume * LN2 / half_life * interval_days)


def _human_hcq_css(dose_mg_per_day):
    v = _values("pkpd_hydroxychloroquine")
    return _css(dose_mg_per_day, 1.0, f=v["bioavailability"], volume=v["volume"], half_life=v["elimination_half_life"])


# ------------------------------------------------------------------------------------------------ PK invariants


def test_hcq_blood_and_plasma_volumes_agree_through_the_blood_to_plasma_ratio():
    v = _values("pkpd_hydroxychloroquine")
    # Tett 1988: the blood volume (5,522 L) times blood:plasma (7.2) is the plasma volume (44,257 L) within its spread
    assert 5522.0 * v["blood_to_plasma_ratio"] == pytest.approx(v["volume"], rel=0.2)
    assert v["volume"] == pytest.approx(44257.0)  # the model's concentration is the plasma one


def test_mouse_pk_is_the_human_pk_scaled_by_body_weight():
    mouse, hcq, eve = _values("lab_mouse_drugs"), _values("pkpd_hydroxychloroquine"), _values("pkpd_everolimus")
    # allometry: clearance per kg as W^(-1/4), volume per kg constant; HCQ per Tett 1988's 63.5-kg volunteers
    factor, hcq_factor = (0.025 / 70.0) ** 0.25, (0.025 / 63.5) ** 0.25
    assert mouse["hydroxychloroquine_volume_per_kg"] == pytest.approx(hcq["volume"] / 63.5)
    assert mouse["hydroxychloroquine_half_life"] == pytest.approx(hcq["elimination_half_life"] * hcq_factor)
    assert mouse["mtor_inhibitor_volume_per_kg"] == pytest.approx(eve["volume"] / 70.0)
    assert mouse["mtor_inhibitor_half_life"] == pytest.approx(eve["elimination_half_life"] * factor)


def test_mouse_daily_dosing_reaches_the_steady_average_f_dose_over_clearance():
    drugs = mouse_drugs()
    mouse = _values("lab_mouse_drugs")
    weight = mouse["mouse_body_weight"]
    for name, prefix, days in (("hydroxychloroquine", "hydroxychloroquine", 60), ("everolimus", "mtor_inhibitor", 10)):
        dose = mouse[f"{prefix}_dose"] * weight
        times = days - 1.0 + (np.arange(400) + 0.5) / 400  # the last dosing interval, well past 4 half-lives
        pk = simulate_pk(parse_schedule(f"{name}:{dose}mg:qd"), times, drug=drugs[name])
        expected = _css(
            dose,
            1.0,
            f=drugs[name].routes[drugs[name].default_route].bioavailability,
            volume=mouse[f"{prefix}_volume_per_kg"] * weight,
            half_life=mouse[f"{prefix}_half_life"],
        )
        assert pk.driver("central", "concentration").mean() == pytest.approx(expected, rel=0.03)


def test_mouse_drugs_keep_the_human_potencies():
    for name in ("hydroxychloroquine", "everolimus"):
        assert mouse_drugs()[name].targets == load_drug(name).targets


# ----------------------------------------------------------------------------- human PK/PD consistency checks


def test_hcq_autophagy_inhibition_is_half_maximal_only_at_the_highest_dose_rangwala():
    """Rangwala 2014: autophagy inhibition in patients' PBMCs seen only at 1,200 mg/day (not at lower doses)."""
    (effect,) = load_drug("hydroxychloroquine").targets
    assert effect.effect(_human_hcq_css(1200.0)) >= 0.5 * effect.emax
    assert effect.effect(_human_hcq_css(800.0)) < 0.5 * effect.emax


def test_everolimus_10mg_troughs_and_s6k_inhibition_well_above_ec50():
    """Troughs at 10 mg/day roughly <9 to >22.8 ng/mL (PMC6864417); S6K1 inhibited at therapeutic levels."""
    times = 27.0 + np.linspace(0.0, 1.0, 241)
    pk = simulate_pk(parse_schedule("everolimus:10mg:qd"), times)
    trough = pk.driver("central", "concentration")[-1]
    assert 0.009 <= trough <= 0.0228
    (effect,) = load_drug("everolimus").targets
    assert trough >= 4.0 * effect.ec50  # well above EC50
    assert effect.effect(trough) >= 0.8 * effect.emax


@pytest.mark.xfail(
    strict=True,
    reason="PBMC S6K1 inhibition reaches only ~56 % at therapeutic everolimus levels (Tanaka 2008 summary, models "
    "notes), but the mouse RTC experiments need a near-complete mTOR block on the survival output (fitted Emax 1.0): "
    "the model gives 0.87 at 10 mg/day. The switch's single MTOR node merges S6K1 (incompletely inhibited by "
    "rapalogs in PBMCs) with the dormant cell's survival signal; separate outputs would be needed.",
)
def test_everolimus_10mg_inhibits_mtor_about_56_percent_as_in_pbmc():
    times = 27.0 + np.linspace(0.0, 1.0, 241)
    effect = target_effects([parse_schedule("everolimus:10mg:qd")], times)["mtor_inhibition"].mean()
    assert effect == pytest.approx(0.56, abs=0.1)


# --------------------------------------------------------------------------------- the preclinical experiments


def _targets():
    return [(key, target) for key, experiment in EXPERIMENTS.items() for target in experiment.targets]


@pytest.fixture(scope="module")
def rtc():
    return run_protocol("mouse-dormant-drugs", seed=17, options={"experiment": "chodosh-rtc", "mice_per_arm": 40})


def test_every_experiment_states_where_its_tolerance_comes_from():
    for experiment in EXPERIMENTS.values():
        assert "doi" in experiment.spread and "SD/SEM" in experiment.spread, experiment.key
        for target in experiment.targets:
            assert 0.0 <= target.low < target.high <= 1.0, experiment.key


def test_each_tolerance_is_derived_from_its_recorded_reading():
    # no spread could be read (each spread says so and where it was looked for), so every target carries the
    # reading of the reported significance its bounds are computed from, and the bounds are exactly that maths
    for experiment in EXPERIMENTS.values():
        assert "Not reported" in experiment.spread and "Searched" in experiment.spread, experiment.key
        for target in experiment.targets:
            reading = target.reading
            assert reading is not None, (experiment.key, target.arm)
            best = max(
                largest_significant_ratio(n, cv, alpha=reading.alpha)
                for n in range(reading.mice_per_arm[0], reading.mice_per_arm[1] + 1)
                for cv in np.linspace(reading.cv[0], reading.cv[1], 6)
            )
            assert target.high == pytest.approx(best, rel=1e-12), (experiment.key, target.arm)
            assert target.low in (0.0, reading.floor), (experiment.key, target.arm)
    # the reading used: 5-10 mice per arm, CV 0.5-1, two-sided 5 %: the most lenient design allows 0.61
    assert SIGNIFICANT_DECREASE.high() == pytest.approx(0.611, abs=0.001)


def test_the_largest_significant_ratio_is_where_the_t_statistic_meets_its_critical_value():
    from scipy.stats import t as student_t

    def t_statistic(r, n, cv):
        return (1.0 - r) / (cv * math.sqrt((1.0 + r * r) / n))

    for n, cv in ((5, 0.5), (8, 0.75), (10, 0.5), (10, 1.0), (20, 1.2)):
        r = largest_significant_ratio(n, cv)
        critical = student_t.ppf(0.975, 2 * n - 2)
        assert 0.0 <= r < 1.0
        assert t_statistic(r, n, cv) == pytest.approx(critical, rel=1e-9)
        assert t_statistic(r + 0.01, n, cv) < critical < t_statistic(r - 0.01, n, cv)
    # more mice allow a milder decrease to be significant; a larger spread needs a stronger one
    assert largest_significant_ratio(10, 0.5) > largest_significant_ratio(5, 0.5)
    assert largest_significant_ratio(10, 0.5) > largest_significant_ratio(10, 1.0)
    # 5 mice per arm at CV 1: even elimination is not significant by this test
    assert math.isnan(largest_significant_ratio(5, 1.0))


def test_the_largest_significant_ratio_matches_simulated_t_tests():
    # counts with SD = cv x mean in both arms: at r* the test rejects about half the time (the observed ratio sits at
    # the boundary), clearly more often below r* and less above
    from scipy.stats import ttest_ind

    rng = np.random.default_rng(20261207)
    n, cv = 10, 0.5
    r = largest_significant_ratio(n, cv)

    def rejection_rate(ratio):
        vehicle = rng.normal(1.0, cv, size=(4000, n))
        treated = rng.normal(ratio, cv * ratio, size=(4000, n))
        return float(np.mean(ttest_ind(treated, vehicle, axis=1).pvalue < 0.05))

    assert rejection_rate(r - 0.15) > 0.6 > rejection_rate(r) > 0.3 > rejection_rate(r + 0.15)


def test_chodosh_rtc_chronic_mtor_inhibition_is_within_the_stated_tolerance():
    (target,) = [t for key, t in _targets() if key == "chodosh-rtc" and t.arm == "mtor"]
    assert target.low <= model_relative_to_vehicle(target.arm, target.days) <= target.high


def test_chodosh_rtc_chronic_combination_is_within_the_stated_tolerance():
    (target,) = [t for key, t in _targets() if key == "chodosh-rtc" and t.arm == "hcq+mtor"]
    assert target.low <= model_relative_to_vehicle(target.arm, target.days) <= target.high


def test_vera_ramirez_hcq_during_dormancy_is_within_the_stated_tolerance():
    (target,) = [t for key, t in _targets() if key == "vera-ramirez-2018"]
    assert target.low <= model_relative_to_vehicle(target.arm, target.days) <= target.high


def test_without_the_flux_block_death_hcq_alone_cannot_kill_half_the_dormant_cells_in_four_weeks():
    # the mechanism that failed Vera-Ramirez 2018 before the flux-block death: losing autophagy's survival support
    # adds at most autophagy_survival_apoptosis_rate (0.02/day), so even a full block leaves more than half
    rate = extra_death_rate(np.array([1.0]), np.array([0.0]), block_rate=0.0)[0]
    assert 0.015 < rate < 0.025
    assert math.exp(-rate * 28.0) > 0.5
    (target,) = [t for key, t in _targets() if key == "vera-ramirez-2018"]
    potency = {"autophagy_block_apoptosis_rate": 0.0}
    assert model_relative_to_vehicle(target.arm, target.days, potency=potency) > target.high


def test_the_flux_block_death_acts_only_under_hcq():
    # 0 without HCQ whatever the mTOR inhibition (the untreated and mTOR-only arms do not depend on it) ...
    mtor = np.linspace(0.0, 1.0, 11)
    for block in (0.0, 0.75):
        assert extra_death_rate(np.zeros(11), mtor, block_rate=block) == pytest.approx(
            extra_death_rate(np.zeros(11), mtor, block_rate=0.0), abs=1e-12
        )
    # ... and grows with the block and with the autophagy mTOR inhibition induces (the combination's rationale)
    aut = np.linspace(0.0, 1.0, 11)
    extra = extra_death_rate(aut, np.zeros(11), block_rate=1.0) - extra_death_rate(aut, np.zeros(11), block_rate=0.0)
    assert (np.diff(extra) > 0).all()
    with_mtor = extra_death_rate(aut[1:], np.ones(10), block_rate=1.0) - extra_death_rate(
        aut[1:], np.ones(10), block_rate=0.0
    )
    assert (with_mtor > extra[1:]).all()


def test_chronic_mtor_inhibition_alone_does_not_depend_on_the_flux_block_death():
    (target,) = [t for key, t in _targets() if key == "chodosh-rtc" and t.arm == "mtor"]
    values = [
        model_relative_to_vehicle(target.arm, target.days, potency={"autophagy_block_apoptosis_rate": rate})
        for rate in (0.01, 1.0)
    ]
    assert values[0] == pytest.approx(values[1], rel=1e-9)


def test_more_drug_kills_more_dormant_cells():
    hcq = [model_relative_to_vehicle("hcq", 28.0, doses_mg_per_kg={"hydroxychloroquine": d}) for d in (20, 60, 120)]
    mtor = [model_relative_to_vehicle("mtor", 90.0, doses_mg_per_kg={"everolimus": d}) for d in (0.05, 0.5, 4.0)]
    assert hcq[0] > hcq[1] > hcq[2]
    assert mtor[0] > mtor[1] > mtor[2]


def test_longer_treatment_leaves_fewer_rtcs_and_the_combination_at_least_each_alone(rtc):
    table = summary(rtc.table).set_index(["condition", "time_days"])["expected_relative_to_vehicle"]
    for arm in ("hcq", "mtor", "hcq+mtor"):
        assert table[(arm, 90.0)] < table[(arm, 30.0)] < 1.0
    for days in (30.0, 90.0):
        assert table[("hcq+mtor", days)] <= min(table[("hcq", days)], table[("mtor", days)])


def test_the_mice_reproduce_the_expected_ratio_within_sampling_error(rtc):
    table = summary(rtc.table).set_index(["condition", "time_days"])
    for (arm, days), row in table.iterrows():
        if arm == "vehicle":
            continue
        vehicle = table.loc[("vehicle", days)]
        if row["mean"] == 0.0:
            # every cell killed in every mouse: the expected total left over all mice must be small (Poisson P >= e^-5)
            assert row["expected_relative_to_vehicle"] * vehicle["mean"] * row["mice"] < 5.0
            continue
        # ratio of two means of 40 mice each: standard error from the per-mouse SDs (delta method)
        se = row["relative_to_vehicle"] * math.hypot(
            row["sd"] / row["mean"] / math.sqrt(row["mice"]), vehicle["sd"] / vehicle["mean"] / math.sqrt(40)
        )
        assert abs(row["relative_to_vehicle"] - row["expected_relative_to_vehicle"]) < 4.0 * se + 1e-9


def test_the_protocol_is_reproducible_and_uses_the_same_mice_in_every_arm():
    options = {"experiment": "vera-ramirez-2018", "mice_per_arm": 3, "cells_per_mouse": 30.0}
    first = run_protocol("mouse-dormant-drugs", seed=5, options=options)
    second = run_protocol("mouse-dormant-drugs", seed=5, options=options)
    assert first.table.equals(second.table)
    exposure = arm_exposure("hcq", 28.0)
    assert (np.diff(exposure["hcq_mg_per_l"]) > 0).all()  # accumulates over the 5.6-day half-life


def test_the_fitted_records_are_what_the_committed_fit_produced():
    record = json.loads((ROOT / "docs" / "drug-potency" / "fit.json").read_text())
    hcq, eve = _values("pkpd_hydroxychloroquine"), _values("pkpd_everolimus")
    fitted = record["fitted"]
    assert hcq["autophagy_inhibition_emax"] == pytest.approx(fitted["autophagy_inhibition_emax"], abs=0.005)
    assert hcq["autophagy_inhibition_ec50"] == pytest.approx(fitted["autophagy_inhibition_ec50"], abs=0.005)
    assert eve["mtor_inhibition_emax"] == pytest.approx(fitted["mtor_inhibition_emax"], abs=0.005)
    for er in ("negative", "positive"):
        switch = load_registry().sets[f"switch_er_{er}"]
        block = switch["autophagy_block_apoptosis_rate"]
        assert block.value == pytest.approx(fitted["autophagy_block_apoptosis_rate"], rel=0.02)
        assert block.evidence == "derived"
    for name in ("autophagy_inhibition_emax", "autophagy_inhibition_ec50"):
        assert load_registry().sets["pkpd_hydroxychloroquine"][name].evidence == "derived"
    assert load_registry().sets["pkpd_everolimus"]["mtor_inhibition_emax"].evidence == "derived"
