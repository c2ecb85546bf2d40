"""Dormancy has memory: the p38/ERK switch is bistable, so entry and escape happen at different input levels."""

import numpy as np
import pytest

from dormancy.params import load_registry
from dormancy.signalling.analysis import hysteresis
from dormancy.signalling.model import SwitchModel, is_dormant, steady_states
from dormancy.signalling.switch import integrate_batch

NICHE = {"O2": 0.8, "NUTRIENTS": 0.6, "ESTROGEN": 0.5}
PREPARE = {"dormant_niche": {"TGFB2": 1.0}, "proliferating_niche": {"TGFB1": 1.0}}


@pytest.fixture(scope="module", params=["switch_er_negative", "switch_er_positive"])
def model(request):
    return SwitchModel.from_parameter_set(load_registry().sets[request.param])


def test_escape_threshold_of_fibronectin_lies_above_its_entry_threshold(model):
    scan = hysteresis(model, "FIBRONECTIN", np.linspace(0.0, 1.0, 81), niche={**NICHE, "TGFB2": 0.57}, **PREPARE)
    assert scan.dormant_from_dormant[0] and not scan.dormant_from_dormant[-1]
    assert scan.dormant_from_proliferating[0] and not scan.dormant_from_proliferating[-1]
    escape = scan.threshold("dormant")  # a dormant cell wakes at this much integrin signalling
    entry = scan.threshold("proliferating")  # below this a cycling cell falls dormant
    assert escape > entry + 0.1, (escape, entry)
    window = scan.values[scan.bistable]
    assert window.min() >= entry and window.max() < escape


def test_tgfb2_must_fall_further_to_wake_a_cell_than_it_must_rise_to_put_it_to_sleep(model):
    scan = hysteresis(model, "TGFB2", np.linspace(0.0, 1.0, 81), niche={**NICHE, "FIBRONECTIN": 0.6}, **PREPARE)
    wakes_below = scan.threshold("dormant")  # the dormant branch is awake at 0 and dormant from here on
    sleeps_from = scan.threshold("proliferating")
    assert not scan.dormant_from_dormant[0] and scan.dormant_from_dormant[-1]
    assert sleeps_from > wakes_below + 0.1, (sleeps_from, wakes_below)


def test_a_brief_pulse_does_not_wake_a_dormant_cell_but_a_sustained_one_does(model):
    niche = {**NICHE, "TGFB2": 0.57, "FIBRONECTIN": 0.7}
    deep = steady_states(model, model.inputs({**NICHE, "TGFB2": 0.57, **PREPARE["dormant_niche"]}), 0.0)
    dormant = steady_states(model, model.inputs(niche), deep)
    assert is_dormant(model, dormant)[0]
    awake_after = {}
    for hours in (1.0, 48.0):
        pulse = model.inputs({**niche, "FIBRONECTIN": 1.0})
        during = integrate_batch(model.wiring, model.kinetics, dormant, pulse, np.array([0.0, hours])).states[-1]
        after = steady_states(model, model.inputs(niche), during)
        awake_after[hours] = not is_dormant(model, after)[0]
    assert awake_after == {1.0: False, 48.0: True}
