"""LSTM: A Search Space Odyssey (Greff, Srivastava, Koutník, Steunebrink & Schmidhuber 2017), in miniature.

The paper takes the vanilla LSTM (V: input, forget and output gates, peepholes, tanh on the cell
input and on the cell output) and eight variants that each change one thing: no input gate
(NIG), no forget gate (NFG), no output gate (NOG), no input activation (NIAF), no output
activation (NOAF), no peepholes (NP), coupled input and forget gates (CIFG, i = 1 - f) and full
gate recurrence (FGR). Every variant gets its own random hyperparameter search on three data sets
(speech, handwriting, music). Its abstract: none of the variants improves on V significantly, and
the forget gate and the output activation are the most critical components.

Here the same method runs in miniature on two synthetic tasks, every variant with the same
budget and the same learning rates (stratified log-uniform draws from one generator) over many
seeds (a seed fixes the initial weights and the training data, so trials with the same seed are
paired across variants):

* ``stream`` (continual; the catalog's headline): B endless streams of values x_t ~ U(-1, 1) with
  reset flags (p = 1/12). The target at every step is the sign of the sum of x since the last
  reset. Streams are never cut: the state is carried from one training chunk to the next
  (truncated BPTT) and the test streams run 1000 steps from a zero state. A cell must integrate
  (the sum is unbounded), must forget at every reset, and must squash an unbounded sum into a +-1
  decision: the forget gate and an output squash matter by construction.
* ``adding`` (control): the adding problem of Hochreiter & Schmidhuber (1997) at T = 50, where
  every sequence starts from a zero state and nothing needs to be forgotten, trained for a budget
  at which V solves it.

All trials of one variant (learning rates x seeds) train side by side as one ``Population``: the
LSTM's weights carry a leading trial axis, so one pass of numpy's batched products serves every
trial, while every trial keeps its own gradient clipping and its own Adam step size. A trial's
arithmetic does not depend on which trials share its population (the tests check it bit for bit).
Scores are test mean squared errors; each variant's learning rate is chosen on a validation set.
The verdict is ``verdict(record)`` below, written before the recorded runs.

Run:  python3 lstm-search-space-odyssey/lstm_search_space_odyssey.py --n-seeds 20 --record
      python3 lstm-search-space-odyssey/lstm_search_space_odyssey.py --seed 20 --n-seeds 20 --record
"""

from __future__ import annotations

import math
import sys
import time
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, replace
from pathlib import Path

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.frame.cluster import ClusterError, pool, scheduler_address
from shared.frame.experiment import (Progress, conclude, format_table, format_value, int_at_most, positive_float,
                                     positive_int,
                                     require_seeds, stub_parser, summarize)
from shared.frame.gradcheck import check_gradients
from shared.networks.odyssnet import OdyssNet, OdyssNetTrainer
from shared.networks.optim import Adam, clip_global_norm
from shared.networks.recurrent import LSTM
from shared.networks import tape_steps
from shared.frame.verdict import (ALPHA, Claim, grade, judge, paired_better, paired_equivalent, pending)

SLUG = "lstm-search-space-odyssey"
VARIANTS = ["V", "NIG", "NFG", "NOG", "NIAF", "NOAF", "NP", "CIFG", "FGR"]
DESCRIPTION = {
    "V": "vanilla: three gates, peepholes, tanh in and out",
    "NIG": "no input gate (i = 1)",
    "NFG": "no forget gate (f = 1)",
    "NOG": "no output gate (o = 1)",
    "NIAF": "no input activation (g linear)",
    "NOAF": "no output activation (h = o c)",
    "NP": "no peepholes",
    "CIFG": "coupled input and forget gate (i = 1 - f)",
    "FGR": "full gate recurrence",
}
CITATION = ("Greff, K., Srivastava, R. K., Koutník, J., Steunebrink, B. R. & Schmidhuber, J. (2017). LSTM: A Search "
            "Space Odyssey. IEEE Transactions on Neural Networks and Learning Systems 28(10):2222–2232 "
            "(arXiv:1503.04069). Volume, issue and pages as printed in third-party reference lists; the "
            "arXiv title page was read.")
CLAIM = ("(Abstract) none of the eight variants improves upon the vanilla LSTM significantly, and the forget gate "
         "and the output activation function are its most critical components; (secondary sources) coupling the "
         "input and forget gates (CIFG) or removing the peepholes (NP) costs no significant performance, and full "
         "gate recurrence (FGR) brings no gain")
ABSTRACT = "Abstract (arXiv:1503.04069v2)"
SECONDARY = ("secondary: the paper's conclusions as quoted on bookmarks2022.blogspot.com (2015-03-18); "
             "not read in the paper")
SECONDARY_FGR = ("secondary: third-party reading notes (GitHub) and the conclusion quoted on "
                 "bookmarks2022.blogspot.com ('any of eight possible modifications does not significantly "
                 "improve'); not read in the paper")
PAPER_FIGURES = [
    {"name": "LSTM variants compared with V", "value": 8, "where": ABSTRACT},
    {"name": "tasks (speech, handwriting, polyphonic music)", "value": 3, "where": ABSTRACT},
    {"name": "experimental runs in total", "value": 5400, "where": ABSTRACT},
    {"name": "CPU time, years (approximately)", "value": 15, "where": ABSTRACT},
    {"name": "random-search trials per variant and data set", "value": 200,
     "where": "secondary: third-party summaries (listendock.com, GitHub reading notes); not read in the paper"},
]
DTYPE = np.float32  # training precision; gradient checks run in float64

# The verdict rule (see ``verdict``), fixed before the recorded runs.
MIN_SEEDS = 10      # every recorded search has at least this many seeds (issue 11)
VERDICT_SEEDS = 40  # the verdict rests on 40 seeds of the continual task (raised from 20: see ``verdict``)
MARGIN = 1.25       # "no significant difference": geometric-mean test-MSE ratio within 1/1.25 .. 1.25
SOLVED_SIGN_ERRORS = 0.05   # stream: a trial solves the task below 5% wrong signs
SOLVED_ADDING_MSE = 1 / 240  # adding: a trial solves it below a tenth of the target's variance (1/24)


def rng_for(seed: int, *purpose: int) -> np.random.Generator:
    """An independent generator for one purpose of one seed (initial weights, data, ...)."""
    return np.random.default_rng([seed, *purpose])


# ----------------------------------------------------------------------------------------
# The tasks
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    name: str
    title: str
    steps: int = 1000          # training batches per trial
    batch: int = 16            # streams (stream) or sequences (adding) per batch
    length: int = 50           # chunk length of the stream / sequence length of the adding problem
    hidden: int = 8            # memory cells
    evals: int = 10            # validation points along training
    val_size: int = 16         # validation streams (x val_length steps) or sequences
    val_length: int = 400
    test_size: int = 128       # test streams (x test_length steps) or sequences
    test_length: int = 1000
    reset_p: float = 1 / 12    # stream: probability of a reset flag per step

    @property
    def readout(self) -> str:
        return "all" if self.name == "stream" else "last"


ADDING_STEPS = 3000  # the control's budget: V solves the adding problem within it (found by exploration, below)
TASKS = {
    "stream": Task("stream", "continual stream: sign of the sum since the last reset"),
    "adding": Task("adding", "adding problem, T = 50 (control)", steps=ADDING_STEPS, evals=15, test_size=2048,
                   val_size=512),
}
DATA = {"stream": 1, "adding": 2}   # purpose codes of the data generators
INIT, VALIDATION, TEST = 10, 11, 12


class SignStream:
    """B endless streams of (x_t, reset flag); target sign(S_t), S_t = x_t + S_{t-1} unless a reset at t."""

    def __init__(self, rng: np.random.Generator, batch: int, reset_p: float):
        self.rng, self.reset_p = rng, reset_p
        self.total = np.zeros(batch)

    def chunk(self, length: int):
        """The next `length` steps: inputs (B, T, 2), targets (B, T, 1), running sums (B, T)."""
        batch = self.total.size
        x = self.rng.uniform(-1.0, 1.0, (batch, length))
        reset = self.rng.random((batch, length)) < self.reset_p
        running = np.cumsum(x, axis=1)                     # sum since the chunk began
        before = running - x                               # ... up to the step before
        steps = np.arange(length)
        last_reset = np.maximum.accumulate(np.where(reset, steps, -1), axis=1)
        rows = np.arange(batch)[:, None]
        # S_t = sum since the last reset; without a reset in this chunk, the carried sum plus the chunk's
        offset = np.where(last_reset >= 0, -before[rows, np.maximum(last_reset, 0)], self.total[:, None])
        sums = running + offset
        self.total = sums[:, -1].copy()
        inputs = np.stack([x, reset.astype(float)], axis=-1)
        return inputs, np.sign(sums)[..., None], sums


