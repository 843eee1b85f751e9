"""Upside-down reinforcement learning on a lander whose reward arrives only at the episode's end
(Schmidhuber 2019, arXiv:1912.02875; Srivastava, Shyam, Mutz, Jaskowski & Schmidhuber 2019,
arXiv:1912.02877).

UDRL does not predict rewards. A behaviour function B(state, desired return, desired horizon) ->
action probabilities is trained by plain supervised learning (cross-entropy) on the agent's own
past episodes: every step of a stored episode is an example of an action that, from that state,
did achieve the return that followed within the steps that remained. Exploration: after every
training phase new episodes are run under commands taken from the best episodes so far (desired
horizon = their mean length, desired return drawn uniformly from [mean, mean + std] of their
returns); during an episode the command is updated, desired return -= reward, horizon -= 1.
The replay buffer keeps the highest-return episodes (the paper's; --buffer fifo: the most recent,
the published catalog's choice, as an ablation). The command enters through a multiplicative
interaction: the state's embedding is gated elementwise by a sigmoid embedding of the command.

The task (ours, numpy): a point-mass lander (x, y, vx, vy) falls under gravity from y = 2 and
must touch down softly on a pad at x = 0 with four actions (nothing, main engine, left, right),
LunarLander's shaping and bonuses scaled down (dense: every step gets the change of a potential
minus fuel, touchdown +100 on the pad and slow, -100 otherwise). --reward sparse (the headline,
the paper's LunarLanderSparse construction): every step gives 0 and the whole episode's dense
return is paid at its last step, so the returns are the same and only the timing differs.

Baseline: DQN (MLP Q-network, experience replay, target network, epsilon-greedy), on the same
number of episodes per seed. The verdict: UDRL beats DQN on the sparse task, and the delay hurts
DQN (dense beats sparse). --model odyssnet: the OdyssNet core as the behaviour function.

Run:  python3 upside-down-rl/upside_down_rl.py --n-seeds 10 --record                      (UDRL, sparse)
      python3 upside-down-rl/upside_down_rl.py --method dqn --n-seeds 10 --record         (DQN, sparse)
      python3 upside-down-rl/upside_down_rl.py --method dqn --reward dense --n-seeds 10 --record
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.learning.control import Learner, OdyssNetBank, clip_per_seed
from shared.frame.experiment import (Progress, conclude, format_table, int_at_most, positive_float, require_seeds,
                                     stub_parser, summarize)
from shared.networks import tape_steps
from shared.networks.optim import Adam
from shared.frame.verdict import grade, judge, mean_below, pending

# ========================================================================================
# GENERAL PIECES (candidates for shared/): the lander environment (dense or end-of-episode
# reward), a bank of MLPs (one per seed, the seed the leading axis of every array) with a
# hand-written backward, the command-gated behaviour net, the softmax cross-entropy.
# ========================================================================================


@dataclass(frozen=True)
class Lander:
    """A point-mass lander, batched over any leading axes: state (..., 4) = x, y, vx, vy.

    Actions 0 nothing, 1 main engine (upward acceleration `main`), 2 left, 3 right engine (lateral
    acceleration -/+ `side`); gravity `g` downward; explicit Euler (velocities first) at step `dt`.
    Touchdown when y <= 0: a landing if |x| < pad and |vx|, |vy| < v_safe, a crash otherwise;
    leaving |x| > x_out or y > y_out is a crash too; the episode ends then or after t_max steps.
    Dense reward (LunarLander's construction, scaled): phi(s') - phi(s) - fuel, phi = -k (|(x, y)| +
    |(vx, vy)|), fuel 0.3 per main-engine step, 0.03 per side-engine step, +100 at a landing, -100 at
    a crash. The sparse version pays the sum of these at the episode's last step (`episode_end`).
    """
    dt: float = 0.1
    g: float = 1.0
    main: float = 2.5
    side: float = 1.0
    t_max: int = 100
    pad: float = 0.5
    v_safe: float = 0.7
    x_out: float = 2.5
    y_out: float = 4.0
    k: float = 20.0
    n_actions: int = 4

    def reset(self, rng: np.random.Generator, n: int) -> np.ndarray:
        s = np.zeros((n, 4))
        s[:, 0] = rng.uniform(-1.0, 1.0, n)
        s[:, 1] = 2.0
        s[:, 2] = rng.uniform(-0.3, 0.3, n)
        return s

    def potential(self, s: np.ndarray) -> np.ndarray:
        return -self.k * (np.hypot(s[..., 0], s[..., 1]) + np.hypot(s[..., 2], s[..., 3]))

    def step(self, s: np.ndarray, a: np.ndarray):
        """-> next state, dense reward, done, landed (each (...,))."""
        ax = np.where(a == 2, -self.side, np.where(a == 3, self.side, 0.0))
        ay = np.where(a == 1, self.main, 0.0) - self.g
        n = s.copy()
        n[..., 2] += ax * self.dt
        n[..., 3] += ay * self.dt
        n[..., 0] += n[..., 2] * self.dt
        n[..., 1] += n[..., 3] * self.dt
        fuel = np.where(a == 1, 0.3, np.where(a >= 2, 0.03, 0.0))
        touch = n[..., 1] <= 0.0
        out = (np.abs(n[..., 0]) > self.x_out) | (n[..., 1] > self.y_out)
        landed = touch & (np.abs(n[..., 0]) < self.pad) & (np.abs(n[..., 2]) < self.v_safe) & \
            (np.abs(n[..., 3]) < self.v_safe)
        crashed = (touch & ~landed) | out
        r = self.potential(n) - self.potential(s) - fuel + 100.0 * landed - 100.0 * crashed
        return n, r, touch | out, landed

    @staticmethod
    def observe(s: np.ndarray) -> np.ndarray:
        return s * np.array([0.5, 0.5, 1.0, 1.0])


def episode_end(rewards: np.ndarray, done_at: np.ndarray) -> np.ndarray:
    """The sparse reward of a finished batch of episodes: rewards (..., T) dense, done_at (...,) the index
    of each episode's last step -> (..., T) with the whole sum paid at that step and 0 elsewhere."""
    out = np.zeros_like(rewards)
    np.put_along_axis(out, done_at[..., None], rewards.sum(axis=-1, keepdims=True), axis=-1)
    return out


def _relu(z):
    return np.maximum(z, 0.0)


