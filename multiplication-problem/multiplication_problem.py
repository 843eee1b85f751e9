"""The multiplication problem: Hochreiter & Schmidhuber (1997), Long short-term memory, Experiment 5 (Sec. 5.5).

The task (Sec. 5.5). "Like the task in Section 5.4, except that the first component of each pair
is a real value randomly chosen from the interval [0, 1]." Each input step is a pair (value,
marker); a sequence has a random length between T and T + T/10 steps. One of the first ten pairs
is marked 1.0 (its value is X1), then one of the first T/2 - 1 pairs still unmarked (X2). The
first and the last pair carry the marker -1, every other pair 0; "in the rare case where the first
pair of the input sequence gets marked, we set X1 to 1.0". The only target, at the last step, is
X1 X2. Only T = 100 is reported (minimal lag 50). A sequence is processed correctly when the
absolute error at its end is below 0.04 (Table 11, ABS(0.04)).

The paper's setup, implemented here (Sec. 5.5 "like in Section 5.4"; Tables 8, 10, 11). The net of
Experiment 4: 2 inputs, 2 memory blocks of 2 cells (the 1997 cell: input and output gates, no
forget gate, g = 4 f - 2, h = 2 f - 1, f logistic), a fully recurrent hidden layer, a logistic
output unit that reads the cells, a bias on every non-input unit: 93 weights. "All weights
(including the bias weights) are randomly initialized in the range [-0.1, 0.1]": here the gates'
biases too (Table 10, row 5: igb r, ogb r). Learning rate 0.1. On-line: one fresh sequence per
update, the paper's truncated gradient (error flows back in time only through the cells' constant
error carousels), activations reset for every sequence. The stopping rule: "We test performance
twice: as soon as less than n_seq of the 2000 most recent training sequences lead to absolute
errors exceeding 0.04, where n_seq = 140, and n_seq = 13." One training run per trial, its test
set of 2560 fresh sequences run at each of the two stops. Table 8 (means of 10 trials): n_seq =
140: 139 of 2560 wrong, "MSE" 0.0223, after 482,000 training sequences; n_seq = 13: 14 wrong,
0.0139, after 1,273,000.

What runs here. Ten seeds are ten independent trials trained side by side as one bank (shared
PaperLSTM and the on-line loop of shared.learning.online), or as two banks of five in two processes
(--workers 2): each trial's weights, training sequences and test set come from its own seed's
generators, so the split does not change a figure. The headline is the paper's setup under a cap
of 90,000 training sequences (the five-minute command): how many trials meet the n_seq = 140 rule
within the cap, and the test at the stop or, for the others, at the cap. The section "paper_scale"
is the same runs with a cap of 600,000 (1.24x Table 8's 482,000; about 27 minutes on two cores),
where the n_seq = 140 stop is reached and n_seq = 13 is followed as far as the cap allows (its mean
of 1,273,000 does not fit). Ablation (ours): the same net with a forget gate per block (Gers et al.
2000; PaperLSTM(forget_gate=True), initial forget bias 5), everything else the same, capped at
70,000 (a forget gate makes a sequence about 30 % dearer). Diagnostic
(ours): Experiment 4's recipe on this task, input-gate biases -3 and -6 and learning rate 0.5.
Comparisons (ours; the paper runs no baseline in Experiment 5): a tanh RNN trained by BPTT and
Adam, and the OdyssNet core, on the same sequences, budget, rule and test.

Run:  python3 multiplication-problem/multiplication_problem.py --n-seeds 10 --workers 2 --record        (headline)
      python3 multiplication-problem/multiplication_problem.py --max-sequences 600000 --n-seeds 10 --workers 2 --record
      python3 multiplication-problem/multiplication_problem.py --forget-gate --max-sequences 70000 --n-seeds 10 --workers 2 --record
      python3 multiplication-problem/multiplication_problem.py --model odyssnet --n-seeds 10 --workers 2 --record
      python3 multiplication-problem/multiplication_problem.py --model rnn --n-seeds 10 --workers 2 --record
      python3 multiplication-problem/multiplication_problem.py --input-bias=-3,-6 --lr 0.5 --n-seeds 10 --workers 2 --record
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.frame.cluster import pool
from shared.frame.experiment import (Progress, conclude, finite_float, format_table, int_at_most,
                                     require_seeds, stub_parser, summarize)
from shared.learning import long_lag
from shared.learning.online import Episode, evaluate, last_step, run
from shared.networks.optim import Adam, clip_global_norm
from shared.networks.paper_lstm import PaperLSTM
from shared.networks.recurrent import RNN
from shared.learning.stopping import StoppingRule
from shared.environments.tasks import Sequences, multiplication_sequences
from shared.frame.verdict import exact, grade, judge, mean_within, pending, rate_at_least

# ----------------------------------------------------------------------------------------
# The paper's figures and criterion
# ----------------------------------------------------------------------------------------

CITATION = ("Hochreiter & Schmidhuber (1997). Long short-term memory. Neural Computation 9(8):1735–1780, "
            "Experiment 5 (Sec. 5.5, the multiplication problem).")
N_SEQ = (140, 13)                  # the two stops: fewer than n_seq of the 2000 most recent wrong (Sec. 5.5)
PAPER = {140: {"wrong": 139, "error": 0.0223, "sequences": 482_000},          # Table 8, row 1 (means of 10)
         13: {"wrong": 14, "error": 0.0139, "sequences": 1_273_000}}          # Table 8, row 2
TEXT_LIMITS = {140: {"error": 0.026, "wrong": 170}, 13: {"error": 0.013, "wrong": 15}}   # Sec. 5.5, Results
PAPER_FIGURES = [
    {"name": "n_seq = 140: wrong of the 2560 test sequences (mean)", "value": 139,
     "where": "Table 8, row 1 ('# wrong'; mean of 10 trials)"},
    {"name": "n_seq = 140: test error (the column 'MSE')", "value": 0.0223, "where": "Table 8, row 1"},
    {"name": "n_seq = 140: training sequences to the stop", "value": 482_000,
     "where": "Table 8, row 1 ('Success after')"},
    {"name": "n_seq = 13: wrong of the 2560 test sequences (mean)", "value": 14, "where": "Table 8, row 2"},
    {"name": "n_seq = 13: test error (the column 'MSE')", "value": 0.0139, "where": "Table 8, row 2"},
    {"name": "n_seq = 13: training sequences to the stop", "value": 1_273_000, "where": "Table 8, row 2"},
    {"name": "average test set error, every trial", "value": "always below 0.026 (n_seq = 140), 0.013 (n_seq = 13)",
     "where": "Sec. 5.5, Results"},
    {"name": "incorrectly processed test sequences, every trial", "value": "never more than 170 (140), 15 (13)",
     "where": "Sec. 5.5, Results"},
    {"name": "trials", "value": 10, "where": "Table 8, caption ('All values are means of 10 trials')"},
    {"name": "weights", "value": 93, "where": "Table 8; Sec. 5.5 'Architecture: like in Section 5.4'"},
    {"name": "learning rate", "value": 0.1, "where": "Sec. 5.5, Training/Testing; Table 10 row 5"},
    {"name": "initial gate biases", "value": "random (igb r, ogb r)", "where": "Table 10, row 5"},
    {"name": "stopping rule", "value": "fewer than n_seq of the 2000 most recent training sequences with "
                                       "absolute error above 0.04; n_seq = 140 and 13",
     "where": "Sec. 5.5, Training/Testing; Table 11 row 5 ('see text', ABS(0.04))"},
    {"name": "test set", "value": 2560, "where": "Table 8 caption; Sec. 5.5"},
]
T_PAPER = 100
LEARNING_RATE = 0.1
THRESHOLD = 0.04             # |error| at the sequence end below this: processed correctly
RECENT = 2000                # the rule's window of most recent training sequences
TEST_SEQUENCES = 2560
HEADLINE_BUDGET = 90_000     # the five-minute command (two banks of five trials; was 100,000 until the re-recording:
                             # 2.65 ms a sequence for a bank of five on the free machine, so 100,000 took 4.5 min)
PAPER_SCALE_BUDGET = 600_000 # the section "paper_scale": 1.24x Table 8's 482,000 (under 30 minutes)
BLOCK = 1000                 # each trial's training sequences are drawn from its generator this many at a time
FIRST_MARKED = 0.1 + 0.9 / (T_PAPER // 2 - 1)   # P(the first pair is marked, its value set to 1.0), T = 100
PRODUCT_MEAN = FIRST_MARKED / 2 + (1 - FIRST_MARKED) / 4
CHANCE = FIRST_MARKED / 3 + (1 - FIRST_MARKED) / 9 - PRODUCT_MEAN ** 2   # Var(X1 X2): the best constant's MSE

# The verdict rule (fixed before the recorded runs; see verdict()).
MIN_SEEDS = 10
RATE_MARGIN = 0.5            # the share of trials meeting n_seq = 140 within the cap is above 1 - 0.5
SEQ_FACTOR = 2.0             # mean training sequences to the n_seq = 140 stop within 2x of 482,000
WRONG_FACTOR = 1.5           # mean wrong of 2560 at the n_seq = 140 stop within 1.5x of 139
ERROR_FACTOR = 1.5           # mean test RMSE at the n_seq = 140 stop within 1.5x of 0.0223


# ----------------------------------------------------------------------------------------
# The data: each seed's own generators (its training sequences, its test set, its initial weights)
# ----------------------------------------------------------------------------------------


def streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators of a seed. Every learner trained with the same seed sees the same
    training sequences (in the same order) and the same test set."""
    names = ("train", "test", "init")
    return {name: np.random.default_rng(s) for name, s in zip(names, np.random.SeedSequence(seed).spawn(3))}


