"""Ex vivo bone explant: living bone cells hold DTCs dormant until the explant's short lifespan runs out."""

import numpy as np
import pytest

from dormancy.lab.explant import ExplantOptions, explant_inputs, run_explant
from dormancy.lab.tissue import lab_parameters
from dormancy.signalling import load_switch


def test_an_explant_has_no_immune_signals_and_loses_its_bone_factors_with_viability():
    switch, values = load_switch("negative"), lab_parameters().values()
    column = switch.wiring.inputs.index
    depth = np.array([0.0, 100.0, 500.0])
    fresh = explant_inputs(switch, depth, 1.0, ExplantOptions(medium_o2_percent=5.0), values)
    dead = explant_inputs(switch, depth, 0.0, ExplantOptions(), values)
    assert np.all(fresh[:, column("NK_CYTOKINES")] == 0.0) and np.all(fresh[:, column("TSP1")] == 0.0)
    assert fresh[0, column("TGFB2")] == pytest.approx(values["explant_bone_factors"])
    assert np.all(dead[:, column("TGFB2")] == 0.0) and np.all(dead[:, column("GAS6")] == 0.0)
    assert np.all(dead[:, column("TGFB1")] == fresh[:, column("TGFB1")])  # matrix TGF-β1 outlives the cells
    assert np.all(np.diff(fresh[:, column("O2")]) < 0)  # no circulation: oxygen only from the cut faces


def _value(result, condition, readout, day):
    table = result.table
    rows = table[(table["condition"] == condition) & (table["readout"] == readout) & (table["time_days"] == day)]
    return rows["value"].item()


@pytest.mark.parametrize("seed", [0, 1])
def test_living_bone_holds_dtcs_dormant_and_releases_them_as_the_explant_dies(seed):
    result = run_explant(ExplantOptions(days=14.0, simulated_cells=80, step_hours=24.0), seed)
    living, dead = "living explant", "devitalised explant"
    assert _value(result, living, "dormant_fraction", 4.0) > _value(result, dead, "dormant_fraction", 4.0) + 0.3
    assert _value(result, living, "dormant_fraction", 14.0) < _value(result, living, "dormant_fraction", 4.0) - 0.3
    assert _value(result, living, "fold_change", 14.0) < _value(result, dead, "fold_change", 14.0)
    tau = lab_parameters().values()["explant_viability_time"]
    assert _value(result, living, "bone_cell_viability", 7.0) == pytest.approx(np.exp(-7.0 / tau))
