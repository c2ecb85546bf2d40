r"""Fit the patient simulator's parameters to every calibration target with Nelder–Mead (calibration run 2).

A targeted optimiser, the alternative to ``tools/calibrate_patients.py``'s ABC-SMC when the budget is a few
hundred simulations: minimise

.. math:: J(\theta) = \frac{1}{T}\sum_t d_t^2 + \frac{4}{T}\sum_t \max(0, |d_t| - 0.7)^2

over the tolerance-normalised deviations :math:`d_t` of :func:`dormancy.patients.calibration.deviations`
(:math:`|d_t| \le 1` exactly when target :math:`t` is met; the second term pushes every target well inside its
band so that it stays met with other random numbers). Common random numbers: cohort ``i`` of
:func:`dormancy.patients.calibration.target_cohorts` always uses seed ``seed + i``, so :math:`J` is a deterministic
function of the parameters. Log-uniform priors are searched in ``log10``, uniform ones linearly; values are clipped to
their prior (a quadratic penalty outside). Every evaluation is appended as one JSON line to ``--log``; the best one is
printed. Copy the best values into ``CALIBRATED`` in ``tools/make_patient_parameters.py`` to ship them.

Usage::

    PYTHONPATH=src python tools/fit_patients.py --log fit.jsonl [--patients 6000] [--seed 777]
        [--start start.json] [--extra seeding_fold_n1_3,...] [--fixed growth_rate_er_negative,...]
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from dormancy.errors import InputError
from dormancy.patients.calibration import SAME_PATIENTS, _simulate_cohort, deviations, prior_bounds, target_cohorts
from dormancy.patients.parameters import FREE_PARAMETERS, SET_NAME
from dormancy.patients.summaries import summarise


def objective_value(d: np.ndarray) -> float:
    """Return :math:`J` for the deviations ``d`` (see the module docstring)."""
    return float(np.mean(d**2) + 4.0 * np.mean(np.maximum(np.abs(d) - 0.7, 0.0) ** 2))


def main() -> None:
    """Run Nelder–Mead from the registry's values (or ``--start``) and log every evaluation."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=777)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--start", type=Path, help="JSON mapping of registry name to starting value")
    parser.add_argument("--extra", default="", help="comma-separated symbols of the set fitted besides FREE_PARAMETERS")
    parser.add_argument("--fixed", default="", help="comma-separated symbols of FREE_PARAMETERS kept at their value")
    parser.add_argument("--max-evaluations", type=int, default=2000)
    options = parser.parse_args()

    fixed = {f"{SET_NAME}.{e}" for e in options.fixed.split(",") if e}
    names = [n for n in FREE_PARAMETERS if n not in fixed] + [f"{SET_NAME}.{e}" for e in options.extra.split(",") if e]
    priors = prior_bounds(tuple(names))
    low, high = priors["low"].to_numpy(float), priors["high"].to_numpy(float)
    log_scale = (priors["scale"] == "log10").to_numpy()
    span = np.where(log_scale, 1.0, (high - low) / 4.0)
    start = json.loads(options.start.read_text()) if options.start else {}
    values0 = np.array([start.get(n, priors.loc[n, "value"]) for n in names], float)

    def to_x(v):
        return np.where(log_scale, np.log10(np.maximum(v, 1e-300)), v / span)

    def to_v(x):
        return np.where(log_scale, 10.0**x, x * span)

    x_low, x_high = to_x(low), to_x(high)
    cohorts = target_cohorts(n_patients=options.patients)
    order = {name: i for i, name in enumerate(cohorts)}  # the arms of a comparison share a seed (SAME_PATIENTS)

    def objective(x: np.ndarray) -> float:
        clipped = np.clip(x, x_low, x_high)
        penalty = 100.0 * float(np.sum((x - clipped) ** 2))
        parameters = dict(zip(names, map(float, to_v(clipped)), strict=True))
        began = time.perf_counter()
        try:
            tables = {
                name: _simulate_cohort(spec, options.seed + order[SAME_PATIENTS.get(name, name)], parameters)
                for name, spec in cohorts.items()
            }
        except InputError as error:  # e.g. niche fractions summing above 1: outside the joint prior
            with options.log.open("a", encoding="utf-8") as log:
                log.write(json.dumps(dict(obj=1e3, missed=-1, rejected=str(error), p=parameters)) + "\n")
            return 1e3
        d = deviations(summarise(tables))
        value = objective_value(d) + penalty
        record = dict(obj=value, missed=int(np.sum(np.abs(d) > 1)), seconds=round(time.perf_counter() - began, 2))
        with options.log.open("a", encoding="utf-8") as log:
            log.write(json.dumps(dict(record, p=parameters, d=[round(float(a), 3) for a in d])) + "\n")
        return value if math.isfinite(value) else 1e3

    x0 = to_x(values0)
    step = np.where(log_scale, 0.2, 0.4)
    simplex = np.vstack([x0, x0 + np.diag(step)])
    result = minimize(
        objective,
        x0,
        method="Nelder-Mead",
        options=dict(initial_simplex=simplex, maxfev=options.max_evaluations, xatol=1e-3, fatol=1e-4),
    )
    print(json.dumps(dict(zip(names, map(float, to_v(np.clip(result.x, x_low, x_high))), strict=True)), indent=1))
    print(f"J = {result.fun:.4f} after {result.nfev} evaluations")


if __name__ == "__main__":
    main()
