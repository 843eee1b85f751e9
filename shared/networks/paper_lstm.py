"""The LSTM network as the 1997 and 2000 papers build and train it: a bank of independent trials,
each learning on line with the papers' truncated gradient, computed forward in time.

Hochreiter & Schmidhuber (1997), Sec. 4 and App. A.1; the forget gate of Gers, Schmidhuber &
Cummins (2000). ``P`` trials (independent nets, one per seed) run side by side, each on ``K``
sequences at once. Hidden layer: ``blocks`` memory blocks of ``block_size`` cells; each block has an
input gate, an output gate and (``forget_gate=True``) a forget gate shared by its cells. Every cell
and gate reads the inputs, the previous activations of all cells and gates (a fully connected
hidden layer; ``reads="cells"``: the inputs and the cell outputs only, as in the 2000 paper) and a
bias; the output units read the cells (``shortcut=True``: and the inputs). With f the logistic
function, per cell c of block j:

    s_c(t) = y_phi_j(t) s_c(t-1) + y_in_j(t) g(net_c(t))      (y_phi = 1 without a forget gate)
    y_c(t) = y_out_j(t) h(s_c(t))
    (peepholes=True, Gers et al. 2002: net_in_j and net_phi_j add sum_v P[v] s_v(t-1) over the
     block's cells v, net_out_j adds sum_v P[v] s_v(t); the cell reads no peephole)
    g = 4 f - 2 in (-2, 2),  h = 2 f - 1 in (-1, 1)            (the 1997 squashing functions)
    (squashing="linear", the timing nets of Gers et al. 2002: g(z) = z and h(s) = s; step() only)
    y_k(t) = f(sum_c V[c, k] y_c(t) [+ sum_i V[i, k] x_i(t)] [+ V[bias, k]])   (or linear: output_unit="linear")

Every activation starts at 0 on ``reset`` (the papers reset at each sequence; a continual stream
does not). The truncated gradient: error reaching a cell's or gate's net input changes that unit's
incoming weights and goes no further back in time; it flows back only through the cell states.
So it can be computed forward: each trial carries the derivatives of its cell states with respect
to the weights into the cells, the input gates and the forget gates,

    ds_c/dW[v, c]     <- y_phi ds_c/dW[v, c]     + g'(net_c) y_in u_v
    ds_c/dW[v, in_j]  <- y_phi ds_c/dW[v, in_j]  + g(net_c) f'(net_in) u_v
    ds_c/dW[v, phi_j] <- y_phi ds_c/dW[v, phi_j] + s_c(t-1) f'(net_phi) u_v

(u(t) = [x(t), hidden activations at t-1, 1]; a peephole weight's trace reads s_v(t-1) as its
u_v), and at every step with a target the change
-dE/dW = e_s_c ds_c/dW is added for those weights, where e_s_c = y_out h'(s_c) sum_k V[c, k] e_k is
the error reaching the cell state; output gates and output units use the current step only. E is
half the squared error. Its exact reference is the "stop-gradient twin": the same network with the
previous hidden activations u_v(t) held fixed (``step(..., hidden=...)``), and the states the
peepholes read (``peeked=...``: no error flows from a gate back into a cell state through a
peephole, as the 2002 paper prescribes); the tests compare the two by finite differences.

Arrays: ``W`` (P, Z, U) with Z = inputs + U + 1 (the bias row last) and U = cells, input gates,
[forget gates,] output gates, in that order; ``V`` (P, cells [+ inputs] [+ 1], outputs): the cells,
the inputs (``shortcut``), the bias; ``peep`` (P, gate kinds, cells): each cell's peephole weight
to its block's input, [forget,] output gate.
"""

from __future__ import annotations

import numpy as np

