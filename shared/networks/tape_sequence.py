"""Tape programs of the catalog's sequence models (issue 21): recurrent steps, attention, fast weights.

Like ``shared.networks.tape_steps`` (whose conventions these follow: one ``tape.map`` per elementwise
formula, one ``tape.matmul`` per numpy matrix product, parameters, optimiser state and data loaded as
arguments, gradients from zero accumulated as numpy accumulates them), each function writes on a
``shared.frame.movement.Tape`` what one array operation after another computes; the results price with
``tape.price()`` and count FLOPs in ``tape.instructions``.

Pieces (shapes in each docstring):

- ``parameters(tape, shapes, optimizer, itemsize)`` and ``update(tape, params, grads, state, optimizer)``:
  "sgd" (one map per weight), "adam" (m, v, w: three), "rmsprop" (RMSProp with momentum as the catalog's
  stubs write it: v <- rho v + (1 - rho) g^2, m <- mu m - lr g / sqrt(v + eps), w <- w + m: three).
- ``bmatmul(tape, a, b)``: a batch of matrix products, (P, M, K) @ (P, K, N) (or (P, K) vectors on
  either side), one ``tape.matmul`` per batch element, as numpy's batched matmul loops.
- ``clockwork_step(tape, n_in, modules, module_size, n_out, steps, batch, ...)``: one full-BPTT training
  step of the clockwork RNN as ``shared.networks.clockwork.Clockwork`` computes it (every module's
  pre-activation at every step, then ``np.where`` on the clock mask).
- ``feature_map`` / ``feature_map_backward`` (elu+1, DPFP nu), ``sum_normalize`` /
  ``sum_normalize_backward``: the linear-attention feature maps of ``shared.networks.attention``.
- ``fast_weight_write`` / ``fast_weight_write_backward``: the fast-weight programmer's writes over a
  sequence, the sum rule W += v k^T or the delta rule W += beta (v - W k) k^T, one write per step.
- ``softmax_attention`` / ``softmax_attention_backward``: softmax(q k^T / sqrt(d)) v with its backward.
"""

from __future__ import annotations

import numpy as np

from shared.frame.movement import Tape

OPTIMIZERS = ("sgd", "adam", "rmsprop")


def dtype_of(itemsize: int):
    return {1: np.bool_, 2: np.float16, 4: np.float32, 8: np.float64}[itemsize]


def parameters(tape: Tape, shapes: dict, optimizer: str, itemsize: int) -> tuple[dict, dict]:
    """Load the parameters ``shapes`` ({name: shape}) and the optimiser's state as arguments: "adam" two
    moments per weight ("m.", "v."), "rmsprop" the mean square and the momentum ("v.", "m.")."""
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    dtype = dtype_of(itemsize)
    params = {name: tape.argument(shape, dtype) for name, shape in shapes.items()}
    state = {}
    if optimizer != "sgd":
        state = {f"{moment}.{name}": tape.argument(shape, dtype) for moment in ("m", "v")
                 for name, shape in shapes.items()}
    return params, state


def update(tape: Tape, params: dict, grads: dict, state: dict, optimizer: str) -> dict:
    """One optimiser step over every parameter, parameter by parameter (numpy's order)."""
    new = {}
    for name, w in params.items():
        g = grads[name]
        if optimizer == "sgd":
            new[name] = tape.map(w, g)                            # w - lr g
        elif optimizer == "adam":
            m = tape.map(state[f"m.{name}"], g)                   # b1 m + (1 - b1) g
            v = tape.map(state[f"v.{name}"], g)                   # b2 v + (1 - b2) g^2
            new[name] = tape.map(w, m, v)                         # w - lr m / (sqrt v + eps)
        elif optimizer == "rmsprop":
            v = tape.map(state[f"v.{name}"], g)                   # rho v + (1 - rho) g^2
            m = tape.map(state[f"m.{name}"], g, v)                # mu m - lr g / sqrt(v + eps)
            new[name] = tape.map(w, m)                            # w + m
        else:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    return new


def accumulate(tape: Tape, total, term):
    """total + term, or term when there is no total yet."""
    return term if total is None else tape.map(total, term)


