"""Print the Markdown tables of docs/sensitivity.md from the run folders of ``docs/sensitivity/run.sh``.

Usage::

    PYTHONPATH=src python tools/report_trial_sensitivity.py docs/sensitivity > /tmp/tables.md

Per trial: the sizes and the Monte-Carlo noise (``run.json``), the Sobol table (``sobol.csv``) with, for each record,
the kind of measurement that would replace the assumption, and the Morris screen (``morris.csv``): its top records
and the records the trial never read (all elementary effects exactly zero).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

#: The kind of measurement that would replace each assumption (record symbol -> experiment).
EXPERIMENTS: dict[str, str] = {
    "menopause_age_mean": "age at natural menopause in the trial's population (cohort registries)",
    "menopause_age_sd": "spread of the age at natural menopause (cohort registries)",
    "seeding_fold_t3": "DTC prevalence/count in marrow aspirates at diagnosis by T stage (pooled aspirate series)",
    "seeding_fold_per_grade": "DTC count in aspirates at diagnosis by tumour grade (pooled aspirate series)",
    "aspirate_sampled_fraction": "DTCs found in paired aspirates against whole-marrow counts (spiking, autopsy marrow)",
    "aspirate_screened_cells": "cells screened per aspirate in the trial's laboratory (protocol record)",
    "marrow_mononuclear_cells": "the aspirate's sampled fraction: cytokeratin+ cells spiked into marrow, paired "
    "repeat and bilateral aspirates",
    "aspirate_sites": "aspiration sites per aspirate in the trial protocol (protocol record)",
    "avascular_limit_cells": "size of avascular micrometastases before vascularisation (intravital or serial "
    "histology in bone)",
    "carrying_capacity_cells": "growth curves of untreated distant metastases (serial imaging, Gompertz fits)",
    "detection_cells": "size of bone/visceral metastases at first clinical detection (imaging series)",
    "obesity_angiogenic_gain": "angiogenic switch rate against BMI (micrometastasis vascularisation in obese mice)",
    "bone_site_capacity_cells": "tumour burden against osteolysis in bone lesions (mouse intratibial models)",
    "chemotherapy_log_kill": "log kill of micrometastatic cycling cells by adjuvant chemotherapy (DTC counts before "
    "and after chemotherapy)",
    "chemotherapy_years": "adjuvant chemotherapy course length in the trial population (protocol records)",
    "locoregional_per_year_n0": "locoregional recurrence rates by nodal status (trial control arms, EBCTCG)",
    "locoregional_per_year_n1_3": "locoregional recurrence rates by nodal status (trial control arms, EBCTCG)",
    "locoregional_per_year_n4_plus": "locoregional recurrence rates by nodal status (trial control arms, EBCTCG)",
    "locoregional_fold_er_negative": "locoregional recurrence by ER status (trial control arms)",
    "locoregional_ratio_years_5_10": "late locoregional recurrence rates (long follow-up of control arms)",
    "locoregional_ratio_after_10_years": "very late locoregional recurrence rates (long follow-up of control arms)",
    "endocrine_local_reduction": "local and contralateral recurrence on against off endocrine therapy (overview data)",
    "bone_after_visceral_delay_years": "time from a first visceral to a first bone metastasis (metastatic cohorts)",
    "staging_detection_cells": "smallest metastasis that staging CT and bone scan detect (imaging sensitivity)",
    "postmenopausal_oestrogen": "serum oestradiol after menopause against premenopausal (endocrine cohorts)",
    "menopausal_transition_years": "fall of oestradiol across the menopausal transition (SWAN-type cohorts)",
    "inflammaging_per_decade": "IL-1β / IL-6 in serum or marrow by age (population cohorts)",
    "inflammation_per_5_bmi": "IL-1β / IL-6 by BMI (population cohorts)",
    "angiogenic_per_5_bmi": "VEGF / LCN2 by BMI (population cohorts)",
    "zoledronic_niche_weight": "fall of osteoclast-derived signals at marrow DTCs under zoledronic acid (DTC "
    "dormancy and niche imaging in zoledronic-acid-treated mice)",
    "zoledronic_max_apoptosis_fold": "osteoclast apoptosis under zoledronic acid (TRAP+ osteoclast counts in treated "
    "bone; in vitro dose-response)",
    "median_years_er_positive_her2_negative": "survival after a first distant recurrence (metastatic registries)",
}


def _experiment(name: str) -> str:
    return EXPERIMENTS.get(name.split(".", 1)[-1], "")


def _direction(row) -> str:
    if abs(abs(row.mu) - row.mu_star) > 1e-12 * max(row.mu_star, 1e-300):
        return "±"
    return "+" if row.mu > 0 else "−"


def oat_markdown(folder: Path, stem: str = "oat") -> list[str]:
    """Return the lines of a one-at-a-time check (``STEM.csv`` of ``tools/check_trial_sensitivity_oat.py``)."""
    oat = pd.read_csv(folder / f"{stem}.csv")
    nominal = oat[oat["point"].str.startswith("nominal")]["log_hr"]
    sd = f"SD over seeds {nominal.std(ddof=1):.4f}" if len(nominal) > 1 else "one seed"
    what = "records of the niche-rate tables" if stem != "oat" else "the top Morris records"
    lines = [
        f"**One at a time ({what}), nominal log HR {nominal.mean():.4f} ({sd})** at a replicate ten times larger; "
        "each record at its prior bounds, the others at their values (seed as the first nominal run):",
        "",
        "| record | log HR at low | log HR at high | high − low | the measurement that would settle it |",
        "|---|---|---|---|---|",
    ]
    for record, part in oat[oat["record"].notna() & (oat["record"] != "")].groupby("record", sort=False):
        low = float(part[part["point"].str.endswith("-low")]["log_hr"].iloc[0])
        high = float(part[part["point"].str.endswith("-high")]["log_hr"].iloc[0])
        lines.append(f"| `{record}` | {low:.4f} | {high:.4f} | {high - low:+.4f} | {_experiment(record)} |")
    return lines


def summary_row(folder: Path) -> str:
    """Return one Markdown table row: the trial, its comparison, the output's spread and its top Morris records."""
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    morris = pd.read_csv(folder / "morris.csv")
    part = morris[(morris["output"] == "log_hr") & (morris["max_abs"] > 0)].sort_values("rank").head(3)
    top = ", ".join(f"`{r.parameter.split('.', 1)[-1]}` {r.mu_star:.3f} {_direction(r)}" for r in part.itertuples())
    mean, sd, mc = run["mean"]["log_hr"], run["output_sd"]["log_hr"], run["mc_sd"]["log_hr"]
    return (
        f"| {run['design']} | {run['endpoint']}, {run['arm']} | {run['target']} | {mean:.3f} | {sd:.3f} | {mc:.3f} | "
        f"{len(run['read'])} of {run['screened']} | {top} |"
    )


