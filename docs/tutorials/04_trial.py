# %% [markdown]
# # Design and run your own trial
#
# A virtual trial screens simulated survivors (eligibility, a marrow aspirate with false negatives), randomises
# them, re-simulates each arm with its strategy from entry, and analyses each replicate trial (Kaplan–Meier, Cox
# hazard ratio, log-rank, DTC clearance). Start from the template (`dormancy trial template > my-trial.yaml`),
# edit it, load it. Here it is made small so that it runs in a minute: 40 patients, 2 replicate trials.

# %%
import dormancy

print(dormancy.trials.template_text()[:900])

# %%
data = dormancy.trials.trial_from_text(dormancy.trials.template_text()).to_dict()
data["enrolment"] = {"target": 40}
data["screening"] = {"candidates_per_enrolled": 4.0}
data["follow_up"] = {"min_years": 3.0, "max_years": 3.0}
data["analysis"]["horizon_years"] = 3.0
spec = dormancy.trials.trial_from_dict(data)
print(spec.name, [arm.name for arm in spec.arms], "control:", spec.control_arm)

# %%
result = dormancy.trials.run_trial(spec, seed=7, replicates=2)
result.summary()

# %% [markdown]
# With 2 replicates and 40 patients the intervals are wide: the report (`dormancy.trials.write_report`, or
# `dormancy trial my-trial.yaml --out my-trial`) gives the distribution over replicates and the power; use
# 200 replicates and the real enrolment for a real question.

# %%
import tempfile
from pathlib import Path

folder = dormancy.trials.write_report(result, Path(tempfile.mkdtemp()) / "my-trial")
sorted(path.name for path in Path(folder).iterdir())
