"""flip-flop: the latch, the environment loop, the gradients through the world model."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module

ff = load_module(ROOT / "flip-flop" / "flip_flop.py")
A, B, X = 0, 1, 2


def test_latch_is_set_by_b_reset_by_a_and_ignores_x():
    events = np.array([[X, B, X, X, A, X, B, B, A, A, X], [B, A, B, X, X, X, X, X, X, X, X]])
    assert ff.latch(events).tolist() == [[0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0], [1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]]


def test_sampled_events_follow_the_probabilities():
    events = ff.sample_events(np.random.default_rng(0), 200, 100, 0.1, 0.2)
    shares = np.bincount(events.ravel(), minlength=3) / events.size
    np.testing.assert_allclose(shares, [0.1, 0.2, 0.7], atol=0.01)


def test_rollout_feeds_back_the_pain_of_the_previous_step():
    rng = np.random.default_rng(1)
    events = ff.sample_events(rng, 4, 12, 0.3, 0.3)
    desired = ff.latch(events)
    controller = ff.RecurrentNet(ff.N_OBS, 6, rng)
    noise = rng.normal(0, 0.3, events.shape)
    obs, actions, pain = ff.rollout(controller, events, desired, noise)
    np.testing.assert_allclose(pain, (actions - desired) ** 2)
    assert np.all(obs[:, 0, 4] == 0)
    np.testing.assert_allclose(obs[:, 1:, 4], pain[:, :-1])
    assert np.all(obs[:, :, 3] == 1)
    assert np.all(obs[:, :, :3].sum(axis=2) == 1)
    assert np.all(obs[:, :, :3].argmax(axis=2) == events)
    # the batched forward over the recorded observations gives the same actions as the rollout
    np.testing.assert_allclose(ff.sigmoid(controller.forward(obs)) + noise, actions, rtol=0, atol=1e-12)


def test_controller_never_sees_the_desired_output():
    """Two event streams with the same observations up to step t give the same action at t."""
    rng = np.random.default_rng(2)
    controller = ff.RecurrentNet(ff.N_OBS, 6, rng)
    events = ff.sample_events(rng, 1, 10, 0.3, 0.3)
    desired = ff.latch(events)
    flipped = 1.0 - desired                      # a different target, same events
    _, a1, _ = ff.rollout(controller, events, desired, np.zeros(events.shape))
    _, a2, _ = ff.rollout(controller, events, flipped, np.zeros(events.shape))
    assert a1[0, 0] == a2[0, 0]                  # nothing but pain differs, and it enters one step later
    assert not np.allclose(a1, a2)               # ... from then on the felt pain does change the actions


def test_hand_written_gradients_pass_the_numerical_check():
    errors = ff.gradient_errors(seed=3)
    assert max(errors.values()) < 1e-6, {k: v for k, v in errors.items() if v >= 1e-6}
    assert any(k.startswith("chain C=odyssnet") for k in errors) and any("M=odyssnet" in k for k in errors)


def test_truncated_gradient_keeps_only_the_same_step_term():
    rng = np.random.default_rng(4)
    net = ff.RecurrentNet(3, 4, rng, init_scale=1.5)
    x = rng.normal(size=(2, 5, 3))
    net.forward(x)
    d_out = np.zeros((2, 5))
    d_out[:, 3] = 1.0
    _, full = net.backward(d_out)
    _, local = net.backward(d_out, truncate=True)
    assert np.all(local[:, [0, 1, 2, 4]] == 0) and np.any(full[:, :3] != 0)
    np.testing.assert_allclose(local[:, 3], full[:, 3])


def test_m_learns_to_predict_the_pain_of_the_exploring_controller():
    cfg = replace(ff.Config(), regime="sequential", model_iters=250, budget=250 * 16 * 30, eval_every=50,
                  test_episodes=2)
    losses = [c["model_loss"] for c in ff.train(0, cfg, keep_curve=True)["curve"]]
    assert losses[-1] < 0.02 and losses[-1] < losses[0] / 5, losses


def test_a_short_parallel_run_repeats_exactly():
    cfg = replace(ff.Config(), regime="parallel", budget=40 * 16 * 30, eval_every=10, test_episodes=3)
    first, second = ff.train(7, cfg, keep_curve=True), ff.train(7, cfg, keep_curve=True)
    assert first["curve"] == second["curve"] and len(first["curve"]) == 4


def test_sequential_regime_leaves_c_untouched_while_m_learns():
    cfg = replace(ff.Config(), regime="sequential", model_iters=10, budget=10 * 16 * 30, eval_every=5,
                  test_episodes=3)
    run = ff.train(0, cfg)
    fresh = ff.make_net("rnn", ff.N_OBS, cfg.hidden_c, cfg, np.random.SeedSequence(0).spawn(4)[0])
    for name, value in fresh.params.items():
        np.testing.assert_array_equal(run["controller"].params[name], value)


@pytest.mark.parametrize("bad", [["--budget", "10"], ["--model", "odyssnet", "--c-grad", "local"],
                                 ["--lr-c", "0"], ["--regime", "both", "--model-iters", "5000"]])
def test_impossible_settings_are_refused(bad):
    with pytest.raises(SystemExit) as exit_info:
        ff.parse_args(bad)
    assert exit_info.value.code == 2
