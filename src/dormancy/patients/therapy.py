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
3. **Effects in the niche-rate table**: each state's table is :func:`dormancy.coupling.tables.tabulate` under the
   state's effects (the drug terms of the bone drive, :func:`dormancy.bone.marrow.bone_drive`; the switch's drug
   inputs and blocks, :func:`dormancy.coupling.niche_inputs`; the resorbing front under zoledronic acid's niche
   action, :func:`dormancy.coupling.exposed_inputs`). Its dormant-branch fields are over the *untreated* reference
   cell, so a drug's effect on awakening and dormant-cell death is kept.
4. **Per-step scalars** (not tabulated): cycling-cell log10 kill of the step
   :math:`k_{kill} \Delta \bar E_{kill} / \ln 10` (chemotherapy kills cycling cells only: growing foci and founders,
   never dormant cells); the growth factor :math:`1 - \bar E_{CDK4/6}` of every focus (cytostatic); the extra
   growth inhibition of ER+ foci :math:`\min(1, \varepsilon_{endo} \bar E_{ER} / E_{endo})` (the patient model's
   endocrine inhibition scaled by the strategy's ER blockade over standard care's).

The marrow aspirate (:func:`aspirate_positive`) is a measurement, :mod:`dormancy.patients.aspirate`: an aspirate
screens about 2 million mononuclear cells from two sites, DTCs are spread unevenly (a gamma density factor per
site) and in small clusters, and each screened DTC is read with a protocol's sensitivity. A negative aspirate can be
a false negative, and a positive one is often not repeated six months later (Synnestvedt 2012).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dormancy.coupling.tables import TableCache, tabulate
from dormancy.params import ParameterSet
from dormancy.patients.aspirate import ASPIRATE_STREAM as ASPIRATE_STREAM
from dormancy.patients.aspirate import read_aspirate
from dormancy.patients.parameters import SET_NAME, resolve_parameters
from dormancy.pkpd import TARGETS, Strategy, cycling_kill_rate, parse_strategy, strategy_effects

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
#: The tables every call without an explicit cache shares (in memory unless given a folder,
#: :func:`use_table_cache_folder`, as the command line does for ``DORMANCY_CACHE_DIR``).
DEFAULT_CACHE = TableCache()


def use_table_cache_folder(folder: str | os.PathLike[str] | None) -> None:
    """Keep the tables of :data:`DEFAULT_CACHE` on disk in ``folder`` too (None: memory only)."""
    DEFAULT_CACHE.directory = None if folder is None else Path(folder)


def table_folder() -> str | None:
    """Return the folder of :data:`DEFAULT_CACHE` as text (None: memory only), to hand to worker processes."""
    return None if DEFAULT_CACHE.directory is None else str(DEFAULT_CACHE.directory)


def share_table_folder(folder: str | None) -> None:
    """In a worker process: keep the tables on disk in the caller's ``folder`` when this process has none.

    A task of a posterior-predictive run calls it first, so every worker reads the tables its caller (or another
    worker) computed instead of computing them again (the table key includes the code's hash: never stale).
    """
    if folder is not None and DEFAULT_CACHE.directory is None:
        use_table_cache_folder(folder)


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
    cache: TableCache | None = None,
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
    cache : TableCache, optional
        Where the state tables are kept (default :data:`DEFAULT_CACHE`).
    """
    strategy = parse_strategy(strategy, where="treatment")
    sets = sets if sets is not None else resolve_parameters(None)
    cache = cache if cache is not None else DEFAULT_CACHE
    base = tabulate(sets, cache=cache)
    values = sets[SET_NAME].values()
    scalars = (values["endocrine_growth_inhibition"], values["endocrine_target_effect"])
    key = (strategy, float(step_days), base.key, scalars)
    if key in cache.derived:
        return cache.derived[key]
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
        treated = tabulate(sets, dict(zip(TABLE_TARGETS, vector, strict=True)), cache=cache)
        rates.append(treated.rates)
        vicious.append(treated.vicious_factor)
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
    cache.derived[key] = out
    return out


# ------------------------------------------------------------------------------------------------- aspirate


def aspirate_positive(
    marrow_dtcs: ArrayLike,
    *,
    seed: int,
    patient_ids: ArrayLike,
    visit: int | ArrayLike,
    parameters: Mapping[str, float] | None = None,
    protocol: str = "reference",
) -> NDArray[np.bool_]:
    """Return whether a bone-marrow aspirate finds at least one cytokeratin-positive cell.

    Delegates to :func:`dormancy.patients.aspirate.read_aspirate` (clustered sampling; its ``cells_found`` give
    the number of cells).

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
        Overrides of the measurement's records (``patients_natural_history.aspirate_*`` and others).
    protocol : {"reference", "oslo"}
        Whose sensitivity (:data:`dormancy.patients.aspirate.PROTOCOLS`).

    Returns
    -------
    numpy.ndarray of bool
        Positive aspirates.

    Raises
    ------
    InputError
        For mismatched shapes or a bad seed, patient id, visit or protocol.
    """
    reading = read_aspirate(
        marrow_dtcs, seed=seed, patient_ids=patient_ids, visit=visit, protocol=protocol, parameters=parameters
    )
    return reading.positive
