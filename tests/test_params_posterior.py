"""The ``dormancy-posterior`` file format: round trip, validation, weighted resampling."""

from __future__ import annotations

import numpy as np
import pytest

from dormancy.errors import InputError
from dormancy.params.posterior import FORMAT_VERSION, Posterior, load_posterior, save_posterior

NAMES = ("patients_natural_history.clonogenic_fraction", "patients_natural_history.dormant_death_scale")


def _prior_draws(n: int, seed: int = 1) -> np.ndarray:
    from dormancy.params import load_registry

    registry = load_registry()
    rng = np.random.default_rng(seed)
    return np.column_stack([registry.parameter(name).prior.sample(rng, n) for name in NAMES])


def test_round_trip_keeps_draws_weights_and_metadata(tmp_path):
    draws = _prior_draws(50)
    weights = np.linspace(1.0, 2.0, 50)
    posterior = Posterior(NAMES, draws, weights, {"method": "test", "seed": 3})
    path = save_posterior(posterior, tmp_path / "p.parquet")
    again = load_posterior(path)
    assert again.names == NAMES
    np.testing.assert_array_equal(again.draws, draws)
    np.testing.assert_allclose(again.weights, weights / weights.sum(), rtol=0, atol=1e-15)
    assert again.metadata == {"method": "test", "seed": 3}
    assert again.draw(7) == {NAMES[0]: draws[7, 0], NAMES[1]: draws[7, 1]}


def test_effective_sample_size_is_n_for_equal_weights_and_one_for_a_point_mass():
    draws = _prior_draws(10)
    assert Posterior(NAMES, draws, np.ones(10)).effective_sample_size == pytest.approx(10.0)
    assert Posterior(NAMES, draws, np.eye(10)[3]).effective_sample_size == pytest.approx(1.0)


def test_systematic_resampling_follows_the_weights_and_the_seed_only():
    draws = _prior_draws(4)
    posterior = Posterior(NAMES, draws, [0.1, 0.2, 0.3, 0.4])
    picks = posterior.sample(10_000, seed=5)
    counts = np.bincount(picks, minlength=4) / len(picks)
    # systematic resampling: each count within one of its expectation
    np.testing.assert_allclose(counts, [0.1, 0.2, 0.3, 0.4], atol=1e-4 + 1 / 10_000)
    assert posterior.sample(100, seed=5) == posterior.sample(100, seed=5)
    assert posterior.sample(100, seed=5) != posterior.sample(100, seed=6)
    equal = Posterior(NAMES, draws, np.ones(4))
    assert sorted(equal.sample(4, seed=9)) == [0, 1, 2, 3]


def test_weighted_summary_matches_numpy_for_equal_weights():
    draws = _prior_draws(1001)
    summary = Posterior(NAMES, draws, np.ones(1001)).summary()
    np.testing.assert_allclose(summary["mean"], draws.mean(axis=0))
    np.testing.assert_allclose(summary["q50"], np.median(draws, axis=0))


@pytest.mark.parametrize(
    ("names", "weights", "field"),
    [
        (NAMES, [1.0, -1.0], "posterior.weights"),
        (NAMES, [1.0], "posterior.weights"),
        ((NAMES[0], NAMES[0]), [1.0, 1.0], "posterior.names"),
    ],
)
def test_bad_posteriors_are_one_input_error_naming_the_field(names, weights, field):
    with pytest.raises(InputError) as caught:
        Posterior(names, np.ones((2, 2)), weights)
    assert caught.value.problems[0].field == field


def test_reading_rejects_other_files_unknown_records_and_values_outside_the_prior(tmp_path):
    import pandas as pd

    other = tmp_path / "other.parquet"
    pd.DataFrame({"draw": [0], "weight": [1.0]}).to_parquet(other)
    with pytest.raises(InputError, match=f"version {FORMAT_VERSION}"):
        load_posterior(other)
    with pytest.raises(InputError, match="an existing dormancy-posterior"):
        load_posterior(tmp_path / "missing.parquet")
    unknown = save_posterior(
        Posterior(("patients_natural_history.no_such_thing",), [[1.0]], [1.0]), tmp_path / "u.parquet"
    )
    with pytest.raises(InputError, match="registry record"):
        load_posterior(unknown)
    outside = save_posterior(Posterior((NAMES[0],), [[1e9]], [1.0]), tmp_path / "o.parquet")
    with pytest.raises(InputError, match="1 outside"):
        load_posterior(outside)


def test_the_shipped_posterior_is_the_checked_calibration_of_every_posterior_parameter():
    from dormancy.params.posterior import shipped_posterior_path
    from dormancy.patients.posterior_fit import POSTERIOR_PARAMETERS

    assert shipped_posterior_path().is_file()
    posterior = load_posterior()  # also checks every value against its registry prior
    assert posterior.names == POSTERIOR_PARAMETERS
    assert posterior.n_draws >= 500 and np.all(posterior.weights > 0)
    # a posterior, not a point: every parameter varies across the draws
    assert np.all(np.std(posterior.draws, axis=0) > 0)
    meta = posterior.metadata
    assert min(meta["mcmc"]["effective_sample_size"]) > 200
    check = meta["posterior_predictive_check"]
    assert check["inside_95_percent"] == check["items"] >= 43 + 6  # every target and repeat-aspirate item
    assert check["simulator_runs"] >= 100
