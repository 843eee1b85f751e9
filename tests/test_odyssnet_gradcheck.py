"""Exact gradients of the numpy OdyssNet: every mode, activation, gate form and Hebbian variant.

Each case randomises every parameter (so gates, norms and Hebbian gains are all active),
draws an input of the mode's kind, and compares model.backward with five-point central
differences of L = sum(all_states * G1) + sum(final_state * G2) (float64, relative error < 1e-6).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from shared.networks.activations import ACTIVATIONS, erf
from shared.frame.gradcheck import check_gradients
from shared.networks.odyssnet import OdyssNet

BATCH = 2


def randomize(model: OdyssNet, rng: np.random.Generator) -> None:
    for name, value in model.params.items():
        if name == "W":
            value[...] = rng.normal(0, 0.4, value.shape)
            np.fill_diagonal(value, 0.0)
        elif name.endswith("_scale") or name.endswith("norm.weight"):
            value[...] = 1 + rng.normal(0, 0.2, value.shape)
        elif name.endswith("_gate"):
            value[...] = 0.5 + rng.normal(0, 0.3, value.shape)
        elif name.endswith("_hebb_factor"):
            value[...] = -1 + rng.normal(0, 0.3, value.shape)
        elif name.endswith("_hebb_decay"):
            value[...] = 1.5 + rng.normal(0, 0.3, value.shape)
        else:
            value[...] = rng.normal(0, 0.4, value.shape)


def make_input(model: OdyssNet, kind: str, rng, length: int = 3):
    n = model.num_neurons
    if kind == "state":
        x = np.zeros((BATCH, n))
        x[:, model.input_ids] = rng.normal(0, 1, (BATCH, model.input_ids.size))
        return x
    if kind == "sequence":
        x = np.zeros((BATCH, length, n))
        x[..., model.input_ids] = rng.normal(0, 1, (BATCH, length, model.input_ids.size))
        return x
    if kind == "index":
        return rng.integers(-1, model.input_ids.size, (BATCH, length))
    if kind == "tokens":
        return rng.integers(0, model.v_in, (BATCH, length))
    if kind == "features":
        return rng.normal(0, 1, (BATCH, length, model.v_in))
    if kind == "feature_state":
        return rng.normal(0, 1, (BATCH, model.v_in))
    raise ValueError(kind)


def gradient_errors(ctor: dict, kind: str, steps: int, forward_kwargs=None, warm=False, seed=0, skip=()):
    rng = np.random.default_rng(seed)
    model = OdyssNet(**ctor, rng=seed)
    randomize(model, rng)
    x = make_input(model, kind, rng)
    state = rng.normal(0, 0.5, (BATCH, model.num_neurons)) if warm else None
    buffers = {k: rng.normal(0, 0.1, v.shape) * (1 - np.eye(v.shape[0]) if v.ndim == 2 else 1) if warm
               else np.zeros_like(v) for k, v in model.buffers.items()}
    forward_kwargs = forward_kwargs or {}
    all_states, final_state = model.forward(x, steps, current_state=state, **forward_kwargs)
    g1, g2 = rng.normal(0, 1, all_states.shape), rng.normal(0, 1, final_state.shape)

    def loss():
        for name, value in model.buffers.items():
            value[...] = buffers[name]
        model.rng = np.random.default_rng(123)          # the same dropout mask at every evaluation
        out, fin = model.forward(x, steps, current_state=state, **forward_kwargs)
        return float(np.sum(out * g1) + np.sum(fin * g2))

    loss()
    grads = model.backward(g1, g2)
    off_diagonal = np.flatnonzero(~np.eye(model.num_neurons, dtype=bool))
    params = {k: v for k, v in model.params.items() if k not in skip}
    return check_gradients(loss, params, grads, entries={"W": off_diagonal}, max_entries=12,
                           ), grads


BASE = {"num_neurons": 5, "input_ids": [0, 1], "output_ids": [3, 4]}
CASES = {
    # input modes and output collection
    "pulse_state": (dict(BASE), "state", 4, {}),
    "stream_state": (dict(BASE, pulse_mode=False), "state", 4, {}),
    "sequence_pulse": (dict(BASE), "sequence", 5, {}),
    "sequence_stream_ratio2": (dict(BASE, pulse_mode=False), "sequence", 7, {}),
    "index_pulse": (dict(BASE), "index", 6, {}),
    "index_stream": (dict(BASE, pulse_mode=False), "index", 6, {}),
    "tokens_discrete": (dict(BASE, vocab_size=7, vocab_mode="discrete"), "tokens", 6, {}),
    "tokens_hybrid_tied": (dict(BASE, vocab_size=6, tie_embeddings=True), "tokens", 6, {}),
    "features_stream_asym": (dict(BASE, vocab_size=[6, 3], vocab_mode="continuous", pulse_mode=False),
                             "features", 6, {}),
    "feature_state_pulse": (dict(BASE, vocab_size=[6, -1], vocab_mode="continuous"), "feature_state", 4, {}),
    "last_step_only": (dict(BASE, pulse_mode=False), "state", 5, {"return_sequence": False}),
    "dropout": (dict(BASE, dropout_rate=0.3), "state", 4, {}),
    # gate forms on every branch
    "gates_sigmoid": (dict(BASE, gate="sigmoid"), "state", 4, {}),
    "gates_identity": (dict(BASE, gate="identity"), "state", 4, {}),
    "gates_mixed": (dict(BASE, gate=["tanh", "sigmoid", "none"]), "state", 4, {}),
    # encoder/decoder and memory activations
    "activation_layout": (dict(BASE, activation=["tanh", "silu", "sigmoid"], vocab_size=[6, 4]), "features", 5, {}),
}
for name in ACTIVATIONS:
    CASES[f"core_{name}"] = (dict(BASE, activation=name, pulse_mode=False), "state", 4, {})
for hebb_type in ("temporal", "spatial", "both"):
    for res in ("global", "neuron", "synapse"):
        CASES[f"hebb_{hebb_type}_{res}"] = (dict(BASE, hebb_type=hebb_type, hebb_res=res, pulse_mode=False),
                                            "state", 4, {})


@pytest.mark.parametrize("case", sorted(CASES))
def test_gradients_are_exact(case):
    ctor, kind, steps, forward_kwargs = CASES[case]
    # With one Hebbian path and a global rate, the rate scales the whole trace, and the read-out's
    # RMSNorm divides it out again: its true gradient is zero up to epsilon (checked below).
    skip = {f"{ctor['hebb_type'][0]}_hebb_factor"} if ctor.get("hebb_res") == "global" and \
        ctor.get("hebb_type") in ("temporal", "spatial") else set()
    errors, grads = gradient_errors(ctor, kind, steps, forward_kwargs, skip=skip)
    assert max(errors.values()) < 1e-6, errors
    for name in skip:
        assert abs(float(grads[name])) < 1e-8


def test_warm_start_with_traces_and_state():
    ctor = dict(BASE, hebb_type="both", hebb_res="neuron", pulse_mode=False)
    errors, _ = gradient_errors(ctor, "state", 5, warm=True)
    assert max(errors.values()) < 1e-6, errors


def test_w_gradient_diagonal_is_zero():
    _, grads = gradient_errors(dict(BASE), "state", 3)
    assert np.all(np.diag(grads["W"]) == 0)


def test_erf_matches_the_standard_library():
    import math
    xs = np.linspace(-7, 7, 20001)
    assert np.max(np.abs(erf(xs) - np.array([math.erf(v) for v in xs]))) < 3e-15


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivatives(name):
    f, df = ACTIVATIONS[name]
    x = np.linspace(-3, 3, 601) + 1e-3              # off the kinks of relu/leaky_relu
    numeric = (f(x + 1e-6) - f(x - 1e-6)) / 2e-6
    np.testing.assert_allclose(df(x, f(x)), numeric, rtol=1e-6, atol=1e-8)


def test_bipolar_sigmoids_are_the_1997_squashing_functions():
    """bipolar_sigmoid = 2 sigma - 1 and bipolar_sigmoid_2 = 4 sigma - 2 (the 1997 paper's h and g)."""
    x = np.linspace(-40, 40, 8001)
    sigma = np.array([1.0 / (1.0 + math.exp(-v)) for v in x])
    np.testing.assert_allclose(ACTIVATIONS["bipolar_sigmoid"][0](x), 2 * sigma - 1, rtol=0, atol=4e-16)
    np.testing.assert_allclose(ACTIVATIONS["bipolar_sigmoid_2"][0](x), 4 * sigma - 2, rtol=0, atol=8e-16)


@pytest.mark.parametrize("case", ["stream_state", "sequence_stream_ratio2", "features_stream_asym",
                                  "feature_state_pulse", "hebb_both_neuron"])
def test_input_gradient_is_exact(case):
    """backward also gives dL/dx (a model inside a larger differentiable loop needs it)."""
    from shared.frame.gradcheck import numerical_gradient
    ctor, kind, steps, forward_kwargs = CASES[case]
    rng = np.random.default_rng(5)
    model = OdyssNet(**ctor, rng=5)
    randomize(model, rng)
    x = make_input(model, kind, rng)
    out, fin = model.forward(x, steps, **forward_kwargs)
    g1, g2 = rng.normal(0, 1, out.shape), rng.normal(0, 1, fin.shape)

    def loss():
        model.reset_state()
        o, f = model.forward(x, steps, **forward_kwargs)
        return float(np.sum(o * g1) + np.sum(f * g2))

    loss()
    model.backward(g1, g2)
    analytic = model.input_grad.copy()
    numeric = numerical_gradient(loss, x, 1e-5)
    if kind in ("state", "sequence"):    # only the input neurons' columns carry an input
        analytic, numeric = analytic[..., model.input_ids], numeric[..., model.input_ids]
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)
