r"""Treatment strategies as first-class objects: courses of drugs with schedules, combined and sequenced.

A :class:`Course` is one drug's dosing: a :class:`~dormancy.pkpd.DoseSchedule` (text form
``DRUG:DOSE:INTERVAL[:xN][:forD][:atT]``) started ``start_days`` after the strategy's start, optionally repeated
in cycles (``cycle_days`` apart, ``cycles`` times: palbociclib's 21 of 28 days) and cut at ``duration_days``. Every
course must end (a count, a duration or cycles). A :class:`Strategy` is a named set of courses of a ``kind``:

- ``sleeping``: keep DTCs dormant (HDAC inhibitors, NR2F1 agonists, CDK4/6 inhibitors, bone-targeted agents, IL-1β
  blockade) [review Fig. 5];
- ``awakening``: wake dormant cells, then kill them with chemotherapy (antagomiR-222/223-loaded MSCs [2, 58],
  CXCR4 blockade mobilising cells from the niche);
- ``killing``: eliminate dormant cells in place (hydroxychloroquine and everolimus, as in CLEVER);
- ``standard``: adjuvant chemotherapy and endocrine therapy;
- ``combination``: anything else combined.

Strategies are parsed from mappings (``Strategy.from_dict``, :func:`parse_strategy`) with one
:class:`~dormancy.errors.InputError` listing every bad field; :func:`named_strategy` returns the library
(:data:`STRATEGY_NAMES`). :func:`strategy_effects` gives the target effects of a strategy over time, with the
acquired resistance of CDK4/6 inhibitors: the CDK4/6 target effect is scaled by :math:`1 - R(t)`,
:math:`R(t) = 1 - 2^{-X(t)/X_{1/2}}`, with :math:`X(t) = \int_0^t E_{CDK4/6}(s)\,ds` the cumulative exposure
(years at full effect) and :math:`X_{1/2}` the drug's ``resistance_half_exposure`` [73].
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dormancy.errors import InputError, Problem
from dormancy.pkpd.drugs import TARGETS, Drug, load_drug
from dormancy.pkpd.effects import target_effects
from dormancy.pkpd.kinetics import check_times
from dormancy.pkpd.schedule import DAYS_PER_UNIT, DoseSchedule, _days, parse_schedule

#: Kinds of strategy (review Fig. 5).
STRATEGY_KINDS: tuple[str, ...] = ("sleeping", "awakening", "killing", "standard", "combination")
_TIME_TEXT = "a number of days >= 0 or a time with a unit (h, d, w, mo, y), e.g. 3mo or 28d"
_COURSE_KEYS = ("schedule", "start", "duration", "cycle", "cycles")
_STRATEGY_KEYS = ("name", "kind", "courses", "description")


@dataclass(frozen=True)
class Course:
    """One drug's dosing within a strategy.

    Parameters
    ----------
    schedule : DoseSchedule
        The dosing (its ``start_day`` counts from the course's start).
    start_days : float
        Start of the course after the strategy's start, days (>= 0).
    duration_days : float or None
        Doses are given strictly before ``start_days + duration_days``; None: as the schedule (or cycles) gives.
    cycle_days : float or None
        Repeat the schedule every ``cycle_days`` (e.g. 28 for ``palbociclib:125mg:qd:for21d``); needs ``cycles``
        or ``duration_days``.
    cycles : int or None
        Number of cycles.

    Raises
    ------
    InputError
        One problem per invalid field, or a course that never ends.
    """

    schedule: DoseSchedule
    _: dataclasses.KW_ONLY
    start_days: float = 0.0
    duration_days: float | None = None
    cycle_days: float | None = None
    cycles: int | None = None

    def __post_init__(self) -> None:
        problems = _course_problems(self, where=f"course {getattr(self.schedule, 'drug', '?')}")
        if problems:
            raise InputError(problems)

    @property
    def drug(self) -> str:
        """Name of the course's drug."""
        return self.schedule.drug

    def dose_schedules(self) -> tuple[DoseSchedule, ...]:
        """Return the course as schedules on the strategy's clock (one per cycle), every one of finite length."""
        window_end = self.start_days + self.duration_days if self.duration_days is not None else math.inf
        n_cycles = 1 if self.cycle_days is None else (self.cycles or math.ceil(self.duration_days / self.cycle_days))
        out = []
        for k in range(n_cycles):
            offset = self.start_days + k * (self.cycle_days or 0.0)
            if offset >= window_end:
                break
            copy = dataclasses.replace(self.schedule, start_day=self.schedule.start_day + offset)
            end = min(window_end, offset + self.cycle_days) if self.cycle_days is not None else window_end
            if copy.interval_days is not None and math.isfinite(end):
                times = copy.dose_times_days(end)
                times = times[times < end - 1e-9]
                if times.size == 0:
                    continue
                copy = dataclasses.replace(copy, count=int(times.size), duration_days=None)
            elif copy.start_day >= end:
                continue
            out.append(copy)
        return tuple(out)

    @property
    def last_dose_day(self) -> float:
        """Day of the course's last dose on the strategy's clock."""
        days = [s.dose_times_days(1e9)[-1] for s in self.dose_schedules()]
        return float(max(days)) if days else self.start_days

    def to_dict(self) -> dict[str, Any]:
        """Return the course as a mapping :meth:`Strategy.from_dict` reads back."""
        out: dict[str, Any] = {"schedule": self.schedule.to_text(), "start": self.start_days}
        if self.duration_days is not None:
            out["duration"] = self.duration_days
        if self.cycle_days is not None:
            out["cycle"] = self.cycle_days
        if self.cycles is not None:
            out["cycles"] = self.cycles
        return out


def _nonnegative(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def _course_problems(course: Course, *, where: str) -> list[Problem]:
    problems = []
    if not isinstance(course.schedule, DoseSchedule):
        problems.append(Problem(f"{where}: schedule", "a DoseSchedule", type(course.schedule).__name__))
        return problems
    if not _nonnegative(course.start_days):
        problems.append(Problem(f"{where}: start", _TIME_TEXT, repr(course.start_days)))
    if course.duration_days is not None and not (_nonnegative(course.duration_days) and course.duration_days > 0):
        problems.append(Problem(f"{where}: duration", "a positive time, " + _TIME_TEXT, repr(course.duration_days)))
    if course.cycle_days is not None and not (_nonnegative(course.cycle_days) and course.cycle_days > 0):
        problems.append(Problem(f"{where}: cycle", "a positive time, " + _TIME_TEXT, repr(course.cycle_days)))
    if course.cycles is not None and (
        isinstance(course.cycles, bool) or not isinstance(course.cycles, int) or course.cycles < 1
    ):
        problems.append(Problem(f"{where}: cycles", "a whole number of cycles >= 1", repr(course.cycles)))
    if problems:
        return problems
    if course.cycles is not None and course.cycle_days is None:
        problems.append(Problem(f"{where}: cycle", "a cycle length when cycles are given", "none"))
    if course.cycle_days is not None and course.cycles is None and course.duration_days is None:
        problems.append(Problem(f"{where}: cycles", "a number of cycles or a duration with a cycle length", "none"))
    s = course.schedule
    if (
        s.interval_days is not None
        and s.count is None
        and s.duration_days is None
        and course.duration_days is None
        and (course.cycle_days is None)
    ):
        problems.append(
            Problem(f"{where}: duration", "an end: a duration, cycles, or a schedule with xN or forD", "none")
        )
    return problems


@dataclass(frozen=True)
class Strategy:
    """A treatment strategy: named courses of drugs, of one kind.

    Parameters
    ----------
    name : str
        Name (shown in result tables, e.g. ``hcq+everolimus``).
    kind : str
        One of :data:`STRATEGY_KINDS`.
    courses : tuple of Course
        At least one course; any drugs, any start and overlap (sequence by start times).
    description : str
        What it is, with its source.

    Raises
    ------
    InputError
        For an empty name, an unknown kind or no courses.
    """

    name: str
    kind: str
    courses: tuple[Course, ...]
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "courses", tuple(self.courses))
        problems = []
        if not isinstance(self.name, str) or not self.name.strip():
            problems.append(Problem("strategy: name", "a non-empty text", repr(self.name)))
        if self.kind not in STRATEGY_KINDS:
            problems.append(Problem("strategy: kind", f"one of {', '.join(STRATEGY_KINDS)}", repr(self.kind)))
        if not self.courses or not all(isinstance(c, Course) for c in self.courses):
            problems.append(Problem("strategy: courses", "one or more Course", repr(self.courses)))
        if problems:
            raise InputError(problems)

    @property
    def drugs(self) -> tuple[str, ...]:
        """Names of the drugs, in order of first appearance."""
        return tuple(dict.fromkeys(course.drug for course in self.courses))

    def dose_schedules(self) -> tuple[DoseSchedule, ...]:
        """Return every dose schedule on the strategy's clock (days from its start)."""
        return tuple(s for course in self.courses for s in course.dose_schedules())

    @property
    def last_dose_day(self) -> float:
        """Day of the last dose of any course."""
        return max(course.last_dose_day for course in self.courses)

    def to_dict(self) -> dict[str, Any]:
        """Return the strategy as a mapping :meth:`from_dict` reads back."""
        return {
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "courses": [course.to_dict() for course in self.courses],
        }

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any], *, where: str = "strategy") -> Strategy:
        """Parse a strategy from a mapping.

        Parameters
        ----------
        mapping : mapping
            ``name``, ``kind``, optional ``description``, and ``courses``: a list of mappings with ``schedule``
            (text ``DRUG:DOSE:INTERVAL[:xN][:forD][:atT]``), optional ``start`` and ``duration`` (days or a time
            with a unit: ``3mo``, ``28d``), ``cycle`` (same) and ``cycles`` (whole number).
        where : str
            Name of the field the mapping came from, used in messages.

        Raises
        ------
        InputError
            One problem per bad field, each named by its path (``strategy.courses[1].schedule``).
        """
        if not isinstance(mapping, Mapping):
            raise InputError([Problem(where, "a mapping with name, kind and courses", type(mapping).__name__)])
        problems = [
            Problem(f"{where}.{key}", f"one of {', '.join(_STRATEGY_KEYS)}", "an unknown field")
            for key in mapping
            if key not in _STRATEGY_KEYS
        ]
        name, kind = mapping.get("name"), mapping.get("kind")
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(f"{where}.name", "a non-empty text", repr(name)))
        if kind not in STRATEGY_KINDS:
            problems.append(Problem(f"{where}.kind", f"one of {', '.join(STRATEGY_KINDS)}", repr(kind)))
        description = mapping.get("description", "")
        if not isinstance(description, str):
            problems.append(Problem(f"{where}.description", "a text", repr(description)))
        raw_courses = mapping.get("courses")
        courses: list[Course] = []
        if not isinstance(raw_courses, Sequence) or isinstance(raw_courses, str) or not raw_courses:
            problems.append(Problem(f"{where}.courses", "a non-empty list of courses", repr(raw_courses)))
        else:
            for index, raw in enumerate(raw_courses):
                course, found = _parse_course(raw, where=f"{where}.courses[{index}]")
                problems += found
                if course is not None:
                    courses.append(course)
        if problems:
            raise InputError(problems)
        return cls(name=name.strip(), kind=kind, courses=tuple(courses), description=description)


