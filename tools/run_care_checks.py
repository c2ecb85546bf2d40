"""Run the in-silico checks of the modern therapies and print the markdown table of docs/modern-care.md.

Usage::

    PYTHONPATH=src python tools/run_care_checks.py --patients 100000 --seed 20261207 [--csv out.csv]
"""

from __future__ import annotations

import argparse
import time

from dormancy.patients.care_checks import run_care_checks


def main() -> None:
    """Run every check and print the table (model RR and CI beside the published ones)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000, help="patients per arm before eligibility")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--csv", default=None, help="also write the rows as CSV")
    args = parser.parse_args()
    start = time.perf_counter()
    table = run_care_checks(n_patients=args.patients, seed=args.seed)
    if args.csv:
        table.to_csv(args.csv, index=False)
    print(
        "| check | eligible | events (control / exp.) | model RR (95 % CI) | published RR (95 % CI) | endpoint "
        "| within |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in table.itertuples():
        print(
            f"| {row.label} | {row.eligible:,} | {row.events_control:,} / {row.events_experimental:,} | "
            f"{row.model_rr:.2f} ({row.model_low:.2f}–{row.model_high:.2f}) | "
            f"{row.published_rr:.2f} ({row.published_low:.2f}–{row.published_high:.2f}) | {row.endpoint} | "
            f"{'yes' if row.within else '**no**'} |"
        )
    print(f"\n{args.patients:,} patients per arm, seed {args.seed}, {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
