"""Patient covariates drawn from a :class:`~dormancy.patients.specs.PopulationSpec`, keyed by (seed, patient id).

Each patient's draws are :func:`dormancy.rng.agent_uniforms` and :func:`dormancy.rng.agent_normals` at step 0 of
stream :data:`COVARIATE_STREAM`, so a patient's covariates do not depend on the chunk or worker that draws them.
Age, BMI and the age at menopause are normal (BMI on the log scale) and clipped to their plausible ranges; subtype,
T, N and grade (given subtype) are categorical by inversion; chronic inflammation beyond age and adiposity is
exponential with the population's mean, clipped below 1. Postmenopausal at diagnosis = age at or above the
patient's age at menopause (normal with the registry's mean and standard deviation, clipped to 40–58 years).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from dormancy.patients.specs import N_STAGES, SUBTYPES, T_STAGES, PopulationSpec
from dormancy.rng import agent_normals, agent_uniforms

COVARIATE_STREAM = 0x434F56  # "COV"


def _categorical(u: NDArray[np.float64], fractions: NDArray[np.float64]) -> NDArray[np.int64]:
    edges = np.cumsum(fractions) / np.sum(fractions)
    return np.minimum(np.searchsorted(edges, u, side="right"), len(fractions) - 1)


def sample_covariates(
    population: PopulationSpec, *, seed: int, ids: NDArray[np.int64], values: Mapping[str, float]
) -> dict[str, NDArray]:
    """Return the covariates of patients ``ids`` (columns of the cohort table, plus ``menopause_age``).

    Parameters
    ----------
    population : PopulationSpec
        Who the patients are.
    seed : int
        Cohort seed.
    ids : numpy.ndarray of int64
        Patient ids.
    values : mapping of str to float
        ``patients_natural_history`` values (menopause age distribution).
    """
    u = agent_uniforms(seed, ids, 0, 6, stream=COVARIATE_STREAM)
    z = agent_normals(seed, ids, 0, 3, stream=COVARIATE_STREAM)
    subtype_fractions = np.array([population.subtype_fractions[s] for s in SUBTYPES])
    h = population.her2_er_positive_fraction
    # columns: ER+/HER2-, HER2+ ER+, HER2+ ER-, TN
    joint = np.array(
        [subtype_fractions[0], subtype_fractions[1] * h, subtype_fractions[1] * (1 - h), subtype_fractions[2]]
    )
    if population.er_positive_only is True:
        joint = joint * np.array([1.0, 1.0, 0.0, 0.0])
    elif population.er_positive_only is False:
        joint = joint * np.array([0.0, 0.0, 1.0, 1.0])
    if joint.sum() <= 0:
        joint = np.array([1.0, 0.0, 0.0, 0.0]) if population.er_positive_only else np.array([0.0, 0.0, 0.0, 1.0])
    joint_index = _categorical(u[:, 0], joint)
    subtype_index = np.array([0, 1, 1, 2])[joint_index]
    er_positive = joint_index <= 1
    t_index = _categorical(u[:, 1], np.array([population.t_stage_fractions[s] for s in T_STAGES]))
    n_index = _categorical(u[:, 2], np.array([population.n_stage_fractions[s] for s in N_STAGES]))
    grade = np.empty(len(ids), dtype=np.int64)
    for index, subtype in enumerate(SUBTYPES):
        chosen = subtype_index == index
        grade[chosen] = _categorical(u[chosen, 3], np.array(population.grade_fractions[subtype])) + 1
    age = np.clip(population.age_mean_years + population.age_sd_years * z[:, 0], 25.0, 90.0)
    menopause_age = np.clip(values["menopause_age_mean"] + values["menopause_age_sd"] * z[:, 1], 40.0, 58.0)
    bmi = np.clip(population.bmi_median * np.exp(population.bmi_sigma_log * z[:, 2]), 16.0, 60.0)
    mean = population.extra_inflammation_mean
    extra = np.minimum(-mean * np.log1p(-u[:, 4]), 0.999) if mean > 0 else np.zeros(len(ids))
    return {
        "age_at_diagnosis": age,
        "menopause_age": menopause_age,
        "postmenopausal": age >= menopause_age,
        "subtype": np.array(SUBTYPES, dtype=object)[subtype_index],
        "er_positive": er_positive,
        "t_stage": np.array(T_STAGES, dtype=object)[t_index],
        "n_stage": np.array(N_STAGES, dtype=object)[n_index],
        "grade": grade,
        "bmi": bmi,
        "extra_inflammation": extra,
    }
