# %% [markdown]
# # Bone over a lifetime: menopause and bone drugs
#
# The bone (`dormancy.bone`) is the Pivonka et al. 2008 RANK/RANKL/OPG/PTH/TGF-β remodelling model, driven by
# the host (oestrogen falling at menopause, inflammaging), a tumour and drugs from `dormancy.pkpd`. It reports
# what a DTC reads: TGF-β2 and BMP7 from osteoblasts, matrix TGF-β1, osteoclast factors, IL-1β, oestrogen.
# This is `dormancy bone --years 20 --menopause-age 51 --drug zoledronic_acid:4mg:q6mo` in Python, shorter.

# %%
import matplotlib.pyplot as plt  # noqa: F401  (shows figures inline in Jupyter)
import numpy as np

import dormancy

years = 8.0
host = dormancy.bone.HostProfile(age_years=48, menopause_age_years=51)
untreated = dormancy.bone.simulate_bone(dormancy.bone.BoneModel.default(host=host), years=years)
print(untreated.attrs["status"], list(untreated.data_vars)[:12])

# %% [markdown]
# Zoledronic acid 4 mg every 6 months from the start; the pharmacology (`dormancy.pkpd`) turns a dosing schedule
# into target effects over time (here, on osteoclasts).

# %%
schedule = dormancy.pkpd.parse_schedule("zoledronic_acid:4mg:q6mo")
times = np.arange(0.0, years * 365.25 + 1.0, 0.5)
exposure = dormancy.bone.DrugExposure(times, dormancy.pkpd.target_effects([schedule], times))
treated = dormancy.bone.simulate_bone(dormancy.bone.BoneModel.default(host=host, drugs=exposure), years=years)

# %%
dormancy.plotting.plot_bone_lifetime(untreated, title="menopause at 51, no drug")

# %%
dormancy.plotting.plot_bone_lifetime(treated, title="menopause at 51, zoledronic acid 4 mg q6mo")

# %% [markdown]
# Bone volume at the end, and the osteoclast signal a DTC reads:

# %%
for label, run in (("no drug", untreated), ("zoledronic acid", treated)):
    end = run.isel(time=-1)
    print(
        f"{label}: bone volume {float(end['bone_volume']):.3g}, "
        f"osteoclast factors {float(end['signal_OSTEOCLAST_FACTORS']):.3g}"
    )
