r"""In-silico replicas of the comparisons that established each modern therapy, beside their published rate ratios.

Each :class:`CareCheck` is one published comparison (meta-analysis or trial): its population (the cohort's
:class:`~dormancy.patients.specs.PopulationSpec` and an eligibility filter on the simulated covariates), the care of
its control and experimental arms (both under a care regimen, :mod:`dormancy.patients.care`, so the arms are the
*same* virtual patients with common random numbers, randomised by construction), the period of follow-up its rate
ratio covers, and the published rate ratio with its 95 % CI. The values of the modern therapies come from
pharmacology, neoadjuvant data and the clearance of disseminated cells (``care_modern``); these comparisons are
checks, never calibration targets.

A check can also follow its trial's design more closely (MA.17): a landmark at which only women alive and free of
any recurrence (distant, locoregional, contralateral) are randomised, and the trial's staggered follow-up (each
woman's follow-up after randomisation uniform over the trial's range, drawn per patient on the stream
:data:`FOLLOWUP_STREAM`, the same in both arms; observation also ends at death).

The endpoint is the first distant recurrence (the kernel's ``recurrence_years``): EBCTCG's "any recurrence" and
trials' (invasive) disease-free survival also count locoregional and contralateral events and deaths, on which
these systemic therapies act less; their published rate ratios are compared with the model's distant one (where
a trial reports distant relapse-free survival, that is used). The in-silico rate ratio is events per person-year
in the experimental arm over the control arm within the period (time at risk ending at the first distant
recurrence or the period's end), with the Poisson 95 % interval :math:`\exp(\pm 1.96 \sqrt{1/d_1 + 1/d_0})`
(the arms share their patients, so this interval is conservative); EBCTCG's log-rank rate ratios estimate the
same ratio of hazards.

ATLAS and aTTom (extended tamoxifen) are kept for validation elsewhere and are not used here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dormancy.errors import InputError, Problem
from dormancy.patients.care import monarche_eligible
from dormancy.patients.specs import CareSpec, CohortSpec, PopulationSpec

__all__ = ["CARE_CHECKS", "FOLLOWUP_STREAM", "CareCheck", "rate_ratio", "run_care_checks"]

#: ``agent_uniforms`` stream of a check's per-patient follow-up after randomisation (column 0), a key no other draw
#: of the package uses.
FOLLOWUP_STREAM = 0x465550  # "FUP"

#: Components of a neutral (1980s-like) care under a care regimen: the control of every comparison starts here.
NEUTRAL: dict[str, object] = {
    "era": "modern",
    "chemotherapy": "risk_based",
    "endocrine_years": 5.0,
    "chemotherapy_regimen": "cmf",
    "endocrine_agent": "tamoxifen",
    "ovarian_suppression": "none",
    "extended_endocrine": "none",
    "trastuzumab": False,
    "cdk46_inhibitor": False,
}


def _care(**changes: object) -> CareSpec:
    return CareSpec(**{**NEUTRAL, **changes})  # type: ignore[arg-type]


def _everyone(table: pd.DataFrame) -> np.ndarray:
    return np.ones(len(table), dtype=bool)


@dataclass(frozen=True)
class CareCheck:
    """One published comparison and how it is replicated (module docstring).

    Parameters
    ----------
    name : str
        Identifier.
    label : str
        What is compared, in words.
    source : str
        Citation (bibliography key and where the numbers are).
    published_rr, published_low, published_high : float
        Published rate ratio (experimental / control) and its 95 % CI.
    endpoint : str
        The published endpoint (the model's is distant recurrence).
    population : PopulationSpec
        Who the cohort is drawn from.
    control, experimental : CareSpec
        Care of each arm.
    period : tuple of float
        Years after diagnosis the rate ratio covers ([start, stop)); patients with a distant recurrence before the
        start are left out (a landmark, e.g. MA.17 randomised women disease-free after 5 years of tamoxifen).
    eligible : callable
        ``eligible(table) -> bool array`` on the control arm's table (the trial's eligibility).
    followup_years : float
        Follow-up simulated.
    landmark_event_free : bool
        Also leave out patients with a locoregional recurrence or contralateral cancer, or dead, before the period's
        start (the trial randomised women alive and disease-free then).
    followup_range_years : tuple of float, optional
        Each patient's follow-up after the period's start, uniform on [a, b] years (a trial's staggered accrual:
        its range of follow-up); observation also ends at death. None: everyone is followed to the period's end.
    note : str
        How the published figure was turned into a 95 % CI, and anything else to know.
    """

    name: str
    label: str
    source: str
    published_rr: float
    published_low: float
    published_high: float
    endpoint: str
    population: PopulationSpec
    control: CareSpec
    experimental: CareSpec
    period: tuple[float, float]
    eligible: Callable[[pd.DataFrame], np.ndarray] = field(default=_everyone)
    followup_years: float = 10.0
    landmark_event_free: bool = False
    followup_range_years: tuple[float, float] | None = None
    note: str = ""


def _ci_from_se(rr: float, se: float) -> tuple[float, float]:
    """95 % CI of an EBCTCG rate ratio given with the standard error of the ratio (on the log scale SE/RR)."""
    half = 1.96 * se / rr
    return rr * math.exp(-half), rr * math.exp(half)


def _postmenopausal(table: pd.DataFrame) -> np.ndarray:
    return table["postmenopausal"].to_numpy(dtype=bool)


def _monarche(table: pd.DataFrame) -> np.ndarray:
    covariates = {name: table[name].to_numpy() for name in ("subtype", "n_stage", "grade", "t_stage")}
    return monarche_eligible(covariates)


def _ma17(table: pd.DataFrame) -> np.ndarray:
    """Postmenopausal at randomisation, after 5 years of tamoxifen (MA.17 took women postmenopausal then)."""
    age = table["age_at_diagnosis"].to_numpy(dtype=float) + MA17_LANDMARK_YEARS
    return age >= table["menopause_age"].to_numpy(dtype=float)


def _premenopausal_er(table: pd.DataFrame) -> np.ndarray:
    return (table["er_positive"].to_numpy(dtype=bool)) & ~table["postmenopausal"].to_numpy(dtype=bool)


def _her2(table: pd.DataFrame) -> np.ndarray:
    return (table["subtype"] == "HER2+").to_numpy()


_ANTH_LOW, _ANTH_HIGH = _ci_from_se(0.78, 0.09)
_TAX_LOW, _TAX_HIGH = _ci_from_se(0.86, 0.04)
_POST_ER = PopulationSpec.only(er_positive=True, age_mean_years=64.0, age_sd_years=8.0)
#: MA.17's randomisation after 5 years of tamoxifen (4.5-6 years, within 3 months of stopping; Goss 2003).
MA17_LANDMARK_YEARS = 5.0
#: MA.17's follow-up after randomisation at the 2005 update: median 30 months, range 1.5-61.4 months (Goss 2005).
MA17_FOLLOWUP_YEARS = (1.5 / 12.0, 61.4 / 12.0)
#: Nodal status of the randomised women: Ingle 2006, 2,568 node-negative and 2,360 node-positive of 5,187 (the rest
#: unknown), i.e. 52.1 % of those known node-negative. Node-positive women recur more before the landmark, so the
#: population's node-negative share is 0.491, which gives 52 % node-negative among the women alive and disease-free
#: at 5 years (calibration run 15: 0.521 in the population gave 0.551 among them, 10k; odds corrected once). Among
#: the node-positive, the default population's split of N1-3 / N4-9 / N10+ (6 : 3 : 2; MA.17's not found).
_MA17_N0 = 0.491
_MA17_NODES = {
    "N0": _MA17_N0,
    "N1-3": (1.0 - _MA17_N0) * 6.0 / 11.0,
    "N4-9": (1.0 - _MA17_N0) * 3.0 / 11.0,
    "N10+": (1.0 - _MA17_N0) * 2.0 / 11.0,
}
#: Age at diagnosis whose women postmenopausal at randomisation have MA.17's ages then (Muss 2008: 2,152 younger
#: than 60, 1,694 aged 60-69, 1,323 aged 70 or more of 5,169): fitted on the covariates alone,
#: docs/calibration-run-15/fit_age.py. Diagnosed about 1995 (accrual from August 1998, after 5 years of tamoxifen).
_MA17 = PopulationSpec.only(
    er_positive=True, age_mean_years=44.5, age_sd_years=17.5, n_stage_fractions=_MA17_NODES, diagnosis_year=1995
)
_PRE_ER = PopulationSpec.only(er_positive=True, age_mean_years=43.0, age_sd_years=6.0)

#: The comparisons (module docstring); sources in the bibliography.
CARE_CHECKS: tuple[CareCheck, ...] = (
    CareCheck(
        name="ebctcg2012_anthracycline_vs_none",
        label="Standard 4AC (anthracycline) vs no chemotherapy",
        source="ebctcg2012 (abstract: breast cancer mortality RR 0.78, SE 0.09)",
        published_rr=0.78,
        published_low=_ANTH_LOW,
        published_high=_ANTH_HIGH,
        endpoint="breast cancer mortality",
        population=PopulationSpec(),
        control=_care(chemotherapy="none"),
        experimental=_care(chemotherapy="all", chemotherapy_regimen="anthracycline"),
        period=(0.0, 10.0),
        note="CI from the SE on the log scale. The 1980s log kill (patients_natural_history.chemotherapy_log_kill) "
        "was set in calibration run 2 so that chemotherapy cuts first-year ER- recurrence by about a fifth, with "
        "EBCTCG's overall effect in mind: this check is not independent of it.",
    ),
    CareCheck(
        name="ebctcg2012_taxane_added",
        label="Anthracycline + 4 cycles of taxane vs the same anthracycline regimen",
        source="ebctcg2012 (abstract: breast cancer mortality RR 0.86, SE 0.04)",
        published_rr=0.86,
        published_low=_TAX_LOW,
        published_high=_TAX_HIGH,
        endpoint="breast cancer mortality",
        population=PopulationSpec(),
        control=_care(chemotherapy="all", chemotherapy_regimen="anthracycline"),
        experimental=_care(chemotherapy="all", chemotherapy_regimen="anthracycline_taxane"),
        period=(0.0, 10.0),
        note="CI from the SE on the log scale; trials adding taxane cycles to a fixed anthracycline control.",
    ),
    CareCheck(
        name="ebctcg2015_ai_vs_tamoxifen_years_0_1",
        label="5 y aromatase inhibitor vs 5 y tamoxifen, postmenopausal ER+: years 0-1",
        source="ebctcg2015 (abstract: recurrence RR 0.64, 95 % CI 0.52-0.78, years 0-1)",
        published_rr=0.64,
        published_low=0.52,
        published_high=0.78,
        endpoint="any recurrence",
        population=_POST_ER,
        control=_care(),
        experimental=_care(endocrine_agent="aromatase_inhibitor"),
        period=(0.0, 2.0),
        eligible=_postmenopausal,
    ),
    CareCheck(
        name="ebctcg2015_ai_vs_tamoxifen_years_2_4",
        label="5 y aromatase inhibitor vs 5 y tamoxifen, postmenopausal ER+: years 2-4",
        source="ebctcg2015 (abstract: recurrence RR 0.80, 95 % CI 0.68-0.93, years 2-4)",
        published_rr=0.80,
        published_low=0.68,
        published_high=0.93,
        endpoint="any recurrence",
        population=_POST_ER,
        control=_care(),
        experimental=_care(endocrine_agent="aromatase_inhibitor"),
        period=(2.0, 5.0),
        eligible=_postmenopausal,
    ),
    CareCheck(
        name="ebctcg2021_trastuzumab",
        label="Chemotherapy + 1 y trastuzumab vs the same chemotherapy, HER2+",
        source="ebctcg2021 (abstract: recurrence RR 0.66, 95 % CI 0.62-0.71)",
        published_rr=0.66,
        published_low=0.62,
        published_high=0.71,
        endpoint="any recurrence",
        population=PopulationSpec(subtype_fractions={"ER+/HER2-": 0.0, "HER2+": 1.0, "TN": 0.0}),
        control=_care(chemotherapy="all", chemotherapy_regimen="anthracycline_taxane"),
        experimental=_care(chemotherapy="all", chemotherapy_regimen="anthracycline_taxane", trastuzumab=True),
        period=(0.0, 10.0),
        eligible=_her2,
        note="Median follow-up 10.7 years in the overview.",
    ),
    CareCheck(
        name="monarche_abemaciclib",
        label="Endocrine therapy + 2 y abemaciclib vs endocrine therapy, high-risk ER+/HER2- node-positive",
        source="rastogi2024 (monarchE 5-year analysis: DRFS HR 0.675, 95 % CI 0.588-0.774)",
        published_rr=0.675,
        published_low=0.588,
        published_high=0.774,
        endpoint="distant relapse-free survival",
        population=PopulationSpec(
            subtype_fractions={"ER+/HER2-": 1.0, "HER2+": 0.0, "TN": 0.0},
            t_stage_fractions={"T1": 0.3, "T2": 0.5, "T3": 0.2},
            n_stage_fractions={"N0": 0.0, "N1-3": 0.4, "N4-9": 0.4, "N10+": 0.2},
        ),
        control=_care(
            chemotherapy="all", chemotherapy_regimen="anthracycline_taxane", endocrine_agent="aromatase_inhibitor"
        ),
        experimental=_care(
            chemotherapy="all",
            chemotherapy_regimen="anthracycline_taxane",
            endocrine_agent="aromatase_inhibitor",
            cdk46_inhibitor=True,
        ),
        period=(0.0, 5.0),
        eligible=_monarche,
        followup_years=5.0,
        note="Median follow-up 54 months; 95 % of monarchE patients had chemotherapy; endocrine therapy an "
        "aromatase inhibitor (tamoxifen before the menopause in the model).",
    ),
    CareCheck(
        name="softtext_exemestane_ofs",
        label="5 y exemestane + ovarian suppression vs 5 y tamoxifen + ovarian suppression, premenopausal ER+",
        source="pagani2023 (SOFT and TEXT combined, median follow-up 13 years: distant recurrence-free interval "
        "HR 0.83, 95 % CI 0.70-0.98)",
        published_rr=0.83,
        published_low=0.70,
        published_high=0.98,
        endpoint="distant recurrence-free interval",
        population=_PRE_ER,
        control=_care(ovarian_suppression="all"),
        experimental=_care(ovarian_suppression="all", endocrine_agent="aromatase_inhibitor"),
        period=(0.0, 12.0),
        eligible=_premenopausal_er,
        followup_years=12.0,
        note="Median age 43 in both trials (seen); the HR covers the whole follow-up (12-year DRFI). Chemotherapy "
        "by the model's risk-based policy (about half of SOFT-TEXT had it). Ovarian suppression itself has no "
        "mechanism in the model (it lets the aromatase inhibitor be given): the check is the aromatase inhibitor's "
        "effect in premenopausal women, not that of ovarian suppression over none (EBCTCG 2023's overview, RR 0.70, "
        "would need the host's oestrogen deficiency on the niche).",
    ),
    CareCheck(
        name="ma17_extended_letrozole",
        label="Letrozole for 5 y vs placebo after 5 y of tamoxifen, postmenopausal ER+ disease-free at 5 y",
        source="goss2005 (MA.17 update, median follow-up 30 months: distant DFS HR 0.60, 95 % CI 0.43-0.84)",
        published_rr=0.60,
        published_low=0.43,
        published_high=0.84,
        endpoint="distant disease-free survival",
        population=_MA17,
        control=_care(),
        experimental=_care(extended_endocrine="all", extended_to_years=10.0),
        period=(MA17_LANDMARK_YEARS, MA17_LANDMARK_YEARS + MA17_FOLLOWUP_YEARS[1]),
        eligible=_ma17,
        followup_years=10.25,
        landmark_event_free=True,
        followup_range_years=MA17_FOLLOWUP_YEARS,
        note="The trial's design (calibration run 15): randomised after 5 years of tamoxifen, postmenopausal, "
        "alive and free of any recurrence then; ages at randomisation (Muss 2008) and nodal status (Ingle 2006) "
        "of the randomised women; follow-up after randomisation uniform over the 2005 update's range "
        "(1.5-61.4 months, median about 30), ending at death. Before run 15: women postmenopausal at diagnosis "
        "(age 64 +- 8), only an earlier distant recurrence excluded, everyone followed over years 5-8 (RR 0.41 at "
        "10k-100k). Now 0.45 at 20k but 0.430 and 0.419 at 100k (two seeds): on the published CI's lower limit; the "
        "sensitive women's late recurrences still fall 96-98 % on letrozole.",
    ),
)


def rate_ratio(
    control_years: np.ndarray,
    experimental_years: np.ndarray,
    *,
    period: tuple[float, float],
    control_end: np.ndarray | None = None,
    experimental_end: np.ndarray | None = None,
) -> tuple[float, float, float, int, int]:
    """Return the rate ratio (experimental / control) of first events within ``period`` with its Poisson 95 % CI.

    Parameters
    ----------
    control_years, experimental_years : numpy.ndarray
        Time of each patient's first event in each arm (NaN: none within follow-up, which covers the period).
        Patients with an event before the period's start are left out.
    period : tuple of float
        [start, stop) years.
    control_end, experimental_end : numpy.ndarray, optional
        Each patient's end of observation in each arm, years (censoring; NaN: none). A patient's time at risk
        ends at the earliest of her event, her end and the period's stop; an event at or after her end is not
        counted; a patient whose end is at or before the start is left out. None: everyone to the period's stop.

    Returns
    -------
    tuple
        (rate ratio, low, high, events control, events experimental); NaN ratio when an arm has no event.
    """
    start, stop = period
    rates = []
    events = []
    for times, ends in ((control_years, control_end), (experimental_years, experimental_end)):
        t = np.asarray(times, dtype=np.float64)
        until = np.full(t.shape, stop) if ends is None else np.fmin(np.asarray(ends, dtype=np.float64), stop)
        at_risk = ~(t < start) & (until > start)
        t, until = t[at_risk], until[at_risk]
        event = t < until
        exposure = np.where(event, t, until) - start
        events.append(int(event.sum()))
        rates.append(events[-1] / max(float(exposure.sum()), 1e-300))
    if min(events) == 0:
        return math.nan, math.nan, math.nan, events[0], events[1]
    ratio = rates[1] / rates[0]
    half = 1.96 * math.sqrt(1.0 / events[0] + 1.0 / events[1])
    return ratio, ratio * math.exp(-half), ratio * math.exp(half), events[0], events[1]


def _observation(check: CareCheck, arms: list[pd.DataFrame], seed: int) -> tuple[np.ndarray, list | None]:
    """Return the landmark's extra exclusions (bool, True = kept) and each arm's end of observation (or None)."""
    start = check.period[0]
    keep = np.ones(len(arms[0]), dtype=bool)
    if check.landmark_event_free:
        for arm in arms:  # the arms are the same patients and the same histories before the start
            keep &= ~(arm["any_recurrence_years"].to_numpy(dtype=float) < start)
            keep &= ~(arm["death_years"].to_numpy(dtype=float) <= start)
    if check.followup_range_years is None:
        return keep, None
    from dormancy.rng import agent_uniforms

    low, high = check.followup_range_years
    u = agent_uniforms(seed, arms[0]["patient"].to_numpy(dtype=np.int64), 0, 1, stream=FOLLOWUP_STREAM)[:, 0]
    administrative = start + low + (high - low) * u
    return keep, [np.fmin(administrative, arm["death_years"].to_numpy(dtype=float)) for arm in arms]


def run_care_checks(
    *,
    n_patients: int,
    seed: int,
    names: tuple[str, ...] | None = None,
    parameters: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Run each comparison in silico and return one row per check with both rate ratios.

    Parameters
    ----------
    n_patients : int
        Patients simulated per arm (before eligibility).
    seed : int
        Seed (both arms of a check share it: the same patients).
    names : tuple of str, optional
        Which checks (default all of :data:`CARE_CHECKS`).
    parameters : mapping, optional
        Patient-model overrides (:func:`dormancy.patients.simulate_cohort`).

    Returns
    -------
    pandas.DataFrame
        Columns ``check``, ``label``, ``eligible``, ``events_control``, ``events_experimental``, ``model_rr``,
        ``model_low``, ``model_high``, ``published_rr``, ``published_low``, ``published_high``, ``within``
        (model rate ratio inside the published 95 % CI), ``endpoint``, ``source``.
    """
    from dormancy.patients.cohort import simulate_cohort

    known = {check.name: check for check in CARE_CHECKS}
    chosen = tuple(known) if names is None else tuple(names)
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise InputError([Problem("names", f"names among {', '.join(known)}", ", ".join(unknown))])
    rows = []
    for name in chosen:
        check = known[name]
        arms = []
        for care in (check.control, check.experimental):
            spec = CohortSpec(n_patients, followup_years=check.followup_years, population=check.population, care=care)
            arms.append(simulate_cohort(spec, seed=seed, parameters=parameters).table)
        landmark, ends = _observation(check, arms, seed)
        keep = check.eligible(arms[0]) & landmark
        ratio, low, high, d0, d1 = rate_ratio(
            arms[0]["recurrence_years"].to_numpy()[keep],
            arms[1]["recurrence_years"].to_numpy()[keep],
            period=check.period,
            control_end=None if ends is None else ends[0][keep],
            experimental_end=None if ends is None else ends[1][keep],
        )
        rows.append(
            {
                "check": check.name,
                "label": check.label,
                "eligible": int(keep.sum()),
                "events_control": d0,
                "events_experimental": d1,
                "model_rr": ratio,
                "model_low": low,
                "model_high": high,
                "published_rr": check.published_rr,
                "published_low": check.published_low,
                "published_high": check.published_high,
                "within": bool(check.published_low <= ratio <= check.published_high),
                "endpoint": check.endpoint,
                "source": check.source,
            }
        )
    return pd.DataFrame(rows)
