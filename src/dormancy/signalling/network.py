"""The dormancy-switch network as data: nodes and signed edges with citations, validated and wired into arrays.

The network file (``dormancy/signalling/data/network.yaml``, format ``dormancy.network`` version 1) lists nodes
(``input`` niche signals, ``drug`` target effects, ``internal`` state variables) and edges
(``activates``/``inhibits``), each with the citation keys of its evidence. Adding an edge is a row in that file;
:func:`wire` turns the table into index arrays from which the vectorised right-hand side is computed
(:mod:`dormancy.signalling.switch`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Literal

import numpy as np
import yaml
from numpy.typing import NDArray

from dormancy.errors import InputError, Problem
from dormancy.params import load_bibliography

NETWORK_FORMAT = "dormancy.network"
NETWORK_VERSION = 1
NodeKind = Literal["input", "drug", "internal"]
Effect = Literal["activates", "inhibits"]
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Node:
    """A node of the switch network.

    Parameters
    ----------
    name : str
        Identifier used in code and SBML.
    label : str
        Display name (``TGF-β2``).
    kind : {"input", "drug", "internal"}
        ``input``: niche signal in [0, 1] set from outside; ``drug``: target effect in [0, 1] (from the
        pharmacology module); ``internal``: a state variable in [0, 1].
    description : str
        What the node stands for.
    sources : tuple of str
        Citation keys.
    """

    name: str
    label: str
    kind: NodeKind
    description: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Edge:
    """A signed regulatory edge with its evidence.

    Parameters
    ----------
    source, target : str
        Node names; the target is an internal node.
    effect : {"activates", "inhibits"}
        Sign of the regulation.
    sources : tuple of str
        Citation keys.
    note : str
        Mechanism or modelling choice.
    """

    source: str
    target: str
    effect: Effect
    sources: tuple[str, ...]
    note: str = ""

    @property
    def name(self) -> str:
        """Identifier of the edge, ``<source>_<activates|inhibits>_<target>``."""
        return f"{self.source}_{self.effect}_{self.target}"


@dataclass(frozen=True)
class Network:
    """Nodes and edges of a signalling network (validated, frozen).

    Parameters
    ----------
    name, description : str
        Network identifier and summary.
    nodes : tuple of Node
        All nodes, inputs and drugs included.
    edges : tuple of Edge
        All edges.
    """

    name: str
    description: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def names(self, *kinds: NodeKind) -> tuple[str, ...]:
        """Return the names of the nodes of the given kinds, in file order."""
        return tuple(node.name for node in self.nodes if node.kind in kinds)

    @property
    def internal(self) -> tuple[str, ...]:
        """Names of the state variables."""
        return self.names("internal")

    @property
    def inputs(self) -> tuple[str, ...]:
        """Names of the externally set values: niche inputs, then drug target effects."""
        return self.names("input") + self.names("drug")

    def node(self, name: str) -> Node:
        """Return the node called ``name``."""
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(f"no node named {name!r} in network {self.name!r}")


def _as_keys(value: object) -> tuple[str, ...]:
    return tuple(str(key) for key in (value if isinstance(value, list) else [value]))


def network_from_mapping(raw: Mapping[str, object], *, source: str | None = None) -> Network:
    """Validate a network table and return it as a :class:`Network`.

    Parameters
    ----------
    raw : mapping
        Content of a ``dormancy.network`` file.
    source : str, optional
        Where it came from, for messages.

    Raises
    ------
    InputError
        One problem per bad row: unknown node, duplicate name, bad identifier, an input or drug as an edge target,
        a self-loop, an unresolved citation, an internal node without regulators or unreachable from any input.
    """
    problems: list[Problem] = []
    if raw.get("format") != NETWORK_FORMAT or raw.get("version") != NETWORK_VERSION:
        found = f"{raw.get('format')!r} version {raw.get('version')!r}"
        problems.append(Problem("format", f"{NETWORK_FORMAT!r} version {NETWORK_VERSION}", found))
    bibliography = load_bibliography()
    nodes: list[Node] = []
    for position, item in enumerate(raw.get("nodes") or []):
        where = f"nodes[{position}]"
        name = str(item.get("name", ""))
        kind = item.get("kind")
        if not _IDENTIFIER.match(name):
            problems.append(Problem(f"{where}.name", "an identifier (letter, then letters, digits, _)", repr(name)))
        if kind not in ("input", "drug", "internal"):
            problems.append(Problem(f"{where}.kind", "input, drug or internal", repr(kind)))
        keys = _as_keys(item.get("sources", []))
        problems.extend(
            Problem(f"{where}.sources", "a key of the package bibliography", repr(k))
            for k in keys
            if k not in bibliography
        )
        nodes.append(Node(name, str(item.get("label", name)), kind, str(item.get("description", "")).strip(), keys))
    kinds = {node.name: node.kind for node in nodes}
    if len(kinds) != len(nodes):
        counts = Counter(node.name for node in nodes)
        duplicates = sorted(name for name, count in counts.items() if count > 1)
        problems.append(Problem("nodes", "unique node names", f"repeated: {', '.join(duplicates)}"))
    edges: list[Edge] = []
    for position, item in enumerate(raw.get("edges") or []):
        where = f"edges[{position}]"
        start, end, effect = str(item.get("source")), str(item.get("target")), item.get("effect")
        keys = _as_keys(item.get("sources", []))
        if start not in kinds:
            problems.append(Problem(f"{where}.source", "a declared node", repr(start)))
        if kinds.get(end) != "internal":
            problems.append(Problem(f"{where}.target", "an internal node", f"{end!r} ({kinds.get(end, 'undeclared')})"))
        if start == end:
            problems.append(Problem(where, "no self-loop", f"{start} regulates itself"))
        if effect not in ("activates", "inhibits"):
            problems.append(Problem(f"{where}.effect", "activates or inhibits", repr(effect)))
        if not keys:
            problems.append(Problem(f"{where}.sources", "at least one citation key", "none"))
        problems.extend(
            Problem(f"{where}.sources", "a key of the package bibliography", repr(k))
            for k in keys
            if k not in bibliography
        )
        edges.append(Edge(start, end, effect, keys, " ".join(str(item.get("note", "")).split())))
    names = [e.name for e in edges]
    if len(set(names)) != len(names):
        problems.append(Problem("edges", "each (source, effect, target) once", "a repeated edge"))
    if not problems:
        problems.extend(_check_connectivity(kinds, edges))
    if problems:
        raise InputError(problems, source)
    return Network(
        str(raw.get("name", "")), " ".join(str(raw.get("description", "")).split()), tuple(nodes), tuple(edges)
    )


def _check_connectivity(kinds: Mapping[str, str], edges: list[Edge]) -> list[Problem]:
    problems: list[Problem] = []
    regulated = {edge.target for edge in edges}
    for name, kind in kinds.items():
        if kind == "internal" and name not in regulated:
            problems.append(Problem(f"nodes.{name}", "an internal node with at least one regulator", "none"))
    reached = {name for name, kind in kinds.items() if kind != "internal"}
    frontier = set(reached)
    while frontier:
        frontier = {e.target for e in edges if e.source in frontier and e.target not in reached}
        reached |= frontier
    for name, kind in kinds.items():
        if kind == "internal" and name not in reached:
            problems.append(Problem(f"nodes.{name}", "a node reachable from an input or drug", "unreachable"))
    return problems


def load_network() -> Network:
    """Load and validate the package's dormancy-switch network (``signalling/data/network.yaml``)."""
    text = resources.files("dormancy.signalling.data").joinpath("network.yaml").read_text(encoding="utf-8")
    return network_from_mapping(yaml.safe_load(text), source="network.yaml")


