"""Write a trial run as a folder: a self-contained HTML report, CSV tables, the trial file and ``manifest.json``.

The folder is written atomically (a temporary folder beside it, renamed into place), so a reader never sees half a
report. Figures are PNG images embedded in the HTML (base64), so the report is one file that opens anywhere.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, select_autoescape
from matplotlib.figure import Figure  # the object API: no pyplot state, no display backend

from dormancy.atomic import atomic_folder
from dormancy.trials.endpoints import BMFS_ANY_TIME, DFS_ANY
from dormancy.trials.engine import TrialResult
from dormancy.trials.posterior import PosteriorTrialResult
from dormancy.trials.spec import ENDPOINT_TITLES, dump_trial

__all__ = ["REPORT_FILE", "render_report", "write_report"]

REPORT_FILE = "report.html"
TABLES = (
    "summary",
    "survival_summary",
    "competing_summary",
    "clearance_summary",
    "comparisons",
    "survival",
    "competing",
    "curves",
    "screening",
)
#: Tables a posterior-predictive run adds to the folder.
POSTERIOR_TABLES = ("draws.csv", "posterior_replicates.csv", "posterior_summary.csv")
#: Readable names of the competing-risk measures (``TrialResult.competing``).
COMPETING_TITLES = {
    "os": "overall survival (Kaplan–Meier)",
    "bcss": "breast-cancer-specific survival (Kaplan–Meier, other deaths censored)",
    "cif_distant": "distant recurrence (cumulative incidence; competing: death before it)",
    "cif_death_without_distant": "death without distant recurrence (cumulative incidence)",
    "cif_breast_cancer_death": "death from breast cancer (cumulative incidence)",
    "cif_other_death": "death from other causes (cumulative incidence)",
}

_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 70em; margin: 2em auto; color: #222; line-height: 1.4; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; display: block; overflow-x: auto;
  max-width: 100%; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }
th { background: #f2f2f2; } td:first-child, th:first-child { text-align: left; }
.note { background: #fff8e0; border-left: 4px solid #e0b000; padding: 0.5em 1em; }
img { max-width: 100%; }
</style></head><body>
<h1>{{ title }}</h1>
<p>{{ spec.source }}</p>
<p>Trial <code>{{ spec.name }}</code>, {{ replicates }} replicate trial{{ "s" if replicates != 1 else "" }}, seed
{{ seed }}, status <b>{{ status }}</b>; dormancy {{ manifest.package_version }} (commit
{{ manifest.git_commit or "unknown" }}), created {{ manifest.created }}.</p>
<div class="note"><p><b>Predictions, not fits.</b> Every parameter comes from mechanism, pharmacology and preclinical
sources (see manifest.json); nothing was tuned to this trial's published outcome. Uncertainty shown below the
posterior section is the spread over replicate trials of this size at the point estimate of the parameters
(sampling variation of patients, randomisation and measurement); {% if posterior_table %}the posterior section
adds the uncertainty in the model's parameters.{% else %}it does not include uncertainty in the model's
parameters (run with --posterior N for that).{% endif %}</p>
<p><b>What the model cannot see.</b> Distant metastases come from the simulated DTCs; locoregional recurrences and
contralateral breast cancers are drawn from published rates, independently of the DTC history, and no trial
treatment acts on them. Deaths from other causes follow the US female period life table of the diagnosis year
({{ diagnosis_year }}) and age; deaths from breast cancer follow a distant recurrence (survival by subtype and first
site, including the treatment of metastatic disease of the 1990s; no trial treatment acts on it). Second primaries
other than contralateral breast cancer are not modelled.
Disease-free and recurrence-free survival: {{ dfs_definition }}.
Bone-metastasis-free survival: {{ bmfs_definition }}.</p>
{% if virtual_arms %}<p><b>Virtual arms</b> (not in the published trial, added in silico):
{{ virtual_arms }}.</p>{% endif %}
</div>
{% if posterior_table %}<h2>Prediction with parameter uncertainty ({{ posterior_draws }} posterior draws)</h2>
<p>Each of {{ posterior_draws }} draws from the posterior ({{ posterior_source }}, SHA-256
<code>{{ posterior_sha }}</code>) ran {{ posterior_replicates }} replicate trials of the published size with its
own seed. <b>Predicted effect</b>: the posterior median and 95 % credible interval of the large-sample effect
(hazard ratio of all a draw's replicates pooled; for DTC clearance the difference in DTC-negative aspirates,
experimental − control). <b>P(positive)</b>: the probability that a trial of the published size meets the
design's success criterion ({{ success }}) — the share of all replicates over all draws that do.
The three sources of uncertainty (standard deviations on the log hazard ratio or proportion-difference scale):
<b>parameters</b> (spread of the large-sample effect over draws, less its Monte-Carlo noise),
<b>Monte-Carlo</b> (the large-sample effect's standard error within a draw) and <b>trial</b> (the spread of one
trial of the published size at fixed parameters). Per draw: draws.csv (hr, log-HR SE, p); per replicate:
posterior_replicates.csv.</p>
{{ posterior_table | safe }}
{% if posterior_figure %}<img alt="posterior hazard ratios"
  src="data:image/png;base64,{{ posterior_figure }}">{% endif %}
{% endif %}
{% if replicate_warning %}<div class="note"><p><b>Too few replicates.</b> {{ replicate_warning }}</p></div>{% endif %}
<h2>Primary endpoint: {{ primary_title }}</h2>
{{ primary_table | safe }}
<h2>Arms</h2>
<table><tr><th>arm</th><th>strategy</th><th>ratio</th><th>enrolled (mean per replicate)</th><th>note</th></tr>
{% for arm in arms %}<tr><td>{{ arm.name }}</td><td>{{ arm.strategy }}</td><td>{{ arm.ratio }}</td>
<td>{{ arm.enrolled }}</td><td>{{ arm.note }}</td></tr>{% endfor %}</table>
<h2>Screening and enrolment</h2>{{ screening_table | safe }}
<h2>Hazard ratios against {{ spec.control_arm }} (Cox; log-rank power at alpha = {{ spec.analysis.alpha }})</h2>
<p>hr_low / hr_high: 2.5 and 97.5 percentiles of the hazard ratio over replicate trials; power: fraction of
replicates with two-sided log-rank p &lt; alpha; hr_pooled: one Cox fit of all replicates' patients together, the
model's predicted hazard ratio (its interval narrows with more replicates).
Primary endpoint: {{ spec.analysis.primary_endpoint }}.</p>
{{ summary_table | safe }}
<p>All columns, in full precision: summary.csv.</p>
{% if forest %}<img alt="hazard ratio forest plot" src="data:image/png;base64,{{ forest }}">{% endif %}
<h2>Survival at {{ spec.analysis.horizon_years }} years after entry (Kaplan–Meier)</h2>
{{ survival_table | safe }}
<h2>Deaths and competing risks at {{ spec.analysis.horizon_years }} years after entry</h2>
<p>Overall and breast-cancer-specific survival (Kaplan–Meier) and cumulative incidences with competing risks
(Aalen–Johansen): median over replicate trials, and 2.5 / 97.5 percentiles. The incidences of a distant recurrence
and of death without one add up to one minus the survival free of both.</p>
{{ competing_table | safe }}
{% for endpoint, image in km_figures %}<h3>{{ endpoint }}</h3>
<img alt="Kaplan-Meier curves, {{ endpoint }}" src="data:image/png;base64,{{ image }}">{% endfor %}
{% if clearance_table %}<h2>DTC clearance (negative aspirates among those aspirated)</h2>
<p>A negative aspirate can be a false negative: an aspirate samples a small fraction of the marrow.
proportion / ci: pooled over replicates with an exact 95 % interval; replicate_low / high: 2.5 and 97.5
percentiles of the per-replicate proportion.</p>
{{ clearance_table | safe }}
<img alt="DTC clearance" src="data:image/png;base64,{{ clearance_figure }}">{% endif %}
{% if power_table %}<h2>Power by enrolment (sample size by simulation)</h2>
<p>Fraction of replicate trials with p &lt; alpha at each enrolment target (all arms together).</p>
{{ power_table | safe }}
<img alt="power by enrolment" src="data:image/png;base64,{{ power_figure }}">{% endif %}
<h2>Files</h2><p>{{ files }}</p>
</body></html>
"""


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _km_figure(result: TrialResult, endpoint: str) -> str:
    figure = Figure(figsize=(6.5, 4.8), layout="constrained")
    axes, risk = figure.subplots(2, 1, height_ratios=[5.0, 1.0])
    curves = result.curves[result.curves["endpoint"] == endpoint]
    patients = result.patients[result.patients["status"] == "ok"] if "status" in result.patients else result.patients
    horizon = float(curves["years"].max()) if len(curves) else 1.0
    ticks = np.arange(0.0, horizon + 1e-9, 1.0 if horizon <= 10 else 5.0)
    for index, arm in enumerate(result.spec.arms):
        part = curves[curves["arm"] == arm.name]
        colour = f"C{index}"
        axes.step(part["years"], part["median"], where="post", color=colour, label=arm.name)
        axes.fill_between(part["years"], part["low"], part["high"], step="post", color=colour, alpha=0.15)
        column = f"{endpoint}_years"  # absent when nobody was enrolled (an under-enrolled trial)
        years = patients.loc[patients["arm"] == arm.name, column].to_numpy(float) if column in patients else np.zeros(0)
        for tick in ticks:  # mean number at risk per replicate trial
            at_risk = float((years >= tick).sum()) / max(result.replicates, 1)
            risk.text(tick, index, f"{at_risk:.0f}", ha="center", va="center", fontsize=7, color=colour)
    axes.set_xlabel("years after entry")
    axes.set_ylabel(f"{ENDPOINT_TITLES[endpoint]}")
    axes.set_ylim(max(0.0, float(np.nanmin(curves["low"])) - 0.05) if len(curves) else 0.0, 1.01)
    axes.set_xlim(0.0, horizon)
    axes.set_xticks(ticks)
    axes.set_title("median over replicate trials; band: 95 % of replicates", fontsize=9)
    axes.legend(fontsize=8)
    risk.set_xlim(axes.get_xlim())
    risk.set_ylim(len(result.spec.arms) - 0.5, -0.5)
    risk.set_yticks(range(len(result.spec.arms)), [arm.name for arm in result.spec.arms], fontsize=7)
    risk.set_xticks([])
    risk.tick_params(axis="y", length=0, pad=18)
    risk.set_title("number at risk (mean per trial)", fontsize=7, loc="left")
    for side in ("top", "right", "bottom", "left"):
        risk.spines[side].set_visible(False)
    return _png(figure)


