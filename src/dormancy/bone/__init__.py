"""Organ scale: bone remodelling models (Komarova 2003 family)."""

from dormancy.bone import komarova

__all__ = ["komarova"]
