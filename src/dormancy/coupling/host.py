r"""The host's bone as a marrow DTC sees it: the Pivonka quasi-steady state under the host and drugs.

Remodelling settles within weeks, fast against the patient's monthly step and a mouse's follow-up, so the
quasi-steady state of the Pivonka model under the drive of :func:`dormancy.bone.marrow.bone_drive` stands for the
bone at a host state. :func:`bone_state` returns its active osteoblasts, active osteoclasts and free TGF-β over
their rest values (no oestrogen deficiency, inflammation, tumour or drug), from which
:func:`dormancy.bone.marrow.marrow_signals` gives the signals and
:func:`dormancy.bone.marrow.resorption_exposure` the resorption exposure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dormancy.bone.marrow import bone_drive, marrow_signals
from dormancy.bone.pivonka import PivonkaParameters, ligands, steady_state

__all__ = ["BoneState", "bone_state"]


@dataclass(frozen=True)
class BoneState:
    """The bone at one host state, over rest.

    Parameters
    ----------
    osteoblast_fold, osteoclast_fold, tgfb_fold : float
        Active osteoblasts, active osteoclasts and free TGF-β over their rest values (dimensionless).
    deficiency : float
        The oestrogen deficiency :math:`D` the state was computed at.
    niche_effect : float
        Zoledronic acid's ``endosteal_niche`` effect at that state.
    cells : numpy.ndarray
        The Pivonka cells ``(OB_p, OB_a, OC_a)``, pM (a guess for a neighbouring state).
    """

    osteoblast_fold: float
    osteoclast_fold: float
    tgfb_fold: float
    deficiency: float
    niche_effect: float
    cells: NDArray[np.float64]

    def signals(self, coupling: Mapping[str, float], rest_levels: Mapping[str, float]) -> dict[str, float]:
        """Return the four bone signals at this state (:func:`dormancy.bone.marrow.marrow_signals`)."""
        out = marrow_signals(
            osteoblast_fold=self.osteoblast_fold,
            osteoclast_fold=self.osteoclast_fold,
            tgfb_fold=self.tgfb_fold,
            deficiency=self.deficiency,
            coupling=coupling,
            rest_levels=rest_levels,
            niche_effect=self.niche_effect,
        )
        return {name: float(value) for name, value in out.items()}


def bone_state(
    remodelling: PivonkaParameters,
    coupling: Mapping[str, float],
    *,
    deficiency: float,
    inflamed: float = 0.0,
    drugs: Mapping[str, float] | None = None,
    guess: NDArray[np.float64] | None = None,
) -> BoneState:
    """Return the quasi-steady bone at a host state (module docstring).

    Parameters
    ----------
    remodelling : PivonkaParameters
        The remodelling model.
    coupling : mapping of str to float
        The ``bone_lifetime`` values.
    deficiency, inflamed : float
        Oestrogen deficiency and extra inflammation in [0, 1].
    drugs : mapping of str to float, optional
        Bone drug target effects (:data:`dormancy.bone.marrow.DRUG_TARGETS`).
    guess : numpy.ndarray, optional
        Starting cells for the root finder (the rest state when omitted).

    Raises
    ------
    RuntimeError
        If the steady state cannot be found.
    """
    drugs = drugs or {}
    rest = steady_state(remodelling)
    rest_tgfb = ligands(rest, remodelling).tgfb
    drive = bone_drive(remodelling, coupling, deficiency=deficiency, inflamed=inflamed, drugs=drugs)
    cells = steady_state(remodelling, drive, guess=rest if guess is None else guess)
    return BoneState(
        osteoblast_fold=float(cells[1] / rest[1]),
        osteoclast_fold=float(cells[2] / rest[2]),
        tgfb_fold=float(ligands(cells, remodelling, drive).tgfb / rest_tgfb),
        deficiency=float(deficiency),
        niche_effect=float(drugs.get("endosteal_niche", 0.0)),
        cells=cells,
    )