def _forest_figure(result: TrialResult) -> str | None:
    summary = result.summary()
    summary = summary[np.isfinite(summary["hr_median"])]
    if summary.empty:
        return None
    figure = Figure(figsize=(6.5, 0.45 * len(summary) + 1.2))
    axes = figure.subplots()
    labels = [
        f"{row.arm} · {row.endpoint}" + ("" if row.subgroup == "all" else f" · {row.subgroup}")
        for row in summary.itertuples()
    ]
    position = np.arange(len(summary))[::-1]
    axes.errorbar(
        summary["hr_median"],
        position,
        xerr=[summary["hr_median"] - summary["hr_low"], summary["hr_high"] - summary["hr_median"]],
        fmt="s",
        color="k",
        capsize=3,
    )
    axes.axvline(1.0, color="grey", linestyle="--")
    axes.set_xscale("log")
    ticks = [
        t
        for t in (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
        if summary["hr_low"].min() / 2 <= t <= summary["hr_high"].max() * 2
    ]
    axes.set_xticks(ticks, [f"{t:g}" for t in ticks])
    axes.minorticks_off()
    axes.set_yticks(position, labels, fontsize=8)
    axes.set_xlabel(f"hazard ratio against {result.spec.control_arm} (median, 95 % of replicates)")
    return _png(figure)


def _clearance_figure(result: TrialResult, summary: pd.DataFrame) -> str:
    figure = Figure(figsize=(6.5, 3.8))
    axes = figure.subplots()
    assessments = [a.name for a in result.spec.assessments]
    width = 0.8 / max(len(result.spec.arms), 1)
    for index, arm in enumerate(result.spec.arms):
        part = summary[summary["arm"] == arm.name].set_index("assessment").reindex(assessments)
        x = np.arange(len(assessments)) + index * width
        error = [part["proportion"] - part["replicate_low"], part["replicate_high"] - part["proportion"]]
        axes.bar(x, part["proportion"], width, yerr=np.nan_to_num(error), label=arm.name, color=f"C{index}", capsize=2)
    axes.set_xticks(np.arange(len(assessments)) + 0.4 - width / 2, assessments)
    axes.set_ylabel("DTC-negative aspirates (fraction)")
    axes.set_ylim(0, 1.05)
    axes.legend(fontsize=8)
    return _png(figure)


def _html_table(frame: pd.DataFrame) -> str:
    def shown(value: object) -> str:
        if isinstance(value, float | np.floating):
            return "—" if not math.isfinite(value) else f"{value:.3g}"
        return str(value)

    return frame.to_html(index=False, formatters={c: shown for c in frame.columns}, escape=True, border=0)


def _strategy_text(value: object) -> str:
    if value is None:
        return "standard care only"
    return value if isinstance(value, str) else json.dumps(value)


def _power_figure(power: pd.DataFrame) -> str:
    figure = Figure(figsize=(6.5, 4.0))
    axes = figure.subplots()
    overall = power[power["subgroup"] == "all"]
    for (endpoint, arm), part in overall.groupby(["endpoint", "arm"], sort=False):
        axes.plot(part["enrolled"], part["power"], marker="o", label=f"{arm} · {endpoint}")
    axes.axhline(0.8, color="grey", linestyle=":")
    axes.set_xlabel("patients enrolled (all arms)")
    axes.set_ylabel("power")
    axes.set_ylim(0, 1.02)
    axes.legend(fontsize=7)
    return _png(figure)


#: Below this many replicate trials the report warns that its intervals and power are rough.
MIN_REPLICATES = 20


def replicate_warning(replicates: int) -> str:
    """Return the report's warning for too few replicate trials (empty from :data:`MIN_REPLICATES` on)."""
    if replicates >= MIN_REPLICATES:
        return ""
    return (
        f"This run has {replicates} replicate trial{'s' if replicates != 1 else ''}: the 2.5-97.5 % range of the "
        "hazard ratio and the power rest on too few trials to be read, and the pooled 95 % CI (one Cox fit of "
        f"{replicates} small trials) can exclude 1 by chance. Use at least {MIN_REPLICATES} (200 for power)."
    )


def _ratio_range(low: float, high: float) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return "—"
    return f"{low:.3g}–{high:.3g}"


def readable_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """Return the hazard-ratio summary with readable headers and ranges in one column each (for the report)."""
    return pd.DataFrame(
        {
            "endpoint": [ENDPOINT_TITLES.get(e, e) for e in summary["endpoint"]],
            "arm vs control": [f"{a} vs {c}" for a, c in zip(summary["arm"], summary["control"], strict=True)],
            "subgroup": summary["subgroup"],
            "HR, median over trials": summary["hr_median"],
            "HR, 95 % of trials": [
                _ratio_range(lo, hi) for lo, hi in zip(summary["hr_low"], summary["hr_high"], strict=True)
            ],
            "power": summary["power"],
            "events (arm / control, mean)": [
                f"{e:.1f} / {c:.1f}"
                for e, c in zip(summary["events_experimental"], summary["events_control"], strict=True)
            ],
            "pooled HR (95 % CI)": [
                f"{hr:.3g} ({_ratio_range(lo, hi)})" if math.isfinite(hr) else "—"
                for hr, lo, hi in zip(
                    summary["hr_pooled"], summary["hr_pooled_low"], summary["hr_pooled_high"], strict=True
                )
            ],
        }
    )


def _primary(result: TrialResult, summary: pd.DataFrame, clearance: pd.DataFrame | None) -> tuple[str, str]:
    primary = result.spec.analysis.primary_endpoint
    if primary == "dtc_clearance":
        last = result.spec.assessments[-1].name
        shown = clearance[clearance["assessment"] == last] if clearance is not None else pd.DataFrame()
        return f"DTC clearance at {last}", _html_table(shown)
    shown = readable_summary(summary[(summary["endpoint"] == primary) & (summary["subgroup"] == "all")])
    return ENDPOINT_TITLES.get(primary, primary), _html_table(shown)


def _competing_table(result: TrialResult) -> pd.DataFrame:
    summary = result.competing_summary()
    return pd.DataFrame(
        {
            "measure": [COMPETING_TITLES.get(m, m) for m in summary["measure"]],
            "arm": summary["arm"],
            "median over trials": summary["median"],
            "95 % of trials": [_ratio_range(lo, hi) for lo, hi in zip(summary["low"], summary["high"], strict=True)],
        }
    )


def posterior_summary_table(predicted: PosteriorTrialResult) -> pd.DataFrame:
    """Return the posterior summary with readable headers (for the report): effect, CrI, P(positive), sources."""
    summary = predicted.summary()
    return pd.DataFrame(
        {
            "endpoint": [
                ENDPOINT_TITLES.get(e, e) + (" (primary)" if p else "")
                for e, p in zip(summary["endpoint"], summary["primary"], strict=True)
            ],
            "arm vs control": [f"{a} vs {c}" for a, c in zip(summary["arm"], summary["control"], strict=True)],
            "effect": ["hazard ratio" if k == "log_hr" else "difference, DTC-negative" for k in summary["kind"]],
            "predicted (posterior median)": summary["median"],
            "95 % credible interval": [
                _ratio_range(lo, hi) for lo, hi in zip(summary["cri_low"], summary["cri_high"], strict=True)
            ],
            "P(positive)": summary["probability_positive"],
            "SD parameters": summary["parameters_sd"],
            "SD Monte-Carlo": summary["monte_carlo_sd"],
            "SD trial": summary["trial_sd"],
        }
    )


def _posterior_figure(predicted: PosteriorTrialResult) -> str | None:
    """Hazard ratio of every draw (large-sample) per arm and endpoint, with the credible interval."""
    draws = predicted.draws[(predicted.draws["kind"] == "log_hr") & np.isfinite(predicted.draws["hr"])]
    if draws.empty:
        return None
    groups = list(draws.groupby(["endpoint", "arm"], sort=False))
    figure = Figure(figsize=(6.5, 0.45 * len(groups) + 1.2))
    axes = figure.subplots()
    for position, (_, part) in enumerate(groups):
        y = len(groups) - 1 - position
        hr = part["hr"].to_numpy(float)
        jitter = (np.arange(hr.size) % 7 - 3) * 0.04
        axes.plot(hr, y + jitter, ".", color="C0", alpha=0.4, markersize=3)
        low, median, high = np.percentile(hr, [2.5, 50.0, 97.5])
        axes.errorbar([median], [y], xerr=[[median - low], [high - median]], fmt="s", color="k", capsize=3)
    axes.axvline(1.0, color="grey", linestyle="--")
    axes.set_xscale("log")
    axes.set_yticks(
        range(len(groups))[::-1], [f"{arm} · {ENDPOINT_TITLES.get(e, e)}" for (e, arm), _ in groups], fontsize=8
    )
    axes.set_xlabel("hazard ratio (dots: posterior draws, pooled replicates; square and bar: median, 95 % CrI)")
    return _png(figure)


def render_report(
    result: TrialResult, *, power: pd.DataFrame | None = None, posterior: PosteriorTrialResult | None = None
) -> str:
    """Return the self-contained HTML report of a trial run (with a power section when ``power`` is given).

    With ``posterior`` (:func:`dormancy.trials.run_trial_posterior` of the same trial), a section with the
    predicted effects' credible intervals, the probability of a positive trial and the three sources of
    uncertainty comes first.
    """
    spec = result.spec
    enrolled = result.patients.groupby("arm").size() / max(result.replicates, 1)
    arms = [
        {
            "name": arm.name,
            "strategy": _strategy_text(arm.strategy),
            "ratio": arm.ratio,
            "enrolled": f"{float(enrolled.get(arm.name, 0.0)):.1f}",
            "note": ("virtual arm; " if arm.virtual else "") + arm.description,
        }
        for arm in spec.arms
    ]
    screening = result.screening.drop(columns="replicate").describe().loc[["mean", "min", "max"]].reset_index()
    clearance = result.clearance_summary() if spec.assessments else None
    definition = result.patients["bmfs_definition"].iloc[0] if len(result.patients) else BMFS_ANY_TIME
    dfs_definition = result.patients["dfs_definition"].iloc[0] if len(result.patients) else DFS_ANY
    summary = result.summary()
    primary_title, primary_table = _primary(result, summary, clearance)
    environment = Environment(autoescape=select_autoescape(default_for_string=True))
    return environment.from_string(_TEMPLATE).render(
        title=spec.title or spec.name,
        spec=spec,
        seed=result.seed,
        replicates=result.replicates,
        status=result.status,
        manifest=result.manifest,
        bmfs_definition=definition,
        dfs_definition=dfs_definition,
        virtual_arms=", ".join(arm.name for arm in spec.arms if arm.virtual),
        arms=arms,
        screening_table=_html_table(screening.rename(columns={"index": "over replicates"})),
        summary_table=_html_table(readable_summary(summary)),
        primary_title=primary_title,
        primary_table=primary_table,
        replicate_warning=replicate_warning(result.replicates),
        forest=_forest_figure(result),
        survival_table=_html_table(result.survival_summary()),
        competing_table=_html_table(_competing_table(result)),
        diagnosis_year=spec.population_spec().diagnosis_year,
        km_figures=[(ENDPOINT_TITLES[e], _km_figure(result, e)) for e in spec.analysis.endpoints],
        clearance_table=_html_table(clearance) if clearance is not None else "",
        clearance_figure=_clearance_figure(result, clearance) if clearance is not None else "",
        power_table=_html_table(power) if power is not None else "",
        posterior_table=_html_table(posterior_summary_table(posterior)) if posterior is not None else "",
        posterior_figure=_posterior_figure(posterior) if posterior is not None else None,
        posterior_draws=posterior.posterior.n if posterior is not None else 0,
        posterior_replicates=posterior.replicates if posterior is not None else 0,
        posterior_source=posterior.posterior.source if posterior is not None else "",
        posterior_sha=(posterior.posterior.sha256 or "none: in memory") if posterior is not None else "",
        success=f"two-sided p < {spec.analysis.alpha} in the direction of benefit",
        power_figure=_power_figure(power) if power is not None else "",
        files=", ".join(
            [
                *(f"{name}.csv" for name in TABLES),
                "patients.csv",
                *(["power.csv"] if power is not None else []),
                *(list(POSTERIOR_TABLES) if posterior is not None else []),
                "trial.yaml",
                "manifest.json",
            ]
        ),
    )


def write_report(
    result: TrialResult,
    folder: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    power: pd.DataFrame | None = None,
    posterior: PosteriorTrialResult | None = None,
) -> Path:
    """Write ``report.html``, the CSV tables, ``trial.yaml`` and ``manifest.json`` into ``folder`` atomically.

    ``power`` (from :func:`dormancy.trials.power_by_size`) adds ``power.csv`` and a section of the report.
    ``posterior`` (from :func:`dormancy.trials.run_trial_posterior`) adds ``draws.csv`` (per draw: hr, log-HR SE,
    p ...), ``posterior_replicates.csv``, ``posterior_summary.csv``, a section of the report, and the posterior's
    provenance (file, SHA-256, draw indices and seeds) under ``settings.posterior`` of ``manifest.json``.

    Raises
    ------
    FileExistsError
        When ``folder`` exists and ``overwrite`` is False.
    FileNotFoundError
        When the parent folder does not exist.
    """
    path = Path(folder)
    with atomic_folder(path, overwrite=overwrite, what="a trial report") as temporary:
        frames = {
            "summary": result.summary(),
            "survival_summary": result.survival_summary(),
            "competing_summary": result.competing_summary(),
            "clearance_summary": result.clearance_summary(),
            "comparisons": result.comparisons,
            "survival": result.survival,
            "competing": result.competing,
            "curves": result.curves,
            "screening": result.screening,
            "patients": result.patients,
        }
        if power is not None:
            frames["power"] = power
        if posterior is not None:
            frames["draws"] = posterior.draws
            frames["posterior_replicates"] = posterior.replicates_table
            frames["posterior_summary"] = posterior.summary()
        for name, frame in frames.items():
            frame.to_csv(temporary / f"{name}.csv", index=False)
        (temporary / "trial.yaml").write_text(dump_trial(result.spec), encoding="utf-8")
        document = result.manifest.to_dict()
        if posterior is not None:
            document["settings"]["posterior"] = {
                **posterior.manifest.settings["posterior"],
                "replicates_per_draw": posterior.replicates,
                "executor": posterior.manifest.settings["executor"],
                "success_criterion": posterior.manifest.settings["success_criterion"],
            }
        manifest = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        (temporary / "manifest.json").write_text(manifest, encoding="utf-8")
        (temporary / REPORT_FILE).write_text(render_report(result, power=power, posterior=posterior), encoding="utf-8")
    return path
