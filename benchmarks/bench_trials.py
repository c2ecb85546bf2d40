"""Benchmark: a 200-replicate CLEVER run (issue 7: under 5 minutes on 2 cores), and where its time goes.

* ``run_trial(load_design("clever"), replicates=200)`` in-process, after a 2-replicate warm-up (niche tables,
  compilation and the treated regimens' tables built or read from the disk cache, not timed); the time of each
  stage from the progress callback, and writing the report folder.
* Reference measured in the same process: one untreated ``simulate_cohort`` of as many patients as the run
  screens (the trial's floor: the screening cohort alone), so the printed ratio says what the trial adds.
* The same trial without assessments and with every arm on standard care (a placebo design): the cost of
  screening, randomisation and analysis without treated re-simulation.

Run with ``python -m pytest -m benchmark benchmarks/bench_trials.py -s``.
"""

import math
import tempfile
import time
from pathlib import Path

import pytest

from dormancy.patients import CohortSpec, simulate_cohort
from dormancy.trials import load_design, run_trial, trial_from_dict, write_report

REPLICATES = 200
SEED = 2026
BUDGET_SECONDS = 300.0


@pytest.mark.benchmark
def test_clever_200_replicates():
    spec = load_design("clever")
    run_trial(spec, seed=SEED, replicates=2)  # warm-up: tables and compilation
    stages: dict[str, float] = {}
    clock = {"last": time.perf_counter()}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        stages[stage] = stages.get(stage, 0.0) + now - clock["last"]
        clock["last"] = now

    start = time.perf_counter()
    clock["last"] = start
    result = run_trial(spec, seed=SEED, replicates=REPLICATES, progress=progress)
    seconds = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        write_start = time.perf_counter()
        write_report(result, Path(folder) / "clever")
        writing = time.perf_counter() - write_start
    candidates = math.ceil(spec.enrolment.target * spec.screening.candidates_per_enrolled) * REPLICATES
    reference_start = time.perf_counter()
    simulate_cohort(CohortSpec(candidates, followup_years=10.1), seed=SEED)
    reference = time.perf_counter() - reference_start
    print(f"\nCLEVER, {REPLICATES} replicates, {candidates:,} candidates screened, {len(result.patients):,} enrolled")
    print(
        f"run_trial {seconds:.1f} s + report {writing:.1f} s = {seconds + writing:.1f} s "
        f"(budget {BUDGET_SECONDS:.0f} s)"
    )
    print("stages (s): " + ", ".join(f"{name} {value:.1f}" for name, value in stages.items()))
    print(
        f"untreated cohort of {candidates:,} patients × 10.1 y: {reference:.1f} s; "
        f"trial / cohort = {seconds / reference:.1f}"
    )
    print(result.clearance_summary().to_string(index=False))
    print(result.summary().to_string(index=False))
    assert seconds + writing < BUDGET_SECONDS


@pytest.mark.benchmark
def test_placebo_trial_200_replicates():
    spec = trial_from_dict(
        {
            "name": "placebo",
            "enrolment": {"target": 66},
            "eligibility": {"years_since_diagnosis": [0.5, 5.0], "high_risk_any_of": ["node_positive"]},
            "screening": {"candidates_per_enrolled": 8.0},
            "arms": [{"name": "control"}, {"name": "placebo"}],
            "control_arm": "control",
            "follow_up": {"min_years": 2.0, "max_years": 5.0},
            "analysis": {"endpoints": ["rfs", "bmfs"], "primary_endpoint": "rfs", "horizon_years": 3.0},
        }
    )
    run_trial(spec, seed=SEED, replicates=2)
    start = time.perf_counter()
    result = run_trial(spec, seed=SEED, replicates=REPLICATES)
    seconds = time.perf_counter() - start
    print(f"\nplacebo design of CLEVER's size, {REPLICATES} replicates: {seconds:.1f} s; status {result.status}")
