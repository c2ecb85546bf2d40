"""The scale bridge (dormancy.coupling): vocabulary, bone signals, resorption exposure, and the patient's hazards.

The patient kernel's dormant-cell hazards must be the switch's own hazards (per day) times named bridge parameters,
so that changing a switch rate moves the patient hazard; drugs add the switch's extra death rate unscaled; and the
bone's remodelling reaches the patient: awakening rises after menopause and falls under antiresorptives.
"""

import math

import numpy as np
import pytest

from dormancy.bone.marrow import BONE_SIGNALS, marrow_signals, osteoblast_signal_ratio
from dormancy.bone.pivonka import PivonkaParameters
from dormancy.coupling import (
    MARROW_NICHES,
    NICHE_NAMES,
    SWITCH_INPUT_SOURCES,
    InputSource,
    check_switch,
    exposed_inputs,
    exposure_averaged_rates,
    niche_exposure,
    niche_inputs,
)
from dormancy.coupling.tables import RATE_FIELDS, TableCache, bone_grid, tabulate
from dormancy.params import load_registry
from dormancy.patients import therapy
from dormancy.patients.kernel_tables import dormant_hazards, grid_position
from dormancy.patients.parameters import resolve_parameters
from dormancy.signalling import (
    DORMANT_PREPARATION,
    autophagy_block_death,
    integrate_cells,
    is_dormant,
    load_switch,
    steady_states,
)

SETS = resolve_parameters(None)
VALUES = SETS["patients_natural_history"].values()
COUPLING = SETS["bone_lifetime"].values()
REMODELLING = PivonkaParameters.from_set(SETS["pivonka2008"])
DORMANT_MARROW = ("endosteal", "perivascular_stable", "other_marrow")


@pytest.fixture(scope="module")
def tables():
    return tabulate(SETS, cache=therapy.DEFAULT_CACHE)


# ------------------------------------------------------------------------------------------------- vocabulary


@pytest.mark.parametrize("er", ["negative", "positive"])
def test_every_switch_input_has_exactly_one_source_and_every_niche_its_records(er):
    inputs = load_switch(er).wiring.inputs
    assert set(inputs) == set(SWITCH_INPUT_SOURCES)
    check_switch(inputs, VALUES)
    assert {SWITCH_INPUT_SOURCES[name] for name in BONE_SIGNALS} == {InputSource.BONE}


def test_a_new_niche_signal_without_its_vocabulary_entry_or_records_is_an_error_naming_it():
    """The recipe of dormancy.coupling.vocabulary: network row + vocabulary entry + records, each checked."""
    with pytest.raises(KeyError, match="SCLEROSTIN"):
        check_switch((*load_switch().wiring.inputs, "SCLEROSTIN"))
    missing = {k: v for k, v in VALUES.items() if k != "niche_other_marrow__GAS6"}
    with pytest.raises(KeyError, match="niche_other_marrow__GAS6"):
        check_switch(load_switch().wiring.inputs, missing)
    with pytest.raises(KeyError, match="niche_endosteal__GAS6"):
        niche_inputs(load_switch(), {k: v for k, v in VALUES.items() if k != "niche_endosteal__GAS6"}, "endosteal",
                     bone=dict.fromkeys(BONE_SIGNALS, 0.5))  # fmt: skip


# ---------------------------------------------------------------------------------------------- bone signals


def test_bone_signals_are_the_rest_levels_at_rest_and_fall_with_oestrogen():
    rest_levels = {"TGFB2": 0.5, "BMP7": 0.4, "TGFB1": 0.2, "OSTEOCLAST_FACTORS": 0.2}
    at_rest = marrow_signals(
        osteoblast_fold=1.0, osteoclast_fold=1.0, tgfb_fold=1.0, deficiency=0.0, coupling=COUPLING,
        rest_levels=rest_levels,
    )  # fmt: skip
    for name, level in rest_levels.items():
        assert float(at_rest[name]) == pytest.approx(level, rel=1e-12)
    # Finkelman 1992: full oestrogen makes F times the TGF-beta of none
    fold = COUPLING["osteoblast_tgfb_oestrogen_fold"]
    assert float(osteoblast_signal_ratio(1.0, 1.0, remodelling_fraction=0.3, oestrogen_fold=fold)) == pytest.approx(
        1.0 / fold
    )
    # remodelling osteoblasts carry only their share: doubling them adds phi
    assert float(osteoblast_signal_ratio(2.0, 0.0, remodelling_fraction=0.3, oestrogen_fold=fold)) == pytest.approx(1.3)


