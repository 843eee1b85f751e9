"""shared.learning.tape_episodes: hand-counted instruction totals of each program, and the least-squares
read-out (the one new loop nest, Gauss-Jordan) against the element-level Trace of the same loops."""

from __future__ import annotations

import numpy as np
import pytest

from shared.frame.movement import Scalar, Tape, Trace, trace_arrays
from shared.learning import tape_episodes as te


@pytest.mark.parametrize("batch", [1, 3])
def test_recurrent_episode_products_count(batch):
    n_in, hidden, steps = 3, 5, 7
    k = n_in + 1 + hidden
    # the observation and the constant 1 are written free (Tape.zeros, not FLOPs), as is the zero state
    per_step = batch * (n_in + hidden * k + hidden * (k - 1) + hidden + 1)
    tape = te.recurrent_episode(Tape(), n_in, hidden, steps, batch=batch)
    assert tape.instructions == steps * per_step
    assert tape.price().total > 0


def test_recurrent_episode_matmul_count_and_itemsizes():
    n_in, hidden, batch = 20, 4, 3
    tape = te.recurrent_episode(Tape(), n_in, hidden, 2, batch=batch, form="matmul", input_itemsize=4)
    per_step = (batch * hidden * (2 * n_in - 1) + batch * hidden          # the observation: a free write
                + batch * hidden * (2 * hidden - 1) + 3 * batch * hidden)
    assert tape.instructions == 2 * per_step
    narrow = te.recurrent_episode(Tape(), n_in, hidden, 2, batch=batch, form="matmul", input_itemsize=4).price()
    wide = te.recurrent_episode(Tape(), n_in, hidden, 2, batch=batch, form="matmul", input_itemsize=8).price()
    assert narrow.bytes_read < wide.bytes_read


def test_lstm_advance_counts():
    n_in, hidden, batch = 2, 3, 2
    h4 = 4 * hidden
    tape = Tape()
    p = te.lstm_parameters(tape, n_in, hidden)
    x = tape.argument((batch, n_in), np.float64)
    h, c = te.lstm_advance(tape, x, None, None, p)
    first = batch * h4 * (2 * n_in - 1) + batch * h4 + batch * h4 + batch * hidden * 3
    assert tape.instructions == first
    te.lstm_advance(tape, x, h, c, p)
    second = (batch * h4 * (2 * n_in - 1) + batch * h4 * (2 * hidden - 1) + 2 * batch * h4 + batch * h4
              + batch * hidden * 5)
    assert tape.instructions == first + second
    tape = Tape()
    p = te.lstm_parameters(tape, n_in, hidden, peepholes=True)
    x = tape.argument((batch, n_in), np.float64)
    h, c = te.lstm_advance(tape, x, None, None, p, peepholes=True)
    te.lstm_advance(tape, x, h, c, p, peepholes=True)
    assert tape.instructions == first + 2 * batch * hidden + second + 6 * batch * hidden


def test_odyssnet_forward_count():
    n, n_in, n_out, batch, thinking = 6, 2, 1, 3, 2
    tape = Tape()
    p = te.odyssnet_parameters(tape, n, n_in, n_out)
    x = tape.argument((batch, n_in), np.float64)
    te.odyssnet_forward(tape, None, p, x, thinking, n_out)
    think = batch * n * (2 * n - 1) + batch * n + 2 * batch * n + 2 * batch * n + batch * n \
        + batch * n + batch * (n - 1) + 3 * batch + 2 * batch * n
    inject = batch * n_in + batch * n             # the zero state and the zero padding: free writes
    assert tape.instructions == thinking * think + inject + batch * n_out


def _three_operand(trace, a, b, c):
    """One instruction reading a, b, c (the tape's map of three arrays)."""
    return Scalar(trace, np.float64(a.value - b.value * c.value), trace.op((a.id, b.id, c.id), 8))


def test_lstsq_readout_count_and_the_element_reference():
    t, f = 6, 3
    tape = Tape()
    X, y = tape.argument((t, f), np.float64), tape.argument(t, np.float64)
    w = te.lstsq_readout(tape, X, y)
    assert w.shape == (f,)
    gj = sum((f - k) + (f - 1) * (f - k) for k in range(f))
    assert tape.instructions == f * f * (2 * t - 1) + f * (2 * t - 1) + gj
    # the element-level reference: the same loops on a Trace (a - factor * pivot as one three-operand read)
    rng = np.random.default_rng(0)

    def dot(a, b):
        acc = a[0] * b[0]
        for k in range(1, len(a)):
            acc = acc + a[k] * b[k]
        return acc

    # the tape computes all of X^T X (row by row), then X^T y
    trace2 = Trace()
    Xs, ys = trace_arrays(trace2, rng.random((t, f)), rng.random(t))
    aug = [[dot(Xs[:, i], Xs[:, j]) for j in range(f)] for i in range(f)]
    r = [dot(Xs[:, i], ys) for i in range(f)]
    aug = [aug[i] + [r[i]] for i in range(f)]
    for k in range(f):
        pivot = [aug[k][j] / aug[k][k] for j in range(k + 1, f + 1)]
        for i in [i for i in range(f) if i != k]:
            for j, pj in zip(range(k + 1, f + 1), pivot):
                aug[i][j] = _three_operand(trace2, aug[i][j], aug[i][k], pj)
        for j, pj in zip(range(k + 1, f + 1), pivot):
            aug[k][j] = pj
    for liveness in (True, False):
        assert tape.price(liveness).total == trace2.price(liveness).total


def test_vae_step_flops_near_six_per_weight_and_sample():
    pixels, hidden, z, batch = 16, 8, 2, 4
    tape = te.vae_step(Tape(), pixels, hidden, z, batch)
    weights = 2 * pixels * hidden + 3 * hidden * z + 2 * hidden + 2 * z + pixels
    assert 4 * weights * batch < tape.instructions < 7 * weights * batch + 3 * weights + 20 * batch * (hidden + z)


def test_world_model_step_v_and_c_only_count():
    batch, pixels, vh, z, actions = 2, 9, 4, 3, 2
    tape = te.world_model_step(Tape(), batch, z, z + actions, 5, n_actions=actions, pixels=pixels, v_hidden=vh,
                               c_reads="", advance=False)
    v = batch * vh * (2 * pixels - 1) + 2 * batch * vh + 2 * (batch * z * (2 * vh - 1) + batch * z)
    c = batch * actions * (2 * z - 1) + 2 * batch * actions
    assert tape.instructions == v + c


def test_world_model_dream_step_runs_and_counts_the_lstm():
    batch, z, m, k = 2, 3, 4, 2
    full = te.world_model_step(Tape(), batch, z, z + 1, m, c_reads="ch", mixtures=k, done=True)
    no_m = te.world_model_step(Tape(), batch, z, z + 1, m, c_reads="ch", advance=False)
    features = z + 2 * m
    assert no_m.instructions == batch * features + batch * (features - 1) + 2 * batch
    lstm = (batch * 4 * m * (2 * (z + 1) - 1) + batch * 4 * m * (2 * m - 1) + 2 * batch * 4 * m + batch * 4 * m
            + 5 * batch * m)
    assert full.instructions > no_m.instructions + lstm
    assert full.price().total > 0


def test_refusals():
    with pytest.raises(ValueError):
        te.recurrent_episode(Tape(), 3, 5, 10, form="conv")
    with pytest.raises(ValueError):
        te.recurrent_episode(Tape(), 0, 5, 10)
    tape = Tape()
    X, y = tape.argument((4, 2)), tape.argument(3)
    with pytest.raises(ValueError):
        te.lstsq_readout(tape, X, y)