def _time(value: object, *, field: str, positive: bool, problems: list[Problem]) -> float | None:
    if value is None:
        return None
    days: float | None
    if isinstance(value, str):
        days = _days(value.strip().lower())
    elif _nonnegative(value):
        days = float(value)
    else:
        days = None
    if days is None or (positive and days <= 0):
        problems.append(Problem(field, ("a positive time: " if positive else "") + _TIME_TEXT, repr(value)))
        return None
    return days


def _parse_course(raw: object, *, where: str) -> tuple[Course | None, list[Problem]]:
    if not isinstance(raw, Mapping):
        return None, [Problem(where, "a mapping with schedule, start, duration, cycle, cycles", type(raw).__name__)]
    problems = [
        Problem(f"{where}.{key}", f"one of {', '.join(_COURSE_KEYS)}", "an unknown field")
        for key in raw
        if key not in _COURSE_KEYS
    ]
    schedule = None
    try:
        schedule = parse_schedule(raw.get("schedule"), where=f"{where}.schedule")
    except InputError as error:
        problems += error.problems
    start = _time(raw.get("start", 0.0), field=f"{where}.start", positive=False, problems=problems)
    duration = _time(raw.get("duration"), field=f"{where}.duration", positive=True, problems=problems)
    cycle = _time(raw.get("cycle"), field=f"{where}.cycle", positive=True, problems=problems)
    cycles = raw.get("cycles")
    if cycles is not None and (isinstance(cycles, bool) or not isinstance(cycles, int) or cycles < 1):
        problems.append(Problem(f"{where}.cycles", "a whole number of cycles >= 1", repr(cycles)))
        cycles = None
    if problems or schedule is None:
        return None, problems
    try:
        return Course(schedule, start_days=start or 0.0, duration_days=duration, cycle_days=cycle, cycles=cycles), []
    except InputError as error:
        return None, [Problem(f"{where}.{p.field.partition(': ')[2]}", p.expected, p.found) for p in error.problems]


