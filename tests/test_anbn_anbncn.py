"""anbn-anbncn: the strings and their legal next symbols, acceptance, the generalisation search, the
bank's independence of its companions, a hand-wired counter the test must accept, and the verdict
rule on both sides of its thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, load_module

ab = load_module(ROOT / "anbn-anbncn" / "anbn_anbncn.py")


def test_the_strings_and_their_legal_next_symbols():
    assert ab.legal_sets("anbn", 3) == ["a", "ab", "ab", "ab", "b", "b", "T"]
    assert ab.legal_sets("anbncn", 2) == ["a", "ab", "ab", "b", "c", "c", "T"]
    assert ab.legal_sets("anbncn", 1) == ["a", "ab", "c", "T"]
    codes, targets, weights = ab.strings("anbn", [1, 3])
    assert codes.tolist() == [[0, 1, 2, -1, -1, -1, -1], [0, 1, 1, 1, 2, 2, 2]]
    assert weights.sum(axis=1).tolist() == [3, 7]
    assert targets[0, 3:].sum() == 0
    with pytest.raises(ValueError):
        ab.strings("anbn", [0])


def test_a_string_is_accepted_only_when_every_step_is_exactly_the_legal_set():
    _, targets, weights = ab.strings("anbncn", [2])
    good = np.where(targets > 0, 0.9, 0.1)
    assert ab.accepted(good[0], targets[0], weights[0])
    for t in range(7):
        for o in range(4):
            bad = good.copy()
            bad[0, t, o] = 1.0 - bad[0, t, o]
            assert not ab.accepted(bad[0], targets[0], weights[0])


def test_generalisation_is_the_longest_unbroken_run_of_accepted_n():
    limits = [0, 7, 63, 1000, 1000]
    beyond = [None, None, None, 2000, 10000]

    def accepts(rows, ns):
        out = []
        for r in rows:
            if ns[0] > ab.N_TEST:
                out.append([n <= (beyond[r] or 0) for n in ns])
            else:
                out.append([n <= limits[r] for n in ns])
        return np.array(out)
    got = ab.generalisation(accepts, 5)
    assert [g["generalisation"] for g in got] == limits
    assert [g["first_rejected"] for g in got] == [1, 8, 64, None, None]
    assert [g["beyond"] for g in got] == beyond


def hand_wired(language: str) -> dict:
    """A counter built by hand in the paper net's format: cell 1 adds a step on every a and takes it
    off on every b; for a^n b^n c^n cell 2 adds on b and takes off on c. Gates wide open, no
    peepholes; the output units read the cells' counts and the current input (the shortcut)."""
    net = ab.paper_net(language, [0])
    k = ab.LANGUAGES[language]
    c = net.cells
    W = np.zeros_like(net.W[0])
    V = np.zeros_like(net.V[0])
    for kind in ("input", "forget", "output"):
        W[-1, net.rows[kind]] = 20.0                     # every gate open, forget gates keeping
    step = 0.05
    up = 2 * np.arctanh(step / 2)                        # g(up) = 2 tanh(up / 2) = step
    W[1, 0], W[2, 0] = up, -up                           # cell 1: +step on a, -step on b
    if k == 3:
        W[2, 1], W[3, 1] = up, -up                       # cell 2: +step on b, -step on c
    one = np.tanh(step / 2)                              # h(step): a cell's output at a count of 1
    count = 60.0 / one                                   # a count of 1 adds 60 to an output's net input
    x = c                                                # V's rows: cells, inputs S a b [c], bias
    V[-1] = -30.0
    V[x + 0, 0] = V[x + 1, 0] = 60.0                     # a: after S or a
    V[x + 1, 1] = 60.0                                   # b: after a ...
    V[0, 1], V[x + 2, 1] = count, -15.0                  # ... or after a b while cell 1 counts >= 1
    if k == 2:
        V[x + 2, 2], V[0, 2] = 45.0, -count             # T: after a b when cell 1 is back at 0
    else:
        V[x + 2, 2], V[0, 2] = 45.0, -(count + 100.0) / one     # c: after a b when cell 1 is at 0 (it outweighs cell 2)
        V[1, 2], V[x + 3, 2] = count, -15.0              # ... or after a c while cell 2 counts >= 1
        V[x + 3, 3], V[1, 3] = 45.0, -count              # T: after a c when cell 2 is back at 0
    return {"W": W, "V": V, "peep": np.zeros_like(net.peep[0])}


