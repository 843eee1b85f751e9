"""Changing an OdyssNet's shape while it learns: neurogenesis, apoptosis, permanent pruning.

Three operations, each keeping the model, its optimizer state and the trainer's accumulated
gradients consistent with one another:

- ``expand``: neurogenesis. New neurons get zero incoming synapses and small random outgoing
  ones (N(0, 1e-3)), so they start silent and the function computed so far is unchanged, while
  gradients already reach their incoming weights through the outgoing ones.
- ``remove_neurons``: apoptosis of hidden neurons (never input or output neurons).
- ``prune_synapses``: RealNet's permanent pruning. Weak synapses are set to zero and masked;
  the mask keeps them at zero through any later training (gradients, optimizer steps, noise and
  weight regeneration all respect it).

Why StepNorm needs care: every step divides the activity by its root mean square over the N
neurons. Adding or removing a silent neuron leaves the sum of squares alone but changes N, which
would rescale every state by sqrt(N_new / N_old). Scaling the norm's gain (and the Hebbian norm's
gain, which normalises rows of length N the same way) by sqrt(N_old / N_new) cancels that exactly;
the Hebbian correlations carry a 1/N factor too, so stored traces are rescaled by N_old / N_new.
The cancellation is exact when a silent neuron's activity is zero, i.e. when the core and memory
activations map 0 to 0 (tanh, relu, gelu, silu, none, ... but not sigmoid).

Also here: ``neuron_utility`` (activity times outgoing weight, DNO's criterion for apoptosis)
and ``GrowthPolicy`` (DNO's growth on a loss plateau or confusion, with cooldown, cap and the
``scratch`` phase that locks growth, plus optional apoptosis of persistently useless neurons).
"""

from __future__ import annotations

import math

import numpy as np

from shared.frame.checks import integer, number
from shared.networks.odyssnet.network import HEBB_DECAY_INIT, HEBB_FACTOR_INIT, OdyssNet, init_array

OUTGOING_SCALE = 1e-3          # std of a new neuron's outgoing synapses ("micro quiet warm")
NORM_GAINS = ("norm.weight", "hebb_norm.weight")


def _neuron_axes(model: OdyssNet, name: str, value: np.ndarray) -> tuple[int, ...]:
    """The axes of a parameter or buffer that index neurons."""
    if name == "W" or name.endswith("_hebb_state_W"):
        return (0, 1)
    if name in ("B", "memory_feedback", "core_gate", "memory_gate", "norm.weight", "hebb_norm.weight") \
            or name.endswith("_hebb_state_mem"):
        return (0,)
    if "_hebb_" in name:                   # factor / decay: () global, (N,) neuron, (N, N) synapse
        return tuple(range(value.ndim))
    return ()                              # input/output scales and gates, embeddings, decoder


