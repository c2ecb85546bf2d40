r"""Deaths: from other causes by age and calendar year (a life table), and from breast cancer after recurrence.

Every virtual patient gets two latent death times, drawn outside the monthly kernel
(:mod:`dormancy.patients.natural_history`), like the locoregional events (:mod:`dormancy.patients.locoregional`).

**Death from other causes.** The US female period life tables of the Social Security Administration (2020
Trustees Report; ``ssa2020lifetables``, shipped as ``dormancy/patients/data/life_table_female.csv``: ages 25-119,
calendar years 1970-2017 historical and 2018-2075 projected) give :math:`q_{x,Y}`, the probability that a woman of
exact age :math:`x` dies before :math:`x + 1` in calendar year :math:`Y`. A patient diagnosed at age :math:`a_0` in
year :math:`Y_0` lives her :math:`k`-th year after diagnosis (:math:`t \in [k, k + 1)`) at attained age
:math:`x_k = \lfloor a_0 + k + \tfrac12 \rfloor` (the single year of age holding the middle of that year; ages past
119 use 119) in calendar year :math:`Y_0 + k`, with the constant hazard

.. math::

    \mu_k = -\ln(1 - q_{x_k,\, Y_0 + k}),

so her survival from other causes over that year is exactly :math:`1 - q_{x_k, Y_0+k}`, and the death time solves
:math:`\sum_k \mu_k\, |[k, k+1) \cap [0, T)| = -\ln(1 - u_0)` (exact inversion,
:func:`dormancy.patients.locoregional.piecewise_exponential_times`). This is the mortality of the general female
population, which includes deaths from breast cancer (about 3 % of US female deaths), a small double count that
is not removed (``docs/architecture.md``, Known departures).

**Death from breast cancer** comes only after a first distant recurrence at :math:`t_r` (deaths from locoregional
disease alone are not modelled): survival after it is exponential with median

.. math::

    m = m_s\, r^{+1/2} \ \text{(first site bone)}, \qquad m = m_s\, r^{-1/2} \ \text{(visceral first site)},
    \qquad T_{BC} = t_r - \frac{m}{\ln 2} \ln(1 - u_1),

with :math:`m_s` the subtype's median (``patients_survival.median_years_*``; Kennecke 2010 ``kennecke2010``:
ER+/HER2- 1.9 years between luminal A 2.2 and luminal B 1.6, luminal/HER2 1.3, HER2-enriched 0.7, basal-like 0.5)
and :math:`r` the ratio of the bone to the visceral median (``bone_to_visceral_median_ratio``, 2: Solomayer 2000
``solomayer2000``, 24 against 12 months). The first site is a string: ``"bone"`` is bone; ``"lung"``, ``"liver"``,
``"brain"``, ``"other"`` and any other name are visceral (:data:`SITE_GROUPS`, extensible).

**Treatment of metastatic disease** is not simulated: it is inside these medians, which are those of women relapsing
in the late 1980s and 1990s (endocrine therapy, anthracycline and taxane chemotherapy; trastuzumab and CDK4/6
inhibitors barely or not at all). No trial treatment acts on survival after recurrence.

The patient's death is the earlier of the two, :math:`T_D = \min(T_{OC}, T_{BC})`, with its cause; a first distant
recurrence after :math:`T_{OC}` is never seen, so it brings no breast-cancer death
(:func:`apply_deaths`). Randomness: :func:`dormancy.rng.agent_uniforms` ``(seed, [i], step 0, 2)`` on the stream
:data:`DEATH_STREAM` (column 0 other causes, column 1 breast cancer), a key no other draw uses, so the deaths of
patient ``i`` depend only on (seed, i, covariates, her history), whatever the chunking, and no other column moves.

Assumptions (documented): the two latent times are independent given age, year and the recurrence (no shared
frailty: comorbidity does not change the cancer's course); other-cause mortality does not depend on the cancer or
its treatment (no cardiotoxicity of anthracyclines or trastuzumab, no deaths from chemotherapy); survival after
recurrence does not depend on the time to recurrence or on age.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dormancy.errors import InputError, Problem
from dormancy.patients.locoregional import piecewise_exponential_times
from dormancy.rng import agent_uniforms

__all__ = [
    "CAUSES",
    "DEATH_STREAM",
    "DIAGNOSIS_YEARS",
    "SET_NAME",
    "SITE_GROUPS",
    "apply_deaths",
    "breast_cancer_death_years",
    "check_diagnosis_year",
    "life_table",
    "median_survival_after_recurrence",
    "other_cause_death_years",
    "other_cause_hazard",
    "other_cause_survival",
    "route_before_death",
]

DEATH_STREAM = 0x444541  # "DEA": agent_uniforms stream of the deaths (column 0 other causes, 1 breast cancer)
SET_NAME = "patients_survival"
LIFE_TABLE_FILE = "life_table_female.csv"
#: Diagnosis years the life table covers with 40 years of follow-up (first, last).
DIAGNOSIS_YEARS: tuple[int, int] = (1970, 2035)
#: ``death_cause`` values: alive at the end of follow-up, breast cancer, other causes.
CAUSES: tuple[str, str, str] = ("", "breast cancer", "other")
#: First distant site to its survival group; a name not listed is visceral.
SITE_GROUPS: Mapping[str, str] = {"bone": "bone", "lung": "visceral", "liver": "visceral", "brain": "visceral",
                                  "other": "visceral"}  # fmt: skip


@functools.cache
def life_table() -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Return the shipped life table: ages (25-119), calendar years (1970-2075) and ``q[age, year]``."""
    text = resources.files("dormancy.patients").joinpath("data").joinpath(LIFE_TABLE_FILE).read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    years = np.array([int(v) for v in lines[0].split(",")[1:]], dtype=np.int64)
    body = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    ages = body[:, 0].astype(np.int64)
    q = body[:, 1:]
    q.setflags(write=False)
    return ages, years, q


