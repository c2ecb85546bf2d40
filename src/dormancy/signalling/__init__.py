"""Molecule scale: the intracellular dormancy switch of a disseminated tumour cell (work in progress).

The network is data (:func:`load_network`), wired into index arrays (:func:`wire`); kinetics are normalised Hill
functions (:mod:`dormancy.signalling.hill`), integrated for many cells at once (:func:`integrate_batch`).
"""

from dormancy.signalling.hill import normalised_hill, target_activity
from dormancy.signalling.network import Edge, Network, Node, Wiring, load_network, network_from_mapping, wire
from dormancy.signalling.switch import BatchTrajectory, SwitchKinetics, integrate_batch, switch_rhs

__all__ = [
    "BatchTrajectory",
    "Edge",
    "Network",
    "Node",
    "SwitchKinetics",
    "Wiring",
    "integrate_batch",
    "load_network",
    "network_from_mapping",
    "normalised_hill",
    "switch_rhs",
    "target_activity",
    "wire",
]
