r"""A dish of tumour cells: clones of switch cells and a birth–death process over cycling, dormant and arrested cells.

A well holds a few thousand tumour cells of one line. They are represented by ``clones`` switch cells (each with its
own edge weights, :func:`clone_kinetics`: the documented cell-to-cell spread ``lab_protocols.clone_weight_cv``),
each carrying integer counts of cells in three compartments: cycling (Ki-67+), dormant (G0, Ki-67−) and, after
anoxia, replication-arrested. All cells of a clone see the same medium, so they share the clone's switch state; a
time-varying protocol is a sequence of :class:`Phase` s with constant inputs, integrated phase after phase with
:func:`dormancy.signalling.integrate_cells`, the final state passed on.

Over a step :math:`\Delta t` (days) the counts change by tau-leaping with the rates of
:func:`dormancy.signalling.fate_rates` at the clone's state — the same events as the niche's DTCs: a cycling cell
dies (apoptosis :math:`d`, plus a chemotherapy kill :math:`k_{chemo}` while a drug is on), enters quiescence
(:math:`q_{in}`), divides (:math:`r_{prolif}`, into two cycling cells; blocked while a drug is on) or, under anoxia,
arrests (:math:`a`); a dormant cell dies or leaves quiescence (:math:`q_{out}`); an arrested cell dies. With total
rate :math:`R` the number of each event :math:`e` is multinomial with probabilities
:math:`(r_e/R)(1 - e^{-R\Delta t})`. Draws come from :func:`dormancy.rng.replicate_generator` keyed by (seed,
condition stream): one dish is one sequential stochastic trajectory, so a seed reproduces it exactly whatever else
runs.

Readouts (population lysate or flow cytometry of the tumour cells only; stromal cells are not counted):
cell count; Ki-67+ fraction = cycling / all; p38/ERK ratio = count-weighted mean p38 over mean ERK activity (a
phospho-blot of the lysate) [164–166]; CD44 = count-weighted stemness output of the switch,
:math:`\mathrm{NR2F1}(1 - \mathrm{CDK46})` (CD44 as a stemness marker; a proxy and an assumption — see the lab
protocols' notes); LIFR = LIFR:STAT3 activity [87]; dormancy-gene score = mean activity of the signature nodes
(:data:`DORMANCY_SIGNATURE`); LOXL2 = HIF-1α activity (LOXL2 is induced by hypoxia through HIF-1 [119, 124]);
invasion index = LOXL2 × (1 − p27): a G0/G1-arrested cell is not counted as invasive (an assumption, so chronic
arrest lowers invasion while short hypoxia raises it).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dormancy.params import ParameterSet, load_registry, registry_cache
from dormancy.rng import replicate_generator
from dormancy.signalling import (
    PROLIFERATING_PREPARATION,
    SwitchKinetics,
    SwitchModel,
    fate_rates,
    integrate_cells,
    load_switch,
)

PARAMETER_SET = "lab_protocols"
CYCLING, DORMANT, ARRESTED = 0, 1, 2
COMPARTMENTS = ("proliferating", "dormant", "arrested")  # "proliferating" and "dormant" as in the niche

#: Dormancy signature: switch node → marker gene, each a gene of the p38/TGF-β2/hypoxia dormancy programme.
#: NR2F1, BHLHE41 (DEC2/SHARP1) and TP53 form the p38-regulated quiescence network [61]; CDKN1B (p27) and TGFBR3
#: carry the TGF-β2 arm [61, 62]; LIFR maintains dormancy genes [87]; RPS6KA5 (MSK1) keeps the luminal dormant state
#: [63].
DORMANCY_SIGNATURE: Mapping[str, str] = {
    "NR2F1": "NR2F1",
    "DEC2": "BHLHE41",
    "P27": "CDKN1B",
    "TGFBR3": "TGFBR3",
    "P53": "TP53",
    "LIFR_STAT3": "LIFR",
    "MSK1": "RPS6KA5",
}
DORMANCY_SIGNATURE_SOURCES: tuple[str, ...] = ("review:61", "review:62", "review:63", "review:87")

#: Readouts of a time course, their units and what they are.
READOUTS: Mapping[str, tuple[str, str]] = {
    "cells": ("cells", "tumour cells in the well"),
    "fold_change": ("dimensionless", "cells / cells at time 0"),
    "ki67_fraction": ("dimensionless", "Ki-67+ (cycling) fraction of tumour cells"),
    "dormant_fraction": ("dimensionless", "dormant (G0) fraction of tumour cells"),
    "p38_erk_ratio": ("dimensionless", "mean p38 over mean ERK activity of the lysate"),
    "cd44": ("dimensionless", "CD44 proxy: mean stemness output NR2F1 (1 − CDK46)"),
    "lifr": ("dimensionless", "mean LIFR:STAT3 activity"),
    "dormancy_score": ("dimensionless", "mean activity of the dormancy-signature nodes"),
    "loxl2": ("dimensionless", "LOXL2 proxy: mean HIF-1α activity"),
    "invasion": ("dimensionless", "invasion index: mean HIF-1α (1 − p27)"),
}


@registry_cache  # derived from registry values: one entry per registry override
def _switch(er_status: str) -> SwitchModel:
    return load_switch(er_status)


def lab_parameters() -> ParameterSet:
    """Return the registry set ``lab_protocols`` (culture conditions and the mappings of the lab protocols)."""
    return load_registry().sets[PARAMETER_SET]


def condition_stream(condition: str) -> int:
    """Return the stable replicate index of a condition's random stream: the CRC-32 of its name."""
    return zlib.crc32(condition.encode("utf-8"))


