"""Episodes of evolved controllers and the learning steps of world models, written on a movement Tape (issue 21).

The evolution problems of the catalog spend their computation evaluating candidates: one network run over
an episode of control steps. These functions write such an evaluation (or a documented unit of it) on a
``shared.frame.movement.Tape``, one numpy operation at a time, in the stubs' order; they model the
learner's computation only. The environment is not priced: each observation is written fresh by the
simulator (``tape.zeros``: free, but counted as one instruction per element written, so FLOPs include
the observation's elements), and the action it reads is the program's last write. Population updates
(CoSyNE, ESP, CMA-ES) are not part of these programs.

- ``recurrent_episode(tape, n_in, hidden, steps, batch, ...)``: a fully recurrent net of tanh neurons
  (W_in (H, n_in), b (H,), W_rec (H, H)) run ``steps`` control steps on ``batch`` episodes at once;
  form "products" (numpy's ``(w * [x, 1, h]).sum(-1)``: all products, then the sums) or "matmul"
  (``x @ W_in.T + h @ W_rec.T + b``, the input weights possibly narrower, ``input_itemsize``).
- ``lstm_advance(tape, x, h, c, p, peepholes)``: one forward step of an LSTM with input, forget and output
  gates (no read-out): x (B, D), h, c (B, H) or None (the zero state) -> (h, c); p holds W (D, 4H),
  U (H, 4H), b (4H,) [and peep (3, H)].
- ``odyssnet_parameters(tape, neurons, n_in, n_out)`` and ``odyssnet_forward(tape, h, p, x, thinking, n_out)``:
  the OdyssNet core of shared.learning.control.OdyssNetBank run forward on one input x (B, n_in) from the
  state h (B, N): ``thinking`` steps of pre = h W + B, z = tanh(h mf) mg + pre (+ the input, scaled, on the
  first n_in neurons at the first), act = tanh(z), h = act / rms(act) * gamma; the output is the last
  n_out neurons times the output scale. Returns (h, out).
- ``lstsq_readout(tape, X, y)``: the least-squares read-out w (F,) of features X (T, F) and targets y (T,)
  as the normal equations X^T X w = X^T y solved by Gauss-Jordan elimination without pivoting: the model
  of Evolino's (and the ESN's) pseudo-inverse read-out.
- ``vae_step(tape, pixels, hidden, z_dim, batch, ...)``: one Adam step of shared.networks.worldmodel.VAE
  (tanh encoder to mu and log-variance, reparametrised z, tanh decoder, Bernoulli pixels, KL).
- ``world_model_step(tape, batch, z_dim, m_in, m_hidden, ...)``: one control step of a population's
  controller C in a world model: V encodes the frame (when ``pixels``), C acts on [z, M's state], M
  advances on (z, a), and in a dream the MDN head's next z is sampled (``mixtures``) and the done head
  read (``done``).

Sigmoids, tanh, exp and the like are one instruction per element (``tape.map``), as in
shared.networks.tape_steps. Example: ``recurrent_episode(Tape(), 3, 5, 1000).price()`` prices one
1000-step episode of a 5-neuron net on 3 observed positions (double-pole-no-velocity).
"""

from __future__ import annotations

import numpy as np

from shared.frame.movement import Tape
from shared.networks.tape_steps import _itemsize_dtype


