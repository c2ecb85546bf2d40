r"""The bone over a lifetime: remodelling driven by the host, a tumour (the vicious cycle) and bone-targeted drugs.

States: the Pivonka cells (pM, :mod:`dormancy.bone.pivonka`), bone volume :math:`BV` (% of the start) and the
tumour burden :math:`T` of the site (fraction of its carrying capacity). Time in days.

**Host** (:mod:`dormancy.bone.host`): oestrogen deficiency :math:`D = 1 - E` raises RANKL production, lowers OPG
production and osteoclast apoptosis; inflammation :math:`I` (IL-1β, IL-6) raises RANKL production:

.. math::

    P_{RANKL} \mathrel{+}= \beta_{RANKL} (g_E D + g_I I), \quad f_{OPG} = 1 - h_E D, \quad
    f_{apo} = (1 - a_E D)(1 + z_{max} Z_{apo}(t)).

**Vicious cycle** (review Fig. 4, [148, 149, 153, 155]): tumour PTHrP acts on the PTH receptor, tumour Jagged1
drives osteoblastic IL-6 and so RANKL, integrin α5β1 drives TGF-β and RANKL secretion; matrix TGF-β released by
resorption (:math:`\alpha k_{res} OC_a`) drives tumour proliferation:

.. math::

    P_{PTH} = \rho_{PTHrP} T, \quad P_{RANKL} \mathrel{+}= (\rho_{IL6} + \rho_{int,RANKL}) T, \quad
    P_{TGF\beta} = \rho_{int,TGF\beta} T \\
    \frac{dT}{dt} = T (1 - T) \Big[r_{max}\big(b + (1 - b)\frac{TGF\beta}{TGF\beta + K_T}\big) - \delta\Big].

At rest the net rate is negative (niche and immune control), so a small tumour shrinks; the PTHrP → RANKL →
osteoclast → TGF-β loop raises the net rate with the burden, so above a threshold burden it turns positive and
bone loss and tumour growth accelerate each other.

**Bone volume**: :math:`dBV/dt = (BV/100)(k_{form} OB_a - k_{res,BV} OC_a)` (remodelling works on the bone
surface, taken proportional to the volume, so a lasting imbalance loses a constant fraction per year) with
:math:`k_{form} = \theta \cdot 100 / OB_a^*`, :math:`k_{res,BV} = \theta \cdot 100 / OC_a^*` (θ the yearly turnover
per day, * the rest steady state), so remodelling balances at rest and any imbalance costs bone at a realistic rate.

**Drugs** (targets of :mod:`dormancy.pkpd`): ``osteoclast_apoptosis`` :math:`Z_{apo}` (zoledronic acid) as above;
``rankl_neutralisation`` (denosumab, OPG-Fc) neutralises that fraction of free RANKL; ``endosteal_niche``
(zoledronic acid, RANKL-independent [19, 98–100]) lowers the osteoclast-derived signal the DTCs read by the
fraction :math:`w_Z Z_{niche}`.

**Niche signals** for the switch (inputs in [0, 1]; :func:`dormancy.bone.marrow.marrow_signals`, the one place they
are computed): a ratio :math:`r` to rest maps to :math:`r/(r + (1 - s_0)/s_0)`, equal to the documented rest level
:math:`s_0` at :math:`r = 1`: TGF-β2 and BMP7 from the niche's osteoblast-lineage cells (resident and
remodelling, made more with oestrogen: Finkelman 1992), TGF-β1 from the matrix TGF-β, osteoclast-derived factors
from active osteoclasts (times :math:`1 - w_Z Z_{niche}`); IL-1β is :math:`I`; oestrogen signalling is
:math:`e_0 E`. The drive is :func:`dormancy.bone.marrow.bone_drive`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from types import MappingProxyType

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from dormancy._version import __version__
from dormancy.bone import host as host_model
from dormancy.bone.marrow import bone_drive, marrow_signals
from dormancy.bone.pivonka import BoneDrive, PivonkaParameters, cell_rates, ligands, steady_state
from dormancy.ode import SaveTimes, SolverSettings, integrate
from dormancy.params import ParameterSet, load_registry
from dormancy.provenance import git_commit
from dormancy.results import Status

MODEL_NAME = "bone_lifetime"
DRUG_TARGETS: tuple[str, ...] = ("osteoclast_apoptosis", "endosteal_niche", "rankl_neutralisation")
NICHE_SIGNALS: tuple[str, ...] = ("TGFB2", "BMP7", "TGFB1", "OSTEOCLAST_FACTORS", "IL1B", "ESTROGEN")
STATE_NAMES: tuple[str, ...] = (
    "osteoblast_precursors",
    "active_osteoblasts",
    "active_osteoclasts",
    "bone_volume",
    "tumour_burden",
)


@dataclass(frozen=True)
class CouplingParameters:
    """Host, tumour, drug and niche-signal constants (the ``bone_lifetime`` registry set)."""

    oestrogen_rankl_gain: float
    oestrogen_opg_loss: float
    oestrogen_osteoclast_apoptosis_loss: float
    inflammation_rankl_gain: float
    bone_turnover_per_year: float
    tumour_max_proliferation: float
    tumour_basal_proliferation_fraction: float
    tumour_death: float
    tumour_tgfb_half_activation: float
    pthrp_production: float
    jagged1_il6_rankl_production: float
    integrin_rankl_production: float
    integrin_tgfb_production: float
    zoledronic_max_apoptosis_fold: float
    zoledronic_niche_weight: float
    rest_tgfb2_signal: float
    rest_bmp7_signal: float
    rest_tgfb1_signal: float
    rest_osteoclast_factor_signal: float
    premenopausal_estrogen_signal: float
    remodelling_osteoblast_signal_fraction: float
    osteoblast_tgfb_oestrogen_fold: float
    stromal_bmp_oestrogen_fold: float

    @classmethod
    def from_set(cls, parameters: ParameterSet) -> CouplingParameters:
        """Read the constants from a registry set of model ``bone_lifetime``."""
        values = parameters.values()
        return cls(**{field.name: float(values[field.name]) for field in fields(cls)})


@dataclass(frozen=True)
class DrugExposure:
    """Drug target effects over time, as :func:`dormancy.pkpd.target_effects` returns them.

    Parameters
    ----------
    times_days : numpy.ndarray
        Increasing times, days.
    effects : mapping of str to numpy.ndarray
        Target name to effect in [0, 1] at each time; missing targets are 0. Linearly interpolated between times
        and held constant outside them.
    """

    times_days: NDArray[np.float64]
    effects: Mapping[str, NDArray[np.float64]]

    def at(self, day: float) -> dict[str, float]:
        """Return every target's effect at ``day``."""
        return {
            target: float(np.interp(day, self.times_days, self.effects[target])) if target in self.effects else 0.0
            for target in DRUG_TARGETS
        }


