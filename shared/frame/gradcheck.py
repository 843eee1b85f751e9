"""Numerical gradient checking for hand-written backward passes.

Every test of a backward pass in this catalog goes through :func:`check_gradients`: five-point
central differences in float64 on a scalar loss, compared with the analytic gradient entry by
entry. With r = 2 eps |L| / h, the round-off of the difference quotient of the loss L, the
relative error of an entry is max(|a - n| - r, 0) / max(|a|, |n|, 0.01 max|n|, r): differences
within round-off are no error, and entries far below the parameter's largest gradient are judged
against 1% of it, since finite differences cannot resolve them relatively while a wrong backward
pass shows up at the scale of the large entries.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def numerical_gradient(loss: Callable[[], float], array: np.ndarray, step: float = 1e-5,
                       indices=None) -> np.ndarray:
    """Five-point central-difference gradient of ``loss()`` with respect to ``array``.

    (f(x-2h) - 8 f(x-h) + 8 f(x+h) - f(x+2h)) / 12h: truncation error O(h^4), so steep
    recurrent losses are resolved without shrinking h into round-off. ``array`` is perturbed
    in place and restored; ``indices`` limits the work to some flat positions (others stay 0).
    """
    grad = np.zeros_like(array, dtype=np.float64)
    flat = array.reshape(-1)
    positions = range(flat.size) if indices is None else indices
    for i in positions:
        saved = flat[i]
        values = []
        for offset in (-2, -1, 1, 2):
            flat[i] = saved + offset * step
            values.append(loss())
        flat[i] = saved
        grad.reshape(-1)[i] = (values[0] - 8 * values[1] + 8 * values[2] - values[3]) / (12 * step)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray, noise: float = 0.0) -> float:
    """max over entries of max(|a - n| - noise, 0) / max(|a|, |n|, 0.01 max|n|, noise, 1e-300)."""
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    if not analytic.size:
        return 0.0
    floor = max(1e-2 * float(np.max(np.abs(numeric))), noise, 1e-300)
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
    return float(np.max(np.maximum(np.abs(analytic - numeric) - noise, 0.0) / scale))


def check_gradients(loss: Callable[[], float], params: dict[str, np.ndarray], grads: dict[str, np.ndarray],
                    steps: tuple[float, ...] = (3e-3, 1e-4, 1e-5), max_entries: int | None = None,
                    rng: np.random.Generator | None = None,
                    entries: dict[str, np.ndarray] | None = None) -> dict[str, float]:
    """Relative error per parameter between ``grads`` and central differences of ``loss``.

    Each parameter is differenced at every step size in ``steps`` and keeps its best agreement:
    a kink (ReLU) needs a small step, a loss large beside its gradients a larger one, and a
    wrong analytic gradient disagrees at every step. ``params`` are perturbed in place (and restored). ``entries`` restricts a parameter to some
    flat positions (e.g. the off-diagonal of a matrix whose diagonal is structurally zero).
    With ``max_entries``, a random subset of at most that many positions is checked.
    """
    errors = {}
    rng = rng or np.random.default_rng(0)
    entries = entries or {}
    scale = loss()
    for name, array in params.items():
        if array.dtype != np.float64:
            raise TypeError(f"gradient checks need float64; {name} is {array.dtype}")
        indices = entries.get(name)
        if max_entries is not None:
            pool = np.arange(array.size) if indices is None else np.asarray(indices)
            if pool.size > max_entries:
                indices = np.sort(rng.choice(pool, size=max_entries, replace=False))
        analytic = np.asarray(grads[name], dtype=np.float64)
        if indices is not None:
            analytic = analytic.reshape(-1)[indices]
        best = np.inf
        for step in steps:
            numeric = numerical_gradient(loss, array, step, indices)
            if indices is not None:
                numeric = numeric.reshape(-1)[indices]
            noise = 2 * np.finfo(np.float64).eps * max(abs(scale), 1.0) / step
            best = min(best, relative_error(analytic, numeric, noise))
        errors[name] = best
    return errors


def gradcheck_report(errors: dict[str, float], tolerance: float = 1e-6) -> int:
    """Print every named relative error and the largest, for a stub's ``--gradcheck``; returns the
    exit status (0 when every error is at most ``tolerance``, else 1)."""
    width = max(len(name) for name in errors)
    for name, error in errors.items():
        print(f"  {name:{width}s} {error:.2e}")
    worst = max(errors.values())
    print(f"max relative error {worst:.2e} ({'ok' if worst <= tolerance else 'FAILED'})")
    return 0 if worst <= tolerance else 1
