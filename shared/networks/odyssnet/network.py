"""The OdyssNet core: N fully connected neurons whose state evolves for a number of thinking steps.

Depth comes from time, not layers. With the state h (B, N) in the row-vector convention
((hW)_j = sum_i h_i W_ij), one thinking step is

    z       = (h W~ + B) * g_c(core_gate) + phi_m(h * m~) * g_m(memory_gate) + u_t
    h_next  = gamma * phi(z) / sqrt(mean_j phi(z)_j^2 + eps)                  (StepNorm)

with W~ = W + H_W and m~ = memory_feedback + H_m, where H is the (normalized) Hebbian term and
zero without plasticity. u_t injects the input (pulse, stream, sequence, token or vocabulary
modes). A disabled gate counts as 1. W's diagonal is structurally zero: self-connections are
memory_feedback's job.

``forward`` returns what ``backward`` needs in a cache kept on the model; ``backward`` returns
the exact gradients of every parameter (BPTT through the steps, the Hebbian traces and their
normalization included), keyed like ``model.params``.
"""

from __future__ import annotations

import numpy as np

from shared.networks.activations import activation as _activation
from shared.frame.checks import integer, number

DEFAULT_INIT = ["quiet", "resonant", "quiet", "zero"]          # encoder/decoder, core, memory, gates
DEFAULT_ACTIVATION = ["none", "tanh", "tanh", "none"]          # encoder/decoder, core, memory, (reserved)
DEFAULT_GATE = ["none", "none", "identity"]                    # encoder/decoder, core, memory
MATRIX_INITS = ("resonant", "orthogonal", "xavier_uniform", "xavier_normal", "kaiming_uniform",
                "kaiming_normal", "classic")
ELEMENT_INITS = ("quiet", "micro_quiet", "sparse", "zero", "one")
HEBB_TYPES = (None, "temporal", "spatial", "both")
HEBB_RESOLUTIONS = ("global", "neuron", "synapse")
VOCAB_MODES = ("hybrid", "discrete", "continuous")
HEBB_FACTOR_INIT = -3.0   # sigmoid(-3.0) = 0.047: the initial Hebbian learning rate
HEBB_DECAY_INIT = 2.2     # sigmoid(2.2) = 0.90: the initial trace retention


def init_array(strategy: str, shape: tuple, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
    """A parameter drawn by one of the documented weight-initialisation strategies."""
    fan_in = shape[0] if len(shape) else 1
    fan_out = shape[1] if len(shape) > 1 else fan_in
    if strategy == "resonant":
        # Rademacher skeleton plus small noise, zero diagonal, scaled to unit largest singular value
        w = rng.choice([-1.0, 1.0], size=shape) + rng.normal(0.0, 0.02, shape)
        if len(shape) == 2 and shape[0] == shape[1]:
            np.fill_diagonal(w, 0.0)
        if len(shape) == 2:
            w = w / np.linalg.norm(w, 2)
    elif strategy == "orthogonal":
        a = rng.normal(0.0, 1.0, (max(shape), min(shape)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        w = q if shape[0] >= shape[1] else q.T
    elif strategy == "xavier_uniform":
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-bound, bound, shape)
    elif strategy == "xavier_normal":
        w = rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), shape)
    elif strategy == "kaiming_uniform":
        bound = np.sqrt(6.0 / fan_in)
        w = rng.uniform(-bound, bound, shape)
    elif strategy == "kaiming_normal":
        w = rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
    elif strategy == "classic":
        bound = 1.0 / np.sqrt(fan_in)
        w = rng.uniform(-bound, bound, shape)
    elif strategy == "quiet":
        w = rng.normal(0.0, 0.02, shape)
    elif strategy == "micro_quiet":
        w = rng.normal(0.0, 1e-6, shape)
    elif strategy == "sparse":
        w = rng.normal(0.0, 0.02, shape) * (rng.random(shape) < 0.1)
    elif strategy == "zero":
        w = np.zeros(shape)
    elif strategy == "one":
        w = np.ones(shape)
    else:
        raise ValueError(f"unknown weight_init {strategy!r}; known: {', '.join(MATRIX_INITS + ELEMENT_INITS)}")
    return np.asarray(w, dtype=dtype)


def _layout(value, defaults, name, single):
    """Resolve a str / list / None configuration against its defaults."""
    if value is None:
        return list(defaults)
    if isinstance(value, str):
        return single(value)
    value = list(value)
    if not 1 <= len(value) <= len(defaults):
        raise ValueError(f"{name} takes 1 to {len(defaults)} entries, got {len(value)}")
    return value + list(defaults[len(value):])


def prepare_input(x, input_ids, num_neurons: int, dtype=np.float64) -> np.ndarray:
    """Place raw features on the input neurons: (B, n_in) -> (B, N), (B, T, n_in) -> (B, T, N)."""
    x = np.asarray(x, dtype=dtype)
    if x.ndim < 2 or x.shape[-1] != len(input_ids):
        raise ValueError(f"features must be (B, {len(input_ids)}) or (B, T, {len(input_ids)}), one per input "
                         f"neuron, got {x.shape}")
    full = np.zeros(x.shape[:-1] + (num_neurons,), dtype=dtype)
    full[..., list(input_ids)] = x
    return full


