"""Scenarios: frozen, typed descriptions of a run, with a YAML round trip and clear messages for bad files.

A scenario names the model and its parameter set (with optional overrides checked against the prior ranges),
the solver, the output grid, an ensemble (replicates drawing chosen parameters from their priors) and the seed.
On disk it is YAML with ``format: dormancy.scenario`` and ``version: 1``::

    format: dormancy.scenario
    version: 1
    name: komarova-oscillating
    seed: 20260101
    model:
      kind: komarova
      parameter_set: ayati2010
      parameters: {osteoclast_autocrine_exponent: 1.1}
    solver: {method: DOP853, rtol: 1.0e-8, atol: 1.0e-10}
    save: {t_end_days: 1000, dt_days: 1}
    ensemble: {replicates: 1, sample: []}

Every problem in a file is reported at once, one line each, naming the field path, what is allowed and what was
found (:class:`dormancy.errors.InputError`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dormancy.atomic import write_text_atomic
from dormancy.errors import InputError, Problem, problems_from_validation
from dormancy.inputs import load_yaml_file, parse_yaml
from dormancy.ode import SOLVER_METHODS, SaveTimes, SolverSettings
from dormancy.params import ParameterSet, load_registry

SCENARIO_FORMAT = "dormancy.scenario"
SCENARIO_VERSION = 1
MAX_OUTPUT_POINTS = 2_000_000
#: Shortest run accepted, days (about 1.4 minutes): shorter spans are typos.
MIN_SPAN_DAYS = 1e-3
#: Most solver steps a replicate may be forced to take (``t_end_days / max_step_days``).
MAX_SOLVER_STEPS = 1_000_000
#: Most stored values (replicates x output points x states) a run may need: about 4 GB of float64.
MAX_STORED_VALUES = 500_000_000


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False, allow_inf_nan=False)


class KomarovaModel(_Frozen):
    """The Komarova 2003 bone-remodelling model with a registry parameter set and optional overrides."""

    kind: Literal["komarova"] = "komarova"
    parameter_set: str = Field("komarova2003", description="registry set of model 'komarova'")
    parameters: dict[str, float] = Field(default_factory=dict, description="overrides by symbol")

    @model_validator(mode="after")
    def _check_parameters(self) -> KomarovaModel:
        self.resolve_parameters()
        return self

    def resolve_parameters(self) -> ParameterSet:
        """Return the registry set with the overrides applied (raises :class:`InputError` for bad ones)."""
        registry = load_registry()
        allowed = registry.sets_for(self.kind)
        if self.parameter_set not in allowed:
            raise InputError([Problem("parameter_set", f"one of {', '.join(allowed)}", repr(self.parameter_set))])
        return registry.sets[self.parameter_set].with_values(self.parameters, field_prefix="parameters")


ModelSpec = Annotated[KomarovaModel, Field(discriminator="kind")]
MODEL_KINDS: tuple[str, ...] = ("komarova",)


class Solver(_Frozen):
    """ODE solver settings (scipy ``solve_ivp``)."""

    method: Literal[SOLVER_METHODS] = "DOP853"  # type: ignore[valid-type]
    rtol: float = Field(1e-8, ge=1e-13, lt=1.0, description="relative tolerance; scipy works to 100 machine epsilons")
    atol: float = Field(1e-10, gt=0.0)
    max_step_days: float | None = Field(None, gt=0.0, description="largest step; None lets the method choose")

    def settings(self) -> SolverSettings:
        """Return the solver settings used by :func:`dormancy.ode.integrate`."""
        return SolverSettings(
            method=self.method, rtol=self.rtol, atol=self.atol, max_step=self.max_step_days or math.inf
        )


class Save(_Frozen):
    """Output grid in days."""

    t_end_days: float = Field(1000.0, ge=MIN_SPAN_DAYS, le=36525.0 * 2)
    dt_days: float = Field(1.0, gt=0.0)

    @model_validator(mode="after")
    def _check_points(self) -> Save:
        points = self.t_end_days / self.dt_days
        if self.dt_days > self.t_end_days:
            raise InputError(
                [Problem("dt_days", f"a step no longer than t_end_days ({self.t_end_days:g})", f"{self.dt_days:g}")]
            )
        if points > MAX_OUTPUT_POINTS:
            raise InputError(
                [
                    Problem(
                        "dt_days",
                        f"at most {MAX_OUTPUT_POINTS} output points (t_end_days / dt_days)",
                        f"{points:.0f} points",
                    )
                ]
            )
        return self

    def times(self) -> SaveTimes:
        """Return the output grid specification."""
        return SaveTimes(t_end=self.t_end_days, dt=self.dt_days)


class Ensemble(_Frozen):
    """Replicates of the run; each draws the listed parameters from their priors with its own generator."""

    replicates: int = Field(1, ge=1, le=100_000)
    sample: tuple[str, ...] = ()

    @field_validator("sample")
    @classmethod
    def _unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("each parameter may be listed once")
        return value


class Scenario(_Frozen):
    """A complete, validated description of one simulation run (frozen; equal objects give identical runs)."""

    format: Literal["dormancy.scenario"] = SCENARIO_FORMAT
    version: Literal[1] = SCENARIO_VERSION
    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    description: str = ""
    seed: int = Field(ge=0, lt=2**63)
    model: ModelSpec = Field(default_factory=KomarovaModel)
    solver: Solver = Field(default_factory=Solver)
    save: Save = Field(default_factory=Save)
    ensemble: Ensemble = Field(default_factory=Ensemble)

    @model_validator(mode="after")
    def _check_feasible(self) -> Scenario:
        problems = []
        max_step = self.solver.max_step_days
        if max_step is not None and self.save.t_end_days / max_step > MAX_SOLVER_STEPS:
            problems.append(
                Problem(
                    "solver.max_step_days",
                    f"at most {MAX_SOLVER_STEPS:,} forced steps (save.t_end_days / max_step_days)",
                    f"{self.save.t_end_days / max_step:.3g} steps",
                )
            )
        values = self.ensemble.replicates * (math.floor(self.save.t_end_days / self.save.dt_days) + 1) * 3
        if values > MAX_STORED_VALUES:
            problems.append(
                Problem(
                    "ensemble.replicates",
                    f"at most {MAX_STORED_VALUES:,} stored values (replicates x output points x 3 states)",
                    f"{values:,}",
                )
            )
        if problems:
            raise InputError(problems)
        return self

    @model_validator(mode="after")
    def _check_sampled(self) -> Scenario:
        parameter_set = self.model.resolve_parameters()
        unknown = [symbol for symbol in self.ensemble.sample if symbol not in parameter_set]
        if unknown:
            raise InputError(
                [
                    Problem(
                        f"ensemble.sample.{symbol}",
                        f"a parameter of set {parameter_set.name!r}",
                        repr(symbol),
                    )
                    for symbol in unknown
                ]
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        """Return the scenario as plain JSON-compatible data (the YAML content)."""
        return self.model_dump(mode="json")


def _written_location(loc: Sequence[object]) -> list[object]:
    parts = list(loc)
    if len(parts) > 1 and parts[0] == "model" and parts[1] in MODEL_KINDS:
        del parts[1]  # the discriminated union's tag: the file has no such level
    return parts


def scenario_from_dict(data: object, *, source: str | None = None) -> Scenario:
    """Validate plain data (from YAML or Python) into a :class:`Scenario`.

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
        raise InputError([Problem("(top level)", "a mapping of scenario fields", type(data).__name__)], source)
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise InputError(
            problems_from_validation(
                error.errors(include_url=False),
                documentation="the scenario documentation",
                location_of=_written_location,
            ),
            source,
        ) from None


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario YAML file.

    Parameters
    ----------
    path : path-like
        The file.

    Raises
    ------
    InputError
        For a missing or unreadable file, broken YAML, or any invalid field (all reported together).
    """
    path = Path(path)
    source = str(path)
    data = load_yaml_file(path, what="scenario file")
    if data is None:
        raise InputError([Problem("(file)", "a mapping of scenario fields", "an empty file")], source)
    return scenario_from_dict(data, source=source)


def dump_scenario(scenario: Scenario) -> str:
    """Return the scenario as YAML text (loading it back gives an equal object)."""
    return yaml.safe_dump(scenario.to_dict(), sort_keys=False, allow_unicode=True)


def save_scenario(scenario: Scenario, path: str | os.PathLike[str]) -> Path:
    """Write the scenario as YAML atomically (temporary file in the same folder, then rename).

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    path : path-like
        Destination file; replaced if it exists.
    """
    return write_text_atomic(path, dump_scenario(scenario))


def builtin_scenario_names() -> tuple[str, ...]:
    """Return the names of the scenarios shipped with the package (``dormancy scenarios`` lists them)."""
    folder = resources.files("dormancy.scenarios")
    return tuple(sorted(entry.name.removesuffix(".yaml") for entry in folder.iterdir() if entry.name.endswith(".yaml")))


def builtin_scenario_text(name: str) -> str:
    """Return the YAML text of a shipped scenario; raise :class:`InputError` for an unknown name."""
    names = builtin_scenario_names()
    if name not in names:
        raise InputError([Problem("scenario", f"one of {', '.join(names)}", repr(name))])
    return resources.files("dormancy.scenarios").joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def builtin_scenario(name: str) -> Scenario:
    """Return a shipped scenario, validated."""
    return scenario_from_dict(
        parse_yaml(builtin_scenario_text(name), source=f"built-in scenario {name}"), source=f"built-in scenario {name}"
    )
