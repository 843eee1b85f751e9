"""shared.networks.nbb: the Neural Bucket Brigade's properties whatever the wiring: winner-take-all per subset,
sums in index order, substance passed back exactly (feedforward and recurrent predecessors alike),
per-network rates, payoff against payment."""

from __future__ import annotations

import numpy as np
import pytest

from shared.networks import nbb

# nbb-xor's net: x1, x2, on | h1 h2 h3 (one competitive subset) | y0 y1 (one competitive subset)
PATTERNS = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
TARGETS = np.array([0, 1, 1, 0])
SUBSETS = [slice(3, 6), slice(6, 8)]
OUTPUTS = 6
CONNECTIONS = np.zeros((8, 8), dtype=bool)
CONNECTIONS[:3, 3:] = True                   # inputs -> hidden and outputs
CONNECTIONS[3:6, 6:] = True                  # hidden -> outputs


def random_state(rng, batch=4, dtype=float, connections=CONNECTIONS):
    """Weights on the given connections and a plausible previous tick."""
    n = connections.shape[0]
    weights = (rng.uniform(0.5, 1.5, (batch, n, n)) * connections).astype(dtype)
    pattern = rng.integers(0, 4, batch)
    before = np.zeros((batch, n), dtype=dtype)
    before[:, :3] = PATTERNS[pattern]
    before[np.arange(batch), 3 + rng.integers(0, 3, batch)] = 1        # a hidden unit fired at t-1
    contributions_before, activity_before = nbb.tick(weights, before, PATTERNS[pattern].astype(dtype), SUBSETS)
    return weights, pattern, activity_before, contributions_before * activity_before[:, None, :]


def test_winner_take_all_picks_one_positive_winner_per_subset():
    net = np.array([[9.0, 9.0, 9.0, 0.2, 0.7, 0.7, -1.0, -0.5]])
    activity = nbb.winner_take_all(net, SUBSETS)
    assert activity.tolist() == [[0, 0, 0, 0, 1, 0, 0, 0]]     # tie -> lowest index; outputs all negative -> silent


def test_ordered_sum_adds_slices_in_index_order():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 9, 5)).astype(np.float32)
    expected = x[:, 0].copy()
    for i in range(1, 9):
        expected += x[:, i]
    assert np.array_equal(nbb.ordered_sum(x, 1), expected)
    np.testing.assert_allclose(nbb.ordered_sum(x, 1), x.sum(axis=1), rtol=1e-5)


@pytest.mark.parametrize("seed", range(5))
def test_brigade_passes_on_exactly_what_a_unit_paid(seed):
    """Without payoff, what flows into j's incoming connections equals what j's outgoing ones paid."""
    rng = np.random.default_rng(seed)
    weights, pattern, before, fired_by = random_state(rng)
    contributions, activity = nbb.tick(weights, before, PATTERNS[pattern], SUBSETS)
    lam = 0.05
    delta = nbb.bucket_brigade(contributions, activity, fired_by, OUTPUTS + TARGETS[pattern],
                               True, lam, 0.0)
    payment = lam * contributions * activity[:, None, :]
    received = delta + payment                                         # the redistribution term alone
    paid_by_unit = payment.sum(axis=2)
    passed_back = received.sum(axis=1)                                 # per unit j, into its incoming connections
    had_predecessors = fired_by.sum(axis=1) > 0
    np.testing.assert_allclose(passed_back[had_predecessors], paid_by_unit[had_predecessors], rtol=1e-12)
    assert np.all(received[:, :, ~CONNECTIONS.any(axis=0)] == 0)  # input units receive nothing
    # the whole network loses exactly what sources without predecessors paid
    np.testing.assert_allclose(delta.sum(axis=(1, 2)), -(paid_by_unit * ~had_predecessors).sum(axis=1), rtol=1e-12)