class BankMLP:
    """S independent MLPs (one per seed): relu hidden layers, linear outputs; W{i} (S, n_i, n_i+1),
    b{i} (S, n_i+1), in `dtype` (float64 by default; the DQN baseline runs in float32 for speed).
    forward(x (S, B, D)) -> (S, B, K), cache; backward(cache, d_y) -> grads, dL/dx."""

    def __init__(self, sizes, rngs, dtype=np.float64):
        self.sizes = [int(s) for s in sizes]
        self.params = {}
        for i, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            bound = 1.0 / np.sqrt(fan_in)
            self.params[f"W{i}"] = np.stack([rng.uniform(-bound, bound, (fan_in, fan_out)) for rng in rngs]).astype(dtype)
            self.params[f"b{i}"] = np.zeros((len(rngs), fan_out), dtype)

    @property
    def layers(self) -> int:
        return len(self.sizes) - 1

    def forward(self, x):
        cache, a = [], x
        for i in range(self.layers):
            cache.append(a)
            z = a @ self.params[f"W{i}"] + self.params[f"b{i}"][:, None]
            a = z if i == self.layers - 1 else _relu(z)
        return a, cache

    def backward(self, cache, d_y):
        grads, d = {}, d_y
        for i in range(self.layers - 1, -1, -1):
            a_in = cache[i]
            grads[f"W{i}"] = np.swapaxes(a_in, 1, 2) @ d
            grads[f"b{i}"] = d.sum(axis=1)
            d = d @ np.swapaxes(self.params[f"W{i}"], 1, 2)
            if i > 0:
                d = d * (a_in > 0)
        return grads, d


class CommandNet:
    """The behaviour function with a multiplicative command embedding, S nets at once:
    e = relu(obs Ws + bs), g = sigmoid(cmd Wc + bc), then an MLP (relu) on e * g -> action logits."""

    def __init__(self, n_obs, n_cmd, hidden, n_actions, rngs):
        self.trunk = BankMLP([hidden, hidden, n_actions], rngs)
        self.params = {"Ws": np.stack([rng.uniform(-1, 1, (n_obs, hidden)) / np.sqrt(n_obs) for rng in rngs]),
                       "bs": np.zeros((len(rngs), hidden)),
                       "Wc": np.stack([rng.uniform(-1, 1, (n_cmd, hidden)) / np.sqrt(n_cmd) for rng in rngs]),
                       "bc": np.zeros((len(rngs), hidden))}
        self.params.update(self.trunk.params)
        self.trunk.params = self.params          # one dict: the optimizer sees every parameter

    def forward(self, obs, cmd):
        p = self.params
        e = _relu(obs @ p["Ws"] + p["bs"][:, None])
        g = 0.5 * (1.0 + np.tanh(0.5 * (cmd @ p["Wc"] + p["bc"][:, None])))
        logits, trunk_cache = self.trunk.forward(e * g)
        return logits, (obs, cmd, e, g, trunk_cache)

    def backward(self, cache, d_logits):
        obs, cmd, e, g, trunk_cache = cache
        grads, d_z = self.trunk.backward(trunk_cache, d_logits)
        d_pre_e = d_z * g * (e > 0)
        d_pre_g = d_z * e * g * (1.0 - g)
        grads["Ws"] = np.swapaxes(obs, 1, 2) @ d_pre_e
        grads["bs"] = d_pre_e.sum(axis=1)
        grads["Wc"] = np.swapaxes(cmd, 1, 2) @ d_pre_g
        grads["bc"] = d_pre_g.sum(axis=1)
        d_obs = d_pre_e @ np.swapaxes(self.params["Ws"], 1, 2)
        d_cmd = d_pre_g @ np.swapaxes(self.params["Wc"], 1, 2)
        return grads, d_obs, d_cmd


def softmax(logits):
    z = logits - logits.max(axis=-1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=-1, keepdims=True)


def cross_entropy(logits, actions):
    """Mean (over the batch axis 1) cross-entropy per seed and its gradient; logits (S, B, A), actions (S, B)."""
    p = softmax(logits)
    b = logits.shape[1]
    picked = np.take_along_axis(p, actions[..., None], axis=-1)[..., 0]
    loss = -np.log(picked + 1e-12).mean(axis=1)
    d = p.copy()
    np.put_along_axis(d, actions[..., None], np.take_along_axis(d, actions[..., None], axis=-1) - 1.0, axis=-1)
    return loss, d / b


def sample_actions(probs, rngs):
    """One action per row from probs (S, B, A), seed s drawing from rngs[s]."""
    cum = probs.cumsum(axis=-1)
    u = np.stack([rng.random(probs.shape[1]) for rng in rngs])
    return np.minimum((u[..., None] > cum).sum(axis=-1), probs.shape[-1] - 1)

# ========================================================================================
# END OF GENERAL PIECES
# ========================================================================================

ENV = Lander()
RETURN_SCALE = 0.01      # the command (desired return, desired horizon) enters the net scaled by these
HORIZON_SCALE = 0.01


@dataclass(frozen=True)
class Config:
    method: str = "udrl"        # "udrl" or "dqn"
    reward: str = "sparse"      # "sparse" (all at the episode's end) or "dense"
    model: str = "mlp"          # UDRL's behaviour function: "mlp" (command-gated MLP) or "odyssnet"
    buffer: str = "top"         # UDRL's replay buffer: "top" (highest returns, the paper's) or "fifo"
    episodes: int = 1500        # episodes per seed (both methods)
    # UDRL (Algorithm 1/2 of Srivastava et al. 2019; sizes ours)
    warmup: int = 50            # random-action episodes that fill the buffer first
    buffer_size: int = 300      # episodes kept
    last_few: int = 25          # best episodes the exploratory command is taken from
    episodes_per_iter: int = 25
    updates_per_iter: int = 40
    batch: int = 128
    hidden: int = 64
    lr: float = 1e-3
    neurons: int = 32           # OdyssNet behaviour function
    thinking: int = 3
    # DQN
    q_hidden: int = 64
    q_lr: float = 1e-3
    q_batch: int = 128
    update_every: int = 1       # vector steps (of `envs` transitions each) between updates
    gamma: float = 0.99
    q_buffer: int = 50000
    envs: int = 16              # parallel environments per seed
    eps_end: float = 0.05
    eps_eval: float = 0.05      # epsilon of the test episodes
    eps_share: float = 0.4      # share of the budget over which epsilon falls linearly from 1
    target_every: int = 250     # updates between target-network copies
    learn_start: int = 1000     # transitions per seed before the first update
    # evaluation
    eval_episodes: int = 100
    follow_episodes: int = 50   # test episodes per desired return of the command-following sweep


QUICK = dict(episodes=120, warmup=20, episodes_per_iter=20, updates_per_iter=10, buffer_size=60, last_few=10,
             eval_episodes=20, follow_episodes=10, learn_start=200, envs=8, q_batch=32)


# ----------------------------------------------------------------------------------------
# Rollouts of S seeds x E episodes at once
# ----------------------------------------------------------------------------------------


