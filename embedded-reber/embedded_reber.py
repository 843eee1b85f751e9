"""Embedded Reber grammar with the 1997 LSTM (Hochreiter & Schmidhuber 1997, Experiment 1).

The task (grammar after Cleeremans, Servan-Schreiber & McClelland 1989): strings over the seven
symbols B T P S X V E are read one symbol at a time, and after each symbol the network predicts
the next one. A string of the embedded grammar is B, then T or P, then a whole Reber string
(itself B ... E), then the same T or P again, then E. Inside, the grammar leaves a choice of two
symbols at most positions, so a prediction is judged against the set of legal next symbols. Only
the second outer T/P is fixed, and it is fixed by a symbol read five or more steps before (eight
on average): that is the one long-range dependency of the task.

The paper's network is the original LSTM cell (input and output gates, no forget gate, cell input
squashed to (-2, 2), cell state read through a squash to (-1, 1)), grouped into memory blocks
whose output gates start with biases -1, -2, ...; sigmoid output units; weights drawn in
[-0.2, 0.2]; gradient descent online, one string at a time, on a training set of 256 strings,
with 256 other strings for testing. A trial is solved when, for every string of both sets and at
every position, the output units of the legal next symbols are the most active ones. The paper
reports 148 of 150 trials solved after 8,440 training strings on average (4 blocks of one cell)
and 150 of 150 after 8,550 (3 blocks of two cells).

This script implements the grammar, that criterion, online training of the catalog's shared LSTM
(variant LSTM1997 with memory blocks) and seed sweeps. --setup picks the paper's second network
or one of the variants measured against it (forget gate, gate recurrence, the paper's truncated
gradient, biases on the gates only); --model odyssnet trains the catalog's OdyssNet core on the
same strings for comparison.

Run:  python3 embedded-reber/embedded_reber.py --seed 0 --n-seeds 10 --record
"""

from __future__ import annotations

import math

import sys
from dataclasses import dataclass, replace

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.experiment import (Progress, format_table, format_value, median_ms, positive_float, positive_int,
                               print_verdict, save_record, stub_parser, sweep)
from shared.gradcheck import check_gradients
from shared.odyssnet import GrowthPolicy, OdyssNet, OdyssNetTrainer, SparseOdyssNet, prepare_input
from shared.optim import SGD
from shared.recurrent import LSTM, VARIANTS

# ----------------------------------------------------------------------------------------
# The grammar. Symbols are coded 0..6 in the order B T P S X V E.
# ----------------------------------------------------------------------------------------

SYMBOLS = "BTPSXVE"
CODE = {s: i for i, s in enumerate(SYMBOLS)}
N_SYMBOLS = len(SYMBOLS)

# The inner Reber automaton after its leading B: state -> the two (symbol, next state) choices,
# each taken with probability 1/2. State 5 is the exit, after which comes E.
REBER = {
    0: (("T", 1), ("P", 2)),
    1: (("S", 1), ("X", 3)),
    2: (("T", 2), ("V", 4)),
    3: (("X", 2), ("S", 5)),
    4: (("P", 3), ("V", 5)),
}
EXIT = 5


def reber_string(rng: np.random.Generator) -> str:
    """One string of the (inner) Reber grammar, B ... E."""
    out, state = ["B"], 0
    while state != EXIT:
        symbol, state = REBER[state][rng.integers(2)]
        out.append(symbol)
    out.append("E")
    return "".join(out)


def embedded_string(rng: np.random.Generator) -> str:
    """B, T or P, an inner Reber string, the same T or P, E."""
    outer = "TP"[rng.integers(2)]
    return "B" + outer + reber_string(rng) + outer + "E"


def legal_next(string: str) -> np.ndarray:
    """(len - 1, 7) bool: the symbols the embedded grammar allows after each prefix of ``string``.

    Walks the grammar alongside the string; raises ValueError if the string is not in it.
    """
    if len(string) < 9 or string[0] != "B" or string[1] not in "TP" or string[2] != "B":
        raise ValueError(f"not an embedded Reber string: {string!r}")
    allowed = [{"T", "P"}, {"B"}]            # after the outer B; after the first outer T/P
    state = 0
    for symbol in string[3:-3]:              # the inner string between its B and its E
        choices = dict(REBER[state]) if state != EXIT else {}
        allowed.append(set(choices))
        if symbol not in choices:
            raise ValueError(f"not an embedded Reber string: {string!r}")
        state = choices[symbol]
    if state != EXIT or string[-3] != "E" or string[-2] != string[1] or string[-1] != "E":
        raise ValueError(f"not an embedded Reber string: {string!r}")
    allowed += [{"E"}, {string[1]}, {"E"}]   # after the last inner symbol, the inner E, the outer T/P
    mask = np.zeros((len(string) - 1, N_SYMBOLS), dtype=bool)
    for t, symbols in enumerate(allowed):
        mask[t, [CODE[s] for s in symbols]] = True
    return mask


@dataclass
class Batch:
    """Strings padded into arrays. Position t reads symbol t and predicts symbol t + 1."""

    strings: list[str]
    x: np.ndarray          # (B, T, 7) one-hot inputs, T = longest length - 1; zeros after the end
    target: np.ndarray     # (B, T) code of the next symbol, -1 after the end
    legal: np.ndarray      # (B, T, 7) legal next symbols (all False after the end)
    valid: np.ndarray      # (B, T) bool: a prediction is due here
    outer: np.ndarray      # (B,) the position that predicts the second outer T/P (length - 3)


