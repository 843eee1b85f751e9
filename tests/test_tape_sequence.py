"""shared.networks.tape_sequence: hand-counted instruction totals of each program, and its new loop nests
(batched products, the fast-weight writes) against the same computation written element by element
(one scalar instruction per Tape.map of a 0-d array, a loop nest in the order numpy runs it)."""

from __future__ import annotations

import numpy as np
import pytest

from shared.frame.movement import Tape
from shared.networks import tape_sequence as ts


def scalar_matmul(tape, a, b):
    """a (M, K) @ b (K, N), order ijk, one instruction per product and per sum."""
    out = np.empty((a.shape[0], b.shape[1]), dtype=object)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            running = tape.map(a[i, 0], b[0, j])
            for k in range(1, a.shape[1]):
                running = tape.map(running, tape.map(a[i, k], b[k, j]))
            out[i, j] = running
    return out


def same_cost(a: Tape, b: Tape):
    pa, pb = a.price(), b.price()
    assert (pa.total, pa.bytes_read, a.instructions) == (pb.total, pb.bytes_read, b.instructions)
    assert pa.per_instruction == pb.per_instruction


def test_bmatmul_equals_its_element_loops():
    fast, slow = Tape(), Tape()
    a, b = fast.argument((3, 2, 4)), fast.argument((3, 4, 2))
    fast_out = ts.bmatmul(fast, a, b)
    ra, rb = slow.argument((3, 2, 4)), slow.argument((3, 4, 2))
    for p in range(3):
        scalar_matmul(slow, ra[p], rb[p])
    assert fast_out.shape == (3, 2, 2)
    same_cost(fast, slow)
    assert fast.instructions == 3 * 2 * 2 * (2 * 4 - 1)


def test_bmatmul_vectors_and_refusal():
    tape = Tape()
    w, k = tape.argument((2, 3, 4)), tape.argument((2, 4))
    assert ts.bmatmul(tape, w, k).shape == (2, 3)
    assert ts.bmatmul(tape, k[:, :3], w).shape == (2, 4)
    with pytest.raises(ValueError, match="batches differ"):
        ts.bmatmul(tape, w, tape.zeros((3, 4)))


@pytest.mark.parametrize("optimizer, per_weight", [("sgd", 1), ("adam", 3), ("rmsprop", 3)])
def test_updates_count_their_maps(optimizer, per_weight):
    tape = Tape()
    params, state = ts.parameters(tape, {"a": (2, 3), "b": (4,)}, optimizer, 8)
    assert len(state) == (0 if optimizer == "sgd" else 4)
    grads = {name: tape.map(w) for name, w in params.items()}
    before = tape.instructions
    ts.update(tape, params, grads, state, optimizer)
    assert tape.instructions - before == per_weight * 10
    with pytest.raises(ValueError, match="optimizer"):
        ts.parameters(Tape(), {"a": (1,)}, "lbfgs", 8)


def delta_write_by_elements(tape, keys, values, beta):
    """The delta rule's writes, one scalar instruction at a time, in the order of fast_weight_write."""
    batch, steps, dk = keys.shape
    dv = values.shape[2]
    w = tape.zeros((batch, dv, dk), np.float32)
    for t in range(steps):
        errs = []
        for p in range(batch):                            # W k, batch element by batch element
            wk = scalar_matmul(tape, w[p], keys[p, t][:, None])[:, 0]
            errs.append(wk)
        err = np.empty((batch, dv), dtype=object)
        for p in range(batch):
            for i in range(dv):
                err[p, i] = tape.map(values[p, t, i], errs[p][i])
        scaled = np.empty((batch, dv), dtype=object)
        for p in range(batch):
            for i in range(dv):
                scaled[p, i] = tape.map(beta[p, t], err[p, i])
        outer = [[[tape.map(scaled[p, i], keys[p, t, j]) for j in range(dk)] for i in range(dv)]
                 for p in range(batch)]
        new = np.empty((batch, dv, dk), dtype=object)
        for p in range(batch):
            for i in range(dv):
                for j in range(dk):
                    new[p, i, j] = tape.map(w[p, i, j], outer[p][i][j])
        w = new.astype(np.int64)
    return w


