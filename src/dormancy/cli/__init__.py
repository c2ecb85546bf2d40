"""Command line: ``dormancy demo | run | validate | params | cite | scenarios | sbml | switch | bone``.

Uses only the public API of the package. Bad input (a scenario file, a flag, a parameter out of range) prints one
line per problem to standard error and exits with code 2; nothing is written. Each command module registers its
commands on the shared :data:`app`; adding a scale's commands is a module here and one import below.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

import dormancy
from dormancy.cli import (  # noqa: F401  (registers the commands)
    calibration,
    commands,
    dashboard,
    lab,
    niche,
    patients,
    sensitivity,
    trials,
)
from dormancy.cli._app import _out, app
from dormancy.cli.examples import add_examples

add_examples(app)

__all__ = ["app", "main"]


def _print_version(value: bool) -> None:
    if value:
        _out.print(f"dormancy {dormancy.__version__}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", is_eager=True, callback=_print_version)
    ] = False,
) -> None:
    """Simulate breast-cancer metastatic dormancy in bone, from one cell's switch to virtual trials."""
    folder = os.environ.get("DORMANCY_CACHE_DIR")
    if folder:  # the niche-rate tables of every command that needs them are kept there (read at the top only)
        dormancy.patients.use_table_cache_folder(folder)


def main() -> None:
    """Entry point of the ``dormancy`` command."""
    try:
        app()
    except dormancy.MissingExtraError as error:  # an optional package reached by a path without an early check
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None