def encode(strings: list[str]) -> Batch:
    steps = max(len(s) for s in strings) - 1
    x = np.zeros((len(strings), steps, N_SYMBOLS))
    target = np.full((len(strings), steps), -1)
    legal = np.zeros((len(strings), steps, N_SYMBOLS), dtype=bool)
    for b, s in enumerate(strings):
        codes = [CODE[c] for c in s]
        x[b, np.arange(len(s) - 1), codes[:-1]] = 1.0
        target[b, : len(s) - 1] = codes[1:]
        legal[b, : len(s) - 1] = legal_next(s)
    return Batch(list(strings), x, target, legal, target >= 0, np.array([len(s) - 3 for s in strings]))


def draw_strings(rng: np.random.Generator, n: int, exclude=frozenset()) -> list[str]:
    """n strings of the embedded grammar, none of them in ``exclude`` (repeats among them allowed)."""
    out = []
    while len(out) < n:
        s = embedded_string(rng)
        if s not in exclude:
            out.append(s)
    return out


def data_rng(seed: int, stream: int) -> np.random.Generator:
    """Independent generators per seed and purpose: 0 training set, 1 test set, 2 fresh strings,
    3 weight initialisation, 4 presentation order."""
    return np.random.default_rng([seed, stream])


# ----------------------------------------------------------------------------------------
# The success criterion and the two finer metrics.
# ----------------------------------------------------------------------------------------


def position_correct(out: np.ndarray, batch: Batch) -> np.ndarray:
    """(B, T) bool: the paper's criterion at each position -- every legal next symbol's output
    unit is more active than every other output unit. True after the end of a string."""
    low_legal = np.where(batch.legal, out, np.inf).min(axis=-1)
    high_other = np.where(batch.legal, -np.inf, out).max(axis=-1)
    return (low_legal > high_other) | ~batch.valid


def metrics(out: np.ndarray, batch: Batch) -> dict:
    """Paper criterion per string, legal-symbol accuracy (most active unit legal), outer T/P accuracy."""
    rows = np.arange(len(batch.strings))
    winner = out.argmax(axis=-1)
    winner_legal = np.take_along_axis(batch.legal, winner[..., None], axis=-1)[..., 0]
    strings_right = position_correct(out, batch).all(axis=1)
    return {"strings_correct": float(strings_right.mean()),
            "legal_accuracy": float(winner_legal[batch.valid].mean()),
            "outer_accuracy": float((winner[rows, batch.outer] == batch.target[rows, batch.outer]).mean()),
            "all_correct": bool(strings_right.all())}




def failure_note(out: np.ndarray, batch: Batch) -> str:
    """Where the criterion fails most often: '' if nowhere, else the kind of position and the
    number of strings with such a failure. Inner positions are named by the legal next symbols
    and the last two symbols read, e.g. "{PV} after TV"."""
    wrong = ~position_correct(out, batch)
    strings_by_kind: dict[str, set] = {}
    for b, t in zip(*np.nonzero(wrong)):
        if t == batch.outer[b]:
            kind = "outer T/P"
        else:
            legal = "".join(SYMBOLS[k] for k in np.flatnonzero(batch.legal[b, t]))
            kind = f"{{{legal}}} after {batch.strings[b][max(0, t - 1): t + 1]}"
        strings_by_kind.setdefault(kind, set()).add(int(b))
    if not strings_by_kind:
        return ""
    kind = max(sorted(strings_by_kind), key=lambda k: len(strings_by_kind[k]))
    return f"{kind} ({len(strings_by_kind[kind])}/{len(batch.strings)} strings)"


# ----------------------------------------------------------------------------------------
# The network: the shared LSTM, whose linear read-out of the cell outputs feeds 7 sigmoid
# output units. The loss is the paper's squared error against the one-hot next symbol.
# ----------------------------------------------------------------------------------------

CELLS = {
    "LSTM1997": VARIANTS["LSTM1997"],                                             # the paper's cell
    "LSTM1997-GR": replace(VARIANTS["LSTM1997"], full_gate_recurrence=True),      # gates also see gates
    "FORGET2000": VARIANTS["FORGET2000"],                                         # plus a forget gate
}


@dataclass(frozen=True)
class Config:
    """One training setup; the defaults are the headline run (the paper's first network)."""

    cell: str = "LSTM1997"         # a key of CELLS
    blocks: int = 4                # memory blocks ...
    block_size: int = 1            # ... of this many cells, which share the block's two gates
    init_scale: float = 0.2        # weights uniform in [-0.2, 0.2]
    unit_biases: bool = True       # trainable biases on cell inputs and output units (the paper: gates only)
    gradient: str = "full"         # "full": BPTT; "truncated": the paper's (error flows back only inside cells)
    lr: float = 0.5                # plain gradient descent, one update per training string
    train_size: int = 256
    test_size: int = 256
    max_sequences: int = 20_000    # training strings before a trial counts as failed
    eval_every: int = 100          # the criterion is tested after every this many training strings

    @property
    def output_gate_biases(self) -> list[float]:
        return [-(k + 1.0) for k in range(self.blocks)]


def build_lstm(config: Config, rng: np.random.Generator) -> LSTM:
    return LSTM(N_SYMBOLS, config.blocks * config.block_size, N_SYMBOLS, variant=CELLS[config.cell],
                block_size=config.block_size, readout="all", gate_bias={"output": config.output_gate_biases},
                init_scale=config.init_scale, rng=rng)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def loss_and_grad(logits: np.ndarray, batch: Batch) -> tuple[float, np.ndarray]:
    """Squared error of the sigmoid output units, summed over positions and units (averaged over
    strings): 0.5 sum (sigmoid(z) - onehot(next symbol))^2. Returns it and dL/dz."""
    y = sigmoid(logits)
    onehot = np.zeros_like(logits)
    rows, cols = np.nonzero(batch.valid)
    onehot[rows, cols, batch.target[rows, cols]] = 1.0
    err = (y - onehot) * batch.valid[..., None]
    n = len(batch.strings)
    return float(0.5 * np.sum(err * err) / n), err * y * (1.0 - y) / n


