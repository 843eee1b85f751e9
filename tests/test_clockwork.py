"""shared.networks.clockwork: the clock schedule, the block-triangular recurrence, units holding their
values between ticks, and BPTT against finite differences."""

import numpy as np
import pytest

import shared  # noqa: F401
from shared.frame.gradcheck import check_gradients
from shared.networks.clockwork import Clockwork


def test_schedule_and_connectivity():
    net = Clockwork(2, modules=3, module_size=2, n_out=1, rng=np.random.default_rng(0))
    active = net.active(8)
    assert active[:, 0].all()                                   # period 1: every step
    assert active[:, 2].tolist() == [True, False] * 4           # period 2
    assert active[:, 4].tolist() == [True, False, False, False] * 2   # period 4
    # the slowest module receives from itself only; the fastest from every module
    assert net.mask[:, 4:].sum() == 2 * 2 and net.mask[:, :2].all()
    assert np.all(net.params["W_rec"][~net.mask] == 0)


def test_slow_units_hold_their_values_between_ticks():
    net = Clockwork(2, modules=3, module_size=2, n_out=1, rng=np.random.default_rng(1))
    x = np.random.default_rng(2).normal(size=(3, 9, 2))
    _, cache = net.forward(x)
    hs = cache["hs"][:, 1:]
    for t in range(1, 9):
        if t % 4:
            np.testing.assert_array_equal(hs[:, t, 4:], hs[:, t - 1, 4:])
    assert not np.allclose(hs[:, 4, 4:], hs[:, 3, 4:])          # ... and change at their ticks


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    net = Clockwork(3, modules=3, module_size=2, n_out=2, rng=rng, init_scale=0.6)
    x = rng.normal(size=(2, 7, 3))
    up = rng.normal(size=(2, 7, 2))
    _, cache = net.forward(x)
    grads, d_x = net.backward(cache, up)
    entries = {"W_rec": np.flatnonzero(net.mask)}               # the absent connections stay zero
    errors = check_gradients(lambda: float((net.forward(x)[0] * up).sum()), {**net.params, "x": x},
                             {**grads, "x": d_x}, entries=entries)
    assert max(errors.values()) < 1e-6, errors


def test_refusals():
    with pytest.raises(ValueError, match="periods"):
        Clockwork(1, modules=2, module_size=2, n_out=1, rng=np.random.default_rng(0), periods=[4, 1])
