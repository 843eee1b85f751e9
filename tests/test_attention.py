"""shared.networks.attention: every backward against central differences, and known answers (causal
attention as a loop, linear attention as the fast-weight programmer, LayerNorm's moments, the
sinusoidal table's rotation property)."""

from __future__ import annotations

import numpy as np
import pytest

from shared.networks import attention as at
from shared.networks.attention import (copy_gate, copy_gate_backward, directional_geometric_attention,
                                      directional_geometric_attention_backward, geometric_order_mask,
                                      geometric_weights, geometric_weights_backward)
from shared.networks.fastweights import fast_weight_forward
from shared.frame.gradcheck import check_gradients


def test_softmax_attention_backward_with_and_without_a_mask():
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(2, 3, 5, 4)), rng.normal(size=(2, 3, 5, 4)), rng.normal(size=(2, 3, 5, 6))
    weight = rng.normal(size=(2, 3, 5, 6))
    for mask in (None, at.causal_mask(5)):
        def loss():
            return float(np.sum(np.sin(at.softmax_attention(q, k, v, mask)[0]) * weight))
        out, cache = at.softmax_attention(q, k, v, mask)
        grads = at.softmax_attention_backward(cache, np.cos(out) * weight)
        errors = check_gradients(loss, {"q": q, "k": k, "v": v}, grads)
        assert max(errors.values()) < 1e-6, errors


def test_causal_attention_is_the_loop_over_prefixes():
    rng = np.random.default_rng(1)
    q, k, v = rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 6, 2))
    out, cache = at.softmax_attention(q, k, v, at.causal_mask(6))
    for t in range(6):
        scores = np.einsum("bd,bsd->bs", q[:, t], k[:, : t + 1]) / np.sqrt(3)
        w = np.exp(scores - scores.max(axis=1, keepdims=True))
        w /= w.sum(axis=1, keepdims=True)
        np.testing.assert_allclose(out[:, t], np.einsum("bs,bse->be", w, v[:, : t + 1]), atol=1e-12)
    assert np.all(cache["weights"][:, np.triu_indices(6, 1)[0], np.triu_indices(6, 1)[1]] == 0.0)


def test_a_query_with_nothing_to_attend_to_is_refused():
    x = np.zeros((1, 2, 3))
    with pytest.raises(ValueError, match="at least one key"):
        at.softmax_attention(x, x, x, np.array([[True, False], [False, False]]))


@pytest.mark.parametrize("name", ["elu_plus_one", "sum_normalize"])
def test_feature_maps_backward(name):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4, 5))
    if name == "sum_normalize":
        x = np.abs(x) + 0.5
    forward, backward = getattr(at, name), getattr(at, name + "_backward")
    weight = rng.normal(size=x.shape)

    def loss():
        return float(np.sum(np.sin(forward(x)[0]) * weight))
    out, cache = forward(x)
    errors = check_gradients(loss, {"x": x}, backward(cache, np.cos(out) * weight))
    assert max(errors.values()) < 1e-6, errors


def test_elu_plus_one_is_positive_and_continuous_at_zero():
    out, _ = at.elu_plus_one(np.array([-30.0, -1e-9, 0.0, 1e-9, 2.0]))
    assert np.all(out > 0)
    np.testing.assert_allclose(out[1:4], 1.0, atol=1e-8)
    assert out[4] == 3.0


def test_normalised_linear_attention_is_the_fast_weight_programmer():
    """y_t = sum_{s<=t} v_s phi(k_s).phi(q_t) / sum_{s<=t} phi(k_s).phi(q_t) (Katharopoulos et al. 2020) equals the
    fast-weight reads of values augmented by a constant 1 (the denominator), divided."""
    rng = np.random.default_rng(3)
    q, k, v = rng.normal(size=(2, 7, 4)), rng.normal(size=(2, 7, 4)), rng.normal(size=(2, 7, 3))
    fq, fk = at.elu_plus_one(q)[0], at.elu_plus_one(k)[0]
    augmented = np.concatenate([v, np.ones((2, 7, 1))], axis=2)
    reads, _, _ = fast_weight_forward(fk, augmented, fq)
    ours = reads[..., :3] / reads[..., 3:]
    scores = np.tril(np.einsum("btd,bsd->bts", fq, fk))
    np.testing.assert_allclose(ours, (scores @ v) / scores.sum(axis=2, keepdims=True), atol=1e-12)


