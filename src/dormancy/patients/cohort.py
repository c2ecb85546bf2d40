"""Simulate a cohort of virtual patients: covariates, seeding, natural history and standard care, in chunks.

:func:`simulate_cohort` resolves the parameters (registry + overrides checked against priors), tabulates the niche
rates once (:mod:`dormancy.coupling.tables`), then runs the compiled kernel
(:mod:`dormancy.patients.natural_history`) over chunks of patient ids, in-process or on a Dask distributed cluster.
A patient's randomness depends only on (seed, patient id), so the table is identical for any chunk size and any
number of workers. The kernel carries the distant recurrences (bone or other organs) that come from DTCs;
locoregional recurrences and contralateral breast cancers, which Colleoni 2016's "any recurrence" and a trial's
disease-free survival also count, are drawn per patient by :mod:`dormancy.patients.locoregional` from their own
random stream, so adding them moves no draw of the DTC history. Likewise the bone metastases that arise during the
metastatic course after a first distant recurrence elsewhere (:mod:`dormancy.patients.metastatic_course`) join
``bone_metastasis_years`` from a stream of their own. The aspirate at diagnosis (``dtc_positive``,
``dtc_cells_found``) is read after the kernel from the marrow's DTC count by :mod:`dormancy.patients.aspirate`
(clustered sampling, the reference protocol), on its own stream.
``bone_metastasis_years`` from a stream of their own. Deaths (:mod:`dormancy.patients.survival`: other causes from a
life table by age and calendar year, breast cancer after a distant recurrence) come from a stream of their own too;
an event after a patient's death is not observed (``CohortSpec.deaths`` False keeps everyone alive).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dormancy.atomic import atomic_folder
from dormancy.coupling.tables import TableCache, tabulate
from dormancy.distributed import CONNECT_TIMEOUT_S, SCHEDULER_ADDRESS, connect  # noqa: F401  (re-exported)
from dormancy.errors import InputError, Problem
from dormancy.params import ParameterSet, load_registry
from dormancy.patients import natural_history as kernel
from dormancy.patients import therapy
from dormancy.patients.aspirate import DIAGNOSIS_VISIT, read_aspirate_values
from dormancy.patients.care import CARE_REGIMEN_YEARS, CARE_SET, care_groups, care_parameters, care_plan
from dormancy.patients.covariates import sample_covariates
from dormancy.patients.endocrine_resistance import (
    aromatase_inhibitor_resistant_years,
    endocrine_resistant_years,
    endocrine_sensitivity,
)
from dormancy.patients.kernel_io import (
    KernelTables,
    PatientBatch,
    PatientHistories,
    RegimenSteps,
    parameter_vector,
    run_kernel,
)
from dormancy.patients.locoregional import local_event_times
from dormancy.patients.metastatic_course import bone_after_visceral_years
from dormancy.patients.parameters import FREE_PARAMETERS, SET_NAME, resolve_parameters
from dormancy.patients.seeding import seeding_mean
from dormancy.patients.sites import SITE_CODES, SITES, involved_columns, seeding_by_site
from dormancy.patients.specs import CareSpec, CohortSpec, PopulationSpec
from dormancy.patients.survival import SET_NAME as SURVIVAL_SET
from dormancy.patients.survival import apply_deaths, route_before_death
from dormancy.pkpd import Strategy, parse_strategy
from dormancy.provenance import Environment, Manifest
from dormancy.results import Status

__all__ = [
    "FREE_PARAMETERS",
    "CareSpec",
    "CohortResult",
    "CohortSpec",
    "PopulationSpec",
    "save_cohort",
    "simulate_cohort",
]

PATIENT_TAG = 0x50415449  # "PATI": spawn-key tag of the key of the patients' step streams
DEFAULT_CHUNK_SIZE = 65536
TABLE_FILE = "patients.parquet"
MANIFEST_FILE = "manifest.json"
VISITS_FILE = "visits.parquet"
SITE_NAMES = np.array(SITE_CODES, dtype=object)
COLUMNS: tuple[str, ...] = (
    "patient",
    "age_at_diagnosis",
    "postmenopausal",
    "subtype",
    "er_positive",
    "t_stage",
    "n_stage",
    "grade",
    "bmi",
    "inflammation",
    "chemotherapy",
    "endocrine_years",
    "dtc_at_diagnosis",
    "dtc_positive",
    "dormant_at_5y",
    "dormant_at_10y",
    "micrometastases_at_10y",
    "escapes",
    "recurrence_years",
    "recurrence_site",
    "recurred",
    "bone_metastasis_years",
    "followup_years",
    "end_of_followup_years",
    "status",
    "menopause_age",
    "extra_inflammation",
    "dtc_other_sites",
    "dead_dtcs",
    "dormant_at_end",
    "treatment",
    "locoregional_years",
    "contralateral_years",
    "any_recurrence_years",
    "first_recurrence",
    "dtc_cells_found",
    "death_years",
    "death_cause",
    *(f"recurrence_in_{site}" for site in SITES),
)
#: ``first_recurrence`` values: none within follow-up, then the kinds in the order ties are broken.
FIRST_RECURRENCE_KINDS = np.array(["", "distant", "locoregional", "contralateral"], dtype=object)
VISIT_COLUMNS: tuple[str, ...] = ("patient", "visit", "time_years", "marrow_dtcs", "recurred_before")


@dataclass(frozen=True)
class CohortResult:
    """A simulated cohort.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per patient (columns :data:`COLUMNS`; see ``docs/architecture.md``). ``dormant_at_5y``,
        ``dormant_at_10y`` and ``micrometastases_at_10y`` are missing (``<NA>``) when not observed (recurrence
        before that time, or shorter follow-up). ``recurrence_years`` and ``recurrence_site`` are the first
        distant recurrence (site ``bone``, ``lung``, ``liver``, ``brain`` or ``other``; ``recurrence_in_<site>``
        whether staging at that time finds the site involved, :mod:`dormancy.patients.sites`);
        ``bone_metastasis_years`` the first bone metastasis at any time (the first recurrence
        when in bone, or a later one from the kernel's marrow foci or from the metastatic course,
        :mod:`dormancy.patients.metastatic_course`; NaN if none within follow-up), observed until
        ``end_of_followup_years``.
        ``escapes``, ``dead_dtcs`` and ``dormant_at_end`` are counted up to the first recurrence (or the end of
        follow-up). ``locoregional_years`` and ``contralateral_years`` are the first locoregional recurrence and
        contralateral breast cancer (NaN if none within follow-up; :mod:`dormancy.patients.locoregional`), whether
        before or after a distant recurrence; ``any_recurrence_years`` the first of the three (Colleoni's
        breast-cancer-free interval) and ``first_recurrence`` its kind (``distant``, ``locoregional``,
        ``contralateral``, or empty). ``death_years`` is the patient's death (NaN: alive at the end of follow-up)
        and ``death_cause`` ``"breast cancer"``, ``"other"`` or empty (:mod:`dormancy.patients.survival`); every event
        after death is unobserved (NaN), ``followup_years`` (the end of time at risk of a distant recurrence) and
        ``end_of_followup_years`` end at death, and ``dormant_at_5y``, ``dormant_at_10y`` and
        ``micrometastases_at_10y`` are missing after it. ``escapes``, ``dead_dtcs`` and ``dormant_at_end`` are the
        kernel's counts as if the patient had lived to the first recurrence or the end of follow-up.
    manifest : Manifest
        Provenance: the spec, every parameter record used, seed, package version, git commit, time, settings.
    visits : pandas.DataFrame or None
        With ``visits_years``: one row per patient and visit (columns :data:`VISIT_COLUMNS`): the visit time
        (years after diagnosis, as requested), the DTCs in the marrow at the start of the patient step containing
        it (dormant plus awakened founders not yet growing; ``<NA>`` for no visit or after follow-up) and whether
        the first distant recurrence came before the visit time.
    """

    table: pd.DataFrame
    manifest: Manifest
    visits: pd.DataFrame | None = None


@dataclass(frozen=True)
class _Inputs:
    """What every chunk needs (small enough to ship to workers)."""

    spec: CohortSpec
    seed: int
    values: Mapping[str, float]
    vector: NDArray[np.float64]
    key: tuple[int, int]
    rates: NDArray[np.float64]
    vicious: NDArray[np.float64]
    burden_log10: NDArray[np.float64]
    patient_ids: NDArray[np.int64]
    treatment_name: str
    treat_start_step: NDArray[np.int64]
    regimen: RegimenSteps
    visit_steps: NDArray[np.int64]
    care_values: Mapping[str, float] | None = None


def _chemotherapy(policy: str, covariates: Mapping[str, NDArray]) -> NDArray[np.bool_]:
    node_positive = covariates["n_stage"] != "N0"
    if policy == "none":
        return np.zeros(len(node_positive), dtype=bool)
    if policy == "all":
        return np.ones(len(node_positive), dtype=bool)
    if policy == "node_positive":
        return node_positive
    high_risk = (covariates["t_stage"] != "T1") & (covariates["grade"] == 3)
    chosen = node_positive | ~covariates["er_positive"] | high_risk
    if policy == "risk_based_her2":
        chosen = chosen | (covariates["subtype"] == "HER2+")
    return chosen


def _inflammation(values: Mapping[str, float], host: Mapping[str, float], covariates: Mapping[str, NDArray]):
    level = (
        host["inflammaging_per_decade"] * np.maximum(covariates["age_at_diagnosis"] - 40.0, 0.0) / 10.0
        + host["inflammation_per_5_bmi"] * np.maximum(covariates["bmi"] - 25.0, 0.0) / 5.0
        + covariates["extra_inflammation"]
    )
    return np.minimum(level, 1.0)


def _resistant_years(inputs: _Inputs, ids, covariates: Mapping[str, NDArray], plan) -> NDArray[np.float64]:
    """Return each patient's endocrine-resistance time: under tamoxifen, or under an aromatase inhibitor upfront."""
    er = covariates["er_positive"]
    years = endocrine_resistant_years(inputs.values, seed=inputs.seed, ids=ids, er_positive=er)
    if plan is None or not plan.upfront_aromatase_inhibitor.any():
        return years
    on_ai = aromatase_inhibitor_resistant_years(
        inputs.values,
        ai_sensitive_fraction=inputs.care_values.get("ai_sensitive_fraction_of_tamoxifen_resistant", 0.0),
        escape_per_year=inputs.care_values.get("ai_escape_per_year_of_tamoxifen_resistant"),
        seed=inputs.seed,
        ids=ids,
        er_positive=er,
    )
    return np.where(plan.upfront_aromatase_inhibitor, on_ai, years)


