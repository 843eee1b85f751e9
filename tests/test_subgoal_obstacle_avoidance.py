"""subgoal-obstacle-avoidance: the arena, C's walk, M learned from rollouts, the gradient through the
frozen M into S, the baselines, the verdict rule."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script
from shared.frame.gradcheck import check_gradients
from shared.networks.mlp import MLP

sg = load_module(ROOT / "subgoal-obstacle-avoidance" / "subgoal_obstacle_avoidance.py")
SCRIPT = ROOT / "subgoal-obstacle-avoidance" / "subgoal_obstacle_avoidance.py"
TINY = sg.Config(hidden_s=16, hidden_m=16, m_samples=4000, m_iters=300, s_iters=150, batch=64, n_test=60,
                 cem_pop=16, cem_iters=3)


# ----------------------------------------------------------------------------------------
# Arena and executer
# ----------------------------------------------------------------------------------------


def test_arenas_block_the_direct_line_and_keep_their_spacing():
    ep = sg.sample_episodes(np.random.default_rng(0), 400)
    assert np.all(np.linalg.norm(ep["goal"] - ep["start"], axis=1) >= sg.MIN_DIST)
    assert np.all(sg.segment_distance(ep["start"], ep["goal"], ep["disks"][:, 0]) < sg.RADIUS)
    d = ep["disks"]
    assert np.all(np.linalg.norm(d[:, 1] - d[:, 2], axis=1) >= 2 * sg.RADIUS + 0.2 - 1e-12)
    for end in ("start", "goal"):
        assert np.all(np.linalg.norm(d - ep[end][:, None], axis=-1) >= sg.RADIUS + 0.5 - 1e-12)
    direct = sg.outcome(ep["start"], ep["goal"], d, np.zeros((400, 0, 2)))
    assert not direct.any()


def test_a_hand_placed_detour_gets_around_the_disk():
    start, goal = np.array([[1.0, 5.0]]), np.array([[9.0, 5.0]])
    disks = np.array([[[5.0, 5.0], [5.0, 9.0], [5.0, 1.5]]])
    assert not sg.outcome(start, goal, disks, np.zeros((1, 0, 2)))[0]
    detour = np.array([[[3.0, 6.6], [7.0, 6.6]]])          # 1.6 above the blocking disk's centre
    assert sg.outcome(start, goal, disks, detour)[0]
    through = np.array([[[3.0, 5.5], [7.0, 5.5]]])
    assert not sg.outcome(start, goal, disks, through)[0]


def test_the_vectorised_outcome_is_the_step_by_step_walk():
    rng = np.random.default_rng(3)
    ep = sg.sample_episodes(rng, 60)
    subgoals = rng.uniform(0, sg.ARENA, (60, 2, 2))
    fast = sg.outcome(ep["start"], ep["goal"], ep["disks"], subgoals)
    slow = [sg.walk(ep["start"][i], np.vstack([subgoals[i], ep["goal"][i]]), ep["disks"][i])["reached"]
            for i in range(60)]
    np.testing.assert_array_equal(fast, slow)
    assert 0 < fast.sum() < 60


def test_the_walk_counts_steps_and_times_out():
    w = sg.walk(np.array([0.0, 0.0]), np.array([[4.0, 0.0]]), np.array([[9.0, 9.0]]))
    assert w["reached"] and len(w["points"]) - 1 == 10
    far = np.array([[9.5, 0.0], [0.0, 0.0], [9.5, 0.0], [0.0, 0.0]])        # 95 steps
    w = sg.walk(np.array([0.0, 0.0]), far, np.array([[5.0, 9.0]]))
    assert w["timeout"] and not w["reached"] and len(w["points"]) - 1 == sg.T_MAX


# ----------------------------------------------------------------------------------------
# M from rollouts; gradients through the frozen M
# ----------------------------------------------------------------------------------------


def test_m_learns_which_legs_touch_a_disk():
    _, _, figures = sg.train_model(np.random.default_rng(0), replace(TINY, hidden_m=32, m_iters=800))
    hits = sg.rollout_data(np.random.default_rng(9), 10_000)["hit"].mean()
    assert figures["m_hit_accuracy"] > max(hits, 1 - hits) + 0.07


def test_hand_written_gradients_pass_the_numerical_check():
    for model in ("mlp", "odyssnet", "recurrent"):
        errors = sg.gradient_errors(1, model)
        assert max(errors.values()) < 1e-6, (model, errors)


def test_the_check_catches_a_wrong_gradient_through_m():
    rng = np.random.default_rng(2)
    hit_net, steps_net = MLP([4, 5, 5, 1], rng, init_scale=2.0), MLP([2, 4, 1], rng, init_scale=2.0)
    ep = sg.sample_episodes(rng, 4)
    p = {"sg": rng.uniform(0, sg.ARENA, (4, 2, 2))}
    _, d = sg.path_cost(hit_net, steps_net, ep["start"], ep["goal"], ep["disks"], p["sg"])
    loss = lambda: float(sg.path_cost(hit_net, steps_net, ep["start"], ep["goal"], ep["disks"], p["sg"],
                                      need_grad=False)[0].sum())
    assert max(check_gradients(loss, p, {"sg": d}).values()) < 1e-6
    assert max(check_gradients(loss, p, {"sg": d * 1.02}).values()) > 1e-3


def test_m_stays_frozen_while_s_learns():
    rng = np.random.default_rng(0)
    hit_net, steps_net, _ = sg.train_model(rng, replace(TINY, m_iters=50))
    before = {k: v.copy() for k, v in {**hit_net.params, **{"s" + k: v for k, v in steps_net.params.items()}}.items()}
    gen = sg.make_generator(TINY, 0, rng)
    sg.train_generator(gen, hit_net, steps_net, rng, replace(TINY, s_iters=5))
    after = {**hit_net.params, **{"s" + k: v for k, v in steps_net.params.items()}}
    for k in before:
        np.testing.assert_array_equal(before[k], after[k])


def test_s_learns_subgoals_that_beat_the_direct_program():
    row = sg.run_seed(0, replace(TINY, m_iters=800, s_iters=400))
    assert row["direct_success"] == 0.0
    assert row["success"] > 0.4
    assert row["cost_lower_share"] > 0.5


def test_odyssnet_generator_trains_through_m():
    row = sg.run_seed(0, replace(TINY, model="odyssnet", odyssnet_neurons=20, thinking=2, s_iters=30))
    assert 0.0 <= row["success"] <= 1.0 and row["direct_success"] == 0.0


def test_the_recurrent_generator_feeds_each_sub_goal_back_as_the_next_start():
    rng = np.random.default_rng(5)
    gen = sg.make_generator(replace(TINY, model="recurrent", k=3), 0, rng)
    ep = sg.sample_episodes(rng, 7)
    world = gen.subgoals(ep)
    length, e1, e2 = sg.task_frame(ep)
    x0, current = sg.generator_input(ep), np.zeros((7, 2))
    for k in range(3):
        out = gen.net(np.concatenate([x0, current], axis=1))
        w, _ = sg.decode(out, ep)
        np.testing.assert_allclose(w[:, 0], world[:, k])
        rel = world[:, k] - ep["start"]
        current = np.stack([np.sum(rel * e1, 1), np.sum(rel * e2, 1)], axis=1) / 5.0


def test_a_seed_repeats_exactly():
    a, b = sg.run_seed(4, replace(TINY, s_iters=20)), sg.run_seed(4, replace(TINY, s_iters=20))
    assert a == b


# ----------------------------------------------------------------------------------------
# Command line and verdict
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [["--k", "0"], ["--k", "7"], ["--lr", "nan"], ["--n-test", "0"],
                                 ["--model", "lstm"], ["--record", "--n-seeds", "3"]])
def test_impossible_settings_are_refused(bad):
    result = run_script(SCRIPT, *bad)
    assert result.returncode == 2 and result.stderr.strip().count("\n") <= 1 + result.stderr.count("usage")


def rows(success, direct, rand, n=10, n_test=500):
    return {"seeds": {"per_seed": [{"failures": round((1 - success) * n_test), "direct_failures":
                                    round((1 - direct) * n_test), "random_failures": round((1 - rand) * n_test),
                                    "n_test": n_test} for _ in range(n)]}}


def jitter(record, amount=3):
    for i, r in enumerate(record["seeds"]["per_seed"]):
        r["failures"] = max(0, r["failures"] + (i % 3 - 1) * amount)
    return record


@pytest.mark.parametrize("success, direct, rand, value", [
    (0.95, 0.0, 0.3, "yes"),
    (0.85, 0.0, 0.3, "yes"),      # failure rate 0.15 < 0.2
    (0.75, 0.0, 0.3, "no"),       # 0.25 > 0.2: claim 1 fails
    (0.95, 0.0, 0.95, "partial"),  # no gain over random way-points
    (0.95, 0.92, 0.3, "no"),      # failure 0.05 vs direct 0.08: not a factor 2
    (0.95, 0.85, 0.3, "yes"),     # 0.05 vs 0.15: a factor 3
])
def test_verdict_on_both_sides_of_each_threshold(success, direct, rand, value):
    assert sg.verdict(jitter(rows(success, direct, rand)))["value"] == value


def test_verdict_is_pending_below_ten_seeds():
    assert sg.verdict(rows(0.95, 0.0, 0.3, n=9))["value"] == "pending"
