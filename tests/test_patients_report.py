"""The calibration report and the patient figures; the Done-when check of issue 6 (every target within tolerance)."""

import numpy as np
import pandas as pd
import pytest

from dormancy import plotting
from dormancy.patients import report as report_module
from dormancy.patients.targets import NOT_ASSESSED, load_targets


def synthetic_simulator(spec, seed, parameters):
    """Constant hazards: 8 %/y for ER-, 4 %/y for ER+ (twice for DTC+); bone first site for half the recurrences."""
    rng = np.random.default_rng(seed)
    n = spec.n_patients
    er = rng.random(n) < 0.7
    dtc = rng.random(n) < 0.3
    hazard = np.where(er, 0.04, 0.08) * np.where(dtc, 2.0, 1.0)
    times = rng.exponential(1.0 / hazard)
    recurred = times < spec.followup_years
    return pd.DataFrame(
        {
            "patient": np.arange(n),
            "recurred": recurred,
            "recurrence_years": np.where(recurred, times, np.nan),
            "followup_years": np.where(recurred, times, spec.followup_years),
            "recurrence_site": np.where(recurred, np.where(rng.random(n) < 0.5, "bone", "other"), ""),
            "er_positive": er,
            "t_stage": rng.choice(["T1", "T2", "T3"], n),
            "n_stage": rng.choice(["N0", "N1-3", "N4-9", "N10+"], n),
            "grade": rng.integers(1, 4, n),
            "dtc_positive": dtc,
            "dormant_at_5y": 3,
            "micrometastases_at_10y": 1,
            "escapes": 1,
            "status": "ok",
        }
    )


@pytest.fixture(scope="module")
def synthetic_report():
    return report_module.run_report(n_patients=3000, seed=5, simulator=synthetic_simulator)


def test_report_lists_every_target_and_writes_csv_markdown_html(synthetic_report, tmp_path):
    comparison = synthetic_report.comparison
    assert list(comparison["stratum"]) == [t.stratum for t in load_targets()]
    by = comparison.set_index("stratum")
    assert by.loc["distant DFS incidence-rate ratio", "model"] == pytest.approx(2.0, rel=0.2)
    assert by.loc["bone share", "model"] == pytest.approx(50, abs=3)
    assert not by.loc["ER crossover year", "within"]  # constant hazards never cross
    paths = report_module.write_report(synthetic_report, tmp_path / "report")
    assert [p.name for p in paths] == ["targets.csv", "targets.md", "targets.html"]
    written = pd.read_csv(paths[0])
    assert len(written) == len(comparison)
    markdown = paths[1].read_text()
    for target in load_targets():
        assert f"| {target.stratum} |" in markdown
    for name in NOT_ASSESSED:
        assert name in markdown
    assert "<table" in paths[2].read_text()


def test_figures_of_a_cohort_and_of_the_report_are_written(synthetic_report, tmp_path):
    table = synthetic_report.tables["braun"]
    for by in ("er_positive", "dtc_positive", "t_stage"):
        figure = plotting.plot_kaplan_meier(table, by=by)
        assert len(figure.axes[0].get_legend().get_texts()) == table[by].nunique()
        plotting.save_figure(figure, tmp_path / f"km_{by}.png")
        plotting.save_figure(plotting.plot_annual_hazard(table, by=by), tmp_path / f"hazard_{by}.png")
    plotting.save_figure(plotting.plot_target_comparison(synthetic_report.comparison), tmp_path / "targets.png")
    assert all((tmp_path / name).stat().st_size > 10_000 for name in ("km_er_positive.png", "targets.png"))


def test_kaplan_meier_shows_the_numbers_at_risk(synthetic_report):
    table = synthetic_report.tables["braun"]
    figure = plotting.plot_kaplan_meier(table, by="er_positive", horizon_years=10.0)
    risk = figure.axes[1]
    assert risk.get_title(loc="left") == "number at risk"
    ok = table[table["status"] == "ok"]
    exit_years = ok["recurrence_years"].where(ok["recurred"], ok["followup_years"])
    for row, (_, part) in enumerate(ok.groupby("er_positive", sort=True)):
        shown = {text.get_position()[0]: text.get_text() for text in risk.texts if text.get_position()[1] == row}
        assert sorted(shown) == [0.0, 5.0, 10.0]
        for year, text in shown.items():
            assert text == f"{int((exit_years[part.index] >= year).sum()):,}"
    assert shown[0.0] == f"{len(part):,}"


@pytest.mark.slow
def test_every_calibration_target_is_reproduced_within_tolerance():
    """Issue 6's Done-when: the shipped parameters reproduce every assessed target at a moderate cohort size."""
    report = report_module.run_report(n_patients=10_000)
    missed = report.comparison[~report.comparison["within"]]
    assert missed.empty, "targets missed:\n" + missed[["stratum", "published", "model", "tolerance"]].to_string()


@pytest.mark.parametrize(
    "arguments",
    [
        ["calibration-report", "--out", "{file}"],
        ["sensitivity", "--out", "{file}"],
        ["calibrate", "--out", "{folder}", "--resume"],
        ["calibration-report", "--patients", "10"],
    ],
)
def test_calibration_commands_reject_bad_input_with_exit_code_2_and_write_nothing(tmp_path, arguments):
    from typer.testing import CliRunner

    from dormancy.cli import app

    (tmp_path / "a-file").write_text("x")
    (tmp_path / "empty").mkdir()
    filled = [a.format(file=tmp_path / "a-file", folder=tmp_path / "empty") for a in arguments]
    result = CliRunner().invoke(app, filled)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "empty"]
    assert not any((tmp_path / "empty").iterdir())