def gradients(model: LSTM, d_logits: np.ndarray, config: Config) -> dict:
    """The gradient a training step uses: full BPTT, or the 1997 paper's truncation.

    The paper lets error flow back in time only through the cells' internal states (the constant
    error carousel): an error arriving at the net input of a cell or gate changes that unit's
    incoming weights but goes no further back through the recurrent weights. In the shared LSTM's
    backward pass the recurrent weights (U, and R when gates see gates) appear only in that flow,
    so running it with them set to zero gives exactly the truncated gradient, theirs included.
    Without unit_biases the gradients of the cell-input and output biases are dropped, so those
    biases stay at their initial 0 (the paper's net has biases on its gates only).
    """
    if config.gradient == "full":
        grads = model.backward(d_logits)
    else:
        recurrent = {k: model.params[k] for k in ("U", "R") if k in model.params}
        model.params.update({k: np.zeros_like(v) for k, v in recurrent.items()})
        try:
            grads = model.backward(d_logits)
        finally:
            model.params.update(recurrent)
    if not config.unit_biases:
        grads["c"][:] = 0.0
        grads["b"][model.columns["cell"]] = 0.0
    return grads


# ----------------------------------------------------------------------------------------
# Training: online, one training string per update, each picked at random from the 256. After
# every eval_every strings the weights are frozen and both sets are tested by the criterion.
# ----------------------------------------------------------------------------------------


@dataclass
class Run:
    seed: int
    solved_at: int | None          # training strings presented when the criterion first held
    presented: int                 # training strings presented in all
    curve: list                    # [(strings presented, metrics on the training set, on the test set)]
    final: dict                    # metrics at the end on "train", "test" and 1000 "fresh" strings
    model: object
    snapshots: list                # [(strings presented, copy of the parameters)]


@dataclass
class Data:
    train_strings: list[str]
    train: Batch
    test: Batch
    fresh: Batch


def seed_data(config: Config, seed: int) -> Data:
    """The seed's training set, and test and fresh strings that are not in it (as in the paper)."""
    train_strings = draw_strings(data_rng(seed, 0), config.train_size)
    seen = set(train_strings)
    return Data(train_strings, encode(train_strings),
                encode(draw_strings(data_rng(seed, 1), config.test_size, exclude=seen)),
                encode(draw_strings(data_rng(seed, 2), 1000, exclude=seen)))


def lstm_outputs(model: LSTM, batch: Batch) -> np.ndarray:
    """Output unit activations (B, T, 7) of the frozen network."""
    return sigmoid(model.forward(batch.x))


def train(config: Config, seed: int, snapshot_every: int = 0, label: str = "string") -> Run:
    """Train one network on the seed's training set until the criterion holds or the cap."""
    data = seed_data(config, seed)
    singles = [encode([s]) for s in data.train_strings]
    model = build_lstm(config, data_rng(seed, 3))
    optimizer = SGD(model.params, lr=config.lr)
    order = data_rng(seed, 4)
    snapshots = [(0, {k: v.copy() for k, v in model.params.items()})] if snapshot_every else []
    curve, solved_at, presented = [], None, 0
    progress = Progress(config.max_sequences, label=label)
    for presented in range(1, config.max_sequences + 1):
        batch = singles[order.integers(config.train_size)]
        _, d_logits = loss_and_grad(model.forward(batch.x), batch)
        optimizer.step(gradients(model, d_logits, config))
        if snapshot_every and presented % snapshot_every == 0:
            snapshots.append((presented, {k: v.copy() for k, v in model.params.items()}))
        if presented % config.eval_every == 0:
            on_train = metrics(lstm_outputs(model, data.train), data.train)
            on_test = metrics(lstm_outputs(model, data.test), data.test)
            curve.append((presented, on_train, on_test))
            progress.update(presented, test_strings_correct=on_test["strings_correct"],
                            outer=on_test["outer_accuracy"])
            if on_train["all_correct"] and on_test["all_correct"]:
                solved_at = presented
                break
    if snapshot_every and snapshots[-1][0] != presented:
        snapshots.append((presented, {k: v.copy() for k, v in model.params.items()}))
    final = {name: metrics(lstm_outputs(model, b), b) for name, b in
             (("train", data.train), ("test", data.test), ("fresh", data.fresh))}
    final["test"]["fails_on"] = failure_note(lstm_outputs(model, data.test), data.test)
    return Run(seed, solved_at, presented, curve, final, model, snapshots)


def run_row(run: Run) -> dict:
    """One seed's figures: the criterion, and the finer metrics on 1000 fresh strings at the end."""
    return {"solved": run.solved_at is not None, "sequences": run.solved_at,
            "train_strings_correct": run.final["train"]["strings_correct"],
            "test_strings_correct": run.final["test"]["strings_correct"],
            "fresh_strings_correct": run.final["fresh"]["strings_correct"],
            "fresh_legal_accuracy": run.final["fresh"]["legal_accuracy"],
            "fresh_outer_accuracy": run.final["fresh"]["outer_accuracy"],
            "test_fails_most_on": run.final["test"]["fails_on"]}


# ----------------------------------------------------------------------------------------
# The setups measured. The paper's two networks, and one change at a time from the headline.
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    config: Config
    description: str
    paper: dict | None             # {"solved": "148/150", "mean_sequences": 8440} where the paper has figures


