"""Sub-goals learned through a learned, frozen evaluator (Schmidhuber 1991, ICANN-91, pp. 967-972).

The paper's three modules (IDSIA transcription, people.idsia.ch/~juergen/subgoalsicann/node3.html):
  C  the "program executer": it knows sub-programs that lead from a start state to a goal state.
     Here an obstacle-blind walker that steps STEP straight at whatever target it is given.
  E  the evaluator: input a start and a goal state, output 0 when C has a sub-program that leads
     from the start to the goal, 1 when it has none; trained "in an exploratory phase during which
     various combinations of start and goal states are given to the program executer". Here an MLP
     trained on random rollouts of C (did C's straight walk hit this obstacle?), then frozen, plus a
     second small MLP that learns the number of steps C needs for a leg.
  S  the sub-goal generator: input the start and the goal, output a list of sub-goals. n copies of E
     evaluate the legs start -> sg_1 -> ... -> sg_n -> goal; the desired output of every copy is 0 and
     the error is propagated through the copies of E (whose weights do not change) into S.

The arena (the paper's experiment is "obstacle avoidance in a two-dimensional environment"; no
arena was found in what we could read of it): a 10 x 10 field with 3 disks of radius 0.8, start
and goal drawn at random (at least 5 apart), one disk placed across the straight line between them
so that C's direct program always hits it, the other two anywhere. S sees start, goal and the three
disks' centres, so its sub-goals must depend on the arena. C walks at most T_MAX steps; touching a
disk ends the episode as a failure.

Compared on the same test episodes: the direct program (no sub-goal), random way-points, and the
cross-entropy method (CEM) planning each episode's sub-goals against the same frozen M.

Run:  python3 subgoal-obstacle-avoidance/subgoal_obstacle_avoidance.py --n-seeds 10 --record
      ... --model odyssnet --n-seeds 10 --record     (the OdyssNet core as the sub-goal generator)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.learning import tape_control
from shared.learning.control import Learner, OdyssNetBank
from shared.frame.experiment import (Progress, conclude, format_table, int_at_most, positive_float, positive_int,
                                     require_seeds, stub_parser, summarize)
from shared.frame.gradcheck import check_gradients
from shared.networks.mlp import MLP
from shared.networks.optim import Adam, clip_global_norm
from shared.frame.verdict import grade, judge, mean_below, paired_better, pending

# ----------------------------------------------------------------------------------------
# The arena and the program executer C (obstacle-blind: it walks straight at its target).
# ----------------------------------------------------------------------------------------

ARENA = 10.0       # the field is [0, ARENA]^2
RADIUS = 0.8       # every disk's radius
N_DISKS = 3
STEP = 0.4         # C's step length
T_MAX = 80         # C's steps per episode, all legs together
MIN_DIST = 5.0     # start and goal at least this far apart


def sample_episodes(rng: np.random.Generator, n: int, candidates: int = 40) -> dict:
    """n arenas: start (n, 2), goal (n, 2), disk centres (n, 3, 2); disk 0 blocks the direct line.

    Start and goal uniform in [1, 9]^2 at least MIN_DIST apart; disk 0 on the start-goal line at
    35-65% of the way, at most 0.4 off it (so the direct walk always touches it); the other disks
    uniform in [1, 9]^2, each the first of `candidates` draws at least 2 R + 0.2 from the disks
    before it and R + 0.5 from start and goal (drawn again in the rare case none is)."""
    start, goal = np.empty((n, 2)), np.empty((n, 2))
    filled = 0
    while filled < n:
        s, g = rng.uniform(1.0, ARENA - 1.0, (2, 2 * (n - filled), 2))
        keep = np.linalg.norm(g - s, axis=1) >= MIN_DIST
        take = min(int(keep.sum()), n - filled)
        start[filled:filled + take], goal[filled:filled + take] = s[keep][:take], g[keep][:take]
        filled += take
    d = goal - start
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1) / np.linalg.norm(d, axis=1, keepdims=True)
    disks = np.empty((n, N_DISKS, 2))
    disks[:, 0] = start + rng.uniform(0.35, 0.65, (n, 1)) * d + rng.uniform(-0.4, 0.4, (n, 1)) * normal
    for j in range(1, N_DISKS):
        todo = np.arange(n)
        while len(todo):
            c = rng.uniform(1.0, ARENA - 1.0, (len(todo), candidates, 2))
            ok = np.ones(c.shape[:2], dtype=bool)
            for i in range(j):
                ok &= np.linalg.norm(c - disks[todo, i][:, None], axis=-1) >= 2 * RADIUS + 0.2
            for end in (start, goal):
                ok &= np.linalg.norm(c - end[todo][:, None], axis=-1) >= RADIUS + 0.5
            found = ok.any(axis=1)
            first = np.argmax(ok, axis=1)
            disks[todo[found], j] = c[found, first[found]]
            todo = todo[~found]
    return {"start": start, "goal": goal, "disks": disks}


def segment_distance(a: np.ndarray, b: np.ndarray, o: np.ndarray) -> np.ndarray:
    """Distance from o to the segment a-b (any leading axes, last axis 2)."""
    d = b - a
    length2 = np.maximum(np.sum(d * d, axis=-1), 1e-12)
    t = np.clip(np.sum((o - a) * d, axis=-1) / length2, 0.0, 1.0)
    return np.linalg.norm(a + t[..., None] * d - o, axis=-1)


def leg_steps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Steps C needs to walk from a to b (its last step is shorter and lands on b)."""
    return np.ceil(np.linalg.norm(b - a, axis=-1) / STEP - 1e-9)


def walk(start: np.ndarray, targets: np.ndarray, disks: np.ndarray, t_max: int = T_MAX) -> dict:
    """C executes its sub-programs: from start it walks straight to each target in turn (the last
    target is the goal). One episode: start (2,), targets (k, 2), disks (m, 2). The walk stops at
    the first step whose segment touches a disk (failure), or after t_max steps.
    Returns the visited points, whether it reached the final target, hit a disk, ran out of steps."""
    points, p = [start.copy()], start.copy()
    for target in targets:
        while True:
            gap = target - p
            dist = np.linalg.norm(gap)
            if dist < 1e-9:
                break
            q = target.copy() if dist <= STEP else p + gap / dist * STEP
            if np.any(segment_distance(p, q, disks) < RADIUS):
                return {"points": np.array(points + [q]), "reached": False, "hit": True, "timeout": False}
            p = q
            points.append(p.copy())
            if len(points) - 1 >= t_max and np.linalg.norm(targets[-1] - p) > 1e-9:
                return {"points": np.array(points), "reached": False, "hit": False, "timeout": True}
    return {"points": np.array(points), "reached": True, "hit": False, "timeout": False}


