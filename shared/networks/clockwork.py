"""The clockwork RNN (Koutník, Greff, Gomez & Schmidhuber 2014, "A clockwork RNN", ICML) with BPTT.

The hidden layer is split into g modules of k units; module m has the clock period T_m (the paper's
exponential series 1, 2, 4, ..., 2^(g-1) by default) and is updated only at the steps t with
t mod T_m = 0; otherwise it keeps its value. Within a module the units are fully connected; a faster
module receives from the slower ones, never the reverse (Fig. 1: "neurons in faster module i are
connected to neurons in a slower module j only if T_i < T_j"), so with the modules ordered by period the
recurrent matrix is block-triangular. Steps are counted from 0, so every module runs at the first step.

    net = Clockwork(n_in, modules=4, module_size=8, n_out, rng)
    y, cache = net.forward(x)            # x (B, T, n_in) -> y (B, T, n_out), linear read-out of every unit
    grads, d_x = net.backward(cache, d_y)

Parameters: "W_in" (n_in, N), "W_rec" (N, N) (row: from, column: to; zero where no connection), "b" (N,),
"W_out" (N, n_out), "c" (n_out,); N = modules x module_size, tanh units.
"""

from __future__ import annotations

import numpy as np


class Clockwork:
    def __init__(self, n_in: int, modules: int, module_size: int, n_out: int, rng: np.random.Generator,
                 periods=None, init_scale: float = 0.1):
        periods = [2 ** m for m in range(modules)] if periods is None else [int(p) for p in periods]
        if len(periods) != modules or min(periods) < 1 or any(a > b for a, b in zip(periods, periods[1:])):
            raise ValueError(f"need {modules} periods >= 1 in non-decreasing order, got {periods}")
        self.periods, self.module_size = np.array(periods), int(module_size)
        size = modules * module_size
        module_of = np.repeat(np.arange(modules), module_size)
        self.unit_period = self.periods[module_of]                          # (N,)
        # from unit j (row) to unit i (column): j's module as slow as i's or slower
        self.mask = module_of[:, None] >= module_of[None, :]
        uniform = lambda *shape: rng.uniform(-init_scale, init_scale, shape)  # noqa: E731
        self.params = {"W_in": uniform(n_in, size), "W_rec": uniform(size, size) * self.mask,
                       "b": np.zeros(size), "W_out": uniform(size, n_out), "c": np.zeros(n_out)}

    def active(self, steps: int) -> np.ndarray:
        """(T, N) bool: which units update at each step."""
        return (np.arange(steps)[:, None] % self.unit_period[None, :]) == 0

    def forward(self, x: np.ndarray, initial_state: np.ndarray | None = None):
        """x (B, T, n_in) -> (y (B, T, n_out), cache)."""
        p = self.params
        batch, steps, _ = x.shape
        active = self.active(steps)
        h = np.zeros((batch, p["b"].size)) if initial_state is None else initial_state
        states = [h]
        for t in range(steps):
            h = np.where(active[t], np.tanh(x[:, t] @ p["W_in"] + h @ p["W_rec"] + p["b"]), h)
            states.append(h)
        hs = np.stack(states, axis=1)                                     # (B, T + 1, N), hs[:, 0] initial
        return hs[:, 1:] @ p["W_out"] + p["c"], {"x": x, "hs": hs, "active": active}

    def backward(self, cache: dict, d_y: np.ndarray):
        """d_y (B, T, n_out) -> (gradients keyed like params, summed over the batch; dL/dx (B, T, n_in))."""
        p, x, hs, active = self.params, cache["x"], cache["hs"], cache["active"]
        steps = x.shape[1]
        grads = {k: np.zeros_like(v) for k, v in p.items()}
        grads["W_out"] = np.einsum("btn,bto->no", hs[:, 1:], d_y)
        grads["c"] = d_y.sum(axis=(0, 1))
        d_h = np.zeros_like(hs[:, 0])
        d_x = np.zeros_like(x)
        for t in range(steps - 1, -1, -1):
            d_h = d_h + d_y[:, t] @ p["W_out"].T
            h = hs[:, t + 1]
            d_pre = np.where(active[t], d_h * (1.0 - h * h), 0.0)
            grads["W_in"] += x[:, t].T @ d_pre
            grads["W_rec"] += hs[:, t].T @ d_pre
            grads["b"] += d_pre.sum(axis=0)
            d_x[:, t] = d_pre @ p["W_in"].T
            # a unit that kept its value passes its gradient straight back
            d_h = np.where(active[t], 0.0, d_h) + d_pre @ p["W_rec"].T
        grads["W_rec"] *= self.mask
        return grads, d_x
