"""Feed-forward layers as functions, each with a hand-written backward: dense, local winner-take-all,
maxout, highway and dropout.

Every layer is ``y, cache = layer(x, ...)`` and ``grads, d_x = layer_backward(cache, d_y)`` (``grads`` keyed
like the layer's parameters, summed over the batch axes; layers without parameters return only ``d_x``).
x is (..., features): any leading axes are batch axes.

- ``dense(x (..., I), W (I, O), b (O,))``: x W + b.
- ``lwta(z (..., O), block)``: local winner-take-all (Srivastava, Masci, Kazerounian, Gomez & Schmidhuber
  2013, "Compete to compute"): the O units form blocks of ``block`` neighbours; in each block only the
  unit with the largest activation passes it on, the others output 0 (and get no gradient).
- ``maxout(z (..., O k), pieces k)``: the maximum of each group of k consecutive units (Goodfellow et al.
  2013), the comparison the LWTA paper draws.
- ``highway(x (..., N), W_H, b_H, W_T, b_T, activation)``: y = H(x) T(x) + x (1 - T(x)), H = act(x W_H +
  b_H) (any name of ``shared.networks.activations``), T = logistic(x W_T + b_T) (Srivastava, Greff & Schmidhuber 2015, "Highway networks", eq. 3 with
  the coupled carry gate C = 1 - T); the paper starts b_T negative so that a deep stack first carries.
- ``dropout(x, rate, rng)``: each unit kept with probability 1 - rate and scaled by 1 / (1 - rate)
  (inverted dropout: nothing to rescale at test time; rate 0 is the identity).
Ties in lwta/maxout go to the first unit of the block.
"""

from __future__ import annotations

import numpy as np

from shared.networks.activations import activation as _activation

def _sum_batch(x: np.ndarray, d: np.ndarray) -> np.ndarray:
    """sum over the batch axes of x^T d: the gradient of a weight matrix."""
    return x.reshape(-1, x.shape[-1]).T @ d.reshape(-1, d.shape[-1])


def dense(x: np.ndarray, W: np.ndarray, b: np.ndarray):
    """x (..., I) W (I, O) + b (O,) -> (y (..., O), cache)."""
    if x.shape[-1] != W.shape[0] or W.shape[1:] != b.shape:
        raise ValueError(f"dense: x (..., {W.shape[0]}), W (I, O) and b (O,) must agree; got {x.shape}, {W.shape}, "
                         f"{b.shape}")
    return x @ W + b, {"x": x, "W": W}


def dense_backward(cache: dict, d_y: np.ndarray):
    return {"W": _sum_batch(cache["x"], d_y), "b": d_y.reshape(-1, d_y.shape[-1]).sum(axis=0)}, d_y @ cache["W"].T


def _groups(z: np.ndarray, size: int, name: str) -> np.ndarray:
    if size < 1 or z.shape[-1] % size:
        raise ValueError(f"{name}: {z.shape[-1]} units do not split into groups of {size}")
    return z.reshape(*z.shape[:-1], z.shape[-1] // size, size)


def lwta(z: np.ndarray, block: int):
    """Local winner-take-all over blocks of ``block`` consecutive units -> (y (..., O), cache)."""
    groups = _groups(z, block, "lwta")
    winner = groups.argmax(axis=-1)
    mask = np.zeros(groups.shape, dtype=bool)
    np.put_along_axis(mask, winner[..., None], True, axis=-1)
    mask = mask.reshape(z.shape)
    return np.where(mask, z, 0.0), {"mask": mask}


def lwta_backward(cache: dict, d_y: np.ndarray) -> np.ndarray:
    return np.where(cache["mask"], d_y, 0.0)


def maxout(z: np.ndarray, pieces: int):
    """The maximum of each group of ``pieces`` consecutive units -> (y (..., O / pieces), cache)."""
    groups = _groups(z, pieces, "maxout")
    winner = groups.argmax(axis=-1)
    return np.take_along_axis(groups, winner[..., None], axis=-1)[..., 0], {"winner": winner, "shape": z.shape,
                                                                             "pieces": pieces}


def maxout_backward(cache: dict, d_y: np.ndarray) -> np.ndarray:
    d_groups = np.zeros((*d_y.shape, cache["pieces"]), dtype=d_y.dtype)
    np.put_along_axis(d_groups, cache["winner"][..., None], d_y[..., None], axis=-1)
    return d_groups.reshape(cache["shape"])


def highway(x: np.ndarray, W_H: np.ndarray, b_H: np.ndarray, W_T: np.ndarray, b_T: np.ndarray,
            activation: str = "relu"):
    """y = H(x) T(x) + x (1 - T(x)) for x (..., N), every matrix (N, N) -> (y, cache)."""
    f, _ = _activation(activation)
    logistic, _ = _activation("sigmoid")
    n = x.shape[-1]
    if W_H.shape != (n, n) or W_T.shape != (n, n) or b_H.shape != (n,) or b_T.shape != (n,):
        raise ValueError(f"highway: x (..., {n}) needs W_H, W_T ({n}, {n}) and b_H, b_T ({n},)")
    h_pre = x @ W_H + b_H
    h = f(h_pre)
    t = logistic(x @ W_T + b_T)
    return h * t + x * (1.0 - t), {"x": x, "h_pre": h_pre, "h": h, "t": t, "W_H": W_H, "W_T": W_T,
                                   "activation": activation}


def highway_backward(cache: dict, d_y: np.ndarray):
    x, h, t = cache["x"], cache["h"], cache["t"]
    _, df = _activation(cache["activation"])
    d_h_pre = d_y * t * df(cache["h_pre"], h)
    d_t_pre = d_y * (h - x) * t * (1.0 - t)
    grads = {"W_H": _sum_batch(x, d_h_pre), "b_H": d_h_pre.reshape(-1, x.shape[-1]).sum(axis=0),
             "W_T": _sum_batch(x, d_t_pre), "b_T": d_t_pre.reshape(-1, x.shape[-1]).sum(axis=0)}
    d_x = d_y * (1.0 - t) + d_h_pre @ cache["W_H"].T + d_t_pre @ cache["W_T"].T
    return grads, d_x


def dropout(x: np.ndarray, rate: float, rng: np.random.Generator):
    """Inverted dropout: keep each unit with probability 1 - rate, scaled by 1 / (1 - rate)."""
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout rate must be in [0, 1), got {rate}")
    if rate == 0.0:
        return x, {"scale": None}
    scale = (rng.random(x.shape) >= rate) / (1.0 - rate)
    return x * scale, {"scale": scale}


def dropout_backward(cache: dict, d_y: np.ndarray) -> np.ndarray:
    return d_y if cache["scale"] is None else d_y * cache["scale"]