def outcome(start, goal, disks, subgoals) -> np.ndarray:
    """Vectorised episode outcome for C following start -> subgoals -> goal: True where it reaches the
    goal without touching a disk within T_MAX steps. start/goal (n, 2), disks (n, m, 2), subgoals
    (n, K, 2) (K may be 0). Equal to ``walk`` (the tests check it): C's steps lie on the legs."""
    pts = np.concatenate([start[:, None], subgoals, goal[:, None]], axis=1)
    a, b = pts[:, :-1], pts[:, 1:]                                            # (n, K+1, 2)
    hit = (segment_distance(a[:, :, None], b[:, :, None], disks[:, None]) < RADIUS).any(axis=(1, 2))
    steps = leg_steps(a, b).sum(axis=1)
    return ~hit & (steps <= T_MAX)


# ----------------------------------------------------------------------------------------
# The evaluator M (the paper's E), learned from random rollouts of C, then frozen.
#   hit net:   ((a - o) / 5, (b - o) / 5) -> logit of P(C's walk a -> b touches the disk at o)
#   steps net: (b - a) / 10 -> steps / 10
# E's output for a leg is P(the leg fails) = 1 - prod_o (1 - p_o); the sub-goal generator's error for
# a leg is -log(1 - E) = sum_o softplus(logit_o) (E's desired output is 0), plus BETA x predicted steps.
# ----------------------------------------------------------------------------------------

BETA = 0.01        # cost of one predicted step of C, against -log P(a leg works)


@dataclass(frozen=True)
class Config:
    k: int = 2                   # sub-goals per episode
    model: str = "mlp"           # the sub-goal generator: "mlp" or "odyssnet"
    hidden_s: int = 64           # S's hidden units per layer (2 layers)
    odyssnet_neurons: int = 32
    thinking: int = 3
    hidden_m: int = 32           # M's hidden units per layer (2 layers)
    m_samples: int = 80_000      # random rollouts of C for M
    m_iters: int = 8000          # Adam steps on M
    s_iters: int = 3000          # Adam steps on S
    batch: int = 128             # fresh episodes per S step
    lr_m: float = 3e-3
    lr_s: float = 1e-3
    n_test: int = 500            # test episodes per seed
    cem_pop: int = 48
    cem_elite: int = 8
    cem_iters: int = 8


def rollout_data(rng: np.random.Generator, n: int) -> dict:
    """Random legs a -> b run by C against one disk at o; half the disks near the leg. Labels from the
    step-by-step walk's geometry: hit (did a step touch the disk), steps."""
    a = rng.uniform(0.0, ARENA, (n, 2))
    b = rng.uniform(0.0, ARENA, (n, 2))
    near = rng.random(n) < 0.5
    d = b - a
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1) / np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-9)
    o_near = a + rng.uniform(-0.1, 1.1, (n, 1)) * d + rng.normal(0.0, 1.2, (n, 1)) * normal
    o = np.where(near[:, None], o_near, rng.uniform(0.0, ARENA, (n, 2)))
    hit = (segment_distance(a, b, o) < RADIUS).astype(float)
    return {"a": a, "b": b, "o": o, "hit": hit, "steps": leg_steps(a, b)}


def hit_input(a, b, o):
    return np.concatenate([(a - o) / 5.0, (b - o) / 5.0], axis=-1)


def softplus(z):
    return np.logaddexp(0.0, z)


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def train_model(rng: np.random.Generator, cfg: Config):
    """M from random rollouts of C: the hit net by cross-entropy, the steps net by squared error.
    Returns the two frozen nets and their held-out figures."""
    data = rollout_data(rng, cfg.m_samples)
    held = rollout_data(rng, 10_000)
    hit_net = MLP([4, cfg.hidden_m, cfg.hidden_m, 1], rng)
    steps_net = MLP([2, cfg.hidden_m, cfg.hidden_m, 1], rng)
    opt_h, opt_s = Adam(hit_net.params, lr=cfg.lr_m), Adam(steps_net.params, lr=cfg.lr_m)
    x_hit, x_steps = hit_input(data["a"], data["b"], data["o"]), (data["b"] - data["a"]) / 10.0
    for it in range(cfg.m_iters):
        idx = rng.integers(0, cfg.m_samples, 256)
        logit, cache = hit_net.forward(x_hit[idx])
        d = (sigmoid(logit[:, 0]) - data["hit"][idx])[:, None] / len(idx)       # cross-entropy
        grads, _ = hit_net.backward(cache, d)
        clip_global_norm(grads, 5.0)
        opt_h.step(grads)
        pred, cache = steps_net.forward(x_steps[idx])
        d = 2.0 * (pred[:, 0] - data["steps"][idx] / 10.0)[:, None] / len(idx)
        grads, _ = steps_net.backward(cache, d)
        clip_global_norm(grads, 5.0)
        opt_s.step(grads)
    p = sigmoid(hit_net(hit_input(held["a"], held["b"], held["o"]))[:, 0])
    steps_pred = 10.0 * steps_net((held["b"] - held["a"]) / 10.0)[:, 0]
    figures = {"m_hit_accuracy": float(np.mean((p > 0.5) == (held["hit"] > 0.5))),
               "m_hit_cross_entropy": float(-np.mean(held["hit"] * np.log(p + 1e-12)
                                                     + (1 - held["hit"]) * np.log(1 - p + 1e-12))),
               "m_steps_mae": float(np.mean(np.abs(steps_pred - held["steps"])))}
    return hit_net, steps_net, figures


