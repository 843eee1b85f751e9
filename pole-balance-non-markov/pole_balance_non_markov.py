"""Pole balancing from positions only, learned through a differentiable world model
(Schmidhuber 1990, "Making the world differentiable", FKI-126-90).

The cart-pole of Barto, Sutton & Anderson (1983) (shared.environments.cartpole.CartPole): the controller C sees
only the cart position x and the pole angle theta, never the velocities, so it must infer them
from the history of positions: the task is non-Markovian. Both C and the model M are fully
recurrent tanh nets. Nothing tells C what to do: the environment only answers with pain, 1 at
the time step at which the pole falls past 12 degrees or the cart leaves the track, 0 otherwise.

  M (system identification): from C's observation and action it learns to predict the next
     observation (x, theta) and the pain, on the real episodes (random actions at first, then
     C's own trials with exploration noise).
  C (through the frozen M): from a point of a real episode (both nets' states set by a burn-in
     on the real history), C and M run together in M's imagination for H steps -- C acts on the
     observation M predicts, M predicts the next one from it and C's action -- and C descends
     the gradient of the expected number of imagined steps after the fall (the fall's probability at
     each step is M's predicted pain), backpropagated through M (weights untouched) and through C
     over the whole closed loop.
  Cycles: trials with the current C feed M's data, M is retrained, C is retrained (our batch
     reading of the report's "model and controller may learn concurrently").

A run solves the task at the first cycle after which the deterministic C balances the pole for
1000 steps (20 s) from at least 18 of 20 fixed test starts; trials are the real episodes used
until then. The seed catalog's figure (a secondary source, not read in the report): 17 of 20
runs reach > 1000-step survival within a few hundred trials.

Ablations: --cost dense (the published catalog's per-step cost theta^2 + 0.1 x^2 on M's predicted
positions instead of predicted pain), --cycles 1 (no refresh: M learns only from random actions).
--model odyssnet: the catalog's OdyssNet core as C (M an RNN).

Run:  python3 pole-balance-non-markov/pole_balance_non_markov.py --n-seeds 20 --record
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.frame.cluster import pool
from shared.learning import tape_control
from shared.learning.control import Learner, OdyssNetBank, RecurrentBank
from shared.networks import tape_steps
from shared.environments.cartpole import CartPole
from shared.frame.experiment import (Progress, conclude, format_table, format_value, int_at_most, positive_float,
                                     require_seeds, stub_parser, summarize)
from shared.frame.verdict import grade, judge, pending, rate_at_least
from shared.frame.gradcheck import gradcheck_report

POLE = CartPole(observation="positions")
SCALE = np.array([POLE.x_limit, POLE.theta_limit])   # observations are given to the nets as (x, theta) / limits
DELTA = 20.0                                          # M predicts DELTA x the change of the scaled observation
EVAL_STEPS = 1000                                     # the paper's 1000-step criterion
TEST_STARTS = 20
SOLVE_STARTS = 18                                     # of TEST_STARTS: the run's C balances 1000 steps from >= 18


@dataclass(frozen=True)
class Config:
    cost: str = "pain"          # "pain": M's predicted failure signal; "dense": theta_n^2 + 0.1 x_n^2 of M's predictions
    model_c: str = "rnn"        # "rnn" or "odyssnet"
    hidden_c: int = 16
    hidden_m: int = 32
    cycles: int = 10            # trials -> M -> C, repeated
    random_trials: int = 64     # episodes with random actions before the first cycle
    hold: float = 5.0           # a random action is held for a geometric number of steps of this mean
    trials_per_cycle: int = 16  # C's episodes (with exploration noise) that start every later cycle
    explore: float = 0.3        # std of the Gaussian noise on C's action in its trials
    max_steps: int = 1000       # an episode ends at failure or after this many steps
    m_iters: int = 300          # M's updates per cycle
    m_batch: int = 16
    m_window: int = 64          # M's training windows (after a burn-in of `burn` steps without loss)
    c_iters: int = 200          # C's updates per cycle
    c_batch: int = 16
    horizon: int = 100          # imagined steps per C update
    burn: int = 10              # real steps that set C's and M's states before the imagination
    lr_m: float = 3e-3
    lr_c: float = 3e-3
    odyssnet_neurons: int = 16
    thinking_c: int = 2


# ----------------------------------------------------------------------------------------
# The closed loop in M's imagination and its exact backward (BPTT through C and M).
#   C: u_t = tanh(C(o_t));  M: y_t = M(o_t, u_t);  o_{t+1} = o_t + y_t[:2] / DELTA;
#   predicted pain p_t = sigmoid(y_t[2]).  Loss = mean over the batch of sum_t cost_t / H.
# ----------------------------------------------------------------------------------------


def imagine(controller, model, hc, hm, o, horizon, cost):
    """Run C and M together for `horizon` steps from states hc, hm and observation o (S, B, 2).
    Returns the loss per seed (S,), the trajectory (S, B, T+1, 2), actions, predicted pain, cache.

    cost "pain": M's pain p_t is its predicted probability that the pole falls at step t. A real episode
    ends at the failure, so the imagined one does too: the chance of still balancing after step t is
    S_t = prod_{k<=t} (1 - p_k), and the loss is the expected number of imagined steps after the fall,
    sum_t (1 - S_t) / H (without this, an imagined fall followed by M's silence -- it never saw what
    comes after a fall -- would cost C less than a long balance with a little predicted pain).
    cost "dense": sum_t (theta_n^2 + 0.1 x_n^2) / H of M's predicted positions (the published catalog's)."""
    caches, obs, acts, pains = [], [o], [], []
    loss = np.zeros(o.shape[0])
    alive = np.ones(o.shape[:2])
    for _ in range(horizon):
        hc, out_c, cache_c = controller.step_cached(hc, o)
        u = np.tanh(out_c)
        hm, y, cache_m = model.step_cached(hm, np.concatenate([o, u], axis=-1))
        pain = 0.5 * (1.0 + np.tanh(0.5 * y[..., 2]))
        o = o + y[..., :2] / DELTA
        if cost == "pain":
            alive = alive * (1.0 - pain)
            loss += (1.0 - alive).mean(axis=1) / horizon
        else:
            loss += (o[..., 1] ** 2 + 0.1 * o[..., 0] ** 2).mean(axis=1) / horizon
        caches.append((cache_c, u, cache_m, pain))
        obs.append(o)
        acts.append(u[..., 0])
        pains.append(pain)
    return loss, np.stack(obs, 2), np.stack(acts, 2), np.stack(pains, 2), caches


def pain_logit_gradients(pains, scale):
    """dL/d(pain logit_k) for L = scale * sum_t (1 - S_t), S_t = prod_{j<=t} (1 - p_j): pains (S, B, T).
    dL/dp_k = scale * S_{k-1} R_k with R_k = sum_{t>=k} prod_{k<j<=t} (1 - p_j) = 1 + (1 - p_{k+1}) R_{k+1}
    (no division by 1 - p_k, which may be 0)."""
    steps = pains.shape[2]
    before = np.concatenate([np.ones(pains.shape[:2] + (1,)), np.cumprod(1.0 - pains, axis=2)[..., :-1]], axis=2)
    rest = np.empty_like(pains)
    rest[..., -1] = 1.0
    for k in range(steps - 2, -1, -1):
        rest[..., k] = 1.0 + (1.0 - pains[..., k + 1]) * rest[..., k + 1]
    return scale * before * rest * pains * (1.0 - pains)


def imagine_backward(controller, model, trajectory, caches, cost):
    """Exact gradient of imagine's loss with respect to C's parameters (M's are discarded), the
    states at the start treated as constants (gradient stopped at the end of the burn-in)."""
    obs = trajectory
    n_seeds, batch, steps = obs.shape[0], obs.shape[1], len(caches)
    gc = {k: np.zeros_like(v) for k, v in controller.params.items()}
    gm = {k: np.zeros_like(v) for k, v in model.params.items()}
    d_hc = controller.initial_state(batch)
    d_hm = model.initial_state(batch)
    d_o = np.zeros((n_seeds, batch, 2))            # dL/d o_{t+1}, from later steps
    scale = 1.0 / (batch * steps)
    if cost == "pain":
        d_logit = pain_logit_gradients(np.stack([c[3] for c in caches], axis=2), scale)
    for t in range(steps - 1, -1, -1):
        cache_c, u, cache_m, pain = caches[t]
        o_next = obs[:, :, t + 1]
        d_y = np.zeros((n_seeds, batch, 3))
        if cost == "pain":
            d_y[..., 2] = d_logit[:, :, t]
        else:
            d_o = d_o + scale * np.stack([0.2 * o_next[..., 0], 2.0 * o_next[..., 1]], axis=-1)
        d_y[..., :2] = d_o / DELTA
        d_hm, d_zm = model.step_back(cache_m, d_hm, d_y, gm)
        d_out_c = d_zm[..., 2:] * (1.0 - u ** 2)
        d_hc, d_oc = controller.step_back(cache_c, d_hc, d_out_c, gc)
        d_o = d_o + d_zm[..., :2] + d_oc            # o_t feeds o_{t+1} (identity), M and C
    return gc


# ----------------------------------------------------------------------------------------
# Real episodes (the trials), M's system identification, the evaluation.
# ----------------------------------------------------------------------------------------


class Replay:
    """Every real episode of every seed: scaled observations (S, N, L+1, 2), actions (S, N, L),
    lengths (S, N) and whether the episode ended by failure (pain at its last step)."""

    def __init__(self, n_seeds, max_steps):
        self.n_seeds, self.max_steps = n_seeds, max_steps
        self.obs = np.zeros((n_seeds, 0, max_steps + 1, 2))
        self.act = np.zeros((n_seeds, 0, max_steps))
        self.length = np.zeros((n_seeds, 0), dtype=int)
        self.failed = np.zeros((n_seeds, 0), dtype=bool)

    def add(self, obs, act, length, failed):
        pad = self.max_steps - act.shape[2]
        if pad:
            obs = np.concatenate([obs, np.repeat(obs[:, :, -1:], pad, axis=2)], axis=2)
            act = np.concatenate([act, np.zeros(act.shape[:2] + (pad,))], axis=2)
        self.obs = np.concatenate([self.obs, obs], axis=1)
        self.act = np.concatenate([self.act, act], axis=1)
        self.length = np.concatenate([self.length, length], axis=1)
        self.failed = np.concatenate([self.failed, failed], axis=1)

    @property
    def episodes(self):
        return self.length.shape[1]


def run_episodes(controller, rng_list, n_episodes, max_steps, explore=0.0, random_actions=False,
                 starts=None, record_hidden=False, hold=1.0):
    """Real episodes of the cart-pole, batched over seeds and episodes. C acts on the scaled
    positions; its action u in [-1, 1] (+ noise) is the force u x 10 N. Returns scaled obs
    (S, N, L+1, 2), actions (S, N, L), lengths, failed, and optionally the states and C's hidden states."""
    n_seeds = len(rng_list)
    if starts is None:
        starts = np.stack([POLE.reset(rng, n_episodes) for rng in rng_list])      # (S, N, 4)
    state = starts.reshape(-1, 4).copy()
    obs = np.zeros((n_seeds, n_episodes, max_steps + 1, 2))
    act = np.zeros((n_seeds, n_episodes, max_steps))
    alive = np.ones(n_seeds * n_episodes, dtype=bool)
    length = np.full(n_seeds * n_episodes, max_steps)
    failed = np.zeros(n_seeds * n_episodes, dtype=bool)
    states = np.zeros((n_seeds, n_episodes, max_steps + 1, 4)) if record_hidden else None
    hiddens = [] if record_hidden else None
    h = None if random_actions else controller.initial_state(n_episodes)
    # every seed draws its whole episode's randomness up front: its stream does not depend on the other seeds
    if random_actions:     # uniform in [-1, 1], each held for a geometric number of steps (mean `hold`)
        draws = np.stack([rng.uniform(-1.0, 1.0, (n_episodes, max_steps)) for rng in rng_list])
        keep = np.stack([rng.random((n_episodes, max_steps)) for rng in rng_list]) >= 1.0 / hold
        for t in range(1, max_steps):
            draws[:, :, t] = np.where(keep[:, :, t], draws[:, :, t - 1], draws[:, :, t])
    elif explore > 0:
        draws = explore * np.stack([rng.standard_normal((n_episodes, max_steps)) for rng in rng_list])
    obs[:, :, 0] = (POLE.observe(state) / SCALE).reshape(n_seeds, n_episodes, 2)
    if record_hidden:
        states[:, :, 0] = state.reshape(n_seeds, n_episodes, 4)
    for t in range(max_steps):
        o = obs[:, :, t]
        if random_actions:
            u = draws[:, :, t]
        else:
            h, out = controller.step(h, o)
            if record_hidden:
                hiddens.append(h)
            u = np.tanh(out[..., 0])
            if explore > 0:
                u = np.clip(u + draws[:, :, t], -1, 1)
        live = alive.reshape(n_seeds, n_episodes)
        act[:, :, t] = np.where(live, u, 0.0)
        state = np.where(alive[:, None], POLE.step(state, u.reshape(-1) * POLE.max_force), state)
        obs[:, :, t + 1] = np.where(live[..., None], (POLE.observe(state) / SCALE).reshape(n_seeds, n_episodes, 2), o)
        if record_hidden:
            states[:, :, t + 1] = state.reshape(n_seeds, n_episodes, 4)
        down = alive & POLE.failed(state)
        length[down] = t + 1
        failed |= down
        alive &= ~down
        if not alive.any():
            break
    shape = (n_seeds, n_episodes)
    upto = np.minimum(np.arange(max_steps + 1), length.reshape(shape)[..., None])     # after the end: the last state
    obs = np.take_along_axis(obs, upto[..., None], axis=2)
    result = (obs, act, length.reshape(shape), failed.reshape(shape))
    if record_hidden:
        return result + (states, np.stack(hiddens, 2) if hiddens else None)
    return result


def model_inputs_targets(replay: Replay, rng_list, batch, window, burn):
    """Windows of real episodes for M: inputs (o_t, u_t), targets DELTA x (o_{t+1} - o_t) and the pain
    at t+1, a loss mask (inside the episode, after the burn-in unless the window starts the episode)."""
    n_seeds = replay.n_seeds
    total = burn + window
    ep = np.stack([rng.integers(0, replay.episodes, batch) for rng in rng_list])            # (S, B)
    length = np.take_along_axis(replay.length, ep, 1)
    t0 = np.stack([rng.integers(0, 1 << 30, batch) for rng in rng_list]) % np.maximum(length, 1)
    t = t0[..., None] + np.arange(total)                                                     # (S, B, T)
    valid = t < length[..., None]
    tc = np.minimum(t, replay.max_steps - 1)
    si = np.arange(n_seeds)[:, None, None]
    o = replay.obs[si, ep[..., None], tc]
    o_next = replay.obs[si, ep[..., None], tc + 1]
    u = replay.act[si, ep[..., None], tc]
    pain = (valid & (t + 1 == length[..., None]) & np.take_along_axis(replay.failed, ep, 1)[..., None]).astype(float)
    mask = valid & ((np.arange(total) >= burn) | (t0[..., None] == 0))
    x = np.concatenate([o, u[..., None]], axis=-1) * valid[..., None]
    return x, DELTA * (o_next - o), pain, mask


def train_model(model, learner, replay, rng_list, cfg: Config, iters):
    """System identification: squared error of the predicted change of (x, theta), cross-entropy of the pain."""
    losses = []
    for _ in range(iters):
        x, target, pain, mask = model_inputs_targets(replay, rng_list, cfg.m_batch, cfg.m_window, cfg.burn)
        y = model.forward(x)
        count = np.maximum(mask.sum(axis=(1, 2)), 1)[:, None, None]
        p = 0.5 * (1.0 + np.tanh(0.5 * y[..., 2]))
        d = np.zeros_like(y)
        d[..., :2] = 2.0 * (y[..., :2] - target) * mask[..., None] / count[..., None]
        d[..., 2] = (p - pain) * mask / count
        grads, _ = model.backward(d)
        learner.apply(grads)
        err = (((y[..., :2] - target) ** 2).sum(-1) * mask).sum(axis=(1, 2)) / count[:, 0, 0]
        losses.append(err)
    return np.array(losses)


def burn_in(controller, model, replay, rng_list, cfg: Config):
    """Starting points of the imagination: a real stretch of `burn` steps from a stored episode, run through
    C (its current weights) and M (teacher-forced, the actions taken) to set their states."""
    n_seeds, batch, burn = replay.n_seeds, cfg.c_batch, cfg.burn
    ep = np.stack([rng.integers(0, replay.episodes, batch) for rng in rng_list])
    length = np.take_along_axis(replay.length, ep, 1)
    room = np.maximum(length - burn, 1)                      # the branching point stays inside the episode
    t0 = np.stack([rng.integers(0, 1 << 30, batch) for rng in rng_list]) % room
    t = np.minimum(t0[..., None] + np.arange(burn + 1), replay.max_steps)
    si = np.arange(n_seeds)[:, None, None]
    o = replay.obs[si, ep[..., None], t]
    u = replay.act[si, ep[..., None], np.minimum(t[..., :-1], replay.max_steps - 1)]
    hc = controller.initial_state(batch)
    hm = model.initial_state(batch)
    for k in range(burn):
        hc, _ = controller.step(hc, o[:, :, k])
        hm, _ = model.step(hm, np.concatenate([o[:, :, k], u[:, :, k, None]], -1))
    return hc, hm, o[:, :, burn]


def train_controller(controller, c_learner, model, replay, rng_list, cfg: Config, iters):
    losses = []
    for _ in range(iters):
        hc, hm, o = burn_in(controller, model, replay, rng_list, cfg)
        loss, traj, _, _, caches = imagine(controller, model, hc, hm, o,
                                           cfg.horizon, cfg.cost)
        grads = imagine_backward(controller, model, traj, caches, cfg.cost)
        c_learner.apply(grads)
        losses.append(loss)
    return np.array(losses)


def test_starts(seed):
    return POLE.reset(np.random.default_rng([seed, 7]), TEST_STARTS)


def evaluate(controller, seeds):
    """Deterministic C from TEST_STARTS fixed starts per seed, up to EVAL_STEPS: balance steps (S, 20)."""
    starts = np.stack([test_starts(s) for s in seeds])
    _, _, length, _ = run_episodes(controller, [None] * len(seeds), TEST_STARTS, EVAL_STEPS, starts=starts)
    return length


def make_controller(cfg: Config, seeds):
    if cfg.model_c == "odyssnet":
        bank = OdyssNetBank(2, 1, cfg.odyssnet_neurons, cfg.thinking_c, [[s, 1] for s in seeds])
    else:
        bank = RecurrentBank(2, cfg.hidden_c, 1, [np.random.default_rng([s, 1]) for s in seeds])
    return bank


def train_runs(cfg: Config, seeds, progress=True, keep=False, refresh=True):
    """Every seed's run, batched (the seed a leading axis of every array; each seed has its own generator).
    Returns per-seed rows and the training history."""
    n_seeds = len(seeds)
    rngs = [np.random.default_rng([s, 0]) for s in seeds]
    controller = make_controller(cfg, seeds)
    model = RecurrentBank(3, cfg.hidden_m, 3, [np.random.default_rng([s, 2]) for s in seeds])
    m_learner, c_learner = Learner(model, cfg.lr_m), Learner(controller, cfg.lr_c)
    replay = Replay(n_seeds, cfg.max_steps)
    replay.add(*run_episodes(None, rngs, cfg.random_trials, min(cfg.max_steps, 200), random_actions=True,
                             hold=cfg.hold))
    solved_at = np.full(n_seeds, -1)
    trials_at = np.full(n_seeds, -1)
    history = {"m_loss": [], "c_loss": [], "balance": [], "trial_steps": []}
    frozen = {}
    clock = Progress(cfg.cycles, label=f"cycles ({n_seeds} seeds)") if progress else None
    for cycle in range(cfg.cycles):
        if cycle > 0:
            trials = (run_episodes(controller, rngs, cfg.trials_per_cycle, cfg.max_steps, explore=cfg.explore)
                      if refresh else run_episodes(None, rngs, cfg.trials_per_cycle, min(cfg.max_steps, 200),
                                                   random_actions=True, hold=cfg.hold))
            replay.add(*trials)
            history["trial_steps"].append(trials[2].mean(axis=1))
        history["m_loss"].append(train_model(model, m_learner, replay, rngs, cfg, cfg.m_iters))
        history["c_loss"].append(train_controller(controller, c_learner, model, replay, rngs, cfg, cfg.c_iters))
        balance = evaluate(controller, seeds)
        history["balance"].append(balance)
        newly = (solved_at < 0) & ((balance >= EVAL_STEPS).sum(axis=1) >= SOLVE_STARTS)
        solved_at[newly] = cycle + 1
        trials_at[newly] = replay.episodes
        for i in np.flatnonzero(newly):     # a solved run stops learning: keep its C as it was
            frozen[i] = ({k: v[i].copy() for k, v in controller.params.items()},
                         {k: v[i].copy() for k, v in model.params.items()}, balance[i].copy())
        if clock:
            clock.update(cycle + 1, solved=int((solved_at > 0).sum()),
                         mean_balance=float(np.mean([frozen[i][2].mean() if i in frozen else balance[i].mean()
                                                     for i in range(n_seeds)])))
    final_balance = np.stack([frozen[i][2] if i in frozen else history["balance"][-1][i] for i in range(n_seeds)])
    rows = []
    for i, seed in enumerate(seeds):
        rows.append({"seed": int(seed), "solved": bool(solved_at[i] > 0),
                     "trials": int(trials_at[i]) if solved_at[i] > 0 else None,
                     "cycle": int(solved_at[i]) if solved_at[i] > 0 else None,
                     "starts_balanced": int((final_balance[i] >= EVAL_STEPS).sum()),
                     "mean_balance": float(final_balance[i].mean()),
                     "m_error": float(history["m_loss"][-1][-20:, i].mean())})
    out = {"rows": rows, "history": history}
    if keep:
        for i in frozen:
            for k in controller.params:
                controller.params[k][i] = frozen[i][0][k]
            for k in model.params:
                model.params[k][i] = frozen[i][1][k]
        out.update(controller=controller, model=model)
    return out


def _train_part(task):
    cfg, seeds, refresh, progress = task
    out = train_runs(cfg, seeds, progress=progress, refresh=refresh)
    return out["rows"], out["history"]


def train_sweep(cfg: Config, seeds, refresh=True, workers=1):
    """train_runs over the seeds, in `workers` processes (halves of the seeds); the same figures either way."""
    if workers == 1:
        out = train_runs(cfg, seeds, refresh=refresh)
        return out["rows"], out["history"]
    parts = [list(map(int, part)) for part in np.array_split(seeds, workers) if len(part)]
    with pool(workers=len(parts)) as executor:
        results = list(executor.map(_train_part, [(cfg, part, refresh, i == 0) for i, part in enumerate(parts)]))
    rows = [row for part_rows, _ in results for row in part_rows]
    history = {key: [np.concatenate([h[key][c] for _, h in results], axis=-1 if key != "balance" else 0)
                     for c in range(len(results[0][1][key]))] for key in results[0][1]}
    return rows, history


# ----------------------------------------------------------------------------------------
# Gradient checks (--gradcheck and the tests): the closed loop's backward against central
# differences, for an RNN C and an OdyssNet C, for both costs; M's regression gradient.
# ----------------------------------------------------------------------------------------


def gradient_errors() -> dict:
    from shared.frame.gradcheck import check_gradients
    errors = {}
    seeds = [0, 1]
    rng = np.random.default_rng(11)
    model = RecurrentBank(3, 6, 3, [np.random.default_rng([s, 2]) for s in seeds])
    for kind in ("rnn", "odyssnet"):
        controller = make_controller(Config(model_c=kind, odyssnet_neurons=6), seeds)
        for k in controller.params:
            controller.params[k] = controller.params[k] + 0.3 * rng.standard_normal(controller.params[k].shape)
        hc = 0.5 * np.tanh(rng.standard_normal((2, 3, controller.initial_state(1).shape[-1])))
        hm = 0.5 * np.tanh(rng.standard_normal((2, 3, 6)))
        o = 0.3 * rng.standard_normal((2, 3, 2))
        entries = {}
        if kind == "odyssnet":
            controller.enforce_structure()
            off = ~np.eye(controller.neurons, dtype=bool)
            entries["W"] = np.flatnonzero(np.broadcast_to(off, controller.params["W"].shape))
        for cost in ("pain", "dense"):
            def loss():
                return imagine(controller, model, hc, hm, o, 6, cost)[0].sum()
            _, traj, _, _, caches = imagine(controller, model, hc, hm, o, 6, cost)
            grads = imagine_backward(controller, model, traj, caches, cost)
            checked = check_gradients(loss, controller.params, grads, entries=entries)
            errors.update({f"closed loop C={kind} cost={cost} {k}": v for k, v in checked.items()})
    return errors


# ----------------------------------------------------------------------------------------
# Data movement (issue 21; python3 bin/movement.py pole-balance-non-markov): one step of each row on a Tape
# ----------------------------------------------------------------------------------------


def median_cycles(part: dict) -> float | None:
    """The median cycles (trials -> M -> C) to the criterion over the solved seeds of a recorded sweep."""
    cycles = [r["cycle"] for r in ((part.get("seeds") or {}).get("per_seed") or []) if r.get("solved")]
    return float(np.median(cycles)) if cycles else None


def movement(record: dict) -> list[dict]:
    """The rows' steps for the data-movement meter. A cycle of the headline run is m_iters = 300 updates of M
    (system identification on batches of 16 windows of 10 + 64 real steps) and c_iters = 200 updates of C
    (batches of 16 imagined trajectories of 100 steps after a burn-in of 10 real steps), float64, Adam. A
    whole update (25M and 45M events) is beyond the meter's budget here, so each row prices ONE SAMPLE of its
    batch of 16 (the batch's gradient is a sum over samples; pricing per sample leaves out the reuse of the
    weights across the batch, so the true cost per sample is lower) and its steps to solve count samples:
    cycles x iterations x 16. M's row: shared.networks.tape_steps.rnn_step (3 inputs (x, theta, the action),
    32 tanh units, 3 outputs, a read-out and an error at all 74 steps; the loss mask and the sigmoid of the
    pain output are left out), Adam. C's row: tape_control.imagined_controller_step (C 16 tanh units on
    (x, theta), M 32; the burn-in through C and M, the closed loop, the pain cost's gradient, the exact
    backward through M and C, M's gradients computed and discarded as the stub does, C's clip and Adam).
    Left out: the real trials (cart-pole physics; C's forward while acting, about 0.2% of a cycle's FLOPs),
    the test episodes (the experimenter's), the replay's sampling. The two rows together are the method's
    cost. The OdyssNet run (--model odyssnet: the OdyssNet core as C, the same RNN M) has the same two rows,
    its C's update priced with tape_control's OdyssNet cell (AdamW; the structural zero of W's diagonal is
    left out), its M's update the same program as the headline's."""
    cfg = Config()
    weights = lambda n_in, h, k: n_in * h + h * h + h + h * k + k    # noqa: E731
    cycles = median_cycles(record)
    where = "median of seeds.per_seed[].cycle over solved seeds (seeds.summary counts trials: 64 + 16 (cycle - 1))"
    rows = [{"row": "M + C: M's update", "family": "gradient",
             "step": f"one of M's {cfg.m_batch} training windows ({cfg.burn} + {cfg.m_window} steps) of one update",
             "size": f"M {cfg.hidden_m} tanh units, {weights(3, cfg.hidden_m, 3)} weights, Adam, float64",
             "program": lambda tape: tape_steps.rnn_step(tape, 3, cfg.hidden_m, 3, cfg.burn + cfg.m_window, 1,
                                                         optimizer="adam"),
             "steps_to_solve": None if cycles is None else cycles * cfg.m_iters * cfg.m_batch,
             "steps_from": f"{where} x {cfg.m_iters} M updates x {cfg.m_batch} windows"},
            {"row": "M + C: C's update through M", "family": "gradient",
             "step": f"one of C's {cfg.c_batch} imagined trajectories ({cfg.burn} burn-in + {cfg.horizon} steps) of "
                     f"one update",
             "size": f"C {cfg.hidden_c} tanh units ({weights(2, cfg.hidden_c, 1)} weights, Adam) through M "
                     f"{cfg.hidden_m}, float64",
             "program": lambda tape: tape_control.imagined_controller_step(tape, 2, 1, 3, cfg.hidden_c, cfg.hidden_m,
                                                                           cfg.horizon, 1, cfg.burn),
             "steps_to_solve": None if cycles is None else cycles * cfg.c_iters * cfg.c_batch,
             "steps_from": f"{where} x {cfg.c_iters} C updates x {cfg.c_batch} trajectories"}]
    if "odyssnet" in record:                   # the same loop with the OdyssNet core as C (--model odyssnet)
        cycles_o = median_cycles(record["odyssnet"])
        where_o = f"[odyssnet] {where.split(' (')[0]}"
        rows.append({"row": "OdyssNet C: C's update through M", "family": "gradient",
                     "step": rows[1]["step"],
                     "size": f"C OdyssNet core, {cfg.odyssnet_neurons} neurons, {cfg.thinking_c} thinking steps "
                             f"({cfg.odyssnet_neurons ** 2 + 4 * cfg.odyssnet_neurons + 3} parameters, AdamW) through "
                             f"M {cfg.hidden_m}, float64",
                     "program": lambda tape: tape_control.imagined_controller_step(
                         tape, 2, 1, 3, cfg.odyssnet_neurons, cfg.hidden_m, cfg.horizon, 1, cfg.burn,
                         thinking=cfg.thinking_c),
                     "steps_to_solve": None if cycles_o is None else cycles_o * cfg.c_iters * cfg.c_batch,
                     "steps_from": f"{where_o} x {cfg.c_iters} C updates x {cfg.c_batch} trajectories"})
        rows.append({**rows[0], "row": "OdyssNet C: M's update",
                     "steps_to_solve": None if cycles_o is None else cycles_o * cfg.m_iters * cfg.m_batch,
                     "steps_from": f"{where_o} x {cfg.m_iters} M updates x {cfg.m_batch} windows"})
    return rows


# ----------------------------------------------------------------------------------------
# The verdict: the rule, written before the recorded run.
# ----------------------------------------------------------------------------------------

SEED_WHERE = ("the seed's description (published catalog, shared/seeds/004_b29cc7de8e70528c.txt, line 1503), "
              "which calls it a figure 'restated by the secondary literature'; not read in the report")
SEED_SOLVED, SEED_RUNS = 17, 20
THRESHOLD = 0.65      # lower end of the exact 90% Clopper-Pearson interval of 17/20 (0.656), rounded down
MIN_RUNS = 20
PAPER = {
    "citation": "Schmidhuber, J. (1990). Making the world differentiable: on using self-supervised fully recurrent "
                "neural networks for dynamic reinforcement learning and planning in non-stationary environments. "
                "Technical Report FKI-126-90 (revised Nov. 1990), Institut für Informatik, TU München. Related: "
                "Schmidhuber, J. (1990). An on-line algorithm for dynamic reinforcement learning and planning in "
                "reactive environments. Proc. IJCNN 1990, San Diego, p. 253 ff., doi:10.1109/IJCNN.1990.137723.",
    "claim": "A recurrent controller trained with no teacher, only through a recurrent model of the environment "
             "that learns to predict the observations and the pain, learns to balance a pole from positions only "
             "(a non-Markovian task); model and controller may learn concurrently (abstracts of FKI-126-90 and of "
             "the IJCNN 1990 paper). The pole-balancing figures below are the seed catalog's: the report's "
             "experiment section was not read.",
    "figures": [
        {"name": "runs reaching > 1000-step survival", "value": "17/20", "where": SEED_WHERE},
        {"name": "trials needed", "value": "a few hundred", "where": SEED_WHERE},
        {"name": "success criterion (time steps balanced)", "value": 1000,
         "where": "the seed's description (line 1380: 'the threshold used by the original paper'), not read in "
                  "the report"},
    ],
}


def verdict(record: dict) -> dict:
    """The catalog's verdict for pole-balance-non-markov, from the main record's per-seed rows.

    One claim (metric: the share of runs solved -- the deterministic C balances the pole for 1000 steps
    from at least 18 of 20 fixed test starts after some cycle, within the run's budget of trials): with
    the paper's failure-only pain, C learns through M at least as often as the seed's 17/20. A
    non-inferiority test (exact binomial, H0: rate <= 0.65), 0.65 being the lower end of the exact
    90% (Clopper-Pearson) interval of 17/20 (0.656) rounded down: the seed's count is itself a sample
    of 20, and a rate inside its interval reproduces it. With 20 runs the claim holds from 17/20 on.
    Minimum runs: 20 (the seed's count). Grade: yes if it holds, no if not. The ablations and the
    OdyssNet row are reported, not graded. Fixed before the recorded run; the figure is the seed's.
    """
    rows = (record.get("seeds") or {}).get("per_seed") or []
    if len(rows) < MIN_RUNS:
        return pending(f"{len(rows)} runs, the rule needs {MIN_RUNS} (python3 pole-balance-non-markov/"
                       f"pole_balance_non_markov.py --n-seeds 20)")
    claims = judge([rate_at_least("failure-only pain: C learns to balance from positions through M alone", SEED_WHERE,
                                  [bool(r["solved"]) for r in rows], paper_rate=SEED_SOLVED / SEED_RUNS,
                                  margin=SEED_SOLVED / SEED_RUNS - THRESHOLD,
                                  metric="share of runs whose C balances 1000 steps from >= 18 of 20 test starts")])
    return grade(claims, primary=1)


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------

SECTIONS = {
    "dense-cost": "dense cost theta_n^2 + 0.1 x_n^2 of M's predicted positions instead of its predicted pain "
                  "(--cost dense)",
    "no-refresh": "M learns from random-action episodes only, never from C's trials (--no-refresh)",
    "odyssnet": "OdyssNet as C, RNN as M (--model odyssnet)",
}


def section_of(args) -> str | None:
    chosen = [name for name, on in (("dense-cost", args.cost == "dense"), ("no-refresh", args.no_refresh),
                                    ("odyssnet", args.model == "odyssnet")) if on]
    return chosen


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for tests: at most 2 seeds, 2 cycles of 20 M and 10 C "
                         "updates, 8 random trials, 4 trials per cycle of at most 200 steps")
    parser.add_argument("--cost", choices=["pain", "dense"], default="pain",
                        help="pain: C minimises M's predicted failure signal (the paper's, default); dense: "
                             "theta_n^2 + 0.1 x_n^2 of M's predicted positions (the published catalog's)")
    parser.add_argument("--no-refresh", action="store_true",
                        help="ablation: M's data are random-action episodes only (as many trials), never C's")
    parser.add_argument("--model", choices=["rnn", "odyssnet"], default="rnn",
                        help="rnn: fully recurrent tanh nets as C and M (default); odyssnet: the catalog's OdyssNet "
                             "core as C (M an RNN)")
    parser.add_argument("--cycles", type=int_at_most(100, "each cycle runs trials of up to 1000 steps"),
                        default=Config.cycles, help="cycles of trials -> M -> C")
    parser.add_argument("--horizon", type=int_at_most(2000, "BPTT's caches grow as batch x horizon x H"),
                        default=Config.horizon, help="imagined steps per C update")
    parser.add_argument("--lr-c", type=positive_float, default=Config.lr_c, help="Adam step size of C")
    parser.add_argument("--lr-m", type=positive_float, default=Config.lr_m, help="Adam step size of M")
    parser.add_argument("--workers", type=int, choices=[1, 2], default=1,
                        help="processes the seeds are split over (the same figures; a recorded command with 2 runs "
                             "under record.sh --both)")
    parser.add_argument("--gradcheck", action="store_true",
                        help="check the hand-written gradients numerically, print the largest relative error and "
                             "exit (non-zero above 1e-6)")
    args = parser.parse_args(argv)
    parser.only_when(not args.gradcheck, parser.flags("--gradcheck"), "to training runs, not to --gradcheck")
    if len(section_of(args)) > 1:
        parser.error("one comparison at a time: --cost dense, --no-refresh and --model odyssnet each record their "
                     "own section")
    tuned = [name for name, default in (("cycles", Config.cycles), ("horizon", Config.horizon),
                                        ("lr_c", Config.lr_c), ("lr_m", Config.lr_m))
             if getattr(args, name) != default]
    if args.record and tuned and not args.quick:
        parser.error(f"--record writes the catalog's configurations only; changed: {', '.join(tuned)}")
    require_seeds(parser, args, MIN_RUNS)
    return args


