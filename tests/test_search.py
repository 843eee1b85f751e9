"""shared.search.guessing: random weight guessing stops where a one-at-a-time search would, the batched nets
compute what the recurrence says unit by unit, the paper's architectures have their weight counts,
and the staged training-set check agrees with running every sequence."""

from __future__ import annotations

import numpy as np
import pytest

from shared.search import guessing


def random_arch(rng, inputs=2, units=4, outputs=1):
    return guessing.Architecture(rng.random((units, units)) < 0.6, rng.random((inputs, units)) < 0.7,
                               rng.random(units) < 0.5, rng.random(units) < 0.5, outputs)


def loop_outputs(arch, weights, x, lengths):
    """The recurrence written out unit by unit, one guess and one sequence at a time."""
    w_all, u_all, b_all = arch.unpack(weights)
    out = np.zeros((len(weights), len(x), arch.outputs))
    for g in range(len(weights)):
        for s in range(len(x)):
            a = np.zeros(arch.units)
            for t in range(lengths[s]):
                new = np.zeros(arch.units)
                for unit in range(arch.units):
                    net = sum(w_all[g, v, unit] * a[v] for v in range(arch.units))
                    net += sum(u_all[g, i, unit] * x[s, t, i] for i in range(arch.inputs)) + b_all[g, unit]
                    new[unit] = np.tanh(net) if arch.tanh[unit] else 1.0 / (1.0 + np.exp(-net))
                a = new
            out[g, s] = a[arch.units - arch.outputs:]
    return out


@pytest.mark.parametrize("seed", range(4))
def test_batched_nets_compute_the_recurrence(seed):
    rng = np.random.default_rng(seed)
    arch = random_arch(rng, outputs=1 + seed % 2)
    weights = rng.normal(0, 1.5, (5, arch.size))
    x = rng.normal(size=(3, 7, arch.inputs))
    lengths = np.array([7, 1, 4])
    np.testing.assert_allclose(guessing.end_outputs(arch, weights, x, lengths), loop_outputs(arch, weights, x, lengths),
                               rtol=1e-12, atol=1e-14)


def test_unpack_puts_each_weight_where_its_mask_says():
    arch = guessing.a2(3)
    w = np.arange(arch.size, dtype=float)[None] + 1
    W, U, b = arch.unpack(w)
    assert (W[0] != 0).sum() == arch.connections.sum() and np.all((W[0] != 0) == arch.connections)
    assert np.all((U[0] != 0) == arch.input_to) and np.all((b[0] != 0) == arch.biased)
    assert sorted(np.concatenate([W[0][arch.connections], U[0][arch.input_to], b[0][arch.biased]])) == list(w[0])


def test_the_papers_architectures():
    """guessing2001 node 2: A1 fully connected (n hidden, 1 input, 1 output, hidden biased); A2: n = 10,
    each hidden unit sees the input, the output and itself, the output sees all other units, all biased."""
    a1 = guessing.a1(5)
    assert a1.size == 36 + 6 + 6 and guessing.a1(5, output_bias=False).size == 36 + 6 + 5
    a2 = guessing.a2()
    assert a2.units == 11 and a2.size == (10 + 10 + 10) + 11 + 11
    assert guessing.a2(self_connections=False).size == 20 + 11 + 11
    c = a2.connections
    assert c[10, :10].all() and c[:10, 10].all() and not c[10, 10]
    assert np.array_equal(c[:10, :10], np.eye(10, dtype=bool))


def test_a_hand_set_latch_keeps_the_first_inputs_sign():
    """One tanh unit with a strong self-loop keeps the sign of the first input through 200 noisy steps."""
    arch = guessing.Architecture(np.ones((1, 1), bool), np.ones((1, 1), bool), np.zeros(1, bool), np.ones(1, bool))
    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.2, (40, 200, 1))
    x[:, 0, 0] = np.where(np.arange(40) % 2, 1.0, -1.0)
    out = guessing.end_outputs(arch, np.array([[3.0, 3.0]]), x, np.full(40, 200))[0, :, 0]
    assert np.all(np.sign(out) == x[:, 0, 0])


def test_guessing_stops_where_one_guess_at_a_time_stops():
    arch = guessing.a1(2)
    # eight sequences: a solution after 1,043 guesses, past four batches of 256 (twelve took 17,709 one at a time)
    x = np.random.default_rng(1).choice([-1.0, 1.0], (8, 9, 1))
    lengths = np.random.default_rng(2).integers(5, 10, 8)
    targets = (x[np.arange(8), 0, 0] > 0).astype(float)

    def score(w):
        return guessing.all_correct(arch, w, x, lengths, lambda y, rows: np.abs(y[..., 0] - targets[rows]) < 0.4)

    draw = guessing.uniform_prior(-10, 10, arch.size)
    batched = guessing.guess(draw, score, np.random.default_rng(7), 256, max_trials=50_000)
    alone = guessing.guess(draw, score, np.random.default_rng(7), 1, max_trials=50_000)
    assert batched.found and batched.trials == alone.trials > 4 * 256 and batched.cost == alone.cost
    assert np.array_equal(batched.weights, alone.weights)
    assert score(batched.weights[None])[0][0]


