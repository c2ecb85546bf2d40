"""The single entry point from a scenario to a result: :func:`simulate`.

``simulate(scenario)`` resolves the parameter set (registry values, scenario overrides), runs every replicate
of the ensemble — replicate ``i`` draws its sampled parameters from its own generator, a child of
``SeedSequence(seed)``, so it gets the same values whatever the number of replicates or the order of work — and
returns a :class:`dormancy.results.Result` with time series, a per-replicate table with a status, and provenance.
A replicate that fails numerically is recorded with its status; the batch goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from dormancy.bone import komarova
from dormancy.ode import SaveTimes, SolverSettings, Trajectory, integrate
from dormancy.params import ParameterSet
from dormancy.results import Manifest, Result, Status
from dormancy.rng import replicate_generator
from dormancy.scenario import Scenario

Progress = Callable[[int, int], None]

#: A remodelling cycle starts when osteoblasts rise through 1 % above their steady state (smaller ripples of a
#: damped return to rest are not counted as cycles).
CYCLE_THRESHOLD = 1.01


@dataclass(frozen=True)
class Engine:
    """A model that :func:`simulate` can run: its states and one function from parameters to a trajectory.

    Parameters
    ----------
    name : str
        Model name, as in ``scenario.model.kind``.
    states : tuple of (name, unit, description)
        State variables in state-vector order.
    run : callable
        ``run(parameter_set, solver, save) -> (Trajectory, summary)``; ``summary`` maps column names to floats
        for the per-replicate table (NaN when undefined).
    summary : tuple of str
        The summary's column names (NaN-filled for a replicate whose model raised).
    """

    name: str
    states: tuple[tuple[str, str, str], ...]
    run: Callable[[ParameterSet, SolverSettings, SaveTimes], tuple[Trajectory, dict[str, float]]]
    summary: tuple[str, ...] = ()


def _run_komarova(
    parameter_set: ParameterSet, solver: SolverSettings, save: SaveTimes
) -> tuple[Trajectory, dict[str, float]]:
    values = komarova.KomarovaParameters.from_set(parameter_set)
    osteoclasts_steady, osteoblasts_steady = komarova.steady_state(values)
    trajectory = integrate(komarova.make_rhs(values), komarova.initial_state(parameter_set), solver=solver, save=save)
    osteoclasts = trajectory.states[0][np.isfinite(trajectory.states[0])]
    starts = komarova.cycle_starts(trajectory.time, trajectory.states[1], CYCLE_THRESHOLD * osteoblasts_steady)
    period = float(np.mean(np.diff(starts))) if len(starts) >= 2 else float("nan")
    summary = {
        "osteoclasts_steady": osteoclasts_steady,
        "osteoblasts_steady": osteoblasts_steady,
        "final_bone_mass": float(trajectory.states[2, -1]),
        "min_osteoclasts": float(np.min(osteoclasts, initial=np.inf)) if len(osteoclasts) else float("nan"),
        "remodelling_cycles": float(len(starts)),
        "mean_cycle_period_days": period,
    }
    return trajectory, summary


def _failed(engine: Engine, times: np.ndarray, error: Exception) -> tuple[Trajectory, dict[str, float]]:
    """Return the all-NaN trajectory and summary of a replicate whose model raised ``error``."""
    states = np.full((len(engine.states), times.size), np.nan)
    message = f"{type(error).__name__}: {str(error)[:200]}"
    return Trajectory(times, states, Status.MODEL_ERROR, message), dict.fromkeys(engine.summary, float("nan"))


#: Columns of the Komarova engine's per-replicate summary, in order.
KOMAROVA_SUMMARY = (
    "osteoclasts_steady",
    "osteoblasts_steady",
    "final_bone_mass",
    "min_osteoclasts",
    "remodelling_cycles",
    "mean_cycle_period_days",
)


ENGINES: dict[str, Engine] = {
    "komarova": Engine("komarova", komarova.STATES, _run_komarova, KOMAROVA_SUMMARY),
}


def replicate_parameters(scenario: Scenario, index: int, base: ParameterSet | None = None) -> ParameterSet:
    """Return the parameter set of replicate ``index``: the resolved set with its own prior draws applied.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    index : int
        Replicate number, from 0.
    base : ParameterSet, optional
        The scenario's resolved set, when the caller already has it.
    """
    base = scenario.model.resolve_parameters() if base is None else base
    if not scenario.ensemble.sample:
        return base
    return base.sample(scenario.ensemble.sample, replicate_generator(scenario.seed, index))


def simulate(scenario: Scenario, *, progress: Progress | None = None) -> Result:
    """Run a scenario and return its result with provenance.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    progress : callable, optional
        Called as ``progress(done, total)`` after each replicate.

    Returns
    -------
    Result
        ``timeseries`` with dims ``(entity, time)`` (time in days) and one variable per state; ``table`` with one
        row per replicate: status, message, the sampled parameter values and summary measures; ``manifest`` with
        the scenario, the resolved parameter set, seed, version and platform.
    """
    engine = ENGINES[scenario.model.kind]
    solver = scenario.solver.settings()
    save = scenario.save.times()
    total = scenario.ensemble.replicates
    rows: list[dict[str, object]] = []
    trajectories: list[np.ndarray] = []
    times = save.grid()
    base = scenario.model.resolve_parameters()
    for index in range(total):
        parameter_set = replicate_parameters(scenario, index, base)
        try:
            trajectory, summary = engine.run(parameter_set, solver, save)
        except (ArithmeticError, ValueError, np.linalg.LinAlgError) as error:  # failure is data: record, go on
            trajectory, summary = _failed(engine, times, error)
        trajectories.append(trajectory.states)
        sampled = {symbol: parameter_set[symbol].value for symbol in scenario.ensemble.sample}
        rows.append({"status": trajectory.status.value, "message": trajectory.message, **sampled, **summary})
        if progress is not None:
            progress(index + 1, total)

    stacked = np.stack(trajectories)
    entity = np.arange(total, dtype=np.int64)
    timeseries = xr.Dataset(
        {
            name: (("entity", "time"), stacked[:, position, :], {"units": unit, "long_name": description})
            for position, (name, unit, description) in enumerate(engine.states)
        },
        coords={
            "entity": ("entity", entity, {"long_name": "replicate"}),
            "time": ("time", times, {"units": "day", "long_name": "time since start"}),
        },
        attrs={"model": engine.name, "scenario": scenario.name},
    )
    table = pd.DataFrame(rows, index=pd.Index(entity, name="entity"))
    parameters = [
        {**record.to_dict(), "sampled_per_replicate": record.symbol in scenario.ensemble.sample} for record in base
    ]
    manifest = Manifest.create(
        model=engine.name,
        scenario=scenario.to_dict(),
        parameters=parameters,
        seed=scenario.seed,
        settings={
            "solver": scenario.solver.model_dump(mode="json"),
            "save": scenario.save.model_dump(mode="json"),
        },
    )
    return Result(timeseries=timeseries, table=table, manifest=manifest)


def count_by_status(result: Result) -> dict[str, int]:
    """Return the number of replicates per status value (all statuses listed, zeros included)."""
    counts = result.table["status"].value_counts()
    return {status.value: int(counts.get(status.value, 0)) for status in Status}
