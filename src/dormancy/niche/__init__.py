"""The bone-marrow niche: geometry, reaction–diffusion fields, agents and rendering."""

from dormancy.niche.fields import FIELD_NAMES, FieldSpec, diffuse, initial_fields, load_field_specs
from dormancy.niche.geometry import Geometry, default_section, geometry_from_mask, geometry_labels, label_image

__all__ = [
    "FIELD_NAMES",
    "FieldSpec",
    "Geometry",
    "default_section",
    "diffuse",
    "geometry_from_mask",
    "geometry_labels",
    "initial_fields",
    "label_image",
    "load_field_specs",
]
