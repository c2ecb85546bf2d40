"""The scale bridge: how the switch, the bone and the drugs become what a DTC in the niche, mouse or patient does.

The one layer between the lower scales (:mod:`dormancy.signalling`, :mod:`dormancy.bone`, :mod:`dormancy.pkpd`)
and the models that use them (:mod:`dormancy.niche`, :mod:`dormancy.patients`, :mod:`dormancy.lab`):

- :mod:`dormancy.coupling.vocabulary`: where each switch input comes from (bone, niche, host, drug) and the niches;
- :mod:`dormancy.coupling.niche`: a DTC's switch inputs in a niche, and its dormant-branch rates averaged over the
  bone's resorption exposure;
- :mod:`dormancy.coupling.host`: the host's bone state (the Pivonka steady state under the host and drugs) and the
  bone signals and resorption exposure a marrow DTC reads.
"""

from dormancy.coupling.host import BoneState, bone_state
from dormancy.coupling.niche import exposed_inputs, exposure_averaged_rates, niche_exposure, niche_inputs
from dormancy.coupling.vocabulary import (
    BONE_SIGNALS,
    DRUG_INPUTS,
    MARROW_NICHES,
    NICHE_LEVEL_INPUTS,
    NICHE_NAMES,
    SWITCH_INPUT_SOURCES,
    InputSource,
    check_switch,
)

__all__ = [
    "BONE_SIGNALS",
    "DRUG_INPUTS",
    "MARROW_NICHES",
    "NICHE_LEVEL_INPUTS",
    "NICHE_NAMES",
    "SWITCH_INPUT_SOURCES",
    "BoneState",
    "InputSource",
    "bone_state",
    "check_switch",
    "exposed_inputs",
    "exposure_averaged_rates",
    "niche_exposure",
    "niche_inputs",
]
