r"""History matching: rule out the parameter regions where an emulator says no target can be met.

A point :math:`u` of the unit cube is *not ruled out yet* (NROY; Vernon 2010) when its :math:`k`-th largest
implausibility (:func:`dormancy.inference.likelihood.implausibility`) is at most ``threshold`` (3 by default). Using
the second or third largest instead of the maximum (``k = 2, 3``) protects against a single poorly emulated statistic
in early waves. Waves are sequential (Vernon 2010, section 4): wave :math:`w`'s emulators are fitted to runs inside
the NROY space of waves :math:`1..w-1` and are trusted only there, so a point is NROY after wave :math:`w` when it
passes the cut of every wave so far (:class:`Wave`, :func:`not_ruled_out`). :func:`sample_nroy` finds NROY points by
rejection from uniform candidates, then, when they are scarce, from Gaussian perturbations of those already found (a
sequential Monte-Carlo-like refill, reflected at the cube's faces), all from one seeded generator.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from dormancy.inference.likelihood import Observation, implausibility

__all__ = ["NROY_TAG", "NroySample", "Wave", "kth_largest", "not_ruled_out", "sample_nroy"]

NROY_TAG = 0x4E524F59  # "NROY"


def kth_largest(values: np.ndarray, k: int) -> np.ndarray:
    """Return the ``k``-th largest value along the last axis (``k = 1``: the maximum)."""
    return np.sort(values, axis=-1)[..., -k]


@dataclass(frozen=True)
class Wave:
    """One history-matching wave: its emulators and its cut.

    Parameters
    ----------
    predict : callable
        ``predict(unit) -> (mean, variance)`` of the wave's emulators.
    observations : tuple of Observation
        In the units ``predict`` returns.
    k : int
        The cut uses the ``k``-th largest implausibility.
    threshold : float
        Points whose ``k``-th largest implausibility exceeds it are ruled out.
    inflation : numpy.ndarray, optional
        ``(T,)`` factors on the emulators' SD from validation runs
        (:func:`dormancy.inference.emulator.validation_inflation`); none by default.
    box : tuple of numpy.ndarray, optional
        ``(low, high)``: the region of a *local* wave, whose emulators were fitted to runs inside it only. They are
        trusted there alone: outside it the wave rules nothing out (score 0). None: trusted wherever the earlier
        waves leave (a space-filling wave).
    """

    predict: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
    observations: tuple[Observation, ...]
    k: int = 1
    threshold: float = 3.0
    inflation: np.ndarray | None = None
    box: tuple[np.ndarray, np.ndarray] | None = None

    def score(self, unit: np.ndarray) -> np.ndarray:
        """Return the ``k``-th largest implausibility of unit-cube points ``(m, d)`` (0 outside a local box)."""
        unit = np.atleast_2d(unit)
        if self.box is None:
            return self._emulated_score(unit)
        inside = self.inside(unit)
        score = np.zeros(len(unit))
        if inside.any():
            score[inside] = self._emulated_score(unit[inside])
        return score

    def _emulated_score(self, unit: np.ndarray) -> np.ndarray:
        mean, variance = self.predict(unit)
        if self.inflation is not None:
            variance = variance * np.asarray(self.inflation) ** 2
        return kth_largest(implausibility(self.observations, mean, variance), self.k)

    def inside(self, unit: np.ndarray) -> np.ndarray:
        """Return ``(m,)`` booleans: which points lie where this wave's emulators are trusted (all without a box)."""
        unit = np.atleast_2d(unit)
        if self.box is None:
            return np.ones(len(unit), bool)
        low, high = self.box
        return np.all((unit >= low) & (unit <= high), axis=1)


def _reflect(points: np.ndarray) -> np.ndarray:
    """Reflect points into the unit cube at its faces (clipping would put a share of them exactly on a face)."""
    folded = np.mod(points, 2.0)
    return np.where(folded > 1.0, 2.0 - folded, folded)


def not_ruled_out(waves: Sequence[Wave], unit: np.ndarray) -> np.ndarray:
    """Return ``(m,)`` booleans: which points pass the cut of every wave (all true when there is none)."""
    unit = np.atleast_2d(np.asarray(unit, float))
    keep = np.ones(len(unit), bool)
    for wave in waves:
        if keep.any():
            keep[keep] = wave.score(unit[keep]) <= wave.threshold
    return keep


