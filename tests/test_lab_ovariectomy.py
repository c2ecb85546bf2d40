"""Ovariectomy × zoledronic acid in mice (Ottewell 2014, review [100]): the preclinical anchor of bone → switch.

Published directions (MDA-MB-231, ER−, nude mice): ovariectomy raises bone resorption and the growth of disseminated
breast cancer cells in bone (more bone tumours than in sham-operated mice), and zoledronic acid inhibits that growth
in ovariectomised mice but not in sham (premenopausal-like) mice. The model reproduces both through the scale bridge
(dormancy.coupling): oestrogen loss lowers the osteoblast-lineage TGF-β2/BMP7 (Finkelman 1992) and raises the
resorbing fronts that reach a DTC's site, whose switch wakes faster under a front (Lawson 2015).
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
        # oestrogen loss lowers them (Finkelman 1992) although OVX raises the active osteoblasts
        assert model[f"mouse_marrow__{name}"] < values[f"mouse_marrow__{name}"]
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


def _awakening(er_status):
    fates = niche_fates(er_status)
    return fates.pivot(index="niche", columns="arm", values="awakening_rate")


# Ottewell 2014 and Canuas-Landero 2021 used ER- lines (MDA-MB-231, 4T1, E0771): the expectations below are for
# ER- cells only. In ER+ cells ovariectomy also removes the ER input, which lowers awakening in the model; no source
# in the project gives the ER+ direction in mice, so none is asserted (docs/architecture.md, Known departures).


def test_ovariectomy_raises_awakening_of_dormant_er_negative_dtcs():
    rates = _awakening("negative")
    for niche in DORMANT_NICHES:
        assert rates.loc[niche, "OVX + vehicle"] > 1.05 * rates.loc[niche, "sham + vehicle"], niche


def test_zoledronic_acid_lowers_awakening_in_ovariectomised_mice_by_more_than_in_sham_mice():
    """Ottewell's readout is the number of tumours (an absolute count): the drug removes the OVX-induced excess."""
    rates = _awakening("negative")
    for niche in DORMANT_NICHES:
        sham, ovx = rates.loc[niche, "sham + vehicle"], rates.loc[niche, "OVX + vehicle"]
        sham_drug, ovx_drug = rates.loc[niche, "sham + zoledronic acid"], rates.loc[niche, "OVX + zoledronic acid"]
        assert ovx_drug < ovx, niche
        assert ovx - ovx_drug > sham - sham_drug, niche


def test_awakening_is_the_switch_exit_rate_averaged_over_the_resorption_exposure():
    fates = niche_fates("negative")
    phi = fates["resorption_exposure"]
    expected = (1.0 - phi) * fates["quiescence_exit_rate"] + phi * fates["quiescence_exit_rate_front"]
    assert np.allclose(fates["awakening_rate"], expected, rtol=1e-12)
    by_arm = fates.set_index(["niche", "arm"])["resorption_exposure"]
    for niche in DORMANT_NICHES:  # more osteoclasts after OVX, fewer under the drug
        assert (
            by_arm[niche, "OVX + vehicle"] > by_arm[niche, "sham + vehicle"] > by_arm[niche, "sham + zoledronic acid"]
        )
    # under a front the dormant branch wakes faster than at rest, in every dormant niche
    sham = fates[fates["arm"] == "sham + vehicle"].set_index("niche")
    assert (
        sham.loc[list(DORMANT_NICHES), "quiescence_exit_rate_front"]
        > sham.loc[list(DORMANT_NICHES), "quiescence_exit_rate"]
    ).all()


@pytest.fixture(scope="module")
def cohort():
    """Paired foci per mouse, ER- line in nude mice, 2 seeds x 200 mice per arm (about two minutes).

    Not smaller: with all 400 mice the paired differences are 4.8 (OVX - sham), 2.9 (zoledronic acid in OVX) and
    2.9 (the OVX excess) standard errors from 0 against the 2 asserted; with the first 150 mice of each seed (the same
    mice: a mouse depends only on its seed and index) the excess is 1.7 SE (0.160 +/- 0.093) and the test would fail.
    """
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
def test_ovariectomised_mice_grow_more_bone_tumours_than_sham_mice(cohort):
    mean, se = _paired(cohort["OVX + vehicle"] - cohort["sham + vehicle"])
    assert mean > 2.0 * se


@pytest.mark.slow
def test_zoledronic_acid_lowers_bone_tumours_in_ovariectomised_mice_more_than_in_sham_mice(cohort):
    ovx_mean, ovx_se = _paired(cohort["OVX + vehicle"] - cohort["OVX + zoledronic acid"])
    excess, excess_se = _paired(
        (cohort["OVX + vehicle"] - cohort["OVX + zoledronic acid"])
        - (cohort["sham + vehicle"] - cohort["sham + zoledronic acid"])
    )
    assert ovx_mean > 2.0 * ovx_se
    assert excess > 2.0 * excess_se
