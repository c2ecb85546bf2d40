"""Simulate a cohort of virtual patients: covariates, seeding, natural history and standard care, in chunks.

:func:`simulate_cohort` resolves the parameters (registry + overrides checked against priors), tabulates the niche
rates once (:mod:`dormancy.patients.niche_rates`), then runs the compiled kernel
(:mod:`dormancy.patients.natural_history`) over chunks of patient ids, in-process or on a Dask distributed cluster.
A patient's randomness depends only on (seed, patient id), so the table is identical for any chunk size and any
number of workers. All recurrences modelled are distant (bone or other organs); Colleoni 2016's "any recurrence"
also counts local and contralateral events the model does not carry, which the calibration accounts for
(:mod:`dormancy.patients.calibration`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dormancy.errors import InputError, Problem
from dormancy.params import ParameterSet
from dormancy.patients import natural_history as kernel
from dormancy.patients.covariates import sample_covariates
from dormancy.patients.niche_rates import niche_tables
from dormancy.patients.parameters import FREE_PARAMETERS, SET_NAME, resolve_parameters
from dormancy.patients.seeding import seeding_mean
from dormancy.patients.specs import CareSpec, CohortSpec, PopulationSpec
from dormancy.provenance import Manifest

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
SITES = np.array(["", "bone", "other"], dtype=object)
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
)


@dataclass(frozen=True)
class CohortResult:
    """A simulated cohort.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per patient (columns :data:`COLUMNS`; see ``docs/architecture.md``). ``dormant_at_5y``,
        ``dormant_at_10y`` and ``micrometastases_at_10y`` are missing (``<NA>``) when not observed (recurrence
        before that time, or shorter follow-up). ``recurrence_years`` and ``recurrence_site`` are the first
        distant recurrence; ``bone_metastasis_years`` the first bone metastasis at any time (the first recurrence
        when in bone, or a later one; NaN if none within follow-up), observed until ``end_of_followup_years``.
        ``escapes``, ``dead_dtcs`` and ``dormant_at_end`` are counted up to the first recurrence (or the end of
        follow-up).
    manifest : Manifest
        Provenance: the spec, every parameter record used, seed, package version, git commit, time, settings.
    """

    table: pd.DataFrame
    manifest: Manifest


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


def _chemotherapy(policy: str, covariates: Mapping[str, NDArray]) -> NDArray[np.bool_]:
    node_positive = covariates["n_stage"] != "N0"
    if policy == "none":
        return np.zeros(len(node_positive), dtype=bool)
    if policy == "all":
        return np.ones(len(node_positive), dtype=bool)
    if policy == "node_positive":
        return node_positive
    high_risk = (covariates["t_stage"] != "T1") & (covariates["grade"] == 3)
    return node_positive | ~covariates["er_positive"] | high_risk


def _inflammation(values: Mapping[str, float], host: Mapping[str, float], covariates: Mapping[str, NDArray]):
    level = (
        host["inflammaging_per_decade"] * np.maximum(covariates["age_at_diagnosis"] - 40.0, 0.0) / 10.0
        + host["inflammation_per_5_bmi"] * np.maximum(covariates["bmi"] - 25.0, 0.0) / 5.0
        + covariates["extra_inflammation"]
    )
    return np.minimum(level, 1.0)


def simulate_chunk(inputs: _Inputs, start: int, stop: int) -> pd.DataFrame:
    """Simulate patients ``start .. stop - 1`` and return their rows (a pure function of its arguments)."""
    spec = inputs.spec
    ids = np.arange(start, stop, dtype=np.int64)
    covariates = sample_covariates(spec.population, seed=inputs.seed, ids=ids, values=inputs.values)
    chemotherapy = _chemotherapy(spec.care.chemotherapy, covariates)
    endocrine = np.where(covariates["er_positive"], float(spec.care.endocrine_years), 0.0)
    mean = seeding_mean(
        inputs.values,
        t_stage=covariates["t_stage"],
        n_stage=covariates["n_stage"],
        grade=covariates["grade"],
        er_positive=covariates["er_positive"],
    )
    (dtc, other, positive, dormant5, dormant10, micro10, escapes, dead, dormant_end, recurrence, site, bone, status) = (
        kernel.simulate_patients(
            ids,
            np.uint64(inputs.key[0]),
            np.uint64(inputs.key[1]),
            covariates["age_at_diagnosis"],
            covariates["menopause_age"],
            covariates["bmi"],
            covariates["extra_inflammation"],
            covariates["er_positive"],
            mean,
            chemotherapy,
            endocrine,
            inputs.vector,
            inputs.rates,
            inputs.vicious,
            inputs.burden_log10,
            spec.n_steps,
            float(spec.step_days),
        )
    )
    followup = spec.n_steps * spec.step_days / kernel.DAYS_PER_YEAR

    def observed(values: NDArray[np.int64]) -> pd.arrays.IntegerArray:
        return pd.arrays.IntegerArray(np.where(values < 0, 0, values), values < 0)

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
            "dtc_at_diagnosis": dtc,
            "dtc_positive": positive,
            "dormant_at_5y": observed(dormant5),
            "dormant_at_10y": observed(dormant10),
            "micrometastases_at_10y": observed(micro10),
            "escapes": escapes,
            "recurrence_years": recurrence,
            "recurrence_site": SITES[site].astype(str),
            "recurred": ~np.isnan(recurrence),
            "bone_metastasis_years": bone,
            "followup_years": np.where(np.isnan(recurrence), followup, recurrence),
            "end_of_followup_years": np.full(len(ids), followup),
            "status": np.array(kernel.STATUS_CODES, dtype=object)[status].astype(str),
            "menopause_age": covariates["menopause_age"],
            "extra_inflammation": covariates["extra_inflammation"],
            "dtc_other_sites": other,
            "dead_dtcs": dead,
            "dormant_at_end": dormant_end,
        },
        columns=list(COLUMNS),
    )


def _prepare(spec: CohortSpec, seed: int, parameters: Mapping[str, float] | None) -> tuple[_Inputs, dict]:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError([Problem("seed", "a non-negative integer", repr(seed))])
    if not isinstance(spec, CohortSpec):
        raise InputError([Problem("spec", "a CohortSpec", type(spec).__name__)])
    sets = resolve_parameters(parameters)
    tables = niche_tables(sets)
    values = {**sets["host_lifetime"].values(), **sets[SET_NAME].values()}
    vector = np.array([values[name] for name in kernel.KERNEL_SYMBOLS], dtype=np.float64)
    k0, k1 = np.random.SeedSequence(int(seed), spawn_key=(PATIENT_TAG, 0)).generate_state(2, np.uint32)
    inputs = _Inputs(
        spec, int(seed), values, vector, (int(k0), int(k1)), tables.rates, tables.vicious_factor, tables.burden_log10
    )
    return inputs, {"sets": sets, "tables_key": tables.key}


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
) -> CohortResult:
    """Simulate ``spec.n_patients`` virtual patients over ``spec.followup_years``.

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

    Returns
    -------
    CohortResult
        The per-patient table and the manifest.

    Raises
    ------
    InputError
        For a bad seed, chunk size or parameter override (naming the field or registry record).
    """
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int | np.integer) or chunk_size < 1:
        raise InputError([Problem("chunk_size", "a positive integer", repr(chunk_size))])
    inputs, context = _prepare(spec, seed, parameters)
    bounds = [(start, min(start + chunk_size, spec.n_patients)) for start in range(0, spec.n_patients, chunk_size)]
    if scheduler is None:
        parts = []
        for start, stop in bounds:
            parts.append(simulate_chunk(inputs, start, stop))
            if progress is not None:
                progress(stop, spec.n_patients)
    else:
        parts = _run_distributed(scheduler, inputs, bounds, spec.n_patients, progress)
    table = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    manifest = Manifest.create(
        model="dormancy.patients (virtual-patient natural history)",
        scenario={"cohort": _spec_dict(spec), "parameter_overrides": dict(parameters or {})},
        parameters=_records(context["sets"]),
        seed=int(seed),
        settings={
            "chunk_size": int(chunk_size),
            "niche_tables": context["tables_key"],
            "free_parameters": list(FREE_PARAMETERS),
            "focus_slots": kernel.FOCUS_SLOTS,
            "scheduler": "in-process" if scheduler is None else "dask.distributed",
        },
    )
    return CohortResult(table, manifest)


def _run_distributed(scheduler, inputs: _Inputs, bounds, total: int, progress) -> list[pd.DataFrame]:
    from distributed import Client, as_completed

    if isinstance(scheduler, Client):
        client, own = scheduler, False
    else:
        address = scheduler if isinstance(scheduler, str) else scheduler.scheduler_address
        client, own = Client(address, set_as_default=False), True
    try:
        futures = [client.submit(simulate_chunk, inputs, start, stop, pure=False) for start, stop in bounds]
        index = {future.key: i for i, future in enumerate(futures)}
        parts: list[pd.DataFrame | None] = [None] * len(futures)
        done = 0
        for future in as_completed(futures, loop=client.loop):
            part = future.result()
            parts[index[future.key]] = part
            done += len(part)
            if progress is not None:
                progress(done, total)
        return [part for part in parts if part is not None]
    finally:
        if own:
            client.close()


def save_cohort(result: CohortResult, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write ``patients.parquet`` and ``manifest.json`` into the folder ``path`` atomically (temporary + rename).

    Raises
    ------
    FileExistsError
        When ``path`` exists and ``overwrite`` is False.
    FileNotFoundError
        When the parent folder does not exist.
    """
    path = Path(path)
    if os.path.lexists(path) and not overwrite:
        raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot save a cohort to {path}: folder {path.parent} does not exist")
    temporary = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex}"
    temporary.mkdir()
    try:
        result.table.to_parquet(temporary / TABLE_FILE, index=False)
        text = json.dumps(result.manifest.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        (temporary / MANIFEST_FILE).write_text(text, encoding="utf-8")
        if os.path.lexists(path):
            aside = path.parent / f".{path.name}.old-{uuid.uuid4().hex}"
            os.rename(path, aside)
            os.rename(temporary, path)
            shutil.rmtree(aside, ignore_errors=True)
        else:
            os.rename(temporary, path)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return path
