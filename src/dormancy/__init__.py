"""dormancy: simulate breast-cancer metastatic dormancy in bone, from one cell's switch to virtual trials.

The public API, by verb:

- parameters: :func:`load_registry`, :func:`load_bibliography` (``dormancy.params``)
- scenarios: :func:`load_scenario`, :func:`save_scenario`, :func:`scenario_from_dict`, :func:`builtin_scenario`
- running: :func:`simulate` → :class:`Result`
- results: :func:`save_result`, :func:`load_result`, :class:`Status`
- models: ``dormancy.bone`` (Komarova, Pivonka, the lifetime bone with host, tumour and drugs), the dormancy
  switch ``dormancy.signalling``, pharmacology ``dormancy.pkpd``; figures: ``dormancy.plotting``
"""

from dormancy import bone, inputs, lab, niche, patients, pkpd, plotting, scenario, signalling, trials
from dormancy._version import __version__
from dormancy.atomic import remove_stale, replace_problem, write_text_atomic
from dormancy.errors import InputError, Problem
from dormancy.params import load_bibliography, load_registry
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
from dormancy.simulate import simulate

__all__ = [
    "InputError",
    "Manifest",
    "Problem",
    "Result",
    "Scenario",
    "Status",
    "__version__",
    "bone",
    "builtin_scenario",
    "builtin_scenario_names",
    "builtin_scenario_text",
    "inputs",
    "lab",
    "load_bibliography",
    "load_registry",
    "load_result",
    "load_scenario",
    "niche",
    "patients",
    "pkpd",
    "plotting",
    "remove_stale",
    "replace_problem",
    "save_result",
    "save_scenario",
    "scenario",
    "scenario_from_dict",
    "signalling",
    "simulate",
    "trials",
    "write_text_atomic",
]
