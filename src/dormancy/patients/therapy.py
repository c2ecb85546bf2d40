r"""Treatment strategies at the patient scale: regimen states, their niche-rate tables, and the marrow aspirate.

A :class:`dormancy.pkpd.Strategy` becomes a :class:`Regimen` on the patient step :math:`\Delta` (a month):

1. **Time-averaged target effects.** The strategy's target effects (:func:`dormancy.pkpd.strategy_effects`: PK of
   every course, Emax/Hill effects, Bliss combination, CDK4/6 resistance) are sampled at the midpoints of
   :data:`SAMPLES_PER_DAY` bins per day and averaged over each patient step :math:`[g\Delta, (g+1)\Delta)` after the
   strategy's start: :math:`\bar E_g = \frac{1}{\Delta}\int_{g\Delta}^{(g+1)\Delta} E(t)\,dt`. A step spans at least
   one dosing cycle for daily to four-weekly regimens, so this is the average over the dosing cycle; slower changes
   (accumulation of hydroxychloroquine, the bone-bound zoledronic acid pool, CDK4/6 resistance) appear from step to
   step. Averaging the *effect* (not the concentration) keeps a drug's on/off cycle (palbociclib 21 of 28 days)
   effective only while on. The regimen lasts until every effect has faded below :data:`EFFECT_FLOOR` and no
   cycling-cell kill is left (after the last dose), at most :data:`MAX_REGIMEN_YEARS`.
2. **Regimen states.** The effects that enter the switch and bone (every target but ``cycling_cell_kill``) are
   quantised (:func:`quantise_effects`) on a grid uniform in the log-odds :math:`\ln(E / (1 - E))` with
   :data:`EFFECTS_PER_DECADE` points per decade of the odds (grid 0.05, 0.09, 0.15, 0.24, 0.36, 0.5, 0.64,
   0.76, 0.85, 0.91, 0.95, 0.97, 0.98, 0.99, 0.994, ...): near :math:`E = 1/2` the step is about 0.14, and it
   shrinks geometrically towards 0 and 1, so the remaining activity :math:`1 - E` near full effect (RANKL
   neutralisation 0.97–0.995) and a small effect keep their size within a factor :math:`10^{\pm 1/(2 n)}` (about
   ±33 %) instead of becoming exactly 1 or 0. An effect below :data:`EFFECT_FLOOR` is 0, exactly 0 stays 0 and
   exactly 1 stays 1. Each distinct quantised vector is a state with its own niche-rate table (computed once and
   cached, like the untreated table; about 10 s each). State 0 is no treatment: exactly the untreated table. The
   20 library strategies have 77 states in all (71 with the former linear 0.1 rounding, 58 distinct vectors).
3. **Effects in the niche-rate table** (same steps as :mod:`dormancy.patients.niche_rates`, with the drug terms):

   - bone drive: osteoclast apoptosis times :math:`1 + z_{max} Z_{apo}` (zoledronic acid), free RANKL neutralised
     by :math:`R` (denosumab), inflammatory RANKL drive from :math:`I(1 - E_{IL1})` (IL-1 blockade); the
     osteoclast-derived factors a DTC reads times :math:`1 - w_Z Z_{niche}` (as in :mod:`dormancy.bone.lifetime`);
   - switch drug inputs: ``HYDROXYCHLOROQUINE`` = autophagy inhibition, ``EVEROLIMUS`` = mTOR inhibition,
     ``CDK46_INHIBITOR`` = CDK4/6 inhibition (after resistance), ``HDAC_INHIBITOR`` = HDAC inhibition,
     ``NR2F1_AGONIST`` = NR2F1 activation;
   - switch niche inputs: ``IL1B`` times :math:`1 - E_{IL1}`; ``ESTROGEN`` times :math:`1 - E_{ER}`;
     ``MIR222_223`` times :math:`1 - E_{miR}` (antagomiR-222/223 [2, 58]); CXCR4 blockade mobilises cells out of
     their niche, so the niche's retention and pro-dormancy signals (``GAS6``, ``WNT5A``, ``TSP1``,
     ``MIR222_223``, ``TGFB2``, ``BMP7``) are read times :math:`1 - E_{CXCR4}` (an assumption on how mobilisation
     acts on the switch).

   The dormant-branch rates are expressed over the *untreated* reference, so a drug's effect on awakening and
   dormant-cell death is kept; cells relax to the drug's steady state from the untreated dormant preparation.
4. **Per-step scalars** (not tabulated): cycling-cell log10 kill of the step
   :math:`k_{kill} \Delta \bar E_{kill} / \ln 10` (chemotherapy kills cycling cells only: growing foci and founders,
   never dormant cells); the growth factor :math:`1 - \bar E_{CDK4/6}` of every focus (cytostatic); the extra
   growth inhibition of ER+ foci :math:`\min(1, \varepsilon_{endo} \bar E_{ER} / E_{endo})` (the patient model's
   endocrine inhibition scaled by the strategy's ER blockade over standard care's).

The marrow aspirate (:func:`aspirate_positive`) is a measurement: an aspirate samples a fraction :math:`f` of the
marrow's cells (``patients_natural_history.aspirate_sampled_fraction``: about 2 million mononuclear cells read by
immunocytochemistry, as in CLEVER's screening, of about :math:`10^{12}` marrow cells), so with :math:`N` DTCs the
number of cytokeratin-positive cells found is Poisson with mean :math:`fN` (binomial thinning of the DTCs) and the
aspirate is positive with probability :math:`1 - e^{-fN}`. A negative aspirate can be a false negative.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dormancy.atomic import atomic_file
from dormancy.bone.pivonka import PivonkaParameters
from dormancy.errors import InputError, Problem
from dormancy.params import ParameterSet, load_registry
from dormancy.patients import niche_rates
from dormancy.patients.parameters import NICHE_NAMES, SET_NAME, resolve_parameters
from dormancy.pkpd import TARGETS, Strategy, cycling_kill_rate, parse_strategy, strategy_effects
from dormancy.rng import agent_uniforms
from dormancy.signalling import (
    DORMANT_PREPARATION,
    PROLIFERATING_PREPARATION,
    SwitchModel,
    fate_rates,
    is_dormant,
    steady_states,
)

#: Points per decade of the odds E/(1 - E) of the grid the time-averaged target effects are quantised on.
EFFECTS_PER_DECADE = 4
#: Time-averaged effects below this are no effect (quantised to 0; the regimen ends when all are below it).
EFFECT_FLOOR = 0.05
#: PK samples per day for the time averages.
SAMPLES_PER_DAY = 8
#: Longest regimen followed after its start (effects of long-lived drugs beyond it are ignored), years.
MAX_REGIMEN_YEARS = 30.0
DAYS_PER_YEAR = 365.25
#: Targets that change the switch or bone (tabulated); ``cycling_cell_kill`` acts per step.
TABLE_TARGETS: tuple[str, ...] = tuple(t for t in TARGETS if t != "cycling_cell_kill")
SWITCH_DRUG_INPUTS: Mapping[str, str] = {
    "autophagy_inhibition": "HYDROXYCHLOROQUINE",
    "mtor_inhibition": "EVEROLIMUS",
    "cdk46_inhibition": "CDK46_INHIBITOR",
    "hdac_inhibition": "HDAC_INHIBITOR",
    "nr2f1_activation": "NR2F1_AGONIST",
}
RETENTION_INPUTS: tuple[str, ...] = ("GAS6", "WNT5A", "TSP1", "MIR222_223", "TGFB2", "BMP7")
ASPIRATE_STREAM = 0x41535049  # "ASPI": counter-based stream of the aspirate draws
_TABLES: dict[tuple[str, tuple[float, ...]], tuple[NDArray[np.float64], NDArray[np.float64]]] = {}
_REGIMENS: dict[tuple, Regimen] = {}


@dataclass(frozen=True)
class Regimen:
    """A strategy on the patient step: per-step state index and scalars, and the state tables.

    Parameters
    ----------
    strategy : Strategy
        The strategy.
    step_days : float
        Patient step, days.
    n_steps : int
        Steps from the strategy's start with any effect; after them the patient is untreated (state 0).
    step_state : numpy.ndarray
        ``(n_steps,)`` int: table index of each step (0 = untreated table).
    step_log10_kill : numpy.ndarray
        ``(n_steps,)``: log10 kill of cycling cells in each step.
    step_growth_factor : numpy.ndarray
        ``(n_steps,)``: factor on every focus's growth rate (1 - CDK4/6 inhibition).
    step_er_inhibition : numpy.ndarray
        ``(n_steps,)``: extra fractional growth inhibition of ER+ foci and founders.
    state_effects : numpy.ndarray
        ``(n_states, len(TABLE_TARGETS))``: the rounded effects of each state (row 0 all zero).
    mean_effects : numpy.ndarray
        ``(n_steps, len(TARGETS))``: the unrounded time-averaged effects of each step.
    rates, vicious : numpy.ndarray
        Tables of every state, stacked on a first axis (state 0 the untreated table).
    """

    strategy: Strategy
    step_days: float
    n_steps: int
    step_state: NDArray[np.int64]
    step_log10_kill: NDArray[np.float64]
    step_growth_factor: NDArray[np.float64]
    step_er_inhibition: NDArray[np.float64]
    state_effects: NDArray[np.float64]
    mean_effects: NDArray[np.float64]
    rates: NDArray[np.float64]
    vicious: NDArray[np.float64]


def quantise_effects(effects: ArrayLike) -> NDArray[np.float64]:
    r"""Return target effects quantised on the log-odds grid of the regimen states (module docstring, step 2).

    .. math::

        Q(E) = \begin{cases} 0 & E < E_{floor} \\ 1 & E \ge 1 \\
        \sigma\big(\delta \, \mathrm{round}(\mathrm{logit}(E) / \delta)\big) & \text{otherwise,} \end{cases}
        \qquad \delta = \ln 10 / n,

    with :math:`\sigma` the logistic function, :math:`n` = :data:`EFFECTS_PER_DECADE` and :math:`E_{floor}` =
    :data:`EFFECT_FLOOR`. For :math:`E_{floor} \le E < 1` the round trip keeps both :math:`Q/E` and
    :math:`(1 - Q)/(1 - E)` within :math:`e^{\pm\delta/2}`; :math:`Q` is monotone and :math:`Q(Q(E)) = Q(E)`.

    Parameters
    ----------
    effects : array_like
        Target effects (dimensionless fractions in [0, 1]).

    Returns
    -------
    numpy.ndarray
        The quantised effects, same shape.
    """
    values = np.clip(np.asarray(effects, dtype=np.float64), 0.0, 1.0)
    step = math.log(10.0) / EFFECTS_PER_DECADE
    inside = (values >= EFFECT_FLOOR) & (values < 1.0)
    interior = np.where(inside, values, 0.5)
    log_odds = step * np.round((np.log(interior) - np.log1p(-interior)) / step)
    grid = 1.0 / (1.0 + np.exp(-log_odds))
    return np.where(inside, grid, np.where(values >= 1.0, 1.0, 0.0))


def step_effects(strategy: Strategy, *, step_days: float) -> NDArray[np.float64]:
    """Return the time-averaged effect on every target in each patient step, ``(n_steps, len(TARGETS))``.

    The horizon is the last dose plus the time until every effect has faded (module docstring, step 1).
    """
    horizon = min(strategy.last_dose_day + 2.0 * step_days, MAX_REGIMEN_YEARS * DAYS_PER_YEAR)
    while True:
        n_steps = max(1, math.ceil(horizon / step_days))
        per_step = max(1, round(step_days * SAMPLES_PER_DAY))
        times = (np.arange(n_steps * per_step) + 0.5) * (step_days / per_step)
        effects = strategy_effects(strategy, times)
        means = np.stack([effects[t].reshape(n_steps, per_step).mean(axis=1) for t in TARGETS], axis=1)
        kill = means[:, TARGETS.index("cycling_cell_kill")] > 1e-9
        alive = np.flatnonzero(np.any(means >= EFFECT_FLOOR, axis=1) | kill)
        last = int(alive[-1]) + 1 if alive.size else 0
        if last < n_steps or horizon >= MAX_REGIMEN_YEARS * DAYS_PER_YEAR:
            return means[:last]
        horizon = min(2.0 * horizon, MAX_REGIMEN_YEARS * DAYS_PER_YEAR)


def regimen(
    strategy: Strategy | str | Mapping,
    *,
    step_days: float,
    sets: Mapping[str, ParameterSet] | None = None,
) -> Regimen:
    """Return the regimen of a strategy on the patient step, with the tables of its states (cached).

    Parameters
    ----------
    strategy : Strategy, str or mapping
        A strategy, a library name or a mapping (:func:`dormancy.pkpd.parse_strategy`).
    step_days : float
        Patient step, days.
    sets : mapping of str to ParameterSet, optional
        From :func:`dormancy.patients.parameters.resolve_parameters` (default: the registry values).
    """
    strategy = parse_strategy(strategy, where="treatment")
    sets = sets if sets is not None else resolve_parameters(None)
    base = niche_rates.niche_tables(sets)
    values = sets[SET_NAME].values()
    scalars = (values["endocrine_growth_inhibition"], values["endocrine_target_effect"])
    key = (strategy, float(step_days), base.key, scalars)
    if key in _REGIMENS:
        return _REGIMENS[key]
    means = step_effects(strategy, step_days=step_days)
    index = {t: i for i, t in enumerate(TARGETS)}
    table_columns = [index[t] for t in TABLE_TARGETS]
    rounded = quantise_effects(means[:, table_columns])
    states: dict[tuple[float, ...], int] = {tuple([0.0] * len(TABLE_TARGETS)): 0}
    step_state = np.zeros(len(means), dtype=np.int64)
    for g, row in enumerate(rounded):
        step_state[g] = states.setdefault(tuple(float(x) for x in row), len(states))
    state_effects = np.array(list(states), dtype=np.float64).reshape(len(states), len(TABLE_TARGETS))
    rates = [base.rates]
    vicious = [base.vicious_factor]
    for vector in list(states)[1:]:
        r, v = treated_tables(sets, dict(zip(TABLE_TARGETS, vector, strict=True)))
        rates.append(r)
        vicious.append(v)
    kill = cycling_kill_rate(strategy) * step_days * means[:, index["cycling_cell_kill"]] / math.log(10.0)
    er = means[:, index["er_signalling_blockade"]]
    out = Regimen(
        strategy=strategy,
        step_days=float(step_days),
        n_steps=len(means),
        step_state=step_state,
        step_log10_kill=kill,
        step_growth_factor=1.0 - means[:, index["cdk46_inhibition"]],
        step_er_inhibition=np.minimum(
            1.0, values["endocrine_growth_inhibition"] * er / values["endocrine_target_effect"]
        ),
        state_effects=state_effects,
        mean_effects=means,
        rates=np.stack(rates),
        vicious=np.stack(vicious),
    )
    _REGIMENS[key] = out
    return out


# ------------------------------------------------------------------------------------------ treated tables


def _drug_drive(remodelling, coupling, deficiency, inflamed, burden, effects):
    drive = niche_rates.host_bone_drive(
        remodelling, coupling, deficiency, inflamed * (1.0 - effects["il1_blockade"]), burden
    )
    return dataclasses.replace(
        drive,
        osteoclast_apoptosis_factor=drive.osteoclast_apoptosis_factor
        * (1.0 + coupling["zoledronic_max_apoptosis_fold"] * effects["osteoclast_apoptosis"]),
        rankl_neutralised=effects["rankl_neutralisation"],
    )


def treated_bone_signals(
    remodelling: PivonkaParameters, coupling: Mapping[str, float], grid: NDArray[np.float64], effects: Mapping
) -> dict[str, NDArray[np.float64]]:
    """Return the bone's niche signals on the ``(D, I)`` grid under drug effects (module docstring, step 3)."""
    return niche_rates.bone_signals(
        remodelling,
        coupling,
        grid,
        drive=partial(_drug_drive, remodelling, coupling, effects=effects),
        osteoclast_factor_scale=1.0 - coupling["zoledronic_niche_weight"] * effects["endosteal_niche"],
    )


