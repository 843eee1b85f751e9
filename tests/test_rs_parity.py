"""rs-parity: the parity sequences, the layered update, a hand-wired parity net the search must accept (and the
synchronous update must not), BPTT's backward, the verdict rule."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script
from shared.search import guessing

rs = load_module(ROOT / "rs-parity" / "rs_parity.py")


# ---------------------------------------------------------------------------------------- the task and nets


def test_sequences_follow_the_papers_setup():
    x, n, cls = rs.sequences(np.random.default_rng(0), 100)
    assert x.shape == (100, 600, 1) and n.min() >= 500 and n.max() <= 600 and cls.sum() == 50
    for k in range(100):
        bits = x[k, :n[k], 0]
        assert set(np.unique(bits)) <= {-1.0, 1.0}
        assert (bits > 0).sum() % 2 == cls[k]                        # target 1 = odd number of 1's
    assert abs(np.mean(x[:, :500, 0] > 0) - 0.5) < 0.01
    noisy, n2, cls2 = rs.sequences(np.random.default_rng(0), 100, noise=0.2)
    np.testing.assert_array_equal(n2, n)
    assert np.abs(noisy - x).max() <= 0.2 and np.abs(noisy - x).max() > 0.19


def test_the_papers_nets():
    assert rs.net("a2-self").size == 52 and rs.net("a2-noself").size == 42 and rs.net("a1").size == 7
    c = rs.net("a2-noself").connections
    assert not c.diagonal().any() and c[10, :10].all() and c[:10, 10].all()
    assert rs.net("a2-self").connections.diagonal()[:10].all() and not rs.net("a2-self").connections[10, 10]
    assert not rs.net("a1").biased[-1] and rs.net("a1").biased[0]


def hand_parity_a2() -> np.ndarray:
    """A2 without self-connections wired as o(t) = XOR(x(t) = 1, o(t-1)): with a = (x + 1) / 2, hidden unit 0 is
    AND (a + o > 1.5), hidden unit 1 is OR (a + o > 0.5), the output is OR and not AND; the other 8 hidden units
    are silent (weights 0)."""
    arch = rs.net("a2-noself")
    k = 20.0
    w = np.zeros((11, 11))
    u = np.zeros((1, 11))
    b = np.zeros(11)
    w[10, 0], u[0, 0], b[0] = k, k / 2, -k              # AND: k (a + o - 1.5) = k (x / 2 + o - 1)
    w[10, 1], u[0, 1], b[1] = k, k / 2, 0.0             # OR:  k (a + o - 0.5) = k (x / 2 + o)
    w[1, 10], w[0, 10], b[10] = k, -k, -k / 2           # output: k (OR - AND - 0.5)
    return np.concatenate([w[arch.connections], u[arch.input_to], b[arch.biased]])


def test_a_hand_wired_parity_net_is_accepted_and_generalises():
    arch = rs.net("a2-noself")
    data = rs.sequences(np.random.default_rng(3), 100)
    passed, cost = rs.all_correct(arch, hand_parity_a2()[None, :], data)
    assert passed[0] and cost[0] == 100
    flipped = hand_parity_a2().copy()
    flipped[-1] += 20.0                                 # output bias off: it stops computing XOR
    passed, _ = rs.all_correct(arch, flipped[None, :], data)
    assert not passed[0]


def test_the_synchronous_update_cannot_use_it():
    """Updated synchronously the same net reads its hidden units one step late and fails; the synchronous path is
    shared.search.guessing.end_outputs."""
    arch = rs.net("a2-noself")
    data = rs.sequences(np.random.default_rng(4), 100)
    passed, _ = rs.all_correct(arch, hand_parity_a2()[None, :], data, update="synchronous")
    assert not passed[0]
    wts = np.random.default_rng(5).uniform(-5, 5, (3, arch.size))
    x, n, _ = rs.sequences(np.random.default_rng(6), 4, lengths=(10, 14))
    np.testing.assert_array_equal(rs.end_values(arch, wts, x, n, "synchronous"),
                                  guessing.end_outputs(arch, wts, x, n)[..., 0])


def test_staged_scoring_charges_sequences_to_the_first_mistake():
    arch = rs.net("a2-noself")
    data = rs.sequences(np.random.default_rng(7), 40, lengths=(20, 24))
    wts = np.concatenate([hand_parity_a2()[None, :], np.random.default_rng(8).uniform(-100, 100, (50, arch.size))])
    passed, cost = rs.all_correct(arch, wts, data)
    ends = rs.end_values(arch, wts, data[0], data[1])
    ok = np.abs(ends - data[2]) < 0.1
    np.testing.assert_array_equal(passed, ok.all(axis=1))
    np.testing.assert_array_equal(cost, np.where(ok.all(axis=1), 40, np.argmax(~ok, axis=1) + 1))


def test_guess_seed_is_reproducible_and_solves_short_parity():
    row = rs.guess_seed("headline", 0, 5000, lengths=(20, 24))
    assert row["solved"] and row["trials"] >= 1 and row["test_accuracy"] == 1.0
    assert rs.guess_seed("headline", 0, 5000, lengths=(20, 24)) == row


@pytest.mark.parametrize("argv", [["--max-trials", "0"], ["--n-seeds", "5", "--record"],
                                  ["--task", "a2-self", "--n-seeds", "29", "--record"],
                                  ["--model", "bptt", "--task", "a1"], ["--epochs", "3"],
                                  ["--task", "nonsense"]])
def test_bad_arguments_exit_2(argv):
    with pytest.raises(SystemExit) as info:
        rs.parse_args(argv)
    assert info.value.code == 2


def test_quick_command_line(tmp_path):
    done = run_script(ROOT / "rs-parity" / "rs_parity.py", "--quick", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "== verdict" in done.stdout


# ---------------------------------------------------------------------------------------- BPTT


def test_bptt_gradient_matches_central_differences():
    from shared.frame.gradcheck import check_gradients
    arch = rs.net("a2-noself")
    x, n, cls = rs.sequences(np.random.default_rng(9), 6, lengths=(4, 9))
    params = {"w": np.random.default_rng(10).uniform(-2, 2, arch.size)}
    target = cls.astype(float)
    _, grad, _ = rs.bptt_loss(arch, params["w"], x, n, target)
    errors = check_gradients(lambda: rs.bptt_loss(arch, params["w"], x, n, target)[0], params, {"w": grad})
    assert errors["w"] < 1e-6, errors
    broken = grad.copy()
    broken[3] *= 1.1
    assert check_gradients(lambda: rs.bptt_loss(arch, params["w"], x, n, target)[0], params, {"w": broken})["w"] > 1e-3


def test_bptt_forward_is_the_search_net():
    arch = rs.net("a2-noself")
    x, n, cls = rs.sequences(np.random.default_rng(11), 10, lengths=(30, 40))
    w = np.random.default_rng(12).uniform(-5, 5, arch.size)
    _, _, ends = rs.bptt_loss(arch, w, x, n, cls.astype(float))
    np.testing.assert_allclose(ends, rs.end_values(arch, w[None, :], x, n)[0], atol=1e-12)


# ---------------------------------------------------------------------------------------- the verdict


def spread(mean, n, seed=1):
    """n trial counts with the given mean (a geometric spread, rescaled to the mean)."""
    v = np.random.default_rng(seed).geometric(1 / mean, n).astype(float)
    return np.maximum(1, np.round(v * mean / v.mean())).astype(int).tolist()


def record(headline=None, a2_self=None, a1=None, noisy=None, solved=100):
    headline = spread(250, 100) if headline is None else headline
    a2_self = spread(2797, 30, seed=2) if a2_self is None else a2_self
    a1 = spread(2906, 30, seed=3) if a1 is None else a1
    noisy = spread(41400, 20, seed=4) if noisy is None else noisy
    section = lambda values: {"seeds": {"per_seed": [{"seed": s, "solved": True, "trials": v}
                                                     for s, v in enumerate(values)], "summary": {}}, "command": "x"}
    return {"seeds": {"per_seed": [{"seed": s, "solved": s < solved, "trials": v} for s, v in enumerate(headline)],
                      "summary": {}},
            "a2-self": section(a2_self), "a1": section(a1), "a1-noisy": section(noisy)}


def claims(v):
    return {c["claim"]: c["holds"] for c in v["claims"]}


def test_verdict_yes_when_every_claim_holds():
    v = rs.verdict(record())
    assert v["value"] == "yes" and len(v["claims"]) == 6, v


def test_verdict_pending():
    assert rs.verdict({})["value"] == "pending"
    assert rs.verdict(record(headline=spread(250, 99)))["value"] == "pending"
    assert rs.verdict(record(a2_self=spread(2797, 29)))["value"] == "pending"
    assert rs.verdict(record(noisy=spread(41400, 19)))["value"] == "pending"
    r = record()
    del r["a1"]
    assert rs.verdict(r)["value"] == "pending"


def test_claim_1_solve_rate_both_sides():
    name = "RG solves no-noise parity (lengths 500-600), A2 without self-connections"
    ok = rs.verdict(record(solved=92))      # 92/100 against 0.85: p = 0.027
    no = rs.verdict(record(solved=91))      # p = 0.055
    assert claims(ok)[name] and not claims(no)[name] and no["value"] == "no"


def test_claim_2_headline_mean_both_sides():
    name = "A2 without self-connections: 250 trials on average"
    assert claims(rs.verdict(record(headline=spread(280, 100))))[name]
    v = rs.verdict(record(headline=spread(500, 100)))
    assert not claims(v)[name] and v["value"] == "no"
    assert not claims(rs.verdict(record(headline=spread(120, 100))))[name]


@pytest.mark.parametrize("key,name,paper", [("a2_self", "A2: 2797 trials", 2797),
                                            ("a1", "A1 (n = 1): 2906 trials on average", 2906),
                                            ("noisy", "noisy inputs, A1: 41400 trials on average", 41400)])
def test_secondary_means_both_sides(key, name, paper):
    n = 20 if key == "noisy" else 30
    near = rs.verdict(record(**{key: spread(paper * 1.15, n, seed=5)}))
    far = rs.verdict(record(**{key: spread(paper * 4, n, seed=5)}))
    low = rs.verdict(record(**{key: spread(paper / 4, n, seed=5)}))
    assert claims(near)[name] and not claims(far)[name] and not claims(low)[name]
    assert far["value"] == "partial"


def test_claim_6_self_connections_both_sides():
    name = "removing the self-connections makes RG faster (2797 -> 250)"
    assert claims(rs.verdict(record()))[name]
    v = rs.verdict(record(headline=spread(250, 100), a2_self=spread(400, 30, seed=2)))
    assert not claims(v)[name] and v["value"] == "partial"


def test_verdict_reads_a_json_round_trip():
    r = record()
    assert rs.verdict(json.loads(json.dumps(r))) == json.loads(json.dumps(rs.verdict(copy.deepcopy(r))))
