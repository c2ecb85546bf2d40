r"""A mouse host's hormonal state and zoledronic acid as changes of the marrow's bone signals (mouse protocols).

The mouse protocols (:mod:`dormancy.lab.mouse`) give every DTC the marrow's bone signals ``mouse_marrow__*`` of a
young adult, oestrogen-replete mouse. Ovariectomy (OVX) and zoledronic acid change them as the package's own bone
model changes a woman's on oestrogen loss and under the drug (:mod:`dormancy.bone.lifetime`,
:mod:`dormancy.patients.niche_rates`), at the Pivonka quasi-steady state:

* **Drive.** Oestrogen deficiency :math:`D` (``ovariectomy_oestrogen_deficiency`` after OVX, 0 in sham-operated
  mice) raises RANKL production by :math:`\beta_{RANKL} g_E D`, scales OPG production by :math:`1 - h_E D` and
  osteoclast apoptosis by :math:`(1 - a_E D)(1 + z_{max} Z)`, :math:`Z` the zoledronic acid effect on the
  ``osteoclast_apoptosis`` target (``mouse_zoledronic_effect``; 0 in vehicle-treated mice).
* **Signals.** With :math:`OB_a, OC_a` the active osteoblasts and osteoclasts and :math:`TGF\beta` the free
  TGF-β at that steady state, over their values at rest (:math:`D = Z = 0`), a ratio :math:`r` maps onto a switch
  input :math:`r / (r + (1 - s_0)/s_0)` with :math:`s_0` the mouse's rest level (``mouse_marrow__*``): TGF-β2 and BMP7
  from :math:`OB_a`, TGF-β1 from :math:`TGF\beta`, osteoclast factors from :math:`OC_a` times
  :math:`1 - w_Z Z` (the RANKL-independent action of the bone-bound drug on the niche, the ``endosteal_niche``
  target, taken equal to :math:`Z`).
* **ER signalling.** ER+ DTCs read ``ESTROGEN`` :math:`= u_E (1 - D)` (:math:`u_E` the protocol's
  ``mouse_estrogen``).

Remodelling settles within weeks, so the quasi-steady state (as the patient model's monthly tables use) stands for
the whole follow-up; a mouse's remodelling is faster than a woman's, so this is closer in the mouse than in the
patient. No vicious cycle is added to the mouse: bone foci grow by the lineage's own rates, so a comparison of
hosts measures the bone → switch coupling alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from dormancy.bone.pivonka import PivonkaParameters, ligands, steady_state
from dormancy.params import load_registry
from dormancy.patients.niche_rates import host_bone_drive, niche_signal

__all__ = ["BONE_SIGNALS", "host_bone_folds", "host_marrow_values"]

#: Inputs that carry the bone's signals.
BONE_SIGNALS = ("TGFB2", "BMP7", "TGFB1", "OSTEOCLAST_FACTORS")


def _bone_constants() -> tuple[PivonkaParameters, dict[str, float]]:
    sets = load_registry().sets
    return PivonkaParameters.from_set(sets["pivonka2008"]), dict(sets["bone_lifetime"].values())


def host_bone_folds(
    deficiency: float,
    zoledronic: float,
    *,
    remodelling: PivonkaParameters | None = None,
    coupling: Mapping[str, float] | None = None,
) -> dict[str, float]:
    r"""Return the bone cells and TGF-β at the Pivonka steady state over rest (module docstring, **Drive**).

    Parameters
    ----------
    deficiency : float
        Oestrogen deficiency :math:`D` in [0, 1].
    zoledronic : float
        Zoledronic acid effect :math:`Z` in [0, 1] on osteoclast apoptosis.
    remodelling, coupling : optional
        The ``pivonka2008`` model and the ``bone_lifetime`` values; the registry's when omitted.

    Returns
    -------
    dict of str to float
        ``active_osteoblasts``, ``active_osteoclasts``, ``tgfb``: ratios to the rest steady state (dimensionless).
    """
    if remodelling is None or coupling is None:
        registry_remodelling, registry_coupling = _bone_constants()
        remodelling = registry_remodelling if remodelling is None else remodelling
        coupling = registry_coupling if coupling is None else coupling
    rest = steady_state(remodelling)
    drive = host_bone_drive(remodelling, coupling, float(deficiency), 0.0, 0.0)
    drive = replace(
        drive,
        osteoclast_apoptosis_factor=drive.osteoclast_apoptosis_factor
        * (1.0 + coupling["zoledronic_max_apoptosis_fold"] * float(zoledronic)),
    )
    state = steady_state(remodelling, drive, guess=rest)
    return {
        "active_osteoblasts": float(state[1] / rest[1]),
        "active_osteoclasts": float(state[2] / rest[2]),
        "tgfb": float(ligands(state, remodelling, drive).tgfb / ligands(rest, remodelling).tgfb),
    }


def host_marrow_values(
    values: Mapping[str, float],
    *,
    ovariectomy: bool,
    zoledronic_acid: bool,
    remodelling: PivonkaParameters | None = None,
    coupling: Mapping[str, float] | None = None,
    osteoblast_signals: bool = True,
) -> dict[str, float]:
    """Return ``values`` with the ``mouse_marrow__*`` bone signals of the host state (module docstring).

    Parameters
    ----------
    values : mapping of str to float
        The ``lab_in_vivo`` (and patient) values a mouse protocol reads.
    ovariectomy : bool
        Ovariectomised (oestrogen deficiency ``ovariectomy_oestrogen_deficiency``) or sham-operated (0).
    zoledronic_acid : bool
        Treated with zoledronic acid (effect ``mouse_zoledronic_effect``) or vehicle (0).
    remodelling, coupling : optional
        The ``pivonka2008`` model and the ``bone_lifetime`` values; the registry's when omitted.
    osteoblast_signals : bool
        True (the model): TGF-β2 and BMP7 follow the active osteoblasts. False holds them at their rest levels, a
        structural variant for diagnosis (``tools/scan_menopause_levers.py``).

    Returns
    -------
    dict of str to float
        A copy of ``values``; unchanged when both are False.
    """
    out = dict(values)
    if not (ovariectomy or zoledronic_acid):
        return out
    deficiency = values["ovariectomy_oestrogen_deficiency"] if ovariectomy else 0.0
    effect = values["mouse_zoledronic_effect"] if zoledronic_acid else 0.0
    if coupling is None:
        _, coupling = _bone_constants()
    folds = host_bone_folds(deficiency, effect, remodelling=remodelling, coupling=coupling)
    osteoblasts = folds["active_osteoblasts"] if osteoblast_signals else 1.0
    ratio = {
        "TGFB2": osteoblasts,
        "BMP7": osteoblasts,
        "TGFB1": folds["tgfb"],
        "OSTEOCLAST_FACTORS": folds["active_osteoclasts"],
    }
    for name in BONE_SIGNALS:
        key = f"mouse_marrow__{name}"
        out[key] = float(niche_signal(ratio[name], values[key]))
    out["mouse_marrow__OSTEOCLAST_FACTORS"] *= 1.0 - coupling["zoledronic_niche_weight"] * effect
    return out
