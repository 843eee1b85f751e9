"""Tape programs of the catalog's code-learning and self-modifying learners (issue 21): the chunker's RTRL
nets, predictability minimisation's predictors, fast-weight controllers.

Each function writes numpy's array operations of one piece of a training step on a movement ``Tape``
(shared.frame.movement), one operation at a time, at a single run's shapes (the seed axis of the catalog's
banks is left out: one run is priced). They are models at the level of array operations, not traces of the
code: monitoring (losses, accuracies, logs) is left out, and so is data generation.

RTRL (shared.learning.control.RTRL on a RecurrentBank, batch 1, one run):

- ``rtrl_net(tape, n_in, hidden, n_out, itemsize)`` -> dict of the net's arrays on the tape: params W (n_in, H),
  U (H, H), b (H,), V (H, K), c (K,); sensitivities sW (n_in, H, H), sU (H, H, H), sb (H, H); state h (H,).
- ``rtrl_forward(tape, net, x)``: x (n_in,) -> the net advanced one input: h = tanh(x W + h U + b), the
  sensitivities P' = (P U + [x_i or h_i or 1 on the diagonal]) * (1 - h^2), read-out out = h V + c (K,).
- ``rtrl_gradients(tape, net, d_out)``: d_out (K,) -> grads keyed like the params (einsums of the
  sensitivities with d_h = d_out V^T; the read-out's outer product).
- ``clipped_sgd(tape, params, grads)``: shared.learning.chunker.per_seed_sgd: the global norm of the grads,
  the scale min(1, clip / norm), and w - lr (g scale) per weight.
- ``softmax(tape, z)``: max, z - max and exp, sum, divide.
- ``chunker_block(tape, n_symbols, hidden_a, hidden_c, length, c_inputs, ...)``: one block of ``length``
  symbols of shared.learning.chunker.ChunkerPair: A (n_symbols -> hidden_a -> n_symbols + targets + hidden_c)
  at every symbol, C (n_symbols + 1 -> hidden_c -> n_symbols + targets) taking the first ``c_inputs`` symbols
  (its prediction gradient before each), the target answered by both at the block's last symbol.
"""

from __future__ import annotations

import numpy as np

from shared.frame.movement import Tape


def _dtype(itemsize: int):
    return {4: np.float32, 8: np.float64}[itemsize]


# ----------------------------------------------------------------------------------------
# RTRL nets and the chunker
# ----------------------------------------------------------------------------------------


def rtrl_net(tape: Tape, n_in: int, hidden: int, n_out: int, itemsize: int = 8) -> dict:
    """The arrays of one RTRL net loaded as Tape arguments: params, sensitivities, state (shapes in the
    module docstring)."""
    if min(n_in, hidden, n_out) < 1:
        raise ValueError("rtrl_net needs positive n_in, hidden and n_out")
    dt = _dtype(itemsize)
    h = hidden
    net = {name: tape.argument(shape, dt) for name, shape in
           (("W", (n_in, h)), ("U", (h, h)), ("b", (h,)), ("V", (h, n_out)), ("c", (n_out,)),
            ("sW", (n_in, h, h)), ("sU", (h, h, h)), ("sb", (h, h)), ("h", (h,)))}
    net["out"] = None
    return net


def rtrl_forward(tape: Tape, net: dict, x) -> dict:
    """One input x (n_in,) through RTRL.step: the new state, sensitivities and read-out (a new dict)."""
    h_prev = net["h"]
    hidden = h_prev.shape[0]
    z = tape.map(tape.matmul(x, net["W"]), tape.matmul(h_prev, net["U"]))
    h = tape.map(tape.map(z, net["b"]))                                   # tanh(. + b)
    slope = tape.map(h, h)                                                # 1 - h^2
    d = np.arange(hidden)
    new_w = tape.matmul(net["sW"], net["U"]).copy()                       # sum_l P[i, j, l] U[l, k]
    new_w[:, d, d] = tape.map(new_w[:, d, d], x[:, None])                 # + x_i [j = k]
    new_u = tape.matmul(net["sU"], net["U"]).copy()
    new_u[:, d, d] = tape.map(new_u[:, d, d], h_prev[:, None])            # + h_{t-1, i} [j = k]
    new_b = tape.matmul(net["sb"], net["U"]).copy()
    new_b[d, d] = tape.map(new_b[d, d])                                   # + 1 [j = k]
    out = dict(net)
    out["sW"] = tape.map(new_w, slope[None, None, :])
    out["sU"] = tape.map(new_u, slope[None, None, :])
    out["sb"] = tape.map(new_b, slope[None, :])
    out["h"] = h
    out["out"] = tape.map(tape.matmul(h, net["V"]), net["c"])
    return out


