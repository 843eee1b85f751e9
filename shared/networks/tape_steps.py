"""The training steps of the catalog's standard networks written on a movement Tape (issue 21).

Each function loads a network's parameters, optimiser state and one batch as Tape arguments and records
one training step as numpy would run it, one array operation at a time: forward pass, loss gradient,
backward pass (backpropagation through time for the recurrent nets), parameter update. The result prices
with ``tape.price()`` (ByteDMD's LRU-stack cost) and counts FLOPs in ``tape.instructions``. The programs
follow the shapes and the order of operations of shared.networks (dense layers, ``LSTM`` variant "V" with
forget gate, the OdyssNet core without gates or Hebbian paths); they are models of those steps at the
level of array operations, not traces of the code, and say what they leave out.

- ``mlp_step(tape, sizes, batch, optimizer, itemsize)``: a stack of dense layers (tanh-like hidden units,
  linear outputs), squared-error or softmax gradient ``y - t``.
- ``rnn_step(tape, n_in, hidden, n_out, steps, batch, ...)``: Elman net with a read-out at every step.
- ``lstm_step(tape, n_in, hidden, n_out, steps, batch, ...)``: LSTM (input, forget, output gates; cell
  input and output squashed), a read-out at every step.
- ``paper_lstm_step(tape, n_in, blocks, block_size, n_out, steps, targets, forget_gate)``: one sequence of
  the 1997/2000 LSTM (shared.networks.paper_lstm) learning on line by the truncated gradient carried
  forward in traces, the weights changed once after the sequence.
- ``nbb_cycle(tape, n_inputs, subsets, ticks)``: one cycle of the Neural Bucket Brigade's local rule.
- ``odyssnet_step(tape, neurons, n_in, n_out, steps, batch, ...)``: the OdyssNet core (pre = h W + B,
  memory feedback phi_m(h * mf), activation, StepNorm), inputs injected into the first neurons, outputs
  read from the last.

Optimisers: "sgd" (w - lr g: one instruction per weight) or "adam" (m, v and w: three). ``targets``: "all"
(a target, and the read-out, at every step) or "last" (at the last step only, as a classifier of sequences).
"""

from __future__ import annotations

import numpy as np

from shared.frame.movement import Tape

OPTIMIZERS = ("sgd", "adam")


def _itemsize_dtype(itemsize: int):
    return {2: np.float16, 4: np.float32, 8: np.float64}[itemsize]


def _parameters(tape: Tape, shapes: dict, optimizer: str, itemsize: int) -> tuple[dict, dict]:
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    dtype = _itemsize_dtype(itemsize)
    params = {name: tape.argument(shape, dtype) for name, shape in shapes.items()}
    state = {}
    if optimizer == "adam":
        state = {f"{moment}.{name}": tape.argument(shape, dtype) for moment in ("m", "v")
                 for name, shape in shapes.items()}
    return params, state


def _update(tape: Tape, params: dict, grads: dict, state: dict, optimizer: str) -> dict:
    """One optimiser step over every parameter (numpy order: parameter by parameter)."""
    new = {}
    for name, w in params.items():
        g = grads[name]
        if optimizer == "sgd":
            new[name] = tape.map(w, g)                            # w - lr g
        else:
            m = tape.map(state[f"m.{name}"], g)                   # b1 m + (1 - b1) g
            v = tape.map(state[f"v.{name}"], g)                   # b2 v + (1 - b2) g^2
            new[name] = tape.map(w, m, v)                         # w - lr m / (sqrt v + eps)
    return new


def _accumulate(tape: Tape, total, term):
    return term if total is None else tape.map(total, term)


def mlp_step(tape: Tape, sizes, batch: int = 1, optimizer: str = "sgd", itemsize: int = 8) -> Tape:
    """One step of a dense stack ``sizes`` = (inputs, hidden..., outputs) on a batch (B, inputs)."""
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1 or batch < 1:
        raise ValueError("mlp_step needs at least an input and an output size, all positive, and a batch")
    shapes = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        shapes[f"W{layer}"], shapes[f"b{layer}"] = (n_in, n_out), (n_out,)
    params, state = _parameters(tape, shapes, optimizer, itemsize)
    dtype = _itemsize_dtype(itemsize)
    target = tape.argument((batch, sizes[-1]), dtype)
    x = tape.argument((batch, sizes[0]), dtype)
    layers = len(sizes) - 1
    activations = [x]
    for layer in range(layers):
        z = tape.map(tape.matmul(activations[-1], params[f"W{layer}"]), params[f"b{layer}"])
        activations.append(tape.map(z) if layer < layers - 1 else z)     # hidden units squashed
    d_a = tape.map(activations[-1], target)                               # y - t
    grads = {}
    for layer in reversed(range(layers)):
        d_z = d_a if layer == layers - 1 else tape.map(d_a, activations[layer + 1])   # f'(z) from f(z)
        grads[f"W{layer}"] = tape.matmul(activations[layer].T, d_z)
        grads[f"b{layer}"] = tape.reduce(d_z, axis=0)
        if layer:
            d_a = tape.matmul(d_z, params[f"W{layer}"].T)
    _update(tape, params, grads, state, optimizer)
    return tape


