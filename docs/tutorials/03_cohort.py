# %% [markdown]
# # A cohort of virtual patients and its survival curves
#
# Each virtual patient has covariates (age, ER status, T and N stage, grade, menopause), DTCs seeded at
# diagnosis in marrow niches, standard care, and a stochastic history over decades driven by the switch's fate
# rates. `dormancy.patients.simulate_cohort` returns a table, one row per patient. Here 2,000 patients over 15
# years (the calibration uses 10,000 to 100,000).

# %%
import matplotlib.pyplot as plt  # noqa: F401  (shows figures inline in Jupyter)

import dormancy

spec = dormancy.patients.CohortSpec(2000, followup_years=15.0)
cohort = dormancy.patients.simulate_cohort(spec, seed=1, progress=dormancy.progress_bar("patients"))
table = cohort.table
table.head()

# %%
print(f"{table['recurred'].mean():.1%} recurred within 15 years")
print(f"{table['dtc_positive'].mean():.1%} DTC-positive at diagnosis")
table.groupby("er_positive")["recurred"].mean()

# %% [markdown]
# Patients also die: of other causes by the US female life table of their age and calendar year (diagnosed in
# 1985 by default, `PopulationSpec(diagnosis_year=...)`), and of breast cancer after a distant recurrence. Overall
# and breast-cancer-specific survival, and the cumulative incidences with competing risks (Aalen–Johansen):

# %%
dormancy.patients.survival_outcomes(table, horizons=[5.0, 10.0, 15.0])

# %% [markdown]
# Kaplan–Meier curves of distant recurrence by ER status (the numbers under the curves are patients still at risk),
# and the annual hazard: ER− recurs early, ER+ keeps recurring late — the dormancy signature of the clinic.

# %%
dormancy.plotting.plot_kaplan_meier(table, by="er_positive", horizon_years=15.0)

# %%
dormancy.plotting.plot_annual_hazard(table, by="er_positive", endpoint="any")
