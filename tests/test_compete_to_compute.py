"""compete-to-compute: gradients, the protocol on small generated IDX files (never the MNIST cache), the
verdict on synthetic records on both sides of its thresholds, the data-folder error."""

from __future__ import annotations

import copy
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import shared  # noqa: F401
from shared.environments.mnist import write_idx

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "compete-to-compute" / "compete_to_compute.py"
spec = importlib.util.spec_from_file_location("compete_to_compute", SCRIPT)
ctc = importlib.util.module_from_spec(spec)
sys.modules["compete_to_compute"] = ctc
spec.loader.exec_module(ctc)


@pytest.mark.parametrize("model", ctc.MLP_MODELS)
def test_gradients_match_float64_finite_differences(model):
    errors = ctc.gradient_errors(model)
    assert max(errors.values()) < 1e-6, errors


def test_lwta_passes_only_each_blocks_winner():
    cfg = ctc.Config(model="lwta", hidden=4, layers=1, block=2)
    params = {"W0": np.eye(4), "b0": np.zeros(4), "W1": np.eye(4), "b1": np.zeros(4)}
    x = np.array([[1.0, 2.0, -3.0, -1.0]])
    _, _, hidden = ctc.mlp_forward(params, cfg, x)
    np.testing.assert_array_equal(hidden[0], [[0.0, 2.0, 0.0, -1.0]])   # linear winners, negative ones too
    freq = ctc.winner_frequency(params, cfg, np.vstack([x, -x]))
    np.testing.assert_allclose(freq[0].reshape(-1, 2).sum(axis=1), 1.0)


def _digits(folder: Path, rng, n_train=320, n_test=100):
    """Ten easy 28x28 classes: class c lights a 4-pixel-high band at rows 2c..2c+3, plus noise."""
    def make(n):
        y = rng.integers(0, 10, n).astype(np.uint8)
        x = (rng.random((n, 28, 28)) * 40).astype(np.uint8)
        for i, c in enumerate(y):
            x[i, 2 * c + 2: 2 * c + 6] = 255
        return x, y
    folder.mkdir(parents=True, exist_ok=True)
    for part, n in (("train", n_train), ("t10k", n_test)):
        x, y = make(n)
        write_idx(folder / f"{part}-images-idx3-ubyte", x)
        write_idx(folder / f"{part}-labels-idx1-ubyte", y)
    (folder / "SOURCE.txt").write_text("generated test bands, not MNIST")


@pytest.mark.parametrize("model", ["lwta", "relu"])
def test_a_tiny_problem_is_learned_and_the_permuted_task_then_too(tmp_path, model):
    _digits(tmp_path / "d", np.random.default_rng(0))
    tasks = ctc.load_tasks(tmp_path / "d", 320)
    cfg = ctc.Config(model=model, hidden=32, epochs_a=6, epochs_b=6, batch=32, n_train=320)
    row = ctc.run_seed(0, cfg, tasks)
    assert row["acc_a_after_a"] > 0.9
    assert row["acc_b_after_b"] > 0.9
    assert np.isclose(row["forgetting"], row["acc_a_after_a"] - row["acc_a_after_b"])
    again = ctc.run_seed(0, cfg, tasks)
    assert again["curve"] == row["curve"]


def test_the_permutation_is_per_seed_and_shared_by_models():
    assert np.array_equal(ctc.permutation_of(3), ctc.permutation_of(3))
    assert not np.array_equal(ctc.permutation_of(3), ctc.permutation_of(4))
    assert sorted(ctc.permutation_of(0)) == list(range(784))


def test_missing_data_is_one_line_error(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--data-dir", str(tmp_path / "none")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "no MNIST files" in done.stderr


def _record(lwta, others, n=10):
    rng = np.random.default_rng(1)
    rec = {"seeds": {"per_seed": [{"seed": s, "forgetting": lwta + rng.normal(0, 0.005)} for s in range(n)]}}
    for name, value in others.items():
        rec[name] = {"command": "x", "seeds": {"per_seed": [{"seed": s, "forgetting": value + rng.normal(0, 0.005)}
                                                            for s in range(n)]}}
    return rec


def test_verdict_yes_when_lwta_forgets_clearly_less_than_all():
    v = ctc.verdict(_record(0.05, {"relu": 0.15, "sigmoid": 0.2, "maxout": 0.12}))
    assert v["value"] == "yes", v


def test_verdict_partial_when_only_maxout_is_not_beaten():
    v = ctc.verdict(_record(0.05, {"relu": 0.15, "sigmoid": 0.2, "maxout": 0.05}))
    assert v["value"] == "partial", v


def test_verdict_no_when_lwta_forgets_as_much_as_relu():
    v = ctc.verdict(_record(0.1, {"relu": 0.1, "sigmoid": 0.2, "maxout": 0.12}))
    assert v["value"] == "no", v
    v = ctc.verdict(_record(0.2, {"relu": 0.1, "sigmoid": 0.1, "maxout": 0.1}))
    assert v["value"] == "no", v


def test_verdict_pending_below_ten_seeds_or_without_a_section():
    assert ctc.verdict(_record(0.05, {"relu": 0.15, "sigmoid": 0.2, "maxout": 0.1}, n=9))["value"] == "pending"
    rec = _record(0.05, {"relu": 0.15, "sigmoid": 0.2})
    assert ctc.verdict(rec)["value"] == "pending"
    rec2 = copy.deepcopy(_record(0.05, {"relu": 0.15, "sigmoid": 0.2, "maxout": 0.1}))
    for r in rec2["seeds"]["per_seed"]:
        r["forgetting"] = -0.01          # no forgetting at all: floored, still judged
    assert ctc.verdict(rec2)["value"] == "yes"