NO_DRUGS = DrugExposure(np.array([0.0]), MappingProxyType({}))
DEFAULT_HOST = host_model.HostProfile()
#: Integrator of :func:`simulate_bone`: steps of at most a day, so that no dose is stepped over.
DEFAULT_SOLVER = SolverSettings(method="LSODA", rtol=1e-8, atol=1e-14, max_step=1.0)


@dataclass(frozen=True)
class BoneModel:
    """Everything that defines a lifetime bone run except its length and output grid.

    Parameters
    ----------
    remodelling : PivonkaParameters
        The remodelling constants.
    host_parameters : HostParameters
        Constants of the host model.
    coupling : CouplingParameters
        Host, tumour, drug and niche-signal constants.
    host : HostProfile
        The person.
    initial_tumour_burden : float
        Tumour burden at the start, fraction of the site's capacity (0: no tumour).
    drugs : DrugExposure
        Bone-targeted drug effects.
    rankl_clamp : float or None
        Hold free RANKL at this value (pM) throughout (in-silico clamp).
    """

    remodelling: PivonkaParameters
    host_parameters: host_model.HostParameters
    coupling: CouplingParameters
    host: host_model.HostProfile = DEFAULT_HOST
    initial_tumour_burden: float = 0.0
    drugs: DrugExposure = NO_DRUGS
    rankl_clamp: float | None = None

    @classmethod
    def default(cls, **overrides: object) -> BoneModel:
        """Build the model from the registry sets ``pivonka2008``, ``host_lifetime`` and ``bone_lifetime``."""
        sets = load_registry().sets
        base = {
            "remodelling": PivonkaParameters.from_set(sets["pivonka2008"]),
            "host_parameters": host_model.HostParameters.from_set(sets["host_lifetime"]),
            "coupling": CouplingParameters.from_set(sets["bone_lifetime"]),
        }
        return cls(**{**base, **overrides})  # type: ignore[arg-type]


