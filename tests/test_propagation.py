"""Propagating a posterior to cohorts, trials and lab experiments; the executor layer; the three sources.

Posteriors here are built from prior draws near the shipped values (never shipped): the tests check the
machinery, not a calibration.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from dormancy.cli import app
from dormancy.distributed import check_placement, executor
from dormancy.errors import InputError
from dormancy.params import load_registry, registry_cache, registry_overrides
from dormancy.params.posterior import Posterior, save_posterior
from dormancy.params.propagation import draw_seed, posterior_draws, three_sources, variance_components
from dormancy.patients import CohortSpec, simulate_cohort, simulate_cohort_posterior
from dormancy.patients.parameters import FREE_PARAMETERS
from dormancy.trials import run_trial, run_trial_posterior, trial_from_dict, write_report

SPROUTING = "patients_natural_history.niche_fraction_perivascular_sprouting"
SMALL_TRIAL = {
    "name": "placebo",
    "enrolment": {"target": 40},
    "eligibility": {"years_since_diagnosis": [0.0, 0.5]},
    "screening": {"candidates_per_enrolled": 1.5},
    "randomisation": {"stratify_by": ["er_status"], "block_multiplier": 2},
    "arms": [{"name": "control"}, {"name": "placebo"}],
    "control_arm": "control",
    "follow_up": {"min_years": 4.0, "max_years": 6.0},
}


def _near_shipped(n: int, *, seed: int = 1, scale: float = 0.15) -> Posterior:
    """Draws of the 12 free parameters: the shipped value times a log-normal factor, clipped to the prior."""
    registry = load_registry()
    rng = np.random.default_rng(seed)
    columns = []
    for name in FREE_PARAMETERS:
        record = registry.parameter(name)
        values = record.value * np.exp(scale * rng.standard_normal(n))
        columns.append(np.clip(values, record.prior.low, record.prior.high))
    return Posterior(FREE_PARAMETERS, np.column_stack(columns), np.ones(n), {"method": "test: near shipped"})


def _shipped_point() -> Posterior:
    registry = load_registry()
    values = [[registry.parameter(name).value for name in FREE_PARAMETERS]]
    return Posterior(FREE_PARAMETERS, values, [1.0], {"method": "test: the shipped values"})


# --- seeds, draws, decomposition ----------------------------------------------------------------------------------


def test_a_draws_seed_depends_only_on_the_seed_and_its_position():
    posterior = _near_shipped(8)
    few, many = posterior_draws(posterior, 3, seed=5), posterior_draws(posterior, 7, seed=5)
    assert many.seeds[:3] == few.seeds == tuple(draw_seed(5, k) for k in range(3))
    assert len(set(many.seeds)) == 7 and all(0 <= s < 2**63 for s in many.seeds)
    assert posterior_draws(posterior, 3, seed=6).seeds != few.seeds
    assert few.overrides(0) == posterior.draw(few.indices[0])
    provenance = few.provenance()
    assert provenance["draw_indices"] == list(few.indices) and provenance["posterior_sha256"] is None


def test_a_posterior_file_is_hashed_and_a_missing_one_names_the_option(tmp_path):
    path = save_posterior(_near_shipped(4), tmp_path / "p.parquet")
    draws = posterior_draws(path, 2, seed=0)
    assert len(draws.sha256) == 64 and draws.source == str(path)
    with pytest.raises(InputError) as caught:
        posterior_draws(tmp_path / "none.parquet", 2, seed=0, field="--posterior-file")
    assert caught.value.problems[0].field == "--posterior-file"
    with pytest.raises(InputError, match="posterior_draws"):
        posterior_draws(path, 0, seed=0)


def test_the_law_of_total_variance_adds_up_exactly_with_unequal_groups():
    rng = np.random.default_rng(4)
    groups = rng.integers(0, 9, 500)
    values = rng.normal(groups * 0.3, 1.0 + 0.1 * groups)
    parts = variance_components(values, groups)
    assert parts["within"] + parts["between"] == pytest.approx(parts["total"], rel=1e-12)
    assert parts["total"] == pytest.approx(np.var(values), rel=1e-12)


def test_three_sources_recover_known_parameter_monte_carlo_and_trial_spreads():
    """Synthetic: theta_d ~ N(0, 0.3^2) over 400 draws, 50 replicates each with noise 0.5; the large-sample
    estimate is the draw's replicate mean (SE 0.5 / sqrt(50))."""
    rng = np.random.default_rng(7)
    draws, replicates, tau, sigma = 400, 50, 0.3, 0.5
    theta = rng.normal(0.0, tau, draws)
    values = theta[:, None] + rng.normal(0.0, sigma, (draws, replicates))
    large = values.mean(axis=1)
    se = np.full(draws, sigma / np.sqrt(replicates))
    sources = three_sources(values.ravel(), np.repeat(np.arange(draws), replicates), large, se)
    assert sources["parameters_sd"] == pytest.approx(tau, rel=0.1)
    assert sources["trial_sd"] == pytest.approx(sigma, rel=0.02)
    assert sources["monte_carlo_sd"] == pytest.approx(sigma / np.sqrt(replicates), rel=1e-12)
    # the large-sample spread over draws is parameters + Monte-Carlo; replicate total = within + between
    assert sources["parameters_var"] + sources["monte_carlo_var"] == pytest.approx(sources["large_between_var"])
    assert sources["replicate_within_var"] + sources["replicate_between_var"] == pytest.approx(
        sources["replicate_total_var"]
    )


