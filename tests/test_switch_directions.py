"""The dormancy switch on the package network: each direction the review states, per ER status."""

import numpy as np
import pytest

from dormancy.errors import InputError
from dormancy.params import load_registry
from dormancy.signalling import load_network
from dormancy.signalling.model import SwitchModel, fate_rates, is_dormant, steady_states

#: A permissive marrow niche: near-normoxic, fed, fibronectin-rich; the cell cycles slowly from here.
NICHE = {"O2": 0.8, "NUTRIENTS": 0.6, "FIBRONECTIN": 0.6, "ESTROGEN": 0.5}
SETS = ("switch_er_negative", "switch_er_positive")


@pytest.fixture(scope="module", params=SETS)
def model(request):
    return SwitchModel.from_parameter_set(load_registry().sets[request.param])


def settle(model, **changes):
    inputs = model.inputs({**NICHE, **changes})
    state = steady_states(model, inputs, 0.0)
    return {name: state[0, i] for i, name in enumerate(model.wiring.internal)}, fate_rates(model, state), state


def test_the_network_has_every_required_node():
    network = load_network()
    required_inputs = {
        "TGFB2",
        "BMP7",
        "GAS6",
        "WNT5A",
        "O2",
        "TSP1",
        "POSTN",
        "TGFB1",
        "IL1B",
        "ESTROGEN",
        "FIBRONECTIN",
        "OSTEOCLAST_FACTORS",
        "NK_CYTOKINES",
        "MIR222_223",
        "NUTRIENTS",
    }
    required_internal = {
        "TGFBR3",
        "P38",
        "ERK",
        "MSK1",
        "P53",
        "DEC2",
        "NR2F1",
        "HIF1A",
        "P27",
        "CDK46",
        "MTOR",
        "AMPK",
        "AUTOPHAGY",
        "LIFR_STAT3",
        "BCATENIN",
        "PDL1",
    }
    required_drugs = {
        "EVEROLIMUS",
        "HYDROXYCHLOROQUINE",
        "CDK46_INHIBITOR",
        "HDAC_INHIBITOR",
        "NR2F1_AGONIST",
        "P38_MODULATOR",
    }
    assert required_inputs <= set(network.names("input"))
    assert required_internal <= set(network.internal)
    assert required_drugs <= set(network.names("drug"))
    assert all(edge.sources for edge in network.edges)


@pytest.mark.parametrize("signal", ["TGFB2", "BMP7"])
def test_tgfb2_or_bmp7_raise_p38_over_erk_and_make_the_cell_dormant(model, signal):
    base_nodes, _, base_state = settle(model)
    nodes, rates, state = settle(model, **{signal: 0.9})
    assert nodes["P38"] / (nodes["ERK"] + 1e-12) > 10 * base_nodes["P38"] / (base_nodes["ERK"] + 1e-12)
    assert nodes["P38"] > nodes["ERK"]
    assert is_dormant(model, state)[0]
    assert rates["proliferation_rate"][0] < 0.1 * fate_rates(model, base_state)["proliferation_rate"][0]


def test_hypoxia_raises_nr2f1_and_p27_lowers_cdk46():
    changes = {}
    for set_name in SETS:
        model = SwitchModel.from_parameter_set(load_registry().sets[set_name])
        normoxic, _, _ = settle(model)
        hypoxic, rates, state = settle(model, O2=0.05)
        assert hypoxic["HIF1A"] > normoxic["HIF1A"] + 0.3
        assert hypoxic["NR2F1"] > normoxic["NR2F1"]
        assert hypoxic["P27"] > normoxic["P27"]
        assert hypoxic["CDK46"] < normoxic["CDK46"]
        assert is_dormant(model, state)[0]
        changes[set_name] = (hypoxic["NR2F1"] - normoxic["NR2F1"], rates["proliferation_rate"][0])
    # more so in ER+ DTCs [31, 66-69]: a larger NR2F1 response and slower residual proliferation
    assert changes["switch_er_positive"][0] > changes["switch_er_negative"][0]
    assert changes["switch_er_positive"][1] < changes["switch_er_negative"][1]


@pytest.mark.parametrize("signal", ["IL1B", "POSTN", "TGFB1", "OSTEOCLAST_FACTORS"])
def test_escape_signals_push_a_dormant_cell_towards_cycling(model, signal):
    dormant_niche = {"TGFB2": 0.3}
    before, before_rates, _ = settle(model, **dormant_niche)
    after, after_rates, _ = settle(model, **dormant_niche, **{signal: 0.9})
    assert after["CDK46"] > before["CDK46"]
    net_exit = after_rates["quiescence_exit_rate"] - after_rates["quiescence_entry_rate"]
    assert net_exit[0] > (before_rates["quiescence_exit_rate"] - before_rates["quiescence_entry_rate"])[0]


@pytest.mark.parametrize("signal", ["TGFB1", "OSTEOCLAST_FACTORS"])
def test_strong_escape_signals_wake_the_cell(model, signal):
    _, _, state = settle(model, **{signal: 0.9})
    assert not is_dormant(model, state)[0]


def test_everolimus_and_hydroxychloroquine_kill_dormant_cells_with_positive_bliss_excess(model):
    dormant = {"TGFB2": 0.9}
    days = 14.0

    def fraction_killed(**drugs):
        _, rates, state = settle(model, **dormant, **drugs)
        assert is_dormant(model, state)[0]
        return rates["apoptosis_rate"][0]

    untreated = fraction_killed()
    everolimus = fraction_killed(EVEROLIMUS=0.9)
    hydroxychloroquine = fraction_killed(HYDROXYCHLOROQUINE=0.9)
    both = fraction_killed(EVEROLIMUS=0.9, HYDROXYCHLOROQUINE=0.9)
    assert everolimus > untreated and hydroxychloroquine > untreated
    assert both > max(everolimus, hydroxychloroquine)

    def affected(rate):  # fraction of dormant cells killed over 14 days beyond the untreated loss
        return 1.0 - np.exp(-(rate - untreated) * days)

    expected = affected(everolimus) + affected(hydroxychloroquine) - affected(everolimus) * affected(hydroxychloroquine)
    assert affected(both) - expected > 0.0


def test_cdk46_inhibitor_halts_proliferation_without_killing(model):
    _, base, _ = settle(model)
    _, treated, _ = settle(model, CDK46_INHIBITOR=0.9)
    assert treated["proliferation_rate"][0] < 0.2 * base["proliferation_rate"][0]
    assert treated["apoptosis_rate"][0] == pytest.approx(base["apoptosis_rate"][0], rel=0.01)


def test_hdac_inhibitor_raises_lifr_and_pushes_towards_dormancy(model):
    base_nodes, base_rates, _ = settle(model)
    nodes, rates, _ = settle(model, HDAC_INHIBITOR=0.9)
    assert nodes["LIFR_STAT3"] > base_nodes["LIFR_STAT3"]
    assert nodes["P27"] > base_nodes["P27"] and nodes["CDK46"] < base_nodes["CDK46"]
    assert rates["quiescence_entry_rate"][0] > base_rates["quiescence_entry_rate"][0]


def test_bad_inputs_are_named(model):
    with pytest.raises(InputError) as caught:
        model.inputs({"O3": 0.5, "O2": 1.5})
    fields = {problem.field for problem in caught.value.problems}
    assert fields == {"input O3", "input O2"}
