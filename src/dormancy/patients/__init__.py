"""Patient scale: virtual patients over decades (DTC seeding, niches, awakening, micrometastases, standard care).

- :func:`simulate_cohort` (:class:`CohortSpec`, :class:`PopulationSpec`, :class:`CareSpec`) → :class:`CohortResult`
  (per-patient table + manifest); :func:`save_cohort` writes it atomically. :func:`stream_cohort` writes a large
  cohort chunk by chunk to a Parquet dataset instead (:mod:`~dormancy.patients.dataset`; :func:`read_cohort`,
  :func:`iter_cohort_chunks`), with the printed summaries merged from per-chunk statistics
  (:class:`CohortSummary`, :mod:`~dormancy.patients.cohort_summary`, exact Kaplan–Meier and Aalen–Johansen from
  :mod:`~dormancy.patients.event_table`).
- Treatment strategies (``simulate_cohort(..., treatment=, treatment_start_years=, patient_ids=, visits_years=)``)
  :mod:`~dormancy.patients.therapy`.
- The marrow aspirate as a measurement (:func:`read_aspirate`: cells found and positivity; clustered sampling, a
  protocol's screened cells and sensitivity; :func:`aspirate_positive` for positivity alone):
  :mod:`~dormancy.patients.aspirate`; Synnestvedt 2012's repeat aspirates in silico:
  :mod:`~dormancy.patients.repeat_aspirate`.
- Standard care by era (``CareSpec(era="1980s" | "modern", ...)``): the modern therapies as per-patient care
  regimens, :mod:`~dormancy.patients.care`; their in-silico checks against the published comparisons,
  :mod:`~dormancy.patients.care_checks` (:func:`~dormancy.patients.care_checks.run_care_checks`).
- :data:`FREE_PARAMETERS`: the registry records calibration fits.
- Modules: :mod:`~dormancy.patients.covariates`, :mod:`~dormancy.patients.seeding`,
  :mod:`~dormancy.coupling.tables`, :mod:`~dormancy.patients.natural_history` (the compiled kernel; its random
  draws in :mod:`~dormancy.patients.kernel_random`, parameter vector and table lookups in
  :mod:`~dormancy.patients.kernel_tables`), :mod:`~dormancy.patients.locoregional` (locoregional and
  contralateral events) and :mod:`~dormancy.patients.metastatic_course` (bone metastases after a first distant
  recurrence elsewhere), both drawn outside the kernel, and :mod:`~dormancy.patients.survival` (deaths from other
  causes by a life table and from breast cancer after a distant recurrence).
- Metastatic sites (:mod:`~dormancy.patients.sites`): :data:`SITES`, :func:`first_site_shares` and
  :func:`site_involvement` against Kaplan 2016.
- :func:`survival_outcomes` (:mod:`~dormancy.patients.outcomes`): overall and breast-cancer-specific survival and
  the competing-risk cumulative incidences of a cohort.
"""

from dormancy.patients import calibration, report, sensitivity, summaries, targets  # calibration side (H4)
from dormancy.patients.aspirate import read_aspirate
from dormancy.patients.cohort import (
    FREE_PARAMETERS,
    CareSpec,
    CohortResult,
    CohortSpec,
    PopulationSpec,
    save_cohort,
    simulate_cohort,
)
from dormancy.patients.cohort_summary import CohortSummary
from dormancy.patients.dataset import StreamedCohort, iter_cohort_chunks, read_cohort, stream_cohort
from dormancy.patients.outcomes import survival_outcomes
from dormancy.patients.posterior_cohort import (
    PosteriorCohortResult,
    save_cohort_posterior,
    simulate_cohort_posterior,
)
from dormancy.patients.sites import SITES, first_site_shares, site_involvement
from dormancy.patients.therapy import aspirate_positive, use_table_cache_folder

__all__ = [
    "FREE_PARAMETERS",
    "SITES",
    "CareSpec",
    "CohortResult",
    "CohortSpec",
    "CohortSummary",
    "PopulationSpec",
    "PosteriorCohortResult",
    "StreamedCohort",
    "aspirate_positive",
    "calibration",
    "first_site_shares",
    "iter_cohort_chunks",
    "read_aspirate",
    "read_cohort",
    "report",
    "save_cohort",
    "save_cohort_posterior",
    "sensitivity",
    "simulate_cohort",
    "simulate_cohort_posterior",
    "site_involvement",
    "stream_cohort",
    "summaries",
    "survival_outcomes",
    "targets",
    "therapy",
    "use_table_cache_folder",
]
