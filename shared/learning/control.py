"""Controllers and models as banks of small recurrent nets, one per seed, trained by exact BPTT,
and the gradient of a frozen model's prediction with respect to the controller's actions.

Schmidhuber (1990), "Making the world differentiable" (FKI-126-90) and "An on-line algorithm for
dynamic reinforcement learning and planning in reactive environments" (IJCNN 1990): a model M learns
to predict (e.g. the pain) from the observation and C's action; C is trained by backpropagating
M's prediction through M, whose weights stay as they are, into C's actions and through C.

- ``RecurrentBank(n_in, n_hidden, n_out, rngs)``: S fully recurrent tanh nets with linear
  read-outs, h_t = tanh(x_t W + h_{t-1} U + b), out_t = h_t V + c; the seed is the leading axis of
  every parameter. ``forward(x (S, B, T, D), h0)`` -> (S, B, T, K); ``backward(d_out)`` ->
  (gradients keyed like the parameters, dL/dx (S, B, T, D)); ``step(h, x_t)`` for acting;
  ``step_cached(h, x_t)`` / ``step_back(cache, d_h_new, d_out, grads)`` for closed loops stepped by hand.
- ``TruncatedBPTT(bank, k)``: the same interface, each step's gradient propagated at most k steps back.
- ``RTRL(bank)``: real-time recurrent learning (Williams & Zipser 1989) for a RecurrentBank:
  ``reset(batch)``, ``step(x_t)`` -> read-out, ``gradients(d_out)`` -> this step's gradient at once.
- ``OdyssNetBank(n_in, n_out, neurons, thinking, seed_seqs)``: the catalog's OdyssNet core
  (shared.networks.odyssnet, default settings) batched the same way, with ``thinking`` steps per input.
- ``Learner(bank, lr)``: Adam (AdamW with OdyssNet's decay exemptions for the OdyssNet bank), each
  seed's gradient clipped to global norm 1 separately (``clip_per_seed``).
- ``action_gradients(model, d_predictions, n_actions)``: after ``model.forward`` on inputs whose
  last ``n_actions`` features are the actions, dL/d(actions) (S, B, T, n_actions); M unchanged.
"""

from __future__ import annotations

import numpy as np

from shared.networks.odyssnet import OdyssNet
from shared.networks.odyssnet.trainer import no_decay_names
from shared.networks.optim import Adam, AdamW


# ----------------------------------------------------------------------------------------
# The networks: S independent fully recurrent tanh layers with linear read-outs (one per seed,
# the seed a leading axis of every array), BPTT by hand from a given initial state. The
# backward also returns dL/dx, which is how the gradient of M's predicted pain reaches C.
#   h_t = tanh(x_t W + h_{t-1} U + b),   out_t = h_t V + c
# ----------------------------------------------------------------------------------------


