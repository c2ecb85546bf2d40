"""Bone metastases from the metastatic course after a first distant recurrence elsewhere (patients.metastatic_course).

The first tests call the draw directly on synthetic first recurrences (no kernel, fast); the last ones run a small
cohort through the compiled kernel and are marked slow.
"""

import math

import numpy as np
import pandas as pd
import pytest

import dormancy.patients.cohort as cohort_module
from dormancy.params import load_registry
from dormancy.patients import CohortSpec, simulate_cohort
from dormancy.patients.metastatic_course import bone_after_visceral_years
from dormancy.patients.parameters import SET_NAME
from dormancy.patients.sites import VISCERAL_SITES

VALUES = load_registry().sets[SET_NAME].values()
P = "bone_after_visceral_probability"
M = "bone_after_visceral_delay_years"


def draw(values, n=200_000, seed=3, followup=np.inf):
    """Route times of ``n`` patients whose first recurrences cycle through elsewhere, bone and none."""
    sites = np.array(["other", "bone", ""])[np.arange(n) % 3]
    recurrence = np.where(sites == "", np.nan, 1.0 + (np.arange(n) % 7))
    times = bone_after_visceral_years(
        values, seed=seed, ids=np.arange(n), recurrence_years=recurrence, recurrence_site=sites, followup_years=followup
    )
    return sites, recurrence, times


def test_the_shipped_values_are_read_from_the_registry():
    assert VALUES[P] == pytest.approx((0.71 - 0.46) / (1.0 - 0.46), abs=0.005)  # Solomayer 2000
    assert 0.25 <= VALUES[M] <= 2.0


def test_only_a_first_recurrence_elsewhere_is_followed_by_one_and_it_comes_later():
    sites, recurrence, times = draw(VALUES)
    assert np.isnan(times[sites != "other"]).all()
    later = ~np.isnan(times)
    assert (times[later] > recurrence[later]).all()


def test_the_fraction_among_first_recurrences_elsewhere_is_p_and_the_mean_delay_is_m():
    sites, recurrence, times = draw(VALUES)
    elsewhere = sites == "other"
    n = int(elsewhere.sum())
    events = int(np.sum(~np.isnan(times[elsewhere])))
    p = VALUES[P]
    assert abs(events - p * n) < 4.0 * math.sqrt(n * p * (1.0 - p)), (events, n)
    delays = (times - recurrence)[~np.isnan(times)]
    assert abs(delays.mean() - VALUES[M]) < 4.0 * VALUES[M] / math.sqrt(len(delays))
    assert np.median(delays) == pytest.approx(VALUES[M] * math.log(2.0), rel=0.03)


def test_p_zero_gives_none_and_p_one_with_a_tiny_delay_gives_every_first_recurrence_elsewhere_one():
    assert np.isnan(draw({P: 0.0, M: VALUES[M]})[2]).all()
    sites, recurrence, times = draw({P: 1.0, M: 1e-9})
    elsewhere = sites == "other"
    assert not np.isnan(times[elsewhere]).any()
    np.testing.assert_allclose(times[elsewhere], recurrence[elsewhere], atol=1e-6)


def test_times_beyond_follow_up_are_not_observed():
    unlimited = draw(VALUES, followup=np.inf)[2]
    within = draw(VALUES, followup=5.0)[2]
    assert np.nanmax(within) <= 5.0
    np.testing.assert_array_equal(within, np.where(unlimited <= 5.0, unlimited, np.nan))
    assert np.sum(unlimited > 5.0) > 0


def test_a_patients_draw_depends_only_on_seed_and_id():
    ids = np.array([5, 900, 17, 3, 42, 8])
    recurrence = np.full(6, 2.0)
    sites = np.full(6, "other")
    values = {P: 1.0, M: 1.0}
    base = bone_after_visceral_years(
        values, seed=3, ids=ids, recurrence_years=recurrence, recurrence_site=sites, followup_years=np.inf
    )
    order = np.array([4, 2, 0])
    part = bone_after_visceral_years(
        values,
        seed=3,
        ids=ids[order],
        recurrence_years=recurrence[order],
        recurrence_site=sites[order],
        followup_years=np.inf,
    )
    np.testing.assert_array_equal(base[order], part)
    other = bone_after_visceral_years(
        values, seed=4, ids=ids, recurrence_years=recurrence, recurrence_site=sites, followup_years=np.inf
    )
    assert not np.array_equal(base, other)


# --- through the cohort simulator (compiled kernel) ---------------------------------------------------------------

SPEC = CohortSpec(3000, followup_years=15.0, deaths=False)  # the route's mechanics: no death hides its draw
SEED = 41


def with_route(**changed):
    """Simulate SPEC with the route's values replaced (outside the priors, which overrides cannot reach)."""

    def patched(values, **kwargs):
        return bone_after_visceral_years({**values, **changed}, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cohort_module, "bone_after_visceral_years", patched)
        return simulate_cohort(SPEC, seed=SEED).table


