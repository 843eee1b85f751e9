"""Tape programs of the control learners (issue 21): a model network M, a controller C trained through the
frozen M, tabular Q-learning; written on a ``shared.frame.movement.Tape`` as numpy would run them.

The recurrent nets are shared.learning.control's ``RecurrentBank`` for one seed: h_t = tanh(x_t W + h_{t-1} U
+ b), out_t = h_t V + c, parameters W (D, H), U (H, H), b (H,), V (H, K), c (K,); the ``Learner``'s step is
the global-norm clip of the gradients (``clip``) and Adam (three maps per weight). Arrays are Tape id arrays;
a batch is the leading axis (B, ...), a window a list of T such arrays.

- ``rnn_parameters(tape, n_in, hidden, n_out, optimizer, itemsize)`` -> (params, optimiser state).
- ``rnn_cell(tape, p, x, h)``: one step, x (B, D), h (B, H) or None (the zero state) -> (h_new, out (B, K)).
- ``rnn_cell_back(tape, p, cache, d_h, d_out, grads, input_grad)``: the backward of one cell (``step_back``):
  cache (x, h, h_new); d_h (B, H) or None, d_out (B, K) or None; adds the step's gradients into ``grads``
  -> (d_h_prev or None, d_x or None).
- ``lstm_parameters``, ``lstm_cell(tape, p, x, h, c)``, ``lstm_cell_back(tape, p, cache, d_h, d_c, d_out,
  grads, input_grad)``: the same for an LSTM step (gates i, f, o, cell input g; pomdp-flag-maze's LSTMBank).
- ``odyssnet_parameters``, ``odyssnet_cell(tape, p, x, h, thinking)``, ``odyssnet_cell_back(tape, p, cache,
  d_h, d_out, grads, input_grad)``: one input step of the default OdyssNet core of OdyssNetBank (``thinking``
  thinking steps, the input injected at the first, the read-out from the last n_out neurons) and its backward.
- ``rnn_forward(tape, p, xs, h0)``: T steps (``RecurrentBank.forward``: the input drive x W of the whole
  window in one product, the read-outs of every step in one) -> (hs: T + 1 states, hs[0] = h0, outs (T, B, K)).
- ``rnn_backward(tape, p, xs, hs, d_outs, input_grad)``: BPTT over the window (``RecurrentBank.backward``:
  the gradients of W, U, V as one product each over the T B rows) -> (grads, d_xs (T, B, D) or None).
- ``clip(tape, grads)``: the sum of squares of every gradient, the norm, the scale, every gradient scaled.
- ``adam(tape, params, grads, state)``: Adam's three maps per weight (shared.networks.tape_steps).
- ``model_controller_step(tape, n_obs, n_act, hidden_c, hidden_m, n_pred, window, batch)``: one window of a
  continually running C and M learning together (flip-flop's parallel step): C's forward over the window
  with its action unit, M's forward on (observation, action), M's regression gradient and update, the
  gradient of M's summed prediction back through M (a second backward, M's weight gradients discarded)
  into the actions and through C, C's update.
- ``imagined_controller_step(tape, n_obs, n_act, n_pred, hidden_c, hidden_m, horizon, batch, burn)``: one
  C update through M in imagination (pole-balance-non-markov): a burn-in of ``burn`` real steps through C
  and M, a closed loop of ``horizon`` steps (u = tanh C(o), y = M(o, u), o' = o + y[:n_obs] / DELTA, the
  predicted pain sigmoid(y[n_obs])), the pain cost's gradient, the exact backward through M and C (M's
  gradients computed and discarded, as the stub does), C's clip and Adam.
- ``q_lambda_step(tape, q, traces, s, a, s_next)``: one step of QLambda.learn (replacing traces): the
  maximum of the next row, the TD error, every entry of the table moved by its trace, every trace decayed.
- ``mlp_parameters``, ``adam_state``, ``mlp_forward``, ``mlp_backward``, ``sgd``: a dense stack (tanh hidden
  units, linear outputs) whose parameters are loaded once, so that several nets and updates share one Tape.
"""