HEADLINE = "paper-4x1"
SETUPS = {
    "paper-4x1": Setup(Config(), "1997 cell, 4 blocks of 1 cell (the paper's first network)",
                       {"solved": "148/150", "mean_sequences": 8440}),
    "paper-3x2": Setup(Config(blocks=3, block_size=2), "1997 cell, 3 blocks of 2 cells (the paper's second network)",
                       {"solved": "150/150", "mean_sequences": 8550}),
    "forget-gate": Setup(Config(cell="FORGET2000"), "forget-gate cell (Gers et al. 2000), 4 blocks of 1", None),
    "gate-recurrence": Setup(Config(cell="LSTM1997-GR"),
                             "1997 cell, 4 x 1, gates also read the previous gate activations (as in the paper)", None),
    "truncated": Setup(Config(gradient="truncated"), "1997 cell, 4 x 1, the paper's truncated gradient", None),
    "gate-biases-only": Setup(Config(unit_biases=False),
                              "1997 cell, 4 x 1, biases on the gates only (as in the paper)", None),
}
WITHIN = 1.5        # "about the paper's count": within a factor 1.5 of its mean
RELIABLE = 0.9      # "about the paper's reliability": at least 90% of the seeds solved (paper: 99%)

TABLE_COLUMNS = ["setup", "seeds solved", "mean strings to solve", "median", "vs paper mean", "paper",
                 "fresh strings correct", "fresh legal-symbol acc.", "fresh outer T/P acc."]


def whole_strings(value: float | None) -> str:
    """A count of training strings as text, to the nearest string: 17350, not 1.735e+04."""
    return format_value(None if value is None else int(round(value)))


def table_row(description: str, result: dict, paper: dict | None) -> list:
    """A row of the setups table from a sweep (means of the fresh-string metrics over all seeds)."""
    s, rows = result["summary"], result["per_seed"]
    ratio = (f"{s['mean'] / paper['mean_sequences']:.2f}x" if paper and s["mean"] is not None else None)
    shown_paper = f"{paper['solved']}, {paper['mean_sequences']:,}" if paper else None
    mean_of = lambda key: float(np.mean([r[key] for r in rows]))  # noqa: E731
    whole = lambda v: None if v is None else int(round(v))  # noqa: E731 - strings, to the nearest one
    return [description, f"{s['n_solved']}/{s['n_runs']}", whole(s["mean"]), whole(s["median"]), ratio, shown_paper,
            mean_of("fresh_strings_correct"), mean_of("fresh_legal_accuracy"), mean_of("fresh_outer_accuracy")]


def table_title(config: Config, seeds) -> str:
    return (f"Seeds {seeds[0]}-{seeds[-1]}: trials meeting the paper's criterion on the training and test sets, "
            f"training strings to get there (tested every {config.eval_every}; cap {config.max_sequences:,}), and "
            f"the metrics on 1000 fresh strings at the end (means over all seeds)")


def failures_table(result: dict) -> dict | None:
    """The seeds that did not meet the criterion, and where their test-set predictions go wrong."""
    rows = [[r["seed"], r["test_strings_correct"], r["fresh_legal_accuracy"], r["fresh_outer_accuracy"],
             r["test_fails_most_on"]] for r in result["per_seed"] if not r["solved"]]
    if not rows:
        return None
    return {"title": "Unsolved seeds at the cap: the share of test strings fully correct, the fresh-string metrics, "
                     "and the kind of test position that fails in the most strings (legal next symbols, last two "
                     "symbols read)",
            "columns": ["seed", "test strings correct", "fresh legal-symbol acc.", "fresh outer T/P acc.",
                        "test fails most on"],
            "rows": rows}


def verdict_for(summary: dict, paper: dict) -> tuple[str, str]:
    rate, mean = summary["solve_rate"], summary["mean"]
    close = mean is not None and paper["mean_sequences"] / WITHIN <= mean <= paper["mean_sequences"] * WITHIN
    solved = f"{summary['n_solved']}/{summary['n_runs']} seeds"
    if close and rate >= RELIABLE:
        return "yes", f"{solved} solve within 1.5x of the paper's mean training strings, as reliably as the paper"
    if close and rate >= 0.5:
        return "partial", (f"the solved trials need about the paper's number of training strings, but only {solved} "
                           f"solve against the paper's 148/150")
    if rate >= RELIABLE:
        return "partial", f"{solved} solve, but the mean count is not within 1.5x of the paper's"
    if summary["n_solved"]:
        return "qualitative", f"only {solved} meet the criterion within the cap"
    return "no", "no seed meets the paper's criterion within the cap"


def lstm_sweep(config: Config, seeds) -> dict:
    columns = ["seed", "solved", "sequences", "test_strings_correct", "fresh_legal_accuracy", "fresh_outer_accuracy",
               "test_fails_most_on"]
    return sweep(lambda seed: run_row(train(config, seed, label=f"seed {seed}: string")), seeds, "sequences",
                 columns=columns, label="seed")


# ----------------------------------------------------------------------------------------
# Gradient check. Hand-written here: the output units' loss gradient and the truncation. The
# LSTM's own BPTT is the shared one (tested in tests/test_recurrent.py).
# ----------------------------------------------------------------------------------------


def stop_gradient_twin(model: LSTM, x: np.ndarray) -> tuple[LSTM, np.ndarray, np.ndarray]:
    """A network whose true gradient is ``model``'s truncated gradient.

    The twin has no recurrent weights: it reads the previous cell outputs h_{t-1} (and, with gate
    recurrence, the previous gate activations) as extra inputs, numbers fixed by a forward pass of
    ``model``, through the input weights [W; U; R]. At these parameters it computes the same
    outputs, and differentiating it with those inputs held fixed removes exactly the error flow
    through U and R. Returns the twin, its input, and the flat indices of its W that are real
    parameters (the R rows have no weights into cell inputs; those entries stay 0).
    """
    model.forward(x)
    cache = model.cache
    extra = [np.moveaxis(cache["hs"][:-1], 0, 1)]                                   # (B, T, H)
    rows = [model.params["W"], model.params["U"]]
    width = model.params["W"].shape[1]
    if "R" in model.params:
        gates = np.moveaxis(cache["q"], 0, 1)                                       # (B, T, G): q_t
        extra.append(np.concatenate([np.zeros_like(gates[:, :1]), gates[:, :-1]], axis=1))
        rows.append(np.hstack([model.params["R"], np.zeros((model.gate_width, width - model.gate_width))]))
    w = np.vstack(rows)
    twin = LSTM(w.shape[0], model.hidden_size, model.output_size, variant=replace(model.spec, full_gate_recurrence=False),
                block_size=model.block_size, readout="all", rng=0)
    twin.params = {"W": w.copy(), "U": np.zeros_like(model.params["U"]), "b": model.params["b"].copy(),
                   "V": model.params["V"].copy(), "c": model.params["c"].copy()}
    real = np.ones(w.shape, dtype=bool)
    if "R" in model.params:
        real[-model.gate_width:, model.gate_width:] = False
    return twin, np.concatenate([x, *extra], axis=2), np.flatnonzero(real)


