#!/bin/bash
# The five trial replicas over 100 draws of the shipped posterior (issue 18), as run on 2026-12-07 (session 11):
# two of these loops side by side on the 2-core machine, DORMANCY_CACHE_DIR holding the niche tables.
for t in "$@"; do
  dormancy trial "$t" --posterior 100 --posterior-replicates 4 --replicates 20 --seed 2026 --out "$t" --overwrite
done