def _sequence_arguments(tape, shapes, optimizer, itemsize, steps, batch, n_in, n_out, targets):
    """Parameters, optimiser state, targets and inputs; ``targets`` "all" (a target at every step) or "last"
    (one at the last step; the earlier steps' outputs are neither computed nor read)."""
    if min(steps, batch, n_in, n_out) < 1:
        raise ValueError("steps, batch, inputs and outputs must be positive")
    if targets not in ("all", "last"):
        raise ValueError(f"targets must be 'all' or 'last', got {targets!r}")
    params, state = _parameters(tape, shapes, optimizer, itemsize)
    dtype = _itemsize_dtype(itemsize)
    target_ids = tape.argument((steps if targets == "all" else 1, batch, n_out), dtype)
    inputs = tape.argument((steps, batch, n_in), dtype)
    at = {t: target_ids[t if targets == "all" else 0] for t in (range(steps) if targets == "all" else [steps - 1])}
    return params, state, inputs, at


def rnn_step(tape: Tape, n_in: int, hidden: int, n_out: int, steps: int, batch: int = 1,
             optimizer: str = "sgd", itemsize: int = 8, targets: str = "all") -> Tape:
    """One BPTT step of an Elman net h_t = tanh(x_t W + h_{t-1} U + b), y_t = h_t V + c."""
    shapes = {"W": (n_in, hidden), "U": (hidden, hidden), "b": (hidden,), "V": (hidden, n_out), "c": (n_out,)}
    p, state, xs, ts = _sequence_arguments(tape, shapes, optimizer, itemsize, steps, batch, n_in, n_out, targets)
    hs, ys = [None], []
    for t in range(steps):
        z = tape.matmul(xs[t], p["W"])
        if hs[-1] is not None:
            z = tape.map(z, tape.matmul(hs[-1], p["U"]))
        hs.append(tape.map(tape.map(z, p["b"])))
        ys.append(tape.map(tape.matmul(hs[-1], p["V"]), p["c"]) if t in ts else None)
    grads = dict.fromkeys(shapes)
    d_h_next = None
    for t in reversed(range(steps)):
        d_h = None
        if t in ts:
            d_y = tape.map(ys[t], ts[t])
            grads["V"] = _accumulate(tape, grads["V"], tape.matmul(hs[t + 1].T, d_y))
            grads["c"] = _accumulate(tape, grads["c"], tape.reduce(d_y, axis=0))
            d_h = tape.matmul(d_y, p["V"].T)
        if d_h_next is not None:
            d_h = d_h_next if d_h is None else tape.map(d_h, d_h_next)
        d_z = tape.map(d_h, hs[t + 1])                                    # (1 - h^2) d_h
        grads["W"] = _accumulate(tape, grads["W"], tape.matmul(xs[t].T, d_z))
        grads["b"] = _accumulate(tape, grads["b"], tape.reduce(d_z, axis=0))
        if hs[t] is not None:
            grads["U"] = _accumulate(tape, grads["U"], tape.matmul(hs[t].T, d_z))
            d_h_next = tape.matmul(d_z, p["U"].T)
    if grads["U"] is None:                                                # one step: U gets a zero gradient
        grads["U"] = tape.zeros(shapes["U"], _itemsize_dtype(itemsize))
    _update(tape, p, grads, state, optimizer)
    return tape


