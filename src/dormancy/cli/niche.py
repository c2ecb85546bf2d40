"""``dormancy niche``: run the bone-marrow niche agent-based model from a niche scenario file."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import dormancy
from dormancy.cli._app import _check_destination, _check_file, _err, _fail, _out, _require, app


def _checks(scenario: Path | None, days: float | None, movie: Path | None, field: str) -> None:
    problems = []
    if days is not None and not 0 < days <= 3650:
        problems.append(dormancy.Problem("--days", "a number of days in (0, 3650]", repr(days)))
    if movie is not None and movie.suffix.lower() not in (".mp4", ".gif"):
        problems.append(dormancy.Problem("--movie", "a path ending in .mp4 or .gif", str(movie)))
    if problems:
        raise _fail(dormancy.InputError(problems))


@app.command()
def niche(
    scenario: Annotated[
        Path | None, typer.Option(help="Niche scenario YAML (format dormancy.niche-scenario); the built-in default.")
    ] = None,
    days: Annotated[float | None, typer.Option(help="Length of the run, days (default: the scenario's).")] = None,
    out: Annotated[Path, typer.Option(help="Result folder (must not exist).")] = Path("niche_result"),
    movie: Annotated[Path | None, typer.Option(help="Also write a movie (.mp4 or .gif) of the section.")] = None,
    movie_field: Annotated[str, typer.Option(help="Field shown in the movie.")] = "O2",
    checkpoint_every: Annotated[
        int | None, typer.Option(min=1, help="Write <out>.checkpoint.npz every this many steps.")
    ] = None,
    resume: Annotated[Path | None, typer.Option(help="Continue from a checkpoint of the same scenario.")] = None,
    show_default: Annotated[bool, typer.Option(help="Print the default niche scenario and exit.")] = False,
) -> None:
    """Run DTCs homing into a marrow section: switch per cell, fields, immune and stromal cells; write the result."""
    if show_default:
        _out.print(dormancy.niche.default_niche_scenario_path().read_text(encoding="utf-8"), markup=False)
        return
    _checks(scenario, days, movie, movie_field)
    if movie is not None and movie.suffix.lower() == ".mp4":
        _require("imageio_ffmpeg", "--movie")
    _check_destination(out, False, "--out", can_overwrite=False)
    if movie is not None:
        _check_file(movie, False, "--movie", can_overwrite=False)
    try:
        spec = (
            dormancy.niche.load_niche_scenario(scenario)
            if scenario is not None
            else dormancy.niche.default_niche_scenario()
        )
        steps = (spec.days if days is None else days) * 24.0 / spec.dt_hours
        if steps > dormancy.niche.scenario.MAX_STEPS:
            expected = f"at most {dormancy.niche.scenario.MAX_STEPS:,} steps of the scenario's dt_hours"
            raise dormancy.InputError([dormancy.Problem("--days", expected, f"{steps:,.0f} steps")])
        if movie is not None and movie_field not in spec.fields:
            raise dormancy.InputError(
                [
                    dormancy.Problem(
                        "--movie-field", f"one of the scenario's fields {', '.join(spec.fields)}", movie_field
                    )
                ]
            )
        with _err.status("building the niche"):
            model = dormancy.niche.build_niche_model(spec)
    except dormancy.InputError as error:
        source = error.source or (str(scenario) if scenario is not None else None)
        raise _fail(dormancy.InputError(list(error.problems), source)) from None
    checkpoint = out.with_name(out.name + ".checkpoint.npz") if checkpoint_every else None
    total = max(1, round((spec.days if days is None else days) * 24.0 / spec.dt_hours))
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    # Movie frames and snapshots are written next to the result folder under a name that the next save to the
    # same folder recognises and removes when this process has been killed (dormancy.remove_stale).
    dormancy.remove_stale(out)
    frames_dir = out.parent / f".{out.name}.tmp-{os.getpid()}-{uuid.uuid4().hex}"
    frames_dir.mkdir()
    try:
        frames: list[Path] = []
        snapshots = Path(frames_dir) / "snapshots.zarr" if spec.outputs.snapshots else None

        def frame(state: dormancy.niche.NicheState) -> None:
            path = Path(frames_dir) / f"frame_{len(frames):05d}.png"
            dormancy.niche.render_snapshot(
                model.geometry,
                state.fields,
                movie_field,
                dormancy.niche.agents_frame(model, state),
                path=path,
                title=f"{spec.name}: day {state.step * spec.dt_hours / 24.0:.1f}",
                field_names=model.field_names,
            )
            frames.append(path)

        try:
            with Progress(*columns, console=_err, transient=True) as bar:
                task = bar.add_task(f"niche {spec.name}", total=total)
                run = dormancy.niche.run_niche(
                    model,
                    days=days,
                    progress=lambda done, _total: bar.update(task, completed=done),
                    observer=frame if movie is not None else None,
                    checkpoint_every=checkpoint_every,
                    checkpoint_path=checkpoint,
                    resume=resume,
                    snapshots=snapshots,
                )
        except dormancy.InputError as error:
            raise _fail(error) from None
        dormancy.niche.save_niche_run(run, out, snapshots=snapshots)
        if movie is not None:
            dormancy.niche.write_movie(frames, movie)
            summary = movie.with_name(movie.stem + "-summary.png")  # the movie's companion: counts over time
            figure = dormancy.plotting.plot_niche_summary(run.timeseries, title=f"niche {spec.name}")
            dormancy.plotting.save_figure(figure, summary)
            _out.print(f"summary figure: {summary}", markup=False, highlight=False)
    finally:
        shutil.rmtree(frames_dir, ignore_errors=True)
    if run.status != "ok":
        _err.print(f"warning: the run stopped early ({run.status}: {run.message})", markup=False, highlight=False)
    final = run.timeseries.isel(time_days=-1)
    table = Table(show_header=True, header_style="bold", title=f"DTCs at day {float(final.time_days):g}")
    table.add_column("niche")
    for state_name in final["state"].values:
        table.add_column(str(state_name), justify="right")
    for niche_name in final["niche"].values:
        row = final["dtc"].sel(niche=niche_name)
        table.add_row(str(niche_name), *(f"{int(v)}" for v in row.values))
    _out.print(table)
    events = ", ".join(f"{e} {int(v)}" for e, v in zip(final["event"].values, final["events"].values, strict=True))
    _out.print(f"events: {events}", markup=False, highlight=False)
    _out.print(f"wrote {out}" + (f" and {movie}" if movie is not None else ""), markup=False, highlight=False)
