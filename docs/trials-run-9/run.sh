#!/usr/bin/env bash
# The exact commands of docs/trials-run-9 (issue 17, item 5), run from the repository root after the flux-block
# death (switch record autophagy_block_apoptosis_rate) and the refitted HCQ EC50 were written by
# tools/make_switch_parameters.py and tools/make_therapy_parameters.py. "before" is the same command on the parent
# commit 1f940ad (the integrated model of docs/trials-run-8), same seed and replicates.
# Keep only the small tables: summary.csv, survival_summary.csv, clearance_summary.csv, competing_summary.csv,
# trial.yaml.
set -euo pipefail
dormancy trial clever --replicates 50 --seed 2026 --out clever
# before: the same command on the parent commit 1f940ad (e.g. a git worktree of it), --out clever-before
