"""LSTM: A Search Space Odyssey (Greff, Srivastava, Koutník, Steunebrink & Schmidhuber 2017), in miniature.

The paper takes the vanilla LSTM (V: input, forget and output gates, peepholes, tanh on the cell
input and on the cell output) and eight variants that each change one thing: no input gate
(NIG), no forget gate (NFG), no output gate (NOG), no input activation (NIAF), no output
activation (NOAF), no peepholes (NP), coupled input and forget gates (CIFG, i = 1 - f) and full
gate recurrence (FGR). Each variant gets the same random hyperparameter search on three data
sets (TIMIT, IAM online, JSB Chorales); the variants are compared on their best trials and on
the distribution of all trials. The findings: V is hard to beat; removing the forget gate or the
output activation hurts most; CIFG and NP do not hurt; FGR brings nothing; NIG, NOG and NIAF hurt
on some data sets; the learning rate is by far the most important hyperparameter.

Here the same method runs in miniature on two synthetic tasks, every variant with the same
budget and the same learning rates (stratified log-uniform draws from one generator) over
several seeds:

* ``stream`` (continual): B endless streams of values x_t ~ U(-1, 1) with reset flags (p = 1/12).
  The target at every step is the sign of the sum of x since the last reset. Streams are never
  cut: the state is carried from one training chunk to the next (truncated BPTT) and the test
  streams run 1000 steps from a zero state. A cell must integrate (the sum is unbounded), must
  forget at every reset, and must squash an unbounded sum into a +-1 decision: the forget gate
  and an output squash matter by construction.
* ``adding`` (control): the adding problem of Hochreiter & Schmidhuber (1997) at T = 50, where
  every sequence starts from a zero state and nothing needs to be forgotten.

The K trials of one variant (learning rates x seeds) train side by side as one block-diagonal
network (``Population``): the shared LSTM's forward and backward run once for all of them,
and masking, per-trial clipping and per-trial learning rates keep them independent. Scores are
test mean squared errors; for each variant the best learning rate is chosen on a validation set.

Run:  python3 lstm-search-space-odyssey/lstm_search_space_odyssey.py --seed 0 --n-seeds 4 --record
"""

from __future__ import annotations



import math
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.experiment import (Progress, format_table, format_value, positive_float, positive_int, 
                               stub_parser, summarize)
from shared.gradcheck import check_gradients
from shared.odyssnet import OdyssNet, OdyssNetTrainer
from shared.optim import Adam, clip_global_norm
from shared.recurrent import LSTM

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
CITATION = ("Greff, Srivastava, Koutník, Steunebrink & Schmidhuber (2017). LSTM: A Search Space Odyssey. "
            "IEEE Transactions on Neural Networks and Learning Systems 28(10):2222–2232.")
CLAIM = ("V is hard to beat: NFG and NOAF hurt most, CIFG and NP match V, FGR brings no gain, NIG/NOG/NIAF "
         "hurt on some data sets; the learning rate is the most important hyperparameter")
PAPER_NUMBERS = {"datasets": 3, "variants": 8, "trials_per_variant_and_dataset": 200, "runs": 5400,
                 "cpu_years": 15}
DTYPE = np.float32  # training precision; gradient checks run in float64


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


