"""Ovariectomy × zoledronic acid in mice (Ottewell 2014, review [100]): the preclinical anchor of bone → switch.

Published directions: ovariectomy raises bone resorption and the growth of disseminated breast cancer cells in bone
(more bone tumours than in sham-operated mice), and zoledronic acid inhibits that growth in ovariectomised mice but
not in sham (premenopausal-like) mice. The bone side holds; the switch and the cohort contradict both directions
today (strict xfails whose reasons carry the measured numbers; docs/architecture.md, "Known departures").
"""

import numpy as np
import pandas as pd
import pytest

from dormancy.errors import InputError
from dormancy.lab import protocol_names, run_protocol
from dormancy.lab.menopause import host_marrow_values
from dormancy.lab.mouse import MouseXenograftOptions, niche_inputs
from dormancy.lab.ovariectomy import ARMS, QUICK_OPTIONS, arm_label, niche_fates
from dormancy.lab.tissue import lab_parameters
from dormancy.params import load_registry
from dormancy.pkpd import parse_schedule, target_effects
from dormancy.signalling import load_switch

#: Marrow niches where arriving DTCs settle dormant (the sprouting perivascular niche keeps them awake).
DORMANT_NICHES = ("endosteal", "perivascular_stable", "other_marrow")


def _values():
    return {**load_registry().sets["patients_natural_history"].values(), **lab_parameters().values()}


def test_zoledronic_effect_record_is_the_pkpd_time_average_of_the_equivalent_schedule():
    times = np.linspace(0.0, 56.0, 561)
    effects = target_effects([parse_schedule("zoledronic_acid:4mg:q4w")], times)
    for target in ("osteoclast_apoptosis", "endosteal_niche"):
        assert effects[target].mean() == pytest.approx(lab_parameters().values()["mouse_zoledronic_effect"], abs=5e-3)


def test_ovariectomy_raises_resorption_signals_and_zoledronic_acid_lowers_them_in_either_host():
    values = _values()
    sham = host_marrow_values(values, ovariectomy=False, zoledronic_acid=False)
    assert sham == values  # the intact mouse reads the documented rest levels
    ovx = host_marrow_values(values, ovariectomy=True, zoledronic_acid=False)
    signal = "mouse_marrow__OSTEOCLAST_FACTORS"
    # oestrogen loss: more RANKL, less OPG, longer-lived osteoclasts -> more osteoclast factors and matrix TGF-beta
    assert ovx[signal] > sham[signal]
    assert ovx["mouse_marrow__TGFB1"] > sham["mouse_marrow__TGFB1"]
    for ovariectomy, intact in ((False, sham), (True, ovx)):
        treated = host_marrow_values(values, ovariectomy=ovariectomy, zoledronic_acid=True)
        assert treated[signal] < 0.6 * intact[signal]
        assert treated["mouse_marrow__TGFB1"] < intact["mouse_marrow__TGFB1"]


def test_the_diagnostic_variant_holds_only_the_osteoblast_signals_at_rest():
    values = _values()
    model = host_marrow_values(values, ovariectomy=True, zoledronic_acid=False)
    held = host_marrow_values(values, ovariectomy=True, zoledronic_acid=False, osteoblast_signals=False)
    for name in ("TGFB2", "BMP7"):
        assert model[f"mouse_marrow__{name}"] > values[f"mouse_marrow__{name}"]  # they follow active osteoblasts
        assert held[f"mouse_marrow__{name}"] == values[f"mouse_marrow__{name}"]
    for name in ("TGFB1", "OSTEOCLAST_FACTORS"):
        assert held[f"mouse_marrow__{name}"] == model[f"mouse_marrow__{name}"]


def test_ovariectomy_removes_the_er_input_of_er_positive_dtcs():
    switch = load_switch("positive")
    values = _values()
    column = switch.wiring.inputs.index("ESTROGEN")
    intact = niche_inputs(switch, "endosteal", "nude", MouseXenograftOptions(er_status="positive"), values)
    spec = MouseXenograftOptions(er_status="positive", ovariectomy=True)
    ovx = niche_inputs(switch, "endosteal", "nude", spec, values)
    assert intact[column] == pytest.approx(0.5)
    assert ovx[column] == pytest.approx(0.5 * (1.0 - values["ovariectomy_oestrogen_deficiency"]))
    assert ovx[column] < 0.01


def test_the_factorial_runs_four_arms_on_the_same_mice():
    assert "mouse-ovariectomy" in protocol_names()
    result = run_protocol("mouse-ovariectomy", seed=3, options=QUICK_OPTIONS)
    conditions = list(dict.fromkeys(result.table["condition"]))
    assert [c.split(", ")[-1] for c in conditions] == [arm_label(*arm) for arm in ARMS]
    arrived = result.table[result.table["readout"] == "bone_dtcs_arrived"]
    per_mouse = arrived.pivot(index="mouse", columns="condition", values="value")
    assert (per_mouse.nunique(axis=1) == 1).all()  # common random numbers: the same DTCs in every arm
    signals = result.manifest.settings["marrow_bone_signals"]
    assert signals["OVX + vehicle"]["OSTEOCLAST_FACTORS"] > signals["sham + vehicle"]["OSTEOCLAST_FACTORS"]
    with pytest.raises(InputError):
        run_protocol("mouse-ovariectomy", seed=3, options={**QUICK_OPTIONS, "ovariectomy": True})


