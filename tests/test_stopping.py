"""shared.learning.stopping: the 1997 paper's stopping rules on the training stream."""

from __future__ import annotations

import numpy as np
import pytest

from shared.learning.stopping import StoppingRule


def test_stopping_rule_needs_2000_consecutive_correct_training_sequences():
    rule = StoppingRule(2)
    good = np.array([[0.01, 0.01]])
    for _ in range(1999):
        assert not rule.update(good).any()
    stop = rule.update(np.array([[0.05, 0.01]]))         # sequence 2000: net 1 wrong, net 2 its 2000th right
    assert list(stop) == [False, True] and list(rule.stopped_at) == [-1, 2000]
    for _ in range(1999):
        assert not rule.update(good).any()
    assert rule.update(good)[0] and rule.stopped_at[0] == 4000   # net 1: 2000 in a row after its miss
    assert rule.at_stop["train_mse"][1] == pytest.approx(1e-4)
    assert rule.at_stop["train_mae"][0] == pytest.approx(0.01)
    assert list(rule.mse_below_at) == [2000, 2000]       # the window's MSE was below 0.01 once full
    assert not rule.active.any()


def test_stopping_rule_also_needs_the_average_training_error():
    """With a looser threshold the second condition binds: every error 'correct', MSE 0.04."""
    rule = StoppingRule(1, threshold=0.5)
    for _ in range(3000):
        assert not rule.update(np.array([[0.2]])).any()
    assert rule.mse_below_at[0] == -1


def test_stopping_rule_in_batches_counts_every_sequence():
    rule = StoppingRule(1)
    errors = np.full((16, 1), 0.001)
    errors[3] = 0.5                                      # a wrong sequence inside the first batch
    rule.update(errors)
    while rule.active[0]:
        rule.update(np.full((16, 1), 0.001))
    assert rule.stopped_at[0] == 2016                    # 12 + 2000 = 2012 correct in a row, checked per batch


def test_experiment_5s_variant_tolerates_a_few_wrong_sequences():
    """'less than n_seq of the 2000 most recent training sequences lead to absolute errors exceeding 0.04'."""
    rule = StoppingRule(1, recent=100, train_error=None, tolerated=4)     # n_seq = 5: at most 4 wrong
    errors = np.full((100, 1), 0.01)
    errors[::20] = 0.2                                                     # 5 wrong in the window
    assert not rule.update(errors).any()
    assert rule.update(np.full((20, 1), 0.01))[0]                         # one slid out: 4 wrong
    assert rule.stopped_at[0] == 120


def test_vector_outputs_say_themselves_what_correct_is():
    rule = StoppingRule(2, recent=10, train_error=0.1)
    errors = np.full((10, 2), 0.2)                                          # all |e| >= 0.04 ...
    correct = np.ones((10, 2), bool)                                        # ... but the task says correct
    correct[4, 1] = False
    assert list(rule.update(errors, correct)) == [True, False]


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        StoppingRule(0)
    with pytest.raises(ValueError):
        StoppingRule(1, tolerated=-1)


def test_a_learners_window_figures_do_not_depend_on_the_learners_beside_it():
    """numpy sums one column pairwise but several columns row by row: the rule sums row by row always."""
    errors = np.random.default_rng(0).random((2500, 3)) * 0.039
    together, alone = StoppingRule(3), StoppingRule(1)
    for row in errors:
        together.update(row[None, :])
        alone.update(row[None, 1:2])
    assert together.window_mse()[1] == alone.window_mse()[0]
    assert together.stopped_at[1] == alone.stopped_at[0] > 0
    assert together.at_stop["train_mae"][1] == alone.at_stop["train_mae"][0]
    np.testing.assert_array_equal(together.window_mse(), np.mean(together.window ** 2, axis=0))