def test_menopause_raises_resorption_and_lowers_the_osteoblast_dormancy_signals():
    bone = bone_grid(REMODELLING, COUPLING, np.array([0.0, 1.0]))
    assert bone["osteoclast_fold"][1, 0] > 1.2 * bone["osteoclast_fold"][0, 0]
    assert bone["osteoblast_fold"][1, 0] > bone["osteoblast_fold"][0, 0]  # coupled remodelling
    for name in ("TGFB2", "BMP7"):
        assert bone[name][1, 0] < bone[name][0, 0]  # but less made per cell without oestrogen
    for name in ("TGFB1", "OSTEOCLAST_FACTORS"):
        assert bone[name][1, 0] > bone[name][0, 0]


# ------------------------------------------------------------------------------------------ resorption exposure


def test_exposure_averaging_is_linear_between_rest_and_front():
    model = load_switch()
    bone = {name: 0.3 for name in BONE_SIGNALS}
    rest = niche_inputs(model, VALUES, "other_marrow", bone=bone)[np.newaxis]
    front = exposed_inputs(model, rest, COUPLING)
    start = steady_states(model, model.inputs(DORMANT_PREPARATION), 0.0)
    states = steady_states(model, np.concatenate([rest, front]), np.repeat(start, 2, axis=0))
    rates = {phi: exposure_averaged_rates(model, states[:1], states[1:], phi) for phi in (0.0, 0.25, 1.0)}
    assert rates[0.0]["awakening_rate"][0] == rates[0.0]["exit_rest"][0]
    assert rates[1.0]["awakening_rate"][0] == rates[1.0]["exit_front"][0]
    expected = 0.75 * rates[0.0]["awakening_rate"][0] + 0.25 * rates[1.0]["awakening_rate"][0]
    assert rates[0.25]["awakening_rate"][0] == pytest.approx(expected, rel=1e-12)
    assert rates[1.0]["awakening_rate"][0] > rates[0.0]["awakening_rate"][0]


@pytest.mark.parametrize("niche", DORMANT_MARROW)
def test_a_resorbing_front_raises_the_exit_rate_without_flipping_the_dormant_branch(niche):
    """The averaging assumes the dormant branch follows the front and relaxes back (no hysteresis flip)."""
    model = load_switch()
    bone = {name: float(COUPLING[record]) for name, record in (
        ("TGFB2", "rest_tgfb2_signal"), ("BMP7", "rest_bmp7_signal"), ("TGFB1", "rest_tgfb1_signal"),
        ("OSTEOCLAST_FACTORS", "rest_osteoclast_factor_signal"))}  # fmt: skip
    rest = niche_inputs(model, VALUES, niche, bone=bone)[np.newaxis]
    front = exposed_inputs(model, rest, COUPLING)
    start = steady_states(model, model.inputs(DORMANT_PREPARATION), 0.0)
    dormant = steady_states(model, rest, start)
    during = integrate_cells(model.wiring, model.kinetics, dormant, front, np.array([0.0, 28 * 24.0])).states[-1]
    after = steady_states(model, rest, during)
    assert is_dormant(model, during).all() and is_dormant(model, after).all()
    np.testing.assert_allclose(after, dormant, atol=1e-5)


def test_exposure_scales_with_reach_and_active_osteoclasts():
    assert niche_exposure(VALUES, "other_site", 2.0, 0.03) == 0.0  # no bone in other organs
    endosteal = niche_exposure(VALUES, "endosteal", 1.0, 0.03)
    assert endosteal == pytest.approx(0.03)
    assert niche_exposure(VALUES, "endosteal", 2.0, 0.03) == pytest.approx(2 * endosteal)
    assert niche_exposure(VALUES, "other_marrow", 1.0, 0.03) < endosteal