def test_the_delta_write_equals_its_element_loops():
    fast, slow = Tape(), Tape()
    shapes = ((2, 3, 2), (2, 3, 3), (2, 3))
    k, v, b = (fast.argument(s) for s in shapes)
    ts.fast_weight_write(fast, k, v, b, itemsize=4)                   # float32 arguments, float32 zeros
    rk, rv, rb = (slow.argument(s) for s in shapes)
    delta_write_by_elements(slow, rk, rv, rb)
    same_cost(fast, slow)
    # per step and batch element: W k (dv (2 dk - 1)), v - W k (dv), beta err (dv), outer (dv dk), add (dv dk)
    dv, dk = 3, 2
    assert fast.instructions + fast.free_writes == 2 * 3 * (dv * (2 * dk - 1) + 2 * dv + 2 * dv * dk) + 2 * dv * dk   # + zeros


def test_the_delta_write_backward_counts():
    tape = Tape()
    batch, steps, dk, dv = 2, 3, 2, 3
    k, v, b = tape.argument((batch, steps, dk)), tape.argument((batch, steps, dv)), tape.argument((batch, steps))
    w, cache = ts.fast_weight_write(tape, k, v, b)
    before = tape.instructions
    grads = ts.fast_weight_write_backward(tape, cache, tape.map(w))
    assert grads["keys"].shape == (batch, steps, dk) and grads["values"].shape == (batch, steps, dv)
    assert grads["beta"].shape == (batch, steps)
    per = (dv * (2 * dk - 1)          # dW k
           + dv + (dv - 1)            # err * dW k, summed
           + dv                       # beta dW k
           + dk * (2 * dv - 1) + dk   # dW^T err, times beta
           + dk * (2 * dv - 1) + dk   # W^T d_err, the difference
           + 2 * dv * dk)             # the outer product and dW - it
    assert tape.instructions - before == batch * dv * dk + batch * steps * per


def test_the_sum_rule_is_one_batched_product_each_way():
    tape = Tape()
    k, v = tape.argument((2, 5, 3)), tape.argument((2, 5, 4))
    w, cache = ts.fast_weight_write(tape, k, v)
    assert w.shape == (2, 4, 3) and tape.instructions == 2 * 4 * 3 * (2 * 5 - 1)
    grads = ts.fast_weight_write_backward(tape, cache, w)
    assert grads["keys"].shape == (2, 5, 3) and grads["values"].shape == (2, 5, 4)


@pytest.mark.parametrize("phi, width", [("linear", 3), ("dpfp1", 6), ("dpfp2", 12)])
def test_feature_maps_count(phi, width):
    tape = Tape()
    x = tape.argument((2, 3))
    out, cache = ts.feature_map(tape, x, phi)
    assert out.shape == (2, width)
    forward = 2 * 3 if phi == "linear" else 2 * 6 + 2 * width
    assert tape.instructions == forward
    d_x = ts.feature_map_backward(tape, cache, tape.map(out))
    assert d_x.shape == (2, 3)
    nu = 0 if phi == "linear" else int(phi[4:])
    backward = 2 * 3 if phi == "linear" else 2 * (6 * 3 * nu + 6 * (nu - 1)) + 2 * 3
    assert tape.instructions - forward - 2 * width == backward
    with pytest.raises(ValueError, match="no feature map"):
        ts.feature_map(tape, x, "favor")


def test_softmax_attention_counts():
    tape = Tape()
    b, t, s, d, e = 2, 1, 4, 3, 5
    q, k, v = tape.argument((b, t, d)), tape.argument((b, s, d)), tape.argument((b, s, e))
    out, cache = ts.softmax_attention(tape, q, k, v)
    assert out.shape == (b, t, e)
    forward = b * t * (s * (2 * d - 1) + s + (s - 1) + s + s + (s - 1) + s + e * (2 * s - 1))
    assert tape.instructions == forward
    grads = ts.softmax_attention_backward(tape, cache, tape.map(out))
    assert grads["q"].shape == (b, t, d) and grads["k"].shape == (b, s, d) and grads["v"].shape == (b, s, e)


