"""Niche scenario files: a frozen, validated description of one agent-based niche run.

A niche scenario is YAML with ``format: dormancy.niche-scenario`` and ``version: 1``::

    format: dormancy.niche-scenario
    version: 1
    name: default
    domain: {ndim: 2, size_um: 1000.0, spacing_um: 10.0, geometry_seed: 0, mask: null}
    cells: {osteoblast_coverage: 0.6, osteoclast_coverage: 0.02, msc_fraction: 0.004, nk_fraction: 0.002,
            cd8_fraction: 0.002, macrophage_fraction: 0.004, m1_fraction: 0.5}
    dtc: {er_status: negative, seeding: bolus, count: 300, per_day: 0.0, clones: 1}
    host: {il1b: 0.0, osteoclast_activity: 1.0, estrogen: 0.5, nutrients: 0.6}
    fields: [O2, TGFB1, TGFB2, BMP7, CXCL12, IL1B, VEGF, TSP1, POSTN, MIR222_223, PTHRP]
    field_scheme: mixed     # O2 unsplit, others LOD sub-steps; implicit: all unsplit by multigrid (3D); coupled; lod
    coarse_field_decay_voxels: null  # implicit only: fields with decay length >= this many voxels on a 2x coarser grid
    days: 7.0
    dt_hours: 1.0
    seed: 0
    parameters: {}          # overrides of niche_agents records, inside their priors
    outputs: {every_hours: 24.0, snapshots: false}

Cell abundances are fractions (of endosteal voxels for osteoblasts and osteoclasts, of marrow voxels for the
others), so the same file works in 2D and 3D. Every error names its field, what is allowed and what was found.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dormancy.atomic import write_text_atomic
from dormancy.errors import InputError, Problem, problems_from_validation
from dormancy.inputs import load_yaml_file
from dormancy.niche.fields import FIELD_NAMES
from dormancy.params import load_registry

__all__ = [
    "NICHE_SCENARIO_FORMAT",
    "SWITCH_FIELDS",
    "NicheCells",
    "NicheDomain",
    "NicheDtcs",
    "NicheHost",
    "NicheOutputs",
    "NicheScenario",
    "default_niche_scenario",
    "default_niche_scenario_path",
    "dump_niche_scenario",
    "load_niche_scenario",
    "niche_scenario_from_dict",
    "save_niche_scenario",
]

NICHE_SCENARIO_FORMAT = "dormancy.niche-scenario"
#: Fields the agents read or write; ``DRUG`` (pharmacology) is left to drug scenarios.
SWITCH_FIELDS: tuple[str, ...] = tuple(name for name in FIELD_NAMES if name != "DRUG")
_KNOWN_FIELDS = FIELD_NAMES
_DEFAULT_PATH = Path(__file__).with_name("default_niche.yaml")


#: Smallest generated section, µm: 100 µm of cortical bone, then marrow with room for a sinusoid.
MIN_SECTION_UM = 150.0
#: Most time steps of a run (ten years at one hour is 87,600).
MAX_STEPS = 100_000
#: Most DTCs arriving over a run (each carries a 30-node switch).
MAX_DTCS = 100_000


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False, allow_inf_nan=False)


class NicheDomain(_Frozen):
    """The marrow section: a generated section (``geometry_seed``) or a mask image/array file (``mask``)."""

    ndim: Literal[2, 3] = 2
    size_um: float = Field(1000.0, gt=50.0, le=5000.0)
    spacing_um: float = Field(10.0, gt=1.0, le=100.0)
    geometry_seed: int = Field(0, ge=0)
    mask: str | None = None

    @model_validator(mode="after")
    def _voxels(self) -> NicheDomain:
        per_axis = self.size_um / self.spacing_um
        if per_axis < 5:
            raise ValueError(f"size_um / spacing_um must give at least 5 voxels per axis; got {per_axis:g}")
        if per_axis**self.ndim > 5e6:
            raise ValueError(f"at most 5 million voxels; got {per_axis**self.ndim:.3g}")
        if self.mask is None and self.size_um < MIN_SECTION_UM:
            expected = f"at least {MIN_SECTION_UM:g} µm for a generated section (cortical bone, marrow, a sinusoid)"
            raise ValueError(InputError([Problem("size_um", expected, f"{self.size_um:g}")]))
        return self


class NicheCells(_Frozen):
    """Abundance of the resident cells (fractions of endosteal or marrow voxels holding one)."""

    osteoblast_coverage: float = Field(0.6, ge=0.0, le=1.0)
    osteoclast_coverage: float = Field(0.02, ge=0.0, le=1.0)
    msc_fraction: float = Field(0.004, ge=0.0, le=0.5)
    nk_fraction: float = Field(0.002, ge=0.0, le=0.5)
    cd8_fraction: float = Field(0.002, ge=0.0, le=0.5)
    macrophage_fraction: float = Field(0.004, ge=0.0, le=0.5)
    m1_fraction: float = Field(0.5, ge=0.0, le=1.0)


class NicheDtcs(_Frozen):
    """Disseminated tumour cells: switch parameterisation and how they arrive from the vessels."""

    er_status: Literal["negative", "positive"] = "negative"
    seeding: Literal["bolus", "trickle"] = "bolus"
    count: int = Field(300, ge=0, le=10_000_000)
    per_day: float = Field(0.0, ge=0.0, le=1e6)
    clones: int = Field(1, ge=1, le=1000)

    @model_validator(mode="after")
    def _arrivals(self) -> NicheDtcs:
        if self.seeding == "trickle" and self.per_day <= 0:
            raise ValueError("trickle seeding needs per_day > 0")
        return self


class NicheHost(_Frozen):
    """Host signals: systemic IL-1β (reference units), osteoclast activity (1 = rest), oestrogen and nutrients."""

    il1b: float = Field(0.0, ge=0.0, le=100.0)
    osteoclast_activity: float = Field(1.0, ge=0.0, le=20.0)
    estrogen: float = Field(0.5, ge=0.0, le=1.0)
    nutrients: float = Field(0.6, ge=0.0, le=1.0)


class NicheMechanics(_Frozen):
    """DTC mechanics: PhysiCell's pairwise repulsion and adhesion (:mod:`dormancy.niche.mechanics`), on by default.

    Cells are spheres of the ``niche_agents`` cell volume (2494 µm³: radius 8.41 µm); scattered single DTCs feel
    nothing, growing colonies crowd and push.
    """

    enabled: bool = True
    dt_min: float = Field(0.1, gt=0.0, le=10.0)
    repulsion_um_per_min: float = Field(10.0, ge=0.0, le=1000.0)
    adhesion_um_per_min: float = Field(0.4, ge=0.0, le=100.0)
    relative_adhesion_distance: float = Field(1.25, ge=1.0, le=3.0)


class NicheOutputs(_Frozen):
    """What to record: the time-series interval and whether to keep snapshots of agents and fields."""

    every_hours: float = Field(24.0, gt=0.0)
    snapshots: bool = False


class NicheScenario(_Frozen):
    """A complete niche run: domain, cells, DTCs, host, fields, duration, step, seed and parameter overrides."""

    format: Literal["dormancy.niche-scenario"] = NICHE_SCENARIO_FORMAT
    version: Literal[1] = 1
    name: str = Field("niche", min_length=1, max_length=100)
    description: str = ""
    domain: NicheDomain = NicheDomain()
    cells: NicheCells = NicheCells()
    dtc: NicheDtcs = NicheDtcs()
    host: NicheHost = NicheHost()
    fields: tuple[str, ...] = SWITCH_FIELDS
    field_scheme: Literal["mixed", "implicit", "coupled", "lod"] = "mixed"
    coarse_field_decay_voxels: float | None = Field(None, ge=4.0, le=1.0e6)
    mechanics: NicheMechanics = NicheMechanics()
    days: float = Field(7.0, gt=0.0, le=3650.0)
    dt_hours: float = Field(1.0, gt=0.0, le=24.0)
    seed: int = Field(0, ge=0, lt=2**63)
    parameters: dict[str, float] = Field(default_factory=dict)
    outputs: NicheOutputs = NicheOutputs()

    @field_validator("fields")
    @classmethod
    def _fields(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [name for name in value if name not in _KNOWN_FIELDS]
        if unknown:
            raise ValueError(f"field names from {', '.join(_KNOWN_FIELDS)}; unknown {', '.join(unknown)}")
        if len(set(value)) != len(value):
            raise ValueError("each field at most once")
        if "O2" not in value:
            raise ValueError("the fields must include O2 (the switch reads oxygen)")
        return value

    @field_validator("parameters")
    @classmethod
    def _parameters(cls, value: dict[str, float]) -> dict[str, float]:
        records = load_registry().sets["niche_agents"]
        problems = []
        for symbol, number in value.items():
            if symbol not in records:
                problems.append(Problem(symbol, "a parameter of the niche_agents set (dormancy params)", "unknown"))
            elif not records[symbol].prior.contains(number):
                prior = records[symbol].prior
                problems.append(Problem(symbol, f"a value in its prior {prior.describe()}", repr(number)))
        if problems:
            raise ValueError(InputError(problems))
        return value

    @model_validator(mode="after")
    def _feasible(self) -> NicheScenario:
        problems = []
        steps = self.days * 24.0 / self.dt_hours
        if steps > MAX_STEPS:
            found = f"{steps:.3g} steps (days * 24 / dt_hours)"
            problems.append(Problem("dt_hours", f"at most {MAX_STEPS:,} steps over the run", found))
        arrivals = self.dtc.count if self.dtc.seeding == "bolus" else self.dtc.per_day * self.days
        if arrivals > MAX_DTCS:
            field = "dtc.count" if self.dtc.seeding == "bolus" else "dtc.per_day"
            found = f"{arrivals:.3g} DTCs" + ("" if self.dtc.seeding == "bolus" else " (per_day * days)")
            problems.append(Problem(field, f"at most {MAX_DTCS:,} arriving DTCs", found))
        if self.coarse_field_decay_voxels is not None and self.field_scheme != "implicit":
            found = f"{self.coarse_field_decay_voxels} with field_scheme {self.field_scheme}"
            problems.append(Problem("coarse_field_decay_voxels", "null unless field_scheme is implicit", found))
        if problems:
            raise ValueError(InputError(problems))
        return self

    @property
    def steps(self) -> int:
        """Number of time steps, ``round(days * 24 / dt_hours)``."""
        return max(1, round(self.days * 24.0 / self.dt_hours))

    def to_dict(self) -> dict[str, Any]:
        """Return plain data that :func:`niche_scenario_from_dict` reads back to an equal scenario."""
        data = self.model_dump(mode="json")
        data["fields"] = list(self.fields)
        return data


def niche_scenario_from_dict(data: object, *, source: str | None = None) -> NicheScenario:
    """Validate plain data (from YAML or Python) into a :class:`NicheScenario`.

    Parameters
    ----------
    data : object
        A mapping as loaded from YAML.
    source : str, optional
        Where the data came from, for messages.

    Raises
    ------
    InputError
        With one problem per bad field.
    """
    if not isinstance(data, dict):
        raise InputError([Problem("(top level)", "a mapping of niche scenario fields", type(data).__name__)], source)
    if data.get("format") != NICHE_SCENARIO_FORMAT:
        found = repr(data.get("format"))
        raise InputError([Problem("format", NICHE_SCENARIO_FORMAT, found)], source)
    try:
        return NicheScenario.model_validate(data)
    except ValidationError as error:
        raise InputError(
            problems_from_validation(error.errors(include_url=False), documentation="the niche scenario documentation"),
            source,
        ) from None


def load_niche_scenario(path: str | os.PathLike[str]) -> NicheScenario:
    """Read and validate a niche scenario YAML file.

    Raises
    ------
    InputError
        For a missing or unreadable file, broken YAML, or any invalid field (all reported together).
    """
    path = Path(path)
    source = str(path)
    data = load_yaml_file(path, what="niche scenario file")
    scenario = niche_scenario_from_dict(data, source=source)
    mask = scenario.domain.mask
    if mask is not None and not Path(mask).is_absolute():  # a mask path is relative to the scenario file
        domain = scenario.domain.model_copy(update={"mask": str(path.parent / mask)})
        scenario = scenario.model_copy(update={"domain": domain})
    return scenario


def dump_niche_scenario(scenario: NicheScenario) -> str:
    """Return the scenario as YAML text."""
    return yaml.safe_dump(scenario.to_dict(), sort_keys=False, allow_unicode=True, width=120)


def save_niche_scenario(scenario: NicheScenario, path: str | os.PathLike[str]) -> Path:
    """Write the scenario as YAML, atomically, and return the path."""
    return write_text_atomic(path, dump_niche_scenario(scenario))


def default_niche_scenario_path() -> Path:
    """Return the path of the built-in default niche scenario file."""
    return _DEFAULT_PATH


def default_niche_scenario(**changes: Any) -> NicheScenario:
    """Return the built-in default niche scenario, with top-level ``changes`` applied (validated).

    Nested sections are merged: ``default_niche_scenario(dtc={"count": 50})`` keeps the other DTC settings.
    """
    data = yaml.safe_load(_DEFAULT_PATH.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = list(value) if isinstance(value, tuple) else value
    return niche_scenario_from_dict(data, source="default niche scenario")
