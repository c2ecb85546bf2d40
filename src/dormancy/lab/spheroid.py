r"""3D spheroid in a scaffold of set stiffness: integrin signalling, an oxygen gradient, dormancy by depth.

Tumour cells grow as a spheroid embedded in a hydrogel scaffold of Young's modulus :math:`E` (review Table 1,
3D spheroids/scaffolds [167, 168]). Two manipulations reach the switch:

* **Stiffness → integrin signalling.** Stiff matrices raise focal-adhesion tension and uPAR–integrin–fibronectin
  signalling, which keeps ERK high [34, 164–166]. The FIBRONECTIN input is
  :math:`u_{FN} = u_{FN,max} E^{n}/(E_{50}^{n} + E^{n})` (``scaffold_*`` records of ``lab_in_vivo``; an assumption).
* **Oxygen gradient.** Oxygen diffuses in from the medium and is consumed by the cells (Michaelis–Menten); at steady
  state (oxygen relaxes in seconds to minutes, growth takes days) the partial pressure :math:`c(r)` solves

  .. math::

      \frac{D}{r^2}\frac{d}{dr}\Big(r^2 \frac{dc}{dr}\Big) = V \frac{c}{K + c},
      \qquad c'(0) = 0, \quad c(R) = c_s,

  solved by :func:`oxygen_profile` (finite volumes on spherical shells, Newton iteration). Its limits have closed
  forms, used as references: zero order (:math:`K \to 0`), :math:`c = c_s - \frac{V}{6D}(R^2 - r^2)`
  (:func:`oxygen_zero_order`, valid while :math:`c(0) > 0`), and first order (:math:`K \gg c`, :math:`k = V/K`),
  :math:`c = c_s \frac{R \sinh(r/L)}{r \sinh(R/L)}`, :math:`L = \sqrt{D/k}` (:func:`oxygen_first_order`).
  Each cell reads its local oxygen, :math:`u_{O_2} = \min(1, c/(760\,\mathrm{mmHg}\; f_{ref}))` (the switch's
  oxygen activity); below ``necrosis_oxygen`` cells die at ``necrosis_rate`` on top of apoptosis (necrotic core).

Cells sit in the spheroid by volume rank: each carries a key in [0, 1) (its share of the volume inside it; a
daughter shares its parent's key, ties broken by id), and cell :math:`i` of :math:`N` in key order sits at radius
:math:`R((i + 1/2)/N)^{1/3}`, so dividing inner cells push outer ones outward. The radius follows the real cell
count, :math:`R = (3 N V_{cell}/(4\pi\varphi))^{1/3}`. Readouts (daily): cell count and fold change (growth curve),
radius, oxygen at the centre, dormant and Ki-67+ fractions overall and by depth shell (equal-thickness shells from
the rim inward).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field
from scipy.linalg import solve_banded

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
)
from dormancy.params import load_registry
from dormancy.rng import agent_normals, agent_uniforms
from dormancy.signalling import is_dormant, load_switch

__all__ = [
    "QUICK_OPTIONS",
    "SpheroidOptions",
    "oxygen_first_order",
    "oxygen_profile",
    "oxygen_zero_order",
    "run_spheroid",
    "spheroid_figure",
    "stiffness_to_fibronectin",
]

#: A fast option set (a few seconds at most) for tests and demonstrations.
QUICK_OPTIONS: dict[str, object] = {"days": 2.0, "simulated_cells": 100}

ATMOSPHERE_MMHG = 760.0


class SpheroidOptions(BaseModel):
    """Options of ``spheroid-3d`` (defaults: a ~300 µm spheroid in a soft scaffold in a normoxic incubator)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stiffness_kpa: float = Field(2.0, ge=0.05, le=200.0, description="Scaffold Young's modulus, kPa")
    initial_cells: int = Field(4000, ge=100, le=200_000, description="Cells in the spheroid at embedding")
    days: float = Field(10.0, ge=0.5, le=28.0, description="Culture time after embedding, days")
    medium_o2_percent: float = Field(18.6, ge=0.5, le=21.0, description="O2 in the medium at the spheroid surface, %")
    er_status: Literal["negative", "positive"] = Field("negative", description="Cell line's ER status")
    simulated_cells: int = Field(400, ge=50, le=5000, description="Switch cells followed (a sample of the spheroid)")
    n_shells: int = Field(4, ge=2, le=10, description="Equal-thickness depth shells for the dormancy-by-depth readout")
    step_hours: float = Field(12.0, ge=1.0, le=24.0, description="Population step, hours")