def drive_at(model: BoneModel, day: float, tumour_burden: float) -> tuple[BoneDrive, dict[str, float]]:
    """Return the remodelling drive and the drug effects at ``day`` for the given tumour burden (module equations)."""
    deficiency = 1.0 - float(host_model.oestrogen(model.host, model.host_parameters, day))
    inflamed = float(host_model.inflammation(model.host, model.host_parameters, day))
    drugs = model.drugs.at(day)
    drive = bone_drive(
        model.remodelling,
        dataclasses.asdict(model.coupling),
        deficiency=deficiency,
        inflamed=inflamed,
        burden=tumour_burden,
        drugs=drugs,
        rankl_clamp=model.rankl_clamp,
    )
    return drive, drugs


def _bone_volume_rates(model: BoneModel) -> tuple[float, float, NDArray[np.float64]]:
    rest = steady_state(model.remodelling)
    per_day = model.coupling.bone_turnover_per_year / host_model.DAYS_PER_YEAR * 100.0
    return per_day / rest[1], per_day / rest[2], rest


def make_rhs(model: BoneModel):
    """Return ``rhs(t, y)`` of the lifetime system, y = (OB_p, OB_a, OC_a, BV, T), per day."""
    formation, resorption, _ = _bone_volume_rates(model)
    c = model.coupling

    def rhs(t: float, y: NDArray[np.float64]) -> NDArray[np.float64]:
        cells, burden = y[:3], y[4]
        drive, _ = drive_at(model, t, burden)
        cell_change = cell_rates(cells, model.remodelling, drive)
        tgfb = ligands(cells, model.remodelling, drive).tgfb
        proliferation = c.tumour_max_proliferation * (
            c.tumour_basal_proliferation_fraction
            + (1.0 - c.tumour_basal_proliferation_fraction) * tgfb / (tgfb + c.tumour_tgfb_half_activation)
        )
        return np.array(
            [
                *cell_change,
                y[3] / 100.0 * (formation * cells[1] - resorption * cells[2]),
                burden * (1.0 - burden) * (proliferation - c.tumour_death),
            ]
        )

    return rhs


def simulate_bone(
    model: BoneModel,
    *,
    years: float,
    save_every_days: float = 7.0,
    solver: SolverSettings = DEFAULT_SOLVER,
) -> xr.Dataset:
    """Run the lifetime bone model and return states, ligands and niche signals over time.

    The run starts at the steady state of the drive at day 0 (the person's remodelling balance at that age and
    hormonal state), with bone volume 100 % and the given tumour burden.

    Parameters
    ----------
    model : BoneModel
        The model, person, tumour and drugs.
    years : float
        Length of the run, years.
    save_every_days : float
        Output spacing, days.
    solver : SolverSettings
        Integrator; ``max_step`` keeps it from stepping over a dose.

    Returns
    -------
    xarray.Dataset
        Dimension ``time`` (days; coordinate ``age`` in years). Variables: the states (pM, %, fraction), ``rankl``,
        ``opg``, ``pth``, ``tgfb`` (pM), ``matrix_tgfb_release`` (pM/day), ``oestrogen``, ``inflammation``, the
        drug effects ``drug_<target>`` and the niche signals ``signal_<NAME>`` in [0, 1]. Attributes: ``status``
        (an :class:`~dormancy.results.Status` value) and ``message`` (nothing raises for a numerical failure), and
        provenance: package version, git commit, creation time, the host, tumour, clamp and every constant used.
    """
    _, _, rest = _bone_volume_rates(model)
    start_drive, _ = drive_at(model, 0.0, model.initial_tumour_burden)
    start_cells = steady_state(model.remodelling, start_drive, guess=rest)
    initial = np.array([*start_cells, 100.0, model.initial_tumour_burden])
    trajectory = integrate(
        make_rhs(model),
        initial,
        solver=solver,
        save=SaveTimes(t_end=years * host_model.DAYS_PER_YEAR, dt=save_every_days),
    )
    return _dataset(model, trajectory.time, trajectory.states, rest, trajectory.status, trajectory.message)


