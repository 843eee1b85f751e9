"""adding-problem: the data follow the paper's recipe, the gradients are right, the stopping rule works."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.activations import erf
from shared.gradcheck import check_gradients
from shared.recurrent import LSTM

ap = load_module(ROOT / "adding-problem" / "adding_problem.py")


@pytest.mark.parametrize("T", [22, 100, 500])
def test_sequences_follow_the_papers_recipe(T):
    data = ap.adding_sequences(np.random.default_rng(T), 3000, T)
    values, markers = data.x[..., 0], data.x[..., 1]
    assert data.x.shape == (3000, T + T // 10, 2)
    assert data.lengths.min() == T and data.lengths.max() == T + T // 10          # both ends drawn
    assert np.all(np.abs(values) <= 1.0)
    steps = np.arange(data.x.shape[1])[None, :]
    inside = steps < data.lengths[:, None]
    assert np.all(values[~inside] == 0) and np.all(markers[~inside] == 0)          # zero padding
    # exactly two pairs marked 1: one of the first ten, the other among the first T/2 pairs
    assert np.all((markers == 1).sum(axis=1) == 2)
    first, second = data.marked[:, 0], data.marked[:, 1]
    assert first.min() == 0 and first.max() == 9
    assert second.max() == T // 2 - 1 and np.all(second != first)
    rows = np.arange(len(data))
    assert np.all(markers[rows, first] == 1) and np.all(markers[rows, second] == 1)
    # -1 at the first pair (unless it is marked) and at the last; 0 everywhere else
    last = data.lengths - 1
    assert np.all(markers[rows, last] == -1)
    assert np.all(markers[first != 0, 0][second[first != 0] != 0] == -1)
    assert set(np.unique(markers[inside])) <= {-1.0, 0.0, 1.0}
    assert np.all((markers == -1).sum(axis=1) == 2 - ((first == 0) | (second == 0)))
    # a marked first pair counts as 0; the target is 0.5 + (X1 + X2) / 4, within [0, 1]
    assert np.all(values[(first == 0) | (second == 0), 0] == 0)
    marked_sum = np.where(markers == 1, values, 0.0).sum(axis=1)
    np.testing.assert_allclose(data.target[:, 0], 0.5 + marked_sum / 4)
    assert data.target.min() >= 0.0 and data.target.max() <= 1.0


def test_second_mark_is_uniform_over_the_first_unmarked_pairs():
    """X2's position: each of the first T/2 - 1 unmarked pairs equally often."""
    T = 40
    data = ap.adding_sequences(np.random.default_rng(1), 40_000, T)
    first, second = data.marked[:, 0], data.marked[:, 1]
    rank = second - (second > first)                     # index among the unmarked pairs
    counts = np.bincount(rank, minlength=T // 2 - 1)
    assert counts.size == T // 2 - 1
    expected = len(data) / (T // 2 - 1)
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))


def test_same_seed_same_sequences_and_independent_streams():
    a, b = ap.streams(3), ap.streams(3)
    x = ap.adding_sequences(a["train"], 8, 100).x
    np.testing.assert_array_equal(x, ap.adding_sequences(b["train"], 8, 100).x)
    assert not np.array_equal(ap.adding_sequences(a["test"], 8, 100).x, x)


def test_short_T_is_refused():
    with pytest.raises(ValueError):
        ap.adding_sequences(np.random.default_rng(0), 4, 20)


def test_gradients_of_all_three_models_match_finite_differences():
    errors = ap.gradient_check(seed=0, T=22)
    assert {name.split(".")[0] for name in errors} == {"lstm", "forget", "rnn"}
    assert max(errors.values()) < 1e-6


def test_gradient_check_catches_a_one_percent_error():
    rng = ap.streams(1)
    learner = ap.SequenceLearner(ap.Config(), rng["init"])
    data = ap.adding_sequences(rng["test"], 4, 24)
    _, grads = learner.loss_and_grads(data)
    grads["W"][1, 0] *= 1.01                              # the marker's weight into the first input gate
    errors = check_gradients(lambda: learner.loss(data), {"W": learner.model.params["W"]}, grads)
    assert errors["W"] > 1e-4


def wired_lstm(scale: float = 0.01) -> LSTM:
    """A 1997 LSTM set by hand to solve the task: the marker opens the input gate, the cell adds
    scale * value (g = 4 sigma - 2 is about linear near 0), the output gate stays open and the
    read-out undoes h = 2 sigma - 1 ~ c / 2 and the scale."""
    model = LSTM(2, 2, 1, variant="LSTM1997", block_size=2, readout="last", init_scale=0.0, rng=0)
    p, cols = model.params, model.columns
    p["W"][1, cols["input"]] = 40.0                      # marker 1 -> +20, marker 0 -> -20, marker -1 -> -60
    p["b"][cols["input"]] = -20.0
    p["b"][cols["output"]] = 30.0
    p["W"][0, cols["cell"]] = scale                      # cell input ~ scale * value
    p["V"][:, 0] = [1.0 / (2 * scale), 0.0]              # y = 0.5 + (X1 + X2) / 4 from h ~ scale (X1 + X2) / 2
    p["c"][:] = 0.5
    return model


