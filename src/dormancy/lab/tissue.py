r"""Shared machinery of the tissue-scale lab protocols (spheroid, bone-on-a-chip, explant): switch-cell populations.

A dish, spheroid or chip holds :math:`N` switch cells (a struct of arrays, :class:`SwitchCells`). Each cell reads
the protocol's inputs times its own log-normal factors (cell-to-cell variability, coefficient of variation
``input_variability_cv`` of the ``lab_in_vivo`` set; the factors are keyed by the cell's lineage, so daughters
inherit them), and one step of :math:`\Delta t` hours (:func:`advance`) does

1. **Switch.** :func:`dormancy.signalling.integrate_cells` over :math:`\Delta t` with the inputs held (a time-varying
   protocol chains steps, passing the final state on);
2. **Fates**, from :func:`dormancy.signalling.fate_rates` at the new state: death with probability
   :math:`1 - e^{-(d + d_x)\Delta t}` (:math:`d` the apoptosis rate, :math:`d_x` a protocol's extra death such as
   necrosis), otherwise division with probability :math:`1 - e^{-r\Delta t}` (:math:`r` the proliferation rate); each
   a per-cell Bernoulli draw from the counter-based generator keyed by (seed, cell id, step)
   (:func:`dormancy.rng.agent_uniforms`), so a seed gives the same population whatever the batching. A daughter
   takes a new id, its parent's switch state, inputs factors and position tag.

When a protocol follows more cells than it can afford, :func:`thin` keeps every second cell along the position tag
(from a start drawn with the keyed generator) and doubles the number of real cells each simulated cell stands for
(its ``weight``): every cell is kept with probability 1/2, so counts scale back up exactly in expectation and
fractions are unbiased, and sparse regions keep half their cells instead of a binomial share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dormancy.params import ParameterSet, load_registry
from dormancy.rng import agent_normals, agent_uniforms
from dormancy.signalling import (
    PROLIFERATING_PREPARATION,
    SwitchModel,
    fate_rates,
    integrate_cells,
    is_dormant,
    steady_states,
)

__all__ = [
    "SET_NAME",
    "SwitchCells",
    "advance",
    "cell_frame",
    "cell_inputs",
    "culture_inputs",
    "input_factors",
    "lab_parameters",
    "parameter_records",
    "population_readouts",
    "prepared_cells",
    "simulate",
    "slab_oxygen",
    "thin",
]

#: Registry set of the lab-B protocols.
SET_NAME = "lab_in_vivo"
STREAM_FATE, STREAM_THIN, STREAM_PLACE = 11, 12, 13
STREAM_NOISE = 14


def lab_parameters() -> ParameterSet:
    """Return the ``lab_in_vivo`` parameter set."""
    return load_registry().sets[SET_NAME]


def parameter_records(*sets: ParameterSet) -> list[dict[str, Any]]:
    """Return the records of ``sets`` as plain dictionaries (for a manifest)."""
    return [record.to_dict() for parameter_set in sets for record in parameter_set]


@dataclass(frozen=True)
class SwitchCells:
    """A population of switch cells (struct of arrays; every array has one row per cell).

    Parameters
    ----------
    id : numpy.ndarray of int64
        Unique cell ids (counter-based draws are keyed by them).
    lineage : numpy.ndarray of int64
        Id of the founding cell; keys the cell's input factors, so daughters share them.
    switch : numpy.ndarray
        Switch node activities ``(cells, n_internal)``.
    tag : numpy.ndarray
        A protocol's position coordinate (spheroid volume rank key, distance from a vessel or a cut face, µm).
    """

    id: NDArray[np.int64]
    lineage: NDArray[np.int64]
    switch: NDArray[np.float64]
    tag: NDArray[np.float64]

    def __len__(self) -> int:
        """Return the number of cells."""
        return len(self.id)

    def take(self, index: NDArray) -> SwitchCells:
        """Return the cells at ``index`` (boolean mask or integer positions)."""
        return SwitchCells(self.id[index], self.lineage[index], self.switch[index], self.tag[index])


def culture_inputs(switch: SwitchModel, values: Mapping[str, float], er_status: str) -> dict[str, float]:
    """Return input values with ESTROGEN dropped for ER− cells (they do not read oestrogen)."""
    values = dict(values)
    if er_status == "negative":
        values.pop("ESTROGEN", None)
    return values


def prepared_cells(
    switch: SwitchModel, n: int, *, inputs: Mapping[str, float], tag: NDArray[np.float64], hours: float = 2000.0
) -> SwitchCells:
    """Return ``n`` cells at the steady state of a proliferating culture under ``inputs``.

    Cells are grown before the experiment in ordinary culture: their switch is relaxed from the proliferating
    preparation (TGF-β1 added to ``inputs``) and then under ``inputs`` alone, as in the niche's arriving cells.
    """
    start = steady_states(switch, switch.inputs({**inputs, **PROLIFERATING_PREPARATION}), 0.0, hours=hours)
    state = steady_states(switch, switch.inputs(inputs), start, hours=hours)
    ids = np.arange(n, dtype=np.int64)
    return SwitchCells(ids, ids.copy(), np.repeat(state, n, axis=0), np.asarray(tag, dtype=np.float64))


def input_factors(seed: int, lineage: NDArray[np.int64], n_inputs: int, cv: float) -> NDArray[np.float64]:
    r"""Return log-normal factors of mean 1 and coefficient of variation ``cv``, ``(cells, n_inputs)``.

    :math:`f = e^{\sigma z - \sigma^2/2}`, :math:`\sigma^2 = \ln(1 + CV^2)`, :math:`z` a standard normal keyed by
    (seed, lineage, input index).
    """
    sigma = np.sqrt(np.log1p(cv**2))
    z = agent_normals(seed, lineage, 0, n_inputs, stream=STREAM_NOISE)
    return np.exp(sigma * z - 0.5 * sigma**2)


def cell_inputs(base: NDArray[np.float64], factors: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return per-cell inputs: ``base`` (``(cells, n_inputs)`` or ``(n_inputs,)``) times factors, clipped to [0, 1]."""
    return np.clip(base * factors, 0.0, 1.0)


