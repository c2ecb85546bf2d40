"""Parameter records with provenance, and the named parameter sets they form.

Every model parameter is a :class:`Parameter`: a value with a unit, a prior, the citation keys of its sources
and a statement of evidence (``seen`` in a source, ``derived`` from seen values, or a documented ``assumption``).
Records are grouped into :class:`ParameterSet` objects, one per published parameterisation of a model (for
example ``komarova2003`` and ``ayati2010`` for the same Komarova equations). All objects are frozen.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

import numpy as np

from dormancy.errors import InputError, Problem

Distribution = Literal["uniform", "loguniform"]
Evidence = Literal["seen", "derived", "assumption"]
EVIDENCE_KINDS: tuple[str, ...] = ("seen", "derived", "assumption")


@dataclass(frozen=True)
class Prior:
    """A prior over a parameter's value: a bounded uniform or log-uniform distribution.

    Parameters
    ----------
    distribution : {"uniform", "loguniform"}
        ``uniform`` draws ``low + (high - low) U``; ``loguniform`` draws ``exp(log low + (log high - log low) U)``
        and needs ``0 < low``.
    low, high : float
        Bounds, in the parameter's unit, with ``low <= high``.
    """

    distribution: Distribution
    low: float
    high: float

    def __post_init__(self) -> None:
        if self.distribution not in ("uniform", "loguniform"):
            raise ValueError(f"prior distribution must be 'uniform' or 'loguniform', not {self.distribution!r}")
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low > self.high:
            raise ValueError(f"prior bounds must be finite with low <= high, got [{self.low}, {self.high}]")
        if self.distribution == "loguniform" and self.low <= 0:
            raise ValueError(f"a log-uniform prior needs low > 0, got {self.low}")

    def contains(self, value: float) -> bool:
        """Return whether ``value`` lies in the closed interval ``[low, high]``."""
        return self.low <= value <= self.high

    def sample(self, rng: np.random.Generator, size: int | None = None) -> float | np.ndarray:
        """Draw from the prior with the given generator (never global random state).

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of randomness, e.g. from :func:`dormancy.rng.replicate_generator`.
        size : int, optional
            Number of draws; a scalar float when omitted.
        """
        uniform = rng.random(size)
        if self.distribution == "uniform":
            return self.low + (self.high - self.low) * uniform
        log_low, log_high = math.log(self.low), math.log(self.high)
        return np.exp(log_low + (log_high - log_low) * uniform)

    def describe(self) -> str:
        """Return the prior as short text, e.g. ``loguniform[1, 9]``."""
        return f"{self.distribution}[{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class Parameter:
    """One model parameter with its provenance.

    Parameters
    ----------
    name : str
        Unique registry name, ``<set>.<symbol>``.
    set : str
        Name of the parameter set the record belongs to.
    symbol : str
        Identifier used by the model code (a descriptive name such as ``osteoclast_removal``).
    label : str
        The symbol in the source's notation (``β1``).
    description : str
        What the parameter is.
    value : float
        Value in ``unit``.
    unit : str
        Unit, parseable by pint (``1 / day``, ``percent / cell / day``, ``dimensionless``).
    prior : Prior
        Prior distribution; the value lies inside it.
    source : tuple of str
        Citation keys resolved in the package bibliography.
    evidence : {"seen", "derived", "assumption"}
        Whether the value was read in a source, computed from such values, or is a documented assumption.
    note : str
        Reasoning, caveats and the basis of the prior.
    """

    name: str
    set: str
    symbol: str
    label: str
    description: str
    value: float
    unit: str
    prior: Prior
    source: tuple[str, ...]
    evidence: Evidence
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-serialisable dictionary of the record (for manifests and ``dormancy params``)."""
        return {
            "name": self.name,
            "set": self.set,
            "symbol": self.symbol,
            "label": self.label,
            "description": self.description,
            "value": self.value,
            "unit": self.unit,
            "prior": {
                "distribution": self.prior.distribution,
                "low": self.prior.low,
                "high": self.prior.high,
            },
            "source": list(self.source),
            "evidence": self.evidence,
            "note": self.note,
        }


