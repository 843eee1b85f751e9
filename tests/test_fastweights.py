"""shared.networks.fastweights: the sum rule's attention form against the explicit writes (linear attention is a
fast-weight programmer), the delta rule's known answers, and both backwards against numerical gradients."""

from __future__ import annotations

import numpy as np
import pytest

from shared.networks.fastweights import fast_weight_backward, fast_weight_forward
from shared.frame.gradcheck import check_gradients


def inputs(seed: int, batch: int = 2, steps: int = 5, d_key: int = 3, d_val: int = 4):
    rng = np.random.default_rng(seed)
    return {"keys": rng.normal(size=(batch, steps, d_key)), "values": rng.normal(size=(batch, steps, d_val)),
            "queries": rng.normal(size=(batch, steps, d_key)), "beta": rng.uniform(0.1, 0.9, (batch, steps)),
            "initial": 0.3 * rng.normal(size=(batch, d_val, d_key))}


def explicit_writes(x: dict, rule: str):
    """The fast-weight programmer written out: one write, then one read, per step."""
    fast, reads = x["initial"].copy(), []
    for t in range(x["keys"].shape[1]):
        k, v, b = x["keys"][:, t], x["values"][:, t], x["beta"][:, t, None]
        written = v if rule == "sum" else v - np.einsum("bij,bj->bi", fast, k)
        fast = fast + (b * written)[:, :, None] * k[:, None, :]
        reads.append(np.einsum("bij,bj->bi", fast, x["queries"][:, t]))
    return np.stack(reads, axis=1), fast


@pytest.mark.parametrize("rule", ["sum", "delta"])
def test_reads_and_final_matrix_are_the_step_by_step_writes(rule):
    x = inputs(0)
    reads, final, _ = fast_weight_forward(x["keys"], x["values"], x["queries"], x["beta"], rule, x["initial"])
    want_reads, want_final = explicit_writes(x, rule)
    np.testing.assert_allclose(reads, want_reads, atol=1e-12)
    np.testing.assert_allclose(final, want_final, atol=1e-12)


def test_unit_strength_delta_rule_replaces_the_value_of_a_key():
    keys = np.eye(3)[[0, 1, 0]][None]                  # key 0 written twice
    values = np.array([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]])
    _, final, _ = fast_weight_forward(keys, values, beta=np.ones((1, 3)), rule="delta")
    np.testing.assert_allclose(final[0] @ np.eye(3)[0], [5.0, 6.0], atol=1e-12)    # the new value, not the sum
    np.testing.assert_allclose(final[0] @ np.eye(3)[1], [3.0, 4.0], atol=1e-12)
    _, summed, _ = fast_weight_forward(keys, values)
    np.testing.assert_allclose(summed[0] @ np.eye(3)[0], [6.0, 8.0], atol=1e-12)   # the sum rule superimposes


@pytest.mark.parametrize("rule", ["sum", "delta"])
@pytest.mark.parametrize("with_queries", [True, False])
def test_backward_passes_the_numerical_check(rule, with_queries):
    x = inputs(1)
    rng = np.random.default_rng(2)
    w_reads = rng.normal(size=(2, 5, 4))
    w_final = rng.normal(size=(2, 4, 3))
    queries = x["queries"] if with_queries else None

    def loss():
        reads, final, _ = fast_weight_forward(x["keys"], x["values"], queries, x["beta"], rule, x["initial"])
        total = float(np.sum(np.sin(final) * w_final))
        return total + (float(np.sum(np.sin(reads) * w_reads)) if with_queries else 0.0)

    reads, final, cache = fast_weight_forward(x["keys"], x["values"], queries, x["beta"], rule, x["initial"])
    grads = fast_weight_backward(cache, np.cos(reads) * w_reads if with_queries else None, np.cos(final) * w_final)
    names = ["keys", "values", "beta", "initial"] + (["queries"] if with_queries else [])
    errors = check_gradients(loss, {k: x[k] for k in names}, {k: grads[k] for k in names})
    assert max(errors.values()) < 1e-6, errors
    if not with_queries:
        assert grads["queries"] is None


def test_sum_rule_without_strengths_or_initial_matrix():
    x = inputs(3)
    reads, final, cache = fast_weight_forward(x["keys"], x["values"], x["queries"])
    np.testing.assert_allclose(final, np.einsum("bti,btj->bij", x["values"], x["keys"]), atol=1e-12)
    grads = fast_weight_backward(cache, np.ones_like(reads))
    assert grads["beta"] is None and grads["keys"].shape == x["keys"].shape


def test_bad_rule_or_missing_strengths_are_refused():
    x = inputs(4)
    with pytest.raises(ValueError, match="rule"):
        fast_weight_forward(x["keys"], x["values"], rule="hebb")
    with pytest.raises(ValueError, match="beta"):
        fast_weight_forward(x["keys"], x["values"], rule="delta")