def gradient_check(seed: int = 0, verbose: bool = True, max_entries: int | None = None) -> float:
    """Largest relative error, over the setups' networks, between the gradients training uses and
    central differences: of the loss for full BPTT, of the stop-gradient twin's loss for truncation.
    With max_entries, a random subset of each parameter's entries is checked (for the tests)."""
    rng = np.random.default_rng(seed)
    batch = encode(draw_strings(rng, 3))
    worst = 0.0
    for name in ("paper-4x1", "paper-3x2", "forget-gate", "gate-recurrence"):
        config = SETUPS[name].config
        model = build_lstm(replace(config, init_scale=0.5), rng)
        for value in model.params.values():              # move every parameter off its initial value
            value += rng.uniform(-0.5, 0.5, value.shape)
        loss = lambda: loss_and_grad(model.forward(batch.x), batch)[0]  # noqa: E731
        _, d_logits = loss_and_grad(model.forward(batch.x), batch)
        full = check_gradients(loss, model.params, gradients(model, d_logits, config), max_entries=max_entries,
                               rng=rng)
        truncated = gradients(model, d_logits, replace(config, gradient="truncated"))
        twin, x_twin, real = stop_gradient_twin(model, batch.x)
        twin_loss = lambda: loss_and_grad(twin.forward(x_twin), batch)[0]  # noqa: E731
        stacked = [truncated["W"], truncated["U"]]
        if "R" in truncated:                              # padded like the twin's R rows
            stacked.append(np.hstack([truncated["R"], np.zeros((model.gate_width, model.hidden_size))]))
        expected = {"W": np.vstack(stacked), "b": truncated["b"], "V": truncated["V"], "c": truncated["c"]}
        cut = check_gradients(twin_loss, {k: twin.params[k] for k in expected}, expected, entries={"W": real},
                              max_entries=max_entries, rng=rng)
        if verbose:
            print(f"  {name}: full BPTT {max(full.values()):.2e}, truncated {max(cut.values()):.2e}")
        worst = max(worst, *full.values(), *cut.values())
    return worst


# ----------------------------------------------------------------------------------------
# Comparison: the catalog's OdyssNet core on the same strings, judged by the same criterion on
# the same test set, with the same cap on training strings. Symbols go in as one-hot features on
# 7 input neurons in stream mode, 2 thinking steps per symbol (the least that lets an output
# neuron see the symbol just read); 7 output neurons are read after each symbol through a
# softmax (cross-entropy on the next symbol). AdamW, trainer defaults otherwise. Strings are
# drawn from the training set as for the LSTM, but 16 per update: one at a time costs about 8 ms
# a string here, too slow for the sweep.
# ----------------------------------------------------------------------------------------

ODYSSNET_RECIPE = {"neurons": 32, "thinking_steps": 2, "lr": 2e-3, "batch": 16}

# Growth and pruning (shared.odyssnet.topology), shown on this task. Growth: DNO's policy, counted
# in updates of 16 strings: when the newer half of the last 30 losses is not 1% below the older
# half, 4 silent neurons are added, at most every 30 updates, up to the cap. Pruning: after
# training, W's weakest synapses die for good, milestone after milestone (50%, 80%, 90%, 95% of all
# synapses dead). On the way to a milestone each cut removes at most a quarter of the survivors and
# is followed by 200 updates with the dead synapses held at zero; at the milestone, training goes
# on until the criterion holds again (tested every 25 updates, at most 1000). Cutting to 50% in one
# step loses every test string: the trained W has no small weights to spare.
GROWTH = {"amount": 4, "window": 30, "cooldown": 30, "tolerance": 0.01}
PRUNE_MILESTONES = (0.5, 0.8, 0.9, 0.95)
PRUNE_CUT = 0.25           # the largest share of surviving synapses one cut removes
PRUNE_FINETUNE = 200       # updates after each cut
PRUNE_REGAIN = 1000        # at most this many more updates at a milestone to regain the criterion
PRUNE_CHECK = 25


def pruning_cuts(start: float, milestone: float) -> list[float]:
    """Sparsities of the cuts from ``start`` to ``milestone``, equal shares of the survivors each."""
    count = math.ceil(math.log((1 - milestone) / (1 - start)) / math.log(1 - PRUNE_CUT) - 1e-9)
    return [1 - (1 - start) * ((1 - milestone) / (1 - start)) ** (k / count) for k in range(1, count + 1)]


