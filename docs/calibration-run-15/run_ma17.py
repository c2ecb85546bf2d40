"""Calibration run 15: the MA.17 check as shipped (run_care_checks' row) at a size and seed, with the split by
resistance at year 5 and the eligible women's nodal and age mix.

Usage (PYTHONPATH=src): python docs/calibration-run-15/run_ma17.py N SEED [OVERRIDES_JSON]
"""

import json
import sys
import time

from dormancy.params import load_registry
from dormancy.patients.care_checks import CARE_CHECKS, _observation, rate_ratio
from dormancy.patients.cohort import simulate_cohort
from dormancy.patients.endocrine_resistance import endocrine_resistant_years
from dormancy.patients.specs import CohortSpec

n, seed = int(sys.argv[1]), int(sys.argv[2])
overrides = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
check = {c.name: c for c in CARE_CHECKS}["ma17_extended_letrozole"]
values = dict(load_registry().sets["patients_natural_history"].values())
values.update({k.split(".", 1)[1]: v for k, v in overrides.items() if k.startswith("patients_natural_history.")})
t = time.time()
arms = [
    simulate_cohort(
        CohortSpec(n, followup_years=check.followup_years, population=check.population, care=care),
        seed=seed,
        parameters=overrides or None,
    ).table
    for care in (check.control, check.experimental)
]
landmark, ends = _observation(check, arms, seed)
keep = check.eligible(arms[0]) & landmark


def rr(mask):
    r = [a["recurrence_years"].to_numpy()[mask] for a in arms]
    return rate_ratio(r[0], r[1], period=check.period, control_end=ends[0][mask], experimental_end=ends[1][mask])


tab = arms[0]
res = (
    endocrine_resistant_years(
        values, seed=seed, ids=tab["patient"].to_numpy(), er_positive=tab["er_positive"].to_numpy()
    )
    < check.period[0]
)
age = tab["age_at_diagnosis"].to_numpy()[keep] + 5.0
out = {
    "n": n,
    "seed": seed,
    "overrides": overrides,
    "eligible": int(keep.sum()),
    "ma17": rr(keep),
    "resistant_share": float(res[keep].mean()),
    "resistant": rr(keep & res),
    "sensitive": rr(keep & ~res),
    "n0_share": float((tab["n_stage"].to_numpy()[keep] == "N0").mean()),
    "age_shares": [float((age < 60).mean()), float(((age >= 60) & (age < 70)).mean()), float((age >= 70).mean())],
    "seconds": time.time() - t,
}
print(json.dumps(out), flush=True)
