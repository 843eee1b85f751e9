"""Layers of the catalog's deep feed-forward and convolutional nets written on a movement Tape (issue 21).

Pieces that ``shared.networks.tape_steps`` (whole steps of the standard nets) does not have: a dense layer
with its backward pass, the competitive units (LWTA, maxout), dropout masks, the highway layer, the
convolution of ``shared.networks.conv`` (im2col, as the numpy code copies and multiplies) with max-pooling,
the softmax cross-entropy gradient, the optimisers with momentum, and the learned pixel projection of an
OdyssNet classifier. Every function takes and returns tape arrays (int64 arrays of value ids, see
``shared.frame.movement.Tape``) and records, one array operation at a time, what the numpy code computes;
caches are tuples of tape arrays. They model the numpy steps at the level of array operations and say what
they leave out. Shapes (B the batch):

- ``dense(tape, x (B, I), W (I, O), b (O,))`` -> z (B, O): the product (ijk loop), then the bias.
  ``dense_backward(tape, x, W, d_z, need_input=True)`` -> (dW (I, O), db (O,), d_x (B, I) or None).
- ``squash(tape, z)`` -> y: an elementwise unit (tanh, logistic, ReLU: one instruction per element);
  ``squash_backward(tape, y, d_y)`` -> d_z (the slope from the output, one instruction per element).
- ``lwta(tape, z (B, O), block)`` -> (y (B, O), mask): the block maximum (block - 1 comparisons), the winner
  mask (one byte per unit), y = where(mask, z, 0); ``lwta_backward(tape, mask, d_y)``.
- ``maxout(tape, z (B, O), pieces)`` -> y (B, O / pieces); ``maxout_backward(tape, z, y, d_y)`` -> d_z.
- ``dropout(tape, x, scale)``: x * scale with ``scale`` (same shape) a tape argument (the random draw is
  not priced); ``dropout_backward(tape, scale, d_y)``.
- ``highway(tape, x (B, N), W_H, b_H, W_T, b_T)`` -> (y, cache): H = f(x W_H + b_H), T = logistic(x W_T +
  b_T), y = H T + x (1 - T); ``highway_backward(tape, cache, d_y)`` -> (grads dict, d_x).
- ``conv2d(tape, x (B, C, H, W), weight (F, C, kh, kw), bias (F,))`` -> (y (B, F, Ho, Wo), cache), stride 1, no
  padding: the im2col copy of every receptive field (channels last), the kernels' copy to (F, kh kw C),
  the product (B Ho Wo, kh kw C) x (kh kw C, F), the bias, the copy back to channels first.
  ``conv2d_backward(tape, cache, d_y, need_input=True, dtype)`` -> (dW (F, C, kh, kw), db (F,), d_x or None)
  (``dtype``: of the zeroed input gradient).
- ``max_pool(tape, x (B, C, H, W), size)`` -> (y (B, C, H / size, W / size), cache) (non-overlapping
  windows; the winner found by size^2 - 1 comparisons, then gathered); ``max_pool_backward(tape, cache, d_y, dtype)``.
- ``softmax_xent_backward(tape, logits (B, K), scale=True)`` -> d_logits: max, exp(z - max), sum, divide, the
  label's "- 1" (one element per row) and, with ``scale``, the division by B of a mean loss.
- ``update(tape, params, grads, state, optimizer)``: "sgd" (w - lr g), "momentum" (v = mu v - lr g, w + v:
  two instructions per weight) or "adam" (three), parameter by parameter; ``state`` from ``parameters``.
- ``parameters(tape, shapes, optimizer, dtype)`` -> (params, state): the arguments, in dict order.
- ``accumulate(tape, sums, grads)``: a sample's gradients added into the batch's running sums (one
  instruction per weight): the unit of a step priced one sample at a time.
- ``odyssnet_features_step(tape, n_features, neurons, n_in, n_out, steps, batch, itemsize)``: an OdyssNet
  classifier of feature vectors: the core's step (``tape_steps.odyssnet_step``, Adam) and the learned
  projection (features -> the n_in input neurons) with its gradient and Adam update.

Example: one sample of a 784-256-10 LWTA net (blocks of 2), its gradients added into the batch's sums::

    tape = Tape()
    p, _ = parameters(tape, {"W0": (784, 256), "b0": (256,), "W1": (256, 10), "b1": (10,)})
    sums, _ = parameters(tape, {"W0": (784, 256), "b0": (256,), "W1": (256, 10), "b1": (10,)})
    x = tape.argument((1, 784), np.float32)
    h, mask = lwta(tape, dense(tape, x, p["W0"], p["b0"]), 2)
    d = softmax_xent_backward(tape, dense(tape, h, p["W1"], p["b1"]))
    dW1, db1, d_h = dense_backward(tape, h, p["W1"], d)
    dW0, db0, _ = dense_backward(tape, x, p["W0"], lwta_backward(tape, mask, d_h), need_input=False)
    accumulate(tape, sums, {"W0": dW0, "b0": db0, "W1": dW1, "b1": db1})
    tape.price().total, tape.instructions
"""

