"""Wiring of the posterior fit to the patient model: observation models of the targets, design logs, posterior."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dormancy.inference.emulator import CAP, standardise, to_z
from dormancy.patients.posterior_fit import (
    POSTERIOR_PARAMETERS,
    observations,
    posterior_space,
    read_design,
    run_design,
    to_posterior,
)
from dormancy.patients.targets import load_targets


def test_every_target_has_an_observation_model_whose_band_is_its_tolerance():
    targets = load_targets()
    models = observations(targets)
    assert [m.name for m in models] == [t.statistic for t in targets]
    for target, model in zip(targets, models, strict=True):
        low, high = target.tolerance.bounds(target.published)
        if model.kind == "normal":  # the band is the 95 % interval of the published value
            assert model.value - 1.96 * model.sd == pytest.approx(low)
            assert model.value + 1.96 * model.sd == pytest.approx(high)
        else:
            assert (model.low, model.high) == (low, high)


def test_standardised_targets_are_met_at_zero_and_undefined_statistics_are_implausible():
    models = observations()
    shift, scale, standard = standardise(models)
    published = np.array(
        [m.value if m.kind == "normal" else (m.low if math.isfinite(m.low) else m.high) for m in models]
    )
    z = to_z(published[None, :], shift, scale)
    for model, value in zip(standard, z[0], strict=True):
        if model.kind == "normal":
            assert value == pytest.approx(0.0, abs=1e-12)
    assert np.all(to_z(np.full((1, len(models)), np.nan), shift, scale) == CAP)


def test_the_space_is_the_registry_priors_and_the_shipped_values_lie_inside():
    from dormancy.params import load_registry

    space = posterior_space()
    assert space.names == POSTERIOR_PARAMETERS
    registry = load_registry()
    shipped = np.array([registry.parameter(n).value for n in space.names])
    unit = space.to_unit(shipped)
    assert np.all((unit >= 0) & (unit <= 1))
    np.testing.assert_allclose(space.from_unit(unit), shipped, rtol=1e-12)


def _fake_simulator(calls):
    def simulate(values, *, seed, n_patients, budget_seconds=None):
        calls.append(dict(values))
        return np.array([sum(values.values()), float(seed), math.nan])

    return simulate


def test_design_runs_resume_from_the_log_and_ignore_a_torn_last_line(tmp_path):
    space = posterior_space(POSTERIOR_PARAMETERS[:2])
    points = space.latin_hypercube(5, seed=1)
    log = tmp_path / "design.jsonl"
    calls = []
    run_design(space, points[:3], wave=1, log=log, n_patients=10, seed=4, simulate=_fake_simulator(calls))
    with log.open("a") as handle:
        handle.write('{"names": ["torn')  # an interrupted write
    runs = run_design(space, points, wave=1, log=log, n_patients=10, seed=4, simulate=_fake_simulator(calls))
    assert len(calls) == 5  # the three logged points were not run again
    assert len(runs.unit) == 5
    np.testing.assert_allclose(runs.unit, points)
    assert np.isnan(runs.statistics[:, 2]).all()
    assert read_design(log, names=POSTERIOR_PARAMETERS[:3]).unit.shape == (0, 3)  # other names: not these runs


def test_posterior_draws_stay_inside_the_prior():
    space = posterior_space(POSTERIOR_PARAMETERS[:3])
    posterior = to_posterior(space, np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.25]]), {"method": "test"})
    low, high = np.array(space.low), np.array(space.high)
    assert np.all((posterior.draws >= low) & (posterior.draws <= high))
    assert posterior.metadata == {"method": "test"}


def test_parts_share_a_wave_without_running_a_point_twice(tmp_path):
    space = posterior_space(POSTERIOR_PARAMETERS[:2])
    points = space.latin_hypercube(7, seed=2)
    calls = []
    logs = [tmp_path / "design.part0.jsonl", tmp_path / "design.part1.jsonl"]
    run_design(space, points[:2], wave=1, log=logs[0], n_patients=10, seed=1, simulate=_fake_simulator(calls))
    for i in (0, 1):
        run_design(
            space,
            points,
            wave=1,
            log=logs[i],
            n_patients=10,
            seed=1,
            simulate=_fake_simulator(calls),
            part=(i, 2),
            done_logs=logs,
        )
    assert len(calls) == 7
    np.testing.assert_allclose(read_design(logs, names=space.names).unit, points)


def test_target_statistics_are_the_calibration_cohorts_statistics_and_a_spent_budget_is_undefined():
    from dormancy.patients.calibration import simulate_targets
    from dormancy.patients.posterior_fit import BUDGET_CHUNK, target_statistics
    from dormancy.patients.summaries import summarise

    values = {"patients_natural_history.clonogenic_fraction": 2e-3}
    n = BUDGET_CHUNK + 300  # more than one chunk: the budget's chunking must not change a row
    stats = summarise(simulate_targets(values, seed=5, n_patients=n))
    expected = np.array([float(stats.get(t.statistic, math.nan)) for t in load_targets()])
    np.testing.assert_array_equal(target_statistics(values, seed=5, n_patients=n), expected)
    assert np.isnan(target_statistics(values, seed=5, n_patients=n, budget_seconds=-1.0)).all()


def _runs(waves, sizes, seed=0, targets=None):
    from dormancy.patients.posterior_fit import DesignRuns

    rng = np.random.default_rng(seed)
    models = observations(targets)
    unit = rng.random((len(waves), len(POSTERIOR_PARAMETERS)))
    centre = np.array([o.value if o.kind == "normal" else 0.5 for o in models])
    statistics = centre * (1.0 + 0.1 * unit[:, :1]) + 0.01 * rng.normal(size=(len(waves), len(models)))
    return DesignRuns(unit, statistics, np.array(waves), np.array(sizes))


def test_each_wave_is_emulated_from_runs_of_its_own_cohort_size():
    from dormancy.patients.posterior_fit import wave_training

    runs = _runs([1, 1, 1, 2, 2, 3, 3, 3], [1000, 1000, 1000, 20000, 20000, 20000, 20000, 20000])
    assert wave_training(runs, 1).tolist() == [0, 1, 2]
    assert wave_training(runs, 2).tolist() == [3, 4]
    assert wave_training(runs, 3).tolist() == [3, 4, 5, 6, 7]  # wave 2's runs are at the same size
    with pytest.raises(ValueError, match="wave 4"):
        wave_training(runs, 4)
    # a local wave is fitted to the runs of its size inside its box only, whatever their wave
    box = (np.full(runs.unit.shape[1], 0.0), np.full(runs.unit.shape[1], 1.0))
    box[1][0] = 0.5
    inside = [i for i in (3, 4, 5, 6, 7) if runs.unit[i, 0] <= 0.5]
    assert 0 < len(inside) < 5
    assert wave_training(runs, 3, box=box).tolist() == inside


def test_a_local_wave_gets_a_linear_trend_and_its_own_cache_entry(tmp_path):
    from dormancy.patients.posterior_fit import emulate_waves

    targets = load_targets()[:2]
    runs = _runs([1] * 30, [500] * 30, seed=1, targets=targets)
    space = posterior_space()
    box = (np.zeros(space.dimension), np.ones(space.dimension))
    (constant,) = emulate_waves(runs, space=space, seed=3, cache=tmp_path, targets=targets)
    (local,) = emulate_waves(runs, space=space, seed=3, cache=tmp_path, targets=targets, boxes={1: box})
    assert constant.emulator.trend is None
    assert local.emulator.trend.shape == (2, space.dimension + 1)
    assert len(list(tmp_path.glob("wave*.pkl"))) == 2


def test_fitted_wave_emulators_are_cached_by_their_training_data(tmp_path):
    from dormancy.patients.posterior_fit import emulate_waves, history_waves

    targets = load_targets()[:2]
    runs = _runs([1] * 10 + [2] * 10, [500] * 10 + [5000] * 10, seed=1, targets=targets)
    space = posterior_space()
    first = emulate_waves(runs, space=space, seed=3, cache=tmp_path, targets=targets)
    assert len(list(tmp_path.glob("wave*.pkl"))) == 2
    again = emulate_waves(runs, space=space, seed=3, cache=tmp_path, targets=targets)
    probe = np.random.default_rng(2).random((5, space.dimension))
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a.emulator.predict(probe)[0], b.emulator.predict(probe)[0])
    assert first[0].emulator.n_train == 10 and first[1].emulator.n_train == 10
    cuts = history_waves(first, [1, 2])
    assert [c.k for c in cuts] == [3, 2]
    # other training data: a new fit, not the cached one
    changed = _runs([1] * 10 + [2] * 10, [500] * 10 + [5000] * 10, seed=2, targets=targets)
    emulate_waves(changed, space=space, seed=3, cache=tmp_path, targets=targets)
    assert len(list(tmp_path.glob("wave*.pkl"))) == 4


def test_evidence_statistics_give_every_repeat_aspirate_figure_as_a_percentage():
    from dormancy.patients.posterior_fit import evidence_statistics
    from dormancy.patients.repeat_aspirate import repeat_aspirate_targets

    stats = evidence_statistics({}, seed=3, n_patients=3000)
    for target in repeat_aspirate_targets():
        assert 0.0 <= stats[target.statistic] <= 100.0
    # more seeding, more marrow DTCs: more positive aspirates
    seeded = evidence_statistics({"patients_natural_history.seeding_mean_reference": 1e6}, seed=3, n_patients=3000)
    assert seeded["synnestvedt.positive_bm1"] > stats["synnestvedt.positive_bm1"]


def test_an_earlier_cut_that_rules_out_a_run_the_simulator_finds_plausible_is_refuted_in_the_box():
    from dormancy.inference.history import Wave
    from dormancy.patients.posterior_fit import DesignRuns, refuted_cuts

    targets = load_targets()[:2]
    model = observations(targets)
    d = len(POSTERIOR_PARAMETERS)
    unit = np.full((4, d), 0.5)
    unit[:, 0] = [0.45, 0.55, 0.58, 0.9]  # the last run lies outside the box
    published = np.array([o.value for o in model])
    statistics = np.vstack([published, published, published + 10 * np.array([o.sd for o in model]), published])
    runs = DesignRuns(unit, statistics, np.full(4, 5), np.full(4, 20000))
    box = (np.full(d, 0.4), np.full(d, 0.6))

    def cut_above(edge):  # an "earlier wave" that calls every point with u0 > edge implausible
        standard = tuple(type(o).normal(o.name, 0.0, 1.0) for o in model)
        return Wave(lambda u: (np.where(u[:, :1] > edge, 10.0, 0.0) * np.ones((1, 2)), np.zeros((len(u), 2))), standard)

    # run 1 (u0 = 0.55) meets both targets; run 2 (0.58) misses them by 10 SDs and does not count
    # the plausible run at u0 = 0.9 lies outside the box: the third cut is not refuted by it
    assert refuted_cuts([cut_above(0.5), cut_above(0.56), cut_above(0.8)], runs, box, targets=targets) == [0]
