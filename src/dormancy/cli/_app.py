"""The ``dormancy`` Typer application and what every command module shares: consoles, error exit, checks."""

from __future__ import annotations

import os
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import dormancy


class _DeferredNumpy:
    """NumPy for the command modules, imported at first use: ``dormancy --help`` then loads no NumPy (~0.1 s)."""

    def __getattr__(self, name: str) -> object:
        import numpy

        return getattr(numpy, name)


np = _DeferredNumpy()

app = typer.Typer(
    name="dormancy",
    help="Simulate breast-cancer metastatic dormancy in bone, from one cell's switch to virtual trials.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
_PIPED_WIDTH = 200  # when output goes to a file or pipe, do not fold tables at 80 columns


def _console(*, stderr: bool = False) -> Console:
    console = Console(stderr=stderr)
    return console if console.is_terminal else Console(stderr=stderr, width=_PIPED_WIDTH)


_out = _console()
_err = _console(stderr=True)
EXIT_BAD_INPUT = 2


class OutputFormat(StrEnum):
    """Formats of ``dormancy params``."""

    table = "table"
    csv = "csv"
    json = "json"


def _fail(error: dormancy.InputError) -> typer.Exit:
    for line in error.render().splitlines():
        typer.echo(f"error: {line}", err=True)
    return typer.Exit(EXIT_BAD_INPUT)


def _require(module: str, field: str) -> None:
    """Exit 2 with the extra to install when an optional package a flag needs is missing (before any work)."""
    try:
        dormancy.require_optional(module)
    except dormancy.MissingExtraError as error:
        raise _fail(
            dormancy.InputError([dormancy.Problem(field, "an installed optional package", str(error))])
        ) from None


def _load(path: Path) -> dormancy.Scenario:
    try:
        return dormancy.load_scenario(path)
    except dormancy.InputError as error:
        raise _fail(error) from None


def _make_parent(destination: Path, field: str) -> None:
    """Make the parent folder of an output (results/my-run makes results/; an empty folder if the run then fails)."""
    if not destination.parent.is_dir():
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            raise _fail(
                dormancy.InputError([dormancy.Problem(field, "a path in a folder that can be made", str(destination))])
            ) from None


def _check_destination(destination: Path, overwrite: bool, field: str, *, can_overwrite: bool = True) -> None:
    """Refuse a result-folder destination that exists (without --overwrite) or that is not ours to replace."""
    if os.path.lexists(destination) and not overwrite:
        expected = "a path that does not exist yet" + (" (or pass --overwrite)" if can_overwrite else "")
        raise _fail(dormancy.InputError([dormancy.Problem(field, expected, str(destination))]))
    reason = dormancy.replace_problem(destination)
    if reason is not None:
        expected = "a new path, an empty folder or a result folder written by dormancy"
        raise _fail(dormancy.InputError([dormancy.Problem(field, expected, f"{destination} is {reason}")]))
    _make_parent(destination, field)


# The options of a run over posterior draws and of where its tasks run, declared once for every command.
def posterior_option(help: str) -> Any:
    """Return the type of ``--posterior N`` (draws, at least 1) with a command's own help."""
    return Annotated[int | None, typer.Option(min=1, help=help)]


PosteriorFileOption = Annotated[
    Path | None, typer.Option(help="Posterior file for --posterior (default: the one shipped with the package).")
]


def scheduler_option(help: str = "Dask scheduler address (tcp://host:port): run on its workers.") -> Any:
    """Return the type of ``--scheduler ADDRESS``."""
    return Annotated[str | None, typer.Option(help=help)]


def workers_option(help: str = "Start a local Dask cluster with this many worker processes.") -> Any:
    """Return the type of ``--workers N`` (a local cluster, at least 1 process)."""
    return Annotated[int | None, typer.Option(min=1, help=help)]


SchedulerOption = scheduler_option()
WorkersOption = workers_option()


def _posterior(draws: int | None, file: Path | None, seed: int):
    """Resolve ``--posterior N`` / ``--posterior-file PATH`` before any work (None without ``--posterior``)."""
    if draws is None:
        if file is not None:
            raise _fail(dormancy.InputError([dormancy.Problem("--posterior-file", "with --posterior N", str(file))]))
        return None
    try:
        return dormancy.params.posterior_draws(
            file, draws, seed=seed, field="--posterior-file", count_field="--posterior"
        )
    except dormancy.InputError as error:
        raise _fail(error) from None


def _placed_posterior(
    scheduler: str | None,
    workers: int | None,
    draws: int | None,
    file: Path | None,
    seed: int,
    *,
    dashboard: bool = False,
    placement_needs_posterior: bool = False,
):
    """Judge the placement (:func:`_placement`), then resolve the posterior (:func:`_posterior`), before any work.

    With ``placement_needs_posterior`` (a command whose only tasks are draws), ``--scheduler`` or ``--workers``
    without ``--posterior`` is an error.
    """
    _placement(scheduler, workers, dashboard)
    resolved = _posterior(draws, file, seed)
    if placement_needs_posterior and resolved is None and (scheduler is not None or workers is not None):
        found = "--scheduler" if scheduler is not None else "--workers"
        raise _fail(dormancy.InputError([dormancy.Problem(found, "with --posterior N", "no --posterior")]))
    return resolved


def _placement(scheduler: str | None, workers: int | None, dashboard: bool = False) -> None:
    """Judge ``--scheduler`` / ``--workers`` (/ ``--dashboard``) before any work: one clear message."""
    if dashboard and workers is None:
        raise _fail(dormancy.InputError([dormancy.Problem("--dashboard", "--workers N (a local cluster)", "none")]))
    try:
        dormancy.distributed.check_placement(
            scheduler, workers, scheduler_field="--scheduler", workers_field="--workers"
        )
    except dormancy.InputError as error:
        raise _fail(error) from None


def _timestamped(prefix: str) -> Path:
    """Return a new folder name for a default ``--out``: ``PREFIX-YYYYMMDD-HHMMSS`` (``-2``... if taken)."""
    base = f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}"
    candidate, suffix = Path(base), 1
    while candidate.exists():
        suffix += 1
        candidate = Path(f"{base}-{suffix}")
    return candidate


