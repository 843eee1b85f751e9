"""double-pole-no-velocity: Wieland's double pole (a step by hand, the free system's invariants under
RK4, friction dissipates), the recurrent policies, ESP and CoSyNE (bookkeeping, a known-answer search),
the rollout (a hand-wired controller, Gruau's fitness) and the verdict rule on synthetic records."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "double-pole-no-velocity"))
import double_pole_no_velocity as dp  # noqa: E402

FREE = replace(dp.POLE, cart_friction=0.0, pole_friction=0.0)


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
