"""Relational Neural Expectation Maximization (van Steenkiste, Chang, Greff & Schmidhuber, ICLR 2018):
objects and their interactions discovered from pixels, without supervision, on bouncing balls.

The paper's method (Sec. 2-3; settings from the authors' code, sjoerdvansteenkiste/Relational-NEM:
nem_model.py, network.py, nem.py, README.md):
  Each frame x_t is a spatial mixture of K components (N-EM, Greff et al. 2017). Component k keeps a
  recurrent state theta_k, decodes a Bernoulli mean per pixel psi_k = sigmoid(V theta_k + c) as its
  prediction of the NEXT frame, and is fed its responsibility-masked prediction error
  gamma_k * (x~_t - psi_k) (x~ the bit-flip-corrupted frame). The E-step gamma_k = p(x_{t+1} | psi_k) /
  sum_j p(x_{t+1} | psi_j) assigns every pixel of the next frame to a component. One EM step per frame.
  R-NEM replaces the M-step's RNN by a relational cell (network.py, class R_NEM):
    e_k   = relu(theta_k We + be)                                  encode each slot
    u_kj  = relu([e_k, e_j] Wc + bc)          for every j != k      the pair's "core"
    v_kj  = relu(u_kj Wv + bv)                                     the message (the "context" branch)
    a_kj  = sigmoid(tanh(u_kj Wa + ba) wa + b_a)                   its attention weight
    E_k   = sum_{j != k} a_kj v_kj                                 the effect of the others on k
    theta_k' = sigmoid(e_k Wne + E_k Wnf + m_k Wnx + bn)           m_k the masked error of slot k
  Loss (nem_model.compute_outer_loss): at every step, sum_ik gamma_ik (-log p(x_i | psi_ik))
  + (1 - gamma_ik) (-log(1 - psi_ik)), gamma held (no gradient through it), averaged over the batch.
  Baselines as the authors define them (README): RNN-EM = N-EM with the sigmoid-RNN M-step (no
  interactions; "N-EM" below), RNN = the same net with K = 1 (then gamma = 1 and the net just
  predicts the next frame from its error). The next-frame score is the authors' "upper bound" loss
  (compute_outer_ub_loss): the binary cross-entropy of max_k psi_k against the next frame, summed
  over pixels, which needs no E-step and is comparable between K = 1 and K > 1.

Data (generated here in numpy, never downloaded): balls of equal mass bouncing elastically off each
other and the walls in a SIZE x SIZE box, rendered as binary frames (a pixel is on when its centre
lies within the ball's radius). Trained on 4 balls; tested on 4 and, without retraining, on 6-8 balls
(the slot count K raised from 5 to 8, as the authors' K=8 run).

Run:  python3 relational-nem-bouncing-balls/relational_nem_bouncing_balls.py --n-seeds 10 --record   (R-NEM)
      ... --model nem --n-seeds 10 --record        (N-EM, no interactions)
      ... --model rnn --n-seeds 10 --record        (the RNN, K = 1)
      ... --model solo --n-seeds 10 --record       (the R-NEM cell without messages: an ablation)
      ... --model odyssnet --n-seeds 10 --record   (N-EM with the OdyssNet core as M-step)
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, replace

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.frame.experiment import (conclude, format_table, int_at_most, positive_float,
                                     require_seeds, stub_parser, summarize)
from shared.frame.gradcheck import check_gradients, gradcheck_report
from shared.frame.verdict import grade, judge, mean_below, paired_better, pending
from shared.learning import nem
from shared.networks.optim import Adam
from shared.networks import tape_sequence

# ----------------------------------------------------------------------------------------
# The data: bouncing balls (our simulator; the authors' balls4mass64.h5 is not used).
# ----------------------------------------------------------------------------------------

SIZE = 16          # frame side in pixels (the paper: 64)
RADIUS = 1.6       # ball radius in pixels (the paper's balls, scaled with the frame)
SUBSTEPS = 4       # physics sub-steps per frame (collisions resolved at each)


def simulate(rng: np.random.Generator, n: int, frames: int, n_balls: int, speed: float = 0.7,
             size: int = SIZE, radius: float = RADIUS) -> tuple[np.ndarray, np.ndarray]:
    """n sequences of `frames` frames of n_balls equal-mass balls. Start positions uniform without
    overlap, velocities of the given speed in uniform directions (pixels per frame). Elastic
    collisions: a ball reflects off a wall; two touching, approaching balls exchange the velocity
    components along the line of their centres. Returns positions (frames, n, n_balls, 2) and
    velocities alike."""
    low, high = radius, size - radius
    pos = rng.uniform(low, high, (n, n_balls, 2))
    for _ in range(1000):                                   # resample the balls that overlap
        d = np.linalg.norm(pos[:, :, None] - pos[:, None], axis=-1) + 3 * size * np.eye(n_balls)
        bad = (d < 2 * radius + 0.2).any(axis=2)
        if not bad.any():
            break
        pos[bad] = rng.uniform(low, high, (int(bad.sum()), 2))
    angle = rng.uniform(0, 2 * np.pi, (n, n_balls))
    vel = speed * np.stack([np.cos(angle), np.sin(angle)], -1)
    out_p, out_v = [], []
    dt = 1.0 / SUBSTEPS
    for _ in range(frames):
        out_p.append(pos.copy())
        out_v.append(vel.copy())
        for _ in range(SUBSTEPS):
            pos = pos + dt * vel
            hit_low, hit_high = pos < low, pos > high
            pos = np.where(hit_low, 2 * low - pos, np.where(hit_high, 2 * high - pos, pos))
            vel = np.where(hit_low | hit_high, -vel, vel)
            for i in range(n_balls):
                for j in range(i + 1, n_balls):
                    r = pos[:, i] - pos[:, j]
                    dist2 = np.sum(r * r, -1)
                    dv = vel[:, i] - vel[:, j]
                    approach = np.sum(dv * r, -1)
                    hit = (dist2 < (2 * radius) ** 2) & (approach < 0)
                    if hit.any():
                        change = (approach / np.maximum(dist2, 1e-9))[:, None] * r * hit[:, None]
                        vel[:, i] -= change
                        vel[:, j] += change
    return np.stack(out_p), np.stack(out_v)


def render(pos: np.ndarray, size: int = SIZE, radius: float = RADIUS) -> tuple[np.ndarray, np.ndarray]:
    """Binary frames from ball centres pos (..., n_balls, 2): images (..., D) in {0, 1} and groups
    (..., D) int (0 background, j + 1 the nearest ball j covering the pixel)."""
    centres = np.stack(np.meshgrid(np.arange(size) + 0.5, np.arange(size) + 0.5, indexing="ij"), -1).reshape(-1, 2)
    d = np.linalg.norm(pos[..., :, None, :] - centres, axis=-1)          # (..., n_balls, D)
    nearest = d.argmin(axis=-2)
    covered = d.min(axis=-2) <= radius
    groups = np.where(covered, nearest + 1, 0)
    return covered.astype(np.float64), groups


def bouncing_balls(rng: np.random.Generator, n: int, frames: int, n_balls) -> dict:
    """n sequences; n_balls an int or a list of counts (each sequence draws one uniformly).
    images, groups (frames, n, D); n_balls (n,)."""
    counts = np.atleast_1d(n_balls)
    per_seq = counts[rng.integers(0, len(counts), n)]
    images = np.zeros((frames, n, SIZE * SIZE))
    groups = np.zeros((frames, n, SIZE * SIZE), dtype=np.int64)
    for c in np.unique(per_seq):
        idx = np.flatnonzero(per_seq == c)
        pos, _ = simulate(rng, len(idx), frames, int(c))
        images[:, idx], groups[:, idx] = render(pos)
    return {"images": images, "groups": groups, "n_balls": per_seq}


def bitflip(rng: np.random.Generator, x: np.ndarray, p: float) -> np.ndarray:
    """Flip every pixel independently with probability p (nem.py's 'bitflip' noise)."""
    return np.abs(x - (rng.random(x.shape) < p))


# ========================================================================================
# general piece for shared/ (shared.learning.nem): the relational M-step cell of R-NEM and an
# unrolled N-EM whose M-step is any cell object. shared.learning.nem.nem_forward dispatches on
# cfg.cell and cannot host a cell that mixes the K rows of one image, so this is a second unrolled
# forward/backward (gamma held, as the sequential configurations of N-EM and R-NEM train), reusing
# nem.e_step, nem.initial_gamma, nem.sigmoid/softplus and nem.cell_forward/cell_backward for the
# per-slot cells. Tested: it equals nem.nem_forward/nem_backward (grad_gamma=False) number for
# number with the "rnn" cell; the relational cell and the whole unrolled model against central
# differences in float64.
# ========================================================================================

LN_EPS = 1e-5


def relu(a):
    return np.maximum(a, 0.0)


def mm(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """a (..., n) @ w (n, m) as one 2-D product (numpy's stacked matmul would loop over the leading axes)."""
    return (a.reshape(-1, a.shape[-1]) @ w).reshape(a.shape[:-1] + (w.shape[1],))


@dataclass(frozen=True)
class RelationalConfig:
    """Sizes of the R-NEM cell (the authors': state 250, encoder 250, core 250, context 250,
    attention 100 -> 1, each fc layer layer-normalised; ours: no layer norm)."""
    hidden: int = 250       # theta
    encode: int = 250       # e
    core: int = 250         # u
    context: int = 250      # v (the message)
    attention: int = 100    # the attention branch's hidden layer; 0: no attention (plain sum)
    zero_effect: bool = False   # start Wnf (effect -> state) at zero: the cell starts as a per-slot RNN
    direct: bool = False        # add theta_k Wnh to the update (then N-EM's sigmoid RNN is the case Wne = Wnf = 0)
    layer_norm: bool = True     # layer-normalise the update before its sigmoid (the authors' LayerNormWrapper on
                                # the R_NEM cell's output; without it the summed ReLU messages saturate the sigmoid)


def init_relational(D: int, rc: RelationalConfig, rng: np.random.Generator) -> dict:
    """Glorot-uniform matrices, zero biases, and the decoder V, c as nem.init_params."""
    def glorot(n_in, n_out):
        lim = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-lim, lim, (n_in, n_out))
    H, E, C, V, A = rc.hidden, rc.encode, rc.core, rc.context, rc.attention
    p = {"We": glorot(H, E), "be": np.zeros(E), "Wc": glorot(2 * E, C), "bc": np.zeros(C),
         "Wv": glorot(C, V), "bv": np.zeros(V),
         "Wne": glorot(E, H), "Wnf": glorot(V, H), "Wnx": glorot(D, H), "bn": np.zeros(H),
         "V": glorot(H, D), "c": np.zeros(D)}
    if rc.zero_effect:
        p["Wnf"][:] = 0.0
    if rc.direct:
        p["Wnh"] = glorot(H, H)
    if rc.layer_norm:
        p["gln"] = np.ones(H)
        p["bln"] = np.zeros(H)
    if A:
        p.update({"Wa": glorot(C, A), "ba": np.zeros(A), "wa": glorot(A, 1), "b_a": np.zeros(1)})
    return p


def pair_index(K: int) -> np.ndarray:
    """(K, K-1): for focus slot k, the other slots j != k in order."""
    return np.array([[j for j in range(K) if j != k] for k in range(K)], dtype=np.int64).reshape(K, K - 1)


def relational_forward(p: dict, K: int, x: np.ndarray, h: np.ndarray):
    """One R-NEM step. x (R, D) the masked errors, h (R, H) the states, rows R = B*K (slot-major
    within an image). Returns (new state, output = new state, cache)."""
    R, E = h.shape[0], p["We"].shape[1]
    B = R // K
    e = relu(h @ p["We"] + p["be"])
    e3 = e.reshape(B, K, E)
    idx = pair_index(K)
    focus = np.broadcast_to(e3[:, :, None, :], (B, K, K - 1, E))
    other = e3[:, idx]                                               # (B, K, K-1, E)
    pair = np.concatenate([focus, other], axis=-1)
    u = relu(mm(pair, p["Wc"]) + p["bc"])
    v = relu(mm(u, p["Wv"]) + p["bv"])
    if "Wa" in p:
        s = np.tanh(mm(u, p["Wa"]) + p["ba"])
        a = nem.sigmoid(mm(s, p["wa"]) + p["b_a"])                     # (B, K, K-1, 1)
    else:
        s, a = None, np.ones(u.shape[:-1] + (1,), dtype=u.dtype)
    eff = np.sum(a * v, axis=2).reshape(R, -1)
    z = e @ p["Wne"] + eff @ p["Wnf"] + x @ p["Wnx"] + p["bn"]
    if "Wnh" in p:
        z = z + h @ p["Wnh"]
    ln = None
    if "gln" in p:
        mu = z.mean(axis=1, keepdims=True)
        inv = 1.0 / np.sqrt(z.var(axis=1, keepdims=True) + LN_EPS)
        zh = (z - mu) * inv
        ln = (zh, inv)
        z = zh * p["gln"] + p["bln"]
    h_new = nem.sigmoid(z)
    return h_new, h_new, (x, h, e, pair, u, v, s, a, eff, h_new, ln)


def relational_backward(p: dict, K: int, cache, d_h: np.ndarray, d_y: np.ndarray, g: dict):
    """Backward of relational_forward: dL/d(new state), dL/dy -> dL/d(old state), dL/dx; adds into g."""
    x, h, e, pair, u, v, s, a, eff, h_new, ln = cache
    R, E = e.shape
    B = R // K
    dz = (d_h + d_y) * h_new * (1.0 - h_new)
    if ln is not None:
        zh, inv = ln
        g["gln"] += np.sum(dz * zh, axis=0)
        g["bln"] += dz.sum(0)
        dzh = dz * p["gln"]
        dz = inv * (dzh - dzh.mean(axis=1, keepdims=True) - zh * np.mean(dzh * zh, axis=1, keepdims=True))
    g["Wne"] += e.T @ dz
    g["Wnf"] += eff.T @ dz
    g["Wnx"] += x.T @ dz
    g["bn"] += dz.sum(0)
    de = dz @ p["Wne"].T
    d_eff = (dz @ p["Wnf"].T).reshape(B, K, 1, -1)
    dv = d_eff * a
    du = np.zeros_like(u)
    if s is not None:
        da = np.sum(d_eff * v, axis=-1, keepdims=True)
        dza = da * a * (1.0 - a)
        g["wa"] += s.reshape(-1, s.shape[-1]).T @ dza.reshape(-1, 1)
        g["b_a"] += dza.sum()
        ds = mm(dza, p["wa"].T) * (1.0 - s * s)
        g["Wa"] += u.reshape(-1, u.shape[-1]).T @ ds.reshape(-1, ds.shape[-1])
        g["ba"] += ds.reshape(-1, ds.shape[-1]).sum(0)
        du += mm(ds, p["Wa"].T)
    dvz = dv * (v > 0)
    g["Wv"] += u.reshape(-1, u.shape[-1]).T @ dvz.reshape(-1, dvz.shape[-1])
    g["bv"] += dvz.reshape(-1, dvz.shape[-1]).sum(0)
    du += mm(dvz, p["Wv"].T)
    duz = du * (u > 0)
    g["Wc"] += pair.reshape(-1, 2 * E).T @ duz.reshape(-1, duz.shape[-1])
    g["bc"] += duz.reshape(-1, duz.shape[-1]).sum(0)
    dpair = mm(duz, p["Wc"].T)                                          # (B, K, K-1, 2E)
    de3 = de.reshape(B, K, E) + dpair[..., :E].sum(axis=2)
    idx = pair_index(K)
    for k in range(K):                                                # scatter the "other" halves
        for jj in range(K - 1):
            de3[:, idx[k, jj]] += dpair[:, k, jj, E:]
    dez = de3.reshape(R, E) * (e > 0)
    g["We"] += h.T @ dez
    g["be"] += dez.sum(0)
    dh = dez @ p["We"].T
    if "Wnh" in p:
        g["Wnh"] += h.T @ dz
        dh += dz @ p["Wnh"].T
    return dh, dz @ p["Wnx"].T


class Cell:
    """An M-step cell for unrolled_forward: "rnem" (relational_forward) or any shared.learning.nem
    cell ("rnn", "gru", "odyssnet") through nem.cell_forward/cell_backward."""

    def __init__(self, kind: str, hidden: int, cfg: nem.NEMConfig | None = None, bank=None):
        self.kind, self.hidden, self.cfg, self.bank = kind, hidden, cfg, bank

    def initial_state(self, rows: int, dtype) -> np.ndarray:
        if self.kind == "rnem":
            return np.zeros((rows, self.hidden), dtype=dtype)
        return nem.initial_state(self.cfg, rows, self.bank, dtype)

    def forward(self, p, K, x, h):
        if self.kind == "rnem":
            return relational_forward(p, K, x, h)
        return nem.cell_forward(p, self.cfg, self.bank, x, h)

    def backward(self, p, K, cache, d_h, d_y, g):
        if self.kind == "rnem":
            return relational_backward(p, K, cache, d_h, d_y, g)
        return nem.cell_backward(p, self.cfg, self.bank, cache, d_h, d_y, g)


def unrolled_forward(p: dict, cell: Cell, K: int, inputs: np.ndarray, targets: np.ndarray, gamma0: np.ndarray,
                     step_weights, keep: bool = True, inter_weight: float = 1.0, eps: float = 1e-6,
                     closed_from: int | None = None):
    """Unrolled N-EM over a sequence, gamma held (no gradient through it), as nem.nem_forward with
    grad_gamma=False but for any Cell. inputs (T, B, D) the (noisy) frames fed, targets (T, B, D)
    the next frames, gamma0 (B, K, D). With closed_from = s, steps t >= s see the model's own
    prediction max_k psi instead of inputs[t], and the E-step uses that prediction instead of the
    unseen next frame (a closed-loop rollout; evaluation only). Returns (loss, cache) with
    cache["gamma"], cache["psi"] (T, B, K, D) and cache["step_losses"] (T,)."""
    T, B, D = inputs.shape
    h = cell.initial_state(B * K, inputs.dtype)
    psi = np.zeros((B, K, D), dtype=inputs.dtype)
    gamma = gamma0
    loss, steps, caches, gammas, psis = 0.0, np.zeros(T), [], [], []
    for t in range(T):
        closed = closed_from is not None and t >= closed_from
        x_in = (psi.max(axis=1) if closed else inputs[t])[:, None, :]
        delta = x_in - psi
        m = gamma * delta
        h, y, ccache = cell.forward(p, K, m.reshape(B * K, D), h)
        z = (y @ p["V"] + p["c"]).reshape(B, K, D)
        gamma_prev = gamma
        psi = nem.sigmoid(z)
        tgt = targets[t][:, None, :]
        gamma, _ = nem.e_step(psi, psi.max(axis=1, keepdims=True) if closed else tgt, eps)
        sp = nem.softplus(z)
        step = (np.sum(gamma * (sp - tgt * z)) + inter_weight * np.sum((1.0 - gamma) * sp)) / B
        steps[t] = step
        loss += step_weights[t] * step
        if keep:
            caches.append((ccache, y, psi, gamma, tgt, gamma_prev))
        gammas.append(gamma)
        psis.append(psi)
    cache = {"cell": cell, "K": K, "B": B, "D": D, "inter_weight": inter_weight,
             "weights": np.asarray(step_weights, float), "steps": caches,
             "gamma": np.stack(gammas), "psi": np.stack(psis), "step_losses": steps}
    return loss, cache


def unrolled_backward(p: dict, cache: dict) -> dict:
    """Gradients of unrolled_forward's loss (gamma held) with respect to every parameter."""
    cell, K, B, D = cache["cell"], cache["K"], cache["B"], cache["D"]
    g = {k: np.zeros_like(v) for k, v in p.items()}
    dtype = cache["psi"].dtype
    d_h = np.zeros_like(cell.initial_state(B * K, dtype))
    d_psi_next = np.zeros((B, K, D), dtype=dtype)
    for t in range(len(cache["steps"]) - 1, -1, -1):
        ccache, y, psi, gamma, tgt, gamma_prev = cache["steps"][t]
        w = float(cache["weights"][t]) / B           # a Python float: keeps float32 arrays float32
        dz = w * (gamma * (psi - tgt) + cache["inter_weight"] * (1.0 - gamma) * psi)
        dz = dz + d_psi_next * psi * (1.0 - psi)
        dz2 = dz.reshape(B * K, D)
        g["V"] += y.T @ dz2
        g["c"] += dz2.sum(0)
        d_h, d_m = cell.backward(p, K, ccache, d_h, dz2 @ p["V"].T, g)
        d_psi_next = -d_m.reshape(B, K, D) * gamma_prev
    return g

# ======================================== end of the general piece ========================


def bce_max(psi: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The authors' 'upper bound' next-frame loss: binary cross-entropy of max_k psi_k (clipped to
    [1e-6, 1 - 1e-6]) against the next frame, summed over pixels. psi (T, B, K, D), targets (T, B, D)
    -> (T, B)."""
    q = np.clip(psi.max(axis=2), 1e-6, 1 - 1e-6)
    return -np.sum(targets * np.log(q) + (1 - targets) * np.log(1 - q), axis=-1)


# ----------------------------------------------------------------------------------------
# Training and evaluation
# ----------------------------------------------------------------------------------------

MODELS = ("rnem", "solo", "nem", "rnn", "odyssnet")
LABELS = {"rnem": "R-NEM", "solo": "R-NEM cell, no messages", "nem": "N-EM (RNN-EM)", "rnn": "RNN (K = 1)",
          "odyssnet": "N-EM, OdyssNet M-step"}


@dataclass(frozen=True)
class RunConfig:
    """One run's settings. Defaults: our scaled headline (the authors' in PAPER)."""
    model: str = "rnem"
    K: int = 5                   # slots when trained on 4 balls (the authors' nem.k=5)
    K_test_many: int = 8         # slots on 6-8 balls (the authors' R-NEM K=8)
    hidden: int = 64
    relational: int = 64         # encode, core and context widths of the R-NEM cell
    attention: int = 32
    zero_effect: bool = False
    direct: bool = False
    layer_norm: bool = True
    frames: int = 10             # training sequence length (frames); steps = frames - 1
    test_frames: int = 16        # test sequences (teacher-forced), and the rollout's length
    rollout_from: int = 8        # closed-loop rollout: own predictions fed from this step on
    noise: float = 0.05          # bit-flip probability (the authors' nem.py: 0.2; on 16 x 16 frames with balls
                                 # of 8 pixels 0.2 flips more pixels than the balls hold)
    batch: int = 16
    batches: int = 800
    lr: float = 1e-2
    n_train: int = 600
    n_test: int = 40
    eval_every: int = 100
    n_in: int = 16               # OdyssNet
    n_out: int = 32
    thinking: int = 2


def make_model(rc: RunConfig, D: int, rng: np.random.Generator):
    """(params, cell, K) for the row."""
    K = 1 if rc.model == "rnn" else rc.K
    if rc.model in ("rnem", "solo"):       # solo: the same cell with the effect weights held at 0
        p = init_relational(D, RelationalConfig(rc.hidden, rc.relational, rc.relational, rc.relational,
                                                rc.attention, rc.zero_effect or rc.model == "solo", rc.direct,
                                                rc.layer_norm), rng)
        return p, Cell("rnem", rc.hidden), K
    cfg = nem.NEMConfig(K=K, cell="odyssnet" if rc.model == "odyssnet" else "rnn", hidden=rc.hidden,
                        n_in=rc.n_in, n_out=rc.n_out, thinking=rc.thinking, grad_gamma=False)
    p, bank = nem.init_params(D, cfg, rng)
    return p, Cell(cfg.cell, rc.hidden, cfg, bank), K


def start_gamma(rng, B, K, D, dtype):
    return np.ones((B, 1, D), dtype=dtype) if K == 1 else nem.initial_gamma(rng, B, K, D).astype(dtype)


def evaluate(p, cell: Cell, K: int, rc: RunConfig, data: dict, rng: np.random.Generator, closed: bool = False,
             chunk: int = 25) -> dict:
    """Teacher-forced (or closed-loop from rc.rollout_from) test figures: next-frame BCE per step and
    mean, AMI (foreground pixels, argmax gamma) per step and mean (K > 1 only)."""
    n = data["images"].shape[1]
    dtype = p["V"].dtype
    bces, amis = [], []
    T = data["images"].shape[0] - 1
    for start in range(0, n, chunk):
        idx = np.arange(start, min(n, start + chunk))
        frames = data["images"][:, idx]
        inputs = bitflip(rng, frames[:-1], rc.noise).astype(dtype)
        targets = frames[1:].astype(dtype)
        gamma0 = start_gamma(rng, len(idx), K, inputs.shape[-1], dtype)
        _, cache = unrolled_forward(p, cell, K, inputs, targets, gamma0, np.ones(T), keep=False,
                                    closed_from=rc.rollout_from if closed else None)
        bces.append(bce_max(cache["psi"], targets))                        # (T, b)
        if K > 1:
            amis.append(np.stack([nem.grouping_ami(data["groups"][t + 1, idx], cache["gamma"][t])
                                  for t in range(T)]))
    bce = np.concatenate(bces, axis=1)
    out = {"bce": float(bce.mean()), "bce_per_step": bce.mean(axis=1).tolist()}
    if amis:
        ami = np.concatenate(amis, axis=1)
        out.update(ami=float(ami.mean()), ami_per_step=ami.mean(axis=1).tolist())
    return out


def train(seed: int, rc: RunConfig, progress: bool = True, keep: bool = False) -> dict:
    """Train one model from seed on 4 balls; test on 4 and on 6-8 balls."""
    streams = np.random.SeedSequence(seed).spawn(6)
    data_rng, init_rng, order_rng, noise_rng, test_rng, eval_rng = (np.random.default_rng(s) for s in streams)
    train_data = bouncing_balls(data_rng, rc.n_train, rc.frames, 4)
    test4 = bouncing_balls(test_rng, rc.n_test, rc.test_frames, 4)
    test678 = bouncing_balls(test_rng, rc.n_test, rc.test_frames, [6, 7, 8])
    D = SIZE * SIZE
    p, cell, K = make_model(rc, D, init_rng)
    if cell.bank is None:                       # float32 training (the OdyssNet bank runs in float64)
        p = {k: v.astype(np.float32) for k, v in p.items()}
    dtype = p["V"].dtype
    opt = Adam(p, lr=rc.lr)
    T = rc.frames - 1
    weights = np.ones(T)
    clock, running, curve = time.time(), [], []
    for u in range(1, rc.batches + 1):
        idx = order_rng.integers(0, rc.n_train, rc.batch)
        frames = train_data["images"][:, idx]
        inputs = bitflip(noise_rng, frames[:-1], rc.noise).astype(dtype)
        targets = frames[1:].astype(dtype)
        gamma0 = start_gamma(noise_rng, rc.batch, K, D, dtype)
        loss, cache = unrolled_forward(p, cell, K, inputs, targets, gamma0, weights)
        grads = unrolled_backward(p, cache)
        if cell.bank is not None:               # W's diagonal is structurally absent in the core
            np.fill_diagonal(grads["core.W"][0], 0.0)
        if rc.model == "solo":                  # no messages: Wnf stays 0 (the message net gets no gradient)
            grads["Wnf"][:] = 0.0
        opt.step(grads)
        running.append(float(bce_max(cache["psi"], targets).mean()))
        if u % rc.eval_every == 0 or u == rc.batches:
            curve.append({"update": u, "train_bce": float(np.mean(running))})
            running = []
            if progress:
                print(f"    {rc.model} seed {seed} update {u}/{rc.batches}: train next-frame BCE "
                      f"{curve[-1]['train_bce']:.2f} ({time.time() - clock:.0f} s)", flush=True)
    K_many = 1 if K == 1 else rc.K_test_many
    ev4 = evaluate(p, cell, K, rc, test4, np.random.default_rng([seed, 98]))
    ev678 = evaluate(p, cell, K_many, rc, test678, np.random.default_rng([seed, 97]))
    roll4 = evaluate(p, cell, K, rc, test4, np.random.default_rng([seed, 96]), closed=True)
    roll678 = evaluate(p, cell, K_many, rc, test678, np.random.default_rng([seed, 95]), closed=True)
    del eval_rng
    out = {"bce4": ev4["bce"], "bce678": ev678["bce"], "ami4": ev4.get("ami"), "ami678": ev678.get("ami"),
           "roll_bce4": float(np.mean(roll4["bce_per_step"][rc.rollout_from:])),
           "roll_bce678": float(np.mean(roll678["bce_per_step"][rc.rollout_from:])),
           "per_step": {"bce4": ev4["bce_per_step"], "bce678": ev678["bce_per_step"],
                        "ami4": ev4.get("ami_per_step"), "ami678": ev678.get("ami_per_step"),
                        "roll_bce4": roll4["bce_per_step"], "roll_bce678": roll678["bce_per_step"]},
           "curve": curve, "seconds": time.time() - clock}
    if keep:
        out.update(params=p, cell=cell, K=K, K_many=K_many, test4=test4, test678=test678)
    return out


# ----------------------------------------------------------------------------------------
# Gradient checks (float64): the relational cell alone, the whole unrolled R-NEM, the unrolled
# model with the shared cells, and the equality with shared.learning.nem.nem_forward/backward.
# ----------------------------------------------------------------------------------------

def gradient_errors(seed: int = 0) -> dict[str, float]:
    errors = {}
    rng = np.random.default_rng([seed, 11])   # (central differences need no ReLU kink within a step)
    D, B, T = 10, 2, 4
    for K, attention, direct, ln in ((3, 4, False, True), (4, 0, True, False), (2, 3, False, True), (3, 2, True, True),
                                     (3, 3, False, False)):
        rc = RelationalConfig(hidden=5, encode=4, core=6, context=3, attention=attention, direct=direct, layer_norm=ln)
        p = init_relational(D, rc, rng)
        for k in p:
            if k.startswith("b") or k == "gln":
                p[k][:] = rng.normal(1.0 if k == "gln" else 0.0, 0.3, p[k].shape)
        x = rng.normal(0, 1, (B * K, D))
        h = rng.uniform(0, 1, (B * K, rc.hidden))
        wy = rng.normal(0, 1, (B * K, rc.hidden))

        def cell_loss():
            return float(np.sum(wy * relational_forward(p, K, x, h)[1]))
        _, _, cache = relational_forward(p, K, x, h)
        g = {k: np.zeros_like(v) for k, v in p.items()}
        relational_backward(p, K, cache, np.zeros_like(h), wy, g)
        g = {k: v for k, v in g.items() if k not in ("V", "c")}
        errs = check_gradients(cell_loss, {k: p[k] for k in g}, g)
        errors.update({f"relational cell K={K} att={attention} direct={direct} ln={ln}: {k}": v for k, v in errs.items()})
        clean = (rng.random((T, B, D)) < 0.4).astype(float)
        noisy = bitflip(rng, clean, 0.2)
        gamma0 = nem.initial_gamma(rng, B, K, D)
        weights = [0.5, 1.0, 0.3, 1.2]
        cell = Cell("rnem", rc.hidden)
        _, cache = unrolled_forward(p, cell, K, noisy, clean, gamma0, weights, inter_weight=0.7)
        grads = unrolled_backward(p, cache)
        frozen = cache["gamma"]

        def held(t_gamma=frozen):   # the stop-gradient twin: the same gammas held as constants
            return _held_loss(p, cell, K, noisy, clean, gamma0, weights, t_gamma)
        errs = check_gradients(held, p, grads)
        errors.update({f"unrolled R-NEM K={K} att={attention} direct={direct} ln={ln}: {k}": v for k, v in errs.items()})
    for kind in ("rnn", "odyssnet"):
        K = 3
        cfg = nem.NEMConfig(K=K, cell=kind, hidden=8 if kind == "odyssnet" else 5, n_in=3, n_out=4,
                            thinking=2, grad_gamma=False, inter_weight=0.7)
        p, bank = nem.init_params(D, cfg, rng)
        cell = Cell(kind, cfg.hidden, cfg, bank)
        clean = (rng.random((T, B, D)) < 0.4).astype(float)
        noisy = bitflip(rng, clean, 0.2)
        gamma0 = nem.initial_gamma(rng, B, K, D)
        weights = [0.5, 1.0, 0.3, 1.2]
        _, cache = unrolled_forward(p, cell, K, noisy, clean, gamma0, weights, inter_weight=0.7)
        grads = unrolled_backward(p, cache)
        entries = {"core.W": np.flatnonzero(~np.eye(cfg.hidden, dtype=bool)[None])} if kind == "odyssnet" else {}
        errs = check_gradients(lambda: _held_loss(p, cell, K, noisy, clean, gamma0, weights, cache["gamma"]),
                               p, grads, entries=entries)
        errors.update({f"unrolled N-EM {kind}: {k}": v for k, v in errs.items()})
    return errors


def _held_loss(p, cell, K, inputs, targets, gamma0, weights, gammas, inter_weight=0.7):
    """unrolled_forward's loss with every step's gamma replaced by the given constants."""
    T, B, D = inputs.shape
    h = cell.initial_state(B * K, inputs.dtype)
    psi = np.zeros((B, K, D))
    gamma, loss = gamma0, 0.0
    for t in range(T):
        h, y, _ = cell.forward(p, K, (gamma * (inputs[t][:, None] - psi)).reshape(B * K, D), h)
        z = (y @ p["V"] + p["c"]).reshape(B, K, D)
        psi = nem.sigmoid(z)
        gamma = gammas[t]
        sp = nem.softplus(z)
        loss += weights[t] * (np.sum(gamma * (sp - targets[t][:, None] * z)) + inter_weight * np.sum((1 - gamma) * sp)) / B
    return loss


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py relational-nem-bouncing-balls): one step of each row
# ----------------------------------------------------------------------------------------

MOVEMENT_IMAGES = 2      # a priced unit: one EM step of 2 sequences (one Adam update is ~0.5-1G events)


def relational_tape_cell(rc: RunConfig, K: int) -> dict:
    """The R-NEM cell (relational_forward / relational_backward, layer norm and attention on) as a custom
    cell of tape_sequence.nem_em_step: encode, the pairs copied by np.concatenate, core, message, attention,
    the effect summed over the other slots, the update with its layer norm and sigmoid; the backward in
    relational_backward's order, the "other" halves scattered slot pair by slot pair."""
    H, E, A = rc.hidden, rc.relational, rc.attention
    shapes = {"We": (H, E), "be": (E,), "Wc": (2 * E, E), "bc": (E,), "Wv": (E, E), "bv": (E,),
              "Wne": (E, H), "Wnf": (E, H), "Wnx": (SIZE * SIZE, H), "bn": (H,), "gln": (H,), "bln": (H,),
              "Wa": (E, A), "ba": (A,), "wa": (A, 1), "b_a": (1,)}
    idx = pair_index(K)

    def forward(tape, p, m, h):
        rows = h.shape[0]
        images = rows // K
        e = tape.map(tape.matmul(h, p["We"]), p["be"])                     # relu(h We + be)
        e3 = e.reshape(images, K, E)
        pair = tape.map(np.concatenate([np.broadcast_to(e3[:, :, None, :], (images, K, K - 1, E)), e3[:, idx]],
                                       axis=-1))
        u = tape.map(tape.matmul(pair, p["Wc"]), p["bc"])
        v = tape.map(tape.matmul(u, p["Wv"]), p["bv"])
        s = tape.map(tape.matmul(u, p["Wa"]), p["ba"])
        a = tape.map(tape.matmul(s, p["wa"]), p["b_a"])
        eff = tape.reduce(tape.map(a, v), axis=2).reshape(rows, E)
        z = tape.map(tape.map(tape.map(tape.matmul(e, p["Wne"]), tape.matmul(eff, p["Wnf"])),
                              tape.matmul(m, p["Wnx"])), p["bn"])
        mu = tape.map(tape.reduce(z, axis=1))
        var = tape.map(tape.reduce(tape.map(z, mu[:, None]), axis=1))
        inv = tape.map(var)
        zh = tape.map(z, mu[:, None], inv[:, None])
        h_new = tape.map(tape.map(zh, p["gln"], p["bln"]))
        return h_new, (m, h, e, pair, u, v, s, a, eff, h_new, zh, inv)

    def backward(tape, p, g, cache, d_h, d_y):
        m, h, e, pair, u, v, s, a, eff, h_new, zh, inv = cache
        rows = h.shape[0]
        images = rows // K
        dz = tape.map(d_h, d_y, h_new)
        g["gln"] = tape.map(g["gln"], tape.reduce(tape.map(dz, zh), axis=0))
        g["bln"] = tape.map(g["bln"], tape.reduce(dz, axis=0))
        dzh = tape.map(dz, p["gln"])
        mean1 = tape.reduce(dzh, axis=1)
        mean2 = tape.reduce(tape.map(dzh, zh), axis=1)
        dz = tape.map(inv[:, None], dzh, mean1[:, None], zh, mean2[:, None])
        for name, x in (("Wne", e), ("Wnf", eff), ("Wnx", m)):
            g[name] = tape.map(g[name], tape.matmul(x.T, dz))
        g["bn"] = tape.map(g["bn"], tape.reduce(dz, axis=0))
        de = tape.matmul(dz, p["Wne"].T)
        d_eff = tape.matmul(dz, p["Wnf"].T).reshape(images, K, 1, E)
        dv = tape.map(d_eff, a)
        da = tape.reduce(tape.map(d_eff, v), axis=-1)[..., None]
        dza = tape.map(da, a)
        g["wa"] = tape.map(g["wa"], tape.matmul(s.reshape(-1, A).T, dza.reshape(-1, 1)))
        g["b_a"] = tape.map(g["b_a"], tape.reduce(dza.reshape(-1))[None])
        ds = tape.map(tape.matmul(dza, p["wa"].T), s)
        g["Wa"] = tape.map(g["Wa"], tape.matmul(u.reshape(-1, E).T, ds.reshape(-1, A)))
        g["ba"] = tape.map(g["ba"], tape.reduce(ds.reshape(-1, A), axis=0))
        du = tape.matmul(ds, p["Wa"].T)
        dvz = tape.map(dv, v)
        g["Wv"] = tape.map(g["Wv"], tape.matmul(u.reshape(-1, E).T, dvz.reshape(-1, E)))
        g["bv"] = tape.map(g["bv"], tape.reduce(dvz.reshape(-1, E), axis=0))
        du = tape.map(du, tape.matmul(dvz, p["Wv"].T))
        duz = tape.map(du, u)
        g["Wc"] = tape.map(g["Wc"], tape.matmul(pair.reshape(-1, 2 * E).T, duz.reshape(-1, E)))
        g["bc"] = tape.map(g["bc"], tape.reduce(duz.reshape(-1, E), axis=0))
        dpair = tape.matmul(duz, p["Wc"].T)                                # (B, K, K-1, 2E)
        de3 = tape.map(de.reshape(images, K, E), tape.reduce(np.moveaxis(dpair[..., :E], 2, -1), axis=-1))
        for k in range(K):                                                 # scatter the "other" halves
            for jj in range(K - 1):
                j = idx[k, jj]
                column = tape.map(de3[:, j], dpair[:, k, jj, E:])
                de3 = np.concatenate([de3[:, :j], column[:, None], de3[:, j + 1:]], axis=1)
        dez = tape.map(de3.reshape(rows, E), e)
        g["We"] = tape.map(g["We"], tape.matmul(h.T, dez))
        g["be"] = tape.map(g["be"], tape.reduce(dez, axis=0))
        tape.matmul(dez, p["We"].T)                                        # dL/dh for the previous step
        return tape.matmul(dz, p["Wnx"].T)

    return {"shapes": shapes, "width": H, "forward": forward, "backward": backward}


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter. One Adam update runs the 9 unrolled EM steps (one per
    frame) of 16 sequences forward and back, about 0.5-1G events: too large to price, so the priced unit
    is one EM step of 2 sequences, its forward then its backward (tape_sequence.nem_em_step, gamma held as
    the authors' sequential model holds it, gradients added to running sums), and an update is 8 x 9
    units. R-NEM: the relational cell (``relational_tape_cell``); N-EM and the RNN (K = 1): the sigmoid-RNN
    cell; OdyssNet: the bank's core (64 neurons, 2 thinking steps, float64). Simplified: within the whole
    update every EM step's backward comes after all the forwards, so the unit's LRU distances are shorter
    than the update's; the Adam update (three maps per weight, about 1% of an update's FLOPs) is left out;
    one instruction per element of each elementwise formula. Not priced: the physics, the rendering, the
    noise, the evaluations. Steps to solve: the solve (AMI on 6-8 balls > 0.5, seeds.summary n_solved) is
    judged after the whole budget, so for a row with a solved seed it is the recorded command's updates
    x 8 x 9 units; None where no seed solved (the RNN has no grouping to score)."""
    rows = []
    for section in (None, "nem", "rnn", "odyssnet"):
        part = record if section is None else record.get(section)
        if part is None:
            continue
        rc = run_config(parse_args(part["command"].split()[2:]))
        K = 1 if rc.model == "rnn" else rc.K
        steps = rc.frames - 1
        units = rc.batch // MOVEMENT_IMAGES * steps
        solved = ((part.get("seeds") or {}).get("summary") or {}).get("n_solved", 0)
        where = "seeds.summary" if section is None else f"[{section}] seeds.summary"
        cell = relational_tape_cell(rc, K) if rc.model == "rnem" else ("odyssnet" if rc.model == "odyssnet" else "rnn")
        size = {"rnem": f"K = {K}, state {rc.hidden}, encode/core/context {rc.relational}, attention {rc.attention}, "
                        "float32",
                "nem": f"K = {K}, sigmoid RNN of {rc.hidden}, float32", "rnn": f"K = 1, sigmoid RNN of {rc.hidden}, float32",
                "odyssnet": f"K = {K}, OdyssNet core of {rc.hidden} ({rc.thinking} thinking steps), float64"}[rc.model]
        rows.append({"row": LABELS[rc.model], "family": "gradient",
                     "step": f"one EM step of {MOVEMENT_IMAGES} sequences ({units} make an update of {rc.batch} "
                             f"sequences x {steps} frames)",
                     "size": f"{size}, {SIZE}x{SIZE} frames, Adam",
                     "program": lambda tape, rc=rc, K=K, cell=cell: tape_sequence.nem_em_step(
                         tape, SIZE * SIZE, K, rc.hidden, MOVEMENT_IMAGES, grad_gamma=False, cell=cell,
                         n_in=rc.n_in, n_out=rc.n_out, thinking=rc.thinking),
                     "steps_to_solve": rc.batches * units if solved else None,
                     "steps_from": f"the recorded command's budget, {rc.batches} updates x {units} units, after which "
                                   f"{solved} seeds solve (AMI on 6-8 balls > 0.5; {where} n_solved)"})
    return rows


# ----------------------------------------------------------------------------------------
# The verdict, fixed before the recorded runs.
# ----------------------------------------------------------------------------------------

MIN_SEEDS = 5
WHERE_ABSTRACT = ("abstract: 'On videos of bouncing balls we show the superior modelling capabilities of our "
                  "method compared to other unsupervised neural approaches that do not incorporate such prior "
                  "knowledge'")
WHERE_EXTRAP = ("abstract: 'show that it can extrapolate learned knowledge to scenes with different numbers "
                "of objects'; the authors' page of animations (trained on 4 balls, evaluated on 6-8)")
WHERE_INTERACT = ("Sec. 3 / Fig. 1: the interaction function between object pairs is what R-NEM adds to N-EM "
                  "(an ablation of ours: the paper's own baseline is RNN-EM)")
WHERE_GROUP = "abstract: 'learns to discover objects'; authors' animations page: 'in most cases the grouping is perfect'"


def verdict(record: dict) -> dict:
    """Claims, per seed on the same test sequences (trained on 4 balls; >= 5 seeds of each of the
    sections R-NEM (the stub's own run), 'nem', 'rnn' and 'solo'; paired by seed):
      1. (primary) R-NEM models 4-ball dynamics better than N-EM (RNN-EM, no interactions): the
         next-frame BCE (max_k psi against the next frame, summed over pixels, mean over the test
         steps) is lower, paired over seeds (one-sided paired t on log ratios).
      2. R-NEM beats the RNN (K = 1) on the same measure (4 balls).
      3. Extrapolation: on 6-8 balls (not trained on, K = 8) R-NEM's next-frame BCE is below N-EM's,
         paired over seeds.
      4. Extrapolation: on 6-8 balls R-NEM's BCE is below the RNN's, paired over seeds.
      5. R-NEM's grouping stays good on 6-8 balls: mean AMI over the steps > 0.5 (one-sided t on
         1 - AMI < 0.5; the threshold ours: half-way between chance and a perfect grouping).
      6. The gain comes from the interactions: on 6-8 balls R-NEM's BCE is below that of the same
         cell (layer norm included) with its effect weights held at 0 ('solo' section), paired.
    Holm over the six. yes: all hold; partial: claim 1 holds, another fails; no: claim 1 fails.
    The OdyssNet row and the closed-loop rollouts are reported, not judged."""
    own = ((record.get("seeds") or {}).get("per_seed")) or []
    parts = {"rnem": own}
    for name in ("nem", "rnn", "solo"):
        parts[name] = ((record.get(name) or {}).get("seeds") or {}).get("per_seed") or []
    flags = {"rnem": "", "nem": " --model nem", "rnn": " --model rnn", "solo": " --model solo"}
    for name, rows in parts.items():
        if len(rows) < MIN_SEEDS:
            return pending(f"the rule needs >= {MIN_SEEDS} seeds of the {LABELS[name]} row, got {len(rows)} "
                           f"(python3 relational-nem-bouncing-balls/relational_nem_bouncing_balls.py"
                           f"{flags[name]} --n-seeds {MIN_SEEDS} --record)")
    seeds = sorted(set.intersection(*[{r["seed"] for r in rows} for rows in parts.values()]))
    if len(seeds) < MIN_SEEDS:
        return pending(f"the rows share only {len(seeds)} seeds; the rule pairs >= {MIN_SEEDS}")
    by = {name: {r["seed"]: r for r in rows} for name, rows in parts.items()}

    def col(name, key):
        return [by[name][s][key] for s in seeds]
    claims = judge([
        paired_better("R-NEM predicts 4-ball dynamics better than N-EM (no interactions)", WHERE_ABSTRACT,
                      col("rnem", "bce4"), col("nem", "bce4"),
                      metric="next-frame BCE of max_k psi, 4 balls, test sequences; R-NEM / N-EM per seed"),
        paired_better("R-NEM predicts 4-ball dynamics better than the RNN", WHERE_ABSTRACT,
                      col("rnem", "bce4"), col("rnn", "bce4"),
                      metric="next-frame BCE, 4 balls; R-NEM / RNN per seed"),
        paired_better("R-NEM extrapolates to 6-8 balls better than N-EM", WHERE_EXTRAP,
                      col("rnem", "bce678"), col("nem", "bce678"),
                      metric="next-frame BCE, 6-8 balls (trained on 4, K = 8); R-NEM / N-EM per seed"),
        paired_better("R-NEM extrapolates to 6-8 balls better than the RNN", WHERE_EXTRAP,
                      col("rnem", "bce678"), col("rnn", "bce678"),
                      metric="next-frame BCE, 6-8 balls; R-NEM / RNN per seed"),
        mean_below("R-NEM's grouping stays good on 6-8 balls", WHERE_GROUP,
                   [1.0 - a for a in col("rnem", "ami678")], 0.5,
                   metric="1 - AMI (foreground pixels, mean over steps), 6-8 balls, mean over seeds"),
        paired_better("the gain on 6-8 balls comes from the interactions: R-NEM beats its own cell without "
                      "messages", WHERE_INTERACT, col("rnem", "bce678"), col("solo", "bce678"),
                      metric="next-frame BCE, 6-8 balls; R-NEM / the same cell with the effect weights held at 0"),
    ])
    return grade(claims, primary=1)


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------

PAPER = {
    "citation": "van Steenkiste, S., Chang, M., Greff, K. & Schmidhuber, J. (2018). Relational neural expectation "
                "maximization: unsupervised discovery of objects and their interactions. ICLR 2018. arXiv:1802.10353.",
    "claim": "N-EM with a relational M-step (pairwise messages between the slots, weighted by attention) learns "
             "the dynamics of bouncing balls from pixels better than N-EM without interactions and than an RNN "
             "or LSTM, keeps its grouping, and extrapolates from 4 balls to 6-8 balls where the baselines degrade.",
    "figures": [{"name": "numeric figure", "value": "none quoted here: the results are loss and AMI curves (figures)",
                 "where": "the experimental section could not be read in the stored copies of the paper "
                          "(catalog-plan.md: 'Paper fig.: none numeric')"},
                {"name": "R-NEM settings", "value": "K = 5 (K = 8 on 6-8 balls), 250-unit state; encoder, core "
                 "and context fc 250, attention fc 100 -> 1, layer norm; conv encoder/decoder on 64 x 64; bit-flip "
                 "0.2; loss at every step, gamma held; Adam 0.001, batch 64",
                 "where": "authors' code: README.md, network.py (r_nem), nem_model.py, nem.py"},
                {"name": "training and test data", "value": "sequences of 30 steps, 4 balls of variable mass; "
                 "evaluated on 6-8 balls and on rollouts of 500 steps",
                 "where": "authors' page of animations, sites.google.com/view/r-nem-gifs"}],
}

HEADLINE = RunConfig()
QUICK = dict(hidden=8, relational=6, attention=4, frames=4, test_frames=5, rollout_from=3, batch=2, batches=2,
             n_train=6, n_test=3, eval_every=2, n_in=3, n_out=4)


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="a 1-seed run of 2 updates on a tiny model, for the tests")
    parser.add_argument("--model", choices=MODELS, default="rnem",
                        help="rnem: R-NEM (default, the stub's own row); nem: N-EM without interactions; "
                             "rnn: the RNN (K = 1); odyssnet: N-EM with the OdyssNet core (each a section)")
    parser.add_argument("--batches", type=int_at_most(100_000, "Adam updates per seed"), default=None)
    parser.add_argument("--hidden", type=int_at_most(1024, "weights grow as H x D"), default=None)
    parser.add_argument("--lr", type=positive_float, default=None)
    parser.add_argument("--gradcheck", action="store_true", help="check the hand-written gradients and exit")
    args = parser.parse_args(argv)
    if not args.gradcheck:
        require_seeds(parser, args, MIN_SEEDS)
    changed = [f for f, v in (("--batches", args.batches), ("--hidden", args.hidden), ("--lr", args.lr)) if v is not None]
    if args.record and changed and not args.quick:
        parser.error(f"--record records the headline settings only; not with {', '.join(changed)}")
    return args


def run_config(args) -> RunConfig:
    rc = replace(HEADLINE, model=args.model)
    if args.model == "odyssnet":
        rc = replace(rc, hidden=64)
    for name in ("batches", "hidden", "lr"):
        if getattr(args, name) is not None:
            rc = replace(rc, **{name: getattr(args, name)})
    if args.quick:
        rc = replace(rc, **QUICK)
        if args.model == "odyssnet":
            rc = replace(rc, hidden=10)
    return rc


ROW_COLUMNS = ["seed", "bce4", "bce678", "ami4", "ami678", "roll_bce4", "roll_bce678"]


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.gradcheck:
        return gradcheck_report(gradient_errors(args.seed))
    if args.quick:
        args.n_seeds = 1
    rc = run_config(args)
    clock = time.time()
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    K = 1 if rc.model == "rnn" else rc.K
    label = (f"{LABELS[rc.model]} on {SIZE}x{SIZE} bouncing balls, K = {K}, state {rc.hidden}, {rc.frames} frames, "
             f"bit-flip {rc.noise}, {rc.batches} Adam updates x {rc.batch}")
    print(label, f"seeds {seeds[0]}..{seeds[-1]}", flush=True)
    rows, per_step = [], []
    for seed in seeds:
        out = train(seed, rc)
        row = {"seed": seed, **{k: out[k] for k in ROW_COLUMNS[1:]}}
        row["solved"] = bool(out["ami678"] is not None and out["ami678"] > 0.5)
        rows.append(row)
        per_step.append(out["per_step"])
        print(f"  seed {seed}: BCE 4 balls {out['bce4']:.2f}, 6-8 balls {out['bce678']:.2f}; AMI "
              f"{out['ami4'] if out['ami4'] is None else round(out['ami4'], 3)} / "
              f"{out['ami678'] if out['ami678'] is None else round(out['ami678'], 3)} ({out['seconds']:.0f} s)",
              flush=True)
    print(format_table(ROW_COLUMNS, [[r[c] for c in ROW_COLUMNS] for r in rows]))
    section = None if rc.model == "rnem" else rc.model
    prefix = "" if section is None else f"{section}_"
    mean = {k: (None if rows[0][k] is None else float(np.mean([r[k] for r in rows]))) for k in ROW_COLUMNS[1:]}
    headline = {f"{prefix}mean_bce4": mean["bce4"], f"{prefix}mean_bce678": mean["bce678"],
                f"{prefix}mean_roll_bce4": mean["roll_bce4"], f"{prefix}mean_roll_bce678": mean["roll_bce678"],
                "seeds": len(rows)}
    if mean["ami4"] is not None:
        headline.update({f"{prefix}mean_ami4": mean["ami4"], f"{prefix}mean_ami678": mean["ami678"]})
    step_keys = [k for k in ("bce4", "bce678", "ami4", "ami678", "roll_bce4", "roll_bce678") if per_step[0][k] is not None]
    T = len(per_step[0]["bce4"])
    tables = [{"title": f"Per seed ({label})", "columns": ROW_COLUMNS, "rows": [[r[c] for c in ROW_COLUMNS] for r in rows]},
              {"title": f"Per test step, mean over {len(rows)} seeds ({LABELS[rc.model]}; roll_*: own predictions fed "
                        f"from step {rc.rollout_from + 1})",
               "columns": ["measure"] + [str(t + 1) for t in range(T)],
               "rows": [[k] + [float(np.mean([ps[k][t] for ps in per_step])) for t in range(T)] for k in step_keys]}]
    metric_vals = [r["bce678"] for r in rows]
    summary = summarize(metric_vals, [r["solved"] for r in rows])
    ami_text = "" if mean["ami4"] is None else f"; AMI {mean['ami4']:.3f} (4 balls), {mean['ami678']:.3f} (6-8 balls)"
    part = {"summary": f"{label}: next-frame BCE {mean['bce4']:.2f} on 4 balls, {mean['bce678']:.2f} on 6-8 balls "
                       f"(mean of {len(rows)} seeds){ami_text}",
            "headline": headline,
            "seeds": {"per_seed": rows, "summary": {**summary, "metric": "bce678"}},
            "tables": tables, "wallclock_s": time.time() - clock}
    conclude(part, __file__, verdict, args.record, section=section,
             measured={k: v for k, v in headline.items() if k != "seeds"}, paper=PAPER,
             tour="Seed 0's R-NEM on test sequences with 4 and with 6-8 balls: the frames, each slot's "
                  "responsibilities (colour per slot) and the predicted next frames, beside N-EM's.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