@dataclass(frozen=True)
class Phase:
    """A stretch of culture with constant conditions.

    Parameters
    ----------
    hours : float
        Duration, hours (> 0).
    inputs : mapping of str to float
        Every switch input in [0, 1] during the phase (the medium included); missing inputs are 0.
    chemotherapy : bool
        A cytotoxic drug is on: cycling cells die at ``chemotherapy_kill_rate`` and do not divide.
    anoxic : bool
        O2 is below ``anoxia_threshold_percent``: cycling cells arrest at ``anoxic_arrest_rate`` [126].
    label : str
        Name of the phase (for records).
    """

    hours: float
    inputs: Mapping[str, float]
    chemotherapy: bool = False
    anoxic: bool = False
    label: str = ""


@dataclass(frozen=True)
class Dish:
    """A well of tumour cells: switch clones, their kinetics and state, and cell counts per compartment.

    Parameters
    ----------
    model : SwitchModel
        The switch (ER status).
    kinetics : SwitchKinetics
        Per-clone kinetics, arrays ``(clones, width)``.
    states : numpy.ndarray
        Node activities ``(clones, n_internal)``.
    counts : numpy.ndarray of int
        Cells per clone and compartment ``(clones, 3)``: cycling, dormant, arrested.
    hours : float
        Time since the start of the experiment, hours.
    values : mapping of str to float
        The ``lab_protocols`` parameter values.
    switch_failures : int
        Clone integrations that failed so far (the clone then kept its last good state); recorded in manifests.
    """

    model: SwitchModel
    kinetics: SwitchKinetics
    states: NDArray[np.float64]
    counts: NDArray[np.int64]
    hours: float = 0.0
    values: Mapping[str, float] = field(default_factory=dict)
    switch_failures: int = 0

    @property
    def total(self) -> int:
        """Return the number of tumour cells."""
        return int(self.counts.sum())


def medium_inputs(values: Mapping[str, float], *, oxygen_percent: float | None = None) -> dict[str, float]:
    """Return the switch inputs of standard culture medium (10 % serum, incubator air), from ``lab_protocols``.

    Parameters
    ----------
    values : mapping of str to float
        The ``lab_protocols`` values.
    oxygen_percent : float, optional
        O2 in the gas phase, % (default: the incubator's ``incubator_oxygen_percent``).
    """
    oxygen = values["incubator_oxygen_percent"] if oxygen_percent is None else oxygen_percent
    return {
        "O2": float(oxygen),  # replaced by the switch's O2 activity in :func:`switch_inputs`
        "NUTRIENTS": values["medium_nutrients"],
        "FIBRONECTIN": values["culture_fibronectin"],
    }


