"""The bone-marrow niche: geometry, reaction–diffusion fields, agents and rendering."""

from dormancy.niche.agents import DTC_STATES, RESIDENT_KINDS, Dtcs, Residents
from dormancy.niche.fields import FIELD_NAMES, FieldSpec, diffuse, initial_fields, load_field_specs
from dormancy.niche.geometry import Geometry, default_section, geometry_from_mask, geometry_labels, label_image
from dormancy.niche.model import COUNTERS, NICHES, NicheModel, NicheState, build_niche_model, init, step
from dormancy.niche.outputs import agents_frame, cell_table, record, timeseries, to_anndata, write_snapshot
from dormancy.niche.render import render_snapshot, write_movie
from dormancy.niche.scenario import (
    NicheScenario,
    default_niche_scenario,
    default_niche_scenario_path,
    dump_niche_scenario,
    load_niche_scenario,
    niche_scenario_from_dict,
    save_niche_scenario,
)
from dormancy.niche.simulator import NicheRun, load_checkpoint, run_niche, save_checkpoint, save_niche_run

__all__ = [
    "COUNTERS",
    "DTC_STATES",
    "FIELD_NAMES",
    "NICHES",
    "RESIDENT_KINDS",
    "Dtcs",
    "FieldSpec",
    "Geometry",
    "NicheModel",
    "NicheRun",
    "NicheScenario",
    "NicheState",
    "Residents",
    "agents_frame",
    "build_niche_model",
    "cell_table",
    "default_niche_scenario",
    "default_niche_scenario_path",
    "default_section",
    "diffuse",
    "dump_niche_scenario",
    "geometry_from_mask",
    "geometry_labels",
    "init",
    "initial_fields",
    "label_image",
    "load_checkpoint",
    "load_field_specs",
    "load_niche_scenario",
    "niche_scenario_from_dict",
    "record",
    "render_snapshot",
    "run_niche",
    "save_checkpoint",
    "save_niche_run",
    "save_niche_scenario",
    "step",
    "timeseries",
    "to_anndata",
    "write_movie",
    "write_snapshot",
]
