r"""Modern adjuvant care on the patient model's own mechanisms: per-patient care regimens and their eligibility.

:class:`dormancy.patients.specs.CareSpec` names an era (``"1980s"``, the calibrated care, or ``"modern"``) and its
components. The 1980s care is the kernel's own (:mod:`dormancy.patients.natural_history`): a chemotherapy course
ending with the calibrated log kill :math:`L` of every growing focus, and endocrine therapy for ER+ patients
(growth and colony-founding inhibition :math:`\varepsilon_{endo}` and eradication hazard :math:`h_{endo}` while
taken, and the switch's tables under ER blockade). Every modern component acts through the per-step effects the
kernel already applies to a treatment (:class:`dormancy.patients.kernel_io.RegimenSteps`: log10 kill of every
growing focus, a factor on every focus's growth, an extra inhibition of ER+ foci and founders, an extra death
hazard of every dormant DTC), given to each
patient from diagnosis as a *care regimen* of :data:`CARE_REGIMEN_YEARS` (monthly steps):

========================  ==================================================================  ====================
component                 mechanism (record of ``care_modern``)                               who
========================  ==================================================================  ====================
anthracycline–taxane      eradication of every growing focus at the course's end in a share   chemotherapy patients
                          :math:`p_T` of the patients (``taxane_pcr_gain``: the pCRs the
                          taxane adds in NSABP B-27); dormant cells spared
                          (:func:`taxane_eradicated`)
aromatase inhibitor       focus growth times :math:`1 - \varepsilon_{AI}` on top of           postmenopausal ER+ (or
                          tamoxifen's (``aromatase_inhibitor_extra_inhibition``, IMPACT      with ovarian
                          Ki-67 of established tumours; colony founding as on tamoxifen)    suppression)
                          and, from diagnosis, a share of the tamoxifen-resistant patients
                          sensitive to it for a time (:mod:`dormancy.patients.
                          endocrine_resistance`, P024 and eLEcTRA)
ovarian suppression       lets a premenopausal woman take the aromatase inhibitor             premenopausal ER+
extended endocrine        endocrine therapy to ``extended_to_years``; the aromatase           node-positive or all
                          inhibitor in the extension when postmenopausal (MA.17)              ER+
trastuzumab               log kill :math:`k_H \Delta` of every growing focus each month of    HER2+ with
                          its year (``trastuzumab_log_kill_per_year``, NOAH's pCR), and an    chemotherapy
                          extra death hazard :math:`h_H` of every dormant DTC over the year
                          (``trastuzumab_dormant_death_per_year``: antibody-dependent
                          cytotoxicity needs no proliferation; clearance of chemotherapy-
                          resistant CK19 mRNA+ cells, Georgoulias 2012, Bozionellou 2004)
abemaciclib               growth factor :math:`g_{CDK}` of every focus for 2 years            ER+/HER2−, monarchE
                          (``cdk46_growth_factor``, neoMONARCH Ki-67; cytostatic), and        eligible
                          :math:`g_{CDK,R}` of every focus once the disease is endocrine-
                          resistant (``cdk46_resistant_growth_factor``, MONARCH 2)
========================  ==================================================================  ====================

A patient's regimen is therefore five arrays over the monthly steps after diagnosis; patients with the same
arrays run together through the kernel (:func:`care_groups`). Every patient under a care with any modern
component gets a regimen of the same length (all-neutral when nothing applies), so that two such cares differ only
in the effects: the kernel then updates dormant pools monthly over the regimen for all of them, and arms of an
in-silico comparison share their random numbers step for step (common random numbers). The 1980s care uses no
regimen at all, so its cohorts are exactly those calibrated. A patient's history depends only on (seed, patient
id) whatever the grouping.

Not modelled: ovarian suppression's effect on the host's oestrogen deficiency (the niche); the aromatase
inhibitor's or CDK4/6 inhibitor's effect on dormant cells (the switch's tables are those of standard endocrine
therapy); the HER2 heterogeneity of a patient's DTCs (trastuzumab's dormant-cell hazard is a bulk one, fitted to
the clearance of all detectable cells). Eligibility ignores Ki-67 (monarchE's cohort 2).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from dormancy.params import ParameterSet, load_registry
from dormancy.patients.kernel_io import RegimenSteps
from dormancy.patients.specs import CareSpec

__all__ = [
    "CARE_REGIMEN_YEARS",
    "CARE_SET",
    "CarePlan",
    "care_groups",
    "care_parameters",
    "care_plan",
    "endocrine_years",
    "taxane_eradicated",
]

#: Registry set of the modern therapies' parameters.
CARE_SET = "care_modern"
#: Length of every patient's care regimen under a modern care (at least the longest endocrine therapy), years.
CARE_REGIMEN_YEARS = 10.0
DAYS_PER_YEAR = 365.25
#: agent_uniforms stream of the taxane's eradication draw (column 0)
TAXANE_STREAM = 0x544158  # "TAX"
#: Log10 kill that stands for eradication of every cycling cell: a focus below detection (at most 1e10 cells, the
#: prior's top of ``detection_cells``) survives it with probability below 1e-5.
ERADICATION_LOG10_KILL = 15.0


def care_parameters() -> Mapping[str, float]:
    """Return the values of the registry set ``care_modern`` (symbol to value)."""
    parameter_set: ParameterSet = load_registry().sets[CARE_SET]
    return MappingProxyType(dict(parameter_set.values()))


def endocrine_years(care: CareSpec, covariates: Mapping[str, NDArray]) -> NDArray[np.float64]:
    """Return each patient's years of endocrine therapy (0 for ER−; extended where the care extends it)."""
    er = covariates["er_positive"]
    years = np.where(er, float(care.endocrine_years), 0.0)
    extended = _extended(care, covariates)
    return np.where(extended, max(float(care.extended_to_years), float(care.endocrine_years)), years)


