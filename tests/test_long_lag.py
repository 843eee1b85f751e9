"""shared.learning.long_lag: the 1997 paper's protocol for end-target tasks (train on line to the rule, test)."""

from __future__ import annotations

import numpy as np
import pytest

from shared.learning import long_lag
from shared.learning.long_lag import (Trial, end_outputs, one_hot, sequences_summary, streams, summary_line,
                                      train_and_test, train_in_batches)
from shared.networks.paper_lstm import PaperLSTM
from shared.learning.stopping import StoppingRule


def make(rng, n):
    """Remember the first of two symbols over 4 to 6 steps of noise symbols; a one-hot answer at the end."""
    lengths = rng.integers(5, 8, n)
    first = rng.integers(0, 2, n)
    codes = np.where(np.arange(7) < lengths[:, None], rng.integers(2, 4, (n, 7)), -1)
    codes[:, 0] = first
    return codes, lengths, np.eye(2)[first]


def score(ends, targets):
    diff = ends - targets
    return np.sum(diff * diff, axis=-1), np.all(np.abs(diff) < 0.3, axis=-1)


def figures(ends, targets):
    error, correct = score(ends, targets)
    return {"wrong": int(np.sum(~correct)), "test_error": float(np.mean(error))}


def net(seeds):
    return PaperLSTM(4, 2, 1, 2, [streams(s)["init"] for s in seeds], output_bias=True, init_scale=0.1,
                     gate_bias={"input": [-1.0, -2.0]})


def test_the_protocol_trains_every_seed_to_the_rule_and_tests_it():
    seeds = [0, 1]
    trials = train_and_test(net(seeds), seeds, make, score, figures, StoppingRule(2, recent=50, threshold=0.3,
                            train_error=0.05), lr=1.0, budget=4000, test_size=300, every=100, keep_params=True)
    for trial in trials:
        assert trial.solved and trial.seen == trial.stopped_at and trial.train_error_at_stop < 0.05
        assert trial.test["wrong"] < 15 and trial.curve[-1][0] == trial.stopped_at
        assert set(trial.params) == {"W", "V"}
        assert trial.row()["sequences"] == trial.stopped_at and trial.row()["wrong"] == trial.test["wrong"]
    alone = train_and_test(net([1]), [1], make, score, figures, StoppingRule(1, recent=50, threshold=0.3,
                           train_error=0.05), lr=1.0, budget=4000, test_size=300, every=100)
    assert alone[0].row() == trials[1].row() and alone[0].curve == trials[1].curve


class Guess:
    """A learner that answers a constant: never correct, so the rule never stops it."""

    def train_batch(self, codes, lengths, targets):
        return np.full(targets.shape, 0.5)

    def outputs(self, codes, lengths):
        return np.full((len(codes), 2), 0.5)


def test_a_comparison_in_batches_runs_its_budget_and_is_tested():
    trial = train_in_batches(Guess(), 3, make, score, figures, StoppingRule(1, recent=50, threshold=0.3),
                             budget=100, batch=32, test_size=600)
    assert not trial.solved and trial.seen == 96 and trial.test["wrong"] == 600
    assert [c[0] for c in trial.curve] == [96]
    line = summary_line("guess", [trial], 1000, 2, "Table 9", 600)
    assert line == ("guess: 0/1 seeds meet the paper's stopping rule within 96 sequences; at the budget's end, "
                    "mean 600 of 600 test sequences wrong (Table 9: 2)")


def test_helpers():
    out = np.arange(2 * 3 * 4 * 1).reshape(2, 3, 4, 1).astype(float)
    np.testing.assert_array_equal(end_outputs(out, np.array([[1, 4, 2], [3, 3, 1]]))[..., 0],
                                  [[0, 7, 9], [14, 18, 20]])
    np.testing.assert_array_equal(one_hot(np.array([[2, -1]]), 3), [[[0, 0, 1], [0, 0, 0]]])
    trials = [Trial(0, 100, 100, 0.01, {}), Trial(1, None, 500, None, {}), Trial(2, 300, 300, 0.01, {})]
    s = sequences_summary(trials, paper=400)
    assert (s["stopped"], s["mean"], s["range"], s["ratio"]) == ("2/3", 200, "100 - 300", "0.50x")
    assert [t.seed for t in s["tested"]] == [0, 2]


