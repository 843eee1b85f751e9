"""predictable-stereo: the random-dot stereogram generator, the Schmidhuber-Prelinger objective (M and
D_l by predictability minimization) and IMAX with their gradients, the measures, the verdict rule."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script
from shared.frame.gradcheck import check_gradients
from shared.learning.pm import PredictorBank

ps = load_module(ROOT / "predictable-stereo" / "predictable_stereo.py")
SCRIPT = ROOT / "predictable-stereo" / "predictable_stereo.py"


# ----------------------------------------------------------------------------------------
# The stereograms
# ----------------------------------------------------------------------------------------


def test_the_left_strip_is_the_right_row_shifted_by_the_disparity():
    width, k = 6, 4
    data = ps.stereograms(np.random.default_rng(0), 500, width, k)
    for l in (1, 2):
        x, d = data[f"x{l}"], data["class1"]
        right, left = x[:, :width], x[:, width:]
        for i in range(500):
            s = d[i]
            # left[j] = row[j + 1 + s] and right[j] = row[j + 1]: they overlap where j + s < width
            np.testing.assert_array_equal(left[i, :width - s], right[i, s:])
    assert set(np.unique(data["x1"])) == {-1.0, 1.0}
    np.testing.assert_array_equal(data["class1"], data["class2"])
    assert set(np.unique(data["class1"])) == set(range(k))


def test_only_the_disparity_links_the_two_strips():
    data = ps.stereograms(np.random.default_rng(1), 20000, 6, 2)
    corr = np.corrcoef(np.hstack([data["x1"], data["x2"]]).T)[:12, 12:]
    assert np.abs(corr).max() < 0.05                     # no pixel of strip 1 predicts a pixel of strip 2
    match = lambda x, s: np.mean(x[:, 6:6 + 6 - s] == x[:, s:6], axis=1)   # noqa: E731
    for l in (1, 2):
        x = data[f"x{l}"]
        hit = np.where(data["class1"] == 1, match(x, 1), match(x, 0))
        assert hit.min() == 1.0                           # every strip matches at its own disparity


def test_shuffled_pairs_share_nothing():
    data = ps.stereograms(np.random.default_rng(2), 20000, 6, 2, shuffled=True)
    assert abs(np.corrcoef(data["class1"], data["class2"])[0, 1]) < 0.03


def test_subpixel_disparities_interpolate_between_dots():
    data = ps.stereograms(np.random.default_rng(3), 300, 5, 3, subpixel=True)
    assert np.all((data["delta1"] >= -0.5) & (data["delta1"] <= 2.5))
    np.testing.assert_array_equal(data["class1"], np.clip(np.rint(data["delta1"]), 0, 2))
    # an integer disparity reproduces the exact shift; a half one averages two neighbouring dots
    rng = np.random.default_rng(4)
    exact = ps.stereograms(rng, 50, 5, 3)
    assert set(np.unique(exact["x1"])) == {-1.0, 1.0}
    assert np.any(np.abs(data["x1"][:, 5:]) < 1.0)


def test_a_seed_repeats_exactly():
    cfg = replace(ps.Config(), steps=20, n_test=300)
    assert ps.run_seed(3, cfg) == ps.run_seed(3, cfg)


# ----------------------------------------------------------------------------------------
# The objectives
# ----------------------------------------------------------------------------------------


def test_hand_written_gradients_pass_the_numerical_check():
    errors = ps.gradient_errors(0)
    assert max(errors.values()) < 1e-6, errors


def test_the_check_catches_a_wrong_gradient_of_m():
    cfg = ps.Config(width=3, hidden=4, code_units=2)
    rng = np.random.default_rng(5)
    data = ps.stereograms(rng, 10, 3, 2)
    mods = [ps.Module(cfg, rng), ps.Module(cfg, rng)]
    for m in mods:
        m.params["b0"] += 0.1
    banks = [PredictorBank(2, 0, rng, output="linear") for _ in range(2)]

    def loss():
        return ps.sp_objective(mods[0].forward(data["x1"])[0], mods[1].forward(data["x2"])[0], banks, 0.5)[0]["E"]

    (y1, s1), (y2, _) = mods[0].forward(data["x1"]), mods[1].forward(data["x2"])
    _, d_y, _ = ps.sp_objective(y1, y2, banks, 0.5)
    grads = mods[0].backward(s1, 1.02 * d_y[0])
    assert max(check_gradients(loss, mods[0].params, grads).values()) > 1e-3


def test_the_terms_on_hand_made_codes():
    rng = np.random.default_rng(6)
    banks = [PredictorBank(2, 0, rng, output="linear") for _ in range(2)]
    for bank in banks:                                 # predictors that predict the code's mean, 0.5
        bank.params["W"][:] = 0.0
        bank.params["b"][:] = 0.5
    bits = rng.integers(0, 2, (400, 2)).astype(float)
    terms, _, _ = ps.sp_objective(bits, bits, banks, 1.0)
    assert terms["M"] == 0.0                           # identical classifications: perfectly predictable
    assert terms["D1"] == pytest.approx(-0.5 * 2 * 0.25)   # two binary units, each off its prediction by 1/2
    const = np.full((400, 2), 0.5)
    terms_c, _, _ = ps.sp_objective(const, const, banks, 1.0)
    assert terms_c["M"] == 0.0 and terms_c["D1"] == 0.0    # the trivial classification: no D reward
    assert terms["E"] < terms_c["E"]                   # D makes the informative agreement the better one


def test_imax_is_large_for_agreeing_outputs_and_near_zero_for_independent_ones():
    rng = np.random.default_rng(7)
    z = rng.normal(size=5000)
    agree = ps.imax_objective(z + 0.1 * rng.normal(size=5000), z + 0.1 * rng.normal(size=5000))[0]
    indep = ps.imax_objective(rng.normal(size=5000), rng.normal(size=5000))[0]
    assert agree < -2.0 and abs(indep) < 0.05


def test_the_measures_on_a_hand_wired_disparity_detector():
    """A module that classifies by hand (match at shift 1 or not) recovers the disparity exactly."""
    cfg = replace(ps.Config(), n_test=2000)

    class Oracle:
        def classify(self, x):
            return (np.mean(x[:, 6:11] == x[:, 1:6], axis=1) == 1.0).astype(int)

        def forward(self, x):
            return self.classify(x)[:, None].astype(float), None

    figures = ps.measure([Oracle(), Oracle()], cfg, 0, False)
    # a strip at disparity 0 can also match at shift 1 by chance (all 5 pairs, 1/32)
    assert figures["nmi_min"] > 0.85 and figures["accuracy"] > 0.95
    assert figures["agreement_mi"] > 0.55
    control = ps.measure([Oracle(), Oracle()], cfg, 0, True)
    assert control["agreement_mi"] < 0.01


def test_the_objective_extracts_the_disparity_on_a_short_run():
    cfg = replace(ps.Config(), steps=700, n_test=2000)
    modules = ps.train(cfg, 1, False)["modules"]
    figures = ps.measure(modules, cfg, 1, False)
    assert figures["nmi_min"] > 0.5 and figures["agreement_mi"] > 0.3


def test_without_d_the_classifications_collapse():
    cfg = replace(ps.Config(method="none"), steps=400, n_test=1000)
    figures = ps.measure(ps.train(cfg, 0, False)["modules"], cfg, 0, False)
    assert figures["code_var_min"] < 0.01


# ----------------------------------------------------------------------------------------
# Command line and verdict
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [["--disparities", "1"], ["--disparities", "9"], ["--beta", "nan"],
                                 ["--steps", "0"], ["--method", "cca"], ["--record", "--n-seeds", "3"],
                                 ["--record", "--n-seeds", "10", "--beta", "2"]])
def test_impossible_settings_are_refused(bad):
    result = run_script(SCRIPT, *bad)
    assert result.returncode == 2 and result.stderr.strip().count("\n") <= 1 + result.stderr.count("usage")


def record(extracted=10, control_mi=0.002, control_h=0.69, no_d_var=0.001, n=10):
    rows = []
    for i in range(n):
        rows.append({"nmi_min": 0.9 if i < extracted else 0.1,
                     "control_agreement_mi": control_mi * (1 + 0.1 * (i % 3 - 1)),
                     "control_hi_entropy_min": control_h, "control_hi_agreement_mi": control_mi,
                     "no_d_code_var_min": no_d_var})
    return {"seeds": {"per_seed": rows, "summary": {"n_runs": n}}}


@pytest.mark.parametrize("kwargs, value", [
    ({}, "yes"),
    ({"extracted": 9}, "yes"),            # 9/10 against a rate of 1 - 0.4: p = 0.046
    ({"extracted": 8}, "no"),             # the primary claim fails
    ({"control_mi": 0.08}, "partial"),    # the control reports agreement
    ({"control_mi": 0.04}, "yes"),
    ({"control_h": 0.2}, "partial"),      # the control's codes are trivial
    ({"no_d_var": 0.05}, "partial"),      # beta = 0 does not collapse
])
def test_verdict_on_both_sides_of_each_threshold(kwargs, value):
    assert ps.verdict(record(**kwargs))["value"] == value


def test_verdict_is_pending_below_ten_seeds():
    assert ps.verdict(record(n=9))["value"] == "pending"


def test_odyssnet_modules_train_through_the_objective():
    cfg = replace(ps.Config(model="odyssnet"), steps=300, n_test=500)
    run = ps.train(cfg, 0, False, curve_every=299)
    before, after = run["curve"][0], run["curve"][-1]
    assert after["M"] < 0.5 * before["M"]          # the two cores' codes come to agree
    assert set(ps.measure(run["modules"], cfg, 0, False)) >= {"nmi1", "nmi2", "agreement_mi", "code_var_min"}