class PreparedChunk(NamedTuple):
    """A chunk's kernel inputs and what its rows need besides the kernel's output (:func:`prepare_chunk`)."""

    inputs: _Inputs
    start: int
    stop: int
    covariates: dict[str, NDArray]
    plan: Any
    batch: PatientBatch


def simulate_chunk(inputs: _Inputs, start: int, stop: int) -> tuple[pd.DataFrame, NDArray[np.int64]]:
    """Simulate the patients at positions ``start .. stop - 1`` of the ids; return their rows and visit DTCs.

    Stages :func:`prepare_chunk`, :func:`run_chunk_kernel` (releases the GIL) and :func:`chunk_rows`, each a function
    of its chunk's inputs only, so a pipeline may run them for different chunks in other threads (stream_cohort).
    """
    prepared = prepare_chunk(inputs, start, stop)
    return chunk_rows(prepared, run_chunk_kernel(prepared))


def prepare_chunk(inputs: _Inputs, start: int, stop: int) -> PreparedChunk:
    """Draw the covariates and build the kernel's inputs of the patients at positions ``start .. stop - 1``."""
    spec = inputs.spec
    ids = inputs.patient_ids[start:stop]
    covariates = sample_covariates(spec.population, seed=inputs.seed, ids=ids, values=inputs.values)
    chemotherapy = _chemotherapy(spec.care.chemotherapy, covariates)
    endocrine = np.where(covariates["er_positive"], float(spec.care.endocrine_years), 0.0)
    plan = None
    if inputs.care_values is not None:
        plan = care_plan(
            spec.care,
            covariates,
            chemotherapy,
            step_days=float(spec.step_days),
            chemotherapy_years=inputs.values["chemotherapy_years"],
            values=inputs.care_values,
            seed=inputs.seed,
            ids=ids,
        )
        endocrine = plan.endocrine_years
    mean = seeding_mean(
        inputs.values,
        t_stage=covariates["t_stage"],
        n_stage=covariates["n_stage"],
        grade=covariates["grade"],
        er_positive=covariates["er_positive"],
    )
    other_ratio, visceral_cdf = seeding_by_site(inputs.values, covariates["subtype"])
    batch = PatientBatch(
        ids=ids,
        age_at_diagnosis=covariates["age_at_diagnosis"],
        menopause_age=covariates["menopause_age"],
        bmi=covariates["bmi"],
        extra_inflammation=covariates["extra_inflammation"],
        er_positive=covariates["er_positive"],
        seeding_mean=mean,
        other_site_ratio=other_ratio,
        visceral_cdf=visceral_cdf,
        chemotherapy=chemotherapy,
        endocrine_years=endocrine,
        endocrine_resistant_years=_resistant_years(inputs, ids, covariates, plan),
        treatment_start_step=inputs.treat_start_step[start:stop],
        visit_steps=inputs.visit_steps[start:stop],
        endocrine_sensitivity=endocrine_sensitivity(
            inputs.values, seed=inputs.seed, ids=ids, er_positive=covariates["er_positive"]
        ),
    )
    return PreparedChunk(inputs, start, stop, covariates, plan, batch)


