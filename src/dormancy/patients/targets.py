"""Natural-history calibration targets as typed records with machine-checkable tolerances.

The targets are those of ``/work/shared/data/calibration_targets.yaml``, shipped verbatim in
``dormancy/patients/data/calibration_targets.yaml``. :func:`load_targets` turns each published number into a
:class:`Target`: the value, its unit, the model statistic it is compared with (``statistic``, a key of
:func:`dormancy.patients.summaries.summarise`), and a :class:`Tolerance` parsed from the stated tolerance text
(``±20 %`` relative per interval, ``±3`` percentage points, a range such as ``1.8–2.9``, ``30–50 %``, a crossover
between years 3 and 6, or a one-sided bound). ``Tolerance.within`` answers whether a model value meets it and
``Tolerance.deviation`` gives the tolerance-normalised deviation (``|d| <= 1`` exactly when within) that the ABC
distance adds up.

Where the YAML states a tolerance in words ("roughly constant", "consistent with these constraints", "the
association directions"), the machine-checkable reading is an interpretation and says so in ``Target.note``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib import resources
from typing import Literal

import yaml

__all__ = ["NOT_ASSESSED", "PACKAGE_TARGET_GROUPS", "Target", "Tolerance", "load_targets", "raw_targets"]

ToleranceKind = Literal["relative", "absolute", "range"]

#: Target groups the package adds to the shared file's, with their source module (not in the shared YAML).
PACKAGE_TARGET_GROUPS: dict[str, str] = {"first_site_by_subtype": "dormancy.patients.sites (Kaplan 2016)"}

#: Targets in the YAML that no per-patient cohort statistic can check, with the reason (listed in the report).
NOT_ASSESSED: dict[str, str] = {
    "dtc_prevalence_high_risk_survivors": (
        "needs a bone-marrow aspirate during follow-up (within 5 y, after therapy); the per-patient table records "
        "an aspirate at diagnosis only"
    ),
    "balanced_proliferation_bound": (
        "a bound on a birth-death mechanism of dormancy (per-generation survival 49.7-50.8 %), not a cohort "
        "statistic; the model's dormancy is quiescence from the switch"
    ),
}


@dataclass(frozen=True)
class Tolerance:
    """An acceptance region around a published value.

    Parameters
    ----------
    kind : {"relative", "absolute", "range"}
        ``relative``: within ``published × (1 ± width)``; ``absolute``: within ``published ± width`` (same unit, e.g.
        percentage points); ``range``: within ``[low, high]`` (either may be infinite: a one-sided bound).
    width : float
        Relative fraction or absolute half-width (unused for ``range``).
    low, high : float
        Bounds of a ``range`` (unused otherwise).
    text : str
        The tolerance as stated in the source file.
    """

    kind: ToleranceKind
    width: float = math.nan
    low: float = -math.inf
    high: float = math.inf
    text: str = ""

    def bounds(self, published: float) -> tuple[float, float]:
        """Return the accepted interval ``(low, high)`` for a published value."""
        if self.kind == "relative":
            return published * (1.0 - self.width), published * (1.0 + self.width)
        if self.kind == "absolute":
            return published - self.width, published + self.width
        return self.low, self.high

    def within(self, published: float, model: float) -> bool:
        """Return whether ``model`` meets the tolerance (never for a NaN model value)."""
        low, high = self.bounds(published)
        return bool(math.isfinite(model) and low <= model <= high)

    def deviation(self, published: float, model: float, *, missing: float = 10.0) -> float:
        """Return the tolerance-normalised deviation of ``model``.

        For a two-sided region ``[low, high]`` this is ``(model - centre) / half-width``, so ``|d| <= 1`` exactly
        when within. For a one-sided bound it is 0 inside and ``1 + excess / scale`` outside (scale: the bound's
        magnitude, or 1). A NaN model value (e.g. no events to estimate from) gives ``missing``.
        """
        if not math.isfinite(model):
            return missing
        low, high = self.bounds(published)
        if math.isfinite(low) and math.isfinite(high):
            half = max((high - low) / 2.0, 1e-12)
            return (model - (low + high) / 2.0) / half
        if model < low:
            return -(1.0 + (low - model) / max(abs(low), 1.0))
        if model > high:
            return 1.0 + (model - high) / max(abs(high), 1.0)
        return 0.0

    def describe(self, published: float) -> str:
        """Return the accepted region as short text."""
        low, high = self.bounds(published)
        if math.isinf(low):
            return f"<= {high:g}"
        if math.isinf(high):
            return f">= {low:g}"
        return f"{low:.3g}-{high:.3g}"


@dataclass(frozen=True)
class Target:
    """One published number the model must reproduce.

    Parameters
    ----------
    name : str
        Key of the target block in the YAML, e.g. ``recurrence_hazard_by_er_status``.
    stratum : str
        Which number of that block, e.g. ``ER+ 5-10 y`` or ``T2N4-9``.
    statistic : str
        Key of the model statistic in :func:`dormancy.patients.summaries.summarise` compared with it.
    published : float
        The published value (NaN where the source states only a region, e.g. the ER crossover year).
    unit : str
        Unit of ``published`` and of the model statistic.
    tolerance : Tolerance
        Acceptance region.
    source : str
        Citation as in the YAML.
    note : str
        How a worded tolerance or population was read (empty when the YAML is already numeric).
    """

    name: str
    stratum: str
    statistic: str
    published: float
    unit: str
    tolerance: Tolerance
    source: str
    note: str = ""

    def within(self, model: float) -> bool:
        """Return whether a model value meets this target's tolerance."""
        return self.tolerance.within(self.published, model)

    def deviation(self, model: float) -> float:
        """Return the tolerance-normalised deviation of a model value (see :meth:`Tolerance.deviation`)."""
        return self.tolerance.deviation(self.published, model)