class OdyssNet:
    """Zero-hidden-layer recurrent network with temporal depth (numpy; exact BPTT).

    Parameters mirror the reference library; see the module docstring for the arithmetic.
    ``dtype`` is float64 (default) or float32; ``rng`` is a ``np.random.Generator`` or a seed and
    drives initialisation, dropout and weight regeneration.
    """

    def __init__(self, num_neurons, input_ids, output_ids, pulse_mode=True, dropout_rate=0.0,
                 weight_init=None, activation=None, gate=None, vocab_size=None, vocab_mode="hybrid",
                 tie_embeddings=False, hebb_type=None, hebb_res="neuron", debug=False,
                 dtype=np.float64, rng=None):
        num_neurons = integer("num_neurons", num_neurons)
        input_ids = [integer("input_ids", i, low=0) for i in np.atleast_1d(np.asarray(input_ids, dtype=object))]
        output_ids = [integer("output_ids", i, low=0) for i in np.atleast_1d(np.asarray(output_ids, dtype=object))]
        if vocab_size is not None:
            sizes = [vocab_size] if not isinstance(vocab_size, (list, tuple, np.ndarray)) else list(vocab_size)
            if len(sizes) not in (1, 2):
                raise ValueError(f"vocab_size must be None, one size or (input, output) sizes, got {vocab_size!r}")
            if len(sizes) == 1:
                vocab_size = integer("vocab_size", sizes[0])
            else:      # (input, output); -1 on one side: no vocabulary there (the reference library's sentinel)
                sizes = [-1 if isinstance(v, (int, np.integer)) and v == -1 else integer("vocab_size", v)
                         for v in sizes]
                if sizes == [-1, -1]:
                    raise ValueError("vocab_size (-1, -1) means no vocabulary: pass None")
                vocab_size = sizes
        self.config = {"num_neurons": int(num_neurons), "input_ids": input_ids,
                       "output_ids": output_ids, "pulse_mode": bool(pulse_mode),
                       "dropout_rate": float(dropout_rate), "weight_init": weight_init, "activation": activation,
                       "gate": gate, "vocab_size": vocab_size if vocab_size is None or isinstance(vocab_size, int)
                       else [int(v) for v in vocab_size], "vocab_mode": vocab_mode,
                       "tie_embeddings": bool(tie_embeddings), "hebb_type": hebb_type, "hebb_res": hebb_res,
                       "debug": bool(debug), "dtype": np.dtype(dtype).name}
        self.num_neurons = n = int(num_neurons)
        self.input_ids = np.asarray(input_ids, dtype=int)
        self.output_ids = np.asarray(output_ids, dtype=int)
        if n < 1:
            raise ValueError("num_neurons must be at least 1")
        for name, ids in (("input_ids", self.input_ids), ("output_ids", self.output_ids)):
            if ids.size and (ids.min() < 0 or ids.max() >= n):
                raise ValueError(f"{name} must lie in 0..{n - 1}")
            if len(set(ids.tolist())) != ids.size:
                raise ValueError(f"{name} has duplicates")
        if not 0.0 <= dropout_rate < 1.0:
            raise ValueError("dropout_rate must be in [0, 1)")
        if hebb_type not in HEBB_TYPES:
            raise ValueError(f"hebb_type must be one of {HEBB_TYPES}")
        if hebb_res not in HEBB_RESOLUTIONS:
            raise ValueError(f"hebb_res must be one of {HEBB_RESOLUTIONS}")
        if vocab_mode not in VOCAB_MODES:
            raise ValueError(f"vocab_mode must be one of {VOCAB_MODES}")
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError("dtype must be float32 or float64")
        self.eps = float(np.finfo(self.dtype).eps)
        self.rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        self.pulse_mode = bool(pulse_mode)
        self.dropout_rate = float(dropout_rate)
        self.debug = bool(debug)
        self.training = True
        self.hebb_type, self.hebb_res = hebb_type, hebb_res
        self.vocab_mode, self.tie_embeddings = vocab_mode, bool(tie_embeddings)

        self.weight_init = _layout(weight_init, DEFAULT_INIT, "weight_init", lambda s: [
            "quiet" if s == "resonant" else s, s, s if s in ELEMENT_INITS else "quiet", "zero"])
        self.activation = _layout(activation, DEFAULT_ACTIVATION, "activation",
                                  lambda s: [DEFAULT_ACTIVATION[0], s, *DEFAULT_ACTIVATION[2:]])
        self.gate = _layout(gate, DEFAULT_GATE, "gate", lambda s: [s, s, s])
        for strategy in self.weight_init:
            if strategy not in MATRIX_INITS + ELEMENT_INITS:
                raise ValueError(f"unknown weight_init {strategy!r}")
        self.phi_e, self.phi, self.phi_m = (_activation(a) for a in self.activation[:3])
        self.gate_fn = [None if g == "none" else _activation(g) for g in self.gate]

        if vocab_size is None:
            v_in = v_out = -1
        elif isinstance(vocab_size, (int, np.integer)):
            v_in = v_out = int(vocab_size)
        else:
            v_in, v_out = (int(v) for v in vocab_size)
        self.v_in, self.v_out = v_in, v_out
        n_in, n_out = self.input_ids.size, self.output_ids.size
        if tie_embeddings and not (v_in > 0 and v_in == v_out and n_in == n_out and vocab_mode != "continuous"):
            raise ValueError("tie_embeddings needs a symmetric vocabulary, len(input_ids) == len(output_ids) "
                             "and an embedding (vocab_mode 'hybrid' or 'discrete')")
        self.paths = {"temporal": ["t"], "spatial": ["s"], "both": ["t", "s"], None: []}[hebb_type]

        self.params: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}
        init = lambda strategy, shape: init_array(strategy, shape, self.rng, self.dtype)  # noqa: E731
        enc_init, core_init, mem_init, gate_init = self.weight_init
        self.params["input_scale"] = np.ones(n_in, self.dtype)
        self.params["output_scale"] = np.ones(n_out, self.dtype)
        w = init(core_init, (n, n))
        np.fill_diagonal(w, 0.0)
        self.params["W"] = w
        if self.gate_fn[0]:
            self.params["input_gate"] = init(gate_init, (n_in,))
            self.params["output_gate"] = init(gate_init, (n_out,))
        if self.gate_fn[1]:
            self.params["core_gate"] = init(gate_init, (n,))
        if self.gate_fn[2]:
            self.params["memory_gate"] = init(gate_init, (n,))
        self.params["memory_feedback"] = init(mem_init, (n,))
        shape = {"global": (), "neuron": (n,), "synapse": (n, n)}[hebb_res]
        for p in self.paths:
            self.params[f"{p}_hebb_factor"] = np.full(shape, HEBB_FACTOR_INIT, self.dtype)
            self.params[f"{p}_hebb_decay"] = np.full(shape, HEBB_DECAY_INIT, self.dtype)
            self.buffers[f"{p}_hebb_state_W"] = np.zeros((n, n), self.dtype)
            self.buffers[f"{p}_hebb_state_mem"] = np.zeros(n, self.dtype)
        self.params["B"] = np.zeros(n, self.dtype)
        if v_out > 0:
            self.params["output_decoder.weight"] = init(enc_init, (v_out, n_out))
        if v_in > 0 and vocab_mode in ("hybrid", "discrete") and not tie_embeddings:
            self.params["embed.weight"] = init(enc_init, (v_in, n_in))
        if v_in > 0 and vocab_mode in ("hybrid", "continuous"):
            self.params["proj.weight"] = init(enc_init, (n_in, v_in))
        if self.paths:
            self.params["hebb_norm.weight"] = np.ones(n, self.dtype)
        self.params["norm.weight"] = np.ones(n, self.dtype)
        self.synapse_mask: np.ndarray | None = None     # (N, N) bool: False = pruned for good
        self._cache = None

    # ------------------------------------------------------------------------------------
    # Small conveniences
    # ------------------------------------------------------------------------------------

    @property
    def embedding_name(self) -> str | None:
        if self.tie_embeddings:
            return "output_decoder.weight"
        return "embed.weight" if "embed.weight" in self.params else None

    def train(self, mode: bool = True) -> "OdyssNet":
        self.training = bool(mode)
        return self

    def eval(self) -> "OdyssNet":
        return self.train(False)

    def reset_state(self, batch_size: int = 1) -> np.ndarray:
        """Zero the Hebbian traces; return a zero state (batch_size, N)."""
        for buffer in self.buffers.values():
            buffer[...] = 0.0
        return np.zeros((batch_size, self.num_neurons), self.dtype)

    def get_num_params(self) -> int:
        """Learnable entries, W's structurally zero diagonal and pruned synapses not counted."""
        pruned = 0 if self.synapse_mask is None else int((~self.synapse_mask).sum() - (~np.diagonal(
            self.synapse_mask)).sum())
        return int(sum(p.size for p in self.params.values()) - self.num_neurons - pruned)

    def enforce_structure(self) -> None:
        """Zero what must stay zero: W's diagonal and every pruned synapse."""
        w = self.params["W"]
        np.fill_diagonal(w, 0.0)
        if self.synapse_mask is not None:
            w *= self.synapse_mask

    def sparsity(self) -> float:
        """Share of W's off-diagonal synapses that are exactly zero."""
        n = self.num_neurons
        if n < 2:
            return 0.0
        return float((np.count_nonzero(self.params["W"] == 0.0) - n) / (n * (n - 1)))

    def regenerate_weak_weights(self, threshold: float | None = None, percentage: float | None = None):
        """Re-draw weak off-diagonal synapses of W with the core's initialisation strategy.

        Exactly one of ``threshold`` (|W_ij| below it) or ``percentage`` (the weakest fraction,
        0..1) selects them. Returns (revived_count, total_synapses) and the mask used.
        """
        if (threshold is None) == (percentage is None):
            raise ValueError("give exactly one of threshold or percentage")
        if threshold is not None:
            threshold = number("threshold", threshold)
        w = self.params["W"]
        off = ~np.eye(self.num_neurons, dtype=bool)
        if self.synapse_mask is not None:          # pruned synapses stay dead
            off &= self.synapse_mask
        magnitude = np.abs(w)
        if threshold is not None:
            mask = (magnitude < threshold) & off
        else:
            if not 0.0 <= percentage <= 1.0:
                raise ValueError("percentage must be in [0, 1]")
            count = int(round(percentage * off.sum()))
            mask = np.zeros_like(off)
            if count:
                order = np.argsort(np.where(off, magnitude, np.inf), axis=None, kind="stable")[:count]
                mask.reshape(-1)[order] = True
        fresh = init_array(self.weight_init[1], w.shape, self.rng, self.dtype)
        w[mask] = fresh[mask]
        return int(mask.sum()), int(off.sum()), mask

    def _gate(self, which: int, name: str):
        """(value, raw) of a gate; (1, None) when the gate is disabled."""
        fn = self.gate_fn[which]
        if fn is None:
            return 1.0, None
        raw = self.params[name]
        return fn[0](raw), raw

    def _check(self, value, operation: str, step: int) -> None:
        if self.debug and not np.all(np.isfinite(value)):
            raise RuntimeError(f"OdyssNet debug: non-finite value after {operation} at step {step}")

    def _hebb_rates(self, p: str):
        """(lambda for W-trace, lambda for mem-trace, rho for W-trace, rho for mem-trace, raw lam, raw rho)."""
        lam = 1.0 / (1.0 + np.exp(-self.params[f"{p}_hebb_factor"]))
        rho = 1.0 / (1.0 + np.exp(-self.params[f"{p}_hebb_decay"]))
        if self.hebb_res == "global":
            return lam, lam, rho, rho, lam, rho
        if self.hebb_res == "neuron":   # per presynaptic row of W; element j of the memory trace
            return lam[:, None], lam, rho[:, None], rho, lam, rho
        return lam, np.diagonal(lam).copy(), rho, np.diagonal(rho).copy(), lam, rho

    # ------------------------------------------------------------------------------------
    # Input injection
    # ------------------------------------------------------------------------------------

    def _plan(self, x: np.ndarray, steps: int):
        """How x is injected: (kind, injections U (K_in, B, N), schedule (steps,), r, outputs kept).

        schedule[t] is the index into U added at step t, or -1 for none.
        """
        n = self.num_neurons
        s_in = self.params["input_scale"] * self._gate(0, "input_gate")[0]
        batch = x.shape[0]
        has_proj = "proj.weight" in self.params
        if np.issubdtype(x.dtype, np.integer):
            if x.ndim != 2:
                raise ValueError(f"integer input must be (B, T), got shape {x.shape}")
            kind = "tokens" if self.embedding_name else "index"
            if kind == "tokens" and x.size and (x.min() < 0 or x.max() >= self.v_in):
                raise ValueError(f"tokens must lie in 0..{self.v_in - 1}, got {x.min()}..{x.max()}")
            if kind == "index" and x.size and x.max() >= self.input_ids.size:   # negative: no input that step
                raise ValueError(f"input indices must be below {self.input_ids.size} (the input neurons), got "
                                 f"{x.max()}")
            length = x.shape[1]
            ratio, kept = max(1, steps // length), length
        elif x.ndim == 2:
            if has_proj and x.shape[1] == self.v_in:
                kind = "feature_state"
            elif x.shape[1] == n:
                kind = "state"
            else:
                raise ValueError(f"dense input must be (B, {n})" + (f" or (B, {self.v_in})" if has_proj else "")
                                 + f", got {x.shape}")
            length, ratio, kept = 1, 1, steps
        elif x.ndim == 3:
            if has_proj and x.shape[2] == self.v_in:
                kind = "features"
            elif x.shape[2] == n:
                kind = "sequence"
            else:
                raise ValueError(f"sequence input must be (B, T, {n})" + (f" or (B, T, {self.v_in})" if has_proj
                                                                          else "") + f", got {x.shape}")
            length = x.shape[1]
            ratio, kept = (1, steps) if self.pulse_mode else (max(1, steps // length), length)
        else:
            raise ValueError(f"input must be 2-D or 3-D, got shape {x.shape}")

        x = x if np.issubdtype(x.dtype, np.integer) else x.astype(self.dtype, copy=False)
        encoded = None
        if kind == "state":
            sigma_in = np.ones(n, self.dtype)
            sigma_in[self.input_ids] = s_in
            injections = (x * sigma_in)[None]
        elif kind == "sequence":
            sigma_in = np.ones(n, self.dtype)
            sigma_in[self.input_ids] = s_in
            injections = np.moveaxis(x * sigma_in, 1, 0)
        elif kind == "index":
            injections = np.zeros((length, batch, n), self.dtype)
            valid = x >= 0
            b_idx, k_idx = np.nonzero(valid)
            local = x[b_idx, k_idx]
            injections[k_idx, b_idx, self.input_ids[local]] = s_in[local]
        else:  # vocabulary encoders: tokens (B, T) or features (B, T, V_in) / (B, V_in)
            if kind == "tokens":
                pre = self.params[self.embedding_name][x]                     # (B, T, n_in)
            else:
                feats = x[:, None] if kind == "feature_state" else x
                pre = feats @ self.params["proj.weight"].T                   # (B, T, n_in)
            encoded = self.phi_e[0](pre)
            injections = np.zeros((pre.shape[1], batch, n), self.dtype)
            injections[:, :, self.input_ids] = np.moveaxis(encoded * s_in, 1, 0)
            encoded = (pre, encoded)

        schedule = np.full(steps, -1)
        if kind in ("state", "feature_state"):
            schedule[:1 if self.pulse_mode else steps] = 0
        else:
            last = -1
            for t in range(steps):
                k = t // ratio
                if t % ratio == 0 and k < length:
                    last = schedule[t] = k
                elif kind in ("index", "tokens", "features") and not self.pulse_mode:
                    schedule[t] = last          # stream mode holds the last injection
        return kind, injections, schedule, ratio, kept, x, encoded, s_in

    # ------------------------------------------------------------------------------------
    # Forward
    # ------------------------------------------------------------------------------------

    def forward(self, x, steps: int, current_state=None, return_sequence: bool = True):
        """Run ``steps`` thinking steps. Returns (all_states, final_state).

        all_states: (B, K, N) scaled states (K kept outputs; 1 with return_sequence=False), or
        (B, K, V_out) decoder outputs in vocabulary mode. final_state: (B, N), unscaled.
        """
        steps = integer("steps", steps)
        x = np.asarray(x)
        if x.size == 0 or not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
            raise ValueError(f"x must be a non-empty array of integers (tokens) or floats, got {x.dtype} {x.shape}")
        kind, injections, schedule, ratio, kept, x, encoded, s_in = self._plan(x, steps)
        batch, n = x.shape[0], self.num_neurons
        p = self.params
        if current_state is not None and np.shape(current_state) != (batch, n):
            raise ValueError(f"current_state must have shape (batch, num_neurons) = {(batch, n)}, got "
                             f"{np.shape(current_state)}")
        h0 = (np.zeros((batch, n), self.dtype) if current_state is None
              else np.array(current_state, dtype=self.dtype))

        gc, gc_raw = self._gate(1, "core_gate")
        gm, gm_raw = self._gate(2, "memory_gate")
        w, bias, gamma, mf = p["W"], p["B"], p["norm.weight"], p["memory_feedback"]
        phi, dphi = self.phi
        phi_m = self.phi_m[0]
        dropout = self.training and self.dropout_rate > 0
        hebb = bool(self.paths)

        hs = np.empty((steps + 1, batch, n), self.dtype)
        hs[0] = h0
        # Per-step values backward needs, kept as lists of (B, N) arrays (no copies)
        pres, qs, mems, zs, acts, norms, inv_rmss, masks = [], [], [], [], [], [], [], []
        keep = 1.0 - self.dropout_rate
        core_gated, memory_gated = gc_raw is not None, gm_raw is not None

        if hebb:
            rates = {q: self._hebb_rates(q) for q in self.paths}
            traces = {q: (np.broadcast_to(self.buffers[f"{q}_hebb_state_W"], (batch, n, n)).copy(),
                          np.broadcast_to(self.buffers[f"{q}_hebb_state_mem"], (batch, n)).copy())
                      for q in self.paths}
            hebb_cache = []
            off_diagonal = (1.0 - np.eye(n, dtype=self.dtype)) / n
            gamma_h = p["hebb_norm.weight"]

        for t in range(steps):
            h = hs[t]
            if hebb:
                summed = np.zeros((batch, n + 1, n), self.dtype)
                for q in self.paths:
                    lam_w, lam_m = rates[q][0], rates[q][1]
                    summed[:, :n] += lam_w * traces[q][0]
                    summed[:, n] += lam_m * traces[q][1]
                rr = np.sqrt(np.mean(summed * summed, axis=-1, keepdims=True) + self.eps)
                normed = summed / rr
                hebbian = normed * gamma_h
                w_eff = w + hebbian[:, :n]                                   # (B, N, N)
                m_eff = mf + hebbian[:, n]                                   # (B, N)
                self._check(hebbian, "hebbian accumulation", t)
                pre = np.matmul(h[:, None, :], w_eff)[:, 0]
            else:
                w_eff, m_eff = w, mf
                pre = self._recurrent(h)
            pre += bias
            self._check(pre, "linear recurrence", t)
            q_mem = h * m_eff
            mem = phi_m(q_mem)
            z = mem * gm if memory_gated else mem.copy()
            z += pre * gc if core_gated else pre
            self._check(z, "memory feedback", t)
            k = schedule[t]
            if k >= 0:
                z += injections[k]
                self._check(z, "input injection", t)
            act = phi(z)
            self._check(act, "activation", t)
            if dropout:
                masks.append((self.rng.random((batch, n)) < keep) / keep)
                act_d = act * masks[-1]
            else:
                act_d = act
            inv_rms = 1.0 / np.sqrt(np.einsum("bn,bn->b", act_d, act_d) / n + self.eps)
            norm = act_d * inv_rms[:, None]
            h_next = np.multiply(norm, gamma, out=hs[t + 1])
            self._check(h_next, "StepNorm", t)
            pres.append(pre)
            qs.append(q_mem)
            mems.append(mem)
            zs.append(z)
            acts.append(act)
            norms.append(norm)
            inv_rmss.append(inv_rms)
            if hebb:
                g_w = off_diagonal / (1.0 + np.abs(w_eff))                   # (B, N, N)
                g_m = 1.0 / (1.0 + np.abs(m_eff))                            # (B, N)
                step_cache = {"w_eff": w_eff, "m_eff": m_eff, "rr": rr, "normed": normed, "g_w": g_w, "g_m": g_m,
                              "traces": {}}
                for q in self.paths:
                    lam_w, lam_m, rho_w, rho_m = rates[q][:4]
                    src = h if q == "t" else h_next
                    corr_w = g_w * src[:, :, None] * h_next[:, None, :]
                    corr_m = g_m * src * h_next
                    self._check(corr_w, "hebbian correlation", t)
                    a_w, a_m = traces[q]
                    step_cache["traces"][q] = (a_w, a_m, corr_w, corr_m)
                    traces[q] = (rho_w * a_w + lam_w * corr_w, rho_m * a_m + lam_m * corr_m)
                hebb_cache.append(step_cache)

        if hebb:
            for q in self.paths:
                self.buffers[f"{q}_hebb_state_W"][...] = traces[q][0].mean(axis=0)
                self.buffers[f"{q}_hebb_state_mem"][...] = traces[q][1].mean(axis=0)

        # Outputs: h_{t+1} whenever (t + 1) is a multiple of the thinking ratio, up to `kept`.
        if return_sequence:
            collected = [t + 1 for t in range(steps) if (t + 1) % ratio == 0][:kept]
        else:
            collected = [steps]
        ys = np.moveaxis(hs[collected], 0, 1)                                # (B, K, N)
        s_out = p["output_scale"] * self._gate(0, "output_gate")[0]
        decoded = None
        if "output_decoder.weight" in p:
            y_out = ys[..., self.output_ids] * s_out
            pre_out = y_out @ p["output_decoder.weight"].T
            all_states = self.phi_e[0](pre_out)
            decoded = (y_out, pre_out, all_states)
        else:
            sigma_out = np.ones(n, self.dtype)
            sigma_out[self.output_ids] = s_out
            all_states = ys * sigma_out

        self._cache = {
            "kind": kind, "x": x, "injections": injections, "schedule": schedule, "encoded": encoded,
            "s_in": s_in, "s_out": s_out, "hs": hs, "pres": pres, "qs": qs, "mems": mems, "zs": zs,
            "acts": acts, "norms": norms, "inv_rmss": inv_rmss, "masks": masks, "collected": collected, "ys": ys,
            "decoded": decoded, "gc": gc, "gc_raw": gc_raw, "gm": gm, "gm_raw": gm_raw,
            "hebb": hebb_cache if hebb else None, "rates": rates if hebb else None, "steps": steps,
        }
        return all_states, hs[steps].copy()

    __call__ = forward

    def _recurrent(self, h: np.ndarray) -> np.ndarray:
        """h W for a state (B, N); SparseOdyssNet replaces it with a CSR product."""
        return h @ self.params["W"]

    # ------------------------------------------------------------------------------------
    # Backward (BPTT)
    # ------------------------------------------------------------------------------------

    def backward(self, d_all_states, d_final_state=None) -> dict[str, np.ndarray]:
        """Gradients of a loss with the given output gradients, from the cache of the last forward.

        d_all_states is shaped like all_states, d_final_state like final_state (or None).
        Returns a dict keyed like ``params`` (W's diagonal gradient is zero). For dense and
        feature inputs, ``self.input_grad`` then holds dL/dx, shaped like x (None for tokens).
        """
        c = self._cache
        if c is None:
            raise RuntimeError("backward needs a forward pass first")
        p = self.params
        n, steps = self.num_neurons, c["steps"]
        hs = c["hs"]
        batch = hs.shape[1]
        grads = {name: np.zeros_like(value) for name, value in p.items()}
        d_all = np.asarray(d_all_states, dtype=self.dtype)

        # Outputs -> dY (B, K, N)
        s_out = c["s_out"]
        if c["decoded"] is not None:
            y_out, pre_out, out = c["decoded"]
            d_pre_out = d_all * self.phi_e[1](pre_out, out)
            decoder = p["output_decoder.weight"]
            grads["output_decoder.weight"] += np.einsum("bkv,bko->vo", d_pre_out, y_out)
            d_y_out = d_pre_out @ decoder
            ds_out = np.einsum("bko,bko->o", d_y_out, c["ys"][..., self.output_ids])
            d_ys = np.zeros_like(c["ys"])
            d_ys[..., self.output_ids] = d_y_out * s_out
        else:
            sigma_out = np.ones(n, self.dtype)
            sigma_out[self.output_ids] = s_out
            d_ys = d_all * sigma_out
            ds_out = np.einsum("bko,bko->o", d_all[..., self.output_ids], c["ys"][..., self.output_ids])
        self._scale_grads(grads, ds_out, "output_scale", "output_gate")

        out_grads = {}                                  # step -> dL/dh_step from the outputs
        for i, step in enumerate(c["collected"]):
            out_grads[step] = out_grads.get(step, 0.0) + d_ys[:, i]
        if d_final_state is not None:
            out_grads[steps] = out_grads.get(steps, 0.0) + np.asarray(d_final_state, dtype=self.dtype)

        gc, gm = c["gc"], c["gm"]
        core_gated, memory_gated = c["gc_raw"] is not None, c["gm_raw"] is not None
        w, gamma, mf = p["W"], p["norm.weight"], p["memory_feedback"]
        dphi = self.phi[1]
        dphi_m = self.phi_m[1]
        hebb = c["hebb"]
        d_injections = np.zeros_like(c["injections"])
        d_pres = np.empty((steps, batch, n), self.dtype)
        d_gamma = np.zeros(n, self.dtype)
        d_mf = np.zeros(n, self.dtype)
        d_gc_pre = np.zeros(n, self.dtype)       # sum of dz * pre, for the core gate
        d_gm_mem = np.zeros(n, self.dtype)       # sum of dz * mem, for the memory gate
        if hebb:
            d_w = np.zeros((n, n), self.dtype)
            d_traces = {q: (np.zeros((batch, n, n), self.dtype), np.zeros((batch, n), self.dtype))
                        for q in self.paths}
            d_rates = {q: [np.zeros_like(c["rates"][q][4]), np.zeros_like(c["rates"][q][5])] for q in self.paths}
            d_gamma_h = np.zeros(n, self.dtype)
            gamma_h = p["hebb_norm.weight"]

        dh = np.zeros((batch, n), self.dtype) + out_grads.get(steps, 0.0)
        for t in range(steps - 1, -1, -1):
            h, h_next = hs[t], hs[t + 1]
            if hebb:
                # the trace update after step t used h_t, h_{t+1}, W~ and m~ (through G and g)
                dh_prev = np.zeros((batch, n), self.dtype)
                sc = hebb[t]
                w_eff, m_eff, g_w, g_m = sc["w_eff"], sc["m_eff"], sc["g_w"], sc["g_m"]
                d_g_w = np.zeros((batch, n, n), self.dtype)
                d_g_m = np.zeros((batch, n), self.dtype)
                for q in self.paths:
                    lam_w, lam_m, rho_w, rho_m = c["rates"][q][:4]
                    a_w, a_m, corr_w, corr_m = sc["traces"][q]
                    d_next_w, d_next_m = d_traces[q]
                    self._reduce_rate(d_rates[q][0], d_next_w * corr_w, d_next_m * corr_m)
                    self._reduce_rate(d_rates[q][1], d_next_w * a_w, d_next_m * a_m)
                    d_corr_w = lam_w * d_next_w
                    d_corr_m = lam_m * d_next_m
                    src = h if q == "t" else h_next
                    d_g_w += d_corr_w * src[:, :, None] * h_next[:, None, :]
                    d_g_m += d_corr_m * src * h_next
                    weighted = d_corr_w * g_w
                    d_src = np.matmul(weighted, h_next[:, :, None])[..., 0] + d_corr_m * g_m * h_next
                    dh += np.matmul(src[:, None, :], weighted)[:, 0] + d_corr_m * g_m * src
                    if q == "t":
                        dh_prev += d_src
                    else:
                        dh += d_src
                    d_traces[q] = (rho_w * d_next_w, rho_m * d_next_m)
                d_w_eff = -d_g_w * g_w / (1.0 + np.abs(w_eff)) * np.sign(w_eff)
                d_m_eff = -d_g_m * g_m * g_m * np.sign(m_eff)

            # StepNorm (n = a / rms, dn/da = (I - n n^T / N) / rms), dropout, activation
            norm = c["norms"][t]
            d_gamma += np.einsum("bn,bn->n", dh, norm)
            d_norm = dh * gamma
            d_act = d_norm - norm * (np.einsum("bn,bn->b", d_norm, norm) / n)[:, None]
            d_act *= c["inv_rmss"][t][:, None]
            if c["masks"]:
                d_act *= c["masks"][t]
            dz = np.multiply(d_act, dphi(c["zs"][t], c["acts"][t]), out=None if core_gated else d_pres[t])
            k = c["schedule"][t]
            if k >= 0:
                d_injections[k] += dz
            # core path (the core gate scales W h and the bias alike)
            if core_gated:
                d_gc_pre += np.einsum("bn,bn->n", dz, c["pres"][t])
                d_pre = np.multiply(dz, gc, out=d_pres[t])
            else:
                d_pre = dz
            # memory path
            mem = c["mems"][t]
            d_q = dz * dphi_m(c["qs"][t], mem)
            if memory_gated:
                d_gm_mem += np.einsum("bn,bn->n", dz, mem)
                d_q *= gm
            if hebb:
                dh_prev += np.matmul(w_eff, d_pre[:, :, None])[..., 0] + d_q * m_eff
                d_w_eff += h[:, :, None] * d_pre[:, None, :]
                d_m_eff += d_q * h
                d_w += d_w_eff.sum(axis=0)
                d_mf += d_m_eff.sum(axis=0)
                # Hebbian read-out: RMSNorm of the N + 1 rows, then the traces and rates
                normed, rr = sc["normed"], sc["rr"]
                d_hebbian = np.concatenate([d_w_eff, d_m_eff[:, None]], axis=1)
                d_gamma_h += np.einsum("brn,brn->n", d_hebbian, normed)
                d_normed = d_hebbian * gamma_h
                d_summed = (d_normed - normed * np.mean(d_normed * normed, axis=-1, keepdims=True)) / rr
                for q in self.paths:
                    lam_w, lam_m = c["rates"][q][:2]
                    a_w, a_m = sc["traces"][q][:2]
                    d_w_trace, d_m_trace = d_traces[q]
                    self._reduce_rate(d_rates[q][0], d_summed[:, :n] * a_w, d_summed[:, n] * a_m)
                    d_traces[q] = (d_w_trace + lam_w * d_summed[:, :n], d_m_trace + lam_m * d_summed[:, n])
            else:
                dh_prev = d_pre @ w.T
                dh_prev += d_q * mf
                d_mf += np.einsum("bn,bn->n", d_q, h)
            if t in out_grads:
                dh_prev += out_grads[t]
            dh = dh_prev

        # Parameters collected over all steps
        grads["norm.weight"] += d_gamma
        grads["B"] += d_pres.sum(axis=(0, 1))
        grads["memory_feedback"] += d_mf
        if hebb:
            grads["W"] += d_w
            grads["hebb_norm.weight"] += d_gamma_h
            for q in self.paths:
                lam, rho = c["rates"][q][4], c["rates"][q][5]
                grads[f"{q}_hebb_factor"] += d_rates[q][0] * lam * (1.0 - lam)
                grads[f"{q}_hebb_decay"] += d_rates[q][1] * rho * (1.0 - rho)
        else:
            grads["W"] += hs[:steps].reshape(-1, n).T @ d_pres.reshape(-1, n)
        np.fill_diagonal(grads["W"], 0.0)
        if self.synapse_mask is not None:
            grads["W"] *= self.synapse_mask
        if c["gc_raw"] is not None:
            grads["core_gate"] += d_gc_pre * self.gate_fn[1][1](c["gc_raw"], gc)
        if c["gm_raw"] is not None:
            grads["memory_gate"] += d_gm_mem * self.gate_fn[2][1](c["gm_raw"], gm)
        self._input_grads(grads, d_injections)
        return grads

    def _reduce_rate(self, into: np.ndarray, from_w: np.ndarray, from_m: np.ndarray) -> None:
        """Add a per-batch rate gradient (B, N, N) and (B, N) into the parameter's shape."""
        if self.hebb_res == "global":
            into += from_w.sum() + from_m.sum()
        elif self.hebb_res == "neuron":
            into += from_w.sum(axis=(0, 2)) + from_m.sum(axis=0)
        else:
            into += from_w.sum(axis=0)
            into[np.diag_indices_from(into)] += from_m.sum(axis=0)

    def _scale_grads(self, grads, d_scale, scale_name, gate_name) -> None:
        """Gradients of scale * g(gate) for the input or output side."""
        fn = self.gate_fn[0]
        if fn is None:
            grads[scale_name] += d_scale
            return
        raw = self.params[gate_name]
        value = fn[0](raw)
        grads[scale_name] += d_scale * value
        grads[gate_name] += d_scale * self.params[scale_name] * fn[1](raw, value)

    def _input_grads(self, grads, d_injections) -> None:
        """Gradients of the input side (scales, gates, embeddings) from dL/dU; sets self.input_grad."""
        c = self._cache
        kind, x, s_in = c["kind"], c["x"], c["s_in"]
        ids = self.input_ids
        self.input_grad = None
        sigma_in = np.ones(self.num_neurons, self.dtype)
        sigma_in[ids] = s_in
        if kind == "state":
            ds_in = np.einsum("bi,bi->i", d_injections[0][:, ids], x[:, ids])
            self.input_grad = d_injections[0] * sigma_in
        elif kind == "sequence":
            ds_in = np.einsum("kbi,bki->i", d_injections[..., ids], x[..., ids])
            self.input_grad = np.moveaxis(d_injections, 0, 1) * sigma_in
        elif kind == "index":
            ds_in = np.zeros(ids.size, self.dtype)
            b_idx, k_idx = np.nonzero(x >= 0)
            local = x[b_idx, k_idx]
            np.add.at(ds_in, local, d_injections[k_idx, b_idx, ids[local]])
        else:
            pre, encoded = c["encoded"]
            d_enc = np.moveaxis(d_injections[..., ids], 0, 1)                   # (B, T, n_in)
            ds_in = np.einsum("bti,bti->i", d_enc, encoded)
            d_pre = d_enc * s_in * self.phi_e[1](pre, encoded)
            if kind == "tokens":
                np.add.at(grads[self.embedding_name], x, d_pre)
            else:
                feats = x[:, None] if kind == "feature_state" else x
                grads["proj.weight"] += np.einsum("bti,btv->iv", d_pre, feats)
                d_feats = d_pre @ self.params["proj.weight"]
                self.input_grad = d_feats[:, 0] if kind == "feature_state" else d_feats
        self._scale_grads(grads, ds_in, "input_scale", "input_gate")
