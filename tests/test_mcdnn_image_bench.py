"""mcdnn-image-bench: the column's backward against finite differences (and a wrong one caught), the
width normalisation on hand-drawn boxes, the committee's arithmetic and McNemar counts, a committee
learning generated IDX patterns (never MNIST), same seed same numbers, the command line's refusals, and
the verdict rule on both sides of each threshold."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import shared  # noqa: F401
from shared.environments.mnist import FILES, write_idx
from shared.frame.gradcheck import check_gradients

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "mcdnn-image-bench" / "mcdnn_image_bench.py"
spec = importlib.util.spec_from_file_location("mcdnn_image_bench", SCRIPT)
mc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mc)


def _loss_and_grads(p, x, y):
    logits, cache = mc.column_forward(p, x)
    loss, d = mc.cross_entropy(logits, y)
    return loss, mc.column_backward(p, cache, d)


def test_column_backward_matches_finite_differences():
    rng = np.random.default_rng(1)
    p = mc.init_column(rng, maps=(3, 4), hidden=6, dtype=np.float64)
    for k in ("b1", "b2", "b3", "b4"):
        p[k] = p[k] + 0.1 * rng.standard_normal(p[k].shape)
    x = rng.random((3, 29, 29))
    y = rng.integers(0, 10, 3)
    _, grads = _loss_and_grads(p, x, y)
    errors = check_gradients(lambda: _loss_and_grads(p, x, y)[0], p, grads, max_entries=30)
    assert max(errors.values()) < 1e-6, errors


def test_the_check_catches_a_wrong_backward():
    rng = np.random.default_rng(2)
    p = mc.init_column(rng, maps=(2, 3), hidden=5, dtype=np.float64)
    x, y = rng.random((2, 29, 29)), rng.integers(0, 10, 2)
    _, grads = _loss_and_grads(p, x, y)
    grads["k1"] = grads["k1"] * 1.01
    errors = check_gradients(lambda: _loss_and_grads(p, x, y)[0], p, grads, max_entries=30)
    assert errors["k1"] > 1e-6


def test_column_shapes_follow_the_papers_layout():
    """29 -> conv 4 -> 26 -> pool 2 -> 13 -> conv 5 -> 9 -> pool 3 -> 3: the hidden layer sees F2 x 3 x 3."""
    p = mc.init_column(np.random.default_rng(0), maps=(20, 40), hidden=150)
    assert p["w3"].shape == (40 * 9, 150) and p["k1"].shape == (20, 1, 4, 4) and p["k2"].shape == (40, 20, 5, 5)
    logits, _ = mc.column_forward(p, np.zeros((2, 29, 29), np.float32))
    assert logits.shape == (2, 10)


def _bar(height, width, top=3, left=5, size=28):
    img = np.zeros((1, size, size))
    img[0, top:top + height, left:left + width] = 1.0
    return img


@pytest.mark.parametrize("width", [10, 12, 14, 16, 18, 20])
def test_width_normalisation_gives_the_box_its_width_and_centres_it(width):
    """Known answer: a solid 16 x 6 block becomes a block of `width` columns (ink mass grows by
    width / 6, every row the same), its height kept, centred in the 29 x 29 frame."""
    out = mc.normalize_width(_bar(16, 6), width)[0]
    assert out.shape == (29, 29)
    rows = np.flatnonzero(out.sum(1) > 1e-9)
    assert rows[0] == (29 - 16) // 2 and len(rows) == 16
    np.testing.assert_allclose(out.sum(), 16 * width, rtol=1e-9)
    full = out[rows[0]]
    np.testing.assert_allclose(out[rows].sum(1), width, rtol=1e-9)                 # every row: `width` of ink
    assert np.sum(full > 0.999) >= width - 6 and np.sum(full > 1e-9) <= width + 6   # edges: linear interpolation
    centre = np.sum(np.arange(29) * full) / full.sum()
    assert abs(centre - 14.0) < 1e-9


def test_original_is_a_whole_pixel_shift():
    rng = np.random.default_rng(3)
    img = np.zeros((1, 28, 28))
    img[0, 5:21, 7:19] = rng.random((16, 12)) + 0.1
    out = mc.normalize_width(img, None)[0]
    np.testing.assert_allclose(np.sort(out[out > 0]), np.sort(img[img > 0]))     # no resampling at all
    assert out.shape == (29, 29)


def test_preprocess_names_and_range():
    img = (255 * _bar(18, 4)).astype(np.uint8)
    for name in mc.PREPROCESSINGS:
        x = mc.preprocess(img, name)
        assert x.dtype == np.float32 and x.shape == (1, 29, 29) and 0 <= x.min() and x.max() <= 1.0 + 1e-6
    with pytest.raises(ValueError):
        mc.preprocess(img, "w11")


def test_committee_averages_outputs_and_counts_discordant_digits():
    y = np.array([0, 1, 2, 3])
    a = np.eye(10)[[0, 1, 5, 5]] * 0.6 + 0.04      # right on 0, 1
    b = np.eye(10)[[7, 1, 2, 3]] * 0.9 + 0.01      # right on 1, 2, 3
    com = mc.committee_probs([a, b])
    np.testing.assert_allclose(com, (a + b) / 2)
    wrong_a, wrong_b = a.argmax(1) != y, b.argmax(1) != y
    only_a, only_b, p = mc.mcnemar_p(wrong_a, wrong_b)
    assert (only_a, only_b) == (2, 1) and p == pytest.approx(7 / 8)
    row = mc.committee_row(["a", "b"], [{"probs": a}, {"probs": b}], y, "diverse")
    assert row["diverse_best_column"] == "b" and row["diverse_best_column_error"] == 0.25
    assert row["diverse_committee_error"] == pytest.approx(np.mean(com.argmax(1) != y))


def _fake_digits(folder: Path, n_train=400, n_test=200, seed=0):
    """Generated IDX files (not MNIST): each class a fixed random stroke pattern in a 20 x 16 box, plus
    noise: learnable, and plainly not digits."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    protos = (rng.random((10, 20, 16)) > 0.6).astype(float)
    for part, n in (("train", n_train), ("test", n_test)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = np.zeros((n, 28, 28))
        images[:, 4:24, 6:22] = np.clip(protos[labels] + 0.2 * rng.random((n, 20, 16)), 0, 1)
        write_idx(folder / FILES[f"{part}_images"], (255 * images).astype(np.uint8))
        write_idx(folder / FILES[f"{part}_labels"], labels)
    (folder / "SOURCE.txt").write_text("generated test patterns, NOT MNIST")
    return folder


CFG = {"maps": (4, 8), "hidden": 20, "epochs": 3, "lr": 0.05, "lr_decay": 0.5, "batch": 16, "distort": False,
       "columns": ["original", "w12", "w18"], "preprocessing": "diverse", "model": "cnn"}


def test_a_committee_learns_generated_patterns(tmp_path):
    data = mc.load_digits(_fake_digits(tmp_path), 400, 200)
    assert data["source"].startswith("generated test patterns")
    inputs = {n: (mc.preprocess(data["x_train"], n), mc.preprocess(data["x_test"], n)) for n in CFG["columns"]}
    row, extra = mc.run_seed(0, data, CFG, inputs, mc.Progress(3, "column", every_s=1e9), [0], keep=True)
    assert row["diverse_committee_error"] < 0.1
    assert max(row["diverse_column_errors"].values()) < 0.3
    frames = extra["training"]["frames"]
    assert frames[0]["fraction"] == 0.0 and frames[-1]["fraction"] == 1.0
    assert len(frames[-1]["filters"]) == 3 and np.shape(frames[-1]["filters"][0]) == (4, 4, 4)


def test_same_seed_same_numbers(tmp_path):
    data = mc.load_digits(_fake_digits(tmp_path), 200, 50)
    x = mc.preprocess(data["x_train"], "w14"), mc.preprocess(data["x_test"], "w14")
    cfg = {**CFG, "epochs": 1}
    a = mc.train_column(x[0], data["y_train"], x[1], data["y_test"], np.random.default_rng([4, 0]), cfg)
    b = mc.train_column(x[0], data["y_train"], x[1], data["y_test"], np.random.default_rng([4, 0]), cfg)
    np.testing.assert_array_equal(a["probs"], b["probs"])


def test_same_preprocessing_committee_shares_the_original_column():
    cfg = {**CFG, "preprocessing": "same"}
    same = mc.column_rng(3, 0, cfg).random(4)
    diverse = mc.column_rng(3, CFG["columns"].index("original"), CFG).random(4)
    np.testing.assert_array_equal(same, diverse)
    assert mc.column_names(cfg) == ["original#0", "original#1", "original#2"]


def test_odyssnet_column_trains(tmp_path):
    data = mc.load_digits(_fake_digits(tmp_path), 200, 50)
    x = mc.preprocess(data["x_train"], "original"), mc.preprocess(data["x_test"], "original")
    out = mc.train_column(x[0], data["y_train"], x[1], data["y_test"], np.random.default_rng(0),
                          {**CFG, "epochs": 2}, model="odyssnet")
    assert out["probs"].shape == (50, 10) and np.allclose(out["probs"].sum(1), 1)
    assert out["curve"][-1] < 0.8


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_missing_data_is_one_line_error(tmp_path):
    done = _run("--data-dir", str(tmp_path / "nowhere"))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "no MNIST IDX files" in done.stderr


@pytest.mark.parametrize("bad", [["--columns", "w11"], ["--columns", "original"], ["--epochs", "0"],
                                 ["--lr-decay", "2"], ["--maps", "8"], ["--model", "lstm"]])
def test_bad_arguments_exit_2(bad):
    done = _run(*bad)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_quick_run_on_generated_files(tmp_path):
    folder = _fake_digits(tmp_path / "d")
    done = _run("--quick", "--data-dir", str(folder), "--record", str(tmp_path / "r.json"))
    assert done.returncode == 0, done.stderr
    assert "== verdict" in done.stdout


def _record(com, best, mean, n=5, same=None, same_n=None):
    rows = [{"seed": s, "diverse_committee_error": com * (1 + 0.02 * s), "diverse_best_column_error": best * (1 + 0.01 * s),
             "diverse_mean_column_error": mean * (1 - 0.01 * s)} for s in range(n)]
    record = {"config": {"n_test": 2000}, "seeds": {"per_seed": rows[:2]},
              "seeds-2-4": {"command": "x", "seeds": {"per_seed": rows[2:]}}}
    if same is not None:
        record["same-preprocessing"] = {"command": "x", "seeds": {"per_seed": [
            {"seed": s, "same_committee_error": same * (1 - 0.01 * s)} for s in range(same_n or n)]}}
    return record


def test_verdict_both_sides():
    assert mc.verdict(_record(0.03, 0.04, 0.05))["value"] == "yes"
    assert mc.verdict(_record(0.045, 0.04, 0.05))["value"] == "no"             # worse than its best column
    assert mc.verdict(_record(0.045, 0.04, 0.06))["value"] == "no"             # primary fails, secondary holds
    v = mc.verdict(_record(0.03, 0.04, 0.05, same=0.035))
    assert v["value"] == "yes" and len(v["claims"]) == 3
    assert mc.verdict(_record(0.03, 0.04, 0.05, same=0.025))["value"] == "partial"   # alike columns do as well
    assert len(mc.verdict(_record(0.03, 0.04, 0.05, same=0.025, same_n=4))["claims"]) == 2   # too few same seeds
    assert mc.verdict(_record(0.03, 0.04, 0.05, n=4))["value"] == "pending"
