"""The adding problem: Hochreiter & Schmidhuber (1997), Long short-term memory, Experiment 4.

The task. Each input step is a pair: a value drawn uniformly from [-1, 1] and a marker. A
sequence has a random length between T and T + T/10 steps. Two pairs are marked with 1.0: one
picked among the first ten pairs (its value is X1), then one among the first T/2 - 1 pairs that
are still unmarked (X2). The first and the last pair carry the marker -1, every other pair 0; a
marked pair at position 0 keeps the marker 1 and has its value set to 0. There is a target only
at the last step: 0.5 + (X1 + X2) / 4, a number in [0, 1]. To answer, a network has to pick the
two marked values out of T or more, hold X1 over at least T/2 - 10 steps of distractors, add X2
to it, and give the sum when the closing marker comes.

The criterion is the paper's. A sequence is processed correctly when the absolute error at its
end is below 0.04. Training stops once the average training error (the squared error at the
sequence ends, over the sequences since the last check) is below 0.01 and every one of 2560
held-out test sequences is processed correctly; the count of training sequences seen until then
is the figure the paper reports: about 74,000 at T = 100, 209,000 at T = 500 and 853,000 at
T = 1000, for a network of two memory blocks of two cells (93 weights) with at most 1 of 2560
test sequences wrong. A fully recurrent net of the same size fails.

The learner is the 1997 cell of the catalog's LSTM (variant LSTM1997: input and output gates, no
forget gate, a constant error carousel; g = 4 sigma - 2, h = 2 sigma - 1), 4 cells in 2 blocks of
2 that share their gates, a linear read-out of the cells at each sequence's last step, trained
by backpropagation through time with Adam and gradient clipping on mini-batches of 32 fresh
sequences (64 in the recorded runs at T >= 500; the paper: online gradient descent). Input gates
start nearly shut (bias -4, against the drift of the carousels over long sequences), the two
output gates at biases -0.5 and -1. The comparisons see the same sequences and budget: the cell
with a forget gate (FORGET2000) and a vanilla tanh RNN with 8 units (as many units as the LSTM's
4 cells and 4 gates, and more weights), with the same optimizer, and the catalog's OdyssNet core
with its own trainer.

Run:  python3 adding-problem/adding_problem.py --seed 0 --n-seeds 5 --record   (T = 100: the 1997 LSTM, and the RNN)
      python3 adding-problem/adding_problem.py --model forget --seed 0 --n-seeds 2 --record
      python3 adding-problem/adding_problem.py --model forget --forget-bias 3 --seed 0 --n-seeds 3 --record
      python3 adding-problem/adding_problem.py --T 500 --batch 64 --float32 --max-sequences 192000 --record
      python3 adding-problem/adding_problem.py --T 1000 --batch 64 --float32 --max-sequences 51200 --record
      python3 adding-problem/adding_problem.py --model odyssnet --seed 0 --n-seeds 3 --record
      python3 adding-problem/adding_problem.py --gradcheck
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.activations import erf
from shared.experiment import (Progress, format_table, format_value, positive_float, positive_int, print_verdict,
                               save_record, stub_parser, summarize)
from shared.gradcheck import check_gradients
from shared.odyssnet import OdyssNet, OdyssNetTrainer
from shared.optim import Adam, clip_global_norm
from shared.recurrent import LSTM, RNN

# ----------------------------------------------------------------------------------------
# The paper's figures and criterion
# ----------------------------------------------------------------------------------------

CITATION = ("Hochreiter & Schmidhuber (1997). Long short-term memory. Neural Computation 9(8):1735–1780, "
            "Experiment 4 (the adding problem).")
PAPER_SEQUENCES = {100: 74_000, 500: 209_000, 1000: 853_000}   # training sequences until solved (about)
PAPER = {"sequences_to_solve": {f"T={t}": n for t, n in PAPER_SEQUENCES.items()},
         "weights": 93, "blocks": 2, "cells_per_block": 2, "wrong_of_2560": 1,
         "threshold": 0.04, "training_error_below": 0.01, "test_sequences": 2560}
THRESHOLD = 0.04          # |error| at the sequence end below this: processed correctly
TRAIN_ERROR = 0.01        # average training error (squared, at sequence ends) below this
TEST_SEQUENCES = 2560
WITHIN = 2.0              # the verdict's bar: mean sequences to solve within 2x of the paper's
PLATEAU = 0.01            # test MSE below this: the net has left the plateau of predicting the mean (0.04167)


# ----------------------------------------------------------------------------------------
# The problem
# ----------------------------------------------------------------------------------------


@dataclass
class Sequences:
    """A batch of adding-problem sequences, padded with zeros after each one's end."""

    x: np.ndarray          # (B, T + T // 10, 2): value, marker
    lengths: np.ndarray    # (B,) in T .. T + T // 10
    target: np.ndarray     # (B, 1): 0.5 + (X1 + X2) / 4
    marked: np.ndarray     # (B, 2): positions of X1 and X2

    def __len__(self) -> int:
        return len(self.lengths)

    def subset(self, rows) -> "Sequences":
        return Sequences(self.x[rows], self.lengths[rows], self.target[rows], self.marked[rows])


