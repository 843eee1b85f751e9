"""upside-down-rl: the lander and its sparse reward, the hand-written gradients, the replay buffers and
the exploratory command, the command update, a small task UDRL must learn, the verdict rule."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.frame.gradcheck import check_gradients

ud = load_module(ROOT / "upside-down-rl" / "upside_down_rl.py")


def test_hand_written_gradients_pass_the_numerical_check():
    assert ud.gradcheck_main() == 0


def test_a_wrong_gradient_is_caught():
    rngs = [np.random.default_rng(k) for k in range(2)]
    net = ud.CommandNet(4, 2, 6, 3, rngs)
    rng = np.random.default_rng(1)
    obs, cmd, act = rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 2)), rng.integers(0, 3, (2, 5))
    logits, cache = net.forward(obs, cmd)
    grads = net.backward(cache, ud.cross_entropy(logits, act)[1])[0]
    grads["Wc"][1, 0, 2] *= 1.02
    errors = check_gradients(lambda: float(ud.cross_entropy(net.forward(obs, cmd)[0], act)[0].sum()),
                             net.params, grads)
    assert errors["Wc"] > 1e-4 and errors["Ws"] < 1e-6


def test_input_gradients_of_the_behaviour_net():
    rngs = [np.random.default_rng(3)]
    net = ud.CommandNet(4, 2, 5, 3, rngs)
    rng = np.random.default_rng(2)
    obs, cmd, w = rng.normal(size=(1, 4, 4)), rng.normal(size=(1, 4, 2)), rng.normal(size=(1, 4, 3))
    y, cache = net.forward(obs, cmd)
    _, d_obs, d_cmd = net.backward(cache, w)
    for x, d in ((obs, d_obs), (cmd, d_cmd)):
        num = np.zeros_like(x)
        for idx in np.ndindex(*x.shape):
            old = x[idx]
            x[idx] = old + 1e-6
            up = (net.forward(obs, cmd)[0] * w).sum()
            x[idx] = old - 1e-6
            down = (net.forward(obs, cmd)[0] * w).sum()
            x[idx] = old
            num[idx] = (up - down) / 2e-6
        assert np.allclose(num, d, rtol=1e-6, atol=1e-8)


def test_the_lander_by_hand_and_a_hand_wired_controller_lands():
    env = ud.Lander()
    s = np.array([[0.0, 2.0, 0.0, 0.0]])
    n, r, done, landed = env.step(s, np.array([1]))
    assert np.allclose(n, [[0.0, 2.0 + 0.15 * 0.1, 0.0, 0.15]])          # vy += (2.5 - 1) * 0.1, y += vy * 0.1
    assert np.isclose(r[0], env.potential(n)[0] - env.potential(s)[0] - 0.3) and not done[0]

    def pd(o, c):
        x, y, vx, vy = o[..., 0] * 2, o[..., 1] * 2, o[..., 2], o[..., 3]
        a = np.where(vy < -0.2 - 0.2 * y, 1, 0)
        lateral = -x - 1.5 * vx
        return np.where(a == 1, 1, np.where(lateral < -0.2, 2, np.where(lateral > 0.2, 3, 0)))

    run = ud.rollout(pd, ud.starts_for([np.random.default_rng(0)], 50), "dense")
    assert run["landed"].all() and (run["total"] > 100).all()
    crash = ud.rollout(lambda o, c: np.zeros(o.shape[:2], int), ud.starts_for([np.random.default_rng(0)], 20), "dense")
    assert not crash["landed"].any() and (crash["total"] < -50).all()


def test_the_sparse_reward_pays_the_dense_return_at_the_last_step():
    starts = ud.starts_for([np.random.default_rng(4), np.random.default_rng(5)], 7)
    rngs = [np.random.default_rng(6), np.random.default_rng(7)]
    dense = ud.rollout(ud.random_policy(rngs), starts, "dense")
    rngs = [np.random.default_rng(6), np.random.default_rng(7)]
    sparse = ud.rollout(ud.random_policy(rngs), starts, "sparse")
    assert np.array_equal(dense["actions"], sparse["actions"])
    assert np.allclose(dense["rewards"].sum(-1), sparse["rewards"].sum(-1))
    for s in range(2):
        for e in range(7):
            last = sparse["length"][s, e] - 1
            assert np.count_nonzero(sparse["rewards"][s, e]) <= 1
            assert np.isclose(sparse["rewards"][s, e, last], dense["total"][s, e])


def test_the_command_follows_the_paper_update():
    seen = []

    def policy(o, c):
        seen.append(c.copy())
        return np.ones(o.shape[:2], int)          # main engine: flies up and out after a while

    starts = ud.starts_for([np.random.default_rng(0)], 2)
    run = ud.rollout(policy, starts, "dense", np.array([[[50.0, 3.0], [10.0, 20.0]]]))
    cmds = np.array(seen)[:, 0]                   # (T, E, 2)
    r = run["rewards"][0]
    for t in range(1, 5):
        assert np.allclose(cmds[t, :, 0], cmds[t - 1, :, 0] - r[:, t - 1])
    assert np.allclose(cmds[1:4, 0, 1], [2.0, 1.0, 1.0])          # horizon -= 1, kept >= 1


def test_top_buffer_keeps_the_best_and_fifo_the_latest():
    top, fifo = ud.EpisodeBuffer(3, "top"), ud.EpisodeBuffer(3, "fifo")
    for k, ret in enumerate([5.0, -1.0, 9.0, 2.0, 7.0]):
        for buf in (top, fifo):
            buf.add(np.full((4, 4), k), np.zeros(4, int), np.r_[0, 0, 0, ret], ret, 4)
    assert sorted(e[3] for e in top.episodes) == [5.0, 7.0, 9.0]
    assert [e[3] for e in fifo.episodes] == [9.0, 2.0, 7.0]
    cmd = top.exploratory_command(2, np.random.default_rng(0), 500)
    assert np.all(cmd[:, 1] == 4.0)
    assert cmd[:, 0].min() >= 8.0 and cmd[:, 0].max() <= 9.0      # U[mean, mean + std] of 9 and 7
    obs, c, a = top.sample(np.random.default_rng(1), 200)
    assert set(np.unique(c[:, 1])) <= {1.0, 2.0, 3.0, 4.0}
    assert np.all(np.isin(c[:, 0], [5.0, 7.0, 9.0]))               # sparse: the return to go is the episode's


def test_udrl_learns_a_tiny_command_following_task():
    """Known answer: trained by supervised learning on episodes that either stop at once (a = 0, return 0)
    or go on (a = 1, return 1), B maps the commanded return to the action."""
    rngs = [np.random.default_rng(0)]
    beh = ud.Behaviour(ud.Config(lr=3e-3), [0])
    rng = np.random.default_rng(1)
    for _ in range(300):
        act = rng.integers(0, 2, (1, 64))
        obs = np.ones((1, 64, 4))
        cmd = np.stack([act * 100.0, np.full((1, 64), 10.0)], axis=-1)
        beh.train_step(obs, cmd, act)
    logits = beh.logits(np.ones((1, 2, 4)), np.array([[[0.0, 10.0], [100.0, 10.0]]]))
    assert logits[0, 0].argmax() == 0 and logits[0, 1].argmax() == 1
    del rngs


def test_seeds_are_independent_in_a_bank():
    cfg = ud.Config(**{**ud.QUICK, "episodes": 60, "warmup": 20, "episodes_per_iter": 20})
    rows2, _, _ = ud.run_sweep(cfg, [3, 4], follow=False)
    rows1, _, _ = ud.run_sweep(cfg, [4], follow=False)
    assert np.isclose(rows2[1]["test_return"], rows1[0]["test_return"], rtol=1e-9)


def _record(udrl, dqn_sparse, dqn_dense):
    def seeds(values):
        return {"per_seed": [{"seed": i, "test_return": v, "solved": v > 0} for i, v in enumerate(values)],
                "summary": {}}
    return {"seeds": seeds(udrl), "dqn-sparse": {"seeds": seeds(dqn_sparse)}, "dqn-dense": {"seeds": seeds(dqn_dense)}}


def test_verdict_on_both_sides():
    rng = np.random.default_rng(0)
    noise = lambda: rng.normal(0, 5, 10)             # noqa: E731
    assert ud.verdict(_record(100 + noise(), 0 + noise(), 100 + noise()))["value"] == "yes"
    assert ud.verdict(_record(100 + noise(), 0 + noise(), -20 + noise()))["value"] == "partial"
    assert ud.verdict(_record(0 + noise(), 100 + noise(), 100 + noise()))["value"] == "no"
    assert ud.verdict(_record(0 + noise(), 0 + noise(), 100 + noise()))["value"] == "no"   # no difference
    assert ud.verdict(_record([1.0] * 9, [0.0] * 9, [0.0] * 9))["value"] == "pending"
    rec = _record(100 + noise(), 0 + noise(), 100 + noise())
    del rec["dqn-dense"]
    assert ud.verdict(rec)["value"] == "pending"


def test_bad_command_lines():
    for argv in (["--method", "dqn", "--buffer", "fifo"], ["--buffer", "fifo", "--model", "odyssnet"],
                 ["--n-seeds", "3", "--record"], ["--episodes", "0"], ["--lr", "nan"]):
        with pytest.raises(SystemExit) as done:
            ud.parse_args(argv)
        assert done.value.code == 2
