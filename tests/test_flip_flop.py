"""flip-flop: the latch, the continual streams, the gradients through the world model, C learning
through M (and only through M), the seed-batched nets, the verdict rule."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.frame.gradcheck import check_gradients
from shared.frame.verdict import binomial_sf

ff = load_module(ROOT / "flip-flop" / "flip_flop.py")
A, B, X = 0, 1, 2


# ----------------------------------------------------------------------------------------
# The environment
# ----------------------------------------------------------------------------------------


def test_latch_is_set_by_b_reset_by_a_and_ignores_x():
    events = np.array([[X, B, X, X, A, X, B, B, A, A, X], [B, A, B, X, X, X, X, X, X, X, X]])
    desired, state = ff.latch(events)
    assert desired.tolist() == [[0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0], [1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]]
    assert state.tolist() == [0, 1]


def test_latch_carries_over_from_one_window_to_the_next():
    events = ff.sample_events(np.random.default_rng(5), 6, 40, 0.1, 0.1)
    whole, _ = ff.latch(events)
    first, state = ff.latch(events[:, :17])
    second, _ = ff.latch(events[:, 17:], state)
    np.testing.assert_array_equal(np.concatenate([first, second], axis=1), whole)


def test_sampled_events_follow_the_probabilities():
    events = ff.sample_events(np.random.default_rng(0), 200, 100, 0.1, 0.2)
    shares = np.bincount(events.ravel(), minlength=3) / events.size
    np.testing.assert_allclose(shares, [0.1, 0.2, 0.7], atol=0.01)


def small_nets(seeds=(1, 2), **changes):
    cfg = replace(ff.Config(hidden_c=6, hidden_m=5), **changes)
    return (cfg, *ff.make_nets(list(seeds), cfg))


def window(env, steps, rng, streams=4, p=0.3):
    events = np.stack([ff.sample_events(r, streams, steps, p, p) for r in env])
    desired, _ = ff.latch(events)
    return events, desired, rng.normal(size=events.shape)


def test_rollout_feeds_back_the_pain_of_the_previous_step():
    cfg, controller, model, env, _ = small_nets()
    events, desired, eps = window(env, 12, np.random.default_rng(1))
    run = ff.rollout(controller, events, desired, eps, cfg)
    obs, actions, pain = run["obs"], run["actions"], run["pain"]
    np.testing.assert_allclose(pain, (actions - desired) ** 2)
    assert np.all(obs[:, :, 0, 4] == 0)
    np.testing.assert_allclose(obs[:, :, 1:, 4], pain[:, :, :-1])
    assert np.all(obs[..., 3] == 1)
    assert np.all(obs[..., :3].sum(axis=-1) == 1) and np.all(obs[..., :3].argmax(axis=-1) == events)
    # the batched forward over the recorded observations gives the same actions as the rollout
    y = ff.act(controller.forward(obs), eps, cfg)[0]
    np.testing.assert_allclose(y, actions, rtol=0, atol=1e-12)


def test_a_continual_stream_is_the_same_whether_cut_into_windows_or_not():
    cfg, controller, model, env, _ = small_nets()
    events, desired, eps = window(env, 20, np.random.default_rng(2))
    whole = ff.rollout(controller, events, desired, eps, cfg)
    first = ff.rollout(controller, events[:, :, :8], desired[:, :, :8], eps[:, :, :8], cfg)
    second = ff.rollout(controller, events[:, :, 8:], desired[:, :, 8:], eps[:, :, 8:], cfg, first["state"],
                        first["felt"])
    np.testing.assert_allclose(np.concatenate([first["actions"], second["actions"]], axis=2), whole["actions"],
                               rtol=0, atol=1e-12)
    # and the batched forward from a carried state continues it too
    out = controller.forward(second["obs"], first["state"])
    np.testing.assert_allclose(ff.act(out, eps[:, :, 8:], cfg)[0], second["actions"], rtol=0, atol=1e-12)


def test_controller_never_sees_the_desired_output():
    """Two streams with the same events but different targets give the same first action."""
    cfg, controller, model, env, _ = small_nets()
    events, desired, _ = window(env, 10, np.random.default_rng(3))
    zeros = np.zeros(events.shape)
    a1 = ff.rollout(controller, events, desired, zeros, cfg)["actions"]
    a2 = ff.rollout(controller, events, 1.0 - desired, zeros, cfg)["actions"]
    np.testing.assert_array_equal(a1[:, :, 0], a2[:, :, 0])   # pain enters one step later
    assert not np.allclose(a1, a2)                              # ... and from then on it changes the actions


def test_the_test_scores_from_the_first_event_of_each_stream():
    cfg = ff.Config(test_streams=50)
    events, desired, scored = ff.test_set(cfg)
    for e, s in zip(events, scored):
        first = np.flatnonzero(e < 2)[0]
        assert not s[:first].any() and s[first:].all()
    assert np.all(desired[~scored] == 0)


# ----------------------------------------------------------------------------------------
# Gradients
# ----------------------------------------------------------------------------------------


def test_hand_written_gradients_pass_the_numerical_check():
    errors = ff.gradient_errors(seed=3)
    assert max(errors.values()) < 1e-6, {k: v for k, v in errors.items() if v >= 1e-6}
    for part in ("chain C=rnn M=rnn noise=adaptive", "chain C=odyssnet", "M=odyssnet"):
        assert any(k.startswith(part) or part in k for k in errors), part


@pytest.mark.parametrize("changes", [{}, {"model_c": "odyssnet"}, {"noise": "adaptive"}])
def test_a_seed_runs_the_same_alone_and_in_a_sweep(changes):
    cfg = replace(ff.Config(), budget=30 * 16 * 30, eval_every=10, test_streams=4, **changes)
    alone = ff.train([3], cfg, keep_curve=True)
    swept = ff.train([1, 2, 3, 4], cfg, keep_curve=True)
    assert alone["rows"][0] == swept["rows"][2]
    assert alone["curves"][0] == swept["curves"][2]
    for k, v in alone["nets"][0]["controller"]["params"].items():
        np.testing.assert_array_equal(v, swept["nets"][2]["controller"]["params"][k])


# ----------------------------------------------------------------------------------------
# C learns through M, and only through M
# ----------------------------------------------------------------------------------------


def test_c_gradient_is_the_chain_rule_through_the_frozen_model():
    """C's update is d(sum of M's predicted pain)/d(C's weights): checked against finite differences
    of that sum (M's weights untouched), not against any target."""
    cfg, controller, model, env, _ = small_nets()
    model.params["W"] *= 2.0
    rng = np.random.default_rng(7)
    events, desired, eps = window(env, 9, rng)
    obs = ff.rollout(controller, events, desired, eps, cfg)["obs"]
    frozen = {k: v.copy() for k, v in model.params.items()}
    grads, predicted = ff.controller_gradients(controller, model, obs, eps, cfg)

    def predicted_pain():
        y = ff.act(controller.forward(obs), eps, cfg)[0]
        return float(model.forward(ff.model_input(obs, y)).sum() / obs.shape[1])

    assert abs(predicted_pain() - predicted.sum()) < 1e-9
    errors = check_gradients(predicted_pain, controller.params, grads)
    assert max(errors.values()) < 1e-6, errors
    assert any(np.abs(g).max() > 1e-3 for g in grads.values())
    for k, v in model.params.items():
        np.testing.assert_array_equal(v, frozen[k])


def test_a_model_blind_to_the_action_gives_c_nothing_to_learn():
    """If M's prediction does not depend on the action (its action input weights zero), C's gradient
    is exactly zero and an update leaves C unchanged, whatever the pain felt."""
    cfg, controller, model, env, _ = small_nets()
    model.params["W"][:, -1] = 0.0                      # the row reading the action
    events, desired, eps = window(env, 9, np.random.default_rng(8))
    obs = ff.rollout(controller, events, desired, eps, cfg)["obs"]
    grads, _ = ff.controller_gradients(controller, model, obs, eps, cfg)
    assert all(np.all(g == 0) for g in grads.values())
    before = {k: v.copy() for k, v in controller.params.items()}
    ff.Learner(controller, cfg.lr_c).apply(grads)
    for k, v in controller.params.items():
        np.testing.assert_array_equal(v, before[k])


def test_c_learns_the_latch_only_when_m_has_learned_it():
    """Sequential schedule on two seeds: 300 iterations of M on the exploring C, then 200 of C through
    the frozen M. Through the trained M the test pain falls from 0.25 to a few hundredths; through
    the same M left untrained (the control) it does not fall at all."""
    cfg = replace(ff.Config(), regime="sequential", model_iters=300, budget=500 * 16 * 30, eval_every=50,
                  test_streams=10, test_steps=60)
    learned = ff.train([0, 1], cfg, keep_curve=True)
    blind = ff.train([0, 1], cfg, keep_curve=True, blind_model=True)
    for curve, control in zip(learned["curves"], blind["curves"]):
        start = curve[5]["test_mean_pain"]                 # when C starts (it has not moved yet)
        assert start > 0.2 and control[5]["test_mean_pain"] == start
        assert curve[-1]["test_mean_pain"] < 0.05 and curve[-1]["test_mean_pain"] < start / 5
        assert control[-1]["test_mean_pain"] > start


def test_sequential_regime_leaves_c_untouched_while_m_learns():
    cfg = replace(ff.Config(), regime="sequential", model_iters=10, budget=10 * 16 * 30, eval_every=5, test_streams=3)
    run = ff.train([0], cfg)
    fresh, _, _, _ = ff.make_nets([0], cfg)
    for name, value in fresh.params.items():
        np.testing.assert_array_equal(run["nets"][0]["controller"]["params"][name], value[0])


def test_m_learns_to_predict_the_pain_of_the_exploring_controller():
    cfg = replace(ff.Config(), regime="sequential", model_iters=250, budget=250 * 16 * 30, eval_every=50,
                  test_streams=2)
    losses = [c["model_loss"] for c in ff.train([0], cfg, keep_curve=True)["curves"][0]]
    assert losses[-1] < 0.03 and losses[-1] < losses[0] / 4, losses


def test_adaptive_randomness_learns_the_std_through_m():
    cfg = replace(ff.Config(), noise="adaptive", budget=60 * 16 * 30, eval_every=20, test_streams=2)
    stds = [c["train_std"] for c in ff.train([0], cfg, keep_curve=True)["curves"][0]]
    assert stds[-1] < 0.5 * cfg.explore and len(set(stds)) > 1


def test_a_short_parallel_run_repeats_exactly():
    cfg = replace(ff.Config(), regime="parallel", budget=40 * 16 * 30, eval_every=10, test_streams=3)
    first, second = ff.train([7], cfg, keep_curve=True), ff.train([7], cfg, keep_curve=True)
    assert first["curves"] == second["curves"] and len(first["curves"][0]) == 4


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [["--budget", "10"], ["--model", "odyssnet", "--c-grad", "local"],
                                 ["--lr-c", "0"], ["--regime", "both", "--model-iters", "5000"],
                                 ["--resets", "--noise", "adaptive"], ["--hidden", "8", "--n-seeds", "30", "--record"],
                                 ["--n-seeds", "10", "--record"], ["--workers", "3"]])
def test_impossible_settings_are_refused(bad):
    with pytest.raises(SystemExit) as exit_info:
        ff.parse_args(bad)
    assert exit_info.value.code == 2


@pytest.mark.parametrize("argv,section", [([], None), (["--c-grad", "local"], "truncated"),
                                          (["--model", "odyssnet"], "odyssnet"), (["--model", "odyssnet-m"], "odyssnet-m"),
                                          (["--resets"], "episodic"), (["--noise", "adaptive"], "adaptive-randomness"),
                                          (["--blind-model"], "blind-model")])
def test_each_comparison_has_its_own_section(argv, section):
    chosen = ff.section_of(ff.parse_args(argv))
    assert chosen == ([] if section is None else [section])
    assert section is None or section in ff.SECTIONS


# ----------------------------------------------------------------------------------------
# The verdict rule
# ----------------------------------------------------------------------------------------


def record(parallel: int, sequential: int, n_parallel: int = 30, n_sequential: int = 30) -> dict:
    rows = [{"seed": i, "regime": "parallel", "solved": i < parallel} for i in range(n_parallel)]
    rows += [{"seed": i, "regime": "sequential", "solved": i < sequential} for i in range(n_sequential)]
    return json.loads(json.dumps({"seeds": {"per_seed": rows}}))


def test_verdict_thresholds_are_the_lower_ends_of_the_seed_counts_intervals():
    from shared.frame.verdict import rate_bounds
    assert ff.THRESHOLDS["parallel"] == np.floor(100 * rate_bounds(20, 30, 0.9)[0]) / 100 == 0.50
    assert ff.THRESHOLDS["sequential"] == np.floor(100 * rate_bounds(6, 10, 0.9)[0]) / 100 == 0.30
    # the boundary counts used below
    assert binomial_sf(20, 30, 0.5) < 0.05 < binomial_sf(19, 30, 0.5)
    assert binomial_sf(14, 30, 0.3) < 0.05 < binomial_sf(13, 30, 0.3)


@pytest.mark.parametrize("parallel,sequential,value", [
    (30, 30, "yes"),
    (20, 30, "yes"), (19, 30, "no"),          # the parallel threshold (primary claim)
    (30, 14, "yes"), (30, 13, "partial"),     # the sequential threshold
    (21, 14, "yes"),                          # Holm: 0.021 <= 0.025, then 0.040 <= 0.05
    (20, 14, "no"),                           # Holm: 0.040 > 0.025 stops at the first, so neither holds
    (0, 30, "no"),
])
def test_verdict_on_both_sides_of_each_threshold(parallel, sequential, value):
    result = ff.verdict(record(parallel, sequential))
    assert result["value"] == value, result
    assert [c["n"] for c in result["claims"]] == [30, 30]


def test_verdict_is_pending_below_the_minimum_runs():
    assert ff.verdict(record(30, 10, n_sequential=10))["value"] == "pending"
    assert ff.verdict(record(29, 30, n_parallel=29))["value"] == "pending"
    assert ff.verdict({"seeds": None})["value"] == "pending"
    assert ff.verdict(record(35, 35, n_parallel=40, n_sequential=40))["value"] == "yes"   # more runs are fine


@pytest.mark.parametrize("regimes", [("parallel",), ("sequential", "parallel")])
def test_two_worker_processes_give_the_same_rows(regimes):
    cfg = replace(ff.Config(), budget=20 * 16 * 30, model_iters=8, eval_every=10, test_streams=3)
    configs = {name: replace(cfg, regime=name) for name in regimes}
    one = ff.run_all(configs, [0, 1, 2], workers=1)
    two = ff.run_all(configs, [0, 1, 2], workers=2)
    assert {k: v["rows"] for k, v in one.items()} == {k: v["rows"] for k, v in two.items()}


def test_the_parallel_step_shares_one_pass_of_m_between_both_updates():
    """joint_gradients (the parallel regime) gives M's regression gradients and C's gradient through
    the same, not yet updated, M: the same as computing them separately."""
    cfg, controller, model, env, _ = small_nets()
    rng = np.random.default_rng(9)
    events, desired, eps = window(env, 9, rng)
    hc0 = 0.3 * rng.normal(size=controller.initial_state(4).shape)
    hm0 = 0.3 * rng.normal(size=model.initial_state(4).shape)
    run = ff.rollout(controller, events, desired, eps, cfg, hc0)
    m_grads, m_loss, c_grads, c_loss = ff.joint_gradients(controller, model, run, eps, cfg, hc0, hm0)
    m_alone, m_loss_alone = ff.model_gradients(model, run["obs"], run["actions"], run["pain"], hm0)
    c_alone, c_loss_alone = ff.controller_gradients(controller, model, run["obs"], eps, cfg, hc0, hm0)
    for k in m_grads:
        np.testing.assert_allclose(m_grads[k], m_alone[k], rtol=1e-10, atol=1e-13)
    for k in c_grads:
        np.testing.assert_allclose(c_grads[k], c_alone[k], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(m_loss, m_loss_alone, rtol=1e-12)
    np.testing.assert_allclose(c_loss, c_loss_alone, rtol=1e-12)
