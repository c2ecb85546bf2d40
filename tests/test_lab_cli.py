"""``dormancy lab list | run``: a table of protocols; readouts, figure and manifest; one message per bad option."""

import json

import anndata
import pandas as pd
import pytest
from typer.testing import CliRunner

from dormancy.cli import app
from dormancy.lab import PROTOCOLS

runner = CliRunner()
QUICK = ["--set", "cells=300", "--set", "clones=8", "--set", "step-hours=2", "--set", "chemotherapy_hours=12"]


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_list_shows_every_protocol():
    result = runner.invoke(app, ["lab", "list"])
    assert result.exit_code == 0
    for name in PROTOCOLS:
        assert name in result.output
    with_options = runner.invoke(app, ["lab", "list", "--options"])
    assert with_options.exit_code == 0
    assert "msc-ratio = '1:1'" in with_options.output


def test_run_writes_readouts_figure_manifest_and_cells(in_tmp):
    arguments = ["lab", "run", "coculture-indirect", "--msc-ratio", "1:1", "--days", "2", "--seed", "4"]
    result = runner.invoke(app, [*arguments, *QUICK, "--out", "run", "--anndata"])
    assert result.exit_code == 0, result.output
    folder = in_tmp / "run"
    assert {p.name for p in folder.iterdir()} >= {"readouts.csv", "figure.png", "manifest.json", "cells.h5ad"}
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 4
    assert manifest["scenario"]["options"]["msc_ratio"] == "1:1"
    assert manifest["scenario"]["options"]["days"] == 2.0
    assert manifest["scenario"]["options"]["cells"] == 300
    table = pd.read_csv(folder / "readouts.csv")
    assert {"condition", "time_days", "readout", "value", "unit"} <= set(table.columns)
    assert "dormancy_score" in anndata.read_h5ad(folder / "cells.h5ad").obs


@pytest.mark.parametrize(
    ("arguments", "named", "allowed"),
    [
        (["coculture-indirect", "--msc-ratio", "one to one"], "msc_ratio", "a ratio 'A:B'"),
        (["hypoxia-prolonged", "--days", "3"], "days", "one of the options"),
        (["coculture-direct", "--set", "stroma=bone"], "stroma", "'msc' or 'osteoblast'"),
        (["coculture-direct", "--set", "days=-1"], "days", "greater than or equal to 0.5"),
        (["coculture-direct", "--set", "daze"], "--set", "KEY=VALUE"),
        (["no-such-protocol"], "protocol", "coculture-direct"),
    ],
)
def test_a_bad_option_exits_2_with_one_message_and_writes_nothing(in_tmp, arguments, named, allowed):
    result = runner.invoke(app, ["lab", "run", *arguments, "--out", "run"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output
    assert named in lines[0] and allowed in lines[0]
    assert "Traceback" not in result.output
    assert not (in_tmp / "run").exists()


def test_an_existing_folder_is_not_replaced_without_overwrite(in_tmp):
    (in_tmp / "run").mkdir()
    result = runner.invoke(app, ["lab", "run", "hypoxia-cyclic", "--out", "run"])
    assert result.exit_code == 2
    assert "--out" in result.output
