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
- ``directional_geometric_attention(q, k, v, direction (..., T, 2), scale, bias)``: the Neural Data
  Router's attention (Csordás, Irie & Schmidhuber 2022): logits q.k scale + a learned preference for
  keys behind/ahead of the query + bias, then ``geometric_weights``: stick-breaking over the keys in
  order of distance (the nearer key first; at equal distance the right one), not normalised.
- ``copy_gate(x, update, gate_logits, keep=None)``: g update + (1 - g) x, g = sigmoid(gate_logits);
  ``keep`` 0 forces a column to copy (gate dropout).

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


# ----------------------------------------------------------------------------------------
# The Neural Data Router (Csordás, Irie & Schmidhuber 2022): directional geometric attention and the
# copy gate, as the authors' code computes them (moved from neural-data-router, its runs unchanged).
# ----------------------------------------------------------------------------------------


def _reduce_to(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a broadcast gradient back to ``shape`` (the shape of a parameter that was broadcast)."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def geometric_order_mask(steps: int) -> np.ndarray:
    """(T, T, T) float: M[i, j, k] = 1 when key k comes before key j in query i's scan.

    Query i scans the other positions by distance |k - i|; at equal distance the right one
    (k > i) comes first (the authors' CUDA kernel, window_sum). The query's own position is
    never a key (its logit is -inf, so it takes part in no product)."""
    pos = np.arange(steps)
    i, j, k = pos[:, None, None], pos[None, :, None], pos[None, None, :]
    dj, dk = np.abs(j - i), np.abs(k - i)
    before = (dk < dj) | ((dk == dj) & (k > i) & (j < i))
    return (before & (k != i)).astype(np.float64)


def geometric_weights(logits: np.ndarray, allowed: np.ndarray | None = None):
    """Stick-breaking over distance-ordered keys (the paper's geometric attention; as the authors' code computes it):
    A[i, j] = P[i, j] * prod_{k before j in i's scan} (1 - P[i, k]),  P = sigmoid(logits).
    logits (..., T, T); ``allowed`` (T, T) or broadcastable bool, True where key j may be read by
    query i (default: every j != i). Not normalised (the authors' CTL runs: trafo_classifier.norm_att 0)."""
    steps = logits.shape[-1]
    if allowed is None:
        allowed = ~np.eye(steps, dtype=bool)
    allowed = np.broadcast_to(allowed, logits.shape)
    z = np.where(allowed, logits, 0.0)
    p = np.where(allowed, 0.5 * (1.0 + np.tanh(0.5 * z)), 0.0)          # sigmoid, stable
    log_one_minus = np.where(allowed, -np.logaddexp(0.0, z), 0.0)       # log(1 - P) = -softplus(z)
    order = geometric_order_mask(steps).astype(logits.dtype)
    order_t = np.swapaxes(order, -1, -2)                                  # [i, k, j]
    survive = np.exp((log_one_minus[..., :, None, :] @ order_t)[..., 0, :])  # sum_k M[i,j,k] log(1 - P[i,k])
    weights = p * survive
    return weights, {"p": p, "survive": survive, "order": order, "allowed": allowed, "weights": weights}


def geometric_weights_backward(cache: dict, d_weights: np.ndarray) -> dict:
    p, survive, order, allowed, weights = (cache[n] for n in ("p", "survive", "order", "allowed", "weights"))
    d_p = d_weights * survive
    d_log_one_minus = ((d_weights * weights)[..., :, None, :] @ order)[..., 0, :]
    d_logits = d_p * p * (1.0 - p) - d_log_one_minus * p
    return {"logits": np.where(allowed, d_logits, 0.0)}


def directional_geometric_attention(q, k, v, direction, scale, bias, allowed=None):
    """The NDR's attention (the authors' DirectionSensitiveGeometricAttention):
    logits[i, j] = scale * q_i . k_j + (front_i if j > i, back_i if j < i) + bias, then
    geometric_weights, then weights @ v.
    q (..., T, d), k (..., T, d), v (..., T, e); direction (..., T, 2) = [back, front] per query;
    scale, bias: arrays broadcastable to (..., T, T) (learned scalars in the paper's code)."""
    steps = q.shape[-2]
    upper = np.triu(np.ones((steps, steps), dtype=q.dtype), 1)
    lower = np.tril(np.ones((steps, steps), dtype=q.dtype), -1)
    content = q @ np.swapaxes(k, -1, -2)
    logits = scale * content + direction[..., 1:2] * upper + direction[..., 0:1] * lower + bias
    weights, wcache = geometric_weights(logits, allowed)
    return weights @ v, {"q": q, "k": k, "v": v, "content": content, "scale": scale, "bias": bias,
                         "upper": upper, "lower": lower, "w": wcache, "weights": weights,
                         "direction_shape": direction.shape}


def directional_geometric_attention_backward(cache: dict, d_out: np.ndarray) -> dict:
    q, k, v, weights = cache["q"], cache["k"], cache["v"], cache["weights"]
    d_v = np.swapaxes(weights, -1, -2) @ d_out
    d_weights = d_out @ np.swapaxes(v, -1, -2)
    d_logits = geometric_weights_backward(cache["w"], d_weights)["logits"]
    scale = np.asarray(cache["scale"])
    d_content = d_logits * scale
    d_dir = np.stack([(d_logits * cache["lower"]).sum(-1), (d_logits * cache["upper"]).sum(-1)], axis=-1)
    return {"q": d_content @ k, "k": np.swapaxes(d_content, -1, -2) @ q, "v": d_v, "direction": d_dir,
            "scale": _reduce_to(d_logits * cache["content"], scale.shape),
            "bias": _reduce_to(d_logits, np.asarray(cache["bias"]).shape)}


def copy_gate(x: np.ndarray, update: np.ndarray, gate_logits: np.ndarray, keep: np.ndarray | None = None):
    """The copy gate (Sec. 2.1, Fig. 5; the authors' NDRGeometric): x' = g * update + (1 - g) * x with g = sigmoid(gate_logits);
    ``keep`` (broadcastable, 0/1) forces g = 0 (the authors' gate dropout: a column copies)."""
    g = 0.5 * (1.0 + np.tanh(0.5 * gate_logits))
    if keep is not None:
        g = g * keep
    return g * update + (1.0 - g) * x, {"x": x, "update": update, "g": g, "keep": keep}


def copy_gate_backward(cache: dict, d_out: np.ndarray) -> dict:
    x, update, g = cache["x"], cache["update"], cache["g"]
    d_g = d_out * (update - x)
    d_logits = d_g * g * (1.0 - g)          # g * (1 - g) is 0 where keep forced g = 0
    return {"x": d_out * (1.0 - g), "update": d_out * g, "gate_logits": d_logits}
