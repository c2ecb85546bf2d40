"""A virtual clinical trial as a frozen, typed specification with a YAML round trip and clear messages.

On disk a trial is YAML with ``format: dormancy-trial`` and ``version: 1``::

    format: dormancy-trial
    version: 1
    name: my-trial
    title: Zoledronic acid against standard care in stage II/III
    population: {age_mean_years: 56}            # any PopulationSpec field (dormancy.patients)
    care: {chemotherapy: risk_based, endocrine_years: 5}
    eligibility:
      years_since_diagnosis: [0.0, 0.25]        # entry window (years after surgery)
      n_stages: [N1-3, N4-9, N10+]
      dtc_status: any                           # or positive / negative (bone-marrow aspirate at screening)
    screening: {candidates_per_enrolled: 2.5, rescreen_interval_years: null}
    enrolment: {target: 400}
    randomisation: {stratify_by: [er_status, menopausal_status], block_multiplier: 2}
    arms:
      - {name: control, strategy: null, ratio: 1}
      - {name: zoledronic_acid, strategy: zoledronic_acid_azure, ratio: 1}
    control_arm: control
    assessments: []                             # aspirates at days after entry: [{name: m6, days_after_entry: 182}]
    follow_up: {min_years: 5, max_years: 5}
    analysis: {primary_endpoint: dfs, alpha: 0.05, horizon_years: 5}

What the model cannot see (so the endpoints are narrower than a real trial's; see :mod:`dormancy.trials.endpoints`):
second primaries other than contralateral breast cancer are not modelled. Distant disease-free survival is the
first distant metastasis after entry; recurrence-free survival adds locoregional recurrence, and disease-free
survival also contralateral breast cancer (drawn by :mod:`dormancy.patients.locoregional`, untouched by the
trial's treatments), all censored at death. Invasive disease-free survival (STEEP) and distant relapse-free survival
count deaths from any cause too; overall survival is death from any cause and breast-cancer-specific survival
death from breast cancer (:mod:`dormancy.patients.survival`); the report states the definitions. The population's
``diagnosis_year`` sets the calendar period of deaths from other causes.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dormancy.errors import InputError, Problem, problems_from_validation
from dormancy.inputs import parse_yaml, read_text
from dormancy.patients import CareSpec, PopulationSpec
from dormancy.patients.specs import N_STAGES, SUBTYPES, T_STAGES
from dormancy.pkpd import Strategy, parse_strategy

TRIAL_FORMAT = "dormancy-trial"
TRIAL_VERSION = 1
ENDPOINTS: tuple[str, ...] = ("dfs", "ddfs", "rfs", "bmfs", "idfs", "drfs", "os", "bcss")
ENDPOINT_TITLES: Mapping[str, str] = {
    "dfs": "disease-free survival",
    "ddfs": "distant disease-free survival",
    "rfs": "recurrence-free survival",
    "bmfs": "bone-metastasis-free survival",
    "idfs": "invasive disease-free survival (STEEP)",
    "drfs": "distant relapse-free survival (STEEP)",
    "os": "overall survival",
    "bcss": "breast-cancer-specific survival",
}
#: Endpoints a trial analyses unless it lists its own (the recurrence endpoints, overall and breast-cancer survival).
DEFAULT_ENDPOINTS: tuple[str, ...] = ("dfs", "ddfs", "rfs", "bmfs", "os", "bcss")
EndpointName = Literal["dfs", "ddfs", "rfs", "bmfs", "idfs", "drfs", "os", "bcss"]
STRATIFICATION_FACTORS: tuple[str, ...] = ("er_status", "node_status", "menopausal_status", "t_stage", "subtype")
RISK_FEATURES: tuple[str, ...] = ("node_positive", "triple_negative", "er_negative", "grade_3", "t3")
MAX_CANDIDATES = 5_000_000  # screening candidates over all replicates of one run (memory bound)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False, allow_inf_nan=False)


class Eligibility(_Frozen):
    """Who may enter: covariates at entry, no distant recurrence before entry, DTC status by aspirate.

    ``years_since_diagnosis`` is the entry window ``[a, b]`` (years after surgery): each candidate's first
    screening time is drawn uniformly in it (counter-based, from the seed and the patient id). Menopausal status is
    the status at entry (age at entry against the patient's age at menopause). ``high_risk_any_of`` requires at
    least one of the listed features (empty: none required).
    """

    years_since_diagnosis: tuple[float, float] = (0.0, 0.25)
    dtc_status: Literal["any", "positive", "negative"] = "any"
    menopausal_status: Literal["any", "pre", "post"] = "any"
    er_status: Literal["any", "positive", "negative"] = "any"
    t_stages: tuple[str, ...] = T_STAGES
    n_stages: tuple[str, ...] = N_STAGES
    subtypes: tuple[str, ...] = SUBTYPES
    high_risk_any_of: tuple[str, ...] = ()

    @field_validator("years_since_diagnosis")
    @classmethod
    def _window(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = value
        if not 0.0 <= low <= high <= 30.0:
            raise ValueError(f"a window [a, b] with 0 <= a <= b <= 30 years, found {list(value)}")
        return value

    @field_validator("t_stages", "n_stages", "subtypes", "high_risk_any_of")
    @classmethod
    def _known(cls, value: tuple[str, ...], info) -> tuple[str, ...]:
        allowed = {"t_stages": T_STAGES, "n_stages": N_STAGES, "subtypes": SUBTYPES, "high_risk_any_of": RISK_FEATURES}
        known = allowed[info.field_name]
        unknown = [item for item in value if item not in known]
        if unknown or (info.field_name != "high_risk_any_of" and not value):
            raise ValueError(f"a non-empty list of {', '.join(known)}, found {list(value)}")
        return tuple(value)

    @model_validator(mode="after")
    def _someone(self) -> Eligibility:
        # ER+/HER2- patients are ER-positive and TN ones ER-negative; HER2+ ones may be either.
        possible = {"positive": {"ER+/HER2-", "HER2+"}, "negative": {"TN", "HER2+"}}.get(self.er_status)
        if possible is not None and not possible & set(self.subtypes):
            expected = f"a subtype an ER-{self.er_status} patient can have ({', '.join(sorted(possible))})"
            raise ValueError(InputError([Problem("subtypes", expected, f"{list(self.subtypes)}: nobody is eligible")]))
        return self


class Screening(_Frozen):
    """How many candidates are approached per enrolled patient, and whether DTC-negative ones are rescreened.

    ``candidates_per_enrolled`` × the enrolment target survivors are simulated per replicate trial (patients of
    the population, approached in id order; those ineligible or recurred before entry are not enrolled). With
    ``rescreen_interval_years``, a candidate whose aspirate does not qualify is aspirated again at that interval
    while still inside the entry window and free of recurrence (CLEVER rescreened DTC-negative survivors yearly).
    """

    candidates_per_enrolled: float = Field(3.0, ge=1.0, le=1000.0)
    rescreen_interval_years: float | None = Field(None, gt=0.0, le=10.0)


class Enrolment(_Frozen):
    """Patients enrolled per replicate trial (all arms together), in order of screening."""

    target: int = Field(..., ge=2, le=200_000)


class Randomisation(_Frozen):
    """Stratified permuted-block randomisation.

    Within each stratum (a combination of ``stratify_by`` factors at entry), patients in order of enrolment are
    given the arms of a block of ``block_multiplier × sum(ratios)`` slots, each arm ``ratio × block_multiplier``
    times, in a random order (a fresh permutation per block).
    """

    stratify_by: tuple[Literal["er_status", "node_status", "menopausal_status", "t_stage", "subtype"], ...] = ()
    block_multiplier: int = Field(1, ge=1, le=50)


class Arm(_Frozen):
    """One arm: a name, a strategy from :mod:`dormancy.pkpd` started at entry (or none) and an allocation ratio.

    ``strategy``: ``null`` for standard care only (control, placebo), a named strategy, or an inline strategy
    mapping (:func:`dormancy.pkpd.parse_strategy`). ``virtual``: an arm the published trial did not have (e.g. an
    untreated control added in silico), so a report can say so.
    """

    name: str = Field(..., pattern=r"^[A-Za-z][A-Za-z0-9_+\-]{0,39}$")
    strategy: str | dict[str, Any] | None = None
    ratio: int = Field(1, ge=1, le=100)
    virtual: bool = False
    description: str = ""


class Assessment(_Frozen):
    """A bone-marrow aspirate at a fixed time after entry (``days_after_entry``), to measure DTC clearance."""

    name: str = Field(..., pattern=r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
    days_after_entry: float = Field(..., gt=0.0, le=3650.0)


class FollowUp(_Frozen):
    """Follow-up after entry, years: each patient's drawn uniformly in ``[min_years, max_years]`` (fixed if equal).

    Drawn counter-based from the seed and the patient id (staggered accrual gives a range of follow-up at the
    analysis: CLEVER reported a median of 42 months, range 7–60).
    """

    min_years: float = Field(5.0, gt=0.0, le=30.0)
    max_years: float = Field(5.0, gt=0.0, le=30.0)

    @model_validator(mode="after")
    def _ordered(self) -> FollowUp:
        if self.max_years < self.min_years:
            raise ValueError(f"max_years >= min_years, found {self.max_years} < {self.min_years}")
        return self


class Analysis(_Frozen):
    """What is compared: endpoints, the primary one (for power), the two-sided level and a landmark horizon.

    ``subgroups``: factors (at entry) whose levels are also analysed separately (e.g. menopausal status, as in
    AZURE, D-CARE and the EBCTCG meta-analysis); the whole trial is the subgroup ``"all"``.
    """

    endpoints: tuple[EndpointName, ...] = DEFAULT_ENDPOINTS
    primary_endpoint: Literal["dfs", "ddfs", "rfs", "bmfs", "idfs", "drfs", "os", "bcss", "dtc_clearance"] = "dfs"
    alpha: float = Field(0.05, gt=0.0, lt=1.0)
    horizon_years: float = Field(5.0, gt=0.0, le=30.0)
    subgroups: tuple[Literal["er_status", "node_status", "menopausal_status", "t_stage", "subtype"], ...] = ()


class TrialSpec(_Frozen):
    """A virtual trial; see the module docstring for the file format and :mod:`dormancy.trials.engine` for the run."""

    format: Literal["dormancy-trial"] = TRIAL_FORMAT
    version: Literal[1] = TRIAL_VERSION
    name: str = Field(..., pattern=r"^[a-z0-9][a-z0-9_\-]{0,59}$")
    title: str = ""
    source: str = ""
    notes: str = ""
    population: dict[str, Any] = Field(default_factory=dict)
    care: dict[str, Any] = Field(default_factory=dict)
    eligibility: Eligibility = Field(default_factory=Eligibility)
    screening: Screening = Field(default_factory=Screening)
    enrolment: Enrolment
    randomisation: Randomisation = Field(default_factory=Randomisation)
    arms: tuple[Arm, ...]
    control_arm: str
    assessments: tuple[Assessment, ...] = ()
    follow_up: FollowUp = Field(default_factory=FollowUp)
    analysis: Analysis = Field(default_factory=Analysis)

    @field_validator("population")
    @classmethod
    def _population(cls, value: dict[str, Any]) -> dict[str, Any]:
        _build(PopulationSpec, value, "population")
        return value

    @field_validator("care")
    @classmethod
    def _care(cls, value: dict[str, Any]) -> dict[str, Any]:
        _build(CareSpec, value, "care")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TrialSpec:
        names = [arm.name for arm in self.arms]
        problems = []
        if not 2 <= len(self.arms) <= 8:
            problems.append(Problem("arms", "between 2 and 8 arms", str(len(self.arms))))
        if len(set(names)) != len(names):
            problems.append(Problem("arms", "distinct arm names", str(names)))
        if self.control_arm not in names:
            problems.append(Problem("control_arm", f"one of the arm names {', '.join(names)}", repr(self.control_arm)))
        if len({a.name for a in self.assessments}) != len(self.assessments):
            problems.append(Problem("assessments", "distinct assessment names", "a repeated name"))
        if self.analysis.primary_endpoint == "dtc_clearance" and not self.assessments:
            problems.append(Problem("analysis.primary_endpoint", "dtc_clearance only with assessments", "none"))
        for index, arm in enumerate(self.arms):
            try:
                resolve_strategy(arm.strategy, where=f"arms.{index}.strategy")
            except InputError as error:
                problems.extend(error.problems)
        if self.enrolment.target < sum(arm.ratio for arm in self.arms):
            problems.append(Problem("enrolment.target", "at least one patient per allocation slot", "fewer"))
        if self.eligibility.years_since_diagnosis[1] + self.follow_up.max_years > 40.0:
            problems.append(
                Problem(
                    "follow_up.max_years", "entry window end + follow-up <= 40 years", str(self.follow_up.max_years)
                )
            )
        if problems:
            raise InputError(problems)
        return self

    def population_spec(self) -> PopulationSpec:
        """Return the :class:`dormancy.patients.PopulationSpec` of the candidates."""
        return _build(PopulationSpec, self.population, "population")

    def care_spec(self) -> CareSpec:
        """Return the :class:`dormancy.patients.CareSpec` (standard care every arm receives)."""
        return _build(CareSpec, self.care, "care")

    def arm(self, name: str) -> Arm:
        """Return the arm called ``name``."""
        return next(arm for arm in self.arms if arm.name == name)

    def with_target(self, target: int) -> TrialSpec:
        """Return the same trial with another enrolment target (for sample size by simulation)."""
        return trial_from_dict({**self.to_dict(), "enrolment": {"target": int(target)}}, source=f"{self.name}")

    def to_dict(self) -> dict[str, Any]:
        """Return the trial as plain data (``trial_from_dict`` of it gives an equal spec)."""
        return self.model_dump(mode="json")


def _build(kind: type, options: Mapping[str, Any], where: str) -> Any:
    """Build a patients spec; problems name fields relative to ``where`` (pydantic prefixes the location)."""
    names = {f.name for f in dataclasses.fields(kind)}
    unknown = sorted(set(options) - names)
    if unknown:
        raise InputError([Problem(unknown[0], f"one of {', '.join(sorted(names))}", "an unknown key")])
    try:
        return kind(**options)
    except InputError as error:
        raise InputError(
            [Problem(p.field.removeprefix(f"{where}."), p.expected, p.found) for p in error.problems]
        ) from None
    except TypeError as error:
        raise InputError([Problem("(options)", "valid options", str(error))]) from None


def resolve_strategy(value: str | Mapping[str, Any] | None, *, where: str = "strategy") -> Strategy | None:
    """Return the :class:`dormancy.pkpd.Strategy` an arm names (None for standard care only).

    Raises
    ------
    InputError
        For an unknown name (listing :data:`dormancy.pkpd.STRATEGY_NAMES`) or a bad inline strategy, naming the
        field.
    """
    if value is None:
        return None
    return parse_strategy(value if isinstance(value, str) else dict(value), where=where)


def trial_from_dict(data: object, *, source: str | None = None) -> TrialSpec:
    """Validate plain data (as loaded from YAML) into a :class:`TrialSpec`.

    Raises
    ------
    InputError
        With one problem per bad field, naming the field path and what is allowed.
    """
    if not isinstance(data, dict):
        raise InputError([Problem("(top level)", "a mapping of trial fields", type(data).__name__)], source)
    try:
        return TrialSpec.model_validate(data)
    except ValidationError as error:
        problems = problems_from_validation(
            error.errors(include_url=False), documentation="the trial documentation (dormancy.trials.spec)"
        )
        raise InputError(problems, source) from None
    except InputError as error:
        raise InputError(list(error.problems), source) from None


def load_trial(path: str | os.PathLike[str]) -> TrialSpec:
    """Read and validate a trial YAML file.

    Raises
    ------
    InputError
        For a missing or unreadable file, broken YAML or any invalid field.
    """
    path = Path(path)
    source = str(path)
    text = read_text(path, what="trial file")
    return trial_from_text(text, source=source)


def trial_from_text(text: str, *, source: str | None = None) -> TrialSpec:
    """Parse YAML text into a :class:`TrialSpec` (see :func:`load_trial`)."""
    data = parse_yaml(text, source=source)
    if data is None:
        raise InputError([Problem("(file)", "a mapping of trial fields", "an empty file")], source)
    return trial_from_dict(data, source=source)


def dump_trial(spec: TrialSpec) -> str:
    """Return the trial as YAML text (loading it back gives an equal spec)."""
    return yaml.safe_dump(spec.to_dict(), sort_keys=False, allow_unicode=True)


def design_names() -> tuple[str, ...]:
    """Names of the built-in trial designs (``src/dormancy/trials/designs/*.yaml``)."""
    folder = resources.files("dormancy.trials.designs")
    return tuple(sorted(e.name.removesuffix(".yaml") for e in folder.iterdir() if e.name.endswith(".yaml")))


def design_text(name: str) -> str:
    """Return the YAML text of a built-in design."""
    if name not in design_names():
        raise InputError([Problem("design", f"one of {', '.join(design_names())}", repr(name))])
    return resources.files("dormancy.trials.designs").joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def template_text() -> str:
    """Return a commented trial file to start one's own from (``dormancy trial template``); it loads as is."""
    return resources.files("dormancy.trials").joinpath("template.yaml").read_text(encoding="utf-8")


def load_design(name: str) -> TrialSpec:
    """Return a built-in design (CLEVER, AZURE, D-CARE, ABCSG-18, EBCTCG) by name."""
    return trial_from_text(design_text(name), source=f"built-in trial {name}")
