"""Recurrences not from DTCs (locoregional, contralateral): hazards recovered from samples, independence, endpoints.

The first tests draw event times directly (no kernel, fast); the last ones run small cohorts through the compiled
kernel and are marked slow.
"""

import math

import numpy as np
import pandas as pd
import pytest

from dormancy.params import load_registry
from dormancy.patients import CohortSpec, simulate_cohort, summaries
from dormancy.patients.cohort import COLUMNS
from dormancy.patients.locoregional import (
    contralateral_hazard,
    local_event_times,
    locoregional_hazard,
    piecewise_exponential_times,
)
from dormancy.patients.parameters import SET_NAME

VALUES = load_registry().sets[SET_NAME].values()
LOCAL_COLUMNS = ("locoregional_years", "contralateral_years", "any_recurrence_years", "first_recurrence")


def occurrence_exposure(times, start, end, followup):
    """Events and person-years in [start, end) of latent event times (NaN: none within follow-up)."""
    exit_years = np.where(np.isnan(times), followup, times)
    events = int(np.sum(~np.isnan(times) & (times >= start) & (times < end)))
    exposure = float(np.clip(np.minimum(exit_years, end) - start, 0.0, end - start).sum())
    return events, exposure


def assert_rate(times, start, end, followup, expected):
    """The occurrence/exposure rate is within 4 Poisson standard errors of the hazard it was drawn with."""
    events, exposure = occurrence_exposure(times, start, end, followup)
    assert events > 400
    assert abs(events - expected * exposure) < 4.0 * math.sqrt(expected * exposure), (start, end, events, exposure)


def test_piecewise_inversion_solves_the_cumulative_hazard():
    u = np.array([0.1, 0.5, 0.9, 0.999, 0.7])
    edges = np.array([[0.0, 2.0, 5.0, np.inf]] * 4 + [[0.0, 2.0, 5.0, 8.0]])
    rates = np.array([[0.1, 0.3, 0.05]] * 4 + [[0.1, 0.0, 0.0]])
    times = piecewise_exponential_times(u, edges, rates)

    def cumulative(t):
        return 0.1 * min(t, 2.0) + 0.3 * np.clip(t - 2.0, 0.0, 3.0) + 0.05 * max(t - 5.0, 0.0)

    for draw, time in zip(u[:4], times[:4], strict=True):
        assert cumulative(time) == pytest.approx(-math.log1p(-draw), rel=1e-12)
    assert times[0] < 2.0 < times[1] < 5.0 < times[2] < times[3]
    assert times[4] == np.inf  # H never exceeds 0.2 < -ln(0.3)


@pytest.fixture(scope="module")
def er_negative_node_positive():
    n = 300_000
    ids = np.arange(n)
    return local_event_times(
        VALUES,
        seed=7,
        ids=ids,
        er_positive=np.zeros(n, bool),
        n_stage=np.full(n, "N4-9"),
        endocrine_years=np.zeros(n),
        followup_years=20.0,
    )


def test_drawn_times_recover_the_locoregional_hazard_in_each_band(er_negative_node_positive):
    locoregional, _ = er_negative_node_positive
    early = VALUES["locoregional_per_year_n4_plus"] * VALUES["locoregional_fold_er_negative"]
    assert_rate(locoregional, 0.0, 5.0, 20.0, early)
    assert_rate(locoregional, 5.0, 10.0, 20.0, early * VALUES["locoregional_ratio_years_5_10"])
    assert_rate(locoregional, 10.0, 20.0, 20.0, early * VALUES["locoregional_ratio_after_10_years"])
    assert np.nanmax(locoregional) <= 20.0


def test_contralateral_hazard_is_constant_over_decades(er_negative_node_positive):
    _, contralateral = er_negative_node_positive
    rate = VALUES["contralateral_per_year_er_negative"]
    for start, end in ((0.0, 5.0), (5.0, 10.0), (10.0, 20.0)):
        assert_rate(contralateral, start, end, 20.0, rate)


def test_endocrine_therapy_lowers_both_hazards_only_while_taken():
    n = 400_000
    times = local_event_times(
        VALUES,
        seed=8,
        ids=np.arange(n),
        er_positive=np.ones(n, bool),
        n_stage=np.full(n, "N10+"),
        endocrine_years=np.full(n, 3.0),
        followup_years=10.0,
    )
    kept = 1.0 - VALUES["endocrine_local_reduction"]
    locoregional, contralateral = times
    assert_rate(locoregional, 0.0, 3.0, 10.0, VALUES["locoregional_per_year_n4_plus"] * kept)
    assert_rate(locoregional, 3.0, 5.0, 10.0, VALUES["locoregional_per_year_n4_plus"])
    assert_rate(contralateral, 0.0, 3.0, 10.0, VALUES["contralateral_per_year_er_positive"] * kept)
    assert_rate(contralateral, 3.0, 10.0, 10.0, VALUES["contralateral_per_year_er_positive"])