class RecurrentBank:
    def __init__(self, n_in: int, n_hidden: int, n_out: int, rngs, init_scale: float = 1.0):
        nets = [{"W": rng.normal(0.0, init_scale / np.sqrt(n_in), (n_in, n_hidden)),
                 "U": rng.normal(0.0, init_scale / np.sqrt(n_hidden), (n_hidden, n_hidden)),
                 "b": np.zeros(n_hidden),
                 "V": rng.normal(0.0, 1.0 / np.sqrt(n_hidden), (n_hidden, n_out)),
                 "c": np.zeros(n_out)} for rng in rngs]
        self.params = {k: np.stack([net[k] for net in nets]) for k in nets[0]}
        self.cache = None

    @classmethod
    def from_params(cls, params: dict) -> "RecurrentBank":
        bank = cls.__new__(cls)
        bank.params = {k: np.array(v, dtype=float) for k, v in params.items()}
        bank.cache = None
        return bank

    @property
    def n_seeds(self) -> int:
        return self.params["U"].shape[0]

    def initial_state(self, batch: int) -> np.ndarray:
        return np.zeros((self.n_seeds, batch, self.params["U"].shape[1]))

    def step(self, h: np.ndarray, x_t: np.ndarray):
        """One step: state (S, B, H), input (S, B, D) -> new state, read-out (S, B, K)."""
        h_new, out, _ = self.step_cached(h, x_t)
        return h_new, out

    def step_cached(self, h: np.ndarray, x_t: np.ndarray):
        """One step that keeps what step_back needs: -> new state (S, B, H), read-out (S, B, K), cache."""
        p = self.params
        h_new = np.tanh(x_t @ p["W"] + h @ p["U"] + p["b"][:, None])
        return h_new, h_new @ p["V"] + p["c"][:, None], (x_t, h, h_new)

    def step_back(self, cache, d_h_new: np.ndarray, d_out: np.ndarray, grads: dict):
        """Backward of one step_cached: dL/d(new state) (S, B, H) from later steps and dL/d(read-out)
        (S, B, K) -> dL/d(previous state), dL/dx_t; adds the step's parameter gradients into grads."""
        p = self.params
        x, h, h_new = cache
        grads["V"] += np.swapaxes(h_new, 1, 2) @ d_out
        grads["c"] += d_out.sum(axis=1)
        da = (d_h_new + d_out @ np.swapaxes(p["V"], 1, 2)) * (1.0 - h_new ** 2)
        grads["W"] += np.swapaxes(x, 1, 2) @ da
        grads["U"] += np.swapaxes(h, 1, 2) @ da
        grads["b"] += da.sum(axis=1)
        return da @ np.swapaxes(p["U"], 1, 2), da @ np.swapaxes(p["W"], 1, 2)

    def forward(self, x: np.ndarray, h0: np.ndarray | None = None) -> np.ndarray:
        """x (S, B, T, D) from state h0 (S, B, H) -> read-out (S, B, T, K); keeps what backward needs."""
        p = self.params
        xs = np.ascontiguousarray(np.swapaxes(x, 1, 2))                 # (S, T, B, D): seed-major, time next
        n_seeds, steps, batch, n_in = xs.shape
        n_hidden = p["U"].shape[1]
        drive = (xs.reshape(n_seeds, -1, n_in) @ p["W"]).reshape(n_seeds, steps, batch, n_hidden) \
            + p["b"][:, None, None]                                      # input part of every step
        hs = np.empty((n_seeds, steps + 1, batch, n_hidden))
        hs[:, 0] = self.initial_state(batch) if h0 is None else h0
        for t in range(steps):
            hs[:, t + 1] = np.tanh(drive[:, t] + hs[:, t] @ p["U"])
        self.cache = (xs, hs)
        out = hs[:, 1:].reshape(n_seeds, -1, n_hidden) @ p["V"] + p["c"][:, None]
        return np.swapaxes(out.reshape(n_seeds, steps, batch, -1), 1, 2)

    def restore(self, x: np.ndarray, states: np.ndarray) -> None:
        """Take the states (S, T+1, B, H) a step-by-step run over x (S, B, T, D) produced as the cache
        of a forward pass, so that backward can follow it without running the window again."""
        self.cache = (np.ascontiguousarray(np.swapaxes(x, 1, 2)), states)

    @property
    def final_state(self) -> np.ndarray:
        return self.cache[1][:, -1]

    def hidden_states(self) -> np.ndarray:
        """(S, B, T, H) hidden states of the last forward."""
        return np.swapaxes(self.cache[1][:, 1:], 1, 2)

    def backward(self, d_out: np.ndarray, truncate: bool = False):
        """d_out (S, B, T, K) -> (gradients keyed like params, dL/dx (S, B, T, D)).

        The gradient stops at the initial state (truncation at the window boundary).
        truncate=True also drops the gradient through the recurrent state inside the window, so
        dL/dx_t only sees the read-out of the same step (the cheap shortcut, an ablation here).
        """
        xs, hs = self.cache
        p = self.params
        n_seeds, steps, batch, n_in = xs.shape
        n_hidden = p["U"].shape[1]
        d_t = np.ascontiguousarray(np.swapaxes(d_out, 1, 2)).reshape(n_seeds, steps * batch, -1)   # (S, T*B, K)
        d_h_out = (d_t @ np.swapaxes(p["V"], 1, 2)).reshape(n_seeds, steps, batch, n_hidden)
        slope = 1.0 - hs[:, 1:] ** 2
        da = np.empty_like(slope)
        dh_next = np.zeros_like(hs[:, 0])
        u_t = np.swapaxes(p["U"], 1, 2)
        for t in range(steps - 1, -1, -1):
            da[:, t] = (d_h_out[:, t] + dh_next) * slope[:, t]
            if not truncate:
                dh_next = da[:, t] @ u_t
        da_s = da.reshape(n_seeds, -1, n_hidden)                         # (S, T*B, H)
        grads = {"W": np.swapaxes(xs.reshape(n_seeds, -1, n_in), 1, 2) @ da_s,
                 "U": np.swapaxes(hs[:, :-1].reshape(n_seeds, -1, n_hidden), 1, 2) @ da_s,
                 "b": da_s.sum(axis=1),
                 "V": np.swapaxes(hs[:, 1:].reshape(n_seeds, -1, n_hidden), 1, 2) @ d_t,
                 "c": d_t.sum(axis=1)}
        dx = (da_s @ np.swapaxes(p["W"], 1, 2)).reshape(n_seeds, steps, batch, n_in)
        return grads, np.swapaxes(dx, 1, 2)

    def seed_params(self, i: int) -> dict:
        return {k: v[i].copy() for k, v in self.params.items()}


