r"""The rate tables the patient kernel reads: single-cell fates over the host state, untreated or under drugs.

Running the bone and the switch per patient is too slow for a million patients, so both are tabulated once per
parameter set (and per drug state) over the host state and interpolated (bilinearly) in the kernel. One function,
:func:`tabulate`, makes every table, untreated (``drugs`` empty) or treated:

1. **Bone** over oestrogen deficiency :math:`D` and inflammation :math:`I` (grids of :data:`GRID_POINTS` in [0, 1]):
   the Pivonka quasi-steady state under the host and the drugs (:func:`dormancy.coupling.bone_state`); its bone
   signals (:func:`dormancy.bone.marrow.marrow_signals`, with the woman's rest levels ``rest_*_signal``) and its
   resorption exposure per niche (``resorption_surface_fraction`` × the niche's reach × active osteoclasts over rest).
2. **Inputs** of each niche (:func:`dormancy.coupling.niche_inputs`): ``IL1B`` is :math:`I`, ``ESTROGEN``
   :math:`e_0(1 - D)(1 - \varepsilon_{endo}\,[\text{on endocrine therapy}])` for ER+ cells, 0 for ER−; the drugs'
   inputs and blocks.
3. **Switch**: steady states from a dormant start (``TGFB2`` preparation) at rest and under a resorbing front
   (:func:`dormancy.coupling.exposed_inputs`), and from a proliferating start (``TGFB1``). The dormant branch gives a
   dormant cell's awakening and death hazards averaged over the exposure
   (:func:`dormancy.coupling.exposure_averaged_rates`); the proliferating branch the fate of an awakened cell
   (proliferation, apoptosis, PD-L1 immune evasion) and whether a cell arriving proliferating stays awake.
4. **Vicious cycle** (:func:`vicious_factor`): a bone focus's Gompertz rate times the bone model's TGF-β-driven tumour
   proliferation :math:`b + (1 - b)\,TGF\beta/(TGF\beta + K_T)` at its burden over its value at the untreated rest,
   over :math:`D`, :math:`I` and log burden.

Fields of the rate table (last axis, :data:`RATE_FIELDS`; the kernel reads them by these names through
:mod:`dormancy.patients.kernel_tables`), all in the switch's own units:

* ``log_awakening_rate`` — log of a dormant cell's awakening hazard (per day), averaged over the exposure;
* ``death_rate`` — a dormant cell's death hazard without drugs (per day), averaged over the exposure;
* ``drug_death_rate`` — what the drugs add to it, :math:`\max(0, h_d^{drug} - h_d) + h_{blk}` (per day; 0
  untreated; :math:`h_{blk}` the flux-block death of :func:`dormancy.signalling.autophagy_block_death`, averaged
  over the exposure);
* ``proliferation_rate``, ``apoptosis_rate`` (per day) and ``immune_evasion`` (0–1) of the proliferating branch;
  ``awake_on_arrival`` (0 or 1).

The patient kernel turns them into hazards with its named bridge parameters (:mod:`dormancy.patients.
natural_history`): awakening :math:`s_{ER}\,h_w`, death :math:`\mu\,r_{ER}\,h_d + h_d^{drug} - h_d`. The hazards of
the reference cell (ER−, endosteal, :math:`D = I = 0`, untreated) are carried by the tables
(:attr:`NicheTables.reference`), to state the bridge parameters' size against the switch.

Tables are kept by a :class:`TableCache` the caller owns (in memory, and on disk under a hash of every value and of
the source they depend on when it has a folder).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

from dormancy.atomic import atomic_file
from dormancy.bone.marrow import BONE_SIGNALS, bone_drive, marrow_signals
from dormancy.bone.pivonka import PivonkaParameters, cell_rates, ligands, steady_state
from dormancy.coupling.host import bone_state
from dormancy.coupling.niche import exposed_inputs, exposure_averaged_rates, niche_exposure, niche_inputs
from dormancy.coupling.vocabulary import NICHE_LEVEL_INPUTS, NICHE_NAMES, check_switch
from dormancy.params import ParameterSet, load_registry
from dormancy.signalling import (
    DORMANT_PREPARATION,
    PROLIFERATING_PREPARATION,
    SwitchModel,
    autophagy_block_death,
    fate_rates,
    is_dormant,
    steady_states,
)

__all__ = [
    "BURDEN_LOG10",
    "GRID_POINTS",
    "RATE_FIELDS",
    "NicheTables",
    "TableCache",
    "bone_grid",
    "tabulate",
    "vicious_factor",
]

#: Name of the patient parameter set (its niche records and endocrine effect enter the tables).
PATIENT_SET = "patients_natural_history"
#: Fields of the rate table, in order (module docstring).
RATE_FIELDS: tuple[str, ...] = (
    "log_awakening_rate",
    "death_rate",
    "drug_death_rate",
    "proliferation_rate",
    "apoptosis_rate",
    "immune_evasion",
    "awake_on_arrival",
)
#: Columns of the proliferating branch (computed only in the sprouting niche under treatment).
PROLIFERATING_FIELDS: tuple[str, ...] = RATE_FIELDS[3:]
GRID_POINTS = 9
BURDEN_LOG10 = np.linspace(-8.0, 0.0, 17)
#: Years the bone is integrated where its steady state cannot be found (:func:`vicious_factor`).
SETTLE_YEARS = 50.0
#: A bone cell population beyond this multiple of rest counts as a runaway vicious cycle.
RUNAWAY_FOLD = 1e6
#: Version of the table layout (part of every key).
TABLE_VERSION = 3
#: Rest levels of the woman's bone signals (``bone_lifetime`` records).
REST_LEVEL_RECORDS: Mapping[str, str] = {
    "TGFB2": "rest_tgfb2_signal",
    "BMP7": "rest_bmp7_signal",
    "TGFB1": "rest_tgfb1_signal",
    "OSTEOCLAST_FACTORS": "rest_osteoclast_factor_signal",
}


@dataclass(frozen=True)
class NicheTables:
    """Tabulated single-cell rates and the vicious-cycle growth factor (module docstring).

    Parameters
    ----------
    deficiency, inflammation : numpy.ndarray
        Grids of oestrogen deficiency :math:`D` and inflammation :math:`I`, each in [0, 1].
    rates : numpy.ndarray
        ``(2 ER status [neg, pos], 2 endocrine [off, on], 5 niches, D, I, len(RATE_FIELDS))``.
    burden_log10 : numpy.ndarray
        Grid of log10 bone tumour burden (fraction of site capacity).
    vicious_factor : numpy.ndarray
        ``(D, I, burden)``: growth factor of a bone focus (1 at the untreated rest, no tumour).
    reference : mapping of str to float
        ``awakening_rate`` and ``death_rate`` (per day) of the reference dormant cell.
    key : str
        Hash of everything the tables depend on.
    """

    deficiency: NDArray[np.float64]
    inflammation: NDArray[np.float64]
    rates: NDArray[np.float64]
    burden_log10: NDArray[np.float64]
    vicious_factor: NDArray[np.float64]
    reference: Mapping[str, float]
    key: str

    def field(self, name: str) -> NDArray[np.float64]:
        """Return one field of the rate table by name, ``(2, 2, 5, D, I)`` (a view)."""
        if name not in RATE_FIELDS:
            raise KeyError(f"rate table field {name!r} unknown; fields: {', '.join(RATE_FIELDS)}")
        return self.rates[..., RATE_FIELDS.index(name)]


@dataclass
class TableCache:
    """Tables by key, in memory and, when ``directory`` is set, on disk (``patient-niche-<key>.npz``).

    Owned and passed in by the caller (one per process is typical: the command line makes one with the folder of
    ``DORMANCY_CACHE_DIR``). The key of a table includes a hash of the source that computes it, so a disk cache
    never serves tables computed by other code.
    """

    directory: Path | None = None
    #: What callers derive from the tables and keep with them (e.g. a strategy's regimen), keyed by the caller.
    derived: dict[object, object] = field(default_factory=dict, repr=False)
    _memory: dict[str, NicheTables] = field(default_factory=dict, repr=False)
    _digest: str | None = field(default=None, repr=False)

    @classmethod
    def from_environment(cls) -> TableCache:
        """Return a cache on the folder named by ``DORMANCY_CACHE_DIR`` (memory only when unset)."""
        folder = os.environ.get("DORMANCY_CACHE_DIR")
        return cls(Path(folder) if folder else None)

    def code_digest(self) -> str:
        """Return a hash of the source the tables come from (switch, bone, coupling)."""
        if self._digest is None:
            package = Path(__file__).resolve().parent.parent
            files = sorted((package / "signalling").rglob("*.py")) + sorted((package / "signalling").rglob("*.yaml"))
            files += [package / "bone" / "pivonka.py", package / "bone" / "marrow.py"]
            files += sorted((package / "coupling").glob("*.py"))
            digest = hashlib.sha256()
            for path in files:
                digest.update(path.relative_to(package).as_posix().encode())
                digest.update(path.read_bytes())
            self._digest = digest.hexdigest()[:20]
        return self._digest

    def get(self, key: str, compute: Callable[[], NicheTables]) -> NicheTables:
        """Return the tables of ``key`` from memory, disk or ``compute()`` (then stored in both)."""
        if key in self._memory:
            return self._memory[key]
        path = self.directory / f"patient-niche-{key}.npz" if self.directory is not None else None
        if path is not None and path.is_file():
            with np.load(path) as stored:
                tables = NicheTables(
                    stored["grid"],
                    stored["grid"],
                    stored["rates"],
                    stored["burden"],
                    stored["vicious"],
                    {"awakening_rate": float(stored["reference"][0]), "death_rate": float(stored["reference"][1])},
                    key,
                )
        else:
            tables = compute()
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                with atomic_file(path) as temporary, open(temporary, "wb") as handle:
                    np.savez(
                        handle,
                        grid=tables.deficiency,
                        rates=tables.rates,
                        burden=tables.burden_log10,
                        vicious=tables.vicious_factor,
                        reference=np.array([tables.reference["awakening_rate"], tables.reference["death_rate"]]),
                    )
        self._memory[key] = tables
        return tables


def _rest_levels(coupling: Mapping[str, float]) -> dict[str, float]:
    return {name: float(coupling[record]) for name, record in REST_LEVEL_RECORDS.items()}


def bone_grid(
    remodelling: PivonkaParameters,
    coupling: Mapping[str, float],
    grid: NDArray[np.float64],
    drugs: Mapping[str, float] | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Return the bone signals and the active osteoclasts over rest on the ``(D, I)`` grid, each ``(n, n)``.

    Keys: :data:`~dormancy.bone.marrow.BONE_SIGNALS` and ``osteoclast_fold`` (module docstring, step 1).
    """
    n = len(grid)
    folds = {name: np.empty((n, n)) for name in ("osteoblast_fold", "osteoclast_fold", "tgfb_fold")}
    niche_effect = float((drugs or {}).get("endosteal_niche", 0.0))
    guess = None
    for i, deficiency in enumerate(grid):
        row_guess = guess
        for j, inflamed in enumerate(grid):
            host = {"deficiency": float(deficiency), "inflamed": float(inflamed)}
            state = bone_state(remodelling, coupling, **host, drugs=drugs, guess=row_guess)
            row_guess = state.cells
            if j == 0:
                guess = state.cells
            for name in folds:
                folds[name][i, j] = getattr(state, name)
    out = marrow_signals(
        **folds,
        deficiency=grid[:, np.newaxis],
        coupling=coupling,
        rest_levels=_rest_levels(coupling),
        niche_effect=niche_effect,
    )
    return {**{name: np.broadcast_to(out[name], (n, n)).copy() for name in BONE_SIGNALS}, **folds}


