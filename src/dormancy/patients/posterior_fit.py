"""The patient model's posterior: design runs of the target cohorts, the targets as a likelihood, and the fit.

Wires the generic method of :mod:`dormancy.inference` (history matching with Gaussian-process emulators, then MCMC on
the emulated likelihood) to the patient simulator:

- **Parameters** (:data:`POSTERIOR_PARAMETERS`): the twelve natural-history records of
  :data:`dormancy.patients.parameters.FREE_PARAMETERS`, the ER− seeding fold, the three per-subtype other-organ
  seeding factors and the four endocrine-response records fitted in calibration runs 8 and 9 — every record the
  calibration targets were fitted to. Their registry priors (uniform or log-uniform) are the prior.
- **Simulator**: :func:`dormancy.patients.calibration.simulate_targets` (every target cohort at ``n_patients``, seeds
  from the base seed and the exact parameter values) summarised to the raw statistic of every target, in the order
  of :func:`dormancy.patients.targets.load_targets`.
- **Design runs** are appended one JSON line per point to a log file and skipped when already there, so a run
  resumes where it stopped.
- **Likelihood** (:func:`observations`): each target's tolerance read as an observation model, see there.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dormancy.inference.likelihood import Observation
from dormancy.inference.space import ParameterSpace
from dormancy.patients.parameters import FREE_PARAMETERS, SET_NAME
from dormancy.patients.targets import Target, load_targets

__all__ = [
    "BUDGET_CHUNK",
    "EDGE_FRACTION",
    "PILOT_PATIENTS",
    "POSTERIOR_PARAMETERS",
    "DesignRuns",
    "EmulatedTargets",
    "emulate_targets",
    "emulate_waves",
    "evidence_statistics",
    "history_waves",
    "observations",
    "posterior_space",
    "read_design",
    "refuted_cuts",
    "run_design",
    "target_statistics",
    "to_posterior",
    "wave_cut",
    "wave_training",
]

POSTERIOR_PARAMETERS: tuple[str, ...] = FREE_PARAMETERS + tuple(
    f"{SET_NAME}.{symbol}"
    for symbol in (
        "seeding_fold_er_negative",
        "other_site_seeding_factor__er_pos_her2_neg",
        "other_site_seeding_factor__her2_pos",
        "other_site_seeding_factor__tn",
        "endocrine_growth_inhibition",
        "endocrine_eradication_per_year",
        "endocrine_resistant_fraction",
        "endocrine_acquired_resistance_per_year",
    )
)
#: Patients per chunk of a design run's cohorts: the CPU budget is checked after each chunk.
BUDGET_CHUNK = 2048
#: Patients of the larger pilot run before each cohort of a budgeted design run (the smaller has an eighth); the
#: cohort does not start when the pilots' CPU time per patient scaled to the cohort's size would overrun the budget.
PILOT_PATIENTS = 128
#: Soft edge of a published range, as a fraction of its half-width (or of the bound's magnitude, at least 1).
EDGE_FRACTION = 0.1


def posterior_space(names: Sequence[str] = POSTERIOR_PARAMETERS) -> ParameterSpace:
    """Return the prior space of ``names`` from their registry records."""
    from dormancy.patients.calibration import prior_bounds

    priors = prior_bounds(tuple(names))
    return ParameterSpace.from_bounds(
        {name: (row.low, row.high, row.scale == "log10") for name, row in priors.iterrows()}
    )


def observations(targets: Sequence[Target] | None = None) -> tuple[Observation, ...]:
    r"""Read every target's tolerance as an observation model of its statistic.

    - A relative or absolute tolerance (a published estimate with its band) is a normal observation: the model's
      statistic :math:`s` meets the published value :math:`y` with :math:`y \sim N(s, \sigma^2)`, the band being
      :math:`\pm 1.96\sigma` (the band read as a 95 % interval).
    - A range ``[low, high]`` (one bound may be infinite) is an interval observation: the likelihood is the
      probability that :math:`s + \epsilon` lies in it, :math:`\epsilon \sim N(0, e^2)`, with a soft edge
      :math:`e` = :data:`EDGE_FRACTION` of the half-width (of :math:`\max(|\text{bound}|, 1)` for a one-sided bound).

    Both are assumptions about how tightly a target constrains the model; the emulator's variance adds to
    :math:`\sigma^2` or :math:`e^2` when the likelihood is evaluated.
    """
    targets = load_targets() if targets is None else tuple(targets)
    result = []
    for target in targets:
        low, high = target.tolerance.bounds(target.published)
        if target.tolerance.kind in ("relative", "absolute"):
            result.append(Observation.normal(target.statistic, target.published, (high - low) / 2.0 / 1.96))
        else:
            if math.isfinite(low) and math.isfinite(high):
                edge = EDGE_FRACTION * (high - low) / 2.0
            else:
                edge = EDGE_FRACTION * max(abs(low if math.isfinite(low) else high), 1.0)
            result.append(Observation.interval(target.statistic, low, high, edge))
    return tuple(result)


def target_statistics(
    values: Mapping[str, float],
    *,
    seed: int,
    n_patients: int,
    targets: Sequence[Target] | None = None,
    budget_seconds: float | None = None,
) -> np.ndarray:
    """Simulate every target cohort at ``values`` and return each target's statistic (NaN where undefined).

    The cohorts and seeds are :func:`dormancy.patients.calibration.simulate_targets`'s (it runs them). With
    ``budget_seconds`` (CPU seconds of this process, all threads: steadier than wall time on a shared machine),
    pilots of :data:`PILOT_PATIENTS` / 8 and :data:`PILOT_PATIENTS` patients run before each cohort, which does not
    start when their CPU time per patient (the difference, free of the per-call set-up) scaled to the cohort would
    overrun the budget, and the budget is checked after every chunk of
    :data:`BUDGET_CHUNK` patients; once it is spent (or would be) the point returns all NaN (undefined, hence
    implausible). The pilot's rows are discarded. The simulator's cost grows with the number of growing foci, so
    points over budget are those where nearly every DTC founds a growing focus. Chunking does not change a cohort's rows
    (:func:`dormancy.patients.cohort.simulate_cohort`), so the statistics of a point within budget are those of
    :func:`~dormancy.patients.calibration.simulate_targets` whatever the budget.
    """
    from dormancy.patients.calibration import simulate_targets
    from dormancy.patients.cohort import simulate_cohort
    from dormancy.patients.summaries import summarise
    from dormancy.provenance import Environment

    targets = load_targets() if targets is None else tuple(targets)
    environment = Environment.here()
    began = time.process_time()

    def _pilot_cost(spec, cohort_seed, parameters) -> float:
        """CPU seconds per patient from two pilots (the difference removes the per-call set-up, ~0.02 s)."""
        cost = []
        for n in (PILOT_PATIENTS // 8, PILOT_PATIENTS):
            start = time.process_time()
            simulate_cohort(
                dataclasses.replace(spec, n_patients=n),
                seed=cohort_seed,
                parameters=dict(parameters) or None,
                environment=environment,
            )
            cost.append(time.process_time() - start)
        return max(cost[1] - cost[0], 0.0) / (PILOT_PATIENTS - PILOT_PATIENTS // 8)

    def check_budget(done: int, total: int) -> None:
        if budget_seconds is not None and time.process_time() - began > budget_seconds:
            raise _OverBudget

    def run(spec, cohort_seed, parameters):
        check_budget(0, spec.n_patients)
        if budget_seconds is not None and spec.n_patients > PILOT_PATIENTS:
            # pilots first: one chunk of a point where every DTC founds a focus can run for minutes
            per_patient = _pilot_cost(spec, cohort_seed, parameters)
            if time.process_time() - began + per_patient * spec.n_patients > budget_seconds:
                raise _OverBudget
        return simulate_cohort(
            spec,
            seed=cohort_seed,
            parameters=dict(parameters) or None,
            environment=environment,
            chunk_size=BUDGET_CHUNK,
            progress=check_budget,
        ).table

    try:
        tables = simulate_targets(values, seed=seed, n_patients=n_patients, simulator=run)
    except _OverBudget:
        return np.full(len(targets), math.nan)
    stats = summarise(tables)
    return np.array([float(stats.get(t.statistic, math.nan)) for t in targets])


def evidence_statistics(values: Mapping[str, float], *, seed: int, n_patients: int) -> dict[str, float]:
    """Simulate the evidence items that are not calibration targets at ``values``: the repeat-aspirate replica.

    Synnestvedt 2012's figures (:func:`dormancy.patients.repeat_aspirate.repeat_aspirate_targets`) depend on the
    posterior's seeding and natural-history records through the marrow DTCs of the replica's cohort; the reading
    itself uses the registry's aspirate records (fitted to that replica, not part of the posterior). Returns the
    statistics by key (``synnestvedt.<name>``).
    """
    from dormancy.patients.aspirate import aspirate_values
    from dormancy.patients.repeat_aspirate import read_replica, replica_statistics, simulate_replica

    overrides = dict(values) or None
    marrow = simulate_replica(n_patients=n_patients, seed=seed, parameters=overrides)
    return replica_statistics(read_replica(marrow, seed=seed, values=aspirate_values(overrides)))


class _OverBudget(Exception):
    """A design point spent its CPU budget before its last cohort."""


@dataclass(frozen=True)
class DesignRuns:
    """Every design run read back from a log.

    Parameters
    ----------
    unit : numpy.ndarray
        ``(n, d)`` points in the unit cube of the space.
    statistics : numpy.ndarray
        ``(n, T)`` raw statistics, NaN where undefined.
    wave : numpy.ndarray
        ``(n,)`` wave of each run.
    n_patients : numpy.ndarray
        ``(n,)`` cohort size of each run.
    """

    unit: np.ndarray
    statistics: np.ndarray
    wave: np.ndarray
    n_patients: np.ndarray


def _rows(paths: Sequence[Path]) -> list[dict]:
    rows = []
    for path in paths:
        if path.exists():
            for line in path.read_text().splitlines():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:  # a torn line from an interrupted write
                    continue
    return rows


def read_design(log: str | Path | Sequence[str | Path], *, names: Sequence[str] = POSTERIOR_PARAMETERS) -> DesignRuns:
    """Read the runs of one or several design logs (one JSON object per line; torn lines are ignored)."""
    paths = [Path(log)] if isinstance(log, str | Path) else [Path(p) for p in log]
    rows = [r for r in _rows(paths) if tuple(r["names"]) == tuple(names)]
    rows.sort(key=lambda r: (r["wave"], r["index"]))
    d = len(names)
    if not rows:
        return DesignRuns(np.zeros((0, d)), np.zeros((0, 0)), np.zeros(0, int), np.zeros(0, int))
    return DesignRuns(
        np.array([r["unit"] for r in rows], float),
        np.array([[math.nan if v is None else v for v in r["statistics"]] for r in rows], float),
        np.array([r["wave"] for r in rows], int),
        np.array([r["n_patients"] for r in rows], int),
    )


def _append_line(path: Path, line: str) -> None:
    """Append one line, first ending a torn last line (an interrupted write) so the new one stays whole."""
    torn = False
    if path.exists() and path.stat().st_size:
        with path.open("rb") as handle:
            handle.seek(-1, 2)
            torn = handle.read(1) != b"\n"
    with path.open("a") as handle:
        handle.write(("\n" if torn else "") + line + "\n")


def run_design(
    space: ParameterSpace,
    unit_points: np.ndarray,
    *,
    wave: int,
    log: str | Path,
    n_patients: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
    simulate: Callable[..., np.ndarray] = target_statistics,
    budget_seconds: float | None = None,
    part: tuple[int, int] = (0, 1),
    done_logs: Sequence[str | Path] = (),
) -> DesignRuns:
    """Simulate the target statistics at every design point not yet in ``log`` and append each as it finishes.

    Parameters
    ----------
    space : ParameterSpace
        The calibrated parameters.
    unit_points : numpy.ndarray
        ``(n, d)`` design points in the unit cube.
    wave : int
        Wave number recorded with each run; ``(wave, index)`` identifies a run on resume.
    log : path-like
        JSON-lines file (created if missing).
    n_patients, seed : int
        Cohort size and base seed of :func:`target_statistics`.
    progress : callable, optional
        ``progress(done, total)`` after each run.
    simulate : callable
        ``simulate(values, seed=, n_patients=, budget_seconds=) -> statistics``; :func:`target_statistics` by
        default.
    budget_seconds : float, optional
        Passed to ``simulate``; a run over budget is logged with ``"over_budget": true``.
    part : (int, int)
        ``(i, n)``: run only the points whose index is ``i`` modulo ``n`` (``n`` processes share a wave, each with its
        own log).
    done_logs : sequence of path-like
        Other logs whose runs count as done (the other parts' logs).

    Returns
    -------
    DesignRuns
        Every run in the log (all waves).
    """
    path = Path(log)
    logs = [path, *(Path(p) for p in done_logs)]
    done = {(r["wave"], r["index"]) for r in _rows(logs) if tuple(r["names"]) == space.names}
    values = space.from_unit(unit_points)
    total = len(unit_points)
    for index, (unit, point) in enumerate(zip(unit_points, values, strict=True)):
        if (wave, index) in done or index % part[1] != part[0]:
            continue
        began = time.perf_counter()
        statistics = simulate(space.as_mapping(point), seed=seed, n_patients=n_patients, budget_seconds=budget_seconds)
        row = {
            "names": list(space.names),
            "wave": wave,
            "index": index,
            "n_patients": n_patients,
            "seed": seed,
            "unit": [float(u) for u in unit],
            "statistics": [None if not math.isfinite(s) else float(s) for s in statistics],
            "seconds": round(time.perf_counter() - began, 3),
            "over_budget": bool(np.all(~np.isfinite(statistics))) and budget_seconds is not None,
        }
        _append_line(path, json.dumps(row))
        if progress is not None:
            progress(index + 1, total)
    return read_design(logs, names=space.names)


@dataclass(frozen=True)
class EmulatedTargets:
    """Emulators of every target's standardised statistic, fitted to design runs.

    Parameters
    ----------
    space : ParameterSpace
        The calibrated parameters.
    emulator : dormancy.inference.emulator.Emulator
        One GP per target.
    observations : tuple of Observation
        The targets' observation models in standardised units (:func:`dormancy.inference.emulator.standardise`).
    names : tuple of str
        Target statistics, in order.
    """

    space: ParameterSpace
    emulator: object
    observations: tuple[Observation, ...]
    names: tuple[str, ...]

    def log_likelihood(self, unit: np.ndarray) -> np.ndarray:
        """Emulated log-likelihood of unit-cube points ``(m, d)``."""
        from dormancy.inference.likelihood import log_likelihood

        mean, variance = self.emulator.predict(unit)
        return log_likelihood(self.observations, mean, variance)


def emulate_targets(
    runs: DesignRuns,
    *,
    space: ParameterSpace,
    seed: int,
    targets: Sequence[Target] | None = None,
    trend: str = "constant",
) -> EmulatedTargets:
    """Fit a GP emulator of every target's standardised statistic to the design runs.

    ``trend``: the GPs' mean, see :meth:`dormancy.inference.emulator.Emulator.fit`.
    """
    from dormancy.inference.emulator import Emulator, standardise, to_z

    targets = load_targets() if targets is None else tuple(targets)
    shift, scale, standard = standardise(observations(targets))
    z = to_z(runs.statistics, shift, scale)
    emulator = Emulator.fit(runs.unit, z, seed=seed, trend=trend)
    return EmulatedTargets(space, emulator, standard, tuple(t.statistic for t in targets))


def wave_cut(wave: int) -> int:
    """Return ``k`` of wave ``wave``'s cut (its ``k``-th largest implausibility must be at most 3).

    The third largest in wave 1, the second in wave 2, the largest after: a statistic still poorly emulated in an
    early wave cannot rule out space alone.
    """
    return 3 if wave == 1 else (2 if wave == 2 else 1)


def wave_training(runs: DesignRuns, wave: int, *, box: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Return the indices of the runs wave ``wave``'s emulators are fitted to.

    Those of the wave itself and of the earlier waves run at the same cohort size: one GP has one white-noise level,
    and the Monte-Carlo variance of a statistic scales with one over the cohort size, so runs of different sizes are
    not mixed in one emulator. (Earlier waves at the same size lie in a larger NROY space than this wave's, which
    only widens what the emulator has seen.) A *local* wave (``box``: the ``(low, high)`` corners of its design's box
    in the unit cube) is fitted to the runs inside its box only: its emulators describe that box, with a linear trend
    (:func:`emulate_waves`).
    """
    mine = runs.wave == wave
    if not mine.any():
        raise ValueError(f"no design run of wave {wave}")
    size = int(np.max(runs.n_patients[mine]))
    keep = (runs.wave <= wave) & (runs.n_patients == size)
    if box is not None:
        low, high = (np.asarray(b, float) for b in box)
        keep &= np.all((runs.unit >= low) & (runs.unit <= high), axis=1)
    return np.flatnonzero(keep)


def emulate_waves(
    runs: DesignRuns,
    *,
    space: ParameterSpace,
    seed: int,
    waves: Sequence[int] | None = None,
    cache: str | Path | None = None,
    targets: Sequence[Target] | None = None,
    boxes: Mapping[int, tuple[np.ndarray, np.ndarray]] | None = None,
) -> tuple[EmulatedTargets, ...]:
    """Fit one set of emulators per wave (:func:`wave_training` runs each) and return them in wave order.

    A wave with a box in ``boxes`` (a local wave) is fitted to the runs in its box with a linear trend
    (:meth:`dormancy.inference.emulator.Emulator.fit`, ``trend="linear"``); the others with a constant mean.

    With ``cache`` (a folder), each wave's fitted emulators are pickled there under a digest of their training data
    and seed and read back when the same fit is asked again (a resumable run's working files, not a format).
    ``targets`` (default: every calibration target) are the columns of ``runs.statistics``.
    """
    import hashlib
    import pickle

    waves = sorted({int(w) for w in runs.wave}) if waves is None else list(waves)
    boxes = dict(boxes or {})
    fitted = []
    for wave in waves:
        box = boxes.get(wave)
        trend = "constant" if box is None else "linear"
        index = wave_training(runs, wave, box=box)
        subset = DesignRuns(runs.unit[index], runs.statistics[index], runs.wave[index], runs.n_patients[index])
        path = None
        if cache is not None:
            digest = hashlib.sha256()
            for array in (subset.unit, np.nan_to_num(subset.statistics, nan=1e300)):
                digest.update(np.ascontiguousarray(array, float).tobytes())
            digest.update(f"{seed}/{wave}".encode() + (b"" if box is None else b"/linear"))
            path = Path(cache) / f"wave{wave}-{digest.hexdigest()[:16]}.pkl"
            if path.exists():
                fitted.append(pickle.loads(path.read_bytes()))
                continue
        emulated = emulate_targets(subset, space=space, seed=seed, targets=targets, trend=trend)
        if path is not None:
            from dormancy.atomic import atomic_file

            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_file(path) as temporary:
                temporary.write_bytes(pickle.dumps(emulated))
        fitted.append(emulated)
    return tuple(fitted)


def history_waves(
    emulated: Sequence[EmulatedTargets],
    waves: Sequence[int],
    runs: DesignRuns | None = None,
    *,
    targets: Sequence[Target] | None = None,
    boxes: Mapping[int, tuple[np.ndarray, np.ndarray]] | None = None,
) -> tuple:
    """Return the :class:`dormancy.inference.history.Wave` cut of each wave's emulators (:func:`wave_cut`).

    With ``runs``, each wave's emulator SD is inflated per target by what the runs of the later waves in ``waves``
    (independent of its fit) show (:func:`dormancy.inference.emulator.validation_inflation`; each validation run's
    Monte-Carlo variance is the one fitted by its own wave's emulators). The last wave has no later runs and is not
    inflated. ``targets`` (default: every calibration target) are the columns of ``runs.statistics``. A wave with a
    box in ``boxes`` (a local wave, :func:`wave_training`) cuts only inside its box, where its emulators were
    fitted, and is validated by the later runs inside it only.
    """
    from dormancy.inference.emulator import standardise, to_z, validation_inflation
    from dormancy.inference.history import Wave

    position = {int(v): j for j, v in enumerate(waves)}
    if runs is not None:
        shift, scale, _ = standardise(observations(targets))
        z = to_z(runs.statistics, shift, scale)
    result = []
    for e, w in zip(emulated, waves, strict=True):
        box = None if boxes is None else boxes.get(int(w))
        box = None if box is None else (np.asarray(box[0], float), np.asarray(box[1], float))
        inflation = None
        if runs is not None:
            later = np.flatnonzero([int(v) in position and v > w for v in runs.wave])
            if box is not None:
                later = later[np.all((runs.unit[later] >= box[0]) & (runs.unit[later] <= box[1]), axis=1)]
            if len(later):
                noise = np.array([emulated[position[int(v)]].emulator.noise for v in runs.wave[later]])
                inflation = validation_inflation(e.emulator.predict, runs.unit[later], z[later], noise)
        result.append(Wave(e.emulator.predict, e.observations, k=wave_cut(w), inflation=inflation, box=box))
    return tuple(result)


def refuted_cuts(
    cuts: Sequence, runs: DesignRuns, box: tuple[np.ndarray, np.ndarray], *, targets: Sequence[Target] | None = None
) -> list[int]:
    """Return the positions of the ``cuts`` that rule out a run in ``box`` which the simulator shows is plausible.

    A run of the box whose simulated statistics meet every target within 3 observation SDs (largest implausibility
    at most 3, Monte-Carlo noise and all) is a point the history match must keep; an earlier wave whose cut rules it
    out is refuted there by the simulator itself (its emulator, fitted over a wider region, is overconfident in the
    box), and a local wave's posterior does not use that cut as support.
    """
    from dormancy.inference.history import kth_largest
    from dormancy.inference.likelihood import implausibility

    low, high = (np.asarray(b, float) for b in box)
    inside = np.all((runs.unit >= low) & (runs.unit <= high), axis=1)
    model = observations(targets)
    plausible = inside & (kth_largest(implausibility(model, runs.statistics), 1) <= 3.0)
    points = runs.unit[plausible]
    if not len(points):
        return []
    return [j for j, cut in enumerate(cuts) if np.any(cut.score(points) > cut.threshold)]


def to_posterior(space: ParameterSpace, unit: np.ndarray, metadata: Mapping[str, object]):
    """Return MCMC draws in the unit cube as a :class:`dormancy.params.posterior.Posterior` (equal weights)."""
    from dormancy.params.posterior import Posterior

    values = space.from_unit(np.clip(unit, 0.0, 1.0))
    # round-off of 10**log10(x) can step just outside a bound; the prior is closed
    values = np.clip(values, np.asarray(space.low), np.asarray(space.high))
    return Posterior(space.names, values, np.ones(len(values)), dict(metadata))
