"""shared.tasks: the sequence generators follow their papers' recipes and refuse what they cannot make."""

from __future__ import annotations

import numpy as np
import pytest

from shared import tasks

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