from __future__ import annotations

import numpy as np

from shared.frame.movement import Tape
from shared.networks.tape_steps import _itemsize_dtype, _parameters, _update


def rnn_parameters(tape: Tape, n_in: int, hidden: int, n_out: int, optimizer: str = "adam",
                   itemsize: int = 8) -> tuple[dict, dict]:
    """Parameters W (n_in, H), U (H, H), b (H,), V (H, n_out), c (n_out,) and Adam's m, v as arguments."""
    shapes = {"W": (n_in, hidden), "U": (hidden, hidden), "b": (hidden,), "V": (hidden, n_out), "c": (n_out,)}
    return _parameters(tape, shapes, optimizer, itemsize)


def _add(tape: Tape, grads: dict, name: str, term):
    grads[name] = term if grads.get(name) is None else tape.map(grads[name], term)


def rnn_cell(tape: Tape, p: dict, x, h):
    """h_new = tanh(x W + h U + b), out = h_new V + c: x (B, D), h (B, H) or None -> (h_new (B, H), out (B, K))."""
    z = tape.matmul(x, p["W"])
    if h is not None:
        z = tape.map(z, tape.matmul(h, p["U"]))
    h_new = tape.map(tape.map(z, p["b"]))
    return h_new, tape.map(tape.matmul(h_new, p["V"]), p["c"])


def rnn_cell_back(tape: Tape, p: dict, cache, d_h, d_out, grads: dict, input_grad: bool = True):
    """Backward of ``rnn_cell`` (RecurrentBank.step_back): cache (x, h, h_new), d_h (B, H) or None from later
    steps, d_out (B, K) or None; adds into grads -> (d_h_prev (B, H) or None, d_x (B, D) or None)."""
    x, h, h_new = cache
    if d_out is not None:
        _add(tape, grads, "V", tape.matmul(h_new.T, d_out))
        _add(tape, grads, "c", tape.reduce(d_out, axis=0))
        from_out = tape.matmul(d_out, p["V"].T)
        d_h = from_out if d_h is None else tape.map(d_h, from_out)
    d_a = tape.map(d_h, h_new)                                            # d_h (1 - h_new^2)
    _add(tape, grads, "W", tape.matmul(x.T, d_a))
    _add(tape, grads, "b", tape.reduce(d_a, axis=0))
    d_prev = None
    if h is not None:
        _add(tape, grads, "U", tape.matmul(h.T, d_a))
        d_prev = tape.matmul(d_a, p["U"].T)
    return d_prev, (tape.matmul(d_a, p["W"].T) if input_grad else None)


def lstm_parameters(tape: Tape, n_in: int, hidden: int, n_out: int, optimizer: str = "adam",
                    itemsize: int = 4) -> tuple[dict, dict]:
    """W (n_in, 4H), U (H, 4H), b (4H,), V (H, n_out), d (n_out,) (blocks [i f o g]) and Adam's m, v."""
    shapes = {"W": (n_in, 4 * hidden), "U": (hidden, 4 * hidden), "b": (4 * hidden,), "V": (hidden, n_out),
              "d": (n_out,)}
    return _parameters(tape, shapes, optimizer, itemsize)


def lstm_cell(tape: Tape, p: dict, x, h, c):
    """One step of an LSTM bank (pomdp-flag-maze's LSTMBank.step_cached): z = x W + h U + b, gates i, f, o
    by sigmoid and g by tanh, c' = f c + i g, h' = o tanh(c'), out = h' V + d. x (B, D); h, c (B, H) or None
    (the zero state) -> (h', c', out, cache)."""
    hidden = p["U"].shape[0]
    z = tape.matmul(x, p["W"])
    if h is not None:
        z = tape.map(z, tape.matmul(h, p["U"]))
    z = tape.map(z, p["b"])
    gates = tape.map(z[:, :3 * hidden])
    g = tape.map(z[:, 3 * hidden:])
    i, f, o = gates[:, :hidden], gates[:, hidden:2 * hidden], gates[:, 2 * hidden:]
    c_new = tape.map(i, g) if c is None else tape.map(tape.map(f, c), tape.map(i, g))
    tc = tape.map(c_new)
    h_new = tape.map(o, tc)
    out = tape.map(tape.matmul(h_new, p["V"]), p["d"])
    return h_new, c_new, out, (x, h, c, i, f, o, g, tc, h_new)