def recurrent_episode(tape: Tape, n_in: int, hidden: int, steps: int, batch: int = 1, itemsize: int = 8,
                      form: str = "products", input_itemsize: int | None = None) -> Tape:
    """One candidate's fully recurrent tanh net over ``steps`` control steps of ``batch`` episodes (B, the
    candidate's trials, stepped together). Per step: the observation (B, n_in) is written by the
    environment; "products": it is scaled (one map), v = [x, 1, h] (B, n_in + 1 + H) (the 1 written fresh),
    h' = tanh(sum_k w[j, k] v[k]) as map (B, H, K) then reduce and tanh; "matmul": h' = tanh(x W_in^T
    (input_itemsize, then widened by one map) + h W_rec^T + b); the action is neuron 0 times the force
    (one map, "products" only). h starts at 0 (a fresh write)."""
    if form not in ("products", "matmul"):
        raise ValueError(f"form must be 'products' or 'matmul', got {form!r}")
    if min(n_in, hidden, steps, batch) < 1:
        raise ValueError("n_in, hidden, steps and batch must be positive")
    dtype = _itemsize_dtype(itemsize)
    in_dtype = _itemsize_dtype(input_itemsize or itemsize)
    if form == "products":
        w = tape.argument((hidden, n_in + 1 + hidden), dtype)                # [inputs, bias, recurrent] per neuron
    else:
        w_in = tape.argument((hidden, n_in), in_dtype)
        w_rec_t = tape.argument((hidden, hidden), dtype)                     # stored transposed
        b = tape.argument(hidden, dtype)
    h = tape.zeros((batch, hidden), dtype)
    for _ in range(steps):
        if form == "products":
            x = tape.map(tape.zeros((batch, n_in), dtype))                   # the positions, scaled
            v = np.concatenate([x, tape.zeros((batch, 1), dtype), h], axis=1)
            h = tape.map(tape.reduce(tape.map(w[None, :, :], v[:, None, :]), axis=-1))
            tape.map(h[:, 0])                                                # the force
        else:
            x = tape.zeros((batch, n_in), in_dtype)
            drive = tape.map(tape.matmul(x, w_in.T), itemsize=itemsize)      # .astype(float)
            h = tape.map(tape.map(tape.map(drive, tape.matmul(h, w_rec_t)), b))
    return tape


def lstm_advance(tape: Tape, x, h, c, p: dict, peepholes: bool = False):
    """One LSTM step, gates [i f o g] in the columns of z = x W + h U + b (h None: the zero state, U not
    read); c = f c + i g, h = o tanh(c). With peepholes (p["peep"] (3, H)): i and f also read peep c_{t-1},
    o reads peep c_t (the Evolino cell). Returns (h, c)."""
    hidden = p["U"].shape[0]
    z = tape.matmul(x, p["W"])
    if h is not None:
        z = tape.map(z, tape.matmul(h, p["U"]))
    z = tape.map(z, p["b"])
    pre_i, pre_f = z[:, :hidden], z[:, hidden:2 * hidden]
    pre_o, pre_g = z[:, 2 * hidden:3 * hidden], z[:, 3 * hidden:]
    g = tape.map(pre_g)
    if peepholes and c is not None:
        i = tape.map(tape.map(pre_i, tape.map(p["peep"][0], c)))
        f = tape.map(tape.map(pre_f, tape.map(p["peep"][1], c)))
    else:
        i, f = tape.map(pre_i), tape.map(pre_f)
    c_new = tape.map(i, g) if c is None else tape.map(tape.map(f, c), tape.map(i, g))
    o = tape.map(tape.map(pre_o, tape.map(p["peep"][2], c_new))) if peepholes else tape.map(pre_o)
    return tape.map(o, tape.map(c_new)), c_new


def lstm_parameters(tape: Tape, n_in: int, hidden: int, itemsize: int = 8, peepholes: bool = False) -> dict:
    """The arguments W (n_in, 4H), U (H, 4H), b (4H,) [, peep (3, H)] of ``lstm_advance``."""
    dtype = _itemsize_dtype(itemsize)
    p = {"W": tape.argument((n_in, 4 * hidden), dtype), "U": tape.argument((hidden, 4 * hidden), dtype),
         "b": tape.argument(4 * hidden, dtype)}
    if peepholes:
        p["peep"] = tape.argument((3, hidden), dtype)
    return p


def odyssnet_parameters(tape: Tape, neurons: int, n_in: int, n_out: int, itemsize: int = 8) -> dict:
    """The arguments of ``odyssnet_forward``: W (N, N), B, mf, mg, gamma (N,), input_scale (n_in,),
    output_scale (n_out,)."""
    dtype = _itemsize_dtype(itemsize)
    p = {"W": tape.argument((neurons, neurons), dtype)}
    for name in ("B", "mf", "mg", "gamma"):
        p[name] = tape.argument(neurons, dtype)
    p["input_scale"], p["output_scale"] = tape.argument(n_in, dtype), tape.argument(n_out, dtype)
    return p


