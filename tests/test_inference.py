"""The calibration method (dormancy.inference): space, observation models, emulator, MCMC, coverage on known truth."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from dormancy.errors import InputError
from dormancy.inference import Observation, ParameterSpace, implausibility, log_likelihood
from dormancy.inference.history import Wave, kth_largest, not_ruled_out, sample_nroy

pytest.importorskip("sklearn")
pytest.importorskip("emcee")


def test_space_maps_log_uniform_priors_in_log10_and_back():
    space = ParameterSpace(("a", "b"), (1e-3, 0.0), (1e1, 2.0), (True, False))
    values = np.array([[1e-2, 0.5], [1e1, 2.0]])
    unit = space.to_unit(values)
    np.testing.assert_allclose(unit, [[0.25, 0.25], [1.0, 1.0]])
    np.testing.assert_allclose(space.from_unit(unit), values, rtol=1e-12)


def test_the_cube_edges_map_inside_the_prior_bounds():
    space = ParameterSpace(("a", "b"), (0.03, 0.2), (5.0, 5.0), (True, True))
    values = space.from_unit(np.array([[0.0, 1.0], [1.0, 0.0]]))  # 10**log10(0.03) alone is 0.029999999999999995
    assert np.all((values >= np.array(space.low)) & (values <= np.array(space.high)))
    np.testing.assert_allclose(values, [[0.03, 5.0], [5.0, 0.2]], rtol=1e-14)


def test_latin_hypercube_has_one_point_per_stratum_and_depends_on_the_seed_only():
    space = ParameterSpace(("a", "b", "c"), (0.0,) * 3, (1.0,) * 3, (False,) * 3)
    points = space.latin_hypercube(50, seed=4)
    for column in points.T:
        assert sorted(np.floor(column * 50).astype(int)) == list(range(50))
    np.testing.assert_array_equal(points, space.latin_hypercube(50, seed=4))
    assert not np.array_equal(points, space.latin_hypercube(50, seed=5))


def test_bad_space_is_an_input_error_naming_the_parameter():
    with pytest.raises(InputError, match=r"space\.a"):
        ParameterSpace(("a",), (0.0,), (1.0,), (True,))


def test_normal_observation_is_the_normal_log_density_with_emulator_variance_added():
    observation = [Observation.normal("x", 2.0, 0.5)]
    value = log_likelihood(observation, np.array([[2.7]]), np.array([[0.11]]))
    assert value[0] == pytest.approx(stats.norm.logpdf(2.0, 2.7, math.sqrt(0.25 + 0.11)), rel=1e-12)


@pytest.mark.parametrize("mean", [-40.0, -3.0, 0.0, 0.7, 1.0, 4.0, 60.0])
def test_interval_observation_is_the_probability_of_landing_inside_without_cancellation(mean):
    observation = [Observation.interval("x", 0.0, 1.0, 0.2)]
    value = log_likelihood(observation, np.array([[mean]]))[0]
    direct = math.log(stats.norm.cdf((1.0 - mean) / 0.2) - stats.norm.cdf((0.0 - mean) / 0.2) or 1e-320)
    if -1.0 <= mean <= 2.0:
        assert value == pytest.approx(direct, rel=1e-10)
    else:  # far outside: the nearer edge's normal tail
        distance = max(0.0 - mean, mean - 1.0) / 0.2
        assert value == pytest.approx(stats.norm.logsf(distance), rel=1e-6)
    assert np.isfinite(value)
    # one-sided bounds: inside is log(1) far from the edge, outside decreasing
    upper = [Observation.interval("y", -math.inf, 1.0, 0.2)]
    assert log_likelihood(upper, np.array([[-5.0]]))[0] == pytest.approx(0.0, abs=1e-12)
    assert log_likelihood(upper, np.array([[3.0]]))[0] < log_likelihood(upper, np.array([[2.0]]))[0]


def test_implausibility_is_zero_inside_a_range_and_the_standardised_distance_outside():
    observations = [Observation.interval("x", 0.0, 1.0, 0.5), Observation.normal("y", 0.0, 2.0)]
    values = implausibility(observations, np.array([[0.5, 3.0], [2.0, -4.0]]), np.array([[0.0, 5.0], [0.0, 0.0]]))
    np.testing.assert_allclose(values, [[0.0, 1.0], [2.0, 2.0]])
    assert kth_largest(values, 1).tolist() == [1.0, 2.0]
    assert np.isinf(implausibility(observations, np.array([[np.nan, 0.0]]))[0, 0])


def _toy(unit: np.ndarray, rng: np.random.Generator | None = None, sd: float = 0.05) -> np.ndarray:
    """A smooth 2-parameter simulator with three statistics (and normal noise of SD ``sd``)."""
    u0, u1 = unit[:, 0], unit[:, 1]
    clean = np.column_stack([u0 + 0.5 * u1, u0 - u1**2, np.sin(3.0 * u1)])
    return clean if rng is None else clean + rng.normal(scale=sd, size=clean.shape)


@pytest.fixture(scope="module")
def toy_emulator():
    from dormancy.inference.emulator import Emulator

    space = ParameterSpace(("u0", "u1"), (0.0, 0.0), (1.0, 1.0), (False, False))
    design = space.latin_hypercube(60, seed=1)
    data = _toy(design, np.random.default_rng(2))
    return Emulator.fit(design, data, seed=3)


def test_emulator_follows_the_function_and_estimates_the_noise(toy_emulator):
    test = np.random.default_rng(5).random((200, 2))
    mean, variance = toy_emulator.predict(test)
    error = mean - _toy(test)
    assert np.sqrt(np.mean(error**2)) < 0.03  # well below the noise SD of 0.05
    np.testing.assert_allclose(np.sqrt(toy_emulator.noise), 0.05, rtol=0.35)
    # the latent variance is honest: standardised errors have about unit spread
    assert 0.5 < np.std(error / np.sqrt(variance)) < 2.0


def test_fast_prediction_equals_scikit_learns(toy_emulator):
    test = np.random.default_rng(6).random((50, 2))
    fast_mean, fast_variance = toy_emulator.predict(test)
    mean, variance = toy_emulator.predict_reference(test)
    np.testing.assert_allclose(fast_mean, mean, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fast_variance, variance, rtol=1e-6, atol=1e-10)


def test_mcmc_recovers_a_gaussian_posterior():
    from dormancy.inference.mcmc import sample_posterior

    centre, sd = np.array([0.4, 0.6]), np.array([0.05, 0.08])

    def loglik(unit):
        return -0.5 * np.sum(((unit - centre) / sd) ** 2, axis=1)

    result = sample_posterior(loglik, np.random.default_rng(0).random((64, 2)), seed=11, steps=2000)
    np.testing.assert_allclose(result.unit.mean(axis=0), centre, atol=0.01)
    np.testing.assert_allclose(result.unit.std(axis=0), sd, rtol=0.15)
    assert 0.2 < result.acceptance < 0.9
    assert np.all(result.effective_sample_size > 200)
    again = sample_posterior(loglik, np.random.default_rng(0).random((64, 2)), seed=11, steps=2000)
    np.testing.assert_array_equal(result.unit, again.unit)


def test_mcmc_starts_only_inside_the_support_and_says_so_when_no_candidate_is():
    """A support (e.g. earlier waves' cuts) that most candidates miss: walkers start at the ones inside it."""
    from dormancy.inference.mcmc import sample_posterior

    centre, sd = np.array([0.4, 0.6]), np.array([0.05, 0.08])

    def loglik(unit):
        value = -0.5 * np.sum(((unit - centre) / sd) ** 2, axis=1)
        return np.where(unit[:, 0] < 0.5, value, -np.inf)  # the support: the left half of the square

    candidates = np.random.default_rng(0).random((200, 2))
    candidates[:190, 0] = 0.5 + 0.5 * candidates[:190, 0]  # 190 of 200 outside the support, fewer than the walkers
    result = sample_posterior(loglik, candidates, seed=11, steps=1000)
    assert np.all(np.isfinite(result.log_posterior)) and np.all(result.unit[:, 0] < 0.5)
    np.testing.assert_allclose(np.median(result.unit, axis=0), centre, atol=0.03)
    with pytest.raises(ValueError, match="support"):
        sample_posterior(loglik, candidates[:190], seed=11, steps=100)


def test_history_matching_keeps_the_truth_and_rules_out_most_of_the_cube(toy_emulator):
    truth = np.array([[0.3, 0.7]])
    observations = [Observation.normal(f"s{t}", v, 0.05) for t, v in enumerate(_toy(truth)[0])]
    sample = sample_nroy(toy_emulator.predict, observations, dimension=2, n=300, seed=1)
    assert sample.uniform_fraction < 0.2
    assert np.all(sample.implausibility <= 3.0)
    assert np.min(np.linalg.norm(sample.unit - truth, axis=1)) < 0.05


def test_a_local_waves_cut_rules_out_only_inside_its_box(toy_emulator):
    """A local wave's emulators were fitted inside its box: outside it they extrapolate and must rule nothing out."""
    truth = np.array([[0.3, 0.7]])
    observations = tuple(Observation.normal(f"s{t}", v, 0.05) for t, v in enumerate(_toy(truth)[0]))
    box = (np.array([0.2, 0.6]), np.array([0.4, 0.8]))
    everywhere = Wave(toy_emulator.predict, observations)
    local = Wave(toy_emulator.predict, observations, box=box)
    points = np.random.default_rng(3).random((400, 2))
    inside = np.all((points >= box[0]) & (points <= box[1]), axis=1)
    assert inside.sum() > 5 and (~inside).sum() > 300
    np.testing.assert_array_equal(local.score(points)[inside], everywhere.score(points[inside]))
    assert np.all(local.score(points)[~inside] == 0.0)
    far = ~not_ruled_out([everywhere], points)
    assert far[~inside].sum() > 100  # the unrestricted cut rules out much of the outside ...
    assert np.all(not_ruled_out([local], points)[~inside])  # ... the local one none of it


def test_later_waves_keep_only_what_every_earlier_wave_left(toy_emulator):
    truth = np.array([[0.3, 0.7]])
    observations = tuple(Observation.normal(f"s{t}", v, 0.05) for t, v in enumerate(_toy(truth)[0]))

    def left_half(unit):  # an "earlier wave" whose only plausible statistic is u0 < 0.5
        return np.column_stack([unit[:, 0] * 2.0]), np.zeros((len(unit), 1))

    earlier = Wave(left_half, (Observation.normal("u0", 0.0, 1.0 / 3.0),), k=1)
    grid = np.random.default_rng(3).random((500, 2))
    np.testing.assert_array_equal(not_ruled_out([earlier], grid), grid[:, 0] <= 0.5)
    np.testing.assert_array_equal(not_ruled_out([], grid), np.ones(500, bool))
    both = not_ruled_out([earlier, Wave(toy_emulator.predict, observations, k=1)], grid)
    alone = Wave(toy_emulator.predict, observations, k=1).score(grid) <= 3.0
    np.testing.assert_array_equal(both, alone & (grid[:, 0] <= 0.5))
    sample = sample_nroy(toy_emulator.predict, observations, dimension=2, n=200, seed=1, earlier=[earlier])
    assert len(sample.unit) > 0 and np.all(sample.unit[:, 0] <= 0.5)
    assert np.min(np.linalg.norm(sample.unit - truth, axis=1)) < 0.05


def test_validation_inflates_only_an_overconfident_emulator(toy_emulator):
    from dormancy.inference.emulator import validation_inflation

    rng = np.random.default_rng(9)
    unit = rng.random((300, 2))
    z = _toy(unit, rng)  # independent runs with the simulator's noise, SD 0.05
    honest = validation_inflation(toy_emulator.predict, unit, z, np.full(3, 0.05**2))
    assert np.all(honest >= 1.0) and np.all(honest < 1.35)
    # told the runs' noise is a third of what it is: the errors are three times too large, and so are the factors
    factors = validation_inflation(toy_emulator.predict, unit, z, np.full(3, (0.05 / 3) ** 2))
    np.testing.assert_allclose(factors, 3.0, rtol=0.3)
    # a Wave carrying them is less ready to rule a point out
    observations = tuple(Observation.normal(f"s{t}", v, 0.05) for t, v in enumerate(_toy(np.array([[0.3, 0.7]]))[0]))
    plain, inflated = (
        Wave(toy_emulator.predict, observations),
        Wave(toy_emulator.predict, observations, inflation=factors),
    )
    assert np.all(inflated.score(unit) <= plain.score(unit))


def test_a_small_nroy_space_is_filled_without_piling_points_on_the_cube_faces():
    # a small NROY ball against a corner: uniform rounds alone find too few, so perturbations fill in
    centre = np.array([0.04, 0.96, 0.5])

    def distance(unit):
        return np.column_stack([np.linalg.norm(unit - centre, axis=1) * 30.0]), np.zeros((len(unit), 1))

    observations = (Observation.normal("r", 0.0, 1.0),)
    sample = sample_nroy(distance, observations, dimension=3, n=300, seed=4, batch=2000, uniform_rounds=2)
    assert len(sample.unit) == 300
    assert np.all(np.linalg.norm(sample.unit - centre, axis=1) <= 0.1 + 1e-12)
    assert not np.any((sample.unit == 0.0) | (sample.unit == 1.0))  # no mass on the faces
    # the NROY volume (a quarter ball of radius 0.1 cut by two faces... here ~1/4 of 4/3 pi 0.1^3) estimated
    assert 0.0 < sample.uniform_fraction < 0.005


def test_a_local_wave_samples_inside_its_box_and_measures_the_box_share():
    # NROY: a ball of radius 0.1 around the centre; the box holds its left half only
    centre = np.array([0.5, 0.5, 0.5])

    def distance(unit):
        return np.column_stack([np.linalg.norm(unit - centre, axis=1) * 30.0]), np.zeros((len(unit), 1))

    observations = (Observation.normal("r", 0.0, 1.0),)
    box = (np.array([0.3, 0.3, 0.3]), np.array([0.5, 0.7, 0.7]))
    sample = sample_nroy(distance, observations, dimension=3, n=200, seed=4, batch=4000, within=box)
    assert len(sample.unit) == 200
    assert np.all((sample.unit >= box[0]) & (sample.unit <= box[1]))
    # half a ball of radius 0.1 in a box of volume 0.2 * 0.4 * 0.4: (2/3) pi 0.001 / 0.032 = 0.065
    assert sample.uniform_fraction == pytest.approx(2.0 / 3.0 * np.pi * 1e-3 / 0.032, rel=0.15)


def test_coverage_intervals_stay_inside_the_support_they_are_given(toy_emulator):
    from dormancy.inference.sbc import check_coverage

    truth = np.array([[0.3, 0.7]])
    data = _toy(truth)
    kwargs = dict(level=0.9, seed=2, steps=400, start=np.random.default_rng(1).random((200, 2)))
    free = check_coverage(toy_emulator.predict, truth, data, np.full(3, 0.05), **kwargs)
    assert free.covered.all()
    # a support that excludes the truth (u0 > 0.5): no interval can reach it
    right = check_coverage(
        toy_emulator.predict, truth, data, np.full(3, 0.05), support=lambda u: u[:, 0] > 0.5, **kwargs
    )
    assert not right.covered[0, 0]
    assert right.rank[0, 0] == 0.0  # every posterior draw lies above the truth's u0


@pytest.mark.slow
def test_nominal_90_percent_intervals_cover_the_truth_at_their_rate(toy_emulator):
    from dormancy.inference.sbc import check_coverage

    rng = np.random.default_rng(7)
    truths = 0.05 + 0.9 * rng.random((24, 2))
    data = _toy(truths, rng)
    coverage = check_coverage(
        toy_emulator.predict, truths, data, np.full(3, 0.05), level=0.9, seed=3, steps=500, walkers=16
    )
    assert 0.80 <= coverage.rate <= 0.97
    # ranks are not piled at the ends (an overconfident method puts the truth outside the draws)
    assert np.mean((coverage.rank < 0.02) | (coverage.rank > 0.98)) < 0.1


def _steep(unit: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """A statistic that is mostly a steep plane in 6 parameters, with a small curvature and noise SD 0.05."""
    slope = np.array([8.0, -5.0, 3.0, 0.0, 1.0, -2.0])
    clean = (unit - 0.5) @ slope + 0.5 * np.sum((unit - 0.5) ** 2, axis=1)
    return (clean if rng is None else clean + rng.normal(scale=0.05, size=len(unit)))[:, None]


def test_a_linear_trend_follows_a_local_plane_beyond_the_design_and_widens_there():
    from dormancy.inference.emulator import Emulator

    space = ParameterSpace(tuple(f"u{i}" for i in range(6)), (0.0,) * 6, (1.0,) * 6, (False,) * 6)
    design = space.latin_hypercube(40, seed=2, within=(np.full(6, 0.4), np.full(6, 0.6)))
    data = _steep(design, np.random.default_rng(3))
    linear = Emulator.fit(design, data, seed=4, trend="linear")
    constant = Emulator.fit(design, data, seed=4)
    inside = 0.42 + 0.16 * np.random.default_rng(5).random((200, 6))
    beyond = 0.6 + 0.1 * np.random.default_rng(6).random((200, 6))  # up to half the box's width past its edge
    for points in (inside, beyond):
        mean, variance = linear.predict(points)
        error = mean - _steep(points)
        assert np.mean(np.abs(error) / np.sqrt(variance) < 1.96) > 0.85  # honest intervals
    # beyond the design the plane carries on where a constant-mean GP falls back towards the runs' mean
    error_linear = linear.predict(beyond)[0] - _steep(beyond)
    error_constant = constant.predict(beyond)[0] - _steep(beyond)
    assert np.sqrt(np.mean(error_linear**2)) < 0.5 * np.sqrt(np.mean(error_constant**2))
    # the plane's own uncertainty grows away from the design
    centre, far = np.full((1, 6), 0.5), np.full((1, 6), 0.9)
    assert linear.predict(far)[1][0, 0] > 10.0 * linear.predict(centre)[1][0, 0]
    # the fast prediction and scikit-learn's agree with a trend too
    np.testing.assert_allclose(linear.predict(inside)[0], linear.predict_reference(inside)[0], atol=1e-10)
    np.testing.assert_allclose(linear.predict(inside)[1], linear.predict_reference(inside)[1], rtol=1e-6, atol=1e-10)
    with pytest.raises(ValueError, match="more than 7 runs"):
        Emulator.fit(design[:7], data[:7], seed=4, trend="linear")
