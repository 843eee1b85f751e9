"""Fast weights programmed by a slow net: the sum rule (Schmidhuber 1992) and the delta rule
(Schlag, Irie & Schmidhuber 2021), with their exact backward through every write.

Schmidhuber (1992), "Learning to control fast-weight memories", Neural Computation 4(1): a slow net
emits at each step a FROM pattern k_t and a TO pattern v_t; the fast weight matrix W (dv, dk) of
a second net changes by their outer product, W_t = W_{t-1} + v_t k_t^T, and the fast net maps an
input q to W q. Schlag, Irie & Schmidhuber (2021), "Linear Transformers are secretly fast weight
programmers" (ICML): with the reads y_t = W_t q_t at every step this is causal linear attention;
their delta rule writes what the memory does not yet hold,
W_t = W_{t-1} + beta_t (v_t - W_{t-1} k_t) k_t^T, with a write strength beta_t in [0, 1] from the
slow net (fixed, learned or absent).

- ``fast_weight_forward(keys (B, T, dk), values (B, T, dv), queries=None | (B, T, dk), beta=None | (B, T),
  rule="sum" | "delta", initial=None | (B, dv, dk))`` -> reads (B, T, dv) (None without queries), the
  final matrix (B, dv, dk), cache. The read at step t comes after the t-th write. ``beta`` scales
  every write (a write gate for the sum rule; required by the delta rule).
- ``fast_weight_backward(cache, d_reads=None, d_final=None)`` -> gradients keyed like the inputs:
  ``keys``, ``values``, ``queries`` (None without queries), ``beta`` (None without beta),
  ``initial``.

The sum rule's reads are computed in the attention form (tril(Q K^T) V plus the initial matrix's
read), the delta rule step by step; tests/test_fastweights.py checks the attention form against the
explicit step-by-step writes (the equivalence of the 2021 paper) and both backwards numerically.
"""

from __future__ import annotations

import numpy as np


def fast_weight_forward(keys: np.ndarray, values: np.ndarray, queries: np.ndarray | None = None,
                        beta: np.ndarray | None = None, rule: str = "sum", initial: np.ndarray | None = None):
    """Write T (key, value) pairs into a fast weight matrix, reading it with each step's query."""
    if rule not in ("sum", "delta"):
        raise ValueError(f"rule must be 'sum' or 'delta', got {rule!r}")
    if rule == "delta" and beta is None:
        raise ValueError("the delta rule needs write strengths beta (B, T)")
    batch, steps, d_key = keys.shape
    d_val = values.shape[2]
    w0 = np.zeros((batch, d_val, d_key)) if initial is None else initial
    cache = {"rule": rule, "keys": keys, "values": values, "queries": queries, "beta": beta, "initial": w0}
    if rule == "sum":
        scaled = values if beta is None else values * beta[..., None]           # what is written at t
        final = np.einsum("bti,btj->bij", scaled, keys)                          # sum over t of v_t k_t^T
        if initial is not None:
            final = final + initial
        reads = None
        if queries is not None:
            scores = np.tril(queries @ np.swapaxes(keys, 1, 2))                  # (B, T, T): q_t . k_s, s <= t
            reads = scores @ scaled + queries @ np.swapaxes(w0, 1, 2)
            cache["scores"] = scores
        cache["scaled"] = scaled
        return reads, final, cache
    fast = w0
    before, errors, reads = [], [], []
    for t in range(steps):
        before.append(fast)
        error = values[:, t] - np.einsum("bij,bj->bi", fast, keys[:, t])        # v_t - W_{t-1} k_t
        fast = fast + (beta[:, t, None] * error)[:, :, None] * keys[:, t, None, :]
        errors.append(error)
        if queries is not None:
            reads.append(np.einsum("bij,bj->bi", fast, queries[:, t]))
    cache.update(before=before, errors=errors, final=fast)
    return (np.stack(reads, axis=1) if queries is not None else None), fast, cache


def fast_weight_backward(cache: dict, d_reads: np.ndarray | None = None, d_final: np.ndarray | None = None) -> dict:
    """Gradients of a loss through the reads (d_reads (B, T, dv)) and the final matrix (d_final (B, dv, dk))."""
    keys, values, queries, beta, w0 = (cache[k] for k in ("keys", "values", "queries", "beta", "initial"))
    batch, steps, d_key = keys.shape
    d_val = values.shape[2]
    d_fast = np.zeros((batch, d_val, d_key)) if d_final is None else d_final
    reading = queries is not None and d_reads is not None
    grads = {"queries": np.zeros_like(queries) if queries is not None else None,
             "beta": np.zeros_like(beta) if beta is not None else None}
    if cache["rule"] == "sum":
        scaled = cache["scaled"]
        d_scaled = np.einsum("bij,btj->bti", d_fast, keys)                      # W = sum_t s_t k_t^T
        d_keys = np.einsum("bij,bti->btj", d_fast, scaled)
        d_initial = d_fast.copy()
        if reading:
            d_scores = np.tril(d_reads @ np.swapaxes(scaled, 1, 2))             # reads = tril(Q K^T) S + Q W0^T
            d_scaled = d_scaled + np.swapaxes(cache["scores"], 1, 2) @ d_reads
            grads["queries"] = d_scores @ keys + d_reads @ w0
            d_keys = d_keys + np.swapaxes(d_scores, 1, 2) @ queries
            d_initial = d_initial + np.swapaxes(d_reads, 1, 2) @ queries
        if beta is None:
            d_values = d_scaled
        else:
            d_values = d_scaled * beta[..., None]
            grads["beta"] = np.sum(d_scaled * values, axis=2)
        grads.update(keys=d_keys, values=d_values, initial=d_initial)
        return grads
    before, errors = cache["before"], cache["errors"]
    d_values, d_keys = np.zeros_like(values), np.zeros_like(keys)
    for t in reversed(range(steps)):
        if reading:                                                             # y_t = W_t q_t, W_t after write t
            after = before[t + 1] if t + 1 < steps else cache["final"]
            d_fast = d_fast + d_reads[:, t, :, None] * queries[:, t, None, :]
            grads["queries"][:, t] = np.einsum("bij,bi->bj", after, d_reads[:, t])
        kt, bt, et = keys[:, t], beta[:, t, None], errors[t]
        du = np.einsum("bij,bj->bi", d_fast, kt)            # W_t = W_{t-1} + u k^T, u = beta (v - W_{t-1} k)
        d_keys[:, t] = np.einsum("bij,bi->bj", d_fast, bt * et)
        grads["beta"][:, t] = np.sum(du * et, axis=1)
        d_values[:, t] = bt * du
        dr = -bt * du                                       # r = W_{t-1} k
        d_keys[:, t] += np.einsum("bij,bi->bj", before[t], dr)
        d_fast = d_fast + dr[:, :, None] * kt[:, None, :]
    grads.update(keys=d_keys, values=d_values, initial=d_fast)
    return grads
