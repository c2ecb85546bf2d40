"""Calibration run 15: the MA.17 replica's age at diagnosis from the trial's age at randomisation (a design fact).

Muss 2008 (J Clin Oncol 26:1956, abstract): of 5,169 randomised women 2,152 were younger than 60, 1,694 were 60-69
and 1,323 were 70 or older at randomisation (after about 5 years of tamoxifen). The replica's women are those of an
ER+ population postmenopausal at randomisation (age at diagnosis + 5 >= menopause age); this grid search picks the
normal age at diagnosis (mean, SD) whose eligible women have these shares. Covariates only (no kernel).

Usage (PYTHONPATH=src): python docs/calibration-run-15/fit_age.py
"""

import numpy as np

from dormancy.params import load_registry
from dormancy.patients.covariates import COVARIATE_STREAM
from dormancy.rng import agent_normals

TARGET = np.array([2152, 1694, 1323]) / 5169
values = dict(load_registry().sets["patients_natural_history"].values())
ids = np.arange(200_000, dtype=np.int64)
# the same normals as dormancy.patients.covariates.sample_covariates (age: column 0, menopause age: column 1)
z = agent_normals(20261207, ids, 0, 3, stream=COVARIATE_STREAM)
menopause_age = np.clip(values["menopause_age_mean"] + values["menopause_age_sd"] * z[:, 1], 40.0, 58.0)
best = None
for mean in np.arange(40.0, 60.01, 0.5):
    for sd in np.arange(8.0, 20.01, 0.5):
        age5 = np.clip(mean + sd * z[:, 0], 25.0, 90.0) + 5.0
        eligible = age5 >= menopause_age
        a = age5[eligible]
        shares = np.array([(a < 60).mean(), ((a >= 60) & (a < 70)).mean(), (a >= 70).mean()])
        err = float(((shares - TARGET) ** 2).sum())
        if best is None or err < best[0]:
            best = (err, mean, sd, shares, float(np.median(a)), float(eligible.mean()))
err, mean, sd, shares, median, frac = best
print(
    f"mean {mean} sd {sd}: shares <60/60-69/>=70 {np.round(shares, 3)} vs {np.round(TARGET, 3)}; "
    f"median age at randomisation {median:.1f}; eligible {frac:.3f}; squared error {err:.2e}"
)
