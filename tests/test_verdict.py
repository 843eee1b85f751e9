"""shared.frame.verdict: the distributions against tabulated values, each test on both sides of its
threshold, Holm's procedure and the grading."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.frame import verdict as v


@pytest.mark.parametrize("q,df,expected", [
    (0.975, 9, 2.262157), (0.95, 29, 1.699127), (0.995, 2, 9.924843), (0.975, 1, 12.706205),
    (0.95, 4, 2.131847), (0.5, 7, 0.0), (0.025, 9, -2.262157), (0.975, 1000, 1.962339)])
def test_t_quantile_matches_tables(q, df, expected):
    assert v.t_quantile(q, df) == pytest.approx(expected, abs=2e-6)


def test_t_cdf_closed_forms():
    # df = 1 is Cauchy, df = 2 has F(t) = 1/2 + t / (2 sqrt(t^2 + 2))
    for t in (-3.0, -0.5, 0.0, 0.7, 4.0):
        assert v.t_cdf(t, 1) == pytest.approx(0.5 + math.atan(t) / math.pi, abs=1e-13)
        assert v.t_cdf(t, 2) == pytest.approx(0.5 + t / (2 * math.sqrt(t * t + 2)), abs=1e-13)


@given(st.integers(1, 60), st.integers(0, 60), st.floats(0.01, 0.99))
@settings(max_examples=60, deadline=None)
def test_binomial_tails_match_the_sum(n, k, p):
    k = min(k, n)
    direct = sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(k, n + 1))
    assert v.binomial_sf(k, n, p) == pytest.approx(direct, abs=1e-11)
    assert v.binomial_cdf(k, n, p) == pytest.approx(1 - direct + math.comb(n, k) * p ** k * (1 - p) ** (n - k),
                                                    abs=1e-11)


def test_clopper_pearson_known_values():
    low, high = v.rate_bounds(30, 30, 0.90)
    assert low == pytest.approx(0.05 ** (1 / 30), abs=1e-12) and high == 1.0
    low, high = v.rate_bounds(0, 10, 0.95)
    assert low == 0.0 and high == pytest.approx(1 - 0.025 ** (1 / 10), abs=1e-12)
    low, high = v.rate_bounds(5, 10, 0.95)  # tabulated: 0.187086 .. 0.812914
    assert (low, high) == (pytest.approx(0.187086, abs=1e-6), pytest.approx(0.812914, abs=1e-6))


@given(st.integers(1, 40), st.integers(0, 40))
@settings(max_examples=40, deadline=None)
def test_clopper_pearson_tails_are_exact(n, k):
    k = min(k, n)
    low, high = v.rate_bounds(k, n, 0.9)
    if k > 0:
        assert v.binomial_sf(k, n, low) == pytest.approx(0.05, abs=1e-9)
    if k < n:
        assert v.binomial_cdf(k, n, high) == pytest.approx(0.05, abs=1e-9)


def test_rate_at_least_on_both_sides_of_the_margin():
    # paper 100%, margin 0.15 -> threshold 0.85; with 30 runs, 29 clears it at 5%, 28 does not
    holds = v.judge([v.rate_at_least("c", "T1", [True] * 29 + [False], 1.0, 0.15)])[0]
    fails = v.judge([v.rate_at_least("c", "T1", [True] * 28 + [False] * 2, 1.0, 0.15)])[0]
    assert holds.holds and holds.p < 0.05 and holds.interval[0] > 0.85
    assert not fails.holds and fails.p > 0.05 and fails.interval[0] < 0.85
    assert v.rate_at_least("c", "T1", [False] * 3, 0.1, 0.2).p == 0.0  # threshold <= 0: trivially met


def test_rate_at_most_on_both_sides():
    assert v.judge([v.rate_at_most("fails", "T", [False] * 20, 0.0, 0.15)])[0].holds
    assert not v.judge([v.rate_at_most("fails", "T", [True] * 3 + [False] * 7, 0.0, 0.15)])[0].holds


def test_mean_within_both_sides_and_log_scale():
    rng = np.random.default_rng(0)
    near = 8440 * (1 + 0.05 * rng.standard_normal(30))
    far = 8440 * 1.7 * (1 + 0.05 * rng.standard_normal(30))
    assert v.judge([v.mean_within("c", "T", near, 8440, 1.5, "strings")])[0].holds
    assert not v.judge([v.mean_within("c", "T", far, 8440, 1.5, "strings")])[0].holds
    # a wide spread is not evidence of a match even when the mean sits on the paper's figure
    wide = 8440 * np.exp(2.0 * rng.standard_normal(5))
    assert not v.judge([v.mean_within("c", "T", wide, 8440, 1.5, "strings", log=True)])[0].holds
    claim = v.mean_within("c", "T", [100.0, 100.0, 100.0], 100.0, 1.1, "m", log=True)
    assert claim.estimate == pytest.approx(100.0) and claim.p == 0.0


def test_mean_below_both_sides():
    assert v.judge([v.mean_below("c", "T", [0.001, 0.002, 0.0015, 0.001], 0.01, "mse")])[0].holds
    assert not v.judge([v.mean_below("c", "T", [0.009, 0.02, 0.011, 0.008], 0.01, "mse")])[0].holds


def test_fisher_exact_test_against_the_hypergeometric_tail():
    from math import comb
    assert v.fisher_greater(6, 20, 0, 20) == pytest.approx(comb(20, 6) / comb(40, 6))
    assert v.fisher_greater(0, 20, 0, 20) == pytest.approx(1.0)
    assert v.fisher_greater(3, 20, 3, 20) > 0.5


def test_rate_higher_on_both_sides():
    holds = v.judge([v.rate_higher("c", "T1", [True] * 6 + [False] * 14, [False] * 20)])[0]
    fails = v.judge([v.rate_higher("c", "T1", [True] * 3 + [False] * 17, [False] * 20)])[0]
    assert holds.holds and holds.p < 0.05 and holds.estimate == pytest.approx(0.3)
    assert not fails.holds and fails.p > 0.05
    assert v.rate_higher("c", "T1", [False] * 5, [True] * 5).p == pytest.approx(1.0)
    with pytest.raises(ValueError):
        v.rate_higher("c", "T1", [], [True])


def test_paired_better_both_sides():
    ours, theirs = [1.0, 2.0, 3.0, 1.5, 2.2], [2.0, 3.1, 5.0, 3.0, 4.0]
    assert v.judge([v.paired_better("b", "T", ours, theirs, "mse")])[0].holds
    assert not v.judge([v.paired_better("b", "T", theirs, ours, "mse")])[0].holds
    assert v.judge([v.paired_better("b", "T", theirs, ours, "reward", lower_is_better=False)])[0].holds
    # a required minimum gain: 1.8x better on every pair does not show a 2x gain
    assert not v.judge([v.paired_better("b", "T", [1.0] * 5, [1.8, 1.7, 1.9, 1.8, 1.85], "mse",
                                        min_ratio=2.0)])[0].holds


def test_paired_equivalent_needs_evidence_of_closeness():
    rng = np.random.default_rng(1)
    base = np.exp(rng.standard_normal(10))
    close = base * np.exp(0.05 * rng.standard_normal(10))
    noisy = base * np.exp(1.5 * rng.standard_normal(10))  # no difference on average, but no evidence either
    assert v.judge([v.paired_equivalent("e", "T", close, base, "mse", 1.5)])[0].holds
    assert not v.judge([v.paired_equivalent("e", "T", noisy, base, "mse", 1.5)])[0].holds
    assert not v.judge([v.paired_equivalent("e", "T", base * 2.0, base, "mse", 1.5)])[0].holds


def test_holm_step_down():
    assert v.holm([0.01, 0.04, 0.03, 0.2]) == [True, False, False, False]
    assert v.holm([0.01, 0.02, 0.03]) == [True, True, True]  # 0.01 <= .05/3, 0.02 <= .05/2, 0.03 <= .05
    assert v.holm([0.06]) == [False]


def test_judge_corrects_over_the_tested_claims_only():
    borderline = v.rate_at_least("r", "T", [True] * 29 + [False], 1.0, 0.15)  # p ~ 0.048
    strong = v.mean_within("m", "T", [8400.0, 8500.0, 8450.0, 8430.0], 8440, 1.5, "strings")
    fact = v.exact("found", "S", "program", "INC", True, "equal")
    judged = v.judge([borderline, strong, fact])
    assert judged[0].holds and judged[1].holds and judged[2].holds  # 0.048 <= 0.05 / 1 after the strong one
    weak = v.rate_at_least("r2", "T", [True] * 29 + [False], 1.0, 0.15)
    judged = v.judge([v.rate_at_least("r", "T", [True] * 29 + [False], 1.0, 0.15), weak])
    assert not judged[0].holds and not judged[1].holds  # two p ~ 0.048 against 0.025 and 0.05


def test_grade():
    ok = v.exact("a", "T", "m", 1, True, "t")
    bad = v.exact("b", "T", "m", 0, False, "t")
    assert v.grade([ok, ok])["value"] == "yes"
    assert v.grade([ok, bad])["value"] == "partial"
    assert v.grade([ok, bad], qualitative=True)["value"] == "qualitative"
    assert v.grade([bad, ok])["value"] == "no"
    assert v.grade([ok, bad], primary=2)["value"] == "no"
    assert "not: b" in v.grade([ok, bad])["reason"]
    with pytest.raises(ValueError):
        v.grade([v.rate_at_least("r", "T", [True], 1.0, 0.1)])  # not judged
    assert v.pending("why")["value"] == "pending"


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        v.mean_within("c", "T", [1.0], 1.0, 1.5, "m")
    with pytest.raises(ValueError):
        v.mean_within("c", "T", [1.0, 2.0], 1.0, 1.0, "m")
    with pytest.raises(ValueError):
        v.paired_better("c", "T", [1.0, 2.0], [1.0], "m")
    with pytest.raises(ValueError):
        v.paired_equivalent("c", "T", [1.0, -2.0], [1.0, 2.0], "m", 1.5)
    with pytest.raises(ValueError):
        v.rate_bounds(3, 2)
    with pytest.raises(ValueError):
        v.t_quantile(1.0, 3)
