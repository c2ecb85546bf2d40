r"""Propagating a posterior to a prediction: which draws, with which seeds, and how the uncertainty splits.

A posterior-predictive run evaluates a prediction once per posterior draw. :func:`posterior_draws` resolves the
posterior (a :class:`~dormancy.params.posterior.Posterior`, a file, or the shipped file), picks ``n`` draws by
weighted systematic resampling (:meth:`Posterior.sample`, seeded by the run's seed) and gives draw position
:math:`k = 0 \dots n-1` its own seed, :func:`draw_seed` — a function of (seed, k) only, so a draw's result is
bit-identical whatever the number of draws run, their order, and the worker count. Its provenance (file, SHA-256,
the posterior's own metadata, the draw indices and seeds) goes into every manifest.

**Three sources of uncertainty** (:func:`variance_components`, :func:`three_sources`). With :math:`y_{dr}` a
replicate quantity (a trial's log hazard ratio) for draw :math:`d = 1 \dots D` and replicate :math:`r = 1 \dots R`
(all draws with :math:`R` replicates), the law of total variance holds exactly for the empirical (ddof 0) moments:

.. math:: \operatorname{Var}_{dr}(y) = \underbrace{\overline{\operatorname{Var}_r(y \mid d)}}_{\text{within}}
   + \underbrace{\operatorname{Var}_d(\bar y_d)}_{\text{between}}.

*Trial of the published size*: the within-draw spread of a replicate of the design's enrolment. *Parameters*: the
spread over draws of the large-sample estimate :math:`L_d` (the pooled analysis of all :math:`R` replicates, i.e. a
trial :math:`R` times the size); its variance over draws contains the Monte-Carlo noise of each :math:`L_d`, whose
variance :math:`s_d^2` is the pooled estimate's squared standard error, so the parameter variance is
:math:`\operatorname{Var}_d(L_d) - \overline{s_d^2}` (floored at 0) and *Monte-Carlo* is :math:`\overline{s_d^2}`.

:func:`map_draws` is the one draw loop of the posterior-predictive runners (cohorts, trials, lab protocols): it
picks the draws, hands each a :class:`DrawTask` and runs the task inside :func:`dormancy.params.registry_overrides`
of the draw's values on a :class:`dormancy.distributed.Executor`.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from dormancy.distributed import Executor
from dormancy.errors import InputError, Problem
from dormancy.params.posterior import Posterior, load_posterior, shipped_posterior_path
from dormancy.params.registry import registry_overrides

__all__ = [
    "DRAW_TAG",
    "MAX_DRAWS",
    "DrawTask",
    "PosteriorDraws",
    "draw_seed",
    "map_draws",
    "posterior_draws",
    "three_sources",
    "variance_components",
]

DRAW_TAG = 0x44524157  # "DRAW": spawn-key tag of the seeds of posterior-predictive draws
MAX_DRAWS = 100_000


def draw_seed(seed: int, position: int) -> int:
    """Return the seed of draw position ``position`` of a run seeded ``seed`` (a non-negative 63-bit integer).

    ``SeedSequence(seed, spawn_key=(DRAW_TAG, position))``'s first 64 bits, shifted right by one: independent of
    the number of draws, their order and the worker count.
    """
    words = np.random.SeedSequence(int(seed), spawn_key=(DRAW_TAG, int(position))).generate_state(2, np.uint32)
    return ((int(words[0]) << 32) | int(words[1])) >> 1


@dataclass(frozen=True)
class PosteriorDraws:
    """The draws of a posterior-predictive run.

    Parameters
    ----------
    posterior : Posterior
        The posterior.
    indices : tuple of int
        Posterior row of each draw position.
    seeds : tuple of int
        Seed of each draw position (:func:`draw_seed`).
    seed : int
        The run's seed.
    source : str
        The posterior file, or ``"in memory"``.
    sha256 : str or None
        SHA-256 of the posterior file (None for one in memory).
    """

    posterior: Posterior
    indices: tuple[int, ...]
    seeds: tuple[int, ...]
    seed: int
    source: str
    sha256: str | None

    @property
    def n(self) -> int:
        """Number of draw positions."""
        return len(self.indices)

    def overrides(self, position: int) -> dict[str, float]:
        """Record name to value of draw position ``position`` (the posterior row ``indices[position]``)."""
        return self.posterior.draw(self.indices[position])

    def provenance(self) -> dict[str, Any]:
        """JSON-ready provenance for a manifest: file, hash, the posterior's metadata, indices and seeds."""
        return {
            "posterior_file": self.source,
            "posterior_sha256": self.sha256,
            "posterior_metadata": dict(self.posterior.metadata),
            "posterior_names": list(self.posterior.names),
            "posterior_stored_draws": self.posterior.n_draws,
            "posterior_effective_sample_size": self.posterior.effective_sample_size,
            "draws": self.n,
            "draw_indices": list(self.indices),
            "draw_seeds": [str(s) for s in self.seeds],  # as text: JSON readers lose integers above 2**53
            "seed": self.seed,
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def posterior_draws(
    posterior: Posterior | PosteriorDraws | str | Path | None,
    n: int,
    *,
    seed: int,
    field: str = "posterior",
    count_field: str = "posterior_draws",
) -> PosteriorDraws:
    """Resolve a posterior and pick ``n`` weighted draws with their seeds.

    Parameters
    ----------
    posterior : Posterior, PosteriorDraws, path-like or None
        A posterior, a ``dormancy-posterior`` file, or None for the shipped file
        (:func:`~dormancy.params.posterior.shipped_posterior_path`); draws already resolved are returned as they
        are (``n`` and ``seed`` must match).
    n : int
        Number of draws, 1 to :data:`MAX_DRAWS`.
    seed : int
        The run's non-negative seed (resampling and draw seeds).
    field, count_field : str
        Names of the options in error messages (``--posterior-file`` and ``--posterior`` on the command line).

    Raises
    ------
    InputError
        Naming ``field`` when the file is missing or not a valid posterior, ``count_field`` for a bad ``n``.
    """
    if isinstance(posterior, PosteriorDraws):  # already resolved (e.g. by the command line, before any work)
        if posterior.n != n or posterior.seed != seed:
            found = f"{posterior.n} draws for seed {posterior.seed}"
            raise InputError([Problem(count_field, f"{n} draws for seed {seed} (as resolved)", found)])
        return posterior
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= n <= MAX_DRAWS:
        raise InputError([Problem(count_field, f"an integer in [1, {MAX_DRAWS}]", repr(n))])
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError([Problem("seed", "a non-negative integer", repr(seed))])
    if isinstance(posterior, Posterior):
        resolved, source, sha = posterior, "in memory", None
    else:
        path = shipped_posterior_path() if posterior is None else Path(posterior)
        if not path.is_file():
            expected = "an existing dormancy-posterior Parquet file" + (
                " (no posterior is shipped with this version: give one)" if posterior is None else ""
            )
            raise InputError([Problem(field, expected, str(path))])
        try:
            resolved = load_posterior(path)
        except InputError as error:
            problems = [Problem(f"{field} ({p.field})", p.expected, p.found) for p in error.problems]
            raise InputError(problems, str(path)) from None
        source, sha = str(path), _sha256(path)
    indices = resolved.sample(int(n), seed=int(seed))
    seeds = tuple(draw_seed(int(seed), k) for k in range(int(n)))
    return PosteriorDraws(resolved, indices, seeds, int(seed), source, sha)


class DrawTask(NamedTuple):
    """One draw of a posterior-predictive run, as its task receives it.

    Parameters
    ----------
    position : int
        Draw position ``k`` (0 ... n - 1).
    index : int
        Posterior row of the draw.
    seed : int
        The draw's seed (:func:`draw_seed`).
    overrides : dict of str to float
        Record name to value of the draw.
    """

    position: int
    index: int
    seed: int
    overrides: dict[str, float]

    def head(self) -> dict[str, Any]:
        """Return the columns that name the draw in a result row: ``draw``, ``posterior_index``, ``seed`` (text)."""
        return {"draw": self.position, "posterior_index": self.index, "seed": str(self.seed)}


def _in_draw(function: Callable[..., Any], task: DrawTask, *arguments: Any) -> Any:
    """Run ``function(task, *arguments)`` inside the registry overrides of the draw (on a worker too)."""
    with registry_overrides(task.overrides):
        return function(task, *arguments)


def map_draws(
    function: Callable[..., Any],
    *arguments: Any,
    posterior: Posterior | PosteriorDraws | str | Path | None,
    n: int,
    seed: int,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[PosteriorDraws, list[Any], Executor]:
    """Run ``function(task, *arguments)`` once per posterior draw; return the draws, the outputs and the executor.

    Parameters
    ----------
    function : callable
        A module-level function (it runs on Dask workers too) taking a :class:`DrawTask` and ``arguments``; it
        runs inside :func:`dormancy.params.registry_overrides` of the draw's values, so code that reads the
        registry directly sees them.
    *arguments
        Passed to every call (sent once to each worker).
    posterior, n, seed
        As :func:`posterior_draws`.
    executor : dormancy.distributed.Executor, optional
        Where draws run (default in-process); outputs come back in draw order for any worker count.
    progress : callable, optional
        ``progress(draws_done, draws)``.

    Raises
    ------
    InputError
        As :func:`posterior_draws` (before any draw runs).
    """
    draws = posterior_draws(posterior, n, seed=seed)
    tasks = [DrawTask(k, draws.indices[k], draws.seeds[k], draws.overrides(k)) for k in range(draws.n)]
    executor = executor if executor is not None else Executor(None)
    outputs = executor.map(functools.partial(_in_draw, function), tasks, *arguments, progress=progress)
    return draws, outputs, executor


def variance_components(values: ArrayLike, groups: ArrayLike) -> dict[str, float]:
    """Empirical law of total variance of ``values`` grouped by ``groups`` (equal weight per value, ddof 0).

    Returns
    -------
    dict
        ``total`` (variance of all values), ``within`` (mean over groups, weighted by group size, of each group's
        variance) and ``between`` (size-weighted variance of the group means); ``total == within + between`` up to
        rounding. NaN values are dropped first; all NaN when nothing is left.
    """
    y = np.asarray(values, dtype=float)
    g = np.asarray(groups)
    keep = np.isfinite(y)
    y, g = y[keep], g[keep]
    if y.size == 0:
        return {"total": math.nan, "within": math.nan, "between": math.nan}
    _, code, size = np.unique(g, return_inverse=True, return_counts=True)
    means = np.bincount(code, weights=y) / size
    mean = float(y.mean())
    within = float(np.sum((y - means[code]) ** 2) / y.size)
    between = float(np.sum(size * (means - mean) ** 2) / y.size)
    return {"total": float(np.mean((y - mean) ** 2)), "within": within, "between": between}


def three_sources(
    replicate_values: ArrayLike,
    replicate_draws: ArrayLike,
    large_estimates: ArrayLike,
    large_standard_errors: ArrayLike,
) -> dict[str, float]:
    r"""Split the uncertainty of a replicated quantity into parameters, Monte-Carlo and trial-size variances.

    Parameters
    ----------
    replicate_values, replicate_draws : array_like
        One value per replicate (e.g. a published-size trial's log hazard ratio) and its draw position.
    large_estimates, large_standard_errors : array_like
        Per draw: the large-sample estimate (pooled analysis of all its replicates) and its standard error.

    Returns
    -------
    dict
        ``parameters_var`` (:math:`\max(0, \operatorname{Var}_d L_d - \overline{s^2})`), ``monte_carlo_var``
        (:math:`\overline{s^2}`), ``trial_var`` (within-draw variance of a replicate), ``large_between_var``
        (:math:`\operatorname{Var}_d L_d`, = parameters + Monte-Carlo when the former is not floored),
        ``replicate_total_var``, ``replicate_within_var``, ``replicate_between_var``
        (:func:`variance_components` of the replicates: total = within + between) and the square roots
        ``parameters_sd``, ``monte_carlo_sd``, ``trial_sd``.
    """
    components = variance_components(replicate_values, replicate_draws)
    large = np.asarray(large_estimates, dtype=float)
    se = np.asarray(large_standard_errors, dtype=float)
    keep = np.isfinite(large) & np.isfinite(se)
    between = float(np.var(large[keep])) if keep.any() else math.nan
    monte_carlo = float(np.mean(se[keep] ** 2)) if keep.any() else math.nan
    parameters = max(0.0, between - monte_carlo) if keep.any() else math.nan
    result = {
        "parameters_var": parameters,
        "monte_carlo_var": monte_carlo,
        "trial_var": components["within"],
        "large_between_var": between,
        "replicate_total_var": components["total"],
        "replicate_within_var": components["within"],
        "replicate_between_var": components["between"],
    }
    for name in ("parameters", "monte_carlo", "trial"):
        value = result[f"{name}_var"]
        result[f"{name}_sd"] = math.sqrt(value) if math.isfinite(value) else math.nan
    return result


def split_overrides(values: Mapping[str, float], sets: tuple[str, ...]) -> dict[str, float]:
    """Return the overrides whose set (the part of the name before the first dot) is one of ``sets``."""
    return {name: value for name, value in values.items() if name.partition(".")[0] in sets}
