"""The adding problem: Hochreiter & Schmidhuber (1997), Long short-term memory, Experiment 4 (Sec. 5.4).

The task (Sec. 5.4). Each input step is a pair: a value drawn uniformly from [-1, 1] and a
marker. A sequence has a random length between T and T + T/10 steps. One of the first ten pairs
is marked with 1.0 (its value is X1), then one of the first T/2 - 1 pairs still unmarked (X2).
The first and the last pair carry the marker -1, every other pair 0; a marked first pair has its
value set to 0. There is a target only at the last step: 0.5 + (X1 + X2) / 4, in [0, 1]. The
minimal time lag is T/2 (Table 7). A sequence is processed correctly when the absolute error at
its end is below 0.04.

The paper's setup, implemented here as the headline (Sec. 5.4; Tables 10-11). A 3-layer net: 2
inputs, 2 memory blocks of 2 cells (the 1997 cell: input and output gates, no forget gate,
g = 4 f - 2, h = 2 f - 1, f logistic), a fully recurrent hidden layer (cells and gates read the
inputs and all cells and gates at t - 1), a logistic output unit that reads the cells, biases on
every non-input unit: 93 weights. Weights uniform in [-0.1, 0.1]; the input gates' biases start at
-3 (block 1) and -6 (block 2), the output gates' are random like the rest. Training is on-line,
one fresh sequence per update, by gradient descent with learning rate 0.5 on the paper's truncated
gradient (error flows back in time only inside the cells' carousels). Stopping rule ST3(0.01):
the average training error is below 0.01 and the 2000 most recent training sequences were
processed correctly; then a test set of 2560 fresh sequences is run. The paper reports, as means
of 10 trials (Table 7): 74,000 training sequences at T = 100, 209,000 at T = 500 and 853,000 at
T = 1000 to the stopping rule, and 1, 0 and 1 of the 2560 test sequences wrong.

What runs here. Seeds are independent nets trained side by side (a bank: one block-diagonal product
serves them all). The headline is the paper's setup at T = 100 on 10 seeds. T = 500 and T = 1000
are paper-scale sections of 3 seeds each with the paper's net, gradient and learning rate, in
batches of sequences instead of one at a time (on-line learning at these lengths does not fit the
time limit of a recorded command: see the README). Ablations at T = 100: a linear output unit,
and input-gate biases random like every other weight (no drift remedy). Comparisons (ours; the
paper runs no baseline in Experiment 4): the catalog's shared LSTM with the 1997 cell trained by
BPTT and Adam in batches of 32, and under that same protocol a tanh RNN, the forget-gate cell
and the OdyssNet core; all with the paper's stopping rule and test.

Run:  python3 adding-problem/adding_problem.py --n-seeds 10 --workers 2 --record              (headline: T = 100, batches of 8)
      python3 adding-problem/adding_problem.py --batch 1 --n-seeds 10 --workers 2 --record    (on-line, the paper's training)
      python3 adding-problem/adding_problem.py --T 500 --batch 16 --n-seeds 3 --workers 2 --record
      python3 adding-problem/adding_problem.py --T 1000 --batch 32 --float32 --n-seeds 3 --workers 2 --record
      python3 adding-problem/adding_problem.py --output linear --lr 0.0625 --n-seeds 10 --workers 2 --record
      python3 adding-problem/adding_problem.py --input-bias random --n-seeds 10 --workers 2 --record
      python3 adding-problem/adding_problem.py --model odyssnet --n-seeds 3 --record
      python3 adding-problem/adding_problem.py --model adam --n-seeds 5 --record   (and the RNN, ours)
      python3 adding-problem/adding_problem.py --gradcheck
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, replace

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.networks.activations import erf
from shared.frame.experiment import (Progress, conclude, finite_float, format_table, format_value, int_at_most,
                                     positive_float, positive_int,
                                     require_seeds, stub_parser, summarize)
from shared.frame.gradcheck import check_gradients
from shared.learning import long_lag
from shared.learning.long_lag import end_outputs
from shared.learning.online import Stream, evaluate, over_banks
from shared.learning.online import train as train_on_line
from shared.networks.paper_lstm import PaperLSTM
from shared.learning.stopping import StoppingRule
from shared.environments.tasks import Sequences, adding_sequences
from shared.networks.optim import Adam, clip_global_norm
from shared.networks.recurrent import LSTM, RNN
from shared.networks import tape_steps
from shared.frame.verdict import exact, grade, judge, mean_below, mean_within, pending, rate_at_least

# ----------------------------------------------------------------------------------------
# The paper's figures and criterion
# ----------------------------------------------------------------------------------------

CITATION = ("Hochreiter & Schmidhuber (1997). Long short-term memory. Neural Computation 9(8):1735–1780, "
            "Experiment 4 (Sec. 5.4, the adding problem).")
PAPER_SEQUENCES = {100: 74_000, 500: 209_000, 1000: 853_000}   # Table 7, "Success after": means of 10 trials
PAPER_WRONG = {100: 1, 500: 0, 1000: 1}                      # Table 7, "# wrong predictions" of 2560: means
PAPER_FIGURES = [
    {"name": "training sequences to the stopping rule, T = 100", "value": 74_000,
     "where": "Table 7, row 1 ('Success after'; mean of 10 trials)"},
    {"name": "training sequences to the stopping rule, T = 500", "value": 209_000,
     "where": "Table 7, row 2 ('Success after'; mean of 10 trials)"},
    {"name": "training sequences to the stopping rule, T = 1000", "value": 853_000,
     "where": "Table 7, row 3 ('Success after'; mean of 10 trials)"},
    {"name": "range over the 10 trials at T = 1000", "value": "370,000 - 2,020,000 (over 700,000 in 3 cases)",
     "where": "Table 7, caption"},
    {"name": "wrong of the 2560 test sequences (mean), T = 100 / 500 / 1000", "value": "1 / 0 / 1",
     "where": "Table 7, '# wrong predictions' (means of 10 trials)"},
    {"name": "most test sequences wrong in any trial", "value": 3, "where": "Sec. 5.4, Results"},
    {"name": "average test set error", "value": "always below 0.01", "where": "Sec. 5.4, Results"},
    {"name": "trials per T", "value": 10, "where": "Table 7, caption ('All values are means of 10 trials')"},
    {"name": "weights", "value": 93, "where": "Table 7; Table 10 rows 4-1 to 4-3"},
    {"name": "learning rate", "value": 0.5, "where": "Sec. 5.4, Training/Testing; Table 10"},
    {"name": "initial input-gate biases", "value": "-3, -6", "where": "Sec. 5.4; Table 10 (igb)"},
    {"name": "initial output-gate biases", "value": "random in [-0.1, 0.1]", "where": "Sec. 5.4; Table 10 (ogb 'r')"},
    {"name": "stopping rule", "value": "average training error < 0.01 and the 2000 most recent training "
                                       "sequences processed correctly (|error| < 0.04)",
     "where": "Sec. 5.4, Training/Testing; Table 11 (ST3(0.01), ABS(0.04))"},
    {"name": "test set (after training)", "value": 2560, "where": "Sec. 5.4, Results; Table 11"},
]
THRESHOLD = 0.04          # |error| at the sequence end below this: processed correctly (Sec. 5.4)
TRAIN_ERROR = 0.01        # the average training error must be below this (ST3(0.01))
RECENT = 2000             # ... and this many most recent training sequences processed correctly
TEST_SEQUENCES = 2560     # the test set, run after training
LEARNING_RATE = 0.5
INPUT_BIAS = (-3.0, -6.0)
HEADLINE_BATCH = 8        # the five-minute headline: the paper's net and gradient, 8 sequences per update
PAPER_BUDGET = {100: 280_000, 500: 627_000, 1000: 700_000}     # default budgets: 3.8x, 3x, 0.82x Table 7
PLATEAU = 0.01            # training MSE below this: the net has left the plateau of answering the mean (0.04167)

# The verdict rule (fixed before the recorded runs; see verdict()).
MIN_SEEDS = {100: 10, 500: 3, 1000: 3}
RATE_MARGIN = 0.4         # T = 100: the share of runs that stop is above 1 - 0.4
FACTOR = 2.0              # mean training sequences to the rule within a factor 2 of Table 7
WRONG_LIMIT = 2.0         # mean wrong of the 2560 test sequences below 2 ("at most about 1")


# ----------------------------------------------------------------------------------------
# The problem
# ----------------------------------------------------------------------------------------


def mse_at_error_rate(rate: float, threshold: float = THRESHOLD) -> float:
    """The MSE of zero-mean Gaussian errors of which a share `rate` reaches |e| >= threshold.

    P(|e| >= a) = 1 - erf(a / (sigma sqrt 2)); solved for sigma by bisection.
    """
    low, high = 1e-6, 1.0
    for _ in range(200):
        sigma = 0.5 * (low + high)
        if 1.0 - erf(np.array(threshold / (sigma * np.sqrt(2.0)))) > rate:
            high = sigma
        else:
            low = sigma
    return float(sigma ** 2)


def reference_points() -> dict:
    """What an MSE on the paper's [0, 1] target scale means."""
    return {
        "constant 0.5 (the target's variance, (2/3)/16)": (2.0 / 3.0) / 16.0,
        "X2 remembered, X1 forgotten ((1/3)/16)": (1.0 / 3.0) / 16.0,
        "Gaussian errors, 1 of 2560 beyond 0.04": mse_at_error_rate(1.0 / TEST_SEQUENCES),
        "Gaussian errors, 1 of 25,600 beyond 0.04": mse_at_error_rate(1.0 / 25_600),
    }