@pytest.fixture(scope="module")
def shipped():
    return simulate_cohort(SPEC, seed=SEED).table


@pytest.fixture(scope="module")
def without_route():
    return with_route(**{P: 0.0})


@pytest.mark.slow
def test_only_the_bone_column_moves_and_only_for_first_recurrences_elsewhere(shipped, without_route):
    others = [c for c in shipped.columns if c != "bone_metastasis_years"]
    pd.testing.assert_frame_equal(shipped[others], without_route[others])
    kernel = without_route["bone_metastasis_years"].to_numpy(float)
    bone = shipped["bone_metastasis_years"].to_numpy(float)
    elsewhere = np.isin(shipped["recurrence_site"].to_numpy(str), VISCERAL_SITES)
    np.testing.assert_array_equal(bone[~elsewhere], kernel[~elsewhere])
    # the column is the earlier of the kernel's own later bone focus and the route's draw
    route = bone_after_visceral_years(
        VALUES,
        seed=SEED,
        ids=shipped["patient"].to_numpy(),
        recurrence_years=shipped["recurrence_years"].to_numpy(float),
        recurrence_site=shipped["recurrence_site"].to_numpy(str),
        followup_years=SPEC.followup_years,
    )
    np.testing.assert_array_equal(bone, np.fmin(kernel, route))
    recurrence = shipped["recurrence_years"].to_numpy(float)
    later = elsewhere & ~np.isnan(bone)
    assert (bone[later] >= recurrence[later]).all()
    assert (bone[later] <= SPEC.followup_years).all()
    # more patients with a first recurrence elsewhere get a bone metastasis, none loses one or gets it later
    assert np.sum(~np.isnan(bone[elsewhere])) > np.sum(~np.isnan(kernel[elsewhere]))
    assert not np.any(bone > kernel)


@pytest.mark.slow
def test_p_one_with_a_tiny_delay_gives_every_first_recurrence_elsewhere_a_bone_metastasis(shipped):
    table = with_route(**{P: 1.0, M: 1e-9})
    elsewhere = table["recurrence_site"].isin(VISCERAL_SITES)
    assert elsewhere.sum() > 100
    bone = table.loc[elsewhere, "bone_metastasis_years"]
    assert bone.notna().all()
    np.testing.assert_allclose(bone, table.loc[elsewhere, "recurrence_years"], atol=1e-6)
    pd.testing.assert_series_equal(table["recurrence_site"], shipped["recurrence_site"])


@pytest.mark.slow
def test_the_later_bone_fraction_among_first_recurrences_elsewhere_follows_p(shipped, without_route):
    elsewhere = np.isin(shipped["recurrence_site"].to_numpy(str), VISCERAL_SITES)
    n = int(elsewhere.sum())
    kernel = ~np.isnan(without_route["bone_metastasis_years"].to_numpy(float)[elsewhere])
    after = ~np.isnan(shipped["bone_metastasis_years"].to_numpy(float)[elsewhere])
    # the route is independent of the kernel's own later bone focus: patient i without one gets the route's within
    # follow-up with probability q_i = p (1 - exp(-(F - t_r) / m))
    room = SPEC.followup_years - shipped["recurrence_years"].to_numpy(float)[elsewhere]
    q = VALUES[P] * -np.expm1(-room / VALUES[M])
    expected = np.where(kernel, 1.0, q)
    variance = np.sum(np.where(kernel, 0.0, q * (1.0 - q)))
    assert abs(after.sum() - expected.sum()) < 4.0 * math.sqrt(variance), (after.sum(), expected.sum(), n)
    assert after.mean() > kernel.mean() + 0.5 * VALUES[P] * (1.0 - kernel.mean())


@pytest.mark.slow
def test_overrides_inside_the_priors_move_only_the_bone_column(shipped):
    prefix = f"{SET_NAME}."
    records = load_registry().sets[SET_NAME]
    low = {prefix + P: records[P].prior.low}
    high = {prefix + P: records[P].prior.high, prefix + M: records[M].prior.high}
    fewer = simulate_cohort(SPEC, seed=SEED, parameters=low, chunk_size=777).table
    more = simulate_cohort(SPEC, seed=SEED, parameters=high).table
    others = [c for c in shipped.columns if c != "bone_metastasis_years"]
    pd.testing.assert_frame_equal(fewer[others], more[others])
    assert more["bone_metastasis_years"].notna().sum() > fewer["bone_metastasis_years"].notna().sum()


@pytest.mark.slow
def test_a_patients_later_bone_metastasis_is_the_same_in_any_subset_and_chunking(shipped):
    ids = np.arange(SPEC.n_patients)[::-7]
    part = simulate_cohort(SPEC, seed=SEED, patient_ids=ids, chunk_size=50).table
    whole = shipped.set_index("patient").loc[ids]
    np.testing.assert_array_equal(part["bone_metastasis_years"].to_numpy(float), whole["bone_metastasis_years"])