TASKS = {
    "stream": Task("stream", "continual stream: sign of the sum since the last reset"),
    "adding": Task("adding", "adding problem, T = 50", test_size=2048, val_size=512),
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
# A population of LSTMs trained as one block-diagonal network
# ----------------------------------------------------------------------------------------


class TrialAdam(Adam):
    """Adam with a learning rate per entry (each trial of a population has its own)."""

    def __init__(self, params, lr_maps):
        super().__init__(params, lr=1.0)
        self.lr_maps = lr_maps

    def _update(self, name, param, grad):
        param -= self._step_direction(name, param, grad) * self.lr_maps[name]


class Population:
    """K independent LSTMs of one variant (sizes D -> H -> O), run as one LSTM of K D inputs, K H cells, K O outputs.

    Trial k owns inputs k D.., cells k H.. (and their gate columns) and outputs k O..; every weight
    between two trials is held at zero (its gradient is masked), so the trials never interact.
    Each trial starts from the weights a stand-alone LSTM(D, H, O, rng=init_seed) would have,
    clips its own gradient to norm 1 and steps with its own Adam learning rate.
    """

    def __init__(self, variant: str, sizes: tuple[int, int, int], init_seeds, lrs, readout: str,
                 dtype=DTYPE, clip: float = 1.0):
        d, h, o = sizes
        k = len(init_seeds)
        self.variant, self.sizes, self.size, self.clip = variant, sizes, k, clip
        self.net = LSTM(k * d, k * h, k * o, variant=variant, readout=readout, rng=0, dtype=dtype)
        net = self.net
        groups = list(net.columns.values())                   # gate columns, then cell columns
        cols = [np.concatenate([np.arange(g.start + j * h, g.start + (j + 1) * h) for g in groups])
                for j in range(k)]
        gate_cols = len(groups[:-1]) * h                      # a member's gate columns come first
        self.index = []                                       # per trial: name -> index into the big array
        for j in range(k):
            rows_d, rows_h, outs = (np.arange(j * n, (j + 1) * n) for n in (d, h, o))
            idx = {"W": np.ix_(rows_d, cols[j]), "U": np.ix_(rows_h, cols[j]), "b": cols[j],
                   "V": np.ix_(rows_h, outs), "c": outs}
            for name in net.params:
                if name.startswith("p_"):
                    idx[name] = rows_h
            if "R" in net.params:
                idx["R"] = np.ix_(cols[j][:gate_cols], cols[j][:gate_cols])
            self.index.append(idx)
        self.owner = {name: np.full(value.shape, -1) for name, value in net.params.items()}
        for j, idx in enumerate(self.index):
            for name, where in idx.items():
                self.owner[name][where] = j
        self.mask = {name: owner >= 0 for name, owner in self.owner.items()}
        self.owned = {name: np.flatnonzero(mask) for name, mask in self.mask.items()}
        self.owned_by = {name: self.owner[name].reshape(-1)[flat] for name, flat in self.owned.items()}
        for name, value in net.params.items():
            value[...] = 0.0
        for j, seed in enumerate(init_seeds):
            member = LSTM(d, h, o, variant=variant, readout=readout, rng=rng_for(seed, INIT), dtype=dtype)
            self.set_member(j, member.params)
        self.lrs = np.asarray(lrs, dtype=float)
        self.lr_maps = {name: np.where(self.mask[name], self.lrs[np.maximum(owner, 0)], 0.0).astype(dtype)
                        for name, owner in self.owner.items()}
        self.optimizer = TrialAdam(net.params, self.lr_maps)
        self.alive = np.ones(k, dtype=bool)
        self.state = None                                     # carried (h, c) of a continual stream

    def set_member(self, j: int, params: dict) -> None:
        for name, where in self.index[j].items():
            self.net.params[name][where] = params[name]

    def member(self, j: int) -> dict:
        """Trial j's weights, shaped like a stand-alone LSTM's."""
        return {name: np.array(self.net.params[name][where]) for name, where in self.index[j].items()}

    def stack(self, per_trial: list[np.ndarray]) -> np.ndarray:
        """Per-trial inputs [(B, T, D)] * K -> the population's input (B, T, K D)."""
        return np.concatenate(per_trial, axis=-1).astype(self.net.dtype)

    def split(self, y: np.ndarray) -> np.ndarray:
        """The population's output (..., K O) -> (..., K, O)."""
        return y.reshape(*y.shape[:-1], self.size, self.sizes[2])

    def forward(self, x, initial_state=None) -> np.ndarray:
        return self.split(self.net.forward(x, initial_state=initial_state))

    def losses(self, x, targets, initial_state=None):
        """Mean squared error of every trial (K,), and the errors y - target.

        targets: (B, T, K, O) for a per-step read-out, (B, K, O) for the last step.
        """
        err = self.forward(x, initial_state) - targets
        axes = tuple(i for i in range(err.ndim) if i != err.ndim - 2)
        return np.mean(err.astype(np.float64) ** 2, axis=axes), err

    def loss_and_grads(self, x, targets, initial_state=None):
        """The trials' losses (K,) and the masked gradients of their sum (keyed like net.params)."""
        losses, err = self.losses(x, targets, initial_state)
        count = err.size // self.size
        dy = (2.0 / count) * err.reshape(*err.shape[:-2], -1)
        grads = self.net.backward(dy)
        for name, mask in self.mask.items():
            if not mask.all():
                grads[name] *= mask
        return losses, grads

    def trial_norms(self, grads) -> np.ndarray:
        """Each trial's global gradient norm (K,)."""
        squares = np.zeros(self.size)
        for name, g in grads.items():
            values = g.reshape(-1)[self.owned[name]].astype(np.float64)
            squares += np.bincount(self.owned_by[name], weights=values * values, minlength=self.size)
        return np.sqrt(squares)

    def step(self, grads) -> np.ndarray:
        """Clip each trial's gradient to norm `clip`, then one Adam step; returns the norms before clipping."""
        norms = self.trial_norms(grads)
        scale = np.where(norms > self.clip, self.clip / (norms + 1e-6), 1.0) * self.alive
        for name, g in grads.items():
            g *= scale[np.maximum(self.owner[name], 0)].astype(g.dtype)
        self.optimizer.step(grads)
        return norms

    def broken_trials(self, x, targets, initial_state=None) -> np.ndarray:
        """Trials whose loss or gradient is not finite, each checked alone as a stand-alone LSTM (K,) bool."""
        d, h, o = self.sizes
        broken = np.zeros(self.size, dtype=bool)
        for j in np.flatnonzero(self.alive):
            net = LSTM(d, h, o, variant=self.variant, readout=self.net.readout, rng=0, dtype=self.net.dtype)
            for name, value in self.member(j).items():
                net.params[name][...] = value
            state = None if initial_state is None else tuple(s[:, j * h:(j + 1) * h] for s in initial_state)
            with np.errstate(all="ignore"):
                err = net.forward(x[..., j * d:(j + 1) * d], initial_state=state) - targets[..., j, :]
                grads = net.backward(2.0 * err / err.size)
            broken[j] = not (np.isfinite(err).all() and all(np.isfinite(g).all() for g in grads.values()))
        return broken

    def retire(self, trials) -> None:
        """Stop trials whose numbers blew up: zero weights (outputs 0), no more steps, state zero."""
        for j in np.flatnonzero(trials):
            self.alive[j] = False
            for name, where in self.index[j].items():
                self.net.params[name][where] = 0.0
                for moment in self.optimizer.state.get(name, {}).values():
                    moment[where] = 0.0
                self.lr_maps[name][where] = 0.0
            if self.state is not None:
                h = self.sizes[1]
                for s in self.state:
                    s[:, j * h:(j + 1) * h] = 0.0


# ----------------------------------------------------------------------------------------
# Training and evaluation of one population (one variant, one task, K trials)
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    task: Task
    variant: str
    trials: tuple[tuple[int, float], ...]   # (seed, learning rate) per trial
    snapshot_every: int = 0                 # keep the trials' weights every so many batches (for the figures)


def evaluate(pop: Population, task: Task, data) -> dict:
    """Scores of every trial on a fixed data set: MSE (K,) plus a task-specific figure (K,)."""
    k = pop.size
    if task.name == "stream":
        inputs, targets, _ = data
        state, sq, wrong = None, np.zeros(k), np.zeros(k)
        for start in range(0, inputs.shape[1], 100):                  # chunks, carrying the state
            x = np.tile(inputs[:, start:start + 100], (1, 1, k)).astype(pop.net.dtype)
            y = pop.forward(x, initial_state=state)[..., 0]          # (B, T, K)
            state = pop.net.final_state
            t = targets[:, start:start + 100]                         # (B, T, 1)
            sq += np.sum((y - t) ** 2, axis=(0, 1))
            wrong += np.sum(np.sign(y) != t, axis=(0, 1))
        n = targets.size
        return {"mse": sq / n, "sign_errors": wrong / n}
    inputs, targets = data
    sq, close = np.zeros(k), np.zeros(k)
    for start in range(0, inputs.shape[0], 512):
        x = np.tile(inputs[start:start + 512], (1, 1, k)).astype(pop.net.dtype)
        y = pop.forward(x)[..., 0]                                    # (B, K)
        err = y - targets[start:start + 512]
        sq += np.sum(err ** 2, axis=0)
        close += np.sum(np.abs(err) < 0.04, axis=0)
    return {"mse": sq / inputs.shape[0], "within_0.04": close / inputs.shape[0]}


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


def train_job(job: Job, verbose: bool = False) -> dict:
    """Train one population; validation curves (K, evals), test scores and the trained weights."""
    task = job.task
    seeds = [s for s, _ in job.trials]
    pop = Population(job.variant, (2, task.hidden, 1), seeds, [lr for _, lr in job.trials], task.readout)
    unique = sorted(set(seeds))
    batches = training_batches(task, unique)
    validation = fixed_data(task, VALIDATION, task.val_size)
    eval_at = evaluation_steps(task)
    curves = []
    snapshots = [(0, [pop.member(j) for j in range(pop.size)])] if job.snapshot_every else []
    progress = Progress(task.steps, label=f"{task.name}/{job.variant} batch") if verbose else None
    for step in range(1, task.steps + 1):
        data = {s: batches(s) for s in unique}
        x = pop.stack([data[s][0] for s in seeds])
        targets = np.stack([data[s][1] for s in seeds], axis=-2)    # (B, [T,] K, 1)
        state = pop.state if task.name == "stream" else None
        loss, grads = pop.loss_and_grads(x, targets, state)
        if not (np.isfinite(loss).all() and np.isfinite(pop.trial_norms(grads)).all()):
            # a NaN in one trial spreads through the zero blocks to all: find the culprits one by one,
            # retire them (weights zero, no more steps) and redo the step without them
            pop.retire(pop.broken_trials(x, targets, state))
            loss, grads = pop.loss_and_grads(x, targets, state)
        pop.step(grads)
        if task.name == "stream":
            pop.state = tuple(np.nan_to_num(s, posinf=0.0, neginf=0.0) for s in pop.net.final_state)
        if job.snapshot_every and step % job.snapshot_every == 0:
            snapshots.append((step, [pop.member(j) for j in range(pop.size)]))
        if step in eval_at:
            scores = evaluate(pop, task, validation)["mse"]
            curves.append(np.where(pop.alive, scores, np.nan))
            if progress:
                progress.update(step, best_val_mse=float(np.nanmin(curves[-1])) if pop.alive.any() else math.nan)
    test = evaluate(pop, task, fixed_data(task, TEST, task.test_size))
    return {"variant": job.variant, "task": task.name, "trials": job.trials, "eval_at": eval_at,
            "curves": np.array(curves).T, "val": curves[-1],
            "test": {k: np.where(pop.alive, v, np.nan) for k, v in test.items()},
            "alive": pop.alive.copy(), "weights": [pop.member(j) for j in range(pop.size)], "snapshots": snapshots,
            "params": LSTM(2, task.hidden, 1, variant=job.variant).num_params}


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
# The random search: learning rates x seeds for every variant and task
# ----------------------------------------------------------------------------------------


def learning_rates(seed: int, count: int, low: float, high: float) -> list[float]:
    """`count` log-uniform draws, one in each of `count` equal slices of [log low, log high], sorted."""
    rng = rng_for(seed, 99)
    edges = np.linspace(math.log10(low), math.log10(high), count + 1)
    return [float(10 ** rng.uniform(a, b)) for a, b in zip(edges[:-1], edges[1:])]


MAX_PACK = 10   # trials per population: beyond this the block-diagonal products cost more than they save


def make_jobs(tasks, variants, lrs, seeds) -> list[Job]:
    trials = [(s, lr) for lr in lrs for s in seeds]
    packs = -(-len(trials) // MAX_PACK)
    size = -(-len(trials) // packs)
    return [Job(task, v, tuple(trials[i:i + size])) for task in tasks for v in variants
            for i in range(0, len(trials), size)]


def _call(item):
    function, argument = item
    return function(argument)


def parallel(items: list[tuple], workers: int, label: str, costs=None) -> list:
    """Evaluate [(function, argument)] in `workers` processes, longest first; results in item order.

    Every item is a pure function of its argument, so the results do not depend on the number of
    workers. A progress line every ~5 s.
    """
    costs = costs or [1.0] * len(items)
    order = sorted(range(len(items)), key=lambda i: -costs[i])
    progress = Progress(len(items), label=label)
    results = [None] * len(items)
    if workers <= 1:
        for n, i in enumerate(order, 1):
            function, argument = items[i]
            results[i] = function(argument, verbose=True) if function is train_job else function(argument)
            progress.update(n, force=True)
        return results
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(_call, items[i]): i for i in order}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=5.0, return_when=FIRST_COMPLETED)
            for future in done:
                results[futures[future]] = future.result()
            progress.update(len(futures) - len(pending))
    progress.update(len(items), force=True)
    return results


def job_cost(job: Job) -> float:
    return job.task.steps * job.task.length * len(job.trials) * (1.6 if job.variant == "FGR" else 1.0)


def collect(results: list[dict], lrs, seeds) -> dict:
    """Per task and variant: score arrays indexed [learning rate, seed] (NaN = diverged)."""
    out = {}
    for r in results:
        entry = out.setdefault(r["task"], {}).setdefault(r["variant"], {
            "val": np.full((len(lrs), len(seeds)), np.nan), "test": {},
            "curves": np.full((len(lrs), len(seeds), len(r["eval_at"])), np.nan),
            "eval_at": r["eval_at"], "params": r["params"]})
        for j, (seed, lr) in enumerate(r["trials"]):
            a, b = lrs.index(lr), seeds.index(seed)
            entry["val"][a, b] = r["val"][j]
            entry["curves"][a, b] = r["curves"][j]
            for key, values in r["test"].items():
                entry["test"].setdefault(key, np.full((len(lrs), len(seeds)), np.nan))[a, b] = values[j]
    return out


# ----------------------------------------------------------------------------------------
# Analysis: best learning rate per variant, ranking, the paper's claims, variance shares
# ----------------------------------------------------------------------------------------

ALPHA = 0.05               # significance level of the tests below
SOLVED_SIGN_ERRORS = 0.05  # a seed "solves" the continual task below 5% wrong signs on the test streams


def finite_or_inf(values: np.ndarray) -> np.ndarray:
    """Diverged trials (NaN) rank as the worst possible score."""
    return np.where(np.isfinite(values), values, np.inf)


def best_lr(entry: dict) -> int:
    """Index of the learning rate with the lowest mean validation MSE over seeds (a diverged seed disqualifies)."""
    return int(np.argmin(finite_or_inf(entry["val"]).mean(axis=1)))


def rank_sum_p(worse: np.ndarray, better: np.ndarray) -> float:
    """Exact one-sided Mann-Whitney test: P(U <= observed) if both samples came from one distribution.

    U counts the pairs in which `worse` scores below `better` (a tie counts 1/2): a small U means
    `worse` really is worse. For 3 vs 3 seeds the smallest possible p is 1/20 = 0.05 (every seed
    of one variant behind every seed of the other); for 4 vs 4 it is 1/70.
    """
    a, b = finite_or_inf(np.asarray(worse, float)), finite_or_inf(np.asarray(better, float))
    observed = float(np.sum(a[:, None] < b[None, :]) + 0.5 * np.sum(a[:, None] == b[None, :]))
    return float(np.sum(u_distribution(len(a), len(b))[: int(math.floor(observed + 1e-9)) + 1]) /
                 math.comb(len(a) + len(b), len(a)))


def u_distribution(m: int, n: int) -> np.ndarray:
    """Number of orderings of m + n distinct values giving each U = 0..m n (pairs with the first sample below).

    The largest value is either from the first sample (it adds no pair) or from the second (it lies
    above all m of the first): f(m, n, u) = f(m - 1, n, u) + f(m, n - 1, u - m).
    """
    table = {(i, 0): np.ones(1) for i in range(m + 1)}
    table.update({(0, j): np.ones(1) for j in range(n + 1)})
    for i in range(1, m + 1):
        for j in range(1, n + 1):
            f = np.zeros(i * j + 1)
            f[: table[i - 1, j].size] += table[i - 1, j]
            f[i: i + table[i, j - 1].size] += table[i, j - 1]
            table[i, j] = f
    return table[m, n]


def sign_test_p(worse_count: int, pairs: int) -> float:
    """One-sided exact sign test: P(at least `worse_count` of `pairs` fair coin flips)."""
    return float(sum(math.comb(pairs, k) for k in range(worse_count, pairs + 1)) / 2 ** pairs) if pairs else 1.0


def variant_summary(entry: dict, lrs) -> dict:
    """A variant's figures: scores of its seeds at its best learning rate, and of all its trials."""
    a = best_lr(entry)
    scores = entry["test"]["mse"][a]
    every = entry["test"]["mse"].reshape(-1)
    extras = {key: float(np.nanmean(values[a])) if np.isfinite(values[a]).any() else None
              for key, values in entry["test"].items() if key != "mse"}
    finite = bool(np.isfinite(scores).all())
    return {"lr": lrs[a], "lr_index": a, "scores": scores, **extras, "params": entry.get("params"),
            "mean": float(scores.mean()) if finite else math.inf,
            "std": float(scores.std(ddof=1)) if finite and scores.size > 1 else 0.0,
            "min": float(finite_or_inf(scores).min()), "max": float(finite_or_inf(scores).max()),
            "median_all": float(np.median(finite_or_inf(every))), "diverged": int(np.sum(~np.isfinite(every)))}


def compare(entries: dict, summary: dict, name: str, reference: str = "V") -> dict:
    """`name` against `reference`: tuned (best lr, seeds) and over the whole search (paired trials)."""
    mine, ref = summary[name], summary[reference]
    grid, ref_grid = finite_or_inf(entries[name]["test"]["mse"]), finite_or_inf(entries[reference]["test"]["mse"])
    worse_pairs = int(np.sum(grid > ref_grid))
    better_pairs = int(np.sum(grid < ref_grid))
    pairs = int(grid.size)
    return {"ratio": mine["mean"] / ref["mean"] if math.isfinite(mine["mean"]) else math.inf,
            "p_worse": rank_sum_p(mine["scores"], ref["scores"]),
            "p_better": rank_sum_p(ref["scores"], mine["scores"]),
            "worse_pairs": worse_pairs, "better_pairs": better_pairs, "pairs": pairs,
            "p_worse_pairs": sign_test_p(worse_pairs, pairs), "p_better_pairs": sign_test_p(better_pairs, pairs)}


def evidence(name: str, c: dict) -> tuple[str, str]:
    """The two pieces of evidence of a comparison with V, as table cells."""
    tuned = (f"{name}/V = {format_value(c['ratio'])}; p(worse) = {format_value(c['p_worse'])}, "
             f"p(better) = {format_value(c['p_better'])}")
    search = (f"worse in {c['worse_pairs']}/{c['pairs']} paired trials (p = {format_value(c['p_worse_pairs'])}), "
              f"better in {c['better_pairs']} (p = {format_value(c['p_better_pairs'])})")
    return tuned, search


def claims(entries: dict, summary: dict, variance: dict) -> list[dict]:
    """The paper's findings, tested on one task. A claim holds or not on the tuned comparison (best learning
    rate per variant, seeds compared by the exact rank-sum test), as in the paper; the paired comparison over
    the whole search is reported beside it."""
    c = {name: compare(entries, summary, name) for name in summary if name != "V"}
    rows = []
    for name in ("NFG", "NOAF"):
        rows.append({"claim": f"{name} is worse than V", "holds": c[name]["p_worse"] <= ALPHA,
                     "evidence": evidence(name, c[name])})
    for name in ("CIFG", "NP"):
        ok = min(c[name]["p_worse"], c[name]["p_better"], c[name]["p_worse_pairs"], c[name]["p_better_pairs"]) > ALPHA
        rows.append({"claim": f"{name} matches V (no significant difference either way, by either test)",
                     "holds": ok, "evidence": evidence(name, c[name])})
    rows.append({"claim": "FGR brings no gain over V", "holds": c["FGR"]["p_better"] > ALPHA,
                 "evidence": evidence("FGR", c["FGR"])})
    better = [n for n in c if c[n]["p_better"] <= ALPHA]
    better_search = [n for n in c if c[n]["p_better_pairs"] <= ALPHA]
    rows.append({"claim": "no variant is better than V", "holds": not better,
                 "evidence": ("better at the best lr: " + (", ".join(better) or "none"),
                              "better over the search: " + (", ".join(better_search) or "none"))})
    hurt = [n for n in ("NIG", "NOG", "NIAF") if n in c and c[n]["p_worse"] <= ALPHA]
    hurt_search = [n for n in ("NIG", "NOG", "NIAF") if n in c and c[n]["p_worse_pairs"] <= ALPHA]
    rows.append({"claim": "NIG, NOG or NIAF is worse than V (paper: on two of three data sets)", "holds": bool(hurt),
                 "evidence": ("worse at the best lr: " + (", ".join(hurt) or "none"),
                              "worse over the search: " + (", ".join(hurt_search) or "none"))})
    within = float(np.mean([lr_share_within(e) for e in entries.values()]))
    rows.append({"claim": "the learning rate explains most of the variance within a variant",
                 "holds": within > 0.5,
                 "evidence": (f"learning rate {format_value(within)} of the variance within a variant (mean over "
                              f"variants), seeds the rest",
                              f"across variants: learning rate {format_value(variance['learning rate'])}, variant "
                              f"{format_value(variance['variant'])}, seed {format_value(variance['seed'])}")})
    return rows


def variance_shares(entries: dict) -> dict:
    """Shares of the variance of log10 test MSE over all trials of a task (a two-factor ANOVA).

    The grid is complete (variant x learning rate x seed), so the two main effects, their
    interaction and the remainder (seed to seed) add up to the total. A diverged trial counts as
    the worst finite score of the task.
    """
    scores = np.stack([entries[v]["test"]["mse"] for v in entries])       # (variants, lrs, seeds)
    logs = np.log10(np.where(np.isfinite(scores), scores, np.nanmax(scores)))
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
    s = entry["test"]["mse"]
    logs = np.log10(np.where(np.isfinite(s), s, np.nanmax(s) if np.isfinite(s).any() else 1.0))
    total = float(np.sum((logs - logs.mean()) ** 2))
    between = logs.shape[1] * float(np.sum((logs.mean(axis=1) - logs.mean()) ** 2))
    return between / total if total > 0 else 0.0


def analyse(collected: dict, lrs) -> dict:
    out = {}
    for task, entries in collected.items():
        summary = {v: variant_summary(e, lrs) for v, e in entries.items()}
        variance = variance_shares(entries)
        out[task] = {"summary": summary, "variance": variance,
                     "ranking": sorted(summary, key=lambda v: (summary[v]["mean"], summary[v]["median_all"])),
                     "claims": claims(entries, summary, variance) if set(VARIANTS) <= set(summary) else [],
                     "lr_share": {v: lr_share_within(e) for v, e in entries.items()}}
    return out


def verdict_for(analysis: dict) -> tuple[str, str]:
    """From the claims on the continual task (the one built so that the paper's findings can show).

    yes: every claim holds; partial: at least half hold, one of the two central ones (NFG or NOAF
    worse than V) among them; qualitative: NFG and NOAF at least rank below V; no: otherwise.
    """
    rows = analysis["stream"]["claims"]
    held = [r["claim"] for r in rows if r["holds"]]
    failed = [r["claim"] for r in rows if not r["holds"]]
    s = analysis["stream"]["summary"]
    below = s["NFG"]["mean"] > s["V"]["mean"] and s["NOAF"]["mean"] > s["V"]["mean"]
    text = f"{len(held)}/{len(rows)} of the paper's claims hold on the continual task"
    if not failed:
        return "yes", text
    missing = "; not: " + ", ".join(failed)
    if (rows[0]["holds"] or rows[1]["holds"]) and 2 * len(held) >= len(rows):
        return "partial", text + missing
    if below:
        return "qualitative", text + " (NFG and NOAF rank below V, but the tests carry too few claims)" + missing
    return "no", text + missing


# ----------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------

EXTRA = {"stream": ("sign_errors", "sign errors (best lr)"), "adding": ("within_0.04", "share |err| < 0.04 (best lr)")}


def ranking_columns(task: Task, n_trials: int) -> list[str]:
    return ["rank", "variant", "change", "best lr", "test MSE mean", "± std", "min", "max", "vs V",
            f"median of all {n_trials} trials", "diverged", EXTRA[task.name][1], "weights"]


def ranking_row(rank, name, description, s: dict, v_mean: float | None, task: Task) -> list:
    return [rank, name, description, s["lr"], s["mean"], s["std"], s["min"], s["max"],
            s["mean"] / v_mean if v_mean else None, s["median_all"], s["diverged"], s[EXTRA[task.name][0]],
            s["params"]]


def ranking_table(task: Task, result: dict, lrs, seeds) -> dict:
    summary = result["summary"]
    v_mean = summary["V"]["mean"] if "V" in summary else None
    rows = [ranking_row(rank, name, DESCRIPTION[name], summary[name], v_mean, task)
            for rank, name in enumerate(result["ranking"], 1)]
    return {"title": f"{task.title}: variants ranked by test MSE at their best learning rate (mean ± std over "
                     f"seeds {seeds[0]}-{seeds[-1]}; {len(lrs)} learning rates; {task.steps} batches of "
                     f"{task.batch} x {task.length} steps; {task.hidden} cells)",
            "columns": ranking_columns(task, len(lrs) * len(seeds)), "rows": rows}


def claims_table(analysis: dict) -> dict:
    rows = []
    for task in ("stream", "adding"):
        for r in analysis.get(task, {}).get("claims", []):
            rows.append([r["claim"], task, "holds" if r["holds"] else "does not hold", *r["evidence"]])
    return {"title": f"The paper's claims, tested on each task: at the best learning rate of each variant (exact "
                     f"one-sided rank-sum tests over seeds, p <= {ALPHA}), which decides, except that 'matches' also "
                     f"needs the paired comparison of all trials (same learning rate and seed; exact sign tests) to "
                     f"find no difference",
            "columns": ["paper's claim", "task", "here", "at the best learning rate", "over the whole search"],
            "rows": rows}


def variance_table(analysis: dict) -> dict:
    rows = []
    for task, result in analysis.items():
        s = result["variance"]
        rows.append([task, s["learning rate"], s["variant"], s["learning rate x variant"], s["seed"],
                     float(np.mean(list(result["lr_share"].values())))])
    return {"title": "Shares of the variance of log10 test MSE over all trials of a task (the analogue of the "
                     "paper's fANOVA)",
            "columns": ["task", "learning rate", "variant", "learning rate x variant", "seed (remainder)",
                        "learning rate, within one variant (mean over variants)"],
            "rows": rows}


def lr_table(collected: dict, lrs) -> dict:
    rows = []
    for task, entries in collected.items():
        for name, entry in entries.items():
            s = entry["test"]["mse"]
            rows.append([task, name, *[float(np.mean(finite_or_inf(s[a]))) for a in range(len(lrs))]])
    return {"title": "Mean test MSE over seeds at every learning rate of the search (inf: a seed diverged)",
            "columns": ["task", "variant", *[f"lr {format_value(lr)}" for lr in lrs]], "rows": rows}


# ----------------------------------------------------------------------------------------
# Gradient check: every variant's population loss, through shared.gradcheck
# ----------------------------------------------------------------------------------------


def gradient_check(variants=VARIANTS, max_entries: int | None = 24) -> dict:
    """Max relative error per variant of the population's loss (sum of the trials' MSEs).

    A 2-trial population (3 cells each) in float64, weights drawn large enough that every path
    matters, a carried initial state, both read-outs; only the entries a trial owns are checked
    (the zero blocks between trials are held fixed, like the structural zeros they are).
    """
    errors = {}
    for variant in variants:
        worst = 0.0
        for readout in ("all", "last"):
            pop = Population(variant, (2, 3, 1), [0, 1], [1e-2, 1e-2], readout, dtype=np.float64)
            rng = np.random.default_rng(7)
            for name, value in pop.net.params.items():
                value[...] = rng.normal(0, 0.5, value.shape) * pop.mask[name]
            x = rng.normal(0, 1, (3, 6, 4))
            targets = rng.normal(0, 1, (3, 6, 2, 1) if readout == "all" else (3, 2, 1))
            state = tuple(rng.normal(0, 0.5, (3, 6)) for _ in range(2))
            _, grads = pop.loss_and_grads(x, targets, state)

            def loss():
                return float(np.sum(pop.losses(x, targets, state)[0]))

            found = check_gradients(loss, pop.net.params, grads, entries=pop.owned, max_entries=max_entries,
                                    rng=np.random.default_rng(1))
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
    task, seed, lr = job
    model = odyssnet_model(seed)
    trainer = OdyssNetTrainer(model, lr=lr)
    r = ODYSSNET["thinking_steps_per_input"]
    batches = training_batches(task, [seed])
    validation = fixed_data(task, VALIDATION, task.val_size)
    eval_at = evaluation_steps(task)
    state, curve, alive = None, [], True
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
            curve.append(odyssnet_scores(model, trainer, task, validation)["mse"] if alive else math.nan)
    test = odyssnet_scores(model, trainer, task, fixed_data(task, TEST, task.test_size)) if alive else {}
    return {"task": task.name, "seed": seed, "lr": lr, "curve": curve, "eval_at": eval_at,
            "test": {"mse": test.get("mse", math.nan), EXTRA[task.name][0]: test.get(EXTRA[task.name][0], math.nan)}}


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


def odyssnet_run(tasks, lrs, seeds, workers: int) -> tuple[dict, dict]:
    """All OdyssNet trials, and V's populations on the same tasks as the reference row."""
    trials = [(task, s, lr) for task in tasks for lr in lrs for s in seeds]
    v_jobs = make_jobs(tasks, ["V"], lrs, seeds)
    print(f"{odyssnet_name()} (stream mode, AdamW, clip 1): {len(trials)} trials; V again as the reference")
    items = [(train_job, job) for job in v_jobs] + [(odyssnet_trial, t) for t in trials]
    costs = [job_cost(job) for job in v_jobs] + [t[0].steps * t[0].length * 0.25 for t in trials]
    results = parallel(items, workers, "runs done", costs)
    v_results, results = results[:len(v_jobs)], results[len(v_jobs):]
    entries = {}
    for task in tasks:
        entry = {"val": np.full((len(lrs), len(seeds)), np.nan), "params": odyssnet_model(0).get_num_params(),
                 "test": {k: np.full((len(lrs), len(seeds)), np.nan) for k in ("mse", EXTRA[task.name][0])},
                 "curves": np.full((len(lrs), len(seeds), len(evaluation_steps(task))), np.nan),
                 "eval_at": evaluation_steps(task)}
        for r in results:
            if r["task"] == task.name:
                a, b = lrs.index(r["lr"]), seeds.index(r["seed"])
                entry["val"][a, b] = r["curve"][-1]
                entry["curves"][a, b] = r["curve"]
                for k, v in r["test"].items():
                    entry["test"][k][a, b] = v
        entries[task.name] = entry
    return entries, collect(v_results, lrs, seeds)


def odyssnet_section(tasks, lrs, seeds, entries: dict, v_collected: dict, clock: Progress) -> dict:
    """The record section of --model odyssnet: per task one table with V's row and the OdyssNet row."""
    tables, headline, per_seed = [], {}, {s: {"seed": s} for s in seeds}
    for task in tasks:
        odn = variant_summary(entries[task.name], lrs)
        v = variant_summary(v_collected[task.name]["V"], lrs)
        c = compare({"OdyssNet": entries[task.name], "V": v_collected[task.name]["V"]},
                    {"OdyssNet": odn, "V": v}, "OdyssNet")
        rows = [ranking_row("-", "V", DESCRIPTION["V"], v, v["mean"], task),
                ranking_row("-", "OdyssNet", odyssnet_name(), odn, v["mean"], task)]
        tables.append({"title": f"{task.title}: the OdyssNet core under the same search as the LSTM variants (same "
                                f"data, {task.steps} batches of {task.batch} x {task.length} steps, the same "
                                f"{len(lrs)} learning rates, seeds {seeds[0]}-{seeds[-1]}); V for reference",
                       "columns": ranking_columns(task, len(lrs) * len(seeds)), "rows": rows})
        tuned, search = evidence("OdyssNet", c)
        tables.append({"title": f"{task.title}: OdyssNet against V",
                       "columns": ["at the best learning rate", "over the whole search"], "rows": [[tuned, search]]})
        headline[f"{task.name}: OdyssNet test MSE (best lr, mean)"] = odn["mean"]
        headline[f"{task.name}: OdyssNet / V"] = c["ratio"]
        for b, seed in enumerate(seeds):
            per_seed[seed][f"{task.name}_odyssnet"] = float(odn["scores"][b])
            per_seed[seed][f"{task.name}_V"] = float(v["scores"][b])
        if task.name == "stream":
            for b, seed in enumerate(seeds):
                errors = entries["stream"]["test"]["sign_errors"][odn["lr_index"], b]
                per_seed[seed]["solved"] = bool(errors < SOLVED_SIGN_ERRORS)
    rows = list(per_seed.values())
    seeds_block = None
    if "stream" in entries and len(seeds) > 1:
        summ = summarize([r["stream_odyssnet"] for r in rows], [r["solved"] for r in rows])
        seeds_block = {"per_seed": rows, "summary": {**summ, "metric": "stream_odyssnet"}}
    summary = "OdyssNet core under the same search: " + "; ".join(
        f"{t.name} test MSE {format_value(headline[f'{t.name}: OdyssNet test MSE (best lr, mean)'])} "
        f"({format_value(headline[f'{t.name}: OdyssNet / V'])}x V)" for t in tasks)
    return {"summary": summary, "headline": headline, "seeds": seeds_block, "tables": tables,
            "wallclock_s": clock.elapsed, "curves": curves_record(lrs, seeds, {t: {"OdyssNet": e}
                                                                               for t, e in entries.items()})}


# ----------------------------------------------------------------------------------------
# The record
# ----------------------------------------------------------------------------------------

def curves_record(lrs, seeds, collected: dict) -> dict:
    """Validation curves and test scores of every trial, for the figures (lists indexed [lr][seed])."""
    return {"lrs": lrs, "seeds": seeds,
            "tasks": {task: {name: {"eval_at": e["eval_at"], "val_curves": e["curves"], "test_mse": e["test"]["mse"],
                                    "val_mse": e["val"]}
                             for name, e in entries.items()} for task, entries in collected.items()}}


def lstm_record(tasks, lrs, seeds, collected: dict, analysis: dict, clock: Progress) -> dict:
    verdict, reason = verdict_for(analysis)
    stream, adding = analysis["stream"], analysis.get("adding")
    s = stream["summary"]
    ratio = {n: s[n]["mean"] / s["V"]["mean"] for n in VARIANTS}
    per_seed = []
    for b, seed in enumerate(seeds):
        row = {"seed": seed}
        for name in VARIANTS:
            row[f"stream_{name}"] = float(s[name]["scores"][b])
        errors = collected["stream"]["V"]["test"]["sign_errors"][s["V"]["lr_index"], b]
        row["solved"] = bool(errors < SOLVED_SIGN_ERRORS)
        row["V_beats_NFG_and_NOAF"] = bool(s["V"]["scores"][b] < min(s["NFG"]["scores"][b], s["NOAF"]["scores"][b]))
        per_seed.append(row)
    summ = summarize([r["stream_V"] for r in per_seed], [r["solved"] for r in per_seed])
    held = sum(r["holds"] for r in stream["claims"])
    headline = {"stream: V test MSE (best lr, mean)": s["V"]["mean"],
                **{f"stream: {n} / V": ratio[n] for n in ("NFG", "NOAF", "CIFG", "NP", "FGR")},
                "stream: claims holding": f"{held}/{len(stream['claims'])}"}
    if adding:
        a = adding["summary"]
        headline["adding: NFG / V"] = a["NFG"]["mean"] / a["V"]["mean"]
        headline["adding: claims holding"] = f"{sum(r['holds'] for r in adding['claims'])}/{len(adding['claims'])}"
    tables = [ranking_table(t, analysis[t.name], lrs, seeds) for t in tasks]
    tables += [claims_table(analysis), variance_table(analysis), lr_table(collected, lrs)]
    summary = (f"continual task: NFG {format_value(ratio['NFG'])}x and NOAF {format_value(ratio['NOAF'])}x V's test "
               f"MSE at their best learning rates, CIFG {format_value(ratio['CIFG'])}x, "
               f"NP {format_value(ratio['NP'])}x, FGR {format_value(ratio['FGR'])}x; "
               f"{held}/{len(stream['claims'])} claims hold")
    if adding:
        summary += f"; adding control: NFG {format_value(headline['adding: NFG / V'])}x V"
    return {
        "slug": SLUG,
        "paper": {"citation": CITATION, "claim": CLAIM, "numbers": PAPER_NUMBERS},
        "verdict": {"value": verdict, "reason": reason},
        "summary": summary,
        "headline": headline,
        "seeds": {"per_seed": per_seed, "summary": {**summ, "metric": "stream_V"}} if len(seeds) > 1 else None,
        "tables": tables,
        "tour": ("Seed 0 of V, CIFG, NFG and NOAF learning the continual sign task: their outputs on a fresh stream "
                 "every 50 batches, beside the recorded validation curves of all nine variants."),
        "wallclock_s": clock.elapsed,
        "curves": curves_record(lrs, seeds, collected),
    }


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for tests: 2 learning rates, at most 2 seeds, 20 "
                         "batches, 4 cells, short validation and test sets; all nine variants on both tasks")
    parser.add_argument("--model", choices=["lstm", "odyssnet"], default="lstm",
                        help="lstm: the nine LSTM variants (default); odyssnet: the catalog's OdyssNet core under "
                             "the same search, with V as the reference")
    parser.add_argument("--tasks", default="stream,adding",
                        help="comma-separated tasks among stream, adding (default: both)")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help="comma-separated LSTM variants (default: all nine, which the claims and --record need)")
    parser.add_argument("--n-lrs", type=positive_int, default=5,
                        help="learning rates of the search: one log-uniform draw in each of N equal slices of "
                             "[--lr-low, --lr-high] (default 5)")
    parser.add_argument("--lr-low", type=positive_float, default=1e-3, help="lowest learning rate (default 1e-3)")
    parser.add_argument("--lr-high", type=positive_float, default=10 ** -0.5,
                        help="highest learning rate (default 10^-0.5, about 0.316)")
    parser.add_argument("--steps", type=positive_int, default=None,
                        help=f"training batches per trial (default {TASKS['stream'].steps})")
    parser.add_argument("--hidden", type=positive_int, default=None,
                        help=f"memory cells per LSTM (default {TASKS['stream'].hidden})")
    parser.add_argument("--workers", type=positive_int, default=2,
                        help="processes training in parallel (the results do not depend on it; default 2)")
    parser.add_argument("--gradcheck", action="store_true",
                        help="check the population gradient of every variant numerically and exit (non-zero "
                             "above 1e-6)")
    args = parser.parse_args(argv)
    args.tasks, args.variants = args.tasks.split(","), args.variants.split(",")
    if any(t not in TASKS for t in args.tasks) or len(set(args.tasks)) != len(args.tasks):
        parser.error(f"--tasks must list distinct tasks among {', '.join(TASKS)}")
    if any(v not in VARIANTS for v in args.variants) or len(set(args.variants)) != len(args.variants):
        parser.error(f"--variants must list distinct variants among {', '.join(VARIANTS)}")
    if args.lr_low >= args.lr_high:
        parser.error("--lr-low must be below --lr-high")
    if args.lr_high > 10:
        parser.error("--lr-high must be at most 10")
    if args.record and args.model == "lstm" and (set(args.variants) != set(VARIANTS) or "stream" not in args.tasks):
        parser.error("--record needs all nine variants and the stream task (the claims and the verdict use them)")
    if args.record and args.model == "odyssnet" and "stream" not in args.tasks:
        parser.error("--record needs the stream task")
    return args


