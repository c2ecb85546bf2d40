"""Dosing schedules: a frozen :class:`DoseSchedule` and the text form used on the command line.

Grammar (case-insensitive, fields separated by ``:``)::

    DRUG:DOSE:INTERVAL[:xN][:forDURATION][:atSTART][:ROUTE]

- ``DRUG``: a registry drug (:data:`dormancy.pkpd.DRUG_NAMES`: ``zoledronic_acid``, ``denosumab``, ``opg_fc``,
  ``hydroxychloroquine``, ``everolimus``, ``palbociclib``, ``docetaxel``, ...).
- ``DOSE``: a positive number with ``mg``, ``ug`` (``µg``, ``mcg``) or ``g``: ``4mg``, ``120mg``, ``500ug``.
- ``INTERVAL``: ``q<number><unit>`` (``q3w``, ``q4w``, ``q6mo``, ``q1d``, ``q12h``), ``qd`` (daily) or ``once``.
- ``xN``: stop after N doses; ``forDURATION``: give doses during that time from the start (a dose exactly at the
  end is not given); at most one of the two. Without either, doses repeat up to the simulation horizon.
- ``atSTART``: day of the first dose (default 0).
- ``ROUTE``: ``iv``, ``sc`` or ``oral``, where the drug allows it (default: the drug's usual route).

Durations and intervals take the units ``h`` (1/24 day), ``d``, ``w`` (7 days), ``mo`` (30.4375 days, a
twelfth of a year) and ``y`` (365.25 days). For example ``zoledronic_acid:4mg:q6mo`` or
``denosumab:60mg:q6mo:x6:at1y``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

from dormancy.errors import InputError, Problem
from dormancy.pkpd.drugs import DECLARATIONS, DRUG_NAMES, ROUTES

#: Days per unit of the schedule grammar.
DAYS_PER_UNIT: dict[str, float] = {"h": 1.0 / 24.0, "d": 1.0, "w": 7.0, "mo": 365.25 / 12.0, "y": 365.25}

#: Milligrams per unit of dose.
MG_PER_UNIT: dict[str, float] = {"mg": 1.0, "ug": 1e-3, "µg": 1e-3, "mcg": 1e-3, "g": 1e3}

GRAMMAR = "DRUG:DOSE:INTERVAL[:xN][:forDURATION][:atSTART][:ROUTE], e.g. zoledronic_acid:4mg:q6mo"
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?"
_TIME = re.compile(rf"^(?P<number>{_NUMBER})(?P<unit>mo|h|d|w|y)$")
_DOSE = re.compile(rf"^(?P<number>{_NUMBER})(?P<unit>mg|ug|µg|mcg|g)$")
_COUNT = re.compile(r"^x(?P<count>\d+)$")
_TIME_UNITS = "h, d, w, mo or y"
_EXPECTED = {
    "dose": "a positive dose with a unit (mg, ug/µg/mcg or g), e.g. 4mg, 120mg or 500ug",
    "interval": f"q<number><unit> with unit {_TIME_UNITS} (e.g. q3w, q4w, q6mo, q1d, q12h), qd or once",
    "count": "x<N> with N a whole number of doses >= 1, e.g. x6",
    "duration": f"for<number><unit> with unit {_TIME_UNITS} and a positive number, e.g. for3y, for6mo, for12w",
    "start": f"at<number><unit> with unit {_TIME_UNITS}, e.g. at1y or at30d",
    "options": f"xN, forDURATION, atSTART or a route ({', '.join(ROUTES)}), each at most once",
}


@dataclass(frozen=True)
class DoseSchedule:
    """A dosing regimen of one drug: a dose repeated at an interval, from a start day, for a count or duration.

    Parameters
    ----------
    drug : str
        A registry drug name (one of :data:`dormancy.pkpd.DRUG_NAMES`).
    dose_mg : float
        Dose per administration, mg (as given; the bioavailability applies in the simulation).
    route : {"iv", "sc", "oral"}, optional
        Route of administration; default the drug's usual route. Must be one the drug allows.
    interval_days : float or None
        Time between doses, days; None for a single dose.
    count : int or None
        Number of doses; None for no limit (then ``duration_days`` or the horizon ends the regimen).
    duration_days : float or None
        Doses are given at times ``start_day + k * interval_days`` strictly before ``start_day + duration_days``.
    start_day : float
        Day of the first dose, >= 0.

    Raises
    ------
    InputError
        One problem per invalid field.
    """

    drug: str
    dose_mg: float
    _: dataclasses.KW_ONLY
    route: str | None = None
    interval_days: float | None = None
    count: int | None = None
    duration_days: float | None = None
    start_day: float = 0.0

    def __post_init__(self) -> None:
        if self.drug in DECLARATIONS and self.route is None:
            object.__setattr__(self, "route", DECLARATIONS[self.drug].default_route)
        problems = _check(dataclasses.asdict(self), where=f"DoseSchedule {self.drug}", names=None)
        if problems:
            raise InputError(problems)

    @property
    def repeats(self) -> bool:
        """Whether the schedule gives more than one dose (has an interval)."""
        return self.interval_days is not None

    def dose_times_days(self, horizon_days: float) -> np.ndarray:
        """Return the dose times within ``[0, horizon_days]``, days, increasing.

        Parameters
        ----------
        horizon_days : float
            Last day considered (a dose exactly at the horizon is included).

        Returns
        -------
        numpy.ndarray
            ``start_day + k * interval_days`` for k = 0, 1, ... limited by ``count``, ``duration_days`` and the
            horizon; empty when the first dose is after the horizon.
        """
        if not math.isfinite(horizon_days):
            raise InputError([Problem("horizon_days", "a finite number of days", repr(horizon_days))])
        if self.start_day > horizon_days:
            return np.zeros(0)
        if self.interval_days is None:
            return np.array([self.start_day])
        steps = math.floor((horizon_days - self.start_day) / self.interval_days * (1.0 + 1e-12) + 1e-9)
        last = steps
        if self.count is not None:
            last = min(last, self.count - 1)
        if self.duration_days is not None:
            within = math.ceil(self.duration_days / self.interval_days * (1.0 - 1e-12) - 1e-9) - 1
            last = min(last, within)
        return self.start_day + np.arange(last + 1, dtype=np.float64) * self.interval_days

    def to_text(self) -> str:
        """Return the schedule in the grammar of :func:`parse_schedule` (``parse_schedule(s.to_text()) == s``)."""
        parts = [self.drug, f"{_number(self.dose_mg)}mg"]
        parts.append("once" if self.interval_days is None else f"q{_number(self.interval_days)}d")
        if self.count is not None:
            parts.append(f"x{self.count}")
        if self.duration_days is not None:
            parts.append(f"for{_number(self.duration_days)}d")
        if self.start_day:
            parts.append(f"at{_number(self.start_day)}d")
        parts.append(str(self.route))
        return ":".join(parts)


def _number(value: float) -> str:
    """Return the shortest text that reads back as the same float (``4`` for 4.0, ``0.1``, ``1e-05``)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