def test_sum_normalize_counts():
    tape = Tape()
    x = tape.argument((2, 4))
    out, cache = ts.sum_normalize(tape, x)
    assert tape.instructions == 2 * 3 + 8
    ts.sum_normalize_backward(tape, cache, out)
    assert tape.instructions == 2 * (2 * 3 + 8) + 8


def test_clockwork_step_counts():
    """One step of 2 modules of 1 unit, 1 input, 1 output, 2 time steps, batch 1, sgd: hand-counted."""
    tape = ts.clockwork_step(Tape(), 1, 2, 1, 1, 2, optimizer="sgd")
    n, steps = 2, 2
    zeros = n + (n + n * n + n) + n                       # h_0; grads W_in, W_rec, b; d_h
    forward = steps * (n + n * (2 * n - 1) + n + n + n + n) + steps * (2 * n - 1) + steps   # read-out, bias
    loss = steps + n * (2 * steps - 1) + (steps - 1)      # d_y, grad W_out, grad c
    backward = steps * (1 * n + n            # d_y W_out^T, added to d_h
                        + n + n              # d_h (1 - h^2), masked
                        + n + n              # x^T d_pre, accumulated
                        + n * n + n * n      # h^T d_pre, accumulated
                        + n                  # b: reduce over a batch of 1 is free, accumulated
                        + (2 * n - 1)        # dL/dx
                        + n + n * (2 * n - 1) + n)   # masked d_h, d_pre W_rec^T, the sum
    update = n * n + (1 * n + n * n + n + n * 1 + 1) + n * n   # mask the gradient, sgd, mask the weights
    assert tape.instructions + tape.free_writes == zeros + forward + loss + backward + update
    assert tape.price().total > 0


def test_clockwork_step_last_target_and_refusals():
    tape = ts.clockwork_step(Tape(), 2, 3, 2, 2, 5, batch=3, optimizer="adam", itemsize=4, targets="last")
    assert tape.price().total > 0
    with pytest.raises(ValueError, match="targets"):
        ts.clockwork_step(Tape(), 1, 2, 1, 1, 2, targets="some")
    with pytest.raises(ValueError, match="positive"):
        ts.clockwork_step(Tape(), 1, 2, 1, 1, 0)


def test_blstm_step_loads_the_parameters_of_the_shared_blstm():
    """The arguments are the BLSTM's weights (as shared.networks.recurrent counts them), Adam's two moments
    of each, the targets and the inputs."""
    from shared.networks.recurrent import BLSTM, LSTM
    n_in, hidden, n_out, steps, batch = 3, 2, 4, 5, 2
    weights = BLSTM(n_in, hidden, n_out, rng=0, variant="V").num_params
    tape = ts.blstm_step(Tape(), n_in, hidden, n_out, steps, batch=batch)
    loaded = sum(len(ids) for ids in tape._loads)
    assert loaded == 3 * weights + batch * steps * n_out + steps * batch * n_in
    weights = LSTM(n_in, hidden, n_out, variant="V", readout="all", rng=0).num_params
    tape = ts.blstm_step(Tape(), n_in, hidden, n_out, steps, batch=batch, bidirectional=False)
    assert sum(len(ids) for ids in tape._loads) == 3 * weights + batch * steps * n_out + steps * batch * n_in
    assert tape.price().total > 0


