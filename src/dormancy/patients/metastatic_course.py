r"""Bone metastases that arise during the metastatic course after a first distant recurrence elsewhere.

The compiled kernel (:mod:`dormancy.patients.natural_history`) makes bone metastases only from marrow DTC foci:
after a first distant recurrence in another organ, its own marrow foci go on growing and some reach detection
later. In metastatic breast cancer most patients whose first distant metastasis is visceral develop bone
metastases during the metastatic course (progression of disseminated disease, seeding from the established
metastases), whatever the marrow held at diagnosis. Solomayer 2000 (``solomayer2000``; 648 patients with
metastatic breast cancer): bone was the first metastatic site in 46 % and 71 % developed bone metastases, so among
the 54 % whose first site was not bone,

.. math::

    p = \frac{0.71 - 0.46}{1 - 0.46} \approx 0.46

developed bone metastases later; Coleman 1987 (``coleman1987``): 69 % of the patients dying of breast cancer had
bone metastases. The median survival after a first visceral metastasis is 12 months (Solomayer 2000; 3 months
after a first relapse in the liver, Coleman 1987), so these bone metastases come soon after the first recurrence.

**Model.** A patient whose first distant recurrence is in another organ (a visceral ``recurrence_site``) at time
:math:`t_r` gets a bone metastasis from the metastatic disease with probability :math:`p`
(``bone_after_visceral_probability``), at

.. math::

    t_b = t_r + D, \qquad D \sim \text{Exponential}(\text{mean } m),

:math:`m` = ``bone_after_visceral_delay_years``. ``bone_metastasis_years`` becomes
:math:`\min(t_{b,\text{kernel}}, t_b)`, the earlier of the kernel's own later bone focus and this one, each
counted only within follow-up (NaN when neither). The first distant recurrence (``recurrence_years``,
``recurrence_site``) is not changed, nor is anything else: this is not a first recurrence, and bone share and the
recurrence hazards do not see it.

Randomness: the two uniforms of patient ``i`` (``u_0`` for the event, ``u_1`` for the delay,
:math:`D = -m \ln(1 - u_1)`) are :func:`dormancy.rng.agent_uniforms` ``(seed, [i], step 0, 2)`` on the stream
:data:`METASTATIC_STREAM`, a key no other draw of the package uses, so every other column of the cohort table is
the same draw for draw whatever :math:`p` and :math:`m` are, and a patient's draw depends only on (seed, patient
id): the same in any chunking, on any number of workers, and in both arms of a trial (common random numbers).

Assumptions (documented, not modelled):

- The delay is drawn here without a competing death. :math:`p` is taken from metastatic courses that ended in
  death for most patients, so it already is the probability of a bone metastasis *before* death; with deaths on,
  the cohort maps the same draw onto a delay that ends before the patient's breast-cancer death
  (:func:`dormancy.patients.survival.route_before_death`), so the competing death is not counted twice.
- The route is independent of the kernel's own later bone foci given the first recurrence, so the model's
  fraction of later bone metastases among patients with a first recurrence elsewhere exceeds :math:`p` by the
  kernel's share (mostly foci detected years after the first recurrence, which a real cohort with a median
  survival of 12 months would rarely see; ``docs/calibration-run-5/README.md`` gives the numbers).
- Nothing in the trials or therapies acts on it: bone-targeted agents in the metastatic setting (bisphosphonates,
  denosumab) prevent skeletal-related events, not the incidence of bone metastases; the adjuvant treatment of a
  virtual trial changes only whether and when the first recurrence comes (and where).
- :math:`p` and :math:`m` do not depend on subtype or ER status (Solomayer 2000 found bone metastases more
  frequent with receptor-positive, low-grade tumours; not resolved here).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dormancy.rng import agent_uniforms

__all__ = ["METASTATIC_STREAM", "bone_after_visceral_years"]

METASTATIC_STREAM = 0x4D4554  # "MET": agent_uniforms stream of the metastatic course (column 0 event, 1 delay)


def bone_after_visceral_years(
    values: Mapping[str, float],
    *,
    seed: int,
    ids: ArrayLike,
    recurrence_years: ArrayLike,
    recurrence_site: ArrayLike,
    followup_years: float,
) -> NDArray[np.float64]:
    r"""Draw each patient's bone metastasis from the metastatic course after a first recurrence elsewhere.

    Patient ``i`` has one if her first distant recurrence is in another organ and :math:`u_0 < p`; it comes at
    :math:`t_r - m \ln(1 - u_1)` years after diagnosis (module docstring).

    Parameters
    ----------
    values : mapping of str to float
        ``patients_natural_history`` values by symbol (``bone_after_visceral_probability``, dimensionless, and
        ``bone_after_visceral_delay_years``, years).
    seed : int
        Cohort seed.
    ids : array_like of int
        Patient ids (the draws of patient ``i`` depend only on ``seed`` and ``i``).
    recurrence_years : array_like of float
        First distant recurrence, years since diagnosis (NaN: none within follow-up).
    recurrence_site : array_like of str
        Its site: ``"bone"``, a visceral site (:data:`dormancy.patients.sites.VISCERAL_SITES`) or empty.
    followup_years : float
        Follow-up from diagnosis, years.

    Returns
    -------
    numpy.ndarray of float
        Time of this bone metastasis in years since diagnosis; NaN for a patient without one within follow-up
        (no first recurrence elsewhere, :math:`u_0 \ge p`, or later than the follow-up).
    """
    ids = np.asarray(ids, dtype=np.int64)
    recurrence = np.asarray(recurrence_years, dtype=np.float64)
    site = np.asarray(recurrence_site, dtype=np.str_)
    elsewhere = (site != "bone") & (site != "")
    u = agent_uniforms(seed, ids, 0, 2, stream=METASTATIC_STREAM)
    spreads = elsewhere & (u[:, 0] < values["bone_after_visceral_probability"])
    time = recurrence - values["bone_after_visceral_delay_years"] * np.log1p(-u[:, 1])
    return np.where(spreads & (time <= followup_years), time, np.nan)
