"""Pharmacology: schedule grammar, compartmental PK against closed forms and labels, target effects."""

import math

import numpy as np
import pint
import pytest
from scipy.integrate import solve_ivp, trapezoid
from scipy.linalg import expm

from dormancy.errors import InputError
from dormancy.params import load_registry
from dormancy.pkpd import (
    DAYS_PER_UNIT,
    DRUG_NAMES,
    TARGETS,
    DoseSchedule,
    bliss_combination,
    load_drug,
    mammillary_rates,
    parse_schedule,
    simulate_pk,
    target_effects,
)

LN2 = math.log(2.0)
MONTH = 365.25 / 12.0
YEAR = 365.25
REGISTRY = load_registry()


def values(drug):
    return REGISTRY.sets[f"pkpd_{drug}"].values()


# ---------------------------------------------------------------------------------------------------------------
# Schedule grammar


@pytest.mark.parametrize(
    ("token", "dose_mg"),
    [("4mg", 4.0), ("120mg", 120.0), ("500ug", 0.5), ("500µg", 0.5), ("250mcg", 0.25), ("1g", 1000.0), ("2.5MG", 2.5)],
)
def test_doses_are_read_in_mg(token, dose_mg):
    assert parse_schedule(f"zoledronic_acid:{token}:once").dose_mg == pytest.approx(dose_mg, rel=1e-15)


@pytest.mark.parametrize(
    ("token", "days"),
    [
        ("q3w", 21.0),
        ("q4w", 28.0),
        ("q6mo", 182.625),
        ("q1d", 1.0),
        ("qd", 1.0),
        ("q12h", 0.5),
        ("q1y", 365.25),
        ("q2.5d", 2.5),
        ("once", None),
    ],
)
def test_intervals_are_read_in_days(token, days):
    schedule = parse_schedule(f"denosumab:60mg:{token}")
    assert schedule.interval_days == (None if days is None else pytest.approx(days, rel=1e-15))
    assert schedule.repeats is (days is not None)


def test_optional_elements_count_duration_start_and_route():
    schedule = parse_schedule("denosumab:60mg:q6mo:x6:at1y")
    assert (schedule.count, schedule.duration_days, schedule.start_day) == (6, None, 365.25)
    assert schedule.route == "sc"  # the drug's default
    assert parse_schedule("zoledronic_acid:4mg:q3w:for3y").duration_days == 3 * 365.25
    assert parse_schedule("zoledronic_acid:4mg:q3w:for6mo").duration_days == 6 * MONTH
    assert parse_schedule("zoledronic_acid:4mg:q3w:for12w").duration_days == 84.0
    assert parse_schedule("zoledronic_acid:4mg:q3w:at30d:for30d").start_day == 30.0
    assert parse_schedule("denosumab:60mg:once:iv").route == "iv"
    assert parse_schedule(" Denosumab : 60MG : Q6MO : AT1Y ").start_day == 365.25
    assert DAYS_PER_UNIT["mo"] == 30.4375


@pytest.mark.parametrize(
    "text",
    [
        "zoledronic_acid:4mg:q6mo",
        "denosumab:60mg:q6mo:x6:at1y",
        "opg_fc:210mg:once",
        "denosumab:0.5mg:q12h:for30d:iv",
        "denosumab:100ug:q0.1d:x3:at1e-05d",
    ],
)
def test_text_form_round_trips(text):
    schedule = parse_schedule(text)
    assert parse_schedule(schedule.to_text()) == schedule