from shared.frame.checks import integer, number


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
    only; Exp. 2c: neither). output_bias: False, True (starting at 0, the 1997 stubs' choice) or
    "random" (drawn like the other weights: the 2000 paper). reads: what the cells and gates read
    from the hidden layer at t - 1, "all" (1997) or "cells" (the cell outputs only; Gers et al.
    2000). shortcut: the output units also read the inputs (2000). peepholes: each cell's state
    feeds its block's gates (Gers et al. 2002). squashing: "1997" (g = 4 f - 2, h = 2 f - 1) or
    "linear" (g and h the identity, as the 2002 timing nets; runs through step() only). Weights start uniform in
    [-init_scale, init_scale], trial k drawing from rngs[k]; a weight that is absent is 0 and never
    trained.
    """

    def __init__(self, inputs: int, blocks: int, block_size: int, outputs: int, rngs, *,
                 forget_gate: bool = False, output_unit: str = "logistic", output_bias: bool | str = False,
                 cell_bias: bool = True, gate_biases: bool = True, init_scale: float = 0.1,
                 gate_bias: dict | None = None, reads: str = "all", shortcut: bool = False,
                 peepholes: bool = False, squashing: str = "1997", dtype=np.float64):
        inputs, outputs = integer("inputs", inputs), integer("outputs", outputs)
        blocks, block_size = integer("blocks", blocks), integer("block_size", block_size)
        init_scale = number("init_scale", init_scale)
        if output_unit not in ("logistic", "linear"):
            raise ValueError(f"output_unit must be 'logistic' or 'linear', got {output_unit!r}")
        if output_bias not in (False, True, "random"):
            raise ValueError(f"output_bias must be False, True or 'random', got {output_bias!r}")
        if reads not in ("all", "cells"):
            raise ValueError(f"reads must be 'all' or 'cells', got {reads!r}")
        if squashing not in ("1997", "linear"):
            raise ValueError(f"squashing must be '1997' or 'linear', got {squashing!r}")
        self.linear = squashing == "linear"                          # g(z) = z, h(s) = s
        rngs = list(rngs)
        if not rngs or not all(isinstance(r, np.random.Generator) for r in rngs):
            raise ValueError("rngs must be one np.random.Generator per trial")
        self.inputs, self.blocks, self.block_size, self.outputs = inputs, blocks, block_size, outputs
        self.forget_gate, self.output_unit, self.output_bias = forget_gate, output_unit, bool(output_bias)
        self.shortcut, self.peepholes = bool(shortcut), bool(peepholes)
        self.dtype = np.dtype(dtype)
        self.trials = len(rngs)
        self.cells = blocks * block_size
        gates = 3 if forget_gate else 2
        self.units = self.cells + gates * blocks
        self.width = inputs + self.units + 1
        c, b = self.cells, blocks
        self.rows = {"input": slice(c, c + b), "forget": slice(c + b, c + 2 * b) if forget_gate else None,
                     "output": slice(c + (gates - 1) * b, c + gates * b)}
        self.bias_row = c + inputs * self.shortcut                  # V's rows: cells, [inputs,] [bias]
        self.W = np.empty((self.trials, self.width, self.units))
        self.peep = np.zeros((self.trials, gates, c)) if self.peepholes else None
        self.V = np.zeros((self.trials, self.bias_row + self.output_bias, outputs))
        for k, rng in enumerate(rngs):        # (the 1997 draws first, so that their nets stay what they were)
            self.W[k] = rng.uniform(-init_scale, init_scale, (self.width, self.units))
            self.V[k, :c] = rng.uniform(-init_scale, init_scale, (c, outputs))
            if self.shortcut:
                self.V[k, c:self.bias_row] = rng.uniform(-init_scale, init_scale, (inputs, outputs))
            if output_bias == "random":
                self.V[k, self.bias_row] = rng.uniform(-init_scale, init_scale, outputs)
            if self.peepholes:
                self.peep[k] = rng.uniform(-init_scale, init_scale, (gates, c))
        self.trainable = np.ones((self.width, self.units))
        if reads == "cells":                  # no connections from the gates' activations
            self.W[:, inputs + c:inputs + self.units] = 0.0
            self.trainable[inputs + c:inputs + self.units] = 0.0
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
        self.gpeep = None
        if self.peepholes:
            self.peep = self.peep.astype(self.dtype)
            self.gpeep = np.zeros_like(self.peep)
        self.streams, self.learn = 0, True
        self.velocity = None                       # apply(..., momentum=m): the step per weight

    @property
    def n_weights(self) -> int:
        return int(self.trainable.sum() + self.V[0].size + (self.peep[0].size if self.peepholes else 0))

    @property
    def params(self) -> dict:
        return {"W": self.W, "V": self.V, **({"peep": self.peep} if self.peepholes else {})}

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
        if self.peepholes:         # ds_c/dP for the input [and forget] gate peepholes: (P, K, kinds - 1, size, c)
            self.peep_trace = np.zeros((P, K, kinds - 1, self.block_size, c) if learn else (P, K, 0, 0, 0),
                                       self.dtype)

    def frozen(self, trials) -> "PaperLSTM":
        """A copy of these trials ((n,) indices) that only runs: for tests on many sequences at once."""
        copy = object.__new__(PaperLSTM)
        copy.__dict__.update(self.__dict__)
        copy.W, copy.V = self.W[trials], self.V[trials]
        copy.peep = self.peep[trials] if self.peepholes else None
        copy.gW = copy.gV = copy.gpeep = copy.u = copy.s = copy.trace = None     # its own state comes with start()
        copy.velocity = None
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
        if self.peepholes:
            self.peep_trace[which] = 0.0

    # -- one step ---------------------------------------------------------------------------
    def step(self, x, target=None, weight=None, hidden=None, streams: int | None = None,
             peeked=None) -> np.ndarray:
        """Read x (P, K, inputs), or symbol codes (P, K) of integers for one-hot inputs (-1: none;
        only the symbol's own weights are read and traced, so a large alphabet costs nothing
        per step); return the outputs (P, K, outputs). With ``target`` (P, K, outputs),
        add this step's truncated-gradient change for E = 1/2 sum weight (target - y)^2 to gW, gV
        (weight (P, K): which sequences have a target now; default all). ``hidden`` (P, K, U): the
        previous hidden activations to read instead of the net's own (the stop-gradient twin);
        ``peeked`` (P, K, 2, cells): likewise the states the peepholes read, s(t - 1) and s(t).
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
            half_net = 0.5 * np.matmul(u, self.W)                       # net / 2 of every unit
        else:                                                           # u's input part stays 0
            if codes.shape != (P, K) or not ((codes >= -1) & (codes < self.inputs)).all():
                raise ValueError(f"codes must be (P, K) = {(P, K)} integers in -1..{self.inputs - 1}")
            on = codes >= 0
            rows = np.maximum(codes, 0)
            read = self.W[np.arange(P)[:, None], rows] * on[..., None]          # W[code] (P, K, U)
            half_net = 0.5 * (np.matmul(u[..., self.inputs:], self.W[:, self.inputs:]) + read)
        blocked = (P, K, b, size)
        peek = lambda kind, states: 0.5 * (self.peep[:, None, kind] * states).reshape(blocked).sum(-1)  # noqa: E731
        if self.peepholes:                 # the input [and forget] gates read s(t - 1) through their peepholes
            peek_before = s.copy() if peeked is None else peeked[:, :, 0]      # (s is a view of self.s)
            half_net[..., c:c + b] += peek(0, peek_before)
            if self.forget_gate:
                half_net[..., c + b:c + 2 * b] += peek(1, peek_before)
        half_tanh = np.tanh(half_net)                                   # tanh(net / 2) of every unit
        gate = 0.5 * half_tanh[..., c:] + 0.5                          # f(net) of the gates
        y_in = gate[..., :b, None]
        y_out = gate[..., -b:, None]
        g = 2.0 * (half_net if self.linear else half_tanh)[..., :c]    # net, or 4 f - 2 = 2 tanh(net / 2)
        s_prev = s.copy() if self.forget_gate else None
        if self.forget_gate:
            y_phi = gate[..., b:2 * b, None]
            s = (y_phi * s.reshape(blocked) + y_in * g.reshape(blocked)).reshape(P, K, c)
        else:
            s = s + (y_in * g.reshape(blocked)).reshape(P, K, c)
        self.s[:, :K] = s
        if self.peepholes:                 # the output gates read s(t)
            peek_now = s if peeked is None else peeked[:, :, 1]
            half_tanh[..., -b:] = np.tanh(half_net[..., -b:] + peek(-1, peek_now))
            gate[..., -b:] = 0.5 * half_tanh[..., -b:] + 0.5
        squashed = s if self.linear else np.tanh(0.5 * s)              # h(s) = s, or 2 f(s) - 1
        y_c = (y_out * squashed.reshape(blocked)).reshape(P, K, c)
        net_k = np.matmul(y_c, self.V[:, :c])
        if self.shortcut:
            net_k += (np.matmul(x, self.V[:, c:self.bias_row]) if codes is None else
                      self.V[np.arange(P)[:, None], c + rows] * on[..., None])
        if self.output_bias:
            net_k = net_k + self.V[:, None, self.bias_row]
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
        coef[:, :, 0] = ((1.0 if self.linear else 1.0 - half_tanh[..., :c] ** 2)      # g'(net_c) y_in
                         * blocks_of(gate[..., :b]))
        coef[:, :, 1] = g * blocks_of(slope[..., c:c + b])                              # g f'(net_in)
        if self.forget_gate:
            coef[:, :, 2] = s_prev * blocks_of(slope[..., c + b:c + 2 * b])             # s(t-1) f'(net_phi)
            trace *= blocks_of(gate[..., b:2 * b])[:, :, None, None, :]
        if self.peepholes:                 # a peephole's trace reads s_v(t - 1) of the block's cell v
            peep_trace = self.peep_trace[:, :K]
            if self.forget_gate:
                peep_trace *= blocks_of(gate[..., b:2 * b])[:, :, None, None, :]
            read_before = np.repeat(peek_before.reshape(blocked).transpose(0, 1, 3, 2), size, axis=-1)  # (P, K, v, c)
            peep_trace += read_before[:, :, None] * coef[:, :, 1:, None, :]
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
            if self.shortcut and codes is None:
                self.gV[:, c:self.bias_row] += _over_streams(x[..., None] * e_k[:, :, None, :])
            elif self.shortcut:
                np.add.at(self.gV, (np.nonzero(on)[0], c + codes[on]), e_k[on])
            if self.output_bias:
                self.gV[:, self.bias_row] += _over_streams(e_k)
            back = np.matmul(self.V[:, :c], e_k.transpose(0, 2, 1)).transpose(0, 2, 1)   # error at each cell output
            h_slope = 1.0 if self.linear else 0.5 - 0.5 * squashed * squashed        # h'(s)
            e_s = (y_out * (h_slope * back).reshape(blocked)).reshape(P, K, c)
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
            if self.peepholes:             # (P, kinds - 1, v, c) summed over each block's cells c
                change = _over_streams(peep_trace * e_s[:, :, None, None, :]).reshape(P, -1, size, b, size)
                self.gpeep[:, :-1] += change.sum(-1).transpose(0, 1, 3, 2).reshape(P, -1, c)
                self.gpeep[:, -1] += _over_streams(blocks_of(e_out) * peek_now)

        u[..., self.inputs:self.inputs + c] = y_c                      # what the next step reads
        u[..., self.inputs + c:-1] = gate
        return y

    # -- a whole sequence, weights held ---------------------------------------------------------
    def sequence(self, inputs, targets=None, weights=None) -> np.ndarray:
        """Run K sequences per trial from a fresh start (activations and states 0) and return the
        outputs (P, K, T, O). inputs: (P, K, T, D) floats or (P, K, T) symbol codes (-1: none).
        With ``targets`` (P, K, T, O) and ``weights`` (P, K, T) (0: no target at that step), add the
        sequences' truncated-gradient change to gW, gV: the same change as ``step`` adds over the
        steps (the weights do not change within the sequence), computed backward after the forward
        pass instead of carried forward in traces. Error reaching a cell state at step t reaches
        the earlier steps tau through the carousel alone, scaled by the forget gates between them:

            delta(tau) = e_s(tau) + y_phi(tau + 1) delta(tau + 1)      (y_phi = 1 without forget gates)
            -dE/dW[v, c] = sum_tau u_v(tau) g'(net_c) y_in delta_c(tau)      (and so on, as in step)

        so the whole change is one product of the steps' inputs with the units' errors. Per step the
        forward pass makes about a third of step()'s numpy calls. What the pass computed stays in
        ``self.cache`` ("s": cell states (T, P, K, cells), "gates", "y_c") until the next call."""
        if self.linear:
            raise ValueError("squashing='linear' runs through step() only (sequence() is written for the 1997 g, h)")
        inputs = np.asarray(inputs)
        P, c, b, size, U = self.trials, self.cells, self.blocks, self.block_size, self.units
        codes = inputs if inputs.dtype.kind in "iu" else None
        if inputs.shape[0] != P or inputs.ndim != (3 if codes is not None else 4):
            raise ValueError(f"inputs must be (P, K, T, D) floats or (P, K, T) codes with P = {P}, got {inputs.shape}")
        K, T = inputs.shape[1:3]
        learning = targets is not None
        if learning and not self.learn:
            raise ValueError("this net was started with learn=False: it has no traces to learn from")
        if P == 1:
            return self._as_two_rows(inputs, targets, weights)
        W_hidden = self.W[:, self.inputs:]                                # (P, U + 1, U): hidden activations and bias
        if codes is None:                                                 # the inputs' part of every net input, all steps
            x = np.ascontiguousarray(inputs.transpose(2, 0, 1, 3))        # (T, P, K, D)
            read = np.matmul(x.transpose(1, 0, 2, 3).reshape(P, T * K, -1),
                             self.W[:, :self.inputs]).reshape(P, T, K, U).transpose(1, 0, 2, 3)
        else:
            if not ((codes >= -1) & (codes < self.inputs)).all():
                raise ValueError(f"codes must be integers in -1..{self.inputs - 1}")
            code_t = np.ascontiguousarray(codes.transpose(2, 0, 1))       # (T, P, K)
            on = code_t >= 0
            trial = np.broadcast_to(np.arange(P)[None, :, None], code_t.shape)
            read = self.W[np.arange(P)[None, :, None], np.maximum(code_t, 0)] * (code_t >= 0)[..., None]
        # The loop runs on half-scaled quantities, which is exact in binary arithmetic: net / 2 from
        # W / 2 and read / 2, and sigma = s / 2, so that tanh(net / 2) and h(s) = tanh(s / 2) need
        # no scaling and y_in g(net_c) = 2 y_in tanh(net_c / 2) adds y_in tanh(net_c / 2) to sigma.
        # Its arrays are unit-major, (units, P, K) per step, so that the cells, each kind of gate
        # and each block are contiguous (numpy's per-call cost on strided pieces is about twice
        # that on contiguous ones, and at these sizes the per-call cost is most of a step); every
        # result lands in a preallocated array: about nine numpy calls a step.
        W_half_t = np.ascontiguousarray(0.5 * W_hidden.transpose(0, 2, 1))          # (P, U, U + 1)
        read_half = np.ascontiguousarray((0.5 * read).transpose(0, 3, 1, 2))        # (T, U, P, K)
        hidden_u = np.zeros((T + 1, U + 1, P, K), self.dtype)             # what step t reads: activations at t - 1, 1
        hidden_u[:, -1] = 1.0
        tanh_u = np.empty((T, U, P, K), self.dtype)                       # tanh(net / 2) of every unit
        sigma = np.zeros((T + 1, b, size, P, K), self.dtype)              # sigma[t + 1] = s(t) / 2; s(-1) = 0
        squashed_u = np.empty((T, b, size, P, K), self.dtype)             # h(s(t)) = tanh(sigma)
        cell_in = tanh_u[:, :c].reshape(T, b, size, P, K)
        gate_of = hidden_u[1:, c:U]                                       # the gates, written where step t + 1 reads them
        y_in, y_out = hidden_u[1:, c:c + b, None], hidden_u[1:, U - b:U, None]
        y_phi = hidden_u[1:, c + b:c + 2 * b, None]
        y_c = hidden_u[1:, :c].reshape(T, b, size, P, K)
        net_out = tanh_u.transpose(0, 2, 1, 3)                            # (T, P, U, K) views for the products
        reads = hidden_u.transpose(0, 2, 1, 3)                            # (T + 1, P, U + 1, K)
        assert np.shares_memory(cell_in, tanh_u) and np.shares_memory(y_c, hidden_u)   # written in place
        stored = np.empty((b, size, P, K), self.dtype)
        kept = np.empty((b, size, P, K), self.dtype) if self.forget_gate else None
        # Peepholes: the input [and forget] gates add sum_v P[v] sigma_v(t - 1) to net / 2 before the
        # step's state, the output gates sum_v P[v] sigma_v(t) after it.
        peep_u = None if not self.peepholes else self.peep.transpose(1, 2, 0).reshape(-1, b, size, P)[..., None]
        early = U if peep_u is None else U - b                            # the units computed before the state
        for t in range(T):
            ht = tanh_u[t]
            np.matmul(W_half_t, reads[t], out=net_out[t])
            ht += read_half[t]
            if peep_u is not None:
                ht[c:c + b] += (peep_u[0] * sigma[t]).sum(1)
                if self.forget_gate:
                    ht[c + b:c + 2 * b] += (peep_u[1] * sigma[t]).sum(1)
            np.tanh(ht[:early], out=ht[:early])
            np.multiply(ht[c:early], 0.5, out=gate_of[t, :early - c])
            gate_of[t, :early - c] += 0.5
            np.multiply(y_in[t], cell_in[t], out=stored)
            if self.forget_gate:
                np.multiply(y_phi[t], sigma[t], out=kept)
                np.add(kept, stored, out=sigma[t + 1])
            else:
                np.add(sigma[t], stored, out=sigma[t + 1])
            if peep_u is not None:
                ht[early:] += (peep_u[-1] * sigma[t + 1]).sum(1)
                np.tanh(ht[early:], out=ht[early:])
                np.multiply(ht[early:], 0.5, out=gate_of[t, early - c:])
                gate_of[t, early - c:] += 0.5
            np.tanh(sigma[t + 1], out=squashed_u[t])
            np.multiply(y_out[t], squashed_u[t], out=y_c[t])
        batch_major = lambda a: a.reshape(a.shape[0], -1, P, K).transpose(0, 2, 3, 1)    # noqa: E731  (., P, K, units)
        half_tanh = batch_major(tanh_u)
        hidden = batch_major(hidden_u)
        states = batch_major(2.0 * sigma)                                 # states[t + 1] = s(t)
        squashed = batch_major(squashed_u)
        gates = hidden[1:, ..., c:U]                                      # (T, P, K, gates)
        y_c = hidden[1:, ..., :c]
        self.cache = {"s": states[1:], "gates": gates, "y_c": y_c}
        by_trial = lambda a: a.transpose(1, 0, 2, 3).reshape(P, T * K, a.shape[-1])      # noqa: E731
        net_k = np.matmul(by_trial(y_c), self.V[:, :c]).reshape(P, T, K, -1)
        if self.shortcut and codes is None:
            net_k += np.matmul(by_trial(x), self.V[:, c:self.bias_row]).reshape(P, T, K, -1)
        elif self.shortcut:
            net_k += (self.V[trial, c + np.maximum(code_t, 0)] * on[..., None]).transpose(1, 0, 2, 3)
        if self.output_bias:
            net_k += self.V[:, None, None, self.bias_row]
        y = _logistic(net_k) if self.output_unit == "logistic" else net_k
        if not learning:
            return y.transpose(0, 2, 1, 3)

        e_k = np.asarray(targets, self.dtype).transpose(0, 2, 1, 3) - y   # (P, T, K, O)
        if self.output_unit == "logistic":
            e_k = e_k * (y - y * y)
        if weights is not None:
            e_k = e_k * np.asarray(weights, self.dtype).transpose(0, 2, 1)[..., None]
        e_k = np.ascontiguousarray(e_k.transpose(1, 0, 2, 3))             # (T, P, K, O)
        self.gV[:, :c] += np.matmul(by_trial(y_c).transpose(0, 2, 1), by_trial(e_k))
        if self.shortcut and codes is None:
            self.gV[:, c:self.bias_row] += np.matmul(by_trial(x).transpose(0, 2, 1), by_trial(e_k))
        elif self.shortcut:
            np.add.at(self.gV, (trial[on], c + code_t[on]), e_k[on])
        if self.output_bias:
            self.gV[:, self.bias_row] += e_k.sum(axis=(0, 2))
        back = np.matmul(by_trial(e_k), self.V[:, :c].transpose(0, 2, 1)).reshape(P, T, K, c).transpose(1, 0, 2, 3)
        every = (T, P, K, b, size)
        y_out = gates[..., -b:, None]
        e_s = (y_out * ((0.5 - 0.5 * squashed * squashed) * back).reshape(every)).reshape(T, P, K, c)
        if self.forget_gate:                                              # back through the carousel, scaled
            delta = e_s
            phi = np.repeat(gates[..., b:2 * b], size, axis=-1)
            for t in range(T - 2, -1, -1):
                delta[t] += phi[t + 1] * delta[t + 1]
        else:
            delta = np.cumsum(e_s[::-1], axis=0)[::-1]
        slope = 0.25 - 0.25 * half_tanh[..., c:] * half_tanh[..., c:]     # f'(net) of the gates
        errors = np.empty((T, P, K, U), self.dtype)                       # what reaches each unit's net input
        errors[..., :c] = (1.0 - half_tanh[..., :c] ** 2) * np.repeat(gates[..., :b], size, axis=-1) * delta
        block_sum = lambda a: a.reshape(every).sum(-1)                    # noqa: E731
        errors[..., self.rows["input"]] = block_sum(2.0 * half_tanh[..., :c] * np.repeat(slope[..., :b], size, -1)
                                                    * delta)
        if self.forget_gate:
            errors[..., self.rows["forget"]] = block_sum(states[:-1] * np.repeat(slope[..., b:2 * b], size, -1) * delta)
        errors[..., self.rows["output"]] = slope[..., -b:] * block_sum(back * squashed)
        if self.peepholes:                 # a peephole's weight change: its gate's error times the state it read
            kinds = ["input"] + ["forget"] * self.forget_gate + ["output"]
            for k, kind in enumerate(kinds):
                peeked = states[1:] if kind == "output" else states[:-1]
                self.gpeep[:, k] += (np.repeat(errors[..., self.rows[kind]], size, -1) * peeked).sum(axis=(0, 2))
        self.gW[:, self.inputs:] += np.matmul(by_trial(hidden[:-1]).transpose(0, 2, 1), by_trial(errors))
        if codes is None:
            self.gW[:, :self.inputs] += np.matmul(by_trial(x).transpose(0, 2, 1), by_trial(errors))
        else:
            np.add.at(self.gW, (trial[on], code_t[on]), errors[on])
        return y.transpose(0, 2, 1, 3)

    def _as_two_rows(self, inputs, targets, weights) -> np.ndarray:
        """The sequences of a lone trial, run as two identical trials. numpy rounds some products of
        a lone trial (P = 1) differently from those of a bank (an ulp here and there with dense
        inputs; a long run amplifies it), so a trial alone would part from the same trial in a
        bank; as two rows it computes exactly what it computes in any bank."""
        two = lambda a: None if a is None else np.concatenate([a, a])          # noqa: E731
        pair = object.__new__(PaperLSTM)
        pair.__dict__.update(self.__dict__)
        pair.W, pair.V, pair.peep = two(self.W), two(self.V), two(self.peep)
        pair.gW, pair.gV = np.zeros_like(pair.W), np.zeros_like(pair.V)
        pair.gpeep = None if self.gpeep is None else np.zeros_like(pair.peep)
        pair.trials = 2
        y = pair.sequence(two(np.asarray(inputs)), two(targets), two(weights))
        if targets is not None:
            self.gW += pair.gW[:1]
            self.gV += pair.gV[:1]
            if self.peepholes:
                self.gpeep += pair.gpeep[:1]
        self.cache = {name: value[:, :1] for name, value in pair.cache.items()}
        return y[:1]

    def apply(self, lr, trials=None, momentum: float = 0.0) -> None:
        """Add lr times the accumulated change to the weights of ``trials`` ((P,) bool, default
        all) and clear theirs (the others keep accumulating). ``lr``: one rate, or one per trial
        (P,) (a rate reset or decayed per training stream). With ``momentum`` m > 0 the step is the
        velocity v = m v + lr change, kept per weight in ``self.velocity``; the velocity of a trial
        not in ``trials`` is held until it learns again."""
        trials = np.ones(self.trials, bool) if trials is None else np.asarray(trials, bool)
        lr = np.asarray(lr, dtype=self.W.dtype)
        if lr.ndim == 1:
            if lr.shape != (self.trials,):
                raise ValueError(f"lr must be one number or one per trial ({self.trials},), got {lr.shape}")
            lr = lr[trials, None, None]
        elif lr.ndim:
            raise ValueError(f"lr must be one number or one per trial ({self.trials},), got {lr.shape}")
        momentum = number("momentum", momentum)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.gW *= self.trainable
        names = ("W", "V", "peep") if self.peepholes else ("W", "V")
        if momentum and self.velocity is None:
            self.velocity = {name: np.zeros_like(getattr(self, name)) for name in names}
        for name in names:
            weights, change = getattr(self, name), getattr(self, "g" + name)
            if momentum:
                velocity = self.velocity[name]
                velocity[trials] = momentum * velocity[trials] + lr * change[trials]
                weights[trials] += velocity[trials]
            else:
                weights[trials] += lr * change[trials]
            change[trials] = 0.0
