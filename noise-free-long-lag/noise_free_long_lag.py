"""Noise-free long time lags: Hochreiter & Schmidhuber (1997), Long short-term memory, Experiment 2 (Sec. 5.2).

The tasks (Sec. 5.2). 2a: p + 1 symbols a_1 .. a_(p-1), x, y, one-hot; only two sequences,
(y, a_1, ..., a_(p-1), y) and (x, a_1, ..., a_(p-1), x), each with probability 1/2. The net predicts
the next symbol at every step; only the last one depends on the first, p steps back. 2b: the middle
is p - 1 symbols drawn at random from a_1 .. a_(p-1) (no local regularities); success is judged at
the sequence end only. 2c: p + 4 symbols; (b, x or y, q + k random distractors, the trigger e, the
same x or y), a target at the end only, 2 output units; the net must keep the second symbol for at
least q + 1 steps among distractors.

The paper's nets. 2a/2b (Sec. 5.2 "Architectures"; Table 10 rows 2a/2b): p + 1 inputs, one memory
cell with an input gate and no output gate, g the logistic sigmoid in [0, 1], h the identity,
p + 1 logistic outputs; connectivity "B" (every layer reads all layers below: the outputs read the
inputs and the cell, the cell and its gate read the inputs); no biases; 101 x 102 + 2 x 101 = 10504
weights at p = 100; weights in [-0.2, 0.2]; learning rate 1.0; "Memory cell and input gate are added
once the error has stopped decreasing" (sequential construction). This small net is written here
(PredictorBank); the cell and its gate read only the inputs, so the paper's truncated gradient is
the exact gradient, checked by --gradcheck against finite differences. 2c (Sec. 5.2
"Architecture/Learning"): 2 memory blocks of size 1 with input and output gates, the 1997 cell
(g in [-2, 2], h in [-1, 1]), outputs read the cells, no biases, 6(p + 10) + 4 weights, weights in
[-0.2, 0.2], learning rate 0.01: shared.networks.paper_lstm.PaperLSTM as it is.

Training and success (Sec. 5 intro; Sec. 5.2; Table 11). On-line: one fresh sequence at a time,
activations reset between sequences, the weights changed after each sequence by the sum of its
steps' changes (App. A.1, "each weight's total update is the sum of the contributions of all time
steps"). Success: "after training, during 10,000 successive, randomly chosen input sequences, the
maximal absolute error of all output units is always below 0.25" (2a; 2b at the sequence end; 2c:
both outputs within 0.2 at the end). "Success after" (open question 6) is read two ways and both
are recorded: frozen, the first training sequence after which the net with its weights held
processes 10,000 fresh random sequences within the criterion (for 2a, where the only two sequences
both occur among 10,000 draws with probability 1 - 2^-9999, exactly: both sequences pass); on the
stream, where a run of 10,000 successive training sequences, each scored before its update, within
the criterion begins (the paper's 5,040 < 10,000 rules out counting the run itself).

Comparison (ours): the OdyssNet core on 2a, on each seed's own training sequences in the LSTM's order,
the same budget and both readings of success, batches of 16 sequences per AdamW update.

Baseline (the paper's, run by us): BPTT on the paper's RTRL/BPTT net for 2a (one self-recurrent
logistic hidden unit, p + 1 logistic outputs, connectivity B, no biases: 10404 weights), learning
rate 1.0, same sequences and criterion.

Run:  python3 noise-free-long-lag/noise_free_long_lag.py --gradcheck
      python3 noise-free-long-lag/noise_free_long_lag.py --task 2a --n-seeds 18 --record     (headline)
      python3 noise-free-long-lag/noise_free_long_lag.py --task 2b --n-seeds 18 --record
      python3 noise-free-long-lag/noise_free_long_lag.py --task bptt --n-seeds 18 --record
      python3 noise-free-long-lag/noise_free_long_lag.py --task 2c --p 50 --q 50 --n-seeds 20 --record
      python3 noise-free-long-lag/noise_free_long_lag.py --task 2a --model odyssnet --n-seeds 10 --workers 2 --record
      python3 noise-free-long-lag/noise_free_long_lag.py --task 2a --model odyssnet --p 10 --n-seeds 10 --record
      python3 noise-free-long-lag/noise_free_long_lag.py --task 2c --model odyssnet --n-seeds 10 --workers 2 --max-sequences 60000 --record
"""

from __future__ import annotations

import sys
import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.environments import tasks
from shared.frame.experiment import Progress, conclude, format_table, int_at_most, positive_int, \
                                    require_seeds, stub_parser, summarize
from shared.frame.movement import Tape
from shared.learning import long_lag
from shared.learning.long_lag import streams
from shared.networks import tape_steps
from shared.frame.verdict import exact, grade, judge, mean_within, pending, rate_at_least, rate_at_most

# ----------------------------------------------------------------------------------------
# The paper's figures and criteria
# ----------------------------------------------------------------------------------------

SLUG = "noise-free-long-lag"
CITATION = ("Hochreiter & Schmidhuber (1997). Long short-term memory. Neural Computation 9(8):1735–1780, "
            "Experiment 2 (Sec. 5.2, noise-free sequences with long time lags).")
PAPER_2A = 5_040          # Table 2, LSTM row (p = 100): "success after", mean of 18 trials, 100% success
PAPER_2B = 5_680          # Sec. 5.2, Task 2b Results: mean of 18 trials, "always successful"
PAPER_2C = {(50, 50): 30_000, (100, 100): 31_000, (200, 200): 33_000, (500, 500): 38_000,
            (1000, 1000): 49_000, (1000, 500): 49_000, (1000, 200): 75_000, (1000, 100): 135_000,
            (1000, 50): 203_000}      # Table 3, keyed (q, p): mean of 20 trials
PAPER_FIGURES = [
    {"name": "LSTM, 2a, p = 100: success rate and sequences", "value": "100% of 18 trials, after 5,040 (mean)",
     "where": "Table 2, LSTM row"},
    {"name": "RTRL and BPTT, 2a, p = 100", "value": "0% within 5,000,000 sequences (lr 1.0-10.0)",
     "where": "Table 2, RTRL and BPTT rows"},
    {"name": "RTRL, 2a, p = 4", "value": "78% / 56% / 22% at lr 1.0 / 4.0 / 10.0", "where": "Table 2"},
    {"name": "chunker, 2a, p = 100", "value": "33%, after 32,400", "where": "Table 2, CH row"},
    {"name": "LSTM, 2b, p = 100", "value": "always successful, after 5,680 (mean of 18 trials)",
     "where": "Sec. 5.2, Task 2b, Results"},
    {"name": "LSTM, 2c", "value": "q = p = 50: 30,000; 100: 31,000; 200: 33,000; 500: 38,000; 1000: 49,000 "
                                  "sequences (means of 20 trials)", "where": "Table 3"},
    {"name": "weights", "value": "2a/2b: 10504 at p = 100; 2c: 6(p + 10) + 4 (364 at p = 50)",
     "where": "Table 2; Table 3; Table 10"},
    {"name": "learning rate", "value": "2a/2b: 1.0; 2c: 0.01", "where": "Table 2; Sec. 5.2; Table 10"},
    {"name": "initial weights", "value": "in [-0.2, 0.2]", "where": "Sec. 5 intro ('What's common')"},
    {"name": "success criterion", "value": "10,000 successive random sequences with every output's |error| "
                                           "below 0.25 (2a; 2b at the end) / 0.2 (2c, at the end)",
     "where": "Sec. 5.2, Tasks 2a-2c; Table 11"},
    {"name": "training stopped after", "value": "5 million sequences", "where": "Sec. 5.2, Task 2a; Table 11"},
]
THRESHOLD_AB = 0.25
THRESHOLD_C = 0.2
RUN = 10_000              # successive sequences of the criterion
P_AB = 100
LR_AB = 1.0
LR_C = 0.01
INIT = 0.2
BUDGET_AB = 40_000        # training sequences per trial for 2a/2b: 7.9x Table 2's mean (the paper: 5 million)
BUDGET_C = 100_000
MIN_SEEDS = 18            # the paper's 18 trials of Table 2
ADD_BLOCK, ADD_TOL = 100, 0.01   # sequential construction: add the cell when a block's mean error falls < 1%


