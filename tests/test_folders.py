"""dormancy.load reads every kind of result folder; dormancy.to_anndata exports cells from any source (issue 20)."""

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import dormancy
from dormancy.cli import app

runner = CliRunner()

SMALL = """\
format: dormancy.scenario
version: 1
name: small
seed: 5
model: {kind: komarova, parameter_set: komarova2003}
save: {t_end_days: 20, dt_days: 2}
ensemble: {replicates: 2, sample: [resorption_rate]}
"""

TINY_TRIAL = """\
format: dormancy-trial
version: 1
name: tiny
screening: {candidates_per_enrolled: 1.0}
enrolment: {target: 8}
arms:
  - {name: zoledronic, strategy: zoledronic_acid_azure}
  - {name: observation, strategy: null}
control_arm: observation
follow_up: {min_years: 1.0, max_years: 1.0}
analysis: {endpoints: [dfs], primary_endpoint: dfs, horizon_years: 1.0}
"""


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_scenario_run_loads_with_its_result(in_tmp):
    (in_tmp / "my.yaml").write_text(SMALL)
    assert runner.invoke(app, ["run", "my.yaml", "--out", "run"]).exit_code == 0
    folder = dormancy.load("run")
    assert folder.kind == "scenario"
    assert folder.manifest["seed"] == 5
    assert len(folder.tables["table"]) == 2
    assert folder.result.timeseries["bone_mass"].dims == ("entity", "time")
    assert folder.timeseries is folder.result.timeseries


def test_a_cohort_loads_as_its_patient_table(in_tmp):
    arguments = ["cohort", "--patients", "40", "--years", "2", "--seed", "3", "--out", "c"]
    assert runner.invoke(app, arguments).exit_code == 0
    folder = dormancy.load(in_tmp / "c")
    assert folder.kind == "cohort"
    patients = folder.tables["patients"]
    assert len(patients) == 40 and {"er_positive", "recurred"} <= set(patients.columns)
    assert "cohort" in repr(folder)


def test_a_lab_folder_loads_and_its_cells_go_to_anndata(in_tmp):
    options = dormancy.lab.PROTOCOLS["hypoxia-intermittent"].quick
    result = dormancy.lab.run_protocol("hypoxia-intermittent", seed=1, options=options)
    dormancy.lab.save_lab_result(result, in_tmp / "hx")
    folder = dormancy.load(in_tmp / "hx")
    assert folder.kind == "lab"
    pd.testing.assert_frame_equal(folder.tables["readouts"], result.table, check_dtype=False)
    from_folder = folder.to_anndata()
    from_result = dormancy.to_anndata(result)
    assert from_folder.n_obs == from_result.n_obs == len(result.cells)
    assert list(from_folder.var_names) == list(from_result.var_names)
    np.testing.assert_allclose(from_folder.X, from_result.X)
    assert from_folder.uns["source"]["kind"] == "lab"


@pytest.mark.slow
def test_a_niche_folder_loads_with_timeseries_and_cells(in_tmp):
    spec = dormancy.niche.default_niche_scenario(domain={"size_um": 200.0}, days=0.25, dtc={"count": 20}, seed=2)
    run = dormancy.niche.run_niche(dormancy.niche.build_niche_model(spec))
    dormancy.niche.save_niche_run(run, in_tmp / "n")
    folder = dormancy.load(in_tmp / "n")
    assert folder.kind == "niche"
    assert folder.timeseries.sizes["time_days"] == 2  # the start and the end of the run
    adata = dormancy.to_anndata(folder)
    assert adata.n_obs == len(folder.tables["cells"]) > 0
    assert "MKI67" in adata.var_names


@pytest.mark.slow
def test_a_trial_folder_loads_every_csv(in_tmp):
    (in_tmp / "tiny.yaml").write_text(TINY_TRIAL)
    assert runner.invoke(app, ["trial", "tiny.yaml", "--replicates", "1", "--out", "t"]).exit_code == 0
    folder = dormancy.load("t")
    assert folder.kind == "trial"
    assert set(folder.tables) == {p.stem for p in (in_tmp / "t").glob("*.csv")}
    assert "patients" in folder.tables
    with pytest.raises(dormancy.InputError, match="niche or lab folder with cells"):
        folder.to_anndata()


@pytest.mark.parametrize("make", ["missing", "empty", "file"])
def test_anything_else_is_refused_naming_the_path(in_tmp, make):
    target = in_tmp / "x"
    if make == "empty":
        target.mkdir()
    elif make == "file":
        target.write_text("not a folder")
    with pytest.raises(dormancy.InputError, match="a result folder written by dormancy"):
        dormancy.load(target)
