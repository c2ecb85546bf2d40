#!/usr/bin/env bash
# The exact command of docs/trials-run-8 (issue 17), run from the repository root after
# `python tools/make_therapy_parameters.py` has written the fitted HCQ / everolimus potencies.
# Keep only the small tables: summary.csv, survival_summary.csv, clearance_summary.csv, trial.yaml.
set -euo pipefail
dormancy trial clever --replicates 200 --seed 2026 --out clever
