"""The OdyssNet core read as a framewise sequence model (timit-blstm-ctc, iam-handwriting).

    model = OdyssNetSequence(input_size, neurons, output_size, think, rng)
    logits = model.forward(x)            # x (B, T, input_size) -> (B, T, output_size)
    grads = model.backward(d_logits)     # keyed like model.params

The features stream onto the first ``input_size`` neurons, one frame every ``think`` thinking steps (the
frame held for those steps, no pulses); the last ``output_size`` neurons after each frame's steps are the
outputs. Unidirectional: an output reads only the frames up to its own.
"""

from __future__ import annotations

import numpy as np

from shared.networks.odyssnet.network import OdyssNet


class OdyssNetSequence:
    """The OdyssNet core as a sequence model: frames on the input neurons, outputs on the last neurons."""

    def __init__(self, input_size: int, neurons: int, output_size: int, think: int, rng):
        self.n_in, self.n_out, self.think = input_size, output_size, think
        self.out_ids = list(range(neurons - output_size, neurons))
        self.net = OdyssNet(num_neurons=neurons, input_ids=list(range(input_size)), output_ids=self.out_ids,
                            pulse_mode=False, rng=rng)
        self.params = self.net.params
        self.neurons = neurons

    def forward(self, x, lengths=None):
        """x (B, T, input_size) -> outputs (B, T, output_size); ``lengths`` is accepted and unused (the
        outputs past a sequence's length are the caller's to ignore)."""
        b, t, d = x.shape
        full = np.zeros((b, t, self.neurons))
        full[:, :, :d] = x
        states, _ = self.net.forward(full, steps=t * self.think)
        self._shape = states.shape
        return states[:, :, self.out_ids]

    def backward(self, d_outputs):
        """d_outputs (B, T, output_size) -> gradients keyed like ``params`` (BPTT through the core)."""
        d_states = np.zeros(self._shape)
        d_states[:, :, self.out_ids] = d_outputs
        return self.net.backward(d_states, np.zeros((self._shape[0], self.neurons)))