def _extended(care: CareSpec, covariates: Mapping[str, NDArray]) -> NDArray[np.bool_]:
    er = covariates["er_positive"]
    if care.extended_endocrine == "all":
        return er.copy()
    if care.extended_endocrine == "node_positive":
        return er & (covariates["n_stage"] != "N0")
    return np.zeros(len(er), dtype=bool)


def monarche_eligible(covariates: Mapping[str, NDArray]) -> NDArray[np.bool_]:
    """Return monarchE's cohort-1 eligibility: ER+/HER2−, and 4+ positive nodes or 1–3 with grade 3 or T3."""
    n_stage = covariates["n_stage"]
    high = np.isin(n_stage, ("N4-9", "N10+")) | (
        (n_stage == "N1-3") & ((covariates["grade"] == 3) | (covariates["t_stage"] == "T3"))
    )
    return (covariates["subtype"] == "ER+/HER2-") & high


def taxane_eradicated(values: Mapping[str, float], *, seed: int, ids: NDArray[np.int64]) -> NDArray[np.bool_]:
    r"""Return who of the patients given a taxane has every growing focus eradicated by it.

    A pathological complete response (pCR) is the eradication of every invasive cancer cell of the primary and
    the axillary nodes, 10^9–10^10 cells; micrometastatic foci with the primary's sensitivity are smaller and
    are then eradicated too, while non-cycling dormant cells are spared (chemotherapy kills cells in cycle; DTCs
    persist after chemotherapy, Braun 2000). The taxane raised the pCR rate of the same anthracycline regimen from
    :math:`p_0` to :math:`p_1` (NSABP B-27, Bear 2003: 13.7 % to 26.1 %), so it eradicates the cycling disease of
    a further :math:`p_T = p_1 - p_0` of the patients, whom the anthracycline alone leaves with disease
    (non-cross-resistance; which patients has no covariate here, so a random share of every population):

    .. math:: \text{eradicated}_i = u_i < p_T,

    with :math:`u_i` draw 0 of :func:`dormancy.rng.agent_uniforms` ``(seed, [id_i], 0, 1)`` on the stream
    :data:`TAXANE_STREAM`, so the draw depends only on (seed, patient id). The anthracycline's own effect stays
    the calibrated log kill of the kernel.

    Parameters
    ----------
    values : mapping
        ``care_modern`` values (``taxane_pcr_gain``, :math:`p_T`, dimensionless).
    seed : int
        The cohort's seed.
    ids : numpy.ndarray of int
        Patient ids.
    """
    from dormancy.rng import agent_uniforms

    draws = agent_uniforms(seed, np.asarray(ids, dtype=np.int64), 0, 1, stream=TAXANE_STREAM)[:, 0]
    return draws < values["taxane_pcr_gain"]