def run_chunk_kernel(prepared: PreparedChunk) -> PatientHistories:
    """Run the compiled kernel on a prepared chunk (in one call, or one per care regimen group)."""
    inputs, plan, batch = prepared.inputs, prepared.plan, prepared.batch
    tables = KernelTables(inputs.rates, inputs.vicious, inputs.burden_log10)
    if plan is None:
        return run_kernel(
            batch,
            key=inputs.key,
            parameters=inputs.vector,
            tables=tables,
            regimen=inputs.regimen,
            n_steps=inputs.spec.n_steps,
            step_days=float(inputs.spec.step_days),
        )
    return _run_care_groups(batch, plan, inputs, tables)


def chunk_rows(prepared: PreparedChunk, history: PatientHistories) -> tuple[pd.DataFrame, NDArray[np.int64]]:
    """Return a chunk's rows and visit DTCs from the kernel's output: local events, deaths, aspirate, the table."""
    inputs, start, stop, covariates = prepared.inputs, prepared.start, prepared.stop, prepared.covariates
    chemotherapy, endocrine, spec = prepared.batch.chemotherapy, prepared.batch.endocrine_years, inputs.spec
    ids = inputs.patient_ids[start:stop]
    recurrence, site, bone = history.recurrence_years, history.recurrence_site, history.bone_metastasis_years
    followup = spec.n_steps * spec.step_days / kernel.DAYS_PER_YEAR
    locoregional, contralateral = local_event_times(
        inputs.values,
        seed=inputs.seed,
        ids=ids,
        er_positive=covariates["er_positive"],
        n_stage=covariates["n_stage"],
        endocrine_years=endocrine,
        followup_years=followup,
    )
    site_names = SITE_NAMES[site].astype(str)
    route = bone_after_visceral_years(  # untruncated: deaths may move it before the breast-cancer death
        inputs.values,
        seed=inputs.seed,
        ids=ids,
        recurrence_years=recurrence,
        recurrence_site=site_names,
        followup_years=np.inf,
    )
    # the aspirate at diagnosis: a measurement of the marrow's DTCs (the kernel's own flag is not used)
    cells_found = read_aspirate_values(
        history.marrow_dtcs.astype(np.float64),
        ids=np.asarray(ids, dtype=np.uint64),
        seed=inputs.seed,
        visit=DIAGNOSIS_VISIT,
        values=inputs.values,
    )
    end = np.full(len(ids), followup)
    death, cause = np.full(len(ids), np.nan), np.full(len(ids), "", dtype=object).astype(str)
    if spec.deaths:
        dead = apply_deaths(
            inputs.values,
            seed=inputs.seed,
            ids=ids,
            covariates=covariates,
            diagnosis_year=spec.population.diagnosis_year,
            followup_years=followup,
            recurrence_years=recurrence,
            recurrence_site=site_names,
        )
        route = route_before_death(
            route,
            recurrence_years=recurrence,
            breast_cancer_death_years=dead["breast_cancer_death_years"],
            mean_delay_years=inputs.values["bone_after_visceral_delay_years"],
        )
        death, cause = dead["death_years"], dead["death_cause"]
        recurrence, site_names = dead["recurrence_years"], dead["recurrence_site"]
        end = np.fmin(end, death)
    with np.errstate(invalid="ignore"):
        bone = np.fmin(bone, np.where(route <= followup, route, np.nan))
        bone, locoregional, contralateral = (np.where(t <= end, t, np.nan) for t in (bone, locoregional, contralateral))
    candidates = np.column_stack([recurrence, locoregional, contralateral])
    any_recurrence = np.fmin.reduce(candidates, axis=1)
    first_kind = np.where(np.isnan(any_recurrence), 0, 1 + np.argmin(np.nan_to_num(candidates, nan=np.inf), axis=1))

    def observed(values: NDArray[np.int64], at: float = 0.0) -> pd.arrays.IntegerArray:
        missing = (values < 0) | (end < at)
        return pd.arrays.IntegerArray(np.where(missing, 0, values), missing)

    return pd.DataFrame(
        {
            "patient": ids,
            "age_at_diagnosis": covariates["age_at_diagnosis"],
            "postmenopausal": covariates["postmenopausal"],
            "subtype": covariates["subtype"].astype(str),
            "er_positive": covariates["er_positive"],
            "t_stage": covariates["t_stage"].astype(str),
            "n_stage": covariates["n_stage"].astype(str),
            "grade": covariates["grade"],
            "bmi": covariates["bmi"],
            "inflammation": _inflammation(inputs.values, inputs.values, covariates),
            "chemotherapy": chemotherapy,
            "endocrine_years": endocrine,
            "dtc_at_diagnosis": history.marrow_dtcs,
            "dtc_positive": cells_found > 0,
            "dormant_at_5y": observed(history.dormant_at_5y, 5.0),
            "dormant_at_10y": observed(history.dormant_at_10y, 10.0),
            "micrometastases_at_10y": observed(history.micrometastases_at_10y, 10.0),
            "escapes": history.escapes,
            "recurrence_years": recurrence,
            "recurrence_site": site_names,
            "recurred": ~np.isnan(recurrence),
            "bone_metastasis_years": bone,
            "followup_years": np.where(np.isnan(recurrence), end, recurrence),
            "end_of_followup_years": end,
            "status": np.array([Status(code).value for code in kernel.STATUS_CODES], dtype=object)[
                history.status
            ].astype(str),
            "menopause_age": covariates["menopause_age"],
            "extra_inflammation": covariates["extra_inflammation"],
            "dtc_other_sites": history.other_site_dtcs,
            "dead_dtcs": history.dead_dtcs,
            "dormant_at_end": history.dormant_at_end,
            "treatment": np.where(inputs.treat_start_step[start:stop] >= 0, inputs.treatment_name, ""),
            "locoregional_years": locoregional,
            "contralateral_years": contralateral,
            "any_recurrence_years": any_recurrence,
            "first_recurrence": FIRST_RECURRENCE_KINDS[first_kind].astype(str),
            "dtc_cells_found": cells_found,
            "death_years": death,
            "death_cause": cause,
            **{name: staged & ~np.isnan(recurrence) for name, staged in involved_columns(history.staged_sites).items()},
        },
        columns=list(COLUMNS),
    ), history.visit_dtcs


