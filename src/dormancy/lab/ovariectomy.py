r"""Ovariectomy × zoledronic acid in mice: the preclinical anchor of the bone → dormancy-switch coupling.

Ottewell et al. (2014, review [100]) injected human breast cancer cells into the left ventricle of ovariectomised
(OVX) or sham-operated immunodeficient mice: the bone resorption raised by OVX was followed by growth of the
disseminated cells in bone, more than in sham mice, and zoledronic acid inhibited that growth in OVX mice but not
in sham (premenopausal-like) mice; OPG-Fc likewise inhibited OVX-induced growth of disseminated cells in bone
(review [97]). Canuas-Landero et al. (2021) modelled pre-, peri- and post-menopausal oestradiol in OVX mice (serum
oestradiol 153, 49 and 1 pg/ml) with zoledronic acid 100 µg/kg weekly.

``mouse-ovariectomy`` runs the 2 × 2 factorial (sham/OVX × vehicle/zoledronic acid) of a mouse cohort
(:func:`dormancy.lab.mouse.run_mouse`; host state as in :mod:`dormancy.lab.menopause`). Every arm uses the same
seed, so mouse :math:`i` of every arm has the same DTC arrivals, niches and cell-to-cell input factors (common random
numbers): arms differ only by the host state and the draws of the population process. The table is the four arms'
mouse readouts (``condition`` names the arm); :func:`niche_fates` gives the switch's per-niche rates in each arm,
from which a difference between arms is diagnosed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from pydantic import Field, model_validator

from dormancy.bone.pivonka import PivonkaParameters
from dormancy.coupling import exposed_inputs, exposure_averaged_rates, niche_exposure
from dormancy.lab.menopause import bone_constants, host_bone_state, host_marrow_values
from dormancy.lab.mouse import MARROW, MouseXenograftOptions, kaplan_meier, niche_inputs, run_mouse, settle_states
from dormancy.lab.protocol import LabResult, Protocol, lab_manifest, register
from dormancy.lab.tissue import lab_parameters
from dormancy.params import load_registry
from dormancy.patients.parameters import SET_NAME as PATIENT_SET
from dormancy.signalling import SwitchModel, fate_rates, is_dormant, load_switch

__all__ = ["ARMS", "QUICK_OPTIONS", "MouseOvariectomyOptions", "arm_summary", "niche_fates", "run_ovariectomy"]

#: A fast option set for tests and demonstrations.
QUICK_OPTIONS: dict[str, object] = {"mice": 2, "weeks": 1.0, "injected_cells": 10_000}
#: The factorial's arms: (ovariectomy, zoledronic acid).
ARMS: tuple[tuple[bool, bool], ...] = ((False, False), (False, True), (True, False), (True, True))


class MouseOvariectomyOptions(MouseXenograftOptions):
    """Options of ``mouse-ovariectomy``: a xenograft cohort per arm (defaults: nude mice, ER− line, intracardiac).

    ``ovariectomy`` and ``zoledronic_acid`` are set by the protocol for each arm and must be left False.
    """

    host: Literal["nsg", "nude"] = Field("nude", description="Immunodeficient host: nsg (no T, B, NK) or nude (no T)")
    weeks: float = Field(6.0, ge=0.5, le=26.0, description="Follow-up from injection to sacrifice, weeks")

    @model_validator(mode="after")
    def _arms_are_set_by_the_protocol(self) -> MouseOvariectomyOptions:
        if self.ovariectomy or self.zoledronic_acid:
            raise ValueError("ovariectomy and zoledronic_acid are set per arm by mouse-ovariectomy; leave them False")
        return self


def arm_label(ovariectomy: bool, zoledronic_acid: bool) -> str:
    """Return an arm's short name (``"OVX + zoledronic acid"``)."""
    return f"{'OVX' if ovariectomy else 'sham'} + {'zoledronic acid' if zoledronic_acid else 'vehicle'}"


