"""Intravital time-lapse (a small niche run observed every frame), and table + figure for every lab-B protocol."""

import json

import numpy as np
import pandas as pd
import pytest

from dormancy.lab import PROTOCOLS, run_protocol, save_lab_result
from dormancy.lab.protocol import quick_options

LAB_B = ("spheroid-3d", "bone-on-chip", "bone-explant", "mouse-syngeneic", "mouse-xenograft", "intravital")


def test_tracks_follow_every_cell_frame_by_frame_inside_the_window():
    options = {"days": 0.5, "window_um": 200.0, "dtcs": 6, "frame_hours": 3.0}
    result = run_protocol("intravital", seed=4, options=options)
    tracks = result.table
    assert sorted(tracks["time_hours"].unique()) == [3.0, 6.0, 9.0, 12.0]  # the bolus arrives in the first step
    assert set(tracks["state"]) <= {"proliferating", "dormant"}
    assert tracks[["x_um", "y_um"]].apply(lambda c: c.between(0.0, 200.0)).all().all()
    assert not tracks.duplicated(["cell", "time_hours"]).any()
    first = tracks[tracks["time_hours"] == 3.0]
    assert 1 <= len(first) <= 12  # six arrived; at most one division each in three hours
    assert (first["distance_to_vessel_um"] > 0.0).all() and (first["niche"] != "").all()
    steps = tracks.sort_values("time_hours").groupby("cell")[["x_um", "y_um"]].diff().dropna()
    assert (np.hypot(steps["x_um"], steps["y_um"]) > 0).any()  # cells move
    final = result.cells
    assert set(final["id"]) == set(tracks.loc[tracks["time_hours"] == 12.0, "cell"])
    again = run_protocol("intravital", seed=4, options=options)
    pd.testing.assert_frame_equal(tracks, again.table)


@pytest.mark.parametrize("name", LAB_B)
def test_every_lab_b_protocol_writes_its_table_figure_and_manifest(name, tmp_path):
    assert name in PROTOCOLS
    result = run_protocol(name, seed=1, options=quick_options(name))
    assert quick_options(name)  # each has a quick option set
    assert result.status == "ok" and len(result.table) > 0
    folder = save_lab_result(result, tmp_path / name)
    table = pd.read_csv(folder / "readouts.csv")
    assert len(table) == len(result.table)
    assert (folder / "figure.png").stat().st_size > 10_000
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["scenario"]["protocol"] == name and manifest["seed"] == 1
    records = {record["name"] for record in manifest["parameters"]}
    assert any(record.startswith("lab_in_vivo.") or record.startswith("niche_agents.") for record in records)
    assert result.cells is not None and any(c.startswith("node_") for c in result.cells.columns)