@functools.cache
def raw_targets() -> dict[str, dict]:
    """Return the shipped calibration-target YAML as a mapping (cached; do not mutate)."""
    text = resources.files("dormancy.patients").joinpath("data").joinpath("calibration_targets.yaml").read_text("utf-8")
    return yaml.safe_load(text)


INTERVAL_LABELS = ("0-5 y", "5-10 y", "10-15 y", "15-20 y")


def _hazard_targets(block: dict) -> list[Target]:
    relative = Tolerance("relative", width=0.20, text=block["tolerance"])
    block_name = "recurrence_hazard_by_er_status"
    source = block["source"]
    note = (
        "Colleoni's events are any breast-cancer recurrence (breast-cancer-free interval: local, regional, "
        "contralateral and distant); the model's any-recurrence hazard counts the first of its distant recurrence "
        "(from DTCs), locoregional recurrence and contralateral breast cancer (dormancy.patients.locoregional), "
        "time at risk ending at that first event."
    )
    targets = []
    for group, key in (("ER+", "er_positive"), ("ER-", "er_negative")):
        for interval, label, value in zip(block["intervals_years"], INTERVAL_LABELS, block[key], strict=True):
            start, end = interval
            targets.append(
                Target(
                    block_name,
                    f"{group} {label}",
                    f"colleoni.hazard.{key}.{start}-{end}",
                    float(value),
                    "percent per year",
                    relative,
                    source,
                    note,
                )
            )
    targets.append(
        Target(
            block_name,
            "ER crossover year",
            "colleoni.er_crossover_year",
            math.nan,
            "years",
            Tolerance("range", low=3.0, high=6.0, text=block["tolerance"]),
            source,
            "Year at which the ER+ annual hazard of any recurrence (1-year intervals) first exceeds the ER- hazard "
            "and stays above for the next two years, interpolated linearly between interval midpoints.",
        )
    )
    return targets


def _pan_targets(block: dict) -> list[Target]:
    source = block["source"]
    targets = [
        Target(
            "distant_recurrence_er_positive_after_5y_endocrine",
            stratum,
            f"pan.cumulative_5_20.{stratum}",
            float(value),
            "percent, years 5-20",
            Tolerance("absolute", width=3.0, text=block["tolerance"]),
            source,
            "Kaplan-Meier (lifelines) cumulative distant recurrence from year 5 to 20 among ER+ patients "
            "recurrence-free at 5 y after 5 y of endocrine therapy.",
        )
        for stratum, value in block["strata"].items()
    ]
    targets.append(
        Target(
            "distant_recurrence_er_positive_after_5y_endocrine",
            "rate 10-20 y / 5-10 y",
            "pan.hazard_ratio_late_to_early",
            1.0,
            "ratio",
            Tolerance("range", low=2.0 / 3.0, high=1.5, text=block["tolerance"]),
            source,
            "'Annual rate roughly constant over years 5-20' read as: the pooled annual hazard in years 10-20 is "
            "within a factor 1.5 of that in years 5-10 (an interpretation).",
        )
    )
    return targets


