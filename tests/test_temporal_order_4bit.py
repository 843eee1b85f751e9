"""temporal-order-4bit: the data, the paper's net and protocol, the comparisons, and the verdict rule on
both sides of its thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.environments import tasks

to = load_module(ROOT / "temporal-order-4bit" / "temporal_order_4bit.py")


def test_the_class_targets_follow_the_x_y_order():
    codes, lengths, targets = to.make_sequences(np.random.default_rng(0), 200)
    X, Y = tasks.TEMPORAL_SYMBOLS.index("X"), tasks.TEMPORAL_SYMBOLS.index("Y")
    for row, n, target in zip(codes, lengths, targets):
        marks = [c == Y for c in row[:n] if c in (X, Y)]
        assert len(marks) == 3 and row[n - 1] == tasks.TEMPORAL_SYMBOLS.index("B")
        assert np.argmax(target) == 4 * marks[0] + 2 * marks[1] + marks[2] and target.sum() == 1.0


def test_the_paper_net_has_308_weights_and_the_papers_initial_biases():
    net = to.paper_net([0, 1])
    assert net.n_weights == 308
    np.testing.assert_array_equal(net.W[:, -1, net.rows["input"]], [[-2.0, -4.0, -6.0]] * 2)


def test_a_seed_computes_the_same_in_any_bank_and_any_process():
    together = to.over_banks(to.train_paper_bank, [0, 1, 2], 1, 100)
    apart = to.over_banks(to.train_paper_bank, [0, 1, 2], 2, 100)
    assert [t.row() for t in together] == [t.row() for t in apart]


def test_the_comparisons_run_the_headlines_budget_only(capsys):
    with pytest.raises(SystemExit) as stop:
        to.parse_args(["--model", "rnn", "--max-sequences", "5000"])
    assert stop.value.code == 2 and "headline's budget" in capsys.readouterr().err
    trial = to.train_comparison("rnn", seed=0, budget=64)
    assert trial.seen == 64 and not trial.solved


@pytest.mark.parametrize("argv,section", [([], None), (["--max-sequences", "600000"], "paper_scale"),
                                          (["--max-sequences", "5000"], "budget5000"), (["--model", "odyssnet"],
                                                                                         "odyssnet")])
def test_sections(argv, section):
    assert to.section_name(to.parse_args(argv)) == section


# ----------------------------------------------------------------------------------------
# The verdict rule
# ----------------------------------------------------------------------------------------


def rows(n=10, stopped=10, wrong=None):
    wrong = [2] * n if wrong is None else wrong
    return [{"seed": i, "solved": i < stopped, "sequences": 400_000 + 20_000 * i if i < stopped else None,
             "wrong": w} for i, w in zip(range(n), wrong)]


def record(per_seed):
    return {"paper_scale": {"seeds": {"per_seed": per_seed}}, "seeds": {"per_seed": rows()}}


def holds(v):
    return [c["holds"] for c in v["claims"]]


def test_verdict_yes_when_every_claim_holds():
    v = to.verdict(record(rows(wrong=[0, 1, 2, 3, 1, 2, 2, 1, 0, 2])))
    assert v["value"] == "yes" and all(holds(v)) and len(v["claims"]) == 3


@pytest.mark.parametrize("rec,why", [({"seeds": {"per_seed": rows()}}, "not recorded"), (record(rows(9)), "9 seeds")])
def test_verdict_pending_without_the_paper_scale_section(rec, why):
    v = to.verdict(rec)
    assert v["value"] == "pending" and why in v["reason"]


@pytest.mark.parametrize("stopped,learns,fast,value", [(10, True, True, "yes"), (9, True, True, "yes"),
                                                       (8, True, False, "partial"), (6, True, False, "partial"),
                                                       (5, False, False, "no")])
def test_the_share_that_stops_on_both_sides(stopped, learns, fast, value):
    v = to.verdict(record(rows(stopped=stopped, wrong=[1, 2] * 5)))
    assert holds(v)[0] is learns and holds(v)[2] is fast and v["value"] == value


def test_test_errors_on_both_sides():
    assert to.verdict(record(rows(wrong=[1, 2, 3, 2, 1] * 2)))["claims"][1]["holds"]
    v = to.verdict(record(rows(wrong=[3, 4, 2, 3, 3] * 2)))
    assert not v["claims"][1]["holds"] and v["value"] == "no"
    v = to.verdict(record(rows(stopped=1)))
    assert not v["claims"][1]["holds"] and v["value"] == "no"
