"""Pharmacology: dosing schedules, compartmental pharmacokinetics and drug effects on model targets.

Drugs are declarations plus registry sets (``pkpd_<drug>``, model ``pkpd``): :func:`load_drug` gives a frozen
:class:`Drug` with rate constants (1/day), volumes (L) and Emax/Hill target effects. A regimen is a list of
:class:`DoseSchedule` (text form ``DRUG:DOSE:INTERVAL[:xN][:forD][:atT]``, :func:`parse_schedule`);
:func:`simulate_pk` gives amounts (mg) and concentrations (mg/L) over time and :func:`target_effects` the effect
in [0, 1] on every target in :data:`TARGETS`, drugs combined by Bliss independence. Time is in days throughout.
Treatment strategies (:class:`Strategy` of :class:`Course`, :func:`parse_strategy`, :func:`named_strategy`) and
their effects over time with CDK4/6-inhibitor resistance (:func:`strategy_effects`): :mod:`dormancy.pkpd.strategy`.
"""

from dormancy.pkpd.compartments import SaturableElimination, mammillary_rates
from dormancy.pkpd.drugs import (
    DRUG_NAMES,
    ROUTES,
    TARGETS,
    Drug,
    RouteEntry,
    TargetEffect,
    load_drug,
)
from dormancy.pkpd.effects import bliss_combination, drug_effects, target_effects
from dormancy.pkpd.kinetics import PkResult, simulate_pk
from dormancy.pkpd.schedule import DAYS_PER_UNIT, DoseSchedule, parse_schedule
from dormancy.pkpd.strategy import (
    STRATEGY_KINDS,
    STRATEGY_NAMES,
    Course,
    Strategy,
    cycling_kill_rate,
    named_strategy,
    parse_strategy,
    strategy_effects,
)

__all__ = [
    "DAYS_PER_UNIT",
    "DRUG_NAMES",
    "ROUTES",
    "STRATEGY_KINDS",
    "STRATEGY_NAMES",
    "TARGETS",
    "Course",
    "DoseSchedule",
    "Drug",
    "PkResult",
    "RouteEntry",
    "SaturableElimination",
    "Strategy",
    "TargetEffect",
    "bliss_combination",
    "cycling_kill_rate",
    "drug_effects",
    "load_drug",
    "mammillary_rates",
    "named_strategy",
    "parse_schedule",
    "parse_strategy",
    "simulate_pk",
    "strategy_effects",
    "target_effects",
]