def _logistic(x: np.ndarray) -> np.ndarray:
    return 0.5 + 0.5 * np.tanh(0.5 * x)


# ----------------------------------------------------------------------------------------
# The 2a/2b net: one memory cell with an input gate, no output gate, g logistic, h identity,
# outputs reading the inputs and the cell; no biases. A bank of P trials.
# ----------------------------------------------------------------------------------------


class PredictorBank:
    """P independent trials of the paper's 2a/2b net on n = p + 1 one-hot symbols.

    Per trial: wc (n,) inputs -> cell, wi (n,) inputs -> input gate, Vx (n, n) inputs -> outputs,
    vc (n,) cell -> outputs: n^2 + 3n weights (10504 at p = 100). At step t with input symbol a:
        s(t) = s(t-1) + y_in g,   y_in = f(wi[a]),   g = f(wc[a])       (s(0) = 0 before the first step)
        y_k(t) = f(Vx[a, k] + vc[k] s(t))                                 (h the identity, no output gate)
    The current input reaches the cell and then the outputs (Sec. 5's processing order). ``cell``
    (P,) bool: whether the trial's cell has been added (sequential construction); before, s = 0 and
    the cell's weights do not change.
    """

    def __init__(self, symbols: int, rngs, init_scale: float = INIT):
        n = self.symbols = symbols
        self.trials = len(rngs)
        self.Vx, self.vc = np.empty((self.trials, n, n)), np.empty((self.trials, n))
        self.wc, self.wi = np.empty((self.trials, n)), np.empty((self.trials, n))
        for k, rng in enumerate(rngs):
            self.Vx[k] = rng.uniform(-init_scale, init_scale, (n, n))
            self.vc[k] = rng.uniform(-init_scale, init_scale, n)
            self.wc[k] = rng.uniform(-init_scale, init_scale, n)
            self.wi[k] = rng.uniform(-init_scale, init_scale, n)
        self.cell = np.ones(self.trials, bool)

    @property
    def n_weights(self) -> int:
        return self.symbols * self.symbols + 3 * self.symbols

    @property
    def params(self) -> dict:
        return {"Vx": self.Vx, "vc": self.vc, "wc": self.wc, "wi": self.wi}

    def cell_input(self, codes: np.ndarray) -> np.ndarray:
        """What the cell adds at each step, y_in g, for codes (P, ...) -> (P, ...)."""
        rows = np.arange(self.trials).reshape((-1,) + (1,) * (codes.ndim - 1))
        on = self.cell.reshape(rows.shape)
        return on * _logistic(self.wi[rows, codes]) * _logistic(self.wc[rows, codes])

    def forward(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """codes (P, K, T) -> outputs (P, K, T, n) and cell states (P, K, T), weights held."""
        rows = np.arange(self.trials)[:, None, None]
        s = np.cumsum(self.cell_input(codes), axis=2)
        return _logistic(self.Vx[rows, codes] + s[..., None] * self.vc[:, None, None, :]), s

    def end_outputs(self, codes: np.ndarray) -> np.ndarray:
        """codes (P, K, T) -> outputs at the last step (P, K, n): the 2b/2c-style test, cheap."""
        rows = np.arange(self.trials)[:, None]
        s = self.cell_input(codes).sum(axis=2)
        return _logistic(self.Vx[rows, codes[:, :, -1]] + s[..., None] * self.vc[:, None, :])

    def change(self, codes: np.ndarray) -> tuple[np.ndarray, dict]:
        """One sequence per trial, codes (P, T + 1): inputs codes[:, :T], targets the next symbols.
        Returns the outputs (P, T, n) and -dE/dw for E = 1/2 sum_t sum_k (target - y)^2 with the
        weights held through the sequence. The error reaching the cell state at step t, e_s(t) =
        sum_k vc[k] e_k(t), reaches every earlier step tau through the carousel unchanged, so the
        change of a cell or gate weight is sum_tau (its input's part of y_in g at tau) sum_{t>=tau}
        e_s(t): the forward traces of App. A.1 summed in the other order."""
        P, T = codes.shape[0], codes.shape[1] - 1
        n, rows = self.symbols, np.arange(P)[:, None]
        a = codes[:, :T]
        on = self.cell[:, None].astype(float)
        fi, fc = _logistic(self.wi[rows, a]), _logistic(self.wc[rows, a])
        s = np.cumsum(on * fi * fc, axis=1)                                   # (P, T)
        y = _logistic(self.Vx[rows, a] + s[..., None] * self.vc[:, None, :])
        e = y * (1.0 - y) * (np.eye(n)[codes[:, 1:]] - y)                    # -dE/dnet_k
        onehot = np.eye(n)[a]                                                 # (P, T, n)
        e_s = on * np.einsum("pk,ptk->pt", self.vc, e)
        later = np.cumsum(e_s[:, ::-1], axis=1)[:, ::-1]                      # sum over t >= tau
        grads = {"Vx": np.matmul(onehot.transpose(0, 2, 1), e),
                 "vc": on * np.matmul(s[:, None, :], e)[:, 0],
                 "wc": np.einsum("pt,ptm->pm", later * fi * fc * (1.0 - fc), onehot),
                 "wi": np.einsum("pt,ptm->pm", later * fc * fi * (1.0 - fi), onehot)}
        return y, grads

    def apply(self, grads: dict, lr: np.ndarray) -> None:
        """Add lr (P,) times the change to each trial's weights."""
        for name, g in grads.items():
            getattr(self, name)[...] += lr.reshape((-1,) + (1,) * (g.ndim - 1)) * g


class TinyRNNBank:
    """P trials: h(t) = f(U[a] + w h(t-1)), y(t) = f(Vx[a] + vh h(t)); n^2 + 2n + 1 weights
    (10404 at p = 100: Table 2)."""

    def __init__(self, symbols: int, rngs, init_scale: float = INIT):
        n = self.symbols = symbols
        self.trials = len(rngs)
        self.Vx, self.vh = np.empty((self.trials, n, n)), np.empty((self.trials, n))
        self.U, self.w = np.empty((self.trials, n)), np.empty((self.trials, 1))
        for k, rng in enumerate(rngs):
            self.Vx[k] = rng.uniform(-init_scale, init_scale, (n, n))
            self.vh[k] = rng.uniform(-init_scale, init_scale, n)
            self.U[k] = rng.uniform(-init_scale, init_scale, n)
            self.w[k] = rng.uniform(-init_scale, init_scale, 1)

    @property
    def n_weights(self) -> int:
        return self.symbols * self.symbols + 2 * self.symbols + 1

    @property
    def params(self) -> dict:
        return {"Vx": self.Vx, "vh": self.vh, "U": self.U, "w": self.w}

    def hidden(self, codes: np.ndarray) -> np.ndarray:
        """codes (P, K, T) -> hidden activations (P, K, T)."""
        rows = np.arange(self.trials)[:, None, None]
        drive = self.U[rows, codes]
        h = np.zeros(codes.shape)
        prev = np.zeros(codes.shape[:2])
        for t in range(codes.shape[2]):
            prev = _logistic(drive[:, :, t] + self.w * prev)
            h[:, :, t] = prev
        return h

    def forward(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = np.arange(self.trials)[:, None, None]
        h = self.hidden(codes)
        return _logistic(self.Vx[rows, codes] + h[..., None] * self.vh[:, None, None, :]), h

    def change(self, codes: np.ndarray) -> tuple[np.ndarray, dict]:
        """-dE/dw by backpropagation through time over one sequence per trial (P, T + 1)."""
        P, T = codes.shape[0], codes.shape[1] - 1
        n = self.symbols
        a = codes[:, :T]
        y, h = self.forward(a[:, None])
        y, h = y[:, 0], h[:, 0]
        e = y * (1.0 - y) * (np.eye(n)[codes[:, 1:]] - y)
        onehot = np.eye(n)[a]
        e_h = np.einsum("pk,ptk->pt", self.vh, e)
        delta = np.zeros((P, T))
        carry = np.zeros(P)
        w = self.w[:, 0]
        for t in range(T - 1, -1, -1):
            d = (e_h[:, t] + carry) * h[:, t] * (1.0 - h[:, t])
            delta[:, t] = d
            carry = d * w
        h_prev = np.concatenate([np.zeros((P, 1)), h[:, :-1]], axis=1)
        grads = {"Vx": np.matmul(onehot.transpose(0, 2, 1), e), "vh": np.matmul(h[:, None, :], e)[:, 0],
                 "U": np.einsum("pt,ptm->pm", delta, onehot), "w": np.sum(delta * h_prev, axis=1)[:, None]}
        return y, grads

    apply = PredictorBank.apply


def gradcheck(bank_class, p: int = 6, trials: int = 2) -> float:
    """Largest relative error between bank_class(...).change (PredictorBank or TinyRNNBank) and
    central differences of E on 2b sequences."""
    from shared.frame.gradcheck import check_gradients
    net = bank_class(p + 1, [np.random.default_rng(s) for s in range(trials)], init_scale=1.0)
    codes = np.stack([tasks.long_lag_sequences(np.random.default_rng(10 + s), 1, p, "2b")[0] for s in range(trials)])

    def loss():
        y, _ = net.forward(codes[:, None, :-1])
        return 0.5 * float(np.sum((y[:, 0] - np.eye(p + 1)[codes[:, 1:]]) ** 2))

    _, change = net.change(codes)
    errors = check_gradients(loss, net.params, {k: -v for k, v in change.items()})
    return max(errors.values())


# ----------------------------------------------------------------------------------------
# 2a / 2b: on-line training of a bank, sequential construction, both readings of success
# ----------------------------------------------------------------------------------------


def two_sequences(p: int) -> np.ndarray:
    """2a's only two sequences, (y, a_1..a_(p-1), y) and (x, ..., x): codes (2, p + 1)."""
    middle = np.arange(p - 1)
    return np.array([[p, *middle, p], [p - 1, *middle, p - 1]])


def passes(net, codes: np.ndarray, variant: str, chunk: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Frozen test of every trial on codes (P, K, p + 1): the largest |error| over the judged steps
    (2a: every step; 2b: the sequence end) and the number of sequences over the threshold."""
    n = net.symbols
    if variant == "2a":             # 2a has two sequences: judge both, count each test sequence by its kind
        p = codes.shape[2] - 1
        y, _ = net.forward(np.broadcast_to(two_sequences(p)[:, :-1], (net.trials, 2, p)))
        err = np.abs(y - np.eye(n)[two_sequences(p)[:, 1:]]).max(axis=(2, 3))          # (P, 2)
        kind = (codes[:, :, 0] == p - 1).astype(int)                                     # 0: y, 1: x
        per = np.take_along_axis(err, kind, axis=1)
        return per.max(axis=1), (per >= THRESHOLD_AB).sum(axis=1)
    worst, wrong = np.zeros(net.trials), np.zeros(net.trials, int)
    for start in range(0, codes.shape[1], chunk):
        part = codes[:, start:start + chunk]
        if variant == "2a":
            y, _ = net.forward(part[:, :, :-1])
            err = np.abs(y - np.eye(n)[part[:, :, 1:]]).max(axis=(2, 3))
        else:
            err = np.abs(net.end_outputs(part[:, :, :-1]) - np.eye(n)[part[:, :, -1]]).max(axis=2)
        worst = np.maximum(worst, err.max(axis=1))
        wrong += (err >= THRESHOLD_AB).sum(axis=1)
    return worst, wrong


def train_predictor(seeds, variant: str = "2a", p: int = P_AB, budget: int = BUDGET_AB, lr: float = LR_AB,
                    model: str = "lstm", construction: bool = True, check_every: int | None = None,
                    test_size: int = RUN, watch=None, curve_every: int = 250) -> list[dict]:
    """Each seed's net (its weights from streams(seed)["init"], its sequences from ["train"]) trained on
    line, one sequence per update, until a run of 10,000 successive training sequences meets the
    criterion (the stream reading) or the budget ends; the frozen reading is checked after every
    sequence on 2a (exactly) and every ``check_every`` sequences on 2b (10,000 fresh sequences of the
    seed's ["check"] stream). The LSTM's cell is added when the mean error of a block of 100 sequences
    is less than 1% below the previous block's (``construction=False``: from the start)."""
    P, n = len(seeds), p + 1
    init = [streams(s)["init"] for s in seeds]
    train_rng = [streams(s)["train"] for s in seeds]
    check_rng = [np.random.default_rng([s, 7]) for s in seeds]
    net = PredictorBank(n, init) if model == "lstm" else TinyRNNBank(n, init)
    if model == "lstm":
        net.cell[:] = not construction
    added = np.where(net.cell, 0, -1) if model == "lstm" else np.full(P, -1)
    check_every = check_every or (10 if variant == "2a" else 100)
    both = np.broadcast_to(two_sequences(p), (P, 2, p + 1))
    frozen_at = np.full(P, -1)
    streak, stream_at = np.zeros(P, int), np.full(P, -1)
    errors, previous = [], np.full(P, np.inf)
    curve = []
    progress = Progress(budget, f"{variant} {model} seeds {seeds[0]}-{seeds[-1]}: sequences")
    seen = 0
    for seen in range(1, budget + 1):
        codes = np.stack([tasks.long_lag_sequences(r, 1, p, variant)[0] for r in train_rng])
        active = stream_at < 0
        y, grads = net.change(codes)
        target = np.eye(n)[codes[:, 1:]]
        judged = np.abs(y - target).max(axis=(1, 2)) if variant == "2a" else np.abs(y[:, -1] - target[:, -1]).max(axis=1)
        net.apply(grads, np.where(active, lr, 0.0))
        streak = np.where(judged < THRESHOLD_AB, streak + 1, 0)
        hit = active & (streak >= RUN)
        stream_at[hit] = seen - RUN
        errors.append(0.5 * np.sum((y - target) ** 2, axis=(1, 2)))
        if model == "lstm" and seen % ADD_BLOCK == 0:
            block = np.mean(errors[-ADD_BLOCK:], axis=0)
            add = (~net.cell) & (block > (1.0 - ADD_TOL) * previous)
            net.cell |= add
            added[add] = seen
            previous = block
        if seen % check_every == 0 and (frozen_at < 0).any():
            if variant == "2a":
                worst, _ = passes(net, both, "2a")
            else:       # a first tenth screens; only a net with none of it wrong is judged on the whole
                fresh = np.stack([tasks.long_lag_sequences(r, test_size // 10, p, "2b") for r in check_rng])
                worst, _ = passes(net, fresh, "2b")
                if (worst < THRESHOLD_AB).any():
                    rest = np.stack([tasks.long_lag_sequences(r, test_size - test_size // 10, p, "2b")
                                     for r in check_rng])
                    worst = np.maximum(worst, passes(net, rest, "2b")[0])
            frozen_at[(frozen_at < 0) & (worst < THRESHOLD_AB)] = seen
        if seen % curve_every == 0:
            curve.append([seen, np.mean(errors[-curve_every:], axis=0).tolist()])
            progress.update(seen, frozen=int((frozen_at >= 0).sum()), stream=int((stream_at >= 0).sum()),
                            median_E=float(np.median(curve[-1][1])))
            if watch is not None:
                watch(seen, net)
        if (stream_at >= 0).all():
            break
    test = np.stack([tasks.long_lag_sequences(streams(s)["test"], test_size, p, variant) for s in seeds])
    worst, wrong = passes(net, test, variant)
    rows = []
    for k, seed in enumerate(seeds):
        rows.append({"seed": seed, "solved": bool(frozen_at[k] >= 0),
                     "sequences": int(frozen_at[k]) if frozen_at[k] >= 0 else None,
                     "stream_solved": bool(stream_at[k] >= 0),
                     "stream_sequences": int(stream_at[k]) if stream_at[k] >= 0 else None,
                     "cell_added_at": int(added[k]) if added[k] >= 0 else None,
                     "seen": int(min(seen, stream_at[k] + RUN) if stream_at[k] >= 0 else seen),
                     "test_wrong": int(wrong[k]), "test_max_error": float(worst[k]),
                     "curve": [[c[0], c[1][k]] for c in curve]})
    return rows


# ----------------------------------------------------------------------------------------
# 2c: the paper's 1997 LSTM (shared.networks.paper_lstm), 2 blocks of size 1, no biases, lr 0.01, a target at
# the end only, trained on line by shared.learning.long_lag (weights held within a sequence)
# ----------------------------------------------------------------------------------------

EXTRA_MAX = 200           # the suffix is cut at 200 extra distractors (probability 0.9^200 ~ 7e-10 per sequence)


def make_2c(p: int, q: int):
    """make(rng, n) for shared.learning.online.Stream: codes (n, q + 4 + EXTRA_MAX), -1 after each end;
    lengths (n,); targets (n, 2): x -> (1, 0), y -> (0, 1) (local coding, open question 5)."""
    width = q + 4 + EXTRA_MAX

    def make(rng: np.random.Generator, n: int):
        codes = np.full((n, width), -1)
        lengths = np.empty(n, int)
        target = np.zeros((n, 2))
        for i in range(n):
            seq = tasks.long_lag_2c_sequence(rng, p, q)
            if len(seq) > width:
                raise RuntimeError(f"a 2c sequence of {len(seq)} steps exceeds the padding of {width}")
            codes[i, :len(seq)], lengths[i] = seq, len(seq)
            target[i, 0 if seq[-1] == p + 2 else 1] = 1.0
        return codes, lengths, target
    return make


def scored_2c(end_outputs: np.ndarray, targets: np.ndarray):
    """E = sum_k (t_k - y_k)^2 at the end and whether both outputs are within 0.2."""
    diff = end_outputs - targets
    return np.sum(diff * diff, axis=-1), np.all(np.abs(diff) < THRESHOLD_C, axis=-1)


def test_figures_2c(end_outputs: np.ndarray, targets: np.ndarray) -> dict:
    error, correct = scored_2c(end_outputs, targets)
    return {"wrong": int(np.sum(~correct)), "test_error": float(np.mean(error)),
            "test_max_error": float(np.max(np.abs(end_outputs - targets)))}


def net_2c(seeds, p: int):
    from shared.networks.paper_lstm import PaperLSTM
    return PaperLSTM(p + 4, 2, 1, 2, [streams(s)["init"] for s in seeds], cell_bias=False, gate_biases=False,
                     init_scale=INIT)


def train_2c(seeds, p: int, q: int, budget: int, frozen_every: int = 2000, frozen_size: int = RUN) -> list[dict]:
    """The seeds' nets trained on line until 10,000 successive training sequences (each scored
    before its update) are within 0.2 (the stream reading; shared.learning.stopping.StoppingRule with no
    error condition) or the budget ends, then tested on 10,000 fresh sequences; every
    ``frozen_every`` sequences each net is also tested frozen on 10,000 fresh sequences of its own
    check stream (the frozen reading: the first checkpoint at which none is wrong)."""
    from shared.learning.long_lag import train_and_test
    from shared.learning.online import Episode, Stream, evaluate
    from shared.learning.stopping import StoppingRule
    make = make_2c(p, q)
    net = net_2c(seeds, p)
    rule = StoppingRule(len(seeds), recent=RUN, threshold=THRESHOLD_C, train_error=None)
    checks = Stream(make, [np.random.default_rng([s, 7]) for s in seeds])
    frozen_at = np.full(len(seeds), -1)
    frozen_wrong = []

    def watch(seen, bank):
        # a first tenth of the check set screens; a net with none of it wrong gets the whole
        if seen % frozen_every or not (frozen_at < 0).any():
            return
        data = checks.batch(frozen_size)
        first = Episode(*(a[:, :frozen_size // 10] for a in (data.inputs, data.targets, data.weights, data.lengths)))
        wrong = np.full(len(seeds), -1)
        for part in (first, data):
            todo = np.flatnonzero((frozen_at < 0) & (wrong <= 0))
            if not len(todo):
                break
            sub = Episode(*(a[todo] for a in (part.inputs, part.targets, part.weights, part.lengths)))
            _, correct = scored_2c(evaluate(bank, todo, sub, last=True), sub.targets[:, :, 0])
            wrong[todo] = (~correct).sum(axis=1)
        frozen_wrong.append([int(seen), wrong.tolist()])          # -1: passed before; a tenth's count if > 0
        frozen_at[(frozen_at < 0) & (wrong == 0)] = seen

    trials = train_and_test(net, seeds, make, scored_2c, test_figures_2c, rule, LR_C, budget, RUN,
                            every=frozen_every, watch=watch)
    rows = []
    for k, t in enumerate(trials):
        row = t.row()
        row.update({"stream_solved": row.pop("solved"), "stream_sequences": None if row["sequences"] is None
                    else row["sequences"] - RUN, "solved": bool(frozen_at[k] >= 0),
                    "frozen_sequences": int(frozen_at[k]) if frozen_at[k] >= 0 else None,
                    "frozen_wrong": [[s, w[k]] for s, w in frozen_wrong], "curve": t.curve})
        row["sequences"] = row["frozen_sequences"]
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------------------
# The OdyssNet core on 2a (ours): the same sequences (each seed's training stream, in its order), the
# same budget and criteria, batches of sequences per AdamW update instead of on-line SGD
# ----------------------------------------------------------------------------------------

ODYSSNET = {"hidden": 16, "lr": 1e-2, "batch": 16, "thinking_steps": 2}   # 2 steps carry a symbol to the outputs


def odyssnet_2a(p: int, seed: int):
    """The OdyssNet core for 2a: p + 1 input neurons, p + 1 output neurons, ODYSSNET["hidden"] more."""
    from shared.learning.long_lag import StepOdyssLearner
    n = p + 1
    return StepOdyssLearner(n, 2 * n + ODYSSNET["hidden"], n, ODYSSNET["lr"], streams(seed)["init"],
                            thinking_steps=ODYSSNET["thinking_steps"])


def train_odyssnet_2a(seeds, p: int = P_AB, budget: int = BUDGET_AB, test_size: int = RUN,
                      curve_every: int = 256) -> list[dict]:
    """Each seed's OdyssNet core on the seed's 2a training stream (the LSTM's sequences, in its
    order), ODYSSNET["batch"] sequences per update, squared error at every step. Each sequence is
    judged as answered before its batch's update: the stream reading is the first run of 10,000
    successive sequences within 0.25 at every step; the frozen reading is checked after every
    update, exactly (both sequences pass), so "sequences" is a multiple of the batch."""
    n, batch = p + 1, ODYSSNET["batch"]
    both = two_sequences(p)
    rows = []
    for seed in seeds:
        learner = odyssnet_2a(p, seed)
        train_rng = streams(seed)["train"]
        frozen_at = stream_at = None
        streak, seen, errors, curve = 0, 0, [], []
        progress = Progress(budget, f"2a odyssnet seed {seed}: sequences")
        while seen < budget and stream_at is None:
            count = min(batch, budget - seen)
            codes = np.stack([tasks.long_lag_sequences(train_rng, 1, p, "2a")[0] for _ in range(count)])
            target = np.eye(n)[codes[:, 1:]]
            y = learner.learn(codes[:, :-1], target, np.ones((count, p)))
            errors.extend(0.5 * np.sum((y - target) ** 2, axis=(1, 2)))
            for k, judged in enumerate(np.abs(y - target).max(axis=(1, 2))):
                streak = streak + 1 if judged < THRESHOLD_AB else 0
                if streak >= RUN and stream_at is None:
                    stream_at = seen + k + 1 - RUN
            seen += count
            if frozen_at is None and np.abs(learner.outputs(both[:, :-1]) - np.eye(n)[both[:, 1:]]).max() < THRESHOLD_AB:
                frozen_at = seen
            if seen % curve_every < batch or seen == budget:
                curve.append([seen, float(np.mean(errors[-curve_every:]))])
                progress.update(seen, frozen=frozen_at is not None, median_E=curve[-1][1])
        err = np.abs(learner.outputs(both[:, :-1]) - np.eye(n)[both[:, 1:]]).max(axis=(1, 2))     # (2,): y, x
        test = tasks.long_lag_sequences(streams(seed)["test"], test_size, p, "2a")
        per = err[(test[:, 0] == p - 1).astype(int)]
        rows.append({"seed": seed, "solved": frozen_at is not None, "sequences": frozen_at,
                     "stream_solved": stream_at is not None, "stream_sequences": stream_at, "cell_added_at": None,
                     "seen": seen, "test_wrong": int((per >= THRESHOLD_AB).sum()), "test_max_error": float(per.max()),
                     "curve": curve})
    return rows


ODYSSNET_2C = {"hidden": 8, "lr": 5e-3, "batch": 16}


def odyssnet_2c(p: int, seed: int):
    """The OdyssNet core for 2c: p + 4 input neurons, 2 output neurons, ODYSSNET_2C["hidden"] more."""
    from shared.learning.long_lag import OdyssLearner
    return OdyssLearner(p + 4, p + 6 + ODYSSNET_2C["hidden"], 2, ODYSSNET_2C["lr"], streams(seed)["init"])


def train_odyssnet_2c(seeds, p: int, q: int, budget: int, frozen_every: int = 2000, frozen_size: int = RUN) -> list[dict]:
    """Each seed's OdyssNet core on the seed's 2c training stream, ODYSSNET_2C["batch"] sequences per
    update, under the LSTM's rule (shared.learning.long_lag.train_in_batches): the stream reading as for the
    LSTM, and the frozen reading on the same check stream every ``frozen_every`` sequences (a first
    tenth screens, as for the LSTM)."""
    from shared.learning.long_lag import train_in_batches
    from shared.learning.online import Stream
    from shared.learning.stopping import StoppingRule
    make = make_2c(p, q)
    rows = []
    for seed in seeds:
        checks = Stream(make, [np.random.default_rng([seed, 7])])
        frozen = {"at": None, "wrong": []}

        def watch(seen, learner):
            if frozen["at"] is not None:
                return
            data = checks.batch(frozen_size)
            for part in (slice(0, frozen_size // 10), slice(0, frozen_size)):
                codes, lengths = data.inputs[0, part], data.lengths[0, part]
                ends = np.concatenate([learner.outputs(codes[i:i + 500], lengths[i:i + 500])
                                       for i in range(0, len(lengths), 500)])
                wrong = int((~scored_2c(ends, data.targets[0, part, 0])[1]).sum())
                if wrong:
                    break
            frozen["wrong"].append([int(seen), wrong])
            if wrong == 0:
                frozen["at"] = int(seen)

        rule = StoppingRule(1, recent=RUN, threshold=THRESHOLD_C, train_error=None)
        trial = train_in_batches(odyssnet_2c(p, seed), seed, make, scored_2c, test_figures_2c, rule, budget,
                                 ODYSSNET_2C["batch"], RUN, label="2c odyssnet", watch=watch, watch_every=frozen_every)
        row = trial.row()
        row.update({"stream_solved": row.pop("solved"), "stream_sequences": None if row["sequences"] is None
                    else row["sequences"] - RUN, "solved": frozen["at"] is not None, "frozen_sequences": frozen["at"],
                    "frozen_wrong": frozen["wrong"], "curve": trial.curve})
        row["sequences"] = frozen["at"]
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py noise-free-long-lag): one step of each row on a Tape
# ----------------------------------------------------------------------------------------

def predictor_sequence_program(tape: Tape, p: int, model: str) -> Tape:
    """One 2a sequence (p steps: the inputs codes[:p], the targets the next symbols) of ``PredictorBank.change``
    (model "lstm") or ``TinyRNNBank.change`` ("bptt") and the ``apply`` after it, as the stub computes them in
    float64 on n = p + 1 symbols: the gathered rows Vx[a] (a copy), the cell (input gate and cell input read
    from the symbol's weights, the states summed) or the self-recurrent hidden unit, the logistic outputs at
    every step, the errors, the error at the cell (its sums over later steps) or the hidden unit (back in
    time), and the changes, among them Vx's as the dense product of the one-hot inputs (n, p) with the errors
    (p, n), as numpy runs it. Each elementwise chain (a logistic, y (1 - y) (t - y)) is one instruction per
    element. The symbol at step t is a_t (the 2a middle), the first one the end symbol."""
    n, f8 = p + 1, np.float64
    second = ("vc", "wc", "wi") if model == "lstm" else ("vh", "U")
    W = {"Vx": tape.argument((n, n), f8), **{name: tape.argument(n, f8) for name in second}}
    if model != "lstm":
        W["w"] = tape.argument(1, f8)
    targets, onehot = tape.argument((p, n), f8), tape.argument((p, n), f8)     # np.eye(n)[codes]
    codes = np.concatenate([[p], np.arange(p - 1)])                        # (y, a_1, ..., a_{p-1})
    if model == "lstm":
        fi, fc = tape.map(W["wi"][codes]), tape.map(W["wc"][codes])        # f(wi[a]), f(wc[a])
        added = tape.map(fi, fc)
        states = [added[0]]
        for t in range(1, p):                                              # cumsum
            states.append(tape.map(states[-1], added[t]))
        inner, out_w = np.array(states), W["vc"]
    else:
        drive, hidden = W["U"][codes], [None]
        for t in range(p):
            hidden.append(tape.map(drive[t]) if hidden[-1] is None else
                          tape.map(drive[t], tape.map(W["w"][0], hidden[-1])))   # f(U[a] + w h)
        inner, out_w = np.array(hidden[1:]), W["vh"]
    y = tape.map(tape.map(tape.map(W["Vx"][codes]), tape.map(inner[:, None], out_w[None, :])))   # f(Vx[a] + s v)
    e = tape.map(y, targets)                                               # y (1 - y) (t - y)
    at_inner = tape.matmul(e, out_w)                                       # e_s or e_h: (p,)
    grads = {"Vx": tape.matmul(onehot.T, e), second[0]: tape.matmul(inner, e)}
    if model == "lstm":
        later = [at_inner[p - 1]]
        for t in range(p - 2, -1, -1):                                     # sums over the later steps
            later.append(tape.map(later[-1], at_inner[t]))
        later = np.array(later[::-1])
        grads["wc"] = tape.matmul(tape.map(later, fi, fc), onehot)
        grads["wi"] = tape.matmul(tape.map(later, fc, fi), onehot)
    else:
        delta, carry = [None] * p, None
        for t in range(p - 1, -1, -1):
            delta[t] = tape.map(at_inner[t], inner[t]) if carry is None else tape.map(at_inner[t], carry, inner[t])
            carry = tape.map(delta[t], W["w"][0])
        delta = np.array(delta)
        grads["U"] = tape.matmul(delta, onehot)
        grads["w"] = tape.reduce(tape.map(delta[1:], inner[:-1]))[None]
    for name, weights in W.items():
        tape.map(weights, grads[name])                                     # w + lr g
    return tape


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter, on task 2a. The paper's LSTM (the headline, p = 100: one
    memory cell with an input gate, 10504 weights) learns on line, one sequence of 100 steps per step,
    the weights changed after it (``PredictorBank.change``, the truncated gradient summed backward, exact
    for this net); the same at p = 10. The paper's BPTT baseline (one self-recurrent hidden unit, 10404
    weights) likewise. The OdyssNet core is priced at p = 10 (38 neurons, 2 thinking steps per symbol, one
    AdamW update on a batch of 16 sequences, float64): its p = 100 step (218 neurons, 200 steps, a batch of
    16) is about a billion instructions, beyond the meter's reach, and solves nothing. Not priced: the
    frozen checks of the criterion (the experimenter's), the sequential construction's bookkeeping, data
    generation; gradient clipping (OdyssNet)."""
    median = long_lag.steps_to_solve
    rows = [{"row": "LSTM (p = 100)", "family": "gradient", "step": f"one training sequence ({P_AB} steps)",
             "size": f"1 cell with an input gate, {(P_AB + 1) ** 2 + 3 * (P_AB + 1)} weights, float64",
             "program": lambda tape: predictor_sequence_program(tape, P_AB, "lstm"),
             "steps_to_solve": median(record),
             "steps_from": "median sequences to success (frozen reading) over solved seeds (seeds.summary)"}]
    small, n, recipe = 10, 11, ODYSSNET
    neurons = 2 * n + recipe["hidden"]
    if "odyssnet_p10" in record:
        steps = recipe["thinking_steps"] * small
        rows.append({"row": "OdyssNet core (p = 10)", "family": "gradient",
                     "step": f"one batch of {recipe['batch']} sequences ({steps} steps)",
                     "size": f"{neurons} neurons, AdamW, float64",
                     "program": lambda tape: tape_steps.odyssnet_step(tape, neurons, n, n, steps, batch=recipe["batch"],
                                                                      optimizer="adam", itemsize=8),
                     "steps_to_solve": median(record["odyssnet_p10"], recipe["batch"]),
                     "steps_from": f"[odyssnet_p10] median sequences to success / {recipe['batch']}"})
    if "2a_p10" in record:
        rows.append({"row": "LSTM (p = 10)", "family": "gradient", "step": f"one training sequence ({small} steps)",
                     "size": f"1 cell with an input gate, {n * n + 3 * n} weights, float64",
                     "program": lambda tape: predictor_sequence_program(tape, small, "lstm"),
                     "steps_to_solve": median(record["2a_p10"]),
                     "steps_from": "[2a_p10] median sequences to success over solved seeds"})
    if "bptt" in record:
        rows.append({"row": "BPTT RNN (p = 100)", "family": "gradient", "step": f"one training sequence ({P_AB} steps)",
                     "size": f"1 hidden unit, {(P_AB + 1) ** 2 + 2 * (P_AB + 1) + 1} weights, float64",
                     "program": lambda tape: predictor_sequence_program(tape, P_AB, "bptt"),
                     "steps_to_solve": median(record["bptt"]),
                     "steps_from": "[bptt] median sequences to success over solved seeds"})
    return rows


# ----------------------------------------------------------------------------------------
# The verdict: the paper's claims for Experiment 2, one metric each (rule fixed before the runs)
# ----------------------------------------------------------------------------------------

RATE_MARGIN = 0.3         # 18/18 and 17/18 establish a rate above 0.7 (p = 0.0016, 0.014); 16/18 not (0.060)
FACTOR = 2.0
BASELINE_MARGIN = 0.3
MIN_SEEDS_C = 10


def _rows(record: dict, section: str | None):
    part = record if section is None else record.get(section)
    if not part or not part.get("seeds"):
        return None
    return part["seeds"]["per_seed"]


def verdict(record: dict) -> dict:
    """Does the paper's net, trained as the paper trains it, do what Sec. 5.2 reports?

    Read from the headline (task 2a, p = 100, the paper's LSTM) and the sections "2b" (the same
    net on 2b), "bptt" (the paper's BPTT net on 2a) and "2c" (the paper's 2c LSTM at the (q, p) of
    the run). 2a, 2b and bptt need >= 18 seeds (Table 2's 18 trials), 2c >= 10 (Table 3 has 20;
    fewer are allowed there for the budget). The headline or 2b missing: pending. "Solved" is the
    frozen reading of "success after" (see the module docstring), within the run's budget.

    1. (primary) 2a: the share of runs solved. Table 2: 100% of 18 trials. Exact binomial against
       1 minus a margin of 0.3: the paper's "100%" leaves room for the budget cap (ours is 4x the
       mean, the paper's 5 million) and the unstated details; 18/18 (p = 0.0016) and 17/18
       (p = 0.014) pass, 16/18 (p = 0.060) does not.
    2. (primary) 2b: the share solved; "LSTM ... was always successful" (Sec. 5.2, 2b Results).
       Same test.
    3. 2a: training sequences to success, the arithmetic mean over the runs, within a factor 2 of
       5,040 (Table 2; TOST). Any unsolved run censors the mean: the claim does not hold.
    4. 2b: the same against 5,680 (Sec. 5.2).
    5. BPTT fails on 2a at p = 100 (Table 2: 0% within 5 million): share solved below 0 + 0.3
       (exact binomial). Only when the bptt section is recorded.
    6, 7. 2c: share solved at least 1 - 0.3 (Table 3 reports means of 20 trials and no failures)
       and the mean within a factor 2 of Table 3's figure for the run's (q, p). Only when the 2c
       section is recorded.

    Holm's correction over the tested claims. Grade: yes when all hold, partial when the primary
    two hold and another not, no when a primary claim fails.
    """
    rows_a, rows_b = _rows(record, None), _rows(record, "2b")
    if rows_a is None or rows_b is None:
        return pending("the rule needs the 2a headline and the 2b section (>= 18 seeds each)")
    for name, rows in (("2a", rows_a), ("2b", rows_b)):
        if len(rows) < MIN_SEEDS:
            return pending(f"{name} has {len(rows)} seeds, the rule needs >= {MIN_SEEDS} (Table 2's 18 trials)")
    claims = []
    for name, rows, where in (("2a", rows_a, "Table 2, LSTM row (p = 100)"),
                              ("2b", rows_b, "Sec. 5.2, Task 2b, Results")):
        claims.append(rate_at_least(f"LSTM solves {name} at p = 100", where, [r["solved"] for r in rows],
                                    paper_rate=1.0, margin=RATE_MARGIN,
                                    metric=f"share of {name} runs meeting the criterion (frozen) within the budget"))
    for name, rows, paper, where in (("2a", rows_a, PAPER_2A, "Table 2, LSTM row"),
                                     ("2b", rows_b, PAPER_2B, "Sec. 5.2, Task 2b, Results")):
        claim, metric = f"{name}: training sequences to success within {FACTOR:g}x of {paper:,}", \
            f"mean training sequences to success ({name}, frozen reading)"
        if all(r["solved"] for r in rows):
            claims.append(mean_within(claim, where, [r["sequences"] for r in rows], paper, FACTOR, metric=metric))
        else:
            unsolved = sum(not r["solved"] for r in rows)
            claims.append(exact(claim, where, metric, None, False,
                                f"{unsolved} of {len(rows)} runs not solved within the budget: the mean is censored"))
    rows = _rows(record, "bptt")
    if rows is not None and len(rows) >= MIN_SEEDS:
        claims.append(rate_at_most("BPTT fails on 2a at p = 100", "Table 2, BPTT row", [r["solved"] for r in rows],
                                   paper_rate=0.0, margin=BASELINE_MARGIN,
                                   metric="share of BPTT runs meeting the criterion within the budget"))
    rows = _rows(record, "2c")
    if rows is not None and len(rows) >= MIN_SEEDS_C:
        q, p = record["2c"]["headline"]["q"], record["2c"]["headline"]["p"]
        where = f"Table 3, row q = {q}, p = {p}"
        claims.append(rate_at_least(f"LSTM solves 2c at q = {q}, p = {p}", where, [r["solved"] for r in rows],
                                    paper_rate=1.0, margin=RATE_MARGIN,
                                    metric="share of 2c runs meeting the criterion (frozen) within the budget"))
        paper = PAPER_2C.get((q, p))
        claim, metric = f"2c: training sequences within {FACTOR:g}x of Table 3", "mean training sequences (2c)"
        if paper is None:
            claims.append(exact(claim, where, metric, None, False, f"Table 3 has no row q = {q}, p = {p}"))
        elif all(r["solved"] for r in rows):
            claims.append(mean_within(claim, where, [r["sequences"] for r in rows], paper, FACTOR, metric=metric))
        else:
            unsolved = sum(not r["solved"] for r in rows)
            claims.append(exact(claim, where, metric, None, False,
                                f"{unsolved} of {len(rows)} runs not solved within the budget: the mean is censored"))
    return grade(judge(claims), primary=2)


# ----------------------------------------------------------------------------------------
# Tables, records and the command line
# ----------------------------------------------------------------------------------------

SEED_COLUMNS = ["seed", "solved", "sequences", "stream_solved", "stream_sequences", "cell_added_at", "seen",
                "test_wrong", "test_max_error"]
SEED_COLUMNS_C = ["seed", "solved", "sequences", "stream_solved", "stream_sequences", "seen", "wrong",
                  "test_error", "test_max_error"]
RESULT_COLUMNS = ["setup", "weights", "runs solved (frozen)", "mean sequences to success", "median", "range",
                  "runs solved (stream)", "mean (stream)", "paper", "mean / paper"]


def bank_job(seeds, task: str, p: int, q: int, budget: int, construction: bool, model: str = "lstm") -> list[dict]:
    """One bank of seeds (module level: sent to worker processes by shared.learning.online.over_banks)."""
    if model == "odyssnet":
        return train_odyssnet_2c(seeds, p, q, budget) if task == "2c" else train_odyssnet_2a(seeds, p, budget)
    if task == "2c":
        return train_2c(seeds, p, q, budget)
    return train_predictor(seeds, "2b" if task == "2b" else "2a", p, budget,
                           model="rnn" if task == "bptt" else "lstm", construction=construction)


def result_row(name: str, weights: int, rows: list[dict], paper) -> list:
    s = summarize([r["sequences"] for r in rows], [r["solved"] for r in rows])
    t = summarize([r["stream_sequences"] for r in rows], [r["stream_solved"] for r in rows])
    mean = None if s["mean"] is None else int(round(s["mean"]))
    return [name, weights, f"{s['n_solved']}/{s['n_runs']}",
            f"none within {max(r['seen'] for r in rows):,}" if mean is None else mean,
            "-" if s["median"] is None else int(round(s["median"])),
            "-" if s["min"] is None else f"{int(s['min'])} - {int(s['max'])}",
            f"{t['n_solved']}/{t['n_runs']}", "-" if t["mean"] is None else int(round(t["mean"])),
            paper if paper else "-", "-" if mean is None or not paper else f"{mean / paper:.2f}x"]


def section_name(task: str, model: str, p: int, q: int) -> str | None:
    """The record's section: None (the headline) for the paper's LSTM on 2a at p = 100; otherwise
    the task ("2b", "bptt", "2c" at their defaults), "odyssnet" (the core on 2a) or "2c_odyssnet", with "_p<p>"
    ("_q<q>") away from the default lengths, so no run overwrites another's section."""
    default_p = 50 if task == "2c" else P_AB
    name = ("odyssnet" if task == "2a" else f"{task}_odyssnet") if model == "odyssnet" else task
    name += (f"_p{p}" if p != default_p else "") + (f"_q{q}" if task == "2c" and q != 50 else "")
    return None if name == "2a" else name


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="a reduced run for the tests: 2 seeds, p = 10, a budget of 60 "
                         "sequences (2c: p = q = 5, 40 sequences)")
    parser.add_argument("--task", choices=("2a", "2b", "bptt", "2c"), default="2a",
                        help="2a: the headline (the paper's LSTM on 2a); 2b; bptt: the paper's BPTT net on 2a; "
                             "2c: the paper's 2c LSTM (each its own section of the record)")
    parser.add_argument("--p", type=int_at_most(1000, "Table 3's largest p"), default=None,
                        help=f"p (default {P_AB}; 2c: 50)")
    parser.add_argument("--q", type=int_at_most(1000, "Table 3's largest q"), default=50, help="2c: q (default 50)")
    parser.add_argument("--max-sequences", type=positive_int, default=None,
                        help=f"training budget per seed (default {BUDGET_AB:,}; 2c: {BUDGET_C:,})")
    parser.add_argument("--construction", choices=("sequential", "none"), default="sequential",
                        help="2a/2b: add the cell once the error stops decreasing (the paper) or from the start")
    parser.add_argument("--model", choices=("lstm", "odyssnet"), default="lstm",
                        help="2a, 2c: the paper's LSTM, or the OdyssNet core on the same sequences and budget (ours)")
    parser.add_argument("--workers", type=int_at_most(8, "one bank per core; more processes only contend"),
                        default=1, help="split the seeds over this many processes (the figures do not depend on it)")
    parser.add_argument("--gradcheck", action="store_true",
                        help="check the 2a/2b net's and the BPTT net's gradients against finite differences")
    args = parser.parse_args(argv)
    parser.only_when(args.task == "2c", ["--q"], "with --task 2c")
    parser.only_when(args.task in ("2a", "2b"), ["--construction"], "with --task 2a or 2b")
    parser.only_when(args.task in ("2a", "2c"), ["--model"], "with --task 2a or 2c")
    parser.only_when(args.model == "lstm", ["--construction"], "with the LSTM")
    if args.p is not None and args.p < (1 if args.task == "2c" else 2):
        parser.error("--p must be at least 2 (2c: 1)")
    require_seeds(parser, args, MIN_SEEDS_C if args.task == "2c" or args.model == "odyssnet" else MIN_SEEDS)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.gradcheck:
        a, b = gradcheck(PredictorBank), gradcheck(TinyRNNBank)
        print(f"largest relative gradient error: 2a/2b net {a:.2e}, BPTT net {b:.2e}")
        return 0 if max(a, b) < 1e-6 else 1
    from shared.learning.online import over_banks
    task = args.task
    seeds = list(range(args.seed, args.seed + (min(args.n_seeds, 2) if args.quick else args.n_seeds)))
    p = args.p or (50 if task == "2c" else P_AB)
    q = args.q
    if args.quick:
        p, q = (5, 5) if task == "2c" else (10, q)
    budget = (40 if task == "2c" else 60) if args.quick else (args.max_sequences or (BUDGET_C if task == "2c" else BUDGET_AB))
    construction = args.construction == "sequential"
    clock = Progress(1)
    if args.model == "odyssnet" and task == "2c":
        weights = odyssnet_2c(p, 0).weights
        name = (f"the OdyssNet core (ours; {p + 6 + ODYSSNET_2C['hidden']} neurons, {weights} weights, AdamW lr "
                f"{ODYSSNET_2C['lr']:g}, batches of {ODYSSNET_2C['batch']}, read at each sequence's end), 2c, "
                f"q = {q}, p = {p}")
        paper = PAPER_2C.get((q, p))
    elif args.model == "odyssnet":
        weights = odyssnet_2a(p, 0).weights
        name = (f"the OdyssNet core (ours; {2 * (p + 1) + ODYSSNET['hidden']} neurons, {weights} weights, AdamW lr "
                f"{ODYSSNET['lr']:g}, batches of {ODYSSNET['batch']}, {ODYSSNET['thinking_steps']} thinking steps per "
                f"symbol), 2a, p = {p}")
        paper = PAPER_2A if p == P_AB else None
    elif task == "2c":
        weights = net_2c([0], p).n_weights
        name = f"the paper's 2c LSTM (2 blocks of 1 cell, {weights} weights, lr 0.01), q = {q}, p = {p}"
        paper = PAPER_2C.get((q, p))
    elif task == "bptt":
        weights = TinyRNNBank(p + 1, [np.random.default_rng(0)]).n_weights
        name = f"the paper's BPTT net (1 self-recurrent hidden unit, {weights} weights, lr 1.0), 2a, p = {p}"
        paper = None
    else:
        weights = PredictorBank(p + 1, [np.random.default_rng(0)]).n_weights
        name = (f"the paper's LSTM (1 cell, input gate, no output gate, {weights} weights, lr 1.0"
                + (", cell added when the error stops decreasing" if construction else ", cell from the start")
                + f"), {task}, p = {p}")
        paper = (PAPER_2A if task == "2a" else PAPER_2B) if p == P_AB else None      # Table 2: p = 100 only
    print(f"Experiment 2: {name}; budget {budget:,} sequences per seed; seeds {seeds[0]}..{seeds[-1]}"
          + (f", {args.workers} processes" if args.workers > 1 else ""))
    rows = over_banks(bank_job, seeds, args.workers, task, p, q, budget, construction, args.model)
    columns = SEED_COLUMNS_C if task == "2c" else SEED_COLUMNS
    print(format_table(columns, [[r[c] for c in columns] for r in rows]))
    table = [result_row(name, weights, rows, paper)]
    print("\n" + format_table(RESULT_COLUMNS, table))
    curves = {str(r["seed"]): r.pop("curve") for r in rows}
    s = summarize([r["sequences"] for r in rows], [r["solved"] for r in rows])
    solved = table[0][2]
    if s["mean"] is None:
        reached = f"none meets the criterion within {budget:,} training sequences"
    else:
        reached = f"{solved} meet the criterion (frozen), after a mean {int(round(s['mean'])):,} sequences"
    where = {"2a": "Table 2, LSTM: 18/18 after 5,040" if args.model == "odyssnet" else "Table 2: 18/18 after 5,040",
             "2b": "Sec. 5.2: always, after 5,680",
             "bptt": "Table 2: 0% within 5 million",
             "2c": (f"Table 3{', LSTM' if args.model == 'odyssnet' else ''}: {paper:,}" if paper else "no Table 3 row")}[task]
    if task != "2c" and p != P_AB:
        where = f"Table 2 and Sec. 5.2 give LSTM figures for p = 100 only: {where}"
    summary = f"Exp. 2, {task}: {name}: {reached} ({where}); stream reading {table[0][6]}"
    headline = {"task": task, **({"model": "odyssnet"} if args.model == "odyssnet" else {}), "p": p, "seeds": len(rows), "weights": weights, "budget": budget,
                "runs_solved": solved, "mean_sequences_to_success": table[0][3] if isinstance(table[0][3], int) else None,
                "runs_solved_stream": table[0][6], "mean_test_wrong": float(np.mean([r.get("test_wrong", r.get("wrong"))
                                                                                       for r in rows]))}
    if task == "2c":
        headline["q"] = q
    record = {"summary": summary, "headline": headline,
              "seeds": {"per_seed": rows, "summary": {**s, "metric": "sequences"}} if len(rows) > 1 else None,
              "tables": [{"title": f"Experiment 2 {task}: {name}; seeds {seeds[0]}-{seeds[-1]}, budget {budget:,} "
                                   f"training sequences each; success: 10,000 successive random sequences with every "
                                   f"output within {THRESHOLD_C if task == '2c' else THRESHOLD_AB} "
                                   f"({'every step' if task in ('2a', 'bptt') else 'at the end'}); frozen: the net "
                                   f"with its weights held passes 10,000 fresh sequences; stream: 10,000 successive "
                                   f"training sequences pass as trained",
                          "columns": RESULT_COLUMNS, "rows": table}],
              "curves": curves}
    # the section follows the lengths asked for (--quick shrinks them, and records where a full run would)
    section = section_name(task, args.model, args.p or (50 if task == "2c" else P_AB), args.q)
    if section is None:
        record.update({"slug": SLUG,
                       "paper": {"citation": CITATION,
                                 "claim": "An LSTM of one memory cell with an input gate (10504 weights) learns to "
                                          "predict the last symbol of 2a's sequences at p = 100 in all 18 trials after "
                                          "5,040 sequences (mean), where RTRL and BPTT fail; likewise 2b after 5,680; "
                                          "2c (q = p = 1000) after 49,000",
                                 "figures": PAPER_FIGURES},
                       "tour": "Seed 0 of the 2a headline: the cell state along the two sequences and the outputs "
                               "for x and y as training proceeds."})
    record["wallclock_s"] = clock.elapsed
    measured = {"runs solved (frozen)": solved, "mean sequences to success": table[0][3],
                "paper": where, "runs solved (stream)": table[0][6]}
    conclude(record, __file__, verdict, args.record, section=section, measured=measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
