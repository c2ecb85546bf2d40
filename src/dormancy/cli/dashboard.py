"""Command ``dormancy app``: serve the interactive what-if app (Panel) on the loopback address by default."""

from __future__ import annotations

from typing import Annotated

import typer

import dormancy
from dormancy.cli._app import _out, _require, app


@app.command("app")
def serve_app(
    host: Annotated[
        str, typer.Option(help="Address to bind; 127.0.0.1 keeps it on this machine (0.0.0.0: every interface).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 5006,
    show: Annotated[bool, typer.Option(help="Open it in a web browser.")] = False,
) -> None:
    """Serve the interactive app: the switch under sliders, bone over years with drugs, a cohort's survival."""
    _require("panel", "app")
    _out.print(f"dormancy app on http://{host}:{port}/ (Ctrl-C stops it)", markup=False, highlight=False)
    dormancy.dashboard.serve(host=host, port=port, show=show)