def lstm_cell_back(tape: Tape, p: dict, cache, d_h, d_c, d_out, grads: dict, input_grad: bool = True):
    """Backward of ``lstm_cell`` (LSTMBank.step_back): d_h, d_c (B, H) or None from later steps, d_out (B, K)
    or None; adds the step's gradients into grads -> (d_h_prev, d_c_prev (None at the zero state), d_x)."""
    x, h, c, i, f, o, g, tc, h_new = cache
    if d_out is not None:
        _add(tape, grads, "V", tape.matmul(h_new.T, d_out))
        _add(tape, grads, "d", tape.reduce(d_out, axis=0) if len(d_out) > 1 else d_out[0])
        from_out = tape.matmul(d_out, p["V"].T)
        d_h = from_out if d_h is None else tape.map(d_h, from_out)
    through = tape.map(d_h, o, tc)                                        # dh o (1 - tc^2)
    d_c = through if d_c is None else tape.map(d_c, through)
    parts = [tape.map(d_c, g, i), tape.map(d_c, c, f) if c is not None else tape.map(d_c, f),
             tape.map(d_h, tc, o), tape.map(d_c, i, g)]
    dz = np.concatenate(parts, axis=1)                                    # (B, 4H), the order of z
    _add(tape, grads, "W", tape.matmul(x.T, dz))
    _add(tape, grads, "b", tape.reduce(dz, axis=0) if len(dz) > 1 else dz[0])
    d_h_prev = d_c_prev = None
    if h is not None:
        _add(tape, grads, "U", tape.matmul(h.T, dz))
        d_h_prev, d_c_prev = tape.matmul(dz, p["U"].T), tape.map(d_c, f)
    return d_h_prev, d_c_prev, (tape.matmul(dz, p["W"].T) if input_grad else None)


def _sum0(tape: Tape, a):
    """The sum over the batch axis (axis 0): a reduce, or the row itself for a batch of one."""
    return tape.reduce(a, axis=0) if len(a) > 1 else a[0]


ODYSSNET_SHAPES = ("input_scale", "output_scale", "W", "memory_gate", "memory_feedback", "B", "norm.weight")


def odyssnet_parameters(tape: Tape, n_in: int, neurons: int, n_out: int, itemsize: int = 8) -> tuple[dict, dict]:
    """The default OdyssNet core of shared.learning.control.OdyssNetBank for one seed: input_scale (n_in,),
    output_scale (n_out,), W (N, N), memory_gate, memory_feedback, B, norm.weight (N,); and AdamW's m, v."""
    shapes = {"input_scale": (n_in,), "output_scale": (n_out,), "W": (neurons, neurons), "memory_gate": (neurons,),
              "memory_feedback": (neurons,), "B": (neurons,), "norm.weight": (neurons,)}
    return _parameters(tape, shapes, "adam", itemsize)


