r"""A virtual-patient cohort over posterior draws: every outcome with its credible interval.

:func:`simulate_cohort_posterior` simulates the same cohort spec once per posterior draw (draw ``k``: the draw's
values as ``parameters=`` overrides, and for code that reads the registry directly through
:func:`dormancy.params.registry_overrides`; seed :func:`dormancy.params.propagation.draw_seed` (seed, k)), each draw a
task of a :class:`dormancy.distributed.Executor`, so the numbers are the same for any worker count. A draw with the
shipped values and seed ``draw_seed(seed, 0)`` reproduces :func:`simulate_cohort` with that seed bit for bit.

Per draw it keeps the outcome measures of :data:`MEASURES` (fractions 0-1): the DTC-positive aspirate at diagnosis,
the share of first distant recurrences in bone, and at each horizon overall and breast-cancer-specific survival and
the cumulative incidence of distant recurrence (:func:`dormancy.patients.survival_outcomes`), with a binomial
Monte-Carlo standard error :math:`\sqrt{f(1-f)/n}` (``n`` patients, or recurrences for the bone share).
:meth:`PosteriorCohortResult.summary` gives per measure the posterior median, the 95 % credible interval over draws,
the parameter and Monte-Carlo standard deviations (:func:`dormancy.params.propagation.three_sources`; a cohort has
no trial-size component).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dormancy.distributed import Executor
from dormancy.params.posterior import Posterior
from dormancy.params.propagation import DrawTask, PosteriorDraws, map_draws, split_overrides, three_sources
from dormancy.patients.cohort import _spec_dict, simulate_cohort
from dormancy.patients.outcomes import survival_outcomes
from dormancy.patients.parameters import USED_SETS
from dormancy.patients.specs import CohortSpec
from dormancy.patients.therapy import share_table_folder, table_folder
from dormancy.provenance import Manifest

__all__ = ["DRAW_COLUMNS", "PosteriorCohortResult", "save_cohort_posterior", "simulate_cohort_posterior"]

#: Horizons of the per-draw survival measures, years after diagnosis (those within follow-up are kept).
HORIZONS = (5.0, 10.0, 15.0, 20.0)
#: Columns of :attr:`PosteriorCohortResult.draws` (one row per draw and measure).
DRAW_COLUMNS = ("draw", "posterior_index", "seed", "measure", "value", "se", "n")


def _measures(table: pd.DataFrame, years: float) -> list[tuple[str, float, int]]:
    table = table[table["status"] == "ok"]
    n = len(table)
    rows = [("dtc_positive_at_diagnosis", float(table["dtc_positive"].mean()) if n else math.nan, n)]
    recurred = table[table["recurred"]]
    bone = float((recurred["recurrence_site"] == "bone").mean()) if len(recurred) else math.nan
    rows.append(("bone_share_of_first_distant", bone, len(recurred)))
    horizons = [h for h in HORIZONS if h <= years] or [years]
    outcomes = survival_outcomes(table, horizons=horizons)
    for measure in ("cif_distant", "os", "bcss"):
        for horizon, value in zip(outcomes["years"], outcomes[measure], strict=True):
            rows.append((f"{measure}_{horizon:g}y", float(value), n))
    return rows


def _cohort_draw(task: DrawTask, spec: CohortSpec, settings: Mapping[str, Any]):
    """Run one draw; return its measure rows and, when asked, its patient table (with a ``draw`` column)."""
    share_table_folder(settings.get("table_cache_dir"))
    result = simulate_cohort(
        spec,
        seed=task.seed,
        parameters=split_overrides(task.overrides, USED_SETS),
        chunk_size=int(settings["chunk_size"]),
    )
    rows = []
    for measure, value, n in _measures(result.table, spec.followup_years):
        se = math.sqrt(value * (1.0 - value) / n) if n and math.isfinite(value) else math.nan
        rows.append(task.head() | {"measure": measure, "value": value, "se": se, "n": n})
    table = None
    if settings["keep_tables"]:
        table = result.table
        table.insert(0, "draw", np.full(len(table), task.position, dtype=np.int64))
    parameters = result.manifest.parameters if task.position == 0 else None
    return rows, table, parameters


@dataclass(frozen=True)
class PosteriorCohortResult:
    """A cohort simulated over posterior draws.

    Parameters
    ----------
    spec : CohortSpec
        The cohort.
    seed : int
        The run's seed.
    posterior : PosteriorDraws
        The draws (posterior, indices, seeds, file and hash).
    draws : pandas.DataFrame
        Columns :data:`DRAW_COLUMNS`: per draw and measure, the value (fraction), its binomial Monte-Carlo
        standard error and the number of patients (or recurrences) it rests on.
    table : pandas.DataFrame or None
        With ``keep_tables``: every draw's patient table, a ``draw`` column first.
    manifest : Manifest
        Provenance: the cohort, the posterior (file, SHA-256, metadata, draw indices and seeds), the executor.
    """

    spec: CohortSpec
    seed: int
    posterior: PosteriorDraws
    draws: pd.DataFrame
    table: pd.DataFrame | None
    manifest: Manifest

    def summary(self) -> pd.DataFrame:
        """Per measure: ``median``, ``cri_low``, ``cri_high`` over draws, ``parameters_sd``, ``monte_carlo_sd``."""
        rows = []
        for measure, part in self.draws.groupby("measure", sort=False):
            values = part["value"].to_numpy(float)
            finite = values[np.isfinite(values)]
            median, low, high = np.percentile(finite, [50.0, 2.5, 97.5]) if finite.size else (math.nan,) * 3
            sources = three_sources([], [], part["value"], part["se"])
            rows.append(
                {
                    "measure": measure,
                    "draws": len(part),
                    "median": float(median),
                    "cri_low": float(low),
                    "cri_high": float(high),
                    "parameters_sd": sources["parameters_sd"],
                    "monte_carlo_sd": sources["monte_carlo_sd"],
                }
            )
        return pd.DataFrame(rows)


def simulate_cohort_posterior(
    spec: CohortSpec,
    *,
    seed: int,
    posterior: Posterior | str | Path | None = None,
    posterior_draws: int = 100,
    executor: Executor | None = None,
    chunk_size: int = 65536,
    keep_tables: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> PosteriorCohortResult:
    """Simulate ``spec`` once per posterior draw (see the module docstring).

    Parameters
    ----------
    spec : CohortSpec
        The cohort.
    seed : int
        Non-negative seed: the draws picked and draw ``k``'s seed depend only on (seed, k).
    posterior : Posterior, path-like or None
        The posterior (None: the shipped file; an :class:`~dormancy.errors.InputError` naming ``posterior`` if
        there is none).
    posterior_draws : int
        Number of draws.
    executor : dormancy.distributed.Executor, optional
        Where draws run (default in-process).
    chunk_size : int
        Patients per chunk inside a draw (same results).
    keep_tables : bool
        Keep every draw's patient table (memory: draws × patients rows).
    progress : callable, optional
        ``progress(draws_done, draws)``.
    """
    settings = {"chunk_size": int(chunk_size), "keep_tables": bool(keep_tables), "table_cache_dir": table_folder()}
    draws, outputs, executor = map_draws(
        _cohort_draw,
        spec,
        settings,
        posterior=posterior,
        n=posterior_draws,
        seed=seed,
        executor=executor,
        progress=progress,
    )
    frame = pd.DataFrame([row for rows, _, _ in outputs for row in rows], columns=list(DRAW_COLUMNS))
    table = pd.concat([t for _, t, _ in outputs], ignore_index=True) if keep_tables else None
    manifest = Manifest.create(
        model="dormancy.patients (posterior-predictive cohort)",
        scenario={"cohort": _spec_dict(spec)},
        parameters=list(outputs[0][2]),
        seed=int(seed),
        settings={"posterior": draws.provenance(), "executor": executor.description, "chunk_size": int(chunk_size)},
    )
    return PosteriorCohortResult(spec, int(seed), draws, frame, table, manifest)


def save_cohort_posterior(result: PosteriorCohortResult, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``draws.csv``, ``posterior_summary.csv``, ``manifest.json`` (and ``patients.parquet``) atomically.

    ``patients.parquet`` (every draw's patients, a ``draw`` column first) is written when the run kept its tables.

    Raises
    ------
    FileExistsError
        When ``path`` exists and ``overwrite`` is False.
    """
    import json

    from dormancy.atomic import atomic_folder
    from dormancy.patients.cohort import MANIFEST_FILE, TABLE_FILE

    path = Path(path)
    with atomic_folder(path, overwrite=overwrite, what="a cohort", marker=MANIFEST_FILE) as temporary:
        if result.table is not None:
            result.table.to_parquet(temporary / TABLE_FILE, index=False)
        result.draws.to_csv(temporary / "draws.csv", index=False)
        result.summary().to_csv(temporary / "posterior_summary.csv", index=False)
        text = json.dumps(result.manifest.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        (temporary / MANIFEST_FILE).write_text(text, encoding="utf-8")
    return path