def rtrl_gradients(tape: Tape, net: dict, d_out) -> dict:
    """dL/d(read-out) d_out (K,) -> grads W, U, b, V, c through the sensitivities (RTRL.gradients)."""
    d_h = tape.matmul(d_out, net["V"].T)                                  # (H,)
    return {"W": tape.matmul(net["sW"], d_h), "U": tape.matmul(net["sU"], d_h), "b": tape.matmul(net["sb"], d_h),
            "V": tape.matmul(net["h"][:, None], d_out[None, :]), "c": d_out}   # c: a sum over a batch of one


def clipped_sgd(tape: Tape, params: dict, grads: dict) -> dict:
    """per_seed_sgd with a norm limit: norm^2 = sum of every g^2, scale = min(1, clip / (sqrt + eps)), then
    per weight g scale, lr g, w - (three maps). Returns the new params (the keys of grads)."""
    total = None
    for g in grads.values():
        sq = tape.reduce(tape.map(g, g).reshape(-1))
        total = sq if total is None else tape.map(total, sq)
    scale = tape.map(tape.map(tape.map(total)))                            # sqrt, + eps and clip /, minimum
    return {k: tape.map(params[k], tape.map(tape.map(g, scale))) for k, g in grads.items()}


def softmax(tape: Tape, z):
    """shared.learning.rl.softmax over the last axis: max, exp(z - max) (one map), sum, divide."""
    m = tape.reduce(z)
    e = tape.map(z, m[..., None])
    return tape.map(e, tape.reduce(e)[..., None])


def _sgd_into(tape: Tape, net: dict, grads: dict) -> dict:
    out = dict(net)
    out.update(clipped_sgd(tape, net, grads))
    return out


def _sum_grads(tape: Tape, a: dict | None, b: dict) -> dict:
    return b if a is None else {k: tape.map(a[k], b[k]) for k in b}


def chunker_block(tape: Tape, n_symbols: int, hidden_a: int, hidden_c: int, length: int, c_inputs: int = 1,
                  n_targets: int = 1, predict_c: bool = True, use_c: bool = True, with_target: bool = True,
                  itemsize: int = 8) -> Tape:
    """One block of ``length`` symbols of the 2-net chunker (ChunkerPair.step at every symbol), one run.

    Per symbol: C's time unit ticks (a map); where C takes the symbol (the first ``c_inputs`` symbols of the
    block; the stream's surprises are mostly the block's first symbol), C's softmax prediction of it and the
    gradient through C's sensitivities, then C's RTRL step on [symbol, decay^since]; A's RTRL step, its softmax
    over the next symbol, the gradient d_a = p - next (and A's surprise, a compare); at the block's last symbol
    both answer the target (logistic) and C's gradient of it is added; A's third term (out - C's state) when
    ``predict_c``, zero otherwise; A's gradient; a clipped SGD step of A, and of C where it has a gradient.
    ``use_c=False``: A alone (the conventional single net), its read-out n_symbols + n_targets wide.
    ``with_target=False``: no target at the last symbol (a stretch of symbols inside a long block)."""
    if length < 1 or not 0 <= c_inputs <= length:
        raise ValueError("length must be positive and 0 <= c_inputs <= length")
    n, k = n_symbols, n_targets
    dt = _dtype(itemsize)
    a = rtrl_net(tape, n, hidden_a, n + k + (hidden_c if use_c else 0), itemsize)
    c = rtrl_net(tape, n + 1, hidden_c, n + k, itemsize) if use_c else None
    since = tape.argument(1, dt) if use_c else None
    out_c = tape.argument(n + k, dt) if use_c else None                    # C's last read-out
    target = tape.argument(k, dt)
    xs = tape.argument((length + 1, n), dt)                                # one-hot symbols, and the next one
    for t in range(length):
        x = xs[t]
        grads_c = None
        if use_c:
            since = tape.map(since)                                        # since + 1
            if t < c_inputs:
                p_c = softmax(tape, out_c[:n])
                d_c = np.concatenate([tape.map(p_c, x), tape.zeros(k, dt)])
                grads_c = rtrl_gradients(tape, c, d_c)
                time_unit = tape.map(since)                                # decay ** since
                c = rtrl_forward(tape, c, np.concatenate([x, time_unit]))
                out_c = c["out"]
                since = tape.zeros(1, dt)
        a = rtrl_forward(tape, a, x)
        out_a = a["out"]
        p = softmax(tape, out_a[:n])
        parts = [tape.map(p, xs[t + 1])]                                   # p - eye[next]
        tape.map(p[:1])                                                    # p_next < confidence (one compare)
        if with_target and t == length - 1:
            parts.append(tape.map(tape.map(out_a[n:n + k]), target))       # sigmoid, - target
            if use_c:
                d_c = np.concatenate([tape.zeros(n, dt), tape.map(tape.map(out_c[n:]), target)])
                grads_c = _sum_grads(tape, grads_c, rtrl_gradients(tape, c, d_c))
        else:
            parts.append(tape.zeros(k, dt))
        if use_c:
            parts.append(tape.map(out_a[n + k:], c["h"]) if predict_c else tape.zeros(hidden_c, dt))
        grads_a = rtrl_gradients(tape, a, np.concatenate(parts))
        a = _sgd_into(tape, a, grads_a)
        if grads_c is not None:
            c = _sgd_into(tape, c, grads_c)
    return tape