def path_cost(hit_net, steps_net, start, goal, disks, subgoals, need_grad: bool = True):
    """M's cost of C following start -> subgoals -> goal, per episode (n,), and dcost/dsubgoals.
    Leading axes of start/goal (…, 2), disks (…, m, 2), subgoals (…, K, 2) are batch axes."""
    pts = np.concatenate([start[..., None, :], subgoals, goal[..., None, :]], axis=-2)   # (…, K+2, 2)
    a, b = pts[..., :-1, :], pts[..., 1:, :]                                             # (…, K+1, 2)
    o = disks[..., None, :, :]                                                           # (…, 1, m, 2)
    aa, bb = np.broadcast_arrays(a[..., None, :], o)[0], np.broadcast_arrays(b[..., None, :], o)[0]
    logit, cache_h = hit_net.forward(hit_input(aa, bb, o))                               # (…, K+1, m, 1)
    steps, cache_s = steps_net.forward((b - a) / 10.0)                                   # (…, K+1, 1)
    cost = softplus(logit[..., 0]).sum(axis=(-1, -2)) + BETA * 10.0 * steps[..., 0].sum(axis=-1)
    if not need_grad:
        return cost, None
    _, dx = hit_net.backward(cache_h, sigmoid(logit))                                    # (…, K+1, m, 4)
    d_a = dx[..., :2].sum(axis=-2) / 5.0
    d_b = dx[..., 2:].sum(axis=-2) / 5.0
    _, ds = steps_net.backward(cache_s, np.full(steps.shape, BETA * 10.0))               # (…, K+1, 2)
    d_a, d_b = d_a - ds / 10.0, d_b + ds / 10.0
    d_pts = np.zeros(pts.shape)
    d_pts[..., :-1, :] += d_a
    d_pts[..., 1:, :] += d_b
    return cost, d_pts[..., 1:-1, :]


def direct_cost(hit_net, steps_net, ep):
    k0 = np.zeros(ep["start"].shape[:-1] + (0, 2))
    return path_cost(hit_net, steps_net, ep["start"], ep["goal"], ep["disks"], k0, need_grad=False)[0]


# ----------------------------------------------------------------------------------------
# The sub-goal generator S: the arena in the task's own frame -> K sub-goals.
# The frame: origin at the start, first axis towards the goal (e1), second axis e2 = e1 turned left;
# lengths / 5. S sees the start-goal distance and the disk centres in this frame (nearest the
# start-goal segment first) and emits each sub-goal as (along, across) in the same frame:
#   along = L (1.4 u - 0.2), across = 4 (2 v - 1), u, v = sigmoid of S's read-outs,
# turned back into the arena's coordinates (a fixed map per episode, S's weights do not enter it).
# ----------------------------------------------------------------------------------------


def task_frame(ep: dict):
    d = ep["goal"] - ep["start"]
    length = np.linalg.norm(d, axis=1)
    e1 = d / length[:, None]
    e2 = np.stack([-e1[:, 1], e1[:, 0]], axis=1)
    return length, e1, e2


def generator_input(ep: dict) -> np.ndarray:
    length, e1, e2 = task_frame(ep)
    order = np.argsort(segment_distance(ep["start"][:, None], ep["goal"][:, None], ep["disks"]), axis=1)
    disks = np.take_along_axis(ep["disks"], order[..., None], axis=1) - ep["start"][:, None]
    local = np.stack([np.sum(disks * e1[:, None], axis=-1), np.sum(disks * e2[:, None], axis=-1)], axis=-1)
    return np.concatenate([length[:, None], local.reshape(len(local), -1)], axis=1) / 5.0


def decode(out: np.ndarray, ep: dict):
    """S's read-outs (n, 2K) -> sub-goals in the arena (n, K, 2), and what decode_backward needs."""
    length, e1, e2 = task_frame(ep)
    u = sigmoid(out).reshape(len(out), -1, 2)
    along = length[:, None] * (1.4 * u[..., 0] - 0.2)
    across = 4.0 * (2.0 * u[..., 1] - 1.0)
    world = ep["start"][:, None] + along[..., None] * e1[:, None] + across[..., None] * e2[:, None]
    return world, (u, length, e1, e2)


def decode_backward(d_world: np.ndarray, saved) -> np.ndarray:
    u, length, e1, e2 = saved
    d_u = np.stack([np.sum(d_world * e1[:, None], axis=-1) * 1.4 * length[:, None],
                    np.sum(d_world * e2[:, None], axis=-1) * 8.0], axis=-1)
    return (d_u * u * (1.0 - u)).reshape(len(u), -1)


N_INPUT = 1 + 2 * N_DISKS


class StaticGenerator:
    """Architecture 1 of the paper: all K sub-goals at once from one pass."""

    def subgoals(self, ep: dict) -> np.ndarray:
        world, self._saved = decode(self.forward(generator_input(ep)), ep)
        return world

    def backward_world(self, d_world: np.ndarray) -> dict:
        return self.backward(decode_backward(d_world, self._saved))


class MLPGenerator(StaticGenerator):
    def __init__(self, cfg: Config, rng: np.random.Generator):
        self.net = MLP([N_INPUT, cfg.hidden_s, cfg.hidden_s, 2 * cfg.k], rng)
        self.params = self.net.params
        self.optimizer = Adam(self.params, lr=cfg.lr_s)

    def forward(self, x):
        out, self._cache = self.net.forward(x)
        return out

    def backward(self, d_out):
        return self.net.backward(self._cache, d_out)[0]

    def apply(self, grads):
        clip_global_norm(grads, 1.0)
        self.optimizer.step(grads)


class OdyssNetGenerator(StaticGenerator):
    """The catalog's OdyssNet core (shared.learning.control.OdyssNetBank, one core) as S: the arena is injected
    at the first of ``thinking`` steps, the sub-goals read out at the last."""

    def __init__(self, cfg: Config, seed: int):
        self.bank = OdyssNetBank(N_INPUT, 2 * cfg.k, cfg.odyssnet_neurons, cfg.thinking,
                                 [np.random.SeedSequence([seed, 2])])
        self.params = self.bank.params
        self.learner = Learner(self.bank, cfg.lr_s)

    def forward(self, x):
        return self.bank.forward(x[None, :, None, :])[0, :, 0]

    def backward(self, d_out):
        return self.bank.backward(d_out[None, :, None, :])[0]

    def apply(self, grads):
        self.learner.apply(grads)


