"""double-pole-no-velocity: Wieland's double pole (a step by hand, the free system's invariants under
RK4, friction dissipates), the recurrent policies, ESP and CoSyNE (bookkeeping, a known-answer search),
the rollout (a hand-wired controller, Gruau's fitness) and the verdict rule on synthetic records."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "double-pole-no-velocity"))
import double_pole_no_velocity as dp  # noqa: E402

FREE = replace(dp.POLE, cart_friction=0.0, pole_friction=0.0)


def test_a_step_from_rest_by_hand():
    """Upright and at rest, a 10 N push: x'' = 10 / (1 + 0.1/4 + 0.01/4), theta_i'' = -3/(4 l_i) x''."""
    d = dp.POLE.derivatives(np.zeros((1, 6)), np.array([10.0]))[0]
    x_acc = 10.0 / (1.0 + 0.1 * 0.25 + 0.01 * 0.25)
    assert d == pytest.approx([0.0, x_acc, 0.0, -0.75 / 0.5 * x_acc, 0.0, -0.75 / 0.05 * x_acc], rel=1e-12)
    # one RK4 step with constant accelerations (all velocities start at 0, angles 0): exact to O(dt^3)
    s = dp.POLE.step(np.zeros((1, 6)), 10.0)[0]
    assert s[1] == pytest.approx(x_acc * 0.01, rel=1e-3)
    assert s[0] == pytest.approx(0.5 * x_acc * 0.01 ** 2, rel=1e-2)


def test_the_tilted_poles_fall_by_hand():
    """At rest, long pole tilted by a small angle, no force: theta1'' = -3/(4 l1) (x'' cos + g sin), with x'' from
    the effective force 3/4 m1 g sin cos over the effective mass."""
    th = 0.1
    state = np.array([[0.0, 0.0, th, 0.0, 0.0, 0.0]])
    d = dp.POLE.derivatives(state, np.array([0.0]))[0]
    g, m1, l1 = -9.8, 0.1, 0.5
    x_acc = 0.75 * m1 * np.cos(th) * g * np.sin(th) / (1.0 + m1 * (1 - 0.75 * np.cos(th) ** 2) + 0.01 * 0.25)
    assert d[1] == pytest.approx(x_acc, rel=1e-12)
    assert d[3] == pytest.approx(-0.75 / l1 * (x_acc * np.cos(th) + g * np.sin(th)), rel=1e-12)
    assert d[3] > 0 and d[1] < 0          # the pole falls further, the cart recoils


@given(st.integers(0, 10_000))
@settings(max_examples=10, deadline=None)
def test_energy_and_momentum_are_conserved_without_force_and_friction(seed):
    state = np.random.default_rng(seed).uniform(-0.3, 0.3, (4, 6))
    e0, p0 = FREE.energy(state), FREE.momentum(state)
    for _ in range(500):
        state = FREE.step(state, 0.0)
    assert np.abs(FREE.energy(state) - e0).max() < 1e-6
    assert np.abs(FREE.momentum(state) - p0).max() < 1e-6


def test_rk4_is_fourth_order():
    errors = []
    for dt in (0.01, 0.005):
        env = replace(FREE, dt=dt)
        state = np.random.default_rng(1).uniform(-0.3, 0.3, (3, 6))
        e0 = env.energy(state)
        for _ in range(int(round(5 / dt))):
            state = env.step(state, 0.0)
        errors.append(np.abs(env.energy(state) - e0).max())
    assert errors[0] / errors[1] > 12          # 2^4 = 16 for a fourth-order method


def test_friction_dissipates_energy():
    state = np.array([[0.0, 1.0, 0.0, 0.0, 0.0, 0.0]])
    e0 = dp.POLE.energy(state)
    for _ in range(100):
        state = dp.POLE.step(state, 0.0)
    assert dp.POLE.energy(state)[0] < e0[0]


def test_step_rows_matches_step_and_the_mirror_symmetry():
    state = np.random.default_rng(2).uniform(-0.2, 0.2, (5, 6))
    force = np.linspace(-10, 10, 5)
    a = dp.POLE.step(state, force)
    b = dp.POLE.step_rows(state.T.copy(), force).T
    assert np.allclose(a, b, atol=0, rtol=0)
    assert np.allclose(dp.POLE.step(-state, -force), -a, atol=1e-15)


def test_failure_bounds_and_the_starts():
    s = dp.POLE.standard_start(2)
    assert s[0, 2] == pytest.approx(4.5 * np.pi / 180) and not dp.POLE.failed(s).any()
    for i, v in ((0, 2.41), (2, 0.63), (4, -0.63)):
        t = np.zeros((1, 6))
        t[0, i] = v
        assert dp.POLE.failed(t)[0]
    g = dp.POLE.generalisation_starts()
    assert g.shape == (625, 6) and len(np.unique(g, axis=0)) == 625
    assert g[:, 0].max() == pytest.approx(2.16) and g[:, 1].max() == pytest.approx(1.35)
    assert np.all(g[:, 4:] == 0)


def test_the_uncontrolled_poles_fall_and_a_hand_wired_controller_balances():
    """Zero force: the long pole falls within a second. A hand-built controller through the rollout's
    policy interface -- velocities by finite differences of the positions (a memory of one step), an
    LQR gain of the linearised system -- balances 1000 steps from positions only."""
    steps, _ = dp.rollout(dp.RecurrentPolicy(np.zeros((1, 45)), 3, 5), dp.POLE.standard_start(1), 1000)
    assert steps[0] < 100

    class StateFeedback:
        """u from the velocities finite-differenced out of the positions: a memory the net must learn."""
        def __init__(self, gain):
            self.gain = np.asarray(gain)

        def initial_state(self, n):
            return np.full((n, 3), np.nan)

        def take(self, idx):
            return self

        def step(self, h, obs):
            pos = obs * np.array([2.4, dp.POLE.theta_limit, dp.POLE.theta_limit])
            vel = np.where(np.isnan(h), 0.0, (pos - h) / dp.POLE.dt)
            full = np.stack([pos[:, 0], vel[:, 0], pos[:, 1], vel[:, 1], pos[:, 2], vel[:, 2]], 1)
            return pos, np.clip(full @ self.gain / 10.0, -1, 1)

    gain = _lqr_gain()
    steps, damping = dp.rollout(StateFeedback(gain), dp.POLE.standard_start(1), 1000)
    assert steps[0] == 1000
    assert damping[0] > 0.1


def _lqr_gain():
    """A stabilising state-feedback gain for the linearised (frictionless) double pole, discrete LQR by iteration."""
    eps = 1e-6
    x0 = np.zeros(6)
    A = np.zeros((6, 6))
    for i in range(6):
        d = np.zeros(6)
        d[i] = eps
        A[:, i] = (FREE.step((x0 + d)[None], 0.0)[0] - FREE.step((x0 - d)[None], 0.0)[0]) / (2 * eps)
    B = ((FREE.step(x0[None], 1.0)[0] - FREE.step(x0[None], -1.0)[0]) / 2.0)[:, None]
    Q, R = np.diag([1.0, 0.1, 10.0, 0.1, 10.0, 0.1]), np.array([[1e-3]])
    P = Q.copy()
    for _ in range(5000):
        K = np.linalg.solve(R + B.T @ P @ B, B.T @ P @ A)
        P = Q + A.T @ P @ (A - B @ K)
    return -K[0]


def test_gruau_fitness_by_hand():
    assert dp.gruau_fitness(np.array([50]), np.array([1.0]))[0] == pytest.approx(0.1 * 0.05)
    assert dp.gruau_fitness(np.array([1000]), np.array([7.5]))[0] == pytest.approx(0.1 + 0.9 * 0.1)


def test_recurrent_policy_by_hand():
    genes = np.random.default_rng(3).normal(size=(2, 45))
    pol = dp.RecurrentPolicy(genes, 3, 5)
    obs = np.array([[0.1, -0.2, 0.3], [0.0, 0.5, -0.5]])
    h0 = np.random.default_rng(4).normal(size=(2, 5))
    h, u = pol.step(h0, obs)
    w = genes.reshape(2, 5, 9)
    want = np.tanh(np.einsum("pji,pi->pj", w[..., :3], obs) + w[..., 3] + np.einsum("pjk,pk->pj", w[..., 4:], h0))
    assert np.allclose(h, want) and np.allclose(u, want[:, 0])
    sub = pol.take(np.array([False, True]))
    assert np.allclose(sub.step(h0[1:], obs[1:])[0], want[1:])


def test_odyssnet_policy_matches_the_bank():
    n = dp.OdyssNetPolicy.n_genes(3, 5)
    genes = np.random.default_rng(5).normal(size=(3, n))
    pol = dp.OdyssNetPolicy(genes, 3, 5)
    assert pol.bank.params["W"].shape == (3, 5, 5) and np.all(pol.bank.params["W"][:, range(5), range(5)] == 0)
    h, u = pol.step(pol.initial_state(3), np.full((3, 3), 0.2))
    assert h.shape == (3, 1, 5) and u.shape == (3,) and np.all(np.abs(u) <= 1)
    h2, u2 = pol.take(np.array([0, 2])).step(pol.initial_state(2), np.full((2, 3), 0.2))
    assert np.allclose(u2, u[[0, 2]])


def test_esp_bookkeeping():
    rng = np.random.default_rng(0)
    esp = dp.ESP(5, 9, 8, rng, trials=10, burst_after=3)
    genomes = esp.ask()
    assert genomes.shape == (80, 45)
    counts = np.stack([np.bincount(esp._idx[j], minlength=8) for j in range(5)])
    assert np.all(counts == 10)                        # every neuron takes part in 10 networks
    # network k is made of neuron _idx[j, k] of subpopulation j
    k = 17
    assert np.allclose(genomes[k].reshape(5, 9), esp.pop[np.arange(5), esp._idx[:, k]])
    fitness = rng.random(80)
    esp.tell(fitness, genomes)
    assert esp.best_fitness == fitness.max()
    for _ in range(3):                                 # no improvement for 3 generations: burst
        esp.tell(np.zeros(80), esp.ask())
    assert esp.bursts == 1
    assert np.allclose(esp.pop[:, 0], esp.best_genome.reshape(5, 9))


def test_cosyne_keeps_the_best_and_permutes_the_rest():
    rng = np.random.default_rng(1)
    co = dp.CoSyNE(6, 20, rng)
    genomes = co.ask()
    fitness = np.arange(20.0)
    co.tell(fitness, genomes)
    assert np.allclose(co.pop[0], genomes[19])          # the best network: probability 0 of a permutation
    kept = co.pop[:15]
    for i in range(6):                                   # each column of the survivors is a permutation of
        assert np.allclose(np.sort(kept[:, i]), np.sort(genomes[5:, i]))   # the top 15's weights of that column
    assert co.pop.shape == (20, 6)


def _sphere(method):
    """A tiny known-answer problem: maximise -|w - target|^2 in 6 dimensions."""
    target = np.linspace(-0.5, 0.5, 6)
    rng = np.random.default_rng(7)
    run = dp.ESP(2, 3, 12, rng, trials=4) if method == "esp" else dp.CoSyNE(6, 24, rng)
    best = -np.inf
    for _ in range(150):
        g = run.ask()
        f = -((g - target) ** 2).sum(1)
        best = max(best, f.max())
        run.tell(f, g)
    return best


@pytest.mark.parametrize("method", ["esp", "cosyne"])
def test_the_searches_solve_a_known_answer_problem(method):
    assert _sphere(method) > -1e-2


def test_a_short_evolution_runs_and_counts_evaluations():
    cfg = dp.Config(method="cosyne", max_evals=120)
    rows, sol, _ = dp.evolve(cfg, [0, 1], progress=False)
    for r in rows:
        assert r["evaluations_capped"] <= 120
        assert sol[r["seed"]].shape == (45,)
        assert (r["evaluations"] is None) == (not r["solved"])


def _record(cosyne, esp):
    def rows(evals):
        return [{"seed": i, "solved": e is not None, "evaluations": e,
                 "evaluations_capped": e if e is not None else 40_000} for i, e in enumerate(evals)]
    return {"seeds": {"per_seed": rows(cosyne)}, "esp": {"seeds": {"per_seed": rows(esp)}}}


def test_verdict_yes_partial_no_and_pending():
    rng = np.random.default_rng(0)
    fast = list(rng.integers(2000, 4000, 20))
    slow = list(rng.integers(8000, 16000, 20))
    assert dp.verdict(_record(fast, slow))["value"] == "yes"
    assert dp.verdict(_record(slow, fast))["value"] == "partial"          # both solve, CoSyNE slower
    assert dp.verdict(_record(fast[:17] + [None] * 3, slow))["value"] == "no"   # 17/20 < 19/20
    assert dp.verdict(_record(fast[:19] + [None], slow))["value"] == "yes"     # 19/20 suffices
    assert dp.verdict(_record(fast[:10], slow))["value"] == "pending"
