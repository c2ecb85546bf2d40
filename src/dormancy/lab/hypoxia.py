r"""Hypoxia protocols: acute cyclic, intermittent, prolonged and chronic exposure, then regrowth in normoxia.

The duration and depth of hypoxia decide its effect [119, 123–126]: acute cyclic or intermittent hypoxia (12 cycles
of 10 min at 8 % O2 [123]; 6 cycles of 30 min at 0 % [124]) promotes invasion, with LOXL2 induced under hypoxia
driving EMT and stemness [119]; prolonged hypoxia (24–48 h at 0.5 %) lowers LIFR and switches off dormancy genes
[87, 125]; chronic hypoxia (16–48 h at 0–0.02 %) can leave cells unable to replicate after reoxygenation [126].

A well of tumour cells (:mod:`dormancy.lab.dish`) is exposed to the protocol's gas schedule, the switch integrated
phase by phase (each hypoxic and reoxygenation interval a phase with constant inputs, the final state passed on),
beside a normoxic control well kept in the incubator for the same time; both then grow ``regrowth_days`` in
normoxia. O2 maps onto the switch's O2 input exactly as in the niche: % O2 / 100 is the oxygen fraction, and the
input is ``min(1, fraction / O2_ref)`` with ``O2_ref`` the switch's ``oxygen_reference_fraction`` (9 %), so 8 % O2 is
only mildly hypoxic for the switch (input 0.89). The medium is assumed to follow the gas phase at once (gas-permeable
plates or a fast-switching chamber; in standard plates pericellular O2 lags by an hour or more).

Below ``anoxia_threshold_percent`` (0.1 %), cycling cells become replication-arrested at ``anoxic_arrest_rate``
[126] — an explicit extra term of the lab layer (the switch has no DNA-damage node).

Readouts: invasion index and its LOXL2 proxy (HIF-1α activity; see :mod:`dormancy.lab.dish`), LIFR (LIFR:STAT3
activity), dormancy-gene score and Ki-67+ fraction at the end of exposure, over time, and regrowth after
reoxygenation (cells at the end of regrowth / cells at the end of exposure).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from pydantic import BaseModel, ConfigDict, Field

from dormancy.lab.dish import Phase, cell_table, culture, medium_inputs, parameter_records, seed_dish, tidy
from dormancy.lab.protocol import LabResult, Protocol, lab_manifest, register, shade_phase

CURVE_READOUTS = ("cells", "fold_change", "ki67_fraction", "invasion", "loxl2", "lifr", "dormancy_score")
END_READOUTS = ("invasion", "loxl2", "lifr", "dormancy_score", "ki67_fraction", "p38_erk_ratio")
NORMOXIA = "normoxia"
HYPOXIA = "hypoxia"


class HypoxiaOptions(BaseModel):
    """Options shared by the hypoxia protocols."""

    model_config = ConfigDict(extra="forbid")

    oxygen_percent: float = Field(1.0, ge=0.0, le=21.0, description="O2 of the hypoxic gas, % (v/v).")
    regrowth_days: float = Field(3.0, ge=0.0, le=14.0, description="Normoxic culture after the exposure, days.")
    er_status: Literal["negative", "positive"] = Field(
        "negative", description="Tumour cell line: ER-negative (MDA-MB-231-like) or ER-positive (MCF-7/T47D-like)."
    )
    cells: int = Field(2000, ge=50, le=100_000, description="Tumour cells seeded per well.")
    clones: int = Field(48, ge=4, le=512, description="Switch clones representing the cell line's heterogeneity.")
    step_hours: float = Field(0.5, ge=0.05, le=6.0, description="Longest time step, hours (short phases: one step).")
    max_cells_exported: int = Field(400, ge=0, le=10_000, description="Cells per condition in the cell table.")

    def schedule(self) -> list[tuple[float, float | None]]:
        """Return the exposure as (hours, O2 %) intervals; None = the incubator's normoxia."""
        raise NotImplementedError


class CyclicOptions(HypoxiaOptions):
    """Options of ``hypoxia-cyclic`` and ``hypoxia-intermittent``: cycles of hypoxia and reoxygenation."""

    oxygen_percent: float = Field(8.0, ge=0.0, le=21.0, description="O2 of the hypoxic gas, % (v/v).")
    cycles: int = Field(12, ge=1, le=200, description="Number of hypoxia–reoxygenation cycles.")
    hypoxic_minutes: float = Field(10.0, gt=0.0, le=720.0, description="Hypoxic interval of each cycle, minutes.")
    reoxygenation_minutes: float = Field(
        10.0, ge=0.0, le=720.0, description="Normoxic interval after each hypoxic one, minutes."
    )

    def schedule(self) -> list[tuple[float, float | None]]:
        """Return alternating hypoxic and reoxygenation intervals."""
        steps: list[tuple[float, float | None]] = []
        for _ in range(self.cycles):
            steps.append((self.hypoxic_minutes / 60.0, self.oxygen_percent))
            if self.reoxygenation_minutes > 0:
                steps.append((self.reoxygenation_minutes / 60.0, None))
        return steps


