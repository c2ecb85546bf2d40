"""Tests of dormancy.rng: replicate seed sequences and the counter-based (Philox4x32-10) agent streams."""

import numpy as np
import pytest
from scipy import stats

from dormancy import rng

# Random123 known-answer vectors, rows "philox4x32 7" and "philox4x32 10" of Random123's tests/kat_vectors, as
# cut-and-pasted into D. E. Shaw Research's Random123-Boost, libs/random/test/test_philox.cpp
# (commit 916db91ae4c6fd8324ef054a518851321ab41f91). Format: rounds, counter[4], key[2], expected[4].
KAT = """
7  00000000 00000000 00000000 00000000 00000000 00000000   5f6fb709 0d893f64 4f121f81 4f730a48
7  ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff   5207ddc2 45165e59 4d8ee751 8c52f662
7  243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0   4dfccaba 190a87f0 c47362ba b6b5242a
10 00000000 00000000 00000000 00000000 00000000 00000000   6627e8d5 e169c58d bc57ac4c 9b00dbd8
10 ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff   408f276d 41c83b0e a20bc7c6 6d5451fd
10 243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0   d16cfe09 94fdcceb 5001e420 24126ea1
"""
KAT_ROWS = [[int(line.split()[0])] + [int(w, 16) for w in line.split()[1:]] for line in KAT.strip().splitlines()]


def reference_philox(counter, key, rounds=10):
    """Scalar Philox4x32 in plain Python ints, written from the paper's round function."""
    x0, x1, x2, x3 = counter
    k0, k1 = key
    for r in range(rounds):
        if r:
            k0, k1 = (k0 + 0x9E3779B9) % 2**32, (k1 + 0xBB67AE85) % 2**32
        p0, p1 = 0xD2511F53 * x0, 0xCD9E8D57 * x2
        x0, x1, x2, x3 = (p1 >> 32) ^ x1 ^ k0, p1 % 2**32, (p0 >> 32) ^ x3 ^ k1, p0 % 2**32
    return [x0, x1, x2, x3]


