r"""The repeat-aspirate replica: Synnestvedt 2012's two untreated aspirates six months apart, in silico.

Synnestvedt 2012 (BMC Cancer 12:616) aspirated 1,085 recurrence-free patients twice, 8–12 weeks after six cycles of
anthracycline chemotherapy (BM1) and six months later (BM2), before any secondary treatment: 8.7 % then 7.6 %
positive, 86.5 % concordance, and among positive aspirates 28.8 % (BM1) and 47.0 % (BM2) with at least 2 cells,
12.8 % and 25.3 % with at least 3. These figures test the aspirate as a measurement
(:mod:`dormancy.patients.aspirate`): a homogeneous Poisson reading repeats a positive aspirate far too often and
finds several cells far too rarely.

**Replica.** A cohort of the default population under chemotherapy for all and 5 years of endocrine therapy for ER+
(:func:`replica_cohort`) is simulated with visits at 0.6 and 1.1 years after diagnosis (the marrow's DTC count
there, :func:`simulate_replica`); patients are kept when they meet Synnestvedt's entry criteria (node-positive, or
T1/T2 grade 2–3 node-negative) and have had no recurrence of any kind before BM2. Each visit's aspirate is read with
the Norwegian protocol's sensitivity (``protocol="oslo"``, visits 1 and 2 of the aspirate stream).

**Targets** (:func:`repeat_aspirate_targets`, from ``patients/data/aspirate_evidence.yaml``, an evidence file of the
package, not of the shared calibration targets): each reported or derived count with its 95 % Clopper–Pearson
interval as the tolerance: positivity at BM1 and BM2, concordance, positivity again at BM2 among BM1-positive
patients, and the shares of positive aspirates with at least 2 and 3 cells pooled over both visits (the model
reads both alike). The per-visit shares are reported beside them (``per_visit=True``), not targets.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from dormancy.patients.aspirate import read_aspirate_values
from dormancy.patients.specs import CareSpec, CohortSpec
from dormancy.patients.targets import Target, Tolerance

__all__ = [
    "BLOCK",
    "REPLICA_VISITS_YEARS",
    "read_replica",
    "repeat_aspirate_targets",
    "replica_cohort",
    "replica_markdown",
    "replica_report",
    "replica_statistics",
    "simulate_replica",
]

BLOCK = "synnestvedt2012_repeat_aspirates"
#: Visit times of BM1 and BM2, years after diagnosis (evidence file; an assumption on the trial's schedule).
REPLICA_VISITS_YEARS = (0.6, 1.1)
#: Aspirate visit numbers of BM1 and BM2 on the aspirate stream.
REPLICA_ASPIRATE_VISITS = (1, 2)


@functools.cache
def raw_evidence() -> dict[str, dict]:
    """Return the package's aspirate evidence file as a mapping (cached; do not mutate)."""
    text = resources.files("dormancy.patients").joinpath("data").joinpath("aspirate_evidence.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def _clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    from scipy import stats

    alpha = 1.0 - level
    low = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k == n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return low, high


def repeat_aspirate_targets(*, per_visit: bool = False) -> tuple[Target, ...]:
    """Return Synnestvedt 2012's repeat-aspirate figures as targets (percent; 95 % Clopper–Pearson tolerance).

    Parameters
    ----------
    per_visit : bool
        Also return the shares of positive aspirates with >= 2 and >= 3 cells at BM1 and at BM2 separately. They
        are reported beside the targets, not targets: the model reads both visits alike, while Synnestvedt's shares
        rose from BM1 to BM2 (28.8 % to 47.0 % with >= 2 cells; their 95 % intervals overlap only in 35.9–39.0 %),
        so the pooled shares are the targets.

    Statistic keys are ``synnestvedt.<name>`` of :func:`replica_statistics`.
    """
    raw = raw_evidence()[BLOCK]
    n = int(raw["patients_with_both"])
    p1, p2, both = int(raw["positive_bm1"]), int(raw["positive_bm2"]), int(raw["both_positive"])
    concordant = n - (p1 - both) - (p2 - both)
    ge2 = int(raw["at_least_2_cells_bm1"]) + int(raw["at_least_2_cells_bm2"])
    ge3 = int(raw["at_least_3_cells_bm1"]) + int(raw["at_least_3_cells_bm2"])
    rows = [
        ("BM1 positive", "positive_bm1", p1, n, "Positive aspirates at BM1 among patients with both results."),
        ("BM2 positive", "positive_bm2", p2, n, "Positive aspirates at BM2 among patients with both results."),
        ("concordance", "concordance", concordant, n, "Both positive or both negative (86.5 %; count derived)."),
        ("BM2+ given BM1+", "repeat_positive", both, p1, "Positive again at BM2 among BM1-positive (derived count)."),
        (">= 2 cells, both visits", "at_least_2_cells", ge2, p1 + p2, "Positive aspirates with >= 2 DTCs, pooled."),
        (">= 3 cells, both visits", "at_least_3_cells", ge3, p1 + p2, "Positive aspirates with >= 3 DTCs, pooled."),
        (">= 2 cells, BM1", "at_least_2_cells_bm1", int(raw["at_least_2_cells_bm1"]), p1, "28.8 % of 94."),
        (">= 3 cells, BM1", "at_least_3_cells_bm1", int(raw["at_least_3_cells_bm1"]), p1, "12.8 % of 94."),
        (">= 2 cells, BM2", "at_least_2_cells_bm2", int(raw["at_least_2_cells_bm2"]), p2, "47.0 % of 83."),
        (">= 3 cells, BM2", "at_least_3_cells_bm2", int(raw["at_least_3_cells_bm2"]), p2, "25.3 % of 83."),
    ]
    targets = []
    for stratum, key, k, total, note in rows if per_visit else rows[:6]:
        low, high = _clopper_pearson(k, total)
        targets.append(
            Target(
                name=BLOCK,
                stratum=stratum,
                statistic=f"synnestvedt.{key}",
                published=100.0 * k / total,
                unit="percent",
                tolerance=Tolerance("range", low=100.0 * low, high=100.0 * high, text=str(raw["tolerance"])),
                source=str(raw["source"]),
                note=f"{note} {k} of {total}; accepted: its 95 % Clopper-Pearson interval.",
            )
        )
    return tuple(targets)


def replica_cohort(n_patients: int) -> CohortSpec:
    """Return the replica's cohort: default population, chemotherapy for all, 5 years of endocrine therapy (ER+)."""
    return CohortSpec(n_patients, followup_years=2.0, care=CareSpec(chemotherapy="all", endocrine_years=5.0))


def simulate_replica(
    *, n_patients: int = 20000, seed: int, parameters: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Simulate the replica's cohort and return its eligible patients with the marrow DTCs at BM1 and BM2.

    Parameters
    ----------
    n_patients : int
        Patients simulated (about 85 % meet the entry criteria and are recurrence-free at BM2).
    seed : int
        Seed of the cohort (and of the readings, :func:`read_replica`).
    parameters : mapping of str to float, optional
        Registry overrides.

    Returns
    -------
    pandas.DataFrame
        Columns ``patient``, ``marrow_bm1``, ``marrow_bm2`` (one row per eligible patient).
    """
    from dormancy.patients.cohort import simulate_cohort

    times = np.tile(np.array(REPLICA_VISITS_YEARS), (n_patients, 1))
    result = simulate_cohort(replica_cohort(n_patients), seed=seed, parameters=parameters, visits_years=times)
    table, visits = result.table, result.visits
    assert visits is not None
    entry = (table["n_stage"] != "N0") | (table["t_stage"].isin(["T1", "T2"]) & (table["grade"] >= 2))
    free = ~(table["any_recurrence_years"] < REPLICA_VISITS_YEARS[1]) & (table["status"] == "ok")
    marrow = {}
    for v, name in enumerate(("marrow_bm1", "marrow_bm2")):
        part = visits[visits["visit"] == v].set_index("patient").reindex(table["patient"])
        marrow[name] = part["marrow_dtcs"].to_numpy(dtype=np.float64, na_value=np.nan)
    out = pd.DataFrame({"patient": table["patient"].to_numpy(), **marrow})
    return out[(entry & free).to_numpy()].reset_index(drop=True)


def read_replica(marrow: pd.DataFrame, *, seed: int, values: Mapping[str, float]) -> pd.DataFrame:
    """Add the cells found at BM1 and BM2 (Norwegian protocol) to :func:`simulate_replica`'s table.

    ``values`` are the patient set's values by symbol (e.g. :func:`dormancy.patients.aspirate.aspirate_values`).
    """
    out = marrow.copy()
    ids = out["patient"].to_numpy(np.uint64)
    for name, visit in zip(("bm1", "bm2"), REPLICA_ASPIRATE_VISITS, strict=True):
        out[f"cells_{name}"] = read_aspirate_values(
            out[f"marrow_{name}"].to_numpy(np.float64), ids=ids, seed=seed, visit=visit, values=values, protocol="oslo"
        )
    return out


def replica_statistics(read: pd.DataFrame) -> dict[str, float]:
    """Return the replica's figures in percent (keys ``synnestvedt.<name>``, as :func:`repeat_aspirate_targets`)."""
    k1, k2 = read["cells_bm1"].to_numpy(), read["cells_bm2"].to_numpy()
    pos1, pos2 = k1 > 0, k2 > 0
    pooled = np.concatenate([k1[pos1], k2[pos2]])

    def share(x: np.ndarray, cut: int) -> float:
        return 100.0 * float(np.mean(x >= cut)) if x.size else float("nan")

    return {
        "synnestvedt.positive_bm1": 100.0 * float(pos1.mean()),
        "synnestvedt.positive_bm2": 100.0 * float(pos2.mean()),
        "synnestvedt.concordance": 100.0 * float(np.mean(pos1 == pos2)),
        "synnestvedt.repeat_positive": 100.0 * float(pos2[pos1].mean()) if pos1.any() else float("nan"),
        "synnestvedt.at_least_2_cells": share(pooled, 2),
        "synnestvedt.at_least_3_cells": share(pooled, 3),
        "synnestvedt.at_least_2_cells_bm1": share(k1[pos1], 2),
        "synnestvedt.at_least_3_cells_bm1": share(k1[pos1], 3),
        "synnestvedt.at_least_2_cells_bm2": share(k2[pos2], 2),
        "synnestvedt.at_least_3_cells_bm2": share(k2[pos2], 3),
    }


def replica_report(stats: Mapping[str, float]) -> pd.DataFrame:
    """Return one row per repeat-aspirate figure: published, model, accepted interval, within, whether a target."""
    rows = []
    primary = {t.statistic for t in repeat_aspirate_targets()}
    for target in repeat_aspirate_targets(per_visit=True):
        model = float(stats.get(target.statistic, float("nan")))
        low, high = target.tolerance.bounds(target.published)
        rows.append(
            {
                "target": target.stratum,
                "published": target.published,
                "model": model,
                "accepted": f"{low:.3g}-{high:.3g}",
                "within": target.within(model),
                "deviation": target.deviation(model),
                "target_figure": target.statistic in primary,
                "note": target.note,
            }
        )
    return pd.DataFrame(rows)


def replica_markdown(report: pd.DataFrame, *, n_patients: int, eligible: int, seed: int) -> str:
    """Return the replica's comparison as a Markdown table with a one-line header."""
    targets = report[report["target_figure"]]
    met = int(targets["within"].sum())
    lines = [
        f"Repeat-aspirate replica (Synnestvedt 2012): {n_patients} patients simulated, {eligible} eligible and "
        f"recurrence-free at BM2, seed {seed}. **{met} of {len(targets)} targets within tolerance** (the per-visit "
        "cell-count shares are reported, not targets).",
        "",
        "| figure | published (%) | model (%) | accepted (95 % CI) | within | target |",
        "|---|---|---|---|---|---|",
    ]
    for row in report.itertuples():
        lines.append(
            f"| {row.target} | {row.published:.1f} | {row.model:.1f} | {row.accepted} | "
            f"{'yes' if row.within else 'no'} | {'yes' if row.target_figure else 'reported'} |"
        )
    return "\n".join(lines) + "\n"