def _take(value: np.ndarray, axes: tuple[int, ...], index: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """value re-indexed along ``axes`` by ``index`` (-1 = a new entry, taken from ``fill``)."""
    out = fill.copy()
    old = index >= 0
    selector = tuple(np.ix_(*[np.nonzero(old)[0]] * len(axes)))
    source = tuple(np.ix_(*[index[old]] * len(axes)))
    full_out = [slice(None)] * value.ndim
    full_src = [slice(None)] * value.ndim
    for k, axis in enumerate(axes):
        full_out[axis] = selector[k]
        full_src[axis] = source[k]
    out[tuple(full_out)] = value[tuple(full_src)]
    return out


def _new_entries(model: OdyssNet, name: str, shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """Initial values of a grown parameter (only the entries of new neurons are used)."""
    dtype = model.dtype
    if name == "W":                                    # rows are outgoing synapses: micro noise
        return rng.normal(0.0, OUTGOING_SCALE, shape).astype(dtype)
    if name == "memory_feedback":
        return init_array(model.weight_init[2], shape, rng, dtype)
    if name in ("core_gate", "memory_gate"):
        return init_array(model.weight_init[3], shape, rng, dtype)
    if name.endswith("_hebb_factor"):
        return np.full(shape, HEBB_FACTOR_INIT, dtype)
    if name.endswith("_hebb_decay"):
        return np.full(shape, HEBB_DECAY_INIT, dtype)
    if name in NORM_GAINS:
        return np.ones(shape, dtype)
    return np.zeros(shape, dtype)                      # biases, traces


def _reindex(model: OdyssNet, index: np.ndarray, optimizer=None, accumulated=None, rng=None) -> None:
    """Give the model the neurons listed in ``index`` (old ids, -1 for new ones), in that order.

    Parameters, buffers, the synapse mask, the optimizer's per-parameter state and accumulated
    gradients are re-indexed together; the norm gains and Hebbian traces are rescaled so that
    silent neurons change nothing (see the module docstring).
    """
    n_old, n_new = model.num_neurons, int(index.size)
    rng = model.rng if rng is None else rng
    gain = math.sqrt(n_old / n_new)
    new_ids = index < 0
    fresh = {}
    for name, value in model.params.items():
        axes = _neuron_axes(model, name, value)
        if not axes:
            continue
        shape = tuple(n_new if axis in axes else size for axis, size in enumerate(value.shape))
        fill = _new_entries(model, name, shape, rng)
        if name == "W":
            fill[:, new_ids] = 0.0                     # incoming synapses of new neurons: zero
        grown = _take(value, axes, index, fill)
        if name in NORM_GAINS:
            grown *= gain
        fresh[name] = grown
        if optimizer is not None and name in optimizer.state:
            for key, moment in optimizer.state[name].items():
                if key == "p0":                        # Prodigy's starting point: a parameter value
                    optimizer.state[name][key] = _take(moment, axes, index, grown.copy())
                    if name in NORM_GAINS:
                        optimizer.state[name][key][index >= 0] *= gain
                else:                                  # moments: old entries kept, new ones zero
                    optimizer.state[name][key] = _take(moment, axes, index, np.zeros(shape, moment.dtype))
            getattr(optimizer, "_scratch", {}).pop(name, None)
        if accumulated is not None and name in accumulated:
            accumulated[name] = _take(accumulated[name], axes, index, np.zeros(shape, value.dtype))
    model.params.update(fresh)                         # same dict object: the optimizer keeps seeing it
    for name, value in model.buffers.items():
        axes = _neuron_axes(model, name, value)
        shape = tuple(n_new if axis in axes else size for axis, size in enumerate(value.shape))
        grown = _take(value, axes, index, np.zeros(shape, value.dtype))
        if name.endswith("_hebb_state_W"):             # correlations carry a 1/N factor
            grown *= n_old / n_new
        model.buffers[name] = grown
    if model.synapse_mask is not None:
        mask_fill = np.ones((n_new, n_new), dtype=bool)
        model.synapse_mask = _take(model.synapse_mask, (0, 1), index, mask_fill)

    position = np.full(n_old, -1)
    position[index[~new_ids]] = np.nonzero(~new_ids)[0]
    model.input_ids = position[model.input_ids]
    model.output_ids = position[model.output_ids]
    model.num_neurons = n_new
    model.config.update(num_neurons=n_new, input_ids=model.input_ids.tolist(),
                        output_ids=model.output_ids.tolist())
    model.enforce_structure()
    model._cache = None


def expand(model: OdyssNet, amount: int, optimizer=None, accumulated=None, rng=None) -> list[int]:
    """Neurogenesis: append ``amount`` silent hidden neurons; returns their ids."""
    amount = integer("amount", amount)
    n = model.num_neurons
    _reindex(model, np.concatenate([np.arange(n), np.full(amount, -1)]), optimizer, accumulated, rng)
    return list(range(n, n + amount))


def hidden_ids(model: OdyssNet) -> np.ndarray:
    """Neurons that are neither input nor output neurons."""
    io = set(model.input_ids.tolist()) | set(model.output_ids.tolist())
    return np.array([i for i in range(model.num_neurons) if i not in io], dtype=int)


def remove_neurons(model: OdyssNet, ids, optimizer=None, accumulated=None) -> list[int]:
    """Apoptosis: delete hidden neurons ``ids``; the others keep their order (ids shift down)."""
    ids = sorted({int(i) for i in np.atleast_1d(ids)})
    hidden = set(hidden_ids(model).tolist())
    bad = [i for i in ids if i not in hidden]
    if bad:
        raise ValueError(f"only hidden neurons can be removed; {bad} are input/output neurons or out of range")
    if len(ids) >= model.num_neurons:
        raise ValueError("cannot remove every neuron")
    if ids:
        keep = np.setdiff1d(np.arange(model.num_neurons), ids)
        _reindex(model, keep, optimizer, accumulated)
    return ids


def prune_synapses(model: OdyssNet, threshold: float, optimizer=None, accumulated=None) -> tuple[int, int, int]:
    """Kill synapses of W with |w| < threshold for good. Returns (newly pruned, dead, total).

    Dead synapses are zero and masked: later gradients, optimizer moments, synaptic noise and
    weight regeneration leave them at zero. "total" counts W's off-diagonal synapses.
    """
    threshold = number("threshold", threshold)
    n = model.num_neurons
    w = model.params["W"]
    alive = np.ones((n, n), dtype=bool) if model.synapse_mask is None else model.synapse_mask.copy()
    np.fill_diagonal(alive, False)
    newly = alive & (np.abs(w) < threshold)
    mask = alive & ~newly
    np.fill_diagonal(mask, True)          # the diagonal is structural, not pruned
    model.synapse_mask = mask
    model.enforce_structure()
    if optimizer is not None and "W" in optimizer.state:
        for key, moment in optimizer.state["W"].items():
            moment[~mask] = 0.0
    if accumulated is not None and "W" in accumulated:
        accumulated["W"] *= mask
    total = n * (n - 1)
    return int(newly.sum()), int(total - (mask.sum() - n)), total


def neuron_utility(model: OdyssNet) -> np.ndarray:
    """(N,) mean |activity| in the last forward pass times the summed |outgoing synapses|.

    A neuron that is never active, or whose activity reaches no other neuron, scores zero.
    """
    cache = model._cache
    if cache is None:
        raise RuntimeError("neuron_utility reads the last forward pass; run one first")
    activity = np.abs(cache["hs"][1:]).mean(axis=(0, 1))
    return activity * np.abs(model.params["W"]).sum(axis=1)


def output_entropy(outputs: np.ndarray) -> float:
    """Mean softmax entropy of outputs (..., C) over the last axis, normalised to [0, 1]."""
    z = outputs - outputs.max(axis=-1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=-1, keepdims=True)
    entropy = -(p * np.log(np.clip(p, 1e-300, None))).sum(axis=-1)
    return float(entropy.mean() / math.log(outputs.shape[-1])) if outputs.shape[-1] > 1 else 0.0


class GrowthPolicy:
    """DNO's life cycle for an OdyssNetTrainer: grow when stuck or confused, let useless neurons die.

    Call ``update(trainer, loss, outputs=None)`` after every training step. Growth (``amount``
    neurons through ``trainer.expand``) happens when

    - the loss has plateaued: over the last ``window`` losses the mean of the newer half is not
      ``tolerance`` (relative) below the mean of the older half; or
    - ``entropy_threshold`` is set and the normalised output entropy (classification outputs)
      has stayed above it for ``window`` steps,

    and never during the ``scratch`` phase, within ``cooldown`` steps of the last growth, or
    beyond ``max_neurons``. With ``apoptosis_threshold`` set, a hidden neuron whose utility
    (``neuron_utility``) stays below it for ``patience`` consecutive steps is removed, but only
    neurons older than ``cooldown`` steps (new ones start silent by design).
    Returns a list of events ``(step, "grow" | "die", neuron ids)`` for that call; ``events``
    keeps them all.
    """

    PHASES = ("scratch", "adaptive")

    def __init__(self, phase: str = "adaptive", amount: int = 1, max_neurons: int | None = None,
                 cooldown: int = 100, window: int = 50, tolerance: float = 0.01,
                 entropy_threshold: float | None = None, apoptosis_threshold: float | None = None,
                 patience: int = 50):
        if phase not in self.PHASES:
            raise ValueError(f"phase must be one of {self.PHASES}")
        if amount < 1 or cooldown < 0 or window < 2 or patience < 1:
            raise ValueError("amount >= 1, cooldown >= 0, window >= 2 and patience >= 1 are required")
        self.phase, self.amount, self.max_neurons = phase, int(amount), max_neurons
        self.cooldown, self.window, self.tolerance = int(cooldown), int(window), float(tolerance)
        self.entropy_threshold, self.apoptosis_threshold = entropy_threshold, apoptosis_threshold
        self.patience = int(patience)
        self.step = 0
        self.last_growth = -self.cooldown
        self.losses: list[float] = []
        self.confused_steps = 0
        self.low_utility: np.ndarray | None = None      # consecutive low readings per neuron
        self.born: np.ndarray | None = None             # step at which each neuron appeared
        self.events: list[tuple[int, str, list[int]]] = []

    def plateaued(self) -> bool:
        if len(self.losses) < self.window:
            return False
        half = self.window // 2
        older, newer = np.mean(self.losses[-self.window:-half]), np.mean(self.losses[-half:])
        return bool(older - newer <= self.tolerance * abs(older))

    def update(self, trainer, loss: float, outputs: np.ndarray | None = None) -> list:
        model = trainer.model
        self.step += 1
        if self.born is None or self.born.size != model.num_neurons:
            self.born = np.zeros(model.num_neurons, dtype=int)
            self.low_utility = np.zeros(model.num_neurons, dtype=int)
        self.losses = (self.losses + [float(loss)])[-self.window:]
        if outputs is not None and self.entropy_threshold is not None:
            confused = output_entropy(np.asarray(outputs)) > self.entropy_threshold
            self.confused_steps = self.confused_steps + 1 if confused else 0
        events = []
        room = self.max_neurons is None or model.num_neurons + self.amount <= self.max_neurons
        stuck = self.plateaued() or self.confused_steps >= self.window
        if self.phase == "adaptive" and room and stuck and self.step - self.last_growth >= self.cooldown:
            ids = trainer.expand(self.amount)
            self.born = np.concatenate([self.born, np.full(self.amount, self.step)])
            self.low_utility = np.concatenate([self.low_utility, np.zeros(self.amount, dtype=int)])
            self.last_growth, self.losses, self.confused_steps = self.step, [], 0
            events.append((self.step, "grow", ids))
        if self.apoptosis_threshold is not None and model._cache is not None and not events:
            utility = neuron_utility(model)
            low = utility < self.apoptosis_threshold
            self.low_utility = np.where(low, self.low_utility + 1, 0)
            hidden = hidden_ids(model)
            old_enough = self.step - self.born[hidden] >= self.cooldown
            dying = hidden[(self.low_utility[hidden] >= self.patience) & old_enough]
            if dying.size and dying.size < model.num_neurons:
                trainer.prune_neurons(ids=dying)
                keep = np.setdiff1d(np.arange(self.born.size), dying)
                self.born, self.low_utility = self.born[keep], self.low_utility[keep]
                events.append((self.step, "die", dying.tolist()))
        self.events.extend(events)
        return events
