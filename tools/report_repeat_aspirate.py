"""Run the repeat-aspirate replica (Synnestvedt 2012) with the shipped parameters and print its Markdown table.

Usage::

    PYTHONPATH=src python tools/report_repeat_aspirate.py --patients 20000 --seed 2012 > repeat_aspirates.md
"""

from __future__ import annotations

import argparse

from dormancy.patients.aspirate import aspirate_values
from dormancy.patients.repeat_aspirate import (
    read_replica,
    replica_markdown,
    replica_report,
    replica_statistics,
    simulate_replica,
)


def main() -> None:
    """Simulate, read both aspirates with the Norwegian protocol, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=2012)
    parser.add_argument(
        "--homogeneous",
        action="store_true",
        help="also print the figures of the former homogeneous Poisson reading (f = 2e-6, no clustering)",
    )
    options = parser.parse_args()
    marrow = simulate_replica(n_patients=options.patients, seed=options.seed)
    stats = replica_statistics(read_replica(marrow, seed=options.seed, values=aspirate_values()))
    report = replica_report(stats)
    print(replica_markdown(report, n_patients=options.patients, eligible=len(marrow), seed=options.seed))
    if options.homogeneous:
        # the reading before issue 17: q M / C = 2e-6 (0.5 x 2e6 / 5e11), one homogeneous marrow, single cells
        values = aspirate_values() | {"aspirate_site_cv": 0.0, "dtc_cluster_mean_size": 1.0}
        values["aspirate_sensitivity_oslo"] = (
            2e-6 * values["marrow_mononuclear_cells"] / values["aspirate_screened_cells"]
        )
        old = replica_report(replica_statistics(read_replica(marrow, seed=options.seed, values=values)))
        print("Former homogeneous Poisson reading (P = 1 - exp(-2e-6 N)) on the same marrows:\n")
        print(replica_markdown(old, n_patients=options.patients, eligible=len(marrow), seed=options.seed))


if __name__ == "__main__":
    main()
