r"""Pivonka et al. 2008 bone remodelling: osteoblasts and osteoclasts under RANKL/OPG/PTH/TGF-β.

The model of the Lemaire et al. 2004 family (Pivonka P et al. 2008, Bone 43:249–263; structure with RANKL on
osteoblast precursors and OPG from active osteoblasts). States (pM): osteoblast precursors :math:`OB_p`, active
osteoblasts :math:`OB_a`, active osteoclasts :math:`OC_a`. Time in days.

.. math::

    \frac{dOB_p}{dt} &= D_{OB_u} \pi^{TGF\beta}_{act,OB_u} - D_{OB_p} OB_p \pi^{TGF\beta}_{rep,OB_p} \\
    \frac{dOB_a}{dt} &= D_{OB_p} OB_p \pi^{TGF\beta}_{rep,OB_p} - A_{OB_a} OB_a \\
    \frac{dOC_a}{dt} &= D_{OC_p} \pi^{RANKL}_{act,OC_p} - f_{apo} A_{OC_a} \pi^{TGF\beta}_{act,OC_a} OC_a

with the ligands in quasi-steady state:

.. math::

    TGF\beta &= (\alpha k_{res} OC_a + P_{TGF\beta})/D_{TGF\beta}, \qquad
        \pi_{act} = \frac{TGF\beta}{TGF\beta + K_{D1,3}}, \quad \pi_{rep} = \frac{K_{D2}}{TGF\beta + K_{D2}} \\
    PTH &= (\beta_{PTH} + P_{PTH})/D_{PTH}, \qquad
        \pi^{PTH}_{act} = \frac{PTH}{PTH + K_{D4}}, \quad \pi^{PTH}_{rep} = \frac{K_{D6}}{PTH + K_{D6}} \\
    OPG &= \frac{(f_{OPG}\beta_{OPG} OB_a \pi^{PTH}_{rep} + P_{OPG}) OPG_{max}}
               {f_{OPG}\beta_{OPG} OB_a \pi^{PTH}_{rep} + D_{OPG} OPG_{max}} \\
    RANKL &= (1 - n_{RANKL}) \frac{R_{RANKL} OB_p \pi^{PTH}_{act}}{1 + K_{A1} OPG + K_{A2} RANK}
        \frac{\beta_{RANKL} + P_{RANKL}}{\beta_{RANKL} + D_{RANKL} R_{RANKL} OB_p \pi^{PTH}_{act}} \\
    \pi^{RANKL}_{act,OC_p} &= \frac{K_{A2} RANKL \cdot RANK}{K_{A2} RANKL \cdot RANK + K_{D8}}

The external terms :math:`P` (pM/day) carry tumour PTHrP (through the PTH receptor), IL-6 and integrin-driven RANKL,
oestrogen loss and inflammation; :math:`f_{apo}` (osteoclast apoptosis factor), :math:`f_{OPG}` (OPG production
factor) and :math:`n_{RANKL}` (the neutralised fraction of RANKL: denosumab, OPG-Fc) carry host state and drugs
(:class:`BoneDrive`). A RANKL clamp replaces the free RANKL by a fixed value (an in-silico experiment separating
RANKL-dependent from RANKL-independent drug actions). With every drive at rest the steady state is the published
one, OB_p = 6.196e-4, OB_a = 5.584e-4, OC_a = 8.070e-4 pM.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import root

from dormancy.params import ParameterSet
from dormancy.sbml import SbmlOdeModel, SbmlQuantity, write_sbml

MODEL_NAME = "pivonka"
STATES: tuple[str, ...] = ("osteoblast_precursors", "active_osteoblasts", "active_osteoclasts")
#: The steady state reported with the model (pM), reproduced by the ``pivonka2008`` set.
PUBLISHED_STEADY_STATE: tuple[float, float, float] = (6.196390627918603e-4, 5.583931899482344e-4, 8.069635262731931e-4)


@dataclass(frozen=True)
class PivonkaParameters:
    """Constants of the Pivonka 2008 model (units as in the ``pivonka2008`` registry set)."""

    osteoblast_progenitor_differentiation: float
    osteoblast_precursor_differentiation: float
    osteoblast_apoptosis: float
    osteoclast_precursor_differentiation: float
    osteoclast_apoptosis: float
    tgfb_activation_osteoblast_progenitor: float
    tgfb_repression_osteoblast_precursor: float
    tgfb_activation_osteoclast_apoptosis: float
    pth_activation_rankl: float
    pth_repression_opg: float
    rankl_activation_osteoclast_precursor: float
    rankl_opg_association: float
    rankl_rank_association: float
    rank_concentration: float
    rankl_per_osteoblast_precursor: float
    rankl_production: float
    rankl_degradation: float
    opg_production_per_osteoblast: float
    opg_degradation: float
    opg_maximum: float
    pth_production: float
    pth_degradation: float
    tgfb_degradation: float
    tgfb_content_of_bone: float
    tgfb_release_per_osteoclast: float

    @classmethod
    def from_set(cls, parameters: ParameterSet) -> PivonkaParameters:
        """Read the constants from a registry set of model ``pivonka``."""
        values = parameters.values()
        return cls(**{field.name: float(values[field.name]) for field in fields(cls)})


@dataclass(frozen=True)
class BoneDrive:
    """External drive of the remodelling model at one time (host state, tumour and drugs); defaults are rest.

    Parameters
    ----------
    pth_external : float
        Extra ligand of the PTH receptor, pM/day (tumour PTHrP).
    rankl_external : float
        Extra RANKL production, pM/day (oestrogen loss, inflammation, tumour IL-6 via Jagged1, integrin α5β1).
    opg_external : float
        Extra OPG production, pM/day.
    tgfb_external : float
        Extra active TGF-β production, pM/day (tumour integrin α5β1 signalling).
    opg_production_factor : float
        Multiplies osteoblastic OPG production (< 1 after menopause).
    osteoclast_apoptosis_factor : float
        Multiplies the osteoclast apoptosis rate (> 1 under zoledronic acid or oestrogen).
    rankl_neutralised : float
        Fraction of free RANKL neutralised, in [0, 1] (denosumab, OPG-Fc).
    rankl_clamp : float or None
        If set, free RANKL is held at this value (pM) whatever else happens.
    """

    pth_external: float = 0.0
    rankl_external: float = 0.0
    opg_external: float = 0.0
    tgfb_external: float = 0.0
    opg_production_factor: float = 1.0
    osteoclast_apoptosis_factor: float = 1.0
    rankl_neutralised: float = 0.0
    rankl_clamp: float | None = None


@dataclass(frozen=True)
class Ligands:
    """Quasi-steady ligand concentrations (pM) and activation functions of one state."""

    tgfb: float
    pth: float
    opg: float
    rankl: float
    matrix_tgfb_release: float
    tgfb_activation_osteoblast_progenitor: float
    tgfb_repression_osteoblast_precursor: float
    tgfb_activation_osteoclast_apoptosis: float
    rankl_activation_osteoclast_precursor: float


def ligands(state: NDArray[np.float64], p: PivonkaParameters, drive: BoneDrive = BoneDrive()) -> Ligands:
    """Return the quasi-steady ligands of ``state = (OB_p, OB_a, OC_a)`` (pM) under ``drive`` (module equations)."""
    precursors, osteoblasts, osteoclasts = (float(value) for value in state)
    release = p.tgfb_content_of_bone * p.tgfb_release_per_osteoclast * osteoclasts
    tgfb = (release + drive.tgfb_external) / p.tgfb_degradation
    pth = (p.pth_production + drive.pth_external) / p.pth_degradation
    pth_activation = pth / (pth + p.pth_activation_rankl)
    pth_repression = p.pth_repression_opg / (pth + p.pth_repression_opg)
    opg_source = drive.opg_production_factor * p.opg_production_per_osteoblast * osteoblasts * pth_repression
    opg = (opg_source + drive.opg_external) * p.opg_maximum / (opg_source + p.opg_degradation * p.opg_maximum)
    if drive.rankl_clamp is not None:
        rankl = drive.rankl_clamp
    else:
        capacity = p.rankl_per_osteoblast_precursor * precursors * pth_activation
        bound_share = 1.0 + p.rankl_opg_association * opg + p.rankl_rank_association * p.rank_concentration
        supply = (p.rankl_production + drive.rankl_external) / (p.rankl_production + p.rankl_degradation * capacity)
        rankl = (1.0 - drive.rankl_neutralised) * capacity / bound_share * supply
    rank_bound = p.rankl_rank_association * rankl * p.rank_concentration
    return Ligands(
        tgfb=tgfb,
        pth=pth,
        opg=opg,
        rankl=rankl,
        matrix_tgfb_release=release,
        tgfb_activation_osteoblast_progenitor=tgfb / (tgfb + p.tgfb_activation_osteoblast_progenitor),
        tgfb_repression_osteoblast_precursor=p.tgfb_repression_osteoblast_precursor
        / (tgfb + p.tgfb_repression_osteoblast_precursor),
        tgfb_activation_osteoclast_apoptosis=tgfb / (tgfb + p.tgfb_activation_osteoclast_apoptosis),
        rankl_activation_osteoclast_precursor=rank_bound / (rank_bound + p.rankl_activation_osteoclast_precursor),
    )


def cell_rates(state: NDArray[np.float64], p: PivonkaParameters, drive: BoneDrive = BoneDrive()) -> NDArray[np.float64]:
    """Return :math:`d(OB_p, OB_a, OC_a)/dt` in pM/day (module equations)."""
    precursors, osteoblasts, osteoclasts = (float(value) for value in state)
    q = ligands(state, p, drive)
    maturation = p.osteoblast_precursor_differentiation * precursors * q.tgfb_repression_osteoblast_precursor
    return np.array(
        [
            p.osteoblast_progenitor_differentiation * q.tgfb_activation_osteoblast_progenitor - maturation,
            maturation - p.osteoblast_apoptosis * osteoblasts,
            p.osteoclast_precursor_differentiation * q.rankl_activation_osteoclast_precursor
            - drive.osteoclast_apoptosis_factor
            * p.osteoclast_apoptosis
            * q.tgfb_activation_osteoclast_apoptosis
            * osteoclasts,
        ]
    )


def steady_state(
    p: PivonkaParameters, drive: BoneDrive = BoneDrive(), *, guess: NDArray[np.float64] | None = None
) -> NDArray[np.float64]:
    """Return the steady state ``(OB_p, OB_a, OC_a)`` (pM) under a constant drive, found by root finding.

    The search runs in log concentrations (all states are positive) from ``guess`` (default: the published steady
    state), with a residual scaled by the state so that the tolerance is relative.

    Raises
    ------
    RuntimeError
        If the root finder does not converge.
    """
    start = np.log(np.asarray(PUBLISHED_STEADY_STATE if guess is None else guess, dtype=np.float64))

    def residual(log_state: NDArray[np.float64]) -> NDArray[np.float64]:
        state = np.exp(log_state)
        return cell_rates(state, p, drive) / state

    solution = root(residual, start, method="hybr", tol=1e-13)
    if np.abs(residual(solution.x)).max() > 1e-10:
        raise RuntimeError(f"pivonka.steady_state: no steady state found ({solution.message})")
    return np.exp(solution.x)


#: The drive terms exported to SBML as constant parameters (a RANKL clamp is not exported).
DRIVE_TERMS: tuple[tuple[str, str, str], ...] = (
    ("pth_external", "picomolar / day", "Extra ligand of the PTH receptor (tumour PTHrP)"),
    ("rankl_external", "picomolar / day", "Extra RANKL production"),
    ("opg_external", "picomolar / day", "Extra OPG production"),
    ("tgfb_external", "picomolar / day", "Extra active TGF-β production"),
    ("opg_production_factor", "dimensionless", "Factor on osteoblastic OPG production"),
    ("osteoclast_apoptosis_factor", "dimensionless", "Factor on osteoclast apoptosis"),
    ("rankl_neutralised", "dimensionless", "Fraction of free RANKL neutralised"),
)


def sbml_model(
    parameters: ParameterSet, drive: BoneDrive = BoneDrive(), initial: NDArray[np.float64] | None = None
) -> SbmlOdeModel:
    """Describe the Pivonka model under a constant drive for SBML export (ligands as assignment rules).

    Parameters
    ----------
    parameters : ParameterSet
        A set of model ``pivonka``.
    drive : BoneDrive
        Constant drive; its terms become SBML parameters (``rankl_clamp`` must be ``None``).
    initial : numpy.ndarray, optional
        Initial ``(OB_p, OB_a, OC_a)`` in pM; the published steady state by default.
    """
    if drive.rankl_clamp is not None:
        raise ValueError("sbml_model: a RANKL clamp is not exported")
    start = PUBLISHED_STEADY_STATE if initial is None else tuple(float(value) for value in initial)
    derived = tuple(
        SbmlQuantity(f"initial_{name}", f"Initial {name.replace('_', ' ')}", "pM", repr(value))
        for name, value in zip(STATES, start, strict=True)
    ) + tuple(
        SbmlQuantity(name, description, unit, repr(float(getattr(drive, name))))
        for name, unit, description in DRIVE_TERMS
    )
    assignments = (
        SbmlQuantity("matrix_tgfb_release", "Matrix TGF-β release", "pM/day",
                     "tgfb_content_of_bone * tgfb_release_per_osteoclast * active_osteoclasts"),
        SbmlQuantity("tgfb", "Active TGF-β", "pM", "(matrix_tgfb_release + tgfb_external) / tgfb_degradation"),
        SbmlQuantity("pth", "PTH-receptor ligand", "pM", "(pth_production + pth_external) / pth_degradation"),
        SbmlQuantity("pth_activation", "PTH activation of RANKL", "1", "pth / (pth + pth_activation_rankl)"),
        SbmlQuantity("pth_repression", "PTH repression of OPG", "1", "pth_repression_opg / (pth + pth_repression_opg)"),
        SbmlQuantity("opg_source", "OPG production", "pM/day",
                     "opg_production_factor * opg_production_per_osteoblast * active_osteoblasts * pth_repression"),
        SbmlQuantity("opg", "OPG", "pM",
                     "(opg_source + opg_external) * opg_maximum / (opg_source + opg_degradation * opg_maximum)"),
        SbmlQuantity("rankl_capacity", "RANKL carrying capacity", "pM",
                     "rankl_per_osteoblast_precursor * osteoblast_precursors * pth_activation"),
        SbmlQuantity("rankl", "Free RANKL", "pM",
                     "(1 - rankl_neutralised) * rankl_capacity"
                     " / (1 + rankl_opg_association * opg + rankl_rank_association * rank_concentration)"
                     " * (rankl_production + rankl_external)"
                     " / (rankl_production + rankl_degradation * rankl_capacity)"),
        SbmlQuantity("rank_bound", "RANKL–RANK complex", "pM", "rankl_rank_association * rankl * rank_concentration"),
        SbmlQuantity("maturation", "Osteoblast maturation flux", "pM/day",
                     "osteoblast_precursor_differentiation * osteoblast_precursors"
                     " * tgfb_repression_osteoblast_precursor / (tgfb + tgfb_repression_osteoblast_precursor)"),
    )  # fmt: skip
    rate_rules = {
        "osteoblast_precursors": "osteoblast_progenitor_differentiation * tgfb"
        " / (tgfb + tgfb_activation_osteoblast_progenitor) - maturation",
        "active_osteoblasts": "maturation - osteoblast_apoptosis * active_osteoblasts",
        "active_osteoclasts": "osteoclast_precursor_differentiation * rank_bound"
        " / (rank_bound + rankl_activation_osteoclast_precursor)"
        " - osteoclast_apoptosis_factor * osteoclast_apoptosis * tgfb"
        " / (tgfb + tgfb_activation_osteoclast_apoptosis) * active_osteoclasts",
    }
    states = tuple(SbmlQuantity(name, name.replace("_", " "), "pM", f"initial_{name}") for name in STATES)
    return SbmlOdeModel(
        id=f"pivonka_{parameters.name}",
        name=f"Pivonka 2008 bone remodelling ({parameters.name})",
        description=f"{parameters.description} Time in days. Exported by the dormancy package.",
        parameters=tuple(parameters),
        derived=derived,
        states=states,
        rate_rules=rate_rules,
        model_sources=tuple(dict.fromkeys(key for record in parameters for key in record.source)),
        assignments=assignments,
    )


def to_sbml(
    parameters: ParameterSet, drive: BoneDrive = BoneDrive(), initial: NDArray[np.float64] | None = None
) -> str:
    """Return the SBML L3V2 document of the Pivonka model (see :func:`sbml_model`)."""
    return write_sbml(sbml_model(parameters, drive, initial))
