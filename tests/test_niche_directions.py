"""Directions the niche must show from mechanism, over several seeds of the default scenario (kept small).

Where a DTC lands decides its fate: lineages that land at the osteoblast-lined bone surface are dormant more often
than those landing at sprouting vessel tips (periostin and TGF-β1 drive escape [55]); raising osteoclast activity or
systemic IL-1β wakes DTCs (osteoclast factors and matrix TGF-β1 [96, 97, 117]; IL-1β raises osteoclast activity
[140–145]). Each comparison pools several seeds; runs with the same seed differ only in the host signal.
"""

from __future__ import annotations

import numba
import pytest

from dormancy.niche.model import build_niche_model
from dormancy.niche.scenario import default_niche_scenario
from dormancy.niche.simulator import run_niche

SEEDS = (1, 2, 3)
HOSTS = {"rest": {}, "osteoclasts": {"osteoclast_activity": 5.0}, "il1b": {"il1b": 5.0}}


@pytest.fixture(scope="module")
def final_counts():
    """Live DTCs by landing niche and state at the end of each (seed, host) run."""
    threads = numba.get_num_threads()
    numba.set_num_threads(1)  # small grids: thread start-up costs more than it saves; results are identical
    try:
        counts = {}
        for seed in SEEDS:
            for host_name, host in HOSTS.items():
                scenario = default_niche_scenario(
                    days=3.0,
                    seed=seed,
                    dtc={"count": 150},
                    domain={"size_um": 500.0, "geometry_seed": seed},
                    host=host,
                )
                run = run_niche(build_niche_model(scenario))
                counts[seed, host_name] = run.timeseries["dtc_by_landing"].isel(time_days=-1).load()
        return counts
    finally:
        numba.set_num_threads(threads)


def _dormant_fraction(counts, host_name, niche=None):
    dormant = total = 0.0
    for seed in SEEDS:
        table = counts[seed, host_name]
        if niche is not None:
            table = table.sel(niche=niche)
        dormant += float(table.sel(state="dormant").sum())
        total += float(table.sum())
    return dormant / total


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="Not reproduced (pooled dormant fraction here 0.32 bone surface vs 0.34 sprouting tips; on the full 1 mm "
    "section over 4 seeds, 4 days: 0.49 vs 0.48, two seeds each way): at marrow "
    "O2 (switch O2 input ~0.5) the switch's pro-dormancy inputs TGF-beta2, BMP7, GAS6, Wnt5a and TSP1 hardly change "
    "its fate rates; only O2 (lower at the osteoblast-lined surface), TGF-beta1, osteoclast factors, fibronectin and "
    "miR-222/223 do, and osteoclasts at the surface push towards escape. See the report.",
)
def test_lineages_landing_at_the_bone_surface_are_dormant_more_often_than_at_sprouting_tips(final_counts):
    endosteal = _dormant_fraction(final_counts, "rest", "endosteal")
    sprouting = _dormant_fraction(final_counts, "rest", "perivascular-sprouting")
    assert endosteal > sprouting, (endosteal, sprouting)


@pytest.mark.slow
@pytest.mark.parametrize("host_name", ["osteoclasts", "il1b"])
def test_osteoclast_activity_and_il1b_wake_dormant_cells(final_counts, host_name):
    rest = _dormant_fraction(final_counts, "rest")
    raised = _dormant_fraction(final_counts, host_name)
    assert raised < rest, (host_name, raised, rest)
    live_rest = sum(float(final_counts[seed, "rest"].sum()) for seed in SEEDS)
    live_raised = sum(float(final_counts[seed, host_name].sum()) for seed in SEEDS)
    assert live_raised > live_rest  # woken cells divide