def advance(
    switch: SwitchModel,
    cells: SwitchCells,
    inputs: NDArray[np.float64],
    *,
    hours: float,
    step: int,
    seed: int,
    next_id: int,
    extra_death_per_day: NDArray[np.float64] | float = 0.0,
) -> tuple[SwitchCells, int, dict[str, int]]:
    """Advance the population one step (module docstring): switch, then death or division per cell.

    Parameters
    ----------
    switch : SwitchModel
        The switch.
    cells : SwitchCells
        The population before the step.
    inputs : numpy.ndarray
        ``(cells, n_inputs)`` in [0, 1], held over the step.
    hours : float
        Step length, hours.
    step : int
        Step index (keys the fate draws).
    seed : int
        Seed of the draws.
    next_id : int
        The id the first daughter takes.
    extra_death_per_day : float or numpy.ndarray
        Death rate added to the switch's apoptosis rate (per day), scalar or per cell.

    Returns
    -------
    tuple
        The new population, the next free id, and event counts ``divided``, ``died``, ``switch_failures``.
    """
    if len(cells) == 0:
        return cells, next_id, {"divided": 0, "died": 0, "switch_failures": 0}
    trajectory = integrate_cells(switch.wiring, switch.kinetics, cells.switch, inputs, np.array([0.0, hours]))
    state = trajectory.states[-1].copy()
    failed = ~trajectory.ok
    state[failed] = cells.switch[failed]
    rates = fate_rates(switch, state)
    days = hours / 24.0
    u = agent_uniforms(seed, cells.id, step, 2, stream=STREAM_FATE)
    death = rates["apoptosis_rate"] + extra_death_per_day
    dies = u[:, 0] < -np.expm1(-death * days)
    divides = ~dies & (u[:, 1] < -np.expm1(-rates["proliferation_rate"] * days))
    survivors = SwitchCells(cells.id, cells.lineage, state, cells.tag).take(~dies)
    parents = SwitchCells(cells.id, cells.lineage, state, cells.tag).take(divides)
    daughter_ids = next_id + np.arange(len(parents), dtype=np.int64)
    daughters = replace(parents, id=daughter_ids)
    merged = SwitchCells(
        np.concatenate([survivors.id, daughters.id]),
        np.concatenate([survivors.lineage, daughters.lineage]),
        np.concatenate([survivors.switch, daughters.switch]),
        np.concatenate([survivors.tag, daughters.tag]),
    )
    events = {"divided": int(divides.sum()), "died": int(dies.sum()), "switch_failures": int(failed.sum())}
    return merged, next_id + len(parents), events