def test_the_ctc_gradient_counts():
    tape = Tape()
    frames, symbols = 4, 3
    ext = np.array([2, 0, 2, 1, 2])                                      # z = (0, 1), blank 2
    size = len(ext)
    log_y = tape.argument((frames, symbols), np.float64)
    skip, skip_back = tape.argument(size, np.bool_), tape.argument(size, np.bool_)
    d_nll = tape.argument(1, np.float64)
    d = ts.ctc_gradient(tape, log_y, ext, skip, skip_back, d_nll[0])
    assert d.shape == (frames, symbols)
    lattice = frames * size + size + (frames - 1) * 22 * size          # emit; first row; the recursion
    nll = 14
    gradient = 3 * frames * size + frames * size + frames * symbols + size * frames + frames * symbols
    assert tape.instructions + tape.free_writes == lattice + size + (frames - 1) * 22 * size + nll + gradient
    assert tape.price().total > 0


@pytest.mark.parametrize("ctc", ["sequence", "batch"])
def test_blstm_with_ctc_runs_both_ways(ctc):
    tape = ts.blstm_step(Tape(), 3, 2, 4, 6, batch=2, labels=[np.array([0, 1]), np.array([2])], blank=3, ctc=ctc)
    assert tape.price().total > 0
    with pytest.raises(ValueError, match="CTC"):
        ts.blstm_step(Tape(), 3, 2, 4, 6, batch=2, labels=[np.array([0])], blank=3)


def test_nem_em_step_counts():
    """The sigmoid-RNN cell, B = 2 images, K = 3, D = 5, H = 4, with the gradient through gamma."""
    b, k, d, h = 2, 3, 5, 4
    r, n = b * k, b * k * d
    tape = ts.nem_em_step(Tape(), d, k, h, images=b)
    forward = (2 * n + r * h * (2 * d - 1) + r * h * (2 * h - 1) + 3 * r * h + r * d * (2 * h - 1) + 2 * r * d
               + n + b * d * (k - 1) + 3 * n + 2 * (n + n - 1))
    backward = (n + (n + n + b * d * (k - 1) + 2 * n + n) + n
                + h * d * (2 * r - 1) + h * d + d * (r - 1) + d + r * h * (2 * d - 1) + r * h
                + d * h * (2 * r - 1) + d * h + h * h * (2 * r - 1) + h * h + h * (r - 1) + h
                + r * h * (2 * h - 1) + r * d * (2 * h - 1) + 2 * n)
    assert tape.instructions == forward + backward
    assert tape.price().total > 0


def test_nem_em_step_variants():
    for kwargs in ({"grad_gamma": False}, {"cell": "odyssnet", "hidden": 6, "n_in": 2, "n_out": 3, "thinking": 2}):
        args = {"hidden": 4, **kwargs}
        tape = ts.nem_em_step(Tape(), 5, 3, images=2, **args)
        assert tape.price().total > 0
    with pytest.raises(ValueError, match="cell"):
        ts.nem_em_step(Tape(), 5, 3, 4, cell="gru")


def test_nem_em_step_with_a_custom_cell_equals_the_rnn_cell():
    """The sigmoid RNN written as a custom cell prices as the built-in one."""
    def forward(tape, p, m, h):
        y = tape.map(tape.map(tape.map(tape.matmul(m, p["Wx"]), tape.matmul(h, p["Wh"])), p["b"]))
        return y, (m, h, y)

    def backward(tape, p, g, cache, d_h, d_y):
        m, h, y = cache
        da = tape.map(d_h, d_y, y)
        g["Wx"] = tape.map(g["Wx"], tape.matmul(m.T, da))
        g["Wh"] = tape.map(g["Wh"], tape.matmul(h.T, da))
        g["b"] = tape.map(g["b"], tape.reduce(da, axis=0))
        tape.matmul(da, p["Wh"].T)
        return tape.matmul(da, p["Wx"].T)

    d, h = 5, 4
    cell = {"shapes": {"Wx": (d, h), "Wh": (h, h), "b": (h,)}, "width": h, "forward": forward, "backward": backward}
    custom = ts.nem_em_step(Tape(), d, 3, h, images=2, cell=cell)
    builtin = ts.nem_em_step(Tape(), d, 3, h, images=2)
    same_cost(custom, builtin)
