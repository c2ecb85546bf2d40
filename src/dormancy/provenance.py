"""Provenance of a result: which code, on which platform, from which scenario, parameters and seed.

A :class:`Manifest` is stored as ``manifest.json`` in every result folder; its ``format_name`` and
``format_version`` say how to read the folder.
"""

from __future__ import annotations

import copy
import json
import platform
import re
import subprocess
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from dormancy._version import __version__

FORMAT_NAME = "dormancy.result"
FORMAT_VERSION = 1
_PACKAGES = ("numpy", "scipy", "xarray", "pandas", "pydantic", "zarr", "pyarrow")
_COMMIT = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


class ResultFormatError(ValueError):
    """A result folder or manifest that is missing, incomplete or of another format or version."""


def _git(*arguments: str) -> str | None:
    """Return the stripped output of ``git <arguments>`` run next to this file, or None on any failure."""
    try:
        completed = subprocess.run(
            ["git", *arguments],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except Exception:  # git missing, timeout, undecodable output: provenance must never break a run
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


def git_commit() -> str | None:
    """Return the commit of the git checkout this package's source lives in.

    Returns
    -------
    str or None
        The full hexadecimal commit hash of ``HEAD``, followed by ``"+dirty"`` when tracked files differ from
        that commit (untracked files are ignored), e.g. ``"3f2a...9c+dirty"``. None when the package is not in
        a git checkout (an installed wheel), when its files are ignored by the enclosing repository (a virtual
        environment inside some checkout), or when git is missing or fails. Never raises.
    """
    commit = _git("rev-parse", "HEAD")
    if commit is None or not _COMMIT.fullmatch(commit):
        return None
    if _git("check-ignore", "-q", Path(__file__).name) is not None:  # exit 0: this file is ignored
        return None
    status = _git("status", "--porcelain", "--untracked-files=no")
    return f"{commit}+dirty" if status else commit


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def platform_info() -> dict[str, str]:
    """Return the Python, operating system and key library versions of this process.

    Returns
    -------
    dict of str to str
        Keys ``python``, ``implementation``, ``system``, ``release``, ``machine`` and one per library
        (numpy, scipy, xarray, pandas, pydantic, zarr, pyarrow), whose value is ``"not installed"`` when absent.
    """
    info = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
    }
    info.update({name: _package_version(name) for name in _PACKAGES})
    return info


@dataclass(frozen=True)
class Environment:
    """Where a run is made: the git commit and the platform (see :func:`git_commit`, :func:`platform_info`).

    Gathering it runs git three times and reads package metadata (~0.1-1 s); a caller making many runs in one
    process (a calibration) gathers it once with :meth:`here` and passes it to each run.
    """

    git_commit: str | None
    platform: dict[str, str]

    @classmethod
    def here(cls) -> Environment:
        """Return the environment of this process now."""
        return cls(git_commit(), platform_info())


def _plain(value: object) -> object:
    """Convert numpy scalars and arrays for ``json.dumps``; anything else is not JSON data."""
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _json_data(name: str, value: object) -> Any:
    """Return a deep copy of ``value`` as plain JSON data (tuples become lists), or raise a clear ValueError."""
    try:
        return json.loads(json.dumps(value, allow_nan=False, default=_plain))
    except (TypeError, ValueError) as error:
        raise ValueError(f"manifest {name} must be finite JSON data: {error}") from error


