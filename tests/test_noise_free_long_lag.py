"""noise-free-long-lag: the 2a/2b net and its gradient, the BPTT net, the 2c data and net, the protocol,
and the verdict rule on both sides of its thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, load_module

nf = load_module(ROOT / "noise-free-long-lag" / "noise_free_long_lag.py")


def test_the_paper_nets_have_the_papers_weight_counts():
    assert nf.PredictorBank(101, [np.random.default_rng(0)]).n_weights == 10504          # Table 2, LSTM
    assert nf.TinyRNNBank(101, [np.random.default_rng(0)]).n_weights == 10404            # Table 2, RTRL/BPTT
    for p, weights in ((50, 364), (100, 664), (1000, 6064)):                               # Table 3
        assert nf.net_2c([0], p).n_weights == weights


def test_the_initial_weights_lie_in_0_2():
    net = nf.PredictorBank(11, [np.random.default_rng(s) for s in range(3)])
    assert max(np.abs(a).max() for a in net.params.values()) <= 0.2


def test_the_gradients_match_finite_differences():
    assert nf.gradcheck(nf.PredictorBank) < 1e-6
    assert nf.gradcheck(nf.TinyRNNBank) < 1e-6


def test_the_gradient_check_catches_a_one_percent_error():
    from shared.environments import tasks
    from shared.frame.gradcheck import check_gradients
    p = 6
    net = nf.PredictorBank(p + 1, [np.random.default_rng(0)], init_scale=1.0)
    codes = tasks.long_lag_sequences(np.random.default_rng(3), 1, p, "2b")

    def loss():
        y, _ = net.forward(codes[:, None, :-1])
        return 0.5 * float(np.sum((y[:, 0] - np.eye(p + 1)[codes[:, 1:]]) ** 2))

    _, change = net.change(codes)
    change["wi"][0, codes[0, 0]] *= 1.01
    assert check_gradients(loss, net.params, {k: -v for k, v in change.items()})["wi"] > 1e-3


def test_a_hand_wired_net_solves_2a_and_the_test_accepts_it():
    """Known answer: close every gate but y's, let the cell carry 'y was first' (s = 1 or 0), and
    wire the outputs: every symbol predicts its successor; a_(p-1) predicts y when s = 1, x when 0."""
    p = 20
    net = nf.PredictorBank(p + 1, [np.random.default_rng(0)])
    big = 12.0
    net.wi[:] = -big
    net.wi[0, p] = big
    net.wc[:] = big
    net.vc[:] = 0.0
    net.Vx[:] = -big
    for a, b in zip(nf.two_sequences(p)[0, :-2], nf.two_sequences(p)[0, 1:-1]):
        net.Vx[0, a, b] = big
    net.Vx[0, p - 1, 0] = big                          # x at the start predicts a_1
    net.Vx[0, :, p] = -3 * big                         # y's output: off at every step whatever s ...
    net.Vx[0, p - 2, p - 1], net.Vx[0, p - 2, p] = big, -big      # ... but the last: on iff s = 1; x's iff s = 0
    net.vc[0, p - 1], net.vc[0, p] = -2 * big, 2 * big
    worst, wrong = nf.passes(net, nf.two_sequences(p)[None], "2a")
    assert worst[0] < 0.01 and wrong[0] == 0
    test = nf.tasks.long_lag_sequences(np.random.default_rng(1), 500, p)[None]
    assert nf.passes(net, test, "2a")[1][0] == 0
    net.vc[0, p] = 0.0                                 # without the cell's reading the end fails
    assert nf.passes(net, nf.two_sequences(p)[None], "2a")[1][0] > 0


def test_a_seed_computes_the_same_in_any_bank():
    together = nf.train_predictor([0, 1, 2], "2b", p=8, budget=120)
    alone = nf.train_predictor([1], "2b", p=8, budget=120)
    assert together[1] == alone[0]


def test_2c_sequences_and_targets():
    codes, lengths, target = nf.make_2c(10, 20)(np.random.default_rng(0), 300)
    for row, n, t in zip(codes, lengths, target):
        assert row[0] == 11 and row[1] in (12, 13) and row[n - 1] == row[1] and row[n - 2] == 10
        assert np.all(row[n:] == -1) and n >= 24 and t[row[1] - 12] == 1.0 and t.sum() == 1.0
    assert abs(lengths.mean() - (20 + 4 + 9)) < 2.0


def test_2c_trains_and_tests_a_bank():
    rows = nf.train_2c([0, 1], 5, 5, budget=30)
    assert [r["seen"] for r in rows] == [30, 30] and not any(r["solved"] for r in rows)
    assert all(0 <= r["wrong"] <= 10_000 for r in rows)


def test_the_odyssnet_row_trains_on_the_lstms_sequences_and_judges_both_readings():
    rows = nf.train_odyssnet_2a([0, 1], p=4, budget=48)
    assert [r["seed"] for r in rows] == [0, 1] and all(r["seen"] == 48 for r in rows)
    for r in rows:
        assert set(nf.SEED_COLUMNS) <= set(r) and r["curve"][-1][0] == 48
        assert 0 <= r["test_wrong"] <= nf.RUN and not r["stream_solved"]        # 48 sequences: no run of 10,000
    learner = nf.odyssnet_2a(4, 0)                                 # seed 0's core starts from streams(0)["init"]
    assert learner.weights == nf.odyssnet_2a(4, 0).weights
    assert np.array_equal(learner.outputs(nf.two_sequences(4)[:, :-1]), nf.odyssnet_2a(4, 0).outputs(nf.two_sequences(4)[:, :-1]))


def test_a_hand_wired_odyssnet_learner_is_judged_solved_at_once():
    """The frozen reading is checked after each update: a learner that already answers every step
    within 0.25 is solved after its first batch, and its test has no wrong sequence."""
    class Perfect:
        def __init__(self, p):
            self.p = p

        def outputs(self, codes):
            nxt = np.concatenate([codes[:, 1:], np.where(codes[:, :1] == self.p - 1, self.p - 1, self.p)], axis=1)
            return np.eye(self.p + 1)[nxt] * 0.9 + 0.05
        learn = lambda self, codes, targets, weights: self.outputs(codes)   # noqa: E731

    original = nf.odyssnet_2a
    nf.odyssnet_2a = lambda p, seed: Perfect(p)
    try:
        row = nf.train_odyssnet_2a([3], p=6, budget=64)[0]
    finally:
        nf.odyssnet_2a = original
    assert row["solved"] and row["sequences"] == nf.ODYSSNET["batch"] and row["test_wrong"] == 0
    assert not row["stream_solved"]                                # 10,000 successive sequences were not seen


@pytest.mark.parametrize("task,model,p,q,name", [
    ("2a", "lstm", 100, 50, None), ("2b", "lstm", 100, 50, "2b"), ("bptt", "lstm", 100, 50, "bptt"),
    ("2c", "lstm", 50, 50, "2c"), ("2a", "odyssnet", 100, 50, "odyssnet"), ("2a", "odyssnet", 10, 50, "odyssnet_p10"),
    ("2a", "lstm", 10, 50, "2a_p10"), ("2c", "lstm", 100, 100, "2c_p100_q100"), ("2c", "odyssnet", 50, 50, "2c_odyssnet")])
def test_every_run_has_its_own_section(task, model, p, q, name):
    assert nf.section_name(task, model, p, q) == name


def test_the_odyssnet_row_on_2c_reads_the_lstms_sequences():
    rows = nf.train_odyssnet_2c([0, 1], 5, 5, budget=32, frozen_every=16, frozen_size=200)
    assert [r["seen"] for r in rows] == [32, 32] and all(len(r["frozen_wrong"]) == 2 for r in rows)
    assert all(0 <= r["wrong"] <= nf.RUN and not r["stream_solved"] for r in rows)


def test_the_model_flag_is_refused_outside_2a():
    with pytest.raises(SystemExit) as stop:
        nf.parse_args(["--task", "2b", "--model", "odyssnet"])
    assert stop.value.code == 2


# ----------------------------------------------------------------------------------------
# The verdict rule
# ----------------------------------------------------------------------------------------


def rows(n=18, solved=None, mean=5040.0, spread=0.3):
    solved = n if solved is None else solved
    return [{"seed": i, "solved": i < solved, "sequences": int(mean * (1 - spread + 2 * spread * i / n)) if i < solved
             else None} for i in range(n)]


def record(a=None, b=None, bptt=None, c=None, qp=(50, 50)):
    rec = {"seeds": {"per_seed": rows() if a is None else a}, "2b": {"seeds": {"per_seed": rows(mean=5680) if b is None
                                                                                else b}}}
    if bptt is not None:
        rec["bptt"] = {"seeds": {"per_seed": bptt}}
    if c is not None:
        rec["2c"] = {"headline": {"q": qp[0], "p": qp[1]}, "seeds": {"per_seed": c}}
    return rec


def holds(v):
    return [c["holds"] for c in v["claims"]]


def test_verdict_yes_when_every_claim_holds():
    v = nf.verdict(record(bptt=rows(solved=0), c=rows(20, mean=30_000)))
    assert v["value"] == "yes" and all(holds(v)) and len(v["claims"]) == 7


@pytest.mark.parametrize("rec,why", [({}, "headline"), ({"seeds": {"per_seed": rows()}}, "2b"),
                                     (record(a=rows(17)), "17 seeds"), (record(b=rows(12)), "12 seeds")])
def test_verdict_pending_without_the_sections_and_seeds(rec, why):
    v = nf.verdict(rec)
    assert v["value"] == "pending" and why in v["reason"]


@pytest.mark.parametrize("solved,ok", [(18, True), (17, True), (16, False)])
def test_2a_rate_on_both_sides(solved, ok):
    v = nf.verdict(record(a=rows(solved=solved)))
    assert v["claims"][0]["holds"] is ok
    assert v["value"] == ("yes" if solved == 18 else "partial" if ok else "no")


@pytest.mark.parametrize("solved,ok", [(17, True), (16, False)])
def test_2b_rate_on_both_sides(solved, ok):
    assert nf.verdict(record(b=rows(solved=solved, mean=5680)))["claims"][1]["holds"] is ok


@pytest.mark.parametrize("factor,ok", [(1.0, True), (1.6, True), (0.6, True), (2.6, False), (0.4, False)])
def test_2a_sequences_within_a_factor_2(factor, ok):
    v = nf.verdict(record(a=rows(mean=5040 * factor, spread=0.05)))
    assert v["claims"][2]["holds"] is ok and v["value"] == ("yes" if ok else "partial")


def test_2b_sequences_within_a_factor_2():
    assert nf.verdict(record(b=rows(mean=5680 * 1.5, spread=0.05)))["claims"][3]["holds"]
    assert not nf.verdict(record(b=rows(mean=5680 * 3, spread=0.05)))["claims"][3]["holds"]


@pytest.mark.parametrize("solved,ok", [(0, True), (1, True), (3, False)])
def test_bptt_fails_on_both_sides(solved, ok):
    v = nf.verdict(record(bptt=rows(solved=solved)))
    assert v["claims"][4]["holds"] is ok


def test_2c_claims_on_both_sides():
    v = nf.verdict(record(c=rows(20, mean=30_000 * 1.5, spread=0.05)))
    assert holds(v)[4:] == [True, True]
    v = nf.verdict(record(c=rows(20, solved=13, mean=30_000)))
    assert holds(v)[4:] == [False, False] and v["value"] == "partial"
    v = nf.verdict(record(c=rows(20, mean=30_000), qp=(40, 40)))
    assert holds(v)[5] is False and "no row" in v["claims"][5]["test"]
    assert len(nf.verdict(record(c=rows(9)))["claims"]) == 4              # fewer than 10 seeds: not judged
