"""shared.learning.tape_control: the control learners' steps written on a movement Tape have the instruction
counts of their loop nests (counted by hand here), read what they load, and price as the element-level
reference says on a tiny case."""

from __future__ import annotations

import numpy as np
import pytest

from shared.frame.movement import Tape
from shared.learning import tape_control


def matmul_flops(m, k, n):
    return m * n * (2 * k - 1)            # k products and k - 1 sums per output element


def test_the_rnn_cell_and_its_backward_count_their_loop_nests():
    b, d, h, k = 3, 2, 4, 1
    tape = Tape()
    p, _ = tape_control.rnn_parameters(tape, d, h, k, optimizer="sgd")
    x, h0 = tape.argument((b, d), np.float64), tape.argument((b, h), np.float64)
    d_out = tape.argument((b, k), np.float64)
    start = tape.instructions
    h1, out = tape_control.rnn_cell(tape, p, x, h0)
    forward = matmul_flops(b, d, h) + matmul_flops(b, h, h) + b * h + 2 * b * h + matmul_flops(b, h, k) + b * k
    assert tape.instructions - start == forward
    start = tape.instructions
    grads = {}
    d_prev, d_x = tape_control.rnn_cell_back(tape, p, (x, h0, h1), None, d_out, grads)
    backward = (matmul_flops(h, b, k) + (b - 1) * k + matmul_flops(b, k, h) + b * h
                + matmul_flops(d, b, h) + (b - 1) * h + matmul_flops(h, b, h) + matmul_flops(b, h, h)
                + matmul_flops(b, h, d))
    assert tape.instructions - start == backward
    assert set(grads) == {"W", "U", "b", "V", "c"}
    assert d_prev.shape == (b, h) and d_x.shape == (b, d)


def test_the_window_backward_equals_the_cells_in_flops_up_to_the_order_of_sums():
    """rnn_forward/rnn_backward (the bank's whole-window products) and T cells give the same gradients'
    shapes; the window form sums over T B rows at once, so it has fewer accumulation maps."""
    b, d, h, k, steps = 2, 3, 4, 2, 5
    tape = Tape()
    p, _ = tape_control.rnn_parameters(tape, d, h, k, optimizer="sgd")
    xs = tape.argument((steps, b, d), np.float64)
    h0 = tape.argument((b, h), np.float64)
    d_outs = tape.argument((steps, b, k), np.float64)
    hs, outs = tape_control.rnn_forward(tape, p, xs, h0)
    assert len(hs) == steps + 1 and outs.shape == (steps, b, k)
    grads, d_xs = tape_control.rnn_backward(tape, p, xs, hs, d_outs, input_grad=True)
    assert {name: g.shape for name, g in grads.items()} == {"W": (d, h), "U": (h, h), "b": (h,), "V": (h, k),
                                                             "c": (k,)}
    assert d_xs.shape == (steps, b, d)
    total_rows = steps * b
    assert tape.instructions > matmul_flops(total_rows, d, h) + matmul_flops(d, total_rows, h)


def test_q_lambda_step_counts_its_reads():
    states, actions = 3, 2
    tape = Tape()
    q, e = tape.argument((states, actions), np.float64), tape.argument((states, actions), np.float64)
    q2, e2, delta = tape_control.q_lambda_step(tape, q, e, 0, 1, 2)
    # max of the next row (1) and gamma max + r (1), delta (1), every entry (6) and every trace (6); the
    # trace's 1 is written by Tape.zeros, free and not a FLOP
    assert tape.instructions == (actions - 1) + 1 + 1 + 2 * states * actions
    cost = tape.price()
    # reads: the row's two entries, the maximum, target and Q[s, a], then (Q, delta, e) and e per entry
    assert cost.reads == 2 + 1 + 2 + 3 * states * actions + states * actions
    assert cost.bytes_read == 8 * cost.reads
    assert q2.shape == e2.shape == (states, actions) and q2[0, 0] != q[0, 0]
    terminal = Tape()
    q, e = terminal.argument((states, actions), np.float64), terminal.argument((states, actions), np.float64)
    tape_control.q_lambda_step(terminal, q, e, 0, 1, None)
    assert terminal.instructions == 1 + 2 * states * actions             # delta; the reward (target) and the trace's 1: free writes


def test_clip_and_adam_count_one_pass_over_the_gradients():
    tape = Tape()
    params = {"a": tape.argument((2, 3), np.float64), "b": tape.argument((4,), np.float64)}
    state = tape_control.adam_state(tape, params)
    grads = {name: tape.map(w) for name, w in params.items()}
    start = tape.instructions
    clipped = tape_control.clip(tape, grads)
    # squares (10), sums (5 + 3), the two parts added (1), sqrt, compare, scale (3), scaled (10)
    assert tape.instructions - start == 10 + 5 + 3 + 1 + 3 + 10
    start = tape.instructions
    tape_control.adam(tape, params, clipped, state)
    assert tape.instructions - start == 3 * 10