def odyssnet_cell(tape: Tape, p: dict, x, h, thinking: int):
    """One input step of OdyssNetBank.step_cached: ``thinking`` thinking steps from h (B, N), the input x
    (B, n_in) scaled and injected into the first n_in neurons at the first; each step pre = h W + B,
    mem = tanh(h mf), z = mem mg + pre (+ injection), act = tanh(z), the RMS norm (a sum of squares, three
    maps), h' = act / rms * norm.weight; the read-out is the last n_out neurons times output_scale.
    -> (h', out (B, n_out), cache)."""
    n_in, n_out = p["input_scale"].shape[0], p["output_scale"].shape[0]
    neurons = p["W"].shape[0]
    batch = x.shape[0]
    hs, caches = [h], []
    for k in range(thinking):
        pre = tape.map(tape.matmul(h, p["W"]), p["B"])
        mem = tape.map(tape.map(h, p["memory_feedback"]))                 # tanh(h mf)
        z = tape.map(mem, p["memory_gate"], pre)
        if k == 0:
            z = np.concatenate([tape.map(z[:, :n_in], x, p["input_scale"]), z[:, n_in:]], axis=1)
        act = tape.map(z)
        inv = tape.map(tape.map(tape.map(tape.reduce(tape.map(act, act), axis=1))))
        norm = tape.map(act, np.broadcast_to(inv[:, None], (batch, neurons)))
        h = tape.map(norm, p["norm.weight"])
        hs.append(h)
        caches.append((mem, act, inv, norm))
    out = tape.map(h[:, neurons - n_out:], p["output_scale"])
    return h, out, (x, hs, caches)


def odyssnet_cell_back(tape: Tape, p: dict, cache, d_h, d_out, grads: dict, input_grad: bool = True):
    """Backward of ``odyssnet_cell`` (OdyssNetBank.step_back and _think_back): d_h (B, N) or None, d_out
    (B, n_out); adds the gradients into grads -> (dL/d(previous state), dL/dx or None)."""
    x, hs, caches = cache
    n_in, n_out = p["input_scale"].shape[0], p["output_scale"].shape[0]
    neurons = p["W"].shape[0]
    batch = x.shape[0]
    wide = lambda a: np.broadcast_to(a[:, None], (batch, neurons))        # noqa: E731
    _add(tape, grads, "output_scale", _sum0(tape, tape.map(d_out, hs[-1][:, neurons - n_out:])))
    from_out = tape.map(d_out, p["output_scale"])
    if d_h is None:
        zeros = tape.zeros((batch, neurons - n_out), _itemsize_dtype(int(tape._size_of(p["W"]))))
        d_h = np.concatenate([zeros, from_out], axis=1)
    else:
        d_h = np.concatenate([d_h[:, :neurons - n_out], tape.map(d_h[:, neurons - n_out:], from_out)], axis=1)
    d_x = None
    for k in reversed(range(len(caches))):
        mem, act, inv, norm = caches[k]
        h_before = hs[k]
        _add(tape, grads, "norm.weight", _sum0(tape, tape.map(d_h, norm)))
        d_norm = tape.map(d_h, p["norm.weight"])
        dot = tape.reduce(tape.map(d_norm, norm), axis=1)
        d_act = tape.map(d_norm, norm, wide(dot), wide(inv))
        dz = tape.map(d_act, act)                                         # (1 - act^2)
        if k == 0:
            if input_grad:
                d_x = tape.map(dz[:, :n_in], p["input_scale"])
            _add(tape, grads, "input_scale", _sum0(tape, tape.map(dz[:, :n_in], x)))
        d_q = tape.map(dz, mem)                                           # (1 - mem^2)
        _add(tape, grads, "memory_gate", _sum0(tape, tape.map(dz, mem)))
        d_q = tape.map(d_q, p["memory_gate"])
        _add(tape, grads, "memory_feedback", _sum0(tape, tape.map(d_q, h_before)))
        _add(tape, grads, "W", tape.matmul(h_before.T, dz))
        _add(tape, grads, "B", _sum0(tape, dz))
        d_h = tape.map(tape.matmul(dz, p["W"].T), d_q, p["memory_feedback"])
    return d_h, d_x


def rnn_forward(tape: Tape, p: dict, xs, h0=None):
    """xs (T, B, D) from h0 (B, H) or None -> (hs: list of T + 1 states (hs[0] = h0), outs (T, B, K))."""
    steps, batch, n_in = np.shape(xs)
    drive = tape.map(tape.matmul(np.reshape(xs, (steps * batch, n_in)), p["W"]), p["b"])    # (T B, H)
    hidden = drive.shape[1]
    drive = drive.reshape(steps, batch, hidden)
    hs = [h0]
    for t in range(steps):
        z = drive[t] if hs[-1] is None else tape.map(drive[t], tape.matmul(hs[-1], p["U"]))
        hs.append(tape.map(z))                                            # tanh
    stacked = np.stack(hs[1:]).reshape(steps * batch, hidden)
    outs = tape.map(tape.matmul(stacked, p["V"]), p["c"])
    return hs, outs.reshape(steps, batch, -1)


