"""world-models-vizdoom-dream: the take-cover room, the MDN-RNN's done head and temperature sampling,
V and M's backward passes, the controller, the dream, and the verdict rule on both sides of each
threshold."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.frame.verdict import ALPHA, t_quantile

wm = load_module(ROOT / "world-models-vizdoom-dream" / "world_models_vizdoom_dream.py")
ENV = wm.Env()


# ---- the room ------------------------------------------------------------------------------


def one_fireball_room(env, agent_x: float) -> "wm.Room":
    """A room with one monster above column 8 and no random launches after the first."""
    room = wm.Room(replace(env, fire_prob=0.0), 1, np.random.default_rng(0))
    room.monster_x[:] = 8
    room.agent_x[:] = agent_x
    steps = (room.bottom - room.TOP) / env.fireball_speed
    room.active[0, 0], room.fx[0, 0], room.fy[0, 0] = True, 8.5, room.TOP
    room.vx[0, 0] = (agent_x + env.agent_width / 2 - 8.5) / steps
    return room


def test_a_fireball_aimed_at_a_standing_agent_kills_it_when_it_lands():
    room = one_fireball_room(ENV, 2.0)
    flight = int(math.ceil((room.bottom - room.TOP) / ENV.fireball_speed))
    rewards = [room.step(np.zeros(1))[0] for _ in range(flight + 3)]
    assert rewards[:flight] == [1.0] * flight and rewards[flight:] == [0.0] * 3
    assert room.done[0]
    frame = room.observe().reshape(ENV.size, ENV.size)
    cols = slice(2, 2 + ENV.agent_width)
    assert (frame[-2:, cols] == 1).all() and (frame[int(room.bottom), cols] == 1).any()   # drawn on the agent


def test_an_agent_that_keeps_moving_dodges_it():
    room = one_fireball_room(ENV, 2.0)
    for _ in range(30):
        room.step(np.ones(1))
    assert not room.done[0] and not room.active.any()


def test_walls_stop_the_agent_and_frames_show_monsters_agent_and_fireballs():
    room = wm.Room(ENV, 4, np.random.default_rng(3))
    for _ in range(40):
        room.step(np.full(4, -1.0))
    assert (room.agent_x[~room.done] == 0).all()
    frame = wm.Room(ENV, 3, np.random.default_rng(1)).observe().reshape(3, ENV.size, ENV.size)
    assert set(np.unique(frame)) <= {0.0, 0.5, 1.0}
    assert (frame[:, :2] == 0.5).sum() >= 2 * 3 and (frame[:, -2:] == 1).sum() == 3 * 2 * ENV.agent_width


def test_rooms_are_deterministic_and_the_baselines_are_ordered():
    a = wm.run_policy(wm.dodging_policy, ENV, 200, np.random.default_rng(5))
    b = wm.run_policy(wm.dodging_policy, ENV, 200, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    rnd = wm.run_policy(wm.random_policy(np.random.default_rng(1)), ENV, 200, np.random.default_rng(5))
    assert a.mean() > 2 * rnd.mean() and (a <= ENV.max_steps).all() and (rnd >= 1).all()


def test_random_rollouts_freeze_after_death():
    frames, moves, dead, lengths = wm.collect_rollouts(20, replace(ENV, max_steps=60), np.random.default_rng(2))
    for i in range(20):
        n = lengths[i]
        if n < 60:
            assert dead[i, n] == 1 and dead[i, :n].sum() == 0 and (dead[i, n:] == 1).all()
            assert (frames[i, n:] == frames[i, n]).all() and (moves[i, n:] == 0).all()


def test_moves_cut_the_action_range_in_thirds():
    np.testing.assert_array_equal(wm.moves_of(np.array([-0.9, -0.34, -0.32, 0.0, 0.32, 0.34, 1.0])),
                                  [-1, -1, 0, 0, 0, 1, 1])


# ---- M's done head and the temperature ------------------------------------------------------


def test_gradient_checks_pass():
    errors = wm.gradient_errors(0)
    assert max(errors.values()) < 1e-6, errors
    assert {"MDN+done.out", "M.W", "M.U", "M.V", "V.W1", "V.W4"} <= set(errors)


# ---- V, M and C ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world():
    return wm.train_world_model(0, wm.QUICK, verbose=False)



def test_c_is_linear_on_z_cell_and_output_vectors_as_in_the_paper():
    cfg = wm.Config()
    assert wm.controller_size(cfg) == cfg.z_dim + 2 * cfg.m_hidden
    assert wm.controller_size(replace(cfg, z_dim=64, m_hidden=512)) == 1088      # 'Procedure' table
    rng = np.random.default_rng(5)
    params, z = rng.normal(0, 1, (2, 1 + 2 * 2)), rng.normal(0, 1, (2, 1))
    state = (rng.normal(0, 1, (2, 2)), rng.normal(0, 1, (2, 2)))
    feat = np.concatenate([z, state[1], state[0]], 1)
    np.testing.assert_allclose(wm.act(params, z, state), np.tanh((feat * params).sum(1)))


def test_a_population_dreams_as_each_candidate_alone_would_on_the_same_draws(world):
    cfg = wm.QUICK
    params = np.random.default_rng(6).normal(0, 1, (3, wm.controller_size(cfg)))
    z0 = world["z_start"][:3]
    together = wm.dream(params, np.full(3, 1.15), world["m"], z0, cfg, np.random.default_rng(7))
    assert together.shape == (3,) and ((together >= 1) & (together <= cfg.env.max_steps)).all()
    again = wm.dream(params, np.full(3, 1.15), world["m"], z0, cfg, np.random.default_rng(7))
    np.testing.assert_array_equal(together, again)


def test_a_certain_death_ends_every_dream_after_one_step(world):
    cfg = wm.QUICK
    m = world["m"]
    saved = m.params["c"].copy()
    m.params["c"][-1] = 50.0                     # the done logit: death certain
    try:
        steps = wm.dream(np.zeros((4, wm.controller_size(cfg))), np.ones(4), m, world["z_start"][:4], cfg,
                         np.random.default_rng(0))
    finally:
        m.params["c"][:] = saved
    np.testing.assert_array_equal(steps, 1)


# ---- the verdict rule ------------------------------------------------------------------------

NOISE = np.array([0.5, -1.2, 0.3, 1.1, -0.4, 0.9, -1.0, 0.2, -0.6, 1.3])
NOISE = (NOISE - NOISE.mean()) / NOISE.std(ddof=1) * 0.02          # sd 0.02 in log ratio, mean exactly 0
HI, LO = wm.HIGH, wm.LOW


def record_of(values: dict, n: int = 10, config=None) -> dict:
    """A synthetic merged record: seeds 0..n-1 in the main part and one seed block."""
    rows = [{"seed": s, **{k: float(v[s]) if np.ndim(v) else float(v) for k, v in values.items()}}
            for s in range(n)]
    half = n // 2
    cfg = config or {"generations": 40}
    return {"seeds": {"per_seed": rows[:half]}, "config": cfg,
            "seeds-5-9": {"seeds": {"per_seed": rows[half:]}, "config": cfg, "command": "c"}}


def shifted(base: float, log_mean: float) -> np.ndarray:
    return base * np.exp(log_mean + NOISE)


def critical(alpha: float) -> float:
    """The mean log ratio at which the one-sided paired t-test over 10 seeds reaches alpha."""
    return t_quantile(1 - alpha, 9) * 0.02 / math.sqrt(10)


def scores(**kw):
    base = {f"real_{HI}": 80.0, f"real_{LO}": 30.0, f"dream_{LO}": 140.0, f"dream_{HI}": 50.0, "random": 28.0}
    base.update(kw)
    return base


# Per claim: a scenario with that claim's log ratio at threshold + `offset` and the others far from
# theirs, and the level Holm compares the claim with there (alpha / (number of claims not yet rejected)).
SCENARIOS = {
    0: (lambda o: scores(**{f"real_{HI}": shifted(28, o)}), ALPHA / 3),
    1: (lambda o: scores(**{f"real_{HI}": shifted(30, o), "random": 10.0}), ALPHA / 2),
    2: (lambda o: scores(**{f"dream_{LO}": shifted(30, o)}), ALPHA),
    3: (lambda o: scores(**{f"dream_{HI}": shifted(80, -o)}), ALPHA),
}


@pytest.mark.parametrize("index", sorted(SCENARIOS))
def test_each_claim_on_both_sides_of_its_threshold(index):
    scenario, level = SCENARIOS[index]
    crit = critical(level)
    above = wm.verdict(record_of(scenario(1.3 * crit)))
    below = wm.verdict(record_of(scenario(0.7 * crit)))
    assert above["claims"][index]["holds"] is True
    assert below["claims"][index]["holds"] is False
    others = [i for i in range(4) if i != index]
    assert [above["claims"][i]["holds"] for i in others] == [below["claims"][i]["holds"] for i in others]


def test_grades():
    assert wm.verdict(record_of(scores(**{f"real_{HI}": shifted(80, 0)})))["value"] == "yes"
    easy_dream = scores(**{f"dream_{HI}": shifted(150, 0)})          # the dream at 1.15 is easier than reality
    result = wm.verdict(record_of(easy_dream))
    assert result["value"] == "partial" and "harder world" in result["reason"]
    no_transfer = scores(**{f"real_{HI}": shifted(28, 0), f"real_{LO}": 10.0, f"dream_{HI}": 20.0})
    assert wm.verdict(record_of(no_transfer))["value"] == "qualitative"
    nothing = scores(**{f"real_{HI}": shifted(28, 0), f"dream_{LO}": 30.0})
    assert wm.verdict(record_of(nothing))["value"] == "no"


def test_pending_below_the_minimum_of_seeds_or_with_mixed_configurations():
    values = scores(**{f"real_{HI}": shifted(80, 0)[:9]})
    assert wm.verdict(record_of(values, n=9))["value"] == "pending"
    ok = record_of(scores(**{f"real_{HI}": shifted(80, 0)}))
    assert wm.verdict(ok)["value"] == "yes"
    ok["seeds-5-9"]["config"] = {"generations": 10}
    assert wm.verdict(ok)["value"] == "pending"
    missing = record_of(scores(**{f"real_{HI}": shifted(80, 0)}))
    del missing["seeds"]["per_seed"][0]["random"]
    assert wm.verdict(missing)["value"] == "pending"


def test_where_a_run_is_recorded():
    assert wm.part_name([0, 1, 2, 3, 4]) is None
    assert wm.part_name([5, 6, 7, 8, 9]) == "seeds-5-9"
    assert wm.part_name([0, 1], "large") == "large-seeds-0-1"


def test_the_larger_configuration_is_not_read_by_the_verdict():
    record = record_of(scores(**{f"real_{HI}": shifted(80, 0)}))
    record["large-seeds-0-1"] = {"seeds": {"per_seed": [{"seed": 0, **scores(**{f"real_{HI}": 1.0})}]},
                                 "config": {"generations": 99}, "command": "c"}
    assert wm.verdict(record)["value"] == "yes" and [r["seed"] for r in wm.seed_rows(record)] == list(range(10))
