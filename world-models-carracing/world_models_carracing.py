"""World models on a numpy racing track: V (a VAE), M (an MDN-RNN) and C (a linear controller evolved by CMA-ES).

Ha & Schmidhuber (2018), "World Models", arXiv:1803.10122 (Table 1 and Appendix A are the source of
every paper figure here); the peer-reviewed version is "Recurrent World Models Facilitate Policy
Evolution", NeurIPS 31, pp. 2450-2462 (arXiv:1809.01999). The agent is three separately trained modules:

  V  compresses each top-down frame into a small latent code z (a variational autoencoder,
     trained on frames of random rollouts);
  M  predicts the next z from the current z and action (an LSTM with a mixture-density head,
     trained on the same rollouts); its hidden state h summarises the history;
  C  maps [z, h] to an action with a single linear layer, and its few parameters are evolved
     with CMA-ES on the real environment's return.

The paper's ablations give C only z, linearly or through a hidden layer (Table 1 rows 5-7). Here the
environment is a 2-D track in numpy: a closed loop whose shape is drawn at random for every episode,
a car with steering and throttle whose speed no single frame shows, a 16x16 car-centred view, and
reward for progress along the track. A privileged-state driver (the oracle: it knows the track, its
position and its speed) gives the ceiling every agent is measured against.

Every seed trains V and M, then evolves four controllers (C on [z, h]; on z alone; on z through a
hidden layer; on [z, h] of an untrained M), each with several CMA-ES restarts; the restart that does
best on separate selection tracks is that arm's agent, and all agents and the oracle drive the same
100 test tracks. The verdict pools the seed blocks (16 seeds, in eight commands of 2 seeds, each
under 5 minutes; the rule needs at least 12):

    python3 world-models-carracing/world_models_carracing.py --seed 0 --n-seeds 2 --record
    python3 world-models-carracing/world_models_carracing.py --seed 2 --n-seeds 2 --record   # section seeds-2-3
    ...                                                                                     # seeds-4-5 ... seeds-12-13
    python3 world-models-carracing/world_models_carracing.py --seed 14 --n-seeds 2 --record  # section seeds-14-15
    python3 world-models-carracing/world_models_carracing.py --model odyssnet --seed 0 --n-seeds 6 --record
    python3 world-models-carracing/world_models_carracing.py --gradcheck
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, replace

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.learning import tape_episodes
from shared.networks import tape_steps
from shared.search.evo import CMAES
from shared.frame.experiment import (Progress, conclude, format_table, format_value, int_at_most, positive_float,
                                     require_seeds, seed_block_configs, seed_rows, stub_parser, summarize)
from shared.frame.gradcheck import check_gradients, gradcheck_report
from shared.networks.odyssnet import OdyssNet, OdyssNetTrainer
from shared.networks.optim import Adam, clip_global_norm
from shared.networks.recurrent import LSTM
from shared.frame.verdict import ALPHA, judge, paired_better, pending
from shared.networks.worldmodel import VAE, mdn_loss, mdn_mean

CITATION = ("Ha, D. & Schmidhuber, J. (2018). World Models. arXiv:1803.10122 (v4, 9 May 2018): Table 1, "
            "Sec. 3 and Appendix A are the source of the figures quoted. Peer-reviewed version: Recurrent World "
            "Models Facilitate Policy Evolution, Advances in Neural Information Processing Systems 31 (NeurIPS "
            "2018), pp. 2450-2462, arXiv:1809.01999 (its table was not read here).")
PAPER_FIGURES = [
    {"name": "full world model (z and h), CarRacing-v0, mean score", "value": 906,
     "where": "Table 1 row 7; Sec. 3.3 (906 +- 21 over 100 random trials)"},
    {"name": "full world model, +- over the 100 trials", "value": 21, "where": "Table 1 row 7; App. A.4, Fig. 25"},
    {"name": "V model only (C on z), mean score", "value": 632, "where": "Table 1 row 5; Sec. 3.3"},
    {"name": "V model only, +- over the 100 trials", "value": 251, "where": "Table 1 row 5; App. A.4, Fig. 26"},
    {"name": "V model with a hidden layer (C on z, 40 tanh units), mean score", "value": 788,
     "where": "Table 1 row 6; Sec. 3.3"},
    {"name": "V model with a hidden layer, +- over the 100 trials", "value": 141,
     "where": "Table 1 row 6; App. A.4, Fig. 27"},
    {"name": "solved: average reward over 100 consecutive trials", "value": 900, "where": "Sec. 3, footnote 2"},
    {"name": "parameters of the linear C on [z, h]", "value": 867, "where": "Sec. 3.1; Sec. 3.2 table"},
    {"name": "parameters of C with the hidden layer", "value": 1443, "where": "App. A.4"},
    {"name": "CMA-ES population", "value": 64, "where": "App. A.4"},
    {"name": "rollouts per candidate", "value": 16, "where": "App. A.4"},
    {"name": "generations of the reported agent", "value": 1800, "where": "App. A.4"},
    {"name": "its average over 1024 random rollouts", "value": 900.46, "where": "App. A.4"},
    {"name": "random rollouts for V and M", "value": 10000, "where": "Sec. 3.1; Sec. 3.2"},
    {"name": "LSTM units of M / Gaussians per mixture", "value": "256 / 5", "where": "App. A.2"},
]

# ----------------------------------------------------------------------------------------
# The environment: a closed track in polar form, r(phi) = R (1 + sum_k a_k cos(k phi + p_k)).
# A point (x, y) with polar coordinates (rho, phi) is on the track when |rho - r(phi)| < half width.
# Every episode draws its own amplitudes and phases. The car: position, heading, speed. Its speed
# is not visible in a single frame, and little drag means it is not set by the throttle alone:
# only a memory of the past frames (or of the actions) tells it.
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Env:
    radius: float = 10.0        # mean radius of the loop
    half_width: float = 1.2     # track half width (radial)
    harmonics: tuple = (2, 3, 4)  # the shape's harmonics k
    wobble: float = 0.12        # each harmonic's relative amplitude is drawn in [0, wobble]
    accel: float = 0.04         # speed gained per step at full throttle (lost at full brake)
    drag: float = 0.005         # share of speed lost per step on the track
    grass_drag: float = 0.3     # extra share lost per step off the track
    grip: float = 0.12          # largest lateral acceleration v * omega
    max_turn: float = 0.35      # largest turn per step (radians), at low speed
    far: float = 3.0            # the episode ends beyond far * half_width from the centre line
    lap_reward: float = 100.0   # reward for one lap of progress
    patch: int = 16             # the observation is patch x patch pixels
    cell: float = 0.75          # world units per pixel
    behind: float = 2.5         # the view starts this far behind the car


def sample_tracks(n: int, env: Env, rng: np.random.Generator) -> np.ndarray:
    """(n, 2K) track shapes: the K amplitudes, then the K phases."""
    k = len(env.harmonics)
    amps = rng.uniform(0.0, env.wobble, (n, k))
    phases = rng.uniform(0.0, 2 * np.pi, (n, k))
    return np.concatenate([amps, phases], axis=1)


def track_radius(phi, tracks, env: Env):
    """r(phi), dr/dphi and d2r/dphi2 for tracks (..., 2K) broadcast against phi."""
    k = len(env.harmonics)
    shape = np.broadcast(np.asarray(phi), tracks[..., 0]).shape
    r, d1, d2 = np.ones(shape), np.zeros(shape), np.zeros(shape)
    for j, m in enumerate(env.harmonics):
        a, p = tracks[..., j], tracks[..., k + j]
        cos, sin = np.cos(m * phi + p), np.sin(m * phi + p)
        r = r + a * cos
        d1 = d1 - m * a * sin
        d2 = d2 - m * m * a * cos
    return env.radius * r, env.radius * d1, env.radius * d2


def curvature(phi, tracks, env: Env):
    """Signed curvature of the centre line at phi (positive: bending left when driven counter-clockwise)."""
    r, d1, d2 = track_radius(phi, tracks, env)
    return (r * r + 2 * d1 * d1 - r * d2) / (r * r + d1 * d1) ** 1.5


def shape_coefficients(tracks: np.ndarray, env: Env) -> tuple[np.ndarray, np.ndarray]:
    """a_k cos p_k and a_k sin p_k, (..., K) each: r / R = 1 + sum_k A_k cos(k phi) - B_k sin(k phi)."""
    k = len(env.harmonics)
    return tracks[..., :k] * np.cos(tracks[..., k:]), tracks[..., :k] * np.sin(tracks[..., k:])


def radial_offset(x, y, coef, env: Env):
    """Signed distance rho - r(phi) of points from the centre line, measured along the radius.

    coef = shape_coefficients(tracks) broadcast against x (..., K). No trigonometric calls:
    cos(k phi) and sin(k phi) follow from x / rho and y / rho by the angle-addition recurrence."""
    rho = np.sqrt(x * x + y * y) + 1e-12
    c1, s1 = x / rho, y / rho
    ck, sk, order = c1, s1, 1
    r = 1.0
    for j, m in enumerate(env.harmonics):
        while order < m:
            ck, sk = ck * c1 - sk * s1, sk * c1 + ck * s1
            order += 1
        r = r + coef[0][..., j] * ck - coef[1][..., j] * sk
    return rho - env.radius * r


def view_grid(env: Env) -> tuple[np.ndarray, np.ndarray]:
    """Forward and lateral offsets (car frame) of the patch's pixel centres; row 0 is farthest ahead."""
    k = np.arange(env.patch)
    forward = (env.patch - 0.5 - k) * env.cell - env.behind
    lateral = (k - (env.patch - 1) / 2) * env.cell
    return np.repeat(forward[:, None], env.patch, 1), np.repeat(lateral[None, :], env.patch, 0)


