"""Seeds and random streams: the package's only source of randomness.

Two mechanisms, both derived from one non-negative integer ``seed`` and both free of global state:

**Replicate streams** (:func:`replicate_seeds`, :func:`replicate_generator`). Replicate (or virtual patient)
``i`` gets child ``i`` of ``numpy.random.SeedSequence(seed)``, i.e. ``SeedSequence(seed, spawn_key=(i,))``, and a
``numpy.random.Generator`` (PCG64) seeded from it. Child ``i`` does not depend on how many children exist, so a
replicate draws the same values whether 5 or 5000 replicates run, in any order, on any number of workers. Use it
for a unit of work that consumes random numbers *sequentially*: sampling parameters from priors, a patient's
history, one stochastic trajectory.

**Agent streams** (:func:`agent_uniforms`, :func:`agent_normals`). A counter-based generator, Philox4x32-10
(Salmon et al. 2011, bibliography key ``salmon2011``; the Random123 library), is a keyed bijection of a 128-bit
counter: draw ``j`` of agent ``a`` at step ``t`` is a pure function of ``(seed, a, t, j)``. There is no state to
advance, store or checkpoint, and the result does not depend on which agents are processed together, in which
order, or on how many workers. Use it inside agent-based models, where agents are born, die and are processed in
batches. Two draws for different purposes at the same step: take different columns (draw indices), or pass a
different ``stream``.

Layout of the agent streams. The 64-bit Philox key ``(k0, k1)`` is
``SeedSequence(seed, spawn_key=(tag, stream)).generate_state(2, numpy.uint32)``, with ``tag`` the constant
:data:`UNIFORM_TAG` for :func:`agent_uniforms` and :data:`NORMAL_TAG` for :func:`agent_normals` (so the two are
independent). The counter of block ``b`` of agent ``a`` at step ``t`` is
``(b, a mod 2**32, a // 2**32, t)``: distinct agents, steps and blocks are distinct counters, and Philox is a
bijection for a fixed key, so no two of them share output. Block ``b`` gives four words ``w0..w3`` and two doubles,
draws ``2b`` and ``2b + 1``: ``u = ((w_hi * 2**32 + w_lo) >> 11) * 2**-53`` from ``(w0, w1)`` and ``(w2, w3)``.
Replicate ``i`` of an agent-based ensemble can use ``int(replicate_seeds(seed, n)[i].generate_state(1,
numpy.uint64)[0])`` as its agent seed.
"""

from __future__ import annotations

import functools
import operator

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "NORMAL_TAG",
    "UNIFORM_TAG",
    "agent_normals",
    "agent_uniforms",
    "philox4x32",
    "replicate_generator",
    "replicate_seeds",
]

UNIFORM_TAG = 0x554E4946  # "UNIF": spawn-key tag of the key behind agent_uniforms
NORMAL_TAG = 0x4E4F524D  # "NORM": spawn-key tag of the key behind agent_normals

_MASK32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
_SHIFT11 = np.uint64(11)
_PHILOX_M0 = np.uint64(0xD2511F53)
_PHILOX_M1 = np.uint64(0xCD9E8D57)
_PHILOX_W0 = np.uint64(0x9E3779B9)  # golden ratio, 2**32 (sqrt(5) - 1) / 2
_PHILOX_W1 = np.uint64(0xBB67AE85)  # 2**32 (sqrt(3) - 1)


def _integer(name: str, value: object, upper: int | None = None) -> int:
    """Return ``value`` as a Python int in ``[0, upper)``, or raise ValueError naming ``name``."""
    if isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be a non-negative integer; got {value!r}")
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"{name} must be a non-negative integer; got {value!r}") from None
    if number < 0:
        raise ValueError(f"{name} must be a non-negative integer; got {number}")
    if upper is not None and number >= upper:
        raise ValueError(f"{name} must be less than {upper}; got {number}")
    return number


