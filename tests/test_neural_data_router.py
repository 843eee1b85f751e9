"""neural-data-router: the geometric attention's scan order and weights against a loop, every hand-written
backward (geometric weights, directional geometric attention, copy gate, the NDR and vanilla layers, the
whole classifier) against central differences in float64, the CTL data by hand, and the verdict rule on
both sides."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.frame.gradcheck import check_gradients

SCRIPT = ROOT / "neural-data-router" / "neural_data_router.py"
ndr = load_module(SCRIPT)


# ----------------------------------------------------------------------------------------
# The layers and the whole classifier
# ----------------------------------------------------------------------------------------


def _setup(kind, seeds=2, d=8, heads=2, depth=3, batch=3):
    rngs = [np.random.default_rng(10 + i) for i in range(seeds)]
    params = ndr.init_params(rngs, kind, d, 2 * d, heads, ndr.N_SYMBOLS + ndr.N_FUNCTIONS + 2, ndr.N_SYMBOLS,
                             dtype=np.float64)
    if kind == "ndr":
        params["bg2"][:] = 0.0          # gates half open: every path of the layer carries gradient
    tables = np.stack([ndr.function_tables(np.random.default_rng(20 + i)) for i in range(seeds)])
    data = [ndr.ctl_batch(np.random.default_rng(30 + i), tables[i], depth, batch) for i in range(seeds)]
    return params, np.stack([x[0] for x in data]), np.stack([x[1] for x in data])


@pytest.mark.parametrize("kind", ["ndr", "vanilla"])
def test_classifier_backward(kind):
    params, tokens, targets = _setup(kind)
    steps, heads = 3, 2

    def loss():
        logits, _ = ndr.forward(params, tokens, kind, steps, heads)
        return float(ndr.cross_entropy(logits, targets)[0].sum())

    logits, cache = ndr.forward(params, tokens, kind, steps, heads)
    grads = ndr.backward(params, cache, ndr.cross_entropy(logits, targets)[1])
    errors = check_gradients(loss, params, grads, max_entries=12, rng=np.random.default_rng(5))
    assert max(errors.values()) < 1e-6, {k: v for k, v in errors.items() if v >= 1e-6}


def test_classifier_backward_with_gate_dropout():
    params, tokens, targets = _setup("ndr")

    def run():
        return ndr.forward(params, tokens, "ndr", 3, 2, gate_drop=0.3, rng=np.random.default_rng(4))

    logits, cache = run()
    grads = ndr.backward(params, cache, ndr.cross_entropy(logits, targets)[1])
    errors = check_gradients(lambda: float(ndr.cross_entropy(run()[0], targets)[0].sum()), params, grads,
                             max_entries=6, rng=np.random.default_rng(6))
    assert max(errors.values()) < 1e-6


def test_seeds_are_independent():
    """Seed s's loss depends on seed s's parameters only."""
    params, tokens, targets = _setup("ndr")
    logits, _ = ndr.forward(params, tokens, "ndr", 3, 2)
    params["Wq"][1] += np.random.default_rng(0).standard_normal(params["Wq"][1].shape)
    logits2, _ = ndr.forward(params, tokens, "ndr", 3, 2)
    np.testing.assert_array_equal(logits[0], logits2[0])
    assert not np.allclose(logits[1], logits2[1])


def test_a_wrong_gradient_is_caught():
    params, tokens, targets = _setup("ndr")
    logits, cache = ndr.forward(params, tokens, "ndr", 2, 2)
    grads = ndr.backward(params, cache, ndr.cross_entropy(logits, targets)[1])
    grads["Wd"][0, 1, 0] *= 1.05

    def loss():
        return float(ndr.cross_entropy(ndr.forward(params, tokens, "ndr", 2, 2)[0], targets)[0].sum())

    assert check_gradients(loss, {"Wd": params["Wd"]}, {"Wd": grads["Wd"]})["Wd"] > 1e-4


# ----------------------------------------------------------------------------------------
# Compositional table lookup
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_ctl_batch_by_hand(direction):
    tables = ndr.function_tables(np.random.default_rng(0))
    assert sorted(tables[3].tolist()) == list(range(8))                 # bijections
    tokens, y = ndr.ctl_batch(np.random.default_rng(1), tables, 4, 50, direction)
    assert tokens.shape == (50, 7)
    sos, eos = 16, 17
    assert (tokens[:, 0] == sos).all() and (tokens[:, -1] == eos).all()
    for row, answer in zip(tokens, y):
        body = row[1:-1] if direction == "forward" else row[1:-1][::-1]
        value = body[0]
        assert value < 8 and all(8 <= f < 16 for f in body[1:])
        for f in body[1:]:
            value = tables[f - 8, value]
        assert value == answer


# ----------------------------------------------------------------------------------------
# The verdict
# ----------------------------------------------------------------------------------------


def _record(ndr_test, vanilla_test):
    rows = [{"seed": i, "ndr_test": a, "vanilla_test": b, "solved": a >= ndr.SOLVED}
            for i, (a, b) in enumerate(zip(ndr_test, vanilla_test))]
    return {"seeds": {"per_seed": rows, "summary": {"n_runs": len(rows)}}}


def test_verdict_reads_the_long_section_when_recorded():
    record = _record([0.4] * 5, [0.3, 0.25, 0.4, 0.2, 0.3])
    record["long"] = _record([1.0, 0.99, 1.0, 0.98, 1.0], [0.3, 0.25, 0.4, 0.2, 0.3])
    assert ndr.verdict(record)["value"] == "yes"
    assert ndr.verdict(_record([0.4] * 5, [0.3, 0.25, 0.4, 0.2, 0.3]))["value"] == "no"


def test_verdict_holds_when_the_ndr_generalises():
    v = ndr.verdict(_record([1.0, 0.99, 1.0, 0.98, 1.0, 1.0, 0.97, 1.0, 1.0, 0.99],
                            [0.3, 0.25, 0.4, 0.2, 0.3, 0.35, 0.3, 0.28, 0.22, 0.31]))
    assert all(c["holds"] for c in v["claims"]), v


def test_verdict_fails_when_the_ndr_does_not():
    v = ndr.verdict(_record([0.4, 0.5, 0.3, 0.6, 0.45, 0.5, 0.4, 0.35, 0.5, 0.42],
                            [0.3, 0.25, 0.4, 0.2, 0.3, 0.35, 0.3, 0.28, 0.22, 0.31]))
    assert not v["claims"][0]["holds"]


def test_verdict_no_gain_over_vanilla():
    same = [0.99, 1.0, 0.98, 1.0, 0.99, 1.0, 0.97, 1.0, 0.99, 1.0]
    other = [1.0, 0.99, 0.99, 0.98, 1.0, 0.99, 0.98, 1.0, 0.98, 1.0]
    v = ndr.verdict(_record(same, other))
    assert v["claims"][0]["holds"] and not v["claims"][1]["holds"]


def test_verdict_pending_below_five_seeds():
    assert ndr.verdict(_record([1.0] * 4, [0.3] * 4))["value"] == "pending"
