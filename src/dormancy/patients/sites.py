r"""Metastatic sites: where the disseminated cells lodge, where the first distant recurrence is, and what staging finds.

The patient kernel (:mod:`dormancy.patients.natural_history`) follows the marrow's four niches (site **bone**) and
one pool of DTCs in the other organs. Each cell of that pool lodges in one visceral site — **lung**, **liver**,
**brain** or **other** (distant nodes, pleura, peritoneum, skin) — with the subtype's shares
:math:`w_{s,v}` (``visceral_share__<subtype>__<site>``), and the pool holds :math:`\mathrm{Poisson}(\rho f_s N)`
cells for :math:`N` marrow DTCs (:math:`\rho` ``other_site_seeding_ratio``, :math:`f_s`
``other_site_seeding_factor__<subtype>``).

Dormancy and growth are the same in every visceral site: no source gives awakening, dormant-cell death or growth of
breast-cancer cells by organ, so the site is a label drawn for each founder of a colony as it leaves the pool, on a
stream of its own (:data:`dormancy.patients.natural_history.SITE_BLOCK`). With identical dynamics this is the same
in distribution as splitting the pool multinomially at seeding (thinning of independent cells), and it leaves every
other draw of a history unchanged, so a cohort's recurrence times are those of the model before sites, draw for
draw, when :math:`f_s = 1`.

**The first distant recurrence** is the first focus to reach detection (``detection_cells``); its site is
``recurrence_site``. **Staging** at that time finds every focus of at least :math:`X_{stage}`
(``staging_detection_cells``, about 5 mm; RECIST 1.1, Eisenhauer 2009), so a recurrence can involve several sites at
once (``recurrence_in_<site>`` columns of the cohort table), as in the series that report sites "at the distant
relapse" (Kaplan 2016: several sites per patient).

**Target** (:func:`site_involvement`, :data:`KAPLAN_2016`): the percent of patients with a distant relapse whose
relapse involves bone, lung, liver and brain, by subtype (Kaplan 2016, 1,350 patients with a distant relapse after
curative surgery). The lung / liver / brain shares :math:`w` are set from the same series, so the check that counts
is bone against the viscera, which depends on :math:`f_s` and on the dynamics (ER+ cells are slower to awaken in
the marrow than in the other organs, for instance).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from dormancy.errors import InputError, Problem
from dormancy.patients.kernel_tables import N_VISCERAL, SITE_BONE, SITE_FIRST_VISCERAL
from dormancy.patients.specs import SUBTYPES

__all__ = [
    "COMPARED_SITES",
    "FIRST_SITE_SLACK",
    "KAPLAN_2016",
    "SITES",
    "SITE_CODES",
    "SUBTYPE_KEYS",
    "VISCERAL_SITES",
    "SiteShare",
    "first_site_shares",
    "involved_columns",
    "published_first_site_shares",
    "seeding_by_site",
    "site_involvement",
]

#: The visceral sites of the other-organ pool, in the kernel's code order (code = 2 + index).
VISCERAL_SITES: tuple[str, ...] = ("lung", "liver", "brain", "other")
#: Every first-recurrence site.
SITES: tuple[str, ...] = ("bone", *VISCERAL_SITES)
#: Site name by the kernel's code (0: no recurrence).
SITE_CODES: tuple[str, ...] = ("", *SITES)
#: Record-name key of each subtype.
SUBTYPE_KEYS: Mapping[str, str] = {"ER+/HER2-": "er_pos_her2_neg", "HER2+": "her2_pos", "TN": "tn"}

assert SITE_CODES.index("bone") == SITE_BONE and SITE_CODES.index(VISCERAL_SITES[0]) == SITE_FIRST_VISCERAL
assert len(VISCERAL_SITES) == N_VISCERAL and tuple(SUBTYPE_KEYS) == SUBTYPES


@dataclass(frozen=True)
class SiteShare:
    """One published share: percent of relapsed patients of a subtype whose distant relapse involves a site."""

    subtype: str
    site: str
    percent: float
    n_patients: int
    group: str
    er_positive: bool | None = None

    @property
    def standard_error(self) -> float:
        """Binomial standard error of the published percent, percentage points."""
        p = self.percent / 100.0
        return 100.0 * float(np.sqrt(p * (1.0 - p) / self.n_patients))


def _kaplan(subtype: str, group: str, n: int, bone: float, liver: float, lung: float, brain: float, er=None):
    named = {"bone": bone, "lung": lung, "liver": liver, "brain": brain}
    return tuple(SiteShare(subtype, site, pct, n, group, er) for site, pct in named.items())


#: Kaplan 2016 (``kaplan2016``): luminal A ↔ the model's ER+/HER2−; HER2-overexpressing (ER−) ↔ the model's ER−
#: HER2+ patients; triple negative ↔ TN. Luminal B is not compared (its definition mixes HER2+ and high-grade
#: HER2− tumours).
KAPLAN_2016: tuple[SiteShare, ...] = (
    *_kaplan("ER+/HER2-", "luminal A", 444, 66.2, 24.5, 30.2, 10.1),
    *_kaplan("HER2+", "HER2-overexpressing", 162, 38.9, 40.1, 35.2, 25.3, er=False),
    *_kaplan("TN", "triple negative", 273, 45.1, 27.5, 41.4, 23.1),
)


#: The sites the published series report (the "other" visceral sites are not).
COMPARED_SITES: tuple[str, ...] = ("bone", "lung", "liver", "brain")
#: Percentage points added to twice the published share's standard error in the first-site tolerance: the series
#: count every site at the relapse (about 1.3 sites per patient) and the shares of their mentions stand in for the
#: shares of first sites.
FIRST_SITE_SLACK = 5.0


def published_first_site_shares() -> dict[tuple[str, str], tuple[float, float]]:
    r"""Share of each site among the site mentions of Kaplan 2016, by subtype: percent and standard error.

    The series reports the percent :math:`P_v` of relapsed patients with site :math:`v` at the distant relapse,
    several sites per patient. The share of site :math:`v` among the mentions of bone, lung, liver and brain,
    :math:`S_v = P_v / \sum_u P_u`, is what a model with one first site per patient is compared with; its standard
    error is binomial over the mentions, :math:`\sqrt{S_v(1 - S_v)/M}`, :math:`M = n \sum_u P_u / 100`.

    Returns
    -------
    dict
        ``(subtype, site)`` to ``(percent, standard error)``, percent and percentage points.
    """
    out = {}
    for subtype in SUBTYPE_KEYS:
        shares = {s.site: s for s in KAPLAN_2016 if s.subtype == subtype}
        total = sum(share.percent for share in shares.values())
        mentions = next(iter(shares.values())).n_patients * total / 100.0
        for site in COMPARED_SITES:
            fraction = shares[site].percent / total
            out[(subtype, site)] = (100.0 * fraction, 100.0 * float(np.sqrt(fraction * (1 - fraction) / mentions)))
    return out


def first_site_shares(table: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Percent of first distant recurrences in each compared site among those in bone, lung, liver or brain.

    By subtype, as :data:`KAPLAN_2016` groups them (HER2+: ER− patients only); NaN for a subtype without such a
    recurrence. Only rows whose status is ``ok`` count.
    """
    site = table["recurrence_site"].to_numpy(str)
    ok = table["status"].to_numpy(str) == "ok" if "status" in table else np.ones(len(table), bool)
    compared = np.isin(site, COMPARED_SITES) & ok
    out = {}
    for subtype in SUBTYPE_KEYS:
        chosen = compared & (table["subtype"].to_numpy(str) == subtype)
        restricted = {s.er_positive for s in KAPLAN_2016 if s.subtype == subtype} - {None}
        for er in restricted:
            chosen &= table["er_positive"].to_numpy(bool) == er
        n = int(chosen.sum())
        for name in COMPARED_SITES:
            out[(subtype, name)] = 100.0 * float(np.mean(site[chosen] == name)) if n else float("nan")
    return out