# ----------------------------------------------------------------------------------------
# Real-time recurrent learning (Williams & Zipser 1989) for the RNN bank: the sensitivities
# P = dh_t/d(W, U, b) are carried forward with the state, so each step's gradient is known at
# once (on-line learning without storing the past; cost O(H^4) a step, for small nets).
#   a_t = x_t W + h_{t-1} U + b,  dA_k/dW_ij = x_i [j = k] + sum_l U_lk dh_{t-1,l}/dW_ij,
#   dh_t/dtheta = tanh'(a_t) * dA/dtheta.   Layout: P["W"] (S, B, D, H, H) = [.., i, j, k].
# ----------------------------------------------------------------------------------------


class RTRL:
    """Real-time recurrent learning for a RecurrentBank (its params are used, not copied)."""

    def __init__(self, bank: RecurrentBank):
        self.bank = bank
        self.h = None
        self.sensitivity = None

    def reset(self, batch: int) -> None:
        """Zero state and zero sensitivities for `batch` sequences per seed."""
        p = self.bank.params
        n_seeds, n_in, n_hidden = p["W"].shape
        self.h = np.zeros((n_seeds, batch, n_hidden))
        self.sensitivity = {"W": np.zeros((n_seeds, batch, n_in, n_hidden, n_hidden)),
                            "U": np.zeros((n_seeds, batch, n_hidden, n_hidden, n_hidden)),
                            "b": np.zeros((n_seeds, batch, n_hidden, n_hidden))}

    def reset_where(self, which: np.ndarray) -> None:
        """Zero the state and sensitivities of the sequences where which (S, B) is True (a new episode)."""
        self.h[which] = 0.0
        for v in self.sensitivity.values():
            v[which] = 0.0

    def step(self, x_t: np.ndarray) -> np.ndarray:
        """Advance by one input x_t (S, B, D): the state, its sensitivities; returns the read-out (S, B, K)."""
        p = self.bank.params
        h_prev, sens = self.h, self.sensitivity
        h = np.tanh(x_t @ p["W"] + h_prev @ p["U"] + p["b"][:, None])
        slope = 1.0 - h * h                                                  # (S, B, H)
        u = p["U"][:, None, None]                                            # (S, 1, 1, H, H)
        diag = np.arange(h.shape[-1])
        new_w = sens["W"] @ u                                                # sum_l P[.., i, j, l] U_lk
        new_w[..., diag, diag] += x_t[..., :, None]                          # x_i [j = k]
        new_u = sens["U"] @ u
        new_u[..., diag, diag] += h_prev[..., :, None]                       # h_{t-1,i} [j = k]
        new_b = sens["b"] @ p["U"][:, None]
        new_b[..., diag, diag] += 1.0
        self.sensitivity = {"W": new_w * slope[:, :, None, None, :], "U": new_u * slope[:, :, None, None, :],
                            "b": new_b * slope[:, :, None, :]}
        self.h = h
        return h @ p["V"] + p["c"][:, None]

    def gradients(self, d_out: np.ndarray) -> dict:
        """The gradient of this step's loss (dL/d(read-out) (S, B, K)) keyed like the bank's params,
        summed over the batch: through the state by the sensitivities, and the read-out's own."""
        p = self.bank.params
        d_h = d_out @ np.swapaxes(p["V"], 1, 2)                              # (S, B, H)
        sens = self.sensitivity
        return {"W": np.einsum("sbijk,sbk->sij", sens["W"], d_h),
                "U": np.einsum("sbijk,sbk->sij", sens["U"], d_h),
                "b": np.einsum("sbjk,sbk->sj", sens["b"], d_h),
                "V": np.swapaxes(self.h, 1, 2) @ d_out,
                "c": d_out.sum(axis=1)}