def _run_care_groups(batch: PatientBatch, plan, inputs: _Inputs, tables: KernelTables) -> PatientHistories:
    """Run each group of patients sharing a care regimen (:func:`dormancy.patients.care.care_groups`) from step 0."""
    n = len(batch.ids)
    parts = []
    for rows, regimen in care_groups(plan):
        fields = {name: getattr(batch, name)[rows] for name in PatientBatch._fields}
        fields["treatment_start_step"] = np.zeros(len(rows), np.int64)
        history = run_kernel(
            PatientBatch(**fields),
            key=inputs.key,
            parameters=inputs.vector,
            tables=tables,
            regimen=regimen,
            n_steps=inputs.spec.n_steps,
            step_days=float(inputs.spec.step_days),
        )
        parts.append((rows, history))
    out = {}
    for name in PatientHistories._fields:
        sample = getattr(parts[0][1], name) if parts else np.zeros(0)
        whole = np.empty((n, *sample.shape[1:]), dtype=sample.dtype)
        for rows, history in parts:
            whole[rows] = getattr(history, name)
        out[name] = whole
    return PatientHistories(**out)


def _prepare(
    spec: CohortSpec,
    seed: int,
    parameters: Mapping[str, float] | None,
    patient_ids: object = None,
    treatment: object = None,
    treatment_start_years: object = 0.0,
    visits_years: object = None,
    cache: TableCache | None = None,
) -> tuple[_Inputs, dict]:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError([Problem("seed", "a non-negative integer", repr(seed))])
    if not isinstance(spec, CohortSpec):
        raise InputError([Problem("spec", "a CohortSpec", type(spec).__name__)])
    ids = _patient_ids(patient_ids, spec.n_patients)
    visit_steps = _visit_steps(visits_years, len(ids), spec)
    sets = resolve_parameters(parameters)
    cache = cache if cache is not None else therapy.DEFAULT_CACHE
    tables = tabulate(sets, cache=cache)
    strategy = None if treatment is None else parse_strategy(treatment, where="treatment")
    care_values = None if spec.care.is_1980s else care_parameters()
    if care_values is not None and strategy is not None:
        raise InputError(
            [
                Problem(
                    "treatment",
                    "no treatment on top of a care with modern components (their regimens are not combined yet)",
                    strategy.name,
                )
            ]
        )
    if strategy is None:
        rates, vicious = tables.rates[np.newaxis], tables.vicious_factor[np.newaxis]
        regimen = RegimenSteps.none()
        starts = np.full(len(ids), -1, np.int64)
    else:
        plan = therapy.regimen(strategy, step_days=float(spec.step_days), sets=sets, cache=cache)
        rates, vicious = plan.rates, plan.vicious
        regimen = RegimenSteps(plan.step_state, plan.step_log10_kill, plan.step_growth_factor, plan.step_er_inhibition)
        context_regimen = {"regimen_steps": plan.n_steps, "regimen_states": len(plan.state_effects)}
        starts = _start_steps(treatment_start_years, len(ids), spec)
    values = {**sets["host_lifetime"].values(), **sets[SET_NAME].values(), **sets[SURVIVAL_SET].values()}
    vector = parameter_vector(values)
    k0, k1 = np.random.SeedSequence(int(seed), spawn_key=(PATIENT_TAG, 0)).generate_state(2, np.uint32)
    inputs = _Inputs(
        spec,
        int(seed),
        values,
        vector,
        (int(k0), int(k1)),
        np.ascontiguousarray(rates),
        np.ascontiguousarray(vicious),
        tables.burden_log10,
        ids,
        "" if strategy is None else strategy.name,
        starts,
        regimen,
        visit_steps,
        care_values,
    )
    regimen_settings = (
        {}
        if strategy is None
        else {
            "effects_per_decade_of_odds": therapy.EFFECTS_PER_DECADE,
            "effect_floor": therapy.EFFECT_FLOOR,
            **context_regimen,
        }
    )
    records_sets = dict(sets)
    if care_values is not None:
        records_sets[CARE_SET] = load_registry().sets[CARE_SET]
        regimen_settings = {**regimen_settings, "care_regimen_years": CARE_REGIMEN_YEARS}
    context = {"sets": records_sets, "tables_key": tables.key, "strategy": strategy, "regimen": regimen_settings}
    return inputs, context


