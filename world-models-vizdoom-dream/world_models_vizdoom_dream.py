"""Learning inside a dream: a take-cover task from pixels, V (a VAE), M (an MDN-RNN sampled at
temperature tau, with a done head) and a linear C evolved by CMA-ES entirely inside M's dream.

Ha, D. & Schmidhuber, J. (2018). Recurrent World Models Facilitate Policy Evolution. NeurIPS 31,
pp. 2450-2462 (arXiv:1809.01999); the interactive version, https://worldmodels.github.io ("World
Models", arXiv:1803.10122), is where every paper figure quoted here was read: its sections "VizDoom
Experiment: Learning Inside of a Dream", "Procedure", "Transfer Policy to Actual Environment",
"Cheating the World Model" (the temperature table) and the appendix ("Recurrent Neural Network",
"Controller", "Evolution Strategies", "DoomRNN").

The paper's procedure (section "Procedure"), here on a numpy take-cover room:

  1. collect rollouts of a random policy in the real environment;
  2. train V, a VAE, to encode each frame into z;
  3. train M, an LSTM with a mixture-density head, to model P(z_{t+1}, done_{t+1} | a_t, z_t, h_t);
  4. C is linear: a_t = tanh(W_c [z_t, c_t, h_t]), its range cut in thirds (left, stay, right);
  5. evolve W_c by CMA-ES to maximise the survival time inside M's dream (z sampled from M at a
     temperature tau, the episode ending when M's done probability passes 0.5);
  6. deploy C, unchanged, in the real environment.

The temperature sweep (the paper's table in "Cheating the World Model": tau = 0.10, 0.50, 1.00, 1.15,
1.30) gives each C's score in its dream and in the real room; the random policy and a policy that
always moves are the baselines, and C evolved on the real room (which the paper did not do) is our
upper reference. The verdict pools the seed blocks of two seeds (each command under 5 minutes):

    python3 world-models-vizdoom-dream/world_models_vizdoom_dream.py --seed 0 --n-seeds 2 --record
    python3 world-models-vizdoom-dream/world_models_vizdoom_dream.py --seed 2 --n-seeds 2 --record  # section seeds-2-3
    ...                                                                                           # seeds-4-5, seeds-6-7
    python3 world-models-vizdoom-dream/world_models_vizdoom_dream.py --seed 8 --n-seeds 2 --record  # section seeds-8-9
    python3 world-models-vizdoom-dream/world_models_vizdoom_dream.py --gradcheck
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.learning import tape_episodes
from shared.networks import tape_steps
from shared.search.evo import CMAES
from shared.frame.experiment import (Progress, conclude, format_table, format_value, int_at_most, positive_float,
                                     require_seeds, seed_block_configs, seed_rows, stub_parser)
from shared.frame.gradcheck import check_gradients, gradcheck_report
from shared.networks.optim import Adam, clip_global_norm
from shared.networks.recurrent import LSTM
from shared.frame.verdict import ALPHA, judge, paired_better, pending
from shared.networks.worldmodel import VAE, mdn_done_loss, mdn_loss, mdn_sample

CITATION = ("Ha, D. & Schmidhuber, J. (2018). Recurrent World Models Facilitate Policy Evolution. Advances in "
            "Neural Information Processing Systems 31 (NeurIPS 2018), pp. 2450-2462, arXiv:1809.01999. The figures "
            "were read in the authors' interactive version, https://worldmodels.github.io (World Models, "
            "arXiv:1803.10122): sections 'VizDoom Experiment', 'Procedure', 'Transfer Policy to Actual "
            "Environment', 'Cheating the World Model' (the temperature table) and the appendix.")
WHERE_TABLE = "'Cheating the World Model', temperature table"
PAPER_FIGURES = [
    {"name": "tau 0.10: score in the dream (virtual environment)", "value": "2086 +- 140", "where": WHERE_TABLE},
    {"name": "tau 0.10: score in the actual environment", "value": "193 +- 58", "where": WHERE_TABLE},
    {"name": "tau 0.50: dream / actual", "value": "2060 +- 277 / 196 +- 50", "where": WHERE_TABLE},
    {"name": "tau 1.00: dream / actual", "value": "1145 +- 690 / 868 +- 511", "where": WHERE_TABLE},
    {"name": "tau 1.15: dream / actual", "value": "918 +- 546 / 1092 +- 556", "where": WHERE_TABLE},
    {"name": "tau 1.30: dream / actual", "value": "732 +- 269 / 753 +- 139", "where": WHERE_TABLE},
    {"name": "random policy baseline, actual environment", "value": "210 +- 108", "where": WHERE_TABLE},
    {"name": "Gym leaderboard, actual environment", "value": "820 +- 58", "where": WHERE_TABLE},
    {"name": "episode length cap / solved bar (frames, average over 100 rollouts)", "value": "2100 / 750",
     "where": "'VizDoom Experiment: Learning Inside of a Dream'"},
    {"name": "the tau 1.15 agent over 1024 rollouts in its dream", "value": 959, "where": "appendix 'DoomRNN'"},
    {"name": "random rollouts for V and M", "value": 10000, "where": "'Procedure', step 1"},
    {"name": "size of z / LSTM units of M / Gaussians per mixture", "value": "64 / 512 / 5",
     "where": "appendix 'Variational Autoencoder' and 'Recurrent Neural Network'"},
    {"name": "parameters of V / M / C", "value": "4,446,915 / 1,678,785 / 1,088", "where": "'Procedure', table"},
    {"name": "CMA-ES population / rollouts per candidate", "value": "64 / 16", "where": "appendix 'Evolution Strategies'"},
    {"name": "done threshold on M's death probability", "value": 0.5,
     "where": "appendix 'Recurrent Neural Network'"},
]
PAPER_TAUS = (0.10, 0.50, 1.00, 1.15, 1.30)
PAPER_TAU = 1.15   # the temperature of the paper's agent (appendix 'DoomRNN')

# ----------------------------------------------------------------------------------------
# The real environment: a room seen from above in a small grayscale frame. Monsters stand on the
# top rows; each, at random moments, launches a fireball aimed at the agent's position at that
# moment (the agent's later position does not steer it). The agent, a bar on the bottom rows,
# moves left, stays or moves right; a fireball that reaches the bottom rows inside the agent's
# width kills it. Reward: +1 for every step survived; an episode ends at death or at max_steps.
# What no single frame shows: where a fireball is going (its direction needs two frames).
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Env:
    size: int = 16              # the frame is size x size pixels, values in [0, 1]
    monsters: int = 3           # monsters per episode, at random columns of the top rows
    agent_width: int = 3        # the agent's bar (pixels)
    agent_speed: float = 1.0    # pixels per step when it moves
    fire_prob: float = 0.03     # per monster and step: the chance it launches a fireball
    fireball_speed: float = 1.0  # rows per step (a fireball crosses the room in 11 steps)
    fireball_size: int = 2      # a fireball is a square of this many pixels a side
    slots: int = 8              # most fireballs in flight at once
    max_steps: int = 150        # episode cap (the paper's 2100 frames, scaled)


class Room:
    """A batch of B rooms stepped together; observe() renders them, step() returns the reward."""

    TOP = 2.0                   # a fireball starts on this row (just below the monsters)

    def __init__(self, env: Env, batch: int, rng: np.random.Generator):
        self.env, self.rng, self.batch = env, rng, batch
        s, w = env.size, env.agent_width
        self.monster_x = np.sort(rng.choice(s - 2, (batch, env.monsters), replace=True), axis=1) + 1
        self.agent_x = rng.integers(0, s - w + 1, batch).astype(float)    # left edge
        self.fx = np.zeros((batch, env.slots))
        self.fy = np.zeros((batch, env.slots))
        self.vx = np.zeros((batch, env.slots))
        self.active = np.zeros((batch, env.slots), bool)
        self.done = np.zeros(batch, bool)
        self.hit = np.zeros(batch, bool)
        self.t = 0
        self.bottom = s - 1.0 - env.fireball_size   # a fireball's top on this row or below: it reached the agent

    def observe(self) -> np.ndarray:
        """(B, size * size) frames: monsters 0.5, fireballs and agent 1, floor 0."""
        e, b = self.env, self.batch
        s = e.size
        frame = np.zeros((b, s, s))
        rows = np.arange(b)[:, None]
        for dx in (-1, 0, 1):
            frame[rows, 0, np.clip(self.monster_x + dx, 0, s - 1)] = 0.5
            frame[rows, 1, np.clip(self.monster_x + dx, 0, s - 1)] = 0.5
        cols = self.agent_x.astype(int)[:, None] + np.arange(e.agent_width)
        frame[rows, s - 2, cols] = 1.0
        frame[rows, s - 1, cols] = 1.0
        bi, si = np.nonzero(self.active)
        if len(bi):
            f = e.fireball_size
            r = np.clip(np.rint(self.fy[bi, si]).astype(int), 0, s - f)
            c = np.clip(np.rint(self.fx[bi, si] - f / 2).astype(int), 0, s - f)
            for dr in range(f):
                for dc in range(f):
                    frame[bi, r + dr, c + dc] = 1.0
        return frame.reshape(b, s * s)

    def step(self, move: np.ndarray) -> np.ndarray:
        """move (B,) in {-1, 0, 1}. Returns the reward (1 for every room alive before the step)."""
        e = self.env
        live = ~self.done
        reward = live.astype(float)
        self.agent_x = np.where(live, np.clip(self.agent_x + e.agent_speed * move, 0, e.size - e.agent_width), self.agent_x)
        flying = self.active & live[:, None]                 # a finished room stays as it ended
        self.fy = self.fy + np.where(flying, e.fireball_speed, 0.0)
        self.fx = self.fx + np.where(flying, self.vx, 0.0)
        landed = flying & (self.fy >= self.bottom)
        centre = self.agent_x + e.agent_width / 2
        struck = landed & (np.abs(self.fx - centre[:, None]) < (e.agent_width + e.fireball_size) / 2)
        self.hit = struck.any(axis=1) & live
        self.active &= ~(landed & ~struck)        # the fireball that kills stays in the death frame
        # launches: each monster fires with fire_prob into a free slot, aimed at the agent's centre now
        fire = (self.rng.random((self.batch, e.monsters)) < e.fire_prob) & live[:, None]
        steps = (self.bottom - self.TOP) / e.fireball_speed
        for m in range(e.monsters):
            want = fire[:, m]
            free = ~self.active
            slot = np.argmax(free, axis=1)
            ok = want & free.any(axis=1)
            idx = np.nonzero(ok)[0]
            s_ = slot[idx]
            self.active[idx, s_] = True
            self.fx[idx, s_] = self.monster_x[idx, m] + 0.5
            self.fy[idx, s_] = self.TOP
            self.vx[idx, s_] = (centre[idx] - (self.monster_x[idx, m] + 0.5)) / steps
        self.t += 1
        self.done |= self.hit | (self.t >= e.max_steps)
        return reward


def moves_of(action: np.ndarray) -> np.ndarray:
    """C's output in [-1, 1] cut in thirds: left (-1), stay (0), right (+1) (appendix 'Controller')."""
    return np.where(action < -1 / 3, -1.0, np.where(action > 1 / 3, 1.0, 0.0))


