"""shared.networks.odyssnet.OdyssNetSequence: shapes, causality, and its backward against central differences."""

from __future__ import annotations

import numpy as np

from shared.frame.gradcheck import check_gradients
from shared.networks.odyssnet import OdyssNetSequence


def test_outputs_read_only_earlier_frames_and_the_gradient_checks():
    rng = np.random.default_rng(0)
    model = OdyssNetSequence(input_size=2, neurons=6, output_size=3, think=2, rng=1)
    x = rng.normal(size=(2, 4, 2))
    y = model.forward(x)
    assert y.shape == (2, 4, 3)
    later = x.copy()
    later[:, 2:] += 1.0
    assert np.allclose(model.forward(later)[:, :2], y[:, :2]) and not np.allclose(model.forward(later)[:, 2:],
                                                                                   y[:, 2:])
    weights = rng.normal(size=y.shape)

    def loss():
        return float(np.sum(weights * model.forward(x)))

    model.forward(x)
    grads = model.backward(weights)
    off_diagonal = np.flatnonzero(~np.eye(6, dtype=bool))          # W's diagonal is structurally zero
    errors = check_gradients(loss, model.params, grads, entries={"W": off_diagonal})
    assert max(errors.values()) < 1e-6, errors
