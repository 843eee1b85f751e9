"""chunker-22-symbol: the stream, the chunker pair's on-line gradients (checked numerically), the
surprise channel, a small run that must solve, the batch baselines, the verdict rule, the CLI."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script
from shared.verdict import binomial_sf, rate_bounds

ck = load_module(ROOT / "chunker-22-symbol" / "chunker_22_symbol.py")
SCRIPT = ROOT / "chunker-22-symbol" / "chunker_22_symbol.py"


def test_the_stream_is_blocks_of_a_or_x_then_b1_to_b20_without_boundaries():
    sym, lab = ck.make_stream(np.random.default_rng(0), 50)
    blocks = sym.reshape(50, 21)
    assert set(blocks[:, 0]) == {ck.SYMBOL_A, ck.SYMBOL_X}
    assert (blocks[:, 1:] == np.arange(2, 22)).all()            # b1..b20 are symbols 2..21
    assert np.array_equal(lab, (blocks[:, 0] == ck.SYMBOL_A).astype(float))
    assert 10 < lab.sum() < 40


# ---- the gradient check: the pair's on-line (RTRL) gradients summed over a short stream equal the
# numerical gradient of the summed losses, with the weights held still (lr = 0) and C's inputs fixed.

def _pair_run(params_a, params_c, cfg, steps, mask, seed=5):
    pair = ck.ChunkerPair(ck.N_SYMBOLS, [np.random.default_rng(seed)], cfg)
    pair.a.params = {k: v.copy() for k, v in params_a.items()}
    pair.c.params = {k: v.copy() for k, v in params_c.items()}
    pair.rtrl_a.bank = pair.a
    pair.rtrl_c.bank = pair.c
    pair.out_a, pair.out_c = pair.a.params["c"].copy(), pair.c.params["c"].copy()
    sym, lab = ck.make_stream(np.random.default_rng(seed), 2)
    sym = sym[: steps + 1]
    eye = np.eye(ck.N_SYMBOLS)
    loss_a = loss_c = 0.0
    ga, gc = {}, {}
    for t in range(steps):
        target = np.array([[lab[0]]]) if t % 4 == 3 else None          # targets more often than every b20
        out = pair.step(eye[sym[t]][None], target, sym[t + 1:t + 2], np.array([mask[t]]))
        loss_a += float(out["loss_a"][0])
        loss_c += float(out["loss_c"][0])
        ck._add(ga, pair.grads_a)
        ck._add(gc, pair.grads_c)
    return loss_a, loss_c, ga, gc


@pytest.mark.parametrize("predict_c", [True, False])
def test_the_pairs_online_gradients_pass_the_numerical_check(predict_c):
    cfg = replace(ck.PairConfig(), lr_a=0.0, lr_c=0.0, clip=0.0, predict_c=predict_c)
    base = ck.ChunkerPair(ck.N_SYMBOLS, [np.random.default_rng(5)], cfg)
    pa = {k: v + 0.3 * np.random.default_rng(1).standard_normal(v.shape) for k, v in base.a.params.items()}
    pc = {k: v + 0.3 * np.random.default_rng(2).standard_normal(v.shape) for k, v in base.c.params.items()}
    steps = 12
    mask = np.random.default_rng(3).random(steps) < 0.5
    mask[0] = True
    _, _, ga, gc = _pair_run(pa, pc, cfg, steps, mask)
    eps = 1e-6
    worst = 0.0
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
    cfg = replace(ck.PairConfig(), lr_a=0.0, lr_c=0.0, clip=0.0)
    base = ck.ChunkerPair(ck.N_SYMBOLS, [np.random.default_rng(5)], cfg)
    pa, pc = base.a.params, base.c.params
    mask = np.ones(6, bool)
    _, _, ga, _ = _pair_run(pa, pc, cfg, 6, mask)
    eps = 1e-6
    plus = {k: v.copy() for k, v in pa.items()}
    minus = {k: v.copy() for k, v in pa.items()}
    plus["V"][0, 2, 3] += eps
    minus["V"][0, 2, 3] -= eps
    num = (_pair_run(plus, pc, cfg, 6, mask)[0] - _pair_run(minus, pc, cfg, 6, mask)[0]) / (2 * eps)
    assert abs(num - ga["V"][0, 2, 3] * 1.02) / abs(num) > 1e-3


# ---- the mechanism

def test_c_takes_inputs_only_where_a_was_surprised_and_keeps_its_state_otherwise():
    cfg = replace(ck.PairConfig(), lr_a=0.0, lr_c=0.0)
    pair = ck.ChunkerPair(ck.N_SYMBOLS, [np.random.default_rng(0), np.random.default_rng(1)], cfg)
    eye = np.eye(ck.N_SYMBOLS)
    x = eye[[0, 1]]
    pair.step(x, None, np.array([2, 2]), np.array([True, False]))
    assert np.abs(pair.c_state()[0]).sum() > 0 and np.abs(pair.c_state()[1]).sum() == 0
    h = pair.c_state().copy()
    pair.step(eye[[2, 2]], None, np.array([3, 3]), np.array([False, False]))
    assert np.array_equal(pair.c_state(), h)                    # C still: no surprise, no step
    assert np.array_equal(pair.since, [1.0, 2.0])               # the time unit counts the steps C skipped


def test_first_solved_needs_a_full_window_of_right_answers():
    right = np.ones(250, bool)
    right[[10, 60]] = False
    assert ck.first_solved(right) == 161
    assert ck.first_solved(right[:160]) is None


def test_a_small_run_of_the_chunker_solves_and_compresses_the_stream_to_one_surprise_a_block():
    """Known answer: seed 0 alone, 700 sequences: C answers the 20-step lag, A's surprises fall to
    the block start."""
    hist, pair, _, _ = ck.run_pair(ck.PairConfig(), [0], 700)
    assert hist["c_right"][0, -100:].mean() >= 0.95
    assert hist["surprises"][0, -100:].mean() < 1.2
    assert hist["a_right"][0, :100].mean() < 0.8                # A alone starts at chance


def test_the_batch_baselines_run_and_answer_every_target():
    for model in ("bptt-net", "lstm", "odyssnet"):
        right, _ = ck.run_batch(replace(ck.BatchConfig(model=model), streams=4), [0, 1], 16)
        assert right.shape == (2, 16) and right.dtype == bool


# ---- the verdict

def test_the_chunker_threshold_is_the_lower_end_of_the_papers_interval():
    low, _ = rate_bounds(13, 17, 0.90)
    assert ck.CHUNKER_THRESHOLD <= low < ck.CHUNKER_THRESHOLD + 0.01


def _rows(solved, n=17, seqs=3000):
    return [{"seed": i, "solved": i < solved, "sequences_to_solve": seqs if i < solved else None} for i in range(n)]


def record_with(chunker, single, large, budget=200_000, n=17):
    return {"seeds": {"per_seed": _rows(chunker, n)}, "rtrl-net": {"seeds": {"per_seed": _rows(single, n)}},
            "bptt-net": {"headline": {"sequences_per_run": budget}, "seeds": {"per_seed": _rows(large, n)}}}


def _needed():
    """The fewest chunker runs (of 17) that the rule accepts with the other claims clear."""
    return min(k for k in range(18) if binomial_sf(k, 17, ck.CHUNKER_THRESHOLD) < 0.05 / 3)


@pytest.mark.parametrize("chunker, single, large, value", [
    (17, 0, 0, "yes"), (15, 0, 0, "yes"), (17, 0, 17, "partial"), (17, 15, 0, "partial"), (5, 0, 0, "no"),
    (0, 0, 0, "no")])
def test_verdict_on_both_sides(chunker, single, large, value):
    assert ck.verdict(record_with(chunker, single, large))["value"] == value


def test_verdict_edge_of_the_chunker_claim():
    k = _needed()
    assert ck.verdict(record_with(k, 0, 0))["value"] == "yes"
    assert ck.verdict(record_with(k - 3, 0, 0))["value"] == "no"


def test_verdict_counts_only_solves_within_5000_sequences():
    rec = record_with(17, 0, 0)
    for r in rec["seeds"]["per_seed"]:
        r["sequences_to_solve"] = 6000
    assert ck.verdict(rec)["value"] == "no"


def test_verdict_is_pending_without_the_sections_it_needs():
    assert ck.verdict(record_with(17, 0, 0, n=10))["value"] == "pending"
    rec = record_with(17, 0, 0)
    del rec["rtrl-net"]
    assert ck.verdict(rec)["value"] == "pending"
    assert ck.verdict(record_with(17, 0, 0, budget=50_000))["value"] == "pending"


# ---- the command line

@pytest.mark.parametrize("bad", [["--model", "gru"], ["--blocks", "0"], ["--blocks", "2000000"],
                                 ["--model", "lstm", "--no-predict-c"], ["--n-seeds", "3", "--record", "/tmp/x.json"]])
def test_bad_arguments_exit_with_one_line(bad):
    result = run_script(SCRIPT, *bad, timeout=30)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_quick_runs_are_deterministic():
    a = run_script(SCRIPT, "--quick", timeout=60)
    b = run_script(SCRIPT, "--quick", timeout=60)
    assert a.returncode == 0 and a.stdout.split("== verdict")[0] == b.stdout.split("== verdict")[0]


def test_truncated_bptt_equals_rtrl_when_the_window_covers_the_stream_and_differs_when_short():
    """node7's truncated gradient: with a window longer than the stream it is the exact gradient (RTRL's);
    with 3 steps it drops the older terms."""
    base = replace(ck.PairConfig(), lr_a=0.0, lr_c=0.0, clip=0.0)
    pa = ck.ChunkerPair(ck.N_SYMBOLS, [np.random.default_rng(5)], base)
    mask = np.random.default_rng(3).random(12) < 0.5
    mask[0] = True
    _, _, ga, gc = _pair_run(pa.a.params, pa.c.params, base, 12, mask)
    _, _, ta, tc = _pair_run(pa.a.params, pa.c.params, replace(base, truncate=20), 12, mask)
    for exact, truncated in ((ga, ta), (gc, tc)):
        for name in exact:
            assert np.allclose(exact[name], truncated[name], rtol=1e-10, atol=1e-12), name
    _, _, sa, _ = _pair_run(pa.a.params, pa.c.params, replace(base, truncate=3), 12, mask)
    assert not np.allclose(ga["U"], sa["U"])
    assert np.allclose(ga["V"], sa["V"])            # the read-out's own gradient has no recurrence
