"""Mechanisms behind two therapy directions (issue 7): antagomiR-222/223 awakening and drug-effect quantisation.

AntagomiR-222/223-loaded MSCs remove the MSC exosomal miR-222/223 input [2, 58]; a dormant cell deprived of it must
be more likely to re-enter the cycle (and so be more chemosensitive: chemotherapy kills cycling cells only). The
miR reaches the switch's cell-cycle read-out (CDK4/6) and, through the cell's own CXCL12 [60], the p38/ERK core,
and marrow MSCs are endosteal, perivascular and reticular, so every marrow niche carries it; other organs do not.

Regimen states quantise time-averaged effects on a log-odds grid: exactly 0 stays 0, a near-full effect such as
RANKL neutralisation 0.97 stays partial (linear 0.1 rounding made it exactly 1 and stopped remodelling).
"""

import math

import numpy as np
import pytest

from dormancy.bone.pivonka import PivonkaParameters
from dormancy.coupling import NICHE_LEVEL_INPUTS, NICHE_NAMES, niche_inputs
from dormancy.coupling.tables import bone_grid, tabulate
from dormancy.params import load_registry
from dormancy.patients import therapy
from dormancy.patients.parameters import SET_NAME, resolve_parameters
from dormancy.pkpd import TARGETS, named_strategy
from dormancy.signalling import DORMANT_PREPARATION, fate_rates, load_switch, steady_states
from dormancy.signalling.hill import normalised_hill

STEP_DAYS = 365.25 / 12
LOG_ODDS_STEP = math.log(10.0) / therapy.EFFECTS_PER_DECADE


# ------------------------------------------------------------------------------------------------ quantisation


def test_quantisation_keeps_no_effect_and_full_effect_exact():
    assert therapy.quantise_effects(0.0) == 0.0
    assert therapy.quantise_effects(1.0) == 1.0
    assert therapy.quantise_effects(0.5 * therapy.EFFECT_FLOOR) == 0.0


@pytest.mark.parametrize("effect", [0.96, 0.97, 0.98, 0.99, 0.995])
def test_a_near_full_effect_is_not_rounded_to_full(effect):
    quantised = float(therapy.quantise_effects(effect))
    assert quantised < 1.0
    # the remaining activity 1 - E keeps its size within the grid's half step in log-odds
    assert math.exp(-LOG_ODDS_STEP / 2) <= (1.0 - quantised) / (1.0 - effect) <= math.exp(LOG_ODDS_STEP / 2)


def test_quantisation_round_trip_error_bound_monotone_and_idempotent():
    effects = np.linspace(therapy.EFFECT_FLOOR, 1.0, 200_001)[:-1]
    effects = np.concatenate([effects, 1.0 - np.logspace(-6, -1, 2001)])
    quantised = therapy.quantise_effects(effects)
    bound = LOG_ODDS_STEP / 2 + 1e-9
    assert np.all(np.abs(np.log(quantised / effects)) <= bound)
    assert np.all(np.abs(np.log((1.0 - quantised) / (1.0 - effects))) <= bound)
    order = np.argsort(effects)
    assert np.all(np.diff(quantised[order]) >= 0.0)
    np.testing.assert_array_equal(therapy.quantise_effects(quantised), quantised)


def test_denosumab_regimen_states_keep_rankl_neutralisation_partial():
    # D-CARE time-averaged RANKL neutralisation is about 0.97-0.995: the states must not treat it as complete
    means = therapy.step_effects(named_strategy("denosumab_dcare"), step_days=STEP_DAYS)
    rankl = means[:, TARGETS.index("rankl_neutralisation")]
    quantised = therapy.quantise_effects(rankl)
    assert rankl.max() > 0.96
    assert quantised.max() < 1.0
    assert np.all((quantised == 0.0) == (rankl < therapy.EFFECT_FLOOR))


# ------------------------------------------------------------------------------------------------ antagomiR-222/223


