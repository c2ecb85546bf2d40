"""Who the virtual patients are and how they are treated: frozen specifications with documented defaults.

Defaults match the calibration cohorts (``/work/shared/data/calibration_targets.yaml``): an early-breast-cancer
population of stage I–III like the IBCSG I–V trials (Colleoni 2016) and Braun 2005's pooled DTC cohort. Fractions
are documented assumptions; ``PopulationSpec.only`` builds a single stratum (e.g. Pan 2017's T1N0 ER+).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Mapping
from dataclasses import KW_ONLY, dataclass, field, replace

from dormancy.errors import InputError, Problem
from dormancy.patients.survival import check_diagnosis_year

SUBTYPES: tuple[str, ...] = ("ER+/HER2-", "HER2+", "TN")
T_STAGES: tuple[str, ...] = ("T1", "T2", "T3")
N_STAGES: tuple[str, ...] = ("N0", "N1-3", "N4-9", "N10+")
CHEMOTHERAPY_POLICIES: tuple[str, ...] = ("none", "all", "node_positive", "risk_based", "risk_based_her2")


class FrozenMapping(Mapping):
    """A read-only, hashable, picklable mapping (specs travel to Dask workers)."""

    def __init__(self, data: Mapping | None = None) -> None:
        self._data = dict(data or {})

    def __getitem__(self, key: object) -> object:
        return self._data[key]

    def __iter__(self) -> Iterator:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._data.items())))

    def __repr__(self) -> str:
        return repr(self._data)


def _frozen(mapping: Mapping) -> Mapping:
    return FrozenMapping(mapping)


@dataclass(frozen=True)
class PopulationSpec:
    """The population the patients are drawn from.

    Parameters
    ----------
    age_mean_years, age_sd_years : float
        Normal age at diagnosis, truncated to [25, 90] years (IBCSG I–V enrolled pre- and postmenopausal women;
        median age at diagnosis of breast cancer is about 60).
    subtype_fractions : mapping
        ``"ER+/HER2-"``, ``"HER2+"``, ``"TN"`` (sum 1). Default 0.65 / 0.15 / 0.20 (about 70 % of early breast
        cancers are ER+; HER2+ 15–20 %; triple negative 15–20 %; widely quoted).
    her2_er_positive_fraction : float
        Fraction of HER2+ tumours that are ER+ (about half; widely quoted).
    t_stage_fractions : mapping
        ``"T1"`` (≤ 2 cm), ``"T2"`` (2–5 cm), ``"T3"`` (> 5 cm). Default 0.45 / 0.45 / 0.10.
    n_stage_fractions : mapping
        ``"N0"``, ``"N1-3"``, ``"N4-9"``, ``"N10+"``. Default 0.45 / 0.30 / 0.15 / 0.10 (IBCSG I–IV were node-positive
        trials, V node-negative).
    grade_fractions : mapping of str to tuple
        Subtype to the fractions of grades 1, 2, 3 (grade is correlated with subtype: most triple-negative
        tumours are grade 3). Default ER+/HER2− (0.20, 0.50, 0.30), HER2+ (0.05, 0.35, 0.60), TN (0.03, 0.22, 0.75).
    bmi_median, bmi_sigma_log : float
        Log-normal BMI (kg/m²): median and standard deviation of log BMI; truncated to [16, 60].
    extra_inflammation_mean : float
        Mean chronic inflammation beyond age and adiposity, in [0, 1) (exponential, truncated at 1; most hosts
        have little, a few much, e.g. high IL-1β [144, 146]).
    diagnosis_year : int
        Calendar year of diagnosis (1970-2035), which sets deaths from other causes with age through the SSA
        female period life tables (:mod:`dormancy.patients.survival`). Default 1985, the era of the calibration
        cohorts (IBCSG 1978-85 trials) and of the 1980s standard care of :class:`CareSpec`.
    """

    age_mean_years: float = 56.0
    age_sd_years: float = 11.0
    subtype_fractions: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"ER+/HER2-": 0.65, "HER2+": 0.15, "TN": 0.20})
    )
    her2_er_positive_fraction: float = 0.5
    t_stage_fractions: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"T1": 0.45, "T2": 0.45, "T3": 0.10})
    )
    n_stage_fractions: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"N0": 0.45, "N1-3": 0.30, "N4-9": 0.15, "N10+": 0.10})
    )
    grade_fractions: Mapping[str, tuple[float, float, float]] = field(
        default_factory=lambda: _frozen(
            {"ER+/HER2-": (0.20, 0.50, 0.30), "HER2+": (0.05, 0.35, 0.60), "TN": (0.03, 0.22, 0.75)}
        )
    )
    bmi_median: float = 26.0
    bmi_sigma_log: float = 0.18
    extra_inflammation_mean: float = 0.05
    er_positive_only: bool | None = None
    diagnosis_year: int = 1985

    def __post_init__(self) -> None:
        object.__setattr__(self, "subtype_fractions", _frozen(self.subtype_fractions))
        object.__setattr__(self, "t_stage_fractions", _frozen(self.t_stage_fractions))
        object.__setattr__(self, "n_stage_fractions", _frozen(self.n_stage_fractions))
        object.__setattr__(
            self, "grade_fractions", _frozen({k: tuple(v) for k, v in dict(self.grade_fractions).items()})
        )
        problems: list[Problem] = []
        for name, keys in (
            ("subtype_fractions", SUBTYPES),
            ("t_stage_fractions", T_STAGES),
            ("n_stage_fractions", N_STAGES),
        ):
            mapping = getattr(self, name)
            if set(mapping) != set(keys):
                problems.append(
                    Problem(f"population.{name}", f"exactly the keys {', '.join(keys)}", str(sorted(mapping)))
                )
            elif any(v < 0 for v in mapping.values()) or abs(sum(mapping.values()) - 1.0) > 1e-9:
                problems.append(
                    Problem(f"population.{name}", "non-negative fractions summing to 1", str(dict(mapping)))
                )
        if set(self.grade_fractions) != set(SUBTYPES) or any(
            len(v) != 3 or min(v) < 0 or abs(sum(v) - 1.0) > 1e-9 for v in self.grade_fractions.values()
        ):
            problems.append(
                Problem("population.grade_fractions", "for each subtype three fractions summing to 1", "other")
            )
        for name, low, high in (
            ("age_mean_years", 25.0, 90.0),
            ("age_sd_years", 0.0, 30.0),
            ("her2_er_positive_fraction", 0.0, 1.0),
            ("bmi_median", 16.0, 60.0),
            ("bmi_sigma_log", 0.0, 1.0),
            ("extra_inflammation_mean", 0.0, 0.5),
        ):
            value = getattr(self, name)
            if not low <= value <= high:
                problems.append(Problem(f"population.{name}", f"a value in [{low:g}, {high:g}]", repr(value)))
        try:
            object.__setattr__(self, "diagnosis_year", check_diagnosis_year(self.diagnosis_year))
        except InputError as error:
            problems.extend(error.problems)
        if self.er_positive_only not in (None, True, False):
            problems.append(Problem("population.er_positive_only", "None, True or False", repr(self.er_positive_only)))
        if problems:
            raise InputError(problems)

    @classmethod
    def only(
        cls,
        *,
        er_positive: bool | None = None,
        t_stage: str | None = None,
        n_stage: str | None = None,
        **overrides: object,
    ) -> PopulationSpec:
        """Return the default population restricted to one ER status, T stage and/or N stage.

        ER status is imposed by keeping the subtype mix of that status (ER+ = ER+/HER2− and the ER+ part of
        HER2+; ER− = triple negative and the ER− part of HER2+).
        """
        base = cls(**overrides)  # type: ignore[arg-type]
        changes: dict[str, object] = {}
        if er_positive is not None:
            changes["er_positive_only"] = bool(er_positive)
        for name, value, keys in (("t_stage_fractions", t_stage, T_STAGES), ("n_stage_fractions", n_stage, N_STAGES)):
            if value is not None:
                if value not in keys:
                    raise InputError([Problem(f"population.{name}", f"one of {', '.join(keys)}", repr(value))])
                changes[name] = {key: float(key == value) for key in keys}
        return replace(base, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class CareSpec:
    """Standard care after surgery (the primary is removed at t = 0), by era.

    ``CareSpec()`` (era ``"1980s"``) is the care the natural history was calibrated with: chemotherapy of the
    1980s (CMF-like, the calibrated log kill) and 5 years of tamoxifen-like endocrine therapy for ER+ patients; its
    cohorts are bit-identical to those before eras existed. ``CareSpec(era="modern")`` switches on every modern
    component (:mod:`dormancy.patients.care`: mechanisms, parameters and eligibility); each component can also
    be chosen on its own (keyword-only), in either era.

    Parameters
    ----------
    chemotherapy : {"none", "all", "node_positive", "risk_based", "risk_based_her2"}, optional
        Who gets adjuvant chemotherapy. ``risk_based``: node-positive, ER−, or T2+ with grade 3;
        ``risk_based_her2``: the same or HER2+ (modern practice: HER2+ tumours get chemotherapy with trastuzumab).
        None: the era's (1980s ``risk_based``, modern ``risk_based_her2``).
    endocrine_years : float
        Years of endocrine therapy for ER+ patients (0 = none, as in the IBCSG 1978–85 era).
    era : {"1980s", "modern"}
        The defaults of the keyword-only components below (None: the era's choice).
    chemotherapy_regimen : {"cmf", "anthracycline", "anthracycline_taxane"}, optional
        The regimen's intensity (log kill of cycling cells). 1980s: ``cmf``; modern: ``anthracycline_taxane``.
    endocrine_agent : {"tamoxifen", "aromatase_inhibitor"}, optional
        Endocrine agent of postmenopausal ER+ patients (and premenopausal ones on ovarian suppression; an aromatase
        inhibitor alone does not work before the menopause, so others get tamoxifen). 1980s: ``tamoxifen``; modern:
        ``aromatase_inhibitor``.
    ovarian_suppression : {"none", "chemotherapy", "all"}, optional
        Ovarian function suppression for premenopausal ER+ patients during endocrine therapy: none, those who also
        get chemotherapy (the higher-risk women of SOFT/TEXT), or all. 1980s: ``none``; modern: ``chemotherapy``.
    extended_endocrine : {"none", "node_positive", "all"}, optional
        Who continues endocrine therapy to ``extended_to_years`` (an aromatase inhibitor after the first years when
        postmenopausal, as in MA.17; tamoxifen otherwise). 1980s: ``none``; modern: ``node_positive``.
    extended_to_years : float
        Total years of endocrine therapy with extension (7–10).
    trastuzumab : bool, optional
        One year of trastuzumab for HER2+ patients who get chemotherapy. 1980s: False; modern: True.
    cdk46_inhibitor : bool, optional
        Two years of abemaciclib for ER+/HER2− patients eligible for monarchE (4+ positive nodes, or 1–3 with grade
        3 or T3). 1980s: False; modern: True.
    """

    chemotherapy: str | None = None
    endocrine_years: float = 5.0
    _: KW_ONLY
    era: str = "1980s"
    chemotherapy_regimen: str | None = None
    endocrine_agent: str | None = None
    ovarian_suppression: str | None = None
    extended_endocrine: str | None = None
    extended_to_years: float = 10.0
    trastuzumab: bool | None = None
    cdk46_inhibitor: bool | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.chemotherapy is None and self.era in ERAS:
            object.__setattr__(self, "chemotherapy", "risk_based" if self.era == "1980s" else "risk_based_her2")
        if self.chemotherapy not in CHEMOTHERAPY_POLICIES:
            problems.append(
                Problem("care.chemotherapy", f"one of {', '.join(CHEMOTHERAPY_POLICIES)}", repr(self.chemotherapy))
            )
        if not _number(self.endocrine_years) or not 0.0 <= float(self.endocrine_years) <= 15.0:
            problems.append(Problem("care.endocrine_years", "a value in [0, 15] years", repr(self.endocrine_years)))
        if self.era not in ERAS:
            problems.append(Problem("care.era", f"one of {', '.join(ERAS)}", repr(self.era)))
            raise InputError(problems)
        for name, allowed in CARE_CHOICES.items():
            value = getattr(self, name)
            if value is None:
                object.__setattr__(self, name, ERA_DEFAULTS[self.era][name])
            elif value not in allowed or isinstance(value, bool) != isinstance(allowed[0], bool):
                problems.append(Problem(f"care.{name}", f"one of {', '.join(map(str, allowed))}", repr(value)))
        if not _number(self.extended_to_years) or not 7.0 <= float(self.extended_to_years) <= 10.0:
            problems.append(Problem("care.extended_to_years", "a value in [7, 10] years", repr(self.extended_to_years)))
        elif self.extended_endocrine not in (None, "none") and float(self.extended_to_years) < float(
            self.endocrine_years
        ):
            problems.append(Problem("care.extended_to_years", "at least endocrine_years", repr(self.extended_to_years)))
        if problems:
            raise InputError(problems)

    @property
    def is_1980s(self) -> bool:
        """Whether this is the calibrated 1980s care: era 1980s with no modern component (the kernel's own care).

        Any other care (also ``era="modern"`` with every component chosen as in the 1980s, the neutral control of
        an in-silico comparison) gives every patient a care regimen (:mod:`dormancy.patients.care`).
        """
        return self.era == "1980s" and all(getattr(self, name) == ERA_DEFAULTS["1980s"][name] for name in CARE_CHOICES)


def _number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


#: Named eras of standard care.
ERAS: tuple[str, ...] = ("1980s", "modern")
#: The keyword-only care components and their allowed values.
CARE_CHOICES: dict[str, tuple] = {
    "chemotherapy_regimen": ("cmf", "anthracycline", "anthracycline_taxane"),
    "endocrine_agent": ("tamoxifen", "aromatase_inhibitor"),
    "ovarian_suppression": ("none", "chemotherapy", "all"),
    "extended_endocrine": ("none", "node_positive", "all"),
    "trastuzumab": (False, True),
    "cdk46_inhibitor": (False, True),
}
#: Each era's choice of every component.
ERA_DEFAULTS: dict[str, dict[str, object]] = {
    "1980s": {
        "chemotherapy_regimen": "cmf",
        "endocrine_agent": "tamoxifen",
        "ovarian_suppression": "none",
        "extended_endocrine": "none",
        "trastuzumab": False,
        "cdk46_inhibitor": False,
    },
    "modern": {
        "chemotherapy_regimen": "anthracycline_taxane",
        "endocrine_agent": "aromatase_inhibitor",
        "ovarian_suppression": "chemotherapy",
        "extended_endocrine": "node_positive",
        "trastuzumab": True,
        "cdk46_inhibitor": True,
    },
}


@dataclass(frozen=True)
class CohortSpec:
    """A cohort: how many patients, how long they are followed, who they are and how they are treated.

    Parameters
    ----------
    n_patients : int
        Number of patients (ids 0 .. n − 1).
    followup_years : float
        Follow-up from diagnosis, years (at most 40).
    population : PopulationSpec
        Who they are.
    care : CareSpec
        Standard care.
    step_days : float
        Time step of the stochastic process, days (default one month).
    deaths : bool
        Whether patients die (of other causes by the life table, of breast cancer after a distant recurrence;
        :mod:`dormancy.patients.survival`). False gives the immortal cohort of earlier versions (no
        ``death_years``, every event followed to the end of follow-up).
    """

    n_patients: int
    followup_years: float = 20.0
    population: PopulationSpec = field(default_factory=PopulationSpec)
    care: CareSpec = field(default_factory=CareSpec)
    step_days: float = 30.4375
    deaths: bool = True

    def __post_init__(self) -> None:
        problems = []
        if (
            isinstance(self.n_patients, bool)
            or not isinstance(self.n_patients, int)
            or not 1 <= self.n_patients <= 10**9
        ):
            problems.append(Problem("cohort.n_patients", "an integer in [1, 1e9]", repr(self.n_patients)))
        if not 0.0 < float(self.followup_years) <= 40.0:
            problems.append(Problem("cohort.followup_years", "a value in (0, 40] years", repr(self.followup_years)))
        if not 1.0 <= float(self.step_days) <= 91.0:
            problems.append(Problem("cohort.step_days", "a value in [1, 91] days", repr(self.step_days)))
        if self.deaths not in (True, False):
            problems.append(Problem("cohort.deaths", "True or False", repr(self.deaths)))
        if problems:
            raise InputError(problems)

    @property
    def n_steps(self) -> int:
        """Number of time steps covering the follow-up."""
        return round(self.followup_years * 365.25 / self.step_days)
