"""Model parameters with provenance: records, parameter sets, the registry and the bibliography."""

from dormancy.params.records import Parameter, ParameterSet, Prior, required_value
from dormancy.params.registry import (
    Bibliography,
    Reference,
    Registry,
    load_bibliography,
    load_registry,
    parameter_set_from_mapping,
)

__all__ = [
    "Bibliography",
    "Parameter",
    "ParameterSet",
    "Prior",
    "Reference",
    "Registry",
    "load_bibliography",
    "load_registry",
    "parameter_set_from_mapping",
    "required_value",
]
