"""Virtual laboratory: the experimental systems of the review's Table 1 as ready, parameterised protocols.

Each protocol (co-culture, hypoxia, spheroid, bone-on-a-chip, explant, mouse models, intravital imaging) turns an
experimental manipulation into the dormancy switch's inputs, runs a small population of switch cells (or a niche),
and reports what an experimentalist measures. Run one with :func:`run_protocol`, save it with
:func:`save_lab_result`; :data:`PROTOCOLS` lists them. Protocol modules register themselves on import below.
"""

import dormancy.lab.chip
import dormancy.lab.explant
import dormancy.lab.intravital
import dormancy.lab.mouse
import dormancy.lab.spheroid  # noqa: F401  (these five imports register lab-B's protocols)
from dormancy.lab import coculture  # noqa: F401  (registers the co-culture protocols)
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
    "PROTOCOLS",
    "LabResult",
    "Protocol",
    "lab_manifest",
    "protocol_names",
    "register",
    "run_protocol",
    "save_lab_result",
    "validate_options",
]
