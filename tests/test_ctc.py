"""shared.networks.ctc: the loss against a sum over every path, its gradient against finite differences,
the decoders against brute force, and the refusals."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import shared  # noqa: F401
from shared.frame.gradcheck import check_gradients
from shared.networks.ctc import (best_path_decode, collapse, ctc_loss, ctc_loss_backward, edit_distance, label_error,
                                 log_softmax, prefix_search_decode, token_passing_decode)


def brute_force(log_y: np.ndarray, blank: int = 0) -> dict:
    """ln p(labelling | x) of every labelling, by summing the probabilities of all K^T paths."""
    frames, symbols = log_y.shape
    totals: dict = {}
    for path in itertools.product(range(symbols), repeat=frames):
        key = tuple(collapse(path, blank))
        totals[key] = np.logaddexp(totals.get(key, -np.inf), log_y[np.arange(frames), path].sum())
    return totals


def test_collapse_merges_then_drops_blanks():
    assert collapse([0, 1, 1, 0, 1, 2, 2, 0], blank=0).tolist() == [1, 1, 2]
    assert collapse([3, 3, 1, 3], blank=3).tolist() == [1]
    assert collapse([], blank=0).tolist() == []


@pytest.mark.parametrize("blank", [0, 2])
def test_loss_equals_the_sum_over_paths(blank):
    rng = np.random.default_rng(0)
    frames, symbols = 5, 3
    logits = rng.normal(size=(1, frames, symbols)) * 2
    totals = brute_force(log_softmax(logits[0]), blank)
    for labelling, log_p in totals.items():
        nll, _ = ctc_loss(logits, [np.array(labelling)], blank=blank)
        assert nll[0] == pytest.approx(-log_p, rel=1e-10, abs=1e-10), labelling
    # the probabilities of all labellings sum to one
    assert np.logaddexp.reduce(list(totals.values())) == pytest.approx(0.0, abs=1e-10)


def test_lengths_ignore_padding_frames():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(2, 6, 4))
    labels = [np.array([1, 2]), np.array([3, 3])]
    nll, cache = ctc_loss(logits, labels, lengths=[4, 6])
    alone, _ = ctc_loss(logits[:1, :4], labels[:1])
    assert nll[0] == pytest.approx(alone[0], rel=1e-12)
    grad = ctc_loss_backward(cache)
    assert np.all(grad[0, 4:] == 0)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(3, 7, 4))
    labels = [np.array([1, 2, 1]), np.array([3, 3]), np.array([], dtype=int)]
    lengths = np.array([7, 5, 6])
    weights = rng.normal(size=3)

    def loss():
        return float(weights @ ctc_loss(logits, labels, lengths)[0])

    _, cache = ctc_loss(logits, labels, lengths)
    analytic = {"logits": ctc_loss_backward(cache, weights)}
    errors = check_gradients(loss, {"logits": logits}, analytic)
    assert max(errors.values()) < 1e-6, errors


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 5), st.integers(2, 3))
def test_prefix_search_finds_the_most_probable_labelling(seed, frames, symbols):
    rng = np.random.default_rng(seed)
    log_y = log_softmax(rng.normal(size=(frames, symbols)) * 2)
    totals = brute_force(log_y)
    labelling, log_p, exact = prefix_search_decode(log_y)
    assert exact
    assert log_p == pytest.approx(max(totals.values()), abs=1e-10)
    assert log_p == pytest.approx(totals[tuple(labelling.tolist())], abs=1e-10)


def test_prefix_search_beats_best_path_where_paths_add_up():
    # two frames, blank 0.6 / 'a' 0.4 each: the best path is blank-blank (0.36) but 'a' has 0.64
    log_y = np.log(np.array([[0.6, 0.4], [0.6, 0.4]]))
    assert best_path_decode(log_y[None])[0].tolist() == []
    labelling, log_p, exact = prefix_search_decode(log_y)
    assert labelling.tolist() == [1] and np.exp(log_p) == pytest.approx(0.64) and exact


def best_paths(log_y: np.ndarray, blank: int = 0) -> dict:
    """max over the paths that B maps to each labelling of their ln probability, by enumerating all K^T paths."""
    frames, symbols = log_y.shape
    best: dict = {}
    for path in itertools.product(range(symbols), repeat=frames):
        key = tuple(collapse(path, blank))
        best[key] = max(best.get(key, -np.inf), log_y[np.arange(frames), path].sum())
    return best


def brute_force_words(log_y, words, unigram, bigram, lm_weight, penalty):
    """The best score over word sequences: LM + the best path of their labelling (the word sequences
    whose labelling fits in the frames, at most one word per frame)."""
    paths = best_paths(log_y)
    best, best_sequences = -np.inf, []
    for n in range(1, len(log_y) + 1):
        for sequence in itertools.product(range(len(words)), repeat=n):
            labelling = tuple(label for w in sequence for label in words[w])
            if labelling not in paths:
                continue
            lm = unigram[sequence[0]] + sum(bigram[a, b] for a, b in zip(sequence, sequence[1:]))
            score = paths[labelling] + lm_weight * lm + penalty * n
            if score > best + 1e-12:
                best, best_sequences = score, [sequence]
            elif abs(score - best) <= 1e-12:
                best_sequences.append(sequence)
    return best, best_sequences


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 6), st.booleans())
def test_token_passing_finds_the_best_word_sequence(seed, frames, with_lm):
    rng = np.random.default_rng(seed)
    symbols = 3
    log_y = log_softmax(rng.normal(size=(frames, symbols)) * 2)
    # words that share letters, repeat a letter, and prefix each other: the hard cases for B
    words = [[1], [2], [1, 2], [2, 2], [1, 1, 2]][: rng.integers(2, 6)]
    n_words = len(words)
    if with_lm:
        unigram = np.log(rng.dirichlet(np.ones(n_words)))
        bigram = np.log(rng.dirichlet(np.ones(n_words), size=n_words))
        lm_weight, penalty = float(rng.uniform(0.5, 2.0)), float(rng.normal())
    else:
        unigram, bigram, lm_weight, penalty = np.zeros(n_words), np.zeros((n_words, n_words)), 1.0, 0.0
    best, best_sequences = brute_force_words(log_y, words, unigram, bigram, lm_weight, penalty)
    if not np.isfinite(best):
        with pytest.raises(ValueError, match="no dictionary word fits"):
            token_passing_decode(log_y, words, log_unigram=unigram, log_bigram=bigram,
                                 lm_weight=lm_weight, insertion_penalty=penalty)
        return
    sequence, score = token_passing_decode(log_y, words, log_unigram=unigram, log_bigram=bigram,
                                           lm_weight=lm_weight, insertion_penalty=penalty)
    assert score == pytest.approx(best, abs=1e-9)
    assert tuple(sequence) in best_sequences


def test_token_passing_uses_the_language_model():
    """Frames that read 'a b' about equally as the word 'ab' or the words 'a', 'b': the bigram decides."""
    words = [[1], [2], [1, 2]]
    log_y = np.log(np.array([[0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]))
    likely_pair = np.log(np.array([[0.1, 0.8, 0.1], [0.45, 0.1, 0.45], [0.45, 0.1, 0.45]]))
    unlikely_pair = np.log(np.array([[0.1, 0.1, 0.8], [0.45, 0.1, 0.45], [0.45, 0.1, 0.45]]))
    unigram = np.log(np.array([0.6, 0.3, 0.1]))
    assert token_passing_decode(log_y, words, log_unigram=unigram, log_bigram=likely_pair)[0] == [0, 1]
    assert token_passing_decode(log_y, words, log_unigram=unigram, log_bigram=unlikely_pair)[0] == [2]
    # a word repeated needs a blank between its equal letters: 'a a' in two frames is impossible
    # (even with a bonus per word that would favour reading it twice)
    two_a = np.log(np.array([[0.05, 0.9, 0.05], [0.05, 0.9, 0.05]]))
    assert token_passing_decode(two_a, [[1], [1, 2]], insertion_penalty=5.0)[0] == [0]
    three = np.log(np.array([[0.05, 0.9, 0.05], [0.9, 0.05, 0.05], [0.05, 0.9, 0.05]]))
    assert token_passing_decode(three, [[1], [1, 2]], insertion_penalty=5.0)[0] == [0, 0]
    with pytest.raises(ValueError, match="differ from the blank"):
        token_passing_decode(log_y, [[0, 1]])
    with pytest.raises(ValueError, match="log_bigram"):
        token_passing_decode(log_y, words, log_bigram=np.zeros((2, 2)))


def test_refusals():
    logits = np.zeros((1, 3, 3))
    with pytest.raises(ValueError, match="needs at least 4 frames"):
        ctc_loss(logits, [np.array([1, 1, 2])])
    with pytest.raises(ValueError, match="other than the blank"):
        ctc_loss(logits, [np.array([0, 1])])
    with pytest.raises(ValueError, match="one labelling per sequence"):
        ctc_loss(logits, [])
    with pytest.raises(ValueError, match=r"\(B, T, K\)"):
        ctc_loss(np.zeros((3, 3)), [np.array([1])])


def test_label_error_rate_is_edit_distance_over_target_length():
    assert edit_distance([1, 2, 3], [1, 3]) == 1 and edit_distance([], [4, 5]) == 2
    assert edit_distance("kitten", "sitting") == 3
    assert label_error([[1, 2], [3]], [[1, 2, 4], [3]]) == pytest.approx(1 / 4)
    with pytest.raises(ValueError):
        label_error([[1]], [[]])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 3), max_size=7), st.lists(st.integers(0, 3), max_size=7),
       st.lists(st.integers(0, 3), max_size=7))
def test_edit_distance_is_a_metric_bounded_by_the_lengths(a, b, c):
    d = edit_distance(a, b)
    assert d == edit_distance(b, a) and (d == 0) == (a == b)
    assert abs(len(a) - len(b)) <= d <= max(len(a), len(b))
    assert edit_distance(a, c) <= d + edit_distance(b, c)
