"""Fuzz suite (hypothesis) over every input surface: YAML text, scenario, niche, trial and lab inputs, CLI flags,
dosing schedules and checkpoints.

What every example asserts: the input is either accepted or refused with an :class:`dormancy.InputError` (on the
command line: exit code 0 or 2, a one-line ``error:`` message per problem, no traceback), within a stated time,
and nothing is written when it is refused. The examples are derandomised (``tests/conftest.py``), so every run
draws the same ones; the sizes below total 760 examples (20-30 s on one shared core).
"""

import contextlib
import functools
import json
import math
import time

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import dormancy
from dormancy.cli import app
from dormancy.inputs import parse_yaml

runner = CliRunner()

#: Longest a refused or accepted input may take to be judged (validation only, nothing runs), seconds.
BOUND_S = 5.0

HOSTILE_SCALARS = [
    "!!float abc",
    "!!int xyz",
    "!!timestamp zz",
    "!!bool maybe",
    "!!binary ***",
    "!!python/object:os.system x",
    "!!str",
    "2024-02-30",
    "2024-01-01",
    ".inf",
    "-.inf",
    ".nan",
    "1e400",
    "-1e400",
    "0x1F",
    "0o17",
    "1_000",
    "~",
    "null",
    "yes",
    "[[[[",
    "]]",
    "{a: 1",
    "*undefined",
    "&a",
    "'",
    '"\\x"',
    "- - -",
    "? complex",
    "<<: {}",
    "%YAML 1.1",
    "---",
    "...",
    "\t",
    "1" * 400,
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
json_like = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def judged(call, *args, **kwargs):
    """Call; return the value or None when it raised InputError; fail on any other exception or a slow answer."""
    started = time.perf_counter()
    try:
        return call(*args, **kwargs)
    except dormancy.InputError as error:
        assert error.problems and all(problem.field for problem in error.problems)
        return None
    finally:
        assert time.perf_counter() - started < BOUND_S


def mutate(data, path, value):
    """Return a deep copy of ``data`` with ``value`` at the key path (created where missing)."""
    copy = json.loads(json.dumps(data))
    target = copy
    for key in path[:-1]:
        if not isinstance(target.get(key), dict):
            target[key] = {}
        target = target[key]
    target[path[-1]] = value
    return copy


def field_paths(data, prefix=()):
    paths = []
    for key, value in data.items():
        paths.append((*prefix, key))
        if isinstance(value, dict):
            paths.extend(field_paths(value, (*prefix, key)))
    return paths


SCENARIO = dormancy.builtin_scenario("komarova_ensemble").to_dict()
NICHE = dormancy.niche.default_niche_scenario().to_dict()
TRIAL = dormancy.trials.load_design("abcsg18").to_dict()


# YAML text -------------------------------------------------------------------------------------------------------


@settings(max_examples=120)
@given(st.text(max_size=300))
def test_any_text_parses_to_plain_data_or_an_input_error(text):
    data = judged(parse_yaml, text, source="fuzz.yaml")
    assert data is None or isinstance(data, dict | list | str | int | float | bool)


@settings(max_examples=60)
@given(st.lists(st.sampled_from(HOSTILE_SCALARS), min_size=1, max_size=4), st.sampled_from(field_paths(SCENARIO)))
def test_hostile_scalars_in_a_scenario_file_exit_0_or_2(tmp_path_factory, values, path):
    folder = tmp_path_factory.mktemp("fuzz")
    text = yaml.safe_dump(mutate(SCENARIO, path, "PLACEHOLDER"), sort_keys=False)
    text = text.replace("PLACEHOLDER", " ".join(values), 1)
    (folder / "s.yaml").write_text(text)
    started = time.perf_counter()
    result = runner.invoke(app, ["validate", str(folder / "s.yaml")])
    assert time.perf_counter() - started < BOUND_S
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert all(line.startswith(f"error: {folder / 's.yaml'}: ") for line in result.stderr.splitlines())
    assert sorted(p.name for p in folder.iterdir()) == ["s.yaml"]


# scenario, niche, trial and lab data -----------------------------------------------------------------------------


@settings(max_examples=80)
@given(st.sampled_from(field_paths(SCENARIO)), json_like)
def test_scenario_fields_take_anything(path, value):
    scenario = judged(dormancy.scenario_from_dict, mutate(SCENARIO, path, value))
    if scenario is not None:
        assert scenario.save.dt_days <= scenario.save.t_end_days
        assert math.isfinite(scenario.solver.atol) and math.isfinite(scenario.save.dt_days)


@settings(max_examples=80)
@given(st.sampled_from(field_paths(NICHE)), json_like)
def test_niche_fields_take_anything(path, value):
    scenario = judged(dormancy.niche.niche_scenario_from_dict, mutate(NICHE, path, value))
    if scenario is not None:
        assert scenario.steps <= dormancy.niche.scenario.MAX_STEPS


@settings(max_examples=80)
@given(st.sampled_from(field_paths(TRIAL)), json_like)
def test_trial_fields_take_anything(path, value):
    judged(dormancy.trials.trial_from_dict, mutate(TRIAL, path, value))


LAB_OPTIONS = sorted(
    (name, option)
    for name in dormancy.lab.protocol_names()
    for option in dormancy.lab.PROTOCOLS[name].spec.model_fields
)


@settings(max_examples=80)
@given(st.sampled_from(LAB_OPTIONS), st.one_of(st.text(max_size=12), st.sampled_from(["nan", "inf", "-inf", "1e400"])))
def test_lab_set_options_take_any_text(choice, text):
    name, option = choice
    spec = judged(dormancy.lab.validate_options, name, {option: text})
    if spec is not None:
        values = [v for v in spec.model_dump().values() if isinstance(v, float)]
        assert all(math.isfinite(v) for v in values)


# flags and schedules ---------------------------------------------------------------------------------------------


@settings(max_examples=80)
@given(
    st.one_of(
        st.text(max_size=40),
        st.builds(
            ":".join,
            st.lists(
                st.sampled_from(["zoledronic_acid", "denosumab", "4mg", "60mg", "q6mo", "q1e-9d", "qd", "once", "x6"])
                | st.text(max_size=6),
                min_size=1,
                max_size=5,
            ),
        ),
    )
)
def test_dosing_schedules_parse_or_are_refused(text):
    schedule = judged(dormancy.pkpd.parse_schedule, text)
    if schedule is not None and schedule.interval_days is not None:
        assert schedule.interval_days >= 1.0 / 24.0


FLAG_CASES = [
    ["bone", "--years"],
    ["bone", "--age"],
    ["bone", "--bmi"],
    ["cohort", "--patients"],
    ["cohort", "--years"],
    ["cohort", "--scheduler"],
    ["switch", "--days"],
    ["switch", "--input"],
    ["trial", "abcsg18", "--replicates"],
    ["lab", "run", "coculture-indirect", "--set"],
]


@settings(max_examples=50)
@given(st.sampled_from(FLAG_CASES), st.text(min_size=1, max_size=12).filter(lambda t: not t.startswith("-")))
def test_cli_flag_values_exit_2_before_running_anything(tmp_path_factory, case, value):
    # Every command is given a destination it must refuse (a folder that is not ours), so nothing runs: the value
    # is judged by option parsing and the checks before the run, which must never raise.
    folder = tmp_path_factory.mktemp("flags")
    (folder / "mine").mkdir()
    (folder / "mine" / "thesis.tex").write_text("years of work")
    destination = ["--out", str(folder / "mine"), "--overwrite"]
    if case[0] == "switch":
        destination = ["--scan", "NOT_AN_INPUT", "0", "1"]
    started = time.perf_counter()
    result = runner.invoke(app, [*case, value, *destination])
    assert time.perf_counter() - started < BOUND_S
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["mine"]
    assert (folder / "mine" / "thesis.tex").read_text() == "years of work"


READ_ONLY_CASES = [
    ["cite"],
    ["params", "--set"],
    ["params", "--grep"],
    ["scenarios", "--show"],
    ["sbml"],
    ["lab", "list", "--options", "--"],
    ["trial"],
    ["validate"],
]


@settings(max_examples=40)
@given(st.sampled_from(READ_ONLY_CASES), st.text(min_size=1, max_size=16).filter(lambda t: not t.startswith("-")))
def test_commands_that_only_read_take_any_argument(tmp_path_factory, case, value):
    folder = tmp_path_factory.mktemp("readonly")
    started = time.perf_counter()
    with contextlib.chdir(folder):
        result = runner.invoke(app, [*case, value], env={"COLUMNS": "200"})
    assert time.perf_counter() - started < BOUND_S
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    assert list(folder.iterdir()) == []


# checkpoints -----------------------------------------------------------------------------------------------------


@functools.cache
def niche_model():
    return dormancy.niche.build_niche_model(
        dormancy.niche.default_niche_scenario(domain={"size_um": 300.0}, days=0.25, dtc={"count": 10})
    )


@pytest.mark.slow
@settings(max_examples=40)
@given(st.binary(max_size=2_000), st.sampled_from(["raw", "zip_prefix", "npz_of"]))
def test_any_file_given_as_a_checkpoint_is_refused_cleanly(tmp_path_factory, payload, form):
    path = tmp_path_factory.mktemp("checkpoint") / "c.npz"
    if form == "raw":
        path.write_bytes(payload)
    elif form == "zip_prefix":
        path.write_bytes(b"PK\x03\x04" + payload)
    else:
        np.savez(path, format=np.array(dormancy.niche.simulator.CHECKPOINT_FORMAT), fields=np.frombuffer(payload, "u1"))
    started = time.perf_counter()
    with pytest.raises(dormancy.InputError) as caught:
        dormancy.niche.simulator.load_checkpoint(path, niche_model())
    assert time.perf_counter() - started < BOUND_S
    assert caught.value.problems[0].field == "resume"


# valid on paper must run: a scenario that validates completes within a bound, with a status ----------------------

positive = st.floats(min_value=1e-300, max_value=1e300, allow_nan=False, allow_infinity=False)


@pytest.mark.slow
@settings(max_examples=50)
@given(
    t_end=st.one_of(positive, st.floats(min_value=1e-3, max_value=200.0), st.floats(min_value=1e-3, max_value=200.0)),
    dt=st.one_of(positive, st.floats(min_value=1e-2, max_value=10.0), st.floats(min_value=1e-2, max_value=10.0)),
    rtol=st.one_of(positive, st.floats(min_value=1e-12, max_value=0.5)),
    atol=st.one_of(positive, st.floats(min_value=1e-14, max_value=1.0)),
    max_step=st.one_of(st.none(), positive, st.floats(min_value=1e-2, max_value=100.0)),
    parameter_set=st.sampled_from(["komarova2003", "ayati2010"]),
)
def test_a_scenario_that_validates_runs_to_a_status_in_bounded_time(t_end, dt, rtol, atol, max_step, parameter_set):
    data = {
        "name": "fuzz",
        "seed": 1,
        "model": {"kind": "komarova", "parameter_set": parameter_set},
        "save": {"t_end_days": t_end, "dt_days": dt},
        "solver": {"rtol": rtol, "atol": atol, "max_step_days": max_step},
    }
    scenario = judged(dormancy.scenario_from_dict, data)
    if scenario is None or scenario.save.t_end_days / scenario.save.dt_days > 20_000:
        return  # refused, or valid but too long a grid for a fuzz example (the bound is tested in test_hardening)
    started = time.perf_counter()
    result = dormancy.simulate(scenario)
    assert time.perf_counter() - started < 20.0
    assert set(result.status) <= {status.value for status in dormancy.Status}
