"""Random weight guessing (RG) over small recurrent nets, many guesses at once.

Hochreiter & Schmidhuber (1996), "LSTM can solve hard long time lag problems", NIPS 9, Sec. 1;
Schmidhuber, Hochreiter & Bengio (2001), "Evaluating benchmark problems by random guessing" (IDSIA's
transcription guessing2001, node 2): "REPEAT randomly initialize the weights UNTIL the resulting net
happens to classify all training sequences correctly. Then test on a separate test set." A trial is
one guess of all the weights; the papers report the number of trials to the first net that passes.

- ``guess(draw, score, rng, batch, max_trials=, max_cost=)``: the search. Guesses are drawn ``batch`` at a time
  and scored in one vectorised pass, but taken in the order drawn, so the trial at which it stops
  is the one a one-guess-at-a-time search on the same random stream stops at (tested).
- ``Architecture``: a small fully or partly connected recurrent net as masks (which unit reads
  which, which unit has a bias, which units are tanh and which logistic); ``a1`` and ``a2`` are
  the 2001 paper's two architectures. ``end_outputs(arch, weights, x, lengths, layered=)`` runs n
  guessed nets on k sequences at once and returns the output units at each sequence's last step.
- ``all_correct(...)``: scores guesses on a training set in growing stages, so a guess is dropped
  at its first misclassified sequence (most die on the first few), and reports the sequences run.

The net (synchronous, the standard discrete-time recurrent net): every non-input unit u at step t,
a_u(t) = f_u(sum_v W[v, u] a_v(t - 1) + sum_i U[i, u] x_i(t) + b_u), activations 0 at each
sequence's start; the outputs are the last ``outputs`` units, read at the sequence's last step.
``layered=True`` updates the hidden units first and then the outputs, which read the hidden units
of the same step (a_h(t) for hidden h, a_o(t - 1) for outputs): one reading of the 2001 paper's nets
(rs-parity shows that parity needs it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


# ----------------------------------------------------------------------------------------
# The search
# ----------------------------------------------------------------------------------------


@dataclass
class Found:
    """The outcome of a search: whether a guess passed, the trials run up to and including it (or
    all trials run), what the score charged for them (e.g. sequences run), and the passing weights."""

    found: bool
    trials: int
    cost: int
    weights: np.ndarray | None


def guess(draw: Callable, score: Callable, rng: np.random.Generator, batch: int, max_trials: int | None = None,
          max_cost: int | None = None) -> Found:
    """Random search: ``draw(rng, n)`` -> (n, d) guesses, in order; ``score(guesses)`` -> (passed (n,)
    bool, cost (n,) ints, e.g. the sequences each guess was run on). Stops at the first guess, in draw
    order, that passes, or when ``max_trials`` guesses have been run, or when the summed cost would
    pass ``max_cost`` (a guess that passes beyond it does not count). ``Found.cost`` sums the cost of
    the guesses up to the stop (``max_cost`` when the budget ran out inside a batch)."""
    if batch < 1 or (max_trials is None and max_cost is None) or (max_trials is not None and max_trials < 1) \
            or (max_cost is not None and max_cost < 1):
        raise ValueError(f"need batch >= 1 and a budget (max_trials or max_cost >= 1), got batch {batch}, "
                         f"max_trials {max_trials}, max_cost {max_cost}")
    trials = cost = 0
    while (max_trials is None or trials < max_trials) and (max_cost is None or cost < max_cost):
        n = batch if max_trials is None else min(batch, max_trials - trials)
        w = draw(rng, n)
        passed, spent = score(w)
        total = cost + np.cumsum(np.asarray(spent, np.int64))
        ok = np.asarray(passed, bool) & (True if max_cost is None else total <= max_cost)
        if ok.any():
            first = int(np.argmax(ok))
            return Found(True, trials + first + 1, int(total[first]), w[first])
        if max_cost is not None and total[-1] > max_cost:
            return Found(False, trials + int((total <= max_cost).sum()), max_cost, None)
        trials, cost = trials + n, int(total[-1])
    return Found(False, trials, cost, None)


def uniform_prior(low: float, high: float, size: int) -> Callable:
    """draw(rng, n): n guesses, every weight i.i.d. uniform in [low, high] (the 2001 paper: [-100, 100])."""
    def draw(rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(low, high, (n, size))
    return draw


# ----------------------------------------------------------------------------------------
# The guessed nets
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Architecture:
    """Which weights exist: ``connections`` (units, units) bool, [v, u] = unit v feeds unit u (the
    recurrent weights, read at t - 1); ``input_to`` (inputs, units) bool; ``biased`` (units,) bool;
    ``tanh`` (units,) bool, the others logistic. The last ``outputs`` units are the outputs. The flat
    weight vector holds the existing weights in the order connections, input_to, biases (row-major)."""

    connections: np.ndarray
    input_to: np.ndarray
    biased: np.ndarray
    tanh: np.ndarray
    outputs: int = 1

    def __post_init__(self):
        units = self.connections.shape[0]
        if self.connections.shape != (units, units) or self.input_to.shape[1] != units or \
                self.biased.shape != (units,) or self.tanh.shape != (units,) or not 1 <= self.outputs <= units:
            raise ValueError("connections (U, U), input_to (I, U), biased (U,), tanh (U,), 1 <= outputs <= U")

    @property
    def units(self) -> int:
        return self.connections.shape[0]

    @property
    def inputs(self) -> int:
        return self.input_to.shape[0]

    @property
    def size(self) -> int:
        """The number of free weights (what a guess draws)."""
        return int(self.connections.sum() + self.input_to.sum() + self.biased.sum())

    def unpack(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(n, size) guesses -> W (n, U, U), U_in (n, I, U), b (n, U), zeros where no weight exists."""
        weights = np.asarray(weights, dtype=float)
        if weights.ndim != 2 or weights.shape[1] != self.size:
            raise ValueError(f"weights must be (n, {self.size}), got {weights.shape}")
        n, parts, at = len(weights), [], 0
        for mask in (self.connections, self.input_to, self.biased):
            full = np.zeros((n,) + mask.shape)
            count = int(mask.sum())
            full[:, mask] = weights[:, at:at + count]
            parts.append(full)
            at += count
        return parts[0], parts[1], parts[2]


