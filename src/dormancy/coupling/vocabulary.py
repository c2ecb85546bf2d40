r"""The vocabulary of the scale bridge: where each switch input comes from, and the niches it is read in.

Every input of the dormancy switch (:mod:`dormancy.signalling`) has exactly one source:

* ``bone`` — a signal of the bone model (:data:`dormancy.bone.marrow.BONE_SIGNALS`), added to the niche's own level
  times the niche's bone-signal weight;
* ``niche`` — a level the niche's own cells make (a ``niche_<niche>__<INPUT>`` record of the patient set);
* ``host`` — the host's state: inflammation (``IL1B``) and oestrogen (``ESTROGEN``, ER+ cells only);
* ``drug`` — a drug's target effect (:data:`DRUG_INPUTS`).

Adding a niche signal (the recipe, exercised by ``tests/test_coupling.py``): add the node and its edges to the
network (``signalling/data/network.yaml``), give it a source here (:data:`SWITCH_INPUT_SOURCES`; a ``niche``
signal also goes into :data:`NICHE_LEVEL_INPUTS`), and give every niche a level record
(``tools/make_patient_parameters.py``). :func:`check_switch` fails, naming the input, if any of the three is
missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from dormancy.bone.marrow import BONE_SIGNALS

__all__ = [
    "BONE_SIGNALS",
    "DRUG_INPUTS",
    "LINING_SIGNALS",
    "MARROW_NICHES",
    "NICHE_LEVEL_INPUTS",
    "NICHE_NAMES",
    "RETENTION_INPUTS",
    "SWITCH_INPUT_SOURCES",
    "InputSource",
    "check_switch",
]


class InputSource(StrEnum):
    """Where a switch input comes from."""

    BONE = "bone"
    NICHE = "niche"
    HOST = "host"
    DRUG = "drug"


#: The patient model's niches: four in the marrow, then the lumped other organs.
NICHE_NAMES: tuple[str, ...] = (
    "endosteal",
    "perivascular_stable",
    "perivascular_sprouting",
    "other_marrow",
    "other_site",
)
#: How many of :data:`NICHE_NAMES` are marrow niches (the first ones).
MARROW_NICHES = 4

#: Drug target → the switch input it sets (its effect in [0, 1]).
DRUG_INPUTS: Mapping[str, str] = MappingProxyType(
    {
        "autophagy_inhibition": "HYDROXYCHLOROQUINE",
        "mtor_inhibition": "EVEROLIMUS",
        "cdk46_inhibition": "CDK46_INHIBITOR",
        "hdac_inhibition": "HDAC_INHIBITOR",
        "nr2f1_activation": "NR2F1_AGONIST",
    }
)

_SOURCES: dict[str, InputSource] = {name: InputSource.BONE for name in BONE_SIGNALS}
_SOURCES |= {
    name: InputSource.NICHE
    for name in ("GAS6", "WNT5A", "O2", "TSP1", "POSTN", "FIBRONECTIN", "NK_CYTOKINES", "MIR222_223", "NUTRIENTS")
}
_SOURCES |= {"IL1B": InputSource.HOST, "ESTROGEN": InputSource.HOST}
_SOURCES |= {name: InputSource.DRUG for name in (*DRUG_INPUTS.values(), "P38_MODULATOR")}
#: Switch input → its source.
SWITCH_INPUT_SOURCES: Mapping[str, InputSource] = MappingProxyType(_SOURCES)

#: Inputs every niche has a level record of: the niche signals and the base level of each bone signal.
NICHE_LEVEL_INPUTS: tuple[str, ...] = BONE_SIGNALS + tuple(
    name for name, source in _SOURCES.items() if source is InputSource.NICHE
)
#: Dormancy signals of the bone-lining and osteoblast-lineage cells, lost where a resorbing front lifts them off.
LINING_SIGNALS: tuple[str, ...] = ("TGFB2", "BMP7", "GAS6", "WNT5A")
#: Niche retention and pro-dormancy signals read times 1 - CXCR4 blockade (mobilisation out of the niche).
RETENTION_INPUTS: tuple[str, ...] = ("GAS6", "WNT5A", "TSP1", "MIR222_223", "TGFB2", "BMP7")


def check_switch(inputs: tuple[str, ...], values: Mapping[str, float] | None = None) -> None:
    """Raise :class:`KeyError` naming the first switch input without a source, or a niche without its record.

    Parameters
    ----------
    inputs : tuple of str
        The switch's input names (``model.wiring.inputs``).
    values : mapping, optional
        The patient set's values; when given, every niche must have a level record of every
        :data:`NICHE_LEVEL_INPUTS` and its ``bone_signal_weight`` and ``resorption_reach``.
    """
    for name in inputs:
        if name not in SWITCH_INPUT_SOURCES:
            raise KeyError(f"switch input {name!r} has no source in dormancy.coupling.vocabulary.SWITCH_INPUT_SOURCES")
    for name in SWITCH_INPUT_SOURCES:
        if name not in inputs:
            raise KeyError(f"vocabulary names {name!r}, which is not an input of the switch")
    if values is None:
        return
    for niche in NICHE_NAMES:
        for field in (*NICHE_LEVEL_INPUTS, "bone_signal_weight", "resorption_reach"):
            if f"niche_{niche}__{field}" not in values:
                raise KeyError(f"record niche_{niche}__{field} is missing (parameter set patients_natural_history)")
