"""shared.learning.nem: RNN-EM unrolled. The whole model's backward against central differences for every
M-step cell (sigmoid RNN, GRU, OdyssNet), with the gradient through gamma and with gamma held (against a
stop-gradient twin), a 1% error caught, the two modes agreeing where gamma cannot move, the E-step's
known answer, and the grouping AMI over foreground pixels."""

from __future__ import annotations

import numpy as np
import pytest

from shared.frame.gradcheck import check_gradients
from shared.learning import nem as core


def three_objects(rng, n, d=60):
    """n images of d pixels: three non-overlapping random objects (groups 1..3) on background 0."""
    groups = np.zeros((n, d), dtype=int)
    for i in range(n):
        cells = rng.permutation(d)[:30]
        groups[i, cells[:10]], groups[i, cells[10:20]], groups[i, cells[20:]] = 1, 2, 3
    return groups


@pytest.mark.parametrize("cell", ["rnn", "gru", "odyssnet"])
@pytest.mark.parametrize("grad_gamma", [True, False])
def test_the_whole_unrolled_model_matches_central_differences(cell, grad_gamma):
    rng = np.random.default_rng(7)
    D, B, T, K = 12, 3, 4, 3
    cfg = core.NEMConfig(K=K, cell=cell, hidden=8 if cell == "odyssnet" else 5, n_in=3, n_out=4, thinking=2,
                         grad_gamma=grad_gamma, inter_weight=0.7)
    p, bank = core.init_params(D, cfg, rng)
    for k in ("b", "c"):
        if k in p:
            p[k][:] = rng.normal(0.0, 0.3, p[k].shape)
    clean = (rng.random((T, B, D)) < 0.4).astype(float)
    noisy = np.abs(clean - (rng.random(clean.shape) < 0.2))
    gamma0 = core.initial_gamma(rng, B, K, D)
    weights = [0.5, 1.0, 0.3, 1.2]
    _, cache = core.nem_forward(p, cfg, bank, noisy, clean, gamma0, weights)
    grads = core.nem_backward(p, cache)
    frozen = None if grad_gamma else cache["gamma"].copy()      # gamma held: the stop-gradient twin
    entries = {"core.W": np.flatnonzero(~np.eye(cfg.hidden, dtype=bool)[None])} if cell == "odyssnet" else {}
    errors = check_gradients(lambda: core.nem_forward(p, cfg, bank, noisy, clean, gamma0, weights, keep=False,
                                                      frozen_gamma=frozen)[0], p, grads, entries=entries)
    assert max(errors.values()) < 1e-6, errors


def test_the_check_catches_a_one_percent_error():
    rng = np.random.default_rng(5)
    cfg = core.NEMConfig(K=3, cell="gru", hidden=5)
    p, bank = core.init_params(10, cfg, rng)
    clean = (rng.random((3, 2, 10)) < 0.5).astype(float)
    gamma0 = core.initial_gamma(rng, 2, 3, 10)
    _, cache = core.nem_forward(p, cfg, bank, clean, clean, gamma0, [1.0, 1.0, 1.0])
    grads = core.nem_backward(p, cache)
    grads["Un"] = grads["Un"].copy()
    grads["Un"].flat[3] *= 1.01
    errors = check_gradients(lambda: core.nem_forward(p, cfg, bank, clean, clean, gamma0, [1.0] * 3, keep=False)[0],
                             p, grads)
    assert errors["Un"] > 1e-4 and max(v for k, v in errors.items() if k != "Un") < 1e-6


def test_e_step_with_the_true_objects_as_predictions_groups_perfectly():
    groups = three_objects(np.random.default_rng(3), 8)
    images = (groups > 0).astype(float)
    psi = np.stack([np.where(groups == k + 1, 0.95, 0.05) for k in range(3)], axis=1)   # (B, 3, D)
    gamma, total = core.e_step(psi, images[:, None, :], 1e-6)
    np.testing.assert_allclose(gamma.sum(1), 1.0)
    amis = core.grouping_ami(groups, gamma)
    np.testing.assert_allclose(amis, 1.0)
    swapped = core.grouping_ami(groups, gamma[:, ::-1])          # component order does not matter
    np.testing.assert_allclose(swapped, 1.0)


def test_gamma_held_and_through_gamma_agree_when_gamma_does_not_move():
    # With one component gamma is 1 everywhere: both backward modes must give the same gradients.
    rng = np.random.default_rng(4)
    p, bank = core.init_params(9, core.NEMConfig(K=1, cell="rnn", hidden=4), rng)
    clean = (rng.random((3, 2, 9)) < 0.5).astype(float)
    grads = []
    for through in (True, False):
        cfg = core.NEMConfig(K=1, cell="rnn", hidden=4, grad_gamma=through)
        _, cache = core.nem_forward(p, cfg, bank, clean, clean, np.ones((2, 1, 9)), [1.0, 0.5, 1.0])
        grads.append(core.nem_backward(p, cache))
    for k in p:
        np.testing.assert_allclose(grads[0][k], grads[1][k], atol=1e-12)


def test_grouping_ami_ignores_the_background():
    groups = np.array([[0, 0, 1, 1, 2, 2]])
    gamma = np.zeros((1, 2, 6))
    gamma[0, 0, [0, 2, 3]] = 1.0
    gamma[0, 1, [1, 4, 5]] = 1.0
    assert core.grouping_ami(groups, gamma)[0] == pytest.approx(1.0)
