"""Optional dependencies: imported when a feature first needs them, with a message naming the extra to install.

The core install (``pip install dormancy``) runs every model and the demo. Four features need heavier packages,
declared as extras in ``pyproject.toml`` (``pip install "dormancy[all]"`` brings them all; the ``test`` extra too):

========================  ==================  ==========================================
extra                     package             feature
========================  ==================  ==========================================
``sbml``                  python-libsbml      SBML export (``dormancy sbml``, ``*_to_sbml``)
``calibration``           pyabc, emcee,       ABC-SMC calibration (``dormancy calibrate``); the emulated
                          scikit-learn        posterior (:mod:`dormancy.inference`)
``movie``                 imageio-ffmpeg      MP4 movies of niche runs (``--movie x.mp4``; GIF needs none)
``scanpy``                scanpy              dormancy-signature scores (``score_dormancy``, ``--anndata``)
``app``                   panel               the interactive what-if app (``dormancy app``)
========================  ==================  ==========================================
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["EXTRAS", "MissingExtraError", "optional_module", "require_optional"]

# import name -> (extra, PyPI distribution, feature)
EXTRAS: dict[str, tuple[str, str, str]] = {
    "libsbml": ("sbml", "python-libsbml", "SBML export"),
    "pyabc": ("calibration", "pyabc", "ABC-SMC calibration"),
    "emcee": ("calibration", "emcee", "MCMC on the emulated posterior"),
    "sklearn": ("calibration", "scikit-learn", "Gaussian-process emulators of the posterior fit"),
    "imageio_ffmpeg": ("movie", "imageio-ffmpeg", "MP4 movies"),
    "scanpy": ("scanpy", "scanpy", "dormancy-signature scores"),
    "panel": ("app", "panel", "The interactive app"),
}


class MissingExtraError(ImportError):
    """An optional package is not installed; the message names the extra that brings it."""

    def __init__(self, module: str) -> None:
        extra, distribution, feature = EXTRAS[module]
        super().__init__(
            f"{feature} needs the optional package {distribution!r}, which is not installed: "
            f'pip install "dormancy[{extra}]" (or "dormancy[all]")',
            name=module,
        )
        self.extra = extra


def require_optional(module: str) -> ModuleType:
    """Import an optional module, or raise :class:`MissingExtraError` naming its extra.

    Parameters
    ----------
    module : str
        Import name, a key of :data:`EXTRAS` (``"scanpy"``, ``"pyabc"``, ``"libsbml"``, ``"imageio_ffmpeg"``).

    Returns
    -------
    types.ModuleType
        The imported module.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name is not None and error.name.split(".")[0] == module:
            raise MissingExtraError(module) from None
        raise


class _Deferred:
    """A stand-in for an optional module that imports it at first attribute access."""

    def __init__(self, module: str) -> None:
        self._name = module

    def __getattr__(self, attribute: str) -> Any:
        return getattr(require_optional(self._name), attribute)


def optional_module(module: str) -> Any:
    """Return a deferred handle on an optional module: ``libsbml = optional_module("libsbml")`` at module level.

    Parameters
    ----------
    module : str
        Import name, a key of :data:`EXTRAS`.

    Returns
    -------
    object
        Attribute access imports the module (or raises :class:`MissingExtraError`).
    """
    return _Deferred(module)
