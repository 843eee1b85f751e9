"""A T-maze whose rewarded flag depends on an indicator seen only at the start, learned by a
recurrent controller through a recurrent world model (Schmidhuber 1991, "Reinforcement learning in
Markovian and non-Markovian environments", NIPS 3, pp. 500-506).

The paper (its abstract; the experiment section was not available to us, see the README): two
interacting fully recurrent networks, a model M that learns to predict the environment's inputs and
the reinforcement from the controller C's actions, and C, trained by backpropagating M's predicted
reinforcement through M (weights frozen) into its actions; model and controller may learn in
turn, and C explores by its own randomness. Non-Markovian: what C must do depends on an earlier
input it cannot see any more.

The task (the catalog plan's T-maze; the paper's own maze was not read): a corridor of L cells from
the start S to a junction T, one flag above T and one below. At t = 0 only, C sees an indicator
(+1: the top flag pays, -1: the bottom one); after that every corridor cell looks the same (walls
N and S). Observation: (wall N, wall E, wall S, wall W, indicator). Actions N, E, S, W. Sparse
reward: +2 at the indicated flag, -2 at the other (the episode ends there), 0 everywhere else;
an episode lasts at most 2(L + 1) steps.

  M: an LSTM (the paper's fully recurrent tanh net cannot carry the indicator over the corridor in
     our hands, see README) reading (o_t, one-hot a_t) and predicting o_{t+1} and the reinforcement
     class of the step (none, +2, -2). Trained on the real episodes: random held actions at first,
     then C's own episodes (C samples from its softmax: its own randomness), every cycle.
  C: an LSTM reading o_t and giving action probabilities pi_t. Trained through the frozen M in M's
     imagination: from the real start observation (the indicator drawn at random), C acts on the
     observation M predicted, M reads C's action probabilities and predicts the next observation and
     the reinforcement; C ascends the expected imagined reinforcement sum_t S_t 2 (q+_t - q-_t), with
     S_t the imagined chance that the episode has not ended before t, by exact backpropagation through
     the closed loop (C -> pi -> M -> predicted observation -> C), M's weights untouched.
  No side channel (M sees only what C sees and C's actions), no straight-through estimator (M reads
  C's probabilities), no dense reward, no best-snapshot selection.

A run is solved at the first cycle after which the greedy C (argmax of pi) reaches the indicated
flag for both indicators. Comparisons: a recurrent REINFORCE baseline (the same LSTM C trained on
the real sparse reward, shared.learning.rl.policy_gradient_logits); OdyssNet as C and as M
(shared.learning.control.OdyssNetBank).

Run:  python3 pomdp-flag-maze/pomdp_flag_maze.py --n-seeds 10 --record
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.frame.cluster import pool
from shared.learning import tape_control
from shared.learning.control import Learner, OdyssNetBank
from shared.networks import tape_steps
from shared.environments.maze import GridMaze
from shared.frame.experiment import (Progress, conclude, format_table, format_value, int_at_most, positive_float,
                                     require_seeds, stub_parser, summarize)
from shared.learning.rl import policy_gradient_logits
from shared.frame.verdict import grade, judge, pending, rate_at_least
from shared.frame.gradcheck import gradcheck_report

N_ACT, N_OBS, N_OUTCOME = 4, 5, 3        # actions N, E, S, W; observation 4 wall bits + indicator; none/+2/-2
REWARD = 2.0
TEMPERATURE = 0.5                      # of the relaxed action samples M reads in C's imagination


@dataclass(frozen=True)
class Config:
    corridor: int = 4           # moves from S to the junction T
    method: str = "model"       # "model": C through M (the paper's); "reinforce": the baseline
    model_c: str = "lstm"       # "lstm" or "odyssnet"
    model_m: str = "lstm"       # "lstm" or "odyssnet"
    hidden_c: int = 16
    hidden_m: int = 32
    cycles: int = 8             # episodes -> M -> C, repeated
    random_episodes: int = 1024 # held random actions before the first cycle
    hold: float = 0.0           # a random action is held for a geometric number of steps of this mean
                                # (0: max(4, L / 2))
    episodes_per_cycle: int = 64   # C's own episodes (sampled from its softmax) at the start of later cycles
    m_first: int = 2000         # M's updates on the random episodes before C's first training
    m_iters: int = 300          # M's updates in every later cycle
    m_batch: int = 64
    c_iters: int = 150
    c_batch: int = 32
    lr_m: float = 3e-3
    outcome_weight: float = 5.0  # weight of the reinforcement term in M's loss
    lr_c: float = 5e-3
    entropy: float = 0.02       # entropy bonus on C's imagined action probabilities
    actions: str = "relaxed"    # what M reads of C in imagination: "relaxed" samples or "soft" probabilities
    temperature: float = TEMPERATURE
    prefixes: bool = True       # imagination also starts after real episode prefixes of 1..L+1 steps
    odyssnet_neurons: int = 24
    thinking: int = 2
    rf_updates: int = 600       # REINFORCE: updates of c_batch real episodes
    rf_lr: float = 1e-2

    @property
    def hold_steps(self) -> float:
        return self.hold or max(4.0, self.corridor / 2)

    @property
    def t_max(self) -> int:
        return 2 * (self.corridor + 1)


# ----------------------------------------------------------------------------------------
# The T-maze on shared.environments.maze.GridMaze: S at the west end of a corridor of L moves to T, flag A above
# T (paid when the indicator is +1), flag B below (paid when it is -1).
# ----------------------------------------------------------------------------------------


def make_maze(corridor: int) -> GridMaze:
    width = corridor + 3
    return GridMaze(["#" * width,
                     "#" * (corridor + 1) + "A#",
                     "#S" + "." * (corridor - 1) + "T#",
                     "#" * (corridor + 1) + "B#",
                     "#" * width])


class TMaze:
    def __init__(self, corridor: int):
        self.corridor = corridor
        self.maze = make_maze(corridor)
        self.start, self.top, self.bottom = (self.maze.cell_of(m) for m in "SAB")
        bits = (self.maze.observation_of[:, None] >> np.arange(4)) & 1        # N, E, S, W wall bits
        self.wall_bits = bits.astype(float)

    def observe(self, cell, indicator):
        """(...) cells and (...) indicators (0 after t = 0) -> (..., 5) observations."""
        return np.concatenate([self.wall_bits[cell], np.asarray(indicator, float)[..., None]], axis=-1)

    def outcome(self, cell, indicator):
        """(...) reinforcement class of arriving in cell: 0 none, 1 the indicated flag (+2), 2 the other (-2)."""
        top, bottom = cell == self.top, cell == self.bottom
        good = (top & (indicator > 0)) | (bottom & (indicator < 0))
        return np.where(good, 1, np.where(top | bottom, 2, 0))


START_WALLS = np.array([1.0, 0.0, 1.0, 1.0])      # at S: walls N, S and W (checked in the tests)


def run_episodes(env: TMaze, t_max: int, indicators, policy):
    """Batched episodes (S, B). policy(t, obs (S, B, 5)) -> actions (S, B). Returns obs (S, B, T+1, 5),
    actions (S, B, T), outcomes (S, B, T), mask (S, B, T): steps taken (before or at the end)."""
    shape = indicators.shape
    cell = np.full(shape, env.start)
    alive = np.ones(shape, bool)
    obs = np.zeros(shape + (t_max + 1, N_OBS))
    acts = np.zeros(shape + (t_max,), int)
    outs = np.zeros(shape + (t_max,), int)
    mask = np.zeros(shape + (t_max,), bool)
    obs[..., 0, :] = env.observe(cell, indicators)
    for t in range(t_max):
        a = policy(t, obs[..., t, :])
        a = np.where(alive, a, 0)
        new = np.where(alive, env.maze.step(cell.ravel(), a.ravel()).reshape(shape), cell)
        out = np.where(alive, env.outcome(new, indicators), 0)
        acts[..., t], outs[..., t], mask[..., t] = a, out, alive
        cell = new
        obs[..., t + 1, :] = env.observe(cell, np.zeros(shape))
        alive = alive & (out == 0)
    return obs, acts, outs, mask


def random_indicators(rngs, batch):
    return np.stack([rng.choice([-1.0, 1.0], batch) for rng in rngs])


def held_random_policy(rngs, batch, hold):
    """Uniform random actions, each held for a geometric number of steps of mean `hold`."""
    current = np.stack([rng.integers(0, N_ACT, batch) for rng in rngs])

    def policy(t, obs):
        nonlocal current
        if t > 0:
            change = np.stack([rng.random(batch) < 1.0 / hold for rng in rngs])
            fresh = np.stack([rng.integers(0, N_ACT, batch) for rng in rngs])
            current = np.where(change, fresh, current)
        return current
    return policy


# ----------------------------------------------------------------------------------------
# A seed-batched LSTM bank with a one-step API and its exact backward (a general piece: the lead may
# move it into shared.learning.control beside RecurrentBank). State = [h, c] concatenated (S, B, 2H).
#   z = x W + h U + b;  i, f, o = sigmoid(z_i, z_f, z_o);  g = tanh(z_g)
#   c' = f c + i g;  h' = o tanh(c');  out = h' V + d
# ----------------------------------------------------------------------------------------


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class LSTMBank:
    def __init__(self, n_in: int, n_hidden: int, n_out: int, rngs, forget_bias: float = 1.0, dtype=np.float64):
        h = n_hidden
        self.dtype = dtype
        nets = []
        for rng in rngs:
            b = np.zeros(4 * h)
            b[h:2 * h] = forget_bias
            nets.append({"W": rng.normal(0.0, 1.0 / np.sqrt(n_in), (n_in, 4 * h)),
                         "U": rng.normal(0.0, 1.0 / np.sqrt(h), (h, 4 * h)),
                         "b": b,
                         "V": rng.normal(0.0, 1.0 / np.sqrt(h), (h, n_out)),
                         "d": np.zeros(n_out)})
        self.params = {k: np.stack([net[k] for net in nets]).astype(dtype) for k in nets[0]}
        self.n_hidden = h

    @property
    def n_seeds(self) -> int:
        return self.params["U"].shape[0]

    def initial_state(self, batch: int) -> np.ndarray:
        return np.zeros((self.n_seeds, batch, 2 * self.n_hidden), self.dtype)

    def hidden_of(self, state):
        return state[..., : self.n_hidden]

    def step_cached(self, state, x):
        p, n = self.params, self.n_hidden
        x = x.astype(self.dtype, copy=False)
        h, c = state[..., :n], state[..., n:]
        z = x @ p["W"] + h @ p["U"] + p["b"][:, None]
        i, f, o = _sigmoid(z[..., :n]), _sigmoid(z[..., n:2 * n]), _sigmoid(z[..., 2 * n:3 * n])
        g = np.tanh(z[..., 3 * n:])
        c_new = f * c + i * g
        tc = np.tanh(c_new)
        h_new = o * tc
        out = h_new @ p["V"] + p["d"][:, None]
        return np.concatenate([h_new, c_new], axis=-1), out, (x, h, c, i, f, o, g, tc, h_new)

    def step(self, state, x):
        new, out, _ = self.step_cached(state, x)
        return new, out

    def step_back(self, cache, d_state_new, d_out, grads):
        """Backward of step_cached: accumulates into grads, returns (dL/d state, dL/dx)."""
        p, n = self.params, self.n_hidden
        x, h, c, i, f, o, g, tc, h_new = cache
        d_out = d_out.astype(self.dtype, copy=False)
        d_state_new = d_state_new.astype(self.dtype, copy=False)
        grads["V"] += np.swapaxes(h_new, 1, 2) @ d_out
        grads["d"] += d_out.sum(axis=1)
        dh = d_state_new[..., :n] + d_out @ np.swapaxes(p["V"], 1, 2)
        dc = d_state_new[..., n:] + dh * o * (1.0 - tc * tc)
        dz = np.concatenate([dc * g * i * (1.0 - i), dc * c * f * (1.0 - f), dh * tc * o * (1.0 - o),
                             dc * i * (1.0 - g * g)], axis=-1)
        grads["W"] += np.swapaxes(x, 1, 2) @ dz
        grads["U"] += np.swapaxes(h, 1, 2) @ dz
        grads["b"] += dz.sum(axis=1)
        d_prev = np.concatenate([dz @ np.swapaxes(p["U"], 1, 2), dc * f], axis=-1)
        return d_prev, dz @ np.swapaxes(p["W"], 1, 2)

    def enforce_structure(self) -> None:
        pass


def hidden_of(net, state):
    """C's hidden units in a state: the LSTM's h, or the OdyssNet core's state itself."""
    return state if isinstance(net, OdyssNetBank) else net.hidden_of(state)


