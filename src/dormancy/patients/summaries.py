"""Cohort statistics from per-patient tables, and their comparison with the calibration targets.

Every function takes the per-patient table of :func:`dormancy.patients.simulate_cohort` (columns fixed in the
interface: ``recurred``, ``recurrence_years``, ``followup_years``, ``recurrence_site``, ``er_positive``, ``t_stage``,
``n_stage``, ``grade``, ``dtc_positive``, ``dormant_at_5y``, ``micrometastases_at_10y``, ``escapes``, ``status``)
and uses only patients whose ``status`` is ``"ok"``. Time at risk of a patient ends at the first distant recurrence
or at the end of follow-up, except for the ``endpoint="any"`` statistics (Colleoni 2016's breast-cancer-free
interval): there the event is the first recurrence of any kind, distant, locoregional or contralateral
(``any_recurrence_years``, :mod:`dormancy.patients.locoregional`), and time at risk ends at it. A table without that
column (written before it existed) falls back to distant recurrence for them.

The annual hazard over ``[a, b)`` is the occurrence/exposure rate ``h = D / Y`` (``D`` recurrences in the interval,
``Y`` person-years at risk in it), the maximum-likelihood estimate of a hazard constant on the interval, and what
Colleoni 2016 reports as the annualised hazard. Cumulative recurrence uses the Kaplan-Meier estimator of lifelines.

Deaths (:mod:`dormancy.patients.survival`) are censoring events here, as in the sources (annual hazards and
Kaplan-Meier risks with deaths without recurrence censored): ``followup_years`` and ``end_of_followup_years`` end at
death, so each statistic is cause-specific. Survival and competing-risk incidences are in
:mod:`dormancy.patients.outcomes`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from dormancy.patients.sites import SUBTYPE_KEYS, first_site_shares
from dormancy.patients.targets import Target, load_targets

__all__ = [
    "annual_hazard",
    "association_differences",
    "bone_incidence",
    "bone_share",
    "compare_to_targets",
    "cumulative_recurrence",
    "er_crossover_year",
    "rate_ratio",
    "summarise",
    "willis_statistics",
]

STANDARD_INTERVALS: tuple[tuple[float, float], ...] = ((0, 5), (5, 10), (10, 15), (15, 20))
PAN_STRATA: tuple[str, ...] = ("T1N0", "T1N1-3", "T2N0", "T2N4-9")
#: ``distant``: first distant recurrence; ``any``: first recurrence of any kind (distant, locoregional, contralateral).
ENDPOINTS: tuple[str, ...] = ("distant", "any")


def _ok(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["status"] == "ok"] if "status" in table else table


def _events(table: pd.DataFrame, endpoint: str = "distant") -> tuple[np.ndarray, np.ndarray]:
    """Whether each patient had the event within follow-up, and the years to the end of her time at risk."""
    if endpoint not in ENDPOINTS:
        raise ValueError(f"endpoint must be one of {ENDPOINTS}; got {endpoint!r}")
    follow = table["followup_years"].to_numpy(float)
    if endpoint == "any" and "any_recurrence_years" in table:
        first = table["any_recurrence_years"].to_numpy(float)
        event = ~np.isnan(first)
        return event, np.where(event, first, follow)
    recurred = table["recurred"].to_numpy(bool)
    return recurred, np.where(recurred, table["recurrence_years"].to_numpy(float), follow)


def _exit_times(table: pd.DataFrame) -> np.ndarray:
    """Years from diagnosis to the end of time at risk: the first distant recurrence, else the end of follow-up."""
    return _events(table)[1]


def _events_and_exposure(
    table: pd.DataFrame, start: float, end: float, *, site: str | None = None, endpoint: str = "distant"
) -> tuple[int, float]:
    if site is not None and endpoint != "distant":
        raise ValueError("a recurrence site applies to the distant endpoint only")
    had_event, exit_years = _events(table, endpoint)
    event = had_event & (exit_years >= start) & (exit_years < end)
    if site is not None:
        event &= table["recurrence_site"].to_numpy(str) == site
    exposure = np.clip(np.minimum(exit_years, end) - start, 0.0, end - start)
    return int(event.sum()), float(exposure.sum())


def annual_hazard(
    table: pd.DataFrame,
    intervals: Iterable[tuple[float, float]] = STANDARD_INTERVALS,
    *,
    by: str | None = None,
    site: str | None = None,
    endpoint: str = "distant",
) -> pd.DataFrame:
    """Annual recurrence hazard ``D / Y`` per interval since diagnosis, optionally by subgroup.

    Parameters
    ----------
    table : pandas.DataFrame
        Per-patient table.
    intervals : iterable of (float, float)
        Intervals ``[start, end)`` in years since diagnosis.
    by : str, optional
        Column to group by (e.g. ``"er_positive"``, ``"dtc_positive"``, ``"t_stage"``).
    site : str, optional
        Count only recurrences at this first site (``"bone"`` or ``"other"``); exposure is unchanged. Distant
        endpoint only.
    endpoint : {"distant", "any"}
        The first distant recurrence, or the first recurrence of any kind (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        Columns ``group`` (when ``by``), ``start``, ``end`` (years), ``events``, ``person_years`` and
        ``hazard_percent`` (percent per year; NaN without exposure).
    """
    table = _ok(table)
    groups = [(None, table)] if by is None else list(table.groupby(by, sort=True))
    rows = []
    for group, part in groups:
        for start, end in intervals:
            events, exposure = _events_and_exposure(part, float(start), float(end), site=site, endpoint=endpoint)
            row = {"start": float(start), "end": float(end), "events": events, "person_years": exposure}
            row["hazard_percent"] = 100.0 * events / exposure if exposure > 0 else math.nan
            rows.append(row if by is None else {"group": group, **row})
    return pd.DataFrame(rows)


def er_crossover_year(
    table: pd.DataFrame, *, horizon_years: float = 20.0, persist: int = 3, endpoint: str = "distant"
) -> float:
    """Year at which the ER+ annual hazard overtakes the ER- hazard for good.

    Hazards on 1-year intervals; the crossover is in the first interval ``k >= 1`` where the difference
    ``h_ER+ - h_ER-`` turns from ``<= 0`` (interval ``k - 1``) to positive for ``persist`` intervals, placed by
    linear interpolation of the difference between the midpoints of intervals ``k - 1`` and ``k``. ``endpoint`` as
    in :func:`annual_hazard`.

    Returns
    -------
    float
        Years since diagnosis; NaN if there is no such crossover (ER+ never overtakes, or is above from the
        start), or a group is missing.
    """
    table = _ok(table)
    intervals = [(year, year + 1.0) for year in range(int(horizon_years))]
    by_group = annual_hazard(table, intervals, by="er_positive", endpoint=endpoint)
    if set(by_group["group"]) != {False, True}:
        return math.nan
    positive = by_group[by_group["group"]]["hazard_percent"].to_numpy()
    negative = by_group[~by_group["group"].astype(bool)]["hazard_percent"].to_numpy()
    difference = np.nan_to_num(positive - negative, nan=0.0)
    for k in range(1, len(difference) - persist + 1):
        if difference[k - 1] <= 0 and np.all(difference[k : k + persist] > 0):
            before, after = difference[k - 1], difference[k]
            return (k - 0.5) + float(-before / (after - before))
    return math.nan


def cumulative_recurrence(table: pd.DataFrame, *, landmark_years: float = 5.0, horizon_years: float = 20.0) -> float:
    """Kaplan-Meier cumulative distant recurrence from a landmark to a horizon, among those recurrence-free at it.

    Returns
    -------
    float
        ``100 (1 - S(horizon - landmark))`` in percent, with ``S`` the lifelines Kaplan-Meier survival of the
        patients at risk at ``landmark_years`` (time measured from the landmark); NaN if none are at risk.
    """
    from lifelines import KaplanMeierFitter  # imported here: lifelines takes ~0.5 s to import

    table = _ok(table)
    exit_years = _exit_times(table)
    at_risk = exit_years >= landmark_years
    if not at_risk.any():
        return math.nan
    durations = exit_years[at_risk] - landmark_years
    events = table["recurred"].to_numpy(bool)[at_risk]
    fitter = KaplanMeierFitter().fit(durations, event_observed=events)
    survival = float(fitter.survival_function_at_times(horizon_years - landmark_years).iloc[0])
    return 100.0 * (1.0 - survival)


def rate_ratio(table: pd.DataFrame, *, by: str = "dtc_positive", horizon_years: float = 10.0) -> float:
    """Incidence-rate ratio of distant recurrence within a horizon, ``(D1 / Y1) / (D0 / Y0)``, ``by`` True vs False.

    Returns
    -------
    float
        The ratio; NaN when a group has no exposure or the reference group no events.
    """
    table = _ok(table)
    flag = table[by].to_numpy(bool)
    events_1, exposure_1 = _events_and_exposure(table[flag], 0.0, horizon_years)
    events_0, exposure_0 = _events_and_exposure(table[~flag], 0.0, horizon_years)
    if exposure_1 <= 0 or exposure_0 <= 0 or events_0 == 0:
        return math.nan
    return (events_1 / exposure_1) / (events_0 / exposure_0)


def bone_share(table: pd.DataFrame) -> float:
    """Percent of first distant recurrences (within follow-up) whose site is bone; NaN without recurrences."""
    table = _ok(table)
    recurred = table["recurred"].to_numpy(bool)
    if not recurred.any():
        return math.nan
    return 100.0 * float(np.mean(table["recurrence_site"].to_numpy(str)[recurred] == "bone"))


def bone_incidence(table: pd.DataFrame, start: float, end: float) -> float:
    """First bone metastases (at any time) per 100 person-years at risk in ``[start, end)`` years.

    An open cohort's incidence (BMC Cancer 2010): a patient is at risk of a bone metastasis from diagnosis until
    her first bone metastasis (``bone_metastasis_years``, whether or not it was the first distant recurrence) or
    the end of follow-up (``end_of_followup_years``); a first recurrence elsewhere does not end her time at risk.
    A table without these columns (written before they existed) gives the first-site reading instead: bone as the
    site of the first distant recurrence, time at risk ending at the first recurrence (a lower bound).
    """
    table = _ok(table)
    if "bone_metastasis_years" not in table or "end_of_followup_years" not in table:
        events, exposure = _events_and_exposure(table, start, end, site="bone")
        return 100.0 * events / exposure if exposure > 0 else math.nan
    bone_years = table["bone_metastasis_years"].to_numpy(float)
    has_bone = ~np.isnan(bone_years)
    exit_years = np.where(has_bone, bone_years, table["end_of_followup_years"].to_numpy(float))
    events = int(np.sum(has_bone & (exit_years >= start) & (exit_years < end)))
    exposure = float(np.clip(np.minimum(exit_years, end) - start, 0.0, end - start).sum())
    return 100.0 * events / exposure if exposure > 0 else math.nan


def association_differences(table: pd.DataFrame) -> dict[str, float]:
    """DTC+ minus DTC- (by the aspirate): mean T stage, mean grade, node-positive and ER-negative fractions.

    Braun 2005: DTC+ tumours are larger, of higher grade, more often node-positive and hormone-receptor-negative,
    so every difference should be positive.
    """
    table = _ok(table)
    flag = table["dtc_positive"].to_numpy(bool)
    features = {
        "t_stage": table["t_stage"].str[1:].astype(float).to_numpy(),
        "grade": table["grade"].to_numpy(float),
        "node_positive": (table["n_stage"].to_numpy(str) != "N0").astype(float),
        "er_negative": (~table["er_positive"].to_numpy(bool)).astype(float),
    }
    if flag.all() or not flag.any():
        return {name: math.nan for name in features}
    return {name: float(values[flag].mean() - values[~flag].mean()) for name, values in features.items()}


def willis_statistics(table: pd.DataFrame) -> dict[str, float]:
    """Statistics for the Willis 2010 constraints (see the targets' notes for the reading of each).

    Returns
    -------
    dict
        ``micrometastases_at_10y``: mean micrometastases at 10 y among patients recurrence-free at 10 y carrying
        >= 1; ``escape_half_life_years``: ``ln 2 / h`` with ``h`` the annual recurrence hazard in years 5-20 of
        patients recurrence-free at 5 y with dormant DTCs then; ``mean_escapes``: mean escapes per patient.
    """
    table = _ok(table)
    exit_years = _exit_times(table)
    free_at_10 = exit_years >= 10.0
    micrometastases = table["micrometastases_at_10y"].to_numpy(float)[free_at_10]
    carriers = micrometastases[micrometastases >= 1]
    dormant_carriers = table[(exit_years >= 5.0) & (table["dormant_at_5y"].to_numpy(float) > 0)]
    events, exposure = _events_and_exposure(dormant_carriers, 5.0, 20.0)
    rate = events / exposure if exposure > 0 else math.nan
    return {
        "micrometastases_at_10y": float(carriers.mean()) if carriers.size else math.nan,
        "escape_half_life_years": math.log(2.0) / rate if rate > 0 else (math.inf if rate == 0 else math.nan),
        "mean_escapes": float(table["escapes"].to_numpy(float).mean()) if len(table) else math.nan,
    }


def summarise(tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
    """Every model statistic that a calibration target compares with, from the target cohorts' tables.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Per-patient tables by target cohort name (see :func:`dormancy.patients.calibration.target_cohorts`):
        ``colleoni`` (IBCSG I-V era; hazards and ER crossover of any recurrence, Willis statistics of distant
        recurrence), ``pan_<stratum>`` for each of :data:`PAN_STRATA` (ER+, 5 y endocrine) and
        ``braun`` (stage I-III). A missing cohort leaves its statistics out.

    Returns
    -------
    dict of str to float
        Keyed as ``Target.statistic``.
    """
    stats: dict[str, float] = {}
    if "colleoni" in tables:
        colleoni = tables["colleoni"]
        hazard = annual_hazard(colleoni, by="er_positive", endpoint="any")
        for row in hazard.itertuples():
            key = "er_positive" if row.group else "er_negative"
            stats[f"colleoni.hazard.{key}.{row.start:g}-{row.end:g}"] = row.hazard_percent
        stats["colleoni.er_crossover_year"] = er_crossover_year(colleoni, endpoint="any")
        for name, value in willis_statistics(colleoni).items():
            stats[f"willis.{name}"] = value
    pan = [tables[f"pan_{stratum}"] for stratum in PAN_STRATA if f"pan_{stratum}" in tables]
    for stratum in PAN_STRATA:
        if f"pan_{stratum}" in tables:
            stats[f"pan.cumulative_5_20.{stratum}"] = cumulative_recurrence(tables[f"pan_{stratum}"])
    if pan:
        pooled = pd.concat(pan, ignore_index=True)
        early = annual_hazard(pooled, [(5, 10)])["hazard_percent"].iloc[0]
        late = annual_hazard(pooled, [(10, 20)])["hazard_percent"].iloc[0]
        stats["pan.hazard_ratio_late_to_early"] = late / early if early > 0 else math.nan
    if "braun" in tables:
        braun = tables["braun"]
        stats["braun.dtc_prevalence"] = 100.0 * float(_ok(braun)["dtc_positive"].mean())
        for name, value in association_differences(braun).items():
            stats[f"braun.association.{name}"] = value
        stats["braun.dtc_rate_ratio_10y"] = rate_ratio(braun)
        stats["braun.bone_share"] = bone_share(braun)
        if {"subtype", "er_positive", "recurrence_site"} <= set(braun.columns):
            for (subtype, site), value in first_site_shares(braun).items():
                stats[f"braun.first_site.{SUBTYPE_KEYS[subtype]}.{site}"] = value
        for start, end in ((0, 5), (5, 10), (10, 15)):
            stats[f"braun.bone_incidence.{start}-{end}"] = bone_incidence(braun, start, end)
    if "ebctcg_control" in tables and "ebctcg_tamoxifen" in tables:
        for name, value in tamoxifen_rate_ratios(tables["ebctcg_control"], tables["ebctcg_tamoxifen"]).items():
            stats[f"ebctcg.tamoxifen_rr.{name}"] = value
    return stats


def tamoxifen_rate_ratios(control: pd.DataFrame, tamoxifen: pd.DataFrame, *, compliance_every: int = 5):
    """Rate ratios of any recurrence, tamoxifen arm over control, by period (EBCTCG 2011).

    ``tamoxifen`` is the control arm's patients with 5 years of endocrine therapy; the trial arm takes the
    tamoxifen table's row of every patient whose id is not a multiple of ``compliance_every`` (4 in 5 comply, the
    EBCTCG's ~80 %) and the control table's row of the others. Returns ``0-5``, ``5-10``, ``10-15`` (the target
    periods), ``15-20`` and ``max_after_stopping`` (the largest of the periods from 5 y on).
    """
    if not np.array_equal(control["patient"].to_numpy(), tamoxifen["patient"].to_numpy()):
        raise ValueError("tamoxifen_rate_ratios: the arms must hold the same patients in the same order")
    complied = (tamoxifen["patient"].to_numpy() % compliance_every) != 0
    arm = pd.concat([tamoxifen[complied], control[~complied]]).sort_index()
    periods = ((0, 5), (5, 10), (10, 15), (15, 20))
    treated = annual_hazard(arm, periods, endpoint="any")["hazard_percent"].to_numpy()
    untreated = annual_hazard(control, periods, endpoint="any")["hazard_percent"].to_numpy()
    ratios = {
        f"{a}-{b}": float(t / u) if u > 0 else math.nan
        for (a, b), t, u in zip(periods, treated, untreated, strict=True)
    }
    ratios["max_after_stopping"] = max(ratios["5-10"], ratios["10-15"])  # the periods the EBCTCG reports
    return ratios


def compare_to_targets(stats: Mapping[str, float], targets: Iterable[Target] | None = None) -> pd.DataFrame:
    """Every target beside the model value.

    Parameters
    ----------
    stats : mapping of str to float
        Model statistics from :func:`summarise`.
    targets : iterable of Target, optional
        All shipped targets by default.

    Returns
    -------
    pandas.DataFrame
        One row per target: ``target``, ``stratum``, ``published``, ``model``, ``unit``, ``tolerance`` (the accepted
        region), ``within`` (bool), ``deviation`` (tolerance-normalised, ``|d| <= 1`` when within), ``source`` and
        ``note``. A statistic absent from ``stats`` gives a NaN model value, never within.
    """
    rows = []
    for target in load_targets() if targets is None else targets:
        model = float(stats.get(target.statistic, math.nan))
        rows.append(
            {
                "target": target.name,
                "stratum": target.stratum,
                "published": target.published,
                "model": model,
                "unit": target.unit,
                "tolerance": target.tolerance.describe(target.published),
                "within": target.within(model),
                "deviation": target.deviation(model),
                "source": target.source,
                "note": target.note,
            }
        )
    return pd.DataFrame(rows)