def lstm_step(tape: Tape, n_in: int, hidden: int, n_out: int, steps: int, batch: int = 1,
              optimizer: str = "sgd", itemsize: int = 8, targets: str = "all") -> Tape:
    """One BPTT step of an LSTM (gates i, f, o by sigmoid, cell input g by tanh, c_t = f c + i g,
    h_t = o tanh(c_t)), read-out y_t = h_t V + d at every step; z_t = x_t W + h_{t-1} U + b holds the
    four blocks [i f o g]."""
    h4 = 4 * hidden
    shapes = {"W": (n_in, h4), "U": (hidden, h4), "b": (h4,), "V": (hidden, n_out), "d": (n_out,)}
    p, state, xs, ts = _sequence_arguments(tape, shapes, optimizer, itemsize, steps, batch, n_in, n_out, targets)
    cache = []
    h = c = None
    for t in range(steps):
        z = tape.matmul(xs[t], p["W"])
        if h is not None:
            z = tape.map(z, tape.matmul(h, p["U"]))
        z = tape.map(z, p["b"])
        gates = tape.map(z[:, :3 * hidden])                               # sigmoid
        g = tape.map(z[:, 3 * hidden:])                                   # tanh
        i, f, o = gates[:, :hidden], gates[:, hidden:2 * hidden], gates[:, 2 * hidden:]
        c_new = tape.map(i, g) if c is None else tape.map(tape.map(f, c), tape.map(i, g))
        squashed = tape.map(c_new)
        h_new = tape.map(o, squashed)
        y = tape.map(tape.matmul(h_new, p["V"]), p["d"]) if t in ts else None
        cache.append((h, c, i, f, o, g, squashed, h_new, y))
        h, c = h_new, c_new
    grads = dict.fromkeys(shapes)
    d_h_next = d_c_next = None
    for t in reversed(range(steps)):
        h_prev, c_prev, i, f, o, g, squashed, h_t, y = cache[t]
        d_h = None
        if t in ts:
            d_y = tape.map(y, ts[t])
            grads["V"] = _accumulate(tape, grads["V"], tape.matmul(h_t.T, d_y))
            grads["d"] = _accumulate(tape, grads["d"], tape.reduce(d_y, axis=0))
            d_h = tape.matmul(d_y, p["V"].T)
        if d_h_next is not None:
            d_h = d_h_next if d_h is None else tape.map(d_h, d_h_next)
        d_o = tape.map(d_h, squashed, o)                                  # d_h tanh(c) o (1 - o)
        d_c = tape.map(d_h, o, squashed)                                  # d_h o (1 - tanh^2 c)
        if d_c_next is not None:
            d_c = tape.map(d_c, d_c_next)
        d_i = tape.map(d_c, g, i)
        d_g = tape.map(d_c, i, g)
        parts = [d_i]
        if c_prev is not None:
            parts.append(tape.map(d_c, c_prev, f))                        # d_f
            d_c_next = tape.map(d_c, f)
        else:
            parts.append(tape.map(d_c, f))                                # zero: c_0 = 0
        d_z = np.concatenate(parts + [d_o, d_g], axis=1)                  # (B, 4H), the order of z
        grads["W"] = _accumulate(tape, grads["W"], tape.matmul(xs[t].T, d_z))
        grads["b"] = _accumulate(tape, grads["b"], tape.reduce(d_z, axis=0))
        if h_prev is not None:
            grads["U"] = _accumulate(tape, grads["U"], tape.matmul(h_prev.T, d_z))
            d_h_next = tape.matmul(d_z, p["U"].T)
    if grads["U"] is None:
        grads["U"] = tape.zeros(shapes["U"], _itemsize_dtype(itemsize))
    _update(tape, p, grads, state, optimizer)
    return tape


