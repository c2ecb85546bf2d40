r"""Gaussian-process emulators of a simulator's statistics, in standardised units.

Each statistic :math:`s_t` is first standardised by its observation (:func:`standardise`): a normal observation
:math:`(y, \sigma)` gives :math:`z = (s - y) / \sigma` (observed at 0 with unit SD); a range gives
:math:`z = (s - c) / h` with centre :math:`c` and half-width :math:`h` (range ``[-1, 1]``), or for a one-sided bound
:math:`b`, :math:`z = (s - b) / \max(|b|, 1)` (range ``(-\infty, 0]`` or ``[0, \infty)``). :math:`z` is clipped to
:math:`\pm` :data:`CAP` and an undefined statistic (NaN: no events, no crossover) is set to :data:`CAP`: far outside
any plausible region, where only "implausible" matters, the response is flat and bounded, which a stationary GP
can follow.

Each :math:`z_t` gets its own GP (scikit-learn; Rasmussen & Williams 2006): a constant times an anisotropic Matérn
5/2 kernel over the unit cube plus a white-noise term for the simulator's Monte-Carlo noise, hyperparameters by
maximum marginal likelihood. :meth:`Emulator.predict` returns the mean and the variance of the *latent* function
(the white-noise part excluded): the statistic the simulator would give with infinitely many patients is the
latent function, Monte-Carlo noise is not a property of the published value.

With ``trend="linear"`` the GP models what a least-squares plane :math:`\beta_0 + \beta^\top x` leaves (the
regression-plus-residual emulator of Bayes linear history matching; Vernon, Goldstein & Bower 2010, section 3.1):
in a small local design most of a statistic's variation is the plane, which the stationary GP alone would have to
learn from length scales. The plane's own uncertainty, :math:`\tilde x^\top (X^\top X)^{-1} \tilde x\,
\hat\sigma^2` with :math:`\tilde x = (1, x)` and :math:`\hat\sigma^2` the residuals' variance, is added to the
predictive variance, so extrapolating the plane beyond the design widens the emulator's intervals.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dormancy.inference.likelihood import Observation

__all__ = ["CAP", "Emulator", "standardise", "validation_inflation"]

CAP = 10.0


def standardise(observations: Sequence[Observation]) -> tuple[np.ndarray, np.ndarray, tuple[Observation, ...]]:
    """Return ``(shift, scale, observations in z units)`` so that ``z = (s - shift) / scale``."""
    shift, scale, result = [], [], []
    for o in observations:
        if o.kind == "normal":
            shift.append(o.value)
            scale.append(o.sd)
            result.append(Observation.normal(o.name, 0.0, 1.0))
        elif math.isfinite(o.low) and math.isfinite(o.high):
            half = (o.high - o.low) / 2.0
            shift.append((o.low + o.high) / 2.0)
            scale.append(half)
            result.append(Observation.interval(o.name, -1.0, 1.0, o.edge / half))
        else:
            bound = o.low if math.isfinite(o.low) else o.high
            size = max(abs(bound), 1.0)
            shift.append(bound)
            scale.append(size)
            low, high = (0.0, math.inf) if math.isfinite(o.low) else (-math.inf, 0.0)
            result.append(Observation.interval(o.name, low, high, o.edge / size))
    return np.array(shift), np.array(scale), tuple(result)


def to_z(statistics: np.ndarray, shift: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Standardise and clip raw statistics (``(n, T)``); NaN becomes :data:`CAP`."""
    z = (np.asarray(statistics, float) - shift) / scale
    return np.clip(np.where(np.isfinite(z), z, CAP), -CAP, CAP)


