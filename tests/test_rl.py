"""shared.learning.rl: returns by hand, TD(lambda) on the 5-state random walk (known values), a vector critic as
K scalar ones, Q(lambda) on a corridor (known optimal values) and its trace cut, the policy-gradient
terms against the numerical gradient, epsilon-greedy."""

from __future__ import annotations

import numpy as np
import pytest

from shared.frame.gradcheck import check_gradients
from shared.learning.rl import (QLambda, TDLambda, discounted_returns, epsilon_greedy, gaussian_policy_gradient,
                                policy_gradient_logits, sample_softmax, softmax)


def test_discounted_returns_by_hand():
    g = discounted_returns(np.array([[1.0, 0.0, 2.0], [1.0, 1.0, 1.0]]), 0.5,
                           alive=np.array([[True, True, True], [True, True, False]]))
    np.testing.assert_allclose(g, [[1.5, 1.0, 2.0], [1.5, 1.0, 0.0]])


def random_walk_values(lam: float, episodes: int, seed: int) -> np.ndarray:
    """TD(lambda) with a tabular (one-hot linear) critic on Sutton's 5-state random walk: start in the
    middle, step left or right with probability 1/2, reward 1 on leaving right; true values 1/6..5/6."""
    rng = np.random.default_rng(seed)
    params = {"v": np.full(5, 0.5)}
    td = TDLambda(params, lr=0.02, gamma=1.0, lam=lam)
    for _ in range(episodes):
        td.reset()
        s = 2
        while True:
            s2 = s + (1 if rng.random() < 0.5 else -1)
            done, r = s2 < 0 or s2 > 4, float(s2 > 4)
            delta = r + (0.0 if done else params["v"][s2]) - params["v"][s]
            grad = {"v": np.eye(5)[s]}
            td.update(grad, delta)
            if done:
                break
            s = s2
    return params["v"]


@pytest.mark.parametrize("lam", [0.0, 0.8])
def test_td_lambda_learns_the_random_walks_values(lam):
    values = random_walk_values(lam, 3000, seed=1)
    np.testing.assert_allclose(values, np.arange(1, 6) / 6, atol=0.08)


def test_a_vector_critic_is_k_scalar_critics():
    rng = np.random.default_rng(2)
    shape = (3, 4)
    vec = {"w": rng.normal(size=shape)}
    scalars = [{"w": vec["w"].copy()}, {"w": vec["w"].copy()}]
    td_vec = TDLambda(vec, 0.1, 0.9, 0.7, components=2)
    td_sc = [TDLambda(p, 0.1, 0.9, 0.7) for p in scalars]
    for _ in range(5):
        g, d = rng.normal(size=(2,) + shape), rng.normal(size=2)
        td_vec.update({"w": g}, d)
        for k in range(2):
            td_sc[k].update({"w": g[k]}, d[k])
    start = scalars[0]["w"] + scalars[1]["w"] - vec["w"]                   # both moved from the same start
    np.testing.assert_allclose(vec["w"] - start, (scalars[0]["w"] - start) + (scalars[1]["w"] - start), atol=1e-12)


def test_q_lambda_learns_a_corridor():
    """A corridor of 6 cells, actions left/right, reward 1 on reaching cell 5: Q*(s, right) = 0.9^(4 - s)."""
    agents, rng = 4, np.random.default_rng(3)
    learner = QLambda(agents, 6, 2, lr=0.2, gamma=0.9, lam=0.8)
    for _ in range(300):
        s = np.zeros(agents, int)
        a, _ = epsilon_greedy(learner.q[np.arange(agents), s], 0.2, rng)
        learner.reset_traces()
        for _ in range(60):
            s2 = np.clip(s + np.where(a == 1, 1, -1), 0, 5)
            done = s2 == 5
            a2, greedy = epsilon_greedy(learner.q[np.arange(agents), s2], 0.2, rng)
            learner.learn(s, a, done.astype(float), s2, done, greedy)
            s, a = np.where(done, 0, s2), np.where(done, 0, a2)
            if done.any():
                learner.reset_traces(done)
    np.testing.assert_allclose(learner.q[:, :5, 1], np.broadcast_to(0.9 ** np.arange(4, -1, -1), (agents, 5)), atol=0.02)


def test_q_lambda_cuts_traces_after_an_exploratory_action():
    learner = QLambda(2, 3, 2, lr=0.5, gamma=0.9, lam=1.0)
    learner.learn(np.array([0, 0]), np.array([1, 1]), np.zeros(2), np.array([1, 1]), np.zeros(2, bool),
                  next_greedy=np.array([True, False]))
    assert learner.traces[0, 0, 1] == pytest.approx(0.9) and not learner.traces[1].any()
    naive = QLambda(1, 3, 2, lr=0.5, gamma=0.9, lam=1.0, cut=False, replacing=False)
    for _ in range(2):
        naive.learn(np.array([0]), np.array([1]), np.zeros(1), np.array([0]), np.zeros(1, bool), np.array([False]))
    assert naive.traces[0, 0, 1] == pytest.approx(0.9 * 1.9)             # accumulating, never cut
    delta = naive.learn(np.array([0]), np.array([0]), np.array([1.0]), np.array([2]), np.array([True]))
    assert delta[0] == pytest.approx(1.0) and not naive.traces.any()    # terminal: target r, traces cleared


def test_policy_gradient_terms_match_the_numerical_gradient():
    rng = np.random.default_rng(4)
    logits, actions, adv = rng.normal(size=(5, 3)), rng.integers(0, 3, 5), rng.normal(size=5)

    def loss():
        return float(-np.mean(adv * np.log(softmax(logits)[np.arange(5), actions])))

    assert check_gradients(loss, {"l": logits}, {"l": policy_gradient_logits(logits, actions, adv)})["l"] < 1e-6
    mean, std, acts = rng.normal(size=(5, 2)), rng.uniform(0.5, 1.5, (5, 2)), rng.normal(size=(5, 2))

    def gauss_loss():
        logp = -0.5 * ((acts - mean) / std) ** 2 - np.log(std)
        return float(-np.mean(np.sum(adv[:, None] * logp, axis=-1)))

    d_mean, d_std = gaussian_policy_gradient(mean, std, acts, adv)
    errors = check_gradients(gauss_loss, {"m": mean, "s": std}, {"m": d_mean, "s": d_std})
    assert max(errors.values()) < 1e-6, errors


def test_action_selection():
    rng = np.random.default_rng(5)
    q = np.array([[0.0, 1.0, 1.0], [2.0, 0.0, 0.0]])
    picks = np.array([epsilon_greedy(q, 0.0, rng)[0] for _ in range(200)])
    assert set(picks[:, 0]) == {1, 2} and set(picks[:, 1]) == {0}            # ties broken at random
    actions, greedy = epsilon_greedy(np.zeros((1000, 4)) + np.eye(4)[0], 1.0, rng)
    assert abs(np.mean(actions == 0) - 0.25) < 0.05 and np.array_equal(greedy, actions == 0)
    draws = sample_softmax(np.tile(np.log([0.2, 0.3, 0.5]), (20000, 1)), rng)
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 20000, [0.2, 0.3, 0.5], atol=0.015)
