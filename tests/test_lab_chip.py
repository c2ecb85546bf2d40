"""Bone-on-a-chip: signals by distance from the endothelium, and stable versus sprouting vasculature [55]."""

import numpy as np
import pytest

from dormancy.lab.chip import ChipOptions, chip_inputs, run_chip
from dormancy.lab.tissue import lab_parameters
from dormancy.signalling import load_switch


def test_oxygen_and_endothelial_factors_fall_with_distance_from_the_vessel():
    switch, values = load_switch("negative"), lab_parameters().values()
    column = switch.wiring.inputs.index
    distance = np.array([0.0, 50.0, 200.0, 600.0, 1000.0])
    stable = chip_inputs(switch, distance, ChipOptions(perfusate_o2_percent=5.0), values)
    assert np.all(np.diff(stable[:, column("O2")]) < 0)
    assert np.all(np.diff(stable[:, column("TSP1")]) < 0)
    assert stable[0, column("TSP1")] == pytest.approx(values["chip_tsp1_at_vessel"])
    assert np.all(stable[:, column("POSTN")] == 0.0)
    sprouting = chip_inputs(switch, distance, ChipOptions(vessel="sprouting"), values)
    assert np.all(sprouting[:, column("TSP1")] == 0.0)
    assert sprouting[0, column("POSTN")] > sprouting[-1, column("POSTN")]
    assert np.all(sprouting[:, column("NK_CYTOKINES")] == 0.0)  # no immune cells on the chip


def _near(result, readout, day):
    table = result.table
    rows = table[(table["readout"] == readout) & (table["region"] == "near vessel") & (table["time_days"] == day)]
    return rows["value"].item()


@pytest.mark.parametrize("seed", [0, 1])
def test_a_stable_endothelium_keeps_nearby_dtcs_dormant_and_sprouting_tips_wake_them(seed):
    options = dict(days=10.0, simulated_cells=100)
    stable = run_chip(ChipOptions(vessel="stable", **options), seed)
    sprouting = run_chip(ChipOptions(vessel="sprouting", **options), seed)
    # about 15 of the 100 followed cells are near the vessel: margins allow for that sample
    assert _near(stable, "dormant_fraction", 3.0) > _near(sprouting, "dormant_fraction", 3.0) + 0.25
    assert _near(stable, "dormant_fraction", 10.0) > _near(sprouting, "dormant_fraction", 10.0) + 0.15
    assert _near(sprouting, "fold_change", 10.0) > 2.0 * _near(stable, "fold_change", 10.0)


def test_readouts_cover_both_regions_every_day():
    result = run_chip(ChipOptions(days=3.0, simulated_cells=60), 4)
    table = result.table
    assert sorted(table["time_days"].unique()) == [0.0, 1.0, 2.0, 3.0]
    assert set(table["region"]) == {"near vessel", "far from vessel"}
    fractions = table[table["readout"].isin(["dormant_fraction", "proliferating_fraction"])]["value"]
    assert fractions.between(0.0, 1.0).all()
    cells = result.cells
    assert (cells["x_um"].between(0.0, 1000.0)).all() and "node_CDK46" in cells.columns
