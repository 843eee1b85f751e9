"""shared.networks.worldmodel: the VAE's and the MDN head's backward against central differences, the MDN as a
Gaussian NLL for one component, the KL term at the prior, and the mixture's mean."""

from __future__ import annotations

import numpy as np
import pytest

from shared.frame.gradcheck import check_gradients
from shared.networks.worldmodel import VAE, mdn_loss, mdn_mean, mdn_split


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