def _kinds(units: int, hidden_tanh: bool, output_tanh: bool, outputs: int) -> np.ndarray:
    return np.array([hidden_tanh] * (units - outputs) + [output_tanh] * outputs)


def a1(hidden: int, inputs: int = 1, outputs: int = 1, hidden_tanh: bool = False, output_tanh: bool = False,
       output_bias: bool = True) -> Architecture:
    """The 2001 paper's A1: "a recurrent, fully connected net with 1 input, 1 output, and n hidden
    units. Each hidden unit has a bias weight" (guessing2001, node 2). Every unit reads every unit
    (itself included) and the inputs; ``output_bias``: whether the output unit has a bias too (the
    text names only the hidden units')."""
    units = hidden + outputs
    biased = np.ones(units, bool)
    biased[hidden:] = output_bias
    return Architecture(np.ones((units, units), bool), np.ones((inputs, units), bool), biased,
                        _kinds(units, hidden_tanh, output_tanh, outputs), outputs)


def a2(hidden: int = 10, self_connections: bool = True, hidden_tanh: bool = False,
       output_tanh: bool = False) -> Architecture:
    """The 2001 paper's A2: A1 with n = 10, "but less densely connected: each hidden unit sees the
    input unit, the output unit, and itself; the output unit sees all other units; all units are
    biased" (node 2). One input, one output; ``self_connections=False`` drops the hidden units'
    self-loops (a reading the rs-parity problem settles)."""
    units = hidden + 1
    connections = np.zeros((units, units), bool)
    connections[hidden, :hidden] = True                  # the output feeds every hidden unit
    if self_connections:
        connections[np.arange(hidden), np.arange(hidden)] = True
    connections[:hidden, hidden] = True                   # every hidden unit feeds the output
    return Architecture(connections, np.ones((1, units), bool), np.ones(units, bool),
                        _kinds(units, hidden_tanh, output_tanh, 1), 1)


