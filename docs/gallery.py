# %% [markdown]
# # Gallery: every kind of figure the package makes
#
# Each figure is made here, when the site is built, from a small run (so that the page builds in a few minutes);
# the commands that write it are named with each. Sizes are far below what a study would use.

# %%
import base64
import re
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import Image, display

import dormancy

plotting = dormancy.plotting
work = Path(tempfile.mkdtemp(prefix="dormancy-gallery-"))

# %% [markdown]
# ## Bone remodelling ensembles (`dormancy run`, `dormancy demo`): `plot_bone_cells`

# %%
results = [dormancy.simulate(dormancy.builtin_scenario(name)) for name in ("komarova_steady", "komarova_oscillating")]
plotting.plot_bone_cells(results, titles=["steady (komarova2003)", "oscillating (ayati2010)"])

# %% [markdown]
# ## The switch's fate response and memory (`dormancy switch --scan`): `plot_fate_response`

# %%
scan = dormancy.scan_switch("FIBRONECTIN", 0.0, 1.0, points=15, inputs={"TGFB2": 0.57})
model = dormancy.signalling.load_switch("negative")
niche = dormancy.signalling.niche_activities(model, {"TGFB2": 0.57})
loop = dormancy.signalling.hysteresis(
    model,
    "FIBRONECTIN",
    scan["level"].values,
    niche=niche,
    dormant_niche=dormancy.signalling.DORMANT_PREPARATION,
    proliferating_niche=dormancy.signalling.PROLIFERATING_PREPARATION,
)
rates = [dormancy.signalling.fate_rates(model, s) for s in (loop.from_dormant, loop.from_proliferating)]
plotting.plot_fate_response(scan["level"].values, *rates, xlabel="FIBRONECTIN (activity)", title=model.parameter_set)

# %% [markdown]
# ## Bone over a lifetime (`dormancy bone`): `plot_bone_lifetime`

# %%
host = dormancy.bone.HostProfile(age_years=60, menopause_age_years=None)
run = dormancy.bone.simulate_bone(dormancy.bone.BoneModel.default(host=host, initial_tumour_burden=0.3), years=3)
plotting.plot_bone_lifetime(run, title="the vicious cycle: tumour 0.3 from age 60")

# %% [markdown]
# ## Virtual patients (`dormancy demo`, `dormancy calibration-report`): `plot_kaplan_meier`, `plot_annual_hazard`

# %%
cohort = dormancy.patients.simulate_cohort(dormancy.patients.CohortSpec(1500, followup_years=15.0), seed=3)
plotting.plot_kaplan_meier(cohort.table, by="er_positive", horizon_years=15.0)

# %%
plotting.plot_annual_hazard(cohort.table, by="er_positive", endpoint="any")

# %% [markdown]
# ## Calibration targets (`dormancy calibration-report`): `plot_target_comparison`
# At 400 patients per cohort the model is far noisier than at the report's 20,000.

# %%
report = dormancy.patients.report.run_report(n_patients=400, seed=20_260_612)
plotting.plot_target_comparison(report.comparison)

# %% [markdown]
# ## Sensitivity (`dormancy sensitivity`): `plot_sensitivity`
# Two Morris trajectories of 200-patient cohorts: the shape of the figure, not a result.

# %%
indices = dormancy.patients.sensitivity.morris_sensitivity(samples=2, n_patients=200, seed=1)
plotting.plot_sensitivity(indices)

# %% [markdown]
# ## The niche (`dormancy niche --movie`): a movie frame (`render_snapshot`)

# %%
spec = dormancy.niche.default_niche_scenario()
niche_model = dormancy.niche.build_niche_model(spec)
frames = []


def keep_last(state):
    frames[:] = [state]


niche_run = dormancy.niche.run_niche(niche_model, days=0.5, observer=keep_last)
state = frames[-1]
path = dormancy.niche.render_snapshot(
    niche_model.geometry,
    state.fields,
    "O2",
    dormancy.niche.agents_frame(niche_model, state),
    path=work / "niche.png",
    title="default niche, half a day",
    field_names=niche_model.field_names,
)
display(Image(filename=str(path)))

# %% [markdown]
# ## The niche over time (`dormancy niche --movie` writes it beside the movie): `plot_niche_summary`

# %%
plotting.plot_niche_summary(niche_run.timeseries, title="default niche, half a day")

# %% [markdown]
# ## The virtual laboratory (`dormancy lab run NAME`): one figure per protocol
# Each with the protocol's small settings (`PROTOCOLS[name].quick`).

# %%
for name in dormancy.lab.protocol_names():
    protocol = dormancy.lab.PROTOCOLS[name]
    result = dormancy.lab.run_protocol(name, seed=1, options=protocol.quick)
    figure = protocol.figure(result)
    figure.suptitle(f"dormancy lab run {name}", y=1.02)
    display(figure)
    plt.close(figure)

# %% [markdown]
# ## Virtual trials (`dormancy trial`): the report's figures
# A 30-patient trial from the template, 2 replicates; the report (`report.html`) embeds these figures.

# %%
data = dormancy.trials.trial_from_text(dormancy.trials.template_text()).to_dict()
data["enrolment"] = {"target": 30}
data["screening"] = {"candidates_per_enrolled": 4.0}
data["follow_up"] = {"min_years": 2.0, "max_years": 2.0}
data["analysis"]["horizon_years"] = 2.0
trial = dormancy.trials.run_trial(dormancy.trials.trial_from_dict(data), seed=5, replicates=2)
html = dormancy.trials.render_report(trial)
for encoded in re.findall(r'src="data:image/png;base64,([^"]+)"', html):
    display(Image(data=base64.b64decode(encoded)))
