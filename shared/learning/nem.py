"""Neural Expectation Maximization (Greff, van Steenkiste & Schmidhuber 2017, NIPS): RNN-EM unrolled,
with the exact backward through every EM step; settings the paper leaves out follow the authors' code
(sjoerdvansteenkiste/Neural-EM: nem_model.py, network.py).


Shapes: B images, K components, D pixels, H hidden units, T unrolled EM steps. Components
are flattened into rows R = B * K for the recurrent net (all components share its weights).
  cells:  "rnn"      the authors' M-step net: h' = sigmoid(x Wx + h Wh + b)       (network.py)
          "gru"      a GRU: r, u gates; n = tanh(x Wn + (r*h) Un + bn); h' = (1-u) n + u h
          "odyssnet" the OdyssNet core (shared.learning.control.OdyssNetBank, default core) with
                     an input projection Win (D, n_in); its read-out neurons feed the decoder
  decoder: psi = sigmoid(y V + c), y the cell's output (its state, or OdyssNet's read-out)
nem_forward(...) -> loss, cache;  nem_backward(params, cache) -> grads keyed like params.

Also ``grouping_ami(groups (B, D), gamma (B, K, D))``: per image, the adjusted mutual information between
the true object of each foreground pixel and argmax_k gamma (the authors' utils.evaluate_groups).
Moved out of neural-em-shapes (its quick records are the same number for number); tested in
tests/test_nem.py (the whole unrolled model against central differences for every cell, with and
without the gradient through gamma).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shared.learning.control import OdyssNetBank
from shared.learning.ica import adjusted_mutual_information


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def softplus(a: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, a)


@dataclass(frozen=True)
class NEMConfig:
    """What the unrolled model needs besides its weights (defaults: the authors' nem_model.py)."""
    K: int = 4                   # components
    cell: str = "rnn"            # "rnn" | "gru" | "odyssnet"
    hidden: int = 250            # H (rnn/gru) or OdyssNet neurons
    n_in: int = 32               # OdyssNet input neurons (Win's width)
    n_out: int = 64              # OdyssNet read-out neurons (the decoder's input width)
    thinking: int = 2            # OdyssNet thinking steps per EM step
    inter_weight: float = 1.0    # w_inter, the inter-cluster loss weight
    grad_gamma: bool = True      # backpropagate through gamma (static: True; sequential: False)
    eps: float = 1e-6            # added to each p(x_i | psi_ik) before the E-step normalisation


def init_params(D: int, cfg: NEMConfig, rng: np.random.Generator) -> tuple[dict, OdyssNetBank | None]:
    """Weights of the M-step net and decoder: Glorot-uniform matrices, zero biases.
    Returns (params, bank): for "odyssnet" the bank's arrays are in params under "core.<name>"
    (the same arrays: the bank reads what an optimizer or a gradient check changes)."""
    def glorot(n_in, n_out):
        lim = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-lim, lim, (n_in, n_out))
    H = cfg.hidden
    bank = None
    if cfg.cell == "rnn":
        p = {"Wx": glorot(D, H), "Wh": glorot(H, H), "b": np.zeros(H)}
        out = H
    elif cfg.cell == "gru":
        p = {"Wx": glorot(D, 3 * H), "Wh": glorot(H, 2 * H), "Un": glorot(H, H), "b": np.zeros(3 * H)}
        out = H
    elif cfg.cell == "odyssnet":
        bank = OdyssNetBank(cfg.n_in, cfg.n_out, H, cfg.thinking, [int(rng.integers(2 ** 31))])
        p = {"Win": glorot(D, cfg.n_in)}
        p.update({f"core.{k}": v for k, v in bank.params.items()})
        out = cfg.n_out
    else:
        raise ValueError(f"unknown cell {cfg.cell!r}")
    p["V"] = glorot(out, D)
    p["c"] = np.zeros(D)
    return p, bank


def initial_state(cfg: NEMConfig, rows: int, bank: OdyssNetBank | None, dtype=np.float64) -> np.ndarray:
    """The M-step net's state before the first EM step: zeros, (R, H) or OdyssNet's (1, R, N)."""
    return bank.initial_state(rows) if bank is not None else np.zeros((rows, cfg.hidden), dtype=dtype)


