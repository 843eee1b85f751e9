"""Checkpoints for OdyssNet: save, load, transplant between sizes, inspect.

Format: a ``.npz`` archive of plain arrays (``param/<name>``, ``buffer/<name>``,
``optimizer/<param>/<key>``, ``accumulated/<name>``, ``topology/synapse_mask`` once synapses
have been pruned) plus ``metadata``, a JSON string holding the model's configuration (its
topology included: a grown or shrunk model records its neuron count and input/output ids), epoch,
loss, the trainer's scalars and a SHA-256 checksum of every array and of the metadata itself (an
edited configuration, epoch or learning rate is caught like a flipped weight). Files are read with
``allow_pickle=False``, so opening one can never run code, and written atomically. A configuration
is validated (types, sizes, ids) before anything is allocated from it.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np

from shared.frame.experiment import atomic_write
from shared.networks.odyssnet.network import OdyssNet

FORMAT = "odyssnet-numpy-checkpoint"
VERSION = 2                      # 2: the checksum covers the metadata too
MAX_NEURONS = 16384              # one N x N float64 matrix is then 2 GiB; the model holds several


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: corrupted, truncated, or not matching the model."""


def _checksum(arrays: dict[str, np.ndarray], metadata: dict) -> str:
    digest = hashlib.sha256()
    fields = {k: v for k, v in metadata.items() if k != "checksum"}
    digest.update(json.dumps(fields, sort_keys=True).encode() + b"|")
    for name in sorted(arrays):
        value = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{value.dtype.str}|{value.shape}|".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def save_checkpoint(path, model: OdyssNet, trainer=None, epoch: int | None = None, loss: float | None = None) -> Path:
    """Write the model (and the trainer's state, if given) to ``path`` atomically."""
    path = Path(path)
    arrays = {f"param/{k}": v for k, v in model.params.items()}
    arrays.update({f"buffer/{k}": v for k, v in model.buffers.items()})
    if model.synapse_mask is not None:
        arrays["topology/synapse_mask"] = model.synapse_mask
    trainer_meta = None
    if trainer is not None:
        state = trainer.state_dict()
        optimizer = state.pop("optimizer")
        for name, entries in optimizer.pop("state").items():
            arrays.update({f"optimizer/{name}/{key}": value for key, value in entries.items()})
        arrays.update({f"accumulated/{k}": v for k, v in state.pop("accumulated").items()})
        trainer_meta = {**state, "optimizer": optimizer}
    metadata = {"format": FORMAT, "version": VERSION, "config": model.config, "epoch": epoch,
                "loss": None if loss is None else float(loss), "trainer": trainer_meta}
    metadata["checksum"] = _checksum(arrays, json.loads(json.dumps(metadata)))   # as it will be read back
    buffer = io.BytesIO()
    np.savez(buffer, metadata=np.array(json.dumps(metadata)), **arrays)
    atomic_write(path, buffer.getvalue())
    return path


def _read(path) -> tuple[dict, dict[str, np.ndarray]]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        # from memory: numpy leaves its own file handle open when a truncated archive fails to open
        archive = np.load(io.BytesIO(path.read_bytes()), allow_pickle=False)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise CheckpointError(f"{path}: not a readable OdyssNet checkpoint (truncated or corrupted: {error})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise CheckpointError(f"{path}: not an OdyssNet checkpoint (a single .npy array, not an .npz archive)")
    try:
        with archive:
            arrays = {name: archive[name] for name in archive.files}
        metadata = json.loads(str(arrays.pop("metadata")))
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError) as error:
        raise CheckpointError(f"{path}: not a readable OdyssNet checkpoint (truncated or corrupted: {error})") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        found = metadata.get("format") if isinstance(metadata, dict) else type(metadata).__name__
        raise CheckpointError(f"{path}: not an OdyssNet checkpoint (format {found!r})")
    if metadata.get("version") != VERSION:
        raise CheckpointError(f"{path}: checkpoint format version {metadata.get('version')!r}, this code reads "
                              f"{VERSION}")
    if _checksum(arrays, metadata) != metadata.get("checksum"):
        raise CheckpointError(f"{path}: checksum mismatch, the file is corrupted or was edited")
    problem = config_problem(metadata.get("config"))
    if problem:
        raise CheckpointError(f"{path}: configuration not usable: {problem}")
    return metadata, arrays


def config_problem(config) -> str | None:
    """Why a saved configuration cannot build a model (None if it can), checked before anything is
    allocated from it: types, a bounded neuron count, ids inside it and distinct."""
    if not isinstance(config, dict):
        return "not a JSON object"
    n = config.get("num_neurons")
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_NEURONS:
        return f"num_neurons must be an integer in 1..{MAX_NEURONS}, got {n!r}"
    for key in ("input_ids", "output_ids"):
        ids = config.get(key)
        if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            return f"{key} must be a list of integers"
        if any(not 0 <= i < n for i in ids) or len(set(ids)) != len(ids):
            return f"{key} must be distinct neuron ids in 0..{n - 1}"
    vocab = config.get("vocab_size")
    sizes = vocab if isinstance(vocab, list) else [vocab] if vocab is not None else []
    if not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 1 << 20 for v in sizes):
        return f"vocab_size must be None or integers in 1..{1 << 20}, got {vocab!r}"
    if vocab is not None and sum(sizes) * n > 1 << 28:
        return f"embedding of {sum(sizes)} tokens x {n} neurons is too large"
    return None


