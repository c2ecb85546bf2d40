"""simulate(): reproducible ensembles, failure recorded as data, provenance, round trip through the disk."""

import numpy as np
import pandas as pd
import pytest

from dormancy.params import load_registry
from dormancy.results import load_result, save_result
from dormancy.scenario import scenario_from_dict
from dormancy.simulate import count_by_status, replicate_parameters, simulate


def scenario(
    replicates=4,
    seed=11,
    sample=("resorption_rate", "formation_rate"),
    parameter_set="komarova2003",
    t_end=200.0,
):
    return scenario_from_dict(
        {
            "name": "ensemble",
            "seed": seed,
            "model": {"kind": "komarova", "parameter_set": parameter_set},
            "save": {"t_end_days": t_end, "dt_days": 2.0},
            "ensemble": {"replicates": replicates, "sample": list(sample)},
        }
    )


def test_same_seed_gives_bit_identical_results():
    first, second = simulate(scenario()), simulate(scenario())
    assert first.timeseries.identical(second.timeseries)
    pd.testing.assert_frame_equal(first.table, second.table)


def test_a_replicate_does_not_depend_on_how_many_others_run():
    few, many = simulate(scenario(replicates=2)), simulate(scenario(replicates=5))
    np.testing.assert_array_equal(few.timeseries["bone_mass"].values, many.timeseries["bone_mass"].values[:2])
    pd.testing.assert_frame_equal(few.table, many.table.iloc[:2])
    # and replicate 3 alone equals replicate 3 of the batch
    alone = replicate_parameters(scenario(replicates=5), 3)
    assert alone["resorption_rate"].value == many.table.loc[3, "resorption_rate"]


def test_different_seeds_draw_different_parameters_from_the_prior():
    a, b = simulate(scenario(seed=1)), simulate(scenario(seed=2))
    assert not np.allclose(a.table["resorption_rate"], b.table["resorption_rate"])
    prior = load_registry().sets["komarova2003"]["resorption_rate"].prior
    assert all(prior.contains(v) for v in a.table["resorption_rate"])
    assert a.table["resorption_rate"].nunique() == 4


def test_bone_balance_is_linear_in_the_sampled_rates():
    # bone mass does not feed back on the cells, so every replicate has the same cell trajectories and
    # z(T) - z(0) = -k1 A1 + k2 A2 with A1 = ∫ max(0, x1 - x̄1) dt and A2 = ∫ max(0, x2 - x̄2) dt fixed
    result = simulate(scenario(replicates=12, t_end=600.0))
    osteoclasts = result.timeseries["osteoclasts"].values
    np.testing.assert_allclose(osteoclasts, np.broadcast_to(osteoclasts[0], osteoclasts.shape), rtol=1e-6)
    rates = result.table[["resorption_rate", "formation_rate"]].to_numpy() * np.array([-1.0, 1.0])
    change = result.table["final_bone_mass"].to_numpy() - 100.0
    (area_resorbing, area_forming), *_ = np.linalg.lstsq(rates, change, rcond=None)
    assert area_resorbing > 0 and area_forming > 0
    # to the solver's accuracy (rtol 1e-8; the kinks of max(0, ·) cost a few digits)
    np.testing.assert_allclose(rates @ np.array([area_resorbing, area_forming]), change, rtol=1e-5, atol=1e-4)


@pytest.mark.slow
def test_numerical_failure_is_recorded_and_the_batch_goes_on():
    # g11 above the critical 1.1 gives growing cycles until osteoblasts collapse to zero and the power law
    # x2^g21 (g21 < 0) diverges; below it cycles damp.
    result = simulate(
        scenario(replicates=24, sample=("osteoclast_autocrine_exponent",), parameter_set="ayati2010", t_end=3000.0)
    )
    counts = count_by_status(result)
    assert counts["ok"] + counts["solver_failed"] + counts["nonfinite"] == 24
    assert counts["ok"] > 0 and counts["ok"] < 24
    g11 = result.table["osteoclast_autocrine_exponent"]
    failed = result.table["status"] != "ok"
    assert (g11[failed] > 1.1).all()
    assert (result.table.loc[failed, "message"].str.len() > 0).all()
    assert np.isfinite(result.timeseries["bone_mass"].values[~failed.to_numpy()]).all()


def test_result_carries_provenance_and_round_trips(tmp_path):
    result = simulate(scenario())
    manifest = result.manifest
    assert manifest.seed == 11 and manifest.model == "komarova"
    assert manifest.scenario["ensemble"]["sample"] == ["resorption_rate", "formation_rate"]
    names = {p["name"] for p in manifest.parameters}
    assert "komarova2003.osteoclast_removal" in names
    assert all(p["unit"] and p["source"] for p in manifest.parameters)
    assert manifest.package_version
    saved = save_result(result, tmp_path / "run")
    loaded = load_result(saved)
    assert loaded.timeseries.identical(result.timeseries)
    pd.testing.assert_frame_equal(loaded.table, result.table)
    assert loaded.manifest == result.manifest
