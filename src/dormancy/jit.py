"""Compile a kernel twice, for one thread and for threads, as two separately cached functions.

Numba's on-disk cache (``cache=True``) keys a function by its qualified name, source file and line, not by its
``parallel=`` flag: ``njit(cache=True)(f)`` and ``njit(cache=True, parallel=True)(f)`` share one cache entry, so
whichever compiled first is loaded for both, and the "serial" kernel silently runs the threaded code (under load,
4–16 ms per call for a few microseconds of work, measured on the development machine). :func:`serial_and_parallel`
gives the one-thread build its own name (``<name>_serial``), hence its own cache entry.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import numba


def _renamed(function: types.FunctionType, suffix: str) -> types.FunctionType:
    """Return a copy of ``function`` whose name and qualified name end with ``suffix``."""
    code = function.__code__.replace(
        co_name=function.__code__.co_name + suffix, co_qualname=function.__code__.co_qualname + suffix
    )
    copy = types.FunctionType(code, function.__globals__, function.__name__ + suffix, function.__defaults__,
                              function.__closure__)  # fmt: skip
    copy.__qualname__ = function.__qualname__ + suffix
    copy.__module__ = function.__module__
    copy.__doc__ = function.__doc__
    return copy


def serial_and_parallel(function: Callable, **options: Any) -> tuple[Callable, Callable]:
    """Return ``(serial, parallel)`` Numba builds of ``function`` (``prange`` is ``range`` in the serial one).

    Parameters
    ----------
    function : callable
        A plain Python function written for ``numba.njit(parallel=True)``.
    **options
        Further ``numba.njit`` options (``cache``, ``fastmath``, ...), applied to both.
    """
    serial = numba.njit(**options)(_renamed(function, "_serial"))
    parallel = numba.njit(parallel=True, **options)(function)
    return serial, parallel
