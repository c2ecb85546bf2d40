"""One-at-a-time check of a sensitivity run's top records with a much larger replicate (less Monte-Carlo noise).

For the ``--records`` top records of ``morris.csv`` (paired ``log_hr``), the trial is run at each record's prior
bounds (the others at their registry values) and at the nominal point with ``--seeds`` trial seeds, each with
``--target`` enrolled; writes ``oat.csv`` into the folder (resumable: ``oat.jsonl``). Usage::

    PYTHONPATH=src python tools/check_trial_sensitivity_oat.py docs/sensitivity/azure --target 33600
    PYTHONPATH=src python tools/check_trial_sensitivity_oat.py docs/sensitivity/abcsg18 --target 34250
    PYTHONPATH=src python tools/check_trial_sensitivity_oat.py docs/sensitivity/azure --target 33600 --seeds 1 \
        --stem oat_tables --names bone_lifetime.zoledronic_niche_weight bone_lifetime.zoledronic_max_apoptosis_fold

The last reads records of the niche-rate tables: each value recomputes them (minutes per value).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from dormancy.params import load_registry
from dormancy.patients import use_table_cache_folder
from dormancy.trials import load_design
from dormancy.trials.sensitivity import evaluate_points, trial_outputs


def _run(values: dict[str, float], *, spec, endpoint: str, arm: str) -> dict[str, float]:
    values = dict(values)
    seed = int(values.pop("seed"))
    return trial_outputs(values, spec=spec, seed=seed, endpoint=endpoint, arm=arm)


def main() -> None:
    """Run the nominal point with several seeds and each top record at its prior bounds; write ``oat.csv``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--target", type=int, required=True)
    parser.add_argument("--records", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--names", nargs="*", default=None, help="records to check instead of the Morris top (any registry name)"
    )
    parser.add_argument("--stem", default="oat", help="file names: STEM.jsonl and STEM.csv")
    args = parser.parse_args()
    if os.environ.get("DORMANCY_CACHE_DIR"):  # the niche-rate tables, as the command line keeps them
        use_table_cache_folder(os.environ["DORMANCY_CACHE_DIR"])
    run = json.loads((args.folder / "run.json").read_text(encoding="utf-8"))
    morris = pd.read_csv(args.folder / "morris.csv")
    top = morris[(morris["output"] == "log_hr") & (morris["max_abs"] > 0)].sort_values("rank")["parameter"]
    names = list(args.names) if args.names else top.head(args.records).tolist()
    spec = load_design(run["design"]).with_target(args.target)
    registry = load_registry()
    points = [(f"nominal-{j}", {"seed": float(run["seed"] + j)}) for j in range(args.seeds)]
    for name in names:
        prior = registry.parameter(name).prior
        for side, value in (("low", prior.low), ("high", prior.high)):
            points.append((f"{name}-{side}", {"seed": float(run["seed"]), name: float(value)}))
    function = functools.partial(_run, spec=spec, endpoint=run["endpoint"], arm=run["arm"])
    header = {"kind": "oat", "design": run["design"], "target": args.target, "seed": run["seed"], "records": names}
    results = evaluate_points(
        function,
        points,
        store=args.folder / f"{args.stem}.jsonl",
        header=header,
        progress=lambda done, total: print(f"{done}/{total}", flush=True),
    )
    rows = []
    for (key, values), outputs in zip(points, results, strict=True):
        record = next((k for k in values if k != "seed"), "")
        rows.append({"point": key, "record": record, "value": values.get(record, np.nan), **outputs})
    pd.DataFrame(rows).to_csv(args.folder / f"{args.stem}.csv", index=False)
    print(pd.DataFrame(rows)[["point", "log_hr", "log_hr_trial"]].to_string(index=False))


if __name__ == "__main__":
    main()
