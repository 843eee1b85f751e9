"""Convolution and max-pooling in numpy, by im2col, with hand-written backward passes.

The layers of the convolutional nets of Cireşan, Meier, Masci & Schmidhuber (2011, 2012): a convolution
of every input map with a bank of kernels, a bias per output map, then max-pooling over (usually
non-overlapping) windows. Images are (B, C, H, W), channels first.

- ``conv2d(x (B, C, H, W), weight (F, C, kh, kw), bias (F,), stride, padding)`` -> ``(y (B, F, Ho, Wo),
  cache)``, Ho = (H + 2 padding - kh) // stride + 1 (likewise Wo); a cross-correlation, as every deep
  learning library computes it. ``conv2d_backward(cache, dy)`` -> ``{"x", "weight", "bias"}``.
- ``max_pool(x (B, C, H, W), size, stride=size)`` -> ``(y (B, C, Ho, Wo), cache)``;
  ``max_pool_backward(cache, dy)`` -> dx: the gradient goes to the first maximum of each window.

The forward copies every receptive field into one (B Ho Wo, kh kw C) matrix (channels last: each of the
kh kw offsets copies C contiguous values per field) and multiplies it by the kernels as one (kh kw C, F)
matrix: one BLAS call per layer. The backward scatters the fields' gradients back with kh kw strided
additions. Memory: the im2col matrix, B Ho Wo C kh kw floats, lives in the cache.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _out_size(size: int, kernel: int, stride: int, padding: int) -> int:
    out = (size + 2 * padding - kernel) // stride + 1
    if out < 1:
        raise ValueError(f"a kernel of {kernel} with padding {padding} does not fit an input of {size}")
    return out


def conv2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None, stride: int = 1,
           padding: int = 0):
    """y[b, f] = bias[f] + sum_c x[b, c] (*) weight[f, c] (cross-correlation); returns ``(y, cache)``."""
    if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[1]:
        raise ValueError(f"need x (B, C, H, W) and weight (F, C, kh, kw) with the same C; got {x.shape} and "
                         f"{weight.shape}")
    if stride < 1 or padding < 0:
        raise ValueError(f"stride must be >= 1 and padding >= 0, got {stride} and {padding}")
    batch, channels, height, width = x.shape
    filters, _, kh, kw = weight.shape
    out_h, out_w = _out_size(height, kh, stride, padding), _out_size(width, kw, stride, padding)
    # channels last, so that each kernel offset copies C contiguous values per receptive field
    padded = np.pad(x.transpose(0, 2, 3, 1), ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    columns = np.empty((batch, out_h, out_w, kh, kw, channels), dtype=np.result_type(x, weight))
    for i in range(kh):
        for j in range(kw):
            columns[:, :, :, i, j, :] = padded[:, i:i + stride * out_h:stride, j:j + stride * out_w:stride, :]
    columns = columns.reshape(batch * out_h * out_w, kh * kw * channels)      # one row per receptive field
    kernels = weight.transpose(0, 2, 3, 1).reshape(filters, -1)               # (F, kh kw C), the same order
    y = columns @ kernels.T
    if bias is not None:
        y += bias
    y = y.reshape(batch, out_h, out_w, filters).transpose(0, 3, 1, 2)
    cache = {"columns": columns, "kernels": kernels, "weight_shape": weight.shape, "x_shape": x.shape,
             "stride": stride, "padding": padding, "has_bias": bias is not None}
    return np.ascontiguousarray(y), cache


def conv2d_backward(cache: dict, dy: np.ndarray) -> dict:
    """Gradients of the loss with respect to x, weight and bias (``bias`` only if the forward had one)."""
    kernels, stride, padding = cache["kernels"], cache["stride"], cache["padding"]
    batch, channels, height, width = cache["x_shape"]
    filters, _, kh, kw = cache["weight_shape"]
    out_h, out_w = dy.shape[2], dy.shape[3]
    dy_rows = dy.transpose(0, 2, 3, 1).reshape(-1, filters)              # (B Ho Wo, F)
    d_kernels = (dy_rows.T @ cache["columns"]).reshape(filters, kh, kw, channels)
    grads = {"weight": np.ascontiguousarray(d_kernels.transpose(0, 3, 1, 2))}
    if cache["has_bias"]:
        grads["bias"] = dy_rows.sum(axis=0)
    d_fields = (dy_rows @ kernels).reshape(batch, out_h, out_w, kh, kw, channels)
    d_padded = np.zeros((batch, height + 2 * padding, width + 2 * padding, channels), dtype=d_fields.dtype)
    for i in range(kh):          # every kernel offset adds its share of every field back in one strided slice
        for j in range(kw):
            d_padded[:, i:i + stride * out_h:stride, j:j + stride * out_w:stride, :] += d_fields[:, :, :, i, j, :]
    grads["x"] = np.ascontiguousarray(
        d_padded[:, padding:padding + height, padding:padding + width, :].transpose(0, 3, 1, 2))
    return grads


def max_pool(x: np.ndarray, size: int, stride: int | None = None):
    """The maximum of every size x size window (stride defaults to size); returns ``(y, cache)``."""
    stride = size if stride is None else stride
    if x.ndim != 4 or size < 1 or stride < 1:
        raise ValueError(f"need x (B, C, H, W), size >= 1 and stride >= 1; got {x.shape}, {size}, {stride}")
    batch, channels, height, width = x.shape
    out_h, out_w = _out_size(height, size, stride, 0), _out_size(width, size, stride, 0)
    windows = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :out_h, :out_w]
    flat = windows.reshape(batch, channels, out_h, out_w, size * size)
    winner = flat.argmax(axis=-1)                                        # first maximum of each window
    y = np.take_along_axis(flat, winner[..., None], axis=-1)[..., 0]
    return y, {"winner": winner, "x_shape": x.shape, "size": size, "stride": stride}


def max_pool_backward(cache: dict, dy: np.ndarray) -> np.ndarray:
    """dx: each window's gradient to the input that won it (overlapping windows add up)."""
    winner, size, stride = cache["winner"], cache["size"], cache["stride"]
    out_h, out_w = winner.shape[2], winner.shape[3]
    dx = np.zeros(cache["x_shape"], dtype=dy.dtype)
    for i in range(size):
        for j in range(size):
            dx[:, :, i:i + stride * out_h:stride, j:j + stride * out_w:stride] += np.where(
                winner == i * size + j, dy, 0.0)
    return dx
