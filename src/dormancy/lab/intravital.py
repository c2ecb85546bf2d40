"""Intravital imaging: a time-lapse of single DTCs in a patch of marrow, their positions and states frame by frame.

Intravital microscopy follows single tumour cells in the living marrow through a calvarial or femoral window over
hours to days (review Table 1 [185–189]). The virtual counterpart is a small run of the niche agent-based model
(:mod:`dormancy.niche`: a generated 2D marrow section with bone, sinusoids and resident cells, DTCs homing from the
vessels; every mechanism as documented there), observed at every frame: each DTC's id, position, state
(proliferating or dormant), niche and distances to the nearest vessel and bone surface. Readouts: the per-cell track
table (one row per cell per frame) and a figure of the tracks coloured by state over the section; the cells table
is the niche's per-cell table at the last frame (switch node levels, inputs, fate rates).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from pydantic import BaseModel, ConfigDict, Field

from dormancy.lab.protocol import LabResult, Protocol, lab_manifest, register
from dormancy.lab.tissue import parameter_records
from dormancy.niche import (
    DTC_STATES,
    NICHES,
    NicheState,
    build_niche_model,
    default_niche_scenario,
    default_section,
    run_niche,
)
from dormancy.niche.agents import voxel_of
from dormancy.params import load_registry

__all__ = ["QUICK_OPTIONS", "IntravitalOptions", "intravital_figure", "run_intravital"]

#: A fast option set (a few seconds at most) for tests and demonstrations.
QUICK_OPTIONS: dict[str, object] = {"days": 0.25, "window_um": 150.0, "dtcs": 3}

STATE_COLOURS = {"proliferating": "tab:red", "dormant": "tab:blue"}


class IntravitalOptions(BaseModel):
    """Options of the ``intravital`` protocol (defaults: a 2-day session over a 300 µm window, a dozen DTCs)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: float = Field(2.0, ge=0.1, le=14.0, description="Length of the imaging session, days")
    window_um: float = Field(300.0, ge=100.0, le=1000.0, description="Side of the imaged marrow patch, µm")
    dtcs: int = Field(12, ge=1, le=500, description="DTCs arriving from the vessels at the start")
    frame_hours: float = Field(2.0, ge=1.0, le=24.0, description="Time between frames, hours")
    er_status: Literal["negative", "positive"] = Field("negative", description="Cell line's ER status")
    section_seed: int = Field(0, ge=0, description="Seed of the generated marrow section's layout")


def run_intravital(spec: IntravitalOptions, seed: int) -> LabResult:
    """Run the ``intravital`` protocol: a small niche run observed every frame (module docstring)."""
    scenario = default_niche_scenario(
        name="intravital",
        domain={"size_um": spec.window_um, "spacing_um": 10.0, "geometry_seed": spec.section_seed},
        dtc={"count": spec.dtcs, "er_status": spec.er_status},
        days=spec.days,
        dt_hours=1.0,
        seed=seed,
        outputs={"every_hours": spec.frame_hours, "snapshots": False},
    )
    model = build_niche_model(scenario)
    geometry = model.geometry
    to_vessel, to_bone = geometry.distance_to_vessel_um(), geometry.distance_to_bone_um()
    frames: list[pd.DataFrame] = []

    def observe(state: NicheState) -> None:
        dtcs = state.dtcs
        if len(dtcs.id) == 0:
            return
        voxel = tuple(voxel_of(dtcs.position_um, geometry.spacing_um, geometry.shape).T)
        frames.append(
            pd.DataFrame(
                {
                    "condition": f"ER{'+' if spec.er_status == 'positive' else '−'} DTCs",
                    "cell": dtcs.id,
                    "time_hours": state.step * model.dt_hours,
                    "x_um": dtcs.position_um[:, 0],
                    "y_um": dtcs.position_um[:, 1],
                    "state": np.asarray(DTC_STATES)[dtcs.state],
                    "niche": np.asarray(NICHES)[model.niche_map[voxel]],
                    "distance_to_vessel_um": to_vessel[voxel],
                    "distance_to_bone_um": to_bone[voxel],
                }
            )
        )

    run = run_niche(model, observer=observe)
    columns = ["condition", "cell", "time_hours", "x_um", "y_um", "state", "niche"]
    tracks = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    cells = run.cells.copy()
    cells.insert(0, "condition", tracks["condition"].iloc[0] if len(tracks) else "")
    registry = load_registry()
    manifest = lab_manifest(
        "intravital",
        spec,
        seed,
        parameters=parameter_records(
            model.parameters, registry.sets["niche_transport"], registry.sets[model.switch.parameter_set]
        ),
        settings={"niche_scenario": scenario.to_dict(), "frames": len(frames)},
    )
    return LabResult("intravital", tracks, manifest, cells)


def intravital_figure(result: LabResult) -> Figure:
    """Return the tracks of every DTC over the imaging session, each segment coloured by the cell's state."""
    tracks = result.table
    scenario = result.manifest.settings["niche_scenario"]
    figure = Figure(figsize=(6.4, 5.6), layout="constrained")
    axis = figure.subplots()
    domain = scenario["domain"]
    geometry = default_section(
        ndim=2, size_um=domain["size_um"], spacing_um=domain["spacing_um"], seed=domain["geometry_seed"]
    )
    extent = (0.0, geometry.extent_um[0], 0.0, geometry.extent_um[1])
    background = np.where(geometry.bone, 0.55, np.where(geometry.vessel, 0.8, 1.0)).T
    axis.imshow(background, origin="lower", extent=extent, cmap="gray", vmin=0.0, vmax=1.0)
    for state, colour in STATE_COLOURS.items():
        segments = []
        for _, rows in tracks.sort_values("time_hours").groupby("cell"):
            xy = rows[["x_um", "y_um"]].to_numpy()
            states = rows["state"].to_numpy()
            segments += [xy[i : i + 2] for i in range(len(xy) - 1) if states[i + 1] == state]
        axis.add_collection(LineCollection(segments, colors=colour, linewidths=1.5, label=state))
        last = tracks[tracks["time_hours"] == tracks["time_hours"].max()]
        end = last[last["state"] == state]
        axis.scatter(end["x_um"], end["y_um"], color=colour, s=14, zorder=3)
    axis.set(xlim=extent[:2], ylim=extent[2:], xlabel="x (µm)", ylabel="y (µm)", aspect="equal")
    axis.set_title("intravital time-lapse: DTC tracks (dark grey: bone, light grey: vessels)")
    axis.legend(loc="upper right")
    return figure


register(
    Protocol(
        name="intravital",
        title="Intravital-imaging-like time-lapse of single DTCs in a marrow patch (tracks and states)",
        system="intravital imaging",
        citation=("review:185", "review:186", "review:187", "review:188", "review:189"),
        spec=IntravitalOptions,
        run=run_intravital,
        figure=intravital_figure,
    )
)