def odyssnet_step(tape: Tape, neurons: int, n_in: int, n_out: int, steps: int, batch: int = 1,
                  optimizer: str = "adam", itemsize: int = 4, targets: str = "all") -> Tape:
    """One BPTT step of the OdyssNet core (shared.networks.odyssnet, no gates, no Hebbian paths, no
    dropout): per thinking step pre = h W + B, z = phi_m(h mf) + pre (+ the input injected into the first
    n_in neurons at every step), a = phi(z), h' = a / rms(a) * gamma; the loss reads the last n_out
    neurons at every step."""
    if n_in > neurons or n_out > neurons:
        raise ValueError("the inputs and outputs are neurons of the core: n_in, n_out <= neurons")
    n = neurons
    shapes = {"W": (n, n), "B": (n,), "mf": (n,), "gamma": (n,)}
    p, state, xs, ts = _sequence_arguments(tape, shapes, optimizer, itemsize, steps, batch, n_in, n_out, targets)
    cache = []
    h = None
    for t in range(steps):
        if h is None:                                                     # h_0 = 0: only the bias
            pre = tape.map(np.broadcast_to(p["B"], (batch, n)))
            z = pre
        else:
            pre = tape.map(tape.matmul(h, p["W"]), p["B"])
            mem = tape.map(tape.map(h, p["mf"]))
            z = tape.map(mem, pre)
        z = np.concatenate([tape.map(z[:, :n_in], xs[t]), z[:, n_in:]], axis=1)
        act = tape.map(z)
        sums = tape.reduce(tape.map(act, act), axis=1)
        inv_rms = tape.map(tape.map(tape.map(sums)))                      # / n + eps, sqrt, 1 /
        norm = tape.map(act, inv_rms[:, None])
        h_new = tape.map(norm, p["gamma"])
        cache.append((h, z, act, inv_rms, norm, h_new))
        h = h_new
    grads = dict.fromkeys(shapes)
    d_h_next = None
    for t in reversed(range(steps)):
        h_prev, z, act, inv_rms, norm, h_t = cache[t]
        if t in ts:
            d_out = tape.map(h_t[:, n - n_out:], ts[t])
            d_h = np.concatenate([d_h_next[:, :n - n_out], tape.map(d_h_next[:, n - n_out:], d_out)], axis=1) \
                if d_h_next is not None else np.concatenate([tape.zeros((batch, n - n_out), _itemsize_dtype(itemsize)),
                                                             d_out], axis=1)
        else:
            d_h = d_h_next
        grads["gamma"] = _accumulate(tape, grads["gamma"], tape.reduce(tape.map(d_h, norm), axis=0))
        d_norm = tape.map(d_h, p["gamma"])
        # StepNorm backward: d_act = inv_rms (d_norm - norm mean(d_norm norm))
        dot = tape.reduce(tape.map(d_norm, norm), axis=1)
        d_act = tape.map(d_norm, norm, dot[:, None], inv_rms[:, None])
        d_z = tape.map(d_act, act)                                        # phi'(z) from phi(z)
        grads["B"] = _accumulate(tape, grads["B"], tape.reduce(d_z, axis=0))
        if h_prev is not None:
            grads["W"] = _accumulate(tape, grads["W"], tape.matmul(h_prev.T, d_z))
            d_q = tape.map(d_z, h_prev, p["mf"])                          # through phi_m(h mf)
            grads["mf"] = _accumulate(tape, grads["mf"], tape.reduce(tape.map(d_q, h_prev), axis=0))
            d_h_next = tape.map(tape.matmul(d_z, p["W"].T), d_q, p["mf"])
    for name in ("W", "mf"):
        if grads[name] is None:
            grads[name] = tape.zeros(shapes[name], _itemsize_dtype(itemsize))
    _update(tape, p, grads, state, optimizer)
    return tape


def paper_lstm_step(tape: Tape, n_in: int, blocks: int, block_size: int, n_out: int, steps: int,
                    targets: str = "last", forget_gate: bool = False, itemsize: int = 8) -> Tape:
    """One sequence of the 1997/2000 LSTM (shared.networks.paper_lstm) trained on line with the papers'
    truncated gradient, carried forward in traces (``PaperLSTM.step``): per time step the net inputs
    u W of every cell and gate (u = inputs, the previous activations of all cells and gates, the bias
    unit), the gates, the states and outputs, the logistic output units, then the traces
    ds_c/dW (inputs x trace kinds x cells: the cells, input gates [and forget gates]) updated; at a step
    with a target (``targets``: "last" or "all") the error reaches the output units, the cell states
    and the output gates and the changes gW, gV accumulate; after the sequence the weights change once.
    No peepholes, no shortcut connections."""
    if targets not in ("last", "all"):
        raise ValueError(f"targets must be 'last' or 'all', got {targets!r}")
    c, b = blocks * block_size, blocks
    kinds = 3 if forget_gate else 2
    units = c + b * (kinds - 1) + b                                        # cells, in[, phi], out gates
    z = n_in + units + 1
    dtype = _itemsize_dtype(itemsize)
    if min(steps, n_in, n_out, blocks, block_size) < 1:
        raise ValueError("steps, inputs, outputs, blocks and block_size must be positive")
    W, V = tape.argument((z, units), dtype), tape.argument((c + 1, n_out), dtype)
    gW, gV = tape.argument((z, units), dtype), tape.argument((c + 1, n_out), dtype)
    trace = tape.argument((z, kinds, c), dtype)                           # zero at the sequence's start
    s = tape.argument(c, dtype)
    one = tape.argument(1, dtype)
    target = tape.argument(n_out, dtype)
    xs = tape.argument((steps, n_in), dtype)
    by_cell = lambda a: np.repeat(a, block_size)                          # noqa: E731  (b,) -> (c,) views
    hidden = tape.zeros(units, dtype)
    for t in range(steps):
        u = np.concatenate([xs[t], hidden, one])                          # (z,)
        net = tape.matmul(u, W)
        squashed_net = tape.map(net)                                      # f(net) of every unit
        g = tape.map(squashed_net[:c])                                    # 4 f - 2
        gates = squashed_net[c:]
        y_in, y_out = by_cell(gates[:b]), by_cell(gates[-b:])
        s_prev = s
        stored = tape.map(y_in, g)
        if forget_gate:
            y_phi = by_cell(gates[b:2 * b])
            s = tape.map(tape.map(y_phi, s), stored)
        else:
            s = tape.map(s, stored)
        h = tape.map(s)                                                   # 2 f(s) - 1
        y_c = tape.map(y_out, h)
        y = tape.map(tape.map(tape.matmul(y_c, V[:c]), V[c]))             # logistic output units
        slope = tape.map(squashed_net)                                    # f'(net) from f(net)
        coef = [tape.map(squashed_net[:c], y_in), tape.map(g, by_cell(slope[c:c + b]))]
        if forget_gate:
            coef.append(tape.map(s_prev, by_cell(slope[c + b:c + 2 * b])))
            trace = tape.map(trace, y_phi[None, None, :])
        coef = np.stack(coef)                                             # (kinds, c)
        trace = tape.map(trace, tape.map(u[:, None, None], coef[None]))
        if targets == "all" or t == steps - 1:
            e = tape.map(tape.map(target, y), y)                          # (t - y) f'(net_k)
            gV = np.concatenate([tape.map(gV[:c], tape.map(y_c[:, None], e[None, :])),
                                 tape.map(gV[c:], e[None, :])])
            back = tape.matmul(V[:c], e)                                  # error at each cell output
            e_s = tape.map(y_out, tape.map(h), back)                      # y_out h'(s) back
            change = tape.map(trace, e_s[None, None, :])                  # (z, kinds, c)
            per_block = change.reshape(z, kinds, b, block_size)
            gate_change = tape.reduce(per_block[:, 1:], axis=-1) if block_size > 1 else per_block[:, 1:, :, 0]
            e_out = tape.map(slope[-b:], tape.reduce(tape.map(back, h).reshape(b, block_size), axis=-1))
            out_change = tape.map(u[:, None], e_out[None, :])
            gW = tape.map(gW, np.concatenate([change[:, 0], gate_change.reshape(z, -1), out_change], axis=1))
        hidden = np.concatenate([y_c, gates])
    tape.map(W, gW)                                                       # W + lr gW, once per sequence
    tape.map(V, gV)
    return tape


