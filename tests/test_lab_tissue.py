"""The switch-cell population of the tissue-scale lab protocols: fates, inheritance, variability, thinning."""

import numpy as np
import pytest

from dormancy.lab.tissue import SwitchCells, advance, cell_inputs, input_factors, prepared_cells, thin
from dormancy.signalling import load_switch


def _cells(n, tag):
    ids = np.arange(n, dtype=np.int64)
    return SwitchCells(ids, ids.copy(), np.zeros((n, 3)), np.asarray(tag, dtype=np.float64))


def test_thinning_halves_every_stretch_of_positions_and_keeps_each_cell_with_probability_one_half():
    tags = np.concatenate([np.zeros(5), np.linspace(1.0, 2.0, 195)])
    cells = _cells(200, tags)
    kept_ids = []
    for seed in range(40):
        thinned, weight = thin(cells, 1.0, 150, seed=seed, step=3)
        assert len(thinned) == 100 and weight == 2.0
        assert np.sum(thinned.tag == 0.0) in (2, 3)  # the sparse group keeps half, never all or none
        kept_ids.append(thinned.id)
    starts = {tuple(ids[:1]) for ids in kept_ids}
    assert starts == {(0,), (1,)}  # both systematic starts occur: each cell is kept in one of the two
    both = next(ids for ids in kept_ids if ids[0] == 0), next(ids for ids in kept_ids if ids[0] == 1)
    assert np.array_equal(np.sort(np.concatenate(both)), cells.id)
    twice, weight = thin(cells, 1.0, 60, seed=0, step=0)
    assert len(twice) == 50 and weight == 4.0


def test_input_factors_have_mean_one_and_the_stated_variability():
    factors = input_factors(3, np.arange(20_000), 2, 0.3)
    assert factors.mean() == pytest.approx(1.0, abs=0.01)
    assert (factors.std() / factors.mean()) == pytest.approx(0.3, abs=0.01)
    assert np.array_equal(input_factors(3, np.array([7, 7]), 2, 0.3)[0], input_factors(3, np.array([7]), 2, 0.3)[0])
    assert cell_inputs(np.array([0.9, 0.0]), np.array([[2.0, 5.0]])).tolist() == [[1.0, 0.0]]


def test_a_step_conserves_cells_and_daughters_inherit_state_and_lineage():
    switch = load_switch("negative")
    culture = {"O2": 1.0, "FIBRONECTIN": 1.0, "NUTRIENTS": 0.8}
    cells = prepared_cells(switch, 300, inputs=culture, tag=np.arange(300.0))
    inputs = switch.inputs(culture, cells=300)
    after, next_id, events = advance(switch, cells, inputs, hours=24.0, step=1, seed=2, next_id=300)
    assert len(after) == 300 - events["died"] + events["divided"] and events["divided"] > 20
    daughters = after.id >= 300
    assert next_id == 300 + events["divided"] and np.array_equal(after.id[daughters], np.arange(300, next_id))
    parent_of = {lineage: i for i, lineage in enumerate(after.lineage[~daughters])}
    for row in np.flatnonzero(daughters):
        parent = parent_of[after.lineage[row]]
        assert np.array_equal(after.switch[row], after.switch[~daughters][parent])
        assert after.tag[row] == after.tag[~daughters][parent]
    order = np.random.default_rng(0).permutation(300)  # a seed gives the same fates whatever the order of cells
    shuffled, _, events_shuffled = advance(switch, cells.take(order), inputs, hours=24.0, step=1, seed=2, next_id=300)
    assert events_shuffled == events
    assert set(shuffled.id[shuffled.id < 300]) == set(after.id[after.id < 300])
