"""Pharmacokinetics of a dosing regimen: amounts in every compartment and concentrations where a volume is known.

:func:`simulate_pk` gathers the doses of one drug's schedules (several schedules of the same drug add up; doses
at the same time are summed), turns each into a bolus of ``dose × bioavailability`` into its route's entry
compartment, and integrates the drug's compartments between doses (:mod:`dormancy.pkpd.compartments`: exact
matrix exponential for linear drugs, LSODA with rtol 1e-10 for saturable elimination).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from dormancy.errors import InputError, Problem
from dormancy.pkpd.compartments import propagate
from dormancy.pkpd.drugs import Drug, load_drug
from dormancy.pkpd.schedule import DoseSchedule
from dormancy.results import Status


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class PkResult:
    """Amounts and concentrations of one drug on the requested times (arrays are read-only).

    Parameters
    ----------
    drug : str
        Drug name.
    times_days : numpy.ndarray
        Output times, days, in the order requested.
    amounts_mg : mapping of str to numpy.ndarray
        Amount in each compartment, mg, sinks included (cumulative eliminated drug).
    concentrations_mg_per_l : mapping of str to numpy.ndarray
        Concentration, mg/L (= µg/mL), of each compartment with a volume.
    dose_times_days : numpy.ndarray
        Times of the doses given up to the last output time, days.
    doses_mg : numpy.ndarray
        Dose given at each of those times, mg (before bioavailability).
    absorbed_mg : float
        Total drug that entered the body (dose × bioavailability, summed), mg; the compartments add up to it.
    status : Status
        ``ok``; ``solver_failed`` or ``nonfinite`` when the integration failed (the amounts are NaN from there).
    message : str
        What went wrong, or empty.
    """

    drug: str
    times_days: np.ndarray
    amounts_mg: Mapping[str, np.ndarray]
    concentrations_mg_per_l: Mapping[str, np.ndarray]
    dose_times_days: np.ndarray
    doses_mg: np.ndarray
    absorbed_mg: float
    status: Status
    message: str

    def driver(self, compartment: str, measure: str) -> np.ndarray:
        """Return the amount (``measure="amount"``, mg) or concentration (mg/L) of a compartment."""
        return self.amounts_mg[compartment] if measure == "amount" else self.concentrations_mg_per_l[compartment]

    def to_dataset(self) -> Any:
        """Return the result as an :class:`xarray.Dataset` on a ``time`` coordinate (days), with units."""
        import xarray as xr

        variables = {
            f"amount_{name}": ("time", values, {"units": "mg", "long_name": f"{self.drug} amount in {name}"})
            for name, values in self.amounts_mg.items()
        }
        variables |= {
            f"concentration_{name}": ("time", values, {"units": "mg/L", "long_name": f"{self.drug} in {name}"})
            for name, values in self.concentrations_mg_per_l.items()
        }
        return xr.Dataset(
            variables,
            coords={"time": ("time", self.times_days, {"units": "day"})},
            attrs={"drug": self.drug, "status": str(self.status), "absorbed_mg": self.absorbed_mg},
        )


def check_times(times_days: object) -> np.ndarray:
    """Return the output times as a float array; raise :class:`InputError` unless 1-D and finite."""
    times = np.atleast_1d(np.asarray(times_days, dtype=np.float64))
    if times.ndim != 1 or not np.all(np.isfinite(times)):
        raise InputError([Problem("times_days", "a one-dimensional array of finite days", f"shape {times.shape}")])
    return times


def dose_events(schedules: Sequence[DoseSchedule], drug: Drug, horizon_days: float) -> tuple[np.ndarray, ...]:
    """Return the merged doses of the schedules up to the horizon.

    Parameters
    ----------
    schedules : sequence of DoseSchedule
        Schedules of ``drug``.
    drug : Drug
        The drug (gives each route's entry compartment and bioavailability).
    horizon_days : float
        Last day of interest.

    Returns
    -------
    tuple of numpy.ndarray
        Dose times (unique, increasing, days), dose per time (mg) and bolus amounts per compartment
        (mg, shape ``(n_times, n_compartments)``).
    """
    index = {name: i for i, name in enumerate(drug.compartments)}
    times: list[float] = []
    doses: list[float] = []
    boluses: list[np.ndarray] = []
    for schedule in schedules:
        entry = drug.routes[str(schedule.route)]
        for time in schedule.dose_times_days(horizon_days):
            bolus = np.zeros(len(drug.compartments))
            bolus[index[entry.compartment]] = schedule.dose_mg * entry.bioavailability
            times.append(float(time))
            doses.append(schedule.dose_mg)
            boluses.append(bolus)
    if not times:
        return np.zeros(0), np.zeros(0), np.zeros((0, len(drug.compartments)))
    unique, inverse = np.unique(np.asarray(times), return_inverse=True)
    dose_per_time = np.zeros(unique.size)
    np.add.at(dose_per_time, inverse, doses)
    bolus_per_time = np.zeros((unique.size, len(drug.compartments)))
    np.add.at(bolus_per_time, inverse, np.asarray(boluses))
    return unique, dose_per_time, bolus_per_time


def simulate_pk(
    schedule: DoseSchedule | Sequence[DoseSchedule],
    times_days: object,
    *,
    drug: Drug | None = None,
) -> PkResult:
    """Simulate the pharmacokinetics of one drug's regimen.

    Parameters
    ----------
    schedule : DoseSchedule or sequence of DoseSchedule
        One schedule, or several schedules of the same drug (their doses add up).
    times_days : array_like
        Output times, days, any order; before the first dose every amount is exactly 0, and at a dose time the
        amounts are those just after the dose.
    drug : Drug, optional
        The drug with its numbers (e.g. from :func:`~dormancy.pkpd.load_drug` with sampled parameters); default
        the registry values.

    Returns
    -------
    PkResult
        Amounts (mg) per compartment and concentrations (mg/L) where a volume is declared. Never raises for a
        numerical failure: the status says what happened.

    Raises
    ------
    InputError
        For no schedule, schedules of different drugs, a drug that does not match, or bad times.
    """
    schedules = (schedule,) if isinstance(schedule, DoseSchedule) else tuple(schedule)
    names = sorted({s.drug for s in schedules})
    if len(names) != 1:
        raise InputError([Problem("schedule", "one or more schedules of one drug", ", ".join(names) or "none")])
    if drug is None:
        drug = load_drug(names[0])
    elif drug.name != names[0]:
        raise InputError([Problem("drug", f"the drug of the schedules ({names[0]})", drug.name)])
    for s in schedules:
        if s.route not in drug.routes:
            raise InputError([Problem(f"schedule {s.to_text()}: route", f"one of {', '.join(drug.routes)}", s.route)])
    times = check_times(times_days)
    order = np.argsort(times, kind="stable")
    horizon = float(times.max()) if times.size else 0.0
    dose_times, doses, boluses = dose_events(schedules, drug, horizon)
    saturable = None
    if drug.saturable is not None:
        index = {name: i for i, name in enumerate(drug.compartments)}
        s = drug.saturable
        saturable = (index[s.source], index[s.sink], s.vmax_mg_per_day, s.km_mg_per_l, s.volume_l)
    propagation = propagate(drug.rate_matrix, dose_times, boluses, times[order], saturable=saturable)
    amounts = np.empty_like(propagation.amounts)
    amounts[order] = propagation.amounts
    by_compartment = {name: _read_only(amounts[:, i].copy()) for i, name in enumerate(drug.compartments)}
    concentrations = {name: _read_only(by_compartment[name] / volume) for name, volume in drug.volumes_l.items()}
    return PkResult(
        drug=drug.name,
        times_days=_read_only(times.copy()),
        amounts_mg=MappingProxyType(by_compartment),
        concentrations_mg_per_l=MappingProxyType(concentrations),
        dose_times_days=_read_only(dose_times),
        doses_mg=_read_only(doses),
        absorbed_mg=float(boluses.sum()),
        status=propagation.status,
        message=propagation.message,
    )
