"""temporal-order-3bit: the data, the paper's net and protocol, the comparisons, and the verdict rule on
both sides of its thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.environments import tasks

to = load_module(ROOT / "temporal-order-3bit" / "temporal_order_3bit.py")


def test_the_class_targets_follow_the_x_y_order():
    codes, lengths, targets = to.make_sequences(np.random.default_rng(0), 200)
    X, Y = tasks.TEMPORAL_SYMBOLS.index("X"), tasks.TEMPORAL_SYMBOLS.index("Y")
    for row, n, target in zip(codes, lengths, targets):
        marks = [c for c in row[:n] if c in (X, Y)]
        assert len(marks) == 2 and row[0] == tasks.TEMPORAL_SYMBOLS.index("E")
        assert row[n - 1] == tasks.TEMPORAL_SYMBOLS.index("B") and np.all(row[n:] == -1)
        assert np.argmax(target) == 2 * (marks[0] == Y) + (marks[1] == Y) and target.sum() == 1.0


def test_the_criterion_is_every_output_within_0_3_and_the_error_is_summed():
    targets = np.array([[1.0, 0, 0, 0]] * 3)
    outputs = np.array([[0.75, 0.25, 0.25, 0.0], [0.69, 0, 0, 0], [0.9, 0.1, 0.31, 0.0]])
    error, correct = to.scored(outputs, targets)
    assert list(correct) == [True, False, False]
    np.testing.assert_allclose(error, [0.0625 * 3, 0.31 ** 2, 0.01 + 0.01 + 0.31 ** 2])


def test_the_paper_net_has_156_weights_and_the_papers_initial_biases():
    net = to.paper_net([0, 1])
    assert net.n_weights == 156
    np.testing.assert_array_equal(net.W[:, -1, net.rows["input"]], [[-2.0, -4.0]] * 2)
    rest = np.delete(net.W, [4, 5], axis=2)
    assert np.abs(rest).max() <= 0.1 and np.abs(net.V[:, :4]).max() <= 0.1 and np.all(net.V[:, 4] == 0.0)


def test_a_seed_computes_the_same_in_any_bank_and_any_process():
    together = to.over_banks(to.train_paper_bank, [0, 1, 2], 1, 150)
    apart = to.over_banks(to.train_paper_bank, [0, 1, 2], 2, 150)
    alone = to.train_paper_bank([1], budget=150)
    assert [t.row() for t in together] == [t.row() for t in apart]
    assert together[1].row() == alone[0].row()
    assert together[1].curve == alone[0].curve


@pytest.mark.parametrize("model", ["rnn", "odyssnet"])
def test_the_comparisons_train_and_test_on_the_same_sequences(model):
    trial = to.train_comparison(model, seed=0, budget=64)
    assert trial.seen == 64 and not trial.solved and 0 <= trial.test["wrong"] <= 2560


# ----------------------------------------------------------------------------------------
# The verdict rule
# ----------------------------------------------------------------------------------------


def rows(n=20, mean=31_390.0, solved=None, wrong=None, spread=0.3):
    solved = [True] * n if solved is None else solved
    wrong = [1] * n if wrong is None else wrong
    factors = np.linspace(1 - spread, 1 + spread, n)
    return [{"seed": i, "solved": s, "sequences": int(mean * f) if s else None, "wrong": w}
            for i, (s, w, f) in enumerate(zip(solved, wrong, factors))]


def record(per_seed):
    return {"seeds": {"per_seed": per_seed}}


def holds(v):
    return [c["holds"] for c in v["claims"]]


def test_verdict_yes_when_every_claim_holds():
    v = to.verdict(record(rows(wrong=[0, 1, 2, 1] * 5)))
    assert v["value"] == "yes" and all(holds(v)) and len(v["claims"]) == 3


@pytest.mark.parametrize("rec,why", [({}, "sweep"), (record(rows(19)), "19 seeds")])
def test_verdict_pending_without_20_seeds(rec, why):
    v = to.verdict(rec)
    assert v["value"] == "pending" and why in v["reason"]


@pytest.mark.parametrize("failed,ok", [(0, True), (2, True), (3, False)])
def test_reliability_on_both_sides(failed, ok):
    v = to.verdict(record(rows(solved=[False] * failed + [True] * (20 - failed))))
    assert v["claims"][0]["holds"] is ok
    assert v["value"] == ("yes" if failed == 0 else "partial" if ok else "no")   # a failed run censors the mean


def test_test_errors_on_both_sides():
    assert to.verdict(record(rows(wrong=[0, 1, 2, 3, 2] * 4)))["claims"][1]["holds"]
    v = to.verdict(record(rows(wrong=[3, 4, 2, 3, 3] * 4)))
    assert not v["claims"][1]["holds"] and v["value"] == "no"
    assert to.verdict(record(rows(wrong=[0] * 20)))["claims"][1]["holds"]


@pytest.mark.parametrize("factor,ok", [(1.0, True), (1.6, True), (0.6, True), (2.6, False), (0.4, False)])
def test_sequences_within_a_factor_2_on_both_sides(factor, ok):
    v = to.verdict(record(rows(mean=31_390 * factor, spread=0.05)))
    assert v["claims"][2]["holds"] is ok and v["value"] == ("yes" if ok else "partial")