def run_policy(policy, env: Env, episodes: int, rng: np.random.Generator) -> np.ndarray:
    """Survival steps of a fixed policy(room, t) -> moves (B,) over a batch of real episodes."""
    room = Room(env, episodes, rng)
    total = np.zeros(episodes)
    for t in range(env.max_steps):
        total += room.step(policy(room, t))
        if room.done.all():
            break
    return total


def random_policy(rng: np.random.Generator):
    return lambda room, t: rng.integers(-1, 2, room.batch).astype(float)


def always_move_policy(room: Room, t: int) -> np.ndarray:
    """Always press 'right' (the agent ends up against the right wall)."""
    return np.ones(room.batch)


def dodging_policy(room: Room, t: int) -> np.ndarray:
    """A hand-written player with privileged state (fireball positions and directions): steps away
    from where the most dangerous fireball will land; our reference for what survival is possible."""
    e = room.env
    centre = room.agent_x + e.agent_width / 2
    steps_left = np.where(room.active, (room.bottom - room.fy) / e.fireball_speed, np.inf)
    landing = room.fx + room.vx * np.where(np.isfinite(steps_left), steps_left, 0.0)
    threat = room.active & (np.abs(landing - centre[:, None]) < e.agent_width / 2 + 2.5)
    soonest = np.argmin(np.where(threat, steps_left, np.inf), axis=1)
    any_threat = threat.any(axis=1)
    land = landing[np.arange(room.batch), soonest]
    away = np.where(land >= centre, -1.0, 1.0)
    at_left, at_right = room.agent_x <= 0, room.agent_x >= e.size - e.agent_width
    away = np.where((away < 0) & at_left | (away > 0) & at_right, -away, away)
    return np.where(any_threat, away, 0.0)