def check_diagnosis_year(value: object, *, field: str = "population.diagnosis_year") -> int:
    """Return ``value`` as an int if it is a whole calendar year in :data:`DIAGNOSIS_YEARS`; else raise InputError."""
    low, high = DIAGNOSIS_YEARS
    ok = not isinstance(value, bool) and isinstance(value, int | float | np.integer | np.floating)
    if ok and float(value) == int(value) and low <= int(value) <= high:
        return int(value)
    raise InputError([Problem(field, f"a calendar year from {low} to {high} (the life table's range)", repr(value))])


def other_cause_hazard(age: ArrayLike, year: ArrayLike) -> NDArray[np.float64]:
    r"""Return :math:`-\ln(1 - q_{x,Y})` per year at whole attained age ``age`` and calendar year ``year``.

    Ages above the table's last (119) use the last; ages below its first or years outside it are an error.
    """
    ages, years, q = life_table()
    age = np.minimum(np.asarray(age, dtype=np.int64), ages[-1])
    year = np.asarray(year, dtype=np.int64)
    if np.any(age < ages[0]) or np.any((year < years[0]) | (year > years[-1])):
        raise ValueError(f"life table covers ages >= {ages[0]} and years {years[0]}-{years[-1]}")
    return -np.log1p(-q[age - ages[0], year - years[0]])


def _pieces(age_at_diagnosis: NDArray[np.float64], diagnosis_year: int, max_years: float):
    """Yearly piece edges ``(n, K + 1)`` and hazards ``(n, K)`` covering ``[0, max_years)``."""
    k = np.arange(int(np.ceil(max_years)))
    attained = np.floor(age_at_diagnosis[:, np.newaxis] + k[np.newaxis, :] + 0.5)
    rates = other_cause_hazard(attained, diagnosis_year + k[np.newaxis, :])
    edges = np.broadcast_to(np.append(k, k[-1] + 1 if k.size else 0).astype(float), (len(age_at_diagnosis), k.size + 1))
    return edges, rates


def other_cause_survival(*, age_at_diagnosis: ArrayLike, diagnosis_year: int, years: ArrayLike) -> NDArray[np.float64]:
    """Probability of no death from other causes by ``years`` after diagnosis (module formula), per patient.

    Returns an array of shape ``(len(age_at_diagnosis), len(years))``.
    """
    age = np.atleast_1d(np.asarray(age_at_diagnosis, dtype=np.float64))
    years = np.atleast_1d(np.asarray(years, dtype=np.float64))
    edges, rates = _pieces(age, check_diagnosis_year(diagnosis_year), max(float(years.max()), 1.0))
    exposure = np.clip(years[np.newaxis, :, np.newaxis] - edges[:, np.newaxis, :-1], 0.0, 1.0)
    return np.exp(-np.sum(rates[:, np.newaxis, :] * exposure, axis=2))


