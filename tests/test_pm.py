"""shared.learning.pm: the predictor bank's backward (with and without a hidden layer, both outputs)
against numerical gradients, the objective terms' gradients, the mask (a predictor never reads its own
unit), and the bank learning the conditional expectation E(y_i | other units) on codes with a known answer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from shared.frame.gradcheck import check_gradients, numerical_gradient, relative_error
from shared.learning import pm


def scalar_loss(bank, code, weights):
    pred = bank(code)
    return float(np.sum(weights * pred))


@pytest.mark.parametrize("hidden", [0, 3])
@pytest.mark.parametrize("output", pm.OUTPUTS)
def test_bank_backward_matches_numerical_gradients(hidden, output):
    rng = np.random.default_rng(0)
    bank = pm.PredictorBank(4, hidden, rng, output=output, init_scale=2.0)
    code = rng.uniform(0, 1, (5, 4))
    weights = rng.normal(size=(5, 4))
    pred, cache = bank.forward(code)
    grads, d_code = bank.backward(cache, weights)
    errors = check_gradients(lambda: scalar_loss(bank, code, weights), bank.params, grads)
    assert max(errors.values()) < 1e-6, errors
    numeric = numerical_gradient(lambda: scalar_loss(bank, code, weights), code)
    assert relative_error(d_code, numeric) < 1e-6


@pytest.mark.parametrize("hidden", [0, 2])
def test_full_code_gradient_of_the_predictability_objective(hidden):
    """d V_C / d code = the direct path + the path through the predictors' inputs."""
    rng = np.random.default_rng(1)
    bank = pm.PredictorBank(3, hidden, rng, init_scale=2.0)
    code = rng.uniform(0, 1, (6, 3))

    def objective():
        return pm.predictability(code, bank(code))[0]

    pred, cache = bank.forward(code)
    _, d_direct, d_pred = pm.predictability(code, pred)
    grads, d_inputs = bank.backward(cache, d_pred)
    assert relative_error(d_direct + d_inputs, numerical_gradient(objective, code)) < 1e-6
    errors = check_gradients(objective, bank.params, grads)
    assert max(errors.values()) < 1e-6, errors


def test_code_variance_value_and_gradient():
    rng = np.random.default_rng(2)
    code = rng.uniform(0, 1, (7, 3))
    value, grad = pm.code_variance(code)
    assert value == pytest.approx(float(np.sum(code.var(axis=0))))
    numeric = numerical_gradient(lambda: pm.code_variance(code)[0], code)
    assert relative_error(grad, numeric) < 1e-6


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), unit=st.integers(0, 4), hidden=st.sampled_from([0, 2]))
def test_a_predictor_never_reads_its_own_unit(seed, unit, hidden):
    rng = np.random.default_rng(seed)
    bank = pm.PredictorBank(5, hidden, rng, init_scale=3.0)
    code = rng.uniform(0, 1, (4, 5))
    changed = code.copy()
    changed[:, unit] = rng.uniform(0, 1, 4)
    np.testing.assert_array_equal(bank(code)[:, unit], bank(changed)[:, unit])
    others = [i for i in range(5) if i != unit]
    assert not np.allclose(bank(code)[:, others], bank(changed)[:, others])


def train_predictors(bank, codes, steps=3000, lr=2.0):
    for _ in range(steps):
        pred, cache = bank.forward(codes)
        _, _, d_pred = pm.predictability(codes, pred)
        grads, _ = bank.backward(cache, d_pred)
        for name in bank.params:
            bank.params[name] -= lr * grads[name]
    return bank(codes)


def test_predictors_learn_the_conditional_expectation():
    """Units 0 and 1 are fair independent bits and unit 2 = unit 0 AND unit 1 (the four patterns
    equally often): P_2 learns y0 y1 exactly; P_0 learns E(y0 | y1, y2): 1 when y2 = 1, 0 when
    y1 = 1 and y2 = 0, and 1/2 when y1 = 0."""
    bits = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    codes = np.column_stack([bits, bits[:, 0] * bits[:, 1]])
    bank = pm.PredictorBank(3, 4, np.random.default_rng(4))
    pred = train_predictors(bank, codes, steps=20000, lr=0.5)
    np.testing.assert_allclose(pred[:, 2], codes[:, 2], atol=0.05)
    np.testing.assert_allclose(pred[:, 0], [0.5, 0.0, 0.5, 1.0], atol=0.05)


def test_independent_units_leave_predictors_at_the_mean():
    rng = np.random.default_rng(5)
    codes = (rng.uniform(size=(4000, 3)) < [0.2, 0.5, 0.7]).astype(float)
    bank = pm.PredictorBank(3, 0, np.random.default_rng(6))
    pred = train_predictors(bank, codes)
    np.testing.assert_allclose(pred.mean(axis=0), codes.mean(axis=0), atol=0.02)
    assert np.max(pred.std(axis=0)) < 0.05
    value, _, _ = pm.predictability(codes, pred)
    # perfect predictors of independent units leave exactly the units' variances unexplained
    assert value == pytest.approx(pm.code_variance(codes)[0], rel=0.02)


def test_bad_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="at least 2"):
        pm.PredictorBank(1, 0, rng)
    with pytest.raises(ValueError, match="hidden"):
        pm.PredictorBank(3, -1, rng)
    with pytest.raises(ValueError, match="output"):
        pm.PredictorBank(3, 0, rng, output="tanh")
    with pytest.raises(ValueError, match="shape"):
        pm.PredictorBank(3, 0, rng).forward(np.zeros((2, 4)))