def cell_forward(p: dict, cfg: NEMConfig, bank, x: np.ndarray, h: np.ndarray):
    """One step of the M-step net: x (R, D), state h -> (new state, output y (R, F), cache)."""
    if cfg.cell == "rnn":
        h_new = sigmoid(x @ p["Wx"] + h @ p["Wh"] + p["b"])
        return h_new, h_new, (x, h, h_new)
    if cfg.cell == "gru":
        H = cfg.hidden
        ax = x @ p["Wx"] + p["b"]
        ah = h @ p["Wh"]
        r = sigmoid(ax[:, :H] + ah[:, :H])
        u = sigmoid(ax[:, H:2 * H] + ah[:, H:])
        n = np.tanh(ax[:, 2 * H:] + (r * h) @ p["Un"])
        h_new = (1.0 - u) * n + u * h
        return h_new, h_new, (x, h, r, u, n)
    xp = x @ p["Win"]
    h_new, out, cache = bank.step_cached(h, xp[None])
    return h_new, out[0], (x, cache)


def cell_backward(p: dict, cfg: NEMConfig, bank, cache, d_h: np.ndarray, d_y: np.ndarray, g: dict):
    """Backward of cell_forward: dL/d(new state), dL/dy -> dL/d(old state), dL/dx; adds into g."""
    if cfg.cell == "rnn":
        x, h, h_new = cache
        da = (d_h + d_y) * h_new * (1.0 - h_new)
        g["Wx"] += x.T @ da
        g["Wh"] += h.T @ da
        g["b"] += da.sum(0)
        return da @ p["Wh"].T, da @ p["Wx"].T
    if cfg.cell == "gru":
        H = cfg.hidden
        x, h, r, u, n = cache
        dh_new = d_h + d_y
        dn = dh_new * (1.0 - u)
        du = dh_new * (h - n)
        dh = dh_new * u
        dan = dn * (1.0 - n * n)
        g["Un"] += (r * h).T @ dan
        drh = dan @ p["Un"].T
        dr = drh * h
        dh += drh * r
        dar = dr * r * (1.0 - r)
        dau = du * u * (1.0 - u)
        dax = np.concatenate([dar, dau, dan], axis=1)
        dah = dax[:, :2 * H]
        g["Wx"] += x.T @ dax
        g["b"] += dax.sum(0)
        g["Wh"] += h.T @ dah
        dh += dah @ p["Wh"].T
        return dh, dax @ p["Wx"].T
    x, bcache = cache
    bank_grads = {k: np.zeros_like(v) for k, v in bank.params.items()}
    dh, d_xp = bank.step_back(bcache, d_h, d_y[None], bank_grads)
    for k, v in bank_grads.items():
        g[f"core.{k}"] += v
    g["Win"] += x.T @ d_xp[0]
    return dh, d_xp[0] @ p["Win"].T


