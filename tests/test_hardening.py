"""Regression tests of issue 19: every reproducer exits 0 or 2 with a field-named message, or completes with a status.

Each test is one reproducer from the hostile-user report: a user's folder under ``--overwrite``, a failing
replicate, tracebacks from the loaders, inputs valid on paper but broken in the run, bad flags and leftovers.
"""

import json
import os

import pytest
from typer.testing import CliRunner

import dormancy
from dormancy.cli import app

runner = CliRunner()

SCENARIO = """\
format: dormancy.scenario
version: 1
name: small
seed: 5
model: {kind: komarova, parameter_set: komarova2003}
save: {t_end_days: 20, dt_days: 2}
"""

TRIAL = """\
format: dormancy-trial
version: 1
name: tiny
title: "tiny"
population: {}
care: {chemotherapy: risk_based, endocrine_years: 5.0}
eligibility: {years_since_diagnosis: [0.0, 0.5]}
enrolment: {target: 10}
arms:
  - {name: control, strategy: null, ratio: 1}
  - {name: drug, strategy: denosumab_abcsg18, ratio: 1}
control_arm: control
follow_up: {min_years: 1.0, max_years: 2.0}
analysis: {endpoints: [dfs], primary_endpoint: dfs}
"""

ALIAS_BOMB = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)),
        "description: *i",
    ]
)


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(args, *, expect):
    """Run the CLI; check the exit code, no traceback and no stray exception (no wall-clock bound: see no_runs)."""
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == expect, result.output
    assert "Traceback" not in result.output
    if expect == 2:
        assert result.stderr.lstrip("\n").startswith("error: ")
    return result


@pytest.fixture
def no_runs(monkeypatch):
    """Make every simulation entry point of the command line fail the test: what is judged "before anything
    runs" is checked by what is called, not by a wall-clock bound (which a loaded machine breaks)."""

    def ran(*args, **kwargs):
        raise AssertionError("a simulation ran before the input was judged")

    for module, names in (
        (dormancy.trials, ("run_trial", "run_trial_posterior", "power_by_size")),
        (dormancy.patients, ("simulate_cohort", "stream_cohort", "simulate_cohort_posterior")),
    ):
        for name in names:
            monkeypatch.setattr(module, name, ran)


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


# --overwrite never deletes a user's folder ---------------------------------------------------------------------


def _user_folder(path):
    path.mkdir()
    (path / "manifest.json").write_text("{}")
    (path / "keep.txt").write_text("x")


@pytest.mark.parametrize(
    "args",
    [
        ["cohort", "--patients", "20", "--years", "1", "--out", "p", "--overwrite"],
        ["run", "s.yaml", "--out", "p", "--overwrite"],
        ["lab", "run", "coculture-indirect", "--days", "1", "--out", "p", "--overwrite"],
        ["trial", "t.yaml", "--replicates", "1", "--out", "p", "--overwrite"],
    ],
    ids=["cohort", "run", "lab", "trial"],
)
def test_overwrite_never_replaces_a_folder_that_merely_has_a_manifest(in_tmp, args):
    (in_tmp / "s.yaml").write_text(SCENARIO)
    (in_tmp / "t.yaml").write_text(TRIAL)
    _user_folder(in_tmp / "p")
    result = invoke(args, expect=2)
    assert "--out" in result.stderr and "not a dormancy result folder" in result.stderr
    assert (in_tmp / "p" / "keep.txt").read_text() == "x"
    assert listing(in_tmp) == ["p", "s.yaml", "t.yaml"]


def test_overwrite_replaces_a_folder_this_package_wrote(in_tmp):
    args = ["cohort", "--patients", "20", "--years", "1", "--out", "p"]
    invoke(args, expect=0)
    manifest = json.loads((in_tmp / "p" / "manifest.json").read_text())
    assert (manifest["format_name"], manifest["format_version"]) == ("dormancy.result", 1)
    invoke([*args, "--overwrite"], expect=0)
    assert listing(in_tmp) == ["p"]


@pytest.mark.parametrize("out", [".", ".."])
def test_overwrite_refuses_the_current_folder(in_tmp, out):
    (in_tmp / "manifest.json").write_text(json.dumps({"format_name": "dormancy.result", "format_version": 1}))
    result = invoke(["cohort", "--patients", "20", "--years", "1", "--out", out, "--overwrite"], expect=2)
    assert "--out" in result.stderr and "current folder" in result.stderr
    assert listing(in_tmp) == ["manifest.json"]