def _plan(
    spec: CohortSpec,
    seed: int,
    parameters: Mapping[str, float] | None,
    patient_ids: object,
    treatment: object,
    treatment_start_years: object,
    visits_years: object,
    cache: TableCache | None,
    chunk_size: object,
) -> tuple[_Inputs, dict, list[tuple[int, int]]]:
    """Set up a cohort run, in memory or streamed: check the inputs, prepare them and cut them into chunks.

    Returns ``(inputs, context, bounds)``: :func:`_prepare`'s inputs and context, and ``(start, stop)`` row bounds
    of the chunks of ``chunk_size`` patients (one empty chunk for no patients).

    Raises
    ------
    InputError
        For a bad chunk size, then as :func:`_prepare`.
    """
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int | np.integer) or chunk_size < 1:
        raise InputError([Problem("chunk_size", "a positive integer", repr(chunk_size))])
    inputs, context = _prepare(
        spec, seed, parameters, patient_ids, treatment, treatment_start_years, visits_years, cache=cache
    )
    total = len(inputs.patient_ids)
    bounds = [(start, min(start + chunk_size, total)) for start in range(0, total, chunk_size)] or [(0, 0)]
    return inputs, context, bounds


def _patient_ids(patient_ids: object, n_patients: int) -> NDArray[np.int64]:
    if patient_ids is None:
        return np.arange(n_patients, dtype=np.int64)
    ids = np.asarray(patient_ids)
    if ids.ndim != 1 or (ids.size and (not np.issubdtype(ids.dtype, np.integer) or ids.min() < 0)):
        raise InputError([Problem("patient_ids", "a one-dimensional array of non-negative integers", str(ids.dtype))])
    return ids.astype(np.int64)