class IntermittentOptions(CyclicOptions):
    """Options of ``hypoxia-intermittent`` (defaults: 6 cycles of 30 min at 0 % O2, 30 min reoxygenation)."""

    oxygen_percent: float = Field(0.0, ge=0.0, le=21.0, description="O2 of the hypoxic gas, % (v/v).")
    cycles: int = Field(6, ge=1, le=200, description="Number of hypoxia–reoxygenation cycles.")
    hypoxic_minutes: float = Field(30.0, gt=0.0, le=720.0, description="Hypoxic interval of each cycle, minutes.")
    reoxygenation_minutes: float = Field(
        30.0, ge=0.0, le=720.0, description="Normoxic interval after each hypoxic one, minutes."
    )


class SustainedOptions(HypoxiaOptions):
    """Options of ``hypoxia-prolonged`` (defaults: 24 h at 0.5 % O2)."""

    oxygen_percent: float = Field(0.5, ge=0.0, le=21.0, description="O2 of the hypoxic gas, % (v/v).")
    hours: float = Field(24.0, gt=0.0, le=168.0, description="Duration of the exposure, hours (literature: 24–48).")

    def schedule(self) -> list[tuple[float, float | None]]:
        """Return one hypoxic interval."""
        return [(self.hours, self.oxygen_percent)]


class ChronicOptions(SustainedOptions):
    """Options of ``hypoxia-chronic`` (defaults: 48 h at 0.01 % O2)."""

    oxygen_percent: float = Field(0.01, ge=0.0, le=21.0, description="O2 of the hypoxic gas, % (v/v).")
    hours: float = Field(48.0, gt=0.0, le=168.0, description="Duration of the exposure, hours (literature: 16–48).")


def _run(protocol: str, spec: HypoxiaOptions, seed: int) -> LabResult:
    dish = seed_dish(seed=seed, cells=spec.cells, clones=spec.clones, er_status=spec.er_status)
    v = dish.values
    normoxic = medium_inputs(v)
    exposure = []
    for hours, oxygen in spec.schedule():
        if oxygen is None:
            exposure.append(Phase(hours, normoxic, label="reoxygenation"))
        else:
            inputs = {**normoxic, "O2": oxygen}
            exposure.append(Phase(hours, inputs, anoxic=oxygen < v["anoxia_threshold_percent"], label="hypoxia"))
    total_hours = sum(phase.hours for phase in exposure)
    record = min(1.0, total_hours / 4.0)
    conditions = {NORMOXIA: [Phase(total_hours, normoxic, label="normoxia")], HYPOXIA: exposure}
    courses, cells, ends, failures = [], [], [], 0
    for name, phases in conditions.items():
        exposed, course = culture(
            dish, phases, seed=seed, condition=name, step_hours=spec.step_hours, record_hours=record
        )
        failures += exposed.switch_failures
        cells.append(cell_table(exposed, condition=name, max_cells=spec.max_cells_exported))
        last = course.iloc[-1]
        ends += [_row(name, last["time_hours"], "end of exposure", readout, last[readout]) for readout in END_READOUTS]
        if spec.regrowth_days > 0:
            regrowth = [Phase(spec.regrowth_days * 24.0, normoxic, label="regrowth")]
            grown, after = culture(
                exposed, regrowth, seed=seed, condition=f"{name} regrowth", step_hours=1.0, record_hours=12.0
            )
            course = pd.concat([course, after.iloc[1:].assign(condition=name)], ignore_index=True)
            failures += grown.switch_failures - exposed.switch_failures
            ratio = grown.total / exposed.total if exposed.total else np.nan
            ends.append(_row(name, grown.hours, "after regrowth", "regrowth_fold_change", ratio))
        course["fold_change"] = course["cells"] / course["cells"].iloc[0]
        courses.append(course)
    table = pd.concat(
        [tidy(pd.concat(courses, ignore_index=True), CURVE_READOUTS), pd.DataFrame(ends)], ignore_index=True
    )
    manifest = lab_manifest(
        protocol,
        spec,
        seed,
        parameters=parameter_records(dish),
        settings={
            "conditions": list(conditions),
            "exposure_hours": total_hours,
            "o2_input_mapping": "niche",
            "switch_failures": failures,
        },
    )
    return LabResult(protocol, table, manifest, pd.concat(cells, ignore_index=True))