def episode_of(data: list[Sequences], rows) -> Episode:
    """Sequences ``rows`` of every trial's batch as an Episode (P, K, L, ...) with the target at the
    last step of each sequence. L is the sequences' full padded width, T + T/10, whatever the
    lengths drawn: a trial's sums over time then have the same shape in any bank (a product over 101
    or 110 steps rounds differently), so a seed computes the same alone or beside any other seeds."""
    rows = np.asarray(rows)
    lengths = np.stack([d.lengths[rows] for d in data])                     # (P, K)
    steps = data[0].x.shape[1]
    inputs = np.stack([d.x[rows] for d in data])                            # zeros after each end
    targets = np.broadcast_to(np.stack([d.target[rows] for d in data])[:, :, None, :],
                              (len(data), len(rows), steps, 1))
    return Episode(inputs, targets, last_step(lengths, steps), lengths)


class TrainingStream:
    """draw(n): every trial's n-th training sequence (an Episode with K = 1), each trial's drawn
    from its own generator in blocks of BLOCK (draw must be called with n = 0, 1, 2, ...)."""

    def __init__(self, seeds, T: int, block: int = BLOCK):
        self.rngs = [streams(s)["train"] for s in seeds]
        self.T, self.block = T, block
        self.data: list[Sequences] = []

    def batch(self, n: int, size: int) -> list[Sequences]:
        """Sequences n .. n + size - 1 of every trial (the same ones draw(n) ... would give)."""
        out = []
        while size:
            if n % self.block == 0 and (not self.data or self._at != n):
                self.data = [multiplication_sequences(rng, self.block, self.T) for rng in self.rngs]
                self._at = n
            take = min(size, self.block - n % self.block)
            rows = slice(n % self.block, n % self.block + take)
            out.append([d.subset(rows) for d in self.data])
            n, size = n + take, size - take
        return [Sequences(np.concatenate([p[k].x for p in out]), np.concatenate([p[k].lengths for p in out]),
                          np.concatenate([p[k].target for p in out]), np.concatenate([p[k].marked for p in out]))
                for k in range(len(self.rngs))]

    def __call__(self, n: int) -> Episode:
        if n % self.block == 0:
            self.data = [multiplication_sequences(rng, self.block, self.T) for rng in self.rngs]
            self._at = n
        return episode_of(self.data, [n % self.block])


def test_sets(seeds, T: int, n: int = TEST_SEQUENCES) -> list[Sequences]:
    return [multiplication_sequences(streams(s)["test"], n, T) for s in seeds]


