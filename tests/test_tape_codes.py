"""shared.learning.tape_codes: the tape programs of the chunker, predictability minimisation, fast weights and
the self-referential matrix count the instructions of their loop nests (counted by hand here), read what they
load, and the pieces that are not tape_steps' equal the element-level reference Trace on tiny cases."""

from __future__ import annotations

import numpy as np
import pytest

from shared.frame.movement import Tape, Trace
from shared.learning import tape_codes


def mm(m, k, n):
    return m * n * (2 * k - 1)            # k products and k - 1 sums per output element


def unread_arguments(tape: Tape) -> int:
    """Loaded values the program never reads (the meter never pushes them)."""
    values, reads, _, _ = tape.events()
    loaded = np.concatenate(tape._loads)
    return int(np.sum(~np.isin(loaded, values[reads])))


def rtrl_counts(n, h, k):
    """Instructions of rtrl_forward and rtrl_gradients, by hand."""
    forward = (mm(1, n, h) + mm(1, h, h) + 3 * h + h                          # z, + b, tanh; slope
               + mm(n * h, h, h) + n * h + mm(h * h, h, h) + h * h + mm(h, h, h) + h     # P U + diagonals
               + n * h * h + h * h * h + h * h                                 # * slope
               + mm(1, h, k) + k)                                              # read-out
    gradients = mm(1, k, h) + mm(n * h, h, 1) + mm(h * h, h, 1) + mm(h, h, 1) + h * k
    return forward, gradients


def sgd_counts(sizes):
    """clipped_sgd: squares and their sum per array, the running total, three scalar maps, three maps a weight."""
    return sum(s + s - 1 for s in sizes) + len(sizes) - 1 + 3 + 3 * sum(sizes)


@pytest.mark.parametrize("n, h, k", [(2, 3, 2), (4, 2, 5)])
def test_an_rtrl_step_counts_its_loop_nests(n, h, k):
    tape = Tape()
    net = tape_codes.rtrl_net(tape, n, h, k)
    x, d_out = tape.argument(n), tape.argument(k)
    start = tape.instructions
    stepped = tape_codes.rtrl_forward(tape, net, x)
    forward, gradients = rtrl_counts(n, h, k)
    assert tape.instructions - start == forward
    start = tape.instructions
    grads = tape_codes.rtrl_gradients(tape, stepped, d_out)
    assert tape.instructions - start == gradients
    start = tape.instructions
    tape_codes.clipped_sgd(tape, stepped, grads)
    assert tape.instructions - start == sgd_counts([n * h, h * h, h, h * k, k])


def test_one_symbol_of_the_single_net_is_the_rtrl_step_softmax_and_update():
    n, h = 5, 3
    k = n + 1
    tape = tape_codes.chunker_block(Tape(), n, h, 2, 1, 0, use_c=False, with_target=False)
    forward, gradients = rtrl_counts(n, h, k)
    softmax = 4 * n - 2
    # p - next, the surprise compare, the target part's zero
    expected = forward + softmax + n + 1 + 1 + gradients + sgd_counts([n * h, h * h, h, h * k, k])
    assert tape.instructions + tape.free_writes == expected
    assert unread_arguments(tape) == 1                                  # the target: none at this symbol


def test_the_chunker_block_grows_with_its_symbols_and_c_inputs():
    one = tape_codes.chunker_block(Tape(), 6, 4, 2, 3, 1)
    two = tape_codes.chunker_block(Tape(), 6, 4, 2, 3, 2)
    longer = tape_codes.chunker_block(Tape(), 6, 4, 2, 4, 1)
    assert one.instructions < two.instructions < longer.instructions
    assert unread_arguments(one) == 1                    # C's last read-out's target unit: C steps before the target
    cost = one.price()
    assert cost.total > 0 and cost.bytes_read > 8 * one.instructions
    with pytest.raises(ValueError):
        tape_codes.chunker_block(Tape(), 6, 4, 2, 3, 4)


def test_softmax_equals_the_element_reference():
    z_values = np.array([[0.3, -1.0, 2.0], [1.0, 0.5, 0.0]])
    tape = Tape()
    z = tape.argument(z_values.shape, np.float64)
    tape_codes.softmax(tape, z)
    trace = Trace()
    ids = [[trace.argument(8) for _ in row] for row in z_values]
    maxima = []                                                          # numpy's order: one operation at a
    for row in ids:                                                      # time over every row: max, exp(z - max),
        m = row[0]                                                       # sum, divide
        for v in row[1:]:
            m = trace.op([m, v], 8)
        maxima.append(m)
    e = [[trace.op([v, m], 8) for v in row] for row, m in zip(ids, maxima)]
    sums = []
    for row in e:
        s = row[0]
        for v in row[1:]:
            s = trace.op([s, v], 8)
        sums.append(s)
    [[trace.op([v, s], 8) for v in row] for row, s in zip(e, sums)]
    for liveness in (True, False):
        assert tape.price(liveness).total == trace.price(liveness).total
    assert tape.instructions == len(trace.instructions)


def test_per_batch_products_equal_the_element_reference():
    tape = Tape()
    a, b = tape.argument((2, 2, 3), np.float32), tape.argument((2, 3, 2), np.float32)
    tape_codes._per_batch(tape, a, b)
    trace = Trace()
    ra = [[[trace.argument(4) for _ in range(3)] for _ in range(2)] for _ in range(2)]
    rb = [[[trace.argument(4) for _ in range(2)] for _ in range(3)] for _ in range(2)]
    for i in range(2):
        for r in range(2):
            for c in range(2):
                acc = trace.op([ra[i][r][0], rb[i][0][c]], 4)
                for kk in range(1, 3):
                    acc = trace.op([acc, trace.op([ra[i][r][kk], rb[i][kk][c]], 4)], 4)
    assert tape.price().total == trace.price().total
    assert tape.instructions == len(trace.instructions) == 2 * mm(2, 3, 2)


