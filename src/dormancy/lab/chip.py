r"""Bone-on-a-chip: a bone-mimetic chamber perfused through an endothelialised channel for 2–4 weeks.

A reduced model of the microfluidic bone-metastasis chips of the review's Table 1 [69, 171–173, 177]: a chamber of
width :math:`W` filled with an osteoblast-laden collagen/hydroxyapatite matrix, bounded on one side by a channel
lined with endothelium and perfused with medium. DTCs are seeded through the matrix and each reads inputs that
depend on its distance :math:`x` from the endothelium (µm; ``lab_in_vivo`` records, documented assumptions):

* **O2** from the perfusate with first-order uptake in the matrix and no flux at the far wall,
  :math:`c(x) = c_v \cosh((W - x)/\lambda_{O_2})/\cosh(W/\lambda_{O_2})`, read as the switch's oxygen activity;
* **Endothelial factors** decaying as :math:`u_0 e^{-x/\lambda_{EC}}`: a stable (quiescent) endothelium secretes
  thrombospondin-1 (TSP1, pro-dormancy), a sprouting one periostin and TGF-β1 (escape) [55];
* **Osteoblast factors** TGF-β2, BMP7, GAS6 and Wnt5a at a uniform level [61, 64, 205]; matrix FIBRONECTIN;
  NUTRIENTS from the perfused medium; no immune cells.

The chamber is reduced to these 1D profiles (the niche package resolves the same transport on a 2D/3D grid, at a
cost that does not fit weeks of culture in a quick protocol). The cells are a population of switch cells
(:mod:`dormancy.lab.tissue`); a daughter stays at its parent's distance. Readouts (daily): dormant and proliferating
(Ki-67+) fractions, cell counts and fold change near the vessel (:math:`x <` ``near_um``) and far from it.
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
    prepared_cells,
    simulate,
    slab_oxygen,
)
from dormancy.params import load_registry
from dormancy.rng import agent_uniforms
from dormancy.signalling import is_dormant, load_switch

__all__ = ["QUICK_OPTIONS", "ChipOptions", "chip_figure", "chip_inputs", "run_chip"]

#: A fast option set (a few seconds at most) for tests and demonstrations.
QUICK_OPTIONS: dict[str, object] = {"days": 2.0, "simulated_cells": 40, "step_hours": 24.0}

ATMOSPHERE_MMHG = 760.0
REGIONS = ("near vessel", "far from vessel")


class ChipOptions(BaseModel):
    """Options of the ``bone-on-chip`` protocol (defaults: three weeks of perfusion beside a stable endothelium)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    vessel: Literal["stable", "sprouting"] = Field(
        "stable", description="Endothelium of the perfused channel: stable (TSP1) or sprouting (periostin, TGF-β1)"
    )
    days: float = Field(21.0, ge=0.5, le=28.0, description="Perfusion time after seeding the DTCs, days (2–4 weeks)")
    chamber_width_um: float = Field(1000.0, ge=200.0, le=3000.0, description="Chamber width from the vessel wall, µm")
    near_um: float = Field(150.0, gt=0.0, le=1000.0, description="Distance from the vessel wall counted as near, µm")
    perfusate_o2_percent: float = Field(18.6, ge=0.5, le=21.0, description="O2 of the perfused medium, %")
    initial_cells: int = Field(2000, ge=10, le=1_000_000, description="DTCs seeded in the chamber")
    simulated_cells: int = Field(300, ge=20, le=5000, description="Switch cells followed (a sample of the chamber)")
    er_status: Literal["negative", "positive"] = Field("negative", description="Cell line's ER status")
    step_hours: float = Field(12.0, ge=1.0, le=24.0, description="Population step, hours")


def chip_inputs(switch, distance_um, spec: ChipOptions, values: dict[str, float]) -> np.ndarray:
    """Return the inputs of cells at ``distance_um`` from the endothelium, ``(cells, n_inputs)`` (module docstring)."""
    x = np.asarray(distance_um, dtype=np.float64)
    bone = values["chip_osteoblast_factors"]
    constant = culture_inputs(
        switch,
        {
            "TGFB2": bone,
            "BMP7": bone,
            "GAS6": bone,
            "WNT5A": bone,
            "FIBRONECTIN": values["chip_matrix_fibronectin"],
            "NUTRIENTS": values["medium_nutrients"],
            "ESTROGEN": values["medium_estrogen"],
        },
        spec.er_status,
    )
    rows = np.repeat(switch.inputs(constant), len(x), axis=0)
    column = switch.wiring.inputs.index
    oxygen = slab_oxygen(x, spec.chamber_width_um, spec.perfusate_o2_percent / 100.0, values["chip_oxygen_penetration"])
    rows[:, column("O2")] = switch.oxygen_activity(oxygen)
    decay = np.exp(-x / values["chip_endothelial_decay"])
    if spec.vessel == "stable":
        rows[:, column("TSP1")] = values["chip_tsp1_at_vessel"] * decay
    else:
        rows[:, column("POSTN")] = values["chip_postn_at_vessel"] * decay
        rows[:, column("TGFB1")] = values["chip_tgfb1_at_vessel"] * decay
    return rows


