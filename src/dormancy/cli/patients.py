"""Command of the patient scale: ``dormancy cohort`` (simulate virtual patients over decades)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import dormancy
from dormancy.cli._app import (
    PosteriorFileOption,
    WorkersOption,
    _check_destination,
    _err,
    _fail,
    _out,
    _placed_posterior,
    _timestamped,
    app,
    np,
    posterior_option,
    scheduler_option,
)

#: Cohorts above this many patients are streamed to a Parquet dataset by default (``--stream-above``).
STREAM_ABOVE = 200_000
_Posterior = posterior_option(
    "Simulate the cohort once per posterior draw (N draws; draws.csv, posterior_summary.csv; docs/uncertainty.md)."
)
_Scheduler = scheduler_option("Dask scheduler address (tcp://host:port) to spread chunks over its workers.")


def _print_recurrence(summary, years: float) -> None:
    summary_table = Table(title="Distant recurrence (annual hazard, % per year, by interval since diagnosis)")
    summary_table.add_column("ER status")
    summary_table.add_column("patients", justify="right")
    for start, stop in summary.intervals:
        summary_table.add_column(f"{start:g}–{stop:g} y", justify="right")
    summary_table.add_column(f"recurred by {years:g} y", justify="right")
    summary_table.add_column("bone share", justify="right")
    for row in summary.hazards().to_dict("records"):
        patients, recurred = row["patients"], row["recurred"]
        hazards = (row[f"hazard_percent_{a:g}-{b:g}"] for a, b in summary.intervals)
        summary_table.add_row(
            row["group"],
            str(patients),
            *("—" if np.isnan(value) else f"{value:.2f}" for value in hazards),
            f"{100.0 * recurred / patients:.1f} %" if patients else "—",
            f"{100.0 * row['bone_first'] / recurred:.0f} %" if recurred else "—",
        )
    _out.print(summary_table)
    positive = 100.0 * summary.dtc_positive / summary.patients if summary.patients else float("nan")
    _out.print(
        f"DTC-positive aspirate at diagnosis: {positive:.1f} % of patients; "
        f"patients with a failed simulation: {summary.failed}",
        markup=False,
        highlight=False,
    )


def _print_survival(summary, years: float) -> None:
    horizons = [h for h in (5.0, 10.0, 15.0, 20.0, 25.0, 30.0) if h <= years] or [years]
    outcomes = summary.survival_outcomes(horizons)
    table = Table(title="Deaths and survival (% of patients, by years since diagnosis)")
    rows = (
        ("overall survival (KM)", "os"),
        ("breast-cancer-specific survival (KM)", "bcss"),
        ("distant recurrence (CIF, competing: death)", "cif_distant"),
        ("death without distant recurrence (CIF)", "cif_death_without_distant"),
        ("death from breast cancer (CIF)", "cif_breast_cancer_death"),
        ("death from other causes (CIF)", "cif_other_death"),
    )
    table.add_column("endpoint")
    for horizon in outcomes["years"]:
        table.add_column(f"{horizon:g} y", justify="right")
    for label, column in rows:
        table.add_row(label, *(f"{100.0 * value:.1f}" for value in outcomes[column]))
    _out.print(table)


def _print_sites(summary) -> None:
    sites = dormancy.patients.SITES
    table = Table(title="First distant site (% of first distant recurrences) and sites found at staging")
    table.add_column("subtype")
    table.add_column("recurred", justify="right")
    for site in sites:
        table.add_column(site, justify="right")
    table.add_column("> 1 site", justify="right")
    for row in summary.site_table().to_dict("records"):
        table.add_row(
            row["subtype"],
            str(row["recurred"]),
            *(f"{100.0 * row[site]:.0f} %" for site in sites),
            f"{100.0 * row['several']:.1f} %",
        )
    _out.print(table)


@app.command()
def cohort(
    out: Annotated[
        Path | None,
        typer.Option(
            help="Result folder (patients.parquet + manifest.json; above --stream-above patients a Parquet dataset "
            "patients/part-*.parquet + dataset.json + summary.json), written atomically "
            "(default: a new folder cohort-YYYYMMDD-HHMMSS)."
        ),
    ] = None,
    patients: Annotated[int, typer.Option(min=1, help="Number of virtual patients.")] = 10_000,
    years: Annotated[float, typer.Option(min=0.1, max=40.0, help="Follow-up, years.")] = 20.0,
    seed: Annotated[int, typer.Option(min=0, help="Seed; patient i depends only on (seed, i).")] = 0,
    chemotherapy: Annotated[
        str | None,
        typer.Option(
            help="Adjuvant chemotherapy policy: none, all, node_positive, risk_based or risk_based_her2 "
            "(default: the era's, risk_based in the 1980s, risk_based_her2 modern)."
        ),
    ] = None,
    era: Annotated[
        str,
        typer.Option(
            help="Standard care: 1980s (as calibrated: CMF-like chemotherapy, tamoxifen) or modern (aromatase "
            "inhibitors, ovarian suppression, extended endocrine therapy, anthracycline-taxane, trastuzumab, "
            "abemaciclib; docs/modern-care.md)."
        ),
    ] = "1980s",
    endocrine_years: Annotated[float, typer.Option(min=0.0, max=15.0, help="Endocrine therapy for ER+, years.")] = 5.0,
    diagnosis_year: Annotated[
        int, typer.Option(help="Calendar year of diagnosis (1970-2035): sets deaths from other causes.")
    ] = 1985,
    deaths: Annotated[bool, typer.Option(help="Patients die (other causes by life table; breast cancer).")] = True,
    scheduler: _Scheduler = None,
    workers: WorkersOption = None,
    chunk_size: Annotated[int, typer.Option(min=1, help="Patients per chunk (memory bound; same results).")] = 65536,
    dashboard: Annotated[
        bool, typer.Option(help="With --workers, serve the Dask dashboard on http://127.0.0.1:8787.")
    ] = False,
    stream_above: Annotated[
        int,
        typer.Option(
            min=0,
            help="Above this many patients, write each chunk as it finishes to a Parquet dataset "
            "(patients/part-*.parquet, dataset.json, summary.json) instead of one patients.parquet, so memory is "
            "bounded by a chunk; an interrupted run resumes. 0: always stream.",
        ),
    ] = STREAM_ABOVE,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing result folder.")] = False,
    posterior: _Posterior = None,
    posterior_file: PosteriorFileOption = None,
) -> None:
    """Simulate a cohort of virtual patients; print recurrence by ER status and interval, deaths and survival."""
    draws = _placed_posterior(scheduler, workers, posterior, posterior_file, seed, dashboard=dashboard)
    out = _timestamped("cohort") if out is None else out
    _check_destination(out, overwrite, "--out")
    try:
        spec = dormancy.patients.CohortSpec(
            patients,
            followup_years=years,
            population=dormancy.patients.PopulationSpec(diagnosis_year=diagnosis_year),
            care=dormancy.patients.CareSpec(chemotherapy=chemotherapy, endocrine_years=endocrine_years, era=era),
            deaths=deaths,
        )
    except dormancy.InputError as error:
        raise _fail(error) from None
    if draws is not None:
        _cohort_posterior(spec, draws, out, scheduler, workers, dashboard, chunk_size, overwrite)
        return
    columns = (TextColumn("patients"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    streaming = patients > stream_above
    try:
        # in-process, a local cluster of --workers processes (loopback only; dashboard with --dashboard) or the
        # --scheduler's cluster: dormancy.distributed, the package's one place for where tasks run
        with (
            dormancy.distributed.executor(scheduler, workers, dashboard=dashboard) as place,
            Progress(*columns, console=_err, transient=True) as bar,
        ):
            task = bar.add_task("patients", total=patients)
            options = {
                "seed": seed,
                "scheduler": place.client,
                "chunk_size": chunk_size,
                "progress": lambda done, total: bar.update(task, completed=done),
            }
            if streaming:
                summary = dormancy.patients.stream_cohort(spec, out, overwrite=overwrite, **options).summary
            else:
                result = dormancy.patients.simulate_cohort(spec, **options)
    except dormancy.InputError as error:
        raise _fail(error) from None
    if not streaming:
        dormancy.patients.save_cohort(result, out, overwrite=overwrite)
        intervals = dormancy.patients.cohort_summary.hazard_intervals(years)
        summary = dormancy.patients.CohortSummary.from_table(result.table, intervals=intervals)
    _print_recurrence(summary, years)
    _print_survival(summary, years)
    _print_sites(summary)
    _out.print(f"result: {out}", markup=False, highlight=False)


def _cohort_posterior(spec, draws, out: Path, scheduler, workers, dashboard, chunk_size: int, overwrite: bool) -> None:
    """``dormancy cohort --posterior N``: the cohort once per draw; the outcomes with their credible intervals."""
    columns = (TextColumn("posterior draws"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with (
            dormancy.distributed.executor(scheduler, workers, dashboard=dashboard) as place,
            Progress(*columns, console=_err, transient=True) as bar,
        ):
            task = bar.add_task("draws", total=draws.n)
            result = dormancy.patients.simulate_cohort_posterior(
                spec,
                seed=draws.seed,
                posterior=draws,
                posterior_draws=draws.n,
                executor=place,
                chunk_size=chunk_size,
                keep_tables=True,
                progress=lambda done, total: bar.update(task, completed=done),
            )
    except dormancy.InputError as error:
        raise _fail(error) from None
    dormancy.patients.save_cohort_posterior(result, out, overwrite=overwrite)
    summary = result.summary()
    table = Table(title=f"Outcomes over {draws.n} posterior draws (fractions; 95 % credible interval over draws)")
    for column in ("measure", "median", "95 % CrI", "parameters SD", "Monte-Carlo SD"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    for row in summary.itertuples():
        table.add_row(
            row.measure,
            f"{row.median:.3f}",
            f"{row.cri_low:.3f}–{row.cri_high:.3f}",
            f"{row.parameters_sd:.3f}",
            f"{row.monte_carlo_sd:.3f}",
        )
    _out.print(table)
    _out.print(f"result: {out}", markup=False, highlight=False)
