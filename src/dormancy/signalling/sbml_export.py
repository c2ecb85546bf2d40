r"""Export the dormancy switch to SBML, so an independent solver (libroadrunner) can integrate the same equations.

Every internal node becomes a state variable with the rate rule

.. math::

    \frac{dx}{dt} = \frac{B(x, u) - x}{\tau}, \qquad
    B = \Big[1 - \prod_{a} \big(1 - w_a \bar f(x_a)\big)\Big] \prod_{r} \big(1 - w_r \bar f(x_r)\big), \qquad
    \bar f(x) = \frac{x_+^n (1 + k^n)}{x_+^n + k^n},

the normalised-Hill (HillCube) combination of :mod:`dormancy.signalling.hill` (Wittmann DM et al. 2009, BMC Syst
Biol 3:98), with :math:`x_+ = \max(x, 0)` written as ``piecewise(x, x > 0, 0)`` as in the numpy code. A node
without activators uses its basal activity in place of the bracket. Every niche input and drug target effect is a
constant parameter (the values given to the export, 0 by default; change them in the solver, e.g.
``runner["TGFB2"] = 0.7`` in libroadrunner). Edge weights, relaxation times, basal activities and Hill constants
are the registry records of the model's parameter set, so each carries its sources (MIRIAM ``isDescribedBy``
annotations and notes); each weight's notes also name its edge and the edge's citation keys. An edge with its own
Hill coefficient or threshold (registry records ``hill__<edge>`` / ``threshold__<edge>``) uses it; the others use
the shared ``hill_coefficient`` / ``hill_threshold``.

**Time is in hours** (the time constants :math:`\tau` are in hours, as in :mod:`dormancy.signalling.switch`); the
document declares the hour (3600 s) as its time unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dormancy.params import Parameter, ParameterSet, Prior, load_registry
from dormancy.sbml import SbmlOdeModel, SbmlQuantity, write_sbml
from dormancy.signalling.model import SwitchModel

HILL_SOURCE = "wittmann2009"


def _per_item(value: ArrayLike, size: int, what: str) -> NDArray[np.float64]:
    """Broadcast a scalar or per-item kinetic array to shape ``(size,)``; per-cell arrays cannot be exported."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim > 1:
        raise ValueError(
            f"{what} has shape {array.shape}: per-cell kinetics cannot be exported to one SBML model; "
            "build a SwitchModel for the cell you want"
        )
    return np.broadcast_to(array, (size,))


class _Records:
    """Registry records chosen for export, with the model's values (noted where they differ from the registry)."""

    def __init__(self, parameter_set: ParameterSet) -> None:
        self.parameter_set = parameter_set
        self.chosen: dict[str, Parameter] = {}

    def use(self, symbol: str, value: float, *, template: str | None = None, note: str = "") -> str:
        """Export ``symbol`` with ``value``; return the identifier to put in formulas.

        Parameters
        ----------
        symbol : str
            Identifier of the SBML parameter.
        value : float
            The model's value.
        template : str, optional
            Registry symbol whose record (unit, prior, sources) stands in when ``symbol`` has no record of its own.
        note : str
            Text added in front of the record's note.
        """
        if symbol in self.chosen:
            if self.chosen[symbol].value != value:
                raise ValueError(f"{symbol} would need two values ({self.chosen[symbol].value} and {value})")
            return symbol
        own = symbol in self.parameter_set
        record = self.parameter_set[symbol if own else str(template)]
        notes = [note] if note else []
        if not own:
            record = replace(record, name=f"{self.parameter_set.name}.{symbol}", symbol=symbol)
            notes.append(f"Not a registry record: the model's own value, in place of {template}.")
        if record.value != value:
            notes.append(f"Value of the exported model (registry value {record.value:g}).")
        self.chosen[symbol] = replace(record, value=float(value), note=" ".join([*notes, record.note]).strip())
        return symbol


