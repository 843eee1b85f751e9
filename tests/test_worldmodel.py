"""shared.networks.worldmodel: the VAE's and the MDN head's backward against central differences, the MDN as a
Gaussian NLL for one component, the KL term at the prior, and the mixture's mean."""

from __future__ import annotations

import numpy as np
import pytest

from shared.frame.gradcheck import check_gradients
from shared.networks.worldmodel import VAE, done_loss, mdn_done_loss, mdn_loss, mdn_mean, mdn_sample, mdn_split


def test_vae_backward_passes_the_numerical_check():
    rng = np.random.default_rng(0)
    vae = VAE(12, 5, 3, rng)
    x = (rng.random((4, 12)) < 0.5).astype(float)
    eps = rng.standard_normal((4, 3))
    _, _, _, g = vae.loss(x, eps, beta=0.7)
    errors = check_gradients(lambda: vae.loss(x, eps, beta=0.7, grads=False)[0], vae.params, g)
    assert max(errors.values()) < 1e-6, errors


def test_mdn_backward_passes_the_numerical_check_and_catches_a_wrong_one():
    rng = np.random.default_rng(1)
    out = {"out": rng.normal(0, 1, (2, 3, 3 * 2 * 3))}
    target = rng.normal(0, 1, (2, 3, 2))
    _, d = mdn_loss(out["out"], target, 3)
    loss = lambda: mdn_loss(out["out"], target, 3)[0]             # noqa: E731
    assert check_gradients(loss, out, {"out": d})["out"] < 1e-6
    assert check_gradients(loss, out, {"out": d * 1.01})["out"] > 1e-3


def test_mdn_loss_is_a_gaussian_nll_for_one_component():
    rng = np.random.default_rng(2)
    out = rng.normal(0, 0.5, (3, 4, 3))                             # n_z = 1, k = 1: logit, mu, log sigma
    target = rng.normal(0, 1, (3, 4, 1))
    mu, log_sigma = out[..., 1:2], out[..., 2:3]
    nll = 0.5 * ((target - mu) / np.exp(log_sigma)) ** 2 + log_sigma + 0.5 * np.log(2 * np.pi)
    assert mdn_loss(out, target, 1)[0] == pytest.approx(nll.mean(), rel=1e-12)


def test_mdn_mean_weights_the_component_means_by_the_mixing_weights():
    out = np.zeros((1, 6))                                          # n_z = 1, k = 2
    out[0, :2] = [0.0, np.log(3.0)]                                 # weights 1/4, 3/4
    out[0, 2:4] = [2.0, -2.0]
    logit, mu, _ = mdn_split(out, 1, 2)
    assert logit.shape == mu.shape == (1, 1, 2)
    assert mdn_mean(out, 1, 2)[0, 0] == pytest.approx(0.25 * 2.0 - 0.75 * 2.0)


def test_vae_kl_vanishes_at_the_prior():
    rng = np.random.default_rng(3)
    vae = VAE(10, 6, 2, rng)
    for name in ("Wmu", "bmu", "Wlv", "blv"):
        vae.params[name][...] = 0
    x = (rng.random((8, 10)) < 0.3).astype(float)
    assert vae.loss(x, rng.standard_normal((8, 2)))[2] == 0.0
    mu, log_var = vae.encode(x)
    assert np.all(mu == 0) and np.all(log_var == 0)
    assert vae.decode(np.zeros((1, 2))).shape == (1, 10)


# ---- M's done head and sampling at a temperature (moved from world-models-vizdoom-dream) ----------


def test_mdn_done_loss_gradient():
    rng = np.random.default_rng(0)
    n_z, k = 3, 4
    out = rng.normal(size=(2, 5, 3 * n_z * k + 1))
    target_z, target_done = rng.normal(size=(2, 5, n_z)), (rng.random((2, 5)) < 0.3).astype(float)
    _, _, _, d_out = mdn_done_loss(out, target_z, target_done, k, 0.7, 3.0)
    errors = check_gradients(lambda: mdn_done_loss(out, target_z, target_done, k, 0.7, 3.0)[0], {"out": out},
                             {"out": d_out})
    assert errors["out"] < 1e-6, errors


def test_done_loss_is_the_bernoulli_nll():
    logit, target = np.array([0.3, -2.0, 4.0]), np.array([1.0, 0.0, 1.0])
    p = 1 / (1 + np.exp(-logit))
    loss, _ = done_loss(logit, target)
    assert loss == pytest.approx(-np.mean(target * np.log(p) + (1 - target) * np.log(1 - p)))
    weighted, _ = done_loss(logit, target, 5.0)
    assert weighted == pytest.approx(-np.mean(5 * target * np.log(p) + (1 - target) * np.log(1 - p)))


def test_weighting_the_deaths_moves_the_optimal_probability_as_expected():
    # for a death rate q among identical inputs the weighted BCE is least at p = w q / (w q + 1 - q)
    target = np.array([1.0] + [0.0] * 4)                                  # q = 0.2
    grid = np.linspace(-4, 4, 8001)
    losses = [done_loss(np.full(5, g), target, 5.0)[0] for g in grid]
    best = 1 / (1 + np.exp(-grid[int(np.argmin(losses))]))
    assert best == pytest.approx(5 * 0.2 / (5 * 0.2 + 0.8), abs=1e-3)


def mixture(rng, batch=1, n_z=3, k=5):
    return rng.normal(0, 1, (batch, 3 * n_z * k))


def test_sampling_at_temperature_one_has_the_mixtures_mean():
    rng = np.random.default_rng(0)
    out = np.repeat(mixture(rng), 200_000, axis=0)
    samples = mdn_sample(out, 3, 5, 1.0, rng)
    np.testing.assert_allclose(samples.mean(0), mdn_mean(out[:1], 3, 5)[0], atol=0.02)


def test_a_low_temperature_collapses_to_the_likeliest_components_mean():
    rng = np.random.default_rng(1)
    out = mixture(rng, 4)
    logit, mu, _ = mdn_split(out, 3, 5)
    mode = np.take_along_axis(mu, logit.argmax(-1)[..., None], -1)[..., 0]
    np.testing.assert_allclose(mdn_sample(out, 3, 5, 1e-6, rng), mode, atol=0.01)


def test_a_temperature_per_row_is_the_same_as_one_temperature_for_all():
    out = mixture(np.random.default_rng(2), 6)
    per_row = mdn_sample(out, 3, 5, np.full(6, 0.7), np.random.default_rng(9))
    scalar = mdn_sample(out, 3, 5, 0.7, np.random.default_rng(9))
    np.testing.assert_allclose(per_row, scalar)


def test_a_higher_temperature_spreads_the_samples():
    rng = np.random.default_rng(3)
    out = np.repeat(mixture(rng), 50_000, axis=0)
    spread = [mdn_sample(out, 3, 5, tau, rng).std(0).mean() for tau in (0.1, 0.5, 1.0, 1.3)]
    assert spread == sorted(spread)
