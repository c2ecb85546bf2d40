"""Model parameters with provenance: records, parameter sets, the registry and the bibliography."""

from dormancy.params.posterior import Posterior, load_posterior, save_posterior
from dormancy.params.propagation import PosteriorDraws, draw_seed, posterior_draws
from dormancy.params.records import Parameter, ParameterSet, Prior, required_value
from dormancy.params.registry import (
    Bibliography,
    Reference,
    Registry,
    load_bibliography,
    load_registry,
    parameter_set_from_mapping,
    registry_cache,
    registry_overrides,
)

__all__ = [
    "Bibliography",
    "Parameter",
    "ParameterSet",
    "Posterior",
    "PosteriorDraws",
    "Prior",
    "Reference",
    "Registry",
    "draw_seed",
    "load_bibliography",
    "load_posterior",
    "load_registry",
    "parameter_set_from_mapping",
    "posterior_draws",
    "registry_cache",
    "registry_overrides",
    "required_value",
    "save_posterior",
]
