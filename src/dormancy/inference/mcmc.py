r"""MCMC on an emulated likelihood: emcee's affine-invariant ensemble sampler over the unit cube.

The target density is :math:`p(u \mid y) \propto L(u)\,\mathbb{1}[u \in [0, 1]^d]` (a flat prior in the unit cube is
the registry's uniform / log-uniform prior, :mod:`dormancy.inference.space`), with :math:`L` the observation model
(:mod:`dormancy.inference.likelihood`) at the emulator's predictive mean and variance. Sampler: Goodman & Weare
(2010) stretch moves as implemented by emcee (Foreman-Mackey 2013), vectorised over walkers, seeded through its own
``numpy.random.Generator`` state (no global random state). Diagnostics: acceptance fraction, integrated
autocorrelation time per parameter (emcee's estimator; Sokal 1997) and the effective sample size
:math:`N_\text{kept} / \tau`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dormancy._optional import require_optional

__all__ = ["MCMC_TAG", "McmcResult", "sample_posterior"]

MCMC_TAG = 0x4D434D43  # "MCMC"


@dataclass(frozen=True)
class McmcResult:
    """Posterior draws in the unit cube with the sampler's diagnostics.

    Parameters
    ----------
    unit : numpy.ndarray
        ``(n, d)`` thinned draws after burn-in.
    log_posterior : numpy.ndarray
        ``(n,)`` their log density.
    acceptance : float
        Mean acceptance fraction of the walkers.
    autocorrelation : numpy.ndarray
        ``(d,)`` integrated autocorrelation time per parameter (steps).
    effective_sample_size : numpy.ndarray
        ``(d,)`` ``walkers × kept steps / tau``.
    steps, burn, thin, walkers : int
        Sampler settings.
    """

    unit: np.ndarray
    log_posterior: np.ndarray
    acceptance: float
    autocorrelation: np.ndarray
    effective_sample_size: np.ndarray
    steps: int
    burn: int
    thin: int
    walkers: int


def sample_posterior(
    log_likelihood: Callable[[np.ndarray], np.ndarray],
    start: np.ndarray,
    *,
    seed: int,
    steps: int = 3000,
    burn: int | None = None,
    walkers: int | None = None,
    thin: int | None = None,
) -> McmcResult:
    """Sample the posterior of ``log_likelihood`` over the unit cube.

    Parameters
    ----------
    log_likelihood : callable
        ``f(unit (m, d)) -> (m,)``, vectorised over points.
    start : numpy.ndarray
        ``(m, d)`` candidate starting points inside the cube (e.g. NROY points); the walkers start at the
        ``walkers`` of highest likelihood. With fewer candidates of finite likelihood than walkers, the walkers
        start at jittered copies of those (SD 0.01 of the cube).

    Raises
    ------
    ValueError
        When no candidate has a finite likelihood (none lies in the support).
    seed : int
        Seeds the sampler's generator.
    steps, burn, walkers, thin : int
        Steps per walker; burn-in (default half); walkers (default ``max(4 d, 32)``, even); thinning (default half
        the largest autocorrelation time, at least 1).
    """
    emcee = require_optional("emcee")
    start = np.atleast_2d(np.asarray(start, float))
    d = start.shape[1]
    walkers = walkers or max(4 * d, 32)
    walkers += walkers % 2
    burn = steps // 2 if burn is None else burn

    def log_probability(points: np.ndarray) -> np.ndarray:
        inside = np.all((points >= 0.0) & (points <= 1.0), axis=1)
        result = np.full(len(points), -np.inf)
        if inside.any():
            result[inside] = log_likelihood(points[inside])
        return np.where(np.isfinite(result), result, -np.inf)

    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), MCMC_TAG])))
    scores = log_probability(start)
    order = np.argsort(-scores, kind="stable")
    usable = int(np.isfinite(scores).sum())
    if usable == 0:
        # every walker would sit at -inf, where emcee cannot compare proposals (-inf - -inf)
        raise ValueError(
            f"none of the {len(start)} starting candidates lies in the posterior's support (every log-probability "
            "is -inf): give starting points inside it"
        )
    if usable >= walkers:
        initial = start[order[:walkers]]
    else:
        # walkers spread around the candidates of finite probability only
        base = start[order[rng.integers(0, usable, walkers)]]
        initial = np.clip(base + rng.normal(scale=0.01, size=base.shape), 0.0, 1.0)
    sampler = emcee.EnsembleSampler(walkers, d, log_probability, vectorize=True)
    sampler._random = np.random.RandomState(int(rng.integers(0, 2**31 - 1)))  # emcee's own state, not the global one
    sampler.run_mcmc(initial, steps, progress=False)
    tau = np.asarray(emcee.autocorr.integrated_time(sampler.get_chain(discard=burn), tol=0, quiet=True), float)
    thin = thin or max(int(np.nanmax(tau) / 2), 1)
    chain = sampler.get_chain(discard=burn, thin=thin, flat=True)
    log_post = sampler.get_log_prob(discard=burn, thin=thin, flat=True)
    kept = (steps - burn) * walkers
    return McmcResult(
        chain,
        log_post,
        float(np.mean(sampler.acceptance_fraction)),
        tau,
        kept / np.maximum(tau, 1.0),
        steps,
        burn,
        thin,
        walkers,
    )
