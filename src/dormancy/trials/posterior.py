r"""A virtual trial over posterior draws: the predicted effect with its credible interval and the chance of success.

:func:`run_trial_posterior` runs :func:`dormancy.trials.run_trial` once per posterior draw (``replicates``
published-size replicate trials per draw, the draw's parameters, the draw's seed :func:`draw_seed` (seed, k)),
each draw a task of a :class:`dormancy.distributed.Executor` (in-process, local cluster or existing cluster: the
same numbers for any worker count). A draw's values go to the patient model as ``parameters=`` overrides and, for
code that reads the registry directly (drug potencies, switch sets), through
:func:`dormancy.params.registry_overrides`.

Per draw, endpoint and experimental arm against the control (subgroup ``all``):

- **Large-sample estimate** :math:`L_d`: the Cox log hazard ratio of all the draw's replicates pooled (a trial
  ``replicates`` times the published size), its standard error :math:`s_d` (Wald, from the information) and its
  log-rank p; for DTC clearance (endpoint ``dtc_clearance.<assessment>``) the pooled difference of negative
  proportions (experimental − control) with its binomial standard error.
- **Published-size replicates**: each replicate's log hazard ratio (or proportion difference), p, and whether it
  is *positive*: the design's success criterion, two-sided p < ``analysis.alpha`` in the direction of benefit
  (hazard ratio below 1; more DTC-negative aspirates, Fisher's exact test).

Across draws (:meth:`PosteriorTrialResult.summary`): the posterior median of the effect, its 95 % credible
interval (2.5 and 97.5 percentiles of the draws' large-sample estimates), the probability that a trial of the
published size is positive (the share of all replicates of all draws that are), and the three sources of
uncertainty (:func:`dormancy.params.propagation.three_sources`): parameters, Monte-Carlo, trial of the published
size (standard deviations on the log-hazard-ratio or proportion-difference scale).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dormancy.distributed import Executor
from dormancy.errors import InputError, Problem
from dormancy.params.posterior import Posterior
from dormancy.params.propagation import DrawTask, PosteriorDraws, map_draws, split_overrides, three_sources
from dormancy.patients.parameters import USED_SETS
from dormancy.patients.therapy import share_table_folder, table_folder
from dormancy.provenance import Manifest
from dormancy.trials.analysis import Z95, compare_groups
from dormancy.trials.engine import run_trial
from dormancy.trials.spec import TrialSpec

__all__ = ["DRAW_COLUMNS", "REPLICATE_COLUMNS", "PosteriorTrialResult", "run_trial_posterior"]

#: Columns of :attr:`PosteriorTrialResult.draws` (one row per draw, endpoint and experimental arm).
DRAW_COLUMNS = (
    "draw",
    "posterior_index",
    "seed",
    "endpoint",
    "arm",
    "kind",
    "estimate",
    "se",
    "hr",
    "p_value",
    "replicates",
    "replicate_mean",
    "replicate_sd",
    "share_positive",
    "status",
)
#: Columns of :attr:`PosteriorTrialResult.replicates_table` (one row per draw, replicate, endpoint and arm).
REPLICATE_COLUMNS = ("draw", "replicate", "endpoint", "arm", "kind", "value", "p_value", "positive")
SUMMARY_COLUMNS = (
    "endpoint",
    "arm",
    "control",
    "kind",
    "primary",
    "draws",
    "replicates_per_draw",
    "median",
    "cri_low",
    "cri_high",
    "probability_positive",
    "parameters_sd",
    "monte_carlo_sd",
    "trial_sd",
    "total_sd",
)


@dataclass(frozen=True)
class PosteriorTrialResult:
    """A trial run over posterior draws.

    Parameters
    ----------
    spec : TrialSpec
        The trial.
    seed : int
        The run's seed (resampling of the draws and each draw's seed).
    replicates : int
        Published-size replicate trials per draw.
    posterior : PosteriorDraws
        The draws (posterior, indices, seeds, file and hash).
    draws : pandas.DataFrame
        Columns :data:`DRAW_COLUMNS`: per draw, endpoint and experimental arm, ``kind`` (``"log_hr"`` or
        ``"clearance_difference"``), the large-sample ``estimate`` (pooled log hazard ratio, or difference of
        negative proportions) and its standard error ``se``, ``hr`` (:math:`e^{estimate}`; NaN for clearance), the
        pooled ``p_value``, and over the published-size replicates their number, mean, standard deviation and
        share positive; ``status`` of the draw's run.
    replicates_table : pandas.DataFrame
        Columns :data:`REPLICATE_COLUMNS`: every published-size replicate's value (log HR or proportion
        difference), p and whether it meets the success criterion.
    manifest : Manifest
        Provenance: the trial, the posterior (file, SHA-256, metadata, draw indices and seeds), the executor.
    """

    spec: TrialSpec
    seed: int
    replicates: int
    posterior: PosteriorDraws
    draws: pd.DataFrame
    replicates_table: pd.DataFrame
    manifest: Manifest

    def summary(self) -> pd.DataFrame:
        r"""Per endpoint and experimental arm (columns ``SUMMARY_COLUMNS``): the posterior prediction.

        ``median``, ``cri_low``, ``cri_high``: the posterior median and 95 % credible interval of the large-sample
        effect (hazard ratio for ``log_hr`` rows, proportion difference for clearance); ``probability_positive``:
        share of all published-size replicates over all draws meeting the success criterion; ``parameters_sd``,
        ``monte_carlo_sd``, ``trial_sd``: the three sources (log-HR or difference scale), ``total_sd``: the spread
        of one published-size trial over draws and replicates (:math:`\sqrt{within + between}`).
        """
        rows = []
        primary = self.spec.analysis.primary_endpoint
        for (endpoint, arm), part in self.draws.groupby(["endpoint", "arm"], sort=False):
            reps = self.replicates_table[
                (self.replicates_table["endpoint"] == endpoint) & (self.replicates_table["arm"] == arm)
            ]
            kind = str(part["kind"].iloc[0])
            estimate = part["estimate"].to_numpy(float)
            finite = estimate[np.isfinite(estimate)]
            median, low, high = (
                np.percentile(finite, [50.0, 2.5, 97.5]) if finite.size else (math.nan, math.nan, math.nan)
            )
            if kind == "log_hr":
                median, low, high = math.exp(median), math.exp(low), math.exp(high)
            sources = three_sources(reps["value"], reps["draw"], part["estimate"], part["se"])
            rows.append(
                {
                    "endpoint": endpoint,
                    "arm": arm,
                    "control": self.spec.control_arm,
                    "kind": kind,
                    "primary": endpoint == primary or endpoint.startswith(f"{primary}."),
                    "draws": len(part),
                    "replicates_per_draw": self.replicates,
                    "median": float(median),
                    "cri_low": float(low),
                    "cri_high": float(high),
                    "probability_positive": float(reps["positive"].mean()) if len(reps) else math.nan,
                    "parameters_sd": sources["parameters_sd"],
                    "monte_carlo_sd": sources["monte_carlo_sd"],
                    "trial_sd": sources["trial_sd"],
                    "total_sd": math.sqrt(sources["replicate_total_var"])
                    if math.isfinite(sources["replicate_total_var"])
                    else math.nan,
                }
            )
        return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _pooled_clearance(patients: pd.DataFrame, column: str, arm: str, control: str) -> tuple[float, float, float]:
    """Pooled difference of DTC-negative proportions (arm − control), its binomial SE and Fisher's exact p."""
    from scipy import stats

    values = patients[column].to_numpy(str)
    arms = patients["arm"].to_numpy(str)
    counts = []
    for name in (arm, control):
        done = (arms == name) & (values != "not done")
        counts.append((int(np.sum(done & (values == "negative"))), int(done.sum())))
    (k1, n1), (k0, n0) = counts
    if not (n1 and n0):
        return math.nan, math.nan, math.nan
    p1, p0 = k1 / n1, k0 / n0
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    p_value = float(stats.fisher_exact([[k1, n1 - k1], [k0, n0 - k0]]).pvalue)
    return p1 - p0, se, p_value