def make_net(kind, n_in, n_hidden, n_out, seeds, tag, cfg, dtype=np.float32):
    """C or M for the seeds: float32 LSTMs in the runs (speed), float64 in the gradient checks."""
    if kind == "odyssnet":
        return OdyssNetBank(n_in, n_out, cfg.odyssnet_neurons, cfg.thinking,
                            [np.random.SeedSequence([s, tag]) for s in seeds])
    return LSTMBank(n_in, n_hidden, n_out, [np.random.default_rng([s, tag]) for s in seeds], dtype=dtype)


def learner_of(net, lr):
    return Learner(net, lr)


def zero_grads(net):
    return {k: np.zeros_like(v) for k, v in net.params.items()}


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ----------------------------------------------------------------------------------------
# M: system identification on the real episodes (teacher forced from t = 0, so the indicator is
# M's input at the first step only). Loss per seed: squared error on o_{t+1} plus cross-entropy on
# the reinforcement class, over the steps taken, averaged over the batch.
# ----------------------------------------------------------------------------------------


def model_loss_and_grads(model, obs, acts, outs, mask, weight=1.0):
    """obs (S, B, T+1, 5), acts/outs/mask (S, B, T) -> loss per seed (S,), grads. `weight` multiplies the
    reinforcement term."""
    n_seeds, batch, steps = acts.shape
    one_hot = np.eye(N_ACT)[acts]
    state = model.initial_state(batch)
    caches, d_outs, loss = [], [], np.zeros(n_seeds)
    w = mask / batch
    for t in range(steps):
        state, y, cache = model.step_cached(state, np.concatenate([obs[:, :, t], one_hot[:, :, t]], axis=-1))
        err = y[..., :N_OBS] - obs[:, :, t + 1]
        q = softmax(y[..., N_OBS:])
        target = np.eye(N_OUTCOME)[outs[:, :, t]]
        loss += (w[:, :, t] * (0.5 * (err ** 2).sum(-1) - weight * np.log(np.sum(q * target, -1) + 1e-12))).sum(1)
        d_outs.append(np.concatenate([err, weight * (q - target)], axis=-1) * w[:, :, t, None])
        caches.append(cache)
    grads = zero_grads(model)
    d_state = np.zeros_like(state)
    for t in range(steps - 1, -1, -1):
        d_state, _ = model.step_back(caches[t], d_state, d_outs[t], grads)
    return loss, grads