def other_cause_death_years(
    *, seed: int, ids: ArrayLike, age_at_diagnosis: ArrayLike, diagnosis_year: int, max_years: float
) -> NDArray[np.float64]:
    """Draw each patient's death from other causes, years after diagnosis (``inf`` beyond ``max_years``).

    Parameters
    ----------
    seed : int
        Cohort seed.
    ids : array_like of int
        Patient ids (patient ``i``'s draw depends only on ``seed`` and ``i``).
    age_at_diagnosis : array_like of float
        Age at diagnosis, years (25-90 in the model).
    diagnosis_year : int
        Calendar year of diagnosis, in :data:`DIAGNOSIS_YEARS`.
    max_years : float
        Follow-up, years (at most 40).
    """
    ids = np.asarray(ids, dtype=np.int64)
    age = np.asarray(age_at_diagnosis, dtype=np.float64)
    year = check_diagnosis_year(diagnosis_year)
    u = agent_uniforms(seed, ids, 0, 2, stream=DEATH_STREAM)[:, 0]
    if not ids.size:
        return np.zeros(0)
    edges, rates = _pieces(age, year, max_years)
    time = piecewise_exponential_times(u, edges, rates)
    return np.where(time <= max_years, time, np.inf)


def median_survival_after_recurrence(
    values: Mapping[str, float], *, subtype: ArrayLike, er_positive: ArrayLike, site: ArrayLike
) -> NDArray[np.float64]:
    """Median survival (years) after a first distant recurrence at ``site`` by subtype and ER status (module formula).

    Parameters
    ----------
    values : mapping of str to float
        ``patients_survival`` values by symbol.
    subtype : array_like of str
        ``"ER+/HER2-"``, ``"HER2+"`` or ``"TN"``.
    er_positive : array_like of bool
        ER status (splits HER2+).
    site : array_like of str
        First distant site (:data:`SITE_GROUPS`; unknown names are visceral).
    """
    subtype = np.asarray(subtype, dtype=np.str_)
    er = np.asarray(er_positive, dtype=bool)
    her2 = np.where(
        er, values["median_years_her2_positive_er_positive"], values["median_years_her2_positive_er_negative"]
    )
    median = np.select(
        [subtype == "ER+/HER2-", subtype == "HER2+", subtype == "TN"],
        [values["median_years_er_positive_her2_negative"], her2, values["median_years_triple_negative"]],
        default=np.nan,
    )
    site = np.asarray(site, dtype=np.str_)
    bone = np.zeros(site.shape, dtype=bool)
    for name, group in SITE_GROUPS.items():
        if group == "bone":
            bone |= site == name
    ratio = np.sqrt(values["bone_to_visceral_median_ratio"])
    return median * np.where(bone, ratio, 1.0 / ratio)


def breast_cancer_death_years(
    values: Mapping[str, float],
    *,
    seed: int,
    ids: ArrayLike,
    recurrence_years: ArrayLike,
    recurrence_site: ArrayLike,
    subtype: ArrayLike,
    er_positive: ArrayLike,
) -> NDArray[np.float64]:
    r"""Draw each patient's death from breast cancer, years after diagnosis (NaN without a distant recurrence).

    :math:`T_{BC} = t_r - (m / \ln 2) \ln(1 - u_1)` with the median :math:`m` of
    :func:`median_survival_after_recurrence` (module docstring); not limited to the follow-up.
    """
    ids = np.asarray(ids, dtype=np.int64)
    recurrence = np.asarray(recurrence_years, dtype=np.float64)
    u = agent_uniforms(seed, ids, 0, 2, stream=DEATH_STREAM)[:, 1]
    median = median_survival_after_recurrence(values, subtype=subtype, er_positive=er_positive, site=recurrence_site)
    return recurrence - median / np.log(2.0) * np.log1p(-u)


