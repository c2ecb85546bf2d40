r"""Single-cell fate rates in each niche over the host's state: the bone's niche signals fed to the switch.

Running the bone ODE and the switch per patient is too slow for a million patients, so both are tabulated once
over the host state and interpolated (bilinearly) inside the patient kernel:

1. **Bone niche signals** over oestrogen deficiency :math:`D = 1 - E` and chronic inflammation :math:`I` (both in
   [0, 1]): the Pivonka steady state under the host drive of :mod:`dormancy.bone.lifetime`
   (:math:`P_{RANKL} = \beta_{RANKL}(g_E D + g_I I)`, :math:`f_{OPG} = 1 - h_E D`, :math:`f_{apo} = 1 - a_E D`)
   and the signals it gives a DTC, a ratio :math:`r` to rest mapping to :math:`r/(r + (1 - s_0)/s_0)` (TGF-β2 and
   BMP7 from active osteoblasts, TGF-β1 from matrix TGF-β, osteoclast factors from active osteoclasts). Remodelling
   is fast (weeks) against the monthly patient step, so the quasi-steady state is used.
2. **Niche inputs**: niche ``k`` reads its own levels plus the weighted bone signals,
   :math:`u = \min(1, u_k + w_k s_{bone})`; IL-1β is :math:`I`; ER signalling is
   :math:`e_0 E (1 - E_{endo})` in ER+ cells (:math:`E_{endo}` while on endocrine therapy) and 0 in ER− cells.
3. **Switch**: the steady states from a dormant start (``TGFB2`` preparation) and from a proliferating start
   (``TGFB1``) under those inputs, with :func:`dormancy.signalling.fate_rates`. The dormant branch gives the
   awakening propensity (quiescence exit rate) and the survival of dormant cells (apoptosis rate); the proliferating
   branch gives the fate of an awakened cell (proliferation, apoptosis, re-entry, PD-L1 immune evasion) and whether a
   cell arriving proliferating stays awake. (:func:`dormancy.signalling.fate_surface` tabulates a Cartesian grid of
   inputs; here the inputs vary together along the host-state grid, so the same steady states and fate rates are
   computed on that grid directly.)
4. **Vicious cycle**: a bone focus's Gompertz rate is multiplied by the bone model's TGF-β-driven tumour
   proliferation :math:`b + (1 - b)\,TGF\beta/(TGF\beta + K_T)` at its burden (PTHrP → RANKL → osteoclasts → TGF-β;
   :mod:`dormancy.bone.lifetime`) over its value at rest, tabulated over :math:`D`, :math:`I` and log burden.

Tables are cached in memory and, optionally, on disk under a hash of every value they depend on.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

from dormancy.atomic import atomic_file
from dormancy.bone.pivonka import BoneDrive, PivonkaParameters, cell_rates, ligands, steady_state
from dormancy.params import ParameterSet, load_registry
from dormancy.patients.parameters import NICHE_NAMES, SET_NAME
from dormancy.signalling import (
    DORMANT_PREPARATION,
    PROLIFERATING_PREPARATION,
    SwitchModel,
    fate_rates,
    is_dormant,
    steady_states,
)

#: Years the bone is integrated where its steady state cannot be found (:func:`vicious_factor`): remodelling
#: relaxes over weeks to months, so 50 years settles any bounded state.
SETTLE_YEARS = 50.0
#: A bone cell population beyond this multiple of rest counts as a runaway vicious cycle.
RUNAWAY_FOLD = 1e6

#: Columns of the rate table (last axis of :attr:`NicheTables.rates`).
RATE_FIELDS: tuple[str, ...] = (
    "log_exit_ratio",
    "apoptosis_ratio",
    "proliferation_rate",
    "apoptosis_rate",
    "reentry_rate",
    "immune_evasion",
    "awake_on_arrival",
)
BONE_SIGNALS: tuple[str, ...] = ("TGFB2", "BMP7", "TGFB1", "OSTEOCLAST_FACTORS")
GRID_POINTS = 9
BURDEN_LOG10 = np.linspace(-8.0, 0.0, 17)
_MEMORY: dict[str, NicheTables] = {}


@dataclass(frozen=True)
class NicheTables:
    """Tabulated single-cell rates and the vicious-cycle growth factor.

    Parameters
    ----------
    deficiency, inflammation : numpy.ndarray
        Grid of oestrogen deficiency :math:`D` and inflammation :math:`I`, each in [0, 1].
    rates : numpy.ndarray
        ``(2 ER status [neg, pos], 2 endocrine [off, on], 5 niches, D, I, fields)``: :data:`RATE_FIELDS`:
        log of the dormant-branch quiescence exit rate over the reference (ER− endosteal at D = I = 0), the
        dormant-branch apoptosis rate over its reference, then the proliferating branch's proliferation,
        apoptosis and re-entry rates (per day), PD-L1 immune evasion (0–1) and whether a cell arriving
        proliferating stays awake (0 or 1).
    burden_log10 : numpy.ndarray
        Grid of log10 bone tumour burden (fraction of site capacity).
    vicious_factor : numpy.ndarray
        ``(D, I, burden)``: growth factor of a bone focus (1 at rest, no tumour).
    key : str
        Hash of everything the tables depend on.
    """

    deficiency: NDArray[np.float64]
    inflammation: NDArray[np.float64]
    rates: NDArray[np.float64]
    burden_log10: NDArray[np.float64]
    vicious_factor: NDArray[np.float64]
    key: str


def niche_signal(ratio: NDArray[np.float64] | float, rest_level: float) -> NDArray[np.float64]:
    """Map a ratio to rest onto a switch input: :math:`r/(r + (1 - s_0)/s_0)`, equal to ``rest_level`` at 1."""
    ratio = np.asarray(ratio, dtype=np.float64)
    return ratio / (ratio + (1.0 - rest_level) / rest_level)


def host_bone_drive(
    remodelling: PivonkaParameters, coupling: Mapping[str, float], deficiency: float, inflamed: float, burden: float
) -> BoneDrive:
    """Return the external drive of the Pivonka bone from the host's state, as :mod:`dormancy.bone.lifetime` does.

    Parameters
    ----------
    remodelling : PivonkaParameters
        The remodelling model (its RANKL production scales the oestrogen- and inflammation-driven RANKL).
    coupling : Mapping[str, float]
        The ``bone_lifetime`` coupling records (``oestrogen_rankl_gain``, ``oestrogen_opg_loss``, ...).
    deficiency, inflamed : float
        Oestrogen deficiency D and extra inflammation I, dimensionless in [0, 1].
    burden : float
        Tumour burden in bone, dimensionless (PTHrP, Jagged1/IL-6 and integrin-driven RANKL and TGF-β terms).

    Returns
    -------
    BoneDrive
        External PTH, RANKL and TGF-β (pM/day), the OPG production factor :math:`1 - g_{OPG} D` and the osteoclast
        apoptosis factor :math:`1 - g_{apo} D`.
    """
    c = coupling
    return BoneDrive(
        pth_external=c["pthrp_production"] * burden,
        rankl_external=remodelling.rankl_production
        * (c["oestrogen_rankl_gain"] * deficiency + c["inflammation_rankl_gain"] * inflamed)
        + (c["jagged1_il6_rankl_production"] + c["integrin_rankl_production"]) * burden,
        tgfb_external=c["integrin_tgfb_production"] * burden,
        opg_production_factor=1.0 - c["oestrogen_opg_loss"] * deficiency,
        osteoclast_apoptosis_factor=1.0 - c["oestrogen_osteoclast_apoptosis_loss"] * deficiency,
    )


def bone_signals(
    remodelling: PivonkaParameters,
    coupling: Mapping[str, float],
    grid: NDArray[np.float64],
    *,
    drive: Callable[[float, float, float], BoneDrive] | None = None,
    osteoclast_factor_scale: float = 1.0,
) -> dict[str, NDArray[np.float64]]:
    """Return the bone's niche signals on the ``(D, I)`` grid (module docstring, step 1), each ``(n, n)``.

    ``drive(D, I, burden)`` replaces the host drive (drugs: :mod:`dormancy.patients.therapy`), and
    ``osteoclast_factor_scale`` multiplies the osteoclast-derived factors (a drug acting on the niche itself).
    """
    drive = drive if drive is not None else partial(host_bone_drive, remodelling, coupling)
    rest = steady_state(remodelling)
    rest_tgfb = ligands(rest, remodelling).tgfb
    out = {name: np.empty((len(grid), len(grid))) for name in BONE_SIGNALS}
    guess = rest
    for i, deficiency in enumerate(grid):
        row_guess = guess
        for j, inflamed in enumerate(grid):
            host = drive(float(deficiency), float(inflamed), 0.0)
            state = steady_state(remodelling, host, guess=row_guess)
            row_guess = state if j else row_guess
            if j == 0:
                guess = state
            tgfb = ligands(state, remodelling, host).tgfb
            out["TGFB2"][i, j] = niche_signal(state[1] / rest[1], coupling["rest_tgfb2_signal"])
            out["BMP7"][i, j] = niche_signal(state[1] / rest[1], coupling["rest_bmp7_signal"])
            out["TGFB1"][i, j] = niche_signal(tgfb / rest_tgfb, coupling["rest_tgfb1_signal"])
            out["OSTEOCLAST_FACTORS"][i, j] = osteoclast_factor_scale * niche_signal(
                state[2] / rest[2], coupling["rest_osteoclast_factor_signal"]
            )
    return out


def _settled_state(
    remodelling: PivonkaParameters, drive: BoneDrive, start: NDArray[np.float64]
) -> NDArray[np.float64] | None:
    """Integrate the bone from ``start`` for :data:`SETTLE_YEARS`; the final state, or None if it runs away.

    Used where the root finder fails: a cycle that runs away (cells beyond :data:`RUNAWAY_FOLD` times rest) and a
    remodelling that collapses (osteoclasts → 0 under full RANKL neutralisation, which log-space root finding cannot
    reach) both fail there, and only the integration tells them apart.
    """
    rest = steady_state(remodelling)
    solution = solve_ivp(
        lambda _t, state: cell_rates(np.maximum(state, 0.0), remodelling, drive),
        (0.0, SETTLE_YEARS * 365.25),
        np.asarray(start, dtype=np.float64),
        method="LSODA",
        rtol=1e-8,
        atol=1e-12 * rest.min(),
    )
    final = np.maximum(solution.y[:, -1], 0.0)
    if not solution.success or not np.all(np.isfinite(final)) or np.any(final > RUNAWAY_FOLD * rest):
        return None
    return final


def vicious_factor(
    remodelling: PivonkaParameters,
    coupling: Mapping[str, float],
    grid: NDArray[np.float64],
    *,
    drive: Callable[[float, float, float], BoneDrive] | None = None,
) -> NDArray[np.float64]:
    """Return the bone focus growth factor on the ``(D, I, burden)`` grid (module docstring, step 4).

    ``drive(D, I, burden)`` replaces the host and tumour drive (drugs: :mod:`dormancy.patients.therapy`); the factor
    stays relative to the untreated rest. Where no steady state is found the bone is integrated
    (:func:`_settled_state`): a runaway cycle gets the largest factor the model allows, a collapsed remodelling the
    factor of its settled state.
    """
    drive = drive if drive is not None else partial(host_bone_drive, remodelling, coupling)
    rest = steady_state(remodelling)
    basal, half = coupling["tumour_basal_proliferation_fraction"], coupling["tumour_tgfb_half_activation"]

    def proliferation(tgfb: float) -> float:
        return basal + (1.0 - basal) * tgfb / (tgfb + half)

    reference = proliferation(ligands(rest, remodelling).tgfb)
    out = np.empty((len(grid), len(grid), len(BURDEN_LOG10)))
    for i, deficiency in enumerate(grid):
        for j, inflamed in enumerate(grid):
            guess = rest
            for b, log_burden in enumerate(BURDEN_LOG10):
                condition = drive(float(deficiency), float(inflamed), 10.0**log_burden)
                try:
                    state = steady_state(remodelling, condition, guess=guess)
                    guess = state
                except RuntimeError:
                    state = _settled_state(remodelling, condition, guess)
                if state is None:
                    out[i, j, b] = 1.0 / reference
                else:
                    out[i, j, b] = proliferation(ligands(state, remodelling, condition).tgfb) / reference
    return np.maximum.accumulate(out, axis=2)


def _switch_inputs(
    model: SwitchModel,
    values: Mapping[str, float],
    signals: Mapping[str, NDArray[np.float64]],
    grid: NDArray[np.float64],
    niche: str,
    estrogen_factor: float,
    coupling: Mapping[str, float],
) -> NDArray[np.float64]:
    n = len(grid)
    inputs = np.zeros((n, n, len(model.wiring.inputs)))
    prefix = f"niche_{niche}__"
    weight = values[f"{prefix}bone_signal_weight"]
    for column, name in enumerate(model.wiring.inputs):
        base = values.get(f"{prefix}{name}", 0.0)
        if name in BONE_SIGNALS:
            inputs[..., column] = np.minimum(1.0, base + weight * signals[name])
        elif name == "IL1B":
            inputs[..., column] = np.minimum(1.0, base + grid[np.newaxis, :])
        elif name == "ESTROGEN":
            level = coupling["premenopausal_estrogen_signal"] * (1.0 - grid[:, np.newaxis]) * estrogen_factor
            inputs[..., column] = np.broadcast_to(level, (n, n))
        else:
            inputs[..., column] = base
    return inputs.reshape(n * n, -1)


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Return a hash of the source that computes the tables (switch, Pivonka bone, this module and the therapies).

    Part of every table key, so a disk cache (``DORMANCY_CACHE_DIR``) never serves tables computed by other code.
    """
    package = Path(__file__).resolve().parent.parent
    files = sorted((package / "signalling").rglob("*.py")) + sorted((package / "signalling").rglob("*.yaml"))
    files += [
        package / "bone" / "pivonka.py",
        package / "patients" / "niche_rates.py",
        package / "patients" / "therapy.py",
    ]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _table_key(sets: Mapping[str, ParameterSet], switches: Mapping[str, ParameterSet]) -> str:
    payload = {
        "version": 1,
        "code": code_digest(),
        "grid": GRID_POINTS,
        "burden": BURDEN_LOG10.tolist(),
        "sets": {name: sorted(s.values().items()) for name, s in {**sets, **switches}.items() if name != SET_NAME},
        # of the patient set, _compute reads only the niche records and the endocrine effect (not the free ones)
        SET_NAME: sorted(
            (k, v) for k, v in sets[SET_NAME].values().items() if "__" in k or k == "endocrine_target_effect"
        ),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def niche_tables(sets: Mapping[str, ParameterSet], *, cache_dir: str | os.PathLike[str] | None = None) -> NicheTables:
    """Return the tables for the parameter sets (from memory, the disk cache, or computed; a few seconds).

    Parameters
    ----------
    sets : mapping of str to ParameterSet
        From :func:`dormancy.patients.parameters.resolve_parameters`.
    cache_dir : path-like, optional
        Folder of the disk cache (``patient-niche-<hash>.npz``); default the environment variable
        ``DORMANCY_CACHE_DIR`` when set, otherwise memory only.
    """
    registry = load_registry()
    switches = {er: registry.sets[f"switch_er_{er}"] for er in ("negative", "positive")}
    key = _table_key(sets, switches)
    if key in _MEMORY:
        return _MEMORY[key]
    cache_dir = cache_dir if cache_dir is not None else os.environ.get("DORMANCY_CACHE_DIR")
    path = Path(cache_dir) / f"patient-niche-{key}.npz" if cache_dir else None
    if path is not None and path.is_file():
        with np.load(path) as stored:
            tables = NicheTables(
                stored["grid"], stored["grid"], stored["rates"], stored["burden"], stored["vicious"], key
            )
        _MEMORY[key] = tables
        return tables
    tables = _compute(sets, switches, key)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path) as temporary, open(temporary, "wb") as handle:
            np.savez(
                handle,
                grid=tables.deficiency,
                rates=tables.rates,
                burden=tables.burden_log10,
                vicious=tables.vicious_factor,
            )
    _MEMORY[key] = tables
    return tables