def _braun_targets(prevalence: dict, ratios: dict) -> list[Target]:
    targets = [
        Target(
            "dtc_prevalence_at_diagnosis",
            "DTC+ at diagnosis",
            "braun.dtc_prevalence",
            float(prevalence["value_percent"]),
            "percent",
            Tolerance("absolute", width=3.0, text=prevalence["tolerance"]),
            prevalence["source"],
            "Fraction of stage I-III patients whose aspirate at diagnosis finds >= 1 DTC (column dtc_positive).",
        )
    ]
    directions = (
        ("DTC+ larger tumours", "braun.association.t_stage", "mean T stage (1-3) of DTC+ minus DTC-"),
        ("DTC+ higher grade", "braun.association.grade", "mean grade of DTC+ minus DTC-"),
        ("DTC+ more node-positive", "braun.association.node_positive", "node-positive fraction, DTC+ minus DTC-"),
        ("DTC+ more ER-negative", "braun.association.er_negative", "ER-negative fraction, DTC+ minus DTC-"),
    )
    for stratum, statistic, what in directions:
        targets.append(
            Target(
                "dtc_prevalence_at_diagnosis",
                stratum,
                statistic,
                math.nan,
                "difference",
                Tolerance("range", low=0.0, high=math.inf, text=prevalence["tolerance"]),
                prevalence["source"],
                f"Association direction: {what} must be positive.",
            )
        )
    targets.append(
        Target(
            "dtc_positive_outcome_ratios",
            "distant DFS incidence-rate ratio",
            "braun.dtc_rate_ratio_10y",
            float(ratios["distant_disease_free_survival_incidence_rate_ratio"]),
            "ratio",
            Tolerance("range", low=1.8, high=2.9, text=ratios["tolerance"]),
            ratios["source"],
            "Distant recurrences per person-year in the first 10 years, DTC+ over DTC- (by the aspirate).",
        )
    )
    return targets


def _willis_targets(block: dict) -> list[Target]:
    source = block["source"]
    text = block["tolerance"]
    return [
        Target(
            "micrometastases_in_dormant_patients",
            "micrometastases at 10 y",
            "willis.micrometastases_at_10y",
            math.nan,
            "count",
            Tolerance("range", low=1.0, high=5.0, text=text),
            source,
            "Mean number of micrometastases at 10 y among patients recurrence-free at 10 y who carry at least one "
            "(an interpretation of 'a patient still dormant 10 years after resection carries 1-5').",
        ),
        Target(
            "micrometastases_in_dormant_patients",
            "escape half-life",
            "willis.escape_half_life_years",
            12.0,
            "years",
            Tolerance("range", low=12.0, high=math.inf, text=text),
            source,
            "ln 2 / (annual distant-recurrence hazard, years 5-20) among patients recurrence-free at 5 y who still "
            "carry dormant DTCs: the patient-level half-life of escape (an interpretation).",
        ),
        Target(
            "micrometastases_in_dormant_patients",
            "escapes per patient",
            "willis.mean_escapes",
            6.0,
            "count",
            Tolerance("range", low=0.0, high=6.0, text=text),
            source,
            "Mean number of escapes per patient over follow-up, all patients ('at most ~6 on average').",
        ),
    ]


def _bone_targets(share: dict, incidence: dict) -> list[Target]:
    targets = [
        Target(
            "bone_share_of_first_recurrences",
            "bone share",
            "braun.bone_share",
            float(share["value_percent"]),
            "percent",
            Tolerance("range", low=30.0, high=50.0, text=share["tolerance"]),
            share["source"],
            "Share of first distant recurrences in bone, stage I-III cohort.",
        )
    ]
    for start, end in ((0, 5), (5, 10), (10, 15)):
        targets.append(
            Target(
                "bone_metastasis_incidence",
                f"{start}-{end} y",
                f"braun.bone_incidence.{start}-{end}",
                math.nan,
                "per 100 person-years",
                Tolerance("range", low=1.0, high=2.8, text=incidence["tolerance"]),
                incidence["source"],
                "First bone metastases at any time (also after a first distant recurrence elsewhere) per 100 "
                "person-years at risk of one, stage I-III cohort; time at risk ends at the first bone metastasis "
                "or the end of follow-up (an open cohort's incidence).",
            )
        )
    return targets