def _trial_draw(task: DrawTask, spec: TrialSpec, settings: Mapping[str, Any]):
    """Run one draw; return its draw and replicate rows."""
    position = task.position
    share_table_folder(settings.get("table_cache_dir"))
    result = run_trial(
        spec,
        seed=task.seed,
        replicates=int(settings["replicates"]),
        parameters=split_overrides(task.overrides, USED_SETS),
        chunk_size=int(settings["chunk_size"]),
    )
    alpha = spec.analysis.alpha
    control = spec.control_arm
    patients = result.patients[result.patients["status"] == "ok"] if len(result.patients) else result.patients
    draw_rows, replicate_rows = [], []
    head = task.head()
    comparisons = result.comparisons
    if len(comparisons):
        comparisons = comparisons[comparisons["subgroup"] == "all"]
    for endpoint in spec.analysis.endpoints:
        for arm in (a.name for a in spec.arms if a.name != control):
            part = (
                comparisons[(comparisons["endpoint"] == endpoint) & (comparisons["arm"] == arm)]
                if len(comparisons)
                else comparisons
            )
            hr = part["hazard_ratio"].to_numpy(float) if len(part) else np.zeros(0)
            p = part["p_value"].to_numpy(float) if len(part) else np.zeros(0)
            with np.errstate(divide="ignore", invalid="ignore"):
                log_hr = np.log(hr)
            positive = (p < alpha) & (hr < 1.0)
            for r, value, p_r, good in zip(part.get("replicate", []), log_hr, p, positive, strict=True):
                replicate_rows.append(
                    {
                        "draw": position,
                        "replicate": int(r),
                        "endpoint": endpoint,
                        "arm": arm,
                        "kind": "log_hr",
                        "value": float(value),
                        "p_value": float(p_r),
                        "positive": bool(good),
                    }
                )
            estimate, se, p_pooled = math.nan, math.nan, math.nan
            if len(patients):
                pair = patients["arm"].isin([arm, control]).to_numpy()
                pooled = compare_groups(
                    patients[f"{endpoint}_years"].to_numpy(float)[pair],
                    patients[f"{endpoint}_event"].to_numpy(bool)[pair],
                    patients["arm"].to_numpy(str)[pair] == arm,
                )
                p_pooled = pooled.p_value
                if math.isfinite(pooled.hazard_ratio) and pooled.ci_low > 0 and math.isfinite(pooled.ci_high):
                    estimate = math.log(pooled.hazard_ratio)
                    se = (math.log(pooled.ci_high) - math.log(pooled.ci_low)) / (2.0 * Z95)
            draw_rows.append(
                head
                | {
                    "endpoint": endpoint,
                    "arm": arm,
                    "kind": "log_hr",
                    "estimate": estimate,
                    "se": se,
                    "hr": math.exp(estimate) if math.isfinite(estimate) else math.nan,
                    "p_value": p_pooled,
                    "replicates": int(np.isfinite(log_hr).sum()),
                    "replicate_mean": float(np.nanmean(log_hr)) if np.isfinite(log_hr).any() else math.nan,
                    "replicate_sd": float(np.nanstd(log_hr)) if np.isfinite(log_hr).sum() > 1 else math.nan,
                    "share_positive": float(positive.mean()) if positive.size else math.nan,
                    "status": result.status,
                }
            )
    clearance = result.clearance
    for assessment in spec.assessments:
        endpoint = f"dtc_clearance.{assessment.name}"
        for arm in (a.name for a in spec.arms if a.name != control):
            mine = clearance[(clearance["arm"] == arm) & (clearance["assessment"] == assessment.name)]
            theirs = clearance[(clearance["arm"] == control) & (clearance["assessment"] == assessment.name)]
            merged = mine.merge(theirs[["replicate", "proportion"]], on="replicate", suffixes=("", "_control"))
            difference = (merged["proportion"] - merged["proportion_control"]).to_numpy(float)
            p = merged["p_value"].to_numpy(float)
            positive = (p < alpha) & (difference > 0)
            for r, value, p_r, good in zip(merged["replicate"], difference, p, positive, strict=True):
                replicate_rows.append(
                    {
                        "draw": position,
                        "replicate": int(r),
                        "endpoint": endpoint,
                        "arm": arm,
                        "kind": "clearance_difference",
                        "value": float(value),
                        "p_value": float(p_r),
                        "positive": bool(good),
                    }
                )
            estimate, se, p_pooled = (
                _pooled_clearance(patients, f"dtc_{assessment.name}", arm, control)
                if len(patients)
                else (math.nan,) * 3
            )
            finite = difference[np.isfinite(difference)]
            draw_rows.append(
                head
                | {
                    "endpoint": endpoint,
                    "arm": arm,
                    "kind": "clearance_difference",
                    "estimate": estimate,
                    "se": se,
                    "hr": math.nan,
                    "p_value": p_pooled,
                    "replicates": int(finite.size),
                    "replicate_mean": float(finite.mean()) if finite.size else math.nan,
                    "replicate_sd": float(finite.std()) if finite.size > 1 else math.nan,
                    "share_positive": float(positive.mean()) if positive.size else math.nan,
                    "status": result.status,
                }
            )
    parameters = result.manifest.parameters if position == 0 else None
    return draw_rows, replicate_rows, parameters


