"""Why raising the switch's autophagy-loss death cannot carry Vera-Ramirez 2018 (issue 17, item 5).

Usage: ``PYTHONPATH=src python tools/scan_autophagy_loss_death.py [--out docs/drug-potency]``. Writes
``autophagy_loss_scan.csv``: for each value of ``autophagy_survival_apoptosis_rate`` (d_aut; shipped 0.02/day), with
no flux-block death (d_blk = 0):

* the mouse experiments (:func:`dormancy.lab.dormant_drugs.model_relative_to_vehicle` with the shipped potencies):
  HCQ 28 days (Vera-Ramirez 2018, target 0.05-0.5), chronic mTOR inhibition 90 days (Chodosh RTC, 0.05-0.5) and the
  combination 90 days (<= 0.5);
* the ``dormant_death_scale`` that keeps the patient's reference cell (ER-, endosteal, untreated) at its death rate,
  and, with it, each niche's untreated dormant death over the shipped one (ER-; min-max over the host grid).

A dormant cell's resting autophagy sits near the survival threshold in some niches (its loss of survival support
L(AUT) at rest is 0.03 endosteal, 0.16 other organs, 0.78 sprouting vessels), so d_aut moves untreated death by
niche and no single rescale keeps it; and mTOR inhibition raises autophagy, so a larger d_aut makes everolimus
*protect* dormant cells.
"""

from __future__ import annotations

import argparse
import functools
from pathlib import Path

import numpy as np
import pandas as pd

import dormancy.lab.dormant_drugs as drugs_module
from dormancy.coupling.tables import tabulate
from dormancy.coupling.vocabulary import NICHE_NAMES
from dormancy.params import load_registry
from dormancy.patients.parameters import resolve_parameters
from dormancy.signalling import SwitchModel

ROOT = Path(__file__).resolve().parents[1]
VALUES = (0.02, 0.05, 0.08, 0.1, 0.2)


def _sets(d_aut: float) -> dict:
    registry = load_registry()
    sets = dict(resolve_parameters())
    for er in ("negative", "positive"):
        sets[f"switch_er_{er}"] = registry.sets[f"switch_er_{er}"].with_values(
            {"autophagy_survival_apoptosis_rate": d_aut}
        )
    return sets


def scan() -> pd.DataFrame:
    """Return one row per d_aut (module docstring)."""
    base_sets = dict(resolve_parameters())
    base = tabulate(base_sets)
    base_death = base.field("death_rate")[0, 0]  # ER-, endocrine off: (niche, D, I)
    scale = base_sets["patients_natural_history"].values()["dormant_death_scale"]
    original = drugs_module.load_switch
    rows = []
    try:
        for d_aut in VALUES:
            sets = _sets(d_aut)
            model = SwitchModel.from_parameter_set(sets["switch_er_negative"])
            drugs_module.load_switch = functools.partial(lambda m, er_status="negative": m, model)
            drugs_module._death_grid.cache_clear()
            block = {"autophagy_block_apoptosis_rate": 0.0}
            row = {
                "autophagy_survival_apoptosis_rate": d_aut,
                "hcq_28d": drugs_module.model_relative_to_vehicle("hcq", 28.0, potency=block),
                "mtor_90d": drugs_module.model_relative_to_vehicle("mtor", 90.0, potency=block),
                "hcq+mtor_90d": drugs_module.model_relative_to_vehicle("hcq+mtor", 90.0, potency=block),
            }
            tables = tabulate(sets)
            rescaled = scale * base.reference["death_rate"] / tables.reference["death_rate"]
            row["dormant_death_scale_keeping_reference"] = rescaled
            ratio = (rescaled * tables.field("death_rate")[0, 0]) / (scale * base_death)
            for k, niche in enumerate(NICHE_NAMES):
                row[f"{niche}_untreated_death_ratio_min"] = float(np.min(ratio[k]))
                row[f"{niche}_untreated_death_ratio_max"] = float(np.max(ratio[k]))
            rows.append(row)
    finally:
        drugs_module.load_switch = original
        drugs_module._death_grid.cache_clear()
    return pd.DataFrame(rows)


def main() -> None:
    """Scan and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "drug-potency")
    args = parser.parse_args()
    table = scan()
    table.to_csv(args.out / "autophagy_loss_scan.csv", index=False, float_format="%.4g")
    print(table.T.to_string())


if __name__ == "__main__":
    main()