def rollout(policy, starts, reward: str, cmd0=None):
    """Run episodes from starts (S, E, 4) to their end. policy(obs (S, E, 4), cmd (S, E, 2) or None) ->
    actions (S, E). With cmd0 (S, E, 2) = (desired return, desired horizon) the command follows the
    paper's update: desired return -= the reward received, horizon -= 1 (kept >= 1).
    -> dict of obs (S, E, T, 4), actions (S, E, T), rewards as the agent received them (S, E, T),
    length, total return, landed (S, E)."""
    S, E, _ = starts.shape
    T = ENV.t_max
    obs = np.zeros((S, E, T, 4))
    acts = np.zeros((S, E, T), dtype=np.int64)
    dense = np.zeros((S, E, T))
    length = np.full((S, E), T)
    landed = np.zeros((S, E), bool)
    done = np.zeros((S, E), bool)
    s = starts.copy()
    cmd = None if cmd0 is None else cmd0.astype(float).copy()
    for t in range(T):
        o = ENV.observe(s)
        a = policy(o, cmd)
        n, r, d, land = ENV.step(s, a)
        live = ~done
        obs[:, :, t] = o
        acts[:, :, t] = a
        dense[:, :, t] = np.where(live, r, 0.0)
        newly = live & d
        length[newly] = t + 1
        landed |= newly & land
        if cmd is not None:
            got = r if reward == "dense" else np.where(newly, dense[:, :, :t + 1].sum(axis=-1), 0.0)
            cmd[..., 0] -= np.where(live, got, 0.0)
            cmd[..., 1] = np.maximum(cmd[..., 1] - 1.0, 1.0)
        done |= d
        s = np.where(done[..., None], s, n)
        if done.all():
            T = t + 1
            break
    obs, acts, dense = obs[:, :, :T], acts[:, :, :T], dense[:, :, :T]
    total = dense.sum(axis=-1)
    rewards = dense if reward == "dense" else episode_end(dense, length - 1)
    return {"obs": obs, "actions": acts, "rewards": rewards, "length": length, "total": total, "landed": landed}


def starts_for(rngs, n):
    return np.stack([ENV.reset(rng, n) for rng in rngs])


def random_policy(rngs):
    return lambda o, c: np.stack([rng.integers(0, ENV.n_actions, o.shape[1]) for rng in rngs])


# ----------------------------------------------------------------------------------------
# UDRL: replay buffer of episodes, exploratory commands, supervised training of B
# ----------------------------------------------------------------------------------------


class EpisodeBuffer:
    """One seed's replay buffer of whole episodes: "top" keeps the `size` highest-return episodes
    (the paper's), "fifo" the `size` most recent. Training examples: an episode uniformly, a step t
    uniformly in it, command = (return from t to the end, steps left), target = the action taken."""

    def __init__(self, size: int, kind: str):
        self.size, self.kind = size, kind
        self.episodes = []         # (obs (L, 4), actions (L,), rewards (L,), total, length), oldest first
        self._flat = None

    def add(self, obs, actions, rewards, total, length):
        self.episodes.append((obs[:length], actions[:length], rewards[:length], float(total), int(length)))
        if len(self.episodes) > self.size:
            if self.kind == "top":    # drop the lowest return (the oldest among equals)
                worst = min(range(len(self.episodes)), key=lambda i: (self.episodes[i][3], i))
                del self.episodes[worst]
            else:
                del self.episodes[0]
        self._flat = None

    def best(self, n):
        order = sorted(range(len(self.episodes)), key=lambda i: (-self.episodes[i][3], i))[:n]
        return [self.episodes[i] for i in order]

    def exploratory_command(self, n, rng, count):
        """Algorithm 2's command from the n best episodes: horizon = their mean length, desired
        return ~ U[mean, mean + std] of their returns (count draws)."""
        best = self.best(n)
        returns = np.array([e[3] for e in best])
        horizon = float(np.mean([e[4] for e in best]))
        mean, std = float(returns.mean()), float(returns.std())
        return np.stack([rng.uniform(mean, mean + std, count), np.full(count, horizon)], axis=-1)

    def _flatten(self):
        obs = np.concatenate([e[0] for e in self.episodes])
        act = np.concatenate([e[1] for e in self.episodes])
        togo = np.concatenate([np.cumsum(e[2][::-1])[::-1] for e in self.episodes])
        left = np.concatenate([np.arange(e[4], 0, -1) for e in self.episodes]).astype(float)
        lengths = np.array([e[4] for e in self.episodes])
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        self._flat = (obs, act, togo, left, lengths, starts)

    def sample(self, rng, batch):
        if self._flat is None:
            self._flatten()
        obs, act, togo, left, lengths, starts = self._flat
        e = rng.integers(0, len(lengths), batch)
        idx = starts[e] + np.floor(rng.random(batch) * lengths[e]).astype(np.int64)
        return obs[idx], np.stack([togo[idx], left[idx]], axis=-1), act[idx]


def scale_command(cmd):
    return cmd * np.array([RETURN_SCALE, HORIZON_SCALE])


class Behaviour:
    """B(obs, command) -> action logits for S seeds: the command-gated MLP or the OdyssNet core."""

    def __init__(self, cfg: Config, seeds):
        rngs = [np.random.default_rng([s, 1]) for s in seeds]
        self.kind = cfg.model
        if cfg.model == "mlp":
            self.net = CommandNet(4, 2, cfg.hidden, ENV.n_actions, rngs)
            self.opt = Adam(self.net.params, lr=cfg.lr)
        else:
            self.net = OdyssNetBank(4 + 2, ENV.n_actions, cfg.neurons, cfg.thinking, [[s, 1] for s in seeds])
            self.learner = Learner(self.net, cfg.lr)

    def logits(self, obs, cmd):
        c = scale_command(cmd)
        if self.kind == "mlp":
            return self.net.forward(obs, c)[0]
        return self.net.forward(np.concatenate([obs, c], axis=-1)[:, :, None])[:, :, 0]

    def train_step(self, obs, cmd, act):
        c = scale_command(cmd)
        if self.kind == "mlp":
            logits, cache = self.net.forward(obs, c)
            loss, d = cross_entropy(logits, act)
            grads = self.net.backward(cache, d)[0]
            clip_per_seed(grads)
            self.opt.step(grads)
        else:
            logits = self.net.forward(np.concatenate([obs, c], axis=-1)[:, :, None])[:, :, 0]
            loss, d = cross_entropy(logits, act)
            grads = self.net.backward(d[:, :, None])[0]
            self.learner.apply(grads)
        return loss


def udrl_policy(behaviour, rngs):
    return lambda o, c: sample_actions(softmax(behaviour.logits(o, c)), rngs)