def reference_uniform(seed, agent_id, step, j, tag=rng.UNIFORM_TAG, stream=0):
    """Draw j of one agent following the layout documented in the module docstring."""
    key = [int(k) for k in np.random.SeedSequence(seed, spawn_key=(tag, stream)).generate_state(2, np.uint32)]
    w = reference_philox([j // 2, agent_id % 2**32, agent_id >> 32, step], key)
    hi, lo = (w[0], w[1]) if j % 2 == 0 else (w[2], w[3])
    return ((hi << 32 | lo) >> 11) / 2**53


@pytest.mark.parametrize("row", KAT_ROWS, ids=lambda row: f"philox4x32-{row[0]}-{row[1]:08x}")
def test_philox_matches_random123_known_answers(row):
    rounds, counter, key, expected = row[0], row[1:5], row[5:7], row[7:11]
    out = rng.philox4x32(np.array(counter, dtype=np.uint32), np.array(key, dtype=np.uint32), rounds=rounds)
    assert out.dtype == np.uint32
    assert out.tolist() == expected
    assert reference_philox(counter, key, rounds) == expected


def test_philox_is_vectorised_and_broadcasts_the_key():
    counters = np.array([row[1:5] for row in KAT_ROWS if row[0] == 10], dtype=np.uint32)
    keys = np.array([row[5:7] for row in KAT_ROWS if row[0] == 10], dtype=np.uint32)
    expected = [row[7:11] for row in KAT_ROWS if row[0] == 10]
    assert rng.philox4x32(counters, keys).tolist() == expected
    generator = np.random.default_rng(12345)
    many = generator.integers(0, 2**32, size=(3, 7, 4), dtype=np.uint32)
    key = generator.integers(0, 2**32, size=2, dtype=np.uint32)
    out = rng.philox4x32(many, key)
    assert out.shape == (3, 7, 4)
    for index in np.ndindex(3, 7):
        assert out[index].tolist() == reference_philox(many[index].tolist(), key.tolist())


def test_agent_uniforms_follow_the_documented_layout():
    ids = [0, 7, 2**32 - 1, 2**32, 2**63 + 5, 2**64 - 1]
    got = rng.agent_uniforms(99, np.array(ids, dtype=np.uint64), 2**32 - 1, 5, stream=3)
    for row, agent in enumerate(ids):
        for j in range(5):
            assert got[row, j] == reference_uniform(99, agent, 2**32 - 1, j, stream=3)


def test_agent_ids_differing_only_in_high_word_get_different_streams():
    draws = rng.agent_uniforms(1, [0, 2**32, 2**63, 2**64 - 1, 2**32 - 1], 0, 4)
    assert len({tuple(row) for row in draws.tolist()}) == 5


def test_draws_do_not_depend_on_order_or_batching():
    together = rng.agent_uniforms(2024, [5, 1, 3], 17, 9)
    one_by_one = np.vstack([rng.agent_uniforms(2024, [a], 17, 9) for a in (5, 1, 3)])
    shuffled = rng.agent_uniforms(2024, np.array([3, 5, 1], dtype=np.int64), 17, 9)
    np.testing.assert_array_equal(together, one_by_one)
    np.testing.assert_array_equal(together, shuffled[[1, 2, 0]])
    normals = rng.agent_normals(2024, [5, 1, 3], 17, 9)
    np.testing.assert_array_equal(normals, np.vstack([rng.agent_normals(2024, [a], 17, 9) for a in (5, 1, 3)]))


def test_draw_j_does_not_depend_on_n_draws():
    for draw in (rng.agent_uniforms, rng.agent_normals):
        long = draw(8, [4, 9], 2, 11)
        for n in (0, 1, 2, 3, 10):
            np.testing.assert_array_equal(draw(8, [4, 9], 2, n), long[:, :n])


def test_same_arguments_give_identical_draws():
    np.testing.assert_array_equal(rng.agent_uniforms(5, [1, 2], 3, 4), rng.agent_uniforms(5, [1, 2], 3, 4))
    np.testing.assert_array_equal(rng.agent_normals(5, [1, 2], 3, 4), rng.agent_normals(5, [1, 2], 3, 4))


@pytest.mark.parametrize("draw", [rng.agent_uniforms, rng.agent_normals])
def test_steps_seeds_and_streams_change_the_draws(draw):
    base = draw(1, [0, 1, 2], 0, 8)
    for other in (draw(1, [0, 1, 2], 1, 8), draw(2, [0, 1, 2], 0, 8), draw(1, [0, 1, 2], 0, 8, stream=1)):
        assert not np.any(base == other)


def test_uniforms_and_normals_use_independent_bits():
    u = rng.agent_uniforms(3, np.arange(20_000), 0, 2).ravel()
    z = rng.agent_normals(3, np.arange(20_000), 0, 2).ravel()
    assert abs(np.corrcoef(u, z)[0, 1]) < 0.03


def test_uniforms_are_in_unit_interval_with_53_bit_resolution():
    u = rng.agent_uniforms(7, np.arange(50_000), 3, 4)
    assert u.shape == (50_000, 4)
    assert u.dtype == np.float64
    assert u.min() >= 0.0
    assert u.max() < 1.0
    scaled = u * 2.0**53
    np.testing.assert_array_equal(scaled, np.floor(scaled))
    low_bits = scaled.astype(np.uint64) & np.uint64(0x1FFFFF)  # the 21 bits a 32-bit draw would lack
    assert np.count_nonzero(low_bits) > 0.99 * u.size


def test_uniforms_pass_kolmogorov_smirnov_and_are_uncorrelated():
    u = rng.agent_uniforms(20240601, np.arange(25_000), 12, 4)
    assert stats.kstest(u.ravel(), "uniform").pvalue > 1e-3
    for column in range(4):
        assert stats.kstest(u[:, column], "uniform").pvalue > 1e-3
    assert abs(np.corrcoef(u[:, 0], u[:, 1])[0, 1]) < 0.03  # draws within one block
    assert abs(np.corrcoef(u[:, 1], u[:, 2])[0, 1]) < 0.03  # consecutive blocks
    assert abs(np.corrcoef(u[:-1, 0], u[1:, 0])[0, 1]) < 0.03  # neighbouring agents


def test_normals_pass_kolmogorov_smirnov():
    z = rng.agent_normals(20240601, np.arange(25_000), 12, 4)
    assert np.all(np.isfinite(z))
    assert stats.kstest(z.ravel(), "norm").pvalue > 1e-3
    assert stats.kstest(z[:, 0::2].ravel(), "norm").pvalue > 1e-3  # cosine branch
    assert stats.kstest(z[:, 1::2].ravel(), "norm").pvalue > 1e-3  # sine branch
    assert abs(np.corrcoef(z[:, 0], z[:, 1])[0, 1]) < 0.03


def test_box_muller_is_finite_at_the_ends_of_the_uniform_range():
    u = np.array([0.0, 2.0**-53, 0.5, 1.0 - 2.0**-53])
    z0, z1 = rng._box_muller(u, u)
    assert np.all(np.isfinite(z0))
    assert np.all(np.isfinite(z1))
    assert z0[0] == 0.0
    assert np.max(np.hypot(z0, z1)) < 8.6


def test_replicate_children_do_not_depend_on_n():
    five = rng.replicate_seeds(42, 5)
    fifty = rng.replicate_seeds(42, 50)
    assert len(five) == 5
    assert len(fifty) == 50
    for small, large in zip(five, fifty[:5], strict=True):
        assert small.spawn_key == large.spawn_key
        np.testing.assert_array_equal(small.generate_state(8), large.generate_state(8))
    states = {tuple(s.generate_state(4)) for s in fifty}
    assert len(states) == 50
    assert not np.array_equal(rng.replicate_seeds(43, 1)[0].generate_state(4), five[0].generate_state(4))


def test_replicate_generator_equals_the_spawned_child():
    children = np.random.SeedSequence(42).spawn(10)
    for index in (0, 3, 9):
        expected = np.random.default_rng(children[index])
        got = rng.replicate_generator(42, index)
        assert got.bit_generator.state == expected.bit_generator.state
        np.testing.assert_array_equal(got.random(100), expected.random(100))
        np.testing.assert_array_equal(
            rng.replicate_generator(42, index).random(5),
            np.random.default_rng(rng.replicate_seeds(42, 10)[index]).random(5),
        )
    assert rng.replicate_generator(42, 0).random() != rng.replicate_generator(42, 1).random()


@pytest.mark.parametrize(
    "call",
    [
        lambda: rng.replicate_seeds(-1, 3),
        lambda: rng.replicate_seeds(1, -3),
        lambda: rng.replicate_seeds(1.5, 3),
        lambda: rng.replicate_generator(-1, 0),
        lambda: rng.replicate_generator(1, -1),
        lambda: rng.replicate_generator(True, 0),
        lambda: rng.agent_uniforms(-1, [1], 0, 1),
        lambda: rng.agent_uniforms(1, [1, -2], 0, 1),
        lambda: rng.agent_uniforms(1, [-1, 2**64 - 1], 0, 1),
        lambda: rng.agent_uniforms(1, [2**64], 0, 1),
        lambda: rng.agent_uniforms(1, [1.0], 0, 1),
        lambda: rng.agent_uniforms(1, [[1]], 0, 1),
        lambda: rng.agent_uniforms(1, 1, 0, 1),
        lambda: rng.agent_uniforms(1, [1], -1, 1),
        lambda: rng.agent_uniforms(1, [1], 2**32, 1),
        lambda: rng.agent_uniforms(1, [1], 0, -1),
        lambda: rng.agent_uniforms(1, [1], 0, 1, stream=-1),
        lambda: rng.agent_normals(1, np.array([-3]), 0, 1),
        lambda: rng.agent_normals(1, [1], -1, 1),
        lambda: rng.philox4x32([0, 0, 0], [0, 0]),
        lambda: rng.philox4x32([0, 0, 0, 0], [0, 0, 0]),
        lambda: rng.philox4x32([0, 0, 0, -1], [0, 0]),
        lambda: rng.philox4x32([0, 0, 0, 2**32], [0, 0]),
        lambda: rng.philox4x32(np.zeros((3, 4), np.uint32), np.zeros((2, 2), np.uint32)),
        lambda: rng.philox4x32([0, 0, 0, 0], [0, 0], rounds=0),
    ],
)
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError, match=r"must|broadcast"):
        call()


def test_error_messages_name_the_argument():
    with pytest.raises(ValueError, match="seed must be a non-negative integer; got -1"):
        rng.agent_uniforms(-1, [1], 0, 1)
    with pytest.raises(ValueError, match="agent ids must be non-negative"):
        rng.agent_uniforms(1, np.array([3, -2]), 0, 1)
    with pytest.raises(ValueError, match=r"step must be less than 4294967296"):
        rng.agent_uniforms(1, [1], 2**32, 1)


def test_empty_inputs_give_empty_arrays():
    assert rng.agent_uniforms(1, [], 0, 3).shape == (0, 3)
    assert rng.agent_normals(1, np.array([], dtype=np.int64), 0, 3).shape == (0, 3)
    assert rng.agent_uniforms(1, [4], 0, 0).shape == (1, 0)
    assert rng.replicate_seeds(1, 0) == []
