r"""In-silico replicas of the comparisons that established each modern therapy, beside their published rate ratios.

Each :class:`CareCheck` is one published comparison (meta-analysis or trial): its population (the cohort's
:class:`~dormancy.patients.specs.PopulationSpec` and an eligibility filter on the simulated covariates), the care of
its control and experimental arms (both under a care regimen, :mod:`dormancy.patients.care`, so the arms are the
*same* virtual patients with common random numbers, randomised by construction), the period of follow-up its rate
ratio covers, and the published rate ratio with its 95 % CI. The values of the modern therapies come from
pharmacology, neoadjuvant data and the clearance of disseminated cells (``care_modern``); these comparisons are
checks, never calibration targets.

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

__all__ = ["CARE_CHECKS", "CareCheck", "rate_ratio", "run_care_checks"]

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


def _premenopausal_er(table: pd.DataFrame) -> np.ndarray:
    return (table["er_positive"].to_numpy(dtype=bool)) & ~table["postmenopausal"].to_numpy(dtype=bool)


def _her2(table: pd.DataFrame) -> np.ndarray:
    return (table["subtype"] == "HER2+").to_numpy()


_ANTH_LOW, _ANTH_HIGH = _ci_from_se(0.78, 0.09)
_TAX_LOW, _TAX_HIGH = _ci_from_se(0.86, 0.04)
_POST_ER = PopulationSpec.only(er_positive=True, age_mean_years=64.0, age_sd_years=8.0)
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
        population=_POST_ER,
        control=_care(),
        experimental=_care(extended_endocrine="all", extended_to_years=10.0),
        period=(5.0, 8.0),
        eligible=_postmenopausal,
        note="Landmark at 5 years (randomised after 5 years of tamoxifen, disease-free); the period covers about "
        "the trial's 30-month median follow-up.",
    ),
)


def rate_ratio(
    control_years: np.ndarray,
    experimental_years: np.ndarray,
    *,
    period: tuple[float, float],
) -> tuple[float, float, float, int, int]:
    """Return the rate ratio (experimental / control) of first events within ``period`` with its Poisson 95 % CI.

    Parameters
    ----------
    control_years, experimental_years : numpy.ndarray
        Time of each patient's first event in each arm (NaN: none within follow-up, which covers the period).
        Patients with an event before the period's start are left out.
    period : tuple of float
        [start, stop) years.

    Returns
    -------
    tuple
        (rate ratio, low, high, events control, events experimental); NaN ratio when an arm has no event.
    """
    start, stop = period
    rates = []
    events = []
    for times in (control_years, experimental_years):
        t = np.asarray(times, dtype=np.float64)
        at_risk = ~(t < start)
        t = t[at_risk]
        event = t < stop
        exposure = np.where(event, t, stop) - start
        events.append(int(event.sum()))
        rates.append(events[-1] / max(float(exposure.sum()), 1e-300))
    if min(events) == 0:
        return math.nan, math.nan, math.nan, events[0], events[1]
    ratio = rates[1] / rates[0]
    half = 1.96 * math.sqrt(1.0 / events[0] + 1.0 / events[1])
    return ratio, ratio * math.exp(-half), ratio * math.exp(half), events[0], events[1]


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
        keep = check.eligible(arms[0])
        ratio, low, high, d0, d1 = rate_ratio(
            arms[0]["recurrence_years"].to_numpy()[keep],
            arms[1]["recurrence_years"].to_numpy()[keep],
            period=check.period,
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
