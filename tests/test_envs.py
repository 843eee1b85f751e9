"""shared.environments: the cart-pole against its conserved quantities, its symmetry and a step done by hand; the
grid maze's moves, observations and distances on a hand-drawn maze."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.environments.cartpole import CartPole, DoublePole
from shared.environments.maze import GridMaze


def run(pole: CartPole, state, seconds: float, force=0.0):
    for _ in range(int(round(seconds / pole.dt))):
        state = pole.step(state, force)
    return state


def test_a_step_from_rest_by_hand():
    # upright at rest, F = 10 N: temp = 10 / 1.1; theta'' = -temp / (0.5 (4/3 - 0.1 / 1.1)); x'' = temp - 0.05 theta'' / 1.1
    pole = CartPole()
    temp = 10.0 / 1.1
    theta_acc = -temp / (0.5 * (4.0 / 3.0 - 0.1 / 1.1))
    x_acc = temp - 0.05 * theta_acc / 1.1
    assert theta_acc == pytest.approx(-14.6341, abs=1e-4) and x_acc == pytest.approx(9.7561, abs=1e-4)
    after = pole.step(np.zeros((1, 4)), 10.0)[0]
    np.testing.assert_allclose(after, [0.0, 0.02 * x_acc, 0.0, 0.02 * theta_acc], atol=1e-12)
    np.testing.assert_allclose(pole.step(np.zeros((1, 4)), 50.0), pole.step(np.zeros((1, 4)), 10.0))   # clipped


def test_energy_and_momentum_are_conserved_without_force():
    pole = CartPole(method="rk4", dt=0.001)
    start = np.array([[0.1, 0.3, 0.4, -0.5], [0.0, 0.0, 2.5, 1.0]])      # a tilted pole; a swinging one
    end = run(pole, start, 2.0)
    np.testing.assert_allclose(pole.energy(end), pole.energy(start), rtol=1e-9)
    np.testing.assert_allclose(pole.momentum(end), pole.momentum(start), rtol=1e-9, atol=1e-12)
    euler = run(replace(pole, method="euler"), start, 2.0)               # first order: drifts, far more
    assert np.abs(pole.energy(euler) - pole.energy(start)).max() > 1e3 * np.abs(pole.energy(end) - pole.energy(start)).max()


def test_mirror_symmetry():
    rng = np.random.default_rng(0)
    state, force = rng.normal(0, 0.2, (5, 4)), rng.uniform(-10, 10, 5)
    for method in ("euler", "rk4"):
        pole = CartPole(method=method)
        np.testing.assert_allclose(pole.step(-state, -force), -pole.step(state, force), atol=1e-15)


def test_small_angles_follow_the_linearised_pole():
    pole = CartPole()
    theta = 1e-4
    acc = pole.derivatives(np.array([[0.0, 0.0, theta, 0.0]]), np.zeros(1))[0]
    rate = pole.gravity / (pole.half_length * (4.0 / 3.0 - pole.pole_mass / pole.total_mass))
    assert acc[3] == pytest.approx(rate * theta, rel=1e-6)
    assert acc[1] == pytest.approx(-pole.pole_mass * pole.half_length * rate * theta / pole.total_mass, rel=1e-6)


def test_rk4_converges_at_fourth_order():
    start = np.array([[0.0, 0.5, 0.3, -1.0]])
    exact = run(CartPole(method="rk4", dt=0.0005), start, 0.4, 3.0)
    errors = [np.abs(run(CartPole(method="rk4", dt=dt), start, 0.4, 3.0) - exact).max() for dt in (0.02, 0.01)]
    assert 12 < errors[0] / errors[1] < 20                                     # 2^4 = 16


def test_failure_and_observations():
    pole = CartPole(observation="positions")
    states = np.array([[0.0, 1, 0.2, 1], [2.5, 0, 0.0, 0], [0.0, 0, 0.21, 0], [-2.39, 5, -0.2, -5]])
    assert pole.failed(states).tolist() == [False, True, True, False]
    np.testing.assert_array_equal(pole.observe(states), states[:, [0, 2]])
    assert CartPole().observe(states).shape == (4, 4)
    with pytest.raises(ValueError):
        CartPole(method="midpoint")
    starts = pole.reset(np.random.default_rng(1), 100)
    assert starts.shape == (100, 4) and np.abs(starts).max() <= 0.05 and not pole.failed(starts).any()


MAZE = ["#######",
        "#S..#G#",
        "#.#.#.#",
        "#.....#",
        "#######"]


def test_grid_moves_and_walls_by_hand():
    maze = GridMaze(MAZE)
    start, goal = maze.cell_of("S"), maze.cell_of("G")
    assert maze.n_cells == 12 and tuple(maze.coords[start]) == (1, 1) and tuple(maze.coords[goal]) == (1, 5)
    n, e, s, w = range(4)
    assert maze.step(np.array([start]), np.array([n]))[0] == start          # a wall: stay
    right = maze.step(np.array([start]), np.array([e]))[0]
    assert tuple(maze.coords[right]) == (1, 2)
    down = maze.step(np.array([start, start]), np.array([s, w]))
    assert tuple(maze.coords[down[0]]) == (2, 1) and down[1] == start
    # observations: wall bits N=1, E=2, S=4, W=8 of the four neighbours
    assert maze.observe(np.array([start]))[0] == 1 + 8
    assert maze.observe(np.array([goal]))[0] == 1 + 2 + 8
    assert maze.observe(np.array([maze.index[3, 3]]))[0] == 4                # a T-junction's middle: wall south only
    assert maze.n_observations <= 16


def test_grid_distances_and_given_observations():
    maze = GridMaze(MAZE, observations=np.arange(12) % 3)
    dist = maze.distances(maze.cell_of("G"))
    assert dist[maze.cell_of("S")] == 8                  # E, E, S, S, E, E, N, N
    assert dist[maze.cell_of("G")] == 0 and (dist >= 0).all()
    assert maze.observe(np.arange(12)).tolist() == (np.arange(12) % 3).tolist() and maze.n_observations == 3
    with pytest.raises(ValueError):
        GridMaze(MAZE, observations=[0, 1])
    with pytest.raises(ValueError):
        GridMaze(["#..#", "####"])                                              # open border
    with pytest.raises(ValueError):
        GridMaze(["####", "#.#", "####"])

# ---- Wieland's double pole (moved from double-pole-no-velocity) ------------------------------------

POLE = DoublePole()
FREE = replace(POLE, cart_friction=0.0, pole_friction=0.0)


def test_double_pole_step_from_rest_by_hand():
    """Upright and at rest, a 10 N push: x'' = 10 / (1 + 0.1/4 + 0.01/4), theta_i'' = -3/(4 l_i) x''."""
    d = POLE.derivatives(np.zeros((1, 6)), np.array([10.0]))[0]
    x_acc = 10.0 / (1.0 + 0.1 * 0.25 + 0.01 * 0.25)
    assert d == pytest.approx([0.0, x_acc, 0.0, -0.75 / 0.5 * x_acc, 0.0, -0.75 / 0.05 * x_acc], rel=1e-12)
    # one RK4 step with constant accelerations (all velocities start at 0, angles 0): exact to O(dt^3)
    s = POLE.step(np.zeros((1, 6)), 10.0)[0]
    assert s[1] == pytest.approx(x_acc * 0.01, rel=1e-3)
    assert s[0] == pytest.approx(0.5 * x_acc * 0.01 ** 2, rel=1e-2)


def test_the_tilted_poles_fall_by_hand():
    """At rest, long pole tilted by a small angle, no force: theta1'' = -3/(4 l1) (x'' cos + g sin), with x'' from
    the effective force 3/4 m1 g sin cos over the effective mass."""
    th = 0.1
    state = np.array([[0.0, 0.0, th, 0.0, 0.0, 0.0]])
    d = POLE.derivatives(state, np.array([0.0]))[0]
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
    e0 = POLE.energy(state)
    for _ in range(100):
        state = POLE.step(state, 0.0)
    assert POLE.energy(state)[0] < e0[0]


def test_step_rows_matches_step_and_the_mirror_symmetry():
    state = np.random.default_rng(2).uniform(-0.2, 0.2, (5, 6))
    force = np.linspace(-10, 10, 5)
    a = POLE.step(state, force)
    b = POLE.step_rows(state.T.copy(), force).T
    assert np.allclose(a, b, atol=0, rtol=0)
    assert np.allclose(POLE.step(-state, -force), -a, atol=1e-15)


def test_failure_bounds_and_the_starts():
    s = POLE.standard_start(2)
    assert s[0, 2] == pytest.approx(4.5 * np.pi / 180) and not POLE.failed(s).any()
    for i, v in ((0, 2.41), (2, 0.63), (4, -0.63)):
        t = np.zeros((1, 6))
        t[0, i] = v
        assert POLE.failed(t)[0]
    g = POLE.generalisation_starts()
    assert g.shape == (625, 6) and len(np.unique(g, axis=0)) == 625
    assert g[:, 0].max() == pytest.approx(2.16) and g[:, 1].max() == pytest.approx(1.35)
    assert np.all(g[:, 4:] == 0)
