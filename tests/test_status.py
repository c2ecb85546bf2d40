"""One status vocabulary across scales: every scale's outcome is a member of dormancy.Status, failures are data."""

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel, ConfigDict

import dormancy
from dormancy.lab import PROTOCOLS, Protocol, run_protocol, save_lab_result
from dormancy.niche import simulator
from dormancy.niche.model import build_niche_model
from dormancy.niche.scenario import default_niche_scenario
from dormancy.results import Status
from dormancy.signalling.compiled import CELL_NONFINITE, CELL_OK, CELL_STATUSES, CELL_TOO_MANY_STEPS

VALUES = {status.value for status in Status}


def test_kernel_codes_map_onto_the_enumeration():
    assert CELL_STATUSES[CELL_OK] is Status.OK
    assert CELL_STATUSES[CELL_TOO_MANY_STEPS] is Status.TOO_MANY_STEPS
    assert CELL_STATUSES[CELL_NONFINITE] is Status.NONFINITE
    assert set(dormancy.patients.natural_history.STATUS_CODES) <= VALUES
    assert set(dormancy.lab.protocol.STATUSES) == VALUES


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _raises(spec, seed):
    raise ZeroDivisionError("division by zero in the toy model")


@pytest.fixture
def failing(monkeypatch):
    protocol = Protocol("failing", "a toy", "none", ("review:61",), _Options, _raises, lambda result: None)
    monkeypatch.setitem(PROTOCOLS, "failing", protocol)
    return protocol


def test_a_lab_run_whose_model_raises_is_a_result_with_a_status_and_is_saved(failing, tmp_path):
    result = run_protocol("failing", seed=1)
    assert result.status == Status.MODEL_ERROR and result.message.startswith("ZeroDivisionError")
    folder = save_lab_result(result, tmp_path / "lab")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["settings"]["lab_status"] == "model_error"
    assert "ZeroDivisionError" in manifest["settings"]["lab_message"]
    assert (folder / "figure.png").stat().st_size > 1_000


def test_a_lab_result_refuses_a_status_outside_the_vocabulary():
    result = dormancy.lab.LabResult("x", pd.DataFrame(), dormancy.lab.lab_manifest("x", _Options(), 0, parameters=[]))
    assert result.status == "ok"
    with pytest.raises(ValueError, match="status must be one of"):
        replace(result, status="exploded")


@pytest.fixture(scope="module")
def niche_model():
    return build_niche_model(default_niche_scenario(domain={"size_um": 300.0}, days=0.25, dtc={"count": 20}))


def test_a_niche_run_carries_its_status(niche_model, tmp_path):
    run = simulator.run_niche(niche_model)
    assert run.status == Status.OK and run.message == "" and run.timeseries.attrs["status"] == "ok"
    folder = simulator.save_niche_run(run, tmp_path / "niche")
    assert json.loads((folder / "manifest.json").read_text())["settings"]["status"] == "ok"


def test_a_niche_run_whose_fields_blow_up_stops_with_nonfinite_and_is_saved(niche_model, tmp_path, monkeypatch):
    real_step = simulator.step

    def poisoned(state, model, index):
        following = real_step(state, model, index)
        if following.step >= 3:
            following = replace(following, fields=np.full_like(following.fields, np.nan))
        return following

    monkeypatch.setattr(simulator, "step", poisoned)
    run = simulator.run_niche(niche_model)
    assert run.status == Status.NONFINITE and "after step 3" in run.message
    assert run.state.step == 2 and np.isfinite(run.state.fields).all()
    folder = simulator.save_niche_run(run, tmp_path / "niche")
    settings = json.loads((folder / "manifest.json").read_text())["settings"]
    assert settings["status"] == "nonfinite" and settings["steps"] == 2


def test_a_niche_step_that_raises_is_recorded_as_model_error(niche_model, monkeypatch):
    def broken(state, model, index):
        raise FloatingPointError("overflow in the toy step")

    monkeypatch.setattr(simulator, "step", broken)
    run = simulator.run_niche(niche_model)
    assert run.status == Status.MODEL_ERROR and "FloatingPointError" in run.message
    assert run.state.step == 0
