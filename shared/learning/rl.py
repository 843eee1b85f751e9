"""Reinforcement-learning rules, written once: returns, eligibility traces for TD(lambda) on any
parameters (scalar or vector-valued critics), tabular Q(lambda), and the policy-gradient terms of
REINFORCE and actor-critic methods.

- ``discounted_returns(rewards (B, T), gamma, alive=None)``: G_t = r_t + gamma G_{t+1}, per episode.
- ``TDLambda(params, lr, gamma, lam)``: w += lr * delta * e, e = gamma lam e + grad V (accumulating
  traces), for any critic whose gradient the caller computes (``shared.networks.mlp.MLP.backward``). A critic
  with K outputs (a vector-valued critic) keeps K traces per parameter and takes K TD errors.
- ``QLambda(n_states, n_actions, lr, gamma, lam)``: tabular Q(lambda) on a batch of independent
  agents (one table each): Watkins's (traces cut after an exploratory action) or ``cut=False`` for
  the naive variant that never cuts; replacing or accumulating traces.
- ``epsilon_greedy``, ``softmax``, ``sample_softmax``: action selection (ties broken at random).
- ``policy_gradient_logits(logits, actions, advantages)``: d/d(logits) of -mean(A log pi(a)) for a
  softmax policy: the REINFORCE / actor-critic term (A: return minus a baseline, or a TD error).
- ``gaussian_policy_gradient(mean, std, actions, advantages)``: the same for a Gaussian policy.

References: Sutton (1988) for TD(lambda); Watkins (1989) for Q(lambda) as in Sutton & Barto (1998,
Sec. 7.6); Williams (1992) for REINFORCE with a baseline.
"""

from __future__ import annotations

import numpy as np

# ----------------------------------------------------------------------------------------
# Returns and action selection
# ----------------------------------------------------------------------------------------


def discounted_returns(rewards: np.ndarray, gamma: float, alive: np.ndarray | None = None) -> np.ndarray:
    """G (B, T) with G_t = r_t + gamma G_{t+1}; ``alive`` (B, T) bool marks the steps inside each episode
    (the return of a step outside is 0 and does not flow back)."""
    rewards = np.asarray(rewards, dtype=float)
    alive = np.ones(rewards.shape, bool) if alive is None else np.asarray(alive, bool)
    returns = np.zeros_like(rewards)
    following = np.zeros(rewards.shape[:-1])
    for t in range(rewards.shape[-1] - 1, -1, -1):
        following = np.where(alive[..., t], rewards[..., t] + gamma * following, 0.0)
        returns[..., t] = following
    return returns


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(logits, dtype=float) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def sample_softmax(logits: np.ndarray, rng: np.random.Generator, temperature: float = 1.0) -> np.ndarray:
    """(B,) actions drawn from softmax(logits (B, A) / temperature)."""
    p = softmax(logits, temperature)
    u = rng.random(p.shape[:-1] + (1,))
    return np.minimum((p.cumsum(axis=-1) < u).sum(axis=-1), p.shape[-1] - 1)


