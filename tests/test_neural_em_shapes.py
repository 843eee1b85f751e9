"""neural-em-shapes: the data generators, the N-EM core's backward (gradient-checked over the whole
unrolled model), the E-step's known answer, the AMI against hand-computed values, the verdict rule."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script
from shared.frame.gradcheck import check_gradients

nem = load_module(ROOT / "neural-em-shapes" / "neural_em_shapes.py")
SCRIPT = ROOT / "neural-em-shapes" / "neural_em_shapes.py"


# ----------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------


def test_static_shapes_are_three_outlines_with_their_groups():
    data = nem.static_shapes(np.random.default_rng(0), 50)
    assert data["images"].shape == (50, 784) and data["groups"].shape == (50, 784)
    np.testing.assert_array_equal(data["images"], (data["groups"] > 0).astype(float))
    assert set(np.unique(data["groups"])) <= {0, 1, 2, 3}
    assert np.mean([len(np.unique(g[g > 0])) for g in data["groups"]]) > 2.5   # occlusion rarely hides one
    masks = nem.shape_masks()
    assert masks[0].sum() == 4 * (nem.SHAPE - 1)                  # a square outline
    np.testing.assert_array_equal(masks[2], masks[1][::-1])        # down-triangle mirrors the up-triangle


def test_flying_shapes_move_and_stay_in_the_frame():
    data = nem.flying_shapes(np.random.default_rng(1), 20, frames=12)
    assert data["images"].shape == (12, 20, 784)
    counts = (data["groups"] > 0).sum(-1)
    assert np.all(counts > 0)
    assert np.any(data["images"][0] != data["images"][-1])
    same = nem.flying_shapes(np.random.default_rng(1), 20, frames=12)
    np.testing.assert_array_equal(same["groups"], data["groups"])


def test_bitflip_flips_at_the_given_rate():
    x = np.zeros((200, 784))
    flipped = nem.bitflip(np.random.default_rng(2), x, 0.1)
    assert abs(flipped.mean() - 0.1) < 0.005
    np.testing.assert_array_equal(nem.bitflip(np.random.default_rng(2), 1 - x, 0.1), 1 - flipped)


# ----------------------------------------------------------------------------------------
# The N-EM core
# ----------------------------------------------------------------------------------------


def test_the_whole_unrolled_model_matches_central_differences():
    errors = nem.gradient_errors(0)
    assert len(errors) > 20
    assert max(errors.values()) < 1e-6, max(errors, key=errors.get)


def test_the_check_catches_a_one_percent_error():
    rng = np.random.default_rng(5)
    cfg = nem.NEMConfig(K=3, cell="gru", hidden=5)
    p, bank = nem.init_params(10, cfg, rng)
    clean = (rng.random((3, 2, 10)) < 0.5).astype(float)
    gamma0 = nem.initial_gamma(rng, 2, 3, 10)
    _, cache = nem.nem_forward(p, cfg, bank, clean, clean, gamma0, [1.0, 1.0, 1.0])
    grads = nem.nem_backward(p, cache)
    grads["Un"] = grads["Un"].copy()
    grads["Un"].flat[3] *= 1.01
    errors = check_gradients(lambda: nem.nem_forward(p, cfg, bank, clean, clean, gamma0, [1.0] * 3, keep=False)[0],
                             p, grads)
    assert errors["Un"] > 1e-4 and max(v for k, v in errors.items() if k != "Un") < 1e-6


def test_e_step_with_the_true_objects_as_predictions_groups_perfectly():
    data = nem.static_shapes(np.random.default_rng(3), 8)
    groups = data["groups"]
    psi = np.stack([np.where(groups == k + 1, 0.95, 0.05) for k in range(3)], axis=1)   # (B, 3, D)
    gamma, total = nem.e_step(psi, data["images"][:, None, :], 1e-6)
    np.testing.assert_allclose(gamma.sum(1), 1.0)
    amis = nem.grouping_ami(groups, gamma)
    np.testing.assert_allclose(amis, 1.0)
    swapped = nem.grouping_ami(groups, gamma[:, ::-1])          # component order does not matter
    np.testing.assert_allclose(swapped, 1.0)


def test_gamma_held_and_through_gamma_agree_when_gamma_does_not_move():
    # With one component gamma is 1 everywhere: both backward modes must give the same gradients.
    rng = np.random.default_rng(4)
    p, bank = nem.init_params(9, nem.NEMConfig(K=1, cell="rnn", hidden=4), rng)
    clean = (rng.random((3, 2, 9)) < 0.5).astype(float)
    grads = []
    for through in (True, False):
        cfg = nem.NEMConfig(K=1, cell="rnn", hidden=4, grad_gamma=through)
        _, cache = nem.nem_forward(p, cfg, bank, clean, clean, np.ones((2, 1, 9)), [1.0, 0.5, 1.0])
        grads.append(nem.nem_backward(p, cache))
    for k in p:
        np.testing.assert_allclose(grads[0][k], grads[1][k], atol=1e-12)


def test_a_few_updates_lower_the_loss_and_a_seed_repeats_exactly():
    rc = nem.RunConfig(hidden=16, steps=3, batch=8, batches=40, n_train=200, n_test=8, eval_every=40, lr=3e-3)
    a, b = nem.train(0, rc, progress=False), nem.train(0, rc, progress=False)
    assert a["curve"][-1]["loss"] < 0.8 * a["curve"][0]["loss"]
    assert a["ami"] == b["ami"] and a["curve"] == b["curve"]


# ----------------------------------------------------------------------------------------
# AMI
# ----------------------------------------------------------------------------------------


def test_ami_documented_values():
    assert nem.adjusted_mutual_information([0, 0, 1, 1], [0, 0, 1, 1]) == pytest.approx(1.0)
    assert nem.adjusted_mutual_information([0, 0, 1, 1], [1, 1, 0, 0]) == pytest.approx(1.0)
    assert nem.adjusted_mutual_information([0, 0, 0, 0], [0, 1, 2, 3]) == pytest.approx(0.0)
    assert nem.adjusted_mutual_information([2, 2, 2], [5, 5, 5]) == 1.0


def test_ami_hand_computed():
    # true [0,0,1,1], pred [0,0,0,1]: MI = 1/2 ln(4/3) + 1/4 ln(2/3) + 1/4 ln 2 = 0.2157616;
    # every placement of pred's lone 1 gives the same MI, so E[MI] = MI and AMI = 0.
    table = nem.contingency(np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1]))
    mi = 0.5 * np.log(4 / 3) + 0.25 * np.log(2 / 3) + 0.25 * np.log(2)
    assert nem.mutual_information(table) == pytest.approx(mi, abs=1e-12)
    assert nem.expected_mutual_information(table) == pytest.approx(mi, abs=1e-12)
    assert nem.adjusted_mutual_information([0, 0, 1, 1], [0, 0, 0, 1]) == pytest.approx(0.0, abs=1e-9)
    # true [0,0,0,1,1,1], pred [0,0,1,1,1,1]: H(true) = ln 2, H(pred) = ln 3 - 2/3 ln 2,
    # MI = 1/3 ln 2 + 1/6 ln(1/2) + 1/2 ln(3/2)
    h_pred = np.log(3) - 2 / 3 * np.log(2)
    mi = np.log(2) / 3 + np.log(1 / 2) / 6 + np.log(3 / 2) / 2
    table = nem.contingency(np.array([0, 0, 0, 1, 1, 1]), np.array([0, 0, 1, 1, 1, 1]))
    assert nem.mutual_information(table) == pytest.approx(mi, abs=1e-12)
    assert nem.entropy(table.sum(0)) == pytest.approx(h_pred, abs=1e-12)


@pytest.mark.parametrize("true,pred", [([0, 0, 0, 1, 1, 1, 2], [0, 0, 1, 1, 2, 2, 2]),
                                       ([0, 0, 1, 1, 1, 2, 2], [1, 0, 1, 0, 1, 0, 1]),
                                       ([0, 1, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 2, 3])])
def test_expected_mi_is_the_mean_over_all_permutations(true, pred):
    true, pred = np.array(true), np.array(pred)
    perms = [nem.mutual_information(nem.contingency(true, pred[list(order)]))
             for order in itertools.permutations(range(len(pred)))]
    emi = nem.expected_mutual_information(nem.contingency(true, pred))
    assert emi == pytest.approx(np.mean(perms), abs=1e-12)
    mi = nem.mutual_information(nem.contingency(true, pred))
    h = max(nem.entropy(np.bincount(true)), nem.entropy(np.bincount(pred)))
    assert nem.adjusted_mutual_information(true, pred) == pytest.approx((mi - np.mean(perms)) / (h - np.mean(perms)))


def test_grouping_ami_ignores_the_background():
    groups = np.array([[0, 0, 1, 1, 2, 2]])
    gamma = np.zeros((1, 2, 6))
    gamma[0, 0, [0, 2, 3]] = 1.0
    gamma[0, 1, [1, 4, 5]] = 1.0
    assert nem.grouping_ami(groups, gamma)[0] == pytest.approx(1.0)


# ----------------------------------------------------------------------------------------
# Verdict and command line
# ----------------------------------------------------------------------------------------


def record(ami, first, flying, n=5):
    wobble = [0.0, 0.01, -0.01, 0.02, -0.02, 0.0, 0.01, -0.01]
    return {"long": {"seeds": {"per_seed": [{"ami": ami + wobble[i], "ami_first_step": first + wobble[i]}
                                            for i in range(n)]}},
            "flying": {"seeds": {"per_seed": [{"ami": flying + wobble[i]} for i in range(n)]}}}


@pytest.mark.parametrize("ami,first,flying,value", [(0.93, 0.2, 0.8, "yes"), (0.7, 0.2, 0.8, "partial"),
                                                    (0.93, 0.2, 0.3, "partial"), (0.3, 0.2, 0.8, "no"),
                                                    (0.93, 0.93, 0.8, "partial")])
def test_verdict_on_both_sides_of_each_threshold(ami, first, flying, value):
    assert nem.verdict(record(ami, first, flying))["value"] == value


def test_verdict_is_pending_without_both_runs():
    assert nem.verdict(record(0.9, 0.1, 0.8, n=4))["value"] == "pending"
    assert nem.verdict({"long": record(0.9, 0.1, 0.8)["long"]})["value"] == "pending"


@pytest.mark.parametrize("bad", [["--task", "spiral"], ["--model", "lstm"], ["--batches", "0"], ["--hidden", "-3"],
                                 ["--lr", "nan"], ["--record", "--n-seeds", "2"],
                                 ["--n-seeds", "5", "--record", "/tmp/x.json", "--batches", "5"],
                                 ["--long", "--task", "flying"], ["--long", "--model", "gru"]])
def test_impossible_settings_are_refused(bad):
    result = run_script(SCRIPT, *bad)
    assert result.returncode == 2 and "error" in result.stderr


def test_quick_run():
    result = run_script(SCRIPT, "--quick", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "verdict" in result.stdout


def test_odyssnet_as_the_m_step_trains():
    rc = replace(nem.RunConfig(**nem.QUICK), model="odyssnet", hidden=10, n_in=4, n_out=6, batches=4, eval_every=4)
    out = nem.train(0, rc, progress=False)
    assert np.isfinite(out["test_loss"]) and out["curve"][-1]["loss"] < out["curve"][0]["loss"]