def fields_of(text, **options):
    with pytest.raises(InputError) as caught:
        parse_schedule(text, **options)
    return [problem.field for problem in caught.value.problems], caught.value


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("aspirin:4mg:once", "--drug aspirin: drug"),
        ("zoledronic_acid:-4mg:once", "--drug zoledronic_acid: dose"),
        ("zoledronic_acid:0mg:once", "--drug zoledronic_acid: dose"),
        ("zoledronic_acid:4:once", "--drug zoledronic_acid: dose"),
        ("zoledronic_acid:4mg/kg:once", "--drug zoledronic_acid: dose"),
        ("zoledronic_acid:4mg:weekly", "--drug zoledronic_acid: interval"),
        ("zoledronic_acid:4mg:q3x", "--drug zoledronic_acid: interval"),
        ("zoledronic_acid:4mg:q0w", "--drug zoledronic_acid: interval"),
        ("zoledronic_acid:4mg:q6m", "--drug zoledronic_acid: interval"),
        ("zoledronic_acid:4mg:q3w:x0", "--drug zoledronic_acid: count"),
        ("zoledronic_acid:4mg:q3w:for3", "--drug zoledronic_acid: duration"),
        ("zoledronic_acid:4mg:q3w:for0d", "--drug zoledronic_acid: duration"),
        ("zoledronic_acid:4mg:q3w:atnoon", "--drug zoledronic_acid: start"),
        ("zoledronic_acid:4mg:q3w:weekly", "--drug zoledronic_acid: options"),
        ("zoledronic_acid:4mg:q3w:x2:x3", "--drug zoledronic_acid: options"),
        ("zoledronic_acid:4mg:once:x3", "--drug zoledronic_acid: count"),
        ("zoledronic_acid:4mg:once:for1y", "--drug zoledronic_acid: duration"),
        ("zoledronic_acid:4mg:q3w:x3:for1y", "--drug zoledronic_acid: duration"),
        ("zoledronic_acid:4mg:once:sc", "--drug zoledronic_acid: route"),
        ("denosumab:60mg:once:oral", "--drug denosumab: route"),
    ],
)
def test_each_bad_element_is_named(text, field):
    fields, error = fields_of(text)
    assert fields == [field]
    assert "expected" in str(error) and "found" in str(error)


def test_every_fault_is_reported_and_the_message_says_what_is_allowed():
    fields, error = fields_of("denosumab:-1mg:q3x:x0:bogus", where="treatment[0]")
    assert fields == [f"treatment[0] denosumab: {name}" for name in ("dose", "interval", "count", "options")]
    text = str(error)
    assert "e.g. 4mg" in text and "q6mo" in text and "x6" in text
    _, unknown = fields_of("aspirin:4mg:once")
    assert all(name in str(unknown) for name in DRUG_NAMES)


@pytest.mark.parametrize("text", ["", "zoledronic_acid", "zoledronic_acid:4mg", "zoledronic_acid::once"])
def test_incomplete_strings_show_the_grammar(text):
    _, error = fields_of(text)
    assert "DRUG:DOSE:INTERVAL" in str(error)


def test_direct_construction_is_validated_and_keyword_only():
    with pytest.raises(InputError) as caught:
        DoseSchedule("denosumab", 0.0, count=0, start_day=-1.0)
    assert [p.field for p in caught.value.problems] == [
        "DoseSchedule denosumab: dose_mg",
        "DoseSchedule denosumab: count",
        "DoseSchedule denosumab: start_day",
    ]
    with pytest.raises(InputError, match="drug"):
        DoseSchedule("aspirin", 1.0)
    with pytest.raises(TypeError):
        DoseSchedule("denosumab", 60.0, "sc")
    assert DoseSchedule("zoledronic_acid", 4.0).route == "iv"


def test_dose_times_respect_count_duration_start_and_horizon():
    assert np.allclose(parse_schedule("denosumab:60mg:q6mo:for3y").dose_times_days(100 * YEAR), np.arange(6) * 182.625)
    six = parse_schedule("denosumab:60mg:q6mo:x6:at1y").dose_times_days(100 * YEAR)
    assert np.allclose(six, 365.25 + np.arange(6) * 182.625)
    assert parse_schedule("zoledronic_acid:4mg:q4w").dose_times_days(280.0).tolist() == [28.0 * k for k in range(11)]
    assert parse_schedule("zoledronic_acid:4mg:q4w:at1y").dose_times_days(100.0).size == 0
    assert parse_schedule("zoledronic_acid:4mg:once:at10d").dose_times_days(10.0).tolist() == [10.0]
    daily = parse_schedule("denosumab:1mg:qd:for10y").dose_times_days(20 * YEAR)
    assert daily.size == 3653 and daily[-1] == 3652.0  # a dose exactly at 10 years is not given
    assert parse_schedule("denosumab:1mg:q12h:x3").dose_times_days(10.0).tolist() == [0.0, 0.5, 1.0]


