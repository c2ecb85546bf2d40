r"""Global sensitivity machinery: Morris screening and Sobol indices (SALib) of any function, with resume.

Used by :mod:`dormancy.trials.sensitivity` for virtual trials; the maths and references are in that module's
docstring. A function maps parameter values (by name, natural units) to named float outputs; parameters are drawn
uniformly on their prior ranges (in log10 for log-uniform priors). :func:`evaluate_points` keeps completed
evaluations in a JSON-lines file and skips them on resume; any executor with an ordered ``map`` gives the same
numbers.

References: Sobol IM (2001) Math Comput Simul 55:271; Saltelli A et al. (2010) Comput Phys Commun 181:259;
Jansen MJW (1999) Comput Phys Commun 117:35; Morris MD (1991) Technometrics 33:161; Campolongo F et al. (2007)
Environ Model Softw 22:1509; Herman J, Usher W (2017) J Open Source Softw 2:97 (SALib).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from dormancy.errors import InputError, Problem

__all__ = [
    "INDEX_COLUMNS",
    "Executor",
    "assumption_parameters",
    "evaluate_points",
    "morris_screen",
    "sobol_indices",
]

INDEX_COLUMNS: tuple[str, ...] = ("output", "parameter", "S1", "S1_conf", "ST", "ST_conf", "rank")
Function = Callable[[Mapping[str, float]], Mapping[str, float]]
Progress = Callable[[int, int], None]


class Executor(Protocol):
    """Anything with an ordered ``map`` (``concurrent.futures.Executor``; the builtin ``map`` when omitted)."""

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> Iterable[Any]:
        """Apply ``fn`` to each item and return the results in the order of the items."""
        ...


# ----------------------------------------------------------------------------------------------- the parameters


def _reads_tables(set_name: str, symbol: str) -> bool:
    return set_name in ("bone_lifetime", "pivonka2008") or "__" in symbol or symbol == "endocrine_target_effect"


def assumption_parameters(*, tables: bool = False) -> pd.DataFrame:
    """Return the assumption-only records that a virtual trial accepts as overrides.

    Parameters
    ----------
    tables : bool
        Also the records that enter the niche-rate tables (slow to vary: every new value recomputes the tables).

    Returns
    -------
    pandas.DataFrame
        Index ``parameter`` (registry name); columns ``value``, ``unit``, ``distribution``, ``low``, ``high``,
        ``scale`` (``"log10"`` for a log-uniform prior, ``"linear"`` otherwise), ``reads_tables`` and
        ``description``. Records with a degenerate prior (``low == high``) are left out.
    """
    from dormancy.params import load_registry
    from dormancy.patients.parameters import USED_SETS

    registry = load_registry()
    rows = {}
    for set_name in USED_SETS:
        for record in registry.sets[set_name]:
            reads = _reads_tables(set_name, record.symbol)
            if record.evidence != "assumption" or record.prior.low >= record.prior.high or (reads and not tables):
                continue
            rows[record.name] = {
                "value": record.value,
                "unit": record.unit,
                "distribution": record.prior.distribution,
                "low": record.prior.low,
                "high": record.prior.high,
                "scale": "log10" if record.prior.distribution == "loguniform" else "linear",
                "reads_tables": reads,
                "description": record.description,
            }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "parameter"
    return frame


def _bounds(parameters: Sequence[str] | pd.DataFrame) -> pd.DataFrame:
    """Priors of the named records (a DataFrame with ``low``, ``high``, ``scale`` passes through)."""
    if isinstance(parameters, pd.DataFrame):
        missing = {"low", "high", "scale"} - set(parameters.columns)
        if missing:
            raise InputError([Problem("parameters", "columns low, high and scale", f"missing {sorted(missing)}")])
        return parameters
    from dormancy.params import load_registry

    registry = load_registry()
    names = list(parameters)
    problems, rows = [], {}
    if not names or len(set(names)) != len(names):
        problems.append(Problem("parameters", "one or more distinct registry names", repr(names)))
    for name in names:
        try:
            record = registry.parameter(str(name))
        except KeyError:
            problems.append(Problem(f"parameters.{name}", "a registry record name", repr(name)))
            continue
        if record.prior.low >= record.prior.high:
            problems.append(Problem(f"parameters.{name}", "a record with a non-degenerate prior", "low == high"))
            continue
        rows[name] = {
            "value": record.value,
            "low": record.prior.low,
            "high": record.prior.high,
            "scale": "log10" if record.prior.distribution == "loguniform" else "linear",
        }
    if problems:
        raise InputError(problems)
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "parameter"
    return frame


def _problem(bounds: pd.DataFrame) -> dict[str, Any]:
    log = (bounds["scale"] == "log10").to_numpy()
    low, high = bounds["low"].to_numpy(float), bounds["high"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):  # log10 only where the prior is log-uniform (low > 0)
        scaled = np.column_stack([np.where(log, np.log10(low), low), np.where(log, np.log10(high), high)])
    return {"num_vars": len(bounds), "names": [str(n) for n in bounds.index], "bounds": scaled.tolist()}


def _natural(bounds: pd.DataFrame, scaled: np.ndarray) -> np.ndarray:
    """Map points of the scaled space back to parameter values (clipped: 10**log10(b) may miss b by an ulp)."""
    log = (bounds["scale"] == "log10").to_numpy()
    with np.errstate(over="ignore"):
        values = np.where(log, 10.0 ** np.asarray(scaled, float), scaled)
    return np.clip(values, bounds["low"].to_numpy(float), bounds["high"].to_numpy(float))


# ------------------------------------------------------------------------------------------ evaluations and resume


def _read_store(path: Path, header: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Completed evaluations of a JSON-lines store (first line: the header, which must match)."""
    if not path.is_file():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines:
        return {}
    stored = json.loads(lines[0])
    if stored != json.loads(json.dumps(header)):
        raise InputError([Problem("store", f"an evaluations file of this design ({header})", f"{path} holds {stored}")])
    done = {}
    for line in lines[1:]:
        try:
            row = json.loads(line)
        except json.JSONDecodeError:  # a line cut by an interruption: evaluated again
            continue
        done[str(row["key"])] = row
    return done