def thin(cells: SwitchCells, weight: float, cap: int, *, seed: int, step: int) -> tuple[SwitchCells, float]:
    """Halve the population while it exceeds ``cap`` (systematic sampling along ``tag``); return it and its weight.

    Cells are ordered by position tag, then id, and every second one is kept from a start (0 or 1) drawn with the
    keyed generator of (seed, step). Each cell is kept with probability 1/2, as with independent draws, but every
    stretch of positions (and every clone sitting at one position) keeps half its cells to within one, so a sparse
    region is not emptied by chance.
    """
    rounds = 0
    while len(cells) > cap:
        start = int(agent_uniforms(seed, np.array([rounds]), step, 1, stream=STREAM_THIN)[0, 0] < 0.5)
        order = np.lexsort((cells.id, cells.tag))
        keep = np.sort(order[start::2])
        cells, weight, rounds = cells.take(keep), weight * 2.0, rounds + 1
    return cells, weight


def cell_frame(switch: SwitchModel, cells: SwitchCells, condition: str, **columns: NDArray) -> pd.DataFrame:
    """Return the per-cell table of :class:`dormancy.lab.LabResult`: condition, ``node_<NAME>``, dormant, extras."""
    table: dict[str, object] = {"condition": condition, "cell": cells.id}
    table.update(columns)
    table["dormant"] = is_dormant(switch, cells.switch) if len(cells) else np.zeros(0, dtype=bool)
    table.update({f"node_{name}": cells.switch[:, i] for i, name in enumerate(switch.wiring.internal)})
    return pd.DataFrame(table)


def population_readouts(switch: SwitchModel, cells: SwitchCells, weight: float) -> dict[str, float]:
    """Return whole-population readouts: real cell count, dormant and Ki-67+ (cycling) fractions."""
    n = len(cells)
    dormant = float(is_dormant(switch, cells.switch).mean()) if n else float("nan")
    return {"cell_count": n * weight, "dormant_fraction": dormant, "ki67_positive_fraction": 1.0 - dormant}


def simulate(
    switch: SwitchModel,
    cells: SwitchCells,
    *,
    weight: float,
    steps: int,
    step_hours: float,
    seed: int,
    inputs: Callable[[float, SwitchCells, float], tuple[NDArray[np.float64], NDArray[np.float64] | float]],
    record: Callable[[int, SwitchCells, float], None],
    cap: int,
    cv: float,
    record_every: int,
) -> tuple[SwitchCells, float, int]:
    """Run ``steps`` population steps, recording at step 0, every ``record_every`` steps and at the end.

    Parameters
    ----------
    switch, cells
        The switch and the starting population.
    weight : float
        Real cells per simulated cell.
    steps : int
        Number of steps of ``step_hours``.
    step_hours : float
        Step length, hours.
    seed : int
        Seed of every draw.
    inputs : callable
        ``inputs(time_hours, cells, weight) -> (base, extra_death_per_day)``: the inputs every cell would read
        without variability, ``(cells, n_inputs)``, and any extra death rate (per day), at the start of a step.
    record : callable
        ``record(step, cells, weight)``.
    cap : int
        Thin the population (:func:`thin`) when it exceeds this many simulated cells.
    cv : float
        Cell-to-cell variability of inputs (:func:`input_factors`).
    record_every : int
        Recording interval in steps.

    Returns
    -------
    tuple
        Final cells, their weight, and the number of failed switch integrations.
    """
    record(0, cells, weight)
    next_id = int(cells.id.max()) + 1 if len(cells) else 0
    failures = 0
    for step in range(steps):
        base, extra = inputs(step * step_hours, cells, weight)
        factors = input_factors(seed, cells.lineage, base.shape[1], cv)
        cells, next_id, events = advance(
            switch,
            cells,
            cell_inputs(base, factors),
            hours=step_hours,
            step=step + 1,
            seed=seed,
            next_id=next_id,
            extra_death_per_day=extra,
        )
        failures += events["switch_failures"]
        cells, weight = thin(cells, weight, cap, seed=seed, step=step + 1)
        if (step + 1) % record_every == 0 or step + 1 == steps:
            record(step + 1, cells, weight)
    return cells, weight, failures


def slab_oxygen(depth_um: NDArray, half_width_um: float, surface: float, penetration_um: float) -> NDArray:
    r"""Return the steady oxygen of a slab fed from one face with first-order uptake and no flux at the far side.

    :math:`c(x) = c_s \cosh((W - x)/\lambda)/\cosh(W/\lambda)` for :math:`0 \le x \le W` (same units as ``surface``).
    """
    x = np.clip(np.asarray(depth_um, dtype=np.float64), 0.0, half_width_um)
    return surface * np.cosh((half_width_um - x) / penetration_um) / np.cosh(half_width_um / penetration_um)