def _start_steps(years: object, n: int, spec: CohortSpec) -> NDArray[np.int64]:
    """Step at which each patient's treatment starts: the first at or after the start time (-1 for NaN: none)."""
    start = np.asarray(years, dtype=np.float64)
    if start.ndim == 0:
        start = np.full(n, float(start))
    if start.shape != (n,) or np.any(start < 0) or np.any(np.isinf(start)):
        raise InputError(
            [Problem("treatment_start_years", f"a number >= 0 or one per patient id ({n}); NaN = untreated", "bad")]
        )
    dt_years = spec.step_days / kernel.DAYS_PER_YEAR
    steps = np.ceil(np.nan_to_num(start, nan=0.0) / dt_years - 1e-9)
    return np.where(np.isnan(start), -1, steps).astype(np.int64)


def _visit_steps(visits: object, n: int, spec: CohortSpec) -> NDArray[np.int64]:
    if visits is None:
        return np.zeros((n, 0), np.int64)
    times = np.asarray(visits, dtype=np.float64)
    if times.ndim != 2 or times.shape[0] != n or np.any(times < 0) or np.any(np.isinf(times)):
        raise InputError(
            [Problem("visits_years", f"an array (patients = {n}, visits) of times >= 0 or NaN", str(times.shape))]
        )
    dt_years = spec.step_days / kernel.DAYS_PER_YEAR
    steps = np.floor(np.nan_to_num(times, nan=-1.0) / dt_years + 1e-9)
    return np.where(np.isnan(times) | (steps >= spec.n_steps), -1, steps).astype(np.int64)


