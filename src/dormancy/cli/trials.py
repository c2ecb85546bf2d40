"""Command of the trial scale: ``dormancy trial list | DESIGN | FILE.yaml`` (virtual clinical trials)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import dormancy
from dormancy.cli._app import (
    PosteriorFileOption,
    SchedulerOption,
    WorkersOption,
    _check_destination,
    _err,
    _fail,
    _out,
    _placed_posterior,
    _timestamped,
    app,
    posterior_option,
)

_Posterior = posterior_option(
    "Also run the trial over N posterior draws: the report shows the hazard ratio's credible interval "
    "and the probability that the trial is positive (draws.csv; docs/uncertainty.md)."
)


def _print_designs() -> None:
    table = Table(title="Built-in trial designs (dormancy trial NAME --out DIR)")
    table.add_column("name")
    table.add_column("title")
    table.add_column("enrolled", justify="right")
    table.add_column("arms")
    for name in dormancy.trials.design_names():
        spec = dormancy.trials.load_design(name)
        arms = ", ".join(f"{arm.name}{' (virtual)' if arm.virtual else ''}" for arm in spec.arms)
        table.add_row(name, spec.title, str(spec.enrolment.target), arms)
    _out.print(table)


def _print_summary(result) -> None:
    summary = result.summary()
    table = Table(title=f"Hazard ratios against {result.spec.control_arm} over {result.replicates} replicate trials")
    for column in ("endpoint", "arm", "subgroup", "HR median", "HR 95 % of replicates", "power", "pooled HR (95 % CI)"):
        table.add_column(column, justify="left" if column in ("endpoint", "arm", "subgroup") else "right")
    for row in summary.itertuples():
        table.add_row(
            row.endpoint,
            row.arm,
            row.subgroup,
            f"{row.hr_median:.3g}",
            f"{row.hr_low:.3g}–{row.hr_high:.3g}",
            f"{row.power:.2f}",
            f"{row.hr_pooled:.3g} ({row.hr_pooled_low:.3g}–{row.hr_pooled_high:.3g})",
        )
    _out.print(table)
    if result.spec.assessments:
        clearance = result.clearance_summary()
        table = Table(title="DTC-negative aspirates after entry (pooled over replicates, exact 95 % CI)")
        for column in ("arm", "assessment", "aspirated", "negative fraction", "95 % CI"):
            table.add_column(column, justify="left" if column in ("arm", "assessment") else "right")
        for row in clearance.itertuples():
            table.add_row(
                row.arm,
                row.assessment,
                str(row.aspirated),
                f"{row.proportion:.2f}",
                f"{row.ci_low:.2f}–{row.ci_high:.2f}",
            )
        _out.print(table)
    competing = result.competing_summary()
    if len(competing):
        horizon = result.spec.analysis.horizon_years
        table = Table(title=f"Deaths and competing risks at {horizon:g} years after entry (median over replicates)")
        arms = [arm.name for arm in result.spec.arms]
        table.add_column("measure")
        for arm in arms:
            table.add_column(arm, justify="right")
        for measure, part in competing.groupby("measure", sort=False):
            values = part.set_index("arm")["median"]
            table.add_row(measure, *(f"{100.0 * values.get(arm, float('nan')):.1f} %" for arm in arms))
        _out.print(table)
    if result.status != "ok":
        _out.print(f"status: {result.status} (see screening.csv)", markup=False, highlight=False)


def _print_posterior(predicted) -> None:
    summary = predicted.summary()
    table = Table(
        title=f"Over {predicted.posterior.n} posterior draws × {predicted.replicates} trials of the published size "
        "(HR or difference in DTC-negative aspirates; SDs on the log-HR or difference scale)"
    )
    for column in (
        "endpoint",
        "arm",
        "median",
        "95 % CrI",
        "P(positive)",
        "SD parameters",
        "SD Monte-Carlo",
        "SD trial",
    ):
        table.add_column(column, justify="left" if column in ("endpoint", "arm") else "right")
    for row in summary.itertuples():
        table.add_row(
            row.endpoint + (" (primary)" if row.primary else ""),
            row.arm,
            f"{row.median:.3g}",
            f"{row.cri_low:.3g}–{row.cri_high:.3g}",
            f"{row.probability_positive:.2f}",
            f"{row.parameters_sd:.3f}",
            f"{row.monte_carlo_sd:.3f}",
            f"{row.trial_sd:.3f}",
        )
    _out.print(table)


def _sizes(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 2:
        raise dormancy.InputError([dormancy.Problem("--sizes", "comma-separated integers >= 2, e.g. 30,60,120", text)])
    return values


@app.command()
def trial(
    target: Annotated[
        str,
        typer.Argument(help="'list', 'template' (print a trial file), a built-in design name, or a trial YAML file."),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            help="Result folder (report.html, CSV tables, manifest.json), written atomically "
            "(default: a new folder trial-TARGET-YYYYMMDD-HHMMSS)."
        ),
    ] = None,
    replicates: Annotated[int, typer.Option(min=1, max=100_000, help="Replicate trials.")] = 200,
    seed: Annotated[int, typer.Option(min=0, help="Seed; replicate r depends only on (seed, r).")] = 0,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing result folder.")] = False,
    sizes: Annotated[
        str | None,
        typer.Option(help="Also power by simulation at these enrolment targets, e.g. '30,60,120' (power.csv)."),
    ] = None,
    posterior: _Posterior = None,
    posterior_file: PosteriorFileOption = None,
    posterior_replicates: Annotated[
        int, typer.Option(min=2, max=100_000, help="Replicate trials of the published size per posterior draw.")
    ] = 20,
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
) -> None:
    """Run a virtual clinical trial (replicated) and write an HTML report; 'dormancy trial list' lists the designs."""
    if target == "list":
        _print_designs()
        return
    if target == "template":
        sys.stdout.write(dormancy.trials.template_text())  # verbatim: rich would wrap the comments
        return
    draws = _placed_posterior(scheduler, workers, posterior, posterior_file, seed)  # judged before anything runs
    try:
        targets = _sizes(sizes) if sizes is not None else None  # judged before anything runs
        if target in dormancy.trials.design_names():
            spec = dormancy.trials.load_design(target)
        elif target.endswith((".yaml", ".yml")) or Path(target).exists():
            spec = dormancy.trials.load_trial(target)
        else:
            names = ", ".join(dormancy.trials.design_names())
            raise dormancy.InputError([dormancy.Problem("TARGET", f"list, one of {names}, or a YAML file", target)])
        for size in targets or []:
            try:
                spec.with_target(size)
            except dormancy.InputError as error:
                problems = [dormancy.Problem(f"--sizes {size}", p.expected, p.found) for p in error.problems]
                raise dormancy.InputError(problems) from None
        if out is None:  # named after the design, decided only once the design has loaded
            out = _timestamped(f"trial-{spec.name}")
        _check_destination(out, overwrite, "--out")
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with (
            dormancy.distributed.executor(scheduler, workers) as place,
            Progress(*columns, console=_err, transient=True) as bar,
        ):
            tasks: dict[str, int] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            result = dormancy.trials.run_trial(
                spec, seed=seed, replicates=replicates, scheduler=place.client, progress=progress
            )
            predicted = None
            if draws is not None:
                predicted = dormancy.trials.run_trial_posterior(
                    spec,
                    seed=seed,
                    posterior=draws,
                    posterior_draws=draws.n,
                    replicates=posterior_replicates,
                    executor=place,
                    progress=lambda done, total: progress("posterior draws", done, total),
                )
            power = None
            if targets is not None:
                power_task = bar.add_task("power by enrolment", total=len(targets))
                parts = []
                for index, size in enumerate(targets):
                    parts.append(
                        dormancy.trials.power_by_size(
                            spec, [size], seed=seed, replicates=replicates, scheduler=place.client
                        )
                    )
                    bar.update(power_task, completed=index + 1)
                import pandas  # here, not at the top: keeps `dormancy --help` fast

                power = pandas.concat(parts, ignore_index=True)
            bar.add_task("writing the report", total=None)
            dormancy.trials.write_report(result, out, overwrite=overwrite, power=power, posterior=predicted)
    except dormancy.InputError as error:
        raise _fail(error) from None
    _print_summary(result)
    if predicted is not None:
        _print_posterior(predicted)
    if power is not None:
        _out.print(power[power["subgroup"] == "all"].to_string(index=False), markup=False, highlight=False)
    _out.print(f"report: {out / 'report.html'}", markup=False, highlight=False)
