r"""A mouse host's hormonal state and zoledronic acid as changes of the marrow's bone (mouse protocols).

The mouse protocols (:mod:`dormancy.lab.mouse`) give every DTC the marrow's bone signals ``mouse_marrow__*`` of a
young adult, oestrogen-replete mouse. Ovariectomy (OVX) and zoledronic acid change them as the package's bone
model changes a woman's on oestrogen loss and under the drug, at the Pivonka quasi-steady state, through the scale
bridge (:func:`dormancy.coupling.bone_state`; drive and signals in :mod:`dormancy.bone.marrow`):

* **Drive.** Oestrogen deficiency :math:`D` (``ovariectomy_oestrogen_deficiency`` after OVX, 0 in sham-operated
  mice) raises RANKL production, lowers OPG production and osteoclast apoptosis; zoledronic acid
  (``mouse_zoledronic_effect`` :math:`Z` on the ``osteoclast_apoptosis`` and ``endosteal_niche`` targets; 0 in
  vehicle-treated mice) raises osteoclast apoptosis.
* **Signals.** TGF-β2 and BMP7 from the niche's osteoblast-lineage cells, resident and remodelling, made more with
  oestrogen (Finkelman 1992); TGF-β1 from the free TGF-β; osteoclast factors from the active osteoclasts times
  :math:`1 - w_Z Z` — each mapped onto the mouse's rest level (:func:`dormancy.bone.marrow.marrow_signals`).
* **Resorption exposure.** The active osteoclasts over rest scale the fraction of time a DTC's site is under a
  resorbing front (``mouse_resorption_surface_fraction`` times the niche's reach; :mod:`dormancy.coupling.niche`).
* **ER signalling.** ER+ DTCs read ``ESTROGEN`` :math:`= u_E (1 - D)` (:math:`u_E` the protocol's
  ``mouse_estrogen``).

A mouse's remodelling is faster than a woman's, so the quasi-steady state is closer in the mouse than in the
patient. No vicious cycle is added to the mouse: bone foci grow by the lineage's own rates, so a comparison of
hosts measures the bone → switch coupling alone.
"""

from __future__ import annotations

from collections.abc import Mapping

from dormancy.bone.marrow import BONE_SIGNALS
from dormancy.bone.pivonka import PivonkaParameters
from dormancy.coupling import BoneState, bone_state
from dormancy.params import load_registry

__all__ = ["BONE_SIGNALS", "bone_constants", "host_bone_state", "host_marrow_values"]


def bone_constants() -> tuple[PivonkaParameters, dict[str, float]]:
    """Return the registry's ``pivonka2008`` model and ``bone_lifetime`` values."""
    sets = load_registry().sets
    return PivonkaParameters.from_set(sets["pivonka2008"]), dict(sets["bone_lifetime"].values())


def host_bone_state(
    values: Mapping[str, float],
    *,
    ovariectomy: bool,
    zoledronic_acid: bool,
    remodelling: PivonkaParameters | None = None,
    coupling: Mapping[str, float] | None = None,
) -> BoneState:
    """Return the mouse's bone in the arm (module docstring, **Drive**), over rest.

    ``values`` holds ``ovariectomy_oestrogen_deficiency`` and ``mouse_zoledronic_effect`` (``lab_in_vivo``);
    ``remodelling`` and ``coupling`` default to the registry's.
    """
    registry_remodelling, registry_coupling = bone_constants()
    remodelling = registry_remodelling if remodelling is None else remodelling
    coupling = registry_coupling if coupling is None else coupling
    deficiency = float(values["ovariectomy_oestrogen_deficiency"]) if ovariectomy else 0.0
    effect = float(values["mouse_zoledronic_effect"]) if zoledronic_acid else 0.0
    drugs = {"osteoclast_apoptosis": effect, "endosteal_niche": effect}
    return bone_state(remodelling, coupling, deficiency=deficiency, drugs=drugs)


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
        True (the model). False holds TGF-β2 and BMP7 at their rest levels, a structural variant for diagnosis
        (``tools/scan_menopause_levers.py``).

    Returns
    -------
    dict of str to float
        A copy of ``values``; unchanged when both are False.
    """
    out = dict(values)
    if not (ovariectomy or zoledronic_acid):
        return out
    if coupling is None:
        _, coupling = bone_constants()
    state = host_bone_state(
        values, ovariectomy=ovariectomy, zoledronic_acid=zoledronic_acid, remodelling=remodelling, coupling=coupling
    )
    rest_levels = {name: values[f"mouse_marrow__{name}"] for name in BONE_SIGNALS}
    signals = state.signals(coupling, rest_levels)
    for name in BONE_SIGNALS:
        if osteoblast_signals or name not in ("TGFB2", "BMP7"):
            out[f"mouse_marrow__{name}"] = signals[name]
    return out