def apply_deaths(
    values: Mapping[str, float],
    *,
    seed: int,
    ids: ArrayLike,
    covariates: Mapping[str, NDArray],
    diagnosis_year: int,
    followup_years: float,
    recurrence_years: NDArray[np.float64],
    recurrence_site: NDArray[np.str_],
) -> dict[str, NDArray]:
    """Draw the deaths of a chunk of patients and say which distant recurrences are observed.

    Returns
    -------
    dict
        ``death_years`` (NaN: alive at ``followup_years``), ``death_cause`` (:data:`CAUSES`), ``recurrence_years``
        and ``recurrence_site`` with a recurrence after a death from other causes removed (NaN, ``""``), and
        ``breast_cancer_death_years``, the latent breast-cancer death after an observed recurrence (NaN: none),
        whether or not within follow-up.
    """
    other = other_cause_death_years(
        seed=seed,
        ids=ids,
        age_at_diagnosis=covariates["age_at_diagnosis"],
        diagnosis_year=diagnosis_year,
        max_years=followup_years,
    )
    recurrence = np.asarray(recurrence_years, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        seen = ~np.isnan(recurrence) & (recurrence < other)
    recurrence = np.where(seen, recurrence, np.nan)
    site = np.where(seen, np.asarray(recurrence_site, dtype=object), "").astype(str)
    cancer = breast_cancer_death_years(
        values,
        seed=seed,
        ids=ids,
        recurrence_years=recurrence,
        recurrence_site=site,
        subtype=covariates["subtype"],
        er_positive=covariates["er_positive"],
    )
    cancer = np.where(seen, cancer, np.inf)
    death = np.minimum(other, cancer)
    within = death <= followup_years
    cause = np.where(within, np.where(cancer < other, 1, 2), 0)
    return {
        "death_years": np.where(within, death, np.nan),
        "death_cause": np.array(CAUSES, dtype=object)[cause].astype(str),
        "recurrence_years": recurrence,
        "recurrence_site": site,
        "breast_cancer_death_years": np.where(seen, cancer, np.nan),
    }


def route_before_death(
    route_years: ArrayLike,
    *,
    recurrence_years: ArrayLike,
    breast_cancer_death_years: ArrayLike,
    mean_delay_years: float,
) -> NDArray[np.float64]:
    r"""Move the metastatic course's bone metastasis before the breast-cancer death (same draw, conditioned).

    :mod:`dormancy.patients.metastatic_course` draws a bone metastasis after a visceral first recurrence with the
    probability :math:`p` that Solomayer 2000 observed *before death* (71 % of patients followed to death had bone
    metastases), at :math:`t_r + D`, :math:`D \sim \text{Exp}(m)`. With deaths, an unconditioned delay would be
    pre-empted by the breast-cancer death at :math:`t_r + L` for many patients, counting the competing death twice.
    The delay is therefore read as conditioned on :math:`D < L`: the same uniform
    :math:`u = 1 - e^{-D/m}` is mapped to

    .. math::

        D' = -m \ln\bigl(1 - u\,(1 - e^{-L/m})\bigr) < L,

    the inverse of the exponential distribution truncated at :math:`L` (no new random draw; monotone in
    :math:`D`). Patients without a breast-cancer death (NaN) or without the route keep their time.

    Parameters
    ----------
    route_years : array_like
        The route's bone metastasis, years since diagnosis (NaN: none), not truncated to follow-up.
    recurrence_years : array_like
        First distant recurrence (:math:`t_r`).
    breast_cancer_death_years : array_like
        Latent breast-cancer death (:math:`t_r + L`), whether or not within follow-up; NaN: none.
    mean_delay_years : float
        :math:`m`, ``bone_after_visceral_delay_years``.
    """
    route = np.asarray(route_years, dtype=np.float64)
    recurrence = np.asarray(recurrence_years, dtype=np.float64)
    room = np.asarray(breast_cancer_death_years, dtype=np.float64) - recurrence
    m = float(mean_delay_years)
    with np.errstate(invalid="ignore"):
        u = -np.expm1(-(route - recurrence) / m)
        moved = recurrence - m * np.log1p(-u * -np.expm1(-room / m))
        return np.where(np.isnan(route) | np.isnan(room), route, moved)
