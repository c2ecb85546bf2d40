"""Metastatic sites: seeding shares, first sites, staging, and the first-site target (Kaplan 2016)."""

import numpy as np
import pandas as pd
import pytest

from dormancy.errors import InputError
from dormancy.params import load_registry
from dormancy.patients import CohortSpec, simulate_cohort
from dormancy.patients.metastatic_course import bone_after_visceral_years
from dormancy.patients.parameters import SET_NAME
from dormancy.patients.sites import (
    KAPLAN_2016,
    SITES,
    SUBTYPE_KEYS,
    VISCERAL_SITES,
    first_site_shares,
    involved_columns,
    published_first_site_shares,
    seeding_by_site,
    site_involvement,
)
from dormancy.patients.targets import load_targets

VALUES = load_registry().sets[SET_NAME].values()
SPEC = CohortSpec(6000, followup_years=15.0)
SEED = 23


def P(symbol):
    return f"{SET_NAME}.{symbol}"


def test_each_subtypes_visceral_shares_sum_to_one_and_the_cdf_ends_at_one():
    subtypes = np.array(list(SUBTYPE_KEYS) * 2, dtype=object)
    ratio, cdf = seeding_by_site(VALUES, subtypes)
    assert cdf.shape == (6, len(VISCERAL_SITES))
    np.testing.assert_array_equal(cdf[:, -1], 1.0)
    assert np.all(np.diff(cdf, axis=1) >= 0.0)
    for index, key in enumerate(SUBTYPE_KEYS.values()):
        expected = VALUES["other_site_seeding_ratio"] * VALUES[f"other_site_seeding_factor__{key}"]
        assert ratio[index] == pytest.approx(expected)


def test_shares_that_do_not_sum_to_one_are_refused_naming_the_records():
    values = dict(VALUES)
    values["visceral_share__tn__lung"] += 0.1
    with pytest.raises(InputError, match="visceral_share__tn"):
        seeding_by_site(values, np.array(["TN"], dtype=object))


def test_the_staging_mask_decodes_to_one_column_per_site():
    columns = involved_columns(np.array([0, 1, 2 | 8, 31], np.int8))
    assert list(columns) == [f"recurrence_in_{site}" for site in SITES]
    assert [bool(columns["recurrence_in_bone"][i]) for i in range(4)] == [False, True, False, True]
    assert [bool(columns["recurrence_in_lung"][i]) for i in range(4)] == [False, False, True, True]
    assert [bool(columns["recurrence_in_brain"][i]) for i in range(4)] == [False, False, True, True]
    assert not columns["recurrence_in_liver"][:3].any()


def test_every_visceral_site_counts_as_elsewhere_for_the_metastatic_course():
    sites = np.array(["bone", "", *VISCERAL_SITES])
    times = bone_after_visceral_years(
        {"bone_after_visceral_probability": 1.0, "bone_after_visceral_delay_years": 1e-9},
        seed=1,
        ids=np.arange(len(sites)),
        recurrence_years=np.where(sites == "", np.nan, 2.0),
        recurrence_site=sites,
        followup_years=10.0,
    )
    assert np.isnan(times[:2]).all()
    assert not np.isnan(times[2:]).any()


def test_the_published_shares_are_those_of_the_source_normalised_over_the_four_sites():
    shares = published_first_site_shares()
    luminal_a = {s.site: s.percent for s in KAPLAN_2016 if s.subtype == "ER+/HER2-"}
    assert shares[("ER+/HER2-", "bone")][0] == pytest.approx(100 * 66.2 / sum(luminal_a.values()))
    for subtype in SUBTYPE_KEYS:
        assert sum(shares[(subtype, site)][0] for site in ("bone", "lung", "liver", "brain")) == pytest.approx(100)
    # bone is the commonest site in luminal A and less common in the ER- subtypes (the source's direction)
    assert shares[("ER+/HER2-", "bone")][0] > shares[("TN", "bone")][0] > shares[("HER2+", "bone")][0]
    names = {t.stratum for t in load_targets() if t.name == "first_site_by_subtype"}
    assert len(names) == 12


@pytest.fixture(scope="module")
def shipped():
    return simulate_cohort(SPEC, seed=SEED).table


def run(**overrides):
    return simulate_cohort(SPEC, seed=SEED, parameters={P(k): v for k, v in overrides.items()}).table


