r"""Random numbers of the patient kernel (:mod:`dormancy.patients.natural_history`), compiled with numba.

Each (patient, step, block) triple has its own Philox4x32-10 block keyed by the seed (Salmon et al. 2011;
:func:`philox_block` equals :func:`dormancy.rng.philox4x32`); its first two words seed a SplitMix64 sequence
(Steele, Lea & Flood 2014) from which that step's uniforms, normals, binomial, Poisson and gamma draws are taken.
Every function takes and returns the SplitMix64 state explicitly (no global state).

Numba caches compiled functions per source file and does not track calls into other files: after editing this
module, delete ``src/dormancy/patients/__pycache__`` (or touch ``natural_history.py``) so the kernel recompiles.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, inline="always")
def philox_block(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of counter ``(c0..c3)`` under key ``(k0, k1)`` (words held in uint64), as four words."""
    m0 = np.uint64(0xD2511F53)
    m1 = np.uint64(0xCD9E8D57)
    w0 = np.uint64(0x9E3779B9)
    w1 = np.uint64(0xBB67AE85)
    mask = np.uint64(0xFFFFFFFF)
    s32 = np.uint64(32)
    for r in range(10):
        if r:
            k0 = (k0 + w0) & mask
            k1 = (k1 + w1) & mask
        p0 = m0 * c0
        p1 = m1 * c2
        c0, c1, c2, c3 = (p1 >> s32) ^ c1 ^ k0, p1 & mask, (p0 >> s32) ^ c3 ^ k1, p0 & mask
    return c0, c1, c2, c3


@numba.njit(cache=True, inline="always")
def step_state(patient, step, block, k0, k1):
    """SplitMix64 state of (patient, step, block): the first two Philox words of counter (block, id lo, id hi, step)."""
    pid = np.uint64(patient)
    w0, w1, _, _ = philox_block(
        np.uint64(block), pid & np.uint64(0xFFFFFFFF), pid >> np.uint64(32), np.uint64(step), k0, k1
    )
    return (w0 << np.uint64(32)) | w1


@numba.njit(cache=True, inline="always")
def next_uniform(state):
    """SplitMix64 (Steele, Lea & Flood 2014): return (new state, uniform on [0, 1))."""
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return state, float(z >> np.uint64(11)) * 2.0**-53


@numba.njit(cache=True)
def normal(state):
    """Return (new state, standard normal draw) by the Box–Muller transform."""
    state, u1 = next_uniform(state)
    state, u2 = next_uniform(state)
    return state, math.sqrt(-2.0 * math.log1p(-u1)) * math.cos(2.0 * math.pi * u2)


@numba.njit(cache=True)
def binomial(state, n, p):
    """Binomial draw: inversion for mean below 20, else the normal approximation (rounded, clipped to [0, n])."""
    if n <= 0 or p <= 0.0:
        return state, 0
    if p >= 1.0:
        return state, n
    if p > 0.5:
        state, k = binomial(state, n, 1.0 - p)
        return state, n - k
    mean = n * p
    if mean < 20.0:
        q = 1.0 - p
        s = p / q
        a = (n + 1) * s
        r = math.exp(n * math.log1p(-p))
        state, u = next_uniform(state)
        x = 0
        while u > r and x < n:
            u -= r
            x += 1
            r *= a / x - s
            if r <= 0.0:
                break
        return state, x
    state, z = normal(state)
    x = math.floor(mean + math.sqrt(mean * (1.0 - p)) * z + 0.5)
    return state, min(max(x, 0), n)


@numba.njit(cache=True)
def poisson(state, lam):
    """Poisson draw: inversion below mean 30, else the normal approximation (rounded, at least 0)."""
    if lam <= 0.0:
        return state, 0
    if lam < 30.0:
        state, u = next_uniform(state)
        x = 0
        p = math.exp(-lam)
        cumulative = p
        while u > cumulative and x < 1000:
            x += 1
            p *= lam / x
            cumulative += p
        return state, x
    state, z = normal(state)
    return state, max(0, math.floor(lam + math.sqrt(lam) * z + 0.5))


@numba.njit(cache=True)
def gamma(state, shape):
    """Gamma(shape, 1) draw by Marsaglia & Tsang (2000), with the u^(1/shape) boost below shape 1."""
    boost = 1.0
    if shape < 1.0:
        state, u = next_uniform(state)
        boost = (1.0 - u) ** (1.0 / shape)
        shape += 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        state, z = normal(state)
        v = 1.0 + c * z
        if v <= 0.0:
            continue
        v = v * v * v
        state, u = next_uniform(state)
        if math.log(1.0 - u) < 0.5 * z * z + d - d * v + d * math.log(v):
            return state, d * v * boost
