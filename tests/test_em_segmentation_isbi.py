"""em-segmentation-isbi: the synthetic stack, the ISBI metrics (Rand F-score, simple points, warping),
the net's dense scan against its per-window forward, the gradients, a tiny problem learned, the verdict."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, load_module

em = load_module(ROOT / "em-segmentation-isbi" / "em_segmentation_isbi.py")
SMALL = replace(em.StackConfig(), size=48, slices=4, cells=4, vesicles=3, organelles=1)


# ----------------------------------------------------------------------------------------
# The synthetic stack
# ----------------------------------------------------------------------------------------


def test_the_stack_is_seeded_and_consistent():
    a = em.synthetic_em_stack(np.random.default_rng(3), SMALL)
    b = em.synthetic_em_stack(np.random.default_rng(3), SMALL)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert a["images"].shape == (4, 48, 48) and a["images"].min() >= 0 and a["images"].max() <= 1
    assert np.array_equal(a["cells"] == 0, a["membrane"])          # cells exactly off the membrane
    for s in range(4):                                               # each cell id one 4-connected piece
        relabel = em.label_components(~a["membrane"][s])
        assert relabel.max() == a["cells"][s].max()
    share = a["membrane"].mean()
    assert 0.1 < share < 0.45
    # membranes are darker than cell interiors on average, slices differ (drift), but overlap (same cells)
    assert a["images"][a["membrane"]].mean() < a["images"][~a["membrane"]].mean() - 0.15
    assert not np.array_equal(a["membrane"][0], a["membrane"][1])
    assert np.mean(a["membrane"][0] == a["membrane"][1]) > 0.6


# ----------------------------------------------------------------------------------------
# Metrics
# ----------------------------------------------------------------------------------------


def test_components_by_hand():
    mask = np.array([[1, 1, 0, 1],
                     [0, 1, 0, 1],
                     [1, 0, 0, 0],
                     [1, 1, 0, 1]], dtype=bool)
    lab = em.label_components(mask)
    assert lab.max() == 4                                            # diagonal contact does not join (4-conn)
    assert lab[0, 0] == lab[1, 1] and lab[0, 3] == lab[1, 3] and lab[2, 0] == lab[3, 1]
    assert len({lab[0, 0], lab[0, 3], lab[2, 0], lab[3, 3]}) == 4
    snake = np.ones((9, 9), dtype=bool)
    snake[1::4, :8] = False
    snake[3::4, 1:] = False
    assert em.label_components(snake).max() == 1


def test_rand_f_score_by_hand():
    truth = np.array([[1, 1, 2, 2]])
    assert em.rand_f_score(truth, np.array([[5, 5, 7, 7]])) == pytest.approx(1.0)
    # all merged: p_ij = 1/2 each: sum p^2 = 1/2, sum s^2 = 1/2, sum t^2 = 1: P = 1/2, R = 1, F = 2/3
    assert em.rand_f_score(truth, np.array([[1, 1, 1, 1]])) == pytest.approx(2 / 3)
    # all split into singletons (label 0): sum p^2 = 4/16, sum t^2 = 4/16, sum s^2 = 1/2: P = 1, R = 1/2
    assert em.rand_f_score(truth, np.array([[0, 0, 0, 0]])) == pytest.approx(2 / 3)
    # membrane pixels of the truth (0) do not count
    assert em.rand_f_score(np.array([[1, 0, 2]]), np.array([[4, 4, 9]])) == pytest.approx(1.0)


def _count(fg):
    return em.label_components(fg).max(), em.label_components(~fg).max()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_flipping_simple_points_keeps_the_topology(seed):
    """Known answer from the definition: a simple point's flip changes neither the number of
    foreground components nor of background ones (the background counted 8-connected)."""
    rng = np.random.default_rng(seed)
    fg = np.pad(rng.random((9, 9)) < 0.55, 1)
    codes = em.neighbour_codes(fg)

    def bg8(x):
        h, w = x.shape
        big = np.pad(~x, 1)
        lab = np.zeros((h + 2, w + 2), int)
        n = 0
        for y0 in range(h + 2):
            for x0 in range(w + 2):
                if big[y0, x0] and not lab[y0, x0]:
                    n += 1
                    stack = [(y0, x0)]
                    lab[y0, x0] = n
                    while stack:
                        y, xx = stack.pop()
                        for dy in (-1, 0, 1):
                            for dx in (-1, 0, 1):
                                q = (y + dy, xx + dx)
                                if 0 <= q[0] < h + 2 and 0 <= q[1] < w + 2 and big[q] and not lab[q]:
                                    lab[q] = n
                                    stack.append(q)
        return n
    before = (em.label_components(fg).max(), bg8(fg))
    checked = 0
    for y in range(1, 10):
        for x in range(1, 10):
            if em.SIMPLE[codes[y, x]]:
                g = fg.copy()
                g[y, x] = ~g[y, x]
                assert (em.label_components(g).max(), bg8(g)) == before, (y, x)
                checked += 1
    assert checked > 0


def test_warping_error_sees_topology_not_shifts():
    truth = np.zeros((20, 20), dtype=bool)
    truth[:, 9] = True                                               # one membrane: two cells
    assert em.warping_error(truth, truth) == 0.0
    shifted = np.zeros_like(truth)
    shifted[:, 10] = True                                            # moved by 1 px: same topology
    assert em.warping_error(truth, shifted) == 0.0
    assert np.mean(truth != shifted) == pytest.approx(0.1)           # while the pixel error is not 0
    gap = truth.copy()
    gap[8:10, 9] = False                                             # a hole in the membrane: a merge
    assert em.warping_error(truth, gap) > 0
    assert em.warping_error(truth, np.zeros_like(truth)) > 0          # no membrane at all: a merge


def test_segment_grows_cells_over_the_membrane():
    prob = np.zeros((6, 7))
    prob[:, 3] = 0.9
    seg = em.segment(prob, 0.5)
    assert seg.min() > 0 and len(np.unique(seg)) == 2
    truth = np.where(prob > 0.5, 0, np.where(np.arange(7) < 3, 1, 2)[None].repeat(6, 0))
    assert em.rand_f_score(truth, seg) == pytest.approx(1.0)


# ----------------------------------------------------------------------------------------
# The nets
# ----------------------------------------------------------------------------------------


def test_the_dense_scan_is_the_per_window_net():
    rng = np.random.default_rng(0)
    cfg = em.Config()
    p = em.init_cnn(rng, cfg, dtype=np.float64)
    for k in p:
        p[k] += 0.05 * rng.normal(size=p[k].shape)
    image = rng.random((2, 30, 30))
    padded = em.pad_stack(image)
    dense = em.cnn_dense(p, padded[1])
    ys, xs = rng.integers(0, 30, 40), rng.integers(0, 30, 40)
    ys[:2], xs[:2] = (0, 29), (29, 0)                                 # the corners' mirrored windows too
    w = em.windows_at(padded, np.ones(40, int), ys, xs)
    np.testing.assert_allclose(dense[ys, xs], em.cnn_forward(p, w[:, None])[0], rtol=1e-10, atol=1e-12)
    assert dense.shape == (30, 30)


def test_views_undo_themselves():
    x = np.arange(12.0).reshape(3, 4)
    for k in range(8):
        np.testing.assert_array_equal(em.undo_dihedral(em.dihedral(x, k), k), x)
    assert len({em.dihedral(np.arange(9.0).reshape(3, 3), k).tobytes() for k in range(8)}) == 8


def test_balanced_batches_are_balanced_and_centred_right():
    stack = em.synthetic_em_stack(np.random.default_rng(1), SMALL)
    padded = em.pad_stack(stack["images"])
    pools = em.Pools(stack["membrane"], [0, 1])
    w, y = em.balanced_batch(np.random.default_rng(2), padded, pools, 32)
    assert w.shape == (32, em.WINDOW, em.WINDOW) and y.sum() == 16
    s, yy, xx = pools.pool[True]
    assert set(np.unique(s)) <= {0, 1} and stack["membrane"][s, yy, xx].all()
    centre = em.windows_at(padded, s[:5], yy[:5], xx[:5])[:, em.RADIUS, em.RADIUS]
    np.testing.assert_array_equal(centre, stack["images"][s[:5], yy[:5], xx[:5]])


def test_every_hand_written_gradient_matches_finite_differences():
    errors = em.gradient_errors(0)
    assert errors and max(errors.values()) < 1e-6, errors


def test_the_gradient_check_catches_a_wrong_backward(monkeypatch):
    original = em.cnn_backward

    def wrong(p, cache, d):
        g = original(p, cache, d)
        g["k2"] = g["k2"] * 1.01
        return g
    monkeypatch.setattr(em, "cnn_backward", wrong)
    errors = em.gradient_errors(0)
    assert errors["cnn.k2"] > 1e-4


def test_a_net_learns_clean_membranes():
    """A tiny known problem: noise-free, distractor-free slices with full-contrast membranes; one net
    after 150 steps must get the pixel error of the held-out slice well below the membrane share."""
    clean = replace(SMALL, noise=0.0, vesicles=0, organelles=0, faint=0.0)
    cfg = replace(em.Config(), steps=150, lr=0.05, stack=clean, train_slices=(0, 1, 2), val_slices=(), test_slices=(3,))
    stack = em.prepare(0, cfg)
    p, curve = em.train_cnn(np.random.default_rng(0), stack["padded"], stack["pools"], cfg)
    prob = em.sigmoid(em.cnn_dense(p, stack["padded"][3]))
    err = np.mean((prob >= 0.5) != stack["membrane"][3])
    assert np.mean(curve[-30:]) < 0.5 * np.log(2)
    assert err < 0.5 * stack["membrane"][3].mean(), err


# ----------------------------------------------------------------------------------------
# Verdict
# ----------------------------------------------------------------------------------------


def _record(n, cnn, filt, single, avg, views_gain):
    rng = np.random.default_rng(0)
    rows = []
    for s in range(n):
        j = 1 + 0.02 * rng.normal()
        rows.append({"seed": s, "filter_pixel": filt * j, "filter_rand": 2 * filt * j, "filter_warp": filt / 5 * j,
                     "cnnN_views_pixel": cnn * j, "cnnN_views_rand": 2 * cnn * j, "cnnN_views_warp": cnn / 5 * j,
                     "cnn1_pixel": single * j, "cnnN_pixel": avg * j * (1 + 0.01 * rng.normal())})
        rows[-1]["cnnN_views_pixel"] = rows[-1]["cnnN_pixel"] / views_gain
    return {"seeds": {"per_seed": rows}}


def test_verdict_on_both_sides():
    assert em.verdict({"seeds": {"per_seed": []}})["value"] == "pending"
    assert em.verdict(_record(4, 0.08, 0.15, 0.1, 0.09, 1.1))["value"] == "pending"
    yes = em.verdict(_record(5, 0.08, 0.15, 0.10, 0.09, 1.1))
    assert yes["value"] == "yes", yes
    # the net beats the filter, averaging does not help: partial
    part = em.verdict(_record(5, 0.08, 0.15, 0.09, 0.09 * 1.05, 1.1))
    assert part["value"] == "partial", part
    # the filter wins: no
    assert em.verdict(_record(5, 0.16, 0.12, 0.2, 0.18, 1.1))["value"] == "no"
