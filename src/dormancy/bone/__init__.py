"""Organ scale: bone remodelling (Komarova 2003; Pivonka 2008), the host over a lifetime and the vicious cycle.

- :mod:`dormancy.bone.komarova`: the power-law osteoclast/osteoblast model.
- :mod:`dormancy.bone.pivonka`: the RANK/RANKL/OPG/PTH/TGF-β model (Lemaire 2004 family), with SBML export.
- :mod:`dormancy.bone.host`: oestrogen through menopause, inflammaging and obesity.
- :mod:`dormancy.bone.lifetime`: remodelling driven by the host, a tumour (vicious cycle) and bone-targeted drugs,
  with the niche signals a DTC reads: :class:`BoneModel`, :func:`simulate_bone`.
"""

from dormancy.bone import host, komarova, lifetime, pivonka
from dormancy.bone.host import HostProfile
from dormancy.bone.lifetime import NICHE_SIGNALS, BoneModel, DrugExposure, simulate_bone

__all__ = [
    "NICHE_SIGNALS",
    "BoneModel",
    "DrugExposure",
    "HostProfile",
    "host",
    "komarova",
    "lifetime",
    "pivonka",
    "simulate_bone",
]
