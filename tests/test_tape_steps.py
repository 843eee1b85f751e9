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


# ----------------------------------------------------------------------------------------------------
# The LSTM variants (lstm_step's keywords) and the 2000-2002 follow-ups of the paper's LSTM (paper_lstm_step's)

def test_the_default_lstm_and_paper_lstm_programs_are_the_recorded_ones():
    """The keywords leave the default programs as they were before them (their costs then; the FLOPs
    without the zero fills of the traces, which Tape no longer counts)."""
    cases = [(lambda: tape_steps.lstm_step(Tape(), 2, 4, 2, 5), (852637, 44768, 2800)),
             (lambda: tape_steps.lstm_step(Tape(), 3, 5, 2, 4, batch=3, optimizer="adam", targets="last", itemsize=4),
              (1141406, 80196, 9936)),
             (lambda: tape_steps.paper_lstm_step(Tape(), 3, 2, 2, 2, 6, targets="all"), (1731342, 70336, 4474)),
             (lambda: tape_steps.paper_lstm_step(Tape(), 8, 2, 2, 4, 7), (1838284, 76768, 4896)),
             (lambda: tape_steps.paper_lstm_step(Tape(), 4, 3, 2, 1, 9, forget_gate=True, itemsize=4),
              (3292496, 134852, 17050))]
    for build, expected in cases:
        tape = build()
        cost = tape.price()
        assert (cost.total, cost.bytes_read, tape.instructions) == expected


def test_a_1997_lstm_step_with_blocks_counts_its_loop_nests():
    """One step (no recurrence), blocks of 2 cells sharing an input and an output gate, no forget gate."""
    n_in, hidden, n_out, size = 3, 4, 2, 2
    nb = hidden // size
    width = 2 * nb + hidden
    tape = tape_steps.lstm_step(Tape(), n_in, hidden, n_out, 1, block_size=size, forget_gate=False)
    forward = (matmul_flops(1, n_in, width) + width          # x W + b
               + 2 * nb + hidden                             # the gates (one map), g
               + hidden                                      # i g (c_0 = 0)
               + 2 * hidden                                  # h(c), o h(c)
               + matmul_flops(1, hidden, n_out) + n_out)     # read-out
    backward = (n_out + matmul_flops(hidden, 1, n_out) + n_out * 0 + matmul_flops(1, n_out, hidden)
                + hidden + nb * (size - 1)                   # d_o per cell, summed per block
                + hidden                                     # d_c
                + hidden + nb * (size - 1)                   # d_i
                + hidden                                     # d_g
                + matmul_flops(n_in, 1, width))              # dW (b: a sum over a batch of one, no instruction)
    update = n_in * width + hidden * width + width + hidden * n_out + n_out   # U's zero gradient: a free write
    assert tape.instructions == forward + backward + update


@pytest.mark.parametrize("variant", sorted(tape_steps.CELL_VARIANTS))
def test_every_lstm_variant_reads_all_its_parameters(variant):
    kwargs = tape_steps.CELL_VARIANTS[variant]
    tape = tape_steps.lstm_step(Tape(), 3, 4, 2, 3, batch=2, optimizer="adam", block_size=2, **kwargs)
    values, reads, _, _ = tape.events()
    assert np.isin(np.concatenate(tape._loads), values[reads]).all()
    plain = tape_steps.lstm_step(Tape(), 3, 4, 2, 3, batch=2, optimizer="adam", block_size=2,
                                 **tape_steps.CELL_VARIANTS["NP"])
    if variant in ("V", "FGR"):                                 # more than the cell without peepholes
        assert tape.instructions > plain.instructions
    if variant in ("NIG", "NFG", "NOG", "LSTM1997"):           # a gate fewer
        assert tape.instructions < tape_steps.lstm_step(Tape(), 3, 4, 2, 3, batch=2, optimizer="adam", block_size=2,
                                                        **tape_steps.CELL_VARIANTS["V"]).instructions


def test_lstm_variant_refusals():
    with pytest.raises(ValueError, match="coupled"):
        tape_steps.lstm_step(Tape(), 2, 2, 1, 2, input_gate="coupled", forget_gate=False)
    with pytest.raises(ValueError, match="multiple"):
        tape_steps.lstm_step(Tape(), 2, 3, 1, 2, block_size=2)
    with pytest.raises(ValueError, match="update"):
        tape_steps.paper_lstm_step(Tape(), 2, 1, 1, 1, 3, update="batch")


def _weights(n_in, blocks, size, n_out, forget_gate=False, shortcut=False, output_bias=True):
    c = blocks * size
    units = c + blocks * (3 if forget_gate else 2)
    return (n_in + units + 1) * units + (c + n_in * shortcut + output_bias) * n_out