class Replay:
    """Real episodes per seed (all seeds gather the same number)."""

    def __init__(self):
        self.parts = []

    def add(self, episode):
        self.parts.append(episode)

    @property
    def episodes(self):
        return sum(p[1].shape[1] for p in self.parts)

    def prefixes(self, rngs, batch, k):
        """The first k steps of real episodes still running at step k: obs (S, B, k+1, 5), actions (S, B, k)."""
        obs, acts, _, mask = (np.concatenate([p[i] for p in self.parts], axis=1) for i in (0, 1, 2, 3))
        p_obs, p_acts = [], []
        for s, rng in enumerate(rngs):
            ok = np.flatnonzero(mask[s, :, k])
            idx = rng.choice(ok, batch) if len(ok) else rng.integers(0, obs.shape[1], batch)
            p_obs.append(obs[s, idx, : k + 1])
            p_acts.append(acts[s, idx, :k])
        return np.stack(p_obs), np.stack(p_acts)

    def sample(self, rngs, batch):
        obs, acts, outs, mask = (np.concatenate([p[k] for p in self.parts], axis=1) for k in range(4))
        idx = np.stack([rng.integers(0, obs.shape[1], batch) for rng in rngs])
        take = np.arange(len(rngs))[:, None]
        return obs[take, idx], acts[take, idx], outs[take, idx], mask[take, idx]


def train_model(model, learner, replay, rngs, cfg, iters):
    losses = []
    for _ in range(iters):
        loss, grads = model_loss_and_grads(model, *replay.sample(rngs, cfg.m_batch), weight=cfg.outcome_weight)
        learner.apply(grads)
        losses.append(loss)
    return np.array(losses)


# ----------------------------------------------------------------------------------------
# C through the frozen M: the closed loop in M's imagination and its exact backward.
#   pi_t = softmax(C(o_t));  y_t = M(o_t, pi_t);  o_{t+1} = y_t[:5];  q_t = softmax(y_t[5:])
#   S_0 = 1, S_{t+1} = S_t q_t[none];  J = sum_t S_t 2 (q_t[+] - q_t[-])
#   loss per seed = -mean_batch J - entropy * mean_batch,t H(pi_t)
# ----------------------------------------------------------------------------------------


def gumbel(rngs, steps, batch):
    """(steps, S, B, 4) standard Gumbel draws, one stream per seed."""
    u = np.stack([rng.random((steps, batch, N_ACT)) for rng in rngs], axis=1)
    return -np.log(-np.log(np.clip(u, 1e-12, 1.0 - 1e-12)))


def imagine(controller, model, indicators, steps, entropy, noise=None, temperature=TEMPERATURE, prefix=None):
    """Returns the loss per seed (S,), J per episode (S, B), and what the backward needs.
    noise (steps, S, B, 4) Gumbel draws: M reads the relaxed sample softmax((logits + noise) / temperature)
    of C's action; None: M reads C's probabilities pi themselves (the "soft" ablation).
    prefix (obs (S, B, k+1, 5), actions (S, B, k)): a real episode's first k steps, which C and M read
    (M the actions taken) before the imagination starts from its observation k; C's gradient flows back
    through them (its state must carry the indicator from step 0)."""
    n_seeds, batch = indicators.shape
    hc, hm = controller.initial_state(batch), model.initial_state(batch)
    burn = []
    if prefix is None:
        o = np.concatenate([np.broadcast_to(START_WALLS, (n_seeds, batch, 4)), indicators[..., None]],
                           axis=-1)                              # the start cell's real observation
    else:
        p_obs, p_acts = prefix
        for t in range(p_acts.shape[2]):
            hc, _, cache_c = controller.step_cached(hc, p_obs[:, :, t])
            hm, _ = model.step(hm, np.concatenate([p_obs[:, :, t], np.eye(N_ACT)[p_acts[:, :, t]]], axis=-1))
            burn.append(cache_c)
        o = p_obs[:, :, p_acts.shape[2]]
    alive = np.ones((n_seeds, batch))
    J = np.zeros((n_seeds, batch))
    ent = np.zeros((n_seeds, batch))
    trace = []
    for t in range(steps):
        hc, logits, cache_c = controller.step_cached(hc, o)
        pi = softmax(logits)
        a = pi if noise is None else softmax((logits + noise[t]) / temperature)
        hm, y, cache_m = model.step_cached(hm, np.concatenate([o, a], axis=-1))
        q = softmax(y[..., N_OBS:])
        J += alive * REWARD * (q[..., 1] - q[..., 2])
        ent -= (pi * np.log(pi + 1e-12)).sum(-1)
        trace.append((cache_c, pi, a, cache_m, q, alive))
        alive = alive * q[..., 0]
        o = y[..., :N_OBS]
    loss = -J.mean(axis=1) - entropy * ent.mean(axis=1) / steps
    return loss, J, (trace, noise is not None, temperature, burn)


def imagine_backward(controller, model, traced, entropy):
    """Exact gradient of imagine's loss (summed over seeds) with respect to C's parameters."""
    trace, relaxed, temperature, burn = traced
    n_seeds, batch = trace[0][1].shape[:2]
    steps = len(trace)
    gc, gm = zero_grads(controller), zero_grads(model)
    d_hc = np.zeros_like(controller.initial_state(batch))
    d_hm = np.zeros_like(model.initial_state(batch))
    d_alive_next = np.zeros((n_seeds, batch))
    d_o_next = np.zeros((n_seeds, batch, N_OBS))          # dL/d o_{t+1} (from C's and M's inputs at t+1)
    dJ = -1.0 / batch
    for t in range(steps - 1, -1, -1):
        cache_c, pi, a, cache_m, q, alive = trace[t]
        g = REWARD * (q[..., 1] - q[..., 2])
        d_q = np.zeros_like(q)
        d_q[..., 1] = alive * REWARD * dJ
        d_q[..., 2] = -alive * REWARD * dJ
        d_q[..., 0] = d_alive_next * alive
        d_alive = g * dJ + d_alive_next * q[..., 0]
        d_qlogits = q * (d_q - (d_q * q).sum(-1, keepdims=True))
        d_y = np.concatenate([d_o_next, d_qlogits], axis=-1)
        d_hm, d_xm = model.step_back(cache_m, d_hm, d_y, gm)
        d_a = d_xm[..., N_OBS:]
        # entropy term: d(-entropy/steps/B * H)/d pi with H = -sum pi log pi
        d_pi = entropy / steps / batch * (np.log(pi + 1e-12) + 1.0)
        if relaxed:
            d_logits = a * (d_a - (d_a * a).sum(-1, keepdims=True)) / temperature
        else:
            d_pi = d_pi + d_a
            d_logits = 0.0
        d_logits = d_logits + pi * (d_pi - (d_pi * pi).sum(-1, keepdims=True))
        d_hc, d_xc = controller.step_back(cache_c, d_hc, d_logits, gc)
        d_o_next = d_xm[..., :N_OBS] + d_xc
        d_alive_next = d_alive
    zero = np.zeros(trace[0][1].shape)
    for cache_c in reversed(burn):
        d_hc, _ = controller.step_back(cache_c, d_hc, zero, gc)
    return gc


