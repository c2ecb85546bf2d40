"""Virtual clinical trials: screening, randomisation, arms with treatment strategies, endpoints, replicate trials.

- :class:`TrialSpec` (``format: dormancy-trial``), :func:`load_trial`, :func:`trial_from_dict`,
  :func:`template_text` (a commented file to start from),
  :func:`load_design` / :func:`design_names` (CLEVER, AZURE, D-CARE, ABCSG-18, EBCTCG replicas).
- :func:`run_trial_posterior` → :class:`PosteriorTrialResult` (over posterior draws: credible intervals, the
  probability of a positive trial, the three sources of uncertainty).
- :func:`run_trial` → :class:`TrialResult` (per-patient endpoints, per-replicate Cox / log-rank / Kaplan–Meier,
  DTC clearance, power); :func:`power_by_size` (sample size by simulation).
- :func:`sobol_sensitivity`, :func:`run_sensitivity`, :func:`morris_screen`, :func:`sobol_indices`,
  :func:`assumption_parameters`, :func:`trial_outputs`: which assumption-only records decide a replica's prediction.
- :func:`write_report`: HTML report, CSV tables and ``manifest.json``, written atomically into a folder.
"""

from dormancy.trials.analysis import Comparison, clopper_pearson, compare_groups, kaplan_meier, lifelines_summary
from dormancy.trials.engine import TrialResult, power_by_size, run_trial
from dormancy.trials.posterior import PosteriorTrialResult, run_trial_posterior
from dormancy.trials.report import render_report, write_report
from dormancy.trials.sensitivity import (
    assumption_parameters,
    morris_screen,
    run_sensitivity,
    sobol_indices,
    sobol_sensitivity,
    trial_outputs,
)
from dormancy.trials.spec import (
    ENDPOINT_TITLES,
    ENDPOINTS,
    TrialSpec,
    design_names,
    design_text,
    dump_trial,
    load_design,
    load_trial,
    template_text,
    trial_from_dict,
    trial_from_text,
)

__all__ = [
    "ENDPOINTS",
    "ENDPOINT_TITLES",
    "Comparison",
    "PosteriorTrialResult",
    "TrialResult",
    "TrialSpec",
    "assumption_parameters",
    "clopper_pearson",
    "compare_groups",
    "design_names",
    "design_text",
    "dump_trial",
    "kaplan_meier",
    "lifelines_summary",
    "load_design",
    "load_trial",
    "morris_screen",
    "power_by_size",
    "render_report",
    "run_sensitivity",
    "run_trial",
    "run_trial_posterior",
    "sobol_indices",
    "sobol_sensitivity",
    "template_text",
    "trial_from_dict",
    "trial_from_text",
    "trial_outputs",
    "write_report",
]