# ---------------------------------------------------------------------------------------------------------------
# Compartmental kinetics


def test_mammillary_rates_recover_the_micro_constants():
    k10, k12, k21, k13, k31 = 1.3, 2.0, 0.9, 0.4, 0.05
    matrix = np.array([[-(k10 + k12 + k13), k21, k31], [k12, -k21, 0.0], [k13, 0.0, -k31]])
    eigenvalues, vectors = np.linalg.eig(matrix)
    weights = vectors[0] * np.linalg.solve(vectors, np.array([1.0, 0.0, 0.0]))
    order = np.argsort(eigenvalues)[::-1]
    rates = mammillary_rates(LN2 / -eigenvalues.real[order], weights.real[order])
    assert rates["elimination"] == pytest.approx(k10, rel=1e-10)
    assert rates["returns"] == pytest.approx((k21, k31), rel=1e-10)
    assert rates["outflows"] == pytest.approx((k12, k13), rel=1e-10)
    with pytest.raises(ValueError, match="weights"):
        mammillary_rates((1.0, 2.0), (0.5, 0.6))


def zoledronic_phases():
    v = values("zoledronic_acid")
    half_lives = np.array([v["plasma_half_life_alpha"], v["plasma_half_life_beta"], v["plasma_half_life_gamma"]])
    weights = np.array([1.0 - v["plasma_weight_beta"] - v["plasma_weight_gamma"], v["plasma_weight_beta"]])
    return LN2 / half_lives, np.append(weights, v["plasma_weight_gamma"])


def test_zoledronic_acid_bolus_is_the_label_triexponential():
    rates, weights = zoledronic_phases()
    times = np.concatenate([np.linspace(0.0, 1.0, 97), np.linspace(1.5, 60.0, 118)])
    plasma = simulate_pk(parse_schedule("zoledronic_acid:4mg:once"), times).amounts_mg["plasma"]
    exact = 4.0 * (weights[None, :] * np.exp(-rates[None, :] * times[:, None])).sum(axis=1)
    assert plasma == pytest.approx(exact, rel=1e-9, abs=1e-13)


def test_zoledronic_acid_terminal_half_life_and_early_decline_match_the_label():
    times = np.linspace(0.0, 28.0, 28 * 24 + 1)
    plasma = simulate_pk(parse_schedule("zoledronic_acid:4mg:once"), times).concentrations_mg_per_l["plasma"]
    late = (times >= 4.0) & (times <= 20.0)
    slope = np.polyfit(times[late], np.log(plasma[late]), 1)[0]
    assert -LN2 / slope * 24.0 == pytest.approx(146.0, rel=0.02)
    assert plasma[times == 1.0][0] < 0.01 * plasma.max()  # <1% of Cmax by 24 h
    assert 0.1 < plasma.max() < 1.0  # mg/L after 4 mg: hundreds of ng/mL


def test_zoledronic_acid_urine_and_bone_fractions():
    times = np.array([1.0, 60.0, 20 * YEAR])
    amounts = simulate_pk(parse_schedule("zoledronic_acid:4mg:once"), times).amounts_mg
    assert amounts["urine"][0] / 4.0 == pytest.approx(0.39, abs=0.01)  # Chen 2002: 37-41% by 24 h
    ever_bound = (amounts["bone_bound"] + amounts["released_from_bone"]) / 4.0
    assert ever_bound[1] == pytest.approx(0.5, abs=0.01)  # about half of a dose ends in bone
    assert ever_bound[2] == pytest.approx(values("zoledronic_acid")["fraction_to_bone"], rel=1e-9)
    half_life = values("zoledronic_acid")["bone_half_life"]
    bound = simulate_pk(parse_schedule("zoledronic_acid:4mg:once"), [200.0, 200.0 + half_life]).amounts_mg["bone_bound"]
    assert bound[1] / bound[0] == pytest.approx(0.5, rel=1e-6)