def seeding_by_site(values: Mapping[str, float], subtype: ArrayLike) -> tuple[NDArray[np.float64], NDArray]:
    r"""Return each patient's other-organ seeding ratio :math:`\rho f_s` and cumulative visceral shares.

    Parameters
    ----------
    values : mapping of str to float
        ``patients_natural_history`` values by symbol (``other_site_seeding_ratio``,
        ``other_site_seeding_factor__<key>``, ``visceral_share__<key>__<site>``).
    subtype : array_like of str
        Each patient's subtype (:data:`dormancy.patients.specs.SUBTYPES`).

    Returns
    -------
    ratio : numpy.ndarray, shape (n,)
        Mean other-organ DTCs per marrow DTC.
    cdf : numpy.ndarray, shape (n, 4)
        Cumulative shares of lung, liver, brain and other (last column 1).

    Raises
    ------
    InputError
        When a subtype's shares are negative or do not sum to 1 (within 1e-6), naming the records.
    """
    subtype = np.asarray(subtype, dtype=object)
    ratio = np.zeros(subtype.shape[0])
    cdf = np.zeros((subtype.shape[0], N_VISCERAL))
    for name, key in SUBTYPE_KEYS.items():
        shares = np.array([values[f"visceral_share__{key}__{site}"] for site in VISCERAL_SITES], dtype=np.float64)
        if shares.min() < 0.0 or abs(shares.sum() - 1.0) > 1e-6:
            raise InputError(
                [
                    Problem(
                        f"visceral_share__{key}__*",
                        "non-negative shares of lung, liver, brain and other summing to 1",
                        ", ".join(f"{s:g}" for s in shares),
                    )
                ]
            )
        chosen = subtype == name
        ratio[chosen] = values["other_site_seeding_ratio"] * values[f"other_site_seeding_factor__{key}"]
        cumulative = np.cumsum(shares)
        cumulative[-1] = 1.0
        cdf[chosen] = cumulative
    return ratio, cdf


