"""Sobol and Morris sensitivity of virtual trials: the indices' machinery on a known function, resume, determinism."""

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from dormancy.errors import InputError
from dormancy.trials import trial_from_dict
from dormancy.trials.sensitivity import (
    INDEX_COLUMNS,
    assumption_parameters,
    evaluate_points,
    morris_screen,
    sobol_indices,
    sobol_sensitivity,
)

ISHIGAMI = pd.DataFrame(
    {"low": [-math.pi] * 3, "high": [math.pi] * 3, "scale": ["linear"] * 3}, index=pd.Index(["x1", "x2", "x3"])
)


def ishigami(values, a=7.0, b=0.1):
    x1, x2, x3 = values["x1"], values["x2"], values["x3"]
    return {"y": math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)}


def ishigami_exact(a=7.0, b=0.1):
    """Analytic first-order and total indices (Ishigami & Homma 1990; Saltelli et al. 2008, sec. 4.9)."""
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    variance = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / variance, np.array([v1 + v13, v2, v13]) / variance


def test_ishigami_indices_match_the_analytic_values():
    table = sobol_indices(ishigami, parameters=ISHIGAMI, n_base=2048, seed=1, num_resamples=200)
    assert list(table.columns) == list(INDEX_COLUMNS)
    table = table.set_index("parameter").loc[["x1", "x2", "x3"]]
    s1, st = ishigami_exact()
    np.testing.assert_allclose(table["S1"], s1, atol=0.03)
    np.testing.assert_allclose(table["ST"], st, atol=0.03)
    # the bootstrap intervals cover the truth (wide tolerance: 95 % intervals, three parameters, two indices)
    assert np.all(np.abs(table["ST"] - st) < 3 * table["ST_conf"] + 0.01)
    assert table["rank"].tolist() == [1, 2, 3]  # ST: x1 0.56 > x2 0.44 > x3 0.24
    assert table.attrs["evaluations"] == 2048 * (3 + 2)


def test_a_parameter_the_function_ignores_gets_zero_indices_exactly():
    bounds = pd.concat([ISHIGAMI, pd.DataFrame({"low": [0.0], "high": [1.0], "scale": ["linear"]}, index=["unused"])])
    table = sobol_indices(ishigami, parameters=bounds, n_base=64, seed=2, num_resamples=50).set_index("parameter")
    assert table.loc["unused", "ST"] == 0.0 and table.loc["unused", "S1"] == 0.0
    morris = morris_screen(ishigami, parameters=bounds, trajectories=6, seed=2).set_index("parameter")
    assert morris.loc["unused", "max_abs"] == 0.0 and morris.loc["unused", "mu_star"] == 0.0
    assert (morris.drop("unused")["max_abs"] > 0).all()


class Interrupted(Exception):
    """Stands for a run cut short (a killed job)."""


def test_results_do_not_depend_on_the_executor_and_resume_skips_completed_runs(tmp_path):
    serial = sobol_indices(ishigami, parameters=ISHIGAMI, n_base=32, seed=5, num_resamples=100)
    with ThreadPoolExecutor(3) as pool:
        threaded = sobol_indices(ishigami, parameters=ISHIGAMI, n_base=32, seed=5, num_resamples=100, executor=pool)
    pd.testing.assert_frame_equal(serial, threaded, check_exact=True)

    store = tmp_path / "runs.jsonl"
    calls, limit = [], [50]

    def interrupted(values):
        if len(calls) == limit[0]:
            raise Interrupted
        calls.append(1)
        return ishigami(values)

    with pytest.raises(Interrupted):
        sobol_indices(interrupted, parameters=ISHIGAMI, n_base=32, seed=5, num_resamples=100, store=store)
    assert len(store.read_text().splitlines()) == 1 + 50  # the header and every completed run
    calls.clear()
    limit[0] = -1
    resumed = sobol_indices(interrupted, parameters=ISHIGAMI, n_base=32, seed=5, num_resamples=100, store=store)
    assert len(calls) == 32 * 5 - 50
    pd.testing.assert_frame_equal(serial, resumed, check_exact=True)
    with pytest.raises(InputError):  # the store of another run is refused, not mixed in
        evaluate_points(ishigami, [("p", {"x1": 0.0, "x2": 0.0, "x3": 0.0})], store=store, header={"other": 1})


def test_assumption_parameters_are_assumptions_with_priors_and_bad_names_are_input_errors():
    table = assumption_parameters()
    assert len(table) > 20 and not table["reads_tables"].any()
    assert (table["low"] < table["high"]).all()
    assert "patients_natural_history.aspirate_sites" in table.index
    assert "patients_natural_history.clonogenic_fraction" not in table.index  # calibrated: derived, not assumed
    assert assumption_parameters(tables=True)["reads_tables"].sum() > 50
    with pytest.raises(InputError):
        sobol_sensitivity("clever", parameters=["no_such.record"], n_base=4, seed=1)
    with pytest.raises(InputError):
        sobol_sensitivity("no-such-trial", parameters=["patients_natural_history.aspirate_sites"], n_base=4, seed=1)


PLACEBO = {
    "name": "placebo",
    "enrolment": {"target": 60},
    "eligibility": {"years_since_diagnosis": [0.0, 0.5]},
    "screening": {"candidates_per_enrolled": 1.5},
    "randomisation": {"stratify_by": ["er_status"], "block_multiplier": 2},
    "arms": [{"name": "control"}, {"name": "placebo"}],
    "control_arm": "control",
    "follow_up": {"min_years": 4.0, "max_years": 6.0},
    "analysis": {"endpoints": ["dfs"], "primary_endpoint": "dfs"},
}


@pytest.mark.slow
def test_a_record_the_trial_does_not_read_gets_zero_total_index_and_runs_are_reproducible(tmp_path):
    # no DTC selection and no assessment: the aspirate's records are never read; locoregional recurrence is in DFS
    names = ["patients_natural_history.locoregional_per_year_n1_3", "patients_natural_history.aspirate_sites"]
    spec = trial_from_dict(PLACEBO)
    first = sobol_sensitivity(spec, parameters=names, n_base=4, seed=3, num_resamples=20, store=tmp_path / "a")
    # the randomised comparison varies with what the trial reads, and not at all with what it does not read
    table = first[first["output"] == "log_hr_trial"].set_index("parameter")
    assert table.loc["patients_natural_history.aspirate_sites", "ST"] == 0.0
    assert table.loc["patients_natural_history.locoregional_per_year_n1_3", "ST"] > 0.0
    # a placebo arm against itself untreated: the counterfactual log HR is exactly 0 at every point (no variance)
    assert first.attrs["mean"]["log_hr"] == 0.0 and first.attrs["variance"]["log_hr"] == 0.0
    assert first.loc[first["output"] == "log_hr", "ST"].isna().all()
    again = sobol_sensitivity(spec, parameters=names, n_base=4, seed=3, num_resamples=20)
    pd.testing.assert_frame_equal(first, again, check_exact=True)


def test_the_trial_sensitivity_command_rejects_an_unknown_design_before_writing_anything(tmp_path):
    from typer.testing import CliRunner

    from dormancy.cli import app

    result = CliRunner().invoke(app, ["trial-sensitivity", "no-such-trial", "--out", str(tmp_path / "run")])
    assert result.exit_code == 2 and "design" in result.output
    assert not (tmp_path / "run").exists()