def odyssnet_train(config: Config, seed: int, recipe: dict = ODYSSNET_RECIPE, label: str = "string",
                   grow_to: int | None = None, prune: bool = False, finetune: int = PRUNE_FINETUNE,
                   regain: int = PRUNE_REGAIN) -> Run:
    data = seed_data(config, seed)
    n = recipe["neurons"]
    model = OdyssNet(n, range(N_SYMBOLS), range(n - N_SYMBOLS, n), pulse_mode=False, rng=data_rng(seed, 3))
    trainer = OdyssNetTrainer(model, lr=recipe["lr"], loss="cross_entropy")
    policy = GrowthPolicy(max_neurons=grow_to, **GROWTH) if grow_to else None
    r, size = recipe["thinking_steps"], recipe["batch"]
    order = data_rng(seed, 4)

    def outputs(batch: Batch, net=model) -> np.ndarray:
        net.eval()
        all_states, _ = net.forward(prepare_input(batch.x, net.input_ids, net.num_neurons), r * batch.x.shape[1])
        return all_states[..., net.output_ids]

    def update() -> None:
        batch = encode([data.train_strings[k] for k in order.integers(config.train_size, size=size)])
        loss = trainer.train_batch(batch.x, batch.target, r * batch.x.shape[1], full_sequence=True, mask=batch.valid)
        if policy is not None:
            policy.update(trainer, loss)

    curve, solved_at, presented = [], None, 0
    progress = Progress(config.max_sequences, label=label)
    while presented + size <= config.max_sequences:
        update()
        presented += size
        if presented // config.eval_every > (presented - size) // config.eval_every:   # passed a test point
            on_train, on_test = metrics(outputs(data.train), data.train), metrics(outputs(data.test), data.test)
            curve.append((presented, on_train, on_test))
            progress.update(presented, test_strings_correct=on_test["strings_correct"],
                            outer=on_test["outer_accuracy"], neurons=model.num_neurons)
            if on_train["all_correct"] and on_test["all_correct"]:
                solved_at = presented
                break
    final = {name: metrics(outputs(b), b) for name, b in (("train", data.train), ("test", data.test),
                                                           ("fresh", data.fresh))}
    final["test"]["fails_on"] = failure_note(outputs(data.test), data.test)
    final["neurons"] = model.num_neurons
    final["growth_updates"] = [step for step, kind, _ in policy.events if kind == "grow"] if policy else []
    if prune and solved_at is not None:              # pruning is judged on networks that had solved it
        if policy is not None:
            policy.phase = "scratch"                  # the shape is fixed while pruning
        final["pruning"] = prune_and_regain(trainer, data, update, outputs, finetune, regain)
    return Run(seed, solved_at, presented, curve, final, model, [])


def prune_and_regain(trainer: OdyssNetTrainer, data: Data, update, outputs, finetune: int = PRUNE_FINETUNE,
                     regain: int = PRUNE_REGAIN) -> list[dict]:
    """Prune the trained core's W for good, milestone after milestone (see PRUNE_MILESTONES); at each,
    train until the criterion holds again. update() is one training update, outputs(batch, net)
    the network's outputs. Returns one row of figures per milestone."""
    model = trainer.model
    off_diagonal = ~np.eye(model.num_neurons, dtype=bool)
    rows, sparsity = [], 0.0
    for milestone in PRUNE_MILESTONES:
        for level in pruning_cuts(sparsity, milestone):
            trainer.prune_synapses(np.quantile(np.abs(model.params["W"][off_diagonal]), level))
            for _ in range(finetune):
                update()
        sparsity = milestone
        regained = None
        for extra in range(0, regain + 1, PRUNE_CHECK):
            if metrics(outputs(data.train), data.train)["all_correct"] and \
                    metrics(outputs(data.test), data.test)["all_correct"]:
                regained = extra
                break
            for _ in range(PRUNE_CHECK if extra < regain else 0):
                update()
        tuned = {name: metrics(outputs(b), b) for name, b in (("test", data.test), ("fresh", data.fresh))}
        sparse = SparseOdyssNet.from_dense(model)
        single = encode(data.test.strings[:1])                       # one string: the memory-bound case
        timing = {f"{kind}_{shape}_ms": median_ms(lambda: outputs(batch, net), repeats=5)
                  for kind, net in (("dense", model), ("sparse", sparse))
                  for shape, batch in (("batch", data.test), ("single", single))}
        rows.append({"target": milestone, "sparsity": model.sparsity(), "regained_after": regained,
                     "test_strings_correct": tuned["test"]["strings_correct"],
                     "fresh_strings_correct": tuned["fresh"]["strings_correct"],
                     "fresh_outer_accuracy": tuned["fresh"]["outer_accuracy"],
                     "same_outputs": float(np.abs(outputs(data.test, sparse) - outputs(data.test)).max()),
                     **timing})
    return rows


def odyssnet_description(neurons: int, grow_to: int | None) -> str:
    size = f"{neurons} neurons" + (f" growing to at most {grow_to}" if grow_to else "")
    return (f"OdyssNet core, {size}, {ODYSSNET_RECIPE['thinking_steps']} thinking steps a symbol, AdamW, "
            f"{ODYSSNET_RECIPE['batch']} strings an update")


