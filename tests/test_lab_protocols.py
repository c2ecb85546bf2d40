"""Every registered lab protocol runs with its quick options, writes its table, figure and manifest, and exports."""

import json

import numpy as np
import pandas as pd
import pytest

from dormancy.lab import score_dormancy, to_anndata
from dormancy.lab.protocol import PROTOCOLS, quick_options, run_protocol, save_lab_result


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_every_protocol_writes_its_table_and_figure(name, tmp_path):
    result = run_protocol(name, seed=5, options=quick_options(name))
    assert result.protocol == name
    assert result.status == "ok"
    assert len(result.table) > 0
    folder = save_lab_result(result, tmp_path / name)
    table = pd.read_csv(folder / "readouts.csv")
    assert len(table) == len(result.table)
    assert (folder / "figure.png").stat().st_size > 1000
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 5
    assert manifest["scenario"]["protocol"] == name
    assert manifest["parameters"], "the manifest must list the parameter records the protocol read"
    if result.cells is not None:
        adata = score_dormancy(to_anndata(result))
        assert adata.n_obs == len(result.cells)
        assert np.isfinite(adata.obs["dormancy_score"]).all()


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_every_protocol_documents_its_options(name):
    protocol = PROTOCOLS[name]
    assert protocol.citation and protocol.title and protocol.system
    for field, info in protocol.spec.model_fields.items():
        assert info.description, f"{name}: option {field} has no description"
    assert protocol.spec.model_config.get("extra") == "forbid", f"{name}: unknown options must be rejected"