@pytest.mark.parametrize(
    "text", ["zoledronic_acid:4mg:q3w:x5", "denosumab:60mg:q4w:x4", "denosumab:60mg:once:iv", "opg_fc:100mg:qd:x3"]
)
def test_mass_is_conserved(text):
    schedule = parse_schedule(text)
    pk = simulate_pk(schedule, np.linspace(0.0, 400.0, 801))
    total = sum(pk.amounts_mg.values())
    given = np.array([schedule.dose_mg * (t <= 400.0) for t in schedule.dose_times_days(400.0)]).sum()
    bioavailability = load_drug(schedule.drug).routes[schedule.route].bioavailability
    assert pk.absorbed_mg == pytest.approx(given * bioavailability, rel=1e-12)
    assert total[-1] == pytest.approx(pk.absorbed_mg, rel=1e-9)
    for name in load_drug(schedule.drug).sinks:
        assert np.all(np.diff(pk.amounts_mg[name]) >= -1e-12)


def test_opg_fc_is_the_bateman_function():
    v = values("opg_fc")
    ka, ke, volume, f = v["absorption_rate"], LN2 / v["elimination_half_life"], v["volume"], v["bioavailability"]
    times = np.linspace(0.0, 90.0, 181)
    concentration = simulate_pk(parse_schedule("opg_fc:210mg:once"), times).concentrations_mg_per_l["central"]
    exact = f * 210.0 * ka / (volume * (ka - ke)) * (np.exp(-ke * times) - np.exp(-ka * times))
    assert concentration == pytest.approx(exact, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("drug", "compartment"), [("zoledronic_acid", "plasma"), ("opg_fc", "central")])
def test_linear_drugs_are_dose_proportional_and_superpose(drug, compartment):
    times = np.linspace(0.0, 200.0, 4001)

    def concentration(text):
        return simulate_pk(parse_schedule(text), times).concentrations_mg_per_l[compartment]

    low, high = concentration(f"{drug}:2mg:once"), concentration(f"{drug}:16mg:once")
    assert trapezoid(high, times) / trapezoid(low, times) == pytest.approx(8.0, rel=1e-9)
    both = concentration(f"{drug}:2mg:q30d:x2")
    shifted = np.interp(times - 30.0, times, low, left=0.0)
    assert both[times >= 30.0] == pytest.approx(low[times >= 30.0] + shifted[times >= 30.0], rel=1e-9, abs=1e-13)


def test_denosumab_exposure_is_more_than_dose_proportional_at_low_doses():
    times = np.linspace(0.0, 2000.0, 20001)
    v = values("denosumab")
    per_dose = {}
    for dose in (6.0, 60.0, 600.0, 1200.0):
        concentration = simulate_pk(DoseSchedule("denosumab", dose), times).concentrations_mg_per_l["central"]
        per_dose[dose] = trapezoid(concentration, times) / dose
    assert per_dose[6.0] < 0.6 * per_dose[60.0] < 0.6 * per_dose[600.0]
    linear_limit = v["bioavailability"] / v["linear_clearance"]  # AUC/dose without target-mediated elimination
    assert per_dose[600.0] < per_dose[1200.0] < linear_limit
    assert per_dose[1200.0] > 0.95 * linear_limit


def test_denosumab_profile_after_60_mg_is_of_the_label_order():
    times = np.linspace(0.0, 200.0, 200 * 24 + 1)
    concentration = simulate_pk(parse_schedule("denosumab:60mg:once"), times).concentrations_mg_per_l["central"]
    assert 7.0 <= times[np.argmax(concentration)] <= 21.0  # label: median Tmax 10 days
    assert 4.0 < concentration.max() < 12.0  # mg/L = µg/mL
    window = (times >= 40.0) & (times <= 100.0)
    slope = np.polyfit(times[window], np.log(concentration[window]), 1)[0]
    assert 20.0 < -LN2 / slope < 35.0  # label: mean half-life 25.4 days
    assert concentration[times == 182.0][0] < 0.05 * concentration.max()  # declines over 4-5 months


