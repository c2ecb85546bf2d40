"""Virtual laboratory: the experimental systems of the review's Table 1 as ready, parameterised protocols.

Each protocol (co-culture, hypoxia, spheroid, bone-on-a-chip, explant, mouse models, intravital imaging) turns an
experimental manipulation into the dormancy switch's inputs, runs a small population of switch cells (or a niche),
and reports what an experimentalist measures. Run one with :func:`run_protocol`, save it with
:func:`save_lab_result`; :data:`PROTOCOLS` lists them. Protocol modules register themselves on import below.
Any result with cells exports to AnnData (:func:`to_anndata`, :func:`write_h5ad`) with dormancy-signature scores
(:func:`score_dormancy`).
"""

import dormancy.lab.chip
import dormancy.lab.dormant_drugs
import dormancy.lab.explant
import dormancy.lab.intravital
import dormancy.lab.mouse
import dormancy.lab.ovariectomy
import dormancy.lab.spheroid  # noqa: F401  (these imports register lab-B's and issue 17's protocols)
from dormancy.lab import coculture, hypoxia  # noqa: F401  (register their protocols)
from dormancy.lab.expression import DORMANCY_GENES, NODE_GENES, score_dormancy, to_anndata, write_h5ad
from dormancy.lab.posterior import PosteriorLabResult, run_protocol_posterior, save_lab_posterior
from dormancy.lab.protocol import (
    PROTOCOLS,
    LabResult,
    Protocol,
    lab_manifest,
    protocol_names,
    register,
    run_protocol,
    save_lab_result,
    validate_options,
)

__all__ = [
    "DORMANCY_GENES",
    "NODE_GENES",
    "PROTOCOLS",
    "LabResult",
    "PosteriorLabResult",
    "Protocol",
    "lab_manifest",
    "protocol_names",
    "register",
    "run_protocol",
    "run_protocol_posterior",
    "save_lab_posterior",
    "save_lab_result",
    "score_dormancy",
    "to_anndata",
    "validate_options",
    "write_h5ad",
]
