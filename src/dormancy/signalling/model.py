r"""The dormancy switch with a registry parameter set, its steady states and the fate rates it hands upward.

:class:`SwitchModel` joins the network table, its wiring and the kinetics of one parameter set
(``switch_er_negative`` or ``switch_er_positive``). :func:`fate_rates` turns node activities into the rates the
tissue and patient scales consume (per day):

.. math::

    r_{prolif} &= r_{max} \, \mathrm{CDK46} \\
    q_{in} &= q_{in,max} \, \mathrm{P27} \, (1 - \mathrm{CDK46}), \qquad
    q_{out} = q_{out,max} \, \mathrm{CDK46} \, (1 - \mathrm{P27}) \\
    d &= d_0 + d_{mTOR} L(\mathrm{MTOR}) + d_{aut} L(\mathrm{AUT}) + d_{energy} L(\mathrm{MTOR}) L(\mathrm{AUT}),
    \qquad L(x) = 1 - \bar f(x; n_s, k_s)

A drug's kill adds :func:`autophagy_block_death`, :math:`d_{blk}\max(0, A_0 - \mathrm{AUT})`: the autophagy a cell
initiates but cannot complete under a lysosomal block (hydroxychloroquine), 0 without the drug.

Dormant cells rely on mTOR signalling and on autophagy for survival [75–79]; either can balance energy, losing
both is lethal (the rationale for combining everolimus with hydroxychloroquine). :math:`L` is the loss of a
survival signal: near 0 while the activity stays above the survival threshold :math:`k_s`, near 1 once it falls
below (a normalised Hill function of steepness :math:`n_s`). The death rate does not depend on cycling, so halting
the cycle (a CDK4/6 inhibitor) does not by itself kill. Immune evasion is the PD-L1
activity [83]; the stemness score is NR2F1 activity in a non-cycling cell, :math:`\mathrm{NR2F1}(1 - \mathrm{CDK46})`
(dormant DTCs acquire stem-like traits via the NR2F1 programme [82, 198]; an assumption of this model).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from dormancy.errors import InputError, Problem
from dormancy.params import ParameterSet, load_registry
from dormancy.signalling.exponential import integrate_cells
from dormancy.signalling.hill import normalised_hill
from dormancy.signalling.network import Network, Wiring, load_network, wire
from dormancy.signalling.switch import SwitchKinetics, switch_rhs

MODEL_NAME = "switch"

#: A permissive marrow niche used where a caller gives no other inputs: oxygen at 80 % of the reference (about 7 %
#: O2), moderate nutrients, fibronectin-rich stroma and mid-range oestrogen signalling (an assumption; the tissue
#: scale replaces it with local fields).
DEFAULT_NICHE: Mapping[str, float] = MappingProxyType(
    {"O2": 0.8, "NUTRIENTS": 0.6, "FIBRONECTIN": 0.6, "ESTROGEN": 0.5}
)
#: Inputs (added to the niche) under which cells are prepared in a dormant or a proliferating state.
DORMANT_PREPARATION: Mapping[str, float] = MappingProxyType({"TGFB2": 1.0})
PROLIFERATING_PREPARATION: Mapping[str, float] = MappingProxyType({"TGFB1": 1.0})
FATE_SYMBOLS: tuple[str, ...] = (
    "max_proliferation_rate",
    "max_quiescence_entry_rate",
    "max_quiescence_exit_rate",
    "basal_apoptosis_rate",
    "mtor_survival_apoptosis_rate",
    "autophagy_survival_apoptosis_rate",
    "energy_crisis_apoptosis_rate",
    "autophagy_block_apoptosis_rate",
    "survival_threshold",
    "survival_hill_coefficient",
)


@dataclass(frozen=True)
class SwitchModel:
    """A network with the kinetics and fate constants of one parameter set.

    Parameters
    ----------
    network : Network
        The node and edge table.
    wiring : Wiring
        Its index arrays.
    kinetics : SwitchKinetics
        Edge weights, Hill constants, time constants (hours) and basal activities.
    fate : mapping of str to float
        Fate constants by symbol (:data:`FATE_SYMBOLS`): rates per day, the survival threshold and steepness.
    parameter_set : str
        Name of the registry set the values came from.
    oxygen_reference_fraction : float
        Oxygen fraction at which the ``O2`` input is fully active (:meth:`oxygen_activity`).
    """

    network: Network
    wiring: Wiring
    kinetics: SwitchKinetics
    fate: Mapping[str, float]
    parameter_set: str
    oxygen_reference_fraction: float = 0.09

    @classmethod
    def from_parameter_set(cls, parameter_set: ParameterSet, network: Network | None = None) -> SwitchModel:
        """Build the model from a registry set of model ``switch`` (and the package network by default)."""
        network = load_network() if network is None else network
        wiring = wire(network)
        values = parameter_set.values()
        missing = [f"weight__{name}" for name in wiring.edge_names if f"weight__{name}" not in values]
        missing += [f"tau__{name}" for name in wiring.internal if f"tau__{name}" not in values]
        missing += [symbol for symbol in FATE_SYMBOLS if symbol not in values]
        if missing:
            raise InputError(
                [
                    Problem(f"{parameter_set.name}.{symbol}", "a parameter for every edge and node", "missing")
                    for symbol in missing
                ]
            )
        edges = wiring.edge_names
        kinetics = SwitchKinetics(
            weights=np.array([values[f"weight__{name}"] for name in edges]),
            hill_coefficient=np.array([values.get(f"hill__{name}", values["hill_coefficient"]) for name in edges]),
            threshold=np.array([values.get(f"threshold__{name}", values["hill_threshold"]) for name in edges]),
            time_constant_hours=np.array([values[f"tau__{name}"] for name in wiring.internal]),
            basal=np.array([values.get(f"basal__{name}", 0.0) for name in wiring.internal]),
        )
        fate = {symbol: values[symbol] for symbol in FATE_SYMBOLS}
        reference = values.get("oxygen_reference_fraction", cls.oxygen_reference_fraction)
        return cls(network, wiring, kinetics, fate, parameter_set.name, reference)

    def inputs(self, values: Mapping[str, float] | None = None, *, cells: int = 1) -> NDArray[np.float64]:
        """Return an input array ``(cells, n_inputs)``: the given node values, 0 elsewhere.

        Parameters
        ----------
        values : mapping of str to float, optional
            Input or drug node name to activity in [0, 1].
        cells : int
            Number of identical rows.

        Raises
        ------
        InputError
            For an unknown input name or a value outside [0, 1].
        """
        values = dict(values or {})
        problems = [
            Problem(f"input {name}", f"one of {', '.join(self.wiring.inputs)}", repr(name))
            for name in values
            if name not in self.wiring.inputs
        ]
        problems += [
            Problem(f"input {name}", "a value in [0, 1]", repr(value))
            for name, value in values.items()
            if not 0.0 <= float(value) <= 1.0
        ]
        if problems:
            raise InputError(problems)
        row = np.array([float(values.get(name, 0.0)) for name in self.wiring.inputs])
        return np.tile(row, (cells, 1))

    def oxygen_activity(self, fraction: float | NDArray[np.float64]) -> float | NDArray[np.float64]:
        """Return the ``O2`` node activity for an oxygen fraction (0.01 = 1 % O2): ``min(1, fraction / O2_ref)``."""
        return np.minimum(1.0, np.asarray(fraction, dtype=np.float64) / self.oxygen_reference_fraction)

    def index(self, name: str) -> int:
        """Return the column of internal node ``name`` in state arrays."""
        return self.wiring.internal.index(name)


def steady_states(
    model: SwitchModel,
    inputs: NDArray[np.float64],
    initial_state: NDArray[np.float64] | float = 0.0,
    *,
    hours: float = 2000.0,
    rtol: float = 1e-8,
    atol: float = 1e-10,
) -> NDArray[np.float64]:
    """Relax every cell to the steady state reached from ``initial_state`` under constant inputs.

    With a bistable core the answer depends on the start: relax from a dormant and from a proliferating state to
    get both branches (see :func:`dormancy.signalling.analysis.hysteresis`).

    Parameters
    ----------
    model : SwitchModel
        The model.
    inputs : numpy.ndarray
        ``(cells, n_inputs)``.
    initial_state : numpy.ndarray or float
        ``(cells, n_internal)`` or a scalar used for every node.
    hours : float
        Relaxation time; long against the slowest time constant.
    rtol, atol : float
        Integrator tolerances (:func:`dormancy.signalling.exponential.integrate_cells`).

    Raises
    ------
    RuntimeError
        If a cell's integration fails.
    """
    cells = inputs.shape[0]
    start = np.broadcast_to(np.asarray(initial_state, dtype=np.float64), (cells, len(model.wiring.internal)))
    trajectory = integrate_cells(
        model.wiring, model.kinetics, start, inputs, np.array([0.0, hours]), rtol=rtol, atol=atol
    )
    if not trajectory.ok.all():
        failed = np.flatnonzero(~trajectory.ok)
        raise RuntimeError(f"steady_states: integration failed for {failed.size} cell(s), first index {failed[0]}")
    return trajectory.states[-1]


def fate_rates(model: SwitchModel, states: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
    """Return the fate outputs of node activities (see the module docstring for the formulas).

    Parameters
    ----------
    model : SwitchModel
        The model (for the fate constants and node positions).
    states : numpy.ndarray
        Node activities ``(..., n_internal)``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``proliferation_rate``, ``quiescence_entry_rate``, ``quiescence_exit_rate``, ``apoptosis_rate`` (per day),
        ``immune_evasion`` and ``stemness`` (scores in [0, 1]), each of shape ``states.shape[:-1]``.
    """
    node = {name: states[..., i] for i, name in enumerate(model.wiring.internal)}
    f = model.fate
    cycling, p27 = node["CDK46"], node["P27"]
    no_mtor, no_autophagy = (
        1.0 - normalised_hill(node[name], f["survival_hill_coefficient"], f["survival_threshold"])
        for name in ("MTOR", "AUTOPHAGY")
    )
    return {
        "proliferation_rate": f["max_proliferation_rate"] * cycling,
        "quiescence_entry_rate": f["max_quiescence_entry_rate"] * p27 * (1.0 - cycling),
        "quiescence_exit_rate": f["max_quiescence_exit_rate"] * cycling * (1.0 - p27),
        "apoptosis_rate": f["basal_apoptosis_rate"]
        + f["mtor_survival_apoptosis_rate"] * no_mtor
        + f["autophagy_survival_apoptosis_rate"] * no_autophagy
        + f["energy_crisis_apoptosis_rate"] * no_mtor * no_autophagy,
        "immune_evasion": node["PDL1"],
        "stemness": node["NR2F1"] * (1.0 - cycling),
    }


def autophagy_block_death(
    model: SwitchModel, states: NDArray[np.float64], inputs: NDArray[np.float64]
) -> NDArray[np.float64]:
    r"""Return the death rate (per day) from autophagic cargo that a lysosomal flux block leaves undegraded.

    .. math::

        h_{blk} = d_{blk} \, \max\bigl(0, A_0 - \mathrm{AUT}\bigr), \qquad
        A_0 = B_{\mathrm{AUT}}(x, u \,|\, u_{\mathrm{HCQ}} = 0)

    :math:`A_0` is the autophagy the cell initiates (the node's target activity with the hydroxychloroquine input
    removed, its other regulators as they are) and :math:`\mathrm{AUT}` the flux it completes; the difference is the
    flux the drug blocks. Vera-Ramirez et al. 2018 (review [78]): inhibiting autophagic flux in dormant breast
    cancer cells accumulates damaged mitochondria and ROS and kills them by apoptosis, with minimal effect once the
    cells proliferate. So the damage grows with the cell's own autophagic demand (high in dormancy, through p27)
    times the block, and is exactly 0 without the drug: the untreated death (and every untreated table) does not
    depend on :math:`d_{blk}` (``autophagy_block_apoptosis_rate``). Added to :func:`fate_rates`'s apoptosis where a
    drug's kill is computed (the patient tables and the mouse drug protocol). ``AUTOPHAGY`` regulates no other node,
    so its regulators are the same with and without the drug.

    Parameters
    ----------
    model : SwitchModel
        The switch.
    states : numpy.ndarray
        Node activities ``(cells, n_internal)`` (steady states under ``inputs``).
    inputs : numpy.ndarray
        The inputs they were relaxed under, ``(cells, n_inputs)``.

    Returns
    -------
    numpy.ndarray
        ``(cells,)``, per day; zeros when the network has no ``HYDROXYCHLOROQUINE`` input.
    """
    states = np.asarray(states, dtype=np.float64)
    inputs = np.asarray(inputs, dtype=np.float64)
    if "HYDROXYCHLOROQUINE" not in model.wiring.inputs or "AUTOPHAGY" not in model.wiring.internal:
        return np.zeros(states.shape[0])
    released = inputs.copy()
    released[:, model.wiring.inputs.index("HYDROXYCHLOROQUINE")] = 0.0
    node = model.index("AUTOPHAGY")
    tau = np.broadcast_to(model.kinetics.time_constant_hours, states.shape)[:, node]
    initiated = states[:, node] + tau * switch_rhs(model.wiring, model.kinetics, states, released)[:, node]
    return model.fate["autophagy_block_apoptosis_rate"] * np.maximum(initiated - states[:, node], 0.0)


def is_dormant(model: SwitchModel, states: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Return whether each cell is dormant: its quiescence entry rate exceeds its exit rate."""
    rates = fate_rates(model, states)
    return rates["quiescence_entry_rate"] > rates["quiescence_exit_rate"]


def load_switch(er_status: str = "negative") -> SwitchModel:
    """Return the package switch for ``er_status`` ``"negative"`` (ER−/TNBC) or ``"positive"`` (ER+)."""
    if er_status not in ("negative", "positive"):
        raise InputError([Problem("er_status", "negative or positive", repr(er_status))])
    return SwitchModel.from_parameter_set(load_registry().sets[f"switch_er_{er_status}"])