def evaluate_points(
    function: Function,
    points: Sequence[tuple[str, Mapping[str, float]]],
    *,
    store: str | Path | None = None,
    header: Mapping[str, Any] | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    batch: int | None = None,
) -> list[dict[str, float]]:
    """Evaluate ``function`` at named points, keeping completed evaluations in a file and skipping them on resume.

    Parameters
    ----------
    function : callable
        ``function(values) -> {output: float}``; must be deterministic (its own seed inside).
    points : sequence of (key, values)
        A unique key per point (stored with it) and the parameter values.
    store : path, optional
        JSON-lines file: a header line, then one line per evaluation (``key``, ``values``, ``outputs``), appended
        and flushed after each batch. On resume an evaluation whose key and values match is not run again.
    header : mapping, optional
        What the store belongs to (design, seed, size...); a store with another header is refused.
    executor : optional
        Anything with an ordered ``map`` (e.g. ``concurrent.futures.ProcessPoolExecutor``); results do not
        depend on it.
    progress : callable, optional
        Called as ``progress(done, total)``.
    batch : int, optional
        Evaluations handed to the executor at a time and written together (default 1 without an executor, so an
        interruption loses at most the run under way; 8 with one).

    Returns
    -------
    list of dict
        The outputs, in the order of ``points``.
    """
    path = None if store is None else Path(store)
    header = dict(header or {})
    done = {} if path is None else _read_store(path, header)
    results: list[dict[str, float] | None] = [None] * len(points)
    todo = []
    for position, (key, values) in enumerate(points):
        row = done.get(str(key))
        if row is not None and row["values"] == {k: float(v) for k, v in values.items()}:
            results[position] = {k: float(v) for k, v in row["outputs"].items()}
        else:
            todo.append(position)
    if path is not None and not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(header) + "\n", encoding="utf-8")
    mapper = map if executor is None else executor.map
    batch = max(1, int(batch if batch is not None else (1 if executor is None else 8)))
    finished = len(points) - len(todo)
    if progress is not None:
        progress(finished, len(points))
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        outputs = list(mapper(function, [dict(points[p][1]) for p in chunk]))
        lines = []
        for position, output in zip(chunk, outputs, strict=True):
            results[position] = {k: float(v) for k, v in output.items()}
            key, values = points[position]
            record = {"key": str(key), "values": {k: float(v) for k, v in values.items()}, "outputs": results[position]}
            lines.append(json.dumps(record))
        if path is not None:
            with path.open("a", encoding="utf-8") as handle:
                handle.write("\n".join(lines) + "\n")
                handle.flush()
        finished += len(chunk)
        if progress is not None:
            progress(finished, len(points))
    return [r if r is not None else {} for r in results]


