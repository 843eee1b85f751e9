"""lococode-ica: the bars, flat minimum search's B against the paper's formula, every hand-written
gradient, the measures on a hand-wired code, the bank, the command line, the verdict rule."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script

SCRIPT = ROOT / "lococode-ica" / "lococode_ica.py"
lc = load_module(SCRIPT)


# ----------------------------------------------------------------------------------------
# The data
# ----------------------------------------------------------------------------------------


def test_bars_are_rows_and_columns_whose_sums_coincide():
    masks = lc.bar_masks()
    assert masks.shape == (10, 25) and np.all(masks.sum(1) == 5)
    # the five rows and the five columns both cover the grid: the ten patterns span only 9 dimensions,
    # which is why a linear code (PCA, ICA) cannot separate the ten bars exactly
    np.testing.assert_array_equal(masks[:5].sum(0), masks[5:].sum(0))
    assert np.linalg.matrix_rank(masks.astype(float)) == 9


def test_clean_bars_take_the_paper_values_and_probability():
    data = lc.make_bars(np.random.default_rng(0), 4000, noisy=False)
    assert set(np.unique(data["x"])) <= {lc.ON, lc.OFF}
    assert abs(data["on"].mean() - lc.P_BAR) < 0.01
    lit = (data["on"].astype(float) @ lc.bar_masks()) > 0
    np.testing.assert_array_equal(data["x"] == lc.ON, lit)
    np.testing.assert_allclose(data["s"], data["on"] * (lc.ON - lc.OFF))


def test_noisy_bars_carry_intensities_and_noise_of_the_paper_variance():
    rng = np.random.default_rng(1)
    data = lc.make_bars(rng, 6000, noisy=True)
    clean_pixels = (data["on"].astype(float) @ lc.bar_masks()) == 0
    noise = data["x"][clean_pixels] - lc.OFF
    assert abs(noise.var() - lc.NOISE_VAR) < 0.003 and abs(noise.mean()) < 0.01
    level = data["s"][data["on"]] + lc.OFF
    assert level.min() >= lc.INTENSITY[0] and level.max() <= lc.INTENSITY[1]


def test_patches_are_centred_and_scaled():
    p = lc.make_patches(np.random.default_rng(2), 300)["x"]
    assert p.shape == (300, 49)
    np.testing.assert_allclose(p.mean(axis=1), 0.0, atol=1e-12)
    assert abs(p.std() - 0.25) < 1e-9


# ----------------------------------------------------------------------------------------
# The gradients the stub trains with (B itself is tested in tests/test_fms.py)
# ----------------------------------------------------------------------------------------


def test_every_hand_written_gradient_passes_the_numerical_check():
    errors = lc.gradient_errors(0)
    assert max(errors.values()) < 1e-6, errors


# ----------------------------------------------------------------------------------------
# The measures on a hand-wired code; the bank; the command line
# ----------------------------------------------------------------------------------------


def hand_wired_bar_coder():
    """25-25-25 AA whose first 10 hidden units each detect one bar (clean bars), the rest off."""
    masks = lc.bar_masks().astype(float)
    w1 = np.zeros((25, 25))
    b1 = np.full(25, -20.0)
    w1[:10] = 20.0 * (masks - (1 - masks) / 4)        # + on the bar's pixels, - elsewhere
    b1[:10] = 20.0 * (-0.5 * 5 + 0.5 * 20 / 4) - 30.0  # fires when its 5 pixels are on
    w2 = np.zeros((25, 25))
    w2[:, :10] = masks.T
    return {"W1": w1, "b1": b1, "W2": w2, "b2": np.full(25, lc.OFF)}


def test_measures_accept_a_hand_wired_bar_code_and_refuse_pca():
    rng = np.random.default_rng(6)
    train, test = lc.make_bars(rng, 500, False), lc.make_bars(rng, 500, False)
    params = hand_wired_bar_coder()
    m = lc.aa_measures(params, train["x"], test)
    assert m["amari"] < 0.05 and m["bars_found"] == 10 and m["active"] == 10
    base = lc.baselines(0, train["x"], test)
    assert base["pca"]["amari"] > 0.2 and base["pca"]["bars_found"] < 10


def test_a_seed_computes_the_same_alone_and_in_a_bank():
    cfg = lc.Config(epochs=12, n_train=60, n_test=60, e_tol=5.0)
    alone, _ = lc.run_bank([3], cfg, "fms")
    both, _ = lc.run_bank([2, 3], cfg, "fms")
    assert alone[0] == both[1]


def test_fms_raises_lambda_below_tolerance_and_prunes_units():
    cfg = lc.Config(epochs=400, n_train=200, n_test=100, e_tol=3.0, lr=0.1)
    rows, result = lc.run_bank([0], cfg, "fms")
    assert result["history"]["lambda"][-1, 0] > 0.05
    plain, _ = lc.run_bank([0], cfg, "none")
    assert rows[0]["aa_active"] < plain[0]["aa_active"]


def test_quick_run_exits_cleanly():
    result = run_script(SCRIPT, "--quick")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("bad", [["--task", "mnist"], ["--regulariser", "l2"], ["--lr", "nan"],
                                 ["--epochs", "0"], ["--record", "--n-seeds", "3"],
                                 ["--task", "patches", "--regulariser", "l1"],
                                 ["--record", "--n-seeds", "10", "--epochs", "10"]])
def test_impossible_settings_are_refused(bad):
    result = run_script(SCRIPT, *bad)
    assert result.returncode == 2 and result.stderr.strip().count("\n") <= 1 + result.stderr.count("usage")


# ----------------------------------------------------------------------------------------
# The verdict rule
# ----------------------------------------------------------------------------------------


def record(fms=0.10, pca=0.35, ica=0.25, none_=0.3, active=10.0, kurt=(8.0, 3.0), n=10):
    wobble = [0.9, 1.0, 1.1, 0.95, 1.05]
    bars = [{"seed": s, "aa_amari": fms * wobble[s % 5], "pca_amari": pca * wobble[(s + 1) % 5],
             "ica_amari": ica * wobble[(s + 2) % 5], "aa_active": active + (s % 3 - 1)} for s in range(n)]
    none = [{"seed": s, "aa_amari": none_ * wobble[(s + 3) % 5]} for s in range(n)]
    patches = [{"seed": s, "aa_kurtosis": kurt[0] * wobble[s % 5], "pca_kurtosis": kurt[1] * wobble[(s + 4) % 5]}
               for s in range(n)]
    return {"seeds": {"per_seed": bars}, "none": {"seeds": {"per_seed": none}},
            "patches": {"seeds": {"per_seed": patches}}}


@pytest.mark.parametrize("kwargs, value", [
    ({}, "yes"),
    ({"fms": 0.40}, "no"),                       # worse than PCA and ICA
    ({"fms": 0.27}, "no"),                       # beats PCA, not ICA
    ({"active": 20.0}, "partial"),               # recovers the bars but does not prune
    ({"none_": 0.10}, "partial"),                # no better than the plain AA
    ({"kurt": (3.0, 3.2)}, "partial"),           # image code no sparser than PCA's
])
def test_verdict_on_both_sides_of_each_threshold(kwargs, value):
    assert lc.verdict(record(**kwargs))["value"] == value


def test_verdict_is_pending_without_ten_seeds_or_a_section():
    assert lc.verdict(record(n=9))["value"] == "pending"
    r = record()
    del r["patches"]
    assert lc.verdict(r)["value"] == "pending"


def test_tiny_config_is_valid():
    assert replace(lc.Config(), epochs=1).epochs == 1