def test_a_hand_wired_1997_lstm_processes_every_sequence_correctly():
    """Known answer: the data's target is what the cell can compute; lengths pick each sequence's end."""
    data = ap.adding_sequences(np.random.default_rng(2), 2560, 100)
    model = wired_lstm()
    out = model.forward(data.x, lengths=data.lengths)
    errors = np.abs(out - data.target)[:, 0]
    assert errors.max() < 2e-3                           # far inside the paper's 0.04
    # zero padding after the end leaves this net's state as it was (the gate stays shut) ...
    assert np.abs(model.forward(data.x) - out).max() < 1e-6
    broken = wired_lstm()
    broken.params["W"][1, broken.columns["input"]] = 0.0  # ... but a net that cannot see the markers cannot add
    assert np.mean(np.abs(broken.forward(data.x, lengths=data.lengths) - data.target) >= ap.THRESHOLD) > 0.5


class WiredLearner:
    """The hand-wired LSTM behind the learner interface, never updated."""

    def __init__(self):
        self.model = wired_lstm()
        self.weights = self.model.num_params

    def train_batch(self, data):
        return float(np.mean((self.model.forward(data.x, lengths=data.lengths) - data.target) ** 2))

    def predict(self, data, chunk=2560):
        return self.model.forward(data.x, lengths=data.lengths)[:, 0]

    def snapshot(self):
        return {}


def test_stopping_rule_stops_a_correct_network_at_the_first_check(monkeypatch):
    monkeypatch.setattr(ap, "make_learner", lambda config, rng: WiredLearner())
    config = replace(ap.Config(), max_sequences=3200, check_every=10, fresh=512)
    run = ap.train(config, seed=0)
    assert run.solved_at == 10 * config.batch and run.seen == run.solved_at
    assert run.row()["wrong_of_2560"] == 0 and run.row()["fresh_wrong_per_2560"] == 0
    assert run.left_plateau == run.solved_at


def test_stopping_rule_needs_every_test_sequence_right(monkeypatch):
    """A net that is right on all but a few sequences must not stop."""
    class AlmostRight(WiredLearner):
        def predict(self, data, chunk=2560):
            out = super().predict(data)
            out[-3:] += 0.05                             # the last 3 of the 2560 test sequences (not monitored)
            return out

    monkeypatch.setattr(ap, "make_learner", lambda config, rng: AlmostRight())
    config = replace(ap.Config(), max_sequences=640, check_every=10, fresh=256)
    run = ap.train(config, seed=0)
    assert run.solved_at is None and run.seen == 640
    assert run.row()["wrong_of_2560"] == 3


def test_mse_at_error_rate_inverts_the_gaussian_tail():
    for rate in (1 / 2560, 0.01, 0.2):
        mse = ap.mse_at_error_rate(rate)
        tail = 1.0 - erf(np.array(ap.THRESHOLD / np.sqrt(2 * mse)))
        assert abs(tail - rate) < 1e-9
    assert ap.mse_at_error_rate(1 / 25_600) < ap.mse_at_error_rate(1 / 2560)


def test_right_alignment_ends_every_sequence_at_the_last_step():
    data = ap.adding_sequences(np.random.default_rng(4), 16, 40)
    x = ap.right_aligned(data)
    for b, n in enumerate(data.lengths):
        np.testing.assert_array_equal(x[b, -n:], data.x[b, :n])
        assert np.all(x[b, : x.shape[1] - n] == 0)
    assert np.all(x[:, -1, 1] == -1)                      # the closing marker is always last


def test_records_go_to_the_right_section():
    assert ap.section_name("lstm", 100) is None
    assert ap.section_name("odyssnet", 100) == "odyssnet"
    assert ap.section_name("forget", 100) == "forget"
    assert ap.section_name("lstm", 500) == "lstm_T500"
    assert ap.section_name("forget", 100, 3.0) == "forget_bias3"


@pytest.mark.parametrize("bad", [["--T", "20"], ["--T", "101"], ["--model", "gru"], ["--lr", "0"],
                                 ["--max-sequences", "-5"]])
def test_bad_arguments_exit_2(bad):
    with pytest.raises(SystemExit) as exit_info:
        ap.parse_args(bad)
    assert exit_info.value.code == 2
