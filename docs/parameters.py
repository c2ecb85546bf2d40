# %% [markdown]
# # Parameters and their sources
#
# Every model parameter is a record with a value, a unit, a prior range, the strength of its evidence and its
# sources (keys of the package bibliography; `dormancy cite KEY` resolves one). This page lists them all, by
# parameter set, as `dormancy params --format csv` does; it is generated from the registry when the site is built.

# %%
import pandas as pd
from IPython.display import Markdown, display

import dormancy

registry = dormancy.load_registry()
bibliography = dormancy.load_bibliography()
rows = [
    {
        "set": r.set,
        "name": r.name,
        "value": f"{r.value:g}",
        "unit": r.unit,
        "prior": r.prior.describe(),
        "evidence": r.evidence,
        "source": "; ".join(r.source),
    }
    for r in registry
]
table = pd.DataFrame(rows)
print(f"{len(table)} parameters in {table['set'].nunique()} sets; {len(bibliography.references)} references")
table.groupby("set").size().rename("parameters").to_frame()

# %%
for name, group in table.groupby("set", sort=False):
    display(Markdown(f"### {name}"))
    display(group.drop(columns="set").set_index("name"))