def e_step(psi: np.ndarray, x: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """gamma (B, K, D) from Bernoulli means psi (B, K, D) and binary pixels x (B, 1, D);
    also returns the normaliser S (B, 1, D) for the backward."""
    prob = x * psi + (1.0 - x) * (1.0 - psi) + eps
    total = prob.sum(axis=1, keepdims=True)
    return prob / total, total


def nem_forward(p: dict, cfg: NEMConfig, bank, inputs: np.ndarray, targets: np.ndarray, gamma0: np.ndarray,
                step_weights, keep: bool = True, frozen_gamma: np.ndarray | None = None):
    """Unrolled RNN-EM. inputs (T, B, D) the (noisy) input of each EM step, targets (T, B, D) the
    clean image its E-step and loss use (for sequences: the next frame), gamma0 (B, K, D) the initial
    responsibilities, step_weights (T,) the loss weight of each step. psi starts at 0 (pred_init).
    Returns (loss, cache); cache["gamma"], cache["psi"] are (T, B, K, D), cache["steps"] the
    per-step losses (T,) unweighted. Loss: sum_t w_t L_t, L_t summed over pixels and components,
    averaged over the batch (nem_model.compute_outer_loss). frozen_gamma (T, B, K, D): use these
    responsibilities instead of the E-step's (the stop-gradient twin that checks grad_gamma=False)."""
    T, B, D = inputs.shape
    K = cfg.K
    h = initial_state(cfg, B * K, bank, inputs.dtype)
    psi = np.zeros((B, K, D), dtype=inputs.dtype)
    gamma = gamma0
    loss, steps, caches, gammas, psis = 0.0, np.zeros(T), [], [], []
    for t in range(T):
        x_in, tgt = inputs[t][:, None, :], targets[t][:, None, :]
        delta = x_in - psi
        m = gamma * delta
        h, y, ccache = cell_forward(p, cfg, bank, m.reshape(B * K, D), h)
        z = (y @ p["V"] + p["c"]).reshape(B, K, D)
        psi_prev, gamma_prev = psi, gamma
        psi = sigmoid(z)
        gamma, total = e_step(psi, tgt, cfg.eps)
        if frozen_gamma is not None:
            gamma = frozen_gamma[t]
        sp = softplus(z)
        intra = sp - tgt * z                      # -log p(x | psi), from the logits (no clipping)
        step = (np.sum(gamma * intra) + cfg.inter_weight * np.sum((1.0 - gamma) * sp)) / B
        steps[t] = step
        loss += step_weights[t] * step
        if keep:
            caches.append((ccache, y, z, psi, gamma, total, sp, intra, tgt, delta, gamma_prev, psi_prev))
        gammas.append(gamma)
        psis.append(psi)
    cache = {"cfg": cfg, "bank": bank, "B": B, "K": K, "D": D, "weights": np.asarray(step_weights, float),
             "steps": caches, "gamma": np.stack(gammas), "psi": np.stack(psis), "step_losses": steps}
    return loss, cache


def nem_backward(p: dict, cache: dict) -> dict:
    """Gradients of nem_forward's loss with respect to every parameter (keys as p)."""
    cfg, bank, B, K, D = cache["cfg"], cache["bank"], cache["B"], cache["K"], cache["D"]
    g = {k: np.zeros_like(v) for k, v in p.items()}
    T = len(cache["steps"])
    dtype = cache["psi"].dtype
    d_h = np.zeros_like(initial_state(cfg, B * K, bank, dtype))
    d_psi_next = np.zeros((B, K, D), dtype=dtype)     # from step t+1's input delta = x - psi_t
    d_gamma_next = np.zeros((B, K, D), dtype=dtype)   # from step t+1's mask gamma_t * delta (grad_gamma only)
    for t in range(T - 1, -1, -1):
        ccache, y, z, psi, gamma, total, sp, intra, tgt, delta, gamma_prev, psi_prev = cache["steps"][t]
        w = cache["weights"][t] / B
        dz = w * (gamma * (psi - tgt) + cfg.inter_weight * (1.0 - gamma) * psi)
        d_psi = d_psi_next
        if cfg.grad_gamma:
            d_gamma = d_gamma_next + w * (intra - cfg.inter_weight * sp)
            d_prob = (d_gamma - np.sum(d_gamma * gamma, axis=1, keepdims=True)) / total
            d_psi = d_psi + d_prob * (2.0 * tgt - 1.0)
        dz = dz + d_psi * psi * (1.0 - psi)
        dz2 = dz.reshape(B * K, D)
        g["V"] += y.T @ dz2
        g["c"] += dz2.sum(0)
        d_y = dz2 @ p["V"].T
        d_h, d_m = cell_backward(p, cfg, bank, ccache, d_h, d_y, g)
        d_m = d_m.reshape(B, K, D)
        d_psi_next = -d_m * gamma_prev                   # delta = x - psi_prev
        d_gamma_next = d_m * delta if cfg.grad_gamma else d_gamma_next
    return g


def initial_gamma(rng: np.random.Generator, B: int, K: int, D: int) -> np.ndarray:
    """|N(0, 1)| per pixel and component, normalised over components (nem_model.init_state)."""
    g = np.abs(rng.standard_normal((B, K, D)))
    return g / g.sum(axis=1, keepdims=True)


def grouping_ami(groups: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """Per image: AMI between the true object of each foreground pixel and argmax_k gamma.
    groups (B, D) int (0 background), gamma (B, K, D) -> (B,)."""
    pred = gamma.argmax(axis=1)
    return np.array([adjusted_mutual_information(groups[i][groups[i] > 0], pred[i][groups[i] > 0])
                     for i in range(len(groups))])
