"""Commands of the patient scale's calibration: ``dormancy calibrate | calibration-report | sensitivity``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import dormancy
from dormancy.cli._app import _err, _fail, _out, _require, app


def _folder(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise _fail(dormancy.InputError([dormancy.Problem("--out", "a folder", f"{out} is a file")]))
    out.mkdir(parents=True, exist_ok=True)
    return out


def _say(text: str) -> None:
    _out.print(text, markup=False, highlight=False)


@app.command()
def calibrate(
    out: Annotated[Path, typer.Option(help="Folder for the pyabc database and the posterior summary.")] = Path(
        "calibration-output"
    ),
    population_size: Annotated[int, typer.Option(min=5, help="Particles per ABC-SMC generation.")] = 40,
    generations: Annotated[int, typer.Option(min=1, help="Maximum number of generations.")] = 6,
    minimum_epsilon: Annotated[float, typer.Option(min=0.0, help="Stop below this RMS deviation.")] = 0.5,
    patients: Annotated[int, typer.Option(min=50, help="Target cohort size per particle.")] = 2000,
    seed: Annotated[int, typer.Option(min=0, help="Seed of pyabc and of the cohorts.")] = 20_260_611,
    resume: Annotated[bool, typer.Option(help="Continue the run stored in OUT/abc.db.")] = False,
) -> None:
    """Fit the free natural-history parameters to every calibration target (pyabc ABC-SMC; long).

    Writes OUT/abc.db (resumable with --resume), OUT/posterior_summary.csv (median, 5 % and 95 % per parameter)
    and OUT/posterior_generations.csv (epsilon schedule and acceptance). The registry is not changed; the maintainer
    tool tools/calibrate_patients.py ships the result.
    """
    _require("pyabc", "calibrate")
    folder = _folder(out)
    database = folder / "abc.db"
    if resume and not database.exists():
        raise _fail(dormancy.InputError([dormancy.Problem("--resume", "an existing OUT/abc.db", str(database))]))
    if not resume and database.exists():
        raise _fail(
            dormancy.InputError([dormancy.Problem("--out", "a folder without abc.db (or pass --resume)", str(folder))])
        )
    result = dormancy.patients.calibration.calibrate(
        database=database,
        seed=seed,
        population_size=population_size,
        generations=generations,
        minimum_epsilon=minimum_epsilon,
        n_patients=patients,
        resume=resume,
        progress=lambda line: _err.print(line, markup=False, highlight=False),
    )
    summary_path = dormancy.write_text_atomic(
        folder / "posterior_summary.csv", result.summary.to_csv(index_label="name")
    )
    schedule_path = dormancy.write_text_atomic(
        folder / "posterior_generations.csv", result.generations.to_csv(index=False)
    )
    _say(result.summary[["median", "q05", "q95", "unit"]].to_string())
    _say(f"posterior: {summary_path}\ngenerations: {schedule_path}\ndatabase: {database}")


@app.command("calibration-report")
def calibration_report(
    out: Annotated[Path, typer.Option(help="Folder for the table and the figures.")] = Path("calibration-report"),
    patients: Annotated[int, typer.Option(min=100, help="Size of the Colleoni and Braun cohorts.")] = 20_000,
    seed: Annotated[int, typer.Option(min=0, help="Base seed of the target cohorts.")] = 20_260_612,
) -> None:
    """Run the target cohorts with the shipped parameters and compare every calibration target with the model.

    Writes OUT/targets.csv, targets.md, targets.html, the figure targets.png, and Kaplan-Meier and annual hazard
    figures by ER status (IBCSG-like cohort) and by DTC status (stage I-III cohort).
    """
    folder = _folder(out)
    with _err.status("simulating the target cohorts"):
        report = dormancy.patients.report.run_report(n_patients=patients, seed=seed)
    paths = dormancy.patients.report.write_report(report, folder)
    plotting = dormancy.plotting
    paths.append(plotting.save_figure(plotting.plot_target_comparison(report.comparison), folder / "targets.png"))
    for cohort, by in (("colleoni", "er_positive"), ("braun", "dtc_positive"), ("braun", "t_stage")):
        table = report.tables[cohort]
        paths.append(plotting.save_figure(plotting.plot_kaplan_meier(table, by=by), folder / f"km_{cohort}_{by}.png"))
        figure = plotting.plot_annual_hazard(table, by=by, endpoint="any" if cohort == "colleoni" else "distant")
        paths.append(plotting.save_figure(figure, folder / f"hazard_{cohort}_{by}.png"))
    shown = report.comparison[["target", "stratum", "published", "model", "tolerance", "within"]]
    _say(shown.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    met = int(report.comparison["within"].sum())
    _say(f"{met} of {len(report.comparison)} targets within tolerance")
    _say("\n".join(f"written: {path}" for path in paths))


@app.command()
def sensitivity(
    out: Annotated[Path, typer.Option(help="Folder for the indices and the figure.")] = Path("sensitivity-output"),
    samples: Annotated[int, typer.Option(min=2, help="Morris trajectories (cohorts: samples x (k + 1)).")] = 10,
    patients: Annotated[int, typer.Option(min=100, help="Patients per cohort.")] = 5000,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the design and the cohort.")] = 1,
) -> None:
    """Morris global sensitivity of recurrence at 5, 10 and 20 years to the free parameters (SALib).

    Writes OUT/morris_indices.csv and OUT/sensitivity.png.
    """
    folder = _folder(out)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=_err, transient=True) as bar:
        task = bar.add_task("Morris cohorts", total=None)
        indices = dormancy.patients.sensitivity.morris_sensitivity(
            samples=samples,
            n_patients=patients,
            seed=seed,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    table_path = dormancy.write_text_atomic(folder / "morris_indices.csv", indices.to_csv(index=False))
    figure_path = dormancy.plotting.save_figure(dormancy.plotting.plot_sensitivity(indices), folder / "sensitivity.png")
    ranked = indices.pivot(index="parameter", columns="horizon_years", values="mu_star")
    _say(ranked.sort_values(ranked.columns[-1], ascending=False).to_string(float_format=lambda v: f"{v:.3g}"))
    _say(f"indices: {table_path}\nfigure: {figure_path}")
