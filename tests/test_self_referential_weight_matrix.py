"""self-referential-weight-matrix: the task, the two self-referential nets (gradients checked in float64),
the single-matrix property, and the verdict on both sides of every threshold."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from shared.frame.gradcheck import check_gradients

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "self-referential-weight-matrix"))
spec = importlib.util.spec_from_file_location("srwm_stub", ROOT / "self-referential-weight-matrix" /
                                              "self_referential_weight_matrix.py")
srwm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(srwm)


def batch(seed=0, functions=range(16), B=3, S=2):
    rng = np.random.default_rng(seed)
    _, rows, targets, demo = srwm.episodes(rng, list(functions), B)
    rows = np.stack([rows] + [np.roll(rows, i + 1, axis=0) for i in range(S - 1)])
    targets = np.stack([targets] + [np.roll(targets, i + 1, axis=0) for i in range(S - 1)])
    return rows, targets, demo


def test_episodes_follow_the_truth_tables():
    rng = np.random.default_rng(1)
    f, rows, targets, demo = srwm.episodes(rng, range(16), 200)
    assert demo.tolist() == [1, 1, 1, 1, 0, 0, 0, 0]
    for i in range(200):
        assert sorted(rows[i, :4]) == [0, 1, 2, 3] and sorted(rows[i, 4:]) == [0, 1, 2, 3]
        for r, t in zip(rows[i], targets[i]):
            x0, x1 = srwm.ROW_BITS[r]
            assert t == (f[i] >> (2 * x0 + x1)) & 1
    assert srwm.NAMES[6] == "XOR" and all(((6 >> (2 * a + b)) & 1) == (a ^ b) for a in (0, 1) for b in (0, 1))
    assert srwm.NAMES[8] == "AND" and all(((8 >> (2 * a + b)) & 1) == (a & b) for a in (0, 1) for b in (0, 1))
    assert set(srwm.TRAIN_FUNCTIONS) | set(srwm.HELD_OUT) == set(range(16)) and len(srwm.TRAIN_FUNCTIONS) == 12


def test_every_connection_has_its_own_address_and_the_kernel_factorises():
    lay = srwm.Layout(8)
    assert lay.R == 2 + 2 * (lay.br + lay.bc) + 8 and lay.C == srwm.N_IN + lay.R
    assert 2 ** lay.br >= lay.R and 2 ** lay.bc >= lay.C
    assert len({tuple(c) for c in lay.code_r}) == lay.R and len({tuple(c) for c in lay.code_c}) == lay.C
    # the normalised Gaussian kernel over full connection addresses = row softmax x column softmax
    rng = np.random.default_rng(0)
    kappa = 2.0
    u_r, u_c = np.tanh(rng.normal(size=lay.br)), np.tanh(rng.normal(size=lay.bc))
    adr = np.array([[np.concatenate([lay.code_r[i], lay.code_c[j]]) for j in range(lay.C)] for i in range(lay.R)])
    d2 = np.sum((np.concatenate([u_r, u_c]) - adr) ** 2, axis=-1)
    g = np.exp(-kappa * d2 / 2)
    g /= g.sum()
    factored = np.outer(srwm.softmax(kappa * lay.code_r @ u_r), srwm.softmax(kappa * lay.code_c @ u_c))
    assert np.allclose(g, factored, atol=1e-14)


@pytest.mark.parametrize("writes", [True, False])
def test_srwm1993_gradient_float64(writes):
    rngs = [np.random.default_rng(1), np.random.default_rng(2)]
    net = srwm.SRWM1993(n_hidden=3, ticks=2, kappa=2.0, rngs=rngs, writes=writes)
    rows, targets, demo = batch(B=2)

    def loss():
        return float(srwm.query_loss(net.forward(rows, targets, demo), targets, demo)[0].sum())

    _, d = srwm.query_loss(net.forward(rows, targets, demo), targets, demo)
    grads = net.backward(d)
    # every row of the matrix is covered: 240 random entries of its 2 x R x C (time: the whole matrix
    # takes minutes), plus the 1% error test on an entry that is checked
    picked = np.random.default_rng(0).choice(net.params["W0"].size, 240, replace=False)
    errors = check_gradients(loss, net.params, grads, entries={"W0": picked})
    assert max(errors.values()) < 1e-6, errors
    grads["W0"].reshape(-1)[picked[0]] *= 1.01             # the check can fail
    assert max(check_gradients(loss, net.params, grads, entries={"W0": picked[:5]}).values()) > 1e-6


@pytest.mark.parametrize("writes", [True, False])
def test_srwm2022_gradient_float64(writes):
    net = srwm.SRWM2022(5, [np.random.default_rng(3), np.random.default_rng(4)], writes=writes)
    rows, targets, demo = batch(1)

    def loss():
        return float(srwm.query_loss(net.forward(rows, targets, demo), targets, demo)[0].sum())

    _, d = srwm.query_loss(net.forward(rows, targets, demo), targets, demo)
    errors = check_gradients(loss, net.params, net.backward(d))
    assert max(errors.values()) < 1e-6, errors


def test_one_matrix_rewritten_only_by_the_nets_own_writes_including_its_control_rows():
    net = srwm.SRWM1993(n_hidden=8, ticks=2, kappa=2.0, rngs=[np.random.default_rng(5)])
    rows, targets, demo = batch(2, S=1, B=4)
    net.forward(rows, targets, demo)
    lay, tape = net.lay, net.cache[3]
    W = np.broadcast_to(net.params["W0"][:, None], net.final_W.shape).copy()
    for W_before, z, a, p, q, pm, qm, Wq in tape:           # the matrix only changes by delta pm qm^T
        assert np.allclose(W_before, W)
        W = W + a[..., lay.DELTA, None, None] * pm[..., :, None] * qm[..., None, :]
    assert np.allclose(W, net.final_W)
    # a write can land on the rows that drive the modifying, analyzing and delta units
    controls = list(range(lay.DELTA, lay.mod_c.stop))
    changed = np.abs(net.final_W - net.params["W0"][:, None])[..., controls, :]
    assert changed.max() > 0


def test_without_writes_the_queries_cannot_see_the_demonstrations():
    """Activations reset at every pattern: with writes disabled, the query outputs depend on the query
    row only, not on which function the demonstrations showed."""
    for model in (srwm.SRWM1993(4, 2, 2.0, [np.random.default_rng(0)], writes=False),
                  srwm.SRWM2022(6, [np.random.default_rng(0)], writes=False)):
        rng = np.random.default_rng(0)
        _, rows, _, demo = srwm.episodes(rng, [0], 5)
        outs = [model.forward(rows[None], ((f >> rows) & 1).astype(float)[None], demo)[..., 4:] for f in (6, 9)]
        assert np.allclose(outs[0], outs[1])
    writer = srwm.SRWM1993(4, 2, 2.0, [np.random.default_rng(0)], writes=True)
    outs = [writer.forward(rows[None], ((f >> rows) & 1).astype(float)[None], demo)[..., 4:] for f in (6, 9)]
    assert not np.allclose(outs[0], outs[1])


def test_baselines_run_and_train_step():
    class A:
        model, hidden, ticks, kappa, dim, neurons, no_writes = "lstm", 4, 2, 2.0, 6, 8, False
    for model in ("lstm", "odyssnet", "srwm2022", "srwm1993"):
        A.model = model
        net = srwm.build(A, [0, 1])
        curve = srwm.train_bank(net, [0, 1], 2, 4, 0.01, label="t")
        assert curve.shape == (2, 4) and np.all(np.isfinite(curve))
        acc = srwm.evaluate(net, 2, 2)
        assert acc.shape == (2, 16) and np.all((acc >= 0) & (acc <= 1))


def rows(n, train, held, seed0=0):
    return [{"seed": seed0 + i, "train_accuracy": train[i], "held_out_accuracy": held[i], "solved": train[i] >= 0.95}
            for i in range(n)]


def record(ours_train, ours_held, abl_train, abl_held, modern_train):
    n = len(ours_train)
    block = lambda r: {"per_seed": r, "summary": {"n_runs": len(r)}}  # noqa: E731
    return {"seeds": block(rows(n, ours_train, ours_held)),
            "srwm1993_no_writes": {"seeds": block(rows(n, abl_train, abl_held))},
            "srwm2022": {"seeds": block(rows(n, modern_train, [0.5] * n))}}


def test_verdict_both_sides():
    n = 10
    good = record([1.0] * n, [0.9] * n, [0.5] * n, [0.5] * n, [1.0] * n)
    assert srwm.verdict(good)["value"] == "yes"
    # primary 1 fails: too few seeds solve
    bad = record([1.0] * 6 + [0.8] * 4, [0.9] * n, [0.5] * n, [0.5] * n, [1.0] * n)
    assert srwm.verdict(bad)["value"] == "no"
    # primary 2 fails: the ablation also learns
    bad = record([1.0] * n, [0.9] * n, [0.9] * n, [0.5] * n, [1.0] * n)
    assert srwm.verdict(bad)["value"] == "no"
    # held-out generalisation absent: partial
    mid = record([1.0] * n, [0.5, 0.52, 0.48, 0.5, 0.51, 0.49, 0.5, 0.5, 0.52, 0.48], [0.5] * n,
                 [0.5, 0.5, 0.5, 0.51, 0.49, 0.5, 0.5, 0.5, 0.5, 0.5], [1.0] * n)
    assert srwm.verdict(mid)["value"] == "partial"
    # the modern SRWM fails: partial
    mid = record([1.0] * n, [0.9] * n, [0.5] * n, [0.5] * n, [0.7] * n)
    assert srwm.verdict(mid)["value"] == "partial"
    # too few seeds: pending
    assert srwm.verdict(record([1.0] * 9, [0.9] * 9, [0.5] * 9, [0.5] * 9, [1.0] * 9))["value"] == "pending"


def test_command_line_refuses_flags_the_model_ignores():
    with pytest.raises(SystemExit):
        srwm.parse_args(["--model", "lstm", "--kappa", "3"])
    with pytest.raises(SystemExit):
        srwm.parse_args(["--model", "lstm", "--no-writes"])
    args = srwm.parse_args(["--model", "srwm2022", "--no-writes"])
    assert srwm.section_name(args) == "srwm2022_no_writes"
    assert srwm.section_name(srwm.parse_args([])) is None