def config_of(args) -> Config:
    cfg = Config(cost=args.cost, model_c=args.model, cycles=args.cycles, horizon=args.horizon, lr_c=args.lr_c,
                 lr_m=args.lr_m)
    if args.quick:
        cfg = replace(cfg, cycles=min(cfg.cycles, 2), m_iters=20, c_iters=10, random_trials=8, trials_per_cycle=4,
                      max_steps=200, horizon=min(cfg.horizon, 30))
    return cfg


def gradcheck_main() -> int:
    return gradcheck_report(gradient_errors())


def describe(cfg: Config, refresh: bool) -> str:
    cost = "failure-only predicted pain" if cfg.cost == "pain" else "dense cost theta_n^2 + 0.1 x_n^2"
    c = (f"OdyssNet C ({cfg.odyssnet_neurons} neurons, {cfg.thinking_c} thinking steps)" if cfg.model_c == "odyssnet"
         else f"RNN C ({cfg.hidden_c})")
    data = "M refreshed with C's trials" if refresh else "M from random-action trials only"
    return (f"{c}, RNN M ({cfg.hidden_m}); {cost}; {data}; {cfg.cycles} cycles, imagination {cfg.horizon} steps, "
            f"{cfg.random_trials} + {cfg.trials_per_cycle}/cycle trials")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.gradcheck:
        return gradcheck_main()
    if args.quick:
        args.n_seeds = min(args.n_seeds, 2)
    clock = Progress(1)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    cfg = config_of(args)
    chosen = section_of(args)
    section = chosen[0] if chosen else None
    label = describe(cfg, not args.no_refresh)
    print(f"pole balancing from positions through a world model: {label}; seeds {seeds[0]}..{seeds[-1]}", flush=True)
    rows, history = train_sweep(cfg, seeds, refresh=not args.no_refresh, workers=args.workers)
    print(format_table(list(rows[0]), [list(r.values()) for r in rows]))
    summary = summarize([r["trials"] for r in rows], [r["solved"] for r in rows])
    n_solved, n_runs = summary["n_solved"], summary["n_runs"]
    prefix = {"dense-cost": "dense_", "no-refresh": "no_refresh_", "odyssnet": "odyssnet_c_"}.get(section, "")
    balanced = float(np.mean([r["mean_balance"] for r in rows]))
    headline = {f"{prefix}solved": f"{n_solved}/{n_runs}", f"{prefix}median_trials_to_solve": summary["median"],
                f"{prefix}mean_balance_steps": balanced}
    if section is None:
        headline[f"seed{seeds[0]}_starts_balanced"] = f"{rows[0]['starts_balanced']}/{TEST_STARTS}"
    measured = {"runs solved": f"{n_solved}/{n_runs}", "median trials to solve": summary["median"],
                "mean steps balanced (final C, 20 test starts)": balanced}
    per_cycle = [[c + 1] + [int(((b >= EVAL_STEPS).sum(axis=1) >= SOLVE_STARTS).sum()), float(b.mean())]
                 for c, b in enumerate(history["balance"])]
    tables = [{"title": f"Per seed ({label}): solved (C balances {EVAL_STEPS} steps from >= {SOLVE_STARTS} of "
                        f"{TEST_STARTS} test starts), trials and cycle at which it first did, test starts balanced "
                        f"and mean steps balanced by the final C, M's prediction error (scaled) at the end",
               "columns": list(rows[0]), "rows": [list(r.values()) for r in rows]},
              {"title": f"After each cycle ({label}, every seed still learning): runs whose C passes the test, mean "
                        f"steps balanced over seeds and test starts",
               "columns": ["cycle", "runs passing", "mean steps balanced"], "rows": per_cycle}]
    part = {"summary": f"{'' if section is None else SECTIONS[section] + ': '}{n_solved}/{n_runs} runs balance the "
                       f"pole {EVAL_STEPS} steps from >= {SOLVE_STARTS}/{TEST_STARTS} test starts (seed catalog "
                       f"17/20); median trials {format_value(summary['median'])}",
            "headline": headline,
            "seeds": {"per_seed": rows, "summary": {**summary, "metric": "trials"}},
            "tables": tables, "wallclock_s": clock.elapsed}
    conclude(part, __file__, verdict, args.record, section=section, measured=measured, paper=PAPER,
             tour="Seed 0: the cart-pole balanced by C from positions only, beside C's hidden state and the "
                  "velocities it never sees.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