from __future__ import annotations

import numpy as np

from shared.frame.movement import Tape
from shared.networks import tape_steps

OPTIMIZERS = ("sgd", "momentum", "adam")


# ----------------------------------------------------------------------------------------------------
# Parameters and updates
# ----------------------------------------------------------------------------------------------------


def parameters(tape: Tape, shapes: dict, optimizer: str = "sgd", dtype=np.float32) -> tuple[dict, dict]:
    """Tape arguments for each named shape (in dict order), then the optimiser's state: momentum one velocity
    per parameter, adam two moments (named ``v.NAME``, ``m.NAME``)."""
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    params = {name: tape.argument(shape, dtype) for name, shape in shapes.items()}
    moments = {"sgd": (), "momentum": ("v",), "adam": ("m", "v")}[optimizer]
    state = {f"{moment}.{name}": tape.argument(shape, dtype) for moment in moments for name, shape in shapes.items()}
    return params, state


def update(tape: Tape, params: dict, grads: dict, state: dict, optimizer: str) -> dict:
    """One optimiser step over every parameter, parameter by parameter (numpy order)."""
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    new = {}
    for name, w in params.items():
        g = grads[name]
        if optimizer == "sgd":
            new[name] = tape.map(w, g)                                    # w - lr g
        elif optimizer == "momentum":
            v = tape.map(state[f"v.{name}"], g)                           # mu v - lr g
            new[name] = tape.map(w, v)                                    # w + v
        else:
            m = tape.map(state[f"m.{name}"], g)                           # b1 m + (1 - b1) g
            v = tape.map(state[f"v.{name}"], g)                           # b2 v + (1 - b2) g^2
            new[name] = tape.map(w, m, v)                                 # w - lr m / (sqrt v + eps)
    return new


def accumulate(tape: Tape, sums: dict, grads: dict) -> dict:
    """A sample's gradients added into the batch's running sums, one instruction per weight."""
    return {name: tape.map(sums[name], g) for name, g in grads.items()}


# ----------------------------------------------------------------------------------------------------
# Dense layers, units, dropout, the loss
# ----------------------------------------------------------------------------------------------------


def dense(tape: Tape, x, W, b):
    """z = x W + b for x (B, I), W (I, O), b (O,)."""
    return tape.map(tape.matmul(x, W), b)


def dense_backward(tape: Tape, x, W, d_z, need_input: bool = True):
    """(dW = x^T d_z, db = sum over the batch of d_z, d_x = d_z W^T or None)."""
    dW = tape.matmul(x.T, d_z)
    db = tape.reduce(d_z, axis=0)
    d_x = tape.matmul(d_z, W.T) if need_input else None
    return dW, db, d_x


def squash(tape: Tape, z):
    """An elementwise unit (tanh, logistic, ReLU), one instruction per element."""
    return tape.map(z)


def squash_backward(tape: Tape, y, d_y):
    """d_z = d_y f'(z), the slope computed from the output y: one instruction per element."""
    return tape.map(d_y, y)


