"""The interactive what-if app (``dormancy app``): the switch, the bone and a cohort under sliders (Panel).

Three tabs, each recomputed when a control moves:

- **Switch**: one DTC in a niche (:func:`dormancy.run_switch`): oxygen fraction, TGF-β2, TGF-β1, BMP7,
  fibronectin, oestrogen and two drugs; the trajectories of key nodes, the fate and its rates, and the memory
  window of the chosen input from both starts (:func:`dormancy.scan_switch`).
- **Bone**: the bone over years (:mod:`dormancy.bone`) with an age at menopause and a bone drug.
- **Cohort**: a small cohort (:func:`dormancy.patients.simulate_cohort`) with a progress bar, its Kaplan–Meier
  curves with numbers at risk, and the hazard ratio of ER− against ER+ (lifelines, through
  :func:`dormancy.trials.compare_groups`).

Presentation only: it calls the public API. Needs the ``app`` extra (Panel).
"""

from __future__ import annotations

from typing import Any

import numpy as np

import dormancy

__all__ = ["create_app", "serve"]

KEY_NODES = ("P38", "ERK", "NR2F1", "P27", "CDK46", "MTOR", "HIF1A")
BONE_DRUGS = {
    "none": None,
    "zoledronic acid 4 mg q6mo": "zoledronic_acid:4mg:q6mo",
    "denosumab 60 mg q6mo": "denosumab:60mg:q6mo",
}


def _switch_figure(cell: Any, scan: Any) -> Any:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8.5, 3.4), layout="constrained")
    left, right = figure.subplots(1, 2)
    for node in KEY_NODES:
        left.plot(cell["time"], cell["activity"].sel(node=node), label=node)
    left.set(xlabel="days", ylabel="activity (0-1)", ylim=(-0.02, 1.02), title=f"fate: {cell.attrs['fate']}")
    left.legend(fontsize=7, ncol=2)
    name = scan.attrs["input"]
    for branch, style in (("dormant", "-"), ("proliferating", "--")):
        right.plot(scan["level"], scan[f"proliferation_rate_from_{branch}"], style, marker="o", label=f"from {branch}")
    if np.isfinite(scan.attrs["window_low"]):
        right.axvspan(scan.attrs["window_low"], scan.attrs["window_high"], color="0.9", label="memory window")
    right.set(xlabel=f"{name} ({scan['level'].attrs['units']})", ylabel="proliferation (1/day)", title="hysteresis")
    right.legend(fontsize=7)
    return figure


def switch_view(
    o2: float,
    tgfb2: float,
    tgfb1: float,
    bmp7: float,
    fibronectin: float,
    estrogen: float,
    days: float,
    start: str,
    scanned: str,
    drug: str,
    dose: float,
) -> tuple[Any, str]:
    """Return the switch figure and a Markdown summary for the controls' values."""
    inputs = {"O2": o2, "TGFB2": tgfb2, "TGFB1": tgfb1, "BMP7": bmp7, "FIBRONECTIN": fibronectin, "ESTROGEN": estrogen}
    if drug != "none":
        inputs[drug] = dose
    cell = dormancy.run_switch(inputs, days=days, start=start, samples_per_day=6)
    high = 0.2 if scanned == "O2" else 1.0
    scan = dormancy.scan_switch(scanned, 0.0, high, points=9, inputs={k: v for k, v in inputs.items() if k != scanned})
    rates = ", ".join(
        f"{key.replace('_', ' ')} {float(cell[key]):.3g} {cell[key].attrs['units']}"
        for key in ("proliferation_rate", "quiescence_entry_rate", "quiescence_exit_rate", "apoptosis_rate")
    )
    window = (
        f"{scan.attrs['window_low']:.3g} to {scan.attrs['window_high']:.3g}"
        if np.isfinite(scan.attrs["window_low"])
        else "none (the fate does not depend on the start)"
    )
    text = f"**Fate after {days:g} days: {cell.attrs['fate']}**. {rates}. Memory window of {scanned}: {window}."
    return _switch_figure(cell, scan), text


def bone_view(age: float, menopause_age: float, years: float, drug: str) -> Any:
    """Return the bone-over-years figure for the controls' values."""
    host = dormancy.bone.HostProfile(age_years=age, menopause_age_years=None if menopause_age <= 0 else menopause_age)
    exposure = dormancy.bone.lifetime.NO_DRUGS
    if BONE_DRUGS[drug] is not None:
        times = np.arange(0.0, years * 365.25 + 1.0, 0.5)
        schedule = dormancy.pkpd.parse_schedule(BONE_DRUGS[drug])
        exposure = dormancy.bone.DrugExposure(times, dormancy.pkpd.target_effects([schedule], times))
    run = dormancy.bone.simulate_bone(dormancy.bone.BoneModel.default(host=host, drugs=exposure), years=years)
    return dormancy.plotting.plot_bone_lifetime(run, title=f"from age {age:g}, menopause {menopause_age:g}; {drug}")