def _records(sets: Mapping[str, ParameterSet]) -> list[dict[str, Any]]:
    return [record.to_dict() for parameter_set in sets.values() for record in parameter_set]


def _spec_dict(spec: CohortSpec) -> dict[str, Any]:
    def plain(value: object) -> object:
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, tuple | list):
            return [plain(v) for v in value]
        return value

    return {
        "n_patients": spec.n_patients,
        "followup_years": spec.followup_years,
        "step_days": spec.step_days,
        "deaths": spec.deaths,
        "population": {f.name: plain(getattr(spec.population, f.name)) for f in dataclasses.fields(spec.population)},
        "care": {f.name: plain(getattr(spec.care, f.name)) for f in dataclasses.fields(spec.care)},
    }


def simulate_cohort(
    spec: CohortSpec,
    *,
    seed: int,
    parameters: Mapping[str, float] | None = None,
    scheduler: str | Any | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
    patient_ids: NDArray[np.integer] | None = None,
    treatment: Strategy | str | Mapping | None = None,
    treatment_start_years: float | NDArray[np.float64] = 0.0,
    visits_years: NDArray[np.float64] | None = None,
    cache: TableCache | None = None,
    environment: Environment | None = None,
) -> CohortResult:
    """Simulate ``spec.n_patients`` virtual patients (or the given ids) over ``spec.followup_years``.

    Parameters
    ----------
    spec : CohortSpec
        Cohort size, follow-up, population and care.
    seed : int
        Non-negative seed; patient ``i``'s history depends only on (seed, i).
    parameters : mapping of str to float, optional
        Overrides by registry record name (``patients_natural_history.<symbol>``, ``host_lifetime.<symbol>``,
        ``bone_lifetime.<symbol>``, ``pivonka2008.<symbol>``), each inside its prior.
    scheduler : str or distributed.Client or cluster, optional
        ``None``: run in this process (threads of the compiled kernel). A ``"tcp://host:port"`` address, a
        ``distributed.Client`` or a cluster (``distributed.LocalCluster``): chunks run as tasks on its workers.
    chunk_size : int
        Patients per chunk (bounds memory; does not change results).
    progress : callable, optional
        Called as ``progress(patients_done, n_patients)`` after each chunk.
    patient_ids : array_like of int, optional
        Ids of the patients to simulate (default ``arange(spec.n_patients)``); patient ``i``'s covariates and
        history depend only on (seed, i), so a subset re-simulated with a treatment has the untreated history up
        to the treatment's start.
    treatment : Strategy, str or mapping, optional
        A :class:`dormancy.pkpd.Strategy` (or a library name, or a mapping) applied to every patient on top of
        standard care (:mod:`dormancy.patients.therapy`); None: standard care only.
    treatment_start_years : float or array_like
        Start of the treatment, years after diagnosis: one value or one per patient id (NaN: that patient is
        not treated). It starts at the first patient step at or after that time.
    visits_years : array_like, optional
        ``(len(patient_ids), n_visits)`` visit times, years after diagnosis (NaN: none); fills ``result.visits``.
    cache : dormancy.coupling.tables.TableCache, optional
        Where the niche-rate tables are kept (default :data:`dormancy.patients.therapy.DEFAULT_CACHE`, in memory;
        the command line passes one on ``DORMANCY_CACHE_DIR``).
    environment : dormancy.provenance.Environment, optional
        Git commit and platform for the manifest, gathered once by a caller that makes many runs (a calibration);
        gathered for this run otherwise.

    Returns
    -------
    CohortResult
        The per-patient table, the manifest and, with ``visits_years``, the visits.

    Raises
    ------
    InputError
        For a bad seed, chunk size, parameter override, patient ids, treatment, start or visits (naming the field).

    See Also
    --------
    dormancy.patients.stream_cohort : the same rows written chunk by chunk to a Parquet dataset, memory bounded by a
        chunk, with the summaries merged from per-chunk statistics (large cohorts).
    """
    inputs, context, bounds = _plan(
        spec, seed, parameters, patient_ids, treatment, treatment_start_years, visits_years, cache, chunk_size
    )
    total = len(inputs.patient_ids)
    if scheduler is None:
        parts = []
        for start, stop in bounds:
            parts.append(simulate_chunk(inputs, start, stop))
            if progress is not None:
                progress(stop, total)
    else:
        parts = _run_distributed(scheduler, inputs, bounds, total, progress)
    table = pd.concat([part[0] for part in parts], ignore_index=True) if len(parts) > 1 else parts[0][0]
    visits = None
    if visits_years is not None:
        visits = _visit_table(np.asarray(visits_years, dtype=np.float64), table, np.concatenate([p[1] for p in parts]))
    manifest = _manifest(
        spec, seed, parameters, context, patient_ids, total, chunk_size, scheduler, environment=environment
    )
    return CohortResult(table, manifest, visits)