class Cars:
    """A batch of cars, each on its own track. step() returns the reward and sets the done flags."""

    CHUNK = 32      # cars per block when rendering views: small blocks keep the temporaries in cache (3x faster)

    def __init__(self, tracks: np.ndarray, env: Env, start_phi=None, heading_noise=None):
        self.env, self.tracks = env, tracks
        self.coef = shape_coefficients(tracks, env)
        n = len(tracks)
        phi = np.zeros(n) if start_phi is None else np.asarray(start_phi, dtype=float)
        r, dr, _ = track_radius(phi, tracks, env)
        self.x, self.y = r * np.cos(phi), r * np.sin(phi)
        tx, ty = dr * np.cos(phi) - r * np.sin(phi), dr * np.sin(phi) + r * np.cos(phi)
        self.theta = np.arctan2(ty, tx) + (0.0 if heading_noise is None else heading_noise)
        self.v = np.zeros(n)
        self.phi = phi.copy()            # unwrapped polar angle: progress
        self.best = phi.copy()           # furthest progress reached on the track
        self.done = np.zeros(n, bool)
        forward, lateral = view_grid(env)
        self.forward, self.lateral = forward[:, 0], lateral[0]     # per row, per column

    def offset(self) -> np.ndarray:
        return radial_offset(self.x, self.y, self.coef, self.env)

    def observe(self) -> np.ndarray:
        """(n, patch*patch) car-centred views: 1 on the track, 0 off it; the car looks up."""
        n = len(self.x)
        out = np.empty((n, self.env.patch ** 2))
        for start in range(0, n, self.CHUNK):
            part = slice(start, start + self.CHUNK)
            c, s = np.cos(self.theta[part])[:, None], np.sin(self.theta[part])[:, None]
            # pixel (i, j) sits forward[i] ahead and lateral[j] to the left of the car
            px = (self.x[part, None] + self.forward * c)[:, :, None] - (self.lateral * s)[:, None, :]
            py = (self.y[part, None] + self.forward * s)[:, :, None] + (self.lateral * c)[:, None, :]
            coef = (self.coef[0][part, None, None, :], self.coef[1][part, None, None, :])
            off = radial_offset(px, py, coef, self.env)
            out[part] = (np.abs(off) < self.env.half_width).reshape(len(px), -1)
        return out

    def step(self, action: np.ndarray) -> np.ndarray:
        """action (n, 2): steer, throttle in [-1, 1] (negative throttle brakes)."""
        e, live = self.env, ~self.done
        steer, throttle = np.clip(action[:, 0], -1, 1), np.clip(action[:, 1], -1, 1)
        grass = np.abs(self.offset()) >= e.half_width
        v = self.v + e.accel * throttle - e.drag * self.v - e.grass_drag * grass * self.v
        v = np.maximum(v, 0.0)
        turn = steer * np.minimum(e.max_turn, e.grip / np.maximum(v, 1e-9))
        theta = self.theta + turn
        x, y = self.x + v * np.cos(theta), self.y + v * np.sin(theta)
        phi_new = np.arctan2(y, x)
        phi = self.phi + (phi_new - self.phi + np.pi) % (2 * np.pi) - np.pi
        for name, value in (("v", v), ("theta", theta), ("x", x), ("y", y), ("phi", phi)):
            getattr(self, name)[live] = value[live]
        offset = np.abs(self.offset())
        best = np.where((offset < e.half_width) & live, np.maximum(self.best, self.phi), self.best)
        reward = e.lap_reward * (best - self.best) / (2 * np.pi)
        self.best = best
        self.done |= offset > e.far * e.half_width
        return reward


# ----------------------------------------------------------------------------------------
# The oracle: a driver with privileged state. It knows the track's shape, its position, heading and
# speed. It plans the fastest speed the grip allows along the centre line ahead (the curvature limit
# v^2 kappa <= grip, and braking at full brake before each bend), holds it with the throttle, and
# steers by pure pursuit of a centre-line point ahead. Its four constants were chosen once, on 64
# tuning tracks of their own (the best of a grid of 52 settings), never on a seed's test tracks.
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Oracle:
    grip_share: float = 1.1       # share of the centre line's grip limit the planned speed uses (> 1:
                                  # pure pursuit cuts the bends a little, on a wider radius)
    brake_share: float = 1.0      # share of full braking the plan counts on
    look: float = 3.0             # pure-pursuit distance at rest ...
    look_per_speed: float = 3.0   # ... plus this much per unit of speed
    horizon: float = 30.0         # planning distance along the centre line
    ds: float = 0.5               # its step


def oracle_action(cars: Cars, env: Env, oracle: Oracle = Oracle()) -> np.ndarray:
    phi = np.arctan2(cars.y, cars.x)
    v = cars.v
    pursuit = oracle.look + oracle.look_per_speed * v
    target = np.full(len(v), np.nan)
    v_plan = np.full(len(v), np.inf)
    ahead = 0.0
    for _ in range(int(oracle.horizon / oracle.ds) + 1):
        kappa = np.abs(curvature(phi, cars.tracks, env))
        v_bend = np.sqrt(oracle.grip_share * env.grip / np.maximum(kappa, 1e-6))
        v_plan = np.minimum(v_plan, np.sqrt(v_bend ** 2 + 2 * oracle.brake_share * env.accel * ahead))
        target = np.where(np.isnan(target) & (ahead >= pursuit), phi, target)
        r, d1, _ = track_radius(phi, cars.tracks, env)
        phi = phi + oracle.ds / np.sqrt(r * r + d1 * d1)
        ahead += oracle.ds
    target = np.where(np.isnan(target), phi, target)
    r, _, _ = track_radius(target, cars.tracks, env)
    dx, dy = r * np.cos(target) - cars.x, r * np.sin(target) - cars.y
    bearing = (np.arctan2(dy, dx) - cars.theta + np.pi) % (2 * np.pi) - np.pi
    throttle = np.clip((v_plan - v * (1 - env.drag)) / env.accel, -1, 1)
    v_next = np.maximum(v + env.accel * throttle - env.drag * v, 1e-6)
    turn = 2 * v_next * np.sin(bearing) / np.maximum(np.hypot(dx, dy), 1e-6)    # pure pursuit's arc
    steer = np.clip(turn / np.minimum(env.max_turn, env.grip / v_next), -1, 1)
    return np.stack([steer, throttle], 1)


