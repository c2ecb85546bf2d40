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
therapy. The endocrine sensitivity is thus :math:`s_i \mathbb{1}[t < T_R]`: a resistant fraction with no benefit
(POETIC / IMPACT: a fifth to a third of ER+ tumours keep a high Ki-67 after two weeks of an aromatase inhibitor;
Smith 2020, Dowsett 2005), the others with a continuous response :math:`s_i` (:func:`endocrine_sensitivity`; 1 for
everyone when its spread is 0, the all-or-none model of calibration run 9).

With :math:`r = 0` and :math:`\lambda = 0` every :math:`T_R` is infinite and the kernel's history is the same, bit
for bit, as without the mechanism (tested). Randomness: the two uniforms of patient ``i`` are
:func:`dormancy.rng.agent_uniforms` ``(seed, [i], step 0, 2)`` on the stream :data:`ENDOCRINE_STREAM`, a key no other
draw uses, so :math:`T_R` depends only on (seed, patient id) and moves no other draw.

**Tamoxifen-specific de novo resistance.** The calibrated :math:`r` is the resistant fraction under *tamoxifen*
(the 1980s endocrine therapy of the EBCTCG 2011 targets). Tamoxifen is a partial agonist: in tumours whose ER is
driven by growth-factor signalling (ErbB1/ErbB2) it stimulates as well as blocks, while oestrogen deprivation by an
aromatase inhibitor removes the ligand itself (Ellis 2001, P024: 4 months of neoadjuvant letrozole vs tamoxifen,
ER+ responses 60 % vs 41 %, ErbB1/2+ 88 % vs 21 %). A fraction :math:`\phi` (``ai_sensitive_fraction_of_
tamoxifen_resistant``, ``care_modern``) of the de novo tamoxifen-resistant patients is therefore sensitive to an
aromatase inhibitor: under an aromatase inhibitor from diagnosis (:func:`aromatase_inhibitor_resistant_years`)
:math:`T_R^{AI} = T_R` except where :math:`u_0 < r` and :math:`u_2 < \phi`, where
:math:`T_R^{AI} = -\ln(1 - u_1)/\lambda_{AI}`: growth-factor-driven disease escapes oestrogen deprivation by
adaptation, within months (``ai_escape_per_year_of_tamoxifen_resistant``; eLEcTRA, Huober 2012: median time to
progression 3.3 months on letrozole alone in HER2+/HR+ metastatic disease), so these patients' benefit is early
and transient, the fading of an aromatase inhibitor's advantage over tamoxifen (EBCTCG 2015: years 0–1 vs 2–4).
:math:`u_2` comes from a stream of its own
(:data:`AI_SENSITIVE_STREAM`), so tamoxifen cohorts are bit-identical. A patient who starts on tamoxifen keeps the
tamoxifen :math:`T_R` when she switches to an aromatase inhibitor later (extended therapy): one :math:`T_R` per
patient (a departure: her tamoxifen-specific resistance would then be overcome, though a disease that grew unchecked
for years on tamoxifen has mostly recurred by then).

**Continuous response of the sensitive patients** (:func:`endocrine_sensitivity`): before :math:`T_R` a patient's
response is not all-or-none but :math:`s_i`, lognormal on the growth factor's scale (Ki-67's spread on letrozole),
which scales every endocrine effect of the kernel.

Not modelled: resistance differing between foci of one patient,
the majority's acquired resistance differing between tamoxifen and aromatase inhibitors (one :math:`\lambda`), and the
non-DTC events (locoregional and contralateral, :mod:`dormancy.patients.locoregional`), whose endocrine reduction
is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dormancy.errors import InputError, Problem
from dormancy.rng import agent_normals, agent_uniforms

__all__ = [
    "AI_SENSITIVE_STREAM",
    "ENDOCRINE_RESPONSE_STREAM",
    "ENDOCRINE_STREAM",
    "aromatase_inhibitor_resistant_years",
    "endocrine_resistant_years",
    "endocrine_sensitivity",
]

#: agent_uniforms stream of the endocrine resistance (column 0 de novo, column 1 acquisition time)
ENDOCRINE_STREAM = 0x454E44  # "END"
#: agent_uniforms stream of the tamoxifen-specific de novo resistance (whether oestrogen deprivation still works)
AI_SENSITIVE_STREAM = 0x414953  # "AIS"
#: agent_uniforms stream of the continuous endocrine response of the sensitive patients (column 0)
ENDOCRINE_RESPONSE_STREAM = 0x455253  # "ERS"


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


