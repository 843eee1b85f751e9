"""The cart-pole of Barto, Sutton & Anderson (1983) in its frictionless form, batched.

The constants every later paper, Schmidhuber 1990 included, took over: g 9.8, cart 1.0 kg, pole
0.1 kg, half-length 0.5 m, dt 0.02 s, force +-10 N; failure at |theta| > 12 degrees or |x| > 2.4 m.
``CartPole.step(state (B, 4), force (B,))`` advances B carts by one time step (``method``: "euler",
the explicit Euler step of the 1983 simulation, or "rk4"); ``observe(state)`` gives all four
variables or, with ``observation="positions"``, only (x, theta): the non-Markov pole.
``energy``/``momentum``: the conserved quantities of the free system (tests).

state = (x, x_dot, theta, theta_dot), theta in radians, 0 upright, positive clockwise; force > 0
pushes the cart to +x.
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