def adding_batch(rng: np.random.Generator, batch: int, length: int):
    """Adding problem (1997): values U(-1, 1), two marked steps, target 0.5 + (x1 + x2) / 4.

    The first mark lies in the first 10 steps, the second in the first half; inputs (B, T, 2),
    targets (B, 1).
    """
    x = rng.uniform(-1.0, 1.0, (batch, length))
    first = rng.integers(0, min(10, length // 2), batch)
    second = rng.integers(0, length // 2 - 1, batch)
    second = np.where(second >= first, second + 1, second)          # two distinct marks
    marks = np.zeros((batch, length))
    rows = np.arange(batch)
    marks[rows, first] = marks[rows, second] = 1.0
    target = 0.5 + (x[rows, first] + x[rows, second]) / 4.0
    return np.stack([x, marks], axis=-1), target[:, None]


# ----------------------------------------------------------------------------------------
# A population of LSTMs: the weights of K trials stacked along a leading axis
# ----------------------------------------------------------------------------------------


def _sigmoid_(x: np.ndarray) -> np.ndarray:
    """The logistic function in place, as 0.5 (1 + tanh(x / 2)) (the shared LSTM's formula, to the last bit)."""
    x *= 0.5
    np.tanh(x, out=x)
    x += 1.0
    x *= 0.5
    return x


class TrialAdam(Adam):
    """Adam with a learning rate per trial (broadcast over each weight array's trial axis)."""

    def __init__(self, params, lr_maps):
        super().__init__(params, lr=1.0)
        self.lr_maps = lr_maps

    def _update(self, name, param, grad):
        param -= self._step_direction(name, param, grad) * self.lr_maps[name]


class Population:
    """K independent LSTMs of one variant (sizes D -> H -> O), trained side by side.

    Every weight array of the shared LSTM gets a leading trial axis (W: (K, D, G), U: (K, H, G), ...),
    and the recurrence runs in numpy's batched products, so trials never mix. Trial k starts from the
    weights a stand-alone ``LSTM(D, H, O, rng=rng_for(seed_k, INIT))`` has, clips its own gradient to
    norm 1 and steps with its own Adam learning rate. Inside, states are laid out (K, H, B) so that a
    gate's rows are contiguous; inputs and outputs are (K, B, T, D) and (K, B, T, O) (or (K, B, O) for
    a read-out at the last step).
    """

    def __init__(self, variant: str, sizes: tuple[int, int, int], init_seeds, lrs, readout: str,
                 dtype=DTYPE, clip: float = 1.0):
        d, h, o = sizes
        self.variant, self.sizes, self.readout, self.clip = variant, sizes, readout, clip
        self.size = len(init_seeds)
        self.dtype = np.dtype(dtype)
        members = [LSTM(d, h, o, variant=variant, readout=readout, rng=rng_for(s, INIT), dtype=dtype)
                   for s in init_seeds]
        first = members[0]
        self.spec, self.gates, self.columns = first.spec, first.gates, first.columns
        self.gate_width, self.early_width = first.gate_width, first.early_width
        if {self.spec.cell_input, self.spec.cell_output} - {"tanh", "identity"}:
            raise ValueError("Population implements tanh or identity as the cell input and output activations")
        self.num_params = first.num_params
        self.params = {name: np.stack([m.params[name] for m in members]) for name in first.params}
        self.lrs = np.asarray(lrs, dtype=float)
        self.alive = np.ones(self.size, dtype=bool)
        self.lr_maps = {name: self.per_trial(self.lrs, value.ndim).astype(self.dtype)
                        for name, value in self.params.items()}
        self.optimizer = TrialAdam(self.params, self.lr_maps)
        self.state = None                                     # carried (h, c) of a continual stream
        self.cache = None

    @staticmethod
    def per_trial(values, ndim: int) -> np.ndarray:
        """(K,) values shaped to broadcast over an array with a leading trial axis and ndim axes."""
        return np.asarray(values).reshape((-1,) + (1,) * (ndim - 1))

    def member(self, j: int) -> dict:
        """Trial j's weights, shaped like a stand-alone LSTM's."""
        return {name: np.array(value[j]) for name, value in self.params.items()}

    def forward(self, x, initial_state=None) -> np.ndarray:
        """x (K, B, T, D) -> y (K, B, T, O) or (K, B, O); initial_state: (h, c), each (K, B, H).

        The cache keeps, per step, the activated gates and the squashed cell input in the columns of
        the pre-activation (``act``: (T, K, G, B)), the cell states and the squashed cell outputs.
        """
        x = np.asarray(x, dtype=self.dtype)
        k, batch, steps, d = x.shape
        p, spec, cols = self.params, self.spec, self.columns
        h_size = self.sizes[1]
        xt = np.ascontiguousarray(x.transpose(0, 2, 3, 1))                          # (K, T, D, B)
        UT = np.ascontiguousarray(np.swapaxes(p["U"], 1, 2))                        # (K, G, H)
        act = np.matmul(np.swapaxes(p["W"], 1, 2)[:, None], xt) + p["b"][:, None, :, None]
        act = np.ascontiguousarray(act.transpose(1, 0, 2, 3))                      # (T, K, G, B): x W + b, ...
        hs = np.empty((steps + 1, k, h_size, batch), self.dtype)
        cs = np.empty_like(hs)
        if initial_state is None:
            hs[0] = 0.0
            cs[0] = 0.0
        else:
            hs[0], cs[0] = (np.swapaxes(s, 1, 2) for s in initial_state)
        out = np.empty((steps, k, h_size, batch), self.dtype)                     # h(c_t)
        coupled = np.empty_like(out) if spec.input_gate == "coupled" else None   # i = 1 - f (CIFG)
        one = np.ones((k, h_size, batch), self.dtype)
        scratch = np.empty((k, h_size, batch), self.dtype)
        RT = np.ascontiguousarray(np.swapaxes(p["R"], 1, 2)) if "R" in p else None
        peep = {n: p[f"p_{n}"][:, :, None] for n in self.gates} if spec.peepholes else {}
        early = slice(0, self.early_width)
        for t in range(steps):
            a = act[t]                                                            # ... overwritten in place
            a += np.matmul(UT, hs[t])
            if RT is not None and t > 0:
                a[:, : self.gate_width] += np.matmul(RT, act[t - 1][:, : self.gate_width])
            c_prev = cs[t]
            for n in ("input", "forget"):
                if n in peep:
                    np.multiply(peep[n], c_prev, out=scratch)
                    a[:, cols[n]] += scratch
            if self.early_width:
                _sigmoid_(a[:, early])
            f = a[:, cols["forget"]] if spec.forget_gate else one
            if spec.input_gate == "sigmoid":
                i = a[:, cols["input"]]
            elif spec.input_gate == "coupled":
                i = np.subtract(1.0, f, out=coupled[t])
            else:
                i = one
            g = a[:, cols["cell"]]
            if spec.cell_input == "tanh":
                np.tanh(g, out=g)
            c = cs[t + 1]
            np.multiply(f, c_prev, out=c)
            np.multiply(i, g, out=scratch)
            c += scratch
            s = out[t]
            if spec.cell_output == "tanh":
                np.tanh(c, out=s)
            else:
                s[...] = c
            if spec.output_gate:
                o = a[:, cols["output"]]
                if "output" in peep:
                    np.multiply(peep["output"], c, out=scratch)
                    o += scratch
                _sigmoid_(o)
                np.multiply(o, s, out=hs[t + 1])
            else:
                hs[t + 1] = s
        self.cache = {"x": xt, "hs": hs, "cs": cs, "act": act, "out": out, "coupled": coupled}
        self.final_state = (np.swapaxes(hs[steps], 1, 2).copy(), np.swapaxes(cs[steps], 1, 2).copy())
        VT = np.swapaxes(p["V"], 1, 2)                                            # (K, O, H)
        if self.readout == "last":
            return np.swapaxes(np.matmul(VT, hs[steps]), 1, 2) + p["c"][:, None, :]
        y = np.matmul(VT[:, None], hs[1:].transpose(1, 0, 2, 3))                   # (K, T, O, B)
        return y.transpose(0, 3, 1, 2) + p["c"][:, None, None, :]

    def backward(self, dy) -> dict:
        """Gradients (keyed and shaped like ``params``) of a loss whose gradient with respect to y is dy (BPTT)."""
        c = self.cache
        if c is None:
            raise RuntimeError("backward needs a forward pass first")
        p, spec, cols = self.params, self.spec, self.columns
        hs, cs, act, out = c["hs"], c["cs"], c["act"], c["out"]
        steps, k, h_size, batch = hs.shape[0] - 1, hs.shape[1], hs.shape[2], hs.shape[3]
        d = c["x"].shape[2]
        grads = {}
        dy = np.asarray(dy, dtype=self.dtype)
        if self.readout == "last":
            grads["V"] = np.matmul(hs[steps], dy)
            grads["c"] = dy.sum(axis=1)
            dhs = np.zeros((steps, k, h_size, batch), self.dtype)
            dhs[steps - 1] = np.matmul(p["V"], np.swapaxes(dy, 1, 2))
        else:
            dyT = np.ascontiguousarray(dy.transpose(0, 2, 3, 1))                    # (K, T, O, B)
            flat_h = hs[1:].transpose(1, 2, 0, 3).reshape(k, h_size, steps * batch)  # (K, H, T B)
            flat_dy = dyT.transpose(0, 1, 3, 2).reshape(k, steps * batch, -1)       # (K, T B, O)
            grads["V"] = np.matmul(flat_h, flat_dy)
            grads["c"] = flat_dy.sum(axis=1)
            dhs = np.matmul(p["V"][:, None], dyT).transpose(1, 0, 2, 3)             # (T, K, H, B)
        width = p["b"].shape[-1]
        d_pre = np.empty((steps, k, width, batch), self.dtype)
        dh = np.zeros((k, h_size, batch), self.dtype)
        dc = np.zeros_like(dh)
        dc_prev = np.empty_like(dh)
        d_i = np.empty_like(dh)
        scratch = np.empty_like(dh)
        U, R = p["U"], p.get("R")
        dq = None                                                                # into the gates at t (FGR)
        peep = {n: p[f"p_{n}"][:, :, None] for n in self.gates} if spec.peepholes else {}
        for t in range(steps - 1, -1, -1):
            dh += dhs[t]
            a, dp = act[t], d_pre[t]
            f = a[:, cols["forget"]] if spec.forget_gate else None
            i = a[:, cols["input"]] if spec.input_gate == "sigmoid" else (
                c["coupled"][t] if spec.input_gate == "coupled" else None)
            o = a[:, cols["output"]] if spec.output_gate else None
            g, s, c_prev = a[:, cols["cell"]], out[t], cs[t]
            # h = o * h(c): dc += dh * o * h'(c)
            np.multiply(dh, o, out=scratch) if o is not None else np.copyto(scratch, dh)
            if spec.cell_output != "identity":
                scratch *= 1.0 - s * s
            dc += scratch
            if o is not None:
                da_o = dp[:, cols["output"]]
                np.multiply(dh, s, out=da_o)
                if dq is not None:
                    da_o += dq[:, cols["output"]]
                da_o *= o * (1.0 - o)
                if "output" in peep:
                    np.multiply(da_o, peep["output"], out=scratch)
                    dc += scratch
            # c = f * c_prev + i * g
            np.multiply(dc, g, out=d_i)
            dg = dp[:, cols["cell"]]
            np.multiply(dc, i, out=dg) if i is not None else np.copyto(dg, dc)
            if spec.cell_input != "identity":
                dg *= 1.0 - g * g
            np.multiply(dc, f, out=dc_prev) if f is not None else np.copyto(dc_prev, dc)
            if f is not None:
                da_f = dp[:, cols["forget"]]
                np.multiply(dc, c_prev, out=da_f)
                if dq is not None:
                    da_f += dq[:, cols["forget"]]
                if spec.input_gate == "coupled":
                    da_f -= d_i
                da_f *= f * (1.0 - f)
                if "forget" in peep:
                    np.multiply(da_f, peep["forget"], out=scratch)
                    dc_prev += scratch
            if spec.input_gate == "sigmoid":
                da_i = dp[:, cols["input"]]
                np.copyto(da_i, d_i)
                if dq is not None:
                    da_i += dq[:, cols["input"]]
                da_i *= i * (1.0 - i)
                if "input" in peep:
                    np.multiply(da_i, peep["input"], out=scratch)
                    dc_prev += scratch
            dh = np.matmul(U, dp)
            dc, dc_prev = dc_prev, dc
            if R is not None:
                dq = np.matmul(R, dp[:, : self.gate_width])
        if spec.peepholes:      # input/forget gates see c_{t-1}, the output gate c_t
            for n, cells in (("input", cs[:-1]), ("forget", cs[:-1]), ("output", cs[1:])):
                if n in self.gates:
                    grads[f"p_{n}"] = np.einsum("tkhb,tkhb->kh", d_pre[:, :, cols[n]], cells)
        flat = d_pre.transpose(1, 0, 3, 2).reshape(k, steps * batch, width)        # (K, T B, G)
        grads["W"] = np.matmul(c["x"].transpose(0, 2, 1, 3).reshape(k, d, steps * batch), flat)
        grads["U"] = np.matmul(hs[:steps].transpose(1, 2, 0, 3).reshape(k, h_size, steps * batch), flat)
        grads["b"] = flat.sum(axis=1)
        if R is not None:     # the gates at t see the gate activations of t - 1 (none before the first step)
            q_prev = np.concatenate([np.zeros((1, k, self.gate_width, batch), self.dtype),
                                     act[:-1, :, : self.gate_width]])
            grads["R"] = np.matmul(q_prev.transpose(1, 2, 0, 3).reshape(k, self.gate_width, steps * batch),
                                   flat[..., : self.gate_width])
        return {name: grads[name] for name in p}

    def losses(self, x, targets, initial_state=None):
        """Mean squared error of every trial (K,), and the errors y - target (shaped like y)."""
        err = self.forward(x, initial_state) - targets
        return np.mean(err.astype(np.float64) ** 2, axis=tuple(range(1, err.ndim))), err

    def loss_and_grads(self, x, targets, initial_state=None):
        """The trials' losses (K,) and the gradients of each trial's loss (keyed like params)."""
        losses, err = self.losses(x, targets, initial_state)
        return losses, self.backward((2.0 / err[0].size) * err)

    def trial_norms(self, grads) -> np.ndarray:
        """Each trial's global gradient norm (K,)."""
        squares = np.zeros(self.size)
        for g in grads.values():
            squares += np.sum(g.reshape(self.size, -1).astype(np.float64) ** 2, axis=1)
        return np.sqrt(squares)

    def step(self, grads) -> np.ndarray:
        """Clip each trial's gradient to norm `clip`, then one Adam step; returns the norms before clipping."""
        norms = self.trial_norms(grads)
        scale = np.where(norms > self.clip, self.clip / (norms + 1e-6), 1.0)
        for name, g in grads.items():
            g *= self.per_trial(scale, g.ndim).astype(g.dtype)
            g[~self.alive] = 0.0
        self.optimizer.step(grads)
        return norms

    def retire(self, trials) -> None:
        """Stop trials whose numbers blew up: weights zero (output 0 from then on), no more steps, state zero."""
        for j in np.flatnonzero(trials):
            self.alive[j] = False
            for name, value in self.params.items():
                value[j] = 0.0
                self.lr_maps[name][j] = 0.0
                for moment in self.optimizer.state.get(name, {}).values():
                    moment[j] = 0.0
            if self.state is not None:
                for s in self.state:
                    s[j] = 0.0


# ----------------------------------------------------------------------------------------
# Training and evaluation of one population (one variant, one task, K trials)
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    task: Task
    variant: str
    trials: tuple[tuple[int, float], ...]   # (seed, learning rate) per trial
    snapshot_every: int = 0                 # keep the trials' weights every so many batches (for the figures)


def evaluate(pop: Population, task: Task, data, chunk: int = 64) -> dict:
    """Scores of every trial on a fixed data set (the same for every trial): MSE (K,) and the task's second
    figure (K,): the share of wrong signs (stream) or of sequences within 0.04 of the target (adding).

    The set is run in slices of `chunk` streams or sequences (a stream in pieces of 100 steps, carrying
    the state), so that the caches stay small.
    """
    k = pop.size
    sq, other = np.zeros(k), np.zeros(k)
    if task.name == "stream":
        inputs, targets, _ = data
        for first in range(0, inputs.shape[0], chunk):
            state = None
            for start in range(0, inputs.shape[1], 100):
                piece = inputs[first:first + chunk, start:start + 100]
                with np.errstate(all="ignore"):
                    y = pop.forward(np.broadcast_to(piece, (k, *piece.shape)), initial_state=state)[..., 0]
                state = pop.final_state
                t = targets[None, first:first + chunk, start:start + 100, 0]
                sq += np.sum((y.astype(np.float64) - t) ** 2, axis=(1, 2))
                other += np.sum(np.sign(y) != t, axis=(1, 2))
        return {"mse": sq / targets.size, "sign_errors": other / targets.size}
    inputs, targets = data
    for first in range(0, inputs.shape[0], chunk):
        piece = inputs[first:first + chunk]
        with np.errstate(all="ignore"):
            y = pop.forward(np.broadcast_to(piece, (k, *piece.shape)))[..., 0]          # (K, B)
        err = y.astype(np.float64) - targets[None, first:first + chunk, 0]
        sq += np.sum(err ** 2, axis=1)
        other += np.sum(np.abs(err) < 0.04, axis=1)
    return {"mse": sq / inputs.shape[0], "within_0.04": other / inputs.shape[0]}


def fixed_data(task: Task, purpose: int, size: int):
    """Validation or test data: the same for every variant, learning rate and seed."""
    rng = np.random.default_rng([DATA[task.name], purpose])
    if task.name == "stream":
        length = task.val_length if purpose == VALIDATION else task.test_length
        return SignStream(rng, size, task.reset_p).chunk(length)
    return adding_batch(rng, size, task.length)


def training_batches(task: Task, seeds):
    """Per seed, a generator of training batches (inputs, targets); streams continue from batch to batch."""
    if task.name == "stream":
        streams = {s: SignStream(rng_for(s, DATA["stream"]), task.batch, task.reset_p) for s in seeds}
        return lambda s: streams[s].chunk(task.length)[:2]
    rngs = {s: rng_for(s, DATA["adding"]) for s in seeds}
    return lambda s: adding_batch(rngs[s], task.batch, task.length)


def evaluation_steps(task: Task) -> list[int]:
    """Training steps after which the validation set is scored (the last one is the end of training)."""
    return sorted({max(1, round(task.steps * (i + 1) / task.evals)) for i in range(task.evals)})


def solved(task: Task, scores: dict) -> np.ndarray:
    """Which trials solve the task, by the figures of an evaluation (stream: sign errors; adding: MSE)."""
    if task.name == "stream":
        return np.asarray(scores["sign_errors"]) < SOLVED_SIGN_ERRORS
    return np.asarray(scores["mse"]) < SOLVED_ADDING_MSE


def train_job(job: Job, verbose: bool = False) -> dict:
    """Train one population; validation curves (K, evals), test scores, timing and the trained weights.

    A trial whose loss or gradient stops being finite is retired (weights zero, so its output is 0
    from then on) and scored like that; the other trials do not notice.
    """
    start, start_cpu = time.perf_counter(), time.process_time()
    task = job.task
    seeds = [s for s, _ in job.trials]
    pop = Population(job.variant, (2, task.hidden, 1), seeds, [lr for _, lr in job.trials], task.readout)
    unique = sorted(set(seeds))
    batches = training_batches(task, unique)
    validation = fixed_data(task, VALIDATION, task.val_size)
    eval_at = evaluation_steps(task)
    curves, solved_curves = [], []
    snapshots = [(0, [pop.member(j) for j in range(pop.size)])] if job.snapshot_every else []
    progress = Progress(task.steps, label=f"{task.name}/{job.variant} batch") if verbose else None
    for step in range(1, task.steps + 1):
        data = {s: batches(s) for s in unique}
        x = np.stack([data[s][0] for s in seeds])                    # (K, B, T, 2)
        targets = np.stack([data[s][1] for s in seeds])              # (K, B, [T,] 1)
        state = pop.state if task.name == "stream" else None
        with np.errstate(all="ignore"):
            loss, grads = pop.loss_and_grads(x, targets, state)
            norms = pop.trial_norms(grads)
        broken = pop.alive & ~(np.isfinite(loss) & np.isfinite(norms))
        if broken.any():
            pop.retire(broken)
        pop.step(grads)
        if task.name == "stream":
            pop.state = tuple(np.where(pop.alive[:, None, None], s, 0.0).astype(pop.dtype) for s in pop.final_state)
        if job.snapshot_every and step % job.snapshot_every == 0:
            snapshots.append((step, [pop.member(j) for j in range(pop.size)]))
        if step in eval_at:
            scores = evaluate(pop, task, validation)
            curves.append(scores["mse"])
            solved_curves.append(solved(task, scores))
            if progress:
                progress.update(step, best_val_mse=float(np.min(scores["mse"])))
    train_s, cpu_s = time.perf_counter() - start, time.process_time() - start_cpu
    test = evaluate(pop, task, fixed_data(task, TEST, task.test_size))
    return {"variant": job.variant, "task": task.name, "trials": job.trials, "eval_at": eval_at,
            "curves": np.array(curves).T, "solved_curves": np.array(solved_curves).T, "val": curves[-1],
            "test": test, "alive": pop.alive.copy(), "weights": [pop.member(j) for j in range(pop.size)],
            "snapshots": snapshots, "params": pop.num_params, "train_s": train_s, "cpu_s": cpu_s}


def replay(variant: str, weights: dict, inputs: np.ndarray, readout: str = "all") -> tuple[np.ndarray, dict]:
    """Run one trained trial (weights as Population.member returns them) on inputs (B, T, 2) in float64.

    Returns the outputs and the LSTM's cache (cell states "cs", outputs "hs", gates), for the figures.
    """
    hidden = weights["U"].shape[0]
    net = LSTM(2, hidden, 1, variant=variant, readout=readout, rng=0, dtype=np.float64)
    for name, value in weights.items():
        net.params[name][...] = value
    y = net.forward(inputs)
    return y, net.cache


# ----------------------------------------------------------------------------------------
# The random search: learning rates x seeds for every variant
# ----------------------------------------------------------------------------------------


def learning_rates(seed: int, count: int, low: float, high: float) -> list[float]:
    """`count` log-uniform draws, one in each of `count` equal slices of [log low, log high], sorted."""
    rng = rng_for(seed, 99)
    edges = np.linspace(math.log10(low), math.log10(high), count + 1)
    return [float(10 ** rng.uniform(a, b)) for a, b in zip(edges[:-1], edges[1:])]


def make_jobs(task: Task, variants, lrs, seeds, pack: int) -> list[Job]:
    """Every (seed, learning rate) trial of every variant, at most `pack` trials per population.

    The packing changes no figure (a trial's arithmetic does not depend on its population); it only
    balances the work between processes.
    """
    trials = [(s, lr) for lr in lrs for s in seeds]
    packs = -(-len(trials) // pack)
    size = -(-len(trials) // packs)
    return [Job(task, v, tuple(trials[i:i + size])) for v in variants for i in range(0, len(trials), size)]


def _call(item):
    function, argument = item
    return function(argument)


def parallel(items: list[tuple], workers: int, label: str, costs=None, scheduler: str | None = None) -> list:
    """Evaluate [(function, argument)] in `workers` processes, or as one task each on the Dask
    cluster at `scheduler`, longest first; results in item order.

    Every item is a pure function of its argument, so the results do not depend on the number of
    workers or on where they run. A progress line every ~5 s.
    """
    costs = costs or [1.0] * len(items)
    workers = min(workers, len(items))        # never more processes than jobs
    order = sorted(range(len(items)), key=lambda i: -costs[i])
    progress = Progress(len(items), label=label)
    results = [None] * len(items)
    if workers <= 1 and scheduler is None:
        for n, i in enumerate(order, 1):
            function, argument = items[i]
            results[i] = function(argument, verbose=True) if function is train_job else function(argument)
            progress.update(n, force=True)
        return results
    with pool(workers, scheduler) as executor:
        futures = {executor.submit(_call, items[i]): i for i in order}
        pending_futures = set(futures)
        while pending_futures:
            done, pending_futures = wait(pending_futures, timeout=5.0, return_when=FIRST_COMPLETED)
            for future in done:
                results[futures[future]] = future.result()
            progress.update(len(futures) - len(pending_futures))
    progress.update(len(items), force=True)
    return results


def job_cost(job: Job) -> float:
    return job.task.steps * len(job.trials) * (1.3 if job.variant == "FGR" else 1.0)


def collect(results: list[dict], lrs, seeds) -> dict:
    """Per variant: score arrays indexed [learning rate, seed], curves [learning rate, seed, point], timing."""
    out = {}
    for r in results:
        shape = (len(lrs), len(seeds))
        entry = out.setdefault(r["variant"], {
            "val": np.full(shape, np.nan), "test": {}, "alive": np.ones(shape, dtype=bool),
            "curves": np.full((*shape, len(r["eval_at"])), np.nan),
            "solved_curves": np.zeros((*shape, len(r["eval_at"])), dtype=bool),
            "eval_at": r["eval_at"], "params": r["params"], "train_s": 0.0, "cpu_s": 0.0, "trial_batches": 0})
        for j, (seed, lr) in enumerate(r["trials"]):
            a, b = lrs.index(lr), seeds.index(seed)
            entry["val"][a, b] = r["val"][j]
            entry["alive"][a, b] = r["alive"][j]
            entry["curves"][a, b] = r["curves"][j]
            entry["solved_curves"][a, b] = r["solved_curves"][j]
            for key, values in r["test"].items():
                entry["test"].setdefault(key, np.full(shape, np.nan))[a, b] = values[j]
        entry["train_s"] += r["train_s"]
        entry["cpu_s"] += r["cpu_s"]
        entry["trial_batches"] += len(r["trials"]) * r["eval_at"][-1]
    return out


# ----------------------------------------------------------------------------------------
# Analysis: the best learning rate per variant, paired comparisons with V, variance shares
# ----------------------------------------------------------------------------------------


def best_lr(entry: dict) -> int:
    """Index of the learning rate with the lowest validation MSE averaged over the seeds."""
    return int(np.argmin(np.nanmean(np.where(np.isfinite(entry["val"]), entry["val"], np.inf), axis=1)))


def geometric_mean(values) -> float:
    return float(np.exp(np.mean(np.log(np.asarray(values, dtype=float)))))


def variant_summary(task: Task, entry: dict, lrs) -> dict:
    """A variant's figures at its best learning rate (per seed) and over all its trials."""
    a = best_lr(entry)
    scores = entry["test"]["mse"][a]
    ok = solved(task, {k: v[a] for k, v in entry["test"].items()})
    return {"lr": lrs[a], "lr_index": a, "scores": scores, "solved": ok, "gmean": geometric_mean(scores),
            "min": float(scores.min()), "max": float(scores.max()),
            "median_all": float(np.median(entry["test"]["mse"])),
            "diverged": int(np.sum(~entry["alive"])), "params": entry["params"],
            "solve_curve": entry["solved_curves"][a].mean(axis=0)}


def compare(name: str, mine: dict, ref: dict) -> dict:
    """`name` against V over paired seeds, test MSE at each one's best learning rate (descriptive)."""
    n = len(mine["scores"])
    out = {"ratio": geometric_mean(mine["scores"] / ref["scores"]), "low": None, "high": None, "p_worse": None,
           "p_better": None, "p_equivalent": None, "worse_seeds": int(np.sum(mine["scores"] > ref["scores"])),
           "seeds": n}
    if n >= 2:
        worse = paired_better(f"V beats {name}", "-", ref["scores"], mine["scores"], "test MSE")
        better = paired_better(f"{name} beats V", "-", mine["scores"], ref["scores"], "test MSE")
        same = paired_equivalent(f"{name} matches V", "-", mine["scores"], ref["scores"], "test MSE", MARGIN)
        out.update(low=better.interval[0], high=better.interval[1], p_worse=worse.p, p_better=better.p,
                   p_equivalent=same.p)
    return out


def variance_shares(entries: dict) -> dict:
    """Shares of the variance of log10 test MSE over all trials (variant x learning rate x seed).

    The grid is complete, so the two main effects, their interaction and the remainder (seed to
    seed) add up to the total: the analogue here of the paper's fANOVA, on one hyperparameter.
    """
    logs = np.log10(np.stack([entries[v]["test"]["mse"] for v in entries]))       # (variants, lrs, seeds)
    grand = logs.mean()
    variant = logs.mean(axis=(1, 2)) - grand
    lr = logs.mean(axis=(0, 2)) - grand
    cell = logs.mean(axis=2) - grand - variant[:, None] - lr[None, :]
    n_var, n_lr, n_seed = logs.shape
    total = float(np.sum((logs - grand) ** 2))
    parts = {"learning rate": n_var * n_seed * float(np.sum(lr ** 2)),
             "variant": n_lr * n_seed * float(np.sum(variant ** 2)),
             "learning rate x variant": n_seed * float(np.sum(cell ** 2))}
    parts["seed"] = max(0.0, total - sum(parts.values()))
    return {k: v / total if total > 0 else 0.0 for k, v in parts.items()}


def lr_share_within(entry: dict) -> float:
    """Within one variant: the share of the variance of log10 test MSE that the learning rate explains."""
    logs = np.log10(entry["test"]["mse"])
    total = float(np.sum((logs - logs.mean()) ** 2))
    between = logs.shape[1] * float(np.sum((logs.mean(axis=1) - logs.mean()) ** 2))
    return between / total if total > 0 else 0.0


def analyse(task: Task, entries: dict, lrs) -> dict:
    summary = {v: variant_summary(task, e, lrs) for v, e in entries.items()}
    comparisons = {v: compare(v, summary[v], summary["V"]) for v in summary if v != "V"} if "V" in summary else {}
    return {"summary": summary, "comparisons": comparisons, "variance": variance_shares(entries),
            "lr_share": {v: lr_share_within(e) for v, e in entries.items()},
            "ranking": sorted(summary, key=lambda v: (summary[v]["gmean"], summary[v]["median_all"]))}


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py lstm-search-space-odyssey): one step of each row on a Tape
# ----------------------------------------------------------------------------------------

MOVEMENT_VARIANTS = ("V", "NFG", "FGR")     # the vanilla cell, the critical gate's removal, the dearest variant


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter, on the continual task. One trial's training step: one batch
    of 16 streams x a chunk of 50 steps (2 inputs, 8 cells, 1 output read at every step), BPTT inside the
    chunk (the state the stub carries in from the chunk before is priced as a zero state), the squared
    error's gradient, Adam: the LSTM variants in float32 (``Population``: the trials' batched products
    compute each trial's step; the vanilla cell with peepholes, NFG without its forget gate, FGR with the
    gates' full recurrence), the OdyssNet core (20 neurons, AdamW) in float64. There is no solve criterion
    before the budget's end (a trial "solves" when its sign errors are below 5% at the end), so the steps
    are the recorded trial's whole budget, 1000 batches, for the rows that solve at their best learning
    rate, none for those that never do. Not priced: gradient clipping, the validation and test runs, the
    learning-rate search (each rate is one more trial of this cost), the streams' data."""
    task = TASKS["stream"]
    headline = record.get("headline", {})

    def solves(name: str) -> bool:
        key = f"stream: {name} solved (best lr)"
        part = headline if key in headline else record.get("odyssnet", {}).get("headline", {})
        return int(str(part.get(key, "0/0")).split("/")[0]) > 0

    def budget_of(part: dict, name: str):
        """The trial's training steps: the last evaluation point of its curves (the end of training)."""
        eval_at = ((part.get("curves") or {}).get("learners") or {}).get(name, {}).get("eval_at")
        return eval_at[-1] if eval_at else None

    budget = "the recorded run's budget (curves.learners.{}.eval_at[-1] batches per trial); no solve criterion"
    rows = []
    for variant in MOVEMENT_VARIANTS:
        rows.append({"row": f"LSTM {variant}", "family": "gradient",
                     "step": f"one batch of {task.batch} streams x {task.length} steps",
                     "size": f"{task.hidden} cells, {variant}, Adam, float32",
                     "program": lambda tape, v=variant: tape_steps.lstm_step(tape, 2, task.hidden, 1, task.length,
                                                                             batch=task.batch, optimizer="adam",
                                                                             itemsize=4, **tape_steps.CELL_VARIANTS[v]),
                     "steps_to_solve": budget_of(record, variant) if solves(variant) else None,
                     "steps_from": budget.format(variant)
                     + f", solved at the best rate (headline: '{variant} solved')"})
        if variant == "V" and "odyssnet" in record:
            n = ODYSSNET["neurons"]
            rows.append({"row": "OdyssNet core", "family": "gradient",
                         "step": f"one batch of {task.batch} streams x {task.length} steps",
                         "size": f"{n} neurons, AdamW, float64",
                         "program": lambda tape: tape_steps.odyssnet_step(tape, n, 2, 1, task.length, batch=task.batch,
                                                                          itemsize=8),
                         "steps_to_solve": budget_of(record["odyssnet"], "OdyssNet") if solves("OdyssNet") else None,
                         "steps_from": "[odyssnet] " + budget.format("OdyssNet")
                         + ", solved at the best rate (headline: 'OdyssNet solved')"})
    return rows


# ----------------------------------------------------------------------------------------
# The verdict: fixed before the recorded runs
# ----------------------------------------------------------------------------------------


def claims_on(scores: dict[str, list[float]]) -> list[Claim]:
    """The paper's claims as tests on per-seed test MSEs at each variant's best learning rate (judged by Holm)."""
    metric = "test MSE at the variant's best learning rate, paired with V's by seed"
    claims = [
        paired_better("the forget gate is critical: NFG's test MSE is above V's", ABSTRACT,
                      scores["V"], scores["NFG"], "V / NFG, " + metric),
        paired_better("the output activation is critical: NOAF's test MSE is above V's", ABSTRACT,
                      scores["V"], scores["NOAF"], "V / NOAF, " + metric),
    ]
    # "none improves": for every variant X, X is not better than V by more than the margin (V / X < 1.25).
    # An intersection-union test: it holds when every one of the eight does, at the largest p.
    parts = {x: paired_better(f"{x} gains less than the margin", ABSTRACT, scores["V"], scores[x], metric,
                              min_ratio=1 / MARGIN) for x in VARIANTS if x != "V"}
    top = max(parts, key=lambda x: parts[x].estimate)
    claims.append(Claim(
        claim="none of the variants improves on V significantly", where=ABSTRACT,
        metric=f"largest geometric-mean ratio V / X over the 8 variants (here X = {top}), " + metric,
        test=f"intersection-union of 8 one-sided paired t-tests on log(V / X): ratio < {MARGIN:g} for every X; "
             f"p = the largest of the 8",
        estimate=parts[top].estimate, interval=parts[top].interval, p=max(c.p for c in parts.values()),
        n=parts[top].n, notes={**{f"{x} / V": 1.0 / c.estimate for x, c in parts.items()},
                               **{f"p_{x}": c.p for x, c in parts.items()}}))
    claims += [
        paired_equivalent("CIFG matches V (no significant difference)", SECONDARY, scores["CIFG"], scores["V"],
                          "CIFG / V, " + metric, MARGIN),
        paired_equivalent("NP matches V (no significant difference)", SECONDARY, scores["NP"], scores["V"],
                          "NP / V, " + metric, MARGIN),
        paired_better("FGR brings no gain over V", SECONDARY_FGR, scores["V"], scores["FGR"],
                      "V / FGR, " + metric, min_ratio=1 / MARGIN),
    ]
    return judge(claims)


def stream_parts(record: dict) -> list[dict]:
    """The recorded searches of the continual task: the stub's own (seeds from 0) and its sections of further
    seeds (named 'stream (seeds a-b)')."""
    parts = [record] if "curves" in record else []
    return parts + [record[k] for k in sorted(record) if k.startswith("stream (seeds") and isinstance(record[k], dict)]


def pooled_scores(parts: list[dict]) -> tuple[dict[str, list[float]], list[int]] | str:
    """Per variant, the test MSE of every seed at the variant's best learning rate, chosen on the validation
    MSE averaged over all seeds of all parts; or the reason it cannot be computed."""
    if not parts:
        return "the continual-task search is not recorded"
    lrs = parts[0]["curves"]["lrs"]
    if any(p["curves"]["lrs"] != lrs for p in parts):
        return "the continual-task searches used different learning rates"
    seeds = [s for p in parts for s in p["curves"]["seeds"]]
    if len(set(seeds)) != len(seeds):
        return "a seed of the continual task is recorded twice"
    scores = {}
    for v in VARIANTS:
        if any(v not in p["curves"]["learners"] for p in parts):
            return f"{v} is missing from a continual-task search"
        val = np.concatenate([np.array(p["curves"]["learners"][v]["val_mse"], float) for p in parts], axis=1)
        test = np.concatenate([np.array(p["curves"]["learners"][v]["test_mse"], float) for p in parts], axis=1)
        scores[v] = [float(x) for x in test[best_lr({"val": val})]]
    return scores, seeds


def verdict(record: dict) -> dict:
    """The verdict on the continual task, from the recorded searches' per-trial figures (curves).

    Metric (one for every claim): a variant's test MSE at its best learning rate (the one of the 5
    with the lowest validation MSE averaged over all recorded seeds), per seed; trials with the same
    seed share data and are paired, and every test runs on the log of the per-seed ratio (a paired
    t-test; shared.frame.verdict), at level 0.05 with Holm's correction over the six claims:

    1. NFG worse than V and 2. NOAF worse than V (the abstract: the forget gate and the output
       activation are the most critical components): one-sided paired t-test, ratio V / X < 1.
    3. None of the variants improves on V significantly (the abstract): for each of the eight,
       V / X < 1.25 (X gains less than the margin), one-sided; all eight must hold
       (intersection-union, p = the largest).
    4. CIFG and 5. NP match V (secondary source: "without significantly hurting performance"; issue 11
       asks for equivalence): TOST, geometric-mean ratio X / V within 1/1.25 .. 1.25.
    6. FGR brings no gain (secondary source): non-superiority, V / FGR < 1.25.

    The margin 1.25: a quarter more or less test MSE (about 12% in RMS error) is the largest
    difference we would still call "the same performance" on this task; it is below the seed-to-seed
    spread of V's own test MSE seen in the first (4-seed) search, so the paired tests, not the margin,
    limit what a handful of seeds can show; it is the same margin for "matches" and "no gain".
    Grade: claims 1 and 2 are primary (the task was built so that forgetting and an output squash
    matter): yes if all six hold, partial if 1 and 2 hold and another does not, no if 1 or 2 does not.
    The adding control does not enter the verdict (its comparisons are tabled in its sections).

    Seeds: the verdict needs 40 seeds of the continual task (the stub's own search, seeds 0-19, and the
    section 'stream (seeds 20-39)'); with fewer it is pending. History: the previous rule (rank-sum
    tests on 4 seeds) was written after a first search had been seen. This rule, tests and margin
    included, was written before the recorded runs, with 20 seeds. Its verdict on those 20 seeds was
    "no" here and "partial" when the same commands were rerun under another BLAS kernel and SIMD set
    (claims 2 and 4, borderline at 20 seeds, flipped); following the catalog's rule for that case, the
    seeds were raised to 40, with nothing else changed.
    """
    pooled = pooled_scores(stream_parts(record))
    if isinstance(pooled, str):
        return pending(pooled)
    scores, seeds = pooled
    if len(seeds) < VERDICT_SEEDS:
        return pending(f"the continual-task searches hold {len(seeds)} seeds; the rule needs {VERDICT_SEEDS} "
                       f"(--n-seeds 20, and --seed 20 --n-seeds 20 for the section)")
    return grade(claims_on(scores), primary=2)


# ----------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------

EXTRA = {"stream": "sign_errors", "adding": "within_0.04"}


def solved_rule(task: Task) -> str:
    return (f"fewer than {SOLVED_SIGN_ERRORS:.0%} of the test signs wrong" if task.name == "stream" else
            f"test MSE below {SOLVED_ADDING_MSE:.4g} (a tenth of the target's variance)")


def ranking_table(task: Task, result: dict, lrs, seeds) -> dict:
    s, c = result["summary"], result["comparisons"]
    rows = []
    for rank, name in enumerate(result["ranking"], 1):
        m = s[name]
        ratio = [1.0, None, None] if name == "V" else [c[name]["ratio"], c[name]["low"], c[name]["high"]]
        rows.append([rank, name, DESCRIPTION.get(name, name), m["lr"], m["gmean"], m["min"], m["max"], *ratio,
                     f"{int(m['solved'].sum())}/{len(seeds)}", m["median_all"], m["diverged"], m["params"]])
    return {"title": f"{task.title}: variants ranked by test MSE at their best learning rate (geometric mean over "
                     f"seeds {seeds[0]}-{seeds[-1]}; {len(lrs)} learning rates; {task.steps} batches of "
                     f"{task.batch} x {task.length} steps; {task.hidden} cells). Ratio to V: geometric mean of the "
                     f"per-seed ratios, 90% interval (paired t on logs). Solved: {solved_rule(task)}",
            "columns": ["rank", "variant", "change", "best lr", "test MSE (gmean)", "min", "max", "/ V", "low",
                        "high", "solved (best lr)", f"median of all {len(lrs) * len(seeds)} trials", "diverged",
                        "weights"],
            "rows": rows}


def comparison_table(task: Task, result: dict) -> dict:
    rows = []
    for name, c in result["comparisons"].items():
        rows.append([name, c["ratio"], c["low"], c["high"], f"{c['worse_seeds']}/{c['seeds']}", c["p_worse"],
                     c["p_better"], c["p_equivalent"]])
    return {"title": f"{task.title}: every variant against V over paired seeds (descriptive, uncorrected one-sided "
                     f"p-values: worse = V beats it, better = it beats V, equivalent = TOST within 1/{MARGIN:g} .. "
                     f"{MARGIN:g})",
            "columns": ["variant", "/ V", "low", "high", "seeds worse than V", "p worse", "p better",
                        "p equivalent"],
            "rows": rows}


def claims_table(task: Task, claims: list[Claim]) -> dict:
    return {"title": f"{task.title}: the verdict's six claims, tested the same way (Holm over the six; not part "
                     f"of the verdict)",
            "columns": ["claim", "estimate", "low", "high", "p", "holds"],
            "rows": [[c.claim, c.estimate, c.interval[0], c.interval[1], c.p, c.holds] for c in claims]}


def lr_table(task: Task, entries: dict, lrs) -> dict:
    rows = [[name, *[geometric_mean(e["test"]["mse"][a]) for a in range(len(lrs))]] for name, e in entries.items()]
    return {"title": f"{task.title}: test MSE at every learning rate of the search (geometric mean over seeds)",
            "columns": ["variant", *[f"lr {format_value(lr)}" for lr in lrs]], "rows": rows}


def solve_rate_table(task: Task, result: dict, eval_at) -> dict:
    shown = [i for i in range(len(eval_at)) if len(eval_at) <= 10 or (i + 1) % (len(eval_at) // 10) == 0]
    rows = [[name, *[float(result["summary"][name]["solve_curve"][i]) for i in shown]] for name in result["summary"]]
    criterion = ("validation sign errors below 5%" if task.name == "stream" else
                 f"validation MSE below {SOLVED_ADDING_MSE:.4g}")
    return {"title": f"{task.title}: share of seeds solved ({criterion}) during training, each variant at its best "
                     f"learning rate",
            "columns": ["variant", *[f"{eval_at[i]} batches" for i in shown]], "rows": rows}


def variance_table(task: Task, result: dict) -> dict:
    s = result["variance"]
    return {"title": f"{task.title}: shares of the variance of log10 test MSE over all trials (our analogue of the "
                     f"paper's fANOVA, with one hyperparameter)",
            "columns": ["learning rate", "variant", "learning rate x variant", "seed (remainder)",
                        "learning rate, within one variant (mean over variants)"],
            "rows": [[s["learning rate"], s["variant"], s["learning rate x variant"], s["seed"],
                      float(np.mean(list(result["lr_share"].values())))]]}


# ----------------------------------------------------------------------------------------
# Gradient check: every variant's population loss, through shared.frame.gradcheck
# ----------------------------------------------------------------------------------------


def gradient_check(variants=VARIANTS, max_entries: int | None = 24) -> dict:
    """Max relative error per variant of the population's loss (the sum of the trials' MSEs).

    A 2-trial population (3 cells each) in float64, weights drawn large enough that every path
    matters, a carried initial state, both read-outs.
    """
    errors = {}
    for variant in variants:
        worst = 0.0
        for readout in ("all", "last"):
            pop = Population(variant, (2, 3, 1), [0, 1], [1e-2, 1e-2], readout, dtype=np.float64)
            rng = np.random.default_rng(7)
            for value in pop.params.values():
                value[...] = rng.normal(0, 0.5, value.shape)
            x = rng.normal(0, 1, (2, 3, 6, 2))
            targets = rng.normal(0, 1, (2, 3, 6, 1) if readout == "all" else (2, 3, 1))
            state = tuple(rng.normal(0, 0.5, (2, 3, 3)) for _ in range(2))
            _, grads = pop.loss_and_grads(x, targets, state)

            def loss():
                return float(np.sum(pop.losses(x, targets, state)[0]))

            found = check_gradients(loss, pop.params, grads, max_entries=max_entries, rng=np.random.default_rng(1))
            worst = max(worst, max(found.values()))
        errors[variant] = worst
    return errors


# ----------------------------------------------------------------------------------------
# Comparison: the catalog's OdyssNet core under the same search (same data, budget, learning rates)
# ----------------------------------------------------------------------------------------

ODYSSNET = {"neurons": 20, "thinking_steps_per_input": 1}   # a few more weights than V (V has 385)
MAX_GRAD_NORM = 1.0                                        # as OdyssNetTrainer clips


def odyssnet_name() -> str:
    r = ODYSSNET["thinking_steps_per_input"]
    return f"OdyssNet core, {ODYSSNET['neurons']} neurons, {r} thinking step{'s' if r > 1 else ''} per input step"


def odyssnet_model(seed: int) -> OdyssNet:
    n = ODYSSNET["neurons"]
    return OdyssNet(n, [0, 1], [n - 1], pulse_mode=False, rng=rng_for(seed, INIT))


def odyssnet_trial(job: tuple) -> dict:
    """One OdyssNet trained like one LSTM trial: the same batches (the stream's state carried from chunk to
    chunk), the same number of steps, AdamW at the trial's learning rate, gradients clipped to norm 1."""
    start, start_cpu = time.perf_counter(), time.process_time()
    task, seed, lr = job
    model = odyssnet_model(seed)
    trainer = OdyssNetTrainer(model, lr=lr)
    r = ODYSSNET["thinking_steps_per_input"]
    batches = training_batches(task, [seed])
    validation = fixed_data(task, VALIDATION, task.val_size)
    eval_at = evaluation_steps(task)
    state, curve, solved_curve, alive = None, [], [], True
    for step in range(1, task.steps + 1):
        x, y = batches(seed)
        if alive and task.name == "stream":
            states, final = model.forward(trainer.prepare(x), r * x.shape[1], current_state=state)
            err = states[..., model.output_ids] - y
            d_states = np.zeros_like(states)
            d_states[..., model.output_ids] = 2.0 * err / err.size
            grads = model.backward(d_states)
            clip_global_norm(grads, MAX_GRAD_NORM)
            trainer.optimizer.step(grads)
            np.fill_diagonal(model.params["W"], 0.0)
            loss, state = float(np.mean(err ** 2)), final
        elif alive:
            loss = trainer.train_batch(x, y, thinking_steps=r * x.shape[1])
        alive = alive and math.isfinite(loss) and all(np.isfinite(p).all() for p in model.params.values())
        if step in eval_at:
            scores = odyssnet_scores(model, trainer, task, validation) if alive else zero_output_scores(task, validation)
            curve.append(scores["mse"])
            solved_curve.append(bool(solved(task, scores)))
    train_s, cpu_s = time.perf_counter() - start, time.process_time() - start_cpu
    test_data = fixed_data(task, TEST, task.test_size)
    test = odyssnet_scores(model, trainer, task, test_data) if alive else zero_output_scores(task, test_data)
    return {"task": task.name, "seed": seed, "lr": lr, "curve": curve, "solved_curve": solved_curve,
            "eval_at": eval_at, "test": test, "alive": alive, "train_s": train_s, "cpu_s": cpu_s}


def zero_output_scores(task: Task, data) -> dict:
    """The scores of a learner that answers 0 (what a retired trial does), on a data set."""
    targets = data[1].astype(np.float64)
    if task.name == "stream":
        return {"mse": float(np.mean(targets ** 2)), "sign_errors": 1.0}
    return {"mse": float(np.mean(targets ** 2)), "within_0.04": float(np.mean(np.abs(targets) < 0.04))}


def odyssnet_scores(model: OdyssNet, trainer: OdyssNetTrainer, task: Task, data) -> dict:
    """The LSTM's test figures for the OdyssNet (the stream evaluated in chunks, carrying the state)."""
    r = ODYSSNET["thinking_steps_per_input"]
    model.eval()
    if task.name == "stream":
        inputs, targets, _ = data
        state, sq, wrong = None, 0.0, 0.0
        for start in range(0, inputs.shape[1], 100):
            x = trainer.prepare(inputs[:, start:start + 100])
            states, state = model.forward(x, r * x.shape[1], current_state=state)
            y, t = states[..., model.output_ids], targets[:, start:start + 100]
            sq += float(np.sum((y - t) ** 2))
            wrong += float(np.sum(np.sign(y) != t))
        scores = {"mse": sq / targets.size, "sign_errors": wrong / targets.size}
    else:
        inputs, targets = data
        err = trainer.predict(inputs, r * inputs.shape[1]) - targets
        scores = {"mse": float(np.mean(err ** 2)), "within_0.04": float(np.mean(np.abs(err) < 0.04))}
    model.train()
    return scores


def odyssnet_entry(task: Task, results: list[dict], lrs, seeds) -> dict:
    """The OdyssNet trials in the layout collect() gives an LSTM variant."""
    shape = (len(lrs), len(seeds))
    eval_at = evaluation_steps(task)
    entry = {"val": np.full(shape, np.nan), "alive": np.ones(shape, dtype=bool),
             "test": {k: np.full(shape, np.nan) for k in ("mse", EXTRA[task.name])},
             "curves": np.full((*shape, len(eval_at)), np.nan), "solved_curves": np.zeros((*shape, len(eval_at)), bool),
             "eval_at": eval_at, "params": odyssnet_model(0).get_num_params(), "train_s": 0.0, "cpu_s": 0.0,
             "trial_batches": 0}
    for r in results:
        a, b = lrs.index(r["lr"]), seeds.index(r["seed"])
        entry["val"][a, b] = r["curve"][-1]
        entry["curves"][a, b] = r["curve"]
        entry["solved_curves"][a, b] = r["solved_curve"]
        entry["alive"][a, b] = r["alive"]
        for k, v in r["test"].items():
            entry["test"][k][a, b] = v
        entry["train_s"] += r["train_s"]
        entry["cpu_s"] += r["cpu_s"]
        entry["trial_batches"] += task.steps
    return entry


# ----------------------------------------------------------------------------------------
# The records
# ----------------------------------------------------------------------------------------


def curves_record(lrs, seeds, entries: dict) -> dict:
    """Validation curves and test scores of every trial, for the figures (lists indexed [lr][seed])."""
    return {"lrs": lrs, "seeds": seeds,
            "learners": {name: {"eval_at": e["eval_at"], "val_curves": e["curves"], "solved_curves": e["solved_curves"],
                                "test_mse": e["test"]["mse"], "val_mse": e["val"]}
                         for name, e in entries.items()}}


def timing_record(entries: dict) -> dict:
    """Seconds of training per trial and 1000 batches, per learner: wall-clock and CPU time of the process
    (this machine's, and run-dependent: kept under a key named wallclock_s, which record comparisons
    leave out). Trials of a population share their batched arithmetic, so a trial's time is its share."""
    return {"wallclock_s": {name: {"wall": 1000.0 * e["train_s"] / e["trial_batches"],
                                   "cpu": 1000.0 * e["cpu_s"] / e["trial_batches"]} for name, e in entries.items()}}


def search_record(task: Task, lrs, seeds, entries: dict, result: dict, clock: Progress, own: bool) -> dict:
    """The record of one task's search: the stub's own (stream, all nine variants, with the paper's block) or
    a section (the adding control, all nine variants or V and some of them)."""
    s, c = result["summary"], result["comparisons"]
    names = [v for v in VARIANTS if v in entries]
    others = [v for v in names if v != "V"]
    per_seed = []
    for b, seed in enumerate(seeds):
        row = {"seed": seed, **{f"{task.name}_{v}": float(s[v]["scores"][b]) for v in names},
               "solved": bool(s["V"]["solved"][b])}
        per_seed.append(row)
    summ = summarize([r[f"{task.name}_V"] for r in per_seed], [r["solved"] for r in per_seed])
    n = len(seeds)
    headline = {f"{task.name}: V test MSE (best lr, geometric mean over {n} seeds)": s["V"]["gmean"],
                **{f"{task.name}: {v} / V (geometric mean of per-seed ratios)": c[v]["ratio"] for v in others},
                **{f"{task.name}: {v} solved (best lr)": f"{int(s[v]['solved'].sum())}/{n}" for v in names}}
    tables = [ranking_table(task, result, lrs, seeds), comparison_table(task, result),
              solve_rate_table(task, result, entries["V"]["eval_at"]), lr_table(task, entries, lrs),
              variance_table(task, result)]
    if n >= 2 and names == VARIANTS and task.name == "adding":     # the verdict's tests on the control (tabled)
        claims = claims_on({v: [r[f"{task.name}_{v}"] for r in per_seed] for v in VARIANTS})
        tables.append(claims_table(task, claims))
        headline[f"{task.name}: claims holding (Holm)"] = f"{sum(bool(x.holds) for x in claims)}/{len(claims)}"
    ratio = {v: format_value(c[v]["ratio"]) for v in others}
    if task.name == "stream":
        summary = (f"continual task, seeds {seeds[0]}-{seeds[-1]}: NFG {ratio['NFG']}x and NOAF {ratio['NOAF']}x V's "
                   f"test MSE, CIFG {ratio['CIFG']}x, NP {ratio['NP']}x, FGR {ratio['FGR']}x, NIAF {ratio['NIAF']}x "
                   f"(geometric means of paired ratios at each variant's best learning rate)")
    else:
        failing = [v for v in names if s[v]["solved"].sum() < n / 2]
        summary = (f"adding control ({', '.join(names)}), {task.steps} batches, {n} seeds: V solves "
                   f"{int(s['V']['solved'].sum())}/{n}; " +
                   ", ".join(f"{v} {ratio[v]}x V's test MSE ({int(s[v]['solved'].sum())}/{n} solved)" for v in others)
                   + "; solving fewer than half the seeds: " + (", ".join(failing) or "none"))
    record = {"summary": summary, "headline": headline,
              "seeds": {"per_seed": per_seed, "summary": {**summ, "metric": f"{task.name}_V"}} if n > 1 else None,
              "tables": tables, "wallclock_s": clock.elapsed,
              "curves": curves_record(lrs, seeds, entries), "timing": timing_record(entries)}
    if own:
        record = {"slug": SLUG, "paper": {"citation": CITATION, "claim": CLAIM, "figures": PAPER_FIGURES},
                  **record,
                  "tour": ("Seed 0 of V, CIFG, NFG and NOAF learning the continual sign task: their outputs on a fresh "
                           "stream every 50 batches, beside the recorded validation curves of all nine variants.")}
    return record


def section_name(args) -> str | None:
    """Where a run is recorded: the stub's own part (None) or a comparison section."""
    if args.model == "odyssnet":
        return "odyssnet" if args.task == "stream" else "odyssnet-adding"
    if args.task == "stream":
        return None if args.seed == 0 else f"stream (seeds {args.seed}-{args.seed + args.n_seeds - 1})"
    if set(args.variants) == set(VARIANTS):
        return "adding"
    return "adding (V, " + ", ".join(v for v in VARIANTS if v in args.variants and v != "V") + ")"


def odyssnet_record(task: Task, lrs, seeds, odn: dict, v_entry: dict, clock: Progress) -> dict:
    """The record section of --model odyssnet: the OdyssNet core against V on the same seeds."""
    result = analyse(task, {"V": v_entry, "OdyssNet": odn}, lrs)
    s, c = result["summary"], result["comparisons"]["OdyssNet"]
    n = len(seeds)
    per_seed = [{"seed": seed, f"{task.name}_odyssnet": float(s["OdyssNet"]["scores"][b]),
                 f"{task.name}_V": float(s["V"]["scores"][b]), "solved": bool(s["OdyssNet"]["solved"][b])}
                for b, seed in enumerate(seeds)]
    summ = summarize([r[f"{task.name}_odyssnet"] for r in per_seed], [r["solved"] for r in per_seed])
    title = (f"{task.title}: the OdyssNet core under the same search as the LSTM variants ({odyssnet_name()}; same "
             f"data, {task.steps} batches of {task.batch} x {task.length} steps, the same {len(lrs)} learning rates, "
             f"seeds {seeds[0]}-{seeds[-1]}); V for reference")
    table = ranking_table(task, result, lrs, seeds)
    table["title"] = title
    table["rows"] = [[*row[:2], odyssnet_name() if row[1] == "OdyssNet" else row[2], *row[3:]] for row in table["rows"]]
    headline = {f"{task.name}: OdyssNet test MSE (best lr, geometric mean over {n} seeds)": s["OdyssNet"]["gmean"],
                f"{task.name}: OdyssNet / V (geometric mean of per-seed ratios)": c["ratio"],
                f"{task.name}: OdyssNet solved (best lr)": f"{int(s['OdyssNet']['solved'].sum())}/{n}",
                f"{task.name}: V solved (best lr)": f"{int(s['V']['solved'].sum())}/{n}"}
    return {"summary": (f"OdyssNet core under the same search, {task.name}, {n} seeds: test MSE "
                        f"{format_value(s['OdyssNet']['gmean'])} ({format_value(c['ratio'])}x V), solved "
                        f"{int(s['OdyssNet']['solved'].sum())}/{n}"),
            "headline": headline,
            "seeds": {"per_seed": per_seed, "summary": {**summ, "metric": f"{task.name}_odyssnet"}} if n > 1 else None,
            "tables": [table, comparison_table(task, result), solve_rate_table(task, result, odn["eval_at"])],
            "wallclock_s": clock.elapsed, "curves": curves_record(lrs, seeds, {"V": v_entry, "OdyssNet": odn}),
            "timing": timing_record({"V": v_entry, "OdyssNet": odn})}


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for tests: 2 learning rates, at most 2 seeds, 20 "
                         "batches, 4 cells, short validation and test sets; all nine variants")
    parser.add_argument("--task", choices=list(TASKS), default="stream",
                        help="stream: the continual task, the stub's own record and the verdict (default); adding: "
                             "the control, recorded as the section 'adding'")
    parser.add_argument("--model", choices=["lstm", "odyssnet"], default="lstm",
                        help="lstm: the nine LSTM variants (default); odyssnet: the catalog's OdyssNet core under "
                             "the same search, with V as the reference (sections 'odyssnet' and 'odyssnet-adding')")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help="comma-separated LSTM variants (default: all nine, which --record of the continual "
                             "task needs; the adding control may be recorded in parts, each with V, as sections "
                             "named after their variants)")
    parser.add_argument("--n-lrs", type=int_at_most(1000, "every learning rate is a full set of trials"), default=5,
                        help="learning rates of the search: one log-uniform draw in each of N equal slices of "
                             "[--lr-low, --lr-high] (default 5)")
    parser.add_argument("--lr-low", type=positive_float, default=1e-3, help="lowest learning rate (default 1e-3)")
    parser.add_argument("--lr-high", type=positive_float, default=10 ** -0.5,
                        help="highest learning rate (default 10^-0.5, about 0.316)")
    parser.add_argument("--steps", type=positive_int, default=None,
                        help=f"training batches per trial (default {TASKS['stream'].steps} for stream, "
                             f"{TASKS['adding'].steps} for adding)")
    parser.add_argument("--hidden", type=int_at_most(1024, "a population's weights grow as cells^2 x trials"),
                        default=None,
                        help=f"memory cells per LSTM (default {TASKS['stream'].hidden})")
    parser.add_argument("--workers", type=int_at_most(256, "one process each; more than jobs are never started"),
                        default=2,
                        help="processes training in parallel (the results do not depend on it; default 2)")
    parser.add_argument("--scheduler", type=scheduler_address, default=None, metavar="ADDRESS",
                        help="run every population as a task on the Dask cluster at ADDRESS (tcp://HOST:8786; the "
                             "optional extra, pip install -e '.[cluster]'); the figures are the same")
    parser.add_argument("--gradcheck", action="store_true",
                        help="check the population gradient of every variant numerically and exit (non-zero "
                             "above 1e-6)")
    args = parser.parse_args(argv)
    parser.only_when(not args.gradcheck, parser.flags("--gradcheck", "--variants"),
                     "to search runs, not to --gradcheck (fixed populations)")
    parser.only_when(args.model == "lstm", ["--variants"], "with --model lstm (OdyssNet runs beside V)")
    args.variants = args.variants.split(",")
    if any(v not in VARIANTS for v in args.variants) or len(set(args.variants)) != len(args.variants):
        parser.error(f"--variants must list distinct variants among {', '.join(VARIANTS)}")
    if args.lr_low >= args.lr_high:
        parser.error("--lr-low must be below --lr-high")
    if args.lr_high > 10:
        parser.error("--lr-high must be at most 10")
    if args.record and args.model == "lstm" and args.task == "stream" and set(args.variants) != set(VARIANTS):
        parser.error("--record of the continual task needs all nine variants (the claims and the verdict use them)")
    if args.record and args.model == "lstm" and "V" not in args.variants:
        parser.error("--record needs V among the variants (every comparison is with V)")
    require_seeds(parser, args, MIN_SEEDS)
    return args


def configured_task(args) -> Task:
    task = TASKS[args.task]
    if args.quick:
        task = replace(task, steps=20, hidden=4, evals=2, val_size=16, val_length=100,
                       test_size=32 if task.name == "stream" else 128, test_length=200)
    if args.steps is not None:
        task = replace(task, steps=args.steps, evals=min(task.evals, args.steps))
    if args.hidden is not None:
        task = replace(task, hidden=args.hidden)
    return task


def print_table(table: dict) -> None:
    print(f"\n{table['title']}")
    print(format_table(table["columns"], table["rows"]))


def main(argv=None) -> int:
    try:
        return run(parse_args(argv))
    except ClusterError as error:
        print(f"{Path(__file__).name}: error: {error}", file=sys.stderr)
        return 2


def run(args) -> int:
    if args.gradcheck:
        errors = gradient_check(args.variants)
        for variant, error in errors.items():
            print(f"  {variant:5s} max relative error {error:.3e}")
        worst = max(errors.values())
        print(f"overall max relative error {worst:.3e} ({'ok' if worst <= 1e-6 else 'FAILED'})")
        return 0 if worst <= 1e-6 else 1
    if args.quick:
        args.n_lrs, args.n_seeds = min(args.n_lrs, 2), min(args.n_seeds, 2)
    clock = Progress(1)
    task = configured_task(args)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    lrs = learning_rates(0, args.n_lrs, args.lr_low, args.lr_high)
    print(f"{task.name}: learning rates {', '.join(format_value(lr) for lr in lrs)}; seeds {seeds[0]}..{seeds[-1]}; "
          f"{task.steps} batches per trial")
    pack = 100       # trials per population: one population per variant up to 100 trials (the packing changes no figure)

    if args.model == "odyssnet":
        v_jobs = make_jobs(task, ["V"], lrs, seeds, pack)
        trials = [(task, s, lr) for lr in lrs for s in seeds]
        print(f"{odyssnet_name()} (AdamW, clip 1): {len(trials)} trials; V again as the reference")
        items = [(train_job, job) for job in v_jobs] + [(odyssnet_trial, t) for t in trials]
        costs = [job_cost(job) for job in v_jobs] + [task.steps * 4.0 for _ in trials]
        results = parallel(items, args.workers, "runs done", costs, args.scheduler)
        v_entry = collect(results[:len(v_jobs)], lrs, seeds)["V"]
        odn = odyssnet_entry(task, results[len(v_jobs):], lrs, seeds)
        section = odyssnet_record(task, lrs, seeds, odn, v_entry, clock)
        for table in section["tables"]:
            print_table(table)
        conclude(section, __file__, verdict, args.record, section=section_name(args))
        return 0

    jobs = make_jobs(task, args.variants, lrs, seeds, pack)
    print(f"{len(jobs)} populations ({len(lrs) * len(seeds)} trials per variant) on {args.workers} worker(s)")
    results = parallel([(train_job, job) for job in jobs], args.workers, "populations done",
                       [job_cost(job) for job in jobs], args.scheduler)
    entries = collect(results, lrs, seeds)
    result = analyse(task, entries, lrs)
    for table in (ranking_table(task, result, lrs, seeds), comparison_table(task, result),
                  solve_rate_table(task, result, entries[args.variants[0]]["eval_at"]), lr_table(task, entries, lrs),
                  variance_table(task, result)):
        print_table(table)
    own = section_name(args) is None
    if "V" not in args.variants or (task.name == "stream" and set(args.variants) != set(VARIANTS)):
        print("\n(a partial run: the record, the claims and the verdict need all nine variants; a section of the "
              "adding control needs V)")
        return 0
    record = search_record(task, lrs, seeds, entries, result, clock, own)
    if task.name == "adding" and "claims" in record["tables"][-1]["title"]:
        print_table(record["tables"][-1])
    conclude(record, __file__, verdict, args.record, section=section_name(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
