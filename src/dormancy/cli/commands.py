"""The commands of the first scales: scenarios and runs, parameters, citations, SBML, the switch and the bone."""

from __future__ import annotations

import csv
import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import dormancy
from dormancy.cli._app import (
    FIGURE_SUFFIXES,
    OutputFormat,
    _check_destination,
    _check_file,
    _err,
    _fail,
    _load,
    _out,
    _print_summary,
    _require,
    _simulate_with_progress,
    app,
    np,
)

_BAR = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="Scenario, niche scenario or trial YAML file (told by its format).")],
) -> None:
    """Check a scenario, niche scenario or trial file and report every problem (exit code 2 when there is any).

    A niche scenario's section is also built, so a geometry the run could not use is reported here.
    """
    try:
        data = dormancy.inputs.load_yaml_file(file, what="scenario, niche scenario or trial file")
        kind = data.get("format") if isinstance(data, dict) else None
        if kind == "dormancy.niche-scenario":
            spec = dormancy.niche.load_niche_scenario(file)
            try:
                with _err.status("building the niche section"):
                    dormancy.niche.build_niche_model(spec)
            except dormancy.InputError as error:  # the section: name the file the problem came from
                raise dormancy.InputError(list(error.problems), error.source or str(file)) from None
            summary = f"niche scenario {spec.name!r}, {spec.steps} steps of {spec.dt_hours:g} h"
        elif kind == "dormancy-trial":
            trial = dormancy.trials.load_trial(file)
            summary = f"trial {trial.name!r}, {len(trial.arms)} arms, target {trial.enrolment.target}"
        else:
            scenario = dormancy.load_scenario(file)
            summary = (
                f"scenario {scenario.name!r}, model {scenario.model.kind} ({scenario.model.parameter_set}), "
                f"{scenario.ensemble.replicates} replicate(s), {scenario.save.t_end_days:g} days"
            )
    except dormancy.InputError as error:
        raise _fail(error) from None
    _out.print(f"{file}: valid — {summary}", markup=False, highlight=False)


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    out: Annotated[Path | None, typer.Option(help="Result folder [default: dormancy-results/<name>].")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing result folder.")] = False,
    plot: Annotated[bool, typer.Option(help="Also write <out>/figure.png (Komarova runs).")] = True,
) -> None:
    """Run a scenario and save its result folder (atomically) and a figure."""
    scenario = _load(file)
    destination = out if out is not None else Path("dormancy-results") / scenario.name
    if out is None:
        destination.parent.mkdir(exist_ok=True)
    _check_destination(destination, overwrite, "--out")
    result = _simulate_with_progress(scenario)
    with_figure = plot and scenario.model.kind == "komarova"

    def figure(folder: Path) -> None:  # written inside the atomic save: the folder never lacks its figure
        dormancy.plotting.save_figure(dormancy.plotting.plot_bone_cells([result]), folder / "figure.png")

    dormancy.save_result(result, destination, overwrite=overwrite, extra=figure if with_figure else None)
    _print_summary(result)
    _out.print(f"result: {destination}", markup=False, highlight=False)
    if with_figure:
        _out.print(f"figure: {destination / 'figure.png'}", markup=False, highlight=False)