#: Shortest dosing interval accepted, days (1 hour): shorter ones are typos and would need millions of doses.
MIN_INTERVAL_DAYS = 1.0 / 24.0


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def _check(fields: Mapping[str, Any], *, where: str, names: Mapping[str, str] | None) -> list[Problem]:
    """Return the problems of a schedule's fields (``names`` maps dataclass fields to the grammar's words)."""
    schedule = SimpleNamespace(**fields)

    def label(name: str) -> str:
        return f"{where}: {names.get(name, name) if names else name}"

    if schedule.drug not in DECLARATIONS:
        return [Problem(label("drug"), f"one of {', '.join(DRUG_NAMES)}", repr(schedule.drug))]
    problems = []
    if not _positive(schedule.dose_mg):
        problems.append(Problem(label("dose_mg"), "a positive, finite dose in mg", repr(schedule.dose_mg)))
    allowed = tuple(DECLARATIONS[schedule.drug].routes)
    if schedule.route not in allowed:
        problems.append(
            Problem(label("route"), f"a route of {schedule.drug}: {', '.join(allowed)}", repr(schedule.route))
        )
    if schedule.interval_days is not None and not (
        _positive(schedule.interval_days) and schedule.interval_days >= MIN_INTERVAL_DAYS
    ):
        problems.append(
            Problem(
                label("interval_days"),
                "an interval of at least 1 hour (1/24 day), or None",
                repr(schedule.interval_days),
            )
        )
    if schedule.count is not None and not (isinstance(schedule.count, int) and schedule.count >= 1):
        problems.append(Problem(label("count"), "a whole number of doses >= 1, or None", repr(schedule.count)))
    if schedule.duration_days is not None and not _positive(schedule.duration_days):
        problems.append(
            Problem(label("duration_days"), "a positive duration in days, or None", repr(schedule.duration_days))
        )
    start = schedule.start_day
    if isinstance(start, bool) or not isinstance(start, int | float) or not (math.isfinite(start) and start >= 0):
        problems.append(Problem(label("start_day"), "a finite day >= 0", repr(start)))
    if schedule.interval_days is None and schedule.count is not None and schedule.count > 1:
        problems.append(
            Problem(label("count"), "a repeating interval (not once) for more than one dose", f"x{schedule.count}")
        )
    if schedule.interval_days is None and schedule.duration_days is not None:
        problems.append(Problem(label("duration_days"), "a repeating interval (not once) with a duration", "once"))
    if schedule.count is not None and schedule.duration_days is not None:
        problems.append(Problem(label("duration_days"), "either a count (xN) or a duration (forD), not both", "both"))
    return problems


