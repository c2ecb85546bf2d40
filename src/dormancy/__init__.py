"""dormancy: simulate breast-cancer metastatic dormancy in bone, from one cell's switch to virtual trials.

The public API, by verb:

- parameters: :func:`load_registry`, :func:`load_bibliography` (``dormancy.params``)
- scenarios: :func:`load_scenario`, :func:`save_scenario`, :func:`scenario_from_dict`, :func:`builtin_scenario`
- running: :func:`simulate` → :class:`Result`; one DTC's switch: :func:`run_switch`, :func:`scan_switch` (xarray)
- results: :func:`save_result`, :func:`load_result`, :class:`Status`; any result folder: :func:`load`; cells to
  AnnData: :func:`to_anndata`
- models: ``dormancy.bone`` (Komarova, Pivonka, the lifetime bone with host, tumour and drugs), the dormancy
  switch ``dormancy.signalling``, pharmacology ``dormancy.pkpd``; figures: ``dormancy.plotting``

Names are imported on first use (PEP 562), so ``import dormancy`` and ``dormancy --help`` stay fast: the
scientific stack (NumPy, SciPy, xarray, pandas, Numba, matplotlib) loads only when a model or result is touched.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import TYPE_CHECKING, Any

from dormancy._version import __version__

# name -> module that defines it (a subpackage when the name is the module itself)
_LAZY: dict[str, str] = {
    "MissingExtraError": "dormancy._optional",
    "require_optional": "dormancy._optional",
    "remove_stale": "dormancy.atomic",
    "replace_problem": "dormancy.atomic",
    "write_text_atomic": "dormancy.atomic",
    "InputError": "dormancy.errors",
    "Problem": "dormancy.errors",
    "load_bibliography": "dormancy.params",
    "load_registry": "dormancy.params",
    "Manifest": "dormancy.results",
    "Result": "dormancy.results",
    "Status": "dormancy.results",
    "load_result": "dormancy.results",
    "save_result": "dormancy.results",
    "Scenario": "dormancy.scenario",
    "builtin_scenario": "dormancy.scenario",
    "builtin_scenario_names": "dormancy.scenario",
    "builtin_scenario_text": "dormancy.scenario",
    "load_scenario": "dormancy.scenario",
    "save_scenario": "dormancy.scenario",
    "scenario_from_dict": "dormancy.scenario",
    "simulate": "dormancy.simulate",
    "progress_bar": "dormancy.progress",
    "ResultFolder": "dormancy.folders",
    "load": "dormancy.folders",
    "to_anndata": "dormancy.folders",
    "run_switch": "dormancy.signalling",
    "scan_switch": "dormancy.signalling",
}
_SUBPACKAGES = ("bone", "inputs", "lab", "niche", "patients", "pkpd", "plotting", "scenario", "signalling", "trials")

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from dormancy import bone, inputs, lab, niche, patients, pkpd, plotting, scenario, signalling, trials
    from dormancy._optional import MissingExtraError, require_optional
    from dormancy.atomic import remove_stale, replace_problem, write_text_atomic
    from dormancy.errors import InputError, Problem
    from dormancy.folders import ResultFolder, load, to_anndata
    from dormancy.params import load_bibliography, load_registry
    from dormancy.progress import progress_bar
    from dormancy.results import Manifest, Result, Status, load_result, save_result
    from dormancy.scenario import (
        Scenario,
        builtin_scenario,
        builtin_scenario_names,
        builtin_scenario_text,
        load_scenario,
        save_scenario,
        scenario_from_dict,
    )
    from dormancy.signalling import run_switch, scan_switch
    from dormancy.simulate import simulate


def __getattr__(name: str) -> Any:
    """Import a public name on first access and cache it in the module namespace."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBPACKAGES or importlib.util.find_spec(f"dormancy.{name}") is not None:
        value = importlib.import_module(f"dormancy.{name}")
    else:
        raise AttributeError(f"module 'dormancy' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """The package module; keeps a function that shares its name with its module (``simulate``) a function.

    Importing ``dormancy.simulate`` (the module) makes Python set the package attribute ``simulate`` to the module;
    without this, ``dormancy.simulate(scenario)`` would then fail depending on what was imported before.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _LAZY.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def _figure_png(figure: Any) -> bytes:
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight", dpi=100)
    return buffer.getvalue()


def _show_figures_in_notebooks() -> None:
    """In Jupyter, show every matplotlib figure a cell returns (ours are made without pyplot, so nothing else does).

    Registered by type name, so matplotlib is not imported here.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if shell is not None and hasattr(shell, "display_formatter"):
        shell.display_formatter.formatters["image/png"].for_type_by_name("matplotlib.figure", "Figure", _figure_png)


_show_figures_in_notebooks()


__all__ = [
    "InputError",
    "Manifest",
    "MissingExtraError",
    "Problem",
    "Result",
    "ResultFolder",
    "Scenario",
    "Status",
    "__version__",
    "bone",
    "builtin_scenario",
    "builtin_scenario_names",
    "builtin_scenario_text",
    "inputs",
    "lab",
    "load",
    "load_bibliography",
    "load_registry",
    "load_result",
    "load_scenario",
    "niche",
    "patients",
    "pkpd",
    "plotting",
    "progress_bar",
    "remove_stale",
    "replace_problem",
    "require_optional",
    "run_switch",
    "save_result",
    "save_scenario",
    "scan_switch",
    "scenario",
    "scenario_from_dict",
    "signalling",
    "simulate",
    "to_anndata",
    "trials",
    "write_text_atomic",
]
