"""shared.networks.conv: convolution and max-pooling against direct loops, gradients by finite differences."""

import numpy as np
import pytest

import shared  # noqa: F401
from shared.frame.gradcheck import check_gradients
from shared.networks.conv import conv2d, conv2d_backward, max_pool, max_pool_backward


def naive_conv(x, weight, bias, stride, padding):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    batch, _, height, width = x.shape
    filters, _, kh, kw = weight.shape
    out_h, out_w = (height - kh) // stride + 1, (width - kw) // stride + 1
    y = np.zeros((batch, filters, out_h, out_w))
    for b in range(batch):
        for f in range(filters):
            for r in range(out_h):
                for c in range(out_w):
                    field = x[b, :, r * stride:r * stride + kh, c * stride:c * stride + kw]
                    y[b, f, r, c] = (field * weight[f]).sum() + bias[f]
    return y


def naive_pool(x, size, stride):
    batch, channels, height, width = x.shape
    out_h, out_w = (height - size) // stride + 1, (width - size) // stride + 1
    y = np.zeros((batch, channels, out_h, out_w))
    for r in range(out_h):
        for c in range(out_w):
            y[:, :, r, c] = x[:, :, r * stride:r * stride + size, c * stride:c * stride + size].max(axis=(2, 3))
    return y


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1), (3, 2)])
def test_conv_matches_loops_and_finite_differences(stride, padding):
    rng = np.random.default_rng(stride + 10 * padding)
    x = rng.normal(size=(2, 3, 9, 8))
    weight = rng.normal(size=(4, 3, 3, 2))
    bias = rng.normal(size=4)
    y, cache = conv2d(x, weight, bias, stride=stride, padding=padding)
    np.testing.assert_allclose(y, naive_conv(x, weight, bias, stride, padding), rtol=1e-12, atol=1e-12)
    upstream = rng.normal(size=y.shape)
    grads = conv2d_backward(cache, upstream)
    errors = check_gradients(lambda: float((conv2d(x, weight, bias, stride, padding)[0] * upstream).sum()),
                             {"x": x, "weight": weight, "bias": bias}, grads)
    assert max(errors.values()) < 1e-6, errors


def test_conv_without_bias():
    rng = np.random.default_rng(5)
    x, weight = rng.normal(size=(1, 2, 5, 5)), rng.normal(size=(3, 2, 3, 3))
    y, cache = conv2d(x, weight)
    np.testing.assert_allclose(y, naive_conv(x, weight, np.zeros(3), 1, 0), atol=1e-12)
    assert set(conv2d_backward(cache, np.ones_like(y))) == {"x", "weight"}


@pytest.mark.parametrize("size,stride", [(2, None), (3, 2), (2, 1)])
def test_max_pool_matches_loops_and_finite_differences(size, stride):
    rng = np.random.default_rng(size)
    x = rng.normal(size=(2, 3, 7, 8))          # continuous values: no ties, the max is differentiable
    y, cache = max_pool(x, size, stride)
    np.testing.assert_array_equal(y, naive_pool(x, size, stride or size))
    upstream = rng.normal(size=y.shape)
    grads = {"x": max_pool_backward(cache, upstream)}
    errors = check_gradients(lambda: float((max_pool(x, size, stride)[0] * upstream).sum()), {"x": x}, grads,
                             steps=(1e-6,))
    assert errors["x"] < 1e-6, errors


def test_refusals():
    with pytest.raises(ValueError, match="same C"):
        conv2d(np.zeros((1, 2, 5, 5)), np.zeros((3, 1, 3, 3)))
    with pytest.raises(ValueError, match="does not fit"):
        conv2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 3)))
    with pytest.raises(ValueError, match="stride"):
        conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), stride=0)
    with pytest.raises(ValueError, match="does not fit"):
        max_pool(np.zeros((1, 1, 1, 4)), 2)
