"""The patient kernel's named interface: a batch of patients, tables and regimen in; their histories out.

The compiled kernel (:func:`dormancy.patients.natural_history.simulate_patients`) takes flat arrays, the form Numba
compiles best; :func:`run_kernel` is the one way the package calls it, with named structures on both sides, so no
caller passes 23 positional arguments or unpacks a 14-tuple.

The kernel releases the GIL (``nogil=True``), so another Python thread's numpy work (a streamed cohort's next and
previous chunks, :func:`dormancy.patients.dataset.stream_cohort`) overlaps it. Calls from several threads of one
process still run one at a time (:data:`_KERNEL_LOCK`), as they did while the kernel held the GIL: the kernel
already uses every Numba thread, and Numba's ``workqueue`` threading layer (the fallback where neither TBB nor
OpenMP is available) aborts the process when two threads launch parallel code at once.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from dormancy.params import required_value
from dormancy.patients import natural_history as kernel
from dormancy.patients.kernel_tables import KERNEL_SYMBOLS

__all__ = ["KernelTables", "PatientBatch", "PatientHistories", "RegimenSteps", "parameter_vector", "run_kernel"]

#: One kernel call at a time in a process (module docstring); a lock, no state that reaches a result.
_KERNEL_LOCK = threading.Lock()


class PatientBatch(NamedTuple):
    """Per-patient inputs of a chunk (each ``(n,)`` but ``visit_steps``, ``(n, n_visits)``, and ``visceral_cdf``).

    ``other_site_ratio`` is the mean number of DTCs seeded to the other organs per marrow DTC, and
    ``visceral_cdf`` ``(n, 4)`` the cumulative shares of lung, liver, brain and other among them
    (:func:`dormancy.patients.sites.seeding_by_site`). ``endocrine_resistant_years`` is the time from which an ER+
    patient's disease is endocrine-resistant (``inf``: never; :mod:`dormancy.patients.endocrine_resistance`);
    ``endocrine_sensitivity`` her relative response to endocrine therapy before then (``None``: 1 for everyone, the
    calibrated response; :func:`dormancy.patients.endocrine_resistance.endocrine_sensitivity`).
    """

    ids: NDArray[np.int64]
    age_at_diagnosis: NDArray[np.float64]
    menopause_age: NDArray[np.float64]
    bmi: NDArray[np.float64]
    extra_inflammation: NDArray[np.float64]
    er_positive: NDArray[np.bool_]
    seeding_mean: NDArray[np.float64]
    other_site_ratio: NDArray[np.float64]
    visceral_cdf: NDArray[np.float64]
    chemotherapy: NDArray[np.bool_]
    endocrine_years: NDArray[np.float64]
    endocrine_resistant_years: NDArray[np.float64]
    treatment_start_step: NDArray[np.int64]
    visit_steps: NDArray[np.int64]
    endocrine_sensitivity: NDArray[np.float64] | None = None


class KernelTables(NamedTuple):
    """Rate tables and vicious-cycle factors of every regimen state (state 0 untreated), and the burden grid."""

    rates: NDArray[np.float64]
    vicious: NDArray[np.float64]
    burden_log10: NDArray[np.float64]


class RegimenSteps(NamedTuple):
    """A treatment on the patient step (:class:`dormancy.patients.therapy.Regimen`); empty arrays: none.

    ``dormant_death_per_year`` is an extra death hazard (per year) of every dormant DTC while the step is on
    (:mod:`dormancy.patients.natural_history`, *Treatment*); ``None`` (the default) is 0 at every step.
    ``resistant_growth_factor`` is a factor on the growth of every focus of an ER+ patient whose disease is
    endocrine-resistant (on whom ``growth_factor`` and ``er_inhibition`` do not act) while the step is on; ``None``
    (the default) is 1 at every step.
    """

    state: NDArray[np.int64]
    log10_kill: NDArray[np.float64]
    growth_factor: NDArray[np.float64]
    er_inhibition: NDArray[np.float64]
    dormant_death_per_year: NDArray[np.float64] | None = None
    resistant_growth_factor: NDArray[np.float64] | None = None

    @classmethod
    def none(cls) -> RegimenSteps:
        """Return the empty regimen (no treatment)."""
        return cls(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0))


class PatientHistories(NamedTuple):
    """What the kernel records per patient (module docstring of :mod:`dormancy.patients.natural_history`).

    Counts are DTCs; ``-1`` in ``dormant_at_5y``, ``dormant_at_10y``, ``micrometastases_at_10y`` and ``visit_dtcs``
    means not observed; times are years after diagnosis (NaN: none); ``recurrence_site`` a site code
    (:data:`dormancy.patients.sites.SITE_CODES`), ``staged_sites`` a bit mask of the sites found at the first
    recurrence (bit ``code - 1``); ``status`` an index into
    :data:`dormancy.patients.natural_history.STATUS_CODES`. ``dtc_positive`` is the kernel's former
    homogeneous-Poisson aspirate, kept only so that every other draw stays the same: the cohort's aspirate is
    :mod:`dormancy.patients.aspirate`.
    """

    marrow_dtcs: NDArray[np.int64]
    other_site_dtcs: NDArray[np.int64]
    dtc_positive: NDArray[np.bool_]
    dormant_at_5y: NDArray[np.int64]
    dormant_at_10y: NDArray[np.int64]
    micrometastases_at_10y: NDArray[np.int64]
    escapes: NDArray[np.int64]
    dead_dtcs: NDArray[np.int64]
    dormant_at_end: NDArray[np.int64]
    recurrence_years: NDArray[np.float64]
    recurrence_site: NDArray[np.int8]
    staged_sites: NDArray[np.int8]
    bone_metastasis_years: NDArray[np.float64]
    status: NDArray[np.int8]
    visit_dtcs: NDArray[np.int64]


def parameter_vector(values: Mapping[str, float]) -> NDArray[np.float64]:
    """Return the kernel's parameter vector in :data:`KERNEL_SYMBOLS` order (a missing record names itself)."""
    return np.array(
        [required_value(values, name, "patients_natural_history or host_lifetime") for name in KERNEL_SYMBOLS]
    )


