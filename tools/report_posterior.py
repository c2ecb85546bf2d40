r"""Figures and tables of a posterior fit (``tools/fit_posterior.py``): identifiability, prior vs posterior, checks.

Reads ``--out`` (the fit's folder) and writes there:

- ``identifiability.png`` and ``identifiability.csv``: for every target and parameter, the emulator's inverse
  length scale (``1 / ℓ`` in unit-cube units; 0 means the target ignores the parameter) — which targets can
  constrain which parameter;
- ``prior_posterior.png`` and ``posterior_summary.csv``: every parameter's posterior (5 / 50 / 95 %) against its
  prior on the unit-cube scale, and the contraction ``1 - Var_post / Var_prior`` (``Var_prior = 1/12``);
- ``posterior_correlation.png`` and ``confounded.csv``: posterior correlations in the unit cube, pairs with
  ``|r| >= 0.5`` listed as confounded;
- ``predictive.csv``: per target, the published value, the 95 % prior predictive interval (wave 1's runs over the
  whole prior), the 95 % posterior predictive interval of the statistic
  and of a replicated observation (statistic plus the observation model's error), and whether the published value
  lies inside; then the evidence items that are not targets (Synnestvedt 2012's repeat aspirates: the statistic's
  interval must overlap the published 95 % Clopper–Pearson interval).

Usage::

    PYTHONPATH=src python tools/report_posterior.py --out docs/posterior-run-1 --wave 1
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from dormancy.patients.posterior_fit import observations, posterior_space
from dormancy.patients.targets import load_targets


def _short(name: str) -> str:
    return name.split(".", 1)[1] if "." in name else name


def identifiability(out: Path, wave: int) -> None:
    """Heat map of inverse length scales (target × parameter)."""
    scales = pd.read_csv(out / f"wave{wave}_length_scales.csv", index_col=0)
    inverse = 1.0 / scales
    inverse.to_csv(out / "identifiability.csv", float_format="%.4g")
    fig, ax = plt.subplots(figsize=(11, 12))
    image = ax.imshow(np.log10(np.clip(inverse.to_numpy(), 1e-2, 1e2)), cmap="viridis", aspect="auto", vmin=-2, vmax=2)
    ax.set_xticks(range(inverse.shape[1]), inverse.columns, rotation=90, fontsize=7)
    ax.set_yticks(range(inverse.shape[0]), inverse.index, fontsize=6)
    fig.colorbar(image, ax=ax, label="log10 inverse length scale (unit cube)")
    ax.set_title(f"Which targets constrain which parameter (wave {wave} emulators)")
    fig.tight_layout()
    fig.savefig(out / "identifiability.png", dpi=110)
    plt.close(fig)


def prior_posterior(out: Path) -> None:
    """Posterior against prior per parameter, contraction, correlations."""
    from dormancy.params.posterior import load_posterior

    posterior = load_posterior(out / "posterior.parquet")
    space = posterior_space(posterior.names)
    unit = space.to_unit(posterior.draws)
    quantiles = np.quantile(unit, [0.05, 0.5, 0.95], axis=0)
    contraction = 1.0 - unit.var(axis=0) * 12.0
    values = np.quantile(posterior.draws, [0.05, 0.5, 0.95], axis=0)
    box = (posterior.metadata.get("support") or {}).get("box_of_the_last_wave")
    columns = {
        "prior_low": space.low,
        "prior_high": space.high,
        "scale": ["log10" if log else "linear" for log in space.log],
        "q05": values[0],
        "median": values[1],
        "q95": values[2],
        "contraction": contraction,
    }
    if box is not None:
        # a local wave's posterior lives in its box: how much of the box each parameter's posterior fills (near 1:
        # the targets do not constrain it within the box, whose width then bounds its reported uncertainty)
        low, high = np.array(box["low"]), np.array(box["high"])
        columns["box_low"] = space.from_unit(low[None])[0]
        columns["box_high"] = space.from_unit(high[None])[0]
        columns["contraction_in_box"] = 1.0 - unit.var(axis=0) * 12.0 / (high - low) ** 2
    summary = pd.DataFrame(columns, index=[_short(n) for n in posterior.names])
    summary.to_csv(out / "posterior_summary.csv", float_format="%.4g")
    y = np.arange(len(space.names))
    fig, axes = plt.subplots(1, 1 if box is None else 2, figsize=(8 if box is None else 13, 7), squeeze=False)
    ax = axes[0, 0]
    ax.hlines(y, 0, 1, color="0.85", lw=6, label="prior")
    if box is not None:
        ax.hlines(y, low, high, color="C1", lw=6, alpha=0.5, label="local wave's box (support)")
    ax.hlines(y, quantiles[0], quantiles[2], color="C0", lw=3, label="posterior 90 %")
    ax.plot(quantiles[1], y, "k|", ms=12)
    ax.set_yticks(y, summary.index, fontsize=7)
    ax.set_xlabel("position in the prior (unit cube; log-uniform priors in log10)")
    ax.legend(loc="lower right")
    if box is not None:
        zoom = axes[0, 1]
        inside = (quantiles - low) / (high - low)
        zoom.hlines(y, 0, 1, color="C1", lw=6, alpha=0.5, label="box")
        zoom.hlines(y, inside[0], inside[2], color="C0", lw=3, label="posterior 90 %")
        zoom.plot(inside[1], y, "k|", ms=12)
        zoom.set_yticks(y, [])
        zoom.set_xlabel("position in the local wave's box")
        zoom.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "prior_posterior.png", dpi=110)
    plt.close(fig)
    correlation = np.corrcoef(unit.T)
    fig, ax = plt.subplots(figsize=(9, 8))
    image = ax.imshow(correlation, cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(y, summary.index, rotation=90, fontsize=6)
    ax.set_yticks(y, summary.index, fontsize=6)
    fig.colorbar(image, ax=ax, label="posterior correlation")
    fig.tight_layout()
    fig.savefig(out / "posterior_correlation.png", dpi=110)
    plt.close(fig)
    pairs = [
        (summary.index[i], summary.index[j], correlation[i, j])
        for i in range(len(y))
        for j in range(i + 1, len(y))
        if abs(correlation[i, j]) >= 0.5
    ]
    pd.DataFrame(pairs, columns=["parameter_a", "parameter_b", "correlation"]).to_csv(
        out / "confounded.csv", index=False, float_format="%.3f"
    )


def _row(target, draws: int, statistic: tuple, replicated: tuple, inside: bool, prior: tuple = (math.nan,) * 3) -> dict:
    """One row of ``predictive.csv``: the target, its 95 % predictive intervals and whether they hold it."""
    return {
        "target": target.statistic,
        "published": target.published,
        "accepted": target.tolerance.describe(target.published),
        "prior_2.5": prior[0],
        "prior_97.5": prior[1],
        "prior_undefined_share": prior[2],
        "draws": draws,
        "statistic_2.5": statistic[0],
        "statistic_97.5": statistic[1],
        "replicated_2.5": replicated[0],
        "replicated_97.5": replicated[1],
        "published_inside": inside,
    }


def _prior_predictive(out: Path) -> np.ndarray:
    """Per target: the 2.5 / 97.5 % of the wave-1 runs (a Latin hypercube over the prior) and their undefined share."""
    from dormancy.patients.posterior_fit import read_design

    runs = read_design(sorted(out.glob("design*.jsonl")))
    first = runs.statistics[runs.wave == 1] if len(runs.wave) else np.zeros((0, len(load_targets())))
    rows = []
    for column in first.T:
        finite = column[np.isfinite(column)]
        low, high = np.quantile(finite, [0.025, 0.975]) if len(finite) else (math.nan, math.nan)
        rows.append((low, high, 1.0 - len(finite) / max(len(column), 1)))
    return np.array(rows) if rows else np.full((len(load_targets()), 3), math.nan)


def predictive(out: Path, seed: int = 1, design_folder: Path | None = None) -> None:
    """95 % posterior predictive intervals of every target from the check runs, beside the prior predictive ones.

    The prior predictive interval is that of wave 1's design runs in ``design_folder`` (default ``out``): a Latin
    hypercube over the whole prior at the design's cohort size, with the share of runs whose statistic is undefined.
    """
    design_folder = out if design_folder is None else design_folder
    logs = sorted(out.glob("check*.jsonl"))
    if not logs:
        return
    rows = [json.loads(line) for log in logs for line in log.read_text().splitlines() if line.strip()]
    rows.sort(key=lambda r: r["draw"])
    stats = np.array([[math.nan if v is None else v for v in r["statistics"]] for r in rows], float)
    rng = np.random.default_rng(seed)
    prior = _prior_predictive(design_folder)
    table = []
    for t, (target, model) in enumerate(zip(load_targets(), observations(), strict=True)):
        column = stats[:, t][np.isfinite(stats[:, t])]
        if len(column) == 0:
            table.append({"target": target.statistic, "draws": 0})
            continue
        low, high = np.quantile(column, [0.025, 0.975])
        if model.kind == "normal":
            replicated = column + rng.normal(scale=model.sd, size=len(column))
            r_low, r_high = np.quantile(replicated, [0.025, 0.975])
            inside = bool(r_low <= model.value <= r_high)
        else:
            r_low, r_high = low - 1.96 * model.edge, high + 1.96 * model.edge
            inside = bool(r_high >= model.low and r_low <= model.high)
        table.append(_row(target, len(column), (low, high), (r_low, r_high), inside, tuple(prior[t])))
    from dormancy.patients.repeat_aspirate import repeat_aspirate_targets

    for target in repeat_aspirate_targets():  # evidence items beyond the targets: intervals must overlap
        column = np.array([r.get("evidence", {}).get(target.statistic) for r in rows], dtype=float)
        column = column[np.isfinite(column)]
        low, high = np.quantile(column, [0.025, 0.975]) if len(column) else (math.nan, math.nan)
        accepted_low, accepted_high = target.tolerance.low, target.tolerance.high
        inside = bool(len(column) and high >= accepted_low and low <= accepted_high)
        table.append(_row(target, len(column), (low, high), (low, high), inside))
    pd.DataFrame(table).to_csv(out / "predictive.csv", index=False, float_format="%.4g")


def main() -> None:
    """Write every figure and table whose inputs exist."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--wave", type=int, default=1)
    parser.add_argument("--check", default="", help="a folder with the check runs (default: --out)")
    options = parser.parse_args()
    out = Path(options.out)
    if (out / f"wave{options.wave}_length_scales.csv").exists():
        identifiability(out, options.wave)
    check = Path(options.check) if options.check else out
    if (check / "posterior.parquet").exists():
        prior_posterior(check)
    predictive(check, design_folder=out)


if __name__ == "__main__":
    main()