def train_controller(controller, learner, model, replay, rngs, cfg, iters, schedule):
    """C's updates through the frozen M. The prefix length k of an update is common to the seeds of a
    batch, so it is drawn from `schedule`, a generator that does not depend on the seeds (a seed's run is
    then the same alone or beside others)."""
    losses = []
    for _ in range(iters):
        ind = random_indicators(rngs, cfg.c_batch)
        k = int(schedule.integers(0, cfg.corridor + 2)) if cfg.prefixes else 0
        prefix = replay.prefixes(rngs, cfg.c_batch, k) if k > 0 else None
        steps = cfg.t_max - k
        noise = gumbel(rngs, steps, cfg.c_batch) if cfg.actions == "relaxed" else None
        loss, J, traced = imagine(controller, model, ind, steps, cfg.entropy, noise, cfg.temperature, prefix)
        learner.apply(imagine_backward(controller, model, traced, cfg.entropy))
        controller.enforce_structure()
        losses.append(J.mean(axis=1))
    return np.array(losses)


# ----------------------------------------------------------------------------------------
# Acting in the real maze: C sampling (its own randomness) or greedy; the test.
# ----------------------------------------------------------------------------------------


def controller_policy(controller, rngs, batch, greedy=False, record=None):
    state = [controller.initial_state(batch)]

    def policy(t, obs):
        state[0], logits = controller.step(state[0], obs)
        if record is not None:
            record.append((hidden_of(controller, state[0]).copy(), softmax(logits)))
        if greedy:
            return logits.argmax(-1)
        pi = softmax(logits)
        u = np.stack([rng.random(pi.shape[1]) for rng in rngs])[..., None]
        return np.minimum((pi.cumsum(-1) < u).sum(-1), N_ACT - 1)
    return policy


def evaluate(env, controller, t_max, record=None):
    """Greedy C for both indicators: (S, 2) reached the indicated flag, (S, 2) steps taken."""
    n = controller.n_seeds
    ind = np.tile(np.array([1.0, -1.0]), (n, 1))
    obs, acts, outs, mask = run_episodes(env, t_max, ind, controller_policy(controller, None, 2, greedy=True,
                                                                           record=record))
    return (outs == 1).any(-1), mask.sum(-1), (obs, acts, outs, mask)


# ----------------------------------------------------------------------------------------
# The runs: all seeds side by side (the seed a leading axis of every array).
# ----------------------------------------------------------------------------------------


def train_model_based(cfg: Config, seeds, progress=True, keep=False):
    env = TMaze(cfg.corridor)
    rngs = [np.random.default_rng([s, 0]) for s in seeds]
    n = len(seeds)
    controller = make_net(cfg.model_c, N_OBS, cfg.hidden_c, N_ACT, seeds, 1, cfg)
    model = make_net(cfg.model_m, N_OBS + N_ACT, cfg.hidden_m, N_OBS + N_OUTCOME, seeds, 2, cfg)
    m_learner, c_learner = learner_of(model, cfg.lr_m), learner_of(controller, cfg.lr_c)
    schedule = np.random.default_rng(2024)          # the prefix lengths, the same for every seed
    replay = Replay()
    replay.add(run_episodes(env, cfg.t_max, random_indicators(rngs, cfg.random_episodes),
                            held_random_policy(rngs, cfg.random_episodes, cfg.hold_steps)))
    solved_at, episodes_at = np.full(n, -1), np.full(n, -1)
    history = {"m_loss": [], "imagined": [], "real_success": [], "greedy": [], "flag_episodes": []}
    clock = Progress(cfg.cycles, label=f"cycles ({n} seeds, corridor {cfg.corridor})") if progress else None
    for cycle in range(cfg.cycles):
        if cycle > 0:
            ind = random_indicators(rngs, cfg.episodes_per_cycle)
            ep = run_episodes(env, cfg.t_max, ind, controller_policy(controller, rngs, cfg.episodes_per_cycle))
            replay.add(ep)
            history["real_success"].append((ep[2] == 1).any(-1).mean(axis=1))
        history["flag_episodes"].append(np.mean([(p[2] > 0).any(-1).sum(1) for p in replay.parts], 0) * len(replay.parts))
        history["m_loss"].append(train_model(model, m_learner, replay, rngs, cfg,
                                             cfg.m_first if cycle == 0 else cfg.m_iters))
        history["imagined"].append(train_controller(controller, c_learner, model, replay, rngs, cfg, cfg.c_iters,
                                                     schedule))
        ok, _, _ = evaluate(env, controller, cfg.t_max)
        history["greedy"].append(ok.mean(axis=1))
        newly = (solved_at < 0) & ok.all(axis=1)
        solved_at[newly] = cycle + 1
        episodes_at[newly] = replay.episodes
        if clock:
            clock.update(cycle + 1, solved=int((solved_at > 0).sum()),
                         greedy=float(ok.mean()), imagined=float(history["imagined"][-1][-10:].mean()))
    ok, steps, _ = evaluate(env, controller, cfg.t_max)
    rows = []
    for i, seed in enumerate(seeds):
        rows.append({"seed": int(seed), "solved": bool(solved_at[i] > 0),
                     "episodes": int(episodes_at[i]) if solved_at[i] > 0 else None,
                     "cycle": int(solved_at[i]) if solved_at[i] > 0 else None,
                     "final_greedy": float(ok[i].mean()),
                     "final_steps": float(steps[i].mean()),
                     "m_loss": float(history["m_loss"][-1][-20:, i].mean())})
    out = {"rows": rows, "history": history, "episodes": replay.episodes}
    if keep:
        out.update(controller=controller, model=model, env=env)
    return out


