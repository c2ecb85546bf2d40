r"""2D co-culture of breast cancer cells with bone-marrow MSCs or osteoblasts: direct, indirect, extracted exosomes.

The three ways MSC–tumour signalling is studied [dai2024; 49, 58–60]: **indirect** co-culture (transwell or
conditioned medium: soluble factors and exosomes only), **direct** co-culture (contact: gap junctions and MSC
priming on top) and **extracted exosomes** (a dose of exosomes from naive or primed MSCs), each optionally with
antagomiR-222/223. A well of tumour cells (:mod:`dormancy.lab.dish`) is grown for ``days`` with the stroma, then a
cytotoxic drug is added for ``chemotherapy_hours`` (survival = tumour cells after / before the drug).

Mapping onto the switch's inputs (parameters of ``lab_protocols``; :math:`s = \rho/(\rho + K_\rho)` with
:math:`\rho` the stromal:tumour ratio; :math:`D` the exosome dose):

- MSCs, soluble: TGFB2 :math:`= T_{2,MSC}\,s` [62]; exosomal MIR222_223 :math:`= m_{naive}\,s` [49, 58].
- Osteoblasts, soluble: TGFB2 :math:`= T_{2,OB}\,s`, BMP7 :math:`= B_{7,OB}\,s` [61, 204], GAS6 :math:`= G_{6,OB}\,s`
  [205].
- Direct contact adds: gap-junction miR-127/197/222/223 transfer [60], MIR222_223 :math:`\mathrel{+}= m_{gap}\,s`
  (an explicit extra term of the lab layer, since the switch has no miR-127/197 node); MSC priming [59], the
  exosomal load rising as :math:`m_{naive} + (m_{primed} - m_{naive})(1 - e^{-t/\tau_{prime}})`; osteoblast
  Wnt5a, WNT5A :math:`= W_{5,OB}\,s` [64, 65].
- Extracted exosomes: MIR222_223 :math:`= m\,D/(D + K_{exo})`, :math:`m` = :math:`m_{naive}` or
  :math:`m_{primed}` [58, 59], replenished with each medium change (constant exposure).
- AntagomiR-222/223: MIR222_223 :math:`\times (1 - \kappa)` [58].
- Inputs are clipped to [0, 1]; the medium (nutrients, serum fibronectin, incubator O2) is
  :func:`dormancy.lab.dish.medium_inputs`.

Readouts per condition over time: cell count and fold change (proliferation curve), Ki-67+ fraction, p38/ERK ratio,
CD44 (stemness proxy), dormancy-gene score; and survival under chemotherapy. The model reproduces slower
proliferation, more quiescence and chemoresistance with MSC exosomes, primed more than naive, reversed by the
antagomiR [49, 58, 59]. Its CD44 proxy (the switch's stemness output) RISES with quiescence, whereas [49] reports
lower CD44 after MSC co-culture: that readout disagrees with the literature and is reported as the model gives it.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from pydantic import BaseModel, ConfigDict, Field, field_validator

from dormancy.lab.dish import (
    Dish,
    Phase,
    cell_table,
    culture,
    lab_parameters,
    medium_inputs,
    parameter_records,
    seed_dish,
    tidy,
)
from dormancy.lab.protocol import LabResult, Protocol, lab_manifest, register, shade_phase

CURVE_READOUTS = ("cells", "fold_change", "ki67_fraction", "p38_erk_ratio", "cd44", "dormancy_score")
ALONE = "tumour alone"
_RATIO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$")


class _WellOptions(BaseModel):
    """Options shared by every co-culture protocol."""

    model_config = ConfigDict(extra="forbid")

    days: float = Field(7.0, ge=0.5, le=28.0, description="Duration of the co-culture before the drug, days.")
    antagomir: bool = Field(True, description="Add a condition with antagomiR-222/223.")
    chemotherapy_hours: float = Field(
        48.0, ge=0.0, le=168.0, description="Cytotoxic drug exposure after the co-culture, hours (0: none)."
    )
    er_status: Literal["negative", "positive"] = Field(
        "negative", description="Tumour cell line: ER-negative (MDA-MB-231-like) or ER-positive (MCF-7/T47D-like)."
    )
    estrogen: float = Field(0.0, ge=0.0, le=1.0, description="ESTROGEN input of the medium (0: phenol-red free).")
    cells: int = Field(2000, ge=50, le=100_000, description="Tumour cells seeded per well.")
    clones: int = Field(48, ge=4, le=512, description="Switch clones representing the cell line's heterogeneity.")
    step_hours: float = Field(1.0, ge=0.05, le=6.0, description="Time step of the switch and the population, hours.")
    record_hours: float = Field(12.0, ge=0.5, le=48.0, description="Interval between recorded readouts, hours.")
    max_cells_exported: int = Field(400, ge=0, le=10_000, description="Cells per condition in the cell table.")


class CultureOptions(_WellOptions):
    """Options of ``coculture-indirect`` (and, with contact options, ``coculture-direct``)."""

    stroma: Literal["msc", "osteoblast"] = Field("msc", description="Stromal cells: bone-marrow MSCs or osteoblasts.")
    msc_ratio: str = Field(
        "1:1",
        description="Stromal:tumour cell ratio at seeding, 'A:B' (MSCs or osteoblasts : tumour cells), e.g. 1:1, 5:1.",
    )

    @field_validator("msc_ratio")
    @classmethod
    def _ratio(cls, value: str) -> str:
        match = _RATIO.match(value)
        if match is None or float(match.group(2)) == 0.0:
            raise ValueError("a ratio 'A:B' of non-negative numbers with B > 0, e.g. 1:1 or 5:1")
        return value.strip()

    def stromal_ratio(self) -> float:
        """Return stromal cells per tumour cell."""
        a, b = _RATIO.match(self.msc_ratio).groups()  # type: ignore[union-attr]
        return float(a) / float(b)


class DirectOptions(CultureOptions):
    """Options of ``coculture-direct``."""

    gap_junctions: bool = Field(True, description="Gap junctions open (False: blocked, e.g. carbenoxolone).")
    priming: bool = Field(True, description="MSCs become primed by contact with tumour cells [59].")


class ExosomeOptions(_WellOptions):
    """Options of ``coculture-exosomes``."""

    dose_ug_per_ml: float = Field(20.0, ge=0.0, le=500.0, description="Exosome dose, µg exosomal protein per mL.")
    exosome_source: Literal["naive", "primed", "both"] = Field(
        "both", description="Exosomes from naive MSCs, from primed MSCs, or both as separate conditions."
    )


def _saturation(ratio: float, values: dict[str, float]) -> float:
    return ratio / (ratio + values["stroma_half_ratio"])


def _soluble(stroma: str, s: float, v: dict[str, float]) -> dict[str, float]:
    if stroma == "msc":
        return {"TGFB2": v["msc_tgfb2"] * s, "MIR222_223": v["msc_exosome_mir"] * s}
    return {"TGFB2": v["osteoblast_tgfb2"] * s, "BMP7": v["osteoblast_bmp7"] * s, "GAS6": v["osteoblast_gas6"] * s}


def _with_antagomir(inputs: dict[str, float], v: dict[str, float]) -> dict[str, float]:
    return {**inputs, "MIR222_223": inputs.get("MIR222_223", 0.0) * (1.0 - v["antagomir_knockdown"])}


def _medium(spec: _WellOptions, v: dict[str, float]) -> dict[str, float]:
    return {**medium_inputs(v), "ESTROGEN": spec.estrogen}


def _run_conditions(
    spec: _WellOptions, seed: int, conditions: dict[str, list[Phase]], protocol: str, settings: dict
) -> LabResult:
    dish = seed_dish(seed=seed, cells=spec.cells, clones=spec.clones, er_status=spec.er_status)
    courses, cells, survival, failures = [], [], [], 0
    for name, phases in conditions.items():
        grown, course = culture(dish, phases, seed=seed, condition=name, **_steps(spec))
        failures += grown.switch_failures
        cells.append(cell_table(grown, condition=name, max_cells=spec.max_cells_exported))
        if spec.chemotherapy_hours > 0:
            drug = Phase(spec.chemotherapy_hours, phases[-1].inputs, chemotherapy=True, label="chemotherapy")
            treated, after = culture(grown, [drug], seed=seed, condition=f"{name} + drug", **_steps(spec))
            failures += treated.switch_failures - grown.switch_failures
            after = after.iloc[1:].assign(condition=name)
            course = pd.concat([course, after], ignore_index=True)
            course["fold_change"] = course["cells"] / course["cells"].iloc[0]
            survival.append(_survival_row(name, treated, grown))
        courses.append(course)
    table = tidy(pd.concat(courses, ignore_index=True), CURVE_READOUTS)
    if survival:
        table = pd.concat([table, pd.DataFrame(survival)], ignore_index=True)
    manifest = lab_manifest(
        protocol,
        spec,
        seed,
        parameters=parameter_records(dish),
        settings={**settings, "conditions": list(conditions), "switch_failures": failures},
    )
    return LabResult(protocol, table, manifest, pd.concat(cells, ignore_index=True))


def _steps(spec: _WellOptions) -> dict[str, float]:
    return {"step_hours": spec.step_hours, "record_hours": spec.record_hours}


def _survival_row(name: str, treated: Dish, grown: Dish) -> dict[str, object]:
    return {
        "condition": name,
        "time_days": treated.hours / 24.0,
        "phase": "chemotherapy",
        "readout": "chemo_survival",
        "value": treated.total / grown.total if grown.total else np.nan,
        "unit": "dimensionless",
    }


def _contact_phases(spec: DirectOptions, v: dict[str, float], antagomir: bool) -> list[Phase]:
    """Direct co-culture in 6-hour phases (priming rises with time in contact)."""
    s = _saturation(spec.stromal_ratio(), v)
    hours, phase_hours = spec.days * 24.0, 6.0
    phases, start = [], 0.0
    while start < hours - 1e-9:
        length = min(phase_hours, hours - start)
        inputs = {**_medium(spec, v), **_soluble(spec.stroma, s, v)}
        if spec.stroma == "msc" and spec.priming:
            primed = 1.0 - np.exp(-(start + 0.5 * length) / v["priming_time"])
            load = v["msc_exosome_mir"] + (v["primed_exosome_mir"] - v["msc_exosome_mir"]) * primed
            inputs["MIR222_223"] = load * s
        if spec.stroma == "osteoblast":
            inputs["WNT5A"] = v["osteoblast_contact_wnt5a"] * s
        if spec.gap_junctions:
            inputs["MIR222_223"] = inputs.get("MIR222_223", 0.0) + v["gap_junction_mir"] * s
        if antagomir:
            inputs = _with_antagomir(inputs, v)
        phases.append(Phase(length, inputs, label="co-culture"))
        start += length
    return phases


def run_direct(spec: DirectOptions, seed: int) -> LabResult:
    """Run ``coculture-direct``: tumour cells in contact with MSCs or osteoblasts (module docstring)."""
    v = _values()
    hours = spec.days * 24.0
    conditions = {
        ALONE: [Phase(hours, _medium(spec, v), label="co-culture")],
        "co-culture": _contact_phases(spec, v, False),
    }
    if spec.antagomir:
        conditions["co-culture + antagomiR-222/223"] = _contact_phases(spec, v, True)
    return _run_conditions(spec, seed, conditions, "coculture-direct", {"mode": "direct"})


def run_indirect(spec: CultureOptions, seed: int) -> LabResult:
    """Run ``coculture-indirect``: transwell / conditioned medium, soluble factors and exosomes only."""
    v = _values()
    hours = spec.days * 24.0
    s = _saturation(spec.stromal_ratio(), v)
    soluble = {**_medium(spec, v), **_soluble(spec.stroma, s, v)}
    conditions = {ALONE: [Phase(hours, _medium(spec, v), label="co-culture")]}
    # In 6-hour phases like the direct mode, so that without contact terms both modes take identical steps.
    conditions["co-culture"] = _split(hours, soluble)
    if spec.antagomir:
        conditions["co-culture + antagomiR-222/223"] = _split(hours, _with_antagomir(soluble, v))
    return _run_conditions(spec, seed, conditions, "coculture-indirect", {"mode": "indirect"})


def run_exosomes(spec: ExosomeOptions, seed: int) -> LabResult:
    """Run ``coculture-exosomes``: a dose of exosomes extracted from naive or primed MSCs (module docstring)."""
    v = _values()
    hours = spec.days * 24.0
    dose = spec.dose_ug_per_ml / (spec.dose_ug_per_ml + v["exosome_half_dose"])
    conditions = {ALONE: [Phase(hours, _medium(spec, v), label="exosomes")]}
    sources = ("naive", "primed") if spec.exosome_source == "both" else (spec.exosome_source,)
    for source in sources:
        load = v["msc_exosome_mir"] if source == "naive" else v["primed_exosome_mir"]
        inputs = {**_medium(spec, v), "MIR222_223": load * dose}
        conditions[f"{source} exosomes"] = [Phase(hours, inputs, label="exosomes")]
        if spec.antagomir:
            conditions[f"{source} exosomes + antagomiR-222/223"] = [
                Phase(hours, _with_antagomir(inputs, v), label="exosomes")
            ]
    return _run_conditions(spec, seed, conditions, "coculture-exosomes", {"mode": "exosomes"})


def _split(hours: float, inputs: dict[str, float], phase_hours: float = 6.0) -> list[Phase]:
    phases, start = [], 0.0
    while start < hours - 1e-9:
        length = min(phase_hours, hours - start)
        phases.append(Phase(length, inputs, label="co-culture"))
        start += length
    return phases


def _values() -> dict[str, float]:
    return dict(lab_parameters().values())


def figure(result: LabResult) -> Figure:
    """Return the co-culture figure: proliferation curves, Ki-67+ fraction, p38/ERK and CD44, chemo survival."""
    table = result.table
    fig = Figure(figsize=(10.0, 7.0))
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 2)
    conditions = list(dict.fromkeys(table["condition"]))
    for name in conditions:
        rows = table[table["condition"] == name]
        for ax, readout in ((axes[0, 0], "fold_change"), (axes[0, 1], "ki67_fraction")):
            part = rows[rows["readout"] == readout]
            ax.plot(part["time_days"], part["value"], marker=".", label=name)
    for ax in (axes[0, 0], axes[0, 1]):
        shade_phase(ax, table, "chemotherapy")
    axes[0, 0].set(xlabel="time (days)", ylabel="tumour cells (fold change)", yscale="log", title="Proliferation")
    axes[0, 1].set(xlabel="time (days)", ylabel="Ki-67+ fraction", ylim=(0.0, 1.0), title="Cycling cells")
    axes[0, 0].legend(fontsize=7)
    end = table[table["phase"] != "chemotherapy"].groupby(["condition", "readout"], sort=False)["value"].last()
    x = np.arange(len(conditions))
    for offset, readout, label in ((-0.2, "p38_erk_ratio", "p38/ERK"), (0.2, "cd44", "CD44 proxy")):
        values = [end.get((name, readout), np.nan) for name in conditions]
        axes[1, 0].bar(x + offset, values, width=0.4, label=label)
    axes[1, 0].set_xticks(x, [name.replace(" + ", "\n+ ") for name in conditions], fontsize=6, rotation=20)
    axes[1, 0].set(title="End of co-culture", ylabel="readout (dimensionless)")
    axes[1, 0].legend(fontsize=7)
    survival = table[table["readout"] == "chemo_survival"]
    axes[1, 1].bar(np.arange(len(survival)), survival["value"])
    axes[1, 1].set_xticks(
        np.arange(len(survival)),
        [name.replace(" + ", "\n+ ") for name in survival["condition"]],
        fontsize=6,
        rotation=20,
    )
    axes[1, 1].set(ylabel="surviving fraction", ylim=(0.0, 1.0), title="Survival under chemotherapy")
    fig.suptitle(f"{result.protocol} (seed {result.manifest.seed})")
    fig.tight_layout()
    return fig


_CITATION = ("dai2024", "review:49", "review:58", "review:59", "review:60")
QUICK = {
    "days": 2.0,
    "cells": 300,
    "clones": 8,
    "step_hours": 2.0,
    "chemotherapy_hours": 24.0,
    "max_cells_exported": 60,
}
register(
    Protocol(
        "coculture-direct",
        "2D co-culture in contact with MSCs or osteoblasts (soluble factors, gap junctions, MSC priming)",
        "2D co-culture (tumour + marrow cells)",
        _CITATION,
        DirectOptions,
        run_direct,
        figure,
        QUICK,
    )
)
register(
    Protocol(
        "coculture-indirect",
        "Transwell / conditioned-medium co-culture with MSCs or osteoblasts (soluble factors only)",
        "2D co-culture (tumour + marrow cells)",
        _CITATION,
        CultureOptions,
        run_indirect,
        figure,
        QUICK,
    )
)
register(
    Protocol(
        "coculture-exosomes",
        "Exosomes extracted from naive or primed MSCs, by dose; optional antagomiR-222/223",
        "2D co-culture (tumour + marrow cells)",
        _CITATION,
        ExosomeOptions,
        run_exosomes,
        figure,
        QUICK,
    )
)