@dataclass(frozen=True)
class NroySample:
    """Points not ruled out, with how they were found.

    Parameters
    ----------
    unit : numpy.ndarray
        ``(n, d)`` NROY points.
    implausibility : numpy.ndarray
        ``(n,)`` their ``k``-th largest implausibility.
    uniform_fraction : float
        Share of the uniform candidates that were NROY under every wave (an estimate of the NROY volume in the unit
        cube; it counts only the uniform rounds).
    candidates : int
        Candidates evaluated in all rounds.
    """

    unit: np.ndarray
    implausibility: np.ndarray
    uniform_fraction: float
    candidates: int


def sample_nroy(
    predict: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    observations: Sequence[Observation],
    *,
    dimension: int,
    n: int,
    seed: int,
    k: int = 1,
    threshold: float = 3.0,
    batch: int = 20_000,
    rounds: int = 12,
    earlier: Sequence[Wave] = (),
    uniform_rounds: int = 5,
    within: tuple[np.ndarray, np.ndarray] | None = None,
) -> NroySample:
    """Find up to ``n`` NROY points.

    Parameters
    ----------
    predict : callable
        ``predict(unit) -> (mean, variance)``, e.g. :meth:`dormancy.inference.emulator.Emulator.predict`.
    observations : sequence of Observation
        In the units ``predict`` returns.
    dimension : int
        Dimension of the unit cube.
    n : int
        Number of points wanted.
    seed : int
        Seeds the one generator used.
    k, threshold : int, float
        Cut-off: ``k``-th largest implausibility ``<= threshold``.
    batch, rounds : int
        Candidates per round and the most rounds.
    uniform_rounds : int
        Rounds of uniform candidates before perturbations of the points found: uniform candidates sample the NROY
        space uniformly; perturbations (reflected at the cube's faces, so no mass piles up on them) only fill in a
        small NROY space and favour where points were already found.
    earlier : sequence of Wave
        Earlier waves: a point must also pass each of their cuts.
    within : (numpy.ndarray, numpy.ndarray), optional
        ``(low, high)`` corners of a box of the cube (a local wave's): candidates are drawn, and perturbations
        reflected, inside it, and ``uniform_fraction`` is then a share of the box's volume.
    """
    low, high = (np.zeros(dimension), np.ones(dimension)) if within is None else (np.asarray(b, float) for b in within)
    width = high - low
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), NROY_TAG])))
    kept, kept_i = [], []
    evaluated = 0
    uniform_hits = 0
    uniform_fraction = float("nan")
    for round_ in range(rounds):
        # candidates in the box's own unit coordinates, mapped into the cube to be scored
        pool = (np.concatenate(kept) - low) / width if kept else np.zeros((0, dimension))
        if round_ < uniform_rounds or len(pool) == 0:
            local = rng.random((batch, dimension))
        else:
            spread = np.maximum(pool.std(axis=0), 0.01) if len(pool) > 1 else np.full(dimension, 0.05)
            parents = pool[rng.integers(0, len(pool), batch)]
            local = _reflect(parents + rng.normal(size=(batch, dimension)) * spread * 0.5)
        candidates = low + width * local
        score = np.full(batch, np.inf)
        allowed = not_ruled_out(earlier, candidates)
        if allowed.any():
            mean, variance = predict(candidates[allowed])
            score[allowed] = kth_largest(implausibility(observations, mean, variance), k)
        keep = score <= threshold
        evaluated += batch
        if round_ < uniform_rounds:
            uniform_hits += int(keep.sum())
            uniform_fraction = uniform_hits / ((round_ + 1) * batch)
        kept.append(candidates[keep])
        kept_i.append(score[keep])
        if sum(len(a) for a in kept) >= 4 * n:
            break
    unit = np.concatenate(kept) if kept else np.zeros((0, dimension))
    scores = np.concatenate(kept_i) if kept_i else np.zeros(0)
    if len(unit) > n:
        choice = np.sort(rng.choice(len(unit), n, replace=False))
        unit, scores = unit[choice], scores[choice]
    return NroySample(unit, scores, uniform_fraction, evaluated)
