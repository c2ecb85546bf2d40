r"""Observation models of published numbers: the likelihood of a model statistic and its implausibility.

Two kinds (:class:`Observation`):

- **normal**: the published value :math:`y` is the model statistic :math:`s` plus error,
  :math:`y \sim N(s, \sigma^2)`; with an emulated statistic of mean :math:`m` and variance :math:`v`,
  :math:`\log L = -\tfrac12 (y - m)^2 / (\sigma^2 + v) - \tfrac12 \log 2\pi(\sigma^2 + v)`.
- **interval**: the source gives a range ``[low, high]`` (one side may be infinite) within which :math:`s` should lie,
  with a soft edge :math:`e`: :math:`L = \Phi((\mathrm{high} - m)/\tau) - \Phi((\mathrm{low} - m)/\tau)`,
  :math:`\tau^2 = e^2 + v` (the probability that :math:`s + \epsilon`, :math:`\epsilon \sim N(0, e^2)`, is inside).

Implausibility (history matching; Craig 1997, Vernon 2010): :math:`I = |y - m| / \sqrt{\sigma^2 + v}` for a normal
observation, the distance outside the range over :math:`\tau` for an interval (0 inside). Points whose largest
implausibility exceeds 3 are ruled out (Pukelsheim's three-sigma rule).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Observation", "implausibility", "log_likelihood"]


@dataclass(frozen=True)
class Observation:
    """One published number as an observation model of one model statistic.

    Parameters
    ----------
    name : str
        The statistic's name.
    kind : {"normal", "interval"}
        See the module docstring.
    value, sd : float
        Published value and its error SD (``normal``).
    low, high, edge : float
        Range and soft edge (``interval``; ``low``/``high`` may be infinite).
    """

    name: str
    kind: str
    value: float = math.nan
    sd: float = math.nan
    low: float = -math.inf
    high: float = math.inf
    edge: float = math.nan

    @classmethod
    def normal(cls, name: str, value: float, sd: float) -> Observation:
        """Return a published value with normal error of SD ``sd`` (> 0)."""
        if not (math.isfinite(value) and sd > 0):
            raise ValueError(f"{name}: a normal observation needs a finite value and sd > 0")
        return cls(name, "normal", value=float(value), sd=float(sd))

    @classmethod
    def interval(cls, name: str, low: float, high: float, edge: float) -> Observation:
        """Return a range ``[low, high]`` with a soft edge ``edge`` (> 0)."""
        if not (low < high and edge > 0 and (math.isfinite(low) or math.isfinite(high))):
            raise ValueError(f"{name}: an interval observation needs low < high, one finite bound and edge > 0")
        return cls(name, "interval", low=float(low), high=float(high), edge=float(edge))


def _prepared(observations: Sequence[Observation], mean, variance):
    """Observation columns, the statistics and their (non-negative) emulator variances as arrays."""
    mean = np.asarray(mean, float)
    variance = np.zeros_like(mean) if variance is None else np.maximum(np.asarray(variance, float), 0.0)
    return (*_columns(observations), mean, variance)


def _columns(observations: Sequence[Observation]):
    normal = np.array([o.kind == "normal" for o in observations])
    value = np.array([o.value if o.kind == "normal" else 0.0 for o in observations])
    sd = np.array([o.sd if o.kind == "normal" else o.edge for o in observations])
    low = np.array([o.low for o in observations])
    high = np.array([o.high for o in observations])
    return normal, value, sd, low, high


def _log_box(mean: np.ndarray, scale: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """``log(Phi((high - m)/s) - Phi((low - m)/s))`` without cancellation on either side."""
    from scipy.special import log_ndtr

    upper = (high - mean) / scale
    lower = (low - mean) / scale
    # above the centre, write it as Phi(-lower) - Phi(-upper) so both terms stay in the accurate tail
    low_f, high_f = np.where(np.isfinite(low), low, 0.0), np.where(np.isfinite(high), high, 0.0)
    centre = np.where(
        np.isfinite(low) & np.isfinite(high), (low_f + high_f) / 2.0, np.where(np.isfinite(low), low_f, high_f)
    )
    flip = mean < centre
    a = np.where(flip, -lower, upper)
    b = np.where(flip, -upper, lower)
    log_a, log_b = log_ndtr(a), log_ndtr(b)
    return log_a + np.log1p(-np.exp(np.minimum(log_b - log_a, 0.0)))


def log_likelihood(
    observations: Sequence[Observation], mean: np.ndarray, variance: np.ndarray | None = None
) -> np.ndarray:
    """Log-likelihood of every point, summed over observations.

    Parameters
    ----------
    observations : sequence of Observation
        ``T`` observations.
    mean : numpy.ndarray
        ``(n, T)`` (or ``(T,)``) model statistics, or an emulator's predictive means.
    variance : numpy.ndarray, optional
        Same shape: the emulator's predictive variances (0 for exact statistics).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` (or a scalar array): the log-likelihood; a NaN statistic counts as ``-inf``.
    """
    return log_likelihood_terms(observations, mean, variance).sum(axis=-1)


def log_likelihood_terms(
    observations: Sequence[Observation], mean: np.ndarray, variance: np.ndarray | None = None
) -> np.ndarray:
    """Per-observation log-likelihood terms, shape of ``mean`` (see :func:`log_likelihood`)."""
    normal, value, sd, low, high, mean, variance = _prepared(observations, mean, variance)
    total = sd**2 + variance
    scale = np.sqrt(total)
    gaussian = -0.5 * (value - mean) ** 2 / total - 0.5 * np.log(2 * np.pi * total)
    box = _log_box(mean, scale, low, high)
    terms = np.where(normal, gaussian, box)
    return np.where(np.isfinite(mean), terms, -np.inf)


def implausibility(
    observations: Sequence[Observation], mean: np.ndarray, variance: np.ndarray | None = None
) -> np.ndarray:
    """Implausibility of every point and observation (same shape as ``mean``; NaN statistics: ``inf``)."""
    normal, value, sd, low, high, mean, variance = _prepared(observations, mean, variance)
    scale = np.sqrt(sd**2 + variance)
    outside = np.maximum(np.maximum(low - mean, mean - high), 0.0)
    result = np.where(normal, np.abs(value - mean), outside) / scale
    return np.where(np.isfinite(mean), result, np.inf)
