"""Diagnostic runs of calibration run 9: tamoxifen periods and the endocrine care checks for given overrides.

Usage: ``PYTHONPATH=src python docs/calibration-run-9/diagnostic_checks.py JSON_OVERRIDES N_PATIENTS [SEED]``.
"""

import json
import sys
import time

from dormancy.patients.care_checks import CARE_CHECKS, rate_ratio
from dormancy.patients.cohort import simulate_cohort
from dormancy.patients.specs import CareSpec, CohortSpec, PopulationSpec
from dormancy.patients.summaries import tamoxifen_rate_ratios

S = "patients_natural_history."
over = json.loads(sys.argv[1])
n = int(sys.argv[2])
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
par = {S + k: v for k, v in over.items()}
t0 = time.time()
res = {}
arms = {
    y: simulate_cohort(
        CohortSpec(
            n,
            followup_years=20.0,
            population=PopulationSpec.only(er_positive=True),
            care=CareSpec(chemotherapy="node_positive", endocrine_years=y),
        ),
        seed=seed,
        parameters=par,
    ).table
    for y in (0.0, 5.0)
}
r = tamoxifen_rate_ratios(arms[0.0], arms[5.0])
res["tam"] = {k: round(float(v), 3) for k, v in r.items()}
C = {c.name: c for c in CARE_CHECKS}


def run(c, periods):
    a = [
        simulate_cohort(
            CohortSpec(n, followup_years=c.followup_years, population=c.population, care=care),
            seed=seed,
            parameters=par,
        ).table
        for care in (c.control, c.experimental)
    ]
    keep = c.eligible(a[0])
    return [
        round(
            rate_ratio(a[0]["recurrence_years"].to_numpy()[keep], a[1]["recurrence_years"].to_numpy()[keep], period=p)[
                0
            ],
            3,
        )
        for p in periods
    ]


res["ai01,ai24"] = run(C["ebctcg2015_ai_vs_tamoxifen_years_0_1"], [(0, 2), (2, 5)])
res["ma17"] = run(C["ma17_extended_letrozole"], [(5, 8)])
res["monarchE"] = run(C["monarche_abemaciclib"], [(0, 5)])
res["s"] = round(time.time() - t0)
print(json.dumps(dict(over=over, n=n, seed=seed, **res)), flush=True)
