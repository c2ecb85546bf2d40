r"""Between-patient endocrine sensitivity: de novo and acquired endocrine resistance of ER+ disease.

Every endocrine effect of the patient kernel (:mod:`dormancy.patients.natural_history`: the growth and
colony-founding inhibition :math:`\varepsilon_{endo}`, the eradication hazard :math:`h_{endo}`, the switch's tables
under ER blockade, and a regimen's per-step growth factor and ER inhibition of ER+ foci, i.e. the aromatase
inhibitor's and the CDK4/6 inhibitor's effects of :mod:`dormancy.patients.care`) acts on an ER+ patient only
before the time :math:`T_R` at which her disease is endocrine-resistant:

.. math::

    T_R = \begin{cases} 0 & u_0 < r \quad\text{(de novo resistance)}\\
    -\ln(1 - u_1)/\lambda & \text{otherwise (acquired resistance; } \infty \text{ when } \lambda = 0)\end{cases}

with :math:`r` the resistant fraction (``endocrine_resistant_fraction``) and :math:`\lambda` the hazard of
acquiring resistance (``endocrine_acquired_resistance_per_year``, years from diagnosis: the therapy starts at
diagnosis). From :math:`T_R` on the patient's foci, founders and dormant cells are treated as off endocrine
therapy. The endocrine sensitivity :math:`s_i(t) = \mathbb{1}[t < T_R]` is thus 0 or 1: a resistant fraction with no
benefit, the rest fully sensitive (POETIC / IMPACT: a fifth to a third of ER+ tumours keep a high Ki-67 after two
weeks of an aromatase inhibitor; Smith 2020, Dowsett 2005).

With :math:`r = 0` and :math:`\lambda = 0` every :math:`T_R` is infinite and the kernel's history is the same, bit
for bit, as without the mechanism (tested). Randomness: the two uniforms of patient ``i`` are
:func:`dormancy.rng.agent_uniforms` ``(seed, [i], step 0, 2)`` on the stream :data:`ENDOCRINE_STREAM`, a key no other
draw uses, so :math:`T_R` depends only on (seed, patient id) and moves no other draw.

Not modelled: partial sensitivity (a continuous :math:`s_i`), resistance differing between foci of one patient,
cross-resistance differing between tamoxifen and aromatase inhibitors (one :math:`T_R` for both), and the
non-DTC events (locoregional and contralateral, :mod:`dormancy.patients.locoregional`), whose endocrine reduction
is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dormancy.errors import InputError, Problem
from dormancy.rng import agent_uniforms

__all__ = ["ENDOCRINE_STREAM", "endocrine_resistant_years"]

#: agent_uniforms stream of the endocrine resistance (column 0 de novo, column 1 acquisition time)
ENDOCRINE_STREAM = 0x454E44  # "END"


def endocrine_resistant_years(
    values: Mapping[str, float], *, seed: int, ids: ArrayLike, er_positive: ArrayLike
) -> NDArray[np.float64]:
    r"""Return each patient's time :math:`T_R` (years after diagnosis) from which endocrine therapy has no effect.

    Parameters
    ----------
    values : mapping
        ``patients_natural_history`` values; ``endocrine_resistant_fraction`` (:math:`r`, dimensionless) and
        ``endocrine_acquired_resistance_per_year`` (:math:`\lambda`, 1/year) are read, 0 when absent.
    seed : int
        The cohort's seed.
    ids : array_like of int
        Patient ids.
    er_positive : array_like of bool
        ER status (ER− patients get :math:`T_R = \infty`: no endocrine effect applies to them anyway).

    Returns
    -------
    numpy.ndarray
        :math:`T_R` per patient (0: de novo resistant; ``inf``: never resistant), years.
    """
    r = float(values.get("endocrine_resistant_fraction", 0.0))
    rate = float(values.get("endocrine_acquired_resistance_per_year", 0.0))
    problems = []
    if not 0.0 <= r <= 1.0:
        problems.append(Problem("endocrine_resistant_fraction", "0 to 1", str(r)))
    if not (rate >= 0.0 and np.isfinite(rate)):
        problems.append(Problem("endocrine_acquired_resistance_per_year", ">= 0 and finite", str(rate)))
    if problems:
        raise InputError(problems)
    ids = np.asarray(ids, dtype=np.int64)
    er = np.asarray(er_positive, dtype=bool)
    out = np.full(len(ids), np.inf)
    if r == 0.0 and rate == 0.0:
        return out
    u = agent_uniforms(seed, ids, 0, 2, stream=ENDOCRINE_STREAM)
    with np.errstate(divide="ignore"):
        acquired = -np.log1p(-u[:, 1]) / rate if rate > 0.0 else np.full(len(ids), np.inf)
    out = np.where(u[:, 0] < r, 0.0, acquired)
    return np.where(er, out, np.inf)