def test_guessing_gives_up_after_max_trials_and_charges_every_trial():
    found = guessing.guess(guessing.uniform_prior(0, 1, 3), lambda w: (np.zeros(len(w), bool), np.full(len(w), 2)),
                         np.random.default_rng(0), 7, max_trials=30)
    assert not found.found and found.trials == 30 and found.cost == 60 and found.weights is None
    with pytest.raises(ValueError):
        guessing.guess(guessing.uniform_prior(0, 1, 3), lambda w: None, np.random.default_rng(0), 0, 10)
    with pytest.raises(ValueError):
        guessing.guess(guessing.uniform_prior(0, 1, 3), lambda w: None, np.random.default_rng(0), 4)


def test_staged_check_agrees_with_running_every_sequence():
    rng = np.random.default_rng(3)
    arch = guessing.a2(4)
    x = rng.choice([-1.0, 1.0], (50, 12, 1))
    lengths = rng.integers(6, 13, 50)
    targets = rng.integers(0, 2, 50).astype(float)
    w = rng.uniform(-5, 5, (300, arch.size))

    def correct(y, rows):
        return np.abs(y[..., 0] - targets[rows]) < 0.5
    passed, cost = guessing.all_correct(arch, w, x, lengths, correct)
    every = correct(guessing.end_outputs(arch, w, x, lengths), np.arange(50))
    assert np.array_equal(passed, every.all(axis=1))
    first_wrong = np.where(every.all(axis=1), 50, np.argmax(~every, axis=1) + 1)
    assert np.array_equal(cost, first_wrong)


def test_bad_shapes_are_refused():
    arch = guessing.a1(2)
    with pytest.raises(ValueError):
        guessing.end_outputs(arch, np.zeros((1, arch.size + 1)), np.zeros((1, 3, 1)), np.array([3]))
    with pytest.raises(ValueError):
        guessing.end_outputs(arch, np.zeros((1, arch.size)), np.zeros((1, 3, 1)), np.array([4]))
    with pytest.raises(ValueError):
        guessing.Architecture(np.ones((2, 2), bool), np.ones((1, 3), bool), np.ones(2, bool), np.ones(2, bool))


def test_a_cost_budget_stops_inside_a_batch():
    """Each guess costs 3; the 5th passes. A budget of 12 stops after 4 guesses (cost 12), one of 15
    finds the 5th (cost 15), one of 14 stops after 4 at the budget."""
    def score(w):
        return np.arange(len(w)) == 4, np.full(len(w), 3)
    draw = guessing.uniform_prior(0, 1, 2)
    rng = np.random.default_rng
    f = guessing.guess(draw, score, rng(0), 10, max_cost=15)
    assert (f.found, f.trials, f.cost) == (True, 5, 15)
    f = guessing.guess(draw, score, rng(0), 10, max_cost=14)
    assert (f.found, f.trials, f.cost) == (False, 4, 14)
    f = guessing.guess(draw, score, rng(0), 2, max_cost=12)       # batches of 2: guesses 1-4 cost 12, no pass
    assert (f.found, f.trials, f.cost) == (False, 4, 12)


def test_layered_update_by_hand():
    """layered=True: hidden units from x(t) and the state at t - 1, then the output from x(t), the new hidden
    units and o(t - 1)."""
    arch = guessing.a1(1, output_bias=False)
    rng = np.random.default_rng(1)
    n = np.array([5, 8, 6])
    x = rng.choice([-1.0, 1.0], (3, 8, 1))
    wts = np.random.default_rng(2).uniform(-3, 3, (2, arch.size))
    got = guessing.end_outputs(arch, wts, x, n, layered=True)[..., 0]
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))
    for g in range(2):
        w, u, b = (a[0] for a in arch.unpack(wts[g:g + 1]))
        for k in range(3):
            h = o = 0.0
            for t in range(n[k]):
                h = sig(w[0, 0] * h + w[1, 0] * o + u[0, 0] * x[k, t, 0] + b[0])
                o = sig(w[0, 1] * h + w[1, 1] * o + u[0, 1] * x[k, t, 0] + b[1])
            assert got[g, k] == pytest.approx(o, abs=1e-12)
