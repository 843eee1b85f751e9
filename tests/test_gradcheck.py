"""The gradient checker itself: it passes exact gradients and catches wrong ones."""

from __future__ import annotations

import numpy as np

from shared.frame.gradcheck import check_gradients, numerical_gradient


def quadratic_problem(seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(4, 3))
    params = {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}

    def loss():
        return float(np.sum(np.tanh(a @ params["w"] + params["b"]) ** 2))

    def grads():
        y = np.tanh(a @ params["w"] + params["b"])
        d = 2 * y * (1 - y * y)
        return {"w": a.T @ d, "b": d.sum(axis=0)}

    return params, loss, grads


def test_exact_gradients_pass():
    params, loss, grads = quadratic_problem()
    errors = check_gradients(loss, params, grads())
    assert max(errors.values()) < 1e-9


def test_a_one_percent_error_in_one_entry_fails():
    params, loss, grads = quadratic_problem()
    wrong = grads()
    wrong["w"][1, 0] *= 1.01
    errors = check_gradients(loss, params, wrong)
    assert errors["w"] > 1e-3 and errors["b"] < 1e-9


def test_a_tiny_gradient_cannot_hide_behind_a_large_loss():
    params, loss, grads = quadratic_problem()
    big = lambda: loss() + 1e6  # noqa: E731  (a constant offset: same gradient, more round-off)
    wrong = grads()
    wrong["b"] = wrong["b"] * 1.05
    assert check_gradients(big, params, wrong)["b"] > 1e-3


def test_parameters_are_restored():
    params, loss, grads = quadratic_problem()
    before = {k: v.copy() for k, v in params.items()}
    numerical_gradient(loss, params["w"])
    assert all(np.array_equal(before[k], params[k]) for k in params)


def test_gradcheck_report_prints_every_error_and_sets_the_exit_status(capsys):
    from shared.frame.gradcheck import gradcheck_report
    assert gradcheck_report({"W": 3e-9, "bias": 1e-7}) == 0
    out = capsys.readouterr().out
    assert "W" in out and "bias" in out and "max relative error 1.00e-07 (ok)" in out
    assert gradcheck_report({"W": 3e-9, "U": 2e-6}) == 1
    assert "max relative error 2.00e-06 (FAILED)" in capsys.readouterr().out