def test_denosumab_matches_an_independent_integration_and_does_not_superpose():
    v = values("denosumab")
    vc, vp, q, cl = (
        v["central_volume"],
        v["peripheral_volume"],
        v["intercompartmental_clearance"],
        v["linear_clearance"],
    )

    def rhs(t, a):
        depot, central, peripheral = a
        c = central / vc
        elimination = v["target_mediated_vmax"] * c / (v["target_mediated_km"] + c)
        absorption = v["absorption_rate"] * depot
        exchange = q * c - q * peripheral / vp
        return [-absorption, absorption - exchange - cl * c - elimination, exchange]

    times = np.array([0.0, 1.0, 10.0, 50.0, 100.0, 150.0, 180.0])
    reference = solve_ivp(rhs, (0, 180), [60.0 * v["bioavailability"], 0, 0], t_eval=times, rtol=1e-12, atol=1e-15)
    single = simulate_pk(parse_schedule("denosumab:60mg:once"), times).amounts_mg
    assert single["central"] == pytest.approx(reference.y[1], rel=1e-6, abs=1e-12)
    assert single["peripheral"] == pytest.approx(reference.y[2], rel=1e-6, abs=1e-12)
    two = simulate_pk(parse_schedule("denosumab:6mg:q10d:x2"), [60.0]).amounts_mg["central"][0]
    one = simulate_pk(parse_schedule("denosumab:6mg:once"), [60.0, 50.0]).amounts_mg["central"]
    assert two > 1.5 * one.sum()  # together the doses saturate more of the target-mediated sink


def test_registry_values_are_the_sources_numbers_in_model_units():
    units = pint.UnitRegistry()
    expected = {
        ("denosumab", "absorption_rate"): (0.00592, "1 / hour"),
        ("denosumab", "central_volume"): (2340.0, "mL"),
        ("denosumab", "peripheral_volume"): (1324.0, "mL"),
        ("denosumab", "intercompartmental_clearance"): (18.67, "mL / hour"),
        ("denosumab", "linear_clearance"): (2.75, "mL / hour"),
        ("denosumab", "target_mediated_vmax"): (3110.0, "ng / hour"),
        ("denosumab", "target_mediated_km"): (188.0, "ng / mL"),
        ("zoledronic_acid", "plasma_half_life_alpha"): (0.24, "hour"),
        ("zoledronic_acid", "plasma_half_life_beta"): (1.87, "hour"),
        ("zoledronic_acid", "plasma_half_life_gamma"): (146.0, "hour"),
        ("zoledronic_acid", "renal_clearance"): (69.0, "mL / minute"),
    }
    for (drug, symbol), (number, unit) in expected.items():
        record = REGISTRY.sets[f"pkpd_{drug}"][symbol]
        assert units.Quantity(number, unit).to(record.unit).magnitude == pytest.approx(record.value, rel=1e-12)
    # RANKL IC50 = koutL / kdenosl of OpenBoneMin, times the 150 kDa it uses for molar concentrations
    ic50 = units.Quantity(0.00293273, "1 / hour") / units.Quantity(2e-6, "1 / pmol * L / hour")
    ic50_mass = (ic50 * units.Quantity(150_000, "g / mol")).to("mg / L").magnitude
    assert values("denosumab")["rankl_neutralisation_ic50"] == pytest.approx(ic50_mass, rel=0.001)


def test_every_drug_loads_from_a_pkpd_set_and_accepts_sampled_values():
    assert set(REGISTRY.sets_for("pkpd")) == {f"pkpd_{name}" for name in DRUG_NAMES}
    for name in DRUG_NAMES:
        drug = load_drug(name)
        assert np.allclose(drug.rate_matrix.sum(axis=0), 0.0, atol=1e-9)
        assert {t.target for t in drug.targets} <= set(TARGETS)
        registry_set = REGISTRY.sets[drug.parameter_set]
        drawn = registry_set.sample(registry_set.symbols, np.random.default_rng(3))
        sampled = load_drug(name, parameters=drawn)
        assert sampled.transfers != drug.transfers
        pk = simulate_pk(DoseSchedule(name, 10.0), np.linspace(0.0, 100.0, 11), drug=sampled)
        assert pk.status == "ok" and sum(pk.amounts_mg.values())[-1] == pytest.approx(pk.absorbed_mg, rel=1e-8)
    with pytest.raises(InputError, match="aspirin"):
        load_drug("aspirin")
    with pytest.raises(ValueError, match="model"):
        load_drug("denosumab", parameters=REGISTRY.sets["komarova2003"])