def parse_strategy(value: Strategy | str | Mapping[str, Any], *, where: str = "strategy") -> Strategy:
    """Return a strategy from a :class:`Strategy`, a name in :data:`STRATEGY_NAMES` or a mapping.

    Raises
    ------
    InputError
        For an unknown name or a bad mapping (naming the field).
    """
    if isinstance(value, Strategy):
        return value
    if isinstance(value, str):
        return named_strategy(value, where=where)
    return Strategy.from_dict(value, where=where)


# ---------------------------------------------------------------------------------------------- the library


def _course(text: str, **options: Any) -> Course:
    return Course(parse_schedule(text, where="library"), **options)


_MONTH = DAYS_PER_UNIT["mo"]
_YEAR = DAYS_PER_UNIT["y"]
_CLEVER_DAYS = 6 * 28.0


def _library() -> dict[str, Strategy]:
    hcq = _course("hydroxychloroquine:600mg:q12h", duration_days=_CLEVER_DAYS)
    eve = _course("everolimus:10mg:qd", duration_days=_CLEVER_DAYS)
    docetaxel = _course("docetaxel:135mg:q3w:x6", start_days=14.0)
    strategies = [
        Strategy("hcq", "killing", (hcq,), "Hydroxychloroquine 600 mg twice daily, six 28-day cycles (CLEVER arm)."),
        Strategy("everolimus", "killing", (eve,), "Everolimus 10 mg daily, six 28-day cycles (CLEVER arm)."),
        Strategy("hcq+everolimus", "killing", (hcq, eve), "Both CLEVER drugs together, six 28-day cycles."),
        Strategy(
            "zoledronic_acid_azure",
            "sleeping",
            (
                _course("zoledronic_acid:4mg:q4w:x6"),
                _course("zoledronic_acid:4mg:q3mo:x8", start_days=6 * 28.0),
                _course("zoledronic_acid:4mg:q6mo:x5", start_days=6 * 28.0 + 8 * 3 * _MONTH),
            ),
            "AZURE: zoledronic acid 4 mg IV every 3-4 weeks x 6, every 3 months x 8, every 6 months x 5 (19 doses).",
        ),
        Strategy(
            "denosumab_dcare",
            "sleeping",
            (
                _course("denosumab:120mg:q4w:x7"),
                _course("denosumab:120mg:q12w", start_days=7 * 28.0, duration_days=5 * _YEAR - 7 * 28.0),
            ),
            "D-CARE: denosumab 120 mg SC every 4 weeks for about 6 months, then every 12 weeks; 5 years in total.",
        ),
        Strategy(
            "denosumab_abcsg18",
            "sleeping",
            (_course("denosumab:60mg:q6mo:x10"),),
            "ABCSG-18: denosumab 60 mg SC every 6 months alongside the aromatase inhibitor (10 doses over 5 years).",
        ),
        Strategy(
            "cdk46i",
            "sleeping",
            (_course("palbociclib:125mg:qd:for21d", cycle_days=28.0, cycles=26),),
            "Palbociclib 125 mg daily for 21 of 28 days, 26 cycles (2 years; as in adjuvant trials).",
        ),
        Strategy(
            "abemaciclib",
            "sleeping",
            (_course("abemaciclib:150mg:q12h", duration_days=2 * _YEAR),),
            "Abemaciclib 150 mg twice daily for 2 years.",
        ),
        Strategy(
            "ribociclib",
            "sleeping",
            (_course("ribociclib:600mg:qd:for21d", cycle_days=28.0, cycles=39),),
            "Ribociclib 600 mg daily for 21 of 28 days, 39 cycles (3 years).",
        ),
        Strategy(
            "entinostat",
            "sleeping",
            (_course("entinostat:5mg:q1w", duration_days=_YEAR),),
            "Entinostat (HDAC inhibitor) 5 mg weekly for 1 year.",
        ),
        Strategy(
            "nr2f1_agonist",
            "sleeping",
            (_course("nr2f1_agonist_c26:50mg:q12h", duration_days=_YEAR),),
            "Hypothetical human regimen of the NR2F1 agonist C26 for 1 year (PRECLINICAL compound, [198]).",
        ),
        Strategy(
            "canakinumab",
            "sleeping",
            (_course("canakinumab:150mg:q4w", duration_days=_YEAR),),
            "IL-1β blockade: canakinumab 150 mg SC every 4 weeks for 1 year.",
        ),
        Strategy(
            "anakinra",
            "sleeping",
            (_course("anakinra:100mg:qd", duration_days=6 * _MONTH),),
            "IL-1 receptor blockade: anakinra 100 mg SC daily for 6 months.",
        ),
        Strategy(
            "chemotherapy",
            "standard",
            (_course("docetaxel:135mg:q3w:x6"),),
            "Cytotoxic chemotherapy: docetaxel 75 mg/m2 (135 mg) IV every 3 weeks x 6.",
        ),
        Strategy(
            "antagomir_msc",
            "awakening",
            (_course("antagomir_msc:1mg:q1w:x4"),),
            "antagomiR-222/223-loaded MSCs weekly x 4 (PRECLINICAL [2, 58]), no chemotherapy.",
        ),
        Strategy(
            "awakening+chemotherapy",
            "awakening",
            (_course("antagomir_msc:1mg:q1w:x6"), docetaxel),
            "antagomiR-222/223-loaded MSCs weekly x 6, docetaxel every 3 weeks x 6 from day 14 (PRECLINICAL idea).",
        ),
        Strategy(
            "cxcr4i",
            "awakening",
            (_course("plerixafor:17mg:qd", duration_days=4 * _MONTH),),
            "CXCR4 blockade: plerixafor 0.24 mg/kg (17 mg) SC daily for 4 months, no chemotherapy.",
        ),
        Strategy(
            "cxcr4i+chemotherapy",
            "awakening",
            (_course("plerixafor:17mg:qd", duration_days=4 * _MONTH), docetaxel),
            "Plerixafor daily for 4 months with docetaxel every 3 weeks x 6 from day 14.",
        ),
        Strategy(
            "tamoxifen",
            "standard",
            (_course("tamoxifen:20mg:qd", duration_days=5 * _YEAR),),
            "Tamoxifen 20 mg daily for 5 years.",
        ),
        Strategy(
            "aromatase_inhibitor",
            "standard",
            (_course("letrozole:2.5mg:qd", duration_days=5 * _YEAR),),
            "Letrozole 2.5 mg daily for 5 years (postmenopausal women).",
        ),
    ]
    return {strategy.name: strategy for strategy in strategies}


