"""Growth and pruning of the numpy OdyssNet: neurogenesis, apoptosis, permanent synaptic pruning,
sparse inference, the DNO growth policy, and checkpoints that keep the topology."""

from __future__ import annotations

import numpy as np
import pytest

from shared.frame.gradcheck import check_gradients
from shared.networks.odyssnet import (GrowthPolicy, OdyssNet, OdyssNetTrainer, SparseOdyssNet, build_model,
                                      load_checkpoint, neuron_utility, save_checkpoint, transplant_weights)
from shared.networks.odyssnet import topology
from shared.networks.optim import SGD, Prodigy

STEPS = 12


def trained(seed=0, n=10, steps=8, optimizer=None, **kwargs):
    """A small stream-mode model after a few AdamW steps on random regression data."""
    rng = np.random.default_rng(seed)
    model = OdyssNet(n, [0, 1], [n - 1], pulse_mode=False, rng=seed, **kwargs)
    trainer = OdyssNetTrainer(model, lr=1e-2) if optimizer is None else OdyssNetTrainer(model, optimizer=optimizer(model))
    x = rng.normal(size=(6, 4, 2))
    y = rng.normal(size=(6, 4 if "vocab_size" in kwargs else 1))
    for _ in range(steps):
        trainer.train_batch(x, y, STEPS)
    return model, trainer, x, y


def outputs(model, trainer, x):
    """Eval-mode forward with the Hebbian traces restored afterwards (forward updates them)."""
    saved = {k: v.copy() for k, v in model.buffers.items()}
    model.eval()
    all_states, _ = model.forward(trainer.prepare(x), STEPS)
    model.train()
    for name, value in saved.items():
        model.buffers[name][...] = value
    return trainer._outputs(all_states)


# ----------------------------------------------------------------------------------------------
# Neurogenesis
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{}, {"gate": "sigmoid"}, {"activation": "relu"}, {"dropout_rate": 0.2},
                                    {"vocab_size": [2, 4], "vocab_mode": "continuous"}])
def test_expand_leaves_the_function_unchanged(kwargs):
    model, trainer, x, _ = trained(**kwargs)
    before = outputs(model, trainer, x)
    new = trainer.expand(4)
    after = outputs(model, trainer, x)
    assert new == list(range(10, 14)) and model.num_neurons == model.config["num_neurons"] == 14
    np.testing.assert_allclose(after, before, rtol=0, atol=1e-12)


@pytest.mark.parametrize("hebb_type,hebb_res", [("temporal", "neuron"), ("spatial", "synapse"), ("both", "global")])
def test_expand_with_plasticity_changes_only_rounding(hebb_type, hebb_res):
    # Traces are RMS-normalised with an epsilon; rescaling them for the new N moves the result by
    # about eps / mean(trace^2), far below anything training could notice (documented).
    model, trainer, x, _ = trained(hebb_type=hebb_type, hebb_res=hebb_res)
    before = outputs(model, trainer, x)
    trainer.expand(3)
    np.testing.assert_allclose(outputs(model, trainer, x), before, rtol=0, atol=1e-9)


def test_new_neurons_start_silent_and_receive_gradient():
    model, trainer, x, y = trained()
    new = trainer.expand(2)
    w = model.params["W"]
    assert not w[:, new].any()                       # no incoming synapses
    assert np.all(np.abs(w[new][:, :new[0]]) > 0)    # small outgoing synapses
    assert np.abs(w[new]).max() < 1e-2
    model.forward(trainer.prepare(x), STEPS)
    assert not model._cache["hs"][:, :, new].any()   # silent
    grads = model.backward(np.ones_like(model._cache["ys"]))
    assert np.abs(grads["W"][:, new]).sum() > 0      # ... but learnable through the outgoing synapses


@pytest.mark.parametrize("make", [None, lambda m: SGD(m.params, lr=1e-2, momentum=0.9),
                                  lambda m: Prodigy(m.params)])
def test_expand_carries_optimizer_moments_over(make):
    model, trainer, x, y = trained(optimizer=make)
    n = model.num_neurons
    saved = {name: {key: value.copy() for key, value in state.items()} for name, state in trainer.optimizer.state.items()}
    trainer.expand(3)
    for name, state in trainer.optimizer.state.items():
        for key, value in state.items():
            old = saved[name][key]
            assert value.shape == model.params[name].shape
            block = tuple(slice(0, size) for size in old.shape)
            np.testing.assert_array_equal(value[block] if name != "norm.weight" or key != "p0" else
                                          value[block] / np.sqrt(n / (n + 3)), old)
            if key != "p0" and old.ndim and value.shape != old.shape:
                grown = np.ones(value.shape, bool)
                grown[block] = False
                assert not value[grown].any()
    trainer.train_batch(x, y, STEPS)                  # the optimizer works on the grown arrays


