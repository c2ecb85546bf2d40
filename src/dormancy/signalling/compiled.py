r"""What the compiled switch integrators share: outcome codes, the :math:`\varphi` functions, integer powers.

:math:`\varphi_1(z) = (e^z - 1)/z`, :math:`\varphi_{k+1}(z) = (\varphi_k(z) - 1/k!)/z` (Cox & Matthews 2002,
J Comput Phys 176:430-455), for :math:`z \le 0`: below :math:`|z| = 0.2` from their Taylor series (10 terms,
truncation below 3e-15), above it from the recurrence, whose cancellation costs at most ~1e-15/|z|^2 relative in
:math:`\varphi_3`.
"""

from __future__ import annotations

import math

import numba

from dormancy.results import Status

#: Per-cell outcome codes of :func:`dormancy.signalling.integrate_cells`.
CELL_OK, CELL_TOO_MANY_STEPS, CELL_NONFINITE = 0, 1, 2
#: The package status of each per-cell code (index = code): one vocabulary across scales.
CELL_STATUSES = (Status.OK, Status.TOO_MANY_STEPS, Status.NONFINITE)

SERIES_RADIUS = 0.2
_PHI1_SERIES = tuple(1.0 / math.factorial(j + 1) for j in range(10))
_PHI2_SERIES = tuple(1.0 / math.factorial(j + 2) for j in range(10))
_PHI3_SERIES = tuple(1.0 / math.factorial(j + 3) for j in range(10))


@numba.njit(cache=True, inline="always")
def phi123(z: float, exp_z: float) -> tuple[float, float, float]:
    """Return phi_1(z), phi_2(z), phi_3(z) for z <= 0, given exp(z)."""
    if -z < SERIES_RADIUS:
        phi1 = phi2 = phi3 = 0.0
        for j in range(9, -1, -1):
            phi1 = phi1 * z + _PHI1_SERIES[j]
            phi2 = phi2 * z + _PHI2_SERIES[j]
            phi3 = phi3 * z + _PHI3_SERIES[j]
        return phi1, phi2, phi3
    phi1 = (exp_z - 1.0) / z
    phi2 = (phi1 - 1.0) / z
    phi3 = (phi2 - 0.5) / z
    return phi1, phi2, phi3


@numba.njit(cache=True, inline="always")
def power(x: float, n: float) -> float:
    """Return x**n, by multiplication for n in {1, 2, 3, 4}."""
    if n == 3.0:
        return x * x * x
    if n == 4.0:
        square = x * x
        return square * square
    if n == 2.0:
        return x * x
    if n == 1.0:
        return x
    return x**n
