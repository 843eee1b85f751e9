"""world-models-carracing: the track, the oracle, V, M's mixture-density head, CMA-ES, the controller's
rollout, and the verdict rule on both sides of each threshold."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.frame.verdict import ALPHA, t_quantile

wm = load_module(ROOT / "world-models-carracing" / "world_models_carracing.py")
ENV = wm.Env()


def circles(n: int) -> np.ndarray:
    """n tracks of zero amplitude: circles of radius R."""
    return np.zeros((n, 2 * len(ENV.harmonics)))


# ---- the environment ---------------------------------------------------------------------


def test_radial_offset_matches_the_polar_definition():
    rng = np.random.default_rng(0)
    env = wm.replace(ENV, harmonics=(2, 3, 5))
    tracks = wm.sample_tracks(6, env, rng)
    x, y = rng.normal(0, 9, (6, 11)), rng.normal(0, 9, (6, 11))
    r, _, _ = wm.track_radius(np.arctan2(y, x), tracks[:, None, :], env)
    coef = wm.shape_coefficients(tracks[:, None, :], env)
    np.testing.assert_allclose(wm.radial_offset(x, y, coef, env), np.hypot(x, y) - r, atol=1e-9)


def test_radius_derivatives_and_curvature():
    tracks = wm.sample_tracks(3, ENV, np.random.default_rng(1))[:, None, :]
    phi, h = np.linspace(0, 2 * np.pi, 4000)[None, :], 1e-5
    r, d1, d2 = wm.track_radius(phi, tracks, ENV)
    np.testing.assert_allclose(d1, (wm.track_radius(phi + h, tracks, ENV)[0]
                                    - wm.track_radius(phi - h, tracks, ENV)[0]) / (2 * h), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(d2, (wm.track_radius(phi + h, tracks, ENV)[1]
                                    - wm.track_radius(phi - h, tracks, ENV)[1]) / (2 * h), rtol=1e-6, atol=1e-6)
    # the curvature of the centre line from its points: turning angle per arc length
    x, y = r * np.cos(phi), r * np.sin(phi)
    heading = np.unwrap(np.arctan2(np.gradient(y, axis=1), np.gradient(x, axis=1)), axis=1)
    arc = np.hypot(np.gradient(x, axis=1), np.gradient(y, axis=1))
    numeric = np.gradient(heading, axis=1) / arc
    np.testing.assert_allclose(wm.curvature(phi, tracks, ENV)[:, 2:-2], numeric[:, 2:-2], rtol=1e-3, atol=1e-4)
    assert wm.curvature(0.3, circles(1)[0], ENV) == pytest.approx(1 / ENV.radius)     # a circle


def test_car_starts_on_the_centre_line_facing_along_it_and_sees_the_track_ahead():
    tracks = wm.sample_tracks(5, ENV, np.random.default_rng(1))
    cars = wm.Cars(tracks, ENV)
    np.testing.assert_allclose(cars.offset(), 0, atol=1e-9)
    frames = cars.observe().reshape(5, ENV.patch, ENV.patch)
    centre = ENV.patch // 2
    assert np.all(frames[:, -1, centre - 1: centre + 1] == 1)      # just behind the car: track
    assert np.all(frames[:, :, 0] + frames[:, :, -1] < ENV.patch)  # the edges of the view are partly grass
    cars.step(np.array([[0.0, 1.0]] * 5))
    assert np.all(np.abs(cars.offset()) < 0.05)                     # a small step along the heading


def test_views_rendered_in_blocks_match_one_block():
    tracks = wm.sample_tracks(300, ENV, np.random.default_rng(2))
    cars = wm.Cars(tracks, ENV, start_phi=np.random.default_rng(3).uniform(0, 6, 300))
    blocked = cars.observe()
    cars.CHUNK = 1000
    np.testing.assert_array_equal(blocked, cars.observe())


def test_reward_is_progress_on_the_track_and_laps_pay_lap_reward():
    tracks = circles(1)                                       # a circle of radius R
    cars = wm.Cars(tracks, ENV)
    total, speed = 0.0, 0.5
    for _ in range(400):
        cars.v[:] = speed / (1 - ENV.drag)                          # after drag: speed, with v^2 / R < grip
        steer = speed / ENV.radius / min(ENV.max_turn, ENV.grip / speed)
        total += cars.step(np.array([[steer, 0.0]]))[0]
    laps = cars.best[0] / (2 * np.pi)
    assert laps > 1.0 and not cars.done[0]
    assert total == pytest.approx(ENV.lap_reward * laps, rel=1e-9)


def test_driving_backwards_or_off_the_track_earns_nothing_and_ends_the_episode():
    tracks = circles(2)
    cars = wm.Cars(tracks, ENV)
    cars.theta += np.array([np.pi, np.pi / 2])                      # backwards; straight off the track (outwards)
    rewards = [cars.step(np.array([[0.0, 1.0], [0.0, 1.0]])) for _ in range(60)]
    assert np.all(np.concatenate(rewards) == 0)
    assert cars.done[1]


def test_speed_is_capped_by_grip_in_turns_and_kept_with_little_drag():
    cars = wm.Cars(circles(1), ENV)
    cars.v[:] = 2.0
    theta = cars.theta.copy()
    cars.step(np.array([[1.0, 0.0]]))
    assert cars.theta[0] - theta[0] == pytest.approx(ENV.grip / cars.v[0])
    assert cars.v[0] == pytest.approx(2.0 * (1 - ENV.drag))         # coasting: only drag


# ---- the oracle ------------------------------------------------------------------------------


def test_the_oracle_laps_every_track_without_leaving_it_and_beats_careful_driving():
    """Known answers: the privileged-state driver never ends an episode (it brushes the grass at most),
    laps more than 1.5 times in 150 steps, and a careful pure-pursuit driver at a fixed safe speed
    does less."""
    tracks = wm.sample_tracks(12, ENV, np.random.default_rng(7))
    cars = wm.Cars(tracks, ENV)
    total, worst = np.zeros(12), 0.0
    for _ in range(150):
        total += cars.step(wm.oracle_action(cars, ENV))
        worst = max(worst, float(np.abs(cars.offset()).max()))
    assert not cars.done.any() and worst < 1.5 * ENV.half_width
    assert np.all(total > 1.5 * ENV.lap_reward)
    careful = np.zeros(12)
    cars = wm.Cars(tracks, ENV)
    for _ in range(150):
        steer = wm.oracle_action(cars, ENV)[:, 0]
        careful += cars.step(np.stack([steer, np.where(cars.v > 0.6, 0.0, 1.0)], 1))
    assert total.mean() > 1.1 * careful.mean()
    np.testing.assert_array_equal(wm.oracle_returns(tracks, ENV, 150), total)


# ---- V, M and the gradient checks ----------------------------------------------------------


def test_gradient_checks_pass():
    errors = wm.gradient_errors(0)
    assert max(errors.values()) < 1e-6, errors


def test_gradient_check_catches_a_wrong_mdn_backward(monkeypatch):
    original = wm.mdn_loss

    def broken(out, target, k):
        loss, d = original(out, target, k)
        return loss, d * 1.01
    monkeypatch.setattr(wm, "mdn_loss", broken)
    assert max(wm.gradient_errors(0).values()) > 1e-3


def test_vae_kl_vanishes_at_the_prior_and_training_lowers_the_loss():
    rng = np.random.default_rng(3)
    vae = wm.VAE(10, 6, 2, rng)
    for name in ("Wmu", "bmu", "Wlv", "blv"):
        vae.params[name][...] = 0
    x = (rng.random((8, 10)) < 0.3).astype(float)
    assert vae.loss(x, rng.standard_normal((8, 2)))[2] == 0.0
    frames, _ = wm.collect_rollouts(6, 20, ENV, np.random.default_rng(4))
    cfg = wm.replace(wm.QUICK, v_steps=100, v_batch=32, v_hidden=16)
    _, curve = wm.train_vae(frames.reshape(-1, frames.shape[-1]), cfg, np.random.default_rng(5))
    assert curve[-20:, 0].mean() < 0.7 * curve[:5, 0].mean()


@pytest.fixture(scope="module")
def world():
    return wm.train_world_model(0, wm.QUICK, ENV, verbose=False)


def test_the_untrained_m_is_m_before_training(world):
    fresh = wm.new_mdn_rnn(wm.QUICK, wm.stream(0, "M"))
    for name, value in world["m_untrained"].params.items():
        np.testing.assert_array_equal(value, fresh.params[name])
        assert not np.array_equal(value, world["m_model"].params[name]) or name == "c"



# ---- C and the rollout -----------------------------------------------------------------------


def test_controller_sizes_follow_the_papers_formulas():
    cfg = wm.Config()
    arms = {a.name: a for a in wm.arms_of("lstm", cfg)}
    assert wm.controller_size(arms["full"], cfg) == (cfg.z_dim + cfg.m_hidden) * 2 + 2
    assert wm.controller_size(arms["z_only"], cfg) == cfg.z_dim * 2 + 2
    hidden = cfg.c_hidden
    assert wm.controller_size(arms["z_hidden"], cfg) == cfg.z_dim * hidden + hidden + hidden * 2 + 2
    # the paper's formulas (Sec. 3.2: 867; A.4: 1443) for its sizes
    assert (32 + 256) * 3 + 3 == 867 and 32 * 40 + 40 + 40 * 3 + 3 == 1443
    # as in the paper, C with the hidden layer has more parameters than the full model's C
    assert wm.controller_size(arms["z_hidden"], cfg) > wm.controller_size(arms["full"], cfg)


def test_hidden_layer_controller_computes_tanh_of_tanh():
    rng = np.random.default_rng(4)
    n_in, hidden = 5, 3
    params = rng.normal(0, 1, (2, n_in * hidden + hidden + 2 * hidden + 2))
    feat = rng.normal(0, 1, (2, n_in))
    for i in range(2):
        p = params[i]
        w1, b1 = p[: n_in * hidden].reshape(n_in, hidden), p[n_in * hidden: n_in * hidden + hidden]
        w2, b2 = p[n_in * hidden + hidden: -2].reshape(hidden, 2), p[-2:]
        expected = np.tanh(np.tanh(feat[i] @ w1 + b1) @ w2 + b2)
        np.testing.assert_allclose(wm.act(params, feat, hidden)[i], expected, rtol=1e-12)


@pytest.mark.parametrize("arm_name", ["full", "z_hidden", "random_m"])
def test_rollout_of_a_population_matches_each_candidate_alone(world, arm_name):
    cfg = wm.QUICK
    arm = {a.name: a for a in wm.arms_of("lstm", cfg)}[arm_name]
    rng = np.random.default_rng(6)
    params = rng.normal(0, 0.5, (3, wm.controller_size(arm, cfg)))
    tracks = wm.sample_tracks(2, ENV, rng)
    together = wm.rollout(params, tracks, arm, world, cfg, ENV)
    for i in range(3):
        alone = wm.rollout(params[i:i + 1], tracks, arm, world, cfg, ENV)
        np.testing.assert_allclose(together[i], alone[0], rtol=1e-10, atol=1e-10)


def test_the_trace_holds_ms_prediction_of_the_next_code(world):
    cfg = wm.QUICK
    arm = wm.arms_of("lstm", cfg)[0]
    params = np.random.default_rng(8).normal(0, 0.3, (1, wm.controller_size(arm, cfg)))
    returns, log = wm.rollout(params, wm.sample_tracks(1, ENV, np.random.default_rng(9)), arm, world, cfg, ENV,
                              trace=True)
    assert sum(s["reward"] for s in log) == pytest.approx(returns[0, 0])
    predicted = [s["z_next_predicted"] for s in log if "z_next_predicted" in s]
    assert len(predicted) >= len(log) - 1 and predicted[0].shape == (cfg.z_dim,)


def test_speed_probe_reads_speed_back_from_features_that_hold_it():
    rng = np.random.default_rng(8)
    probe = []
    for _ in range(30):
        v = rng.uniform(0, 2, 6)
        probe.append((rng.normal(0, 1, (6, 3)), np.stack([v, rng.normal(0, 1, 6)], 1), v, np.ones(6, bool)))
    r2_z, r2_zh = wm.speed_probe(probe, 6)
    assert r2_zh == pytest.approx(1.0) and r2_z < 0.3


def test_restarts_are_independent_runs_batched_together(world):
    cfg = wm.replace(wm.QUICK, generations=3)
    arm = wm.arms_of("lstm", cfg)[1]
    three, curve = wm.evolve(arm, world, wm.replace(cfg, restarts=3), ENV, 0, verbose=False)
    one, _ = wm.evolve(arm, world, wm.replace(cfg, restarts=1), ENV, 0, verbose=False)
    np.testing.assert_allclose(three[0], one[0], rtol=1e-9, atol=1e-12)
    assert not np.allclose(three[0], three[1])
    assert curve.shape == (3, 3, 4) and np.all(curve[..., 3] >= 1.0)


# ---- the verdict rule ------------------------------------------------------------------------

NOISE = np.array([0.5, -1.2, 0.3, 1.1, -0.4, 0.9, -1.0, 0.2, -0.6, 1.3, -0.8, -0.3])
NOISE = (NOISE - NOISE.mean()) / NOISE.std(ddof=1) * 0.02          # sd 0.02 in log ratio, mean exactly 0


def record_of(values: dict, n: int = 12, config=None) -> dict:
    """A synthetic merged record: seeds 0..n-1 spread over the main part and two seed blocks."""
    rows = [{"seed": s, **{k: float(v[s]) if np.ndim(v) else float(v) for k, v in values.items()}}
            for s in range(n)]
    third = max(1, n // 3)
    cfg = config or {"generations": 60}
    return {"seeds": {"per_seed": rows[:third]}, "config": cfg,
            "seeds-4-7": {"seeds": {"per_seed": rows[third:2 * third]}, "config": cfg, "command": "c"},
            "seeds-8-11": {"seeds": {"per_seed": rows[2 * third:]}, "config": cfg, "command": "c"}}


def shifted(base: float, log_mean: float) -> np.ndarray:
    return base * np.exp(log_mean + NOISE)


def critical(alpha: float) -> float:
    """The mean log ratio at which the one-sided paired t-test over 12 seeds reaches alpha."""
    return t_quantile(1 - alpha, 11) * 0.02 / math.sqrt(12)


# Per claim: a scenario with that claim's log ratio at threshold + `offset` (relative to the critical
# value) and the other claims far from theirs, and the level Holm compares the claim with there.
SCENARIOS = {
    0: (lambda o: {"oracle": 100, "z_only": 95, "z_hidden": 30, "full": shifted(95, o), "random_m": 60}, ALPHA / 2),
    1: (lambda o: {"oracle": 100, "z_only": 40, "z_hidden": 70, "full": shifted(70, o), "random_m": 60}, ALPHA / 2),
    2: (lambda o: {"oracle": 100, "z_only": 60, "z_hidden": shifted(60, o), "full": 95, "random_m": 60}, ALPHA),
    3: (lambda o: {"oracle": 100, "z_only": 40, "z_hidden": 70, "full": shifted(90, o), "random_m": 60}, ALPHA),
    4: (lambda o: {"oracle": 100, "z_only": 50, "z_hidden": shifted(90, -o), "full": 99, "random_m": 60}, ALPHA),
}


@pytest.mark.parametrize("index", sorted(SCENARIOS))
def test_each_claim_on_both_sides_of_its_threshold(index):
    scenario, level = SCENARIOS[index]
    crit = critical(level)
    above = wm.verdict(record_of(scenario(1.3 * crit)))
    below = wm.verdict(record_of(scenario(0.7 * crit)))
    assert above["claims"][index]["holds"] is True
    assert below["claims"][index]["holds"] is False
    # the other claims are the same on both sides
    others = [i for i in range(5) if i != index]
    assert [above["claims"][i]["holds"] for i in others] == [below["claims"][i]["holds"] for i in others]


def test_grades():
    strong = {"oracle": 100, "z_only": shifted(60, 0), "z_hidden": 75, "full": shifted(95, 0), "random_m": 80}
    assert wm.verdict(record_of(strong))["value"] == "yes"
    no_solve = {**strong, "full": shifted(85, 0)}                    # M helps, but under 0.9 of the oracle
    result = wm.verdict(record_of(no_solve))
    assert result["value"] == "partial" and "solves" in result["reason"]
    no_help = {**strong, "z_only": shifted(95, 0.0), "z_hidden": 96}   # z alone as good: claim 1 fails
    assert wm.verdict(record_of(no_help))["value"] == "qualitative"
    nothing = {**strong, "full": shifted(60, 0.0)}
    assert wm.verdict(record_of(nothing))["value"] == "no"


def test_controls_are_reported_apart_from_the_claims():
    values = {"oracle": 100, "z_only": shifted(60, 0), "z_hidden": 75, "full": shifted(95, 0), "random_m": 95}
    result = wm.verdict(record_of(values))
    assert result["value"] == "yes" and len(result["claims"]) == 5
    learned, any_state = result["controls"]
    assert learned["holds"] is False and any_state["holds"] is True


def test_pending_below_the_minimum_of_seeds_or_with_mixed_configurations():
    values = {"oracle": 100, "z_only": 60, "z_hidden": 75, "full": shifted(95, 0)[:11], "random_m": 80}
    assert wm.verdict(record_of(values, n=11))["value"] == "pending"
    ok = record_of({**values, "full": shifted(95, 0)})
    assert wm.verdict(ok)["value"] == "yes"
    ok["seeds-8-11"]["config"] = {"generations": 10}
    assert wm.verdict(ok)["value"] == "pending"
    missing = record_of({**values, "full": shifted(95, 0)})
    del missing["seeds"]["per_seed"][0]["random_m"]
    assert wm.verdict(missing)["value"] == "pending"


def test_a_seed_recorded_twice_counts_once():
    record = record_of({"oracle": 100, "z_only": 60, "z_hidden": 75, "full": shifted(95, 0), "random_m": 80})
    record["seeds-0-3"] = {"seeds": {"per_seed": record["seeds"]["per_seed"]}, "config": record["config"],
                           "command": "c"}
    assert [r["seed"] for r in wm.seed_rows(record)] == list(range(12))


def test_where_a_run_is_recorded():
    assert wm.part_name("lstm", [0, 1, 2]) is None
    assert wm.part_name("lstm", [3, 4, 5]) == "seeds-3-5"
    assert wm.part_name("odyssnet", [0, 1]) == "odyssnet"