def stiffness_to_fibronectin(stiffness_kpa: float, values: dict[str, float]) -> float:
    """Return the FIBRONECTIN input of a scaffold of ``stiffness_kpa`` (module docstring; ``lab_in_vivo`` values)."""
    e = float(stiffness_kpa) ** values["scaffold_stiffness_hill"]
    half = values["scaffold_stiffness_half_kpa"] ** values["scaffold_stiffness_hill"]
    return values["scaffold_fibronectin_max"] * e / (half + e)


def oxygen_zero_order(r_um: NDArray, radius_um: float, surface_mmhg: float, diffusivity: float, vmax: float) -> NDArray:
    """Return the zero-order steady state :math:`c_s - V(R^2 - r^2)/(6D)` (mmHg; µm, µm²/s, mmHg/s)."""
    return surface_mmhg - vmax * (radius_um**2 - np.asarray(r_um) ** 2) / (6.0 * diffusivity)


def oxygen_first_order(
    r_um: NDArray, radius_um: float, surface_mmhg: float, diffusivity: float, rate: float
) -> NDArray:
    r"""Return the first-order steady state :math:`c_s R\sinh(r/L)/(r\sinh(R/L))`, :math:`L = \sqrt{D/k}` (mmHg)."""
    length = np.sqrt(diffusivity / rate)
    r = np.maximum(np.asarray(r_um, dtype=np.float64), 1e-12)
    return surface_mmhg * radius_um * np.sinh(r / length) / (r * np.sinh(radius_um / length))


