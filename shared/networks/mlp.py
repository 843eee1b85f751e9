"""A small multilayer perceptron with a hand-written backward pass, for value functions, critics,
models and evaluators.

    mlp = MLP([4, 16, 2], rng=np.random.default_rng(0))        # 4 inputs, 16 tanh units, 2 linear outputs
    y, cache = mlp.forward(x)                                    # x (..., 4) -> y (..., 2)
    grads, d_x = mlp.backward(cache, d_y)                        # gradients keyed like mlp.params; dL/dx (..., 4)

Hidden layers use ``activation`` ("tanh", "relu" or "logistic"); the output layer is linear. Weights
start uniform in +-1/sqrt(fan-in) (``init_scale`` times that), biases at 0. Any leading axes of x are
batch axes; ``backward`` sums the parameter gradients over them and returns dL/dx of x's shape, which
is how a critic's gradient with respect to an action, or a frozen model's with respect to its inputs,
is taken.
"""

from __future__ import annotations

import numpy as np

ACTIVATIONS = {
    "tanh": (np.tanh, lambda a: 1.0 - a * a),
    "relu": (lambda z: np.maximum(z, 0.0), lambda a: (a > 0).astype(float)),
    "logistic": (lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), lambda a: a * (1.0 - a)),
}


class MLP:
    """``sizes`` = [inputs, hidden..., outputs]; params "W0", "b0", "W1", ... with W_i (sizes[i], sizes[i+1])."""

    def __init__(self, sizes, rng: np.random.Generator, activation: str = "tanh", init_scale: float = 1.0):
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must list at least inputs and outputs, all >= 1, got {sizes}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.sizes, self.activation = [int(s) for s in sizes], activation
        self.params = {}
        for i, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            bound = init_scale / np.sqrt(fan_in)
            self.params[f"W{i}"] = rng.uniform(-bound, bound, (fan_in, fan_out))
            self.params[f"b{i}"] = np.zeros(fan_out)

    @property
    def layers(self) -> int:
        return len(self.sizes) - 1

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list]:
        """x (..., inputs) -> (y (..., outputs), cache: the layers' inputs and hidden activations)."""
        x = np.asarray(x, dtype=float)
        if x.shape[-1] != self.sizes[0]:
            raise ValueError(f"x must end in {self.sizes[0]} features, got shape {x.shape}")
        f, _ = ACTIVATIONS[self.activation]
        inputs, a = [], x
        for i in range(self.layers):
            inputs.append(a)
            z = a @ self.params[f"W{i}"] + self.params[f"b{i}"]
            a = z if i == self.layers - 1 else f(z)
        return a, inputs

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)[0]

    def backward(self, cache: list, d_y: np.ndarray) -> tuple[dict, np.ndarray]:
        """d_y (..., outputs) -> (gradients keyed like params, summed over the batch axes; dL/dx (..., inputs))."""
        _, df = ACTIVATIONS[self.activation]
        grads, d = {}, np.asarray(d_y, dtype=float)
        for i in range(self.layers - 1, -1, -1):
            a_in = cache[i]
            flat_in, flat_d = a_in.reshape(-1, a_in.shape[-1]), d.reshape(-1, d.shape[-1])
            grads[f"W{i}"] = flat_in.T @ flat_d
            grads[f"b{i}"] = flat_d.sum(axis=0)
            d = d @ self.params[f"W{i}"].T
            if i > 0:
                d = d * df(a_in)
        return grads, d
