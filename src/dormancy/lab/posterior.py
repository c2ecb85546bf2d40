r"""A virtual-laboratory protocol over posterior draws: every readout with its credible interval.

:func:`run_protocol_posterior` runs one protocol (:func:`dormancy.lab.run_protocol`) once per posterior draw,
inside :func:`dormancy.params.registry_overrides` (lab protocols read the registry directly), with draw ``k``'s seed
:func:`dormancy.params.propagation.draw_seed` (seed, k), each draw a task of a
:class:`dormancy.distributed.Executor` (the same numbers for any worker count). The readouts of all draws are
stacked with a ``draw`` column; :meth:`PosteriorLabResult.summary` gives, per condition, readout and time, the
posterior median and 95 % credible interval over draws. A protocol reads only some registry sets: a posterior of
records it does not read leaves its readouts unchanged across draws (then the interval is the Monte-Carlo spread of
the draw seeds only).
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
from dormancy.lab.protocol import run_protocol
from dormancy.params.posterior import Posterior
from dormancy.params.propagation import DrawTask, PosteriorDraws, map_draws
from dormancy.provenance import Manifest

__all__ = ["PosteriorLabResult", "run_protocol_posterior", "save_lab_posterior"]


def _lab_draw(task: DrawTask, name: str, options: Mapping[str, Any]):
    result = run_protocol(name, seed=task.seed, options=options)
    table = result.table.copy()
    table.insert(0, "draw", np.full(len(table), task.position, dtype=np.int64))
    status = task.head() | {"status": result.status, "message": result.message}
    return table, status, (result.manifest if task.position == 0 else None)


@dataclass(frozen=True)
class PosteriorLabResult:
    """A protocol run over posterior draws.

    Parameters
    ----------
    protocol : str
        The protocol.
    table : pandas.DataFrame
        Every draw's readouts, a ``draw`` column first.
    draws : pandas.DataFrame
        Per draw: ``draw``, ``posterior_index``, ``seed``, ``status``, ``message``.
    posterior : PosteriorDraws
        The draws.
    manifest : Manifest
        Provenance: the first draw's manifest (protocol, options, records) with the posterior's provenance.
    """

    protocol: str
    table: pd.DataFrame
    draws: pd.DataFrame
    posterior: PosteriorDraws
    manifest: Manifest

    def summary(self) -> pd.DataFrame:
        """Per condition, readout, unit (and time): ``median``, ``cri_low``, ``cri_high`` over draws, ``draws``."""
        table = self.table
        if table.empty or "value" not in table:
            return pd.DataFrame(columns=["condition", "readout", "median", "cri_low", "cri_high", "draws"])
        keys = [c for c in ("condition", "readout", "unit", "time_days", "time_hours") if c in table]
        numeric = table[pd.to_numeric(table["value"], errors="coerce").notna()]

        def interval(values: pd.Series) -> pd.Series:
            v = values.to_numpy(float)
            median, low, high = np.percentile(v, [50.0, 2.5, 97.5]) if v.size else (math.nan,) * 3
            return pd.Series({"median": median, "cri_low": low, "cri_high": high, "draws": float(v.size)})

        grouped = numeric.assign(value=numeric["value"].astype(float)).groupby(keys, sort=False, dropna=False)
        return grouped["value"].apply(interval).unstack().reset_index()


def run_protocol_posterior(
    name: str,
    *,
    seed: int,
    options: Mapping[str, Any] | None = None,
    posterior: Posterior | str | Path | None = None,
    posterior_draws: int = 100,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PosteriorLabResult:
    """Run protocol ``name`` once per posterior draw (see the module docstring).

    Raises
    ------
    InputError
        For a bad protocol name, option, seed, draw count or posterior (options are checked before any draw runs).
    """
    from dormancy.lab.protocol import validate_options

    validate_options(name, options)
    draws, outputs, executor = map_draws(
        _lab_draw,
        name,
        dict(options or {}),
        posterior=posterior,
        n=posterior_draws,
        seed=seed,
        executor=executor,
        progress=progress,
    )
    table = pd.concat([t for t, _, _ in outputs], ignore_index=True)
    statuses = pd.DataFrame([s for _, s, _ in outputs])
    first: Manifest = outputs[0][2]
    manifest = Manifest.create(
        model=f"{first.model} over posterior draws",
        scenario=dict(first.scenario),
        parameters=list(first.parameters),
        seed=int(seed),
        settings={**dict(first.settings), "posterior": draws.provenance(), "executor": executor.description},
    )
    return PosteriorLabResult(name, table, statuses, draws, manifest)


def save_lab_posterior(result: PosteriorLabResult, folder: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``readouts.csv`` (every draw), ``posterior_summary.csv``, ``draws.csv`` and ``manifest.json`` atomically.

    Raises
    ------
    FileExistsError
        When ``folder`` exists and ``overwrite`` is False.
    """
    import json

    from dormancy.atomic import atomic_folder
    from dormancy.lab.protocol import MANIFEST_FILE, TABLE_FILE

    path = Path(folder)
    with atomic_folder(path, overwrite=overwrite, what="a lab result", marker=MANIFEST_FILE) as temporary:
        result.table.to_csv(temporary / TABLE_FILE, index=False)
        result.summary().to_csv(temporary / "posterior_summary.csv", index=False)
        result.draws.to_csv(temporary / "draws.csv", index=False)
        text = json.dumps(result.manifest.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        (temporary / MANIFEST_FILE).write_text(text, encoding="utf-8")
    return path
