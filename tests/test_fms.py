"""shared.learning.fms: flat minimum search's regulariser B for a one-hidden-layer autoassociator. The
closed form against the paper's formula evaluated on a finite-difference Jacobian, the hand-written
gradients of B and of the reconstruction error against numerical ones (and a 1% error caught), a bank
of nets, and B's preference for switched-off hidden units."""

from __future__ import annotations

import numpy as np
import pytest

from shared.frame.gradcheck import check_gradients
from shared.learning import fms


def small_net(seed=0, d=6, h=4):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(0.0, 0.6, (h, d)), "b1": np.zeros(h), "W2": rng.normal(0.0, 0.6, (d, h)),
              "b2": np.zeros(d)}
    params["b1"] += rng.normal(0.0, 0.5, h)
    params["b2"] += rng.normal(0.0, 0.5, d)
    return params, rng.normal(0.0, 0.5, (3, d))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_closed_form_is_the_papers_formula_on_a_finite_difference_jacobian(seed):
    params, x = small_net(seed)
    eps = 0.01
    literal = sum(fms.fms_literal(fms.jacobian_by_differences(params, xp), eps) for xp in x)
    closed = fms.fms_penalty(params, x, grads=False) + fms.fms_constant(x, 4, eps)
    assert abs(literal - closed) < 1e-6 * abs(literal)


def test_the_jacobian_by_differences_is_right_on_a_linear_case():
    params, x = small_net(3)
    jac = fms.jacobian_by_differences(params, x[0])
    y, _ = fms.forward(params, x[:1])
    h, d = params["W1"].shape
    w2_block = jac[:, h * d + h:h * d + h + d * h]                     # do/dW2: delta_mk y_l
    expected = np.kron(np.eye(d), y[0][None, :])
    np.testing.assert_allclose(w2_block, expected, atol=1e-8)


def test_the_check_catches_a_one_percent_error_in_bs_gradient():
    params, x = small_net(4)
    _, grads = fms.fms_penalty(params, x)
    wrong = {k: v.copy() for k, v in grads.items()}
    wrong["W2"][1, 2] *= 1.01
    errors = check_gradients(lambda: float(fms.fms_penalty(params, x, grads=False)), params, wrong)
    assert errors["W2"] > 1e-6 and errors["W1"] < 1e-6


def test_b_in_a_bank_is_each_nets_b():
    nets = [small_net(s) for s in range(3)]
    bank = {k: np.stack([p[k] for p, _ in nets]) for k in nets[0][0]}
    xs = np.stack([x for _, x in nets])
    value, grads = fms.fms_penalty(bank, xs)
    for i, (p, x) in enumerate(nets):
        v, g = fms.fms_penalty(p, x)
        assert abs(value[i] - v) < 1e-9 * abs(v)
        for k in g:
            np.testing.assert_allclose(grads[k][i], g[k], rtol=1e-10, atol=1e-12)


def test_b_falls_when_a_hidden_unit_is_switched_off():
    """The first term of B favours sparse codes: driving a unit's activation to 0 lowers B."""
    params, x = small_net(5)
    before = fms.fms_penalty(params, x, grads=False)
    params["b1"][0] -= 6.0
    assert fms.fms_penalty(params, x, grads=False) < before - 5.0


def test_the_reconstruction_gradient_and_bs_gradient_pass_the_numerical_check():
    params, x = small_net(6)
    _, grads = fms.reconstruction_error(params, x)
    errors = check_gradients(lambda: float(fms.reconstruction_error(params, x)[0]), params, grads)
    assert max(errors.values()) < 1e-6, errors
    _, grads = fms.fms_penalty(params, x)
    errors = check_gradients(lambda: float(fms.fms_penalty(params, x, grads=False)), params, grads)
    assert max(errors.values()) < 1e-6, errors