def run_kernel(
    batch: PatientBatch,
    *,
    key: tuple[int, int],
    parameters: NDArray[np.float64],
    tables: KernelTables,
    regimen: RegimenSteps,
    n_steps: int,
    step_days: float,
) -> PatientHistories:
    """Simulate a batch of patients with the compiled kernel; every input and output by name.

    Parameters
    ----------
    batch : PatientBatch
        The patients.
    key : tuple of int
        The two 32-bit words of the Philox key (from the cohort's seed).
    parameters : numpy.ndarray
        :func:`parameter_vector` of the values.
    tables : KernelTables
        Rate tables (:mod:`dormancy.coupling.tables`) of every regimen state.
    regimen : RegimenSteps
        The treatment's steps (:meth:`RegimenSteps.none` for none).
    n_steps : int
        Patient steps of follow-up.
    step_days : float
        Length of a step, days.
    """
    arguments = (
        batch.ids,
        np.uint64(key[0]),
        np.uint64(key[1]),
        batch.age_at_diagnosis,
        batch.menopause_age,
        batch.bmi,
        batch.extra_inflammation,
        batch.er_positive,
        batch.seeding_mean,
        batch.other_site_ratio,
        batch.visceral_cdf,
        batch.chemotherapy,
        batch.endocrine_years,
        batch.endocrine_resistant_years,
        np.ones(len(batch.ids))
        if batch.endocrine_sensitivity is None
        else np.ascontiguousarray(batch.endocrine_sensitivity, dtype=np.float64),
        parameters,
        tables.rates,
        tables.vicious,
        tables.burden_log10,
        int(n_steps),
        float(step_days),
        batch.treatment_start_step,
        regimen.state,
        regimen.log10_kill,
        regimen.growth_factor,
        regimen.er_inhibition,
        np.zeros(len(regimen.state))
        if regimen.dormant_death_per_year is None
        else np.ascontiguousarray(regimen.dormant_death_per_year, dtype=np.float64),
        np.ones(len(regimen.state))
        if regimen.resistant_growth_factor is None
        else np.ascontiguousarray(regimen.resistant_growth_factor, dtype=np.float64),
        batch.visit_steps,
    )
    with _KERNEL_LOCK:
        out = kernel.simulate_patients(*arguments)
    return PatientHistories(*out)
