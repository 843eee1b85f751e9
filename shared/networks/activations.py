"""Elementwise activation functions with their derivatives, for hand-written backward passes.

``ACTIVATIONS[name] = (f, df)`` where ``y = f(x)`` and ``df(x, y)`` is dy/dx elementwise; ``df``
receives the output too, so that tanh and sigmoid need no second evaluation. Names follow
PyTorch's: ``gelu`` is the exact (erf) form, ``gelu_tanh`` the tanh approximation,
``leaky_relu`` has slope 0.01, ``none`` and ``identity`` pass values through. The 1997 LSTM's
squashing functions are ``bipolar_sigmoid`` (2 sigmoid(x) - 1, range (-1, 1)) and
``bipolar_sigmoid_2`` (4 sigmoid(x) - 2, range (-2, 2)).
"""

from __future__ import annotations

import math

import numpy as np

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2 = math.sqrt(2.0)
_GELU_TANH_C = math.sqrt(2.0 / math.pi)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, vectorized, to within about 1e-15 (numpy has none).

    |x| <= 2: the everywhere-positive series erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (2n+1)!!
    (no cancellation); |x| > 2: erfc from its continued fraction, evaluated back to front.
    """
    x = np.asarray(x)
    magnitude = np.abs(x)
    small = magnitude <= 2.0
    xs = np.where(small, magnitude, 0.0)
    term = xs.copy()
    total = xs.copy()
    two_x2 = 2.0 * xs * xs
    for n in range(1, 45):
        term = term * two_x2 / (2 * n + 1)
        total = total + term
    series = (2.0 / _SQRT_PI) * np.exp(-xs * xs) * total
    xl = np.where(small, 3.0, magnitude)
    fraction = xl.copy()
    for k in range(60, 0, -1):
        fraction = xl + (0.5 * k) / fraction
    tail = np.exp(-xl * xl) / (_SQRT_PI * fraction)
    return np.sign(x) * np.where(small, series, 1.0 - tail)


def _sigmoid(x):
    # exp of a non-positive number only: no overflow warnings for large |x|
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _gelu(x):
    return 0.5 * x * (1.0 + erf(x / _SQRT_2))


def _gelu_grad(x, y):
    cdf = 0.5 * (1.0 + erf(x / _SQRT_2))
    return cdf + x * np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(_GELU_TANH_C * (x + 0.044715 * x ** 3)))


def _gelu_tanh_grad(x, y):
    t = np.tanh(_GELU_TANH_C * (x + 0.044715 * x ** 3))
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _GELU_TANH_C * (1.0 + 3 * 0.044715 * x * x)


def _silu(x):
    return x * _sigmoid(x)


def _silu_grad(x, y):
    s = _sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


def _identity(x):
    return x


def _ones(x, y):
    return np.ones_like(x)


ACTIVATIONS = {
    "tanh": (np.tanh, lambda x, y: 1.0 - y * y),
    "sigmoid": (_sigmoid, lambda x, y: y * (1.0 - y)),
    "relu": (lambda x: np.maximum(x, 0.0), lambda x, y: (x > 0).astype(x.dtype)),
    "leaky_relu": (lambda x: np.where(x > 0, x, 0.01 * x), lambda x, y: np.where(x > 0, 1.0, 0.01).astype(x.dtype)),
    "gelu": (_gelu, _gelu_grad),
    "gelu_tanh": (_gelu_tanh, _gelu_tanh_grad),
    "silu": (_silu, _silu_grad),
    # 2 sigma(x) - 1 = tanh(x / 2): one transcendental call, and no cancellation near 0
    "bipolar_sigmoid": (lambda x: np.tanh(0.5 * x), lambda x, y: 0.5 * (1.0 - y * y)),
    "bipolar_sigmoid_2": (lambda x: 2.0 * np.tanh(0.5 * x), lambda x, y: 0.25 * (2.0 - y) * (2.0 + y)),
    "none": (_identity, _ones),
    "identity": (_identity, _ones),
}


def activation(name: str):
    """(f, df) for a name; a clear error for an unknown one."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}") from None
