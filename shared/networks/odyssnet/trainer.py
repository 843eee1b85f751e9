"""OdyssNetTrainer: losses, optimisation step, gradient accumulation, ghost gradients, anomalies.

``lr=None`` trains with Prodigy (its step size is estimated on the fly); a float trains with
AdamW. Either way: weight decay 0.01 except on gates, biases, norm weights and Hebbian logits;
gradients clipped to a global norm of 1.0; W's diagonal kept at zero.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from shared.frame.checks import integer, number
from shared.frame.experiment import Progress
from shared.networks.odyssnet import topology
from shared.networks.odyssnet.network import OdyssNet, prepare_input
from shared.networks.optim import AdamW, Optimizer, Prodigy, clip_global_norm, global_norm

WEIGHT_DECAY = 0.01
MAX_GRAD_NORM = 1.0
LOSSES = ("mse", "cross_entropy")
ANOMALY_WINDOW = 100        # losses a plateau is judged over
PLATEAU_TOLERANCE = 1e-3    # (max - min) / |mean| below this over the window is a plateau
SPIKE_ZSCORE = 6.0          # a loss this many running standard deviations above the running mean
SPIKE_RATIO = 1.5           # ... and this many times the running mean, is a spike


def no_decay_names(params: dict) -> set[str]:
    """Parameters exempt from weight decay: gates, biases, norm weights, Hebbian logits."""
    return {name for name in params
            if name.endswith("_gate") or name == "B" or name.endswith("norm.weight") or "_hebb_" in name}


def mse(pred: np.ndarray, target: np.ndarray, mask=None):
    """Mean squared error (over unmasked entries) and its gradient."""
    target = np.asarray(target, dtype=pred.dtype)
    if target.size != pred.size:
        raise ValueError(f"targets must match the predictions {pred.shape}, got {target.shape}")
    diff = pred - target.reshape(pred.shape)
    weight = np.ones_like(pred) if mask is None else np.broadcast_to(np.asarray(mask, pred.dtype), pred.shape)
    count = max(float(weight.sum()), 1e-12)
    return float(np.sum(weight * diff * diff) / count), 2.0 * weight * diff / count


def cross_entropy(logits: np.ndarray, target: np.ndarray, mask=None):
    """Mean softmax cross-entropy over the last axis with integer targets, and its gradient."""
    target = np.asarray(target)
    if target.size != int(np.prod(logits.shape[:-1])) or not (np.issubdtype(target.dtype, np.integer) or np.all(
            np.mod(target, 1) == 0)):
        raise ValueError(f"cross-entropy targets must be {logits.shape[:-1]} class indices, got {target.dtype} "
                         f"{target.shape}")
    target = target.astype(int).reshape(logits.shape[:-1])
    weight = np.ones(target.shape, logits.dtype) if mask is None else \
        np.broadcast_to(np.asarray(mask, logits.dtype), target.shape)
    counted = target[weight != 0]                 # masked-out steps may hold any placeholder (e.g. -1)
    if counted.size and (counted.min() < 0 or counted.max() >= logits.shape[-1]):
        raise ValueError(f"class indices must lie in 0..{logits.shape[-1] - 1}, got {counted.min()}..{counted.max()}")
    target = np.where(weight != 0, target, 0)     # a placeholder must not index (it has weight 0 anyway)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_prob = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_prob, target[..., None], axis=-1)[..., 0]
    count = max(float(weight.sum()), 1e-12)
    grad = np.exp(log_prob)
    np.put_along_axis(grad, target[..., None], np.take_along_axis(grad, target[..., None], axis=-1) - 1.0, axis=-1)
    return float(-np.sum(weight * picked) / count), grad * (weight / count)[..., None]


class OdyssNetTrainer:
    """Training loop for an OdyssNet (see the module docstring for the defaults)."""

    def __init__(self, model: OdyssNet, lr: float | None = None, optimizer: Optimizer | None = None,
                 loss: str = "mse", gradient_persistence: float = 0.0, synaptic_noise: float = 0.0,
                 anomaly_hook: Callable[[str, float], None] | None = None):
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}")
        if not 0.0 <= gradient_persistence < 1.0:
            raise ValueError("gradient_persistence must be in [0, 1)")
        synaptic_noise = number("synaptic_noise", synaptic_noise)
        self.model = model
        self.loss_name = loss
        self.loss_fn = mse if loss == "mse" else cross_entropy
        self.gradient_persistence = float(gradient_persistence)
        self.synaptic_noise = float(synaptic_noise)
        self.anomaly_hook = anomaly_hook
        if optimizer is not None:
            self.optimizer = optimizer
        elif lr is None:
            self.optimizer = Prodigy(model.params, weight_decay=WEIGHT_DECAY, no_decay=no_decay_names(model.params))
        else:
            self.optimizer = AdamW(model.params, lr=lr, weight_decay=WEIGHT_DECAY,
                                   no_decay=no_decay_names(model.params))
        self.initial_lr = self.optimizer.lr
        self.accumulated: dict[str, np.ndarray] | None = None
        self.calls = 0                 # train_batch calls
        self.step_count = 0            # optimizer steps
        self.last_loss: float | None = None
        self.last_predictions: np.ndarray | None = None
        self.last_grad_norm: float | None = None
        self.losses: list[float] = []  # the last ANOMALY_WINDOW losses
        self.ewma_mean: float | None = None
        self.ewma_var = 0.0

    # ------------------------------------------------------------------------------------
    # Data
    # ------------------------------------------------------------------------------------

    def prepare(self, x) -> np.ndarray:
        """Tokens and vocabulary inputs as they are; raw features placed on the input neurons."""
        model = self.model
        x = np.asarray(x)
        if np.issubdtype(x.dtype, np.integer):
            return x
        last = x.shape[-1]
        if "proj.weight" in model.params and last == model.v_in:
            return x.astype(model.dtype, copy=False)
        if last == model.input_ids.size:
            return prepare_input(x, model.input_ids, model.num_neurons, model.dtype)
        if last == model.num_neurons:
            return x.astype(model.dtype, copy=False)
        raise ValueError(f"features must have {model.input_ids.size} (input neurons) or {model.num_neurons} "
                         f"(all neurons) entries in the last axis, got {last}")

    def _outputs(self, all_states: np.ndarray) -> np.ndarray:
        """What the loss sees: decoder outputs, or the output neurons' scaled states (B, K, O)."""
        if "output_decoder.weight" in self.model.params:
            return all_states
        return all_states[..., self.model.output_ids]

    def _d_all_states(self, all_states: np.ndarray, d_outputs: np.ndarray) -> np.ndarray:
        d_all = np.zeros_like(all_states)
        if "output_decoder.weight" in self.model.params:
            d_all[...] = d_outputs
        else:
            d_all[..., self.model.output_ids] = d_outputs
        return d_all

    # ------------------------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------------------------

    def _forward_loss(self, x, y, thinking_steps, full_sequence, mask):
        all_states, _ = self.model.forward(self.prepare(x), thinking_steps, return_sequence=full_sequence)
        outputs = self._outputs(all_states)
        pred = outputs if full_sequence else outputs[:, -1]
        self.last_predictions = pred                 # what the batch was answered before this update
        loss, d_pred = self.loss_fn(pred, y, mask)
        if not full_sequence:
            d_outputs = np.zeros_like(outputs)
            d_outputs[:, -1] = d_pred
        else:
            d_outputs = d_pred
        return loss, all_states, d_outputs

    def train_batch(self, x, y, thinking_steps: int, gradient_accumulation_steps: int = 1,
                    full_sequence: bool = False, mask=None) -> float:
        """One forward/backward; an optimizer step every ``gradient_accumulation_steps`` calls.

        y: (B, O) targets of the last step, or (B, K, O) with full_sequence (integer class
        indices (B,) / (B, K) for cross-entropy). Returns the loss.
        """
        if gradient_accumulation_steps < 1:
            raise ValueError("gradient_accumulation_steps must be >= 1")
        model = self.model
        model.train()
        if self.synaptic_noise:
            noise = model.rng.normal(0.0, self.synaptic_noise, model.params["W"].shape).astype(model.dtype)
            model.params["W"] += noise
            model.enforce_structure()
        loss, all_states, d_outputs = self._forward_loss(x, y, thinking_steps, full_sequence, mask)
        self.calls += 1
        if not math.isfinite(loss):
            self._anomaly("spike", loss)
            return loss
        grads = model.backward(self._d_all_states(all_states, d_outputs))
        if self.accumulated is None:
            self.accumulated = {k: np.zeros_like(v) for k, v in grads.items()}
        for name, g in grads.items():
            self.accumulated[name] += g if gradient_accumulation_steps == 1 else g / gradient_accumulation_steps
        if self.calls % gradient_accumulation_steps == 0:
            self._optimizer_step()
        self._track(loss)
        return loss

    def _optimizer_step(self) -> None:
        self.last_grad_norm = clip_global_norm(self.accumulated, MAX_GRAD_NORM)
        self.optimizer.step(self.accumulated)
        self.model.enforce_structure()
        self.step_count += 1
        for g in self.accumulated.values():      # ghost gradients: an echo of this (clipped) step survives
            g *= self.gradient_persistence

    def fit(self, input_features, target_values, epochs: int, batch_size: int = 32, thinking_steps: int = 10,
            full_sequence: bool = False, verbose: bool = True) -> list[float]:
        """Mini-batch training over shuffled data; returns the mean loss of every epoch."""
        x, y = np.asarray(input_features), np.asarray(target_values)
        epochs, batch_size = integer("epochs", epochs, low=0), integer("batch_size", batch_size)
        thinking_steps = integer("thinking_steps", thinking_steps)      # checked even when no epoch runs
        if x.ndim == 0 or y.ndim == 0 or x.shape[0] != y.shape[0]:
            raise ValueError(f"inputs and targets must have one row per example, got {x.shape} and {y.shape}")
        count = x.shape[0]
        history = []
        progress = Progress(epochs, label="epoch") if verbose else None
        for epoch in range(epochs):
            order = self.model.rng.permutation(count)
            losses = [self.train_batch(x[order[i:i + batch_size]], y[order[i:i + batch_size]], thinking_steps,
                                       full_sequence=full_sequence)
                      for i in range(0, count, batch_size)]
            history.append(float(np.mean(losses)))
            if progress:
                progress.update(epoch + 1, force=epoch + 1 == epochs, loss=history[-1])
        return history

    def predict(self, x, thinking_steps: int, full_sequence: bool = False) -> np.ndarray:
        """Outputs in evaluation mode (no dropout): (B, O), or (B, K, O) with full_sequence."""
        model = self.model
        was_training = model.training
        model.eval()
        all_states, _ = model.forward(self.prepare(x), thinking_steps, return_sequence=full_sequence)
        model.train(was_training)
        outputs = self._outputs(all_states)
        return outputs if full_sequence else outputs[:, -1]

    def evaluate(self, x, y, thinking_steps: int, full_sequence: bool = False, mask=None) -> float:
        """The loss on (x, y) in evaluation mode, without any update."""
        return self.loss_fn(self.predict(x, thinking_steps, full_sequence), y, mask)[0]

    # ------------------------------------------------------------------------------------
    # Plasticity of the topology, diagnostics, state
    # ------------------------------------------------------------------------------------

    def regenerate_synapses(self, threshold: float | None = None, percentage: float | None = None):
        """Re-draw weak synapses (see OdyssNet.regenerate_weak_weights) and forget their moments."""
        revived, total, mask = self.model.regenerate_weak_weights(threshold=threshold, percentage=percentage)
        for key, value in self.optimizer.state.get("W", {}).items():
            if key == "p0":
                value[mask] = self.model.params["W"][mask]
            else:
                value[mask] = 0.0
        return revived, total

    def expand(self, amount: int = 1) -> list[int]:
        """Neurogenesis: add ``amount`` silent hidden neurons (see shared.networks.odyssnet.topology.expand).

        The function computed so far is unchanged; the optimizer's moments of the old entries are
        carried over unchanged and the new entries start with zero moments. Returns the new ids.
        """
        return topology.expand(self.model, amount, self.optimizer, self.accumulated)

    def prune_synapses(self, threshold: float) -> tuple[int, int, int]:
        """RealNet's permanent pruning of |w| < threshold: (newly pruned, dead, total synapses)."""
        return topology.prune_synapses(self.model, threshold, self.optimizer, self.accumulated)

    def prune_neurons(self, threshold: float | None = None, ids=None) -> list[int]:
        """Apoptosis: remove hidden neurons ``ids``, or those whose utility in the last forward
        pass (activity x outgoing weight, topology.neuron_utility) is below ``threshold``."""
        if (threshold is None) == (ids is None):
            raise ValueError("give exactly one of threshold or ids")
        if ids is None:
            hidden = topology.hidden_ids(self.model)
            ids = hidden[topology.neuron_utility(self.model)[hidden] < threshold]
        return topology.remove_neurons(self.model, ids, self.optimizer, self.accumulated)

    def _track(self, loss: float) -> None:
        if self.last_loss is not None and loss > self.last_loss:
            self._anomaly("increase", loss)
        if self.ewma_mean is not None and len(self.losses) >= 10:
            std = math.sqrt(self.ewma_var)
            if loss > self.ewma_mean + SPIKE_ZSCORE * std and loss > SPIKE_RATIO * self.ewma_mean:
                self._anomaly("spike", loss)
        alpha = 0.05
        if self.ewma_mean is None:
            self.ewma_mean = loss
        else:
            delta = loss - self.ewma_mean
            self.ewma_mean += alpha * delta
            self.ewma_var = (1 - alpha) * (self.ewma_var + alpha * delta * delta)
        self.losses.append(loss)
        if len(self.losses) > ANOMALY_WINDOW:
            self.losses.pop(0)
        if len(self.losses) == ANOMALY_WINDOW:
            spread = max(self.losses) - min(self.losses)
            if spread < PLATEAU_TOLERANCE * (abs(float(np.mean(self.losses))) + 1e-12):
                self._anomaly("plateau", loss)
                self.losses.clear()
        self.last_loss = loss

    def _anomaly(self, kind: str, loss: float) -> None:
        if self.anomaly_hook is not None:
            self.anomaly_hook(kind, loss)

    def get_diagnostics(self, debug: bool = False) -> dict:
        out = {"step_count": self.step_count, "last_loss": self.last_loss,
               "current_lr": getattr(self.optimizer, "d", 1.0) * self.optimizer.lr,
               "gradient_persistence": self.gradient_persistence}
        if debug:
            acc = self.accumulated or {}
            out["persistent_grads_active"] = int(sum(bool(np.any(g)) for g in acc.values()))
            out["anomaly_tracking"] = {"ewma_mean": self.ewma_mean, "ewma_var": self.ewma_var}
            out["loss_tracking"] = {"recent": list(self.losses[-10:]), "buffer_size": len(self.losses)}
            out["gradient_stats"] = {"global_norm_before_clip": self.last_grad_norm,
                                     "accumulated_norm": global_norm(acc) if acc else 0.0,
                                     "per_parameter": {k: {"norm": float(np.linalg.norm(g)), "mean": float(g.mean())}
                                                       for k, g in acc.items()}}
        return out

    def state_dict(self) -> dict:
        return {"calls": self.calls, "step_count": self.step_count, "last_loss": self.last_loss,
                "losses": list(self.losses), "ewma_mean": self.ewma_mean, "ewma_var": self.ewma_var,
                "optimizer": self.optimizer.state_dict(),
                "accumulated": {k: v.copy() for k, v in (self.accumulated or {}).items()}}

    def load_state_dict(self, state: dict) -> None:
        self.calls, self.step_count = int(state["calls"]), int(state["step_count"])
        self.last_loss = state["last_loss"]
        self.losses = list(state["losses"])
        self.ewma_mean, self.ewma_var = state["ewma_mean"], float(state["ewma_var"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.accumulated = {k: np.array(v) for k, v in state["accumulated"].items()} or None
