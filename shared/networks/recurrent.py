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

from shared.networks.activations import activation
from shared.frame.checks import integer, number


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
                 truncated: bool = False, masks: dict | None = None, rng=None, dtype=np.float64):
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
        if not isinstance(truncated, bool):
            raise ValueError(f"truncated must be True or False, got {truncated!r}")
        if truncated and self.spec.full_gate_recurrence:
            raise ValueError("the truncated gradient is defined for cells whose only recurrence besides c is h "
                             "(not FGR)")
        self.truncated = truncated
        self.masks = {}
        for name, mask in (masks or {}).items():
            if name not in ("W", "U", "R") or name not in self.params:
                raise ValueError(f"masks apply to W, U (and R for FGR), got {name!r}")
            mask = np.asarray(mask)
            if mask.shape != self.params[name].shape or mask.dtype != bool:
                raise ValueError(f"the mask of {name} must be booleans shaped {self.params[name].shape}, got "
                                 f"{mask.dtype} {mask.shape}")
            self.masks[name] = mask
            self.params[name] *= mask       # absent connections: 0 in the forward, no gradient, start at 0
        self.cache = None
        self.input_grad = self.initial_state_grad = None

    # The time loops work feature-major, (features, B) per step, so that every gate is a contiguous
    # block of rows: numpy's per-call cost on small strided column blocks is three times that on
    # contiguous ones, and that cost is most of a step at the sizes these problems use.
    def _times_gate(self, gate, cells, out):
        """out = E(gate) * cells; gate (..., blocks, B), cells and out (..., H, B)."""
        if self.block_size == 1:
            return np.multiply(gate, cells, out=out)
        shape = (*cells.shape[:-2], self.blocks, self.block_size, cells.shape[-1])
        np.multiply(gate[..., None, :], cells.reshape(shape), out=out.reshape(shape))
        return out

    def _buffer(self, name: str, shape: tuple) -> np.ndarray:
        """A work array kept from call to call: a pass's arrays are large, and fresh memory costs page
        faults on every call. The cache's arrays are such buffers: valid until the next forward."""
        buffers = self.__dict__.setdefault("_buffers", {})
        array = buffers.get(name)
        if array is None or array.shape != shape:
            array = buffers[name] = np.empty(shape, self.dtype)
        return array

    def _slope(self, which: str, x, y, name: str) -> np.ndarray:
        """f'(x) for the cell input (which="g") or output ("h") squashing function, given y = f(x)."""
        kind = self.spec.cell_input if which == "g" else self.spec.cell_output
        slope = self._buffer(name, y.shape)
        if kind == "tanh":                                                   # 1 - y^2, without temporaries
            np.multiply(y, y, out=slope)
            np.subtract(1.0, slope, out=slope)
        else:
            slope[...] = (self.g_act if which == "g" else self.h_act)[1](x, y)
        return slope

    def _connected(self, name: str):
        """W, U or R as the forward uses it: masked connections are absent (0), whatever the array holds."""
        value = self.params.get(name)
        mask = self.masks.get(name)
        return value if value is None or mask is None else value * mask

    def _sum(self, cells):
        """S: (H, B) -> (blocks, B)."""
        if self.block_size == 1:
            return cells
        return cells.reshape(self.blocks, self.block_size, -1).sum(axis=1)

    def forward(self, x, lengths=None, initial_state=None, recurrent_input=None):
        """x (B, T, D) -> y; initial_state: optional (h0, c0), each (B, H).

        recurrent_input (B, T, H), optional: what U multiplies at each step in place of h_{t-1} --
        the previous outputs held fixed (the truncated gradient's stop-gradient twin, for checks)."""
        x = self._inputs(x)
        batch, steps, _ = x.shape
        lengths = self._lengths(lengths, batch, steps)
        if initial_state is not None:
            if not isinstance(initial_state, (tuple, list)) or len(initial_state) != 2:
                raise ValueError("initial_state must be a pair (h0, c0), each (batch, hidden)")
            initial_state = (self._state("h0", initial_state[0], batch), self._state("c0", initial_state[1], batch))
        if recurrent_input is not None:
            recurrent_input = np.asarray(recurrent_input, self.dtype)
            if recurrent_input.shape != (batch, steps, self.hidden_size):
                raise ValueError(f"recurrent_input must have shape {(batch, steps, self.hidden_size)}, "
                                 f"got {recurrent_input.shape}")
            recurrent_input = np.ascontiguousarray(recurrent_input.transpose(1, 2, 0))   # (T, H, B)
        self._batch = batch
        p, spec, cols, dtype = self.params, self.spec, self.columns, self.dtype
        h_size, nb, gw, ew = self.hidden_size, self.blocks, self.gate_width, self.early_width
        g_fn, h_fn = self.g_act[0], self.h_act[0]
        tanh_in, tanh_out = spec.cell_input == "tanh", spec.cell_output == "tanh"
        identity_out = spec.cell_output in ("identity", "none")
        W, U, R = (self._connected(name) for name in ("W", "U", "R"))
        U_T = np.ascontiguousarray(U.T)                                      # (width, H)
        R_T = np.ascontiguousarray(R.T) if R is not None else None
        peep = spec.peepholes
        peep_early = [(cols[name], p[f"p_{name}"][:, None]) for name in ("input", "forget")
                      if peep and name in self.gates]
        # without an output peephole no gate waits for c_t: one sigmoid covers all gates
        together = gw if not (peep and spec.output_gate) else ew

        # x_t W + b for all steps in one product; U h_{t-1} (and FGR's R q_{t-1}) is added in place, so
        # pre[t] ends as the step's full pre-activation (width, B)
        x_fm = self._buffer("x", (steps, self.input_size, batch))           # (T, D, B)
        np.copyto(x_fm, x.transpose(1, 2, 0))
        pre = np.matmul(W.T, x_fm, out=self._buffer("pre", (steps, p["b"].size, batch)))   # (T, width, B)
        pre += p["b"][:, None]
        hs = self._buffer("hs", (steps + 1, h_size, batch))
        cs = self._buffer("cs", (steps + 1, h_size, batch))
        if initial_state is None:
            hs[0], cs[0] = 0.0, 0.0
        else:
            hs[0], cs[0] = initial_state[0].T, initial_state[1].T
        gate_act = self._buffer("gate_act", (steps, gw, batch))             # sigmoid gates, rows as W's columns
        cell_in = self._buffer("cell_in", (steps, h_size, batch))           # g(a_cell)
        cell_out = cs[1:] if identity_out else self._buffer("cell_out", (steps, h_size, batch))   # h(c)
        coupled_input = np.empty((steps, nb, batch), dtype) if spec.input_gate == "coupled" else None
        product = np.empty((pre.shape[1], batch), dtype)                     # U h_{t-1}
        scratch = np.empty((h_size, batch), dtype)
        q_prev = np.zeros((gw, batch), dtype)                                # previous gate activations (FGR)
        r_f, r_i, r_o, r_g = (cols.get(name) for name in ("forget", "input", "output", "cell"))

        for t in range(steps):
            a = pre[t]
            a += np.matmul(U_T, hs[t] if recurrent_input is None else recurrent_input[t], out=product)
            if R_T is not None:
                a[:gw] += R_T @ q_prev
            c_prev, c = cs[t], cs[t + 1]
            for rows, peephole in peep_early:
                a[rows] += self._sum(peephole * c_prev)
            acts = gate_act[t]
            if together:                      # sigma(x) = (1 + tanh(x / 2)) / 2
                squash = acts[:together]
                np.multiply(a[:together], 0.5, out=squash)
                np.tanh(squash, out=squash)
                squash += 1.0
                squash *= 0.5
            g = cell_in[t]
            if tanh_in:
                np.tanh(a[r_g], out=g)
            else:
                g[...] = g_fn(a[r_g])
            if spec.forget_gate:
                f = acts[r_f]
                self._times_gate(f, c_prev, c)
            else:
                c[...] = c_prev
            if spec.input_gate == "sigmoid":
                c += self._times_gate(acts[r_i], g, scratch)
            elif spec.input_gate == "coupled":
                c += self._times_gate(np.subtract(1.0, f, out=coupled_input[t]), g, scratch)
            else:
                c += g
            if spec.output_gate and together < gw:   # the output gate's peephole sees c_t
                a_o = a[r_o]
                a_o += self._sum(p["p_output"][:, None] * c)
                acts[r_o] = _sigmoid(a_o)
            s = cell_out[t]
            if tanh_out:
                np.tanh(c, out=s)
            elif not identity_out:
                s[...] = h_fn(c)
            if spec.output_gate:
                self._times_gate(acts[r_o], s, hs[t + 1])
            else:
                hs[t + 1] = s
            if R_T is not None:
                q_prev = acts

        batch_major = lambda a: a.transpose(0, 2, 1)                        # noqa: E731  (T, F, B) -> (T, B, F)
        absent = np.broadcast_to(np.ones((), dtype), (steps, batch, nb))
        gates = {name: batch_major(gate_act[:, cols[name]]) if name in self.gates else absent
                 for name in ("input", "forget", "output")}
        if coupled_input is not None:
            gates["input"] = batch_major(coupled_input)
        hs_b = self._buffer("hs_batch_major", (steps + 1, batch, h_size))   # (T + 1, B, H)
        np.copyto(hs_b, batch_major(hs))
        self.cache = {"x": x_fm, "hs": hs_b, "cs": batch_major(cs), "gates": gates, "cell_out": batch_major(cell_out),
                      "lengths": lengths, "weights": (W, U, R),
                      "feature_major": (hs, cs, gate_act, pre, cell_in, cell_out, coupled_input)}
        self.final_state = (hs_b[steps].copy(), cs[steps].T.copy())
        return self._readout_forward(hs_b[1:], lengths)

    __call__ = forward

    def backward(self, dy) -> dict[str, np.ndarray]:
        """Gradients of a loss whose gradient with respect to y is dy, by BPTT."""
        c = self.cache
        if c is None:
            raise RuntimeError("backward needs a forward pass first")
        p, spec, cols, dtype = self.params, self.spec, self.columns, self.dtype
        grads = {name: np.zeros_like(value) for name, value in p.items()}
        hs, cs, gate_act, pre, cell_in, cell_out, coupled_input = c["feature_major"]
        steps, batch = hs.shape[0] - 1, hs.shape[2]
        h_size, gw = self.hidden_size, self.gate_width
        dhs = self._readout_backward(dy, c["hs"][1:], c["lengths"], grads)  # (T, B, H)
        dhs_fm = self._buffer("dhs", hs[1:].shape)                          # (T, H, B)
        np.copyto(dhs_fm, dhs.transpose(0, 2, 1))
        r_f, r_i, r_o, r_g = (cols.get(name) for name in ("forget", "input", "output", "cell"))
        has_input, coupled = spec.input_gate != "none", spec.input_gate == "coupled"
        W, U, R = c["weights"]

        # Every factor that does not depend on the recursion, for all steps at once (T, ., B):
        # the gates' slopes sigma (1 - sigma), dc/dh = E(o) h'(c), and d(c)/d(a_cell) = E(i) g'(a_cell)
        gate_slope = np.subtract(1.0, gate_act, out=self._buffer("gate_slope", gate_act.shape))
        gate_slope *= gate_act
        dh_to_c = self._slope("h", cs[1:], cell_out, "dh_to_c")
        if spec.output_gate:
            self._times_gate(gate_act[:, r_o], dh_to_c, dh_to_c)
        cell_slope = self._slope("g", pre[:, r_g], cell_in, "cell_slope")
        if has_input:
            self._times_gate(coupled_input if coupled else gate_act[:, r_i], cell_slope, cell_slope)
        # with a coupled input gate, c = E(f) c_prev + E(1 - f) g: the forget gate sees c_prev - g
        forget_sees = cs[:-1] - cell_in if coupled else cs[:-1]
        peepholes = {name: np.repeat(p[f"p_{name}"][:, None], batch, axis=1)
                     for name in self.gates if spec.peepholes}
        gates_reading_c = [(gate, sees) for gate, sees in (("forget", forget_sees), ("input", cell_in))
                           if gate in self.gates]

        d_pre = self._buffer("d_pre", (steps, p["b"].size, batch))          # (T, width, B)
        dh = np.zeros((h_size, batch), dtype)
        dc = np.zeros_like(dh)
        dc_prev, work = np.empty_like(dh), np.empty_like(dh)
        dq = np.zeros((gw, batch), dtype) if R is not None else None          # into the gates at t (FGR)
        for t in range(steps - 1, -1, -1):
            dh += dhs_fm[t]
            dp, slope = d_pre[t], gate_slope[t]
            dc += np.multiply(dh, dh_to_c[t], out=work)                         # h = E(o) h(c)
            if spec.output_gate:
                d_o = self._sum(np.multiply(dh, cell_out[t], out=work))
                if R is not None:
                    d_o = d_o + dq[r_o]
                da_o = np.multiply(d_o, slope[r_o], out=dp[r_o])
                if "output" in peepholes:
                    dc += self._times_gate(da_o, peepholes["output"], work)
            # c = E(f) c_prev + E(i) g
            np.multiply(dc, cell_slope[t], out=dp[r_g])
            if spec.forget_gate:
                self._times_gate(gate_act[t, r_f], dc, dc_prev)
            else:
                dc_prev[...] = dc
            for gate, sees in gates_reading_c:    # forget gate: dc/df = c_prev (- g, coupled); input gate: g
                rows = cols[gate]
                d_gate = self._sum(np.multiply(dc, sees[t], out=work))
                if R is not None:
                    d_gate = d_gate + dq[rows]
                da = np.multiply(d_gate, slope[rows], out=dp[rows])
                if gate in peepholes:
                    dc_prev += self._times_gate(da, peepholes[gate], work)
            if self.truncated:   # error at the units' net inputs goes no further back: only c carries it
                dh[...] = 0.0
            else:
                np.matmul(U, dp, out=dh)
            dc, dc_prev = dc_prev, dc
            if R is not None and not self.truncated:
                dq = R @ dp[:gw]
        # dh and dc now hold dL/dh_0 and dL/dc_0; x W enters every net input: dL/dx_t = W d_pre_t
        self.initial_state_grad = (dh.T.copy(), dc.T.copy())
        self.input_grad = np.matmul(W, d_pre).transpose(2, 0, 1).copy()      # (B, T, D)

        if spec.peepholes:   # all steps at once: input/forget see c_{t-1}, output sees c_t
            for name, cells in (("input", cs[:-1]), ("forget", cs[:-1]), ("output", cs[1:])):
                if name in self.gates:
                    d_gate = d_pre[:, cols[name]]
                    if self.block_size > 1:
                        d_gate = np.repeat(d_gate, self.block_size, axis=1)
                    grads[f"p_{name}"] += np.einsum("thb,thb->h", d_gate, cells)
        # the weight gradients as one product each: (features, T B) rows, moved in contiguous runs of B
        rows = lambda a: a.transpose(1, 0, 2).reshape(a.shape[1], -1)    # noqa: E731  (T, F, B) -> (F, T B)
        d_rows = self._buffer("d_rows", (d_pre.shape[1], steps * batch))
        np.copyto(d_rows.reshape(d_pre.shape[1], steps, batch), d_pre.transpose(1, 0, 2))
        grads["W"] += rows(c["x"]) @ d_rows.T
        grads["U"] += rows(hs[:steps]) @ d_rows.T
        grads["b"] += d_rows.sum(axis=1)
        if R is not None:
            q_prev = np.concatenate([np.zeros((1, gw, batch), dtype), gate_act[:-1]])
            grads["R"] += rows(q_prev) @ d_rows[:gw].T
        for name, mask in self.masks.items():
            grads[name] *= mask
        return grads

    def step(self, x_t, state=None):
        """One step of free-running generation: x_t (B, D), state (h, c) or None -> (y_t, new state).
        The same arithmetic as forward on a sequence of length 1 (whose cache it leaves)."""
        x_t = np.asarray(x_t)
        if x_t.ndim != 2:
            raise ValueError(f"x_t must have shape (batch, {self.input_size}), got {x_t.shape}")
        y = self.forward(x_t[:, None, :], initial_state=state)
        return (y[:, 0] if self.readout == "all" else y), self.final_state

    def advance(self, x_t, state) -> tuple:
        """One step of the state alone, x_t (B, D), (h, c) -> (h, c), without the cache that backward
        needs: the hot loop of rollouts and dreams through a trained model. The 'NP' cell with one cell
        per block (input, forget and output gates, no peepholes) takes a direct path (equal to ``step``
        to rounding; a test checks it); every other cell runs ``step``."""
        if self.variant != "NP" or self.blocks != self.hidden_size:
            return self.step(x_t, state)[1]
        p, cols = self.params, self.columns
        h, c = state
        a = (x_t @ p["W"] + p["b"]) + h @ p["U"]
        early = 0.5 * (1.0 + np.tanh(0.5 * a[:, : self.early_width]))      # input and forget gates
        c = early[:, cols["forget"]] * c + early[:, cols["input"]] * np.tanh(a[:, cols["cell"]])
        o = 0.5 * (1.0 + np.tanh(0.5 * a[:, cols["output"]]))
        return o * np.tanh(c), c


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


