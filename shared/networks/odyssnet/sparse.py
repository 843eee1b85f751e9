"""SparseOdyssNet: forward-only inference with the recurrent matrix in compressed sparse form.

After heavy pruning most of W is zero, yet the dense product h W still reads all N^2 entries at
every thinking step. Here W is stored column-compressed (for each receiving neuron j, the
senders i with W_ij != 0 and their weights), and h W is a gather, a multiply and a segmented
sum over the nonzero synapses only. Everything else in a step (memory feedback, gates,
activation, StepNorm, the input and output paths) is the dense model's own code, so outputs agree
with the dense model to rounding. Models with Hebbian plasticity are refused: their effective
matrix W + H is dense at every step.

What it buys, measured by benchmarks/bench_odyssnet.py: the weights stored and read fall with
the synapse count, but a numpy gather costs about 1 ns per synapse where the BLAS product costs a
few hundredths of a ns per dense entry, so in wall-clock time it only draws level with the dense
forward at 99% sparsity for single sequences (0.95x at N = 512, 0.98x at N = 2048) and is slower
everywhere else, batches far slower (shared/README.md, "Speed").
"""

from __future__ import annotations

import copy

import numpy as np

from shared.networks.odyssnet.network import OdyssNet


class SparseOdyssNet(OdyssNet):
    """An OdyssNet whose forward pass multiplies by W in sparse form; it cannot be trained."""

    @classmethod
    def from_dense(cls, model: OdyssNet) -> "SparseOdyssNet":
        """A forward-only copy of ``model`` (parameters copied, in evaluation mode)."""
        if model.paths:
            raise ValueError("SparseOdyssNet needs a model without Hebbian plasticity (hebb_type=None)")
        sparse = cls.__new__(cls)
        sparse.__dict__.update(copy.deepcopy({k: v for k, v in model.__dict__.items() if k != "_cache"}))
        sparse._cache = None
        sparse.training = False
        sparse._compress()
        return sparse

    def _compress(self) -> None:
        w = self.params["W"]
        receivers, senders = np.nonzero(w.T)              # sorted by receiver j, then sender i
        self.senders = senders                             # (nnz,)
        self.weights = w.T[receivers, senders].copy()      # (nnz,)
        counts = np.bincount(receivers, minlength=self.num_neurons)
        self.receivers_with_input = np.nonzero(counts)[0]
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.segment_starts = starts[self.receivers_with_input]   # one segment per receiver with input

    @property
    def nnz(self) -> int:
        return int(self.weights.size)

    def _recurrent(self, h: np.ndarray) -> np.ndarray:
        """h W (B, N) from the nonzero synapses only."""
        out = np.zeros_like(h)
        if self.nnz:
            products = h[:, self.senders] * self.weights                       # (B, nnz)
            out[:, self.receivers_with_input] = np.add.reduceat(products, self.segment_starts, axis=1)
        return out

    def forward(self, x, steps: int, current_state=None, return_sequence: bool = True):
        self.training = False                              # no dropout in inference
        return super().forward(x, steps, current_state, return_sequence)

    __call__ = forward

    def train(self, mode: bool = True) -> "SparseOdyssNet":
        if mode:
            raise RuntimeError("SparseOdyssNet is for inference only; train the dense model")
        return self

    def backward(self, *args, **kwargs):
        raise RuntimeError("SparseOdyssNet is for inference only; train the dense model")
