r"""Survival analyses of a two-group comparison: Kaplan–Meier, Cox hazard ratio, log-rank; clearance proportions.

A trial run analyses thousands of (replicate, endpoint, comparison) triples, too many for lifelines' general
fitters (tens of milliseconds each), so this module computes the same statistics directly for one binary covariate
(tests check them against lifelines' ``CoxPHFitter``, ``logrank_test`` and ``KaplanMeierFitter`` on the same data);
:func:`lifelines_summary` runs the lifelines fitters themselves for one comparison (used in the report).

With :math:`x = 1` for the experimental arm, at each distinct event time :math:`t_j` with :math:`d_j` events
(:math:`d_{1j}` in the experimental arm) and :math:`n_{0j}, n_{1j}` at risk:

- **Cox** (Cox 1972; Breslow's handling of tied times, identical to Efron's, lifelines' default, when event times
  are distinct, as the model's continuous recurrence times are): score
  :math:`U(\beta) = \sum_j d_{1j} - d_j p_j`, information :math:`I(\beta) = \sum_j d_j p_j (1 - p_j)`,
  :math:`p_j = n_{1j} e^\beta / (n_{0j} + n_{1j} e^\beta)`; Newton–Raphson from 0; hazard ratio :math:`e^{\hat\beta}`
  with the Wald 95 % interval :math:`e^{\hat\beta \pm 1.96 / \sqrt{I(\hat\beta)}}`. Undefined (NaN) when either
  arm has no events or the likelihood is monotone (the estimate diverges: :math:`|\hat\beta|` beyond 20).
- **Log-rank** (Mantel 1966): :math:`Z^2 = (\sum_j d_{1j} - E_{1j})^2 / \sum_j V_j`, :math:`E_{1j} = d_j n_{1j}/n_j`,
  :math:`V_j = d_j (n_{1j}/n_j)(n_{0j}/n_j)(n_j - d_j)/(n_j - 1)`; two-sided p from :math:`\chi^2_1`.
- **Kaplan–Meier**: :math:`S(t) = \prod_{t_j \le t} (1 - d_j / n_j)`.
- **Cumulative incidence with competing risks** (Aalen–Johansen): :math:`F_k(t) = \sum_{t_j \le t} S(t_j^-)
  d_{kj} / n_j` with :math:`S` the Kaplan–Meier survival from any cause and :math:`d_{kj}` the events of cause
  :math:`k` at :math:`t_j` (checked against lifelines' ``AalenJohansenFitter`` in the tests; ties of different
  causes are handled exactly here, where lifelines jitters them).
- **Proportions**: Clopper–Pearson exact 95 % interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

__all__ = [
    "Comparison",
    "clopper_pearson",
    "compare_groups",
    "cumulative_incidence",
    "kaplan_meier",
    "lifelines_summary",
]

Z95 = 1.959963984540054
MAX_LOG_HAZARD_RATIO = 20.0  # |log HR| beyond this: the estimate diverges (no finite maximum), reported as NaN


@dataclass(frozen=True)
class Comparison:
    """Experimental against control on one endpoint.

    Parameters
    ----------
    hazard_ratio, ci_low, ci_high : float
        Cox hazard ratio (experimental / control) and its Wald 95 % interval; NaN when undefined.
    p_value : float
        Two-sided log-rank p-value; NaN when there are no events at all.
    events_experimental, events_control : int
        Events observed in each arm.
    n_experimental, n_control : int
        Patients in each arm.
    """

    hazard_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    events_experimental: int
    events_control: int
    n_experimental: int
    n_control: int


def _risk_table(
    time: NDArray[np.float64], event: NDArray[np.bool_], group: NDArray[np.bool_]
) -> tuple[NDArray[np.float64], ...]:
    """Per distinct event time: events d, experimental events d1, at risk n0, n1."""
    event_times = np.unique(time[event])
    if event_times.size == 0:
        empty = np.zeros(0)
        return empty, empty, empty, empty
    position = np.searchsorted(event_times, time[event])
    d = np.bincount(position, minlength=event_times.size).astype(float)
    d1 = np.bincount(position, weights=group[event].astype(float), minlength=event_times.size)
    sorted_0 = np.sort(time[~group])
    sorted_1 = np.sort(time[group])
    n0 = (sorted_0.size - np.searchsorted(sorted_0, event_times, side="left")).astype(float)
    n1 = (sorted_1.size - np.searchsorted(sorted_1, event_times, side="left")).astype(float)
    return d, d1, n0, n1


def compare_groups(time: NDArray[np.float64], event: NDArray[np.bool_], experimental: NDArray[np.bool_]) -> Comparison:
    """Cox hazard ratio with 95 % interval and log-rank p of experimental (True) against control (False).

    Parameters
    ----------
    time : numpy.ndarray of float
        Time to event or censoring, years.
    event : numpy.ndarray of bool
        Whether the event was observed.
    experimental : numpy.ndarray of bool
        Group membership.
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    group = np.asarray(experimental, dtype=bool)
    d, d1, n0, n1 = _risk_table(time, event, group)
    counts = (int(event[group].sum()), int(event[~group].sum()), int(group.sum()), int((~group).sum()))
    if d.size == 0:
        return Comparison(math.nan, math.nan, math.nan, math.nan, *counts)
    n = n0 + n1
    expected = d * n1 / n
    variance = np.where(n > 1, d * (n1 / n) * (n0 / n) * (n - d) / np.maximum(n - 1, 1), 0.0)
    observed_minus_expected = float(np.sum(d1 - expected))
    total_variance = float(np.sum(variance))
    # chi-square with one degree of freedom: P(Z^2 > z^2) = erfc(|z| / sqrt(2))
    z = abs(observed_minus_expected) / math.sqrt(total_variance) if total_variance > 0 else math.nan
    p_value = math.erfc(z / math.sqrt(2.0)) if total_variance > 0 else math.nan
    if counts[0] == 0 or counts[1] == 0:
        return Comparison(math.nan, math.nan, math.nan, p_value, *counts)
    beta, converged = 0.0, False
    for _ in range(100):
        share = n1 * math.exp(beta) / (n0 + n1 * math.exp(beta))
        score = float(np.sum(d1 - d * share))
        information = float(np.sum(d * share * (1.0 - share)))
        if information <= 0:
            break
        step = max(min(score / information, 2.0), -2.0)  # damped; the log-likelihood is concave
        beta += step
        if abs(beta) > MAX_LOG_HAZARD_RATIO:
            break
        if abs(step) < 1e-10:
            converged = True
            break
    if not converged:  # monotone likelihood (events of one arm only where the other has nobody at risk)
        return Comparison(math.nan, math.nan, math.nan, p_value, *counts)
    share = n1 * math.exp(beta) / (n0 + n1 * math.exp(beta))
    information = float(np.sum(d * share * (1.0 - share)))
    half_width = Z95 / math.sqrt(information)
    if abs(beta) + half_width > 700:
        return Comparison(math.exp(beta), 0.0 if beta < 0 else math.nan, math.inf, p_value, *counts)
    return Comparison(math.exp(beta), math.exp(beta - half_width), math.exp(beta + half_width), p_value, *counts)