def _exit_rates(er_status):
    fates = niche_fates(er_status)
    return fates.pivot(index="niche", columns="arm", values="quiescence_exit_rate")


@pytest.mark.xfail(
    strict=True,
    reason="Model departure (docs/architecture.md, Known departures): OVX LOWERS the dormant-branch exit rate. ER-, "
    "sham -> OVX: endosteal 7.69e-7 -> 7.34e-7, perivascular stable 7.61e-6 -> 6.90e-6, other marrow 8.56e-3 -> "
    "7.38e-3 per day (x0.86); ER+ other marrow 2.53e-3 -> 1.97e-3 (x0.78, ER input lost). The bone model's OVX "
    "raises osteoclasts x1.37 but active osteoblasts x1.29 too, so TGF-beta2/BMP7 rise 0.50 -> 0.56 with osteoclast "
    "factors 0.20 -> 0.25 and TGF-beta1 0.20 -> 0.25; the dormancy inputs outweigh the waking ones.",
)
@pytest.mark.parametrize("er_status", ["negative", "positive"])
def test_ovariectomy_raises_awakening_of_dormant_dtcs(er_status):
    rates = _exit_rates(er_status)
    for niche in DORMANT_NICHES:
        assert rates.loc[niche, "OVX + vehicle"] > rates.loc[niche, "sham + vehicle"], niche


@pytest.mark.xfail(
    strict=True,
    reason="Model departure: zoledronic acid RAISES the dormant-branch exit rate, more in OVX than in sham mice. "
    "ER- other marrow: sham 8.56e-3 -> 9.35e-3 (x1.09), OVX 7.38e-3 -> 9.10e-3 (x1.23); endosteal x1.39 (sham) and "
    "x1.16 (OVX). The drug lowers osteoclast factors (0.20 -> 0.076 sham, 0.25 -> 0.10 OVX) but also active "
    "osteoblasts (x0.58 sham), so TGF-beta2/BMP7 fall 0.50 -> 0.37 and the brake on awakening falls with them.",
)
@pytest.mark.parametrize("er_status", ["negative", "positive"])
def test_zoledronic_acid_lowers_awakening_more_in_ovariectomised_mice(er_status):
    rates = _exit_rates(er_status)
    for niche in DORMANT_NICHES:
        sham = rates.loc[niche, "sham + zoledronic acid"] / rates.loc[niche, "sham + vehicle"]
        ovx = rates.loc[niche, "OVX + zoledronic acid"] / rates.loc[niche, "OVX + vehicle"]
        assert ovx < 1.0 and ovx < sham, niche


@pytest.fixture(scope="module")
def cohort():
    """Paired foci per mouse, ER- line in nude mice, 2 seeds x 200 mice per arm (about two minutes)."""
    frames = []
    for seed in (1, 2):
        table = run_protocol("mouse-ovariectomy", seed=seed, options={"mice": 200}).table
        foci = table[table["readout"] == "bone_foci_at_sacrifice"]
        frames.append(foci.assign(arm=foci["condition"].str.split(", ").str[-1], mouse=foci["mouse"] + 1000 * seed))
    table = pd.concat(frames, ignore_index=True)
    return table.pivot(index="mouse", columns="arm", values="value")


def _paired(difference):
    return float(difference.mean()), float(difference.std(ddof=1) / np.sqrt(len(difference)))


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="Model departure: OVX - sham bone foci per mouse at 6 weeks (400 paired nude mice, ER-, 1e5 cells) "
    "-0.052 +- 0.063 (sham 2.04, OVX 1.99); published: more tumours in bone after OVX. Bone foci come mostly from "
    "DTCs that settle awake in the sprouting perivascular niche (growth 0.43/day, unmoved by the bone), and the "
    "other-marrow exit rate falls x0.86 (test_ovariectomy_raises_awakening_of_dormant_dtcs).",
)
def test_ovariectomised_mice_grow_more_bone_tumours_than_sham_mice(cohort):
    mean, se = _paired(cohort["OVX + vehicle"] - cohort["sham + vehicle"])
    assert mean > 2.0 * se


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="Model departure: zoledronic acid adds bone foci in both hosts: +0.080 +- 0.066 per mouse in sham, "
    "+0.152 +- 0.066 in OVX (400 paired nude mice, ER-); its inhibition in OVX beyond sham is -0.072 +- 0.089 "
    "(published: inhibits growth in OVX, not in sham). The mouse has no vicious cycle, so the drug acts only "
    "through the switch inputs, where it raises awakening "
    "(test_zoledronic_acid_lowers_awakening_more_in_ovariectomised_mice).",
)
def test_zoledronic_acid_lowers_bone_tumours_in_ovariectomised_mice_more_than_in_sham_mice(cohort):
    ovx_mean, ovx_se = _paired(cohort["OVX + vehicle"] - cohort["OVX + zoledronic acid"])
    excess, excess_se = _paired(
        (cohort["OVX + vehicle"] - cohort["OVX + zoledronic acid"])
        - (cohort["sham + vehicle"] - cohort["sham + zoledronic acid"])
    )
    assert ovx_mean > 2.0 * ovx_se
    assert excess > 2.0 * excess_se
