r"""DTC seeding at diagnosis and the bone-marrow aspirate as a measurement.

The mean number of DTCs in the whole marrow rises with tumour size, nodal status and grade and is higher in ER−
tumours (Braun 2005's associations of DTC positivity):

.. math::

    m = m_0\, f_T\, f_N\, f_G^{\,grade - 2}\, f_{ER}^{[ER-]}

and the count is negative binomial with mean :math:`m` and shape :math:`k` (gamma–Poisson, drawn in
:mod:`dormancy.patients.natural_history`). The aspirate is :mod:`dormancy.patients.aspirate` (clustered sampling);
the two functions below are its homogeneous limit (no site heterogeneity, single cells, perfect reading): an
aspirate samples a fraction :math:`f` of the marrow; each DTC is in the sample independently, so the number found
is Poisson with mean :math:`f N` and

.. math::

    P(\mathrm{DTC+} \mid N) = 1 - e^{-f N}, \qquad P(\mathrm{DTC+}) = 1 - (1 + f m / k)^{-k}.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

T_FOLD = {"T1": None, "T2": "seeding_fold_t2", "T3": "seeding_fold_t3"}
N_FOLD = {"N0": None, "N1-3": "seeding_fold_n1_3", "N4-9": "seeding_fold_n4_9", "N10+": "seeding_fold_n10"}


def seeding_mean(
    values: Mapping[str, float],
    *,
    t_stage: ArrayLike,
    n_stage: ArrayLike,
    grade: ArrayLike,
    er_positive: ArrayLike,
) -> NDArray[np.float64]:
    """Return the mean whole-marrow DTC count :math:`m` of each patient (module formula).

    Parameters
    ----------
    values : mapping of str to float
        The ``patients_natural_history`` values by symbol.
    t_stage, n_stage : array_like of str
        ``T1``–``T3`` and ``N0``, ``N1-3``, ``N4-9``, ``N10+``.
    grade : array_like of int
        1–3.
    er_positive : array_like of bool
        ER status.
    """
    t_stage, n_stage = np.asarray(t_stage), np.asarray(n_stage)
    mean = np.full(t_stage.shape, values["seeding_mean_reference"], dtype=np.float64)
    for folds, stages in ((T_FOLD, t_stage), (N_FOLD, n_stage)):
        for stage, symbol in folds.items():
            if symbol is not None:
                mean = np.where(stages == stage, mean * values[symbol], mean)
    mean = mean * values["seeding_fold_per_grade"] ** (np.asarray(grade, dtype=np.float64) - 2.0)
    return np.where(np.asarray(er_positive, dtype=bool), mean, mean * values["seeding_fold_er_negative"])


def aspirate_positive_probability(dtc_count: ArrayLike, sampled_fraction: float) -> NDArray[np.float64]:
    """Return :math:`1 - e^{-f N}`, the chance that an aspirate finds at least one of ``N`` marrow DTCs."""
    return -np.expm1(-sampled_fraction * np.asarray(dtc_count, dtype=np.float64))


def expected_positive_fraction(mean: ArrayLike, shape: float, sampled_fraction: float) -> NDArray[np.float64]:
    """Return :math:`1 - (1 + f m/k)^{-k}`: the DTC+ probability over the negative-binomial count."""
    return 1.0 - (1.0 + sampled_fraction * np.asarray(mean, dtype=np.float64) / shape) ** (-shape)
