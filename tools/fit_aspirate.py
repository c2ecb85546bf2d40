r"""Fit the aspirate measurement's parameters to Braun 2005's prevalence and Synnestvedt 2012's repeat aspirates.

The measurement (:mod:`dormancy.patients.aspirate`) reads the kernel's marrow DTC counts after the kernel, so its
parameters move no draw of any history: the cohorts are simulated once with the shipped values and only the readings
are repeated (common random numbers). Free: ``aspirate_sensitivity`` (reference reading), ``aspirate_site_cv``,
``dtc_cluster_mean_size`` and ``aspirate_sensitivity_oslo``. Objective: the mean squared tolerance-normalised
deviation over Braun 2005's DTC prevalence at diagnosis, its DTC+/DTC- distant-recurrence rate ratio and every
repeat-aspirate figure, the per-visit cell-count shares included
(:func:`dormancy.patients.repeat_aspirate.repeat_aspirate_targets` with ``per_visit=True``), plus
:math:`4 \overline{\max(0, |d| - 0.7)^2}` as in ``tools/fit_patients.py``. No trial outcome is used.

Usage::

    PYTHONPATH=src python tools/fit_aspirate.py --patients 20000 --seed 777 --log fit_aspirate.jsonl \
        [--start 0.75,0.8,1.4,0.14] [--max-evaluations 45]
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from scipy.optimize import minimize

from dormancy.patients import CohortSpec, simulate_cohort
from dormancy.patients.aspirate import DIAGNOSIS_VISIT, aspirate_values, read_aspirate_values
from dormancy.patients.repeat_aspirate import (
    read_replica,
    repeat_aspirate_targets,
    replica_statistics,
    simulate_replica,
)
from dormancy.patients.summaries import rate_ratio
from dormancy.patients.targets import load_targets

FREE = ("aspirate_sensitivity", "aspirate_site_cv", "dtc_cluster_mean_size", "aspirate_sensitivity_oslo")
BOUNDS = {
    "aspirate_sensitivity": (0.05, 1.0),
    "aspirate_site_cv": (0.0, 3.0),
    "dtc_cluster_mean_size": (1.0, 4.0),
    "aspirate_sensitivity_oslo": (0.01, 1.0),
}


def main() -> None:
    """Simulate the two cohorts once, then fit the readings with Nelder-Mead; print the best values."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=777)
    parser.add_argument("--log", required=True)
    parser.add_argument("--max-evaluations", type=int, default=300)
    parser.add_argument("--start", help="comma-separated starting values of the free records (default: the registry's)")
    options = parser.parse_args()

    braun = simulate_cohort(CohortSpec(options.patients, followup_years=10.0), seed=options.seed).table
    replica = simulate_replica(n_patients=options.patients, seed=options.seed + 1)
    wanted = ("braun.dtc_prevalence", "braun.dtc_rate_ratio_10y")
    braun_targets = {t.statistic: t for t in load_targets() if t.statistic in wanted}
    targets = repeat_aspirate_targets(per_visit=True)  # the per-visit shares too, as soft constraints
    base = aspirate_values()
    counts = braun["dtc_at_diagnosis"].to_numpy(np.float64)
    ids = braun["patient"].to_numpy(np.uint64)

    def evaluate(values):
        found = read_aspirate_values(counts, ids=ids, seed=options.seed, visit=DIAGNOSIS_VISIT, values=values)
        table = braun.assign(dtc_positive=found > 0)
        stats = {"braun.dtc_prevalence": 100.0 * float((found > 0).mean())}
        stats["braun.dtc_rate_ratio_10y"] = rate_ratio(table)
        stats.update(replica_statistics(read_replica(replica, seed=options.seed + 1, values=values)))
        d = [t.deviation(stats[t.statistic]) for t in (*braun_targets.values(), *targets)]
        return stats, np.array(d)

    def objective(x):
        values = dict(base)
        clipped = {}
        penalty = 0.0
        for name, value in zip(FREE, x, strict=True):
            low, high = BOUNDS[name]
            clipped[name] = float(np.clip(value, low, high))
            penalty += 100.0 * (value - clipped[name]) ** 2
        values.update(clipped)
        stats, d = evaluate(values)
        value = float(np.mean(d**2) + 4.0 * np.mean(np.maximum(np.abs(d) - 0.7, 0.0) ** 2)) + penalty
        with open(options.log, "a", encoding="utf-8") as log:
            log.write(json.dumps(dict(obj=value, missed=int(np.sum(np.abs(d) > 1)), p=clipped, stats=stats)) + "\n")
        return value

    x0 = np.array([base[name] for name in FREE])
    if options.start:
        x0 = np.array([float(v) for v in options.start.split(",")])
    simplex = np.vstack([x0, x0 + np.diag([0.1, 0.3, 0.2, 0.03])])
    result = minimize(
        objective, x0, method="Nelder-Mead", options=dict(initial_simplex=simplex, maxfev=options.max_evaluations)
    )
    best = {name: float(np.clip(v, *BOUNDS[name])) for name, v in zip(FREE, result.x, strict=True)}
    print(json.dumps(best, indent=1))
    values = dict(base) | best
    stats, d = evaluate(values)
    print(json.dumps({k: round(v, 3) for k, v in stats.items()}, indent=1))
    print(f"J = {result.fun:.4f} after {result.nfev} evaluations; missed {int(np.sum(np.abs(d) > 1))}")


if __name__ == "__main__":
    main()
