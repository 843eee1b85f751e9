"""The shared LSTM family and the vanilla RNN: exact BPTT, shapes, and parameter counts."""

from __future__ import annotations

import numpy as np
import pytest

from shared.gradcheck import check_gradients
from shared.recurrent import LSTM, RNN, VARIANTS

D, H, O, B, T = 3, 4, 2, 2, 5


def gradient_errors(model, readout_lengths=None, initial_state=None, seed=0):
    rng = np.random.default_rng(seed)
    for name, value in model.params.items():           # large enough weights that every path matters
        value[...] = rng.normal(0, 0.5, value.shape)
    x = rng.normal(0, 1, (B, T, D))
    y = model.forward(x, lengths=readout_lengths, initial_state=initial_state)
    dy = rng.normal(0, 1, y.shape)

    def loss():
        return float(np.sum(model.forward(x, lengths=readout_lengths, initial_state=initial_state) * dy))

    loss()
    grads = model.backward(dy)
    return check_gradients(loss, model.params, grads, max_entries=24)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("readout", ["all", "last"])
def test_every_variant_has_exact_gradients(variant, readout):
    errors = gradient_errors(LSTM(D, H, O, variant=variant, readout=readout, rng=0))
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("variant", ["V", "CIFG", "FGR", "LSTM1997"])
def test_memory_blocks_sharing_gates(variant):
    model = LSTM(D, 6, O, variant=variant, block_size=3, rng=0)
    assert model.params["b"].size == len(model.gates) * 2 + 6
    errors = gradient_errors(model)
    assert max(errors.values()) < 1e-6, errors


def test_lengths_and_initial_state():
    model = LSTM(D, H, O, variant="V", readout="last", rng=0)
    rng = np.random.default_rng(1)
    state = (rng.normal(size=(B, H)), rng.normal(size=(B, H)))
    errors = gradient_errors(model, readout_lengths=np.array([3, 5]), initial_state=state)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("readout", ["all", "last"])
def test_rnn_gradients(readout):
    errors = gradient_errors(RNN(D, H, O, readout=readout, rng=0))
    assert max(errors.values()) < 1e-6, errors


def test_shapes():
    x = np.zeros((B, T, D))
    assert LSTM(D, H, O, rng=0).forward(x).shape == (B, T, O)
    assert LSTM(D, H, O, readout="last", rng=0).forward(x).shape == (B, O)
    assert RNN(D, H, O, rng=0).forward(x).shape == (B, T, O)
    model = LSTM(D, H, O, rng=0)
    model.forward(x)
    assert model.cache["cs"].shape == (T + 1, B, H) and model.cache["gates"]["forget"].shape == (T, B, H)


def lstm_count(gates, peepholes, fgr, d=D, h=H, o=O):
    width = gates * h + h
    return d * width + h * width + width + (gates * h if peepholes else 0) + ((gates * h) ** 2 if fgr else 0) \
        + h * o + o


@pytest.mark.parametrize("variant,gates,peepholes,fgr", [
    ("V", 3, True, False), ("NIG", 2, True, False), ("NFG", 2, True, False), ("NOG", 2, True, False),
    ("NIAF", 3, True, False), ("NOAF", 3, True, False), ("NP", 3, False, False), ("CIFG", 2, True, False),
    ("FGR", 3, True, True), ("LSTM1997", 2, False, False), ("FORGET2000", 3, False, False)])
def test_parameter_counts_follow_the_definitions(variant, gates, peepholes, fgr):
    model = LSTM(D, H, O, variant=variant, rng=0)
    assert model.num_params == lstm_count(gates, peepholes, fgr)
    if variant == "CIFG":
        assert "p_input" not in model.params and model.columns.keys() == {"forget", "output", "cell"}


def test_variant_behaviour():
    x = np.random.default_rng(0).normal(size=(B, T, D))
    for name, gate, value in (("NIG", "input", 1.0), ("NFG", "forget", 1.0), ("NOG", "output", 1.0)):
        model = LSTM(D, H, O, variant=name, rng=0)
        model.forward(x)
        assert np.all(model.cache["gates"][gate] == value)
    cifg = LSTM(D, H, O, variant="CIFG", rng=0)
    cifg.forward(x)
    np.testing.assert_allclose(cifg.cache["gates"]["input"], 1 - cifg.cache["gates"]["forget"])
    noaf = LSTM(D, H, O, variant="NOAF", rng=0)
    noaf.forward(x)
    np.testing.assert_array_equal(noaf.cache["cell_out"], noaf.cache["cs"][1:])


