"""Optimizers shared by every stub: SGD (momentum), Adam, AdamW, Prodigy; clipping; step decay.

An optimizer holds references to a dict of parameter arrays and updates them in place from a
dict of gradients with the same keys. Per-parameter state lives in ``state[name]`` so that it
can be saved, restored, or carried over when a parameter changes shape.
"""

from __future__ import annotations

import math

import numpy as np

from shared.frame.checks import number


def global_norm(grads: dict[str, np.ndarray]) -> float:
    return math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))


def clip_global_norm(grads: dict[str, np.ndarray], max_norm: float) -> float:
    """Scale all gradients in place so their joint L2 norm is at most ``max_norm``; return the norm before."""
    norm = global_norm(grads)
    if norm > max_norm > 0:
        scale = max_norm / (norm + 1e-6)
        for g in grads.values():
            g *= scale
    return norm


def step_decay(base_lr: float, step: int, every: int, factor: float) -> float:
    """The learning rate after ``step`` steps when it is multiplied by ``factor`` every ``every`` steps."""
    return base_lr * factor ** (step // every) if every > 0 else base_lr


class Optimizer:
    """Base class: parameter references, per-name state, decoupled weight-decay mask."""

    def __init__(self, params: dict[str, np.ndarray], lr: float, weight_decay: float = 0.0,
                 no_decay: set[str] | frozenset = frozenset()):
        lr, weight_decay = number("lr", lr), number("weight_decay", weight_decay)
        self.params = params
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)
        self.no_decay = set(no_decay)
        self.state: dict[str, dict[str, np.ndarray]] = {}
        self.step_count = 0

    def decay_rate(self, name: str) -> float:
        return 0.0 if name in self.no_decay else self.weight_decay

    def step(self, grads: dict[str, np.ndarray]) -> None:
        self.step_count += 1
        for name, grad in grads.items():
            self._update(name, self.params[name], grad)

    def _update(self, name, param, grad):
        raise NotImplementedError

    def state_dict(self) -> dict:
        return {"kind": type(self).__name__, "lr": self.lr, "step_count": self.step_count,
                "state": {n: {k: v.copy() for k, v in s.items()} for n, s in self.state.items()}}

    def load_state_dict(self, saved: dict) -> None:
        kind = saved.get("kind", type(self).__name__)
        if kind != type(self).__name__:
            raise ValueError(f"optimizer state of {kind} cannot be loaded into {type(self).__name__}")
        self.lr = float(saved["lr"])
        self.step_count = int(saved["step_count"])
        self.state = {n: {k: np.array(v) for k, v in s.items()} for n, s in saved["state"].items()}


class SGD(Optimizer):
    """Plain or momentum SGD; weight decay as L2 added to the gradient."""

    def __init__(self, params, lr: float, momentum: float = 0.0, weight_decay: float = 0.0,
                 no_decay=frozenset()):
        super().__init__(params, lr, weight_decay, no_decay)
        self.momentum = float(momentum)

    def _update(self, name, param, grad):
        g = grad + self.decay_rate(name) * param if self.decay_rate(name) else grad
        if self.momentum:
            velocity = self.state.setdefault(name, {"velocity": np.zeros_like(param)})["velocity"]
            velocity *= self.momentum
            velocity += g
            g = velocity
        param -= self.lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction; weight decay, if any, as L2 in the gradient."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, no_decay=frozenset()):
        super().__init__(params, lr, weight_decay, no_decay)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self._scratch: dict[str, np.ndarray] = {}

    def _step_direction(self, name, param, grad):
        """lr * m_hat / (sqrt(v_hat) + eps), computed in a scratch array (no allocations)."""
        s = self.state.setdefault(name, {"m": np.zeros_like(param), "v": np.zeros_like(param)})
        m, v = s["m"], s["v"]
        scratch = self._scratch.setdefault(name, np.empty_like(param))
        m *= self.beta1
        np.multiply(grad, 1 - self.beta1, out=scratch)
        m += scratch
        v *= self.beta2
        np.multiply(grad, grad, out=scratch)
        scratch *= 1 - self.beta2
        v += scratch
        np.sqrt(v, out=scratch)
        scratch *= 1.0 / math.sqrt(1 - self.beta2 ** self.step_count)
        scratch += self.eps
        np.divide(m, scratch, out=scratch)
        scratch *= self.lr / (1 - self.beta1 ** self.step_count)
        return scratch

    def _update(self, name, param, grad):
        if self.decay_rate(name):
            grad = grad + self.decay_rate(name) * param
        param -= self._step_direction(name, param, grad)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p -= lr * wd * p before the Adam step."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01, no_decay=frozenset()):
        super().__init__(params, lr, betas, eps, weight_decay, no_decay)

    def _update(self, name, param, grad):
        if self.decay_rate(name):
            param *= 1 - self.lr * self.decay_rate(name)
        param -= self._step_direction(name, param, grad)


