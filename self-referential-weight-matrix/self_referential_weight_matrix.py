"""A self-referential weight matrix (Schmidhuber 1993) meta-learning all 16 Boolean functions of 2 inputs.

Schmidhuber (1993), "A 'self-referential' weight matrix", ICANN '93 (Amsterdam), pp. 446-451; the
IDSIA transcription people.idsia.ch/~juergen/selfref/ (sec. 1, "The network"; sec. 2, "Self-referential
dynamics and objective function"). One recurrent net; every connection has a binary address; special
*analyzing* units point at a connection whose weight comes back through the special input unit *val*,
val(t+1) = sum_ij g[|ana(t) - adr(w_ij)|^2] w_ij(t); special *modifying* units point at connections
that a special output unit (here "delta") changes, w_ij(t+1) = w_ij(t) + delta(t) g[|mod(t) - adr(w_ij)|^2];
*eval* input units receive the net's errors. Every weight can be read and changed, the weights into
the analyzing, modifying and delta units included: one matrix, no slow/fast split. What gradient
descent learns is the matrix's initial value W(0); within an episode W changes only by the net's
own writes. The input pattern is held for n_r ticks (sec. 2), so the net can read and write several
times per pattern.

The task (ours; the paper only sketches the algorithm): an episode is one of the 16 Boolean
functions f of two bits. 4 demonstration patterns (the 4 rows of f's truth table in random order,
with the target on the eval unit) then 4 query patterns (the 4 rows again, in random order, no
target); the net's output at the last tick of each query pattern is scored. The non-input
activations are reset at the start of every pattern, so the weight matrix is the only thing that
carries information from the demonstrations to the queries. 12 functions are trained on; NOR, OR,
XOR and XNOR are held out and only tested.

Variants (--model): srwm1993 (the paper's net, the headline); srwm1993 --no-writes (ablation: delta
forced to 0); srwm2022 (Irie, Schlag, Csordas & Schmidhuber 2022, "A modern self-referential weight
matrix that learns to modify itself", ICML, arXiv:2202.05780: W produces y, k, q, beta from itself and
rewrites itself by the delta rule); srwm2022 --no-writes; lstm; odyssnet (non-self-referential
baselines that keep their activations across the episode).

Run:  python3 self-referential-weight-matrix/self_referential_weight_matrix.py --n-seeds 10 --record
"""

from __future__ import annotations

import argparse
import sys
import time

import shared  # noqa: F401  (first: it pins the BLAS and SIMD kernels before numpy loads)

import numpy as np

from shared.learning.control import OdyssNetBank, clip_per_seed
from shared.frame.experiment import (Progress, conclude, format_table, int_at_most, positive_float, require_seeds,
                                     stub_parser)
from shared.learning import tape_codes
from shared.networks import tape_steps
from shared.networks.optim import Adam
from shared.networks.recurrent import LSTM
from shared.frame.verdict import grade, judge, mean_below, paired_better, pending, rate_at_least

SLUG = "self-referential-weight-matrix"

# ========================================================================================
# The task: 16 Boolean functions of two bits, demonstrations then queries.
# Function f (0..15) maps row r = 2 x0 + x1 to bit (f >> r) & 1.
# ========================================================================================

N_FUNCTIONS = 16
NAMES = {0: "FALSE", 1: "NOR", 2: "x1 AND NOT x0", 3: "NOT x0", 4: "x0 AND NOT x1", 5: "NOT x1", 6: "XOR",
         7: "NAND", 8: "AND", 9: "XNOR", 10: "x1", 11: "x0 -> x1", 12: "x0", 13: "x1 -> x0", 14: "OR", 15: "TRUE"}
HELD_OUT = (1, 6, 9, 14)          # NOR, XOR, XNOR, OR: two linearly separable, two not
TRAIN_FUNCTIONS = tuple(f for f in range(N_FUNCTIONS) if f not in HELD_OUT)
N_DEMO, N_QUERY = 4, 4
N_PATTERNS = N_DEMO + N_QUERY
ROW_BITS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])


def episodes(rng: np.random.Generator, functions, batch: int):
    """A batch of episodes: function ids (B,), rows (B, 8), targets (B, 8) in {0, 1}, demo flags (8,)."""
    f = rng.choice(np.asarray(functions), size=batch)
    rows = np.concatenate([rng.permuted(np.tile(np.arange(4), (batch, 1)), axis=1),
                           rng.permuted(np.tile(np.arange(4), (batch, 1)), axis=1)], axis=1)
    targets = ((f[:, None] >> rows) & 1).astype(float)
    demo = np.array([1.0] * N_DEMO + [0.0] * N_QUERY)
    return f, rows, targets, demo


def step_features(rows, targets, demo):
    """The per-pattern inputs the baselines read: x0, x1 (+-1), demo flag, target (+-1 in demos, 0 in
    queries), bias: (B, 8, 5)."""
    bits = 2.0 * ROW_BITS[rows] - 1.0
    shown = (2.0 * targets - 1.0) * demo
    flag = np.broadcast_to(demo, rows.shape)
    return np.concatenate([bits, flag[..., None], shown[..., None], np.ones(rows.shape + (1,))], axis=-1)


