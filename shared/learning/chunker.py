"""The neural sequence chunker (Schmidhuber 1991, FKI-148-91; Neural Computation 4(2), 1992, "Learning
complex, extended sequences using the principle of history compression"): the 2-net system of an
automatizer A and a chunker C, S runs at once, learning on line.

  ChunkerPair(n_symbols, rngs, PairConfig(...), n_targets=1, use_c=True)
    S runs (the seed axis of shared.learning.control.RecurrentBank), one stream each, stepped symbol by symbol:
    .step(x_t (S, N) one-hot, target (S, n_targets) or None, next_symbol (S,), surprise_in (S,) bool)
      -> dict: loss_a, loss_c (S,), surprise_next (S,) bool (feed it back as the next step's
         surprise_in), p_next (S,), a_target / c_target (S, K) where a target was given.
    .a_symbol_probs(), .a_target(), .c_target(), .c_state(); .grads_a, .grads_c (this step's).
  A: RecurrentBank(N, hidden_a, N + n_targets + hidden_c), every symbol, by RTRL (or BPTT truncated to
     `truncate` steps, the 1992 paper's experiment, node 7: "propagated a maximum of 3 steps"):
     read-out = [logits of the next symbol | target logits | prediction of C's state].
  C: RecurrentBank(N + 1, hidden_c, N + n_targets), stepped only where A failed:
     input = [the unpredicted symbol | time unit decay^(steps since C's last input)],
     read-out = [logits of C's next input symbol | target logits].
  Surprise: A's probability of the symbol that came is below `confidence` (A's uncertainty, no
  boundary flag). Every step A learns the next symbol (cross-entropy), the target where one is given
  (logistic), C's current state (squared error, weight `c_weight`; the "collapsed" 2-net system:
  A comes to mimic C); C learns its next input before it takes it, and the target from its current
  state. Plain SGD, each run's step clipped to norm `clip`.

Moved out of chunker-22-symbol (its runs are the same number for number); tested in
tests/test_chunker.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shared.learning.control import RTRL, RecurrentBank, TruncatedBPTT
from shared.learning.rl import softmax


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@dataclass(frozen=True)
class PairConfig:
    hidden_a: int = 8
    hidden_c: int = 4
    lr_a: float = 0.05
    lr_c: float = 0.1
    confidence: float = 0.8      # surprise: A's probability of the symbol that came < confidence
    decay: float = 0.9           # C's time unit: decay ** (steps since C's last input)
    predict_c: bool = True       # A's third term: predict C's state (the collapsed 2-net system)
    c_weight: float = 1.0
    init_scale: float = 1.0
    clip: float = 1.0            # per-seed gradient norm limit of one step's update (0: none)
    truncate: int = 0            # 0: RTRL (exact); k > 0: BPTT truncated to the last k steps (the paper's k = 3)


def per_seed_sgd(params: dict, grads: dict, lr: float, clip: float) -> None:
    """Per-seed clipped gradient step (the seed is the leading axis)."""
    if clip > 0:
        first = next(iter(grads.values()))
        sq = sum(np.sum(g.reshape(first.shape[0], -1) ** 2, axis=1) for g in grads.values())
        scale = np.minimum(1.0, clip / (np.sqrt(sq) + 1e-12))
    else:
        scale = None
    for k, g in grads.items():
        if scale is not None:
            g = g * scale.reshape((-1,) + (1,) * (g.ndim - 1))
        params[k] -= lr * g


def _add(total: dict, part: dict, mask=None) -> None:
    for k, v in part.items():
        if mask is not None:
            v = v * mask.reshape((-1,) + (1,) * (v.ndim - 1))
        total[k] = total[k] + v if k in total else v


def _engine(bank: RecurrentBank, cfg: "PairConfig"):
    return RTRL(bank) if cfg.truncate == 0 else TruncatedBPTT(bank, cfg.truncate)


class ChunkerPair:
    """The automatizer A and the chunker C of the 2-net chunking system, S runs at once."""

    def __init__(self, n_symbols: int, rngs, cfg: PairConfig = PairConfig(), n_targets: int = 1,
                 use_c: bool = True):
        self.n, self.k, self.cfg, self.use_c = n_symbols, n_targets, cfg, use_c
        ha, hc = cfg.hidden_a, cfg.hidden_c
        rngs = list(rngs)
        self.a = RecurrentBank(n_symbols, ha, n_symbols + n_targets + (hc if use_c else 0), rngs, cfg.init_scale)
        self.c = RecurrentBank(n_symbols + 1, hc, n_symbols + n_targets, rngs, cfg.init_scale) if use_c else None
        self.s = len(rngs)
        self.rtrl_a = _engine(self.a, cfg)
        self.rtrl_a.reset(1)
        self.out_a = self.a.params["c"].copy()          # the read-out of the zero state
        if use_c:
            self.rtrl_c = _engine(self.c, cfg)
            self.rtrl_c.reset(1)
            self.out_c = self.c.params["c"].copy()
            self.since = np.zeros(self.s)           # steps since C's last input

    # -- the parts of the read-outs
    def a_symbol_probs(self):
        return softmax(self.out_a[:, : self.n])

    def a_target(self):
        return _sigmoid(self.out_a[:, self.n: self.n + self.k])

    def c_target(self):
        return _sigmoid(self.out_c[:, self.n: self.n + self.k])

    def c_state(self):
        return self.rtrl_c.h[:, 0]

    def step(self, x_t: np.ndarray, target: np.ndarray | None, next_symbol: np.ndarray,
             surprise_in: np.ndarray | None):
        """One symbol of the stream for every run.

        x_t (S, N): this step's one-hot symbol; surprise_in (S,) bool: A failed to predict x_t at the
        last step (C takes x_t now); target (S, K) or None: the target given at this step, answered
        from the states after x_t; next_symbol (S,) int: the symbol that comes next (A's prediction
        target). Returns this step's figures; A's surprise at next_symbol is in out["surprise_next"].
        """
        cfg, n, k = self.cfg, self.n, self.k
        out = {"loss_a": np.zeros(self.s), "loss_c": np.zeros(self.s)}
        grads_c = {}
        if self.use_c:
            self.since += 1
            if surprise_in is not None and surprise_in.any():
                m = surprise_in.astype(float)
                # C learns to predict its next input (the unpredicted symbol) before it takes it
                p_c = softmax(self.out_c[:, :n])
                d_c = np.zeros_like(self.out_c)
                d_c[:, :n] = (p_c - x_t) * m[:, None]
                out["loss_c"] -= m * np.log(np.sum(p_c * x_t, axis=1))
                _add(grads_c, self.rtrl_c.gradients(d_c[:, None]))
                out["c_pred_ok"] = (p_c.argmax(axis=1) == x_t.argmax(axis=1))
                # C takes it (only the runs where A failed): step, then restore the others
                h_old = self.rtrl_c.h.copy()
                s_old = {key: v.copy() for key, v in self.rtrl_c.sensitivity.items()}
                out_old = self.out_c.copy()
                time_unit = cfg.decay ** self.since
                x_c = np.concatenate([x_t, time_unit[:, None]], axis=1)
                new_out = self.rtrl_c.step(x_c[:, None])[:, 0]
                keep = ~surprise_in
                self.rtrl_c.h[keep] = h_old[keep]
                for key in s_old:
                    self.rtrl_c.sensitivity[key][keep] = s_old[key][keep]
                self.out_c = np.where(surprise_in[:, None], new_out, out_old)
                self.since = np.where(surprise_in, 0.0, self.since)
        # A takes every symbol
        self.out_a = self.rtrl_a.step(x_t[:, None])[:, 0]
        p = self.a_symbol_probs()
        d_a = np.zeros_like(self.out_a)
        d_a[:, :n] = p - np.eye(n)[next_symbol]
        p_next = p[np.arange(self.s), next_symbol]
        out["loss_a"] -= np.log(p_next)
        out["surprise_next"] = p_next < cfg.confidence
        out["p_next"] = p_next
        if target is not None:
            ya = self.a_target()
            d_a[:, n: n + k] = ya - target
            out["loss_a"] -= np.sum(target * np.log(ya) + (1 - target) * np.log(1 - ya), axis=1)
            out["a_target"] = ya
            if self.use_c:
                yc = self.c_target()
                d_c = np.zeros_like(self.out_c)
                d_c[:, n: n + k] = yc - target
                out["loss_c"] -= np.sum(target * np.log(yc) + (1 - target) * np.log(1 - yc), axis=1)
                _add(grads_c, self.rtrl_c.gradients(d_c[:, None]))
                out["c_target"] = yc
        if self.use_c and cfg.predict_c:
            d_a[:, n + k:] = cfg.c_weight * (self.out_a[:, n + k:] - self.c_state())
            out["loss_a"] += 0.5 * cfg.c_weight * np.sum((self.out_a[:, n + k:] - self.c_state()) ** 2, axis=1)
        elif self.use_c:
            d_a[:, n + k:] = 0.0
        self.grads_a = self.rtrl_a.gradients(d_a[:, None])
        self.grads_c = grads_c
        per_seed_sgd(self.a.params, self.grads_a, cfg.lr_a, cfg.clip)
        if grads_c:
            per_seed_sgd(self.c.params, grads_c, cfg.lr_c, cfg.clip)
        return out