def kaplan_meier(time: NDArray[np.float64], event: NDArray[np.bool_], grid: NDArray[np.float64]) -> NDArray[np.float64]:
    """Kaplan–Meier survival at each time of ``grid`` (right-continuous: events at ``t`` count at ``t``).

    Beyond the last observed time the estimate stays at its last value (NaN if nobody was observed).
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    grid = np.asarray(grid, dtype=float)
    if time.size == 0:
        return np.full(grid.shape, np.nan)
    if not event.any():
        return np.ones(grid.shape)
    everyone = np.zeros(time.size, dtype=bool)
    d, _, n_at_risk, _ = _risk_table(time, event, everyone)
    event_times = np.unique(time[event])
    survival = np.cumprod(1.0 - d / np.where(n_at_risk > 0, n_at_risk, 1.0))
    index = np.searchsorted(event_times, grid, side="right") - 1
    return np.where(index >= 0, survival[np.maximum(index, 0)], 1.0)


def cumulative_incidence(
    time: NDArray[np.float64], cause: NDArray[np.integer], grid: NDArray[np.float64], *, n_causes: int = 2
) -> NDArray[np.float64]:
    """Aalen–Johansen cumulative incidence of causes ``1 .. n_causes`` at each time of ``grid`` (0: censored).

    Returns an array ``(n_causes, len(grid))``; NaN without patients. Right-continuous like :func:`kaplan_meier`.
    """
    time = np.asarray(time, dtype=float)
    cause = np.asarray(cause, dtype=np.int64)
    grid = np.asarray(grid, dtype=float)
    if time.size == 0:
        return np.full((n_causes, grid.size), np.nan)
    event = cause > 0
    event_times = np.unique(time[event])
    if event_times.size == 0:
        return np.zeros((n_causes, grid.size))
    position = np.searchsorted(event_times, time[event])
    d = np.bincount(position, minlength=event_times.size).astype(float)
    ordered = np.sort(time)
    n_at_risk = (ordered.size - np.searchsorted(ordered, event_times, side="left")).astype(float)
    survival_before = np.concatenate([[1.0], np.cumprod(1.0 - d / n_at_risk)[:-1]])
    index = np.searchsorted(event_times, grid, side="right") - 1
    result = np.zeros((n_causes, grid.size))
    for k in range(1, n_causes + 1):
        d_k = np.bincount(position[cause[event] == k], minlength=event_times.size).astype(float)
        incidence = np.cumsum(survival_before * d_k / n_at_risk)
        result[k - 1] = np.where(index >= 0, incidence[np.maximum(index, 0)], 0.0)
    return result


def clopper_pearson(successes: int, trials: int) -> tuple[float, float, float]:
    """Proportion and its exact (Clopper–Pearson) 95 % interval; NaNs when ``trials`` is 0."""
    if trials <= 0:
        return math.nan, math.nan, math.nan
    low = 0.0 if successes == 0 else float(stats.beta.ppf(0.025, successes, trials - successes + 1))
    high = 1.0 if successes == trials else float(stats.beta.ppf(0.975, successes + 1, trials - successes))
    return successes / trials, low, high


def lifelines_summary(
    time: NDArray[np.float64], event: NDArray[np.bool_], experimental: NDArray[np.bool_]
) -> dict[str, float]:
    """Compute the same comparison with lifelines (``CoxPHFitter``, ``logrank_test``), for cross-checks and reports.

    Returns
    -------
    dict
        ``hazard_ratio``, ``ci_low``, ``ci_high`` (Cox, Efron ties), ``p_value`` (log-rank).
    """
    import warnings

    from lifelines import CoxPHFitter
    from lifelines.statistics import logrank_test

    group = np.asarray(experimental, dtype=bool)
    frame = pd.DataFrame({"time": time, "event": event, "experimental": group.astype(float)})
    test = logrank_test(time[group], time[~group], event[group], event[~group])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines warns on convergence when one arm has no events
        fitter = CoxPHFitter().fit(frame, "time", "event")
    row = fitter.summary.loc["experimental"]
    return {
        "hazard_ratio": float(row["exp(coef)"]),
        "ci_low": float(row["exp(coef) lower 95%"]),
        "ci_high": float(row["exp(coef) upper 95%"]),
        "p_value": float(test.p_value),
    }