def collect_rollouts(n: int, env: Env, rng: np.random.Generator):
    """Random-policy episodes (uniform left/stay/right each step), as the paper collected its data.
    Returns frames (n, T+1, P), moves (n, T), dead (n, T+1) with T = max_steps, and the lengths.
    After death a room stays as it was (an absorbing state, frame repeated, dead = 1)."""
    room = Room(env, n, rng)
    steps = env.max_steps
    frames = np.empty((n, steps + 1, env.size ** 2))
    moves = np.zeros((n, steps))
    dead = np.zeros((n, steps + 1))
    frames[:, 0] = room.observe()
    lengths = np.full(n, steps)
    for t in range(steps):
        live = ~room.done
        move = np.where(live, rng.integers(-1, 2, n), 0).astype(float)
        moves[:, t] = move
        room.step(move)
        frame = room.observe()
        frames[:, t + 1] = np.where(live[:, None], frame, frames[:, t])
        dead[:, t + 1] = np.where(live, room.hit, dead[:, t])
        lengths = np.where(live & room.done, t + 1, lengths)
    return frames, moves, dead, lengths


# ----------------------------------------------------------------------------------------
# V: shared.networks.worldmodel's VAE (one tanh hidden layer each side, Bernoulli pixels, KL to N(0, I)),
# trained by Adam on random mini-batches of the random-policy frames.
# ----------------------------------------------------------------------------------------


def train_vae(frames: np.ndarray, cfg, rng: np.random.Generator, clock=None):
    vae = VAE(frames.shape[1], cfg.v_hidden, cfg.z_dim, rng)
    opt = Adam(vae.params, lr=cfg.v_lr)
    curve = []
    for step in range(cfg.v_steps):
        batch = frames[rng.integers(0, len(frames), cfg.v_batch)]
        loss, rec, kl, g = vae.loss(batch, rng.standard_normal((cfg.v_batch, cfg.z_dim)), cfg.beta)
        opt.step(g)
        curve.append((loss, rec, kl))
        if clock:
            clock.update(step + 1, V_loss=loss)
    return vae, np.array(curve)




# ----------------------------------------------------------------------------------------
# M: an LSTM (shared.networks.recurrent, no peepholes) reads [z_t, a_t] and outputs the mixture of K
# Gaussians per dimension of z_{t+1} and the logit of done_{t+1}. Trained by teacher forcing on
# windows of the random rollouts, with z re-sampled from V's posterior for every batch (appendix
# 'Recurrent Neural Network').
# ----------------------------------------------------------------------------------------


def new_mdn_rnn(cfg, rng: np.random.Generator) -> LSTM:
    return LSTM(cfg.z_dim + 1, cfg.m_hidden, 3 * cfg.z_dim * cfg.mixtures + 1, variant="NP", readout="all",
                init_scale=0.1, rng=rng)


def train_mdn_rnn(mu, log_var, moves, dead, lengths, cfg, rng: np.random.Generator, clock=None):
    """mu, log_var (n, T+1, Dz) of V's posterior per frame; moves (n, T); dead (n, T+1)."""
    lstm = new_mdn_rnn(cfg, rng)
    opt = Adam(lstm.params, lr=cfg.m_lr)
    curve = []
    steps = moves.shape[1]
    sd = np.exp(0.5 * log_var)
    for step in range(cfg.m_steps):
        rows = rng.integers(0, len(mu), cfg.m_batch)
        # windows start inside the episode (the absorbing state after death is seen at most m_window steps)
        starts = np.minimum((rng.random(cfg.m_batch) * lengths[rows]).astype(int), steps - cfg.m_window)
        idx = starts[:, None] + np.arange(cfg.m_window + 1)
        z = mu[rows[:, None], idx] + sd[rows[:, None], idx] * rng.standard_normal((cfg.m_batch, cfg.m_window + 1,
                                                                                      cfg.z_dim))
        x = np.concatenate([z[:, :-1], moves[rows[:, None], idx[:, :-1]][..., None]], axis=2)
        total, nll, bce, d_out = mdn_done_loss(lstm.forward(x), z[:, 1:], dead[rows[:, None], idx[:, 1:]],
                                               cfg.mixtures, cfg.done_weight, cfg.done_pos_weight)
        grads = lstm.backward(d_out)
        clip_global_norm(grads, 1.0)
        opt.step(grads)
        curve.append((total, nll, bce))
        if clock:
            clock.update(step + 1, M_nll=nll, done_bce=bce)
    return lstm, np.array(curve)



# ----------------------------------------------------------------------------------------
# C: a_t = tanh(W_c [z_t, c_t, h_t]), no bias: for DoomRNN the paper's C reads z and both the
# LSTM's cell and output vectors (appendix 'Controller'), 64 + 512 + 512 = 1,088 weights ('Procedure'
# table). Whole populations act at once: params (B, n).
# ----------------------------------------------------------------------------------------


def controller_size(cfg) -> int:
    return cfg.z_dim + 2 * cfg.m_hidden


def act(params: np.ndarray, z: np.ndarray, state: tuple) -> np.ndarray:
    feat = np.concatenate([z, state[1], state[0]], axis=1)
    return np.tanh(np.einsum("bi,bi->b", feat, params))


def dream(params: np.ndarray, tau: np.ndarray, m: LSTM, z0: np.ndarray, cfg, rng: np.random.Generator,
          trace: bool = False):
    """Roll C out inside M's dream: params (B, n), tau (B,) per rollout, z0 (B, Dz) the first code.
    At each step C acts on [z, c, h]; M reads (z, a), samples z_{t+1} at the rollout's temperature,
    and ends the episode when its done probability passes 0.5 (appendix 'Recurrent Neural Network').
    Returns the survival steps (B,) (and, with trace, the codes, moves and done probabilities of
    rollout 0)."""
    batch = len(params)
    state = (np.zeros((batch, cfg.m_hidden)), np.zeros((batch, cfg.m_hidden)))
    z = z0
    alive = np.ones(batch, bool)
    total = np.zeros(batch)
    log = []
    for t in range(cfg.env.max_steps):
        move = moves_of(act(params, z, state))
        state = m.advance(np.concatenate([z, move[:, None]], axis=1), state)
        out = state[0] @ m.params["V"] + m.params["c"]
        total += alive
        p_done = 0.5 * (1.0 + np.tanh(0.5 * out[:, -1]))
        if trace:
            log.append({"z": z[0].copy(), "move": float(move[0]), "p_done": float(p_done[0])})
        alive &= p_done <= 0.5
        if not alive.any():
            break
        z = mdn_sample(out[:, :-1], cfg.z_dim, cfg.mixtures, tau, rng)
    return (total, log) if trace else total