# ----------------------------------------------------------------------------------------
# Dense stacks (shared.networks.mlp.MLP) as forward / backward pieces, for learners with their own losses
# ----------------------------------------------------------------------------------------


def mlp_params(tape: Tape, sizes, itemsize: int = 8) -> dict:
    """W{i} (sizes[i], sizes[i+1]) and b{i} (sizes[i+1],) loaded as Tape arguments."""
    dt = _dtype(itemsize)
    params = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"W{i}"], params[f"b{i}"] = tape.argument((n_in, n_out), dt), tape.argument(n_out, dt)
    return params


def mlp_forward(tape: Tape, params: dict, x) -> tuple:
    """MLP.forward: x (B, n_in) -> (z (B, n_out) of the linear last layer, cache: each layer's input). Hidden
    layers squashed (one map)."""
    layers = len(params) // 2
    inputs, a = [], x
    for i in range(layers):
        inputs.append(a)
        z = tape.map(tape.matmul(a, params[f"W{i}"]), params[f"b{i}"])
        a = z if i == layers - 1 else tape.map(z)
    return a, inputs


def mlp_backward(tape: Tape, params: dict, cache: list, d_y, input_gradient: bool = True) -> tuple:
    """MLP.backward: d_y (B, n_out) -> (grads keyed like params, dL/dx (B, n_in) or None). Per layer from the
    top: W grad a^T d, b grad the batch sum, d W^T, and f'(a) from a (one map) below the top."""
    layers = len(params) // 2
    grads, d = {}, d_y
    for i in reversed(range(layers)):
        grads[f"W{i}"] = tape.matmul(cache[i].T, d)
        grads[f"b{i}"] = tape.reduce(d, axis=0)
        if i > 0 or input_gradient:
            d = tape.matmul(d, params[f"W{i}"].T)
            if i > 0:
                d = tape.map(d, cache[i])
    return grads, (d if input_gradient else None)


def sgd(tape: Tape, params: dict, grads: dict, maps: int = 2) -> dict:
    """w -= lr g: ``maps`` = 2 (numpy's lr * g, then the subtraction) or 1 (a fused update)."""
    if maps == 2:
        return {k: tape.map(params[k], tape.map(g)) for k, g in grads.items()}
    return {k: tape.map(params[k], g) for k, g in grads.items()}


# ----------------------------------------------------------------------------------------
# Predictability minimisation: the predictor bank (shared.learning.pm.PredictorBank)
# ----------------------------------------------------------------------------------------


def pm_predictor_params(tape: Tape, n_codes: int, hidden: int, itemsize: int = 8) -> dict:
    """PredictorBank's params as Tape arguments and its mask: hidden > 0: W1 (n, n, h), b1 (n, h), W2 (n, h),
    b2 (n,); hidden 0: W (n, n), b (n,). The mask (1 - I) is an argument of the bank's shape."""
    dt = _dtype(itemsize)
    n, h = n_codes, hidden
    shapes = ({"W1": (n, n, h), "b1": (n, h), "W2": (n, h), "b2": (n,), "mask": (n, n)} if h else
              {"W": (n, n), "b": (n,), "mask": (n, n)})
    return {k: tape.argument(s, dt) for k, s in shapes.items()}