class Prodigy(Optimizer):
    """Prodigy (Mishchenko & Defazio 2023): Adam whose step size D is estimated on the fly.

    D grows from ``d0`` towards an estimate of the distance to the solution,
    sum_k <g_k, x_0 - x_k> / ||s||_1 with s an exponential sum of gradients, so ``lr`` stays 1.
    Follows the reference algorithm's defaults (no bias correction, no safeguard warm-up).
    """

    def __init__(self, params, lr: float = 1.0, betas=(0.9, 0.999), beta3: float | None = None,
                 eps: float = 1e-8, weight_decay: float = 0.0, no_decay=frozenset(), d0: float = 1e-6,
                 d_coef: float = 1.0, growth_rate: float = math.inf):
        super().__init__(params, lr, weight_decay, no_decay)
        self.beta1, self.beta2 = betas
        self.beta3 = math.sqrt(self.beta2) if beta3 is None else beta3
        self.eps, self.d0, self.d_coef, self.growth_rate = eps, d0, d_coef, growth_rate
        self.d = d0
        self.d_max = d0
        self.d_numerator = 0.0

    def step(self, grads):
        self.step_count += 1
        d, dlr = self.d, self.d * self.lr
        self.d_numerator *= self.beta3
        d_denominator = 0.0
        for name, grad in grads.items():
            param = self.params[name]
            s = self.state.setdefault(name, {"m": np.zeros_like(param), "v": np.zeros_like(param),
                                             "s": np.zeros_like(param), "p0": param.copy()})
            self.d_numerator += (d / self.d0) * dlr * float(np.vdot(grad, s["p0"] - param))
            s["m"] *= self.beta1
            s["m"] += d * (1 - self.beta1) * grad
            s["v"] *= self.beta2
            s["v"] += d * d * (1 - self.beta2) * grad * grad
            s["s"] *= self.beta3
            s["s"] += (d / self.d0) * dlr * grad
            d_denominator += float(np.abs(s["s"]).sum())
        if d_denominator == 0:
            return
        d_hat = self.d_coef * self.d_numerator / d_denominator
        if self.d == self.d0:
            self.d = max(self.d, d_hat)
        self.d_max = max(self.d_max, d_hat)
        self.d = min(self.d_max, self.d * self.growth_rate)
        for name in grads:
            param, s = self.params[name], self.state[name]
            if self.decay_rate(name):
                param -= self.decay_rate(name) * dlr * param
            param -= dlr * s["m"] / (np.sqrt(s["v"]) + self.d * self.eps)

    def state_dict(self):
        return {**super().state_dict(), "d": self.d, "d_max": self.d_max, "d_numerator": self.d_numerator}

    def load_state_dict(self, saved):
        super().load_state_dict(saved)
        self.d, self.d_max, self.d_numerator = float(saved["d"]), float(saved["d_max"]), float(saved["d_numerator"])