def test_the_mlp_pieces_count_a_dense_step():
    i, h, o, b = 5, 7, 3, 4
    tape = Tape()
    p = tape_control.mlp_parameters(tape, (i, h, o))
    x, t = tape.argument((b, i), np.float64), tape.argument((b, o), np.float64)
    y, acts = tape_control.mlp_forward(tape, p, x)
    grads, d_x = tape_control.mlp_backward(tape, p, acts, tape.map(y, t), input_grad=True)
    tape_control.sgd(tape, p, grads)
    forward = matmul_flops(b, i, h) + 2 * b * h + matmul_flops(b, h, o) + b * o
    backward = (b * o + matmul_flops(h, b, o) + o * (b - 1) + matmul_flops(b, o, h)
                + b * h + matmul_flops(i, b, h) + h * (b - 1) + matmul_flops(b, h, i))
    update = i * h + h + h * o + o
    assert tape.instructions == forward + backward + update
    assert d_x.shape == (b, i)


def test_the_lstm_cell_counts_its_loop_nests():
    b, d, h, k = 2, 3, 4, 2
    tape = Tape()
    p, _ = tape_control.lstm_parameters(tape, d, h, k, optimizer="sgd")
    x = tape.argument((b, d), np.float32)
    h0, c0 = tape.argument((b, h), np.float32), tape.argument((b, h), np.float32)
    d_out = tape.argument((b, k), np.float32)
    start = tape.instructions
    h1, c1, out, cache = tape_control.lstm_cell(tape, p, x, h0, c0)
    forward = (matmul_flops(b, d, 4 * h) + matmul_flops(b, h, 4 * h) + 2 * b * 4 * h + b * 4 * h
               + 3 * b * h + b * h + b * h + matmul_flops(b, h, k) + b * k)
    assert tape.instructions - start == forward
    grads = {}
    d_h, d_c, d_x = tape_control.lstm_cell_back(tape, p, cache, None, None, d_out, grads)
    assert d_h.shape == (b, h) and d_c.shape == (b, h) and d_x.shape == (b, d)
    assert set(grads) == {"W", "U", "b", "V", "d"}


def test_the_odyssnet_cell_counts_its_thinking_steps():
    b, n, n_in, n_out, thinking = 2, 6, 2, 1, 3
    tape = Tape()
    p, _ = tape_control.odyssnet_parameters(tape, n_in, n, n_out)
    x, h0 = tape.argument((b, n_in), np.float64), tape.argument((b, n), np.float64)
    d_out = tape.argument((b, n_out), np.float64)
    start = tape.instructions
    h1, out, cache = tape_control.odyssnet_cell(tape, p, x, h0, thinking)
    per_step = matmul_flops(b, n, n) + b * n + 2 * b * n + b * n + b * n + b * n + b * (n - 1) + 3 * b + 2 * b * n
    assert tape.instructions - start == thinking * per_step + b * n_in + b * n_out
    grads = {}
    d_h, d_x = tape_control.odyssnet_cell_back(tape, p, cache, None, d_out, grads)
    assert set(grads) == set(tape_control.ODYSSNET_SHAPES)
    assert d_h.shape == (b, n) and d_x.shape == (b, n_in)
    assert {name: g.shape for name, g in grads.items()} == {name: w.shape for name, w in p.items()}


@pytest.mark.parametrize("program", ["model_controller", "model_controller_odyssnet_c", "model_controller_odyssnet_m",
                                     "imagined", "imagined_odyssnet"])
def test_the_control_steps_read_what_they_load_and_grow_with_time(program):
    build = {"model_controller": lambda t, steps: tape_control.model_controller_step(t, 3, 1, 4, 5, 1, steps, 2),
             "model_controller_odyssnet_c": lambda t, steps: tape_control.model_controller_step(t, 3, 1, 6, 5, 1, steps,
                                                                                                2, thinking_c=2),
             "model_controller_odyssnet_m": lambda t, steps: tape_control.model_controller_step(t, 3, 1, 4, 6, 1, steps,
                                                                                                2, thinking_m=3),
             "imagined": lambda t, steps: tape_control.imagined_controller_step(t, 2, 1, 3, 4, 5, steps, 2, 2),
             "imagined_odyssnet": lambda t, steps: tape_control.imagined_controller_step(t, 2, 1, 3, 4, 5, steps, 2, 2,
                                                                                         thinking=2)}[program]
    tape = build(Tape(), 3)
    values, reads, _, _ = tape.events()
    loaded = np.concatenate([ids for ids in tape._loads])
    assert np.isin(loaded, values[reads]).all()                # nothing loaded is left unread
    costs = [build(Tape(), steps).price().total for steps in (2, 4, 8)]
    assert costs[0] < costs[1] < costs[2]


def test_the_model_controller_step_runs_m_backward_twice():
    """M's BPTT for its regression and again for the actions: more than twice M's forward."""
    one = tape_control.model_controller_step(Tape(), 5, 1, 16, 16, 1, 4, 2)
    assert one.instructions > 0
    bigger_m = tape_control.model_controller_step(Tape(), 5, 1, 16, 32, 1, 4, 2)
    assert bigger_m.instructions > one.instructions
