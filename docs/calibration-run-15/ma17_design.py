"""Calibration run 15, step 1: the MA.17 replica made like-for-like with the trial's design, one change at a time.

Usage (PYTHONPATH=src)::

    python docs/calibration-run-15/ma17_design.py N [OVERRIDES_JSON] > out.json

A: the run-14 population (ER+, age 64 +- 8 at diagnosis, default nodal mix), both arms followed 10.25 years:
  A0 the old check (postmenopausal at diagnosis, only an earlier distant recurrence excluded, years 5-8);
  A1 + postmenopausal at randomisation, alive and free of any recurrence at 5 years;
  A2 + MA.17's follow-up (uniform 1.5-61.4 months after randomisation, ending at death).
B: the new check (A2 + MA.17's ages and nodal status, diagnosed about 1995) = run_care_checks' MA.17 row.
For A2 and B: the split into patients resistant by year 5 and the others, and the eligible women's nodal and age mix.
"""

import json
import sys
import time

from dormancy.params import load_registry
from dormancy.patients.care_checks import CARE_CHECKS, _observation, _postmenopausal, rate_ratio
from dormancy.patients.cohort import simulate_cohort
from dormancy.patients.endocrine_resistance import endocrine_resistant_years
from dormancy.patients.specs import CohortSpec, PopulationSpec

n = int(sys.argv[1])
overrides = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
seed = 20261207
check = {c.name: c for c in CARE_CHECKS}["ma17_extended_letrozole"]
old_population = PopulationSpec.only(er_positive=True, age_mean_years=64.0, age_sd_years=8.0)
values = {**dict(load_registry().sets["patients_natural_history"].values())}
values.update({k.split(".", 1)[1]: v for k, v in overrides.items() if k.startswith("patients_natural_history.")})
out = {"n": n, "overrides": overrides}


def arms_of(population):
    return [
        simulate_cohort(
            CohortSpec(n, followup_years=check.followup_years, population=population, care=care),
            seed=seed,
            parameters=overrides or None,
        ).table
        for care in (check.control, check.experimental)
    ]


def rr(arms, keep, period, ends=None):
    r = [a["recurrence_years"].to_numpy()[keep] for a in arms]
    e = [None, None] if ends is None else [x[keep] for x in ends]
    return rate_ratio(r[0], r[1], period=period, control_end=e[0], experimental_end=e[1])


def split(arms, keep, ends, label):
    tab = arms[0]
    ids = tab["patient"].to_numpy()
    tr = endocrine_resistant_years(values, seed=seed, ids=ids, er_positive=tab["er_positive"].to_numpy())
    res = tr < check.period[0]
    out[label + "_resistant_share"] = float(res[keep].mean())
    out[label + "_resistant"] = rr(arms, keep & res, check.period, ends)
    out[label + "_sensitive"] = rr(arms, keep & ~res, check.period, ends)
    out[label + "_eligible"] = int(keep.sum())
    nodes = tab["n_stage"].to_numpy()[keep]
    out[label + "_n0_share"] = float((nodes == "N0").mean())
    age = tab["age_at_diagnosis"].to_numpy()[keep] + 5.0
    out[label + "_age_shares"] = [
        float((age < 60).mean()),
        float(((age >= 60) & (age < 70)).mean()),
        float((age >= 70).mean()),
    ]


t = time.time()
arms = arms_of(old_population)
out["t_A"] = time.time() - t
keep0 = _postmenopausal(arms[0])
out["A0_old_check"] = rr(arms, keep0, (5.0, 8.0))
landmark, ends = _observation(check, arms, seed)
keep1 = check.eligible(arms[0]) & landmark
out["A1_landmark"] = rr(arms, keep1, (5.0, 8.0))
out["A2_followup"] = rr(arms, keep1, check.period, ends)
split(arms, keep1, ends, "A2")
print(json.dumps(out), flush=True)
t = time.time()
arms = arms_of(check.population)
out["t_B"] = time.time() - t
landmark, ends = _observation(check, arms, seed)
keep = check.eligible(arms[0]) & landmark
out["B_new_check"] = rr(arms, keep, check.period, ends)
out["B_years_5_8_no_censoring"] = rr(arms, keep, (5.0, 8.0))
split(arms, keep, ends, "B")
# the rate ratio by year after randomisation (no censoring), to see how the window matters
for y0 in range(5, 10):
    out[f"B_year_{y0}"] = rr(arms, keep, (float(y0), float(y0 + 1)))
print(json.dumps(out), flush=True)
