"""Mouse models: immune-intact mice hold bone DTCs dormant longer than immunodeficient ones; cohort bookkeeping."""

import numpy as np
import pandas as pd
import pytest

from dormancy.lab import run_protocol
from dormancy.lab.mouse import HOSTS, MouseXenograftOptions, kaplan_meier, niche_inputs
from dormancy.lab.tissue import lab_parameters
from dormancy.params import load_registry
from dormancy.signalling import load_switch


def _times(result):
    table = result.table
    return table[table["readout"] == "time_to_bone_metastasis_days"].set_index("mouse")


@pytest.mark.parametrize("seed", [0, 1])
def test_immune_intact_mice_hold_dtcs_dormant_longer_than_immunodeficient_ones(seed):
    # 8 weeks: with MSC exosomal miR-222/223 in every marrow niche (not only the endosteal one) bone DTCs wake more
    # slowly, and in 6 weeks too few mice of either kind had a metastasis to tell the hosts apart
    options = {"mice": 6, "weeks": 8.0, "injected_cells": 60_000}
    intact = run_protocol("mouse-syngeneic", seed=seed, options=options)
    nsg = run_protocol("mouse-xenograft", seed=seed, options=options)
    intact_km, nsg_km = kaplan_meier(intact.table), kaplan_meier(nsg.table)

    def free_at(curve, day):
        return curve.loc[curve["time_days"] <= day, "metastasis_free"].iloc[-1]

    assert free_at(intact_km, 42.0) > free_at(nsg_km, 42.0)
    assert _times(intact)["value"].median() > _times(nsg)["value"].median()
    # common random numbers: the same mice received the same bone DTCs; fewer escaped in the intact hosts
    foci = {
        name: result.table.query("readout == 'tumour_cells_at_sacrifice'")["value"].sum()
        for name, result in (("intact", intact), ("nsg", nsg))
    }
    assert foci["intact"] < foci["nsg"]


def test_only_hosts_with_nk_cells_read_nk_cytokines_and_the_niches_differ():
    switch = load_switch("negative")
    values = {**load_registry().sets["patients_natural_history"].values(), **lab_parameters().values()}
    column = switch.wiring.inputs.index("NK_CYTOKINES")
    spec = MouseXenograftOptions()
    levels = {host: niche_inputs(switch, "endosteal", host, spec, values)[column] for host in HOSTS}
    assert levels["syngeneic"] == levels["nude"] == values["mouse_nk_cytokines"] > 0.0 == levels["nsg"]
    stable = niche_inputs(switch, "perivascular_stable", "nsg", spec, values)
    sprouting = niche_inputs(switch, "perivascular_sprouting", "nsg", spec, values)
    assert stable[switch.wiring.inputs.index("TSP1")] > 0.0 == sprouting[switch.wiring.inputs.index("TSP1")]


def test_a_mouse_depends_only_on_the_seed_and_its_index():
    options = {"weeks": 2.0, "injected_cells": 20_000, "delivery": "orthotopic-resection", "resection_day": 10.0}
    small = run_protocol("mouse-xenograft", seed=9, options={**options, "mice": 2}).table
    large = run_protocol("mouse-xenograft", seed=9, options={**options, "mice": 4}).table
    pd.testing.assert_frame_equal(small, large[large["mouse"] < 2].reset_index(drop=True))


def test_bioluminescence_detection_and_the_time_to_detection_agree():
    result = run_protocol("mouse-xenograft", seed=2, options={"mice": 4, "weeks": 5.0, "injected_cells": 60_000})
    table, values = result.table, lab_parameters().values()
    images = table[table["readout"] == "bli_photons_per_s"]
    assert sorted(images["time_days"].unique()) == [0.0, 7.0, 14.0, 21.0, 28.0, 35.0]
    assert ((images["value"] >= values["bli_detection_floor"]) == (images["event"] == 1.0)).all()
    for mouse, row in _times(result).iterrows():
        hits = images[(images["mouse"] == mouse) & (images["event"] == 1.0)]
        if row["event"] == 1.0:
            assert row["value"] == hits["time_days"].min()
        else:
            assert hits.empty and row["value"] == 35.0


def test_kaplan_meier_is_the_product_limit_estimate():
    table = pd.DataFrame(
        {
            "condition": "c",
            "readout": "time_to_bone_metastasis_days",
            "value": [7.0, 14.0, 14.0, 21.0, 28.0],
            "event": [1.0, 1.0, 0.0, 1.0, 0.0],
        }
    )
    curve = kaplan_meier(table).set_index("time_days")
    assert curve.loc[7.0, "metastasis_free"] == pytest.approx(4 / 5)
    assert curve.loc[14.0, "metastasis_free"] == pytest.approx(4 / 5 * 3 / 4)
    assert curve.loc[21.0, "metastasis_free"] == pytest.approx(4 / 5 * 3 / 4 * 1 / 2)
    assert curve.loc[28.0, "metastasis_free"] == pytest.approx(np.prod([4 / 5, 3 / 4, 1 / 2]))


def test_orthotopic_seeding_stops_at_resection_and_grows_with_the_primary():
    options = {"delivery": "orthotopic-resection", "mice": 3, "weeks": 4.0, "resection_day": 14.0}
    result = run_protocol("mouse-xenograft", seed=1, options={**options, "injected_cells": 2_000_000})
    arrivals = result.cells["arrival_day"]
    assert len(arrivals) > 20 and arrivals.max() < 14.0
    assert (arrivals >= 7.0).sum() > (arrivals < 7.0).sum()  # a growing primary seeds faster later