def add_episodes(buffers, run):
    for s, buf in enumerate(buffers):
        for e in range(run["length"].shape[1]):
            buf.add(run["obs"][s, e], run["actions"][s, e], run["rewards"][s, e], run["total"][s, e],
                    run["length"][s, e])


def train_udrl(cfg: Config, seeds, progress=None):
    """Algorithm 1 of Srivastava et al. (2019) for S seeds at once. -> behaviour, buffers, history."""
    env_rngs = [np.random.default_rng([s, 2]) for s in seeds]
    act_rngs = [np.random.default_rng([s, 3]) for s in seeds]
    buf_rngs = [np.random.default_rng([s, 4]) for s in seeds]
    behaviour = Behaviour(cfg, seeds)
    buffers = [EpisodeBuffer(cfg.buffer_size, cfg.buffer) for _ in seeds]
    run = rollout(random_policy(act_rngs), starts_for(env_rngs, cfg.warmup), cfg.reward)
    add_episodes(buffers, run)
    used = cfg.warmup
    history = {"episodes": [], "return": [], "landed": [], "loss": [], "cmd_return": [], "cmd_horizon": [],
               "buffer_mean": []}
    policy = udrl_policy(behaviour, act_rngs)
    while used < cfg.episodes:
        losses = []
        for _ in range(cfg.updates_per_iter):
            batch = [buf.sample(rng, cfg.batch) for buf, rng in zip(buffers, buf_rngs)]
            losses.append(behaviour.train_step(*(np.stack(x) for x in zip(*batch))))
        n = min(cfg.episodes_per_iter, cfg.episodes - used)
        cmd0 = np.stack([buf.exploratory_command(cfg.last_few, rng, n) for buf, rng in zip(buffers, buf_rngs)])
        run = rollout(policy, starts_for(env_rngs, n), cfg.reward, cmd0)
        add_episodes(buffers, run)
        used += n
        history["episodes"].append(used)
        history["return"].append(run["total"].mean(axis=1))
        history["landed"].append(run["landed"].mean(axis=1))
        history["loss"].append(np.mean(losses, axis=0))
        history["cmd_return"].append(cmd0[..., 0].mean(axis=1))
        history["cmd_horizon"].append(cmd0[:, 0, 1])
        history["buffer_mean"].append(np.array([np.mean([e[3] for e in b.episodes]) for b in buffers]))
        if progress is not None:
            progress.update(used, mean_return=float(run["total"].mean()), landed=float(run["landed"].mean()))
    history = {k: np.array(v) for k, v in history.items()}
    return behaviour, buffers, history


def udrl_eval_command(buffers, cfg):
    """The command the trained agent is tested with (ours): the best return in the buffer and the mean
    length of its `last_few` best episodes."""
    return np.stack([[b.best(1)[0][3], np.mean([e[4] for e in b.best(cfg.last_few)])] for b in buffers])


def evaluate_udrl(behaviour, buffers, cfg, seeds, commands=None):
    """Test episodes (fresh starts, actions sampled from B) under the evaluation command, or under each
    desired return of `commands` (horizon as in the evaluation command). -> dict of (S,) or (S, C) arrays."""
    rngs = [np.random.default_rng([s, 5]) for s in seeds]
    policy = udrl_policy(behaviour, [np.random.default_rng([s, 6]) for s in seeds])
    base = udrl_eval_command(buffers, cfg)
    n = cfg.eval_episodes if commands is None else cfg.follow_episodes
    starts = starts_for(rngs, n)
    if commands is None:
        run = rollout(policy, starts, cfg.reward, np.repeat(base[:, None], n, axis=1))
        return {"return": run["total"].mean(axis=1), "landed": run["landed"].mean(axis=1),
                "command": base[:, 0], "horizon": base[:, 1]}
    got, land = [], []
    for c in commands:
        cmd = np.repeat(base[:, None], n, axis=1)
        cmd[..., 0] = c
        run = rollout(policy, starts, cfg.reward, cmd)
        got.append(run["total"].mean(axis=1))
        land.append(run["landed"].mean(axis=1))
    return {"achieved": np.stack(got, axis=1), "landed": np.stack(land, axis=1)}


# ----------------------------------------------------------------------------------------
# DQN (the TD baseline): MLP Q-network, replay, target network, epsilon-greedy
# ----------------------------------------------------------------------------------------


def huber_grad(err):
    return np.clip(err, -1.0, 1.0)


