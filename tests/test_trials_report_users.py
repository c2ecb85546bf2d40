"""The trial report for sharing (issue 20): primary endpoint first, readable headers, a warning for few replicates."""

import pytest

import dormancy
from dormancy.trials.report import MIN_REPLICATES, readable_summary, render_report, replicate_warning

TINY = {
    "format": "dormancy-trial",
    "version": 1,
    "name": "tiny",
    "screening": {"candidates_per_enrolled": 1.0},
    "enrolment": {"target": 8},
    "arms": [
        {"name": "zoledronic", "strategy": "zoledronic_acid_azure"},
        {"name": "observation", "strategy": None},
    ],
    "control_arm": "observation",
    "follow_up": {"min_years": 1.0, "max_years": 1.0},
    "analysis": {"endpoints": ["dfs", "rfs"], "primary_endpoint": "rfs", "horizon_years": 1.0},
}


@pytest.fixture(scope="module")
def tiny_result():
    return dormancy.trials.run_trial(dormancy.trials.trial_from_dict(TINY), seed=2, replicates=2)


def test_the_report_leads_with_the_primary_endpoint_and_warns_about_two_replicates(tiny_result):
    html = render_report(tiny_result)
    assert html.index("<h2>Primary endpoint: recurrence-free survival</h2>") < html.index("<h2>Arms</h2>")
    assert html.index("Too few replicates") < html.index("<h2>Arms</h2>")
    assert "This run has 2 replicate trials" in html
    assert "pooled HR (95 % CI)" in html and "HR, 95 % of trials" in html
    assert "<th>hr_pooled_low</th>" not in html  # code names stay in summary.csv
    assert "display: block; overflow-x: auto" in html  # wide tables scroll instead of leaving the page


def test_readable_summary_keeps_every_row_and_the_numbers(tiny_result):
    summary = tiny_result.summary()
    shown = readable_summary(summary)
    assert len(shown) == len(summary)
    assert shown["endpoint"].tolist()[0] in ("disease-free survival", "recurrence-free survival")
    assert shown["arm vs control"].iloc[0] == "zoledronic vs observation"
    assert (shown["power"].to_numpy() == summary["power"].to_numpy()).all()


def test_the_warning_stops_at_the_minimum():
    assert replicate_warning(MIN_REPLICATES) == ""
    assert replicate_warning(200) == ""
    assert "1 replicate trial:" in replicate_warning(1)
    assert "can exclude 1 by chance" in replicate_warning(5)


def test_kaplan_meier_figures_of_the_report_show_numbers_at_risk(tiny_result, monkeypatch):
    from matplotlib.figure import Figure

    from dormancy.trials import report

    seen = []
    original = Figure.savefig

    def keep(self, *args, **kwargs):
        seen.append([(axis.get_title(loc="left"), [t.get_text() for t in axis.texts]) for axis in self.axes])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    report._km_figure(tiny_result, "rfs")
    (axes,) = seen
    title, texts = axes[1]
    assert title == "number at risk (mean per trial)"
    # 8 enrolled per trial in two arms of ratio 1: 4 per arm at entry
    assert texts[0] == "4" and len(texts) >= 4 and len(texts) % 2 == 0  # every tick, both arms