def involved_columns(staged: ArrayLike) -> dict[str, NDArray[np.bool_]]:
    """Return ``recurrence_in_<site>`` for every site from the kernel's staging bit mask (bit ``code - 1``)."""
    staged = np.asarray(staged, dtype=np.int64)
    return {f"recurrence_in_{site}": (staged >> (code - 1)) & 1 == 1 for code, site in enumerate(SITES, start=1)}


def site_involvement(table: pd.DataFrame, *, horizon_years: float | None = None) -> pd.DataFrame:
    """Percent of patients with a distant recurrence whose recurrence involves each site, beside Kaplan 2016.

    Parameters
    ----------
    table : pandas.DataFrame
        A cohort table (:func:`dormancy.patients.simulate_cohort`) with ``recurrence_in_<site>`` columns.
    horizon_years : float, optional
        Count only first recurrences up to this time since diagnosis (default: all in follow-up).

    Returns
    -------
    pandas.DataFrame
        One row per published share: ``subtype``, ``group``, ``site``, ``published_percent``, ``published_se``,
        ``model_percent``, ``model_se`` (binomial, percentage points), ``n_model`` (relapsed model patients),
        ``first_site_percent`` (percent whose first focus to be detected was there).
    """
    missing = [f"recurrence_in_{s}" for s in SITES if f"recurrence_in_{s}" not in table.columns]
    if missing:
        raise InputError([Problem("table", "a cohort table with the recurrence_in_<site> columns", ", ".join(missing))])
    relapsed = table["recurrence_years"].notna().to_numpy()
    if horizon_years is not None:
        relapsed &= table["recurrence_years"].to_numpy(float) <= horizon_years
    rows = []
    for share in KAPLAN_2016:
        chosen = relapsed & (table["subtype"].to_numpy(str) == share.subtype)
        if share.er_positive is not None:
            chosen &= table["er_positive"].to_numpy(bool) == share.er_positive
        n = int(chosen.sum())
        involved = table[f"recurrence_in_{share.site}"].to_numpy(bool)[chosen]
        first = table["recurrence_site"].to_numpy(str)[chosen] == share.site
        p = float(involved.mean()) if n else float("nan")
        rows.append(
            {
                "subtype": share.subtype,
                "group": share.group,
                "site": share.site,
                "published_percent": share.percent,
                "published_se": share.standard_error,
                "model_percent": 100.0 * p,
                "model_se": 100.0 * float(np.sqrt(p * (1.0 - p) / n)) if n else float("nan"),
                "n_model": n,
                "first_site_percent": 100.0 * float(first.mean()) if n else float("nan"),
            }
        )
    return pd.DataFrame(rows)
