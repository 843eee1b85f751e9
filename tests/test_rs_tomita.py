"""rs-tomita: the grammars, the fixed training strings, a hand-wired automaton the search must accept, the verdict."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script
from shared.search import guessing

rs = load_module(ROOT / "rs-tomita" / "rs_tomita.py")


# ---------------------------------------------------------------------------------------- the task


@pytest.mark.parametrize("grammar, inside, outside", [
    (1, ["1", "1111"], ["0", "110", "01"]),
    (2, ["10", "101010"], ["1", "01", "1010100", "1001"]),
    (3, ["000", "1100", "0110", "11100", "11000"], ["10", "1000", "1110", "0011010", "10110100"]),
    (4, ["1", "00", "1001001"], ["000", "10001", "0001"]),
    (5, ["00", "1010", "0110"], ["0", "1", "100"]),
    (6, ["10", "000", "111", "1100"], ["0", "1", "00"]),
    (7, ["0", "1", "0101", "0011", "011001"], ["1010", "01010", "10101", "1100110"]),
])
def test_the_grammars_on_known_strings(grammar, inside, outside):
    assert all(rs.accepts(grammar, s) for s in inside)
    assert not any(rs.accepts(grammar, s) for s in outside)


@pytest.mark.parametrize("grammar", range(1, 8))
def test_training_strings_are_the_drawn_ones_and_correctly_labelled(grammar):
    strings, target = rs.training_set(grammar)
    assert list(zip(strings, target.astype(bool))) == rs.draw_training_set(grammar)
    assert [rs.accepts(grammar, s) for s in strings] == target.astype(bool).tolist()
    assert len(set(strings)) == len(strings) and max(map(len, strings)) <= 10
    assert target.sum() == min(8, len([s for s in rs.all_strings(10) if rs.accepts(grammar, s)]))
    held, _ = rs.held_out_set(grammar)
    assert len(held) == 2 ** 13 - 2 - len(strings) and not set(held) & set(strings)


def test_encoding():
    x, n = rs.encode(["10", "011"])
    assert n.tolist() == [2, 3] and x[:, :, 0].tolist() == [[1.0, -1.0, 0.0], [-1.0, 1.0, 1.0]]


def hand_automaton_for_grammar_1() -> np.ndarray:
    """A1 with one hidden unit implements the DFA of 1*: the hidden unit is a clock (0 before the first step,
    1 after, bias 100); the output reads the first symbol (input weight 10) and afterwards stays on only while
    it was on and the symbol is 1 (self 20, clock -20)."""
    arch = guessing.a1(1)
    w = np.array([[0.0, -20.0], [0.0, 20.0]])
    u = np.array([[0.0, 10.0]])
    b = np.array([100.0, 0.0])
    return np.concatenate([w[arch.connections], u[arch.input_to], b[arch.biased]])


def test_a_hand_wired_automaton_passes_and_generalises():
    strings, target = rs.training_set(1)
    x, n = rs.encode(strings)
    arch = guessing.a1(1)
    correct = lambda ends, rows: np.abs(ends[..., 0] - target[rows]) < rs.TOLERANCE
    passed, cost = guessing.all_correct(arch, hand_automaton_for_grammar_1()[None, :], x, n, correct)
    assert passed[0] and cost[0] == len(strings)
    assert rs.held_out_scores(1, arch, hand_automaton_for_grammar_1())["balanced_accuracy"] == 1.0
    broken = hand_automaton_for_grammar_1()
    broken[1] = 0.0                                     # no clock: a 0 no longer switches the output off for good
    assert not guessing.all_correct(arch, broken[None, :], x, n, correct)[0][0]


def test_a_search_is_repeatable_and_its_net_passes():
    a = rs.guess_seed(1, "A1", 0, 20_000)
    b = rs.guess_seed(1, "A1", 0, 20_000)
    assert a == b and a["solved"]
    arch = rs.architecture("A1")
    strings, target = rs.training_set(1)
    x, n = rs.encode(strings)
    out = guessing.end_outputs(arch, np.array(a["weights"])[None, :], x, n)[0, :, 0]
    assert np.all(np.abs(out - target) < rs.TOLERANCE + 1e-3)      # weights rounded to 4 decimals


@pytest.mark.parametrize("argv", [["--n-seeds", "0"], ["--max-trials", "0"], ["--task", "nope"],
                                  ["--model", "odyssnet", "--task", "hard"], ["--epochs", "5"],
                                  ["--max-trials", "100000000"]])
def test_bad_arguments_exit_2(argv):
    with pytest.raises(SystemExit) as info:
        rs.parse_args(argv)
    assert info.value.code == 2


def test_quick_command_line(tmp_path):
    done = run_script(ROOT / "rs-tomita" / "rs_tomita.py", "--quick", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "== verdict" in done.stdout


# ---------------------------------------------------------------------------------------- the verdict


def rows_for(grammars, archs, n, solved, trials, seed=0):
    """n searches per (grammar, arch); ``solved(g, a)`` of them solve, trials spread around ``trials(g, a)``."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in grammars:
        for a in archs:
            spread = np.exp(rng.normal(0, 0.5, n))
            rows += [{"grammar": g, "arch": a, "seed": s, "solved": s < solved(g, a),
                      "trials": int(trials(g, a) * spread[s])} for s in range(n)]
    return rows