def _settled_state(remodelling: PivonkaParameters, drive, start: NDArray[np.float64]) -> NDArray[np.float64] | None:
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
    drugs: Mapping[str, float] | None = None,
) -> NDArray[np.float64]:
    """Return the bone focus growth factor on the ``(D, I, burden)`` grid (module docstring, step 4).

    Relative to the untreated rest. Where no steady state is found the bone is integrated (:func:`_settled_state`):
    a runaway cycle gets the largest factor the model allows, a collapsed remodelling the factor of its settled
    state. Non-decreasing in the burden.
    """
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
                drive = bone_drive(
                    remodelling,
                    coupling,
                    deficiency=float(deficiency),
                    inflamed=float(inflamed),
                    burden=10.0**log_burden,
                    drugs=drugs,
                )
                try:
                    state = steady_state(remodelling, drive, guess=guess)
                    guess = state
                except RuntimeError:
                    state = _settled_state(remodelling, drive, guess)
                if state is None:
                    out[i, j, b] = 1.0 / reference
                else:
                    out[i, j, b] = proliferation(ligands(state, remodelling, drive).tgfb) / reference
    return np.maximum.accumulate(out, axis=2)


def _bone_drugs(drugs: Mapping[str, float]) -> dict[str, float]:
    return {
        t: float(drugs[t])
        for t in ("osteoclast_apoptosis", "endosteal_niche", "rankl_neutralisation", "il1_blockade")
        if t in drugs
    }


