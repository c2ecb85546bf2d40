"""The calibrated parameters' space: each prior mapped onto the unit interval, and space-filling designs in it.

A parameter with a uniform prior on ``[low, high]`` maps linearly, ``u = (x - low) / (high - low)``; one with a
log-uniform prior maps in ``log10``, ``u = (log10 x - log10 low) / (log10 high - log10 low)``. Under the prior ``u`` is
uniform on ``[0, 1]^d`` in both cases, so designs, emulators and samplers work in the unit cube with a flat prior.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from dormancy.errors import InputError, Problem

__all__ = ["DESIGN_TAG", "ParameterSpace"]

DESIGN_TAG = 0x44534E47  # "DSNG": spawn-key tag of the design generator


@dataclass(frozen=True)
class ParameterSpace:
    """Named parameters with bounded uniform or log-uniform priors.

    Parameters
    ----------
    names : tuple of str
        Parameter names (registry record names for the patient model).
    low, high : tuple of float
        Prior bounds in each parameter's unit (``0 < low`` where ``log`` is set).
    log : tuple of bool
        Whether the prior is log-uniform (mapped in ``log10``).
    """

    names: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    log: tuple[bool, ...]

    def __post_init__(self) -> None:
        problems = []
        if not (len(self.names) == len(self.low) == len(self.high) == len(self.log)) or not self.names:
            problems.append(Problem("space", "names, low, high and log of one length >= 1", "other lengths"))
        else:
            for name, low, high, log in zip(self.names, self.low, self.high, self.log, strict=True):
                if not (np.isfinite(low) and np.isfinite(high) and low < high and (low > 0 or not log)):
                    problems.append(
                        Problem(f"space.{name}", "finite bounds low < high (low > 0 if log)", f"{low}, {high}")
                    )
        if problems:
            raise InputError(problems)

    @classmethod
    def from_bounds(cls, bounds: Mapping[str, tuple[float, float, bool]]) -> ParameterSpace:
        """Build from ``{name: (low, high, log)}``."""
        names = tuple(bounds)
        return cls(
            names,
            tuple(float(bounds[n][0]) for n in names),
            tuple(float(bounds[n][1]) for n in names),
            tuple(bool(bounds[n][2]) for n in names),
        )

    @property
    def dimension(self) -> int:
        """Number of parameters."""
        return len(self.names)

    def _edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        log = np.asarray(self.log, bool)
        low = np.where(log, np.log10(np.where(log, self.low, 1.0)), self.low)
        high = np.where(log, np.log10(np.where(log, self.high, 1.0)), self.high)
        return low, high, log

    def to_unit(self, values: np.ndarray | Sequence[float]) -> np.ndarray:
        """Map values (``(..., d)``, each parameter's unit) to the unit cube."""
        low, high, log = self._edges()
        values = np.asarray(values, float)
        scaled = np.where(log, np.log10(np.where(log, np.maximum(values, 1e-300), 1.0)), values)
        return (scaled - low) / (high - low)

    def from_unit(self, unit: np.ndarray | Sequence[float]) -> np.ndarray:
        """Map unit-cube points (``(..., d)``) to values in each parameter's unit.

        The result is clipped to the closed prior ranges: ``10 ** log10(bound)`` can round one unit in the last
        place outside a bound, which the registry would reject. Values inside the ranges are not changed.
        """
        low, high, log = self._edges()
        scaled = low + np.asarray(unit, float) * (high - low)
        values = np.where(log, 10.0 ** np.where(log, scaled, 0.0), scaled)
        return np.clip(values, np.asarray(self.low, float), np.asarray(self.high, float))

    def as_mapping(self, values: Sequence[float]) -> dict[str, float]:
        """Return one point as ``{name: value}``."""
        return dict(zip(self.names, map(float, values), strict=True))

    def latin_hypercube(self, n: int, *, seed: int, within: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """Return ``n`` points of an optimised Latin hypercube in the unit cube (``(n, d)``).

        Parameters
        ----------
        n : int
            Number of points.
        seed : int
            Seeds scipy's ``LatinHypercube`` through its own generator (no global state).
        within : (lower, upper) arrays, optional
            A sub-box of the unit cube to fill instead of the whole cube.
        """
        from scipy.stats import qmc

        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), DESIGN_TAG])))
        points = qmc.LatinHypercube(d=self.dimension, optimization="random-cd", rng=rng).random(n)
        if within is not None:
            lower, upper = (np.asarray(b, float) for b in within)
            points = lower + points * (upper - lower)
        return points
