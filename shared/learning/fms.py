"""Flat minimum search's regulariser B (Hochreiter & Schmidhuber 1997, "Flat minima", Neural Computation
9(1), Sec. 3; used by LOCOCODE, Hochreiter & Schmidhuber 1999, Sec. 2) for a one-hidden-layer
autoassociator, with its exact gradient.

The autoassociator: x (D) -> y = sigmoid(W1 x + b1) (H) -> o = W2 y + b2 (D), linear outputs;
params W1 (H, D), b1 (H,), W2 (D, H), b2 (D,); a leading axis on every array is a bank of nets.
E = sum over patterns of ||o - x||^2.

B(w, x_p) = 1/2 ( -L log eps + T1 + L log T2 ) with, J^k_w = do^k/dw for every weight w,
  T1 = sum_w log sum_k (J^k_w)^2,   T2 = sum_k ( sum_w |J^k_w| / sqrt(sum_k' (J^k'_w)^2) )^2.
`fms_literal` evaluates this from any Jacobian (tests/test_fms.py feeds it finite differences of the
net's outputs). For the autoassociator (sigmoid hidden units y, f' = y (1 - y); linear outputs,
K = D of them), the Jacobian is
  W2_kl: J^m = delta_mk y_l     b2_k: J^m = delta_mk     W1_lj: J^k = W2_kl f'_l x_j   b1_l: x_j -> 1
so that, with n_l = sum_k W2_kl^2 (the squared length of hidden unit l's outgoing weights),
  T1 = K sum_l log y_l^2 + (D + 1) sum_l (log n_l + log f'_l^2) + H sum_j log x_j^2
  T2 = sum_k c_k^2,  c_k = H + 1 + (D + 1) sum_l |W2_kl| / sqrt(n_l)
(T2 does not depend on the input; the log x_j^2 and log eps terms do not depend on the weights).
`fms_penalty` returns B summed over the patterns without those constant terms, and its exact
gradient written by hand (the paper computes the same gradient with Pearlmutter's R-operator):
  dB_p/da_l = K (1 - y_l) + (D + 1)(1 - 2 y_l)                 (a: hidden net input)
  dB/dW2_kl = N [ (D + 1) W2_kl / n_l + L (D + 1) / Q ( c_k sgn W2_kl / sqrt(n_l)
                                                      - W2_kl / n_l^1.5 sum_m c_m |W2_ml| ) ],  Q = T2.

- ``forward(params, x (..., N, D))`` -> hidden y (..., N, H), output o (..., N, D).
- ``reconstruction_error(params, x, y=None, o=None)`` -> (E per net, gradient dict like params).
- ``n_weights(d, h)``: L, every weight and bias.
- ``fms_literal(jacobian (K, L), eps)``: the paper's B for one pattern from any Jacobian.
- ``fms_penalty(params, x, y=None, grads=True)``: B summed over patterns, up to ``fms_constant(x, h, eps)``,
  per net of a bank, and its gradient.
- ``jacobian_by_differences(params, x (D,), step)``: do/dw by central differences, (K, L): the
  reference the closed form is tested against.
"""

from __future__ import annotations