def real(params: np.ndarray, vae: VAE, m: LSTM, cfg, rng: np.random.Generator, room_rng: np.random.Generator,
         trace: bool = False):
    """C in the real room: V encodes each frame (z sampled from its posterior, as M was trained on),
    M advances its state on (z, a) after the action. params (B, n) -> survival steps (B,)."""
    batch = len(params)
    room = Room(cfg.env, batch, room_rng)
    state = (np.zeros((batch, cfg.m_hidden)), np.zeros((batch, cfg.m_hidden)))
    total = np.zeros(batch)
    log = []
    for t in range(cfg.env.max_steps):
        frame = room.observe()
        mu, lv = vae.encode(frame)
        z = mu + np.exp(0.5 * lv) * rng.standard_normal(mu.shape)
        move = moves_of(act(params, z, state))
        if trace:
            log.append({"frame": frame[0].copy(), "z": z[0].copy(), "move": float(move[0])})
        total += room.step(move)
        if room.done.all():
            break
        state = m.advance(np.concatenate([z, move[:, None]], axis=1), state)
    return (total, log) if trace else total


# ----------------------------------------------------------------------------------------
# Evolution: one CMA-ES (shared.search.evo) per temperature, all dreaming in one batch; each candidate's
# fitness is its mean survival over cfg.rollouts_per_candidate dreams, each started from the code
# of a real first frame (V's posterior sample). C trained in the real room (our reference) is the
# same search with real rollouts.
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    env: Env = Env()
    rollouts: int = 300         # random-policy episodes for V and M (the paper: 10,000)
    z_dim: int = 16             # the paper: 64 (for 64x64 RGB frames)
    v_hidden: int = 128
    v_steps: int = 2000
    v_batch: int = 64
    v_lr: float = 2e-3
    beta: float = 1.0
    m_hidden: int = 32          # the paper: 512
    mixtures: int = 5           # the paper's 5
    m_steps: int = 800
    m_batch: int = 32
    m_window: int = 24
    m_lr: float = 3e-3
    done_weight: float = 1.0
    done_pos_weight: float = 5.0   # weight of the deaths in the done head's BCE (ours; see Deviations)
    taus: tuple = PAPER_TAUS
    popsize: int = 12           # the paper: 64
    generations: int = 30
    rollouts_per_candidate: int = 6   # the paper: 16
    sigma0: float = 0.5
    test_episodes: int = 100    # the paper's 100 rollouts


# A larger world model and search (not the paper's scale, which is out of reach: 10,000 rollouts,
# 512 cells): 3x the data, twice M's cells, longer training, CMA-ES 16 x 8 rollouts for 40 generations.
# A descriptive section (large-seeds-A-B); the verdict reads the headline blocks only.
LARGE = Config(rollouts=1000, v_steps=3000, m_hidden=64, m_steps=2000, popsize=16, generations=40,
               rollouts_per_candidate=8)