# failure is data -------------------------------------------------------------------------------------------------


def test_a_replicate_whose_model_raises_is_recorded_and_the_batch_completes():
    symbols = [record.symbol for record in dormancy.load_registry().sets["ayati2010"]]
    scenario = dormancy.scenario_from_dict(
        {
            "name": "ayati-priors",
            "seed": 3,
            "model": {"kind": "komarova", "parameter_set": "ayati2010"},
            "save": {"t_end_days": 10, "dt_days": 1},
            "ensemble": {"replicates": 9, "sample": symbols},
        }
    )
    result = dormancy.simulate(scenario)
    assert len(result.table) == 9
    assert result.table.loc[8, "status"] == dormancy.Status.MODEL_ERROR
    assert result.table.loc[8, "message"].startswith("OverflowError")
    assert (result.status == "ok").sum() >= 6


def test_a_trial_nobody_can_enter_is_refused_at_validation(in_tmp):
    text = TRIAL.replace("{years_since_diagnosis: [0.0, 0.5]}", "{er_status: positive, subtypes: [TN]}")
    (in_tmp / "t.yaml").write_text(text)
    result = invoke(["trial", "t.yaml", "--replicates", "1", "--out", "r"], expect=2)
    assert "eligibility.subtypes" in result.stderr and "nobody is eligible" in result.stderr
    assert listing(in_tmp) == ["t.yaml"]


@pytest.mark.slow
def test_a_trial_that_enrols_nobody_is_under_enrolled_with_a_report(tmp_path):
    eligibility = (
        "{years_since_diagnosis: [0.0, 0.1], menopausal_status: pre, dtc_status: positive, t_stages: [T3],"
        " n_stages: [N10+], subtypes: [TN]}"
    )
    text = TRIAL.replace("{years_since_diagnosis: [0.0, 0.5]}", eligibility)
    text = text.replace("enrolment: {target: 10}", "enrolment: {target: 2}\nscreening: {candidates_per_enrolled: 1}")
    spec = dormancy.trials.trial_from_text(text)
    result = dormancy.trials.run_trial(spec, seed=1, replicates=2)
    assert result.status == dormancy.Status.UNDER_ENROLLED
    assert list(result.screening["status"]) == ["under-enrolled"] * 2
    assert result.patients.empty and result.summary().empty
    folder = dormancy.trials.write_report(result, tmp_path / "report")
    assert (folder / "report.html").is_file()


# loaders: one message naming file and field ---------------------------------------------------------------------


LOADER_CASES = {
    "impossible_date": ("2024-02-30", "expected a"),
    "float_tag": ("!!float abc", "expected a number; found 'abc'"),
    "int_tag": ("!!int xyz", "expected an integer; found 'xyz'"),
    "timestamp_tag": ("!!timestamp zz", "expected"),
    "python_tag": ("!!python/object:os.system echo", "no custom tags"),
    "infinite": (".inf", "expected"),
}


@pytest.mark.parametrize("case", sorted(LOADER_CASES))
def test_bad_scalars_name_the_field(in_tmp, case):
    value, message = LOADER_CASES[case]
    (in_tmp / "s.yaml").write_text(SCENARIO.replace("seed: 5", f"seed: {value}"))
    result = invoke(["validate", "s.yaml"], expect=2)
    assert result.stderr.startswith("error: s.yaml: seed: ") and message in result.stderr