@app.command()
def demo(
    quick: Annotated[
        bool, typer.Option(help="A short run (a smoke test): bone 400 days on a 4-day grid; 10,000 patients.")
    ] = False,
    out: Annotated[Path, typer.Option(help="Folder for the results and the figures.")] = Path("demo-output"),
) -> None:
    """Run the built-in demonstration: bone remodelling (Komarova, steady and oscillating), then virtual patients.

    The patient part simulates 100,000 patients (10,000 with --quick) of the IBCSG I-V-like calibration cohort
    (1978-85 care: no endocrine therapy) over 20 years, prints the annual recurrence hazard by ER status and
    interval beside Colleoni 2016's published values, and writes Kaplan-Meier and annual hazard figures.
    """
    if out.exists() and not out.is_dir():
        raise _fail(dormancy.InputError([dormancy.Problem("--out", "a folder", f"{out} is a file")]))
    for name in ("komarova_steady", "komarova_oscillating"):  # replaced below: only if they are result folders
        reason = dormancy.replace_problem(out / name)
        if reason is not None:
            found = f"{out / name} is {reason}"
            raise _fail(dormancy.InputError([dormancy.Problem("--out", "a folder for the demo's results", found)]))
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for name in ("komarova_steady", "komarova_oscillating"):
        scenario = dormancy.builtin_scenario(name)
        if quick:
            scenario = scenario.model_copy(update={"save": dormancy.scenario.Save(t_end_days=400.0, dt_days=4.0)})
        result = _simulate_with_progress(scenario)
        folder = dormancy.save_result(result, out / scenario.name, overwrite=True)
        _print_summary(result)
        _out.print(f"result: {folder}\n", markup=False, highlight=False)
        results.append(result)
    figure = dormancy.plotting.plot_bone_cells(results, titles=["steady (komarova2003)", "oscillating (ayati2010)"])
    figure_path = dormancy.plotting.save_figure(figure, out / "bone_remodelling.png")
    _out.print(f"figure: {figure_path}\n", markup=False, highlight=False)
    _demo_patients(10_000 if quick else 100_000, out)


def _demo_patients(n_patients: int, out: Path) -> None:
    patients = dormancy.patients
    spec = patients.calibration.target_cohorts(n_patients=n_patients)["colleoni"]
    started = time.perf_counter()
    with Progress(*_BAR, console=_err, transient=True) as bar:
        task = bar.add_task(f"{n_patients:,} patients x 20 years", total=n_patients)
        cohort = patients.simulate_cohort(
            spec, seed=20_260_611, progress=lambda done, total: bar.update(task, completed=done)
        )
    elapsed = time.perf_counter() - started
    table = cohort.table
    failed = int((table["status"] != "ok").sum())
    _out.print(
        f"{n_patients:,} virtual patients (IBCSG I-V-like: no endocrine therapy, chemotherapy if node-positive), "
        f"20 years, in {elapsed:.1f} s; {failed} with a failure status",
        markup=False,
        highlight=False,
    )
    hazard = patients.summaries.annual_hazard(table, by="er_positive", endpoint="any").set_index(["group", "start"])
    published = {t.statistic: t for t in patients.targets.load_targets()}
    rows = Table(
        title="Annual hazard of any recurrence (% per year; distant, locoregional, contralateral) vs Colleoni 2016"
    )
    for column in ("ER status", "years", "events", "person-years", "model", "published", "accepted (±20 %)", "within"):
        rows.add_column(column, justify="right")
    for group, key in ((True, "er_positive"), (False, "er_negative")):
        for start, end in patients.summaries.STANDARD_INTERVALS:
            row = hazard.loc[(group, float(start))]
            target = published[f"colleoni.hazard.{key}.{start}-{end}"]
            model = float(row["hazard_percent"])
            rows.add_row(
                "ER+" if group else "ER-",
                f"{start}-{end}",
                f"{int(row['events']):,}",
                f"{row['person_years']:,.0f}",
                f"{model:.2f}",
                f"{target.published:.1f}",
                target.tolerance.describe(target.published),
                "yes" if target.within(model) else "no",
            )
    _out.print(rows)
    crossover = patients.summaries.er_crossover_year(table, endpoint="any")
    when = "never (within 20 years)" if np.isnan(crossover) else f"at {crossover:.1f} years"
    _out.print(f"ER+ hazard overtakes ER- {when} (target: between 3 and 6 years)", markup=False, highlight=False)
    plotting = dormancy.plotting
    written = []
    for by in ("er_positive", "dtc_positive", "n_stage"):
        written.append(plotting.save_figure(plotting.plot_kaplan_meier(table, by=by), out / f"patients_km_{by}.png"))
        figure = plotting.plot_annual_hazard(table, by=by, endpoint="any")
        written.append(plotting.save_figure(figure, out / f"patients_hazard_{by}.png"))
    _out.print("\n".join(f"figure: {path}" for path in written), markup=False, highlight=False)