def odyssnet_comparison(config: Config, seeds, neurons: int = 32, grow_to: int | None = None,
                        prune: bool = False, finetune: int = PRUNE_FINETUNE, regain: int = PRUNE_REGAIN) -> dict:
    """The sweep for --model odyssnet, as a record section."""
    clock = Progress(1)
    recipe = dict(ODYSSNET_RECIPE, neurons=neurons)
    print(f"OdyssNet core on the embedded Reber grammar: {recipe}, growth {GROWTH if grow_to else None} to "
          f"{grow_to}, pruning {prune}; cap {config.max_sequences} strings, seeds {seeds[0]}..{seeds[-1]}")
    columns = ["seed", "solved", "sequences", "test_strings_correct", "fresh_legal_accuracy", "fresh_outer_accuracy",
               "test_fails_most_on"] + (["neurons", "grown_at_update"] if grow_to else [])
    pruning = {}

    def one_seed(seed: int) -> dict:
        run = odyssnet_train(config, seed, recipe, label=f"seed {seed}: string", grow_to=grow_to, prune=prune,
                             finetune=finetune, regain=regain)
        if "pruning" in run.final:
            pruning[seed] = run.final["pruning"]
        return {**run_row(run), "neurons": run.final["neurons"],
                "grown_at_update": " ".join(str(u) for u in run.final["growth_updates"]) or "-"}

    result = sweep(one_seed, seeds, "sequences", columns=columns, label="seed")
    s, first = result["summary"], result["per_seed"][0]
    description = odyssnet_description(neurons, grow_to)
    tables = [t for t in ({"title": table_title(config, seeds), "columns": TABLE_COLUMNS,
                           "rows": [table_row(description, result, None)]}, failures_table(result)) if t]
    if pruning:
        tables += pruning_tables(pruning, finetune, regain)
        for table in tables[-2:]:
            print(table["title"])
            print(format_table(table["columns"], table["rows"]))
    name = f"OdyssNet core ({neurons} neurons" + (f", grown to at most {grow_to}" if grow_to else "") + ")"
    summary = (f"{name}: {s['n_solved']}/{s['n_runs']} seeds meet the criterion, after a mean "
               f"{whole_strings(s['mean'])} training strings")
    if pruning:
        rows = {row[0]: row for row in tables[-2]["rows"]}
        summary += (f"; pruned for good, the criterion holds again in {rows['80%'][2]} of the solved networks at "
                    f"80% sparsity and {rows['90%'][2]} at 90%")
    return {
        "summary": summary,
        "headline": {k: first[k] for k in ("solved", "sequences", "test_strings_correct", "fresh_strings_correct",
                                           "fresh_legal_accuracy", "fresh_outer_accuracy")},
        "seeds": result if len(seeds) > 1 else None,
        "tables": tables,
        "wallclock_s": clock.elapsed,
    }


def pruning_tables(pruning: dict, finetune: int, regain: int) -> list[dict]:
    """Per milestone: how many pruned networks regain the criterion, and how fast (means over the
    seeds that had solved the task); then dense against sparse inference time."""
    seeds = sorted(pruning)
    levels = list(zip(*[pruning[seed] for seed in seeds]))           # per milestone: one row per seed
    mean = lambda rows, key: float(np.mean([row[key] for row in rows]))  # noqa: E731
    accuracy = []
    for rows in levels:
        regained = [row["regained_after"] for row in rows if row["regained_after"] is not None]
        accuracy.append([f"{rows[0]['target']:.0%}", mean(rows, "sparsity"), f"{len(regained)}/{len(rows)}",
                         float(np.mean(regained)) if regained else None, mean(rows, "test_strings_correct"),
                         mean(rows, "fresh_strings_correct"), mean(rows, "fresh_outer_accuracy"),
                         max(row["same_outputs"] for row in rows)])
    speed = [[f"{rows[0]['target']:.0%}", mean(rows, "dense_batch_ms"), mean(rows, "sparse_batch_ms"),
              mean(rows, "dense_single_ms"), mean(rows, "sparse_single_ms")] for rows in levels]
    return [
        {"title": f"The solved networks (seeds {', '.join(map(str, seeds))}), W pruned for good milestone after "
                  f"milestone: cuts of at most {PRUNE_CUT:.0%} of the survivors, {finetune} updates after each, "
                  f"then up to {regain} more until the criterion holds on the training and test sets again "
                  "(means over these seeds; largest |sparse - dense| output over the test set)",
         "columns": ["milestone", "sparsity", "criterion regained", "mean extra updates to regain",
                     "test strings correct", "fresh strings correct", "fresh outer T/P acc.", "max |sparse - dense|"],
         "rows": accuracy},
        {"title": "Inference time of the pruned networks, dense forward against SparseOdyssNet, milliseconds "
                  "(median of 5; the 256 test strings at once, and one string)",
         "columns": ["milestone", "dense, 256 strings", "sparse, 256 strings", "dense, 1 string", "sparse, 1 string"],
         "rows": speed},
    ]


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------

CITATION = ("Hochreiter & Schmidhuber (1997). Long short-term memory. Neural Computation 9(8):1735–1780, "
            "Experiment 1 (grammar after Cleeremans, Servan-Schreiber & McClelland 1989).")
CLAIM = ("LSTM (4 memory blocks of 1 cell) meets the all-predictions-correct criterion on the embedded Reber grammar "
         "in 148/150 trials after 8,440 training strings on average; 3 blocks of 2 cells: 150/150 after 8,550")