#: Names of the library strategies.
STRATEGY_NAMES: tuple[str, ...] = (
    "hcq",
    "everolimus",
    "hcq+everolimus",
    "zoledronic_acid_azure",
    "denosumab_dcare",
    "denosumab_abcsg18",
    "cdk46i",
    "abemaciclib",
    "ribociclib",
    "entinostat",
    "nr2f1_agonist",
    "canakinumab",
    "anakinra",
    "chemotherapy",
    "antagomir_msc",
    "awakening+chemotherapy",
    "cxcr4i",
    "cxcr4i+chemotherapy",
    "tamoxifen",
    "aromatase_inhibitor",
)


def named_strategy(name: str, *, where: str = "strategy") -> Strategy:
    """Return the library strategy ``name`` (one of :data:`STRATEGY_NAMES`).

    Raises
    ------
    InputError
        For an unknown name.
    """
    library = _library()
    if name not in library:
        raise InputError([Problem(where, f"one of {', '.join(STRATEGY_NAMES)}", repr(name))])
    return library[name]


# ---------------------------------------------------------------------------------------------- effects


def strategy_effects(
    strategy: Strategy, times_days: object, *, drugs: Mapping[str, Drug] | None = None
) -> dict[str, np.ndarray]:
    """Return the effect of a strategy on every target over time (days from its start), resistance included.

    Parameters
    ----------
    strategy : Strategy
        The strategy.
    times_days : array_like
        Increasing output times, days; the CDK4/6 resistance integral uses the trapezoid rule on them, so they
        should resolve the dosing (e.g. a few points per day).
    drugs : mapping of str to Drug, optional
        Drugs with their numbers (default registry values).

    Returns
    -------
    dict of str to numpy.ndarray
        Every name in :data:`~dormancy.pkpd.TARGETS` → effect in [0, 1] (Bliss-combined across drugs), with the
        ``cdk46_inhibition`` effect scaled by :math:`1 - R(t)` (module docstring).
    """
    times = check_times(times_days)
    effects = target_effects(strategy.dose_schedules(), times, drugs=drugs)
    halves = [
        (drugs or {}).get(name, None) or load_drug(name)
        for name in strategy.drugs
        if "resistance_half_exposure" in load_drug(name).constants
    ]
    if halves:
        half_years = min(drug.constants["resistance_half_exposure"] for drug in halves)
        raw = effects["cdk46_inhibition"]
        exposure_years = np.concatenate(([0.0], np.cumsum(0.5 * (raw[1:] + raw[:-1]) * np.diff(times)))) / _YEAR
        effects["cdk46_inhibition"] = raw * np.exp2(-exposure_years / half_years)
    return {target: effects[target] for target in TARGETS}


def cycling_kill_rate(strategy: Strategy, *, drugs: Mapping[str, Drug] | None = None) -> float:
    """Return the natural-log kill rate of cycling cells at full ``cycling_cell_kill`` effect, 1/day (0 if none)."""
    rates = [
        ((drugs or {}).get(name) or load_drug(name)).constants.get("cycling_cell_kill_max_rate", 0.0)
        for name in strategy.drugs
    ]
    return max(rates, default=0.0)
