"""Diagnostics of calibration run 10 (not used for any value): the AI arms under other care values, and MA.17's events.

Usage (from the repository root)::

    PYTHONPATH=src python docs/calibration-run-10/diagnostics.py ai 20000 \
        --care ai_escape_per_year_of_tamoxifen_resistant=0.062
    PYTHONPATH=src python docs/calibration-run-10/diagnostics.py ma17 10000

``ai`` runs the two arms of the EBCTCG 2015 check once and prints the rate ratios of years 0-1 and 2-4, with
``care_modern`` values replaced as given (the records are otherwise the registry's). ``ma17`` splits the MA.17
check's events in years 5-8 by whether the patient's disease is endocrine-resistant by year 5.
"""

from __future__ import annotations

import argparse

import dormancy.patients.cohort as cohort
from dormancy.patients.care import care_parameters
from dormancy.patients.care_checks import CARE_CHECKS, rate_ratio
from dormancy.patients.endocrine_resistance import endocrine_resistant_years
from dormancy.patients.parameters import SET_NAME, resolve_parameters
from dormancy.patients.specs import CohortSpec

SEED = 20261207


def _arms(name: str, n: int):
    check = {c.name: c for c in CARE_CHECKS}[name]
    arms = [
        cohort.simulate_cohort(
            CohortSpec(n, followup_years=check.followup_years, population=check.population, care=care), seed=SEED
        ).table
        for care in (check.control, check.experimental)
    ]
    return check, arms, check.eligible(arms[0])


def main() -> None:
    """Run one diagnostic (module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", choices=("ai", "ma17"))
    parser.add_argument("patients", type=int)
    parser.add_argument("--care", action="append", default=[], help="care_modern symbol=value")
    args = parser.parse_args()
    values = dict(care_parameters())
    values.update({k: float(v) for k, v in (item.split("=") for item in args.care)})
    cohort.care_parameters = lambda: values  # the cohort reads its care values here
    if args.which == "ai":
        _, arms, keep = _arms("ebctcg2015_ai_vs_tamoxifen_years_0_1", args.patients)
        for period in ((0.0, 2.0), (2.0, 5.0)):
            ratio, low, high, d0, d1 = rate_ratio(
                arms[0]["recurrence_years"].to_numpy()[keep],
                arms[1]["recurrence_years"].to_numpy()[keep],
                period=period,
            )
            print(f"years {period}: RR {ratio:.3f} ({low:.3f}-{high:.3f}), events {d0} / {d1}")
        return
    _, arms, keep = _arms("ma17_extended_letrozole", args.patients)
    natural = dict(resolve_parameters(None)[SET_NAME].values())
    table = arms[0]
    resistant_years = endocrine_resistant_years(
        natural, seed=SEED, ids=table["patient"].to_numpy(), er_positive=table["er_positive"].to_numpy(dtype=bool)
    )
    resistant = resistant_years < 5.0
    for label, chosen in (("resistant by year 5", resistant), ("sensitive at year 5", ~resistant)):
        events = []
        for arm in arms:
            times = arm["recurrence_years"].to_numpy()[keep & chosen]
            times = times[~(times < 5.0)]
            events.append(int(((times >= 5.0) & (times < 8.0)).sum()))
        print(f"{label}: {int((keep & chosen).sum())} patients, events years 5-8 control / letrozole {events}")
    print(f"eligible: {int(keep.sum())}")


if __name__ == "__main__":
    main()