import numpy as np


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _t(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


def forward(params: dict, x: np.ndarray):
    """x (..., N, D) -> hidden y (..., N, H), output o (..., N, D); a leading axis is a bank of nets."""
    a = x @ _t(params["W1"]) + params["b1"][..., None, :]
    y = sigmoid(a)
    o = y @ _t(params["W2"]) + params["b2"][..., None, :]
    return y, o


def reconstruction_error(params: dict, x: np.ndarray, y: np.ndarray | None = None, o: np.ndarray | None = None):
    """E = sum_p ||o_p - x_p||^2 (per net of a bank) and its gradient (hand-written backward)."""
    if y is None:
        y, o = forward(params, x)
    r = o - x
    d_o = 2.0 * r
    d_a = (d_o @ params["W2"]) * y * (1.0 - y)
    grads = {"W1": _t(d_a) @ x, "b1": d_a.sum(-2), "W2": _t(d_o) @ y, "b2": d_o.sum(-2)}
    return np.sum(r * r, axis=(-2, -1)), grads


def n_weights(d: int, h: int) -> int:
    """L: every weight and bias (a bias is a weight from a unit that is always 1)."""
    return h * d + h + d * h + d


def fms_literal(jacobian: np.ndarray, eps: float = 1.0) -> float:
    """The paper's B(w, x_p) for one pattern from its Jacobian (K outputs, L weights): eq. above."""
    j2 = jacobian ** 2
    s = j2.sum(axis=0)                                                        # (L,) sum_k (J^k_w)^2
    n_w = jacobian.shape[1]
    t1 = np.sum(np.log(s))
    t2 = np.sum((np.abs(jacobian) / np.sqrt(s)).sum(axis=1) ** 2)
    return float(0.5 * (-n_w * np.log(eps) + t1 + n_w * np.log(t2)))


def fms_constant(x: np.ndarray, h: int, eps: float = 1.0) -> float:
    """The weight-independent part of B summed over patterns x (N, D): what `fms_penalty` leaves out."""
    d = x.shape[1]
    return float(0.5 * (-len(x) * n_weights(d, h) * np.log(eps) + h * np.sum(np.log(x ** 2))))


def fms_penalty(params: dict, x: np.ndarray, y: np.ndarray | None = None, grads: bool = True):
    """B summed over the patterns x (..., N, D), up to `fms_constant`, per net of a bank (...), and its
    gradient (a dict like params)."""
    a = x @ _t(params["W1"]) + params["b1"][..., None, :]
    if y is None:
        y = sigmoid(a)
    n, d = x.shape[-2:]
    h = y.shape[-1]
    w2 = params["W2"]
    k = w2.shape[-2]
    n_l = np.sum(w2 * w2, axis=-2)                                           # (..., H)
    root = np.sqrt(n_l)
    c = h + 1 + (d + 1) * np.sum(np.abs(w2) / root[..., None, :], axis=-1)   # (..., K)
    q = np.sum(c * c, axis=-1)                                               # (...)
    big_l = n_weights(d, h)
    log_y = -np.logaddexp(0.0, -a)                                           # log y, stable when y -> 0
    log_1my = -np.logaddexp(0.0, a)                                          # log (1 - y)
    t1 = (2.0 * k * log_y.sum(axis=(-2, -1)) + (d + 1) * (n * np.sum(np.log(n_l), axis=-1)
                                                        + 2.0 * (log_y + log_1my).sum(axis=(-2, -1))))
    value = 0.5 * (t1 + n * big_l * np.log(q))
    if not grads:
        return value
    d_a = k * (1.0 - y) + (d + 1) * (1.0 - 2.0 * y)                        # (..., N, H)
    weighted = (c[..., None, :] @ np.abs(w2))[..., 0, :]                     # (..., H) sum_m c_m |W2_ml|
    g_w2 = (d + 1) * w2 / n_l[..., None, :] + (big_l * (d + 1) / q)[..., None, None] * (
        c[..., :, None] * np.sign(w2) / root[..., None, :] - w2 / n_l[..., None, :] ** 1.5 * weighted[..., None, :])
    return value, {"W1": _t(d_a) @ x, "b1": d_a.sum(-2), "W2": n * g_w2, "b2": np.zeros_like(params["b2"])}


def jacobian_by_differences(params: dict, x: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """do^k/dw for one pattern x (D,) by central differences over every weight: (K, L). A reference
    independent of the chain rule above (used by the tests)."""
    cols = []
    for name in ("W1", "b1", "W2", "b2"):
        array = params[name]
        for i in range(array.size):
            old = array.flat[i]
            array.flat[i] = old + step
            _, plus = forward(params, x[None])
            array.flat[i] = old - step
            _, minus = forward(params, x[None])
            array.flat[i] = old
            cols.append((plus[0] - minus[0]) / (2 * step))
    return np.stack(cols, axis=1)
