"""Intravital time-lapse: a small niche run observed every frame (every table + figure: test_lab_protocols)."""

import numpy as np
import pandas as pd

from dormancy.lab import run_protocol


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
