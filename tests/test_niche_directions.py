"""Directions the niche must show from mechanism, over several seeds of the default scenario (kept small).

Where a DTC lands decides its fate: lineages that land at the osteoblast-lined bone surface are dormant more often
than those landing at sprouting vessel tips (periostin, TGF-β1 and the tips' fibronectin-rich provisional matrix keep
ERK high there [55, 164–166]; TGF-β2, BMP7, GAS6 and Wnt5a from osteoblasts raise p38 where ERK is not held high
[61, 64, 205]); raising osteoclast activity or
systemic IL-1β wakes DTCs (osteoclast factors and matrix TGF-β1 [96, 97, 117]; IL-1β raises osteoclast activity
[140–145]). Each comparison pools several seeds; runs with the same seed differ only in the host signal.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from dormancy.niche.model import NICHES, build_niche_model, dtc_inputs, init, step
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


@pytest.mark.slow
def test_landing_sites_at_sprouting_tips_give_more_escape_signals_than_the_bone_surface():
    """On arrival, cells landing at sprouting tips meet more periostin and fibronectin (ERK drive) than cells landing
    at the bone surface, which meet more TGF-β2 and GAS6 (p38 drive); a day later the p38/ERK balance of their
    lineages follows. Pooled over the seeds (on a 500 µm section a few bone-surface landing sites lie near a tip)."""
    inputs, landed, balance, balance_landed = [], [], [], []
    for seed in SEEDS:
        scenario = default_niche_scenario(
            days=1.0, seed=seed, dtc={"count": 150}, domain={"size_um": 500.0, "geometry_seed": seed}
        )
        model = build_niche_model(scenario)
        state = step(init(model), model, 0)
        inputs.append(dtc_inputs(model, state)[0])
        landed.append(state.dtcs.landing_niche)
        for index in range(1, 24):
            state = step(state, model, index)
        nodes = state.dtcs.switch
        balance.append(nodes[:, model.switch.index("P38")] - nodes[:, model.switch.index("ERK")])
        balance_landed.append(state.dtcs.landing_niche)
    column = model.switch.wiring.inputs.index
    inputs, landed = np.concatenate(inputs), np.concatenate(landed)
    bone, tips = landed == NICHES.index("endosteal"), landed == NICHES.index("perivascular-sprouting")
    assert bone.sum() >= 30 and tips.sum() >= 30, (bone.sum(), tips.sum())
    for name in ("POSTN", "FIBRONECTIN"):
        assert inputs[tips, column(name)].mean() > inputs[bone, column(name)].mean(), name
    for name in ("TGFB2", "GAS6"):
        assert inputs[bone, column(name)].mean() > inputs[tips, column(name)].mean(), name
    balance, balance_landed = np.concatenate(balance), np.concatenate(balance_landed)
    at_bone = balance[balance_landed == NICHES.index("endosteal")].mean()
    at_tips = balance[balance_landed == NICHES.index("perivascular-sprouting")].mean()
    assert at_bone > at_tips, (at_bone, at_tips)
