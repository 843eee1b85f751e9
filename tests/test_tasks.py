"""shared.environments.tasks: the sequence generators follow their papers' recipes and refuse what they cannot make."""

from __future__ import annotations

import numpy as np
import pytest

from shared.environments import tasks

# ---------------------------------------------------------------------------------------- Reber grammar


def legal_sets(string):
    rows = tasks.embedded_reber_legal_next(string)
    return ["".join(tasks.REBER_SYMBOLS[k] for k in np.flatnonzero(row)) for row in rows]


def test_legal_next_symbols_of_a_known_string():
    # B T | B T X S E | T E: outer B, outer T, inner B, inner T X S, inner E, outer T, E
    assert legal_sets("BTBTXSETE") == ["TP", "B", "TP", "SX", "SX", "E", "T", "E"]
    assert legal_sets("BPBPVVEPE") == ["TP", "B", "TP", "TV", "PV", "E", "P", "E"]
    # after the first V of state 2 both P and V are legal; after V V only E
    assert legal_sets("BTBPTVPSETE")[5:8] == ["PV", "SX", "E"]


@pytest.mark.parametrize("bad", ["BTBTXSEPE", "BTBTXXETE", "BTBTXSET", "TBTXSETEE", "BTBTSSSSETE", "BXBTXSETE"])
def test_strings_outside_the_grammar_are_refused(bad):
    with pytest.raises(ValueError):
        tasks.embedded_reber_legal_next(bad)


def test_generated_strings_are_in_the_grammar_with_the_expected_statistics():
    rng = np.random.default_rng(0)
    strings = [tasks.embedded_reber_string(rng) for _ in range(20000)]
    for s in strings[:2000]:
        tasks.embedded_reber_legal_next(s)               # raises if a string is not in the grammar
        assert s[1] == s[-2] and s[1] in "TP"
    lengths = np.array([len(s) for s in strings])
    # the inner Reber string has mean length 8 (2 + 6 expected transitions); the frame adds 4
    assert abs(lengths.mean() - 12.0) < 0.1
    assert lengths.min() == 9
    assert abs(np.mean([s[1] == "T" for s in strings]) - 0.5) < 0.02


# ---------------------------------------------------------------------------------------- adding problem


