"""Posterior samples of parameter records: the ``dormancy-posterior`` on-disk format (version 1).

A posterior is a set of weighted draws of named registry records (``<set>.<symbol>``), produced by a calibration
(:mod:`dormancy.inference`, wired to the patients in :mod:`dormancy.patients.posterior_fit`) and read by every
prediction that propagates parametric uncertainty (cohorts, trials, lab experiments run over posterior draws).
Draw ``i`` is a mapping of record name to value that can be passed as ``parameters=`` overrides wherever the point
estimate is used.

On disk: one Parquet file with columns ``draw`` (int), ``weight`` (float, normalised to sum 1) and one float column
per record, and a JSON document under the schema-metadata key ``dormancy`` holding ``format``
(``"dormancy-posterior"``), ``version`` (1) and ``metadata`` (method, seed, targets, diagnostics, package version:
the provenance of the fit). Files are written atomically; reading checks the format, version, names (against the
registry) and weights.

Resampling (:meth:`Posterior.sample`) draws indices with a generator seeded from the caller's seed only
(``numpy.random.SeedSequence([seed, SAMPLE_TAG])``), never global random state, by systematic resampling
(Kitagawa 1996) followed by a seeded shuffle (so any prefix of the draws is itself a weighted sample); the same seed
gives the same draws on every platform and worker count.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dormancy.errors import InputError, Problem

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "Posterior",
    "load_posterior",
    "save_posterior",
    "shipped_posterior_path",
]

FORMAT_NAME = "dormancy-posterior"
FORMAT_VERSION = 1
SAMPLE_TAG = 0x504F5354  # "POST": spawn-key tag of the resampling stream
_METADATA_KEY = b"dormancy"
_SHIPPED = "patients_posterior.parquet"


@dataclass(frozen=True)
class Posterior:
    """Weighted draws of named parameter records.

    Parameters
    ----------
    names : tuple of str
        Registry record names (``<set>.<symbol>``), one per column of ``draws``.
    draws : numpy.ndarray
        Shape ``(n_draws, len(names))``, float64, in each record's unit.
    weights : numpy.ndarray
        Shape ``(n_draws,)``, non-negative; normalised to sum 1 on construction.
    metadata : mapping
        Provenance of the fit (JSON-serialisable): method, seed, targets, diagnostics, package version.
    """

    names: tuple[str, ...]
    draws: np.ndarray
    weights: np.ndarray
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        draws = np.array(self.draws, dtype=float, copy=True).reshape(-1, len(self.names))
        weights = np.array(self.weights, dtype=float, copy=True).reshape(-1)
        problems = []
        if len(set(self.names)) != len(self.names) or not self.names:
            problems.append(Problem("posterior.names", "at least one name, each once", repr(self.names)))
        if weights.shape[0] != draws.shape[0] or draws.shape[0] == 0:
            problems.append(
                Problem("posterior.weights", f"one weight per draw ({draws.shape[0]})", f"{weights.shape[0]}")
            )
        elif not (np.all(np.isfinite(weights)) and np.all(weights >= 0) and weights.sum() > 0):
            problems.append(Problem("posterior.weights", "finite, non-negative, not all zero", "other values"))
        if not np.all(np.isfinite(draws)):
            problems.append(Problem("posterior.draws", "finite values", "NaN or infinite values"))
        if problems:
            raise InputError(problems)
        draws.flags.writeable = False
        weights = weights / weights.sum()
        weights.flags.writeable = False
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "draws", draws)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "metadata", dict(self.metadata))

    @property
    def n_draws(self) -> int:
        """Number of stored draws."""
        return int(self.draws.shape[0])

    @property
    def effective_sample_size(self) -> float:
        r"""Kish's effective sample size of the weights, :math:`1 / \sum_i w_i^2` (``n_draws`` when equal)."""
        return float(1.0 / np.sum(self.weights**2))

    def draw(self, index: int) -> dict[str, float]:
        """Return draw ``index`` as a mapping of record name to value (usable as ``parameters=`` overrides)."""
        return dict(zip(self.names, map(float, self.draws[index]), strict=True))

    def sample(self, n: int, *, seed: int) -> tuple[int, ...]:
        """Return ``n`` draw indices resampled by weight (systematic resampling; Kitagawa 1996).

        Systematic resampling, then a seeded shuffle, so any prefix is itself a weighted sample. With equal weights
        and ``n == n_draws`` every draw is returned once. The indices depend only on ``seed``, ``n`` and the weights.
        """
        if n < 1:
            raise InputError([Problem("posterior draws", "an integer >= 1", repr(n))])
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), SAMPLE_TAG])))
        positions = (rng.random() + np.arange(n)) / n
        cumulative = np.cumsum(self.weights)
        cumulative[-1] = 1.0
        picks = np.searchsorted(cumulative, positions, side="right")
        return tuple(int(i) for i in rng.permutation(picks))

    def summary(self, quantiles: tuple[float, ...] = (0.025, 0.05, 0.5, 0.95, 0.975)):
        """Return the weighted mean, standard deviation and quantiles of every record (a DataFrame indexed by name)."""
        import pandas as pd

        order = np.argsort(self.draws, axis=0)
        rows = {}
        for j, name in enumerate(self.names):
            values = self.draws[order[:, j], j]
            cumulative = np.cumsum(self.weights[order[:, j]])
            mean = float(np.sum(self.weights * self.draws[:, j]))
            row = {"mean": mean, "sd": float(math.sqrt(max(np.sum(self.weights * (self.draws[:, j] - mean) ** 2), 0)))}
            for q in quantiles:
                row[f"q{q * 100:g}"] = float(values[min(np.searchsorted(cumulative, q), len(values) - 1)])
            rows[name] = row
        return pd.DataFrame.from_dict(rows, orient="index")

    def to_frame(self):
        """Return the draws as a DataFrame with columns ``draw``, ``weight`` and one per record."""
        import pandas as pd

        frame = pd.DataFrame(self.draws, columns=list(self.names))
        frame.insert(0, "weight", self.weights)
        frame.insert(0, "draw", np.arange(self.n_draws, dtype=np.int64))
        return frame


