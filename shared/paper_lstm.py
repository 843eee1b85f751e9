"""The LSTM network as the 1997 and 2000 papers build and train it: a bank of independent trials,
each learning on line with the papers' truncated gradient, computed forward in time.

Hochreiter & Schmidhuber (1997), Sec. 4 and App. A.1; the forget gate of Gers, Schmidhuber &
Cummins (2000). ``P`` trials (independent nets, one per seed) run side by side, each on ``K``
sequences at once. Hidden layer: ``blocks`` memory blocks of ``block_size`` cells; each block has an
input gate, an output gate and (``forget_gate=True``) a forget gate shared by its cells. Every cell
and gate reads the inputs, the previous activations of all cells and gates (a fully connected
hidden layer) and a bias; the output units read the cells. With f the logistic function, per cell
c of block j:

    s_c(t) = y_phi_j(t) s_c(t-1) + y_in_j(t) g(net_c(t))      (y_phi = 1 without a forget gate)
    y_c(t) = y_out_j(t) h(s_c(t))
    g = 4 f - 2 in (-2, 2),  h = 2 f - 1 in (-1, 1)            (the 1997 squashing functions)
    y_k(t) = f(sum_c V[c, k] y_c(t) [+ V[bias, k]])            (or linear: output_unit="linear")

Every activation starts at 0 on ``reset`` (the papers reset at each sequence; a continual stream
does not). The truncated gradient: error reaching a cell's or gate's net input changes that unit's
incoming weights and goes no further back in time; it flows back only through the cell states.
So it can be computed forward: each trial carries the derivatives of its cell states with respect
to the weights into the cells, the input gates and the forget gates,

    ds_c/dW[v, c]     <- y_phi ds_c/dW[v, c]     + g'(net_c) y_in u_v
    ds_c/dW[v, in_j]  <- y_phi ds_c/dW[v, in_j]  + g(net_c) f'(net_in) u_v
    ds_c/dW[v, phi_j] <- y_phi ds_c/dW[v, phi_j] + s_c(t-1) f'(net_phi) u_v

(u(t) = [x(t), hidden activations at t-1, 1]), and at every step with a target the change
-dE/dW = e_s_c ds_c/dW is added for those weights, where e_s_c = y_out h'(s_c) sum_k V[c, k] e_k is
the error reaching the cell state; output gates and output units use the current step only. E is
half the squared error. Its exact reference is the "stop-gradient twin": the same network with the
previous hidden activations u_v(t) held fixed (``step(..., hidden=...)``); the tests compare the two
by finite differences.

Arrays: ``W`` (P, Z, U) with Z = inputs + U + 1 (the bias row last) and U = cells, input gates,
[forget gates,] output gates, in that order; ``V`` (P, cells [+ 1], outputs).
"""

from __future__ import annotations

import numpy as np

from shared.checks import integer, number


def _logistic(x: np.ndarray) -> np.ndarray:
    # (1 + tanh(x / 2)) / 2: one transcendental call, no overflow for any x
    out = np.tanh(0.5 * x)
    out *= 0.5
    out += 0.5
    return out


def _over_streams(a: np.ndarray) -> np.ndarray:
    """Sum over the sequences of each trial (axis 1); one sequence is passed through as it is."""
    return a[:, 0] if a.shape[1] == 1 else a.sum(axis=1)