def rnn_backward(tape: Tape, p: dict, xs, hs, d_outs, input_grad: bool = True):
    """BPTT of ``rnn_forward`` (RecurrentBank.backward), the gradient stopped at hs[0]: d_outs (T, B, K)
    -> (grads of W, U, b, V, c; d_xs (T, B, D), computed as the bank always does, or None with
    ``input_grad`` False)."""
    steps, batch, n_in = np.shape(xs)
    hidden = p["U"].shape[0]
    d_t = np.reshape(d_outs, (steps * batch, -1))
    d_h_out = tape.matmul(d_t, p["V"].T).reshape(steps, batch, hidden)
    new = np.stack(hs[1:])                                                # (T, B, H)
    slope = tape.map(tape.map(new, new))                                  # 1 - h^2
    das = [None] * steps
    d_next = None
    for t in reversed(range(steps)):
        d = d_h_out[t] if d_next is None else tape.map(d_h_out[t], d_next)
        das[t] = tape.map(d, slope[t])
        if t > 0 or hs[0] is not None:
            d_next = tape.matmul(das[t], p["U"].T)
    da = np.stack(das).reshape(steps * batch, hidden)
    flat_x = np.reshape(xs, (steps * batch, n_in))
    grads = {"W": tape.matmul(flat_x.T, da)}
    if hs[0] is None:                                                     # the zero state: U sees T - 1 steps
        before = np.stack(hs[1:-1]).reshape((steps - 1) * batch, hidden)
        grads["U"] = tape.matmul(before.T, da[batch:]) if steps > 1 else tape.zeros((hidden, hidden),
                                                                                   np.float64)
    else:
        grads["U"] = tape.matmul(np.stack(hs[:-1]).reshape(steps * batch, hidden).T, da)
    grads["b"] = tape.reduce(da, axis=0)
    grads["V"] = tape.matmul(new.reshape(steps * batch, hidden).T, d_t)
    grads["c"] = tape.reduce(d_t, axis=0)
    d_xs = tape.matmul(da, p["W"].T).reshape(steps, batch, n_in) if input_grad else None
    return grads, d_xs


def clip(tape: Tape, grads: dict) -> dict:
    """Global-norm clip (control.clip_per_seed for one seed): the squares of every gradient summed, the
    norm and the scale (three maps), every gradient scaled (one map per element)."""
    total = None
    for g in grads.values():
        flat = np.reshape(g, -1)
        part = tape.reduce(tape.map(flat, flat), axis=0) if flat.size > 1 else tape.map(flat, flat)[0]
        total = part if total is None else tape.map(total, part)
    scale = tape.map(tape.map(tape.map(total)))                           # sqrt, > max?, max / (norm + eps)
    return {name: tape.map(g, np.broadcast_to(scale, np.shape(g))) for name, g in grads.items()}


def adam(tape: Tape, params: dict, grads: dict, state: dict) -> dict:
    """Adam over every parameter: m, v and w, three maps per weight."""
    return _update(tape, params, grads, state, "adam")