def replicate_seeds(seed: int, n: int) -> list[np.random.SeedSequence]:
    """Return the seed sequences of replicates ``0 .. n-1``: the first ``n`` children of ``SeedSequence(seed)``.

    Parameters
    ----------
    seed : int
        Non-negative master seed.
    n : int
        Number of replicates (non-negative).

    Returns
    -------
    list of numpy.random.SeedSequence
        Child ``i`` has ``spawn_key == (i,)`` and is the same whatever ``n`` is (for ``i < n``).

    Raises
    ------
    ValueError
        If ``seed`` or ``n`` is not a non-negative integer.
    """
    seed = _integer("seed", seed)
    n = _integer("n", n)
    return np.random.SeedSequence(seed).spawn(n)


def replicate_generator(seed: int, index: int) -> np.random.Generator:
    """Return the generator of replicate ``index`` without creating the children before it.

    ``SeedSequence(seed, spawn_key=(index,))`` is exactly what ``SeedSequence(seed).spawn(index + 1)[index]`` is,
    so this equals ``numpy.random.default_rng(replicate_seeds(seed, n)[index])`` for every ``n > index``.

    Parameters
    ----------
    seed : int
        Non-negative master seed.
    index : int
        Replicate index (non-negative).

    Returns
    -------
    numpy.random.Generator
        A PCG64 generator seeded from child ``index``.

    Raises
    ------
    ValueError
        If ``seed`` or ``index`` is not a non-negative integer.
    """
    seed = _integer("seed", seed)
    index = _integer("index", index)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))


def _philox_words(
    c0: NDArray[np.uint64],
    c1: NDArray[np.uint64],
    c2: NDArray[np.uint64],
    c3: NDArray[np.uint64],
    k0: NDArray[np.uint64],
    k1: NDArray[np.uint64],
    rounds: int,
) -> tuple[NDArray[np.uint64], ...]:
    """Philox4x32 on words held in uint64 arrays (values below 2**32), broadcasting; no validation."""
    for r in range(rounds):
        if r:
            k0 = (k0 + _PHILOX_W0) & _MASK32
            k1 = (k1 + _PHILOX_W1) & _MASK32
        p0 = _PHILOX_M0 * c0  # exact: both factors < 2**32
        p1 = _PHILOX_M1 * c2
        c0, c1, c2, c3 = (p1 >> _SHIFT32) ^ c1 ^ k0, p1 & _MASK32, (p0 >> _SHIFT32) ^ c3 ^ k1, p0 & _MASK32
    return c0, c1, c2, c3


def _words(name: str, value: ArrayLike, width: int) -> NDArray[np.uint64]:
    array = np.asarray(value)
    if array.dtype.kind not in "iu" or array.ndim == 0 or array.shape[-1] != width:
        raise ValueError(f"{name} must be an integer array of shape (..., {width}); got {array.dtype} {array.shape}")
    if array.size and (array.min() < 0 or array.max() > 0xFFFFFFFF):
        raise ValueError(f"{name} words must lie in [0, 2**32)")
    return array.astype(np.uint64)