FIGURE_SUFFIXES = (".png", ".pdf", ".svg")


def _check_file(
    destination: Path, overwrite: bool, field: str, suffixes: tuple[str, ...] = (), *, can_overwrite: bool = True
) -> None:
    """Refuse an output-file destination: an existing one without --overwrite, a folder; make a missing folder."""
    if suffixes and destination.suffix.lower() not in suffixes:
        found = repr(destination.suffix) if destination.suffix else "no suffix"
        raise _fail(dormancy.InputError([dormancy.Problem(field, f"a file name ending {', '.join(suffixes)}", found)]))
    if os.path.lexists(destination):
        if destination.is_dir() or not destination.name:
            raise _fail(dormancy.InputError([dormancy.Problem(field, "a file path", f"{destination} is a folder")]))
        if not overwrite:
            expected = "a path that does not exist yet" + (" (or pass --overwrite)" if can_overwrite else "")
            raise _fail(dormancy.InputError([dormancy.Problem(field, expected, str(destination))]))
    _make_parent(destination, field)


def _simulate_with_progress(scenario: dormancy.Scenario) -> dormancy.Result:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=_err, transient=True) as bar:
        task = bar.add_task(f"{scenario.name}", total=scenario.ensemble.replicates)
        return dormancy.simulate(scenario, progress=lambda done, total: bar.update(task, completed=done))


def _print_summary(result: dormancy.Result, *, shown: int = 6) -> None:
    _out.print(result.summary(), markup=False, highlight=False)
    rows = result.table.head(shown)
    table = Table(show_header=True, header_style="bold")
    table.add_column("replicate")
    for entity in rows.index:
        table.add_column(str(entity), justify="right")
    for column in (c for c in rows.columns if c != "message"):
        values = rows[column]
        table.add_row(column, *(f"{v:.6g}" if isinstance(v, float) else str(v) for v in values))
    _out.print(table)
    if len(result.table) > shown:
        _out.print(f"... {len(result.table) - shown} more replicates in the result folder's table.parquet")