class TruncatedBPTT:
    """BPTT truncated to the last k steps, with the RTRL interface (reset, step, gradients, h; `sensitivity` holds what the gradient needs, one
    entry per run, so a caller can restore it per run) with the gradient of each step's loss propagated
    at most `k` steps into the past (Schmidhuber 1992, the chunker experiment: "error was propagated a maximum of 3 steps into the past")."""

    def __init__(self, bank: RecurrentBank, k: int):
        self.bank, self.k = bank, k
        self.h = self.sensitivity = None

    def reset(self, batch: int) -> None:
        p = self.bank.params
        s, d, h = p["W"].shape
        self.h = np.zeros((s, batch, h))
        self.sensitivity = {"x": np.zeros((s, self.k, batch, d)), "h": np.zeros((s, self.k, batch, h)),
                            "h_new": np.zeros((s, self.k, batch, h)), "n": np.zeros(s)}

    def step(self, x_t: np.ndarray) -> np.ndarray:
        h_new, out, (x, h, _) = self.bank.step_cached(self.h, x_t)
        m = self.sensitivity
        for key, value in (("x", x), ("h", h), ("h_new", h_new)):
            m[key] = np.concatenate([value[:, None], m[key][:, :-1]], axis=1)      # newest first
        m["n"] = np.minimum(m["n"] + 1, self.k)
        self.h = h_new
        return out

    def gradients(self, d_out: np.ndarray) -> dict:
        grads = {key: np.zeros_like(v) for key, v in self.bank.params.items()}
        m = self.sensitivity
        d_h = np.zeros_like(self.h)
        for j in range(self.k):
            valid = (m["n"] > j).astype(float)[:, None, None]
            if j == 0:      # a run that has not stepped yet reads out c alone (the zero state's read-out)
                grads["c"] += (d_out * (1.0 - valid)).sum(axis=1)
            d_o = d_out * valid if j == 0 else np.zeros_like(d_out)
            d_h, _ = self.bank.step_back((m["x"][:, j], m["h"][:, j], m["h_new"][:, j]), d_h * valid, d_o, grads)
        return grads


# ----------------------------------------------------------------------------------------
# OdyssNet in the same loop: the catalog's OdyssNet core (shared.networks.odyssnet, default settings:
# tanh core, identity memory gate, StepNorm, no Hebbian traces; a dense input sequence is
# injected at the first of every `thinking` steps and read out at the last),
# with the seed as a leading axis like the RNN bank. Its parameters are initialised by
# shared.networks.odyssnet.OdyssNet itself (one core per seed); the arithmetic below is that core's for
# this configuration, batched over seeds, and the tests check it against shared.networks.odyssnet.
# ----------------------------------------------------------------------------------------