def reference_table() -> dict:
    return {"title": "What an MSE means on the paper's [0, 1] target scale",
            "columns": ["reference", "MSE"], "rows": [[k, v] for k, v in reference_points().items()]}


# ----------------------------------------------------------------------------------------
# The paper's network: 2 memory blocks of 2 cells, fully recurrent hidden layer, 93 weights,
# trained with the 1997 truncated gradient (shared.networks.paper_lstm.PaperLSTM: a bank of independent
# nets, one per seed; its truncated gradient is checked against finite differences of the
# stop-gradient twin in tests/test_paper_lstm.py and tests/test_online.py).
# ----------------------------------------------------------------------------------------


def paper_net(config: PaperConfig, seeds) -> PaperLSTM:
    """One net per seed: 2 inputs (value, marker), 2 memory blocks of 2 cells (the 1997 cell), every
    cell and gate reading the inputs, all 8 cells and gates at t - 1 and a bias; one output unit
    reading the 4 cells and a bias (logistic, the paper's, or linear): 88 + 5 = 93 weights, all
    uniform in [-0.1, 0.1] (the output bias too) except the input gates' biases (-3, -6)."""
    gate_bias = {}
    if config.input_bias is not None:              # the paper: -3 for the first block, -6 for the second
        gate_bias["input"] = list(config.input_bias)
    if config.output_bias is not None:             # the paper: random like every other weight
        gate_bias["output"] = list(config.output_bias)
    return PaperLSTM(2, 2, 2, 1, [streams(seed)["init"] for seed in seeds], output_unit=config.output,
                     output_bias="random", init_scale=config.init_scale, gate_bias=gate_bias, dtype=config.dtype)


# ----------------------------------------------------------------------------------------
# The stopping rule, on the training stream: ST3(0.01) (shared.learning.stopping.StoppingRule, whose
# defaults are this experiment's: the 2000 most recent training sequences each with |error| below
# 0.04, and their mean squared error below 0.01).
# ----------------------------------------------------------------------------------------


# ----------------------------------------------------------------------------------------
# Training the paper's network: a bank of seeds, on-line or in batches, until the rule holds
# ----------------------------------------------------------------------------------------


def streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators of a seed: training sequences, the test set, initial weights.
    Every learner trained with the same seed sees the same training sequences and test set."""
    names = ("train", "test", "init")
    return {name: np.random.default_rng(s) for name, s in zip(names, np.random.SeedSequence(seed).spawn(3))}


@dataclass(frozen=True)
class PaperConfig:
    """The paper's setup (Sec. 5.4; Tables 10-11) unless an ablation changes it."""

    T: int = 100
    lr: float = LEARNING_RATE
    batch: int = 1                       # sequences per update (1: on-line, the paper's)
    output: str = "logistic"             # the paper's output unit; "linear": the ablation
    input_bias: tuple | None = INPUT_BIAS   # None: random in [-0.1, 0.1] like every other weight
    output_bias: tuple | None = None     # None: random (the paper's); a pair: fixed per block
    init_scale: float = 0.1
    dtype: str = "float64"               # float32: faster at T = 1000 (weights drawn in float64, then cast)
    max_sequences: int = 148_000
    chunk: int = 500                     # training sequences drawn at a time per seed
    curve_every: int = 1000              # the training curve: the window's MSE every this many sequences
    test_chunk: int = 256

    def describe(self) -> str:
        bias = "input-gate biases " + ("random" if self.input_bias is None else
                                       "/".join(f"{b:g}" for b in self.input_bias))
        if self.output_bias is not None:
            bias += ", output-gate biases " + "/".join(f"{b:g}" for b in self.output_bias)
        mode = "on-line" if self.batch == 1 else f"batches of {self.batch}, gradients summed"
        return f"{self.output} output unit, {bias}; truncated gradient, lr {self.lr:g}, {mode}"


def sequence_stream(config: PaperConfig, generators, per_draw: int = 1) -> Stream:
    """Each seed's sequences from its own generator, drawn `chunk` at a time (a whole number of
    batches), `per_draw` per update; always T + T/10 steps, so a net's arithmetic is its own."""
    def make(rng, n):
        data = adding_sequences(rng, n, config.T)
        return data.x, data.lengths, data.target
    block = per_draw * max(1, round(config.chunk / per_draw))
    return Stream(make, generators, block=block, per_draw=per_draw)


def end_errors(outputs: np.ndarray, episode) -> np.ndarray:
    """Output - target at each sequence's end: (P, K)."""
    return end_outputs(outputs, episode.lengths)[..., 0] - episode.targets[:, :, 0, 0]