def dormant_branch(er_status, niche, *, mir_factor=1.0):
    """Fate rates of a dormant-prepared cell in a marrow niche at D = I = 0, with the miR input times a factor."""
    sets = resolve_parameters(None)
    values = sets[SET_NAME].values()
    remodelling = PivonkaParameters.from_set(sets["pivonka2008"])
    coupling = sets["bone_lifetime"].values()
    bone = bone_grid(remodelling, coupling, np.zeros(1))
    model = load_switch(er_status)
    estrogen = 0.0 if er_status == "negative" else coupling["premenopausal_estrogen_signal"]
    inputs = niche_inputs(model, values, niche, bone={k: v[0, 0] for k, v in bone.items()}, estrogen=estrogen)
    inputs = inputs[np.newaxis]
    inputs[:, model.wiring.inputs.index("MIR222_223")] *= mir_factor
    reference = {name: values[f"niche_endosteal__{name}"] for name in NICHE_LEVEL_INPUTS}
    prepared = {k: v for k, v in {**reference, **DORMANT_PREPARATION}.items() if v}
    start = steady_states(model, model.inputs(prepared), 0.0)
    return fate_rates(model, steady_states(model, inputs, start))


@pytest.mark.parametrize("er_status", ["negative", "positive"])
@pytest.mark.parametrize("niche", ["endosteal", "perivascular_stable", "other_marrow"])
def test_a_dormant_cell_deprived_of_the_msc_mir_cycles_more(er_status, niche):
    with_mir = dormant_branch(er_status, niche)
    without = dormant_branch(er_status, niche, mir_factor=0.1)
    assert without["quiescence_exit_rate"][0] > 1.3 * with_mir["quiescence_exit_rate"][0]
    # it cycles more, so chemotherapy (which kills cycling cells only) reaches more of it; it does not survive better
    assert without["proliferation_rate"][0] > with_mir["proliferation_rate"][0]
    assert without["apoptosis_rate"][0] >= with_mir["apoptosis_rate"][0]


def test_the_mir_reaches_the_p38_erk_core_beyond_a_cdk46_brake():
    # a brake on CDK4/6 alone can raise the exit rate by at most 1/(1 - w f(u)) when removed; where the cell's ERK
    # is active (other marrow) the CXCL12 route [60] adds to it through the core
    values = load_registry().sets["switch_er_negative"].values()
    level = resolve_parameters(None)[SET_NAME].values()["niche_other_marrow__MIR222_223"]
    weight = values["weight__MIR222_223_inhibits_CDK46"]
    hill, threshold = values["hill_coefficient"], values["hill_threshold"]
    brake_only = (1.0 - weight * normalised_hill(0.1 * level, hill, threshold)) / (
        1.0 - weight * normalised_hill(level, hill, threshold)
    )
    with_mir = dormant_branch("negative", "other_marrow")
    without = dormant_branch("negative", "other_marrow", mir_factor=0.1)
    assert without["quiescence_exit_rate"][0] / with_mir["quiescence_exit_rate"][0] > 1.1 * brake_only


@pytest.mark.slow
def test_antagomir_raises_awakening_in_every_marrow_niche_and_not_in_other_organs():
    sets = resolve_parameters(None)
    base = tabulate(sets, cache=therapy.DEFAULT_CACHE).rates
    treated = tabulate(sets, {"mir222_223_blockade": 0.9}, cache=therapy.DEFAULT_CACHE).rates
    exit_ratio = np.exp(treated[..., 0] - base[..., 0])
    death_ratio = treated[..., 1] / base[..., 1]
    for k, niche in enumerate(NICHE_NAMES):
        if niche in ("endosteal", "perivascular_stable", "other_marrow"):
            assert np.all(exit_ratio[:, :, k] > 1.3), niche
            assert np.all(death_ratio[:, :, k] > 1.0 - 1e-9), niche
        else:  # no MSC exosomes at sprouting tips (no mural coverage yet) or in other organs
            np.testing.assert_allclose(exit_ratio[:, :, k], 1.0, rtol=1e-6, err_msg=niche)
