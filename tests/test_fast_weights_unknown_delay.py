"""fast-weights-unknown-delay: the paper's flip-flop stream, the forward-in-time gradients (eq. 4,
FROM/TO eq. 5, the gate and unsquashed ablations), the known answers, the stored-pattern episodes and
their backward through the sum-rule writes, and the verdict rule on both sides."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script
from shared.frame.gradcheck import check_gradients

fw = load_module(ROOT / "fast-weights-unknown-delay" / "fast_weights_unknown_delay.py")
SCRIPT = ROOT / "fast-weights-unknown-delay" / "fast_weights_unknown_delay.py"


# ----------------------------------------------------------------------------------------
# The paper's flip-flop (Sec. 3.1)
# ----------------------------------------------------------------------------------------


def test_target_is_the_first_b_after_an_a():
    stream = fw.test_stream(5000)
    events, d = stream["event"], stream["d"][:, 0]
    assert np.all(stream["x"].sum(axis=1) == 1)                              # one event, one-hot
    assert all(abs(np.mean(events == e) - 1 / 3) < 0.03 for e in range(3))
    armed = False
    for e, target in zip(events, d):
        assert target == float(armed and e == fw.B)
        armed = True if e == fw.A else (False if e == fw.B else armed)
    assert d.sum() > 500


def test_a_stream_does_not_depend_on_its_length():
    a, b = fw.EventStream([4], 1), fw.EventStream([4], 1)
    short = [a.step()[2] for _ in range(600)]
    long = [b.step()[2] for _ in range(1300)]
    assert np.array_equal(np.concatenate(short), np.concatenate(long[:600]))


@pytest.mark.parametrize("name, iface", fw.INTERFACES)
def test_forward_sensitivities_match_central_differences(name, iface):
    stream = fw.test_stream(40)
    theta = np.random.default_rng(3).uniform(-0.6, 0.6, fw.n_params(iface))
    params = {"theta": theta}
    _, grad = fw.stream_error(theta, stream, iface)
    assert np.abs(grad).max() > 1e-4                                          # not a vacuous check
    errors = check_gradients(lambda: fw.stream_error(params["theta"], stream, iface)[0], params, {"theta": grad})
    assert errors["theta"] < 1e-6


@pytest.mark.parametrize("iface", [fw.DIRECT, fw.FROMTO])
def test_hand_wired_slow_net_solves_the_flip_flop(iface):
    stream = fw.test_stream(3000)
    assert fw.frozen_accuracy(fw.hand_wired(iface)[None], stream, iface)[0] == 1.0
    assert fw.frozen_accuracy(np.zeros((1, fw.n_params(iface))), stream, iface)[0] < 0.9


def test_without_eq7_the_hand_wired_net_fails():
    stream = fw.test_stream(3000)
    assert fw.frozen_accuracy(fw.hand_wired(fw.DIRECT)[None], stream, replace(fw.DIRECT, squash=False))[0] < 0.9


def test_online_learning_solves_the_flip_flop_on_some_seeds():
    out = fw.online(list(range(6)), fw.DIRECT, 1500)
    assert np.sum(out["solve_step"] > 0) >= 2
    again = fw.online(list(range(6)), fw.DIRECT, 1500)
    assert np.array_equal(out["solve_step"], again["solve_step"])            # same seeds, same numbers


# ----------------------------------------------------------------------------------------
# Stored patterns (ours)
# ----------------------------------------------------------------------------------------


def test_recall_episodes_structure():
    task = fw.RecallTask(p=8, stored=3, d_min=2, d_max=6)
    data = fw.recall_episodes(np.random.default_rng(0), task, 50)
    x, mask, target = data["x"], data["mask"], data["target"]
    assert np.all(mask.sum(axis=1) == 3)
    for b in range(50):
        K = data["K"][b]
        assert 2 <= K <= 6
        assert np.all(x[b, :3, 8] == 1) and np.all(x[b, 3:, 8] == 0)                   # store flags
        assert np.all(np.abs(x[b, 3:3 + K, :8]) == 1) and np.all(x[b, 3:3 + K, 8:] == 0)   # distractors
        for t in np.flatnonzero(mask[b]):
            slot = np.argmax(x[b, t, 10:])
            assert x[b, t, 9] == 1 and np.all(x[b, t, :8] == 0)
            np.testing.assert_array_equal(target[b, t], x[b, slot, :8])
        assert np.all(x[b, 3 + K + 3:] == 0)                                             # padding


@pytest.mark.parametrize("gate", [False, True])
def test_recall_gradient_matches_central_differences(gate):
    task = fw.RecallTask(p=5, stored=2, d_min=2, d_max=4)
    rng = np.random.default_rng(5)
    data = fw.recall_episodes(rng, task, 1)
    params = {k: v[None] for k, v in fw.recall_init(rng, task, gate, init=0.5).items()}
    _, grads, _ = fw.recall_loss_grad(params, data)
    errors = check_gradients(lambda: float(fw.recall_loss_grad(params, data)[0][0]), params, grads)
    assert max(errors.values()) < 1e-6


@pytest.mark.parametrize("p, stored", [(16, 1), (16, 3)])
def test_hand_wired_recall_is_perfect_at_every_delay(p, stored):
    task = fw.RecallTask(p=p, stored=stored)
    assert fw.recall_bit_accuracy(fw.recall_hand_wired(task), fw.recall_test_set(task)) == [1.0] * len(fw.TEST_DELAYS)


# ----------------------------------------------------------------------------------------
# The verdict
# ----------------------------------------------------------------------------------------


def synthetic(n_flip=40, within=1.0, learned=1.0, perfect=1.0, n_rec=10):
    k_w, k_l = int(within * n_flip), int(learned * n_flip)
    rows = [{"seed": i, "solved": True, "within_800": i < k_w, "direct_within_300": i < k_w,
             "learned_at_end": i < k_l} for i in range(n_flip)]
    k_p = int(perfect * n_rec * 5)
    rec = [{"seed": i, "solved": True, "perfect_ungated": [i * 5 + j < k_p for j in range(5)]} for i in range(n_rec)]
    return {"seeds": {"per_seed": rows}, "recall": {"seeds": {"per_seed": rec}}}


def test_verdict_yes_when_every_claim_holds():
    assert fw.verdict(synthetic())["value"] == "yes"


def test_verdict_no_when_the_figures_fail():
    assert fw.verdict(synthetic(within=0.1, learned=0.1, perfect=0.3))["value"] == "no"


def test_verdict_qualitative_when_the_mechanism_but_not_the_time_figure_holds():
    assert fw.verdict(synthetic(within=0.1, learned=1.0))["value"] == "qualitative"


def test_verdict_partial_when_only_the_primary_holds():
    assert fw.verdict(synthetic(within=1.0, learned=1.0, perfect=0.3))["value"] == "partial"


def test_verdict_pending_without_sections_or_seeds():
    assert fw.verdict({})["value"] == "pending"
    assert fw.verdict(synthetic(n_flip=10))["value"] == "pending"
    rec = synthetic()
    del rec["recall"]
    assert fw.verdict(rec)["value"] == "pending"
    assert fw.verdict(synthetic(n_rec=5))["value"] == "pending"


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--steps", "0"], ["--n-seeds", "-1"], ["--experiment", "nope"],
                                  ["--gradcheck", "--n-seeds", "3"], ["--model", "lstm", "--experiment", "flipflop"],
                                  ["--record", "--n-seeds", "3"]])
def test_bad_input_is_refused_before_any_work(args):
    out = run_script(SCRIPT, *args)
    assert out.returncode == 2
    assert "error" in out.stderr and out.stdout == ""


def test_quick_run_prints_a_verdict():
    out = run_script(SCRIPT, "--quick")
    assert out.returncode == 0, out.stderr
    assert "verdict" in out.stdout