def test_layer_norm_backward_and_moments():
    rng = np.random.default_rng(4)
    x, gain, bias = rng.normal(size=(2, 3, 6)) * 3 + 1, rng.normal(size=6), rng.normal(size=6)
    weight = rng.normal(size=x.shape)

    def loss():
        return float(np.sum(np.sin(at.layer_norm(x, gain, bias)[0]) * weight))
    out, cache = at.layer_norm(x, gain, bias)
    errors = check_gradients(loss, {"x": x, "gain": gain, "bias": bias},
                             at.layer_norm_backward(cache, np.cos(out) * weight))
    assert max(errors.values()) < 1e-6, errors
    plain, _ = at.layer_norm(x, np.ones(6), np.zeros(6))
    np.testing.assert_allclose(plain.mean(axis=-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(plain.var(axis=-1), 1.0, atol=1e-4)       # eps 1e-5 against variances ~9


def test_sinusoidal_positions_shift_by_a_rotation():
    table = at.sinusoidal_positions(20, 8)
    np.testing.assert_allclose(table[0, 0::2], 0.0)
    np.testing.assert_allclose(table[0, 1::2], 1.0)
    rates = 1.0 / 10000.0 ** (np.arange(0, 8, 2) / 8)
    shift = 3                                      # PE(t + 3) is a fixed rotation of PE(t), pair by pair
    for i, rate in enumerate(rates):
        c, s = np.cos(shift * rate), np.sin(shift * rate)
        pair = table[:, 2 * i: 2 * i + 2]
        rotated = np.stack([pair[:, 0] * c + pair[:, 1] * s, pair[:, 1] * c - pair[:, 0] * s], axis=1)
        np.testing.assert_allclose(rotated[:-shift], pair[shift:], atol=1e-12)


# ----------------------------------------------------------------------------------------
# DPFP (Schlag, Irie & Schmidhuber 2021, Sec. 5.4)
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("nu", [1, 2, 3])
def test_dpfp_gradient(nu):
    rng = np.random.default_rng(nu)
    x = rng.standard_normal((3, 2, 5))
    weights = rng.standard_normal((3, 2, 10 * nu))
    out, cache = at.dpfp(x, nu)
    assert out.shape == (3, 2, 10 * nu) and np.all(out >= 0)
    grad = at.dpfp_backward(cache, weights)["x"]
    errors = check_gradients(lambda: float(np.sum(at.dpfp(x, nu)[0] * weights)), {"x": x}, {"x": grad})
    assert max(errors.values()) < 1e-6


def test_dpfp_check_catches_a_wrong_backward():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3))
    weights = rng.standard_normal((4, 12))
    grad = at.dpfp_backward(at.dpfp(x, 2)[1], weights)["x"]
    grad[0, 0] *= 1.01
    errors = check_gradients(lambda: float(np.sum(at.dpfp(x, 2)[0] * weights)), {"x": x}, {"x": grad})
    assert max(errors.values()) > 1e-6


def test_dpfp_maps_the_four_quadrants_of_the_plane_to_orthogonal_axes():
    """The paper's example (eqs. 33-36): R^2 -> R^4 with nu = 1, one non-zero component per quadrant."""
    points = np.array([[1.0, 2.0], [-1.0, 2.0], [1.0, -2.0], [-1.0, -2.0]])
    phi = at.dpfp(points, 1)[0]
    assert np.all((phi > 0).sum(axis=1) == 1)
    gram = phi @ phi.T
    np.testing.assert_allclose(gram - np.diag(np.diag(gram)), 0.0)
    assert np.all(np.diag(gram) > 0)


def test_dpfp_is_the_products_of_rectified_pairs():
    x = np.array([0.5, -1.0, 2.0])
    r = np.array([0.5, 0.0, 2.0, 0.0, 1.0, 0.0])                  # [relu(x), relu(-x)]
    phi = at.dpfp(x, 2)[0]
    expected = np.concatenate([r * np.roll(r, 1), r * np.roll(r, 2)])
    np.testing.assert_allclose(phi, expected)


@pytest.mark.parametrize("nu", [0, 6])
def test_dpfp_refuses_a_bad_nu(nu):
    with pytest.raises(ValueError):
        at.dpfp(np.zeros((2, 3)), nu)


# ----------------------------------------------------------------------------------------
# The Neural Data Router: directional geometric attention and the copy gate (moved from neural-data-router)
# ----------------------------------------------------------------------------------------


