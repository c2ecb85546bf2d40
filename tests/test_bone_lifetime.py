"""The bone over a lifetime: rest, menopause, the vicious-cycle threshold, drug actions and the niche signals."""

import dataclasses
import json

import numpy as np
import pytest

from dormancy import pkpd
from dormancy.bone import NICHE_SIGNALS, BoneModel, DrugExposure, HostProfile, simulate_bone
from dormancy.bone.lifetime import NO_DRUGS
from dormancy.bone.pivonka import PUBLISHED_STEADY_STATE, ligands, steady_state
from dormancy.errors import InputError

YOUNG = HostProfile(age_years=25.0, menopause_age_years=None)
OLDER = HostProfile(age_years=60.0, menopause_age_years=None)


def constant_drug(**effects):
    times = np.array([0.0, 1e5])
    return DrugExposure(times, {target: np.full(2, value) for target, value in effects.items()})


def test_at_rest_nothing_moves_and_signals_sit_at_their_rest_levels():
    model = BoneModel.default(host=YOUNG)
    run = simulate_bone(model, years=10)
    assert run.attrs["status"] == "ok"
    np.testing.assert_allclose(run.active_osteoclasts, PUBLISHED_STEADY_STATE[2], rtol=1e-6)
    np.testing.assert_allclose(run.bone_volume, 100.0, atol=1e-6)
    c = model.coupling
    np.testing.assert_allclose(run.signal_TGFB2, c.rest_tgfb2_signal, rtol=1e-6)
    np.testing.assert_allclose(run.signal_OSTEOCLAST_FACTORS, c.rest_osteoclast_factor_signal, rtol=1e-6)
    for name in NICHE_SIGNALS:
        values = run[f"signal_{name}"].values
        assert ((values >= 0) & (values <= 1)).all()
    parameters = json.loads(run.attrs["parameters"])
    assert parameters["remodelling"]["rankl_activation_osteoclast_precursor"] == pytest.approx(4.457452802710724)
    assert json.loads(run.attrs["host"])["age_years"] == 25.0
    assert run.attrs["dormancy_version"]


def test_menopause_raises_turnover_and_bone_loss():
    before = HostProfile(age_years=45.0, menopause_age_years=None)
    after = HostProfile(age_years=45.0, menopause_age_years=51.0)
    stays = simulate_bone(BoneModel.default(host=before), years=15)
    meno = simulate_bone(BoneModel.default(host=after), years=15)
    at_60 = int(np.searchsorted(meno.age.values, 60.0))
    assert meno.active_osteoclasts[at_60] > 1.15 * stays.active_osteoclasts[at_60]
    assert meno.active_osteoblasts[at_60] > 1.1 * stays.active_osteoblasts[at_60]
    assert meno.rankl[at_60] > stays.rankl[at_60]
    assert meno.signal_ESTROGEN[at_60] < 0.5 * meno.signal_ESTROGEN[0]
    # Bone loss in the five years after menopause: a few % per year (early postmenopausal loss is ~1-3 %/year).
    start, end = (int(np.searchsorted(meno.age.values, age)) for age in (51.0, 56.0))
    loss_per_year = float(meno.bone_volume[start] - meno.bone_volume[end]) / 5.0
    extra_loss = loss_per_year - float(stays.bone_volume[start] - stays.bone_volume[end]) / 5.0
    assert 0.5 < extra_loss < 4.0


def test_inflammation_with_age_raises_osteoclasts_and_il1b():
    run = simulate_bone(BoneModel.default(host=HostProfile(age_years=50.0, menopause_age_years=None)), years=20)
    assert run.active_osteoclasts[-1] > run.active_osteoclasts[0]
    assert run.signal_IL1B[-1] > run.signal_IL1B[0]


@pytest.fixture(scope="module")
def tumour_runs():
    runs = {}
    for burden in (0.05, 0.3):
        runs[burden] = simulate_bone(BoneModel.default(host=OLDER, initial_tumour_burden=burden), years=4)
    return runs


def test_below_the_threshold_the_tumour_shrinks_and_bone_holds(tumour_runs):
    run = tumour_runs[0.05]
    assert run.tumour_burden[-1] < 0.5 * run.tumour_burden[0]
    assert run.bone_volume[-1] > 98.0


def test_above_the_threshold_bone_loss_and_tumour_growth_accelerate_each_other(tumour_runs):
    run = tumour_runs[0.3]
    weeks = np.arange(len(run.time))
    year = weeks // 52
    burden, bone = run.tumour_burden.values, run.bone_volume.values
    assert burden[-1] > 0.9
    assert bone[-1] < 80.0
    # Acceleration: bone lost in the second year exceeds the first, as osteoclasts and matrix TGF-beta climb.
    first = bone[year == 0][0] - bone[year == 0][-1]
    second = bone[year == 1][0] - bone[year == 1][-1]
    assert second > first > 0
    assert run.matrix_tgfb_release[52 * 2] > 1.25 * run.matrix_tgfb_release[0]
    assert run.signal_TGFB1[52 * 2] > run.signal_TGFB1[0]