class _Net:
    """A recurrent net of the window steps: the RNN bank (whole-window products) or the OdyssNet core (its
    cells in a loop, as OdyssNetBank.forward and backward run them)."""

    def __init__(self, tape: Tape, n_in: int, hidden: int, n_out: int, thinking: int, itemsize: int):
        self.tape, self.thinking = tape, thinking
        if thinking:
            self.p, self.state = odyssnet_parameters(tape, n_in, hidden, n_out, itemsize=itemsize)
        else:
            self.p, self.state = rnn_parameters(tape, n_in, hidden, n_out, itemsize=itemsize)

    def forward(self, xs, h0):
        if not self.thinking:
            return rnn_forward(self.tape, self.p, xs, h0)
        h, caches, outs = h0, [], []
        for x in xs:
            h, out, cache = odyssnet_cell(self.tape, self.p, x, h, self.thinking)
            caches.append(cache)
            outs.append(out)
        return caches, np.stack(outs)

    def backward(self, xs, cache, d_outs):
        if not self.thinking:
            return rnn_backward(self.tape, self.p, xs, cache, d_outs, input_grad=True)
        grads, d_xs, d_h = {}, [None] * len(cache), None
        for t in reversed(range(len(cache))):
            d_h, d_xs[t] = odyssnet_cell_back(self.tape, self.p, cache[t], d_h, d_outs[t], grads)
        return grads, np.stack(d_xs)


def model_controller_step(tape: Tape, n_obs: int, n_act: int, hidden_c: int, hidden_m: int, n_pred: int,
                          window: int, batch: int, itemsize: int = 8, thinking_c: int = 0,
                          thinking_m: int = 0) -> Tape:
    """One window of C and M learning together (flip-flop's parallel regime), batch B streams, T = window:
    C (n_obs -> hidden_c -> n_act) runs over the observations (B, T, n_obs) from its carried state, its
    action unit y = sigmoid(out) + std eps (two maps); M (n_obs + n_act -> hidden_m -> n_pred) runs over
    (observation, action) from its state; M's regression d = pred - target, M's BPTT (dL/dx included: the
    bank always computes it), clip and Adam; then the gradient of M's summed prediction back through M again
    (M's weights as before the window; its weight gradients discarded) to the actions, times the action
    unit's slope, C's BPTT, clip and Adam. The observations, the exploration noise and the targets are
    arguments (the environment's). ``thinking_c`` / ``thinking_m`` > 0: C / M is the OdyssNet core of
    hidden_c / hidden_m neurons with that many thinking steps per input (AdamW: three maps a weight)."""
    dtype = _itemsize_dtype(itemsize)
    c = _Net(tape, n_obs, hidden_c, n_act, thinking_c, itemsize)
    m = _Net(tape, n_obs + n_act, hidden_m, n_pred, thinking_m, itemsize)
    hc0 = tape.argument((batch, hidden_c), dtype)
    hm0 = tape.argument((batch, hidden_m), dtype)
    obs = tape.argument((window, batch, n_obs), dtype)
    eps = tape.argument((window, batch, n_act), dtype)
    target = tape.argument((window, batch, n_pred), dtype)
    hs_c, out = c.forward(obs, hc0)
    mean = tape.map(out)                                                  # sigmoid
    action = tape.map(mean, eps)                                          # mean + std eps
    xm = np.concatenate([obs, action], axis=2)
    hs_m, pred = m.forward(xm, hm0)
    d_pred = tape.map(pred, target)                                       # 2 (pred - target) / (B T)
    grads_m, _ = m.backward(xm, hs_m, d_pred)
    adam(tape, m.p, clip(tape, grads_m), m.state)
    ones = tape.zeros((window, batch, n_pred), dtype)                     # d(sum pred)/d pred = 1 / B (written)
    _, d_xm = m.backward(xm, hs_m, ones)
    d_out = tape.map(d_xm[:, :, n_obs:], mean)                            # d_y mean (1 - mean)
    grads_c, _ = c.backward(obs, hs_c, d_out)
    adam(tape, c.p, clip(tape, grads_c), c.state)
    return tape


