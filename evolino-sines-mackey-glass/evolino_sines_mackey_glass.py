"""Evolino: LSTM hidden weights evolved by ESP, the linear read-out solved by the pseudo-inverse, on
superimposed sines (2-5) and the Mackey-Glass series (tau = 17); an echo-state network as the baseline.

Schmidhuber, J., Wierstra, D., Gagliolo, M. & Gomez, F. (2007). Training recurrent networks by Evolino.
Neural Computation 19(3):757-779 (with Schmidhuber, Wierstra & Gomez, IJCAI 2005, pp. 853-858).

Evolino (EVOlution of systems with LINear Outputs): a population of recurrent nets is evolved; to score
one, the training sequence is fed into it (teacher forcing: the input at step t is the target of step
t - 1), its hidden states after a washout are collected, and the output weights that map them to the
targets with the least squared error are computed by the Moore-Penrose pseudo-inverse. The net is then
scored by how well it predicts with those weights. The recurrent part is an LSTM whose memory cells are
co-evolved by ESP (Enforced SubPopulations): one subpopulation per cell, a cell's genes being all the
weights into its cell input, its input, forget and output gates, and its three peepholes.

Tasks (one scalar series each; the net reads the previous value, teacher-forced while training,
its own output while running free):
  sines k   y(t) = (1/k) sum_{i<k} sin(f_i t), f = 0.2, 0.311, 0.42, 0.51, 0.74 (k = 2..5);
            scored by the NRMSE of a free-running continuation (test horizon after the training data).
  mackey    the Mackey-Glass delay equation, tau = 17, integrated as Jaeger (2001) does, squashed by
            tanh(y - 1); scored by NRMSE84: 20 starts in a held-out stretch, each teacher-forced, then
            84 free-running steps; the error at step 84 in the original coordinates over the attractor's
            standard deviation.
Baselines: an echo-state network (400 leaky tanh units, output feedback, Jaeger 2001 Sec. 6's recipe),
the OdyssNet core as Evolino's recurrent part (its neurons evolved by the same ESP, the same read-out).

Run:  python3 evolino-sines-mackey-glass/evolino_sines_mackey_glass.py --task sines --sines 3 --n-seeds 10
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.frame.experiment import (Progress, conclude, format_table, format_value, require_seeds, stub_parser,
                                     summarize, summarize_measured)
from shared.frame.verdict import grade, judge, mean_within, paired_better, pending, rate_at_least, rate_at_most
from shared.learning import tape_episodes
from shared.learning.control import OdyssNetBank
from shared.search.neuroevo import ESP

SLUG = "evolino-sines-mackey-glass"
FREQUENCIES = (0.2, 0.311, 0.42, 0.51, 0.74)

# ========================================================================================
# GENERAL PIECES (for shared/): the Mackey-Glass integrator, a bank of LSTMs built from genomes
# (P nets with their own weights, stepped together), the echo-state network.
# ========================================================================================


def mackey_glass(n: int, tau: float = 17.0, delta: float = 0.1, subsample: int = 10, discard: int = 1000,
                 y0: float = 1.2, rng: np.random.Generator | None = None) -> np.ndarray:
    """n samples of dy/dt = 0.2 y(t - tau) / (1 + y(t - tau)^10) - 0.1 y(t), integrated as Jaeger (2001,
    GMD Report 148, Sec. 6.1, eq. 23) does: Euler steps of delta = 1/10, every 10th kept (one sample per
    time unit). The history before t = 0 is y0 (plus a uniform jitter of 0.01 from rng, if given, so
    seeds see different stretches of the attractor); the first `discard` samples (the transient) are dropped."""
    lag = int(round(tau / delta))
    total = (n + discard) * subsample
    y = np.empty(total + lag + 1)
    y[: lag + 1] = y0 + (0.0 if rng is None else rng.uniform(-0.01, 0.01))
    for i in range(lag, lag + total):
        d = y[i - lag]
        y[i + 1] = y[i] + delta * (0.2 * d / (1.0 + d ** 10) - 0.1 * y[i])
    return y[lag + 1::subsample][discard: discard + n].copy()


def superimposed_sines(k: int, n: int, start: int = 0) -> np.ndarray:
    """y(t) = (1/k) sum_{i<k} sin(f_i t) for t = start .. start + n - 1 (the first k of FREQUENCIES)."""
    t = np.arange(start, start + n, dtype=float)
    return np.sin(np.outer(t, FREQUENCIES[:k])).sum(1) / k


class LSTMBank:
    """P LSTMs of H cells (one cell per block, input, forget and output gates, peepholes: the 'V' cell of
    shared.networks.recurrent) with D inputs, each from its own genome (P, H * G), G = 4 (D + H + 1) + 3.

    Cell j's genes (its ESP chromosome): for each of its input gate, forget gate, output gate and cell
    input, the weights from the D inputs, from the H cell outputs at t - 1 and a bias; then its peepholes
    into the input, forget (both from c_{t-1}) and output gate (from c_t). i, f, o = sigmoid, g = tanh,
    c = f c + i g, h = o tanh(c). The tests check a genome against shared.networks.recurrent.LSTM('V')."""

    def __init__(self, genomes: np.ndarray, inputs: int, cells: int):
        genomes = np.asarray(genomes, dtype=float)
        self.P, self.D, self.H = len(genomes), inputs, cells
        z = inputs + cells + 1
        g = genomes.reshape(self.P, cells, 4 * z + 3)
        w = g[:, :, : 4 * z].reshape(self.P, cells, 4, z)                 # (P, cell, unit, [x, h, 1])
        # A[p, u*H + j, :]: the weights into unit u (input, forget, output, cell) of cell j
        self.A = np.ascontiguousarray(w.transpose(0, 2, 1, 3).reshape(self.P, 4 * cells, z))
        self.peep = np.ascontiguousarray(g[:, :, 4 * z:].transpose(0, 2, 1))     # (P, 3, H)

    @staticmethod
    def genes_per_cell(inputs: int, cells: int) -> int:
        return 4 * (inputs + cells + 1) + 3

    def initial_state(self):
        return np.zeros((self.P, self.H)), np.zeros((self.P, self.H))

    def step(self, x, state):
        """x (P, D), state (h, c) each (P, H) -> the new (h, c)."""
        h, c = state
        v = np.concatenate([x, h, np.ones((self.P, 1))], axis=1)
        a = (self.A @ v[:, :, None])[:, :, 0]
        H = self.H
        i = 0.5 + 0.5 * np.tanh(0.5 * (a[:, :H] + self.peep[:, 0] * c))
        f = 0.5 + 0.5 * np.tanh(0.5 * (a[:, H:2 * H] + self.peep[:, 1] * c))
        c = f * c + i * np.tanh(a[:, 3 * H:])
        o = 0.5 + 0.5 * np.tanh(0.5 * (a[:, 2 * H:3 * H] + self.peep[:, 2] * c))
        return o * np.tanh(c), c

    def take(self, idx):
        out = object.__new__(LSTMBank)
        out.P, out.D, out.H = len(np.arange(self.P)[idx]), self.D, self.H
        out.A, out.peep = self.A[idx], self.peep[idx]
        return out

    @staticmethod
    def features(state):
        return state[0]


class OdyssBank:
    """P OdyssNet cores of N neurons (shared.learning.control.OdyssNetBank's default core: tanh, memory
    feedback through an identity gate, StepNorm; one thinking step) from genomes (P, N * G), G = N + 4.
    Neuron j's genes (its ESP chromosome): its incoming synapses W[:, j] (the diagonal entry is held at
    0), its bias B_j, memory_feedback_j, memory_gate_j and norm.weight_j. The input reaches neuron 0
    (input_scale 1); the read-out is linear in all N states (solved by the pseudo-inverse)."""

    def __init__(self, genomes: np.ndarray, inputs: int, neurons: int):
        genomes = np.asarray(genomes, dtype=float)
        self.P, self.D, self.N = len(genomes), inputs, neurons
        g = genomes.reshape(self.P, neurons, neurons + 4)
        self.bank = OdyssNetBank(inputs, 1, neurons, 1, [0])
        W = g[:, :, :neurons].transpose(0, 2, 1).copy()                  # W[p, i, j]: i -> j
        W[:, np.arange(neurons), np.arange(neurons)] = 0.0
        self.bank.params = {"W": W, "B": g[:, :, neurons].copy(), "memory_feedback": g[:, :, neurons + 1].copy(),
                            "memory_gate": g[:, :, neurons + 2].copy(), "norm.weight": g[:, :, neurons + 3].copy(),
                            "input_scale": np.ones((self.P, inputs)), "output_scale": np.ones((self.P, 1))}

    @staticmethod
    def genes_per_cell(inputs: int, neurons: int) -> int:
        return neurons + 4

    def initial_state(self):
        return (np.zeros((self.P, 1, self.N)),)

    def step(self, x, state):
        h, _ = self.bank.step(state[0], x[:, None, :])
        return (h,)

    def take(self, idx):
        out = object.__new__(OdyssBank)
        out.P, out.D, out.N = len(np.arange(self.P)[idx]), self.D, self.N
        out.bank = object.__new__(OdyssNetBank)
        out.bank.__dict__.update(self.bank.__dict__)
        out.bank.params = {k: v[idx] for k, v in self.bank.params.items()}
        return out

    @staticmethod
    def features(state):
        return state[0][:, 0]


class ESNBank:
    """P echo-state networks (Jaeger 2001, Sec. 5-6): N leaky tanh units,
    x(n+1) = (1 - C a) x(n) + C tanh(W x(n) + w_in u + w_back y(n)), a constant input u = 0.2 (a bias
    signal, input weights 0, +-0.14 with probabilities 0.5, 0.25, 0.25), output feedback weights uniform
    in [-0.56, 0.56], W sparse (density `density`), rescaled to spectral radius `radius`. Only the
    read-out is trained (by the pseudo-inverse, like Evolino's). Defaults: Jaeger's Mackey-Glass net
    (N = 400, |lambda_max| = 0.79, C = 0.44, a = 0.9); the density is ours (not given there)."""

    def __init__(self, rngs, units: int = 400, radius: float = 0.79, leak_c: float = 0.44, leak_a: float = 0.9,
                 density: float = 0.05):
        self.P, self.N, self.C, self.a = len(rngs), units, leak_c, leak_a
        Ws, win, wback = [], [], []
        for rng in rngs:
            W = rng.uniform(-1, 1, (units, units)) * (rng.random((units, units)) < density)
            W *= radius / np.max(np.abs(np.linalg.eigvals(W)))
            Ws.append(W)
            win.append(rng.choice([0.0, 0.14, -0.14], size=units, p=[0.5, 0.25, 0.25]))
            wback.append(rng.uniform(-0.56, 0.56, units))
        self.W = np.stack(Ws)                       # (P, N, N): x_new = W @ x
        self.bias = 0.2 * np.stack(win)             # (P, N)
        self.back = np.stack(wback)                 # (P, N)

    def initial_state(self):
        return (np.zeros((self.P, self.N)),)

    def step(self, y_prev, state):
        x = state[0]
        pre = np.einsum("pij,pj->pi", self.W, x) + self.bias + self.back * y_prev
        return ((1.0 - self.C * self.a) * x + self.C * np.tanh(pre),)

    def take(self, idx):
        out = object.__new__(ESNBank)
        out.P, out.N, out.C, out.a = len(np.arange(self.P)[idx]), self.N, self.C, self.a
        out.W, out.bias, out.back = self.W[idx], self.bias[idx], self.back[idx]
        return out

    @staticmethod
    def features(state):
        return state[0]


# ========================================================================================
# Evolino's evaluation: teacher-forced states, the pseudo-inverse read-out, free-running prediction.
# ========================================================================================


def drive(net, series: np.ndarray, state=None, keep_from: int = 0):
    """Teacher forcing: step t reads series[:, t - 1] (0 at t = 0). series (P, T). Returns the features
    (P, T - keep_from, F) of steps keep_from.. and the final state."""
    P, T = series.shape
    state = net.initial_state() if state is None else state
    feats = []
    prev = np.zeros((P, 1))
    for t in range(T):
        state = net.step(prev, state)
        if t >= keep_from:
            feats.append(net.features(state))
        prev = series[:, t:t + 1]
    return np.stack(feats, axis=1), state


def readout(features: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Output weights (P, F + 1) by the Moore-Penrose pseudo-inverse: w = pinv([phi, 1]) y per net."""
    X = np.concatenate([features, np.ones(features.shape[:2] + (1,))], axis=2)
    X = np.nan_to_num(X, nan=0.0, posinf=0.0, neginf=0.0)
    return np.einsum("pft,pt->pf", np.linalg.pinv(X), targets)


def free_run(net, state, last: np.ndarray, weights: np.ndarray, steps: int):
    """Run free for `steps` steps from `state`, the first input being `last` (P,): each output is
    w . [phi, 1] and is fed back as the next input. Returns the outputs (P, steps)."""
    out = np.empty((len(last), steps))
    prev = last[:, None]
    for t in range(steps):
        state = net.step(prev, state)
        y = np.einsum("pf,pf->p", weights[:, :-1], net.features(state)) + weights[:, -1]
        y = np.clip(np.nan_to_num(y, nan=10.0), -10.0, 10.0)
        out[:, t] = y
        prev = y[:, None]
    return out


def nrmse(pred: np.ndarray, target: np.ndarray, var: float) -> np.ndarray:
    """sqrt(mean (pred - target)^2 / var) along the last axis."""
    return np.sqrt(np.mean((pred - target) ** 2, axis=-1) / var)


# ========================================================================================
# The tasks: data of one seed, Evolino's fitness split (washout | fit | validate), the tests.
# ========================================================================================


@dataclass(frozen=True)
class Config:
    task: str = "sines"            # "sines" or "mackey"
    sines: int = 3                 # k superimposed sines (sines task)
    model: str = "lstm"            # "lstm" (Evolino), "odyssnet" (OdyssNet core by the same ESP), "esn"
    cells: int = 10                # LSTM cells / OdyssNet neurons = ESP subpopulations
    size: int = 20                 # neurons (cells) per subpopulation
    trials: int = 5                # networks each cell takes part in per generation
    generations: int = 80
    alpha: float = 0.01            # Cauchy scale of mutation and burst mutation (ours, tuned on 2 seeds)
    burst_after: int = 10          # generations without improvement before burst mutation
    init: float = 0.1              # initial genes uniform in [-init, init] (ours: 1.0 saturates the cells)
    washout: int = 100             # steps whose states are not used for the read-out
    fit: int = 300                 # steps the read-out is solved on
    validate: int = 100            # free-running steps after the fit segment: the fitness
    test: int = 300                # sines: free-running test horizon after the validation segment
    mg_starts: int = 20            # Mackey-Glass: test starts for NRMSE84
    mg_warm: int = 300             # Mackey-Glass: teacher-forced steps before each 84-step free run
    esn_units: int = 400


def task_series(cfg: Config, seed: int) -> dict:
    """The seed's data. sines: one sequence (washout + fit + validate + test), the same for every seed
    (the task has no randomness; seeds differ in the search). mackey: a training sequence and a held-out
    continuation, from a start jittered by the seed; squashed by tanh(y - 1) (Jaeger 2001, Sec. 6.1)."""
    n_train = cfg.washout + cfg.fit + cfg.validate
    if cfg.task == "sines":
        y = superimposed_sines(cfg.sines, n_train + cfg.test)
        return {"train": y[:n_train], "test": y[n_train:], "full": y, "var": float(np.var(y)),
                "squash": False}
    rng = np.random.default_rng([seed, 33, 17])
    raw = mackey_glass(n_train + cfg.mg_starts * (cfg.mg_warm + 84), rng=rng)
    y = np.tanh(raw - 1.0)
    return {"train": y[:n_train], "test": y[n_train:], "raw": raw, "full": y, "var": float(np.var(raw)),
            "squash": True}


def fitness_of(net, series: np.ndarray, cfg: Config, var: float):
    """Evolino's evaluation of P nets on series (P, T): teacher-forced states, the pseudo-inverse
    read-out on the fit segment, then the NRMSE of a free run over the validation segment (lower is
    better). Returns the NRMSE (P,), the read-out weights and the final teacher-forced state."""
    w_end = cfg.washout + cfg.fit
    feats, state = drive(net, series[:, :w_end])
    weights = readout(feats[:, cfg.washout:], series[:, cfg.washout:w_end])
    pred = free_run(net, state, series[:, w_end - 1], weights, cfg.validate)
    err = nrmse(pred, series[:, w_end:w_end + cfg.validate], var)
    return np.nan_to_num(err, nan=1e3), weights, state


def unsquash(y):
    return np.arctanh(np.clip(y, -0.999999, 0.999999)) + 1.0


def test_sines(net, weights, data: dict, cfg: Config):
    """Teacher-forced through the training sequence, then free-running over the test horizon:
    NRMSE over it (P,) and the predictions (P, test)."""
    P = net_size(net)
    train = np.broadcast_to(data["train"], (P, len(data["train"])))
    _, state = drive(net, train)
    pred = free_run(net, state, train[:, -1], weights, cfg.test)
    return nrmse(pred, data["test"][None, :], data["var"]), pred


def test_mackey(net, weights, data: dict, cfg: Config):
    """NRMSE84 (Jaeger 2001, Sec. 6.3.1, eq. 25): from each of mg_starts disjoint stretches of the held-out
    continuation, teacher-force mg_warm steps from the zero state, run free 84 steps; the errors at step
    84, in the original coordinates (arctanh(y) + 1), over the original signal's standard deviation.
    Returns NRMSE84 (P,) and the free runs (P, starts, 84)."""
    P = net_size(net)
    span = cfg.mg_warm + 84
    test = data["test"]
    errs, runs = [], []
    for s in range(cfg.mg_starts):
        seg = test[s * span: (s + 1) * span]
        _, state = drive(net, np.broadcast_to(seg[:cfg.mg_warm], (P, cfg.mg_warm)))
        pred = free_run(net, state, np.full(P, seg[cfg.mg_warm - 1]), weights, 84)
        runs.append(pred)
        errs.append(unsquash(pred[:, -1]) - unsquash(seg[-1]))
    errs = np.stack(errs, axis=1)
    return np.sqrt(np.mean(errs ** 2, axis=1) / data["var"]), np.stack(runs, axis=1)


def net_size(net) -> int:
    return net.P


def make_net(cfg: Config, genomes):
    if cfg.model == "odyssnet":
        return OdyssBank(genomes, 1, cfg.cells)
    return LSTMBank(genomes, 1, cfg.cells)


def genes_per_cell(cfg: Config) -> int:
    return (OdyssBank if cfg.model == "odyssnet" else LSTMBank).genes_per_cell(1, cfg.cells)


# ========================================================================================
# The runs: all seeds evolve in lockstep, each generation of all seeds evaluated in one batch.
# ========================================================================================


def evolve(cfg: Config, seeds, progress: bool = True) -> dict:
    """ESP per seed; fitness = -log NRMSE of the validation free run (NRMSE capped at 10, so that a net
    that blows up does not swamp the mean fitness of the cells it took part with). Returns per seed the best network's
    genome, its read-out, the curve of the best validation NRMSE per generation, the bursts."""
    data = {s: task_series(cfg, s) for s in seeds}
    runs = {s: ESP(cfg.cells, genes_per_cell(cfg), cfg.size, np.random.default_rng([s, 33]), trials=cfg.trials,
                   alpha=cfg.alpha, burst_after=cfg.burst_after, init=cfg.init) for s in seeds}
    best = {s: (np.inf, None) for s in seeds}
    curves = {s: [] for s in seeds}
    snaps = {s: [] for s in seeds}
    clock = Progress(cfg.generations, label="generation", every_s=10.0) if progress else None
    for g in range(cfg.generations):
        asks = {s: runs[s].ask() for s in seeds}
        genomes = np.concatenate([asks[s] for s in seeds])
        series = np.concatenate([np.broadcast_to(data[s]["train"], (len(asks[s]), len(data[s]["train"])))
                                 for s in seeds])
        var = np.concatenate([np.full(len(asks[s]), float(np.var(data[s]["train"]))) for s in seeds])
        err, _, _ = fitness_of(make_net(cfg, genomes), series, cfg, var)
        at = 0
        for s in seeds:
            k = len(asks[s])
            e = err[at:at + k]
            at += k
            j = int(np.argmin(e))
            if e[j] < best[s][0]:
                best[s] = (float(e[j]), asks[s][j].copy())
                snaps[s].append((g, asks[s][j].copy()))
            runs[s].tell(-np.log(np.clip(e, 1e-6, 10.0)), asks[s])     # ESP maximises; a blow-up counts as 10
            curves[s].append(best[s][0])
        if clock is not None:
            clock.update(g + 1, best_median=float(np.median([best[s][0] for s in seeds])))
    return {"data": data, "best": best, "curves": curves, "bursts": {s: runs[s].bursts for s in seeds},
            "snaps": snaps}


def fit_readout(cfg: Config, net, data: dict):
    """The read-out of networks `net` on the training sequence (the same pseudo-inverse as in evolution)."""
    P = net_size(net)
    train = np.broadcast_to(data["train"], (P, len(data["train"])))
    _, weights, _ = fitness_of(net, np.ascontiguousarray(train), cfg, float(np.var(data["train"])))
    return weights


def test_networks(cfg: Config, net, weights, data: dict):
    return test_sines(net, weights, data, cfg) if cfg.task == "sines" else test_mackey(net, weights, data, cfg)


def run_evolino(cfg: Config, seeds, progress: bool = True):
    out = evolve(cfg, seeds, progress)
    rows, extra = [], {}
    for s in seeds:
        data = out["data"][s]
        net = make_net(cfg, out["best"][s][1][None])
        weights = fit_readout(cfg, net, data)
        score, pred = test_networks(cfg, net, weights, data)
        rows.append({"seed": s, "validation_nrmse": out["best"][s][0], "test_nrmse": float(score[0]),
                     "bursts": int(out["bursts"][s]), "evaluations": cfg.generations * cfg.size * cfg.trials})
        extra[s] = {"genome": out["best"][s][1], "weights": weights[0], "pred": pred[0], "curve": out["curves"][s],
                    "snaps": out["snaps"][s], "data": data}
    return rows, extra


def run_esn(cfg: Config, seeds, progress: bool = True):
    """The ESN baseline: the same data, washout and pseudo-inverse read-out; no search (one net per seed)."""
    rows, extra = [], {}
    for s in seeds:
        data = task_series(cfg, s)
        net = ESNBank([np.random.default_rng([s, 33, 400])], units=cfg.esn_units)
        weights = fit_readout(cfg, net, data)
        score, pred = test_networks(cfg, net, weights, data)
        rows.append({"seed": s, "test_nrmse": float(score[0])})
        extra[s] = {"weights": weights[0], "pred": pred[0], "data": data}
        if progress:
            print(f"  ESN seed {s}: test NRMSE {score[0]:.4g}", flush=True)
    return rows, extra


# ========================================================================================
# Data movement (issue 21)
# ========================================================================================


def _evaluation_program(cfg: Config):
    """One network's Evolino evaluation (fitness_of) on a Tape: teacher-forced through washout + fit steps
    (the input at step t is the series at t - 1, an argument: the data), the features of the fit steps with
    a column of ones (nan_to_num: a copy) and the least-squares read-out, then ``validate`` free-running
    steps (output w . [phi, 1], clipped, fed back) and the validation NRMSE (difference, square, mean,
    / var, sqrt)."""
    def program(tape):
        n = cfg.washout + cfg.fit + cfg.validate
        series = tape.argument(n, np.float64)
        if cfg.model == "odyssnet":
            p = tape_episodes.odyssnet_parameters(tape, cfg.cells, 1, 1)
            step = lambda x, state: tape_episodes.odyssnet_forward(tape, state[0], p, x)   # noqa: E731
        else:
            p = tape_episodes.lstm_parameters(tape, 1, cfg.cells, peepholes=True)
            step = lambda x, state: tape_episodes.lstm_advance(tape, x, state[0], state[1], p,   # noqa: E731
                                                               peepholes=True)
        state, features = (None, None), []
        x = tape.zeros((1, 1), np.float64)
        w_end = cfg.washout + cfg.fit
        for t in range(w_end):
            state = step(x, state)
            if t >= cfg.washout:
                features.append(state[0][0])
            x = series[t:t + 1][None, :]
        X = np.concatenate([np.stack(features), tape.zeros((cfg.fit, 1), np.float64)], axis=1)
        w = tape_episodes.lstsq_readout(tape, tape.map(X), series[cfg.washout:w_end])
        predictions = []
        for t in range(cfg.validate):
            state = step(x, state)
            y = tape.map(tape.reduce(tape.map(w[:-1], state[0][0])), w[-1])
            y = tape.map(tape.map(y))                                       # nan_to_num, clip
            predictions.append(y)
            x = y.reshape(1, 1)
        error = tape.map(np.stack(predictions), series[w_end:])
        tape.map(tape.map(tape.map(tape.reduce(tape.map(error, error)))))   # mean, / var, sqrt
        return tape
    return program


def _esn_step(tape, units: int):
    """One teacher-forced step of the ESN as ESNBank.step computes it: W x over the dense (N, N) matrix the
    stub stores (einsum, row by row), + bias, + back y, tanh, (1 - C a) x + C tanh(pre)."""
    f64 = np.float64
    W, bias, back = tape.argument((units, units), f64), tape.argument(units, f64), tape.argument(units, f64)
    x, y = tape.argument(units, f64), tape.argument(1, f64)
    pre = tape.map(tape.map(tape.matmul(W, x), bias), tape.map(back, y))
    tape.map(tape.map(x), tape.map(tape.map(pre)))
    return tape


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter. Evolino (and the OdyssNet core under the same ESP):
    one step is one network's evaluation, fitness_of at the recorded size: 400 teacher-forced steps of
    the 10-cell peephole LSTM (float64), the read-out of 11 weights fitted on the 300 fit steps, 100
    free-running validation steps. The pseudo-inverse (numpy's pinv: an SVD of the 300 x 11 matrix) is
    modelled by the normal equations solved by Gauss-Jordan (shared.learning.tape_episodes.lstsq_readout),
    of the same order (T F^2); the LSTM's [x, h, 1] product with one matrix A is written as x W + h U + b,
    its tanh-form sigmoids as one map each. Left out: ESP's population update (the cells' fitness sums,
    sorting, crossover and Cauchy mutation, about 200 genes a network) and the data's generation.
    Steps to solve: no Evolino run stops early; a run is solved when its final network's test NRMSE is
    under 0.1, so a solved run's steps are its whole budget (evaluations per run, seeds.per_seed), the
    median over solved runs; the headline (3 sines) and the OdyssNet core solved none. The ESN baseline
    has no search: one step is one teacher-forced step of its 400-unit reservoir (the dense 400 x 400
    matrix the stub multiplies, float64), and its steps to solve are the washout + fit steps that its one
    network runs before the read-out. Its read-out fit (a 300 x 401 least-squares problem, about 5e7
    multiply-adds by the normal equations, as many as the 400 reservoir steps) is left out: its cost to
    solve is low by up to a half."""
    def budget(part):
        runs = [r for r in (part.get("seeds") or {}).get("per_seed") or [] if r.get("solved")]
        return float(np.median([r["evaluations"] for r in runs])) if runs else None

    cfg = Config()
    evaluation = (f"one network's evaluation ({cfg.washout + cfg.fit} teacher-forced steps, the read-out fit, "
                  f"{cfg.validate} free-running steps)")
    lstm = (f"LSTM, {cfg.cells} peephole cells, {cfg.cells * genes_per_cell(cfg)} weights + "
            f"{cfg.cells + 1} read-out weights, float64")
    where = "the run's whole budget: evaluations per solved run (seeds.per_seed), median; solved at the end"
    rows = [{"row": "Evolino, 3 sines", "family": "evolution", "step": evaluation, "size": lstm,
             "program": _evaluation_program(cfg), "steps_to_solve": budget(record),
             "steps_from": where + " (none solved)"}]
    if "odyssnet" in record:
        ody = replace(cfg, model="odyssnet")
        rows.append({"row": "OdyssNet core by ESP, 3 sines", "family": "evolution", "step": evaluation,
                     "size": f"OdyssNet core, {cfg.cells} neurons, {cfg.cells * genes_per_cell(ody)} genes + "
                             f"{cfg.cells + 1} read-out weights, float64",
                     "program": _evaluation_program(ody), "steps_to_solve": budget(record["odyssnet"]),
                     "steps_from": "[odyssnet] " + where + " (none solved)"})
    if "sines2" in record:
        rows.append({"row": "Evolino, 2 sines", "family": "evolution", "step": evaluation, "size": lstm,
                     "program": _evaluation_program(replace(cfg, sines=2)),
                     "steps_to_solve": budget(record["sines2"]), "steps_from": "[sines2] " + where})
    if "esn-sines3" in record:
        summary = record["esn-sines3"]["seeds"]["summary"]
        solved = summary.get("n_solved") or 0
        rows.append({"row": "ESN, 3 sines", "family": "gradient",
                     "step": "one teacher-forced reservoir step",
                     "size": f"{cfg.esn_units} leaky tanh units, dense {cfg.esn_units} x {cfg.esn_units} matrix, float64",
                     "program": lambda tape: _esn_step(tape, cfg.esn_units),
                     "steps_to_solve": (cfg.washout + cfg.fit) if solved else None,
                     "steps_from": f"[esn-sines3] washout + fit steps of its one network (Config: {cfg.washout} + "
                                   f"{cfg.fit}); no search: a least-squares read-out, solved {solved}/{summary.get('n_runs')} at the end"})
    return rows


# ========================================================================================
# The verdict: the rule, written and committed before the recorded run.
# ========================================================================================

SOLVED_NRMSE = 0.1        # a sines run "generates" the series: free-running test NRMSE below 0.1 (ours)
MIN_SEEDS = 10
PAPER_MG_NRMSE84 = 1.9e-3
WHERE_PLAN = ("catalog-plan.md block 33 (the paper's figures as the project's plan gives them; the paper's "
              "result sections could not be read here)")
WHERE_IJCAI = ("IJCAI 2005, Sec. 1 (read): ESNs fail 'on some seemingly simple tasks, such as generating "
               "multiple superimposed sine waves'; abstract: Evolino 'performs exceptionally well across all "
               "tasks'")


def _rows(record: dict, section: str | None) -> list:
    part = record if section is None else (record.get(section) or {})
    return (part.get("seeds") or {}).get("per_seed") or []


def verdict(record: dict) -> dict:
    """The catalog's verdict for evolino-sines-mackey-glass, from four recorded parts.

    Claims (metric, test), Holm-corrected at 0.05; each part needs >= 10 seeds:
    1. Evolino (ESP-evolved LSTM, pseudo-inverse read-out) generates 5 superimposed sines (the
       "sines5" section): share of seeds whose free-running test NRMSE (the test horizon after the
       training data) is below 0.1; exact binomial, H0 rate <= 0.6 (every seed, less a margin of 0.4:
       with 10 seeds and Holm over four claims, 10/10 is needed).
    2. The echo-state network fails at 3 sines (the "esn-sines3" section): the same share; exact
       binomial, H0 rate >= 0.4 (none, plus a margin of 0.4).
    3. Evolino beats the ESN at 3 sines (headline vs "esn-sines3", paired seeds): one-sided paired t
       on the log ratios of the test NRMSEs.
    4. Evolino's Mackey-Glass NRMSE84 (the "mackey" section) matches the paper's 1.9e-3 within a
       factor of 3: TOST on the log values (geometric mean).
    Primary: claims 1-2 (the contrast the paper draws). yes: all hold; partial: 1-2 hold; no: 1 or 2 fails.
    """
    parts = {"headline (sines, 3)": _rows(record, None), "sines5": _rows(record, "sines5"),
             "esn-sines3": _rows(record, "esn-sines3"), "mackey": _rows(record, "mackey")}
    short = [f"{k}: {len(v)}" for k, v in parts.items() if len(v) < MIN_SEEDS]
    if short:
        return pending(f"the rule needs >= {MIN_SEEDS} seeds in each part; have {', '.join(short)}")
    esn = {r["seed"]: r for r in parts["esn-sines3"]}
    paired = [r for r in parts["headline (sines, 3)"] if r["seed"] in esn]
    metric = f"share of seeds whose free-running test NRMSE is below {SOLVED_NRMSE}"
    claims = judge([
        rate_at_least("Evolino-LSTM generates 5 superimposed sines", WHERE_PLAN + "; " + WHERE_IJCAI,
                      [r["test_nrmse"] < SOLVED_NRMSE for r in parts["sines5"]], 1.0, 0.4, metric=metric),
        rate_at_most("An echo-state network fails at 3 superimposed sines", WHERE_PLAN + "; " + WHERE_IJCAI,
                     [r["test_nrmse"] < SOLVED_NRMSE for r in parts["esn-sines3"]], 0.0, 0.4, metric=metric),
        paired_better("Evolino-LSTM beats the echo-state network at 3 sines", WHERE_IJCAI,
                      [max(r["test_nrmse"], 1e-12) for r in paired],
                      [max(esn[r["seed"]]["test_nrmse"], 1e-12) for r in paired],
                      metric="free-running test NRMSE, log ratio Evolino / ESN per seed"),
        mean_within("Evolino's Mackey-Glass NRMSE84 is the paper's 1.9e-3", WHERE_PLAN,
                    [max(r["test_nrmse"], 1e-12) for r in parts["mackey"]], PAPER_MG_NRMSE84, 3.0,
                    metric="NRMSE84 (Jaeger 2001, eq. 25) over 20 held-out starts per seed", log=True),
    ])
    return grade(claims, primary=2)


PAPER = {
    "citation": "Schmidhuber, J., Wierstra, D., Gagliolo, M. & Gomez, F. (2007). Training recurrent networks by "
                "Evolino. Neural Computation 19(3):757-779 (doi:10.1162/neco.2007.19.3.757); with Schmidhuber, "
                "J., Wierstra, D. & Gomez, F. (2005). Evolino: hybrid neuroevolution / optimal linear search for "
                "sequence learning. Proc. IJCAI 2005, pp. 853-858.",
    "claim": "Evolino evolves the hidden weights of LSTM nets (ESP, one subpopulation per memory cell) and computes "
             "the output weights by the pseudo-inverse; it learns to generate superimposed sine waves, where echo-"
             "state networks fail, and predicts the Mackey-Glass series. Read here: both abstracts, the IJCAI "
             "introduction and the NC 2007 title page; the method and result sections could not be reached, so "
             "the settings are ours and the figures are the project plan's (secondary).",
    "figures": [
        {"name": "Mackey-Glass (tau = 17) NRMSE84 of Evolino-LSTM", "value": PAPER_MG_NRMSE84, "where": WHERE_PLAN},
        {"name": "superimposed sines: the echo-state baseline fails at / Evolino succeeds up to", "value": "3 / 5",
         "where": WHERE_PLAN},
        {"name": "echo-state network, Mackey-Glass tau = 17, 3000 training steps, NRMSE84", "value": 2.8e-4,
         "where": "Jaeger 2001, GMD Report 148, Sec. 6.4 (read): the ESN baseline's own paper"},
    ],
}

SECTIONS = {
    "sines2": "Evolino, 2 sines", "sines4": "Evolino, 4 sines", "sines5": "Evolino, 5 sines",
    "mackey": "Evolino, Mackey-Glass tau = 17",
    "esn-sines2": "ESN, 2 sines", "esn-sines3": "ESN, 3 sines", "esn-sines4": "ESN, 4 sines",
    "esn-sines5": "ESN, 5 sines", "esn-mackey": "ESN, Mackey-Glass tau = 17",
    "odyssnet": "OdyssNet core evolved by ESP, 3 sines",
    "esn-sines2-t1000": "ESN, 2 sines, 1000-step test", "esn-sines3-t1000": "ESN, 3 sines, 1000-step test",
    "esn-sines4-t1000": "ESN, 4 sines, 1000-step test", "esn-sines5-t1000": "ESN, 5 sines, 1000-step test", "odyssnet-mackey": "OdyssNet core evolved by ESP, "
                                                                                   "Mackey-Glass tau = 17",
}


def section_of(cfg: Config, test_steps: int | None = None) -> str | None:
    what = f"sines{cfg.sines}" if cfg.task == "sines" else "mackey"
    if cfg.task == "sines" and test_steps not in (None, Config.test):
        what += f"-t{test_steps}"
    if cfg.model == "lstm":
        return None if what == "sines3" else what
    if cfg.model == "odyssnet" and what == "sines3":
        return "odyssnet"
    return f"{cfg.model}-{what}"


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="a 2-seed, 3-generation run with short sequences, for the tests")
    parser.add_argument("--task", choices=["sines", "mackey"], default="sines")
    parser.add_argument("--sines", type=int, choices=[2, 3, 4, 5], default=3, help="superimposed sines (sines task)")
    parser.add_argument("--model", choices=["lstm", "esn", "odyssnet"], default="lstm",
                        help="lstm: Evolino (ESP + pseudo-inverse; the headline); esn: the echo-state baseline; "
                             "odyssnet: the OdyssNet core as Evolino's recurrent part")
    parser.add_argument("--generations", type=int, choices=range(1, 2001), metavar="1..2000", default=None,
                        help="ESP generations (default: the task's)")
    parser.add_argument("--test-steps", type=int, choices=[300, 1000, 3000], metavar="300|1000|3000", default=None,
                        help="sines: the free-running test horizon (default 300; a longer one is its own section)")
    args = parser.parse_args(argv)
    parser.only_when(args.task == "sines", ["--sines", "--test-steps"], "with --task sines")
    parser.only_when(args.model != "esn", ["--generations"], "with --model lstm or odyssnet")
    require_seeds(parser, args, MIN_SEEDS)
    if args.record and not args.quick and args.generations is not None:
        parser.error("--record writes the catalog's configuration only (no --generations)")
    return args


def config_of(args) -> Config:
    cfg = Config(task=args.task, sines=args.sines, model=args.model)
    if args.task == "mackey":
        cfg = replace(cfg, fit=500, validate=84)
    if args.generations is not None:
        cfg = replace(cfg, generations=args.generations)
    if args.test_steps is not None:
        cfg = replace(cfg, test=args.test_steps)
    if args.quick:
        cfg = replace(cfg, generations=min(cfg.generations, 3), size=8, trials=2, washout=20, fit=60, validate=20,
                      test=40, mg_starts=2, mg_warm=60, esn_units=50)
    return cfg


def describe(cfg: Config) -> str:
    task = f"{cfg.sines} superimposed sines" if cfg.task == "sines" else "Mackey-Glass tau = 17"
    if cfg.model == "esn":
        return f"{task}: echo-state network ({cfg.esn_units} leaky tanh units, output feedback), pseudo-inverse read-out"
    net = f"LSTM of {cfg.cells} cells (peepholes, forget gates)" if cfg.model == "lstm" else \
        f"OdyssNet core of {cfg.cells} neurons"
    return (f"{task}: {net}, ESP ({cfg.cells} subpopulations of {cfg.size}, {cfg.size * cfg.trials} nets a "
            f"generation, {cfg.generations} generations), pseudo-inverse read-out")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.quick:
        args.n_seeds = min(args.n_seeds, 2)
    clock = Progress(1)
    cfg = config_of(args)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    section = section_of(cfg, args.test_steps)
    label = describe(cfg)
    print(f"evolino: {label}; seeds {seeds[0]}..{seeds[-1]}", flush=True)
    rows, _ = (run_esn if cfg.model == "esn" else run_evolino)(cfg, seeds)
    metric = "test NRMSE (free run)" if cfg.task == "sines" else "NRMSE84"
    values = [r["test_nrmse"] for r in rows]
    solved = [v < SOLVED_NRMSE for v in values]
    if cfg.task == "sines":
        for row, ok in zip(rows, solved):
            row["solved"] = bool(ok)
    columns = list(rows[0])
    print(format_table(columns, [list(r.values()) for r in rows]))
    geo = float(np.exp(np.mean(np.log(np.maximum(values, 1e-12)))))
    med = float(np.median(values))
    prefix = "" if section is None else section.replace("-", "_") + "_"
    headline = {f"{prefix}median_test_nrmse": med, f"{prefix}geomean_test_nrmse": geo}
    if cfg.task == "sines":
        headline[f"{prefix}below_{SOLVED_NRMSE}"] = f"{sum(solved)}/{len(rows)}"
    measured = {f"median {metric}": med, f"geometric mean {metric}": geo}
    if cfg.task == "sines":
        measured[f"seeds below {SOLVED_NRMSE}"] = f"{sum(solved)}/{len(rows)}"
    if cfg.task == "sines":
        summary = {**summarize(values, solved), "metric": "test_nrmse"}
    else:
        summary = summarize_measured(values, "test_nrmse")
    part = {"summary": f"{'' if section is None else SECTIONS[section] + ': '}{label}; median {metric} "
                       f"{format_value(med)}" + (f", {sum(solved)}/{len(rows)} seeds below {SOLVED_NRMSE}"
                                                 if cfg.task == "sines" else ""),
            "headline": headline,
            "seeds": {"per_seed": rows, "summary": summary},
            "tables": [{"title": f"Per seed ({label})", "columns": columns, "rows": [list(r.values()) for r in rows]}],
            "wallclock_s": clock.elapsed}
    if section is None:
        part = {"slug": SLUG, "paper": PAPER, **part,
                "tour": "An Evolino LSTM, evolved by ESP, generating three superimposed sines on its own: its "
                        "output fed back as its input, beside the target."}
    conclude(part, __file__, verdict, args.record, section=section, measured=measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
