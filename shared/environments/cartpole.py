"""The cart-pole of Barto, Sutton & Anderson (1983) in its frictionless form, and Wieland's double pole,
batched.

The constants every later paper, Schmidhuber 1990 included, took over: g 9.8, cart 1.0 kg, pole
0.1 kg, half-length 0.5 m, dt 0.02 s, force +-10 N; failure at |theta| > 12 degrees or |x| > 2.4 m.
``CartPole.step(state (B, 4), force (B,))`` advances B carts by one time step (``method``: "euler",
the explicit Euler step of the 1983 simulation, or "rk4"); ``observe(state)`` gives all four
variables or, with ``observation="positions"``, only (x, theta): the non-Markov pole.
``energy``/``momentum``: the conserved quantities of the free system (tests).

state = (x, x_dot, theta, theta_dot), theta in radians, 0 upright, positive clockwise; force > 0
pushes the cart to +x.

``DoublePole``: two poles hinged side by side on one cart (Wieland 1991), cart-track and pivot friction,
RK4; state (B, 6) = (x, x', theta1, theta1', theta2, theta2'); ``observe`` gives the positions only;
``generalisation_starts`` the 625-start grid of the generalisation test. Moved out of
double-pole-no-velocity (its runs unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np




@dataclass(frozen=True)
class CartPole:
    """Constants of the cart-pole and how it is stepped. The equations (frictionless):

        theta'' = (g sin(th) + cos(th) (-F - m l th'^2 sin(th)) / (M + m)) / (l (4/3 - m cos(th)^2 / (M + m)))
        x''     = (F + m l (th'^2 sin(th) - theta'' cos(th))) / (M + m)

    with M the cart's mass, m the pole's, l the pole's half-length (a uniform rod on a pivot)."""

    gravity: float = 9.8
    cart_mass: float = 1.0
    pole_mass: float = 0.1
    half_length: float = 0.5
    dt: float = 0.02
    max_force: float = 10.0
    theta_limit: float = 12.0 * np.pi / 180.0
    x_limit: float = 2.4
    method: str = "euler"            # "euler": the 1983 simulation's explicit Euler step; "rk4"
    observation: str = "full"        # "full": (x, x', theta, theta'); "positions": (x, theta)

    def __post_init__(self):
        if self.method not in ("euler", "rk4") or self.observation not in ("full", "positions"):
            raise ValueError(f"method is 'euler' or 'rk4', observation 'full' or 'positions'; got "
                             f"{self.method!r}, {self.observation!r}")

    @property
    def total_mass(self) -> float:
        return self.cart_mass + self.pole_mass

    def derivatives(self, state: np.ndarray, force: np.ndarray) -> np.ndarray:
        """d(state)/dt, (B, 4), for state (B, 4) and force (B,)."""
        _, x_dot, theta, theta_dot = np.moveaxis(np.asarray(state, dtype=float), -1, 0)
        sin, cos = np.sin(theta), np.cos(theta)
        m, ml = self.pole_mass, self.pole_mass * self.half_length
        temp = (force + ml * theta_dot ** 2 * sin) / self.total_mass
        theta_acc = (self.gravity * sin - cos * temp) / (
            self.half_length * (4.0 / 3.0 - m * cos ** 2 / self.total_mass))
        x_acc = temp - ml * theta_acc * cos / self.total_mass
        return np.stack([x_dot, x_acc, theta_dot, theta_acc], axis=-1)

    def step(self, state: np.ndarray, force) -> np.ndarray:
        """The state one time step later, (B, 4); force (B,) or a scalar, clipped to +-max_force."""
        state = np.asarray(state, dtype=float)
        force = np.clip(np.broadcast_to(np.asarray(force, dtype=float), state.shape[:-1]),
                        -self.max_force, self.max_force)
        if self.method == "euler":
            return state + self.dt * self.derivatives(state, force)
        k1 = self.derivatives(state, force)
        k2 = self.derivatives(state + 0.5 * self.dt * k1, force)
        k3 = self.derivatives(state + 0.5 * self.dt * k2, force)
        k4 = self.derivatives(state + self.dt * k3, force)
        return state + self.dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)

    def failed(self, state: np.ndarray) -> np.ndarray:
        """(B,) bool: the pole fell past theta_limit or the cart left the track."""
        state = np.asarray(state)
        return (np.abs(state[..., 2]) > self.theta_limit) | (np.abs(state[..., 0]) > self.x_limit)

    def observe(self, state: np.ndarray) -> np.ndarray:
        """What a controller sees: (B, 4), or (B, 2) = (x, theta) for observation="positions"."""
        state = np.asarray(state, dtype=float)
        return state[..., [0, 2]] if self.observation == "positions" else state.copy()

    def reset(self, rng: np.random.Generator, batch: int, spread: float = 0.05) -> np.ndarray:
        """(batch, 4) start states, every variable uniform in [-spread, spread]."""
        return rng.uniform(-spread, spread, (batch, 4))

    def energy(self, state: np.ndarray) -> np.ndarray:
        """Kinetic plus potential energy (pivot at height 0), conserved without force."""
        _, x_dot, theta, theta_dot = np.moveaxis(np.asarray(state, dtype=float), -1, 0)
        m, l = self.pole_mass, self.half_length
        return (0.5 * self.total_mass * x_dot ** 2 + m * l * x_dot * theta_dot * np.cos(theta)
                + 0.5 * (4.0 / 3.0) * m * l ** 2 * theta_dot ** 2 + m * self.gravity * l * np.cos(theta))

    def momentum(self, state: np.ndarray) -> np.ndarray:
        """Horizontal momentum of cart and pole, conserved without force."""
        _, x_dot, theta, theta_dot = np.moveaxis(np.asarray(state, dtype=float), -1, 0)
        return self.total_mass * x_dot + self.pole_mass * self.half_length * theta_dot * np.cos(theta)


@dataclass(frozen=True)
class DoublePole:
    """Two poles hinged side by side on a cart (Wieland 1991), with cart-track and pivot friction.

    state = (x, x', theta1, theta1', theta2, theta2'), angles in radians, 0 upright; force > 0 pushes
    the cart to +x. With g = -9.8 (Wieland's sign), for each pole i (half-length l_i, mass m_i):

        effective force  F_i = m_i l_i theta_i'^2 sin(th_i) + 3/4 m_i cos(th_i) (mu_p theta_i' / (m_i l_i) + g sin(th_i))
        effective mass   M_i = m_i (1 - 3/4 cos(th_i)^2)
        x''        = (F - mu_c sgn(x') + sum_i F_i) / (M + sum_i M_i)
        theta_i''  = -3 / (4 l_i) (x'' cos(th_i) + g sin(th_i) + mu_p theta_i' / (m_i l_i))

    stepped by 4th-order Runge-Kutta (the force held over the step)."""

    gravity: float = -9.8
    cart_mass: float = 1.0
    pole_mass: tuple = (0.1, 0.01)
    half_length: tuple = (0.5, 0.05)
    cart_friction: float = 5e-4
    pole_friction: float = 2e-6
    dt: float = 0.01
    max_force: float = 10.0
    x_limit: float = 2.4
    theta_limit: float = 36.0 * np.pi / 180.0
    start_angle: float = 4.5 * np.pi / 180.0

    def derivatives(self, state: np.ndarray, force: np.ndarray) -> np.ndarray:
        """d(state)/dt, (B, 6), for state (B, 6) and force (B,)."""
        state = np.asarray(state, dtype=float)
        rows = self._derivative_rows(tuple(np.moveaxis(state, -1, 0)),
                                     np.broadcast_to(np.asarray(force, dtype=float), state.shape[:-1]))
        return np.stack(rows, axis=-1)

    def _derivative_rows(self, rows, force):
        """The derivatives on the six state rows (each (B,)): a tuple of six (B,) arrays."""
        x, x_dot, th1, th1_dot, th2, th2_dot = rows
        (m1, m2), (l1, l2), g = self.pole_mass, self.half_length, self.gravity
        s1, c1, s2, c2 = np.sin(th1), np.cos(th1), np.sin(th2), np.cos(th2)
        fr1 = (self.pole_friction / (m1 * l1)) * th1_dot
        fr2 = (self.pole_friction / (m2 * l2)) * th2_dot
        f1 = (m1 * l1) * th1_dot * th1_dot * s1 + (0.75 * m1) * c1 * (fr1 + g * s1)
        f2 = (m2 * l2) * th2_dot * th2_dot * s2 + (0.75 * m2) * c2 * (fr2 + g * s2)
        mass = (self.cart_mass + m1 + m2) - (0.75 * m1) * c1 * c1 - (0.75 * m2) * c2 * c2
        x_acc = (force - self.cart_friction * np.sign(x_dot) + f1 + f2) / mass
        a1 = (-0.75 / l1) * (x_acc * c1 + g * s1 + fr1)
        a2 = (-0.75 / l2) * (x_acc * c2 + g * s2 + fr2)
        return x_dot, x_acc, th1_dot, a1, th2_dot, a2

    def step_rows(self, rows, force):
        """One RK4 step on the state's rows (a (6, B) array or six (B,) arrays); force (B,) already
        clipped. Returns a (6, B) array. The fast path of step() for long batched rollouts."""
        h = self.dt
        s0 = np.asarray(rows)
        k1 = np.array(self._derivative_rows(s0, force))
        k2 = np.array(self._derivative_rows(s0 + (0.5 * h) * k1, force))
        k3 = np.array(self._derivative_rows(s0 + (0.5 * h) * k2, force))
        k4 = np.array(self._derivative_rows(s0 + h * k3, force))
        return s0 + (h / 6.0) * (k1 + 2.0 * (k2 + k3) + k4)

    def step(self, state: np.ndarray, force) -> np.ndarray:
        """The state one time step (dt) later, (B, 6); force (B,) or a scalar, clipped to +-max_force."""
        state = np.asarray(state, dtype=float)
        force = np.clip(np.broadcast_to(np.asarray(force, dtype=float), state.shape[:-1]),
                        -self.max_force, self.max_force)
        return np.moveaxis(self.step_rows(np.moveaxis(state, -1, 0), force), 0, -1)

    def failed(self, state: np.ndarray) -> np.ndarray:
        """(B,) bool: a pole past theta_limit or the cart off the track."""
        state = np.asarray(state)
        return ((np.abs(state[..., 0]) > self.x_limit) | (np.abs(state[..., 2]) > self.theta_limit)
                | (np.abs(state[..., 4]) > self.theta_limit))

    def observe(self, state: np.ndarray) -> np.ndarray:
        """The positions only, scaled to about [-1, 1]: (x / 2.4, theta1 / 36 deg, theta2 / 36 deg), (B, 3)."""
        state = np.asarray(state, dtype=float)
        return state[..., [0, 2, 4]] / np.array([self.x_limit, self.theta_limit, self.theta_limit])

    def standard_start(self, batch: int = 1) -> np.ndarray:
        """(batch, 6): the long pole at start_angle, everything else 0."""
        state = np.zeros((batch, 6))
        state[:, 2] = self.start_angle
        return state

    def generalisation_starts(self) -> np.ndarray:
        """(625, 6): x, x', theta1, theta1' each at 0.05, 0.25, 0.5, 0.75, 0.95 of its range
        (x +-2.16 m, x' +-1.35 m/s, theta1 +-3.6 deg, theta1' +-8.6 deg/s), the short pole upright at rest."""
        levels = np.array([0.05, 0.25, 0.5, 0.75, 0.95]) * 2.0 - 1.0         # -0.9 .. 0.9 of the half-range
        extreme = np.array([2.16, 1.35, 3.6 * np.pi / 180.0, 8.6 * np.pi / 180.0])   # the values at 0.05 / 0.95
        grid = np.stack(np.meshgrid(levels, levels, levels, levels, indexing="ij"), -1).reshape(-1, 4) * extreme / 0.9
        state = np.zeros((625, 6))
        state[:, :4] = grid
        return state

    def energy(self, state: np.ndarray) -> np.ndarray:
        """Kinetic plus potential energy of the free, frictionless system (pivots at height 0)."""
        state = np.asarray(state, dtype=float)
        x_dot, th, th_dot = state[..., 1], state[..., 2::2], state[..., 3::2]
        m, l = np.asarray(self.pole_mass), np.asarray(self.half_length)
        kinetic = (0.5 * (self.cart_mass + m.sum()) * x_dot ** 2
                   + (m * l * x_dot[..., None] * th_dot * np.cos(th)).sum(-1)
                   + (0.5 * (4.0 / 3.0) * m * l ** 2 * th_dot ** 2).sum(-1))
        return kinetic - (m * self.gravity * l * np.cos(th)).sum(-1)      # gravity < 0: the height term

    def momentum(self, state: np.ndarray) -> np.ndarray:
        """Horizontal momentum of cart and poles, conserved without force and friction."""
        state = np.asarray(state, dtype=float)
        x_dot, th, th_dot = state[..., 1], state[..., 2::2], state[..., 3::2]
        m, l = np.asarray(self.pole_mass), np.asarray(self.half_length)
        return (self.cart_mass + m.sum()) * x_dot + (m * l * th_dot * np.cos(th)).sum(-1)
