"""pomdp-flag-maze: the T-maze, the seed-batched LSTM step and its backward, M's loss, the closed loop
through M and its gradient (LSTM and OdyssNet), a hand-wired controller accepted by the test, the
quick run's determinism, the verdict rule."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.frame.gradcheck import check_gradients

pf = load_module(ROOT / "pomdp-flag-maze" / "pomdp_flag_maze.py")


@pytest.fixture(scope="module")
def errors():
    return pf.gradient_errors(max_entries=12)     # 12 random entries per parameter; --gradcheck differences all


def test_hand_written_gradients_pass_the_numerical_check(errors):
    # LSTM C through LSTM M, OdyssNet C, OdyssNet M; relaxed, soft, relaxed after a real prefix; M's loss
    assert len(errors) >= 3 * 5 + 7 + 5 + 5 + 7
    assert any("C=odyssnet" in k for k in errors) and any("M=odyssnet" in k for k in errors)
    assert max(errors.values()) < 1e-6, max(errors.items(), key=lambda kv: kv[1])


def _nets(seed=0):
    cfg = pf.Config()
    c = pf.make_net("lstm", pf.N_OBS, 5, pf.N_ACT, [seed], 1, cfg, np.float64)
    m = pf.make_net("lstm", pf.N_OBS + pf.N_ACT, 6, pf.N_OBS + pf.N_OUTCOME, [seed], 2, cfg, np.float64)
    rng = np.random.default_rng(3)
    for net in (c, m):
        for k in net.params:
            net.params[k] += 0.3 * rng.standard_normal(net.params[k].shape)
    return c, m


def test_a_wrong_gradient_is_caught():
    c, m = _nets()
    ind = np.array([[1.0, -1.0]])
    noise = pf.gumbel([np.random.default_rng(1)], 5, 2)
    _, _, traced = pf.imagine(c, m, ind, 5, 0.1, noise)
    grads = pf.imagine_backward(c, m, traced, 0.1)
    grads["U"][0, 2, 7] *= 1.02
    err = check_gradients(lambda: pf.imagine(c, m, ind, 5, 0.1, noise)[0].sum(), c.params, grads)
    assert err["U"] > 1e-4


def test_lstm_step_backward_returns_the_input_and_state_gradients():
    c, _ = _nets()
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1, 3, pf.N_OBS))
    s0 = 0.5 * rng.standard_normal((1, 3, 10))
    w_s, w_o = rng.standard_normal((1, 3, 10)), rng.standard_normal((1, 3, pf.N_ACT))

    def loss(x=x, s0=s0):
        s, out = c.step(s0, x)
        return float((s * w_s).sum() + (out * w_o).sum())
    _, _, cache = c.step_cached(s0, x)
    d_s, d_x = c.step_back(cache, w_s, w_o, pf.zero_grads(c))
    for arr, grad in ((x, d_x), (s0, d_s)):
        num = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + 1e-6
            up = loss()
            arr[idx] = old - 1e-6
            down = loss()
            arr[idx] = old
            num[idx] = (up - down) / 2e-6
        assert np.allclose(num, grad, rtol=1e-6, atol=1e-8)


def test_the_t_maze_hides_the_position_and_pays_only_at_the_flags():
    env = pf.TMaze(4)
    assert env.maze.layout[2] == "#S...T#"
    assert np.array_equal(env.wall_bits[env.start], pf.START_WALLS)            # walls N, S and W at S
    corridor = [env.maze.index[2, c] for c in range(2, 5)]
    assert all(np.array_equal(env.wall_bits[c], [1, 0, 1, 0]) for c in corridor)   # identical cells
    junction = env.maze.cell_of("T")
    assert np.array_equal(env.wall_bits[junction], [0, 1, 0, 0])                 # open N and S, wall E
    assert env.outcome(np.array([env.top, env.bottom, junction]), np.array([1.0, 1.0, 1.0])).tolist() == [1, 2, 0]
    assert env.outcome(np.array([env.top, env.bottom]), np.array([-1.0, -1.0])).tolist() == [2, 1]
    # the indicator only at t = 0; the episode ends at a flag
    plan = [1, 1, 1, 1, 0, 0, 0]
    obs, acts, outs, mask = pf.run_episodes(env, 10, np.array([[1.0, -1.0]]),
                                            lambda t, o: np.full((1, 2), plan[min(t, 6)]))
    assert obs[0, :, 0, 4].tolist() == [1.0, -1.0] and (obs[..., 1:, 4] == 0).all()
    assert outs[0, :, 4].tolist() == [1, 2] and mask[0, :, :5].all() and not mask[0, :, 5:].any()
    assert (outs[0, :, :4] == 0).all()


class HandWired:
    """Known answer: a controller that keeps the indicator in its state, walks east L times, then
    turns towards the indicated flag."""
    def __init__(self, corridor, n_seeds=1):
        self.corridor, self.n_seeds = corridor, n_seeds

    def initial_state(self, batch):
        return np.zeros((self.n_seeds, batch, 2))         # (indicator, steps taken)

    def hidden_of(self, state):
        return state

    def step(self, state, obs):
        ind = np.where(state[..., 1] == 0, obs[..., 4], state[..., 0])
        t = state[..., 1]
        logits = np.full(obs.shape[:2] + (pf.N_ACT,), -5.0)
        act = np.where(t < self.corridor, 1, np.where(ind > 0, 0, 2))
        np.put_along_axis(logits, act[..., None], 5.0, axis=-1)
        return np.stack([ind, t + 1], -1), logits


def test_a_hand_wired_memory_controller_is_accepted_and_a_memoryless_one_is_not():
    for corridor in (4, 10, 20):
        env = pf.TMaze(corridor)
        ok, steps, _ = pf.evaluate(env, HandWired(corridor), 2 * (corridor + 1))
        assert ok.all() and (steps == corridor + 1).all()

    class Forgetful(HandWired):
        def step(self, state, obs):
            new, logits = super().step(state, obs)
            new[..., 0] = 1.0                                # forgets: always the top flag
            return new, logits
    ok, _, _ = pf.evaluate(pf.TMaze(4), Forgetful(4), 10)
    assert ok.sum() == 1


def test_m_learns_from_episodes_and_the_quick_run_is_reproducible():
    args = pf.parse_args(["--quick", "--seed", "3"])
    cfg = pf.config_of(args)
    a = pf.train_runs(cfg, [3, 4], progress=False)
    b = pf.train_runs(cfg, [3, 4], progress=False)
    assert a["rows"] == b["rows"]
    first, last = a["history"]["m_loss"][0][:3].mean(), a["history"]["m_loss"][-1][-3:].mean()
    assert last < first
    alone = pf.train_runs(cfg, [4], progress=False)
    assert alone["rows"][0]["m_loss"] == pytest.approx(a["rows"][1]["m_loss"], rel=1e-4)


def test_reinforce_quick_run_is_reproducible():
    cfg = pf.config_of(pf.parse_args(["--quick", "--method", "reinforce"]))
    assert pf.train_runs(cfg, [0], progress=False)["rows"] == pf.train_runs(cfg, [0], progress=False)["rows"]


def _record(solved):
    return {"seeds": {"per_seed": [{"seed": i, "solved": s} for i, s in enumerate(solved)]}}


def test_verdict_rule_on_both_sides_of_its_threshold():
    assert pf.verdict(_record([True] * 8 + [False] * 2))["value"] == "yes"
    assert pf.verdict(_record([True] * 7 + [False] * 3))["value"] == "no"
    assert pf.verdict(_record([True] * 10))["value"] == "yes"
    assert pf.verdict(_record([True] * 9))["value"] == "pending"


def test_bad_command_lines_exit_before_work():
    with pytest.raises(SystemExit):
        pf.parse_args(["--corridor", "7"])
    with pytest.raises(SystemExit):
        pf.parse_args(["--method", "reinforce", "--model", "odyssnet-m"])
    with pytest.raises(SystemExit):
        pf.parse_args(["--record", "/tmp/x.json", "--cycles", "3"])