def test_training_continues_without_a_loss_jump():
    model, trainer, x, y = trained(steps=30)
    before = trainer.evaluate(x, y, STEPS)
    trainer.expand(5)
    first = trainer.train_batch(x, y, STEPS)          # loss of the forward pass before the update
    assert first == pytest.approx(before, rel=0, abs=1e-12)
    later = [trainer.train_batch(x, y, STEPS) for _ in range(60)]
    assert later[0] < 1.1 * first                     # no jump after the first update
    assert np.mean(later[-10:]) < 0.5 * first         # and the grown network keeps learning


def test_gradients_of_a_grown_and_pruned_model_are_exact():
    model, trainer, x, _ = trained()
    trainer.expand(3)
    trainer.prune_synapses(0.05)
    rng = np.random.default_rng(3)
    for value in model.params.values():               # move away from the silent start
        value += rng.normal(0, 0.05, value.shape)
    model.enforce_structure()
    xs = trainer.prepare(x)
    out, _ = model.forward(xs, 6)
    probe = rng.normal(size=out.shape)

    def loss():
        return float(np.sum(model.forward(xs, 6)[0] * probe))

    loss()
    grads = model.backward(probe)
    alive = np.flatnonzero(model.synapse_mask & ~np.eye(model.num_neurons, dtype=bool))
    assert not grads["W"][~model.synapse_mask].any()
    errors = check_gradients(loss, model.params, grads, entries={"W": alive}, max_entries=15)
    assert max(errors.values()) < 1e-6, errors


# ----------------------------------------------------------------------------------------------
# Permanent pruning and sparse inference
# ----------------------------------------------------------------------------------------------

def test_pruned_synapses_stay_zero_through_training_noise_and_regeneration():
    model, trainer, x, y = trained(n=16)
    newly, dead, total = trainer.prune_synapses(0.08)
    assert newly == dead > 0 and total == 16 * 15
    dead_mask = ~model.synapse_mask
    trainer.synaptic_noise = 0.01
    for _ in range(20):
        trainer.train_batch(x, y, STEPS)
    model.regenerate_weak_weights(percentage=0.5)
    trainer.train_batch(x, y, STEPS)
    assert not model.params["W"][dead_mask].any()
    assert not trainer.optimizer.state["W"]["m"][dead_mask].any()
    assert model.sparsity() >= dead / total
    again = trainer.prune_synapses(0.08)              # pruning is cumulative
    assert again[1] >= dead


@pytest.mark.parametrize("threshold", [0.0, 0.05, 0.1, 0.2, 10.0])
def test_sparse_model_matches_the_dense_forward(threshold):
    model, trainer, x, _ = trained(n=24, gate="sigmoid")
    trainer.prune_synapses(threshold)
    model.eval()
    dense, dense_final = model.forward(trainer.prepare(x), STEPS)
    sparse = SparseOdyssNet.from_dense(model)
    assert sparse.nnz == np.count_nonzero(model.params["W"])
    out, final = sparse.forward(trainer.prepare(x), STEPS)
    np.testing.assert_allclose(out, dense, rtol=0, atol=1e-12)
    np.testing.assert_allclose(final, dense_final, rtol=0, atol=1e-12)


def test_sparse_model_handles_tokens_and_refuses_training_and_plasticity():
    model = OdyssNet(12, [0, 1], [10, 11], vocab_size=5, pulse_mode=False, rng=2)
    topology.prune_synapses(model, 0.06)
    tokens = np.random.default_rng(0).integers(0, 5, (3, 4))
    model.eval()
    np.testing.assert_allclose(SparseOdyssNet.from_dense(model).forward(tokens, 8)[0],
                               model.forward(tokens, 8)[0], rtol=0, atol=1e-12)
    sparse = SparseOdyssNet.from_dense(model)
    with pytest.raises(RuntimeError):
        sparse.backward(np.zeros(1))
    with pytest.raises(RuntimeError):
        sparse.train()
    with pytest.raises(ValueError):
        SparseOdyssNet.from_dense(OdyssNet(6, [0], [5], hebb_type="temporal", rng=0))


# ----------------------------------------------------------------------------------------------
# Apoptosis
# ----------------------------------------------------------------------------------------------

def test_expand_then_remove_restores_the_model():
    model, trainer, x, _ = trained()
    params = {k: v.copy() for k, v in model.params.items()}
    moments = {k: {kk: vv.copy() for kk, vv in s.items()} for k, s in trainer.optimizer.state.items()}
    new = trainer.expand(3)
    trainer.prune_neurons(ids=new)
    for name, value in params.items():
        np.testing.assert_allclose(model.params[name], value, rtol=1e-15, atol=0)
    for name, state in moments.items():
        for key, value in state.items():
            np.testing.assert_array_equal(trainer.optimizer.state[name][key], value)


