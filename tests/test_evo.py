"""shared.search.evo: CMA-ES learns the covariance of an ill-conditioned ellipsoid (and without covariance
adaptation it cannot)."""

from __future__ import annotations

import numpy as np
import pytest

from shared.search.evo import CMAES


def ellipsoid(scales):
    return lambda x: np.sum((scales * (x - 1.0)) ** 2, axis=1)


def test_cmaes_solves_an_ill_conditioned_ellipsoid_by_learning_its_covariance():
    n = 8
    scales = 10.0 ** np.linspace(0, 3, n)                           # condition number 1e6 of the Hessian
    f = ellipsoid(scales)
    es = CMAES(np.zeros(n), 1.0, 12, np.random.default_rng(0))
    for _ in range(400):
        es.tell(f(es.ask()))
    assert f(es.mean[None])[0] < 1e-8
    variances = np.diag(es.C)                                       # C's spread follows 1 / scale
    assert np.all(np.diff(np.log(variances)) < 0)
    assert variances[0] / variances[-1] > 1e4
    assert es.condition == pytest.approx(np.linalg.cond(es.C), rel=1e-6)
    assert es.condition > 1e4


def test_cmaes_without_covariance_adaptation_would_be_much_slower_on_the_ellipsoid():
    """Same budget with c1 = cmu = 0 (step-size control only) stays far from the optimum."""
    n = 8
    f = ellipsoid(10.0 ** np.linspace(0, 3, n))
    es = CMAES(np.zeros(n), 1.0, 12, np.random.default_rng(0))
    es.c1 = es.cmu = 0.0
    for _ in range(400):
        es.tell(f(es.ask()))
    assert f(es.mean[None])[0] > 1e-4
    assert es.condition == pytest.approx(1.0)


def test_same_generator_same_search():
    f = ellipsoid(np.ones(4))
    runs = []
    for _ in range(2):
        es = CMAES(np.zeros(4), 0.5, 8, np.random.default_rng(7))
        for _ in range(20):
            es.tell(f(es.ask()))
        runs.append(es.mean.copy())
    np.testing.assert_array_equal(runs[0], runs[1])