def _table_key(sets: Mapping[str, ParameterSet], switches: Mapping[str, ParameterSet], drugs, digest: str) -> str:
    patient = sets[PATIENT_SET].values()
    payload = {
        "version": TABLE_VERSION,
        "code": digest,
        "grid": GRID_POINTS,
        "burden": BURDEN_LOG10.tolist(),
        "sets": {
            name: sorted(s.values().items())
            for name, s in {**sets, **switches}.items()
            if name in ("pivonka2008", "bone_lifetime") or name.startswith("switch_")
        },
        # of the patient set, the tables read only the per-niche records (niche_<niche>__<input>) and the endocrine
        # effect: not the free ones, nor other per-key records (other_site_seeding_factor__<subtype>,
        # visceral_share__...), which a posterior draw changes and which would otherwise recompute every table
        PATIENT_SET: sorted(
            (k, v)
            for k, v in patient.items()
            if (k.startswith("niche_") and "__" in k) or k == "endocrine_target_effect"
        ),
        "drugs": sorted((k, round(float(v), 6)) for k, v in drugs.items() if v),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def tabulate(
    sets: Mapping[str, ParameterSet],
    drugs: Mapping[str, float] | None = None,
    *,
    cache: TableCache | None = None,
) -> NicheTables:
    """Return the niche-rate tables for the parameter sets, untreated or under constant drug effects.

    Parameters
    ----------
    sets : mapping of str to ParameterSet
        ``pivonka2008``, ``bone_lifetime`` and ``patients_natural_history`` (e.g. from
        :func:`dormancy.patients.parameters.resolve_parameters`).
    drugs : mapping of str to float, optional
        Target effects in [0, 1] (:data:`dormancy.pkpd.TARGETS` but ``cycling_cell_kill``); empty or all zero: the
        untreated tables. Under treatment the proliferating-branch fields are computed only in the sprouting niche
        (the kernel reads them only there then: a founder's establishment and a focus's immune evasion) and are NaN
        elsewhere.
    cache : TableCache, optional
        Where tables are kept (a new, memory-only cache when omitted: the tables are then computed, a few seconds).
    """
    drugs = {k: float(v) for k, v in (drugs or {}).items() if float(v) != 0.0}
    cache = cache if cache is not None else TableCache()
    registry = load_registry()
    switches = {er: sets.get(f"switch_er_{er}", registry.sets[f"switch_er_{er}"]) for er in ("negative", "positive")}
    key = _table_key(sets, switches, drugs, cache.code_digest())
    base = tabulate(sets, cache=cache) if drugs else None
    return cache.get(key, lambda: _compute(sets, switches, drugs, key, base))


def _dormant_start(model: SwitchModel, values: Mapping[str, float], preparation: Mapping[str, float]):
    reference = {name: values[f"niche_endosteal__{name}"] for name in NICHE_LEVEL_INPUTS}
    prepared = {k: v for k, v in {**reference, **preparation}.items() if v}
    return steady_states(model, model.inputs(prepared), 0.0)


def _compute(sets, switches, drugs: Mapping[str, float], key: str, base: NicheTables | None) -> NicheTables:
    grid = np.linspace(0.0, 1.0, GRID_POINTS)
    remodelling = PivonkaParameters.from_set(sets["pivonka2008"])
    coupling = sets["bone_lifetime"].values()
    values = sets[PATIENT_SET].values()
    endocrine_effect = values["endocrine_target_effect"]
    bone_drugs = _bone_drugs(drugs)
    bone = bone_grid(remodelling, coupling, grid, bone_drugs)
    rest_bone = bone if not bone_drugs else bone_grid(remodelling, coupling, grid[:1])
    n = len(grid)
    sprouting = NICHE_NAMES.index("perivascular_sprouting")
    deficiency, inflamed = np.meshgrid(grid, grid, indexing="ij")
    rates = np.full((2, 2, len(NICHE_NAMES), n, n, len(RATE_FIELDS)), np.nan)
    reference: dict[str, float] = {}
    for er_index, er in enumerate(("negative", "positive")):
        model = SwitchModel.from_parameter_set(switches[er])
        check_switch(model.wiring.inputs, values)
        dormant_start = _dormant_start(model, values, DORMANT_PREPARATION)
        awake_start = _dormant_start(model, values, PROLIFERATING_PREPARATION)
        if er == "negative":
            # the reference cell: ER-, endosteal, D = I = 0, untreated (the same for every table)
            rest_inputs = niche_inputs(model, values, "endosteal", bone={s: rest_bone[s][0, 0] for s in BONE_SIGNALS})
            rest_front = exposed_inputs(model, rest_inputs, coupling)
            states = steady_states(model, np.stack([rest_inputs, rest_front]), np.repeat(dormant_start, 2, axis=0))
            phi = niche_exposure(
                values, "endosteal", rest_bone["osteoclast_fold"][0, 0], coupling["resorption_surface_fraction"]
            )
            averaged = exposure_averaged_rates(model, states[:1], states[1:], phi)
            reference = {
                "awakening_rate": float(averaged["awakening_rate"][0]),
                "death_rate": float(averaged["death_rate"][0]),
            }
        # ER- cells read no oestrogen: their endocrine slice equals the other and is copied, not recomputed
        endocrine_flags = (0,) if er == "negative" else (0, 1)
        rest_rows, front_rows, exposure = [], [], []
        for endocrine in endocrine_flags:
            factor = 0.0 if er == "negative" else 1.0 - endocrine_effect * endocrine
            estrogen = coupling["premenopausal_estrogen_signal"] * (1.0 - deficiency) * factor
            for niche in NICHE_NAMES:
                inputs = niche_inputs(
                    model, values, niche, bone=bone, il1b=inflamed, estrogen=estrogen, drugs=drugs
                ).reshape(n * n, -1)
                rest_rows.append(inputs)
                front_rows.append(
                    exposed_inputs(model, inputs, coupling, niche_effect=drugs.get("endosteal_niche", 0.0))
                )
                phi = niche_exposure(values, niche, bone["osteoclast_fold"], coupling["resorption_surface_fraction"])
                exposure.append(phi.reshape(n * n))
        rest_inputs, front_inputs = np.concatenate(rest_rows), np.concatenate(front_rows)
        cells = len(rest_inputs)
        both = steady_states(
            model, np.concatenate([rest_inputs, front_inputs]), np.repeat(dormant_start, 2 * cells, axis=0)
        )
        phi = np.concatenate(exposure)
        dormant = exposure_averaged_rates(model, both[:cells], both[cells:], phi)
        # the flux-block death (0 untreated), averaged over the exposure like the rest of the death
        block = np.zeros(cells)
        if drugs.get("autophagy_inhibition", 0.0) > 0.0:
            blocked = autophagy_block_death(model, both, np.concatenate([rest_inputs, front_inputs]))
            block = (1.0 - phi) * blocked[:cells] + phi * blocked[cells:]
        niche_of_row = np.tile(np.repeat(np.arange(len(NICHE_NAMES)), n * n), len(endocrine_flags))
        awake_rows = niche_of_row == sprouting if drugs else np.ones(cells, dtype=bool)
        awake_states = np.full((cells, dormant_start.shape[-1]), np.nan)
        awake_states[awake_rows] = steady_states(
            model, rest_inputs[awake_rows], np.repeat(awake_start, int(awake_rows.sum()), axis=0)
        )
        awake = fate_rates(model, awake_states)
        stays_awake = np.where(np.isnan(awake_states).any(axis=-1), np.nan, ~is_dormant(model, awake_states))
        columns = {
            "log_awakening_rate": np.log(np.maximum(dormant["awakening_rate"], 1e-300)),
            "death_rate": dormant["death_rate"],
            "drug_death_rate": block,
            "proliferation_rate": awake["proliferation_rate"],
            "apoptosis_rate": awake["apoptosis_rate"],
            "immune_evasion": awake["immune_evasion"],
            "awake_on_arrival": stays_awake,
        }
        shape = (len(endocrine_flags), len(NICHE_NAMES), n, n)
        for f, name in enumerate(RATE_FIELDS):
            column = columns[name].reshape(shape)
            rates[er_index, ..., f] = column if len(endocrine_flags) == 2 else column[0]
    if base is not None:
        # the drugs' own kill is the switch's extra death rate; the background death stays the untreated one
        death, untreated = RATE_FIELDS.index("death_rate"), base.rates[..., RATE_FIELDS.index("death_rate")]
        rates[..., RATE_FIELDS.index("drug_death_rate")] += np.maximum(rates[..., death] - untreated, 0.0)
        rates[..., death] = untreated
    vicious = vicious_factor(remodelling, coupling, grid, bone_drugs)
    return NicheTables(grid, grid.copy(), rates, BURDEN_LOG10.copy(), vicious, reference, key)
