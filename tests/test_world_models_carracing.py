"""world-models-carracing: the track, V, M's mixture-density head, CMA-ES and the controller's rollout."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, load_module

wm = load_module(ROOT / "world-models-carracing" / "world_models_carracing.py")
ENV = wm.Env()


# ---- the environment ---------------------------------------------------------------------


def test_radial_offset_matches_the_polar_definition():
    rng = np.random.default_rng(0)
    tracks = wm.sample_tracks(6, ENV, rng)
    x, y = rng.normal(0, 9, (6, 11)), rng.normal(0, 9, (6, 11))
    r, _ = wm.track_radius(np.arctan2(y, x), tracks[:, None, :], ENV)
    np.testing.assert_allclose(wm.radial_offset(x, y, tracks[:, None, :], ENV), np.hypot(x, y) - r, atol=1e-9)


def test_car_starts_on_the_centre_line_facing_along_it_and_sees_the_track_ahead():
    tracks = wm.sample_tracks(5, ENV, np.random.default_rng(1))
    cars = wm.Cars(tracks, ENV)
    np.testing.assert_allclose(wm.radial_offset(cars.x, cars.y, tracks, ENV), 0, atol=1e-9)
    frames = cars.observe().reshape(5, ENV.patch, ENV.patch)
    centre = ENV.patch // 2
    assert np.all(frames[:, -1, centre - 1: centre + 1] == 1)      # just behind the car: track
    assert np.all(frames[:, :, 0] + frames[:, :, -1] < ENV.patch)  # the edges of the view are partly grass
    # a small step along the heading keeps the car on the centre line (to first order)
    cars.step(np.array([[0.0, 1.0]] * 5))
    assert np.all(np.abs(wm.radial_offset(cars.x, cars.y, tracks, ENV)) < 0.05)


def test_reward_is_progress_on_the_track_and_laps_pay_lap_reward():
    tracks = np.zeros((1, 4))                                       # a circle of radius R
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
    tracks = np.zeros((2, 4))
    cars = wm.Cars(tracks, ENV)
    cars.theta += np.array([np.pi, np.pi / 2])                      # backwards; straight off the track (outwards)
    rewards = [cars.step(np.array([[0.0, 1.0], [0.0, 1.0]])) for _ in range(40)]
    assert np.all(np.concatenate(rewards) == 0)
    assert cars.done[1]


def test_speed_is_capped_by_grip_in_turns():
    cars = wm.Cars(np.zeros((1, 4)), ENV)
    cars.v[:] = 2.0
    theta = cars.theta.copy()
    cars.step(np.array([[1.0, 0.0]]))
    assert cars.theta[0] - theta[0] == pytest.approx(ENV.grip / cars.v[0])


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


def test_mdn_loss_is_a_gaussian_nll_for_one_component():
    rng = np.random.default_rng(2)
    out = rng.normal(0, 0.5, (3, 4, 3))                             # n_z = 1, k = 1: logit, mu, log sigma
    target = rng.normal(0, 1, (3, 4, 1))
    mu, log_sigma = out[..., 1:2], out[..., 2:3]
    nll = 0.5 * ((target - mu) / np.exp(log_sigma)) ** 2 + log_sigma + 0.5 * np.log(2 * np.pi)
    assert wm.mdn_loss(out, target, 1)[0] == pytest.approx(nll.mean(), rel=1e-12)


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


# ---- CMA-ES --------------------------------------------------------------------------------


def test_cmaes_solves_an_ill_conditioned_ellipsoid_by_learning_its_covariance():
    n = 8
    scales = 10.0 ** np.linspace(0, 3, n)                           # condition number 1e6 of the Hessian

    def f(x):
        return np.sum((scales * (x - 1.0)) ** 2, axis=1)
    es = wm.CMAES(np.zeros(n), 1.0, 12, np.random.default_rng(0))
    for _ in range(400):
        es.tell(f(es.ask()))
    assert f(es.mean[None])[0] < 1e-8
    # C's principal axes line up with the coordinate axes; its spread follows 1/scale
    variances = np.diag(es.C)
    assert np.all(np.diff(np.log(variances)) < 0)
    assert variances[0] / variances[-1] > 1e4


def test_cmaes_without_covariance_adaptation_would_be_much_slower_on_the_ellipsoid():
    """Same budget with c1 = cmu = 0 (step-size control only) stays far from the optimum."""
    n = 8
    scales = 10.0 ** np.linspace(0, 3, n)

    def f(x):
        return np.sum((scales * (x - 1.0)) ** 2, axis=1)
    es = wm.CMAES(np.zeros(n), 1.0, 12, np.random.default_rng(0))
    es.c1 = es.cmu = 0.0
    for _ in range(400):
        es.tell(f(es.ask()))
    assert f(es.mean[None])[0] > 1e-4


# ---- the pipeline ----------------------------------------------------------------------------


def test_rollout_of_a_population_matches_each_candidate_alone():
    cfg = wm.replace(wm.QUICK, m_hidden=6)
    world = wm.train_world_model(0, cfg, ENV, verbose=False)
    rng = np.random.default_rng(6)
    params = rng.normal(0, 0.5, (3, wm.controller_size(cfg.z_dim, cfg.m_hidden)))
    tracks = wm.sample_tracks(2, ENV, rng)
    together = wm.rollout(params, tracks, world["vae"], "lstm", world["m_model"], cfg, ENV)
    for i in range(3):
        alone = wm.rollout(params[i:i + 1], tracks, world["vae"], "lstm", world["m_model"], cfg, ENV)
        np.testing.assert_allclose(together[i], alone[0], rtol=1e-10, atol=1e-10)


def test_a_pure_pursuit_driver_laps_every_track_and_full_throttle_does_worse():
    """Known answers for the environment: steering at the centre line 4 units ahead at a
    grip-safe speed laps the track; full throttle runs out of grip
    in the tighter bends and does worse."""
    tracks = wm.sample_tracks(6, ENV, np.random.default_rng(7))
    totals = {}
    for careful in (True, False):
        cars = wm.Cars(tracks, ENV)
        total = np.zeros(6)
        for _ in range(150):
            phi = np.arctan2(cars.y, cars.x) + 4.0 / ENV.radius
            r, _ = wm.track_radius(phi, tracks, ENV)
            bearing = np.arctan2(r * np.sin(phi) - cars.y, r * np.cos(phi) - cars.x) - cars.theta
            bearing = (bearing + np.pi) % (2 * np.pi) - np.pi
            throttle = np.where(cars.v > 0.8, -0.3, 0.6) if careful else np.ones(6)
            total += cars.step(np.stack([np.clip(3 * bearing, -1, 1), throttle], 1))
        totals[careful] = total
        if careful:
            assert np.all(total > 1.5 * ENV.lap_reward) and not cars.done.any()
    assert totals[False].mean() < totals[True].mean()
    assert totals[False].min() < 0.5 * totals[True].min()      # on the tighter tracks it leaves the road


def test_speed_probe_reads_speed_back_from_features_that_hold_it():
    rng = np.random.default_rng(8)
    probe = []
    for _ in range(30):
        v = rng.uniform(0, 2, 6)
        probe.append((rng.normal(0, 1, (6, 3)), np.stack([v, rng.normal(0, 1, 6)], 1), v, np.ones(6, bool)))
    r2_z, r2_zh = wm.speed_probe(probe, 6)
    assert r2_zh == pytest.approx(1.0) and r2_z < 0.3