def _days(token: str) -> float | None:
    match = _TIME.match(token)
    return None if match is None else float(match["number"]) * DAYS_PER_UNIT[match["unit"]]


def parse_schedule(text: str, *, where: str = "--drug") -> DoseSchedule:
    """Parse a schedule such as ``zoledronic_acid:4mg:q6mo`` or ``denosumab:60mg:q6mo:x6:at1y``.

    Parameters
    ----------
    text : str
        The schedule in the grammar of this module's docstring.
    where : str
        Name of the option or field the text came from, used in messages (``--drug zoledronic_acid: dose``).

    Returns
    -------
    DoseSchedule
        The schedule, with times in days and the dose in mg.

    Raises
    ------
    InputError
        One problem per faulty element, naming it and what is allowed.
    """
    if not isinstance(text, str):
        raise InputError([Problem(where, GRAMMAR, repr(text))])
    fields = [part.strip() for part in text.strip().split(":")]
    if len(fields) < 3 or not all(fields):
        raise InputError([Problem(f"{where} {text.strip()}".rstrip(), GRAMMAR, repr(text))])
    drug_token, dose_token, interval_token, *options = fields
    drug = drug_token.lower()
    prefix = f"{where} {drug_token}"
    if drug not in DECLARATIONS:
        raise InputError([Problem(f"{prefix}: drug", f"one of {', '.join(DRUG_NAMES)}", repr(drug_token))])
    problems: list[Problem] = []

    def fault(element: str, found: str) -> None:
        problems.append(Problem(f"{prefix}: {element}", _EXPECTED[element], repr(found)))

    dose_match = _DOSE.match(dose_token.lower())
    dose_mg = None
    if dose_match is None or float(dose_match["number"]) <= 0:
        fault("dose", dose_token)
    else:
        dose_mg = float(dose_match["number"]) * MG_PER_UNIT[dose_match["unit"]]

    interval = interval_token.lower()
    interval_days: float | None = None
    if interval == "qd":
        interval_days = 1.0
    elif interval != "once":
        interval_days = _days(interval[1:]) if interval.startswith("q") else None
        if interval_days is None or interval_days <= 0:
            fault("interval", interval_token)
            interval_days = None

    found: dict[str, object] = {}
    for token in options:
        lowered = token.lower()
        element, value = "options", None
        if count := _COUNT.match(lowered):
            element, value = "count", int(count["count"]) if int(count["count"]) >= 1 else None
        elif lowered.startswith("for"):
            days = _days(lowered[3:])
            element, value = "duration", days if days is not None and days > 0 else None
        elif lowered.startswith("at"):
            element, value = "start", _days(lowered[2:])
        elif lowered in ROUTES:
            element, value = "route", lowered
        if element == "options" or element in found:
            fault("options", token)
        elif value is None:
            fault(element, token)
            found[element] = None
        else:
            found[element] = value
    if problems:
        raise InputError(problems)
    schedule_fields = {
        "route": found.get("route"),
        "interval_days": interval_days,
        "count": found.get("count"),
        "duration_days": found.get("duration"),
        "start_day": found.get("start", 0.0),
    }
    if schedule_fields["route"] is None:
        schedule_fields["route"] = DECLARATIONS[drug].default_route
    names = {"dose_mg": "dose", "interval_days": "interval", "duration_days": "duration", "start_day": "start"}
    problems = _check({"drug": drug, "dose_mg": dose_mg, **schedule_fields}, where=prefix, names=names)
    if problems:
        raise InputError(problems)
    return DoseSchedule(drug, dose_mg, **schedule_fields)
