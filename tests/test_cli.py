"""Command line: exit codes, messages without tracebacks, nothing written for bad input."""

import json

import pytest
from typer.testing import CliRunner

from dormancy.cli import app
from dormancy.results import load_result

runner = CliRunner()

SMALL = """\
format: dormancy.scenario
version: 1
name: small
seed: 5
model: {kind: komarova, parameter_set: komarova2003}
save: {t_end_days: 60, dt_days: 2}
ensemble: {replicates: 3, sample: [resorption_rate]}
"""

BROKEN = {
    "wrong_type": (SMALL.replace("seed: 5", "seed: five"), "seed"),
    "unknown_key": (SMALL + "extra_thing: 1\n", "extra_thing"),
    "out_of_range": (
        SMALL.replace(
            "parameter_set: komarova2003}",
            "parameter_set: komarova2003, parameters: {osteoblast_removal: 3}}",
        ),
        "model.parameters.osteoblast_removal",
    ),
    "broken_yaml": ("name: [a\nseed: 1\n", "valid YAML"),
}


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("case", sorted(BROKEN))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_files_exit_2_with_a_clear_message_and_write_nothing(in_tmp, case, command):
    text, expected = BROKEN[case]
    (in_tmp / "bad.yaml").write_text(text)
    result = runner.invoke(app, [command, "bad.yaml"])
    assert result.exit_code == 2, result.output
    assert expected in result.stderr
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: bad.yaml: ")
    assert sorted(p.name for p in in_tmp.iterdir()) == ["bad.yaml"]


