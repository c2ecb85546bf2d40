"""``dormancy lab list | run``: the virtual laboratory's protocols (co-culture, hypoxia, spheroid, chip, mice, ...)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

import dormancy
from dormancy.cli._app import (
    PosteriorFileOption,
    _check_destination,
    _err,
    _fail,
    _out,
    _placed_posterior,
    _require,
    app,
    posterior_option,
    scheduler_option,
    workers_option,
)

_Posterior = posterior_option(
    "Run the protocol once per posterior draw (N draws): readouts.csv of every draw and "
    "posterior_summary.csv (median, 95 % credible interval); docs/uncertainty.md."
)
_Scheduler = scheduler_option("With --posterior: Dask scheduler address (tcp://host:port) to run draws on.")
_Workers = workers_option("With --posterior: a local Dask cluster of this many worker processes.")

lab_app = typer.Typer(
    name="lab",
    help="Virtual laboratory: run an experimental protocol of the review's Table 1 and write its readouts.",
    no_args_is_help=True,
)
app.add_typer(lab_app, name="lab")


@lab_app.command("list")
def list_protocols(
    options: Annotated[bool, typer.Option("--options", help="Also list each protocol's options and defaults.")] = False,
) -> None:
    """List the protocols: name, experimental system, what it does (and its options with --options)."""
    table = Table(show_header=True, header_style="bold")
    for column in ("protocol", "system", "description", "citations"):
        table.add_column(column)
    for name in dormancy.lab.protocol_names():
        protocol = dormancy.lab.PROTOCOLS[name]
        table.add_row(name, protocol.system, protocol.title, ", ".join(protocol.citation))
    _out.print(table)
    if options:
        for name in dormancy.lab.protocol_names():
            spec = dormancy.lab.PROTOCOLS[name].spec
            _out.print(f"\n{name}", markup=False, highlight=False)
            for field, info in spec.model_fields.items():
                _out.print(
                    f"  {field.replace('_', '-')} = {info.default!r}: {info.description}", markup=False, highlight=False
                )


def _settings(pairs: list[str]) -> dict[str, str]:
    problems, values = [], {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            problems.append(dormancy.Problem("--set", "KEY=VALUE (an option of the protocol)", repr(pair)))
        else:
            values[key.strip().replace("-", "_")] = value.strip()
    if problems:
        raise _fail(dormancy.InputError(problems))
    return values


@lab_app.command("run")
def run(
    name: Annotated[str, typer.Argument(help="Protocol name (see `dormancy lab list`).")],
    days: Annotated[float | None, typer.Option(help="Duration option `days` of the protocol, days.")] = None,
    msc_ratio: Annotated[
        str | None, typer.Option(help="Stromal:tumour cell ratio 'A:B' (co-culture protocols), e.g. 1:1.")
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="Seed; the same seed and options give the same readouts.")] = 0,
    out: Annotated[Path | None, typer.Option(help="Result folder (must not exist); default lab_<protocol>.")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Any protocol option as KEY=VALUE (repeatable), e.g. --set stroma=osteoblast."),
    ] = None,
    anndata: Annotated[bool, typer.Option("--anndata", help="Also write cells.h5ad (with dormancy scores).")] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing result folder.")] = False,
    posterior: _Posterior = None,
    posterior_file: PosteriorFileOption = None,
    scheduler: _Scheduler = None,
    workers: _Workers = None,
) -> None:
    """Run a protocol and write readouts.csv, figure.png and manifest.json (and cells.h5ad with --anndata)."""
    destination = Path(f"lab_{name}") if out is None else out
    _check_destination(destination, overwrite, "--out")
    draws = _placed_posterior(scheduler, workers, posterior, posterior_file, seed, placement_needs_posterior=True)
    if draws is not None and anndata:
        raise _fail(dormancy.InputError([dormancy.Problem("--anndata", "not with --posterior", "--posterior")]))
    if anndata:
        _require("scanpy", "--anndata")
    options: dict[str, object] = _settings(list(set_ or []))
    if days is not None:
        options["days"] = days
    if msc_ratio is not None:
        options["msc_ratio"] = msc_ratio
    if draws is not None:
        _run_posterior(name, options, draws, destination, scheduler, workers, overwrite)
        return
    try:
        with _err.status(f"running {name}"):
            result = dormancy.lab.run_protocol(name, seed=seed, options=options)
    except dormancy.InputError as error:
        raise _fail(error) from None
    if anndata and result.cells is None:
        raise _fail(dormancy.InputError([dormancy.Problem("--anndata", "a protocol with cells", name)]))
    folder = dormancy.lab.save_lab_result(result, destination, overwrite=overwrite, anndata=anndata)
    _print_readouts(result.table)
    said = f" ({result.message})" if result.message else ""
    _out.print(f"{name}: status {result.status}{said}; wrote {folder}", markup=False, highlight=False)


def _run_posterior(name, options, draws, destination: Path, scheduler, workers, overwrite: bool) -> None:
    try:
        with dormancy.distributed.executor(scheduler, workers) as place, _err.status(f"running {name} per draw"):
            result = dormancy.lab.run_protocol_posterior(
                name, seed=draws.seed, options=options, posterior=draws, posterior_draws=draws.n, executor=place
            )
    except dormancy.InputError as error:
        raise _fail(error) from None
    folder = dormancy.lab.save_lab_posterior(result, destination, overwrite=overwrite)
    failed = int((result.draws["status"] != "ok").sum())
    _out.print(
        f"{name}: {draws.n} posterior draws ({failed} not ok); median and 95 % credible interval per readout in "
        f"{folder / 'posterior_summary.csv'}",
        markup=False,
        highlight=False,
    )


def _print_readouts(table) -> None:
    """Print each readout at the end of the experiment, one column per condition (the rest is in readouts.csv)."""
    needed = {"condition", "readout", "value", "unit", "time_days"}
    if table is None or table.empty or not needed <= set(table.columns):
        return
    last = table.sort_values("time_days").groupby(["readout", "condition"], sort=False).tail(1)
    conditions = list(dict.fromkeys(table["condition"]))
    shown = Table(title="Readouts at the end (all time points: readouts.csv)", header_style="bold")
    shown.add_column("readout")
    shown.add_column("unit")
    for condition in conditions:
        shown.add_column(str(condition), justify="right")
    for readout in dict.fromkeys(table["readout"]):
        rows = last[last["readout"] == readout].set_index("condition")
        values = [f"{rows.at[c, 'value']:.3g}" if c in rows.index else "—" for c in conditions]
        shown.add_row(str(readout), str(rows["unit"].iloc[0]), *values)
    _out.print(shown)