def train_dqn(cfg: Config, seeds, progress=None):
    """DQN for S seeds at once, E environments each, one update of q_batch every update_every vector steps
    (128 per 16 transitions: the replay ratio of Mnih et al. 2015, 32 per 4); stops when every seed has
    finished cfg.episodes episodes. Rewards are scaled by 0.01 for the net (ours). The Q-network, its
    replay memory and its updates are float32 (speed); the environment is float64."""
    S, E = len(seeds), cfg.envs
    rngs = [np.random.default_rng([s, 1]) for s in seeds]
    env_rngs = [np.random.default_rng([s, 2]) for s in seeds]
    act_rngs = [np.random.default_rng([s, 3]) for s in seeds]
    buf_rngs = [np.random.default_rng([s, 4]) for s in seeds]
    q = BankMLP([4, cfg.q_hidden, cfg.q_hidden, ENV.n_actions], rngs, dtype=np.float32)
    target = {k: v.copy() for k, v in q.params.items()}
    opt = Adam(q.params, lr=cfg.q_lr)
    cap = cfg.q_buffer
    B_o = np.zeros((S, cap, 4), np.float32); B_a = np.zeros((S, cap), np.int64); B_r = np.zeros((S, cap), np.float32)
    B_n = np.zeros((S, cap, 4), np.float32); B_d = np.zeros((S, cap), np.float32)
    stored, ptr, updates = 0, 0, 0
    s = starts_for(env_rngs, E)
    t_in = np.zeros((S, E), np.int64)
    ep_dense = np.zeros((S, E))
    finished = np.zeros(S, np.int64)
    history = {"episodes": [], "return": [], "landed": []}
    recent_r, recent_l = [[] for _ in seeds], [[] for _ in seeds]
    expected_steps = cfg.episodes * 40 / E         # epsilon schedule in vector steps (40: a typical episode)
    step = 0
    tgt_net = BankMLP.__new__(BankMLP)
    tgt_net.sizes, tgt_net.params = q.sizes, target
    while finished.min() < cfg.episodes:
        eps = max(cfg.eps_end, 1.0 - (1.0 - cfg.eps_end) * step / (cfg.eps_share * expected_steps))
        o = ENV.observe(s)
        a = dqn_policy(q, eps, act_rngs)(o, None)
        n, r, d, land = ENV.step(s, a)
        t_in += 1
        timeout = t_in >= ENV.t_max
        end = d | timeout
        ep_dense += r
        if cfg.reward == "dense":
            r_agent = r
        else:
            r_agent = np.where(end, ep_dense, 0.0)
        k = ptr
        B_o[:, k:k + E] = o
        B_a[:, k:k + E] = a
        B_r[:, k:k + E] = r_agent * 0.01
        B_n[:, k:k + E] = ENV.observe(n)
        B_d[:, k:k + E] = d                     # a time-out is not a terminal state (bootstrapped)
        ptr = (ptr + E) % cap
        stored = min(stored + E, cap)
        for i in range(S):
            for e in np.nonzero(end[i])[0]:
                recent_r[i].append(ep_dense[i, e])
                recent_l[i].append(bool(land[i, e]))
        finished += end.sum(axis=1)
        fresh = starts_for(env_rngs, E)
        s = np.where(end[..., None], fresh, n)
        ep_dense = np.where(end, 0.0, ep_dense)
        t_in = np.where(end, 0, t_in)
        step += 1
        if stored >= cfg.learn_start and step % cfg.update_every == 0:
            idx = np.stack([rng.integers(0, stored, cfg.q_batch) for rng in buf_rngs])
            bo = np.take_along_axis(B_o, idx[..., None], axis=1)
            bn = np.take_along_axis(B_n, idx[..., None], axis=1)
            ba = np.take_along_axis(B_a, idx, axis=1)
            br = np.take_along_axis(B_r, idx, axis=1)
            bd = np.take_along_axis(B_d, idx, axis=1)
            q_next = tgt_net.forward(bn)[0].max(axis=-1)
            y = br + np.float32(cfg.gamma) * (1.0 - bd) * q_next
            qv, cache = q.forward(bo)
            picked = np.take_along_axis(qv, ba[..., None], axis=-1)[..., 0]
            d_q = np.zeros_like(qv)
            np.put_along_axis(d_q, ba[..., None], (huber_grad(picked - y) / np.float32(cfg.q_batch))[..., None], axis=-1)
            grads = q.backward(cache, d_q)[0]
            clip_per_seed(grads, 10.0)
            opt.step(grads)
            updates += 1
            if updates % cfg.target_every == 0:
                for key in target:
                    target[key][...] = q.params[key]
        if step % 50 == 0 and all(recent_r):
            history["episodes"].append(int(finished.min()))
            history["return"].append(np.array([np.mean(x[-50:]) for x in recent_r]))
            history["landed"].append(np.array([np.mean(x[-50:]) for x in recent_l]))
            if progress is not None:
                progress.update(int(min(finished.min(), cfg.episodes)),
                                mean_return=float(np.mean(history["return"][-1])), eps=eps)
    history = {k: np.array(v) for k, v in history.items()}
    return q, history


def dqn_policy(q, eps, rngs):
    """epsilon-greedy on the Q-network, seed s drawing from rngs[s]."""
    def act(o, c):
        greedy = q.forward(o)[0].argmax(axis=-1)
        n = o.shape[1]
        return np.stack([np.where(rng.random(n) < eps, rng.integers(0, ENV.n_actions, n), greedy[i])
                         for i, rng in enumerate(rngs)])
    return act


def evaluate_dqn(q, cfg, seeds):
    """Test episodes with epsilon = cfg.eps_eval (0.05, as DQN is evaluated in Mnih et al. 2015)."""
    rngs = [np.random.default_rng([s, 5]) for s in seeds]
    policy = dqn_policy(q, cfg.eps_eval, [np.random.default_rng([s, 6]) for s in seeds])
    run = rollout(policy, starts_for(rngs, cfg.eval_episodes), cfg.reward)
    return {"return": run["total"].mean(axis=1), "landed": run["landed"].mean(axis=1)}


# ----------------------------------------------------------------------------------------
# One sweep (all seeds at once), gradient check
# ----------------------------------------------------------------------------------------

COMMANDS = np.linspace(-100.0, 150.0, 11)     # desired returns of the command-following sweep
SOLVED_LANDED = 0.5                           # a run "solves" the task when >= half its test episodes land


def run_sweep(cfg: Config, seeds, follow: bool = True):
    """Train cfg's method on every seed (one bank), test it. -> per-seed rows, history, extras."""
    progress = Progress(cfg.episodes, label=f"{cfg.method} {cfg.reward}")
    extras = {}
    if cfg.method == "udrl":
        behaviour, buffers, history = train_udrl(cfg, seeds, progress)
        ev = evaluate_udrl(behaviour, buffers, cfg, seeds)
        if follow:
            extras["follow"] = evaluate_udrl(behaviour, buffers, cfg, seeds, COMMANDS)
        extras["behaviour"], extras["buffers"] = behaviour, buffers
    else:
        q, history = train_dqn(cfg, seeds, progress)
        ev = evaluate_dqn(q, cfg, seeds)
        extras["q"] = q
    rows = []
    for i, seed in enumerate(seeds):
        row = {"seed": int(seed), "test_return": float(ev["return"][i]), "landed": float(ev["landed"][i]),
               "solved": bool(ev["landed"][i] >= SOLVED_LANDED)}
        if cfg.method == "udrl":
            row["command_return"] = float(ev["command"][i])
            row["command_horizon"] = float(ev["horizon"][i])
        rows.append(row)
    return rows, history, extras


def gradcheck_main() -> int:
    """Numerical check of CommandNet's and BankMLP's hand-written backward (float64)."""
    from shared.frame.gradcheck import check_gradients
    rngs = [np.random.default_rng(k) for k in range(2)]
    net = CommandNet(4, 2, 6, 3, rngs)
    rng = np.random.default_rng(9)
    obs, cmd = rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 2))
    act = rng.integers(0, 3, (2, 5))
    logits, cache = net.forward(obs, cmd)
    _, d = cross_entropy(logits, act)
    grads, d_obs, d_cmd = net.backward(cache, d)

    def loss():
        return float(cross_entropy(net.forward(obs, cmd)[0], act)[0].sum())

    errors = check_gradients(loss, net.params, grads)
    mlp = BankMLP([4, 5, 5, 3], rngs)
    w = rng.normal(size=(2, 7, 3))
    x = rng.normal(size=(2, 7, 4))
    y, c = mlp.forward(x)
    g2, _ = mlp.backward(c, w)
    errors.update({f"mlp.{k}": v for k, v in check_gradients(lambda: float((mlp.forward(x)[0] * w).sum()),
                                                               mlp.params, g2).items()})
    worst = max(errors.values())
    print(format_table(["parameter", "max relative error"], sorted(errors.items())))
    print(f"largest relative error {worst:.3g}")
    return 0 if worst < 1e-6 else 1


# ----------------------------------------------------------------------------------------
# Data movement (issue 21)
# ----------------------------------------------------------------------------------------


