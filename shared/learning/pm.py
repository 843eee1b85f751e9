"""Predictability minimization (Schmidhuber 1992, "Learning factorial codes by predictability
minimization", Neural Computation 4(6):863-879): a layer of code units y (B, n) and, for each unit i,
a predictor P_i that sees the other n-1 units and is trained to minimise sum_p (P_i^p - y_i^p)^2
(the paper's eq. 1, Sec. 2), so that it approximates E(y_i | {y_k, k != i}). The code units are
trained to maximise the same sum, V_C: each unit escapes its predictor only by coding a property
of the input that the other units do not, which drives the code toward a factorial one.

    bank = PredictorBank(n_codes=8, hidden=0, rng=rng)     # one linear-logistic predictor per unit
    pred, cache = bank.forward(code)                        # code (B, n) -> pred (B, n)
    V, d_code, d_pred = predictability(code, pred)          # V = sum_i mean_p (P_i - y_i)^2
    grads, d_code_via_inputs = bank.backward(cache, d_pred) # grads keyed like bank.params
    # predictors: descend grads; code units: ascend d_code (+ d_code_via_inputs) through the encoder

- ``PredictorBank(n_codes, hidden, rng, output="logistic" | "linear", init_scale=1.0)``: the n
  predictors in one tensor. Predictor i: inputs y with unit i masked out (it never sees its own
  unit), ``hidden`` tanh units (0: no hidden layer, as in the 1996 semilinear PM paper's experiments;
  the 1992 paper's predictors had 2-6 hidden units, its Sec. on experiments, IDSIA node15), one output
  through ``output``. Params "W1" (n, n, h)
  and "b1" (n, h), "W2" (n, h), "b2" (n,) with a hidden layer; "W" (n, n) and "b" (n,) without.
  The masked diagonal stays exactly zero (its gradient is zero).
- ``predictability(code (B, n), pred (B, n))`` -> (V, dV/dcode (direct path), dV/dpred): V_C with
  the sum over patterns replaced by the batch mean. The code units' full gradient of V_C adds the
  path through the predictors' inputs, ``bank.backward(cache, dV/dpred)[1]``.
- ``code_variance(code (B, n))`` -> (sum_i VAR(y_i), its gradient): the term whose maximisation keeps
  units from settling on a constant (the binary criterion's companion; V_C is, for perfect
  predictors, sum_i VAR(y_i) - sum_i VAR(P_i), the paper's Sec. 2 remark credited to Dayan, Zemel
  and Pouget).
"""

from __future__ import annotations

import numpy as np

OUTPUTS = ("logistic", "linear")


def _logistic(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class PredictorBank:
    """n predictors, predictor i mapping {y_k : k != i} to an estimate of y_i; vectorised over units."""

    def __init__(self, n_codes: int, hidden: int, rng: np.random.Generator, output: str = "logistic",
                 init_scale: float = 1.0):
        if n_codes < 2:
            raise ValueError(f"predictability minimization needs at least 2 code units, got {n_codes}")
        if hidden < 0:
            raise ValueError(f"hidden must be >= 0, got {hidden}")
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
        self.n_codes, self.hidden, self.output = int(n_codes), int(hidden), output
        # mask[i, k] = 1 when predictor i may read unit k
        self.mask = 1.0 - np.eye(self.n_codes)
        bound = init_scale / np.sqrt(self.n_codes - 1)
        if self.hidden:
            self.params = {
                "W1": rng.uniform(-bound, bound, (self.n_codes, self.n_codes, self.hidden))
                * self.mask[:, :, None],
                "b1": np.zeros((self.n_codes, self.hidden)),
                "W2": rng.uniform(-init_scale, init_scale, (self.n_codes, self.hidden)) / np.sqrt(self.hidden),
                "b2": np.zeros(self.n_codes),
            }
        else:
            self.params = {"W": rng.uniform(-bound, bound, (self.n_codes, self.n_codes)) * self.mask,
                           "b": np.zeros(self.n_codes)}

    def forward(self, code: np.ndarray) -> tuple[np.ndarray, dict]:
        """code (B, n) -> (pred (B, n), cache)."""
        code = np.asarray(code, dtype=float)
        if code.ndim != 2 or code.shape[1] != self.n_codes:
            raise ValueError(f"code must have shape (B, {self.n_codes}), got {code.shape}")
        p = self.params
        cache = {"code": code}
        if self.hidden:
            W1 = p["W1"] * self.mask[:, :, None]
            hidden = np.tanh(np.einsum("bk,ikh->bih", code, W1) + p["b1"])
            z = np.einsum("bih,ih->bi", hidden, p["W2"]) + p["b2"]
            cache["hidden"] = hidden
        else:
            z = code @ (p["W"] * self.mask).T + p["b"]
        pred = _logistic(z) if self.output == "logistic" else z
        cache["pred"] = pred
        return pred, cache

    def __call__(self, code: np.ndarray) -> np.ndarray:
        return self.forward(code)[0]

    def backward(self, cache: dict, d_pred: np.ndarray) -> tuple[dict, np.ndarray]:
        """dL/dpred (B, n) -> (grads keyed like params, dL/dcode (B, n) through the predictors' inputs)."""
        p, code, pred = self.params, cache["code"], cache["pred"]
        d_z = d_pred * pred * (1.0 - pred) if self.output == "logistic" else d_pred
        if self.hidden:
            hidden = cache["hidden"]
            W1 = p["W1"] * self.mask[:, :, None]
            d_hidden = d_z[:, :, None] * p["W2"][None] * (1.0 - hidden * hidden)
            grads = {"W1": np.einsum("bk,bih->ikh", code, d_hidden) * self.mask[:, :, None],
                     "b1": d_hidden.sum(axis=0),
                     "W2": np.einsum("bi,bih->ih", d_z, hidden),
                     "b2": d_z.sum(axis=0)}
            d_code = np.einsum("bih,ikh->bk", d_hidden, W1)
        else:
            W = p["W"] * self.mask
            grads = {"W": (d_z.T @ code) * self.mask, "b": d_z.sum(axis=0)}
            d_code = d_z @ W
        return grads, d_code


def predictability(code: np.ndarray, pred: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """V = sum_i mean_p (P_i - y_i)^2 -> (V, dV/dcode on the direct path, dV/dpred); code, pred (B, n)."""
    error = pred - code
    batch = len(code)
    value = float(np.sum(error * error) / batch)
    return value, -2.0 * error / batch, 2.0 * error / batch


def code_variance(code: np.ndarray) -> tuple[float, np.ndarray]:
    """sum_i VAR(y_i) over the batch -> (value, d value / d code (B, n))."""
    centred = code - code.mean(axis=0)
    batch = len(code)
    # the mean's own derivative cancels: sum_p (y_p - mean) = 0
    return float(np.sum(centred * centred) / batch), 2.0 * centred / batch
