"""Calibration run 15: the care checks and the EBCTCG 2011 tamoxifen periods at an acquired endocrine independence.

Usage (from the worktree root, PYTHONPATH=src)::

    python docs/calibration-run-15/run_checks.py LAMBDA N_CHECKS N_EBCTCG OUT_PREFIX [CHECK,CHECK,...]

LAMBDA is ``patients_natural_history.endocrine_independence_per_year``; N_CHECKS patients per arm of the care checks
(seed 20261207), N_EBCTCG ER+ patients per arm of the EBCTCG 2011 comparison (0: skip). Writes OUT_PREFIX_checks.csv
and OUT_PREFIX_ebctcg.json.
"""

import json
import sys
import time

from dormancy.patients import CareSpec, CohortSpec, PopulationSpec, simulate_cohort
from dormancy.patients.care_checks import run_care_checks
from dormancy.patients.summaries import tamoxifen_rate_ratios
from dormancy.patients.targets import load_targets

q, n_checks, n_ebctcg, prefix = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
names = tuple(sys.argv[5].split(",")) if len(sys.argv) > 5 else None
overrides = {"patients_natural_history.endocrine_independence_per_year": q}
t = time.time()
if n_checks:
    tab = run_care_checks(n_patients=n_checks, seed=20261207, names=names, parameters=overrides)
    tab.to_csv(f"{prefix}_checks.csv", index=False)
    cols = ["check", "events_control", "events_experimental", "model_rr", "model_low", "model_high"]
    cols += ["published_rr", "published_low", "published_high", "within"]
    print(tab[[c for c in cols if c in tab.columns]].to_string(), f"{time.time() - t:.0f} s", flush=True)
if n_ebctcg:
    arms = {
        years: simulate_cohort(
            CohortSpec(
                n_ebctcg,
                followup_years=20.0,
                population=PopulationSpec.only(er_positive=True),
                care=CareSpec(chemotherapy="node_positive", endocrine_years=years),
            ),
            seed=20261207,
            parameters=overrides,
        ).table
        for years in (0.0, 5.0)
    }
    ratios = tamoxifen_rate_ratios(arms[0.0], arms[5.0])
    out = {"lambda": q, "patients_per_arm": n_ebctcg, "ratios": {k: float(v) for k, v in ratios.items()}}
    for target in load_targets():
        if target.name == "tamoxifen_effect_by_period_er_positive":
            key = target.statistic.removeprefix("ebctcg.tamoxifen_rr.")
            out.setdefault("within", {})[key] = bool(target.within(ratios[key]))
    with open(f"{prefix}_ebctcg.json", "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=1)
    print(json.dumps(out), f"{time.time() - t:.0f} s", flush=True)