class RecurrentGenerator:
    """Architecture 2 of the paper (node 4): one sub-goal per step, fed back as the next start while
    the goal input stays; the K copies of the net (and of M) are trained by backpropagation through
    the unfolded chain. The net (an MLP, 7 + 2 inputs -> 2 read-outs) sees the arena in the task's
    frame and the current start (the previous sub-goal; the start itself at first) in that frame."""

    def __init__(self, cfg: Config, rng: np.random.Generator):
        self.net = MLP([N_INPUT + 2, cfg.hidden_s, cfg.hidden_s, 2], rng)
        self.k = cfg.k
        self.params = self.net.params
        self.optimizer = Adam(self.params, lr=cfg.lr_s)

    def subgoals(self, ep: dict) -> np.ndarray:
        x0 = generator_input(ep)
        current = np.zeros((len(x0), 2))
        worlds, self._steps = [], []
        for _ in range(self.k):
            out, cache = self.net.forward(np.concatenate([x0, current], axis=1))
            world, saved = decode(out, ep)
            u, length = saved[0][:, 0], saved[1]
            current = np.stack([length * (1.4 * u[:, 0] - 0.2), 4.0 * (2.0 * u[:, 1] - 1.0)], axis=1) / 5.0
            worlds.append(world[:, 0])
            self._steps.append((cache, saved))
        return np.stack(worlds, axis=1)

    def backward_world(self, d_world: np.ndarray) -> dict:
        grads, carry = None, np.zeros((len(d_world), 2))
        for k in range(self.k - 1, -1, -1):
            cache, saved = self._steps[k]
            u, length = saved[0][:, 0], saved[1]
            d_out = decode_backward(d_world[:, k:k + 1], saved)
            d_out += np.stack([carry[:, 0] / 5.0 * 1.4 * length, carry[:, 1] / 5.0 * 8.0], axis=1) * u * (1 - u)
            g, dx = self.net.backward(cache, d_out)
            grads = g if grads is None else {name: grads[name] + g[name] for name in grads}
            carry = dx[:, N_INPUT:]
        return grads

    def apply(self, grads):
        clip_global_norm(grads, 1.0)
        self.optimizer.step(grads)


def subgoals_of(gen, ep: dict) -> np.ndarray:
    return gen.subgoals(ep)


def make_generator(cfg: Config, seed: int, rng: np.random.Generator):
    if cfg.model == "odyssnet":
        return OdyssNetGenerator(cfg, seed)
    return RecurrentGenerator(cfg, rng) if cfg.model == "recurrent" else MLPGenerator(cfg, rng)


def generator_loss_and_grads(gen, hit_net, steps_net, ep):
    """Mean M cost of the generated sub-goals over the batch, and S's gradients (M frozen)."""
    sg = subgoals_of(gen, ep)
    cost, d_sg = path_cost(hit_net, steps_net, ep["start"], ep["goal"], ep["disks"], sg)
    return float(cost.mean()), gen.backward_world(d_sg / len(cost))


def train_generator(gen, hit_net, steps_net, rng, cfg: Config, progress=None, curve_every: int = 0):
    curve = []
    for it in range(cfg.s_iters):
        ep = sample_episodes(rng, cfg.batch)
        loss, grads = generator_loss_and_grads(gen, hit_net, steps_net, ep)
        gen.apply(grads)
        if curve_every and (it % curve_every == 0 or it == cfg.s_iters - 1):
            curve.append([it, loss])
        if progress is not None:
            progress.update(it + 1, cost=loss)
    return curve


# ----------------------------------------------------------------------------------------
# Baselines on the same test episodes: random way-points, CEM on M's cost.
# ----------------------------------------------------------------------------------------


def random_waypoints(rng, n: int, k: int) -> np.ndarray:
    return rng.uniform(0.0, ARENA, (n, k, 2))


def cem_plan(hit_net, steps_net, ep, rng, cfg: Config) -> np.ndarray:
    """Per episode, the cross-entropy method over the K sub-goals against M's cost (no learning
    across episodes): a Gaussian, `cem_pop` samples, refit to the `cem_elite` best, `cem_iters` rounds."""
    n = len(ep["start"])
    mean = np.broadcast_to((ep["start"] + ep["goal"])[:, None] / 2, (n, cfg.k, 2)).copy()
    std = np.full((n, cfg.k, 2), 3.0)
    s, g, d = (ep["start"][:, None].repeat(cfg.cem_pop, 1), ep["goal"][:, None].repeat(cfg.cem_pop, 1),
               ep["disks"][:, None].repeat(cfg.cem_pop, 1))
    for _ in range(cfg.cem_iters):
        samples = np.clip(mean[:, None] + std[:, None] * rng.normal(size=(n, cfg.cem_pop, cfg.k, 2)), 0.0, ARENA)
        cost, _ = path_cost(hit_net, steps_net, s, g, d, samples, need_grad=False)
        elite = np.take_along_axis(samples, np.argsort(cost, axis=1)[:, :cfg.cem_elite, None, None], axis=1)
        mean, std = elite.mean(axis=1), elite.std(axis=1) + 0.05
    return mean


# ----------------------------------------------------------------------------------------
# One seed: M from rollouts, S through frozen M, everything tested on the same episodes.
# ----------------------------------------------------------------------------------------