def _row(condition: str, hours: float, phase: str, readout: str, value: float) -> dict[str, object]:
    return {
        "condition": condition,
        "time_days": hours / 24.0,
        "phase": phase,
        "readout": readout,
        "value": float(value),
        "unit": "dimensionless",
    }


def end_of_exposure(result: LabResult) -> pd.DataFrame:
    """Return the end-point readouts of a hypoxia run as a condition × readout table."""
    table = result.table
    ends = table[table["phase"].isin(["end of exposure", "after regrowth"])]
    return ends.pivot(index="condition", columns="readout", values="value")


def figure(result: LabResult) -> Figure:
    """Return the hypoxia figure: invasion and LIFR over time, end-point readouts, regrowth after reoxygenation."""
    table = result.table
    fig = Figure(figsize=(10.0, 7.0))
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 2)
    course = table[~table["phase"].isin(["end of exposure", "after regrowth"])]
    conditions = list(dict.fromkeys(table["condition"]))
    for name in conditions:
        rows = course[course["condition"] == name]
        for ax, readout in ((axes[0, 0], "invasion"), (axes[0, 1], "lifr"), (axes[1, 1], "fold_change")):
            part = rows[rows["readout"] == readout]
            ax.plot(part["time_days"] * 24.0, part["value"], marker=".", label=name)
    for ax in (axes[0, 0], axes[0, 1], axes[1, 1]):
        shade_phase(ax, table, "hypoxia", label="hypoxia cycles", hours=True)
        shade_phase(ax, table, "regrowth", label="regrowth (reoxygenated)", hours=True)
    axes[0, 0].set(xlabel="time (h)", ylabel="invasion index (HIF-1α × (1 − p27))", title="Invasion (LOXL2/EMT proxy)")
    axes[0, 1].set(xlabel="time (h)", ylabel="LIFR:STAT3 activity", ylim=(0.0, 1.0), title="LIFR")
    axes[1, 1].set(xlabel="time (h)", ylabel="tumour cells (fold change)", yscale="log", title="Regrowth")
    axes[0, 0].legend(fontsize=7)
    ends = end_of_exposure(result).reindex(conditions)
    readouts = [name for name in ("invasion", "loxl2", "lifr", "dormancy_score", "ki67_fraction") if name in ends]
    x = np.arange(len(readouts))
    width = 0.8 / max(1, len(ends.index))
    for i, condition in enumerate(ends.index):
        axes[1, 0].bar(x + i * width, ends.loc[condition, readouts], width=width, label=condition)
    axes[1, 0].set_xticks(x + 0.4 - width / 2, readouts, fontsize=7)
    axes[1, 0].set(title="End of exposure", ylabel="readout (dimensionless)")
    axes[1, 0].legend(fontsize=7)
    fig.suptitle(f"{result.protocol} (seed {result.manifest.seed})")
    fig.tight_layout()
    return fig


_CITATION = ("review:119", "review:123", "review:124", "review:87", "review:125", "review:126")


_QUICK = {"cells": 300, "clones": 8, "regrowth_days": 1.0, "max_cells_exported": 60}


def _protocol(name: str, title: str, options: type[HypoxiaOptions], quick: dict[str, object]) -> Protocol:
    def run(spec: HypoxiaOptions, seed: int) -> LabResult:
        return _run(name, spec, seed)

    run.__doc__ = f"Run ``{name}`` (module docstring)."
    system = "hypoxia (2D culture in a hypoxia chamber)"
    return Protocol(name, title, system, _CITATION, options, run, figure, {**_QUICK, **quick})


register(
    _protocol(
        "hypoxia-cyclic",
        "Acute cyclic hypoxia: 12 cycles of 10 min at 8 % O2, then regrowth",
        CyclicOptions,
        {"cycles": 3},
    )
)
register(
    _protocol(
        "hypoxia-intermittent",
        "Intermittent hypoxia: 6 × 30 min at 0 % O2, then regrowth",
        IntermittentOptions,
        {"cycles": 2},
    )
)
register(
    _protocol(
        "hypoxia-prolonged", "Prolonged hypoxia: 24–48 h at 0.5 % O2, then regrowth", SustainedOptions, {"hours": 6.0}
    )
)
register(
    _protocol(
        "hypoxia-chronic", "Chronic hypoxia: 16–48 h at 0–0.02 % O2, then regrowth", ChronicOptions, {"hours": 6.0}
    )
)
