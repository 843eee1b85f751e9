"""The LSTM family and a vanilla RNN, with hand-written BPTT.

One ``LSTM`` class covers the original 1997 cell (input and output gates, no forget gate, the
constant error carousel), the forget-gate cell (Gers et al. 2000), peephole connections (Gers et
al. 2002) and the nine variants of Greff et al. (2017), "LSTM: A Search Space Odyssey": V, NIG,
NFG, NOG, NIAF, NOAF, NP, CIFG and FGR. Cells may be grouped into memory blocks that share their
gates, as in 1997. ``RNN`` is the tanh network with the same interface.

Both map an input sequence x (B, T, D) to outputs through a linear read-out: y (B, T, O) for
``readout='all'``, or y (B, O) at each sequence's last step for ``readout='last'`` (``lengths``
gives per-sequence last steps; later steps are padding and affect nothing read out). ``forward``
keeps a cache on the model (also useful to look inside: cell states, gates) and ``backward(dy)``
returns gradients keyed like ``params``.

One step of the LSTM, with E repeating a block's gate over its cells and S summing over them:

    a      = x_t W + h_{t-1} U + b  [+ q_{t-1} R, the previous gate activations, for FGR]
    i, f   = sigma(a_i + S(p_i * c_{t-1})), sigma(a_f + S(p_f * c_{t-1}))   (peepholes optional)
    c_t    = E(f) * c_{t-1} + E(i) * g(a_g)
    o      = sigma(a_o + S(p_o * c_t))
    h_t    = E(o) * h(c_t)

A missing gate is 1; CIFG sets i = 1 - f; NIAF and NOAF make g and h the identity.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from shared.activations import activation
from shared.checks import integer, number


@dataclass(frozen=True)
class CellSpec:
    """Which parts of the LSTM cell exist."""

    input_gate: str = "sigmoid"        # "sigmoid", "none" (i = 1) or "coupled" (i = 1 - f, CIFG)
    forget_gate: bool = True
    output_gate: bool = True
    peepholes: bool = True
    cell_input: str = "tanh"           # g: squashes the cell input
    cell_output: str = "tanh"          # h: squashes the cell state before the output gate
    full_gate_recurrence: bool = False  # FGR: every gate sees every gate's previous activation


VANILLA = CellSpec()
VARIANTS = {
    # Greff et al. 2017: the vanilla LSTM and its eight single-change variants
    "V": VANILLA,
    "NIG": replace(VANILLA, input_gate="none"),
    "NFG": replace(VANILLA, forget_gate=False),
    "NOG": replace(VANILLA, output_gate=False),
    "NIAF": replace(VANILLA, cell_input="identity"),
    "NOAF": replace(VANILLA, cell_output="identity"),
    "NP": replace(VANILLA, peepholes=False),
    "CIFG": replace(VANILLA, input_gate="coupled"),
    "FGR": replace(VANILLA, full_gate_recurrence=True),
    # Hochreiter & Schmidhuber 1997: no forget gate, no peepholes, g in (-2, 2), h in (-1, 1)
    "LSTM1997": CellSpec(forget_gate=False, peepholes=False, cell_input="bipolar_sigmoid_2",
                         cell_output="bipolar_sigmoid"),
    # Gers, Schmidhuber & Cummins 2000: the 1997 cell with a forget gate
    "FORGET2000": CellSpec(forget_gate=True, peepholes=False, cell_input="bipolar_sigmoid_2",
                           cell_output="bipolar_sigmoid"),
}


def _sigmoid(x):
    # 0.5 (1 + tanh(x / 2)): stable for any x, and one transcendental call
    y = np.tanh(0.5 * x)
    y += 1.0
    y *= 0.5
    return y


class _Sequence:
    """What the LSTM and the RNN share: argument checks, the read-out and the bookkeeping of lengths."""

    def _inputs(self, x) -> np.ndarray:
        """x as a (B, T, D) array of this model's dtype, or a ValueError naming what is wrong."""
        x = np.asarray(x)
        if x.ndim != 3 or x.shape[2] != self.input_size or x.shape[0] < 1 or x.shape[1] < 1:
            raise ValueError(f"x must have shape (batch, steps, {self.input_size}) with batch, steps >= 1, "
                             f"got {x.shape}")
        if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
            raise ValueError(f"x must be real numbers, got dtype {x.dtype}")
        return x.astype(self.dtype, copy=False)

    def _lengths(self, lengths, batch: int, steps: int):
        """None, or one integer length in 1..steps per sequence."""
        if lengths is None:
            return None
        lengths = np.asarray(lengths)
        if lengths.shape != (batch,) or not np.issubdtype(lengths.dtype, np.integer):
            raise ValueError(f"lengths must be {batch} integers (one per sequence), got {lengths.dtype} "
                             f"{lengths.shape}")
        if lengths.min() < 1 or lengths.max() > steps:
            raise ValueError(f"lengths must lie in 1..{steps}")
        return lengths

    def _state(self, name: str, value, batch: int) -> np.ndarray:
        value = np.asarray(value, dtype=self.dtype)
        if value.shape != (batch, self.hidden_size):
            raise ValueError(f"{name} must have shape (batch, hidden) = {(batch, self.hidden_size)}, got {value.shape}")
        return value

    def _readout_forward(self, hs: np.ndarray, lengths):
        """hs (T, B, H) -> y (B, T, O) or (B, O)."""
        v, c = self.params["V"], self.params["c"]
        if self.readout == "all":
            return np.moveaxis(hs, 0, 1) @ v + c
        last = hs[self._last_steps(lengths, hs.shape[0]), np.arange(hs.shape[1])]
        return last @ v + c

    def _last_steps(self, lengths, steps):
        if lengths is None:
            return np.full(self._batch, steps - 1)
        return self._lengths(lengths, self._batch, steps) - 1

    def _readout_backward(self, dy, hs, lengths, grads):
        """dL/dy -> dL/dh per step (T, B, H); adds the read-out's own gradients."""
        v = self.params["V"]
        steps, batch = hs.shape[:2]
        dy = np.asarray(dy, dtype=self.dtype)
        expected = (batch, steps, self.output_size) if self.readout == "all" else (batch, self.output_size)
        if dy.shape != expected:
            raise ValueError(f"dy must have the shape of the forward pass's output {expected}, got {dy.shape}")
        dhs = np.zeros_like(hs)
        if self.readout == "all":
            dy_t = np.moveaxis(dy, 1, 0)                                     # (T, B, O)
            grads["V"] += hs.reshape(-1, hs.shape[2]).T @ dy_t.reshape(-1, dy.shape[2])
            grads["c"] += dy_t.sum(axis=(0, 1))
            dhs += dy_t @ v.T
        else:
            last = self._last_steps(lengths, steps)
            rows = np.arange(batch)
            grads["V"] += hs[last, rows].T @ dy
            grads["c"] += dy.sum(axis=0)
            dhs[last, rows] += dy @ v.T
        return dhs

    @property
    def num_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))