# --- registry overrides -------------------------------------------------------------------------------------------


def test_registry_overrides_apply_inside_the_context_only_and_caches_follow_them():
    shipped = load_registry().parameter(SPROUTING).value
    high = load_registry().parameter(SPROUTING).prior.high
    calls = []

    @registry_cache
    def derived():
        calls.append(1)
        return load_registry().parameter(SPROUTING).value

    assert derived() == shipped
    with registry_overrides({SPROUTING: high}):
        assert load_registry().parameter(SPROUTING).value == high
        assert derived() == high
    assert load_registry().parameter(SPROUTING).value == shipped
    assert derived() == shipped and len(calls) == 2
    with pytest.raises(InputError, match="overrides"), registry_overrides({"no_such_set.x": 1.0}):
        pass
    assert load_registry().parameter(SPROUTING).value == shipped


# --- the executor -------------------------------------------------------------------------------------------------


def _square(x: int, offset: int) -> int:
    return x * x + offset


def test_the_in_process_executor_keeps_order_and_bad_placements_are_one_message():
    with executor() as place:
        assert place.client is None and place.description == "in-process"
        assert place.map(_square, [3, 1, 2], 1) == [10, 2, 5]
    with pytest.raises(InputError) as caught:
        check_placement("tcp://127.0.0.1:8786", 2)
    assert caught.value.problems[0].field == "workers"
    with pytest.raises(InputError, match="scheduler"):
        check_placement("localhost", None)
    with pytest.raises(InputError, match="workers"):
        check_placement(None, 0)


# --- cohorts ------------------------------------------------------------------------------------------------------

COHORT = CohortSpec(300, followup_years=10.0)


def test_a_one_draw_posterior_at_the_shipped_values_is_the_plain_cohort_at_the_draws_seed():
    result = simulate_cohort_posterior(COHORT, seed=11, posterior=_shipped_point(), posterior_draws=1, keep_tables=True)
    plain = simulate_cohort(COHORT, seed=draw_seed(11, 0))
    pd.testing.assert_frame_equal(result.table.drop(columns="draw"), plain.table)
    summary = result.summary().set_index("measure")
    assert summary.loc["dtc_positive_at_diagnosis", "median"] == pytest.approx(plain.table["dtc_positive"].mean())
    assert result.manifest.settings["posterior"]["draws"] == 1


@pytest.mark.slow
def test_posterior_cohorts_are_identical_on_a_two_worker_local_cluster(tmp_path, two_workers):
    """A real LocalCluster of 2 processes: the same draws give the same numbers, in order, as in-process."""
    from dormancy.patients import therapy

    posterior = _near_shipped(6, seed=3)
    previous = therapy.table_folder()
    therapy.use_table_cache_folder(tmp_path)  # the workers read the tables the in-process run writes
    try:
        alone = simulate_cohort_posterior(COHORT, seed=2, posterior=posterior, posterior_draws=4)
        with executor(scheduler=two_workers) as place:
            assert place.description == "dask.distributed (2 workers)"
            spread = simulate_cohort_posterior(COHORT, seed=2, posterior=posterior, posterior_draws=4, executor=place)
    finally:
        therapy.use_table_cache_folder(previous)
    pd.testing.assert_frame_equal(alone.draws, spread.draws)
    assert alone.draws["value"].nunique() > 4  # the draws differ from one another


# --- trials -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_trial():
    spec = trial_from_dict(SMALL_TRIAL)
    return spec, run_trial_posterior(spec, seed=4, posterior=_near_shipped(5), posterior_draws=3, replicates=3)