# ------------------------------------------------------------------------------------- the patient's hazards


def _hazards(tables, er, niche, deficiency, inflamed=0.0, *, state=None, rates=None):
    """The kernel's dormant-cell hazards (per year) with the shipped bridge parameters."""
    n = len(tables.deficiency)
    i, fi = grid_position(deficiency, n)
    j, fj = grid_position(inflamed, n)
    rates = tables.rates if rates is None else rates
    scale = VALUES["awakening_scale_er_positive" if er else "awakening_scale_er_negative"]
    death = VALUES["dormant_death_scale"] * (VALUES["dormant_death_ratio_er_positive"] if er else 1.0)
    return dormant_hazards(rates[er, 0, NICHE_NAMES.index(niche)], i, fi, j, fj, scale, death)


def _marrow_awakening(tables, er, deficiency, rates=None):
    """Landing-weighted awakening hazard of a dormant marrow DTC (per year)."""
    first = [VALUES[f"niche_fraction_{n}"] for n in NICHE_NAMES[:3]]
    weights = dict(zip(NICHE_NAMES[:MARROW_NICHES], [*first, 1.0 - sum(first)], strict=True))
    total = sum(weights[n] * _hazards(tables, er, n, deficiency, rates=rates)[0] for n in DORMANT_MARROW)
    return total / sum(weights[n] for n in DORMANT_MARROW)


def test_the_kernel_hazards_are_the_switch_rates_times_the_named_bridge_parameters(tables):
    model = load_switch()
    bone = {k: v[0, 0] for k, v in bone_grid(REMODELLING, COUPLING, np.zeros(1)).items()}
    rest = niche_inputs(model, VALUES, "other_marrow", bone=bone)[np.newaxis]
    front = exposed_inputs(model, rest, COUPLING)
    start = steady_states(model, model.inputs({**_endosteal_levels(), **DORMANT_PREPARATION}), 0.0)
    states = steady_states(model, np.concatenate([rest, front]), np.repeat(start, 2, axis=0))
    phi = niche_exposure(VALUES, "other_marrow", bone["osteoclast_fold"], COUPLING["resorption_surface_fraction"])
    switch = exposure_averaged_rates(model, states[:1], states[1:], phi)
    h_wake, h_die = _hazards(tables, 0, "other_marrow", 0.0)
    assert h_wake == pytest.approx(VALUES["awakening_scale_er_negative"] * switch["awakening_rate"][0] * 365.25, 1e-6)
    assert h_die == pytest.approx(VALUES["dormant_death_scale"] * switch["death_rate"][0] * 365.25, rel=1e-6)


def _endosteal_levels():
    from dormancy.coupling import NICHE_LEVEL_INPUTS

    return {k: VALUES[f"niche_endosteal__{k}"] for k in NICHE_LEVEL_INPUTS if VALUES[f"niche_endosteal__{k}"]}


@pytest.mark.slow
def test_a_changed_switch_rate_moves_the_patient_hazard(tables):
    """Doubling the switch's maximal exit rate doubles the patient's awakening hazard (no reference cancels it)."""
    switch = load_registry().sets["switch_er_negative"]
    faster = switch.with_values({"max_quiescence_exit_rate": 2.0 * switch.values()["max_quiescence_exit_rate"]})
    changed = tabulate({**SETS, "switch_er_negative": faster}, cache=TableCache())
    for niche in DORMANT_MARROW:
        before, after = _hazards(tables, 0, niche, 0.5)[0], _hazards(changed, 0, niche, 0.5)[0]
        assert after == pytest.approx(2.0 * before, rel=1e-9), niche


def test_patient_awakening_rises_after_menopause(tables):
    # ER- cells: more resorbing fronts and less oestrogen-driven TGF-beta2/BMP7 after menopause
    assert _marrow_awakening(tables, 0, 1.0) > 1.02 * _marrow_awakening(tables, 0, 0.0)
    for niche in DORMANT_MARROW:
        assert _hazards(tables, 0, niche, 1.0)[0] > _hazards(tables, 0, niche, 0.0)[0], niche


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["zoledronic_acid_azure", "denosumab_dcare"])
def test_patient_awakening_falls_under_antiresorptives(tables, strategy):
    plan = therapy.regimen(strategy, step_days=365.25 / 12, sets=SETS)
    state = int(plan.step_state[min(6, plan.n_steps - 1)])  # six months into the regimen
    assert state > 0
    for deficiency in (0.0, 1.0):
        for er in (0, 1):
            treated = _marrow_awakening(tables, er, deficiency, rates=plan.rates[state])
            assert treated < (1.0 - 1e-3) * _marrow_awakening(tables, er, deficiency), (deficiency, er)