def oracle_returns(tracks: np.ndarray, env: Env, steps: int, oracle: Oracle = Oracle()) -> np.ndarray:
    cars = Cars(tracks, env)
    total = np.zeros(len(tracks))
    for _ in range(steps):
        total += cars.step(oracle_action(cars, env, oracle))
        if cars.done.all():
            break
    return total


# ----------------------------------------------------------------------------------------
# Random rollouts: the data V and M learn from. The paper collected them with a random
# policy; ours draws smooth random actions (a random walk in steer and throttle), starting
# at random places and speeds on random tracks, so that the frames cover driving on and off the track.
# ----------------------------------------------------------------------------------------


def random_walk_actions(n: int, steps: int, rng: np.random.Generator) -> np.ndarray:
    a = np.empty((n, steps, 2))
    current = np.stack([rng.uniform(-0.5, 0.5, n), rng.uniform(0.0, 1.0, n)], 1)
    for t in range(steps):
        current = np.clip(current + rng.normal(0.0, [0.35, 0.25], (n, 2)), -1, 1)
        a[:, t] = current
    return a


def collect_rollouts(n: int, steps: int, env: Env, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Frames (n, steps+1, P) and actions (n, steps, 2); episodes run their full length."""
    tracks = sample_tracks(n, env, rng)
    cars = Cars(tracks, replace(env, far=np.inf), start_phi=rng.uniform(0, 2 * np.pi, n),
                heading_noise=rng.normal(0.0, 0.3, n))
    cars.v = rng.uniform(0.0, 1.5, n)
    actions = random_walk_actions(n, steps, rng)
    frames = np.empty((n, steps + 1, env.patch ** 2))
    frames[:, 0] = cars.observe()
    for t in range(steps):
        cars.step(actions[:, t])
        frames[:, t + 1] = cars.observe()
    return frames, actions


# ----------------------------------------------------------------------------------------
# V: shared.networks.worldmodel's variational autoencoder (one tanh hidden layer on each side, Bernoulli
# pixels, KL to N(0, I) weighted by beta), trained by Adam on random mini-batches of frames.
# ----------------------------------------------------------------------------------------


def train_vae(frames: np.ndarray, cfg, rng: np.random.Generator, clock=None):
    """Adam on random mini-batches of frames; returns the VAE and its loss curve."""
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
# M: an LSTM (shared.networks.recurrent, no peepholes) reads [z_t, a_t] and outputs, for every
# dimension of z_{t+1}, a mixture of K Gaussians (shared.networks.worldmodel's MDN head: logits of the
# mixing weights, means and log standard deviations). Loss: the mean negative log-likelihood
# per dimension; its backward is gradient-checked together with the LSTM's.
# ----------------------------------------------------------------------------------------


def m_inputs(z: np.ndarray, actions: np.ndarray) -> np.ndarray:
    return np.concatenate([z[:, :-1], actions], axis=2)


def new_mdn_rnn(cfg, rng: np.random.Generator) -> LSTM:
    """M as it starts training (and, untrained, the control arm's M)."""
    return LSTM(cfg.z_dim + 2, cfg.m_hidden, 3 * cfg.z_dim * cfg.mixtures, variant="NP", readout="all",
                init_scale=0.1, rng=rng)


def train_mdn_rnn(z: np.ndarray, actions: np.ndarray, cfg, rng: np.random.Generator, clock=None):
    """z (n, T+1, Dz) sampled codes of the rollouts, actions (n, T, 2)."""
    lstm = new_mdn_rnn(cfg, rng)
    opt = Adam(lstm.params, lr=cfg.m_lr)
    x_all, curve = m_inputs(z, actions), []
    steps = actions.shape[1]
    for step in range(cfg.m_steps):
        rows = rng.integers(0, len(z), cfg.m_batch)
        starts = rng.integers(0, steps - cfg.m_window + 1, cfg.m_batch)
        idx = starts[:, None] + np.arange(cfg.m_window)
        x = x_all[rows[:, None], idx]
        target = z[rows[:, None], idx + 1]
        loss, d_out = mdn_loss(lstm.forward(x), target, cfg.mixtures)
        grads = lstm.backward(d_out)
        clip_global_norm(grads, 1.0)
        opt.step(grads)
        curve.append(loss)
        if clock:
            clock.update(step + 1, M_nll=loss)
    return lstm, np.array(curve)


def evaluate_m(lstm: LSTM, z, mean_z, actions, cfg) -> dict:
    """M on held-out rollouts: NLL per dimension, and the MSE of its mean prediction of the next
    code (against the next code's mean) beside the MSE of predicting 'no change'."""
    out = lstm.forward(m_inputs(z, actions))
    nll, _ = mdn_loss(out, z[:, 1:], cfg.mixtures)
    mse = float(np.mean((mdn_mean(out, cfg.z_dim, cfg.mixtures) - mean_z[:, 1:]) ** 2))
    return {"nll": nll, "mse": mse, "copy_mse": float(np.mean((mean_z[:, :-1] - mean_z[:, 1:]) ** 2))}


# The alternative M for --model odyssnet: the catalog's OdyssNet core reads [z_t, a_t] on its
# input neurons (stream mode, `think` steps per input) and is trained by BPTT to put the next
# code's mean on its output neurons (MSE). C reads its whole state.


def train_odyssnet_m(mean_z, actions, cfg, rng: np.random.Generator, clock=None):
    n_in = cfg.z_dim + 2
    n = cfg.o_neurons
    model = OdyssNet(n, range(n_in), range(n - cfg.z_dim, n), pulse_mode=False, rng=rng)
    trainer = OdyssNetTrainer(model, lr=cfg.o_lr)
    x_all, curve = m_inputs(mean_z, actions), []
    steps = actions.shape[1]
    for step in range(cfg.m_steps):
        rows = rng.integers(0, len(mean_z), cfg.m_batch)
        starts = rng.integers(0, steps - cfg.m_window + 1, cfg.m_batch)
        idx = starts[:, None] + np.arange(cfg.m_window)
        loss = trainer.train_batch(x_all[rows[:, None], idx], mean_z[rows[:, None], idx + 1],
                                   thinking_steps=cfg.o_think * cfg.m_window, full_sequence=True)
        curve.append(loss)
        if clock:
            clock.update(step + 1, M_mse=loss)
    model.eval()
    return model, trainer, np.array(curve)


def evaluate_odyssnet_m(model, trainer, mean_z, actions, cfg) -> dict:
    x = trainer.prepare(m_inputs(mean_z, actions))
    all_states, _ = model.forward(x, cfg.o_think * actions.shape[1])
    pred = all_states[..., model.output_ids]
    return {"nll": None, "mse": float(np.mean((pred - mean_z[:, 1:]) ** 2)),
            "copy_mse": float(np.mean((mean_z[:, :-1] - mean_z[:, 1:]) ** 2))}


# ----------------------------------------------------------------------------------------
# C. The paper's C is one linear layer on [z, h] (Eq. 1), bounded by tanh; its ablations are the
# same layer on z alone and a C on z with one tanh hidden layer (A.4). Here each arm of the
# experiment is an Arm: which memory feeds C (the trained M, an untrained M, OdyssNet, none) and
# the size of C's hidden layer (0: linear). Rolled out for a whole population at once: every
# candidate drives its own tracks; V encodes each frame to its mean code, M advances its state
# on (z_t, a_t) after the action is taken.
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arm:
    name: str
    memory: str           # 'lstm' (the world model's M, trained or not), 'odyssnet' or 'none'
    trained: bool = True  # for 'lstm': the trained M, or M as it was before training
    hidden: int = 0       # C's tanh hidden layer on z (0: C is linear)


def memory_size(arm: Arm, cfg) -> int:
    return {"lstm": cfg.m_hidden, "odyssnet": cfg.o_neurons, "none": 0}[arm.memory]


def controller_size(arm: Arm, cfg) -> int:
    n_in = cfg.z_dim + memory_size(arm, cfg)
    if arm.hidden:
        return n_in * arm.hidden + arm.hidden + 2 * arm.hidden + 2
    return n_in * 2 + 2


class Memory:
    """M's recurrent state for a batch of cars."""

    def __init__(self, kind: str, model, batch: int, cfg, trainer=None):
        self.kind, self.model, self.cfg, self.trainer = kind, model, cfg, trainer
        self.prediction = None
        if kind == "lstm":
            h = model.hidden_size
            self.state = (np.zeros((batch, h)), np.zeros((batch, h)))
        elif kind == "odyssnet":
            self.state = np.zeros((batch, model.num_neurons))
        else:
            self.state = None

    def features(self) -> np.ndarray | None:
        if self.kind == "lstm":
            return self.state[0]
        if self.kind == "odyssnet":
            return self.state
        return None

    def advance(self, z: np.ndarray, action: np.ndarray, predict: bool = False) -> None:
        """Take (z_t, a_t); with predict=True keep the MDN-RNN's mixture output (its prediction of z_{t+1})."""
        x = np.concatenate([z, action], axis=1)
        if self.kind == "lstm":
            self.state = self.model.advance(x, self.state)
            if predict:
                self.prediction = self.state[0] @ self.model.params["V"] + self.model.params["c"]
        elif self.kind == "odyssnet":
            _, self.state = self.model.forward(self.trainer.prepare(x[:, None, :]), self.cfg.o_think,
                                               current_state=self.state)



def act(params: np.ndarray, feat: np.ndarray, hidden: int) -> np.ndarray:
    """C for a batch: params (B, n), features (B, F) -> actions (B, 2) in [-1, 1]."""
    batch, n_in = feat.shape
    if hidden:
        w1 = params[:, : n_in * hidden].reshape(batch, n_in, hidden)
        rest = params[:, n_in * hidden:]
        b1, w2, b2 = rest[:, :hidden], rest[:, hidden: 3 * hidden].reshape(batch, hidden, 2), rest[:, 3 * hidden:]
        feat = np.tanh(np.einsum("bi,bio->bo", feat, w1) + b1)
        return np.tanh(np.einsum("bi,bio->bo", feat, w2) + b2)
    w, b = params[:, : n_in * 2].reshape(batch, n_in, 2), params[:, n_in * 2:]
    return np.tanh(np.einsum("bi,bio->bo", feat, w) + b)


def rollout(params: np.ndarray, tracks: np.ndarray, arm: Arm, world: dict, cfg, env: Env,
            trace: bool = False, probe: list | None = None):
    """Drive every candidate on its tracks: params (P, n), tracks (P, E, 2K) or (E, 2K) shared by all
    -> returns (P, E).

    With trace=True also returns, for the first car and every step, the car's pose, the frame, z,
    the action, M's prediction of the next z and the reward (for the pictures). A list given as
    probe collects, per step, (z, h, speed, alive) of every car."""
    pop = len(params)
    if tracks.ndim == 2:
        tracks = np.broadcast_to(tracks, (pop, *tracks.shape))
    n_tracks = tracks.shape[1]
    batch = pop * n_tracks
    cars = Cars(tracks.reshape(batch, -1), env)
    model = world.get("m_model" if arm.trained else "m_untrained") if arm.memory != "none" else None
    memory = Memory(arm.memory, model, batch, cfg, world.get("trainer"))
    per_car = np.repeat(params, n_tracks, axis=0)
    total = np.zeros(batch)
    log = []
    for t in range(cfg.max_steps):
        frame = cars.observe()
        z, _ = world["vae"].encode(frame)
        h = memory.features()
        action = act(per_car, z if h is None else np.concatenate([z, h], axis=1), arm.hidden)
        if probe is not None:
            probe.append((z, h, cars.v.copy(), ~cars.done))
        reward = cars.step(action)
        total += reward
        if trace:
            log.append({"x": cars.x[0], "y": cars.y[0], "theta": cars.theta[0], "v": cars.v[0], "frame": frame[0],
                        "z": z[0], "action": action[0], "reward": float(reward[0]), "done": bool(cars.done[0])})
        if cars.done.all():
            break
        memory.advance(z, action, predict=trace)
        if trace and memory.prediction is not None:
            log[-1]["z_next_predicted"] = mdn_mean(memory.prediction[:1], cfg.z_dim, cfg.mixtures)[0]
    returns = total.reshape(pop, n_tracks)
    return (returns, log) if trace else returns


def r_squared(features: np.ndarray, target: np.ndarray, train: np.ndarray) -> float:
    """Held-out R^2 of a least-squares linear read-out (with bias) of target from features."""
    x = np.concatenate([features, np.ones((len(features), 1))], axis=1)
    coef = np.linalg.lstsq(x[train], target[train], rcond=None)[0]
    resid = target[~train] - x[~train] @ coef
    return float(1.0 - np.mean(resid ** 2) / np.var(target[~train]))


def speed_probe(probe: list, n_tracks: int) -> tuple[float, float]:
    """How much of the car's (unseen) speed a linear read-out recovers from z alone and from [z, h],
    fitted on the steps of the first half of the test tracks and scored on the second half."""
    z = np.concatenate([p[0] for p in probe])
    h = np.concatenate([p[1] for p in probe])
    v = np.concatenate([p[2] for p in probe])
    alive = np.concatenate([p[3] for p in probe])
    first_half = np.tile(np.arange(n_tracks) < n_tracks // 2, len(probe))
    return (r_squared(z[alive], v[alive], first_half[alive]),
            r_squared(np.concatenate([z, h], axis=1)[alive], v[alive], first_half[alive]))


def random_policy_returns(tracks: np.ndarray, env: Env, cfg, rng: np.random.Generator) -> np.ndarray:
    """Uniform random actions in [-1, 1]^2 at every step."""
    cars = Cars(tracks, env)
    total = np.zeros(len(tracks))
    for _ in range(cfg.max_steps):
        total += cars.step(rng.uniform(-1.0, 1.0, (len(tracks), 2)))
        if cars.done.all():
            break
    return total


# ----------------------------------------------------------------------------------------
# Evolution: CMA-ES (shared.search.evo), restarts batched over the controller's parameters.
# ----------------------------------------------------------------------------------------


def evolve(arm: Arm, world: dict, cfg, env: Env, seed: int, verbose: bool = True):
    """cfg.restarts independent CMA-ES runs of the arm's C, driven together in one batch; each
    candidate's fitness is its mean return on cfg.train_tracks tracks, new every generation and
    shared by its restart's population. Returns the restarts' final means (R, n) and the curves
    (generations, R, 4): best and mean return of the population, sigma, condition number of C."""
    n = controller_size(arm, cfg)
    runs = [CMAES(np.zeros(n), cfg.sigma0, cfg.popsize, stream(seed, f"C {arm.name} restart {r}"))
            for r in range(cfg.restarts)]
    clock = Progress(cfg.generations, label=f"CMA-ES ({arm.name}, {cfg.restarts} restarts) generation") \
        if verbose else None
    curve = np.empty((cfg.generations, cfg.restarts, 4))
    for g in range(cfg.generations):
        tracks = np.stack([sample_tracks(cfg.train_tracks, env, es.rng) for es in runs])
        candidates = np.concatenate([es.ask() for es in runs])
        returns = rollout(candidates, np.repeat(tracks, cfg.popsize, axis=0), arm, world, cfg, env)
        returns = returns.mean(axis=1).reshape(cfg.restarts, cfg.popsize)
        for r, es in enumerate(runs):
            es.tell(-returns[r])
            curve[g, r] = returns[r].max(), returns[r].mean(), es.sigma, es.condition
        if clock:
            clock.update(g + 1, best=returns.max(), mean=returns.mean())
    return np.stack([es.mean for es in runs]), curve


# ----------------------------------------------------------------------------------------
# One seed, end to end
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    rollouts: int = 48          # random rollouts for V and M
    rollout_steps: int = 80
    z_dim: int = 8
    v_hidden: int = 64
    v_steps: int = 1500
    v_batch: int = 64
    v_lr: float = 2e-3
    beta: float = 1.0
    m_hidden: int = 32
    mixtures: int = 5
    m_steps: int = 300
    m_batch: int = 16
    m_window: int = 32
    m_lr: float = 3e-3
    o_neurons: int = 32         # OdyssNet as M
    o_think: int = 2
    o_lr: float = 5e-3
    c_hidden: int = 12          # the hidden layer of the paper's second ablation (134 parameters)
    popsize: int = 16
    generations: int = 50
    restarts: int = 3
    sigma0: float = 0.3
    train_tracks: int = 4
    select_tracks: int = 64     # a restart is chosen on these ...
    test_tracks: int = 100      # ... and the chosen one is scored on these (the paper's 100 trials)
    max_steps: int = 150


QUICK = Config(rollouts=8, rollout_steps=24, v_steps=60, m_steps=8, m_window=12, m_hidden=6, o_neurons=12,
               c_hidden=3, popsize=6, generations=2, restarts=2, train_tracks=2, select_tracks=3,
               test_tracks=4, max_steps=30)


def arms_of(model: str, cfg) -> list[Arm]:
    """The experiment's arms: the paper's full model and its two ablations, and our control."""
    if model == "odyssnet":
        return [Arm("odyssnet", "odyssnet")]
    return [Arm("full", "lstm"), Arm("z_only", "none"), Arm("z_hidden", "none", hidden=cfg.c_hidden),
            Arm("random_m", "lstm", trained=False)]


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator per seed and purpose (the same whatever else runs)."""
    return np.random.default_rng([seed, sum(ord(ch) * 31 ** i for i, ch in enumerate(name)) % 2 ** 32])


def train_world_model(seed: int, cfg: Config, env: Env, m_kind: str = "lstm", verbose: bool = True) -> dict:
    """V and M for one seed (and M as it was before training); returns them with their curves and
    held-out scores."""
    frames, actions = collect_rollouts(cfg.rollouts + max(2, cfg.rollouts // 8), cfg.rollout_steps, env,
                                       stream(seed, "rollouts"))
    train, held = slice(0, cfg.rollouts), slice(cfg.rollouts, None)
    flat = frames[train].reshape(-1, frames.shape[-1])
    vae, v_curve = train_vae(flat, cfg, stream(seed, "V"), Progress(cfg.v_steps, "V step") if verbose else None)
    mu, lv = vae.encode(frames)
    z = mu + np.exp(0.5 * lv) * stream(seed, "z").standard_normal(mu.shape)
    recon = float(np.mean(np.abs((vae.decode(mu[held]) > 0.5) - frames[held])))
    out = {"vae": vae, "v_curve": v_curve, "frames": frames, "actions": actions, "mu": mu, "pixel_error": recon,
           "trainer": None}
    clock = Progress(cfg.m_steps, "M step") if verbose else None
    if m_kind == "lstm":
        m_model, m_curve = train_mdn_rnn(z[train], actions[train], cfg, stream(seed, "M"), clock)
        out["m_eval"] = evaluate_m(m_model, z[held], mu[held], actions[held], cfg)
        out["m_untrained"] = new_mdn_rnn(cfg, stream(seed, "M"))       # the same draw, before training
    else:
        m_model, trainer, m_curve = train_odyssnet_m(mu[train], actions[train], cfg, stream(seed, "M"), clock)
        out["m_eval"] = evaluate_odyssnet_m(m_model, trainer, mu[held], actions[held], cfg)
        out["trainer"] = trainer
    out.update(m_model=m_model, m_curve=m_curve)
    return out


def run_seed(seed: int, cfg: Config, env: Env, model: str = "lstm", verbose: bool = True,
             only: tuple[str, ...] | None = None) -> dict:
    """V and M, the oracle on the test tracks, then every arm (or the arms named in only): its CMA-ES
    restarts, the restart that does best on the selection tracks, and that agent's returns on the
    test tracks."""
    world = train_world_model(seed, cfg, env, "lstm" if model == "lstm" else "odyssnet", verbose)
    select = sample_tracks(cfg.select_tracks, env, stream(seed, "selection tracks"))
    test = sample_tracks(cfg.test_tracks, env, stream(seed, "test tracks"))
    oracle = oracle_returns(test, env, cfg.max_steps)
    row = {"oracle": float(oracle.mean()), "oracle_worst": float(oracle.min()),
           "random_policy": float(random_policy_returns(test, env, cfg, stream(seed, "random policy")).mean()),
           "m_mse": world["m_eval"]["mse"], "copy_mse": world["m_eval"]["copy_mse"],
           "pixel_error": world["pixel_error"]}
    agents, curves, tests = {}, {}, {"oracle": oracle}
    for arm in arms_of(model, cfg):
        if only is not None and arm.name not in only:
            continue
        finals, curve = evolve(arm, world, cfg, env, seed, verbose)
        chosen = int(np.argmax(rollout(finals, select, arm, world, cfg, env).mean(axis=1)))
        probe = [] if arm.memory != "none" else None
        returns = rollout(finals[chosen][None], test, arm, world, cfg, env, probe=probe)[0]
        agents[arm.name], curves[arm.name], tests[arm.name] = finals[chosen], curve, returns
        row[arm.name] = float(returns.mean())
        row[f"{arm.name}_worst"] = float(returns.min())
        row[f"{arm.name}_restart"] = chosen
        row[f"{arm.name}_sigma"] = float(curve[-1, chosen, 2])
        row[f"{arm.name}_condition"] = float(curve[-1, chosen, 3])
        if probe is not None:
            row[f"{arm.name}_speed_r2_z"], row[f"{arm.name}_speed_r2_zh"] = speed_probe(probe, len(test))
    return {"row": row, "curves": curves, "world": world, "agents": agents, "test_tracks": test, "tests": tests,
            "arms": {a.name: a for a in arms_of(model, cfg)}}


# ----------------------------------------------------------------------------------------
# Gradient checks of the hand-written backward passes (V, the MDN loss, M = LSTM + MDN)
# ----------------------------------------------------------------------------------------


def gradient_errors(seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    errors = {}
    vae = VAE(12, 5, 3, rng)
    x = (rng.random((4, 12)) < 0.5).astype(float)
    eps = rng.standard_normal((4, 3))
    _, _, _, g = vae.loss(x, eps, beta=0.7)
    errs = check_gradients(lambda: vae.loss(x, eps, beta=0.7, grads=False)[0], vae.params, g)
    errors.update({f"V.{k}": v for k, v in errs.items()})

    k, n_z = 3, 2
    out = {"out": rng.normal(0, 1, (2, 3, 3 * n_z * k))}
    target = rng.normal(0, 1, (2, 3, n_z))
    _, d = mdn_loss(out["out"], target, k)
    errors["MDN.out"] = check_gradients(lambda: mdn_loss(out["out"], target, k)[0], out, {"out": d})["out"]

    lstm = LSTM(n_z + 2, 4, 3 * n_z * k, variant="NP", readout="all", init_scale=0.5, rng=rng)
    xs = rng.normal(0, 1, (2, 5, n_z + 2))
    ys = rng.normal(0, 1, (2, 5, n_z))

    def m_loss():
        return mdn_loss(lstm.forward(xs), ys, k)[0]

    _, d = mdn_loss(lstm.forward(xs), ys, k)
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
    """The rows' steps for the data-movement meter, one per stage of one seed's agent (the stages run one
    after the other; each row's steps are its stage's whole budget, from the record's config: the task has
    no early stop, an agent is solved when its test return reaches 0.9 of the oracle's):

    - V: one Adam step of the VAE on a batch of v_batch 16 x 16 frames (tape_episodes.vae_step, float64);
      the loss's value is left out.
    - M: one training sequence of m_window steps of the MDN-RNN (tape_steps.lstm_step: LSTM 32, read-out of
      3 z_dim K mixture outputs at every step, Adam, float64); a step of the stub is m_batch such sequences,
      so steps = m_steps x m_batch (the Adam update, 3 maps a weight, is then counted m_batch times: about
      1.5 % of a sequence). The MDN loss's gradient is written as one map per output (y - t; the stub's
      softmax, Gaussian log-densities and responsibilities are some ten operations per output, 10 % more
      on the read-out) and clip_global_norm is left out.
    - C (V + M + C, the paper's agent): one control step of one CMA-ES candidate on its train_tracks tracks
      at once (tape_episodes.world_model_step): V encodes the frame (mu and log-variance, z = mu), the
      linear C on [z, h], M advances on [z, a]. An evaluation is at most max_steps such steps (an episode
      ends early only when every car is done: the cost is an upper bound); steps = generations x popsize x
      restarts x max_steps. CMA-ES's update (on 82 parameters) and the track's physics are left out.
    - C on z alone (the paper's ablation, ours at the same budget): V and the linear C, no M.
    The OdyssNet arm (M as an OdyssNet core) is recorded but not priced here (four rows)."""
    cfg = record.get("config") or {}
    seeds = _seed_rows(record)
    pixels = int(cfg["env"]["patch"]) ** 2
    z, m, k = cfg["z_dim"], cfg["m_hidden"], cfg["mixtures"]
    c_steps = cfg["generations"] * cfg["popsize"] * cfg["restarts"] * cfg["max_steps"]
    solved = lambda arm: any(r.get(arm) is not None and r.get("oracle") and   # noqa: E731
                             r[arm] >= SOLVED_SHARE * r["oracle"] for r in seeds)
    c_where = (f"the run's budget (config): {cfg['generations']} generations x {cfg['popsize']} candidates x "
               f"{cfg['restarts']} restarts x at most {cfg['max_steps']} steps")
    full = solved("full")
    v_weights = 2 * pixels * cfg["v_hidden"] + 3 * cfg["v_hidden"] * z + cfg["v_hidden"] * 2 + 2 * z + pixels
    m_weights = 4 * m * (z + 2 + m + 1) + m * 3 * z * k + 3 * z * k
    track = f"{cfg['train_tracks']} tracks"
    return [
        {"row": "V (VAE)", "family": "gradient", "step": f"one batch of {cfg['v_batch']} frames",
         "size": f"VAE {pixels}-{cfg['v_hidden']}-{z}, {v_weights} weights, Adam, float64",
         "program": lambda tape: tape_episodes.vae_step(tape, pixels, cfg["v_hidden"], z, cfg["v_batch"]),
         "steps_to_solve": cfg["v_steps"] if full else None,
         "steps_from": f"the run's budget (config): v_steps = {cfg['v_steps']}; no early stop"},
        {"row": "M (MDN-RNN)", "family": "gradient", "step": f"one training sequence ({cfg['m_window']} steps)",
         "size": f"LSTM {m} on {z + 2} inputs, {3 * z * k} mixture outputs, {m_weights} weights, Adam, float64",
         "program": lambda tape: tape_steps.lstm_step(tape, z + 2, m, 3 * z * k, cfg["m_window"], batch=1,
                                                      optimizer="adam", itemsize=8),
         "steps_to_solve": cfg["m_steps"] * cfg["m_batch"] if full else None,
         "steps_from": f"the run's budget (config): m_steps {cfg['m_steps']} x m_batch {cfg['m_batch']} sequences"},
        {"row": "C of V + M + C (CMA-ES)", "family": "evolution",
         "step": f"one control step of one candidate on {track} (V, C, M)",
         "size": f"linear C, {(z + m) * 2 + 2} parameters, on V and M above, float64",
         "program": lambda tape: tape_episodes.world_model_step(tape, cfg["train_tracks"], z, z + 2, m, n_actions=2,
                                                                pixels=pixels, v_hidden=cfg["v_hidden"]),
         "steps_to_solve": c_steps if full else None, "steps_from": c_where},
        {"row": "C on z alone (CMA-ES)", "family": "evolution", "step": f"one control step of one candidate on {track} (V, C)",
         "size": f"linear C, {z * 2 + 2} parameters, on V above, float64",
         "program": lambda tape: tape_episodes.world_model_step(tape, cfg["train_tracks"], z, z + 2, m, n_actions=2,
                                                                pixels=pixels, v_hidden=cfg["v_hidden"], c_reads="",
                                                                advance=False),
         "steps_to_solve": c_steps if solved("z_only") else None,
         "steps_from": c_where + " (V's and M's training not counted in this row)"},
    ]


# ----------------------------------------------------------------------------------------
# The verdict: written from the paper's Table 1 and Sec. 3.3 before the recorded run
# ----------------------------------------------------------------------------------------

MIN_SEEDS = 12          # paired claims over at least this many seeds (issue 11 asks for >= 10) ...
SEED_BLOCK = 2          # ... recorded in blocks of this many seeds (each command under 5 minutes)
SOLVED_SHARE = 0.9      # our analogue of the task's "solved" bar: 0.9 of the oracle's return
AGENTS = ("oracle", "full", "z_only", "z_hidden", "random_m")



def verdict(record: dict) -> dict:
    """The paper's claims on our track, one metric each: the mean return over the seed's 100 test
    tracks of the agent each arm selects (per seed, the best of its CMA-ES restarts on 64 separate
    selection tracks, as the paper selected its agent on separate rollouts), compared per seed.

    The paper's claims (Table 1 rows 5-7 and Sec. 3.3 of arXiv:1803.10122), tested together with
    Holm's correction (alpha 0.05), over at least MIN_SEEDS = 12 seeds:

    1. M's state helps: V+M+C beats C on z alone (632 -> 906). One-sided paired t on the log ratio,
       geometric-mean ratio > 1.
    2. ... and not because of C's extra parameters: V+M+C beats C on z with a hidden layer, which has
       more parameters than V+M+C's C (788 -> 906; A.4). Ratio > 1.
    3. The hidden layer helps C on z alone (632 -> 788). Ratio > 1.
    4. V+M+C solves the task. The paper's bar is the task's own (900 over 100 trials, Sec. 3 fn. 2);
       our track has none, so the bar is SOLVED_SHARE = 0.9 of the privileged-state oracle's return
       on the same tracks: ratio V+M+C / oracle > 0.9.
    5. C on z with the hidden layer does not ("not quite enough to solve", Sec. 3.3): ratio
       z-hidden / oracle < 0.9.

    The margins are the orderings themselves (ratio 1) and the 0.9 bar, chosen from the claims, not
    from our figures. Our control, not the paper's, is judged apart (Holm over its own two tests) and
    does not enter the grade: an untrained M (M at its initialisation) in place of the trained one,
    V+M+C against it (does the learned state matter?) and it against z alone (does any recurrent
    state help?).

    Grade (our mapping): yes when all five claims hold; partial when claim 1 holds and another does
    not; qualitative when claim 1 fails but claim 4 holds (the agent solves the track, M's gain is
    not shown); no otherwise. Fewer than MIN_SEEDS seeds, or seed blocks recorded with different
    configurations: pending.
    """
    rows = seed_rows(record)
    if len(rows) < MIN_SEEDS:
        return pending(f"{len(rows)} seed(s) recorded; the paired claims need at least {MIN_SEEDS}: the eight "
                       f"seed blocks --seed 0, 2, ..., 14 with --n-seeds {SEED_BLOCK} give the verdict together")
    configs = seed_block_configs(record)
    if any(c != configs[0] for c in configs):
        return pending("the seed blocks were recorded with different configurations")
    if any(row.get(agent) is None or row[agent] <= 0 for row in rows for agent in AGENTS):
        return pending("a seed lacks a positive return for one of " + ", ".join(AGENTS))
    get = {agent: [row[agent] for row in rows] for agent in AGENTS}
    metric = "mean return on the seed's test tracks (the arm's best restart on the selection tracks)"
    share = metric + ", over the oracle's on the same tracks"
    claims = judge([
        paired_better("V+M+C beats C on z alone", "Table 1 rows 5, 7; Sec. 3.3",
                      get["full"], get["z_only"], metric, lower_is_better=False),
        paired_better("V+M+C beats C on z with a hidden layer (more parameters)",
                      "Table 1 rows 6, 7; Sec. 3.3; App. A.4", get["full"], get["z_hidden"], metric,
                      lower_is_better=False),
        paired_better("the hidden layer helps C on z alone", "Table 1 rows 5, 6; Sec. 3.3",
                      get["z_hidden"], get["z_only"], metric, lower_is_better=False),
        paired_better(f"V+M+C solves the track (over {SOLVED_SHARE:g} of the oracle's return)",
                      "Table 1 row 7; Sec. 3 footnote 2 (the task's bar); ours: 0.9 of the oracle",
                      get["full"], get["oracle"], share, lower_is_better=False, min_ratio=SOLVED_SHARE),
        paired_better(f"C on z with a hidden layer does not (under {SOLVED_SHARE:g} of the oracle's)",
                      "Table 1 row 6; Sec. 3.3 ('not quite enough to solve')",
                      get["z_hidden"], get["oracle"], share, lower_is_better=True, min_ratio=1 / SOLVED_SHARE),
    ])
    helps, solves = claims[0].holds, claims[3].holds
    shares = ", ".join(f"{name} {format_value(float(np.exp(np.mean(np.log(np.array(get[arm]) / get['oracle'])))))}"
                       for name, arm in (("V+M+C", "full"), ("z alone", "z_only"), ("z + hidden layer", "z_hidden"),
                                         ("untrained M", "random_m")))
    if all(c.holds for c in claims):
        value, reason = "yes", f"all {len(claims)} claims hold over {len(rows)} seeds"
    else:
        value = "partial" if helps else "qualitative" if solves else "no"
        reason = (f"{sum(c.holds for c in claims)}/{len(claims)} claims hold over {len(rows)} seeds; not: "
                  + "; ".join(c.claim for c in claims if not c.holds))
    reason += f" (share of the oracle's return, geometric mean: {shares})"
    controls = judge([
        paired_better("V+M+C beats the same pipeline with an untrained M (our control)", "not in the paper",
                      get["full"], get["random_m"], metric, lower_is_better=False),
        paired_better("an untrained M's state beats z alone (our control)", "not in the paper",
                      get["random_m"], get["z_only"], metric, lower_is_better=False),
    ])
    return {"value": value, "reason": reason, "claims": [c.as_record() for c in claims],
            "controls": [c.as_record() for c in controls], "n_seeds": len(rows), "alpha": ALPHA,
            "correction": "Holm over the five claims; the two controls apart (Holm over the two)"}


# ----------------------------------------------------------------------------------------
# Sweeps and the record
# ----------------------------------------------------------------------------------------

LAP = Env().lap_reward
ARM_LABELS = {"oracle": "oracle (privileged state)", "full": "V + M + C (world model)",
              "z_only": "V + C, C linear on z (paper's ablation)",
              "z_hidden": "V + C, C on z with a hidden layer (paper's ablation)",
              "random_m": "V + untrained M + C (our control)", "odyssnet": "V + OdyssNet + C",
              "random_policy": "random policy"}


def sweep_seeds(seeds, cfg: Config, env: Env, model: str) -> list[dict]:
    rows = []
    for seed in seeds:
        print(f"seed {seed}: V, M ({model}), the oracle, then C for every arm "
              f"({', '.join(a.name for a in arms_of(model, cfg))}), {cfg.restarts} restarts each", flush=True)
        row = {"seed": seed, **run_seed(seed, cfg, env, model)["row"]}
        rows.append(row)
        print("  " + "  ".join(f"{key}={format_value(v)}" for key, v in row.items() if key != "seed"), flush=True)
    return rows


def geometric_share(values, oracle) -> float:
    return float(np.exp(np.mean(np.log(np.asarray(values) / np.asarray(oracle)))))


def part_name(model: str, seeds: list[int]) -> str | None:
    """Where a run goes in results.json: the main part (seed block from 0), a seed-block section, or
    the OdyssNet section."""
    if model == "odyssnet":
        return "odyssnet"
    return None if seeds[0] == 0 else f"seeds-{seeds[0]}-{seeds[-1]}"


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="tiny run for the tests: 8 short rollouts, a few V/M steps, "
                         "2 CMA-ES generations of 6 (2 restarts) on 30-step episodes")
    parser.add_argument("--model", choices=["lstm", "odyssnet"], default="lstm",
                        help="M: lstm = the paper's MDN-RNN (default; every arm); odyssnet = the catalog's "
                             "OdyssNet core trained to predict the next code, C reading its state (one arm)")
    parser.add_argument("--generations", type=int_at_most(100_000, "the paper ran 1800; 100,000 would take weeks"),
                        default=Config.generations,
                        help=f"CMA-ES generations (default {Config.generations})")
    parser.add_argument("--popsize", type=int_at_most(4096, "every candidate is a full set of rollouts"),
                        default=Config.popsize,
                        help=f"CMA-ES population size, at least 4 (default {Config.popsize})")
    parser.add_argument("--restarts", type=int_at_most(100, "every restart is a full CMA-ES run per arm and seed"),
                        default=Config.restarts,
                        help=f"CMA-ES restarts per arm and seed (default {Config.restarts})")
    parser.add_argument("--max-steps", type=int_at_most(100_000, "every rollout would be 100,000+ steps"),
                        default=Config.max_steps,
                        help=f"steps per episode (default {Config.max_steps})")
    parser.add_argument("--z-dim", type=int_at_most(1024, "V's decoder and M's mixture grow with it, C's parameters "
                                                          "and CMA-ES's covariance as its square"),
                        default=Config.z_dim, help=f"size of z (default {Config.z_dim})")
    parser.add_argument("--m-hidden", type=int_at_most(2048, "M's weights grow as its square, CMA-ES's covariance "
                                                             "with C's inputs squared"), default=Config.m_hidden,
                        help=f"LSTM cells of M (default {Config.m_hidden})")
    parser.add_argument("--sigma0", type=positive_float, default=Config.sigma0,
                        help=f"CMA-ES initial step size (default {Config.sigma0})")
    parser.add_argument("--gradcheck", action="store_true",
                        help="check the hand-written backward passes of V and M (and the MDN loss) numerically; "
                             "exit 1 if the largest relative error exceeds 1e-6")
    args = parser.parse_args(argv)
    parser.only_when(not args.gradcheck, parser.flags("--gradcheck", "--seed"),
                     "to training runs, not to --gradcheck (fixed small nets)")
    parser.only_when(not args.quick, ["--generations", "--popsize", "--restarts", "--max-steps", "--z-dim", "--m-hidden",
                                      "--sigma0"], "without --quick (which sets its own tiny configuration)")
    require_seeds(parser, args, SEED_BLOCK)
    if args.popsize < 4:
        parser.error("--popsize must be at least 4")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.gradcheck:
        return gradcheck_report(gradient_errors(args.seed))

    clock = Progress(1)
    env = Env()
    cfg = Config(generations=args.generations, popsize=args.popsize, restarts=args.restarts,
                 max_steps=args.max_steps, z_dim=args.z_dim, m_hidden=args.m_hidden, sigma0=args.sigma0)
    if args.quick:
        cfg = QUICK
        args.n_seeds = min(args.n_seeds, 2)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    section = part_name(args.model, seeds)
    print(f"world models on the numpy track: z={cfg.z_dim}, M={args.model} "
          f"({cfg.m_hidden if args.model == 'lstm' else cfg.o_neurons}), CMA-ES {cfg.generations} generations x "
          f"{cfg.popsize} on {cfg.train_tracks} tracks, {cfg.restarts} restarts per arm (chosen on "
          f"{cfg.select_tracks} tracks), {cfg.max_steps}-step episodes, {cfg.test_tracks} test tracks; "
          f"seeds {seeds[0]}..{seeds[-1]}", flush=True)
    rows = sweep_seeds(seeds, cfg, env, args.model)
    arms = [a.name for a in arms_of(args.model, cfg)]
    span = f"seeds {seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else f"seed {seeds[0]}"
    per_seed_columns = ["seed", "oracle", *arms, "random_policy", *[f"{a}_restart" for a in arms]]
    print(format_table(per_seed_columns, [[r[c] for c in per_seed_columns] for r in rows]))

    oracle = [r["oracle"] for r in rows]
    columns = ["agent", "C's inputs", "C parameters", "mean test return", "sd over seeds",
               "share of the oracle's (geometric mean)", "worst track, any seed", "speed R2 from z",
               "speed R2 from C's inputs"]

    def agent_row(name: str, inputs: str, size) -> list:
        values = [r[name] for r in rows]
        probe = name in ("full", "random_m", "odyssnet")
        return [ARM_LABELS[name], inputs, size, float(np.mean(values)), float(np.std(values)),
                geometric_share(values, oracle) if min(values) > 0 else None,
                min(r[f"{name}_worst"] for r in rows) if f"{name}_worst" in rows[0] else None,
                float(np.mean([r[f"{name}_speed_r2_z"] for r in rows])) if probe else None,
                float(np.mean([r[f"{name}_speed_r2_zh"] for r in rows])) if probe else None]

    arm_objects = {a.name: a for a in arms_of(args.model, cfg)}
    inputs = {"full": f"z ({cfg.z_dim}) + h ({cfg.m_hidden})", "z_only": f"z ({cfg.z_dim})",
              "z_hidden": f"z ({cfg.z_dim}) -> {cfg.c_hidden} tanh", "random_m": f"z ({cfg.z_dim}) + untrained h "
              f"({cfg.m_hidden})", "odyssnet": f"z ({cfg.z_dim}) + OdyssNet state ({cfg.o_neurons})"}
    table_rows = [agent_row("oracle", "true pose, speed, track", "-")]
    table_rows += [agent_row(a, inputs[a], controller_size(arm_objects[a], cfg)) for a in arms]
    table_rows.append(agent_row("random_policy", "-", 0))
    table = {"title": f"Mean return on {cfg.test_tracks} test tracks per seed ({cfg.max_steps} steps, "
                      f"{format_value(LAP)} per lap), {span}; each arm's agent is the best of {cfg.restarts} "
                      f"CMA-ES restarts on {cfg.select_tracks} selection tracks",
             "columns": columns, "rows": table_rows}
    per_seed = {"title": f"Per seed ({span}): mean test return, and which restart was chosen",
                "columns": per_seed_columns, "rows": [[r[c] for c in per_seed_columns] for r in rows]}
    m_mse, copy_mse = float(np.mean([r["m_mse"] for r in rows])), float(np.mean([r["copy_mse"] for r in rows]))
    for r in rows:      # a seed is "solved" when its first arm's agent reaches our bar (0.9 of the oracle's return)
        r["solved"] = bool(r[arms[0]] >= SOLVED_SHARE * r["oracle"])
    seeds_record = {"per_seed": rows, "summary": {**summarize([r[arms[0]] for r in rows], [r["solved"] for r in rows]),
                                                  "metric": arms[0]}}
    first = rows[0]
    measured = {"oracle": float(np.mean(oracle))}
    measured.update({ARM_LABELS[a]: float(np.mean([r[a] for r in rows])) for a in arms})
    if args.model == "odyssnet":
        summary = (f"{span}: V + OdyssNet-as-M + CMA-ES C {format_value(measured[ARM_LABELS['odyssnet']])} mean test "
                   f"return ({format_value(geometric_share([r['odyssnet'] for r in rows], oracle))} of the oracle's "
                   f"{format_value(float(np.mean(oracle)))}); next-z MSE {format_value(m_mse)} (no-change "
                   f"{format_value(copy_mse)})")
        headline = {"oracle": first["oracle"], "odyssnet": first["odyssnet"], "m_mse": first["m_mse"]}
    else:
        shares = {a: geometric_share([r[a] for r in rows], oracle) for a in arms}
        summary = (f"{span} (the verdict pools every seed block): share of the oracle's return {format_value(shares['full'])} "
                   f"for V+M+C, {format_value(shares['z_only'])} for C on z alone, "
                   f"{format_value(shares['z_hidden'])} with a hidden layer, {format_value(shares['random_m'])} "
                   f"with an untrained M")
        headline = {a: first[a] for a in ("oracle", *arms)}
        headline.update(m_mse=first["m_mse"], copy_mse=first["copy_mse"])
    print(summary)
    record = {"summary": summary, "headline": headline, "seeds": seeds_record, "tables": [table, per_seed],
              "config": {**asdict(cfg), "env": asdict(env)}, "wallclock_s": clock.elapsed}
    if section is None:
        record.update({
            "slug": "world-models-carracing",
            "paper": {"citation": CITATION,
                      "claim": "V (VAE) + M (MDN-RNN) + a linear C on [z, h] evolved by CMA-ES solves CarRacing-v0 "
                               "(906 +- 21 over 100 random trials, Table 1 row 7), while C on z alone scores 632 "
                               "+- 251 (row 5) and C on z with a hidden layer 788 +- 141 (row 6), 'not quite "
                               "enough to solve' (Sec. 3.3)",
                      "figures": PAPER_FIGURES},
            "tour": "The evolved V+M+C driver on a test track (left), the frame it sees and V's reconstruction, "
                    "and M's prediction of the next frame beside the real next frame (right).",
        })
    conclude(record, __file__, verdict, args.record, section=section, measured=measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