@dataclass
class Outcome:
    """One seed's run: when the rule held, the test after it, the training curve."""

    seed: int
    stopped_at: int | None                # training sequences seen when the rule first held
    seen: int                             # training sequences seen in all
    train_mse_at_stop: float | None       # MSE and mean |error| of the 2000 most recent training sequences
    train_mae_at_stop: float | None
    mse_below_at: int | None              # first time that MSE was below 0.01 (the net has left the plateau)
    curve: np.ndarray                     # (checks, 2): training sequences, MSE of the 2000 most recent
    test_errors: np.ndarray               # (2560,): output - target on the test set, after training

    @property
    def solved(self) -> bool:
        return self.stopped_at is not None

    def row(self) -> dict:
        e = self.test_errors
        wrong = ~(np.abs(e) < THRESHOLD)        # a NaN error (a diverged net) counts as wrong
        return {"seed": self.seed, "solved": self.solved, "sequences": self.stopped_at, "seen": self.seen,
                "train_mse_at_stop": self.train_mse_at_stop, "train_mae_at_stop": self.train_mae_at_stop,
                "sequences_to_train_mse_below_0.01": self.mse_below_at,
                "test_mse": float(np.mean(e ** 2)), "wrong_of_2560": int(np.sum(wrong)),
                "test_max_error": float(np.max(np.abs(e))), "train_mse_curve": thinned(self.curve)}


