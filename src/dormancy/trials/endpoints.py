"""Per-patient endpoints of a virtual trial from the simulated histories, measured from entry (randomisation).

Time zero is entry; each patient is followed for her own follow-up length and censored at its end.

- ``dfs``, ``ddfs``, ``rfs`` (disease-free, distant disease-free, recurrence-free survival): the first distant
  metastasis after entry. In a real trial DFS also counts local and contralateral recurrences, second primaries and
  deaths from any cause, and RFS local recurrences; the model carries none of these (all its recurrences are
  distant and nobody dies of other causes), so the three coincide here and are all distant-metastasis-free
  survival. A real trial's hazard ratios on DFS are diluted by events a bone-directed drug cannot touch; the model's
  are not.
- ``bmfs`` (bone-metastasis-free survival, D-CARE's primary endpoint): the first bone metastasis after entry,
  from the table's ``bone_metastasis_years`` (bone metastasis at any time) when the cohort has that column;
  otherwise bone as the *first* distant site, censored at a first recurrence elsewhere (AZURE's "bone metastasis as
  first event"), and the table says which (``bmfs_definition``).
- DTC clearance: each scheduled aspirate after entry is positive, negative or not done (the patient had recurred
  by then, or was not followed that long); negative aspirates can be false negatives (the aspirate samples a
  fraction of the marrow, :func:`dormancy.patients.aspirate_positive`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dormancy.trials.spec import ENDPOINTS

__all__ = ["BMFS_ANY_TIME", "BMFS_FIRST_SITE", "patient_endpoints"]

BMFS_ANY_TIME = "bone metastasis at any time"
BMFS_FIRST_SITE = "bone metastasis as first distant event (censored at a first recurrence elsewhere)"


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
        Columns ``<endpoint>_years`` and ``<endpoint>_event`` for each endpoint of :data:`ENDPOINTS`, and
        ``bmfs_definition``; same row order as ``table``.
    """
    entry = np.asarray(entry_years, dtype=float)
    follow = np.asarray(follow_up_years, dtype=float)
    recurrence = table["recurrence_years"].to_numpy(float) - entry
    distant_event = recurrence <= follow  # NaN (no recurrence in the simulated follow-up) compares False
    distant_time = np.where(distant_event, recurrence, follow)
    columns: dict[str, object] = {}
    for name in ENDPOINTS:
        if name == "bmfs":
            continue
        columns[f"{name}_years"] = distant_time
        columns[f"{name}_event"] = distant_event
    if "bone_metastasis_years" in table:
        bone = table["bone_metastasis_years"].to_numpy(float) - entry
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
    return pd.DataFrame(columns, index=table.index)