def treated_vicious_factor(
    remodelling: PivonkaParameters, coupling: Mapping[str, float], grid: NDArray[np.float64], effects: Mapping
) -> NDArray[np.float64]:
    """Return the bone focus growth factor on the ``(D, I, burden)`` grid under drug effects (over untreated rest)."""
    return niche_rates.vicious_factor(
        remodelling, coupling, grid, drive=partial(_drug_drive, remodelling, coupling, effects=effects)
    )


def _apply_drugs(model: SwitchModel, inputs: NDArray[np.float64], effects: Mapping[str, float]) -> None:
    column = {name: i for i, name in enumerate(model.wiring.inputs)}
    for target, node in SWITCH_DRUG_INPUTS.items():
        inputs[:, column[node]] = effects[target]
    inputs[:, column["IL1B"]] *= 1.0 - effects["il1_blockade"]
    inputs[:, column["ESTROGEN"]] *= 1.0 - effects["er_signalling_blockade"]
    inputs[:, column["MIR222_223"]] *= 1.0 - effects["mir222_223_blockade"]
    for name in RETENTION_INPUTS:
        inputs[:, column[name]] *= 1.0 - effects["cxcr4_blockade"]


def treated_tables(
    sets: Mapping[str, ParameterSet], effects: Mapping[str, float]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the niche-rate table and vicious-cycle factor under constant drug effects (cached).

    Parameters
    ----------
    sets : mapping of str to ParameterSet
        From :func:`dormancy.patients.parameters.resolve_parameters`.
    effects : mapping of str to float
        Effect in [0, 1] of each target in :data:`TABLE_TARGETS` (missing: 0).

    Returns
    -------
    tuple of numpy.ndarray
        ``rates`` shaped like :attr:`dormancy.patients.niche_rates.NicheTables.rates` (dormant-branch columns over
        the untreated reference) and ``vicious`` like its ``vicious_factor``. The proliferating-branch columns
        (``proliferation_rate`` onwards) are computed only for the sprouting niche, the one the kernel reads them
        from under treatment (a founder's establishment and a focus's immune evasion); they are NaN elsewhere,
        which saves two fifths of a table's cost.
    """
    effects = {t: float(effects.get(t, 0.0)) for t in TABLE_TARGETS}
    base_key = niche_rates.niche_tables(sets).key
    vector = tuple(round(effects[t], 6) for t in TABLE_TARGETS)
    key = (base_key, vector)
    if key in _TABLES:
        return _TABLES[key]
    cache_dir = os.environ.get("DORMANCY_CACHE_DIR")
    digest = hashlib.sha256(json.dumps([base_key, vector, 1]).encode()).hexdigest()[:20]
    path = Path(cache_dir) / f"patient-therapy-{digest}.npz" if cache_dir else None
    if path is not None and path.is_file():
        with np.load(path) as stored:
            result = (stored["rates"], stored["vicious"])
    else:
        result = _compute_treated(sets, effects)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_file(path) as temporary, open(temporary, "wb") as handle:
                np.savez(handle, rates=result[0], vicious=result[1])
    _TABLES[key] = result
    return result


def _compute_treated(sets, effects):
    registry = load_registry()
    switches = {er: registry.sets[f"switch_er_{er}"] for er in ("negative", "positive")}
    grid = np.linspace(0.0, 1.0, niche_rates.GRID_POINTS)
    remodelling = PivonkaParameters.from_set(sets["pivonka2008"])
    coupling = sets["bone_lifetime"].values()
    values = sets[SET_NAME].values()
    endocrine_effect = values["endocrine_target_effect"]
    rest_signals = niche_rates.bone_signals(remodelling, coupling, grid)
    signals = treated_bone_signals(remodelling, coupling, grid, effects)
    n = len(grid)
    rates = np.empty((2, 2, len(NICHE_NAMES), n, n, len(niche_rates.RATE_FIELDS)))
    reference_exit = reference_apoptosis = None
    for er_index, er in enumerate(("negative", "positive")):
        model = SwitchModel.from_parameter_set(switches[er])
        batches = []
        # ER- cells read no oestrogen: the endocrine slice equals the other and is copied, not recomputed
        endocrine_flags = (0,) if er == "negative" else (0, 1)
        for endocrine in endocrine_flags:
            factor = 0.0 if er == "negative" else 1.0 - endocrine_effect * endocrine
            for niche in NICHE_NAMES:
                inputs = niche_rates._switch_inputs(model, values, signals, grid, niche, factor, coupling)
                _apply_drugs(model, inputs, effects)
                batches.append(inputs)
        inputs = np.concatenate(batches)
        reference_niche = {name: values.get(f"niche_endosteal__{name}", 0.0) for name in model.wiring.inputs}
        # the kernel reads a treated table's proliferating branch only in the sprouting niche (establishment):
        # the other niches' rows are not relaxed and stay NaN in the table
        niche_of_row = np.tile(np.repeat(np.arange(len(NICHE_NAMES)), n * n), len(endocrine_flags))
        rows = {"dormant": slice(None), "proliferating": niche_of_row == NICHE_NAMES.index("perivascular_sprouting")}
        branches = {}
        for branch, preparation in (("dormant", DORMANT_PREPARATION), ("proliferating", PROLIFERATING_PREPARATION)):
            prepared = {**reference_niche, **preparation}
            start = steady_states(model, model.inputs({k: v for k, v in prepared.items() if v}), 0.0)
            selected = inputs[rows[branch]]
            states = np.full((len(inputs), start.shape[-1]), np.nan)
            states[rows[branch]] = steady_states(model, selected, np.repeat(start, len(selected), axis=0))
            rates_of_branch = fate_rates(model, states)
            dormant_of_branch = np.where(np.isnan(states).any(axis=-1), np.nan, is_dormant(model, states))
            branches[branch] = (rates_of_branch, dormant_of_branch)
            if reference_exit is None and branch == "dormant":
                untreated = niche_rates._switch_inputs(model, values, rest_signals, grid, "endosteal", 0.0, coupling)
                ref_state = steady_states(model, untreated[:1], start)
                ref = fate_rates(model, ref_state)
                reference_exit = float(ref["quiescence_exit_rate"][0])
                reference_apoptosis = float(ref["apoptosis_rate"][0])
        dormant, _ = branches["dormant"]
        awake, awake_dormant = branches["proliferating"]
        if len(endocrine_flags) == 1:
            dormant = {name: np.concatenate([value, value]) for name, value in dormant.items()}
            awake = {name: np.concatenate([value, value]) for name, value in awake.items()}
            awake_dormant = np.concatenate([awake_dormant, awake_dormant])
        shape = (2, len(NICHE_NAMES), n, n)
        rates[er_index, ..., 0] = np.log(np.maximum(dormant["quiescence_exit_rate"], 1e-300) / reference_exit).reshape(
            shape
        )
        rates[er_index, ..., 1] = (dormant["apoptosis_rate"] / reference_apoptosis).reshape(shape)
        rates[er_index, ..., 2] = awake["proliferation_rate"].reshape(shape)
        rates[er_index, ..., 3] = awake["apoptosis_rate"].reshape(shape)
        rates[er_index, ..., 4] = awake["quiescence_entry_rate"].reshape(shape)
        rates[er_index, ..., 5] = awake["immune_evasion"].reshape(shape)
        rates[er_index, ..., 6] = (1.0 - awake_dormant).reshape(shape)
    return rates, treated_vicious_factor(remodelling, coupling, grid, effects)


# ------------------------------------------------------------------------------------------------- aspirate


def aspirate_positive(
    marrow_dtcs: ArrayLike,
    *,
    seed: int,
    patient_ids: ArrayLike,
    visit: int | ArrayLike,
    parameters: Mapping[str, float] | None = None,
) -> NDArray[np.bool_]:
    """Return whether a bone-marrow aspirate finds at least one cytokeratin-positive cell (module docstring).

    Parameters
    ----------
    marrow_dtcs : array_like of int
        DTCs in the marrow at the time of the aspirate (e.g. ``result.visits["marrow_dtcs"]``); negative or
        missing (NaN) values give False.
    seed : int
        Non-negative seed.
    patient_ids : array_like of int
        Patient id of each aspirate (same length).
    visit : int or array_like of int
        Visit number of each aspirate (repeated aspirates of a patient are independent draws keyed by
        (seed, patient id, visit)).
    parameters : mapping of str to float, optional
        Overrides (``patients_natural_history.aspirate_sampled_fraction``).

    Returns
    -------
    numpy.ndarray of bool
        Positive with probability :math:`1 - e^{-f N}`.

    Raises
    ------
    InputError
        For mismatched shapes or a bad seed, patient id or visit.
    """
    if hasattr(marrow_dtcs, "to_numpy"):  # a pandas column with <NA> for visits not observed
        marrow_dtcs = marrow_dtcs.to_numpy(dtype=np.float64, na_value=np.nan)
    counts = np.asarray(marrow_dtcs, dtype=np.float64).ravel()
    ids = np.asarray(patient_ids).ravel()
    visits = np.broadcast_to(np.asarray(visit), counts.shape) if np.ndim(visit) == 0 else np.asarray(visit).ravel()
    if ids.shape != counts.shape or visits.shape != counts.shape:
        raise InputError(
            [Problem("patient_ids", "one patient id and visit per DTC count", f"{ids.shape} and {visits.shape}")]
        )
    if counts.size and (not np.issubdtype(ids.dtype, np.integer) or ids.min() < 0):
        raise InputError([Problem("patient_ids", "non-negative integer ids", str(ids.dtype))])
    if counts.size and (not np.issubdtype(visits.dtype, np.integer) or visits.min() < 0):
        raise InputError([Problem("visit", "non-negative integer visit numbers", str(visits.dtype))])
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError([Problem("seed", "a non-negative integer", repr(seed))])
    fraction = resolve_parameters(parameters)[SET_NAME].values()["aspirate_sampled_fraction"]
    out = np.zeros(counts.size, dtype=bool)
    for v in np.unique(visits):
        rows = np.flatnonzero(visits == v)
        u = agent_uniforms(int(seed), ids[rows].astype(np.uint64), int(v), 1, stream=ASPIRATE_STREAM)[:, 0]
        n = np.where(np.isfinite(counts[rows]) & (counts[rows] > 0), counts[rows], 0.0)
        out[rows] = u < -np.expm1(-fraction * n)
    return out
