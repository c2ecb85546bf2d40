"""Figures from results, using only the public result API and matplotlib's object interface (no global pyplot state)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from dormancy.atomic import atomic_file
from dormancy.results import Result


def plot_bone_cells(results: Sequence[Result], *, titles: Sequence[str] | None = None) -> Figure:
    """Plot osteoclasts, osteoblasts and bone mass over time, one column per result, all replicates overlaid.

    Parameters
    ----------
    results : sequence of Result
        Results of a bone-remodelling model with variables ``osteoclasts``, ``osteoblasts`` and ``bone_mass``.
    titles : sequence of str, optional
        Column titles; the scenario names by default.

    Returns
    -------
    matplotlib.figure.Figure
        Three rows (osteoclasts on a log axis, since they dip by orders of magnitude between cycles; osteoblasts;
        bone mass in %) by ``len(results)`` columns.
    """
    figure = Figure(figsize=(5.0 * len(results), 8.0), layout="constrained")
    axes = figure.subplots(3, len(results), squeeze=False, sharex="col")
    for column, result in enumerate(results):
        data = result.timeseries
        days = data["time"].to_numpy()
        title = titles[column] if titles else str(result.manifest.scenario.get("name", ""))
        for row, variable in enumerate(("osteoclasts", "osteoblasts", "bone_mass")):
            axis = axes[row, column]
            values = data[variable].to_numpy()
            for replicate in range(values.shape[0]):
                axis.plot(days, values[replicate], linewidth=1.0, alpha=0.8 if values.shape[0] > 1 else 1.0)
            unit = data[variable].attrs.get("units", "")
            axis.set_ylabel(f"{variable.replace('_', ' ')} ({unit})")
            if variable == "osteoclasts":
                axis.set_yscale("log")
            axis.grid(True, alpha=0.3)
        axes[0, column].set_title(title)
        axes[-1, column].set_xlabel("time (days)")
    return figure


def save_figure(figure: Figure, path: str | os.PathLike[str], *, dpi: int = 120) -> Path:
    """Write a figure atomically (temporary file in the same folder, then rename); the format follows the suffix.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure.
    path : path-like
        Destination, e.g. ``bone.png``.
    dpi : int
        Resolution for raster formats.
    """
    with atomic_file(path) as temporary:
        FigureCanvasAgg(figure).print_figure(temporary, dpi=dpi, format=Path(path).suffix.lstrip(".") or "png")
    return Path(path)


def plot_fate_response(
    levels: np.ndarray,
    from_dormant: Mapping[str, np.ndarray],
    from_proliferating: Mapping[str, np.ndarray],
    *,
    xlabel: str,
    title: str = "",
) -> Figure:
    """Plot fate rates against an input from a dormant and a proliferating start: the hysteresis loop.

    Parameters
    ----------
    levels : numpy.ndarray
        The scanned input levels (x axis).
    from_dormant, from_proliferating : mapping of str to numpy.ndarray
        Fate outputs (:func:`dormancy.signalling.model.fate_rates`) of the steady states reached from each start.
    xlabel : str
        Label of the x axis, with unit.
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Left: net quiescence flux (entry − exit, per day; above 0 the cell is dormant) on both branches, where they
        part is the memory window. Right: proliferation and apoptosis rates (per day).
    """
    figure = Figure(figsize=(11.0, 4.2), layout="constrained")
    loop, rates = figure.subplots(1, 2)
    for label, data, style in (("from dormant", from_dormant, "-"), ("from proliferating", from_proliferating, "--")):
        net = data["quiescence_entry_rate"] - data["quiescence_exit_rate"]
        loop.plot(levels, net, style, label=label, linewidth=1.8)
        rates.plot(levels, data["proliferation_rate"], style, color="tab:green", label=f"proliferation, {label}")
        rates.plot(levels, data["apoptosis_rate"], style, color="tab:red", label=f"apoptosis, {label}")
    loop.axhline(0.0, color="grey", linewidth=0.8)
    loop.set_ylabel("quiescence entry − exit (1/day)\n> 0: dormant")
    rates.set_ylabel("rate (1/day)")
    for axis in (loop, rates):
        axis.set_xlabel(xlabel)
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    if title:
        figure.suptitle(title)
    return figure


_ABOVE = {"loc": "lower left", "bbox_to_anchor": (0.0, 1.0), "ncol": 2, "fontsize": 8, "frameon": False}


def plot_bone_lifetime(run: xr.Dataset, *, title: str = "") -> Figure:
    """Plot a lifetime bone run (:func:`dormancy.bone.simulate_bone`) against age.

    Parameters
    ----------
    run : xarray.Dataset
        The run, with its ``age`` coordinate (years).
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Four panels: bone volume (% of start) and tumour burden; osteoclast and osteoblast activity relative to the
        start; RANKL and matrix TGF-β release relative to the start, with the drug effects; the niche signals a
        DTC reads (inputs of the switch, in [0, 1]).
    """
    age = run["age"].values
    figure = Figure(figsize=(11.0, 8.0), layout="constrained")
    (bone, cells), (ligands, signals) = figure.subplots(2, 2, sharex=True)
    bone.plot(age, run["bone_volume"], color="black", label="bone volume (% of start)")
    bone.set_ylabel("bone volume (%)")
    burden = bone.twinx()
    burden.plot(age, run["tumour_burden"], color="tab:purple", linestyle="--", label="tumour burden (right axis)")
    burden.set_ylabel("tumour burden (fraction of site)")
    burden.set_ylim(0.0, 1.05)
    for name, color in (("active_osteoclasts", "tab:red"), ("active_osteoblasts", "tab:blue")):
        values = run[name].values
        cells.plot(age, values / values[0], color=color, label=f"{name.replace('_', ' ')} (× start)")
    cells.set_ylabel("activity relative to start")
    for name, color in (("rankl", "tab:orange"), ("matrix_tgfb_release", "tab:brown")):
        values = run[name].values
        ligands.plot(age, values / values[0], color=color, label=f"{name.replace('_', ' ')} (× start)")
    for name in (variable for variable in run.data_vars if str(variable).startswith("drug_")):
        if float(run[name].max()) > 0.0:
            ligands.plot(age, run[name], linestyle=":", label=f"{str(name)[5:].replace('_', ' ')} effect")
    ligands.set_ylabel("relative level / drug effect")
    drawn: list[tuple[str, np.ndarray]] = []
    styles = ("-", "--", "-.", ":")
    for index, name in enumerate(v for v in run.data_vars if str(v).startswith("signal_")):
        values, label = run[name].values, str(name)[7:]
        same = next((other for other, earlier in drawn if np.allclose(values, earlier, atol=1e-9)), None)
        # a signal equal to an earlier one is drawn dashed over it and says so, instead of hiding under it
        signals.plot(
            age,
            values,
            linestyle=styles[index % len(styles)] if same is None else (0, (4, 4)),
            linewidth=1.6 if same is None else 2.4,
            label=label if same is None else f"{label} (= {same})",
        )
        drawn.append((label, values))
    signals.set_ylabel("niche signal at the DTC (0–1)")
    signals.set_ylim(0.0, 1.0)
    # legends above each panel, never over a curve (the bone panel's holds both of its axes)
    handles = bone.get_legend_handles_labels()
    twin = burden.get_legend_handles_labels()
    bone.legend(handles[0] + twin[0], handles[1] + twin[1], **_ABOVE)
    for axis in (cells, ligands, signals):
        axis.legend(**{**_ABOVE, "ncol": 3})
    for axis in (bone, cells, ligands, signals):
        axis.grid(True, alpha=0.3)
    for axis in (ligands, signals):
        axis.set_xlabel("age (years)")
    if title:
        figure.suptitle(title)
    return figure


_SUBGROUP_NAMES = {"er_positive": "ER status", "dtc_positive": "DTC status", "t_stage": "T stage", "n_stage": "N stage"}


def _subgroups(table, by: str) -> list[tuple[str, object]]:
    ok = table[table["status"] == "ok"] if "status" in table else table
    labels = {"er_positive": {True: "ER+", False: "ER−"}, "dtc_positive": {True: "DTC+", False: "DTC−"}}
    groups = []
    for value, part in ok.groupby(by, sort=True):
        groups.append((labels.get(by, {}).get(value, f"{by} {value}"), part))
    return groups


def plot_kaplan_meier(table, *, by: str, title: str = "", horizon_years: float = 20.0) -> Figure:
    """Plot Kaplan–Meier distant-recurrence-free survival by subgroup (lifelines), with 95 % confidence bands.

    Parameters
    ----------
    table : pandas.DataFrame
        Per-patient table of :func:`dormancy.patients.simulate_cohort`.
    by : str
        Column defining the subgroups, e.g. ``"er_positive"``, ``"dtc_positive"``, ``"t_stage"``, ``"n_stage"``.
    title : str
        Figure title.
    horizon_years : float
        Right end of the time axis, years.

    Returns
    -------
    matplotlib.figure.Figure
        Survival free of distant recurrence (%) against years since diagnosis; time at risk ends at the first
        recurrence or the end of follow-up. Below it, the numbers at risk (followed and free of recurrence) by
        subgroup at each tick (every 5 years, or every year for a horizon under 10 years).
    """
    from lifelines import KaplanMeierFitter

    figure = Figure(figsize=(6.5, 5.2), layout="constrained")
    axis, risk = figure.subplots(2, 1, height_ratios=[6.0, 1.0])
    ticks = np.arange(0.0, horizon_years + 1e-9, 5.0 if horizon_years >= 10.0 else 1.0)
    rows = []
    for label, part in _subgroups(table, by):
        recurred = part["recurred"].to_numpy(bool)
        exit_years = np.where(
            recurred, part["recurrence_years"].to_numpy(float), part["followup_years"].to_numpy(float)
        )
        name = f"{label} (n={len(part)})"
        fitter = KaplanMeierFitter(label=name).fit(exit_years, event_observed=recurred)
        curve = fitter.survival_function_.iloc[:, 0]
        band = fitter.confidence_interval_survival_function_
        line = axis.step(curve.index, 100 * curve.to_numpy(), where="post", label=name)[0]
        axis.fill_between(
            band.index, 100 * band.iloc[:, 0], 100 * band.iloc[:, 1], step="post", alpha=0.2, color=line.get_color()
        )
        rows.append((label, exit_years, line.get_color()))
    axis.set_xlim(0.0, horizon_years)
    axis.set_xlabel("years since diagnosis")
    axis.set_ylabel("free of distant recurrence (%)")
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize=8)
    axis.set_title(title or f"Kaplan–Meier by {_SUBGROUP_NAMES.get(by, by.replace('_', ' '))}")
    # numbers at risk (still followed and free of recurrence) under the curves, at the axis ticks
    for row, (_, exit_years, color) in enumerate(rows):
        for tick in ticks:
            risk.text(
                tick, row, f"{int((exit_years >= tick).sum()):,}", ha="center", va="center", fontsize=8, color=color
            )
    axis.set_xticks(ticks)
    risk.set_xlim(axis.get_xlim())
    risk.set_ylim(len(rows) - 0.5, -0.5)
    risk.set_yticks(range(len(rows)), [label for label, _, _ in rows], fontsize=8)
    risk.set_xticks([])
    risk.tick_params(axis="y", length=0, pad=24)  # clear of the numbers centred on year 0
    risk.set_title("number at risk", fontsize=8, loc="left")
    for side in ("top", "right", "bottom", "left"):
        risk.spines[side].set_visible(False)
    return figure


def plot_annual_hazard(
    table, *, by: str, title: str = "", horizon_years: float = 20.0, endpoint: str = "distant"
) -> Figure:
    """Plot the annual recurrence hazard (events / person-years, 1-year intervals) by subgroup.

    Parameters
    ----------
    table : pandas.DataFrame
        Per-patient table.
    by : str
        Column defining the subgroups.
    title : str
        Figure title.
    horizon_years : float
        Last year shown.
    endpoint : {"distant", "any"}
        First distant recurrence, or first recurrence of any kind (distant, locoregional, contralateral).

    Returns
    -------
    matplotlib.figure.Figure
        Hazard in % per year (step per interval, with the Poisson 95 % interval ``D ± 1.96 √D`` over ``Y``).
    """
    from dormancy.patients.summaries import annual_hazard

    figure = Figure(figsize=(6.5, 4.5), layout="constrained")
    axis = figure.subplots()
    intervals = [(year, year + 1.0) for year in range(int(horizon_years))]
    for label, part in _subgroups(table, by):
        hazard = annual_hazard(part, intervals, endpoint=endpoint)
        edges = np.append(hazard["start"].to_numpy(), hazard["end"].iloc[-1])
        values = hazard["hazard_percent"].to_numpy()
        line = axis.stairs(values, edges, label=label, linewidth=1.8)
        spread = 196.0 * np.sqrt(hazard["events"].to_numpy()) / np.maximum(hazard["person_years"].to_numpy(), 1e-12)
        axis.fill_between(
            hazard["start"] + 0.5, values - spread, values + spread, alpha=0.15, color=line.get_edgecolor()
        )
    axis.set_xlabel("years since diagnosis")
    what = "any recurrence" if endpoint == "any" else "distant recurrence"
    axis.set_ylabel(f"annual hazard of {what} (% per year)")
    axis.set_ylim(bottom=0.0)
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize=8)
    axis.set_title(title or f"Annual hazard by {_SUBGROUP_NAMES.get(by, by.replace('_', ' '))}")
    return figure


def plot_target_comparison(comparison) -> Figure:
    """Plot every calibration target beside the model (:func:`dormancy.patients.summaries.compare_to_targets`).

    Returns
    -------
    matplotlib.figure.Figure
        Six panels: annual hazard by interval and ER status (Colleoni 2016; the accepted ±20 % band shaded, model
        as markers); cumulative recurrence years 5–20 by T/N stratum (Pan 2017, accepted ±3 pp as error bars);
        DTC prevalence and bone share (%); the DTC+ rate ratio, ER crossover year and Willis statistics; the
        bone-metastasis incidence; and the deviation of every target (within tolerance when inside ±1).
    """
    figure = Figure(figsize=(14.0, 9.0), layout="constrained")
    axes = figure.subplots(2, 3)
    rows = comparison.set_index("stratum")

    def bounds(stratum: str) -> tuple[float, float]:
        text = str(rows.loc[stratum, "tolerance"])
        if text.startswith(">="):
            return float(text[2:]), np.inf
        if text.startswith("<="):
            return -np.inf, float(text[2:])
        low, high = text.split("-", 1)
        return float(low), float(high)

    hazard = axes[0, 0]
    for group, color, offset in (("ER+", "tab:blue", -0.4), ("ER-", "tab:red", 0.4)):
        for index, label in enumerate(("0-5 y", "5-10 y", "10-15 y", "15-20 y")):
            stratum = f"{group} {label}"
            low, high = bounds(stratum)
            x = 5 * index + 2.5 + offset
            hazard.fill_between([x - 0.3, x + 0.3], low, high, color=color, alpha=0.25, linewidth=0)
            hazard.plot([x - 0.3, x + 0.3], [rows.loc[stratum, "published"]] * 2, color=color)
            hazard.plot(x, rows.loc[stratum, "model"], "o", color=color, label=group if index == 0 else None)
    hazard.set_xticks([2.5, 7.5, 12.5, 17.5], ["0–5", "5–10", "10–15", "15–20"])
    hazard.set_xlabel("years since diagnosis")
    hazard.set_ylabel("annual hazard (% per year)")
    hazard.set_title("Colleoni 2016: band = published ±20 %, dot = model")
    hazard.legend(fontsize=8)

    def bars(axis, strata: list[str], title: str, ylabel: str) -> None:
        x = np.arange(len(strata))
        published = [rows.loc[s, "published"] for s in strata]
        model = [rows.loc[s, "model"] for s in strata]
        spans = np.array([bounds(s) for s in strata], float)
        finite = np.where(np.isfinite(spans), spans, np.nan)
        centre = np.where(np.isfinite(published), published, np.nanmean(finite, axis=1))
        axis.bar(x - 0.2, centre, 0.4, color="lightgrey", label="published")
        axis.errorbar(x - 0.2, centre, yerr=[centre - finite[:, 0], finite[:, 1] - centre], fmt="none", color="k")
        axis.bar(x + 0.2, model, 0.4, color="tab:green", label="model")
        axis.set_xticks(x, strata, rotation=20, fontsize=8)
        axis.set_ylabel(ylabel)
        axis.set_title(title)
        axis.legend(fontsize=8)

    bars(axes[0, 1], ["T1N0", "T1N1-3", "T2N0", "T2N4-9"], "Pan 2017: recurrence years 5–20", "percent")
    bars(axes[0, 2], ["DTC+ at diagnosis", "bone share"], "Braun 2005, D-CARE", "percent")
    bars(
        axes[1, 0],
        ["distant DFS incidence-rate ratio", "ER crossover year", "micrometastases at 10 y", "escapes per patient"],
        "ratios, years, counts",
        "value",
    )
    bars(axes[1, 1], ["0-5 y", "5-10 y", "10-15 y"], "bone-metastasis incidence", "per 100 person-years")
    deviation = axes[1, 2]
    values = np.clip(comparison["deviation"].to_numpy(float), -5, 5)
    colors = np.where(comparison["within"].to_numpy(bool), "tab:green", "tab:red")
    deviation.barh(np.arange(len(values)), values, color=colors)
    deviation.set_yticks(np.arange(len(values)), comparison["stratum"], fontsize=6)
    deviation.axvspan(-1, 1, color="grey", alpha=0.15)
    deviation.invert_yaxis()
    deviation.set_xlabel("deviation / tolerance (within: |d| ≤ 1; clipped at ±5)")
    deviation.set_title(f"{int(comparison['within'].sum())} of {len(comparison)} targets within tolerance")
    for axis in axes.flat:
        axis.grid(True, alpha=0.3)
    return figure


def plot_sensitivity(indices) -> Figure:
    """Plot Morris ``mu*`` (with its 95 % interval) of recurrence at each horizon per parameter.

    Parameters
    ----------
    indices : pandas.DataFrame
        Output of :func:`dormancy.patients.sensitivity.morris_sensitivity`.

    Returns
    -------
    matplotlib.figure.Figure
        Horizontal bars, one group per parameter, one bar per horizon (percentage points of recurrence per unit
        of the gridded scale: ``log10`` for log-uniform priors).
    """
    horizons = sorted(indices["horizon_years"].unique())
    names = list(dict.fromkeys(indices["parameter"]))
    figure = Figure(figsize=(8.0, 0.45 * len(names) + 2.0), layout="constrained")
    axis = figure.subplots()
    height = 0.8 / len(horizons)
    for k, horizon in enumerate(horizons):
        part = indices[indices["horizon_years"] == horizon].set_index("parameter").loc[names]
        y = np.arange(len(names)) + (k - (len(horizons) - 1) / 2) * height
        axis.barh(y, part["mu_star"], height, xerr=part["mu_star_conf"], label=f"{horizon:g} years")
    labels = [
        f"{name.split('.', 1)[-1]}{' (log10)' if scale == 'log10' else ''}"
        for name, scale in indices.drop_duplicates("parameter")[["parameter", "scale"]].itertuples(index=False)
    ]
    axis.set_yticks(np.arange(len(names)), labels, fontsize=8)
    axis.invert_yaxis()
    axis.set_xlabel("Morris μ* of cumulative recurrence (percentage points per unit)")
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize=8, title="recurrence by")
    return figure


def plot_sobol_indices(indices, *, title: str = "") -> Figure:
    """Plot first-order and total Sobol indices (with their bootstrap 95 % intervals) per output and parameter.

    Parameters
    ----------
    indices : pandas.DataFrame
        Output of :func:`dormancy.trials.sensitivity.sobol_sensitivity` (columns ``output``, ``parameter``,
        ``S1``, ``S1_conf``, ``ST``, ``ST_conf``, ``rank``).
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per output: horizontal bars of ``S1`` and ``ST`` per parameter, the largest ``ST`` on top.
    """
    outputs = list(dict.fromkeys(indices["output"]))
    names = indices["parameter"].nunique()
    figure = Figure(figsize=(7.5 * len(outputs), 0.5 * names + 2.0), layout="constrained")
    axes = figure.subplots(1, len(outputs), squeeze=False)[0]
    for axis, output in zip(axes, outputs, strict=True):
        part = indices[indices["output"] == output].sort_values("rank")
        y = np.arange(len(part))
        axis.barh(y - 0.2, part["S1"], 0.4, xerr=part["S1_conf"], label="first order S1")
        axis.barh(y + 0.2, part["ST"], 0.4, xerr=part["ST_conf"], label="total ST")
        axis.set_yticks(y, [name.split(".", 1)[-1] for name in part["parameter"]], fontsize=8)
        axis.invert_yaxis()
        axis.axvline(0.0, color="black", linewidth=0.6)
        axis.set_xlabel(f"Sobol index of {output}")
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    if title:
        figure.suptitle(title)
    return figure


def plot_niche_summary(timeseries: xr.Dataset, *, title: str = "") -> Figure:
    """Plot a niche run's time series: DTCs by state in each niche, cumulative events, and the mean fields.

    Parameters
    ----------
    timeseries : xarray.Dataset
        ``NicheRun.timeseries`` (or ``dormancy.load(folder).timeseries``): ``dtc`` (time, niche, state), ``events``
        (time, event), ``field_mean`` (time, field) with ``field_unit``.
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Three panels against days: DTCs (solid proliferating, dashed dormant; one colour per niche), cumulative
        events (arrivals, divisions, deaths…), and each field's mean relative to its value at the start.
    """
    days = timeseries["time_days"].values
    figure = Figure(figsize=(12.0, 3.8), layout="constrained")
    counts, events, fields = figure.subplots(1, 3)
    styles = {"proliferating": "-", "dormant": "--"}
    for index, niche in enumerate(timeseries["niche"].values):
        for state in timeseries["state"].values:
            counts.plot(
                days,
                timeseries["dtc"].sel(niche=niche, state=state),
                linestyle=styles.get(str(state), ":"),
                color=f"C{index}",
                label=f"{niche}, {state}",
            )
    counts.set(xlabel="days", ylabel="DTCs (cells)", title="DTCs by niche and state")
    counts.legend(fontsize=7)
    for event in timeseries["event"].values:
        values = timeseries["events"].sel(event=event)
        if float(values.max()) > 0:
            events.plot(days, values, label=str(event).replace("_", " "))
    events.set(xlabel="days", ylabel="events since the start (count)", title="events")
    events.legend(fontsize=7)
    for field in timeseries["field"].values:
        values = timeseries["field_mean"].sel(field=field).values
        if values[0] != 0 and np.all(np.isfinite(values)):
            fields.plot(days, values / values[0], label=str(field))
    fields.set(xlabel="days", ylabel="mean over the section (× start)", title="fields")
    fields.legend(fontsize=7, ncol=2)
    for axis in (counts, events, fields):
        axis.grid(True, alpha=0.3)
    if title:
        figure.suptitle(title)
    return figure
