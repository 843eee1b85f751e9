"""Attention and the Transformer's other layers, each with a hand-written backward.

Every forward returns (output, cache); every backward takes the cache and the gradient of the
output and returns a dict of gradients keyed like the forward's inputs (and parameters). Leading
axes are free: (B, T, d) for one head, (B, H, T, d) for H heads.

- ``softmax_attention(q (..., T, d), k (..., S, d), v (..., S, e), mask=None (T, S) bool, scale=None)``:
  softmax(q k^T scale) v with scale 1/sqrt(d) by default; ``mask`` is True where a query may
  attend (``causal_mask(T)``: s <= t). Vaswani et al. (2017), "Attention is all you need".
- ``elu_plus_one(x)``: the feature map elu(x) + 1 of Katharopoulos et al. (2020), under which
  linear attention phi(q)^T phi(k) stays positive.
- ``dpfp(x, nu)``: the deterministic parameter-free projection of Schlag, Irie & Schmidhuber (2021):
  the products r_i r_{i-j} (cyclic), j = 1..nu, of r = [relu(x), relu(-x)]; (..., d) -> (..., 2 d nu).
- ``sum_normalize(x)``: x / sum(x) over the last axis (Schlag, Irie & Schmidhuber 2021 normalise the
  projected keys and queries this way so that the fast weight matrix cannot blow up).
- ``layer_norm(x, gain, bias)``: over the last axis, eps 1e-5 (Ba, Kiros & Hinton 2016).
- ``sinusoidal_positions(T, d)``: the fixed positional encoding of Vaswani et al. (2017), (T, d).

Linear attention is the fast-weight programmer of ``shared.networks.fastweights``: with feature-mapped keys
and queries, ``fast_weight_forward(phi(k), v, phi(q))`` gives the causal linear-attention reads.
Gradient-checked in ``tests/test_attention.py``.
"""

from __future__ import annotations

import numpy as np

LAYER_NORM_EPS = 1e-5


def causal_mask(steps: int) -> np.ndarray:
    """(T, T) bool: query t may attend to keys s <= t."""
    return np.tril(np.ones((steps, steps), dtype=bool))


def softmax_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None = None,
                      scale: float | None = None):
    """softmax(q k^T scale) v over the last two axes -> (..., T, e), cache (the weights are cache["weights"])."""
    scale = 1.0 / np.sqrt(q.shape[-1]) if scale is None else scale
    scores = (q @ np.swapaxes(k, -1, -2)) * scale                       # (..., T, S)
    if mask is not None:
        if not np.all(mask.any(axis=-1)):
            raise ValueError("every query needs at least one key it may attend to")
        scores = np.where(mask, scores, -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ v, {"q": q, "k": k, "v": v, "weights": weights, "scale": scale}


def softmax_attention_backward(cache: dict, d_out: np.ndarray) -> dict:
    q, k, v, weights, scale = (cache[n] for n in ("q", "k", "v", "weights", "scale"))
    d_weights = d_out @ np.swapaxes(v, -1, -2)
    d_scores = weights * (d_weights - np.sum(d_weights * weights, axis=-1, keepdims=True)) * scale
    return {"q": d_scores @ k, "k": np.swapaxes(d_scores, -1, -2) @ q, "v": np.swapaxes(weights, -1, -2) @ d_out}


def elu_plus_one(x: np.ndarray):
    """elu(x) + 1: x + 1 for x > 0, exp(x) otherwise; -> (same shape), cache."""
    positive = x > 0
    out = np.where(positive, x + 1.0, np.exp(np.minimum(x, 0.0)))
    return out, {"positive": positive, "out": out}


def elu_plus_one_backward(cache: dict, d_out: np.ndarray) -> dict:
    return {"x": d_out * np.where(cache["positive"], 1.0, cache["out"])}


def dpfp(x: np.ndarray, nu: int):
    """The DPFP feature map of Schlag, Irie & Schmidhuber (2021, eqs. 33-37): phi(x) = [r(x) * roll(r(x), 1), ..., r(x) * roll(r(x), nu)] with r(x) = [relu(x), relu(-x)]:
    the products of the rectified pairs (i, i - j) of [x, -x], j = 1..nu; (..., d) -> (..., 2 d nu)."""
    if not isinstance(nu, (int, np.integer)) or nu < 1 or nu > 2 * x.shape[-1] - 1:
        raise ValueError(f"nu must be an integer in [1, 2 d - 1], got {nu}")
    r = np.concatenate([np.maximum(x, 0.0), np.maximum(-x, 0.0)], axis=-1)
    out = np.concatenate([r * np.roll(r, j, axis=-1) for j in range(1, nu + 1)], axis=-1)
    return out, {"x": x, "r": r, "nu": int(nu)}


def dpfp_backward(cache: dict, d_out: np.ndarray) -> dict:
    x, r, nu = cache["x"], cache["r"], cache["nu"]
    width = r.shape[-1]
    d_r = np.zeros_like(r)
    for j in range(1, nu + 1):
        g = d_out[..., (j - 1) * width:j * width]
        d_r += g * np.roll(r, j, axis=-1) + np.roll(g * r, -j, axis=-1)
    d = x.shape[-1]
    return {"x": d_r[..., :d] * (x > 0) - d_r[..., d:] * (x < 0)}


def sum_normalize(x: np.ndarray):
    """x / sum(x) over the last axis (x positive, e.g. after a feature map) -> (same shape), cache."""
    total = x.sum(axis=-1, keepdims=True)
    out = x / total
    return out, {"out": out, "total": total}


def sum_normalize_backward(cache: dict, d_out: np.ndarray) -> dict:
    out, total = cache["out"], cache["total"]
    return {"x": (d_out - np.sum(d_out * out, axis=-1, keepdims=True)) / total}


def layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray):
    """(x - mean) / sqrt(var + eps) * gain + bias over the last axis; gain, bias (d,)."""
    centred = x - x.mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(np.mean(centred * centred, axis=-1, keepdims=True) + LAYER_NORM_EPS)
    normed = centred * inv_std
    return normed * gain + bias, {"normed": normed, "inv_std": inv_std, "gain": gain}


def layer_norm_backward(cache: dict, d_out: np.ndarray) -> dict:
    normed, inv_std, gain = cache["normed"], cache["inv_std"], cache["gain"]
    batch_axes = tuple(range(d_out.ndim - 1))
    d_normed = d_out * gain
    d_x = inv_std * (d_normed - d_normed.mean(axis=-1, keepdims=True)
                     - normed * np.mean(d_normed * normed, axis=-1, keepdims=True))
    return {"x": d_x, "gain": np.sum(d_out * normed, axis=batch_axes), "bias": np.sum(d_out, axis=batch_axes)}


def sinusoidal_positions(steps: int, width: int) -> np.ndarray:
    """(T, d): sin(t / 10000^(2i/d)) in even columns, cos in odd ones (Vaswani et al. 2017, Sec. 3.5)."""
    position = np.arange(steps)[:, None]
    rates = 1.0 / 10000.0 ** (np.arange(0, width, 2) / width)
    table = np.zeros((steps, width))
    table[:, 0::2] = np.sin(position * rates)
    table[:, 1::2] = np.cos(position * rates[: width // 2])
    return table
