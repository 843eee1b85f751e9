"""The shared LSTM family and the vanilla RNN: exact BPTT, shapes, and parameter counts."""

from __future__ import annotations

import numpy as np
import pytest

from shared.frame.gradcheck import check_gradients
from shared.networks.recurrent import BLSTM, LSTM, RNN, VARIANTS

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


# -- inputs, initial state, the truncated gradient, masks, one step at a time ----------------------

@pytest.mark.parametrize("variant", ["V", "NP", "CIFG", "NOAF", "LSTM1997", "FORGET2000", "FGR"])
@pytest.mark.parametrize("readout", ["all", "last"])
def test_gradients_with_respect_to_inputs_and_initial_state(variant, readout):
    """input_grad (B, T, D) and initial_state_grad (dh0, dc0): what stacking and closed loops need."""
    rng = np.random.default_rng(3)
    model = LSTM(D, 4, O, variant=variant, block_size=2, readout=readout, init_scale=0.8, rng=0)
    wrt = {"x": rng.normal(size=(B, T, D)), "h0": rng.normal(size=(B, 4)), "c0": rng.normal(size=(B, 4))}
    dy = rng.normal(size=model.forward(wrt["x"]).shape)

    def loss():
        return float(np.sum(model.forward(wrt["x"], initial_state=(wrt["h0"], wrt["c0"])) * dy))

    loss()
    model.backward(dy)
    analytic = {"x": model.input_grad, "h0": model.initial_state_grad[0], "c0": model.initial_state_grad[1]}
    errors = check_gradients(loss, wrt, analytic)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("variant", ["LSTM1997", "FORGET2000", "NP", "V"])
@pytest.mark.parametrize("block_size", [1, 2])
def test_the_truncated_gradient_is_the_gradient_of_its_stop_gradient_twin(variant, block_size):
    """truncated=True: error reaching a unit's net input changes its weights but does not flow into
    h_{t-1}. Its exact reference: the loss with h_{t-1} held fixed where U multiplies it."""
    rng = np.random.default_rng(4)
    model = LSTM(D, 4, O, variant=variant, block_size=block_size, truncated=True, init_scale=0.8, rng=1)
    for value in model.params.values():
        value[...] = rng.normal(0, 0.5, value.shape)
    x = rng.normal(size=(B, T, D))
    dy = rng.normal(size=(B, T, O))
    model.forward(x)
    held = np.ascontiguousarray(model.cache["hs"][:-1].transpose(1, 0, 2))     # h_{t-1}, (B, T, H)
    grads = model.backward(dy)

    def twin():
        return float(np.sum(model.forward(x, recurrent_input=held) * dy))

    errors = check_gradients(twin, model.params, grads, max_entries=24)
    assert max(errors.values()) < 1e-6, errors
    full = LSTM(D, 4, O, variant=variant, block_size=block_size, rng=1)
    for name, value in model.params.items():
        full.params[name][...] = value
    full.forward(x)
    assert not np.allclose(full.backward(dy)["U"], grads["U"])             # the truncation is real
    assert np.all(model.initial_state_grad[0] == 0.0)


def test_truncation_is_refused_where_it_is_not_defined():
    with pytest.raises(ValueError, match="not FGR"):
        LSTM(D, H, O, variant="FGR", truncated=True)
    with pytest.raises(ValueError, match="True or False"):
        LSTM(D, H, O, truncated=1)


def test_masked_connections_stay_absent():
    """masks: a block-structured U (two groups that do not see each other); masked weights do nothing in
    the forward, start at 0, get no gradient, and Adam leaves them at 0; the gradients are exact."""
    from shared.networks.optim import Adam
    model = LSTM(D, 4, O, variant="FORGET2000", block_size=2, rng=0)
    mask = np.ones_like(model.params["U"], dtype=bool)
    for cols in model.columns.values():       # cells 0-1 (block 0) and 2-3 (block 1) do not see each other
        width = cols.stop - cols.start
        per = width // 2
        mask[:2, cols.start + per: cols.stop] = False
        mask[2:, cols.start: cols.start + per] = False
    model = LSTM(D, 4, O, variant="FORGET2000", block_size=2, masks={"U": mask}, rng=0)
    assert np.all(model.params["U"][~mask] == 0.0)
    errors = gradient_errors(model)             # draws every weight, the masked ones too: they do nothing
    assert max(errors.values()) < 1e-6, errors
    model.params["U"] *= mask
    optimizer = Adam(model.params, lr=0.1)
    x = np.random.default_rng(0).normal(size=(B, T, D))
    for _ in range(3):
        y = model.forward(x)
        grads = model.backward(y)
        assert np.all(grads["U"][~mask] == 0.0)
        optimizer.step(grads)
    assert np.all(model.params["U"][~mask] == 0.0)
    with pytest.raises(ValueError, match="mask of U"):
        LSTM(D, 4, O, masks={"U": mask[:2]})
    with pytest.raises(ValueError, match="masks apply"):
        LSTM(D, 4, O, masks={"V": np.ones((4, O), bool)})


