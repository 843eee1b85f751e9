"""OdyssNet learns (the library's core validations) and the trainer's mechanics behave."""

from __future__ import annotations

import numpy as np
import pytest

from shared.networks.odyssnet import OdyssNet, OdyssNetTrainer, TrainingHistory, prepare_input, set_seed
from shared.networks.optim import SGD, Adam, AdamW, Prodigy, clip_global_norm, step_decay

XOR_X = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], float)
XOR_Y = np.array([[-1], [1], [1], [-1]], float)


# --------------------------------------------------------------------------------------------
# Core validations, seeds 0-4
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_identity_signals_pass(seed):
    rng = np.random.default_rng(100 + seed)
    trainer = OdyssNetTrainer(OdyssNet(4, [0], [3], rng=seed), lr=0.02)
    x = rng.uniform(-1, 1, (64, 1))
    for _ in range(300):
        trainer.train_batch(x, x, thinking_steps=3)
    held_out = rng.uniform(-1, 1, (200, 1))
    assert trainer.evaluate(held_out, held_out, thinking_steps=3) < 0.005


@pytest.mark.parametrize("seed", range(5))
def test_xor_with_three_neurons_and_five_steps(seed):
    trainer = OdyssNetTrainer(OdyssNet(3, [0, 1], [2], rng=seed), lr=0.05)
    for _ in range(300):
        trainer.train_batch(XOR_X, XOR_Y, thinking_steps=5)
        if np.all(np.sign(trainer.predict(XOR_X, 5)) == XOR_Y):
            break
    assert np.all(np.sign(trainer.predict(XOR_X, 5)) == XOR_Y)


@pytest.mark.parametrize("seed", range(5))
def test_latch_holds_a_bit_for_twenty_steps(seed):
    hold = 20
    steps = hold + 1                                   # the first step cannot know the bit yet
    trainer = OdyssNetTrainer(OdyssNet(8, [0], [7], rng=seed), lr=0.02)
    bits = np.array([[-1.0], [1.0]])
    target = np.repeat(bits[:, None, :], steps, axis=1)
    mask = np.ones_like(target)
    mask[:, 0] = 0
    for _ in range(200):
        trainer.train_batch(bits, target, thinking_steps=steps, full_sequence=True, mask=mask)
    out = trainer.predict(bits, steps, full_sequence=True)
    assert np.all(out[:, 1:] * target[:, 1:] > 0.5)


# --------------------------------------------------------------------------------------------
# Trainer mechanics
# --------------------------------------------------------------------------------------------


def test_default_optimizer_is_prodigy_and_a_float_lr_gives_adamw():
    model = OdyssNet(4, [0], [3], rng=0)
    assert isinstance(OdyssNetTrainer(model).optimizer, Prodigy)
    trainer = OdyssNetTrainer(model, lr=1e-3)
    assert isinstance(trainer.optimizer, AdamW)
    assert trainer.optimizer.no_decay == {"B", "norm.weight", "memory_gate"}


def test_hebbian_logits_are_never_decayed():
    trainer = OdyssNetTrainer(OdyssNet(4, [0], [3], hebb_type="both", gate="sigmoid", rng=0), lr=1e-3)
    assert {"t_hebb_factor", "t_hebb_decay", "s_hebb_factor", "s_hebb_decay", "hebb_norm.weight",
            "input_gate", "output_gate", "core_gate", "memory_gate"} <= trainer.optimizer.no_decay
    assert "W" not in trainer.optimizer.no_decay


def test_w_diagonal_stays_zero_and_training_is_deterministic():
    def run():
        model = OdyssNet(5, [0, 1], [4], rng=3)
        trainer = OdyssNetTrainer(model, lr=0.01, synaptic_noise=1e-3)
        losses = [trainer.train_batch(XOR_X, XOR_Y, thinking_steps=4) for _ in range(20)]
        return model, losses

    (model, losses), (_, again) = run(), run()
    assert losses == again
    assert np.all(np.diag(model.params["W"]) == 0)


def test_gradient_accumulation_equals_one_big_batch():
    def trained(accumulate):
        model = OdyssNet(4, [0, 1], [3], rng=1)
        trainer = OdyssNetTrainer(model, lr=0.01)
        if accumulate:
            trainer.train_batch(XOR_X[:2], XOR_Y[:2], 4, gradient_accumulation_steps=2)
            assert trainer.step_count == 0
            trainer.train_batch(XOR_X[2:], XOR_Y[2:], 4, gradient_accumulation_steps=2)
        else:
            trainer.train_batch(XOR_X, XOR_Y, 4)
        assert trainer.step_count == 1
        return model.params

    for name, value in trained(True).items():
        np.testing.assert_allclose(value, trained(False)[name], rtol=1e-10, atol=1e-12)


def test_ghost_gradients_keep_an_echo():
    trainer = OdyssNetTrainer(OdyssNet(4, [0, 1], [3], rng=0), lr=0.01, gradient_persistence=0.25)
    trainer.train_batch(XOR_X, XOR_Y, 4)
    grads = trainer.model.backward(np.zeros((4, 1, 4)))  # zero: a fresh backward gives no gradient
    assert all(not g.any() for g in grads.values())
    assert any(g.any() for g in trainer.accumulated.values())
    plain = OdyssNetTrainer(OdyssNet(4, [0, 1], [3], rng=0), lr=0.01)
    plain.train_batch(XOR_X, XOR_Y, 4)
    assert all(not g.any() for g in plain.accumulated.values())


