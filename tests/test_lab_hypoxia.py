"""Hypoxia protocols: intermittent hypoxia raises invasion, prolonged hypoxia lowers LIFR (against normoxia)."""

import pytest

from dormancy.lab import run_protocol
from dormancy.lab.hypoxia import end_of_exposure

FAST = {"cells": 600, "clones": 12, "regrowth_days": 2.0, "max_cells_exported": 20}
SEEDS = (1, 2, 3)


@pytest.mark.parametrize("seed", SEEDS)
def test_intermittent_hypoxia_raises_invasion(seed):
    ends = end_of_exposure(run_protocol("hypoxia-intermittent", seed=seed, options=FAST))
    assert ends.loc["hypoxia", "invasion"] > 1.5 * ends.loc["normoxia", "invasion"]
    assert ends.loc["hypoxia", "loxl2"] > ends.loc["normoxia", "loxl2"]


@pytest.mark.parametrize("seed", SEEDS)
def test_prolonged_hypoxia_lowers_lifr(seed):
    ends = end_of_exposure(run_protocol("hypoxia-prolonged", seed=seed, options=FAST))
    assert ends.loc["hypoxia", "lifr"] < 0.5 * ends.loc["normoxia", "lifr"]


def test_longer_prolonged_hypoxia_lowers_lifr_further():
    lifr = [
        end_of_exposure(run_protocol("hypoxia-prolonged", seed=1, options={**FAST, "hours": hours})).loc[
            "hypoxia", "lifr"
        ]
        for hours in (6.0, 24.0, 48.0)
    ]
    assert lifr[0] > lifr[1] > lifr[2]


def test_chronic_anoxia_impairs_regrowth_after_reoxygenation():
    ends = end_of_exposure(run_protocol("hypoxia-chronic", seed=2, options=FAST))
    assert ends.loc["hypoxia", "regrowth_fold_change"] < ends.loc["normoxia", "regrowth_fold_change"]
    assert ends.loc["hypoxia", "ki67_fraction"] < ends.loc["normoxia", "ki67_fraction"]


def test_the_o2_input_uses_the_niche_mapping():
    from dormancy.lab.dish import switch_inputs
    from dormancy.signalling import load_switch

    model = load_switch("negative")
    column = model.wiring.inputs.index("O2")
    for percent in (0.0, 0.5, 4.5, 8.0, 18.6):
        row = switch_inputs(model, {"O2": percent}, 1)[0]
        # niche: field mmHg / 760 mmHg per fraction → oxygen_activity; % / 100 is the same fraction
        mmhg = percent / 100.0 * 760.0
        assert row[column] == pytest.approx(float(model.oxygen_activity(mmhg / 760.0)))
    assert switch_inputs(model, {"O2": 4.5}, 1)[0][column] == pytest.approx(0.5)