def test_removing_silent_neurons_keeps_the_function_and_ids_follow():
    model = OdyssNet(10, [0, 5], [9, 3], pulse_mode=False, rng=4)
    trainer = OdyssNetTrainer(model, lr=1e-2)
    x = np.random.default_rng(0).normal(size=(3, 4, 2))
    for victim in (2, 7):                              # silence two hidden neurons
        model.params["W"][:, victim] = 0.0
        model.params["B"][victim] = 0.0
    before = outputs(model, trainer, x)
    removed = trainer.prune_neurons(ids=[7, 2])
    assert removed == [2, 7]
    assert model.num_neurons == 8
    assert model.input_ids.tolist() == [0, 4] and model.output_ids.tolist() == [7, 2]
    np.testing.assert_allclose(outputs(model, trainer, x), before, rtol=0, atol=1e-12)


def test_apoptosis_spares_input_and_output_neurons():
    model, trainer, x, _ = trained()
    with pytest.raises(ValueError):
        trainer.prune_neurons(ids=[0])
    with pytest.raises(ValueError):
        trainer.prune_neurons(ids=[model.output_ids[0]])
    model.forward(trainer.prepare(x), STEPS)
    utility = neuron_utility(model)
    hidden = topology.hidden_ids(model)
    cut = np.sort(utility[hidden])[2]                  # the two least useful hidden neurons
    removed = trainer.prune_neurons(threshold=cut)
    assert len(removed) == 2 and set(removed) <= set(hidden.tolist())
    assert model.num_neurons == 8 and model.input_ids.tolist() == [0, 1] and model.output_ids.tolist() == [7]


# ----------------------------------------------------------------------------------------------
# The growth policy
# ----------------------------------------------------------------------------------------------

def test_policy_grows_on_a_plateau_with_cooldown_and_cap_and_never_in_scratch():
    model, trainer, _, _ = trained()
    flat = [1.0] * 60
    scratch = GrowthPolicy(phase="scratch", window=10, cooldown=5)
    assert not any(scratch.update(trainer, loss) for loss in flat)
    policy = GrowthPolicy(amount=2, max_neurons=14, window=10, cooldown=15)
    grew = [policy.update(trainer, loss) for loss in flat]
    steps = [events[0][0] for events in grew if events]
    assert steps == [10, 25]                           # first full window, then after the cooldown
    assert model.num_neurons == 14                     # the cap stops the third growth
    falling = GrowthPolicy(window=10, cooldown=0)
    assert not any(falling.update(trainer, 1.0 / (k + 1)) for k in range(40))


def test_policy_grows_when_confused_and_removes_useless_neurons():
    model, trainer, x, _ = trained()
    confused = GrowthPolicy(window=5, cooldown=0, tolerance=-1.0, entropy_threshold=0.9)
    uniform = np.zeros((4, 3))
    events = [confused.update(trainer, 1.0 / (k + 1), outputs=uniform) for k in range(5)]
    assert events[-1] and events[-1][0][1] == "grow"
    model, trainer, x, _ = trained()
    n = model.num_neurons
    victim = int(topology.hidden_ids(model)[0])
    model.params["W"][victim] = 0.0                    # no outgoing synapses: useless
    dying = GrowthPolicy(phase="scratch", apoptosis_threshold=1e-12, patience=3, cooldown=0)
    events = []
    for _ in range(3):
        model.forward(trainer.prepare(x), STEPS)
        events += dying.update(trainer, 1.0)
    assert events == [(3, "die", [victim])] and model.num_neurons == n - 1


# ----------------------------------------------------------------------------------------------
# Checkpoints keep the topology
# ----------------------------------------------------------------------------------------------

def test_grown_and_pruned_model_round_trips(tmp_path):
    model, trainer, x, y = trained()
    trainer.expand(4)
    trainer.prune_neurons(ids=[3])
    trainer.prune_synapses(0.05)
    path = save_checkpoint(tmp_path / "grown.npz", model, trainer)
    expected = outputs(model, trainer, x)
    rebuilt = build_model(path)
    assert rebuilt.num_neurons == model.num_neurons == 13
    assert rebuilt.input_ids.tolist() == model.input_ids.tolist()
    np.testing.assert_array_equal(rebuilt.synapse_mask, model.synapse_mask)
    rebuilt_trainer = OdyssNetTrainer(rebuilt, lr=1e-2)
    load_checkpoint(path, rebuilt, trainer=rebuilt_trainer)
    np.testing.assert_allclose(outputs(rebuilt, rebuilt_trainer, x), expected, rtol=0, atol=1e-14)
    for _ in range(5):
        rebuilt_trainer.train_batch(x, y, STEPS)
    assert not rebuilt.params["W"][~rebuilt.synapse_mask].any()
    bigger = OdyssNet(20, [0, 1], [19], pulse_mode=False, rng=0)
    transplant_weights(bigger, path)
    assert not bigger.params["W"][:13, :13][~model.synapse_mask].any()