def adding_sequences(rng: np.random.Generator, n: int, T: int) -> Sequences:
    """n sequences of minimal length T, drawn as the paper describes (see the module docstring)."""
    if T < 22:
        raise ValueError("T must be at least 22: X2 is drawn among the first T/2 - 1 unmarked pairs, "
                         "which must reach past the first ten")
    longest = T + T // 10
    lengths = rng.integers(T, longest + 1, size=n)
    values = rng.uniform(-1.0, 1.0, size=(n, longest))
    first = rng.integers(0, 10, size=n)
    k = rng.integers(0, T // 2 - 1, size=n)          # index among the first T/2 - 1 unmarked pairs
    second = k + (k >= first)
    rows = np.arange(n)
    markers = np.zeros((n, longest))
    markers[:, 0] = -1.0
    markers[rows, lengths - 1] = -1.0
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    values[:, 0] = np.where(markers[:, 0] == 1.0, 0.0, values[:, 0])   # a marked first pair counts as 0
    padding = np.arange(longest)[None, :] >= lengths[:, None]
    values[padding] = 0.0
    markers[padding] = 0.0
    target = 0.5 + (values[rows, first] + values[rows, second]) / 4.0
    return Sequences(np.stack([values, markers], axis=2), lengths, target[:, None],
                     np.stack([first, second], axis=1))


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


# ----------------------------------------------------------------------------------------
# The learners: the catalog's LSTM (1997 cell or forget-gate cell) or RNN with Adam, and the
# OdyssNet core with its own trainer. Each exposes train_batch (returns the batch MSE, after
# one update) and predict (outputs at each sequence's end).
# ----------------------------------------------------------------------------------------

MODELS = ("lstm", "forget", "rnn", "odyssnet")
CELLS = {"lstm": "LSTM1997", "forget": "FORGET2000"}
MODEL_NAMES = {"lstm": "LSTM, 1997 cell (no forget gate)", "forget": "LSTM, forget-gate cell (FORGET2000)",
               "rnn": "vanilla tanh RNN", "odyssnet": "OdyssNet core"}


@dataclass(frozen=True)
class Config:
    """One training setup. Budgets are in training sequences; checks every check_every steps."""

    model: str = "lstm"
    T: int = 100
    batch: int = 32
    lr: float = 1e-2
    clip: float = 1.0
    max_sequences: int = 148_000         # twice the paper's count at T = 100
    check_every: int = 50
    cells: int = 4                       # LSTM cells (block_size 2: two memory blocks)
    block_size: int = 2
    input_bias: float = -4.0             # input gates start nearly closed (sigma(-4) = 0.018)
    forget_bias: float = 1.0             # forget-gate cell only: f = sigma(1) = 0.73 at the start
    output_bias: tuple = (-0.5, -1.0)    # one per block
    init_scale: float = 0.1              # weights uniform in [-init_scale, init_scale]
    dtype: str = "float64"               # of the LSTM / RNN (float32: about 20% faster at T >= 500)
    rnn_hidden: int = 8
    odyssnet_neurons: int = 8
    odyssnet_lr: float = 5e-3
    thinking_steps: int = 1              # OdyssNet steps per input step
    monitor: int = 512                   # test sequences evaluated at every check (for the curves)
    fresh: int = 10_240                  # never-seen sequences evaluated after training

    @property
    def steps(self) -> int:
        return -(-self.max_sequences // self.batch)


class SequenceLearner:
    """shared.recurrent LSTM or RNN, MSE at the last step, Adam, global-norm clipping."""

    def __init__(self, config: Config, rng: np.random.Generator):
        if config.model == "rnn":
            self.model = RNN(2, config.rnn_hidden, 1, readout="last", init_scale=config.init_scale, rng=rng,
                             dtype=config.dtype)
        else:
            blocks = config.cells // config.block_size
            bias = np.resize(np.asarray(config.output_bias, dtype=float), blocks)
            self.model = LSTM(2, config.cells, 1, variant=CELLS[config.model], block_size=config.block_size,
                              readout="last", gate_bias={"input": config.input_bias, "output": bias,
                                                         "forget": config.forget_bias},
                              init_scale=config.init_scale, rng=rng, dtype=config.dtype)
        self.optimizer = Adam(self.model.params, lr=config.lr)
        self.clip = config.clip

    @property
    def weights(self) -> int:
        return self.model.num_params

    def loss(self, data: Sequences) -> float:
        """Mean squared error at the sequence ends (forward pass only)."""
        return float(np.mean((self.model.forward(data.x, lengths=data.lengths) - data.target) ** 2))

    def loss_and_grads(self, data: Sequences) -> tuple[float, dict]:
        """Mean squared error at the sequence ends and its gradients (one BPTT pass)."""
        out = self.model.forward(data.x, lengths=data.lengths)
        diff = out - data.target
        return float(np.mean(diff ** 2)), self.model.backward(2.0 * diff / diff.size)

    def train_batch(self, data: Sequences) -> float:
        loss, grads = self.loss_and_grads(data)
        clip_global_norm(grads, self.clip)
        self.optimizer.step(grads)
        return loss

    def predict(self, data: Sequences, chunk: int = 2560) -> np.ndarray:
        return np.concatenate([self.model.forward(data.x[i:i + chunk], lengths=data.lengths[i:i + chunk])[:, 0]
                               for i in range(0, len(data), chunk)])

    def snapshot(self) -> dict:
        return {k: v.copy() for k, v in self.model.params.items()}

    def restore(self, params: dict) -> None:
        for k, v in params.items():
            self.model.params[k][...] = v


def right_aligned(data: Sequences) -> np.ndarray:
    """Inputs shifted so that every sequence ends at the last step (zeros before its start).

    The OdyssNet core has no per-sequence lengths; read at the last step, a right-aligned batch
    gives each sequence its own end.
    """
    x = np.zeros_like(data.x)
    longest = x.shape[1]
    for b, n in enumerate(data.lengths):
        x[b, longest - n:] = data.x[b, :n]
    return x


class OdyssLearner:
    """The OdyssNet core (stream mode, r thinking steps per input step), inputs on neurons 0 and 1,
    the answer read from the last neuron at the last step, trained by its own BPTT and AdamW."""

    def __init__(self, config: Config, rng: np.random.Generator):
        n = config.odyssnet_neurons
        self.model = OdyssNet(n, [0, 1], [n - 1], pulse_mode=False, rng=rng)
        self.trainer = OdyssNetTrainer(self.model, lr=config.odyssnet_lr)
        self.r = config.thinking_steps

    @property
    def weights(self) -> int:
        return int(self.model.get_num_params())

    def train_batch(self, data: Sequences) -> float:
        x = right_aligned(data)
        return float(self.trainer.train_batch(x, data.target, thinking_steps=self.r * x.shape[1]))

    def predict(self, data: Sequences, chunk: int = 2560) -> np.ndarray:
        out = []
        for i in range(0, len(data), chunk):
            x = right_aligned(data.subset(slice(i, i + chunk)))
            out.append(self.trainer.predict(x, self.r * x.shape[1])[:, 0])
        return np.concatenate(out)

    def snapshot(self) -> dict:
        return {k: v.copy() for k, v in self.model.params.items()}

    def restore(self, params: dict) -> None:
        for k, v in params.items():
            self.model.params[k][...] = v


def make_learner(config: Config, rng: np.random.Generator):
    return OdyssLearner(config, rng) if config.model == "odyssnet" else SequenceLearner(config, rng)


# ----------------------------------------------------------------------------------------
# Training with the paper's stopping rule
# ----------------------------------------------------------------------------------------


def streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators of a seed: training data, test set, fresh sequences, initial weights.

    Every model trained with the same seed sees the same training sequences and test set.
    """
    names = ("train", "test", "fresh", "init")
    return {name: np.random.default_rng(s) for name, s in zip(names, np.random.SeedSequence(seed).spawn(4))}


@dataclass
class Run:
    config: Config
    seed: int
    weights: int
    solved_at: int | None                 # training sequences seen when the stopping rule first held
    seen: int                             # training sequences seen in all
    curve: np.ndarray                     # (checks, 4): sequences, training MSE since the last check,
                                          # MSE and share wrong on the monitored test sequences
    test: Sequences
    test_errors: np.ndarray               # (2560,) at the end of training
    fresh_errors: np.ndarray              # (config.fresh,) on never-seen sequences
    learner: object
    snapshots: list = field(default_factory=list)   # [(sequences, params)] at every check, if asked

    @property
    def solved(self) -> bool:
        return self.solved_at is not None

    @property
    def left_plateau(self) -> int | None:
        """Training sequences at the first check whose monitored test MSE is below PLATEAU."""
        below = self.curve[self.curve[:, 2] < PLATEAU, 0] if len(self.curve) else []
        return int(below[0]) if len(below) else None

    def row(self) -> dict:
        wrong = int(np.sum(np.abs(self.test_errors) >= THRESHOLD))
        fresh_wrong = int(np.sum(np.abs(self.fresh_errors) >= THRESHOLD))
        return {"solved": self.solved, "sequences": self.solved_at, "left_plateau": self.left_plateau,
                "seen": self.seen,
                "test_mse": float(np.mean(self.test_errors ** 2)), "wrong_of_2560": wrong,
                "fresh_mse": float(np.mean(self.fresh_errors ** 2)),
                "fresh_wrong_per_2560": fresh_wrong * TEST_SEQUENCES / len(self.fresh_errors)}


def train(config: Config, seed: int, keep_snapshots: bool = False, label: str | None = None) -> Run:
    """Train one network on fresh sequences until the paper's stopping rule holds or the budget ends.

    Every check_every steps: the training MSE since the last check, and the errors on the first
    `monitor` test sequences (a subset of the 2560, so when any of them is wrong the test fails
    and the rest need not be run). The rule holds when the training MSE is below 0.01 and all
    2560 test sequences are within 0.04.
    """
    rng = streams(seed)
    learner = make_learner(config, rng["init"])
    test = adding_sequences(rng["test"], TEST_SEQUENCES, config.T)
    monitor, rest = test.subset(slice(0, config.monitor)), test.subset(slice(config.monitor, None))
    curve, snapshots, losses = [], [], []
    solved_at = None
    progress = Progress(config.steps, label=label or f"{config.model} T={config.T} seed {seed}: step")
    if keep_snapshots:
        snapshots.append((0, learner.snapshot()))
    step = 0
    for step in range(1, config.steps + 1):
        losses.append(learner.train_batch(adding_sequences(rng["train"], config.batch, config.T)))
        if step % config.check_every and step != config.steps:
            continue
        seen = step * config.batch
        train_mse = float(np.mean(losses))
        losses = []
        errors = learner.predict(monitor) - monitor.target[:, 0]
        wrong = np.abs(errors) >= THRESHOLD
        curve.append((seen, train_mse, float(np.mean(errors ** 2)), float(np.mean(wrong))))
        if keep_snapshots:
            snapshots.append((seen, learner.snapshot()))
        progress.update(step, sequences=seen, train_mse=train_mse, test_mse=curve[-1][2])
        if train_mse < TRAIN_ERROR and not wrong.any():
            rest_errors = learner.predict(rest) - rest.target[:, 0]
            if np.all(np.abs(rest_errors) < THRESHOLD):
                solved_at = seen
                break
    test_errors = learner.predict(test) - test.target[:, 0]
    fresh = adding_sequences(rng["fresh"], config.fresh, config.T)
    fresh_errors = learner.predict(fresh) - fresh.target[:, 0]
    return Run(config, seed, learner.weights, solved_at, step * config.batch, np.array(curve), test,
               test_errors, fresh_errors, learner, snapshots)


# ----------------------------------------------------------------------------------------
# Gradient check: the loss the LSTM and RNN are trained on, through the shared BPTT
# ----------------------------------------------------------------------------------------


def gradient_check(seed: int = 0, T: int = 24) -> dict[str, float]:
    """Max relative error of every parameter's gradient, per model, on short adding sequences
    (variable lengths, read-out at each sequence's own end), float64."""
    errors = {}
    for model in ("lstm", "forget", "rnn"):
        rng = streams(seed)
        learner = SequenceLearner(Config(model=model), rng["init"])
        for p in learner.model.params.values():      # move off the initial point: gates not at their biases
            p += rng["train"].normal(0.0, 0.3, p.shape)
        data = adding_sequences(rng["test"], 6, T)
        _, grads = learner.loss_and_grads(data)
        per_param = check_gradients(lambda: learner.loss(data), learner.model.params, grads)
        errors.update({f"{model}.{name}": value for name, value in per_param.items()})
    return errors


# ----------------------------------------------------------------------------------------
# Sweeps, tables and the verdict
# ----------------------------------------------------------------------------------------


def run_seeds(config: Config, seeds, keep_snapshots=False) -> list[Run]:
    runs = []
    for i, seed in enumerate(seeds):
        run = train(config, seed, keep_snapshots,
                    label=f"{config.model} T={config.T} seed {seed} ({i + 1}/{len(seeds)}): step")
        row = run.row()
        print(f"  {config.model} T={config.T} seed {seed}: "
              + ("solved after " + format_value(run.solved_at) + " sequences" if run.solved
                 else f"not solved within {format_value(run.seen)} sequences")
              + f"; test MSE {format_value(row['test_mse'])}, {row['wrong_of_2560']} of 2560 wrong, "
                f"fresh {format_value(row['fresh_wrong_per_2560'])} per 2560", flush=True)
        runs.append(run)
    return runs


SEED_COLUMNS = ["seed", "solved", "sequences", "left_plateau", "seen", "test_mse", "wrong_of_2560", "fresh_mse",
                "fresh_wrong_per_2560"]


def seed_table(runs: list[Run]) -> dict:
    rows = [{"seed": r.seed, **r.row()} for r in runs]
    print(format_table(SEED_COLUMNS, [[row[c] for c in SEED_COLUMNS] for row in rows]))
    summary = summarize([row["sequences"] for row in rows], [row["solved"] for row in rows])
    for key in ("mean", "median", "min", "max"):         # whole sequences
        summary[key] = None if summary[key] is None else int(round(summary[key]))
    summary["metric"] = "sequences"
    return {"per_seed": rows, "summary": summary}


def ratio(measured, paper) -> str:
    return "-" if measured is None else f"{measured / paper:.2f}x"


COMPARISON_COLUMNS = ["model", "T", "weights", "seeds solved", "mean sequences to solve", "median",
                      "paper (about)", "mean / paper", "mean sequences to test MSE < 0.01", "mean test MSE",
                      "mean wrong of 2560", "fresh wrong per 2560 (mean)"]


def comparison_row(name: str, runs: list[Run]) -> list:
    """One line of a Results table: how a model does over the seeds, against the paper."""
    rows = [r.row() for r in runs]
    config = runs[0].config
    sequences = summarize([r["sequences"] for r in rows], [r["solved"] for r in rows])
    for key in ("mean", "median"):
        sequences[key] = None if sequences[key] is None else int(round(sequences[key]))
    paper = PAPER_SEQUENCES.get(config.T)
    left = [r["left_plateau"] for r in rows]
    left = f"{np.mean([v for v in left if v is not None]):.0f} ({sum(v is not None for v in left)}/{len(left)})" \
        if any(v is not None for v in left) else f"never (0/{len(left)})"
    return [name, config.T, runs[0].weights, f"{sequences['n_solved']}/{sequences['n_runs']}", sequences["mean"],
            sequences["median"], paper, ratio(sequences["mean"], paper) if paper else "-", left,
            float(np.mean([r["test_mse"] for r in rows])), float(np.mean([r["wrong_of_2560"] for r in rows])),
            float(np.mean([r["fresh_wrong_per_2560"] for r in rows]))]


def paper_row(T: int) -> list:
    return ["paper: LSTM, 2 blocks of 2 cells", T, PAPER["weights"], "-", PAPER_SEQUENCES.get(T), "-",
            PAPER_SEQUENCES.get(T), "1.00x", "-", "-", f"at most {PAPER['wrong_of_2560']}", "-"]


def reference_table() -> dict:
    return {"title": "What a test MSE means on the paper's [0, 1] target scale",
            "columns": ["reference", "MSE"], "rows": [[k, v] for k, v in reference_points().items()]}


def verdict_for(lstm: list[Run], rnn: list[Run] | None) -> tuple[str, str]:
    """From the measured runs at the paper's T: does the 1997 LSTM meet the stopping rule, in about the
    paper's number of sequences, where the RNN does not?"""
    config = lstm[0].config
    paper = PAPER_SEQUENCES.get(config.T)
    rows = [r.row() for r in lstm]
    solved = sum(r["solved"] for r in rows)
    mean = summarize([r["sequences"] for r in rows], [r["solved"] for r in rows])["mean"]
    rnn_solved = sum(r.solved for r in rnn) if rnn else None
    near_paper = mean is not None and paper is not None and mean <= WITHIN * paper
    if rnn_solved is None:
        return "qualitative", "no RNN baseline was run, so the comparison half of the claim is untested"
    if solved == len(rows) and near_paper and rnn_solved == 0:
        return "yes", (f"at T = {config.T} all {solved} seeds meet the paper's stopping rule (training MSE < 0.01, "
                       f"all 2560 test sequences within 0.04) after {format_value(int(round(mean)))} training "
                       f"sequences on average ({ratio(mean, paper)} the paper's ~{format_value(paper)}); the "
                       f"RNN of the same budget never does")
    if solved > 0 and rnn_solved == 0:
        return "partial", (f"at T = {config.T} {solved} of {len(rows)} seeds meet the paper's stopping rule"
                           + ("" if near_paper else f", but not within {WITHIN:g}x the paper's sequence count")
                           + "; the RNN never does")
    if rnn_solved and solved:
        return "qualitative", "the LSTM solves the task, but so does the RNN within the same budget"
    return "no", f"at T = {config.T} no seed meets the paper's stopping rule within the budget"


# ----------------------------------------------------------------------------------------
# Experiments behind the recorded commands
# ----------------------------------------------------------------------------------------


def section_name(model: str, T: int, forget_bias: float = Config.forget_bias) -> str | None:
    """Where --record puts a run: the main record (1997 LSTM at the paper's T = 100) or a section
    named after the model, T (if not 100) and the forget bias (if not the default)."""
    if model == "lstm" and T == 100:
        return None
    name = model if T == 100 else f"{model}_T{T}"
    if model == "forget" and forget_bias != Config.forget_bias:
        name += f"_bias{forget_bias:g}"
    return name


def summary_line(name: str, runs: list[Run]) -> str:
    row = comparison_row(name, runs)
    config = runs[0].config
    tail = (f"mean {format_value(row[4])} sequences to solve (paper: about {format_value(row[6])})"
            if row[4] is not None else f"none within {format_value(config.max_sequences)} sequences")
    return (f"{name} at T = {config.T}: {row[3]} seeds meet the paper's stopping rule, {tail}; "
            f"mean test MSE {format_value(row[9])}")


def main_experiment(args, config: Config, seeds) -> dict:
    """The headline: the 1997 LSTM at T = 100 over the seeds, and the RNN on the same data and budget."""
    print(f"T = {config.T}: {MODEL_NAMES['lstm']}, {config.cells} cells in blocks of {config.block_size}; "
          f"budget {format_value(config.max_sequences)} sequences, batch {config.batch}; seeds {seeds[0]}..{seeds[-1]}")
    lstm = run_seeds(config, seeds)
    lstm_seeds = seed_table(lstm)
    rnn = None
    if not args.no_baseline:
        rnn_config = replace(config, model="rnn")
        print(f"\nbaseline: {MODEL_NAMES['rnn']} with {config.rnn_hidden} units, same data and budget")
        rnn = run_seeds(rnn_config, seeds[: args.rnn_seeds])
        seed_table(rnn)
    rows = [paper_row(config.T)] if config.T in PAPER_SEQUENCES else []
    rows.append(comparison_row(MODEL_NAMES["lstm"], lstm))
    if rnn:
        rows.append(comparison_row(MODEL_NAMES["rnn"], rnn))
    lstm_row, rnn_row = rows[-2 if rnn else -1], rows[-1] if rnn else None
    tables = [{"title": f"T = {config.T}: the paper's stopping rule (seeds {seeds[0]}-{seeds[-1]}, RNN seeds "
                        f"{seeds[0]}-{seeds[: args.rnn_seeds][-1]}; training MSE < 0.01 "
                        f"and all 2560 held-out sequences within 0.04; budget {format_value(config.max_sequences)} "
                        f"sequences, batch {config.batch}; fresh: {format_value(config.fresh)} never-seen sequences "
                        f"after training)", "columns": COMPARISON_COLUMNS, "rows": rows},
              reference_table()]
    print("\n" + format_table(COMPARISON_COLUMNS, rows))
    verdict, reason = verdict_for(lstm, rnn)
    first = lstm[0].row()
    headline = {"solved": first["solved"], "sequences_to_solve": first["sequences"],
                "sequences_to_test_mse_below_0.01": first["left_plateau"], "test_mse": first["test_mse"],
                "wrong_of_2560": first["wrong_of_2560"], "fresh_wrong_per_2560": first["fresh_wrong_per_2560"],
                "weights": lstm[0].weights}
    if rnn:
        headline.update({"rnn_test_mse": rnn[0].row()["test_mse"], "rnn_wrong_of_2560": rnn[0].row()["wrong_of_2560"]})
    print_verdict(
        measured={"LSTM seeds solved": lstm_row[3], "LSTM mean sequences to solve": lstm_row[4],
                  "LSTM mean test MSE": lstm_row[9], "LSTM fresh wrong per 2560": lstm_row[11],
                  "RNN seeds solved": rnn_row[3] if rnn else "not run",
                  "RNN mean test MSE": rnn_row[9] if rnn else "-"},
        paper={"sequences to solve (about)": PAPER_SEQUENCES.get(config.T, "-"), "wrong of 2560": "at most 1",
               "RNN": "fails"},
        verdict=verdict, reason=reason)
    record = {
        "slug": "adding-problem",
        "paper": {"citation": CITATION,
                  "claim": "LSTM (2 blocks of 2 cells, 93 weights) meets the stopping rule after about 74,000 training "
                           "sequences at T = 100 (209,000 at T = 500, 853,000 at T = 1000), at most 1 of 2560 test "
                           "sequences wrong; RNNs fail",
                  "numbers": PAPER},
        "verdict": {"value": verdict, "reason": reason},
        "summary": summary_line("the 1997 LSTM", lstm) + (f"; RNN: {rnn_row[3]} solved, test MSE "
                                                          f"{format_value(rnn_row[9])}" if rnn else ""),
        "headline": headline,
        "seeds": lstm_seeds if len(seeds) > 1 else None,
        "tables": tables,
        "tour": "Seed 0 learning the adding problem at T = 100: a held-out sequence's markers and values, the four "
                "cell states (the first marked value stored and held across the distractors), and the test MSE "
                "against training sequences, as training proceeds.",
    }
    return record


def comparison_experiment(config: Config, seeds) -> dict:
    """A section: another model, or the 1997 LSTM at another T, under the same protocol."""
    name = MODEL_NAMES[config.model]
    if config.model == "forget":
        name += f", initial forget bias {config.forget_bias:g}"
    print(f"T = {config.T}: {name}; budget {format_value(config.max_sequences)} sequences, batch {config.batch}; "
          f"seeds {seeds[0]}..{seeds[-1]}")
    runs = run_seeds(config, seeds)
    seeds_record = seed_table(runs)
    rows = [comparison_row(name, runs)]
    if config.T in PAPER_SEQUENCES and (config.T != 100 or config.model == "lstm"):
        rows.insert(0, paper_row(config.T))
    print("\n" + format_table(COMPARISON_COLUMNS, rows))
    first = runs[0].row()
    row = rows[-1]
    print_verdict(
        measured={"seeds solved": row[3], "mean sequences to solve": row[4],
                  "mean sequences to test MSE < 0.01": row[8], "mean test MSE": row[9]},
        paper={"sequences to solve (about)": PAPER_SEQUENCES.get(config.T, "-")},
        verdict=None, reason="a comparison run; the verdict comes from the 1997 LSTM at T = 100 (the main record)")
    title = (f"{name} at T = {config.T}, same protocol (seeds {seeds[0]}-{seeds[-1]}, budget "
             f"{format_value(config.max_sequences)} sequences, batch {config.batch})")
    return {"summary": summary_line(name, runs),
            "headline": {"solved": first["solved"], "sequences_to_solve": first["sequences"],
                         "sequences_to_test_mse_below_0.01": first["left_plateau"], "sequences_seen": first["seen"],
                         "test_mse": first["test_mse"],
                         "wrong_of_2560": first["wrong_of_2560"], "fresh_wrong_per_2560": first["fresh_wrong_per_2560"],
                         "weights": runs[0].weights},
            "seeds": seeds_record if len(seeds) > 1 else None,
            "tables": [{"title": title, "columns": COMPARISON_COLUMNS, "rows": rows}]}


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for tests: T = 30, at most 2 seeds, a budget of "
                         "1,600 sequences, 256 fresh sequences")
    parser.add_argument("--model", choices=MODELS, default="lstm",
                        help="lstm: the 1997 cell (default; the main record, with the RNN baseline); forget: the "
                             "cell with a forget gate; rnn: the vanilla RNN alone; odyssnet: the catalog's OdyssNet "
                             "core on the same data and budget")
    parser.add_argument("--T", type=positive_int, default=100,
                        help="minimal sequence length (the paper: 100, 500, 1000; at least 22)")
    parser.add_argument("--batch", type=positive_int, default=Config.batch, help="sequences per update (default 32)")
    parser.add_argument("--lr", type=positive_float, default=Config.lr, help="Adam step size (default 0.01)")
    parser.add_argument("--max-sequences", type=positive_int, default=None,
                        help="training budget in sequences (default: twice the paper's count at this T, "
                             "148,000 at T = 100)")
    parser.add_argument("--input-bias", type=float, default=Config.input_bias,
                        help="initial input-gate bias of the LSTM (default -4)")
    parser.add_argument("--forget-bias", type=float, default=Config.forget_bias,
                        help="initial forget-gate bias of the forget-gate cell (default 1, the shared LSTM's)")
    parser.add_argument("--init-scale", type=positive_float, default=Config.init_scale,
                        help="initial weights uniform in [-s, s] (default 0.1)")
    parser.add_argument("--float32", action="store_true",
                        help="train the LSTM / RNN in float32 (faster on long sequences; the default is float64)")
    parser.add_argument("--neurons", type=positive_int, default=Config.odyssnet_neurons,
                        help="OdyssNet neurons (default 8: inputs on 0 and 1, the answer on the last)")
    parser.add_argument("--thinking-steps", type=positive_int, default=Config.thinking_steps,
                        help="OdyssNet steps per input step (default 1)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the RNN baseline of the main run")
    parser.add_argument("--rnn-seeds", type=positive_int, default=3,
                        help="the RNN baseline of the main run trains the first K seeds of the sweep (default 3)")
    parser.add_argument("--gradcheck", action="store_true",
                        help="check the BPTT gradients of the LSTM (both cells) and the RNN against finite "
                             "differences; print the max relative error, exit 1 above 1e-6")
    args = parser.parse_args(argv)
    if args.T < 22:
        parser.error("--T must be at least 22 (X2 is drawn among the first T/2 - 1 unmarked pairs)")
    if args.T % 2:
        parser.error("--T must be even (the paper's T/2)")
    return args




def main(argv=None) -> int:
    args = parse_args(argv)
    if args.gradcheck:
        errors = gradient_check(args.seed)
        worst = max(errors, key=errors.get)
        for name, value in errors.items():
            print(f"  {name:12s} {value:.2e}")
        print(f"max relative error {errors[worst]:.2e} ({worst})")
        return 0 if errors[worst] <= 1e-6 else 1
    budget = args.max_sequences or int(WITHIN * PAPER_SEQUENCES.get(args.T, PAPER_SEQUENCES[100]))
    section = section_name(args.model, args.T, args.forget_bias)
    config = Config(model=args.model, T=args.T, batch=args.batch, lr=args.lr, max_sequences=budget,
                    input_bias=args.input_bias, forget_bias=args.forget_bias, init_scale=args.init_scale,
                    dtype="float32" if args.float32 else "float64", odyssnet_neurons=args.neurons,
                    thinking_steps=args.thinking_steps)
    if args.quick:
        config = replace(config, T=30, max_sequences=1600, check_every=10, fresh=256, monitor=256)
        args.n_seeds = min(args.n_seeds, 2)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    clock = Progress(1)
    if section is None:
        record = main_experiment(args, config, seeds)
    else:
        record = comparison_experiment(config, seeds)
    record["wallclock_s"] = clock.elapsed
    if args.record:
        save_record(args.record, record, __file__, section=section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