def _groups(z, block: int):
    if block < 1 or z.shape[-1] % block:
        raise ValueError(f"{z.shape[-1]} units do not split into groups of {block}")
    return z.reshape(*z.shape[:-1], z.shape[-1] // block, block)


def lwta(tape: Tape, z, block: int):
    """Local winner-take-all over blocks of ``block`` consecutive units -> (y, mask)."""
    groups = _groups(z, block)
    best = tape.reduce(groups, axis=-1)                                   # argmax: block - 1 comparisons
    mask = tape.map(groups, np.broadcast_to(best[..., None], groups.shape), itemsize=1).reshape(z.shape)
    return tape.map(mask, z), mask                                        # where(mask, z, 0)


def lwta_backward(tape: Tape, mask, d_y):
    return tape.map(mask, d_y)                                            # where(mask, d_y, 0)


def maxout(tape: Tape, z, pieces: int):
    """The maximum of each group of ``pieces`` consecutive units -> y (..., O / pieces)."""
    return tape.reduce(_groups(z, pieces), axis=-1)


def maxout_backward(tape: Tape, z, y, d_y):
    """d_z: each group's gradient to its winner (one instruction per unit, reading d_y, z and the maximum)."""
    groups = _groups(z, z.shape[-1] // y.shape[-1])
    shape = groups.shape
    return tape.map(np.broadcast_to(d_y[..., None], shape), groups, np.broadcast_to(y[..., None], shape)
                    ).reshape(z.shape)


def dropout(tape: Tape, x, scale):
    """x * scale, ``scale`` a tape argument of x's shape (the mask's draw is not priced)."""
    return tape.map(x, scale)


def dropout_backward(tape: Tape, scale, d_y):
    return tape.map(d_y, scale)


def softmax_xent_backward(tape: Tape, logits, scale: bool = True):
    """The gradient p - onehot(label) of the softmax cross-entropy (divided by B with ``scale``): row maxima,
    exp(z - max), row sums, p = e / sum, the label's element minus one (column 0 stands for the label)."""
    top = tape.reduce(logits, axis=-1)
    e = tape.map(logits, top[..., None])
    total = tape.reduce(e, axis=-1)
    p = tape.map(e, total[..., None])
    p = np.concatenate([tape.map(p[..., :1]), p[..., 1:]], axis=-1)        # p[label] -= 1
    return tape.map(p) if scale else p


# ----------------------------------------------------------------------------------------------------
# The highway layer
# ----------------------------------------------------------------------------------------------------


def highway(tape: Tape, x, W_H, b_H, W_T, b_T):
    """y = H T + x (1 - T), H = f(x W_H + b_H), T = logistic(x W_T + b_T) -> (y, cache)."""
    h = tape.map(dense(tape, x, W_H, b_H))
    t = tape.map(dense(tape, x, W_T, b_T))
    y = tape.map(h, t, x)
    return y, (x, h, t, W_H, W_T)


def highway_backward(tape: Tape, cache, d_y):
    """(grads {W_H, b_H, W_T, b_T}, d_x) as shared.networks.layers.highway_backward computes them."""
    x, h, t, W_H, W_T = cache
    d_h_pre = tape.map(d_y, t, h)                                         # d_y t f'(h)
    d_t_pre = tape.map(d_y, h, x, t)                                      # d_y (h - x) t (1 - t)
    grads = {"W_H": tape.matmul(x.T, d_h_pre), "b_H": tape.reduce(d_h_pre, axis=0),
             "W_T": tape.matmul(x.T, d_t_pre), "b_T": tape.reduce(d_t_pre, axis=0)}
    carry = tape.map(d_y, t)                                              # d_y (1 - t)
    d_x = tape.map(tape.map(carry, tape.matmul(d_h_pre, W_H.T)), tape.matmul(d_t_pre, W_T.T))
    return grads, d_x


# ----------------------------------------------------------------------------------------------------
# Convolution by im2col and max-pooling (shared.networks.conv, stride 1, no padding)
# ----------------------------------------------------------------------------------------------------


def conv2d(tape: Tape, x, weight, bias):
    """y (B, F, Ho, Wo) = bias + x (*) weight, Ho = H - kh + 1, as shared.networks.conv.conv2d computes it."""
    batch, channels, height, width = x.shape
    filters, c2, kh, kw = weight.shape
    if c2 != channels:
        raise ValueError(f"x has {channels} channels, the kernels {c2}")
    out_h, out_w = height - kh + 1, width - kw + 1
    if out_h < 1 or out_w < 1:
        raise ValueError(f"a {kh} x {kw} kernel does not fit a {height} x {width} input")
    last = x.transpose(0, 2, 3, 1)                                        # a view: channels last
    fields = np.empty((batch, out_h, out_w, kh, kw, channels), np.int64)
    for i in range(kh):
        for j in range(kw):
            fields[:, :, :, i, j, :] = last[:, i:i + out_h, j:j + out_w, :]
    columns = tape.map(fields).reshape(batch * out_h * out_w, kh * kw * channels)     # the im2col copy
    kernels = tape.map(weight.transpose(0, 2, 3, 1)).reshape(filters, -1)              # reshape of a transpose copies
    y = tape.map(tape.matmul(columns, kernels.T), bias)
    y = tape.map(y.reshape(batch, out_h, out_w, filters).transpose(0, 3, 1, 2))        # ascontiguousarray
    return y, (columns, kernels, x.shape, weight.shape)


def conv2d_backward(tape: Tape, cache, d_y, need_input: bool = True, dtype=np.float32):
    """(dW (F, C, kh, kw), db (F,), d_x (B, C, H, W) or None) as shared.networks.conv.conv2d_backward."""
    columns, kernels, (batch, channels, height, width), (filters, _, kh, kw) = cache
    out_h, out_w = d_y.shape[2], d_y.shape[3]
    rows = tape.map(d_y.transpose(0, 2, 3, 1)).reshape(-1, filters)                   # (B Ho Wo, F), a copy
    d_kernels = tape.matmul(rows.T, columns).reshape(filters, kh, kw, channels)
    dW = tape.map(d_kernels.transpose(0, 3, 1, 2))                                     # ascontiguousarray
    db = tape.reduce(rows, axis=0)
    if not need_input:
        return dW, db, None
    d_fields = tape.matmul(rows, kernels).reshape(batch, out_h, out_w, kh, kw, channels)
    d_padded = tape.zeros((batch, height, width, channels), dtype)
    for i in range(kh):
        for j in range(kw):
            d_padded[:, i:i + out_h, j:j + out_w, :] = tape.map(d_padded[:, i:i + out_h, j:j + out_w, :],
                                                                d_fields[:, :, :, i, j, :])
    d_x = tape.map(d_padded.transpose(0, 3, 1, 2))                                     # ascontiguousarray
    return dW, db, d_x


def max_pool(tape: Tape, x, size: int):
    """Non-overlapping size x size windows: the winner by size^2 - 1 comparisons, then gathered."""
    batch, channels, height, width = x.shape
    out_h, out_w = height // size, width // size
    if out_h < 1 or out_w < 1:
        raise ValueError(f"a {size} x {size} window does not fit a {height} x {width} input")
    windows = x[:, :, :out_h * size, :out_w * size].reshape(batch, channels, out_h, size, out_w, size)
    flat = windows.transpose(0, 1, 2, 4, 3, 5).reshape(batch, channels, out_h, out_w, size * size)
    winner = tape.reduce(flat, axis=-1)                                   # argmax
    y = tape.map(winner, flat[..., 0])                                    # take_along_axis (a gather)
    return y, (winner, x.shape, size)


def max_pool_backward(tape: Tape, cache, d_y, dtype=np.float32):
    """dx: for every window offset, where(winner == offset, d_y, 0) added into its strided slice."""
    winner, shape, size = cache
    out_h, out_w = winner.shape[2], winner.shape[3]
    dx = tape.zeros(shape, dtype)
    for i in range(size):
        for j in range(size):
            part = tape.map(winner, d_y)
            dx[:, :, i:i + size * out_h:size, j:j + size * out_w:size] = tape.map(
                dx[:, :, i:i + size * out_h:size, j:j + size * out_w:size], part)
    return dx


# ----------------------------------------------------------------------------------------------------
# OdyssNet as a classifier of feature vectors
# ----------------------------------------------------------------------------------------------------


def odyssnet_features_step(tape: Tape, n_features: int, neurons: int, n_in: int, n_out: int, steps: int,
                           batch: int, itemsize: int = 8) -> Tape:
    """One Adam step of an OdyssNet with a learned projection (proj.weight (n_in, n_features)) of a feature
    vector onto its n_in input neurons and the class read from its last n_out neurons after ``steps``
    thinking steps. The tape loads every argument before the first instruction, so the projection's
    arguments come first, then the core's step is recorded (``tape_steps.odyssnet_step``, targets "last";
    it injects the input at every thinking step), then the projection's forward product, its gradient
    (d_inputs^T x, d_inputs a tape argument standing for the core's input gradient) and its Adam update.
    Left out: the 10 x 10 output decoder and phi_e on the projection."""
    dtype = {4: np.float32, 8: np.float64}[itemsize]
    proj, state = parameters(tape, {"proj": (n_features, n_in)}, "adam", dtype)
    features = tape.argument((batch, n_features), dtype)
    d_inputs = tape.argument((batch, n_in), dtype)
    tape_steps.odyssnet_step(tape, neurons, n_in, n_out, steps, batch=batch, optimizer="adam", itemsize=itemsize,
                             targets="last")
    tape.matmul(features, proj["proj"])                                   # the projection's forward
    grads = {"proj": tape.matmul(features.T, d_inputs)}
    update(tape, proj, grads, state, "adam")
    return tape