class OdyssNetBank:
    def __init__(self, n_in: int, n_out: int, neurons: int, thinking: int, seed_seqs):
        cores = [OdyssNet(neurons, range(n_in), list(range(neurons - n_out, neurons)), pulse_mode=False,
                          rng=np.random.default_rng(s)) for s in seed_seqs]
        self.params = {k: np.stack([core.params[k] for core in cores]) for k in cores[0].params}
        expected = {"input_scale", "output_scale", "W", "memory_gate", "memory_feedback", "B", "norm.weight"}
        if set(self.params) != expected:
            raise ValueError(f"OdyssNetBank implements the default OdyssNet only, got {sorted(self.params)}")
        self.no_decay = no_decay_names(cores[0].params)
        self.n_in, self.n_out, self.thinking, self.neurons = n_in, n_out, thinking, neurons
        self.eps = float(np.finfo(np.float64).eps)
        self.cache = None

    @property
    def n_seeds(self) -> int:
        return self.params["W"].shape[0]

    def initial_state(self, batch: int) -> np.ndarray:
        return np.zeros((self.n_seeds, batch, self.neurons))

    def _think(self, h, injection):
        """One thinking step for (S, B, N); returns the new state and what backward needs."""
        p = self.params
        pre = h @ p["W"] + p["B"][:, None]
        q = h * p["memory_feedback"][:, None]
        mem = np.tanh(q)
        z = mem * p["memory_gate"][:, None] + pre
        if injection is not None:
            z = z + injection
        act = np.tanh(z)
        inv_rms = 1.0 / np.sqrt(np.einsum("sbn,sbn->sb", act, act) / self.neurons + self.eps)
        norm = act * inv_rms[..., None]
        return norm * p["norm.weight"][:, None], (mem, act, inv_rms, norm)

    def _inject(self, x_t):
        full = np.zeros(x_t.shape[:-1] + (self.neurons,))
        full[..., : self.n_in] = x_t * self.params["input_scale"][:, None]
        return full

    def _read(self, h):
        scale = self.params["output_scale"]
        return h[..., self.neurons - self.n_out:] * scale.reshape(scale.shape[:1] + (1,) * (h.ndim - 2) + scale.shape[1:])

    def step(self, h, x_t):
        """One input step (`thinking` thinking steps, the input injected at the first)."""
        h_new, out, _ = self.step_cached(h, x_t)
        return h_new, out

    def step_cached(self, h, x_t):
        """One input step that keeps what step_back needs: -> new state (S, B, N), read-out (S, B, K), cache."""
        caches, hs = [], [h]
        for k in range(self.thinking):
            h, cache = self._think(h, self._inject(x_t) if k == 0 else None)
            caches.append(cache)
            hs.append(h)
        return h, self._read(h), (x_t, hs, caches)

    def step_back(self, cache, d_h_new, d_out, grads):
        """Backward of one step_cached (its thinking steps): -> dL/d(previous state), dL/dx_t; adds the
        step's parameter gradients into grads (the diagonal of W included: Learner masks it)."""
        p = self.params
        x, hs, caches = cache
        n = self.neurons
        out = slice(n - self.n_out, n)
        grads["output_scale"] += np.einsum("sbk,sbk->sk", d_out, hs[-1][..., out])
        dh = d_h_new.copy()
        dh[..., out] += d_out * p["output_scale"][:, None]
        w_t = np.swapaxes(p["W"], 1, 2)
        d_x = None
        for k in range(self.thinking - 1, -1, -1):
            dh, d_x_k = self._think_back(dh, caches[k], hs[k], x if k == 0 else None, grads, w_t)
            if k == 0:
                d_x = d_x_k
        return dh, d_x

    def _think_back(self, dh, cache, h_before, x_t, grads, w_t):
        """Backward of one thinking step: dL/d(its output state) -> dL/d(its input state), and dL/dx_t when
        the input was injected at it (x_t given); adds the step's parameter gradients into grads."""
        p, n = self.params, self.neurons
        mem, act, inv_rms, norm = cache
        grads["norm.weight"] += np.einsum("sbn,sbn->sn", dh, norm)
        d_norm = dh * p["norm.weight"][:, None]
        d_act = (d_norm - norm * (np.einsum("sbn,sbn->sb", d_norm, norm) / n)[..., None]) * inv_rms[..., None]
        dz = d_act * (1.0 - act * act)
        d_x = None
        if x_t is not None:
            d_x = dz[..., : self.n_in] * p["input_scale"][:, None]
            grads["input_scale"] += np.einsum("sbi,sbi->si", dz[..., : self.n_in], x_t)
        d_q = dz * (1.0 - mem * mem)
        grads["memory_gate"] += np.einsum("sbn,sbn->sn", dz, mem)
        d_q *= p["memory_gate"][:, None]
        grads["memory_feedback"] += np.einsum("sbn,sbn->sn", d_q, h_before)
        grads["W"] += np.swapaxes(h_before, 1, 2) @ dz
        grads["B"] += dz.sum(axis=1)
        return dz @ w_t + d_q * p["memory_feedback"][:, None], d_x

    def forward(self, x, h0=None):
        """x (S, B, T, D) from state h0 -> read-out (S, B, T, K), the state after every input's last
        thinking step."""
        steps = x.shape[2]
        h = self.initial_state(x.shape[1]) if h0 is None else h0
        hs, caches = [h], []
        for t in range(steps):
            for k in range(self.thinking):
                h, cache = self._think(h, self._inject(x[:, :, t]) if k == 0 else None)
                hs.append(h)
                caches.append(cache)
        self.cache = (x, hs, caches)
        ys = np.stack(hs[self.thinking::self.thinking], axis=2)                  # (S, B, T, N)
        self._ys = ys
        return self._read(ys)

    @property
    def final_state(self) -> np.ndarray:
        return self.cache[1][-1]

    def hidden_states(self) -> np.ndarray:
        return self._ys

    def backward(self, d_out, truncate=False):
        """d_out (S, B, T, K) -> (gradients keyed like params, dL/dx (S, B, T, D)); exact BPTT over the
        thinking steps of the window, stopped at its initial state."""
        if truncate:
            raise ValueError("the same-step (truncated) gradient is implemented for the RNN only")
        x, hs, caches = self.cache
        p = self.params
        n, think = self.neurons, self.thinking
        steps = x.shape[2]
        out = slice(n - self.n_out, n)
        grads = {k: np.zeros_like(v) for k, v in p.items()}
        grads["output_scale"] = np.einsum("sbtk,sbtk->sk", d_out, self._ys[..., out])
        d_y = d_out * p["output_scale"][:, None, None]
        d_x = np.zeros(x.shape)
        dh = np.zeros_like(hs[0])
        w_t = np.swapaxes(p["W"], 1, 2)
        for i in range(steps * think - 1, -1, -1):
            t, k = divmod(i, think)
            if k == think - 1:
                dh[..., out] += d_y[:, :, t]
            dh, d_x_t = self._think_back(dh, caches[i], hs[i], x[:, :, t] if k == 0 else None, grads, w_t)
            if k == 0:
                d_x[:, :, t] = d_x_t
        idx = np.arange(n)
        grads["W"][:, idx, idx] = 0.0
        return grads, d_x

    def enforce_structure(self) -> None:
        idx = np.arange(self.neurons)
        self.params["W"][:, idx, idx] = 0.0

    def seed_params(self, i: int) -> dict:
        return {k: v[i].copy() for k, v in self.params.items()}


