"""dormancy.run_switch / scan_switch: the command line's switch in one call, returning xarray (issue 20)."""

import re

import numpy as np
import pytest
from typer.testing import CliRunner

import dormancy
from dormancy.cli import app


def test_run_switch_matches_the_command_line():
    data = dormancy.run_switch({"TGFB2": 0.8, "O2": 0.01}, days=3)
    printed = CliRunner().invoke(app, ["switch", "--input", "TGFB2=0.8", "--input", "O2=0.01", "--days", "3"]).output
    for key in ("proliferation_rate", "quiescence_entry_rate", "apoptosis_rate"):
        cli_value = float(re.search(rf"^{key}: (\S+)", printed, flags=re.MULTILINE).group(1))
        assert float(data[key]) == pytest.approx(cli_value, rel=1e-3)
    assert f"fate after 3 days: {data.attrs['fate']}" in printed


def test_run_switch_keeps_the_default_niche_and_reads_o2_as_a_fraction():
    data = dormancy.run_switch({"O2": 0.01}, days=1)
    model = dormancy.signalling.load_switch("negative")
    assert data.attrs["input_O2"] == pytest.approx(0.01 / model.oxygen_reference_fraction)
    for name, value in dormancy.signalling.DEFAULT_NICHE.items():
        if name != "O2":
            assert data.attrs[f"input_{name}"] == value  # not 0, as model.inputs() would give
    assert data["time"].attrs["units"] == "day"
    assert data["time"][-1] == pytest.approx(1.0)
    assert data.sizes["time"] == 25  # hourly
    assert data["activity"].attrs["units"].startswith("activity")
    assert float(data["activity"].min()) >= 0.0 and float(data["activity"].max()) <= 1.0
    assert data["proliferation_rate"].attrs["units"] == "1/day"


def test_niche_changes_the_fate():
    asleep = dormancy.run_switch({"TGFB2": 1.0}, days=14)
    awake = dormancy.run_switch({"TGFB1": 1.0, "TGFB2": 0.0}, days=14, start="proliferating")
    assert asleep.attrs["fate"] == "dormant"
    assert awake.attrs["fate"] == "proliferating"
    assert float(awake["proliferation_rate"]) > 10 * float(asleep["proliferation_rate"])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"inputs": {"NOPE": 0.5}}, "input NOPE"),
        ({"inputs": {"TGFB2": 1.5}}, "input TGFB2"),
        ({"inputs": {"O2": 2.0}}, "inputs['O2']"),
        ({"days": 0}, "days"),
        ({"start": "awake"}, "start"),
        ({"er": "unknown"}, "er"),
    ],
)
def test_bad_arguments_name_the_field(kwargs, field):
    with pytest.raises(dormancy.InputError) as caught:
        dormancy.run_switch(**kwargs)
    assert field in caught.value.render()


def test_scan_switch_finds_the_memory_window_of_the_command_line():
    data = dormancy.scan_switch("FIBRONECTIN", 0.0, 1.0, points=11, inputs={"TGFB2": 0.57})
    assert data.sizes["level"] == 11
    assert bool(data["bistable"].any())
    window = data["level"].values[data["bistable"].values]
    assert data.attrs["window_low"] == window.min() and data.attrs["window_high"] == window.max()
    assert np.all(data["dormant_from_dormant"].values[:1])  # dormant at the low end
    assert data["proliferation_rate_from_dormant"].attrs["units"] == "1/day"