QUICK = Config(env=Env(max_steps=40), rollouts=24, z_dim=4, v_hidden=16, v_steps=30, m_hidden=6, m_steps=6,
               m_batch=4, m_window=8, taus=(0.1, 1.15), popsize=6, generations=2, rollouts_per_candidate=2,
               test_episodes=6)


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator per seed and purpose (the same whatever else runs)."""
    return np.random.default_rng([seed, sum(ord(ch) * 31 ** i for i, ch in enumerate(name)) % 2 ** 32])


def evolve_in_dreams(world: dict, cfg: Config, seed: int, verbose: bool = True):
    """One CMA-ES run per temperature, every candidate of every run dreaming in one batch. Returns
    the final means (len(taus), n) and the curves (generations, len(taus), 3): best and mean dream
    survival of the population, sigma."""
    n, taus, pop, r = controller_size(cfg), np.array(cfg.taus, float), cfg.popsize, cfg.rollouts_per_candidate
    runs = [CMAES(np.zeros(n), cfg.sigma0, pop, stream(seed, f"C dream tau {tau}")) for tau in cfg.taus]
    rng = stream(seed, "dreams")
    z_start = world["z_start"]
    tau_rows = np.repeat(taus, pop * r)
    clock = Progress(cfg.generations, label=f"CMA-ES in the dream ({len(taus)} temperatures) generation") \
        if verbose else None
    curve = np.empty((cfg.generations, len(taus), 3))
    for g in range(cfg.generations):
        candidates = np.concatenate([es.ask() for es in runs])                     # (T * pop, n)
        z0 = z_start[rng.integers(0, len(z_start), len(taus) * pop * r)]
        scores = dream(np.repeat(candidates, r, axis=0), tau_rows, world["m"], z0, cfg, rng)
        scores = scores.reshape(len(taus), pop, r).mean(axis=2)
        for i, es in enumerate(runs):
            es.tell(-scores[i])
            curve[g, i] = scores[i].max(), scores[i].mean(), es.sigma
        if clock:
            clock.update(g + 1, **{f"tau{t:g}": scores[i].mean() for i, t in enumerate(cfg.taus)})
    return np.stack([es.mean for es in runs]), curve


def evolve_in_reality(world: dict, cfg: Config, seed: int, verbose: bool = True):
    """The same search on the real room (our upper reference; the paper trained only in the dream)."""
    n, pop, r = controller_size(cfg), cfg.popsize, cfg.rollouts_per_candidate
    es = CMAES(np.zeros(n), cfg.sigma0, pop, stream(seed, "C real"))
    rng, rooms = stream(seed, "C real z"), stream(seed, "C real rooms")
    clock = Progress(cfg.generations, label="CMA-ES in the real room generation") if verbose else None
    curve = np.empty((cfg.generations, 1, 3))
    for g in range(cfg.generations):
        candidates = es.ask()
        scores = real(np.repeat(candidates, r, axis=0), world["vae"], world["m"], cfg, rng, rooms)
        scores = scores.reshape(pop, r).mean(axis=1)
        es.tell(-scores)
        curve[g, 0] = scores.max(), scores.mean(), es.sigma
        if clock:
            clock.update(g + 1, best=scores.max(), mean=scores.mean())
    return es.mean, curve


def train_world_model(seed: int, cfg: Config, verbose: bool = True) -> dict:
    """Random rollouts, V, M; held-out frames and episodes for V's and M's scores."""
    held_n = max(2, cfg.rollouts // 10)
    frames, moves, dead, lengths = collect_rollouts(cfg.rollouts + held_n, cfg.env, stream(seed, "rollouts"))
    train, held = slice(0, cfg.rollouts), slice(cfg.rollouts, None)
    live = np.arange(frames.shape[1])[None, :] <= lengths[:, None]          # frames up to and with death
    flat = frames[train][live[train]]
    vae, v_curve = train_vae(flat, cfg, stream(seed, "V"), Progress(cfg.v_steps, "V step") if verbose else None)
    mu, lv = vae.encode(frames)
    held_frames = frames[held][live[held]]
    recon = vae.decode(vae.encode(held_frames)[0])
    pixel_error = float(np.mean(np.abs(recon - held_frames)))
    bright = held_frames > 0.75                                            # agent and fireball pixels
    bright_error = float(np.mean(np.abs(recon[bright] - held_frames[bright])))
    m, m_curve = train_mdn_rnn(mu[train], lv[train], moves[train], dead[train], lengths[train], cfg, stream(seed, "M"),
                               Progress(cfg.m_steps, "M step") if verbose else None)
    z_start = mu[train, 0] + np.exp(0.5 * lv[train, 0]) * stream(seed, "z0").standard_normal(mu[train, 0].shape)
    world = {"vae": vae, "m": m, "v_curve": v_curve, "m_curve": m_curve, "z_start": z_start,
             "pixel_error": pixel_error, "bright_error": bright_error,
             "random_data_length": float(np.mean(lengths))}
    world.update(evaluate_m(m, mu[held], lv[held], moves[held], dead[held], lengths[held], cfg, stream(seed, "M test")))
    return world


def evaluate_m(m: LSTM, mu, lv, moves, dead, lengths, cfg, rng) -> dict:
    """M on held-out episodes (teacher forced): NLL per dimension of z_{t+1}, and how well its done head
    separates the death steps from the others (mean death probability at the steps before death and
    elsewhere), over the steps of each episode up to its end."""
    z = mu + np.exp(0.5 * lv) * rng.standard_normal(mu.shape)
    out = m.forward(np.concatenate([z[:, :-1], moves[..., None]], axis=2))
    steps = moves.shape[1]
    inside = np.arange(steps)[None, :] < lengths[:, None]
    nll, _ = mdn_loss(out[..., :-1][inside], z[:, 1:][inside], cfg.mixtures)
    p = 0.5 * (1.0 + np.tanh(0.5 * out[..., -1]))
    target = dead[:, 1:] > 0.5
    return {"m_nll": nll, "p_done_at_death": float(p[inside & target].mean()) if (inside & target).any() else None,
            "p_done_elsewhere": float(p[inside & ~target].mean()),
            "death_recall": float((p[inside & target] > 0.5).mean()) if (inside & target).any() else None}


def run_seed(seed: int, cfg: Config, verbose: bool = True) -> dict:
    """V and M, C evolved in the dream at every temperature and in the real room, then every C and
    the baselines on the same test rooms; every dream-trained C also scored in its own dream."""
    world = train_world_model(seed, cfg, verbose)
    dream_c, dream_curve = evolve_in_dreams(world, cfg, seed, verbose)
    real_c, real_curve = evolve_in_reality(world, cfg, seed, verbose)
    n_test = cfg.test_episodes
    row = {"pixel_error": world["pixel_error"], "bright_error": world["bright_error"], "m_nll": world["m_nll"],
           "p_done_at_death": world["p_done_at_death"], "p_done_elsewhere": world["p_done_elsewhere"],
           "death_recall": world["death_recall"], "random_data_length": world["random_data_length"]}
    tests = {}

    def rooms():
        return stream(seed, "test rooms")       # the same rooms (and fireball draws) for every policy

    z_test = world["z_start"][stream(seed, "test z0").integers(0, len(world["z_start"]), n_test)]
    for i, tau in enumerate(cfg.taus):
        params = np.repeat(dream_c[i][None], n_test, axis=0)
        real_scores = real(params, world["vae"], world["m"], cfg, stream(seed, "test z"), rooms())
        dream_scores = dream(params, np.full(n_test, tau), world["m"], z_test, cfg, stream(seed, f"test dream {tau}"))
        key = tau_key(tau)
        row[f"real_{key}"], row[f"dream_{key}"] = float(real_scores.mean()), float(dream_scores.mean())
        row[f"real_sd_{key}"], row[f"dream_sd_{key}"] = float(real_scores.std()), float(dream_scores.std())
        tests[f"real_{key}"], tests[f"dream_{key}"] = real_scores, dream_scores
    params = np.repeat(real_c[None], n_test, axis=0)
    scores = real(params, world["vae"], world["m"], cfg, stream(seed, "test z"), rooms())
    row["real_trained"], tests["real_trained"] = float(scores.mean()), scores
    row["real_trained_in_dream"] = float(dream(params, np.full(n_test, PAPER_TAU), world["m"], z_test, cfg,
                                               stream(seed, "test dream real C")).mean())
    for name, policy in (("random", random_policy(stream(seed, "random policy"))),
                         ("always_move", always_move_policy), ("dodging", dodging_policy)):
        scores = run_policy(policy, cfg.env, n_test, rooms())
        row[name], tests[name] = float(scores.mean()), scores
    row["solved"] = bool(row[f"real_{tau_key(PAPER_TAU)}"] > row["random"]) if PAPER_TAU in cfg.taus else False
    return {"row": row, "world": world, "dream_c": dream_c, "real_c": real_c, "dream_curve": dream_curve,
            "real_curve": real_curve, "tests": tests}


def tau_key(tau: float) -> str:
    return f"tau{tau:.2f}".replace(".", "_")


# ----------------------------------------------------------------------------------------
# Gradient checks of the hand-written backward passes (V; M = LSTM + mixture + done head)
# ----------------------------------------------------------------------------------------


def gradient_errors(seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    errors = {}
    vae = VAE(12, 5, 3, rng)
    x = rng.random((4, 12))                       # gray levels, as the room's frames
    eps = rng.standard_normal((4, 3))
    _, _, _, g = vae.loss(x, eps, beta=1.0)
    errs = check_gradients(lambda: vae.loss(x, eps, beta=1.0, grads=False)[0], vae.params, g)
    errors.update({f"V.{k}": v for k, v in errs.items()})

    k, n_z = 3, 2
    out = {"out": rng.normal(0, 1, (2, 3, 3 * n_z * k + 1))}
    target_z, target_done = rng.normal(0, 1, (2, 3, n_z)), (rng.random((2, 3)) < 0.3).astype(float)
    _, _, _, d = mdn_done_loss(out["out"], target_z, target_done, k, 0.7, 3.0)
    errors["MDN+done.out"] = check_gradients(lambda: mdn_done_loss(out["out"], target_z, target_done, k, 0.7, 3.0)[0],
                                             out, {"out": d})["out"]

    lstm = LSTM(n_z + 1, 4, 3 * n_z * k + 1, variant="NP", readout="all", init_scale=0.5, rng=rng)
    xs = rng.normal(0, 1, (2, 5, n_z + 1))
    zs, ds = rng.normal(0, 1, (2, 5, n_z)), (rng.random((2, 5)) < 0.3).astype(float)

    def m_loss():
        return mdn_done_loss(lstm.forward(xs), zs, ds, k, 1.0)[0]

    _, _, _, d = mdn_done_loss(lstm.forward(xs), zs, ds, k, 1.0)
    errs = check_gradients(m_loss, lstm.params, lstm.backward(d))
    errors.update({f"M.{name}": v for name, v in errs.items()})
    return errors


# ----------------------------------------------------------------------------------------
# Data movement (issue 21)
# ----------------------------------------------------------------------------------------


def _seed_rows(record: dict) -> list[dict]:
    """Every seed's row: the headline block's and the other seeds-A-B blocks'."""
    parts = [record] + [v for k, v in record.items() if k.startswith("seeds-") and isinstance(v, dict)]
    return [r for part in parts for r in (part.get("seeds") or {}).get("per_seed") or []]


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter, one per stage of one seed's agent (V, then M, then C
    evolved in M's dream), and C evolved in the real room (our reference). Each row's steps are its
    stage's whole budget, from the record's config (no stage stops early); the agent's runs count as solved
    where the stub's rows say so (the dream-trained C at tau = 1.15 beats the random policy in the real room):

    - V: one Adam step of the VAE (tape_episodes.vae_step, 256-128-16, float64) on HALF a batch: the full
      batch of 64 frames is about 7e7 events, beyond the meter's budget; steps = v_steps x 2 half-batches
      (the Adam update is then counted twice: about 1 % of a half-batch step). The loss's value is left out.
    - M: one training sequence of m_window steps (tape_steps.lstm_step: LSTM 32 on [z, move], read-out of
      3 z_dim K mixture outputs and the done logit at every step, Adam, float64); steps = m_steps x m_batch
      sequences (the update then counted m_batch times: about 1 % of a sequence). The mixture-and-done
      loss's gradient is written as one map per output (the stub's is some ten operations per output) and
      clip_global_norm and the posterior re-sampling of z are left out.
    - C in the dream: one dream step of one CMA-ES candidate's rollouts_per_candidate dreams at once
      (tape_episodes.world_model_step): C = tanh(w . [z, c, h]) and the move, M's LSTM step, its read-out,
      the done probability, and the next z sampled from the mixture at the temperature. A dream lasts at
      most max_steps (it ends at M's predicted death: the cost is an upper bound); steps = generations x
      popsize x max_steps for the agent's temperature (tau = 1.15); the recorded run evolves one CMA-ES per
      temperature ({n_taus} in all), so its whole dream stage is {n_taus} times this row.
    - C in the real room: the same candidate step with V encoding the real frame (z sampled from its
      posterior) instead of M's read-out and sampling; steps likewise.
    CMA-ES's update (on {n_c} parameters) and the room's simulation are left out."""
    cfg = record.get("config") or {}
    pixels = int(cfg["env"]["size"]) ** 2
    z, m, k, per = cfg["z_dim"], cfg["m_hidden"], cfg["mixtures"], cfg["rollouts_per_candidate"]
    solved = any(r.get("solved") for r in _seed_rows(record))
    c_steps = cfg["generations"] * cfg["popsize"] * cfg["env"]["max_steps"]
    c_where = (f"the run's budget (config): {cfg['generations']} generations x {cfg['popsize']} candidates x at most "
               f"{cfg['env']['max_steps']} steps")
    v_weights = 2 * pixels * cfg["v_hidden"] + 3 * cfg["v_hidden"] * z + cfg["v_hidden"] * 2 + 2 * z + pixels
    n_out = 3 * z * k + 1
    m_weights = 4 * m * (z + 1 + m + 1) + m * n_out + n_out
    half = cfg["v_batch"] // 2
    c_size = f"linear C on [z, c, h], {z + 2 * m} weights, float64"
    return [
        {"row": "V (VAE)", "family": "gradient", "step": f"half a batch: {half} of the {cfg['v_batch']} frames",
         "size": f"VAE {pixels}-{cfg['v_hidden']}-{z}, {v_weights} weights, Adam, float64",
         "program": lambda tape: tape_episodes.vae_step(tape, pixels, cfg["v_hidden"], z, half),
         "steps_to_solve": cfg["v_steps"] * cfg["v_batch"] // half if solved else None,
         "steps_from": f"the run's budget (config): v_steps {cfg['v_steps']} x 2 half-batches"},
        {"row": "M (MDN-RNN)", "family": "gradient", "step": f"one training sequence ({cfg['m_window']} steps)",
         "size": f"LSTM {m} on {z + 1} inputs, {n_out} outputs (mixtures, done), {m_weights} weights, Adam, float64",
         "program": lambda tape: tape_steps.lstm_step(tape, z + 1, m, n_out, cfg["m_window"], batch=1,
                                                      optimizer="adam", itemsize=8),
         "steps_to_solve": cfg["m_steps"] * cfg["m_batch"] if solved else None,
         "steps_from": f"the run's budget (config): m_steps {cfg['m_steps']} x m_batch {cfg['m_batch']} sequences"},
        {"row": "C in the dream, tau 1.15 (CMA-ES)", "family": "evolution",
         "step": f"one dream step of one candidate's {per} dreams (C, M, sampling)", "size": c_size,
         "program": lambda tape: tape_episodes.world_model_step(tape, per, z, z + 1, m, c_reads="ch", mixtures=k,
                                                                done=True),
         "steps_to_solve": c_steps if solved else None,
         "steps_from": c_where + " (one of the run's temperatures)"},
        {"row": "C in the real room (CMA-ES)", "family": "evolution",
         "step": f"one control step of one candidate's {per} rooms (V, C, M)", "size": c_size,
         "program": lambda tape: tape_episodes.world_model_step(tape, per, z, z + 1, m, pixels=pixels,
                                                                v_hidden=cfg["v_hidden"], sample_z=True, c_reads="ch"),
         "steps_to_solve": c_steps,
         "steps_from": c_where + "; no solve criterion for this reference (V's and M's training not counted)"},
    ]


movement.__doc__ = movement.__doc__.format(n_taus=len(Config().taus), n_c=Config().z_dim + 2 * Config().m_hidden)


# ----------------------------------------------------------------------------------------
# The verdict: written from the paper's temperature table and its text before the recorded runs
# ----------------------------------------------------------------------------------------

MIN_SEEDS = 10          # paired claims over at least this many seeds ...
SEED_BLOCK = 2          # ... recorded in blocks of this many seeds (each command under 5 minutes)
LOW, HIGH = tau_key(0.10), tau_key(PAPER_TAU)



def verdict(record: dict) -> dict:
    """The paper's claims about training inside the dream, one metric each: a controller's mean
    survival (steps) over the seed's 100 test rooms (the same rooms for every controller) or over
    100 dreams at its own temperature, compared per seed.

    Tested together with Holm's correction (alpha 0.05), over at least MIN_SEEDS = 10 seeds, each by
    a one-sided paired t-test on the per-seed log ratio (shared.frame.verdict.paired_better, ratio > 1):

    1. C trained only in M's dream at tau = 1.15 transfers: in the real room it beats the random
       policy (table: 1092 +- 556 against 210 +- 108; 'Transfer Policy to Actual Environment').
    2. Too low a temperature transfers worse: in the real room the tau = 1.15 controller beats the
       tau = 0.10 one (table: 1092 against 193).
    3. At tau = 0.10 C exploits M: its score in the dream overstates its real score (table: 2086
       against 193; 'Cheating the World Model': the policy 'will obviously fail when unleashed into
       the harsh reality').
    4. At tau = 1.15 the dream is the harder world: the real score exceeds the dream score (table:
       1092 against 918; 'much higher than the score obtained inside the more difficult virtual
       environment').

    The margins are the orderings themselves (ratio 1), chosen from the claims, not from our figures.
    Grade (our mapping): yes when all four hold; partial when claim 1 holds and another does not;
    qualitative when claim 1 fails but claims 2 and 3 hold (the temperature's effect shows, the
    transfer does not beat random); no otherwise. Fewer than MIN_SEEDS seeds, or seed blocks recorded
    with different configurations: pending.
    """
    rows = seed_rows(record)
    if len(rows) < MIN_SEEDS:
        return pending(f"{len(rows)} seed(s) recorded; the paired claims need at least {MIN_SEEDS}: the seed blocks "
                       f"--seed 0, 2, ..., 8 with --n-seeds {SEED_BLOCK} give the verdict together")
    configs = seed_block_configs(record)
    if any(c != configs[0] for c in configs):
        return pending("the seed blocks were recorded with different configurations")
    needed = (f"real_{HIGH}", f"real_{LOW}", f"dream_{LOW}", f"dream_{HIGH}", "random")
    if any(row.get(key) is None or row[key] <= 0 for row in rows for key in needed):
        return pending("a seed lacks a positive score for one of " + ", ".join(needed))
    get = {key: [row[key] for row in rows] for key in needed}
    real_metric = "mean survival steps in the seed's 100 test rooms"
    claims = judge([
        paired_better("C trained in the dream at tau 1.15 beats the random policy in the real room",
                      WHERE_TABLE + " (1092 vs 210); 'Transfer Policy to Actual Environment'",
                      get[f"real_{HIGH}"], get["random"], real_metric, lower_is_better=False),
        paired_better("tau 1.15 transfers better than tau 0.10", WHERE_TABLE + " (1092 vs 193)",
                      get[f"real_{HIGH}"], get[f"real_{LOW}"], real_metric, lower_is_better=False),
        paired_better("at tau 0.10 the dream score overstates the real score (C exploits M)",
                      WHERE_TABLE + " (2086 vs 193); 'Cheating the World Model'",
                      get[f"dream_{LOW}"], get[f"real_{LOW}"],
                      "mean survival steps: 100 dreams at the controller's tau over 100 test rooms",
                      lower_is_better=False),
        paired_better("at tau 1.15 the real score exceeds the dream score (the dream is the harder world)",
                      WHERE_TABLE + " (1092 vs 918); 'Transfer Policy to Actual Environment'",
                      get[f"real_{HIGH}"], get[f"dream_{HIGH}"],
                      "mean survival steps: 100 test rooms over 100 dreams at tau 1.15", lower_is_better=False),
    ])
    transfers = claims[0].holds
    means = {key: float(np.mean(values)) for key, values in get.items()}
    figures = (f"real: tau 1.15 {format_value(means[f'real_{HIGH}'])}, tau 0.10 {format_value(means[f'real_{LOW}'])}, "
               f"random {format_value(means['random'])}; dream: tau 0.10 {format_value(means[f'dream_{LOW}'])}, "
               f"tau 1.15 {format_value(means[f'dream_{HIGH}'])} (means over seeds)")
    if all(c.holds for c in claims):
        value, reason = "yes", f"all {len(claims)} claims hold over {len(rows)} seeds"
    else:
        value = "partial" if transfers else "qualitative" if claims[1].holds and claims[2].holds else "no"
        reason = (f"{sum(c.holds for c in claims)}/{len(claims)} claims hold over {len(rows)} seeds; not: "
                  + "; ".join(c.claim for c in claims if not c.holds))
    return {"value": value, "reason": reason + f" ({figures})", "claims": [c.as_record() for c in claims],
            "n_seeds": len(rows), "alpha": ALPHA, "correction": "Holm over the four claims"}


# ----------------------------------------------------------------------------------------
# Sweeps and the record
# ----------------------------------------------------------------------------------------

POLICY_LABELS = {"random": "random policy (uniform left / stay / right)", "always_move": "always move right",
                 "dodging": "hand-written dodger with privileged state (our reference)",
                 "real_trained": "C evolved in the real room (our upper reference)"}


def part_name(seeds: list[int], scale: str = "headline") -> str | None:
    """Where a run goes in results.json: the main part (the block from seed 0), a seed-block section,
    or a section of the larger configuration (which the verdict does not read)."""
    if scale == "large":
        return f"large-seeds-{seeds[0]}-{seeds[-1]}"
    return None if seeds[0] == 0 else f"seeds-{seeds[0]}-{seeds[-1]}"


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="tiny run for the tests: 40-step episodes, a few V/M steps, "
                         "2 CMA-ES generations of 6 at tau 0.1 and 1.15")
    parser.add_argument("--generations", type=int_at_most(10_000, "every generation is a full set of dreams"),
                        default=Config.generations, help=f"CMA-ES generations (default {Config.generations})")
    parser.add_argument("--popsize", type=int_at_most(1024, "every candidate dreams several rollouts"),
                        default=Config.popsize, help=f"CMA-ES population size, at least 4 (default {Config.popsize})")
    parser.add_argument("--m-hidden", type=int_at_most(1024, "M's weights grow as its square, C's with it"),
                        default=Config.m_hidden, help=f"LSTM cells of M (default {Config.m_hidden})")
    parser.add_argument("--sigma0", type=positive_float, default=Config.sigma0,
                        help=f"CMA-ES initial step size (default {Config.sigma0})")
    parser.add_argument("--scale", choices=["headline", "large"], default="headline",
                        help="headline: the recorded configuration (default); large: 1000 random episodes, M of 64 "
                             "cells trained 2000 steps, CMA-ES 16 x 8 rollouts for 40 generations (section "
                             "large-seeds-A-B, not read by the verdict)")
    parser.add_argument("--gradcheck", action="store_true",
                        help="check the hand-written backward passes of V and M (mixture and done head) numerically; "
                             "exit 1 if the largest relative error exceeds 1e-6")
    args = parser.parse_args(argv)
    parser.only_when(not args.gradcheck, parser.flags("--gradcheck", "--seed"),
                     "to training runs, not to --gradcheck (fixed small nets)")
    parser.only_when(not args.quick, ["--generations", "--popsize", "--m-hidden", "--sigma0", "--scale"],
                     "without --quick (which sets its own tiny configuration)")
    parser.only_when(args.scale == "headline", ["--generations", "--popsize", "--m-hidden", "--sigma0"],
                     "to the headline configuration (--scale large sets its own)")
    require_seeds(parser, args, SEED_BLOCK)
    if args.popsize < 4:
        parser.error("--popsize must be at least 4")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.gradcheck:
        return gradcheck_report(gradient_errors(args.seed))

    clock = Progress(1)
    cfg = Config(generations=args.generations, popsize=args.popsize, m_hidden=args.m_hidden, sigma0=args.sigma0)
    if args.scale == "large":
        cfg = LARGE
    if args.quick:
        cfg = QUICK
        args.n_seeds = min(args.n_seeds, 2)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    section = part_name(seeds, args.scale)
    e = cfg.env
    print(f"take cover in a {e.size}x{e.size} room ({e.monsters} monsters, {e.max_steps}-step cap): V z={cfg.z_dim}, "
          f"M LSTM {cfg.m_hidden} + {cfg.mixtures} Gaussians + done, linear C ({controller_size(cfg)} weights); "
          f"CMA-ES {cfg.generations} x {cfg.popsize} ({cfg.rollouts_per_candidate} rollouts each) in the dream at "
          f"tau {', '.join(f'{t:g}' for t in cfg.taus)} and in the real room; seeds {seeds[0]}..{seeds[-1]}", flush=True)
    rows = []
    for seed in seeds:
        print(f"seed {seed}: rollouts, V, M, then C in the dream (every tau) and in the real room", flush=True)
        row = {"seed": seed, **run_seed(seed, cfg)["row"]}
        rows.append(row)
        print("  " + "  ".join(f"{k}={format_value(v)}" for k, v in row.items() if k != "seed"), flush=True)
    span = f"seeds {seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else f"seed {seeds[0]}"

    def mean(key):
        return float(np.mean([r[key] for r in rows]))

    def sd(key):
        return float(np.std([r[key] for r in rows]))

    sweep_rows = [[f"{tau:.2f}", mean(f"dream_{tau_key(tau)}"), sd(f"dream_{tau_key(tau)}"),
                   mean(f"real_{tau_key(tau)}"), sd(f"real_{tau_key(tau)}"),
                   sum(r[f"real_{tau_key(tau)}"] > r["random"] for r in rows)] for tau in cfg.taus]
    sweep_rows += [[POLICY_LABELS[name], None, None, mean(name), sd(name),
                    sum(r[name] > r["random"] for r in rows) if name != "random" else None]
                   for name in ("real_trained", "dodging", "always_move", "random")]
    table = {"title": f"Temperature sweep, {span}: mean survival steps (of {e.max_steps}) of each controller in 100 "
                      f"dreams at its own tau and in the seed's 100 test rooms (mean and sd over seeds)",
             "columns": ["tau of the dream C was evolved in (or policy)", "dream score", "sd", "real score", "sd",
                         "seeds above random"],
             "rows": sweep_rows}
    per_columns = ["seed", *[f"real_{tau_key(t)}" for t in cfg.taus], *[f"dream_{tau_key(t)}" for t in cfg.taus],
                   "real_trained", "random", "always_move", "dodging"]
    per_seed = {"title": f"Per seed ({span}): real and dream scores of every controller",
                "columns": per_columns, "rows": [[r[c] for c in per_columns] for r in rows]}
    model_columns = ["seed", "pixel_error", "bright_error", "m_nll", "p_done_at_death", "p_done_elsewhere",
                     "death_recall", "random_data_length"]
    model_table = {"title": f"V and M on held-out random episodes ({span}): mean pixel error, error on the bright "
                            f"(agent and fireball) pixels, M's NLL per dimension of z, its mean done probability "
                            f"at the steps before a death and elsewhere, the share of deaths it calls",
                   "columns": model_columns, "rows": [[r[c] for c in model_columns] for r in rows]}
    metric = f"real_{HIGH}" if PAPER_TAU in cfg.taus else f"real_{tau_key(cfg.taus[-1])}"
    seeds_record = {"per_seed": rows, "summary": {
        "n_runs": len(rows), "n_solved": int(sum(r["solved"] for r in rows)),
        "solve_rate": float(np.mean([r["solved"] for r in rows])),
        "mean": mean(metric), "median": float(np.median([r[metric] for r in rows])),
        "min": float(min(r[metric] for r in rows)), "max": float(max(r[metric] for r in rows)), "metric": metric}}
    low = f"real_{tau_key(cfg.taus[0])}"
    summary = (f"{span} (the verdict pools the seed blocks): C evolved only in the dream survives "
               f"{format_value(mean(metric))} steps in the real room at tau 1.15 and {format_value(mean(low))} at "
               f"tau {cfg.taus[0]:g} (dream: {format_value(mean(metric.replace('real', 'dream')))} and "
               f"{format_value(mean(low.replace('real', 'dream')))}); random {format_value(mean('random'))}, C evolved "
               f"in the real room {format_value(mean('real_trained'))}")
    print(format_table(table["columns"], table["rows"]))
    print(summary)
    measured = {f"real, tau {t:g}": mean(f"real_{tau_key(t)}") for t in cfg.taus}
    measured.update({f"dream, tau {t:g}": mean(f"dream_{tau_key(t)}") for t in cfg.taus})
    measured.update({POLICY_LABELS[n]: mean(n) for n in ("real_trained", "random", "always_move", "dodging")})
    headline = {k: rows[0][k] for k in (*[f"real_{tau_key(t)}" for t in cfg.taus],
                                        *[f"dream_{tau_key(t)}" for t in cfg.taus], "real_trained", "random")}
    record = {"summary": summary, "headline": headline, "seeds": seeds_record,
              "tables": [table, per_seed, model_table], "config": {**asdict(cfg), "taus": list(cfg.taus)},
              "wallclock_s": clock.elapsed}
    if section is None:
        record.update({
            "slug": "world-models-vizdoom-dream",
            "paper": {"citation": CITATION,
                      "claim": "A linear C evolved by CMA-ES entirely inside the dream of an MDN-RNN world model "
                               "transfers to the real VizDoom take-cover task (1092 +- 556 at tau 1.15 against 210 "
                               "+- 108 for a random policy); at too low a temperature C exploits M (tau 0.10: 2086 "
                               "+- 140 in the dream, 193 +- 58 for real)",
                      "figures": PAPER_FIGURES},
            "tour": "The real room and V's reconstruction of what C sees, beside a dream of M at tau 1.15 and at "
                    "tau 0.10, all played by the controller evolved in the tau 1.15 dream.",
        })
    conclude(record, __file__, verdict, args.record, section=section, measured=measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
