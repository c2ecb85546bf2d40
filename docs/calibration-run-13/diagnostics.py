"""Diagnostics of docs/calibration-run-13 (MA.17 by resistance and response tertile; EBCTCG 2011 periods).

Usage::

    PYTHONPATH=src python docs/calibration-run-13/diagnostics.py SIGMA N_MA17 N_EBCTCG \
        [NATURAL_HISTORY_JSON [CARE_JSON]]
"""

import json
import sys
import time

import numpy as np

from dormancy.params import load_registry
from dormancy.patients.care_checks import CARE_CHECKS, rate_ratio
from dormancy.patients.cohort import simulate_cohort
from dormancy.patients.endocrine_resistance import endocrine_resistant_years, endocrine_sensitivity
from dormancy.patients.specs import CareSpec, CohortSpec, PopulationSpec

sigma = float(sys.argv[1])
n = int(sys.argv[2])
n_e = int(sys.argv[3])
seed = 20261207
extra = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
care_extra = json.loads(sys.argv[5]) if len(sys.argv) > 5 else {}
if care_extra:
    import dormancy.patients.cohort as _c
    from dormancy.patients.care import care_parameters as _cp

    _base = dict(_cp())
    _c.care_parameters = lambda: {**_base, **care_extra}
par = {"patients_natural_history." + k: v for k, v in {"endocrine_response_sd_log": sigma, **extra}.items()}
vals = {**dict(load_registry().sets["patients_natural_history"].values()), "endocrine_response_sd_log": sigma, **extra}
out = {"sigma": sigma, "n": n, **extra, **care_extra}
t = time.time()
if n:
    chk = {c.name: c for c in CARE_CHECKS}["ma17_extended_letrozole"]
    arms = [
        simulate_cohort(
            CohortSpec(n, followup_years=8.0, population=chk.population, care=care), seed=seed, parameters=par
        ).table
        for care in (chk.control, chk.experimental)
    ]
    tab = arms[0]
    keep = chk.eligible(tab)
    r = [a["recurrence_years"].to_numpy()[keep] for a in arms]
    out["ma17"] = rate_ratio(r[0], r[1], period=chk.period)
    ids = np.arange(n)
    er = tab["er_positive"].to_numpy()
    tr = endocrine_resistant_years(vals, seed=seed, ids=ids, er_positive=er)[keep]
    s = endocrine_sensitivity(vals, seed=seed, ids=ids, er_positive=er)[keep]
    res = tr < 5
    out["resistant_share"] = float(res.mean())
    out["ma17_resistant"] = rate_ratio(r[0][res], r[1][res], period=chk.period)
    out["ma17_sensitive"] = rate_ratio(r[0][~res], r[1][~res], period=chk.period)
    if sigma > 0:
        q = np.quantile(s[~res], [1 / 3, 2 / 3])
        for k, (lo, hi) in enumerate(((-1, q[0]), (q[0], q[1]), (q[1], 99))):
            m = (~res) & (s > lo) & (s <= hi)
            out[f"ma17_sens_tertile{k}"] = (float(lo), float(hi), *rate_ratio(r[0][m], r[1][m], period=chk.period))
    out["t_ma17"] = time.time() - t
if n_e:
    from dormancy.patients.summaries import tamoxifen_rate_ratios

    pop = PopulationSpec.only(er_positive=True)
    a = {
        y: simulate_cohort(
            CohortSpec(
                n_e, followup_years=20.0, population=pop, care=CareSpec(chemotherapy="node_positive", endocrine_years=y)
            ),
            seed=seed,
            parameters=par,
        ).table
        for y in (0.0, 5.0)
    }
    out["ebctcg"] = tamoxifen_rate_ratios(a[0.0], a[5.0])
    out["t_total"] = time.time() - t
print(json.dumps(out, default=float), flush=True)
