"""The protocol of the 1997 LSTM paper's long-time-lag experiments (Hochreiter & Schmidhuber 1997,
Sec. 5), for tasks with one target at each sequence's end: train every trial on line until the
paper's stopping rule holds, then run a fresh test set; train a comparison learner (ours) in
batches on the same sequences under the same rule and test; tabulate the trials.

A task is given by three functions of the stub: ``make(rng, n)`` (n sequences: inputs, lengths,
end targets; see ``shared.learning.online.Stream``), ``score(end_outputs, end_targets)`` (the error the
rule averages, E = sum_k (t_k - y_k)^2 per sequence as in the paper's App. A.1, and whether the
sequence was processed correctly) and ``test_figures(end_outputs, end_targets)`` (the test's
figures, a flat dict with at least "wrong", the test sequences not processed correctly, and
"test_error", their mean E). Trials are independent: a seed computes the same alone, in a bank, or in
another process (``shared.learning.online.over_banks``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from shared.frame.experiment import Progress, format_table, summarize
from shared.networks.odyssnet import OdyssNet, OdyssNetTrainer, prepare_input
from shared.learning.online import Stream, evaluate, train
from shared.networks.optim import Adam, AdamW, clip_global_norm
from shared.networks.paper_lstm import PaperLSTM
from shared.networks import tape_steps
from shared.networks.recurrent import RNN
from shared.learning.stopping import StoppingRule


def streams(seed: int) -> dict[str, np.random.Generator]:
    """A seed's independent generators: the initial weights, the training stream, the test set."""
    return {name: np.random.default_rng([seed, i]) for i, name in enumerate(("init", "train", "test"))}


@dataclass
class Trial:
    """One seed's outcome: where the rule stopped it (None: not within the budget), the sequences
    it saw, the rule's window error at the stop, the test figures, the learning curve [[seen,
    window error], ...] and (on request) the final weights."""

    seed: int
    stopped_at: int | None
    seen: int
    train_error_at_stop: float | None
    test: dict
    curve: list = field(default_factory=list)
    params: dict | None = None
    train_mae_at_stop: float | None = None     # the window's mean of sqrt(E) (|e| for one output) at the stop
    below_at: int | None = None                # sequences until the window's mean E first fell below the rule's bound

    @property
    def solved(self) -> bool:
        return self.stopped_at is not None

    def row(self) -> dict:
        return {"seed": self.seed, "solved": self.solved, "sequences": self.stopped_at, "seen": self.seen,
                "train_error_at_stop": self.train_error_at_stop, "train_mae_at_stop": self.train_mae_at_stop,
                "sequences_to_train_error_below": self.below_at, **self.test}