class CarePlan:
    """Each patient's care regimen on the patient step (module docstring).

    Attributes
    ----------
    log10_kill, growth_factor, er_inhibition, dormant_death_per_year, resistant_growth_factor : numpy.ndarray
        ``(n_patients, n_steps)`` per-step effects (0, 1, 0, 0 and 1 where nothing applies; the fourth is an extra
        death hazard of every dormant DTC, per year; the last a factor on the growth of every focus once an ER+
        patient's disease is endocrine-resistant).
    endocrine_years : numpy.ndarray
        ``(n_patients,)`` years of endocrine therapy.
    ovarian_suppression, aromatase_inhibitor, trastuzumab, cdk46_inhibitor : numpy.ndarray of bool
        Who receives each component (the aromatase inhibitor at any time).
    taxane_eradicated : numpy.ndarray of bool
        Whose growing foci the taxane eradicates (:func:`taxane_eradicated`).
    upfront_aromatase_inhibitor : numpy.ndarray of bool
        ER+ patients whose endocrine therapy is an aromatase inhibitor from diagnosis (their endocrine resistance
        is that under oestrogen deprivation: :func:`dormancy.patients.endocrine_resistance.aromatase_inhibitor_
        resistant_years`).
    """

    def __init__(self, **arrays: NDArray) -> None:
        for name, value in arrays.items():
            setattr(self, name, value)