def run_trial_posterior(
    spec: TrialSpec,
    *,
    seed: int,
    posterior: Posterior | str | Path | None = None,
    posterior_draws: int = 100,
    replicates: int = 20,
    executor: Executor | None = None,
    chunk_size: int = 65536,
    progress: Callable[[int, int], None] | None = None,
) -> PosteriorTrialResult:
    """Run ``replicates`` published-size replicate trials of ``spec`` for each of ``posterior_draws`` draws.

    Parameters
    ----------
    spec : TrialSpec
        The trial.
    seed : int
        Non-negative seed: the draws picked (weighted resampling) and draw ``k``'s seed depend only on (seed, k).
    posterior : Posterior, path-like or None
        The posterior (None: the shipped file; an :class:`InputError` naming ``posterior`` if there is none).
    posterior_draws : int
        Number of draws.
    replicates : int
        Replicate trials per draw (at least 2: the trial-size spread needs two).
    executor : dormancy.distributed.Executor, optional
        Where draws run (default in-process); results are identical for any worker count.
    chunk_size : int
        Patients per chunk inside a draw (same results).
    progress : callable, optional
        ``progress(draws_done, draws)``.

    Raises
    ------
    InputError
        For a bad seed, draw count, replicate count, spec or posterior.
    """
    if not isinstance(spec, TrialSpec):
        raise InputError([Problem("spec", "a TrialSpec", type(spec).__name__)])
    if isinstance(replicates, bool) or not isinstance(replicates, int | np.integer) or not 2 <= replicates <= 100_000:
        raise InputError([Problem("replicates", "an integer in [2, 100000] per draw", repr(replicates))])
    settings = {"replicates": int(replicates), "chunk_size": int(chunk_size), "table_cache_dir": table_folder()}
    draws, outputs, executor = map_draws(
        _trial_draw,
        spec,
        settings,
        posterior=posterior,
        n=posterior_draws,
        seed=seed,
        executor=executor,
        progress=progress,
    )
    draw_rows = [row for rows, _, _ in outputs for row in rows]
    replicate_rows = [row for _, rows, _ in outputs for row in rows]
    manifest = Manifest.create(
        model="dormancy.trials (posterior-predictive virtual trial)",
        scenario={"trial": spec.to_dict(), "replicates_per_draw": int(replicates)},
        parameters=list(outputs[0][2]),
        seed=int(seed),
        settings={
            "posterior": draws.provenance(),
            "executor": executor.description,
            "success_criterion": f"two-sided p < {spec.analysis.alpha} in the direction of benefit",
        },
    )
    return PosteriorTrialResult(
        spec,
        int(seed),
        int(replicates),
        draws,
        pd.DataFrame(draw_rows, columns=list(DRAW_COLUMNS)),
        pd.DataFrame(replicate_rows, columns=list(REPLICATE_COLUMNS)),
        manifest,
    )
