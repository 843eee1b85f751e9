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
  input and output squashed), a read-out at every step; its keywords give shared.networks.recurrent's
  other cells (``CELL_VARIANTS``: memory blocks, peepholes, the 1997 cell, Greff et al.'s variants).
- ``paper_lstm_step(tape, n_in, blocks, block_size, n_out, steps, targets, forget_gate)``: one sequence of
  the 1997/2000 LSTM (shared.networks.paper_lstm) learning on line by the truncated gradient carried
  forward in traces, the weights changed once after the sequence; its keywords add a batch of sequences,
  peepholes, shortcut connections, symbol-coded inputs, a change after every step and momentum.
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


CELL_VARIANTS = {
    # shared.networks.recurrent.VARIANTS as keyword arguments of lstm_step (Greff et al. 2017; 1997; 2000)
    "V": {"peepholes": True},
    "NIG": {"peepholes": True, "input_gate": "none"},
    "NFG": {"peepholes": True, "forget_gate": False},
    "NOG": {"peepholes": True, "output_gate": False},
    "NIAF": {"peepholes": True, "cell_input": False},
    "NOAF": {"peepholes": True, "cell_output": False},
    "NP": {},
    "CIFG": {"peepholes": True, "input_gate": "coupled"},
    "FGR": {"peepholes": True, "full_gate_recurrence": True},
    "LSTM1997": {"forget_gate": False},
    "FORGET2000": {},
}


def lstm_step(tape: Tape, n_in: int, hidden: int, n_out: int, steps: int, batch: int = 1,
              optimizer: str = "sgd", itemsize: int = 8, targets: str = "all", *, block_size: int = 1,
              input_gate: str = "sigmoid", forget_gate: bool = True, output_gate: bool = True,
              peepholes: bool = False, cell_input: bool = True, cell_output: bool = True,
              full_gate_recurrence: bool = False) -> Tape:
    """One BPTT step of an LSTM (gates i, f, o by sigmoid, cell input g by tanh, c_t = f c + i g,
    h_t = o tanh(c_t)), read-out y_t = h_t V + d at every step; z_t = x_t W + h_{t-1} U + b holds the
    four blocks [i f o g].

    The keywords make it the cell of shared.networks.recurrent.LSTM for any CellSpec (``CELL_VARIANTS``
    names them): ``block_size`` cells share one set of gates (z holds [i f o] with hidden / block_size
    columns each, then g with hidden; a gate's error is summed over its block's cells), ``input_gate``
    "sigmoid", "none" (i = 1) or "coupled" (i = 1 - f, CIFG), ``forget_gate`` and ``output_gate`` (absent:
    1), ``peepholes`` (a weight per cell from c_{t-1} to its block's input and forget gates and from c_t to
    its output gate: the gate's pre-activation adds its block's sum of p c, and the error flows back through
    them into the cell state), ``cell_input`` / ``cell_output`` (False: g or h the identity, NIAF / NOAF),
    ``full_gate_recurrence`` (FGR: the gates also read every gate's previous activation through R, and the
    error flows back through R). The defaults are the program above (block_size 1, no peepholes), unchanged."""
    if input_gate not in ("sigmoid", "none", "coupled"):
        raise ValueError(f"input_gate must be 'sigmoid', 'none' or 'coupled', got {input_gate!r}")
    if input_gate == "coupled" and not forget_gate:
        raise ValueError("a coupled input gate (CIFG) needs the forget gate")
    if block_size < 1 or hidden % block_size:
        raise ValueError("hidden must be a positive multiple of block_size")
    nb = hidden // block_size
    kinds = [k for k, present in (("i", input_gate == "sigmoid"), ("f", forget_gate), ("o", output_gate)) if present]
    gw = nb * len(kinds)
    col = {k: slice(j * nb, (j + 1) * nb) for j, k in enumerate(kinds)}
    shapes = {"W": (n_in, gw + hidden), "U": (hidden, gw + hidden), "b": (gw + hidden,)}
    if peepholes:
        shapes.update({f"p_{k}": (hidden,) for k in kinds})
    if full_gate_recurrence and gw:
        shapes["R"] = (gw, gw)
    shapes.update({"V": (hidden, n_out), "d": (n_out,)})
    p, state, xs, ts = _sequence_arguments(tape, shapes, optimizer, itemsize, steps, batch, n_in, n_out, targets)
    cells = (lambda a: a) if block_size == 1 else (lambda a: np.repeat(a, block_size, axis=-1))   # noqa: E731
    per_block = ((lambda a: a) if block_size == 1 else                                         # noqa: E731
                 (lambda a: tape.reduce(a.reshape(a.shape[0], nb, block_size), axis=-1)))
    peep_sum = lambda k, c: per_block(tape.map(p[f"p_{k}"], c))                                 # noqa: E731
    product = lambda *a: tape.map(*a) if len(a) > 1 else a[0]                                  # noqa: E731
    cache = []
    h = c = q = None
    for t in range(steps):
        z = tape.matmul(xs[t], p["W"])
        if h is not None:
            z = tape.map(z, tape.matmul(h, p["U"]))
        if q is not None and "R" in p:
            z = np.concatenate([tape.map(z[:, :gw], tape.matmul(q, p["R"])), z[:, gw:]], axis=1)
        z = tape.map(z, p["b"])
        gate = {}
        if gw and not peepholes:
            gates = tape.map(z[:, :gw])                                   # sigmoid
            gate = {k: gates[:, col[k]] for k in kinds}
        else:
            for k in kinds:
                if k != "o":
                    gate[k] = tape.map(z[:, col[k]] if c is None else tape.map(z[:, col[k]], peep_sum(k, c)))
        g = tape.map(z[:, gw:]) if cell_input else z[:, gw:]              # tanh
        f = cells(gate["f"]) if forget_gate else None
        i = cells(gate["i"]) if input_gate == "sigmoid" else (tape.map(f) if input_gate == "coupled" else None)
        if c is None:
            c_new = product(*[a for a in (i, g) if a is not None])
        else:
            kept = tape.map(f, c) if f is not None else c
            c_new = tape.map(kept, product(*[a for a in (i, g) if a is not None]))
        if output_gate and peepholes:
            gate["o"] = tape.map(tape.map(z[:, col["o"]], peep_sum("o", c_new)))
        o = cells(gate["o"]) if output_gate else None
        squashed = tape.map(c_new) if cell_output else c_new
        h_new = tape.map(o, squashed) if o is not None else squashed
        y = tape.map(tape.matmul(h_new, p["V"]), p["d"]) if t in ts else None
        q_t = np.concatenate([gate[k] for k in kinds], axis=1) if gw else None
        cache.append((h, c, c_new, q, q_t, i, f, o, g, squashed, h_new, y))
        h, c, q = h_new, c_new, q_t
    grads = dict.fromkeys(shapes)
    d_h_next = d_c_next = d_q_next = None
    for t in reversed(range(steps)):
        h_prev, c_prev, c_t, q_prev, q_t, i, f, o, g, squashed, h_t, y = cache[t]
        d_h = None
        if t in ts:
            d_y = tape.map(y, ts[t])
            grads["V"] = _accumulate(tape, grads["V"], tape.matmul(h_t.T, d_y))
            grads["d"] = _accumulate(tape, grads["d"], tape.reduce(d_y, axis=0))
            d_h = tape.matmul(d_y, p["V"].T)
        if d_h_next is not None:
            d_h = d_h_next if d_h is None else tape.map(d_h, d_h_next)
        d = {}
        if o is not None:
            d["o"] = per_block(tape.map(d_h, squashed, o))                # d_h tanh(c) o (1 - o)
        d_c = product(*[a for a in (d_h, o) if a is not None], *([squashed] if cell_output else []))
        if peepholes and o is not None:
            d_c = tape.map(d_c, cells(d["o"]), p["p_o"])
        if d_c_next is not None:
            d_c = tape.map(d_c, d_c_next)
        if input_gate == "sigmoid":
            d["i"] = per_block(tape.map(d_c, g, i))
        d_g = product(*[a for a in (d_c, i) if a is not None], *([g] if cell_input else []))
        coupled = [g] if input_gate == "coupled" else []                  # c = f c_prev + (1 - f) g
        d_c_next = None
        if forget_gate:
            if c_prev is not None:
                d["f"] = per_block(tape.map(d_c, c_prev, *coupled, f))
                d_c_next = tape.map(d_c, f)
            else:
                d["f"] = per_block(tape.map(d_c, *coupled, f))            # zero: c_0 = 0
        elif c_prev is not None:
            d_c_next = d_c                                                # c_t = c_{t-1} + i g
        if peepholes and c_prev is not None:
            for k in ("i", "f"):
                if k in d:
                    d_c_next = tape.map(d_c_next, cells(d[k]), p[f"p_{k}"])
        if d_q_next is not None:                                          # FGR: the next step's gates read these
            for k in kinds:
                d[k] = tape.map(d[k], d_q_next[:, col[k]], q_t[:, col[k]])
        d_z = np.concatenate([d[k] for k in kinds] + [d_g], axis=1)      # (B, gw + H), the order of z
        grads["W"] = _accumulate(tape, grads["W"], tape.matmul(xs[t].T, d_z))
        grads["b"] = _accumulate(tape, grads["b"], tape.reduce(d_z, axis=0))
        if peepholes:
            for k in kinds:
                seen = c_t if k == "o" else c_prev
                if seen is not None:
                    grads[f"p_{k}"] = _accumulate(tape, grads[f"p_{k}"],
                                                  tape.reduce(tape.map(cells(d[k]), seen), axis=0))
        if h_prev is not None:
            grads["U"] = _accumulate(tape, grads["U"], tape.matmul(h_prev.T, d_z))
            d_h_next = tape.matmul(d_z, p["U"].T)
        d_q_next = None
        if "R" in p and q_prev is not None:
            grads["R"] = _accumulate(tape, grads["R"], tape.matmul(q_prev.T, d_z[:, :gw]))
            d_q_next = tape.matmul(d_z[:, :gw], p["R"].T)
    for name, shape in shapes.items():
        if grads[name] is None:
            grads[name] = tape.zeros(shape, _itemsize_dtype(itemsize))
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
                    targets: str = "last", forget_gate: bool = False, itemsize: int = 8, *, batch: int = 1,
                    peepholes: bool = False, shortcut: bool = False, one_hot: bool = False,
                    output_bias: bool = True, output_unit: str = "logistic", update: str = "sequence",
                    momentum: bool = False, squashing: str = "1997") -> Tape:
    """One sequence of the 1997/2000 LSTM (shared.networks.paper_lstm) trained on line with the papers'
    truncated gradient, carried forward in traces (``PaperLSTM.step``): per time step the net inputs
    u W of every cell and gate (u = inputs, the previous activations of all cells and gates, the bias
    unit), the gates, the states and outputs, the logistic output units, then the traces
    ds_c/dW (inputs x trace kinds x cells: the cells, input gates [and forget gates]) updated; at a step
    with a target (``targets``: "last" or "all") the error reaches the output units, the cell states
    and the output gates and the changes gW, gV accumulate; after the sequence the weights change once.
    No peepholes, no shortcut connections.

    The keywords (defaults: the program above, unchanged) add what the 2000-2002 follow-ups and the
    stubs' protocols use: ``batch`` K sequences side by side (each its own traces; the changes summed
    over them, PaperLSTM's streams), ``peepholes`` (Gers et al. 2002: each cell's state feeds its block's
    gates, the input [and forget] gates s(t - 1), the output gate s(t); their weights traced and changed
    too), ``shortcut`` (the output units also read the inputs, 2000), ``one_hot`` (the inputs are symbol
    codes: a unit reads the symbol's row of W instead of a product with the input vector, and only that
    row's traces grow; the symbol of step t is t mod n_in), ``output_bias`` (V's last row), ``output_unit``
    "logistic" or "linear", ``update`` "sequence" (the weights change once, after the sequence) or "step"
    (after every step with a target: W, V [, peep] plus lr times the change, the change then zeroed; the
    hidden activations, states and traces come in from the step before, as in a continual stream) and
    ``momentum`` (the step is a velocity v = m v + lr change kept per weight: two instructions per weight
    instead of one), ``squashing`` "1997" or "linear" (h(s) = s: the state is the cell's output, and its
    slope 1 is not read; g is still computed from the net input, as PaperLSTM does)."""
    if targets not in ("last", "all"):
        raise ValueError(f"targets must be 'last' or 'all', got {targets!r}")
    if update not in ("sequence", "step"):
        raise ValueError(f"update must be 'sequence' or 'step', got {update!r}")
    if squashing not in ("1997", "linear"):
        raise ValueError(f"squashing must be '1997' or 'linear', got {squashing!r}")
    if output_unit not in ("logistic", "linear"):
        raise ValueError(f"output_unit must be 'logistic' or 'linear', got {output_unit!r}")
    c, b = blocks * block_size, blocks
    kinds = 3 if forget_gate else 2
    units = c + b * (kinds - 1) + b                                        # cells, in[, phi], out gates
    z = n_in + units + 1
    dtype = _itemsize_dtype(itemsize)
    if min(steps, n_in, n_out, blocks, block_size, batch) < 1:
        raise ValueError("steps, inputs, outputs, blocks, block_size and batch must be positive")
    K = batch
    rows_v = c + n_in * shortcut + output_bias                             # V: cells, [inputs,] [bias]
    W, V = tape.argument((z, units), dtype), tape.argument((rows_v, n_out), dtype)
    peep = tape.argument((kinds, c), dtype) if peepholes else None
    gW, gV = tape.argument((z, units), dtype), tape.argument((rows_v, n_out), dtype)
    gpeep = tape.argument((kinds, c), dtype) if peepholes else None
    velocity = {name: tape.argument(a.shape, dtype) for name, a in (("W", W), ("V", V), ("peep", peep))
                if a is not None} if momentum else {}
    trace = tape.argument((K, z, kinds, c), dtype)                        # zero at the sequence's start
    peep_trace = tape.argument((K, kinds - 1, block_size, c), dtype) if peepholes else None
    s = tape.argument((K, c), dtype)
    one = tape.argument((K, 1), dtype)
    target = tape.argument((K, n_out), dtype)
    xs = None if one_hot else tape.argument((steps, K, n_in), dtype)
    # a continual stream (update="step") carries the hidden activations in from the step before
    hidden = tape.argument((K, units), dtype) if update == "step" else None
    by_cell = lambda a: np.repeat(a, block_size, axis=-1)                 # noqa: E731  (K, b) -> (K, c) views
    over_streams = lambda a: a[0] if K == 1 else tape.reduce(a, axis=0)   # noqa: E731  PaperLSTM._over_streams
    per_block = lambda a: (tape.reduce(a.reshape(*a.shape[:-1], b, block_size), axis=-1)   # noqa: E731
                           if block_size > 1 else a.reshape(*a.shape[:-1], b, 1)[..., 0])
    peek = lambda kind, states: per_block(tape.map(peep[kind][None, :], states))          # noqa: E731

    def apply():
        nonlocal W, V, peep
        for name in ("W", "V", "peep"):
            weights, change = {"W": (W, gW), "V": (V, gV), "peep": (peep, gpeep)}[name]
            if weights is None:
                continue
            if momentum:
                velocity[name] = tape.map(velocity[name], change)          # m v + lr change
                change = velocity[name]
            new = tape.map(weights, change)                                # W + lr gW (or + v)
            if name == "W":
                W = new
            elif name == "V":
                V = new
            else:
                peep = new

    hidden = tape.zeros((K, units), dtype) if hidden is None else hidden
    for t in range(steps):
        code = t % n_in
        if one_hot:                                                        # u's input part is 0 but the code's
            u = np.concatenate([hidden, one], axis=1)                      # (K, z - n_in)
            net = tape.map(tape.matmul(u, W[n_in:]), W[code][None, :])
        else:
            u = np.concatenate([xs[t], hidden, one], axis=1)               # (K, z)
            net = tape.matmul(u[0] if K == 1 else u, W)
            net = net[None, :] if K == 1 else net
        s_prev = s
        if peepholes:                                                      # the input [and forget] gates read s(t-1)
            early = [tape.map(net[:, c:c + b], peek(0, s_prev))]
            if forget_gate:
                early.append(tape.map(net[:, c + b:c + 2 * b], peek(1, s_prev)))
            squashed_net = tape.map(np.concatenate([net[:, :c]] + early, axis=1))   # f(net): cells, in[, phi]
        else:
            squashed_net = tape.map(net)                                   # f(net) of every unit
        g = tape.map(squashed_net[:, :c])                                  # 4 f - 2
        y_in = by_cell(squashed_net[:, c:c + b])
        stored = tape.map(y_in, g)
        if forget_gate:
            y_phi = by_cell(squashed_net[:, c + b:c + 2 * b])
            s = tape.map(tape.map(y_phi, s), stored)
        else:
            s = tape.map(s, stored)
        if peepholes:                                                      # the output gates read s(t)
            out_gate = tape.map(tape.map(net[:, -b:], peek(-1, s)))
            squashed_net = np.concatenate([squashed_net, out_gate], axis=1)
        gates = squashed_net[:, c:]
        y_out = by_cell(gates[:, -b:])
        h = tape.map(s) if squashing == "1997" else s                     # 2 f(s) - 1
        y_c = tape.map(y_out, h)
        net_k = tape.matmul(y_c[0] if K == 1 else y_c, V[:c])
        net_k = net_k[None, :] if K == 1 else net_k
        if shortcut:
            net_k = tape.map(net_k, V[c + code][None, :] if one_hot else tape.matmul(xs[t], V[c:c + n_in]))
        if output_bias:
            net_k = tape.map(net_k, V[-1])
        y = tape.map(net_k) if output_unit == "logistic" else net_k      # logistic output units
        slope = tape.map(squashed_net)                                     # f'(net) from f(net)
        coef = [tape.map(squashed_net[:, :c], y_in), tape.map(g, by_cell(slope[:, c:c + b]))]
        if forget_gate:
            coef.append(tape.map(s_prev, by_cell(slope[:, c + b:c + 2 * b])))
            trace = tape.map(trace, y_phi[:, None, None, :])
        coef = np.stack(coef, axis=1)                                      # (K, kinds, c)
        if one_hot:
            grown = tape.map(trace[:, n_in:], tape.map(u[:, :, None, None], coef[:, None]))
            picked = tape.map(trace[:, code], coef)                        # the one input that is 1
            trace = np.concatenate([trace[:, :code], picked[:, None], trace[:, code + 1:n_in], grown], axis=1)
        else:
            trace = tape.map(trace, tape.map(u[:, :, None, None], coef[:, None]))
        if peepholes:                                                      # a peephole's trace reads s_v(t - 1)
            if forget_gate:
                peep_trace = tape.map(peep_trace, y_phi[:, None, None, :])
            cell = np.arange(c)
            read_before = s_prev[:, (cell // block_size * block_size)[None, :] + np.arange(block_size)[:, None]]
            peep_trace = tape.map(peep_trace, tape.map(read_before[:, None], coef[:, 1:, None, :]))
        if targets == "all" or t == steps - 1:
            e = tape.map(target, y)                                        # t - y
            e = tape.map(e, y) if output_unit == "logistic" else e        # (t - y) f'(net_k)
            parts = [tape.map(gV[:c], over_streams(tape.map(y_c[:, :, None], e[:, None, :])))]
            if shortcut:
                parts.append(tape.map(gV[c + code], over_streams(e))[None, :] if one_hot else
                             tape.map(gV[c:c + n_in], over_streams(tape.map(xs[t][:, :, None], e[:, None, :]))))
                if one_hot:
                    parts[-1] = np.concatenate([gV[c:c + code], parts[-1], gV[c + code + 1:c + n_in]])
            if output_bias:
                parts.append(tape.map(gV[-1:], over_streams(e[:, None, :])))
            gV = np.concatenate(parts)
            back = tape.matmul(V[:c], e[0]) if K == 1 else tape.matmul(e, V[:c].T)   # error at each cell output
            back = back[None, :] if K == 1 else back
            e_s = (tape.map(y_out, tape.map(h), back) if squashing == "1997"   # y_out h'(s) back
                   else tape.map(y_out, back))
            change = over_streams(tape.map(trace, e_s[:, None, None, :]))  # (z, kinds, c)
            per_kind = change.reshape(z, kinds, b, block_size)
            gate_change = tape.reduce(per_kind[:, 1:], axis=-1) if block_size > 1 else per_kind[:, 1:, :, 0]
            e_out = tape.map(slope[:, -b:], per_block(tape.map(back, h)))
            if one_hot:
                out_change = over_streams(tape.map(u[:, :, None], e_out[:, None, :]))
                out_change = np.concatenate([tape.zeros((n_in, b), dtype), out_change])
                out_change[code] = tape.map(out_change[code], over_streams(e_out))
            else:
                out_change = over_streams(tape.map(u[:, :, None], e_out[:, None, :]))
            gW = tape.map(gW, np.concatenate([change[:, 0], gate_change.reshape(z, -1), out_change], axis=1))
            if peepholes:                                                  # summed over each block's cells
                p_change = over_streams(tape.map(peep_trace, e_s[:, None, None, :]))   # (kinds - 1, v, c)
                p_change = p_change.reshape(kinds - 1, block_size, b, block_size)
                p_change = (tape.reduce(p_change, axis=-1) if block_size > 1 else p_change[..., 0])
                p_change = p_change.transpose(0, 2, 1).reshape(kinds - 1, c)
                p_out = over_streams(tape.map(by_cell(e_out), s))
                gpeep = tape.map(gpeep, np.concatenate([p_change, p_out[None, :]]))
            if update == "step":
                apply()
                gW, gV = tape.zeros(gW.shape, dtype), tape.zeros(gV.shape, dtype)
                gpeep = tape.zeros(gpeep.shape, dtype) if peepholes else None
        hidden = np.concatenate([y_c, gates], axis=1)
    if update == "sequence":
        apply()                                                            # W + lr gW, once per sequence
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