# ----------------------------------------------------------------------------------------
# Learning rules for a bank: Adam (AdamW for OdyssNet, as its trainer) with each seed's
# gradient clipped to global norm 1 separately.
# ----------------------------------------------------------------------------------------


def clip_per_seed(grads: dict, max_norm: float = 1.0) -> np.ndarray:
    """Scale each seed's gradients (leading axis) so their joint L2 norm is at most max_norm."""
    first = next(iter(grads.values()))
    squares = sum(np.sum(g.reshape(first.shape[0], -1) ** 2, axis=1) for g in grads.values())
    norm = np.sqrt(squares)
    scale = np.where(norm > max_norm, max_norm / (norm + 1e-6), 1.0)
    for g in grads.values():
        g *= scale.reshape((-1,) + (1,) * (g.ndim - 1))
    return norm


class Learner:
    def __init__(self, bank, lr: float):
        self.bank = bank
        if isinstance(bank, OdyssNetBank):     # AdamW and decay exemptions as in OdyssNetTrainer
            self.optimizer = AdamW(bank.params, lr=lr, weight_decay=0.01, no_decay=bank.no_decay)
        else:
            self.optimizer = Adam(bank.params, lr=lr)

    def apply(self, grads) -> None:
        if isinstance(self.bank, OdyssNetBank):     # W's diagonal is structurally absent: no gradient, no norm
            idx = np.arange(self.bank.neurons)
            grads["W"][:, idx, idx] = 0.0
        clip_per_seed(grads)
        self.optimizer.step(grads)
        if isinstance(self.bank, OdyssNetBank):
            self.bank.enforce_structure()


def action_gradients(model, d_predictions: np.ndarray, n_actions: int, truncate: bool = False) -> np.ndarray:
    """dL/d(actions) for L = sum(d_predictions * M's read-outs), after ``model.forward(inputs)`` with the
    actions as the last ``n_actions`` input features: backpropagation through M (over the whole window,
    or only within each step with ``truncate``), M's own gradients discarded (M stays frozen).
    d_predictions (S, B, T, K) -> (S, B, T, n_actions)."""
    _, d_inputs = model.backward(d_predictions, truncate=truncate)
    return d_inputs[..., -n_actions:]
