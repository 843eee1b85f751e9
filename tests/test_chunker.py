"""shared.learning.chunker: the 2-net chunker's on-line gradients (RTRL and truncated BPTT, with C stepped only
where A was surprised) against the numerical gradient, a wrong one caught, and C's surprise channel."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from shared.learning.chunker import ChunkerPair, PairConfig, _add

N = 6


def _stream(seed: int, steps: int):
    """A short stream of symbols over N with a binary label, for checking gradients."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, N, steps + 1), float(rng.integers(0, 2))


def _pair_run(params_a, params_c, cfg, steps, mask, seed=5):
    """Losses summed over a stream with the weights held still (lr = 0) and C's inputs fixed by mask,
    and the pair's on-line gradients summed over the same stream."""
    pair = ChunkerPair(N, [np.random.default_rng(seed)], cfg)
    pair.a.params = {k: v.copy() for k, v in params_a.items()}
    pair.c.params = {k: v.copy() for k, v in params_c.items()}
    pair.rtrl_a.bank = pair.a
    pair.rtrl_c.bank = pair.c
    pair.out_a, pair.out_c = pair.a.params["c"].copy(), pair.c.params["c"].copy()
    sym, label = _stream(seed, steps)
    eye = np.eye(N)
    loss_a = loss_c = 0.0
    ga, gc = {}, {}
    for t in range(steps):
        target = np.array([[label]]) if t % 4 == 3 else None
        out = pair.step(eye[sym[t]][None], target, sym[t + 1:t + 2], np.array([mask[t]]))
        loss_a += float(out["loss_a"][0])
        loss_c += float(out["loss_c"][0])
        _add(ga, pair.grads_a)
        _add(gc, pair.grads_c)
    return loss_a, loss_c, ga, gc


def _perturbed(seed: int):
    cfg = replace(PairConfig(), lr_a=0.0, lr_c=0.0, clip=0.0)
    base = ChunkerPair(N, [np.random.default_rng(seed)], cfg)
    pa = {k: v + 0.3 * np.random.default_rng(1).standard_normal(v.shape) for k, v in base.a.params.items()}
    pc = {k: v + 0.3 * np.random.default_rng(2).standard_normal(v.shape) for k, v in base.c.params.items()}
    return cfg, pa, pc


@pytest.mark.parametrize("predict_c", [True, False])
def test_the_pairs_online_gradients_pass_the_numerical_check(predict_c):
    cfg, pa, pc = _perturbed(5)
    cfg = replace(cfg, predict_c=predict_c)
    steps = 12
    mask = np.random.default_rng(3).random(steps) < 0.5
    mask[0] = True
    _, _, ga, gc = _pair_run(pa, pc, cfg, steps, mask)
    eps, worst = 1e-6, 0.0
    rng = np.random.default_rng(4)
    for which, params, grads, idx in (("a", pa, ga, 0), ("c", pc, gc, 1)):
        for name, value in params.items():
            for _ in range(4):
                pos = tuple(rng.integers(0, d) for d in value.shape)
                plus = {k: v.copy() for k, v in params.items()}
                minus = {k: v.copy() for k, v in params.items()}
                plus[name][pos] += eps
                minus[name][pos] -= eps
                args_p = (plus, pc) if which == "a" else (pa, plus)
                args_m = (minus, pc) if which == "a" else (pa, minus)
                num = (_pair_run(*args_p, cfg, steps, mask)[idx] - _pair_run(*args_m, cfg, steps, mask)[idx]) / (2 * eps)
                ana = grads[name][pos]
                err = abs(num - ana) / max(1e-8, abs(num) + abs(ana))
                worst = max(worst, err if abs(num) + abs(ana) > 1e-9 else 0.0)
    assert worst < 1e-6, worst


def test_a_wrong_gradient_would_be_caught():
    cfg, pa, pc = _perturbed(5)
    mask = np.ones(6, bool)
    _, _, ga, _ = _pair_run(pa, pc, cfg, 6, mask)
    eps = 1e-6
    plus = {k: v.copy() for k, v in pa.items()}
    minus = {k: v.copy() for k, v in pa.items()}
    plus["V"][0, 2, 3] += eps
    minus["V"][0, 2, 3] -= eps
    num = (_pair_run(plus, pc, cfg, 6, mask)[0] - _pair_run(minus, pc, cfg, 6, mask)[0]) / (2 * eps)
    assert abs(num - ga["V"][0, 2, 3] * 1.02) / abs(num) > 1e-3


def test_truncated_bptt_equals_rtrl_when_the_window_covers_the_stream_and_differs_when_short():
    cfg, pa, pc = _perturbed(5)
    mask = np.random.default_rng(3).random(12) < 0.5
    mask[0] = True
    _, _, ga, gc = _pair_run(pa, pc, cfg, 12, mask)
    _, _, ta, tc = _pair_run(pa, pc, replace(cfg, truncate=20), 12, mask)
    for exact, truncated in ((ga, ta), (gc, tc)):
        for name in exact:
            assert np.allclose(exact[name], truncated[name], rtol=1e-10, atol=1e-12), name
    _, _, sa, _ = _pair_run(pa, pc, replace(cfg, truncate=3), 12, mask)
    assert not np.allclose(ga["U"], sa["U"])
    assert np.allclose(ga["V"], sa["V"])            # the read-out's own gradient has no recurrence


def test_c_takes_inputs_only_where_a_was_surprised_and_keeps_its_state_otherwise():
    cfg = replace(PairConfig(), lr_a=0.0, lr_c=0.0)
    pair = ChunkerPair(N, [np.random.default_rng(0), np.random.default_rng(1)], cfg)
    eye = np.eye(N)
    pair.step(eye[[0, 1]], None, np.array([2, 2]), np.array([True, False]))
    assert np.abs(pair.c_state()[0]).sum() > 0 and np.abs(pair.c_state()[1]).sum() == 0
    h = pair.c_state().copy()
    pair.step(eye[[2, 2]], None, np.array([3, 3]), np.array([False, False]))
    assert np.array_equal(pair.c_state(), h)                    # C still: no surprise, no step
    assert np.array_equal(pair.since, [1.0, 2.0])               # the time unit counts the steps C skipped