def scan_by_loop(i: int, steps: int) -> list[int]:
    """Query i's scan: by distance, the right key first at equal distance, i itself skipped."""
    order = []
    for dist in range(1, steps):
        for j in (i + dist, i - dist):
            if 0 <= j < steps:
                order.append(j)
    return order


@pytest.mark.parametrize("steps", [1, 2, 5, 8])
def test_order_mask_is_the_distance_scan(steps):
    mask = geometric_order_mask(steps)
    for i in range(steps):
        scan = scan_by_loop(i, steps)
        for pos, j in enumerate(scan):
            assert set(np.flatnonzero(mask[i, j])) == set(scan[:pos])
        assert not mask[i, i].any() and not mask[i, :, i].any()


def test_geometric_weights_by_loop():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((3, 6, 6)) * 2
    weights, _ = geometric_weights(logits)
    p = 1 / (1 + np.exp(-logits))
    for b in range(3):
        for i in range(6):
            remaining = 1.0
            for j in scan_by_loop(i, 6):
                assert weights[b, i, j] == pytest.approx(p[b, i, j] * remaining, rel=1e-12)
                remaining *= 1 - p[b, i, j]
            assert weights[b, i, i] == 0
            assert weights[b, i].sum() <= 1 + 1e-12


def test_the_closest_match_wins():
    """Known answer: two equally matching keys; the nearer one takes (almost) all the weight, and at equal
    distance the right one; a strong direction preference for the left reverses that."""
    steps, d = 7, 4
    k = np.zeros((steps, d))
    k[1, 0] = k[3, 0] = k[5, 0] = 10.0           # keys 1, 3 and 5 match the query's direction
    q = np.zeros((steps, d))
    q[4, 0] = 1.0
    v = np.eye(steps)
    out, _ = directional_geometric_attention(q, k, v, np.zeros((steps, 2)), 1.0, -5.0)
    assert out[4].argmax() in (3, 5) and out[4, 5] > 0.99     # 3 and 5 are 1 away; the right one is read
    prefer_left = np.zeros((steps, 2))
    prefer_left[:, 1] = -20.0                                  # front (j > i) suppressed
    out, _ = directional_geometric_attention(q, k, v, prefer_left, 1.0, -5.0)
    assert out[4, 3] > 0.99


def test_geometric_weights_backward():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((2, 3, 6, 6))
    allowed = rng.random((6, 6)) < 0.8
    np.fill_diagonal(allowed, False)
    target = rng.standard_normal(logits.shape)
    _, cache = geometric_weights(logits, allowed)
    grad = geometric_weights_backward(cache, target)["logits"]
    errors = check_gradients(lambda: float((geometric_weights(logits, allowed)[0] * target).sum()),
                             {"logits": logits}, {"logits": grad})
    assert max(errors.values()) < 1e-6


def test_directional_geometric_attention_backward():
    rng = np.random.default_rng(2)
    p = {"q": rng.standard_normal((2, 2, 5, 3)), "k": rng.standard_normal((2, 2, 5, 3)),
         "v": rng.standard_normal((2, 2, 5, 4)), "direction": rng.standard_normal((2, 2, 5, 2)),
         "scale": np.array([[[[0.6]]], [[[1.3]]]]), "bias": np.array(-0.4)}
    target = rng.standard_normal((2, 2, 5, 4))

    def loss():
        out, _ = directional_geometric_attention(p["q"], p["k"], p["v"], p["direction"], p["scale"], p["bias"])
        return float((out * target).sum())

    _, cache = directional_geometric_attention(p["q"], p["k"], p["v"], p["direction"], p["scale"], p["bias"])
    grads = directional_geometric_attention_backward(cache, target)
    errors = check_gradients(loss, p, grads)
    assert max(errors.values()) < 1e-6, errors


def test_copy_gate_backward_and_gate_dropout():
    rng = np.random.default_rng(3)
    p = {"x": rng.standard_normal((3, 4)), "update": rng.standard_normal((3, 4)),
         "gate_logits": rng.standard_normal((3, 4))}
    keep = np.array([[1.0], [0.0], [1.0]])
    target = rng.standard_normal((3, 4))
    out, cache = copy_gate(p["x"], p["update"], p["gate_logits"], keep)
    np.testing.assert_array_equal(out[1], p["x"][1])           # a dropped gate copies the column
    grads = copy_gate_backward(cache, target)
    errors = check_gradients(lambda: float((copy_gate(p["x"], p["update"], p["gate_logits"], keep)[0]
                                            * target).sum()), p, grads)
    assert max(errors.values()) < 1e-6