def train_reinforce(cfg: Config, seeds, progress=True, keep=False):
    """The baseline: the same recurrent C trained by REINFORCE on the real sparse reward (return = the
    episode's reinforcement, baseline = its running mean per seed), batches of c_batch real episodes."""
    env = TMaze(cfg.corridor)
    rngs = [np.random.default_rng([s, 0]) for s in seeds]
    n = len(seeds)
    controller = make_net(cfg.model_c, N_OBS, cfg.hidden_c, N_ACT, seeds, 1, cfg)
    learner = learner_of(controller, cfg.rf_lr)
    baseline = np.zeros(n)
    solved_at = np.full(n, -1)
    history = {"real_success": [], "greedy": []}
    check_every = 10
    clock = Progress(cfg.rf_updates, label=f"REINFORCE updates ({n} seeds, corridor {cfg.corridor})") \
        if progress else None
    for u in range(cfg.rf_updates):
        ind = random_indicators(rngs, cfg.c_batch)
        caches = []
        state = [controller.initial_state(cfg.c_batch)]

        def policy(t, obs):
            state[0], logits, cache = controller.step_cached(state[0], obs)
            caches.append((cache, logits))
            pi = softmax(logits)
            r = np.stack([rng.random(pi.shape[1]) for rng in rngs])[..., None]
            return np.minimum((pi.cumsum(-1) < r).sum(-1), N_ACT - 1)
        obs, acts, outs, mask = run_episodes(env, cfg.t_max, ind, policy)
        ret = REWARD * ((outs == 1).any(-1).astype(float) - (outs == 2).any(-1))
        adv = ret - baseline[:, None]
        baseline = 0.9 * baseline + 0.1 * ret.mean(axis=1)
        grads = zero_grads(controller)
        d_state = np.zeros_like(state[0])
        for t in range(cfg.t_max - 1, -1, -1):
            cache, logits = caches[t]
            d_logits = policy_gradient_logits(logits, acts[:, :, t], adv * mask[:, :, t]) * cfg.t_max
            d_state, _ = controller.step_back(cache, d_state, d_logits, grads)
        learner.apply(grads)
        controller.enforce_structure()
        history["real_success"].append((outs == 1).any(-1).mean(axis=1))
        if (u + 1) % check_every == 0:
            ok, _, _ = evaluate(env, controller, cfg.t_max)
            history["greedy"].append(ok.mean(axis=1))
            newly = (solved_at < 0) & ok.all(axis=1)
            solved_at[newly] = u + 1
            if clock:
                clock.update(u + 1, solved=int((solved_at > 0).sum()), greedy=float(ok.mean()))
    ok, steps, _ = evaluate(env, controller, cfg.t_max)
    rows = [{"seed": int(seed), "solved": bool(solved_at[i] > 0),
             "episodes": int(solved_at[i] * cfg.c_batch) if solved_at[i] > 0 else None,
             "cycle": None, "final_greedy": float(ok[i].mean()), "final_steps": float(steps[i].mean()),
             "m_loss": None} for i, seed in enumerate(seeds)]
    out = {"rows": rows, "history": history, "episodes": cfg.rf_updates * cfg.c_batch}
    if keep:
        out.update(controller=controller, env=env)
    return out


def train_runs(cfg, seeds, progress=True, keep=False):
    return (train_reinforce if cfg.method == "reinforce" else train_model_based)(cfg, seeds, progress, keep)


def _train_part(task):
    cfg, seeds, progress = task
    out = train_runs(cfg, seeds, progress=progress)
    return out["rows"], out["history"], out["episodes"]


def train_sweep(cfg: Config, seeds, workers=1):
    """train_runs over the seeds, in `workers` processes (halves of the seeds); a seed's run does not
    depend on the seeds beside it (every array has the seed as its leading axis)."""
    if workers == 1:
        out = train_runs(cfg, seeds)
        return out["rows"], out["history"], out["episodes"]
    parts = [list(map(int, part)) for part in np.array_split(seeds, workers) if len(part)]
    with pool(workers=len(parts)) as executor:
        results = list(executor.map(_train_part, [(cfg, part, i == 0) for i, part in enumerate(parts)]))
    rows = [row for part_rows, _, _ in results for row in part_rows]
    history = {key: [np.concatenate([np.atleast_1d(h[key][c]) for _, h, _ in results], axis=-1)
                     for c in range(len(results[0][1][key]))] for key in results[0][1]}
    return rows, history, results[0][2]


# ----------------------------------------------------------------------------------------
# Gradient checks (--gradcheck and the tests): the LSTM step, M's loss, the closed loop through M
# (LSTM and OdyssNet as C and as M), float64 central differences.
# ----------------------------------------------------------------------------------------


def gradient_errors(max_entries: int | None = None) -> dict:
    """Relative errors of every hand-written gradient (the --gradcheck table); ``max_entries``: difference at
    most that many random entries of each parameter (the tests' shorter check)."""
    from shared.frame.gradcheck import check_gradients
    errors = {}
    seeds = [0, 1]
    rng = np.random.default_rng(5)
    cfg = Config(odyssnet_neurons=10)
    env = TMaze(3)
    ind = random_indicators([np.random.default_rng(1), np.random.default_rng(2)], 2)
    ep = run_episodes(env, 6, ind, held_random_policy([np.random.default_rng(3), np.random.default_rng(4)], 2, 2.0))
    steps = 5
    for kind_c, kind_m in (("lstm", "lstm"), ("odyssnet", "lstm"), ("lstm", "odyssnet")):
        controller = make_net(kind_c, N_OBS, 3, N_ACT, seeds, 1, cfg, np.float64)
        model = make_net(kind_m, N_OBS + N_ACT, 4, N_OBS + N_OUTCOME, seeds, 2, cfg, np.float64)
        for net in (controller, model):
            for k in net.params:
                net.params[k] += 0.3 * rng.standard_normal(net.params[k].shape)
            net.enforce_structure()

        def entries(net):
            if isinstance(net, OdyssNetBank):
                off = ~np.eye(net.neurons, dtype=bool)
                return {"W": np.flatnonzero(np.broadcast_to(off, net.params["W"].shape))}
            return {}
        noise = gumbel([np.random.default_rng(7), np.random.default_rng(8)], steps, 2)
        prefix = (ep[0][:, :, :3], ep[1][:, :, :2])
        cases = [("relaxed, prefix", noise, prefix)]
        if kind_c == kind_m == "lstm":
            cases += [("relaxed", noise, None), ("soft", None, None)]
        for name, nz, pre in cases:
            _, J, traced = imagine(controller, model, ind, steps, 0.1, nz, prefix=pre)
            grads = imagine_backward(controller, model, traced, 0.1)
            checked = check_gradients(lambda: imagine(controller, model, ind, steps, 0.1, nz, prefix=pre)[0].sum(),
                                      controller.params, grads, entries=entries(controller), max_entries=max_entries)
            errors.update({f"closed loop ({name}) C={kind_c} M={kind_m} {k}": v for k, v in checked.items()})
        if kind_c == "lstm":
            _, gm = model_loss_and_grads(model, *ep)
            checked = check_gradients(lambda: model_loss_and_grads(model, *ep)[0].sum(), model.params, gm,
                                      entries=entries(model), max_entries=max_entries)
            errors.update({f"M's loss M={kind_m} {k}": v for k, v in checked.items()})
    return errors


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py pomdp-flag-maze): one step of each row on a Tape
# ----------------------------------------------------------------------------------------


def _tape_softmax(tape, z):
    """softmax over the last axis of (B, K): the row maximum, exp(z - max), the sum, the quotients."""
    top = tape.reduce(z, axis=1)
    e = tape.map(z, np.broadcast_to(top[:, None], z.shape))
    return tape.map(e, np.broadcast_to(tape.reduce(e, axis=1)[:, None], e.shape))