@app.command()
def params(
    grep: Annotated[
        str | None, typer.Option(help="Only records whose name, description, note or source match.")
    ] = None,
    set_name: Annotated[str | None, typer.Option("--set", help="Only this parameter set.")] = None,
    format: Annotated[OutputFormat, typer.Option(help="Output format.")] = OutputFormat.table,
) -> None:
    """List model parameters with value, unit, prior, evidence and source."""
    registry = dormancy.load_registry()
    if set_name is not None and set_name not in registry.sets:
        allowed = ", ".join(registry.sets)
        raise _fail(dormancy.InputError([dormancy.Problem("--set", f"one of {allowed}", repr(set_name))]))
    records = [r for r in registry if set_name is None or r.set == set_name]
    if grep:
        needle = grep.lower()
        records = [
            r for r in records if needle in " ".join((r.name, r.label, r.description, r.note, *r.source)).lower()
        ]
    if format is OutputFormat.json:
        _out.print_json(json.dumps([r.to_dict() for r in records], ensure_ascii=False))
        return
    header = ["name", "label", "value", "unit", "prior", "evidence", "source", "description"]
    rows = [
        [
            r.name,
            r.label,
            f"{r.value:g}",
            r.unit,
            r.prior.describe(),
            r.evidence,
            "; ".join(r.source),
            r.description,
        ]
        for r in records
    ]
    if format is OutputFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return
    table = Table(show_lines=False, header_style="bold")
    for column in header[:-1]:  # descriptions are in --format csv/json
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row[:-1])
    _out.print(table)
    _out.print(f"{len(rows)} parameter(s); `dormancy cite KEY` resolves a source.", markup=False)


@app.command()
def cite(
    keys: Annotated[list[str], typer.Argument(help="Citation keys, e.g. komarova2003 review:61.")],
) -> None:
    """Resolve citation keys in the package bibliography."""
    bibliography = dormancy.load_bibliography()
    unknown = [key for key in keys if key not in bibliography]
    if unknown:
        raise _fail(
            dormancy.InputError([dormancy.Problem("KEY", "a key of the package bibliography", k) for k in unknown])
        )
    for key in keys:
        reference = bibliography.resolve(key)
        link = f" https://doi.org/{reference.doi}" if reference.doi else (f" {reference.url}" if reference.url else "")
        _out.print(f"[{key}] {reference.short()}{link}", markup=False, highlight=False)


@app.command()
def scenarios(
    show: Annotated[str | None, typer.Option(help="Print this built-in scenario's YAML.")] = None,
) -> None:
    """List the built-in scenarios, or print one to start your own from."""
    if show is None:
        for name in dormancy.builtin_scenario_names():
            _out.print(f"{name}: {dormancy.builtin_scenario(name).description.strip()}", markup=False)
        return
    try:
        sys.stdout.write(dormancy.builtin_scenario_text(show))  # verbatim: rich would wrap long lines
    except dormancy.InputError as error:
        raise _fail(error) from None


@app.command()
def sbml(
    parameter_set: Annotated[
        str, typer.Argument(help="Parameter set, e.g. komarova2003, ayati2010, pivonka2008, switch_er_positive.")
    ],
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of standard output.")] = None,
) -> None:
    """Export a model with a parameter set to SBML Level 3 Version 2, with source annotations."""
    registry = dormancy.load_registry()
    exporters = {
        "komarova": dormancy.bone.komarova.to_sbml,
        "pivonka": dormancy.bone.pivonka.to_sbml,
        "switch": lambda chosen: dormancy.signalling.switch_to_sbml(
            dormancy.signalling.SwitchModel.from_parameter_set(chosen)
        ),
    }
    if parameter_set not in registry.sets or registry.sets[parameter_set].model not in exporters:
        allowed = ", ".join(name for name, s in registry.sets.items() if s.model in exporters)
        raise _fail(dormancy.InputError([dormancy.Problem("PARAMETER_SET", f"one of {allowed}", parameter_set)]))
    _require("libsbml", "sbml")
    document = exporters[registry.sets[parameter_set].model](registry.sets[parameter_set])
    if out is None:
        sys.stdout.write(document)
        return
    _check_file(out, True, "--out")
    dormancy.write_text_atomic(out, document)
    _out.print(f"SBML: {out}", markup=False, highlight=False)


class ErStatus(StrEnum):
    """Oestrogen-receptor status of the disseminated cell."""

    negative = "negative"
    positive = "positive"