def _activate(net_in: np.ndarray, tanh: np.ndarray) -> np.ndarray:
    return np.where(tanh, np.tanh(net_in), 0.5 + 0.5 * np.tanh(0.5 * net_in))


def end_outputs(arch: Architecture, weights: np.ndarray, x: np.ndarray, lengths: np.ndarray,
                layered: bool = False) -> np.ndarray:
    """n guessed nets on k sequences at once: weights (n, size), x (k, T, inputs), lengths (k,) ->
    the output units at each sequence's last step, (n, k, outputs). ``layered``: the hidden units
    first, then the outputs reading them at the same step (see the module docstring)."""
    x = np.asarray(x, dtype=float)
    lengths = np.asarray(lengths)
    if x.ndim != 3 or x.shape[2] != arch.inputs or lengths.shape != (x.shape[0],) or \
            lengths.min(initial=1) < 1 or lengths.max(initial=0) > x.shape[1]:
        raise ValueError(f"x must be (k, T, {arch.inputs}) and lengths (k,) in 1..T, got {x.shape} and {lengths.shape}")
    w, u, b = arch.unpack(weights)
    n, k = len(w), x.shape[0]
    state = np.zeros((n, k, arch.units))
    ends = np.zeros((n, k, arch.outputs))
    hidden = arch.units - arch.outputs
    w_h, w_o = w[:, :, :hidden], w[:, :, hidden:]
    tanh_h, tanh_o = arch.tanh[:hidden], arch.tanh[hidden:]
    for t in range(int(lengths.max())):
        if layered:
            drive = np.einsum("ki,niu->nku", x[:, t], u) + b[:, None, :]
            h = _activate(np.matmul(state, w_h) + drive[..., :hidden], tanh_h)
            state = np.concatenate([h, state[..., hidden:]], axis=2)
            o = _activate(np.matmul(state, w_o) + drive[..., hidden:], tanh_o)
            state = np.concatenate([h, o], axis=2)
        else:
            net = np.matmul(state, w) + np.einsum("ki,niu->nku", x[:, t], u) + b[:, None, :]
            state = _activate(net, arch.tanh)
        done = lengths - 1 == t
        if done.any():
            ends[:, done] = state[:, done, hidden:]
    return ends


def all_correct(arch: Architecture, weights: np.ndarray, x: np.ndarray, lengths: np.ndarray,
                correct: Callable, stages=(8, 32), layered: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Whether each guess classifies every sequence correctly, and the sequences it was run on.

    ``correct(end_outputs (m, s, outputs), rows (s,))`` -> (m, s) bool for the sequences ``rows``.
    Sequences run in stages (the first 8, up to 32, then the rest): a guess wrong on a stage's
    sequence is not run on later stages and is charged the sequences up to its first wrong one.
    ``layered``: as in ``end_outputs``."""
    n, k = len(weights), x.shape[0]
    alive = np.ones(n, bool)
    cost = np.zeros(n, np.int64)
    bounds = [0] + [s for s in stages if 0 < s < k] + [k]
    for start, stop in zip(bounds[:-1], bounds[1:]):
        live = np.flatnonzero(alive)
        if not len(live):
            break
        rows = np.arange(start, stop)
        ok = correct(end_outputs(arch, weights[live], x[rows], lengths[rows], layered), rows)
        wrong = ~ok
        failed = wrong.any(axis=1)
        cost[live] += np.where(failed, np.argmax(wrong, axis=1) + 1, stop - start)
        alive[live[failed]] = False
    return alive, cost