@pytest.mark.parametrize("language", ["anbn", "anbncn"])
def test_a_hand_wired_counter_is_accepted_far_beyond_the_training_range(language):
    params = hand_wired(language)
    for n in (1, 2, 10, 37):
        assert ab.run_string(params, language, n)["accepted"], n
    net = ab.paper_net(language, [0, 1])
    net.W[1], net.V[1], net.peep[1] = params["W"], params["V"], params["peep"]
    got = ab.generalisation(ab.lstm_accepts(net, language), 2, n_max=60, grid=())
    assert got[0]["generalisation"] == 0 and got[1]["generalisation"] == 60


def test_a_trial_computes_the_same_in_any_bank():
    together = ab.train_bank(("anbn", [0, 1, 2], 1e-3, 0.99, 600, 15, ()))
    alone = ab.train_bank(("anbn", [1], 1e-3, 0.99, 600, 15, ()))
    for key in ("curve", "params", "generalisation", "sequences"):
        assert together[1][key] == alone[0][key]


def test_the_comparisons_train_and_test_on_the_same_strings():
    for model in ("rnn", "odyssnet"):
        row = ab.train_learner((model, "anbncn", [0], 64, 12, ()))[0]
        assert row["seen"] == 64 and row["curve"][-1][0] == 64 and 0 <= row["generalisation"] <= 12


# ----------------------------------------------------------------------------------------
# The verdict rule
# ----------------------------------------------------------------------------------------


def rows(model, lang, Ns):
    return [{"model": model, "language": lang, "seed": s, "generalisation": n} for s, n in enumerate(Ns)]


def record(anbn=(60,) * 10, anbncn=(30,) * 10, rnn_anbn=(5,) * 10, rnn_anbncn=(3,) * 10, with_rnn=True):
    rec = {"seeds": {"per_seed": rows("lstm", "anbn", anbn) + rows("lstm", "anbncn", anbncn)}}
    if with_rnn:
        rec["rnn"] = {"command": "x", "seeds": {"per_seed": rows("rnn", "anbn", rnn_anbn)
                                                + rows("rnn", "anbncn", rnn_anbncn)}}
    return rec


def test_the_verdict_reads_the_recorded_columns():
    assert {"language", "seed", "generalisation"} <= set(ab.SEED_COLUMNS)


def test_the_verdict_is_yes_when_every_claim_holds():
    v = ab.verdict(record(anbn=(60, 300, 1000, 25, 20, 44, 1000, 80, 21, 90),
                          rnn_anbn=(5, 11, 3, 0, 9, 4, 12, 2, 6, 1)))
    assert v["value"] == "yes", v["reason"]


def test_the_learning_threshold_is_twice_the_training_range():
    six = (20,) * 6 + (19,) * 4            # 6/10 at exactly 20: p = 0.0064, holds
    four = (20,) * 4 + (19,) * 6            # 4/10: p = 0.12, fails
    assert ab.verdict(record(anbn=six))["value"] == "yes"
    v = ab.verdict(record(anbn=four))
    assert v["value"] == "no" and "a^n b^n (" in v["reason"]
    assert ab.verdict(record(anbncn=(19,) * 10))["value"] == "no"


def test_the_verdict_is_partial_when_the_rnn_does_as_well():
    v = ab.verdict(record(rnn_anbncn=(30,) * 10))
    assert v["value"] == "partial" and "RNN on a^n b^n c^n" in v["reason"]
    v = ab.verdict(record(rnn_anbn=(70, 50, 70, 50, 70, 50, 70, 50, 70, 50)))
    assert v["value"] == "partial"


def test_the_verdict_is_pending_without_enough_seeds_or_without_the_rnn():
    assert ab.verdict(record(anbn=(60,) * 9))["value"] == "pending"
    assert ab.verdict(record(with_rnn=False))["value"] == "pending"
    assert ab.verdict(record(rnn_anbn=(5,) * 9))["value"] == "pending"
    assert ab.verdict({})["value"] == "pending"