def pm_predictors_forward(tape: Tape, bank: dict, code, output: str = "logistic") -> tuple:
    """PredictorBank.forward: code (B, n) -> (pred (B, n), cache). Every call masks the weights (a map), as the
    bank does; the einsum over (k, h) runs as one matmul of code with W1 laid out (k, i h). ``output``
    "logistic" (a map) or "linear"."""
    squash = (lambda z: tape.map(z)) if output == "logistic" else (lambda z: z)   # noqa: E731
    b, n = code.shape
    if "W1" in bank:
        h = bank["W1"].shape[2]
        w1 = tape.map(bank["W1"], bank["mask"][:, :, None])
        pre = tape.matmul(code, w1.transpose(1, 0, 2).reshape(n, n * h)).reshape(b, n, h)
        hidden = tape.map(tape.map(pre, bank["b1"][None]))                  # tanh(. + b1)
        z = tape.reduce(tape.map(hidden, bank["W2"][None]), axis=2)
        pred = squash(tape.map(z, bank["b2"][None]))                       # logistic(. + b2)
        return pred, {"code": code, "pred": pred, "hidden": hidden, "w1": w1, "output": output}
    w = tape.map(bank["W"], bank["mask"])
    pred = squash(tape.map(tape.matmul(code, w.T), bank["b"][None]))       # logistic(code W^T + b)
    return pred, {"code": code, "pred": pred, "w": w, "output": output}


def pm_predictors_backward(tape: Tape, bank: dict, cache: dict, d_pred, input_gradient: bool = True) -> tuple:
    """PredictorBank.backward: dL/dpred (B, n) -> (grads keyed like the params, dL/dcode (B, n) through the
    predictors' inputs, or None)."""
    code, pred = cache["code"], cache["pred"]
    b, n = code.shape
    d_z = tape.map(d_pred, pred) if cache["output"] == "logistic" else d_pred   # d pred (1 - pred)
    if "W1" in bank:
        h = bank["W1"].shape[2]
        hidden = cache["hidden"]
        d_hidden = tape.map(d_z[:, :, None], bank["W2"][None], hidden)     # (B, n, h)
        w1 = tape.matmul(code.T, d_hidden.reshape(b, n * h)).reshape(n, n, h).transpose(1, 0, 2)
        grads = {"W1": tape.map(w1, bank["mask"][:, :, None]), "b1": tape.reduce(d_hidden, axis=0),
                 "W2": tape.reduce(tape.map(d_z[:, :, None], hidden), axis=0), "b2": tape.reduce(d_z, axis=0)}
        d_code = (tape.matmul(d_hidden.reshape(b, n * h), cache["w1"].transpose(0, 2, 1).reshape(n * h, n))
                  if input_gradient else None)
    else:
        grads = {"W": tape.map(tape.matmul(d_z.T, code), bank["mask"]), "b": tape.reduce(d_z, axis=0)}
        d_code = tape.matmul(d_z, cache["w"]) if input_gradient else None
    return grads, d_code


def pm_predictability(tape: Tape, code, pred) -> tuple:
    """pm.predictability: error = pred - code, V (monitoring, a square and a sum), d/dcode = -2 error / B and
    d/dpred = 2 error / B (one map each) -> (V, d_code, d_pred)."""
    error = tape.map(pred, code)
    value = tape.reduce(tape.map(error, error).reshape(-1))
    return value, tape.map(error), tape.map(error)


# ----------------------------------------------------------------------------------------
# The 1992 fast-weight controller learning on line by forward sensitivities (Schmidhuber 1992, Sec. 2)
# ----------------------------------------------------------------------------------------


