"""Command line for users (issue 20): parent folders, default --out, trial template, examples, citations."""

import re

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import dormancy
from dormancy.cli import app
from dormancy.cli.examples import EXAMPLES

runner = CliRunner()

SMALL = """\
format: dormancy.scenario
version: 1
name: small
seed: 5
model: {kind: komarova, parameter_set: komarova2003}
save: {t_end_days: 20, dt_days: 2}
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


def test_run_makes_the_parent_folder_of_out(in_tmp):
    (in_tmp / "my.yaml").write_text(SMALL)
    result = runner.invoke(app, ["run", "my.yaml", "--out", "results/my-run"])
    assert result.exit_code == 0, result.output
    assert (in_tmp / "results" / "my-run" / "manifest.json").is_file()
    assert (in_tmp / "results" / "my-run" / "figure.png").is_file()


def test_out_under_a_file_is_refused_cleanly(in_tmp):
    (in_tmp / "my.yaml").write_text(SMALL)
    (in_tmp / "results").write_text("a file, not a folder")
    result = runner.invoke(app, ["run", "my.yaml", "--out", "results/my-run"])
    assert result.exit_code == 2
    assert "--out: expected a path in a folder that can be made" in result.output


def test_niche_does_not_suggest_an_overwrite_flag_it_lacks(in_tmp):
    (in_tmp / "taken").mkdir()
    result = runner.invoke(app, ["niche", "--days", "1", "--out", "taken"])
    assert result.exit_code == 2
    assert "--out: expected a path that does not exist yet;" in result.output
    assert "--overwrite" not in result.output


def test_trial_template_prints_a_valid_commented_trial_file():
    result = runner.invoke(app, ["trial", "template"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# A virtual trial")
    spec = dormancy.trials.trial_from_text(result.output)
    assert spec.name == "my-trial"
    assert {arm.name for arm in spec.arms} == {"zoledronic", "observation"}
    assert result.output == dormancy.trials.template_text()


@pytest.mark.slow
def test_trial_without_out_writes_a_new_timestamped_folder(in_tmp):
    (in_tmp / "tiny.yaml").write_text(TINY_TRIAL)
    result = runner.invoke(app, ["trial", "tiny.yaml", "--replicates", "1"])
    assert result.exit_code == 0, result.output
    (folder,) = [p for p in in_tmp.iterdir() if p.is_dir()]
    assert re.fullmatch(r"trial-tiny-\d{8}-\d{6}", folder.name)
    assert (folder / "report.html").is_file()


def test_a_taken_timestamped_name_gets_a_suffix(in_tmp):
    from dormancy.cli._app import _timestamped

    first = _timestamped("trial-x")
    first.mkdir()
    second = _timestamped("trial-x")
    assert second != first and not second.exists()  # -2 within the same second, or the next second's name


def test_cohort_without_out_writes_a_new_timestamped_folder(in_tmp):
    result = runner.invoke(app, ["cohort", "--patients", "50", "--years", "2"])
    assert result.exit_code == 0, result.output
    (folder,) = in_tmp.iterdir()
    assert re.fullmatch(r"cohort-\d{8}-\d{6}", folder.name)
    assert (folder / "patients.parquet").is_file()


def test_cite_says_et_al_once():
    result = runner.invoke(app, ["cite", "review:1"])
    assert result.exit_code == 0, result.output
    bibliography = dormancy.load_bibliography()
    lines = [bibliography.resolve(key).short() for key in bibliography.references]
    assert not [line for line in lines if "et al et al" in line]
    assert sum(" et al (" in line for line in lines) > 100


def _commands():
    command = typer.main.get_command(app)
    for name, sub in command.commands.items():
        if hasattr(sub, "commands"):  # a group (lab)
            for inner_name, inner in sub.commands.items():
                yield f"{name} {inner_name}", inner
        else:
            yield name, sub


@pytest.mark.parametrize(("name", "command"), list(_commands()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_has_examples_that_use_its_own_options(name, command):
    assert name in EXAMPLES, f"no --help examples for {name}"
    options = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    own = [example for example in EXAMPLES[name] if example.startswith(f"dormancy {name} ")]
    assert own, f"no example of {name} itself"
    for example in own:  # others prepare its input (dormancy scenarios --show ... > my.yaml)
        used = set(re.findall(r"(?<!\S)(--[a-z][a-z0-9-]*)", example))
        assert used <= options, f"{example!r}: unknown {used - options}"
    result = runner.invoke(app, [*name.split(), "--help"], terminal_width=200)
    assert "Examples:" in result.output
    assert own[0] in " ".join(result.output.split())  # rich may fold a long example


def test_shell_completion_is_offered():
    result = runner.invoke(app, ["--help"], terminal_width=200)
    assert "--install-completion" in result.output


def test_lab_run_prints_its_key_readouts(in_tmp):
    quick = [f"--set={key}={value}" for key, value in dormancy.lab.PROTOCOLS["hypoxia-intermittent"].quick.items()]
    result = runner.invoke(app, ["lab", "run", "hypoxia-intermittent", *quick, "--out", "hx"], terminal_width=200)
    assert result.exit_code == 0, result.output
    readouts = pd.read_csv(in_tmp / "hx" / "readouts.csv")
    final = readouts.sort_values("time_days").groupby(["readout", "condition"]).tail(1)
    ki67 = final[final["readout"] == "ki67_fraction"].set_index("condition")["value"]
    line = next(line for line in result.output.splitlines() if "ki67_fraction" in line)
    assert [f"{ki67[c]:.3g}" for c in ("normoxia", "hypoxia")] == re.findall(r"\d\.\d+", line)
    assert "Readouts at the end" in result.output


def test_bone_figure_legends_sit_above_the_panels_and_name_hidden_signals():
    host = dormancy.bone.HostProfile(age_years=60, menopause_age_years=None)
    run = dormancy.bone.simulate_bone(dormancy.bone.BoneModel.default(host=host, initial_tumour_burden=0.3), years=1)
    figure = dormancy.plotting.plot_bone_lifetime(run)
    bone, cells, ligands, signals = figure.axes[:4]
    labels = [text.get_text() for text in bone.get_legend().get_texts()]
    assert labels == ["bone volume (% of start)", "tumour burden (right axis)"]  # the twin axis is in the legend
    for axis in (bone, cells, ligands, signals):
        assert axis.get_legend()._loc == 3 and tuple(axis.get_legend().get_bbox_to_anchor()._bbox.p0) == (0.0, 1.0)
    shown = [text.get_text() for text in signals.get_legend().get_texts()]
    if np.allclose(run["signal_TGFB2"], run["signal_BMP7"]):  # both follow active osteoblasts
        assert "BMP7 (= TGFB2)" in shown
    else:
        assert not [label for label in shown if "(=" in label]


def test_bone_table_headers_carry_units(in_tmp):
    arguments = ["bone", "--years", "1", "--age", "60", "--menopause-age", "0", "--tumour", "0.3", "--table", "b.csv"]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    header = pd.read_csv(in_tmp / "b.csv", nrows=1).columns.tolist()
    assert header[0] == "time [day]"
    assert "bone_volume [percent of start]" in header and "rankl [pM]" in header and "age [years]" in header
    assert "signal_TGFB2 [activity 0-1]" in header
    assert all(re.fullmatch(r".+ \[.+\]", column) for column in header)


def test_a_niche_movie_comes_with_a_summary_figure(in_tmp):
    spec = dormancy.niche.default_niche_scenario(domain={"size_um": 200.0}, days=0.5, dtc={"count": 20}, seed=4)
    dormancy.niche.save_niche_scenario(spec, in_tmp / "n.yaml")
    result = runner.invoke(app, ["niche", "--scenario", "n.yaml", "--out", "run", "--movie", "n.gif"])
    assert result.exit_code == 0, result.output
    assert (in_tmp / "n.gif").stat().st_size > 0
    assert (in_tmp / "n-summary.png").stat().st_size > 20_000
    series = dormancy.load(in_tmp / "run").timeseries
    counts = dormancy.plotting.plot_niche_summary(series).axes[0]
    assert counts.get_ylabel() == "DTCs (cells)"
    assert len(counts.get_lines()) == series.sizes["niche"] * series.sizes["state"]