@pytest.mark.parametrize("case", sorted(LOADER_CASES))
def test_bad_scalars_in_trial_and_niche_files_name_the_field(tmp_path, case):
    value, message = LOADER_CASES[case]
    trial = tmp_path / "t.yaml"
    trial.write_text(TRIAL.replace("target: 10", f"target: {value}"))
    with pytest.raises(dormancy.InputError) as caught:
        dormancy.trials.load_trial(trial)
    assert str(caught.value).startswith(f"{trial}: enrolment.target: ") and message in str(caught.value)
    niche = tmp_path / "n.yaml"
    niche.write_text(f"format: dormancy.niche-scenario\nversion: 1\ndays: {value}\n")
    with pytest.raises(dormancy.InputError) as caught:
        dormancy.niche.load_niche_scenario(niche)
    assert str(caught.value).startswith(f"{niche}: days: ") and message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 3000 + "]" * 3000, "levels of nesting"),
        ("{a: " * 3000 + "1" + "}" * 3000, "levels of nesting"),
        (ALIAS_BOMB, "aliases expanded"),
        ("a: &a [*a]\n", "levels of nesting"),
        ("a: 1\na: 2\n", "each key once"),
        ("a: 1\n---\nb: 2\n", "valid YAML"),
        ("x: " + "y" * 1_100_000, "at most 1,000,000"),
    ],
    ids=["brackets", "braces", "alias_bomb", "recursive_alias", "duplicate_key", "two_documents", "too_big"],
)
def test_hostile_files_are_refused_quickly_by_all_three_loaders(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    for load in (dormancy.load_scenario, dormancy.niche.load_niche_scenario, dormancy.trials.load_trial):
        # refused by the loader's guard (the message names the limit), so nothing was expanded or built
        with pytest.raises(dormancy.InputError) as caught:
            load(path)
        assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)
        assert len(str(caught.value)) < 400  # the expanded value is never rendered


def test_the_alias_bomb_under_description_is_refused_by_validate(in_tmp):
    (in_tmp / "s.yaml").write_text(SCENARIO + ALIAS_BOMB.replace("description: *i", "") + "\ndescription: *i\n")
    result = invoke(["validate", "s.yaml"], expect=2)
    assert "aliases expanded" in result.stderr


def test_dates_are_text_and_the_schema_decides(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO + "description: 2024-01-01\n")
    assert dormancy.load_scenario(path).description == "2024-01-01"


# valid on paper, broken in the run: validate says no -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ("save: {t_end_days: 1.0e-9}", "save.t_end_days"),
        ("save: {t_end_days: 20, dt_days: 30}", "save.dt_days"),
        ("solver: {atol: .inf}", "solver.atol"),
        ("save: {t_end_days: 20, dt_days: .inf}", "save.dt_days"),
        ("solver: {max_step_days: 1.0e-300}", "solver.max_step_days"),
        ("ensemble: {replicates: 100000}\nsave: {t_end_days: 20000, dt_days: 1}", "ensemble.replicates"),
    ],
)
def test_infeasible_scenarios_fail_validation(in_tmp, change, field):
    text = SCENARIO.replace("save: {t_end_days: 20, dt_days: 2}\n", "") + change + "\n"
    (in_tmp / "s.yaml").write_text(text)
    result = invoke(["validate", "s.yaml"], expect=2)
    assert f"s.yaml: {field}: " in result.stderr


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"dt_hours": 1e-9}, "dt_hours"),
        ({"dtc": {"seeding": "trickle", "per_day": 1e6}}, "dtc.per_day"),
        ({"dtc": {"count": 10_000_000}}, "dtc.count"),
        ({"domain": {"size_um": 100, "spacing_um": 10}}, "domain.size_um"),
        ({"days": float("inf")}, "days"),
    ],
)
def test_infeasible_niche_scenarios_exit_2_before_running(in_tmp, change, field):
    data = {"format": "dormancy.niche-scenario", "version": 1, **change}
    (in_tmp / "n.yaml").write_text(json.dumps(data).replace("Infinity", ".inf"))
    result = invoke(["niche", "--scenario", "n.yaml", "--out", "o"], expect=2)
    assert f"n.yaml: {field}: " in result.stderr
    assert listing(in_tmp) == ["n.yaml"]


# flags -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["switch", "--scan", "TGFB2", "nan", "1"], "--scan LOW HIGH"),
        (["switch", "--scan", "TGFB2", "0", "inf"], "--scan LOW HIGH"),
        (["bone", "--years", "1", "--out", "b.txt"], "--out"),
        (["bone", "--years", "1", "--out", "."], "--out"),
        (["sbml", "komarova2003", "--out", "/dev/null/m.xml"], "--out"),  # a parent that cannot be made
        (["sbml", "komarova2003", "--out", "."], "--out"),
        (["bone", "--years", "1", "--drug", "zoledronic_acid:4mg:q1e-9d"], "--drug zoledronic_acid: interval"),
        (["bone", "--years", "80", "--drug", "zoledronic_acid:4mg:q1h"], "--drug zoledronic_acid:4mg:q1h"),
        (["cohort", "--patients", "20", "--out", "c", "--scheduler", "garbage"], "--scheduler"),
        (["cohort", "--patients", "20", "--out", "c", "--dashboard"], "--dashboard"),
        (["cohort", "--patients", "20", "--years", "1", "--out", ".", "--overwrite"], "--out"),
    ],
)
def test_bad_flags_exit_2_naming_the_flag_and_write_nothing(in_tmp, no_runs, args, field):
    result = invoke(args, expect=2)
    assert f"error: {field}" in result.stderr
    assert listing(in_tmp) == []


