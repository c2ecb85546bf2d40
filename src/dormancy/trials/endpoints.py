"""Per-patient endpoints of a virtual trial from the simulated histories, measured from entry (randomisation).

Time zero is entry; each patient is followed for her own follow-up length and censored at its end or at her death
(``death_years`` of :mod:`dormancy.patients.survival`; an event after death is never observed).

- ``ddfs`` (distant disease-free survival): the first distant metastasis after entry (``recurrence_years``).
- ``rfs`` (recurrence-free survival, e.g. CLEVER's): the first distant metastasis or locoregional recurrence
  (``locoregional_years``).
- ``dfs`` (disease-free survival, e.g. AZURE's and D-CARE's): the first distant metastasis, locoregional recurrence
  or contralateral breast cancer (``contralateral_years``), i.e. the cohort's ``any_recurrence_years`` after entry.
  The locoregional and contralateral events come from :mod:`dormancy.patients.locoregional` and no trial treatment
  acts on them, so they dilute a bone-directed drug's hazard ratio on DFS as in a real trial. ``dfs`` keeps its
  meaning of earlier versions (recurrence only, censored at death); the trials' DFS that counts deaths is ``idfs``.
  Not modelled: second primaries other than contralateral breast cancer. A table without the locoregional and
  contralateral columns (written before they existed) gives distant-only DFS and RFS, and ``dfs_definition`` says
  which.
- ``idfs`` (invasive disease-free survival, STEEP: Hudis 2007 ``hudis2007``, Tolaney 2021 ``tolaney2021``; AZURE's,
  D-CARE's and ABCSG-18's DFS): the first invasive ipsilateral or regional recurrence (the model's locoregional
  recurrence), distant recurrence, contralateral invasive breast cancer or death from any cause. STEEP also counts
  second primary invasive non-breast cancers, which the model does not have (a known departure); the model has no
  DCIS, so STEEP's DFS equals IDFS here.
- ``drfs`` (distant relapse-free survival, STEEP): the first distant recurrence or death from any cause.
- ``os`` (overall survival): death from any cause.
- ``bcss`` (breast-cancer-specific survival): death from breast cancer, deaths from other causes censored.
- ``bmfs`` (bone-metastasis-free survival, D-CARE's primary endpoint): the first bone metastasis after entry,
  from the table's ``bone_metastasis_years`` (bone metastasis at any time, including those of the metastatic
  course, :mod:`dormancy.patients.metastatic_course`, on which no trial treatment acts) when the cohort has that
  column; otherwise bone as the *first* distant site, censored at a first recurrence elsewhere (AZURE's "bone
  metastasis as first event"), and the table says which (``bmfs_definition``).
- DTC clearance: each scheduled aspirate after entry is positive, negative or not done (the patient had recurred
  by then, or was not followed that long). The aspirate is a measurement (:mod:`dormancy.patients.aspirate`):
  about 2 million mononuclear cells from two sites, DTCs spread unevenly and in small clusters, a protocol's
  sensitivity. A negative aspirate is often a false negative and a positive one often not repeated, treated or
  not: among untreated patients aspirated twice six months apart only about one positive in six is positive again
  (Synnestvedt 2012; :mod:`dormancy.patients.repeat_aspirate`), so "clearance" in an arm must be read against the
  control arm's, never as the share of DTCs killed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dormancy.trials.spec import ENDPOINTS

__all__ = ["BMFS_ANY_TIME", "BMFS_FIRST_SITE", "DEATH_ENDPOINTS", "DFS_ANY", "DFS_DISTANT_ONLY", "patient_endpoints"]

BMFS_ANY_TIME = "bone metastasis at any time"
BMFS_FIRST_SITE = "bone metastasis as first distant event (censored at a first recurrence elsewhere)"
DFS_ANY = (
    "DFS: first distant, locoregional or contralateral breast cancer; RFS: first distant or locoregional "
    "(both censored at death; no second primaries elsewhere); IDFS (STEEP): DFS's events or death from any cause"
)
#: Endpoints whose events include deaths (their columns need ``death_years``; without it, no deaths are seen).
DEATH_ENDPOINTS: tuple[str, ...] = ("idfs", "drfs", "os", "bcss")
DFS_DISTANT_ONLY = "DFS and RFS: first distant recurrence only (table without locoregional and contralateral events)"


def patient_endpoints(
    table: pd.DataFrame, entry_years: NDArray[np.float64], follow_up_years: NDArray[np.float64]
) -> pd.DataFrame:
    """Time (years from entry) and event indicator of every endpoint for each row of ``table``.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of :func:`dormancy.patients.simulate_cohort` for the enrolled patients (no recurrence before entry).
    entry_years : numpy.ndarray
        Entry time per row, years after diagnosis.
    follow_up_years : numpy.ndarray
        Follow-up after entry per row, years.

    Returns
    -------
    pandas.DataFrame
        Columns ``<endpoint>_years`` and ``<endpoint>_event`` for each endpoint of :data:`ENDPOINTS`,
        ``bmfs_definition`` and ``dfs_definition``; same row order as ``table``.
    """
    entry = np.asarray(entry_years, dtype=float)
    n = len(table)
    death = table["death_years"].to_numpy(float) if "death_years" in table else np.full(n, np.nan)
    cause = table["death_cause"].to_numpy(str) if "death_cause" in table else np.full(n, "")
    # censored at death (an event after it is never observed); NaN death: alive at the end of follow-up
    follow = np.fmin(np.asarray(follow_up_years, dtype=float), death - entry)
    death_cancer = np.where(cause == "breast cancer", death, np.nan)

    def first_after_entry(*names: str) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        columns = {"death_years": death, "breast_cancer_death_years": death_cancer}
        times = np.fmin.reduce([columns[name] if name in columns else table[name].to_numpy(float) for name in names])
        times = times - entry
        event = times <= follow  # NaN (no event in the simulated follow-up) compares False
        return np.where(event, times, follow), event

    distant_time, distant_event = first_after_entry("recurrence_years")
    local = {"locoregional_years", "contralateral_years"} <= set(table.columns)
    events = {
        "ddfs": ("recurrence_years",),
        "rfs": ("recurrence_years", "locoregional_years") if local else ("recurrence_years",),
        "dfs": ("recurrence_years", "locoregional_years", "contralateral_years") if local else ("recurrence_years",),
    }
    events["idfs"] = (*events["dfs"], "death_years")
    events["drfs"] = ("recurrence_years", "death_years")
    events["os"] = ("death_years",)
    events["bcss"] = ("breast_cancer_death_years",)
    columns: dict[str, object] = {}
    for name in ENDPOINTS:
        if name == "bmfs":
            continue
        columns[f"{name}_years"], columns[f"{name}_event"] = first_after_entry(*events[name])
    if "bone_metastasis_years" in table:
        bone = table["bone_metastasis_years"].to_numpy(float) - entry  # NaN after death
        bone_event = bone <= follow
        bone_time = np.where(bone_event, bone, follow)
        definition = BMFS_ANY_TIME
    else:
        first_in_bone = table["recurrence_site"].to_numpy(str) == "bone"
        bone_event = distant_event & first_in_bone
        bone_time = distant_time
        definition = BMFS_FIRST_SITE
    columns["bmfs_years"] = bone_time
    columns["bmfs_event"] = bone_event
    columns["bmfs_definition"] = np.full(len(table), definition, dtype=object)
    columns["dfs_definition"] = np.full(len(table), DFS_ANY if local else DFS_DISTANT_ONLY, dtype=object)
    return pd.DataFrame(columns, index=table.index)
