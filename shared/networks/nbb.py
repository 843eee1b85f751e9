"""The Neural Bucket Brigade (Schmidhuber 1989, "A local learning algorithm for dynamic feedforward
and recurrent networks", Connection Science 1(4)): a learning rule local in space and time, for
networks of competitive subsets of units, feedforward or recurrent.

Units are numbered inputs first; ``W[i, j]`` is the connection i -> j (net_j = sum_i x_i W[i, j]),
zero where there is none, so any wiring (recurrent edges, self-connections) is one (N, N) matrix.
At every tick, in each competitive subset the unit with the largest positive net input fires (1),
the others stay silent (0); the inputs are clamped. A weight is a store of "substance": when unit j
fires, every connection i -> j that helped (contribution c_ij = x_i(t-1) w_ij(t-1)) pays a
fraction lambda of its contribution, and j passes what its outgoing connections paid back to the
connections that made j fire one tick earlier, in proportion to their contributions then, whether
they come from below (feedforward) or from units of the previous tick's state (recurrent). The
environment pays substance (rate eta) into the connections of the correct output while it fires.
What is paid and not passed on is gone: the system is dissipative.

All functions take B independent networks at once, (B, N, N) weights, in the dtype given (the
paper: 32-bit floats); sums are taken in index order (``ordered_sum``) so the arithmetic is the
same bits on every machine.

    contributions, activity = tick(weights, activity, clamp, subsets)
    weights = weights + bucket_brigade(contributions, activity, fired_by, target_unit, True, lam, eta)
    fired_by = contributions * activity[:, None, :]            # what made each unit fire this tick

Moved out of nbb-xor, which imports it with its records unchanged.
"""

from __future__ import annotations

import numpy as np


def ordered_sum(x: np.ndarray, axis: int) -> np.ndarray:
    """Sum along `axis`, adding the slices one after another in index order.

    numpy's reductions may add in an order that depends on the SIMD loops of the machine; adding
    whole slices elementwise does not, so the rule's arithmetic is the same bits everywhere.
    """
    # add.accumulate is that loop: every partial sum is an output, so nothing can be reassociated
    # (a test checks it bit for bit against the explicit loop); it runs the loop in C
    return np.take(np.add.accumulate(x, axis=axis, dtype=x.dtype), -1, axis=axis)


def winner_take_all(net: np.ndarray, subsets) -> np.ndarray:
    """Activity after competition: in each competitive subset (a slice of units) the unit with the
    largest positive net input fires.

    net: (..., N) -> activity (..., N) in {0, 1}. Ties go to the lowest index; a subset whose
    best net input is not positive stays silent. Units in no subset (the inputs) are left at 0:
    the caller clamps them.
    """
    activity = np.zeros_like(net)
    flat_net = net.reshape(-1, net.shape[-1])
    flat_act = activity.reshape(-1, net.shape[-1])
    rows = np.arange(flat_net.shape[0])
    for subset in subsets:
        winner = subset.start + np.argmax(flat_net[:, subset], axis=1)
        flat_act[rows, winner] = flat_net[rows, winner] > 0
    return activity


def tick(weights: np.ndarray, activity: np.ndarray, clamp: np.ndarray, subsets):
    """One synchronous step of B independent networks, the inputs being units 0..n_inputs - 1.

    weights (B, N, N), activity x(t-1) (B, N), clamp (B, n_inputs), subsets: the competitive
    subsets (slices) -> contributions c_ij(t) = x_i(t-1) w_ij(t-1) (B, N, N) and activity x(t) (B, N).
    """
    contributions = activity[:, :, None] * weights
    new_activity = winner_take_all(ordered_sum(contributions, 1), subsets)
    new_activity[:, : clamp.shape[-1]] = clamp
    return contributions, new_activity


def bucket_brigade(contributions, activity, fired_by, target_unit, reward_now, lam, eta):
    """The weight change of one tick, Delta W (B, N, N), from purely local quantities.

    contributions c(t) (B, N, N); activity x(t) (B, N); fired_by = c(t-1) restricted to units
    that fired at t-1 (B, N, N): what made each unit fire last tick; target_unit (B,) the
    correct output unit; reward_now (bool or (B,)): whether the payoff is paid this tick;
    lam, eta: the rates, one number or one per network (B,).

    Three terms, for every connection i -> j:
      pay      -lambda * c_ij(t)                      if j fires at t
      receive  fired_by_ij / sum_h fired_by_hj * (sum_k lambda * c_jk(t) * x_k(t))
               (j's outgoing connections paid at t; j passes it back to what made it fire)
      payoff   +eta * c_ij(t)                         if j is the correct output and fires
    """
    lam = np.asarray(lam, dtype=contributions.dtype).reshape(-1, 1, 1)
    eta = np.asarray(eta, dtype=contributions.dtype).reshape(-1, 1)
    payment = lam * contributions * activity[:, None, :]                 # (B, N, N)
    paid_by_unit = ordered_sum(payment, 2)                               # (B, N): unit j's outflow
    received = ordered_sum(fired_by, 1)[:, None, :]                      # (B, 1, N)
    share = np.divide(fired_by, received, out=np.zeros_like(fired_by), where=received > 0)
    delta = share * paid_by_unit[:, None, :] - payment
    rows = np.arange(len(target_unit))
    paid = activity[rows, target_unit] * np.asarray(reward_now, dtype=activity.dtype)  # (B,)
    delta[rows, :, target_unit] += eta * contributions[rows, :, target_unit] * paid[:, None]
    return delta