def care_plan(
    care: CareSpec,
    covariates: Mapping[str, NDArray],
    chemotherapy: NDArray[np.bool_],
    *,
    step_days: float,
    chemotherapy_years: float,
    values: Mapping[str, float] | None = None,
    seed: int = 0,
    ids: NDArray[np.int64] | None = None,
) -> CarePlan:
    """Return every patient's care regimen (module docstring) for a care with modern components.

    Parameters
    ----------
    care : CareSpec
        The care.
    covariates : mapping
        :func:`dormancy.patients.covariates.sample_covariates` of the patients.
    chemotherapy : numpy.ndarray of bool
        Who gets chemotherapy (the care's policy).
    step_days : float
        Patient step, days.
    chemotherapy_years : float
        Length of the chemotherapy course (``patients_natural_history.chemotherapy_years``): the course's kill
        falls in its last step.
    values : mapping, optional
        ``care_modern`` values (default: the registry's).
    seed : int, default 0
        The cohort's seed (for the taxane's draw, :func:`taxane_eradicated`).
    ids : numpy.ndarray of int, optional
        Patient ids (default ``0 .. n - 1``).
    """
    values = care_parameters() if values is None else values
    n = len(chemotherapy)
    years = endocrine_years(care, covariates)
    dt = step_days / DAYS_PER_YEAR
    n_steps = math.ceil(max(CARE_REGIMEN_YEARS, float(years.max(initial=0.0))) / dt - 1e-9)
    mid = (np.arange(n_steps) + 0.5) * dt  # middle of each step, years after diagnosis
    kill = np.zeros((n, n_steps))
    growth = np.ones((n, n_steps))
    er_inhibition = np.zeros((n, n_steps))
    dormant_death = np.zeros((n, n_steps))
    resistant_growth = np.ones((n, n_steps))
    ids = np.arange(n, dtype=np.int64) if ids is None else np.asarray(ids, dtype=np.int64)
    er = covariates["er_positive"]
    pre = ~covariates["postmenopausal"]
    if care.ovarian_suppression == "all":
        ofs = er & pre
    elif care.ovarian_suppression == "chemotherapy":
        ofs = er & pre & chemotherapy
    else:
        ofs = np.zeros(n, dtype=bool)
    on_endocrine = mid[np.newaxis, :] < years[:, np.newaxis]
    postmenopausal_then = (
        covariates["age_at_diagnosis"][:, np.newaxis] + mid[np.newaxis, :] >= covariates["menopause_age"][:, np.newaxis]
    )
    initial = mid[np.newaxis, :] < float(care.endocrine_years)
    upfront_ai = (care.endocrine_agent == "aromatase_inhibitor") & (covariates["postmenopausal"] | ofs)
    extension_ai = _extended(care, covariates)[:, np.newaxis] & ~initial & (postmenopausal_then | ofs[:, np.newaxis])
    ai_steps = er[:, np.newaxis] & on_endocrine & ((initial & upfront_ai[:, np.newaxis]) | extension_ai)
    growth[ai_steps] *= 1.0 - values["aromatase_inhibitor_extra_inhibition"]
    chemo_step = max(0, math.ceil(chemotherapy_years / dt - 1e-9) - 1)
    eradicated = np.zeros(n, dtype=bool)
    if care.chemotherapy_regimen in ("anthracycline", "anthracycline_taxane") and chemo_step < n_steps:
        kill[chemotherapy, chemo_step] += values["anthracycline_extra_log_kill"]
        if care.chemotherapy_regimen == "anthracycline_taxane":
            eradicated = chemotherapy & taxane_eradicated(values, seed=seed, ids=ids)
            kill[eradicated, chemo_step] += ERADICATION_LOG10_KILL
    her2 = covariates["subtype"] == "HER2+"
    trastuzumab = her2 & chemotherapy if care.trastuzumab else np.zeros(n, dtype=bool)
    h_steps = mid < values["trastuzumab_years"]
    kill[np.ix_(trastuzumab, h_steps)] += values["trastuzumab_log_kill_per_year"] * dt
    dormant_death[np.ix_(trastuzumab, h_steps)] += values["trastuzumab_dormant_death_per_year"]
    cdk46 = monarche_eligible(covariates) if care.cdk46_inhibitor else np.zeros(n, dtype=bool)
    growth[np.ix_(cdk46, mid < values["cdk46_years"])] *= values["cdk46_growth_factor"]  # on top of the AI's
    resistant_growth[np.ix_(cdk46, mid < values["cdk46_years"])] *= values["cdk46_resistant_growth_factor"]
    return CarePlan(
        log10_kill=kill,
        growth_factor=growth,
        er_inhibition=er_inhibition,
        dormant_death_per_year=dormant_death,
        resistant_growth_factor=resistant_growth,
        endocrine_years=years,
        ovarian_suppression=ofs,
        aromatase_inhibitor=ai_steps.any(axis=1),
        upfront_aromatase_inhibitor=er & upfront_ai & (years > 0.0),
        trastuzumab=trastuzumab,
        cdk46_inhibitor=cdk46,
        taxane_eradicated=eradicated,
    )


def care_groups(plan: CarePlan) -> list[tuple[NDArray[np.intp], RegimenSteps]]:
    """Return the groups of patients with the same care regimen: (positions, regimen) pairs, in first-seen order."""
    stacked = np.concatenate(
        [
            plan.log10_kill,
            plan.growth_factor,
            plan.er_inhibition,
            plan.dormant_death_per_year,
            plan.resistant_growth_factor,
        ],
        axis=1,
    )
    _, first, inverse = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    n_steps = plan.log10_kill.shape[1]
    groups = []
    for label in np.argsort(first):
        rows = np.flatnonzero(inverse == label)
        r = rows[0]
        groups.append(
            (
                rows,
                RegimenSteps(
                    np.zeros(n_steps, np.int64),
                    np.ascontiguousarray(plan.log10_kill[r]),
                    np.ascontiguousarray(plan.growth_factor[r]),
                    np.ascontiguousarray(plan.er_inhibition[r]),
                    np.ascontiguousarray(plan.dormant_death_per_year[r]),
                    np.ascontiguousarray(plan.resistant_growth_factor[r]),
                ),
            )
        )
    return groups
