#!/usr/bin/env bash
# The runs of docs/sensitivity.md, from the repository root (first run under the command's earlier name,
# `dormancy sensitivity`): Morris screen of the assumption-only records, then Sobol indices of the top ones, one
# large replicate per point (common random numbers). Re-running resumes: the trial runs already in each folder's
# *.jsonl are not repeated. Usage: docs/sensitivity/run.sh [design ...]; then the ten-times checks:
#   PYTHONPATH=src python tools/check_trial_sensitivity_oat.py docs/sensitivity/azure --target 33600
#   PYTHONPATH=src python tools/check_trial_sensitivity_oat.py docs/sensitivity/dcare --target 45090
#   PYTHONPATH=src python tools/check_trial_sensitivity_oat.py docs/sensitivity/abcsg18 --target 34250
#   PYTHONPATH=src python tools/check_trial_sensitivity_oat.py docs/sensitivity/ebctcg --target 40000
#   PYTHONPATH=src python tools/check_trial_sensitivity_oat.py docs/sensitivity/azure --target 33600 --seeds 1 \
#     --stem oat_tables --names bone_lifetime.zoledronic_niche_weight bone_lifetime.zoledronic_max_apoptosis_fold
# and the tables of the page: PYTHONPATH=src python tools/report_trial_sensitivity.py docs/sensitivity
set -euo pipefail
export DORMANCY_CACHE_DIR="${DORMANCY_CACHE_DIR:-$PWD/.cache/tables}"  # niche-rate tables, shared by the runs
declare -A TARGET=([clever]=3000 [azure]=3360 [dcare]=4509 [abcsg18]=3425 [ebctcg]=4000)
declare -A NBASE=([clever]=8 [azure]=16 [dcare]=8 [abcsg18]=16 [ebctcg]=8)  # N = 8 where the shared machine ran late
for design in "${@:-clever azure dcare abcsg18 ebctcg}"; do
  for d in $design; do
    nice dormancy trial-sensitivity "$d" --out "docs/sensitivity/$d" --seed 2026 --target "${TARGET[$d]}" \
      --trajectories 2 --top 5 --n-base "${NBASE[$d]}" --noise-seeds 4
  done
done
