"""relational-nem-bouncing-balls: the ball simulator and renderer, the relational M-step cell and the
unrolled N-EM around it (float64 central differences; equal to shared.learning.nem number for number
with the shared cell), training lowering the loss and repeating exactly, the verdict rule, the CLI."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script

rnem = load_module(ROOT / "relational-nem-bouncing-balls" / "relational_nem_bouncing_balls.py")
SCRIPT = ROOT / "relational-nem-bouncing-balls" / "relational_nem_bouncing_balls.py"
nem = rnem.nem


# ----------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------


def test_balls_stay_in_the_box_keep_their_speed_and_do_not_overlap():
    pos, vel = rnem.simulate(np.random.default_rng(0), 40, 60, 6)
    assert pos.shape == (60, 40, 6, 2)
    assert pos.min() >= rnem.RADIUS - 1e-9 and pos.max() <= rnem.SIZE - rnem.RADIUS + 1e-9
    energy = np.sum(vel ** 2, axis=(-1, -2))                      # elastic: kinetic energy conserved
    np.testing.assert_allclose(energy, np.broadcast_to(energy[0], energy.shape), rtol=1e-9)
    d = np.linalg.norm(pos[:, :, :, None] - pos[:, :, None], axis=-1) + 100 * np.eye(6)
    assert np.mean(d < 2 * rnem.RADIUS - 0.5) < 1e-3              # touching, barely ever inside each other


def test_a_head_on_collision_exchanges_the_velocities():
    # two balls on a horizontal line moving toward each other: equal masses swap velocities
    class Fixed:
        def __init__(self):
            self.calls = 0

        def uniform(self, low, high, shape):
            self.calls += 1
            if self.calls == 1:
                return np.array([[[5.0, 8.0], [11.0, 8.0]]])
            return np.array([[0.0, np.pi]])
    pos, vel = rnem.simulate(Fixed(), 1, 5, 2, speed=0.7)   # they meet after ~2 frames, no wall yet
    np.testing.assert_allclose(vel[0, 0], [[0.7, 0.0], [-0.7, 0.0]], atol=1e-12)
    np.testing.assert_allclose(vel[-1, 0], [[-0.7, 0.0], [0.7, 0.0]], atol=1e-9)


def test_rendering_labels_each_ball_and_repeats_with_the_seed():
    data = rnem.bouncing_balls(np.random.default_rng(3), 30, 8, [6, 7, 8])
    assert data["images"].shape == (8, 30, rnem.SIZE ** 2)
    np.testing.assert_array_equal(data["images"], (data["groups"] > 0).astype(float))
    assert set(data["n_balls"]) <= {6, 7, 8}
    for i in range(30):
        assert len(np.unique(data["groups"][0, i][data["groups"][0, i] > 0])) == data["n_balls"][i]
    again = rnem.bouncing_balls(np.random.default_rng(3), 30, 8, [6, 7, 8])
    np.testing.assert_array_equal(again["groups"], data["groups"])


# ----------------------------------------------------------------------------------------
# The relational M-step and the unrolled model
# ----------------------------------------------------------------------------------------


def test_every_hand_written_gradient_matches_central_differences():
    errors = rnem.gradient_errors(0, max_entries=10)     # 10 random entries per parameter; --gradcheck: all
    assert len(errors) > 40
    assert max(errors.values()) < 1e-6, max(errors, key=errors.get)


def test_a_wrong_gradient_is_caught():
    rng = np.random.default_rng(5)
    p = rnem.init_relational(6, rnem.RelationalConfig(4, 3, 5, 3, 2), rng)
    K, x, h = 3, rng.normal(size=(6, 6)), rng.uniform(size=(6, 4))
    _, _, cache = rnem.relational_forward(p, K, x, h)
    g = {k: np.zeros_like(v) for k, v in p.items()}
    rnem.relational_backward(p, K, cache, np.zeros_like(h), np.ones_like(h), g)
    g["Wc"] *= 1.01
    errs = rnem.check_gradients(lambda: float(np.sum(rnem.relational_forward(p, K, x, h)[1])),
                                {"Wc": p["Wc"]}, {"Wc": g["Wc"]})
    assert errs["Wc"] > 1e-3


def test_the_unrolled_model_equals_the_shared_nem_with_its_cell():
    rng = np.random.default_rng(1)
    D, B, T, K = 12, 3, 5, 3
    cfg = nem.NEMConfig(K=K, cell="rnn", hidden=6, grad_gamma=False, inter_weight=0.7)
    p, bank = nem.init_params(D, cfg, rng)
    clean = (rng.random((T, B, D)) < 0.4).astype(float)
    noisy = rnem.bitflip(rng, clean, 0.2)
    gamma0 = nem.initial_gamma(rng, B, K, D)
    loss1, cache1 = nem.nem_forward(p, cfg, bank, noisy, clean, gamma0, np.ones(T))
    loss2, cache2 = rnem.unrolled_forward(p, rnem.Cell("rnn", 6, cfg, bank), K, noisy, clean, gamma0, np.ones(T),
                                          inter_weight=0.7)
    assert loss1 == loss2
    np.testing.assert_array_equal(cache1["gamma"], cache2["gamma"])
    g1, g2 = nem.nem_backward(p, cache1), rnem.unrolled_backward(p, cache2)
    for k in p:
        np.testing.assert_array_equal(g1[k], g2[k])


def test_slots_are_interchangeable_and_messages_matter():
    rng = np.random.default_rng(2)
    K, B = 4, 2
    p = rnem.init_relational(9, rnem.RelationalConfig(5, 4, 6, 3, 2), rng)
    x, h = rng.normal(size=(B * K, 9)), rng.uniform(size=(B * K, 5))
    out = rnem.relational_forward(p, K, x, h)[0].reshape(B, K, 5)
    perm = np.array([2, 0, 3, 1])
    xp = x.reshape(B, K, 9)[:, perm].reshape(B * K, 9)
    hp = h.reshape(B, K, 5)[:, perm].reshape(B * K, 5)
    outp = rnem.relational_forward(p, K, xp, hp)[0].reshape(B, K, 5)
    np.testing.assert_allclose(outp, out[:, perm], atol=1e-12)            # permutation-equivariant
    h2 = h.copy().reshape(B, K, 5)
    h2[:, 3] += 1.0                                                        # another slot's state changes...
    out2 = rnem.relational_forward(p, K, x, h2.reshape(B * K, 5))[0].reshape(B, K, 5)
    assert np.abs(out2[:, 0] - out[:, 0]).max() > 1e-6                    # ...and slot 0's update with it


def test_the_closed_loop_rollout_ignores_the_frames_it_replaces():
    rng = np.random.default_rng(4)
    rc = replace(rnem.RunConfig(**rnem.QUICK), model="rnem")
    p, cell, K = rnem.make_model(rc, 16, rng)
    frames = (rng.random((6, 2, 16)) < 0.3).astype(float)
    other = frames.copy()
    other[4:] = 1 - other[4:]
    gamma0 = nem.initial_gamma(rng, 2, K, 16)
    a = rnem.unrolled_forward(p, cell, K, frames[:-1], frames[1:], gamma0, np.ones(5), keep=False, closed_from=3)[1]
    b = rnem.unrolled_forward(p, cell, K, other[:-1], other[1:], gamma0, np.ones(5), keep=False, closed_from=3)[1]
    np.testing.assert_array_equal(a["psi"], b["psi"])


def test_training_lowers_the_loss_and_a_seed_repeats_exactly():
    rc = replace(rnem.RunConfig(**rnem.QUICK), model="rnn", batches=60, batch=8, n_train=40, eval_every=30,
                 hidden=32, lr=1e-2, noise=0.0)
    a, b = rnem.train(0, rc, progress=False), rnem.train(0, rc, progress=False)
    assert a["curve"][-1]["train_bce"] < 0.9 * a["curve"][0]["train_bce"]
    assert a["bce4"] == b["bce4"] and a["curve"] == b["curve"]


def test_the_cell_without_messages_keeps_its_effect_weights_at_zero():
    rc = replace(rnem.RunConfig(**rnem.QUICK), model="solo", batches=3)
    out = rnem.train(0, rc, progress=False, keep=True)
    assert np.all(out["params"]["Wnf"] == 0) and np.any(out["params"]["Wc"] != 0)


def test_odyssnet_m_step_runs():
    rc = replace(rnem.RunConfig(**rnem.QUICK), model="odyssnet", hidden=10)
    out = rnem.train(0, rc, progress=False)
    assert np.isfinite(out["bce4"]) and np.isfinite(out["bce678"]) and out["ami678"] is not None


# ----------------------------------------------------------------------------------------
# Verdict and command line
# ----------------------------------------------------------------------------------------


def record(r4, n4, q4, r6, n6, q6, ami, s6=None, n=5):
    wobble = [0.0, 0.01, -0.01, 0.02, -0.02, 0.015, -0.015, 0.005]

    def rows(b4, b6, a):
        return [{"seed": i, "bce4": b4 * (1 + wobble[i]), "bce678": b6 * (1 + wobble[(i + 3) % 8]),
                 "ami678": a + wobble[i]} for i in range(n)]
    return {"seeds": {"per_seed": rows(r4, r6, ami)},
            "nem": {"seeds": {"per_seed": rows(n4, n6, 0.5)}},
            "rnn": {"seeds": {"per_seed": rows(q4, q6, 0.0)}},
            "solo": {"seeds": {"per_seed": rows(r4, 1.2 * r6 if s6 is None else s6, 0.8)}}}


@pytest.mark.parametrize("args,value", [
    ((50, 60, 70, 80, 100, 120, 0.8), "yes"),
    ((50, 60, 70, 100, 100, 120, 0.8), "partial"),     # no gain over N-EM on 6-8 balls
    ((50, 60, 70, 80, 100, 120, 0.3), "partial"),      # grouping lost
    ((60, 60, 70, 80, 100, 120, 0.8), "no"),           # no gain over N-EM on 4 balls
    ((65, 60, 70, 80, 100, 120, 0.8), "no"),
    ((50, 60, 70, 80, 100, 120, 0.8, 80), "partial"),  # no gain over the cell without messages
])
def test_verdict_on_both_sides_of_each_threshold(args, value):
    assert rnem.verdict(record(*args))["value"] == value


def test_verdict_is_pending_without_every_row():
    full = record(50, 60, 70, 80, 100, 120, 0.8)
    assert rnem.verdict(record(50, 60, 70, 80, 100, 120, 0.8, n=4))["value"] == "pending"
    for row in ("rnn", "nem", "solo"):
        assert rnem.verdict({k: v for k, v in full.items() if k != row})["value"] == "pending"


@pytest.mark.parametrize("bad", [["--model", "lstm"], ["--batches", "0"], ["--hidden", "-3"], ["--lr", "nan"],
                                 ["--record", "--n-seeds", "2"],
                                 ["--n-seeds", "5", "--record", "/tmp/x.json", "--batches", "5"]])
def test_impossible_settings_are_refused(bad):
    result = run_script(SCRIPT, *bad)
    assert result.returncode == 2 and "error" in result.stderr


def test_quick_run():
    result = run_script(SCRIPT, "--quick", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "verdict" in result.stdout