def oxygen_profile(
    radius_um: float,
    surface_mmhg: float,
    *,
    diffusivity: float,
    vmax: float,
    half_saturation: float,
    points: int = 201,
    tolerance: float = 1e-10,
    max_iterations: int = 500,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Solve the steady radial diffusion–consumption problem of the module docstring.

    Finite volumes: node :math:`i` at :math:`r_i = i h` owns the shell between :math:`r_{i \mp 1/2}`; fluxes through
    the faces :math:`4\pi r_{i\pm1/2}^2 D (c_{i\pm1} - c_i)/h` balance consumption :math:`V c_i/(K + c_i)` times the
    shell volume; :math:`c_N = c_s`. Newton's method on the tridiagonal system, with the uptake continued below
    :math:`c = 0` by its tangent :math:`V c/K` (the exact solution is positive, tiny in an anoxic core; the
    continued uptake is concave and increasing, so Newton's iterates approach it from below after the first step
    instead of meeting the pole at :math:`c = -K`). Second-order accurate in :math:`h`.

    Parameters
    ----------
    radius_um : float
        Spheroid radius, µm.
    surface_mmhg : float
        Partial pressure at the surface, mmHg.
    diffusivity : float
        :math:`D`, µm²/s.
    vmax : float
        :math:`V`, mmHg/s.
    half_saturation : float
        :math:`K`, mmHg.
    points : int
        Grid nodes from the centre to the surface.
    tolerance : float
        Newton stops when the largest update is below this (mmHg).
    max_iterations : int
        Give up (``RuntimeError``) after this many Newton iterations.

    Returns
    -------
    tuple of numpy.ndarray
        Radii (µm) and partial pressures (mmHg), each ``(points,)``.
    """
    r = np.linspace(0.0, radius_um, points)
    h = r[1] - r[0]
    faces = np.concatenate([[0.0], 0.5 * (r[1:] + r[:-1])])  # inner face of node i (0 at the centre)
    outer = np.concatenate([faces[1:], [radius_um]])
    volume = (outer**3 - faces**3) / 3.0
    a_in = diffusivity * faces**2 / h  # coupling to node i-1
    a_out = diffusivity * np.concatenate([faces[1:], [0.0]]) ** 2 / h  # coupling to node i+1
    c = np.full(points, float(surface_mmhg))
    for _ in range(max_iterations):
        positive = np.maximum(c, 0.0)
        uptake = np.where(c > 0.0, vmax * positive / (half_saturation + positive), vmax * c / half_saturation)
        d_uptake = vmax * half_saturation / (half_saturation + positive) ** 2
        flux = a_out * (np.roll(c, -1) - c) + a_in * (np.roll(c, 1) - c)
        residual = flux - volume * uptake
        residual[-1] = c[-1] - surface_mmhg
        banded = np.zeros((3, points))
        banded[0, 1:] = a_out[:-1]  # super-diagonal
        banded[1] = -(a_out + a_in) - volume * d_uptake
        banded[2, :-1] = a_in[1:]  # sub-diagonal
        banded[1, -1], banded[2, -2] = 1.0, 0.0
        update = solve_banded((1, 1), banded, -residual)
        c = c + update
        if np.max(np.abs(update)) < tolerance:
            return r, np.maximum(c, 0.0)
    raise RuntimeError(f"oxygen_profile: Newton did not converge in {max_iterations} iterations (R = {radius_um} µm)")


def _radii(cells: SwitchCells, radius_um: float) -> NDArray[np.float64]:
    order = np.lexsort((cells.id, cells.tag))
    rank = np.empty(len(cells))
    rank[order] = np.arange(len(cells))
    return radius_um * ((rank + 0.5) / max(len(cells), 1)) ** (1.0 / 3.0)


def run_spheroid(spec: SpheroidOptions, seed: int) -> LabResult:
    """Run the ``spheroid-3d`` protocol (module docstring) and return its readouts, cells and provenance."""
    parameters = lab_parameters()
    values = parameters.values()
    switch = load_switch(spec.er_status)
    fibronectin = stiffness_to_fibronectin(spec.stiffness_kpa, values)
    base_values = culture_inputs(
        switch,
        {"FIBRONECTIN": fibronectin, "NUTRIENTS": values["medium_nutrients"], "ESTROGEN": values["medium_estrogen"]},
        spec.er_status,
    )
    surface = spec.medium_o2_percent / 100.0 * ATMOSPHERE_MMHG
    n = spec.simulated_cells
    keys = agent_uniforms(seed, np.arange(n), 0, 1, stream=STREAM_PLACE)[:, 0]
    cells = prepared_cells(switch, n, inputs={**base_values, "O2": 1.0}, tag=keys)
    weight = spec.initial_cells / n
    base = switch.inputs(base_values)[0]
    o2_column = switch.wiring.inputs.index("O2")
    cell_volume, packing = values["cell_volume"], values["spheroid_packing_fraction"]
    steps = max(1, round(spec.days * 24.0 / spec.step_hours))
    record_every = max(1, round(24.0 / spec.step_hours))
    condition = f"{spec.stiffness_kpa:g} kPa"
    rows: list[dict] = []

    def geometry(cells: SwitchCells, weight: float) -> tuple[float, NDArray, NDArray, float]:
        radius = (3.0 * len(cells) * weight * cell_volume / (4.0 * np.pi * packing)) ** (1.0 / 3.0)
        grid, profile = oxygen_profile(
            radius,
            surface,
            diffusivity=values["oxygen_diffusivity_tissue"],
            vmax=values["oxygen_consumption_max"],
            half_saturation=values["oxygen_half_saturation"],
        )
        r = _radii(cells, radius)
        return radius, r, np.interp(r, grid, profile), float(profile[0])

    def record(step: int, cells: SwitchCells, weight: float) -> None:
        radius, r, oxygen, centre = geometry(cells, weight)
        day = step * spec.step_hours / 24.0
        summary = population_readouts(switch, cells, weight)
        summary["fold_change"] = summary["cell_count"] / spec.initial_cells
        summary["radius_um"] = radius
        summary["central_o2_mmhg"] = centre
        units = {"cell_count": "cells", "fold_change": "1", "radius_um": "um", "central_o2_mmhg": "mmHg"}
        for readout, value in summary.items():
            rows.append(
                dict(
                    condition=condition,
                    time_days=day,
                    readout=readout,
                    value=value,
                    unit=units.get(readout, "fraction"),
                    depth_um=np.nan,
                )
            )
        dormant = is_dormant(switch, cells.switch)
        depth = radius - r
        edges = np.linspace(0.0, radius, spec.n_shells + 1)
        shell = np.clip(np.searchsorted(edges, depth, side="right") - 1, 0, spec.n_shells - 1)
        for k in range(spec.n_shells):
            inside = shell == k
            mid = 0.5 * (edges[k] + edges[k + 1])
            for readout, value, unit in (
                ("dormant_fraction_by_depth", dormant[inside].mean() if inside.any() else np.nan, "fraction"),
                ("o2_by_depth_mmhg", oxygen[inside].mean() if inside.any() else np.nan, "mmHg"),
            ):
                rows.append(
                    dict(
                        condition=condition, time_days=day, readout=readout, value=float(value), unit=unit, depth_um=mid
                    )
                )

    def inputs(hours: float, cells: SwitchCells, weight: float) -> tuple[NDArray, NDArray]:
        _, _, oxygen, _ = geometry(cells, weight)
        rows = np.repeat(base[None, :], len(cells), axis=0)
        rows[:, o2_column] = switch.oxygen_activity(oxygen / ATMOSPHERE_MMHG)
        return rows, np.where(oxygen < values["necrosis_oxygen"], values["necrosis_rate"], 0.0)

    cells, weight, failures = simulate(
        switch,
        cells,
        weight=weight,
        steps=steps,
        step_hours=spec.step_hours,
        seed=seed,
        inputs=inputs,
        record=record,
        cap=2 * n,
        cv=values["input_variability_cv"],
        record_every=record_every,
    )
    radius, r, oxygen, _ = geometry(cells, weight)
    direction = agent_normals(seed, cells.id, 0, 3, stream=STREAM_PLACE)
    direction /= np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-12)
    position = direction * r[:, None]
    frame = cell_frame(
        switch,
        cells,
        condition,
        x_um=position[:, 0],
        y_um=position[:, 1],
        z_um=position[:, 2],
        depth_um=radius - r,
        o2_mmhg=oxygen,
    )
    manifest = lab_manifest(
        "spheroid-3d",
        spec,
        seed,
        parameters=parameter_records(parameters, load_registry().sets[switch.parameter_set]),
        settings={"fibronectin_input": fibronectin, "final_weight": weight, "switch_failures": failures},
    )
    return LabResult("spheroid-3d", pd.DataFrame(rows), manifest, frame)


def spheroid_figure(result: LabResult) -> Figure:
    """Return the growth curve, dormancy by depth and the oxygen profile of a ``spheroid-3d`` run."""
    table = result.table
    figure = Figure(figsize=(11, 3.6), layout="constrained")
    growth, depth, oxygen = figure.subplots(1, 3)
    whole = table[table["readout"] == "fold_change"]
    growth.plot(whole["time_days"], whole["value"], marker="o")
    growth.set(xlabel="days", ylabel="fold change in cell number", title="growth curve")
    final_day = table["time_days"].max()
    for readout, axis, label in (
        ("dormant_fraction_by_depth", depth, "dormant fraction"),
        ("o2_by_depth_mmhg", oxygen, "O2 (mmHg)"),
    ):
        for day in sorted({0.0, final_day}):
            rows = table[(table["readout"] == readout) & (table["time_days"] == day)]
            axis.plot(rows["depth_um"], rows["value"], marker="o", label=f"day {day:g}")
        axis.set(xlabel="depth from the rim (µm)", ylabel=label)
        axis.legend()
    depth.set(title="dormancy by depth", ylim=(-0.02, 1.02))
    oxygen.set(title="oxygen by depth")
    figure.suptitle(f"3D spheroid, scaffold {whole['condition'].iloc[0]}")
    return figure


register(
    Protocol(
        name="spheroid-3d",
        title="3D spheroid in a scaffold of set stiffness: integrin signalling, O2 gradient, dormancy by depth",
        system="3D spheroids / scaffolds / organoids",
        citation=("review:34", "review:164", "review:166", "review:167", "review:168", "review:66"),
        spec=SpheroidOptions,
        run=run_spheroid,
        figure=spheroid_figure,
    )
)
