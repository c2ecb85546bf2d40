"""The lab protocol interface: option validation, registration, atomic saving."""

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from pydantic import BaseModel, ConfigDict, Field

from dormancy.errors import InputError
from dormancy.lab import PROTOCOLS, LabResult, Protocol, lab_manifest, register, run_protocol, save_lab_result


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: int = Field(7, ge=1, le=60, description="Duration (d).")


def _run(spec, seed):
    table = pd.DataFrame({"condition": ["x"], "readout": ["days"], "value": [float(spec.days)], "unit": ["d"]})
    return LabResult("toy", table, lab_manifest("toy", spec, seed, parameters=[]))


def _figure(result):
    figure = Figure()
    figure.add_subplot().plot(result.table["value"])
    return figure


@pytest.fixture
def toy(monkeypatch):
    protocol = Protocol("toy", "a toy", "none", ("review:61",), _Options, _run, _figure)
    monkeypatch.setitem(PROTOCOLS, "toy", protocol)
    return protocol


def test_options_are_converted_and_recorded(toy):
    result = run_protocol("toy", seed=3, options={"days": "5"})
    assert result.table["value"].tolist() == [5.0]
    assert result.manifest.scenario == {"protocol": "toy", "options": {"days": 5}}
    assert result.manifest.seed == 3


@pytest.mark.parametrize(
    ("options", "field", "allowed"),
    [({"days": 0}, "days", "greater than or equal to 1"), ({"dayz": 1}, "dayz", "one of the options days")],
)
def test_a_bad_option_names_the_field_and_what_is_allowed(toy, options, field, allowed):
    with pytest.raises(InputError) as caught:
        run_protocol("toy", seed=0, options=options)
    (problem,) = caught.value.problems
    assert problem.field == field
    assert allowed in problem.expected


def test_an_unknown_protocol_or_seed_is_an_input_error(toy):
    with pytest.raises(InputError, match=r"protocol: expected one of .*toy"):
        run_protocol("no-such", seed=0)
    for seed in (-1, 1.5, True, "3"):
        with pytest.raises(InputError, match="seed"):
            run_protocol("toy", seed=seed)
    assert run_protocol("toy", seed=np.int64(2)).manifest.seed == 2


def test_registering_a_second_protocol_under_a_taken_name_fails(toy):
    with pytest.raises(ValueError, match="already registered"):
        register(Protocol("toy", "another", "none", (), _Options, _run, _figure))


def test_save_writes_everything_or_nothing(toy, tmp_path):
    result = run_protocol("toy", seed=1)
    folder = save_lab_result(result, tmp_path / "out")
    assert sorted(p.name for p in folder.iterdir()) == ["figure.png", "manifest.json", "readouts.csv"]
    assert json.loads((folder / "manifest.json").read_text())["seed"] == 1
    with pytest.raises(FileExistsError):
        save_lab_result(result, folder)

    def broken(_result):
        raise RuntimeError("figure failed")

    PROTOCOLS["toy"] = Protocol("toy", "a toy", "none", (), _Options, _run, broken)
    with pytest.raises(RuntimeError):
        save_lab_result(result, tmp_path / "second")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