def test_missing_file_exits_2(in_tmp):
    result = runner.invoke(app, ["validate", "nowhere.yaml"])
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_validate_good_file(in_tmp):
    (in_tmp / "good.yaml").write_text(SMALL)
    result = runner.invoke(app, ["validate", "good.yaml"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout


def test_run_writes_a_loadable_result_and_refuses_to_overwrite(in_tmp):
    (in_tmp / "good.yaml").write_text(SMALL)
    first = runner.invoke(app, ["run", "good.yaml", "--out", "res"])
    assert first.exit_code == 0, first.output
    loaded = load_result(in_tmp / "res")
    assert len(loaded.table) == 3 and set(loaded.table["status"]) == {"ok"}
    assert loaded.manifest.scenario["name"] == "small"
    assert (in_tmp / "res" / "figure.png").stat().st_size > 10_000
    second = runner.invoke(app, ["run", "good.yaml", "--out", "res"])
    assert second.exit_code == 2
    assert "--overwrite" in second.stderr
    third = runner.invoke(app, ["run", "good.yaml", "--out", "res", "--overwrite", "--no-plot"])
    assert third.exit_code == 0, third.output


def test_params_lists_komarova_with_units_and_sources():
    result = runner.invoke(app, ["params", "--format", "json", "--grep", "komarova2003"])
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    names = {r["name"] for r in records}
    assert "komarova2003.osteoclast_removal" in names
    assert all(r["unit"] and r["source"] for r in records)
    csv_out = runner.invoke(app, ["params", "--format", "csv", "--set", "ayati2010"]).stdout.splitlines()
    assert csv_out[0].startswith("name,label,value,unit,prior")
    assert len(csv_out) == 14
    table = runner.invoke(app, ["params"], env={"COLUMNS": "250"})
    assert table.exit_code == 0 and "osteoclast" in table.stdout


def test_params_bad_flag_values_exit_2():
    assert runner.invoke(app, ["params", "--format", "xml"]).exit_code == 2
    bad_set = runner.invoke(app, ["params", "--set", "nope"])
    assert bad_set.exit_code == 2 and "komarova2003" in bad_set.stderr


def test_cite_and_scenarios_and_sbml(in_tmp):
    cited = runner.invoke(app, ["cite", "komarova2003", "review:61"])
    assert cited.exit_code == 0 and "Komarova" in cited.stdout and "Adam" in cited.stdout
    assert runner.invoke(app, ["cite", "nobody1999"]).exit_code == 2
    listed = runner.invoke(app, ["scenarios"])
    assert "komarova_oscillating" in listed.stdout
    shown = runner.invoke(app, ["scenarios", "--show", "komarova_ensemble"])
    assert "format: dormancy.scenario" in shown.stdout
    (in_tmp / "copy.yaml").write_text(shown.stdout)
    assert runner.invoke(app, ["validate", "copy.yaml"]).exit_code == 0  # printed verbatim, not wrapped
    exported = runner.invoke(app, ["sbml", "ayati2010", "--out", "model.xml"])
    assert exported.exit_code == 0
    assert "<sbml" in (in_tmp / "model.xml").read_text()
    assert runner.invoke(app, ["sbml", "nothing"]).exit_code == 2
    bone = runner.invoke(app, ["sbml", "pivonka2008"])
    assert bone.exit_code == 0
    assert "assignmentRule" in bone.output
    switch = runner.invoke(app, ["sbml", "switch_er_positive"])
    assert switch.exit_code == 0 and 'timeUnits="hour"' in switch.stdout


@pytest.mark.slow
def test_demo_quick_writes_figure_and_results(in_tmp):
    result = runner.invoke(app, ["demo", "--quick"])
    assert result.exit_code == 0, result.output
    assert (in_tmp / "demo-output" / "bone_remodelling.png").is_file()
    steady = load_result(in_tmp / "demo-output" / "komarova2003-steady")
    assert steady.timeseries["time"].values[-1] == 400.0
    assert "komarova" in result.stdout


def test_switch_runs_and_reports_the_fate():
    result = runner.invoke(app, ["switch", "--input", "TGFB2=0.8", "--input", "O2=0.01", "--days", "3"])
    assert result.exit_code == 0, result.output
    assert "fate after 3 days: dormant" in result.stdout
    assert "O2=0.111111" in result.stdout  # 1 % oxygen is 1/9 of the 9 % reference
    woken = runner.invoke(app, ["switch", "--input", "TGFB1=0.9", "--start", "proliferating", "--days", "3"])
    assert "fate after 3 days: proliferating" in woken.stdout


@pytest.mark.parametrize("bad", ["NOPE=0.5", "TGFB2=abc", "TGFB2", "TGFB2=3"])
def test_switch_bad_inputs_exit_2(bad):
    result = runner.invoke(app, ["switch", "--input", bad, "--days", "1"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.output


def test_switch_scan_writes_the_fate_response_with_its_memory_window(in_tmp):
    result = runner.invoke(
        app,
        ["switch", "--scan", "FIBRONECTIN", "0", "1", "--input", "TGFB2=0.57", "--points", "41", "--out", "loop.png"],
    )
    assert result.exit_code == 0, result.output
    assert "memory (bistable) window" in result.stdout
    assert (in_tmp / "loop.png").stat().st_size > 10_000
    assert runner.invoke(app, ["switch", "--scan", "NOPE", "0", "1"]).exit_code == 2


def test_version_flag_prints_the_version():
    import dormancy

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"dormancy {dormancy.__version__}"


def test_bone_runs_with_a_drug_and_writes_figure_and_table(in_tmp):
    result = runner.invoke(
        app,
        ["bone", "--years", "3", "--age", "50", "--drug", "zoledronic_acid:4mg:q6mo", "--table", "bone.csv"],
    )
    assert result.exit_code == 0, result.output
    assert "bone %" in result.output
    assert "OSTEOCLAST_FACTORS" in result.output
    assert (in_tmp / "bone.png").stat().st_size > 10_000
    header = (in_tmp / "bone.csv").read_text().splitlines()[0]
    assert "bone_volume" in header
    assert "drug_osteoclast_apoptosis" in header


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (["--drug", "zoledronic_acid:4:q6mo"], "dose"),
        (["--drug", "aspirin:4mg:q6mo"], "drug"),
        (["--age", "200"], "--age"),
    ],
)
def test_bone_bad_input_exits_2_naming_the_field(in_tmp, arguments, field):
    result = runner.invoke(app, ["bone", "--years", "1", *arguments])
    assert result.exit_code == 2
    assert field in result.output
    assert "Traceback" not in result.output
    assert not (in_tmp / "bone.png").exists()
