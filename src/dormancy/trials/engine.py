"""Run a virtual trial: screen simulated survivors, enrol, randomise, treat, follow up, analyse; replicate it.

Replicate ``r`` screens its own candidates, patient ids ``r·C … (r+1)·C − 1`` with ``C = ceil(target ×
candidates_per_enrolled)``; a patient's history depends only on (seed, id), so replicates are independent trials,
replicate ``r``'s result does not depend on how many replicates run, and every replicate is simulated in one
vectorised call per step:

1. **Screening.** All candidates of all replicates are simulated untreated (standard care of the spec) in one
   :func:`dormancy.patients.simulate_cohort` call. Each gets a first screening time in the entry window and a
   follow-up length (counter-based draws, :mod:`dormancy.trials.allocation`). At a screening time she qualifies if
   she meets the covariate criteria then, has not recurred, and (when the trial selects on DTCs) her aspirate
   there is positive (or negative) — a measurement with false negatives (:func:`dormancy.patients.aspirate_positive`
   on the DTCs in her marrow then); with rescreening she is aspirated again at the interval while in the window.
2. **Enrolment and randomisation.** In id order, the first ``target`` qualifying candidates of each replicate are
   enrolled (fewer: the replicate is ``under-enrolled``), stratified and randomised by permuted blocks
   (:func:`dormancy.trials.allocation.randomise`, the replicate's own generator).
3. **Treatment.** Each arm's patients (all replicates together) are simulated again with the arm's strategy
   started at their entry time, and the DTCs in their marrow at each assessment. Before entry their histories are
   bit-identical to the screening run (common random numbers); a standard-care arm without assessments reuses the
   screening rows, which is the same thing.
4. **Endpoints and analyses** per replicate (:mod:`dormancy.trials.endpoints`, :mod:`dormancy.trials.analysis`):
   each arm against the control arm, Cox hazard ratio (95 % CI) and log-rank p on every endpoint, Kaplan–Meier
   survival, DTC clearance. Across replicates: the distribution of hazard ratios and p-values, and the power, the
   fraction of replicates with p < alpha.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from dormancy.errors import InputError, Problem
from dormancy.patients import CohortSpec, aspirate_positive, simulate_cohort
from dormancy.provenance import Manifest
from dormancy.results import Status
from dormancy.trials import allocation
from dormancy.trials.analysis import Comparison, clopper_pearson, compare_groups, cumulative_incidence, kaplan_meier
from dormancy.trials.endpoints import patient_endpoints
from dormancy.trials.spec import MAX_CANDIDATES, TrialSpec, resolve_strategy

__all__ = ["TrialResult", "power_by_size", "run_trial"]

DAYS_PER_YEAR = 365.25
ASSESSMENT_VISIT_OFFSET = 1000  # aspirate visit index of assessment j is 1000 + j (screening aspirates: 0, 1, ...)
FACTORS = ("er_status", "node_status", "menopausal_status")
COVARIATES = ("age_at_diagnosis", "subtype", "er_positive", "t_stage", "n_stage", "grade", "dtc_positive", "status")
Progress = Callable[[str, int, int], None]


def _aspirate(marrow_dtcs, *, seed: int, patient_ids, visit: int, parameters) -> NDArray[np.bool_]:
    counts = np.asarray(pd.array(marrow_dtcs, dtype="Int64").fillna(-1), dtype=np.int64)  # missing: no aspirate
    return np.asarray(
        aspirate_positive(counts, seed=seed, patient_ids=np.asarray(patient_ids), visit=visit, parameters=parameters),
        dtype=bool,
    )


@dataclass(frozen=True)
class TrialResult:
    """A virtual trial run: per-patient tables, per-replicate analyses and their summaries.

    Parameters
    ----------
    spec : TrialSpec
        The trial.
    seed, replicates : int
        Seed and number of replicate trials.
    patients : pandas.DataFrame
        One row per enrolled patient: ``replicate``, ``patient`` (id), ``arm``, ``stratum``, ``entry_years``
        (after diagnosis), ``follow_up_years``, covariates, ``<endpoint>_years`` / ``<endpoint>_event`` (from entry),
        ``dtc_<assessment>`` (``"positive"``, ``"negative"`` or ``"not done"``: what the aspirate shows),
        ``marrow_dtcs_<assessment>`` (the DTCs really in the marrow then: the model's truth, which no real trial
        sees; NaN when not assessed), ``status`` of the simulation
        (``"ok"``; others are left out of the analyses).
    comparisons : pandas.DataFrame
        Per replicate, endpoint and experimental arm against the control: ``hazard_ratio``, ``ci_low``,
        ``ci_high``, ``p_value`` (log-rank), events and patients per arm.
    survival : pandas.DataFrame
        Per replicate, endpoint and arm: Kaplan–Meier survival at ``spec.analysis.horizon_years``.
    curves : pandas.DataFrame
        Kaplan–Meier curves on a grid, per endpoint and arm: median and 2.5 / 97.5 percentiles over replicates.
    clearance : pandas.DataFrame
        Per replicate, arm and assessment: aspirates done, negative, the negative proportion and Fisher's exact
        p against the control arm.
    screening : pandas.DataFrame
        Per replicate: candidates, aspirated, qualifying, enrolled and the replicate's status.
    manifest : Manifest
        Provenance (spec, parameter records, seed, replicates, versions).
    status : str
        ``"ok"``, or ``"under-enrolled"`` when a replicate could not reach the target.
    competing : pandas.DataFrame
        Per replicate and arm, at ``spec.analysis.horizon_years`` after entry (columns ``replicate``, ``arm``,
        ``measure``, ``value``): ``os`` and ``bcss`` (Kaplan–Meier), and the Aalen–Johansen cumulative incidences
        ``cif_distant`` and ``cif_death_without_distant`` (first event: distant recurrence against death before
        it), ``cif_breast_cancer_death`` and ``cif_other_death`` (:data:`COMPETING_MEASURES`).
    """

    spec: TrialSpec
    seed: int
    replicates: int
    patients: pd.DataFrame
    comparisons: pd.DataFrame
    survival: pd.DataFrame
    curves: pd.DataFrame
    clearance: pd.DataFrame
    screening: pd.DataFrame
    manifest: Manifest
    status: str = "ok"
    competing: pd.DataFrame = dataclasses.field(
        default_factory=lambda: pd.DataFrame(columns=["replicate", "arm", "measure", "value"])
    )

    def summary(self) -> pd.DataFrame:
        """Per endpoint, experimental arm and subgroup: hazard ratios over replicates and the power at ``alpha``.

        Columns ``endpoint``, ``arm``, ``control``, ``subgroup`` (``"all"`` or ``"factor=level"``), ``replicates``,
        ``hr_median``, ``hr_low``, ``hr_high`` (2.5 and 97.5 percentiles over replicates), ``p_median``, ``power``
        (fraction of replicates with log-rank p < alpha; NaN p counts as not significant), ``events_experimental``
        and ``events_control`` (means), and ``hr_pooled``, ``hr_pooled_low``, ``hr_pooled_high``: the Cox hazard
        ratio of all replicates' patients pooled (one trial of ``replicates`` times the size, stratified by nothing:
        the model's predicted hazard ratio, its interval shrinking with the number of replicates).
        """
        alpha = self.spec.analysis.alpha
        rows = []
        patients = self.patients[self.patients["status"] == "ok"]
        control = patients["arm"].to_numpy(str) == self.spec.control_arm
        for (endpoint, arm, subgroup), part in self.comparisons.groupby(["endpoint", "arm", "subgroup"], sort=False):
            hr = part["hazard_ratio"].to_numpy(float)
            finite = hr[np.isfinite(hr)]
            pair = control | (patients["arm"].to_numpy(str) == arm)
            if subgroup != "all":
                factor, _, level = subgroup.partition("=")
                pair &= patients[factor].to_numpy(str) == level
            pooled = compare_groups(
                patients[f"{endpoint}_years"].to_numpy(float)[pair],
                patients[f"{endpoint}_event"].to_numpy(bool)[pair],
                ~control[pair],
            )
            rows.append(
                {
                    "endpoint": endpoint,
                    "arm": arm,
                    "control": self.spec.control_arm,
                    "subgroup": subgroup,
                    "replicates": len(part),
                    "hr_median": float(np.median(finite)) if finite.size else math.nan,
                    "hr_low": float(np.percentile(finite, 2.5)) if finite.size else math.nan,
                    "hr_high": float(np.percentile(finite, 97.5)) if finite.size else math.nan,
                    "p_median": float(np.nanmedian(part["p_value"])) if part["p_value"].notna().any() else math.nan,
                    "power": float(np.mean(part["p_value"].to_numpy(float) < alpha)),
                    "events_experimental": float(part["events_experimental"].mean()),
                    "events_control": float(part["events_control"].mean()),
                    "hr_pooled": pooled.hazard_ratio,
                    "hr_pooled_low": pooled.ci_low,
                    "hr_pooled_high": pooled.ci_high,
                }
            )
        frame = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
        return frame if rows else frame.astype(dict.fromkeys(SUMMARY_COLUMNS[4:], float))

    def survival_summary(self) -> pd.DataFrame:
        """Per endpoint and arm: Kaplan–Meier survival at the horizon, median and 95 % range over replicates."""
        grouped = self.survival.groupby(["endpoint", "arm"], sort=False)["survival"]
        return grouped.agg(
            median="median", low=lambda s: s.quantile(0.025), high=lambda s: s.quantile(0.975)
        ).reset_index()

    def competing_summary(self) -> pd.DataFrame:
        """Per measure of ``competing`` and arm: the median and the 2.5 / 97.5 percentiles over replicates."""
        grouped = self.competing.groupby(["measure", "arm"], sort=False)["value"]
        return grouped.agg(
            median="median", low=lambda s: s.quantile(0.025), high=lambda s: s.quantile(0.975)
        ).reset_index()

    def clearance_summary(self) -> pd.DataFrame:
        """Per arm and assessment: pooled negative proportion (exact 95 % CI) and the 95 % range over replicates.

        ``power``: fraction of replicates in which the arm's negative proportion differs from the control arm's by
        Fisher's exact test (two-sided) at ``alpha`` (NaN for the control arm).
        """
        alpha = self.spec.analysis.alpha
        rows = []
        for (arm, assessment), part in self.clearance.groupby(["arm", "assessment"], sort=False):
            pooled, low, high = clopper_pearson(int(part["negative"].sum()), int(part["aspirated"].sum()))
            per_replicate = part["proportion"].dropna()
            rows.append(
                {
                    "arm": arm,
                    "assessment": assessment,
                    "aspirated": int(part["aspirated"].sum()),
                    "negative": int(part["negative"].sum()),
                    "proportion": pooled,
                    "ci_low": low,
                    "ci_high": high,
                    "replicate_low": float(per_replicate.quantile(0.025)) if len(per_replicate) else math.nan,
                    "replicate_high": float(per_replicate.quantile(0.975)) if len(per_replicate) else math.nan,
                    "power": math.nan
                    if arm == self.spec.control_arm
                    else float(np.mean(part["p_value"].to_numpy(float) < alpha)),
                }
            )
        frame = pd.DataFrame(rows, columns=CLEARANCE_SUMMARY_COLUMNS)
        return frame if rows else frame.astype(dict.fromkeys(CLEARANCE_SUMMARY_COLUMNS[2:], float))


#: Measures of ``TrialResult.competing``.
COMPETING_MEASURES: tuple[str, ...] = (
    "os",
    "bcss",
    "cif_distant",
    "cif_death_without_distant",
    "cif_breast_cancer_death",
    "cif_other_death",
)
SUMMARY_COLUMNS = (
    "endpoint",
    "arm",
    "control",
    "subgroup",
    "replicates",
    "hr_median",
    "hr_low",
    "hr_high",
    "p_median",
    "power",
    "events_experimental",
    "events_control",
    "hr_pooled",
    "hr_pooled_low",
    "hr_pooled_high",
)
CLEARANCE_SUMMARY_COLUMNS = (
    "arm",
    "assessment",
    "aspirated",
    "negative",
    "proportion",
    "ci_low",
    "ci_high",
    "replicate_low",
    "replicate_high",
    "power",
)


def _check_run(seed: object, replicates: object) -> None:
    problems = []
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        problems.append(Problem("seed", "a non-negative integer", repr(seed)))
    if isinstance(replicates, bool) or not isinstance(replicates, int | np.integer) or not 1 <= replicates <= 100_000:
        problems.append(Problem("replicates", "an integer in [1, 100000]", repr(replicates)))
    if problems:
        raise InputError(problems)


def _screen(spec: TrialSpec, seed: int, replicates: int, parameters, simulation, progress: Progress | None):
    """Simulate and screen every candidate; return the table, entry times, follow-up and qualification."""
    candidates = math.ceil(spec.enrolment.target * spec.screening.candidates_per_enrolled)
    total = candidates * replicates
    if total > MAX_CANDIDATES:
        raise InputError(
            [Problem("replicates", f"at most {MAX_CANDIDATES} screened candidates in all", f"{total} candidates")]
        )
    ids = np.arange(total, dtype=np.int64)
    first, follow = allocation.draw_entry_and_follow_up(seed, ids, spec.eligibility, spec.follow_up)
    times = allocation.screening_times(first, spec.eligibility, spec.screening)
    cohort = CohortSpec(
        total,
        followup_years=min(40.0, spec.eligibility.years_since_diagnosis[1] + spec.follow_up.max_years + 0.1),
        population=spec.population_spec(),
        care=spec.care_spec(),
    )
    report = None if progress is None else (lambda done, n: progress("screening", done, n))
    selects_dtcs = spec.eligibility.dtc_status != "any"
    options: dict[str, Any] = {"seed": seed, "parameters": parameters, "progress": report, **simulation}
    if selects_dtcs:
        result = simulate_cohort(cohort, patient_ids=ids, visits_years=times, **options)
    else:
        result = simulate_cohort(cohort, **options)
    table = result.table
    entry = np.full(total, np.nan)
    aspirated = np.zeros(total, dtype=bool)
    for column in range(times.shape[1]):
        time = times[:, column]
        waiting = np.isnan(entry) & ~np.isnan(time)
        eligible = waiting & allocation.covariates_eligible(table, np.nan_to_num(time), spec.eligibility)
        if selects_dtcs:
            visits = result.visits
            visit = visits[visits["visit"] == column].set_index("patient").reindex(ids)
            positive = _aspirate(
                visit["marrow_dtcs"],
                seed=seed,
                patient_ids=ids,
                visit=column,
                parameters=parameters,
            )
            aspirated |= eligible
            eligible &= positive == (spec.eligibility.dtc_status == "positive")
        entry = np.where(eligible, time, entry)
    return table, result.manifest, entry, follow, aspirated, candidates


def _enrol(spec: TrialSpec, seed: int, replicates: int, table, entry, aspirated, candidates):
    """Enrolled rows (index into the candidates), their arm and stratum; per-replicate screening counts."""
    qualifying = ~np.isnan(entry)
    ratios = [arm.ratio for arm in spec.arms]
    rows, arms, labels, screened = [], [], [], []
    target = spec.enrolment.target
    for replicate in range(replicates):
        block = slice(replicate * candidates, (replicate + 1) * candidates)
        chosen = np.flatnonzero(qualifying[block])[:target] + replicate * candidates
        stratum = allocation.strata(table.iloc[chosen], entry[chosen], spec.randomisation.stratify_by)
        generator = allocation.randomisation_generator(seed, replicate)
        arms.append(allocation.randomise(stratum, ratios, spec.randomisation.block_multiplier, generator))
        rows.append(chosen)
        labels.append(stratum)
        screened.append(
            {
                "replicate": replicate,
                "candidates": candidates,
                "aspirated": int(aspirated[block].sum()),
                "qualifying": int(qualifying[block].sum()),
                "enrolled": len(chosen),
                "status": Status.OK.value if len(chosen) == target else Status.UNDER_ENROLLED.value,
            }
        )
    return np.concatenate(rows), np.concatenate(arms), np.concatenate(labels), pd.DataFrame(screened)


def _treat(spec: TrialSpec, seed: int, parameters, simulation, progress, screening_table, rows, arm_index, entry):
    """Per-arm tables of the enrolled patients (treated from entry) and their assessment aspirates."""
    n = len(rows)
    tables: list[pd.DataFrame | None] = [None] * n
    table_rows = np.empty(n, dtype=object)
    assessments = np.full((n, len(spec.assessments)), "not done", dtype=object)
    marrow = np.full((n, len(spec.assessments)), np.nan)
    offsets = np.array([a.days_after_entry / DAYS_PER_YEAR for a in spec.assessments])
    for k, arm in enumerate(spec.arms):
        members = np.flatnonzero(arm_index == k)
        if members.size == 0:
            continue
        ids = screening_table["patient"].to_numpy(np.int64)[rows[members]]
        if arm.strategy is None and not spec.assessments:
            part = screening_table.iloc[rows[members]]
        else:
            cohort = CohortSpec(
                int(members.size),
                followup_years=min(40.0, spec.eligibility.years_since_diagnosis[1] + spec.follow_up.max_years + 0.1),
                population=spec.population_spec(),
                care=spec.care_spec(),
            )
            visits_years = entry[rows[members]][:, None] + offsets[None, :] if spec.assessments else None
            report = (
                None if progress is None else (lambda done, total, name=arm.name: progress(f"arm {name}", done, total))
            )
            result = simulate_cohort(
                cohort,
                seed=seed,
                parameters=parameters,
                progress=report,
                patient_ids=ids,
                **simulation,
                treatment=resolve_strategy(arm.strategy, where=f"arms.{k}.strategy"),
                treatment_start_years=entry[rows[members]],
                visits_years=visits_years,
            )
            part = result.table
            if spec.assessments:
                visits = result.visits
                died = part.set_index("patient").reindex(ids)["death_years"].to_numpy(float)
                for j in range(len(spec.assessments)):
                    visit = visits[visits["visit"] == j].set_index("patient").reindex(ids)
                    done = ~visit["recurred_before"].fillna(True).to_numpy(bool)
                    done &= ~(died <= visit["time_years"].to_numpy(float))  # no aspirate after death
                    positive = _aspirate(
                        visit["marrow_dtcs"],
                        seed=seed,
                        patient_ids=ids,
                        visit=ASSESSMENT_VISIT_OFFSET + j,
                        parameters=parameters,
                    )
                    assessments[members, j] = np.where(done, np.where(positive, "positive", "negative"), "not done")
                    counts = pd.array(visit["marrow_dtcs"], dtype="Int64").to_numpy(dtype=float, na_value=np.nan)
                    marrow[members, j] = np.where(done, counts, np.nan)
        for position, member in enumerate(members):
            table_rows[member] = position
        tables[k] = part.reset_index(drop=True)
    return tables, table_rows, (assessments, marrow)


def _patients_table(spec, rows, arm_index, strata, entry, follow, tables, table_rows, assessments, candidates):
    parts = []
    for k, arm in enumerate(spec.arms):
        members = np.flatnonzero(arm_index == k)
        if members.size == 0:
            continue
        part = tables[k].iloc[table_rows[members].astype(np.int64)].reset_index(drop=True)
        frame = pd.DataFrame(
            {
                "replicate": rows[members] // candidates,
                "patient": part["patient"].to_numpy(np.int64),
                "arm": arm.name,
                "stratum": strata[members],
                "entry_years": entry[rows[members]],
                "follow_up_years": follow[rows[members]],
                "order": members,
            }
        )
        for factor in FACTORS:
            frame[factor] = allocation.strata(part, frame["entry_years"].to_numpy(), [factor]).astype(str)
            frame[factor] = frame[factor].str.removeprefix(f"{factor}=")
        for column in COVARIATES:
            frame[column] = part[column].to_numpy()
        frame = pd.concat([frame, patient_endpoints(part, frame["entry_years"], frame["follow_up_years"])], axis=1)
        for j, assessment in enumerate(spec.assessments):
            frame[f"dtc_{assessment.name}"] = assessments[0][members, j]
            frame[f"marrow_dtcs_{assessment.name}"] = assessments[1][members, j]
        parts.append(frame)
    table = pd.concat(parts, ignore_index=True).sort_values("order", kind="stable").drop(columns="order")
    return table.reset_index(drop=True)


def _analyse(spec: TrialSpec, patients: pd.DataFrame, replicates: int, progress: Progress | None):
    endpoints = spec.analysis.endpoints
    control = spec.control_arm
    grid = np.linspace(0.0, spec.follow_up.max_years, 61)
    comparisons, survival, clearance, competing = [], [], [], []
    curves: dict[tuple[str, str], list[NDArray[np.float64]]] = {}
    subgroups = [("all", None, None)] + [
        (f"{factor}={level}", factor, level)
        for factor in spec.analysis.subgroups
        for level in sorted(patients[factor].unique())
    ]
    analysed = patients[patients["status"] == "ok"]  # a failed simulation is data, not an outcome
    for replicate, part in analysed.groupby("replicate", sort=True):
        arm = part["arm"].to_numpy(str)
        for endpoint in endpoints:
            time = part[f"{endpoint}_years"].to_numpy(float)
            event = part[f"{endpoint}_event"].to_numpy(bool)
            for candidate in spec.arms:
                mask = arm == candidate.name
                curve = kaplan_meier(time[mask], event[mask], grid)
                curves.setdefault((endpoint, candidate.name), []).append(curve)
                at_horizon = kaplan_meier(time[mask], event[mask], np.array([spec.analysis.horizon_years]))[0]
                survival.append(
                    {"replicate": replicate, "endpoint": endpoint, "arm": candidate.name, "survival": at_horizon}
                )
                if candidate.name == control:
                    continue
                for subgroup, factor, level in subgroups:
                    pair = mask | (arm == control)
                    if factor is not None:
                        pair &= part[factor].to_numpy(str) == level
                    result = compare_groups(time[pair], event[pair], mask[pair])
                    comparisons.append(
                        {
                            "replicate": replicate,
                            "endpoint": endpoint,
                            "arm": candidate.name,
                            "control": control,
                            "subgroup": subgroup,
                        }
                        | result.__dict__
                    )
        competing.extend(_competing(part, spec, replicate))
        for assessment in spec.assessments:
            values = part[f"dtc_{assessment.name}"].to_numpy(str)
            done_control = int(np.sum((arm == control) & (values != "not done")))
            negative_control = int(np.sum((arm == control) & (values == "negative")))
            for candidate in spec.arms:
                mask = arm == candidate.name
                done = int(np.sum(mask & (values != "not done")))
                negative = int(np.sum(mask & (values == "negative")))
                p_value = math.nan
                if candidate.name != control and done and done_control:
                    table = [[negative, done - negative], [negative_control, done_control - negative_control]]
                    p_value = float(stats.fisher_exact(table).pvalue)
                clearance.append(
                    {
                        "replicate": replicate,
                        "arm": candidate.name,
                        "assessment": assessment.name,
                        "aspirated": done,
                        "negative": negative,
                        "proportion": negative / done if done else math.nan,
                        "p_value": p_value,
                    }
                )
        if progress is not None:
            progress("analysis", int(replicate) + 1, replicates)
    curve_rows = []
    for (endpoint, arm), stack in curves.items():
        values = np.vstack(stack)
        with np.errstate(all="ignore"):
            quantiles = np.nanpercentile(values, [50.0, 2.5, 97.5], axis=0) if np.isfinite(values).any() else None
        for index, time in enumerate(grid):
            median, low, high = (math.nan,) * 3 if quantiles is None else quantiles[:, index]
            curve_rows.append(
                {"endpoint": endpoint, "arm": arm, "years": time, "median": median, "low": low, "high": high}
            )
    clearance_columns = ["replicate", "arm", "assessment", "aspirated", "negative", "proportion", "p_value"]
    return (
        pd.DataFrame(comparisons),
        pd.DataFrame(survival),
        pd.DataFrame(curve_rows),
        pd.DataFrame(clearance, columns=clearance_columns),
        pd.DataFrame(competing, columns=["replicate", "arm", "measure", "value"]),
    )


def _competing(part: pd.DataFrame, spec: TrialSpec, replicate: int) -> list[dict[str, object]]:
    """Rows of ``TrialResult.competing`` for one replicate: OS, BCSS and the four incidences per arm at the horizon."""
    horizon = np.array([spec.analysis.horizon_years])
    arm = part["arm"].to_numpy(str)
    distant_time, distant = part["ddfs_years"].to_numpy(float), part["ddfs_event"].to_numpy(bool)
    death_time, dead = part["os_years"].to_numpy(float), part["os_event"].to_numpy(bool)
    cancer = part["bcss_event"].to_numpy(bool)
    # ddfs is censored at death: without a distant recurrence by then, a death at that time is death without it
    first_cause = np.where(distant, 1, np.where(dead & (death_time <= distant_time), 2, 0))
    death_cause = np.where(dead, np.where(cancer, 1, 2), 0)
    rows = []
    for candidate in spec.arms:
        mask = arm == candidate.name
        values = {
            "os": kaplan_meier(death_time[mask], dead[mask], horizon)[0],
            "bcss": kaplan_meier(death_time[mask], cancer[mask], horizon)[0],
        }
        first = cumulative_incidence(distant_time[mask], first_cause[mask], horizon)[:, 0]
        cause = cumulative_incidence(death_time[mask], death_cause[mask], horizon)[:, 0]
        values |= {"cif_distant": first[0], "cif_death_without_distant": first[1]}
        values |= {"cif_breast_cancer_death": cause[0], "cif_other_death": cause[1]}
        rows += [
            {"replicate": replicate, "arm": candidate.name, "measure": name, "value": float(value)}
            for name, value in values.items()
        ]
    return rows


def _empty_result(spec, seed, replicates, parameters, screened, screening_manifest, candidates) -> TrialResult:
    """Return the result of a trial in which no candidate was eligible: status ``under-enrolled``, empty tables."""

    def empty(text: list[str], numbers: list[str]) -> pd.DataFrame:
        return pd.DataFrame(
            {**{c: pd.Series(dtype=object) for c in text}, **{c: pd.Series(dtype=float) for c in numbers}}
        )

    patients = empty(
        ["arm", "stratum", "status", "message"], ["replicate", "patient", "entry_years", "follow_up_years"]
    )
    numbers = [f.name for f in dataclasses.fields(Comparison)]
    comparisons = empty(["endpoint", "arm", "control", "subgroup"], ["replicate", *numbers])
    survival = empty(["endpoint", "arm"], ["replicate", "survival"])
    curves = empty(["endpoint", "arm"], ["years", "median", "low", "high"])
    clearance = empty(["arm", "assessment"], ["replicate", "aspirated", "negative", "proportion", "p_value"])
    status = Status.UNDER_ENROLLED.value
    manifest = Manifest.create(
        model="dormancy.trials (virtual clinical trial)",
        scenario={"trial": spec.to_dict(), "replicates": replicates, "parameter_overrides": dict(parameters or {})},
        parameters=screening_manifest.parameters,
        seed=seed,
        settings={
            "candidates_per_replicate": candidates,
            "patients_model": screening_manifest.model,
            "patients_settings": screening_manifest.settings,
            "status": status,
            "under_enrolled_replicates": len(screened),
        },
    )
    return TrialResult(
        spec, seed, replicates, patients, comparisons, survival, curves, clearance, screened, manifest, status
    )


def run_trial(
    spec: TrialSpec,
    *,
    seed: int,
    replicates: int = 1,
    parameters: Mapping[str, float] | None = None,
    scheduler: str | Any | None = None,
    chunk_size: int = 65536,
    progress: Progress | None = None,
) -> TrialResult:
    """Run ``replicates`` independent virtual trials of ``spec``.

    Parameters
    ----------
    spec : TrialSpec
        The trial (:func:`dormancy.trials.load_trial`, :func:`dormancy.trials.load_design`).
    seed : int
        Non-negative seed; replicate ``r`` depends only on (seed, r, spec), not on the number of replicates, the
        scheduler or the number of workers.
    replicates : int
        Number of replicate trials.
    parameters : mapping, optional
        Registry overrides for the patient model (see :func:`dormancy.patients.simulate_cohort`).
    scheduler : optional
        Passed to :func:`dormancy.patients.simulate_cohort` (Dask address, client or cluster).
    chunk_size : int
        Patients per chunk of :func:`dormancy.patients.simulate_cohort` (memory and task size; same results).
    progress : callable, optional
        Called as ``progress(stage, done, total)``; stages ``"screening"``, ``"arm <name>"``, ``"analysis"``.

    Returns
    -------
    TrialResult
        With ``status`` ``"ok"`` or ``"under-enrolled"``.

    Raises
    ------
    InputError
        For a bad seed or replicate count, or too many candidates.
    """
    _check_run(seed, replicates)
    if not isinstance(spec, TrialSpec):
        raise InputError([Problem("spec", "a TrialSpec", type(spec).__name__)])
    seed, replicates = int(seed), int(replicates)
    simulation = {"scheduler": scheduler, "chunk_size": chunk_size}
    table, screening_manifest, entry, follow, aspirated, candidates = _screen(
        spec, seed, replicates, parameters, simulation, progress
    )
    rows, arm_index, strata, screened = _enrol(spec, seed, replicates, table, entry, aspirated, candidates)
    if rows.size == 0:  # nobody eligible in any replicate: an under-enrolled result with empty tables, not an error
        return _empty_result(spec, seed, replicates, parameters, screened, screening_manifest, candidates)
    treated = _treat(spec, seed, parameters, simulation, progress, table, rows, arm_index, entry)
    tables, table_rows, assessments = treated
    patients = _patients_table(
        spec, rows, arm_index, strata, entry, follow, tables, table_rows, assessments, candidates
    )
    comparisons, survival, curves, clearance, competing = _analyse(spec, patients, replicates, progress)
    status = Status.OK.value if (screened["status"] == Status.OK).all() else Status.UNDER_ENROLLED.value
    manifest = Manifest.create(
        model="dormancy.trials (virtual clinical trial)",
        scenario={"trial": spec.to_dict(), "replicates": replicates, "parameter_overrides": dict(parameters or {})},
        parameters=screening_manifest.parameters,
        seed=seed,
        settings={
            "candidates_per_replicate": candidates,
            "patients_model": screening_manifest.model,
            "patients_settings": screening_manifest.settings,
            "status": status,
            "under_enrolled_replicates": int((screened["status"] != "ok").sum()),
        },
    )
    return TrialResult(
        spec,
        seed,
        replicates,
        patients,
        comparisons,
        survival,
        curves,
        clearance,
        screened,
        manifest,
        status,
        competing,
    )


def power_by_size(
    spec: TrialSpec,
    sizes: Sequence[int],
    *,
    seed: int,
    replicates: int,
    parameters: Mapping[str, float] | None = None,
    scheduler: str | Any | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Power by simulation at several enrolment targets (sample size by simulation).

    Each size is a separate run of :func:`run_trial` with that target (same seed; a larger trial screens more
    candidates per replicate).

    Returns
    -------
    pandas.DataFrame
        Per size, endpoint, experimental arm and subgroup: ``enrolled`` (the target), ``endpoint``, ``arm``,
        ``subgroup``, ``power`` and ``hr_median``; DTC clearance appears as endpoint ``dtc_clearance.<assessment>``
        (power by Fisher's exact test, no hazard ratio).
    """
    if not sizes or any(isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2 for n in sizes):
        raise InputError([Problem("sizes", "one or more enrolment targets, integers >= 2", repr(list(sizes)))])
    frames = []
    for size in sizes:
        result = run_trial(
            spec.with_target(int(size)),
            seed=seed,
            replicates=replicates,
            parameters=parameters,
            scheduler=scheduler,
            progress=progress,
        )
        frame = result.summary()[["endpoint", "arm", "subgroup", "power", "hr_median"]]
        if spec.assessments:
            clearance = result.clearance_summary()
            clearance = clearance[clearance["arm"] != spec.control_arm]
            frame = pd.concat(
                [
                    frame,
                    pd.DataFrame(
                        {
                            "endpoint": "dtc_clearance." + clearance["assessment"],
                            "arm": clearance["arm"],
                            "subgroup": "all",
                            "power": clearance["power"],
                            "hr_median": math.nan,
                        }
                    ),
                ],
                ignore_index=True,
            )
        frame.insert(0, "enrolled", int(size))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