def run_seed(seed: int, cfg: Config, keep: bool = False) -> dict:
    rng_m, rng_s, rng_train, rng_test, rng_rand, rng_cem = (np.random.default_rng([seed, i]) for i in range(1, 7))
    hit_net, steps_net, m_fig = train_model(rng_m, cfg)
    gen = make_generator(cfg, seed, rng_s)
    curve = train_generator(gen, hit_net, steps_net, rng_train, cfg,
                            progress=Progress(cfg.s_iters, label=f"seed {seed}: S step"),
                            curve_every=max(1, cfg.s_iters // 60) if keep else 0)
    test = sample_episodes(rng_test, cfg.n_test)
    sg = subgoals_of(gen, test)
    rand = random_waypoints(rng_rand, cfg.n_test, cfg.k)
    cem = cem_plan(hit_net, steps_net, test, rng_cem, cfg)
    none = np.zeros((cfg.n_test, 0, 2))
    ok = {name: outcome(test["start"], test["goal"], test["disks"], p)
          for name, p in (("subgoals", sg), ("direct", none), ("random", rand), ("cem", cem))}
    cost_sg = path_cost(hit_net, steps_net, test["start"], test["goal"], test["disks"], sg, need_grad=False)[0]
    cost_direct = direct_cost(hit_net, steps_net, test)
    row = {"solved": None,
           "success": float(ok["subgoals"].mean()), "direct_success": float(ok["direct"].mean()),
           "random_success": float(ok["random"].mean()), "cem_success": float(ok["cem"].mean()),
           "failures": int((~ok["subgoals"]).sum()), "direct_failures": int((~ok["direct"]).sum()),
           "random_failures": int((~ok["random"]).sum()), "cem_failures": int((~ok["cem"]).sum()),
           "n_test": cfg.n_test,
           "m_cost_subgoals": float(np.median(cost_sg)), "m_cost_direct": float(np.median(cost_direct)),
           "cost_lower_share": float(np.mean(cost_sg < cost_direct)),
           "path_steps": float(np.mean(leg_steps(*_legs(test, sg)).sum(axis=1)[ok["subgoals"]]))
           if ok["subgoals"].any() else None,
           **m_fig}
    row["solved"] = row["success"] >= 0.8
    if keep:
        row["_keep"] = {"hit_net": hit_net, "steps_net": steps_net, "gen": gen, "test": test, "subgoals": sg,
                        "cem": cem, "random": rand, "ok": ok, "curve": curve}
    return row


def _legs(ep, sg):
    pts = np.concatenate([ep["start"][:, None], sg, ep["goal"][:, None]], axis=1)
    return pts[:, :-1], pts[:, 1:]


# ----------------------------------------------------------------------------------------
# Gradient checks (float64): S's parameters through frozen M, and M's dcost/dsubgoals.
# ----------------------------------------------------------------------------------------


def gradient_errors(seed: int = 0, model: str = "mlp") -> dict[str, float]:
    cfg = Config(hidden_s=6, hidden_m=5, odyssnet_neurons=16, thinking=2, model=model, k=2)
    rng = np.random.default_rng(seed)
    hit_net = MLP([4, 5, 5, 1], rng, init_scale=2.0)
    steps_net = MLP([2, 4, 1], rng, init_scale=2.0)
    ep = sample_episodes(rng, 5)
    gen = make_generator(cfg, seed, rng)
    _, grads = generator_loss_and_grads(gen, hit_net, steps_net, ep)
    entries = {}
    if model == "odyssnet":          # the core's diagonal is structurally zero (no self-connections)
        off = ~np.eye(gen.bank.neurons, dtype=bool)[None]
        entries["W"] = np.flatnonzero(np.broadcast_to(off, gen.params["W"].shape))
    errors = {f"S.{k}": v for k, v in check_gradients(
        lambda: generator_loss_and_grads(gen, hit_net, steps_net, ep)[0], gen.params, grads,
        entries=entries, max_entries=40, rng=np.random.default_rng(seed)).items()}
    sg = {"sg": rng.uniform(0, ARENA, (5, 2, 2))}
    _, d_sg = path_cost(hit_net, steps_net, ep["start"], ep["goal"], ep["disks"], sg["sg"])
    errors.update({f"M.d/dsubgoal": v for v in check_gradients(
        lambda: float(path_cost(hit_net, steps_net, ep["start"], ep["goal"], ep["disks"], sg["sg"],
                                need_grad=False)[0].sum()), sg, {"sg": d_sg}).values()})
    return errors


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py subgoal-obstacle-avoidance): one step of each row on a Tape
# ----------------------------------------------------------------------------------------


def _tape_evaluator(tape, cfg: Config) -> tuple[dict, dict]:
    return (tape_control.mlp_parameters(tape, (4, cfg.hidden_m, cfg.hidden_m, 1)),
            tape_control.mlp_parameters(tape, (2, cfg.hidden_m, cfg.hidden_m, 1)))


def generator_step(tape, cfg: Config, batch: int, odyssnet: bool = False):
    """One Adam step of the static MLP generator S (train_generator) on ``batch`` episodes, float64: S's
    forward on the task's inputs, the decoding into K sub-goals in the arena (sigmoid, one map for the
    frame), M's cost of the K + 1 legs against the N_DISKS disks (the hit net on (batch, K + 1, N_DISKS)
    rows, the steps net on (batch, K + 1) legs, softplus and sums), its gradient back through both nets
    (M's weight gradients computed and discarded, as MLP.backward does) to the legs' ends, to the
    sub-goals, through the decoding and S; the clip and Adam. ``odyssnet``: S is the OdyssNet core
    (OdyssNetGenerator: the arena injected at the first of its thinking steps from the zero state, the
    sub-goals read at the last; tape_control's OdyssNet cell), AdamW."""
    dtype = np.float64
    k, m = cfg.k, N_DISKS
    if odyssnet:
        ps, state = tape_control.odyssnet_parameters(tape, N_INPUT, cfg.odyssnet_neurons, 2 * k)
    else:
        ps = tape_control.mlp_parameters(tape, (N_INPUT, cfg.hidden_s, cfg.hidden_s, 2 * k))
        state = tape_control.adam_state(tape, ps)
    hit, steps = _tape_evaluator(tape, cfg)
    x = tape.argument((batch, N_INPUT), dtype)
    start, goal = tape.argument((batch, 1, 2), dtype), tape.argument((batch, 1, 2), dtype)
    length = tape.argument((batch, 1), dtype)
    e1, e2 = tape.argument((batch, 1, 2), dtype), tape.argument((batch, 1, 2), dtype)
    disks = tape.argument((batch, 1, m, 2), dtype)
    if odyssnet:
        _, out, cache_s = tape_control.odyssnet_cell(tape, ps, x, tape.zeros((batch, cfg.odyssnet_neurons), dtype),
                                                     cfg.thinking)
    else:
        out, acts_s = tape_control.mlp_forward(tape, ps, x)
    u = tape.map(out).reshape(batch, k, 2)                                # sigmoid
    along, across = tape.map(length, u[..., 0]), tape.map(u[..., 1])
    world = tape.map(start, along[..., None], e1, across[..., None], e2)  # (batch, K, 2)
    pts = np.concatenate([start, world, goal], axis=1)                    # (batch, K + 2, 2)
    a, b = pts[:, :-1], pts[:, 1:]
    a_rel = tape.map(np.broadcast_to(a[:, :, None], (batch, k + 1, m, 2)), disks)
    b_rel = tape.map(np.broadcast_to(b[:, :, None], (batch, k + 1, m, 2)), disks)
    x_hit = np.concatenate([a_rel, b_rel], axis=-1).reshape(-1, 4)
    logit, acts_h = tape_control.mlp_forward(tape, hit, x_hit)
    leg = tape.map(b, a).reshape(-1, 2)
    n_steps, acts_n = tape_control.mlp_forward(tape, steps, leg)
    tape.reduce(tape.map(logit).reshape(batch, -1), axis=1)               # the cost: softplus, summed
    tape.reduce(n_steps.reshape(batch, -1), axis=1)
    _, dx = tape_control.mlp_backward(tape, hit, acts_h, tape.map(logit), input_grad=True)
    _, ds = tape_control.mlp_backward(tape, steps, acts_n, tape.zeros(np.shape(n_steps), dtype), input_grad=True)
    dx = dx.reshape(batch, k + 1, m, 4)
    d_a = tape.map(tape.reduce(np.moveaxis(dx[..., :2], 2, -1), axis=-1), ds.reshape(batch, k + 1, 2))
    d_b = tape.map(tape.reduce(np.moveaxis(dx[..., 2:], 2, -1), axis=-1), ds.reshape(batch, k + 1, 2))
    d_world = tape.map(d_a[:, 1:], d_b[:, :-1])          # a sub-goal ends one leg and starts the next
    d_u = np.stack([tape.map(tape.reduce(tape.map(d_world, e1), axis=-1), length),
                    tape.reduce(tape.map(d_world, e2), axis=-1)], axis=-1)
    d_out = tape.map(d_u, u).reshape(batch, 2 * k)                        # u (1 - u)
    if odyssnet:
        grads = {}
        tape_control.odyssnet_cell_back(tape, ps, cache_s, None, d_out, grads)
    else:
        grads, _ = tape_control.mlp_backward(tape, ps, acts_s, d_out, input_grad=True)
    tape_control.adam(tape, ps, tape_control.clip(tape, grads), state)
    return tape


def evaluator_step(tape, cfg: Config, batch: int):
    """One of M's training iterations (train_model) on ``batch`` rollouts, float64: the hit net (4-H-H-1,
    cross-entropy gradient) and the steps net (2-H-H-1, squared error), each forward, backward (dL/dx
    included, as MLP.backward computes it), clip and Adam."""
    dtype = np.float64
    nets = _tape_evaluator(tape, cfg)
    states = [tape_control.adam_state(tape, p) for p in nets]
    inputs = [tape.argument((batch, 4), dtype), tape.argument((batch, 2), dtype)]
    labels = [tape.argument((batch, 1), dtype), tape.argument((batch, 1), dtype)]
    for p, state, x, label in zip(nets, states, inputs, labels):
        y, acts = tape_control.mlp_forward(tape, p, x)
        grads, _ = tape_control.mlp_backward(tape, p, acts, tape.map(y, label), input_grad=True)
        tape_control.adam(tape, p, tape_control.clip(tape, grads), state)
    return tape


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter: the method's two phases at the recorded sizes. S: one
    Adam step of the static MLP generator through the frozen evaluator M on a batch of 128 fresh arenas
    (generator_step); M: one training iteration of the evaluator's two nets on 256 random rollouts
    (evaluator_step). The whole steps are beyond the meter's budget under this machine's load (S's 44M
    events, M's 11M), so each row prices a part of its batch, 8 of S's 128 arenas and 64 of M's 256
    rollouts, the clip and Adam included, and multiplies its steps by the parts (16 and 4): the weights'
    reuse over the batch is partly missed (the true cost per arena is lower) and the optimiser step is
    counted once per part (a few % of a part's FLOPs). Left out: drawing the arenas and C's rollouts (the
    environment), the tests. There is no solve criterion counted in steps (the verdict judges the test success after
    training): the steps are the recorded run's budget, s_iters and m_iters; the two rows together are the method's
    cost. The OdyssNet generator (--model odyssnet) is priced the same way, its M the same as the headline's. Not
    priced: CEM (a per-episode planner at test time, not a learner)."""
    cfg = Config()
    mlp_weights = lambda sizes: sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))   # noqa: E731
    s_sizes = (N_INPUT, cfg.hidden_s, cfg.hidden_s, 2 * cfg.k)
    m_weights = mlp_weights((4, cfg.hidden_m, cfg.hidden_m, 1)) + mlp_weights((2, cfg.hidden_m, cfg.hidden_m, 1))
    budget = "the recorded run's budget (Config, the recorded command's defaults): {}; no solve criterion counted " \
             "in steps"
    part, m_part = 8, 64                       # the priced units: 8 of S's 128 arenas, 64 of M's 256 rollouts
    return [{"row": "S through the frozen M (static MLP)", "family": "gradient",
             "step": f"1/{cfg.batch // part} of one Adam step: {part} of its {cfg.batch} arenas, the clip and Adam "
                     f"included",
             "size": f"S {'-'.join(map(str, s_sizes))} ({mlp_weights(s_sizes)} weights), Adam; M's two nets "
                     f"({m_weights} weights) frozen; float64",
             "program": lambda tape: generator_step(tape, cfg, part),
             "steps_to_solve": cfg.s_iters * cfg.batch // part,
             "steps_from": budget.format(f"s_iters = {cfg.s_iters} steps x {cfg.batch // part} parts")},
            *([{"row": "S through the frozen M (OdyssNet core)", "family": "gradient",
                "step": f"1/{cfg.batch // part} of one Adam step: {part} of its {cfg.batch} arenas, the clip and "
                        f"AdamW included",
                "size": f"S OdyssNet core {cfg.odyssnet_neurons} neurons, {cfg.thinking} thinking steps, AdamW; M's "
                        f"two nets ({m_weights} weights) frozen; float64",
                "program": lambda tape: generator_step(tape, cfg, part, odyssnet=True),
                "steps_to_solve": cfg.s_iters * cfg.batch // part,
                "steps_from": budget.format(f"s_iters = {cfg.s_iters} steps x {cfg.batch // part} parts")}]
              if "odyssnet" in record else []),
            {"row": "M (evaluator) from random rollouts", "family": "gradient",
             "step": f"a quarter of one Adam step of the hit net and the steps net: {m_part} of its 256 rollouts, "
                     f"the clips and Adam included",
             "size": f"hit net 4-{cfg.hidden_m}-{cfg.hidden_m}-1 and steps net 2-{cfg.hidden_m}-{cfg.hidden_m}-1 "
                     f"({m_weights} weights), Adam, float64",
             "program": lambda tape: evaluator_step(tape, cfg, m_part),
             "steps_to_solve": cfg.m_iters * 256 // m_part,
             "steps_from": budget.format(f"m_iters = {cfg.m_iters} steps x {256 // m_part} parts")}]


# ----------------------------------------------------------------------------------------
# The verdict, fixed before the recorded run.
# ----------------------------------------------------------------------------------------

MIN_SEEDS = 10
WHERE = ("ICANN-91, the experiment (abstract: 'obstacle avoidance in a two-dimensional environment'); "
         "thresholds ours, the paper gives no figure")


def failure_rate(failures: int, n: int) -> float:
    """Share of failed test episodes with a continuity correction of 1/2 (keeps log ratios finite)."""
    return (failures + 0.5) / (n + 1.0)


def verdict(record: dict) -> dict:
    """The catalog's verdict from the main record's per-seed rows (>= 10 seeds, 500 test episodes each).

    The paper's claim, qualitative: a sub-goal generator trained by gradients through a learned,
    frozen evaluator finds sub-goals with which a program executer that cannot avoid an obstacle
    reaches its goal. Claims (one metric each, per seed the share of failed test episodes, with a
    continuity correction (f + 0.5) / (n + 1) where a ratio is taken):
      1. (primary) S's sub-goals make C succeed: mean failure rate over seeds below 0.2 (success
         above 80%), one-sided t.
      2. (primary) S beats the direct program (no sub-goal) on the same episodes by at least a factor
         2 in failure rate: one-sided paired t on log ratios, H0: geometric-mean ratio >= 1/2.
      3. S beats random way-points (the same number, uniform in the arena) on the same episodes:
         one-sided paired t on log ratios, H0: geometric-mean ratio >= 1 (no gain).
    Holm over the three. yes: all hold; partial: 1 and 2 hold; no: 1 or 2 fails.
    CEM planning per episode against the same M is reported, not judged (the paper has no planner).
    """
    rows = (record.get("seeds") or {}).get("per_seed") or []
    if len(rows) < MIN_SEEDS:
        return pending(f"the rule needs >= {MIN_SEEDS} seeds, got {len(rows)} (python3 subgoal-obstacle-"
                       f"avoidance/subgoal_obstacle_avoidance.py --n-seeds 10)")
    ours = [failure_rate(r["failures"], r["n_test"]) for r in rows]
    direct = [failure_rate(r["direct_failures"], r["n_test"]) for r in rows]
    rand = [failure_rate(r["random_failures"], r["n_test"]) for r in rows]
    claims = judge([
        mean_below("S's sub-goals lead the obstacle-blind C to the goal", WHERE,
                   [r["failures"] / r["n_test"] for r in rows], 0.2,
                   metric="share of test episodes failed (disk touched or > 80 steps), mean over seeds"),
        paired_better("S beats the direct program", WHERE, ours, direct,
                      metric="failure rate (f + 0.5) / (n + 1), S over direct", min_ratio=2.0),
        paired_better("S beats random way-points", WHERE, ours, rand,
                      metric="failure rate (f + 0.5) / (n + 1), S over random way-points", min_ratio=1.0),
    ])
    return grade(claims, primary=2)


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------

PAPER = {
    "citation": "Schmidhuber, J. (1991). Learning to generate sub-goals for action sequences. In T. Kohonen, "
                "K. Mäkisara, O. Simula, J. Kangas (eds.), Artificial Neural Networks (Proc. ICANN 1991), "
                "Elsevier, 967-972.",
    "claim": "A sub-goal generator trained by gradient descent through copies of a learned, frozen "
             "evaluator (which predicts whether the program executer gets from a start to a goal) learns "
             "sub-goals that decompose a task the executer cannot solve directly; illustrated by obstacle "
             "avoidance in a two-dimensional environment.",
    "figures": [{"name": "success figure", "value": "none",
                 "where": "no figure in what we read (transcription Secs. on the evaluator and the static and "
                          "recurrent generators; abstract); the experiment is qualitative"}],
}


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for tests: at most 2 seeds, 150 steps of M and "
                                                   "of S, 100 test episodes")
    parser.add_argument("--model", choices=["mlp", "odyssnet", "recurrent"], default="mlp",
                        help="the sub-goal generator S: an MLP emitting all sub-goals at once (default), the "
                             "OdyssNet core, or the paper's recurrent generator (one sub-goal per step, fed back)")
    parser.add_argument("--k", type=int_at_most(6, "sub-goals per episode"), default=Config.k)
    parser.add_argument("--s-iters", type=int_at_most(100_000, "Adam steps on S"), default=Config.s_iters)
    parser.add_argument("--m-iters", type=int_at_most(100_000, "Adam steps on M"), default=Config.m_iters)
    parser.add_argument("--lr", type=positive_float, default=Config.lr_s, help="Adam step size of S")
    parser.add_argument("--n-test", type=int_at_most(10_000, "test episodes per seed"), default=Config.n_test)
    parser.add_argument("--workers", type=int, choices=[1, 2], default=1,
                        help="worker processes; the seeds are shared out, the figures are the same")
    parser.add_argument("--gradcheck", action="store_true", help="check the hand-written gradients and exit")
    args = parser.parse_args(argv)
    require_seeds(parser, args, MIN_SEEDS)
    changed = [flag for flag, value, default in (("--k", args.k, Config.k), ("--s-iters", args.s_iters, Config.s_iters),
                                                 ("--m-iters", args.m_iters, Config.m_iters),
                                                 ("--lr", args.lr, Config.lr_s),
                                                 ("--n-test", args.n_test, Config.n_test)) if value != default]
    if args.record and not args.quick and changed:
        parser.error(f"--record records the headline settings only; not with {', '.join(changed)}")
    return args


def config_of(args) -> Config:
    cfg = Config(k=args.k, model=args.model, s_iters=args.s_iters, m_iters=args.m_iters, lr_s=args.lr,
                 n_test=args.n_test)
    if args.quick:
        cfg = replace(cfg, s_iters=min(cfg.s_iters, 150), m_iters=min(cfg.m_iters, 150), m_samples=5000,
                      n_test=min(cfg.n_test, 100), cem_iters=3)
    return cfg


def describe(cfg: Config) -> str:
    s = {"odyssnet": f"OdyssNet S ({cfg.odyssnet_neurons} neurons, {cfg.thinking} thinking steps)",
         "recurrent": f"recurrent S (MLP 2 x {cfg.hidden_s} tanh, one sub-goal per step fed back)"}.get(
        cfg.model, f"MLP S (2 x {cfg.hidden_s} tanh)")
    return (f"{s}, K = {cfg.k} sub-goals, {cfg.s_iters} Adam steps x {cfg.batch} fresh arenas through frozen M "
            f"(MLP 2 x {cfg.hidden_m} tanh, {cfg.m_iters} steps on {cfg.m_samples} rollouts of C)")


ROW_COLUMNS = ["seed", "success", "direct_success", "random_success", "cem_success", "m_cost_subgoals",
               "m_cost_direct", "path_steps", "m_hit_accuracy"]


def _seed_row(task) -> dict:
    """One seed's row (a pure function of the seed and the settings: the same in any worker)."""
    seed, cfg = task
    row = {"seed": seed, **run_seed(seed, cfg)}
    print(f"  seed {seed}: success {row['success']:.3f}  direct {row['direct_success']:.3f}  random "
          f"{row['random_success']:.3f}  CEM {row['cem_success']:.3f}", flush=True)
    return row


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.gradcheck:
        errors = {f"{model} {k}": v for model in ("mlp", "odyssnet", "recurrent")
                  for k, v in gradient_errors(0, model).items()}
        print(format_table(["parameter", "relative error"], sorted(errors.items())))
        return 0 if max(errors.values()) < 1e-6 else 1
    if args.quick:
        args.n_seeds = min(args.n_seeds, 2)
    clock = Progress(1)
    cfg = config_of(args)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    label = describe(cfg)
    print(f"sub-goals through a learned evaluator: {label}; seeds {seeds[0]}..{seeds[-1]}", flush=True)
    if args.workers == 1 or len(seeds) == 1:
        rows = [_seed_row((seed, cfg)) for seed in seeds]
    else:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(args.workers) as processes:
            rows = processes.map(_seed_row, [(seed, cfg) for seed in seeds], chunksize=1)
    print(format_table(ROW_COLUMNS, [[r[c] for c in ROW_COLUMNS] for r in rows]))
    summary = summarize([r["success"] for r in rows], [r["solved"] for r in rows])
    mean = {k: float(np.mean([r[k] for r in rows])) for k in ("success", "direct_success", "random_success",
                                                               "cem_success", "cost_lower_share")}
    prefix = {"odyssnet": "odyssnet_", "recurrent": "recurrent_"}.get(cfg.model, "")
    r0 = rows[0]
    headline = {f"{prefix}seed{seeds[0]}_success": r0["success"],
                f"{prefix}mean_success": mean["success"],
                f"{prefix}min_success": float(min(r["success"] for r in rows)),
                "mean_direct_success": mean["direct_success"], "mean_random_success": mean["random_success"],
                "mean_cem_success": mean["cem_success"],
                "seeds": len(rows), "test_episodes_per_seed": cfg.n_test}
    name = {"odyssnet": "OdyssNet S", "recurrent": "recurrent S"}.get(cfg.model, "S")
    tables = [{"title": f"Success over {len(rows)} seeds x {cfg.n_test} test episodes, the same episodes for every "
                        f"method ({label})",
               "columns": ["method", "mean success", "min over seeds", "max over seeds"],
               "rows": [[m, float(np.mean([r[k] for r in rows])), float(min(r[k] for r in rows)),
                         float(max(r[k] for r in rows))]
                        for m, k in ((f"{name}: K = {cfg.k} sub-goals trained through frozen M", "success"),
                                     ("direct program (no sub-goal)", "direct_success"),
                                     (f"random way-points (K = {cfg.k}, uniform)", "random_success"),
                                     (f"CEM per episode on M's cost ({cfg.cem_pop} x {cfg.cem_iters})",
                                      "cem_success"))]},
              {"title": f"Per seed ({label})", "columns": ROW_COLUMNS,
               "rows": [[r[c] for c in ROW_COLUMNS] for r in rows]}]
    measured = {f"{name}: mean success": mean["success"], "direct: mean success": mean["direct_success"],
                "random way-points: mean success": mean["random_success"], "CEM: mean success": mean["cem_success"]}
    lead = {"odyssnet": "OdyssNet core as S: ", "recurrent": "the paper's recurrent S: "}.get(cfg.model, "")
    summary_line = (f"{lead}sub-goals learned through a learned, "
                    f"frozen evaluator: mean success {mean['success']:.3f} over {len(rows)} seeds x {cfg.n_test} "
                    f"random arenas (direct {mean['direct_success']:.3f}, random way-points "
                    f"{mean['random_success']:.3f}, CEM per episode {mean['cem_success']:.3f})")
    part = {"summary": summary_line, "headline": headline,
            "seeds": {"per_seed": rows, "summary": {**summary, "metric": "success"}},
            "tables": tables, "wallclock_s": clock.elapsed}
    section = None if cfg.model == "mlp" else cfg.model
    conclude(part, __file__, verdict, args.record, section=section, measured=measured, paper=PAPER,
             tour="Seed 0: test arenas with the sub-goals S emits, C's walk through them and the direct "
                  "walk into the blocking disk, over M's predicted cost of a last leg.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