@pytest.mark.parametrize("name", DRUG_NAMES)
def test_every_prior_draw_gives_a_valid_model(name):
    registry_set = REGISTRY.sets[f"pkpd_{name}"]
    rng = np.random.default_rng(11)
    times = np.array([0.0, 1.0, 30.0, 365.0])
    for draw in range(100):
        drug = load_drug(name, parameters=registry_set.sample(registry_set.symbols, rng))
        assert all(rate >= 0.0 for rate in drug.transfers.values())
        if draw % 25 == 0:
            pk = simulate_pk(DoseSchedule(name, 5.0, interval_days=14.0), times, drug=drug)
            assert pk.status == "ok"
            assert sum(pk.amounts_mg.values())[-1] == pytest.approx(pk.absorbed_mg, rel=1e-8)


def test_effect_of_a_vanishing_driver_is_zero_without_warnings():
    effect = load_drug("zoledronic_acid").targets[0]
    steep = type(effect)(effect.target, effect.compartment, effect.measure, 1.0, 1.0, 3.0)
    assert steep.effect(np.array([0.0, 1e-300, -1e-20, 1.0, np.inf])).tolist() == [0.0, 0.0, 0.0, 0.5, 1.0]
    assert np.isnan(steep.effect(np.array([np.nan]))[0])


def test_results_are_read_only_in_the_requested_order_and_convert_to_xarray():
    schedule = parse_schedule("zoledronic_acid:4mg:once:at1d")
    shuffled = np.array([30.0, 0.0, 2.0, 1.0, 10.0])
    pk = simulate_pk(schedule, shuffled)
    ordered = simulate_pk(schedule, np.sort(shuffled))
    assert pk.amounts_mg["bone_bound"][np.argsort(shuffled)] == pytest.approx(ordered.amounts_mg["bone_bound"])
    assert pk.amounts_mg["plasma"][3] == 4.0  # at the dose time: just after the bolus
    with pytest.raises(ValueError, match="read-only"):
        pk.amounts_mg["plasma"][0] = 1.0
    dataset = ordered.to_dataset()
    assert dataset["amount_bone_bound"].attrs["units"] == "mg"
    assert dataset["concentration_plasma"].attrs["units"] == "mg/L"


def test_simulate_pk_rejects_mixed_drugs_and_bad_times():
    with pytest.raises(InputError, match="one drug"):
        simulate_pk([parse_schedule("denosumab:60mg:once"), parse_schedule("opg_fc:60mg:once")], [0.0])
    with pytest.raises(InputError, match="drug"):
        simulate_pk(parse_schedule("denosumab:60mg:once"), [0.0], drug=load_drug("opg_fc"))
    with pytest.raises(InputError, match="times_days"):
        simulate_pk(parse_schedule("denosumab:60mg:once"), [0.0, np.nan])


# ---------------------------------------------------------------------------------------------------------------
# Effects


@pytest.mark.parametrize(
    "text", ["zoledronic_acid:4mg:q6mo:at1y", "denosumab:60mg:q6mo:at1y", "opg_fc:210mg:once:at1y"]
)
def test_effects_are_zero_before_the_first_dose_and_within_bounds(text):
    times = np.linspace(0.0, 3 * YEAR, 3 * 365 + 1)
    effects = target_effects([parse_schedule(text)], times)
    assert tuple(effects) == TARGETS
    drug = load_drug(text.split(":")[0])
    hit = {t.target for t in drug.targets}
    for target, effect in effects.items():
        assert effect.shape == times.shape
        assert np.all(effect[times < YEAR] == 0.0)
        assert np.all((effect >= 0.0) & (effect <= 1.0))
        assert (effect.max() > 0.1) == (target in hit)


@pytest.mark.parametrize(
    ("drug", "target", "doses"),
    [
        ("zoledronic_acid", "osteoclast_apoptosis", (1.0, 4.0, 16.0)),
        ("zoledronic_acid", "endosteal_niche", (1.0, 4.0, 16.0)),
        ("denosumab", "rankl_neutralisation", (6.0, 60.0, 120.0)),
        ("opg_fc", "rankl_neutralisation", (30.0, 100.0, 300.0)),
    ],
)
def test_effects_increase_with_dose_and_decay_after_the_last_dose(drug, target, doses):
    times = np.linspace(0.0, 2 * YEAR, 731)
    curves = [target_effects([DoseSchedule(drug, dose)], times)[target] for dose in doses]
    after = (times > 0.0) & (curves[0] > 1e-9)  # while the effect is above round-off
    assert after.sum() > 60
    assert np.all(curves[0][after] < curves[1][after]) and np.all(curves[1][after] < curves[2][after])
    peak = int(np.argmax(curves[1]))
    assert peak < 60 and np.all(np.diff(curves[1][peak:]) <= 1e-15)
    assert curves[1][-1] < 0.75 * curves[1][peak]


