r"""Which assumptions decide a trial's prediction: Morris screening and Sobol indices of a virtual trial's outcome.

The outcome of a replica is a function :math:`Y = f(X)` of the assumption-only parameter records :math:`X` (records
whose value is a documented assumption, not seen in a source nor derived from seen values). Each :math:`X_i` is
drawn from its prior, independently: uniform on ``[low, high]`` or, for a log-uniform prior, uniform in
:math:`\log_{10}`. One evaluation of :math:`f` is **one large replicate** of the trial (:func:`run_trial` with an
enrolment target far above the published one) with the **same seed at every parameter point** (common random
numbers): the same candidates, covariates, randomisation and uniform draws, so that the differences between points
are the parameters' effect and not Monte-Carlo noise. The outputs of one evaluation (:func:`trial_outputs`):

* ``log_hr``: the log Cox hazard ratio of the main endpoint, experimental arm against the control arm;
* for a trial with DTC assessments, ``dtc_negative_difference.<assessment>``: the DTC-negative aspirate fraction of
  the experimental arm minus the control arm's (CLEVER's DTC reduction).

**Sobol indices** (Sobol 2001; estimators of Saltelli et al. 2010, as implemented in SALib, Herman & Usher 2017
and Iwanaga et al. 2022). With :math:`V = \operatorname{Var}(Y)`,

.. math::

    S_i = \frac{\operatorname{Var}_{X_i}\!\left(E[Y \mid X_i]\right)}{V}, \qquad
    S_{Ti} = \frac{E_{X_{\sim i}}\!\left[\operatorname{Var}_{X_i}(Y \mid X_{\sim i})\right]}{V}.

:math:`S_i` (first order) is the share of the variance that fixing :math:`X_i` alone would remove; :math:`S_{Ti}`
(total) includes every interaction of :math:`X_i`, so :math:`S_{Ti} \approx 0` means :math:`X_i` can be fixed
anywhere in its prior without changing the prediction. From two independent ``N × k`` matrices :math:`A`, :math:`B`
(a scrambled Sobol sequence) and :math:`A_B^{(i)}` (:math:`A` with column :math:`i` from :math:`B`),
``N (k + 2)`` evaluations give

.. math::

    \hat V S_i = \frac1N \sum_j f(B)_j \left(f(A_B^{(i)})_j - f(A)_j\right)\ \text{(Saltelli 2010, eq. b)},\qquad
    \hat V S_{Ti} = \frac1{2N} \sum_j \left(f(A)_j - f(A_B^{(i)})_j\right)^2\ \text{(Jansen 1999)},

with bootstrap confidence intervals over the ``N`` rows. A parameter the simulation never reads has
:math:`f(A_B^{(i)}) = f(A)` exactly (common random numbers), hence :math:`S_i = S_{Ti} = 0` exactly.

**Screening.** Sobol costs ``N (k + 2)`` trial runs, so the assumption-only records are screened first with Morris
elementary effects (Morris 1991; :math:`\mu^*` of Campolongo et al. 2007, SALib): ``r (k + 1)`` runs on a 4-level
grid of the same scaled space; a record whose elementary effects are all exactly zero is not read by the trial.

**Monte-Carlo noise.** The common seed removes most noise from the *differences* between points, but the function
is still one realisation of the trial. :func:`sobol_sensitivity` with ``noise_seeds`` evaluates the nominal point
(the registry values) with other seeds: their standard deviation is the Monte-Carlo spread of the output at that
trial size, reported beside the spread over the parameter sample.

**Not varied.** Only records of the sets the patient simulation accepts as overrides
(:data:`dormancy.patients.parameters.USED_SETS`); drug potencies (``pkpd_*``) and the switch sets are not
overridable per run yet. Records that enter the niche-rate tables (``bone_lifetime``, ``pivonka2008``, the
``niche_*__*`` inputs and ``endocrine_target_effect``) are left out by default (``tables=False`` of
:func:`assumption_parameters`): each new value recomputes the tables, about 20 s untreated and about 2 min for a
bone-drug regimen on one core, which a Sobol design of hundreds of points cannot afford.

References: Sobol IM (2001) Math Comput Simul 55:271; Saltelli A et al. (2010) Comput Phys Commun 181:259;
Jansen MJW (1999) Comput Phys Commun 117:35; Morris MD (1991) Technometrics 33:161; Campolongo F et al. (2007)
Environ Model Softw 22:1509; Herman J, Usher W (2017) J Open Source Softw 2:97 (SALib); Iwanaga T et al. (2022)
Socio-Environ Syst Model 4:18155 (SALib 1.4); Ishigami T, Homma T (1990) ISUMA '90, 398.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dormancy.errors import InputError, Problem
from dormancy.trials.sensitivity_indices import (
    INDEX_COLUMNS,
    Executor,
    Progress,
    _bounds,
    assumption_parameters,
    evaluate_points,
    morris_screen,
    sobol_indices,
)
from dormancy.trials.spec import TrialSpec

__all__ = [
    "INDEX_COLUMNS",
    "assumption_parameters",
    "evaluate_points",
    "main_comparison",
    "morris_screen",
    "run_sensitivity",
    "sobol_indices",
    "sobol_sensitivity",
    "trial_outputs",
    "untreated_twin",
]

#: Columns of the tables of :func:`sobol_indices` and :func:`sobol_sensitivity`.

# ------------------------------------------------------------------------------------------------- trial outputs


def main_comparison(spec: TrialSpec) -> tuple[str, str]:
    """Return the main endpoint and experimental arm of a design.

    The endpoint is the primary endpoint when it is a survival endpoint the design analyses, else the first
    analysed endpoint (CLEVER's primary endpoint is DTC clearance: RFS); the arm is the last experimental arm
    (CLEVER: HCQ + everolimus).
    """
    endpoints = list(spec.analysis.endpoints)
    primary = spec.analysis.primary_endpoint
    endpoint = primary if primary in endpoints else endpoints[0]
    arm = [a.name for a in spec.arms if a.name != spec.control_arm][-1]
    return endpoint, arm


def untreated_twin(spec: TrialSpec, arm: str) -> TrialSpec:
    """Return ``spec`` with ``arm``'s strategy removed (standard care only): the same patients, untreated.

    Screening, enrolment, randomisation, entry and follow-up do not depend on the arms' strategies, so with the same
    seed the arm holds the same patients; their histories are the untreated ones (common random numbers).
    """
    from dormancy.trials.spec import trial_from_dict

    data = spec.to_dict()
    data["arms"] = [{**a, "strategy": None} if a["name"] == arm else a for a in data["arms"]]
    return trial_from_dict(data, source=f"{spec.name} ({arm} untreated)")


def _arm_table(result, arm: str) -> pd.DataFrame:
    patients = result.patients
    patients = patients[patients["status"] == "ok"] if "status" in patients else patients
    return patients[patients["arm"].to_numpy(str) == arm].sort_values("patient").reset_index(drop=True)


def _negative_fraction(table: pd.DataFrame, assessment: str) -> float:
    column = table[f"dtc_{assessment}"].to_numpy(str)
    done = column != "not done"
    return float(np.sum(done & (column == "negative")) / done.sum()) if done.any() else math.nan


def trial_outputs(
    values: Mapping[str, float],
    *,
    spec: TrialSpec,
    seed: int,
    endpoint: str | None = None,
    arm: str | None = None,
) -> dict[str, float]:
    r"""Run one replicate of ``spec`` with the parameter overrides ``values`` and return its outputs.

    The replicate is run twice with the same seed: as designed, and with the experimental arm untreated
    (:func:`untreated_twin`). The arm then holds the same patients in both runs, so the treatment's effect is
    measured on each patient against herself (a counterfactual comparison no real trial can make), free of the
    sampling noise between randomised arms.

    Parameters
    ----------
    values : mapping of str to float
        Registry overrides (each inside its prior).
    spec : TrialSpec
        The trial (usually a design with a large enrolment target, :meth:`TrialSpec.with_target`).
    seed : int
        The trial's seed (the same at every parameter point: common random numbers).
    endpoint, arm : str, optional
        The comparison (default :func:`main_comparison`).

    Returns
    -------
    dict
        ``log_hr``: log Cox hazard ratio of the arm's patients treated against the same patients untreated (the
        expected effect of the treatment, :math:`\log \mathrm{HR}`); ``log_hr_trial``: the randomised comparison,
        arm against the control arm, as the trial analyses it (with its between-arm sampling noise); ``events``
        (the arm's patients, untreated); per assessment ``dtc_negative_difference.<name>``: the arm's DTC-negative
        aspirate fraction treated minus untreated (same patients, same aspirate draws).
    """
    from dormancy.trials.analysis import compare_groups
    from dormancy.trials.engine import run_trial

    default_endpoint, default_arm = main_comparison(spec)
    endpoint, arm = endpoint or default_endpoint, arm or default_arm
    result = run_trial(spec, seed=int(seed), replicates=1, parameters=dict(values))
    twin = run_trial(untreated_twin(spec, arm), seed=int(seed), replicates=1, parameters=dict(values))
    treated, untreated = _arm_table(result, arm), _arm_table(twin, arm)
    if not np.array_equal(treated["patient"].to_numpy(), untreated["patient"].to_numpy()):
        raise RuntimeError("the untreated twin enrolled other patients in the arm")  # an engine invariant broke
    time, event = f"{endpoint}_years", f"{endpoint}_event"
    both = pd.concat([treated, untreated], ignore_index=True)
    paired = compare_groups(both[time].to_numpy(float), both[event].to_numpy(bool), np.arange(len(both)) < len(treated))
    patients = result.patients
    patients = patients[patients["status"] == "ok"] if "status" in patients else patients
    names = patients["arm"].to_numpy(str)
    pair = (names == spec.control_arm) | (names == arm)
    randomised = compare_groups(
        patients[time].to_numpy(float)[pair], patients[event].to_numpy(bool)[pair], (names == arm)[pair]
    )
    out = {
        "log_hr": math.log(paired.hazard_ratio) if paired.hazard_ratio > 0 else math.nan,
        "log_hr_trial": math.log(randomised.hazard_ratio) if randomised.hazard_ratio > 0 else math.nan,
        "events": float(paired.events_control),
    }
    for assessment in spec.assessments:
        difference = _negative_fraction(treated, assessment.name) - _negative_fraction(untreated, assessment.name)
        out[f"dtc_negative_difference.{assessment.name}"] = float(difference)
    return out


def _header(spec: TrialSpec, seed: int, endpoint: str, arm: str, kind: str, **more: Any) -> dict[str, Any]:
    from dormancy._version import __version__

    return {
        "kind": kind,
        "design": spec.name,
        "target": spec.enrolment.target,
        "seed": int(seed),
        "endpoint": endpoint,
        "arm": arm,
        "version": __version__,
        "outputs": "paired-v2",  # log_hr of the arm treated against itself untreated (v1: randomised only)
        **more,
    }


def sobol_sensitivity(
    design: str | TrialSpec,
    *,
    parameters: Sequence[str] | pd.DataFrame,
    n_base: int,
    seed: int,
    target: int | None = None,
    trial_seed: int | None = None,
    endpoint: str | None = None,
    arm: str | None = None,
    noise_seeds: int = 0,
    store: str | Path | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    num_resamples: int = 1000,
) -> pd.DataFrame:
    """Sobol indices of a virtual trial's main log hazard ratio (and DTC reduction) to assumption-only records.

    Parameters
    ----------
    design : str or TrialSpec
        A built-in design name (:func:`dormancy.trials.design_names`) or a spec.
    parameters : sequence of str or DataFrame
        The records to vary (e.g. the top of :func:`morris_screen`; :func:`assumption_parameters` lists them).
    n_base : int
        Base sample size ``N``: ``N (k + 2)`` trial runs for ``k`` parameters (plus ``noise_seeds``).
    seed : int
        Seeds the Sobol sequence and the bootstrap.
    target : int, optional
        Enrolment target of the one large replicate (default: the design's).
    trial_seed : int, optional
        The trial's seed, the same at every point (default ``seed``).
    endpoint, arm : str, optional
        The comparison (default :func:`main_comparison`).
    noise_seeds : int
        Also run the nominal point (registry values) with ``noise_seeds`` other trial seeds; the standard deviation
        of the outputs over them is the Monte-Carlo noise of one replicate of this size (``attrs["mc_sd"]``).
    store : path, optional
        JSON-lines file of completed trial runs (progress and resume; see :func:`evaluate_points`).
    executor, progress, num_resamples
        See :func:`sobol_indices`.

    Returns
    -------
    pandas.DataFrame
        :data:`INDEX_COLUMNS` per output (``log_hr``, ``dtc_negative_difference.<assessment>``) and parameter;
        ``attrs`` as :func:`sobol_indices` plus ``design``, ``target``, ``trial_seed``, ``endpoint``, ``arm``,
        ``mc_sd`` and ``output_sd`` per output (Monte-Carlo against parameter spread; NaN without noise seeds).

    Raises
    ------
    InputError
        For an unknown design or record, a bad size or seed, or a store of another run.
    """
    from dormancy.trials.spec import design_names, load_design

    if isinstance(design, str):
        if design not in design_names():
            raise InputError([Problem("design", f"one of {', '.join(design_names())}", repr(design))])
        spec = load_design(design)
    elif isinstance(design, TrialSpec):
        spec = design
    else:
        raise InputError([Problem("design", "a design name or a TrialSpec", type(design).__name__)])
    if target is not None:
        spec = spec.with_target(int(target))
    trial_seed = int(seed if trial_seed is None else trial_seed)
    default_endpoint, default_arm = main_comparison(spec)
    endpoint, arm = endpoint or default_endpoint, arm or default_arm
    if endpoint not in spec.analysis.endpoints or arm not in {a.name for a in spec.arms} - {spec.control_arm}:
        raise InputError([Problem("endpoint/arm", "an analysed endpoint and an experimental arm", f"{endpoint}/{arm}")])
    outputs = ["log_hr", "log_hr_trial"] + [f"dtc_negative_difference.{a.name}" for a in spec.assessments]
    bounds = _bounds(parameters)
    function = functools.partial(trial_outputs, spec=spec, seed=trial_seed, endpoint=endpoint, arm=arm)
    header = _header(spec, trial_seed, endpoint, arm, "sobol", n_base=int(n_base), sobol_seed=int(seed))
    header["parameters"] = [str(n) for n in bounds.index]
    table = sobol_indices(
        function,
        parameters=bounds,
        n_base=n_base,
        seed=seed,
        outputs=outputs,
        store=store,
        header=header,
        executor=executor,
        progress=progress,
        num_resamples=num_resamples,
    )
    attrs = dict(table.attrs)
    mc_sd = dict.fromkeys(outputs, math.nan)
    if noise_seeds:
        noise_store = None if store is None else Path(str(store) + ".noise")
        noise_header = _header(spec, trial_seed, endpoint, arm, "noise")
        runs = evaluate_points(
            lambda s: trial_outputs({}, spec=spec, seed=int(s["seed"]), endpoint=endpoint, arm=arm),
            [(f"seed-{trial_seed + j}", {"seed": float(trial_seed + j)}) for j in range(int(noise_seeds) + 1)],
            store=noise_store,
            header=noise_header,
        )
        for output in outputs:
            values = np.array([r.get(output, math.nan) for r in runs], float)
            mc_sd[output] = float(np.nanstd(values, ddof=1)) if np.isfinite(values).sum() > 1 else math.nan
    attrs.update(
        {
            "design": spec.name,
            "target": spec.enrolment.target,
            "trial_seed": trial_seed,
            "endpoint": endpoint,
            "arm": arm,
            "mc_sd": mc_sd,
            "output_sd": {k: math.sqrt(v) for k, v in attrs["variance"].items()},
        }
    )
    table.attrs = attrs
    return table


# --------------------------------------------------------------------------------------------- screen, then Sobol


def _top(morris: pd.DataFrame, top: int) -> list[str]:
    """Round-robin over the outputs' Morris rankings (``mu_star``, read records only) until ``top`` names.

    ``log_hr_trial`` (the randomised comparison, dominated by sampling noise) does not take part.
    """
    rankings = [
        part[part["max_abs"] > 0].sort_values("rank")["parameter"].tolist()
        for output, part in morris.groupby("output")
        if output != "log_hr_trial"
    ]
    chosen: list[str] = []
    for depth in range(max((len(r) for r in rankings), default=0)):
        for ranking in rankings:
            if depth < len(ranking) and ranking[depth] not in chosen and len(chosen) < top:
                chosen.append(ranking[depth])
    return chosen


def run_sensitivity(
    design: str | TrialSpec,
    *,
    folder: str | Path,
    seed: int,
    target: int | None = None,
    candidates: Sequence[str] | pd.DataFrame | None = None,
    trajectories: int = 2,
    top: int = 6,
    n_base: int = 16,
    noise_seeds: int = 4,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Screen the assumption-only records of a trial with Morris, then Sobol indices of the ``top`` ones.

    Writes into ``folder`` (created; re-running with the same options resumes): ``morris.jsonl`` and
    ``sobol.jsonl`` (+ ``.noise``), the completed trial runs; ``morris.csv`` (:func:`morris_screen`),
    ``sobol.csv`` (:func:`sobol_sensitivity`, with the records' ``value``, ``low``, ``high``, ``scale``) and
    ``run.json`` (sizes, trial runs, Monte-Carlo and parameter standard deviations per output).

    Parameters
    ----------
    design : str or TrialSpec
        The trial.
    folder : path
        Output folder.
    seed : int
        Seeds the Morris and Sobol designs and the trial (common random numbers at every point).
    target : int, optional
        Enrolment of the one large replicate per point (default: the design's).
    candidates : sequence of str or DataFrame, optional
        Records to screen (default :func:`assumption_parameters`).
    trajectories : int
        Morris trajectories (``trajectories × (k + 1)`` runs).
    top : int
        Records kept for Sobol (the largest ``mu_star`` of each output in turn, read records only).
    n_base : int
        Sobol base sample (``n_base × (top + 2)`` runs).
    noise_seeds : int
        Extra trial seeds at the nominal point for the Monte-Carlo noise.
    progress : callable, optional
        ``progress(stage, done, total)`` with stages ``"morris"``, ``"sobol"``.

    Returns
    -------
    dict
        ``{"morris": ..., "sobol": ...}`` tables.
    """
    from dormancy.trials.spec import design_names, load_design

    if isinstance(design, str):
        if design not in design_names():
            raise InputError([Problem("design", f"one of {', '.join(design_names())}", repr(design))])
        spec = load_design(design)
    else:
        spec = design
    if target is not None:
        spec = spec.with_target(int(target))
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    bounds = assumption_parameters() if candidates is None else _bounds(candidates)
    endpoint, arm = main_comparison(spec)
    outputs = ["log_hr", "log_hr_trial"] + [f"dtc_negative_difference.{a.name}" for a in spec.assessments]
    function = functools.partial(trial_outputs, spec=spec, seed=int(seed), endpoint=endpoint, arm=arm)
    header = _header(spec, seed, endpoint, arm, "morris", trajectories=int(trajectories))
    header["parameters"] = [str(n) for n in bounds.index]
    stage = None if progress is None else functools.partial(progress, "morris")
    morris = morris_screen(
        function,
        parameters=bounds,
        trajectories=trajectories,
        seed=seed,
        outputs=outputs,
        store=out / "morris.jsonl",
        header=header,
        progress=stage,
    )
    morris.to_csv(out / "morris.csv", index=False)
    chosen = _top(morris, int(top))
    stage = None if progress is None else functools.partial(progress, "sobol")
    sobol = sobol_sensitivity(
        spec,
        parameters=bounds.loc[chosen],
        n_base=n_base,
        seed=seed,
        noise_seeds=noise_seeds,
        store=out / "sobol.jsonl",
        progress=stage,
    )
    extra = bounds.loc[sobol["parameter"], ["value", "low", "high", "scale"]].reset_index(drop=True)
    table = pd.concat([sobol.reset_index(drop=True), extra], axis=1)
    table.to_csv(out / "sobol.csv", index=False)
    run = {
        "design": spec.name,
        "target": spec.enrolment.target,
        "seed": int(seed),
        "endpoint": endpoint,
        "arm": arm,
        "screened": len(bounds),
        "read": sorted(set(morris.loc[morris["max_abs"] > 0, "parameter"])),
        "trajectories": int(trajectories),
        "morris_runs": int(morris.attrs["evaluations"]),
        "sobol_parameters": chosen,
        "n_base": int(n_base),
        "sobol_runs": int(sobol.attrs["evaluations"]),
        "noise_runs": int(noise_seeds) + 1 if noise_seeds else 0,
        "mean": sobol.attrs["mean"],
        "output_sd": sobol.attrs["output_sd"],
        "mc_sd": sobol.attrs["mc_sd"],
        "nan": sobol.attrs["nan"],
    }
    (out / "run.json").write_text(json.dumps(run, indent=1) + "\n", encoding="utf-8")
    table.attrs = dict(sobol.attrs)
    return {"morris": morris, "sobol": table}