def imagined_controller_step(tape: Tape, n_obs: int, n_act: int, n_pred: int, hidden_c: int, hidden_m: int,
                             horizon: int, batch: int, burn: int, itemsize: int = 8, thinking: int = 0) -> Tape:
    """One C update through M in imagination (pole-balance-non-markov's train_controller step), batch B:
    ``burn`` real steps (observations and actions are arguments) set C's and M's states through their
    cells; then ``horizon`` closed-loop steps u = tanh C(o), y = M([o, u]), o' = o + y[:, :n_obs] / DELTA,
    pain = sigmoid(y[:, n_obs]), alive = alive (1 - pain); the pain cost's gradient dL/d(pain logits)
    (cumulative products forward and backward over the horizon, three maps per step); the backward of every
    step through M (its weight gradients accumulated, then discarded) and C (``rnn_cell_back``); C's clip
    and Adam. n_pred = n_obs + 1 (the changes and the pain). ``thinking`` > 0: C is the OdyssNet core of
    hidden_c neurons with that many thinking steps per input (odyssnet_cell), AdamW."""
    dtype = _itemsize_dtype(itemsize)
    if thinking:
        pc, sc = odyssnet_parameters(tape, n_obs, hidden_c, n_act, itemsize=itemsize)
        c_cell = lambda x, h: odyssnet_cell(tape, pc, x, h, thinking)          # noqa: E731
        c_back = lambda cache, d_h, d_out, grads: odyssnet_cell_back(tape, pc, cache, d_h, d_out, grads)  # noqa: E731
        c_zero = lambda: tape.zeros((batch, hidden_c), dtype)             # noqa: E731  (the bank starts at 0)
    else:
        pc, sc = rnn_parameters(tape, n_obs, hidden_c, n_act, itemsize=itemsize)
        c_cell = lambda x, h: (*rnn_cell(tape, pc, x, h), None)            # noqa: E731
        c_back = lambda cache, d_h, d_out, grads: rnn_cell_back(tape, pc, cache, d_h, d_out, grads)  # noqa: E731
        c_zero = lambda: None                                              # noqa: E731
    pm, _ = rnn_parameters(tape, n_obs + n_act, hidden_m, n_pred, optimizer="sgd", itemsize=itemsize)
    real_obs = tape.argument((burn + 1, batch, n_obs), dtype)
    real_act = tape.argument((burn, batch, n_act), dtype)
    hc, hm = c_zero(), None
    for k in range(burn):
        hc = c_cell(real_obs[k], hc)[0]
        hm, _ = rnn_cell(tape, pm, np.concatenate([real_obs[k], real_act[k]], axis=1), hm)
    o = real_obs[burn]
    caches, pains = [], []
    alive = None
    for _ in range(horizon):
        hc_new, out_c, cache_c = c_cell(o, hc)
        u = tape.map(out_c)                                               # tanh
        xm = np.concatenate([o, u], axis=1)
        hm_new, y = rnn_cell(tape, pm, xm, hm)
        pain = tape.map(y[:, n_obs])                                      # sigmoid
        o_next = tape.map(o, y[:, :n_obs])                                # o + y / DELTA
        alive = tape.map(pain) if alive is None else tape.map(alive, pain)
        caches.append((cache_c if thinking else (o, hc, hc_new), u, (xm, hm, hm_new)))
        pains.append(pain)
        hc, hm, o = hc_new, hm_new, o_next
    before = [None] + [tape.map(p) for p in pains[:-1]]                   # S_{k-1}: the cumulative product
    for k in range(2, horizon):
        before[k] = tape.map(before[k - 1], pains[k - 1])
    rest = [None] * horizon
    for k in range(horizon - 2, -1, -1):                                  # R_k = 1 + (1 - p_{k+1}) R_{k+1}
        rest[k] = tape.map(pains[k + 1]) if rest[k + 1] is None else tape.map(pains[k + 1], rest[k + 1])
    d_logit = []
    for k in range(horizon):
        parts = [a for a in (before[k], rest[k]) if a is not None]
        d_logit.append(tape.map(*parts, pains[k]))                        # scale S R p (1 - p)
    grads_c, grads_m = {}, {}
    d_hc = d_hm = d_o = None
    for t in reversed(range(horizon)):
        cache_c, u, cache_m = caches[t]
        d_y = np.concatenate([tape.map(d_o) if d_o is not None else tape.zeros((batch, n_obs), dtype),
                              d_logit[t][:, None]], axis=1)               # d_o / DELTA, the pain logit
        d_hm, d_xm = rnn_cell_back(tape, pm, cache_m, d_hm, d_y, grads_m)
        d_out_c = tape.map(d_xm[:, n_obs:], u)                            # (1 - u^2)
        d_hc, d_oc = c_back(cache_c, d_hc, d_out_c, grads_c)
        d_o = tape.map(d_xm[:, :n_obs], d_oc) if d_o is None else tape.map(d_o, d_xm[:, :n_obs], d_oc)
    adam(tape, pc, clip(tape, grads_c), sc)
    return tape


