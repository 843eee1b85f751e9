"""OdyssNet's construction: defaults, initialisations, parameter sets, float32, debug mode."""

from __future__ import annotations

import numpy as np
import pytest

from shared.frame.gradcheck import check_gradients
from shared.networks.odyssnet import OdyssNet, init_array
from shared.networks.odyssnet.network import ELEMENT_INITS, MATRIX_INITS


def test_defaults_follow_the_documentation():
    model = OdyssNet(10, [0, 1], [9], rng=0)
    assert model.weight_init == ["quiet", "resonant", "quiet", "zero"]
    assert model.activation == ["none", "tanh", "tanh", "none"]
    assert model.gate == ["none", "none", "identity"]
    assert set(model.params) == {"W", "B", "memory_feedback", "input_scale", "output_scale", "memory_gate",
                                 "norm.weight"}
    assert not model.params["memory_gate"].any()            # memory feedback starts closed
    assert np.all(np.diag(model.params["W"]) == 0)
    assert np.linalg.norm(model.params["W"], 2) == pytest.approx(1.0)
    assert model.get_num_params() == sum(p.size for p in model.params.values()) - 10


def test_layouts_expand_strings_and_pad_lists():
    model = OdyssNet(4, [0], [3], weight_init="xavier_uniform", activation="gelu", gate="sigmoid", rng=0)
    assert model.weight_init == ["xavier_uniform", "xavier_uniform", "quiet", "zero"]
    assert model.activation == ["none", "gelu", "tanh", "none"]
    assert model.gate == ["sigmoid", "sigmoid", "sigmoid"]
    assert OdyssNet(4, [0], [3], gate=["tanh"], rng=0).gate == ["tanh", "none", "identity"]
    with pytest.raises(ValueError):
        OdyssNet(4, [0], [3], gate=["a", "b", "c", "d"])


@pytest.mark.parametrize("strategy", MATRIX_INITS + ELEMENT_INITS)
def test_every_initialisation(strategy):
    w = init_array(strategy, (16, 16), np.random.default_rng(0))
    assert w.shape == (16, 16) and np.all(np.isfinite(w))
    if strategy == "orthogonal":
        np.testing.assert_allclose(w @ w.T, np.eye(16), atol=1e-12)
    if strategy == "sparse":
        assert 0.8 < np.mean(w == 0) < 0.98
    if strategy == "zero":
        assert not w.any()


def test_hebbian_parameters_by_resolution():
    for res, shape in (("global", ()), ("neuron", (6,)), ("synapse", (6, 6))):
        model = OdyssNet(6, [0], [5], hebb_type="both", hebb_res=res, rng=0)
        for p in ("t", "s"):
            assert model.params[f"{p}_hebb_factor"].shape == shape
            assert model.buffers[f"{p}_hebb_state_W"].shape == (6, 6)
        lam = 1 / (1 + np.exp(-model.params["t_hebb_factor"]))
        rho = 1 / (1 + np.exp(-model.params["t_hebb_decay"]))
        assert np.allclose(lam, 0.047, atol=0.001) and np.allclose(rho, 0.90, atol=0.001)


def test_vocabulary_layers_and_tying():
    model = OdyssNet(8, range(3), range(5, 8), vocab_size=[10, 4], vocab_mode="hybrid", rng=0)
    assert model.params["embed.weight"].shape == (10, 3)
    assert model.params["proj.weight"].shape == (3, 10)
    assert model.params["output_decoder.weight"].shape == (4, 3)
    tied = OdyssNet(8, range(3), range(5, 8), vocab_size=10, tie_embeddings=True, rng=0)
    assert "embed.weight" not in tied.params and tied.embedding_name == "output_decoder.weight"
    with pytest.raises(ValueError):
        OdyssNet(8, range(3), range(6, 8), vocab_size=10, tie_embeddings=True)


def test_reset_state_clears_traces():
    model = OdyssNet(4, [0], [3], hebb_type="temporal", rng=0, pulse_mode=False)
    model.forward(np.ones((2, 4)), 3)
    assert model.buffers["t_hebb_state_W"].any()
    state = model.reset_state(2)
    assert state.shape == (2, 4) and not state.any() and not model.buffers["t_hebb_state_W"].any()


def test_float32_runs_in_float32_and_agrees_with_float64():
    x = np.zeros((3, 6))
    x[:, :2] = np.random.default_rng(0).normal(size=(3, 2))
    out64, _ = OdyssNet(6, [0, 1], [5], rng=1).forward(x, 8)
    model32 = OdyssNet(6, [0, 1], [5], rng=1, dtype=np.float32)
    out32, fin32 = model32.forward(x, 8)
    assert out32.dtype == np.float32 and fin32.dtype == np.float32
    grads = model32.backward(np.ones_like(out32))
    assert all(g.dtype == np.float32 for g in grads.values())
    np.testing.assert_allclose(out32, out64, atol=1e-4)  # eps of the norm is float32 eps here


def test_debug_mode_names_the_operation_and_the_step():
    model = OdyssNet(4, [0], [3], debug=True, rng=0)
    model.params["memory_feedback"][...] = np.inf
    model.params["memory_gate"][...] = 1.0
    x = np.zeros((1, 4))
    x[0, 0] = 1.0
    with np.errstate(invalid="ignore"), pytest.raises(RuntimeError, match="memory feedback at step"):
        model.forward(x, 3)


def test_bad_inputs_are_refused_clearly():
    model = OdyssNet(4, [0], [3], rng=0)
    with pytest.raises(ValueError, match=r"dense input must be \(B, 4\)"):
        model.forward(np.zeros((2, 3)), 2)
    with pytest.raises(ValueError, match="steps"):
        model.forward(np.zeros((2, 4)), 0)
    with pytest.raises(ValueError, match="input_ids"):
        OdyssNet(4, [0, 9], [3])