def trial_markdown(folder: Path) -> str:
    """Return the Markdown section of one trial folder."""
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    sobol = pd.read_csv(folder / "sobol.csv")
    morris = pd.read_csv(folder / "morris.csv")
    lines = [
        f"### {run['design']}: {run['endpoint']}, {run['arm']} against control",
        "",
        f"One replicate of {run['target']} enrolled per point, trial seed {run['seed']} at every point; "
        f"{run['screened']} records screened with {run['trajectories']} Morris trajectories ({run['morris_runs']} "
        f"runs), {len(run['sobol_parameters'])} in the Sobol design with N = {run['n_base']} "
        f"({run['sobol_runs']} runs), {run['noise_runs']} runs of the nominal point with other seeds.",
        "",
        "| output | mean over the prior | SD over the parameters | Monte-Carlo SD (other seeds) "
        "| MC / parameter variance |",
        "|---|---|---|---|---|",
    ]
    for output, mean in run["mean"].items():
        sd, mc = run["output_sd"][output], run["mc_sd"][output]
        ratio = (mc / sd) ** 2 if sd > 0 else float("nan")
        lines.append(f"| {output} | {mean:.3f} | {sd:.3f} | {mc:.3f} | {ratio:.2f} |")
    for output, part in sobol.groupby("output", sort=False):
        lines += [
            "",
            f"**Sobol indices of {output}** (95 % bootstrap half-widths; ranked by ST):",
            "",
            "| rank | record | value (prior) | S1 | ST | the measurement that would settle it |",
            "|---|---|---|---|---|---|",
        ]
        for row in part.sort_values("rank").itertuples():
            prior = f"{row.value:.3g} ({row.low:.3g}–{row.high:.3g}{', log' if row.scale == 'log10' else ''})"
            lines.append(
                f"| {row.rank} | `{row.parameter}` | {prior} | {row.S1:.2f} ± {row.S1_conf:.2f} | "
                f"{row.ST:.2f} ± {row.ST_conf:.2f} | {_experiment(row.parameter)} |"
            )
    for output, part in morris.groupby("output", sort=False):
        read = part[part["max_abs"] > 0].sort_values("rank").head(8)
        lines += [
            "",
            f"Morris screen of {output}, top records: μ* (change of the output over the whole prior range), and the "
            "direction when both trajectories agree (+: the output rises with the record; ±: they disagree): ",
        ]
        lines.append(
            ", ".join(f"`{r.parameter.split('.', 1)[-1]}` {r.mu_star:.3g} {_direction(r)}" for r in read.itertuples())
            + "."
        )
    for stem in ("oat", "oat_tables"):
        if (folder / f"{stem}.csv").is_file():
            lines += ["", *oat_markdown(folder, stem)]
    unread = sorted(set(morris["parameter"]) - set(run["read"]))
    lines += ["", f"Not read by this trial (every elementary effect exactly 0): {len(unread)} records"]
    lines.append(("(" + ", ".join(f"`{n.split('.', 1)[-1]}`" for n in unread) + ").") if unread else ".")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Print the sections of every trial folder under the given directory."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    args = parser.parse_args()
    names = ("clever", "azure", "dcare", "abcsg18", "ebctcg")
    print(
        "| trial | main comparison | enrolled per point | mean log HR (treated vs untreated) | SD over the parameters "
        "| MC SD (5 seeds) | records read | top Morris records (μ*, direction) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        if (args.directory / name / "run.json").is_file():
            print(summary_row(args.directory / name))
    print()
    for name in names:
        folder = args.directory / name
        if (folder / "run.json").is_file():
            print(trial_markdown(folder))


if __name__ == "__main__":
    main()
