r"""A DTC's switch inputs in a niche, and its dormant-branch rates averaged over the bone's resorption exposure.

**Inputs** (:func:`niche_inputs`): niche :math:`k` reads its own levels :math:`u_k` (``niche_<k>__<INPUT>``) plus
the weighted bone signals, :math:`\min(1, u_k + w_k s_{bone})`; ``IL1B`` is the host's inflammation, ``ESTROGEN``
its ER signalling (0 for ER− cells), and drugs set their inputs and scale the ones they block
(:data:`~dormancy.coupling.vocabulary.DRUG_INPUTS`; IL-1 blockade scales ``IL1B``, ER blockade ``ESTROGEN``,
antagomiR ``MIR222_223``, CXCR4 blockade the retention signals). A missing record raises :class:`KeyError` naming it.

**Resorption exposure** (:func:`exposed_inputs`, :func:`exposure_averaged_rates`): a DTC's site is reached by a
resorbing front a fraction :math:`\phi_k = \rho_k \phi^* OC_a/OC_a^*` of the time (:math:`\rho_k` the niche's
reach, ``niche_<k>__resorption_reach``; :func:`dormancy.bone.marrow.resorption_exposure`). Under a front the
osteoclast-derived factors and TGF-β1 are at the front's level :math:`u_f` (the former times
:math:`1 - w_Z Z_{niche}`), and a fraction :math:`\ell` of the lining cells' dormancy signals
(:data:`~dormancy.coupling.vocabulary.LINING_SIGNALS`) is lost (Lawson 2015). A front passes in weeks, and the
switch's dormant branch follows its inputs within days without flipping (tested: the dormant steady state under a
front relaxes back to the resting one), so a dormant cell's awakening and death hazards are the time averages

.. math:: h = (1 - \phi_k)\, r(\text{rest}) + \phi_k\, r(\text{front})

of the switch's own rates (quiescence exit rate, apoptosis rate; per day). This is why more remodelling
(oestrogen loss) wakes more cells and an antiresorptive fewer, although the mean resorption signal sits in the
flat foot of the switch's Hill edges: the average of the response is not the response at the average input.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dormancy.bone.marrow import BONE_SIGNALS
from dormancy.coupling.vocabulary import DRUG_INPUTS, LINING_SIGNALS, RETENTION_INPUTS, check_switch
from dormancy.params import required_value
from dormancy.signalling import SwitchModel, fate_rates

__all__ = ["exposed_inputs", "exposure_averaged_rates", "niche_exposure", "niche_inputs"]


def _record(values: Mapping[str, float], name: str, set_name: str = "patients_natural_history") -> float:
    return required_value(values, name, set_name)


def niche_inputs(
    model: SwitchModel,
    values: Mapping[str, float],
    niche: str,
    *,
    bone: Mapping[str, ArrayLike],
    il1b: ArrayLike = 0.0,
    estrogen: ArrayLike = 0.0,
    nk_cytokines: ArrayLike | None = None,
    drugs: Mapping[str, float] | None = None,
) -> NDArray[np.float64]:
    """Return the switch inputs of a DTC in ``niche`` (module docstring, **Inputs**), shape ``(..., n_inputs)``.

    Parameters
    ----------
    model : SwitchModel
        The switch (its input order).
    values : mapping of str to float
        Values with the niche records (``niche_<niche>__*`` of the patient set).
    niche : str
        One of :data:`~dormancy.coupling.vocabulary.NICHE_NAMES`.
    bone : mapping of str to array_like
        Each of :data:`~dormancy.bone.marrow.BONE_SIGNALS` in [0, 1] (arrays broadcast together with the host's).
    il1b, estrogen : array_like
        The host's inflammation and ER signalling inputs (``estrogen`` 0 for ER− cells).
    nk_cytokines : array_like, optional
        Replaces the niche's NK-cytokine level (a mouse host without NK cells).
    drugs : mapping of str to float, optional
        Target effects in [0, 1] (:data:`dormancy.pkpd.TARGETS`); missing targets have no effect.
    """
    check_switch(model.wiring.inputs)
    prefix = f"niche_{niche}__"
    weight = _record(values, f"{prefix}bone_signal_weight")
    shape = np.broadcast_shapes(*(np.shape(bone[name]) for name in BONE_SIGNALS), np.shape(il1b), np.shape(estrogen))
    levels: dict[str, NDArray[np.float64]] = {}
    for name in model.wiring.inputs:
        if name in BONE_SIGNALS:
            levels[name] = np.minimum(1.0, _record(values, prefix + name) + weight * np.asarray(bone[name], float))
        elif name == "IL1B":
            levels[name] = np.minimum(1.0, np.asarray(il1b, dtype=np.float64))
        elif name == "ESTROGEN":
            levels[name] = np.asarray(estrogen, dtype=np.float64)
        elif name in DRUG_INPUTS.values() or name == "P38_MODULATOR":
            levels[name] = np.zeros(())
        else:
            levels[name] = np.asarray(_record(values, prefix + name))
    if nk_cytokines is not None:
        levels["NK_CYTOKINES"] = np.asarray(nk_cytokines, dtype=np.float64)
    drugs = drugs or {}
    if drugs:
        for target, node in DRUG_INPUTS.items():
            levels[node] = np.asarray(drugs.get(target, 0.0), dtype=np.float64)
        levels["IL1B"] = levels["IL1B"] * (1.0 - drugs.get("il1_blockade", 0.0))
        levels["ESTROGEN"] = levels["ESTROGEN"] * (1.0 - drugs.get("er_signalling_blockade", 0.0))
        levels["MIR222_223"] = levels["MIR222_223"] * (1.0 - drugs.get("mir222_223_blockade", 0.0))
        for name in RETENTION_INPUTS:
            levels[name] = levels[name] * (1.0 - drugs.get("cxcr4_blockade", 0.0))
    out = np.empty((*shape, len(model.wiring.inputs)))
    for column, name in enumerate(model.wiring.inputs):
        out[..., column] = np.broadcast_to(levels[name], shape)
    return out


def exposed_inputs(
    model: SwitchModel, inputs: NDArray[np.float64], coupling: Mapping[str, float], *, niche_effect: ArrayLike = 0.0
) -> NDArray[np.float64]:
    """Return ``inputs`` under a resorbing front (module docstring, **Resorption exposure**); a new array.

    ``coupling`` holds the ``bone_lifetime`` records ``resorption_front_signal``, ``resorption_niche_loss`` and
    ``zoledronic_niche_weight``; ``niche_effect`` is zoledronic acid's ``endosteal_niche`` effect.
    """
    front = _record(coupling, "resorption_front_signal", "bone_lifetime")
    loss = _record(coupling, "resorption_niche_loss", "bone_lifetime")
    weight = _record(coupling, "zoledronic_niche_weight", "bone_lifetime")
    column = {name: i for i, name in enumerate(model.wiring.inputs)}
    out = np.array(inputs, dtype=np.float64, copy=True)
    factor_front = front * (1.0 - weight * np.asarray(niche_effect, dtype=np.float64))
    out[..., column["OSTEOCLAST_FACTORS"]] = np.maximum(out[..., column["OSTEOCLAST_FACTORS"]], factor_front)
    out[..., column["TGFB1"]] = np.maximum(out[..., column["TGFB1"]], front)
    for name in LINING_SIGNALS:
        out[..., column[name]] *= 1.0 - loss
    return out


def niche_exposure(
    values: Mapping[str, float], niche: str, osteoclast_fold: ArrayLike, rest_fraction: float
) -> NDArray[np.float64]:
    r"""Return :math:`\phi_k = \min(1, \rho_k \phi^* OC_a/OC_a^*)`, the fraction of time niche ``niche`` is exposed."""
    reach = _record(values, f"niche_{niche}__resorption_reach")
    return np.minimum(1.0, reach * rest_fraction * np.asarray(osteoclast_fold, dtype=np.float64))


def exposure_averaged_rates(
    model: SwitchModel, rest_states: NDArray[np.float64], exposed_states: NDArray[np.float64], exposure: ArrayLike
) -> dict[str, NDArray[np.float64]]:
    r"""Return a dormant cell's hazards averaged over exposure (module docstring), per day.

    Parameters
    ----------
    model : SwitchModel
        The switch.
    rest_states, exposed_states : numpy.ndarray
        Dormant-branch node activities ``(..., n_internal)`` under resting and under front inputs.
    exposure : array_like
        :math:`\phi`, broadcasting against ``rest_states.shape[:-1]``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``awakening_rate`` and ``death_rate`` (the averages), and the four rates they average:
        ``exit_rest``, ``exit_front``, ``apoptosis_rest``, ``apoptosis_front``.
    """
    rest, front = fate_rates(model, rest_states), fate_rates(model, exposed_states)
    phi = np.asarray(exposure, dtype=np.float64)
    return {
        "awakening_rate": (1.0 - phi) * rest["quiescence_exit_rate"] + phi * front["quiescence_exit_rate"],
        "death_rate": (1.0 - phi) * rest["apoptosis_rate"] + phi * front["apoptosis_rate"],
        "exit_rest": rest["quiescence_exit_rate"],
        "exit_front": front["quiescence_exit_rate"],
        "apoptosis_rest": rest["apoptosis_rate"],
        "apoptosis_front": front["apoptosis_rate"],
    }
