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


def blstm_step(tape: Tape, n_in: int, hidden: int, n_out: int, steps: int, batch: int = 1,
               optimizer: str = "adam", itemsize: int = 8, peepholes: bool = True, clip: bool = True,
               loss=None) -> Tape:
    """One training step of ``shared.networks.recurrent.BLSTM`` on a batch (B, T, n_in): the forward LSTM
    on the sequence, the backward LSTM on it reversed (a gather, free: a view of the ids), y = y_fwd +
    y_bwd reversed (one output bias, the forward's), the loss's gradient (``loss``: None, the framewise
    softmax cross-entropy on every frame; or a function ``loss(tape, y (B, T, O)) -> d_y``), both
    backward passes (dL/dx included, as BLSTM computes it), the global-norm clip when ``clip``, the update.
    Parameters: ``lstm_shapes`` per direction (2 x (4 H (n_in + H + 1) [+ 3 H] + H n_out) + n_out)."""
    shapes = lstm_shapes(n_in, hidden, n_out, peepholes, "f.")
    shapes.update(lstm_shapes(n_in, hidden, n_out, peepholes, "b.", output_bias=False))
    params, state = parameters(tape, shapes, optimizer, itemsize)
    dtype = dtype_of(itemsize)
    target = tape.argument((batch, steps, n_out), dtype) if loss is None else None
    xs = tape.argument((steps, batch, n_in), dtype)
    fwd = {k[2:]: v for k, v in params.items() if k.startswith("f.")}
    bwd = {k[2:]: v for k, v in params.items() if k.startswith("b.")}
    cache_f = lstm_forward(tape, fwd, xs, peepholes, itemsize)
    cache_b = lstm_forward(tape, bwd, xs[::-1], peepholes, itemsize)
    y = np.swapaxes(tape.map(cache_f["y"], cache_b["y"][::-1]), 0, 1)    # (B, T, O)
    d_y = softmax_xent_grad(tape, y, target) if loss is None else loss(tape, y)
    d_y = np.swapaxes(d_y, 0, 1)                                          # (T, B, O)
    grads = {f"f.{k}": v for k, v in lstm_backward(tape, fwd, cache_f, d_y).items()}
    grads.update({f"b.{k}": v for k, v in lstm_backward(tape, bwd, cache_b, d_y[::-1]).items()})
    grads = {name: grads[name] for name in shapes}
    if clip:
        grads = clip_global_norm(tape, grads)
    update(tape, params, grads, state, optimizer)
    return tape