def _hill_symbols(
    records: _Records, edge_names: tuple[str, ...], values: NDArray[np.float64], own: str, shared: str
) -> list[str]:
    """Return the identifier of each edge's Hill constant: its own record, else the shared one.

    Edges without an own record share ``shared`` if the model gives them one common value; otherwise each gets an
    SBML parameter ``<own>__<edge>`` modelled on the shared record, so the export always matches the model.
    """
    fallback = [e for e, name in enumerate(edge_names) if f"{own}__{name}" not in records.parameter_set]
    common = len({float(values[e]) for e in fallback}) <= 1
    symbols = []
    for e, name in enumerate(edge_names):
        if e in fallback and common:
            symbols.append(records.use(shared, float(values[e])))
        else:
            symbols.append(records.use(f"{own}__{name}", float(values[e]), template=shared))
    return symbols


def _input_record(model: SwitchModel, name: str, value: float) -> Parameter:
    node = model.network.node(name)
    return Parameter(
        name=f"{model.parameter_set}.{name}",
        set=model.parameter_set,
        symbol=name,
        label=node.label,
        description=f"{node.kind} node: {node.description}",
        value=float(value),
        unit="dimensionless",
        prior=Prior("uniform", 0.0, 1.0),
        source=node.sources,
        evidence="assumption",
        note=(
            f"Model input ({node.kind}), an activity in [0, 1] held constant; the value given to the export "
            "(0 unless set). Not a registry record: set it in the solver for each cell or scenario."
        ),
    )