def run_ovariectomy(spec: MouseOvariectomyOptions, seed: int) -> LabResult:
    """Run the four arms with the same seed (module docstring) and return their readouts together."""
    results = [
        run_mouse(
            spec.model_copy(update={"ovariectomy": ovx, "zoledronic_acid": zol}),
            seed,
            host=spec.host,
            name="mouse-ovariectomy",
        )
        for ovx, zol in ARMS
    ]
    base = f"{spec.host} mice, {spec.delivery}"
    tables, frames = [], []
    for arm, result in zip(ARMS, results, strict=True):
        condition = f"{base}, {arm_label(*arm)}"  # the sham + vehicle arm is named too
        tables.append(result.table.assign(condition=condition))
        if result.cells is not None:
            frames.append(result.cells.assign(condition=condition))
    table = pd.concat(tables, ignore_index=True)
    cells = pd.concat(frames, ignore_index=True)
    first = results[0].manifest
    manifest = lab_manifest(
        "mouse-ovariectomy",
        spec,
        seed,
        parameters=list(results[-1].manifest.parameters),  # the OVX + drug arm read the bone sets too
        settings={
            **first.settings,
            "arms": [arm_label(*arm) for arm in ARMS],
            "marrow_bone_signals": {
                arm_label(*arm): result.manifest.settings["marrow_bone_signals"]
                for arm, result in zip(ARMS, results, strict=True)
            },
        },
    )
    return LabResult("mouse-ovariectomy", table, manifest, cells)