def test_the_paper_lstm_changing_its_weights_at_every_step_counts_the_changes():
    """update="step": one change of every weight per step with a target, the change then zeroed (written
    fresh: a free write, not a FLOP); momentum: one more instruction per weight and change."""
    n_in, blocks, size, n_out, steps = 3, 2, 2, 2, 5
    weights = _weights(n_in, blocks, size, n_out)
    once = tape_steps.paper_lstm_step(Tape(), n_in, blocks, size, n_out, steps, targets="all")
    every = tape_steps.paper_lstm_step(Tape(), n_in, blocks, size, n_out, steps, targets="all", update="step")
    assert every.instructions == once.instructions + (steps - 1) * weights
    moving = tape_steps.paper_lstm_step(Tape(), n_in, blocks, size, n_out, steps, targets="all", update="step",
                                        momentum=True)
    assert moving.instructions == every.instructions + steps * weights
    last = tape_steps.paper_lstm_step(Tape(), n_in, blocks, size, n_out, steps, momentum=True)
    plain = tape_steps.paper_lstm_step(Tape(), n_in, blocks, size, n_out, steps)
    assert last.instructions == plain.instructions + weights


def test_the_paper_lstm_on_a_batch_of_sequences_sums_their_changes():
    """K sequences: K times the per-sequence work, plus the sums over the K sequences of each change."""
    n_in, blocks, size, n_out, steps, K = 3, 2, 1, 2, 4, 3
    one = tape_steps.paper_lstm_step(Tape(), n_in, blocks, size, n_out, steps)
    many = tape_steps.paper_lstm_step(Tape(), n_in, blocks, size, n_out, steps, batch=K)
    weights = _weights(n_in, blocks, size, n_out)
    update = weights                                              # W + gW, V + gV once
    change = weights                                              # gW += ..., gV += ... at the one target step
    zeros = blocks * size + 2 * blocks                            # the first hidden activations, per sequence
    work = one.instructions - update - change - zeros
    sums = (K - 1) * weights                                      # sum over K of every weight's change (size 1)
    assert many.instructions == K * work + update + change + K * zeros + sums
    assert many.price().total > K * one.price().total / 2


def test_peepholes_shortcuts_and_symbol_codes_change_the_paper_lstm_as_they_should():
    n_in, blocks, size, n_out, steps = 4, 2, 2, 3, 6
    base = dict(targets="all", forget_gate=True)
    plain = tape_steps.paper_lstm_step(Tape(), n_in, blocks, size, n_out, steps, **base)
    peep = tape_steps.paper_lstm_step(Tape(), n_in, blocks, size, n_out, steps, peepholes=True, **base)
    short = tape_steps.paper_lstm_step(Tape(), n_in, blocks, size, n_out, steps, shortcut=True, **base)
    codes = tape_steps.paper_lstm_step(Tape(), n_in, blocks, size, n_out, steps, one_hot=True, **base)
    assert peep.instructions > plain.instructions and short.instructions > plain.instructions
    assert codes.instructions < plain.instructions                 # a row read instead of a product and traces
    # the shortcut: per step n_in x n_out products and sums into the net inputs, and their changes
    assert short.instructions - plain.instructions == steps * (matmul_flops(1, n_in, n_out) + n_out
                                                               + 2 * n_in * n_out) + n_in * n_out
    for tape in (peep, short, codes):
        values, reads, _, _ = tape.events()
        assert np.isin(np.concatenate(tape._loads), values[reads]).all()


def test_the_long_lag_rows_take_the_nets_keywords_and_the_odyssnet_dtype():
    from shared.learning.long_lag import movement_rows
    record = {"seeds": {"summary": {"median": 10}}, "odyssnet": {"seeds": {"summary": {"median": None}}}}
    paper = {"blocks": 1, "block_size": 1, "size": "tiny", "part": None}
    plain = movement_rows(record, paper, 2, 1, 4, 8, 3, 5)
    changed = movement_rows(record, {**paper, "step": {"output_bias": False}}, 2, 1, 4, 8, 3, 5, odyssnet_itemsize=4)
    assert changed[0]["program"](Tape()).instructions < plain[0]["program"](Tape()).instructions
    assert plain[1]["size"].endswith("float64") and changed[1]["size"].endswith("float32")   # OdyssNet runs in float64
    assert 2 * changed[1]["program"](Tape()).price().bytes_read == plain[1]["program"](Tape()).price().bytes_read


def test_linear_cells_read_their_state_as_their_output():
    """squashing="linear": h(s) = s, no squash of the state and no slope read, per cell and step."""
    n_in, blocks, size, n_out, steps = 2, 1, 2, 1, 4
    base = dict(targets="all", forget_gate=True, peepholes=True, update="step", momentum=True)
    squashed = tape_steps.paper_lstm_step(Tape(), n_in, blocks, size, n_out, steps, **base)
    linear = tape_steps.paper_lstm_step(Tape(), n_in, blocks, size, n_out, steps, squashing="linear", **base)
    cells = blocks * size
    assert squashed.instructions - linear.instructions == steps * 2 * cells     # h(s) and h'(s) per step
    with pytest.raises(ValueError, match="squashing"):
        tape_steps.paper_lstm_step(Tape(), 2, 1, 1, 1, 3, squashing="tanh")
