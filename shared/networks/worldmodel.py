"""World models: V, a variational autoencoder of frames, and M's mixture-density head
(Ha & Schmidhuber 2018, "Recurrent world models facilitate policy evolution").

- ``VAE(n_in, n_hidden, n_z, rng)``: one tanh hidden layer on each side; the encoder gives the mean
  and log-variance of a diagonal Gaussian over z, z = mu + sigma * eps (reparameterised); the
  decoder gives Bernoulli logits of the pixels. ``loss(x (B, n_in), eps (B, n_z), beta)`` -> mean over
  the batch of the pixels' cross-entropy + beta KL(q(z|x) || N(0, I)), its two parts, gradients keyed
  like ``params``. ``encode(x)`` -> (mu, log-variance); ``decode(z)`` -> pixel probabilities.
- ``mdn_split(out, n_z, k)``, ``mdn_loss(out, target, k)``, ``mdn_mean(out, n_z, k)``: a mixture of k
  Gaussians per dimension of the next code, read off a network's output (..., 3 n_z k) as mixing
  logits, means and log standard deviations; the mean negative log-likelihood and its gradient with
  respect to the output (for an LSTM's backward, e.g. shared.networks.recurrent.LSTM).
- ``done_loss(logit, target, pos_weight)``, ``mdn_done_loss(out, target_z, target_done, k, done_weight,
  pos_weight)``: M's done head (the probability that the episode ends at t+1; VizDoom experiment) as a
  binary cross-entropy, deaths optionally weighted, alone and added to the mixture's NLL (the done
  logit is the last output); each returns its gradient.
- ``mdn_sample(out, n_z, k, tau, rng)``: z_{t+1} drawn from the mixture at temperature tau (one for all
  rows or one per row), for dreams.

Moved out of world-models-carracing and world-models-vizdoom-dream (their runs are the same number for
number); tested in
tests/test_worldmodel.py.
"""

from __future__ import annotations

import math

import numpy as np


def softplus(x):
    return np.logaddexp(0.0, x)


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class VAE:
    def __init__(self, n_in: int, n_hidden: int, n_z: int, rng: np.random.Generator):
        def fan_in_normal(a, b):
            return rng.normal(0.0, math.sqrt(1.0 / a), (a, b))
        self.params = {"W1": fan_in_normal(n_in, n_hidden), "b1": np.zeros(n_hidden),
                       "Wmu": fan_in_normal(n_hidden, n_z), "bmu": np.zeros(n_z),
                       "Wlv": 0.1 * fan_in_normal(n_hidden, n_z), "blv": np.zeros(n_z),
                       "W3": fan_in_normal(n_z, n_hidden), "b3": np.zeros(n_hidden),
                       "W4": fan_in_normal(n_hidden, n_in), "b4": np.zeros(n_in)}
        self.n_z = n_z

    def encode(self, x):
        p = self.params
        h1 = np.tanh(x @ p["W1"] + p["b1"])
        return h1 @ p["Wmu"] + p["bmu"], h1 @ p["Wlv"] + p["blv"]

    def decode(self, z):
        """Pixel probabilities."""
        p = self.params
        return sigmoid(np.tanh(z @ p["W3"] + p["b3"]) @ p["W4"] + p["b4"])

    def loss(self, x, eps, beta: float = 1.0, grads: bool = True):
        """Mean over the batch of BCE + beta KL; returns (loss, reconstruction, kl, grads or None)."""
        p, batch = self.params, len(x)
        h1 = np.tanh(x @ p["W1"] + p["b1"])
        mu, lv = h1 @ p["Wmu"] + p["bmu"], h1 @ p["Wlv"] + p["blv"]
        std = np.exp(0.5 * lv)
        z = mu + std * eps
        h2 = np.tanh(z @ p["W3"] + p["b3"])
        logits = h2 @ p["W4"] + p["b4"]
        rec = float(np.sum(softplus(logits) - x * logits)) / batch
        kl = float(-0.5 * np.sum(1.0 + lv - mu ** 2 - np.exp(lv))) / batch
        if not grads:
            return rec + beta * kl, rec, kl, None
        g = {}
        d_logits = (sigmoid(logits) - x) / batch
        g["W4"], g["b4"] = h2.T @ d_logits, d_logits.sum(0)
        d_a2 = (d_logits @ p["W4"].T) * (1.0 - h2 ** 2)
        g["W3"], g["b3"] = z.T @ d_a2, d_a2.sum(0)
        d_z = d_a2 @ p["W3"].T
        d_mu = d_z + beta * mu / batch
        d_lv = d_z * eps * 0.5 * std + beta * 0.5 * (np.exp(lv) - 1.0) / batch
        g["Wmu"], g["bmu"] = h1.T @ d_mu, d_mu.sum(0)
        g["Wlv"], g["blv"] = h1.T @ d_lv, d_lv.sum(0)
        d_a1 = (d_mu @ p["Wmu"].T + d_lv @ p["Wlv"].T) * (1.0 - h1 ** 2)
        g["W1"], g["b1"] = x.T @ d_a1, d_a1.sum(0)
        return rec + beta * kl, rec, kl, g


LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def mdn_split(out: np.ndarray, n_z: int, k: int):
    """(..., 3 n_z k) -> logit_pi, mu, log_sigma, each (..., n_z, k)."""
    out = out.reshape(*out.shape[:-1], n_z, 3 * k)
    return out[..., :k], out[..., k:2 * k], out[..., 2 * k:]


def mdn_loss(out: np.ndarray, target: np.ndarray, k: int):
    """Mean negative log-likelihood of target (..., n_z) under the mixtures; returns (loss, d_out)."""
    n_z = target.shape[-1]
    logit, mu, log_sigma = mdn_split(out, n_z, k)
    log_pi = logit - np.logaddexp.reduce(logit, axis=-1, keepdims=True)
    u = (target[..., None] - mu) * np.exp(-log_sigma)
    log_comp = log_pi - 0.5 * u ** 2 - log_sigma - LOG_SQRT_2PI
    log_p = np.logaddexp.reduce(log_comp, axis=-1, keepdims=True)
    count = log_p.size
    loss = -float(np.sum(log_p)) / count
    post = np.exp(log_comp - log_p)                     # responsibility of each component
    d = np.empty(out.shape[:-1] + (n_z, 3 * k))
    d[..., :k] = -(post - np.exp(log_pi)) / count
    d[..., k:2 * k] = -post * u * np.exp(-log_sigma) / count
    d[..., 2 * k:] = -post * (u ** 2 - 1.0) / count
    return loss, d.reshape(out.shape)


def mdn_mean(out: np.ndarray, n_z: int, k: int) -> np.ndarray:
    """The mixture's mean prediction of z_{t+1}."""
    logit, mu, _ = mdn_split(out, n_z, k)
    pi = np.exp(logit - np.logaddexp.reduce(logit, axis=-1, keepdims=True))
    return np.sum(pi * mu, axis=-1)


def done_loss(logit: np.ndarray, target: np.ndarray, pos_weight: float = 1.0):
    """Mean binary cross-entropy of M's done logits (...,) against 0/1 targets, the deaths weighted by
    pos_weight (1: the plain Bernoulli likelihood); returns (loss, dL/dlogit)."""
    count = logit.size
    weight = 1.0 + (pos_weight - 1.0) * target
    loss = float(np.sum(weight * np.logaddexp(0.0, logit) - pos_weight * target * logit)) / count
    return loss, (weight * 0.5 * (1.0 + np.tanh(0.5 * logit)) - pos_weight * target) / count


def mdn_done_loss(out: np.ndarray, target_z: np.ndarray, target_done: np.ndarray, k: int, done_weight: float,
                  pos_weight: float = 1.0):
    """M's loss: the mixture's NLL of z_{t+1} (out[..., :-1], mdn_loss) plus
    done_weight times the (death-weighted) BCE of done_{t+1} (out[..., -1]); returns (total, nll, bce, d_out)."""
    nll, d_mix = mdn_loss(out[..., :-1], target_z, k)
    bce, d_done = done_loss(out[..., -1], target_done, pos_weight)
    d_out = np.concatenate([d_mix, done_weight * d_done[..., None]], axis=-1)
    return nll + done_weight * bce, nll, bce, d_out


def mdn_sample(out: np.ndarray, n_z: int, k: int, tau, rng: np.random.Generator) -> np.ndarray:
    """Sample z_{t+1} (B, n_z) from the mixture read off out (B, 3 n_z k) at temperature tau (a
    number, or one per row (B,)), as in Sketch-RNN, which the paper cites for it: the mixing logits
    divided by tau, every component's variance multiplied by tau; one component drawn per dimension
    (the factored mixture of the appendix). tau -> 0 collapses to the most likely component's mean."""
    tau = np.asarray(tau, dtype=float)
    t_z = tau[:, None] if tau.ndim else tau                  # against (B, n_z)
    logit, mu, log_sigma = mdn_split(out, n_z, k)
    logit = logit / (t_z[..., None] if tau.ndim else tau)
    logit = logit - logit.max(axis=-1, keepdims=True)
    cdf = np.cumsum(np.exp(logit), axis=-1)
    u = rng.random(out.shape[:-1] + (n_z, 1)) * cdf[..., -1:]
    pick = np.minimum((u > cdf).sum(axis=-1), k - 1)[..., None]
    mean = np.take_along_axis(mu, pick, axis=-1)[..., 0]
    sd = np.exp(np.take_along_axis(log_sigma, pick, axis=-1)[..., 0])
    return mean + sd * np.sqrt(t_z) * rng.standard_normal(mean.shape)
