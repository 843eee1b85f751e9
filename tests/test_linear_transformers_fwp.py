"""linear-transformers-fwp: DPFP and its backward, the equivalence of linear attention and the fast weight
programmer, the delta rule's writes against shared.networks.fastweights, the retrieval model's hand-written
backward, the data of the two settings, a task learned, and the verdict rule on both sides."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.networks.fastweights import fast_weight_backward, fast_weight_forward
from shared.frame.gradcheck import check_gradients

SCRIPT = ROOT / "linear-transformers-fwp" / "linear_transformers_fwp.py"
lt = load_module(SCRIPT)


def test_feature_widths():
    assert lt.d_dot("dpfp3", 64) == 384 and lt.d_dot("linear", 64) == 64


# ----------------------------------------------------------------------------------------
# The equivalence (Sec. 3) and the delta rule (Sec. 4.2)
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("phi", ["linear", "dpfp1", "dpfp3"])
def test_linear_attention_is_the_fast_weight_programmer(phi):
    eq = lt.equivalence(np.random.default_rng(3), trials=5, phi=phi)
    assert eq["max_rel_diff"] < 1e-12 and eq["max_rel_diff_normalised"] < 1e-12


def test_delta_write_matches_shared_fastweights():
    rng = np.random.default_rng(5)
    keys, values, beta = rng.random((3, 7, 4)), rng.standard_normal((3, 7, 2)), rng.random((3, 7))
    d_final = rng.standard_normal((3, 2, 4))
    ours, cache = lt.delta_write(keys, values, beta)
    _, theirs, their_cache = fast_weight_forward(keys, values, beta=beta, rule="delta")
    np.testing.assert_allclose(ours, theirs, atol=1e-13)
    a, b = lt.delta_write_backward(cache, d_final), fast_weight_backward(their_cache, d_final=d_final)
    for name in ("keys", "values", "beta"):
        np.testing.assert_allclose(a[name], b[name], atol=1e-12)


def test_delta_rule_with_unit_strength_replaces_a_keys_value():
    """Known answer: orthonormal keys, beta = 1: the memory holds each key's latest value exactly,
    where the sum rule holds the sum of all values written under it."""
    keys = np.eye(3)[[0, 1, 0, 2, 1]][None]
    values = np.random.default_rng(0).standard_normal((1, 5, 4))
    w, _ = lt.delta_write(keys, values, np.ones((1, 5)))
    np.testing.assert_allclose(w[0] @ np.eye(3)[0], values[0, 2], atol=1e-14)
    np.testing.assert_allclose(w[0] @ np.eye(3)[1], values[0, 4], atol=1e-14)
    summed = np.swapaxes(values, 1, 2) @ keys
    np.testing.assert_allclose(summed[0] @ np.eye(3)[0], values[0, 0] + values[0, 2])


@pytest.mark.parametrize("phi,rule,replace", [("softmax", "sum", False), ("linear", "sum", False),
                                              ("dpfp2", "sum", False), ("dpfp1", "delta", True),
                                              ("linear", "delta", True)])
def test_retriever_backward(phi, rule, replace):
    model = lt.Retriever(5, 4, phi, rule, np.random.default_rng(1))
    data = lt.batch(np.random.default_rng(2), 5, 3, replace)
    _, dy, cache, _ = model.loss(*data)
    grads = model.backward(cache, dy)
    errors = check_gradients(lambda: model.loss(*data)[0], model.params, grads)
    assert max(errors.values()) < 1e-6


def test_retriever_refuses_softmax_with_the_delta_rule():
    with pytest.raises(ValueError):
        lt.Retriever(4, 4, "softmax", "delta", np.random.default_rng(0))


# ----------------------------------------------------------------------------------------
# Data (the authors' loader) and a task learned
# ----------------------------------------------------------------------------------------


def test_setting_one_uses_every_key_and_value_once():
    keys, values, query, target = lt.batch(np.random.default_rng(0), 6, 50, replace=False)
    assert keys.shape == (50, 6)
    assert np.all(np.sort(keys, axis=1) == np.arange(6)) and np.all(np.sort(values, axis=1) == np.arange(6))
    for k, v, q, t in zip(keys, values, query, target):
        assert v[list(k).index(q)] == t


def test_setting_two_asks_for_the_latest_value():
    keys, values, query, target = lt.batch(np.random.default_rng(1), 4, 200, replace=True)
    assert keys.shape == (200, 8)
    for k, v, q, t in zip(keys, values, query, target):
        last = max(i for i in range(8) if k[i] == q)
        assert v[last] == t
    k, v, q, t = lt.all_queries(np.random.default_rng(2), 4, replace=True)
    assert sorted(q) == sorted(set(k[0])) and len(q) == len(k)


def test_softmax_attention_learns_a_small_retrieval():
    out = lt.train(4, 4, "softmax", "sum", False, seed=0, max_steps=1500)
    assert out["final_loss"] < 0.01


def test_same_seed_same_numbers():
    a = lt.train(4, 4, "dpfp1", "delta", True, seed=3, max_steps=200)
    b = lt.train(4, 4, "dpfp1", "delta", True, seed=3, max_steps=200)
    assert a["curve"] == b["curve"]


# ----------------------------------------------------------------------------------------
# The verdict rule
# ----------------------------------------------------------------------------------------


def synthetic_record(delta=0.05, sum_=0.3, lin=0.3, d1=0.1, d3=0.05, soft=0.001, eq=1e-16, n=10):
    rng = np.random.default_rng(0)

    def noisy(value):
        return float(value * np.exp(0.05 * rng.standard_normal()))

    rows = [{"seed": i, "solved": True, **{f"delta_S{s}": noisy(delta) for s in lt.UPDATE_GRID},
             **{f"sum_S{s}": noisy(sum_) for s in lt.UPDATE_GRID}} for i in range(n)]

    def section(value):
        return {"command": "x", "seeds": {"summary": {"n_runs": n},
                                          "per_seed": [{f"loss_S{s}": noisy(value) for s in lt.CAPACITY_GRID}
                                                       for _ in range(n)]}}

    return {"seeds": {"summary": {"n_runs": n}, "per_seed": rows}, "headline": {"equivalence_max_rel_diff": eq},
            "capacity_linear": section(lin), "capacity_dpfp1": section(d1), "capacity_dpfp3": section(d3),
            "capacity_softmax": section(soft)}


def test_verdict_yes_when_every_claim_holds():
    assert lt.verdict(synthetic_record())["value"] == "yes"


def test_verdict_partial_when_a_capacity_claim_fails():
    verdict = lt.verdict(synthetic_record(d3=0.1))
    assert verdict["value"] == "partial" and "nu=3" in verdict["reason"]


def test_verdict_no_when_the_delta_rule_does_not_win():
    assert lt.verdict(synthetic_record(delta=0.3))["value"] == "no"


def test_verdict_no_when_the_equivalence_fails():
    assert lt.verdict(synthetic_record(eq=1e-6))["value"] == "no"


def test_verdict_pending_without_enough_seeds_or_sections():
    assert lt.verdict(synthetic_record(n=5))["value"] == "pending"
    record = synthetic_record()
    del record["capacity_softmax"]
    assert lt.verdict(record)["value"] == "pending"


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--grid", "a,b"], ["--grid", "1"], ["--phi", "dpfp2"], ["--max-steps", "0"]])
def test_bad_input_is_one_line_and_exit_two(args):
    out = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=ROOT,
                         timeout=60)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1


# ----------------------------------------------------------------------------------------
# Setting 3 (ours): the multi-layer causal linear Transformer
# ----------------------------------------------------------------------------------------


def test_recall_batch_asks_for_the_latest_value():
    keys, values, asked, target = lt.recall_batch(np.random.default_rng(4), 20)
    assert not asked[:, :4].any() and asked.any()
    for b in range(20):
        latest = {}
        for t in range(keys.shape[1]):
            if asked[b, t]:
                assert values[b, t] == 8 and target[b, t] == latest[keys[b, t]]
            else:
                latest[keys[b, t]] = values[b, t]
                assert target[b, t] == -1


@pytest.mark.parametrize("phi,rule", [("dpfp1", "delta"), ("linear", "sum"), ("dpfp2", "sum"), ("linear", "delta")])
def test_linear_transformer_backward(phi, rule):
    # two blocks, as small as they come (518 weights): every entry is differenced three times
    model = lt.LinearTransformer(8, 4, 2, 2, phi, rule, np.random.default_rng(0))
    data = lt.recall_batch(np.random.default_rng(1), 2, steps=8)
    _, d_logits, cache, _ = model.loss(*data)
    grads = model.backward(cache, d_logits)
    errors = check_gradients(lambda: model.loss(*data)[0], model.params, grads)
    assert max(errors.values()) < 1e-6


def test_linear_transformer_is_causal():
    model = lt.LinearTransformer(8, 6, 3, 2, "dpfp1", "delta", np.random.default_rng(0))
    keys, values, _, _ = lt.recall_batch(np.random.default_rng(1), 2, steps=10)
    logits, _ = model.forward(keys, values)
    keys2, values2 = keys.copy(), values.copy()
    keys2[:, 6:] = (keys2[:, 6:] + 1) % 8
    values2[:, 6:] = (values2[:, 6:] + 3) % 8
    logits2, _ = model.forward(keys2, values2)
    np.testing.assert_allclose(logits[:, :6], logits2[:, :6])
    assert not np.allclose(logits[:, 6:], logits2[:, 6:])
