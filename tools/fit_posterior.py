r"""Fit the patient model's posterior (issue 18): design waves, emulators, MCMC, posterior predictive checks.

Every stage reads and appends to files in ``--out`` and skips what is already there, so an interrupted run resumes.

Usage::

    PYTHONPATH=src python tools/fit_posterior.py design --out docs/posterior-run-1 --wave 1 --points 240
    PYTHONPATH=src python tools/fit_posterior.py emulate --out docs/posterior-run-1 --wave 1
    ...
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from dormancy.patients.posterior_fit import posterior_space, run_design

DESIGN_LOG = "design.jsonl"


def _progress(done: int, total: int) -> None:
    print(f"{time.strftime('%H:%M:%S')} {done}/{total}", flush=True)


def design(options: argparse.Namespace) -> None:
    """Run the design points of one wave (wave 1: a Latin hypercube over the whole prior)."""
    space = posterior_space()
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    points_file = out / f"wave{options.wave}_points.npy"
    if points_file.exists():
        points = np.load(points_file)
    elif options.wave == 1:
        points = space.latin_hypercube(options.points, seed=options.seed + options.wave)
        np.save(points_file, points)
    else:
        sys.exit(f"{points_file} is missing: the next wave's points come from the emulate stage")
    run_design(
        space,
        points,
        wave=options.wave,
        log=out / DESIGN_LOG,
        n_patients=options.patients,
        seed=options.seed,
        progress=_progress,
        budget_seconds=options.budget,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="stage", required=True)
    p = sub.add_parser("design")
    p.add_argument("--out", required=True)
    p.add_argument("--wave", type=int, required=True)
    p.add_argument("--points", type=int, default=200)
    p.add_argument("--patients", type=int, default=1000)
    p.add_argument("--seed", type=int, default=777)
    p.add_argument("--budget", type=float, default=10.0, help="CPU seconds per design point (see target_statistics)")
    options = parser.parse_args()
    {"design": design}[options.stage](options)
    json.dumps({})


if __name__ == "__main__":
    main()