def test_per_network_rates_equal_separate_runs():
    rng = np.random.default_rng(3)
    weights, pattern, before, fired_by = random_state(rng, dtype=np.float32)
    contributions, activity = nbb.tick(weights, before, PATTERNS[pattern].astype(np.float32), SUBSETS)
    target = OUTPUTS + TARGETS[pattern]
    lam, eta, reward = np.array([0.005, 0.01, 0.02, 0.005]), np.array([0.005, 0.0, 0.03, 0.01]), \
        np.array([True, False, True, True])
    together = nbb.bucket_brigade(contributions, activity, fired_by, target, reward, lam, eta)
    for b in range(4):
        alone = nbb.bucket_brigade(contributions[b:b + 1], activity[b:b + 1], fired_by[b:b + 1], target[b:b + 1],
                                   bool(reward[b]), float(lam[b]), float(eta[b]))
        assert together.dtype == np.float32 and np.array_equal(together[b], alone[0])


def test_payoff_equal_to_payment_leaves_the_correct_output_connections_unchanged():
    rng = np.random.default_rng(0)
    weights, pattern, before, fired_by = random_state(rng, batch=1)
    contributions, activity = nbb.tick(weights, before, PATTERNS[pattern], SUBSETS)
    winner = OUTPUTS + activity[0, OUTPUTS:].argmax()
    delta = nbb.bucket_brigade(contributions, activity, fired_by, np.array([winner]), True, 0.01, 0.01)
    assert np.all(delta[0, :, winner] == 0)                            # pays lambda*c, earns eta*c
    loser = OUTPUTS + 1 - (winner - OUTPUTS)
    assert np.all(delta[0, :, loser] == 0)                             # silent units neither pay nor earn


def test_ordered_sum_is_the_explicit_loop_bit_for_bit():
    """The fast form (add.accumulate) against the loop it replaces, on float32 and float64, any axis,
    strided views, magnitudes far apart (where the order of addition shows)."""
    rng = np.random.default_rng(0)
    for trial in range(500):
        shape = tuple(int(n) for n in rng.integers(1, 8, size=int(rng.integers(1, 4))))
        x = (rng.standard_normal(shape) * 10.0 ** rng.uniform(-4, 4, shape)).astype(
            np.float32 if trial % 2 else np.float64)
        if trial % 3 == 0 and x.ndim > 1:
            x = x.swapaxes(0, -1)
        axis = int(rng.integers(0, x.ndim))
        slices = np.moveaxis(x, axis, 0)
        loop = slices[0].copy()
        for part in slices[1:]:
            loop += part
        fast = nbb.ordered_sum(x, axis)
        assert fast.dtype == loop.dtype and fast.tobytes() == np.ascontiguousarray(loop).tobytes()



@pytest.mark.parametrize("seed", range(5))
def test_recurrent_predecessors_share_what_a_unit_paid(seed):
    """With recurrent edges (hidden <-> hidden, outputs -> hidden, self-connections) a unit's payment
    is passed back to every connection that made it fire, feedforward or recurrent, in proportion to
    their contributions, and nothing else is created."""
    rng = np.random.default_rng(seed)
    recurrent = CONNECTIONS.copy()
    recurrent[3:, 3:6] = True                                          # hidden and outputs -> hidden, incl. self
    weights, pattern, before, fired_by = random_state(rng, connections=recurrent)
    contributions, activity = nbb.tick(weights, before, PATTERNS[pattern], SUBSETS)
    assert (fired_by[:, 3:6, 3:6] > 0).any()                           # some unit fired through a recurrent edge
    lam = 0.05
    delta = nbb.bucket_brigade(contributions, activity, fired_by, OUTPUTS + TARGETS[pattern], True, lam, 0.0)
    payment = lam * contributions * activity[:, None, :]
    received = delta + payment
    for b in range(len(pattern)):
        for j in range(8):
            paid = payment[b, j].sum()
            total = fired_by[b, :, j].sum()
            if total > 0:                                              # shares in proportion to last tick's help
                np.testing.assert_allclose(received[b, :, j], fired_by[b, :, j] / total * paid, rtol=1e-12, atol=1e-15)
            else:
                assert np.all(received[b, :, j] == 0)


def test_winner_take_all_leaves_units_outside_the_subsets_alone():
    net = np.array([[5.0, 5.0, 1.0, 2.0, 3.0]])
    assert nbb.winner_take_all(net, [slice(2, 5)]).tolist() == [[0, 0, 0, 0, 1]]