def _compute(sets: Mapping[str, ParameterSet], switches: Mapping[str, ParameterSet], key: str) -> NicheTables:
    grid = np.linspace(0.0, 1.0, GRID_POINTS)
    remodelling = PivonkaParameters.from_set(sets["pivonka2008"])
    coupling = sets["bone_lifetime"].values()
    values = sets[SET_NAME].values()
    endocrine_effect = values["endocrine_target_effect"]
    signals = bone_signals(remodelling, coupling, grid)
    n = len(grid)
    rates = np.empty((2, 2, len(NICHE_NAMES), n, n, len(RATE_FIELDS)))
    reference_exit = reference_apoptosis = None
    for er_index, er in enumerate(("negative", "positive")):
        model = SwitchModel.from_parameter_set(switches[er])
        batches = []
        for endocrine in (0, 1):
            factor = 0.0 if er == "negative" else 1.0 - endocrine_effect * endocrine
            for niche in NICHE_NAMES:
                batches.append(_switch_inputs(model, values, signals, grid, niche, factor, coupling))
        inputs = np.concatenate(batches)
        reference_niche = {name: values.get(f"niche_endosteal__{name}", 0.0) for name in model.wiring.inputs}
        branches = {}
        for branch, preparation in (("dormant", DORMANT_PREPARATION), ("proliferating", PROLIFERATING_PREPARATION)):
            prepared = {**reference_niche, **preparation}
            start = steady_states(model, model.inputs({k: v for k, v in prepared.items() if v}), 0.0)
            states = steady_states(model, inputs, np.repeat(start, len(inputs), axis=0))
            branches[branch] = (fate_rates(model, states), is_dormant(model, states))
        dormant, _ = branches["dormant"]
        awake, awake_dormant = branches["proliferating"]
        shape = (2, len(NICHE_NAMES), n, n)
        if reference_exit is None:
            reference_exit = float(dormant["quiescence_exit_rate"].reshape(shape)[0, 0, 0, 0])
            reference_apoptosis = float(dormant["apoptosis_rate"].reshape(shape)[0, 0, 0, 0])
        rates[er_index, ..., 0] = np.log(np.maximum(dormant["quiescence_exit_rate"], 1e-300) / reference_exit).reshape(
            shape
        )
        rates[er_index, ..., 1] = (dormant["apoptosis_rate"] / reference_apoptosis).reshape(shape)
        rates[er_index, ..., 2] = awake["proliferation_rate"].reshape(shape)
        rates[er_index, ..., 3] = awake["apoptosis_rate"].reshape(shape)
        rates[er_index, ..., 4] = awake["quiescence_entry_rate"].reshape(shape)
        rates[er_index, ..., 5] = awake["immune_evasion"].reshape(shape)
        rates[er_index, ..., 6] = (~awake_dormant).astype(np.float64).reshape(shape)
    return NicheTables(grid, grid, rates, BURDEN_LOG10.copy(), vicious_factor(remodelling, coupling, grid), key)