def cohort_view(patients: int, years: float, seed: int, progress: Any = None) -> tuple[Any, str]:
    """Simulate a small cohort; return its Kaplan–Meier figure and a Markdown line with the hazard ratio."""
    spec = dormancy.patients.CohortSpec(int(patients), followup_years=float(years))
    table = dormancy.patients.simulate_cohort(spec, seed=int(seed), progress=progress, chunk_size=256).table
    ok = table[table["status"] == "ok"]
    exit_years = np.where(ok["recurred"], ok["recurrence_years"], ok["followup_years"]).astype(float)
    comparison = dormancy.trials.compare_groups(
        exit_years, ok["recurred"].to_numpy(bool), ~ok["er_positive"].to_numpy()
    )
    figure = dormancy.plotting.plot_kaplan_meier(ok, by="er_positive", horizon_years=float(years))
    text = (
        f"{len(ok):,} patients, {int(ok['recurred'].sum()):,} distant recurrences in {years:g} years. "
        f"**Hazard ratio ER− vs ER+: {comparison.hazard_ratio:.2f}** "
        f"(95 % CI {comparison.ci_low:.2f}–{comparison.ci_high:.2f}; log-rank p = {comparison.p_value:.2g})."
    )
    return figure, text


def create_app() -> Any:
    """Return the Panel layout (three tabs); each session gets its own."""
    pn = dormancy.require_optional("panel")
    pn.extension(design="native")
    slider = pn.widgets.FloatSlider
    o2 = slider(name="O2 (fraction; 0.01 = 1 %)", start=0.001, end=0.2, step=0.001, value=0.05)
    tgfb2 = slider(name="TGFB2 (activity)", start=0.0, end=1.0, step=0.05, value=0.5)
    tgfb1 = slider(name="TGFB1 (activity)", start=0.0, end=1.0, step=0.05, value=0.0)
    bmp7 = slider(name="BMP7 (activity)", start=0.0, end=1.0, step=0.05, value=0.0)
    fibronectin = slider(name="FIBRONECTIN (activity)", start=0.0, end=1.0, step=0.05, value=0.6)
    estrogen = slider(name="ESTROGEN (activity)", start=0.0, end=1.0, step=0.05, value=0.5)
    days = slider(name="days", start=1.0, end=60.0, step=1.0, value=14.0)
    start = pn.widgets.Select(name="prepared", options=["dormant", "proliferating"], value="dormant")
    scanned = pn.widgets.Select(name="memory window of", options=["TGFB2", "FIBRONECTIN", "O2", "BMP7"], value="TGFB2")
    drug = pn.widgets.Select(name="drug on the switch", options=["none", *_switch_drugs()], value="none")
    dose = slider(name="drug effect (activity)", start=0.0, end=1.0, step=0.05, value=0.5)
    switch_out = pn.bind(switch_view, o2, tgfb2, tgfb1, bmp7, fibronectin, estrogen, days, start, scanned, drug, dose)
    switch_tab = pn.Row(
        pn.Column(o2, tgfb2, tgfb1, bmp7, fibronectin, estrogen, days, start, scanned, drug, dose, width=300),
        pn.Column(
            pn.pane.Matplotlib(pn.bind(lambda r: r[0], switch_out), tight=True, format="png", name="switch-figure"),
            pn.pane.Markdown(pn.bind(lambda r: r[1], switch_out), css_classes=["switch-summary"], width=850),
        ),
    )
    age = slider(name="age at start (years)", start=30.0, end=80.0, step=1.0, value=48.0)
    menopause = slider(name="age at menopause (0: none in the run)", start=0.0, end=60.0, step=1.0, value=51.0)
    years = slider(name="years", start=1.0, end=30.0, step=1.0, value=10.0)
    bone_drug = pn.widgets.Select(name="bone drug", options=list(BONE_DRUGS), value="none")
    bone_tab = pn.Row(
        pn.Column(age, menopause, years, bone_drug, width=300),
        pn.pane.Matplotlib(pn.bind(bone_view, age, menopause, years, bone_drug), tight=True, format="png"),
    )
    patients = pn.widgets.IntSlider(name="patients", start=100, end=5000, step=100, value=500)
    cohort_years = slider(name="follow-up (years)", start=2.0, end=20.0, step=1.0, value=10.0)
    seed = pn.widgets.IntInput(name="seed", value=1, start=0)
    run = pn.widgets.Button(name="Run cohort", button_type="primary")
    bar = pn.indicators.Progress(name="progress", value=0, max=100, width=280)
    km = pn.pane.Matplotlib(None, tight=True, format="png")
    summary = pn.pane.Markdown("Press *Run cohort*.", css_classes=["cohort-summary"], width=650)

    def on_run(_event: object) -> None:
        run.disabled = True
        bar.value = 0

        def progress(done: int, total: int) -> None:
            bar.value = int(100 * done / max(total, 1))

        try:
            figure, text = cohort_view(patients.value, cohort_years.value, seed.value, progress)
            km.object, summary.object = figure, text
            bar.value = 100
        finally:
            run.disabled = False

    run.on_click(on_run)
    cohort_tab = pn.Row(pn.Column(patients, cohort_years, seed, run, bar, width=300), pn.Column(km, summary))
    return pn.Tabs(("Switch", switch_tab), ("Bone", bone_tab), ("Cohort", cohort_tab), dynamic=True)


def _switch_drugs() -> list[str]:
    return list(dormancy.signalling.load_switch("negative").network.names("drug"))


def serve(*, host: str = "127.0.0.1", port: int = 5006, show: bool = False) -> None:
    """Serve the app on ``host:port`` until interrupted (bound to the loopback address unless told otherwise)."""
    pn = dormancy.require_optional("panel")
    origins = [f"{host}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]
    pn.serve(
        {"/": create_app},
        address=host,
        port=port,
        show=show,
        title="dormancy",
        websocket_origin=origins,
        threaded=False,
    )
