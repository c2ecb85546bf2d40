"""ABC-SMC calibration machinery: priors from the registry, seeds, distance, and recovery of a known parameter."""

import math

import numpy as np
import pandas as pd
import pytest

from dormancy.params import load_registry
from dormancy.patients import calibration
from dormancy.patients.parameters import FREE_PARAMETERS
from dormancy.patients.targets import load_targets

NAME = FREE_PARAMETERS[0]


def exponential_simulator(hazard_of):
    """A synthetic simulator: every patient recurs at a constant hazard ``hazard_of(parameters)`` per year."""

    def simulate(spec, seed, parameters):
        rng = np.random.default_rng(seed)
        n = spec.n_patients
        times = rng.exponential(1.0 / hazard_of(parameters), n)
        recurred = times < spec.followup_years
        return pd.DataFrame(
            {
                "patient": np.arange(n),
                "recurred": recurred,
                "recurrence_years": np.where(recurred, times, np.nan),
                "followup_years": spec.followup_years,
                "recurrence_site": np.where(recurred, "bone", ""),
                "er_positive": np.arange(n) % 2 == 0,
                "t_stage": "T1",
                "n_stage": "N0",
                "grade": 2,
                "dtc_positive": np.arange(n) % 3 == 0,
                "dormant_at_5y": 1,
                "micrometastases_at_10y": 1,
                "escapes": 1,
                "status": "ok",
            }
        )

    return simulate


def test_priors_come_from_the_registry_records():
    priors = calibration.prior_bounds()
    registry = load_registry()
    assert tuple(priors.index) == FREE_PARAMETERS
    for name, row in priors.iterrows():
        record = registry.parameter(name)
        assert (row["low"], row["high"], row["value"]) == (record.prior.low, record.prior.high, record.value)
        assert row["scale"] == ("log10" if record.prior.distribution == "loguniform" else "linear")


def test_target_cohorts_mimic_the_source_populations():
    cohorts = calibration.target_cohorts(n_patients=1000)
    assert set(cohorts) == {
        "colleoni", "braun", "pan_T1N0", "pan_T1N1-3", "pan_T2N0", "pan_T2N4-9", "ebctcg_control", "ebctcg_tamoxifen"
    }  # fmt: skip
    assert cohorts["colleoni"].care.endocrine_years == 0
    # EBCTCG 2011: the same ER+ patients with and without 5 years of tamoxifen
    control, tamoxifen = cohorts["ebctcg_control"], cohorts["ebctcg_tamoxifen"]
    assert control.population == tamoxifen.population and control.population.er_positive_only
    assert (control.care.endocrine_years, tamoxifen.care.endocrine_years) == (0, 5)
    for stratum in ("T1N0", "T1N1-3", "T2N0", "T2N4-9"):
        spec = cohorts[f"pan_{stratum}"]
        assert spec.care.endocrine_years == 5
        assert spec.population.er_positive_only is True
        assert spec.population.t_stage_fractions[stratum[:2]] == 1.0
        assert spec.population.n_stage_fractions[stratum[2:]] == 1.0


def test_cohort_seeds_depend_on_parameter_values_only_through_their_bits():
    simulator = exponential_simulator(lambda p: 0.1)
    tables = calibration.simulate_targets({NAME: 0.5}, seed=3, n_patients=50, simulator=simulator)
    again = calibration.simulate_targets({NAME: 0.5}, seed=3, n_patients=50, simulator=simulator)
    other = calibration.simulate_targets({NAME: 0.5000000001}, seed=3, n_patients=50, simulator=simulator)
    for name in tables:
        pd.testing.assert_frame_equal(tables[name], again[name])
        assert not tables[name].equals(other[name])
    assert not tables["colleoni"].equals(tables["braun"])  # each cohort its own stream
    # the arms of the tamoxifen comparison share their patients (common random numbers)
    pd.testing.assert_frame_equal(tables["ebctcg_control"], tables["ebctcg_tamoxifen"])


def test_distance_is_zero_at_the_targets_and_grows_away_from_them():
    targets = load_targets()
    at_target = {t.statistic: t.published for t in targets if math.isfinite(t.published)}
    near = calibration.distance(at_target, targets[:8])  # the eight Colleoni hazards
    assert near == 0.0
    off = dict(at_target, **{targets[0].statistic: targets[0].published * 1.4})  # two tolerances off
    assert calibration.distance(off, targets[:8]) == pytest.approx(math.sqrt(4 / 8))
    assert calibration.distance({}, targets[:8]) == calibration.DEVIATION_CAP


@pytest.mark.slow
def test_abc_smc_recovers_a_known_hazard_and_is_reproducible(tmp_path):
    # the only target: ER+ hazard years 0-5 of 9.9 %/y; the synthetic hazard is 9.9 %/y exactly at x = x_true
    target = next(t for t in load_targets() if t.statistic == "colleoni.hazard.er_positive.0-5")
    prior = calibration.prior_bounds((NAME,)).iloc[0]
    low, high = prior["low"], prior["high"]
    x_true = math.sqrt(low * high) if prior["scale"] == "log10" else (low + high) / 2
    simulator = exponential_simulator(lambda p: 0.099 * p[NAME] / x_true)
    options = dict(
        seed=11,
        population_size=20,
        generations=3,
        minimum_epsilon=0.05,
        n_patients=300,
        names=(NAME,),
        simulator=simulator,
        targets=(target,),
    )
    caller_state = np.random.get_state()  # noqa: NPY002
    result = calibration.calibrate(database=tmp_path / "a.db", **options)
    after = np.random.get_state()  # noqa: NPY002
    assert all(np.array_equal(a, b) for a, b in zip(caller_state, after, strict=True)), "pyabc seeding leaked"
    median, q05, q95 = result.summary.loc[NAME, ["median", "q05", "q95"]]
    assert q05 < x_true < q95
    assert median == pytest.approx(x_true, rel=0.25)
    # ABC narrowed the prior
    assert (q95 - q05) < 0.5 * (high - low)
    assert list(result.generations["t"]) == [0, 1, 2]
    assert (np.diff(result.generations["epsilon"]) < 0).all()
    repeated = calibration.calibrate(database=tmp_path / "b.db", **options)
    pd.testing.assert_frame_equal(result.summary, repeated.summary)
    loaded = calibration.load_calibration(tmp_path / "a.db", (NAME,))
    pd.testing.assert_frame_equal(loaded.summary, result.summary)
    pd.testing.assert_frame_equal(loaded.generations, result.generations)


def test_morris_gives_zero_to_a_parameter_that_cannot_matter_and_more_to_one_that_must():
    from dormancy.patients.sensitivity import morris_sensitivity

    used, unused = FREE_PARAMETERS[0], FREE_PARAMETERS[1]
    reference = calibration.prior_bounds((used,)).iloc[0]["high"]
    simulator = exponential_simulator(lambda p: 0.1 * p[used] / reference)
    indices = morris_sensitivity(samples=4, n_patients=300, seed=2, names=(used, unused), simulator=simulator)
    assert len(indices) == 2 * 3
    by = indices.set_index(["parameter", "horizon_years"])
    for horizon in (5.0, 10.0, 20.0):
        assert by.loc[(unused, horizon), "mu_star"] == 0.0  # common random numbers: exactly no effect
        assert by.loc[(used, horizon), "mu_star"] > 1.0  # percentage points per unit of the gridded scale
        assert by.loc[(used, horizon), "mu"] > 0  # a higher hazard means more recurrence