def test_a_trial_over_draws_reports_credible_intervals_positive_probability_and_three_sources(small_trial):
    _, predicted = small_trial
    summary = predicted.summary()
    row = summary[(summary["endpoint"] == "dfs") & (summary["arm"] == "placebo")].iloc[0]
    assert bool(row["primary"])
    assert row["cri_low"] <= row["median"] <= row["cri_high"]
    assert 0.0 <= row["probability_positive"] <= 1.0
    assert row["trial_sd"] > 0 and row["monte_carlo_sd"] > 0 and row["parameters_sd"] >= 0
    draws = predicted.draws[predicted.draws["endpoint"] == "dfs"]
    assert list(draws["draw"]) == [0, 1, 2]
    np.testing.assert_allclose(draws["hr"], np.exp(draws["estimate"]))
    reps = predicted.replicates_table[predicted.replicates_table["endpoint"] == "dfs"]
    assert len(reps) <= 9 and set(reps["draw"]) <= {0, 1, 2}
    # the probability of a positive trial is the share of positive replicates over all draws
    assert row["probability_positive"] == pytest.approx(reps["positive"].mean())


@pytest.mark.slow
def test_posterior_trials_are_identical_on_a_two_worker_local_cluster(tmp_path, two_workers):
    """A real LocalCluster of 2 processes: every draw's and replicate's numbers, in draw order, as in-process."""
    from dormancy.patients import therapy

    spec = trial_from_dict(SMALL_TRIAL)
    previous = therapy.table_folder()
    therapy.use_table_cache_folder(tmp_path)  # the workers read the tables the in-process run writes
    try:
        alone = run_trial_posterior(spec, seed=5, posterior=_near_shipped(5), posterior_draws=3, replicates=2)
        with executor(scheduler=two_workers) as place:
            spread = run_trial_posterior(
                spec, seed=5, posterior=_near_shipped(5), posterior_draws=3, replicates=2, executor=place
            )
    finally:
        therapy.use_table_cache_folder(previous)
    pd.testing.assert_frame_equal(alone.draws, spread.draws)
    pd.testing.assert_frame_equal(alone.replicates_table, spread.replicates_table)
    assert alone.draws["estimate"].nunique() > 1  # the draws differ from one another


def test_each_local_cluster_worker_runs_its_kernels_on_one_thread_and_this_process_keeps_its_own(two_workers):
    """``--workers N`` uses N cores: each one-thread worker's Numba pool has one thread, set before Numba loads.

    With the thread count given only as ``LocalCluster(env=...)``, Numba had already sized its pool to the machine's
    cores in each worker, and two workers ran 1.28x one instead of 1.73x (``benchmarks/profile_trial_workers.py``).
    """
    from distributed import Client

    with Client(two_workers, set_as_default=False) as client:
        pools = client.run(lambda: __import__("numba").get_num_threads())
    assert len(pools) == 2 and set(pools.values()) == {1}


def test_a_one_draw_trial_at_the_shipped_values_is_the_plain_trial_at_the_draws_seed():
    spec = trial_from_dict(SMALL_TRIAL)
    predicted = run_trial_posterior(spec, seed=4, posterior=_shipped_point(), posterior_draws=1, replicates=2)
    plain = run_trial(spec, seed=draw_seed(4, 0), replicates=2)
    overall = plain.comparisons[(plain.comparisons["subgroup"] == "all") & (plain.comparisons["endpoint"] == "dfs")]
    reps = predicted.replicates_table[predicted.replicates_table["endpoint"] == "dfs"]
    np.testing.assert_array_equal(reps["value"].to_numpy(), np.log(overall["hazard_ratio"].to_numpy()))
    np.testing.assert_array_equal(reps["p_value"].to_numpy(), overall["p_value"].to_numpy())


def test_the_trial_report_shows_the_posterior_section_and_keeps_provenance(small_trial, tmp_path):
    spec, predicted = small_trial
    plain = run_trial(spec, seed=4, replicates=2)
    folder = write_report(plain, tmp_path / "report", posterior=predicted)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "credible interval" in html and "P(positive)" in html
    draws = pd.read_csv(folder / "draws.csv")
    assert {"hr", "se", "p_value", "posterior_index", "seed"} <= set(draws.columns)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["posterior"]["draw_indices"] == list(predicted.posterior.indices)


# --- lab ----------------------------------------------------------------------------------------------------------


