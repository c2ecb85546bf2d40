"""AnnData export of lab cells and niche-style cell tables, and scanpy dormancy-signature scoring."""

import anndata
import numpy as np
import pandas as pd
import pytest

from dormancy.lab import DORMANCY_GENES, NODE_GENES, run_protocol, save_lab_result, score_dormancy, to_anndata
from dormancy.lab.protocol import quick_options
from dormancy.signalling import (
    DEFAULT_NICHE,
    DORMANT_PREPARATION,
    PROLIFERATING_PREPARATION,
    is_dormant,
    load_switch,
    steady_states,
)


@pytest.fixture(scope="module")
def niche_like_table():
    """Switch cells prepared dormant (TGF-β2) or proliferating (TGF-β1), with positions, in the niche's format."""
    model = load_switch("negative")
    rng = np.random.default_rng(0)
    rows = []
    for preparation in (DORMANT_PREPARATION, PROLIFERATING_PREPARATION):
        levels = rng.uniform(0.6, 1.0, size=20)
        inputs = np.vstack(
            [model.inputs({**DEFAULT_NICHE, **{k: v * x for k, v in preparation.items()}}) for x in levels]
        )
        states = steady_states(model, inputs, 0.0, hours=500.0)
        rows.append(states)
    states = np.vstack(rows)
    dormant = is_dormant(model, states)
    table = pd.DataFrame({f"node_{name}": states[:, i] for i, name in enumerate(model.wiring.internal)})
    table.insert(0, "state", np.where(dormant, "dormant", "proliferating"))
    table.insert(1, "x_um", rng.uniform(0, 500, len(table)))
    table.insert(2, "y_um", rng.uniform(0, 500, len(table)))
    return table


def test_dormant_cells_score_higher_than_proliferating_ones(niche_like_table):
    adata = score_dormancy(to_anndata(niche_like_table))
    scores = adata.obs.groupby("state", observed=True)["dormancy_score"]
    assert set(adata.obs["state"]) == {"dormant", "proliferating"}
    assert scores.min()["dormant"] > scores.max()["proliferating"]


def test_export_maps_nodes_to_marker_genes_and_keeps_positions(niche_like_table):
    adata = to_anndata(niche_like_table)
    assert list(adata.var_names) == [*NODE_GENES.values(), "MKI67"]
    assert set(DORMANCY_GENES) <= set(adata.var_names)
    column = list(adata.var_names).index("NR2F1")
    assert np.array_equal(adata.X[:, column], niche_like_table["node_NR2F1"].to_numpy())
    assert np.array_equal(adata.obsm["spatial"], niche_like_table[["x_um", "y_um"]].to_numpy())
    ki67 = adata[:, "MKI67"].X.ravel()
    assert np.all(ki67[adata.obs["state"].to_numpy() == "dormant"] == 0.0)


def test_a_lab_result_writes_scored_cells_as_h5ad(tmp_path):
    result = run_protocol("coculture-exosomes", seed=3, options={**_quick(), "exosome_source": "primed"})
    folder = save_lab_result(result, tmp_path / "run", anndata=True)
    adata = anndata.read_h5ad(folder / "cells.h5ad")
    assert adata.n_obs == len(result.cells)
    assert "dormancy_score" in adata.obs
    assert "spatial" not in adata.obsm  # a dish has no positions
    assert adata.uns["protocol"] == "coculture-exosomes"


def test_a_result_without_cells_cannot_be_exported():
    result = run_protocol("coculture-indirect", seed=1, options=_quick())
    empty = type(result)(result.protocol, result.table, result.manifest, None)
    with pytest.raises(ValueError, match="no cells"):
        to_anndata(empty)


def _quick():
    return quick_options("coculture-exosomes")