def configured_tasks(args) -> list[Task]:
    tasks = []
    for name in args.tasks:
        task = TASKS[name]
        if args.quick:
            task = replace(task, steps=20, hidden=4, evals=2, val_size=16, val_length=100,
                           test_size=32 if name == "stream" else 128, test_length=200)
        if args.steps is not None:
            task = replace(task, steps=args.steps, evals=min(task.evals, args.steps))
        if args.hidden is not None:
            task = replace(task, hidden=args.hidden)
        tasks.append(task)
    return tasks


def print_table(table: dict) -> None:
    print(f"\n{table['title']}")
    print(format_table(table["columns"], table["rows"]))


PAPER_FIGURES = {"NFG, NOAF": "significantly worse on all 3 data sets", "CIFG, NP": "no significant difference",
                 "FGR": "no significant gain, nine more recurrent weight matrices",
                 "NIG, NOG, NIAF": "significantly worse on TIMIT and IAM, not on JSB",
                 "most important hyperparameter": "learning rate", "trials": 5400}


def main(argv=None) -> int:
    args = parse_args(argv)
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
    tasks = configured_tasks(args)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    lrs = learning_rates(args.seed, args.n_lrs, args.lr_low, args.lr_high)
    print(f"learning rates {', '.join(format_value(lr) for lr in lrs)}; seeds {seeds[0]}..{seeds[-1]}; tasks "
          f"{', '.join(t.name for t in tasks)}")

    if args.model == "odyssnet":
        entries, v_collected = odyssnet_run(tasks, lrs, seeds, args.workers)
        section = odyssnet_section(tasks, lrs, seeds, entries, v_collected, clock)
        for table in section["tables"]:
            print_table(table)
        print_verdict(section["headline"], {"paper": "no OdyssNet in the paper; V is the reference"}, None,
                      "a comparison run: the paper's claims are about the LSTM variants (--model lstm)")
        if args.record:
            save_record(args.record, section, __file__, section="odyssnet")
        return 0

    jobs = make_jobs(tasks, args.variants, lrs, seeds)
    print(f"{len(jobs)} populations ({len(lrs) * len(seeds)} trials per variant and task) on {args.workers} "
          f"worker(s)")
    results = parallel([(train_job, job) for job in jobs], args.workers, "populations done",
                       [job_cost(job) for job in jobs])
    collected = collect(results, lrs, seeds)
    analysis = analyse(collected, lrs)
    for task in tasks:
        print_table(ranking_table(task, analysis[task.name], lrs, seeds))
    print_table(lr_table(collected, lrs))
    print_table(variance_table(analysis))
    if set(args.variants) != set(VARIANTS) or "stream" not in analysis:
        print_verdict({"populations": len(jobs)}, PAPER_FIGURES, None,
                      "a partial run: the claims and the verdict need all nine variants and the stream task")
        return 0
    print_table(claims_table(analysis))
    record = lstm_record(tasks, lrs, seeds, collected, analysis, clock)
    print_verdict(record["headline"], PAPER_FIGURES, record["verdict"]["value"], record["verdict"]["reason"])
    if args.record:
        save_record(args.record, record, __file__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