def logistic(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def mv(M, v):
    """Batched matrix-vector product M v: (..., R, C), (..., C) -> (..., R)."""
    return (M @ v[..., None])[..., 0]


def vm(v, M):
    """Batched v^T M: (..., R), (..., R, C) -> (..., C)."""
    return (v[..., None, :] @ M)[..., 0, :]


def softmax_back(p, dp):
    return p * (dp - np.sum(p * dp, axis=-1, keepdims=True))


# ========================================================================================
# The 1993 self-referential net (sec. 1-2 of the paper), one weight matrix W (R, C):
# rows = the non-input units, columns = every unit a connection can come from
# (the normal inputs, eval, val, then the non-input units themselves).
#   z(t)   = [x(t), eval(t), val(t), a(t-1)]
#   a(t)   = f(W(t-1) z(t))                       o: logistic; delta, ana, mod, hidden: tanh
#   val(t+1) = p(ana_row)^T W(t-1) q(ana_col)      the read (eq. for val)
#   W(t)   = W(t-1) + delta(t) p(mod_row) q(mod_col)^T       the write (eq. for w_ij(t+1))
# g[|u - adr|^2] is a normalised Gaussian kernel over all connections,
# g_ij = exp(-kappa |u - adr_ij|^2 / 2) / sum_kl exp(...): with adr_ij = [row code of i, column code
# of j] (+-1 bits) it factorises exactly into a softmax over rows times a softmax over columns.
# ========================================================================================

N_NORMAL_IN = 4                   # x0, x1 (+-1), demo flag, bias
EVAL, VAL = N_NORMAL_IN, N_NORMAL_IN + 1
N_IN = N_NORMAL_IN + 2


def bits_for(n: int) -> int:
    return max(1, int(np.ceil(np.log2(n))))


def codes(n: int, nbits: int) -> np.ndarray:
    """Binary addresses of 0..n-1 as +-1 vectors (n, nbits)."""
    return np.array([[1.0 if (i >> b) & 1 else -1.0 for b in range(nbits)] for i in range(n)])


class Layout:
    """Which non-input unit does what, and the address codes. Rows: o, delta, ana_row, ana_col,
    mod_row, mod_col, hidden."""

    def __init__(self, n_hidden: int):
        rows = 2 + n_hidden
        while True:                                   # the address units are non-input units too
            br, bc = bits_for(rows), None
            bc = bits_for(N_IN + rows)
            need = 2 + 2 * (br + bc) + n_hidden
            if need == rows:
                break
            rows = need
        self.R, self.C, self.br, self.bc, self.n_hidden = rows, N_IN + rows, br, bc, n_hidden
        self.O, self.DELTA = 0, 1
        self.ana_r = slice(2, 2 + br)
        self.ana_c = slice(2 + br, 2 + br + bc)
        self.mod_r = slice(2 + br + bc, 2 + 2 * br + bc)
        self.mod_c = slice(2 + 2 * br + bc, 2 + 2 * br + 2 * bc)
        self.hidden = slice(2 + 2 * (br + bc), rows)
        self.code_r = codes(rows, br)                 # (R, br)
        self.code_c = codes(self.C, bc)               # (C, bc)

    def column_names(self):
        names = ["x0", "x1", "demo", "bias", "eval", "val"]
        return names + self.row_names()

    def row_names(self):
        names = ["o", "delta"] + [f"ana_r{i}" for i in range(self.br)] + [f"ana_c{i}" for i in range(self.bc)]
        names += [f"mod_r{i}" for i in range(self.br)] + [f"mod_c{i}" for i in range(self.bc)]
        return names + [f"h{i}" for i in range(self.n_hidden)]


class SRWM1993:
    """A bank of S nets (one per seed), each run on B episodes at once. params["W0"] (S, R, C)."""

    def __init__(self, n_hidden: int, ticks: int, kappa: float, rngs, init: float = 0.5, writes: bool = True):
        self.lay = Layout(n_hidden)
        self.ticks, self.kappa, self.writes = ticks, kappa, writes
        L = self.lay
        self.params = {"W0": np.stack([rng.uniform(-init, init, (L.R, L.C)) / np.sqrt(L.C) * np.sqrt(6)
                                       for rng in rngs])}

    def _act(self, s):
        a = np.tanh(s)
        a[..., self.lay.O] = logistic(s[..., self.lay.O])
        if not self.writes:
            a[..., self.lay.DELTA] = 0.0
        return a

    def forward(self, rows, targets, demo, keep_matrices: bool = True):
        """rows, targets (S, B, 8); demo (8,). -> outputs o at every pattern's last tick (S, B, 8)."""
        L, k = self.lay, self.kappa
        S, B, P = rows.shape
        W = np.broadcast_to(self.params["W0"][:, None], (S, B, L.R, L.C)).copy()
        bits = 2.0 * ROW_BITS[rows] - 1.0
        tape = []
        outs = np.zeros((S, B, P))
        for t in range(P):
            a = np.zeros((S, B, L.R))
            val = np.zeros((S, B))
            d = targets[..., t]
            for j in range(self.ticks):
                ev = demo[t] * (d - (a[..., L.O] if j > 0 else 0.0))
                z = np.concatenate([bits[..., t, :], np.full((S, B, 1), demo[t]), np.ones((S, B, 1)),
                                    ev[..., None], val[..., None], a], axis=-1)
                s = mv(W, z)
                a = self._act(s)
                p = softmax(k * a[..., L.ana_r] @ L.code_r.T)
                q = softmax(k * a[..., L.ana_c] @ L.code_c.T)
                pm = softmax(k * a[..., L.mod_r] @ L.code_r.T)
                qm = softmax(k * a[..., L.mod_c] @ L.code_c.T)
                Wq = mv(W, q)
                val = np.einsum("sbr,sbr->sb", p, Wq)
                tape.append((W if keep_matrices else None, z, a, p, q, pm, qm, Wq))
                W = W + a[..., L.DELTA, None, None] * pm[..., :, None] * qm[..., None, :]
            outs[..., t] = a[..., L.O]
        self.cache = (rows, targets, demo, tape)
        self.final_W = W
        return outs

    def backward(self, d_outs):
        """d_outs (S, B, 8): dLoss/d o at each pattern's last tick. -> {"W0": (S, R, C)}."""
        L, k = self.lay, self.kappa
        rows, targets, demo, tape = self.cache
        S, B, P = rows.shape
        dW = np.zeros((S, B, L.R, L.C))
        i = len(tape)
        for t in range(P - 1, -1, -1):
            da_next = np.zeros((S, B, L.R))      # dL/d a(tick) coming from the next tick of this pattern
            dval_next = np.zeros((S, B))
            for j in range(self.ticks - 1, -1, -1):
                i -= 1
                W, z, a, p, q, pm, qm, Wq = tape[i]
                da = da_next.copy()
                if j == self.ticks - 1:
                    da[..., L.O] += d_outs[..., t]
                # the write W(t) = W(t-1) + delta pm qm^T (dW holds dL/dW(t))
                dWqm = mv(dW, qm)
                if self.writes:
                    da[..., L.DELTA] += np.einsum("sbr,sbr->sb", pm, dWqm)
                delta = a[..., L.DELTA]
                dpm = delta[..., None] * dWqm
                dqm = delta[..., None] * vm(pm, dW)
                # the read val = p^T W(t-1) q
                dp = dval_next[..., None] * Wq
                dq = dval_next[..., None] * vm(p, W)
                dW += dval_next[..., None, None] * p[..., :, None] * q[..., None, :]
                da[..., L.ana_r] += k * softmax_back(p, dp) @ L.code_r
                da[..., L.ana_c] += k * softmax_back(q, dq) @ L.code_c
                da[..., L.mod_r] += k * softmax_back(pm, dpm) @ L.code_r
                da[..., L.mod_c] += k * softmax_back(qm, dqm) @ L.code_c
                # the units a = f(W(t-1) z)
                ds = da * (1.0 - a * a)
                ds[..., L.O] = da[..., L.O] * a[..., L.O] * (1.0 - a[..., L.O])
                if not self.writes:
                    ds[..., L.DELTA] = 0.0
                dW += ds[..., :, None] * z[..., None, :]
                dz = vm(ds, W)
                da_next = dz[..., N_IN:].copy()
                dval_next = dz[..., VAL]
                if j > 0:                          # eval = demo (d - o(previous tick))
                    da_next[..., L.O] -= demo[t] * dz[..., EVAL]
        return {"W0": dW.sum(axis=1)}


# ========================================================================================
# The modern self-referential weight matrix (Irie, Schlag, Csordas & Schmidhuber 2022, sec. 3):
#   [y, k, q, b] = W(t-1) phi(x)          phi = softmax; x = E u (E: a learned input projection)
#   v = W(t-1) phi(q),  vbar = W(t-1) phi(k)
#   W(t) = W(t-1) + sigma(b) (v - vbar) phi(k)^T          (the delta rule)
# One step per pattern; y (a logit) is the prediction; W is the only memory.
# ========================================================================================


class SRWM2022:
    def __init__(self, d: int, rngs, writes: bool = True, n_u: int = 5):
        self.d, self.writes, self.n_u = d, writes, n_u
        D = 2 * d + 2
        self.D = D
        self.params = {"W0": np.stack([rng.normal(0.0, 1.0, (D, d)) for rng in rngs]),
                       "E": np.stack([rng.normal(0.0, 1.0, (d, n_u)) for rng in rngs])}

    def forward(self, rows, targets, demo, keep_matrices: bool = True):
        d = self.d
        u = step_features(rows, targets, demo)                     # (S, B, 8, 5)
        S, B, P, _ = u.shape
        W = np.broadcast_to(self.params["W0"][:, None], (S, B, self.D, d)).copy()
        x = np.einsum("sdn,sbpn->sbpd", self.params["E"], u)
        tape, outs = [], np.zeros((S, B, P))
        for t in range(P):
            f = softmax(x[:, :, t])
            out = mv(W, f)
            fk = softmax(out[..., 1:1 + d])
            fq = softmax(out[..., 1 + d:1 + 2 * d])
            beta = logistic(out[..., -1]) if self.writes else np.zeros((S, B))
            v = mv(W, fq)
            vb = mv(W, fk)
            tape.append((W if keep_matrices else None, f, out, fk, fq, beta, v - vb))
            outs[..., t] = logistic(out[..., 0])
            W = W + beta[..., None, None] * (v - vb)[..., :, None] * fk[..., None, :]
        self.cache = (u, tape)
        self.final_W = W
        return outs

    def backward(self, d_outs):
        d = self.d
        u, tape = self.cache
        S, B, P, _ = u.shape
        dW = np.zeros((S, B, self.D, d))
        dx = np.zeros((S, B, P, d))
        for t in range(P - 1, -1, -1):
            W, f, out, fk, fq, beta, delta = tape[t]
            dout = np.zeros_like(out)
            y = logistic(out[..., 0])
            dout[..., 0] = d_outs[..., t] * y * (1.0 - y)
            # W(t) = W + beta delta fk^T, delta = W fq - W fk
            dWfk = mv(dW, fk)
            ddelta = beta[..., None] * dWfk
            dfk = beta[..., None] * vm(delta, dW)
            if self.writes:
                dbeta = np.einsum("sbi,sbi->sb", delta, dWfk)
                dout[..., -1] = dbeta * beta * (1.0 - beta)
            dW += ddelta[..., :, None] * (fq - fk)[..., None, :]
            dfq = vm(ddelta, W)
            dfk -= vm(ddelta, W)
            dout[..., 1:1 + d] += softmax_back(fk, dfk)
            dout[..., 1 + d:1 + 2 * d] += softmax_back(fq, dfq)
            dW += dout[..., :, None] * f[..., None, :]
            df = vm(dout, W)
            dx[:, :, t] = softmax_back(f, df)
        return {"W0": dW.sum(axis=1), "E": np.einsum("sbpd,sbpn->sdn", dx, u)}


# ========================================================================================
# Loss and training (shared by every model): BCE on the query outputs, Adam, per-seed clipping.
# ========================================================================================


def query_loss(outs, targets, demo):
    """Mean BCE over the query patterns; its gradient w.r.t. the outputs (probabilities)."""
    mask = (1.0 - demo)
    n = mask.sum() * outs.shape[1]
    o = np.clip(outs, 1e-12, 1 - 1e-12)
    ll = -(targets * np.log(o) + (1 - targets) * np.log(1 - o)) * mask
    d = (o - targets) / (o * (1 - o)) * mask / n
    return ll.sum(axis=(1, 2)) / n, d



# ========================================================================================
# Non-self-referential baselines on the same episodes: an LSTM (shared.networks.recurrent, forget-gate
# cell) and the OdyssNet core (shared.learning.control.OdyssNetBank). Both read the 5 pattern features
# (x0, x1, demo flag, target shown in demos, bias) and keep their activations across the episode:
# their memory is in activations, not in weights.
# ========================================================================================


class LSTMBank:
    """One shared.networks.recurrent LSTM per seed, behind the bank interface the trainer uses."""

    def __init__(self, hidden: int, seeds):
        self.nets = [LSTM(5, hidden, 1, variant="FORGET2000", readout="all", init_scale=0.3,
                          rng=np.random.default_rng([int(s), 0])) for s in seeds]
        self.params = {f"{i}:{k}": v for i, net in enumerate(self.nets) for k, v in net.params.items()}
        self.params["W0"] = np.zeros((len(seeds), 1))      # a placeholder: the bank's seed count

    def forward(self, rows, targets, demo, keep_matrices: bool = True):
        u = step_features(rows, targets, demo)
        self._y = np.stack([logistic(net.forward(u[i])[..., 0]) for i, net in enumerate(self.nets)])
        return self._y

    def backward(self, d_outs):
        grads = {"W0": np.zeros_like(self.params["W0"])}
        for i, net in enumerate(self.nets):
            g = net.backward((d_outs[i] * self._y[i] * (1 - self._y[i]))[..., None])
            grads.update({f"{i}:{k}": v for k, v in g.items()})
        return grads


class OdyssBank:
    """shared.learning.control.OdyssNetBank (the catalog's OdyssNet core), `thinking` steps per pattern."""

    def __init__(self, neurons: int, thinking: int, seeds):
        self.bank = OdyssNetBank(5, 1, neurons, thinking, [np.random.SeedSequence([int(s), 0]) for s in seeds])
        self.params = self.bank.params
        self.params["W0"] = np.zeros((len(seeds), 1))

    def forward(self, rows, targets, demo, keep_matrices: bool = True):
        u = step_features(rows, targets, demo)
        self._y = logistic(self.bank.forward(u)[..., 0])
        return self._y

    def backward(self, d_outs):
        grads, _ = self.bank.backward((d_outs * self._y * (1 - self._y))[..., None])
        idx = np.arange(self.bank.neurons)
        grads["W"][:, idx, idx] = 0.0
        grads["W0"] = np.zeros_like(self.params["W0"])
        return grads

    def after_step(self):
        self.bank.enforce_structure()


# ========================================================================================
# One run: a bank of seeds trained on the 12 training functions, tested on all 16.
# ========================================================================================

DEFAULT_UPDATES = 400
SOLVED = 0.95              # a seed "solves" a set of functions at this mean query accuracy


def build(args, seeds):
    rngs = [np.random.default_rng([int(s), 0]) for s in seeds]
    if args.model == "srwm1993":
        return SRWM1993(args.hidden, args.ticks, args.kappa, rngs, writes=not args.no_writes)
    if args.model == "srwm2022":
        return SRWM2022(args.dim, rngs, writes=not args.no_writes)
    if args.model == "lstm":
        return LSTMBank(args.hidden, seeds)
    return OdyssBank(args.neurons, args.ticks, seeds)


def train_bank(net, seeds, updates: int, batch: int, lr: float, label: str):
    """Adam on every seed's parameters at once (each seed its own episodes and its own clipping)."""
    rngs = [np.random.default_rng([int(s), 1]) for s in seeds]
    opt = Adam(net.params, lr=lr)
    progress = Progress(updates, label=label)
    curve = []
    for u in range(1, updates + 1):
        eps = [episodes(r, TRAIN_FUNCTIONS, batch) for r in rngs]
        rows = np.stack([e[1] for e in eps])
        targets = np.stack([e[2] for e in eps])
        demo = eps[0][3]
        o = net.forward(rows, targets, demo)
        loss, d = query_loss(o, targets, demo)
        grads = net.backward(d)
        if isinstance(net, LSTMBank):        # per-seed clipping over each LSTM's own parameters
            for i in range(len(seeds)):
                sub = {k: v[None] for k, v in grads.items() if k.startswith(f"{i}:")}
                clip_per_seed(sub)
                grads.update({k: v[0] for k, v in sub.items()})
        else:
            clip_per_seed(grads)
        opt.step(grads)
        if hasattr(net, "after_step"):
            net.after_step()
        acc = ((o > 0.5) == (targets > 0.5))[..., N_DEMO:].mean(axis=(1, 2))
        curve.append([float(x) for x in loss] + [float(x) for x in acc])
        progress.update(u, loss=float(loss.mean()), acc=float(acc.mean()))
    return np.array(curve)


def evaluate(net, n_seeds: int, n_per_function: int):
    """Query accuracy per seed and function (S, 16) on fresh test episodes (the same for every model)."""
    rng = np.random.default_rng([1993, 7])
    accs = np.zeros((n_seeds, N_FUNCTIONS))
    for f in range(N_FUNCTIONS):
        _, rows, targets, demo = episodes(rng, [f], n_per_function)
        rows = np.broadcast_to(rows, (n_seeds,) + rows.shape)
        targets = np.broadcast_to(targets, (n_seeds,) + targets.shape)
        o = net.forward(rows, targets, demo, keep_matrices=False)
        accs[:, f] = ((o > 0.5) == (targets > 0.5))[..., N_DEMO:].mean(axis=(1, 2))
    return accs


def section_name(args) -> str | None:
    """The record section a run writes: None for the headline (srwm1993 with writes)."""
    name = {"srwm1993": None, "srwm2022": "srwm2022", "lstm": "lstm", "odyssnet": "odyssnet"}[args.model]
    if args.no_writes:
        name = ("srwm1993" if name is None else name) + "_no_writes"
    if args.updates != DEFAULT_UPDATES and not args.quick:    # a longer (or shorter) budget: its own section
        name = ("srwm1993" if name is None else name) + f"_{args.updates}_updates"
    return name


def label_of(args) -> str:
    return {"srwm1993": "1993 self-referential net", "srwm2022": "modern SRWM (Irie et al. 2022)",
            "lstm": "LSTM", "odyssnet": "OdyssNet core"}[args.model] + (" (writes disabled)" if args.no_writes else "")


def run(args) -> dict:
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    net = build(args, seeds)
    n_params = int(sum(v[0].size for k, v in net.params.items() if k != "W0" or args.model.startswith("srwm"))) \
        if not isinstance(net, LSTMBank) else int(sum(v.size for k, v in net.params.items() if k.startswith("0:")))
    start = time.time()
    curve = train_bank(net, seeds, args.updates, args.batch, args.lr, label=label_of(args))
    accs = evaluate(net, len(seeds), args.test_episodes)
    train_acc = accs[:, list(TRAIN_FUNCTIONS)].mean(axis=1)
    held_acc = accs[:, list(HELD_OUT)].mean(axis=1)
    all_acc = accs.mean(axis=1)
    rows = [{"seed": s, "train_accuracy": float(train_acc[i]), "held_out_accuracy": float(held_acc[i]),
             "all16_accuracy": float(all_acc[i]), "solved": bool(train_acc[i] >= SOLVED),
             "held_out_solved": bool(held_acc[i] >= SOLVED),
             "per_function": [float(a) for a in accs[i]]} for i, s in enumerate(seeds)]
    n = len(seeds)
    summary = {"n_runs": n, "n_solved": int(sum(r["solved"] for r in rows)),
               "solve_rate": float(np.mean([r["solved"] for r in rows])),
               "mean": float(train_acc.mean()), "median": float(np.median(train_acc)),
               "min": float(train_acc.min()), "max": float(train_acc.max()), "metric": "train_accuracy",
               "mean_held_out_accuracy": float(held_acc.mean()), "mean_all16_accuracy": float(all_acc.mean()),
               "n_held_out_solved": int(sum(r["held_out_solved"] for r in rows))}
    every = max(1, args.updates // 100)
    return {"net": net, "seeds": seeds, "rows": rows, "summary": summary, "accs": accs, "n_params": n_params,
            "curve": {"update": list(range(1, args.updates + 1, every)),
                      "mean_loss": [float(x) for x in curve[::every, :n].mean(axis=1)],
                      "mean_accuracy": [float(x) for x in curve[::every, n:].mean(axis=1)]},
            "wallclock_s": time.time() - start}


# ========================================================================================
# Data movement (issue 21; python3 bin/movement.py self-referential-weight-matrix): one step on a Tape
# ========================================================================================


def _srwm2022_program(d: int, batch: int, n_u: int = 5):
    """A Tape program of one update of SRWM2022 on a batch of episodes, float64: x = E u; per pattern the
    softmax of x, out = W phi(x), the key and query softmaxes, beta, v = W phi(q), vbar = W phi(k), the delta
    rule write (three maps over (D, d)); the query loss's gradient; the backward pattern by pattern in
    reverse (SRWM2022.backward); the batch sum of dW, E's gradient; the per-seed clip and Adam."""
    big_d = 2 * d + 2

    def program(tape):
        dt = np.float64
        w0, e = tape.argument((big_d, d), dt), tape.argument((d, n_u), dt)
        states = [tape.argument(a.shape, dt) for a in (w0, e) for _ in range(2)]
        u = tape.argument((batch, N_PATTERNS, n_u), dt)
        targets = tape.argument((batch, N_PATTERNS), dt)
        per = tape_codes._per_batch
        W = tape.map(np.broadcast_to(w0, (batch, big_d, d)))
        x = tape.matmul(u, e.T)                                              # (B, 8, d)
        cache, outs = [], []
        for t in range(N_PATTERNS):
            f = tape_codes.softmax(tape, x[:, t])
            out = per(tape, W, f)
            fk, fq = tape_codes.softmax(tape, out[:, 1:1 + d]), tape_codes.softmax(tape, out[:, 1 + d:1 + 2 * d])
            beta = tape.map(out[:, -1])
            delta = tape.map(per(tape, W, fq), per(tape, W, fk))
            cache.append((W, f, out, fk, fq, beta, delta))
            outs.append(tape.map(out[:, 0]))
            W = tape.map(W, tape.map(tape.map(beta[:, None], delta)[:, :, None], fk[:, None, :]))
        d_outs = tape.map(np.stack(outs, axis=1), targets)                   # the query loss's gradient
        dW = tape.zeros((batch, big_d, d), dt)
        dx = [None] * N_PATTERNS
        for t in reversed(range(N_PATTERNS)):
            Wt, f, out, fk, fq, beta, delta = cache[t]
            dout = tape.zeros((batch, big_d), dt).copy()
            dout[:, 0] = tape.map(d_outs[:, t], tape.map(out[:, 0]))
            dwfk = per(tape, dW, fk)
            ddelta = tape.map(beta[:, None], dwfk)
            dfk = tape.map(beta[:, None], per(tape, delta[:, None, :], dW)[:, 0])
            dout[:, -1] = tape.map(tape.reduce(tape.map(delta, dwfk)), beta)
            dW = tape.map(dW, tape.map(ddelta[:, :, None], tape.map(fq, fk)[:, None, :]))
            dfq = per(tape, ddelta[:, None, :], Wt)[:, 0]
            dfk = tape.map(dfk, per(tape, ddelta[:, None, :], Wt)[:, 0])
            for sl, prob, d_prob in ((slice(1, 1 + d), fk, dfk), (slice(1 + d, 1 + 2 * d), fq, dfq)):
                back = tape.map(prob, d_prob, tape.reduce(tape.map(prob, d_prob))[:, None])
                dout[:, sl] = tape.map(dout[:, sl], back)
            dW = tape.map(dW, tape.map(dout[:, :, None], f[:, None, :]))
            df = per(tape, dout[:, None, :], Wt)[:, 0]
            dx[t] = tape.map(f, df, tape.reduce(tape.map(f, df))[:, None])
        dx = np.stack(dx, axis=1)
        grads = {"W0": tape.reduce(dW, axis=0), "E": tape.matmul(dx.reshape(-1, d).T, u.reshape(-1, n_u))}
        total = tape.map(*[tape.reduce(tape.map(g, g).reshape(-1)) for g in grads.values()])
        scale = tape.map(tape.map(total))
        for (name, g), param, (m, v) in zip(grads.items(), (w0, e), (states[:2], states[2:])):
            g = tape.map(g, scale)
            tape.map(param, tape.map(m, g), tape.map(v, g))
        return tape
    return program


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter, one run of the seed bank each, float64. An update is one
    batch of 32 episodes of 8 patterns. The 1993 net's batch is ~41M meter events, too many: its row prices
    one episode of the batch (shared.learning.tape_codes.srwm1993_episode: 2 ticks a pattern, forward,
    backward, the update's clip and Adam counted with every episode), steps = updates x 32. SRWM2022, the LSTM
    (tape_steps.lstm_step; its forget-gate cell written as tape_steps' forget-gate LSTM, 5 inputs, a read-out
    at every pattern, Adam) and the OdyssNet bank (tape_steps.odyssnet_step, 2 thinking steps a pattern,
    AdamW) are priced on the whole batch. No step count to solve is recorded: the solve criterion is the
    query accuracy on the training functions after the whole budget, so steps to solve is the recorded
    budget (400 updates) for the rows whose seeds solve, None where none did (OdyssNet). Left out: the
    episodes' generation, the accuracy kept per update, the test evaluation."""
    cfg = record.get("config") or {}
    updates, batch = cfg.get("updates", DEFAULT_UPDATES), cfg.get("batch", 32)
    lay = Layout(cfg.get("hidden", 8))
    ticks = cfg.get("ticks", 2)
    solved = lambda part: ((part.get("seeds") or {}).get("summary") or {}).get("n_solved", 0) > 0   # noqa: E731
    rows = [{"row": "SRWM 1993", "family": "gradient",
             "step": f"one episode ({N_PATTERNS} patterns x {ticks} ticks) of an update's batch of {batch}",
             "size": f"one {lay.R}x{lay.C} matrix ({lay.R * lay.C} weights) reading and writing itself, Adam, float64",
             "program": lambda tape: tape_codes.srwm1993_episode(tape, lay.R, lay.C, lay.br, lay.bc, N_IN, ticks,
                                                                 N_PATTERNS, N_DEMO),
             "steps_to_solve": updates * batch if solved(record) else None,
             "steps_from": f"the recorded budget: {updates} updates x {batch} episodes (config); solved = "
                           "training-function accuracy >= 0.95 after it"}]
    if "odyssnet" in record:
        oc = record["odyssnet"].get("config") or {}
        neurons, steps = oc.get("neurons", 24), oc.get("ticks", 2) * N_PATTERNS
        rows.append({"row": "OdyssNet", "family": "gradient", "step": f"one update on {batch} episodes",
                     "size": f"{neurons} neurons, {oc.get('ticks', 2)} thinking steps a pattern, AdamW, float64",
                     "program": lambda tape: tape_steps.odyssnet_step(tape, neurons, 5, 1, steps, batch=batch,
                                                                      itemsize=8),
                     "steps_to_solve": oc.get("updates", updates) if solved(record["odyssnet"]) else None,
                     "steps_from": f"[odyssnet] budget {oc.get('updates', updates)} updates; no seed solved"})
    if "srwm2022" in record:
        sc = record["srwm2022"].get("config") or {}
        dim = sc.get("dim", 16)
        rows.append({"row": "SRWM 2022", "family": "gradient", "step": f"one update on {batch} episodes",
                     "size": f"W {2 * dim + 2}x{dim} and E {dim}x5 ({(2 * dim + 2) * dim + dim * 5} weights), Adam, "
                             "float64",
                     "program": _srwm2022_program(dim, batch),
                     "steps_to_solve": sc.get("updates", updates) if solved(record["srwm2022"]) else None,
                     "steps_from": f"[srwm2022] the recorded budget: {sc.get('updates', updates)} updates; solved "
                                   "after it"})
    if "lstm" in record:
        lc = record["lstm"].get("config") or {}
        hidden = lc.get("hidden", 8)
        rows.append({"row": "LSTM", "family": "gradient", "step": f"one update on {batch} episodes",
                     "size": f"{hidden} cells, Adam, float64",
                     "program": lambda tape: tape_steps.lstm_step(tape, 5, hidden, 1, N_PATTERNS, batch=batch,
                                                                  optimizer="adam"),
                     "steps_to_solve": lc.get("updates", updates) if solved(record["lstm"]) else None,
                     "steps_from": f"[lstm] the recorded budget: {lc.get('updates', updates)} updates; solved "
                                   "after it"})
    return rows


# ========================================================================================
# The verdict (fixed before the recorded runs). The paper claims that a net can learn, by
# gradient descent, to run its own weight-change algorithm (abstract; sec. 2-3); it reports no
# experiment. Declared metrics, >= 10 seeds each:
#  1. (primary) the 1993 net solves the 12 training functions (query accuracy >= 0.95) in more
#     than half of the seeds (exact binomial, H0: rate <= 0.5);
#  2. (primary) with its writes disabled it cannot: mean training-function query accuracy < 0.6
#     (one-sided t; the best a net without memory can do is 0.5);
#  3. it generalises to the 4 held-out functions: mean held-out query accuracy above that of the
#     ablation, paired over seeds (one-sided paired t on the log error ratio, held-out error
#     floored at 1/(4 x test episodes per function x 4));
#  4. the modern SRWM (Irie et al. 2022) solves the training functions in more than half the seeds.
# Holm's correction over the four. yes: all hold; partial: 1-2 hold, 3 or 4 not; no: 1 or 2 fails.
# ========================================================================================

MIN_SEEDS = 10


def verdict(record: dict) -> dict:
    need = {"seeds": record.get("seeds"), "srwm1993_no_writes": (record.get("srwm1993_no_writes") or {}).get("seeds"),
            "srwm2022": (record.get("srwm2022") or {}).get("seeds")}
    for name, block in need.items():
        if not block or block["summary"]["n_runs"] < MIN_SEEDS:
            return pending(f"the rule needs >= {MIN_SEEDS} seeds in section '{name}'")
    ours = need["seeds"]["per_seed"]
    ablation = {r["seed"]: r for r in need["srwm1993_no_writes"]["per_seed"]}
    paired = [(r, ablation[r["seed"]]) for r in ours if r["seed"] in ablation]
    floor = 1.0 / 1024
    return grade(judge([
        rate_at_least("the 1993 net learns to solve the training functions through its own weight changes",
                      "abstract; sec. 2 (the net runs its own weight change algorithm)",
                      [r["solved"] for r in ours], 1.0, 0.5,
                      metric=f"share of seeds with training-function query accuracy >= {SOLVED}"),
        mean_below("with its writes disabled the same net cannot", "sec. 1 (the weights are the net's only "
                   "memory across patterns in our task)", [r["train_accuracy"] for r in ablation.values()], 0.6,
                   metric="training-function query accuracy, writes disabled"),
        paired_better("the learned weight-change rule generalises to held-out functions", "ours (the paper's "
                      "'learning to learn' claim, sec. 1)",
                      [max(1 - a["held_out_accuracy"], floor) for a, _ in paired],
                      [max(1 - b["held_out_accuracy"], floor) for _, b in paired],
                      metric="held-out query error, writes on vs writes disabled"),
        rate_at_least("the modern SRWM (Irie et al. 2022) also solves the training functions",
                      "Irie et al. 2022, sec. 3-4", [r["solved"] for r in need["srwm2022"]["per_seed"]],
                      1.0, 0.5, metric=f"share of seeds with training-function query accuracy >= {SOLVED}"),
    ]), primary=2)


# ========================================================================================
# Command line
# ========================================================================================

CITATION = ("Schmidhuber, J. (1993). A 'self-referential' weight matrix. Proc. ICANN '93, 446–451. "
            "Modern form: Irie, K., Schlag, I., Csordás, R. & Schmidhuber, J. (2022). A modern self-referential "
            "weight matrix that learns to modify itself. ICML 2022 (arXiv:2202.05780).")
PAPER_FIGURES = [
    {"name": "numeric results", "value": "none", "where": "the 1993 paper derives the algorithm and reports no "
     "experiment ('to show that such algorithms are possible at all', abstract)"},
    {"name": "computational complexity per time step of the exact gradient", "value": "O(n_conn log n_conn)",
     "where": "abstract"},
    {"name": "analyzing units (one per address bit)", "value": "ceil(log2 n_conn)", "where": "sec. 1, item 3"},
    {"name": "ticks per input pattern", "value": "n_r (free)", "where": "sec. 2, first paragraph"},
]


def kappa_value(text: str) -> float:
    """--kappa: a number in (0, 50] (beyond, the kernel is one-hot to machine precision anyway)."""
    value = positive_float(text)
    if value > 50:
        raise argparse.ArgumentTypeError(f"{value:g} is above 50: the address kernel is already one-hot there")
    return value


kappa_value.__name__ = "a number in (0, 50]"


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="2 seeds, 40 updates of 16 episodes, 16 test episodes a function")
    parser.add_argument("--model", choices=["srwm1993", "srwm2022", "lstm", "odyssnet"], default="srwm1993",
                        help="srwm1993: the paper's net (headline); srwm2022: Irie et al.'s SRWM; lstm, odyssnet: "
                             "baselines")
    parser.add_argument("--no-writes", action="store_true", help="ablation: the net's writes disabled (srwm models)")
    parser.add_argument("--updates", type=int_at_most(100_000, "training time grows linearly"), default=DEFAULT_UPDATES)
    parser.add_argument("--batch", type=int_at_most(4096, "memory grows as batch x matrix x ticks"), default=32,
                        help="episodes per update and seed")
    parser.add_argument("--lr", type=positive_float, default=0.01, help="Adam's step size")
    parser.add_argument("--hidden", type=int_at_most(256, "the matrix grows as its square"), default=8,
                        help="srwm1993: ordinary hidden units; lstm: cells")
    parser.add_argument("--ticks", type=int_at_most(16, "time grows linearly"), default=2,
                        help="srwm1993: ticks n_r per pattern; odyssnet: thinking steps per pattern")
    parser.add_argument("--kappa", type=kappa_value, default=2.0,
                        help="srwm1993: sharpness of the address kernel g")
    parser.add_argument("--dim", type=int_at_most(256, "the matrix grows as its square"), default=16,
                        help="srwm2022: width d of the self-referential layer")
    parser.add_argument("--neurons", type=int_at_most(1024, "weights grow as N^2"), default=24,
                        help="odyssnet: neurons")
    parser.add_argument("--test-episodes", type=int_at_most(100_000, "test time grows linearly"), default=256,
                        help="test episodes per function")
    args = parser.parse_args(argv)
    parser.only_when(args.model.startswith("srwm"), ["--no-writes"], "with --model srwm1993 or srwm2022")
    parser.only_when(args.model == "srwm1993", ["--kappa"], "with --model srwm1993")
    parser.only_when(args.model in ("srwm1993", "lstm"), ["--hidden"], "with --model srwm1993 or lstm")
    parser.only_when(args.model in ("srwm1993", "odyssnet"), ["--ticks"], "with --model srwm1993 or odyssnet")
    parser.only_when(args.model == "srwm2022", ["--dim"], "with --model srwm2022")
    parser.only_when(args.model == "odyssnet", ["--neurons"], "with --model odyssnet")
    if args.quick:
        args.n_seeds, args.updates, args.batch, args.test_episodes = 2, 40, 16, 16
    require_seeds(parser, args, MIN_SEEDS)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    section = section_name(args)
    print(f"{label_of(args)}: seeds {args.seed}..{args.seed + args.n_seeds - 1}, {args.updates} updates x "
          f"{args.batch} episodes, trained on {len(TRAIN_FUNCTIONS)} functions, held out "
          f"{', '.join(NAMES[f] for f in HELD_OUT)}")
    out = run(args)
    s = out["summary"]
    columns = ["seed", "train_accuracy", "held_out_accuracy", "all16_accuracy", "solved"]
    print(format_table(columns, [[r[c] for c in columns] for r in out["rows"]]))
    per_function = [[NAMES[f], "held out" if f in HELD_OUT else "train", float(out["accs"][:, f].mean()),
                     float(out["accs"][:, f].min())] for f in range(N_FUNCTIONS)]
    print(format_table(["function", "split", "mean accuracy", "worst seed"], per_function))
    headline = {"train_accuracy_mean": s["mean"], "held_out_accuracy_mean": s["mean_held_out_accuracy"],
                "all16_accuracy_mean": s["mean_all16_accuracy"], "seeds_solved": f"{s['n_solved']}/{s['n_runs']}",
                "seeds_held_out_solved": f"{s['n_held_out_solved']}/{s['n_runs']}", "parameters": out["n_params"]}
    label = label_of(args)
    record = {
        "summary": (f"{label}: query accuracy {s['mean']:.3f} on the 12 training functions, {s['mean_held_out_accuracy']:.3f} "
                    f"on the 4 held-out ones, {s['mean_all16_accuracy']:.3f} on all 16 ({s['n_runs']} seeds; "
                    f"{s['n_solved']} solve the training functions, {s['n_held_out_solved']} the held-out ones)"),
        "headline": headline,
        "seeds": {"per_seed": out["rows"], "summary": s},
        "tables": [{"title": f"{label}: query accuracy per function (mean and worst over seeds)",
                    "columns": ["function", "split", "mean accuracy", "worst seed"], "rows": per_function}],
        "curve": out["curve"],
        "config": {"model": args.model, "writes": not args.no_writes, "updates": args.updates, "batch": args.batch,
                   "lr": args.lr, "hidden": args.hidden, "ticks": args.ticks, "kappa": args.kappa, "dim": args.dim,
                   "neurons": args.neurons, "test_episodes": args.test_episodes,
                   "held_out": [NAMES[f] for f in HELD_OUT]},
        "wallclock_s": out["wallclock_s"],
    }
    if section is None:
        record.update({"slug": SLUG, "paper": {"citation": CITATION, "claim": (
            "a recurrent net whose special units read and change its own weights (all of them) can learn by "
            "gradient descent to run its own weight change algorithm"), "figures": PAPER_FIGURES},
            "tour": ("the 1993 net's one weight matrix rewritten by its own modifying units, tick by tick, "
                     "through 4 demonstrations and 4 queries, beside its outputs")})
    conclude(record, __file__, verdict, args.record, section=section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