@pytest.mark.parametrize(
    "content",
    [b"not a checkpoint", b"PK\x03\x04 broken zip", b"\x93NUMPY\x01\x00garbage"],
    ids=["text", "bad_zip", "bad_npy"],
)
def test_resume_from_a_file_that_is_not_a_checkpoint_exits_2(in_tmp, content):
    (in_tmp / "n.yaml").write_text("format: dormancy.niche-scenario\nversion: 1\ndays: 1\ndomain: {size_um: 300}\n")
    (in_tmp / "c.npz").write_bytes(content)
    result = invoke(["niche", "--scenario", "n.yaml", "--resume", "c.npz", "--out", "o"], expect=2)
    assert "resume: expected a readable niche checkpoint" in result.stderr
    assert listing(in_tmp) == ["c.npz", "n.yaml"]


def test_a_checkpoint_missing_arrays_exits_2(in_tmp):
    import numpy as np

    (in_tmp / "n.yaml").write_text("format: dormancy.niche-scenario\nversion: 1\ndays: 1\ndomain: {size_um: 300}\n")
    np.savez(in_tmp / "c.npz", format=np.array(dormancy.niche.simulator.CHECKPOINT_FORMAT))
    result = invoke(["niche", "--scenario", "n.yaml", "--resume", "c.npz", "--out", "o"], expect=2)
    assert "resume: expected" in result.stderr


# leftovers and services ------------------------------------------------------------------------------------------


def test_run_writes_its_figure_inside_the_result_folder(in_tmp):
    (in_tmp / "s.yaml").write_text(SCENARIO)
    invoke(["run", "s.yaml", "--out", "r"], expect=0)
    assert listing(in_tmp) == ["r", "s.yaml"]
    assert "figure.png" in listing(in_tmp / "r")


def test_a_local_cluster_binds_no_dashboard_unless_asked(in_tmp, monkeypatch):
    import distributed

    seen = []

    class Refused(Exception):
        pass

    def fake_cluster(**options):
        seen.append(options)
        raise Refused

    monkeypatch.setattr(distributed, "LocalCluster", fake_cluster)
    for extra, dashboard in (([], None), (["--dashboard"], "127.0.0.1:8787")):
        result = runner.invoke(app, ["cohort", "--patients", "20", "--out", "c", "--workers", "2", *extra])
        assert isinstance(result.exception, Refused)
        assert seen[-1]["host"] == "127.0.0.1" and seen[-1]["dashboard_address"] == dashboard
    assert seen[0]["scheduler_kwargs"] == {"dashboard_address": "127.0.0.1:0"}  # no port 8787, loopback only


def test_a_local_clusters_thread_counts_reach_its_workers_before_they_start_and_leave_this_process_as_it_was(
    monkeypatch,
):
    import os

    import dask
    import distributed

    from dormancy.distributed import local_cluster

    seen = {}

    def fake_cluster(**options):  # as distributed's nannies do: the pre-spawn environment goes into os.environ
        spawn = {name: str(value) for name, value in dask.config.get("distributed.nanny.pre-spawn-environ").items()}
        seen.update(spawn, env=options["env"])
        os.environ.update(spawn)
        return "cluster"

    monkeypatch.setattr(distributed, "LocalCluster", fake_cluster)
    monkeypatch.setenv("NUMBA_NUM_THREADS", "7")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert local_cluster(2, threads_per_worker=1) == "cluster"
    assert seen["NUMBA_NUM_THREADS"] == "1" and seen["OMP_NUM_THREADS"] == "1"
    assert "MALLOC_TRIM_THRESHOLD_" in seen  # distributed's own pre-spawn settings are kept
    assert os.environ["NUMBA_NUM_THREADS"] == "7" and "OMP_NUM_THREADS" not in os.environ


