"""shared.networks.tape_steps: the training steps written on a movement Tape have the instruction counts of
their loop nests (counted by hand here), read every parameter, and price as the meter says."""

from __future__ import annotations

import numpy as np
import pytest

from shared.frame.movement import Tape
from shared.networks import tape_steps


def matmul_flops(m, k, n):
    return m * n * (2 * k - 1)            # k products and k - 1 sums per output element


def test_the_mlp_step_counts_its_loop_nests():
    i, h, o, b = 5, 7, 3, 4
    tape = tape_steps.mlp_step(Tape(), [i, h, o], batch=b)
    forward = matmul_flops(b, i, h) + 2 * b * h + matmul_flops(b, h, o) + b * o
    backward = (b * o + matmul_flops(h, b, o) + o * (b - 1) + matmul_flops(b, o, h)
                + b * h + matmul_flops(i, b, h) + h * (b - 1))
    update = i * h + h + h * o + o
    assert tape.instructions == forward + backward + update
    adam = tape_steps.mlp_step(Tape(), [i, h, o], batch=b, optimizer="adam")
    assert adam.instructions == forward + backward + 3 * update


def test_the_rnn_step_counts_its_loop_nests():
    n_in, hidden, n_out, steps = 2, 3, 1, 4
    tape = tape_steps.rnn_step(Tape(), n_in, hidden, n_out, steps)
    per_forward = matmul_flops(1, n_in, hidden) + 2 * hidden + matmul_flops(1, hidden, n_out) + n_out
    forward = steps * per_forward + (steps - 1) * (matmul_flops(1, hidden, hidden) + hidden)
    per_backward = (n_out + matmul_flops(hidden, 1, n_out) + matmul_flops(1, n_out, hidden) + hidden
                    + matmul_flops(n_in, 1, hidden))
    backward = (steps * per_backward + (steps - 1) * (hidden                              # d_h + d_h_next
                                                      + matmul_flops(hidden, 1, hidden)    # d_U term
                                                      + matmul_flops(1, hidden, hidden)))  # d_h_next
    accumulations = (steps - 1) * (hidden * n_out + n_out + n_in * hidden + hidden) + (steps - 2) * hidden * hidden
    update = n_in * hidden + hidden * hidden + hidden + hidden * n_out + n_out
    assert tape.instructions == forward + backward + accumulations + update


@pytest.mark.parametrize("step", ["rnn", "lstm", "odyssnet", "paper_lstm", "paper_lstm_forget", "nbb"])
def test_every_parameter_and_input_is_read_and_the_cost_grows_with_the_sequence(step):
    build = {"rnn": lambda t, steps: tape_steps.rnn_step(t, 2, 4, 2, steps),
             "lstm": lambda t, steps: tape_steps.lstm_step(t, 2, 4, 2, steps),
             "odyssnet": lambda t, steps: tape_steps.odyssnet_step(t, 6, 2, 2, steps),
             "paper_lstm": lambda t, steps: tape_steps.paper_lstm_step(t, 3, 2, 2, 2, steps, targets="all"),
             "paper_lstm_forget": lambda t, steps: tape_steps.paper_lstm_step(t, 3, 2, 1, 2, steps, targets="all",
                                                                              forget_gate=True),
             "nbb": lambda t, steps: tape_steps.nbb_cycle(t, 3, (3, 2), steps)}[step]
    tape = build(Tape(), 3)
    values, reads, _, _ = tape.events()
    loaded = np.concatenate([ids for ids in tape._loads])
    assert np.isin(loaded, values[reads]).all()                # nothing loaded is left unread
    costs = [build(Tape(), steps).price().total for steps in (1, 2, 4)]
    assert costs[0] < costs[1] < costs[2]
    if step in ("rnn", "lstm", "odyssnet"):
        assert costs[2] > 2 * costs[1]                         # BPTT keeps every step: deeper stacks


@pytest.mark.parametrize("step", [tape_steps.rnn_step, tape_steps.lstm_step])
def test_a_target_at_the_last_step_only_saves_the_read_outs(step):
    every, last = (step(Tape(), 2, 4, 3, 6, targets=targets) for targets in ("all", "last"))
    read_out = 3 * (2 * 4 - 1) + 3                                # h V + c per step: 3 outputs, 4 units
    assert every.instructions > last.instructions + 5 * read_out
    assert last.price().total < every.price().total
    ody_every, ody_last = (tape_steps.odyssnet_step(Tape(), 6, 2, 2, 5, targets=t) for t in ("all", "last"))
    assert ody_last.instructions < ody_every.instructions


def test_the_papers_truncated_gradient_costs_linearly_in_the_sequence():
    """Traces carried forward: nothing is kept per step, so each step costs about the same."""
    one, two = (tape_steps.paper_lstm_step(Tape(), 4, 2, 2, 2, steps, targets="all").price().total
                for steps in (20, 40))
    assert 1.8 < two / one < 2.2
    plain = tape_steps.paper_lstm_step(Tape(), 4, 2, 2, 2, 10)
    forget = tape_steps.paper_lstm_step(Tape(), 4, 2, 2, 2, 10, forget_gate=True)
    assert forget.instructions > plain.instructions and forget.price().total > plain.price().total


def test_refusals():
    with pytest.raises(ValueError, match="optimizer"):
        tape_steps.mlp_step(Tape(), [2, 2], optimizer="rmsprop")
    with pytest.raises(ValueError, match="input and an output"):
        tape_steps.mlp_step(Tape(), [2])
    with pytest.raises(ValueError, match="neurons"):
        tape_steps.odyssnet_step(Tape(), 3, 4, 1, 2)
    with pytest.raises(ValueError, match="positive"):
        tape_steps.lstm_step(Tape(), 2, 3, 1, 0)
    with pytest.raises(ValueError, match="targets"):
        tape_steps.paper_lstm_step(Tape(), 2, 1, 1, 1, 3, targets="some")


def test_the_long_lag_rows_read_their_steps_from_the_record():
    from shared.learning.long_lag import movement_rows
    solved = {"seeds": {"summary": {"median": 640}}}
    record = {**solved, "rnn": {"seeds": {"summary": {"median": None}}}}
    paper = {"blocks": 1, "block_size": 2, "size": "tiny", "part": None}
    rows = movement_rows(record, paper, n_in=3, n_out=2, length=5, batch=32, rnn_hidden=4, odyssnet_neurons=6)
    assert [r["row"] for r in rows] == ["paper LSTM", "tanh RNN"]             # no odyssnet part: no row
    assert rows[0]["steps_to_solve"] == 640 and rows[1]["steps_to_solve"] is None
    rows = movement_rows({"scale": solved, "odyssnet": solved}, {**paper, "part": "scale"}, 3, 2, 5, 32, 4, 6)
    assert rows[0]["steps_to_solve"] == 640 and rows[1]["steps_to_solve"] == 640 / 32
    assert rows[1]["program"](Tape()).instructions > rows[0]["program"](Tape()).instructions
