r"""Single-cell-like and spatial-transcriptomics-like export, and dormancy-signature scoring.

Any lab result with cells (:attr:`dormancy.lab.LabResult.cells`) or a niche cell table
(:func:`dormancy.niche.outputs.cell_table`) becomes an :class:`anndata.AnnData`: one observation per tumour cell,
one variable per marker gene, ``X`` the pathway-level "expression" — the activity in [0, 1] of the switch node the
gene reads out (:data:`NODE_GENES`; an activity, not a transcript count: the model has no transcription layer, so
this is the level a perfectly measured pathway reporter would give). ``obs`` holds every other column (condition,
state, fate rates, ...), ``obsm["spatial"]`` the positions in µm when the table has ``x_um``/``y_um`` (``z_um``), as
squidpy and scanpy expect for spatial data.

MKI67 (Ki-67) is the CDK4/6 activity of cells in the cycle and 0 in G0 (dormant or arrested) cells: Ki-67 is
present in every active phase of the cell cycle and absent from quiescent cells.

:func:`score_dormancy` scores each cell with :func:`scanpy.tl.score_genes` on the dormancy signature
:data:`DORMANCY_GENES` (NR2F1, BHLHE41/DEC2, TP53 — the p38-regulated quiescence network [61]; CDKN1B/p27 and TGFBR3 —
the TGF-β2 arm [61, 62]; LIFR [87]; RPS6KA5/MSK1 [63]): the mean of the signature genes minus the mean of control
genes drawn from the other pathway markers (not MKI67) in the same expression bins (Satija et al. 2015, the method
scanpy implements).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dormancy._optional import require_optional
from dormancy.atomic import atomic_file
from dormancy.lab.dish import DORMANCY_SIGNATURE, DORMANCY_SIGNATURE_SOURCES
from dormancy.lab.protocol import LabResult

if TYPE_CHECKING:
    import anndata

__all__ = [
    "DORMANCY_GENES",
    "DORMANCY_GENE_SOURCES",
    "NODE_GENES",
    "score_dormancy",
    "to_anndata",
    "write_h5ad",
]

#: Switch node → the marker gene whose "expression" is the node's activity (HGNC symbols).
NODE_GENES: Mapping[str, str] = {
    "TGFBR3": "TGFBR3",
    "P38": "MAPK14",
    "ERK": "MAPK3",
    "MSK1": "RPS6KA5",
    "P53": "TP53",
    "DEC2": "BHLHE41",
    "NR2F1": "NR2F1",
    "HIF1A": "HIF1A",
    "P27": "CDKN1B",
    "CDK46": "CDK4",
    "MTOR": "MTOR",
    "AMPK": "PRKAA1",
    "AUTOPHAGY": "MAP1LC3B",
    "LIFR_STAT3": "LIFR",
    "BCATENIN": "CTNNB1",
    "PDL1": "CD274",
    "SMAD": "SMAD4",
    "PTHRP": "PTHLH",
}
#: The dormancy signature scored by :func:`score_dormancy` (genes of :data:`dormancy.lab.dish.DORMANCY_SIGNATURE`).
DORMANCY_GENES: tuple[str, ...] = tuple(DORMANCY_SIGNATURE.values())
DORMANCY_GENE_SOURCES: tuple[str, ...] = DORMANCY_SIGNATURE_SOURCES
_CYCLING_STATES = ("proliferating", "cycling")
_AXES = ("x_um", "y_um", "z_um")


def _cells(source: LabResult | pd.DataFrame) -> pd.DataFrame:
    if isinstance(source, LabResult):
        if source.cells is None:
            raise ValueError(f"the {source.protocol} result has no cells to export")
        return source.cells
    return source


def to_anndata(source: LabResult | pd.DataFrame) -> anndata.AnnData:
    """Return tumour cells as AnnData: ``X`` marker-gene levels, ``obs`` the rest, ``obsm["spatial"]`` positions.

    Parameters
    ----------
    source : LabResult or pandas.DataFrame
        A lab result with cells, or a cell table with ``node_<NAME>`` columns (a lab result's ``cells`` or a niche
        :func:`dormancy.niche.outputs.cell_table`), and a ``state`` column (``proliferating``/``cycling`` = in
        the cycle) or a boolean ``dormant`` column.

    Returns
    -------
    anndata.AnnData
        ``var_names`` = the genes of :data:`NODE_GENES` (for the nodes present) plus ``MKI67``; ``var["node"]`` the
        switch node each gene reads out; ``uns["dormancy_signature"]`` the signature and its sources.
    """
    import anndata

    table = _cells(source)
    nodes = [name for name in NODE_GENES if f"node_{name}" in table.columns]
    if not nodes:
        raise ValueError("the cell table has no node_<NAME> columns to export")
    levels = table[[f"node_{name}" for name in nodes]].to_numpy(dtype=np.float64)
    cycling = _in_cycle(table)
    ki67 = np.where(cycling, table["node_CDK46"].to_numpy(dtype=np.float64), 0.0) if "CDK46" in nodes else cycling
    matrix = np.column_stack([levels, np.asarray(ki67, dtype=np.float64)])
    genes = [NODE_GENES[name] for name in nodes] + ["MKI67"]
    obs = table.drop(columns=[f"node_{name}" for name in nodes]).reset_index(drop=True)
    obs.index = pd.Index([f"cell{i}" for i in range(len(obs))])
    for column in obs.columns:
        if obs[column].dtype == object:
            obs[column] = obs[column].astype("category")
    var = pd.DataFrame({"node": [*nodes, "CDK46 in cycling cells"]}, index=pd.Index(genes))
    adata = anndata.AnnData(X=matrix, obs=obs, var=var)
    axes = [axis for axis in _AXES if axis in table.columns]
    if len(axes) >= 2:
        adata.obsm["spatial"] = table[axes].to_numpy(dtype=np.float64)
    adata.uns["dormancy_signature"] = {"genes": list(DORMANCY_GENES), "sources": list(DORMANCY_GENE_SOURCES)}
    if isinstance(source, LabResult):
        adata.uns["protocol"] = source.protocol
        adata.uns["seed"] = -1 if source.manifest.seed is None else int(source.manifest.seed)
    return adata


def _in_cycle(table: pd.DataFrame) -> np.ndarray:
    if "state" in table.columns:
        return table["state"].astype(str).isin(_CYCLING_STATES).to_numpy()
    if "dormant" in table.columns:
        return ~table["dormant"].to_numpy(dtype=bool)
    raise ValueError("the cell table needs a 'state' or a 'dormant' column")


def score_dormancy(adata: anndata.AnnData, *, score_name: str = "dormancy_score") -> anndata.AnnData:
    """Add ``obs[score_name]``: the :func:`scanpy.tl.score_genes` score of the dormancy signature.

    Control genes are drawn from the other pathway markers (``ctrl_size`` = their number, ``n_bins`` = 5 expression
    bins, as the panel is small); MKI67 is left out of the control pool, so the score reads the dormancy programme
    and not the cycling state directly. scanpy's fixed ``random_state=0`` makes the score deterministic.

    Parameters
    ----------
    adata : anndata.AnnData
        From :func:`to_anndata` (modified in place and returned).
    score_name : str
        Name of the ``obs`` column to write.
    """
    sc = require_optional("scanpy")

    genes = [gene for gene in DORMANCY_GENES if gene in adata.var_names]
    if not genes:
        raise ValueError("none of the dormancy-signature genes is in the AnnData")
    pool = [gene for gene in adata.var_names if gene != "MKI67"]
    sc.tl.score_genes(
        adata,
        genes,
        ctrl_size=len(pool) - len(genes),
        gene_pool=pool,
        n_bins=5,
        score_name=score_name,
        random_state=0,
        copy=False,
    )
    return adata


def write_h5ad(source: LabResult | pd.DataFrame, path: str | os.PathLike[str], *, score: bool = True) -> Path:
    """Write the cells as ``.h5ad`` atomically (with the dormancy score in ``obs`` unless ``score`` is False)."""
    adata = to_anndata(source)
    if score:
        score_dormancy(adata)
    path = Path(path)
    with atomic_file(path) as temporary:
        adata.write_h5ad(temporary)
    return path