def test_without_pthrp_the_same_tumour_does_not_take_off():
    model = BoneModel.default(host=OLDER, initial_tumour_burden=0.3)
    silent = dataclasses.replace(model, coupling=dataclasses.replace(model.coupling, pthrp_production=0.0))
    run = simulate_bone(silent, years=4)
    assert run.tumour_burden[-1] < run.tumour_burden[0]


@pytest.mark.parametrize("target", ["osteoclast_apoptosis", "rankl_neutralisation"])
def test_bone_drug_targets_lower_osteoclasts(target):
    plain = simulate_bone(BoneModel.default(host=OLDER), years=1)
    treated = simulate_bone(BoneModel.default(host=OLDER, drugs=constant_drug(**{target: 0.6})), years=1)
    assert treated.active_osteoclasts[-1] < 0.8 * plain.active_osteoclasts[-1]
    assert treated.signal_OSTEOCLAST_FACTORS[-1] < plain.signal_OSTEOCLAST_FACTORS[-1]


def test_with_rankl_clamped_neutralisation_does_nothing_but_apoptosis_and_the_niche_action_remain():
    p = BoneModel.default().remodelling
    rankl = ligands(steady_state(p), p).rankl

    def run(**effects):
        model = BoneModel.default(host=OLDER, rankl_clamp=rankl, drugs=constant_drug(**effects))
        return simulate_bone(model, years=1)

    clamped = run()
    neutralised = run(rankl_neutralisation=0.9)
    np.testing.assert_allclose(neutralised.active_osteoclasts, clamped.active_osteoclasts, rtol=1e-9)
    np.testing.assert_allclose(neutralised.signal_OSTEOCLAST_FACTORS, clamped.signal_OSTEOCLAST_FACTORS, rtol=1e-9)
    niche_only = run(endosteal_niche=0.8)
    np.testing.assert_allclose(niche_only.active_osteoclasts, clamped.active_osteoclasts, rtol=1e-9)
    assert niche_only.signal_OSTEOCLAST_FACTORS[-1] < 0.7 * clamped.signal_OSTEOCLAST_FACTORS[-1]
    killed = run(osteoclast_apoptosis=0.6)
    assert killed.active_osteoclasts[-1] < 0.8 * clamped.active_osteoclasts[-1]


def test_bad_host_values_are_named():
    with pytest.raises(InputError) as caught:
        HostProfile(age_years=-3.0, bmi=300.0)
    text = str(caught.value)
    assert "host.age_years" in text
    assert "host.bmi" in text


def exposure(schedule_text, years):
    schedule = pkpd.parse_schedule(schedule_text)
    times = np.arange(0.0, years * 365.25 + 1.0, 0.5)
    return DrugExposure(times, pkpd.target_effects([schedule], times))


@pytest.mark.parametrize("regimen", ["zoledronic_acid:4mg:q6mo", "denosumab:60mg:q6mo"])
def test_zoledronic_acid_and_denosumab_each_lower_osteoclast_activity(regimen):
    plain = simulate_bone(BoneModel.default(host=OLDER), years=2)
    treated = simulate_bone(BoneModel.default(host=OLDER, drugs=exposure(regimen, 2)), years=2)
    assert float(treated.active_osteoclasts.mean()) < 0.8 * float(plain.active_osteoclasts.mean())
    assert treated.bone_volume[-1] > plain.bone_volume[-1]


def test_with_rankl_clamped_zoledronic_acid_keeps_its_niche_effect_and_denosumab_has_none():
    p = BoneModel.default().remodelling
    rankl = ligands(steady_state(p), p).rankl

    def run(drugs):
        return simulate_bone(BoneModel.default(host=OLDER, rankl_clamp=rankl, drugs=drugs), years=2)

    clamped = run(NO_DRUGS)
    zoledronic = run(exposure("zoledronic_acid:4mg:q6mo", 2))
    denosumab = run(exposure("denosumab:60mg:q6mo", 2))
    assert float(denosumab.drug_rankl_neutralisation.max()) > 0.5  # the drug is there, and it neutralises RANKL
    np.testing.assert_allclose(denosumab.signal_OSTEOCLAST_FACTORS, clamped.signal_OSTEOCLAST_FACTORS, rtol=1e-9)
    np.testing.assert_allclose(denosumab.active_osteoclasts, clamped.active_osteoclasts, rtol=1e-9)
    assert float(zoledronic.signal_OSTEOCLAST_FACTORS[-20:].mean()) < 0.8 * float(
        clamped.signal_OSTEOCLAST_FACTORS[-20:].mean()
    )
