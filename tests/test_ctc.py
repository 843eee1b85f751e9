"""shared.networks.ctc: the loss against a sum over every path, its gradient against finite differences,
the decoders against brute force, and the refusals."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import shared  # noqa: F401
from shared.frame.gradcheck import check_gradients
from shared.networks.ctc import (best_path_decode, collapse, ctc_loss, ctc_loss_backward, log_softmax,
                                 prefix_search_decode)


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
