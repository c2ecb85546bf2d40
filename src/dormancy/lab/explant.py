r"""Ex vivo bone explant: DTCs in native bone with its own cells and factors, no immune cells, no circulation.

Tumour cells are seeded onto (or injected into) a slice of living bone kept in culture (review Table 1 [178–181]).
The explant keeps its bone cells and matrix for a while, but has no immune system and no blood flow. The mapping
onto the switch's inputs (``lab_in_vivo`` records; documented assumptions):

* **Bone cells' factors** TGF-β2, BMP7, GAS6, Wnt5a at :math:`u_{OB} v(t)` and OSTEOCLAST_FACTORS at
  :math:`\min(1, s\,u_{OC} v(t))` (:math:`s` the osteoclast stimulation, e.g. RANKL in the medium), where
  :math:`v(t) = e^{-t/\tau_v}` is the surviving fraction of bone cells: explants have a short lifespan [178, 180,
  181]. A devitalised explant (bone cells killed, e.g. by freeze–thaw) has :math:`v = 0`;
* **Matrix TGF-β1** (stored in mineralised matrix) at a constant level, living or not [117, 139];
* **No immune cells**: NK_CYTOKINES = 0 and no immune killing; no perivascular signals (TSP1 = POSTN = 0);
* **No circulation**: O2 reaches the marrow only by diffusion from the medium through each cut face, a slab profile
  :math:`c(x) = c_s \cosh((H - x)/\lambda)/\cosh(H/\lambda)` with :math:`x` the depth from the nearer face and
  :math:`H` half the explant's thickness; NUTRIENTS from the medium; FIBRONECTIN of the native marrow stroma.

The cells are a population of switch cells (:mod:`dormancy.lab.tissue`), each at its own depth. By default a
devitalised explant runs beside the living one as the control. Readouts (daily): dormant and Ki-67+ fractions, cell
count, fold change, bone-cell viability.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from pydantic import BaseModel, ConfigDict, Field

from dormancy.lab.protocol import LabResult, Protocol, lab_manifest, register
from dormancy.lab.tissue import (
    STREAM_PLACE,
    SwitchCells,
    cell_frame,
    culture_inputs,
    lab_parameters,
    parameter_records,
    population_readouts,
    prepared_cells,
    simulate,
    slab_oxygen,
)
from dormancy.params import load_registry
from dormancy.rng import agent_uniforms
from dormancy.signalling import load_switch

__all__ = ["QUICK_OPTIONS", "ExplantOptions", "explant_figure", "explant_inputs", "run_explant"]

#: A fast option set (a few seconds at most) for tests and demonstrations.
QUICK_OPTIONS: dict[str, object] = {"days": 2.0, "simulated_cells": 40, "step_hours": 24.0}

CONDITIONS = ("living explant", "devitalised explant")


class ExplantOptions(BaseModel):
    """Options of the ``bone-explant`` protocol (defaults: two weeks in a 1 mm thick living explant, with control)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: float = Field(14.0, ge=0.5, le=28.0, description="Culture time after seeding the DTCs, days")
    thickness_um: float = Field(1000.0, ge=100.0, le=5000.0, description="Explant thickness between cut faces, µm")
    medium_o2_percent: float = Field(18.6, ge=0.5, le=21.0, description="O2 of the culture medium, %")
    osteoclast_stimulation: float = Field(
        1.0, ge=0.0, le=10.0, description="Fold osteoclast activity over the explant's own (e.g. RANKL added), 1"
    )
    devitalised_control: bool = Field(True, description="Also run a devitalised explant (no living bone cells)")
    initial_cells: int = Field(1000, ge=10, le=1_000_000, description="DTCs seeded into the explant")
    simulated_cells: int = Field(300, ge=20, le=5000, description="Switch cells followed per explant")
    er_status: Literal["negative", "positive"] = Field("negative", description="Cell line's ER status")
    step_hours: float = Field(12.0, ge=1.0, le=24.0, description="Population step, hours")


def explant_inputs(switch, depth_um, viability: float, spec: ExplantOptions, values: dict[str, float]) -> np.ndarray:
    """Return the inputs of cells at ``depth_um`` when a fraction ``viability`` of bone cells lives (docstring)."""
    bone = values["explant_bone_factors"] * viability
    constant = culture_inputs(
        switch,
        {
            "TGFB2": bone,
            "BMP7": bone,
            "GAS6": bone,
            "WNT5A": bone,
            "OSTEOCLAST_FACTORS": min(
                1.0, spec.osteoclast_stimulation * values["explant_osteoclast_factors"] * viability
            ),
            "TGFB1": values["explant_matrix_tgfb1"],
            "FIBRONECTIN": values["explant_marrow_fibronectin"],
            "NUTRIENTS": values["medium_nutrients"],
            "ESTROGEN": values["medium_estrogen"],
            "NK_CYTOKINES": 0.0,
        },
        spec.er_status,
    )
    rows = np.repeat(switch.inputs(constant), len(depth_um), axis=0)
    oxygen = slab_oxygen(
        depth_um, spec.thickness_um / 2.0, spec.medium_o2_percent / 100.0, values["explant_oxygen_penetration"]
    )
    rows[:, switch.wiring.inputs.index("O2")] = switch.oxygen_activity(oxygen)
    return rows