def shipped_posterior_path() -> Path:
    """Return the path of the posterior shipped with the package (it may not exist in every version)."""
    return Path(__file__).parent / "data" / "posterior" / _SHIPPED


def save_posterior(posterior: Posterior, path: str | Path) -> Path:
    """Write ``posterior`` to ``path`` (Parquet, format ``dormancy-posterior`` version 1), atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dormancy.atomic import atomic_file

    table = pa.Table.from_pandas(posterior.to_frame(), preserve_index=False)
    document = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "metadata": dict(posterior.metadata)}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), _METADATA_KEY: json.dumps(document)})
    path = Path(path)
    with atomic_file(path) as temporary:
        pq.write_table(table, temporary)
    return path


def load_posterior(path: str | Path | None = None, *, check_registry: bool = True) -> Posterior:
    """Read a posterior file (the shipped one when ``path`` is None).

    Parameters
    ----------
    path : path-like, optional
        A ``dormancy-posterior`` Parquet file.
    check_registry : bool
        Check that every name is a registry record and every value lies inside its prior.

    Raises
    ------
    InputError
        When the file is missing, not a ``dormancy-posterior`` file, of another version, or names records the
        registry does not have (or values outside their priors).
    """
    import pyarrow.parquet as pq

    path = shipped_posterior_path() if path is None else Path(path)
    field_name = "posterior"
    if not path.is_file():
        raise InputError([Problem(field_name, "an existing dormancy-posterior Parquet file", str(path))])
    try:
        table = pq.read_table(path)
        document = json.loads((table.schema.metadata or {}).get(_METADATA_KEY, b"{}"))
    except Exception as error:  # any unreadable file is one input problem
        raise InputError(
            [Problem(field_name, "a readable Parquet file", f"{type(error).__name__}")], str(path)
        ) from None
    if document.get("format") != FORMAT_NAME or document.get("version") != FORMAT_VERSION:
        found = f"format {document.get('format')!r} version {document.get('version')!r}"
        raise InputError([Problem(field_name, f"format {FORMAT_NAME!r} version {FORMAT_VERSION}", found)], str(path))
    frame = table.to_pandas()
    names = tuple(c for c in frame.columns if c not in ("draw", "weight"))
    posterior = Posterior(
        names, frame[list(names)].to_numpy(float), frame["weight"].to_numpy(float), document["metadata"]
    )
    if check_registry:
        from dormancy.params.registry import load_registry

        registry = load_registry()
        problems = []
        for j, name in enumerate(names):
            try:
                prior = registry.parameter(name).prior
            except KeyError:
                problems.append(Problem(f"posterior.{name}", "a registry record name <set>.<symbol>", name))
                continue
            outside = int(np.sum((posterior.draws[:, j] < prior.low) | (posterior.draws[:, j] > prior.high)))
            if outside:
                problems.append(
                    Problem(
                        f"posterior.{name}",
                        f"values in the prior [{prior.low:g}, {prior.high:g}]",
                        f"{outside} outside",
                    )
                )
        if problems:
            raise InputError(problems, str(path))
    return posterior