def odyssnet_forward(tape: Tape, h, p: dict, x, thinking: int = 1, n_out: int = 1, itemsize: int = 8):
    """``thinking`` thinking steps of the OdyssNet core from h (B, N) (None: the zero state, written
    fresh) on the input x (B, n_in), injected at the first; returns (h, out (B, n_out))."""
    n, n_in = p["W"].shape[0], p["input_scale"].shape[0]
    batch = x.shape[0]
    if h is None:
        h = tape.zeros((batch, n), _itemsize_dtype(itemsize))
    for k in range(thinking):
        pre = tape.map(tape.matmul(h, p["W"]), p["B"])
        mem = tape.map(tape.map(h, p["mf"]))
        z = tape.map(tape.map(mem, p["mg"]), pre)
        if k == 0:
            injection = np.concatenate([tape.map(x, p["input_scale"]),
                                        tape.zeros((batch, n - n_in), _itemsize_dtype(itemsize))],
                                       axis=1)
            z = tape.map(z, injection)
        act = tape.map(z)
        inv_rms = tape.map(tape.map(tape.map(tape.reduce(tape.map(act, act), axis=1))))   # / n + eps, sqrt, 1 /
        h = tape.map(tape.map(act, inv_rms[:, None]), p["gamma"])
    return h, tape.map(h[:, n - n_out:], p["output_scale"])


def lstsq_readout(tape: Tape, X, y) -> np.ndarray:
    """w (F,) minimising |X w - y|: G = X^T X (matmul), r = X^T y, then Gauss-Jordan on [G | r]: for each
    pivot k the pivot row's remaining F - k entries divided by the pivot (F - k maps), every other row's
    entries k+1.. less its factor times the pivot row's ((F - 1) (F - k) maps, reading the row, the factor,
    the pivot row). X (T, F), y (T,) value ids."""
    X, y = np.asarray(X), np.asarray(y)
    t, f = X.shape
    if y.shape != (t,):
        raise ValueError(f"targets {y.shape} do not match features {X.shape}")
    aug = np.concatenate([tape.matmul(X.T, X), tape.matmul(X.T, y)[:, None]], axis=1)    # (F, F + 1)
    for k in range(f):
        pivot = tape.map(aug[k, k + 1:], np.broadcast_to(aug[k, k], (f - k,)))
        others = np.array([i for i in range(f) if i != k], dtype=np.int64)
        if len(others):
            rows = aug[others]
            new = tape.map(rows[:, k + 1:], rows[:, k:k + 1], pivot[None, :])
            aug = aug.copy()
            aug[others, k + 1:] = new
        aug = aug.copy()
        aug[k, k + 1:] = pivot
    return aug[:, -1]


