"""torcs-vision-evolution: the DCT codec (orthonormality, the frequency order, round trips, a known
decode), the vectorised CoSyNE permutation (a permutation within each column, unmarked weights in
place) and a tiny search it must solve, the track (a hand-wired filter drives a lap from every start,
no steering does not), the recurrent controller by hand, the known answer that a hand-wired filter
projected onto the 40 lowest DCT coefficients still drives, and the verdict rule on synthetic records."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "torcs-vision-evolution"))
import torcs_vision_evolution as tve  # noqa: E402


# ---------------------------------------------------------------- the DCT codec

@pytest.mark.parametrize("n", [1, 2, 5, 16, 64])
def test_dct_matrix_is_orthonormal_and_matches_the_definition(n):
    c = tve.dct_matrix(n)
    assert np.allclose(c @ c.T, np.eye(n), atol=1e-12)
    k, i = 1 % n, n - 1
    want = (np.sqrt(2.0 / n) if k else np.sqrt(1.0 / n)) * np.cos(np.pi * (2 * i + 1) * k / (2 * n))
    assert c[k, i] == pytest.approx(want)


def test_frequency_order_goes_by_the_sum_of_the_indices():
    order = tve.frequency_order((3, 4, 5))
    idx = np.array(np.unravel_index(order, (3, 4, 5))).T
    sums = idx.sum(1)
    assert list(idx[0]) == [0, 0, 0]
    assert np.all(np.diff(sums) >= 0)
    assert sorted(order) == list(range(60))
    assert [list(r) for r in idx[1:4]] == [[0, 0, 1], [0, 1, 0], [1, 0, 0]]


def test_decode_of_one_coefficient_is_the_constant_array_and_of_the_second_a_cosine():
    codec = tve.DCTCodec((4, 6), 2)
    w = codec.decode(np.array([[2.0, 0.0], [0.0, 1.0]]))
    assert np.allclose(w[0], 2.0 / np.sqrt(24))
    j = np.arange(6)
    want = np.sqrt(1 / 4) * np.sqrt(2 / 6) * np.cos(np.pi * (2 * j + 1) / 12)
    assert np.allclose(w[1], np.broadcast_to(want, (4, 6)))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 7), min_size=1, max_size=3), st.integers(0, 10_000), st.data())
def test_encode_inverts_decode_and_energy_is_kept(shape, seed, data):
    size = int(np.prod(shape))
    k = data.draw(st.integers(1, size))
    codec = tve.DCTCodec(tuple(shape), k)
    g = np.random.default_rng(seed).normal(size=(3, k))
    w = codec.decode(g)
    assert w.shape == (3, *shape)
    assert np.allclose(codec.encode(w), g, atol=1e-10)
    assert np.allclose((w ** 2).reshape(3, -1).sum(1), (g ** 2).sum(1))          # Parseval (orthonormal)
    full = tve.DCTCodec(tuple(shape), size)                                        # K = all: a bijection
    x = np.random.default_rng(seed + 1).normal(size=(2, *shape))
    assert np.allclose(full.decode(full.encode(x)), x, atol=1e-10)


def test_codec_refuses_k_outside_the_array():
    with pytest.raises(ValueError):
        tve.DCTCodec((4, 4), 17)
    with pytest.raises(ValueError):
        tve.DCTCodec((4, 4), 0)


# ---------------------------------------------------------------- CoSyNE, vectorised

@settings(max_examples=30, deadline=None)
@given(st.integers(2, 12), st.integers(1, 9), st.integers(0, 10_000))
def test_permute_marked_permutes_each_column_within_its_marked_entries(m, n, seed):
    rng = np.random.default_rng(seed)
    kept = rng.normal(size=(m, n))
    marked = rng.random((m, n)) < 0.5
    out = tve.permute_marked(kept, marked, rng)
    assert np.array_equal(out[~marked], kept[~marked])
    for j in range(n):
        assert np.allclose(np.sort(out[marked[:, j], j]), np.sort(kept[marked[:, j], j]))


def test_fast_cosyne_keeps_its_best_network_and_solves_a_small_problem():
    rng = np.random.default_rng(0)
    target = np.linspace(-0.5, 0.5, 8)
    run = tve.FastCoSyNE(8, 40, rng)
    first = None
    for _ in range(150):
        pop = run.ask()
        fit = -((pop - target) ** 2).sum(1)
        if first is None:
            first = fit.max()
        best = pop[np.argmax(fit)].copy()
        run.tell(fit, pop)
        assert np.any(np.all(run.pop == best, axis=1))          # the best network keeps its weights
    pop = run.ask()
    assert (-((pop - target) ** 2).sum(1)).max() > -1e-2 > first


# ---------------------------------------------------------------- the track and the controller

MASK = np.zeros((64, 64))
MASK[24:44, :32], MASK[24:44, 32:] = 1.0, -1.0


def hand_wired(images, live):
    """More asphalt (dark) on the left of the view than on the right: steer left."""
    dark = (images.reshape(-1, 64, 64) < 0.45).astype(float)
    return np.clip((dark * MASK).sum((1, 2)) / 40.0, -1.0, 1.0)


def test_a_hand_wired_filter_drives_a_lap_from_every_start_and_no_steering_crashes():
    world = tve.world_of()
    starts = tve.starts_of(world)
    laps, survived = tve.drive(world, hand_wired, starts, 300)
    assert np.all(laps >= 1.0) and np.all(survived == 300)
    laps, survived = tve.drive(world, lambda images, live: np.zeros(len(live)), starts, 300)
    assert np.all(laps < 0.5) and np.all(survived < 300)


def test_render_sky_and_ground():
    world = tve.world_of()
    img = world.render(tve.starts_of(world))
    assert img.shape == (3, 4096) and img.min() >= 0.0 and img.max() <= 1.0
    assert np.all(img[:, :16 * 64] == world.sky)
    # looking straight down the road: the bottom rows are asphalt (dark), as the mean grey level says
    bottom = img[:, -64 * 4:]
    assert bottom.mean() < 0.45


def test_controller_step_by_hand():
    enc = tve.Encoding(kind="raw", hidden=3)
    rng = np.random.default_rng(1)
    genomes = rng.normal(size=(2, enc.genes))
    ctrl = tve.Controllers(enc, genomes, trials=2)
    w_in, w_rec, b = enc.decode(genomes)
    gain = tve.input_gain(enc)
    images = rng.random((4, 4096)).astype(np.float32)
    live = np.arange(4)
    h0 = np.zeros((2, 2, 3))
    u = ctrl(images, live)
    x = images.reshape(2, 2, 4096).astype(float)
    want = np.tanh(gain * np.einsum("nhp,ntp->nth", w_in, x) + np.einsum("nhk,ntk->nth", w_rec, h0) + b[:, None])
    assert np.allclose(u, want[..., 0].ravel(), atol=1e-5)
    # the second step uses the state of the first; a car that crashed leaves its net's other car running
    u2 = ctrl(images[[0, 1, 3]], np.array([0, 1, 3]))
    want2 = np.tanh(gain * np.einsum("nhp,ntp->nth", w_in, x) + np.einsum("nhk,ntk->nth", w_rec, want) + b[:, None])
    assert np.allclose(u2, want2[..., 0].ravel()[[0, 1, 3]], atol=1e-5)


def test_encodings_count_and_decode():
    dct, raw = tve.Encoding(kind="dct"), tve.Encoding(kind="raw")
    assert raw.weights == dct.weights == 16 * (4096 + 16 + 1) == 65_808
    assert raw.genes == 65_808 and dct.genes == 50
    g = np.random.default_rng(2).normal(size=(1, 50))
    w_in, w_rec, b = dct.decode(g)
    c_in, c_rb = dct.codecs()
    assert np.allclose(w_in[0], c_in.decode(g[:, :40])[0].reshape(16, 4096))
    assert np.allclose(np.concatenate([w_rec, b[..., None]], -1), c_rb.decode(g[:, 40:]))


def test_known_answer_a_hand_wired_filter_drives_in_both_encodings():
    """A linear left-minus-right filter on neuron 0 drives a lap from all three starts as raw weights, and
    so does its projection onto the 40 lowest 3-D DCT coefficients (the compressed space holds a solution)."""
    world = tve.world_of()
    starts = tve.starts_of(world)
    for kind in ("raw", "dct"):
        enc = tve.Encoding(kind=kind)
        w = np.zeros((16, 4096))
        w[0] = -MASK.ravel() * 2.0 / (tve.input_gain(enc) * 64)
        rb = np.zeros((16, 17))
        if kind == "raw":
            genome = np.concatenate([w.ravel(), rb.ravel()])
        else:
            c_in, c_rb = enc.codecs()
            genome = np.concatenate([c_in.encode(w.reshape(1, 16, 64, 64))[0], c_rb.encode(rb[None])[0]])
        laps = tve.evaluate(enc, genome[None], starts, 300)
        assert np.all(laps >= 1.0), (kind, laps)


def test_evolve_quick_is_deterministic():
    cfg = tve.Config(size=4, steps=20, max_evals=8)
    a = tve.evolve(cfg, [0, 1], progress=False)
    b = tve.evolve(cfg, [0, 1], progress=False)
    assert a[0] == b[0]
    assert all(np.array_equal(a[1][s], b[1][s]) for s in (0, 1))


# ---------------------------------------------------------------- the verdict

def record(dct_solved, dct_evals, raw_solved, raw_evals, cap=1000):
    def rows(solved, evals):
        return [{"seed": i, "solved": s, "evaluations": e if s else None, "evaluations_capped": e if s else cap}
                for i, (s, e) in enumerate(zip(solved, evals))]
    return {"seeds": {"per_seed": rows(dct_solved, dct_evals)},
            "raw": {"seeds": {"per_seed": rows(raw_solved, raw_evals)}}}


def test_verdict_pending_without_enough_runs():
    assert tve.verdict(record([True] * 19, [100] * 19, [False] * 10, [1000] * 10))["value"] == "pending"
    assert tve.verdict(record([True] * 20, [100] * 20, [False] * 9, [1000] * 9))["value"] == "pending"


def test_verdict_yes_when_dct_solves_and_raw_fails():
    v = tve.verdict(record([True] * 20, list(range(100, 300, 10)), [False] * 9 + [True], [1000] * 9 + [900]))
    assert v["value"] == "yes", v


def test_verdict_no_when_dct_fails_too_often():
    v = tve.verdict(record([True] * 17 + [False] * 3, [200] * 20, [False] * 10, [1000] * 10))
    assert v["value"] == "no"


def test_verdict_no_when_raw_solves_as_often():
    v = tve.verdict(record([True] * 20, [300] * 20, [True] * 10, [310, 290, 300, 305, 295, 300, 320, 280, 300, 300]))
    assert v["value"] == "no"


def test_verdict_partial_when_evaluations_do_not_differ():
    raw_solved = [True] * 5 + [False] * 5
    raw_evals = [10, 20, 30, 40, 50] + [1000] * 5
    dct_evals = [999, 998, 997, 996, 995, 994, 993, 992, 991, 990] + [100] * 10
    v = tve.verdict(record([True] * 20, dct_evals, raw_solved, raw_evals))
    assert v["value"] == "partial", v
