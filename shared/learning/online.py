"""On-line training as the long-time-lag papers do it, for a bank of ``PaperLSTM`` trials.

Hochreiter & Schmidhuber (1997), Sec. 5 ("we always use on-line learning"; "net activations are
reset after each processed input sequence") and the Gers et al. papers that follow it: every trial
sees one sequence at a time, drawn fresh from its own generator; the truncated-gradient change of
each step with a target is added up; the weights change after the sequence (``per_step=True``:
after every step with a target, the strict reading of on-line RTRL; the two differ only where a
sequence has targets at several steps); activations, cell states and traces go back to 0; and a
``StoppingRule`` on the most recent training sequences, each scored before the update it causes,
decides when a trial stops. A stopped trial's weights stay as they were at its stop; it keeps
running beside the others (trials are rows of one bank), but it no longer learns.

A sequence batch is an ``Episode``: inputs, targets and target weights for K sequences per trial,
padded to the longest. ``run`` passes one through the net step by step; ``train`` is the loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from shared.frame.checks import integer, number
from shared.frame.cluster import pool
from shared.frame.experiment import Progress
from shared.networks.paper_lstm import PaperLSTM
from shared.learning.stopping import StoppingRule


@dataclass
class Episode:
    """K sequences for each of P trials, padded to T steps.

    inputs: (P, K, T, D) floats, or (P, K, T) integer symbol codes (-1: no input; one-hot on the
    net's side); targets: (P, K, T, O); weights: (P, K, T), nonzero where a step has a target
    (and how much its error counts); lengths: (P, K), steps past a sequence's length are padding.
    """

    inputs: np.ndarray
    targets: np.ndarray
    weights: np.ndarray
    lengths: np.ndarray

    @property
    def steps(self) -> int:
        return int(self.lengths.max())


def last_step(lengths: np.ndarray, steps: int) -> np.ndarray:
    """(..., steps) weights that are 1 at each sequence's last step only (targets at the end)."""
    lengths = np.asarray(lengths)
    return (np.arange(steps) == lengths[..., None] - 1).astype(float)


def at_the_end(inputs: np.ndarray, lengths: np.ndarray, target: np.ndarray) -> Episode:
    """An episode whose only targets are at each sequence's last step (the 1997 paper's Experiments
    2c-6): inputs (P, K, T[, D]), lengths (P, K), target (P, K, O)."""
    steps = inputs.shape[2]
    targets = np.broadcast_to(np.asarray(target)[:, :, None, :], inputs.shape[:3] + target.shape[-1:])
    return Episode(inputs, targets, last_step(lengths, steps), np.asarray(lengths))


class Stream:
    """Every trial's sequences, each trial from its own generator, drawn ``block`` at a time (so a
    trial's data do not depend on the bank it is in). make(rng, n) -> (inputs (n, T[, D]), lengths
    (n,), target (n, O)): n sequences with a target at the end, padded to a length T that does not
    depend on the draw. ``stream(n)``: the n-th draw of every trial, an Episode (P, per_draw, ...)
    (``per_draw`` consecutive sequences: one, or a batch learned with the weights held);
    ``stream.batch(n)``: the next n sequences of every trial at once, (P, n, ...), for test sets."""

    def __init__(self, make: Callable, rngs, block: int = 1000, per_draw: int = 1):
        self.per_draw = integer("per_draw", per_draw)
        self.make, self.rngs = make, list(rngs)
        self.block = per_draw * -(-integer("block", block) // per_draw)      # a whole number of draws
        self.drawn, self.first = None, 0

    def batch(self, n: int) -> Episode:
        parts = [self.make(rng, n) for rng in self.rngs]
        inputs, lengths, target = (np.stack([p[i] for p in parts]) for i in range(3))
        return at_the_end(inputs, lengths, target)

    def __call__(self, n: int) -> Episode:
        first = n * self.per_draw                            # the draw's first sequence
        if self.drawn is None or not self.first <= first < self.first + self.block:
            if self.drawn is not None and first != self.first + self.block:
                raise ValueError(f"sequences are drawn in order: asked for draw {n} after "
                                 f"{(self.first + self.block) // self.per_draw - 1}")
            self.first = first
            self.drawn = self.batch(self.block)
        i = slice(first - self.first, first - self.first + self.per_draw)
        d = self.drawn
        return Episode(d.inputs[:, i], d.targets[:, i], d.weights[:, i], d.lengths[:, i])


def run(net: PaperLSTM, episode: Episode, lr: float | None = None, trials: np.ndarray | None = None) -> np.ndarray:
    """Present the episode's sequences to ``net`` from a fresh start and return its outputs
    (P, K, T, O). A net started with ``learn=True`` adds the change of every step with a target;
    with ``lr``, the weights of ``trials`` ((P,) bool) change after every such step (forward
    traces, ``PaperLSTM.step``), otherwise they are held through the sequence (``PaperLSTM.sequence``:
    the same change, computed backward, at a third of the cost)."""
    P, K = episode.lengths.shape
    if (net.trials, net.streams) != (P, K):
        raise ValueError(f"the net runs {net.trials} trials x {net.streams} streams, the episode {P} x {K}")
    # The episode's full padded width, not its longest sequence: a trial's sums over time then
    # have the same shape in any bank (a product over 101 or 110 steps rounds differently), so a
    # seed computes the same alone, beside any other seeds, or in another process.
    steps = episode.inputs.shape[2]
    inputs = episode.inputs
    if inputs.ndim == 3:                                    # no input past a sequence's end
        inputs = np.where(np.arange(steps) < episode.lengths[..., None], inputs, -1)
    if not net.learn:
        return net.sequence(inputs)
    targets, weights = episode.targets, episode.weights
    if lr is None:
        return net.sequence(inputs, targets, weights)
    out = np.zeros((P, K, steps, net.outputs), net.dtype)
    net.reset()
    has_target = weights.any(axis=(0, 1))
    for t in range(steps):
        if has_target[t]:
            out[:, :, t] = net.step(inputs[:, :, t], targets[:, :, t], weights[:, :, t])
            net.apply(lr, trials)
        else:
            out[:, :, t] = net.step(inputs[:, :, t])
    return out


@dataclass
class Training:
    """What ``train`` returns: the rule (stopped_at, at_stop, ...), and the learning curve sampled
    every ``every`` sequences: seen (n,), the window's MSE (n, P) and its fraction wrong (n, P)."""

    rule: StoppingRule
    seen: list = field(default_factory=list)
    window_mse: list = field(default_factory=list)
    window_wrong: list = field(default_factory=list)

    def curve(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return np.array(self.seen), np.array(self.window_mse), np.array(self.window_wrong)


def train(net: PaperLSTM, draw: Callable[[int], Episode], score: Callable[[np.ndarray, Episode], tuple],
          rule: StoppingRule, lr: float, budget: int, *, per_step: bool = False, every: int = 1000,
          label: str = "sequences", watch: Callable[[int, PaperLSTM], None] | None = None) -> Training:
    """Train every trial of ``net`` on line until the rule stops it or ``budget`` sequences pass.

    draw(n): the n-th draw of training sequences of every trial, an Episode with K sequences per
    trial (each trial from its own generator, so a trial's data do not depend on the others; K = 1
    is the papers' on-line learning, K > 1 changes the weights once per K sequences, their changes
    summed). score(outputs, episode): each sequence's error (P, K) (or (P,) when K = 1) for the
    rule's window and whether it was processed correctly, bool of the same shape. The curve is
    sampled every ``every`` sequences, when a trial stops and at the end; watch(seen, net) is
    called at the same points (snapshots for pictures).
    """
    lr, budget, every = number("lr", lr), integer("budget", budget), integer("every", every)
    episode = draw(0)
    P, K = episode.lengths.shape
    net.start(K)
    history = Training(rule)
    updates = -(-budget // K)
    progress = Progress(updates, label)
    for n in range(updates):
        episode = episode if n == 0 else draw(n)
        learning = rule.active.copy()
        outputs = run(net, episode, lr if per_step else None, learning)
        errors, correct = score(outputs, episode)
        stopped_now = rule.update(np.asarray(errors).reshape(P, K).T, np.asarray(correct).reshape(P, K).T)
        if not per_step:
            net.apply(lr, learning)
        if not learning.all():
            net.apply(0.0, ~learning)              # a stopped trial's change is dropped, not kept
        done = not rule.active.any()
        if rule.seen % every < K or stopped_now.any() or n + 1 == updates:       # each curve ends at its stop
            history.seen.append(rule.seen)
            history.window_mse.append(rule.window_mse())
            history.window_wrong.append(rule.wrong[:min(rule.seen, rule.recent)].mean(axis=0))
            progress.update(n + 1, stopped=int((~rule.active).sum()),
                            window_mse=float(np.median(history.window_mse[-1])))
            if watch is not None:
                watch(rule.seen, net)
        if done:
            break
    return history


def evaluate(net: PaperLSTM, trials, episode: Episode, chunk: int = 256, last: bool = False) -> np.ndarray:
    """Outputs (n, K, T, O) of the chosen trials ((n,) indices), frozen, on K sequences each
    (episode arrays with n rows), ``chunk`` sequences at a time: for test sets. ``last``: only each
    sequence's output at its last step, (n, K, O)."""
    frozen = net.frozen(np.asarray(trials))
    n, K = episode.lengths.shape
    out = np.zeros((n, K, net.outputs) if last else (n, K, episode.inputs.shape[2], net.outputs), net.dtype)
    for start in range(0, K, chunk):
        part = slice(start, min(K, start + chunk))
        frozen.start(part.stop - start, learn=False)
        piece = Episode(episode.inputs[:, part], episode.targets[:, part], episode.weights[:, part],
                        episode.lengths[:, part])
        y = run(frozen, piece)
        if last:
            out[:, part] = np.take_along_axis(y, piece.lengths[..., None, None] - 1, axis=2)[:, :, 0]
        else:
            out[:, part] = y
    return out


def over_banks(train_bank: Callable, seeds, workers: int = 1, *args) -> list:
    """train_bank(seeds, *args) -> one result per seed, run on the seeds dealt to ``workers`` banks
    in turn, one process each (shared.frame.cluster.pool); results in the order of ``seeds``. Since a trial
    computes the same in any bank, the split changes the wallclock, not the figures. train_bank
    must be a module-level function (it is sent to the worker processes)."""
    seeds, workers = list(seeds), integer("workers", workers)
    if workers == 1:
        return list(train_bank(seeds, *args))
    banks = [seeds[i::workers] for i in range(workers) if seeds[i::workers]]
    with pool(len(banks)) as executor:
        results = list(executor.map(_bank_job, [(train_bank, bank, args) for bank in banks]))
    by_seed = {seed: result for bank, rows in zip(banks, results) for seed, result in zip(bank, rows)}
    return [by_seed[seed] for seed in seeds]


def _bank_job(job):
    train_bank, seeds, args = job
    return list(train_bank(seeds, *args))