def _reversal(lengths, batch: int, steps: int) -> np.ndarray:
    """(B, T) time indices that reverse each sequence within its length and leave its padding in place;
    the map is its own inverse."""
    t = np.arange(steps)[None, :]
    lengths = np.full((batch, 1), steps) if lengths is None else np.asarray(lengths)[:, None]
    return np.where(t < lengths, lengths - 1 - t, t)


class BLSTM:
    """Bidirectional LSTM (Graves & Schmidhuber 2005, "Framewise phoneme classification with bidirectional
    LSTM and other neural network architectures", Neural Networks 18(5-6)): one LSTM reads each sequence
    forward, a second reads it backward (within its length), and both feed the same output layer,
    y_t = h_fwd_t V_fwd + h_bwd_t V_bwd + c, so every output sees the whole sequence.

    x (B, T, D) -> y (B, T, O) (read-out at every step); ``backward(dy)`` returns gradients keyed
    "forward.<name>" and "backward.<name>" like ``params`` (the two LSTMs' parameters, the output bias
    kept once as "forward.c") and sets ``input_grad`` (B, T, D). Keyword arguments other than the sizes
    and ``rng`` go to both LSTMs (variant, block_size, init_scale, dtype, ...). Steps past a sequence's
    length are padding: the backward LSTM starts at each sequence's last real step."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int, rng=None, **lstm_kwargs):
        if lstm_kwargs.get("readout", "all") != "all":
            raise ValueError("a BLSTM reads out at every step (readout='all')")
        rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        self.forward_lstm = LSTM(input_size, hidden_size, output_size, rng=rng, **lstm_kwargs)
        self.backward_lstm = LSTM(input_size, hidden_size, output_size, rng=rng, **lstm_kwargs)
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        # one output bias: the backward LSTM's stays 0 and is not a parameter
        self.backward_lstm.params["c"][:] = 0.0
        self.params = {f"forward.{name}": value for name, value in self.forward_lstm.params.items()}
        self.params.update({f"backward.{name}": value for name, value in self.backward_lstm.params.items()
                            if name != "c"})
        self.input_grad = None
        self._reverse = None

    @property
    def num_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    def forward(self, x, lengths=None) -> np.ndarray:
        """x (B, T, D) -> y (B, T, O)."""
        y_forward = self.forward_lstm.forward(x, lengths)
        x = np.asarray(x)
        batch, steps = x.shape[:2]
        self._reverse = _reversal(lengths, batch, steps)
        rows = np.arange(batch)[:, None]
        y_backward = self.backward_lstm.forward(x[rows, self._reverse], lengths)
        return y_forward + y_backward[rows, self._reverse]

    __call__ = forward

    def backward(self, dy) -> dict[str, np.ndarray]:
        if self._reverse is None:
            raise RuntimeError("backward needs a forward pass first")
        dy = np.asarray(dy)
        rows = np.arange(dy.shape[0])[:, None]
        grads = {f"forward.{name}": g for name, g in self.forward_lstm.backward(dy).items()}
        backward_grads = self.backward_lstm.backward(dy[rows, self._reverse])
        grads.update({f"backward.{name}": g for name, g in backward_grads.items() if name != "c"})
        self.input_grad = self.forward_lstm.input_grad + self.backward_lstm.input_grad[rows, self._reverse]
        return grads