def end_outputs(outputs: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """outputs (P, K, L, 1), lengths (P, K) -> the output at each sequence's last step (P, K)."""
    return np.take_along_axis(outputs[..., 0], (lengths - 1)[..., None], axis=2)[..., 0]


def test_figures(errors: np.ndarray) -> dict:
    """Table 8's figures of one trial's test errors (2560,), plus the error measures the column
    'MSE' might be (see the README: its value fits a root mean squared error)."""
    return {"wrong_of_2560": int(np.sum(~(np.abs(errors) < THRESHOLD))), "test_mse": float(np.mean(errors ** 2)),
            "test_rmse": float(np.sqrt(np.mean(errors ** 2))), "test_mae": float(np.mean(np.abs(errors)))}


# ----------------------------------------------------------------------------------------
# The paper's network and its on-line training (a bank of trials)
# ----------------------------------------------------------------------------------------


def paper_net(seeds, forget_gate: bool = False, forget_bias: float | None = None,
              input_bias: tuple | None = None) -> PaperLSTM:
    """The paper's net for each seed: 2 blocks of 2 cells, biases on every non-input unit, 93 weights
    (135 with forget gates), all uniform in [-0.1, 0.1] (the output unit's bias too). forget_bias,
    input_bias (one per block): initial gate biases of an ablation (None: random, the paper's)."""
    rngs = [streams(s)["init"] for s in seeds]
    gate_bias = {**({} if forget_bias is None else {"forget": forget_bias}),
                 **({} if input_bias is None else {"input": list(input_bias)})}
    net = PaperLSTM(2, 2, 2, 1, rngs, forget_gate=forget_gate, output_unit="logistic", output_bias=True,
                    init_scale=0.1, gate_bias=gate_bias or None)
    for k, rng in enumerate(rngs):                 # PaperLSTM starts output biases at 0; the paper: random
        net.V[k, -1] = rng.uniform(-0.1, 0.1, net.outputs)
    return net


@dataclass(frozen=True)
class PaperConfig:
    T: int = T_PAPER
    lr: float = LEARNING_RATE
    max_sequences: int = HEADLINE_BUDGET
    forget_gate: bool = False
    forget_bias: float | None = None
    input_bias: tuple | None = None    # None: random like every weight (the paper's Exp. 5); Exp. 4: (-3, -6)
    n_seq: tuple = N_SEQ
    recent: int = RECENT
    every: int = 2000                  # the learning curve's sampling, in sequences
    snapshot_every: int = 0            # > 0: keep the first trial's weights this often (for the pictures)

    def describe(self) -> str:
        cell = ("the 1997 cell plus a forget gate per block (initial forget bias "
                + ("random" if self.forget_bias is None else f"{self.forget_bias:g}") + ", ours)"
                if self.forget_gate else "the 1997 cell (no forget gate)")
        bias = ("" if self.input_bias is None else
                f", initial input-gate biases {self.input_bias[0]:g} and {self.input_bias[1]:g} (Exp. 4's; ours)")
        return (f"2 blocks of 2 cells, {cell}, {135 if self.forget_gate else 93} weights{bias}, on-line, truncated "
                f"gradient, learning rate {self.lr:g}")


def train_bank(config: PaperConfig, seeds, label: str = "") -> dict:
    """Train one trial per seed side by side, on line, until the strictest rule (n_seq = 13) holds or
    the budget ends. Each rule's stop is recorded with the weights at that moment, and the trial's
    test set is run with those weights (or, where a rule was not met, with the weights at the cap).
    (A lone seed computes as in a bank: PaperLSTM.sequence runs a lone trial as two rows.)"""
    P = len(seeds)
    net = paper_net(seeds, config.forget_gate, config.forget_bias, config.input_bias)
    draw = TrainingStream(seeds, config.T)
    rules = {n: StoppingRule(P, config.recent, THRESHOLD, train_error=None, tolerated=n - 1) for n in config.n_seq}
    strictest = rules[min(config.n_seq)]
    kept = {n: [None] * P for n in config.n_seq}
    curve = {"seen": [], "window_wrong": [], "window_mse": []}
    window = rules[max(config.n_seq)]
    frozen_wrong, frozen_mse = np.zeros(P), np.zeros(P)       # a trial's window when it stopped learning
    snapshots = []
    progress = Progress(config.max_sequences, label or "sequences")
    net.start(1)
    for n in range(config.max_sequences):
        episode = draw(n)
        learning = strictest.active.copy()
        outputs = run(net, episode)
        errors = end_outputs(outputs, episode.lengths)[:, 0] - episode.targets[:, 0, 0, 0]
        stops = {k: rule.update(errors[None]) for k, rule in rules.items()}
        net.apply(config.lr, learning)
        if not learning.all():
            net.apply(0.0, ~learning)              # a stopped trial's change is dropped
        for k, stop in stops.items():
            for p in np.flatnonzero(stop):
                kept[k][p] = (net.W[p].copy(), net.V[p].copy())
        wrong_now, mse_now = window.wrong.sum(axis=0), window.window_mse()
        just = stops[min(config.n_seq)]
        frozen_wrong[just], frozen_mse[just] = wrong_now[just], mse_now[just]
        done = not strictest.active.any()
        if (n + 1) % config.every == 0:
            # the curve of a trial that stopped learning holds its value at the stop, so that a
            # trial's curve does not depend on the trials beside it
            active = strictest.active
            curve["seen"].append(n + 1)
            curve["window_wrong"].append(np.where(active, wrong_now, frozen_wrong).tolist())
            curve["window_mse"].append(np.where(active, mse_now, frozen_mse).tolist())
        if (n + 1) % config.every == 0 or done or n + 1 == config.max_sequences:
            progress.update(n + 1, **{f"stopped{k}": int((~r.active).sum()) for k, r in rules.items()},
                            window_wrong=float(np.median(np.where(strictest.active, wrong_now, frozen_wrong))))
        if config.snapshot_every and (n % config.snapshot_every == 0 or done):
            snapshots.append((n, net.W[0].copy(), net.V[0].copy()))
        if done:
            break
    while len(curve["seen"]) < config.max_sequences // config.every:        # every trial stopped: hold
        curve["seen"].append(curve["seen"][-1] + config.every if curve["seen"] else config.every)
        curve["window_wrong"].append(frozen_wrong.tolist())
        curve["window_mse"].append(frozen_mse.tolist())
    seen = strictest.seen
    tests = test_sets(seeds, config.T)
    test_episode = episode_of(tests, np.arange(TEST_SEQUENCES))
    trials = []
    for p, seed in enumerate(seeds):
        trials.append({"seed": int(seed)})
    for k in config.n_seq:
        weights = [kept[k][p] or (net.W[p], net.V[p]) for p in range(P)]
        tested = net.frozen(np.arange(P))
        tested.W = np.stack([w for w, _ in weights])
        tested.V = np.stack([v for _, v in weights])
        out = end_outputs(evaluate(tested, np.arange(P), test_episode), test_episode.lengths)
        errors = out - np.stack([t.target[:, 0] for t in tests])
        for p in range(P):
            stopped = bool(rules[k].stopped_at[p] >= 0)
            trials[p][f"n{k}"] = {"stopped": stopped,
                                  "sequences": int(rules[k].stopped_at[p]) if stopped else None,
                                  **test_figures(errors[p])}
            if k == max(config.n_seq):             # the weights tested at the n_seq = 140 stop (for the pictures)
                trials[p]["weights_140"] = {"W": weights[p][0].tolist(), "V": weights[p][1].tolist()}
    return {"trials": trials, "seen": seen, "curve": curve, "snapshots": snapshots,
            "final": (net.W.copy(), net.V.copy())}


def train_split(config: PaperConfig, seeds, workers: int) -> dict:
    """train_bank over the seeds, in ``workers`` banks of consecutive seeds run in separate processes
    (1: one bank here). A trial's figures do not depend on the split."""
    if workers == 1 or len(seeds) == 1:
        return train_bank(config, seeds)
    parts = [list(p) for p in np.array_split(np.asarray(seeds), min(workers, len(seeds)))]
    with pool(workers=len(parts)) as executor:
        results = list(executor.map(train_bank, [config] * len(parts), parts,
                                    [f"seeds {p[0]}-{p[-1]}: sequences" for p in parts]))
    curve = {"seen": results[0]["curve"]["seen"],
             **{key: [sum((r["curve"][key][i] for r in results), []) for i in range(len(results[0]["curve"]["seen"]))]
                for key in ("window_wrong", "window_mse")}}
    return {"trials": sum((r["trials"] for r in results), []), "seen": max(r["seen"] for r in results),
            "curve": curve, "snapshots": results[0]["snapshots"],
            "final": tuple(np.concatenate([r["final"][i] for r in results]) for i in range(2))}


# ----------------------------------------------------------------------------------------
# Our comparisons: learners of the catalog trained in batches by their own BPTT and optimizer, on
# the same sequences (each seed's training stream, in order), budget, stopping rules and test set
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    model: str = "rnn"
    T: int = T_PAPER
    batch: int = 32
    lr: float = 1e-2                  # Adam's step (RNN)
    clip: float = 1.0
    max_sequences: int = HEADLINE_BUDGET
    rnn_hidden: int = 8
    init_scale: float = 0.1
    odyssnet_neurons: int = 8
    odyssnet_lr: float = 5e-3
    n_seq: tuple = N_SEQ
    recent: int = RECENT
    every: int = 2000


class RNNLearner:
    """A tanh RNN (shared.networks.recurrent), linear read-out at the last step, MSE, Adam, clipping."""

    def __init__(self, config: Config, rng: np.random.Generator):
        self.model = RNN(2, config.rnn_hidden, 1, readout="last", init_scale=config.init_scale, rng=rng)
        self.optimizer = Adam(self.model.params, lr=config.lr)
        self.clip = config.clip

    @property
    def weights(self) -> int:
        return self.model.num_params

    def train_batch(self, data: Sequences) -> np.ndarray:
        """One update; returns each sequence's error as processed (before the update)."""
        diff = self.model.forward(data.x, lengths=data.lengths) - data.target
        grads = self.model.backward(2.0 * diff / diff.size)
        clip_global_norm(grads, self.clip)
        self.optimizer.step(grads)
        return diff[:, 0]

    def predict(self, data: Sequences, chunk: int = 2560) -> np.ndarray:
        return np.concatenate([self.model.forward(data.x[i:i + chunk], lengths=data.lengths[i:i + chunk])[:, 0]
                               for i in range(0, len(data), chunk)])


class OdyssLearner:
    """The OdyssNet core (shared.learning.long_lag.OdyssLearner: stream mode, one step per input step), inputs
    on neurons 0 and 1, the answer read from the last neuron at each sequence's own last step,
    trained by its own BPTT and AdamW."""

    def __init__(self, config: Config, rng: np.random.Generator):
        self.core = long_lag.OdyssLearner(2, config.odyssnet_neurons, 1, config.odyssnet_lr, rng)
        self.model = self.core.model

    @property
    def weights(self) -> int:
        return self.core.weights

    def train_batch(self, data: Sequences) -> np.ndarray:
        return self.core.train_inputs(data.x, data.lengths, data.target)[:, 0] - data.target[:, 0]

    def predict(self, data: Sequences, chunk: int = 2560) -> np.ndarray:
        return np.concatenate([self.core.outputs_of(data.x[i:i + chunk], data.lengths[i:i + chunk])[:, 0]
                               for i in range(0, len(data), chunk)])


def train_learner(config: Config, seed: int) -> dict:
    """One seed of a comparison: batches of its training stream until the strictest rule holds or the
    budget ends; its test set run at each rule's stop (or at the cap)."""
    rng = streams(seed)
    learner = (OdyssLearner if config.model == "odyssnet" else RNNLearner)(config, rng["init"])
    data = TrainingStream([seed], config.T)
    test = test_sets([seed], config.T)[0]
    rules = {n: StoppingRule(1, config.recent, THRESHOLD, train_error=None, tolerated=n - 1) for n in config.n_seq}
    strictest = rules[min(config.n_seq)]
    tested = {}
    curve = {"seen": [], "window_wrong": [], "window_mse": []}
    progress = Progress(config.max_sequences, f"{config.model} seed {seed}: sequences")
    seen = 0
    while seen < config.max_sequences and strictest.active[0]:
        size = min(config.batch, config.max_sequences - seen)
        errors = learner.train_batch(data.batch(seen, size)[0])
        for k, rule in rules.items():
            if rule.active[0]:
                rule.update(errors[:, None])
                if not rule.active[0]:
                    tested[k] = test_figures(learner.predict(test) - test.target[:, 0])
        window = rules[max(config.n_seq)]
        for point in range(seen // config.every + 1, (seen + size) // config.every + 1):
            curve["seen"].append(point * config.every)
            curve["window_wrong"].append([int(window.wrong.sum())])
            curve["window_mse"].append([float(window.window_mse()[0])])
        seen += size
        progress.update(seen, window_wrong=int(window.wrong.sum()))
    at_cap = test_figures(learner.predict(test) - test.target[:, 0]) if len(tested) < len(rules) else None
    while len(curve["seen"]) < config.max_sequences // config.every:
        curve["seen"].append(len(curve["seen"]) * config.every + config.every)
        curve["window_wrong"].append(curve["window_wrong"][-1])
        curve["window_mse"].append(curve["window_mse"][-1])
    trial = {"seed": int(seed)}
    for k, rule in rules.items():
        stopped = not rule.active[0]
        trial[f"n{k}"] = {"stopped": stopped, "sequences": int(rule.stopped_at[0]) if stopped else None,
                          **(tested[k] if stopped else at_cap)}
    return {"trials": [trial], "seen": seen, "curve": curve, "weights": learner.weights}


def train_learners(config: Config, seeds, workers: int) -> dict:
    if workers == 1 or len(seeds) == 1:
        results = [train_learner(config, s) for s in seeds]
    else:
        with pool(workers=workers) as executor:
            results = list(executor.map(train_learner, [config] * len(seeds), seeds))
    curve = {"seen": results[0]["curve"]["seen"],
             **{key: [sum((r["curve"][key][i] for r in results), []) for i in range(len(results[0]["curve"]["seen"]))]
                for key in ("window_wrong", "window_mse")}}
    return {"trials": [r["trials"][0] for r in results], "seen": max(r["seen"] for r in results), "curve": curve,
            "weights": results[0]["weights"]}


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py multiplication-problem): one step of each row on a Tape
# ----------------------------------------------------------------------------------------

PADDED_STEPS = T_PAPER + T_PAPER // 10      # every sequence runs the episode's full padded width, 110 steps


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter (shared.learning.long_lag.movement_rows): the paper's LSTM
    learns on line, one sequence of 110 steps per step (2 inputs, 2 blocks of 2 cells, a logistic output unit
    with its bias, error at the last step, the truncated gradient carried forward in traces as
    ``PaperLSTM.step`` computes it: the stub's ``sequence`` computes the same change backward); the
    comparisons (tanh RNN of 8 units with Adam, OdyssNet core of 8 neurons with AdamW, in float64 as it
    runs) take a batch of 32 sequences per step, gradient clipping not priced. Data generation, the stopping rule's window and the
    test sets are not priced. The paper LSTM's steps to solve come from the paper-scale section (600,000-sequence
    cap, the verdict's section: its n_seq = 140 stop); the 90,000-sequence headline stops no trial."""
    paper = {"blocks": 2, "block_size": 2, "size": "2 blocks of 2 cells, 93 weights, float64", "part": "paper_scale"}
    config = Config()
    return long_lag.movement_rows(record, paper, 2, 1, PADDED_STEPS, config.batch, config.rnn_hidden,
                                  config.odyssnet_neurons)


# ----------------------------------------------------------------------------------------
# The verdict
# ----------------------------------------------------------------------------------------

VERDICT_SECTION = "paper_scale"


def verdict(record: dict) -> dict:
    """Does the paper's LSTM, trained as the paper trains it, do what Table 8 reports at n_seq = 140?

    Read from the section "paper_scale": the paper's setup on >= 10 seeds (the paper's 10 trials)
    with a cap of 600,000 training sequences, 1.24x Table 8's mean of 482,000 (what fits a recorded
    command of under 30 minutes). The n_seq = 13 row (mean 1,273,000 sequences) does not fit: it is
    reported, not judged. The five-minute headline (cap 90,000 sequences) is not part of the rule.
    Fewer seeds or the section missing: pending.

    1. Reliability (primary): the share of trials that meet the n_seq = 140 rule within the cap.
       The paper reports every trial reaching it (Table 8: means of 10 trials, no failure; Sec. 5.5
       "never more than 170" covers every trial). Exact binomial against the paper's rate 1 minus a
       margin of 0.5: the cap is only 1.24x the paper's mean and the paper gives no spread for this
       experiment (in Experiment 4 at T = 1000 its trials spread from 0.43x to 2.4x their mean, Table
       7 caption), so a slow trial may be censored by the cap even if the paper's distribution were
       reproduced. 10/10 (p = 0.001) and 9/10 (p = 0.011) establish a rate above 0.5, 8/10 does not
       (p = 0.055).
    2. Test errors at the stop (primary): the mean number of the 2560 test sequences wrong
       (|error| >= 0.04), over the trials that stopped, within a factor 1.5 of Table 8's 139 (TOST;
       93 .. 208). The rule lets through up to 139 of 2000 training sequences wrong (7 %, 178 of
       2560), so the upper side is loose; the lower side asks that the nets be, at that stop, as
       imperfect as the paper's (a stop that comes late, with a net far better than the rule asks,
       would show there). Fewer than 2 stopped trials: the claim does not hold.
    3. Training sequences to the n_seq = 140 stop: the arithmetic mean (Table 8's statistic) within
       a factor 2 of 482,000 (TOST; 241,000 .. 964,000); a trial that hit the cap counts at the cap
       (a lower bound of its count). The factor: Experiment 4's spread above; the details the paper
       leaves open (sequence order, the output unit's bias) can move a mean that much. With the cap
       below 964,000 the upper side holds by construction: this claim tests the lower side (not more
       than 2x faster than the paper), claim 1 carries the upper side. When half the trials or more hit
       the cap, the mean is unknown and the claim does not hold.
    4. The error at the stop: Table 8's column "MSE" (0.0223) read as a root mean squared error (an
       MSE of 0.0223 would need the 139 wrong sequences to miss by 0.6 on average; a Gaussian error
       with 139 of 2560 beyond 0.04 has an RMS of 0.0208; see the README): the mean test RMSE over
       the stopped trials within a factor 1.5 of 0.0223 (TOST).
    5. "there were never more than 170 incorrectly processed sequences" (Sec. 5.5): the largest
       count over the trials that stopped is at most 170 (a count over all runs: exact). Not tested
       when fewer than 2 trials stopped (does not hold).

    Holm's correction runs over the tested claims (1-4). Grade: yes when all five hold, partial when
    1 and 2 hold and another does not, no when 1 or 2 fails.
    """
    section = record.get(VERDICT_SECTION)
    if not isinstance(section, dict) or not section.get("seeds"):
        return pending(f"the section {VERDICT_SECTION} has no seed sweep (the rule needs >= {MIN_SEEDS} seeds)")
    rows = section["seeds"]["per_seed"]
    if len(rows) < MIN_SEEDS:
        return pending(f"the section {VERDICT_SECTION} has {len(rows)} seeds, the rule needs >= {MIN_SEEDS}")
    cap = section["headline"]["cap"]
    solved = [bool(r["solved"]) for r in rows]
    stopped = [r for r in rows if r["solved"]]
    paper = PAPER[140]
    claims = [rate_at_least("Every trial meets the n_seq = 140 stopping rule", "Table 8, row 1; Sec. 5.5 Results",
                            solved, paper_rate=1.0, margin=RATE_MARGIN,
                            metric=f"share of trials meeting the n_seq = 140 rule within {cap:,} sequences")]
    wrong_claim = f"About {paper['wrong']} of 2560 test sequences wrong at the n_seq = 140 stop"
    error_claim = f"Test error about {paper['error']} at the n_seq = 140 stop (the column 'MSE' read as an RMSE)"
    if len(stopped) >= 2:
        claims.append(mean_within(wrong_claim, "Table 8, row 1 ('# wrong', mean of 10 trials)",
                                  [r["wrong_of_2560"] for r in stopped], paper["wrong"], WRONG_FACTOR,
                                  metric="mean wrong of 2560 at the stop (stopped trials)"))
    else:
        claims.append(exact(wrong_claim, "Table 8, row 1", "mean wrong of 2560 at the stop", None, False,
                            f"{len(stopped)} trial(s) stopped: too few to test"))
    seq_claim = f"Training sequences to the n_seq = 140 stop within {SEQ_FACTOR:g}x of {paper['sequences']:,}"
    seq_where = "Table 8, row 1 ('Success after', mean of 10 trials)"
    seq_metric = "mean training sequences to the n_seq = 140 stop (the cap for a trial that hit it)"
    if 2 * len(stopped) > len(rows):
        claims.append(mean_within(seq_claim, seq_where, [r["sequences"] if r["solved"] else cap for r in rows],
                                  paper["sequences"], SEQ_FACTOR, metric=seq_metric))
    else:
        claims.append(exact(seq_claim, seq_where, seq_metric, None, False,
                            f"{len(rows) - len(stopped)} of {len(rows)} trials hit the cap: the mean is unknown"))
    if len(stopped) >= 2:
        claims.append(mean_within(error_claim, "Table 8, row 1 ('MSE'); Sec. 5.5 Results ('below 0.026')",
                                  [r["test_rmse"] for r in stopped], paper["error"], ERROR_FACTOR,
                                  metric="mean test RMSE at the stop (stopped trials)"))
    else:
        claims.append(exact(error_claim, "Table 8, row 1", "mean test RMSE at the stop", None, False,
                            f"{len(stopped)} trial(s) stopped: too few to test"))
    most = max((r["wrong_of_2560"] for r in stopped), default=None)
    claims.append(exact("Never more than 170 test sequences wrong at the n_seq = 140 stop", "Sec. 5.5, Results",
                        "largest wrong of 2560 over the stopped trials", most,
                        len(stopped) >= 2 and most <= TEXT_LIMITS[140]["wrong"],
                        "count over all stopped trials (needs >= 2)"))
    return grade(judge(claims), primary=2)


# ----------------------------------------------------------------------------------------
# Tables, records and the recorded commands
# ----------------------------------------------------------------------------------------

TABLE_COLUMNS = ["learner", "n_seq", "trials", "tested", "mean sequences to the stop", "mean wrong of 2560",
                 "most wrong", "mean test MSE", "mean test RMSE", "mean test MAE"]


def per_seed_rows(trials: list[dict]) -> list[dict]:
    """One flat row per trial: the n_seq = 140 stop (the verdict's figures), then n_seq = 13."""
    rows = []
    for t in trials:
        a, b = t["n140"], t["n13"]
        rows.append({"seed": t["seed"], "solved": a["stopped"], "sequences": a["sequences"],
                     "wrong_of_2560": a["wrong_of_2560"], "test_mse": a["test_mse"], "test_rmse": a["test_rmse"],
                     "test_mae": a["test_mae"], "n13_solved": b["stopped"], "n13_sequences": b["sequences"],
                     "n13_wrong_of_2560": b["wrong_of_2560"], "n13_test_mse": b["test_mse"],
                     "n13_test_rmse": b["test_rmse"], "n13_test_mae": b["test_mae"],
                     **({"weights_140": t["weights_140"]} if "weights_140" in t else {})})
    return rows


def mean_of(values):
    return float(np.mean(values)) if len(values) else None


def table_rows(name: str, trials: list[dict], cap: int) -> list[list]:
    """Per n_seq: the trials that met the rule (tested at the stop) and those that hit the cap."""
    out = []
    for k in N_SEQ:
        for stopped, tested in ((True, "at the stop"), (False, f"at the cap ({cap:,})")):
            group = [t[f"n{k}"] for t in trials if t[f"n{k}"]["stopped"] == stopped]
            if not group:
                continue
            out.append([name, k, f"{len(group)}/{len(trials)}", tested,
                        mean_of([g["sequences"] for g in group]) if stopped else f"> {cap:,}",
                        mean_of([g["wrong_of_2560"] for g in group]), max(g["wrong_of_2560"] for g in group),
                        mean_of([g["test_mse"] for g in group]), mean_of([g["test_rmse"] for g in group]),
                        mean_of([g["test_mae"] for g in group])])
    return out


def paper_rows() -> list[list]:
    return [["the paper (Table 8)", k, "10 (means)", "at the stop", PAPER[k]["sequences"], PAPER[k]["wrong"],
             f"<= {TEXT_LIMITS[k]['wrong']} (text)", f"'MSE' {PAPER[k]['error']}", "-", "-"] for k in N_SEQ]


def gaussian_rms(rate: float, threshold: float = THRESHOLD) -> float:
    """The RMS of zero-mean Gaussian errors of which a share ``rate`` reaches |e| >= threshold."""
    from shared.networks.activations import erf
    low, high = 1e-6, 1.0
    for _ in range(200):
        sigma = 0.5 * (low + high)
        if 1.0 - float(erf(np.array(threshold / (sigma * np.sqrt(2.0))))) > rate:
            high = sigma
        else:
            low = sigma
    return sigma


def reference_table() -> dict:
    """What Table 8's error column can mean on this task's scale."""
    rows = [[f"answering the mean {PRODUCT_MEAN:.4f} for every sequence: MSE (Var X1 X2, the first pair marked "
             f"with probability {FIRST_MARKED:.4f})", CHANCE],
            ["  ... its RMSE", float(np.sqrt(CHANCE))]]
    for k in N_SEQ:
        rms = gaussian_rms(PAPER[k]["wrong"] / TEST_SEQUENCES)
        rows += [[f"Gaussian errors with {PAPER[k]['wrong']} of 2560 beyond 0.04: RMSE", rms],
                 ["  ... their MSE", rms ** 2],
                 ["  ... their mean |error|", rms * float(np.sqrt(2.0 / np.pi))],
                 [f"Table 8's 'MSE' at n_seq = {k}", PAPER[k]["error"]]]
    return {"title": "Table 8's error column against the task's scale (the column fits an RMSE, not an MSE)",
            "columns": ["reference", "value"], "rows": rows}


def summary_line(name: str, trials: list[dict], cap: int) -> str:
    a = [t["n140"] for t in trials]
    b = [t["n13"] for t in trials]
    stopped = [x for x in a if x["stopped"]]
    line = f"{name} at T = 100: {len(stopped)}/{len(a)} trials meet the n_seq = 140 rule within {cap:,} sequences"
    if stopped:
        line += (f" (mean {mean_of([x['sequences'] for x in stopped]):,.0f}; Table 8: 482,000), then "
                 f"{mean_of([x['wrong_of_2560'] for x in stopped]):.4g} of 2560 test sequences wrong (139) and test "
                 f"RMSE {mean_of([x['test_rmse'] for x in stopped]):.4g} (Table 8's 'MSE': 0.0223)")
    others = [x for x in a if not x["stopped"]]
    if others:
        line += (f"; {'the others' if stopped else 'all'} at the cap: {mean_of([x['wrong_of_2560'] for x in others]):.4g} "
                 f"wrong, test MSE {mean_of([x['test_mse'] for x in others]):.4g} (chance {CHANCE:.4f})")
    line += f"; n_seq = 13: {sum(x['stopped'] for x in b)}/{len(b)} within the cap (Table 8: 1,273,000)"
    return line


def headline_of(trials: list[dict], cap: int, weights: int) -> dict:
    out = {"cap": cap, "trials": len(trials), "weights": weights}
    for k in N_SEQ:
        group = [t[f"n{k}"] for t in trials]
        stopped = [g for g in group if g["stopped"]]
        out.update({f"stopped_{k}": len(stopped),
                    f"mean_sequences_{k}": mean_of([g["sequences"] for g in stopped]),
                    f"mean_wrong_{k}": mean_of([g["wrong_of_2560"] for g in stopped]),
                    f"mean_test_mse_{k}": mean_of([g["test_mse"] for g in stopped]),
                    f"mean_test_rmse_{k}": mean_of([g["test_rmse"] for g in stopped])})
    every = [t["n140"] for t in trials]
    out.update({"mean_wrong_all_140": mean_of([g["wrong_of_2560"] for g in every]),
                "mean_test_mse_all_140": mean_of([g["test_mse"] for g in every])})
    return out


def seeds_record(trials: list[dict]) -> dict:
    rows = per_seed_rows(trials)
    summary = summarize([r["sequences"] for r in rows], [r["solved"] for r in rows])
    summary["metric"] = "sequences"
    return {"per_seed": rows, "summary": summary}


def thinned_curve(curve: dict, points: int = 150) -> dict:
    step = max(1, -(-len(curve["seen"]) // points))
    pick = list(range(step - 1, len(curve["seen"]), step))
    return {"seen": [curve["seen"][i] for i in pick],
            "window_wrong": [curve["window_wrong"][i] for i in pick],
            "window_mse": [[round(v, 6) for v in curve["window_mse"][i]] for i in pick]}


MODEL_NAMES = {"paper": "the paper's LSTM", "forget": "the paper's LSTM with forget gates (ours)",
               "rnn": "tanh RNN, 8 units, BPTT + Adam (ours)", "odyssnet": "OdyssNet core (ours)"}


def experiment(args, config, seeds, section: str | None) -> tuple[dict, dict]:
    if isinstance(config, PaperConfig):
        name = MODEL_NAMES["forget" if config.forget_gate else "paper"]
        print(f"T = {config.T}: {name}; {config.describe()}; cap {config.max_sequences:,} sequences; seeds "
              f"{seeds[0]}..{seeds[-1]} in {min(args.workers, len(seeds))} bank(s), trained side by side")
        result = train_split(config, seeds, args.workers)
        weights = 135 if config.forget_gate else 93
        protocol = f"{config.describe()}"
    else:
        name = MODEL_NAMES[config.model]
        print(f"T = {config.T}: {name}; batches of {config.batch}; cap {config.max_sequences:,} sequences; seeds "
              f"{seeds[0]}..{seeds[-1]}")
        result = train_learners(config, seeds, args.workers)
        weights = result["weights"]
        protocol = ("the core's own BPTT and AdamW (step " + f"{config.odyssnet_lr:g})" if config.model == "odyssnet"
                    else f"BPTT, Adam (step {config.lr:g}, clip {config.clip:g})") + f", batches of {config.batch}"
    trials = result["trials"]
    cap = config.max_sequences
    rows = paper_rows() + table_rows(name, trials, cap)
    print("\n" + format_table(TABLE_COLUMNS, rows))
    title = (f"T = {config.T}: {name}, {protocol}; seeds {seeds[0]}-{seeds[-1]}; cap {cap:,} training sequences; "
             f"stops: fewer than n_seq of the 2000 most recent training sequences with |error| >= 0.04; test: 2560 "
             f"fresh sequences per trial at each stop (or at the cap)")
    tables = [{"title": title, "columns": TABLE_COLUMNS, "rows": rows}]
    if section is None:
        tables.append(reference_table())
    record = {"summary": summary_line(name, trials, cap), "headline": headline_of(trials, cap, weights),
              "seeds": seeds_record(trials), "tables": tables, "curve": thinned_curve(result["curve"])}
    if result.get("snapshots"):
        record["snapshots_seed0"] = [{"seen": n, "W": w.tolist(), "V": v.tolist()} for n, w, v in result["snapshots"]]
    if section is None:
        record.update({"slug": "multiplication-problem",
                       "paper": {"citation": CITATION,
                                 "claim": "The LSTM of 2 memory blocks of 2 cells (93 weights, no forget gate), trained "
                                          "on-line with the truncated gradient at rate 0.1, meets the rule 'fewer than "
                                          "140 of the 2000 most recent training sequences with absolute error above "
                                          "0.04' after 482,000 training sequences and then gets 139 of 2560 test "
                                          "sequences wrong (error 0.0223); with 13 instead of 140, after 1,273,000, "
                                          "14 wrong (0.0139) (Table 8, means of 10 trials)",
                                 "figures": PAPER_FIGURES},
                       "tour": "Seed 0 of the section 'paper_scale' (the paper's LSTM, on-line) learning to multiply: "
                               "a test sequence's marked values, the four cell states over the sequence, and the "
                               "count of wrong sequences among the 2000 most recent, as training proceeds."})
    headline = record["headline"]
    measured = {"trials meeting n_seq = 140": f"{headline['stopped_140']}/{len(trials)} within {cap:,}",
                "mean sequences to the stop": headline["mean_sequences_140"], "paper's (Table 8)": 482_000,
                "mean wrong of 2560 at the stop": headline["mean_wrong_140"], "paper's wrong": 139,
                "mean test RMSE at the stop": headline["mean_test_rmse_140"], "paper's 'MSE'": 0.0223,
                "trials meeting n_seq = 13": f"{headline['stopped_13']}/{len(trials)}"}
    return record, measured


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------

MODELS = ("paper", "rnn", "odyssnet")
FORGET_BIAS = 5.0         # the ablation's initial forget-gate bias: f = 0.9933, the gate starts open


def section_name(args) -> str | None:
    budget = args.max_sequences or HEADLINE_BUDGET
    parts = [] if args.model == "paper" else [args.model]
    if args.forget_gate:
        parts.append("forget_gate" + ("" if args.forget_bias == FORGET_BIAS else
                                      "_random_bias" if args.forget_bias is None else f"_bias{args.forget_bias:g}"))
    if args.input_bias is not None:
        parts.append("input_bias" + "_".join(f"{b:g}" for b in args.input_bias))
    if budget == PAPER_SCALE_BUDGET and args.model == "paper":
        parts.append("paper_scale")
    elif budget != HEADLINE_BUDGET:
        parts.append(f"cap{budget}")
    if args.model == "paper" and args.lr != LEARNING_RATE:
        parts.append(f"lr{args.lr:g}")
    return "_".join(parts) or None


def bias_pair(text: str):
    """'random' or two finite numbers 'a,b' (one per memory block)."""
    if text == "random":
        return None
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 2 or not all(np.isfinite(values)):
        raise __import__("argparse").ArgumentTypeError(f"expected 'random' or two numbers 'a,b', got {text!r}")
    return values


def forget_bias_value(text: str):
    if text == "random":
        return None
    return finite_float(text)


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for the tests: T = 30, at most 2 seeds, a cap of "
                         "600 sequences, a window of 200")
    parser.add_argument("--model", choices=MODELS, default="paper",
                        help="paper: the paper's LSTM, on-line (default; the headline and its sections); rnn: a tanh "
                             "RNN, BPTT + Adam (ours); odyssnet: the catalog's OdyssNet core (ours)")
    parser.add_argument("--max-sequences", type=int_at_most(2_000_000, "the paper's longest mean is 1,273,000"),
                        default=None, help=f"cap on training sequences per trial (default {HEADLINE_BUDGET:,}, the "
                                           f"headline; {PAPER_SCALE_BUDGET:,} is the section paper_scale)")
    parser.add_argument("--lr", type=finite_float, default=None,
                        help="the paper's LSTM: learning rate (default 0.1, the paper's)")
    parser.add_argument("--forget-gate", action="store_true",
                        help="the paper's LSTM with a forget gate per block (the ablation, ours)")
    parser.add_argument("--forget-bias", type=forget_bias_value, default=FORGET_BIAS,
                        help=f"with --forget-gate: initial forget-gate bias, a number or 'random' (in [-0.1, 0.1] "
                             f"like every other weight); default {FORGET_BIAS:g}")
    parser.add_argument("--input-bias", type=bias_pair, default=None,
                        help="the paper's LSTM: initial input-gate biases 'a,b' (one per block) or 'random' (default, "
                             "the paper's for Exp. 5; Exp. 4 used -3,-6)")
    parser.add_argument("--workers", type=int_at_most(2, "the machine has 2 cores"), default=1,
                        help="processes: the seeds are split into this many banks (default 1; the recorded commands "
                             "use 2); the figures do not depend on it")
    parser.add_argument("--batch", type=int_at_most(4096, "a batch's BPTT caches grow as batch x T"), default=32,
                        help="--model rnn / odyssnet: sequences per update (default 32)")
    args = parser.parse_args(argv)
    parser.only_when(args.model == "paper", ["--lr", "--forget-gate", "--input-bias"],
                     "to the paper's LSTM (--model paper)")
    parser.only_when(args.forget_gate, ["--forget-bias"], "with --forget-gate")
    parser.only_when(args.model != "paper", ["--batch"], "to --model rnn and --model odyssnet")
    parser.only_when(not args.quick, ["--max-sequences"], "without --quick (which sets a cap of 600 sequences)")
    if args.lr is None:
        args.lr = LEARNING_RATE
    elif args.lr <= 0:
        parser.error(f"--lr must be positive, got {args.lr:g}")
    require_seeds(parser, args, MIN_SEEDS)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    budget = args.max_sequences or HEADLINE_BUDGET
    seeds = list(range(args.seed, args.seed + (min(args.n_seeds, 2) if args.quick else args.n_seeds)))
    section = section_name(args)
    clock = Progress(1)
    if args.model == "paper":
        config = PaperConfig(lr=args.lr, max_sequences=budget, forget_gate=args.forget_gate,
                             forget_bias=args.forget_bias if args.forget_gate else None, input_bias=args.input_bias,
                             snapshot_every=20_000 if section == "paper_scale" else 0)
        if args.quick:
            config = replace(config, T=30, max_sequences=600, recent=200, every=100, snapshot_every=0)
    else:
        config = Config(model=args.model, batch=args.batch, max_sequences=budget)
        if args.quick:
            config = replace(config, T=30, max_sequences=600, recent=200, every=100)
    record, measured = experiment(args, config, seeds, section)
    record["wallclock_s"] = clock.elapsed
    conclude(record, __file__, verdict, args.record, section=section, measured=measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
