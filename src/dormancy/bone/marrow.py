r"""What the bone does to the marrow around it: the drive of remodelling and the signals a DTC there reads.

The one place where the host (oestrogen deficiency, inflammation), a tumour in bone and bone-targeted drugs drive
the Pivonka remodelling model, and where the remodelling state becomes the bone's niche signals. Used by the bone
over a lifetime (:mod:`dormancy.bone.lifetime`) and, through :mod:`dormancy.coupling`, by the patient, mouse and
lab models.

**Drive** (:func:`bone_drive`), with :math:`D = 1 - E` oestrogen deficiency, :math:`I` inflammation, :math:`T`
tumour burden and the drug target effects :math:`Z_{apo}` (osteoclast apoptosis, zoledronic acid), :math:`R`
(RANKL neutralisation, denosumab / OPG-Fc) and :math:`E_{IL1}` (IL-1 blockade):

.. math::

    P_{RANKL} = \beta_{RANKL}(g_E D + g_I I (1 - E_{IL1})) + (\rho_{IL6} + \rho_{int,RANKL}) T,\quad
    P_{PTH} = \rho_{PTHrP} T,\quad P_{TGF\beta} = \rho_{int,TGF\beta} T,\\
    f_{OPG} = 1 - h_E D,\quad f_{apo} = (1 - a_E D)(1 + z_{max} Z_{apo}),\quad \text{free RANKL} \times (1 - R).

**Signals** (:func:`marrow_signals`): a ratio :math:`r` to rest maps onto a switch input in [0, 1] as
:math:`r / (r + (1 - s_0)/s_0)`, equal to the documented rest level :math:`s_0` at :math:`r = 1`:

* TGF-β2 and BMP7, the osteoblast-lineage dormancy signals, come from the niche's resident osteoblast-lineage cells
  (bone-lining cells, stromal cells) and from the remodelling (active) osteoblasts, a fraction
  :math:`\varphi_{OB}` of the total at rest; both make more of them with oestrogen (Finkelman 1992: 1 nM oestradiol
  raises osteoblast TGF-β production almost 2-fold, and ovariectomy lowers bone TGF-β, restored by oestrogen;
  Plant & Tobias 2002: oestradiol induces BMP in marrow stromal cells), a fold :math:`F` at full oestrogen over none:

  .. math:: r = \big(1 - \varphi_{OB} + \varphi_{OB}\,OB_a/OB_a^*\big)\,\frac{1 + (F - 1)(1 - D)}{F}.

  So oestrogen loss lowers them although remodelling raises the active osteoblasts, and an antiresorptive that
  lowers the active osteoblasts moves them only by the remodelling share.
* TGF-β1 from the free (matrix-released) TGF-β; osteoclast-derived factors from the active osteoclasts, times
  :math:`1 - w_Z Z_{niche}` (zoledronic acid's RANKL-independent action on the niche).

**Resorption exposure** (:func:`resorption_exposure`): the fraction of time a site on the bone surface lies under
a resorbing front, :math:`\phi = \phi^* OC_a/OC_a^*` (the resorbing surface scales with the active osteoclasts;
:math:`\phi^*` the resting fraction of the surface being resorbed, a histomorphometric quantity).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dormancy.bone.pivonka import BoneDrive, PivonkaParameters
from dormancy.params import required_value

__all__ = [
    "BONE_SIGNALS",
    "DRUG_TARGETS",
    "bone_drive",
    "marrow_signals",
    "niche_signal",
    "osteoblast_signal_ratio",
    "resorption_exposure",
]

#: Switch inputs that carry the bone's signals, in this order everywhere.
BONE_SIGNALS: tuple[str, ...] = ("TGFB2", "BMP7", "TGFB1", "OSTEOCLAST_FACTORS")
#: Drug targets that act on the bone or on what the marrow reads of it.
DRUG_TARGETS: tuple[str, ...] = ("osteoclast_apoptosis", "endosteal_niche", "rankl_neutralisation", "il1_blockade")
#: The ``bone_lifetime`` records the drive reads.
DRIVE_RECORDS: tuple[str, ...] = (
    "oestrogen_rankl_gain",
    "inflammation_rankl_gain",
    "oestrogen_opg_loss",
    "oestrogen_osteoclast_apoptosis_loss",
    "pthrp_production",
    "jagged1_il6_rankl_production",
    "integrin_rankl_production",
    "integrin_tgfb_production",
    "zoledronic_max_apoptosis_fold",
)


def _record(coupling: Mapping[str, float], name: str) -> float:
    return required_value(coupling, name, "bone_lifetime")


def bone_drive(
    remodelling: PivonkaParameters,
    coupling: Mapping[str, float],
    *,
    deficiency: float,
    inflamed: float = 0.0,
    burden: float = 0.0,
    drugs: Mapping[str, float] | None = None,
    rankl_clamp: float | None = None,
) -> BoneDrive:
    """Return the external drive of the Pivonka bone (module docstring, **Drive**).

    Parameters
    ----------
    remodelling : PivonkaParameters
        The remodelling model (its RANKL production scales the oestrogen- and inflammation-driven RANKL).
    coupling : Mapping[str, float]
        The ``bone_lifetime`` values (a missing record raises :class:`KeyError` naming it).
    deficiency, inflamed : float
        Oestrogen deficiency :math:`D` and extra inflammation :math:`I`, dimensionless in [0, 1].
    burden : float
        Tumour burden in bone (fraction of site capacity).
    drugs : Mapping[str, float], optional
        Target effects in [0, 1] of :data:`DRUG_TARGETS` (missing targets: no effect).
    rankl_clamp : float, optional
        Hold free RANKL at this value, pM.

    Returns
    -------
    BoneDrive
    """
    drugs = drugs or {}
    unknown = set(drugs) - set(DRUG_TARGETS)
    if unknown:
        raise KeyError(f"bone_drive: unknown drug target(s) {sorted(unknown)}; allowed: {', '.join(DRUG_TARGETS)}")
    c = {name: _record(coupling, name) for name in DRIVE_RECORDS}
    burden = max(float(burden), 0.0)
    inflamed = float(inflamed) * (1.0 - drugs.get("il1_blockade", 0.0))
    return BoneDrive(
        pth_external=c["pthrp_production"] * burden,
        rankl_external=remodelling.rankl_production
        * (c["oestrogen_rankl_gain"] * deficiency + c["inflammation_rankl_gain"] * inflamed)
        + (c["jagged1_il6_rankl_production"] + c["integrin_rankl_production"]) * burden,
        tgfb_external=c["integrin_tgfb_production"] * burden,
        opg_production_factor=1.0 - c["oestrogen_opg_loss"] * deficiency,
        osteoclast_apoptosis_factor=(1.0 - c["oestrogen_osteoclast_apoptosis_loss"] * deficiency)
        * (1.0 + c["zoledronic_max_apoptosis_fold"] * drugs.get("osteoclast_apoptosis", 0.0)),
        rankl_neutralised=drugs.get("rankl_neutralisation", 0.0),
        rankl_clamp=rankl_clamp,
    )


def niche_signal(ratio: ArrayLike, rest_level: float) -> NDArray[np.float64]:
    """Map a ratio to rest onto a switch input: :math:`r/(r + (1 - s_0)/s_0)`, equal to ``rest_level`` at 1."""
    ratio = np.asarray(ratio, dtype=np.float64)
    return ratio / (ratio + (1.0 - rest_level) / rest_level)


def osteoblast_signal_ratio(
    osteoblast_fold: ArrayLike, deficiency: ArrayLike, *, remodelling_fraction: float, oestrogen_fold: float
) -> NDArray[np.float64]:
    r"""Return the osteoblast-lineage signal over rest, :math:`(1 - \varphi + \varphi\,OB)(1 + (F-1)(1-D))/F`.

    Parameters
    ----------
    osteoblast_fold : array_like
        Active osteoblasts over rest :math:`OB_a/OB_a^*`.
    deficiency : array_like
        Oestrogen deficiency :math:`D` in [0, 1].
    remodelling_fraction : float
        :math:`\varphi`, the share of the signal made by remodelling osteoblasts at rest, in [0, 1].
    oestrogen_fold : float
        :math:`F \ge 1`, production at full oestrogen over none (Finkelman 1992: almost 2 for TGF-β).
    """
    cells = 1.0 - remodelling_fraction + remodelling_fraction * np.asarray(osteoblast_fold, dtype=np.float64)
    return cells * (1.0 + (oestrogen_fold - 1.0) * (1.0 - np.asarray(deficiency, dtype=np.float64))) / oestrogen_fold


def marrow_signals(
    *,
    osteoblast_fold: ArrayLike,
    osteoclast_fold: ArrayLike,
    tgfb_fold: ArrayLike,
    deficiency: ArrayLike,
    coupling: Mapping[str, float],
    rest_levels: Mapping[str, float],
    niche_effect: ArrayLike = 0.0,
) -> dict[str, NDArray[np.float64]]:
    """Return the four bone signals a marrow DTC reads (module docstring, **Signals**), keyed by :data:`BONE_SIGNALS`.

    Parameters
    ----------
    osteoblast_fold, osteoclast_fold, tgfb_fold : array_like
        Active osteoblasts, active osteoclasts and free TGF-β over their rest values.
    deficiency : array_like
        Oestrogen deficiency :math:`D` in [0, 1].
    coupling : Mapping[str, float]
        ``bone_lifetime`` values: ``remodelling_osteoblast_signal_fraction``, ``osteoblast_tgfb_oestrogen_fold``,
        ``stromal_bmp_oestrogen_fold``, ``zoledronic_niche_weight``.
    rest_levels : Mapping[str, float]
        Rest level :math:`s_0` of each of :data:`BONE_SIGNALS` (the woman's or the mouse's).
    niche_effect : array_like
        Zoledronic acid's effect on the ``endosteal_niche`` target, in [0, 1].
    """
    share = _record(coupling, "remodelling_osteoblast_signal_fraction")
    ratios = {
        "TGFB2": osteoblast_signal_ratio(
            osteoblast_fold,
            deficiency,
            remodelling_fraction=share,
            oestrogen_fold=_record(coupling, "osteoblast_tgfb_oestrogen_fold"),
        ),
        "BMP7": osteoblast_signal_ratio(
            osteoblast_fold,
            deficiency,
            remodelling_fraction=share,
            oestrogen_fold=_record(coupling, "stromal_bmp_oestrogen_fold"),
        ),
        "TGFB1": np.asarray(tgfb_fold, dtype=np.float64),
        "OSTEOCLAST_FACTORS": np.asarray(osteoclast_fold, dtype=np.float64),
    }
    missing = [name for name in BONE_SIGNALS if name not in rest_levels]
    if missing:
        raise KeyError(f"marrow_signals: rest level(s) missing for {missing}")
    out = {name: niche_signal(ratios[name], float(rest_levels[name])) for name in BONE_SIGNALS}
    out["OSTEOCLAST_FACTORS"] = out["OSTEOCLAST_FACTORS"] * (
        1.0 - _record(coupling, "zoledronic_niche_weight") * np.asarray(niche_effect, dtype=np.float64)
    )
    return out


def resorption_exposure(osteoclast_fold: ArrayLike, rest_fraction: float) -> NDArray[np.float64]:
    r"""Return the fraction of time a bone-surface site lies under a resorbing front, :math:`\phi^* OC_a/OC_a^*`.

    Capped at 1. ``rest_fraction`` is :math:`\phi^*`, the resting fraction of the surface under resorption.
    """
    return np.minimum(1.0, rest_fraction * np.asarray(osteoclast_fold, dtype=np.float64))