def _manifest(
    spec, seed, parameters, context, patient_ids, total, chunk_size, scheduler, environment=None, **settings
) -> Manifest:
    """Return the manifest of a cohort (in memory or streamed): scenario, parameter records, seed and settings."""
    strategy = context["strategy"]
    return Manifest.create(
        model="dormancy.patients (virtual-patient natural history)",
        scenario={
            "cohort": _spec_dict(spec),
            "parameter_overrides": dict(parameters or {}),
            "treatment": None if strategy is None else strategy.to_dict(),
            "patient_ids": "all" if patient_ids is None else f"{total} given",
        },
        parameters=_records(context["sets"]),
        seed=int(seed),
        settings={
            "chunk_size": int(chunk_size),
            "niche_tables": context["tables_key"],
            "free_parameters": list(FREE_PARAMETERS),
            "focus_slots": kernel.FOCUS_SLOTS,
            "scheduler": "in-process" if scheduler is None else "dask.distributed",
            **context["regimen"],
            **settings,
        },
        environment=environment,
    )


def _visit_table(times: NDArray[np.float64], table: pd.DataFrame, dtcs: NDArray[np.int64]) -> pd.DataFrame:
    n, n_visits = dtcs.shape
    recurrence = table["recurrence_years"].to_numpy()[:, np.newaxis]
    with np.errstate(invalid="ignore"):
        before = recurrence < times
    return pd.DataFrame(
        {
            "patient": np.repeat(table["patient"].to_numpy(), n_visits),
            "visit": np.tile(np.arange(n_visits), n),
            "time_years": times.ravel(),
            "marrow_dtcs": pd.arrays.IntegerArray(np.maximum(dtcs.ravel(), 0), dtcs.ravel() < 0),
            "recurred_before": before.ravel() & ~np.isnan(times.ravel()),
        },
        columns=list(VISIT_COLUMNS),
    )


def _run_distributed(scheduler, inputs: _Inputs, bounds, total: int, progress) -> list[tuple]:
    from distributed import as_completed

    client, own = connect(scheduler)  # dormancy.distributed: the one place that opens clients
    try:
        futures = [client.submit(simulate_chunk, inputs, start, stop, pure=False) for start, stop in bounds]
        index = {future.key: i for i, future in enumerate(futures)}
        parts: list[pd.DataFrame | None] = [None] * len(futures)
        done = 0
        for future in as_completed(futures, loop=client.loop):
            part = future.result()
            parts[index[future.key]] = part
            done += len(part[0])
            if progress is not None:
                progress(done, total)
        return [part for part in parts if part is not None]
    finally:
        if own:
            client.close()


def save_cohort(result: CohortResult, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write ``patients.parquet``, ``manifest.json`` (and ``visits.parquet``) into the folder ``path`` atomically.

    Raises
    ------
    FileExistsError
        When ``path`` exists and ``overwrite`` is False.
    FileNotFoundError
        When the parent folder does not exist.
    """
    path = Path(path)
    with atomic_folder(path, overwrite=overwrite, what="a cohort", marker=MANIFEST_FILE) as temporary:
        result.table.to_parquet(temporary / TABLE_FILE, index=False)
        if result.visits is not None:
            result.visits.to_parquet(temporary / VISITS_FILE, index=False)
        text = json.dumps(result.manifest.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        (temporary / MANIFEST_FILE).write_text(text, encoding="utf-8")
    return path
