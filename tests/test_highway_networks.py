"""highway-networks: the nets' backward passes against finite differences, a known answer (a highway
stack with closed gates carries its input), training on small generated IDX files, the command line's
refusals and the verdict rule on both sides of each threshold."""

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
SCRIPT = ROOT / "highway-networks" / "highway_networks.py"
spec = importlib.util.spec_from_file_location("highway_networks", SCRIPT)
hn = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hn)


@pytest.mark.parametrize("kind", hn.KINDS)
def test_backward_matches_finite_differences(kind):
    rng = np.random.default_rng(1)
    p = {k: v.astype(np.float64) for k, v in hn.init_net(kind, 4, rng, gate_bias=-1.0, dtype=np.float64).items()}
    for k in p:
        if k.startswith("b_"):
            p[k] = p[k] + 0.1 * rng.standard_normal(p[k].shape)
    x = rng.random((5, 784))
    y = rng.integers(0, 10, 5)
    loss, grads = hn.loss_and_grads(p, kind, x, y)
    errors = check_gradients(lambda: hn.loss_and_grads(p, kind, x, y)[0], p, grads, max_entries=40)
    assert max(errors.values()) < 1e-6, errors


def test_the_check_catches_a_wrong_backward():
    rng = np.random.default_rng(2)
    p = {k: v.astype(np.float64) for k, v in hn.init_net("highway", 3, rng, dtype=np.float64).items()}
    x, y = rng.random((4, 784)), rng.integers(0, 10, 4)
    _, grads = hn.loss_and_grads(p, "highway", x, y)
    grads["W_T0"] = grads["W_T0"] * 1.01
    errors = check_gradients(lambda: hn.loss_and_grads(p, "highway", x, y)[0], p, grads, max_entries=40)
    assert errors["W_T0"] > 1e-6


def test_closed_gates_carry_the_input_through_a_deep_stack():
    """Known answer: with b_T = -40 every transform gate is ~0, so 100 highway layers are the identity
    and the logits equal those of the input layer followed directly by the output layer."""
    rng = np.random.default_rng(3)
    p = {k: v.astype(np.float64) for k, v in hn.init_net("highway", 100, rng, gate_bias=-40.0, dtype=np.float64).items()}
    x = rng.random((7, 784))
    logits, _, gates = hn.forward(p, "highway", x)
    direct = np.tanh(x @ p["W_in"] + p["b_in"]) @ p["W_out"] + p["b_out"]
    np.testing.assert_allclose(logits, direct, atol=1e-12)
    assert gates.shape == (99, 7, 50) and gates.max() < 1e-15


def _fake_mnist(folder: Path, n_train=300, n_test=100, seed=0):
    """Small generated IDX files: each class a fixed random 28x28 pattern plus noise (a learnable
    stand-in for the tests only, never called MNIST)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    protos = rng.random((10, 28, 28))
    for part, n in (("train", n_train), ("test", n_test)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = np.clip(protos[labels] + 0.3 * rng.standard_normal((n, 28, 28)), 0, 1)
        write_idx(folder / FILES[f"{part}_images"], (255 * images).astype(np.uint8))
        write_idx(folder / FILES[f"{part}_labels"], labels)
    (folder / "SOURCE.txt").write_text("generated test patterns")
    return folder


def test_a_highway_net_of_20_layers_learns_generated_patterns(tmp_path):
    data = hn.load_digits(_fake_mnist(tmp_path), 300, 100)
    assert data["source"].startswith("generated test patterns")
    out = hn.train("highway", 20, data, seed=0, lr=0.1, epochs=3, batch=50, gate_bias=-4.0)
    assert out["curve"][-1] < 0.3 * out["curve"][0]
    assert out["test_acc"] > 0.9
    stats = hn.gate_statistics(out["params"], data, n_examples=100)
    assert len(stats["mean_per_layer"]) == 19 and np.array(stats["per_class"]).shape == (10, 19)


def test_same_seed_same_numbers(tmp_path):
    data = hn.load_digits(_fake_mnist(tmp_path), 200, 50)
    a = hn.train("plain", 5, data, seed=4, lr=0.03, epochs=1)
    b = hn.train("plain", 5, data, seed=4, lr=0.03, epochs=1)
    assert a["curve"] == b["curve"]


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_missing_data_is_one_line_error(tmp_path):
    done = _run("--data-dir", str(tmp_path / "nowhere"))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "no MNIST IDX files" in done.stderr


@pytest.mark.parametrize("bad", [["--depths", "1"], ["--depths", "x"], ["--kinds", "conv"], ["--epochs", "0"]])
def test_bad_arguments_exit_2(bad):
    done = _run(*bad)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_quick_run_on_generated_files(tmp_path):
    folder = _fake_mnist(tmp_path / "d")
    done = _run("--quick", "--data-dir", str(folder), "--record", str(tmp_path / "r.json"))
    assert done.returncode == 0, done.stderr
    assert "== verdict" in done.stdout


def _record(h10, h50, p10, p50, frac=0.8, n=5, h100=None, p100=None):
    rows = [{"seed": s, "highway_d10_train_ce": h10 * (1 + 0.01 * s), "highway_d50_train_ce": h50 * (1 + 0.02 * s),
             "plain_d10_train_ce": p10 * (1 + 0.01 * s), "plain_d50_train_ce": p50 * (1 - 0.01 * s),
             "gates_fraction_below_0.5": frac} for s in range(n)]
    record = {"seeds": {"per_seed": rows}}
    if h100 is not None:
        record["depth-100"] = {"command": "x", "seeds": {"per_seed": [
            {"seed": s, "highway_d100_train_ce": h100 * (1 + 0.02 * s), "plain_d100_train_ce": p100 * (1 - 0.01 * s)}
            for s in range(n)]}}
    return record


def test_verdict_both_sides():
    assert hn.verdict(_record(0.05, 0.06, 0.1, 1.5))["value"] == "yes"
    assert hn.verdict(_record(0.05, 0.06, 0.1, 0.09))["value"] == "no"          # highway 50 not 2x below plain 50
    assert hn.verdict(_record(0.05, 0.5, 0.1, 1.5))["value"] == "partial"       # highway degrades 10x with depth
    assert hn.verdict(_record(0.05, 0.06, 0.1, 0.15))["value"] == "partial"     # plain does not degrade
    assert hn.verdict(_record(0.05, 0.06, 0.1, 1.5, frac=0.4))["value"] == "partial"  # gates open on average
    assert hn.verdict(_record(0.05, 0.06, 0.1, 1.5, n=3))["value"] == "pending"


def test_verdict_depth_100_claims():
    v = hn.verdict(_record(0.05, 0.06, 0.1, 1.5, h100=0.07, p100=2.3))
    assert v["value"] == "yes" and len(v["claims"]) == 6
    assert hn.verdict(_record(0.05, 0.06, 0.1, 1.5, h100=1.0, p100=2.3))["value"] == "partial"