def _tape_softmax_back(tape, y, d):
    """y (d - sum(d y)) for y = softmax: (B, K)."""
    dot = tape.reduce(tape.map(d, y), axis=1)
    return tape.map(y, d, np.broadcast_to(dot[:, None], y.shape))


def imagined_lstm_step(tape, cfg: Config, batch: int, steps: int, odyssnet: bool = False):
    """One C update through the frozen M in imagination (train_controller with no real prefix, k = 0),
    float32, ``batch`` episodes of ``steps`` steps: per step C's LSTM cell on the observation, pi = softmax,
    the relaxed action softmax((logits + Gumbel) / T), M's LSTM cell on (o, a), the outcome softmax q, J,
    the entropy, alive; then imagine_backward's exact gradient (M's cell backward, its weight gradients
    accumulated and discarded, the relaxed sample's and the entropy's softmax backward, C's cell backward);
    C's clip and AdamW (three maps a weight, as Adam). The zero initial states are real arrays (the stub
    multiplies them), the Gumbel draws and the start observation are arguments. ``odyssnet``: C is the
    OdyssNet core (float64, as OdyssNetBank holds it; tape_control's OdyssNet cell), AdamW."""
    dtype = np.float32
    hc_n, hm_n = (cfg.odyssnet_neurons if odyssnet else cfg.hidden_c), cfg.hidden_m
    if odyssnet:
        pc, sc = tape_control.odyssnet_parameters(tape, N_OBS, hc_n, N_ACT)
    else:
        pc, sc = tape_control.lstm_parameters(tape, N_OBS, hc_n, N_ACT)
    pm, _ = tape_control.lstm_parameters(tape, N_OBS + N_ACT, hm_n, N_OBS + N_OUTCOME, optimizer="sgd")
    noise = tape.argument((steps, batch, N_ACT), dtype)
    o = tape.argument((batch, N_OBS), dtype)
    zeros = lambda *shape: tape.zeros(shape, dtype)                       # noqa: E731
    hc, cc, hm, cm = zeros(batch, hc_n), zeros(batch, hc_n), zeros(batch, hm_n), zeros(batch, hm_n)
    alive, J, ent = zeros(batch), zeros(batch), zeros(batch)
    trace = []
    for t in range(steps):
        if odyssnet:
            hc, logits, cache_c = tape_control.odyssnet_cell(tape, pc, o, hc, cfg.thinking)
        else:
            hc, cc, logits, cache_c = tape_control.lstm_cell(tape, pc, o, hc, cc)
        pi = _tape_softmax(tape, logits)
        a = _tape_softmax(tape, tape.map(logits, noise[t]))               # (logits + g) / T
        hm, cm, y, cache_m = tape_control.lstm_cell(tape, pm, np.concatenate([o, a], axis=1), hm, cm)
        q = _tape_softmax(tape, y[:, N_OBS:])
        J = tape.map(J, alive, q[:, 1], q[:, 2])
        ent = tape.map(ent, tape.reduce(tape.map(pi, pi), axis=1))       # - pi log pi, summed
        trace.append((cache_c, pi, a, cache_m, q, alive))
        alive = tape.map(alive, q[:, 0])
        o = y[:, :N_OBS]
    grads_c, grads_m = {}, {}
    d_hc, d_cc, d_hm, d_cm = zeros(batch, hc_n), zeros(batch, hc_n), zeros(batch, hm_n), zeros(batch, hm_n)
    d_alive_next, d_o_next = zeros(batch), zeros(batch, N_OBS)
    for t in reversed(range(steps)):
        cache_c, pi, a, cache_m, q, alive = trace[t]
        g = tape.map(q[:, 1], q[:, 2])
        d_q = np.stack([tape.map(d_alive_next, alive), tape.map(alive), tape.map(alive)], axis=1)
        d_alive = tape.map(g, d_alive_next, q[:, 0])
        d_y = np.concatenate([d_o_next, _tape_softmax_back(tape, q, d_q)], axis=1)
        d_hm, d_cm, d_xm = tape_control.lstm_cell_back(tape, pm, cache_m, d_hm, d_cm, d_y, grads_m)
        d_pi = tape.map(pi)                                               # entropy / steps / B (log pi + 1)
        d_logits = tape.map(_tape_softmax_back(tape, a, d_xm[:, N_OBS:]), _tape_softmax_back(tape, pi, d_pi))
        if odyssnet:
            d_hc, d_xc = tape_control.odyssnet_cell_back(tape, pc, cache_c, d_hc, d_logits, grads_c)
        else:
            d_hc, d_cc, d_xc = tape_control.lstm_cell_back(tape, pc, cache_c, d_hc, d_cc, d_logits, grads_c)
        d_o_next = tape.map(d_xm[:, :N_OBS], d_xc)
        d_alive_next = d_alive
    tape_control.adam(tape, pc, tape_control.clip(tape, grads_c), sc)
    return tape


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter, at the headline's sizes (corridor 4, t_max = 10 steps,
    float32 LSTMs: C 5-16-4, M 9-32-8), Adam (AdamW for the OdyssNet nets only). The paper's method costs
    its M updates plus its C updates (two rows):
    The whole updates are beyond the meter's budget under this machine's load (M's 55M events, C's 41M), so
    each row prices a part of its batch with the update included and multiplies its steps by the parts:
    the weights' reuse over the batch is then partly missed (the true cost per episode is lower) and the
    optimiser step is counted once per part (about 3% of a part's FLOPs for M, less for the others).
    - M: one update is BPTT over 64 replayed episodes of 10 steps; 2 episodes are priced
      (shared.networks.tape_steps.lstm_step with a target at every step: the mask, the outcome softmax and
      the loss's form are left out) and its steps are M updates x 32;
    - C: one update through the frozen M on 32 imagined episodes (imagined_lstm_step); 2 episodes are priced
      and its steps are C updates x 16; with no real prefix (k = 0: 10 imagined steps; an update with a prefix of k
      real steps runs C and M forward through them and imagines 10 - k steps, a little cheaper);
    - REINFORCE (the baseline): one update on 32 real episodes, C's forward while acting and its BPTT with a
      policy-gradient target at every step (lstm_step), Adam; 8 episodes are priced, steps x 4.
    M and C updates to solve: per solved seed, cycle 1 has m_first M updates, later cycles m_iters, each
    cycle c_iters C updates, to the cycle whose greedy test solved (seeds.per_seed[].cycle); the median over
    solved seeds. Left out: the maze, the Gumbel and action draws, C's forward while collecting its own 64
    episodes a cycle (a small share), the greedy tests. The OdyssNet C (--model odyssnet) is priced as C's
    update with the OdyssNet cell (its M's updates are the M row's program); the OdyssNet M run is not."""
    cfg = Config()
    rows_ = [r for r in ((record.get("seeds") or {}).get("per_seed") or []) if r.get("solved") and r.get("cycle")]
    m_updates = [cfg.m_first + cfg.m_iters * (r["cycle"] - 1) for r in rows_]
    c_updates = [cfg.c_iters * r["cycle"] for r in rows_]
    m_part, c_part, rf_part = 2, 2, 8          # the priced units: episodes of M's, C's and REINFORCE's batches
    where = "median over solved seeds of the updates to seeds.per_seed[].cycle"
    lstm_weights = lambda n_in, h, k: (n_in + h + 1) * 4 * h + h * k + k    # noqa: E731
    size_c = f"C LSTM {N_OBS}-{cfg.hidden_c}-{N_ACT} ({lstm_weights(N_OBS, cfg.hidden_c, N_ACT)} weights)"
    size_m = f"M LSTM {N_OBS + N_ACT}-{cfg.hidden_m}-{N_OBS + N_OUTCOME} " \
             f"({lstm_weights(N_OBS + N_ACT, cfg.hidden_m, N_OBS + N_OUTCOME)} weights)"
    rows = [{"row": "M + C: M's update", "family": "gradient",
             "step": f"1/{cfg.m_batch // m_part} of one update: {m_part} of its {cfg.m_batch} replayed episodes "
                     f"({cfg.t_max} steps), Adam included",
             "size": f"{size_m}, Adam, float32",
             "program": lambda tape: tape_steps.lstm_step(tape, N_OBS + N_ACT, cfg.hidden_m, N_OBS + N_OUTCOME,
                                                          cfg.t_max, m_part, optimizer="adam", itemsize=4),
             "steps_to_solve": float(np.median(m_updates)) * (cfg.m_batch // m_part) if rows_ else None,
             "steps_from": f"{where} (m_first, then m_iters a cycle) x {cfg.m_batch // m_part} parts"},
            {"row": "M + C: C's update through M", "family": "gradient",
             "step": f"1/{cfg.c_batch // c_part} of one update: {c_part} of its {cfg.c_batch} imagined episodes "
                     f"of {cfg.t_max} steps, the clip and Adam included",
             "size": f"{size_c}, Adam, through {size_m}, float32",
             "program": lambda tape: imagined_lstm_step(tape, cfg, c_part, cfg.t_max),
             "steps_to_solve": float(np.median(c_updates)) * (cfg.c_batch // c_part) if rows_ else None,
             "steps_from": f"{where} (c_iters a cycle) x {cfg.c_batch // c_part} parts"}]
    if "odyssnet" in record:                   # --model odyssnet: the OdyssNet core as C, the same LSTM M
        part = record["odyssnet"]
        solved_o = [r for r in ((part.get("seeds") or {}).get("per_seed") or []) if r.get("solved") and r.get("cycle")]
        c_updates_o = [cfg.c_iters * r["cycle"] for r in solved_o]
        rows.append({"row": "OdyssNet C: C's update through M", "family": "gradient", "step": rows[1]["step"],
                     "size": f"C OdyssNet core {cfg.odyssnet_neurons} neurons, {cfg.thinking} thinking steps, "
                             f"AdamW, float64, through {size_m}, float32",
                     "program": lambda tape: imagined_lstm_step(tape, cfg, c_part, cfg.t_max, odyssnet=True),
                     "steps_to_solve": float(np.median(c_updates_o)) * (cfg.c_batch // c_part) if solved_o else None,
                     "steps_from": f"[odyssnet] {where} (c_iters a cycle) x {cfg.c_batch // c_part} parts; its M's "
                                   f"updates cost as the M row's"})
    if "reinforce" in record:
        part = record["reinforce"]
        solved = [r["episodes"] for r in ((part.get("seeds") or {}).get("per_seed") or []) if r.get("solved")]
        rows.append({"row": "REINFORCE", "family": "gradient",
                     "step": f"a quarter of one update: {rf_part} of its {cfg.c_batch} real episodes of {cfg.t_max} "
                     f"steps, Adam included",
                     "size": f"{size_c}, Adam, float32",
                     "program": lambda tape: tape_steps.lstm_step(tape, N_OBS, cfg.hidden_c, N_ACT, cfg.t_max,
                                                                  rf_part, optimizer="adam", itemsize=4),
                     "steps_to_solve": float(np.median(solved)) / rf_part if solved else None,
                     "steps_from": f"[reinforce] median of seeds.per_seed[].episodes over solved seeds / {rf_part} "
                                   f"(updates of {cfg.c_batch} x {cfg.c_batch // rf_part} parts)"})
    return rows


# ----------------------------------------------------------------------------------------
# The verdict: the rule, written before the recorded run.
# ----------------------------------------------------------------------------------------

PAPER_WHERE = "abstract (the paper's experiment section was not available to us)"
ISSUE_WHERE = "not the paper's: the catalog issue's target for this problem (>= 8 of 10 seeds)"
MIN_RUNS = 10
PAPER = {
    "citation": "Schmidhuber, J. (1991). Reinforcement learning in Markovian and non-Markovian environments. "
                "In Lippmann, Moody & Touretzky (eds.), Advances in Neural Information Processing Systems 3 "
                "(NIPS 1990), pp. 500-506. Morgan Kaufmann.",
    "claim": "Two interacting fully recurrent networks, a model M that learns to predict the environment's inputs "
             "and reinforcement and a controller C trained through M, can learn in non-Markovian environments, "
             "where the right action depends on inputs no longer visible (abstract). The T-maze is the catalog "
             "plan's; the paper's own experiments were not read.",
    "figures": [
        {"name": "the paper's own numbers for this task", "value": "none available",
         "where": "the paper's experiment section was not available to us; the catalog plan lists no figure"},
        {"name": "published catalog (comparison, not the paper's)", "value": "6/10 seeds at 100%, 4/10 at 50%, "
         "corridor 4, with an indicator side channel to M, straight-through actions and dense reward",
         "where": "shared/seeds/004_b29cc7de8e70528c.txt, pomdp-flag-maze section"},
    ],
}


def verdict(record: dict) -> dict:
    """The catalog's verdict for pomdp-flag-maze, from the main record's per-seed rows (corridor 4,
    C through an LSTM M, sparse reward, no side channel).

    One claim, the paper's qualitative one (C learns a non-Markovian task through M alone), with the
    issue's target as its threshold: the share of runs solved (after some cycle the greedy C reaches
    the indicated flag for both indicators, within the run's budget of real episodes) exceeds 0.4,
    exact binomial test, H0: rate <= 0.4. With 10 runs it holds from 8/10 (the issue's ">= 8/10 seeds"),
    not at 7/10. A C that ignores the indicator solves no run (it reaches the indicated flag for at most
    one indicator), so a solved run carries the indicator through the corridor. Minimum runs: 10.
    Grade: yes if it holds, no if not. Corridors 10 and 20, REINFORCE, OdyssNet and the published
    catalog's 6/10 are reported, not graded. Fixed before the recorded run.
    """
    rows = (record.get("seeds") or {}).get("per_seed") or []
    if len(rows) < MIN_RUNS:
        return pending(f"{len(rows)} runs, the rule needs {MIN_RUNS} (python3 pomdp-flag-maze/pomdp_flag_maze.py "
                       f"--n-seeds 10)")
    claims = judge([rate_at_least("C learns the non-Markovian T-maze through M alone (sparse reward, no side channel)",
                                  PAPER_WHERE + "; threshold: " + ISSUE_WHERE, [bool(r["solved"]) for r in rows],
                                  paper_rate=1.0, margin=0.6,
                                  metric="share of runs whose greedy C reaches the indicated flag for both "
                                         "indicators")])
    return grade(claims, primary=1)


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------

def section_of(cfg: Config) -> str | None:
    parts = []
    if cfg.corridor != 4:
        parts.append(f"corridor-{cfg.corridor}")
    if cfg.method == "reinforce":
        parts.append("reinforce")
    if cfg.model_c == "odyssnet":
        parts.append("odyssnet")
    if cfg.model_m == "odyssnet":
        parts.append("odyssnet-m")
    return "-".join(parts) or None


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for tests: at most 2 seeds, 2 cycles of 10 M and 5 C "
                         "updates, 16 random and 8 own episodes (REINFORCE: 20 updates)")
    parser.add_argument("--corridor", type=int, choices=[4, 10, 20], default=4,
                        help="moves from the start to the junction (default 4)")
    parser.add_argument("--method", choices=["model", "reinforce"], default="model",
                        help="model: C through the learned M (the paper's, default); reinforce: the baseline, "
                             "the same recurrent C trained by REINFORCE on the real reward")
    parser.add_argument("--model", choices=["lstm", "odyssnet", "odyssnet-m"], default="lstm",
                        help="lstm: LSTM C and M (default); odyssnet: the catalog's OdyssNet core as C (its OdyssNet "
                             "row); odyssnet-m: OdyssNet as M")
    parser.add_argument("--cycles", type=int_at_most(200, "each cycle trains M and C"), default=Config.cycles)
    parser.add_argument("--lr-c", type=positive_float, default=Config.lr_c, help="Adam step size of C")
    parser.add_argument("--lr-m", type=positive_float, default=Config.lr_m, help="Adam step size of M")
    parser.add_argument("--workers", type=int, choices=[1, 2], default=1,
                        help="processes the seeds are split over (the same figures; a recorded command with 2 runs "
                             "under record.sh --both)")
    parser.add_argument("--gradcheck", action="store_true",
                        help="check the hand-written gradients numerically, print the largest relative error and "
                             "exit (non-zero above 1e-6)")
    args = parser.parse_args(argv)
    if args.method == "reinforce" and args.model == "odyssnet-m":
        parser.error("--method reinforce has no model M: --model odyssnet-m does not apply")
    tuned = [name for name, default in (("cycles", Config.cycles), ("lr_c", Config.lr_c), ("lr_m", Config.lr_m))
             if getattr(args, name) != default]
    if args.record and tuned and not args.quick:
        parser.error(f"--record writes the catalog's configurations only; changed: {', '.join(tuned)}")
    if not args.gradcheck:
        require_seeds(parser, args, MIN_RUNS)
    return args


def config_of(args) -> Config:
    cfg = Config(corridor=args.corridor, method=args.method,
                 model_c="odyssnet" if args.model == "odyssnet" else "lstm",
                 model_m="odyssnet" if args.model == "odyssnet-m" else "lstm", cycles=args.cycles, lr_c=args.lr_c,
                 lr_m=args.lr_m)
    if cfg.corridor > 4 and cfg.method == "model":
        # the longer corridors' steps cost 2.2x and 4.2x: half the batches, 6 cycles (under 5 minutes)
        cfg = replace(cfg, m_batch=32, c_batch=16, cycles=min(cfg.cycles, 6))
    if args.quick:
        cfg = replace(cfg, cycles=min(cfg.cycles, 2), m_first=10, m_iters=10, c_iters=5, random_episodes=16,
                      episodes_per_cycle=8, rf_updates=20)
    return cfg


def gradcheck_main() -> int:
    return gradcheck_report(gradient_errors())


def describe(cfg: Config) -> str:
    c = f"OdyssNet C ({cfg.odyssnet_neurons})" if cfg.model_c == "odyssnet" else f"LSTM C ({cfg.hidden_c})"
    if cfg.method == "reinforce":
        return (f"REINFORCE, {c}; corridor {cfg.corridor}, sparse reward; {cfg.rf_updates} updates of "
                f"{cfg.c_batch} real episodes")
    m = f"OdyssNet M ({cfg.odyssnet_neurons})" if cfg.model_m == "odyssnet" else f"LSTM M ({cfg.hidden_m})"
    return (f"{c} through {m}; corridor {cfg.corridor}, sparse reward, no side channel; {cfg.cycles} cycles, "
            f"{cfg.random_episodes} + {cfg.episodes_per_cycle}/cycle real episodes")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.gradcheck:
        return gradcheck_main()
    if args.quick:
        args.n_seeds = min(args.n_seeds, 2)
    clock = Progress(1)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    cfg = config_of(args)
    section = section_of(cfg)
    label = describe(cfg)
    print(f"T-maze through a world model: {label}; seeds {seeds[0]}..{seeds[-1]}", flush=True)
    rows, history, episodes = train_sweep(cfg, seeds, args.workers)
    out = {"rows": rows, "history": history, "episodes": episodes}
    print(format_table(list(rows[0]), [list(r.values()) for r in rows]))
    summary = summarize([r["episodes"] for r in rows], [r["solved"] for r in rows])
    n_solved, n_runs = summary["n_solved"], summary["n_runs"]
    prefix = "" if section is None else section.replace("-", "_") + "_"
    headline = {f"{prefix}solved": f"{n_solved}/{n_runs}",
                f"{prefix}median_episodes_to_solve": summary["median"],
                f"{prefix}final_greedy_success": float(np.mean([r["final_greedy"] for r in rows])),
                f"{prefix}real_episodes_per_run": out["episodes"]}
    measured = {"runs solved": f"{n_solved}/{n_runs}", "median real episodes to solve": summary["median"]}
    per_cycle = [[c + 1, float(g.mean()), int((g == 1).sum())] for c, g in enumerate(out["history"]["greedy"])]
    tables = [{"title": f"Per seed ({label}): solved (greedy C reaches the indicated flag for both indicators), real "
                        f"episodes and cycle at which it first did, the final greedy C's success and steps, "
                        f"M's loss at the end",
               "columns": list(rows[0]), "rows": [list(r.values()) for r in rows]},
              {"title": f"After each {'cycle' if cfg.method == 'model' else 'check (every 10 updates)'} ({label}): "
                        f"greedy success over seeds and indicators, runs whose greedy C solves both",
               "columns": ["check", "greedy success", "runs solving"], "rows": per_cycle}]
    part = {"summary": f"{'' if section is None else section + ': '}{n_solved}/{n_runs} runs solve the T-maze "
                       f"(corridor {cfg.corridor}); median real episodes {format_value(summary['median'])}",
            "headline": headline,
            "seeds": {"per_seed": rows, "summary": {**summary, "metric": "episodes"}},
            "tables": tables, "wallclock_s": clock.elapsed}
    conclude(part, __file__, verdict, args.record, section=section, measured=measured, paper=PAPER,
             tour="Seed 0: the agent walks the T-maze for both indicators, beside C's hidden state carrying "
                  "the indicator and M's predicted reinforcement.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