def end_outputs(outputs: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(P, K, T, O) outputs -> (P, K, O) at each sequence's last step."""
    return np.take_along_axis(outputs, lengths[..., None, None] - 1, axis=2)[:, :, 0]


def train_and_test(net: PaperLSTM, seeds, make: Callable, score: Callable, test_figures: Callable,
                   rule: StoppingRule, lr: float, budget: int, test_size: int, every: int = 1000,
                   keep_params: bool = False, watch=None, batch: int = 1) -> list[Trial]:
    """Train the bank ``net`` (trial p = seeds[p], its initial weights from streams(seed)["init"])
    on line on each seed's training stream until the rule stops it or ``budget`` sequences pass
    (``batch`` > 1: the weights change once per that many sequences, their changes summed); then
    test every trial on ``test_size`` fresh sequences of its own test stream."""
    stream = Stream(make, [streams(s)["train"] for s in seeds], per_draw=batch)

    def rule_score(outputs, episode):
        error, correct = score(end_outputs(outputs, episode.lengths), episode.targets[:, :, 0])
        return np.sqrt(error), correct                  # the rule's window mean square is then the mean of E

    history = train(net, stream, rule_score, rule, lr, budget, every=every,
                    label=f"seeds {seeds[0]}-{seeds[-1]}: " + ("sequences" if batch == 1 else "updates"), watch=watch)
    test = Stream(make, [streams(s)["test"] for s in seeds]).batch(test_size)
    ends = evaluate(net, np.arange(len(seeds)), test, last=True)
    seen, window_error, _ = history.curve()
    trials = []
    for p, seed in enumerate(seeds):
        stopped = int(rule.stopped_at[p]) if rule.stopped_at[p] >= 0 else None
        keep = seen <= (stopped or rule.seen)
        trials.append(Trial(seed, stopped, stopped or rule.seen,
                            None if stopped is None else float(rule.at_stop["train_mse"][p]),
                            test_figures(ends[p], test.targets[p, :, 0]),
                            [[int(s), float(e)] for s, e in zip(seen[keep], window_error[keep, p])],
                            {k: v[p].copy() for k, v in net.params.items()} if keep_params else None,
                            None if stopped is None else float(rule.at_stop["train_mae"][p]),
                            int(rule.mse_below_at[p]) if rule.mse_below_at[p] >= 0 else None))
    return trials


def train_in_batches(learner, seed: int, make: Callable, score: Callable, test_figures: Callable,
                     rule: StoppingRule, budget: int, batch: int, test_size: int, label: str = "",
                     watch=None, watch_every: int = 2000) -> Trial:
    """A comparison learner (ours) on the seed's own training stream, ``batch`` sequences per
    update, scored by the same rule (each sequence as answered before the update), then tested.
    learner.train_batch(inputs, lengths, targets) -> end outputs before the update, and
    learner.outputs(inputs, lengths) -> end outputs; inputs as ``make`` gives them. ``watch(seen,
    learner)``, if given, is called after the update that passes each multiple of ``watch_every``
    sequences (e.g. a frozen test while training)."""
    rng = streams(seed)
    stream = Stream(make, [rng["train"]], block=batch)
    curve = []
    steps = budget // batch
    progress = Progress(steps, label=f"{label} seed {seed}: batch")
    for step in range(1, steps + 1):
        data = stream.batch(batch)
        targets = data.targets[0, :, 0]
        error, correct = score(learner.train_batch(data.inputs[0], data.lengths[0], targets), targets)
        rule.update(np.sqrt(error)[:, None], correct[:, None])
        done = not rule.active[0]
        if watch is not None and rule.seen // watch_every > (rule.seen - batch) // watch_every:
            watch(rule.seen, learner)
        if rule.seen % 1024 < batch or done or step == steps:
            curve.append([rule.seen, float(rule.window_mse()[0])])
            progress.update(step, sequences=rule.seen, train_error=curve[-1][1])
        if done:
            break
    test = Stream(make, [rng["test"]]).batch(test_size)
    ends = np.concatenate([learner.outputs(test.inputs[0, i:i + 512], test.lengths[0, i:i + 512])
                           for i in range(0, test_size, 512)])
    stopped = int(rule.stopped_at[0]) if rule.stopped_at[0] >= 0 else None
    return Trial(seed, stopped, stopped or rule.seen, None if stopped is None else float(rule.at_stop["train_mse"][0]),
                 test_figures(ends, test.targets[0, :, 0]), curve)


class RNNLearner:
    """A comparison learner (ours) for ``train_in_batches``: a tanh RNN of ``hidden`` units on
    one-hot symbol codes, read at each sequence's last step, trained by BPTT with Adam on the mean
    squared error, gradients clipped at norm 1."""

    def __init__(self, symbols: int, hidden: int, outputs: int, lr: float, rng: np.random.Generator):
        self.symbols = symbols
        self.model = RNN(symbols, hidden, outputs, readout="last", init_scale=0.1, rng=rng)
        self.optimizer = Adam(self.model.params, lr=lr)

    @property
    def weights(self) -> int:
        return self.model.num_params

    def outputs(self, codes, lengths) -> np.ndarray:
        return self.model.forward(one_hot(codes, self.symbols), lengths=lengths)

    def train_batch(self, codes, lengths, targets) -> np.ndarray:
        y = self.outputs(codes, lengths)
        grads = self.model.backward(2.0 * (y - targets) / y.size)      # mean squared error
        clip_global_norm(grads, 1.0)
        self.optimizer.step(grads)
        return y


class OdyssLearner:
    """A comparison learner (ours): the OdyssNet core, the inputs on its first ``symbols`` neurons
    and the outputs on its last ``outputs``, one thinking step per input step, each sequence read at
    its own last step, trained by the core's BPTT and AdamW (OdyssNetTrainer: the squared error of
    the end outputs). ``train_batch``/``outputs`` take symbol codes (one-hot on the input neurons);
    ``train_inputs``/``outputs_of`` take real-valued inputs (B, T, symbols) as they are. Sequences
    start at step 0 and a batch runs to its longest one; a shorter sequence's later steps do not
    reach its answer. (Right-aligning them instead would start short sequences after steps of no
    input, where the core's state is exactly 0 and StepNorm's derivative is 1/sqrt(eps): the first
    gradient would be all bias.)"""

    def __init__(self, symbols: int, neurons: int, outputs: int, lr: float, rng: np.random.Generator):
        self.symbols = symbols
        self.model = OdyssNet(neurons, list(range(symbols)), list(range(neurons - outputs, neurons)),
                              pulse_mode=False, rng=rng)
        self.trainer = OdyssNetTrainer(self.model, lr=lr)

    @property
    def weights(self) -> int:
        return int(self.model.get_num_params())

    def outputs_of(self, x, lengths) -> np.ndarray:
        """(B, outputs) at each sequence's last step; x (B, T, symbols), lengths (B,)."""
        lengths = np.asarray(lengths)
        steps = int(np.max(lengths))
        return self.trainer.predict(np.asarray(x)[:, :steps], steps, full_sequence=True)[np.arange(len(lengths)),
                                                                                          lengths - 1]

    def train_inputs(self, x, lengths, targets) -> np.ndarray:
        """One update on end targets (B, outputs); returns the end outputs before the update."""
        lengths = np.asarray(lengths)
        steps, rows, ends = int(np.max(lengths)), np.arange(len(lengths)), lengths - 1
        targets = np.asarray(targets, dtype=float)
        y = np.zeros((len(rows), steps, targets.shape[-1]))
        mask = np.zeros((len(rows), steps, 1))
        y[rows, ends], mask[rows, ends] = targets, 1.0
        self.trainer.train_batch(np.asarray(x)[:, :steps], y, thinking_steps=steps, full_sequence=True, mask=mask)
        return self.trainer.last_predictions[rows, ends]

    def outputs(self, codes, lengths) -> np.ndarray:
        return self.outputs_of(one_hot(np.asarray(codes), self.symbols), lengths)

    def train_batch(self, codes, lengths, targets) -> np.ndarray:
        return self.train_inputs(one_hot(np.asarray(codes), self.symbols), lengths, targets)


# Comparison learners (ours) with a target at every step: codes (B, T) symbol codes, targets
# (B, T, O), weights (B, T) (which steps count, 0 for padding). learn() returns the outputs
# before its update, so a stopping rule can score each sequence as answered before it was learnt.

class StepRNNLearner:
    """A tanh RNN of ``hidden`` units on one-hot codes, logistic outputs at every step, trained by
    BPTT with Adam on the cross-entropy of the logistic outputs (gradient y - t per output), the
    steps weighted and averaged, gradients clipped at norm 1."""

    def __init__(self, symbols: int, hidden: int, outputs: int, lr: float, rng: np.random.Generator):
        self.symbols = symbols
        self.model = RNN(symbols, hidden, outputs, readout="all", init_scale=0.1, rng=rng)
        self.optimizer = Adam(self.model.params, lr=lr)

    @property
    def weights(self) -> int:
        return int(sum(v.size for v in self.model.params.values()))

    def outputs(self, codes) -> np.ndarray:
        return 0.5 + 0.5 * np.tanh(0.5 * self.model.forward(one_hot(codes, self.symbols)))

    def learn(self, codes, targets, weights) -> np.ndarray:
        y = self.outputs(codes)
        grads = self.model.backward((y - targets) * weights[..., None] / weights.sum())
        clip_global_norm(grads, 1.0)
        self.optimizer.step(grads)
        return y


class StepOdyssLearner:
    """The OdyssNet core on one-hot codes: the inputs on its first ``symbols`` neurons, the outputs
    read from its last ``outputs`` neurons, each symbol held for ``thinking_steps`` steps and the
    outputs read at the last of them; the weighted mean squared error over the steps and outputs,
    AdamW without weight decay, gradients clipped at norm 1."""

    def __init__(self, symbols: int, neurons: int, outputs: int, lr: float, rng: np.random.Generator,
                 thinking_steps: int = 1):
        self.symbols, self.outputs_n, self.thinking_steps = symbols, outputs, thinking_steps
        self.model = OdyssNet(neurons, list(range(symbols)), list(range(neurons - outputs, neurons)),
                              pulse_mode=False, rng=rng)
        self.optimizer = AdamW(self.model.params, lr=lr, weight_decay=0.0)

    @property
    def weights(self) -> int:
        return int(self.model.get_num_params())

    def _run(self, codes):
        x = prepare_input(one_hot(codes, self.symbols), self.model.input_ids, self.model.num_neurons)
        states, _ = self.model.forward(x, self.thinking_steps * codes.shape[1])
        return states[..., self.model.output_ids], states

    def outputs(self, codes) -> np.ndarray:
        self.model.eval()
        y, _ = self._run(codes)
        self.model.train()
        return y

    def learn(self, codes, targets, weights) -> np.ndarray:
        y, states = self._run(codes)
        d = np.zeros_like(states)
        d[..., self.model.output_ids] = 2.0 * (y - targets) * weights[..., None] / (weights.sum() * self.outputs_n)
        grads = self.model.backward(d)
        clip_global_norm(grads, 1.0)
        self.optimizer.step(grads)
        self.model.enforce_structure()
        return y


def one_hot(codes: np.ndarray, symbols: int) -> np.ndarray:
    """(B, T) symbol codes, -1 for none -> (B, T, symbols)."""
    return np.where(codes[..., None] >= 0, np.eye(symbols)[np.maximum(codes, 0)], 0.0)


def seed_record(trials: list[Trial], columns) -> dict:
    """The record's ``seeds`` block: per-seed rows (printed as a table) and the summary of the
    sequences to the rule over the runs that stopped."""
    rows = [t.row() for t in trials]
    print(format_table(columns, [[row[c] for c in columns] for row in rows]))
    summary = summarize([r["sequences"] for r in rows], [r["solved"] for r in rows])
    for key in ("mean", "median", "min", "max"):
        summary[key] = None if summary[key] is None else int(round(summary[key]))
    summary["metric"] = "sequences"
    return {"per_seed": rows, "summary": summary}


def sequences_summary(trials: list[Trial], paper: int | None) -> dict:
    """Runs stopped, mean/median/range of the sequences to the rule, and the mean against the paper's."""
    s = summarize([t.stopped_at for t in trials], [t.solved for t in trials])
    mean = None if s["mean"] is None else int(round(s["mean"]))
    return {"stopped": f"{s['n_solved']}/{s['n_runs']}", "mean": mean,
            "median": None if s["median"] is None else int(round(s["median"])),
            "range": "-" if s["min"] is None else f"{int(s['min'])} - {int(s['max'])}",
            "ratio": "-" if mean is None or not paper else f"{mean / paper:.2f}x",
            "tested": [t for t in trials if t.solved] or trials}


RESULT_COLUMNS = ["setup", "weights", "runs stopped", "mean sequences to the rule", "median", "range", "paper",
                  "mean / paper", "mean test error", "mean wrong of the test set", "most wrong of the test set"]


def result_row(name: str, weights: int, trials: list[Trial], paper: int | None) -> list:
    """A row of RESULT_COLUMNS: how a setup does over its seeds (test figures over the runs that
    stopped, or over all runs when none did)."""
    s = sequences_summary(trials, paper)
    tested = [t.test for t in s["tested"]]
    return [name, weights, s["stopped"], f"none stopped in {trials[0].seen:,}" if s["mean"] is None else s["mean"],
            "-" if s["median"] is None else s["median"], s["range"], paper, s["ratio"],
            float(np.mean([t["test_error"] for t in tested])), float(np.mean([t["wrong"] for t in tested])),
            max(t["wrong"] for t in tested)]


def headline_of(trials: list[Trial], weights: int, paper: int | None) -> dict:
    """The record's headline figures for a sweep (multi-seed summaries)."""
    row = result_row("", weights, trials, paper)
    return {"seeds": len(trials), "runs_stopped": row[2],
            "mean_sequences_to_rule": row[3] if isinstance(row[3], int) else None,
            "median_sequences_to_rule": row[4] if isinstance(row[4], int) else None,
            "tested": "at the stop" if any(t.solved for t in trials) else "at the budget's end",
            "mean_wrong": row[9], "most_wrong": row[10], "mean_test_error": row[8], "weights": weights}


def _count(mean: float) -> str:
    """A mean count of sequences as a reader reads it: 2,342 or 23.5 or 0.429 (never 2.34e+03)."""
    return f"{mean:,.0f}" if abs(mean) >= 100 else f"{mean:.3g}"


def summary_line(name: str, trials: list[Trial], paper: int | None, paper_wrong, where: str, test_size: int) -> str:
    """The catalog's one-line summary of a sweep, against the paper's figures (``where`` they stand)."""
    row = result_row(name, 0, trials, paper)
    if any(t.solved for t in trials):
        reached = f"after a mean {row[3]:,} training sequences" + (f" ({where}: {paper:,})" if paper else "") + "; then "
    else:
        reached = f"within {trials[0].seen:,} sequences; at the budget's end, "
    return (f"{name}: {row[2]} seeds meet the paper's stopping rule {reached}mean {_count(row[9])} of {test_size} test "
            f"sequences wrong" + (f" ({where}: {paper_wrong})" if paper_wrong is not None else ""))


# A comparison learner (ours) for the guessing problems (rs-parity, rs-two-sequence): a class at
# each sequence's end, the papers' criterion |output - class| < tolerance on every sequence.

def _end_outputs_by_length(trainer: OdyssNetTrainer, x: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The output at each sequence's own last step: sequences of one length run together (no padding:
    a zero-input prefix would hold the core's state at exactly 0, where StepNorm's gradient explodes)."""
    out = np.zeros(len(lengths))
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        out[rows] = trainer.predict(x[rows, :length], int(length))[:, 0]
    return out


def odyssnet_end_classifier(train_set: tuple, test_set: tuple, epochs: int, cut_targets: Callable, *,
                            neurons: int, lr: float, batch: int, tolerance: float,
                            model_rng: np.random.Generator, order_rng: np.random.Generator) -> dict:
    """The OdyssNet core, input on neuron 0, the class read from its last neuron at each sequence's
    last step; AdamW on mini-batches of ``batch`` training sequences per epoch, in an order drawn from
    ``order_rng``, until every training sequence is classified within ``tolerance`` (checked after
    each epoch) or ``epochs`` run out.

    train_set, test_set: (x (k, T, 1), lengths (k,), classes (k,) in {0, 1}). A mini-batch is cut to
    its shortest sequence; ``cut_targets(x_cut (b, cut, 1), picked rows (b,))`` -> (b, 1) targets of
    the cut sequences (the task says whether the cut changes a class). Returns the figures of the
    run: solved, epochs, sequences_trained, train_accuracy, train_mse, test_accuracy, weights, curve
    ([epoch, training accuracy, training MSE] per epoch)."""
    x, n, cls = train_set
    tx, tn, tcls = test_set
    model = OdyssNet(neurons, [0], [neurons - 1], pulse_mode=False, rng=model_rng)
    trainer = OdyssNetTrainer(model, lr=lr)
    curve, first_solved = [], None
    for epoch in range(1, epochs + 1):
        order = order_rng.permutation(len(n))
        for start in range(0, len(n), batch):
            pick = order[start:start + batch]
            cut = int(n[pick].min())
            trainer.train_batch(x[pick, :cut], cut_targets(x[pick, :cut], pick), thinking_steps=cut)
        out = _end_outputs_by_length(trainer, x, n)
        acc = float(np.mean(np.abs(out - cls) < tolerance))
        curve.append([epoch, round(acc, 4), round(float(np.mean((out - cls) ** 2)), 5)])
        if acc == 1.0:
            first_solved = epoch
            break
    test_out = _end_outputs_by_length(trainer, tx, tn)
    return {"solved": first_solved is not None, "epochs": len(curve), "sequences_trained": len(curve) * len(n),
            "train_accuracy": curve[-1][1], "train_mse": curve[-1][2],
            "test_accuracy": float(np.mean(np.abs(test_out - tcls) < tolerance)),
            "weights": int(model.get_num_params()), "curve": curve}


# ----------------------------------------------------------------------------------------------------
# Data movement (issue 21): the rows of bin/movement.py for the paper's LSTM and the comparison learners

def steps_to_solve(part: dict, per_step: int = 1):
    """A record part's median sequences to the stopping rule over solved seeds, in steps of ``per_step``
    sequences (None when no seed solved)."""
    median = ((part.get("seeds") or {}).get("summary") or {}).get("median")
    return None if median is None else median / per_step


def movement_rows(record: dict, paper: dict, n_in: int, n_out: int, length: int, batch: int, rnn_hidden: int,
                  odyssnet_neurons: int, forget_gate: bool = False, odyssnet_itemsize: int = 8) -> list[dict]:
    """The data-movement rows of a long-lag stub: the paper's LSTM learning on line (one sequence of
    ``length`` steps per step, error at the end; ``paper``: its blocks, block_size, size text and the record
    part its steps to solve come from, {"part": None} for the stub's own run, and optionally "step": keywords
    of ``tape_steps.paper_lstm_step`` for a net that differs, e.g. {"output_bias": False}) and, where the
    record holds them, the comparison learners of this module, one batch of ``batch`` sequences per step
    (RNNLearner: Adam, float64; OdyssLearner: AdamW in float64, OdyssNet's default dtype, as it runs;
    ``odyssnet_itemsize=4`` prices a float32 net)."""
    part = record if paper.get("part") is None else record.get(paper["part"], {})
    where = "seeds.summary" if paper.get("part") is None else f"[{paper['part']}]"
    rows = [{"row": "paper LSTM", "family": "gradient", "step": f"one training sequence ({length} steps)",
             "size": paper["size"],
             "program": lambda tape: tape_steps.paper_lstm_step(tape, n_in, paper["blocks"], paper["block_size"],
                                                                n_out, length, forget_gate=forget_gate,
                                                                **paper.get("step", {})),
             "steps_to_solve": steps_to_solve(part),
             "steps_from": f"median sequences to the stopping rule over solved seeds ({where})"}]
    comparisons = {
        "odyssnet": ("OdyssNet core", f"{odyssnet_neurons} neurons, AdamW, float{8 * odyssnet_itemsize}",
                     lambda tape: tape_steps.odyssnet_step(tape, odyssnet_neurons, n_in, n_out, length, batch=batch,
                                                           targets="last", itemsize=odyssnet_itemsize)),
        "rnn": ("tanh RNN", f"{rnn_hidden} tanh units, Adam, float64",
                lambda tape: tape_steps.rnn_step(tape, n_in, rnn_hidden, n_out, length, batch=batch, optimizer="adam",
                                                 targets="last"))}
    for name, (row, size, program) in comparisons.items():
        if name in record:
            rows.append({"row": row, "family": "gradient", "step": f"one batch of {batch} sequences", "size": size,
                         "program": program, "steps_to_solve": steps_to_solve(record[name], batch),
                         "steps_from": f"[{name}] median sequences to the stopping rule / {batch}"})
    return rows