class LSTM(_Sequence):
    """LSTM with a linear read-out; see the module docstring.

    variant: a name of VARIANTS or a CellSpec. hidden_size: number of cells; block_size cells
    share one set of gates (hidden_size must be a multiple of it). gate_bias: initial biases per
    gate, {"input": ..., "forget": ..., "output": ...}, each a scalar or one value per block (the
    1997 recipes start output gates at -1, -2, ... per block). Weights start uniform in
    [-init_scale, init_scale].
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int, variant="V", block_size: int = 1,
                 readout: str = "all", gate_bias: dict | None = None, init_scale: float = 0.1,
                 rng=None, dtype=np.float64):
        if isinstance(variant, str) and variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}; one of {', '.join(VARIANTS)} or a CellSpec")
        if not isinstance(variant, (str, CellSpec)):
            raise ValueError(f"variant must be a name of VARIANTS or a CellSpec, got {type(variant).__name__}")
        self.spec = VARIANTS[variant] if isinstance(variant, str) else variant
        self.variant = variant if isinstance(variant, str) else "custom"
        input_size, output_size = integer("input_size", input_size), integer("output_size", output_size)
        hidden_size, block_size = integer("hidden_size", hidden_size), integer("block_size", block_size)
        init_scale = number("init_scale", init_scale)
        if hidden_size % block_size:
            raise ValueError("hidden_size must be a positive multiple of block_size")
        if readout not in ("all", "last"):
            raise ValueError("readout must be 'all' or 'last'")
        if self.spec.input_gate == "coupled" and not self.spec.forget_gate:
            raise ValueError("a coupled input gate (CIFG) needs the forget gate")
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        self.block_size, self.blocks = block_size, hidden_size // block_size
        self.readout, self.dtype = readout, np.dtype(dtype)
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        self.g_act, self.h_act = activation(self.spec.cell_input), activation(self.spec.cell_output)

        # the gates that have their own weights, in the column order of W, U, b
        self.gates = [name for name, present in (("input", self.spec.input_gate == "sigmoid"),
                                                 ("forget", self.spec.forget_gate),
                                                 ("output", self.spec.output_gate)) if present]
        nb, h = self.blocks, hidden_size
        self.columns = {}
        start = 0
        for name in self.gates:
            self.columns[name] = slice(start, start + nb)
            start += nb
        self.columns["cell"] = slice(start, start + h)
        width = start + h
        self.gate_width = start
        self.early_width = nb * sum(name in self.gates for name in ("input", "forget"))

        uniform = lambda *shape: rng.uniform(-init_scale, init_scale, shape).astype(self.dtype)  # noqa: E731
        self.params = {"W": uniform(input_size, width), "U": uniform(h, width), "b": np.zeros(width, self.dtype)}
        defaults = {"input": 0.0, "forget": 1.0, "output": 0.0}
        for name, value in {**defaults, **(gate_bias or {})}.items():
            if name not in defaults:
                raise ValueError(f"unknown gate {name!r} in gate_bias")
            if name in self.columns:
                self.params["b"][self.columns[name]] = np.broadcast_to(np.asarray(value, self.dtype), (nb,))
        if self.spec.peepholes:
            for name in self.gates:
                self.params[f"p_{name}"] = uniform(h)
        if self.spec.full_gate_recurrence and self.gate_width:
            self.params["R"] = uniform(self.gate_width, self.gate_width)
        self.params["V"] = uniform(h, output_size)
        self.params["c"] = np.zeros(output_size, self.dtype)
        self.cache = None

    # E and S of the docstring
    def _expand(self, gate):
        return gate if self.block_size == 1 else np.repeat(gate, self.block_size, axis=-1)

    def _sum(self, cells):
        if self.block_size == 1:
            return cells
        return cells.reshape(*cells.shape[:-1], self.blocks, self.block_size).sum(axis=-1)

    def forward(self, x, lengths=None, initial_state=None):
        """x (B, T, D) -> y; initial_state: optional (h0, c0), each (B, H)."""
        x = self._inputs(x)
        batch, steps, _ = x.shape
        lengths = self._lengths(lengths, batch, steps)
        if initial_state is not None:
            if not isinstance(initial_state, (tuple, list)) or len(initial_state) != 2:
                raise ValueError("initial_state must be a pair (h0, c0), each (batch, hidden)")
            initial_state = (self._state("h0", initial_state[0], batch), self._state("c0", initial_state[1], batch))
        self._batch = batch
        p, spec, cols = self.params, self.spec, self.columns
        h_size = self.hidden_size
        g_fn, h_fn = self.g_act[0], self.h_act[0]
        one = np.ones((batch, self.blocks), self.dtype)

        x_t = np.moveaxis(x, 1, 0)                                           # (T, B, D)
        pre_all = (x_t.reshape(-1, self.input_size) @ p["W"]).reshape(steps, batch, -1) + p["b"]
        hs = np.empty((steps + 1, batch, h_size), self.dtype)
        cs = np.empty((steps + 1, batch, h_size), self.dtype)
        hs[0], cs[0] = (np.zeros((batch, h_size), self.dtype),) * 2 if initial_state is None else initial_state
        gates = {name: np.empty((steps, batch, self.blocks), self.dtype) for name in ("input", "forget", "output")}
        cell_in, cell_out = (np.empty((steps, batch, h_size), self.dtype) for _ in range(2))
        cell_pre = np.empty((steps, batch, h_size), self.dtype)
        q_prev = np.zeros((batch, self.gate_width), self.dtype)              # previous gate activations (FGR)
        q_all = np.empty((steps, batch, self.gate_width), self.dtype)

        for t in range(steps):
            a = pre_all[t] + hs[t] @ p["U"]
            if "R" in p:
                a[:, : self.gate_width] += q_prev @ p["R"]
            c_prev = cs[t]
            if spec.peepholes:
                for name in ("input", "forget"):
                    if name in self.gates:
                        a[:, cols[name]] += self._sum(p[f"p_{name}"] * c_prev)
            # input and forget gates lead the columns: one sigmoid for both
            early = _sigmoid(a[:, : self.early_width]) if self.early_width else None
            f = early[:, cols["forget"]] if spec.forget_gate else one
            if spec.input_gate == "sigmoid":
                i = early[:, cols["input"]]
            elif spec.input_gate == "coupled":
                i = 1.0 - f
            else:
                i = one
            g = g_fn(a[:, cols["cell"]])
            c = self._expand(f) * c_prev
            c += self._expand(i) * g
            if spec.output_gate:
                a_o = a[:, cols["output"]]
                if spec.peepholes:
                    a_o += self._sum(p["p_output"] * c)
                o = _sigmoid(a_o)
            else:
                o = one
            s = h_fn(c)
            hs[t + 1] = self._expand(o) * s
            cs[t + 1] = c
            gates["input"][t], gates["forget"][t], gates["output"][t] = i, f, o
            cell_pre[t], cell_in[t], cell_out[t] = a[:, cols["cell"]], g, s
            if self.gate_width:
                q_prev = np.concatenate([gates[name][t] for name in self.gates], axis=1)
                q_all[t] = q_prev

        self.cache = {"x": x_t, "hs": hs, "cs": cs, "gates": gates, "cell_pre": cell_pre, "cell_in": cell_in,
                      "cell_out": cell_out, "q": q_all, "lengths": lengths}
        self.final_state = (hs[steps].copy(), cs[steps].copy())
        return self._readout_forward(hs[1:], lengths)

    __call__ = forward

    def backward(self, dy) -> dict[str, np.ndarray]:
        """Gradients of a loss whose gradient with respect to y is dy, by BPTT."""
        c = self.cache
        if c is None:
            raise RuntimeError("backward needs a forward pass first")
        p, spec, cols = self.params, self.spec, self.columns
        grads = {name: np.zeros_like(value) for name, value in p.items()}
        hs, cs, gates = c["hs"], c["cs"], c["gates"]
        steps, batch = hs.shape[0] - 1, hs.shape[1]
        dhs = self._readout_backward(dy, hs[1:], c["lengths"], grads)       # (T, B, H)
        dg_fn, dh_fn = self.g_act[1], self.h_act[1]
        d_pre = np.zeros((steps, batch, p["b"].size), self.dtype)
        dh = np.zeros((batch, self.hidden_size), self.dtype)
        dc = np.zeros_like(dh)
        dq = np.zeros((batch, self.gate_width), self.dtype)                 # into the gates at t (FGR)
        peep = spec.peepholes
        for t in range(steps - 1, -1, -1):
            dh += dhs[t]
            i, f, o = gates["input"][t], gates["forget"][t], gates["output"][t]
            c_prev = cs[t]
            g, s = c["cell_in"][t], c["cell_out"][t]
            d_gate = {name: dq[:, cols[name]] for name in self.gates} if "R" in p else {}
            # h = E(o) * h(c)
            dc += dh * self._expand(o) * dh_fn(cs[t + 1], s)
            if spec.output_gate:
                d_o = self._sum(dh * s) + d_gate.get("output", 0.0)
                da_o = d_o * o * (1.0 - o)
                d_pre[t][:, cols["output"]] = da_o
                if peep:
                    dc += self._expand(da_o) * p["p_output"]
            # c = E(f) * c_prev + E(i) * g
            d_i = self._sum(dc * g)
            d_pre[t][:, cols["cell"]] = dc * self._expand(i) * dg_fn(c["cell_pre"][t], g)
            dc_prev = dc * self._expand(f)
            if spec.forget_gate:
                d_f = self._sum(dc * c_prev) + d_gate.get("forget", 0.0)
                if spec.input_gate == "coupled":
                    d_f -= d_i
                da_f = d_f * f * (1.0 - f)
                d_pre[t][:, cols["forget"]] = da_f
                if peep:
                    dc_prev += self._expand(da_f) * p["p_forget"]
            if spec.input_gate == "sigmoid":
                da_i = (d_i + d_gate.get("input", 0.0)) * i * (1.0 - i)
                d_pre[t][:, cols["input"]] = da_i
                if peep:
                    dc_prev += self._expand(da_i) * p["p_input"]
            dh = d_pre[t] @ p["U"].T
            dc = dc_prev
            if "R" in p:
                dq = d_pre[t][:, : self.gate_width] @ p["R"].T
        if peep:   # peephole gradients, all steps at once: input/forget see c_{t-1}, output sees c_t
            for name, cells in (("input", cs[:-1]), ("forget", cs[:-1]), ("output", cs[1:])):
                if name in self.gates:
                    grads[f"p_{name}"] += np.einsum("tbh,tbh->h", self._expand(d_pre[:, :, cols[name]]), cells)
        flat = d_pre.reshape(-1, d_pre.shape[2])
        grads["W"] += c["x"].reshape(-1, self.input_size).T @ flat
        grads["U"] += hs[:steps].reshape(-1, self.hidden_size).T @ flat
        grads["b"] += flat.sum(axis=0)
        if "R" in p:
            q_prev = np.concatenate([np.zeros((1, batch, self.gate_width), self.dtype), c["q"][:-1]])
            grads["R"] += q_prev.reshape(-1, self.gate_width).T @ flat[:, : self.gate_width]
        return grads


class RNN(_Sequence):
    """The vanilla tanh RNN, h_t = tanh(x_t W + h_{t-1} U + b), with the LSTM's interface."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int, readout: str = "all",
                 init_scale: float = 0.1, rng=None, dtype=np.float64):
        if readout not in ("all", "last"):
            raise ValueError("readout must be 'all' or 'last'")
        input_size, hidden_size = integer("input_size", input_size), integer("hidden_size", hidden_size)
        output_size = integer("output_size", output_size)
        init_scale = number("init_scale", init_scale)
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        self.readout, self.dtype = readout, np.dtype(dtype)
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        uniform = lambda *shape: rng.uniform(-init_scale, init_scale, shape).astype(self.dtype)  # noqa: E731
        self.params = {"W": uniform(input_size, hidden_size), "U": uniform(hidden_size, hidden_size),
                       "b": np.zeros(hidden_size, self.dtype), "V": uniform(hidden_size, output_size),
                       "c": np.zeros(output_size, self.dtype)}
        self.cache = None

    def forward(self, x, lengths=None, initial_state=None):
        """x (B, T, D) -> y; initial_state: optional h0 (B, H)."""
        x = self._inputs(x)
        batch, steps, _ = x.shape
        lengths = self._lengths(lengths, batch, steps)
        if initial_state is not None:
            initial_state = self._state("initial_state", initial_state, batch)
        self._batch = batch
        p = self.params
        x_t = np.moveaxis(x, 1, 0)
        pre_all = (x_t.reshape(-1, self.input_size) @ p["W"]).reshape(steps, batch, -1) + p["b"]
        hs = np.empty((steps + 1, batch, self.hidden_size), self.dtype)
        hs[0] = 0.0 if initial_state is None else initial_state
        for t in range(steps):
            hs[t + 1] = np.tanh(pre_all[t] + hs[t] @ p["U"])
        self.cache = {"x": x_t, "hs": hs, "lengths": lengths}
        self.final_state = hs[steps].copy()
        return self._readout_forward(hs[1:], lengths)

    __call__ = forward

    def backward(self, dy) -> dict[str, np.ndarray]:
        c = self.cache
        if c is None:
            raise RuntimeError("backward needs a forward pass first")
        p = self.params
        grads = {name: np.zeros_like(value) for name, value in p.items()}
        hs = c["hs"]
        steps = hs.shape[0] - 1
        dhs = self._readout_backward(dy, hs[1:], c["lengths"], grads)
        d_pre = np.empty_like(dhs)
        dh = np.zeros_like(dhs[0])
        for t in range(steps - 1, -1, -1):
            dh = dh + dhs[t]
            d_pre[t] = dh * (1.0 - hs[t + 1] * hs[t + 1])
            dh = d_pre[t] @ p["U"].T
        flat = d_pre.reshape(-1, self.hidden_size)
        grads["W"] += c["x"].reshape(-1, self.input_size).T @ flat
        grads["U"] += hs[:steps].reshape(-1, self.hidden_size).T @ flat
        grads["b"] += flat.sum(axis=0)
        return grads