def test_a_wrong_hebbian_gradient_would_be_caught():
    """The gradient checks are not vacuous: 1% off on one decay entry fails them."""
    rng = np.random.default_rng(0)
    model = OdyssNet(5, [0, 1], [4], hebb_type="both", hebb_res="neuron", pulse_mode=False, rng=0)
    for value in model.params.values():
        value += rng.normal(0, 0.3, value.shape)
    np.fill_diagonal(model.params["W"], 0)
    x = np.zeros((2, 5))
    x[:, :2] = rng.normal(size=(2, 2))
    out, fin = model.forward(x, 4)
    g1 = rng.normal(size=out.shape)

    def loss():
        model.reset_state()
        return float(np.sum(model.forward(x, 4)[0] * g1))

    loss()
    grads = model.backward(g1)
    grads["t_hebb_decay"][2] *= 1.01
    errors = check_gradients(loss, {"t_hebb_decay": model.params["t_hebb_decay"]}, grads)
    assert errors["t_hebb_decay"] > 1e-3


def test_debug_mode_catches_an_infinite_input_when_it_is_injected():
    model = OdyssNet(4, [0], [3], debug=True, rng=0)
    x = np.zeros((1, 4))
    x[0, 0] = np.inf
    with np.errstate(invalid="ignore"), pytest.raises(RuntimeError, match="input injection at step 0"):
        model.forward(x, 3)


@pytest.mark.parametrize("make, message", [
    (lambda: OdyssNet(4.7, [0], [3]), "num_neurons must be an integer"),
    (lambda: OdyssNet("4", [0], [3]), "num_neurons must be an integer"),
    (lambda: OdyssNet(4, [0.5], [3]), "input_ids must be an integer"),
    (lambda: OdyssNet(4, [0], [True]), "output_ids must be an integer"),
    (lambda: OdyssNet(4, [0], [3], vocab_size=0), "vocab_size must be an integer >= 1"),
    (lambda: OdyssNet(4, [0], [3], vocab_size=-2), "vocab_size must be an integer >= 1"),
    (lambda: OdyssNet(4, [0], [3], vocab_size=(3, 4, 5)), "vocab_size must be None"),
    (lambda: OdyssNet(4, [0], [3], dropout_rate=float("nan")), "dropout_rate"),
])
def test_bad_construction_names_the_argument(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_forward_arguments_name_the_expected_shape_or_range():
    model = OdyssNet(4, [0, 1], [3], rng=0)
    x = np.zeros((2, 4))
    with pytest.raises(ValueError, match="steps must be an integer"):
        model.forward(x, 2.5)
    with pytest.raises(ValueError, match=r"current_state must have shape \(batch, num_neurons\) = \(2, 4\)"):
        model.forward(x, 2, current_state=np.zeros((4, 2)))          # right size, wrong layout
    with pytest.raises(ValueError, match="input indices must be below 2"):
        model.forward(np.array([[0, 2]]), 2)
    with pytest.raises(ValueError, match="x must be a non-empty array"):
        model.forward(np.array([["a", "b"]]), 2)
    tokens = OdyssNet(6, [0, 1], [5], vocab_size=3, rng=0)
    for bad in (np.array([[0, 3]]), np.array([[-1, 0]])):                # -1 no longer wraps to the last row
        with pytest.raises(ValueError, match=r"tokens must lie in 0\.\.2"):
            tokens.forward(bad, 2)
    tokens.forward(np.array([[0, 2]]), 2)


def test_bad_training_arguments_name_themselves():
    from shared.networks.odyssnet import OdyssNetTrainer, prepare_input
    model = OdyssNet(4, [0, 1], [3], rng=0)
    trainer = OdyssNetTrainer(model, lr=0.01)
    x, y = np.zeros((4, 2)), np.zeros((4, 1))
    for kwargs, message in (({"epochs": -1}, "epochs must be an integer >= 0"),
                            ({"epochs": 1, "batch_size": 0}, "batch_size must be an integer >= 1"),
                            ({"epochs": 1.5}, "epochs must be an integer")):
        with pytest.raises(ValueError, match=message):
            trainer.fit(x, y, verbose=False, **kwargs)
    with pytest.raises(ValueError, match="one row per example"):
        trainer.fit(x, np.zeros((5, 1)), epochs=1, verbose=False)
    with pytest.raises(ValueError, match=r"features must be \(B, 2\)"):
        prepare_input(np.zeros((4, 1)), [0, 1], 4)                  # no broadcast of one column over two ids
    for make in (lambda: OdyssNetTrainer(model, lr=float("nan")), lambda: OdyssNetTrainer(model, lr=-1.0),
                 lambda: OdyssNetTrainer(model, lr=0.1, synaptic_noise=float("nan"))):
        with pytest.raises(ValueError, match="finite"):
            make()
    for threshold in (float("nan"), -1.0):
        with pytest.raises(ValueError, match="threshold must be a finite number"):
            trainer.prune_synapses(threshold)
        with pytest.raises(ValueError, match="threshold must be a finite number"):
            trainer.regenerate_synapses(threshold=threshold)
    classes = OdyssNetTrainer(OdyssNet(5, [0, 1], [3, 4], rng=0), lr=0.01, loss="cross_entropy")
    for bad in (np.array([0, 2]), np.array([-1, 0]), np.array([0.5, 1.0])):
        with pytest.raises(ValueError, match="class indices|class index"):
            classes.train_batch(np.zeros((2, 2)), bad, 3)
    classes.train_batch(np.zeros((2, 2)), np.array([0, 1]), 3)