def switch_inputs(model: SwitchModel, inputs: Mapping[str, float], clones: int) -> NDArray[np.float64]:
    """Return the input array ``(clones, n_inputs)``; ``inputs["O2"]`` is O2 in %, mapped as the niche maps it.

    The niche converts its O2 field (mmHg) to a fraction (÷ 760 mmHg) and the switch maps the fraction to its O2
    input, ``min(1, fraction / O2_ref)`` (:meth:`dormancy.signalling.SwitchModel.oxygen_activity`); % O2 ÷ 100 is
    the same fraction.
    """
    values = {name: float(np.clip(value, 0.0, 1.0)) for name, value in inputs.items() if name != "O2"}
    values["O2"] = float(model.oxygen_activity(float(inputs.get("O2", 0.0)) / 100.0))
    return model.inputs(values, cells=clones)


def clone_kinetics(model: SwitchModel, clones: int, *, seed: int, cv: float) -> SwitchKinetics:
    r"""Return per-clone kinetics: every edge weight times a log-normal factor, clipped to [0, 1].

    :math:`w_{ce} = \min(1, w_e \exp(\sigma z_{ce} - \sigma^2/2))`, :math:`z` standard normal from replicate stream
    0 of ``seed`` (the same clones in every condition of an experiment, as one cell line split into wells), and
    :math:`\sigma` = ``clone_weight_cv``.
    """
    base = np.broadcast_to(np.asarray(model.kinetics.weights, dtype=np.float64), (clones, model.wiring.n_edges))
    normals = replicate_generator(seed, 0).standard_normal(base.shape)
    weights = np.clip(base * np.exp(cv * normals - 0.5 * cv**2), 0.0, 1.0)
    return replace(model.kinetics, weights=weights)


