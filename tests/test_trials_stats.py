"""Trial statistics against independent references: lifelines, analytic values, Schoenfeld's power formula."""

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from dormancy.trials import clopper_pearson, compare_groups, kaplan_meier, lifelines_summary


def exponential_trial(rng, n_per_arm, hazard_ratio, *, control_rate=0.2, follow_up=5.0):
    """Two arms with exponential event times (rates control_rate and control_rate × HR), censored at follow_up."""
    group = np.repeat([False, True], n_per_arm)
    rate = np.where(group, control_rate * hazard_ratio, control_rate)
    event_time = rng.exponential(1.0 / rate)
    censor = rng.uniform(0.5 * follow_up, follow_up, size=group.size)
    return np.minimum(event_time, censor), event_time <= censor, group


def test_cox_recovers_a_known_hazard_ratio_with_nominal_coverage():
    rng = np.random.default_rng(11)
    log_ratios, covered = [], []
    for _ in range(300):
        result = compare_groups(*exponential_trial(rng, 200, 0.6))
        log_ratios.append(math.log(result.hazard_ratio))
        covered.append(result.ci_low < 0.6 < result.ci_high)
        assert result.events_experimental + result.events_control > 0
    assert abs(np.mean(log_ratios) - math.log(0.6)) < 0.03  # standard error of the mean about 0.009
    assert 0.92 <= np.mean(covered) <= 0.98  # 95 % interval; binomial sd of the coverage about 0.013


@pytest.mark.parametrize("hazard_ratio", [0.5, 1.0, 1.7])
def test_cox_and_log_rank_equal_lifelines(hazard_ratio):
    rng = np.random.default_rng(int(hazard_ratio * 10))
    time, event, group = exponential_trial(rng, 60, hazard_ratio)
    ours = compare_groups(time, event, group)
    reference = lifelines_summary(time, event, group)
    assert ours.hazard_ratio == pytest.approx(reference["hazard_ratio"], rel=1e-4)  # lifelines' own tolerance
    assert ours.ci_low == pytest.approx(reference["ci_low"], rel=1e-4)
    assert ours.ci_high == pytest.approx(reference["ci_high"], rel=1e-4)
    assert ours.p_value == pytest.approx(reference["p_value"], rel=1e-6)


def test_kaplan_meier_equals_lifelines_and_the_exponential_survival():
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(5)
    time, event, _ = exponential_trial(rng, 4000, 1.0, control_rate=0.3)
    grid = np.array([0.0, 0.5, 1.0, 2.0, 2.49])
    ours = kaplan_meier(time, event, grid)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = KaplanMeierFitter().fit(time, event).survival_function_at_times(grid).to_numpy()
    np.testing.assert_allclose(ours, reference, rtol=1e-12)
    np.testing.assert_allclose(ours, np.exp(-0.3 * grid), atol=0.015)  # censoring starts at 2.5 years


def test_groups_without_events_give_an_undefined_hazard_ratio_not_an_error():
    time = np.array([3.0, 4.0, 1.0, 2.0])
    result = compare_groups(time, np.array([False, False, True, True]), np.array([False, False, True, True]))
    assert math.isnan(result.hazard_ratio)
    assert 0.0 < result.p_value < 1.0
    nothing = compare_groups(time, np.zeros(4, dtype=bool), np.array([False, False, True, True]))
    assert math.isnan(nothing.hazard_ratio) and math.isnan(nothing.p_value)


def test_clopper_pearson_matches_scipy_exact_interval():
    for successes, trials in ((0, 10), (3, 10), (10, 10), (27, 51)):
        proportion, low, high = clopper_pearson(successes, trials)
        interval = stats.binomtest(successes, trials).proportion_ci(method="exact")
        assert proportion == successes / trials
        assert low == pytest.approx(interval.low, abs=1e-12)
        assert high == pytest.approx(interval.high, abs=1e-12)
    assert all(math.isnan(v) for v in clopper_pearson(0, 0))


def test_power_by_simulation_matches_schoenfeld_and_the_null_keeps_its_level():
    rng = np.random.default_rng(2024)
    n_per_arm, hazard_ratio, alpha, replicates = 150, 0.6, 0.05, 400
    significant, events = [], []
    for _ in range(replicates):
        time, event, group = exponential_trial(rng, n_per_arm, hazard_ratio)
        result = compare_groups(time, event, group)
        significant.append(result.p_value < alpha)
        events.append(result.events_experimental + result.events_control)
    # Schoenfeld (1981): power = Phi(sqrt(D p (1 - p)) |log HR| - z_{1 - alpha/2}), p = 1/2 allocated to each arm
    expected = stats.norm.cdf(math.sqrt(np.mean(events) / 4.0) * abs(math.log(hazard_ratio)) - stats.norm.ppf(0.975))
    assert abs(np.mean(significant) - expected) < 0.06
    null = [compare_groups(*exponential_trial(rng, n_per_arm, 1.0)).p_value for _ in range(replicates)]
    assert abs(np.mean(np.array(null) < alpha) - alpha) < 3 * math.sqrt(alpha * (1 - alpha) / replicates)
    assert stats.kstest(null, "uniform").pvalue > 0.001


def test_a_monotone_likelihood_gives_nan_not_an_overflow():
    # the only experimental event comes while controls are at risk; control events only after the experimental
    # arm has left the risk set: the partial likelihood rises for ever with beta
    time = np.array([1.0, 2.0, 3.0, 4.0])
    event = np.array([True, False, True, True])
    experimental = np.array([True, True, False, False])
    result = compare_groups(time, event, experimental)
    assert math.isnan(result.hazard_ratio)
    assert 0.0 < result.p_value <= 1.0