def fast_weight_online_step(tape: Tape, s_in: int, f_in: int, f_out: int, interface: str = "direct",
                            row_sensitivities: bool = False, itemsize: int = 8) -> Tape:
    """One on-line time step of a slow net S (linear, no hidden units) programming the fast weights w
    (f_out, f_in) of F (identity outputs), the exact gradient carried forward in sensitivities p = dw/dtheta,
    the weights changed at every step (eqs. 1-4, 7):

    F reads w(t-1): y = w x_F; err = d - y; E (the solve criterion's figure: a square, a sum, a compare);
    grad = -sum err x_F p; S's program box w and its Jacobian J: ``interface`` "direct" (eq. 4: one S output
    per fast weight, W (f_out f_in, s_in)) or "fromto" (eq. 5: FROM units Wf (f_in, s_in), TO units
    Wt (f_out, s_in), box = TO FROM^T; J's blocks TO x and FROM x written into a zero array); eq. 7
    w' = logistic(T (w + box - 0.5)), slope T w' (1 - w'), p' = slope (p + J); theta - eta grad (two maps).
    Dense sensitivities p (f_out, f_in, P) as fast-weights-unknown-delay keeps them (J built as a dense array);
    ``row_sensitivities`` (direct only): p (f_out f_in, s_in), fast weight a depending on row a of W alone, as
    fast-weights-key-value keeps them (p' = slope (p + x), no J array)."""
    if interface not in ("direct", "fromto"):
        raise ValueError(f"interface must be 'direct' or 'fromto', got {interface!r}")
    if row_sensitivities and interface != "direct":
        raise ValueError("row sensitivities exist for the direct interface only")
    dt = _dtype(itemsize)
    m = f_out * f_in
    if interface == "direct":
        n_params = m * s_in
        theta = tape.argument((m, s_in), dt)
    else:
        n_params = (f_in + f_out) * s_in
        theta = tape.argument(n_params, dt)
    w = tape.argument((f_out, f_in), dt)
    p = tape.argument((m, s_in) if row_sensitivities else (f_out, f_in, n_params), dt)
    d = tape.argument(f_out, dt)
    x_f = tape.argument(f_in, dt)
    x = x_f if f_in == s_in else tape.argument(s_in, dt)                   # S's input (F's, when they agree)
    y = tape.matmul(w, x_f)                                                # (f_out,)
    err = tape.map(d, y)
    tape.map(tape.reduce(tape.map(err, err)))                              # E and E <= tolerance
    if row_sensitivities:
        delta = tape.map(err[:, None], x_f[None, :]).reshape(m)            # dE/dw_a(t-1)
        grad = tape.map(delta[:, None], p)                                 # (m, s_in)
        box = tape.matmul(theta, x).reshape(f_out, f_in)
    else:
        ex = tape.map(err[:, None], x_f[None, :]).reshape(m)
        grad = tape.map(tape.matmul(ex, p.reshape(m, n_params)))           # -sum err x p
        J = tape.zeros((f_out, f_in, n_params), dt).copy()
        if interface == "direct":
            box = tape.matmul(theta, x).reshape(f_out, f_in)
            for a in range(m):
                J[a // f_in, a % f_in, a * s_in:(a + 1) * s_in] = tape.map(x)
        else:
            wf = theta[:f_in * s_in].reshape(f_in, s_in)
            wt = theta[f_in * s_in:].reshape(f_out, s_in)
            frm, to = tape.matmul(wf, x), tape.matmul(wt, x)
            box = tape.map(to[:, None], frm[None, :])                      # eq. 5
            for a in range(f_in):
                J[:, a, a * s_in:(a + 1) * s_in] = tape.map(to[:, None], x[None, :])
            for b in range(f_out):
                off = f_in * s_in + b * s_in
                J[b, :, off:off + s_in] = tape.map(frm[:, None], x[None, :])
    w_new = tape.map(tape.map(w, box))                                     # logistic(T (w + box - 0.5))
    slope = tape.map(w_new)                                                # T w' (1 - w')
    if row_sensitivities:
        tape.map(slope.reshape(m)[:, None], tape.map(p, x[None, :]))
        tape.map(theta, tape.map(grad))
    else:
        tape.map(slope[..., None], tape.map(p, J))
        tape.map(theta, tape.map(grad.reshape(theta.shape)))
    return tape


# ----------------------------------------------------------------------------------------
# Slow nets writing episodes into fast weights (shared.networks.fastweights): one training update
# ----------------------------------------------------------------------------------------


def _per_batch(tape: Tape, a, b):
    """a[i] @ b[i] for every batch row i (numpy's batched matmul / einsum, one loop nest per row)."""
    return np.stack([tape.matmul(a[i], b[i]) for i in range(len(a))])


def fast_weight_update(tape: Tape, d_in: int, d_key: int, d_val: int, writes: int, batch: int = 1,
                       rule: str = "sum", reads: str = "final", learned_beta: bool = True, clip: bool = True,
                       itemsize: int = 8) -> Tape:
    """One update of a linear slow net (W_K (dk, d_in), W_V (dv, d_in), W_Q (dk, d_in), with the delta rule's
    learned write strength w_beta (d_in,), b_beta) on a batch of episodes x (B, T, d_in), through
    shared.networks.fastweights, Adam (``clip``: clip_global_norm first):

    ``reads="final"`` (fast-weights-key-value's benchmark): T writes, then one query x_query (B, d_in) read
    from the final matrix, y = W_T q; loss 0.5 |y - target|^2 / B; the backward through the read and the
    writes: the sum rule in its closed form (d_scaled = K d_W^T, d_keys = S d_W per episode), the delta rule
    W_t = W_{t-1} + beta (v - W_{t-1} k) k^T step by step, forward and backward.
    ``reads="all"`` (fast-weights-unknown-delay's recall task; sum rule): a query at every step in the
    attention form, reads = tril(Q K^T) V + Q W0^T, a masked loss at the recall steps, and the backward of
    fast_weight_backward with d_reads (its zero d_final terms included, as numpy computes them).
    Monitoring (the loss's value, cosines, bits right) is left out but for the loss's square and sum."""
    if rule not in ("sum", "delta") or reads not in ("final", "all"):
        raise ValueError("rule must be 'sum' or 'delta', reads 'final' or 'all'")
    if rule == "delta" and reads == "all":
        raise ValueError("the delta rule is written for reads='final' only")
    dt = _dtype(itemsize)
    shapes = {"W_K": (d_key, d_in), "W_V": (d_val, d_in), "W_Q": (d_key, d_in)}
    if rule == "delta" and learned_beta:
        shapes.update(w_beta=(d_in,), b_beta=(1,))
    params = {k: tape.argument(s, dt) for k, s in shapes.items()}
    moments = {k: (tape.argument(s, dt), tape.argument(s, dt)) for k, s in shapes.items()}
    x = tape.argument((batch, writes, d_in), dt)
    if reads == "final":
        x_query = tape.argument((batch, d_in), dt)
        target = tape.argument((batch, d_val), dt)
    else:
        target = tape.argument((batch, writes, d_val), dt)
        mask = tape.argument((batch, writes, 1), dt)
    k = tape.matmul(x, params["W_K"].T)                                    # (B, T, dk)
    v = tape.matmul(x, params["W_V"].T)                                    # (B, T, dv)
    grads = {}
    if reads == "all":
        q = tape.matmul(x, params["W_Q"].T)                                # (B, T, dk)
        w0 = tape.zeros((batch, d_val, d_key), dt)
        _per_batch(tape, v.transpose(0, 2, 1), k)                          # the final matrix (computed, unused)
        scores = tape.map(_per_batch(tape, q, k.transpose(0, 2, 1)))       # tril(Q K^T)
        out = tape.map(_per_batch(tape, scores, v), _per_batch(tape, q, w0.transpose(0, 2, 1)))
        diff = tape.map(out, target, mask)
        tape.reduce(tape.map(diff, diff).reshape(-1))
        d_reads = tape.map(diff)
        d_fast = tape.zeros((batch, d_val, d_key), dt)
        d_scaled = _per_batch(tape, k, d_fast.transpose(0, 2, 1))
        d_keys = _per_batch(tape, v, d_fast)
        d_init = tape.map(d_fast)
        d_scores = tape.map(_per_batch(tape, d_reads, v.transpose(0, 2, 1)))
        d_values = tape.map(d_scaled, _per_batch(tape, scores.transpose(0, 2, 1), d_reads))
        d_q = tape.map(_per_batch(tape, d_scores, k), _per_batch(tape, d_reads, w0))
        d_keys = tape.map(d_keys, _per_batch(tape, d_scores.transpose(0, 2, 1), q))
        tape.map(d_init, _per_batch(tape, d_reads.transpose(0, 2, 1), q))
        flat = x.reshape(batch * writes, d_in)
        grads["W_Q"] = tape.matmul(d_q.reshape(-1, d_key).T, flat)
    else:
        q = tape.matmul(x_query, params["W_Q"].T)                          # (B, dk)
        if rule == "sum":
            fast = _per_batch(tape, v.transpose(0, 2, 1), k)               # sum_t v_t k_t^T
        else:
            if learned_beta:
                beta = tape.map(tape.map(tape.matmul(x, params["w_beta"]), params["b_beta"][0]))   # sigmoid
            else:
                beta = tape.zeros((batch, writes), dt)                     # np.full: written, not read
            fast = tape.zeros((batch, d_val, d_key), dt)
            before, errors = [], []
            for t in range(writes):
                before.append(fast)
                error = tape.map(v[:, t], _per_batch(tape, fast, k[:, t]))
                fast = tape.map(fast, tape.map(tape.map(beta[:, t, None], error)[:, :, None], k[:, t, None, :]))
                errors.append(error)
        y = _per_batch(tape, fast, q)
        diff = tape.map(y, target)
        tape.reduce(tape.map(diff, diff).reshape(-1))
        dy = tape.map(diff)
        d_fast = tape.map(dy[:, :, None], q[:, None, :])
        d_q = _per_batch(tape, fast.transpose(0, 2, 1), dy)
        if rule == "sum":
            d_values = _per_batch(tape, k, d_fast.transpose(0, 2, 1))
            d_keys = _per_batch(tape, v, d_fast)
            tape.map(d_fast)                                               # d_initial = d_fast.copy()
        else:
            d_values, d_keys, d_beta = [None] * writes, [None] * writes, [None] * writes
            for t in reversed(range(writes)):
                kt, bt, et = k[:, t], beta[:, t, None], errors[t]
                du = _per_batch(tape, d_fast, kt)
                d_k = _per_batch(tape, d_fast.transpose(0, 2, 1), tape.map(bt, et))
                d_beta[t] = tape.reduce(tape.map(du, et))
                d_values[t] = tape.map(bt, du)
                dr = tape.map(bt, du)
                d_keys[t] = tape.map(d_k, _per_batch(tape, before[t].transpose(0, 2, 1), dr))
                d_fast = tape.map(d_fast, tape.map(dr[:, :, None], kt[:, None, :]))
            d_values, d_keys = np.stack(d_values, axis=1), np.stack(d_keys, axis=1)
            if learned_beta:
                da = tape.map(np.stack(d_beta, axis=1), beta)
                grads["w_beta"] = tape.matmul(da.reshape(-1), x.reshape(-1, d_in))
                grads["b_beta"] = tape.reduce(da.reshape(-1))[None]
        grads["W_Q"] = tape.matmul(d_q.T, x_query)
        flat = x.reshape(batch * writes, d_in)
    grads["W_K"] = tape.matmul(d_keys.reshape(-1, d_key).T, flat)
    grads["W_V"] = tape.matmul(d_values.reshape(-1, d_val).T, flat)
    if clip:
        total = None
        for g in grads.values():
            sq = tape.reduce(tape.map(g, g).reshape(-1))
            total = sq if total is None else tape.map(total, sq)
        scale = tape.map(tape.map(total))
        grads = {name: tape.map(g, scale) for name, g in grads.items()}
    for name, g in grads.items():                                          # Adam: m, v, w
        m = tape.map(moments[name][0], g)
        s = tape.map(moments[name][1], g)
        tape.map(params[name], m, s)
    return tape


# ----------------------------------------------------------------------------------------
# The 1993 self-referential weight matrix (Schmidhuber 1993, ICANN): episodes through one matrix
# ----------------------------------------------------------------------------------------


def srwm1993_episode(tape: Tape, rows: int, cols: int, bits_r: int, bits_c: int, n_in: int = 6, ticks: int = 2,
                     patterns: int = 8, demos: int = 4, itemsize: int = 8) -> Tape:
    """One episode of self-referential-weight-matrix's SRWM1993 forward and backward, then the update (Adam
    after the per-seed norm clip) of the initial matrix W0 (rows R, cols C = n_in + R):

    per pattern the activations restart; per tick z = [x0, x1, demo, bias, eval, val, a] (eval = demo (d - o)),
    s = W z, a = tanh(s) (o logistic), four address softmaxes over the row / column codes
    (k a_ana_r code_r^T ...), the read val = p^T (W q), the write W += delta pm qm^T (three maps over (R, C)),
    the output o at the pattern's last tick; the query loss's gradient (BCE through o); backward tick by tick
    in reverse: the write's (W qm, pm^T dW), the read's (val's outer product into dW), the four softmaxes', the
    units' (ds z^T into dW, ds^T W for the previous tick). Rows of the matrix are the output, delta, the
    addressing units (bits_r + bits_c for reading and for modifying) and the hidden units."""
    dt = _dtype(itemsize)
    R, C = rows, cols
    k_slices = [slice(2, 2 + bits_r), slice(2 + bits_r, 2 + bits_r + bits_c),
                slice(2 + bits_r + bits_c, 2 + 2 * bits_r + bits_c), slice(2 + 2 * bits_r + bits_c,
                                                                           2 + 2 * (bits_r + bits_c))]
    W0 = tape.argument((R, C), dt)
    m_state, v_state = tape.argument((R, C), dt), tape.argument((R, C), dt)
    code_r, code_c = tape.argument((R, bits_r), dt), tape.argument((C, bits_c), dt)
    bits = tape.argument((patterns, 2), dt)
    targets = tape.argument(patterns, dt)
    codes = [code_r, code_c, code_r, code_c]
    W = tape.map(W0)                                                     # broadcast_to(...).copy()
    cache, outs = [], []
    for t in range(patterns):
        a = tape.zeros(R, dt)
        val = tape.zeros(1, dt)
        for j in range(ticks):
            ev = tape.map(targets[t:t + 1], a[:1]) if j > 0 else tape.map(targets[t:t + 1])
            z = np.concatenate([bits[t], tape.zeros(2, dt), ev, val, a])  # np.full / np.ones: fresh values
            s = tape.matmul(W, z)
            a = tape.map(s).copy()                                        # tanh
            a[0] = tape.map(s[:1])[0]                                     # o: logistic
            soft = [softmax(tape, tape.matmul(tape.map(a[sl]), code.T)) for sl, code in zip(k_slices, codes)]
            p, q, pm, qm = soft
            wq = tape.matmul(W, q)
            val = tape.reduce(tape.map(p, wq))[None]
            cache.append((W, z, a, p, q, pm, qm, wq))
            W = tape.map(W, tape.map(tape.map(a[1:2], pm)[:, None], qm[None, :]))
        outs.append(a[0])
    outs = np.array(outs)
    d_outs = tape.map(outs, targets)                                      # (o - y) / (o (1 - o)) mask / n
    d_outs[:demos] = tape.zeros(demos, dt)
    dW = tape.zeros((R, C), dt)
    i = len(cache)
    for t in reversed(range(patterns)):
        da_next, dval_next = tape.zeros(R, dt), tape.zeros(1, dt)
        for j in reversed(range(ticks)):
            i -= 1
            Wt, z, a, p, q, pm, qm, wq = cache[i]
            da = tape.map(da_next).copy()
            if j == ticks - 1:
                da[0] = tape.map(da[:1], d_outs[t:t + 1])[0]
            dwqm = tape.matmul(dW, qm)
            da[1] = tape.map(da[1:2], tape.reduce(tape.map(pm, dwqm))[None])[0]
            dpm = tape.map(a[1:2], dwqm)
            dqm = tape.map(a[1:2], tape.matmul(pm, dW))
            dp = tape.map(dval_next, wq)
            dq = tape.map(dval_next, tape.matmul(p, Wt))
            dW = tape.map(dW, tape.map(tape.map(dval_next, p)[:, None], q[None, :]))
            for sl, code, prob, d_prob in zip(k_slices, codes, (p, q, pm, qm), (dp, dq, dpm, dqm)):
                back = tape.map(prob, d_prob, tape.reduce(tape.map(prob, d_prob))[None])   # softmax_back
                da[sl] = tape.map(da[sl], tape.map(tape.matmul(back, code)))
            ds = tape.map(da, a).copy()                                   # da (1 - a^2)
            ds[0] = tape.map(da[:1], a[:1])[0]                            # o: da o (1 - o)
            dW = tape.map(dW, tape.map(ds[:, None], z[None, :]))
            dz = tape.matmul(ds, Wt)
            da_next = tape.map(dz[n_in:]).copy()
            dval_next = dz[n_in - 1:n_in]
            if j > 0:
                da_next[0] = tape.map(da_next[:1], dz[n_in - 2:n_in - 1])[0]   # eval = demo (d - o)
    sq = tape.reduce(tape.map(dW, dW).reshape(-1))                        # clip_per_seed
    g = tape.map(dW, tape.map(tape.map(sq)))
    tape.map(W0, tape.map(m_state, g), tape.map(v_state, g))              # Adam
    return tape