@dataclass(frozen=True, kw_only=True)
class Manifest:
    """Provenance of one result, stored as ``manifest.json``.

    The dictionaries and lists are normalised on construction to plain JSON data (a private deep copy, tuples
    turned into lists, numpy scalars into Python numbers), so a manifest equals itself after a JSON round trip.
    They must not be mutated afterwards; :meth:`to_dict` returns copies. Manifests are compared by value and
    are not hashable.

    Parameters
    ----------
    format_name : str
        Always ``"dormancy.result"``.
    format_version : int
        Version of the result folder format, currently 1.
    package_version : str
        Version of dormancy that produced the result.
    git_commit : str or None
        Commit of the source checkout (see :func:`git_commit`).
    created : str
        Creation time, ISO 8601 in UTC (``+00:00``).
    platform : dict of str to str
        See :func:`platform_info`.
    seed : int or None
        Seed of the random generators.
    scenario : dict
        The scenario as given, as JSON data.
    parameters : list of dict
        The full resolved parameter set; each record has at least ``name``, ``value``, ``unit`` and ``source``.
    model : str
        Name of the engine that ran.
    settings : dict
        Solver and saving options.
    """

    format_name: str = FORMAT_NAME
    format_version: int = FORMAT_VERSION
    package_version: str
    git_commit: str | None
    created: str
    platform: dict[str, str]
    seed: int | None
    scenario: dict[str, Any]
    parameters: list[dict[str, Any]]
    model: str
    settings: dict[str, Any]

    __hash__ = None  # type: ignore[assignment]  # it holds dicts, so it cannot be hashed

    def __post_init__(self) -> None:
        for name in ("format_name", "package_version", "created", "model"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"manifest {name} must be a string; found {getattr(self, name)!r}")
        for name in ("format_version", "seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not (isinstance(value, int) or (name == "seed" and value is None)):
                raise ValueError(f"manifest {name} must be an integer; found {value!r}")
        if self.git_commit is not None and not isinstance(self.git_commit, str):
            raise ValueError(f"manifest git_commit must be a string or None; found {self.git_commit!r}")
        try:
            offset = datetime.fromisoformat(self.created).utcoffset()
        except ValueError:
            offset = None
        if offset is None or offset.total_seconds() != 0:
            raise ValueError(f"manifest created must be an ISO 8601 time in UTC; found {self.created!r}")
        for name, kind in (("platform", dict), ("scenario", dict), ("parameters", list), ("settings", dict)):
            value = _json_data(name, getattr(self, name))
            if not isinstance(value, kind):
                raise ValueError(f"manifest {name} must be a {kind.__name__}; found {type(value).__name__}")
            object.__setattr__(self, name, value)
        for index, record in enumerate(self.parameters):
            missing = {"name", "value", "unit", "source"} - set(record if isinstance(record, dict) else ())
            if missing:
                raise ValueError(f"manifest parameters[{index}] must have {sorted(missing)}; found {record!r}")

    @classmethod
    def create(
        cls,
        *,
        model: str,
        scenario: dict[str, Any],
        parameters: list[dict[str, Any]],
        seed: int | None,
        settings: dict[str, Any],
        environment: Environment | None = None,
    ) -> Manifest:
        """Return a manifest for a run made now, by this package, on this platform.

        Parameters
        ----------
        model : str
            Name of the engine.
        scenario : dict
            The scenario as JSON data.
        parameters : list of dict
            The resolved parameter records.
        seed : int or None
            Seed of the run.
        settings : dict
            Solver and saving options.
        environment : Environment, optional
            Gathered once by a caller making many runs; gathered now otherwise.

        Returns
        -------
        Manifest
            With package version, git commit, creation time (UTC) and platform filled in.
        """
        environment = environment or Environment.here()
        return cls(
            package_version=__version__,
            git_commit=environment.git_commit,
            created=datetime.now(UTC).isoformat(timespec="microseconds"),
            platform=dict(environment.platform),
            seed=seed,
            scenario=scenario,
            parameters=parameters,
            model=model,
            settings=settings,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the manifest as JSON data (a deep copy, safe to modify)."""
        return copy.deepcopy(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        """Return the manifest stored as ``data``, checking its format first.

        Parameters
        ----------
        data : dict
            As written by :meth:`to_dict`.

        Returns
        -------
        Manifest
            The manifest.

        Raises
        ------
        ResultFormatError
            When ``data`` is not a dormancy result manifest of the supported version, or is incomplete.
        """
        if not isinstance(data, dict):
            raise ResultFormatError(f"manifest: expected a JSON object; found {type(data).__name__}")
        name, version = data.get("format_name"), data.get("format_version")
        if name != FORMAT_NAME:
            raise ResultFormatError(f"manifest format_name: expected {FORMAT_NAME!r}; found {name!r}")
        if version != FORMAT_VERSION or isinstance(version, bool):
            raise ResultFormatError(f"manifest format_version: expected {FORMAT_VERSION}; found {version!r}")
        known = {f.name for f in fields(cls)}
        missing, unknown = sorted(known - set(data)), sorted(set(data) - known)
        if missing or unknown:
            raise ResultFormatError(f"manifest fields: expected {sorted(known)}; missing {missing}, unknown {unknown}")
        try:
            return cls(**data)
        except ValueError as error:
            raise ResultFormatError(str(error)) from error