def bmatmul(tape: Tape, a, b, order: str = "ijk") -> np.ndarray:
    """a (P, M, K) or (P, K) @ b (P, K, N) or (P, K): one product per batch element p, in order
    (numpy's batched matmul); -> (P, M, N), (P, N), (P, M) or (P,)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"bmatmul batches differ: {a.shape} and {b.shape}")
    return np.stack([tape.matmul(a[p], b[p], order=order) for p in range(a.shape[0])])


# ----------------------------------------------------------------------------------------
# The clockwork RNN
# ----------------------------------------------------------------------------------------

def clockwork_step(tape: Tape, n_in: int, modules: int, module_size: int, n_out: int, steps: int,
                   batch: int = 1, optimizer: str = "rmsprop", itemsize: int = 8, targets: str = "all") -> Tape:
    """One full-BPTT training step of ``shared.networks.clockwork.Clockwork`` (N = modules x module_size
    tanh units, periods 1, 2, 4, ...) on a batch of ``batch`` sequences of ``steps`` steps, as the shared
    module computes it: at every step every unit's pre-activation x_t W_in + h W_rec + b and its tanh, then
    h = where(active_t, tanh, h) (the clock mask, a (T, N) bool argument); the linear read-out of every
    step after the loop (``targets`` "all": a target at every step; "last": only the last step's output
    is read, but the read-out of all steps is computed, as the module does); the backward through every
    step (dL/dx included, as the module computes it); the gradient of W_rec masked; the update; W_rec
    masked again after it (the stubs' ``W_rec *= mask``). Weights: W_in (n_in, N), W_rec (N, N) (dense,
    zero outside the block triangle), b (N,), W_out (N, n_out), c (n_out,)."""
    if targets not in ("all", "last"):
        raise ValueError(f"targets must be 'all' or 'last', got {targets!r}")
    if min(n_in, modules, module_size, n_out, steps, batch) < 1:
        raise ValueError("sizes, steps and batch must be positive")
    n = modules * module_size
    dtype = dtype_of(itemsize)
    shapes = {"W_in": (n_in, n), "W_rec": (n, n), "b": (n,), "W_out": (n, n_out), "c": (n_out,)}
    p, state = parameters(tape, shapes, optimizer, itemsize)
    mask = tape.argument((n, n), np.bool_)
    active = tape.argument((steps, n), np.bool_)
    target = tape.argument((steps if targets == "all" else 1, batch, n_out), dtype)
    xs = tape.argument((steps, batch, n_in), dtype)
    h = tape.zeros((batch, n), dtype)
    hs = [h]
    for t in range(steps):
        pre = tape.map(tape.map(tape.matmul(xs[t], p["W_in"]), tape.matmul(h, p["W_rec"])), p["b"])
        h = tape.map(np.broadcast_to(active[t], (batch, n)), tape.map(pre), h)     # where(active, tanh, h)
        hs.append(h)
    states = np.stack(hs[1:], axis=1)                                     # (B, T, N), a view
    y = tape.map(tape.matmul(states, p["W_out"]), p["c"])                 # (B, T, n_out)
    if targets == "all":
        d_y = tape.map(y, np.swapaxes(target, 0, 1))                      # (y - t) 2 / T
    else:
        d_y = np.concatenate([tape.zeros((batch, steps - 1, n_out), dtype),
                              tape.map(y[:, -1:], np.swapaxes(target, 0, 1))], axis=1)
    grads = {"W_out": tape.matmul(states.reshape(-1, n).T, d_y.reshape(-1, n_out)),   # einsum btn,bto->no
             "c": tape.reduce(d_y.reshape(-1, n_out), axis=0)}
    for name in ("W_in", "W_rec", "b"):
        grads[name] = tape.zeros(shapes[name], dtype)
    d_h = tape.zeros((batch, n), dtype)
    for t in reversed(range(steps)):
        d_h = tape.map(d_h, tape.matmul(d_y[:, t], p["W_out"].T))
        on = np.broadcast_to(active[t], (batch, n))
        d_pre = tape.map(on, tape.map(d_h, hs[t + 1]))                    # where(active, d_h (1 - h^2), 0)
        grads["W_in"] = tape.map(grads["W_in"], tape.matmul(xs[t].T, d_pre))
        grads["W_rec"] = tape.map(grads["W_rec"], tape.matmul(hs[t].T, d_pre))
        grads["b"] = tape.map(grads["b"], tape.reduce(d_pre, axis=0))
        tape.matmul(d_pre, p["W_in"].T)                                   # dL/dx_t, computed by the module
        d_h = tape.map(tape.map(on, d_h), tape.matmul(d_pre, p["W_rec"].T))
    grads["W_rec"] = tape.map(grads["W_rec"], mask)
    new = update(tape, p, grads, state, optimizer)
    tape.map(new["W_rec"], mask)
    return tape


# ----------------------------------------------------------------------------------------
# Linear attention: feature maps, the fast-weight programmer's writes; softmax attention
# ----------------------------------------------------------------------------------------

def feature_map(tape: Tape, x, phi: str):
    """phi(x) over the last axis: "linear" (elu + 1, one map; (..., d) -> (..., d)) or "dpfpN" (DPFP,
    nu = N: r = [relu(x), relu(-x)] two maps, then r * roll(r, j) for j = 1..nu; -> (..., 2 d nu)).
    -> (out, cache)."""
    if phi == "linear":
        out = tape.map(x)
        return out, {"phi": phi, "out": out}
    if not phi.startswith("dpfp"):
        raise ValueError(f"no feature map {phi!r}")
    nu = int(phi[4:])
    r = np.concatenate([tape.map(x), tape.map(x)], axis=-1)
    out = np.concatenate([tape.map(r, np.roll(r, j, axis=-1)) for j in range(1, nu + 1)], axis=-1)
    return out, {"phi": phi, "x": x, "r": r, "nu": nu}


def feature_map_backward(tape: Tape, cache: dict, d_out):
    """dL/dx from dL/dphi (shapes of ``feature_map``)."""
    if cache["phi"] == "linear":
        return tape.map(d_out, cache["out"])                              # d (1 or out)
    x, r, nu = cache["x"], cache["r"], cache["nu"]
    width = r.shape[-1]
    d_r = None
    for j in range(1, nu + 1):
        g = d_out[..., (j - 1) * width:j * width]
        term = tape.map(tape.map(g, np.roll(r, j, axis=-1)), np.roll(tape.map(g, r), -j, axis=-1))
        d_r = term if d_r is None else tape.map(d_r, term)
    d = x.shape[-1]
    return tape.map(d_r[..., :d], x, d_r[..., d:])                        # d_r+ (x > 0) - d_r- (x < 0)


def sum_normalize(tape: Tape, x):
    """x / sum(x) over the last axis: one reduce, one map. -> (out, cache)."""
    total = tape.reduce(x, axis=-1)
    out = tape.map(x, total[..., None])
    return out, {"out": out, "total": total}


def sum_normalize_backward(tape: Tape, cache: dict, d_out):
    out, total = cache["out"], cache["total"]
    dot = tape.reduce(tape.map(d_out, out), axis=-1)
    return tape.map(d_out, dot[..., None], total[..., None])              # (d - sum(d out)) / total


def fast_weight_write(tape: Tape, keys, values, beta=None, itemsize: int = 8):
    """The fast-weight programmer's writes from W_0 = 0 over T steps, one batch element after another
    within a step (batched matmul): keys (B, T, dk), values (B, T, dv); ``beta`` None: the sum rule
    W_t = W_{t-1} + v_t k_t^T; ``beta`` (B, T): the delta rule W_t = W_{t-1} + beta_t (v_t - W_{t-1} k_t)
    k_t^T (the first write reads the zero matrix too, as the stubs' loops do; ``itemsize`` of that zero
    matrix). -> W_T (B, dv, dk), cache."""
    batch, steps, dk = keys.shape
    dv = values.shape[2]
    if beta is None:                                                      # V^T K: one batched product
        w = bmatmul(tape, np.swapaxes(values, 1, 2), keys)
        return w, {"keys": keys, "values": values, "rule": "sum"}
    w = tape.zeros((batch, dv, dk), dtype_of(itemsize))
    before, errors = [], []
    for t in range(steps):
        k = keys[:, t]
        err = tape.map(values[:, t], bmatmul(tape, w, k))                 # v - W k
        before.append(w)
        errors.append(err)
        scaled = tape.map(beta[:, t, None], err)
        w = tape.map(w, bmatmul(tape, scaled[:, :, None], k[:, None, :]))
    return w, {"keys": keys, "beta": beta, "before": before, "errors": errors, "rule": "delta"}


def fast_weight_write_backward(tape: Tape, cache: dict, d_w) -> dict:
    """d_w (B, dv, dk), the gradient of W_T -> {"keys", "values", "beta" (delta rule)} gradients."""
    keys = cache["keys"]
    if cache["rule"] == "sum":
        values = cache["values"]
        return {"keys": bmatmul(tape, values, d_w),                       # (B, T, dk)
                "values": bmatmul(tape, keys, np.swapaxes(d_w, 1, 2))}    # (B, T, dv)
    beta, before, errors = cache["beta"], cache["before"], cache["errors"]
    steps = keys.shape[1]
    d_keys, d_values, d_beta = [None] * steps, [None] * steps, [None] * steps
    for t in reversed(range(steps)):
        k, err = keys[:, t], errors[t]
        dw_k = bmatmul(tape, d_w, k)                                      # (B, dv)
        d_beta[t] = tape.reduce(tape.map(err, dw_k), axis=-1)
        d_err = tape.map(beta[:, t, None], dw_k)
        d_values[t] = d_err
        d_keys[t] = tape.map(tape.map(beta[:, t, None], bmatmul(tape, np.swapaxes(d_w, 1, 2), err)),
                             bmatmul(tape, np.swapaxes(before[t], 1, 2), d_err))
        d_w = tape.map(d_w, bmatmul(tape, d_err[:, :, None], k[:, None, :]))
    return {"keys": np.stack(d_keys, axis=1), "values": np.stack(d_values, axis=1),
            "beta": np.stack(d_beta, axis=1)}


def softmax_attention(tape: Tape, q, k, v):
    """softmax(q k^T / sqrt(d)) v per batch element: q (B, T, d), k (B, S, d), v (B, S, e) -> (B, T, e),
    cache. The scores scaled (a map), their maximum subtracted, exp, the sum, the division."""
    scores = tape.map(bmatmul(tape, q, np.swapaxes(k, 1, 2)))
    top = tape.reduce(scores, axis=-1)
    shifted = tape.map(scores, top[..., None])
    e = tape.map(shifted)
    weights = tape.map(e, tape.reduce(e, axis=-1)[..., None])
    return bmatmul(tape, weights, v), {"q": q, "k": k, "v": v, "weights": weights}


def softmax_attention_backward(tape: Tape, cache: dict, d_out) -> dict:
    q, k, v, weights = cache["q"], cache["k"], cache["v"], cache["weights"]
    d_weights = bmatmul(tape, d_out, np.swapaxes(v, 1, 2))
    dot = tape.reduce(tape.map(d_weights, weights), axis=-1)
    d_scores = tape.map(weights, d_weights, dot[..., None])              # w (dw - sum(dw w)) scale
    return {"q": bmatmul(tape, d_scores, k), "k": bmatmul(tape, np.swapaxes(d_scores, 1, 2), q),
            "v": bmatmul(tape, np.swapaxes(weights, 1, 2), d_out)}


# ----------------------------------------------------------------------------------------
# LSTM (Greff et al.'s vanilla cell, peepholes optional), one direction; the bidirectional step
# ----------------------------------------------------------------------------------------

def lstm_shapes(n_in: int, hidden: int, n_out: int, peepholes: bool = True, prefix: str = "",
                output_bias: bool = True) -> dict:
    """The parameters of one direction: W (n_in, 4H), U (H, 4H), b (4H,) (columns [i f o g]), the
    peepholes p_i, p_f, p_o (H,), the read-out V (H, n_out) and its bias c (n_out,)."""
    h4 = 4 * hidden
    shapes = {"W": (n_in, h4), "U": (hidden, h4), "b": (h4,)}
    if peepholes:
        shapes.update({"p_i": (hidden,), "p_f": (hidden,), "p_o": (hidden,)})
    shapes["V"] = (hidden, n_out)
    if output_bias:
        shapes["c"] = (n_out,)
    return {prefix + name: shape for name, shape in shapes.items()}


def lstm_forward(tape: Tape, p: dict, xs, peepholes: bool = True, itemsize: int = 8) -> dict:
    """One direction of ``shared.networks.recurrent.LSTM`` (variant "V") over xs (T, B, D), as it computes:
    x W + b for all steps in one product, then per step the recurrent product U h_{t-1} (from h_0 = 0,
    c_0 = 0, computed at the first step too), the peepholes of the input and forget gates on c_{t-1} and of
    the output gate on c_t, the sigmoid gates, the tanh cell input, c_t = f c_{t-1} + i g, h_t = o tanh(c_t);
    the read-out of every step, y = h V (+ c when p holds "c"). -> cache with "y" (T, B, O)."""
    steps, batch, n_in = xs.shape
    hidden = p["U"].shape[0]
    dtype = dtype_of(itemsize)
    pre = tape.map(tape.matmul(xs.reshape(-1, n_in), p["W"]), p["b"]).reshape(steps, batch, 4 * hidden)
    h, c = tape.zeros((batch, hidden), dtype), tape.zeros((batch, hidden), dtype)
    hs, cs, acts, gs, ss = [h], [c], [], [], []
    sl = lambda k: slice(k * hidden, (k + 1) * hidden)                    # noqa: E731  [i f o g]
    for t in range(steps):
        a = tape.map(pre[t], tape.matmul(h, p["U"]))
        if peepholes:
            a_i, a_f = tape.map(a[:, sl(0)], p["p_i"], c), tape.map(a[:, sl(1)], p["p_f"], c)
            i_f = tape.map(np.concatenate([a_i, a_f], axis=1))            # sigmoid
        else:
            i_f = tape.map(a[:, :2 * hidden])
        i, f = i_f[:, :hidden], i_f[:, hidden:]
        g = tape.map(a[:, sl(3)])                                         # tanh
        c = tape.map(tape.map(f, c), tape.map(i, g))
        a_o = tape.map(a[:, sl(2)], p["p_o"], c) if peepholes else a[:, sl(2)]
        o = tape.map(a_o)
        s = tape.map(c)
        h = tape.map(o, s)
        hs.append(h)
        cs.append(c)
        acts.append(np.concatenate([i, f, o], axis=1))
        gs.append(g)
        ss.append(s)
    states = np.stack(hs[1:])                                             # (T, B, H)
    y = tape.matmul(states.reshape(-1, hidden), p["V"])
    if "c" in p:
        y = tape.map(y, p["c"])
    return {"xs": xs, "hs": np.stack(hs), "cs": np.stack(cs), "acts": np.stack(acts), "g": np.stack(gs),
            "s": np.stack(ss), "y": y.reshape(steps, batch, -1), "peepholes": peepholes}


def lstm_backward(tape: Tape, p: dict, cache: dict, d_y, input_grad: bool = True) -> dict:
    """BPTT through ``lstm_forward``'s cache as ``LSTM.backward`` computes it: the read-out's gradients,
    the slopes of all steps at once (sigma (1 - sigma) of the gates, o (1 - tanh^2 c), i (1 - g^2)), per
    step (from the last) dL/dh, dL/dc and the net inputs' gradients, then every weight gradient as one
    product over all steps (and dL/dx when ``input_grad``). d_y (T, B, O) -> {name: gradient}."""
    xs, hs, cs, acts, g, s = (cache[k] for k in ("xs", "hs", "cs", "acts", "g", "s"))
    steps, batch, n_in = xs.shape
    hidden = p["U"].shape[0]
    n_out = d_y.shape[-1]
    grads = {"V": tape.matmul(hs[1:].reshape(-1, hidden).T, d_y.reshape(-1, n_out))}
    if "c" in p:
        grads["c"] = tape.reduce(d_y.reshape(-1, n_out), axis=0)
    dhs = tape.matmul(d_y.reshape(-1, n_out), p["V"].T).reshape(steps, batch, hidden)
    slope = tape.map(acts)                                                # (T, B, 3H)
    o = acts[:, :, 2 * hidden:]
    dh_to_c = tape.map(o, s)
    cell_slope = tape.map(acts[:, :, :hidden], g)
    dh = tape.zeros((batch, hidden), dtype_of(8))
    dc = tape.zeros((batch, hidden), dtype_of(8))
    d_pre = [None] * steps
    sl = lambda k: slice(k * hidden, (k + 1) * hidden)                    # noqa: E731
    for t in reversed(range(steps)):
        dh = tape.map(dh, dhs[t])
        dc = tape.map(dc, dh, dh_to_c[t])
        da_o = tape.map(tape.map(dh, s[t]), slope[t][:, sl(2)])
        if cache["peepholes"]:
            dc = tape.map(dc, da_o, p["p_o"])
        da_g = tape.map(dc, cell_slope[t])
        dc_prev = tape.map(acts[t][:, sl(1)], dc)
        da_f = tape.map(tape.map(dc, cs[t]), slope[t][:, sl(1)])
        if cache["peepholes"]:
            dc_prev = tape.map(dc_prev, da_f, p["p_f"])
        da_i = tape.map(tape.map(dc, g[t]), slope[t][:, sl(0)])
        if cache["peepholes"]:
            dc_prev = tape.map(dc_prev, da_i, p["p_i"])
        d_pre[t] = np.concatenate([da_i, da_f, da_o, da_g], axis=1)       # (B, 4H)
        dh = tape.matmul(d_pre[t], p["U"].T)
        dc = dc_prev
    d_pre = np.stack(d_pre).reshape(-1, 4 * hidden)                       # (T B, 4H)
    if input_grad:
        tape.matmul(d_pre, p["W"].T)                                      # dL/dx (B, T, D)
    if cache["peepholes"]:
        d4 = d_pre.reshape(steps, batch, 4 * hidden)
        for name, k, cells in (("p_i", 0, cs[:-1]), ("p_f", 1, cs[:-1]), ("p_o", 2, cs[1:])):
            grads[name] = tape.reduce(tape.map(d4[:, :, sl(k)], cells).reshape(-1, hidden), axis=0)
    grads["W"] = tape.matmul(xs.reshape(-1, n_in).T, d_pre)
    grads["U"] = tape.matmul(hs[:-1].reshape(-1, hidden).T, d_pre)
    grads["b"] = tape.reduce(d_pre, axis=0)
    return grads


def clip_global_norm(tape: Tape, grads: dict) -> dict:
    """``shared.networks.optim.clip_global_norm``: the squares of every gradient summed (per gradient, then
    across them), the root and the scale (three scalar ops), every gradient scaled (one map each)."""
    total = None
    for g in grads.values():
        part = tape.reduce(tape.map(g).reshape(-1))
        total = part if total is None else tape.map(total, part)
    scale = tape.map(tape.map(tape.map(total)))
    return {name: tape.map(g, scale) for name, g in grads.items()}


def softmax_xent_grad(tape: Tape, logits, target):
    """The gradient of the mean cross-entropy of a softmax over the last axis: log-softmax (max, shift,
    exp, sum, log, difference), the loss's picks, then p - onehot masked and scaled. logits (..., K),
    target (..., K) one-hot (data) -> (..., K)."""
    top = tape.reduce(logits, axis=-1)
    shifted = tape.map(logits, top[..., None])
    total = tape.reduce(tape.map(shifted), axis=-1)
    log_p = tape.map(shifted, tape.map(total)[..., None])
    tape.map(log_p, target)                                               # the loss's picks
    return tape.map(tape.map(log_p), target)                              # (exp(log p) - onehot) mask / n


def log_softmax(tape: Tape, logits):
    """ln softmax over the last axis as ``shared.networks.ctc.log_softmax``: max, shift, exp, sum, log,
    difference. logits (..., K) -> (..., K)."""
    top = tape.reduce(logits, axis=-1)
    shifted = tape.map(logits, top[..., None])
    total = tape.reduce(tape.map(shifted), axis=-1)
    return tape.map(shifted, tape.map(total)[..., None])


def _logsumexp(tape: Tape, terms):
    """``shared.networks.ctc._logsumexp`` of equal-shaped terms: np.stack (a copy), the maximum, isfinite,
    the safe maximum, the shift, exp, the sum, log, the addition and the final where."""
    stacked = tape.map(np.stack(terms))
    top = tape.reduce(stacked, axis=0)
    finite = tape.map(top, itemsize=1)
    safe = tape.map(finite, top)
    total = tape.reduce(tape.map(tape.map(stacked, safe[None])), axis=0)
    return tape.map(finite, tape.map(safe, tape.map(total)))


def _shifted(tape: Tape, values, by: int, dtype):
    """``_shift``: np.full of -inf (a fresh array), then the values moved ``by`` places copied in."""
    fill = tape.zeros(abs(by), dtype)
    moved = tape.map(values[:-by] if by > 0 else values[-by:])
    return np.concatenate([fill, moved]) if by > 0 else np.concatenate([moved, fill])


def ctc_gradient(tape: Tape, log_y, ext, skip, skip_back, d_nll, itemsize: int = 8):
    """The CTC loss of one sequence and its gradient, as ``shared.networks.ctc`` computes them in log space:
    log_y (T, K) (ln softmax of the outputs), ``ext`` the extended labelling z' (S = 2|z| + 1 symbol
    indices, data), ``skip`` / ``skip_back`` (S,) bool arguments (where a skip over a blank is allowed),
    ``d_nll`` the loss's weight (a scalar argument). Forward: ln alpha over the T frames (per frame the two
    shifts, the masked skip, _logsumexp of three, plus the emission), the same backward for ln beta, the
    nll; gradient (eq. 16): ln alpha + ln beta - ln y, exp(. + nll), the occupancy of each symbol summed
    column by column, d_nll (exp(ln y) - occupancy). -> d_logits (T, K)."""
    frames, symbols = log_y.shape
    size = len(ext)
    dtype = dtype_of(itemsize)
    emit = tape.map(log_y[:, ext])                                        # (T, S) gather
    alpha = [np.concatenate([tape.map(emit[0, :2]), tape.zeros(size - 2, dtype)])]
    for t in range(1, frames):
        prev = alpha[-1]
        from_two = tape.map(skip, _shifted(tape, prev, 2, dtype))
        alpha.append(tape.map(_logsumexp(tape, [prev, _shifted(tape, prev, 1, dtype), from_two]), emit[t]))
    beta = [np.concatenate([tape.zeros(size - 2, dtype), tape.map(emit[-1, -2:])])]
    for t in range(frames - 2, -1, -1):
        nxt = beta[-1]
        from_two = tape.map(skip_back, _shifted(tape, nxt, -2, dtype))
        beta.append(tape.map(_logsumexp(tape, [nxt, _shifted(tape, nxt, -1, dtype), from_two]), emit[t]))
    alpha, beta = np.stack(alpha), np.stack(beta[::-1])
    nll = tape.map(_logsumexp(tape, [alpha[-1, -1:], alpha[-1, -2:-1]]))
    log_ab = tape.map(tape.map(alpha, beta), tape.map(log_y[:, ext]))
    weights = tape.map(log_ab, np.broadcast_to(nll, log_ab.shape))
    occupancy = tape.zeros((frames, symbols), dtype)
    for s, symbol in enumerate(ext):
        column = tape.map(occupancy[:, symbol], weights[:, s])
        occupancy = np.concatenate([occupancy[:, :symbol], column[:, None], occupancy[:, symbol + 1:]], axis=1)
    return tape.map(np.broadcast_to(d_nll, log_y.shape), log_y, occupancy)


def ctc_batch_data(tape: Tape, labels, frames: int, symbols: int, blank: int, itemsize: int = 8) -> dict:
    """The data arguments of ``ctc_batch_gradient`` (load them before the first operation): the padded
    extended labellings ``ext`` (B, S) (ids of nothing: data for the gathers), the masks valid, skip,
    skip_back (B, S) and the frame mask (B, T, 1) (bool), the one-hot of ext (B, S, K), the lengths (B,)
    (int64) and the weights (B,)."""
    batch = len(labels)
    width = 2 * max(len(z) for z in labels) + 1
    ext = np.full((batch, width), blank)
    for b, z in enumerate(labels):
        ext[b, 1:2 * len(z):2] = z
    dtype = dtype_of(itemsize)
    out = {name: tape.argument((batch, width), np.bool_) for name in ("valid", "skip", "skip_back")}
    out.update(onehot=tape.argument((batch, width, symbols), dtype), lengths=tape.argument(batch, np.int64),
               mask=tape.argument((batch, frames, 1), np.bool_), weights=tape.argument(batch, dtype))
    out.update(ext=ext, sizes=np.array([2 * len(z) + 1 for z in labels]))
    return out


def ctc_batch_gradient(tape: Tape, log_y, data: dict, itemsize: int = 8):
    """The CTC loss and gradient of a batch with the forward-backward recursions run once over time for the
    whole batch (iam-handwriting's ``ctc_batch``): log_y (B, T, K), ``data`` from ``ctc_batch_data``
    (lattices padded to the widest z', S = 2 max|z| + 1). The emissions gathered and masked; per frame the
    shifted copies (np.concatenate with -inf columns), two np.logaddexp, the masked skip, the emission; beta
    also selects by each sequence's length; nll from each sequence's last frame; the gradient
    gamma = exp(alpha + beta - emit + nll) masked, the occupancy by the dense one-hot product (einsum
    bts,bsk->btk, a batched product), w (exp(ln y) - occupancy) masked. -> d_logits (B, T, K)."""
    batch, frames, symbols = log_y.shape
    ext, sizes = data["ext"], data["sizes"]
    width = ext.shape[1]
    dtype = dtype_of(itemsize)
    rows = np.arange(batch)[:, None, None]
    emit = tape.map(data["valid"][:, None, :], tape.map(log_y[rows, np.arange(frames)[None, :, None],
                                                              ext[:, None, :]]))
    ninf, ninf2 = tape.zeros((batch, 1), dtype), tape.zeros((batch, 2), dtype)
    alpha = [np.concatenate([tape.map(emit[:, 0, :2]), tape.zeros((batch, width - 2), dtype)], axis=1)]
    for t in range(1, frames):
        prev = alpha[-1]
        a = tape.map(prev, tape.map(np.concatenate([ninf, prev[:, :-1]], axis=1)))
        two = tape.map(data["skip"], tape.map(np.concatenate([ninf2, prev[:, :-2]], axis=1)))
        alpha.append(tape.map(tape.map(a, two), emit[:, t]))
    init = tape.zeros((batch, width), dtype)
    beta = [None] * frames
    for t in range(frames - 1, -1, -1):
        if t == frames - 1:
            rec = tape.zeros((batch, width), dtype)
        else:
            nxt = beta[t + 1]
            rec = tape.map(nxt, tape.map(np.concatenate([nxt[:, 1:], ninf], axis=1)))
            two = tape.map(data["skip_back"], tape.map(np.concatenate([nxt[:, 2:], ninf2], axis=1)))
            rec = tape.map(rec, two)
        at_end = tape.map(data["lengths"], itemsize=1)                      # t == lengths - 1
        before = tape.map(data["lengths"], itemsize=1)                      # t < lengths - 1
        here = tape.map(at_end[:, None], init, tape.map(before[:, None], rec))
        beta[t] = tape.map(here, emit[:, t])
    alpha, beta = np.stack(alpha, axis=1), np.stack(beta, axis=1)          # (B, T, S)
    last = tape.map(alpha[:, -1])                                           # alpha[rows, lengths - 1]
    b_rows = np.arange(batch)
    nll = tape.map(last[b_rows, sizes - 1], last[b_rows, sizes - 2])        # -logaddexp
    finite = tape.map(emit, itemsize=1)
    safe = tape.map(finite, emit)
    gamma = tape.map(alpha, beta, safe, np.broadcast_to(nll[:, None, None], alpha.shape))
    gamma = tape.map(tape.map(data["valid"][:, None, :], finite), gamma)
    occupancy = bmatmul(tape, gamma, data["onehot"])                        # (B, T, K)
    diff = tape.map(tape.map(log_y), occupancy)
    return tape.map(data["mask"], data["weights"][:, None, None], diff)


def blstm_step(tape: Tape, n_in: int, hidden: int, n_out: int, steps: int, batch: int = 1,
               optimizer: str = "adam", itemsize: int = 8, peepholes: bool = True, clip: bool = True,
               bidirectional: bool = True, labels=None, blank: int | None = None, ctc: str = "sequence") -> Tape:
    """One training step of ``shared.networks.recurrent.BLSTM`` (or, ``bidirectional`` False, of one
    ``LSTM`` with a read-out at every step) on a batch (B, T, n_in): the forward LSTM on the sequences, the
    backward LSTM on them reversed (a gather, free: a view of the ids), y = y_fwd + y_bwd reversed (one
    output bias, the forward's); the loss's gradient: ``labels`` None, the framewise softmax cross-entropy
    on every frame (a one-hot target per frame); else the CTC loss of ``labels`` (B label sequences, no
    blank, none repeated next to itself) with the ``blank`` symbol, after the log-softmax: ``ctc``
    "sequence", one sequence after another (``ctc_gradient``, shared.networks.ctc), or "batch", the batch's
    lattices together (``ctc_batch_gradient``); both backward passes (dL/dx included, as the LSTM computes
    it), the global-norm clip when ``clip``, the update. Parameters: ``lstm_shapes`` per direction
    (4 H (n_in + H + 1) [+ 3 H] + H n_out each, one output bias n_out)."""
    shapes = lstm_shapes(n_in, hidden, n_out, peepholes, "f.")
    if bidirectional:
        shapes.update(lstm_shapes(n_in, hidden, n_out, peepholes, "b.", output_bias=False))
    params, state = parameters(tape, shapes, optimizer, itemsize)
    dtype = dtype_of(itemsize)
    if labels is None:
        target = tape.argument((batch, steps, n_out), dtype)
    else:
        if len(labels) != batch or blank is None or ctc not in ("sequence", "batch"):
            raise ValueError("CTC needs one labelling per sequence, the blank symbol and ctc 'sequence' or 'batch'")
        if ctc == "batch":
            data = ctc_batch_data(tape, labels, steps, n_out, blank, itemsize)
        else:
            exts, skips = [], []
            for label in labels:
                ext = np.full(2 * len(label) + 1, blank)
                ext[1::2] = label
                exts.append(ext)
                skips.append((tape.argument(len(ext), np.bool_), tape.argument(len(ext), np.bool_)))
            d_nll = tape.argument(batch, dtype)
    xs = tape.argument((steps, batch, n_in), dtype)
    fwd = {k[2:]: v for k, v in params.items() if k.startswith("f.")}
    cache_f = lstm_forward(tape, fwd, xs, peepholes, itemsize)
    if bidirectional:
        bwd = {k[2:]: v for k, v in params.items() if k.startswith("b.")}
        cache_b = lstm_forward(tape, bwd, xs[::-1], peepholes, itemsize)
        y = np.swapaxes(tape.map(cache_f["y"], cache_b["y"][::-1]), 0, 1)   # (B, T, O)
    else:
        y = np.swapaxes(cache_f["y"], 0, 1)
    if labels is None:
        d_y = softmax_xent_grad(tape, y, target)
    elif ctc == "batch":
        d_y = ctc_batch_gradient(tape, log_softmax(tape, y), data, itemsize)
    else:
        log_y = log_softmax(tape, y)
        d_y = np.stack([ctc_gradient(tape, log_y[b], exts[b], *skips[b], d_nll[b], itemsize)
                        for b in range(batch)])
    d_y = np.swapaxes(d_y, 0, 1)                                          # (T, B, O)
    grads = {f"f.{k}": v for k, v in lstm_backward(tape, fwd, cache_f, d_y).items()}
    if bidirectional:
        grads.update({f"b.{k}": v for k, v in lstm_backward(tape, bwd, cache_b, d_y[::-1]).items()})
    grads = {name: grads[name] for name in shapes}
    if clip:
        grads = clip_global_norm(tape, grads)
    update(tape, params, grads, state, optimizer)
    return tape


# ----------------------------------------------------------------------------------------
# Neural EM: one unrolled EM step of RNN-EM, forward and backward
# ----------------------------------------------------------------------------------------

def _odyss_cell_forward(tape: Tape, p: dict, m, h, n_in: int, n_out: int, thinking: int):
    """The OdyssNet bank's M-step (shared.learning.control.OdyssNetBank, one core): xp = m Win, then
    ``thinking`` thinking steps (pre = h W + B, mem = tanh(h mf), z = mem mg + pre, the input injected at
    the first over the full width, act = tanh z, RMS norm, times the norm weight), the read-out neurons
    times the output scale. -> (y, cache)."""
    rows, neurons = h.shape
    dtype = dtype_of(8)
    xp = tape.matmul(m, p["Win"])
    hs, caches = [h], []
    for k in range(thinking):
        pre = tape.map(tape.matmul(h, p["W"]), p["B"])
        mem = tape.map(tape.map(h, p["mf"]))
        z = tape.map(mem, p["mg"], pre)
        if k == 0:
            full = np.concatenate([tape.map(xp, p["input_scale"]), tape.zeros((rows, neurons - n_in), dtype)], axis=1)
            z = tape.map(z, full)
        act = tape.map(z)
        inv = tape.map(tape.reduce(tape.map(act, act), axis=1))
        norm = tape.map(act, inv[:, None])
        h = tape.map(norm, p["norm_w"])
        hs.append(h)
        caches.append((mem, act, inv, norm))
    y = tape.map(h[:, neurons - n_out:], p["output_scale"])
    return y, (xp, hs, caches)


def _odyss_cell_backward(tape: Tape, p: dict, g: dict, cache, m, d_h, d_y, n_in: int, n_out: int):
    """Backward of ``_odyss_cell_forward`` (OdyssNetBank.step_back and _think_back), gradients added to
    their running sums in g. -> dL/dm."""
    xp, hs, caches = cache
    neurons = hs[0].shape[1]
    out = slice(neurons - n_out, neurons)
    g["output_scale"] = tape.map(g["output_scale"], tape.reduce(tape.map(d_y, hs[-1][:, out]), axis=0))
    dh = tape.map(d_h)                                                          # d_h_new.copy()
    dh = np.concatenate([dh[:, :out.start], tape.map(dh[:, out], d_y, p["output_scale"])], axis=1)
    d_x = None
    for k in reversed(range(len(caches))):
        mem, act, inv, norm = caches[k]
        before = hs[k]
        g["norm_w"] = tape.map(g["norm_w"], tape.reduce(tape.map(dh, norm), axis=0))
        d_norm = tape.map(dh, p["norm_w"])
        dot = tape.reduce(tape.map(d_norm, norm), axis=1)
        dz = tape.map(tape.map(d_norm, norm, dot[:, None], inv[:, None]), act)
        if k == 0:
            d_x = tape.map(dz[:, :n_in], p["input_scale"])
            g["input_scale"] = tape.map(g["input_scale"], tape.reduce(tape.map(dz[:, :n_in], xp), axis=0))
        d_q = tape.map(dz, mem)
        g["mg"] = tape.map(g["mg"], tape.reduce(tape.map(dz, mem), axis=0))
        d_q = tape.map(d_q, p["mg"])
        g["mf"] = tape.map(g["mf"], tape.reduce(tape.map(d_q, before), axis=0))
        g["W"] = tape.map(g["W"], tape.matmul(before.T, dz))
        g["B"] = tape.map(g["B"], tape.reduce(dz, axis=0))
        dh = tape.map(tape.matmul(dz, p["W"].T), d_q, p["mf"])
    g["Win"] = tape.map(g["Win"], tape.matmul(m.T, d_x))
    return tape.matmul(d_x, p["Win"].T)


def nem_em_step(tape: Tape, pixels: int, components: int, hidden: int, images: int = 1, itemsize: int = 4,
                grad_gamma: bool = True, cell="rnn", n_in: int = 32, n_out: int = 64,
                thinking: int = 2) -> Tape:
    """One EM step of ``shared.learning.nem``, forward then its backward, for ``images`` images (R =
    images x components rows, D = ``pixels``). ``cell`` "rnn": the sigmoid-RNN M-step, H = ``hidden``
    units; "odyssnet": the OdyssNet bank's core of ``hidden`` neurons (input projection Win (D, n_in),
    ``thinking`` thinking steps, ``n_out`` read-out neurons; float64 as the bank runs); or a custom cell,
    a dict with "shapes" ({name: shape} of its weights), "width" (its output's width), "forward"
    (tape, p, m, h) -> (y, cache) and "backward" (tape, p, g, cache, d_h, d_y) -> dL/dm (adding its
    gradients into g, as the built-in cells do). Loaded as
    arguments: the weights (rnn: Wx (D, H), Wh (H, H), b (H,); both: the decoder V (F, D), c (D,)) and
    their gradients summed so far (the later steps'), the step's noisy input and clean target (B, 1, D),
    the previous psi and gamma (B, K, D), the state (R, H), and the gradients arriving from the next step
    (dL/dh, dL/dpsi, dL/dgamma). Forward: delta = x - psi, m = gamma delta, the cell, z = y V + c,
    psi' = sigmoid(z), the E-step (prob, its sum over components, gamma'), softplus(z), the intra term and
    the step's two loss sums. Backward (nem_backward's order): dz, dgamma and dprob through the E-step
    (``grad_gamma``), dpsi, the decoder's gradients and dL/dy, the cell's backward (dL/dh, dL/dm),
    dL/dpsi and dL/dgamma for the previous step; every gradient added to its running sum. The optimiser's
    update is not part of it (it follows the whole unrolled step)."""
    b, k, d = images, components, pixels
    rows = b * k
    custom = isinstance(cell, dict)
    if not custom and cell not in ("rnn", "odyssnet"):
        raise ValueError(f"cell must be 'rnn', 'odyssnet' or a custom cell, got {cell!r}")
    itemsize = 8 if cell == "odyssnet" else itemsize
    dtype = dtype_of(itemsize)
    arg = lambda *shape: tape.argument(shape, dtype)                          # noqa: E731
    if custom:
        shapes, out_width = dict(cell["shapes"]), cell["width"]
    elif cell == "rnn":
        shapes = {"Wx": (d, hidden), "Wh": (hidden, hidden), "b": (hidden,)}
        out_width = hidden
    else:
        shapes = {"Win": (d, n_in), "W": (hidden, hidden), "B": (hidden,), "mf": (hidden,), "mg": (hidden,),
                  "norm_w": (hidden,), "input_scale": (n_in,), "output_scale": (n_out,)}
        out_width = n_out
    shapes.update({"V": (out_width, d), "c": (d,)})
    p = {name: arg(*shape) for name, shape in shapes.items()}
    g = {name: arg(*shape) for name, shape in shapes.items()}
    x_in, tgt = arg(b, 1, d), arg(b, 1, d)
    psi, gamma, h = arg(b, k, d), arg(b, k, d), arg(rows, hidden)
    d_h, d_psi_next, d_gamma_next = arg(rows, hidden), arg(b, k, d), arg(b, k, d)
    # forward
    delta = tape.map(x_in, psi)
    m = tape.map(gamma, delta).reshape(rows, d)
    if custom:
        y, cell_cache = cell["forward"](tape, p, m, h)
    elif cell == "rnn":
        y = tape.map(tape.map(tape.map(tape.matmul(m, p["Wx"]), tape.matmul(h, p["Wh"])), p["b"]))
    else:
        y, cell_cache = _odyss_cell_forward(tape, p, m, h, n_in, n_out, thinking)
    z = tape.map(tape.matmul(y, p["V"]), p["c"])                               # (R, D)
    psi_new = tape.map(z).reshape(b, k, d)
    prob = tape.map(tgt, psi_new)                                              # x psi + (1 - x)(1 - psi) + eps
    total = tape.reduce(prob, axis=1)                                          # over the components
    gamma_new = tape.map(prob, total[:, None, :])
    sp = tape.map(z).reshape(b, k, d)                                          # softplus
    intra = tape.map(sp, tgt, z.reshape(b, k, d))
    tape.reduce(tape.map(gamma_new, intra).reshape(-1))
    tape.reduce(tape.map(gamma_new, sp).reshape(-1))
    # backward
    dz = tape.map(gamma_new, psi_new, tgt)                                     # w (gamma (psi - x) + (1 - gamma) psi)
    d_psi = d_psi_next
    if grad_gamma:
        d_gamma = tape.map(d_gamma_next, intra, sp)
        dot = tape.reduce(tape.map(d_gamma, gamma_new), axis=1)
        d_prob = tape.map(tape.map(d_gamma, dot[:, None, :]), total[:, None, :])
        d_psi = tape.map(d_psi, d_prob, tgt)
    dz = tape.map(dz, d_psi, psi_new).reshape(rows, d)
    g["V"] = tape.map(g["V"], tape.matmul(y.T, dz))
    g["c"] = tape.map(g["c"], tape.reduce(dz, axis=0))
    d_y = tape.matmul(dz, p["V"].T)
    if custom:
        d_m = cell["backward"](tape, p, g, cell_cache, d_h, d_y)
    elif cell == "rnn":
        da = tape.map(d_h, d_y, y)                                             # (d_h + d_y) h' (1 - h')
        g["Wx"] = tape.map(g["Wx"], tape.matmul(m.T, da))
        g["Wh"] = tape.map(g["Wh"], tape.matmul(h.T, da))
        g["b"] = tape.map(g["b"], tape.reduce(da, axis=0))
        tape.matmul(da, p["Wh"].T)                                             # dL/dh for the previous step
        d_m = tape.matmul(da, p["Wx"].T)
    else:
        d_m = _odyss_cell_backward(tape, p, g, cell_cache, m, d_h, d_y, n_in, n_out)
    d_m = d_m.reshape(b, k, d)
    tape.map(d_m, gamma)                                                       # dL/dpsi_prev = -d_m gamma_prev
    if grad_gamma:
        tape.map(d_m, delta)                                                   # dL/dgamma_prev
    return tape