def _outputs_matrix(results: list[dict[str, float]], outputs: Sequence[str] | None) -> tuple[list[str], np.ndarray]:
    names = list(outputs) if outputs is not None else sorted({k for r in results for k in r})
    return names, np.array([[r.get(n, math.nan) for n in names] for r in results], dtype=float)


# ------------------------------------------------------------------------------------------------------- Sobol


def sobol_indices(
    function: Function,
    *,
    parameters: Sequence[str] | pd.DataFrame,
    n_base: int,
    seed: int,
    outputs: Sequence[str] | None = None,
    store: str | Path | None = None,
    header: Mapping[str, Any] | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    num_resamples: int = 1000,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """First-order and total Sobol indices of ``function`` over the parameters' priors (SALib).

    Parameters
    ----------
    function : callable
        ``function(values) -> {output: float}`` with ``values`` by parameter name (natural units).
    parameters : sequence of str or DataFrame
        Registry record names (their priors), or a table indexed by name with ``low``, ``high`` and ``scale``
        (``"log10"``: uniform in log10, else uniform).
    n_base : int
        Base sample size ``N`` (a power of 2 keeps the Sobol sequence balanced); ``N (k + 2)`` evaluations.
    seed : int
        Seeds the scrambled Sobol sequence and the bootstrap (not the function's own randomness).
    outputs : sequence of str, optional
        Which outputs to analyse (default: every output the function returns).
    store, header, executor, progress
        See :func:`evaluate_points` (resume from the store; any executor gives the same numbers).
    num_resamples : int
        Bootstrap resamples for the confidence intervals.
    conf_level : float
        Level of the bootstrap intervals (``S1_conf`` and ``ST_conf`` are half-widths).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`INDEX_COLUMNS`: per output and parameter ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` and
        ``rank`` (1 = the largest ``ST`` of that output). ``attrs``: ``evaluations`` (``N (k + 2)``), ``n_base``,
        ``mean`` and ``variance`` per output over the sample, ``nan`` (evaluations without a value, per output).
        An output with zero variance gets NaN indices.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    if isinstance(n_base, bool) or not isinstance(n_base, int | np.integer) or n_base < 2:
        raise InputError([Problem("n_base", "an integer >= 2 (a power of 2)", repr(n_base))])
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError([Problem("seed", "a non-negative integer", repr(seed))])
    bounds = _bounds(parameters)
    problem = _problem(bounds)
    import warnings

    with warnings.catch_warnings():  # SALib warns when N is not a power of 2; the numbers stay valid
        warnings.simplefilter("ignore", UserWarning)
        design = sobol_sample.sample(problem, int(n_base), calc_second_order=False, scramble=True, seed=int(seed))
    natural = _natural(bounds, design)
    names = problem["names"]
    points = [(f"sobol-{row}", dict(zip(names, map(float, point), strict=True))) for row, point in enumerate(natural)]
    results = evaluate_points(function, points, store=store, header=header, executor=executor, progress=progress)
    output_names, matrix = _outputs_matrix(results, outputs)
    frames, attrs = [], {"evaluations": len(points), "n_base": int(n_base), "mean": {}, "variance": {}, "nan": {}}
    for column, output in enumerate(output_names):
        y = matrix[:, column]
        attrs["nan"][output] = int(np.isnan(y).sum())
        y = np.where(np.isnan(y), np.nanmean(y) if np.isfinite(y).any() else 0.0, y)  # rare: see attrs["nan"]
        attrs["mean"][output], attrs["variance"][output] = float(np.mean(y)), float(np.var(y))
        if np.var(y) == 0.0:
            s1 = s1c = st = stc = np.full(len(names), math.nan)
        else:
            with np.errstate(all="ignore"):
                indices = sobol_analyze.analyze(
                    problem,
                    y,
                    calc_second_order=False,
                    num_resamples=int(num_resamples),
                    conf_level=float(conf_level),
                    seed=int(seed),
                )
            s1, s1c = np.asarray(indices["S1"], float), np.asarray(indices["S1_conf"], float)
            st, stc = np.asarray(indices["ST"], float), np.asarray(indices["ST_conf"], float)
        frame = pd.DataFrame({"output": output, "parameter": names, "S1": s1, "S1_conf": s1c, "ST": st, "ST_conf": stc})
        order = (-frame["ST"].fillna(-np.inf)).rank(method="first").astype(int)
        frame["rank"] = order
        frames.append(frame.sort_values("rank"))
    table = pd.concat(frames, ignore_index=True)[list(INDEX_COLUMNS)]
    table.attrs.update(attrs)
    return table


def morris_screen(
    function: Function,
    *,
    parameters: Sequence[str] | pd.DataFrame,
    trajectories: int,
    seed: int,
    outputs: Sequence[str] | None = None,
    store: str | Path | None = None,
    header: Mapping[str, Any] | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    r"""Morris elementary effects of ``function`` (screening before Sobol).

    ``trajectories × (k + 1)`` evaluations on a 4-level grid of the scaled space (log10 for log-uniform priors).
    The elementary effect of :math:`X_i` on a trajectory is :math:`(f(x + \Delta e_i) - f(x)) / \Delta` in
    units of the output per unit of the scaled range (the scaled space is normalised to ``[0, 1]`` per parameter,
    so effects are comparable across parameters).

    Returns
    -------
    pandas.DataFrame
        Per output and parameter: ``mu_star`` (mean absolute effect), ``mu_star_conf``, ``mu``, ``sigma``,
        ``max_abs`` (largest absolute effect: exactly 0 for a parameter the function does not read) and ``rank``
        (1 = the largest ``mu_star``).
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    bounds = _bounds(parameters)
    problem = _problem(bounds)
    unit = {"num_vars": problem["num_vars"], "names": problem["names"], "bounds": [[0.0, 1.0]] * problem["num_vars"]}
    design = morris_sample.sample(unit, int(trajectories), num_levels=4, seed=int(seed))
    scaled_bounds = np.asarray(problem["bounds"], float)
    scaled = scaled_bounds[:, 0] + design * (scaled_bounds[:, 1] - scaled_bounds[:, 0])
    natural = _natural(bounds, scaled)
    names = problem["names"]
    points = [(f"morris-{row}", dict(zip(names, map(float, point), strict=True))) for row, point in enumerate(natural)]
    results = evaluate_points(function, points, store=store, header=header, executor=executor, progress=progress)
    output_names, matrix = _outputs_matrix(results, outputs)
    k = len(names)
    frames = []
    for column, output in enumerate(output_names):
        y = matrix[:, column]
        indices = morris_analyze.analyze(unit, design, y, num_levels=4, seed=int(seed))
        # the largest absolute elementary effect per parameter, from the trajectories directly
        largest = np.zeros(k)
        for t in range(int(trajectories)):
            block = slice(t * (k + 1), (t + 1) * (k + 1))
            steps = np.diff(design[block], axis=0)
            changes = np.diff(y[block])
            for row, step in enumerate(steps):
                moved = np.flatnonzero(step)
                if moved.size == 1 and np.isfinite(changes[row]):
                    i = int(moved[0])
                    largest[i] = max(largest[i], abs(changes[row] / step[i]))
        frame = pd.DataFrame(
            {
                "output": output,
                "parameter": names,
                "mu_star": np.asarray(indices["mu_star"], float),
                "mu_star_conf": np.asarray(indices["mu_star_conf"], float),
                "mu": np.asarray(indices["mu"], float),
                "sigma": np.asarray(indices["sigma"], float),
                "max_abs": largest,
            }
        )
        frame["rank"] = (-frame["mu_star"].fillna(-np.inf)).rank(method="first").astype(int)
        frames.append(frame.sort_values("rank"))
    table = pd.concat(frames, ignore_index=True)
    table.attrs["evaluations"] = len(points)
    return table