def switch_sbml_model(
    model: SwitchModel,
    inputs: Mapping[str, float] | None = None,
    *,
    initial_state: Mapping[str, float] | None = None,
) -> SbmlOdeModel:
    r"""Describe the switch model with its parameter set for SBML export (time in hours; see the module docstring).

    Parameters
    ----------
    model : SwitchModel
        The model; its kinetics must be per edge / per node (not per cell). Its values are exported; the records
        (units, priors, sources) come from the registry set ``model.parameter_set``.
    inputs : mapping of str to float, optional
        Niche input and drug node values in [0, 1], dimensionless; the others are 0.
    initial_state : mapping of str to float, optional
        Initial activities of internal nodes in [0, 1], dimensionless; the others start at 0.

    Returns
    -------
    SbmlOdeModel
        One state and rate rule (per hour) per internal node, one constant parameter per input and per record used.

    Raises
    ------
    InputError
        For an unknown input name or a value outside [0, 1] (as :meth:`SwitchModel.inputs`).
    KeyError
        If ``model.parameter_set`` is not a registry set, or an initial state names no internal node.
    ValueError
        If the kinetics are per cell.
    """
    wiring, kinetics, network = model.wiring, model.kinetics, model.network
    registry = load_registry()
    if model.parameter_set not in registry.sets:
        raise KeyError(f"no registry parameter set named {model.parameter_set!r} to take parameter records from")
    parameter_set = registry.sets[model.parameter_set]
    input_values = model.inputs(inputs)[0]
    start = dict(initial_state or {})
    unknown = sorted(set(start) - set(wiring.internal))
    if unknown:
        raise KeyError(f"initial_state names no internal node: {', '.join(unknown)}")

    n_edges, n_internal = wiring.n_edges, len(wiring.internal)
    weights = _per_item(kinetics.weights, n_edges, "weights")
    hill = _per_item(kinetics.hill_coefficient, n_edges, "hill_coefficient")
    threshold = _per_item(kinetics.threshold, n_edges, "threshold")
    taus = _per_item(kinetics.time_constant_hours, n_internal, "time_constant_hours")
    basal = _per_item(kinetics.basal, n_internal, "basal")

    records = _Records(parameter_set)
    edge_names = wiring.edge_names
    hill_symbols = _hill_symbols(records, edge_names, hill, "hill", "hill_coefficient")
    threshold_symbols = _hill_symbols(records, edge_names, threshold, "threshold", "hill_threshold")
    weight_symbols = []
    for e, edge in enumerate(network.edges):
        arrow = "→" if edge.effect == "activates" else "⊣"
        note = f"Edge {edge.source} {arrow} {edge.target} ({edge.name}); evidence: {', '.join(edge.sources)}."
        if edge.note:
            note += f" {edge.note}"
        symbol = records.use(f"weight__{edge.name}", float(weights[e]), note=note)
        record = records.chosen[symbol]
        records.chosen[symbol] = replace(record, source=tuple(dict.fromkeys((*edge.sources, *record.source))))
        weight_symbols.append(symbol)

    values = (*wiring.internal, *wiring.inputs)
    effects = []
    for e in range(n_edges):
        source = values[wiring.edge_source[e]]
        power = f"piecewise({source}, {source} > 0, 0)^{hill_symbols[e]}"
        k_power = f"{threshold_symbols[e]}^{hill_symbols[e]}"
        effects.append(f"{weight_symbols[e]} * ({power} * (1 + {k_power})) / ({power} + {k_power})")

    rate_rules: dict[str, str] = {}
    states = []
    for i, name in enumerate(wiring.internal):
        activators = [effects[e] for e in wiring.activator_slots[i] if e < n_edges]
        inhibitors = [effects[e] for e in wiring.inhibitor_slots[i] if e < n_edges]
        if activators:
            drive = "(1 - " + " * ".join(f"(1 - {term})" for term in activators) + ")"
        elif f"basal__{name}" in parameter_set:
            drive = records.use(f"basal__{name}", float(basal[i]))
        else:  # no record: the model's value (0 from the registry) as a number
            drive = repr(float(basal[i]))
        target = " * ".join([drive, *(f"(1 - {term})" for term in inhibitors)])
        tau = records.use(f"tau__{name}", float(taus[i]))
        rate_rules[name] = f"({target} - {name}) / {tau}"
        node = network.node(name)
        initial = float(start.get(name, 0.0))
        states.append(
            SbmlQuantity(name, f"{node.label}: {node.description}", "dimensionless, in [0, 1]", repr(initial))
        )

    exported = (
        *records.chosen.values(),
        *(_input_record(model, n, v) for n, v in zip(wiring.inputs, input_values, strict=True)),
    )
    description = (
        f"{parameter_set.description} Normalised-Hill (HillCube) kinetics: dx/dt = (B - x)/tau per node, "
        "B = [1 - prod_a (1 - w_a f(x_a))] prod_r (1 - w_r f(x_r)), f(x) = x^n (1 + k^n)/(x^n + k^n) "
        "(Wittmann et al. 2009). Time is in hours: the rate rules are per hour and the time constants tau are in "
        "hours. "
        "Inputs and drugs are constant parameters (activities in [0, 1]). Exported by the dormancy package."
    )
    return SbmlOdeModel(
        id=f"switch_{parameter_set.name}",
        name=f"Dormancy switch ({parameter_set.name}), time in hours",
        description=description,
        parameters=exported,
        derived=(),
        states=tuple(states),
        rate_rules=rate_rules,
        model_sources=tuple(dict.fromkeys((HILL_SOURCE, *(key for r in records.chosen.values() for key in r.source)))),
        time_unit="hour",
    )


def switch_to_sbml(
    model: SwitchModel,
    inputs: Mapping[str, float] | None = None,
    *,
    initial_state: Mapping[str, float] | None = None,
) -> str:
    """Return the SBML L3V2 document of the switch model (time in hours; see :func:`switch_sbml_model`).

    Parameters
    ----------
    model : SwitchModel
        The model (per-edge / per-node kinetics).
    inputs : mapping of str to float, optional
        Niche input and drug values in [0, 1]; the others are 0.
    initial_state : mapping of str to float, optional
        Initial internal-node activities in [0, 1]; the others start at 0.
    """
    return write_sbml(switch_sbml_model(model, inputs, initial_state=initial_state))