def seed_dish(
    *,
    seed: int,
    cells: int,
    clones: int,
    er_status: str = "negative",
    values: Mapping[str, float] | None = None,
) -> Dish:
    """Return a well of ``cells`` tumour cells grown in standard medium (each clone at its steady state there).

    Each clone is first prepared proliferating (:data:`dormancy.signalling.PROLIFERATING_PREPARATION` added to
    the medium), then relaxed in medium alone; its cells are split between cycling and dormant in the ratio of its
    quiescence exit and entry rates (the stationary split of the two-state process).
    """
    values = dict(lab_parameters().values() if values is None else values)
    model = _switch(er_status)
    kinetics = clone_kinetics(model, clones, seed=seed, cv=values["clone_weight_cv"])
    medium = medium_inputs(values)
    prepared = _relax(model, kinetics, switch_inputs(model, {**medium, **PROLIFERATING_PREPARATION}, clones), 0.0)
    states = _relax(model, kinetics, switch_inputs(model, medium, clones), prepared)
    per_clone = np.full(clones, cells // clones, dtype=np.int64)
    per_clone[: cells % clones] += 1
    rates = fate_rates(model, states)
    entry, exit_ = rates["quiescence_entry_rate"], rates["quiescence_exit_rate"]
    dormant_share = np.divide(entry, entry + exit_, out=np.zeros(clones), where=entry + exit_ > 0)
    dormant = np.rint(per_clone * dormant_share).astype(np.int64)
    counts = np.stack([per_clone - dormant, dormant, np.zeros(clones, dtype=np.int64)], axis=1)
    return Dish(model, kinetics, states, counts, 0.0, values)


def _relax(model: SwitchModel, kinetics: SwitchKinetics, inputs: NDArray, start: NDArray | float) -> NDArray:
    if isinstance(start, float):
        start = np.full((inputs.shape[0], len(model.wiring.internal)), start)
    trajectory = integrate_cells(model.wiring, kinetics, start, inputs, np.array([0.0, 2000.0]), rtol=1e-8, atol=1e-10)
    if not trajectory.ok.all():  # pragma: no cover - the switch relaxes for any weights in [0, 1]
        raise RuntimeError("seed_dish: a clone's switch failed to relax in medium")
    return np.ascontiguousarray(trajectory.states[-1])


def readouts(dish: Dish) -> dict[str, float]:
    """Return the population readouts of a dish (module docstring; see :data:`READOUTS`)."""
    model, states, counts = dish.model, dish.states, dish.counts
    per_clone = counts.sum(axis=1).astype(np.float64)
    total = per_clone.sum()
    weight = per_clone / total if total > 0 else np.full(len(per_clone), 1.0 / len(per_clone))
    node = {name: float(weight @ states[:, i]) for i, name in enumerate(model.wiring.internal)}
    rates = fate_rates(model, states)
    column = model.index
    invasion = states[:, column("HIF1A")] * (1.0 - states[:, column("P27")])
    return {
        "cells": float(total),
        "ki67_fraction": float(counts[:, CYCLING].sum() / total) if total > 0 else float("nan"),
        "dormant_fraction": float(counts[:, DORMANT].sum() / total) if total > 0 else float("nan"),
        "p38_erk_ratio": node["P38"] / max(node["ERK"], 1e-6),
        "cd44": float(weight @ rates["stemness"]),
        "lifr": node["LIFR_STAT3"],
        "dormancy_score": float(np.mean([node[name] for name in DORMANCY_SIGNATURE])),
        "loxl2": node["HIF1A"],
        "invasion": float(weight @ invasion),
    }


def culture(
    dish: Dish,
    phases: Sequence[Phase],
    *,
    seed: int,
    condition: str,
    step_hours: float = 1.0,
    record_hours: float = 12.0,
) -> tuple[Dish, pd.DataFrame]:
    """Run ``phases`` one after the other and return the final dish and its time course.

    Parameters
    ----------
    dish : Dish
        The starting well.
    phases : sequence of Phase
        Culture conditions in order.
    seed : int
        Seed; the population draws use replicate stream :func:`condition_stream` ``(condition)``.
    condition : str
        Name of the condition (the ``condition`` column, and the random stream).
    step_hours : float
        Longest step of the switch and the population process, hours (a shorter phase is one step).
    record_hours : float
        Readouts are recorded every ``record_hours`` and at the end of the last phase.

    Returns
    -------
    Dish
        At the end of the last phase.
    pandas.DataFrame
        One row per record: ``condition``, ``time_hours``, ``phase`` and the :data:`READOUTS`.
    """
    rng = replicate_generator(seed, condition_stream(condition))
    rows = [{"condition": condition, "time_hours": dish.hours, "phase": "start", **readouts(dish)}]
    next_record = dish.hours + record_hours
    for number, phase in enumerate(phases):
        if not phase.hours > 0:
            raise ValueError(f"culture: phase {phase.label!r} must last > 0 hours; got {phase.hours}")
        inputs = switch_inputs(dish.model, phase.inputs, len(dish.states))
        steps = max(1, int(np.ceil(phase.hours / step_hours - 1e-9)))
        dt = phase.hours / steps
        path, failed = _integrate(dish, inputs, phase.hours, steps)
        dish = replace(dish, switch_failures=dish.switch_failures + failed)
        for step in range(steps):
            dish = _leap_step(replace(dish, states=path[step + 1]), phase, dt, rng)
            last = number == len(phases) - 1 and step == steps - 1
            if dish.hours >= next_record - 1e-9 or last:
                rows.append({"condition": condition, "time_hours": dish.hours, "phase": phase.label, **readouts(dish)})
                while next_record <= dish.hours + 1e-9:
                    next_record += record_hours
    table = pd.DataFrame(rows)
    table["fold_change"] = table["cells"] / table["cells"].iloc[0]
    return dish, table


def _integrate(dish: Dish, inputs: NDArray, hours: float, steps: int) -> tuple[NDArray[np.float64], int]:
    """Return the clones' states at the ``steps + 1`` step boundaries of a phase, ``(steps + 1, clones, nodes)``.

    Also returns the number of clones whose integration failed.

    The switch does not depend on the counts, so a phase is one call of the integrator with outputs at the steps; a
    clone whose integration fails keeps its last good state.
    """
    model = dish.model
    times = np.linspace(0.0, hours, steps + 1)
    trajectory = integrate_cells(
        model.wiring, dish.kinetics, dish.states, inputs, times, first_step_hours=hours / steps
    )
    path = np.array(trajectory.states)
    for k in range(1, steps + 1):
        bad = ~np.isfinite(path[k]).all(axis=1)
        path[k][bad] = path[k - 1][bad]
    return path, int((~trajectory.ok).sum())


def _leap_step(dish: Dish, phase: Phase, dt_hours: float, rng: np.random.Generator) -> Dish:
    """Advance the counts over one step with the rates of the clones' states at the step's end."""
    model, v, states = dish.model, dish.values, dish.states
    rates = fate_rates(model, states)
    dt = dt_hours / 24.0
    zero = np.zeros(len(states))
    kill = v["chemotherapy_kill_rate"] if phase.chemotherapy else 0.0
    division = zero if phase.chemotherapy else rates["proliferation_rate"]
    arrest = v["anoxic_arrest_rate"] * 24.0 if phase.anoxic else 0.0  # per hour → per day
    cycling = _leap(
        rng,
        dish.counts[:, CYCLING],
        [rates["apoptosis_rate"] + kill, rates["quiescence_entry_rate"], division, zero + arrest],
        dt,
    )
    dormant = _leap(rng, dish.counts[:, DORMANT], [rates["apoptosis_rate"], rates["quiescence_exit_rate"]], dt)
    arrested = _leap(rng, dish.counts[:, ARRESTED], [rates["apoptosis_rate"]], dt)
    died_c, entered, divided, arrested_now = cycling
    died_q, left = dormant
    (died_a,) = arrested
    counts = dish.counts.copy()
    counts[:, CYCLING] += -died_c - entered + divided - arrested_now + left
    counts[:, DORMANT] += entered - died_q - left
    counts[:, ARRESTED] += arrested_now - died_a
    return replace(dish, counts=counts, hours=dish.hours + dt_hours)


def _leap(rng: np.random.Generator, n: NDArray[np.int64], rates: list[Any], dt_days: float) -> list[NDArray]:
    """Return the number of cells of each clone taking each competing event over ``dt_days`` (multinomial)."""
    r = np.stack([np.broadcast_to(np.asarray(rate, dtype=np.float64), n.shape) for rate in rates], axis=1)
    total = r.sum(axis=1)
    happens = -np.expm1(-total * dt_days)
    share = np.divide(r, total[:, np.newaxis], out=np.zeros_like(r), where=total[:, np.newaxis] > 0)
    probabilities = np.concatenate([share * happens[:, np.newaxis], (1.0 - happens)[:, np.newaxis]], axis=1)
    probabilities = np.clip(probabilities, 0.0, 1.0)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    events = rng.multinomial(n, probabilities)
    return [events[:, j] for j in range(len(rates))]


def cell_table(dish: Dish, *, condition: str, max_cells: int = 400) -> pd.DataFrame:
    """Return up to ``max_cells`` tumour cells of the dish, one row each, for the AnnData export.

    Cells are allotted to clone × compartment in proportion to their counts (largest remainders), so the table is a
    deterministic, representative sample. Columns: ``condition``, ``clone``, ``state`` (proliferating/dormant/arrested),
    ``dormant`` (bool), and ``node_<NAME>`` for every internal node.
    """
    counts = dish.counts.astype(np.float64).ravel()
    total = counts.sum()
    if total == 0:
        wanted = np.zeros(counts.shape, dtype=np.int64)
    else:
        target = counts * min(1.0, max_cells / total)
        wanted = np.floor(target).astype(np.int64)
        short = round(float(target.sum())) - int(wanted.sum())
        if short > 0:
            order = np.argsort(-(target - wanted), kind="stable")[:short]
            wanted[order] += 1
    index = np.repeat(np.arange(counts.size), wanted)
    clone, compartment = np.divmod(index, 3)
    table = pd.DataFrame(
        {
            "condition": condition,
            "clone": clone.astype(np.int64),
            "state": pd.Categorical.from_codes(compartment.astype(np.int64), categories=list(COMPARTMENTS)),
            "dormant": compartment == DORMANT,
        }
    )
    for i, name in enumerate(dish.model.wiring.internal):
        table[f"node_{name}"] = dish.states[clone, i]
    return table


def tidy(timecourse: pd.DataFrame, readout_names: Sequence[str]) -> pd.DataFrame:
    """Return time courses as tidy rows: ``condition``, ``time_days``, ``phase``, ``readout``, ``value``, ``unit``."""
    long = timecourse.melt(
        id_vars=["condition", "time_hours", "phase"], value_vars=list(readout_names), var_name="readout"
    )
    long.insert(1, "time_days", long.pop("time_hours") / 24.0)
    long["unit"] = long["readout"].map(lambda name: READOUTS[name][0])
    return long


def parameter_records(dish: Dish) -> list[dict[str, Any]]:
    """Return the parameter records a dish read: the switch set of its ER status and ``lab_protocols``."""
    sets = load_registry().sets
    return [record.to_dict() for name in (dish.model.parameter_set, PARAMETER_SET) for record in sets[name]]
