"""shared.networks.tape_layers: hand-counted instruction totals of each layer, the im2col copy and the pooling
windows reading the values shared.networks.conv reads, and the LWTA layer priced as its scalar loops."""

from __future__ import annotations

import numpy as np
import pytest

from shared.frame.movement import Tape, Trace, trace_arrays
from shared.networks import conv, tape_layers as tl


def test_dense_forward_and_backward_counts():
    tape = Tape()
    x, W, b = tape.argument((3, 5)), tape.argument((5, 4)), tape.argument(4)
    z = tl.dense(tape, x, W, b)
    assert z.shape == (3, 4) and tape.instructions == 3 * 4 * (2 * 5 - 1) + 3 * 4
    start = tape.instructions
    dW, db, d_x = tl.dense_backward(tape, x, W, z)
    assert dW.shape == (5, 4) and db.shape == (4,) and d_x.shape == (3, 5)
    assert tape.instructions - start == 5 * 4 * (2 * 3 - 1) + 4 * (3 - 1) + 3 * 5 * (2 * 4 - 1)
    start = tape.instructions
    assert tl.dense_backward(tape, x, W, z, need_input=False)[2] is None
    assert tape.instructions - start == 5 * 4 * (2 * 3 - 1) + 4 * (3 - 1)


def test_competitive_units_counts():
    tape = Tape()
    z = tape.argument((2, 6))
    y, mask = tl.lwta(tape, z, 3)
    assert y.shape == mask.shape == (2, 6)
    assert tape.instructions == 2 * 2 * 2 + 12 + 12                 # maxima, the mask, where(mask, z, 0)
    assert tl.lwta_backward(tape, mask, y).shape == (2, 6)
    start = tape.instructions
    m = tl.maxout(tape, z, 2)
    assert m.shape == (2, 3) and tape.instructions - start == 2 * 3
    start = tape.instructions
    assert tl.maxout_backward(tape, z, m, m).shape == (2, 6) and tape.instructions - start == 12
    with pytest.raises(ValueError):
        tl.lwta(tape, z, 4)


def test_lwta_prices_as_its_scalar_loops():
    values = np.arange(12, dtype=np.float32).reshape(2, 6)
    trace = Trace()
    (z,) = trace_arrays(trace, values)
    groups = z.reshape(2, 3, 2)
    best = np.empty((2, 3), object)
    for index in np.ndindex(2, 3):                                  # running maximum from the first element
        best[index] = groups[index][0] + groups[index][1]
    masks = np.empty((2, 3, 2), object)
    for index in np.ndindex(2, 3, 2):
        masks[index] = trace.op([groups[index].id, best[index[:2]].id], 1)
    for index in np.ndindex(2, 6):
        trace.op([masks.reshape(2, 6)[index], z[index].id], 4)
    tape = Tape()
    tl.lwta(tape, tape.argument((2, 6)), 2)
    assert tape.price().total == trace.price().total


def test_highway_counts():
    tape = Tape()
    n, b = 4, 3
    x = tape.argument((b, n))
    p = [tape.argument(s) for s in ((n, n), n, (n, n), n)]
    y, cache = tl.highway(tape, x, *p)
    dense = b * n * (2 * n - 1) + b * n
    assert y.shape == (b, n) and tape.instructions == 2 * (dense + b * n) + b * n
    start = tape.instructions
    grads, d_x = tl.highway_backward(tape, cache, y)
    assert set(grads) == {"W_H", "b_H", "W_T", "b_T"} and d_x.shape == (b, n)
    assert tape.instructions - start == (2 * b * n + 2 * (n * n * (2 * b - 1) + n * (b - 1)) + b * n
                                         + 2 * b * n * (2 * n - 1) + 2 * b * n)


def test_im2col_reads_the_values_conv_copies():
    b, c, h, w, f, k = 2, 3, 5, 6, 4, 2
    tape = Tape()
    x, weight, bias = tape.argument((b, c, h, w)), tape.argument((f, c, k, k)), tape.argument(f)
    y, cache = tl.conv2d(tape, x, weight, bias)
    ho, wo = h - k + 1, w - k + 1
    assert y.shape == (b, f, ho, wo)
    fields, kk = b * ho * wo, k * k * c
    assert tape.instructions == fields * kk + f * kk + fields * f * (2 * kk - 1) + fields * f + fields * f
    # the copy's reads are the values shared.networks.conv puts in its columns (x filled with its own ids)
    values, reads, number, _ = tape.events()
    loads = x.size + weight.size + bias.size                        # each load is numbered as an instruction
    first = values[reads & (number >= loads) & (number < loads + fields * kk)]
    _, reference = conv.conv2d(x.astype(float), np.zeros((f, c, k, k)))
    np.testing.assert_array_equal(first, reference["columns"].ravel().astype(np.int64))
    start = tape.instructions + tape.free_writes      # zero fills counted in the stream
    dW, db, d_x = tl.conv2d_backward(tape, cache, y)
    assert dW.shape == (f, c, k, k) and db.shape == (f,) and d_x.shape == (b, c, h, w)
    assert tape.instructions + tape.free_writes - start == (fields * f + f * kk * (2 * fields - 1) + f * kk + f * (fields - 1)
                                         + fields * kk * (2 * f - 1) + b * h * w * c + fields * kk + b * c * h * w)


def test_max_pool_windows_and_counts():
    b, c, h, s = 2, 3, 6, 3
    tape = Tape()
    x = tape.argument((b, c, h, h))
    y, cache = tl.max_pool(tape, x, s)
    assert y.shape == (b, c, 2, 2) and tape.instructions == b * c * 4 * (s * s - 1) + b * c * 4
    values, reads, number, _ = tape.events()
    scanned = values[reads & (number >= x.size) & (number < x.size + b * c * 4 * (s * s - 1))]
    windows = np.lib.stride_tricks.sliding_window_view(x, (s, s), axis=(2, 3))[:, :, ::s, ::s]
    # the running maximum reads each window's elements in order (the first as the start), window by window
    np.testing.assert_array_equal(scanned[scanned < x.size], windows.reshape(-1))
    start = tape.instructions + tape.free_writes      # zero fills counted in the stream
    dx = tl.max_pool_backward(tape, cache, y)
    assert dx.shape == x.shape and tape.instructions + tape.free_writes - start == b * c * h * h + s * s * 2 * b * c * 4


def test_updates_and_loss_counts():
    tape = Tape()
    params, state = tl.parameters(tape, {"W": (3, 2), "b": (2,)}, "momentum")
    assert set(state) == {"v.W", "v.b"}
    logits = tape.argument((4, 5))
    d = tl.softmax_xent_backward(tape, logits)
    assert d.shape == (4, 5) and tape.instructions == 4 * 4 + 20 + 4 * 4 + 20 + 4 + 20
    start = tape.instructions
    tl.update(tape, params, {"W": params["W"], "b": params["b"]}, state, "momentum")
    assert tape.instructions - start == 2 * 8
    with pytest.raises(ValueError):
        tl.parameters(Tape(), {"W": (2, 2)}, "rmsprop")


def test_odyssnet_features_step_adds_the_projection():
    from shared.networks import tape_steps
    core = tape_steps.odyssnet_step(Tape(), 8, 3, 2, 2, batch=4, optimizer="adam", itemsize=8, targets="last")
    tape = tl.odyssnet_features_step(Tape(), 10, 8, 3, 2, 2, 4)
    forward, gradient, adam = 4 * 3 * (2 * 10 - 1), 10 * 3 * (2 * 4 - 1), 3 * 10 * 3
    assert tape.instructions == core.instructions + forward + gradient + adam