def _tamoxifen_targets(block: dict) -> list[Target]:
    note = (
        "EBCTCG 2011 trials of about 5 years of tamoxifen vs none in ER+ disease, with about 80 % compliance: the "
        "model's tamoxifen arm takes 5 years of endocrine therapy in 4 of 5 patients (patient id mod 5 != 0) and "
        "none in the others (the same patients as the control arm, common random numbers); rate ratio of any "
        "recurrence (events per person-year, time at risk ending at the first) by period."
    )
    targets = []
    for period, label in (("years_0_4", "0-5"), ("years_5_9", "5-10"), ("years_10_14", "10-15")):
        value, se = float(block["recurrence_rr"][period]), float(block["standard_errors"][period])
        targets.append(
            Target(
                "tamoxifen_effect_by_period_er_positive",
                f"RR {label} y",
                f"ebctcg.tamoxifen_rr.{label}",
                value,
                "rate ratio",
                Tolerance("absolute", width=2.0 * se, text=block["tolerance"]),
                block["source"],
                note,
            )
        )
    targets.append(
        Target(
            "tamoxifen_effect_by_period_er_positive",
            "no rebound after stopping",
            "ebctcg.tamoxifen_rr.max_after_stopping",
            math.nan,
            "rate ratio",
            Tolerance("range", low=-math.inf, high=1.1, text=block["tolerance"]),
            block["source"],
            "The largest rate ratio of the periods after stopping that the EBCTCG reports (5-10 and 10-15 y).",
        )
    )
    return targets


def _site_targets() -> list[Target]:
    from dormancy.patients.sites import FIRST_SITE_SLACK, KAPLAN_2016, SUBTYPE_KEYS, published_first_site_shares

    groups = {share.subtype: share for share in KAPLAN_2016}
    targets = []
    for (subtype, site), (percent, se) in published_first_site_shares().items():
        group = groups[subtype]
        targets.append(
            Target(
                "first_site_by_subtype",
                f"{subtype} {site}",
                f"braun.first_site.{SUBTYPE_KEYS[subtype]}.{site}",
                percent,
                "percent",
                Tolerance(
                    "absolute",
                    width=2.0 * se + FIRST_SITE_SLACK,
                    text=f"published +/- (2 SE + {FIRST_SITE_SLACK:g} percentage points)",
                ),
                "Kaplan MA et al., Breast Care 2016;11:248 (kaplan2016)",
                f"Share of {site} among the bone, lung, liver and brain sites at the distant relapse of "
                f"{group.group} disease (n = {group.n_patients} relapsed patients; several sites per patient), "
                "against the model's share of first distant recurrences in that site among those in the four "
                "sites (patients/sites.py), stage I-III cohort"
                + (", ER- patients only" if group.er_positive is False else "")
                + ". Not in the shared targets file: added by the sites work (issue 17).",
            )
        )
    return targets


@functools.cache
def load_targets() -> tuple[Target, ...]:
    """Return every machine-checkable calibration target, in the order of the shipped YAML.

    Returns
    -------
    tuple of Target
        Colleoni hazard by ER status and interval, the ER crossover; Pan 2017 cumulative distant recurrence by T/N
        stratum and its constancy; Braun 2005 DTC prevalence, association directions and rate ratio; the Willis
        constraints; bone share of first recurrences and bone-metastasis incidence; EBCTCG 2011 tamoxifen rate
        ratios by period and no rebound; first distant site by subtype (Kaplan 2016, :mod:`dormancy.patients.sites`,
        the one target group not from the shared file). Targets that no cohort statistic can check are listed in
        :data:`NOT_ASSESSED`.
    """
    raw = raw_targets()
    return (
        *_hazard_targets(raw["recurrence_hazard_by_er_status"]),
        *_pan_targets(raw["distant_recurrence_er_positive_after_5y_endocrine"]),
        *_braun_targets(raw["dtc_prevalence_at_diagnosis"], raw["dtc_positive_outcome_ratios"]),
        *_willis_targets(raw["micrometastases_in_dormant_patients"]),
        *_bone_targets(raw["bone_share_of_first_recurrences"], raw["bone_metastasis_incidence"]),
        *_tamoxifen_targets(raw["tamoxifen_effect_by_period_er_positive"]),
        *_site_targets(),
    )