@pytest.mark.slow
@pytest.mark.parametrize("effects", [{"autophagy_inhibition": 0.8}, {"mtor_inhibition": 0.8}])
def test_hcq_and_everolimus_add_the_switch_extra_death_rate_unscaled(tables, effects):
    """The drugs' death is the switch's treated minus untreated death plus the flux-block death, unscaled."""
    treated = tabulate(SETS, effects, cache=therapy.DEFAULT_CACHE)
    extra = treated.field("drug_death_rate")
    assert np.isfinite(extra).all() and (extra >= 0).all()
    # recomputed by hand at one point: the switch's dormant-branch death under the drug minus without it
    model = load_switch()
    bone = {k: v[0, 0] for k, v in bone_grid(REMODELLING, COUPLING, np.zeros(1)).items()}
    start = steady_states(model, model.inputs({**_endosteal_levels(), **DORMANT_PREPARATION}), 0.0)
    phi = niche_exposure(VALUES, "endosteal", bone["osteoclast_fold"], COUPLING["resorption_surface_fraction"])
    deaths, blocks = [], []
    for drugs in ({}, effects):
        rest = niche_inputs(model, VALUES, "endosteal", bone=bone, drugs=drugs)[np.newaxis]
        inputs = np.concatenate([rest, exposed_inputs(model, rest, COUPLING)])
        states = steady_states(model, inputs, np.repeat(start, 2, axis=0))
        deaths.append(exposure_averaged_rates(model, states[:1], states[1:], phi)["death_rate"][0])
        block = autophagy_block_death(model, states, inputs)
        blocks.append(float((1.0 - phi) * block[0] + phi * block[1]))
    # plus the flux-block death, 0 without HCQ (untreated) and under everolimus alone
    assert blocks[0] == pytest.approx(0.0, abs=1e-12)
    assert (blocks[1] > 1e-3) == ("autophagy_inhibition" in effects)
    expected = max(deaths[1] - deaths[0], 0.0) + blocks[1]
    assert extra[0, 0, 0, 0, 0] == pytest.approx(expected, rel=1e-6, abs=1e-12)
    h_base = _hazards(tables, 0, "endosteal", 0.0)[1]
    h_drug = _hazards(treated, 0, "endosteal", 0.0)[1]
    assert h_drug - h_base == pytest.approx(expected * 365.25, rel=1e-6, abs=1e-9)
    assert math.isfinite(h_drug)


def test_rate_table_fields_are_named(tables):
    assert tables.rates.shape[-1] == len(RATE_FIELDS)
    np.testing.assert_array_equal(tables.field("death_rate"), tables.rates[..., RATE_FIELDS.index("death_rate")])
    with pytest.raises(KeyError, match="log_exit_ratio"):
        tables.field("log_exit_ratio")
    assert (tables.field("drug_death_rate") == 0.0).all()  # untreated


@pytest.mark.xfail(
    strict=True,
    reason="Model departure (docs/bridge.md, 'The gap that remains'): the calibrated bridge scales are far below 1 — "
    "awakening 1.1e-5 (ER-) and 5.7e-4 (ER+) of the switch's exits, death 0.050 of the switch's untreated dormant "
    "death (1.31/year at the reference cell). The switch's dormant branch exits at ~3.8/year in other marrow; the "
    "patient needs ~1e-4/year per cell. Not a fudge: a named parameter whose size is the open question.",
)
def test_bridge_scales_are_within_an_order_of_magnitude_of_the_mechanism():
    for name in ("awakening_scale_er_negative", "awakening_scale_er_positive", "dormant_death_scale"):
        assert 0.1 <= VALUES[name] <= 10.0, name