def vae_step(tape: Tape, pixels: int, hidden: int, z_dim: int, batch: int, itemsize: int = 8) -> Tape:
    """One Adam step of shared.networks.worldmodel.VAE.loss on a batch (B, pixels): h1 = tanh(x W1 + b1),
    mu, lv = h1 Wmu + bmu, h1 Wlv + blv, z = mu + exp(lv / 2) eps (eps drawn fresh), h2 = tanh(z W3 + b3),
    logits = h2 W4 + b4; the gradient of BCE + KL back to every weight (the loss's value, a sum the
    update does not read, is left out); Adam (three maps a weight)."""
    dtype = _itemsize_dtype(itemsize)
    shapes = {"W1": (pixels, hidden), "b1": (hidden,), "Wmu": (hidden, z_dim), "bmu": (z_dim,),
              "Wlv": (hidden, z_dim), "blv": (z_dim,), "W3": (z_dim, hidden), "b3": (hidden,),
              "W4": (hidden, pixels), "b4": (pixels,)}
    p = {name: tape.argument(shape, dtype) for name, shape in shapes.items()}
    state = {f"{m}.{name}": tape.argument(shape, dtype) for m in ("m", "v") for name, shape in shapes.items()}
    x = tape.argument((batch, pixels), dtype)
    eps = tape.zeros((batch, z_dim), dtype)                                  # rng.standard_normal
    mm = lambda a, w, b: tape.map(tape.matmul(a, p[w]), p[b])                # noqa: E731
    h1 = tape.map(mm(x, "W1", "b1"))
    mu, lv = mm(h1, "Wmu", "bmu"), mm(h1, "Wlv", "blv")
    std = tape.map(lv)
    z = tape.map(mu, tape.map(std, eps))
    h2 = tape.map(mm(z, "W3", "b3"))
    logits = mm(h2, "W4", "b4")
    g = {}
    d_logits = tape.map(tape.map(logits), x)                                 # (sigmoid - x) / B
    g["W4"], g["b4"] = tape.matmul(h2.T, d_logits), tape.reduce(d_logits, axis=0)
    d_a2 = tape.map(tape.matmul(d_logits, p["W4"].T), h2)
    g["W3"], g["b3"] = tape.matmul(z.T, d_a2), tape.reduce(d_a2, axis=0)
    d_z = tape.matmul(d_a2, p["W3"].T)
    d_mu = tape.map(d_z, mu)
    d_lv = tape.map(d_z, eps, std, lv)
    g["Wmu"], g["bmu"] = tape.matmul(h1.T, d_mu), tape.reduce(d_mu, axis=0)
    g["Wlv"], g["blv"] = tape.matmul(h1.T, d_lv), tape.reduce(d_lv, axis=0)
    d_a1 = tape.map(tape.map(tape.matmul(d_mu, p["Wmu"].T), tape.matmul(d_lv, p["Wlv"].T)), h1)
    g["W1"], g["b1"] = tape.matmul(x.T, d_a1), tape.reduce(d_a1, axis=0)
    for name, w in p.items():
        m = tape.map(state[f"m.{name}"], g[name])
        v = tape.map(state[f"v.{name}"], g[name])
        tape.map(w, m, v)
    return tape


