"""Calibration targets and cohort statistics, checked on synthetic per-patient tables with known answers."""

import math

import numpy as np
import pandas as pd
import pytest

from dormancy.patients import summaries
from dormancy.patients.targets import NOT_ASSESSED, PACKAGE_TARGET_GROUPS, Tolerance, load_targets, raw_targets


def synthetic_table(n, hazard, *, seed, followup=20.0, **columns):
    """Exponential recurrence times with a constant hazard (per year, scalar or per patient), censored at follow-up."""
    rng = np.random.default_rng(seed)
    hazard = np.broadcast_to(np.asarray(hazard, float), (n,))
    times = rng.exponential(1.0 / hazard)
    recurred = times < followup
    table = pd.DataFrame(
        {
            "patient": np.arange(n),
            "recurred": recurred,
            "recurrence_years": np.where(recurred, times, np.nan),
            "followup_years": np.full(n, followup),
            "recurrence_site": np.where(recurred, "other", ""),
            "er_positive": True,
            "t_stage": "T1",
            "n_stage": "N0",
            "grade": 2,
            "dtc_positive": False,
            "dormant_at_5y": 0,
            "micrometastases_at_10y": 0,
            "escapes": 0,
            "status": "ok",
        }
    )
    for name, values in columns.items():
        table[name] = values
    return table


def test_targets_cover_every_numeric_target_in_the_yaml():
    targets = load_targets()
    raw = raw_targets()
    # every block of the shared file is a target or listed as not assessed; the package adds its own groups
    assert {t.name for t in targets} | set(NOT_ASSESSED) == set(raw) | set(PACKAGE_TARGET_GROUPS)
    assert not set(PACKAGE_TARGET_GROUPS) & set(raw)
    colleoni = [t for t in targets if t.name == "recurrence_hazard_by_er_status" and "crossover" not in t.stratum]
    assert [t.published for t in colleoni] == [9.9, 5.4, 2.9, 2.8, 11.5, 3.3, 1.3, 1.2]
    pan = {t.stratum: t.published for t in targets if t.statistic.startswith("pan.cumulative")}
    assert pan == {"T1N0": 13, "T1N1-3": 20, "T2N0": 19, "T2N4-9": 41}
    assert len({t.statistic for t in targets}) == len(targets)


def test_tolerances_are_parsed_as_stated():
    by_stratum = {t.stratum: t for t in load_targets()}
    hazard = by_stratum["ER+ 0-5 y"]
    assert hazard.tolerance.bounds(hazard.published) == pytest.approx((9.9 * 0.8, 9.9 * 1.2))
    assert hazard.within(11.8) and not hazard.within(11.9)
    assert by_stratum["T2N4-9"].tolerance.bounds(41) == (38, 44)
    assert by_stratum["DTC+ at diagnosis"].within(33.5) and not by_stratum["DTC+ at diagnosis"].within(33.7)
    assert by_stratum["distant DFS incidence-rate ratio"].within(1.8)
    assert not by_stratum["distant DFS incidence-rate ratio"].within(2.95)
    assert by_stratum["ER crossover year"].within(4.0) and not by_stratum["ER crossover year"].within(2.5)
    assert by_stratum["bone share"].within(30) and not by_stratum["bone share"].within(51)
    assert not by_stratum["ER+ 0-5 y"].within(math.nan)


@pytest.mark.parametrize(
    ("tolerance", "published", "model", "expected"),
    [
        (Tolerance("relative", width=0.2), 10.0, 12.0, 1.0),
        (Tolerance("absolute", width=3.0), 13.0, 10.0, -1.0),
        (Tolerance("range", low=1.8, high=2.9), 2.33, 2.35, 0.0),
        (Tolerance("range", low=0.0), math.nan, 0.5, 0.0),
        (Tolerance("range", low=0.0), math.nan, -0.5, -1.5),
        (Tolerance("range", low=12.0), 12.0, 6.0, -1.5),
    ],
)
def test_deviation_is_one_at_the_edge_and_grows_outside(tolerance, published, model, expected):
    assert tolerance.deviation(published, model) == pytest.approx(expected)
    assert (abs(tolerance.deviation(published, model)) <= 1) == tolerance.within(published, model)


def test_annual_hazard_of_exponential_times_is_the_hazard():
    table = synthetic_table(40_000, 0.05, seed=1)
    hazard = summaries.annual_hazard(table)
    # D ~ Poisson(h Y): relative standard error 1/sqrt(D); the last interval has the fewest events (~5,000)
    for row in hazard.itertuples():
        assert row.hazard_percent == pytest.approx(5.0, rel=4 / math.sqrt(row.events))
    exposure = hazard["person_years"].sum()
    assert exposure == pytest.approx((1 - math.exp(-0.05 * 20)) / 0.05 * 40_000, rel=0.01)


def test_hazard_by_group_and_site_counts_each_group_and_site_separately():
    n = 30_000
    er = np.arange(n) % 2 == 0
    table = synthetic_table(n, np.where(er, 0.02, 0.08), seed=2, er_positive=er)
    table.loc[table["recurred"] & (table["patient"] % 4 == 0), "recurrence_site"] = "bone"
    by_er = summaries.annual_hazard(table, [(0, 20)], by="er_positive").set_index("group")
    assert by_er.loc[True, "hazard_percent"] == pytest.approx(2.0, rel=0.05)
    assert by_er.loc[False, "hazard_percent"] == pytest.approx(8.0, rel=0.05)
    # every ER+ patient with patient % 4 == 0 recurring is "bone": half the ER+ recurrences
    bone = summaries.annual_hazard(table[er], [(0, 20)], site="bone")["hazard_percent"].iloc[0]
    assert bone == pytest.approx(1.0, rel=0.08)
    assert summaries.bone_share(table[er]) == pytest.approx(50, abs=2)


