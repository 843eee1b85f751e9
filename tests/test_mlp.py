"""shared.networks.mlp: the hand-written backward against the numerical gradient (parameters and inputs, every
activation, batch axes), and a wrong backward caught."""

from __future__ import annotations

import numpy as np
import pytest

from shared.frame.gradcheck import check_gradients
from shared.networks.mlp import MLP


@pytest.mark.parametrize("activation", ["tanh", "logistic", "relu"])
def test_gradients_pass_the_numerical_check(activation):
    rng = np.random.default_rng(0)
    mlp = MLP([3, 5, 4, 2], rng, activation=activation, init_scale=2.0)
    x = rng.normal(size=(2, 6, 3))                        # two batch axes
    weight = rng.normal(size=(2, 6, 2))

    def loss():
        return float(np.sum(np.sin(mlp(x)) * weight))

    y, cache = mlp.forward(x)
    grads, d_x = mlp.backward(cache, np.cos(y) * weight)
    assert y.shape == (2, 6, 2) and d_x.shape == x.shape
    errors = check_gradients(loss, {**mlp.params, "x": x}, {**grads, "x": d_x})
    assert max(errors.values()) < 1e-6, errors
    assert set(errors) == {"W0", "b0", "W1", "b1", "W2", "b2", "x"}


def test_a_wrong_backward_is_caught_and_shapes_are_checked():
    rng = np.random.default_rng(1)
    mlp = MLP([2, 3, 1], rng)
    x = rng.normal(size=(5, 2))
    y, cache = mlp.forward(x)
    grads, _ = mlp.backward(cache, np.ones_like(y))
    grads["W0"] = grads["W0"] * 1.01
    assert check_gradients(lambda: float(mlp(x).sum()), mlp.params, grads)["W0"] > 1e-3
    with pytest.raises(ValueError):
        mlp.forward(np.zeros((5, 3)))
    with pytest.raises(ValueError):
        MLP([2], rng)
    with pytest.raises(ValueError):
        MLP([2, 2], rng, activation="sine")


def test_a_linear_net_is_its_matrix():
    mlp = MLP([3, 2], np.random.default_rng(2))
    x = np.random.default_rng(3).normal(size=(4, 3))
    np.testing.assert_allclose(mlp(x), x @ mlp.params["W0"] + mlp.params["b0"])
    assert np.abs(mlp.params["W0"]).max() <= 1 / np.sqrt(3)