@dataclass(frozen=True)
class Wiring:
    """The network as index arrays for the vectorised right-hand side (a struct of arrays).

    Values are laid out as ``[internal..., inputs...]``; edge ``e`` reads value ``edge_source[e]``. For each internal
    node, ``activator_slots`` and ``inhibitor_slots`` list its edges, padded with ``n_edges`` (an always-zero slot).

    Parameters
    ----------
    internal, inputs : tuple of str
        Names of state variables and of external values (inputs, then drugs).
    edge_names : tuple of str
        Edge identifiers, in the order of the parameter arrays.
    edge_source : numpy.ndarray of int
        Shape ``(n_edges,)``.
    activator_slots, inhibitor_slots : numpy.ndarray of int
        Shape ``(n_internal, max_activators)`` and ``(n_internal, max_inhibitors)``.
    has_activators : numpy.ndarray of bool
        Shape ``(n_internal,)``.
    """

    internal: tuple[str, ...]
    inputs: tuple[str, ...]
    edge_names: tuple[str, ...]
    edge_source: NDArray[np.intp]
    activator_slots: NDArray[np.intp]
    inhibitor_slots: NDArray[np.intp]
    has_activators: NDArray[np.bool_]

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return len(self.edge_names)


def _slots(per_node: list[list[int]], padding: int) -> NDArray[np.intp]:
    width = max([len(edges) for edges in per_node] + [1])
    slots = np.full((len(per_node), width), padding, dtype=np.intp)
    for row, edges in enumerate(per_node):
        slots[row, : len(edges)] = edges
    return slots


def wire(network: Network) -> Wiring:
    """Compile a network into index arrays (see :class:`Wiring`)."""
    internal, inputs = network.internal, network.inputs
    position = {name: index for index, name in enumerate(internal + inputs)}
    target = {name: index for index, name in enumerate(internal)}
    activators: list[list[int]] = [[] for _ in internal]
    inhibitors: list[list[int]] = [[] for _ in internal]
    for index, edge in enumerate(network.edges):
        (activators if edge.effect == "activates" else inhibitors)[target[edge.target]].append(index)
    n_edges = len(network.edges)
    return Wiring(
        internal=internal,
        inputs=inputs,
        edge_names=tuple(edge.name for edge in network.edges),
        edge_source=np.array([position[edge.source] for edge in network.edges], dtype=np.intp),
        activator_slots=_slots(activators, n_edges),
        inhibitor_slots=_slots(inhibitors, n_edges),
        has_activators=np.array([bool(edges) for edges in activators]),
    )
