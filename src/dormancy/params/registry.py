"""Load the parameter registry and the bibliography shipped as package data.

The registry is every YAML file under ``dormancy/params/data/sets``; each holds one :class:`ParameterSet`.
Inside :func:`registry_overrides` (a context variable, so per thread and per task), :func:`load_registry` returns
the registry with some values replaced (a posterior draw run through code that reads the registry directly, e.g.
the virtual laboratory); caches of values derived from the registry use :func:`registry_cache`, keyed by the
overrides in force, so they never serve a value of another draw.
The bibliography (``dormancy/params/data/bibliography.yaml``) resolves the citation keys the records use:
the review's references as ``review:N`` (numbered as in Price et al. 2026) and other sources by author and year.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

import yaml

from dormancy.errors import InputError, Problem
from dormancy.params.records import EVIDENCE_KINDS, Parameter, ParameterSet, Prior

_DATA = "dormancy.params.data"


@dataclass(frozen=True)
class Reference:
    """One entry of the bibliography.

    Parameters
    ----------
    key : str
        Citation key (``komarova2003``, ``review:61``).
    authors, title : str
        Authors as printed and the title.
    year : int
        Publication year.
    journal, citation, doi, url, pmid, note : str or None
        Further details, when known.
    review_number : int or None
        The reference's number in the review (Price et al. 2026), for ``review:N`` keys.
    """

    key: str
    authors: str
    year: int
    title: str
    journal: str | None = None
    citation: str | None = None
    doi: str | None = None
    url: str | None = None
    pmid: str | None = None
    note: str | None = None
    review_number: int | None = None

    def short(self) -> str:
        """Return a one-line citation: authors (year) title. Journal citation."""
        first_author = self.authors.split(",")[0].strip()
        more = " et al" if "," in self.authors or " et al" in self.authors else ""
        first_author = first_author.removesuffix(".").removesuffix(" et al").strip()  # "Adam AP et al" once
        where = " ".join(part for part in (self.journal, self.citation) if part)
        return f"{first_author}{more} ({self.year}) {self.title}. {where}".strip()


@dataclass(frozen=True)
class Bibliography:
    """Citation keys mapped to references, with aliases resolved.

    Parameters
    ----------
    references : mapping of str to Reference
        Entries by canonical key.
    aliases : mapping of str to str
        Alternative key to canonical key.
    """

    references: Mapping[str, Reference]
    aliases: Mapping[str, str]

    def __contains__(self, key: object) -> bool:
        return key in self.references or key in self.aliases

    def __len__(self) -> int:
        return len(self.references)

    def resolve(self, key: str) -> Reference:
        """Return the reference for a key or alias; raise ``KeyError`` naming the key otherwise."""
        canonical = self.aliases.get(key, key)
        try:
            return self.references[canonical]
        except KeyError:
            raise KeyError(f"citation key {key!r} is not in the package bibliography") from None


@dataclass(frozen=True)
class Registry:
    """All parameter sets shipped with the package.

    Parameters
    ----------
    sets : mapping of str to ParameterSet
        Sets by name.
    """

    sets: Mapping[str, ParameterSet]

    def __iter__(self) -> Iterator[Parameter]:
        for parameter_set in self.sets.values():
            yield from parameter_set

    def parameter(self, name: str) -> Parameter:
        """Return the record with registry name ``<set>.<symbol>``."""
        set_name, _, symbol = name.partition(".")
        try:
            return self.sets[set_name][symbol]
        except KeyError:
            raise KeyError(f"no parameter named {name!r} in the registry") from None

    def sets_for(self, model: str) -> tuple[str, ...]:
        """Return the names of the sets that parameterise ``model``."""
        return tuple(name for name, s in self.sets.items() if s.model == model)


def _parameter_from_mapping(set_name: str, raw: Mapping[str, object]) -> Parameter:
    prior = raw["prior"]
    source = raw["source"]
    evidence = str(raw["evidence"])
    if evidence not in EVIDENCE_KINDS:
        raise ValueError(f"{set_name}.{raw['symbol']}: evidence must be one of {EVIDENCE_KINDS}, not {evidence!r}")
    return Parameter(
        name=f"{set_name}.{raw['symbol']}",
        set=set_name,
        symbol=str(raw["symbol"]),
        label=str(raw.get("label", raw["symbol"])),
        description=str(raw["description"]).strip(),
        value=float(raw["value"]),
        unit=str(raw["unit"]),
        prior=Prior(str(prior["distribution"]), float(prior["low"]), float(prior["high"])),
        source=tuple(str(key) for key in (source if isinstance(source, list) else [source])),
        evidence=evidence,
        note=" ".join(str(raw.get("note", "")).split()),
    )


def parameter_set_from_mapping(raw: Mapping[str, object]) -> ParameterSet:
    """Build a :class:`ParameterSet` from the mapping stored in a set file.

    Parameters
    ----------
    raw : mapping
        With keys ``set``, ``model``, ``description`` and ``parameters`` (a list of record mappings).
    """
    set_name = str(raw["set"])
    records = tuple(_parameter_from_mapping(set_name, item) for item in raw["parameters"])
    return ParameterSet(
        name=set_name,
        model=str(raw["model"]),
        description=" ".join(str(raw["description"]).split()),
        parameters=records,
    )


#: Registry overrides in force (sorted ``(name, value)`` pairs) or None: see :func:`registry_overrides`.
_OVERRIDES: ContextVar[tuple[tuple[str, float], ...] | None] = ContextVar("dormancy_registry_overrides", default=None)


def load_registry() -> Registry:
    """Return every parameter set shipped in ``dormancy/params/data/sets`` (read once, then cached; immutable).

    Inside :func:`registry_overrides`, the same registry with the overridden values.
    """
    overrides = _OVERRIDES.get()
    return _shipped_registry() if overrides is None else _overridden_registry(overrides)


@functools.lru_cache(maxsize=4)
def _overridden_registry(overrides: tuple[tuple[str, float], ...]) -> Registry:
    base = _shipped_registry()
    grouped: dict[str, dict[str, float]] = {}
    problems: list[Problem] = []
    for name, value in overrides:
        set_name, _, symbol = name.partition(".")
        if set_name not in base.sets or not symbol:
            problems.append(Problem(f"overrides.{name}", "a registry record name <set>.<symbol>", repr(name)))
            continue
        grouped.setdefault(set_name, {})[symbol] = value
    sets = dict(base.sets)
    for set_name, values in grouped.items():
        try:
            sets[set_name] = base.sets[set_name].with_values(
                values, field_prefix=f"overrides.{set_name}", reason="a posterior draw (registry override)"
            )
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError(problems)
    return Registry(MappingProxyType(sets))


@contextlib.contextmanager
def registry_overrides(values: Mapping[str, float] | None) -> Iterator[Registry]:
    """Make :func:`load_registry` return the registry with ``values`` (record name to value) in this context.

    Nested contexts replace (do not merge) the outer overrides. ``None`` or an empty mapping: the shipped registry.

    Raises
    ------
    InputError
        Naming every unknown record and every value outside its prior (checked on entry).
    """
    key = tuple(sorted((str(name), float(value)) for name, value in (values or {}).items())) or None
    token = _OVERRIDES.set(key)
    try:
        registry = load_registry()  # validates on entry
    except InputError:
        _OVERRIDES.reset(token)
        raise
    try:
        yield registry
    finally:
        _OVERRIDES.reset(token)


def registry_cache(function: Callable) -> Callable:
    """Cache ``function``'s results per argument tuple and per registry overrides in force (see the module doc).

    For functions whose results derive from registry values (``functools.cache`` would serve the shipped values
    inside :func:`registry_overrides`). At most 64 entries per function.
    """

    @functools.lru_cache(maxsize=64)
    def cached(overrides, *arguments):
        return function(*arguments)

    @functools.wraps(function)
    def wrapper(*arguments):
        return cached(_OVERRIDES.get(), *arguments)

    wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return wrapper


@functools.cache
def _shipped_registry() -> Registry:
    sets: dict[str, ParameterSet] = {}
    folder = resources.files(_DATA).joinpath("sets")
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".yaml"):
            continue
        parameter_set = parameter_set_from_mapping(yaml.safe_load(entry.read_text(encoding="utf-8")))
        if parameter_set.name in sets:
            raise ValueError(f"parameter set {parameter_set.name!r} is defined twice (in {entry.name})")
        sets[parameter_set.name] = parameter_set
    return Registry(MappingProxyType(sets))


@functools.cache
def load_bibliography() -> Bibliography:
    """Load the bibliography shipped in ``dormancy/params/data/bibliography.yaml`` (cached; immutable)."""
    text = resources.files(_DATA).joinpath("bibliography.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    if raw.get("format") != "dormancy.bibliography":
        raise ValueError("bibliography.yaml: format must be 'dormancy.bibliography'")
    references: dict[str, Reference] = {}
    aliases: dict[str, str] = {}
    fields = set(Reference.__dataclass_fields__) - {"key"}
    for key, entry in raw["references"].items():
        known = {name: entry.get(name) for name in fields}
        for name in ("journal", "citation", "doi", "url", "pmid", "note"):
            known[name] = None if known[name] is None else str(known[name])
        references[key] = Reference(key=key, **known)
        for alias in entry.get("aliases") or ():
            aliases[str(alias)] = key
    return Bibliography(MappingProxyType(references), MappingProxyType(aliases))