def _adam(tape, params: dict, grads: dict, state: dict) -> None:
    for name, w in params.items():
        m = tape.map(state[f"m.{name}"], grads[name])
        v = tape.map(state[f"v.{name}"], grads[name])
        tape.map(w, m, v)


def _udrl_step(tape, cfg: Config):
    """One Behaviour.train_step of the command-gated MLP (float64, one seed): forward, softmax
    cross-entropy gradient, CommandNet.backward (with the d_obs and d_cmd it computes), Adam."""
    f64, hid, n_act, b = np.float64, cfg.hidden, ENV.n_actions, cfg.batch
    shapes = {"Ws": (4, hid), "bs": (hid,), "Wc": (2, hid), "bc": (hid,), "W0": (hid, hid), "b0": (hid,),
              "W1": (hid, n_act), "b1": (n_act,)}
    p = {k: tape.argument(v, f64) for k, v in shapes.items()}
    state = {f"{m}.{k}": tape.argument(v, f64) for m in ("m", "v") for k, v in shapes.items()}
    act = tape.argument(b, np.int64)
    obs, cmd = tape.argument((b, 4), f64), tape.argument((b, 2), f64)
    lin = lambda x, w, c: tape.map(tape.matmul(x, p[w]), p[c])                 # noqa: E731
    cmd = tape.map(cmd)                                                        # scale_command
    e = tape.map(lin(obs, "Ws", "bs"))                                         # relu
    g = tape.map(lin(cmd, "Wc", "bc"))                                         # sigmoid
    x0 = tape.map(e, g)
    h = tape.map(lin(x0, "W0", "b0"))
    logits = lin(h, "W1", "b1")
    shifted = tape.map(logits, tape.reduce(logits, axis=-1)[:, None])
    ex = tape.map(shifted)
    prob = tape.map(ex, tape.reduce(ex, axis=-1)[:, None])
    d = tape.map(prob)                                                         # p.copy()
    picked = tape.map(d[:, 0], act)                                            # put_along_axis: p - 1 at the action
    d = tape.map(np.concatenate([picked[:, None], d[:, 1:]], axis=1))          # / B
    grads = {"W1": tape.matmul(h.T, d), "b1": tape.reduce(d, axis=0)}
    d = tape.map(tape.matmul(d, p["W1"].T), h)                                 # * (a > 0)
    grads["W0"], grads["b0"] = tape.matmul(x0.T, d), tape.reduce(d, axis=0)
    d_z = tape.matmul(d, p["W0"].T)
    d_e, d_g = tape.map(d_z, g, e), tape.map(d_z, e, g)
    grads["Ws"], grads["bs"] = tape.matmul(obs.T, d_e), tape.reduce(d_e, axis=0)
    grads["Wc"], grads["bc"] = tape.matmul(cmd.T, d_g), tape.reduce(d_g, axis=0)
    tape.matmul(d_e, p["Ws"].T)                                                # d_obs, d_cmd: computed, unused
    tape.matmul(d_g, p["Wc"].T)
    _adam(tape, p, grads, state)
    return tape