def test_1997_cell_is_a_constant_error_carousel():
    """Without a forget gate, a closed input gate keeps the cell state exactly."""
    model = LSTM(D, H, O, variant="LSTM1997", rng=0, gate_bias={"input": -1e3})
    model.forward(np.ones((B, T, D)), initial_state=(np.zeros((B, H)), np.full((B, H), 0.7)))
    np.testing.assert_allclose(model.cache["cs"], 0.7, atol=1e-12)


def test_gate_bias_per_block():
    model = LSTM(D, 4, O, variant="LSTM1997", block_size=2, gate_bias={"output": [-1.0, -2.0]}, rng=0)
    assert model.params["b"][model.columns["output"]].tolist() == [-1.0, -2.0]
    assert model.params["b"][model.columns["input"]].tolist() == [0.0, 0.0]
    with pytest.raises(ValueError):
        LSTM(D, 5, O, block_size=2)


def test_a_wrong_peephole_gradient_is_caught():
    model = LSTM(D, H, O, variant="V", rng=0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(B, T, D))
    dy = rng.normal(size=(B, T, O))
    loss = lambda: float(np.sum(model.forward(x) * dy))  # noqa: E731
    loss()
    grads = model.backward(dy)
    grads["p_forget"][1] *= 1.01
    assert check_gradients(loss, {"p_forget": model.params["p_forget"]}, grads)["p_forget"] > 1e-3


@pytest.mark.parametrize("make, message", [
    (lambda: LSTM(3, 4, 1, variant="XYZ"), "unknown variant 'XYZ'"),
    (lambda: LSTM(3, 0, 1), "hidden_size must be an integer >= 1"),
    (lambda: LSTM(3, 2.5, 1), "hidden_size must be an integer"),
    (lambda: LSTM(0, 4, 1), "input_size must be an integer >= 1"),
    (lambda: LSTM(3, 4, 1, init_scale=float("nan")), "init_scale"),
    (lambda: LSTM(3, 4, 1, variant=7), "variant must be"),
    (lambda: RNN(3, 0, 1), "hidden_size must be an integer >= 1"),
    (lambda: RNN(3, True, 1), "hidden_size must be an integer"),
    (lambda: RNN(3, 4, -1), "output_size"),
])
def test_bad_constructor_arguments_name_themselves(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("model", [LSTM(3, 4, 2, rng=0), RNN(3, 4, 2, rng=0)])
def test_bad_inputs_name_the_expected_shape(model):
    for x in (np.zeros((2, 5, 4)), np.zeros((5, 3)), np.zeros((2, 0, 3)), np.array([["a"]])):
        with pytest.raises(ValueError, match=r"x must|real numbers"):
            model.forward(x)
    x = np.zeros((2, 5, 3))
    with pytest.raises(ValueError, match="lengths must be 2 integers"):
        model.forward(x, lengths=[5.0, 2.5])
    model.forward(x)
    with pytest.raises(ValueError, match="dy must have the shape"):
        model.backward(np.zeros((2, 5, 3)))


def test_initial_states_must_have_their_layout():
    lstm, rnn = LSTM(3, 4, 1, rng=0), RNN(3, 4, 1, rng=0)
    x = np.zeros((2, 5, 3))
    with pytest.raises(ValueError, match="a pair"):
        lstm.forward(x, initial_state=np.zeros((2, 2, 4)))       # one array, not (h0, c0)
    with pytest.raises(ValueError, match="h0 must have shape"):
        lstm.forward(x, initial_state=(np.zeros((4, 2)), np.zeros((2, 4))))   # right size, wrong layout
    with pytest.raises(ValueError, match="initial_state must have shape"):
        rnn.forward(x, initial_state=np.zeros(8))
    lstm.forward(x, initial_state=(np.zeros((2, 4)), np.ones((2, 4))))
    rnn.forward(x, initial_state=np.ones((2, 4)))