def nbb_cycle(tape: Tape, n_inputs: int, subsets, ticks: int, itemsize: int = 4) -> Tape:
    """One cycle of the Neural Bucket Brigade (shared.networks.nbb) learning: ``ticks`` synchronous ticks of
    one network of n_inputs clamped inputs and the competitive ``subsets`` (sizes, in unit order), every
    tick the contributions c_ij = x_i w_ij, the net inputs (sums over i in index order), the winner of each
    subset (its maximum, then each unit against it), and the rule's weight change: payments lambda c_ij of
    the units that fire, each unit's outflow, the shares of what made it fire a tick earlier, the payoff
    into the correct output's connections, W + Delta W. The activity starts at the clamped inputs."""
    subsets = [int(s) for s in subsets]
    if min([n_inputs, ticks] + subsets) < 1:
        raise ValueError("n_inputs, ticks and every subset size must be positive")
    n = n_inputs + sum(subsets)
    dtype = _itemsize_dtype(itemsize)
    W = tape.argument((n, n), dtype)
    clamp = tape.argument(n_inputs, dtype)
    activity = np.concatenate([clamp, tape.zeros(n - n_inputs, dtype)])
    fired_by = tape.zeros((n, n), dtype)
    target = n - 1                                                     # the correct output (any unit of the last subset)
    for _ in range(ticks):
        contributions = tape.map(activity[:, None], W)
        net = tape.reduce(contributions, axis=0)
        start, winners = n_inputs, []
        for size in subsets:
            part = net[start:start + size]
            best = tape.reduce(part) if size > 1 else part[0]
            winners.append(tape.map(part, np.broadcast_to(best, part.shape)))   # fires: the maximum and > 0
            start += size
        activity = np.concatenate([clamp] + winners)
        payment = tape.map(contributions, activity[None, :])
        outflow = tape.reduce(payment, axis=1)                          # what each unit's outgoing links paid
        received = tape.reduce(fired_by, axis=0)
        share = tape.map(fired_by, received[None, :])
        delta = tape.map(tape.map(share, outflow[None, :]), payment)
        payoff = tape.map(delta[:, target], contributions[:, target])
        delta = np.concatenate([delta[:, :target], payoff[:, None]], axis=1)
        W = tape.map(W, delta)
        fired_by = tape.map(contributions, activity[None, :])
    return tape