def aromatase_inhibitor_resistant_years(
    values: Mapping[str, float],
    *,
    ai_sensitive_fraction: float,
    escape_per_year: float | None = None,
    seed: int,
    ids: ArrayLike,
    er_positive: ArrayLike,
) -> NDArray[np.float64]:
    r"""Return :math:`T_R^{AI}`, each patient's resistance time under an aromatase inhibitor from diagnosis (years).

    As :func:`endocrine_resistant_years`, except that a fraction :math:`\phi` of the de novo (tamoxifen-)resistant
    patients is sensitive to oestrogen deprivation (module docstring): for them :math:`T_R^{AI}` is the escape
    time :math:`-\ln(1 - u_1)/\lambda_{AI}` (``inf`` when the hazard is 0). With :math:`\phi = 0` the result is
    :func:`endocrine_resistant_years`'s.

    Parameters
    ----------
    values : mapping
        ``patients_natural_history`` values (:math:`r`, :math:`\lambda`; see :func:`endocrine_resistant_years`).
    ai_sensitive_fraction : float
        :math:`\phi`, dimensionless, 0 to 1 (``care_modern.ai_sensitive_fraction_of_tamoxifen_resistant``).
    escape_per_year : float, optional
        :math:`\lambda_{AI}`, 1/year (``care_modern.ai_escape_per_year_of_tamoxifen_resistant``); default the
        acquisition hazard :math:`\lambda` of the others.
    seed : int
        The cohort's seed.
    ids : array_like of int
        Patient ids.
    er_positive : array_like of bool
        ER status.

    Returns
    -------
    numpy.ndarray
        :math:`T_R^{AI}` per patient, years.
    """
    phi = float(ai_sensitive_fraction)
    if not 0.0 <= phi <= 1.0:
        raise InputError([Problem("ai_sensitive_fraction_of_tamoxifen_resistant", "0 to 1", str(phi))])
    tamoxifen = endocrine_resistant_years(values, seed=seed, ids=ids, er_positive=er_positive)
    ids = np.asarray(ids, dtype=np.int64)
    if phi == 0.0 or not np.any(tamoxifen == 0.0):
        return tamoxifen
    r = float(values.get("endocrine_resistant_fraction", 0.0))
    rate = float(values.get("endocrine_acquired_resistance_per_year", 0.0))
    if escape_per_year is not None:
        rate = float(escape_per_year)
        if not (rate >= 0.0 and np.isfinite(rate)):
            raise InputError([Problem("ai_escape_per_year_of_tamoxifen_resistant", ">= 0 and finite", str(rate))])
    u = agent_uniforms(seed, ids, 0, 2, stream=ENDOCRINE_STREAM)
    with np.errstate(divide="ignore"):
        acquired = -np.log1p(-u[:, 1]) / rate if rate > 0.0 else np.full(len(ids), np.inf)
    de_novo = (u[:, 0] < r) & np.asarray(er_positive, dtype=bool)
    switched = de_novo & (agent_uniforms(seed, ids, 0, 1, stream=AI_SENSITIVE_STREAM)[:, 0] < phi)
    return np.where(switched, acquired, tamoxifen)


def endocrine_sensitivity(
    values: Mapping[str, float], *, seed: int, ids: ArrayLike, er_positive: ArrayLike
) -> NDArray[np.float64]:
    r"""Return each patient's relative response :math:`s_i` to endocrine therapy while her disease is sensitive.

    The calibrated :math:`\varepsilon_{endo}` is the *typical* (geometric-mean) inhibition: on therapy an ER+
    focus grows at :math:`\bar f = 1 - \varepsilon_{endo}` of its rate. Between tumours the fall in proliferation
    on endocrine therapy is continuous and roughly lognormal (the proportional change of Ki-67 after two weeks,
    analysed on the log scale: Dowsett 2005, AMEERA-4's letrozole arm, Campone 2023), so patient :math:`i`'s growth
    factor on therapy is

    .. math:: f_i = \min\left(1, \bar f \, e^{\sigma z_i}\right),

    with :math:`\sigma` ``endocrine_response_sd_log`` (the SD of the log growth factor) and :math:`z_i` draw 0 of
    :func:`dormancy.rng.agent_normals` ``(seed, [id_i], 0, 1)`` on :data:`ENDOCRINE_RESPONSE_STREAM`. Her
    fractional inhibition is :math:`1 - f_i = \varepsilon_{endo} s_i`, and the eradication hazard, an effect of the
    same ER blockade, is taken in proportion, :math:`h_{endo} s_i` (assumption: a tumour whose proliferation is
    not held back is not eradicated either). The kernel multiplies :math:`\varepsilon_{endo}` (growth and
    founding) and :math:`h_{endo}` by :math:`s_i`, and weighs the switch's readings under ER blockade (dormant
    hazards, establishment, immune evasion) against the untreated ones with :math:`\min(s_i, 1)` (linear; the
    tables exist at the calibrated blockade only) (:func:`dormancy.patients.natural_history.simulate_patients`).

    Selection follows: the disease still present after years of therapy is that of the patients with a weak
    response, so continuing the therapy (extended endocrine therapy) acts less than it did at first.

    With :math:`\sigma = 0` (or the record absent) every :math:`s_i` is exactly 1 and the kernel's history is
    bit-identical to the model without the spread. De novo and acquired resistance (:func:`endocrine_resistant_
    years`) stay as they are: from :math:`T_R` no endocrine effect acts whatever :math:`s_i`.

    Parameters
    ----------
    values : mapping
        ``patients_natural_history`` values: ``endocrine_growth_inhibition`` (:math:`\varepsilon_{endo}`) and
        ``endocrine_response_sd_log`` (:math:`\sigma`, dimensionless, 0 when absent).
    seed : int
        The cohort's seed.
    ids : array_like of int
        Patient ids.
    er_positive : array_like of bool
        ER status (ER− patients get 1: no endocrine effect applies to them).

    Returns
    -------
    numpy.ndarray
        :math:`s_i` per patient (dimensionless, :math:`0 \le s_i \le 1/\varepsilon_{endo}`).
    """
    sigma = float(values.get("endocrine_response_sd_log", 0.0))
    if not (sigma >= 0.0 and np.isfinite(sigma)):
        raise InputError([Problem("endocrine_response_sd_log", ">= 0 and finite", str(sigma))])
    ids = np.asarray(ids, dtype=np.int64)
    out = np.ones(len(ids))
    epsilon = float(values.get("endocrine_growth_inhibition", 0.0))
    if sigma == 0.0 or epsilon <= 0.0:
        return out
    z = agent_normals(seed, ids, 0, 1, stream=ENDOCRINE_RESPONSE_STREAM)[:, 0]
    factor = np.minimum(1.0, (1.0 - epsilon) * np.exp(sigma * z))
    return np.where(np.asarray(er_positive, dtype=bool), (1.0 - factor) / epsilon, out)