def test_stale_temporary_folders_of_a_killed_save_are_removed_by_the_next_save(in_tmp):
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    stale = in_tmp / f".p.tmp-{child.pid}-{'0' * 32}"
    stale.mkdir()
    (stale / "half.parquet").write_bytes(b"x")
    invoke(["cohort", "--patients", "20", "--years", "1", "--out", "p"], expect=0)
    assert listing(in_tmp) == ["p"]
    assert not any(name.startswith(".") for name in os.listdir(in_tmp))


# validate reads every file format --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expect", "said"),
    [
        ("format: dormancy.niche-scenario\nversion: 1\ndomain: {size_um: 300}\n", 0, "valid — niche scenario"),
        ("format: dormancy.niche-scenario\nversion: 1\ndomain: {size_um: 150, spacing_um: 30}\n", 2, "x.yaml: domain"),
        ("format: dormancy.niche-scenario\nversion: 1\ndt_hours: 1.0e-9\n", 2, "x.yaml: dt_hours"),
        (TRIAL, 0, "valid — trial 'tiny'"),
        (TRIAL.replace("target: 10", "target: .nan"), 2, "x.yaml: enrolment.target"),
        (SCENARIO, 0, "valid — scenario 'small'"),
    ],
    ids=["niche", "niche_no_vessel", "niche_steps", "trial", "trial_nan", "scenario"],
)
def test_validate_judges_niche_and_trial_files_too(in_tmp, text, expect, said):
    (in_tmp / "x.yaml").write_text(text)
    result = invoke(["validate", "x.yaml"], expect=expect)
    assert said in (result.stdout if expect == 0 else result.stderr)


def test_a_niche_run_keeps_its_frames_next_to_the_result_and_clears_those_of_killed_runs(in_tmp):
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    stale = in_tmp / f".o.tmp-{child.pid}-{'1' * 32}"
    stale.mkdir()
    (stale / "frame_00000.png").write_bytes(b"x")
    (in_tmp / "n.yaml").write_text("format: dormancy.niche-scenario\nversion: 1\ndays: 0.1\ndomain: {size_um: 300}\n")
    result = invoke(["niche", "--scenario", "n.yaml", "--out", "o"], expect=0)
    assert "wrote o" in result.stdout
    assert listing(in_tmp) == ["n.yaml", "o"]
    manifest = json.loads((in_tmp / "o" / "manifest.json").read_text())
    assert manifest["format_name"] == "dormancy.result" and manifest["settings"]["status"] == "ok"


@pytest.mark.parametrize("content", ["huge_header", "junk"])
def test_a_mask_file_is_checked_before_it_is_read(tmp_path, content):
    import io

    import numpy as np

    path = tmp_path / "mask.npy"
    if content == "huge_header":  # 10 GB claimed by a 128-byte file
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False, "shape": (10**5, 10**5)})
        path.write_bytes(header.getvalue())
    else:
        path.write_bytes(b"not an array")
    scenario = dormancy.niche.default_niche_scenario(domain={"mask": str(path)})
    with pytest.raises(dormancy.InputError, match=r"domain\.mask\.file: expected a"):
        dormancy.niche.build_niche_model(scenario)


def test_demo_never_replaces_a_user_folder_under_its_out(in_tmp):
    _user_folder(in_tmp / "komarova_steady")
    result = invoke(["demo", "--quick", "--out", "."], expect=2)
    assert "--out" in result.stderr and "not a dormancy result folder" in result.stderr
    assert (in_tmp / "komarova_steady" / "keep.txt").read_text() == "x"


def test_niche_days_flag_is_bounded_by_the_scenario_step(in_tmp):
    (in_tmp / "n.yaml").write_text("format: dormancy.niche-scenario\nversion: 1\ndt_hours: 0.05\n")
    result = invoke(["niche", "--scenario", "n.yaml", "--days", "3000", "--out", "o"], expect=2)
    assert "--days: expected at most 100,000 steps" in result.stderr
    assert listing(in_tmp) == ["n.yaml"]


@pytest.mark.parametrize("sizes", ["nan", "1,x", "30,1000000000"])
def test_trial_sizes_are_judged_before_the_trial_runs(in_tmp, no_runs, sizes):
    result = invoke(["trial", "abcsg18", "--replicates", "1", "--out", "t", "--sizes", sizes], expect=2)
    assert "--sizes" in result.stderr
    assert listing(in_tmp) == []