def arm_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Return per arm: mice, bone foci per mouse, mean log10(1 + tumour cells), fraction detected by BLI.

    Parameters
    ----------
    table : pandas.DataFrame
        The ``mouse-ovariectomy`` (or any mouse protocol) readouts table.
    """
    rows = []
    for condition, group in table.groupby("condition", sort=False):
        by = {name: rows_.set_index("mouse")["value"] for name, rows_ in group.groupby("readout")}
        detected = group[group["readout"] == "time_to_bone_metastasis_days"]["event"]
        rows.append(
            dict(
                condition=condition,
                mice=len(detected),
                foci_per_mouse=float(by["bone_foci_at_sacrifice"].mean()),
                log10_tumour_cells=float(np.log10(1.0 + by["tumour_cells_at_sacrifice"]).mean()),
                detected_fraction=float(detected.mean()),
            )
        )
    return pd.DataFrame(rows)


def niche_fates(
    er_status: str = "negative",
    host: str = "nude",
    *,
    switch: SwitchModel | None = None,
    values: Mapping[str, float] | None = None,
    remodelling: PivonkaParameters | None = None,
    coupling: Mapping[str, float] | None = None,
    osteoblast_signals: bool = True,
) -> pd.DataFrame:
    """Return the switch's rates per marrow niche and arm, for cells at the niche's mean inputs (no variability).

    Columns: ``arm``, ``niche``, ``landing_fraction``, ``awake_on_arrival`` (bool), ``resorption_exposure`` (fraction
    of time under a resorbing front), ``awakening_rate`` and ``dormant_death_rate`` (a dormant cell's hazards
    averaged over that exposure, 1/day; :mod:`dormancy.coupling.niche`), ``quiescence_exit_rate`` and
    ``quiescence_exit_rate_front`` (the dormant branch's exit rate at rest and under a front), ``proliferation_rate``,
    ``awake_death_rate``, ``reentry_rate`` (awake branch, 1/day), and the bone signals the niche reads over the
    marrow (``mouse_marrow__*`` of the arm).

    ``switch`` (the ER status's registry switch when omitted), ``values`` (the patient and ``lab_in_vivo`` values),
    ``remodelling``, ``coupling`` and ``osteoblast_signals`` (:func:`dormancy.lab.menopause.host_marrow_values`)
    let a scan replace any of them.
    """
    switch = load_switch(er_status) if switch is None else switch
    if values is None:
        values = {**load_registry().sets[PATIENT_SET].values(), **lab_parameters().values()}
    registry_remodelling, registry_coupling = bone_constants()
    remodelling = registry_remodelling if remodelling is None else remodelling
    coupling = registry_coupling if coupling is None else coupling
    first = [values[f"niche_fraction_{niche}"] for niche in MARROW[:3]]
    landing = [*first, 1.0 - sum(first)]
    rows = []
    for ovx, zol in ARMS:
        spec = MouseOvariectomyOptions(er_status=er_status, host=host).model_copy(
            update={"ovariectomy": ovx, "zoledronic_acid": zol}
        )
        arm_values = host_marrow_values(
            values,
            ovariectomy=ovx,
            zoledronic_acid=zol,
            remodelling=remodelling,
            coupling=coupling,
            osteoblast_signals=osteoblast_signals,
        )
        state = host_bone_state(
            values, ovariectomy=ovx, zoledronic_acid=zol, remodelling=remodelling, coupling=coupling
        )
        exposure = np.array(
            [
                niche_exposure(values, niche, state.osteoclast_fold, values["mouse_resorption_surface_fraction"])
                for niche in MARROW
            ]
        )
        inputs = np.stack([niche_inputs(switch, niche, host, spec, arm_values) for niche in MARROW])
        front = exposed_inputs(switch, inputs, coupling, niche_effect=state.niche_effect)
        awake, dormant = settle_states(switch, inputs, arm_values["arrival_settle_time"])
        _, dormant_front = settle_states(switch, front, arm_values["arrival_settle_time"])
        awake_rates = fate_rates(switch, awake)
        dormant_rates = exposure_averaged_rates(switch, dormant, dormant_front, exposure)
        on_arrival = ~is_dormant(switch, awake)
        for i, niche in enumerate(MARROW):
            rows.append(
                dict(
                    arm=arm_label(ovx, zol),
                    niche=niche,
                    landing_fraction=float(landing[i]),
                    awake_on_arrival=bool(on_arrival[i]),
                    resorption_exposure=float(exposure[i]),
                    awakening_rate=float(dormant_rates["awakening_rate"][i]),
                    dormant_death_rate=float(dormant_rates["death_rate"][i]),
                    quiescence_exit_rate=float(dormant_rates["exit_rest"][i]),
                    quiescence_exit_rate_front=float(dormant_rates["exit_front"][i]),
                    proliferation_rate=float(awake_rates["proliferation_rate"][i]),
                    awake_death_rate=float(awake_rates["apoptosis_rate"][i]),
                    reentry_rate=float(awake_rates["quiescence_entry_rate"][i]),
                    **{name: arm_values[name] for name in arm_values if name.startswith("mouse_marrow__")},
                )
            )
    return pd.DataFrame(rows)


def ovariectomy_figure(result: LabResult) -> Figure:
    """Return the Kaplan–Meier curve of each arm and the bone foci per mouse by arm."""
    figure = Figure(figsize=(10, 3.8), layout="constrained")
    km, foci = figure.subplots(1, 2)
    curve = kaplan_meier(result.table)
    for condition, rows in curve.groupby("condition", sort=False):
        km.step(rows["time_days"], rows["metastasis_free"], where="post", label=condition.split(", ")[-1])
    km.set(xlabel="days after injection", ylabel="free of detectable bone metastasis", ylim=(-0.02, 1.02))
    km.legend(fontsize="small")
    summary = arm_summary(result.table)
    foci.bar([c.split(", ")[-1] for c in summary["condition"]], summary["foci_per_mouse"], color="tab:blue")
    foci.set(ylabel="bone foci per mouse at sacrifice", title="sham/OVX × vehicle/zoledronic acid")
    foci.tick_params(axis="x", labelrotation=20)
    return figure


register(
    Protocol(
        name="mouse-ovariectomy",
        title="Ovariectomy × zoledronic acid in xenograft mice: bone tumours in pre- vs postmenopausal-like bone",
        system="xenograft (intracardiac) in ovariectomised or sham-operated mice",
        citation=("review:97", "review:100", "canuaslandero2021", "review:182", "review:190"),
        spec=MouseOvariectomyOptions,
        run=run_ovariectomy,
        figure=ovariectomy_figure,
    )
)