@pytest.mark.parametrize("T", [22, 100, 500])
def test_sequences_follow_the_papers_recipe(T):
    data = tasks.adding_sequences(np.random.default_rng(T), 3000, T)
    values, markers = data.x[..., 0], data.x[..., 1]
    assert data.x.shape == (3000, T + T // 10, 2)
    assert data.lengths.min() == T and data.lengths.max() == T + T // 10          # both ends drawn
    assert np.all(np.abs(values) <= 1.0)
    steps = np.arange(data.x.shape[1])[None, :]
    inside = steps < data.lengths[:, None]
    assert np.all(values[~inside] == 0) and np.all(markers[~inside] == 0)          # zero padding
    # exactly two pairs marked 1: one of the first ten, the other among the first T/2 pairs
    assert np.all((markers == 1).sum(axis=1) == 2)
    first, second = data.marked[:, 0], data.marked[:, 1]
    assert first.min() == 0 and first.max() == 9
    assert second.max() == T // 2 - 1 and np.all(second != first)
    rows = np.arange(len(data))
    assert np.all(markers[rows, first] == 1) and np.all(markers[rows, second] == 1)
    # -1 at the first pair (unless it is marked) and at the last; 0 everywhere else
    last = data.lengths - 1
    assert np.all(markers[rows, last] == -1)
    assert np.all(markers[first != 0, 0][second[first != 0] != 0] == -1)
    assert set(np.unique(markers[inside])) <= {-1.0, 0.0, 1.0}
    assert np.all((markers == -1).sum(axis=1) == 2 - ((first == 0) | (second == 0)))
    # a marked first pair counts as 0; the target is 0.5 + (X1 + X2) / 4, within [0, 1]
    assert np.all(values[(first == 0) | (second == 0), 0] == 0)
    marked_sum = np.where(markers == 1, values, 0.0).sum(axis=1)
    np.testing.assert_allclose(data.target[:, 0], 0.5 + marked_sum / 4)
    assert data.target.min() >= 0.0 and data.target.max() <= 1.0


def test_second_mark_is_uniform_over_the_first_unmarked_pairs():
    """X2's position: each of the first T/2 - 1 unmarked pairs equally often."""
    T = 40
    data = tasks.adding_sequences(np.random.default_rng(1), 40_000, T)
    first, second = data.marked[:, 0], data.marked[:, 1]
    rank = second - (second > first)                     # index among the unmarked pairs
    counts = np.bincount(rank, minlength=T // 2 - 1)
    assert counts.size == T // 2 - 1
    expected = len(data) / (T // 2 - 1)
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))


def test_short_T_is_refused():
    with pytest.raises(ValueError):
        tasks.adding_sequences(np.random.default_rng(0), 4, 20)


# ---------------------------------------------------------------------------------------- experiment 2


def test_task_2a_is_two_sequences_and_2b_keeps_only_the_ends():
    p = 100
    a = tasks.long_lag_sequences(np.random.default_rng(0), 4000, p, "2a")
    assert a.shape == (4000, p + 1)
    assert {tuple(row) for row in a} == {(p, *range(p - 1), p), (p - 1, *range(p - 1), p - 1)}   # (y ... y), (x ... x)
    assert abs((a[:, 0] == p).mean() - 0.5) < 0.03
    b = tasks.long_lag_sequences(np.random.default_rng(1), 4000, p, "2b")
    assert np.all(b[:, 0] == b[:, -1]) and set(b[:, 0]) == {p - 1, p}
    assert b[:, 1:-1].min() == 0 and b[:, 1:-1].max() == p - 2            # the middle: any a_i, x and y never
    with pytest.raises(ValueError):
        tasks.long_lag_sequences(np.random.default_rng(0), 2, p, "2c")


def test_task_2c_sequences_store_the_second_symbol_past_the_trigger():
    p, q = 50, 100
    rng = np.random.default_rng(2)
    seqs = [tasks.long_lag_2c_sequence(rng, p, q) for _ in range(3000)]
    trigger, start, x, y = p, p + 1, p + 2, p + 3
    for s in seqs:
        assert s[0] == start and s[1] in (x, y) and s[-1] == s[1] and s[-2] == trigger
        assert np.all(s[2:-2] < p)                                         # distractors only in between
    extra = np.array([len(s) - (q + 4) for s in seqs])
    assert extra.min() == 0 and abs(extra.mean() - 9.0) < 0.5             # geometric: 9/10 another distractor


# ---------------------------------------------------------------------------------------- experiment 3


@pytest.mark.parametrize("variant", ["3a", "3b", "3c"])
def test_two_sequence_problem_follows_its_variant(variant):
    T, N = 100, 3
    data = tasks.two_sequence_problem(np.random.default_rng(3), 6000, T, N, variant)
    x = data.x[..., 0]
    assert data.lengths.min() == T and data.lengths.max() == T + T // 10
    inside = np.arange(x.shape[1])[None, :] < data.lengths[:, None]
    assert np.all(x[~inside] == 0.0)
    sign = np.where(data.label == 1, 1.0, -1.0)[:, None]
    if variant == "3b":
        assert abs((x[:, :N] - sign).var() - 0.2) < 0.02                  # noise on the information too
    else:
        assert np.all(x[:, :N] == sign)
    later = x[:, N:T]
    assert abs(later.mean()) < 0.01 and abs(later.var() - 0.2) < 0.01
    clean = np.where(data.label == 1, *((0.2, 0.8) if variant == "3c" else (1.0, 0.0)))
    np.testing.assert_array_equal(data.clean[:, 0], clean)
    residual = data.target[:, 0] - clean
    assert abs(residual.var() - (0.1 if variant == "3c" else 0.0)) < 0.01


# ---------------------------------------------------------------------------------------- experiment 5


def test_multiplication_sequences_multiply_the_marked_values():
    data = tasks.multiplication_sequences(np.random.default_rng(4), 5000, 100)
    values, markers = data.x[..., 0], data.x[..., 1]
    assert values.min() >= 0.0 and values.max() <= 1.0
    rows = np.arange(len(data))
    first, second = data.marked[:, 0], data.marked[:, 1]
    np.testing.assert_array_equal(data.target[:, 0], values[rows, first] * values[rows, second])
    assert np.all(values[(first == 0) | (second == 0), 0] == 1.0)         # a marked first pair counts as 1.0
    assert np.all((markers == 1).sum(axis=1) == 2)


# ---------------------------------------------------------------------------------------- experiment 6


@pytest.mark.parametrize("variant", ["6a", "6b"])
def test_temporal_order_sequences_put_x_and_y_where_the_paper_says(variant):
    data = tasks.temporal_order_sequences(np.random.default_rng(5), 6000, variant)
    E, B, X, Y = (tasks.TEMPORAL_SYMBOLS.index(s) for s in "EBXY")
    rows = np.arange(len(data.lengths))
    assert data.lengths.min() == 100 and data.lengths.max() == 110
    assert np.all(data.codes[:, 0] == E) and np.all(data.codes[rows, data.lengths - 1] == B)
    for k, (low, high) in enumerate(tasks.TEMPORAL_POSITIONS[variant]):
        assert data.positions[:, k].min() == low and data.positions[:, k].max() == high
    marked = data.codes[rows[:, None], data.positions - 1]
    assert np.all((marked == X) | (marked == Y))
    others = data.codes.copy()
    others[rows[:, None], data.positions - 1] = 0
    others[:, 0] = 0
    others[rows, data.lengths - 1] = 0
    inside = np.arange(110)[None, :] < data.lengths[:, None]
    assert np.all(others[inside] <= 3) and np.all(data.codes[~inside] == -1)
    bits = (marked == Y).astype(int)
    np.testing.assert_array_equal(data.label, bits @ (1 << np.arange(bits.shape[1]))[::-1])
    assert np.bincount(data.label).size == 2 ** bits.shape[1]


def _legal(blocks, n):
    codes, targets, weights = tasks.counting_strings(blocks, [n])
    names = "ab" + ("c" if blocks == 3 else "") + "T"
    return ["".join(names[o] for o in np.nonzero(row)[0]) for row in targets[0][weights[0] > 0]], codes[0]


def test_counting_strings_legal_sets_by_hand():
    legal, codes = _legal(2, 2)                         # S a a b b
    assert codes.tolist() == [0, 1, 1, 2, 2]
    assert legal == ["a", "ab", "ab", "b", "T"]
    legal, codes = _legal(3, 2)                         # S a a b b c c
    assert codes.tolist() == [0, 1, 1, 2, 2, 3, 3]
    assert legal == ["a", "ab", "ab", "b", "c", "c", "T"]
    legal, _ = _legal(2, 1)                             # S a b
    assert legal == ["a", "ab", "T"]


@pytest.mark.parametrize("blocks", [2, 3])
def test_counting_strings_always_allow_the_true_next_symbol_and_pad(blocks):
    ns = [1, 4, 9, 2]
    codes, targets, weights = tasks.counting_strings(blocks, ns, width=40)
    assert codes.shape == (4, 40) and targets.shape == (4, 40, blocks + 1)
    for i, n in enumerate(ns):
        L = 1 + blocks * n
        assert weights[i].sum() == L and (codes[i, L:] == -1).all() and not targets[i, L:].any()
        for t in range(L - 1):                          # the symbol that follows is legal (inputs 1.. = outputs 0..)
            assert targets[i, t, codes[i, t + 1] - 1] == 1.0
        assert targets[i, L - 1].tolist() == [0.0] * blocks + [1.0]


def test_counting_strings_refuse_bad_arguments():
    with pytest.raises(ValueError):
        tasks.counting_strings(4, [1])
    with pytest.raises(ValueError):
        tasks.counting_strings(2, [0])
    with pytest.raises(ValueError):
        tasks.counting_strings(2, [5], width=3)