def epsilon_greedy(q: np.ndarray, epsilon: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(B,) actions for values q (B, A): a greedy action (ties at random) with probability 1 - epsilon,
    else a uniformly random one; and (B,) bool, whether the action taken is greedy."""
    q = np.asarray(q, dtype=float)
    best = q == q.max(axis=-1, keepdims=True)
    greedy = np.argmax(best * rng.random(q.shape), axis=-1)
    explore = rng.random(q.shape[:-1]) < epsilon
    actions = np.where(explore, rng.integers(0, q.shape[-1], q.shape[:-1]), greedy)
    return actions, np.take_along_axis(best, actions[..., None], axis=-1)[..., 0]


# ----------------------------------------------------------------------------------------
# TD(lambda) with eligibility traces on any parameters
# ----------------------------------------------------------------------------------------


class TDLambda:
    """Accumulating eligibility traces for a critic V with parameters ``params`` (a dict of arrays,
    updated in place). Scalar critic: ``update(grads, delta)`` with grads keyed like params (dV/dw)
    and delta a float. Vector-valued critic with K components: grads[k] has shape (K,) + param shape
    (dV_k/dw) and delta has shape (K,). Per step: e = gamma lam e + grad; w += lr sum_k delta_k e_k.
    ``reset()`` at the start of an episode."""

    def __init__(self, params: dict, lr: float, gamma: float, lam: float, components: int | None = None):
        self.params, self.lr, self.gamma, self.lam, self.components = params, lr, gamma, lam, components
        self.reset()

    def reset(self) -> None:
        lead = () if self.components is None else (self.components,)
        self.traces = {k: np.zeros(lead + v.shape) for k, v in self.params.items()}

    def update(self, grads: dict, delta) -> None:
        delta = np.asarray(delta, dtype=float)
        for k, trace in self.traces.items():
            trace *= self.gamma * self.lam
            trace += grads[k]
            step = trace * delta if self.components is None else np.tensordot(delta, trace, axes=(0, 0))
            self.params[k] += self.lr * step


# ----------------------------------------------------------------------------------------
# Tabular Q(lambda), a batch of independent agents
# ----------------------------------------------------------------------------------------


class QLambda:
    """Q tables (B, states, actions) of B independent agents, learning on line.

    ``learn(s, a, r, s_next, done, next_greedy)`` for (B,) arrays: delta = r + gamma max_a' Q(s', a')
    (0 beyond a terminal step) - Q(s, a); the trace of (s, a) is set to 1 (``replacing``) or raised by
    1; every entry moves by lr * delta * trace; then the traces decay by gamma lam, or are cut to 0
    where the next action is exploratory (``next_greedy`` False; Watkins) or the episode ended.
    ``cut=False``: never cut on exploration (naive Q(lambda))."""

    def __init__(self, batch: int, n_states: int, n_actions: int, lr: float, gamma: float, lam: float,
                 replacing: bool = True, cut: bool = True, initial: float = 0.0):
        self.q = np.full((batch, n_states, n_actions), float(initial))
        self.traces = np.zeros_like(self.q)
        self.lr, self.gamma, self.lam, self.replacing, self.cut = lr, gamma, lam, replacing, cut
        self.rows = np.arange(batch)

    def learn(self, s, a, r, s_next, done, next_greedy=None) -> np.ndarray:
        """One step of every agent; returns the TD errors (B,)."""
        s, a, s_next = np.asarray(s), np.asarray(a), np.asarray(s_next)
        done = np.asarray(done, bool)
        target = np.asarray(r, dtype=float) + np.where(done, 0.0, self.gamma * self.q[self.rows, s_next].max(axis=-1))
        delta = target - self.q[self.rows, s, a]
        if self.replacing:
            self.traces[self.rows, s, a] = 1.0
        else:
            self.traces[self.rows, s, a] += 1.0
        self.q += self.lr * delta[:, None, None] * self.traces
        keep = ~done
        if self.cut and next_greedy is not None:
            keep &= np.asarray(next_greedy, bool)
        self.traces *= np.where(keep, self.gamma * self.lam, 0.0)[:, None, None]
        return delta

    def reset_traces(self, which=None) -> None:
        """Clear the traces (of the agents ``which``, (B,) bool, or of all)."""
        if which is None:
            self.traces[:] = 0.0
        else:
            self.traces[np.asarray(which, bool)] = 0.0


# ----------------------------------------------------------------------------------------
# Policy gradients
# ----------------------------------------------------------------------------------------


def policy_gradient_logits(logits: np.ndarray, actions: np.ndarray, advantages: np.ndarray) -> np.ndarray:
    """dL/d(logits) for L = -mean over the batch axes of A * log softmax(logits)[a]: (..., A_n).
    Feed it to the policy network's backward; a descent step then raises log pi(a) where A > 0."""
    p = softmax(logits)
    one_hot = np.zeros_like(p)
    np.put_along_axis(one_hot, np.asarray(actions)[..., None], 1.0, axis=-1)
    count = np.prod(p.shape[:-1])
    return -(np.asarray(advantages, dtype=float)[..., None] * (one_hot - p)) / count


def gaussian_policy_gradient(mean: np.ndarray, std: np.ndarray, actions: np.ndarray,
                             advantages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dL/d(mean), dL/d(std) for L = -mean over the batch of A * log N(a; mean, std^2), per action dim."""
    mean, std, actions = (np.asarray(v, dtype=float) for v in (mean, std, actions))
    adv = np.asarray(advantages, dtype=float)
    adv = adv[..., None] if adv.ndim < mean.ndim else adv
    count = np.prod(mean.shape[:-1])
    z = (actions - mean) / std
    return -adv * z / std / count, -adv * (z * z - 1.0) / std / count