def philox4x32(counter: ArrayLike, key: ArrayLike, rounds: int = 10) -> NDArray[np.uint32]:
    r"""Apply the Philox4x32 block function to counters, vectorised over leading axes.

    One round maps counter ``(x0, x1, x2, x3)`` and round key ``(k0, k1)`` to
    ``(hi(M1 x2) ^ x1 ^ k0, lo(M1 x2), hi(M0 x0) ^ x3 ^ k1, lo(M0 x0))``, where ``hi``/``lo`` are the upper/lower
    32 bits of the exact 64-bit product (computed in uint64), :math:`M_0` = ``0xD2511F53``,
    :math:`M_1` = ``0xCD9E8D57``. Between rounds the key is bumped by the Weyl increments ``0x9E3779B9`` and
    ``0xBB67AE85`` modulo :math:`2^{32}`. Ten rounds is Random123's default, "Crush-resistant" Philox4x32-10
    (Salmon JK, Moraes MA, Dror RO, Shaw DE, 2011, "Parallel random numbers: as easy as 1, 2, 3", SC'11,
    doi:10.1145/2063384.2063405).

    Parameters
    ----------
    counter : array_like of int, shape (..., 4)
        Counter words, each in ``[0, 2**32)``.
    key : array_like of int, shape (..., 2)
        Key words, each in ``[0, 2**32)``; leading axes broadcast against ``counter``'s.
    rounds : int, default 10
        Number of rounds (at least 1).

    Returns
    -------
    numpy.ndarray of uint32, shape (broadcast(...), 4)
        The output blocks; word order as in Random123's ``philox4x32_R``.

    Raises
    ------
    ValueError
        If shapes, dtypes or word ranges are wrong, or ``rounds < 1``.

    Notes
    -----
    Checked against the Random123 known-answer vectors ``philox4x32 7`` and ``philox4x32 10`` (``tests/kat_vectors``
    of Random123, as reproduced in D. E. Shaw Research's Random123-Boost ``libs/random/test/test_philox.cpp``).
    """
    rounds = _integer("rounds", rounds)
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    ctr = _words("counter", counter, 4)
    k = _words("key", key, 2)
    try:
        shape = np.broadcast_shapes(ctr.shape[:-1], k.shape[:-1])
    except ValueError:
        raise ValueError(f"counter {ctr.shape} and key {k.shape} leading axes do not broadcast") from None
    words = _philox_words(ctr[..., 0], ctr[..., 1], ctr[..., 2], ctr[..., 3], k[..., 0], k[..., 1], rounds)
    return np.stack([np.broadcast_to(w, shape) for w in words], axis=-1).astype(np.uint32)


@functools.lru_cache(maxsize=256)
def _agent_key(seed: int, tag: int, stream: int) -> tuple[np.uint64, np.uint64]:
    k0, k1 = np.random.SeedSequence(seed, spawn_key=(tag, stream)).generate_state(2, np.uint32)
    return np.uint64(k0), np.uint64(k1)


def _agent_ids(agent_ids: ArrayLike) -> NDArray[np.uint64]:
    ids = np.asarray(agent_ids)
    if ids.ndim != 1:
        raise ValueError(f"agent_ids must be one-dimensional; got shape {ids.shape}")
    if ids.dtype.kind in "iu":
        if ids.size and ids.min() < 0:
            raise ValueError(f"agent ids must be non-negative; got {ids.min()}")
        return ids.astype(np.uint64)
    # Python ints beyond int64, or a mix NumPy turned into floats: check each value exactly.
    values = [_integer("agent id", v, 2**64) for v in np.asarray(agent_ids, dtype=object).tolist()]
    return np.array(values, dtype=np.uint64)


def _uniforms(seed: int, agent_ids: ArrayLike, step: int, n_draws: int, tag: int, stream: int) -> NDArray[np.float64]:
    seed = _integer("seed", seed)
    step = _integer("step", step, 2**32)
    n_draws = _integer("n_draws", n_draws, 2**33 + 1)
    stream = _integer("stream", stream, 2**32)
    ids = _agent_ids(agent_ids)
    k0, k1 = _agent_key(seed, tag, stream)
    n_blocks = (n_draws + 1) // 2
    blocks = np.arange(n_blocks, dtype=np.uint64)[np.newaxis, :]
    lo, hi = (ids & _MASK32)[:, np.newaxis], (ids >> _SHIFT32)[:, np.newaxis]
    w0, w1, w2, w3 = _philox_words(blocks, lo, hi, np.uint64(step), k0, k1, 10)
    pair = np.stack([((w0 << _SHIFT32) | w1) >> _SHIFT11, ((w2 << _SHIFT32) | w3) >> _SHIFT11], axis=-1)
    out = pair.reshape(len(ids), 2 * n_blocks)[:, :n_draws].astype(np.float64) * 2.0**-53
    return np.ascontiguousarray(out)


