"""neural-em-shapes: the data generators, the N-EM core's backward (gradient-checked over the whole
unrolled model), the E-step's known answer, the AMI against hand-computed values, the verdict rule."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script

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


def test_a_few_updates_lower_the_loss_and_a_seed_repeats_exactly():
    rc = nem.RunConfig(hidden=16, steps=3, batch=8, batches=40, n_train=200, n_test=8, eval_every=40, lr=3e-3)
    a, b = nem.train(0, rc, progress=False), nem.train(0, rc, progress=False)
    assert a["curve"][-1]["loss"] < 0.8 * a["curve"][0]["loss"]
    assert a["ami"] == b["ami"] and a["curve"] == b["curve"]


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