def record(n=10, solved=lambda g, a: 10, trials=lambda g, a: rs.SEED_FIGURES[g][rs.ARCHS.index(a)],
           hard_solved=lambda g, a: 0, hard_n=10):
    return {"seeds": {"per_seed": rows_for((1, 2, 4), rs.ARCHS, n, solved, trials), "summary": {}},
            "hard": {"seeds": {"per_seed": rows_for((3, 5, 6, 7), rs.ARCHS, hard_n, hard_solved,
                                                    lambda g, a: 200_000), "summary": {}}, "command": "x"}}


def claims(v):
    return {c["claim"]: c["holds"] for c in v["claims"]}


def test_verdict_yes_when_every_claim_holds():
    v = rs.verdict(record())
    assert v["value"] == "yes" and len(v["claims"]) == 9, v


def test_verdict_pending():
    assert rs.verdict({})["value"] == "pending"
    assert rs.verdict(record(n=9))["value"] == "pending"
    assert rs.verdict(record(hard_n=9))["value"] == "pending"
    r = record()
    del r["hard"]
    assert rs.verdict(r)["value"] == "pending"


def test_claim_1_solve_rate_both_sides():
    name = "RG trains A1 on Tomita #1, #2, #4"
    ok = rs.verdict(record(solved=lambda g, a: 10 if g != 4 or a != "A1" else 9))     # 29/30 vs 0.8: p = 0.01
    no = rs.verdict(record(solved=lambda g, a: 10 if g != 4 or a != "A1" else 7))     # 27/30: p = 0.12
    assert claims(ok)[name] and not claims(no)[name] and no["value"] == "no"


def test_claim_2_is_not_primary():
    name = "RG trains A2 on Tomita #1, #2, #4"
    v = rs.verdict(record(solved=lambda g, a: 10 if g != 4 or a != "A2" else 0))
    assert not claims(v)[name] and claims(v)["RG trains A1 on Tomita #1, #2, #4"] and v["value"] == "partial"


def test_trial_claims_both_sides():
    name = "#4 on A1: ~13,833 trials (seed's figure, read as A1)"
    near = rs.verdict(record(trials=lambda g, a: rs.SEED_FIGURES[g][rs.ARCHS.index(a)] * (3 if g == 4 else 1)))
    far = rs.verdict(record(trials=lambda g, a: rs.SEED_FIGURES[g][rs.ARCHS.index(a)] * (30 if g == 4 else 1)))
    assert claims(near)[name] and not claims(far)[name] and far["value"] == "partial"
    low = rs.verdict(record(trials=lambda g, a: rs.SEED_FIGURES[g][rs.ARCHS.index(a)] / (30 if g == 4 else 1)))
    assert not claims(low)[name]
    none = rs.verdict(record(solved=lambda g, a: 1 if g == 4 and a == "A2" else 10))
    assert not claims(none)["#4 on A2: ~35,610 trials (seed's figure, read as A2)"]


def test_choke_claim_both_sides():
    name = "RG chokes on #5-#7"
    assert claims(rs.verdict(record(hard_solved=lambda g, a: 3)))[name]          # 18/60 solved: p ~ 0.001
    assert not claims(rs.verdict(record(hard_solved=lambda g, a: 5)))[name]      # 30/60
    assert claims(rs.verdict(record(hard_solved=lambda g, a: 10 if g == 3 else 0)))[name]    # #3 is not in it


def test_verdict_reads_a_json_round_trip():
    r = record()
    assert rs.verdict(json.loads(json.dumps(r))) == json.loads(json.dumps(rs.verdict(copy.deepcopy(r))))