def q_lambda_step(tape: Tape, q, traces, s: int, a: int, s_next: int | None):
    """One step of shared.learning.rl.QLambda.learn (replacing traces) for one agent: q, traces (S, A) id
    arrays (the same shape); target = r + gamma max_a Q[s_next] (a reduce over the row and a map; the reward
    alone at a terminal ``s_next`` None), delta = target - Q[s, a] (one map), the trace of (s, a) set to 1
    (a write, free), every entry Q + lr delta e (one map per entry, reading Q, delta and e), every trace
    decayed (one map per entry). -> (q, traces, delta)."""
    q, traces = np.asarray(q), np.array(traces, copy=True)
    if s_next is None:
        target = tape.zeros((), _itemsize_dtype(8))
    else:
        row = q[s_next]
        target = tape.map(tape.reduce(row, axis=0) if row.size > 1 else row[0])
    delta = tape.map(target, q[s, a])
    traces[s, a] = tape.zeros((), _itemsize_dtype(8))
    q = tape.map(q, np.broadcast_to(delta, q.shape), traces)
    return q, tape.map(traces), delta


def mlp_parameters(tape: Tape, sizes, itemsize: int = 8) -> dict:
    """W0, b0, W1, b1, ... of a dense stack ``sizes`` (inputs, hidden..., outputs) as arguments."""
    dtype = _itemsize_dtype(itemsize)
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"W{layer}"] = tape.argument((n_in, n_out), dtype)
        params[f"b{layer}"] = tape.argument((n_out,), dtype)
    return params


def adam_state(tape: Tape, params: dict) -> dict:
    """Adam's moments m, v shaped like ``params`` (Tape id arrays), loaded as arguments, keyed "m.name"."""
    itemsize = lambda a: int(tape._size_of(a))                           # noqa: E731
    return {f"{moment}.{name}": tape.argument(np.shape(w), _itemsize_dtype(itemsize(w)))
            for moment in ("m", "v") for name, w in params.items()}


def mlp_forward(tape: Tape, p: dict, x):
    """x (B, D) through the stack (hidden units tanh: two maps, linear outputs) -> (y (B, K), activations)."""
    layers = len(p) // 2
    acts = [x]
    for layer in range(layers):
        z = tape.map(tape.matmul(acts[-1], p[f"W{layer}"]), p[f"b{layer}"])
        acts.append(tape.map(z) if layer < layers - 1 else z)
    return acts[-1], acts


def mlp_backward(tape: Tape, p: dict, acts, d_y, input_grad: bool = False):
    """Backward of ``mlp_forward``: d_y (B, K) -> (gradients keyed like p, dL/dx (B, D) or None)."""
    layers = len(p) // 2
    grads, d = {}, d_y
    for layer in reversed(range(layers)):
        if layer < layers - 1:
            d = tape.map(d, acts[layer + 1])                              # (1 - a^2)
        grads[f"W{layer}"] = tape.matmul(acts[layer].T, d)
        grads[f"b{layer}"] = tape.reduce(d, axis=0) if len(d) > 1 else d[0]
        if layer or input_grad:
            d_in = tape.matmul(d, p[f"W{layer}"].T)
            if layer == 0:
                return grads, d_in
            d = d_in
    return grads, None


def sgd(tape: Tape, params: dict, grads: dict) -> dict:
    """w - lr g: one map per weight."""
    return {name: tape.map(w, grads[name]) for name, w in params.items()}
