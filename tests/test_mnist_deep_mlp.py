"""mnist-deep-mlp: the MLP's backward against float64 finite differences (and a wrong one caught), the
one-resampling deformation against the shared elastic and affine distortions (known answers), the
training on small generated IDX files (never the MNIST cache), exact repetition, the verdict on
synthetic records on both sides of each threshold, the data-folder error."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import shared  # noqa: F401
from conftest import ROOT, load_module
from shared.environments.augment import affine_distort, elastic_distort, warp
from shared.environments.mnist import write_idx
from shared.frame.gradcheck import check_gradients

SCRIPT = ROOT / "mnist-deep-mlp" / "mnist_deep_mlp.py"
mdm = load_module(SCRIPT, "mnist_deep_mlp")


def test_gradients_match_float64_finite_differences():
    errors = mdm.gradient_errors()
    assert max(errors.values()) < 1e-6, errors


def test_the_gradient_check_catches_a_one_percent_error():
    rng = np.random.default_rng(1)
    params = {k: v * 10.0 for k, v in mdm.init_mlp([5, 4, 3], rng, dtype=np.float64).items()}
    x, y = rng.uniform(-1, 1, (4, 5)), rng.integers(0, 3, 4)
    logits, caches, _ = mdm.mlp_forward(params, x)
    grads = mdm.mlp_backward(params, caches, mdm.softmax_xent_sum(logits, y)[1])
    grads["W0"][1, 2] *= 1.01
    errors = check_gradients(lambda: mdm.softmax_xent_sum(mdm.mlp_forward(params, x)[0], y)[0], params, grads)
    assert errors["W0"] > 1e-4 and max(v for k, v in errors.items() if k != "W0") < 1e-6


def test_scaled_tanh_and_init_range():
    params = mdm.init_mlp([784, 20, 10], np.random.default_rng(0))
    assert all(np.abs(v).max() <= mdm.INIT_RANGE for v in params.values())
    one = {"W0": np.eye(2), "b0": np.zeros(2), "W1": np.eye(2), "b1": np.zeros(2)}
    _, _, hidden = mdm.mlp_forward(one, np.array([[1.0, -2.0]]))
    np.testing.assert_allclose(hidden[0], 1.7159 * np.tanh(0.6666 * np.array([[1.0, -2.0]])))


def test_the_padded_warp_is_the_shared_warp():
    rng = np.random.default_rng(2)
    images = rng.random((6, 28, 28))
    rows, cols = rng.uniform(-4, 32, (6, 28, 28)), rng.uniform(-4, 32, (6, 28, 28))
    rows[0, 0, :3], cols[0, 1, :3] = [-1.0, 27.0, 28.0], [-1.0, 27.0, 28.0]   # the edges exactly
    np.testing.assert_allclose(mdm.warp_padded(images, rows, cols), warp(images, rows, cols), atol=1e-12)


def test_deform_without_affine_is_the_shared_elastic_distortion():
    images = np.random.default_rng(3).random((5, 28, 28))
    ours = mdm.deform(images, np.random.default_rng(7), 34.0, 4.0, 0.0, 0.0, 0.0)
    np.testing.assert_allclose(ours, elastic_distort(images, np.random.default_rng(7), 34.0, 4.0), atol=1e-10)


def test_deform_without_elastic_or_shear_is_the_shared_affine_distortion():
    images = np.random.default_rng(4).random((5, 28, 28))
    theirs_rng = np.random.default_rng(8)
    theirs_rng.uniform(-1, 1, images.shape)           # our draw order: the two fields first
    theirs_rng.uniform(-1, 1, images.shape)
    ours = mdm.deform(images, np.random.default_rng(8), 0.0, 4.0, 15.0, 0.15, 0.0)
    np.testing.assert_allclose(ours, affine_distort(images, theirs_rng, 15.0, 0.15, 0.0), atol=1e-10)


def test_horizontal_shear_moves_columns_by_row():
    """A pure shear s > 0 (no rotation, scaling or elastic field) reads the source at column
    c - s (r - centre): a vertical bar at column 14 leans, left at the top, right at the bottom."""
    image = np.zeros((1, 28, 28))
    image[0, :, 14] = 1.0
    for seed in range(100):                       # a seed whose shear draw is clearly positive
        probe = np.random.default_rng(seed)       # the draws of deform() in their order
        probe.uniform(-1, 1, image.shape), probe.uniform(-1, 1, image.shape)
        probe.uniform(0, 0, 1), probe.uniform(0, 0, (1, 2))
        if probe.uniform(-0.3, 0.3, 1)[0] > 0.2:
            break
    out = mdm.deform(image, np.random.default_rng(seed), 0.0, 4.0, 0.0, 0.0, 0.3)
    assert out[0, 2].argmax() < 14 < out[0, 25].argmax()


def _digits(folder, rng, n_train=300, n_test=100):
    """Ten easy 28x28 classes: class c lights a band at rows 2c+2..2c+5, plus noise (not MNIST)."""
    def make(n):
        y = rng.integers(0, 10, n).astype(np.uint8)
        x = (rng.random((n, 28, 28)) * 40).astype(np.uint8)
        for i, c in enumerate(y):
            x[i, 2 * c + 2: 2 * c + 6, 4:24] = 255
        return x, y
    folder.mkdir(parents=True, exist_ok=True)
    for part, n in (("train", n_train), ("t10k", n_test)):
        x, y = make(n)
        write_idx(folder / f"{part}-images-idx3-ubyte", x)
        write_idx(folder / f"{part}-labels-idx1-ubyte", y)
    (folder / "SOURCE.txt").write_text("generated test bands, NOT MNIST")


@pytest.mark.parametrize("deformed", [False, True])
def test_a_tiny_problem_is_learned_and_repeats_exactly(tmp_path, deformed):
    _digits(tmp_path / "d", np.random.default_rng(0))
    digits = mdm.load_digits(tmp_path / "d", 300)
    assert "NOT MNIST" in digits["source"]
    cfg = mdm.Config(hidden=(32, 16), deform=deformed, epochs=6, n_train=300, alpha=4.0, max_rotation=5.0,
                     max_scale=0.05, max_shear=0.05, lr=5e-3)
    row = mdm.run_seed(0, cfg, digits)
    assert row["test_error"] < 0.1, row["curve"]["test_error"]
    assert row["test_error_ci95"][0] <= row["test_error"] <= row["test_error_ci95"][1]
    again = mdm.run_seed(0, cfg, digits)
    assert again["curve"] == row["curve"] and again["wrong_test_indices"] == row["wrong_test_indices"]


def test_with_and_without_deformations_start_from_the_same_weights(tmp_path):
    _digits(tmp_path / "d", np.random.default_rng(0))
    digits = mdm.load_digits(tmp_path / "d", 300)
    a = mdm.run_seed(3, mdm.Config(hidden=(8,), epochs=0, n_train=300), digits)
    b = mdm.run_seed(3, mdm.Config(hidden=(8,), epochs=0, deform=False, n_train=300), digits)
    assert all(np.array_equal(a["learner"].params[k], b["learner"].params[k]) for k in a["learner"].params)


def test_nearest_neighbour_reference_on_separable_digits(tmp_path):
    _digits(tmp_path / "d", np.random.default_rng(0))
    digits = mdm.load_digits(tmp_path / "d", 300)
    assert mdm.nearest_neighbour_error(digits) == 0.0
    digits["y_test"] = (digits["y_test"] + 1) % 10
    assert mdm.nearest_neighbour_error(digits) == 1.0


def test_missing_data_is_one_line_error(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--data-dir", str(tmp_path / "none")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "no MNIST files" in done.stderr


def _record(headline, plain, small, n=5, spread=0.001):
    rng = np.random.default_rng(1)
    rows = lambda v: [{"seed": s, "test_error": v + rng.normal(0, spread)} for s in range(n)]  # noqa: E731
    rec = {"seeds": {"per_seed": rows(headline)}, "nn_test_error": 0.05}
    if plain is not None:
        rec["plain"] = {"command": "x", "seeds": {"per_seed": rows(plain)}}
    if small is not None:
        rec["small"] = {"command": "x", "seeds": {"per_seed": rows(small)}}
    return rec


def test_verdict_yes_when_deformations_and_size_help_and_the_net_learns():
    v = mdm.verdict(_record(0.03, 0.045, 0.05))
    assert v["value"] == "yes", v


def test_verdict_partial_when_the_bigger_net_does_not_win():
    v = mdm.verdict(_record(0.03, 0.045, 0.03))
    assert v["value"] == "partial", v


def test_verdict_partial_when_nearest_neighbour_is_not_beaten():
    v = mdm.verdict(_record(0.06, 0.09, 0.1))
    assert v["value"] == "partial", v


def test_verdict_no_when_deformations_do_not_help():
    assert mdm.verdict(_record(0.03, 0.03, 0.05))["value"] == "no"
    assert mdm.verdict(_record(0.04, 0.03, 0.05))["value"] == "no"


def test_verdict_pending_below_five_seeds_or_without_a_section():
    assert mdm.verdict(_record(0.03, 0.045, 0.05, n=4))["value"] == "pending"
    assert mdm.verdict(_record(0.03, None, 0.05))["value"] == "pending"
    assert mdm.verdict(_record(0.03, 0.045, None))["value"] == "pending"
    rec = _record(0.03, 0.045, 0.05)
    del rec["nn_test_error"]
    assert mdm.verdict(rec)["value"] == "pending"
    rec = _record(0.03, 0.045, 0.05)
    rec["seeds"]["per_seed"][0]["test_error"] = 0.0     # a perfect run is floored at half a digit, still judged
    assert mdm.verdict(rec)["value"] != "pending"