def test_one_zoledronic_acid_dose_acts_for_months():
    effect = target_effects([parse_schedule("zoledronic_acid:4mg:once")], [1.0, 7.0, 6 * MONTH, 2 * YEAR])
    osteoclast = effect["osteoclast_apoptosis"]
    assert osteoclast[0] > 0.5 and osteoclast[2] > 0.5  # substantial from the first day to six months
    assert osteoclast[3] < 0.5 * osteoclast[1]


def test_opg_fc_reproduces_the_bekker_response():
    effect = target_effects([parse_schedule("opg_fc:210mg:once")], [0.5, 4.0, 42.0])["rankl_neutralisation"]
    assert effect[0] > 0.3  # NTX fell within 12 h
    assert effect[1] == pytest.approx(0.8, abs=0.05)  # ~80% at day 4 (3 mg/kg)
    assert effect[2] == pytest.approx(0.14, abs=0.06)  # 14% at six weeks


def test_drugs_combine_by_bliss_independence():
    times = np.linspace(0.0, 400.0, 401)
    denosumab, opg = parse_schedule("denosumab:30mg:once"), parse_schedule("opg_fc:100mg:once:at60d")
    alone_d = target_effects([denosumab], times)["rankl_neutralisation"]
    alone_o = target_effects([opg], times)["rankl_neutralisation"]
    both = target_effects([denosumab, opg], times)["rankl_neutralisation"]
    assert both == pytest.approx(1.0 - (1.0 - alone_d) * (1.0 - alone_o), abs=1e-12)
    assert np.all(both >= np.maximum(alone_d, alone_o) - 1e-15) and np.all(both <= 1.0)
    zoledronic = parse_schedule("zoledronic_acid:4mg:q6mo")
    mixed = target_effects([zoledronic, denosumab], times)
    assert mixed["osteoclast_apoptosis"] == pytest.approx(target_effects([zoledronic], times)["osteoclast_apoptosis"])
    assert mixed["rankl_neutralisation"] == pytest.approx(alone_d)
    assert bliss_combination([np.array([0.5]), np.array([0.5])]) == pytest.approx([0.75])


def test_schedules_of_one_drug_add_doses_not_effects():
    times = np.linspace(0.0, 200.0, 201)
    split = target_effects([DoseSchedule("denosumab", 30.0), DoseSchedule("denosumab", 30.0)], times)
    whole = target_effects([DoseSchedule("denosumab", 60.0)], times)
    assert split["rankl_neutralisation"] == pytest.approx(whole["rankl_neutralisation"], rel=1e-9)


def test_sampled_drugs_can_be_passed_in():
    registry_set = REGISTRY.sets["pkpd_denosumab"]
    weaker = load_drug("denosumab", parameters=registry_set.with_values({"rankl_neutralisation_ic50": 2.0}))
    times = np.array([30.0])
    default = target_effects([DoseSchedule("denosumab", 60.0)], times)["rankl_neutralisation"]
    given = target_effects([DoseSchedule("denosumab", 60.0)], times, drugs={"denosumab": weaker})
    assert given["rankl_neutralisation"][0] < default[0]
    with pytest.raises(InputError, match="opg_fc"):
        target_effects([DoseSchedule("denosumab", 60.0)], times, drugs={"opg_fc": weaker})


def test_matrix_exponential_path_agrees_with_expm_directly():
    drug = load_drug("zoledronic_acid")
    start = np.zeros(len(drug.compartments))
    start[0] = 4.0
    direct = expm(drug.rate_matrix * 37.5) @ start
    pk = simulate_pk(parse_schedule("zoledronic_acid:4mg:once"), np.arange(0.0, 40.0, 0.5))
    assert np.array([pk.amounts_mg[name][75] for name in drug.compartments]) == pytest.approx(direct, rel=1e-10)
