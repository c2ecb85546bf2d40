# %% [markdown]
# # A virtual-lab hypoxia experiment, to AnnData and scanpy
#
# The virtual laboratory runs the review's experimental systems as protocols with literature defaults, on a dish
# of switch cells (clones with a documented parameter spread). Here intermittent hypoxia, then reoxygenation; the
# cells go to AnnData with marker-gene levels, and `score_dormancy` scores the dormancy signature with
# `scanpy.tl.score_genes` (the `scanpy` extra). This is `dormancy lab run hypoxia-intermittent --anndata`.

# %%
import matplotlib.pyplot as plt  # noqa: F401  (shows figures inline in Jupyter)

import dormancy

print(dormancy.lab.protocol_names())
protocol = dormancy.lab.PROTOCOLS["hypoxia-intermittent"]
print(protocol.title)
small = protocol.quick  # a small dish so that this page builds in seconds; drop it for the defaults
print(small)
result = dormancy.lab.run_protocol("hypoxia-intermittent", seed=1, options=small)
print(result.status)
result.table.head(8)

# %%
protocol.figure(result)

# %% [markdown]
# To AnnData: one observation per cell, marker genes as variables, positions and conditions in `obs`.

# %%
adata = dormancy.lab.to_anndata(result)
adata = dormancy.lab.score_dormancy(adata)
adata

# %%
adata.obs.groupby("condition", observed=True)["dormancy_score"].mean()