def test_hazards_rise_with_nodes_and_er_negativity_and_fall_with_time():
    stages = np.array(["N0", "N1-3", "N4-9", "N10+"])
    positive = locoregional_hazard(VALUES, years=1.0, er_positive=True, n_stage=stages)
    assert np.all(np.diff(positive) >= 0) and positive[0] < positive[1] < positive[2]
    assert np.all(locoregional_hazard(VALUES, years=1.0, er_positive=False, n_stage=stages) > positive)
    over_time = locoregional_hazard(VALUES, years=np.array([1.0, 7.0, 15.0]), er_positive=True, n_stage="N1-3")
    assert over_time[0] > over_time[1] > over_time[2] > 0
    assert contralateral_hazard(VALUES, er_positive=True, on_endocrine=True) < contralateral_hazard(
        VALUES, er_positive=True
    )


def test_a_patients_times_depend_only_on_seed_and_id():
    ids = np.array([5, 900, 17, 3, 42])
    covariates = dict(
        er_positive=np.array([1, 0, 1, 0, 1], bool), n_stage=np.array(["N0", "N1-3", "N4-9", "N0", "N10+"])
    )
    base = local_event_times(VALUES, seed=3, ids=ids, endocrine_years=np.zeros(5), followup_years=200.0, **covariates)
    order = np.array([4, 2, 0])
    subset = local_event_times(
        VALUES,
        seed=3,
        ids=ids[order],
        endocrine_years=np.zeros(3),
        followup_years=200.0,
        **{k: v[order] for k, v in covariates.items()},
    )
    for whole, part in zip(base, subset, strict=True):
        np.testing.assert_array_equal(whole[order], part)
    other = local_event_times(VALUES, seed=4, ids=ids, endocrine_years=np.zeros(5), followup_years=200.0, **covariates)
    assert not np.array_equal(base[0], other[0])


def test_any_recurrence_hazard_adds_the_local_events_and_ends_time_at_risk_at_the_first():
    rng = np.random.default_rng(1)
    n, followup = 200_000, 20.0
    distant = rng.exponential(1.0 / 0.03, n)
    local = rng.exponential(1.0 / 0.01, n)
    first = np.minimum(distant, local)
    table = pd.DataFrame(
        {
            "recurred": distant < followup,
            "recurrence_years": np.where(distant < followup, distant, np.nan),
            "followup_years": np.where(distant < followup, distant, followup),
            "any_recurrence_years": np.where(first < followup, first, np.nan),
            "recurrence_site": "other",
            "status": "ok",
        }
    )
    distant_rate = summaries.annual_hazard(table, [(0, 20)])
    any_rate = summaries.annual_hazard(table, [(0, 20)], endpoint="any")
    assert any_rate["hazard_percent"].iloc[0] == pytest.approx(4.0, rel=0.03)
    assert distant_rate["hazard_percent"].iloc[0] == pytest.approx(3.0, rel=0.03)
    assert any_rate["person_years"].iloc[0] < distant_rate["person_years"].iloc[0]
    old = table.drop(columns="any_recurrence_years")  # a table written before the column: distant recurrence
    pd.testing.assert_frame_equal(summaries.annual_hazard(old, endpoint="any"), summaries.annual_hazard(old))
    with pytest.raises(ValueError, match="endpoint"):
        summaries.annual_hazard(table, endpoint="local")


# --- through the cohort simulator (compiled kernel) ---------------------------------------------------------------


@pytest.fixture(scope="module")
def cohort_table():
    return simulate_cohort(CohortSpec(3000, followup_years=15.0), seed=31).table


@pytest.mark.slow
def test_the_distant_history_is_unchanged_draw_for_draw_whatever_the_local_rates(cohort_table):
    prefix = f"{SET_NAME}."
    records = load_registry().sets[SET_NAME]
    highest = {
        prefix + symbol: records[symbol].prior.high
        for symbol in ("locoregional_per_year_n0", "contralateral_per_year_er_positive", "endocrine_local_reduction")
    }
    changed = simulate_cohort(CohortSpec(3000, followup_years=15.0), seed=31, parameters=highest, chunk_size=777)
    other = changed.table
    distant_columns = [c for c in COLUMNS if c not in LOCAL_COLUMNS]
    pd.testing.assert_frame_equal(cohort_table[distant_columns], other[distant_columns])
    assert not cohort_table["locoregional_years"].equals(other["locoregional_years"])
    assert other["contralateral_years"].notna().sum() > cohort_table["contralateral_years"].notna().sum()


@pytest.mark.slow
def test_any_recurrence_is_the_first_of_the_three_and_names_its_kind(cohort_table):
    table = cohort_table
    three = table[["recurrence_years", "locoregional_years", "contralateral_years"]].to_numpy(float)
    expected = np.fmin.reduce(three, axis=1)
    np.testing.assert_array_equal(table["any_recurrence_years"].to_numpy(float), expected)
    assert set(table["first_recurrence"]) == {"", "distant", "locoregional", "contralateral"}
    for kind, column in (("distant", "recurrence_years"), ("locoregional", "locoregional_years")):
        chosen = table["first_recurrence"] == kind
        np.testing.assert_array_equal(table.loc[chosen, column], table.loc[chosen, "any_recurrence_years"])
    none = table["first_recurrence"] == ""
    assert table.loc[none, "any_recurrence_years"].isna().all()
    assert (table["any_recurrence_years"].dropna() <= 15.0).all()
    assert (table["locoregional_years"].dropna() > 0).all()