def world_model_step(tape: Tape, batch: int, z_dim: int, m_in: int, m_hidden: int, n_actions: int = 1,
                     pixels: int = 0, v_hidden: int = 0, sample_z: bool = False, c_hidden: int = 0,
                     c_reads: str = "h", mixtures: int = 0, done: bool = False, advance: bool = True,
                     itemsize: int = 8) -> Tape:
    """One control step of one candidate controller C on ``batch`` rollouts at once, in a world model:

    - with ``pixels``: the frame (B, pixels) is written by the environment and V encodes it:
      h1 = tanh(x W1 + b1), mu and lv (both computed, as VAE.encode does), z = mu (or, ``sample_z``,
      mu + exp(lv / 2) eps); without: z (B, z_dim) is the previous dream step's sample (an argument).
    - C: features [z, M's state] (``c_reads`` "h", "ch" for [z, c, h], "" for z alone); ``n_actions`` > 1:
      a = tanh(feat W + b) per rollout (the candidate's W (F, n_actions) shared by its rollouts), with
      ``c_hidden`` a tanh hidden layer first; ``n_actions`` == 1: a = tanh(feat . w) then the move (a map).
    - M (``advance``): one LSTM step on [z, a] (m_in = z_dim + actions) from the state (h, c), arguments.
    - ``mixtures`` (a dream): the read-out out = h V + c (3 z_dim K [+ 1 done logit]), the done
      probability (a map) and the alive flag (a map), and the next z sampled at a temperature: the logits
      over tau, less their maximum, exp, the cumulative sum, the uniform draw scaled, the comparison and
      its count, the chosen mean and exp(log sigma), mean + sd sqrt(tau) noise."""
    dtype = _itemsize_dtype(itemsize)
    reads = {"h": ("h",), "ch": ("c", "h"), "": ()}[c_reads]
    features = z_dim + m_hidden * len(reads)
    if pixels:
        V = {"W1": tape.argument((pixels, v_hidden), dtype), "b1": tape.argument(v_hidden, dtype),
             "Wmu": tape.argument((v_hidden, z_dim), dtype), "bmu": tape.argument(z_dim, dtype),
             "Wlv": tape.argument((v_hidden, z_dim), dtype), "blv": tape.argument(z_dim, dtype)}
    if n_actions == 1:
        C = {"w": tape.argument(features, dtype)}
    elif c_hidden:
        C = {"W1": tape.argument((features, c_hidden), dtype), "b1": tape.argument(c_hidden, dtype),
             "W2": tape.argument((c_hidden, n_actions), dtype), "b2": tape.argument(n_actions, dtype)}
    else:
        C = {"W": tape.argument((features, n_actions), dtype), "b": tape.argument(n_actions, dtype)}
    if advance:
        M = lstm_parameters(tape, m_in, m_hidden, itemsize)
    if mixtures:
        n_out = 3 * z_dim * mixtures + int(done)
        head = {"V": tape.argument((m_hidden, n_out), dtype), "c": tape.argument(n_out, dtype)}
        tau = tape.argument(batch, dtype)
        alive = tape.argument(batch, dtype)
    state = {"c": tape.argument((batch, m_hidden), dtype), "h": tape.argument((batch, m_hidden), dtype)} \
        if advance or reads else {}
    z = None if pixels else tape.argument((batch, z_dim), dtype)             # the previous dream step's sample
    if pixels:
        frame = tape.zeros((batch, pixels), dtype)
        h1 = tape.map(tape.map(tape.matmul(frame, V["W1"]), V["b1"]))
        mu = tape.map(tape.matmul(h1, V["Wmu"]), V["bmu"])
        lv = tape.map(tape.matmul(h1, V["Wlv"]), V["blv"])
        z = tape.map(mu, tape.map(tape.map(lv), tape.zeros((batch, z_dim), dtype))) if sample_z else mu
    feat = np.concatenate([z] + [state[r] for r in reads], axis=1)
    if n_actions == 1:
        a = tape.map(tape.reduce(tape.map(feat, C["w"][None, :]), axis=-1))
        a = tape.map(a)[:, None]                                             # the move
    elif c_hidden:
        hid = tape.map(tape.map(tape.matmul(feat, C["W1"]), C["b1"]))
        a = tape.map(tape.map(tape.matmul(hid, C["W2"]), C["b2"]))
    else:
        a = tape.map(tape.map(tape.matmul(feat, C["W"]), C["b"]))
    if not advance:
        return tape
    h, _ = lstm_advance(tape, np.concatenate([z, a], axis=1), state["h"], state["c"], M)
    if mixtures:
        out = tape.map(tape.matmul(h, head["V"]), head["c"])
        if done:
            p_done = tape.map(out[:, -1])
            tape.map(alive, p_done)
            out = out[:, :-1]
        k = mixtures
        mdn = out.reshape(batch, z_dim, 3 * k)
        logit, mean, log_sigma = mdn[..., :k], mdn[..., k:2 * k], mdn[..., 2 * k:]
        logit = tape.map(logit, tau[:, None, None])
        logit = tape.map(logit, tape.reduce(logit, axis=-1)[..., None])
        e = tape.map(logit)
        running = [e[..., 0]]
        for j in range(1, k):                                                # np.cumsum
            running.append(tape.map(running[-1], e[..., j]))
        cdf = np.stack(running, axis=-1)
        u = tape.map(tape.zeros((batch, z_dim, 1), dtype), cdf[..., -1:])
        pick = tape.reduce(tape.map(u, cdf), axis=-1)
        chosen_mean = tape.map(pick, mean[..., 0])                           # take_along_axis (one read of the choice)
        sd = tape.map(tape.map(pick, log_sigma[..., 0]))
        noise = tape.zeros((batch, z_dim), dtype)
        tape.map(chosen_mean, tape.map(tape.map(sd, tau[:, None]), noise))
    return tape