def agent_uniforms(seed: int, agent_ids: ArrayLike, step: int, n_draws: int, *, stream: int = 0) -> NDArray[np.float64]:
    r"""Return uniform draws on :math:`[0, 1)` keyed by (seed, agent id, step, draw index).

    Draw ``j`` of agent ``a`` at step ``t`` is :math:`u = \lfloor x / 2^{11} \rfloor \, 2^{-53}` with :math:`x` the
    64-bit word ``w_hi * 2**32 + w_lo`` of Philox4x32-10 block ``j // 2`` (layout in the module docstring): 53
    random bits, values in ``{0, 2**-53, ..., 1 - 2**-53}``. It depends on nothing else, so any batching or order
    of agents gives the same numbers, and the first ``m`` columns are the same for every ``n_draws >= m``.

    Parameters
    ----------
    seed : int
        Non-negative seed.
    agent_ids : array_like of int, shape (n_agents,)
        Agent identifiers in ``[0, 2**64)``; repeats give repeated rows.
    step : int
        Time step in ``[0, 2**32)``.
    n_draws : int
        Draws per agent, in ``[0, 2**33]``.
    stream : int, default 0
        Independent sub-stream in ``[0, 2**32)`` (a different purpose at the same step).

    Returns
    -------
    numpy.ndarray of float64, shape (n_agents, n_draws)
        Row ``i`` belongs to ``agent_ids[i]``.

    Raises
    ------
    ValueError
        If any argument is negative, not an integer, or out of range.
    """
    return _uniforms(seed, agent_ids, step, n_draws, UNIFORM_TAG, stream)


def _box_muller(u1: NDArray[np.float64], u2: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Box–Muller pairs from uniforms on [0, 1); ``1 - u1`` lies in (0, 1], so the logarithm is finite."""
    radius = np.sqrt(-2.0 * np.log1p(-u1))
    angle = 2.0 * np.pi * u2
    return radius * np.cos(angle), radius * np.sin(angle)


def agent_normals(seed: int, agent_ids: ArrayLike, step: int, n_draws: int, *, stream: int = 0) -> NDArray[np.float64]:
    r"""Return standard normal draws keyed by (seed, agent id, step, draw index).

    Uniforms :math:`u_{2m}, u_{2m+1}` are made as in :func:`agent_uniforms`, but under the key tagged
    :data:`NORMAL_TAG`, so they are independent of :func:`agent_uniforms` with the same arguments. The Box–Muller
    transform (Box GEP, Muller ME, 1958, Ann. Math. Statist. 29:610–611) gives
    :math:`z_{2m} = r \cos(2\pi u_{2m+1})`, :math:`z_{2m+1} = r \sin(2\pi u_{2m+1})` with
    :math:`r = \sqrt{-2 \ln(1 - u_{2m})}`. As :math:`1 - u \in [2^{-53}, 1]`, :math:`|z| \le 8.58`: never infinite
    or NaN. Draw ``j`` depends only on (seed, agent id, step, j // 2, stream).

    Parameters
    ----------
    seed : int
        Non-negative seed.
    agent_ids : array_like of int, shape (n_agents,)
        Agent identifiers in ``[0, 2**64)``.
    step : int
        Time step in ``[0, 2**32)``.
    n_draws : int
        Draws per agent, in ``[0, 2**33]``.
    stream : int, default 0
        Independent sub-stream in ``[0, 2**32)``.

    Returns
    -------
    numpy.ndarray of float64, shape (n_agents, n_draws)
        Row ``i`` belongs to ``agent_ids[i]``.

    Raises
    ------
    ValueError
        If any argument is negative, not an integer, or out of range.
    """
    n_draws = _integer("n_draws", n_draws, 2**33 + 1)
    u = _uniforms(seed, agent_ids, step, n_draws + n_draws % 2, NORMAL_TAG, stream)
    z0, z1 = _box_muller(u[:, 0::2], u[:, 1::2])
    return np.ascontiguousarray(np.stack([z0, z1], axis=-1).reshape(u.shape)[:, :n_draws])