def run_explant(spec: ExplantOptions, seed: int) -> LabResult:
    """Run the ``bone-explant`` protocol (module docstring) and return its readouts, cells and provenance."""
    parameters = lab_parameters()
    values = parameters.values()
    switch = load_switch(spec.er_status)
    n = spec.simulated_cells
    depth = agent_uniforms(seed, np.arange(n), 0, 1, stream=STREAM_PLACE)[:, 0] * spec.thickness_um / 2.0
    medium = culture_inputs(
        switch,
        {"NUTRIENTS": values["medium_nutrients"], "ESTROGEN": values["medium_estrogen"], "O2": 1.0},
        spec.er_status,
    )
    start = prepared_cells(switch, n, inputs=medium, tag=depth)
    steps = max(1, round(spec.days * 24.0 / spec.step_hours))
    rows: list[dict] = []
    frames = []
    failures = 0
    conditions = CONDITIONS if spec.devitalised_control else CONDITIONS[:1]
    for condition in conditions:
        living = condition == CONDITIONS[0]

        def viability(hours: float, living: bool = living) -> float:
            return float(np.exp(-hours / 24.0 / values["explant_viability_time"])) if living else 0.0

        def record(step: int, cells: SwitchCells, weight: float, condition: str = condition) -> None:
            hours = step * spec.step_hours
            summary = population_readouts(switch, cells, weight)
            summary["fold_change"] = summary["cell_count"] / spec.initial_cells
            summary["bone_cell_viability"] = viability(hours)
            units = {"cell_count": "cells", "fold_change": "1"}
            for readout, value in summary.items():
                rows.append(
                    dict(
                        condition=condition,
                        time_days=hours / 24.0,
                        readout=readout,
                        value=value,
                        unit=units.get(readout, "fraction"),
                    )
                )

        def inputs(hours: float, cells: SwitchCells, weight: float, viability=viability) -> tuple[np.ndarray, float]:
            return explant_inputs(switch, cells.tag, viability(hours), spec, values), 0.0

        cells, _, failed = simulate(
            switch,
            start,
            weight=spec.initial_cells / n,
            steps=steps,
            step_hours=spec.step_hours,
            seed=seed,
            inputs=inputs,
            record=record,
            cap=2 * n,
            cv=values["input_variability_cv"],
            record_every=max(1, round(24.0 / spec.step_hours)),
        )
        failures += failed
        frames.append(cell_frame(switch, cells, condition, depth_um=cells.tag))
    manifest = lab_manifest(
        "bone-explant",
        spec,
        seed,
        parameters=parameter_records(parameters, load_registry().sets[switch.parameter_set]),
        settings={"switch_failures": failures},
    )
    return LabResult("bone-explant", pd.DataFrame(rows), manifest, pd.concat(frames, ignore_index=True))


def explant_figure(result: LabResult) -> Figure:
    """Return dormant fraction, fold change and bone-cell viability over the culture, per condition."""
    table = result.table
    figure = Figure(figsize=(11, 3.6), layout="constrained")
    axes = figure.subplots(1, 3)
    for condition in table["condition"].unique():
        for readout, axis in zip(("dormant_fraction", "fold_change", "bone_cell_viability"), axes, strict=True):
            rows = table[(table["readout"] == readout) & (table["condition"] == condition)]
            axis.plot(rows["time_days"], rows["value"], marker="o", label=condition)
    axes[0].set(xlabel="days in culture", ylabel="dormant fraction", ylim=(-0.02, 1.02), title="dormancy")
    axes[1].set(xlabel="days in culture", ylabel="fold change in DTC number", yscale="log", title="growth")
    axes[2].set(xlabel="days in culture", ylabel="living bone-cell fraction", ylim=(-0.02, 1.02), title="explant")
    axes[0].legend()
    figure.suptitle("ex vivo bone explant (no immune cells, no circulation)")
    return figure


register(
    Protocol(
        name="bone-explant",
        title="Ex vivo bone explant: bone cells and their factors, no immune cells, no circulation",
        system="ex vivo bone explant",
        citation=("review:178", "review:179", "review:180", "review:181", "review:61", "review:205"),
        spec=ExplantOptions,
        run=run_explant,
        figure=explant_figure,
    )
)