@pytest.mark.parametrize("make", [
    lambda rng: long_lag.StepRNNLearner(3, 8, 3, 0.05, rng),
    lambda rng: long_lag.StepOdyssLearner(3, 10, 3, 0.02, rng, thinking_steps=2),
])
def test_step_learners_learn_an_echo_and_answer_before_their_update(make):
    """Per-step learners: outputs (B, T, O); learn() returns the outputs as they were before its
    update; padded steps (weight 0) do not count; a one-step echo of the input is learnt."""
    learner = make(np.random.default_rng(0))
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 3, (16, 6))
    codes[:, 4:] = -1                                   # two padded steps
    targets = np.eye(3)[np.maximum(codes, 0)]
    weights = (codes >= 0).astype(float)
    first = learner.outputs(codes)
    assert first.shape == (16, 6, 3)
    assert np.array_equal(learner.learn(codes, targets, weights), first)

    def error():
        return float((((learner.outputs(codes) - targets) ** 2).sum(-1) * weights).sum() / weights.sum())
    before = error()
    for _ in range(300):
        learner.learn(codes, targets, weights)
    assert error() < 0.25 * before
    assert learner.weights > 0


def test_odyssnet_learner_reads_each_sequence_at_its_own_end():
    """A batch of very different lengths: each sequence's answer is what it gives alone, and a
    training step stays finite (no zero-input prefix, whose StepNorm derivative would overflow)."""
    learner = long_lag.OdyssLearner(4, 10, 2, 5e-3, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    lengths = np.array([3, 200, 57])
    codes = np.where(np.arange(200) < lengths[:, None], rng.integers(0, 4, (3, 200)), -1)
    together = learner.outputs(codes, lengths)
    for k in range(3):
        alone = learner.outputs(codes[k:k + 1, :lengths[k]], lengths[k:k + 1])
        np.testing.assert_allclose(together[k], alone[0], rtol=1e-12, atol=1e-14)
    answered = learner.train_batch(codes, lengths, np.eye(2)[[0, 1, 0]])
    np.testing.assert_allclose(answered, together, rtol=1e-12, atol=1e-14)      # answered before the update
    assert all(np.isfinite(v).all() for v in learner.model.params.values())
    assert not np.allclose(learner.outputs(codes, lengths), together)          # and it did update
    x = long_lag.one_hot(codes, 4) * 0.5 + 0.25                                 # real-valued inputs as they are
    np.testing.assert_allclose(learner.outputs_of(x, lengths)[1], learner.outputs_of(x[1:2, :200], [200])[0],
                               rtol=1e-12, atol=1e-14)


def test_odyssnet_end_classifier_trains_on_the_cut_batches_and_learns():
    """The guessing problems' OdyssNet contrast: every mini-batch is cut to its shortest sequence and trained on
    cut_targets' classes; a first-element latch over 1-2 steps is learnt; a rerun gives the same figures."""
    def data(rng, k):
        x = rng.choice([-1.0, 1.0], (k, 3, 1))
        return x, rng.integers(2, 4, k), (x[:, 0, 0] > 0).astype(int)

    cuts = []

    def cut_targets(x_cut, rows):
        cuts.append((x_cut.shape, len(rows)))
        return (x_cut[:, 0, :] > 0).astype(float)

    def run():
        return long_lag.odyssnet_end_classifier(
            data(np.random.default_rng(0), 20), data(np.random.default_rng(1), 20), 100, cut_targets, neurons=8,
            lr=5e-2, batch=10, tolerance=0.4, model_rng=np.random.default_rng(2), order_rng=np.random.default_rng(3))

    row = run()
    assert len(cuts) == 2 * row["epochs"] and all(shape[0] == b == 10 and shape[1] in (2, 3) for shape, b in cuts)
    assert row["sequences_trained"] == 20 * row["epochs"] and len(row["curve"]) == row["epochs"]
    assert row["solved"] == (row["train_accuracy"] == 1.0)
    assert row["curve"][-1][2] < 0.5 * row["curve"][0][2]          # the training MSE falls
    assert row == run()