def test_the_predictor_bank_counts_its_loop_nests():
    b, n = 4, 3
    tape = Tape()
    bank = tape_codes.pm_predictor_params(tape, n, 0)
    code = tape.argument((b, n), np.float64)
    pred, cache = tape_codes.pm_predictors_forward(tape, bank, code)
    assert tape.instructions == n * n + mm(b, n, n) + 2 * b * n                # mask, code W^T, + b, logistic
    start = tape.instructions
    _, d_code, d_pred = tape_codes.pm_predictability(tape, code, pred)
    assert tape.instructions - start == 3 * b * n + b * n + b * n - 1
    start = tape.instructions
    tape_codes.pm_predictors_backward(tape, bank, cache, d_pred)
    assert tape.instructions - start == b * n + mm(n, b, n) + n * n + n * (b - 1) + mm(b, n, n)
    h = 2
    tape = Tape()
    bank = tape_codes.pm_predictor_params(tape, n, h)
    code = tape.argument((b, n), np.float64)
    pred, cache = tape_codes.pm_predictors_forward(tape, bank, code, output="linear")
    assert tape.instructions == n * n * h + mm(b, n, n * h) + 2 * b * n * h + b * n * h + b * n * (h - 1) + b * n
    grads, _ = tape_codes.pm_predictors_backward(tape, bank, cache, tape.map(pred))
    assert set(grads) == {"W1", "b1", "W2", "b2"}


def test_the_mlp_pieces_match_tape_steps_counts():
    sizes, b = (5, 7, 3), 4
    tape = Tape()
    params = tape_codes.mlp_params(tape, sizes)
    x, t = tape.argument((b, 5), np.float64), tape.argument((b, 3), np.float64)
    y, cache = tape_codes.mlp_forward(tape, params, x)
    grads, d_x = tape_codes.mlp_backward(tape, params, cache, tape.map(y, t), input_gradient=False)
    tape_codes.sgd(tape, params, grads, maps=1)
    from shared.networks import tape_steps
    assert d_x is None and tape.instructions == tape_steps.mlp_step(Tape(), sizes, batch=b, itemsize=8).instructions


def test_the_fast_weight_controller_step_counts_by_hand():
    # eq. 4, dense sensitivities (1, 3, 9): y 5, err 1, E 2, err x 3, grad 45 + 9, J zeros 27 and copies 9, box 15,
    # squash 6, slope 3, p + J and * slope 54, theta 18
    tape = tape_codes.fast_weight_online_step(Tape(), 3, 3, 1, "direct")
    assert tape.instructions + tape.free_writes == 5 + 1 + 2 + 3 + 45 + 9 + 27 + 9 + 15 + 6 + 3 + 54 + 18
    # row sensitivities (3, 6): y 3, err 3, E 3 + 2 + 1, delta 3, grad 18, W x 33, squash 6, slope 3, p' 36, W 36
    rows = tape_codes.fast_weight_online_step(Tape(), 6, 1, 3, "direct", row_sensitivities=True)
    assert rows.instructions == 3 + 3 + 6 + 3 + 18 + 33 + 6 + 3 + 36 + 36
    fromto = tape_codes.fast_weight_online_step(Tape(), 3, 3, 1, "fromto")
    assert unread_arguments(fromto) == 0 and fromto.instructions > tape.instructions
    with pytest.raises(ValueError):
        tape_codes.fast_weight_online_step(Tape(), 3, 3, 1, "fromto", row_sensitivities=True)


@pytest.mark.parametrize("kw", [dict(reads="all", clip=False), dict(), dict(rule="delta"),
                                dict(rule="delta", learned_beta=False)])
def test_the_fast_weight_update_reads_what_it_loads_and_grows_with_the_episode(kw):
    short = tape_codes.fast_weight_update(Tape(), 6, 3, 4, 3, batch=2, **kw)
    long = tape_codes.fast_weight_update(Tape(), 6, 3, 4, 5, batch=2, **kw)
    assert long.instructions > short.instructions
    assert unread_arguments(short) == 0 or not kw.get("learned_beta", True)
    assert short.price().total > 0


def test_the_sum_rule_update_counts_its_products():
    d_in, dk, dv, t, b = 4, 2, 3, 3, 2
    tape = tape_codes.fast_weight_update(Tape(), d_in, dk, dv, t, batch=b, clip=False)
    forward = (mm(b * t, d_in, dk) + mm(b * t, d_in, dv) + mm(b, d_in, dk) + b * mm(dv, t, dk)
               + b * mm(dv, dk, 1))
    loss = b * dv + b * dv + (b * dv - 1) + b * dv
    backward = (b * dv * dk + b * mm(dk, dv, 1) + b * mm(t, dk, dv) + b * mm(t, dv, dk) + b * dv * dk
                + mm(dk, b, d_in) + mm(dk, b * t, d_in) + mm(dv, b * t, d_in))
    adam = 3 * (2 * dk * d_in + dv * d_in)
    assert tape.instructions == forward + loss + backward + adam


def test_the_srwm_episode_reads_its_matrix_and_grows_with_the_patterns():
    small = tape_codes.srwm1993_episode(Tape(), 22, 28, 5, 5, patterns=2, demos=1)
    more = tape_codes.srwm1993_episode(Tape(), 22, 28, 5, 5, patterns=4, demos=2)
    assert more.instructions > 1.9 * small.instructions
    assert unread_arguments(small) == 0
    assert small.price().total > 0
