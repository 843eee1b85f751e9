"""shared.learning.ica: whitening, FastICA on known mixtures (judged by the Amari distance), the Amari distance's
known answers, and the mutual-information estimators against exact values."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from shared.learning import ica


def sources(rng, n=20000):
    """Three independent non-Gaussian sources of unit variance: Laplace, uniform, a sine of random phase."""
    laplace = rng.laplace(0.0, 1.0 / np.sqrt(2.0), n)
    uniform = rng.uniform(-np.sqrt(3.0), np.sqrt(3.0), n)
    sine = np.sqrt(2.0) * np.sin(rng.uniform(0.0, 2 * np.pi, n))
    return np.stack([laplace, uniform, sine], axis=1)


def test_whitening_gives_identity_covariance_and_keeps_the_largest_directions():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5000, 4)) @ np.diag([5.0, 2.0, 1.0, 0.1]) + 3.0
    z, matrix, mean = ica.whiten(x)
    np.testing.assert_allclose(z.T @ z / len(z), np.eye(4), atol=1e-10)
    np.testing.assert_allclose(mean, x.mean(axis=0))
    z2, matrix2, _ = ica.whiten(x, 2)
    assert z2.shape == (5000, 2)
    assert np.argmax(np.abs(matrix2[:, 0])) == 0 and np.argmax(np.abs(matrix2[:, 1])) == 1
    with pytest.raises(ValueError, match="fewer directions"):
        ica.whiten(np.column_stack([x[:, 0], x[:, 0]]))


@pytest.mark.parametrize("nonlinearity", ica.NONLINEARITIES)
def test_fast_ica_unmixes_a_known_mixture(nonlinearity):
    rng = np.random.default_rng(1)
    s = sources(rng)
    mixing = rng.normal(size=(3, 3))
    x = s @ mixing.T + 2.0
    result = ica.fast_ica(x, 3, np.random.default_rng(2), nonlinearity=nonlinearity)
    assert result["converged"]
    assert ica.amari_distance(result["unmixing"], mixing) < 0.03
    recovered = (x - result["mean"]) @ result["unmixing"].T
    correlation = np.abs(np.corrcoef(recovered.T, s.T)[:3, 3:])
    assert np.all(correlation.max(axis=1) > 0.99)


def test_amari_distance_known_answers():
    mixing = np.random.default_rng(3).normal(size=(4, 4))
    scaled_permutation = np.diag([2.0, -1.0, 0.5, 3.0])[[2, 0, 3, 1]]
    assert ica.amari_distance(scaled_permutation @ np.linalg.inv(mixing), mixing) == pytest.approx(0.0, abs=1e-12)
    assert ica.amari_distance(np.ones((4, 4)), np.eye(4)) == pytest.approx(1.0)     # every entry equal: the worst
    assert 0.1 < ica.amari_distance(np.random.default_rng(4).normal(size=(4, 4)), mixing) <= 1.0


def test_mutual_information_estimators_against_exact_values():
    rng = np.random.default_rng(5)
    bit = rng.integers(0, 2, 200000)
    assert ica.discrete_mutual_information(bit, bit) == pytest.approx(np.log(2.0), abs=1e-4)
    assert ica.discrete_mutual_information(bit, rng.integers(0, 2, 200000)) < 1e-4
    rho = 0.8
    a = rng.standard_normal(200000)
    b = rho * a + np.sqrt(1 - rho ** 2) * rng.standard_normal(200000)
    exact = ica.gaussian_mutual_information(rho)
    assert exact == pytest.approx(0.5108, abs=1e-4)
    assert ica.binned_mutual_information(a, b, 32) == pytest.approx(exact, abs=0.06)     # binning loses a little
    codes = np.column_stack([bit, bit, rng.integers(0, 2, 200000)])
    table = ica.pairwise_mutual_information(codes)
    assert table[0, 1] == pytest.approx(np.log(2.0), abs=1e-4) and table[0, 2] < 1e-4
    np.testing.assert_allclose(table, table.T)


def test_bad_nonlinearity_is_refused():
    with pytest.raises(ValueError, match="nonlinearity"):
        ica.fast_ica(np.zeros((10, 2)), 2, np.random.default_rng(0), nonlinearity="relu")


def test_ami_documented_values():
    assert ica.adjusted_mutual_information([0, 0, 1, 1], [0, 0, 1, 1]) == pytest.approx(1.0)
    assert ica.adjusted_mutual_information([0, 0, 1, 1], [1, 1, 0, 0]) == pytest.approx(1.0)
    assert ica.adjusted_mutual_information([0, 0, 0, 0], [0, 1, 2, 3]) == pytest.approx(0.0)
    assert ica.adjusted_mutual_information([2, 2, 2], [5, 5, 5]) == 1.0


def test_ami_hand_computed():
    # true [0,0,1,1], pred [0,0,0,1]: MI = 1/2 ln(4/3) + 1/4 ln(2/3) + 1/4 ln 2 = 0.2157616;
    # every placement of pred's lone 1 gives the same MI, so E[MI] = MI and AMI = 0.
    table = ica._contingency(np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1]))
    mi = 0.5 * np.log(4 / 3) + 0.25 * np.log(2 / 3) + 0.25 * np.log(2)
    assert ica._table_mutual_information(table) == pytest.approx(mi, abs=1e-12)
    assert ica.expected_mutual_information(table) == pytest.approx(mi, abs=1e-12)
    assert ica.adjusted_mutual_information([0, 0, 1, 1], [0, 0, 0, 1]) == pytest.approx(0.0, abs=1e-9)
    # true [0,0,0,1,1,1], pred [0,0,1,1,1,1]: H(true) = ln 2, H(pred) = ln 3 - 2/3 ln 2,
    # MI = 1/3 ln 2 + 1/6 ln(1/2) + 1/2 ln(3/2)
    h_pred = np.log(3) - 2 / 3 * np.log(2)
    mi = np.log(2) / 3 + np.log(1 / 2) / 6 + np.log(3 / 2) / 2
    table = ica._contingency(np.array([0, 0, 0, 1, 1, 1]), np.array([0, 0, 1, 1, 1, 1]))
    assert ica._table_mutual_information(table) == pytest.approx(mi, abs=1e-12)
    assert ica._entropy(table.sum(0)) == pytest.approx(h_pred, abs=1e-12)


@pytest.mark.parametrize("true,pred", [([0, 0, 0, 1, 1, 1, 2], [0, 0, 1, 1, 2, 2, 2]),
                                       ([0, 0, 1, 1, 1, 2, 2], [1, 0, 1, 0, 1, 0, 1]),
                                       ([0, 1, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 2, 3])])
def test_expected_mi_is_the_mean_over_all_permutations(true, pred):
    true, pred = np.array(true), np.array(pred)
    perms = [ica._table_mutual_information(ica._contingency(true, pred[list(order)]))
             for order in itertools.permutations(range(len(pred)))]
    emi = ica.expected_mutual_information(ica._contingency(true, pred))
    assert emi == pytest.approx(np.mean(perms), abs=1e-12)
    mi = ica._table_mutual_information(ica._contingency(true, pred))
    h = max(ica._entropy(np.bincount(true)), ica._entropy(np.bincount(pred)))
    assert ica.adjusted_mutual_information(true, pred) == pytest.approx((mi - np.mean(perms)) / (h - np.mean(perms)))
