# %% [markdown]
# # A DTC's switch in a niche, and its memory window
#
# One disseminated tumour cell (DTC) in the bone marrow reads its niche — oxygen, TGF-β2 from osteoblasts, BMP7,
# fibronectin, oestrogen, drugs — through a signalling network of 39 nodes (p38, ERK, NR2F1, p27, HIF1α, mTOR,
# autophagy …). `dormancy.run_switch` runs that network for one cell and returns an `xarray.Dataset`: the
# activity of every node over time, the fate rates at the end (per day) and the fate.
#
# Inputs you do not set keep the default marrow niche (`dormancy.signalling.DEFAULT_NICHE`); `O2` is the oxygen
# *fraction* (0.01 = 1 %), exactly as on the command line (`dormancy switch --input O2=0.01`).

# %%
import matplotlib.pyplot as plt

import dormancy

print(dict(dormancy.signalling.DEFAULT_NICHE))
cell = dormancy.run_switch({"TGFB2": 0.8, "O2": 0.01}, days=14)
cell

# %% [markdown]
# The fate and the rates, with their units:

# %%
print("fate:", cell.attrs["fate"])
for name in ("proliferation_rate", "quiescence_entry_rate", "quiescence_exit_rate", "apoptosis_rate"):
    print(f"{name}: {float(cell[name]):.3g} {cell[name].attrs['units']}")

# %% [markdown]
# The trajectory of the key nodes: p38 high and ERK low is the classic dormancy signature (p38/ERK ratio).

# %%
nodes = ["P38", "ERK", "NR2F1", "P27", "CDK46", "MTOR"]
cell["activity"].sel(node=nodes).plot.line(x="time", hue="node", figsize=(7, 3.5))
plt.title("one DTC in a TGF-β2-rich, hypoxic niche")
plt.show()

# %% [markdown]
# Change the niche: take TGF-β2 away and add TGF-β1 (what osteoclasts release from the matrix), from a cell
# that was proliferating. The same cell now stays awake.

# %%
awake = dormancy.run_switch({"TGFB1": 1.0, "TGFB2": 0.0}, days=14, start="proliferating")
print(awake.attrs["fate"], f"proliferation {float(awake['proliferation_rate']):.3g} /day")

# %% [markdown]
# ## Memory: the same niche, two fates
#
# The switch is bistable: across a range of an input, the fate depends on where the cell came from.
# `dormancy.scan_switch` relaxes cells from a dormant and from a proliferating start at each level of an input
# (here fibronectin/integrin signalling, with TGF-β2 at 0.57) and marks where they disagree — the memory window.
# This is `dormancy switch --scan FIBRONECTIN 0 1 --input TGFB2=0.57` at a coarser grid.

# %%
scan = dormancy.scan_switch("FIBRONECTIN", 0.0, 1.0, points=21, inputs={"TGFB2": 0.57})
print(f"memory window: FIBRONECTIN {scan.attrs['window_low']:.2f} to {scan.attrs['window_high']:.2f}")
fig, ax = plt.subplots(figsize=(6, 3.5))
for branch in ("dormant", "proliferating"):
    ax.plot(scan["level"], scan[f"proliferation_rate_from_{branch}"], marker="o", label=f"from {branch}")
ax.axvspan(scan.attrs["window_low"], scan.attrs["window_high"], color="0.9", label="memory window")
ax.set(xlabel="FIBRONECTIN (activity)", ylabel="proliferation rate (1/day)")
ax.legend()
plt.show()
