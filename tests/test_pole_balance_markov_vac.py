"""pole-balance-markov-vac: the MLP bank's gradients and the critic's action gradient, a hand-wired
actor the test accepts, the rewards and the returns the critic is judged against, seed independence,
the verdict rule on both sides of each threshold, the command line."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script
from shared.frame.gradcheck import check_gradients

vac = load_module(ROOT / "pole-balance-markov-vac" / "pole_balance_markov_vac.py")
SCRIPT = ROOT / "pole-balance-markov-vac" / "pole_balance_markov_vac.py"


def test_every_hand_written_gradient_matches_the_numerical_one():
    errors = vac.gradient_errors()
    assert max(errors.values()) < 1e-6, errors


def test_the_gradient_check_catches_a_wrong_action_gradient():
    rng = np.random.default_rng(3)
    bank = vac.MLPBank((5, 4, 2), [np.random.default_rng(i) for i in range(2)])
    x = rng.normal(size=(2, 3, 5))
    mix = np.array([1.0, 0.3])[None, None, :].repeat(2, 0)
    action = {"a": x[..., -1:].copy()}

    def mixed_q():
        return float(np.sum(bank.forward(np.concatenate([x[..., :-1], action["a"]], -1))[0] * mix))

    _, cache = bank.forward(x)
    wrong = vac.critic_action_gradient(bank, cache[1], mix) * 1.01
    assert max(check_gradients(mixed_q, action, {"a": wrong}).values()) > 1e-3


def hand_wired_run(gains, seeds=(0, 1)):
    """A run whose actor is a hand-wired linear feedback a = tanh(tanh(K . s / 10))."""
    cfg = vac.Config()
    rngs = [np.random.default_rng(s) for s in seeds]
    actor = vac.MLPActor(cfg, rngs)
    for v in actor.net.params.values():
        v[:] = 0.0
    actor.net.params["W0"][:, :, 0] = np.asarray(gains) * vac.SCALE / 10.0
    actor.net.params["W1"][:, 0, 0] = 1.0
    critic = vac.MLPBank((5, cfg.hidden, 2), rngs)
    return {"seeds": list(seeds), "actor": actor, "critic": critic}, cfg


def test_a_hand_wired_stabilising_actor_balances_every_test_start_and_a_dead_one_does_not():
    run, cfg = hand_wired_run([1.0, 2.0, 30.0, 5.0])
    test = vac.rollout(run, cfg)
    assert (test["steps"] == vac.TEST_STEPS).all()
    bang = vac.rollout(run, cfg, "bang")
    assert bang["steps"].shape == (2, vac.TEST_STARTS)
    dead, cfg = hand_wired_run([0.0, 0.0, 0.0, 0.0])
    assert (vac.rollout(dead, cfg)["steps"] < 200).all()


def test_rewards_are_the_failure_signal_and_the_cart_margin():
    state = np.array([[1.2, 0, 0, 0], [0.0, 0, 0, 0], [2.5, 0, 0, 0]])
    failed = np.array([False, False, True])
    r = vac.rewards(state, failed, 2)
    np.testing.assert_allclose(r, [[1.0, 0.75], [1.0, 1.0], [0.0, 0.0]])
    assert vac.rewards(state, failed, 1).shape == (3, 1)


def test_the_critic_error_is_zero_for_a_critic_that_knows_the_returns():
    cfg = vac.Config()
    T, gamma = vac.TEST_STEPS, cfg.gamma
    x = 0.3 * np.sin(np.arange(T) / 50.0)
    states = np.zeros((1, 1, T, 4))
    states[0, 0, :, 0] = x
    r = np.stack([np.ones(T - 1), 1.0 - (x[1:] / 2.4) ** 2], -1)
    g = np.zeros((T, 2))
    for t in range(T - 2, -1, -1):
        g[t] = r[t] + gamma * g[t + 1]
    test = {"steps": np.full((1, 1), T), "states": states, "q": g[None, None]}
    np.testing.assert_allclose(vac.critic_errors(test, cfg), 0.0, atol=1e-12)
    test["q"] = 1.1 * g[None, None]
    np.testing.assert_allclose(vac.critic_errors(test, cfg), 0.1, atol=1e-12)
    test["steps"][:] = 10                        # no full episode: no figure
    assert np.isnan(vac.critic_errors(test, cfg)).all()


def test_a_seed_computes_the_same_alone_as_beside_other_seeds():
    cfg = replace(vac.Config(), max_episodes=15, max_steps=1500)
    alone = vac.train([3], cfg)
    together = vac.train([2, 3, 4], cfg)
    assert alone["lengths"][0] == together["lengths"][1]
    for k, v in alone["critic"].params.items():
        np.testing.assert_array_equal(v[0], together["critic"].params[k][1])


def test_training_improves_the_balance_of_a_run():
    cfg = replace(vac.Config(), max_episodes=60, max_steps=20_000)
    lengths = vac.train([7], cfg)["lengths"][0]
    assert np.mean(lengths[-10:]) > 2 * np.mean(lengths[:10])


def rows(n, solved, error):
    return [{"seed": i, "solved": i < solved, "critic_error": error if i < solved else None} for i in range(n)]


def record(per_seed):
    return {"seeds": {"per_seed": per_seed}}


def test_verdict_needs_twenty_runs():
    assert vac.verdict(record(rows(19, 19, 0.01)))["value"] == "pending"


@pytest.mark.parametrize("solved,error,expected", [
    (20, 0.02, "yes"),       # all solved, critic within 10%
    (17, 0.02, "yes"),       # 17/20: H0 rate <= 0.5 rejected (p = 0.0013)
    (20, 0.2, "partial"),    # the critic's components miss their returns
    (13, 0.02, "no"),        # 13/20: not significantly above 0.5
    (5, 0.02, "no"),
])
def test_verdict_on_both_sides_of_each_threshold(solved, error, expected):
    per_seed = rows(20, solved, error)
    for i, r in enumerate(per_seed):             # a little spread, so the t-test has a variance
        if r["critic_error"] is not None:
            r["critic_error"] *= 1.0 + 0.1 * (i % 3 - 1)
    assert vac.verdict(record(per_seed))["value"] == expected


def test_verdict_at_the_critic_threshold():
    just_below = [{"seed": i, "solved": True, "critic_error": 0.06 + 0.001 * (i % 2)} for i in range(20)]
    at_limit = [{"seed": i, "solved": True, "critic_error": 0.1 + 0.001 * (i % 2)} for i in range(20)]
    assert vac.verdict(record(just_below))["value"] == "yes"
    assert vac.verdict(record(at_limit))["value"] == "partial"


def test_quick_run_and_bad_input():
    done = run_script(SCRIPT, "--quick", timeout=60)
    assert done.returncode == 0, done.stderr
    assert "runs solved" in done.stdout
    for bad in (["--n-seeds", "0"], ["--explore", "-1"], ["--components", "3"], ["--gradcheck", "--n-seeds", "2"],
                ["--model", "odyssnet", "--components", "1"], ["--model", "odyssnet", "--lr-actor", "0.1"]):
        done = run_script(SCRIPT, *bad, timeout=30)
        assert done.returncode == 2, (bad, done.stdout, done.stderr)
        assert len(done.stderr.strip().splitlines()) <= 2
