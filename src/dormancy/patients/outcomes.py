r"""Survival endpoints of a cohort: overall and breast-cancer-specific survival, competing-risk cumulative incidence.

From the per-patient table of :func:`dormancy.patients.simulate_cohort` (``death_years``, ``death_cause``,
``recurrence_years``, ``end_of_followup_years``; :mod:`dormancy.patients.survival`), time from diagnosis:

- **Overall survival** (OS): Kaplan–Meier of death from any cause.
- **Breast-cancer-specific survival** (BCSS): Kaplan–Meier of death from breast cancer, deaths from other causes
  censored (under the model's independence of the two, the net survival from breast cancer).
- **Cumulative incidence with competing risks** (Aalen–Johansen, lifelines' ``AalenJohansenFitter``): for the first
  event, distant recurrence against death without distant recurrence; for death, breast cancer against other
  causes. With :math:`\hat S(t^-)` the Kaplan–Meier survival from any of the competing events just before
  :math:`t_j`, :math:`d_{kj}` the events of cause :math:`k` at :math:`t_j` and :math:`n_j` at risk,

  .. math::

      \hat F_k(t) = \sum_{t_j \le t} \hat S(t_j^-)\, \frac{d_{kj}}{n_j},
      \qquad \sum_k \hat F_k(t) = 1 - \hat S(t) \le 1,

  unlike one minus a Kaplan–Meier that censors the competing event, which overstates the risk when many die of
  something else (Putter 2007, ``putter2007``).

Only patients whose ``status`` is ``"ok"`` count. A table without ``death_years`` (written before deaths existed, or
``CohortSpec(deaths=False)``) has no deaths: OS and BCSS are 1 and the competing incidences 0.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

__all__ = ["HORIZONS", "OUTCOME_COLUMNS", "cumulative_incidence", "kaplan_meier_at", "survival_outcomes"]

HORIZONS: tuple[float, ...] = (5.0, 10.0, 15.0, 20.0)
#: Columns of :func:`survival_outcomes` besides ``years`` and ``patients``, with their meaning.
OUTCOME_COLUMNS: dict[str, str] = {
    "os": "overall survival (Kaplan–Meier)",
    "bcss": "breast-cancer-specific survival (Kaplan–Meier, other deaths censored)",
    "cif_distant": "cumulative incidence of a first distant recurrence (Aalen–Johansen; competing: death before it)",
    "cif_death_without_distant": "cumulative incidence of death without a distant recurrence (Aalen–Johansen)",
    "cif_breast_cancer_death": "cumulative incidence of death from breast cancer (Aalen–Johansen)",
    "cif_other_death": "cumulative incidence of death from other causes (Aalen–Johansen)",
}


def kaplan_meier_at(durations: ArrayLike, events: ArrayLike, horizons: Iterable[float]) -> NDArray[np.float64]:
    """Kaplan–Meier survival (lifelines) at each horizon; NaN without patients."""
    from lifelines import KaplanMeierFitter  # imported here: lifelines takes ~0.5 s to import

    durations = np.asarray(durations, dtype=float)
    horizons = np.asarray(list(horizons), dtype=float)
    if durations.size == 0:
        return np.full(horizons.shape, np.nan)
    fitter = KaplanMeierFitter().fit(durations, event_observed=np.asarray(events, dtype=bool))
    return fitter.survival_function_at_times(horizons).to_numpy(float)


def cumulative_incidence(
    durations: ArrayLike, causes: ArrayLike, horizons: Iterable[float], *, n_causes: int = 2
) -> NDArray[np.float64]:
    """Aalen–Johansen cumulative incidence of each cause at each horizon (lifelines ``AalenJohansenFitter``).

    Parameters
    ----------
    durations : array_like of float
        Time to the first event or censoring.
    causes : array_like of int
        0 for censored, ``1 .. n_causes`` for the cause of the event.
    horizons : iterable of float
        Times at which to read the incidences.
    n_causes : int
        Number of competing causes.

    Returns
    -------
    numpy.ndarray, shape (n_causes, len(horizons))
        ``F_k(t)``, non-decreasing in ``t``, summing over ``k`` to at most 1; 0 for a cause never observed and
        NaN without patients.
    """
    from lifelines import AalenJohansenFitter  # imported here: lifelines takes ~0.5 s to import

    durations = np.asarray(durations, dtype=float)
    causes = np.asarray(causes, dtype=np.int64)
    horizons = np.asarray(list(horizons), dtype=float)
    result = np.zeros((n_causes, horizons.size))
    if durations.size == 0:
        return np.full((n_causes, horizons.size), np.nan)
    for cause in range(1, n_causes + 1):
        if not np.any(causes == cause):
            continue
        fitter = AalenJohansenFitter(calculate_variance=False).fit(durations, causes, event_of_interest=cause)
        curve = fitter.cumulative_density_.iloc[:, 0]
        index = np.searchsorted(curve.index.to_numpy(float), horizons, side="right") - 1
        result[cause - 1] = np.where(index >= 0, curve.to_numpy(float)[np.maximum(index, 0)], 0.0)
    return result


def _columns(table: pd.DataFrame) -> tuple[NDArray[np.float64], NDArray[np.str_], NDArray[np.float64]]:
    """Death time (NaN: none), its cause and the end of observation (death or end of follow-up) of each patient."""
    n = len(table)
    death = table["death_years"].to_numpy(float) if "death_years" in table else np.full(n, np.nan)
    cause = table["death_cause"].to_numpy(str) if "death_cause" in table else np.full(n, "")
    column = "end_of_followup_years" if "end_of_followup_years" in table else "followup_years"
    return death, cause, np.where(np.isnan(death), table[column].to_numpy(float), death)


def survival_outcomes(table: pd.DataFrame, *, horizons: Iterable[float] = HORIZONS) -> pd.DataFrame:
    """OS, BCSS and the competing-risk cumulative incidences at each horizon (years from diagnosis).

    Parameters
    ----------
    table : pandas.DataFrame
        Per-patient table of :func:`dormancy.patients.simulate_cohort`.
    horizons : iterable of float
        Years after diagnosis.

    Returns
    -------
    pandas.DataFrame
        One row per horizon: ``years``, ``patients`` and the fractions of :data:`OUTCOME_COLUMNS` (0-1).
    """
    if "status" in table:
        table = table[table["status"] == "ok"]
    horizons = [float(h) for h in horizons]
    death, cause, exit_years = _columns(table)
    dead = ~np.isnan(death)
    recurrence = table["recurrence_years"].to_numpy(float)
    columns: dict[str, object] = {"years": horizons, "patients": [len(table)] * len(horizons)}
    columns["os"] = kaplan_meier_at(exit_years, dead, horizons)
    columns["bcss"] = kaplan_meier_at(exit_years, dead & (cause == "breast cancer"), horizons)
    recurred = ~np.isnan(recurrence)
    first = np.where(recurred, recurrence, exit_years)
    first_cause = np.where(recurred, 1, np.where(dead, 2, 0))
    columns["cif_distant"], columns["cif_death_without_distant"] = cumulative_incidence(first, first_cause, horizons)
    death_cause = np.where(dead, np.where(cause == "breast cancer", 1, 2), 0)
    columns["cif_breast_cancer_death"], columns["cif_other_death"] = cumulative_incidence(
        exit_years, death_cause, horizons
    )
    return pd.DataFrame(columns, columns=["years", "patients", *OUTCOME_COLUMNS])
