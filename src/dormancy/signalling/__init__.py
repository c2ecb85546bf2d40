"""Molecule scale: the intracellular dormancy switch of a disseminated tumour cell.

The network is data (:func:`load_network`), wired into index arrays (:func:`wire`); kinetics are normalised Hill
functions (:mod:`dormancy.signalling.hill`), integrated for many cells at once: :func:`integrate_cells` (compiled
exponential integrator; by default each cell with its own step, or, faster, blocks of cells as vector lanes sharing
a step, :mod:`dormancy.signalling.lanes`) or :func:`integrate_batch` (NumPy Dormand–Prince over the whole batch; the
independent reference).
"""

from dormancy.signalling.analysis import FATE_NAMES, Hysteresis, fate_surface, hysteresis
from dormancy.signalling.exponential import CellTrajectories, integrate_cells
from dormancy.signalling.hill import normalised_hill, target_activity
from dormancy.signalling.model import (
    DEFAULT_NICHE,
    DORMANT_PREPARATION,
    PROLIFERATING_PREPARATION,
    SwitchModel,
    autophagy_block_death,
    fate_rates,
    is_dormant,
    load_switch,
    steady_states,
)
from dormancy.signalling.network import Edge, Network, Node, Wiring, load_network, network_from_mapping, wire
from dormancy.signalling.notebook import niche_activities, run_switch, scan_switch
from dormancy.signalling.sbml_export import switch_to_sbml
from dormancy.signalling.switch import BatchTrajectory, SwitchKinetics, integrate_batch, switch_rhs

__all__ = [
    "DEFAULT_NICHE",
    "DORMANT_PREPARATION",
    "FATE_NAMES",
    "PROLIFERATING_PREPARATION",
    "BatchTrajectory",
    "CellTrajectories",
    "Edge",
    "Hysteresis",
    "Network",
    "Node",
    "SwitchKinetics",
    "SwitchModel",
    "Wiring",
    "autophagy_block_death",
    "fate_rates",
    "fate_surface",
    "hysteresis",
    "integrate_batch",
    "integrate_cells",
    "is_dormant",
    "load_network",
    "load_switch",
    "network_from_mapping",
    "niche_activities",
    "normalised_hill",
    "run_switch",
    "scan_switch",
    "steady_states",
    "switch_rhs",
    "switch_to_sbml",
    "target_activity",
    "wire",
]