class StartState(StrEnum):
    """State a cell is prepared in before the run."""

    dormant = "dormant"
    proliferating = "proliferating"


KEY_NODES = ("P38", "ERK", "HIF1A", "NR2F1", "P27", "CDK46", "MTOR", "AUTOPHAGY", "LIFR_STAT3", "PDL1")


def _parse_inputs(model: dormancy.signalling.SwitchModel, items: list[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    problems = []
    for item in items:
        name, equals, text = item.partition("=")
        try:
            value = float(text) if equals else float("nan")
        except ValueError:
            value = float("nan")
        if not equals or value != value:
            problems.append(dormancy.Problem("--input", "NAME=VALUE with a number, e.g. TGFB2=0.8", repr(item)))
            continue
        values[name] = float(model.oxygen_activity(value)) if name == "O2" else value
    if problems:
        raise _fail(dormancy.InputError(problems))
    return values


def _switch_model(er: ErStatus, items: list[str]) -> tuple[dormancy.signalling.SwitchModel, dict[str, float]]:
    model = dormancy.signalling.load_switch(er.value)
    niche = {**dormancy.signalling.DEFAULT_NICHE, **_parse_inputs(model, items)}
    try:
        model.inputs(niche)
    except dormancy.InputError as error:
        raise _fail(error) from None
    return model, niche


@app.command()
def switch(
    input: Annotated[
        list[str] | None,
        typer.Option(
            help="NAME=VALUE, repeatable. O2 is the oxygen fraction (0.01 = 1 %); other inputs and drugs "
            "are activities in [0, 1]. Unset inputs keep the default marrow niche."
        ),
    ] = None,
    days: Annotated[float, typer.Option(min=0.01, max=3650.0, help="Duration of the run, days.")] = 14.0,
    er: Annotated[ErStatus, typer.Option(help="ER status of the cell.")] = ErStatus.negative,
    start: Annotated[StartState, typer.Option(help="State the cell is prepared in.")] = StartState.dormant,
    scan: Annotated[
        tuple[str, float, float] | None,
        typer.Option(help="NAME LOW HIGH: scan one input from both starts; writes the fate-response figure."),
    ] = None,
    points: Annotated[int, typer.Option(min=3, max=2001, help="Levels in a scan.")] = 41,
    out: Annotated[Path | None, typer.Option(help="Figure path for --scan [default: switch-scan-NAME.png].")] = None,
) -> None:
    """Run the intracellular dormancy switch of one DTC, or scan an input for its fate response and memory."""
    model, niche = _switch_model(er, list(input or []))
    signalling = dormancy.signalling
    if scan is not None:
        name, low, high = scan
        if name not in model.wiring.inputs:
            raise _fail(
                dormancy.InputError(
                    [dormancy.Problem("--scan NAME", f"one of {', '.join(model.wiring.inputs)}", repr(name))]
                )
            )
        if not (np.isfinite(low) and np.isfinite(high)):
            raise _fail(dormancy.InputError([dormancy.Problem("--scan LOW HIGH", "finite numbers", f"{low} {high}")]))
        raw = np.linspace(low, high, points)
        levels = model.oxygen_activity(raw) if name == "O2" else raw
        if levels.min() < 0.0 or levels.max() > 1.0:
            raise _fail(
                dormancy.InputError([dormancy.Problem("--scan LOW HIGH", "levels in [0, 1]", f"{low}..{high}")])
            )
        destination = out if out is not None else Path(f"switch-scan-{name}.png")
        _check_file(destination, True, "--out", FIGURE_SUFFIXES)
        loop = signalling.hysteresis(
            model,
            name,
            levels,
            niche=niche,
            dormant_niche=signalling.DORMANT_PREPARATION,
            proliferating_niche=signalling.PROLIFERATING_PREPARATION,
        )
        rates = [signalling.fate_rates(model, states) for states in (loop.from_dormant, loop.from_proliferating)]
        xlabel = f"{name} (oxygen fraction)" if name == "O2" else f"{name} (activity)"
        figure = dormancy.plotting.plot_fate_response(raw, *rates, xlabel=xlabel, title=f"{model.parameter_set}")
        dormancy.plotting.save_figure(figure, destination)
        window = raw[loop.bistable]
        _out.print(f"{model.parameter_set}: scan of {name} from {low:g} to {high:g} ({points} levels)", markup=False)
        _out.print(
            f"dormant at the low end: from dormant {loop.dormant_from_dormant[0]}, from proliferating "
            f"{loop.dormant_from_proliferating[0]}",
            markup=False,
        )
        if window.size:
            _out.print(f"memory (bistable) window: {window.min():g} to {window.max():g}", markup=False)
        else:
            _out.print("no memory window: the fate does not depend on the starting state here", markup=False)
        _out.print(f"figure: {destination}", markup=False, highlight=False)
        return
    preparation = (
        signalling.DORMANT_PREPARATION if start is StartState.dormant else signalling.PROLIFERATING_PREPARATION
    )
    initial = signalling.steady_states(model, model.inputs({**niche, **preparation}), 0.0)
    hours = np.linspace(0.0, days * 24.0, max(2, round(days * 24.0) + 1))
    trajectory = signalling.integrate_cells(model.wiring, model.kinetics, initial, model.inputs(niche), hours)
    shown_days = np.unique(np.linspace(0, len(hours) - 1, 8).round().astype(int))
    table = Table(show_header=True, header_style="bold")
    table.add_column("day")
    for node in KEY_NODES:
        table.add_column(node, justify="right")
    for row in shown_days:
        table.add_row(
            f"{hours[row] / 24:.2f}", *(f"{trajectory.states[row, 0, model.index(n)]:.3f}" for n in KEY_NODES)
        )
    _out.print(
        f"{model.parameter_set}, prepared {start.value}; inputs: "
        + ", ".join(f"{k}={v:g}" for k, v in sorted(niche.items())),
        markup=False,
    )
    _out.print(table)
    final = trajectory.states[-1]
    rates = signalling.fate_rates(model, final)
    for key, value in rates.items():
        unit = "1/day" if key.endswith("rate") else "score"
        _out.print(f"{key}: {value[0]:.4g} {unit}", markup=False)
    fate = "dormant (quiescence entry > exit)" if signalling.is_dormant(model, final)[0] else "proliferating"
    _out.print(f"fate after {days:g} days: {fate}", markup=False)


def _bone_unit(run, name: str) -> str:
    """Return the unit of a bone-table column (the run's attribute; the rest are dimensionless by construction)."""
    if run[name].attrs.get("units"):
        return run[name].attrs["units"]
    if name == "age":
        return "years"
    if name.startswith("signal_"):
        return "activity 0-1"
    if name.startswith("drug_"):
        return "effect 0-1"
    return {"oestrogen": "activity, 1 = premenopausal"}.get(name, "dimensionless")


BONE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("age", "age"),
    ("bone %", "bone_volume"),
    ("OC ×", "active_osteoclasts"),
    ("OB ×", "active_osteoblasts"),
    ("RANKL ×", "rankl"),
    ("TGF-β rel. ×", "matrix_tgfb_release"),
    ("tumour", "tumour_burden"),
    *((name, f"signal_{name}") for name in ("TGFB2", "TGFB1", "OSTEOCLAST_FACTORS", "IL1B", "ESTROGEN")),
)
#: Most doses one --drug schedule may give over a bone run (daily dosing for 80 years is 29,220).
MAX_DOSES = 50_000
RELATIVE_COLUMNS = frozenset({"active_osteoclasts", "active_osteoblasts", "rankl", "matrix_tgfb_release"})


def _bone_model(
    age: float, menopause_age: float, bmi: float, inflammation: float, tumour: float, drugs: list[str], years: float
):
    problems: list[dormancy.Problem] = []
    schedules = []
    for text in drugs:
        try:
            schedule = dormancy.pkpd.parse_schedule(text)
        except dormancy.InputError as error:
            problems.extend(error.problems)
            continue
        doses = len(schedule.dose_times_days(years * 365.25))
        if doses > MAX_DOSES:
            problems.append(
                dormancy.Problem(f"--drug {text}", f"at most {MAX_DOSES:,} doses over the run", f"{doses:,}")
            )
        schedules.append(schedule)
    try:
        host = dormancy.bone.HostProfile(
            age_years=age,
            menopause_age_years=None if menopause_age <= 0 else menopause_age,
            bmi=bmi,
            extra_inflammation=inflammation,
        )
    except dormancy.InputError as error:
        problems.extend(error.problems)
    if problems:
        raise _fail(dormancy.InputError(problems))
    exposure = dormancy.bone.lifetime.NO_DRUGS
    if schedules:
        times = np.arange(0.0, years * 365.25 + 1.0, 0.5)
        exposure = dormancy.bone.DrugExposure(times, dormancy.pkpd.target_effects(schedules, times))
    return dormancy.bone.BoneModel.default(host=host, initial_tumour_burden=tumour, drugs=exposure)


@app.command()
def bone(
    years: Annotated[float, typer.Option(min=0.1, max=80.0, help="Length of the run, years.")] = 20.0,
    age: Annotated[float, typer.Option(min=0.0, max=120.0, help="Age at the start, years.")] = 45.0,
    menopause_age: Annotated[
        float, typer.Option(min=0.0, max=65.0, help="Age at menopause, years; 0 for no menopause during the run.")
    ] = 51.0,
    bmi: Annotated[float, typer.Option(min=12.0, max=80.0, help="Body-mass index, kg/m².")] = 25.0,
    inflammation: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Chronic inflammation beyond age and adiposity, 0-1.")
    ] = 0.0,
    tumour: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Tumour burden in the bone site at the start, fraction of capacity.")
    ] = 0.0,
    drug: Annotated[
        list[str] | None,
        typer.Option(
            help="DRUG:DOSE:INTERVAL[:xN][:forD][:atT], repeatable, e.g. zoledronic_acid:4mg:q6mo, "
            "denosumab:60mg:q6mo:at2y. Times are from the start of the run."
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="Figure path.")] = Path("bone.png"),
    table: Annotated[Path | None, typer.Option(help="Also write the weekly time course as CSV.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace existing output files.")] = False,
) -> None:
    """Run the bone over a lifetime: remodelling, menopause and ageing, a tumour and bone-targeted drugs."""
    _check_file(out, overwrite, "--out", FIGURE_SUFFIXES)
    if table is not None:
        _check_file(table, overwrite, "--table")
    model = _bone_model(age, menopause_age, bmi, inflammation, tumour, list(drug or []), years)
    with _err.status("running the bone model"):
        run = dormancy.bone.simulate_bone(model, years=years)
    if run.attrs["status"] != "ok":
        _err.print(f"warning: the run stopped early ({run.attrs['status']}: {run.attrs['message']})", markup=False)
    shown = np.unique(np.linspace(0, len(run.time) - 1, 11).round().astype(int))
    grid = Table(show_header=True, header_style="bold")
    for label, _ in BONE_COLUMNS:
        grid.add_column(label, justify="right")
    for row in shown:
        cells = []
        for _, name in BONE_COLUMNS:
            values = run[name].values
            value = values[row] / values[0] if name in RELATIVE_COLUMNS else values[row]
            cells.append(f"{value:.1f}" if name in ("age", "bone_volume") else f"{value:.3g}")
        grid.add_row(*cells)
    drugs = ", ".join(drug or []) or "none"
    _out.print(
        f"bone over {years:g} years from age {age:g}: menopause at {menopause_age or 'none'}, BMI {bmi:g}, "
        f"tumour burden {tumour:g}, drugs: {drugs}. Activities (×) are relative to the start; signals are the "
        "switch inputs a DTC reads (0-1).",
        markup=False,
    )
    _out.print(grid)
    figure = dormancy.plotting.plot_bone_lifetime(run, title=f"bone from age {age:g}; drugs: {drugs}")
    dormancy.plotting.save_figure(figure, out)
    _out.print(f"figure: {out}", markup=False, highlight=False)
    if table is not None:
        frame = run.to_dataframe()
        frame = frame.rename(columns=lambda name: f"{name} [{_bone_unit(run, name)}]")
        frame.index.name = f"time [{run['time'].attrs.get('units', 'day')}]"
        dormancy.write_text_atomic(table, frame.to_csv())
        _out.print(f"table: {table}", markup=False, highlight=False)