def run_chip(spec: ChipOptions, seed: int) -> LabResult:
    """Run the ``bone-on-chip`` protocol (module docstring) and return its readouts, cells and provenance."""
    parameters = lab_parameters()
    values = parameters.values()
    switch = load_switch(spec.er_status)
    n = spec.simulated_cells
    distance = agent_uniforms(seed, np.arange(n), 0, 1, stream=STREAM_PLACE)[:, 0] * spec.chamber_width_um
    medium = culture_inputs(
        switch,
        {"NUTRIENTS": values["medium_nutrients"], "ESTROGEN": values["medium_estrogen"], "O2": 1.0},
        spec.er_status,
    )
    cells = prepared_cells(switch, n, inputs=medium, tag=distance)
    near_start = float(np.mean(distance < spec.near_um))
    initial = {REGIONS[0]: spec.initial_cells * near_start, REGIONS[1]: spec.initial_cells * (1.0 - near_start)}
    condition = f"{spec.vessel} vessel"
    rows: list[dict] = []

    def record(step: int, cells: SwitchCells, weight: float) -> None:
        day = step * spec.step_hours / 24.0
        dormant = is_dormant(switch, cells.switch)
        near = cells.tag < spec.near_um
        for region, inside in zip(REGIONS, (near, ~near), strict=True):
            count = float(inside.sum()) * weight
            fraction = float(dormant[inside].mean()) if inside.any() else np.nan
            for readout, value, unit in (
                ("dormant_fraction", fraction, "fraction"),
                ("proliferating_fraction", 1.0 - fraction, "fraction"),
                ("cell_count", count, "cells"),
                ("fold_change", count / initial[region] if initial[region] > 0 else np.nan, "1"),
            ):
                rows.append(
                    dict(condition=condition, region=region, time_days=day, readout=readout, value=value, unit=unit)
                )

    def inputs(hours: float, cells: SwitchCells, weight: float) -> tuple[np.ndarray, float]:
        return chip_inputs(switch, cells.tag, spec, values), 0.0

    steps = max(1, round(spec.days * 24.0 / spec.step_hours))
    cells, weight, failures = simulate(
        switch,
        cells,
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
    along = agent_uniforms(seed, cells.id, 0, 1, stream=STREAM_PLACE + 1)[:, 0] * 2.0 * spec.chamber_width_um
    frame = cell_frame(
        switch,
        cells,
        condition,
        x_um=cells.tag,
        y_um=along,
        region=np.where(cells.tag < spec.near_um, REGIONS[0], REGIONS[1]),
    )
    manifest = lab_manifest(
        "bone-on-chip",
        spec,
        seed,
        parameters=parameter_records(parameters, load_registry().sets[switch.parameter_set]),
        settings={"final_weight": weight, "switch_failures": failures, "model": "reduced 1D chamber"},
    )
    return LabResult("bone-on-chip", pd.DataFrame(rows), manifest, frame)


def chip_figure(result: LabResult) -> Figure:
    """Return dormant fraction and cell number over time near and far from the vessel."""
    table = result.table
    figure = Figure(figsize=(9, 3.6), layout="constrained")
    dormant, growth = figure.subplots(1, 2)
    for region in REGIONS:
        for readout, axis in (("dormant_fraction", dormant), ("fold_change", growth)):
            rows = table[(table["readout"] == readout) & (table["region"] == region)]
            axis.plot(rows["time_days"], rows["value"], marker="o", label=region)
    dormant.set(xlabel="days of perfusion", ylabel="dormant fraction", ylim=(-0.02, 1.02), title="dormancy")
    growth.set(xlabel="days of perfusion", ylabel="fold change in DTC number", yscale="log", title="growth")
    dormant.legend()
    figure.suptitle(f"bone-on-a-chip, {table['condition'].iloc[0]}")
    return figure


register(
    Protocol(
        name="bone-on-chip",
        title="Bone-on-a-chip perfused through a vessel for 2–4 weeks: dormancy near vs far from the vessel",
        system="bone-on-a-chip / microfluidics",
        citation=("review:55", "review:69", "review:171", "review:172", "review:173", "review:177"),
        spec=ChipOptions,
        run=run_chip,
        figure=chip_figure,
    )
)
