"""shared.networks.layers: every layer's backward by finite differences (float64), and what each computes."""

import numpy as np
import pytest

import shared  # noqa: F401
from shared.frame.gradcheck import check_gradients
from shared.networks.layers import (dense, dense_backward, dropout, dropout_backward, highway, highway_backward,
                                    lwta, lwta_backward, maxout, maxout_backward)


def test_dense_gradients():
    rng = np.random.default_rng(0)
    x, W, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 5)), rng.normal(size=5)
    up = rng.normal(size=(2, 3, 5))
    y, cache = dense(x, W, b)
    grads, d_x = dense_backward(cache, up)
    errors = check_gradients(lambda: float((dense(x, W, b)[0] * up).sum()), {"x": x, "W": W, "b": b},
                             {**grads, "x": d_x})
    assert max(errors.values()) < 1e-6, errors


def test_lwta_passes_only_each_blocks_winner():
    z = np.array([[1.0, 3.0, -2.0, 0.5, 0.4, 0.6]])
    y, cache = lwta(z, block=2)
    assert y.tolist() == [[0.0, 3.0, 0.0, 0.5, 0.0, 0.6]]
    rng = np.random.default_rng(1)
    z = rng.normal(size=(3, 2, 12))
    up = rng.normal(size=z.shape)
    _, cache = lwta(z, 3)
    errors = check_gradients(lambda: float((lwta(z, 3)[0] * up).sum()), {"z": z}, {"z": lwta_backward(cache, up)},
                             steps=(1e-6,))
    assert errors["z"] < 1e-6
    assert (lwta(z, 3)[0] != 0).reshape(3, 2, 4, 3).sum(axis=-1).max() == 1   # one winner per block


def test_maxout_gradients():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(4, 12))
    y, cache = maxout(z, 4)
    np.testing.assert_array_equal(y, z.reshape(4, 3, 4).max(axis=-1))
    up = rng.normal(size=y.shape)
    errors = check_gradients(lambda: float((maxout(z, 4)[0] * up).sum()), {"z": z},
                             {"z": maxout_backward(cache, up)}, steps=(1e-6,))
    assert errors["z"] < 1e-6


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_highway_gradients_and_carry(activation):
    rng = np.random.default_rng(3)
    n = 5
    x = rng.normal(size=(2, 3, n))
    params = {"W_H": rng.normal(size=(n, n)), "b_H": rng.normal(size=n), "W_T": rng.normal(size=(n, n)),
              "b_T": rng.normal(size=n)}
    up = rng.normal(size=x.shape)
    _, cache = highway(x, **params, activation=activation)
    grads, d_x = highway_backward(cache, up)
    errors = check_gradients(lambda: float((highway(x, **params, activation=activation)[0] * up).sum()),
                             {**params, "x": x}, {**grads, "x": d_x})
    assert max(errors.values()) < 1e-6, errors
    # a strongly negative gate bias carries the input through unchanged (the paper's initialisation idea)
    closed = highway(x, params["W_H"], params["b_H"], np.zeros((n, n)), np.full(n, -40.0), activation)[0]
    np.testing.assert_allclose(closed, x, atol=1e-12)


def test_dropout_keeps_the_expectation_and_routes_gradients():
    rng = np.random.default_rng(4)
    x = np.ones((2000, 50))
    y, cache = dropout(x, 0.3, rng)
    assert abs(y.mean() - 1.0) < 0.01
    assert set(np.unique(y)) <= {0.0, 1.0 / 0.7}
    up = rng.normal(size=x.shape)
    np.testing.assert_array_equal(dropout_backward(cache, up), up * y)
    same, cache = dropout(x, 0.0, rng)
    assert same is x and dropout_backward(cache, up) is up


def test_refusals():
    with pytest.raises(ValueError, match="groups of 4"):
        lwta(np.zeros((2, 6)), 4)
    with pytest.raises(ValueError, match="groups of 0"):
        maxout(np.zeros((2, 6)), 0)
    with pytest.raises(ValueError, match="rate"):
        dropout(np.zeros(3), 1.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="unknown activation"):
        highway(np.zeros((1, 2)), np.zeros((2, 2)), np.zeros(2), np.zeros((2, 2)), np.zeros(2), "swishy")
    with pytest.raises(ValueError, match="dense"):
        dense(np.zeros((1, 3)), np.zeros((2, 2)), np.zeros(2))
