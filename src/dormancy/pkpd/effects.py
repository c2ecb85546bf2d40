r"""Drug effects on targets over time, combined across drugs by Bliss independence.

Each drug's schedules are simulated together (:func:`~dormancy.pkpd.simulate_pk`); each of its target effects
is an Emax/Hill function of one compartment (:class:`~dormancy.pkpd.TargetEffect`). Drugs acting on the same
target are taken to act independently (Bliss 1939):

.. math::

    E_\mathrm{target}(t) = 1 - \prod_{d} \bigl(1 - E_{d,\mathrm{target}}(t)\bigr),

so the combination stays in [0, 1], is at least the largest single effect, and equals it when the others are
zero. A target no drug hits has effect 0; before the first dose of a drug its effects are exactly 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from dormancy.errors import InputError, Problem
from dormancy.pkpd.drugs import TARGETS, Drug, load_drug
from dormancy.pkpd.kinetics import PkResult, check_times, simulate_pk
from dormancy.pkpd.schedule import DoseSchedule


def bliss_combination(effects: Sequence[np.ndarray]) -> np.ndarray:
    r"""Return :math:`1 - \prod_i (1 - E_i)` of effects in [0, 1] of equal shape (0 for no effects)."""
    if not effects:
        return np.zeros(0)
    remaining = np.ones_like(np.asarray(effects[0], dtype=np.float64))
    for effect in effects:
        remaining = remaining * (1.0 - np.asarray(effect, dtype=np.float64))
    return 1.0 - remaining


def drug_effects(pk: PkResult, drug: Drug) -> dict[str, np.ndarray]:
    """Return one drug's effect on each target it acts on, from its simulated PK.

    Parameters
    ----------
    pk : PkResult
        The drug's simulation.
    drug : Drug
        The drug (its target effects).

    Returns
    -------
    dict of str to numpy.ndarray
        Target → effect in [0, 1] on ``pk.times_days`` (NaN where the PK failed). A drug with two effects on
        one target (none ships so) combines them by Bliss independence too.
    """
    by_target: dict[str, list[np.ndarray]] = {}
    for target in drug.targets:
        by_target.setdefault(target.target, []).append(target.effect(pk.driver(target.compartment, target.measure)))
    return {name: bliss_combination(effects) for name, effects in by_target.items()}


def target_effects(
    schedules: Sequence[DoseSchedule],
    times_days: object,
    *,
    drugs: Mapping[str, Drug] | None = None,
) -> dict[str, np.ndarray]:
    """Return the effect of a regimen on every target over time.

    Parameters
    ----------
    schedules : sequence of DoseSchedule
        The regimen: any number of schedules of any drugs (schedules of one drug are simulated together).
    times_days : array_like
        Output times, days.
    drugs : mapping of str to Drug, optional
        Drugs with their numbers by name (e.g. sampled per patient); drugs not given use the registry values.

    Returns
    -------
    dict of str to numpy.ndarray
        Every name in :data:`~dormancy.pkpd.TARGETS` → effect in [0, 1] at each time (zeros for targets no drug
        of the regimen hits), combined across drugs by Bliss independence.

    Raises
    ------
    InputError
        For bad times or a drug in ``drugs`` stored under another name.
    """
    times = check_times(times_days)
    if isinstance(schedules, DoseSchedule):
        schedules = (schedules,)
    given = dict(drugs or {})
    for name, drug in given.items():
        if drug.name != name:
            raise InputError([Problem(f"drugs.{name}", f"the drug named {name}", drug.name)])
    by_drug: dict[str, list[DoseSchedule]] = {}
    for schedule in schedules:
        by_drug.setdefault(schedule.drug, []).append(schedule)
    contributions: dict[str, list[np.ndarray]] = {target: [] for target in TARGETS}
    for name, drug_schedules in by_drug.items():
        drug = given.get(name) or load_drug(name)
        pk = simulate_pk(drug_schedules, times, drug=drug)
        for target, effect in drug_effects(pk, drug).items():
            contributions[target].append(effect)
    return {
        target: bliss_combination(effects) if effects else np.zeros(times.size)
        for target, effects in contributions.items()
    }