def test_er_crossover_is_found_where_constant_hazards_cross():
    n = 60_000
    rng = np.random.default_rng(3)
    er = np.arange(n) % 2 == 0
    # ER-: 12 %/y before year 4, 1 %/y after; ER+: 6 %/y throughout, so ER+ exceeds ER- from year 4
    early = rng.exponential(1 / 0.12, n)
    late = 4.0 + rng.exponential(1 / 0.01, n)
    negative_times = np.where(early < 4.0, early, late)
    positive_times = rng.exponential(1 / 0.06, n)
    times = np.where(er, positive_times, negative_times)
    recurred = times < 20
    table = synthetic_table(n, 1.0, seed=0, er_positive=er)
    table["recurred"] = recurred
    table["recurrence_years"] = np.where(recurred, times, np.nan)
    crossover = summaries.er_crossover_year(table)
    # step at year 4: differences -6 (year 3-4) and +5 (year 4-5) %/y, interpolated between midpoints 3.5 and 4.5
    assert crossover == pytest.approx(3.5 + 6 / 11, abs=0.15)
    swapped = table.assign(er_positive=~er)
    assert math.isnan(summaries.er_crossover_year(swapped))


def test_cumulative_recurrence_after_a_landmark_is_kaplan_meier():
    table = synthetic_table(20_000, 0.02, seed=4)
    # memoryless: among those free at 5 y, P(recur by 20) = 1 - exp(-0.02 * 15)
    assert summaries.cumulative_recurrence(table) == pytest.approx(100 * (1 - math.exp(-0.3)), abs=1.0)
    censored = table.assign(followup_years=12.0)
    censored.loc[censored["recurrence_years"] > 12, ["recurred", "recurrence_years"]] = (False, np.nan)
    # censoring at 12 y: KM can only estimate up to 7 y after the landmark (lifelines holds the last value)
    assert summaries.cumulative_recurrence(censored) == pytest.approx(100 * (1 - math.exp(-0.14)), abs=1.0)


def test_rate_ratio_is_two_when_dtc_positive_patients_have_twice_the_hazard():
    n = 40_000
    dtc = np.arange(n) % 3 == 0
    table = synthetic_table(n, np.where(dtc, 0.06, 0.03), seed=5, dtc_positive=dtc)
    assert summaries.rate_ratio(table) == pytest.approx(2.0, rel=0.08)
    assert math.isnan(summaries.rate_ratio(table.assign(dtc_positive=True)))


def test_associations_and_willis_statistics():
    n = 1000
    dtc = np.arange(n) < 300
    table = synthetic_table(
        n,
        1e-9,
        seed=6,
        dtc_positive=dtc,
        t_stage=np.where(dtc, "T2", "T1"),
        grade=np.where(dtc, 3, 2),
        n_stage=np.where(dtc, "N1-3", "N0"),
        er_positive=~dtc,
        micrometastases_at_10y=np.where(dtc, 3, 0),
        dormant_at_5y=5,
        escapes=np.where(dtc, 4, 1),
    )
    assert summaries.association_differences(table) == pytest.approx(
        {"t_stage": 1.0, "grade": 1.0, "node_positive": 1.0, "er_negative": 1.0}
    )
    willis = summaries.willis_statistics(table)
    assert willis["micrometastases_at_10y"] == 3.0
    assert willis["mean_escapes"] == pytest.approx(0.3 * 4 + 0.7 * 1)
    assert willis["escape_half_life_years"] > 1e6  # (almost) no recurrence: escape is (almost) never


def test_failed_patients_are_left_out():
    table = synthetic_table(2000, 0.05, seed=7)
    failed = table.assign(status="integration_failed", recurred=True, recurrence_years=0.1)
    both = pd.concat([table, failed], ignore_index=True)
    pd.testing.assert_frame_equal(summaries.annual_hazard(both), summaries.annual_hazard(table))


def test_compare_to_targets_lists_every_target_and_judges_each():
    targets = load_targets()
    published = {t.statistic: t.published for t in targets}
    stats = {key: value if math.isfinite(value) else 0.5 for key, value in published.items()}
    stats["colleoni.er_crossover_year"] = 4.5
    stats["willis.micrometastases_at_10y"] = 2.0
    stats.update({f"braun.bone_incidence.{a}-{b}": 2.0 for a, b in ((0, 5), (5, 10), (10, 15))})
    comparison = summaries.compare_to_targets(stats)
    assert len(comparison) == len(targets)
    assert comparison["within"].all()
    stats["pan.cumulative_5_20.T2N4-9"] = 45.0
    comparison = summaries.compare_to_targets(stats).set_index("stratum")
    assert not comparison.loc["T2N4-9", "within"]
    assert comparison.loc["T2N4-9", "deviation"] == pytest.approx(4 / 3)
    assert comparison["within"].sum() == len(targets) - 1