@pytest.mark.parametrize("variant", ["V", "LSTM1997", "CIFG"])
def test_stepping_one_input_at_a_time_is_the_forward_pass(variant):
    rng = np.random.default_rng(5)
    model = LSTM(D, 4, O, variant=variant, block_size=2, init_scale=0.8, rng=0)
    x = rng.normal(size=(B, T, D))
    whole = model.forward(x).copy()
    state, outputs = None, []
    for t in range(T):
        y, state = model.step(x[:, t], state)
        outputs.append(y)
    np.testing.assert_allclose(np.stack(outputs, axis=1), whole, rtol=0, atol=1e-13)


@pytest.mark.parametrize("variant,block_size", [("NP", 1), ("NP", 2), ("V", 1)])
def test_advance_is_step_without_the_cache(variant, block_size):
    rng = np.random.default_rng(6)
    model = LSTM(D, 4, O, variant=variant, block_size=block_size, init_scale=0.8, rng=0)
    x = rng.normal(size=(B, D))
    state = (rng.normal(0, 0.5, (B, 4)), rng.normal(0, 0.5, (B, 4)))
    h, c = model.advance(x, state)
    _, (h_ref, c_ref) = model.step(x, state)
    np.testing.assert_allclose(h, h_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c, c_ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("lengths", [None, np.array([4, 2])])
def test_blstm_gradients_with_respect_to_parameters_and_inputs(lengths):
    from shared.frame.gradcheck import numerical_gradient, relative_error
    rng = np.random.default_rng(0)
    model = BLSTM(2, 3, 2, rng=1, variant="V", init_scale=0.5)
    x = rng.normal(size=(2, 4, 2))
    weights = rng.normal(size=(2, 4, 2))
    if lengths is not None:
        weights *= np.arange(4)[None, :, None] < lengths[:, None, None]   # a loss on the real steps only

    def loss():
        return float(np.sum(model.forward(x, lengths) * weights))

    model.forward(x, lengths)
    grads = model.backward(weights)
    assert set(grads) == set(model.params) and "backward.c" not in grads
    errors = check_gradients(loss, model.params, grads)
    assert max(errors.values()) < 1e-6, errors
    assert relative_error(model.input_grad, numerical_gradient(loss, x)) < 1e-6


def test_blstm_reads_each_sequence_both_ways_within_its_length():
    rng = np.random.default_rng(2)
    model = BLSTM(2, 3, 1, rng=3, init_scale=0.5)
    x = rng.normal(size=(2, 5, 2))
    lengths = np.array([3, 5])
    y = model.forward(x, lengths)
    # the backward direction is an LSTM run on the reversed sequence
    backward_only = model.backward_lstm.forward(x[:1, 2::-1])[0, ::-1]
    forward_only = model.forward_lstm.forward(x[:1, :3])[0]
    np.testing.assert_allclose(y[0, :3], forward_only + backward_only, atol=1e-12)
    # padding changes no real step's output; the first output sees the last real input
    padded = x.copy()
    padded[0, 3:] = 100.0
    np.testing.assert_allclose(model.forward(padded, lengths)[0, :3], y[0, :3], atol=1e-12)
    later = x.copy()
    later[1, 4] += 1.0
    assert abs(model.forward(later, lengths)[1, 0, 0] - y[1, 0, 0]) > 1e-6
    with pytest.raises(ValueError, match="every step"):
        BLSTM(2, 3, 1, readout="last")
