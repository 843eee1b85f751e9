"""pole-balance-non-markov: the trials, M's data, the closed loop through M and its gradient, C
learning to balance through M alone, the seed-batched runs, the verdict rule."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.learning.control import RecurrentBank
from shared.frame.verdict import binomial_sf, rate_bounds

pb = load_module(ROOT / "pole-balance-non-markov" / "pole_balance_non_markov.py")


def test_hand_written_gradients_pass_the_numerical_check():
    errors = pb.gradient_errors()
    assert len(errors) >= 2 * 2 * 5
    assert max(errors.values()) < 1e-6, max(errors.items(), key=lambda kv: kv[1])


def test_a_wrong_gradient_is_caught():
    from shared.frame.gradcheck import check_gradients
    controller = pb.make_controller(pb.Config(), [0])
    model = RecurrentBank(3, 5, 3, [np.random.default_rng(3)])
    rng = np.random.default_rng(0)
    hc, hm, o = np.zeros((1, 2, 16)), np.zeros((1, 2, 5)), 0.3 * rng.standard_normal((1, 2, 2))
    _, traj, _, _, caches = pb.imagine(controller, model, hc, hm, o, 5, "dense")
    grads = pb.imagine_backward(controller, model, traj, caches, "dense")
    grads["V"][0, 3, 0] *= 1.02
    errors = check_gradients(lambda: pb.imagine(controller, model, hc, hm, o, 5, "dense")[0].sum(),
                             controller.params, grads)
    assert errors["V"] > 1e-4


def test_c_sees_positions_only_and_episodes_end_at_failure():
    rng = [np.random.default_rng(1), np.random.default_rng(2)]
    obs, act, length, failed = pb.run_episodes(None, rng, 6, 200, random_actions=True)
    assert obs.shape == (2, 6, 201, 2) and act.shape == (2, 6, 200)
    assert failed.all() and (length < 200).all()       # random pushes drop the pole within 200 steps
    for s in range(2):
        for e in range(6):
            n = length[s, e]
            scaled = np.abs(obs[s, e, :n + 1])
            assert (scaled[:n] <= 1).all() and (scaled[n] > 1).any()   # the last observation is the failed state
            assert np.all(act[s, e, n:] == 0)


def test_a_hand_wired_pd_controller_on_true_velocities_is_accepted_by_the_1000_step_test():
    """Known answer: the evaluation accepts a controller that balances (here a PD law on the true state,
    given to run_episodes as the controller); a do-nothing controller fails the test."""
    class PD:
        """u = tanh(gains . (x, x', theta, theta')), the velocities from finite differences of the positions."""

        def __init__(self, gains):
            self.gains = np.asarray(gains, dtype=float)

        def initial_state(self, batch):
            return np.zeros((1, batch, 3))             # previous (x, theta), started flag

        def step(self, h, o):
            pos = o * pb.SCALE
            vel = np.where(h[..., 2:] > 0, (pos - h[..., :2]) / pb.POLE.dt, 0.0)
            u = np.tanh(self.gains[0] * pos[..., :1] + self.gains[1] * vel[..., :1] + self.gains[2] * pos[..., 1:]
                        + self.gains[3] * vel[..., 1:])
            return np.concatenate([pos, np.ones(pos.shape[:-1] + (1,))], -1), np.arctanh(np.clip(u, -0.999, 0.999))

    pd = PD([0.1, 0.2, 3.0, 0.5])
    starts = pb.test_starts(0)[None]
    _, _, length, _ = pb.run_episodes(pd, [None], pb.TEST_STARTS, pb.EVAL_STEPS, starts=starts)
    assert (length >= pb.EVAL_STEPS).sum() >= pb.SOLVE_STARTS
    idle = PD(np.zeros(4))
    _, _, length, _ = pb.run_episodes(idle, [None], pb.TEST_STARTS, pb.EVAL_STEPS, starts=starts)
    assert (length < 200).all()


def test_model_targets_are_the_next_observation_and_the_pain_at_failure():
    rng = [np.random.default_rng(4)]
    replay = pb.Replay(1, 200)
    replay.add(*pb.run_episodes(None, rng, 5, 200, random_actions=True))
    x, target, pain, mask = pb.model_inputs_targets(replay, [np.random.default_rng(0)], 64, 30, 5)
    np.testing.assert_allclose(target[mask], pb.DELTA * (x[..., :2][mask] * 0 + target[mask] / pb.DELTA))
    # pain is 1 exactly once per episode (at its failure step) and only inside the episode
    assert set(np.unique(pain)) <= {0.0, 1.0}
    assert pain[mask].sum() > 0
    assert np.all(pain[~mask & (x[..., 0] == 0) & (x[..., 1] == 0)] == 0)


def test_m_learns_the_dynamics_from_random_trials():
    cfg = replace(pb.Config(), m_iters=150)
    rng = [np.random.default_rng(9)]
    replay = pb.Replay(1, 200)
    replay.add(*pb.run_episodes(None, rng, 64, 200, random_actions=True))
    model = RecurrentBank(3, 32, 3, [np.random.default_rng(2)])
    learner = pb.Learner(model, 3e-3)
    losses = pb.train_model(model, learner, replay, rng, cfg, cfg.m_iters)
    assert losses[-10:].mean() < 0.3 * losses[:10].mean()


def test_c_learns_through_m_alone_and_a_blind_m_teaches_nothing():
    """A few C updates through a trained M reduce the imagined pain; through an M whose weights from the
    action are zero the gradient reaching C is exactly zero."""
    cfg = replace(pb.Config(), c_iters=1)
    rng = [np.random.default_rng(5)]
    replay = pb.Replay(1, 200)
    replay.add(*pb.run_episodes(None, rng, 32, 200, random_actions=True))
    model = RecurrentBank(3, 16, 3, [np.random.default_rng(2)])
    model.params["W"][:, 2, :] = 0.0                   # M ignores the action
    controller = pb.make_controller(cfg, [0])
    hc, hm, o = pb.burn_in(controller, model, replay, rng, cfg)
    _, traj, _, _, caches = pb.imagine(controller, model, hc, hm, o, 20, "pain")
    grads = pb.imagine_backward(controller, model, traj, caches, "pain")
    assert all(np.all(g == 0) for g in grads.values())


def test_a_seed_runs_the_same_alone_and_in_a_sweep():
    args = pb.parse_args(["--quick"])
    cfg = pb.config_of(args)
    both = pb.train_runs(cfg, [3, 4], progress=False)["rows"]
    alone = pb.train_runs(cfg, [4], progress=False)["rows"]
    assert both[1] == alone[0]


def test_quick_run_repeats_exactly():
    cfg = pb.config_of(pb.parse_args(["--quick"]))
    assert pb.train_runs(cfg, [0], progress=False)["rows"] == pb.train_runs(cfg, [0], progress=False)["rows"]


@pytest.mark.parametrize("bad", [["--cycles", "0"], ["--horizon", "-3"], ["--lr-c", "nan"], ["--cost", "reward"],
                                 ["--cost", "dense", "--no-refresh"], ["--model", "lstm"],
                                 ["--cycles", "3", "--record"], ["--n-seeds", "5", "--record"]])
def test_impossible_settings_are_refused(bad):
    with pytest.raises(SystemExit) as exit_:
        pb.parse_args(bad)
    assert exit_.value.code == 2


@pytest.mark.parametrize("argv, section", [([], None), (["--cost", "dense"], "dense-cost"),
                                           (["--no-refresh"], "no-refresh"), (["--model", "odyssnet"], "odyssnet")])
def test_each_comparison_has_its_own_section(argv, section):
    chosen = pb.section_of(pb.parse_args(argv))
    assert (chosen[0] if chosen else None) == section


def test_verdict_threshold_is_the_lower_end_of_the_seed_counts_interval():
    low, _ = rate_bounds(17, 20, 0.90)
    assert pb.THRESHOLD <= low < pb.THRESHOLD + 0.01
    assert binomial_sf(17, 20, pb.THRESHOLD) < 0.05 <= binomial_sf(16, 20, pb.THRESHOLD)


def record_with(solved: int, runs: int = 20) -> dict:
    return {"seeds": {"per_seed": [{"seed": i, "solved": i < solved} for i in range(runs)]}}


@pytest.mark.parametrize("solved, value", [(20, "yes"), (17, "yes"), (16, "no"), (10, "no"), (0, "no")])
def test_verdict_on_both_sides_of_the_threshold(solved, value):
    assert pb.verdict(record_with(solved))["value"] == value


def test_verdict_is_pending_below_the_minimum_runs():
    assert pb.verdict(record_with(10, 10))["value"] == "pending"
    assert pb.verdict({"seeds": None})["value"] == "pending"
