"""rs-two-sequence: the papers' tasks and nets, hand-wired latches the searches must accept, the verdict rule."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script
from shared.search import guessing

rs = load_module(ROOT / "rs-two-sequence" / "rs_two_sequence.py")


# ---------------------------------------------------------------------------------------- the tasks


def test_sequences_follow_the_papers_setup():
    x, n, cls = rs.sequences(np.random.default_rng(0), 100)
    assert x.shape == (100, 600, 1) and n.min() >= 500 and n.max() <= 600
    assert cls.sum() == 50                                       # 50 of each class
    np.testing.assert_array_equal(x[:, 0, 0], np.where(cls == 1, 1.0, -1.0))
    assert abs(x[:, 1:, 0].var() - 0.2) < 0.01                   # noise variance 0.2
    assert rs.guessing.a1(1).size == 8                             # A1, n = 1: 2x2 recurrent, 2 input, 2 bias weights


def hand_latch_a1() -> np.ndarray:
    """A1 with one hidden unit: the hidden unit is a clock (0 before the first step, 1 after, from its bias); the
    output latches the first input (input weight 30) and, once the clock is on, holds itself (self 140, clock
    -70), so noise up to +-2.3 cannot flip it. A single logistic unit cannot do this: the first input and the
    later noise reach it through the same weight."""
    arch = guessing.a1(1)
    w = np.zeros((arch.units, arch.units))
    w[0, 1], w[1, 1] = -70.0, 140.0         # clock -> output, output -> output
    u = np.array([[0.0, 30.0]])              # the input reaches the output only
    b = np.array([50.0, 0.0])
    return np.concatenate([w[arch.connections], u[arch.input_to], b[arch.biased]])


def test_a_hand_wired_latch_solves_the_two_sequence_problem():
    data = rs.sequences(np.random.default_rng(1), 100)
    _, score, _ = rs.task_setup("two-sequence", data)
    passed, cost = score(hand_latch_a1()[None, :])
    assert passed[0] and cost[0] == 100
    assert rs.test_accuracy("two-sequence", hand_latch_a1(), data) == 1.0
    passed, _ = score(-hand_latch_a1()[None, :])
    assert not passed[0]


def test_latch_one_accepts_a_latching_unit_and_refuses_a_decaying_one():
    data = rs.sequences(np.random.default_rng(2), 100)
    _, score, _ = rs.task_setup("latch1", data)
    passed, _ = score(np.array([[50.0, -5.0, 5.0], [0.5, -5.0, 5.0], [50.0, 5.0, -5.0]]))
    assert passed.tolist() == [True, False, False]


def test_latch_one_by_hand():
    """h(t) = tanh(w h(t-1) + x(t)) with the guessed first input, computed step by step."""
    x, n, cls = rs.sequences(np.random.default_rng(3), 4, lengths=(5, 8))
    w = np.array([[1.3, -0.7, 0.9]])
    got = rs.latch1_ends(w, x, n, cls)[0]
    for k in range(4):
        h = 0.0
        for t in range(n[k]):
            h = np.tanh(1.3 * h + ((0.9 if cls[k] else -0.7) if t == 0 else x[k, t, 0]))
        assert got[k] == pytest.approx(h)


def test_latch_two_accepts_a_saturated_latch():
    data = rs.sequences(np.random.default_rng(4), 100)
    _, score, _ = rs.task_setup("latch2", data)
    passed, _ = score(np.array([[60.0, 20.0, 0.0], [60.0, -20.0, 0.0], [0.5, 20.0, 0.0]]))   # self, input, bias
    assert passed.tolist() == [True, False, False]


def test_guess_seed_counts_and_tests():
    row = rs.guess_seed("latch2", 0, 5000, lengths=(20, 24))
    assert row["solved"] and row["trials"] >= 1 and row["test_accuracy"] is not None
    again = rs.guess_seed("latch2", 0, 5000, lengths=(20, 24))
    assert again == row


@pytest.mark.parametrize("argv", [["--max-trials", "0"], ["--n-seeds", "5", "--record"],
                                  ["--task", "latch1", "--n-seeds", "30", "--record"],
                                  ["--model", "odyssnet", "--task", "latch1"], ["--epochs", "3"]])
def test_bad_arguments_exit_2(argv):
    with pytest.raises(SystemExit) as info:
        rs.parse_args(argv)
    assert info.value.code == 2


def test_quick_command_line(tmp_path):
    done = run_script(ROOT / "rs-two-sequence" / "rs_two_sequence.py", "--quick", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "== verdict" in done.stdout


# ---------------------------------------------------------------------------------------- the verdict


def record(solved=30, n=30, trials=700, latch1=(6,) * 40, latch2=(22,) * 40):
    rng = np.random.default_rng(0)
    spread = np.exp(rng.normal(0, 0.5, n))
    rows = [{"seed": s, "solved": s < solved, "trials": int(trials * spread[s])} for s in range(n)]
    section = lambda values: {"seeds": {"per_seed": [{"seed": s, "solved": True, "trials": v}
                                                     for s, v in enumerate(values)], "summary": {}}, "command": "x"}
    return {"seeds": {"per_seed": rows, "summary": {}}, "latch1": section(list(latch1)),
            "latch2": section(list(latch2))}


def spread(mean, n=40, seed=1):
    """n trial counts with the given mean (a geometric-like spread)."""
    v = np.random.default_rng(seed).geometric(1 / mean, n).astype(float)
    return np.maximum(1, np.round(v * mean / v.mean())).astype(int).tolist()


def claims(v):
    return {c["claim"]: c["holds"] for c in v["claims"]}


def test_verdict_yes_when_every_claim_holds():
    v = rs.verdict(record(latch1=spread(6), latch2=spread(22)))
    assert v["value"] == "yes" and len(v["claims"]) == 4, v


def test_verdict_pending():
    assert rs.verdict({})["value"] == "pending"
    assert rs.verdict(record(n=29, solved=29))["value"] == "pending"
    assert rs.verdict(record(latch1=(6,) * 39))["value"] == "pending"
    r = record()
    del r["latch2"]
    assert rs.verdict(r)["value"] == "pending"


def test_claim_1_solve_rate_both_sides():
    name = "RG solves the 2-sequence problem (lengths 500-600)"
    ok = rs.verdict(record(solved=29, latch1=spread(6), latch2=spread(22)))    # 29/30 vs 0.85: p = 0.048
    no = rs.verdict(record(solved=28, latch1=spread(6), latch2=spread(22)))    # p = 0.18
    assert claims(ok)[name] and not claims(no)[name] and no["value"] == "no"


def test_claim_2_latch_one_both_sides():
    name = "latch I: 6 trials on average"
    assert claims(rs.verdict(record(latch1=spread(8), latch2=spread(22))))[name]
    v = rs.verdict(record(latch1=spread(20), latch2=spread(22)))
    assert not claims(v)[name] and v["value"] == "no"
    assert not claims(rs.verdict(record(latch1=spread(1.5), latch2=spread(22))))[name]


def test_claim_3_latch_two_both_sides():
    name = "latch II: 22 trials on average"
    assert claims(rs.verdict(record(latch1=spread(6), latch2=spread(30))))[name]
    v = rs.verdict(record(latch1=spread(6), latch2=spread(150)))
    assert not claims(v)[name] and v["value"] == "partial"


def test_claim_4_seed_figure_both_sides():
    name = "2-sequence: ~718 trials (the seed's figure)"
    assert claims(rs.verdict(record(trials=1500, latch1=spread(6), latch2=spread(22))))[name]
    v = rs.verdict(record(trials=10000, latch1=spread(6), latch2=spread(22)))
    assert not claims(v)[name] and v["value"] == "partial"
    assert not claims(rs.verdict(record(solved=1, latch1=spread(6), latch2=spread(22))))[name]


def test_verdict_reads_a_json_round_trip():
    r = record(latch1=spread(6), latch2=spread(22))
    assert rs.verdict(json.loads(json.dumps(r))) == json.loads(json.dumps(rs.verdict(copy.deepcopy(r))))


# ---------------------------------------------------------------------------------------- BPTT on A1


def test_bptt_gradient_matches_central_differences():
    from shared.frame.gradcheck import check_gradients
    x, n, cls = rs.sequences(np.random.default_rng(5), 6, lengths=(4, 9))
    params = {"w": np.random.default_rng(6).uniform(-2, 2, 8)}
    target = cls.astype(float)
    _, grad, _ = rs.a1_loss(params["w"], x, n, target)
    errors = check_gradients(lambda: rs.a1_loss(params["w"], x, n, target)[0], params, {"w": grad})
    assert errors["w"] < 1e-6, errors
    broken = grad.copy()
    broken[0] *= 1.1
    assert check_gradients(lambda: rs.a1_loss(params["w"], x, n, target)[0], params, {"w": broken})["w"] > 1e-3


def test_bptt_forward_is_the_search_net():
    data = rs.sequences(np.random.default_rng(7), 10, lengths=(30, 40))
    w = np.random.default_rng(8).uniform(-5, 5, 8)
    _, _, ends = rs.a1_loss(w, data[0], data[1], data[2].astype(float))
    np.testing.assert_allclose(ends, rs.end_values("two-sequence", w, data), atol=1e-12)