@dataclass(frozen=True)
class ParameterSet:
    """A named, complete parameterisation of one model.

    Parameters
    ----------
    name : str
        Set name (``komarova2003``).
    model : str
        Name of the model the set parameterises (``komarova``).
    description : str
        What this parameterisation represents.
    parameters : tuple of Parameter
        The records, in file order, with unique symbols.
    """

    name: str
    model: str
    description: str
    parameters: tuple[Parameter, ...]
    _by_symbol: Mapping[str, Parameter] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_symbol = {p.symbol: p for p in self.parameters}
        if len(by_symbol) != len(self.parameters):
            raise ValueError(f"parameter set {self.name!r} repeats a symbol")
        object.__setattr__(self, "_by_symbol", MappingProxyType(by_symbol))

    def __getitem__(self, symbol: str) -> Parameter:
        return self._by_symbol[symbol]

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._by_symbol

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self.parameters)

    def __len__(self) -> int:
        return len(self.parameters)

    @property
    def symbols(self) -> tuple[str, ...]:
        """Symbols of the set, in file order."""
        return tuple(p.symbol for p in self.parameters)

    def values(self) -> dict[str, float]:
        """Return ``{symbol: value}`` for the whole set."""
        return {p.symbol: p.value for p in self.parameters}

    def with_values(
        self,
        overrides: Mapping[str, float],
        *,
        field_prefix: str = "parameters",
        reason: str = "overridden by the scenario",
    ) -> ParameterSet:
        """Return a copy with some values replaced, each checked against its prior range.

        Parameters
        ----------
        overrides : mapping of str to float
            New values by symbol.
        field_prefix : str
            Dotted path used in error messages (``model.parameters``).
        reason : str
            Why the values changed; recorded at the start of each changed record's note.

        Returns
        -------
        ParameterSet
            The new set; overridden records keep their unit and prior, and their note says they were overridden.

        Raises
        ------
        InputError
            One problem per unknown symbol, non-finite value or value outside the prior range.
        """
        problems: list[Problem] = []
        for symbol, value in overrides.items():
            where = f"{field_prefix}.{symbol}"
            if symbol not in self._by_symbol:
                allowed = ", ".join(self.symbols)
                problems.append(Problem(where, f"a parameter of set {self.name!r} ({allowed})", repr(symbol)))
                continue
            record = self._by_symbol[symbol]
            if not math.isfinite(float(value)) or not record.prior.contains(float(value)):
                expected = (
                    f"a value in the prior range [{record.prior.low:g}, {record.prior.high:g}] {record.unit}"
                    f" of {record.name}"
                )
                problems.append(Problem(where, expected, repr(value)))
        if problems:
            raise InputError(problems)
        updated = tuple(
            replace(
                p,
                value=float(overrides[p.symbol]),
                note=f"{reason} (registry value {p.value:g}). {p.note}".strip(),
            )
            if p.symbol in overrides
            else p
            for p in self.parameters
        )
        return replace(self, parameters=updated)

    def sample(self, symbols: tuple[str, ...], rng: np.random.Generator) -> ParameterSet:
        """Return a copy with the given symbols drawn from their priors.

        Parameters
        ----------
        symbols : tuple of str
            Symbols to draw, in this order (the order fixes which draw goes where).
        rng : numpy.random.Generator
            The replicate's generator.
        """
        draws = {symbol: float(self._by_symbol[symbol].prior.sample(rng)) for symbol in symbols}
        return self.with_values(draws, reason="drawn from the prior")


def required_value(values: Mapping[str, float], name: str, set_name: str) -> float:
    """Return ``values[name]`` as a float; a missing record raises :class:`KeyError` naming it and its set."""
    try:
        return float(values[name])
    except KeyError:
        raise KeyError(f"record {name} is missing (parameter set {set_name})") from None