def _dataset(
    model: BoneModel,
    times: NDArray[np.float64],
    states: NDArray[np.float64],
    rest: NDArray[np.float64],
    status: Status,
    message: str,
) -> xr.Dataset:
    c, p = model.coupling, model.remodelling
    rest_tgfb = ligands(rest, p).tgfb
    derived: dict[str, list[float]] = {
        name: []
        for name in ("rankl", "opg", "pth", "tgfb", "matrix_tgfb_release", *(f"drug_{t}" for t in DRUG_TARGETS))
    }
    for index, day in enumerate(times):
        if not np.all(np.isfinite(states[:, index])):
            for values in derived.values():
                values.append(np.nan)
            continue
        drive, drugs = drive_at(model, float(day), float(states[4, index]))
        q = ligands(states[:3, index], p, drive)
        for name in ("rankl", "opg", "pth", "tgfb", "matrix_tgfb_release"):
            derived[name].append(getattr(q, name))
        for target in DRUG_TARGETS:
            derived[f"drug_{target}"].append(drugs[target])
    oestrogen = host_model.oestrogen(model.host, model.host_parameters, times)
    inflamed = host_model.inflammation(model.host, model.host_parameters, times)
    tgfb = np.asarray(derived["tgfb"])
    niche_effect = np.asarray(derived["drug_endosteal_niche"])
    deficiency = 1.0 - oestrogen
    signals = marrow_signals(
        osteoblast_fold=states[1] / rest[1],
        osteoclast_fold=states[2] / rest[2],
        tgfb_fold=tgfb / rest_tgfb,
        deficiency=deficiency,
        coupling=dataclasses.asdict(c),
        rest_levels={
            "TGFB2": c.rest_tgfb2_signal,
            "BMP7": c.rest_bmp7_signal,
            "TGFB1": c.rest_tgfb1_signal,
            "OSTEOCLAST_FACTORS": c.rest_osteoclast_factor_signal,
        },
        niche_effect=niche_effect,
    )
    signals |= {"IL1B": inflamed, "ESTROGEN": c.premenopausal_estrogen_signal * oestrogen}
    variables = {name: ("time", states[i]) for i, name in enumerate(STATE_NAMES)}
    variables |= {name: ("time", np.asarray(values)) for name, values in derived.items()}
    variables |= {"oestrogen": ("time", oestrogen), "inflammation": ("time", inflamed)}
    variables |= {f"signal_{name}": ("time", values) for name, values in signals.items()}
    dataset = xr.Dataset(
        variables,
        coords={"time": ("time", times, {"units": "day"}), "age": ("time", host_model.age_at(model.host, times))},
    )
    dataset.attrs.update(
        {
            "status": str(status),
            "message": message,
            "model": "dormancy.bone.lifetime (Pivonka 2008 remodelling + host + vicious cycle + drug targets)",
            "dormancy_version": __version__,
            "git_commit": git_commit() or "unknown",
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "host": json.dumps(dataclasses.asdict(model.host)),
            "initial_tumour_burden": model.initial_tumour_burden,
            "rankl_clamp_pM": "none" if model.rankl_clamp is None else model.rankl_clamp,
            "drug_targets_with_effect": ", ".join(
                target for target in DRUG_TARGETS if np.any(np.asarray(model.drugs.effects.get(target, 0.0)) > 0)
            )
            or "none",
            "parameters": json.dumps(
                {
                    "remodelling": dataclasses.asdict(model.remodelling),
                    "host": dataclasses.asdict(model.host_parameters),
                    "coupling": dataclasses.asdict(model.coupling),
                }
            ),
        }
    )
    for name, unit in (
        ("osteoblast_precursors", "pM"),
        ("active_osteoblasts", "pM"),
        ("active_osteoclasts", "pM"),
        ("bone_volume", "percent of start"),
        ("tumour_burden", "fraction of site capacity"),
        ("rankl", "pM"),
        ("opg", "pM"),
        ("pth", "pM"),
        ("tgfb", "pM"),
        ("matrix_tgfb_release", "pM / day"),
    ):
        dataset[name].attrs["units"] = unit
    return dataset