class PaperLSTM:
    """A bank of P trials of the papers' LSTM; see the module docstring.

    gate_bias: initial biases per gate kind, {"input": ..., "output": ..., "forget": ...}, each a
    scalar or one value per block (the 1997 recipes: input gates -1, -3, -5, ...; output gates -2,
    -4, ...); a kind left out keeps its random bias like every other weight. cell_bias, gate_biases:
    whether the cells and the gates have biases (1997 Exp. 4: both; the Reber experiments: gates
    only; Exp. 2c: neither). Weights start uniform in [-init_scale, init_scale], trial k drawing
    from rngs[k]; a bias that is absent is 0 and never trained.
    """

    def __init__(self, inputs: int, blocks: int, block_size: int, outputs: int, rngs, *,
                 forget_gate: bool = False, output_unit: str = "logistic", output_bias: bool = False,
                 cell_bias: bool = True, gate_biases: bool = True, init_scale: float = 0.1,
                 gate_bias: dict | None = None, dtype=np.float64):
        inputs, outputs = integer("inputs", inputs), integer("outputs", outputs)
        blocks, block_size = integer("blocks", blocks), integer("block_size", block_size)
        init_scale = number("init_scale", init_scale)
        if output_unit not in ("logistic", "linear"):
            raise ValueError(f"output_unit must be 'logistic' or 'linear', got {output_unit!r}")
        rngs = list(rngs)
        if not rngs or not all(isinstance(r, np.random.Generator) for r in rngs):
            raise ValueError("rngs must be one np.random.Generator per trial")
        self.inputs, self.blocks, self.block_size, self.outputs = inputs, blocks, block_size, outputs
        self.forget_gate, self.output_unit, self.output_bias = forget_gate, output_unit, output_bias
        self.dtype = np.dtype(dtype)
        self.trials = len(rngs)
        self.cells = blocks * block_size
        gates = 3 if forget_gate else 2
        self.units = self.cells + gates * blocks
        self.width = inputs + self.units + 1
        c, b = self.cells, blocks
        self.rows = {"input": slice(c, c + b), "forget": slice(c + b, c + 2 * b) if forget_gate else None,
                     "output": slice(c + (gates - 1) * b, c + gates * b)}
        self.W = np.empty((self.trials, self.width, self.units))
        self.V = np.zeros((self.trials, c + output_bias, outputs))
        for k, rng in enumerate(rngs):        # output biases, when there are any, start at 0
            self.W[k] = rng.uniform(-init_scale, init_scale, (self.width, self.units))
            self.V[k, :c] = rng.uniform(-init_scale, init_scale, (c, outputs))
        self.trainable = np.ones((self.width, self.units))
        if not cell_bias:
            self.W[:, -1, :c] = 0.0
            self.trainable[-1, :c] = 0.0
        if not gate_biases:
            if gate_bias:
                raise ValueError("gate_bias sets initial gate biases, but gate_biases=False removes them")
            self.W[:, -1, c:] = 0.0
            self.trainable[-1, c:] = 0.0
        for kind, value in (gate_bias or {}).items():
            if kind not in ("input", "output", "forget") or self.rows[kind] is None:
                raise ValueError(f"no {kind!r} gates to bias")
            self.W[:, -1, self.rows[kind]] = np.broadcast_to(np.asarray(value, float), (b,))
        self.W, self.V = self.W.astype(self.dtype), self.V.astype(self.dtype)
        self.gW, self.gV = np.zeros_like(self.W), np.zeros_like(self.V)
        self.streams, self.learn = 0, True

    @property
    def n_weights(self) -> int:
        return int(self.trainable.sum() + self.V[0].size)

    @property
    def params(self) -> dict:
        return {"W": self.W, "V": self.V}

    # -- state ------------------------------------------------------------------------------
    def start(self, streams: int, learn: bool = True) -> None:
        """Zero activations, cell states and traces for ``streams`` sequences per trial (``learn=False``:
        no traces, for a frozen net that is only run)."""
        P, K, c = self.trials, integer("streams", streams), self.cells
        self.streams, self.learn = K, learn
        self.u = np.zeros((P, K, self.width), self.dtype)      # what the units read: x(t), hidden(t-1), 1
        self.u[..., -1] = 1.0
        self.s = np.zeros((P, K, c), self.dtype)
        kinds = 3 if self.forget_gate else 2                    # traces: into the cell, its input gate, its forget gate
        self.trace = np.zeros((P, K, self.width, kinds, c) if learn else (P, K, 0, 0, 0), self.dtype)

    def frozen(self, trials) -> "PaperLSTM":
        """A copy of these trials ((n,) indices) that only runs: for tests on many sequences at once."""
        copy = object.__new__(PaperLSTM)
        copy.__dict__.update(self.__dict__)
        copy.W, copy.V = self.W[trials], self.V[trials]
        copy.gW = copy.gV = copy.u = copy.s = copy.trace = None     # its own state comes with start()
        copy.trials = len(copy.W)
        copy.streams = 0
        return copy

    def reset(self, which=None) -> None:
        """Activations, states and traces back to 0: all, or where ``which`` (P, K) bool is True."""
        if which is None:
            which = np.ones((self.trials, self.streams), bool)
        self.u[which, self.inputs:-1] = 0.0
        self.s[which] = 0.0
        self.trace[which] = 0.0

    # -- one step ---------------------------------------------------------------------------
    def step(self, x, target=None, weight=None, hidden=None, streams: int | None = None) -> np.ndarray:
        """Read x (P, K, inputs), or symbol codes (P, K) of integers for one-hot inputs (-1: none;
        only the symbol's own weights are read and traced, so a large alphabet costs nothing
        per step); return the outputs (P, K, outputs). With ``target`` (P, K, outputs),
        add this step's truncated-gradient change for E = 1/2 sum weight (target - y)^2 to gW, gV
        (weight (P, K): which sequences have a target now; default all). ``hidden`` (P, K, U): the
        previous hidden activations to read instead of the net's own (the stop-gradient twin).
        ``streams``: run only the first this many sequences (the others wait), K read as that."""
        if not self.streams:
            raise RuntimeError("call start(streams) before the first step")
        P, c, b, size = self.trials, self.cells, self.blocks, self.block_size
        K = self.streams if streams is None else streams
        if target is not None and not self.learn:
            raise ValueError("this net was started with learn=False: it has no traces to learn from")
        u, s = self.u[:, :K], self.s[:, :K]
        x = np.asarray(x)
        codes = x if np.issubdtype(x.dtype, np.integer) else None
        if hidden is not None:
            u[..., self.inputs:-1] = hidden
        if codes is None:
            u[..., :self.inputs] = x
            half_tanh = np.tanh(0.5 * np.matmul(u, self.W))           # tanh(net / 2) of every unit
        else:                                                           # u's input part stays 0
            if codes.shape != (P, K) or not ((codes >= -1) & (codes < self.inputs)).all():
                raise ValueError(f"codes must be (P, K) = {(P, K)} integers in -1..{self.inputs - 1}")
            on = codes >= 0
            rows = np.maximum(codes, 0)
            read = self.W[np.arange(P)[:, None], rows] * on[..., None]          # W[code] (P, K, U)
            half_tanh = np.tanh(0.5 * (np.matmul(u[..., self.inputs:], self.W[:, self.inputs:]) + read))
        gate = 0.5 * half_tanh[..., c:] + 0.5                          # f(net) of the gates
        y_in = gate[..., :b, None]
        y_out = gate[..., -b:, None]
        g = 2.0 * half_tanh[..., :c]                                    # 4 f - 2 = 2 tanh(net / 2)
        s_prev = s.copy() if self.forget_gate else None
        blocked = (P, K, b, size)
        if self.forget_gate:
            y_phi = gate[..., b:2 * b, None]
            s = (y_phi * s.reshape(blocked) + y_in * g.reshape(blocked)).reshape(P, K, c)
        else:
            s = s + (y_in * g.reshape(blocked)).reshape(P, K, c)
        self.s[:, :K] = s
        squashed = np.tanh(0.5 * s)                                     # h(s) = 2 f(s) - 1
        y_c = (y_out * squashed.reshape(blocked)).reshape(P, K, c)
        net_k = np.matmul(y_c, self.V[:, :c])
        if self.output_bias:
            net_k = net_k + self.V[:, None, c]
        y = _logistic(net_k) if self.output_unit == "logistic" else net_k

        if not self.learn:
            u[..., self.inputs:self.inputs + c] = y_c
            u[..., self.inputs + c:-1] = gate
            return y

        # the traces of ds_c/dW, carried through the carousel (scaled by the forget gate)
        slope = 0.25 - 0.25 * half_tanh * half_tanh                     # f'(net) of every unit
        blocks_of = (lambda a: a) if size == 1 else (lambda a: np.repeat(a, size, axis=-1))   # (P, K, b) -> (P, K, c)
        trace = self.trace[:, :K]
        coef = np.empty((P, K, trace.shape[3], c), self.dtype)
        coef[:, :, 0] = (1.0 - half_tanh[..., :c] ** 2) * blocks_of(gate[..., :b])     # g'(net_c) y_in
        coef[:, :, 1] = g * blocks_of(slope[..., c:c + b])                              # g f'(net_in)
        if self.forget_gate:
            coef[:, :, 2] = s_prev * blocks_of(slope[..., c + b:c + 2 * b])             # s(t-1) f'(net_phi)
            trace *= blocks_of(gate[..., b:2 * b])[:, :, None, None, :]
        if codes is None:
            trace += u[:, :, :, None, None] * coef[:, :, None]
        else:
            trace[:, :, self.inputs:] += u[:, :, self.inputs:, None, None] * coef[:, :, None]
            trace[np.arange(P)[:, None], np.arange(K), rows] += coef * on[..., None, None]   # the one input that is 1

        if target is not None:
            e_k = np.asarray(target, self.dtype) - y                    # the output units' errors
            if self.output_unit == "logistic":
                e_k = e_k * (y - y * y)
            if weight is not None:
                e_k = e_k * np.asarray(weight, self.dtype)[..., None]
            self.gV[:, :c] += _over_streams(y_c[..., None] * e_k[:, :, None, :])
            if self.output_bias:
                self.gV[:, c] += _over_streams(e_k)
            back = np.matmul(self.V[:, :c], e_k.transpose(0, 2, 1)).transpose(0, 2, 1)   # error at each cell output
            e_s = (y_out * ((0.5 - 0.5 * squashed * squashed) * back).reshape(blocked)).reshape(P, K, c)
            change = _over_streams(trace * e_s[:, :, None, None, :])     # (P, Z, kinds, c)
            self.gW[:, :, :c] += change[:, :, 0]
            block_sum = lambda a: a.reshape(P, self.width, b, size).sum(-1)   # noqa: E731
            self.gW[:, :, self.rows["input"]] += block_sum(change[:, :, 1])
            if self.forget_gate:
                self.gW[:, :, self.rows["forget"]] += block_sum(change[:, :, 2])
            e_out = slope[..., -b:] * (back * squashed).reshape(blocked).sum(-1)       # output gates, this step
            self.gW[:, :, self.rows["output"]] += _over_streams(u[..., None] * e_out[:, :, None, :])
            if codes is not None:
                np.add.at(self.gW[:, :, self.rows["output"]], (np.nonzero(on)[0], codes[on]), e_out[on])

        u[..., self.inputs:self.inputs + c] = y_c                      # what the next step reads
        u[..., self.inputs + c:-1] = gate
        return y

    def apply(self, lr: float, trials=None) -> None:
        """Add lr times the accumulated change to the weights of ``trials`` ((P,) bool, default
        all) and clear theirs (the others keep accumulating)."""
        trials = np.ones(self.trials, bool) if trials is None else np.asarray(trials, bool)
        self.gW *= self.trainable
        self.W[trials] += lr * self.gW[trials]
        self.V[trials] += lr * self.gV[trials]
        self.gW[trials] = 0.0
        self.gV[trials] = 0.0
