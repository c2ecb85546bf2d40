"""Command ``dormancy trial-sensitivity DESIGN``: which assumption-only records decide a trial replica's prediction."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import dormancy
from dormancy.cli._app import _err, _fail, _out, app


@app.command("trial-sensitivity")
def trial_sensitivity(
    design: Annotated[str, typer.Argument(help="A built-in trial design (dormancy trial list).")],
    out: Annotated[
        Path,
        typer.Option(help="Folder of the run; an existing one is resumed (completed trial runs are not repeated)."),
    ],
    seed: Annotated[int, typer.Option(min=0, help="Seed of the designs and the trial (same at every point).")] = 1,
    target: Annotated[
        int | None, typer.Option(min=2, help="Enrolment of the one large replicate per point (default: the design's).")
    ] = None,
    trajectories: Annotated[int, typer.Option(min=2, help="Morris trajectories (>= 2: sigma needs two).")] = 2,
    top: Annotated[int, typer.Option(min=1, help="Records kept for the Sobol indices.")] = 6,
    n_base: Annotated[int, typer.Option(min=2, help="Sobol base sample N (N (top + 2) trial runs).")] = 16,
    noise_seeds: Annotated[int, typer.Option(min=0, help="Extra trial seeds at the nominal point (MC noise).")] = 4,
) -> None:
    """Morris screen of the assumption-only records, then Sobol indices of the main log hazard ratio (SALib)."""
    try:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=_err, transient=True) as bar:
            tasks: dict[str, int] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(f"{stage} (trial runs)", total=total)
                bar.update(tasks[stage], completed=done, total=total)

            tables = dormancy.trials.run_sensitivity(
                design,
                folder=out,
                seed=seed,
                target=target,
                trajectories=trajectories,
                top=top,
                n_base=n_base,
                noise_seeds=noise_seeds,
                progress=progress,
            )
    except dormancy.InputError as error:
        raise _fail(error) from None
    sobol = tables["sobol"]
    attrs = sobol.attrs
    plotting = dormancy.plotting
    title = f"{design}: {attrs['endpoint']}, {attrs['arm']} (treated against untreated)"
    plotting.save_figure(plotting.plot_sobol_indices(sobol, title=title), out / "sobol.png")
    for output, part in sobol.groupby("output", sort=False):
        table = Table(
            title=f"{output}: mean {attrs['mean'][output]:.3g}, "
            f"SD over the parameters {attrs['output_sd'][output]:.3g}, "
            f"Monte-Carlo SD {attrs['mc_sd'][output]:.3g}"
        )
        for column in ("rank", "parameter", "S1 (95 %)", "ST (95 %)"):
            table.add_column(column, justify="left" if column == "parameter" else "right")
        for row in part.itertuples():
            table.add_row(
                str(row.rank),
                row.parameter,
                f"{row.S1:.2f} ± {row.S1_conf:.2f}",
                f"{row.ST:.2f} ± {row.ST_conf:.2f}",
            )
        _out.print(table)
    _out.print(f"tables: {out / 'sobol.csv'}, {out / 'morris.csv'}; figure: {out / 'sobol.png'}", markup=False)
