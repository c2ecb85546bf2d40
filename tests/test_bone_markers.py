"""Bone turnover against the bone-marker evidence (issue 16; leads in shared/evidence.md).

Active osteoclasts over the starting steady state stand for a resorption marker (serum CTX): the model has no
marker assay, so these are directions and orders of magnitude, each with the lead it answers.
"""

import numpy as np
import pytest

from dormancy.bone import BoneModel, DrugExposure, HostProfile, simulate_bone
from dormancy.pkpd import parse_schedule, target_effects

MONTH = 30.44


def _resorption(host, years, schedule=None):
    days = np.arange(0.0, 365.25 * years + 1.0, 1.0)
    drugs = DrugExposure(days, target_effects([parse_schedule(schedule)], days)) if schedule else None
    model = BoneModel.default(host=host, drugs=drugs) if drugs else BoneModel.default(host=host)
    run = simulate_bone(model, years=years, save_every_days=7.0)
    osteoclasts, times = run["active_osteoclasts"].to_numpy(), run["time"].to_numpy()

    def at(months):
        return float(osteoclasts[np.searchsorted(times, months * MONTH)] / osteoclasts[0])

    return at


def test_turnover_rises_across_the_menopause_and_plateaus_above_premenopausal():
    """Ebeling 1996: resorption markers ~20 % higher in perimenopause, higher still after; SWAN: a plateau."""
    at = _resorption(HostProfile(age_years=45.0, menopause_age_years=51.0), 15.0)
    assert at(12 * 5) == pytest.approx(1.0, abs=0.02)  # age 50, before the menopause
    assert at(12 * 8) > 1.2  # two years after it
    late, later = at(12 * 11), at(12 * 14)
    assert later > 1.2 and abs(later - late) < 0.05 * late  # a plateau above premenopausal turnover


def test_denosumab_suppresses_resorption_deeply_and_fast_and_reversibly():
    """FREEDOM and its marker substudies (lead): deep, fast CTX suppression, reversible on stopping."""
    at = _resorption(HostProfile(age_years=60.0, menopause_age_years=50.0), 2.0, "denosumab:60mg:q6mo:x2")
    assert at(1) < 0.4  # deep within a month of the first dose
    assert at(6) < 0.8  # still suppressed at the next dose
    assert at(18) == pytest.approx(1.0, abs=0.05)  # back a year after the last dose


def test_zoledronic_acid_lowers_resorption_within_six_months():
    """Hershman 2010 (4 mg every 3 months): serum CTX falls by 6 months."""
    at = _resorption(HostProfile(age_years=45.0, menopause_age_years=44.0), 1.0, "zoledronic_acid:4mg:q3mo:x4")
    assert at(6) < 0.8


@pytest.mark.xfail(
    strict=True,
    reason="Model departure: after zoledronic acid 4 mg every 3 months for a year (4 doses), active osteoclasts are "
    "still 0.55 of baseline 12 months after the last dose (0.51 at 6 months, 0.53 at 18 months from the first "
    "dose); Hershman 2010 (lead in shared/evidence.md) reports CTX back by 12 months after stopping. The bone-bound "
    "pool of dormancy.pkpd's zoledronic acid releases the drug too slowly for this offset (its record's half-life).",
)
def test_zoledronic_acid_effect_wears_off_within_a_year_of_stopping():
    at = _resorption(HostProfile(age_years=45.0, menopause_age_years=44.0), 2.0, "zoledronic_acid:4mg:q3mo:x4")
    assert at(21) > 0.85