TOUR = ("Seed 0's output units on one fixed test string as training proceeds: legal next symbols boxed, the "
        "position that must recall the outer T/P highlighted, above the test-set accuracies so far.")


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for the tests: at most 2 seeds, 64 training and "
                         "64 test strings, a cap of 300 training strings")
    parser.add_argument("--model", choices=["lstm", "odyssnet"], default="lstm",
                        help="lstm: the paper's network, shared LSTM (default); odyssnet: the catalog's OdyssNet "
                             "core on the same strings, for comparison")
    parser.add_argument("--setup", choices=list(SETUPS), default=HEADLINE,
                        help="which network and training to sweep (default paper-4x1, the headline): "
                             + "; ".join(f"{k}: {v.description}" for k, v in SETUPS.items()))
    parser.add_argument("--lr", type=positive_float, default=None, help="learning rate (default 0.5)")
    parser.add_argument("--max-sequences", type=positive_int, default=None,
                        help=f"training strings before a trial counts as failed (default {Config.max_sequences})")
    parser.add_argument("--eval-every", type=positive_int, default=None,
                        help=f"test the criterion after every this many training strings (default {Config.eval_every})")
    parser.add_argument("--neurons", type=positive_int, default=ODYSSNET_RECIPE["neurons"],
                        help="--model odyssnet: neurons of the core (default 32; 7 input and 7 output neurons)")
    parser.add_argument("--grow-to", type=positive_int, default=None,
                        help="--model odyssnet: start at --neurons and grow under DNO's policy up to this many")
    parser.add_argument("--prune", action="store_true",
                        help="--model odyssnet: after training, prune W for good to 50/80/90/95%% sparsity, "
                             "fine-tuning until the criterion holds again, and time sparse against dense inference")
    parser.add_argument("--gradcheck", action="store_true",
                        help="compare the training gradients (full and truncated) with central differences, "
                             "print the largest relative error, exit 1 above 1e-6")
    args = parser.parse_args(argv)
    config = SETUPS[args.setup].config
    overrides = {k: v for k, v in (("lr", args.lr), ("max_sequences", args.max_sequences),
                                   ("eval_every", args.eval_every)) if v is not None}
    config = replace(config, **overrides)
    if args.quick:
        config = replace(config, train_size=64, test_size=64, max_sequences=min(config.max_sequences, 300),
                         eval_every=min(config.eval_every, 100))
        args.n_seeds = min(args.n_seeds, 2)
    if config.eval_every > config.max_sequences:
        parser.error("--eval-every must not exceed --max-sequences")
    if args.model == "odyssnet" and args.setup != HEADLINE:
        parser.error("--model odyssnet replaces the LSTM; it takes no --setup")
    odyssnet_only = args.neurons != ODYSSNET_RECIPE["neurons"] or args.grow_to or args.prune
    if args.model != "odyssnet" and odyssnet_only:
        parser.error("--neurons, --grow-to and --prune apply to --model odyssnet")
    if args.neurons < 2 * N_SYMBOLS + 1:
        parser.error(f"--neurons must be at least {2 * N_SYMBOLS + 1} (7 input, 7 output and a hidden neuron)")
    if args.grow_to is not None and args.grow_to <= args.neurons:
        parser.error("--grow-to must exceed --neurons")
    return args, config


def main(argv=None) -> int:
    args, config = parse_args(argv)
    if args.gradcheck:
        worst = gradient_check()
        print(f"max relative error {worst:.3e} (tolerance 1e-6)")
        return 0 if worst <= 1e-6 else 1
    clock = Progress(1)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    if args.model == "odyssnet":
        section = odyssnet_comparison(config, seeds, args.neurons, args.grow_to, args.prune,
                                      finetune=5 if args.quick else PRUNE_FINETUNE,
                                      regain=25 if args.quick else PRUNE_REGAIN)
        row = section["tables"][0]["rows"][0]
        print(format_table(TABLE_COLUMNS, [row]))
        print_verdict(measured={"OdyssNet seeds solved": row[1], "mean strings to solve": row[2]},
                      paper={"LSTM seeds solved": "148/150", "LSTM mean strings to solve": 8440},
                      verdict=None, reason="a comparison run: the paper's claim is about LSTM (--model lstm)")
        if args.record:
            name = "odyssnet" + (f"-{args.neurons}" if args.neurons != ODYSSNET_RECIPE["neurons"] else "") \
                + (f"-grown-to-{args.grow_to}" if args.grow_to else "") + ("-pruned" if args.prune else "")
            save_record(args.record, section, __file__, section=name)
        return 0

    setup = SETUPS[args.setup]
    print(f"{setup.description}: output-gate biases {config.output_gate_biases}, weights in "
          f"[-{config.init_scale}, {config.init_scale}], {config.gradient} gradient, online gradient descent at "
          f"lr {config.lr}; {config.train_size} training and {config.test_size} test strings; cap "
          f"{config.max_sequences}; seeds {seeds[0]}..{seeds[-1]}")
    result = lstm_sweep(config, seeds)
    s, first = result["summary"], result["per_seed"][0]
    table = {"title": table_title(config, seeds), "columns": TABLE_COLUMNS,
             "rows": [table_row(setup.description, result, setup.paper)]}
    print(format_table(table["columns"], table["rows"]))
    tables = [t for t in (table, failures_table(result)) if t]
    headline = {k: first[k] for k in ("solved", "sequences", "test_strings_correct", "fresh_strings_correct",
                                      "fresh_legal_accuracy", "fresh_outer_accuracy")}
    measured = {"seeds solved": f"{s['n_solved']}/{s['n_runs']}", "mean strings to solve": s["mean"],
                "median strings to solve": s["median"]}
    summary = (f"{s['n_solved']}/{s['n_runs']} seeds meet the paper's criterion, after a mean "
               f"{whole_strings(s['mean'])} training strings (paper: 148/150, 8,440)")
    if args.setup != HEADLINE:
        print_verdict(measured, setup.paper or {}, None, f"a variant of the headline ({setup.description}); "
                      "the verdict is the headline's (--setup paper-4x1)")
        if args.record:
            save_record(args.record, {"summary": f"{setup.description}: {summary.split(' (paper')[0]}",
                                      "headline": headline, "seeds": result if len(seeds) > 1 else None,
                                      "tables": tables, "wallclock_s": clock.elapsed}, __file__, section=args.setup)
        return 0

    verdict, reason = verdict_for(s, setup.paper)
    print_verdict(measured, {"trials solved": "148/150", "mean strings to solve": 8440}, verdict, reason)
    if args.record:
        save_record(args.record, {
            "slug": "embedded-reber",
            "paper": {"citation": CITATION, "claim": CLAIM,
                      "numbers": {"4 blocks x 1": {"solved": 148, "trials": 150, "mean_sequences": 8440},
                                  "3 blocks x 2": {"solved": 150, "trials": 150, "mean_sequences": 8550}}},
            "verdict": {"value": verdict, "reason": reason},
            "summary": summary,
            "headline": headline,
            "seeds": result if len(seeds) > 1 else None,
            "tables": tables,
            "tour": TOUR,
            "wallclock_s": clock.elapsed,
        }, __file__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