def test_anomaly_hook_reports_increase_spike_and_plateau():
    seen = []
    trainer = OdyssNetTrainer(OdyssNet(3, [0], [2], rng=0), lr=0.0, anomaly_hook=lambda kind, loss: seen.append(kind))
    wobble = [1.0 + 0.01 * (-1) ** i for i in range(20)]
    for loss in wobble + [3.0] + [1.0] * 150:
        trainer._track(loss)
    assert seen.count("spike") == 1 and "increase" in seen and "plateau" in seen


def test_cross_entropy_training_on_tokens():
    model = OdyssNet(6, [0, 1], [4, 5], vocab_size=[5, 3], vocab_mode="discrete", rng=0)
    trainer = OdyssNetTrainer(model, lr=0.05, loss="cross_entropy")
    tokens = np.array([[0, 1], [2, 3], [4, 0]])
    labels = np.array([0, 1, 2])
    first = trainer.train_batch(tokens, labels, thinking_steps=4)
    for _ in range(150):
        last = trainer.train_batch(tokens, labels, thinking_steps=4)
    assert last < first / 4
    assert np.all(trainer.predict(tokens, 4).argmax(axis=-1) == labels)


def test_fit_reduces_the_loss_and_history_plots(tmp_path):
    trainer = OdyssNetTrainer(OdyssNet(3, [0, 1], [2], rng=2), lr=0.05)
    losses = trainer.fit(XOR_X, XOR_Y, epochs=60, batch_size=4, thinking_steps=5, verbose=False)
    assert losses[-1] < losses[0]
    history = TrainingHistory()
    for i, loss in enumerate(losses):
        history.record(loss=loss, epoch=i)
    assert history.metrics == ["loss", "epoch"] and history.get("loss") == losses
    assert history.plot(save_path=tmp_path / "h.png").stat().st_size > 0


def test_regenerate_synapses_rewires_only_weak_ones():
    model = OdyssNet(6, [0], [5], rng=0)
    trainer = OdyssNetTrainer(model, lr=0.01)
    trainer.train_batch(np.ones((2, 1)), np.zeros((2, 1)), 3)
    before = model.params["W"].copy()
    revived, total = trainer.regenerate_synapses(percentage=0.2)
    assert total == 30 and revived == 6
    changed = model.params["W"] != before
    assert changed.sum() <= revived and np.all(np.diag(model.params["W"]) == 0)
    assert np.all(np.abs(before[changed]) <= np.sort(np.abs(before[~np.eye(6, dtype=bool)]))[5])


def test_trainer_state_round_trip():
    trainer = OdyssNetTrainer(OdyssNet(4, [0, 1], [3], rng=0), lr=0.01, gradient_persistence=0.5)
    for _ in range(3):
        trainer.train_batch(XOR_X, XOR_Y, 4)
    state = trainer.state_dict()
    other = OdyssNetTrainer(OdyssNet(4, [0, 1], [3], rng=0), lr=0.01, gradient_persistence=0.5)
    other.load_state_dict(state)
    assert other.step_count == 3 and other.get_diagnostics()["step_count"] == 3
    np.testing.assert_array_equal(other.optimizer.state["W"]["m"], trainer.optimizer.state["W"]["m"])
    assert set(trainer.get_diagnostics(debug=True)) >= {"gradient_stats", "anomaly_tracking", "loss_tracking"}


def test_prepare_input_places_features_on_input_neurons():
    full = prepare_input(np.array([[1.0, 2.0]]), [3, 1], 5)
    assert full.tolist() == [[0.0, 2.0, 0.0, 1.0, 0.0]]


def test_set_seed_gives_a_generator():
    assert set_seed(7).random() == np.random.default_rng(7).random()


# --------------------------------------------------------------------------------------------
# Optimizers
# --------------------------------------------------------------------------------------------


def test_adamw_first_step_by_hand():
    w = np.array([1.0, -2.0])
    opt = AdamW({"w": w}, lr=0.1, weight_decay=0.01)
    opt.step({"w": np.array([0.5, 0.5])})
    # step 1: m_hat = g, v_hat = g^2 -> update = lr * g / (|g| + eps); decay first: w *= 1 - lr * wd
    np.testing.assert_allclose(w, np.array([1.0, -2.0]) * (1 - 0.001) - 0.1 * 0.5 / (0.5 + 1e-8))


def test_adam_sgd_and_momentum_descend_a_quadratic():
    for make in (lambda p: SGD(p, lr=0.1), lambda p: SGD(p, lr=0.05, momentum=0.9), lambda p: Adam(p, lr=0.1),
                 lambda p: Prodigy(p)):
        x = np.array([3.0, -4.0])
        opt = make({"x": x})
        for _ in range(300):
            opt.step({"x": 2 * x})
        assert np.linalg.norm(x) < 1e-2, type(opt).__name__


def test_clip_global_norm_and_step_decay():
    grads = {"a": np.array([3.0]), "b": np.array([4.0])}
    assert clip_global_norm(grads, 1.0) == pytest.approx(5.0)
    assert np.sqrt(grads["a"][0] ** 2 + grads["b"][0] ** 2) == pytest.approx(1.0, abs=1e-5)
    assert step_decay(0.1, 25, every=10, factor=0.5) == pytest.approx(0.025)