@dataclass(frozen=True)
class Emulator:
    r"""One fitted GP per standardised statistic (build with :meth:`fit`).

    Parameters
    ----------
    models : tuple
        Fitted ``sklearn.gaussian_process.GaussianProcessRegressor`` per statistic.
    noise : numpy.ndarray
        ``(T,)`` fitted white-noise variance per statistic (z units): the simulator's Monte-Carlo variance.
    n_train : int
        Number of training runs.
    trend : numpy.ndarray, optional
        ``(T, d + 1)`` least-squares plane of each statistic (intercept first), ``None`` for a constant mean.
    trend_covariance : numpy.ndarray, optional
        ``(T, d + 1, d + 1)`` covariance of each plane's coefficients, :math:`(X^\top X)^{-1} \hat\sigma_t^2`.
    """

    models: tuple
    noise: np.ndarray
    n_train: int
    trend: np.ndarray | None = None
    trend_covariance: np.ndarray | None = None

    @classmethod
    def fit(cls, unit: np.ndarray, z: np.ndarray, *, seed: int, restarts: int = 1, trend: str = "constant") -> Emulator:
        """Fit a GP to every column of ``z`` (``(n, T)``) over the unit-cube points ``unit`` (``(n, d)``).

        ``trend``: ``"constant"`` (the GP's mean is the data's mean) or ``"linear"`` (a least-squares plane first,
        the GP fitted to its residuals; needs more runs than ``d + 1``).
        """
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

        unit = np.asarray(unit, float)
        z = np.asarray(z, float)
        n, d = unit.shape
        if trend not in ("constant", "linear"):
            raise ValueError(f"trend must be 'constant' or 'linear', got {trend!r}")
        planes = covariances = None
        if trend == "linear":
            if n <= d + 1:
                raise ValueError(f"a linear trend in {d} dimensions needs more than {d + 1} runs, got {n}")
            design = np.column_stack([np.ones(n), unit])
            planes, *_ = np.linalg.lstsq(design, z, rcond=None)
            planes = planes.T
            residual = z - design @ planes.T
            inverse = np.linalg.pinv(design.T @ design)
            sigma2 = np.sum(residual**2, axis=0) / (n - d - 1)
            covariances = inverse[None, :, :] * sigma2[:, None, None]
            z = residual
        models, noise = [], []
        for t in range(z.shape[1]):
            kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(
                length_scale=np.full(d, 0.5), length_scale_bounds=(1e-2, 1e2), nu=2.5
            ) + WhiteKernel(1e-2, (1e-8, 1e1))
            model = GaussianProcessRegressor(
                kernel,
                normalize_y=True,
                n_restarts_optimizer=restarts,
                random_state=int(np.random.SeedSequence([seed, t]).generate_state(1)[0]),
            )
            with warnings.catch_warnings():
                # a length scale at its upper bound means the statistic ignores that parameter: expected, not an error
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(unit, z[:, t])
            models.append(model)
            noise.append(model.kernel_.k2.noise_level * float(model._y_train_std) ** 2)
        return cls(tuple(models), np.array(noise), int(n), planes, covariances)

    def _trend(self, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the planes' means and variances at ``unit`` (zeros without a trend)."""
        if self.trend is None:
            zeros = np.zeros((len(unit), len(self.models)))
            return zeros, zeros
        design = np.column_stack([np.ones(len(unit)), unit])
        variance = np.einsum("mi,tij,mj->mt", design, self.trend_covariance, design)
        return design @ self.trend.T, variance

    def length_scales(self) -> np.ndarray:
        """Return the fitted Matérn length scales, ``(T, d)`` in unit-cube units (large: the statistic ignores it)."""
        return np.array([np.atleast_1d(m.kernel_.k1.k2.length_scale) for m in self.models])

    def predict(self, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r"""Return the latent mean and variance (``(m, T)`` each) at unit-cube points ``(m, d)``.

        Computed from each fitted GP's own arrays (training points, :math:`\alpha = K^{-1} y`, the Cholesky factor
        :math:`L`) with the Matérn 5/2 kernel :math:`c\,(1 + \sqrt5 r + \tfrac53 r^2)\,e^{-\sqrt5 r}` written out:
        scikit-learn's ``predict`` gives the same numbers (tested to 1e-10) at several times the cost, which MCMC
        pays hundreds of thousands of times.
        """
        from scipy.linalg import solve_triangular

        unit = np.atleast_2d(np.asarray(unit, float))
        means, variances = [], []
        for model in self.models:
            amplitude = model.kernel_.k1.k1.constant_value
            scale = np.atleast_1d(model.kernel_.k1.k2.length_scale)
            train = model.X_train_ / scale
            points = unit / scale
            squared = np.sum(points**2, axis=1)[:, None] + np.sum(train**2, axis=1)[None, :] - 2.0 * points @ train.T
            r = np.sqrt(np.maximum(squared, 0.0))
            cross = amplitude * (1.0 + np.sqrt(5.0) * r + 5.0 / 3.0 * r**2) * np.exp(-np.sqrt(5.0) * r)
            y_std = float(np.atleast_1d(model._y_train_std)[0])
            y_mean = float(np.atleast_1d(model._y_train_mean)[0])
            mean = cross @ np.asarray(model.alpha_).reshape(-1) * y_std + y_mean
            v = solve_triangular(model.L_, cross.T, lower=True, check_finite=False)
            latent = np.maximum(amplitude - np.sum(v**2, axis=0), 0.0) * y_std**2
            means.append(mean)
            variances.append(latent)
        plane, plane_variance = self._trend(unit)
        return np.column_stack(means) + plane, np.maximum(np.column_stack(variances) + plane_variance, 1e-12)

    def predict_reference(self, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return what :meth:`predict` returns, through scikit-learn's ``predict`` (slower; the tests' reference)."""
        unit = np.atleast_2d(np.asarray(unit, float))
        means, variances = [], []
        for model, noise in zip(self.models, self.noise, strict=True):
            mean, sd = model.predict(unit, return_std=True)
            means.append(mean)
            variances.append(np.maximum(sd**2 - noise, 0.0))
        plane, plane_variance = self._trend(unit)
        return np.column_stack(means) + plane, np.maximum(np.column_stack(variances) + plane_variance, 1e-12)


def validation_inflation(
    predict,
    unit: np.ndarray,
    z: np.ndarray,
    noise: np.ndarray,
    *,
    level: float = 0.95,
    min_runs: int = 20,
) -> np.ndarray:
    r"""Per-statistic factors :math:`c_t \ge 1` on an emulator's SD from independent validation runs.

    The standardised errors :math:`e = (z - \mu) / \sqrt{v + n}` of runs the emulator was not fitted to (latent mean
    :math:`\mu` and variance :math:`v` at the run, the run's own Monte-Carlo variance :math:`n`) should be standard
    normal (Bastos & O'Hagan 2009). Where their central ``level`` quantile of :math:`|e|` exceeds the normal one,
    :math:`c_t` is the ratio, so that the emulator's intervals cover ``level`` of the validation runs; 1 otherwise, and
    1 for a statistic with fewer than ``min_runs`` runs inside :math:`\pm` :data:`CAP` (clipped or undefined runs
    carry no error).

    Parameters
    ----------
    predict : callable
        ``predict(unit) -> (mean, variance)``, e.g. :meth:`Emulator.predict`.
    unit : numpy.ndarray
        ``(m, d)`` validation points.
    z : numpy.ndarray
        ``(m, T)`` their simulated standardised statistics.
    noise : numpy.ndarray
        ``(m, T)`` or ``(T,)`` Monte-Carlo variance of each run's statistics (z units).
    level : float
        Coverage the factors restore.
    min_runs : int
        Fewest usable runs for a factor other than 1.
    """
    from scipy import stats

    mean, variance = predict(np.atleast_2d(unit))
    error = np.abs(z - mean) / np.sqrt(variance + np.broadcast_to(noise, mean.shape))
    usable = np.abs(z) < CAP
    quantile = stats.norm.ppf(0.5 + level / 2.0)
    factors = np.ones(z.shape[1])
    for t in range(z.shape[1]):
        e = error[usable[:, t], t]
        if len(e) >= min_runs:
            factors[t] = max(1.0, float(np.quantile(e, level)) / quantile)
    return factors
