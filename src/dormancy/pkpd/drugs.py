r"""Drugs as declarations: compartments, routes, targets, and how registry values become rate constants.

Adding a drug takes a registry set ``pkpd_<drug>`` (model ``pkpd``; every value with unit, prior, source and
evidence) and one :class:`DrugDeclaration` in :data:`DECLARATIONS`: its compartments (sinks included), the entry
compartment and bioavailability of each route, a small function from the set's values to first-order rate
constants (1/day), volumes (L) and an optional saturable elimination, and the targets it acts on. The integrator
(:mod:`dormancy.pkpd.compartments`) is shared.

Units inside the package: time in days, amounts in mg, volumes in L, concentrations in mg/L (= µg/mL). Registry
values are stored in these units; each record's note gives the source's own number and unit.

Each drug acts on a target through an Emax/Hill function of one compartment's amount or concentration :math:`x`:

.. math::

    E(x) = E_\max \frac{x^h}{EC_{50}^h + x^h} \in [0, E_\max], \qquad E_\max \le 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import numpy as np

from dormancy.errors import InputError, Problem
from dormancy.params import ParameterSet, load_registry, registry_cache
from dormancy.pkpd.compartments import SaturableElimination, mammillary_rates, rate_matrix

MODEL_NAME = "pkpd"

#: Targets a drug can act on. Every one appears in :func:`dormancy.pkpd.target_effects` (zeros when no drug in
#: the regimen hits it).
TARGETS: tuple[str, ...] = (
    "osteoclast_apoptosis",
    "endosteal_niche",
    "rankl_neutralisation",
    "autophagy_inhibition",
    "mtor_inhibition",
    "cdk46_inhibition",
    "hdac_inhibition",
    "nr2f1_activation",
    "cxcr4_blockade",
    "il1_blockade",
    "er_signalling_blockade",
    "cycling_cell_kill",
    "mir222_223_blockade",
)

Route = Literal["iv", "sc", "oral"]
ROUTES: tuple[str, ...] = ("iv", "sc", "oral")
Measure = Literal["amount", "concentration"]

LN2 = math.log(2.0)


@dataclass(frozen=True)
class TargetEffect:
    r"""How one drug acts on one target: :math:`E = E_\max x^h / (EC_{50}^h + x^h)` of one compartment.

    Parameters
    ----------
    target : str
        One of :data:`TARGETS`.
    compartment : str
        Compartment whose amount or concentration drives the effect.
    measure : {"amount", "concentration"}
        ``amount`` (mg) or ``concentration`` (mg/L) of that compartment.
    emax : float
        Maximal effect, in (0, 1].
    ec50 : float
        Amount (mg) or concentration (mg/L) of half-maximal effect, > 0.
    hill : float
        Hill coefficient, > 0.
    """

    target: str
    compartment: str
    measure: Measure
    emax: float
    ec50: float
    hill: float

    @property
    def unit(self) -> str:
        """Unit of the driving quantity and of ``ec50``: ``mg`` or ``mg / L``."""
        return "mg" if self.measure == "amount" else "mg / L"

    def effect(self, driver: np.ndarray) -> np.ndarray:
        """Return the effect in [0, emax] for amounts or concentrations ``driver`` (negatives count as zero)."""
        x = np.clip(np.asarray(driver, dtype=np.float64), 0.0, None)
        with np.errstate(divide="ignore", over="ignore"):  # a tiny driver gives ratio inf, effect 0
            ratio = np.where(x > 0.0, (self.ec50 / np.where(x > 0.0, x, 1.0)) ** self.hill, np.inf)
        return np.where(np.isnan(x), np.nan, self.emax / (1.0 + ratio))


@dataclass(frozen=True)
class RouteEntry:
    """Where a dose given by one route goes.

    Parameters
    ----------
    compartment : str
        Entry compartment (the SC depot, the central compartment for IV).
    bioavailability : float
        Fraction of the dose that reaches it, in (0, 1].
    """

    compartment: str
    bioavailability: float


@dataclass(frozen=True)
class Drug:
    """A drug with numbers: compartments, rate constants, volumes, routes and target effects.

    Build it with :func:`load_drug` (from the registry set, or from a set with overridden or sampled values).

    Parameters
    ----------
    name : str
        Drug name (``denosumab``).
    parameter_set : str
        Registry set the numbers came from.
    description : str
        What the model represents.
    compartments : tuple of str
        Compartment names, in state order, sinks included.
    sinks : tuple of str
        Compartments that only collect eliminated drug.
    transfers : mapping of (str, str) to float
        First-order rate constants, 1/day, from the first to the second compartment of the key.
    volumes_l : mapping of str to float
        Volumes (L) of the compartments whose concentrations are reported.
    saturable : SaturableElimination or None
        Michaelis–Menten elimination, when the drug has one.
    routes : mapping of str to RouteEntry
        Allowed routes.
    default_route : str
        Route used when a schedule names none.
    targets : tuple of TargetEffect
        Effects on targets.
    constants : mapping of str to float
        Drug constants used outside PK and target effects, by symbol (:attr:`DrugDeclaration.constants`): the
        exposure of half resistance ``resistance_half_exposure`` (years) of CDK4/6 inhibitors, the maximal kill rate
        ``cycling_cell_kill_max_rate`` (1/day) of cytotoxic chemotherapy.
    """

    name: str
    parameter_set: str
    description: str
    compartments: tuple[str, ...]
    sinks: tuple[str, ...]
    transfers: Mapping[tuple[str, str], float]
    volumes_l: Mapping[str, float]
    saturable: SaturableElimination | None
    routes: Mapping[str, RouteEntry]
    default_route: str
    targets: tuple[TargetEffect, ...]
    constants: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    rate_matrix: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        matrix = rate_matrix(self.compartments, self.transfers)
        matrix.setflags(write=False)
        object.__setattr__(self, "rate_matrix", matrix)

    @property
    def is_linear(self) -> bool:
        """Whether all elimination is first order (then superposition holds and integration is exact)."""
        return self.saturable is None


@dataclass(frozen=True)
class Kinetics:
    """What a declaration's ``kinetics`` function returns from the set's values.

    Parameters
    ----------
    transfers : mapping of (str, str) to float
        First-order rate constants, 1/day.
    volumes_l : mapping of str to float
        Volumes of compartments with reported concentrations, L.
    saturable : SaturableElimination or None
        Optional Michaelis–Menten elimination.
    """

    transfers: Mapping[tuple[str, str], float]
    volumes_l: Mapping[str, float]
    saturable: SaturableElimination | None = None


@dataclass(frozen=True)
class TargetDeclaration:
    """A target effect by parameter symbols (resolved into a :class:`TargetEffect` by :func:`load_drug`)."""

    target: str
    compartment: str
    measure: Measure
    emax: str
    ec50: str
    hill: str


@dataclass(frozen=True)
class DrugDeclaration:
    """Everything drug-specific except the numbers, which live in the registry set.

    Parameters
    ----------
    name : str
        Drug name used in schedules.
    parameter_set : str
        Registry set with the drug's values.
    compartments : tuple of str
        Compartments in state order, sinks included.
    sinks : tuple of str
        The sink compartments.
    routes : mapping of str to (str, str or None)
        Route → (entry compartment, bioavailability symbol; None means complete).
    default_route : str
        Route used when none is given.
    kinetics : callable
        ``kinetics(values) -> Kinetics`` from the set's ``{symbol: value}``.
    targets : tuple of TargetDeclaration
        Target effects.
    constants : tuple of str
        Symbols of other constants the drug carries (see :attr:`Drug.constants`).
    """

    name: str
    parameter_set: str
    compartments: tuple[str, ...]
    sinks: tuple[str, ...]
    routes: Mapping[str, tuple[str, str | None]]
    default_route: str
    kinetics: Callable[[Mapping[str, float]], Kinetics]
    targets: tuple[TargetDeclaration, ...]
    constants: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------------------------
# Zoledronic acid


def zoledronic_acid_kinetics(v: Mapping[str, float]) -> Kinetics:
    r"""Rate constants of zoledronic acid from its triphasic plasma disposition and its bone-bound pool.

    The plasma amount after an IV bolus :math:`D` is :math:`D(w_\alpha e^{-\alpha t} + w_\beta e^{-\beta t} +
    w_\gamma e^{-\gamma t})` with the label's half-lives (Zometa label §12.3: 0.24 h, 1.87 h, 146 h). It is
    realised as a three-compartment mammillary model (:func:`~dormancy.pkpd.compartments.mammillary_rates`):
    plasma exchanging with a fast and a slowly exchanging peripheral compartment (the slow one is drug reversibly
    held at bone surfaces, released over days to weeks: the label's γ phase). The elimination from plasma
    :math:`k_{10}` is split into renal excretion :math:`(1 - f) k_{10}` and uptake into a bone-bound pool
    :math:`f k_{10}`, so a fraction :math:`f` of every dose is eventually bound in bone. The bound pool is released
    with half-life :math:`t_{1/2,\mathrm{bone}}`; released drug is taken as excreted (re-uptake neglected, so the
    parameter is the net bone elimination half-life). The plasma volume follows from renal clearance:
    :math:`V = CL_R / ((1 - f) k_{10})`.
    """
    weights = (
        1.0 - v["plasma_weight_beta"] - v["plasma_weight_gamma"],
        v["plasma_weight_beta"],
        v["plasma_weight_gamma"],
    )
    half_lives = (v["plasma_half_life_alpha"], v["plasma_half_life_beta"], v["plasma_half_life_gamma"])
    rates = mammillary_rates(half_lives, weights)
    elimination = rates["elimination"]
    (to_fast, to_slow), (from_fast, from_slow) = rates["outflows"], rates["returns"]
    to_bone = v["fraction_to_bone"] * elimination
    renal = (1.0 - v["fraction_to_bone"]) * elimination
    return Kinetics(
        transfers={
            ("plasma", "fast_peripheral"): to_fast,
            ("fast_peripheral", "plasma"): from_fast,
            ("plasma", "slow_peripheral"): to_slow,
            ("slow_peripheral", "plasma"): from_slow,
            ("plasma", "bone_bound"): to_bone,
            ("plasma", "urine"): renal,
            ("bone_bound", "released_from_bone"): LN2 / v["bone_half_life"],
        },
        volumes_l={"plasma": v["renal_clearance"] / renal},
    )


ZOLEDRONIC_ACID = DrugDeclaration(
    name="zoledronic_acid",
    parameter_set="pkpd_zoledronic_acid",
    compartments=("plasma", "fast_peripheral", "slow_peripheral", "bone_bound", "urine", "released_from_bone"),
    sinks=("urine", "released_from_bone"),
    routes={"iv": ("plasma", None)},
    default_route="iv",
    kinetics=zoledronic_acid_kinetics,
    targets=(
        TargetDeclaration(
            "osteoclast_apoptosis",
            "bone_bound",
            "amount",
            "osteoclast_apoptosis_emax",
            "osteoclast_apoptosis_ec50",
            "osteoclast_apoptosis_hill",
        ),
        TargetDeclaration(
            "endosteal_niche",
            "bone_bound",
            "amount",
            "endosteal_niche_emax",
            "endosteal_niche_ec50",
            "endosteal_niche_hill",
        ),
    ),
)


# ---------------------------------------------------------------------------------------------------------------
# Denosumab


def denosumab_kinetics(v: Mapping[str, float]) -> Kinetics:
    r"""Rate constants of denosumab: SC depot → central ↔ peripheral, linear and target-mediated elimination.

    As in OpenBoneMin (Peterson & Riggs 2010; denosumab PK from Peterson et al. 2004):

    .. math::

        \dot A_d = -k_a A_d, \quad
        \dot A_c = k_a A_d - \frac{Q + CL}{V_c} A_c + \frac{Q}{V_p} A_p - \frac{V_\max C}{K_m + C}, \quad
        \dot A_p = \frac{Q}{V_c} A_c - \frac{Q}{V_p} A_p, \quad C = A_c / V_c.
    """
    central, peripheral = v["central_volume"], v["peripheral_volume"]
    flow = v["intercompartmental_clearance"]
    return Kinetics(
        transfers={
            ("depot", "central"): v["absorption_rate"],
            ("central", "peripheral"): flow / central,
            ("peripheral", "central"): flow / peripheral,
            ("central", "eliminated_linear"): v["linear_clearance"] / central,
        },
        volumes_l={"central": central, "peripheral": peripheral},
        saturable=SaturableElimination(
            source="central",
            sink="eliminated_target_mediated",
            vmax_mg_per_day=v["target_mediated_vmax"],
            km_mg_per_l=v["target_mediated_km"],
            volume_l=central,
        ),
    )


DENOSUMAB = DrugDeclaration(
    name="denosumab",
    parameter_set="pkpd_denosumab",
    compartments=("depot", "central", "peripheral", "eliminated_linear", "eliminated_target_mediated"),
    sinks=("eliminated_linear", "eliminated_target_mediated"),
    routes={"sc": ("depot", "bioavailability"), "iv": ("central", None)},
    default_route="sc",
    kinetics=denosumab_kinetics,
    targets=(
        TargetDeclaration(
            "rankl_neutralisation",
            "central",
            "concentration",
            "rankl_neutralisation_emax",
            "rankl_neutralisation_ic50",
            "rankl_neutralisation_hill",
        ),
    ),
)


# ---------------------------------------------------------------------------------------------------------------
# OPG-Fc


def opg_fc_kinetics(v: Mapping[str, float]) -> Kinetics:
    r"""Rate constants of OPG-Fc: one compartment with first-order SC absorption and elimination.

    :math:`\dot A_d = -k_a A_d`, :math:`\dot A_c = k_a A_d - (\ln 2 / t_{1/2}) A_c`, :math:`C = A_c / V`.
    """
    return Kinetics(
        transfers={
            ("depot", "central"): v["absorption_rate"],
            ("central", "eliminated"): LN2 / v["elimination_half_life"],
        },
        volumes_l={"central": v["volume"]},
    )


OPG_FC = DrugDeclaration(
    name="opg_fc",
    parameter_set="pkpd_opg_fc",
    compartments=("depot", "central", "eliminated"),
    sinks=("eliminated",),
    routes={"sc": ("depot", "bioavailability"), "iv": ("central", None)},
    default_route="sc",
    kinetics=opg_fc_kinetics,
    targets=(
        TargetDeclaration(
            "rankl_neutralisation",
            "central",
            "concentration",
            "rankl_neutralisation_emax",
            "rankl_neutralisation_ic50",
            "rankl_neutralisation_hill",
        ),
    ),
)


# ---------------------------------------------------------------------------------------------------------------
# Therapies of issue 7 (sets generated by tools/make_therapy_parameters.py)


def one_compartment_kinetics(v: Mapping[str, float]) -> Kinetics:
    r"""Rate constants of a one-compartment drug, with first-order absorption when it has a depot route.

    :math:`\dot A_d = -k_a A_d`, :math:`\dot A_c = k_a A_d - (\ln 2 / t_{1/2}) A_c`, :math:`C = A_c / V`
    (without ``absorption_rate`` only the central compartment and elimination; without ``volume`` amounts only).
    """
    transfers = {("central", "eliminated"): LN2 / v["elimination_half_life"]}
    if "absorption_rate" in v:
        transfers[("depot", "central")] = v["absorption_rate"]
    return Kinetics(transfers=transfers, volumes_l={"central": v["volume"]} if "volume" in v else {})


def _therapy(
    name: str,
    targets: tuple[str, ...],
    *,
    routes: Mapping[str, tuple[str, str | None]],
    measure: Measure = "concentration",
    constants: tuple[str, ...] = (),
    parameter_set: str | None = None,
) -> DrugDeclaration:
    """Declare a one-compartment therapy whose target effects all follow the central compartment."""
    return DrugDeclaration(
        name=name,
        parameter_set=parameter_set or f"pkpd_{name}",
        compartments=("depot", "central", "eliminated"),
        sinks=("eliminated",),
        routes=routes,
        default_route=next(iter(routes)),
        kinetics=one_compartment_kinetics,
        targets=tuple(
            TargetDeclaration(target, "central", measure, f"{target}_emax", f"{target}_ec50", f"{target}_hill")
            for target in targets
        ),
        constants=constants,
    )


_ORAL = {"oral": ("depot", "bioavailability")}
_SC = {"sc": ("depot", "bioavailability")}
_CDK = ("resistance_half_exposure",)
THERAPIES: tuple[DrugDeclaration, ...] = (
    _therapy("hydroxychloroquine", ("autophagy_inhibition",), routes=_ORAL),
    _therapy("everolimus", ("mtor_inhibition",), routes=_ORAL),
    _therapy("palbociclib", ("cdk46_inhibition",), routes=_ORAL, constants=_CDK),
    _therapy("abemaciclib", ("cdk46_inhibition",), routes=_ORAL, constants=_CDK),
    _therapy("ribociclib", ("cdk46_inhibition",), routes=_ORAL, constants=_CDK),
    _therapy("entinostat", ("hdac_inhibition",), routes=_ORAL),
    _therapy("nr2f1_agonist_c26", ("nr2f1_activation",), routes=_ORAL),
    _therapy("plerixafor", ("cxcr4_blockade",), routes=_SC),
    _therapy("canakinumab", ("il1_blockade",), routes=_SC),
    _therapy("anakinra", ("il1_blockade",), routes=_SC),
    _therapy(
        "docetaxel", ("cycling_cell_kill",), routes={"iv": ("central", None)}, constants=("cycling_cell_kill_max_rate",)
    ),
    _therapy("tamoxifen", ("er_signalling_blockade",), routes=_ORAL),
    _therapy("letrozole", ("er_signalling_blockade",), routes=_ORAL),
    _therapy(
        "antagomir_msc", ("mir222_223_blockade",), routes={"iv": ("central", "bioavailability")}, measure="amount"
    ),
)

#: Every drug the package knows, by name.
DECLARATIONS: Mapping[str, DrugDeclaration] = MappingProxyType(
    {declaration.name: declaration for declaration in (ZOLEDRONIC_ACID, DENOSUMAB, OPG_FC, *THERAPIES)}
)

#: Drug names accepted in schedules.
DRUG_NAMES: tuple[str, ...] = tuple(DECLARATIONS)


def declaration(name: str, *, where: str = "drug") -> DrugDeclaration:
    """Return the declaration of drug ``name``; raise :class:`~dormancy.errors.InputError` naming ``where``."""
    try:
        return DECLARATIONS[name]
    except KeyError:
        raise InputError([Problem(where, f"one of {', '.join(DRUG_NAMES)}", repr(name))]) from None


def load_drug(name: str, *, parameters: ParameterSet | None = None) -> Drug:
    """Return the drug with its numbers, from its registry set or from the given set.

    Parameters
    ----------
    name : str
        One of :data:`DRUG_NAMES`.
    parameters : ParameterSet, optional
        A set of model ``pkpd`` with the drug's symbols, e.g. the registry set with overridden or sampled values
        (:meth:`~dormancy.params.ParameterSet.with_values`, :meth:`~dormancy.params.ParameterSet.sample`).
        Default: the registry set ``pkpd_<name>``.

    Returns
    -------
    Drug
        Frozen; rate constants per day, volumes in L.

    Raises
    ------
    InputError
        For an unknown drug name.
    ValueError
        When the set lacks a symbol or its values give no valid model.
    """
    declared = declaration(name)
    if parameters is None:
        return _registry_drug(name)
    return _build(declared, parameters)


@registry_cache  # derived from registry values: one entry per registry override
def _registry_drug(name: str) -> Drug:
    declared = DECLARATIONS[name]
    return _build(declared, load_registry().sets[declared.parameter_set])


def _build(declared: DrugDeclaration, parameters: ParameterSet) -> Drug:
    if parameters.model != MODEL_NAME:
        raise ValueError(f"set {parameters.name!r} parameterises model {parameters.model!r}, not {MODEL_NAME!r}")
    values = parameters.values()
    try:
        kinetics = declared.kinetics(values)
        routes = {
            route: RouteEntry(entry, 1.0 if symbol is None else values[symbol])
            for route, (entry, symbol) in declared.routes.items()
        }
        targets = tuple(
            TargetEffect(t.target, t.compartment, t.measure, values[t.emax], values[t.ec50], values[t.hill])
            for t in declared.targets
        )
        constants = {symbol: values[symbol] for symbol in declared.constants}
    except KeyError as missing:
        raise ValueError(f"set {parameters.name!r} has no symbol {missing} needed by drug {declared.name!r}") from None
    for target in targets:
        if target.target not in TARGETS or not (0 < target.emax <= 1 and target.ec50 > 0 and target.hill > 0):
            raise ValueError(f"{declared.name}: invalid target effect {target}")
    for route, entry in routes.items():
        if route not in ROUTES or not 0 < entry.bioavailability <= 1:
            raise ValueError(f"{declared.name}: invalid route {route!r} or bioavailability {entry.bioavailability}")
    return Drug(
        name=declared.name,
        parameter_set=parameters.name,
        description=parameters.description,
        compartments=declared.compartments,
        sinks=declared.sinks,
        transfers=MappingProxyType(dict(kinetics.transfers)),
        volumes_l=MappingProxyType(dict(kinetics.volumes_l)),
        saturable=kinetics.saturable,
        routes=MappingProxyType(routes),
        default_route=declared.default_route,
        targets=targets,
        constants=MappingProxyType(constants),
    )