def get_checkpoint_info(path) -> dict:
    """Metadata of a checkpoint (configuration, epoch, loss, ...) without building a model."""
    metadata, arrays = _read(path)
    return {**metadata, "num_neurons": metadata["config"]["num_neurons"],
            "parameters": {k[len("param/"):]: list(v.shape) for k, v in arrays.items() if k.startswith("param/")}}


def build_model(path, rng=None) -> OdyssNet:
    """A model of the checkpoint's configuration with its weights loaded."""
    metadata, _ = _read(path)
    model = OdyssNet(**metadata["config"], rng=rng)
    load_checkpoint(path, model)
    return model


def _overlap(target: np.ndarray, source: np.ndarray, centre: bool):
    """Slices of target and source covering their common block (source centred if it is larger)."""
    target_slices, source_slices = [], []
    for t, s in zip(target.shape, source.shape):
        size = min(t, s)
        start = (s - size) // 2 if centre and s > t else 0
        target_slices.append(slice(0, size))
        source_slices.append(slice(start, start + size))
    return tuple(target_slices), tuple(source_slices)


def load_checkpoint(path, model: OdyssNet, strict: bool = True, trainer=None, lr: float | None = None) -> dict:
    """Load weights (and trainer state) into ``model``; returns the metadata.

    strict=True: every parameter must be present with the same shape. strict=False: shared
    parameters are loaded as far as they overlap, others are left as they are.
    """
    metadata, arrays = _read(path)
    saved = {k[len("param/"):]: v for k, v in arrays.items() if k.startswith("param/")}
    if strict:
        differs = sorted(key for key in set(model.config) | set(metadata["config"])
                         if key != "debug" and model.config.get(key) != metadata["config"].get(key))
        if differs:
            raise CheckpointError(f"{path}: configuration differs from the model's: " + ", ".join(
                f"{key} {metadata['config'].get(key)!r} (model: {model.config.get(key)!r})" for key in differs))
        missing = sorted(set(model.params) ^ set(saved))
        if missing:
            raise CheckpointError(f"{path}: parameters differ from the model's: {', '.join(missing)}")
        for name, value in saved.items():
            if value.shape != model.params[name].shape:
                raise CheckpointError(f"{path}: {name} has shape {value.shape}, the model expects "
                                      f"{model.params[name].shape}")
    for name, value in saved.items():
        if name in model.params:
            t, s = _overlap(model.params[name], value, centre=False)
            model.params[name][t] = value[s]
    for name, value in arrays.items():
        if name.startswith("buffer/") and name[len("buffer/"):] in model.buffers:
            buffer = model.buffers[name[len("buffer/"):]]
            t, s = _overlap(buffer, value, centre=False)
            buffer[t] = value[s]
    _load_mask(model, arrays.get("topology/synapse_mask"))
    if trainer is not None and metadata.get("trainer"):
        state = dict(metadata["trainer"])
        optimizer = dict(state.pop("optimizer"))
        optimizer["state"] = {}
        for name, value in arrays.items():
            if name.startswith("optimizer/"):
                _, param, key = name.split("/", 2)
                optimizer["state"].setdefault(param, {})[key] = value
        state["optimizer"] = optimizer
        state["accumulated"] = {k[len("accumulated/"):]: v for k, v in arrays.items() if k.startswith("accumulated/")}
        try:
            trainer.load_state_dict(state)
        except (KeyError, ValueError, TypeError) as error:
            raise CheckpointError(f"{path}: the trainer's state does not fit this trainer ({error})") from None
    if trainer is not None and lr is not None:
        trainer.optimizer.lr = float(lr)
    return metadata


def transplant_weights(model: OdyssNet, path) -> dict:
    """Copy a checkpoint's weights into a model of another size, block by block.

    Growing: the checkpoint fills the leading block and the rest keeps its initialisation.
    Shrinking: the most central block of each checkpoint matrix is kept. Returns, per
    parameter, the shape of the block copied.
    """
    _, arrays = _read(path)
    copied = {}
    for key, value in arrays.items():
        name = key[len("param/"):]
        if key.startswith("param/") and name in model.params and value.ndim == model.params[name].ndim:
            t, s = _overlap(model.params[name], value, centre=True)
            model.params[name][t] = value[s]
            copied[name] = tuple(sl.stop - sl.start for sl in t)
    if "topology/synapse_mask" in arrays:          # the checkpoint's dead synapses stay dead
        _load_mask(model, arrays["topology/synapse_mask"], centre=True)
    model.enforce_structure()
    return copied


def _load_mask(model: OdyssNet, saved, centre: bool = False) -> None:
    """Apply a saved pruning mask (None: nothing pruned) where it overlaps the model's W."""
    if saved is None:
        model.synapse_mask = None
    else:
        mask = np.ones((model.num_neurons,) * 2, dtype=bool)
        t, s = _overlap(mask, saved.astype(bool), centre)
        mask[t] = saved.astype(bool)[s]
        model.synapse_mask = mask
    model.enforce_structure()
