"""The calibration report: run the target cohorts with the shipped parameters and set every target beside the model.

:func:`run_report` simulates the target cohorts (:func:`dormancy.patients.calibration.target_cohorts`), computes
every statistic (:func:`dormancy.patients.summaries.summarise`) and compares it with its target
(:func:`dormancy.patients.summaries.compare_to_targets`). :func:`write_report` writes the comparison as CSV,
Markdown and HTML (atomically); the figure is drawn by :func:`dormancy.plotting.plot_target_comparison` (the CLI
``dormancy calibration-report`` does both).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dormancy.atomic import write_text_atomic
from dormancy.patients.calibration import Simulator, simulate_targets
from dormancy.patients.summaries import compare_to_targets, summarise
from dormancy.patients.targets import NOT_ASSESSED, load_targets, raw_targets

__all__ = ["CalibrationReport", "report_markdown", "run_report", "write_report"]

REPORT_SEED = 20_260_612


@dataclass(frozen=True)
class CalibrationReport:
    """The target cohorts' tables, their statistics and the comparison with every target.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Per-patient tables by target cohort.
    statistics : mapping of str to float
        Model statistics by ``Target.statistic``.
    comparison : pandas.DataFrame
        :func:`dormancy.patients.summaries.compare_to_targets` of the statistics.
    n_patients, seed : int
        Cohort size and base seed used.
    """

    tables: Mapping[str, pd.DataFrame]
    statistics: Mapping[str, float]
    comparison: pd.DataFrame
    n_patients: int
    seed: int

    @property
    def all_within(self) -> bool:
        """Whether every assessed target is within its tolerance."""
        return bool(self.comparison["within"].all())


def run_report(
    *,
    n_patients: int = 20_000,
    seed: int = REPORT_SEED,
    parameters: Mapping[str, float] | None = None,
    simulator: Simulator | None = None,
) -> CalibrationReport:
    """Run the target cohorts (shipped parameters unless overridden) and compare with every target.

    Parameters
    ----------
    n_patients : int
        Size of the ``colleoni`` and ``braun`` cohorts (each Pan stratum has half).
    seed : int
        Base seed.
    parameters : mapping of str to float, optional
        Overrides by registry name.
    simulator : callable, optional
        Replaces the patient simulator.
    """
    tables = simulate_targets(parameters, seed=seed, n_patients=n_patients, simulator=simulator)
    statistics = summarise(tables)
    return CalibrationReport(tables, statistics, compare_to_targets(statistics), n_patients, seed)


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.3g}"
    return str(value)


def report_markdown(report: CalibrationReport) -> str:
    """Return the comparison as a Markdown document (table, targets not assessed, sources)."""
    comparison = report.comparison
    met = int(comparison["within"].sum())
    lines = [
        "# Calibration report: every target beside the model",
        "",
        f"Target cohorts of {report.n_patients} patients (each Pan 2017 stratum {max(report.n_patients // 2, 1)}), "
        f"seed {report.seed}, shipped parameters. **{met} of {len(comparison)} targets within tolerance.**",
        "",
        "| target | stratum | published | model | unit | accepted | within |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in comparison.itertuples():
        cells = (row.target, row.stratum, row.published, row.model, row.unit, row.tolerance, row.within)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    lines += ["", "## Not assessed", ""]
    lines += [f"- `{name}`: {reason}." for name, reason in NOT_ASSESSED.items()]
    lines += ["", "## How each target is read", ""]
    stated = {t.name: t.tolerance.text for t in load_targets()}
    for row in comparison.drop_duplicates("target").itertuples():
        text = raw_targets().get(row.target, {}).get("tolerance", stated.get(row.target, ""))
        lines.append(f"- `{row.target}` ({row.source}); tolerance as stated: {text}")
    for row in comparison.itertuples():
        if row.note:
            lines.append(f"  - {row.stratum}: {row.note}")
    return "\n".join(lines) + "\n"


def write_report(report: CalibrationReport, folder: str | os.PathLike[str]) -> list[Path]:
    """Write ``targets.csv``, ``targets.md`` and ``targets.html`` into ``folder`` (created; files replaced atomically).

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    comparison = report.comparison
    paths = [folder / "targets.csv", folder / "targets.md", folder / "targets.html"]
    write_text_atomic(paths[0], comparison.to_csv(index=False))
    write_text_atomic(paths[1], report_markdown(report))
    html = comparison.drop(columns=["note"]).to_html(index=False, float_format=lambda v: f"{v:.3g}", na_rep="")
    title = "Calibration report: every target beside the model"
    write_text_atomic(
        paths[2],
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><h1>{title}</h1>{html}</body></html>\n",
    )
    return paths
