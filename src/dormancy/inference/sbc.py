r"""Coverage of the method's credible intervals on known truth (simulation-based calibration; Talts 2018).

For each synthetic case :math:`i`, a true point :math:`u_i^*` (drawn from the prior the method assumes) and data
:math:`y_i = \text{simulator}(u_i^*)` with the simulator's own noise are given; the method (the emulated likelihood
with a normal observation model of SD ``noise_sd``, MCMC over the unit cube) returns a posterior sample, and the
central ``level`` credible interval of each parameter either covers :math:`u_i^*` or not. For a calibrated method
the covered share is ``level`` up to binomial noise, and the rank of :math:`u_i^*` among the posterior draws is
uniform.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dormancy.inference.likelihood import Observation, log_likelihood
from dormancy.inference.mcmc import sample_posterior

__all__ = ["Coverage", "check_coverage"]


@dataclass(frozen=True)
class Coverage:
    """Outcome of :func:`check_coverage`.

    Parameters
    ----------
    covered : numpy.ndarray
        ``(cases, d)`` whether each parameter's central interval covered the truth.
    rank : numpy.ndarray
        ``(cases, d)`` share of posterior draws below the truth (uniform on [0, 1] when calibrated).
    width : numpy.ndarray
        ``(cases, d)`` interval widths in unit-cube units (1 = the whole prior range).
    level : float
        Nominal level of the intervals.
    """

    covered: np.ndarray
    rank: np.ndarray
    width: np.ndarray
    level: float

    @property
    def rate(self) -> float:
        """Share of (case, parameter) intervals that covered the truth."""
        return float(self.covered.mean())


def check_coverage(
    predict: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    truths: np.ndarray,
    data: np.ndarray,
    noise_sd: np.ndarray,
    *,
    level: float = 0.9,
    seed: int,
    steps: int = 1500,
    walkers: int | None = None,
    start: np.ndarray | None = None,
    support: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Coverage:
    """Run the method on every synthetic case and check its central ``level`` intervals.

    Parameters
    ----------
    predict : callable
        ``predict(unit) -> (mean, variance)`` of the ``T`` statistics (an emulator).
    truths : numpy.ndarray
        ``(cases, d)`` true points in the unit cube.
    data : numpy.ndarray
        ``(cases, T)`` simulated statistics at the truths (with the simulator's noise).
    noise_sd : numpy.ndarray
        ``(T,)`` the simulator's noise SD per statistic: the observation model's SD.
    level : float
        Nominal level of the central intervals.
    seed : int
        Case ``i`` samples with seed ``(seed, i)``.
    steps, walkers : int
        MCMC settings (:func:`dormancy.inference.mcmc.sample_posterior`).
    start : numpy.ndarray, optional
        Candidate starting points (default: 256 uniform points from the case's seed).
    support : callable, optional
        ``support(unit) -> (m,) bool``: the prior's support inside the cube (e.g. the NROY space of earlier
        history-matching waves, :func:`dormancy.inference.history.not_ruled_out`), when the truths were drawn from
        it; the whole cube by default.
    """
    truths = np.atleast_2d(np.asarray(truths, float))
    data = np.atleast_2d(np.asarray(data, float))
    cases, d = truths.shape
    lower_q, upper_q = (1 - level) / 2, 1 - (1 - level) / 2
    covered = np.zeros((cases, d), bool)
    rank = np.zeros((cases, d))
    width = np.zeros((cases, d))
    for i in range(cases):
        observations = [Observation.normal(f"s{t}", data[i, t], float(noise_sd[t])) for t in range(data.shape[1])]

        def loglik(unit: np.ndarray, observations=observations) -> np.ndarray:
            mean, variance = predict(unit)
            value = log_likelihood(observations, mean, variance)
            return value if support is None else np.where(support(unit), value, -np.inf)

        case_seed = int(np.random.SeedSequence([int(seed), i]).generate_state(1)[0])
        candidates = start
        if candidates is None:
            candidates = np.random.Generator(np.random.PCG64(case_seed)).random((256, d))
        result = sample_posterior(loglik, candidates, seed=case_seed, steps=steps, walkers=walkers)
        low, high = np.quantile(result.unit, [lower_q, upper_q], axis=0)
        covered[i] = (low <= truths[i]) & (truths[i] <= high)
        rank[i] = np.mean(result.unit < truths[i], axis=0)
        width[i] = high - low
    return Coverage(covered, rank, width, level)
