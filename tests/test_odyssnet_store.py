"""Checkpoints: round trips, topology, transplants, and clear errors on bad files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from shared.networks.odyssnet import (CheckpointError, OdyssNet, OdyssNetTrainer, build_model, get_checkpoint_info,
                                      load_checkpoint, save_checkpoint, transplant_weights)

X = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], float)
Y = np.array([[-1], [1], [1], [-1]], float)


def trained(seed=0, n=5, **kw):
    model = OdyssNet(n, [0, 1], [n - 1], rng=seed, **kw)
    trainer = OdyssNetTrainer(model, lr=0.01)
    for _ in range(5):
        trainer.train_batch(X, Y, 4)
    return model, trainer


def test_round_trip_restores_weights_buffers_and_trainer(tmp_path):
    model, trainer = trained(hebb_type="both", hebb_res="synapse")
    path = save_checkpoint(tmp_path / "ck.npz", model, trainer, epoch=5, loss=0.25)
    other = OdyssNet(5, [0, 1], [4], hebb_type="both", hebb_res="synapse", rng=99)
    other_trainer = OdyssNetTrainer(other, lr=0.01)
    meta = load_checkpoint(path, other, trainer=other_trainer)
    assert meta["epoch"] == 5 and meta["loss"] == 0.25
    for name in model.params:
        np.testing.assert_array_equal(other.params[name], model.params[name])
    for name in model.buffers:
        np.testing.assert_array_equal(other.buffers[name], model.buffers[name])
    assert other_trainer.step_count == trainer.step_count
    np.testing.assert_array_equal(other_trainer.optimizer.state["W"]["v"], trainer.optimizer.state["W"]["v"])
    # both continue identically
    assert other_trainer.train_batch(X, Y, 4) == trainer.train_batch(X, Y, 4)


def test_the_topology_travels_with_the_file(tmp_path):
    model, _ = trained(n=7, gate="sigmoid")
    path = save_checkpoint(tmp_path / "ck.npz", model)
    info = get_checkpoint_info(path)
    assert info["num_neurons"] == 7 and info["config"]["gate"] == "sigmoid"
    rebuilt = build_model(path)
    x = np.zeros((4, 7))
    x[:, :2] = X
    np.testing.assert_array_equal(rebuilt.forward(x, 3)[0], model.forward(x, 3)[0])


def test_lr_override_on_load(tmp_path):
    model, trainer = trained()
    path = save_checkpoint(tmp_path / "ck.npz", model, trainer)
    fresh = OdyssNetTrainer(OdyssNet(5, [0, 1], [4], rng=1), lr=0.01)
    load_checkpoint(path, fresh.model, trainer=fresh, lr=0.123)
    assert fresh.optimizer.lr == 0.123


def test_strict_loading_rejects_other_shapes_and_lenient_loading_fits_what_it_can(tmp_path):
    model, _ = trained(n=5)
    path = save_checkpoint(tmp_path / "ck.npz", model)
    bigger = OdyssNet(6, [0, 1], [5], rng=0)
    with pytest.raises(CheckpointError, match="configuration differs from the model's: .*num_neurons 5"):
        load_checkpoint(path, bigger)
    load_checkpoint(path, bigger, strict=False)
    np.testing.assert_array_equal(bigger.params["W"][:5, :5], model.params["W"])


def test_transplant_grows_and_shrinks(tmp_path):
    small, _ = trained(n=5)
    path = save_checkpoint(tmp_path / "small.npz", small)
    big = OdyssNet(8, [0, 1], [7], rng=3)
    untouched = big.params["W"][5:, 5:].copy()
    copied = transplant_weights(big, path)
    assert copied["W"] == (5, 5)
    np.testing.assert_array_equal(big.params["W"][:5, :5], small.params["W"])
    np.testing.assert_array_equal(big.params["W"][5:, 5:], untouched)
    path_big = save_checkpoint(tmp_path / "big.npz", big)
    tiny = OdyssNet(4, [0, 1], [3], rng=0)
    transplant_weights(tiny, path_big)
    centre = big.params["W"][2:6, 2:6].copy()
    np.fill_diagonal(centre, 0.0)
    np.testing.assert_array_equal(tiny.params["W"], centre)


def test_missing_truncated_and_corrupted_files_give_clear_errors(tmp_path):
    model, _ = trained()
    path = save_checkpoint(tmp_path / "ck.npz", model)
    with pytest.raises(FileNotFoundError, match="not found"):
        load_checkpoint(tmp_path / "nope.npz", model)
    data = path.read_bytes()
    (tmp_path / "truncated.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupted"):
        load_checkpoint(tmp_path / "truncated.npz", model)
    # flip bytes inside the stored W: the archive still opens, the checksum does not match
    archive = dict(np.load(path, allow_pickle=False))
    archive["param/W"] = archive["param/W"] + 1e-9
    np.savez(tmp_path / "tampered.npz", **archive)
    with pytest.raises(CheckpointError, match="checksum"):
        load_checkpoint(tmp_path / "tampered.npz", model)
    (tmp_path / "garbage.npz").write_bytes(b"not a zip at all")
    with pytest.raises(CheckpointError):
        get_checkpoint_info(tmp_path / "garbage.npz")


def test_files_hold_no_pickles(tmp_path):
    model, trainer = trained()
    path = save_checkpoint(tmp_path / "ck.npz", model, trainer)
    with np.load(path, allow_pickle=False) as archive:
        assert all(archive[name].dtype != object for name in archive.files)
        assert json.loads(str(archive["metadata"]))["format"] == "odyssnet-numpy-checkpoint"


def test_an_edited_configuration_epoch_or_learning_rate_fails_the_checksum(tmp_path):
    model, trainer = trained()
    path = save_checkpoint(tmp_path / "ck.npz", model, trainer, epoch=3)
    for edit in (lambda m: m["config"].update(num_neurons=6), lambda m: m.update(epoch=99),
                 lambda m: m["trainer"]["optimizer"].update(lr=1e9)):
        archive = dict(np.load(path, allow_pickle=False))
        metadata = json.loads(str(archive["metadata"]))
        edit(metadata)
        archive["metadata"] = np.array(json.dumps(metadata))
        np.savez(tmp_path / "edited.npz", **archive)
        with pytest.raises(CheckpointError, match="checksum"):
            load_checkpoint(tmp_path / "edited.npz", model)


def resealed(tmp_path, path, edit):
    """The checkpoint with its metadata edited and the checksum recomputed (a crafted file)."""
    from shared.networks.odyssnet import store
    archive = dict(np.load(path, allow_pickle=False))
    metadata = json.loads(str(archive.pop("metadata")))
    edit(metadata)
    metadata["checksum"] = store._checksum(archive, metadata)
    out = tmp_path / "crafted.npz"
    np.savez(out, metadata=np.array(json.dumps(metadata)), **archive)
    return out


@pytest.mark.parametrize("edit, message", [
    (lambda m: m["config"].update(num_neurons=10 ** 6), "num_neurons must be an integer"),
    (lambda m: m["config"].update(num_neurons="5"), "num_neurons must be an integer"),
    (lambda m: m["config"].update(output_ids=[7]), "output_ids must be distinct neuron ids"),
    (lambda m: m["config"].update(input_ids=[0, 0]), "input_ids must be distinct"),
    (lambda m: m["config"].update(vocab_size=-3), "vocab_size"),
    (lambda m: m.update(config=[1, 2]), "not a JSON object"),
    (lambda m: m.update(version=1), "version 1"),
])
def test_a_crafted_configuration_is_refused_before_anything_is_built(tmp_path, edit, message):
    model, _ = trained()
    path = resealed(tmp_path, save_checkpoint(tmp_path / "ck.npz", model), edit)
    with pytest.raises(CheckpointError, match=message):
        build_model(path)
    with pytest.raises(CheckpointError, match=message):
        get_checkpoint_info(path)


def test_strict_loading_compares_the_configuration(tmp_path):
    model, _ = trained()
    path = save_checkpoint(tmp_path / "ck.npz", model)
    for other in (OdyssNet(5, [0, 1], [3], rng=0), OdyssNet(5, [0, 1], [4], activation="relu", rng=0)):
        with pytest.raises(CheckpointError, match="configuration differs"):
            load_checkpoint(path, other)
        load_checkpoint(path, other, strict=False)


def test_other_files_and_other_trainers_give_checkpoint_errors(tmp_path):
    model, trainer = trained()
    np.save(tmp_path / "plain.npy", np.zeros(3))
    with pytest.raises(CheckpointError, match="single .npy array"):
        load_checkpoint(tmp_path / "plain.npy", model)
    np.savez(tmp_path / "list.npz", metadata=np.array(json.dumps([1, 2])))
    with pytest.raises(CheckpointError, match="not an OdyssNet checkpoint"):
        load_checkpoint(tmp_path / "list.npz", model)
    path = save_checkpoint(tmp_path / "ck.npz", model, trainer)       # AdamW state
    prodigy = OdyssNetTrainer(OdyssNet(5, [0, 1], [4], rng=1))         # lr None: Prodigy
    with pytest.raises(CheckpointError, match="AdamW cannot be loaded into Prodigy"):
        load_checkpoint(path, prodigy.model, trainer=prodigy)