def _dqn_step(tape, cfg: Config):
    """One DQN update (float32, one seed): the online net's step (tape_steps.mlp_step: forward, the
    gradient at the taken actions, backward, Adam) and the target net's forward pass on the next states
    with its max over actions and the TD target (written after the step: the stub runs it first)."""
    f32, sizes, b = np.float32, [4, cfg.q_hidden, cfg.q_hidden, ENV.n_actions], cfg.q_batch
    target = [(tape.argument((i, o), f32), tape.argument(o, f32)) for i, o in zip(sizes[:-1], sizes[1:])]
    reward, done, nxt = tape.argument(b, f32), tape.argument(b, f32), tape.argument((b, sizes[0]), f32)
    tape_steps.mlp_step(tape, sizes, batch=b, optimizer="adam", itemsize=4)
    a = nxt
    for i, (w, c) in enumerate(target):
        a = tape.map(tape.matmul(a, w), c)
        if i < len(target) - 1:
            a = tape.map(a)
    tape.map(reward, done, tape.reduce(a, axis=-1))
    return tape


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter: one gradient step of each learner on one seed (the
    stub steps its seeds together, one bank per seed: one seed's share is priced). UDRL: one
    Behaviour.train_step on a batch of 128 (command-gated MLP 4 -> 64 (x sigmoid(2 -> 64)) -> 64 -> 4,
    float64, Adam); the OdyssNet behaviour function: tape_steps.odyssnet_step (32 neurons, 3 thinking
    steps, the loss at the last, AdamW, float64; it injects the input at every thinking step where the
    bank does at the first only); DQN: one update of the float32 Q-network with its target net's forward
    pass. Each sigmoid/relu is one map; the gradient clipping (clip_per_seed: a square and a sum per
    weight, then a scale) and the losses' values are left out. Not priced: the lander's physics, the
    replay buffer's sampling, and acting: the behaviour function's (or Q-network's) forward pass at every
    environment step, about 60,000 one-state forward passes per UDRL run, some 5 % of its training FLOPs.
    Steps to solve: no run stops early and the solve is judged on the test episodes after the budget,
    so a run's steps are its whole budget: UDRL, training iterations (history) x updates_per_iter; DQN,
    one update per vector step after the first learn_start transitions, the vector steps read as 50 x
    the history's entries (it logs every 50 steps: exact to within 50)."""
    cfg = Config()
    udrl_updates = lambda part: len(part["history"]["episodes"]) * cfg.updates_per_iter   # noqa: E731
    solved = lambda part: ((part.get("seeds") or {}).get("summary") or {}).get("n_solved")  # noqa: E731
    n_weights = 4 * cfg.hidden + 2 * cfg.hidden + 2 * cfg.hidden + cfg.hidden ** 2 + cfg.hidden + \
        cfg.hidden * ENV.n_actions + ENV.n_actions
    rows = [{"row": "UDRL", "family": "gradient", "step": f"one training batch of {cfg.batch} (state, command, action)",
             "size": f"command-gated MLP, {n_weights} weights, Adam, float64", "program": lambda tape: _udrl_step(tape, cfg),
             "steps_to_solve": udrl_updates(record) if solved(record) else None,
             "steps_from": f"the run's budget: {len(record['history']['episodes'])} iterations (history) x "
                           f"{cfg.updates_per_iter} updates; solved at the end"}]
    if "odyssnet" in record:
        part = record["odyssnet"]
        rows.append({"row": "UDRL, OdyssNet core", "family": "gradient",
                     "step": f"one training batch of {cfg.batch}",
                     "size": f"OdyssNet core, {cfg.neurons} neurons, {cfg.thinking} thinking steps, AdamW, float64",
                     "program": lambda tape: tape_steps.odyssnet_step(tape, cfg.neurons, 6, ENV.n_actions, cfg.thinking,
                                                                      batch=cfg.batch, optimizer="adam", itemsize=8,
                                                                      targets="last"),
                     "steps_to_solve": udrl_updates(part) if solved(part) else None,
                     "steps_from": f"[odyssnet] the run's budget: {len(part['history']['episodes'])} iterations x "
                                   f"{cfg.updates_per_iter} updates"})
    if "dqn-sparse" in record:
        part = record["dqn-sparse"]
        steps = 50 * len(part["history"]["episodes"]) - cfg.learn_start // cfg.envs
        rows.append({"row": "DQN", "family": "gradient", "step": f"one update on a batch of {cfg.q_batch} transitions",
                     "size": f"MLP 4-{cfg.q_hidden}-{cfg.q_hidden}-{ENV.n_actions} and its target net, Adam, float32",
                     "program": lambda tape: _dqn_step(tape, cfg),
                     "steps_to_solve": steps if solved(part) else None,
                     "steps_from": f"[dqn-sparse] the run's budget: about 50 x {len(part['history']['episodes'])} "
                                   f"vector steps (history) less the first {cfg.learn_start // cfg.envs} before "
                                   f"learning, one update each"})
    return rows


# ----------------------------------------------------------------------------------------
# The verdict, fixed before the recorded runs
# ----------------------------------------------------------------------------------------

MIN_SEEDS = 10
WHERE_SPARSE = ("Srivastava et al. 2019 (arXiv:1912.02877), the sparse-reward experiments (LunarLanderSparse: "
                "UDRL learns where A2C and DQN fail); no figure is quoted here, the paper's text was read in part")
WHERE_DENSE = ("Srivastava et al. 2019, Figure 8 (dense LunarLander-v2: traditional RL, DQN and A2C, beats UDRL) "
               "against the sparse experiments")


def verdict(record: dict) -> dict:
    """The catalog's verdict for upside-down-rl.

    Claim 1 (primary): on the sparse task (all reward at the episode's end) UDRL beats the TD baseline
    (DQN) given the same number of episodes per seed. Metric: per seed, the mean return of 100 test
    episodes after training (UDRL acting under its evaluation command, DQN greedy); test: one-sided
    paired t over the seeds (seed k of both runs) that the mean of DQN minus UDRL is below 0.
    Claim 2: the delay is what hurts DQN: DQN on the sparse task returns less than DQN on the dense
    task (the same returns paid step by step); same metric and test on DQN sparse minus DQN dense.
    Both from the main record (UDRL, sparse) and the sections dqn-sparse and dqn-dense, each >= 10 seeds
    (the same seeds). Holm over the two claims at level 0.05. yes: both hold; partial: claim 1 holds,
    claim 2 not; no: claim 1 fails.
    """
    needed = {"main": record.get("seeds"), "dqn-sparse": (record.get("dqn-sparse") or {}).get("seeds"),
              "dqn-dense": (record.get("dqn-dense") or {}).get("seeds")}
    for name, seeds in needed.items():
        rows = (seeds or {}).get("per_seed") or []
        if len(rows) < MIN_SEEDS:
            return pending(f"{name}: {len(rows)} seeds, the rule needs {MIN_SEEDS}")
    by_seed = {name: {r["seed"]: r["test_return"] for r in seeds["per_seed"]} for name, seeds in needed.items()}
    common = sorted(set(by_seed["main"]) & set(by_seed["dqn-sparse"]) & set(by_seed["dqn-dense"]))
    if len(common) < MIN_SEEDS:
        return pending(f"{len(common)} seeds common to the three runs, the rule needs {MIN_SEEDS}")
    udrl = [by_seed["main"][s] for s in common]
    dqn_sparse = [by_seed["dqn-sparse"][s] for s in common]
    dqn_dense = [by_seed["dqn-dense"][s] for s in common]
    claims = judge([
        mean_below("UDRL beats DQN on the sparse, delayed-reward task", WHERE_SPARSE,
                   [d - u for d, u in zip(dqn_sparse, udrl)], 0.0,
                   metric="per seed: mean test return of DQN minus that of UDRL (sparse task, same seeds, "
                          "same episodes)"),
        mean_below("the delay hurts DQN (dense beats sparse)", WHERE_DENSE,
                   [s - d for s, d in zip(dqn_sparse, dqn_dense)], 0.0,
                   metric="per seed: mean test return of DQN on the sparse task minus on the dense task")])
    return grade(claims, primary=1)


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------

SECTIONS = {
    "dqn-sparse": "DQN on the sparse task (--method dqn)",
    "dqn-dense": "DQN on the dense task (--method dqn --reward dense)",
    "udrl-dense": "UDRL on the dense task (--reward dense)",
    "fifo": "UDRL with a FIFO replay buffer (--buffer fifo), the published catalog's choice",
    "odyssnet": "UDRL with the OdyssNet core as the behaviour function (--model odyssnet)",
}


def section_of(args) -> str | None:
    if args.method == "dqn":
        return f"dqn-{args.reward}"
    chosen = [name for name, on in (("fifo", args.buffer == "fifo"), ("odyssnet", args.model == "odyssnet"),
                                    ("udrl-dense", args.reward == "dense")) if on]
    return chosen[0] if chosen else None


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for the tests: at most 2 seeds, 120 episodes, "
                         "20 test episodes")
    parser.add_argument("--method", choices=["udrl", "dqn"], default="udrl",
                        help="udrl: upside-down RL (default); dqn: the TD baseline")
    parser.add_argument("--reward", choices=["sparse", "dense"], default="sparse",
                        help="sparse: the whole return paid at the episode's last step (default); dense: step by step")
    parser.add_argument("--buffer", choices=["top", "fifo"], default="top",
                        help="UDRL's replay buffer: top (the highest-return episodes, the paper's; default) or fifo")
    parser.add_argument("--model", choices=["mlp", "odyssnet"], default="mlp",
                        help="UDRL's behaviour function: mlp (command-gated MLP, default) or odyssnet (the OdyssNet core)")
    parser.add_argument("--episodes", type=int_at_most(100000, "episodes per seed"), default=Config.episodes,
                        help=f"episodes per seed (default {Config.episodes})")
    parser.add_argument("--lr", type=positive_float, default=None, help="step size (UDRL's Adam or DQN's)")
    parser.add_argument("--gradcheck", action="store_true",
                        help="check the hand-written gradients numerically and exit (non-zero above 1e-6)")
    args = parser.parse_args(argv)
    parser.only_when(not args.gradcheck, parser.flags("--gradcheck"), "to training runs, not to --gradcheck")
    parser.only_when(args.method == "udrl", ["--buffer", "--model"], "with --method udrl")
    chosen = [on for on in (args.buffer == "fifo", args.model == "odyssnet", args.reward == "dense"
                            and args.method == "udrl") if on]
    if len(chosen) > 1:
        parser.error("one comparison at a time: --buffer fifo, --model odyssnet and --reward dense each record "
                     "their own section")
    if args.record and (args.episodes != Config.episodes or args.lr is not None) and not args.quick:
        parser.error("--record keeps the recorded configuration: --episodes and --lr are for exploration")
    if not args.gradcheck:
        require_seeds(parser, args, MIN_SEEDS)
    return args


def config_of(args) -> Config:
    cfg = Config(method=args.method, reward=args.reward, buffer=args.buffer, model=args.model,
                 episodes=args.episodes)
    if args.lr is not None:
        cfg = replace(cfg, **({"lr": args.lr} if args.method == "udrl" else {"q_lr": args.lr}))
    if args.quick:
        cfg = replace(cfg, **{**QUICK, "episodes": min(cfg.episodes, QUICK["episodes"])})
    return cfg


def describe(cfg: Config) -> str:
    if cfg.method == "dqn":
        return (f"DQN ({cfg.q_hidden}-{cfg.q_hidden} MLP, replay {cfg.q_buffer}, target every {cfg.target_every}), "
                f"{cfg.reward} reward, {cfg.episodes} episodes")
    net = (f"command-gated MLP ({cfg.hidden})" if cfg.model == "mlp"
           else f"OdyssNet core ({cfg.neurons} neurons, {cfg.thinking} thinking steps)")
    return (f"UDRL, {net}, {cfg.buffer} buffer of {cfg.buffer_size}, {cfg.reward} reward, {cfg.episodes} episodes")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.gradcheck:
        return gradcheck_main()
    if args.quick:
        args.n_seeds = min(args.n_seeds, 2)
    clock = Progress(1)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    cfg = config_of(args)
    section = section_of(args)
    label = describe(cfg)
    print(f"upside-down RL on the lander: {label}; seeds {seeds[0]}..{seeds[-1]}", flush=True)
    rows, history, extras = run_sweep(cfg, seeds, follow=cfg.method == "udrl")
    print(format_table(list(rows[0]), [list(r.values()) for r in rows]))
    summary = summarize([r["test_return"] for r in rows], [r["solved"] for r in rows])
    summary["metric"] = "test_return"
    mean_return = float(np.mean([r["test_return"] for r in rows]))
    landed = float(np.mean([r["landed"] for r in rows]))
    prefix = "" if section is None else section.replace("-", "_") + "_"
    headline = {f"{prefix}mean_test_return": mean_return, f"{prefix}mean_landed": landed,
                f"{prefix}solved": f"{summary['n_solved']}/{summary['n_runs']}"}
    measured = {"mean test return": mean_return, "share of test episodes landed": landed,
                "runs landing >= half their test episodes": f"{summary['n_solved']}/{summary['n_runs']}"}
    tables = [{"title": f"Per seed ({label}): mean return and share landed of {cfg.eval_episodes} test episodes"
                        + ("; the evaluation command (desired return, horizon)" if cfg.method == "udrl" else
                           f"; epsilon-greedy actions, epsilon {cfg.eps_eval}"),
               "columns": list(rows[0]), "rows": [list(r.values()) for r in rows]}]
    curve_idx = np.unique(np.linspace(0, len(history["episodes"]) - 1, 12).astype(int)) if len(history["episodes"]) \
        else np.array([], int)
    tables.append({"title": f"Learning curve ({label}): mean return and share landed of the training episodes "
                            f"(mean over seeds{'; the last 50 episodes of each seed' if cfg.method == 'dqn' else ''})",
                   "columns": ["episodes", "return", "landed"],
                   "rows": [[int(history["episodes"][i]), float(history["return"][i].mean()),
                             float(history["landed"][i].mean())] for i in curve_idx]})
    if "follow" in extras:
        ach = extras["follow"]["achieved"]
        tables.append({"title": f"Command following ({label}): desired return commanded at the start (horizon: the "
                                f"evaluation command's), achieved return over {cfg.follow_episodes} test episodes "
                                f"(mean and spread over seeds), share landed",
                       "columns": ["commanded", "achieved_mean", "achieved_sd", "landed"],
                       "rows": [[float(c), float(ach[:, j].mean()), float(ach[:, j].std()),
                                 float(extras["follow"]["landed"][:, j].mean())] for j, c in enumerate(COMMANDS)]})
        headline[f"{prefix}follow_slope"] = float(np.polyfit(COMMANDS, ach.mean(axis=0), 1)[0])
    part = {"summary": f"{label}: mean test return {mean_return:.1f}, {landed:.0%} of test episodes landed, "
                       f"{summary['n_solved']}/{summary['n_runs']} runs land >= half",
            "headline": headline, "seeds": {"per_seed": rows, "summary": summary}, "tables": tables,
            "history": {"episodes": history["episodes"].tolist(), "return": history["return"].tolist(),
                        "landed": history["landed"].tolist()},
            "wallclock_s": round(clock.elapsed, 1)}
    if "follow" in extras:
        part["follow"] = {"commands": COMMANDS.tolist(), "achieved": extras["follow"]["achieved"].tolist(),
                          "landed": extras["follow"]["landed"].tolist()}
    if section is None:
        part.update({"slug": "upside-down-rl", "paper": PAPER, "tour": TOUR})
    conclude(part, __file__, verdict, args.record, section=section, measured=measured)
    return 0


PAPER = {
    "citation": "Schmidhuber, J. (2019). Reinforcement learning upside down: don't predict rewards -- just map them "
                "to actions. arXiv:1912.02875. Srivastava, R. K., Shyam, P., Mutz, F., Jaskowski, W. & "
                "Schmidhuber, J. (2019). Training agents using upside-down reinforcement learning. arXiv:1912.02877.",
    "claim": "A behaviour function trained by supervised learning to map (state, desired return, desired horizon) "
             "to actions learns sparse, delayed-reward tasks (LunarLanderSparse) on which TD methods (DQN, A2C) "
             "fail, while on the dense LunarLander-v2 the TD methods beat it.",
    "figures": [
        {"name": "UDRL on LunarLanderSparse", "value": "learns; A2C and DQN fail (no number quoted here)",
         "where": "Srivastava et al. 2019, sparse-reward experiments (as summarised in the abstract and the catalog "
                  "plan; the section itself not read)"},
        {"name": "UDRL on dense LunarLander-v2", "value": "lands the spacecraft, beaten by traditional RL",
         "where": "Srivastava et al. 2019, Figure 8 caption"},
    ],
}
TOUR = ("the trained lander under four commanded returns (crash, hover, land), beside its command counting down "
        "and the return so far")


if __name__ == "__main__":
    sys.exit(main())