@pytest.mark.slow
def test_sites_are_named_and_the_first_site_is_always_involved(shipped):
    recurred = shipped["recurred"].to_numpy()
    assert set(shipped["recurrence_site"]) <= {"", *SITES}
    assert set(shipped.loc[recurred, "recurrence_site"]) == set(SITES)
    involved = shipped[[f"recurrence_in_{site}" for site in SITES]].to_numpy()
    assert not involved[~recurred].any()
    first = shipped.loc[recurred, "recurrence_site"].to_numpy(str)
    rows = np.flatnonzero(recurred)
    assert all(involved[row, SITES.index(site)] for row, site in zip(rows, first, strict=True))


@pytest.mark.slow
def test_visceral_shares_relabel_sites_and_change_nothing_else(shipped):
    """Sites are drawn on their own stream: moving every visceral cell to the liver changes only the site columns."""
    overrides = {}
    for key in SUBTYPE_KEYS.values():
        for site in VISCERAL_SITES:
            overrides[f"visceral_share__{key}__{site}"] = 1.0 if site == "liver" else 0.0
    liver = run(**overrides)
    site_columns = ["recurrence_site", *(f"recurrence_in_{s}" for s in SITES)]
    others = [c for c in shipped.columns if c not in site_columns]
    pd.testing.assert_frame_equal(shipped[others], liver[others])
    visceral = shipped["recurrence_site"].isin(VISCERAL_SITES)
    assert (liver.loc[visceral, "recurrence_site"] == "liver").all()
    pd.testing.assert_series_equal(shipped.loc[~visceral, "recurrence_site"], liver.loc[~visceral, "recurrence_site"])


@pytest.mark.slow
def test_more_visceral_seeding_in_tn_lowers_tn_bone_share_and_leaves_other_subtypes_alone(shipped):
    key = SUBTYPE_KEYS["TN"]
    more = run(**{f"other_site_seeding_factor__{key}": 1.35 * VALUES[f"other_site_seeding_factor__{key}"]})
    tn = (shipped["subtype"] == "TN").to_numpy()
    pd.testing.assert_frame_equal(shipped[~tn], more[~tn])
    base = first_site_shares(shipped)[("TN", "bone")]
    after = first_site_shares(more)[("TN", "bone")]
    assert after < base - 2.0, (base, after)
    assert more.loc[tn, "recurred"].sum() > shipped.loc[tn, "recurred"].sum()


@pytest.mark.slow
def test_a_lower_staging_threshold_finds_at_least_the_same_sites_patient_by_patient(shipped):
    low = run(staging_detection_cells=1.0e7)
    columns = [f"recurrence_in_{site}" for site in SITES]
    pd.testing.assert_series_equal(shipped["recurrence_years"], low["recurrence_years"])
    assert (low[columns].to_numpy() >= shipped[columns].to_numpy()).all()
    assert low[columns].to_numpy().sum() > shipped[columns].to_numpy().sum()


@pytest.mark.slow
def test_first_site_shares_by_subtype_meet_the_kaplan_2016_target(shipped):
    targets = [t for t in load_targets() if t.name == "first_site_by_subtype"]
    model = first_site_shares(shipped)
    missed = []
    for target in targets:
        subtype, site = target.stratum.rsplit(" ", 1)
        if not target.within(model[(subtype, site)]):
            missed.append((target.stratum, round(model[(subtype, site)], 1), round(target.published, 1)))
    assert not missed, missed


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason=(
        "Relapses involve several sites at once far less often in the model than in the clinic: about 2 % of first "
        "distant recurrences involve more than one site (staging at 1e8 cells) against 22.5 % of patients with "
        "multiple relapse sites in the Anatolian series (Isikdogan 2013) and ~1.3 sites per relapsed patient in "
        "Kaplan 2016. The model's foci grow from single cells independently, with no seeding from one metastasis "
        "to the next and no synchronous outgrowth; a metastasis-to-metastasis route is the candidate mechanism."
    ),
)
def test_several_sites_at_the_first_recurrence_are_as_common_as_in_the_clinic(shipped):
    involvement = site_involvement(shipped)
    assert set(involvement["site"]) == {"bone", "lung", "liver", "brain"}
    recurred = shipped[shipped["recurred"]]
    several = (recurred[[f"recurrence_in_{site}" for site in SITES]].sum(axis=1) > 1).mean()
    assert several >= 0.15, several