def thinned(curve: np.ndarray, points: int = 100) -> list:
    """At most about `points` rows of a training curve (and its last), 4 significant digits: the
    learning curves the pictures draw from results.json."""
    if not len(curve):
        return []
    keep = sorted(set(range(0, len(curve), -(-len(curve) // points))) | {len(curve) - 1})
    return [[int(curve[i, 0]), float(f"{curve[i, 1]:.4g}")] for i in keep]


def outcome_of(rule: StoppingRule, p: int, seed: int, curve: list, test_errors: np.ndarray) -> dict:
    """The fields of an Outcome for learner p of a stopping rule."""
    stopped = int(rule.stopped_at[p]) if rule.stopped_at[p] >= 0 else None
    return {"seed": seed, "stopped_at": stopped, "seen": stopped or rule.seen,
            "train_mse_at_stop": None if stopped is None else float(rule.at_stop["train_mse"][p]),
            "train_mae_at_stop": None if stopped is None else float(rule.at_stop["train_mae"][p]),
            "mse_below_at": int(rule.mse_below_at[p]) if rule.mse_below_at[p] >= 0 else None,
            "curve": np.array([(seen, mse[p]) for seen, mse in curve]).reshape(-1, 2), "test_errors": test_errors}


@dataclass
class PaperRun(Outcome):
    config: PaperConfig = None
    params: dict = None                   # the net's weights at the end: W (11, 8), V (5,)


def test_bank(net: PaperLSTM, config: PaperConfig, seeds) -> np.ndarray:
    """Errors of every net on its seed's 2560 fresh test sequences (2560, P)."""
    test = sequence_stream(config, [streams(seed)["test"] for seed in seeds]).batch(TEST_SEQUENCES)
    ends = evaluate(net, np.arange(len(seeds)), test, chunk=config.test_chunk, last=True)       # (P, 2560, 1)
    return (ends[..., 0] - test.targets[:, :, 0, 0]).T


def train_bank(config: PaperConfig, seeds, label: str = "", snapshots: list | None = None,
               snapshot_every: int = 0) -> list[PaperRun]:
    """Train one net per seed, all at once, until each meets the stopping rule or the budget ends;
    then test each on its 2560 test sequences. A net that stops keeps its weights from then on.
    With `snapshots` (a list) and `snapshot_every`, (sequences, W, V) of the bank are appended
    every that many sequences and at the end (for the animation)."""
    seeds = list(seeds)
    net = paper_net(config, seeds)
    rule = StoppingRule(len(seeds))

    def score(outputs, episode):
        errors = end_errors(outputs, episode)
        return errors, np.abs(errors) < THRESHOLD          # a NaN error (a diverged net) counts as wrong

    def watch(seen, net):                                  # the curve's points, each stop, the end
        if snapshots is not None and snapshot_every and seen % snapshot_every < config.batch:
            snapshots.append((seen, net.W.copy(), net.V.copy()))

    history = train_on_line(net, sequence_stream(config, [streams(seed)["train"] for seed in seeds], config.batch),
                    score, rule, config.lr, config.max_sequences, every=config.curve_every,
                    label=f"{label}T={config.T}, {len(seeds)} seeds: update", watch=watch)
    if snapshots is not None and (not snapshots or snapshots[-1][0] != rule.seen):
        snapshots.append((rule.seen, net.W.copy(), net.V.copy()))
    curve = list(zip(history.seen, history.window_mse))
    errors = test_bank(net, config, seeds)
    return [PaperRun(**outcome_of(rule, p, seed, curve, errors[:, p]), config=config,
                     params={"W": net.W[p].copy(), "V": net.V[p].copy()}) for p, seed in enumerate(seeds)]


def paper_bank(seeds, config: PaperConfig) -> list[PaperRun]:
    """train_bank in the argument order of shared.learning.online.over_banks (one bank per worker process)."""
    return train_bank(config, seeds)


# ----------------------------------------------------------------------------------------
# Comparisons (ours; the paper runs no baseline in Experiment 4): the catalog's shared LSTM
# (1997 cell or forget-gate cell) and a tanh RNN trained by BPTT with Adam in batches, and the
# OdyssNet core with its own trainer. Same sequences per seed, same stopping rule, same test.
# ----------------------------------------------------------------------------------------

MODELS = ("paper", "adam", "forget", "rnn", "odyssnet")
CELLS = {"adam": "LSTM1997", "forget": "FORGET2000"}
MODEL_NAMES = {"paper": "the paper's LSTM (93 weights, truncated gradient)",
               "adam": "shared LSTM, 1997 cell, BPTT + Adam (ours)",
               "forget": "shared LSTM, forget-gate cell, BPTT + Adam (ours)",
               "rnn": "tanh RNN, 8 units, BPTT + Adam (ours)", "odyssnet": "OdyssNet core (ours)"}


@dataclass(frozen=True)
class Config:
    """A comparison's setup: the catalog's learners with their own optimizer, in batches."""

    model: str = "adam"
    T: int = 100
    batch: int = 32
    lr: float = 1e-2
    clip: float = 1.0
    max_sequences: int = 148_000         # twice the paper's count at T = 100
    cells: int = 4                       # LSTM cells (block_size 2: two memory blocks)
    block_size: int = 2
    input_bias: float = -4.0             # input gates start nearly closed (sigma(-4) = 0.018)
    forget_bias: float = 1.0             # forget-gate cell only: f = sigma(1) = 0.73 at the start
    output_bias: tuple = (-0.5, -1.0)    # one per block
    init_scale: float = 0.1              # weights uniform in [-init_scale, init_scale]
    rnn_hidden: int = 8
    odyssnet_neurons: int = 8
    odyssnet_lr: float = 5e-3
    curve_every: int = 1600

    @property
    def steps(self) -> int:
        return -(-self.max_sequences // self.batch)


class SequenceLearner:
    """shared.networks.recurrent LSTM or RNN, MSE at the last step, Adam, global-norm clipping."""

    def __init__(self, config: Config, rng: np.random.Generator):
        if config.model == "rnn":
            self.model = RNN(2, config.rnn_hidden, 1, readout="last", init_scale=config.init_scale, rng=rng)
        else:
            blocks = config.cells // config.block_size
            bias = np.resize(np.asarray(config.output_bias, dtype=float), blocks)
            self.model = LSTM(2, config.cells, 1, variant=CELLS[config.model], block_size=config.block_size,
                              readout="last", gate_bias={"input": config.input_bias, "output": bias,
                                                         "forget": config.forget_bias},
                              init_scale=config.init_scale, rng=rng)
        self.optimizer = Adam(self.model.params, lr=config.lr)
        self.clip = config.clip

    @property
    def weights(self) -> int:
        return self.model.num_params

    def loss(self, data: Sequences) -> float:
        """Mean squared error at the sequence ends (forward pass only)."""
        return float(np.mean((self.model.forward(data.x, lengths=data.lengths) - data.target) ** 2))

    def errors_and_grads(self, data: Sequences) -> tuple[np.ndarray, dict]:
        """Output - target at each sequence's end, and the gradients of their MSE (one BPTT pass)."""
        diff = self.model.forward(data.x, lengths=data.lengths) - data.target
        return diff[:, 0], self.model.backward(2.0 * diff / diff.size)

    def train_batch(self, data: Sequences) -> np.ndarray:
        """One update; returns each sequence's error as processed (before the update)."""
        errors, grads = self.errors_and_grads(data)
        clip_global_norm(grads, self.clip)
        self.optimizer.step(grads)
        return errors

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
        """One update; returns each sequence's error as processed (before the update)."""
        return self.core.train_inputs(data.x, data.lengths, data.target)[:, 0] - data.target[:, 0]

    def predict(self, data: Sequences, chunk: int = 2560) -> np.ndarray:
        return np.concatenate([self.core.outputs_of(data.x[i:i + chunk], data.lengths[i:i + chunk])[:, 0]
                               for i in range(0, len(data), chunk)])


def make_learner(config: Config, rng: np.random.Generator):
    return OdyssLearner(config, rng) if config.model == "odyssnet" else SequenceLearner(config, rng)


@dataclass
class Run(Outcome):
    config: Config = None
    weights: int = 0
    learner: object = None


def train(config: Config, seed: int, label: str | None = None) -> Run:
    """Train one learner on its seed's fresh sequences until the paper's stopping rule holds or the
    budget ends, then run the 2560 test sequences."""
    rng = streams(seed)
    learner = make_learner(config, rng["init"])
    rule = StoppingRule(1)
    curve = []
    progress = Progress(config.steps, label=label or f"{config.model} T={config.T} seed {seed}: step")
    for step in range(1, config.steps + 1):
        errors = learner.train_batch(adding_sequences(rng["train"], config.batch, config.T))
        rule.update(errors[:, None])
        if rule.seen % config.curve_every < config.batch:
            curve.append((rule.seen, rule.window_mse()))
            progress.update(step, sequences=rule.seen, train_mse=float(curve[-1][1][0]))
        if not rule.active[0]:
            break
    test = adding_sequences(rng["test"], TEST_SEQUENCES, config.T)
    test_errors = learner.predict(test) - test.target[:, 0]
    return Run(**outcome_of(rule, 0, seed, curve, test_errors), config=config, weights=learner.weights,
               learner=learner)


# ----------------------------------------------------------------------------------------
# Gradient checks
# ----------------------------------------------------------------------------------------


def truncated_gradient_problem(seed: int = 0, T: int = 24, output: str = "logistic"):
    """Two nets off their initial point, three sequences each: their truncated gradient (computed
    by PaperLSTM.sequence, backward through the carousels), the loss of the net whose recurrent
    inputs are held at the values of an unperturbed pass (with them fixed, the exact gradient is the
    truncated one), and the loss of the free-running net. Returns (held_loss, free_loss, params,
    grads), float64."""
    config = PaperConfig(T=T, output=output)
    net = paper_net(config, [seed, seed + 1])
    rng = streams(seed)["test"]
    net.W += rng.normal(0.0, 0.5, net.W.shape)               # off the initial point: gates not at their biases
    net.V += rng.normal(0.0, 0.5, net.V.shape)
    data = sequence_stream(config, [rng, rng]).batch(3)
    net.start(3)
    net.sequence(data.inputs, data.targets, data.weights)
    grads = {"W": -net.gW.copy(), "V": -net.gV.copy()}      # gW, gV hold -dE/dW
    steps = data.inputs.shape[2]
    held = []
    net.start(3)
    for t in range(steps):                                   # the recurrent inputs of an unperturbed pass
        held.append(net.u[..., net.inputs:-1].copy())
        net.step(data.inputs[:, :, t])

    def loss(hold: bool) -> float:
        net.start(3)
        total = 0.0
        for t in range(steps):
            y = net.step(data.inputs[:, :, t], hidden=held[t] if hold else None)
            total += 0.5 * float(np.sum(data.weights[:, :, t, None] * (data.targets[:, :, t] - y) ** 2))
        return total
    return (lambda: loss(True)), (lambda: loss(False)), net.params, grads


def paper_gradient_check(seed: int = 0, T: int = 24, output: str = "logistic") -> dict[str, float]:
    """The paper's truncated gradient against finite differences of the held net's loss."""
    held_loss, _, params, grads = truncated_gradient_problem(seed, T, output)
    return {f"paper_{output}.{k}": v for k, v in check_gradients(held_loss, params, grads).items()}


def gradient_check(seed: int = 0, T: int = 24) -> dict[str, float]:
    """Max relative error of every parameter's gradient: the paper's net (truncated gradient, both
    output units) and the comparisons' shared LSTM (both cells) and RNN (BPTT), float64."""
    errors = {**paper_gradient_check(seed, T, "logistic"), **paper_gradient_check(seed, T, "linear")}
    for model in ("adam", "forget", "rnn"):
        rng = streams(seed)
        learner = SequenceLearner(Config(model=model), rng["init"])
        for p in learner.model.params.values():      # move off the initial point: gates not at their biases
            p += rng["train"].normal(0.0, 0.3, p.shape)
        data = adding_sequences(rng["test"], 6, T)
        _, grads = learner.errors_and_grads(data)
        per_param = check_gradients(lambda: learner.loss(data), learner.model.params, grads)
        errors.update({f"{model}.{name}": value for name, value in per_param.items()})
    return errors


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py adding-problem): one step of each row on a Tape
# ----------------------------------------------------------------------------------------

PADDED_STEPS = 110        # T + T/10 at T = 100: every learner runs the full padded width of its sequences


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter, at T = 100 (sequences of 110 steps, the padded width every
    learner runs). The paper's LSTM (the headline: 2 inputs, 2 blocks of 2 cells, a logistic output unit with
    its bias) takes one batch of 8 sequences per weight change, each with its own traces of the truncated
    gradient carried forward (as ``PaperLSTM.step`` computes it; the stub's ``sequence`` computes the same
    change backward), the changes summed; the same net with a linear output unit (the ablation, rate 0.0625)
    likewise. Ours, in batches of 32 sequences: the OdyssNet core (8 neurons, AdamW, float64), the catalog's
    LSTM with the 1997 cell (4 cells in blocks of 2, BPTT and Adam) and the tanh RNN (8 units, Adam);
    gradient clipping not priced. Data generation, the stopping rule's window and the test sets are not
    priced."""
    headline, comparison = HEADLINE_BATCH, Config()
    K = comparison.batch
    median = lambda part: long_lag.steps_to_solve(part or {})          # noqa: E731  (None when nothing solved)
    per = lambda value, k: None if value is None else value / k        # noqa: E731
    rows = [{"row": "paper LSTM", "family": "gradient",
             "step": f"one batch of {headline} sequences ({PADDED_STEPS} steps each), one weight change",
             "size": "2 blocks of 2 cells, 93 weights, float64",
             "program": lambda tape: tape_steps.paper_lstm_step(tape, 2, 2, 2, 1, PADDED_STEPS, batch=headline),
             "steps_to_solve": per(median(record), headline),
             "steps_from": f"median sequences to the stopping rule over solved seeds (seeds.summary) / {headline}"}]
    if "odyssnet" in record:
        rows.append({"row": "OdyssNet core", "family": "gradient", "step": f"one batch of {K} sequences",
                     "size": f"{comparison.odyssnet_neurons} neurons, AdamW, float64",
                     "program": lambda tape: tape_steps.odyssnet_step(tape, comparison.odyssnet_neurons, 2, 1,
                                                                      PADDED_STEPS, batch=K, targets="last",
                                                                      itemsize=8),
                     "steps_to_solve": per(median(record["odyssnet"]), K),
                     "steps_from": f"[odyssnet] median sequences to the stopping rule / {K}"})
    if "linear_output_lr0.0625" in record:
        rows.append({"row": "paper LSTM, linear output", "family": "gradient",
                     "step": f"one batch of {headline} sequences ({PADDED_STEPS} steps each), one weight change",
                     "size": "2 blocks of 2 cells, 93 weights, float64",
                     "program": lambda tape: tape_steps.paper_lstm_step(tape, 2, 2, 2, 1, PADDED_STEPS, batch=headline,
                                                                        output_unit="linear"),
                     "steps_to_solve": per(median(record["linear_output_lr0.0625"]), headline),
                     "steps_from": f"[linear_output_lr0.0625] median sequences to the stopping rule / {headline}"})
    if "adam" in record:
        rows.append({"row": "LSTM 1997 cell, BPTT + Adam", "family": "gradient", "step": f"one batch of {K} sequences",
                     "size": f"{comparison.cells} cells in blocks of {comparison.block_size}, Adam, float64",
                     "program": lambda tape: tape_steps.lstm_step(tape, 2, comparison.cells, 1, PADDED_STEPS, batch=K,
                                                                  optimizer="adam", targets="last",
                                                                  block_size=comparison.block_size,
                                                                  **tape_steps.CELL_VARIANTS["LSTM1997"]),
                     "steps_to_solve": per(median(record["adam"]), K),
                     "steps_from": f"[adam] median sequences to the stopping rule / {K}"})
        if "rnn_seeds" in record["adam"]:
            rows.append({"row": "tanh RNN", "family": "gradient", "step": f"one batch of {K} sequences",
                         "size": f"{comparison.rnn_hidden} tanh units, Adam, float64",
                         "program": lambda tape: tape_steps.rnn_step(tape, 2, comparison.rnn_hidden, 1, PADDED_STEPS,
                                                                     batch=K, optimizer="adam", targets="last"),
                         "steps_to_solve": per(median({"seeds": record["adam"]["rnn_seeds"]}), K),
                         "steps_from": f"[adam.rnn_seeds] median sequences to the stopping rule / {K}"})
    return rows


# ----------------------------------------------------------------------------------------
# The verdict: the paper's claims for Experiment 4, one metric each (rule fixed before the runs)
# ----------------------------------------------------------------------------------------

VERDICT_SECTIONS = {100: "online", 500: "T500", 1000: "T1000"}


def _runs_of(record: dict, T: int) -> list[dict] | None:
    seeds = (record.get(VERDICT_SECTIONS[T]) or {}).get("seeds")
    return None if not seeds else seeds["per_seed"]


def verdict(record: dict) -> dict:
    """Does the paper's LSTM, trained as the paper trains it, do what Table 7 reports?

    Three claims per T, each read from the run closest to the paper's protocol: T = 100 from the
    section "online" (the paper's training exactly: one sequence per update), >= 10 seeds as the
    paper's 10 trials; T = 500 and 1000 from the sections "T500" and "T1000" (batches: on-line
    training does not fit there), >= 3 seeds each, because three seeds at these lengths fill most
    of a 30-minute command even trained side by side. The headline (batches of 8 at T = 100, the
    five-minute command) is not part of the rule. Fewer seeds or a missing section: pending.

    1. Reliability: the share of runs that meet the stopping rule within the budget. The paper
       reports every trial reaching it (Table 7: means of 10 trials, no failures; Sec. 5.4 Results
       "never more than 3" wrong covers every trial). At T = 100, exact binomial against the
       paper's rate 1 minus a margin of 0.4: 10/10 establishes a rate above 0.6 (p = 0.006), 9/10
       does not (p = 0.046, short of Holm's level). At T = 500 and 1000, 3 runs cannot establish
       any rate, so the claim is the count itself (exact): every run stops within the budget.
    2. Test errors after stopping: the mean number of the 2560 test sequences wrong (|error| >=
       0.04), over the runs that stopped, is below 2 (one-sided t-test): Table 7's means are 1, 0
       and 1, i.e. "at most about 1", and one sequence of 2560 is the margin. Fewer than 2 stopped
       runs: the claim does not hold.
    3. Training sequences to the stopping rule: the arithmetic mean over the runs (the statistic
       of Table 7) within a factor of 2 of 74,000 / 209,000 / 853,000 (TOST). The factor: the
       paper's own trials at T = 1000 spread from 0.43x to 2.4x their mean (Table 7 caption), so
       implementation details the paper leaves open (sequence order, the error's averaging) can
       move a mean this much without contradicting it. A run that did not stop leaves the mean
       unknown (censored by the budget): then the claim does not hold. Where a budget is below
       2x the paper's figure, the upper side holds by construction for the runs that stopped, and
       the claim tests only the lower side (not more than 2x faster than the paper); the
       reliability claim carries the upper side there.

    Holm's correction runs over the tested claims. Grade: the first two claims (T = 100 reliability
    and test errors: the method works as the paper says, at the headline) are primary; yes when all
    nine hold, partial when the primary two hold and another does not, no when a primary one fails.
    """
    runs = {}
    for T, minimum in MIN_SEEDS.items():
        rows = _runs_of(record, T)
        name = f"section {VERDICT_SECTIONS[T]}"
        if rows is None:
            return pending(f"T = {T}: {name} has no seed sweep (the rule needs >= {minimum} seeds)")
        if len(rows) < minimum:
            return pending(f"T = {T}: {name} has {len(rows)} seeds, the rule needs >= {minimum}")
        runs[T] = rows
    claims = []
    for T, rows in runs.items():
        row = f"Table 7, row {list(PAPER_SEQUENCES).index(T) + 1}"
        solved = [bool(r["solved"]) for r in rows]
        stopped = [r for r in rows if r["solved"]]
        if T == 100:
            claims.append(rate_at_least(f"T = {T}: runs meet the stopping rule", f"{row}; Sec. 5.4", solved,
                                        paper_rate=1.0, margin=RATE_MARGIN,
                                        metric="share of runs meeting ST3(0.01) within the budget"))
        else:
            claims.append(exact(f"T = {T}: every run meets the stopping rule", f"{row}; Sec. 5.4",
                                "runs meeting ST3(0.01) within the budget", f"{sum(solved)}/{len(solved)}",
                                all(solved), "count over all runs (too few runs for a rate)"))
        wrong = [r["wrong_of_2560"] for r in stopped]
        claim = f"T = {T}: at most about {PAPER_WRONG[T]} of 2560 test sequences wrong"
        where = f"{row} ('# wrong predictions', mean {PAPER_WRONG[T]}); Sec. 5.4 Results"
        if len(wrong) >= 2:
            claims.append(mean_below(claim, where, wrong, WRONG_LIMIT,
                                     metric=f"mean wrong of 2560 after stopping (limit {WRONG_LIMIT:g})"))
        else:
            claims.append(exact(claim, where, "mean wrong of 2560 after stopping", None, False,
                                f"{len(wrong)} run(s) stopped: too few to test"))
        claim = f"T = {T}: training sequences to the rule within {FACTOR:g}x of {PAPER_SEQUENCES[T]:,}"
        where = f"{row} ('Success after', mean of 10 trials)"
        metric = "mean training sequences to ST3(0.01)"
        if all(solved):
            claims.append(mean_within(claim, where, [r["sequences"] for r in rows], PAPER_SEQUENCES[T], FACTOR,
                                      metric=metric))
        else:
            claims.append(exact(claim, where, metric, None, False,
                                f"{len(rows) - len(stopped)} of {len(rows)} runs hit the budget: the mean is "
                                f"censored"))
    return grade(judge(claims), primary=2)


# ----------------------------------------------------------------------------------------
# Tables, records and the recorded commands
# ----------------------------------------------------------------------------------------

SEED_COLUMNS = ["seed", "solved", "sequences", "seen", "train_mse_at_stop", "train_mae_at_stop",
                "sequences_to_train_mse_below_0.01", "test_mse", "wrong_of_2560", "test_max_error"]
TABLE_COLUMNS = ["setup", "T", "weights", "runs stopped", "mean sequences to the rule", "median", "range",
                 "paper (Table 7)", "mean / paper", "mean sequences to training MSE < 0.01",
                 "mean test MSE", "mean wrong of 2560", "most wrong of 2560"]


def seed_record(runs) -> dict:
    rows = [r.row() for r in runs]
    print(format_table(SEED_COLUMNS, [[row[c] for c in SEED_COLUMNS] for row in rows]))
    summary = summarize([row["sequences"] for row in rows], [row["solved"] for row in rows])
    for key in ("mean", "median", "min", "max"):         # whole sequences
        summary[key] = None if summary[key] is None else int(round(summary[key]))
    summary["metric"] = "sequences"
    return {"per_seed": rows, "summary": summary}


def ratio(measured, paper) -> str:
    return "-" if measured is None or paper is None else f"{measured / paper:.2f}x"


def table_row(name: str, T: int, weights: int, runs) -> list:
    """One line of a Results table: how a setup does over its seeds."""
    rows = [r.row() for r in runs]
    s = summarize([r["sequences"] for r in rows], [r["solved"] for r in rows])
    mean = None if s["mean"] is None else int(round(s["mean"]))
    median = None if s["median"] is None else int(round(s["median"]))
    span = "-" if s["min"] is None else f"{int(s['min'])} - {int(s['max'])}"
    below = [r["sequences_to_train_mse_below_0.01"] for r in rows]
    left = (f"{np.mean([v for v in below if v is not None]):.0f} ({sum(v is not None for v in below)}/{len(below)})"
            if any(v is not None for v in below) else f"never (0/{len(below)})")
    stopped = [r for r in rows if r["solved"]] or rows       # no stop: the nets as they are at the budget's end
    never = f"none stopped in {runs[0].seen:,}"
    return [name, T, weights, f"{s['n_solved']}/{s['n_runs']}", never if mean is None else mean,
            "-" if median is None else median, span, PAPER_SEQUENCES.get(T),
            ratio(mean, PAPER_SEQUENCES.get(T)), left, float(np.mean([r["test_mse"] for r in stopped])),
            float(np.mean([r["wrong_of_2560"] for r in stopped])), max(r["wrong_of_2560"] for r in stopped)]


def paper_row(T: int) -> list:
    return ["paper: LSTM, 2 blocks of 2 cells, on-line, lr 0.5", T, 93, "10 trials, none reported failing",
            PAPER_SEQUENCES.get(T), "-", "370000 - 2020000" if T == 1000 else "-", PAPER_SEQUENCES.get(T), "1.00x",
            "-", "below 0.01 (every trial)", PAPER_WRONG.get(T), "3 (over all trials and T)"]


def summary_line(name: str, T: int, runs) -> str:
    row = table_row(name, T, 0, runs)
    paper = PAPER_SEQUENCES.get(T)
    if any(run.solved for run in runs):
        tail = (f"after a mean {format_value(row[4])} training sequences" + (f" (Table 7: {paper:,})" if paper else "")
                + "; then ")
    else:   # no stop: say whether the nets learned at all, and test them at the end of the budget
        below = [r.row()["sequences_to_train_mse_below_0.01"] for r in runs]
        left = [v for v in below if v is not None]
        learned = (f"{len(left)} of {len(runs)} leave the plateau, training MSE below {PLATEAU:g} after a mean "
                   f"{np.mean(left):,.0f}" if left else f"none leaves the plateau, training MSE never below {PLATEAU:g}")
        tail = f"within {runs[0].seen:,} sequences ({learned}); at the budget's end, "
    return (f"{name} at T = {T}: {row[3]} seeds meet the paper's stopping rule {tail}"
            f"mean {format_value(row[11])} of 2560 test sequences wrong"
            + (f" (Table 7: {PAPER_WRONG[T]})" if T in PAPER_WRONG else ""))


def headline_of(runs, weights: int) -> dict:
    """Multi-seed figures (single-seed ones for a single-seed run)."""
    rows = [r.row() for r in runs]
    stopped = [r for r in rows if r["solved"]]
    tested = stopped or rows                          # no stop: the nets as they are at the budget's end
    mean = lambda key, among: None if not among else float(np.mean([r[key] for r in among]))  # noqa: E731
    return {"seeds": len(rows), "runs_stopped": f"{len(stopped)}/{len(rows)}",
            "mean_sequences_to_rule": None if not stopped else int(round(mean("sequences", stopped))),
            "median_sequences_to_rule": None if not stopped else
            int(round(float(np.median([r["sequences"] for r in stopped])))),
            "tested": "at the stop" if stopped else f"at the budget's end ({runs[0].seen:,} sequences; none stopped)",
            "mean_wrong_of_2560": mean("wrong_of_2560", tested),
            "most_wrong_of_2560": max(r["wrong_of_2560"] for r in tested),
            "mean_test_mse": mean("test_mse", tested), "weights": weights}


def section_name(args) -> str | None:
    """Where --record puts a run: None (the stub's own record: the paper's setup at T = 100) or a
    section named after what differs from it."""
    if args.model != "paper":
        name = args.model
        if args.model == "forget" and args.forget_bias != Config.forget_bias:
            name += f"_bias{args.forget_bias:g}"
        return name if args.T == 100 else f"{name}_T{args.T}"
    parts = [] if args.T == 100 else [f"T{args.T}"]                  # T500, T1000: whatever their batch size
    if args.output != "logistic":
        parts.append(f"{args.output}_output")
    if args.input_bias != INPUT_BIAS:
        parts.append("random_input_bias" if args.input_bias is None else
                     "input_bias" + "_".join(f"{b:g}" for b in args.input_bias))
    if args.output_bias is not None:
        parts.append("output_bias" + "_".join(f"{b:g}" for b in args.output_bias))
    if args.T == 100 and args.batch != HEADLINE_BATCH:
        parts.append("online" if args.batch == 1 else f"batch{args.batch}")
    if args.T == 100 and args.float32:
        parts.append("float32")
    if args.lr != LEARNING_RATE:
        parts.append(f"lr{args.lr:g}")
    return "_".join(parts) or None


def paper_experiment(args, config: PaperConfig, seeds, section: str | None) -> tuple[dict, dict]:
    name = "the paper's LSTM" if section is None else f"the paper's LSTM ({section.replace('_', ' ')})"
    print(f"T = {config.T}: {MODEL_NAMES['paper']}; {config.describe()}; budget "
          f"{format_value(config.max_sequences)} sequences; seeds {seeds[0]}..{seeds[-1]}, trained side by side"
          + (f" in {args.workers} processes" if args.workers > 1 else ""))
    runs = over_banks(paper_bank, seeds, args.workers, config)
    seeds_record = seed_record(runs)
    rows = [paper_row(config.T)] if config.T in PAPER_SEQUENCES else []
    rows.append(table_row(name, config.T, 93, runs))
    print("\n" + format_table(TABLE_COLUMNS, rows))
    title = (f"T = {config.T}: {name}, {config.describe()}; seeds {seeds[0]}-{seeds[-1]}, budget "
             f"{format_value(config.max_sequences)} training sequences; stopping rule: the 2000 most recent training "
             f"sequences within 0.04 and their MSE below 0.01; test: 2560 fresh sequences after the stop")
    tables = [{"title": title, "columns": TABLE_COLUMNS, "rows": rows}]
    record = {"summary": summary_line(name, config.T, runs), "headline": headline_of(runs, 93),
              "seeds": seeds_record if len(seeds) > 1 else None, "tables": tables}
    if section is None:
        tables.append(reference_table())
        record.update({"slug": "adding-problem",
                       "paper": {"citation": CITATION,
                                 "claim": "The LSTM of 2 memory blocks of 2 cells (93 weights), trained on-line with "
                                          "the truncated gradient, meets the stopping rule (the 2000 most recent "
                                          "training sequences within 0.04, average training error below 0.01) after "
                                          "74,000 / 209,000 / 853,000 training sequences at T = 100 / 500 / 1000, "
                                          "then gets 1 / 0 / 1 of 2560 test sequences wrong (means of 10 trials)",
                                 "figures": PAPER_FIGURES},
                       "tour": "Seed 0 of the section 'online' (the paper's LSTM at T = 100, one sequence per "
                               "update, as in the paper) learning the task: a test sequence's markers and values, "
                               "the four cell states, and the MSE of the 2000 most recent training sequences, as "
                               "training proceeds."})
    row = rows[-1]
    measured = {"runs stopped": row[3], "mean sequences to the rule": row[4],
                "paper's sequences (Table 7)": PAPER_SEQUENCES.get(config.T, "-"), "mean wrong of 2560": row[11],
                "most wrong of 2560": row[12], "mean test MSE": row[10]}
    return record, measured


def comparison_experiment(args, config: Config, seeds) -> tuple[dict, dict]:
    """A section: a learner of ours under its own protocol (shared LSTM/RNN with Adam, OdyssNet)."""
    name = MODEL_NAMES[config.model]
    if config.model == "forget":
        name += f", initial forget bias {config.forget_bias:g}"
    print(f"T = {config.T}: {name}; batches of {config.batch}, budget {format_value(config.max_sequences)} sequences; "
          f"seeds {seeds[0]}..{seeds[-1]}")
    runs = run_seeds(config, seeds)
    seeds_record = seed_record(runs)
    rows = [table_row(name, config.T, runs[0].weights, runs)]
    if config.model == "adam" and not args.no_baseline:
        rnn = replace(config, model="rnn")
        print(f"\nbaseline (ours; the paper runs none): {MODEL_NAMES['rnn']}, same sequences and budget")
        rnn_runs = run_seeds(rnn, seeds[: args.rnn_seeds])
        rnn_seeds = seed_record(rnn_runs)
        rows.append(table_row(MODEL_NAMES["rnn"], config.T, rnn_runs[0].weights, rnn_runs))
    print("\n" + format_table(TABLE_COLUMNS, rows))
    optimizer = (f"the core's own BPTT and AdamW (step {config.odyssnet_lr:g}, clip 1)" if config.model == "odyssnet"
                 else f"BPTT, Adam (step {config.lr:g}, clip {config.clip:g})")
    title = (f"T = {config.T}, our comparisons: {optimizer}, batches of {config.batch}; seeds {seeds[0]}-{seeds[-1]}"
             + (f" (RNN: the first {min(args.rnn_seeds, len(seeds))})" if len(rows) > 1 else "")
             + f"; budget {format_value(config.max_sequences)} sequences; the paper's stopping rule and test")
    summary = summary_line(name, config.T, runs)
    if len(rows) > 1:
        summary += f"; RNN (ours): {rows[1][3]} stopped, mean test MSE {format_value(rows[1][10])}"
    headline = headline_of(runs, runs[0].weights)
    if len(rows) > 1:
        headline.update({"rnn_runs_stopped": rows[1][3], "rnn_mean_test_mse": rows[1][10],
                         "rnn_mean_wrong_of_2560": rows[1][11]})
    row = rows[0]
    measured = {"runs stopped": row[3], "mean sequences to the rule": row[4], "mean wrong of 2560": row[11],
                "mean test MSE": row[10]}
    if len(rows) > 1:
        measured.update({"RNN runs stopped": rows[1][3], "RNN mean test MSE": rows[1][10]})
    extra = {"rnn_seeds": rnn_seeds} if len(rows) > 1 else {}
    return ({**extra, "summary": summary, "headline": headline, "seeds": seeds_record if len(seeds) > 1 else None,
             "tables": [{"title": title, "columns": TABLE_COLUMNS, "rows": rows}]}, measured)


def run_seeds(config: Config, seeds) -> list[Run]:
    runs = []
    for i, seed in enumerate(seeds):
        run = train(config, seed, label=f"{config.model} T={config.T} seed {seed} ({i + 1}/{len(seeds)}): step")
        row = run.row()
        print(f"  {config.model} T={config.T} seed {seed}: "
              + (f"stopped after {format_value(run.stopped_at)} sequences" if run.solved
                 else f"not stopped within {format_value(run.seen)} sequences")
              + f"; test MSE {format_value(row['test_mse'])}, {row['wrong_of_2560']} of 2560 wrong", flush=True)
        runs.append(run)
    return runs


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------


def bias_pair(text: str):
    """'random' or two numbers 'a,b' (one per memory block)."""
    if text == "random":
        return None
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 2 or not all(math.isfinite(v) for v in values):
        raise __import__("argparse").ArgumentTypeError(f"expected 'random' or two numbers 'a,b', got {text!r}")
    return values


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for tests: T = 30, at most 2 seeds, a budget of "
                         "1,600 sequences")
    parser.add_argument("--model", choices=MODELS, default="paper",
                        help="paper: the paper's LSTM and training (default; the headline and its sections); "
                             "adam: the catalog's shared LSTM, 1997 cell, BPTT + Adam in batches (with the RNN "
                             "baseline, ours); forget: the forget-gate cell under that protocol; rnn: the RNN alone; "
                             "odyssnet: the catalog's OdyssNet core")
    parser.add_argument("--T", type=int_at_most(5000, "the test set's forward pass would need over 2 GB (the "
                                                   "paper's longest T is 1000)"), default=100,
                        help="minimal sequence length (the paper: 100, 500, 1000; even, at least 22)")
    parser.add_argument("--batch", type=int_at_most(4096, "a batch's BPTT caches grow as batch x T"), default=None,
                        help="sequences per update (the paper's LSTM: default 8, the headline; 1 is on-line, the "
                             "paper's, recorded as the section 'online'; gradients of a batch are summed, as if its "
                             "sequences were learned on-line with the weights held; the others: default 32)")
    parser.add_argument("--float32", action="store_true",
                        help="the paper's LSTM in float32 (faster at T = 1000; the default is float64)")
    parser.add_argument("--lr", type=positive_float, default=None,
                        help="learning rate (default: 0.5, the paper's, for the paper's LSTM; Adam's 0.01 for the "
                             "shared LSTM and the RNN)")
    parser.add_argument("--max-sequences", type=positive_int, default=None,
                        help="training budget in sequences (default for the paper's LSTM: 280,000 / 627,000 / "
                             "700,000 at T = 100 / 500 / 1000, i.e. 3.8x / 3x / 0.82x Table 7; for the others twice "
                             "Table 7, 148,000 at T = 100)")
    parser.add_argument("--output", choices=("logistic", "linear"), default="logistic",
                        help="the paper's LSTM: its output unit (default logistic, the paper's)")
    parser.add_argument("--input-bias", type=bias_pair, default=INPUT_BIAS,
                        help="the paper's LSTM: initial input-gate biases of the two blocks, 'a,b' or 'random' "
                             "(in [-0.1, 0.1] like the other weights); default -3,-6, the paper's")
    parser.add_argument("--output-bias", type=bias_pair, default=None,
                        help="the paper's LSTM: initial output-gate biases, 'a,b' or 'random' (default, the paper's)")
    parser.add_argument("--forget-bias", type=finite_float, default=Config.forget_bias,
                        help="initial forget-gate bias of the forget-gate cell (default 1, the shared LSTM's)")
    parser.add_argument("--neurons", type=int_at_most(2048, "OdyssNet's weights and BPTT caches grow as N^2 and "
                                                          "batch x T x N"), default=Config.odyssnet_neurons,
                        help="OdyssNet neurons (default 8: inputs on 0 and 1, the answer on the last)")
    parser.add_argument("--no-baseline", action="store_true", help="--model adam: skip the RNN baseline")
    parser.add_argument("--rnn-seeds", type=positive_int, default=3,
                        help="--model adam: the RNN baseline trains the first K seeds of the sweep (default 3)")
    parser.add_argument("--workers", type=int_at_most(8, "one bank per core; more processes only contend"),
                        default=1, help="the paper's LSTM: split the seeds over this many processes (the figures "
                                        "do not depend on it)")
    parser.add_argument("--gradcheck", action="store_true",
                        help="check the paper's truncated gradient (with the recurrent inputs held fixed) and the "
                             "comparisons' BPTT against finite differences; exit 1 above 1e-6")
    args = parser.parse_args(argv)
    parser.only_when(args.model == "paper", ["--output", "--input-bias", "--output-bias", "--float32", "--workers"],
                     "to the paper's LSTM (--model paper)")
    parser.only_when(args.model == "forget", ["--forget-bias"], "with --model forget")
    parser.only_when(args.model == "odyssnet", ["--neurons"], "with --model odyssnet")
    parser.only_when(args.model == "adam", ["--no-baseline", "--rnn-seeds"], "with --model adam")
    parser.only_when(not args.gradcheck, parser.flags("--gradcheck", "--seed"),
                     "to training runs, not to --gradcheck (fixed nets and sequences, T = 24)")
    parser.only_when(not args.quick, ["--T", "--max-sequences"], "without --quick (which sets T = 30 and a budget "
                     "of 1,600 sequences)")
    if args.T < 22:
        parser.error("--T must be at least 22 (X2 is drawn among the first T/2 - 1 unmarked pairs)")
    if args.T % 2:
        parser.error("--T must be even (the paper's T/2)")
    if args.batch is None:
        args.batch = HEADLINE_BATCH if args.model == "paper" else Config.batch
    if args.lr is None:
        args.lr = LEARNING_RATE if args.model == "paper" else Config.lr
    if args.model == "paper":
        section = section_name(args)
        require_seeds(parser, args, MIN_SEEDS[100] if section in (None, "online") else
                      MIN_SEEDS[args.T] if section in ("T500", "T1000") else 1)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.gradcheck:
        errors = gradient_check(args.seed)
        worst = max(errors, key=errors.get)
        for name, value in errors.items():
            print(f"  {name:18s} {value:.2e}")
        print(f"max relative error {errors[worst]:.2e} ({worst})")
        return 0 if errors[worst] <= 1e-6 else 1
    budget = args.max_sequences or (PAPER_BUDGET.get(args.T, PAPER_BUDGET[100]) if args.model == "paper" else
                                    2 * PAPER_SEQUENCES.get(args.T, PAPER_SEQUENCES[100]))
    seeds = list(range(args.seed, args.seed + (min(args.n_seeds, 2) if args.quick else args.n_seeds)))
    section = section_name(args)
    clock = Progress(1)
    if args.model == "paper":
        config = PaperConfig(T=args.T, lr=args.lr, batch=args.batch, output=args.output, input_bias=args.input_bias,
                             output_bias=args.output_bias, max_sequences=budget,
                             dtype="float32" if args.float32 else "float64")
        if args.quick:
            config = replace(config, T=30, max_sequences=1600, curve_every=200)
        record, measured = paper_experiment(args, config, seeds, section)
    else:
        config = Config(model=args.model, T=args.T, batch=args.batch, lr=args.lr, max_sequences=budget,
                        forget_bias=args.forget_bias, odyssnet_neurons=args.neurons)
        if args.quick:
            config = replace(config, T=30, max_sequences=1600, curve_every=320)
        record, measured = comparison_experiment(args, config, seeds)
    record["wallclock_s"] = clock.elapsed
    conclude(record, __file__, verdict, args.record, section=section, measured=measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