def test_a_lab_protocol_over_draws_sees_each_draws_registry_values():
    from dormancy.lab import run_protocol, run_protocol_posterior
    from dormancy.lab.protocol import quick_options

    registry = load_registry()
    record = registry.parameter(SPROUTING)
    values = [[record.prior.low], [record.value], [record.prior.high]]
    posterior = Posterior((SPROUTING,), values, np.ones(3))
    options = quick_options("mouse-syngeneic")
    result = run_protocol_posterior("mouse-syngeneic", seed=1, options=options, posterior=posterior, posterior_draws=3)
    assert set(result.table["draw"]) == {0, 1, 2} and (result.draws["status"] == "ok").all()
    at_shipped = int(np.flatnonzero(np.array(result.posterior.indices) == 1)[0])
    mine = result.table[result.table["draw"] == at_shipped].drop(columns="draw").reset_index(drop=True)
    plain = run_protocol("mouse-syngeneic", seed=draw_seed(1, at_shipped), options=options).table
    pd.testing.assert_frame_equal(mine, plain)
    summary = result.summary()
    assert (summary["cri_low"] <= summary["median"]).all() and (summary["median"] <= summary["cri_high"]).all()


# --- command line -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (["cohort", "--posterior", "3", "--posterior-file", "{missing}"], "--posterior-file"),
        (["trial", "placebo.yaml", "--posterior-file", "{missing}"], "--posterior-file"),
        (["trial", "clever", "--posterior", "3", "--posterior-file", "{missing}"], "--posterior-file"),
        (["lab", "run", "spheroid-3d", "--posterior", "2", "--posterior-file", "{missing}"], "--posterior-file"),
        (["lab", "run", "spheroid-3d", "--workers", "2"], "--workers"),
        (["cohort", "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"], "--workers"),
        (["trial", "clever", "--scheduler", "localhost"], "--scheduler"),
    ],
)
def test_bad_posterior_and_placement_options_are_one_clear_message(arguments, field, tmp_path):
    missing = str(tmp_path / "missing.parquet")
    arguments = [a.replace("{missing}", missing) for a in arguments] + ["--out", str(tmp_path / "out")]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 2, result.output
    assert field in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_the_command_line_without_a_shipped_posterior_says_which_option_to_give(tmp_path, monkeypatch):
    from dormancy.params import propagation

    monkeypatch.setattr(propagation, "shipped_posterior_path", lambda: tmp_path / "not-shipped.parquet")
    result = CliRunner().invoke(app, ["cohort", "--posterior", "2", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "--posterior-file" in result.output and "no posterior is shipped" in result.output


def test_the_trial_and_cohort_commands_run_over_a_posterior_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from dormancy.trials import dump_trial

    path = save_posterior(_near_shipped(3), tmp_path / "posterior.parquet")
    design = tmp_path / "small.yaml"
    design.write_text(dump_trial(trial_from_dict(SMALL_TRIAL)), encoding="utf-8")
    runner = CliRunner()
    common = ["--posterior", "2", "--posterior-file", str(path)]
    result = runner.invoke(
        app, ["trial", str(design), "--replicates", "2", "--posterior-replicates", "2", *common, "--out", "t"]
    )
    assert result.exit_code == 0, result.output
    assert "P(positive)" in result.output
    assert len(pd.read_csv("t/draws.csv")["draw"].unique()) == 2
    manifest = json.loads((tmp_path / "t" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["posterior"]["posterior_file"] == str(path)
    result = runner.invoke(app, ["cohort", "--patients", "60", "--years", "5", *common, "--out", "c"])
    assert result.exit_code == 0, result.output
    assert set(pd.read_parquet("c/patients.parquet")["draw"]) == {0, 1}
    assert "credible interval" in result.output


def test_an_existing_cluster_runs_tasks_in_order_and_twice_with_equal_shared_arguments():
    """Shared arguments are scattered under fresh keys: a second map with equal data must not lose them."""
    from distributed import LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        executor(scheduler=cluster) as place,
    ):
        assert place.map(_square, list(range(6)), 1) == [x * x + 1 for x in range(6)]
        assert place.map(_square, list(range(6)), 1) == [x * x + 1 for x in range(6)]


def test_dtc_clearance_is_predicted_as_a_difference_of_negative_aspirates():
    spec = trial_from_dict({**SMALL_TRIAL, "assessments": [{"name": "month_6", "days_after_entry": 180}]})
    predicted = run_trial_posterior(spec, seed=8, posterior=_near_shipped(3), posterior_draws=2, replicates=2)
    rows = predicted.draws[predicted.draws["endpoint"] == "dtc_clearance.month_6"]
    assert list(rows["draw"]) == [0, 1] and (rows["kind"] == "clearance_difference").all()
    assert (rows["estimate"].abs() <= 1).all() and (rows["se"] >= 0).all()
    summary = predicted.summary().set_index("endpoint").loc["dtc_clearance.month_6"]
    assert -1 <= summary["cri_low"] <= summary["median"] <= summary["cri_high"] <= 1
